/* test_plan: the planner's policies on a linear curve (latency = 10 +
 * w / 10 ms, CPU = w %; SLO 18 ms gives w* = 80). */
#include "check.h"
#include "sp_plan.h"

static sp_perf *perf;

static int
step(sp_plan *p, double t, double prev_load, double demand, const char **reason)
{
	sp_plan_in in;
	int n = -1;

	sp_plan_in_clear(&in);
	in.t = t;
	in.prev_load = prev_load;
	in.demand = demand;
	sp_plan_step(p, &in, &n, reason, NULL, 0, NULL);
	return n;
}

/* A step after a flagged (or not) step, with the current count given (-1: none). */
static int
step_anomaly(sp_plan *p, double t, double demand, int prev_anomaly, int current, const char **reason)
{
	sp_plan_in in;
	int n = -1;

	sp_plan_in_clear(&in);
	in.t = t;
	in.demand = demand;
	in.prev_anomaly = prev_anomaly;
	in.current = current;
	sp_plan_step(p, &in, &n, reason, NULL, 0, NULL);
	return n;
}

/* A step with the next step's demand and start (lead), the load and the
 * current count (-1: none). */
static int
step_lead(sp_plan *p, double t, double load, double demand, double next, double next_t, int current,
    const char **reason)
{
	sp_plan_in in;
	int n = -1;

	sp_plan_in_clear(&in);
	in.t = t;
	in.prev_load = load;
	in.demand = demand;
	in.next_demand = next;
	in.next_t = next_t;
	in.current = current;
	sp_plan_step(p, &in, &n, reason, NULL, 0, NULL);
	return n;
}

/* --nowcast: n steps of 300 s, each decided at its start (the step
 * before's load y) and within it at half the step, where the load so far
 * is e above the band's middle (400); the next step's load is 410 + k x e
 * (k the true psi), the demands 400.  Then one more step and a decision
 * within it at e = e_last: its count and reason. */
static int
nowcast_run(int n, double k, double e_last, const char **reason)
{
	sp_plan_opts o;
	sp_plan *p;
	sp_plan_in in;
	double y = 400, e = 0, e0 = 0;
	int s, c = -1;

	sp_plan_defaults(&o);
	o.slo = 18;
	o.reactive = SP_PLAN_REACTIVE_NONE;
	o.nowcast = 1;
	p = sp_plan_new(&o, perf, NULL);
	for (s = 0; s <= n; s++) {
		sp_plan_in_clear(&in);
		in.t = 300.0 * s;
		in.prev_load = in.row_load = y;
		in.demand = in.next_demand = 400;
		in.lower = 300;
		in.upper = 500;
		sp_plan_step(p, &in, &c, reason, NULL, 0, NULL);
		in.tick = 1;
		in.at = in.t + 150;
		in.current = c;
		/* -40 .. 40; for k 0, 30 and 30 + 1e-6 */
		e = s < n ? (k == 0 ? 30 + (s % 2) * 1e-6 : 20.0 * ((s * 7) % 5 - 2)) : e_last;
		in.live = 400 + e;
		in.live_frac = 0.5;
		sp_plan_step(p, &in, &c, reason, NULL, 0, NULL);
		y = k == 0 ? 410 + 1e6 * (e0 - 30) : 410 + k * e0;   /* this step's load: by the step before's e */
		e0 = e;
	}
	sp_plan_free(p);
	return c;
}

int
main(void)
{
	double w[] = { 0, 100 }, l[] = { 10, 20 }, c[] = { 0, 100 };
	sp_plan_opts o;
	sp_plan *p;
	sp_error err;
	const char *r;

	perf = sp_perf_from_arrays(w, l, c, 2, NULL);
	sp_plan_defaults(&o);
	CHECK(o.policy == SP_PLAN_FORECAST && o.min == 1 && o.max == 100 && o.slo == 16 && o.target == 80, "defaults");
	o.slo = 18;
	o.reactive = SP_PLAN_REACTIVE_NONE;
	p = sp_plan_new(&o, perf, &err);
	CHECK(p && sp_plan_wstar(p) == 80, "w* 80");
	/* ceil(demand / w*), with 160 exactly 2 (no 2.0000001 rounding up) */
	CHECK(step(p, 0, NAN, 160, &r) == 2, "160 -> 2");
	CHECK_STR(r, "forecast", "reason");
	CHECK(step(p, 60, 160, 161, &r) == 3, "161 -> 3");
	CHECK(step(p, 120, 161, NAN, &r) == 3 && strcmp(r, "hpa-fallback") == 0, "missing demand keeps current");
	CHECK(step(p, 180, 161, 0, &r) == 1 && strcmp(r, "min") == 0, "0 -> min");
	sp_plan_free(p);

	/* threshold: +1 at latency >= SLO, -1 at CPU <= 50 */
	o.policy = SP_PLAN_THRESHOLD;
	o.initial = 2;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step(p, 0, NAN, NAN, &r) == 2, "start");
	CHECK(step(p, 60, 200, NAN, &r) == 3, "200 on 2: latency 20 >= 18: +1");
	CHECK(step(p, 120, 150, NAN, &r) == 2, "150 on 3: CPU 50: -1");
	CHECK(step(p, 120, 140, NAN, &r) == 2, "140 on 2: CPU 70, latency 17: keep");
	sp_plan_free(p);

	/* hpa: 100 on 1 replica is 100 % CPU against 50 %: ratio 2 */
	o.policy = SP_PLAN_HPA;
	o.target = 50;
	o.initial = 1;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step(p, 0, NAN, NAN, &r) == 1 && strcmp(r, "FailedGetMetrics") == 0, "no metric yet");
	CHECK(step(p, 60, 100, NAN, &r) == 2 && strcmp(r, "DesiredWithinRange") == 0, "hpa 2");
	/* CPU saturates at 100 %: the HPA can only double per sync */
	CHECK(step(p, 120, 1000, NAN, &r) == 4 && strcmp(r, "DesiredWithinRange") == 0, "hpa 4");
	CHECK(step(p, 180, 1000, NAN, &r) == 8, "hpa 8");
	sp_plan_free(p);

	/* hpa with an External metric (a published count, averageValue 1): the
	 * larger proposal; the published count against the current replicas
	 * keeps the tolerance (21 on 20: 1.05); when it is missing, the CPU
	 * metric alone may scale up but not down (invalid-metric rule) */
	{
		sp_plan_in in;
		int n = -1;
		o.target = 80;
		o.initial = 20;
		o.external = 1;
		p = sp_plan_new(&o, perf, NULL);
		sp_plan_in_clear(&in);
		in.t = 0;
		in.prev_load = 1560;    /* 78 per pod: 78 % CPU, within the tolerance */
		in.current = 20;
		in.external = 21;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 20 && strcmp(r, "DesiredWithinRange") == 0, "external 21 on 20: kept");
		in.t = 15;
		in.external = 23;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 23, "external 23 on 20: 23 (got %d)", n);
		in.t = 30;
		in.current = 23;
		in.prev_load = 1000;    /* CPU wants 17 */
		in.external = NAN;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 23, "external missing, CPU wants fewer: kept (got %d)", n);
		in.t = 45;
		in.prev_load = 2300;    /* 100 per pod: CPU wants 29 */
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 29, "external missing, CPU wants more: 29 (got %d)", n);
		sp_plan_free(p);
		o.external = 0;
	}

	/* a check between decisions (react): the load rule alone, up only,
	 * within --max; the forecast's quality and the scale-down rules are
	 * not touched (w* = 80: 900 needs 12, 500 needs 7) */
	{
		sp_plan_in in;
		int n = -1, i;
		sp_plan_opts q;
		sp_plan_defaults(&q);
		q.policy = SP_PLAN_BURST;
		q.reactive = SP_PLAN_REACTIVE_LOAD;
		q.slo = 18;
		q.max = 14;
		q.quality_window = 2;
		q.max_error = 0.1;
		p = sp_plan_new(&q, perf, NULL);
		sp_plan_in_clear(&in);
		in.t = 0;
		in.demand = 640;    /* 8 */
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 8 && strcmp(r, "forecast") == 0, "react: the decision 8 (got %d %s)", n, r);
		sp_plan_in_clear(&in);
		in.t = 15;
		in.react = 1;
		in.tick = 1;
		in.prev_load = 900;
		in.current = 8;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 12 && strcmp(r, "react") == 0, "react: load 900 on 8 gives 12 (got %d %s)", n, r);
		in.t = 30;
		in.prev_load = 500;
		in.current = 12;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 12 && strcmp(r, "keep") == 0, "react: load 500 on 12 keeps 12, never down (got %d %s)", n, r);
		in.t = 45;
		in.prev_load = 5000;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 14, "react: load 5000 capped at --max 14 (got %d)", n);
		in.current = 16;    /* above --max (set by hand): never down */
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 16, "react: above --max kept (got %d)", n);

		/* the checks scored no forecast: two decisions whose actuals are
		 * within 10 % keep the forecast (a check's load scored against
		 * 640 would have been 40 % off and made it fall back) */
		for (i = 0; i < 3; i++) {
			sp_plan_in_clear(&in);
			in.t = 60 * (i + 1);
			in.prev_load = 650;
			in.demand = 640;
			in.current = 8;
			sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		}
		CHECK(n == 9 && strcmp(r, "reactive") == 0, "react: no forecast scored by the checks (got %d %s)", n, r);
		sp_plan_free(p);
		q.min = 3;          /* below --min (set by hand), no load: up to it */
		p = sp_plan_new(&q, perf, NULL);
		sp_plan_in_clear(&in);
		in.react = in.tick = 1;
		in.current = 1;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 3 && strcmp(r, "min") == 0, "react: below --min raised to it (got %d %s)", n, r);
		sp_plan_free(p);
	}

	/* errors */
	o.policy = SP_PLAN_FORECAST;
	o.slo = 5;
	CHECK(sp_plan_new(&o, perf, &err) == NULL && err.code == SP_EDATA, "SLO 5 accepted");
	o.slo = 18;
	o.min = 5;
	o.max = 2;
	CHECK(sp_plan_new(&o, perf, &err) == NULL && err.code == SP_EUSAGE, "min > max accepted");

	/* anomaly-hold: no scale-down below the current count after a flagged
	 * step; scale-up and the bounds as usual (w* 80) */
	sp_plan_defaults(&o);
	o.slo = 18;
	o.reactive = SP_PLAN_REACTIVE_NONE;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_anomaly(p, 0, 400, 0, -1, &r) == 5 && strcmp(r, "forecast") == 0, "400 -> 5");
	CHECK(step_anomaly(p, 60, 100, 1, -1, &r) == 5, "100 after an anomaly: held at 5");
	CHECK_STR(r, "anomaly-hold", "hold reason");
	CHECK(step_anomaly(p, 120, 480, 1, -1, &r) == 6 && strcmp(r, "forecast") == 0, "scale-up not held");
	CHECK(step_anomaly(p, 180, 100, 0, -1, &r) == 2 && strcmp(r, "forecast") == 0, "released");
	CHECK(step_anomaly(p, 240, 80, 1, 3, &r) == 3 && strcmp(r, "anomaly-hold") == 0, "held at current 3");
	CHECK(step_anomaly(p, 300, 80, 1, 1, &r) == 1 && strcmp(r, "forecast") == 0, "nothing to hold");
	sp_plan_free(p);
	o.max = 6;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_anomaly(p, 0, 80, 1, 8, &r) == 6 && strcmp(r, "anomaly-hold") == 0, "held within --max");
	sp_plan_free(p);
	/* whatever the policy: threshold's -1 at CPU 50 % is held */
	o.max = 100;
	o.policy = SP_PLAN_THRESHOLD;
	o.initial = 3;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step(p, 0, NAN, NAN, &r) == 3, "threshold start");
	{
		sp_plan_in in;
		int n = -1;
		sp_plan_in_clear(&in);
		in.t = 60;
		in.prev_load = 150;
		in.prev_anomaly = 1;
		sp_plan_step(p, &in, &n, &r, NULL, 0, NULL);
		CHECK(n == 3 && strcmp(r, "anomaly-hold") == 0, "threshold held: %d %s", n, r);
	}
	sp_plan_free(p);

	/* scalepipe's parts (w* 80): the next step's demand from lead_time
	 * before it starts (next step at 300 s, lead 75 s: from 225 s) */
	sp_plan_defaults(&o);
	o.slo = 18;
	o.policy = SP_PLAN_BURST;
	o.reactive = SP_PLAN_REACTIVE_LOAD;
	o.lead_time = 75;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_lead(p, 0, 100, 160, 400, 300, -1, &r) == 2 && strcmp(r, "forecast") == 0, "before the lead: 160 -> 2");
	CHECK(step_lead(p, 210, 100, 160, 400, 300, 2, &r) == 2, "210 + 75 < 300: still 2");
	CHECK(step_lead(p, 225, 100, 160, 400, 300, 2, &r) == 5 && strcmp(r, "lead") == 0, "225 + 75 >= 300: 400 -> 5 (%s)", r);
	CHECK(step_lead(p, 225, 100, 160, 100, 300, 5, &r) == 2, "a lower next demand is not a lead");
	CHECK(step_lead(p, 225, 100, 160, NAN, 300, 2, &r) == 2, "no next demand");
	CHECK(step_lead(p, 225, 100, 160, 400, NAN, 2, &r) == 2, "no next start: no lead");
	sp_plan_free(p);
	o.lead_time = INFINITY;   /* plan: one decision per row, always */
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_lead(p, 0, 100, 160, 400, NAN, -1, &r) == 5 && strcmp(r, "lead") == 0, "lead INFINITY: always");
	sp_plan_free(p);
	/* the margined load floor: load 150 x 1.1 = 165 -> 3 over a demand of 80 -> 1 */
	o.lead_time = 0;
	o.margin = 0.10;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_lead(p, 0, 150, 80, NAN, NAN, 2, &r) == 3 && strcmp(r, "reactive") == 0, "margin: 165 -> 3 (%s)", r);
	CHECK(step_lead(p, 60, 140, 80, NAN, NAN, 3, &r) == 2, "margin: 154 -> 2");
	sp_plan_free(p);
	/* hysteresis 15 %: from 10, 9 is within 1.5 pods and is held; 8 is not */
	o.margin = 0;
	o.hysteresis = 0.15;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_lead(p, 0, 0, 720, NAN, NAN, 10, &r) == 10 && strcmp(r, "hysteresis") == 0, "9 held at 10 (%s)", r);
	CHECK(step_lead(p, 60, 0, 640, NAN, NAN, 10, &r) == 8 && strcmp(r, "forecast") == 0, "8 goes (%s)", r);
	CHECK(step_lead(p, 120, 0, 1200, NAN, NAN, 10, &r) == 15, "up is never held");
	sp_plan_free(p);
	/* the dead band 20 % (margin 0): up past load x 1.2, down no lower */
	o.hysteresis = 0;
	o.deadband = 0.20;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_lead(p, 0, 150, 80, NAN, NAN, 2, &r) == 2, "150 on 2: kept (no move, no band)");
	CHECK(step_lead(p, 60, 210, 80, NAN, NAN, 2, &r) == 4 && strcmp(r, "deadband") == 0,
	    "210 wants 3: up to 252 / 80 -> 4 (%s)", r);
	CHECK(step_lead(p, 120, 200, 80, NAN, NAN, 2, &r) == 3 && strcmp(r, "reactive") == 0,
	    "200 wants 3, 240 / 80 = 3: no more (%s)", r);
	CHECK(step_lead(p, 180, 150, 80, NAN, NAN, 4, &r) == 3 && strcmp(r, "deadband") == 0,
	    "down from 4: 150 wants 2, kept at 180 / 80 -> 3 (%s)", r);
	CHECK(step_lead(p, 240, 100, 80, NAN, NAN, 4, &r) == 2, "down from 4: 100 x 1.2 -> 2 goes");
	CHECK(step_lead(p, 300, 150, 400, NAN, NAN, 2, &r) == 5 && strcmp(r, "forecast") == 0,
	    "the forecast above the band: 5 (%s)", r);
	sp_plan_free(p);
	/* min_down 2: a scale-down by one pod is held, by two goes */
	o.deadband = 0;
	o.min_down = 2;
	p = sp_plan_new(&o, perf, NULL);
	CHECK(step_lead(p, 0, 0, 240, NAN, NAN, 4, &r) == 4 && strcmp(r, "hysteresis") == 0, "4 -> 3 held (%s)", r);
	CHECK(step_lead(p, 60, 0, 160, NAN, NAN, 4, &r) == 2 && strcmp(r, "forecast") == 0, "4 -> 2 goes (%s)", r);
	CHECK(step_lead(p, 120, 0, 400, NAN, NAN, 4, &r) == 5, "up by one goes");
	sp_plan_free(p);
	o.min_down = 0;
	/* the hold demand: a scale-down keeps it (use_hold), a scale-up ignores it */
	o.deadband = 0;
	o.use_hold = 1;
	p = sp_plan_new(&o, perf, NULL);
	{
		sp_plan_in in;
		int n = -1;
		sp_plan_in_clear(&in);
		in.t = 0;
		in.prev_load = 0;
		in.demand = 160;
		in.hold = 400;
		in.current = 8;
		CHECK(sp_plan_step(p, &in, &n, &r, NULL, 0, NULL) == 0 && n == 5 && strcmp(r, "hold") == 0,
		    "8 -> 2 held at 400 / 80 = 5: %d %s", n, r);
		in.current = 4;
		CHECK(sp_plan_step(p, &in, &n, &r, NULL, 0, NULL) == 0 && n == 4 && strcmp(r, "hold") == 0,
		    "4 -> 2 held at 4, never up to 5: %d %s", n, r);
		in.current = 1;
		CHECK(sp_plan_step(p, &in, &n, &r, NULL, 0, NULL) == 0 && n == 2 && strcmp(r, "forecast") == 0,
		    "up: to the demand's 2, not the hold's 5: %d %s", n, r);
		in.current = 8;
		in.hold = NAN;
		CHECK(sp_plan_step(p, &in, &n, &r, NULL, 0, NULL) == 0 && n == 2, "no hold: 2");
	}
	sp_plan_free(p);
	o.use_hold = 0;
	p = sp_plan_new(&o, perf, NULL);
	{
		sp_plan_in in;
		int n = -1;
		sp_plan_in_clear(&in);
		in.prev_load = 0;
		in.demand = 160;
		in.hold = 400;
		in.current = 8;
		CHECK(sp_plan_step(p, &in, &n, &r, NULL, 0, NULL) == 0 && n == 2, "use_hold 0: the hold is ignored");
	}
	sp_plan_free(p);

	/* the nowcast: psi 2 fitted exactly, once 30 steps' weight are in
	 * (31 pairs at 0.998 a step); 400 + 2 x 30 = 460 -> 6, 400 - 60 -> 5
	 * (340 / 80 = 4.25); the demand alone before the fit: 400 -> 5 */
	CHECK(nowcast_run(40, 2, 30, &r) == 6 && strcmp(r, "nowcast") == 0, "nowcast psi 2, e 30: 460 -> 6 (%s)", r);
	CHECK(nowcast_run(40, 2, -30, &r) == 5 && strcmp(r, "nowcast") == 0, "nowcast psi 2, e -30: 340 -> 5 (%s)", r);
	CHECK(nowcast_run(20, 2, 30, &r) == 5 && strcmp(r, "forecast") == 0, "nowcast before the fit: 400 -> 5 (%s)", r);
	/* psi within 0..4: 6 -> 4 (400 + 120 = 520 -> 7), -1 -> 0 (400 -> 5) */
	CHECK(nowcast_run(40, 6, 30, &r) == 7, "nowcast psi 6 capped at 4: 520 -> 7");
	CHECK(nowcast_run(40, -1, 30, &r) == 5 && strcmp(r, "nowcast") == 0, "nowcast psi -1 floored at 0: 400 -> 5");
	/* distances 30 and 30 + 1e-6 (a spread of 3e-8 of their size: nothing a
	 * load measures), the loads 1e6 times their difference apart: no fit,
	 * psi 0, not 1e6 capped at 4 */
	CHECK(nowcast_run(40, 0, 30, &r) == 5 && strcmp(r, "nowcast") == 0, "nowcast no spread: psi 0: 400 -> 5");
	sp_perf_free(perf);
	return check_summary();
}
