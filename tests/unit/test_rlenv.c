/* test_rlenv: BAScaler's reward (scalepipe-ppo(7)), the latency
 * warning and the state encoding against worked values, the 63
 * actions, the episodic environment over sp_sim, and the
 * policy file. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "sp_rlenv.h"

static sp_rlenv_opts
opts(void)
{
	sp_rlenv_opts o;
	sp_rlenv_defaults(&o);
	o.load_scale = 4000;
	o.wstar = 80.6;
	return o;
}

int
main(void)
{
	sp_rlenv_opts o = opts();
	sp_error err;

	/* worked example: reward at the SVR mean curve (SLO 16 ms, alpha 0.1); the
	 * table is rounded to 3 decimals. */
	{
		static const double tab[][3] = {
			{ 10.51, 27.67, 0.377 }, { 10.83, 46.80, 0.568 }, { 11.71, 65.89, 0.759 },
			{ 12.99, 73.65, 0.837 }, { 15.67, 79.84, 0.898 }, { 15.96, 80.20, 0.902 },
			{ 16.16, 80.44, -0.004 }, { 18.76, 82.81, -0.090 }, { 23.53, 85.59, -0.200 },
			{ 50, 100, -8.544 },
		};
		for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
			char lab[64];
			snprintf(lab, sizeof lab, "reward at RT %g CPU %g", tab[i][0], tab[i][1]);
			CHECK(fabs(sp_rlenv_reward(&o, tab[i][1], tab[i][0]) - tab[i][2]) <= 5.01e-4,
			    "%s: got %.6f want %.3f", lab, sp_rlenv_reward(&o, tab[i][1], tab[i][0]), tab[i][2]);
		}
		/* CPU term alone, RT 10 ms */
		static const double cpu[][2] = { { 90, 1.0 }, { 91, 0.9 }, { 92, 0.775 }, { 95, 0.1 }, { 97, -7.1 }, { 99, -7.1 } };
		for (size_t i = 0; i < sizeof cpu / sizeof cpu[0]; i++)
			CHECK(fabs(sp_rlenv_reward(&o, cpu[i][0], 10) - cpu[i][1]) <= 5.01e-4,
			    "reward at CPU %g: got %.6f want %.3f", cpu[i][0], sp_rlenv_reward(&o, cpu[i][0], 10), cpu[i][1]);
		/* CPU above 100 is clipped, RT <= 0 is 1e-3 (meets the SLO) */
		CHECK_CLOSE(sp_rlenv_reward(&o, 150, 0), sp_rlenv_reward(&o, 100, 5), 1e-15, "clips");
		/* the jump at the SLO: +1 to -8 (2 - S/r) in the RT term */
		CHECK_CLOSE(sp_rlenv_reward(&o, 45, 16) - sp_rlenv_reward(&o, 45, 32), 0.1 * (1 + 8 * 1.5), 1e-12, "RT term");
		/* alpha and P are options */
		sp_rlenv_opts o2 = o;
		o2.alpha = 0.5, o2.penalty = 4;
		CHECK_CLOSE(sp_rlenv_reward(&o2, 45, 32), 0.5 * -4 * 1.5 + 0.5 * 0.5, 1e-12, "alpha 0.5, P 4");
	}
	/* worked example: the RT-warning feature */
	{
		static const double tab[][2] = { { 4, -1 }, { 8, -0.811 }, { 12, -0.446 }, { 16, 0 },
			{ 18, 0.267 }, { 20, 0.575 }, { 24, 1 }, { 32, 1 }, { 100, 1 } };
		for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
			CHECK(fabs(sp_rlenv_warning(tab[i][0], 16) - tab[i][1]) <= 5.01e-4,
			    "warning at %g: got %.6f want %.3f", tab[i][0], sp_rlenv_warning(tab[i][0], 16), tab[i][1]);
		/* the edges of the state feature: -1 below 0.351 SLO, +1 above 1.393 SLO */
		CHECK(sp_rlenv_warning(0.35 * 16, 16) == -1 && sp_rlenv_warning(0.36 * 16, 16) > -1, "lower edge");
		CHECK(sp_rlenv_warning(1.394 * 16, 16) == 1 && sp_rlenv_warning(1.39 * 16, 16) < 1, "upper edge");
	}
	/* the state, worked: CPU 80.2 %, RT 15.96 ms, 7 replicas, predicted
	 * RT 18 ms, loads 100..123 (scale 4000), Monday 2021-03-15 13:00 UTC
	 * (day of year 74). */
	{
		double hist[SP_RLENV_HIST], s[SP_RLENV_STATE];
		for (int i = 0; i < SP_RLENV_HIST; i++)
			hist[i] = 100 + i;
		hist[3] = NAN;
		sp_rlenv_obs obs = { 80.2, 15.96, 7, 18, hist, 1615813200 };
		sp_rlenv_encode(&o, &obs, s);
		CHECK_CLOSE(s[0], 0.604, 1e-12, "state cpu");
		CHECK_CLOSE(s[1], 15.96 / 50 * 2 - 1, 1e-12, "state latency");
		CHECK_CLOSE(s[1], -0.3616, 1e-12, "state latency worked");
		CHECK_CLOSE(s[2], -0.86, 1e-12, "state replicas");
		CHECK_CLOSE(s[3], -2 * log(2 - 18.0 / 16), 1e-12, "state warning");
		CHECK_CLOSE(s[4], 100 / 4000.0, 1e-15, "state oldest load");
		CHECK(s[7] == 0, "missing load is 0");
		CHECK_CLOSE(s[27], 123 / 4000.0, 1e-15, "state newest load");
		CHECK_CLOSE(s[28], 13 / 23.0 - 0.5, 1e-15, "hour");
		CHECK_CLOSE(s[29], -0.5, 1e-15, "weekday (Monday)");
		CHECK_CLOSE(s[30], 14 / 30.0 - 0.5, 1e-15, "day of month");
		CHECK_CLOSE(s[31], 73 / 365.0 - 0.5, 1e-15, "day of year");
		/* Sunday 2021-03-21 23:00: weekday 6, hour 23 */
		obs.t = 1615813200 + 6 * 86400 + 10 * 3600;
		obs.cpu = 130, obs.latency = 80, obs.replicas = 100, obs.rt_hat = 40;
		sp_rlenv_encode(&o, &obs, s);
		CHECK(s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1, "clipped features");
		CHECK_CLOSE(s[28], 0.5, 1e-15, "hour 23");
		CHECK_CLOSE(s[29], 0.5, 1e-15, "Sunday");
	}
	/* actions: 63 = 3 x 21 */
	{
		int n;
		CHECK(sp_rlenv_nact(&o) == 63, "63 actions");
		CHECK(sp_rlenv_apply(&o, 10, 7, NAN, NAN, &n) == 0 && n == 7, "keep");
		CHECK(sp_rlenv_apply(&o, 20, 7, NAN, NAN, &n) == 0 && n == 17, "+10");
		CHECK(sp_rlenv_apply(&o, 0, 7, NAN, NAN, &n) == 1 && n == 1, "-10 clamped to 1");
		CHECK(sp_rlenv_apply(&o, 31, 3, 500, 900, &n) == 0 && n == 7, "forecast anchor ceil(500/80.6)");
		CHECK(sp_rlenv_apply(&o, 21, 3, 500, 900, &n) == 1 && n == 1, "forecast anchor - 10 clamped");
		CHECK(sp_rlenv_apply(&o, 52, 3, 500, 900, &n) == 0 && n == 12, "upper anchor ceil(900/80.6)");
		CHECK(sp_rlenv_apply(&o, 62, 3, 500, 900, &n) == 0 && n == 22, "upper anchor + 10");
		CHECK(sp_rlenv_apply(&o, 62, 3, 500, 8000, &n) == 1 && n == 100, "clamped to 100");
		CHECK(sp_rlenv_apply(&o, 33, 5, NAN, NAN, &n) == 0 && n == 7, "missing forecast anchors on current");
		CHECK(sp_rlenv_apply(&o, 63, 5, 1, 1, &n) == -1 && sp_rlenv_apply(&o, -1, 5, 1, 1, &n) == -1, "out of range");
		sp_rlenv_opts o3 = o;
		o3.action_max = 2;
		CHECK(sp_rlenv_nact(&o3) == 15, "15 actions for action_max 2");
		CHECK(sp_rlenv_apply(&o3, 7, 3, 400, 900, &n) == 0 && n == 5, "action_max 2: anchor 5 + 0");
	}
	/* options are checked */
	{
		sp_rlenv_opts b = o;
		b.wstar = 0;
		CHECK(sp_rlenv_check(&b, &err) == SP_EUSAGE, "w* 0 rejected");
		b = o, b.min = 5, b.max = 4;
		CHECK(sp_rlenv_check(&b, &err) == SP_EUSAGE, "min > max rejected");
	}
	/* the environment over sp_sim: 12 hourly steps, bursts at 5 and 6,
	 * segments [0, 5) and [7, 12). */
	{
		double w[] = { 0, 50, 100 }, lat[] = { 10, 11, 35 }, cpu[] = { 0, 56, 89 };
		double t[12], load[12], fc[12], up[12], s[SP_RLENV_STATE], r;
		unsigned char burst[12] = { 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0 };
		sp_perf *perf = sp_perf_from_arrays(w, lat, cpu, 3, &err);
		sp_sim_opts so;
		sp_ppo_env pe;
		int done, n;
		for (int i = 0; i < 12; i++) {
			t[i] = 1615813200 + 3600.0 * i;
			load[i] = 300 + 20 * i;
			fc[i] = i ? load[i] * 1.1 : NAN;
			up[i] = load[i] * 1.5;
		}
		sp_rlenv_trace tr = { 12, t, load, fc, up, burst };
		sp_sim_defaults(&so);
		so.startup = 0;
		so.wstar = o.wstar;
		sp_rlenv *e = sp_rlenv_new(&o, &so, perf, &tr, 0, 12, 0, &err);
		CHECK(e && sp_rlenv_segments(e) == 2 && sp_rlenv_steps(e) == 10, "2 segments of 10 steps");
		sp_rlenv_ppo_env(e, &pe);
		CHECK(pe.state_dim == 32 && pe.nact == 63, "dimensions");
		CHECK(pe.reset(e, s, &err) == 0, "reset");
		/* N = ceil(300 / 80.6) = 4 */
		CHECK_CLOSE(s[2], 4 / 100.0 * 2 - 1, 1e-15, "reset replicas");
		CHECK_CLOSE(s[0], sp_perf_cpu(perf, 75) / 50 - 1, 1e-12, "reset cpu from the simulator");
		CHECK_CLOSE(s[3], sp_rlenv_warning(sp_perf_latency(perf, 320 * 1.1 / 4), 16), 1e-12, "warning at the next forecast");
		CHECK_CLOSE(s[27], 300 / 4000.0, 1e-15, "newest load");
		CHECK(s[26] == 0, "no history before the trace");
		/* keep 4 replicas for step 1: load 320 -> 80 per replica */
		CHECK(pe.step(e, 10, s, &r, &done, &err) == 0 && !done, "step 1");
		CHECK_CLOSE(r, sp_rlenv_reward(&o, sp_perf_cpu(perf, 80), sp_perf_latency(perf, 80)), 1e-12, "reward of step 1");
		/* +10 -> 14 replicas: 340 / 14 */
		CHECK(pe.step(e, 20, s, &r, &done, &err) == 0 && !done, "step 2");
		CHECK_CLOSE(r, sp_rlenv_reward(&o, sp_perf_cpu(perf, 340 / 14.0), sp_perf_latency(perf, 340 / 14.0)), 1e-12, "reward of step 2");
		CHECK_CLOSE(s[2], 14 / 100.0 * 2 - 1, 1e-15, "replicas after +10");
		/* -10 from 14 -> 4, then an illegal -10 -> clamped to 1 with -3 */
		CHECK(pe.step(e, 0, s, &r, &done, &err) == 0 && !done, "step 3");
		CHECK(pe.step(e, 0, s, &r, &done, &err) == 0 && done, "step 4 ends the segment before the burst");
		/* one replica at 380/s is saturated: CPU term -8 * 0.9, RT term below -0.8, and -3 */
		CHECK(r < -3 - 7.2 - 0.8 && r >= -3 - 7.2 - 1.6, "clamped and saturated step: reward %g", r);
		CHECK(pe.step(e, 10, s, &r, &done, &err) < 0, "step after the end is an error");
		/* second segment starts at step 7: N = ceil(440 / 80.6) = 6 */
		CHECK(pe.reset(e, s, &err) == 0, "second reset");
		CHECK_CLOSE(s[2], 6 / 100.0 * 2 - 1, 1e-15, "second segment replicas");
		CHECK_CLOSE(s[28], 20 / 23.0 - 0.5, 1e-15, "second segment hour (13 + 7)");
		/* anchored on the forecast: ceil(460 * 1.1 / 80.6) = 7 */
		CHECK(pe.step(e, 31, s, &r, &done, &err) == 0, "anchored step");
		CHECK_CLOSE(s[2], 7 / 100.0 * 2 - 1, 1e-15, "anchored replicas");
		CHECK(pe.reset(e, s, &err) == 1, "evaluation pass over");
		pe.rewind(e);
		CHECK(pe.reset(e, s, &err) == 0 && s[2] == 4 / 100.0 * 2 - 1, "rewound");
		/* greedy evaluation of a zero policy: action 0 everywhere */
		{
			sp_mlp_dims d = { .nlayer = 1, .size = { 32, 63 }, .act = { SP_MLP_LINEAR } };
			sp_ppo_policy *p = sp_ppo_policy_new(&d, &err);
			double tot;
			long steps;
			CHECK(sp_ppo_evaluate(p, &pe, e, 0, &tot, &steps, &err) == 0 && steps == 8, "evaluation: %ld steps", steps);
			CHECK(tot < 8 * -3, "all-clamped policy penalised: %g", tot);
			/* policy file round trip */
			char path[] = "/tmp/test_rlenv.XXXXXX";
			int fd = mkstemp(path);
			close(fd);
			for (int i = 0; i < (int)sp_mlp_nparams(&d); i++)
				sp_ppo_policy_params(p)[i] = sin(i * 0.37) * 0.1;
			CHECK(sp_rlenv_policy_save(path, &o, p, "rltrain -o x", &err) == 0, "save: %s", err.msg);
			sp_rlenv_opts lo;
			sp_ppo_policy *q = sp_rlenv_policy_load(path, &lo, &err);
			CHECK(q != NULL, "load: %s", q ? "" : err.msg);
			if (q) {
				CHECK(lo.wstar == o.wstar && lo.load_scale == o.load_scale && lo.slo == 16, "options round trip");
				CHECK_ARRAY_CLOSE(sp_ppo_policy_params(q), sp_ppo_policy_params(p), sp_mlp_nparams(&d), 0, "params round trip");
				double st[32];
				for (int i = 0; i < 32; i++)
					st[i] = cos(i);
				CHECK(sp_ppo_policy_act(q, st, NULL) == sp_ppo_policy_act(p, st, NULL), "same action");
				/* the online agent decides like the policy */
				sp_rlenv_agent *g = sp_rlenv_agent_new(&lo, q, perf, &err);
				for (int i = 0; i < 24; i++)
					sp_rlenv_agent_observe(g, 300);
				n = sp_rlenv_agent_decide(g, 1615813200, 4, NAN, NAN, 330, 450, NULL);
				CHECK(n >= 1 && n <= 100, "agent decision %d", n);
				sp_rlenv_agent_free(g);
			}
			sp_ppo_policy_free(q);
			/* a policy for another state size */
			sp_mlp_dims d2 = { .nlayer = 1, .size = { 30, 63 }, .act = { SP_MLP_LINEAR } };
			sp_ppo_policy *p2 = sp_ppo_policy_new(&d2, &err);
			sp_rlenv_policy_save(path, &o, p2, NULL, &err);
			CHECK(!sp_rlenv_policy_load(path, &lo, &err) && err.code == SP_EMODEL &&
			    strstr(err.msg, "policy is for 30 state features, this environment has 32"), "other state size: %s", err.msg);
			sp_ppo_policy_free(p2);
			unlink(path);
			sp_ppo_policy_free(p);
		}
		sp_rlenv_free(e);
		/* cyclic: the third reset wraps to the first segment */
		e = sp_rlenv_new(&o, &so, perf, &tr, 0, 12, 1, &err);
		sp_rlenv_ppo_env(e, &pe);
		pe.reset(e, s, &err), pe.reset(e, s, &err);
		CHECK(pe.reset(e, s, &err) == 0 && s[2] == 4 / 100.0 * 2 - 1, "cyclic reset");
		sp_rlenv_free(e);
		/* a span that is all burst */
		CHECK(!sp_rlenv_new(&o, &so, perf, &tr, 5, 7, 1, &err) && err.code == SP_EDATA, "no segment");
		sp_perf_free(perf);
	}
	return check_summary();
}
