/* sp_peer: one shape for the peer autoscalers, so that a simulator can hold
 * any of them behind one pointer and drive them the same way every tick.
 *
 * The peers (each a module of its own, with its own options and tests):
 *   sp_crane    Crane's EffectiveHPA: the DSP predictor fed to an HPA
 *   sp_kpa      Knative's Pod Autoscaler (KPA): stable and panic windows
 *   sp_ahpa     an AHPA-style robust seasonal forecast + reactive floor
 *   sp_awspred  AWS predictive scaling + target tracking
 *   sp_keda     KEDA's ScaledObject on a Prometheus trigger (an HPA on an
 *               External metric, with the operator's activation)
 *
 * sp_policy builds them by policy name and knob; sp_simrun drives them in
 * the simulator, sp_policy_peer_row in plan.
 *
 * The driving loop, at every tick t (seconds, not decreasing):
 *
 *     sp_peer_observe(&p, t, load, &err);   the metric as the peer sees it:
 *                                           the workload's load (requests/s,
 *                                           whole workload) over the time
 *                                           since the previous observation
 *     sp_peer_decide(&p, t, current, ready, wstar, &replicas, &err);
 *
 * current is the replica count now set (spec.replicas), ready the pods that
 * are ready and serve, wstar the load one pod carries at the peer's target
 * (the caller derives it from its performance model and the peer's target
 * utilisation), replicas what the peer sets for the next tick.  A load of
 * NaN is a missing observation (a gap); observe never fails on it.  Each
 * peer decides at the caller's tick, whatever its own controller's period
 * would be (15 s for the HPA, 2 s for Knative's decider): the modules say
 * in their headers what that changes.
 *
 * sp_peer_reason() is a short token for the last decision (e.g. "forecast",
 * "reactive", "panic") for explanations; it stays valid until the next
 * decide.
 *
 * Ownership: the sp_peer owns self; sp_peer_free() frees it and clears the
 * handle (a cleared or zeroed handle may be freed again).  Each module
 * gives its handle with sp_<name>_peer(); the ops tables are static and
 * const.  Nothing here prints or exits; errors are sp_error values as in
 * the rest of lib/.
 */
#ifndef SP_PEER_H
#define SP_PEER_H

#include <stddef.h>

#include "sp_err.h"

typedef struct sp_peer_ops {
	const char *name;       /* "crane", "kpa", "ahpa", "awspred", "keda" */
	int (*observe)(void *self, double t, double load, sp_error *err);
	int (*decide)(void *self, double t, int current, int ready, double wstar,
	    int *replicas, sp_error *err);
	const char *(*reason)(const void *self);
	void (*free)(void *self);
} sp_peer_ops;

typedef struct sp_peer {
	const sp_peer_ops *ops;
	void *self;
} sp_peer;

static inline const char *
sp_peer_name(const sp_peer *p)
{
	return p && p->ops ? p->ops->name : "";
}

static inline int
sp_peer_observe(sp_peer *p, double t, double load, sp_error *err)
{
	return p->ops->observe(p->self, t, load, err);
}

static inline int
sp_peer_decide(sp_peer *p, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	return p->ops->decide(p->self, t, current, ready, wstar, replicas, err);
}

static inline const char *
sp_peer_reason(const sp_peer *p)
{
	return p->ops->reason(p->self);
}

static inline void
sp_peer_free(sp_peer *p)
{
	if (p && p->ops && p->self)
		p->ops->free(p->self);
	if (p)
		p->self = NULL;
}

#endif
