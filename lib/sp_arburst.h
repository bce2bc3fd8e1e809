/* sp_arburst: BAScaler's burst-time overestimator, AR(2) + bootstrap (see
 * scalepipe-burst(7)).
 *
 * AR(2) without intercept, fitted by OLS on the z-scored fitting window and
 * refitted at every step; the overestimate of the next value is
 *
 *     upper = (z_hat + e*) * sd + mean,    point = z_hat * sd + mean,
 *
 * where z_hat = phi1 z[t-1] + phi2 z[t-2] with the fresh coefficients
 * and e* is the 99.5 % quantile (numpy "linear") of the in-sample one-step
 * residuals r_i = z_i - (phi1 z_{i-1} + phi2 z_{i-2}), i = 2 .. m-1, of the
 * same fresh fit over the last max_window points (m of them).  With
 * bootstrap = B > 0, e* is instead the upper end of the percentile bootstrap
 * confidence interval (level boot_level) of that quantile: B resamples of the
 * residuals with replacement (sp_rand, seeded), the quantile of each, and the
 * (1 + boot_level) / 2 quantile of those B values.  With mle = 1
 * the coefficients come instead from the exact Gaussian maximum likelihood of
 * AR(2) with a mean, the fit of the authors' code (OLS differs
 * by a median 0.1-0.6 % in the demands); residuals and forecast still use
 * phi only, without the mean.
 *
 * What this module does not do: choose the fitting window (the caller's
 * job), apply the band floor (sp_burstdet does) or convert to instances.
 * It never prints or exits.
 *
 * Ownership: sp_arburst_begin copies the history; sp_arburst_free(NULL) is
 * fine.  One object per burst; not thread-safe, independent objects are.
 */
#ifndef SP_ARBURST_H
#define SP_ARBURST_H

#include <stddef.h>

#include "sp_err.h"

typedef struct {
	size_t min_window;    /* 168: advisory for the caller's window choice;
	                       * not enforced here */
	size_t max_window;    /* 336: history kept and fitted (the last points) */
	double quantile;      /* 0.995: residual quantile for e* */
	int bootstrap;        /* 0: e* = plain quantile (the reference); B > 0: upper end of
	                       * the B-resample CI of the quantile */
	double boot_level;    /* 0.99, CI level when bootstrap > 0 */
	unsigned long seed;   /* sp_rand seed for the bootstrap [1] */
	int mle;              /* 0: OLS without intercept (the default); 1: exact
	                       * Gaussian maximum likelihood with a mean, as the authors'
	                       * statsmodels ARIMA(2,0,0); see sp_arburst_fit_mle */
} sp_arburst_opts;

/* min 168, max 336, quantile 0.995, no bootstrap, level 0.99, seed 1, OLS. */
void sp_arburst_defaults(sp_arburst_opts *o);

typedef struct sp_arburst sp_arburst;

/* Start a burst from the history h[0..n) of the load before it (oldest
 * first).  NaN values become 0 (as the reference does); an infinite value
 * is an SP_EDATA error.  Only the last max_window points are kept; their mean and
 * population standard deviation (ddof 0) are frozen for the whole burst.  If
 * that sd is 0 (a flat history) or not finite, sd = 1 is used instead, so
 * z = h - mean and the bound stays in load units.
 *
 * Errors (NULL returned, err filled): n < 3 (SP_EDATA, "need at least 3
 * history points"); o invalid (SP_EUSAGE: max_window < 3, quantile outside
 * [0,1], bootstrap < 0, boot_level outside (0,1)); SP_ENOMEM.
 * o == NULL means the defaults. */
sp_arburst *sp_arburst_begin(const double *h, size_t n, const sp_arburst_opts *o, sp_error *err);

/* Overestimate of the next value (before any band floor): *upper, and the AR
 * point forecast *point, both in load units.  Refits AR(2) on the last
 * max_window points of the series (the history plus every observed value).
 * When the 2x2 normal-equation determinant is below 1e-12 or the solution is
 * not finite (with mle: when the likelihood has no finite optimum), the
 * coefficients fall back to (2, -1) (linear extrapolation).
 * Either pointer may be NULL.  Calling it twice without an observe in between
 * gives the same plain result (the bootstrap draws new resamples).
 * Returns 0, or < 0 (SP_ENOMEM). */
int sp_arburst_next(sp_arburst *b, double *upper, double *point, sp_error *err);

/* Append the observed load of the step just predicted.  NaN becomes 0 as in
 * the history; an infinite value is an SP_EDATA error (nothing appended). */
int sp_arburst_observe(sp_arburst *b, double w, sp_error *err);

/* Last fitted coefficients (phi1, phi2), e*, and whether the (2, -1)
 * fallback was used (1) or not (0); for diagnostics and tests.  Valid after
 * sp_arburst_next. */
void sp_arburst_state(const sp_arburst *b, double phi[2], double *estar, int *fallback);

/* Frozen mean and sd (after the sd == 0 fallback). */
void sp_arburst_scale(const sp_arburst *b, double *mean, double *sd);

void sp_arburst_free(sp_arburst *b);

/* The burst's memory between runs (sp_state; keys ar_*): the frozen mean
 * and sd and the kept z-scored series.  Without bootstrap only (its random
 * stream is not saved): write returns SP_EUSAGE with bootstrap > 0.  read
 * makes a new object with options o (which must be the writer's); the
 * errors of sp_state's getters (file:line). */
struct sp_state_writer;
struct sp_state;
int sp_arburst_write_state(const sp_arburst *b, struct sp_state_writer *w, sp_error *err);
sp_arburst *sp_arburst_read_state(const sp_arburst_opts *o, struct sp_state *s, sp_error *err);

/* Exact Gaussian maximum-likelihood AR(2) with a mean mu of z[0..m), m >= 4:
 * the stationary likelihood (the first two points from the stationary
 * distribution), mu and sigma2 concentrated out, maximised over the
 * stationarity triangle by Nelder-Mead from the Yule-Walker estimate.  This
 * is the model statsmodels' ARIMA(order=(2,0,0)).fit() estimates (its llf and
 * coefficients agree to the optimisers' tolerance).  phi gets (phi1, phi2);
 * mu and llf may be NULL.  0 ok, -1 if no finite optimum (caller falls back). */
int sp_arburst_fit_mle(const double *z, size_t m, double phi[2], double *mu, double *llf);

#endif
