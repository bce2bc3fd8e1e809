/* test_sim: the cluster model (start-up delay, removal order, queueing,
 * cost) and the summary's invariants, on a linear curve: latency = 10 +
 * w / 10 ms, CPU = w %, capacity 100 per replica. */
#include "check.h"
#include "sp_sim.h"

int
main(void)
{
	double w[] = { 0, 100 }, l[] = { 10, 20 }, c[] = { 0, 100 };
	sp_error err;
	sp_perf *p = sp_perf_from_arrays(w, l, c, 2, &err);
	sp_sim_opts o;
	sp_sim *s;
	sp_sim_row r;
	sp_sim_summary all, bu, nb;

	sp_sim_defaults(&o);
	CHECK(o.startup == 60 && o.slo == 16 && o.queue == 1 && o.queue_timeout == 10, "defaults");
	o.slo = 18;
	o.wstar = 80;
	s = sp_sim_new(&o, p, &err);
	CHECK(s != NULL, "new: %s", err.msg);
	/* first step: the requested pods are ready */
	sp_sim_step(s, 0, 60, 100, 2, 0, &r, NULL);
	CHECK(r.ready == 2 && r.starting == 0 && r.latency == 15 && r.cpu == 50 && !r.violation, "step 0");
	CHECK(r.cost == 120 && r.ideal == 2, "cost %g ideal %d", r.cost, r.ideal);
	/* scale up decided at 60 (end of step 0 is t=60 - 60 + 60): ready at
	 * decision + 60 s = the step's start */
	sp_sim_step(s, 60, 60, 300, 4, 1, &r, NULL);
	CHECK(r.ready == 4 && r.latency == 17.5 && !r.violation, "step 1: ready %d latency %g", r.ready, r.latency);
	/* overload: 500 on 4 (125 each) saturates; 25 * 4 * 60 = 6000 requests
	 * would queue, but only 10 s of the pods' capacity (4000) wait */
	sp_sim_step(s, 120, 60, 500, 4, 1, &r, NULL);
	CHECK(r.cpu == 100 && r.backlog == 4000 && r.violation, "step 2 backlog %g", r.backlog);
	CHECK_CLOSE(r.latency, 20 * 1.25, 1e-12, "saturated latency");
	/* the backlog drains at 4 x 100/s: +10000 ms; spare capacity serves it */
	sp_sim_step(s, 180, 60, 100, 4, 0, &r, NULL);
	CHECK_CLOSE(r.latency, 12.5 + 10000, 1e-9, "drain latency");
	CHECK(r.backlog == 0, "drained");
	/* scale down is immediate */
	sp_sim_step(s, 240, 60, 100, 1, 0, &r, NULL);
	CHECK(r.replicas == 1 && r.ready == 1, "scale down");
	sp_sim_summarise(s, SP_SIM_ALL, &all);
	sp_sim_summarise(s, SP_SIM_BURST, &bu);
	sp_sim_summarise(s, SP_SIM_NONBURST, &nb);
	CHECK(all.steps == 5 && bu.steps == 2 && nb.steps == 3, "steps");
	CHECK(all.violations == bu.violations + nb.violations, "violations split");
	CHECK_CLOSE(all.cost, bu.cost + nb.cost, 1e-12, "cost split");
	CHECK_CLOSE(all.cost, 60.0 * (2 + 4 + 4 + 4 + 1), 1e-12, "cost");
	CHECK(all.scaling_actions == 2, "actions %ld", all.scaling_actions);
	CHECK_CLOSE(all.churn, (2.0 + 3.0) / 5, 1e-12, "churn");
	CHECK_CLOSE(all.under, 0 + 0 + 3 + 0 + 1, 1e-12, "under (ideal 7 at 500)");
	sp_sim_free(s);

	/* a start-up longer than a step: the new pods miss it */
	o.startup = 90;
	s = sp_sim_new(&o, p, NULL);
	sp_sim_step(s, 0, 60, 100, 1, 0, &r, NULL);
	sp_sim_step(s, 60, 60, 100, 3, 0, &r, NULL);
	CHECK(r.ready == 1 && r.starting == 2 && r.cost == 180, "startup 90: ready %d", r.ready);
	sp_sim_step(s, 120, 60, 100, 3, 0, &r, NULL);
	CHECK(r.ready == 3, "ready a step later");
	sp_sim_free(s);
	/* removal takes starting pods first */
	o.startup = 200;
	s = sp_sim_new(&o, p, NULL);
	sp_sim_step(s, 0, 60, 100, 3, 0, &r, NULL);
	sp_sim_step(s, 60, 60, 100, 5, 0, &r, NULL);
	sp_sim_step(s, 120, 60, 100, 4, 0, &r, NULL);
	CHECK(r.ready == 3 && r.starting == 1, "starting pod removed first: ready %d starting %d", r.ready, r.starting);
	/* errors */
	CHECK(sp_sim_step(s, 300, 60, -1, 1, 0, &r, &err) == SP_EDATA, "negative load");
	CHECK(sp_sim_step(s, 300, 0, 1, 1, 0, &r, &err) == SP_EDATA, "dt 0");
	sp_sim_free(s);
	o.wstar = 0;
	CHECK(sp_sim_new(&o, p, &err) == NULL, "w* 0 accepted");

	/* the tick calls: pods ready `startup` after the decision */
	o.wstar = 80;
	o.startup = 30;
	s = sp_sim_new(&o, p, &err);
	CHECK(sp_sim_scale(s, 0, 1, &err) == 0 && sp_sim_replicas(s) == 1, "start");
	sp_sim_tick(s, 0, 15, 50, &r, NULL);
	CHECK(r.ready == 1 && r.violation == 0 && r.latency == 15, "tick 0");
	sp_sim_scale(s, 15, 3, NULL);        /* ready at 45 */
	sp_sim_tick(s, 15, 15, 150, &r, NULL);
	CHECK(r.ready == 1 && r.starting == 2 && r.violation == 1, "tick 15: %d ready", r.ready);
	sp_sim_tick(s, 30, 15, 150, &r, NULL);
	CHECK(r.ready == 1, "tick 30");
	{
		int ready, counted;
		sp_sim_pods(s, 45, 60, 300, &ready, &counted);
		CHECK(ready == 3 && counted == 1, "at 45: ready %d counted %d", ready, counted);
		sp_sim_pods(s, 105, 60, 300, &ready, &counted);
		CHECK(ready == 3 && counted == 3, "at 105 (ready + window): counted %d", counted);
		sp_sim_pods(s, 60, 60, 0, &ready, &counted);
		CHECK(counted == 3, "no initialisation period: counted %d", counted);
		sp_sim_pods(s, 60, 60, 40, &ready, &counted);
		CHECK(counted == 3, "started 15 + 40 <= 60: counted %d", counted);
	}
	sp_sim_tick(s, 45, 15, 150, &r, NULL);
	/* the backlog of 15 and 30 (50/s over capacity, 750 each, capped at
	 * 10 s of one pod: 1000) drains at 3 x 100/s: +3333 ms */
	CHECK(r.ready == 3 && r.violation, "tick 45: %d ready", r.ready);
	CHECK_CLOSE(r.latency, 10 + 5 + 1000.0 * 1000 / 300, 1e-9, "drain latency");
	/* the step: 4 ticks, 3 of them in violation */
	CHECK(sp_sim_end_step(s, 0, &r, &err) == 0, "end step");
	CHECK_CLOSE(r.violation, 0.75, 1e-12, "violation fraction");
	CHECK_CLOSE(r.cost, 15.0 * (1 + 3 + 3 + 3), 1e-12, "cost");
	CHECK(r.replicas == 3 && r.changes == 1 && r.started == 2, "changes %d started %d", r.changes, r.started);
	CHECK(r.ideal == 2, "ideal from the mean load 125: %d", r.ideal);
	CHECK(sp_sim_end_step(s, 0, &r, &err) == SP_EDATA, "a step without ticks");
	sp_sim_scale(s, 60, 2, NULL);
	sp_sim_scale(s, 60, 4, NULL);        /* two decisions in one step */
	sp_sim_tick(s, 60, 60, 100, &r, NULL);
	sp_sim_end_step(s, 1, &r, NULL);
	CHECK(r.changes == 2 && r.started == 2 && r.ready == 2, "step 2: changes %d started %d ready %d",
	    r.changes, r.started, r.ready);
	sp_sim_summarise(s, SP_SIM_ALL, &all);
	CHECK(all.steps == 2 && all.replica_changes == 3 && all.pods_started == 4 && all.scaling_actions == 2,
	    "summary: changes %ld started %ld", all.replica_changes, all.pods_started);
	CHECK_CLOSE(all.violations, 0.75 + 0, 1e-12, "violations in step-equivalents");
	CHECK_CLOSE(all.churn, (2.0 + 1 + 2) / 2, 1e-12, "churn per step");
	/* 5 latency samples: the quantiles are over the ticks */
	CHECK(all.p99_latency >= all.p95_latency && all.p95_latency <= all.max_latency, "p95 <= p99 <= max");
	CHECK(sp_sim_scale(s, 120, -1, &err) == SP_EDATA, "negative count");
	CHECK(sp_sim_tick(s, 120, 0, 1, &r, &err) == SP_EDATA, "tick 0 s");
	/* a load whose count is not an int is an error, not an overflow */
	CHECK(sp_sim_tick(s, 120, 15, 1.7e308, &r, &err) == SP_EDATA, "load 1.7e308");
	CHECK(strstr(err.msg, "more than 10000000") != NULL, "load 1.7e308: %s", err.msg);
	CHECK(sp_sim_tick(s, 120, 15, 8e8 + 1, &r, &err) == SP_EDATA, "load 8e8+1 at w* 80");
	CHECK(sp_sim_tick(s, 120, 15, 8e8, &r, &err) == 0 && r.ideal == 10000000, "load 8e8: %d", r.ideal);
	sp_sim_free(s);

	/* the total over several simulators (simulate --by): two of one tick
	 * per step, latencies 15, 15 (a: 100 on 2) and 12, 20, 10 (b: 40 on 2,
	 * 100 on 1 with the pod removed, 0 on 1) */
	{
		sp_sim *ab[2];
		sp_sim_summary t, one;
		o.startup = 60;
		ab[0] = sp_sim_new(&o, p, NULL);
		ab[1] = sp_sim_new(&o, p, NULL);
		sp_sim_step(ab[0], 0, 60, 100, 2, 0, &r, NULL);
		sp_sim_step(ab[0], 60, 60, 100, 2, 1, &r, NULL);
		sp_sim_step(ab[1], 0, 60, 40, 2, 0, &r, NULL);
		sp_sim_step(ab[1], 60, 60, 100, 1, 0, &r, NULL);
		sp_sim_step(ab[1], 120, 60, 0, 1, 0, &r, NULL);
		CHECK(sp_sim_summarise_total((const sp_sim *const *)ab, 2, SP_SIM_ALL, &t, &err) == 0, "total");
		CHECK(t.steps == 5 && t.violations == 1 && t.scaling_actions == 1, "total: steps %ld viol %g",
		    t.steps, t.violations);
		CHECK_CLOSE(t.cost, 60.0 * (2 + 2 + 2 + 1 + 1), 1e-12, "total cost");
		CHECK_CLOSE(t.churn, (0.0 + 0 + 0 + 1 + 0) / 5, 1e-12, "total churn: |change| over all steps (the start is none)");
		CHECK_CLOSE(t.mean_latency, (15.0 + 15 + 12 + 20 + 10) / 5, 1e-12, "total mean latency");
		CHECK(t.max_latency == 20, "total max latency %g", t.max_latency);
		CHECK_CLOSE(t.mean_cpu, (50.0 + 50 + 20 + 100 + 0) / 5, 1e-12, "total mean CPU");
		/* the nearest-rank-interpolated p95 of {10, 12, 15, 15, 20}: 15 + 0.8 * 5 */
		CHECK_CLOSE(t.p95_latency, 19, 1e-12, "total p95");
		CHECK(sp_sim_summarise_total((const sp_sim *const *)ab, 2, SP_SIM_BURST, &t, &err) == 0 &&
		    t.steps == 1 && t.cost == 120, "total of a split");
		sp_sim_summarise(ab[1], SP_SIM_ALL, &one);
		CHECK(sp_sim_summarise_total((const sp_sim *const *)ab + 1, 1, SP_SIM_ALL, &t, &err) == 0 &&
		    memcmp(&t, &one, sizeof t) == 0, "the total of one is its summary");
		sp_sim_free(ab[0]);
		sp_sim_free(ab[1]);
	}
	sp_perf_free(p);
	return check_summary();
}
