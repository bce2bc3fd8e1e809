/* sp_sim: a trace-driven cluster of identical replicas, one step at a time.
 *
 * Each step has a load (requests/s over the step) and a requested replica
 * count, decided at the end of the previous step.  New pods become ready
 * `startup` seconds after that decision; removals take effect at once
 * (starting pods go first).  The ready pods share the load evenly; latency
 * and CPU come from the performance model at that per-replica load, with
 * its saturation beyond the curve; when the load exceeds the ready pods'
 * capacity (the curve's last load) the excess requests queue, and the
 * backlog adds its drain time to the latency of the following steps until
 * it is served (unless queueing is off); requests that would wait longer
 * than queue_timeout are dropped (clients give up), which bounds it.  With no ready pod the step is a
 * violation with the latency of a pod at capacity plus the whole step
 * (the requests wait it out).
 *
 * Metrics per step and in total (scalepipe-simulate(7)), over all, burst and
 * non-burst steps: SLO violations (latency > SLO) and their magnitude,
 * cost (replica-seconds of every running pod, ready or starting),
 * over/under-provisioning against the ideal ceil(load / w*), churn,
 * scaling actions, latency mean / p95 / sd, mean CPU.
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
	int queue;          /* carry the backlog between steps [1] */
	double queue_timeout; /* s: the backlog never exceeds what the ready pods
	                       * serve in this time; the rest is dropped [10] */
} sp_sim_opts;

typedef struct {
	int replicas;       /* pods running (ready + starting) */
	int ready, starting;
	double per_replica; /* load per ready pod */
	double latency;     /* ms */
	double cpu;         /* % of the ready pods (NaN without a CPU curve) */
	int violation;      /* latency > SLO */
	double magnitude;   /* max(0, latency - SLO) */
	double cost;        /* replica-seconds in the step */
	int ideal;          /* ceil(load / w*) */
	double backlog;     /* requests waiting at the end of the step */
} sp_sim_row;

enum { SP_SIM_ALL, SP_SIM_BURST, SP_SIM_NONBURST, SP_SIM_NSPLIT };

typedef struct {
	long steps, violations, scaling_actions;
	double violation_ms, cost, replica_steps, over, under, churn;
	double mean_latency, p95_latency, sd_latency, max_latency, mean_cpu;
} sp_sim_summary;

typedef struct sp_sim sp_sim;

void sp_sim_defaults(sp_sim_opts *o);
sp_sim *sp_sim_new(const sp_sim_opts *o, const sp_perf *perf, sp_error *err);
void sp_sim_free(sp_sim *s);

/* One step of length dt seconds starting at t: load (>= 0) and the
 * replicas requested for it (decided at t - dt).  The first step starts
 * with the requested pods all ready.  Returns 0 or SP_ENOMEM / SP_EDATA. */
int sp_sim_step(sp_sim *s, double t, double dt, double load, int requested, int burst,
    sp_sim_row *row, sp_error *err);

/* Totals so far for one split (SP_SIM_*). */
void sp_sim_summarise(const sp_sim *s, int split, sp_sim_summary *out);

#endif
