/* sp_ar: autoregressive models of a (differenced) series.
 *
 * AR(p) fitted by OLS (conditional least squares, as statsmodels' AutoReg),
 * Yule-Walker (statsmodels' yule_walker, "adjusted" or "mle" autocovariance)
 * or Burg (statsmodels' burg), with or without an intercept, on the series
 * differenced d times and, with a period s > 0, once seasonally:
 *
 *     w = (1 - B)^d (1 - B^s) y,     w_t = c + phi_1 w_{t-1} + ... + phi_p w_{t-p} + e_t.
 *
 * The order may be chosen by AIC or BIC in 0..max (statsmodels'
 * ar_select_order conventions: every order is fitted on the same sample
 * w[max..], llf = -nobs/2 (log(2 pi sigma2) + 1) with sigma2 = ssr/nobs,
 * AIC = -2 llf + 2 (k + 1), BIC = -2 llf + log(nobs) (k + 1), k = p +
 * intercept; the winner is then refitted on the whole series).  Forecasts
 * run the integrated recursion y_t = c + a_1 y_{t-1} + ... + a_P y_{t-P},
 * P = p + d + s, where 1 - a(B) = phi(B) (1 - B)^d (1 - B^s).  Intervals are
 * analytic (Gaussian, from the psi-weights of that integrated polynomial and
 * sigma2) or by a residual bootstrap of future paths.
 *
 * A rolling fitter (sp_ar_roll) refits on a sliding window at every step; for
 * OLS with a fixed order it updates X'X and X'y in O(k^2) per step (k = p +
 * intercept), solves by Cholesky (GSL) and recomputes the sums from scratch
 * every `window` steps to bound rounding drift.
 *
 * What this module does not do: read CSV, handle time stamps or missing
 * values (the caller passes finite values), print or exit.
 *
 * Ownership: sp_ar_fit / sp_ar_load return a model the caller frees with
 * sp_ar_model_free (NULL is fine); models never alias caller memory.  A model
 * returned by sp_ar_roll_fit belongs to the roll and is valid until the next
 * sp_ar_roll_push / sp_ar_roll_fit / sp_ar_roll_free.
 */
#ifndef SP_AR_H
#define SP_AR_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_rand.h"

typedef enum {
	SP_AR_OLS = 0,   /* conditional least squares (statsmodels AutoReg) */
	SP_AR_YW,        /* Yule-Walker, autocovariance divided by n - k ("adjusted") */
	SP_AR_YW_MLE,    /* Yule-Walker, autocovariance divided by n ("mle") */
	SP_AR_BURG       /* Burg */
} sp_ar_method;

typedef enum { SP_AR_IC_NONE = 0, SP_AR_IC_AIC, SP_AR_IC_BIC } sp_ar_ic;

/* Limits on the orders the module accepts. */
#define SP_AR_MAX_ORDER 256
#define SP_AR_MAX_DIFF 2
#define SP_AR_MAX_SEASON 100000
/* At most this many in-sample residuals are kept (the last ones) for the
 * bootstrap and in model files. */
#define SP_AR_MAX_RESID 2000

typedef struct {
	sp_ar_method method;   /* SP_AR_OLS */
	int order;             /* p, or the maximum order when ic != NONE [2] */
	sp_ar_ic ic;           /* SP_AR_IC_NONE */
	int intercept;         /* 1: with intercept c (yw/burg: demeaned, c = mean (1 - sum phi)) */
	int d;                 /* regular differences, 0..2 [0] */
	int s;                 /* seasonal period; 0 = no seasonal difference [0] */
	double max_radius;     /* OLS and yw: an explosive fit, its spectral radius (the
	                        * largest modulus of the roots of z^p - phi_1 z^(p-1) - ...
	                        * - phi_p) above this, is damped to it: phi_j *= lambda^j,
	                        * lambda = max_radius / radius, the intercept then the
	                        * least-squares one (yw: mean (1 - sum phi)), sigma2 the
	                        * damped fit's residuals'; 0 = never (statsmodels) [1].
	                        * yw-mle and burg fits are stationary by construction. */
} sp_ar_spec;

void sp_ar_spec_defaults(sp_ar_spec *spec);
/* "ols", "yw", "yw-mle", "burg"; and the inverse (-1 when unknown). */
const char *sp_ar_method_name(sp_ar_method m);
int sp_ar_method_parse(const char *s);

typedef struct {
	sp_ar_method method;
	int p, d, s, intercept;
	double c;              /* intercept of the differenced series w (0 without) */
	double *phi;           /* phi[0..p): phi_1 .. phi_p */
	double sigma2;         /* innovation variance: OLS ssr/nobs, YW r0 - r'phi, Burg its recursion */
	double llf, aic, bic;  /* of the in-sample conditional residuals (see above) */
	size_t nobs;           /* number of in-sample residuals: n - d - s - p */
	size_t ntail;          /* p + d + s */
	double *tail;          /* last ntail raw values of the fitted series, oldest first */
	size_t nresid;         /* residuals kept (<= SP_AR_MAX_RESID, the last ones) */
	double *resid;         /* in-sample one-step residuals of w, oldest first */
	double radius;         /* a damped fit's spectral radius before damping; 0 for a
	                        * fit not damped (its roots are not computed) */
	int damped;            /* 1: explosive, damped to the spec's max_radius */
} sp_ar_model;

/* Points needed to fit: n >= sp_ar_min_points(spec) = d + s + 2 P + intercept + 1,
 * P the (maximum) order: the regression on the differenced series then has
 * at least one more row than coefficients. */
size_t sp_ar_min_points(const sp_ar_spec *spec);

/* Fit spec to y[0..n) (finite values, oldest first).  *out gets a new model.
 * Errors: SP_EUSAGE for an invalid spec, SP_EDATA "need at least N points ..."
 * when n is too small, SP_EDATA when Yule-Walker/Burg meet a degenerate
 * (constant) series, SP_ENOMEM.  A singular OLS design (e.g. a constant
 * series) is solved by the minimum-norm (pseudo-inverse) solution, as
 * statsmodels does. */
int sp_ar_fit(const sp_ar_spec *spec, const double *y, size_t n, sp_ar_model **out, sp_error *err);

void sp_ar_model_free(sp_ar_model *m);
/* A deep copy, or NULL on allocation failure. */
sp_ar_model *sp_ar_model_dup(const sp_ar_model *m);

/* History needed by the forecast functions: p + d + s. */
size_t sp_ar_need(const sp_ar_model *m);

/* Point forecasts fc[0..H) for the H steps after y[n-1].  y[0..n) is the raw
 * (undifferenced) series, oldest first, n >= sp_ar_need(m); y == NULL uses
 * the model's own tail (forecast after the fitted series).  Only the last
 * sp_ar_need(m) values matter.  SP_EDATA when n is too small. */
int sp_ar_forecast(const sp_ar_model *m, const double *y, size_t n, int H, double *fc, sp_error *err);

/* Analytic interval around point forecasts fc[0..H): quantiles qlo < qhi of
 * N(fc_h, sigma2 * sum_{j<h} psi_j^2) into lo[0..H), hi[0..H). */
int sp_ar_interval(const sp_ar_model *m, int H, const double *fc, double qlo, double qhi,
    double *lo, double *hi, sp_error *err);

/* Residual bootstrap: B future paths of the integrated recursion from the
 * history y (as for sp_ar_forecast), innovations drawn with replacement from
 * the model's centred residuals; lo/hi = empirical quantiles qlo, qhi (numpy
 * "linear") of the B values at each horizon.  SP_EDATA if the model has no
 * residuals. */
int sp_ar_bootstrap(const sp_ar_model *m, const double *y, size_t n, int H, int B, sp_rand *rng,
    double qlo, double qhi, double *lo, double *hi, sp_error *err);

/* A band around the point forecasts: analytic quantiles qlo < qhi
 * (sp_ar_interval), or with boot > 0 the empirical quantiles of boot
 * bootstrap paths drawn from rng (sp_ar_bootstrap; rng is borrowed). */
typedef struct {
	double qlo, qhi;
	int boot;
	sp_rand *rng;
} sp_ar_band_opts;

/* sp_ar_forecast into fc[0..H) and the band of o into lo, hi: what arfit
 * and the AR forecasters (sp_fc_ar) give at one origin. */
int sp_ar_band(const sp_ar_model *m, const double *y, size_t n, int H, const sp_ar_band_opts *o,
    double *fc, double *lo, double *hi, sp_error *err);

/* Model files (sp_model kind "ar", version 1): method, order, d, season,
 * intercept, const, phi, sigma2, nobs, llf, aic, bic, tail, resid and an
 * optional free-text `command` line (cmdline may be NULL).  Written through
 * a temporary file renamed into place. */
int sp_ar_save(const sp_ar_model *m, const char *path, const char *cmdline, sp_error *err);
/* NULL and err ("path:line: ...") on a missing, corrupt or truncated file. */
sp_ar_model *sp_ar_load(const char *path, sp_error *err);

/* ---- rolling refits --------------------------------------------------- */
typedef struct sp_ar_roll sp_ar_roll;

/* A sliding window of the last `window` raw values; window >= sp_ar_min_points(spec). */
sp_ar_roll *sp_ar_roll_new(const sp_ar_spec *spec, size_t window, sp_error *err);
void sp_ar_roll_free(sp_ar_roll *r);
/* Append one value (finite).  Returns 1 when the window is full (a fit is
 * possible), 0 before, < 0 on error. */
int sp_ar_roll_push(sp_ar_roll *r, double y, sp_error *err);
/* Fit on the current window.  want_resid: also compute the residuals (for
 * the bootstrap; O(window * p)); without it the incremental path leaves
 * nresid = 0.  The incremental path is used for OLS with a
 * fixed order unless sp_ar_roll_set_fast(r, 0); every other spec refits from
 * scratch.  NULL with err on error (window not full: SP_EUSAGE). */
const sp_ar_model *sp_ar_roll_fit(sp_ar_roll *r, int want_resid, sp_error *err);
/* Explosive fits damped (sp_ar_spec's max_radius) since the roll was made
 * (not carried by its state), of *fits. */
size_t sp_ar_roll_damped(const sp_ar_roll *r, size_t *fits);
/* The current window (oldest first) and its length. */
const double *sp_ar_roll_window(const sp_ar_roll *r, size_t *n);
void sp_ar_roll_set_fast(sp_ar_roll *r, int on);
/* The roll's state between runs (lib/sp_state): its spec, window and path
 * (checked on reading), the values pushed, the last `window` raw values
 * and the differenced ones the sums still read, and the incremental OLS
 * sums with their phase (rows since the last recomputation), so that a
 * roll read back into a fresh sp_ar_roll_new of the same spec and window
 * fits bit for bit as the one that wrote it.  The last fit is not kept
 * (the next sp_ar_roll_fit makes it).  Reading: SP_EMODEL "FILE:LINE:
 * state written with ..., not ..." for another spec, sp_state's errors;
 * r unusable on error. */
struct sp_state_writer;
struct sp_state;
void sp_ar_roll_write_state(const sp_ar_roll *r, struct sp_state_writer *w);
int sp_ar_roll_read_state(sp_ar_roll *r, struct sp_state *s, sp_error *err);

#endif
