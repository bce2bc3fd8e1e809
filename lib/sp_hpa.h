/* sp_hpa: the Kubernetes HorizontalPodAutoscaler (autoscaling/v2), exactly.
 *
 * Two halves, as in the controller (see scalepipe-hpa(7)):
 *
 *  - sp_hpa_metric_replicas(): the replica calculator for one metric
 *    (pkg/controller/podautoscaler/replica_calculator.go): Resource
 *    Utilization with integer utilisation floor(100 * sum usage / sum
 *    request), Resource AverageValue and Pods metrics with the milli-value
 *    average floor(sum / n), Object/External Value (ratio times ready
 *    pods, ceil(ratio) from zero replicas) and AverageValue
 *    (ceil(value / target)); the pod grouping (ignored = deleting or
 *    failed, unready = pending, or for CPU not ready / warming up, missing
 *    = no metric), the fill-in of missing pods (scale-down: max(100 %,
 *    target) of the request, or the target for plain metrics; scale-up: 0)
 *    and of unready pods on a CPU scale-up (0), the re-check of tolerance
 *    and of the direction; per-direction tolerance.
 *
 *  - sp_hpa_step(): one reconcile of horizontal.go: the guards (0 replicas
 *    with min != 0 disables scaling; above max -> max; below min -> min),
 *    the maximum proposal over metrics with the invalid-metric rule, then
 *    the legacy normalisation (max recommendation over the downscale
 *    window, clamp to [min, min(max, max(factor * current, minimum))]) or
 *    the behavior normalisation (stabilisation windows, Pods/Percent
 *    policies over periodSeconds with scale events of both directions,
 *    selectPolicy Max/Min/Disabled).  The reason is the controller's
 *    condition reason (ScaleUpLimit, ScaleDownStabilized, TooManyReplicas,
 *    DesiredWithinRange, ...).
 *
 * Time is the caller's (seconds, e.g. the trace's timestamps); one call is
 * one sync of the controller.  Ownership: sp_hpa_free(NULL) is fine.
 * Nothing here prints or exits.
 */
#ifndef SP_HPA_H
#define SP_HPA_H

#include <stddef.h>
#include <stdio.h>

#include "sp_err.h"

/* ---- the replica calculator ---- */

enum {
	SP_HPA_POD_READY = 0,   /* Running and Ready (and past the CPU warm-up) */
	SP_HPA_POD_UNREADY,     /* not Ready, or inside the CPU initialisation period */
	SP_HPA_POD_PENDING,     /* phase Pending: unready for every metric */
	SP_HPA_POD_IGNORED,     /* being deleted, or Failed */
	SP_HPA_POD_UNLISTED     /* not a pod of the target: a sample the metrics API
	                         * still returns (a deleted pod's name); its value
	                         * counts among the metrics, it is not a pod */
};

typedef struct {
	int state;              /* SP_HPA_POD_* */
	int has_metric;         /* 0: the metrics API returned nothing for it */
	long long value;        /* usage, milli-units (CPU millicores) */
	long long request;      /* Resource metrics: sum of container requests, milli; 0 = none */
} sp_hpa_pod;

typedef enum {
	SP_HPA_UTILIZATION,         /* Resource, target averageUtilization (%) */
	SP_HPA_RESOURCE_AVERAGE,    /* Resource, target averageValue (milli) */
	SP_HPA_PODS,                /* Pods metric, averageValue (milli) */
	SP_HPA_OBJECT_VALUE,        /* Object or External, target value (milli) */
	SP_HPA_OBJECT_AVERAGE       /* Object or External, target averageValue (milli) */
} sp_hpa_metric_type;

typedef struct {
	sp_hpa_metric_type type;
	int cpu;                /* the resource is CPU: readiness counts */
	long long target;       /* % for UTILIZATION, milli-value otherwise; > 0 */
	double tol_up, tol_down;/* ratio within [1 - down, 1 + up] keeps current */
} sp_hpa_metric;

/* What one metric computes (replica_calculator.go's return values). */
typedef struct {
	int replicas;           /* the proposal */
	long long usage;        /* utilisation (%), average (milli) or value */
	long long raw;          /* Resource metrics: the raw average usage per pod
	                         * with a metric and a request (milli, rawUtilization
	                         * of GetResourceReplicas); else = usage */
} sp_hpa_result;

/* The replica calculator for one metric, as sp_hpa_metric_replicas below,
 * with the raw usage too.  running_ready[i] (may be NULL) says whether pod
 * i is Running with condition Ready True, which is what the Object and
 * External Value types count (getReadyPodsCount); NULL: the pods in state
 * READY.  SP_EDATA with the controller's message when it would fail: no
 * pods, no metrics, no metrics for any ready pod, a listed pod without a
 * request (utilisation: calculatePodRequests checks every pod), no request
 * among the pods with metrics. */
int sp_hpa_calc(const sp_hpa_metric *m, int current, const sp_hpa_pod *pods, size_t n,
    const unsigned char *running_ready, long long value, int status_replicas, sp_hpa_result *res,
    sp_error *err);

/* Proposal for one metric.  pods[n] are the pods of the target (for the
 * Object/External types only their states count, for the ready-pod count).
 * value is the Object/External metric (milli; External values already
 * summed).  status_replicas is the scale status count used by AverageValue.
 * *out gets the proposal; *usage (may be NULL) the observed utilisation
 * (%), average (milli) or value.  SP_EDATA with the controller's message
 * when it would fail: no pods, no metrics for any ready pod, a missing
 * request. */
int sp_hpa_metric_replicas(const sp_hpa_metric *m, int current, const sp_hpa_pod *pods,
    size_t n, long long value, int status_replicas, int *out, long long *usage, sp_error *err);

/* ---- pods as the controller lists them ---- */

enum { SP_HPA_PHASE_RUNNING, SP_HPA_PHASE_PENDING, SP_HPA_PHASE_SUCCEEDED, SP_HPA_PHASE_FAILED,
	SP_HPA_PHASE_UNLISTED };

/* One pod's status as the pod lister and the metrics API show it. */
typedef struct {
	int phase;              /* SP_HPA_PHASE_* */
	int deleting;           /* has a deletion timestamp */
	int ready;              /* condition Ready: 1 True, 0 False, -1 no condition */
	double start;           /* status.startTime, s; NaN: none */
	double ready_since;     /* the Ready condition's lastTransitionTime, s */
	double metric_time;     /* the sample's timestamp, s */
	double window;          /* the sample's window, s */
} sp_hpa_pod_status;

/* groupPods of replica_calculator.go for one pod at time now: IGNORED
 * (deleting or Failed), PENDING, UNLISTED, or for CPU (cpu != 0) UNREADY
 * when it has no Ready condition or no start time; within cpu_init of its
 * start when it is not Ready or its sample began before one window after
 * the last readiness change; after it when it is not Ready and that change
 * came within delay of its start (never ready since); else READY.  Whether
 * it has a metric is the caller's (missing pods). */
int sp_hpa_pod_group(const sp_hpa_pod_status *s, double now, int cpu, double cpu_init, double delay);
/* Running with condition Ready True (getReadyPodsCount). */
int sp_hpa_pod_running_ready(const sp_hpa_pod_status *s);

/* The per-pod input (plan --pods; scalepipe-hpa(7)): CSV rows
 *     timestamp,pod[,phase][,ready][,start][,ready_since][,request][,usage]
 *         [,metric_time][,window]
 * columns by name after the first (timestamp, the sync the pod is seen
 * at, Unix seconds or RFC 3339; rows in time order, a pod once per
 * sync).  phase: Running [default], Pending, Succeeded, Failed,
 * Terminating (Running with a deletion timestamp) or Unlisted (a metric
 * for a pod the lister does not return); ready: true/false or 1/0, empty
 * = no Ready condition [true when the column is absent]; start,
 * ready_since, metric_time: Unix seconds (empty start: none; empty
 * ready_since: the epoch, empty metric_time: the sync's time); request
 * and usage in milli-units (empty or 0 request: none; empty usage: no
 * metric); window: s [60]. */
typedef struct sp_hpa_pods sp_hpa_pods;

/* Reads the header of fp (name for messages).  The reader borrows fp. */
sp_hpa_pods *sp_hpa_pods_new(FILE *fp, const char *name, sp_error *err);
void sp_hpa_pods_free(sp_hpa_pods *p);
/* The pods seen at sync t (t not decreasing between calls): rows of an
 * earlier time are skipped, the rows at t read; *pods / *status (either
 * may be NULL) point into the reader (valid until the next call) and *n
 * gets their count, 0 when the file has no rows at t.  Each pod's state is
 * grouped at t with sp_hpa_pod_group (cpu, cpu_init, delay).  SP_EDATA
 * naming file:row and column for bad values. */
int sp_hpa_pods_at(sp_hpa_pods *p, double t, int cpu, double cpu_init, double delay,
    const sp_hpa_pod **pods, const unsigned char **running_ready, size_t *n, sp_error *err);

/* ---- the controller ---- */

enum { SP_HPA_POLICY_PODS, SP_HPA_POLICY_PERCENT };
enum { SP_HPA_SELECT_MAX, SP_HPA_SELECT_MIN, SP_HPA_SELECT_DISABLED };
#define SP_HPA_MAX_POLICIES 8

typedef struct {
	int type;               /* SP_HPA_POLICY_* */
	int value;              /* > 0 */
	int period;             /* seconds, 1..1800 */
} sp_hpa_policy;

typedef struct {
	double window;          /* stabilizationWindowSeconds; < 0 = unset (scale-down: the flag) */
	int select;             /* SP_HPA_SELECT_* */
	int npolicies;
	sp_hpa_policy policies[SP_HPA_MAX_POLICIES];
} sp_hpa_rules;

typedef struct {
	int min, max;           /* minReplicas (default 1), maxReplicas */
	int behavior;           /* 0: legacy normalisation; 1: spec.behavior set */
	sp_hpa_rules up, down;  /* behavior rules (defaults from the API) */
	double downscale_window;/* --horizontal-pod-autoscaler-downscale-stabilization [300] */
	double up_factor, up_minimum; /* legacy scale-up cap: 2, 4 */
} sp_hpa_config;

/* Kubernetes defaults: min 1, max 10, legacy, behavior rules scaleUp {0 s;
 * Pods 4/15 s, Percent 100/15 s; Max}, scaleDown {unset -> 300 s; Percent
 * 100/15 s; Max}, downscale window 300 s, factor 2, minimum 4. */
void sp_hpa_defaults(sp_hpa_config *c);

typedef struct sp_hpa sp_hpa;

/* Checks c (min >= 0, max >= 1, min <= max, policy values); SP_EUSAGE
 * naming the field. */
sp_hpa *sp_hpa_new(const sp_hpa_config *c, sp_error *err);
void sp_hpa_free(sp_hpa *h);

/* One reconcile at time now (seconds; the recommendations and events
 * recorded at now or later are dropped first, so that a decision made
 * again at a time replaces the one made then) with the target's
 * current spec replicas and the max proposal over metrics (proposal = -1
 * when every metric failed; invalid = 1 when some but not all failed).
 * *desired gets the replicas to set; *reason the condition reason
 * ("ScalingDisabled", "TooManyReplicas", "TooFewReplicas",
 * "ScaleUpLimit", "ScaleDownLimit", "ScaleUpStabilized",
 * "ScaleDownStabilized", "DesiredWithinRange", "FailedGetMetrics").
 * Returns 0 or SP_ENOMEM. */
int sp_hpa_step(sp_hpa *h, double now, int current, int proposal, int invalid,
    int *desired, const char **reason);

/* The behavior scale limits, as calculateScaleUpLimitWithScalingRules and
 * calculateScaleDownLimitWithBehaviors at time now with the events stored
 * so far (for tests and --explain). */
int sp_hpa_scale_up_limit(const sp_hpa *h, double now, int current);
int sp_hpa_scale_down_limit(const sp_hpa *h, double now, int current);
/* Record a scale event (as storeScaleEvent does after a rescale). */
int sp_hpa_record_event(sp_hpa *h, double now, int from, int to);

/* A sentence for --explain on the last step: what the controller did. */
const char *sp_hpa_explain(const char *reason);



/* Parse "pods:4:15,percent:100:15" (type:value:periodSeconds, comma
 * separated) into r's policies.  SP_EUSAGE naming the bad item. */
int sp_hpa_parse_policies(const char *s, sp_hpa_rules *r, sp_error *err);
/* The controller's memory between runs (sp_state; keys hpa_*): the
 * recommendations and scale events it keeps.  read: into h fresh from
 * sp_hpa_new with the writer's configuration (the caller checks it); the
 * errors of sp_state's getters. */
struct sp_state_writer;
struct sp_state;
void sp_hpa_write_state(const sp_hpa *h, struct sp_state_writer *w);
int sp_hpa_read_state(sp_hpa *h, struct sp_state *s, sp_error *err);

#endif
