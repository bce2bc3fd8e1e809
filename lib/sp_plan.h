/* sp_plan: from demand, measurements and a performance model to replicas.
 *
 * One planner per target; sp_plan_step() is called once per step, in time
 * order, and returns the replicas to run during that step.  Causality: a
 * step's decision uses the measurements of earlier steps only (the caller
 * passes the previous step's load, CPU and latency) and the forecast made
 * for this step before it began.  `plan` (offline, on a trace) and
 * `simulate` (closed loop, with the measurements it simulates) drive the
 * same code.
 *
 * Policies:
 *   forecast, burst  N = ceil(demand * (1 + overprov) / w*); burst uses the
 *                    burst demand; within lead_time of the next step, the
 *                    demand is the larger of this step's and the next's;
 *                    with scale-in off (default) the final
 *                    count is max(predictive, reactive); falls back to the
 *                    reactive rule when the demand is missing, stale or the
 *                    forecast has been poor lately (rolling coverage of the
 *                    band or mean absolute percentage error);
 *   hpa              the Kubernetes HPA (sp_hpa) on CPU utilisation (or
 *                    the load as a Pods/External metric);
 *   threshold        BAScaler's reactive baseline (scalepipe-plan(7)): +1
 *                    when latency >= SLO, else -1 when CPU <= 50 %.
 * Then, for forecast and burst: ramp limits, scale-down stabilisation and
 * min/max.  The reactive rule is the HPA (default) or ceil(load / w*).
 * Last, whatever the policy: no scale-down below the current count while
 * the previous step was flagged anomalous (prev_anomaly; reason
 * anomaly-hold), since a crashing backend is no reason to shed pods.
 *
 * Ownership: sp_plan_free(NULL) is fine; the planner borrows perf (it must
 * outlive it).  Nothing here prints or exits.
 */
#ifndef SP_PLAN_H
#define SP_PLAN_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_hpa.h"
#include "sp_perf.h"

typedef enum { SP_PLAN_FORECAST, SP_PLAN_BURST, SP_PLAN_HPA, SP_PLAN_THRESHOLD } sp_plan_policy;
typedef enum { SP_PLAN_REACTIVE_HPA, SP_PLAN_REACTIVE_LOAD, SP_PLAN_REACTIVE_NONE } sp_plan_reactive;
/* what the HPA watches: CPU utilisation, an External averageValue or value
 * (the load), a Pods metric (averageValue per pod), an Object value or
 * averageValue (the load) */
typedef enum { SP_PLAN_METRIC_CPU, SP_PLAN_METRIC_AVERAGE, SP_PLAN_METRIC_VALUE, SP_PLAN_METRIC_PODS,
	SP_PLAN_METRIC_OBJECT, SP_PLAN_METRIC_OBJECT_AVERAGE } sp_plan_metric;

typedef struct {
	sp_plan_policy policy;
	int min, max;
	int initial;            /* replicas before the first step; 0 = from the first demand or load */
	double slo;             /* ms */
	double cpu_cap;         /* % for w* [90] */
	double wstar;           /* 0 = from perf, slo and cpu_cap */
	double overprov;        /* fraction >= 0 */
	int ramp_up, ramp_down; /* max change per step; 0 = unlimited */
	double stabilise;       /* seconds: scale-down uses the max recommendation in this window */
	int scale_in;           /* predictive count may go below the reactive one */
	sp_plan_reactive reactive;
	double stale;           /* seconds: a forecast made longer ago falls back; 0 = off */
	int quality_window;     /* steps of forecast history for the quality check; 0 = off */
	double min_coverage;    /* fraction of actuals inside [lower, upper] */
	double max_error;       /* mean absolute percentage error, fraction */
	double thr_low;         /* threshold policy: CPU % at or below which to remove one [50] */
	sp_plan_metric metric;  /* hpa: what the HPA watches */
	double target;          /* hpa: CPU % (utilisation) or load per replica / total load (milli not needed) */
	sp_hpa_config hpa;      /* hpa: controller configuration; min/max are copied from above */
	double tol_up, tol_down;
	double lead_time;       /* forecast, burst: from lead_time seconds before the
	                         * next step starts (next_t), plan for the larger of
	                         * this step's demand and the next's (next_demand), so
	                         * that pods started now are ready when it begins;
	                         * INFINITY: always; 0: never [0] */
	double margin;          /* forecast, burst: the load reactive rule plans for
	                         * load * (1 + margin) [0] */
	double hysteresis;      /* forecast, burst: scale down only when the count
	                         * falls by more than this fraction of the current
	                         * one (at least one pod) [0] */
	double deadband;        /* forecast, burst: a scale-up goes to the count for
	                         * load * (1 + margin + deadband), a scale-down no
	                         * lower than that [0] */
	int use_hold;           /* forecast, burst: a scale-down keeps the step's
	                         * hold demand (sp_plan_in.hold) [0] */
	int min_down;           /* forecast, burst: scale down only by this many
	                         * pods or more (0, 1: any) [0] */
	double react_margin;    /* forecast, burst, with the load reactive rule:
	                         * a check between decisions (sp_plan_in.react)
	                         * that finds the load above what the count serves
	                         * (the rule's count above it) plans for
	                         * load * (1 + margin + react_margin): a rise the
	                         * forecast missed, met with headroom for the rest
	                         * of it; not in the state (a check runs
	                         * without one, so it shapes nothing stored) [0] */
	int nowcast;            /* forecast, burst: a decision within a step that
	                         * knows the load measured in it so far
	                         * (sp_plan_in.live) plans for the next step's
	                         * demand moved by psi times that load's distance
	                         * from the middle of the step's band, psi fitted
	                         * on the steps before (least squares, per tenth
	                         * of the step, the past weighted 0.998 a step,
	                         * within 0..4, once 30 steps' weight are in;
	                         * a step's distances that hardly spread fit
	                         * nothing) [0] */
	double check_hold;      /* forecast, burst: a decision does not take
	                         * back a check's scale-up (sp_plan_in.check_n)
	                         * within this many seconds after the check
	                         * while the load is at or above the load the
	                         * check scaled for: it keeps min(check_n,
	                         * current); 0: off [0] */
	int external;           /* hpa: a second metric, External with target
	                         * averageValue 1 on sp_plan_in.external (a count
	                         * another planner published, as
	                         * deploy/hpa/hpa-external.yaml has it): the HPA
	                         * takes the larger proposal, with the
	                         * invalid-metric rule when one fails; not in the
	                         * state [0] */
} sp_plan_opts;

/* Defaults: forecast, min 1, max 100, SLO 16 ms, CPU cap 90, overprov 0,
 * no ramp, stabilisation 0, no scale-in, reactive hpa, no staleness,
 * quality window 0, coverage 0.5, error 0.5, threshold 50, hpa on CPU
 * utilisation with target 80 % and tolerance 0.1, legacy normalisation. */
void sp_plan_defaults(sp_plan_opts *o);

/* One step's input: what is known when the decision is made. */
typedef struct {
	double t;               /* start of the step being planned (s) */
	double at;              /* when the decision is made, for the --stabilise
	                         * window's recommendation (a row decided again
	                         * each minute between two rows); NaN: t */
	double prev_load;       /* load of the previous step; NaN unknown */
	double prev_cpu;        /* CPU % measured in the previous step; NaN: from the model */
	double prev_latency;    /* latency ms of the previous step; NaN: from the model */
	int prev_ready;         /* pods ready in the previous step; -1: all current */
	int prev_unready, prev_missing; /* pods unready / without a metric; -1 = 0 */
	int current;            /* replicas currently set; -1: the planner's last output */
	double demand;          /* forecast demand for this step; NaN missing */
	double lower, upper;    /* its band; NaN unknown */
	double origin;          /* when the forecast was made; NaN unknown */
	double next_demand;     /* the next step's demand as known now; NaN unknown */
	double next_t;          /* when the next step starts; NaN unknown */
	double hold;            /* the demand a scale-down keeps (the highest of the
	                         * next steps'); NaN: none */
	int burst;              /* the step is in a burst */
	int tick;               /* 1: a decision between forecast rows (simulate's
	                         * sub-step ticks): demand and band are the row's
	                         * again and the forecast quality is not scored
	                         * again; 0: a new row [0] */
	int prev_anomaly;       /* the previous step was flagged anomalous: hold scale-down */
	double live;            /* opts.nowcast: the load measured so far in the
	                         * step being planned (a decision within it);
	                         * NaN: none */
	double live_frac;       /* the fraction of the step gone when live was
	                         * measured, 0..1; NaN: none */
	double row_load;        /* the previous step's own load, for the
	                         * nowcast's fit; NaN: prev_load */
	int react;              /* forecast, burst: 1: a check between decisions, the
	                         * reactive rule alone on prev_load (or CPU), up
	                         * only: max(current, reactive), within --max; the
	                         * forecast, its quality and the scale-down rules
	                         * are not touched [0] */
	int check_n;            /* opts.check_hold: the count the last check
	                         * between decisions scaled up to; -1: none */
	double check_load;      /* the load that check scaled for; NaN: none */
	double check_at;        /* when it scaled; NaN: none */
	double external;        /* hpa with opts.external: the External metric's
	                         * value (the published count); NaN: the metric
	                         * is missing (it fails) */
	/* hpa: the pods as the controller lists them at this sync (plan
	 * --pods, sp_hpa_pods_at), used instead of the ready/unready/missing
	 * counts and (CPU, Pods metric) the CPU or load; NULL: none given */
	const sp_hpa_pod *pods;
	const unsigned char *pods_running_ready;
	size_t npods;
} sp_plan_in;

typedef struct sp_plan sp_plan;

/* Checks the options (min <= max, SLO the model can meet: SP_EDATA naming
 * the SLO) and computes w*. */
sp_plan *sp_plan_new(const sp_plan_opts *o, const sp_perf *perf, sp_error *err);
void sp_plan_free(sp_plan *p);
double sp_plan_wstar(const sp_plan *p);

/* *replicas for the step, *reason (forecast, burst, hpa-fallback, min, max,
 * ramp, stabilised, reactive, anomaly-hold, or an HPA condition reason), and when
 * explain is non-NULL a sentence saying why.  Returns 0 or < 0. */
int sp_plan_step(sp_plan *p, const sp_plan_in *in, int *replicas, const char **reason,
    char *explain, size_t explain_size, sp_error *err);

/* The HPA's replica calculation of the last step (its proposal, the
 * utilisation or average and the raw usage); 0, or -1 when the step had
 * no HPA proposal (no metric, or the calculator failed). */
int sp_plan_hpa_last(const sp_plan *p, sp_hpa_result *r);

/* Initialise an sp_plan_in to "nothing known". */
void sp_plan_in_clear(sp_plan_in *in);

/* What a run over per-step rows carries from one row to the next besides
 * the planner: the row's time and measurements (the next decision's
 * prev_*), and the count decided for it. */
typedef struct {
	double t;               /* the row's time; NaN before the first */
	double load, cpu, latency; /* NaN unknown */
	int ready, unready, missing; /* -1 unknown */
	int anomaly;            /* 0/1 */
	int last;               /* the count decided; 0 before the first */
} sp_plan_carry;

/* Nothing carried (before the first row). */
void sp_plan_carry_init(sp_plan_carry *c);

/* ---- the state between runs (plan --state) ----
 *
 * What a run holds in memory between rows, as sp_state lines: the options
 * that shape the decisions and w* (opt_*), the last count, the scale-down
 * stabilisation window's recommendations, the forecast-quality ring and
 * the previous forecast, the HPA's last calculation and its controller
 * (sp_hpa), the nowcast's fits and its last two steps' distances, and the
 * carry c.
 *
 * sp_plan_read_state: into p fresh from sp_plan_new (no step yet) and c;
 * SP_EMODEL "FILE:LINE: state written with KEY X, not Y" when an option or
 * w* differs, and the errors of sp_state's getters; p unusable on error
 * (free it, make a new one). */
struct sp_state_writer;
struct sp_state;
void sp_plan_write_state(const sp_plan *p, const sp_plan_carry *c, struct sp_state_writer *w);

/* The same lines in two parts around the stabilisation window's
 * recommendations and the nowcast's distances of the last step
 * (sp_plan_write_recs): head, those, tail make sp_plan_write_state's.  For
 * a state kept from an earlier moment (plan --state: before trailing rows
 * without a load) saved with the recommendations and distances of later
 * decisions (those rows'), which the window and the nowcast must remember:
 * the distances go to the step of their time when it is decided again. */
void sp_plan_write_state_parts(const sp_plan *p, const sp_plan_carry *c, struct sp_state_writer *head,
    struct sp_state_writer *tail);
void sp_plan_write_recs(const sp_plan *p, struct sp_state_writer *w);
int sp_plan_read_state(sp_plan *p, sp_plan_carry *c, struct sp_state *s, sp_error *err);

#endif
