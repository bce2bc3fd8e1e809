/* sp_gb: gradient-boosted forecasters on libxgboost; see sp_gb.h. */
#include "sp_gb.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "sp_file.h"
#include "sp_model.h"

#define KIND "gb"
#define VERSION 1

const char *const sp_gb_objectives[] = { "reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror",
	"reg:squaredlogerror", "count:poisson", "reg:gamma", "reg:tweedie", NULL };
/* objectives from here on need labels >= 0: no normalisation, level target */
enum { OBJ_POSITIVE = 3 };
const char *const sp_gb_tree_methods[] = { "hist", "approx", "exact", NULL };
const char *const sp_gb_targets[] = { "level", "delta", NULL };
const char *const sp_gb_norms[] = { "zscore", "none", NULL };
static const char *const strategies[] = { "per-horizon", "shared", NULL };
static const char *const bands[] = { "level", "quantiles", NULL };

struct sp_gb {
	sp_feat *feat;
	char *column;
	sp_gb_opts o;              /* the training options (progress unset) */
	void (*progress)(void *arg, int k, int nk, int rounds, double score);
	void *arg;
	double step, mean, sd;
	int nb;                    /* boosters: horizon, or 1 when shared */
	BoosterHandle *b;
	int *rounds;
	long *ntrain, *nval;
	double **resid;            /* (horizon) sorted validation residuals */
	long *nresid;
	double *offlo, *offhi;     /* (horizon) the band's offsets */
	double qlo, qhi;
	float *xf;                 /* (horizon * nf) rows to predict */
	double *xd;                /* (nf) one row */
	int ready;
	sp_gb_info info;
};

void
sp_gb_defaults(sp_gb_opts *o)
{
	memset(o, 0, sizeof *o);
	o->horizon = 1;
	o->max_depth = 6;
	o->eta = 0.1;
	o->rounds = 500;
	o->early = 20;
	o->subsample = o->colsample = o->min_child_weight = o->lambda = 1;
	o->threads = 1;
	o->seed = 1;
	o->val = 0.2;
	o->band = SP_GB_BAND_LEVEL;
	o->level = 0.8;
}

/* xgboost's last error, its first line without the "[time] file:line: "
 * prefix. */
static int
xgb_fail(sp_error *err, sp_status code, const char *what)
{
	const char *m = XGBGetLastError(), *p;
	size_t len;

	if (!m)
		m = "unknown error";
	if (m[0] == '[' && (p = strstr(m, "] ")) && (p = strstr(p + 2, ": ")) && !memchr(m, '\n', (size_t)(p - m)))
		m = p + 2;
	len = strcspn(m, "\n");
	while (len > 0 && (m[len - 1] == ' ' || m[len - 1] == '\r'))
		len--;
	return sp_error_set(err, code, "xgboost: %s: %.*s", what, (int)(len > 300 ? 300 : len), m);
}

void
sp_gb_free(sp_gb *g)
{
	if (!g)
		return;
	for (int k = 0; g->b && k < g->nb; k++)
		if (g->b[k])
			XGBoosterFree(g->b[k]);
	for (int h = 0; g->resid && h < g->o.horizon; h++)
		free(g->resid[h]);
	sp_feat_free(g->feat);
	free(g->column), free(g->b), free(g->rounds), free(g->ntrain), free(g->nval), free(g->resid);
	free(g->nresid), free(g->offlo), free(g->offhi), free(g->xf), free(g->xd);
	free(g);
}

/* The per-model arrays, once horizon and nb are known. */
static int
alloc_arrays(sp_gb *g, sp_error *err)
{
	size_t H = (size_t)g->o.horizon, nb = (size_t)g->nb, nf = sp_feat_count(g->feat);

	if (!(g->b = calloc(nb, sizeof *g->b)) || !(g->rounds = calloc(nb, sizeof *g->rounds)) ||
	    !(g->ntrain = calloc(nb, sizeof *g->ntrain)) || !(g->nval = calloc(nb, sizeof *g->nval)) ||
	    !(g->resid = calloc(H, sizeof *g->resid)) || !(g->nresid = calloc(H, sizeof *g->nresid)) ||
	    !(g->offlo = calloc(H, sizeof *g->offlo)) || !(g->offhi = calloc(H, sizeof *g->offhi)) ||
	    !(g->xf = calloc(H * nf, sizeof *g->xf)) || !(g->xd = calloc(nf, sizeof *g->xd)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The band's offsets from the residuals (split-conformal order statistics). */
static void
calibrate(sp_gb *g)
{
	for (int h = 0; h < g->o.horizon; h++) {
		long m = g->nresid[h];
		double kl = floor((double)(m + 1) * g->qlo), kh = ceil((double)(m + 1) * g->qhi);
		long il = kl < 1 ? 1 : kl > (double)m ? m : (long)kl, ih = kh < 1 ? 1 : kh > (double)m ? m : (long)kh;
		g->offlo[h] = g->resid[h][il - 1];
		g->offhi[h] = g->resid[h][ih - 1];
	}
}

static void
set_band(sp_gb *g)
{
	if (g->o.band == SP_GB_BAND_LEVEL)
		g->qlo = (1 - g->o.level) / 2, g->qhi = (1 + g->o.level) / 2;
	else
		g->qlo = g->o.q[0], g->qhi = g->o.q[g->o.nq - 1];
	calibrate(g);
}

static void
fill_info(sp_gb *g)
{
	sp_gb_info *i = &g->info;

	i->column = g->column;
	i->step = g->step;
	i->horizon = g->o.horizon;
	i->shared = g->o.shared;
	i->target = g->o.target, i->norm = g->o.norm;
	i->mean = g->mean, i->sd = g->sd;
	i->nboosters = g->nb;
	i->rounds = g->rounds, i->ntrain = g->ntrain, i->nval = g->nval;
	i->band = g->o.band, i->level = g->o.level, i->nq = g->o.nq, i->q = g->o.q;
	i->qlo = g->qlo, i->qhi = g->qhi;
	i->feat = g->feat;
}

const sp_gb_info *
sp_gb_describe(const sp_gb *g)
{
	return &g->info;
}

int
sp_gb_set_level(sp_gb *g, double level, sp_error *err)
{
	if (!(level > 0 && level < 1))
		return sp_error_set(err, SP_EUSAGE, "--level: %g is not in (0, 1)", level);
	g->o.band = SP_GB_BAND_LEVEL;
	g->o.level = level;
	set_band(g);
	fill_info(g);
	return 0;
}

int
sp_gb_check(const sp_gb_opts *o, sp_error *err)
{
	int nobj = 0;

	while (sp_gb_objectives[nobj])
		nobj++;
	if (o->horizon < 1 || o->horizon > SP_GB_MAXH)
		return sp_error_set(err, SP_EUSAGE, "--horizon: %d is out of range [1, %d]", o->horizon, SP_GB_MAXH);
	if (o->objective < 0 || o->objective >= nobj || o->tree_method < 0 || o->tree_method > 2 ||
	    o->target < 0 || o->target > 1 || o->norm < 0 || o->norm > 1)
		return sp_error_set(err, SP_EUSAGE, "gb: bad objective, tree method, target or norm");
	if (o->objective >= OBJ_POSITIVE && (o->norm != SP_GB_NONE || o->target != SP_GB_LEVEL))
		return sp_error_set(err, SP_EUSAGE, "--objective %s needs labels >= 0: use --norm none --target level",
		    sp_gb_objectives[o->objective]);
	if (o->max_depth < 1 || o->max_depth > 30)
		return sp_error_set(err, SP_EUSAGE, "--max-depth: %d is out of range [1, 30]", o->max_depth);
	if (!(o->eta > 0 && o->eta <= 1))
		return sp_error_set(err, SP_EUSAGE, "--eta: %g is not in (0, 1]", o->eta);
	if (o->rounds < 1 || o->rounds > 100000 || o->early < 0 || o->early > 100000)
		return sp_error_set(err, SP_EUSAGE, "--rounds or --early out of range");
	if (!(o->subsample > 0 && o->subsample <= 1) || !(o->colsample > 0 && o->colsample <= 1))
		return sp_error_set(err, SP_EUSAGE, "--subsample and --colsample must be in (0, 1]");
	if (!(o->min_child_weight >= 0 && o->min_child_weight < 1e12) || !(o->lambda >= 0 && o->lambda < 1e12) ||
	    !(o->alpha >= 0 && o->alpha < 1e12))
		return sp_error_set(err, SP_EUSAGE, "--min-child-weight, --lambda and --alpha must be >= 0");
	if (o->threads < 1 || o->threads > 256)
		return sp_error_set(err, SP_EUSAGE, "--threads: %d is out of range [1, 256]", o->threads);
	if (!(o->val > 0 && o->val <= 0.9))
		return sp_error_set(err, SP_EUSAGE, "--val: %g is not in (0, 0.9]", o->val);
	if (o->band == SP_GB_BAND_LEVEL && !(o->level > 0 && o->level < 1))
		return sp_error_set(err, SP_EUSAGE, "--level: %g is not in (0, 1)", o->level);
	if (o->band == SP_GB_BAND_QUANTILES) {
		if (o->nq < 2 || o->nq > SP_GB_MAXQ)
			return sp_error_set(err, SP_EUSAGE, "--quantiles: give 2 to %d quantiles", SP_GB_MAXQ);
		for (int k = 0; k < o->nq; k++)
			if (!(o->q[k] > 0 && o->q[k] < 1) || (k && !(o->q[k] > o->q[k - 1])))
				return sp_error_set(err, SP_EUSAGE, "--quantiles: must be ascending in (0, 1)");
	}
	return 0;
}

/* ---- xgboost ---- */

static int
set_param(BoosterHandle b, const char *name, const char *fmt, double v, sp_error *err)
{
	char buf[64];

	snprintf(buf, sizeof buf, fmt, v);
	if (XGBoosterSetParam(b, name, buf) != 0)
		return xgb_fail(err, SP_EUSAGE, name);
	return 0;
}

static int
set_params(BoosterHandle b, const sp_gb_opts *o, int threads, sp_error *err)
{
	if (XGBoosterSetParam(b, "verbosity", "0") != 0 ||
	    XGBoosterSetParam(b, "objective", sp_gb_objectives[o->objective]) != 0 ||
	    XGBoosterSetParam(b, "tree_method", sp_gb_tree_methods[o->tree_method]) != 0)
		return xgb_fail(err, SP_EUSAGE, "parameters");
	if (set_param(b, "max_depth", "%.0f", o->max_depth, err) < 0 || set_param(b, "eta", "%.17g", o->eta, err) < 0 ||
	    set_param(b, "subsample", "%.17g", o->subsample, err) < 0 ||
	    set_param(b, "colsample_bytree", "%.17g", o->colsample, err) < 0 ||
	    set_param(b, "min_child_weight", "%.17g", o->min_child_weight, err) < 0 ||
	    set_param(b, "lambda", "%.17g", o->lambda, err) < 0 || set_param(b, "alpha", "%.17g", o->alpha, err) < 0 ||
	    set_param(b, "nthread", "%.0f", threads, err) < 0 || set_param(b, "seed", "%.0f", (double)o->seed, err) < 0)
		return SP_EUSAGE;
	return 0;
}

static int
set_names(BoosterHandle b, const sp_feat *f, sp_error *err)
{
	if (XGBoosterSetStrFeatureInfo(b, "feature_name", (const char **)sp_feat_names(f), sp_feat_count(f)) != 0)
		return xgb_fail(err, SP_EMODEL, "feature names");
	return 0;
}

static DMatrixHandle
dmatrix(const float *X, const float *lab, size_t n, const sp_feat *f, sp_error *err)
{
	DMatrixHandle d = NULL;

	if (XGDMatrixCreateFromMat(X, n, sp_feat_count(f), NAN, &d) != 0) {
		xgb_fail(err, SP_EDATA, "data");
		return NULL;
	}
	if (XGDMatrixSetFloatInfo(d, "label", lab, n) != 0 ||
	    XGDMatrixSetStrFeatureInfo(d, "feature_name", (const char **)sp_feat_names(f), sp_feat_count(f)) != 0) {
		xgb_fail(err, SP_EDATA, "data");
		XGDMatrixFree(d);
		return NULL;
	}
	return d;
}

/* Predict a DMatrix into out[n]. */
static int
predict_dmatrix(BoosterHandle b, DMatrixHandle d, size_t n, double *out, sp_error *err)
{
	static const char cfg[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
	    "\"iteration_end\": 0, \"strict_shape\": false}";
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;

	if (XGBoosterPredictFromDMatrix(b, d, cfg, &shape, &dim, &res) != 0)
		return xgb_fail(err, SP_EDATA, "predict");
	for (size_t i = 0; i < n; i++)
		out[i] = res[i];
	return 0;
}

/* One booster on (Xtr, ytr), early stopping on (Xva, yva) as python-xgboost's
 * EarlyStopping callback: the score parsed from XGBoosterEvalOneIter, improved
 * when strictly lower, stop after `early` rounds without improvement, keep
 * rounds 0..best.  pred[nva]: the kept booster's predictions on Xva. */
static int
train_one(sp_gb *g, int k, const float *Xtr, const float *ytr, size_t ntr, double base, const float *Xva,
    const float *yva, size_t nva, double *pred, sp_error *err)
{
	DMatrixHandle dm[2] = { NULL, NULL };
	BoosterHandle b = NULL, cut;
	const char *names[1] = { "val" };
	double best = NAN, score = NAN;
	int best_it = 0, stale = 0, it, rc = SP_EDATA;

	if (!(dm[0] = dmatrix(Xtr, ytr, ntr, g->feat, err)) || !(dm[1] = dmatrix(Xva, yva, nva, g->feat, err)))
		goto out;
	if (XGBoosterCreate(dm, 2, &b) != 0) {
		xgb_fail(err, SP_EDATA, "booster");
		goto out;
	}
	if ((rc = set_params(b, &g->o, g->o.threads, err)) < 0 || (rc = set_names(b, g->feat, err)) < 0)
		goto out;
	/* xgboost 1.7 starts from 0.5 whatever the labels; a booster stopped
	 * after a few rounds would keep most of that offset */
	if ((g->o.objective < OBJ_POSITIVE || base > 0) && (rc = set_param(b, "base_score", "%.17g", base, err)) < 0)
		goto out;
	rc = SP_EDATA;
	for (it = 0; it < g->o.rounds; it++) {
		const char *msg, *c;
		if (XGBoosterUpdateOneIter(b, it, dm[0]) != 0) {
			xgb_fail(err, SP_EDATA, "training");
			goto out;
		}
		if (XGBoosterEvalOneIter(b, it, &dm[1], names, 1, &msg) != 0) {
			xgb_fail(err, SP_EDATA, "evaluation");
			goto out;
		}
		c = strrchr(msg, ':');
		score = c ? strtod(c + 1, NULL) : NAN;
		if (it == 0 || best > score)
			best = score, best_it = it, stale = 0;
		else
			stale++;
		if (g->o.early && stale >= g->o.early)
			break;
	}
	g->rounds[k] = g->o.early ? best_it + 1 : g->o.rounds;
	if (g->rounds[k] < (it < g->o.rounds ? it + 1 : g->o.rounds)) {
		if (XGBoosterSlice(b, 0, g->rounds[k], 1, &cut) != 0) {
			xgb_fail(err, SP_EDATA, "slice");
			goto out;
		}
		XGBoosterFree(b);
		b = cut;
		if (XGBoosterSetParam(b, "nthread", "1") != 0 || set_names(b, g->feat, err) < 0) {
			xgb_fail(err, SP_EDATA, "slice");
			goto out;
		}
	}
	if (predict_dmatrix(b, dm[1], nva, pred, err) < 0)
		goto out;
	XGBoosterSetParam(b, "nthread", "1");
	g->b[k] = b, b = NULL;
	if (g->progress)
		g->progress(g->arg, k + 1, g->nb, g->rounds[k], g->o.early ? best : score);
	rc = 0;
out:
	if (b)
		XGBoosterFree(b);
	if (dm[0])
		XGDMatrixFree(dm[0]);
	if (dm[1])
		XGDMatrixFree(dm[1]);
	return rc;
}

/* ---- training ---- */

typedef struct {
	const double *t, *y, *z, *F;  /* F: (n * nf) rows at h = 1, NULL rows not ready */
	const char *ok;               /* (n) origin has its features */
	size_t n, s;
} series;

/* Build and train booster k: horizons h0..h1. */
static int
train_booster(sp_gb *g, const series *S, int k, int h0, int h1, sp_error *err)
{
	size_t nf = sp_feat_count(g->feat), ntr = 0, nva = 0;
	float *Xtr = NULL, *ytr = NULL, *Xva = NULL, *yva = NULL;
	double lsum = 0;
	long *vi = NULL;   /* validation examples: origin * (H + 1) + h */
	double *pred = NULL, *row = g->xd;
	int rc = SP_ENOMEM;

	for (int pass = 0; pass < 2; pass++) {
		ntr = nva = 0;
		for (size_t i = 0; i < S->n; i++) {
			if (!S->ok[i])
				continue;
			for (int h = h0; h <= h1; h++) {
				size_t j = i + (size_t)h;
				float *X;
				if (j >= S->n || !isfinite(S->y[j]) || (j >= S->s && i < S->s))
					continue;
				if (!pass) {
					ntr += j < S->s, nva += j >= S->s;
					continue;
				}
				memcpy(row, S->F + i * nf, nf * sizeof *row);
				sp_feat_target(g->feat, S->t[i], g->step, h, row);
				if (j < S->s) {
					double lab = g->o.target == SP_GB_LEVEL ? S->z[j] : S->z[j] - S->z[i];
					X = Xtr + ntr * nf;
					ytr[ntr++] = (float)lab;
					lsum += lab;
				} else {
					X = Xva + nva * nf;
					vi[nva] = (long)i * (SP_GB_MAXH + 1) + h;
					yva[nva++] = (float)(g->o.target == SP_GB_LEVEL ? S->z[j] : S->z[j] - S->z[i]);
				}
				for (size_t c = 0; c < nf; c++)
					X[c] = (float)row[c];
			}
		}
		if (!pass) {
			if (ntr == 0 || nva == 0) {
				char hs[32];
				snprintf(hs, sizeof hs, h0 == h1 ? "horizon %d" : "horizons %d..%d", h0, h1);
				return sp_error_set(err, SP_EDATA, "%s: no %s examples (%zu rows, %d needed before the first "
				    "origin, validation from row %zu): more data, a smaller --val or fewer lags/windows",
				    hs, ntr == 0 ? "training" : "validation", S->n, sp_feat_need(g->feat), S->s + 1);
			}
			if (!(Xtr = malloc(ntr * nf * sizeof *Xtr)) || !(ytr = malloc(ntr * sizeof *ytr)) ||
			    !(Xva = malloc(nva * nf * sizeof *Xva)) || !(yva = malloc(nva * sizeof *yva)) ||
			    !(vi = malloc(nva * sizeof *vi)) || !(pred = malloc(nva * sizeof *pred))) {
				sp_error_set(err, SP_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	g->ntrain[k] = (long)ntr, g->nval[k] = (long)nva;
	if ((rc = train_one(g, k, Xtr, ytr, ntr, lsum / (double)ntr, Xva, yva, nva, pred, err)) < 0)
		goto out;
	/* residuals in the series' units */
	for (size_t e = 0; e < nva; e++) {
		size_t i = (size_t)(vi[e] / (SP_GB_MAXH + 1));
		int h = (int)(vi[e] % (SP_GB_MAXH + 1));
		double zh = g->o.target == SP_GB_LEVEL ? pred[e] : S->z[i] + pred[e];
		g->resid[h - 1][g->nresid[h - 1]++] = S->y[i + (size_t)h] - (g->mean + g->sd * zh);
	}
	rc = 0;
out:
	free(Xtr), free(ytr), free(Xva), free(yva), free(vi), free(pred);
	return rc;
}

sp_gb *
sp_gb_train(const sp_feat_spec *spec, const sp_gb_opts *o, const char *column, const double *t, const double *y,
    const double *x, size_t n, sp_error *err)
{
	sp_feat_spec fs = *spec;
	sp_gb *g = NULL;
	double *z = NULL, *F = NULL, sum = 0, ss = 0;
	char *ok = NULL;
	size_t nf, cnt = 0, s;
	series S;

	if (sp_gb_check(o, err) < 0)
		return NULL;
	if (n < 3) {
		sp_error_set(err, SP_EDATA, "too few rows (%zu) to train on", n);
		return NULL;
	}
	fs.horizon = o->shared;
	if (column && (!*column || strpbrk(column, " \t\r\n"))) {
		sp_error_set(err, SP_EUSAGE, "column name '%s' cannot be stored in a model (empty or with spaces)", column);
		return NULL;
	}
	if (!(g = calloc(1, sizeof *g))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	g->o = *o;
	g->o.progress = NULL, g->o.arg = NULL;
	g->progress = o->progress, g->arg = o->arg;
	g->nb = o->shared ? 1 : o->horizon;
	if (!(g->feat = sp_feat_new(&fs, err)) || !(g->column = strdup(column ? column : "value")) ||
	    alloc_arrays(g, err) < 0)
		goto fail;
	nf = sp_feat_count(g->feat);
	g->step = t[1] - t[0];
	for (size_t i = 1; i < n; i++)
		if (!(t[i] > t[i - 1]) || fabs((t[i] - t[i - 1]) - g->step) > 1e-9 * g->step) {
			sp_error_set(err, SP_EDATA, "row %zu: spacing %.10g s differs from the series' step %.10g s; "
			    "resample with window first", i + 1, t[i] - t[i - 1], g->step);
			goto fail;
		}
	s = n - (size_t)floor(o->val * (double)n);
	for (size_t i = 0; i < s; i++)
		if (isfinite(y[i]))
			sum += y[i], cnt++;
	if (cnt == 0) {
		sp_error_set(err, SP_EDATA, "no values in the training part (rows 1..%zu)", s);
		goto fail;
	}
	g->mean = sum / (double)cnt;
	for (size_t i = 0; i < s; i++)
		if (isfinite(y[i]))
			ss += (y[i] - g->mean) * (y[i] - g->mean);
	g->sd = sqrt(ss / (double)cnt);
	if (!(g->sd > 0) || o->norm == SP_GB_NONE)
		g->sd = 1;
	if (o->norm == SP_GB_NONE)
		g->mean = 0;
	if (!(z = malloc(n * sizeof *z)) || !(F = malloc(n * nf * sizeof *F)) || !(ok = calloc(n, 1))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		z[i] = (y[i] - g->mean) / g->sd;
	sp_feat_reset(g->feat);
	for (size_t i = 0; i < n; i++) {
		const double *xi = x ? x + i * (size_t)spec->nextra : NULL;
		if (sp_feat_push(g->feat, t[i], z[i], xi) && (o->target == SP_GB_LEVEL || isfinite(z[i]))) {
			ok[i] = 1;
			sp_feat_row(g->feat, g->step, 1, F + i * nf);
		}
	}
	for (int h = 0; h < o->horizon; h++)
		if (!(g->resid[h] = malloc(n * sizeof *g->resid[h]))) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
	S = (series){ t, y, z, F, ok, n, s };
	for (int k = 0; k < g->nb; k++)
		if (train_booster(g, &S, k, o->shared ? 1 : k + 1, o->shared ? o->horizon : k + 1, err) < 0)
			goto fail;
	for (int h = 0; h < o->horizon; h++) {
		if (g->nresid[h] == 0) {
			sp_error_set(err, SP_EDATA, "horizon %d: no validation examples", h + 1);
			goto fail;
		}
		qsort(g->resid[h], (size_t)g->nresid[h], sizeof *g->resid[h], cmp_double);
	}
	free(z), free(F), free(ok);
	set_band(g);
	fill_info(g);
	sp_feat_reset(g->feat);
	return g;
fail:
	free(z), free(F), free(ok);
	sp_gb_free(g);
	return NULL;
}

/* ---- importance ---- */

static int
score(BoosterHandle b, const sp_feat *f, const char *type, double *acc, sp_error *err)
{
	char cfg[64];
	bst_ulong nfeat, dim;
	const char **names;
	const bst_ulong *shape;
	const float *sc;

	snprintf(cfg, sizeof cfg, "{\"importance_type\": \"%s\"}", type);
	if (XGBoosterFeatureScore(b, cfg, &nfeat, &names, &dim, &shape, &sc) != 0)
		return xgb_fail(err, SP_EMODEL, "feature score");
	for (bst_ulong i = 0; i < nfeat; i++)
		for (size_t c = 0; c < sp_feat_count(f); c++)
			if (strcmp(names[i], sp_feat_name(f, c)) == 0) {
				acc[c] += sc[i];
				break;
			}
	return 0;
}

int
sp_gb_importance(const sp_gb *g, double *gain, double *total_gain, double *splits, sp_error *err)
{
	size_t nf = sp_feat_count(g->feat);

	memset(gain, 0, nf * sizeof *gain);
	memset(total_gain, 0, nf * sizeof *total_gain);
	memset(splits, 0, nf * sizeof *splits);
	for (int k = 0; k < g->nb; k++)
		if (score(g->b[k], g->feat, "total_gain", total_gain, err) < 0 ||
		    score(g->b[k], g->feat, "weight", splits, err) < 0)
			return SP_EMODEL;
	for (size_t c = 0; c < nf; c++)
		gain[c] = splits[c] > 0 ? total_gain[c] / splits[c] : 0;
	return 0;
}

/* ---- applying ---- */

void
sp_gb_reset(sp_gb *g)
{
	sp_feat_reset(g->feat);
	g->ready = 0;
}

int
sp_gb_push(sp_gb *g, double t, double y, const double *x)
{
	double z = (y - g->mean) / g->sd;

	g->ready = sp_feat_push(g->feat, t, z, x) && (g->o.target == SP_GB_LEVEL || isfinite(z));
	return g->ready;
}

static int
predict_dense(BoosterHandle b, const float *X, int rows, size_t nf, float *out, sp_error *err)
{
	static const char cfg[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
	    "\"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
	char arr[160];
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;

	snprintf(arr, sizeof arr, "{\"data\": [%ju, true], \"shape\": [%d, %zu], \"typestr\": \"<f4\", "
	    "\"version\": 3}", (uintmax_t)(uintptr_t)X, rows, nf);
	if (XGBoosterPredictFromDense(b, arr, cfg, NULL, &shape, &dim, &res) != 0)
		return xgb_fail(err, SP_EDATA, "predict");
	memcpy(out, res, (size_t)rows * sizeof *out);
	return 0;
}

int
sp_gb_band(sp_gb *g, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	size_t nf = sp_feat_count(g->feat);
	float p[SP_GB_MAXH];
	double last = sp_feat_last(g->feat);

	if (!g->ready)
		return sp_error_set(err, SP_EUSAGE, "gb: not enough rows for a forecast yet");
	if (H < 1 || H > g->o.horizon)
		return sp_error_set(err, SP_EUSAGE, "gb: horizon %d out of range [1, %d]", H, g->o.horizon);
	sp_feat_row(g->feat, g->step, 1, g->xd);
	for (int h = 1; h <= H; h++) {
		float *X = g->xf + (size_t)(h - 1) * nf;
		sp_feat_target(g->feat, sp_feat_time(g->feat), g->step, h, g->xd);
		for (size_t c = 0; c < nf; c++)
			X[c] = (float)g->xd[c];
		if (!g->o.shared && predict_dense(g->b[h - 1], X, 1, nf, &p[h - 1], err) < 0)
			return SP_EDATA;
	}
	if (g->o.shared && predict_dense(g->b[0], g->xf, H, nf, p, err) < 0)
		return SP_EDATA;
	for (int h = 0; h < H; h++) {
		double zh = g->o.target == SP_GB_LEVEL ? p[h] : last + p[h];
		mid[h] = g->mean + g->sd * zh;
		lo[h] = mid[h] + (g->offlo[h] < 0 ? g->offlo[h] : 0);
		hi[h] = mid[h] + (g->offhi[h] > 0 ? g->offhi[h] : 0);
	}
	return 0;
}

/* ---- model files ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of buf[len] in lines of 76 characters; malloc'd, NULL on no memory. */
static char *
b64_encode(const unsigned char *buf, size_t len)
{
	size_t n = 4 * ((len + 2) / 3), cap = n + n / 76 + 2, o = 0, col = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)buf[i] << 16 | (i + 1 < len ? (unsigned)buf[i + 1] << 8 : 0) |
		    (i + 2 < len ? buf[i + 2] : 0);
		char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < len ? b64[v >> 6 & 63] : '=',
			i + 2 < len ? b64[v & 63] : '=' };
		for (int k = 0; k < 4; k++) {
			s[o++] = q[k];
			if (++col == 76)
				s[o++] = '\n', col = 0;
		}
	}
	if (col)
		s[o++] = '\n';
	s[o] = '\0';
	return s;
}

/* Decode base64 text (newlines ignored) into a malloc'd buffer; -1 when
 * the text is not base64 (SP_EMODEL is the caller's), -2 on no memory. */
static int
b64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s), o = 0, q = 0;
	unsigned v = 0;
	int pad = 0;
	unsigned char *b = malloc(n / 4 * 3 + 3);

	if (!b)
		return -2;
	for (const char *p = s; *p; p++) {
		const char *c;
		if (*p == '\n')
			continue;
		if (*p == '=') {
			pad++;
			v <<= 6, q++;
		} else if (pad || !(c = strchr(b64, *p)) || !*p) {
			free(b);
			return -1;
		} else {
			v = v << 6 | (unsigned)(c - b64), q++;
		}
		if (q == 4) {
			b[o++] = (unsigned char)(v >> 16);
			if (pad < 2)
				b[o++] = (unsigned char)(v >> 8);
			if (pad < 1)
				b[o++] = (unsigned char)v;
			q = 0, v = 0;
		}
	}
	if (q != 0 || pad > 2) {
		free(b);
		return -1;
	}
	*out = b, *len = o;
	return 0;
}

static uint64_t
fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

int
sp_gb_save_check(const char *path, sp_error *err)
{
	sp_file *f = sp_file_create(path, SP_FILE_PUBLIC, err);

	if (!f)
		return err ? err->code : SP_EIO;
	sp_file_abort(f);
	return 0;
}

static void
put_longs(sp_model_writer *w, const char *key, const long *v, int n)
{
	double *d = malloc((size_t)n * sizeof *d);

	if (!d) {
		sp_model_put_line(w, key, "x");   /* refused on load */
		return;
	}
	for (int i = 0; i < n; i++)
		d[i] = (double)v[i];
	sp_model_put_doubles(w, key, (size_t)n, d);
	free(d);
}

int
sp_gb_save(const sp_gb *g, const char *path, const char *cmdline, sp_error *err)
{
	sp_model_writer *w = sp_model_create(path, KIND, VERSION, err);
	char key[32], line[64];
	long r[SP_GB_MAXH];

	if (!w)
		return err ? err->code : SP_EIO;
	if (cmdline)
		sp_model_put_line(w, "command", cmdline);
	sp_model_put_str(w, "column", g->column);
	sp_model_put_double(w, "step", g->step);
	sp_model_put_long(w, "horizon", g->o.horizon);
	sp_model_put_str(w, "strategy", strategies[g->o.shared]);
	sp_model_put_str(w, "target", sp_gb_targets[g->o.target]);
	sp_model_put_str(w, "norm", sp_gb_norms[g->o.norm]);
	sp_model_put_double(w, "mean", g->mean);
	sp_model_put_double(w, "sd", g->sd);
	sp_feat_save(g->feat, w);
	sp_model_put_str(w, "objective", sp_gb_objectives[g->o.objective]);
	sp_model_put_str(w, "tree_method", sp_gb_tree_methods[g->o.tree_method]);
	sp_model_put_long(w, "max_depth", g->o.max_depth);
	sp_model_put_double(w, "eta", g->o.eta);
	sp_model_put_long(w, "max_rounds", g->o.rounds);
	sp_model_put_long(w, "early", g->o.early);
	sp_model_put_double(w, "subsample", g->o.subsample);
	sp_model_put_double(w, "colsample", g->o.colsample);
	sp_model_put_double(w, "min_child_weight", g->o.min_child_weight);
	sp_model_put_double(w, "lambda", g->o.lambda);
	sp_model_put_double(w, "alpha", g->o.alpha);
	sp_model_put_long(w, "seed", (long)g->o.seed);
	sp_model_put_double(w, "val", g->o.val);
	for (int k = 0; k < g->nb; k++)
		r[k] = g->rounds[k];
	put_longs(w, "rounds", r, g->nb);
	put_longs(w, "ntrain", g->ntrain, g->nb);
	put_longs(w, "nval", g->nval, g->nb);
	sp_model_put_str(w, "band", bands[g->o.band]);
	if (g->o.band == SP_GB_BAND_LEVEL)
		sp_model_put_double(w, "level", g->o.level);
	else
		sp_model_put_doubles(w, "quantiles", (size_t)g->o.nq, g->o.q);
	for (int h = 0; h < g->o.horizon; h++) {
		snprintf(key, sizeof key, "resid%d", h + 1);
		sp_model_put_doubles(w, key, (size_t)g->nresid[h], g->resid[h]);
	}
	for (int k = 0; k < g->nb; k++) {
		bst_ulong len;
		const char *buf;
		char *text;
		if (XGBoosterSaveModelToBuffer(g->b[k], "{\"format\": \"ubj\"}", &len, &buf) != 0) {
			sp_model_abort(w);
			return xgb_fail(err, SP_EIO, "save");
		}
		if (!(text = b64_encode((const unsigned char *)buf, len))) {
			sp_model_abort(w);
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		}
		snprintf(key, sizeof key, "booster%d_check", k + 1);
		snprintf(line, sizeof line, "%ju %016jx", (uintmax_t)len,
		    (uintmax_t)fnv1a((const unsigned char *)buf, len));
		sp_model_put_line(w, key, line);
		snprintf(key, sizeof key, "booster%d", k + 1);
		sp_model_put_text(w, key, text);
		free(text);
	}
	return sp_model_commit(w, err);
}

static int
get_choice(sp_model *m, const char *key, const char *const *choices, int *out, sp_error *err)
{
	const char *s;

	if (sp_model_get_str(m, key, &s, err) < 0)
		return SP_EMODEL;
	for (int i = 0; choices[i]; i++)
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	return sp_error_set(err, SP_EMODEL, "%s: '%s' has an unknown value '%s'", sp_model_path(m), key, s);
}

/* n counts >= min (min 0 or 1) into a long array. */
static int
get_counts(sp_model *m, const char *key, int n, long min, long *out, sp_error *err)
{
	double d[SP_GB_MAXH];

	if (sp_model_get_doubles(m, key, (size_t)n, d, err) < 0)
		return SP_EMODEL;
	for (int i = 0; i < n; i++) {
		if (d[i] != floor(d[i]) || d[i] < (double)min || d[i] > 1e12)
			return sp_error_set(err, SP_EMODEL, "%s: '%s' value %d is not a count", sp_model_path(m), key, i + 1);
		out[i] = (long)d[i];
	}
	return 0;
}

static int
load_booster(sp_gb *g, sp_model *m, int k, sp_error *err)
{
	const char *path = sp_model_path(m), *text, *line;
	char key[32];
	unsigned char *buf = NULL;
	size_t len;
	uintmax_t want_len, want_h;
	bst_ulong nf;
	int rc;

	snprintf(key, sizeof key, "booster%d_check", k + 1);
	if (sp_model_get_line(m, key, &line, err) < 0)
		return SP_EMODEL;
	if (sscanf(line, "%ju %jx", &want_len, &want_h) != 2)
		return sp_error_set(err, SP_EMODEL, "%s: '%s' must be a byte count and a hash", path, key);
	snprintf(key, sizeof key, "booster%d", k + 1);
	if (sp_model_get_text(m, key, &text, err) < 0)
		return SP_EMODEL;
	if ((rc = b64_decode(text, &buf, &len)) < 0)
		return rc == -2 ? sp_error_set(err, SP_ENOMEM, "out of memory")
		    : sp_error_set(err, SP_EMODEL, "%s: '%s' is not base64", path, key);
	if (len != want_len || fnv1a(buf, len) != want_h) {
		free(buf);
		return sp_error_set(err, SP_EMODEL, "%s: '%s' is damaged (%zu bytes, hash differs from its check "
		    "line)", path, key, len);
	}
	if (XGBoosterCreate(NULL, 0, &g->b[k]) != 0 || XGBoosterLoadModelFromBuffer(g->b[k], buf, len) != 0) {
		free(buf);
		xgb_fail(err, SP_EMODEL, key);
		return sp_error_prefix(err, "%s", path);
	}
	free(buf);
	if (XGBoosterSetParam(g->b[k], "verbosity", "0") != 0 || XGBoosterSetParam(g->b[k], "nthread", "1") != 0 ||
	    set_names(g->b[k], g->feat, err) < 0 || XGBoosterGetNumFeature(g->b[k], &nf) != 0)
		return xgb_fail(err, SP_EMODEL, key);
	if (nf != sp_feat_count(g->feat))
		return sp_error_set(err, SP_EMODEL, "%s: '%s' has %ju features, the feature list %zu", path, key,
		    (uintmax_t)nf, sp_feat_count(g->feat));
	return 0;
}

sp_gb *
sp_gb_load(const char *path, sp_error *err)
{
	sp_model *m = sp_model_load(path, KIND, VERSION, NULL, err);
	sp_gb *g = NULL;
	const char *s;
	long v, r[SP_GB_MAXH];
	char key[32];

	if (!m)
		return NULL;
	if (!(g = calloc(1, sizeof *g))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	sp_gb_defaults(&g->o);
	if (sp_model_has(m, "command") && sp_model_get_line(m, "command", &s, err) < 0)
		goto fail;
	if (sp_model_get_str(m, "column", &s, err) < 0)
		goto fail;
	if (!(g->column = strdup(s))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	if (sp_model_get_double(m, "step", &g->step, err) < 0 ||
	    sp_model_get_long(m, "horizon", 1, SP_GB_MAXH, &v, err) < 0)
		goto fail;
	g->o.horizon = (int)v;
	if (!(g->step > 0)) {
		sp_error_set(err, SP_EMODEL, "%s: 'step' must be > 0", path);
		goto fail;
	}
	if (get_choice(m, "strategy", strategies, &g->o.shared, err) < 0 ||
	    get_choice(m, "target", sp_gb_targets, &g->o.target, err) < 0 ||
	    get_choice(m, "norm", sp_gb_norms, &g->o.norm, err) < 0 || sp_model_get_double(m, "mean", &g->mean, err) < 0 ||
	    sp_model_get_double(m, "sd", &g->sd, err) < 0)
		goto fail;
	if (!(g->sd > 0)) {
		sp_error_set(err, SP_EMODEL, "%s: 'sd' must be > 0", path);
		goto fail;
	}
	if (!(g->feat = sp_feat_load(m, err)))
		goto fail;
	if (sp_feat_spec_of(g->feat)->horizon != g->o.shared) {
		sp_error_set(err, SP_EMODEL, "%s: 'horizon_feature' must be 1 exactly for strategy shared", path);
		goto fail;
	}
	if (get_choice(m, "objective", sp_gb_objectives, &g->o.objective, err) < 0 ||
	    get_choice(m, "tree_method", sp_gb_tree_methods, &g->o.tree_method, err) < 0 ||
	    sp_model_get_long(m, "max_depth", 1, 30, &v, err) < 0)
		goto fail;
	g->o.max_depth = (int)v;
	if (sp_model_get_double(m, "eta", &g->o.eta, err) < 0 || sp_model_get_long(m, "max_rounds", 1, 100000, &v, err) < 0)
		goto fail;
	g->o.rounds = (int)v;
	if (sp_model_get_long(m, "early", 0, 100000, &v, err) < 0)
		goto fail;
	g->o.early = (int)v;
	if (sp_model_get_double(m, "subsample", &g->o.subsample, err) < 0 ||
	    sp_model_get_double(m, "colsample", &g->o.colsample, err) < 0 ||
	    sp_model_get_double(m, "min_child_weight", &g->o.min_child_weight, err) < 0 ||
	    sp_model_get_double(m, "lambda", &g->o.lambda, err) < 0 || sp_model_get_double(m, "alpha", &g->o.alpha, err) < 0 ||
	    sp_model_get_long(m, "seed", 0, 0x7fffffffL, &v, err) < 0)
		goto fail;
	g->o.seed = (unsigned long)v;
	if (sp_model_get_double(m, "val", &g->o.val, err) < 0 || get_choice(m, "band", bands, &g->o.band, err) < 0)
		goto fail;
	if (g->o.band == SP_GB_BAND_LEVEL) {
		if (sp_model_get_double(m, "level", &g->o.level, err) < 0)
			goto fail;
	} else {
		long c = sp_model_count(m, "quantiles", err);
		if (c < 0)
			goto fail;
		if (c < 2 || c > SP_GB_MAXQ) {
			sp_error_set(err, SP_EMODEL, "%s: 'quantiles' needs 2 to %d values", path, SP_GB_MAXQ);
			goto fail;
		}
		g->o.nq = (int)c;
		if (sp_model_get_doubles(m, "quantiles", (size_t)c, g->o.q, err) < 0)
			goto fail;
	}
	if (sp_gb_check(&g->o, err) < 0) {
		if (err)
			err->code = SP_EMODEL;
		sp_error_prefix(err, "%s", path);
		goto fail;
	}
	g->nb = g->o.shared ? 1 : g->o.horizon;
	if (alloc_arrays(g, err) < 0 || get_counts(m, "rounds", g->nb, 1, r, err) < 0 ||
	    get_counts(m, "ntrain", g->nb, 1, g->ntrain, err) < 0 || get_counts(m, "nval", g->nb, 1, g->nval, err) < 0)
		goto fail;
	for (int k = 0; k < g->nb; k++)
		g->rounds[k] = (int)(r[k] < 100000 ? r[k] : 100000);
	for (int h = 0; h < g->o.horizon; h++) {
		long c;
		snprintf(key, sizeof key, "resid%d", h + 1);
		if ((c = sp_model_count(m, key, err)) < 0)
			goto fail;
		if (c < 1) {
			sp_error_set(err, SP_EMODEL, "%s: '%s' has no residuals", path, key);
			goto fail;
		}
		if (!(g->resid[h] = malloc((size_t)c * sizeof *g->resid[h]))) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
		g->nresid[h] = c;
		if (sp_model_get_doubles(m, key, (size_t)c, g->resid[h], err) < 0)
			goto fail;
		for (long i = 1; i < c; i++)
			if (g->resid[h][i] < g->resid[h][i - 1]) {
				sp_error_set(err, SP_EMODEL, "%s: '%s' is not sorted", path, key);
				goto fail;
			}
	}
	for (int k = 0; k < g->nb; k++)
		if (load_booster(g, m, k, err) < 0)
			goto fail;
	if (sp_model_finish(m, err) < 0)
		goto fail;
	sp_model_free(m);
	set_band(g);
	fill_info(g);
	return g;
fail:
	sp_model_free(m);
	sp_gb_free(g);
	return NULL;
}
