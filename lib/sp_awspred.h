/* sp_awspred: AWS predictive scaling next to a target tracking policy, as
 * AWS documents them (EC2 Auto Scaling and Application Auto Scaling user
 * guides: "How predictive scaling works", PredictiveScalingConfiguration,
 * "How target tracking scaling works").
 *
 * Predictive scaling, as documented:
 *  - no forecast before 24 h of metric history; the history used is at most
 *    the last 14 days; the forecast is hourly, for the next 48 hours, and is
 *    refreshed every 6 hours;
 *  - the capacity for an hour is the load forecast over the target per
 *    instance, rounded up; it is set at the start of the hour minus
 *    SchedulingBufferTime (default 300 s, must be below 3600 s);
 *  - it only scales out: a lower forecast never removes capacity (the
 *    dynamic policy scales in);
 *  - with several policies the group takes the largest desired capacity;
 *  - MaxCapacityBreachBehavior: HonorMaxCapacity (default) or
 *    IncreaseMaxCapacity, where the maximum becomes the forecast capacity
 *    times (1 + MaxCapacityBuffer %) when that is higher, and stays.
 *
 * AWS's forecasting model is not public.  THIS IS AN EMULATION: the load
 * forecast for a coming hour H is a seasonal mean of the complete hours of
 * the history (hourly means of the observed load):
 *     D = mean of the same hour of the day on the last 7 days available,
 *     W = mean of the same hour of the week (1 or 2 of them in 14 days),
 *     F(H) = w W + (1 - w) D when W exists (w = week_weight, 0.5), else D.
 * Hours with neither are not forecast (no predictive capacity then).
 *
 * Target tracking, as documented and as its CloudWatch alarms behave: the
 * metric is the load per in-service (ready) instance, one datapoint per
 * minute (the mean of the observations in the minute over the ready pods
 * of the last decision).  Scale out when the last 3 datapoints are all above
 * the target: desired = ceil(ready * metric / target), never below the
 * current count (during the scale-out cooldown a larger scale-out still
 * happens, as AWS counts the capacity already added).  Scale in, more
 * slowly: only when the last 15 datapoints are all below 90 % of the target
 * ("a threshold well below the target, typically 10 % lower"), at most once
 * per scale-in cooldown (300 s, Application Auto Scaling's default), to
 * ceil(ready * metric / target) (so that removing capacity does not push the
 * metric above the target).  A missing minute breaks the runs.  Instance
 * warm-up is not modelled: the caller's ready count is the in-service
 * count.  The alarm datapoint counts (3 and 15 one-minute datapoints) are
 * what AWS creates for target tracking; they are options here.
 *
 * Final count = clamp(max(predictive capacity of the hour in force,
 * target tracking's count), min, max).  With predictive off (ForecastOnly,
 * the AWS default mode) only target tracking acts; the forecast is still
 * made (sp_awspred_forecast).
 *
 * Time: hours are whole UTC hours of the Unix time t.  The simulator
 * decides every tick (15 s); AWS evaluates alarms once a minute, which is
 * what the datapoints do here.  Memory: 14 days of hourly sums, 48 hours of
 * forecast, 15 datapoints.  A refresh is O(48 * 14); a decision O(15).
 *
 * Ownership: sp_awspred_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_AWSPRED_H
#define SP_AWSPRED_H

#include "sp_err.h"
#include "sp_peer.h"

typedef struct {
	int predictive;         /* 1 ForecastAndScale [1], 0 ForecastOnly */
	double min_history;     /* s of history before a forecast [86400] */
	double max_history;     /* s of history used [14 d] */
	double horizon;         /* s forecast ahead [48 h]; whole hours */
	double refresh;         /* s between forecasts [6 h] */
	double buffer;          /* SchedulingBufferTime, s [300]; [0, 3600) */
	double week_weight;     /* w above [0.5]; [0, 1] */
	int days;               /* same-hour-of-day values averaged [7] */
	int increase_max;       /* IncreaseMaxCapacity [0] */
	double max_buffer;      /* MaxCapacityBuffer, % [0]; 0..100 */
	int tracking;           /* the target tracking policy [1] */
	int out_points;         /* datapoints above the target to scale out [3] */
	int in_points;          /* datapoints below in_ratio * target to scale in [15] */
	double in_ratio;        /* [0.9]; (0, 1] */
	double in_cooldown;     /* scale-in cooldown, s [300] */
	int disable_scale_in;   /* DisableScaleIn [0] */
	int min, max;           /* group bounds [1, 100] */
} sp_awspred_opts;

void sp_awspred_defaults(sp_awspred_opts *o);

typedef struct sp_awspred sp_awspred;

sp_awspred *sp_awspred_new(const sp_awspred_opts *o, sp_error *err);
void sp_awspred_free(sp_awspred *a);

/* The workload's load (requests/s) at t; NaN is a gap.  SP_EUSAGE if t
 * goes back, SP_EDATA for a negative or infinite load. */
int sp_awspred_observe(sp_awspred *a, double t, double load, sp_error *err);

/* The group's desired capacity at t (refreshing the forecast when due).
 * wstar is the target value: load per instance. */
int sp_awspred_decide(sp_awspred *a, double t, int current, int ready, double wstar,
    int *replicas, sp_error *err);

/* "forecast" (the predictive capacity is the larger), "scale-out",
 * "scale-in", "hold", "min" or "max". */
const char *sp_awspred_reason(const sp_awspred *a);

/* Make the forecast now from the history observed up to t (as a refresh
 * does, whatever the schedule).  Returns 1 when a forecast was made, 0
 * when the history is too short. */
int sp_awspred_refresh(sp_awspred *a, double t, sp_error *err);
/* The load forecast for the hour that starts at hour_start (a multiple of
 * 3600): 1 with *load, 0 if none. */
int sp_awspred_forecast(const sp_awspred *a, double hour_start, double *load);
/* The predictive capacity in force at t for target wstar: -1 if none. */
int sp_awspred_capacity(const sp_awspred *a, double t, double wstar);

sp_peer sp_awspred_peer(sp_awspred *a);

#endif
