/* test_ppo: the PPO math against hand-computed cases (log-softmax, GAE,
 * the clipped surrogate and its gradient), and an agent that provably
 * learns a toy environment within a stated number of steps. */
#include <stdlib.h>

#include "check.h"
#include "sp_ppo.h"
#include "sp_rand.h"

/* Toy environment: the replica count n in 1..20 (state n / 20), actions
 * d = a - 2 in -2..2, reward -|n + d - 7| (the target is 7 replicas),
 * episodes of 10 steps from a random start.  The optimal greedy policy
 * reaches 7 from every start within 7 steps and stays there. */
typedef struct {
	sp_rand *r;
	int n, t, eval_start;
} toy;

static int
toy_reset(void *env, double *s, sp_error *err)
{
	toy *e = env;
	(void)err;
	if (e->eval_start) {
		if (e->eval_start > 20)
			return 1;
		e->n = e->eval_start++;
	} else {
		e->n = 1 + (int)sp_rand_index(e->r, 20);
	}
	e->t = 0;
	s[0] = e->n / 20.0;
	return 0;
}

static int
toy_step(void *env, int a, double *s, double *reward, int *done, sp_error *err)
{
	toy *e = env;
	(void)err;
	e->n += a - 2;
	if (e->n < 1)
		e->n = 1;
	if (e->n > 20)
		e->n = 20;
	*reward = -abs(e->n - 7);
	*done = ++e->t >= 10;
	s[0] = e->n / 20.0;
	return 0;
}

static void
toy_rewind(void *env)
{
	((toy *)env)->eval_start = 1;
}

int
main(void)
{
	int small = getenv("SP_VALGRIND") != NULL;

	/* log-softmax of (1, 2, 3): z - log(e + e^2 + e^3); entropy 0.83239558 (numpy) */
	{
		double z[] = { 1, 2, 3 }, lp[3], want[] = { -2.40760596, -1.40760596, -0.40760596 };
		double h = sp_ppo_log_softmax(z, 3, lp);
		CHECK_ARRAY_CLOSE(lp, want, 3, 1e-8, "log_softmax");
		CHECK_CLOSE(h, 0.8323955818399389, 1e-12, "entropy");
		double big[] = { 1000, 1000 };
		h = sp_ppo_log_softmax(big, 2, lp);
		CHECK_CLOSE(lp[0], log(0.5), 1e-15, "log_softmax of large logits");
		CHECK_CLOSE(h, log(2), 1e-15, "entropy of a uniform pair");
	}
	/* GAE by hand: gamma 0.5, lambda 0.8, episode ends after step 1.
	 * t=2: delta = 2 + 0.5*3 - 0 = 3.5, A = 3.5
	 * t=1: done: delta = 0 - 1 = -1, A = -1
	 * t=0: delta = 1 + 0.5*1 - 0.5 = 1, A = 1 + 0.5*0.8*(-1) = 0.6
	 * returns A + V = (1.1, 0, 3.5). */
	{
		double r[] = { 1, 0, 2 }, v[] = { 0.5, 1, 0 }, adv[3], ret[3];
		unsigned char done[] = { 0, 1, 0 };
		double wa[] = { 0.6, -1, 3.5 }, wr[] = { 1.1, 0, 3.5 };
		sp_ppo_gae(3, r, v, done, 3, 0.5, 0.8, adv, ret);
		CHECK_ARRAY_CLOSE(adv, wa, 3, 1e-15, "GAE advantages");
		CHECK_ARRAY_CLOSE(ret, wr, 3, 1e-15, "GAE returns");
		/* lambda 1, gamma 1, no done: A_t = sum of future rewards + v_last - V_t */
		unsigned char nd[] = { 0, 0, 0 };
		double wa1[] = { 1 + 0 + 2 + 3 - 0.5, 0 + 2 + 3 - 1, 2 + 3 - 0 };
		sp_ppo_gae(3, r, v, nd, 3, 1, 1, adv, ret);
		CHECK_ARRAY_CLOSE(adv, wa1, 3, 1e-15, "GAE lambda 1 = Monte Carlo");
		/* lambda 0: one-step TD errors */
		double wa0[] = { 1 + 0.5 * 1 - 0.5, 0 + 0.5 * 0 - 1, 2 + 0.5 * 3 };
		sp_ppo_gae(3, r, v, nd, 3, 0.5, 0, adv, ret);
		CHECK_ARRAY_CLOSE(adv, wa0, 3, 1e-15, "GAE lambda 0 = TD");
	}
	/* Clipped surrogate, eps 0.2, by hand:
	 *   rho 1.5, A  2: min(3, 2.4) = 2.4 clipped, grad 0
	 *   rho 1.5, A -1: min(-1.5, -1.2) = -1.5, grad -(-1.5)/5
	 *   rho 0.5, A  1: min(0.5, 0.8) = 0.5, grad -0.5/5
	 *   rho 0.5, A -2: min(-1, -1.6) = -1.6 clipped, grad 0
	 *   rho 1.1, A  3: 3.3 (inside the range), grad -3.3/5
	 * L = -(2.4 - 1.5 + 0.5 - 1.6 + 3.3) / 5 = -0.62, clip fraction 0.4. */
	{
		double lo[] = { 0, 0, 0, 0, 0 };
		double ln[] = { log(1.5), log(1.5), log(0.5), log(0.5), log(1.1) };
		double A[] = { 2, -1, 1, -2, 3 }, g[5], cf;
		double wg[] = { 0, 0.3, -0.1, 0, -0.66 };
		double L = sp_ppo_clip_loss(5, ln, lo, A, 0.2, g, &cf);
		CHECK_CLOSE(L, -0.62, 1e-14, "clipped loss");
		CHECK_ARRAY_CLOSE(g, wg, 5, 1e-14, "clipped loss gradient");
		CHECK_CLOSE(cf, 0.4, 1e-15, "clip fraction");
		/* the gradient is the derivative of the loss where it is smooth */
		for (int i = 0; i < 5; i++) {
			double h = 1e-7, keep = ln[i], lp, lm;
			ln[i] = keep + h;
			lp = sp_ppo_clip_loss(5, ln, lo, A, 0.2, NULL, NULL);
			ln[i] = keep - h;
			lm = sp_ppo_clip_loss(5, ln, lo, A, 0.2, NULL, NULL);
			ln[i] = keep;
			CHECK_CLOSE((lp - lm) / (2 * h), g[i], 1e-6, "clipped loss finite difference");
		}
	}
	/* advantage normalisation */
	{
		double x[] = { 1, 2, 3, 4 }, c[] = { 5, 5 };
		sp_ppo_normalise(x, 4);
		CHECK_CLOSE(x[0], -1.5 / sqrt(1.25), 1e-15, "normalised");
		CHECK_CLOSE(x[0] + x[1] + x[2] + x[3], 0, 1e-15, "normalised mean");
		sp_ppo_normalise(c, 2);
		CHECK(c[0] == 0 && c[1] == 0, "constant advantages only centred");
	}
	/* options are checked */
	{
		sp_ppo_opts o;
		sp_error err;
		sp_ppo_defaults(&o);
		o.nhidden = 0;
		CHECK(!sp_ppo_new(&o, 1, 5, &err) && err.code == SP_EUSAGE, "0 hidden layers rejected");
		sp_ppo_defaults(&o);
		o.clip = 0;
		CHECK(!sp_ppo_new(&o, 1, 5, &err) && err.code == SP_EUSAGE, "clip 0 rejected");
	}
	/* The toy agent: 2 x 32 networks, lr 3e-3, rollouts of 500 steps,
	 * minibatches of 100.  It must reach the optimal greedy policy within
	 * 40 updates (20000 environment steps): the greedy return summed over
	 * the 20 starts equals the optimum computed here, and every start ends
	 * at 7.  (Seeds 1-9 all get there by 20000 steps; most by 10000.) */
	{
		sp_ppo_opts o;
		sp_error err;
		toy tr = { sp_rand_new(5), 0, 0, 0 }, ev = { NULL, 0, 0, 1 };
		sp_ppo_env te = { 1, 5, toy_reset, toy_step, NULL };
		sp_ppo_env ve = { 1, 5, toy_reset, toy_step, toy_rewind };
		double opt = 0, got = 0, before;
		long steps;
		int allseven = 1;

		/* the optimal return: move 2 per step towards 7 */
		for (int n0 = 1; n0 <= 20; n0++) {
			int n = n0;
			for (int t = 0; t < 10; t++) {
				n += n < 7 ? (7 - n < 2 ? 7 - n : 2) : -(n - 7 < 2 ? n - 7 : 2);
				opt -= abs(n - 7);
			}
		}
		sp_ppo_defaults(&o);
		o.hidden[0] = o.hidden[1] = 32;
		o.lr_actor = o.lr_critic = 3e-3;
		o.rollout = 500;
		o.batch = 100;
		/* under valgrind: 2 updates, checking memory rather than learning */
		o.max_steps = small ? 1000 : 20000;
		o.patience = 1000;
		o.seed = 1;
		sp_ppo *a = sp_ppo_new(&o, 1, 5, &err);
		CHECK(a != NULL, "agent: %s", err.msg);
		sp_ppo_evaluate(sp_ppo_actor(a), &ve, &ev, 0, &before, &steps, &err);
		CHECK(sp_ppo_train(a, &te, &tr, &ve, &ev, NULL, NULL, &err) == 0, "train: %s", err.msg);
		CHECK(sp_ppo_evaluate(sp_ppo_actor(a), &ve, &ev, 0, &got, &steps, &err) == 0, "evaluate");
		CHECK(steps == 200, "evaluation steps %ld", steps);
		if (small) {
			CHECK(got <= opt && steps == 200, "short training runs");
			sp_ppo_free(a);
			sp_rand_free(tr.r);
			return check_summary();
		}
		CHECK(got == opt, "toy agent: greedy return %g, optimal %g (untrained %g)", got, opt, before);
		for (int n0 = 1; n0 <= 20; n0++) {
			double s[1];
			int done;
			double r;
			ev.eval_start = n0;
			toy_reset(&ev, s, &err);
			for (int t = 0; t < 10; t++)
				toy_step(&ev, sp_ppo_policy_act(sp_ppo_actor(a), s, NULL), s, &r, &done, &err);
			allseven &= ev.n == 7;
		}
		CHECK(allseven, "every start ends at the target");
		sp_ppo_free(a);
		sp_rand_free(tr.r);
	}
	return check_summary();
}
