/* sp_simrun: a policy on the simulated cluster, tick by tick; see sp_simrun.h. */
#include "sp_simrun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* one tick as the metrics pipeline remembers it */
typedef struct {
	double t, dt, load, cpu, lat;
} rec;

struct sp_simrun {
	sp_simrun_opts o;
	sp_sim *sim;
	sp_plan *plan;
	sp_plan *front;         /* publish mode: the HPA that sets the count */
	int published;          /* publish mode: the plan's last count; -1 none yet */
	sp_peer *peer;
	double target_load;
	int initial;
	int have_row, peer_started, decided;
	double last_decision;   /* an sp_plan's last decision (interval > 0) */
	double last_react;      /* its last check between decisions (react > 0) */
	int check_n;            /* the last check that scaled up: its count, */
	double check_load, check_at;  /* the load it met and when; 0: none */
	sp_behavior_hist hist;  /* limits: the recent recommendations */
	sp_simrun_in cur;
	double lastdt, dt;      /* the previous step's length, the current one's */
	/* tick 0: the previous step as the step-level model saw it */
	int last_valid;
	double last_load;
	sp_sim_row last;
	/* ticks: the last metric window of them */
	rec *ring;
	size_t cap, n, head;
	char first[48], change[48];
	int changed;
};

void
sp_simrun_defaults(sp_simrun_opts *o)
{
	o->tick = 15;
	o->interp = SP_SIMRUN_HOLD;
	o->window = 60;
	o->cpu_init = 300;
	o->step = 0;
	o->interval = 0;
	o->react = 0;
	o->limits = 0;
	sp_behavior_defaults(&o->behavior);
}

sp_simrun *
sp_simrun_new(const sp_simrun_opts *o, sp_sim *sim, sp_error *err)
{
	sp_simrun *r;

	if (!(o->tick >= 0) || !isfinite(o->tick) || !(o->window > 0) || !(o->cpu_init >= 0) || !(o->step >= 0) ||
	    !(o->interval >= 0) || !isfinite(o->interval)) {
		sp_error_set(err, SP_EUSAGE, "simulation needs tick >= 0, metric window > 0, CPU initialisation >= 0, "
		    "decision interval >= 0");
		return NULL;
	}
	if (!(r = calloc(1, sizeof *r))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	r->o = *o;
	r->sim = sim;
	r->lastdt = 60;
	r->cap = (o->tick > 0 ? (size_t)ceil(o->window / o->tick) : 1) + 4;
	if (!(r->ring = calloc(r->cap, sizeof *r->ring))) {
		free(r);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	return r;
}

void
sp_simrun_free(sp_simrun *r)
{
	if (!r)
		return;
	free(r->ring);
	sp_behavior_hist_free(&r->hist);
	free(r);
}

void
sp_simrun_use_plan(sp_simrun *r, sp_plan *plan)
{
	r->plan = plan;
	r->front = NULL;
	r->peer = NULL;
}

void
sp_simrun_use_publish(sp_simrun *r, sp_plan *plan, sp_plan *hpa)
{
	r->plan = plan;
	r->front = hpa;
	r->published = -1;
	r->peer = NULL;
}

void
sp_simrun_use_peer(sp_simrun *r, sp_peer *peer, double target_load, int initial)
{
	r->peer = peer;
	r->plan = NULL;
	r->front = NULL;
	r->target_load = target_load;
	r->initial = initial;
}

static void
ring_add(sp_simrun *r, const rec *x)
{
	r->ring[(r->head + r->n) % r->cap] = *x;
	if (r->n < r->cap)
		r->n++;
	else
		r->head = (r->head + 1) % r->cap;
}

/* Time-weighted means over (t - window, t]: load, CPU (ticks with one),
 * latency.  0 when no tick overlaps. */
static int
window_means(const sp_simrun *r, double t, double *load, double *cpu, double *lat)
{
	size_t i;
	double lo = t - r->o.window, sl = 0, sc = 0, sa = 0, w = 0, wc = 0;

	for (i = 0; i < r->n; i++) {
		const rec *x = &r->ring[(r->head + i) % r->cap];
		double a = x->t > lo ? x->t : lo, b = x->t + x->dt < t ? x->t + x->dt : t;
		if (!(b > a))
			continue;
		sl += x->load * (b - a);
		sa += x->lat * (b - a);
		w += b - a;
		if (isfinite(x->cpu)) {
			sc += x->cpu * (b - a);
			wc += b - a;
		}
	}
	if (!(w > 0))
		return 0;
	*load = sl / w;
	*lat = sa / w;
	*cpu = wc > 0 ? sc / wc : NAN;
	return 1;
}

/* opts.limits: the count an sp_plan set, as scale sets it (see the header);
 * check: a check between decisions */
static int
limit(sp_simrun *r, double tau, int check, int *n, sp_error *err)
{
	int rc, cur = sp_sim_replicas(r->sim);

	if (!r->o.limits || (check && *n <= cur))
		return 0;
	if ((rc = sp_behavior_record(&r->hist, tau, *n, r->o.behavior.down_window, err)) < 0)
		return rc;
	if (r->decided)
		*n = (int)sp_behavior_limit(&r->o.behavior, &r->hist, tau, cur, *n, NULL);
	return 0;
}

static int
decide(sp_simrun *r, double tau, int k, int *n, const char **reason, sp_error *err)
{
	const sp_simrun_in *c = &r->cur;
	int rc;

	*reason = NULL;
	if (!r->plan && !r->peer) {
		*n = k == 0 ? c->replicas : sp_sim_replicas(r->sim);
		return 0;
	}
	if (r->plan) {
		sp_plan_in pin;
		int turn = !(r->o.interval > 0 && r->o.tick > 0 && r->decided &&
		    tau < r->last_decision + r->o.interval - 1e-6);
		int react = !turn && !r->front && r->o.react > 0 && tau >= r->last_react + r->o.react - 1e-6;
		if (!turn && !r->front && !react) {
			*n = sp_sim_replicas(r->sim);   /* not its turn: the count stands */
			return 0;
		}
		sp_plan_in_clear(&pin);
		pin.t = tau;
		pin.demand = c->demand;
		pin.lower = c->lower;
		pin.upper = c->upper;
		pin.origin = c->origin;
		pin.next_demand = c->next;
		pin.hold = c->hold;
		pin.next_t = c->t + r->dt;
		pin.burst = c->burst;
		pin.tick = k > 0;
		pin.react = react;
		if (r->last_valid)
			pin.row_load = r->last_load;   /* the step before's own load (the nowcast's fit) */
		if (r->o.tick == 0) {
			if (r->last_valid) {
				pin.prev_load = r->last_load;
				pin.prev_cpu = r->last.cpu;
				pin.prev_latency = r->last.latency;
				pin.prev_ready = r->last.ready;
				pin.prev_unready = r->last.starting;
				pin.current = r->last.replicas;
			}
		} else if (r->decided && window_means(r, tau, &pin.prev_load, &pin.prev_cpu, &pin.prev_latency)) {
			int ready, counted;
			sp_sim_pods(r->sim, tau, r->o.window, r->o.cpu_init, &ready, &counted);
			pin.current = sp_sim_replicas(r->sim);
			pin.prev_ready = counted;
			pin.prev_unready = pin.current - counted;
			if (k > 0)   /* within the step: the load so far (the nowcast) */
				pin.live = pin.prev_load, pin.live_frac = (tau - c->t) / r->dt;
		}
		if (react) {
			if (!isfinite(pin.prev_load)) {  /* nothing measured yet: keep */
				*n = sp_sim_replicas(r->sim);
				return 0;
			}
			r->last_react = tau;
			if ((rc = sp_plan_step(r->plan, &pin, n, reason, NULL, 0, err)) < 0)
				return rc;
			if ((rc = limit(r, tau, 1, n, err)) < 0)
				return rc;
			if (*n > sp_sim_replicas(r->sim))   /* the decisions' --check-hold */
				r->check_n = *n, r->check_load = pin.prev_load, r->check_at = tau;
			return 0;
		}
		if (r->check_n > 0)
			pin.check_n = r->check_n, pin.check_load = r->check_load, pin.check_at = r->check_at;
		if (!r->front) {
			r->last_decision = r->last_react = tau;
			if ((rc = sp_plan_step(r->plan, &pin, n, reason, NULL, 0, err)) < 0)
				return rc;
			return limit(r, tau, 0, n, err);
		}
		if (turn) {  /* publish: the planner on its own count, from the load alone */
			sp_plan_in own = pin;
			const char *why;
			own.current = own.prev_ready = own.prev_unready = -1;
			own.prev_cpu = own.prev_latency = NAN;
			if ((rc = sp_plan_step(r->plan, &own, &r->published, &why, NULL, 0, err)) < 0)
				return rc;
			r->last_decision = tau;
		}
		pin.external = r->published >= 0 ? r->published : NAN;
		return sp_plan_step(r->front, &pin, n, reason, NULL, 0, err);
	}
	{
		int ready, cur;
		if (!r->peer_started) {
			if ((rc = sp_peer_observe(r->peer, tau, NAN, err)) < 0)
				return rc;
			r->peer_started = 1;
		}
		if (r->decided) {
			sp_sim_pods(r->sim, tau, 0, 0, &ready, NULL);
			cur = sp_sim_replicas(r->sim);
		} else {
			ready = cur = r->initial;
		}
		if ((rc = sp_peer_decide(r->peer, tau, cur, ready, r->target_load, n, err)) < 0)
			return rc;
		*reason = sp_peer_reason(r->peer);
		return 0;
	}
}

/* --interp linear: the load at time m of the current step.  A row's value is
 * the mean of its step (window --resample stamps a bin with its start), so
 * the load moves linearly between the middles of the rows: from the previous
 * row's middle to this row's in the first half of the step, then on to the
 * next row's.  Held where there is no row before or after.  A straight ramp
 * keeps each row's mean; a line through the rows' starts would shift the
 * load half a step early. */
static double
ramp(const sp_simrun *r, double dt, double next_load, double m)
{
	double mid = r->cur.t + dt / 2, l = r->cur.load;

	if (m < mid) {
		double a = r->cur.t - r->lastdt / 2;   /* the previous row's middle */
		if (r->last_valid && mid > a)
			l = r->last_load + (l - r->last_load) * (m - a) / (mid - a);
	} else if (isfinite(next_load))
		l += (next_load - l) * (m - mid) / dt;   /* the next row's middle, dt on */
	return l;
}

static int
run_step(sp_simrun *r, double dt, double next_load, sp_simrun_out *out, sp_error *err)
{
	const sp_simrun_in *c = &r->cur;
	double tick = r->o.tick;
	int nt = tick > 0 ? (int)ceil(dt / tick - 1e-9) : 1, k, rc;
	sp_sim_row trow;

	if (nt < 1)
		nt = 1;
	r->dt = dt;
	r->changed = 0;
	r->first[0] = 0;
	for (k = 0; k < nt; k++) {
		double tau = tick > 0 ? c->t + k * tick : c->t;
		double h = tick > 0 ? (c->t + dt - tau < tick ? c->t + dt - tau : tick) : dt, load = c->load;
		int n, before = sp_sim_replicas(r->sim);
		const char *reason;
		rec x;

		if ((rc = decide(r, tau, k, &n, &reason, err)) < 0)
			return rc;
		if ((rc = sp_sim_scale(r->sim, tau, n, err)) < 0)
			return rc;
		if (reason) {
			if (k == 0)
				snprintf(r->first, sizeof r->first, "%s", reason);
			if (r->decided && n != before) {
				snprintf(r->change, sizeof r->change, "%s", reason);
				r->changed = 1;
			}
		}
		r->decided = 1;
		if (r->o.interp == SP_SIMRUN_LINEAR)
			load = ramp(r, dt, next_load, tau + h / 2);
		if ((rc = sp_sim_tick(r->sim, tau, h, load, &trow, err)) < 0)
			return rc;
		x = (rec){ tau, h, load, trow.cpu, trow.latency };
		ring_add(r, &x);
		if (r->peer && (rc = sp_peer_observe(r->peer, tau + h, load, err)) < 0)
			return rc;
	}
	if ((rc = sp_sim_end_step(r->sim, c->burst, &out->row, err)) < 0)
		return rc;
	out->t = c->t;
	out->load = c->load;
	out->burst = c->burst;
	out->reason = !r->plan && !r->peer ? NULL : r->changed ? r->change : r->first;
	r->last = out->row;
	r->last_load = c->load;
	r->last_valid = 1;
	return 0;
}

int
sp_simrun_push(sp_simrun *r, const sp_simrun_in *in, sp_simrun_out *out, sp_error *err)
{
	int rc = 0;

	if (!(in->load >= 0) || !isfinite(in->load))
		return sp_error_set(err, SP_EDATA, "load must be a number >= 0");
	if (r->have_row) {
		double dt = r->o.step > 0 ? r->o.step : in->t - r->cur.t;
		if (!(dt > 0))
			return sp_error_set(err, SP_EDATA, "timestamps must increase (%.17g after %.17g)", in->t, r->cur.t);
		if ((rc = run_step(r, dt, in->load, out, err)) < 0)
			return rc;
		r->lastdt = dt;
		rc = 1;
	}
	r->cur = *in;
	r->have_row = 1;
	return rc;
}

int
sp_simrun_finish(sp_simrun *r, sp_simrun_out *out, sp_error *err)
{
	int rc;

	if (!r->have_row)
		return 0;
	r->have_row = 0;
	if ((rc = run_step(r, r->o.step > 0 ? r->o.step : r->lastdt, NAN, out, err)) < 0)
		return rc;
	return 1;
}
