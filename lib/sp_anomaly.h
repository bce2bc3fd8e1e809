/* sp_anomaly: streaming anomaly scores of metric rows with an Isolation
 * Forest (sp_iforest.h): the feature builder and the causal detector.
 *
 * Features.  A spec is a comma-separated list of items; per-column items
 * are computed for every input column, row items once per row:
 *     value      x(t)
 *     diff[:K]   x(t) - x(t-K)                        [K = 1]
 *     mean:W     mean of x(t-W+1) .. x(t)
 *     sd:W       population standard deviation of the same W values
 *     pP:W       the P-th percentile (0..100, linear interpolation) of them
 *     z:W        (x(t) - m) / s, with m, s the mean and sd of x(t-W) .. x(t-1)
 *                (s floored at 1e-9 max(1, |m|))
 *     tod        (row) hour of the day, UTC, in [0, 24)
 *     dow        (row) day of the week, UTC, 0 = Monday .. 6 = Sunday
 *     resid      (row) (x(t) - forecast) / ((upper - lower) / 2) of the first
 *                input column against the row's forecast band
 * Windowed items skip missing values in their window (mean needs one value,
 * sd and z two); diff and value of a missing value are missing.  A row is
 * complete when every feature is a number; the first rows are incomplete
 * until the longest window or lag is filled.
 *
 * Detector.  Causal: a row is scored by the forest of the last fit before
 * it, then joins the reservoir (the last `reservoir` complete rows).  The
 * first fit happens after `train` complete rows, then one every `refit`
 * complete rows (0: never), on the reservoir; fit k (from 0) grows its
 * forest with the seed sp_anomaly_fit_seed(seed, k).
 * So the score of row t depends on rows 1..t only, and a run on a prefix of
 * the input gives the first rows of the run on the whole input.  A row is
 * flagged (1) when its score is >= the threshold: a fixed one, or with
 * contamination c > 0 the (1 - c) quantile of the scores of the fit's
 * training rows, recomputed at every fit.  Incomplete rows and rows before
 * the first fit get no score (NaN) and flag -1.
 *
 * Model files (sp_model kind "anomaly", version 1): the feature spec, the
 * input column names, the threshold, the scoring mode and the forest.
 * sp_anomaly_save writes through sp_model (temporary file + rename);
 * sp_anomaly_load is strict.
 *
 * The defaults (features "value", range scoring, first fit after 128 rows,
 * a refit every 64 on the last 8000, threshold 0.82) are the setting that
 * scored best on the Numenta Anomaly Benchmark (bench/nab.sh).
 *
 * Ownership: sp_anomaly_fb and sp_anomaly own their state; inputs are only
 * read.  Errors: SP_EUSAGE for a bad spec or option, SP_EDATA, SP_ENOMEM,
 * SP_EMODEL, SP_EIO (model files).
 */
#ifndef SP_ANOMALY_H
#define SP_ANOMALY_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_iforest.h"

#define SP_ANOMALY_DEFAULT_FEATURES "value"
#define SP_ANOMALY_MAXWIN 100000
#define SP_ANOMALY_MAXCOLS 64

/* ---- feature builder ---- */
typedef struct sp_anomaly_fb sp_anomaly_fb;

/* ncols input columns (1..SP_ANOMALY_MAXCOLS); has_band: the rows carry a
 * forecast band (needed by resid). */
sp_anomaly_fb *sp_anomaly_fb_new(const char *spec, size_t ncols, int has_band, sp_error *err);
void sp_anomaly_fb_free(sp_anomaly_fb *fb);
/* Number of features per row. */
size_t sp_anomaly_fb_dim(const sp_anomaly_fb *fb);
/* Rows of history the longest item needs (1 for value alone). */
size_t sp_anomaly_fb_history(const sp_anomaly_fb *fb);
/* Does the spec use the band (resid)? */
int sp_anomaly_fb_uses_band(const sp_anomaly_fb *fb);
/* Name of feature j: "<column>_<item>" for per-column items ("load_z12",
 * "load_p90_48"), the item for row items ("tod"). */
void sp_anomaly_fb_name(const sp_anomaly_fb *fb, size_t j, const char *const *colnames, char *buf,
    size_t size);
/* Add a row: time t (Unix seconds), x[ncols] (NaN = missing), band[3] =
 * forecast, lower, upper (or NULL).  Fills out[dim]; returns 1 when the row
 * is complete, 0 otherwise. */
int sp_anomaly_fb_push(sp_anomaly_fb *fb, double t, const double *x, const double *band, double *out);

/* ---- detector ---- */
typedef struct {
	sp_iforest_opts forest;
	size_t train;          /* first fit after this many complete rows [128] */
	size_t refit;          /* refit every this many complete rows, 0 never [64] */
	size_t reservoir;      /* fit on the last this many complete rows [8000] */
	double threshold;      /* flag score >= threshold [0.82] */
	double contamination;  /* > 0: threshold from the fit's training scores [0] */
	int mode;              /* SP_IFOREST_RANGE or _PLAIN path lengths [RANGE] */
} sp_anomaly_opts;

typedef struct sp_anomaly sp_anomaly;

void sp_anomaly_defaults(sp_anomaly_opts *o);
/* A detector of dim features. */
sp_anomaly *sp_anomaly_new(size_t dim, const sp_anomaly_opts *o, sp_error *err);
void sp_anomaly_free(sp_anomaly *a);

/* One row of features (x NULL: an incomplete row).  *score gets the score
 * (NaN if none) and *flag 1, 0 or -1 (no score).  May refit (see above). */
int sp_anomaly_step(sp_anomaly *a, const double *x, double *score, int *flag, sp_error *err);
/* The forest seed of fit k: a hash of (seed, k), so that no two fits of one
 * run, nor of runs with other seeds, share a stream. */
unsigned long sp_anomaly_fit_seed(unsigned long seed, int k);
/* Batch: fit once on n complete rows X[n * dim] (threshold as above). */
int sp_anomaly_fit(sp_anomaly *a, const double *X, size_t n, sp_error *err);
/* Batch, row by row: keep every row (complete or not), fit once on the
 * complete ones, then score every row kept with that forest (not causal:
 * scikit-learn's fit + score_samples).  sp_anomaly_collected gives row i's
 * features (owned by a) with its score and flag as sp_anomaly_step gives
 * them (NaN and -1 for an incomplete row). */
int sp_anomaly_collect(sp_anomaly *a, const double *x, int complete, sp_error *err);
int sp_anomaly_fit_collected(sp_anomaly *a, sp_error *err);
size_t sp_anomaly_ncollected(const sp_anomaly *a);
const double *sp_anomaly_collected(const sp_anomaly *a, size_t i, double *score, int *flag);
/* Fits so far, the current threshold (NaN before the first fit), the forest
 * (NULL before the first fit). */
int sp_anomaly_nfits(const sp_anomaly *a);
double sp_anomaly_threshold(const sp_anomaly *a);
/* Replace the threshold (and drop the contamination rule). */
void sp_anomaly_set_threshold(sp_anomaly *a, double threshold);
/* Path lengths of the scores from now on (SP_IFOREST_PLAIN or _RANGE). */
void sp_anomaly_set_mode(sp_anomaly *a, int mode);
int sp_anomaly_mode(const sp_anomaly *a);
const sp_iforest *sp_anomaly_forest(const sp_anomaly *a);

/* ---- model files ---- */
/* Write the detector's forest and threshold with the feature spec and the
 * column names; command (may be NULL) is recorded. */
int sp_anomaly_save(const sp_anomaly *a, const char *path, const char *spec, const char *const *colnames,
    size_t ncols, const char *command, sp_error *err);
/* Read a model: a detector that never refits (scores with the saved forest
 * and threshold), the spec and the column names (owned by the detector,
 * valid until sp_anomaly_free). */
sp_anomaly *sp_anomaly_load(const char *path, const char **spec, const char *const **colnames, size_t *ncols,
    sp_error *err);

#endif
