/* test_simrun: the tick engine on a linear curve (latency = 10 + w / 10 ms,
 * CPU = w %, capacity 100 per pod; SLO 18, w* 80): ticks per step, the
 * held and the interpolated load, replay, a planner every tick on the
 * metric window, a peer observing every tick. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sp_keda.h"
#include "sp_simrun.h"

static sp_simrun_in
row(double t, double load, int replicas)
{
	sp_simrun_in in;

	memset(&in, 0, sizeof in);
	in.t = t;
	in.load = load;
	in.replicas = replicas;
	in.demand = in.lower = in.upper = in.origin = in.next = in.hold = NAN;
	return in;
}

int
main(void)
{
	double w[] = { 0, 100 }, l[] = { 10, 20 }, c[] = { 0, 100 };
	sp_error err;
	sp_perf *p = sp_perf_from_arrays(w, l, c, 2, &err);
	sp_sim_opts so;
	sp_simrun_opts ro;
	sp_sim *sim;
	sp_simrun *r;
	sp_simrun_out out;
	sp_simrun_in in;
	sp_sim_summary s;

	sp_simrun_defaults(&ro);
	CHECK(ro.tick == 15 && ro.window == 60 && ro.cpu_init == 300 && ro.interp == SP_SIMRUN_HOLD && ro.step == 0,
	    "defaults");
	CHECK(ro.limits == 0 && ro.behavior.down_window == 300 && ro.behavior.max_down_pct == 25 &&
	    ro.behavior.max_up_pct == 100 && ro.behavior.max_up_pods == 4, "no limits by default, scale's when on");
	sp_sim_defaults(&so);
	so.slo = 18;
	so.wstar = 80;

	/* replay, linear between the rows' middles (30 s: 100, 90 s: 300): step 0
	 * reads 100, 100 (held: no row before), 125, 175 on 2 pods */
	sim = sp_sim_new(&so, p, NULL);
	ro.interp = SP_SIMRUN_LINEAR;
	r = sp_simrun_new(&ro, sim, &err);
	CHECK(r != NULL, "new: %s", err.msg);
	in = row(0, 100, 2);
	CHECK(sp_simrun_push(r, &in, &out, &err) == 0, "first row");
	in = row(60, 300, 2);
	CHECK(sp_simrun_push(r, &in, &out, &err) == 1, "step 0 done");
	CHECK(out.t == 0 && out.load == 100 && out.reason == NULL, "the row's");
	CHECK_CLOSE(out.row.violation, 0.25, 1e-12, "one tick of four over the SLO (87.5 a pod)");
	CHECK_CLOSE(out.row.cost, 120, 1e-12, "cost");
	CHECK(sp_simrun_finish(r, &out, &err) == 1 && out.t == 60, "the last step");
	CHECK(sp_simrun_finish(r, &out, &err) == 0, "nothing left");
	sp_sim_summarise(sim, SP_SIM_ALL, &s);
	CHECK(s.steps == 2, "steps");
	CHECK_CLOSE(s.cost, 240, 1e-12, "the last step as long as the one before");
	sp_simrun_free(r);
	sp_sim_free(sim);

	/* linear, down: 300, 100, 100.  Step 1's first half comes from the
	 * previous row's middle (30 s: 300) to its own (90 s: 100): 175 at 67.5
	 * (87.5 a pod, over the SLO), 125 at 82.5, then 100, 100; a line from
	 * the rows' starts would read 100 throughout (no backlog carried) */
	so.queue = 0;
	sim = sp_sim_new(&so, p, NULL);
	ro.interp = SP_SIMRUN_LINEAR;
	r = sp_simrun_new(&ro, sim, &err);
	CHECK(r != NULL, "new: %s", err.msg);
	in = row(0, 300, 2);
	sp_simrun_push(r, &in, &out, NULL);
	in = row(60, 100, 2);
	CHECK(sp_simrun_push(r, &in, &out, &err) == 1 && out.t == 0, "down: step 0");
	CHECK_CLOSE(out.row.violation, 1, 1e-12, "down: 300, 300, 275, 225: all over");
	in = row(120, 100, 2);
	CHECK(sp_simrun_push(r, &in, &out, &err) == 1 && out.t == 60, "down: step 1");
	CHECK_CLOSE(out.row.violation, 0.25, 1e-12, "down: 175, 125, 100, 100: one tick over");
	CHECK(sp_simrun_finish(r, &out, &err) == 1 && out.t == 120, "down: the last step");
	CHECK_CLOSE(out.row.violation, 0, 1e-12, "down: 100 throughout");
	sp_simrun_free(r);
	sp_sim_free(sim);
	so.queue = 1;

	/* a step of 50 s in ticks of 15: 15, 15, 15, 5 */
	sim = sp_sim_new(&so, p, NULL);
	ro.interp = SP_SIMRUN_HOLD;
	r = sp_simrun_new(&ro, sim, NULL);
	in = row(0, 100, 2);
	sp_simrun_push(r, &in, &out, NULL);
	in = row(50, 100, 2);
	sp_simrun_push(r, &in, &out, NULL);
	CHECK_CLOSE(out.row.cost, 100, 1e-12, "2 pods for 50 s");
	CHECK(out.row.violation == 0, "held at 50 per pod");
	in = row(40, 100, 2);
	CHECK(sp_simrun_push(r, &in, &out, &err) == SP_EDATA, "time going back");
	in = row(200, -1, 2);
	CHECK(sp_simrun_push(r, &in, &out, &err) == SP_EDATA, "negative load");
	sp_simrun_free(r);
	sp_sim_free(sim);

	/* the HPA every tick (target 50 %, start-up 30): the first decisions of
	 * tests/cli/simulate.sh's worked example */
	{
		sp_plan_opts po;
		sp_plan *pl;
		int want[] = { 1, 2, 2, 2, 2, 2, 2, 4 }, i;
		sp_plan_defaults(&po);
		po.policy = SP_PLAN_HPA;
		po.target = 50;
		po.slo = 18;
		po.wstar = 80;
		po.initial = 1;
		so.startup = 30;
		sim = sp_sim_new(&so, p, NULL);
		pl = sp_plan_new(&po, p, NULL);
		r = sp_simrun_new(&ro, sim, NULL);
		sp_simrun_use_plan(r, pl);
		for (i = 0; i < 9; i++) {
			int rc;
			in = row(15.0 * i, i < 4 ? 80 : 240, 0);
			rc = sp_simrun_push(r, &in, &out, &err);
			if (i > 0)
				CHECK(rc == 1 && out.row.replicas == want[i - 1], "hpa at %g: %d, want %d", out.t,
				    out.row.replicas, want[i - 1]);
		}
		sp_simrun_free(r);
		sp_plan_free(pl);
		sp_sim_free(sim);
	}

	/* a peer: keda (threshold 40) observes each tick's load at its end */
	{
		sp_keda_opts ko;
		sp_keda *k;
		sp_peer peer;
		sp_keda_defaults(&ko);
		ko.threshold = 40;
		ko.min = 1;
		k = sp_keda_new(&ko, NULL);
		peer = sp_keda_peer(k);
		sim = sp_sim_new(&so, p, NULL);
		ro.tick = 0;   /* one tick per 60-s step */
		r = sp_simrun_new(&ro, sim, NULL);
		sp_simrun_use_peer(r, &peer, 40, 2);
		in = row(0, 100, 0);
		sp_simrun_push(r, &in, &out, NULL);
		in = row(60, 100, 0);
		sp_simrun_push(r, &in, &out, NULL);
		CHECK(out.row.replicas == 2 && strcmp(out.reason, "FailedGetMetrics") == 0, "no sample at 0: %s",
		    out.reason);
		in = row(120, 100, 0);
		sp_simrun_push(r, &in, &out, NULL);
		CHECK(out.row.replicas == 3, "60: (0, 60] = 100 -> 3: %d", out.row.replicas);
		sp_simrun_free(r);
		sp_peer_free(&peer);
		sp_sim_free(sim);
	}
	ro.tick = -1;
	CHECK(sp_simrun_new(&ro, NULL, &err) == NULL && err.code == SP_EUSAGE, "bad tick");
	sp_simrun_free(NULL);
	sp_perf_free(p);
	return check_summary();
}
