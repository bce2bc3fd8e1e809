/* sp_band: forecast bands from CSV; see sp_band.h. */
#include "sp_band.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_burst.h"
#include "sp_time.h"

#define MAX_H 10000
/* the per-row steps, inlined into the reading loop */
#define ROW_STEP static inline __attribute__((always_inline)) int

struct sp_band {
	sp_csv_reader *r;
	sp_band_opts o;
	int fcol, lcol, ucol, levelcol;
	size_t ndata;
	int H;              /* horizons of the first origin; 0 until it is complete */
	int started;        /* a row has been read */
	int eof;
	/* the origin being read */
	double origin, target;
	int h;
	double load, level;
	double *L, *M, *U, *X;
	int cap;
	char *data;
	size_t dsize, dcap;
	size_t *len;
	/* SP_BAND_TEXT: the values' fields, their ends (toff[1 .. 3h]), the
	 * origin row's level field (at text[0 .. tlevel)) */
	char *text;
	size_t tsize, tcap, tlevel;
	size_t *toff;
	/* the next origin's first row, checked, waiting */
	int waiting;
	double next_origin, next_target;
};

void
sp_band_defaults(sp_band_opts *o)
{
	o->flags = 0;
	o->load = -1;
	o->extra = -1;
	o->horizons = 0;
	o->level = 0;
}

int
sp_band_is_long(const sp_csv_reader *r)
{
	return sp_csv_ncols(r) >= 3 && strcmp(sp_csv_colname(r, 0), "origin") == 0 &&
	    strcmp(sp_csv_colname(r, 1), "timestamp") == 0 && strcmp(sp_csv_colname(r, 2), "horizon") == 0;
}

void
sp_band_free(sp_band *b)
{
	if (!b)
		return;
	free(b->L);
	free(b->M);
	free(b->U);
	free(b->X);
	free(b->data);
	free(b->len);
	free(b->text);
	free(b->toff);
	free(b);
}

sp_band *
sp_band_new(sp_csv_reader *r, const sp_band_opts *o, sp_error *err)
{
	sp_band *b;
	int strict = o->flags & SP_BAND_STRICT;
	int fcol = sp_csv_col_index(r, "forecast"), lcol = sp_csv_col_index(r, "lower");
	int ucol = sp_csv_col_index(r, "upper"), nc = (int)sp_csv_ncols(r);

	if (!sp_band_is_long(r)) {
		sp_error_set(err, SP_EDATA, "not the long format: the first columns must be origin,timestamp,horizon");
		return NULL;
	}
	if (fcol < 0 || (strict && (lcol < 0 || ucol < 0))) {
		sp_error_set(err, SP_EDATA, "forecast columns missing: no column '%s'",
		    fcol < 0 ? "forecast" : lcol < 0 ? "lower" : "upper");
		return NULL;
	}
	if (o->load >= nc || o->extra >= nc || o->horizons < 0 || o->horizons > MAX_H) {
		sp_error_set(err, SP_EUSAGE, "long-format reader: bad options (columns 0..%d, horizons 0..%d)",
		    nc - 1, MAX_H);
		return NULL;
	}
	if (!(b = calloc(1, sizeof *b)) || !(b->len = malloc(((size_t)fcol - 3 + 1) * sizeof *b->len))) {
		free(b);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	b->r = r;
	b->o = *o;
	b->fcol = fcol;
	b->lcol = lcol;
	b->ucol = ucol;
	b->levelcol = o->level != 0 ? sp_csv_col_index(r, "level") : -1;
	b->ndata = (size_t)fcol - 3;
	b->load = b->level = NAN;
	return b;
}

size_t
sp_band_ndata(const sp_band *b)
{
	return b->ndata;
}

int
sp_band_horizons(const sp_band *b)
{
	return b->H;
}

static int
oom(sp_error *err)
{
	return sp_error_set(err, SP_ENOMEM, "out of memory");
}

/* s[0 .. len) after buf[0 .. *size), the buffer grown as it needs */
static int
append(char **buf, size_t *size, size_t *cap, const char *s, size_t len, sp_error *err)
{
	if (len == 0)
		return 0;
	if (*size + len > *cap) {
		size_t c = 2 * (*size + len) + 64;
		char *p = realloc(*buf, c);
		if (!p)
			return oom(err);
		*buf = p;
		*cap = c;
	}
	memcpy(*buf + *size, s, len);
	*size += len;
	return 0;
}

/* SP_BAND_TEXT: field col of the current row (none: empty) after the
 * text kept so far. */
static int
keep_text(sp_band *b, int col, sp_error *err)
{
	size_t len = 0;
	const char *f = col >= 0 ? sp_csv_field(b->r, (size_t)col, &len) : "";

	return append(&b->text, &b->tsize, &b->tcap, f, len, err);
}

/* The keys of the current row: origin time, target time, horizon. */
ROW_STEP
keys(sp_band *b, double *o_t, double *t, double *hv, sp_error *err)
{
	size_t len;
	const char *f = sp_csv_field(b->r, 0, &len);

	if (sp_time_parse(f, len, o_t) < 0)
		return sp_csv_error(b->r, 0, err, SP_EDATA, "not a timestamp: '%.*s'", (int)len, f);
	f = sp_csv_field(b->r, 1, &len);
	if (sp_time_parse(f, len, t) < 0)
		return sp_csv_error(b->r, 1, err, SP_EDATA, "not a timestamp: '%.*s'", (int)len, f);
	return sp_csv_get_double_req(b->r, 2, hv, err);
}

/* A value of the current row: required in strict mode; NaN for no column. */
ROW_STEP
value(const sp_band *b, int col, int req, double *v, sp_error *err)
{
	if (col < 0) {
		*v = NAN;
		return 0;
	}
	return req ? sp_csv_get_double_req(b->r, (size_t)col, v, err) : sp_csv_get_double(b->r, (size_t)col, v, err);
}

/* The current row is horizon hv of the origin being read. */
ROW_STEP
horizon(sp_band *b, double hv, sp_error *err)
{
	int strict = b->o.flags & SP_BAND_STRICT, k, rc;

	if (hv != b->h + 1)
		return sp_csv_error(b->r, 2, err, SP_EDATA, "horizon gap: %g after %d", hv, b->h);
	b->h++;
	if (strict && b->H > 0 && b->h > b->H)
		return sp_csv_error(b->r, 2, err, SP_EDATA, "horizon gap: %d horizons, the first origin had %d",
		    b->h, b->H);
	if (b->o.horizons > 0 && b->h > b->o.horizons)
		return 0;
	if (b->h > MAX_H)
		return sp_csv_error(b->r, 2, err, SP_EDATA, "more than %d horizons", MAX_H);
	k = b->h - 1;
	if (b->h > b->cap) {
		int c = b->cap ? 2 * b->cap : 32;
		double *p;
		if (b->o.horizons > 0 && c > b->o.horizons)
			c = b->o.horizons;
		if (c > MAX_H)
			c = MAX_H;
		if (!(p = realloc(b->L, (size_t)c * sizeof *p)))
			return oom(err);
		b->L = p;
		if (!(p = realloc(b->M, (size_t)c * sizeof *p)))
			return oom(err);
		b->M = p;
		if (!(p = realloc(b->U, (size_t)c * sizeof *p)))
			return oom(err);
		b->U = p;
		if (b->o.extra >= 0) {
			if (!(p = realloc(b->X, (size_t)c * sizeof *p)))
				return oom(err);
			b->X = p;
		}
		if (b->o.flags & SP_BAND_TEXT) {
			size_t *t = realloc(b->toff, (3 * (size_t)c + 1) * sizeof *t);
			if (!t)
				return oom(err);
			b->toff = t;
		}
		b->cap = c;
	}
	if ((rc = value(b, b->lcol, strict, &b->L[k], err)) < 0 || (rc = value(b, b->fcol, strict, &b->M[k], err)) < 0 ||
	    (rc = value(b, b->ucol, strict, &b->U[k], err)) < 0 ||
	    (b->o.extra >= 0 && (rc = value(b, b->o.extra, 0, &b->X[k], err)) < 0))
		return rc;
	if (strict && !(b->L[k] <= b->U[k]))
		return sp_csv_error(b->r, b->lcol, err, SP_EDATA, "lower %g above upper %g", b->L[k], b->U[k]);
	if (b->o.flags & SP_BAND_TEXT) {
		size_t *t = b->toff + 3 * k;
		if ((rc = keep_text(b, b->fcol, err)) < 0)
			return rc;
		t[1] = b->tsize;
		if ((rc = keep_text(b, b->lcol, err)) < 0)
			return rc;
		t[2] = b->tsize;
		if ((rc = keep_text(b, b->ucol, err)) < 0)
			return rc;
		t[3] = b->tsize;
	}
	return 0;
}

/* The current row opens a new origin: its load and data, then horizon 1. */
static int
begin(sp_band *b, double o_t, double t, sp_error *err)
{
	size_t i, len;
	int rc;

	b->origin = o_t;
	b->target = t;
	b->h = 0;
	b->load = NAN;
	if (b->o.load >= 0) {
		if ((rc = sp_csv_get_double(b->r, (size_t)b->o.load, &b->load, err)) < 0)
			return rc;
		if ((b->o.flags & SP_BAND_STRICT) && isnan(b->load))
			return sp_csv_error(b->r, b->o.load, err, SP_EDATA, "missing load at an origin");
	}
	b->level = NAN;
	if (b->levelcol >= 0) {
		double lv;
		if ((rc = sp_csv_get_double(b->r, (size_t)b->levelcol, &lv, err)) < 0)
			return rc;
		if (!isnan(lv) && !(lv > 0 && lv < 1))
			return sp_csv_error(b->r, b->levelcol, err, SP_EDATA, "band level %g is not in (0, 1)", lv);
		if (!isnan(lv) && b->o.level < 0)
			b->o.level = lv;    /* adopted: the first origin's */
		b->level = lv;
		if (!isnan(lv) && !(fabs(lv - b->o.level) <= 1e-6))
			return sp_csv_error(b->r, b->levelcol, err, SP_EDATA,
			    "band level %g, read as level %g (the levels must agree)", lv, b->o.level);
	}
	b->tsize = 0;
	if ((b->o.flags & SP_BAND_TEXT) && (rc = keep_text(b, b->levelcol, err)) < 0)
		return rc;
	b->tlevel = b->tsize;
	b->dsize = 0;
	for (i = 0; i < b->ndata; i++) {
		const char *s = sp_csv_field(b->r, 3 + i, &len);
		if ((rc = append(&b->data, &b->dsize, &b->dcap, s, len, err)) < 0)
			return rc;
		b->len[i] = len;
	}
	return horizon(b, 1, err);
}

/* The origin being read is complete (the next one starts, or the input
 * ends): check its horizons against the first origin's. */
static int
complete(sp_band *b, sp_error *err)
{
	if (b->H == 0)
		b->H = b->h;
	else if ((b->o.flags & SP_BAND_STRICT) && b->h != b->H)
		return sp_csv_error(b->r, 2, err, SP_EDATA,
		    "horizon gap: origin %.17g has horizons 1..%d, the first had 1..%d", b->origin, b->h, b->H);
	return 0;
}

static void
fill(const sp_band *b, sp_band_origin *g)
{
	int n = b->o.horizons > 0 && b->h > b->o.horizons ? b->o.horizons : b->h;

	g->origin = b->origin;
	g->target = b->target;
	g->h = b->h;
	g->n = n;
	g->L = b->L;
	g->M = b->M;
	g->U = b->U;
	g->X = b->o.extra >= 0 ? b->X : NULL;
	g->load = b->load;
	g->level = b->level;
	g->ndata = b->ndata;
	g->data = b->data ? b->data : "";
	g->len = b->len;
	g->text = g->level_text = NULL;
	g->toff = NULL;
	g->level_len = 0;
	if (b->o.flags & SP_BAND_TEXT) {
		b->toff[0] = b->tlevel;
		g->text = g->level_text = b->text ? b->text : "";
		g->toff = b->toff;
		g->level_len = b->tlevel;
	}
}

/* sp_band_push, inlined into the pull reader's loop */
ROW_STEP
push(sp_band *b, sp_band_origin *g, sp_error *err)
{
	double o_t, t, hv;
	int rc;

	if (b->waiting) {   /* the row that completed the last origin: take it on */
		b->waiting = 0;
		return begin(b, b->next_origin, b->next_target, err);
	}
	if ((rc = keys(b, &o_t, &t, &hv, err)) < 0)
		return rc;
	if (!b->started) {
		b->started = 1;
		if (hv != 1)
			return sp_csv_error(b->r, 2, err, SP_EDATA,
			    "horizon gap: a new origin starts at horizon %g, not 1", hv);
		return begin(b, o_t, t, err);
	}
	if (o_t == b->origin)
		return horizon(b, hv, err);
	if (!(o_t > b->origin))
		return sp_csv_error(b->r, 0, err, SP_EDATA, "origins out of order");
	if ((rc = complete(b, err)) < 0)
		return rc;
	if (hv != 1)
		return sp_csv_error(b->r, 2, err, SP_EDATA,
		    "horizon gap: a new origin starts at horizon %g, not 1", hv);
	if ((b->o.flags & SP_BAND_CONTIGUOUS) && o_t != b->target)
		return sp_csv_error(b->r, 0, err, SP_EDATA, "gap in origins: expected origin %.17g", b->target);
	b->next_origin = o_t;
	b->next_target = t;
	b->waiting = 1;
	fill(b, g);
	return 1;
}

int
sp_band_push(sp_band *b, sp_band_origin *g, sp_error *err)
{
	return push(b, g, err);
}

int
sp_band_finish(sp_band *b, sp_band_origin *g, sp_error *err)
{
	int rc;

	if (!b->started || b->eof)
		return 0;
	b->eof = 1;
	if ((rc = complete(b, err)) < 0)
		return rc;
	fill(b, g);
	return 1;
}

/* The pull reader: the push reader fed from r. */
int
sp_band_next(sp_band *b, sp_band_origin *g, sp_error *err)
{
	int rc;

	if (b->eof)
		return SP_EEOF;
	if (b->waiting && (rc = push(b, g, err)) < 0)
		return rc;
	for (;;) {
		if ((rc = sp_csv_next(b->r, err)) == SP_EEOF) {
			rc = sp_band_finish(b, g, err);
			b->eof = 1;
			return rc == 1 ? SP_OK : rc == 0 ? SP_EEOF : rc;
		}
		if (rc < 0 || (rc = push(b, g, err)) < 0)
			return rc;
		if (rc == 1)
			return SP_OK;
	}
}

/* ---- per-step rows ---- */

void
sp_band_cols_none(sp_band_cols *c)
{
	c->demand = c->forecast = c->lower = c->upper = c->origin = c->state = c->next = c->hold = -1;
}

int
sp_band_cols_find(const sp_csv_reader *r, const char *demand_name, sp_band_cols *c, sp_error *err)
{
	sp_band_cols_none(c);
	if (demand_name) {
		if ((c->demand = sp_csv_pick_col(r, demand_name, err)) < 0)
			return c->demand;
	} else if ((c->demand = sp_csv_col_index(r, "demand")) < 0) {
		c->demand = sp_csv_col_index(r, "forecast");
	}
	c->forecast = sp_csv_col_index(r, "forecast");
	c->lower = sp_csv_col_index(r, "lower");
	c->upper = sp_csv_col_index(r, "upper");
	c->origin = sp_csv_col_index(r, "origin");
	c->state = sp_csv_col_index(r, "state");
	c->next = sp_csv_col_index(r, "demand_next");
	c->hold = sp_csv_col_index(r, "demand_hold");
	return 0;
}

static int
num(const sp_csv_reader *r, int c, double *v, sp_error *err)
{
	*v = NAN;
	return c >= 0 ? sp_csv_get_double(r, (size_t)c, v, err) : 0;
}

int
sp_band_row_read(const sp_csv_reader *r, const sp_band_cols *c, sp_band_row *row, sp_error *err)
{
	int rc;

	if ((rc = num(r, c->demand, &row->demand, err)) < 0 || (rc = num(r, c->forecast, &row->forecast, err)) < 0 ||
	    (rc = num(r, c->lower, &row->lower, err)) < 0 || (rc = num(r, c->upper, &row->upper, err)) < 0 ||
	    (rc = num(r, c->origin, &row->origin, err)) < 0 || (rc = num(r, c->next, &row->next, err)) < 0 ||
	    (rc = num(r, c->hold, &row->hold, err)) < 0)
		return rc;
	row->state_text = "";
	row->state_len = 0;
	if (c->state >= 0)
		row->state_text = sp_csv_field(r, (size_t)c->state, &row->state_len);
	row->state = sp_burst_state_parse(row->state_text, row->state_len);
	return 0;
}

int
sp_band_data_col(const sp_csv_reader *r, const char *opt, const char *name, sp_error *err)
{
	int c = sp_csv_pick_col(r, name, err);

	if (c < 0)
		return c;
	if (c < 3 || c >= sp_csv_col_index(r, "forecast"))
		return sp_error_set(err, SP_EUSAGE, "%s: '%s' is not a data column (one between horizon and forecast)",
		    opt, name);
	return c;
}

int
sp_band_load_col(const sp_csv_reader *r, const char *name, int key, sp_error *err)
{
	int c;

	if (name) {
		if ((c = sp_band_data_col(r, "-c", name, err)) >= 0 && c == key)
			return sp_error_set(err, SP_EUSAGE, "-c: '%s' is the key column (--by)", name);
		return c;
	}
	for (c = 3; c == key; c++)
		;
	if (c >= sp_csv_col_index(r, "forecast"))
		return sp_error_set(err, SP_EDATA, "no data column between horizon and forecast (the observed load)%s",
		    key >= 0 ? " besides the key" : "");
	return c;
}

void
sp_band_write_header(sp_csv_writer *w, const sp_csv_reader *r, size_t from, long to, int level)
{
	sp_csv_write_str(w, "origin");
	sp_csv_write_str(w, "timestamp");
	sp_csv_write_str(w, "horizon");
	sp_csv_write_header_fields(w, r, from, to);
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	if (level)
		sp_csv_write_str(w, "level");
	sp_csv_end_row(w);
}
