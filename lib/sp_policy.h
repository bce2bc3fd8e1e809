/* sp_policy: the policies `plan` and `simulate` run, by name, each with one
 * knob (its target), and the peer autoscalers built behind sp_peer.
 *
 *   name       knob (--target)                                    default
 *   hpa        CPU utilisation %, the Kubernetes HPA (sp_plan)      80
 *   threshold  (none; BAScaler's rule, sp_plan)
 *   forecast   (over-provisioning is its knob; sp_plan)
 *   burst      (idem)
 *   scalepipe  (idem: the burst planner with sp_cli_predict's defaults)
 *   keda       the Prometheus trigger's threshold: load per pod     required
 *              (AverageValue), or the whole load (Value)
 *   kpa        per-pod target as % of w* (Knative's target          70
 *              utilisation, container-concurrency-target-percentage)
 *   crane      per-pod target as % of w* (Crane's EHPA)             80
 *   aws        per-pod target as % of w* (target tracking and the   80
 *              predictive capacity)
 *   ahpa       per-pod target as % of w* (AHPA-style)               80
 *
 * The peers' own documentation gives no default target for Crane, AWS or
 * AHPA (the user must set one); 80 % is the Kubernetes HPA's default
 * utilisation target.  w* is the load one pod carries at the SLO and the
 * CPU cap (sp_perf_wstar).
 *
 * Ownership: sp_policy_peer_new fills a handle the caller frees with
 * sp_peer_free.  Nothing here prints or exits.
 */
#ifndef SP_POLICY_H
#define SP_POLICY_H

#include "sp_err.h"
#include "sp_peer.h"

typedef enum {
	SP_POLICY_REPLAY, SP_POLICY_HPA, SP_POLICY_THRESHOLD, SP_POLICY_FORECAST, SP_POLICY_BURST,
	SP_POLICY_SCALEPIPE, SP_POLICY_KEDA, SP_POLICY_KPA, SP_POLICY_CRANE, SP_POLICY_AWS, SP_POLICY_AHPA, SP_POLICY_N
} sp_policy_kind;

/* "replay", "hpa", ... in the order above, NULL-terminated. */
extern const char *const sp_policy_names[];

/* 1 for keda, kpa, crane, aws, ahpa. */
int sp_policy_is_peer(sp_policy_kind k);

/* The knob's default (NaN: none, keda must be given one). */
double sp_policy_default_target(sp_policy_kind k);

typedef struct {
	sp_policy_kind kind;
	double target;          /* the knob; NaN = the default */
	int keda_value;         /* keda: target type Value, not AverageValue */
	int min, max;           /* replica bounds */
	double startup;         /* ahpa: the forecast is read this far ahead (s) */
} sp_policy_opts;

/* Build the peer of o->kind with w* (> 0); *target_load gets the per-pod
 * target it is driven with (keda: the threshold, which it uses itself).
 * SP_EUSAGE for a kind that is not a peer, a missing keda threshold or a
 * bad option; SP_ENOMEM. */
int sp_policy_peer_new(const sp_policy_opts *o, double wstar, sp_peer *out, double *target_load,
    sp_error *err);

/* One decision of an offline plan (`plan --policy kpa ...`): the peer first
 * observes the previous row's load over (prev_t, t] (skipped when prev_t
 * is NaN; the first call should pass prev_t NaN and starts the peer's
 * clock at t), then decides at t with the count set now and the ready
 * pods.  *reason: the peer's reason, valid until its next decision. */
int sp_policy_peer_row(sp_peer *p, double t, double prev_t, double prev_load, int current, int ready,
    double target_load, int *replicas, const char **reason, sp_error *err);

#endif
