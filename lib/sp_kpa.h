/* sp_kpa: the Knative Pod Autoscaler (KPA), as knative/serving does it.
 *
 * Follows pkg/autoscaler/scaling/autoscaler.go (Scale) for the order of the
 * operations and the rounding, and pkg/autoscaler/aggregation/bucketing.go
 * (TimedFloat64Buckets, the default "linear" window average) for the
 * metric windows:
 *
 *  - The observed metric (requests/s or concurrency of the whole revision)
 *    is recorded in 1-s buckets (Knative's scraper records one stat per
 *    second).  Two bucket rings: the stable window (stable-window, 60 s)
 *    and the panic window (panic-window-percentage of it, 10 % = 6 s).  A
 *    window average is the sum of the buckets over the number of valid
 *    buckets: min(seconds since the first write + 1, window buckets), less
 *    the buckets not yet written when the last write is older than now;
 *    floored to 6 decimals (roundToNDigits); 0 when nothing was written
 *    for a whole window.  Gaps shorter than a window count as 0.
 *  - Each decision: readyPods = max(1, ready);
 *    maxScaleUp = ceil(max-scale-up-rate * readyPods),
 *    maxScaleDown = floor(readyPods / max-scale-down-rate);
 *    dspc = ceil(stable / target), dppc = ceil(panic / target);
 *    desiredStable and desiredPanic are dspc and dppc clamped to
 *    [maxScaleDown, maxScaleUp] (note: relative to the READY pods);
 *    over = dppc / readyPods >= panic-threshold-percentage / 100 (the
 *    unclamped dppc).  Not panicking and over: panic starts (panic time =
 *    now); panicking and over: the panic time moves to now; panicking, not
 *    over and panic time + stable window before now: panic ends and the
 *    remembered maximum is reset.  Panicking: desired = max(desiredStable,
 *    desiredPanic), raised to and remembered as maxPanicPods: the count
 *    never decreases while panicking.  Otherwise desired = desiredStable.
 *  - A KPA created while more than one pod is ready starts in panic mode
 *    with maxPanicPods = the ready pods (so a restart with no history does
 *    not scale down); here that happens at the first decision.
 *  - No data for a whole stable window: Knative returns an invalid scale
 *    and the count is left alone; here *replicas = current.
 *  - Then the PodAutoscaler's bounds: min-scale, max-scale (0 = none).
 *
 * Defaults (config-autoscaler): stable-window 60 s, panic-window-percentage
 * 10, panic-threshold-percentage 200, max-scale-up-rate 1000,
 * max-scale-down-rate 2.  The target per pod is the caller's wstar (for
 * Knative: the per-pod target, e.g. container-concurrency-target-default
 * 100 or requests-per-second-target-default 200, times
 * container-concurrency-target-percentage 70 %).
 *
 * What is left out: scale to zero (the activator, scale-to-zero-grace-period
 * and the activation scale: min-scale >= 1 here), scale-down-delay (default
 * 0: no delay window), the excess burst capacity (it routes requests
 * through the activator; it does not change the pod count), and the
 * weighted-exponential window average (an option in Knative, not the
 * default).
 *
 * Timing: Knative's decider ticks every 2 s; here the KPA decides at the
 * caller's tick (15 s in the simulator), so panic starts at most one tick
 * later than in Knative and the windows are read less often; the windows
 * themselves are still filled second by second: sp_kpa_observe(t, load)
 * holds `load` for every second in (previous observation, t], as the
 * per-second scraper would have seen it (at most one window of buckets is
 * written per call).
 *
 * Ownership: sp_kpa_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_KPA_H
#define SP_KPA_H

#include "sp_err.h"
#include "sp_peer.h"

typedef struct {
	double stable_window;       /* seconds [60]; 6..3600 */
	double panic_pct;           /* panic window, % of the stable window [10]; 1..100 */
	double panic_threshold_pct; /* [200]; 110..1000 */
	double max_up_rate;         /* max-scale-up-rate [1000]; > 1 */
	double max_down_rate;       /* max-scale-down-rate [2]; > 1 */
	double bucket;              /* bucket (scrape) period, seconds [1] */
	int min, max;               /* min-scale [1], max-scale [0 = none] */
} sp_kpa_opts;

void sp_kpa_defaults(sp_kpa_opts *o);

typedef struct sp_kpa sp_kpa;

/* Checks the options (SP_EUSAGE naming the field). */
sp_kpa *sp_kpa_new(const sp_kpa_opts *o, sp_error *err);
void sp_kpa_free(sp_kpa *k);

/* The revision's load over (previous observation, t].  SP_EUSAGE if t goes
 * back; SP_EDATA for a negative or infinite load; NaN is a gap. */
int sp_kpa_observe(sp_kpa *k, double t, double load, sp_error *err);

/* One Scale() at time t (see above).  wstar > 0 is the target per pod. */
int sp_kpa_decide(sp_kpa *k, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err);

/* "stable", "panic", "nodata", "min" or "max". */
const char *sp_kpa_reason(const sp_kpa *k);

/* The stable and panic window averages at t, as Scale() reads them; returns
 * 1 when there is data in the stable window, 0 when not. */
int sp_kpa_windows(const sp_kpa *k, double t, double *stable, double *panic);
/* 1 while in panic mode. */
int sp_kpa_panicking(const sp_kpa *k);

sp_peer sp_kpa_peer(sp_kpa *k);

#endif
