/* sp_gb: direct multi-horizon gradient-boosted forecasters on libxgboost.
 *
 * Training (sp_gb_train): the series y (times t, evenly spaced) is
 * normalised with the mean and standard deviation of its training part
 * (--norm zscore; none keeps it), fed through the causal feature builder
 * (sp_feat), and for every origin row i with enough history and every
 * horizon h = 1..H an example is made: the features of row i for target
 * time t[i] + h step, and the label z[i + h] (target level) or
 * z[i + h] - z[i] (target delta), z the normalised series.  The split is
 * chronological, never shuffled: with s = n - floor(val n), examples whose
 * target row is before s train, examples whose origin is at s or later
 * validate, and the ones in between (origin before s, target after) are
 * dropped so that no training label lies in the validation span.  One
 * booster per horizon, or one booster for all horizons with the horizon as
 * a feature (shared).  Each booster starts from the mean of its training
 * labels (base_score; xgboost 1.7's default, 0.5, would bias a booster
 * stopped after a few rounds; objectives with a log link keep 0.5 when
 * that mean is not positive) and is trained round by round
 * (XGBoosterUpdateOneIter) and scored on the validation examples
 * (XGBoosterEvalOneIter, the objective's default metric); with early
 * stopping after `early` rounds without a strictly lower score, the booster
 * is cut back to its best round (XGBoosterSlice).  This is what
 * python-xgboost's xgb.train(early_stopping_rounds=...) followed by
 * bst[:bst.best_iteration + 1] does, and gives the same trees.
 *
 * Bands: split-conformal.  The validation residuals y - forecast of each
 * horizon, in the series' units, are kept sorted in the model; the band of
 * quantile levels (qlo, qhi) adds to the forecast the order statistics
 * r(k) with k = floor((m + 1) qlo) for the lower edge and
 * k = ceil((m + 1) qhi) for the upper one (m residuals), clamped to
 * 1..m, and the edges are clamped to the forecast (lo <= mid <= hi).  A
 * level L is the quantiles (1 - L)/2 and (1 + L)/2.
 *
 * Model file (kind "gb", sp_model): the command line, the series column,
 * step, horizons, strategy, target, normalisation, the feature spec
 * (sp_feat_save), the xgboost parameters, the band and the residuals, and
 * each booster as xgboost saved it (UBJSON, XGBoosterSaveModelToBuffer) in
 * base64 lines with its byte count and FNV-1a hash, so a damaged file is
 * refused rather than loaded.
 *
 * Applying (sp_gb_push / sp_gb_band): the loaded model keeps its own
 * feature history; after each row it forecasts horizons 1..H from the rows
 * so far, one in-place prediction (XGBoosterPredictFromDense) per booster.
 *
 * Errors: NULL or < 0 with err: SP_EUSAGE for options, SP_EDATA for the
 * series ("row N: ..."), SP_EMODEL for model files (file:line or file:
 * what), SP_EIO, SP_ENOMEM; xgboost's own messages are passed on
 * ("xgboost: ...").  Ownership: sp_gb owns everything it points to;
 * sp_gb_free (NULL is fine).  Not thread-safe per model.
 */
#ifndef SP_GB_H
#define SP_GB_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_feat.h"

#define SP_GB_MAXH 1000
#define SP_GB_MAXQ 16

enum { SP_GB_LEVEL, SP_GB_DELTA };      /* target */
enum { SP_GB_ZSCORE, SP_GB_NONE };      /* norm */
enum { SP_GB_BAND_LEVEL, SP_GB_BAND_QUANTILES };

/* NULL-terminated choices, index = value. */
extern const char *const sp_gb_objectives[];   /* "reg:squarederror", ... */
extern const char *const sp_gb_tree_methods[]; /* "hist", "approx", "exact" */
extern const char *const sp_gb_targets[];      /* "level", "delta" */
extern const char *const sp_gb_norms[];        /* "zscore", "none" */

typedef struct {
	int horizon;          /* horizons 1..horizon, <= SP_GB_MAXH */
	int shared;           /* one booster with the horizon as a feature */
	int target;           /* SP_GB_LEVEL or SP_GB_DELTA */
	int norm;             /* SP_GB_ZSCORE or SP_GB_NONE */
	int objective;        /* index in sp_gb_objectives */
	int tree_method;      /* index in sp_gb_tree_methods */
	int max_depth;
	double eta;
	int rounds;           /* most boosting rounds */
	int early;            /* stop after this many rounds without improvement; 0 off */
	double subsample, colsample, min_child_weight, lambda, alpha;
	int threads;
	unsigned long seed;
	double val;           /* validation fraction, the last part in time, (0, 0.9] */
	int band;             /* SP_GB_BAND_LEVEL or _QUANTILES */
	double level;         /* _LEVEL: in (0,1) */
	int nq;               /* _QUANTILES: ascending, in (0,1), 2..SP_GB_MAXQ */
	double q[SP_GB_MAXQ];
	/* optional: after each booster is trained (k of nk, rounds kept, best score) */
	void (*progress)(void *arg, int k, int nk, int rounds, double score);
	void *arg;
} sp_gb_opts;

/* Defaults: horizon 1, per-horizon boosters, target level, zscore,
 * reg:squarederror, hist, depth 6, eta 0.1, 500 rounds, early 20,
 * subsample 1, colsample 1, min child weight 1, lambda 1, alpha 0,
 * 1 thread, seed 1, val 0.2, band level 0.8. */
void sp_gb_defaults(sp_gb_opts *o);

/* Check the options (SP_EUSAGE naming the option); sp_gb_train does too. */
int sp_gb_check(const sp_gb_opts *o, sp_error *err);

typedef struct sp_gb sp_gb;

/* What a model is (pointers into the model). */
typedef struct {
	const char *column;        /* the series column */
	double step;               /* seconds between rows */
	int horizon;
	int shared;
	int target, norm;
	double mean, sd;           /* the normalisation (0, 1 for none) */
	int nboosters;
	const int *rounds;         /* (nboosters) boosting rounds kept */
	const long *ntrain, *nval; /* (nboosters) examples */
	int band;                  /* SP_GB_BAND_* in use */
	double level;              /* _LEVEL */
	int nq;                    /* _QUANTILES */
	const double *q;
	double qlo, qhi;           /* the band's quantile levels */
	const sp_feat *feat;       /* names, spec, extras */
} sp_gb_info;

/* Train on n rows: t[n] strictly increasing and evenly spaced, y[n] (NaN
 * missing), x[n * nextra] the extra columns row-major (NULL when none).
 * column names the series in the model.  Errors: uneven spacing ("row N:
 * spacing ..."), too few rows for a training or validation example,
 * xgboost's. */
sp_gb *sp_gb_train(const sp_feat_spec *spec, const sp_gb_opts *o, const char *column, const double *t,
    const double *y, const double *x, size_t n, sp_error *err);
void sp_gb_free(sp_gb *g);
const sp_gb_info *sp_gb_describe(const sp_gb *g);

/* Write the model atomically; cmdline may be NULL. */
int sp_gb_save(const sp_gb *g, const char *path, const char *cmdline, sp_error *err);
/* Check that path can be written before training (its directory exists). */
int sp_gb_save_check(const char *path, sp_error *err);
sp_gb *sp_gb_load(const char *path, sp_error *err);

/* Use a central band of level L in (0,1) instead of the model's. */
int sp_gb_set_level(sp_gb *g, double level, sp_error *err);

/* Feature importance over all boosters, per feature (sp_feat order):
 * splits (xgboost's "weight"), total_gain, and gain = total_gain / splits
 * (0 when never used).  Arrays of sp_feat_count() values. */
int sp_gb_importance(const sp_gb *g, double *gain, double *total_gain, double *splits, sp_error *err);

/* Applying: forget the history; push the next row (x: the extra columns,
 * NULL when none); 1 when a band can be made, 0 when not yet (fewer rows
 * than the features need, or the last value is missing with target delta). */
void sp_gb_reset(sp_gb *g);
int sp_gb_push(sp_gb *g, double t, double y, const double *x);
/* The band of horizons 1..H (H <= horizon) from the rows so far. */
int sp_gb_band(sp_gb *g, int H, double *lo, double *mid, double *hi, sp_error *err);

#endif
