/* sp_rlenv: BAScaler's reinforcement-learning environment (see
 * scalepipe-ppo(7)).
 *
 * The pieces, usable on their own:
 *   - the reward (CPU term, latency term, alpha mix; the -3 for
 *     an action clamped to the instance bounds is added by the caller);
 *   - the 32-feature state: CPU, latency, replicas, the latency
 *     warning at the one-step forecast, the last 24 loads, 4 calendar
 *     features of the step (UTC);
 *   - the 6 * action_max + 3 = 63 actions: relative (N + d),
 *     anchored on the one-step forecast (ceil(F / w*) + d) and on the upper
 *     band (ceil(U / w*) + d), d in [-action_max, action_max];
 * and an episodic environment over a trace through sp_sim, the same
 * simulator `simulate` runs: episodes are the non-burst segments of a span
 * of the trace; reset() starts a segment with N = ceil(W / w*) and
 * simulates its first step; step() applies an action to the next step's
 * replicas, simulates it and returns the reward; the episode ends before a
 * burst step or at the end of the span.  A training environment cycles
 * through its segments; an evaluation one makes one pass (rewind restarts).
 *
 * Deviations from the reference, documented in rltrain(1): the load scale
 * of the state is 8 x the mean training load (the reference scales traces
 * to mean 500 and divides by 4000); a missing forecast or band anchors on
 * the current count; latency and CPU come from sp_sim (start-up delay and
 * queueing) rather than from profiling samples.
 *
 * Ownership: sp_rlenv borrows perf and the trace arrays (they must outlive
 * it); sp_rlenv_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_RLENV_H
#define SP_RLENV_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_model.h"
#include "sp_perf.h"
#include "sp_ppo.h"
#include "sp_sim.h"

#define SP_RLENV_HIST 24
#define SP_RLENV_STATE (4 + SP_RLENV_HIST + 4)

typedef struct {
	double slo;          /* ms [16] */
	double alpha;        /* weight of the latency term [0.1] */
	double cpu_target;   /* theta_u, % [90] */
	double penalty;      /* P, penalty ratio [8] */
	double illegal;      /* reward added when an action is clamped [-3] */
	int action_max;      /* d in [-action_max, action_max] [10] */
	int min, max;        /* instance bounds [1, 100] */
	double max_latency;  /* latency scale of the state, ms [50] */
	double load_scale;   /* loads in the state are divided by this (> 0) */
	double wstar;        /* load per replica for anchored actions (> 0) */
} sp_rlenv_opts;

/* Defaults above; load_scale and wstar 0 (the caller must set them). */
void sp_rlenv_defaults(sp_rlenv_opts *o);
/* 0, or SP_EUSAGE naming the bad option. */
int sp_rlenv_check(const sp_rlenv_opts *o, sp_error *err);
int sp_rlenv_nact(const sp_rlenv_opts *o);

/* The reward at CPU % and latency ms (no illegal-action term). */
double sp_rlenv_reward(const sp_rlenv_opts *o, double cpu, double latency);

/* The latency-warning feature for predicted latency rt_hat: 1 when
 * rt_hat >= 2 slo, else clip(-2 ln(2 - rt_hat / slo), -1, 1). */
double sp_rlenv_warning(double rt_hat, double slo);

/* What the state is made of. */
typedef struct {
	double cpu, latency;  /* measured in the current step */
	int replicas;         /* current count */
	double rt_hat;        /* model latency at forecast(next) / replicas */
	const double *hist;   /* the last SP_RLENV_HIST loads, oldest first (NaN: 0) */
	double t;             /* the current step's start, Unix seconds */
} sp_rlenv_obs;

/* Encode obs into state[SP_RLENV_STATE]. */
void sp_rlenv_encode(const sp_rlenv_opts *o, const sp_rlenv_obs *obs, double *state);

/* Replicas after action a from current count cur with the next step's
 * one-step forecast and upper band (NaN: anchor on cur).  Clamped to
 * [min, max]; returns 1 when it had to clamp (the illegal penalty
 * applies), 0 otherwise, -1 for an action out of range. */
int sp_rlenv_apply(const sp_rlenv_opts *o, int a, int cur, double forecast, double upper,
    int *replicas);

/* ---- the episodic environment over a trace ---- */

typedef struct {
	size_t n;
	const double *t;        /* step starts, increasing */
	const double *load;     /* actual load per step (finite, >= 0) */
	const double *forecast; /* one-step forecast for the step, made before it (NaN ok) */
	const double *upper;    /* its upper band (NaN ok) */
	const unsigned char *burst;
} sp_rlenv_trace;

typedef struct sp_rlenv sp_rlenv;

/* An environment over steps [from, to) of tr.  cyclic: training (reset
 * cycles through the segments) or evaluation (one pass).  Segments shorter
 * than 2 steps are skipped.  SP_EDATA when the span has no segment. */
sp_rlenv *sp_rlenv_new(const sp_rlenv_opts *o, const sp_sim_opts *so, const sp_perf *perf,
    const sp_rlenv_trace *tr, size_t from, size_t to, int cyclic, sp_error *err);
void sp_rlenv_free(sp_rlenv *e);
/* Number of segments and of non-burst steps in them. */
size_t sp_rlenv_segments(const sp_rlenv *e);
size_t sp_rlenv_steps(const sp_rlenv *e);
/* The sp_ppo_env callbacks for this environment (pass e as their env). */
void sp_rlenv_ppo_env(const sp_rlenv *e, sp_ppo_env *out);

/* ---- the policy file (sp_model kind "ppo", version 1) ---- */

/* Write the environment options, the command line (may be NULL) and the
 * actor of p to path (temp + rename). */
int sp_rlenv_policy_save(const char *path, const sp_rlenv_opts *o, sp_ppo_policy *p,
    const char *command, sp_error *err);
/* Load a policy file: options into *o, the actor returned.  SP_EMODEL
 * with file:line for a malformed file or one for another state size or
 * action count. */
sp_ppo_policy *sp_rlenv_policy_load(const char *path, sp_rlenv_opts *o, sp_error *err);

/* ---- online decisions (plan --policy ppo|bascaler) ---- */

typedef struct sp_rlenv_agent sp_rlenv_agent;

/* An agent applying policy p (borrowed) with the options of its file and
 * the performance model perf (borrowed, for the latency warning). */
sp_rlenv_agent *sp_rlenv_agent_new(const sp_rlenv_opts *o, sp_ppo_policy *p,
    const sp_perf *perf, sp_error *err);
void sp_rlenv_agent_free(sp_rlenv_agent *g);
/* Record the load of a step (in time order; NaN: missing, stored as 0)
 * into the agent's history. */
void sp_rlenv_agent_observe(sp_rlenv_agent *g, double load);
/* Decide the replicas for the next step: cur is the current count, cpu
 * and latency measured in the current step (NaN: from the model at the
 * last observed load / cur), t the current step's start, forecast and
 * upper the next step's.  *action (may be NULL) gets the action id. */
int sp_rlenv_agent_decide(sp_rlenv_agent *g, double t, int cur, double cpu, double latency,
    double forecast, double upper, int *action);

#endif
