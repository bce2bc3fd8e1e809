/* sp_keda: KEDA's ScaledObject with one Prometheus trigger, as KEDA runs it
 * (keda-operator's scale loop and the HPA it creates; kedacore/keda
 * pkg/scaling/executor/scale_scaledobjects.go, pkg/scalers/
 * prometheus_scaler.go; the ScaledObject reference).
 *
 *  - The metric is the Prometheus query's value: here the workload's load
 *    (requests/s, whole workload) averaged over the query's rate window
 *    (`window`, 60 s, as rate(x[1m])), time-weighted over the observations
 *    in (t - window, t].  Before any observation the query is empty: the
 *    metric is missing.
 *  - The operator, every pollingInterval (30 s): the trigger is active when
 *    the value is above activationThreshold (0).  Active with 0 replicas:
 *    scale to max(minReplicaCount, 1) ("activate").  Not active, replicas
 *    above 0, minReplicaCount 0 and cooldownPeriod (300 s) since the
 *    trigger was last active (or since the first poll): scale to 0
 *    ("deactivate").
 *  - Between, the HPA that KEDA creates (minReplicas = max(minReplicaCount,
 *    1), maxReplicas = maxReplicaCount) syncs at every decision on the
 *    External metric: target type AverageValue (KEDA's default:
 *    desired = ceil(value / threshold)) or Value (ready * value /
 *    threshold); sp_hpa does the calculation and the normalisation
 *    (tolerance 0.1, downscale stabilisation 300 s).  At 0 replicas the
 *    HPA is disabled, as in Kubernetes.
 *
 * Defaults: AverageValue, activation 0, polling 30 s, cooldown 300 s,
 * minReplicaCount 0, maxReplicaCount 100.  The threshold has no default in
 * KEDA (it is required); sp_keda_new refuses a threshold <= 0.  Left out:
 * fallback (a query never fails here), scalingModifiers, the cached
 * metrics option, idleReplicaCount, pause annotations.
 *
 * Ownership: sp_keda_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_KEDA_H
#define SP_KEDA_H

#include "sp_err.h"
#include "sp_hpa.h"
#include "sp_peer.h"

typedef struct {
	int value;              /* 0: AverageValue [0], 1: Value */
	double threshold;       /* trigger threshold: per pod (AverageValue) or total (Value); > 0 */
	double activation;      /* activationThreshold [0] */
	double polling;         /* pollingInterval, s [30]; > 0 */
	double cooldown;        /* cooldownPeriod, s [300]; >= 0 */
	double window;          /* the query's rate window, s [60]; > 0 */
	int min, max;           /* minReplicaCount [0], maxReplicaCount [100] */
	sp_hpa_config hpa;      /* the HPA's behaviour [sp_hpa_defaults]; min/max set from above */
	double tol_up, tol_down;/* HPA tolerance [0.1, 0.1] */
} sp_keda_opts;

void sp_keda_defaults(sp_keda_opts *o);

typedef struct sp_keda sp_keda;

/* Checks the options (SP_EUSAGE naming the field). */
sp_keda *sp_keda_new(const sp_keda_opts *o, sp_error *err);
void sp_keda_free(sp_keda *k);

/* The load over (previous observation, t]; NaN is a gap.  SP_EUSAGE if t
 * goes back, SP_EDATA for a negative or infinite load. */
int sp_keda_observe(sp_keda *k, double t, double load, sp_error *err);

/* One decision at t: the operator's poll when due, then the HPA's sync.
 * wstar is not used (the threshold is the target). */
int sp_keda_decide(sp_keda *k, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err);

/* "activate", "deactivate", "inactive" (0 replicas, not active) or the
 * HPA's condition reason. */
const char *sp_keda_reason(const sp_keda *k);

/* The query's value at t: 1 with *value, 0 when there is no observation
 * in the window. */
int sp_keda_metric(const sp_keda *k, double t, double *value);

sp_peer sp_keda_peer(sp_keda *k);

#endif
