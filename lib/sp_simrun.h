/* sp_simrun: a policy on a simulated cluster over a load trace, tick by
 * tick (scalepipe-simulate(7)): the engine of `simulate`.
 *
 * The caller pushes the trace rows in time order; row s starts step s,
 * [t_s, t_{s+1}), which is simulated when row s+1 (or the end) gives its
 * length.  A step is cut into ticks of `tick` seconds (the last one
 * shorter when the step is not a multiple); tick 0 makes the whole step
 * one tick (the step-level model).  The load within a step is the row's
 * (hold) or moves linearly from the row's value at t_s to the next row's
 * at t_{s+1}, read at each tick's middle (linear; the last step holds).
 *
 * Who decides, and when (each decision is an sp_sim_scale at the tick's
 * start; new pods are ready --startup seconds later):
 *  - replay: the row's replicas, at the step's start;
 *  - an sp_plan (hpa, threshold, forecast, burst): at every tick, or with
 *    `interval` > 0 at the first tick and then at the first tick at least
 *    `interval` seconds after its last decision (the others keep the count:
 *    a cron job's cadence; the caller sets it for the policies a cron job
 *    runs).  With
 *    ticks it sees what a controller sees at that moment: the load, CPU
 *    and latency averaged over the last metric `window` (60 s: what
 *    metrics-server reports), the pods set now, and for the HPA's CPU
 *    metric the ready pods split as replica_calculator.go groupPods does
 *    (sp_sim_pods: a pod started less than `cpu_init` (300 s) ago counts
 *    once it has been ready for a whole metric window; starting pods are
 *    unready).  The forecast of a row is used from the step's start; the
 *    later ticks of the step pass it again as a tick (sp_plan_in.tick), so
 *    the reactive part of forecast and burst acts every tick while the
 *    prediction changes only when a row arrives.  With tick 0 it sees the
 *    previous step (its load, CPU, latency and the pods ready and starting
 *    at its start), as the step-level model always had it.
 *  - an sp_peer: observes the load of every tick at the tick's end, and
 *    decides at every tick's start with the pods set and ready then.
 *  - publish (sp_simrun_use_publish): the planner decides at its interval
 *    as above but on its own count (sp_plan_in.current -1: its last
 *    output, as plan --state in scalepipe-tick's SCALE_MODE=publish), and
 *    its count is published, not set; an HPA planner with opts.external
 *    decides at every tick, as an sp_plan alone would, with the last
 *    published count as its External metric (NaN before the first).  Its
 *    count is set.  The reason is the HPA's.
 * The first decision starts the cluster (its pods all ready).
 *
 * With opts.limits, each count an sp_plan sets goes through what scale does
 * with it in scalepipe-tick (sp_behavior): recorded as a recommendation
 * (a decision always, a check only when it wants more pods than there are,
 * as the tick calls scale only then), then limited from the count there
 * is: the scale-down stabilisation over behavior.down_window and the rates
 * per run.  The first decision, which starts the cluster, is recorded and
 * not limited.
 *
 * Ownership: the runner borrows the simulator, the planner and the peer;
 * sp_simrun_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_SIMRUN_H
#define SP_SIMRUN_H

#include "sp_behavior.h"
#include "sp_err.h"
#include "sp_peer.h"
#include "sp_plan.h"
#include "sp_sim.h"

enum { SP_SIMRUN_HOLD, SP_SIMRUN_LINEAR };

typedef struct {
	double tick;            /* s per tick; 0 = one tick per step [15] */
	int interp;             /* SP_SIMRUN_HOLD [default] or SP_SIMRUN_LINEAR */
	double window;          /* metric window, s [60]; > 0 */
	double cpu_init;        /* HPA CPU initialisation period, s [300] */
	double step;            /* s per row; 0 = from the timestamps [0] */
	double interval;        /* s between an sp_plan's decisions; 0 = every tick [0] */
	double react;           /* between them, every `react` s the reactive rule
	                         * alone, up only (sp_plan_in.react); 0 = never [0] */
	int limits;             /* an sp_plan setting the count (not publish mode):
	                         * scale's limits per run on its counts, `behavior`
	                         * [0: none] */
	sp_behavior_opts behavior;  /* with limits [sp_behavior_defaults: scale's] */
} sp_simrun_opts;

void sp_simrun_defaults(sp_simrun_opts *o);

/* One trace row. */
typedef struct {
	double t, load;         /* start of the step, its load (>= 0) */
	int replicas;           /* replay: the count for the step */
	double demand, lower, upper, origin; /* forecast and band; NaN missing */
	double next;            /* the next step's demand as known at this row; NaN missing */
	double hold;            /* the demand a scale-down keeps (demand_hold); NaN missing */
	int burst;
} sp_simrun_in;

/* One simulated step. */
typedef struct {
	double t, load;         /* the row's */
	int burst;
	sp_sim_row row;         /* the step (sp_sim_end_step) */
	const char *reason;     /* the decision's reason (the last that changed
	                         * the count in the step, else the first); NULL
	                         * for replay; valid until the next push */
} sp_simrun_out;

typedef struct sp_simrun sp_simrun;

/* SP_EUSAGE for a bad tick or window. */
sp_simrun *sp_simrun_new(const sp_simrun_opts *o, sp_sim *sim, sp_error *err);
void sp_simrun_free(sp_simrun *r);

/* The decider: a planner, or a peer with its per-pod target and the count
 * it starts from; neither is replay. */
void sp_simrun_use_plan(sp_simrun *r, sp_plan *plan);
void sp_simrun_use_peer(sp_simrun *r, sp_peer *peer, double target_load, int initial);
/* Publish mode: plan publishes, hpa (policy hpa, opts.external) sets. */
void sp_simrun_use_publish(sp_simrun *r, sp_plan *plan, sp_plan *hpa);

/* Push row s: returns 1 with *out the step s - 1 when there was one, 0
 * for the first row, < 0 on errors (SP_EDATA: time not increasing, bad
 * load or count). */
int sp_simrun_push(sp_simrun *r, const sp_simrun_in *in, sp_simrun_out *out, sp_error *err);
/* The last step (its length: --step, else the previous step's, else 60 s):
 * 1 with *out, 0 when no row was pushed. */
int sp_simrun_finish(sp_simrun *r, sp_simrun_out *out, sp_error *err);

#endif
