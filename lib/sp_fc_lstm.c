/* sp_fc_lstm: the LSTM/GRU forecaster; see sp_fc_lstm.h. */
#include "sp_fc_lstm.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_fc_season.h"
#include "sp_state.h"

static size_t
n_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

typedef struct {
	sp_lstm *m;
	sp_lstm_pred *pr;
	sp_forecaster_hist hist;   /* the last `window` rows (a hybrid: their residuals) */
	sp_forecaster_hist xhist;  /* a hybrid with the base input: the base's forecasts of them */
	double *lo, *mid, *hi;     /* (horizon) each: one prediction */
	double *q;                 /* (horizon * nq) its quantiles */
	char *path;
	/* hybrid */
	sp_forecaster *base;       /* the seasonfit forecaster, NULL for a plain LSTM */
	double *ft, *smean;        /* (horizon) each: future times, seasonal point forecast */
	/* a mixed hybrid (m->mixed): the LSTM alone on the last `window` values */
	sp_lstm_pred *apr;
	sp_forecaster_hist yhist;
	double *alo, *aq;          /* (3 horizon) its band, (horizon * nq) its quantiles */
} lstmfc;

/* ---- the base of a hybrid ---- */

/* FNV-1a 64 of the file's bytes as 16 hex digits. */
static int
file_fnv1a(const char *path, char out[17], sp_error *err)
{
	unsigned char buf[8192];
	uint64_t h = 0xcbf29ce484222325ULL;
	FILE *fp = fopen(path, "rb");
	size_t k;
	int bad;

	if (!fp)
		return sp_error_set(err, SP_EIO, "%s: %s", path, strerror(errno));
	while ((k = fread(buf, 1, sizeof buf, fp)) > 0)
		for (size_t i = 0; i < k; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	bad = ferror(fp);
	fclose(fp);
	if (bad)
		return sp_error_set(err, SP_EIO, "%s: read error", path);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
	return 0;
}

/* The directory part of path ("." when none), malloc'd. */
static char *
dir_of(const char *path)
{
	const char *sl = path ? strrchr(path, '/') : NULL;
	char *d;

	if (!sl)
		return strdup(".");
	if (sl == path)
		return strdup("/");
	if ((d = malloc((size_t)(sl - path) + 1))) {
		memcpy(d, path, (size_t)(sl - path));
		d[sl - path] = '\0';
	}
	return d;
}

char *
sp_fc_lstm_base_path(const sp_lstm *m, const char *mpath)
{
	char *d, *p;
	size_t n;

	if (m->base[0] == '/' || !mpath || !strchr(mpath, '/'))
		return strdup(m->base);
	if (!(d = dir_of(mpath)))
		return NULL;
	n = strlen(d) + strlen(m->base) + 2;
	if ((p = malloc(n)))
		snprintf(p, n, "%s/%s", d, m->base);
	free(d);
	return p;
}

/* Load a seasonfit model usable as a base: not logistic. */
static sp_season_model *
season_load(const char *path, sp_season_file *f, sp_error *err)
{
	sp_season_model *sm = sp_season_load(path, f, err);

	if (sm && f->cap_column) {
		sp_season_model_free(sm);
		sp_error_set(err, SP_EMODEL, "%s: a seasonfit model with logistic growth cannot be a base "
		    "(its capacity column is not an input of the LSTM)", path);
		return NULL;
	}
	return sm;
}

/* m's base, checked against its checksum; *where gets its path (malloc'd). */
static sp_season_model *
base_load(const sp_lstm *m, const char *mpath, sp_season_file *f, char **where, sp_error *err)
{
	const char *mp = mpath && mpath[0] ? mpath : "the LSTM model";
	char sum[17];
	sp_error e = { 0 };
	sp_season_model *sm;
	char *p = sp_fc_lstm_base_path(m, mpath);

	*where = NULL;
	if (!p) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	if (file_fnv1a(p, sum, &e) < 0) {
		sp_error_set(err, e.code, "%s: its base seasonfit model '%s' cannot be read (%s); a hybrid needs "
		    "the model it was trained on", mp, m->base, e.msg);
		free(p);
		return NULL;
	}
	if (strcmp(sum, m->base_sum) != 0) {
		sp_error_set(err, SP_EMODEL, "%s: its base seasonfit model %s has changed since the LSTM was "
		    "trained on it (checksum %s, recorded %s); retrain with lstmtrain --base", mp, p, sum, m->base_sum);
		free(p);
		return NULL;
	}
	if (!(sm = season_load(p, f, &e))) {
		sp_error_set(err, e.code, "%s: base: %s", mp, e.msg);
		free(p);
		return NULL;
	}
	*where = p;
	return sm;
}

int
sp_fc_lstm_set_base(sp_lstm *m, const char *base, const char *mpath, sp_error *err)
{
	sp_season_file f;
	sp_season_model *sm = season_load(base, &f, err);
	char abs[PATH_MAX], absdir[PATH_MAX], *d;
	const char *store;
	size_t n;

	if (!sm)
		return err ? err->code : SP_EMODEL;
	sp_season_model_free(sm);
	if (file_fnv1a(base, m->base_sum, err) < 0)
		return SP_EIO;
	if (!realpath(base, abs))
		return sp_error_set(err, SP_EIO, "%s: %s", base, strerror(errno));
	store = abs;
	if (!(d = dir_of(mpath)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if (realpath(d, absdir) && (n = strlen(absdir)) > 0 && strncmp(abs, absdir, n) == 0 &&
	    (abs[n] == '/' || absdir[n - 1] == '/'))
		store = abs + n + (abs[n] == '/');
	free(d);
	if (strlen(store) >= sizeof m->base || strchr(store, '\n')) {
		m->base_sum[0] = '\0';
		return sp_error_set(err, SP_EUSAGE, "%s: path too long for a model file", store);
	}
	strcpy(m->base, store);
	m->base_rolling = 1;
	return 0;
}

/* The rolling residual of the row (t, y) against the base b (an
 * sp_fc_season forecaster) into *r, then the row pushed to b: y minus the
 * point forecast *yh at t of the fit in use before the row; NaN when y is
 * missing or b has no fit yet (*yh: when b has no fit yet).  Returns
 * sp_forecaster_push's. */
static int
roll_residual(sp_forecaster *b, double t, double y, double *r, double *yh, sp_error *err)
{
	const sp_season_model *fit = sp_fc_season_fit(b);
	int rc;

	*r = *yh = NAN;
	if (fit) {
		if ((rc = sp_season_predict(fit, 1, &t, NULL, NULL, yh, NULL, NULL, err)) < 0)
			return rc;
		*r = y - *yh;
	}
	return sp_forecaster_push(b, t, &y, err);
}

/* m's base as an sp_fc_season forecaster (mpath: where m is, for messages
 * and the base's location). */
static sp_forecaster *
base_open(const sp_lstm *m, const char *mpath, sp_error *err)
{
	const char *mp = mpath && mpath[0] ? mpath : "the LSTM model";
	sp_season_file f;
	sp_season_info si;
	sp_forecaster *b = NULL;
	char *bp;
	sp_season_model *sm = base_load(m, mpath, &f, &bp, err);

	if (!sm)
		return NULL;
	sp_season_describe(sm, &si);
	if (fabs(si.step - m->step) > 1e-9 * m->step) {
		sp_error_set(err, SP_EMODEL, "%s: its base %s has step %g s, the LSTM %g s", mp, bp, si.step, m->step);
		sp_season_model_free(sm);
	} else if (!m->base_rolling && f.refit > 0) {
		sp_error_set(err, SP_EMODEL, "%s: trained by an older lstmtrain on the in-sample residuals of its base "
		    "%s, which refits (refit %ld); retrain it with lstmtrain --base (or --init)", mp, bp, f.refit);
		sp_season_model_free(sm);
	} else
		b = sp_fc_season_new(sm, &f, 0, bp, err);
	free(bp);
	return b;
}

struct sp_fc_lstm_targets {
	size_t n;
	int H;
	long nchg, cap;
	long *row;      /* (nchg) ascending: the first row whose rolling yhat is of a new fit */
	double *old;    /* (nchg * H) the point forecast of the fit before it for rows row[k] + j */
	double *roll;   /* (n) the rolling yhat */
};

void
sp_fc_lstm_targets_free(sp_fc_lstm_targets *tg)
{
	if (!tg)
		return;
	free(tg->row), free(tg->old), free(tg->roll), free(tg);
}

double
sp_fc_lstm_target_adj(void *arg, long o, int h)
{
	const sp_fc_lstm_targets *tg = arg;
	long lo = 0, hi = tg->nchg, s = o + 1 + h;

	/* the first change at or after row o + 2 */
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		if (tg->row[mid] >= o + 2)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == tg->nchg || tg->row[lo] > s || s < 0 || (size_t)s >= tg->n)
		return 0;
	return tg->roll[s] - tg->old[(size_t)lo * (size_t)tg->H + (size_t)(s - tg->row[lo])];
}

/* Before row i is pushed to b (base file f): when that push refits (every
 * f->refit rows, as sp_fc_season does) and b has a fit, the fit's point
 * forecasts of rows i + 1 .. i + H (within n) as a tentative change at row
 * i + 1 in tg (committed by the caller when b's refits count grows). */
static int
targets_before_push(sp_fc_lstm_targets *tg, const sp_forecaster *b, const sp_season_file *f, const double *t,
    size_t i, sp_error *err)
{
	const sp_season_model *fit = sp_fc_season_fit(b);
	double *o;
	size_t k;

	if (f->refit <= 0 || (i + 1) % (size_t)f->refit != 0 || !fit)
		return 0;
	if (tg->nchg == tg->cap) {
		long c = tg->cap ? 2 * tg->cap : 16;
		long *r = realloc(tg->row, (size_t)c * sizeof *r);
		double *d = r ? realloc(tg->old, (size_t)c * (size_t)tg->H * sizeof *d) : NULL;
		if (r)
			tg->row = r;
		if (!d)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		tg->old = d, tg->cap = c;
	}
	o = tg->old + (size_t)tg->nchg * (size_t)tg->H;
	for (int j = 0; j < tg->H; j++)
		o[j] = NAN;
	k = n_min(tg->n - (i + 1), (size_t)tg->H);
	tg->row[tg->nchg] = (long)(i + 1);
	return k ? sp_season_predict(fit, k, t + i + 1, NULL, NULL, o, NULL, NULL, err) : 0;
}

int
sp_fc_lstm_residuals(const sp_lstm *m, const char *mpath, const double *t, const double *y, size_t n,
    double *res, double *base, sp_error *err)
{
	return sp_fc_lstm_residuals_targets(m, mpath, t, y, n, res, base, NULL, err);
}

int
sp_fc_lstm_residuals_targets(const sp_lstm *m, const char *mpath, const double *t, const double *y, size_t n,
    double *res, double *base, sp_fc_lstm_targets **tgp, sp_error *err)
{
	sp_season_file f;
	sp_season_info si;
	char *p;
	sp_season_model *sm = base_load(m, mpath, &f, &p, err);
	sp_forecaster *b;
	sp_lstm tmp;
	sp_fc_lstm_targets *tg = NULL;
	int rc = 0;

	if (tgp)
		*tgp = NULL;
	if (!sm)
		return err ? err->code : SP_EMODEL;
	sp_season_describe(sm, &si);
	sp_season_model_free(sm);
	if (n >= 2 && fabs((t[1] - t[0]) - si.step) > 1e-9 * si.step)
		rc = sp_error_set(err, SP_EDATA, "%s: the base's step is %g s and the series' %g s", p, si.step,
		    t[1] - t[0]);
	free(p);
	if (rc < 0)
		return rc;
	/* the base as forecast -m applies it (a model not yet trained has no
	 * step: the base's) */
	tmp = *m;
	tmp.step = si.step, tmp.base_rolling = 1;
	if (!(b = base_open(&tmp, mpath, err)))
		return err ? err->code : SP_EMODEL;
	if (tgp && (!(tg = calloc(1, sizeof *tg)) || !(tg->roll = malloc((n ? n : 1) * sizeof *tg->roll)))) {
		sp_fc_lstm_targets_free(tg);
		sp_forecaster_free(b);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	if (tg)
		tg->n = n, tg->H = m->horizon;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		double yh;
		long before = sp_fc_season_refits(b);
		if (tg && (rc = targets_before_push(tg, b, &f, t, i, err)) < 0)
			break;
		rc = roll_residual(b, t[i], y[i], &res[i], &yh, err);
		if (base)
			base[i] = yh;
		if (tg) {
			tg->roll[i] = yh;
			if (rc >= 0 && sp_fc_season_refits(b) > before && tg->nchg < tg->cap &&
			    tg->row[tg->nchg] == (long)(i + 1) && sp_fc_season_fit(b))
				tg->nchg++;   /* committed: the fit changed after row i */
			if (tg->nchg < tg->cap)
				tg->row[tg->nchg] = -1;
		}
	}
	sp_forecaster_free(b);
	if (rc < 0) {
		sp_fc_lstm_targets_free(tg);
		return rc;
	}
	if (tgp)
		*tgp = tg;
	return 0;
}

/* ---- the forecaster ---- */

static void
lstmfc_free(void *st)
{
	lstmfc *a = st;

	if (!a)
		return;
	sp_lstm_pred_free(a->pr);
	sp_lstm_free(a->m);
	sp_forecaster_hist_free(&a->hist);
	sp_forecaster_hist_free(&a->xhist);
	sp_forecaster_free(a->base);
	sp_lstm_pred_free(a->apr);
	sp_forecaster_hist_free(&a->yhist);
	free(a->lo), free(a->q), free(a->path), free(a->ft), free(a->alo), free(a->aq);
	free(a);
}

static int
lstmfc_columns(void *st, const sp_forecaster_info *info, const sp_csv_reader *r, const char *column, int *cols,
    sp_error *err)
{
	lstmfc *a = st;

	(void)info;
	cols[0] = sp_lstm_input_col(a->m, a->path, r, column, err);
	return cols[0] < 0 ? cols[0] : 0;
}

static int
lstmfc_push(void *st, double t, const double *x, sp_error *err)
{
	lstmfc *a = st;
	double v = x[0], yh = 0;
	int rc = 1;

	if (a->base && (rc = roll_residual(a->base, t, x[0], &v, &yh, err)) < 0)
		return rc;
	sp_forecaster_hist_push(&a->hist, t, v);
	if (a->m->exog)
		sp_forecaster_hist_push(&a->xhist, t, yh);
	if (a->apr)
		sp_forecaster_hist_push(&a->yhist, t, x[0]);
	return rc == 1 && sp_forecaster_hist_full(&a->hist) && (!a->m->exog || sp_forecaster_hist_full(&a->xhist)) &&
	    (!a->apr || sp_forecaster_hist_full(&a->yhist));
}

/* One prediction at the current origin into a->lo, mid, hi: the LSTM's on
 * the window (for a hybrid, of residuals), a hybrid's plus the seasonal
 * point forecast of each horizon, left in a->smean; a mixed hybrid's then
 * mixed with the LSTM alone's (sp_lstm_mix), left in a->alo. */
static int
predict(lstmfc *a, sp_error *err)
{
	const double *t = sp_forecaster_hist_t(&a->hist), *y = sp_forecaster_hist_y(&a->hist);
	int W = a->m->window, H = a->m->horizon, rc;

	sp_lstm_predict_x(a->pr, t, y, a->m->exog ? sp_forecaster_hist_y(&a->xhist) : NULL, a->lo, a->mid, a->hi);
	if (!a->base)
		return 0;
	for (int h = 0; h < H; h++)
		a->ft[h] = t[W - 1] + (double)(h + 1) * a->m->step;
	if ((rc = sp_season_predict(sp_fc_season_fit(a->base), (size_t)H, a->ft, NULL, NULL, a->smean, NULL, NULL,
	    err)) < 0)
		return rc;
	for (int h = 0; h < H; h++)
		a->lo[h] += a->smean[h], a->mid[h] += a->smean[h], a->hi[h] += a->smean[h];
	if (a->apr) {
		sp_lstm_predict(a->apr, sp_forecaster_hist_t(&a->yhist), sp_forecaster_hist_y(&a->yhist), a->alo,
		    a->alo + H, a->alo + 2 * H);
		sp_lstm_mix(a->m, a->alo, a->alo + H, a->alo + 2 * H, a->lo, a->mid, a->hi);
	}
	return 0;
}

static int
lstmfc_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	lstmfc *a = st;
	size_t n = (size_t)H * sizeof *lo;
	int rc;

	if ((rc = predict(a, err)) < 0)
		return rc;
	memcpy(lo, a->lo, n), memcpy(mid, a->mid, n), memcpy(hi, a->hi, n);
	return 0;
}

static int
lstmfc_quantiles(void *st, int H, double *out, sp_error *err)
{
	lstmfc *a = st;
	int rc, nq = a->m->nq;

	if ((rc = predict(a, err)) < 0)
		return rc;
	sp_lstm_pred_quantiles(a->pr, a->q);
	if (a->base)
		for (int h = 0; h < H; h++)
			for (int k = 0; k < nq; k++)
				a->q[h * nq + k] += a->smean[h];
	if (a->apr) {
		sp_lstm_pred_quantiles(a->apr, a->aq);
		sp_lstm_mix_quantiles(a->m, a->aq, a->q);
	}
	memcpy(out, a->q, (size_t)H * (size_t)a->m->nq * sizeof *out);
	return 0;
}

static int
lstmfc_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	return sp_lstm_save(((const lstmfc *)st)->m, path, cmdline, err);
}

/* The state: the model file's checksum (checked), the window of rows.  A
 * hybrid's base (a seasonfit forecaster, refitting) keeps none. */
static int
lstmfc_write_state(const void *st, sp_state_writer *w, sp_error *err)
{
	const lstmfc *a = st;
	char sum[17] = "none";
	int rc;

	if (a->base)
		return sp_error_set(err, SP_EUSAGE, "%s: a hybrid LSTM (with a seasonfit base) keeps no state "
		    "between runs", a->path);
	if (!w)
		return 0;
	if (a->path[0] && (rc = file_fnv1a(a->path, sum, err)) < 0)
		return rc;
	sp_state_put_str(w, "model_fnv1a", sum);
	sp_forecaster_hist_write_state(&a->hist, w, "hist");
	return 0;
}

static int
lstmfc_read_state(void *st, sp_state *s, sp_error *err)
{
	lstmfc *a = st;
	char sum[17] = "none";
	int rc;

	if (a->path[0] && (rc = file_fnv1a(a->path, sum, err)) < 0)
		return rc;
	if ((rc = sp_state_want_str(s, "model_fnv1a", sum, err)) < 0)
		return rc;
	return sp_forecaster_hist_read_state(&a->hist, s, "hist", err);
}

/* The state over m (taken) and info. */
static lstmfc *
state_new(sp_lstm *m, const char *path, sp_forecaster_info *info, sp_error *err)
{
	lstmfc *a = calloc(1, sizeof *a);
	size_t H = (size_t)m->horizon;

	if (!a) {
		sp_lstm_free(m);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->m = m;
	if (!(a->path = strdup(path ? path : "")) || !(a->lo = malloc(3 * H * sizeof *a->lo)) ||
	    !(a->q = malloc(H * (size_t)(m->nq > 0 ? m->nq : 1) * sizeof *a->q))) {
		lstmfc_free(a);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->mid = a->lo + H, a->hi = a->mid + H;
	if (sp_forecaster_hist_init(&a->hist, m->window, err) < 0 || !(a->pr = sp_lstm_pred_new(m, err))) {
		lstmfc_free(a);
		return NULL;
	}
	if (m->exog && (!m->base[0] || sp_forecaster_hist_init(&a->xhist, m->window, err) < 0)) {
		if (!m->base[0])
			sp_error_set(err, SP_EMODEL, "%s: the 'base' feature without a base", a->path);
		lstmfc_free(a);
		return NULL;
	}
	if (m->base[0]) {
		if (!(a->ft = malloc(2 * H * sizeof *a->ft))) {
			lstmfc_free(a);
			sp_error_set(err, SP_ENOMEM, "out of memory");
			return NULL;
		}
		a->smean = a->ft + H;
		if (!(a->base = base_open(m, path, err))) {
			lstmfc_free(a);
			return NULL;
		}
		if (m->alone && m->mixed && (sp_forecaster_hist_init(&a->yhist, m->window, err) < 0 ||
		    !(a->apr = sp_lstm_pred_new(m->alone, err)) || !(a->alo = malloc(3 * H * sizeof *a->alo)) ||
		    !(a->aq = malloc(H * (size_t)(m->nq > 0 ? m->nq : 1) * sizeof *a->aq)))) {
			if (a->apr)
				sp_error_set(err, SP_ENOMEM, "out of memory");
			lstmfc_free(a);
			return NULL;
		}
	}
	sp_nn_threads(1);
	memset(info, 0, sizeof *info);
	info->kind = "lstm";
	info->path = a->path;
	info->column = m->column[0] ? m->column : NULL;
	info->window = m->window;
	info->step = m->step;
	info->hmax = info->hdefault = m->horizon;
	info->nq = m->nq, info->q = m->q;
	if (m->nq == 0) {   /* +-1.96 RMSE */
		info->band = SP_FORECASTER_BAND_LEVEL, info->level = 0.95;
		info->alo = info->ahi = 0.025;
	} else {
		info->band = SP_FORECASTER_BAND_QUANTILES;
		if (m->nq >= 2)
			info->alo = m->q[0], info->ahi = 1 - m->q[m->nq - 1];
		else
			info->noband = "has a single quantile";
	}
	return a;
}

static void *
lstmfc_open(const char *path, const sp_forecaster_opts *o, sp_forecaster_info *info, sp_error *err)
{
	sp_lstm *m;

	if (o->level > 0) {
		sp_error_set(err, SP_EUSAGE, "--level applies to AR models (an LSTM's band is its quantiles)");
		return NULL;
	}
	if (!(m = sp_lstm_load(path, err)))
		return NULL;
	return state_new(m, path, info, err);
}

const sp_forecaster_ops sp_fc_lstm_ops = {
	.kind = "lstm",
	.open = lstmfc_open,
	.columns = lstmfc_columns,
	.push = lstmfc_push,
	.band = lstmfc_band,
	.quantiles = lstmfc_quantiles,
	.save = lstmfc_save,
	.free = lstmfc_free,
	.write_state = lstmfc_write_state,
	.read_state = lstmfc_read_state,
};

sp_forecaster *
sp_fc_lstm_new(sp_lstm *m, const char *path, sp_error *err)
{
	sp_forecaster_info info;
	lstmfc *a = state_new(m, path, &info, err);

	return a ? sp_forecaster_new(&sp_fc_lstm_ops, a, &info, err) : NULL;
}
