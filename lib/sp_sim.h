/* sp_sim: a trace-driven cluster of identical replicas, tick by tick.
 *
 * The caller sets the replica count when a policy decides
 * (sp_sim_scale(t, n)): new pods become ready `startup` seconds after that
 * decision; removals take effect at once (the pods that became or become
 * ready last go first, so starting pods go before ready ones).  Between
 * decisions it runs ticks (sp_sim_tick(t, dt, load)): the pods ready at the
 * tick's start share the load evenly; latency and CPU come from the
 * performance model at that per-replica load, with its saturation beyond
 * the curve; when the load exceeds the ready pods' capacity (the curve's
 * last load) the excess requests queue, and the backlog adds its drain
 * time to the latency of the following ticks until it is served (unless
 * queueing is off); requests that would wait longer than queue_timeout
 * are dropped (clients give up), which bounds it.  With no ready pod the
 * tick is a violation with the latency of a pod at capacity plus the whole
 * tick (the requests wait it out).  sp_sim_end_step() closes a trace step
 * (one or more ticks) and books it in the totals.
 *
 * Metrics per step and in total (scalepipe-simulate(7)), over all, burst and
 * non-burst steps: SLO violations (latency > SLO), as the fraction of the
 * step's time in violation (1 for a whole step; the total is therefore in
 * step-equivalents, and equals the count of violating steps with one tick
 * per step), and their magnitude; cost (replica-seconds of every running
 * pod, ready or starting); over/under-provisioning against the ideal
 * ceil(load / w*) (time-weighted within the step); churn (the sum of
 * |change| of the count, per step), scaling actions (steps with a change),
 * replica changes (decisions that changed the count) and pods started;
 * latency mean / p95 / p99 / sd / max over the ticks; mean CPU.
 *
 * sp_sim_step() is the older step-level call (scale, one tick, end step in
 * one) with the older timing: the count requested for a step counts as
 * decided at t - dt, so new pods are ready at t - dt + startup (with a
 * start-up no longer than the step they are ready for the whole step).
 * sp_rlenv trains on that model; simulate uses the calls above.
 *
 * Ownership: sp_sim_free(NULL) is fine; the simulator borrows perf.
 * Nothing here prints or exits.
 */
#ifndef SP_SIM_H
#define SP_SIM_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_perf.h"

typedef struct {
	double startup;     /* seconds from the decision to ready [60] */
	double slo;         /* ms [16] */
	double wstar;       /* ideal load per replica (> 0) */
	int queue;          /* carry the backlog between ticks [1] */
	double queue_timeout; /* s: the backlog never exceeds what the ready pods
	                       * serve in this time; the rest is dropped [10] */
} sp_sim_opts;

typedef struct {
	int replicas;       /* pods running (ready + starting); a step: at its end */
	int ready, starting;
	double per_replica; /* load per ready pod */
	double latency;     /* ms; a step: the time-weighted mean of its ticks */
	double cpu;         /* % of the ready pods (NaN without a CPU curve) */
	double violation;   /* a tick: 0 or 1; a step: the fraction of its time */
	double magnitude;   /* max(0, latency - SLO); a step: time-weighted */
	double cost;        /* replica-seconds */
	int ideal;          /* ceil(load / w*) */
	double backlog;     /* requests waiting at the end */
	int changes;        /* a step: decisions in it that changed the count */
	int started;        /* a step: pods started in it */
} sp_sim_row;

/* The largest replica count the simulator takes, and the most a load may
 * need (ceil(load / w*)): beyond it a tick or scale is SP_EDATA. */
enum { SP_SIM_MAX_REPLICAS = 10000000 };

enum { SP_SIM_ALL, SP_SIM_BURST, SP_SIM_NONBURST, SP_SIM_NSPLIT };

typedef struct {
	long steps, scaling_actions, replica_changes, pods_started;
	double violations;  /* step-equivalents of time in violation */
	double violation_ms, cost, replica_steps, over, under, churn;
	double mean_latency, p95_latency, p99_latency, sd_latency, max_latency, mean_cpu;
} sp_sim_summary;

typedef struct sp_sim sp_sim;

void sp_sim_defaults(sp_sim_opts *o);
sp_sim *sp_sim_new(const sp_sim_opts *o, const sp_perf *perf, sp_error *err);
void sp_sim_free(sp_sim *s);

/* A decision at time t: run `requested` pods from now on.  The first call
 * starts the cluster with that many pods, all ready, and is no change.
 * Returns 0, SP_EDATA (negative or absurd count) or SP_ENOMEM. */
int sp_sim_scale(sp_sim *s, double t, int requested, sp_error *err);

/* One tick [t, t + dt) at load (>= 0, requests/s); *row (may be NULL) gets
 * the tick.  Returns 0 or SP_EDATA (also for a load that needs more than
 * SP_SIM_MAX_REPLICAS pods) / SP_ENOMEM. */
int sp_sim_tick(sp_sim *s, double t, double dt, double load, sp_sim_row *row, sp_error *err);

/* Close the trace step made of the ticks since the last close: *row gets
 * the step (see sp_sim_row), ideal from the step's mean load; the step is
 * booked under the burst or non-burst split.  SP_EDATA when no tick ran. */
int sp_sim_end_step(sp_sim *s, int burst, sp_sim_row *row, sp_error *err);

/* The pods at time t: *ready those ready; *counted (may be NULL) those the
 * HPA takes the CPU metric of (replica_calculator.go groupPods): ready
 * and either started at least cpu_init seconds ago or ready for a whole
 * metric window (t >= ready + window); the pods of the start count. */
void sp_sim_pods(const sp_sim *s, double t, double window, double cpu_init, int *ready, int *counted);
/* The count now set (0 before the first sp_sim_scale). */
int sp_sim_replicas(const sp_sim *s);

/* The older step-level call (see above): scale at t - dt, one tick, end. */
int sp_sim_step(sp_sim *s, double t, double dt, double load, int requested, int burst,
    sp_sim_row *row, sp_error *err);

/* Totals so far for one split (SP_SIM_*). */
void sp_sim_summarise(const sp_sim *s, int split, sp_sim_summary *out);
/* Totals over n simulators (the keys of `simulate --by`), as if their
 * steps were one simulator's: counts, violations, violation_ms, cost,
 * replica_steps, over, under are sums; churn is the sum of |change| over
 * all steps divided by all steps; the latency statistics (mean, sd, p95,
 * p99, max) are over the ticks of all simulators, mean_cpu over their CPU
 * samples.  With n = 1 the same as sp_sim_summarise.  0, or SP_ENOMEM. */
int sp_sim_summarise_total(const sp_sim *const *sims, size_t n, int split, sp_sim_summary *out,
    sp_error *err);

#endif
