/* sp_fcroll: rolling application of a forecaster; see sp_fcroll.h. */
#include "sp_fcroll.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_band.h"
#include "sp_calib.h"
#include "sp_keyed.h"
#include "sp_state.h"

struct sp_fcroll {
	sp_forecaster *f;
	const sp_forecaster_info *info;
	int H, longfmt;
	int nslot;                  /* adapt: widenings (one per horizon in long format, else 1) */
	sp_calib *cal;              /* adapt, or NULL */
	double step, tprev, tlast;
	long row;                   /* rows pushed */
	long bands;                 /* bands made */
	long first;                 /* the first origin's row + 1; 0: none yet */
	int origin;                 /* the row just pushed is an origin */
	int lazy;                   /* one-horizon, H = 1: its band is made at the next push */
	int resumed;                /* read back from a state: rows up to tlast are skipped */
	int ncols, cols[SP_FORECASTER_MAXCOLS];
	double x[SP_FORECASTER_MAXCOLS];
	double *lo, *mid, *hi;      /* (H) each: the band of the last origin */
	/* by origin row mod (H + 1): one-horizon outputs, the origin row + 1
	 * of each slot, and with adapt each band as the model gave it and its
	 * widenings (lo, mid, hi, ql, qh per slot of sp_calib) */
	double *plo, *pmid, *phi;
	long *pvalid;
	double *pend;
};

sp_fcroll *
sp_fcroll_new(sp_forecaster *f, const sp_fcroll_opts *o, sp_error *err)
{
	const sp_forecaster_info *info = sp_forecaster_describe(f);
	sp_fcroll *r;
	size_t H1;

	if (o->horizon > info->hmax) {
		sp_error_set(err, SP_EUSAGE, "--horizon %d: the model forecasts horizons 1..%d", o->horizon, info->hmax);
		return NULL;
	}
	if (!(r = calloc(1, sizeof *r)))
		goto nomem;
	r->f = f, r->info = info, r->longfmt = o->longfmt != 0;
	r->H = o->horizon > 0 ? o->horizon : r->longfmt ? info->hdefault : 1;
	r->step = info->step;
	if (o->adapt > 0) {
		if (!(info->alo > 0 && info->ahi > 0)) {
			sp_error_set(err, SP_EUSAGE, "--adapt: %s %s, no band to recalibrate", info->path,
			    info->noband ? info->noband : "has no band");
			sp_fcroll_free(r);
			return NULL;
		}
		r->nslot = r->longfmt ? r->H : 1;
		if (!(r->cal = sp_calib_new(r->nslot, info->alo, info->ahi, o->adapt, err))) {
			sp_fcroll_free(r);
			return NULL;
		}
	}
	H1 = (size_t)r->H + 1;
	r->lo = malloc(3 * (size_t)r->H * sizeof *r->lo);
	r->plo = malloc(3 * H1 * sizeof *r->plo);
	r->pvalid = calloc(H1, sizeof *r->pvalid);
	if (r->cal)
		r->pend = malloc(H1 * (size_t)r->nslot * 5 * sizeof *r->pend);
	if (!r->lo || !r->plo || !r->pvalid || (r->cal && !r->pend))
		goto nomem;
	r->mid = r->lo + r->H, r->hi = r->mid + r->H;
	r->pmid = r->plo + H1, r->phi = r->pmid + H1;
	r->ncols = 1;
	return r;
nomem:
	sp_fcroll_free(r);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

void
sp_fcroll_free(sp_fcroll *r)
{
	if (!r)
		return;
	sp_calib_free(r->cal);
	free(r->lo), free(r->plo), free(r->pvalid), free(r->pend);
	free(r);
}

int
sp_fcroll_bind(sp_fcroll *r, const sp_csv_reader *rd, const char *column, sp_error *err)
{
	int n = sp_forecaster_columns(r->f, rd, column, r->cols, err);

	if (n < 0)
		return n;
	r->ncols = n;
	return 0;
}

int
sp_fcroll_read(sp_fcroll *r, sp_csv_reader *rd, sp_error *err)
{
	double t;
	int rc;

	if ((rc = sp_csv_get_timestamp(rd, &t, err)) < 0)
		return rc;
	if (sp_fcroll_seen(r, t))
		return 1;
	for (int k = 0; k < r->ncols; k++)
		if ((rc = sp_csv_get_double(rd, (size_t)r->cols[k], &r->x[k], err)) < 0)
			return rc;
	if (r->row == 1 && r->step == 0 && !(t - r->tprev > 0))
		return sp_error_set(err, SP_EDATA, "row 2: timestamp not after the previous row's");
	if (r->row > 0) {
		double step = r->step > 0 ? r->step : t - r->tprev;
		if (fabs(t - r->tprev - step) > 1e-6 * step)
			return sp_error_set(err, SP_EDATA, "row %ld: spacing %g s differs from the %s step %g s (%s); "
			    "resample with window first", r->row + 1, t - r->tprev,
			    r->info->step > 0 ? "model's" : "series'", step, r->info->path);
	}
	rc = sp_fcroll_push(r, t, r->x, err);
	return rc < 0 ? rc : 0;
}

/* The band of origin row o from the forecaster (as it is after row o):
 * widened and kept for scoring with adapt, kept for output in one-horizon
 * format. */
static int
make_band(sp_fcroll *r, long o, sp_error *err)
{
	int H = r->H, rc;
	long slot = o % (H + 1);

	if ((rc = sp_forecaster_band(r->f, H, r->lo, r->mid, r->hi, err)) < 0)
		return rc;
	for (int h = 0; h < H; h++)   /* overflow (values near 1e308): an error, not inf */
		if (!isfinite(r->lo[h]) || !isfinite(r->mid[h]) || !isfinite(r->hi[h]))
			return sp_error_set(err, SP_EDATA, "row %ld: the forecast of horizon %d is not finite "
			    "(the values overflow the model's arithmetic; rescale the series)", o + 1, h + 1);
	r->bands++;
	if (r->cal)
		for (int j = 0; j < r->nslot; j++) {
			int h = r->longfmt ? j : H - 1;
			double *b = r->pend + ((size_t)slot * (size_t)r->nslot + (size_t)j) * 5;
			b[0] = r->lo[h], b[1] = r->mid[h], b[2] = r->hi[h];
			sp_calib_widening(r->cal, j, r->lo[h], r->mid[h], r->hi[h], b + 3);
			r->lo[h] -= b[3], r->hi[h] += b[4];
		}
	r->pvalid[slot] = o + 1;
	if (!r->longfmt)
		r->plo[slot] = r->lo[H - 1], r->pmid[slot] = r->mid[H - 1], r->phi[slot] = r->hi[H - 1];
	return 0;
}

int
sp_fcroll_push(sp_fcroll *r, double t, const double *x, sp_error *err)
{
	long row = r->row;
	int H = r->H, rc;

	if (row == 1 && r->step == 0)
		r->step = t - r->tprev;   /* the input's spacing */
	if (r->lazy) {   /* the band of origin row - 1, before this row is fed */
		r->lazy = 0;
		if ((rc = make_band(r, row - 1, err)) < 0)
			return rc;
	}
	/* adapt: score the bands whose target is this row, before the band
	 * from this row (strictly causal) */
	if (r->cal && isfinite(x[0]))
		for (int j = 0; j < r->nslot; j++) {
			long o = row - (r->longfmt ? j + 1 : H);
			const double *b;
			if (o < 0 || r->pvalid[o % (H + 1)] != o + 1)
				continue;
			b = r->pend + ((size_t)(o % (H + 1)) * (size_t)r->nslot + (size_t)j) * 5;
			sp_calib_update(r->cal, j, x[0], b[0], b[1], b[2], b + 3);
		}
	if ((rc = sp_forecaster_push(r->f, t, x, err)) < 0)
		return rc;
	r->origin = rc == 1 && r->step > 0;
	r->tprev = r->tlast = t;
	r->row++;
	if (r->origin && !r->first)
		r->first = row + 1;
	if (r->origin) {
		if (!r->longfmt && H == 1)
			r->lazy = 1;
		else if ((rc = make_band(r, row, err)) < 0)
			return rc;
	}
	return r->origin;
}

int
sp_fcroll_due(const sp_fcroll *r, double *lo, double *mid, double *hi)
{
	long o = r->row - 1 - r->H, slot;

	if (r->longfmt || o < 0)
		return 0;
	slot = o % (r->H + 1);
	if (r->pvalid[slot] != o + 1)
		return 0;
	*lo = r->plo[slot], *mid = r->pmid[slot], *hi = r->phi[slot];
	return 1;
}

int
sp_fcroll_origin(const sp_fcroll *r, const double **lo, const double **mid, const double **hi)
{
	if (!r->longfmt || !r->origin)
		return 0;
	*lo = r->lo, *mid = r->mid, *hi = r->hi;
	return 1;
}

static void
write_band(sp_csv_writer *w, double lo, double mid, double hi)
{
	sp_csv_write_double(w, mid);
	sp_csv_write_double(w, lo);
	sp_csv_write_double(w, hi);
}

struct sp_fcroll_row {
	size_t n;          /* fields, the timestamp included (not copied) */
	char **f;
	size_t *len, *cap;
};

sp_fcroll_row *
sp_fcroll_row_new(void)
{
	return calloc(1, sizeof(sp_fcroll_row));
}

void
sp_fcroll_row_free(sp_fcroll_row *row)
{
	if (!row)
		return;
	for (size_t i = 0; i < row->n; i++)
		free(row->f[i]);
	free(row->f), free(row->len), free(row->cap);
	free(row);
}

int
sp_fcroll_row_copy(sp_fcroll_row *row, const sp_csv_reader *rd, sp_error *err)
{
	size_t nf = row->n;

	if (!nf) {
		nf = sp_csv_ncols(rd);
		if (!(row->f = calloc(nf, sizeof *row->f)) || !(row->len = calloc(nf, sizeof *row->len)) ||
		    !(row->cap = calloc(nf, sizeof *row->cap)))
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		row->n = nf;
	} else if (nf != sp_csv_ncols(rd)) {
		return sp_error_set(err, SP_EUSAGE, "row copy: %zu fields, had %zu", sp_csv_ncols(rd), nf);
	}
	for (size_t i = 1; i < nf; i++) {
		size_t len;
		const char *fld = sp_csv_field(rd, i, &len);
		if (len >= row->cap[i]) {
			char *nb = realloc(row->f[i], 2 * len + 16);
			if (!nb)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			row->f[i] = nb, row->cap[i] = 2 * len + 16;
		}
		memcpy(row->f[i], fld, len);
		row->len[i] = len;
	}
	return 0;
}

void
sp_fcroll_write_long_header(const sp_csv_reader *rd, sp_csv_writer *w)
{
	sp_band_write_header(w, rd, 1, -1, 0);
}

/* The long rows of an origin; the pass-through columns from rd's current
 * row or from a copy. */
static void
write_long(sp_csv_writer *w, double t, double step, int H, const sp_csv_reader *rd, const sp_fcroll_row *row,
    const double *lo, const double *mid, const double *hi, double level)
{
	for (int h = 1; h <= H; h++) {
		sp_csv_write_time(w, t);
		sp_csv_write_time(w, t + h * step);
		sp_csv_write_long(w, h);
		if (rd)
			sp_csv_write_row_fields(w, rd, 1, -1);
		else
			for (size_t i = 1; i < row->n; i++)
				sp_csv_write_field(w, row->f[i] ? row->f[i] : "", row->len[i]);
		write_band(w, lo[h - 1], mid[h - 1], hi[h - 1]);
		if (!isnan(level))
			sp_csv_write_double(w, level);
		sp_csv_end_row(w);
	}
}

/* The central level of the roll's band (written with the long rows, so
 * that a reader assuming another level can tell); NaN without a band. */
static double
band_level(const sp_fcroll *r)
{
	return r->info->alo > 0 && r->info->ahi > 0 ? 1 - r->info->alo - r->info->ahi : NAN;
}

void
sp_fcroll_write_long(sp_csv_writer *w, double t, double step, int H, const sp_fcroll_row *row,
    const double *lo, const double *mid, const double *hi)
{
	write_long(w, t, step, H, NULL, row, lo, mid, hi, NAN);
}

void
sp_fcroll_write_header(const sp_fcroll *r, const sp_csv_reader *rd, sp_csv_writer *w)
{
	if (r->longfmt) {
		sp_band_write_header(w, rd, 1, -1, !isnan(band_level(r)));
		return;
	}
	sp_csv_write_str(w, "timestamp");
	sp_csv_write_header_fields(w, rd, 1, -1);
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	sp_csv_end_row(w);
}

void
sp_fcroll_write(const sp_fcroll *r, const sp_csv_reader *rd, sp_csv_writer *w)
{
	double lo, mid, hi;

	if (!r->longfmt) {
		sp_csv_write_time(w, r->tlast);
		sp_csv_write_row_fields(w, rd, 1, -1);
		if (sp_fcroll_due(r, &lo, &mid, &hi)) {
			write_band(w, lo, mid, hi);
		} else {
			sp_csv_write_str(w, "");
			sp_csv_write_str(w, "");
			sp_csv_write_str(w, "");
		}
		sp_csv_end_row(w);
		return;
	}
	if (r->origin)
		write_long(w, r->tlast, r->step, r->H, rd, NULL, r->lo, r->mid, r->hi, band_level(r));
}

int
sp_fcroll_horizon(const sp_fcroll *r)
{
	return r->H;
}

double
sp_fcroll_step(const sp_fcroll *r)
{
	return r->step;
}

long
sp_fcroll_rows(const sp_fcroll *r)
{
	return r->row;
}

int
sp_fcroll_check_keys(sp_keyed *k, int keep, sp_fcroll *(*roll_of)(void *state),
    void (*skip)(void *ctx, const sp_error *e), void *ctx, sp_error *err)
{
	size_t i, len, n = sp_keyed_count(k), made = 0;
	sp_error e;

	for (i = 0; i < n; i++)
		made += sp_fcroll_check_made(roll_of(sp_keyed_state(k, i)), NULL) == 0;
	for (i = 0; i < n; i++) {
		const char *key = sp_keyed_key(k, i, &len);
		if (sp_fcroll_check_made(roll_of(sp_keyed_state(k, i)), &e) == 0)
			continue;
		sp_error_prefix(&e, "key '%.*s'", (int)len, key);
		if (!made && !keep) {
			if (err)
				*err = e;
			return e.code;
		}
		skip(ctx, &e);
	}
	return 0;
}

long
sp_fcroll_bands(const sp_fcroll *r)
{
	return r->bands;
}

int
sp_fcroll_check_made(const sp_fcroll *r, sp_error *err)
{
	long need = (long)r->info->window + (r->longfmt ? 0 : r->H);

	/* long rows: written at the origin; one-horizon: at its target row */
	if (r->first && (r->longfmt || r->first - 1 + r->H < r->row))
		return 0;
	if (need < 2)
		need = 2;   /* the step, when it is the input's */
	if (r->row == 0)
		return sp_error_set(err, SP_EDATA, "no data rows (the input has only a header)");
	if (r->row < need && r->longfmt)
		return sp_error_set(err, SP_EDATA, "too little data: a forecast needs at least %ld rows "
		    "(a window of %d), have %ld", need, r->info->window, r->row);
	if (r->row < need)
		return sp_error_set(err, SP_EDATA, "too little data: a forecast needs at least %ld rows "
		    "(a window of %d, horizon %d), have %ld", need, r->info->window, r->H, r->row);
	return sp_error_set(err, SP_EDATA, "too little data: a forecast needs %d consecutive rows "
	    "with a value (and horizon %d after them), the input has none in its %ld rows",
	    r->info->window, r->H, r->row);
}

/* ---- state between runs ---- */

int
sp_fcroll_seen(const sp_fcroll *r, double t)
{
	return r->resumed && r->row > 0 && t <= r->tlast;
}

double
sp_fcroll_last(const sp_fcroll *r)
{
	return r->row > 0 ? r->tlast : NAN;
}

int
sp_fcroll_state_ok(const sp_fcroll *r, sp_error *err)
{
	return sp_forecaster_state_ok(r->f, err);
}

/* Whether the band of origin o (its slot's pvalid - 1) for target offset
 * ahead is still read by a later row: written one-horizon rows and scored
 * bands are not, and are kept as nan. */
static int
pending(const sp_fcroll *r, long o, int ahead)
{
	return o >= 0 && o + ahead >= r->row;
}

int
sp_fcroll_write_state(const sp_fcroll *r, sp_state_writer *w, sp_error *err)
{
	int H = r->H, rc;
	size_t H1 = (size_t)H + 1, ns = (size_t)r->nslot, i, j;
	double *ring, *pend = NULL;

	sp_state_put_longs(w, "roll", 2, (const long[]){ H, r->longfmt });
	sp_state_put_double(w, "roll_adapt", r->cal ? r->cal->lr : 0);
	if ((rc = sp_forecaster_write_state(r->f, w, err)) < 0)
		return rc;
	sp_state_put_longs(w, "roll_rows", 4, (const long[]){ r->row, r->bands, r->first, r->lazy });
	sp_state_put_doubles(w, "roll_time", 3, (const double[]){ r->step, r->tprev, r->tlast });
	if (!(ring = malloc(3 * H1 * sizeof *ring)) || (r->cal && !(pend = malloc(H1 * ns * 5 * sizeof *pend)))) {
		free(ring);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	for (i = 0; i < H1; i++) {
		long o = r->pvalid[i] - 1;
		int live = !r->longfmt && pending(r, o, H);
		ring[i] = live ? r->plo[i] : NAN;
		ring[H1 + i] = live ? r->pmid[i] : NAN;
		ring[2 * H1 + i] = live ? r->phi[i] : NAN;
		for (j = 0; pend && j < ns; j++)
			for (int e = 0; e < 5; e++)
				pend[(i * ns + j) * 5 + (size_t)e] = pending(r, o, r->longfmt ? (int)j + 1 : H)
				    ? r->pend[(i * ns + j) * 5 + (size_t)e] : NAN;
	}
	sp_state_put_longs(w, "roll_origins", H1, r->pvalid);
	sp_state_put_doubles(w, "roll_ring", 3 * H1, ring);
	if (r->cal) {
		sp_state_put_doubles(w, "roll_scoring", H1 * ns * 5, pend);
		sp_calib_write_state(r->cal, w);
	}
	free(ring);
	free(pend);
	return 0;
}

int
sp_fcroll_read_state(sp_fcroll *r, sp_state *s, sp_error *err)
{
	int H = r->H, rc;
	size_t H1 = (size_t)H + 1, ns = (size_t)r->nslot, i;
	long roll[2], rows[4];
	double tm[3], *ring = NULL;

	if ((rc = sp_state_longs(s, "roll", 2, 0, SP_FORECASTER_MAXH, roll, err)) < 0)
		return rc;
	if (roll[0] != H || roll[1] != r->longfmt)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "state written with %s %ld, not %s %d",
		    roll[1] ? "--long --horizon" : "--horizon", roll[0],
		    r->longfmt ? "--long --horizon" : "--horizon", H);
	if ((rc = sp_state_want_double(s, "roll_adapt", r->cal ? r->cal->lr : 0, err)) < 0 ||
	    (rc = sp_forecaster_read_state(r->f, s, err)) < 0 ||
	    (rc = sp_state_longs(s, "roll_rows", 4, 0, 1L << 52, rows, err)) < 0)
		return rc;
	if (rows[1] > rows[0] || rows[2] > rows[0] || rows[3] > 1 || (rows[3] && (r->longfmt || H != 1)))
		return sp_state_error_back(s, 1, err, SP_EMODEL, "roll_rows: inconsistent");
	r->row = rows[0], r->bands = rows[1], r->first = rows[2], r->lazy = (int)rows[3];
	if ((rc = sp_state_doubles(s, "roll_time", 3, tm, err)) < 0 ||
	    (rc = sp_state_longs(s, "roll_origins", H1, 0, r->row, r->pvalid, err)) < 0)
		return rc;
	r->step = tm[0], r->tprev = tm[1], r->tlast = tm[2];
	if (!(r->step >= 0 && isfinite(r->step)) || (r->row > 0 && !(isfinite(r->tlast) && isfinite(r->tprev))))
		return sp_state_error_back(s, 2, err, SP_EMODEL, "roll_time: not a step and times");
	if (!(ring = malloc(3 * H1 * sizeof *ring)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if ((rc = sp_state_doubles(s, "roll_ring", 3 * H1, ring, err)) < 0) {
		free(ring);
		return rc;
	}
	for (i = 0; i < H1; i++) {
		r->plo[i] = ring[i], r->pmid[i] = ring[H1 + i], r->phi[i] = ring[2 * H1 + i];
		if (!r->longfmt && pending(r, r->pvalid[i] - 1, H) &&
		    !(isfinite(r->plo[i]) && isfinite(r->pmid[i]) && isfinite(r->phi[i]))) {
			free(ring);
			return sp_state_error_back(s, 1, err, SP_EMODEL,
			    "roll_ring: a band still to be written is not finite");
		}
	}
	free(ring);
	if (r->cal && (rc = sp_state_doubles(s, "roll_scoring", H1 * ns * 5, r->pend, err)) < 0)
		return rc;
	for (i = 0; r->cal && i < H1 * ns * 5; i++)   /* the bands still to be scored */
		if (pending(r, r->pvalid[i / (ns * 5)] - 1, r->longfmt ? (int)(i / 5 % ns) + 1 : H) &&
		    !isfinite(r->pend[i]))
			return sp_state_error_back(s, 1, err, SP_EMODEL,
			    "roll_scoring: value %zu is not finite", i + 1);
	if (r->cal && (rc = sp_calib_read_state(r->cal, s, err)) < 0)
		return rc;
	r->resumed = 1;
	return 0;
}

typedef struct {
	sp_fcroll *one;
	sp_keyed *k;
	const sp_keyed *kc;
	sp_fcroll_of_fn of;
} rolls;

static int
get_key(void *ctx, void *state, sp_state *s, sp_error *err)
{
	return sp_fcroll_read_state(((rolls *)ctx)->of(state), s, err);
}

static int
put_key(void *ctx, const void *state, sp_state_writer *w, sp_error *err)
{
	return sp_fcroll_write_state(((rolls *)ctx)->of((void *)(uintptr_t)state), w, err);
}

static int
read_rolls(void *ctx, sp_state *s, sp_error *err)
{
	rolls *a = ctx;

	return a->k ? sp_state_get_keys(s, a->k, get_key, a, err) : sp_fcroll_read_state(a->one, s, err);
}

static int
write_rolls(void *ctx, sp_state_writer *w, sp_error *err)
{
	rolls *a = ctx;

	return a->kc ? sp_state_put_keys(w, a->kc, put_key, a, err) : sp_fcroll_write_state(a->one, w, err);
}

int
sp_fcroll_resume(const char *path, const char *kind, sp_fcroll *one, sp_keyed *k, sp_fcroll_of_fn roll_of,
    sp_error *err)
{
	rolls a = { one, k, k, roll_of };

	return sp_state_resume(path, kind, 1, read_rolls, &a, err);
}

/* sp_state_forget's last: the last row of a key's roll (ctx: its roll_of) */
static double
roll_last(void *ctx, const void *state)
{
	sp_fcroll_of_fn roll_of = *(sp_fcroll_of_fn *)ctx;

	return sp_fcroll_last(roll_of((void *)(uintptr_t)state));
}

int
sp_fcroll_save_state(const char *path, const char *kind, const sp_fcroll *one, const sp_keyed *k,
    sp_fcroll_of_fn roll_of, const sp_state_forget *forget, sp_error *err)
{
	sp_keyed *kept = NULL;
	sp_state_forget f;
	int rc;

	if (forget) {   /* a key's last row is its roll's */
		f = *forget;
		f.last = roll_last;
		f.last_ctx = &roll_of;
	}
	if ((rc = sp_state_forget_keys(k, forget ? &f : NULL, &kept, err)) < 0)
		return rc;
	{
		rolls a = { (sp_fcroll *)(uintptr_t)one, NULL, kept ? kept : k, roll_of };
		rc = sp_state_save(path, kind, 1, write_rolls, &a, err);
	}
	sp_keyed_free(kept);
	return rc;
}
