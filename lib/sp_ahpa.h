/* sp_ahpa: an AHPA-style predictive autoscaler (Alibaba Cloud's Advanced
 * Horizontal Pod Autoscaler, as its documentation and the AAAI 2023 paper
 * "AHPA: Adaptive Horizontal Pod Autoscaling Systems on Alibaba Cloud
 * Container Service for Kubernetes" describe it): a robust seasonal
 * decomposition of the recent history forecasts the load 24 h ahead; the
 * forecast is read one pod start-up time ahead (pods are started early
 * enough to be ready); final pods = max(proactive, reactive), clamped to the
 * bounds.  AHPA's own algorithms (RobustPeriod, RobustSTL, from Alibaba
 * DAMO Academy) are not public; this module implements documented,
 * simplified but real equivalents:
 *
 *  - History: up to `history` (7 days) of the load at `interval` (60 s);
 *    the sample at a grid time T is the mean of the observations in
 *    (T - interval, T]; missing samples are interpolated linearly.
 *  - Period (a simplified robust period detection, in the spirit of
 *    RobustPeriod): the series clipped at its median +- 5 robust standard
 *    deviations (1.4826 MAD; 1.2533 times the mean absolute deviation when
 *    more than half the values are equal), minus its centred moving average
 *    over one day (a quarter of the series if shorter; held at the ends),
 *    clipped again; its biased autocorrelation (by FFT with zero padding);
 *    the candidate is the lag in [1 h, n/2] with the highest autocorrelation
 *    among the local maxima (at least the two neighbours on each side) above
 *    `acf_min` (0.3); it is refined to the lag of the highest Pearson
 *    correlation between the series and itself shifted, within 10 % (the
 *    biased autocorrelation's peaks lean towards short lags), and a period
 *    within 2 % of one day or one week is taken as exactly that.  None: no
 *    seasonal component (the forecast is the median of the last day).
 *  - Decomposition: STL with robustness weights, exactly as Cleveland,
 *    Cleveland, McRae and Terpenning (1990, J. Official Statistics 6:3-73)
 *    and their netlib Fortran (stl.f: stlstp, stlss, stlfts, stless,
 *    stlest, stlrwt): the inner loop detrends, smooths each
 *    cycle-subseries by loess (window ns, extended one period on each
 *    side), low-passes it (moving averages of np, np, 3 and a loess of
 *    window nl) and subtracts that, then smooths the deseasonalised series
 *    by loess (window nt) into the trend; the outer loop sets bisquare
 *    robustness weights from the residuals, B(|r| / (6 median|r|)), so
 *    that outliers get weight 0.  Defaults as statsmodels' STL: ns = 7,
 *    nt = the smallest odd integer >= 1.5 np / (1 - 1.5 / ns), nl = the
 *    smallest odd integer > np, local-linear (degree 1) fits; robust: 2
 *    inner and 15 outer iterations (16 passes).  The loess fits are
 *    evaluated every `jump` points and interpolated linearly in between
 *    (R's stl default: ceil(window / 10)), which keeps a refresh on a week
 *    of 1-min data cheap.
 *  - Forecast for h = 1..24 h / interval: the last trend value plus the
 *    seasonal value one period earlier (the last cycle repeated), plus the
 *    `quantile` empirical quantile of the residuals (AHPA exposes a
 *    prediction quantile; 0 = the point forecast).
 *  - Proactive pods at t: ceil(F(t + startup) / w*), F read at the first
 *    forecast sample at or after t + startup (AHPA shifts the forecast
 *    earlier by the start-up time, its scaleUpForward); none when the
 *    forecast does not reach that far or there is none.  Reactive pods:
 *    ceil(load / w*) from the last observed load (AHPA's passive
 *    prediction: an HPA-like count on the current metric).  Final =
 *    clamp(max(proactive, reactive), min, max); with neither known the
 *    count is left alone.
 *  - Refresh: every `refresh` seconds (default 1 h: AHPA's period is not
 *    documented; the forecast covers 24 h, so any period up to that works),
 *    once `min_history` (2 days, two cycles of a daily pattern) is there.
 *
 * What is left out: AHPA's time-window bounds (cron-like instance bounds),
 * its observer mode (a dry run: the caller just does not apply the count)
 * and its scale-down stabilisation.
 *
 * Memory: the history ring (7 d of 1-min samples = 10 080) and a 24-h
 * forecast; a refresh is O(n log n) for the period plus O(n * window /
 * jump) per loess pass; a decision is O(1).
 *
 * Ownership: sp_ahpa_free(NULL) is fine; sp_ahpa_stl fills caller arrays.
 * Nothing here prints or exits.
 */
#ifndef SP_AHPA_H
#define SP_AHPA_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_peer.h"

/* ---- STL ---- */

typedef struct {
	int np;                 /* period, samples >= 2 */
	int ns;                 /* seasonal window, odd >= 3 [7] */
	int nt;                 /* trend window, odd >= 3; 0 = the default above */
	int nl;                 /* low-pass window, odd >= 3; 0 = the default above */
	int sdeg, tdeg, ldeg;   /* loess degrees, 0 or 1 [1, 1, 1] */
	int sjump, tjump, ljump;/* evaluation steps >= 1; 0 = ceil(window / 10) */
	int inner, outer;       /* iterations [2, 15]; outer 0 = not robust */
} sp_ahpa_stl_opts;

/* Defaults for period np: the windows above, jumps 0 (R's), 2 inner and 15
 * outer iterations. */
void sp_ahpa_stl_defaults(sp_ahpa_stl_opts *o, int np);

/* STL of y[n] (n >= 2 np): season[n], trend[n], and the final robustness
 * weights rw[n] (may be NULL; all 1 when outer = 0).  SP_EUSAGE for bad
 * windows, SP_ENOMEM. */
int sp_ahpa_stl(const double *y, size_t n, const sp_ahpa_stl_opts *o, double *season,
    double *trend, double *rw, sp_error *err);

/* The period detection above on y[n] at `interval` seconds: the period in
 * samples, or 0 when none. */
int sp_ahpa_period(const double *y, size_t n, double interval, double acf_min);

/* ---- the autoscaler ---- */

typedef struct {
	double interval;        /* s [60]; whole seconds >= 1 */
	double history;         /* s [7 d] */
	double min_history;     /* s [2 d] */
	double horizon;         /* s [24 h] */
	double refresh;         /* s [3600] */
	double startup;         /* pod start-up time, s [180]; >= 0 */
	double quantile;        /* residual quantile added [0.95]; 0 = none; < 1 */
	double acf_min;         /* [0.3] */
	int robust;             /* STL robustness iterations [1] */
	int min, max;           /* bounds [1, 100] */
} sp_ahpa_opts;

void sp_ahpa_defaults(sp_ahpa_opts *o);

typedef struct sp_ahpa sp_ahpa;

sp_ahpa *sp_ahpa_new(const sp_ahpa_opts *o, sp_error *err);
void sp_ahpa_free(sp_ahpa *a);

/* The load (requests/s) over (previous observation, t]; NaN is a gap.
 * SP_EUSAGE if t goes back, SP_EDATA for a negative or infinite load. */
int sp_ahpa_observe(sp_ahpa *a, double t, double load, sp_error *err);

int sp_ahpa_decide(sp_ahpa *a, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err);

/* "proactive", "reactive", "hold" (nothing known), "min" or "max". */
const char *sp_ahpa_reason(const sp_ahpa *a);

/* Forecast now from the history up to t; 1 when made, 0 when the history
 * is too short. */
int sp_ahpa_refresh(sp_ahpa *a, double t, sp_error *err);
/* The forecast load at time t (the first forecast sample at or after t):
 * 1 with *load, or 0. */
int sp_ahpa_forecast(const sp_ahpa *a, double t, double *load);
/* The last refresh's period (samples; 0 none). */
int sp_ahpa_period_found(const sp_ahpa *a);

sp_peer sp_ahpa_peer(sp_ahpa *a);

#endif
