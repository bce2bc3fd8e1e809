/* sp_crane: Crane's EffectiveHorizontalPodAutoscaler (EHPA) with its DSP
 * predictor, as gocrane/crane's code does it (pkg/prediction/dsp:
 * preprocessing.go, signal.go, auto_correlation.go, peak.go, estimators.go,
 * config.go, prediction.go; pkg/prediction/accuracy/accuracy.go;
 * pkg/metricprovider/custom_metric_provider.go).
 *
 * The predictor, refreshed every update interval (craned's
 * --model-update-interval, 12 h), on the history of the last historyLength
 * + 1 h at sampleInterval (a Prometheus range query [end - history - 1 h,
 * end], end = now truncated to the interval):
 *
 *  1. Preprocessing.  A gap longer than 1 h between two samples drops every
 *     sample before it; samples must be on the interval grid; missing
 *     samples are linearly interpolated; the series is trimmed from the
 *     front to a whole number of hours; then outliers: every sample after
 *     the first that is above the 99.9th or below the 0.1th percentile is
 *     replaced by the (already cleaned) previous sample.  The percentile is
 *     montanaflynn/stats' (v0.6): index = p/100 * n; a whole index i gives
 *     the i-th smallest, otherwise the mean of the floor(index)-th and the
 *     next; an index <= 1 is an error, and then Crane skips the outlier
 *     step altogether (so with fewer than 1000 samples nothing is
 *     replaced).
 *  2. Period.  With two or more whole weeks the series is truncated (from
 *     the front) to whole weeks, else with two or more whole days to whole
 *     days, else there is no period.  On that signal (N samples): the
 *     periodogram threshold is the 99th of the 100 sorted maxima of |FFT|
 *     over bins 1..N/2-1 of 100 successive random shuffles; the candidate
 *     periods are N/k (integer division, de-duplicated) for the bins
 *     k = 2..N/2-1 whose |FFT| is above the threshold; a candidate counts
 *     if it is a peak of the circular autocorrelation (the least-squares
 *     slope over [p - r, p] is > 0 and over [p, p + r] is < 0, r =
 *     min(4 h, p/2)) and the highest such peak with a positive
 *     autocorrelation wins.  Only exactly 1 day or 1 week is periodic.
 *  3. Estimators, on the series truncated to whole periods (at least 2):
 *     FFT: the amplitudes |X_k|/N of bins 1..N/2-1 sorted in decreasing
 *     order give the threshold a = the maxNumOfSpectrumItems-th (or the
 *     smallest), raised to lowAmplitudeThreshold, lowered to the
 *     minNumOfSpectrumItems-th; every bin 0..N-1 whose amplitude is below
 *     a AND whose frequency k/(N dt) is above highFrequencyThreshold is
 *     zeroed (the conjugate bins N-k have high frequencies, so a weak
 *     low-frequency component keeps half its weight: the real part of the
 *     inverse is taken, as Crane does); the last period of the inverse,
 *     values <= 0 replaced by 0.01, times (1 + marginFraction).  MaxValue:
 *     at each phase the maximum over all periods, times (1 + margin).  A
 *     zero FFT parameter means its default (Crane's code does the same:
 *     an FFT margin of 0 is 0.1).  With no estimators given: Crane's 8 FFT
 *     ones, {minItems 3, lowAmp 1.0} and {minItems 50, lowAmp 0.05}, each
 *     with margins 0.01, 0.10, 0.15, 0.20 (maxItems 100, 1/3600 Hz).
 *  4. Selection: every estimator is fitted on all periods but the last and
 *     scored on the last by PredictionError: the mean over samples of
 *     (p - a)/a when over, amplify((a - p)/a) = -ln(1 - x)/ln 1.25 when
 *     under (10 % under -> 0.47, 50 % -> 3.1); if any actual is below 1e-3,
 *     the mean absolute error instead.  The lowest error wins (the first on
 *     ties); its estimate on the whole series, one period long, is
 *     repeated as many times as there were periods, starting one interval
 *     after the last sample.
 *
 * The EHPA: the prediction metric at time t is the largest predicted
 * sample in [t, t + predictionWindowSeconds] (whole seconds, both ends
 * included; 3600 s by default), if that is > 0, divided among the ready
 * pods; it is an HPA Pods metric with the same per-pod target (wstar) as
 * the actual metric, the load divided among the ready pods.  The HPA
 * (sp_hpa, the Kubernetes controller) takes the larger of the two
 * proposals; with no prediction (no period found, or the window outside
 * the forecast) the prediction metric is invalid, and the HPA then blocks
 * any scale-down while the actual metric still scales up.
 *
 * What differs from Crane:
 *  - The shuffles use GSL's Mersenne Twister seeded by `seed` (Crane seeds
 *    Go's math/rand with the clock), so the periodogram threshold is
 *    deterministic for a given seed and sequence of refreshes, and not the
 *    same random draw as Crane's.
 *  - Crane's findPeriod (prediction.go) is reconstructed (its source was
 *    not available to us): the week-then-day truncation above follows its
 *    documented behaviour and its callers, which accept exactly Day or
 *    Week and then truncate to whole periods (Debug, prediction_dubug.go).
 *  - |X_k| is the square root of the sum of squares (Go: math.Hypot); the
 *    two differ in the last bits only.
 *  - The history sample at a grid time T is the mean of the observations
 *    in (T - interval, T]; Prometheus would give a rate at T.
 *  - The predicted series is read directly (Crane copies it into the
 *    TimeSeriesPrediction status, then into the metrics adapter); Crane
 *    parses the status values as float32.
 *  - Cron metrics, Preview mode and CPU-utilisation targets are out.
 *
 * Memory is bounded by the history (15 d + 1 h of 1-min samples = 21 661
 * samples by default); a refresh costs about 100 FFTs of the history
 * length plus a few more; a decision is O(window / interval).
 *
 * Ownership: sp_crane_free(NULL) is fine; results from sp_crane_predict
 * belong to the caller (sp_crane_result_free).  Nothing here prints or
 * exits.
 */
#ifndef SP_CRANE_H
#define SP_CRANE_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_hpa.h"
#include "sp_peer.h"
#include "sp_rand.h"

enum { SP_CRANE_FFT = 0, SP_CRANE_MAXVALUE = 1 };
#define SP_CRANE_MAX_ESTIMATORS 16

typedef struct {
	int kind;               /* SP_CRANE_FFT or SP_CRANE_MAXVALUE */
	int min_items;          /* FFT minNumOfSpectrumItems; 0 = 3 */
	int max_items;          /* FFT maxNumOfSpectrumItems; 0 = 100 */
	double high_freq;       /* FFT highFrequencyThreshold, Hz; 0 = 1/3600 */
	double low_amp;         /* FFT lowAmplitudeThreshold; 0 = 1.0 */
	double margin;          /* marginFraction; FFT: 0 = 0.1 */
} sp_crane_estimator;

typedef struct {
	double interval;        /* sampleInterval, s [60]; whole seconds, 1..3600 */
	double history;         /* historyLength, s [15 d]; >= 48 h */
	double update;          /* model update interval, s [12 h]; > 0 */
	double window;          /* predictionWindowSeconds [3600]; >= 0 */
	unsigned long seed;     /* shuffles [1] */
	int nest;               /* estimators in est[]; 0 = Crane's 8 defaults */
	sp_crane_estimator est[SP_CRANE_MAX_ESTIMATORS];
	sp_hpa_config hpa;      /* the HPA the EHPA writes [sp_hpa_defaults] */
	double tol_up, tol_down;/* its tolerance [0.1, 0.1] */
} sp_crane_opts;

void sp_crane_defaults(sp_crane_opts *o);
/* Crane's 8 default estimators into est[8]. */
void sp_crane_default_estimators(sp_crane_estimator est[8]);

/* ---- the pieces, for tests and other callers ---- */

/* montanaflynn/stats (v0.6) Percentile of x[n] (0 < pct <= 100); -1 for
 * its errors (n == 0, index <= 1 and not whole), 0 with *out otherwise. */
int sp_crane_percentile(const double *x, size_t n, double pct, double *out);

/* removeExtremeOutliers in place; returns how many samples were replaced
 * (0 also when the percentile fails). */
size_t sp_crane_outliers(double *x, size_t n);

/* fillMissingData: t[n] (seconds, increasing, on the interval grid) and
 * v[n] -> *out (malloc'd, *nout samples, the last at *tlast) after the gap
 * cut, linear interpolation and the trim to whole `unit` seconds from the
 * front.  SP_EDATA for a time step that is not a positive multiple of the
 * interval; an empty result is *nout = 0, *out = NULL. */
int sp_crane_fill(const double *t, const double *v, size_t n, double interval, double unit,
    double **out, size_t *nout, double *tlast, sp_error *err);

/* Signal.FindPeriod on x[n]: the period in seconds, or -1.  Uses r for the
 * 100 shuffles. */
double sp_crane_signal_period(const double *x, size_t n, double interval, sp_rand *r);

/* The week-then-day truncation, then FindPeriod: seconds or -1. */
double sp_crane_find_period(const double *x, size_t n, double interval, sp_rand *r);

/* amplify(x) = -ln(1 - x) / ln(1.25). */
double sp_crane_amplify(double x);
/* PredictionError(actual, predicted). */
double sp_crane_pe(const double *actual, const double *predicted, size_t n);

/* One estimator on x[n] (n a multiple of per, the period in samples):
 * out[per]. */
int sp_crane_estimate(const sp_crane_estimator *e, const double *x, size_t n, size_t per,
    double interval, double *out, sp_error *err);

typedef struct {
	double period;          /* seconds; -1: not periodic, no forecast */
	int periods;            /* whole periods used */
	int best;               /* chosen estimator, -1 if none */
	double error;           /* its PredictionError on the last period */
	double *forecast;       /* periods * period/interval values, or NULL */
	size_t n;
} sp_crane_result;

/* Steps 2-4 on a preprocessed series x[n] at `interval`; res->forecast[i]
 * is the prediction for i + 1 intervals after the last sample. */
int sp_crane_predict(const sp_crane_opts *o, const double *x, size_t n, double interval,
    sp_rand *r, sp_crane_result *res, sp_error *err);
void sp_crane_result_free(sp_crane_result *res);

/* ---- the autoscaler ---- */

typedef struct sp_crane sp_crane;

/* Checks the options (SP_EUSAGE naming the field). */
sp_crane *sp_crane_new(const sp_crane_opts *o, sp_error *err);
void sp_crane_free(sp_crane *c);

/* The workload's load (requests/s) over (previous observation, t]; NaN is
 * a gap.  SP_EUSAGE if t goes back, SP_EDATA for a negative or infinite
 * load. */
int sp_crane_observe(sp_crane *c, double t, double load, sp_error *err);

/* One HPA sync at t (refreshing the predictor first when it is due). */
int sp_crane_decide(sp_crane *c, double t, int current, int ready, double wstar,
    int *replicas, sp_error *err);

/* "prediction" (the prediction metric gave the larger proposal), "actual",
 * "no-prediction" (the prediction metric was invalid) or "no-metrics". */
const char *sp_crane_reason(const sp_crane *c);
/* The HPA's condition reason of the last decision (sp_hpa_step). */
const char *sp_crane_hpa_reason(const sp_crane *c);

/* Run the predictor now on the history observed up to t. */
int sp_crane_refresh(sp_crane *c, double t, sp_error *err);
/* The prediction metric's value at t (the window maximum, whole workload):
 * 1 with *value, or 0 when invalid. */
int sp_crane_prediction(const sp_crane *c, double t, double *value);
/* The last refresh: period (s, -1 none), chosen estimator (-1 none). */
void sp_crane_model(const sp_crane *c, double *period, int *best);

sp_peer sp_crane_peer(sp_crane *c);

#endif
