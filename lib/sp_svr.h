/* sp_svr: epsilon-SVR performance models through libsvm.
 *
 * A model maps feature columns (e.g. load_per_replica, replicas) to a target
 * (e.g. latency_ms) with libsvm's epsilon-SVR and an RBF, linear or
 * polynomial kernel.  Features and target are standardised (z-score with the
 * population standard deviation, like scikit-learn's StandardScaler) on the
 * training rows and the scaling is stored in the model, so callers always
 * pass and get values in original units.  The hyperparameters C, gamma and
 * epsilon refer to the scaled problem.
 *
 * Model file (sp_model format, kind "svr", version 1), all numbers %.17g:
 *
 *     scalepipe-model svr 1
 *     scalepipe 0.1.0                     version that wrote it
 *     command svrfit -x load -y lat ...   free text, informational
 *     target latency_ms                   column names: rest of the line
 *     nfeatures 2
 *     feature.1 load_per_replica
 *     feature.2 replicas
 *     kernel rbf                          rbf | linear | poly
 *     degree 3                            poly only matters
 *     gamma 0.5
 *     coef0 0
 *     C 10
 *     epsilon 0.1
 *     x_center <nfeatures values>         z = (x - x_center) / x_scale
 *     x_scale <nfeatures values>          > 0
 *     y_center <value>                    y = y_center + y_scale * f(z)
 *     y_scale <value>                     > 0
 *     rho <value>                         libsvm's -b: f(z) = sum coef_i K(sv_i, z) - rho
 *     nsv <count>
 *     sv_coef <nsv values>
 *     sv <nsv * nfeatures values>         support vectors, scaled, row-major
 *     cv_folds <k>                        optional, all four or none: the
 *     cv_split random | blocked           cross-validation that chose the
 *     cv_seed <seed>                      hyperparameters, and its RMSE in
 *     cv_rmse <value>                     target units
 *     end
 *
 * The reader is strict (sp_model.h): another kind, a missing, duplicate or
 * unknown key, a wrong count of values, a non-positive scale or gamma, or a
 * truncated file is an error naming file:line.  The libsvm model is kept as
 * its own numbers rather than libsvm's text format, which writes support
 * vectors with only 8 significant digits and parses with atof.
 *
 * Prediction evaluates libsvm's decision function (svm_predict_values for
 * EPSILON_SVR, same kernel arithmetic and summation order) directly on the
 * dense support vectors; it is thread-safe and allocation-free.
 *
 * Ownership: sp_svr objects are freed with sp_svr_free; strings returned by
 * the getters belong to the model.  Nothing here prints: libsvm's progress
 * output is silenced (svm_set_print_string_function) before any training.
 */
#ifndef SP_SVR_H
#define SP_SVR_H

#include <stddef.h>

#include "sp_csv.h"
#include "sp_err.h"

typedef struct sp_svr sp_svr;

#define SP_SVR_KIND "svr"
#define SP_SVR_VERSION 1
#define SP_SVR_MAX_FEATURES 64

/* ---- using a model ---- */

/* Load a kind "svr" scalepipe model file, strictly.  NULL and err
 * (SP_EIO, SP_ENOMEM or SP_EMODEL with file:line) on failure. */
sp_svr *sp_svr_load(const char *path, sp_error *err);
void sp_svr_free(sp_svr *m);                       /* NULL is fine */

size_t sp_svr_nfeatures(const sp_svr *m);
/* Column name of feature i (0-based, i < nfeatures) used in training. */
const char *sp_svr_feature(const sp_svr *m, size_t i);
const char *sp_svr_target(const sp_svr *m);

/* Predicted target for x[nfeatures] in original units (scaling applied
 * inside).  Any NaN in x gives NaN. */
double sp_svr_predict(const sp_svr *m, const double *x);

/* ---- training ---- */

typedef enum { SP_SVR_RBF = 0, SP_SVR_LINEAR, SP_SVR_POLY } sp_svr_kernel;

typedef struct {
	sp_svr_kernel kernel;
	double C;          /* > 0, box constraint */
	double gamma;      /* > 0, RBF / poly: K = exp(-gamma |u-v|^2), (gamma u.v + coef0)^degree */
	double epsilon;    /* >= 0, half-width of the insensitive tube (scaled target units) */
	int degree;        /* poly, 1..10 */
	double coef0;      /* poly */
	double tol;        /* > 0, libsvm's stopping tolerance (-e); scikit-learn's tol */
	double cache_mb;   /* > 0, libsvm's kernel cache per fit */
	int shrinking;     /* libsvm's shrinking heuristics (scikit-learn default: on) */
	int scale;         /* 1: standardise features and target (default); 0: raw */
} sp_svr_params;

/* Defaults: RBF, C 1, gamma 1, epsilon 0.1, degree 3, coef0 0, tol 1e-3,
 * cache 100 MB, shrinking on, scaling on. */
void sp_svr_params_default(sp_svr_params *p);
/* "rbf", "linear", "poly". */
const char *sp_svr_kernel_name(sp_svr_kernel k);

/* Train on n rows: x is n * nfeat row-major in original units, y[n].
 * features[nfeat] and target are the column names recorded in the model
 * (copied).  Errors: SP_EUSAGE for bad parameters, SP_EDATA for fewer than
 * 2 rows, a non-finite value (naming the row, 1-based) or a constant target,
 * SP_ENOMEM.  A feature that is constant gets scale 1 (as StandardScaler). */
sp_svr *sp_svr_train(const double *x, const double *y, size_t n, size_t nfeat,
    const char *const *features, const char *target, const sp_svr_params *p, sp_error *err);

/* Record the cross-validation that chose the model (saved in the file):
 * folds >= 2, blocked (1) or random with seed, its RMSE. */
void sp_svr_set_cv(sp_svr *m, int folds, int blocked, unsigned long seed, double rmse);
/* RMSE of that cross-validation, NaN if none; *folds (may be NULL) 0 then. */
double sp_svr_cv_rmse(const sp_svr *m, int *folds);
const sp_svr_params *sp_svr_get_params(const sp_svr *m);
size_t sp_svr_nsv(const sp_svr *m);

/* Write the model atomically (sp_model_create/commit).  command (may be
 * NULL) is recorded as free text. */
int sp_svr_save(const sp_svr *m, const char *path, const char *command, sp_error *err);

/* ---- grid search with k-fold cross-validation ---- */

typedef struct sp_svr_cv sp_svr_cv;

/* Where a grid search (and sp_svr_fit) stands, for a progress display. */
typedef struct {
	size_t fits, nfits;       /* single fits done / all (grid points x folds) */
	size_t points, npoints;   /* grid points whose every fold is done / all */
	const sp_svr_cv *best;    /* the best (smallest rmse) finished point so far
	                             (seconds 0), NULL before the first; with
	                             final, the chosen point (NULL without CV) */
	double elapsed;           /* seconds since the search began */
	int final;                /* sp_svr_fit: the search is over, training on
	                             all rows begins */
} sp_svr_progress;

typedef struct {
	const double *C;        /* candidate values, each list non-empty */
	size_t nC;
	const double *gamma;    /* ignored (one pass) for the linear kernel */
	size_t ngamma;
	const double *epsilon;
	size_t nepsilon;
	int folds;              /* 2..n */
	int blocked;            /* 1: contiguous blocks in row (time) order; 0: random */
	unsigned long seed;     /* random folds */
	int threads;            /* <= 0: all online cores */
	int precompute;         /* kernel matrix per gamma: -1 auto (when one
	                           fits SP_SVR_PRECOMPUTE_MB; as many gammas at
	                           once as fit), 0 never, 1 always */
	/* Called after every fit (may be NULL): from the thread that ran it,
	 * never two calls at once.  Nothing it sees changes the results. */
	void (*progress)(void *ctx, const sp_svr_progress *p);
	void *progress_ctx;
} sp_svr_grid;

#define SP_SVR_PRECOMPUTE_MB 1024

/* One grid point's cross-validated error, in target units. */
struct sp_svr_cv {
	double C, gamma, epsilon;
	double rmse, mae;
	double seconds;         /* summed CPU-side wall time of its k fits */
};

/* Number of grid points: nC * ngamma (1 for linear) * nepsilon. */
size_t sp_svr_grid_size(const sp_svr_grid *g, const sp_svr_params *base);

/* Cross-validate every (C, gamma, epsilon) of g with base's other
 * parameters: each point is trained k times on k-1 folds and predicts the
 * held-out fold; rmse/mae over all n held-out predictions.  Scaling is fitted
 * once on all n rows.  Fits run on g->threads threads, largest C first; for
 * the RBF and poly kernels one kernel matrix per gamma is shared by every C,
 * epsilon and fold through libsvm's PRECOMPUTED kernel when it fits in
 * memory.  Results do not depend on the thread count.  out[sp_svr_grid_size] in order C (outer),
 * gamma, epsilon (inner); *best = index of the smallest rmse (first on ties).
 * Errors as sp_svr_train, plus SP_EUSAGE for folds outside 2..n. */
int sp_svr_grid_search(const double *x, const double *y, size_t n, size_t nfeat,
    const sp_svr_params *base, const sp_svr_grid *g, sp_svr_cv *out, size_t *best, sp_error *err);

/* The whole choice: with g->folds >= 2, sp_svr_grid_search (cv[grid
 * size] filled, *best its winner), then sp_svr_train on all rows with the
 * winner's C, gamma and epsilon and the CV recorded (sp_svr_set_cv); with
 * g->folds == 0, sp_svr_train with the first value of each list (cv and
 * best untouched, may be NULL).  g->progress, if set, is called once more
 * with final set before the training on all rows.  Errors as those
 * functions'. */
sp_svr *sp_svr_fit(const double *x, const double *y, size_t n, size_t nfeat,
    const char *const *features, const char *target, const sp_svr_params *base,
    const sp_svr_grid *g, sp_svr_cv *cv, size_t *best, sp_error *err);

/* ---- CSV in and out (svrfit) ---- */

/* Read r to the end: columns cols[nfeat] of each row into x (row-major)
 * and column ycol into y, every value required (sp_csv_get_double_req's
 * errors name row and column).  *x and *y are malloc'd (NULL when there
 * are no rows), *n the row count; on error nothing is left allocated. */
int sp_svr_read_rows(sp_csv_reader *r, const int *cols, size_t nfeat, int ycol,
    double **x, double **y, size_t *n, sp_error *err);

/* Every row of r with m's prediction appended, to w: the header plus
 * column `name` (NULL: "<target>_pred"), then each row's fields unchanged
 * and the prediction from columns features[nfeatures] (NULL: the model's
 * own feature names); a missing feature gives an empty prediction.
 * Errors: sp_csv_pick_col's, SP_EUSAGE "the input already has a column
 * 'NAME'; choose another with --name", the rows'.  The caller flushes w. */
int sp_svr_predict_csv(const sp_svr *m, sp_csv_reader *r, const char *const *features,
    const char *name, sp_csv_writer *w, sp_error *err);

/* Number of online cores (>= 1). */
int sp_svr_ncpus(void);

#endif
