/* sp_anomaly: features and the causal Isolation Forest detector; see sp_anomaly.h. */
#include "sp_anomaly.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_model.h"
#include "sp_num.h"
#include "sp_stats.h"
#include "sp_time.h"

/* ---- feature builder ---- */

enum { F_VALUE, F_DIFF, F_MEAN, F_SD, F_PCT, F_Z, F_TOD, F_DOW, F_RESID };

typedef struct {
	int kind;
	size_t w;        /* lag or window */
	double p;        /* percentile */
	char name[40];
} item;

struct sp_anomaly_fb {
	item *it;
	size_t nit, ncols, dim, hist;
	size_t count;      /* rows pushed */
	double *ring;      /* hist rows x ncols, row r at (r % hist) */
	double *work;      /* hist values */
	int uses_band;
};

static int
row_item(int kind)
{
	return kind == F_TOD || kind == F_DOW || kind == F_RESID;
}

static int
parse_size(const char *s, size_t lo, size_t *out)
{
	long v;

	if (sp_num_parse_long(s, &v) < 0 || v < (long)lo || v > SP_ANOMALY_MAXWIN)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* One item of the spec, tok NUL-terminated. */
static int
parse_item(const char *tok, item *it, sp_error *err)
{
	char buf[64], *arg;
	size_t lo = 1;

	if (strlen(tok) >= sizeof buf)
		return sp_error_set(err, SP_EUSAGE, "features: '%s': too long", tok);
	strcpy(buf, tok);
	if ((arg = strchr(buf, ':')))
		*arg++ = '\0';
	memset(it, 0, sizeof *it);
	if (!strcmp(buf, "value") || !strcmp(buf, "tod") || !strcmp(buf, "dow") || !strcmp(buf, "resid")) {
		if (arg)
			return sp_error_set(err, SP_EUSAGE, "features: '%s' takes no ':' argument", buf);
		it->kind = buf[0] == 'v' ? F_VALUE : buf[0] == 't' ? F_TOD : buf[0] == 'd' ? F_DOW : F_RESID;
		snprintf(it->name, sizeof it->name, "%s", buf);
		return 0;
	}
	if (!strcmp(buf, "diff")) {
		it->kind = F_DIFF;
		it->w = 1;
		if (arg && parse_size(arg, 1, &it->w) < 0)
			return sp_error_set(err, SP_EUSAGE, "features: '%s': lag not an integer in 1..%d", tok,
			    SP_ANOMALY_MAXWIN);
		snprintf(it->name, sizeof it->name, "diff%zu", it->w);
		return 0;
	}
	if (!strcmp(buf, "mean"))
		it->kind = F_MEAN;
	else if (!strcmp(buf, "sd"))
		it->kind = F_SD, lo = 2;
	else if (!strcmp(buf, "z"))
		it->kind = F_Z, lo = 2;
	else if (buf[0] == 'p' && sp_num_parse_double(buf + 1, &it->p) == 0) {
		if (!(it->p >= 0 && it->p <= 100))
			return sp_error_set(err, SP_EUSAGE, "features: '%s': percentile not in 0..100", tok);
		it->kind = F_PCT;
	} else
		return sp_error_set(err, SP_EUSAGE, "features: unknown item '%s' (value, diff[:K], mean:W, sd:W, "
		    "pP:W, z:W, tod, dow, resid)", tok);
	if (!arg || parse_size(arg, lo, &it->w) < 0)
		return sp_error_set(err, SP_EUSAGE, "features: '%s': want %s:W with W an integer in %zu..%d", tok, buf,
		    lo, SP_ANOMALY_MAXWIN);
	if (it->kind == F_PCT)
		snprintf(it->name, sizeof it->name, "p%g_%zu", it->p, it->w);
	else
		snprintf(it->name, sizeof it->name, "%s%zu", buf, it->w);
	return 0;
}

sp_anomaly_fb *
sp_anomaly_fb_new(const char *spec, size_t ncols, int has_band, sp_error *err)
{
	sp_anomaly_fb *fb;
	char *s, *tok, *save = NULL;
	size_t i, j, need, nrow = 0, ncolit = 0;

	if (ncols < 1 || ncols > SP_ANOMALY_MAXCOLS)
		return sp_error_set(err, SP_EUSAGE, "%zu input columns, want 1..%d", ncols, SP_ANOMALY_MAXCOLS), NULL;
	if (!(fb = calloc(1, sizeof *fb)) || !(s = strdup(spec))) {
		free(fb);
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	}
	fb->ncols = ncols;
	fb->hist = 1;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		item it, *grown;
		if (parse_item(tok, &it, err) < 0)
			goto fail;
		for (i = 0; i < fb->nit; i++)
			if (!strcmp(fb->it[i].name, it.name)) {
				sp_error_set(err, SP_EUSAGE, "features: '%s' given twice", tok);
				goto fail;
			}
		if (!(grown = realloc(fb->it, (fb->nit + 1) * sizeof *grown))) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
		fb->it = grown;
		fb->it[fb->nit++] = it;
		need = it.kind == F_DIFF || it.kind == F_Z ? it.w + 1 : it.kind == F_VALUE || row_item(it.kind) ? 1 : it.w;
		if (need > fb->hist)
			fb->hist = need;
		if (it.kind == F_RESID)
			fb->uses_band = 1;
		if (row_item(it.kind))
			nrow++;
		else
			ncolit++;
	}
	if (fb->nit == 0) {
		sp_error_set(err, SP_EUSAGE, "features: empty list");
		goto fail;
	}
	if (fb->uses_band && !has_band) {
		sp_error_set(err, SP_EUSAGE, "features: resid needs forecast, lower and upper columns in the input");
		goto fail;
	}
	fb->dim = ncolit * ncols + nrow;
	/* per-column items first (column by column), then the row items */
	{
		item *sorted = malloc(fb->nit * sizeof *sorted);
		if (!sorted) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0, j = 0; i < fb->nit; i++)
			if (!row_item(fb->it[i].kind))
				sorted[j++] = fb->it[i];
		for (i = 0; i < fb->nit; i++)
			if (row_item(fb->it[i].kind))
				sorted[j++] = fb->it[i];
		free(fb->it);
		fb->it = sorted;
	}
	fb->ring = malloc(fb->hist * ncols * sizeof *fb->ring);
	fb->work = malloc(fb->hist * sizeof *fb->work);
	if (!fb->ring || !fb->work) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	free(s);
	return fb;
fail:
	free(s);
	sp_anomaly_fb_free(fb);
	return NULL;
}

void
sp_anomaly_fb_free(sp_anomaly_fb *fb)
{
	if (!fb)
		return;
	free(fb->it);
	free(fb->ring);
	free(fb->work);
	free(fb);
}

size_t
sp_anomaly_fb_dim(const sp_anomaly_fb *fb)
{
	return fb->dim;
}

size_t
sp_anomaly_fb_history(const sp_anomaly_fb *fb)
{
	return fb->hist;
}

int
sp_anomaly_fb_uses_band(const sp_anomaly_fb *fb)
{
	return fb->uses_band;
}

static size_t
ncol_items(const sp_anomaly_fb *fb)
{
	size_t i, n = 0;

	for (i = 0; i < fb->nit; i++)
		n += !row_item(fb->it[i].kind);
	return n;
}

void
sp_anomaly_fb_name(const sp_anomaly_fb *fb, size_t j, const char *const *colnames, char *buf, size_t size)
{
	size_t nci = ncol_items(fb);

	if (j < nci * fb->ncols)
		snprintf(buf, size, "%s_%s", colnames[j / nci], fb->it[j % nci].name);
	else
		snprintf(buf, size, "%s", fb->it[nci + (j - nci * fb->ncols)].name);
}

/* Value of column c, lag L (0 = the current row). */
static double
lagged(const sp_anomaly_fb *fb, size_t c, size_t L)
{
	return fb->ring[((fb->count - 1 - L) % fb->hist) * fb->ncols + c];
}

/* The present values of column c at lags from .. from + w - 1 into work. */
static size_t
window(sp_anomaly_fb *fb, size_t c, size_t from, size_t w)
{
	size_t L, m = 0;

	for (L = from; L < from + w; L++) {
		double v = lagged(fb, c, L);
		if (!isnan(v))
			fb->work[m++] = v;
	}
	return m;
}

static double
column_item(sp_anomaly_fb *fb, const item *it, size_t c)
{
	size_t m;
	double mean, sd, x = lagged(fb, c, 0);

	if (it->kind == F_VALUE)
		return x;
	if (fb->count < (it->kind == F_DIFF || it->kind == F_Z ? it->w + 1 : it->w))
		return NAN;
	switch (it->kind) {
	case F_DIFF:
		return x - lagged(fb, c, it->w);
	case F_MEAN:
		m = window(fb, c, 0, it->w);
		return m ? sp_stats_mean(fb->work, m) : NAN;
	case F_SD:
		m = window(fb, c, 0, it->w);
		return m >= 2 ? sp_stats_sd(fb->work, m, sp_stats_mean(fb->work, m)) : NAN;
	case F_PCT:
		m = window(fb, c, 0, it->w);
		if (!m)
			return NAN;
		sp_stats_sort(fb->work, m);
		return sp_stats_quantile_sorted(fb->work, m, it->p / 100);
	case F_Z:
		m = window(fb, c, 1, it->w);
		if (m < 2)
			return NAN;
		mean = sp_stats_mean(fb->work, m);
		sd = sp_stats_sd(fb->work, m, mean);
		if (sd < 1e-9 * fmax(1, fabs(mean)))
			sd = 1e-9 * fmax(1, fabs(mean));
		return (x - mean) / sd;
	}
	return NAN;
}

int
sp_anomaly_fb_push(sp_anomaly_fb *fb, double t, const double *x, const double *band, double *out)
{
	size_t c, i, j = 0, nci = ncol_items(fb);
	int complete = 1;
	sp_tm tm;

	for (c = 0; c < fb->ncols; c++)
		fb->ring[(fb->count % fb->hist) * fb->ncols + c] = x[c];
	fb->count++;
	for (c = 0; c < fb->ncols; c++)
		for (i = 0; i < nci; i++)
			out[j++] = column_item(fb, &fb->it[i], c);
	for (i = nci; i < fb->nit; i++) {
		switch (fb->it[i].kind) {
		case F_TOD:
			sp_time_breakdown(t, &tm);
			out[j++] = tm.hour + tm.min / 60.0 + tm.sec / 3600.0;
			break;
		case F_DOW:
			sp_time_breakdown(t, &tm);
			out[j++] = tm.wday;
			break;
		default:   /* F_RESID */
			out[j++] = band && band[2] > band[1] ? (x[0] - band[0]) / ((band[2] - band[1]) / 2) : NAN;
			break;
		}
	}
	for (j = 0; j < fb->dim; j++)
		if (!isfinite(out[j]))
			complete = 0;
	return complete;
}

/* ---- detector ---- */

struct sp_anomaly {
	sp_anomaly_opts o;
	size_t dim;
	double *res;        /* reservoir ring, o.reservoir x dim */
	size_t nres, head;  /* rows in it; next slot */
	size_t seen;        /* complete rows so far */
	double *buf;        /* the reservoir in time order, for a fit */
	double *rows;       /* rows collected (sp_anomaly_collect) */
	unsigned char *complete;
	double *rowscore;   /* their scores after sp_anomaly_fit_collected */
	size_t nrows, caprows;
	double *sc;         /* scores of the training rows (contamination) */
	sp_iforest *forest;
	double thr;
	int nfits, fixed;
	/* a loaded model's spec and columns */
	char *spec, *colbuf;
	const char **cols;
	size_t ncols;
};

void
sp_anomaly_defaults(sp_anomaly_opts *o)
{
	sp_iforest_defaults(&o->forest);
	o->train = 128;
	o->refit = 64;
	o->reservoir = 8000;
	o->threshold = 0.82;
	o->contamination = 0;
	o->mode = SP_IFOREST_RANGE;
}

sp_anomaly *
sp_anomaly_new(size_t dim, const sp_anomaly_opts *o, sp_error *err)
{
	sp_anomaly *a;

	if (dim < 1)
		return sp_error_set(err, SP_EUSAGE, "no features"), NULL;
	if (o->train < 2 || o->reservoir < 2)
		return sp_error_set(err, SP_EUSAGE, "the training span and the reservoir need at least 2 rows"), NULL;
	if (!(o->contamination >= 0 && o->contamination < 1))
		return sp_error_set(err, SP_EUSAGE, "contamination %g not in [0, 1)", o->contamination), NULL;
	if (!(a = calloc(1, sizeof *a)))
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	a->o = *o;
	a->dim = dim;
	a->thr = NAN;
	return a;
}

void
sp_anomaly_free(sp_anomaly *a)
{
	if (!a)
		return;
	free(a->res);
	free(a->buf);
	free(a->rows);
	free(a->complete);
	free(a->rowscore);
	free(a->sc);
	sp_iforest_free(a->forest);
	free(a->spec);
	free(a->colbuf);
	free(a->cols);
	free(a);
}

unsigned long
sp_anomaly_fit_seed(unsigned long seed, int k)
{
	/* splitmix64 of (seed, k): distinct streams for every fit of every seed */
	uint64_t z = (uint64_t)seed * 0x9e3779b97f4a7c15u + (uint64_t)k + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	return (unsigned long)(z & 0x7fffffffu);
}

int
sp_anomaly_fit(sp_anomaly *a, const double *X, size_t n, sp_error *err)
{
	sp_iforest_opts fo = a->o.forest;
	sp_iforest *f;

	fo.seed = sp_anomaly_fit_seed(a->o.forest.seed, a->nfits);
	if (!(f = sp_iforest_fit(X, n, a->dim, &fo, err)))
		return err ? err->code : SP_EDATA;
	if (a->o.contamination > 0) {
		double *s = realloc(a->sc, n * sizeof *s);
		if (!s) {
			sp_iforest_free(f);
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		}
		a->sc = s;
		sp_iforest_score_rows(f, X, n, s, a->o.mode, fo.threads);
		sp_stats_sort(s, n);
		a->thr = sp_stats_quantile_sorted(s, n, 1 - a->o.contamination);
	} else
		a->thr = a->o.threshold;
	sp_iforest_free(a->forest);
	a->forest = f;
	a->nfits++;
	return 0;
}

int
sp_anomaly_collect(sp_anomaly *a, const double *x, int complete, sp_error *err)
{
	if (a->nrows == a->caprows) {
		size_t cap = a->caprows ? 2 * a->caprows : 1024;
		double *r = realloc(a->rows, cap * a->dim * sizeof *r);
		unsigned char *c = r ? realloc(a->complete, cap) : NULL;
		if (r)
			a->rows = r;
		if (!c)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		a->complete = c;
		a->caprows = cap;
	}
	memcpy(a->rows + a->nrows * a->dim, x, a->dim * sizeof *x);
	a->complete[a->nrows++] = complete != 0;
	return 0;
}

int
sp_anomaly_fit_collected(sp_anomaly *a, sp_error *err)
{
	size_t i, n = 0;
	double *X, *s;
	int rc;

	/* the complete rows, in order, for the fit */
	if (!(X = malloc((a->nrows ? a->nrows : 1) * a->dim * sizeof *X)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (i = 0; i < a->nrows; i++)
		if (a->complete[i])
			memcpy(X + n++ * a->dim, a->rows + i * a->dim, a->dim * sizeof *X);
	rc = sp_anomaly_fit(a, X, n, err);
	free(X);
	if (rc < 0)
		return rc;
	if (!(s = realloc(a->rowscore, (a->nrows ? a->nrows : 1) * sizeof *s)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	a->rowscore = s;
	sp_iforest_score_rows(a->forest, a->rows, a->nrows, s, a->o.mode, a->o.forest.threads);
	for (i = 0; i < a->nrows; i++)
		if (!a->complete[i])
			s[i] = NAN;
	return 0;
}

size_t
sp_anomaly_ncollected(const sp_anomaly *a)
{
	return a->nrows;
}

const double *
sp_anomaly_collected(const sp_anomaly *a, size_t i, double *score, int *flag)
{
	*score = a->rowscore ? a->rowscore[i] : NAN;
	*flag = isnan(*score) ? -1 : *score >= a->thr;
	return a->rows + i * a->dim;
}

int
sp_anomaly_step(sp_anomaly *a, const double *x, double *score, int *flag, sp_error *err)
{
	size_t i, cap = a->o.reservoir;

	*score = NAN;
	*flag = -1;
	if (!x)
		return 0;
	if (a->forest) {
		*score = sp_iforest_score(a->forest, x, a->o.mode);
		*flag = *score >= a->thr;
	}
	if (a->fixed)
		return 0;
	if (!a->res) {
		a->res = malloc(cap * a->dim * sizeof *a->res);
		a->buf = malloc(cap * a->dim * sizeof *a->buf);
		if (!a->res || !a->buf)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	memcpy(a->res + a->head * a->dim, x, a->dim * sizeof *x);
	a->head = (a->head + 1) % cap;
	if (a->nres < cap)
		a->nres++;
	a->seen++;
	if (a->forest ? a->o.refit && (a->seen - a->o.train) % a->o.refit == 0 : a->seen >= a->o.train) {
		/* the reservoir oldest first */
		size_t first = (a->head + cap - a->nres) % cap;
		for (i = 0; i < a->nres; i++)
			memcpy(a->buf + i * a->dim, a->res + ((first + i) % cap) * a->dim, a->dim * sizeof *a->buf);
		return sp_anomaly_fit(a, a->buf, a->nres, err);
	}
	return 0;
}

int
sp_anomaly_nfits(const sp_anomaly *a)
{
	return a->nfits;
}

double
sp_anomaly_threshold(const sp_anomaly *a)
{
	return a->thr;
}

void
sp_anomaly_set_threshold(sp_anomaly *a, double threshold)
{
	a->o.threshold = threshold;
	a->o.contamination = 0;
	a->thr = threshold;
}

void
sp_anomaly_set_mode(sp_anomaly *a, int mode)
{
	a->o.mode = mode;
}

int
sp_anomaly_mode(const sp_anomaly *a)
{
	return a->o.mode;
}

const sp_iforest *
sp_anomaly_forest(const sp_anomaly *a)
{
	return a->forest;
}

/* ---- model files ---- */

int
sp_anomaly_save(const sp_anomaly *a, const char *path, const char *spec, const char *const *colnames,
    size_t ncols, const char *command, sp_error *err)
{
	sp_model_writer *w;
	char *cols;
	size_t i, len = 1;

	if (!a->forest)
		return sp_error_set(err, SP_EDATA, "%s: no forest to save: fewer complete rows than the training span",
		    path);
	for (i = 0; i < ncols; i++) {
		if (strpbrk(colnames[i], ", \t\r\n") || !colnames[i][0])
			return sp_error_set(err, SP_EUSAGE, "column name '%s' cannot be stored in a model "
			    "(empty, or a comma or space in it)", colnames[i]);
		len += strlen(colnames[i]) + 1;
	}
	if (!(cols = malloc(len)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	cols[0] = '\0';
	for (i = 0; i < ncols; i++) {
		if (i)
			strcat(cols, ",");
		strcat(cols, colnames[i]);
	}
	if (!(w = sp_model_create(path, "anomaly", 1, err))) {
		free(cols);
		return err ? err->code : SP_EIO;
	}
	if (command)
		sp_model_put_line(w, "command", command);
	sp_model_put_str(w, "features", spec);
	sp_model_put_str(w, "columns", cols);
	sp_model_put_double(w, "threshold", a->thr);
	sp_model_put_str(w, "scoring", a->o.mode == SP_IFOREST_RANGE ? "range" : "plain");
	free(cols);
	if (sp_iforest_save(a->forest, w, err) < 0) {
		sp_model_abort(w);
		return err ? err->code : SP_ENOMEM;
	}
	return sp_model_commit(w, err);
}

sp_anomaly *
sp_anomaly_load(const char *path, const char **spec, const char *const **colnames, size_t *ncols, sp_error *err)
{
	sp_model *m;
	sp_anomaly *a = NULL;
	const char *s, *cols, *cmd, *mode;
	size_t i, n;
	double thr;

	if (!(m = sp_model_load(path, "anomaly", 1, NULL, err)))
		return NULL;
	if ((sp_model_has(m, "command") && sp_model_get_line(m, "command", &cmd, err) < 0) ||
	    sp_model_get_str(m, "features", &s, err) < 0 || sp_model_get_str(m, "columns", &cols, err) < 0 ||
	    sp_model_get_double(m, "threshold", &thr, err) < 0 || sp_model_get_str(m, "scoring", &mode, err) < 0)
		goto fail;
	if (strcmp(mode, "range") != 0 && strcmp(mode, "plain") != 0) {
		sp_error_set(err, SP_EMODEL, "%s: scoring: '%s' is not range or plain", path, mode);
		goto fail;
	}
	if (!(a = calloc(1, sizeof *a)) || !(a->spec = strdup(s)) || !(a->colbuf = strdup(cols))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	for (n = 1, i = 0; cols[i]; i++)
		n += cols[i] == ',';
	if (!(a->cols = malloc(n * sizeof *a->cols))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	a->cols[0] = a->colbuf;
	for (n = 1, i = 0; a->colbuf[i]; i++)
		if (a->colbuf[i] == ',') {
			a->colbuf[i] = '\0';
			a->cols[n++] = a->colbuf + i + 1;
		}
	for (i = 0; i < n; i++)
		if (!a->cols[i][0]) {
			sp_error_set(err, SP_EMODEL, "%s: columns: an empty column name", path);
			goto fail;
		}
	a->ncols = n;
	if (!(a->forest = sp_iforest_load(m, err)) || sp_model_finish(m, err) < 0)
		goto fail;
	{   /* the spec must parse and give the forest's dimension */
		sp_anomaly_fb *fb = sp_anomaly_fb_new(a->spec, n, 1, err);
		size_t dim = fb ? sp_anomaly_fb_dim(fb) : 0;
		sp_anomaly_fb_free(fb);
		if (!fb) {
			if (err)
				err->code = SP_EMODEL;
			sp_error_prefix(err, "%s", path);
			goto fail;
		}
		if (dim != sp_iforest_dim(a->forest)) {
			sp_error_set(err, SP_EMODEL, "%s: features give %zu values per row, the forest has %zu",
			    path, dim, sp_iforest_dim(a->forest));
			goto fail;
		}
		a->dim = dim;
	}
	sp_anomaly_defaults(&a->o);
	a->o.mode = mode[0] == 'r' ? SP_IFOREST_RANGE : SP_IFOREST_PLAIN;
	sp_model_free(m);
	a->thr = thr;
	a->fixed = 1;
	a->nfits = 1;
	*spec = a->spec;
	*colnames = a->cols;
	*ncols = a->ncols;
	return a;
fail:
	sp_model_free(m);
	sp_anomaly_free(a);
	return NULL;
}
