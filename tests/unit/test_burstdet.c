/* test_burstdet: burstdetect's decision on hand-worked cases: the step
 * decided and its band (causal and same-step), the normal demand (the
 * forecast, a Gaussian quantile of the band, upper/lower, the max over
 * --lead horizons), spikes, and the burst demand (AR on a flat history
 * = the history's level, then the band floor: upper, or lower after a dip
 * below the band; the band alone without history; the AR fed and refitted
 * inside a burst, checked against sp_arburst itself). */
#include <math.h>

#include "check.h"
#include "sp_arburst.h"
#include "sp_burstdet.h"

/* z of the standard normal at 0.75 and 0.99 (and at 0.01 = 1 - 0.99). */
#define Z75 0.67448975019608171
#define Z99 2.3263478740408408

/* One detector option set: H horizons, the single newest point decides
 * (near 1, one outlier, score > 1 % of the forecast), no accuracy test. */
static void
opts_simple(sp_burstdet_opts *o, int H)
{
	sp_burstdet_defaults(o);
	o->det.H = H;
	o->det.near = 1;
	o->det.min_out = 1;
}

/* Feed w[i] with a constant band (l, m, u) at every horizon. */
static int
feed(sp_burstdet *d, long i, double w, double l, double m, double u, sp_burstdet_decision *out)
{
	double L[3] = { l, l, l }, M[3] = { m, m, m }, U[3] = { u, u, u };

	return sp_burstdet_decide(d, 60.0 * (double)i, 60.0 * (double)(i + 1), w, L, M, U, out, NULL);
}

static void
test_normal(void)
{
	sp_burstdet_opts o;
	sp_burstdet *d;
	sp_burstdet_decision x;
	double L[3] = { 8, 7, 6 }, M[3] = { 10, 12, 9 }, U[3] = { 14, 13, 20 };

	sp_burstdet_defaults(&o);
	CHECK(o.quantile == 0.5 && o.lead == 1 && o.spike_ratio == 0.5 && !o.same_step &&
	    o.normal == SP_BURSTDET_FORECAST && o.det.H == 24 && o.ar.max_window == 336, "defaults");

	/* causal: the decision at origin 0 is for its first target, with the
	 * band issued there; the demand is the forecast */
	opts_simple(&o, 1);
	d = sp_burstdet_new(&o, NULL);
	CHECK(d != NULL, "new");
	CHECK(feed(d, 0, 10, 9, 10, 11, &x) == 0, "origin 0");
	CHECK(x.t == 60 && x.forecast == 10 && x.lower == 9 && x.upper == 11, "step 60 and its band");
	CHECK(x.state == SP_BURST_NORMAL && x.demand == 10, "normal, demand = forecast");
	/* spike: the forecast for the next step moves 6 > 0.5 x 10 from W */
	CHECK(feed(d, 1, 10, 15, 16, 17, &x) == 0 && x.state == SP_BURST_SPIKE && x.demand == 16, "spike");
	sp_burstdet_free(d);

	/* quantile 0.75: 10 + (14 - 10) z(0.75) / z(0.99); 0.25: the mirror */
	o.quantile = 0.75;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0, "q 0.75");
	CHECK_CLOSE(x.demand, 10 + 4 * Z75 / Z99, 1e-12, "quantile 0.75 of (8, 10, 14)");
	CHECK(isnan(x.demand_next), "one horizon: no next");
	sp_burstdet_free(d);
	o.quantile = 0.25;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0, "q 0.25");
	CHECK_CLOSE(x.demand, 10 - 2 * Z75 / Z99, 1e-12, "quantile 0.25 of (8, 10, 14)");
	sp_burstdet_free(d);

	/* upper, lower; the max over horizons 1..lead; demand_next the max
	 * over horizons 2..lead+1 (NaN past H) */
	opts_simple(&o, 3);
	o.normal = SP_BURSTDET_UPPER;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand == 14, "upper, lead 1");
	CHECK(x.demand_next == 13, "upper, lead 1: next = horizon 2 (13): %g", x.demand_next);
	sp_burstdet_free(d);
	o.lead = 2;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand == 14, "upper, lead 2: max(14, 13)");
	CHECK(x.demand_next == 20, "upper, lead 2: next = max(13, 20)");
	sp_burstdet_free(d);
	o.lead = 5;  /* beyond H: all 3 */
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand == 20, "upper, lead 5 > H");
	CHECK(isnan(x.demand_next), "lead 5 > H: no next");
	sp_burstdet_free(d);
	o.normal = SP_BURSTDET_LOWER;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand == 8, "lower, lead 5: max(8, 7, 6)");
	sp_burstdet_free(d);
	o.normal = SP_BURSTDET_FORECAST;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand == 12, "forecast, lead 3: 12");
	CHECK(isnan(x.demand_hold), "no --hold: no demand_hold");
	sp_burstdet_free(d);

	/* demand_hold: the max over horizons 1..hold of the band's quantile
	 * (--quantile, or --hold-quantile), never below the demand */
	opts_simple(&o, 3);
	o.hold = 2;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand == 10 && x.demand_hold == 12,
	    "hold 2: max(10, 12)");
	sp_burstdet_free(d);
	o.hold = 1;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand_hold == 10, "hold 1: 10");
	sp_burstdet_free(d);
	o.hold = 5;    /* beyond H: all 3 */
	o.hold_quantile = 0.75;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand == 10, "hold quantile: demand at 0.5");
	CHECK_CLOSE(x.demand_hold, 12 + 1 * Z75 / Z99, 1e-12, "hold 5, q 0.75: max(10 + 4r, 12 + r, 9 + 11r)");
	sp_burstdet_free(d);
	o.hold_quantile = 0.25;  /* below the demand's quantile: never below the demand */
	o.hold = 1;
	d = sp_burstdet_new(&o, NULL);
	CHECK(sp_burstdet_decide(d, 0, 60, 10, L, M, U, &x, NULL) == 0 && x.demand_hold == 10, "hold q 0.25: the demand");
	sp_burstdet_free(d);
	o.hold_quantile = 1.5;
	CHECK(sp_burstdet_new(&o, NULL) == NULL, "hold quantile 1.5 refused");
	o.hold_quantile = NAN;
	o.hold = -1;
	CHECK(sp_burstdet_new(&o, NULL) == NULL, "hold -1 refused");

	/* same step: the step is the origin, its band the previous origin's;
	 * the first has none */
	opts_simple(&o, 1);
	o.same_step = 1;
	o.lead = 3;  /* ignored: the horizon-1 band of the step alone */
	d = sp_burstdet_new(&o, NULL);
	CHECK(feed(d, 0, 10, 9, 10, 11, &x) == 0, "same step 0");
	CHECK(x.t == 0 && isnan(x.forecast) && isnan(x.demand) && x.state == SP_BURST_NORMAL, "no band yet");
	CHECK(feed(d, 1, 10, 8, 9, 12, &x) == 0, "same step 1");
	CHECK(x.t == 60 && x.forecast == 10 && x.lower == 9 && x.upper == 11 && x.demand == 10,
	    "the band issued one step before");
	sp_burstdet_free(d);
}

/* Same step, H = 1: W = 10 at steps 0..4 under the band (9, 10, 11), then
 * the band `b3` for step 3, and W5 above the band (l5, m5, u5) of step 5.
 * Returns the decision for step 5. */
static sp_burstdet_decision
burst5(const double b3[3], double l5, double m5, double u5, double w5)
{
	sp_burstdet_opts o;
	sp_burstdet *d;
	sp_burstdet_decision x = { 0 };
	long i;

	opts_simple(&o, 1);
	o.same_step = 1;
	d = sp_burstdet_new(&o, NULL);
	for (i = 0; i < 5; i++) {
		/* the band issued at origin i is for step i + 1 */
		if (i == 2)
			feed(d, i, 10, b3[0], b3[1], b3[2], &x);
		else if (i == 4)
			feed(d, i, 10, l5, m5, u5, &x);
		else
			feed(d, i, 10, 9, 10, 11, &x);
		CHECK(x.state != SP_BURST_BURST, "calm step %ld", i);
	}
	CHECK(feed(d, 5, w5, 9, 10, 11, &x) == 0, "step 5");
	sp_burstdet_free(d);
	return x;
}

static void
test_burst(void)
{
	static const double calm[3] = { 9, 10, 11 }, dip[3] = { 10.05, 11, 12 };
	sp_burstdet_opts o;
	sp_burstdet *d;
	sp_burstdet_decision x;
	sp_arburst *ar;
	double h[10], est;
	long i;

	/* the flat history of 10 gives the AR 10; no dip: max(10, upper) */
	x = burst5(calm, 9, 10, 11, 20);
	CHECK(x.state == SP_BURST_BURST && x.demand == 11, "burst: the upper bound (%g)", x.demand);
	x = burst5(calm, 10.5, 20, 30, 40);
	CHECK(x.state == SP_BURST_BURST && x.demand == 30, "burst: the upper bound 30 (%g)", x.demand);
	/* W3 = 10 just below the band (10.05, ...) of step 3 (not a flag: 0.45 %
	 * of the forecast): max(AR 10, lower 10.5) */
	x = burst5(dip, 10.5, 20, 30, 40);
	CHECK(x.state == SP_BURST_BURST && x.demand == 10.5, "burst after a dip: the lower bound (%g)", x.demand);
	/* after a dip, an AR above the lower bound stays */
	x = burst5(dip, 9, 10, 11, 20);
	CHECK(x.state == SP_BURST_BURST && x.demand == 10, "burst after a dip: the AR (%g)", x.demand);

	/* too little history for the AR (2 loads): the upper bound */
	opts_simple(&o, 1);
	o.same_step = 1;
	d = sp_burstdet_new(&o, NULL);
	feed(d, 0, 10, 9, 10, 11, &x);
	feed(d, 1, 10, 9, 10, 15, &x);
	CHECK(feed(d, 2, 20, 9, 10, 11, &x) == 0 && x.state == SP_BURST_BURST && x.demand == 15,
	    "burst without history: the band (%g)", x.demand);
	sp_burstdet_free(d);

	/* inside a burst the AR is fed the new loads and refitted: steps 5 and
	 * 6 in a burst, the demand of 6 is max(AR(10 x 5, then 20), upper) */
	opts_simple(&o, 1);
	o.same_step = 1;
	d = sp_burstdet_new(&o, NULL);
	for (i = 0; i < 5; i++)
		feed(d, i, 10, 9, 10, 11, &x);
	feed(d, 5, 20, 9, 10, 11, &x);
	CHECK(feed(d, 6, 25, 9, 10, 11, &x) == 0 && x.state == SP_BURST_BURST, "step 6 in the burst");
	for (i = 0; i < 5; i++)
		h[i] = 10;
	ar = sp_arburst_begin(h, 5, &o.ar, NULL);
	sp_arburst_next(ar, &est, NULL, NULL);
	CHECK(est == 10, "the flat AR is the level");
	sp_arburst_observe(ar, 20, NULL);
	sp_arburst_next(ar, &est, NULL, NULL);
	CHECK(est > 11, "the refitted AR is above the band");
	CHECK(x.demand == est, "burst step 6: the refitted AR %.17g (got %.17g)", est, x.demand);
	sp_arburst_free(ar);
	/* a calm step ends the burst; a new burst starts a new AR, from the
	 * start of the trace when the calm span is shorter than --ar-min */
	feed(d, 7, 10, 9, 10, 11, &x);
	CHECK(x.state == SP_BURST_SPIKE, "calm again (a spike: the forecast 10 is far from W6 = 25)");
	feed(d, 8, 10, 9, 10, 11, &x);
	feed(d, 9, 10, 9, 10, 11, &x);
	CHECK(feed(d, 10, 30, 9, 10, 11, &x) == 0 && x.state == SP_BURST_BURST, "a second burst");
	{
		double w[10] = { 10, 10, 10, 10, 10, 20, 25, 10, 10, 10 };
		ar = sp_arburst_begin(w, 10, &o.ar, NULL);
		sp_arburst_next(ar, &est, NULL, NULL);
		sp_arburst_free(ar);
		CHECK(x.demand == fmax(est, 11), "second burst: AR on steps 0..9 %.17g, floored at 11 (got %.17g)",
		    est, x.demand);
	}
	sp_burstdet_free(d);

	/* with --ar-min 3 the history is the calm span after the last burst
	 * (steps 7..9, flat 10): the upper bound */
	o.ar.min_window = 3;
	d = sp_burstdet_new(&o, NULL);
	for (i = 0; i < 5; i++)
		feed(d, i, 10, 9, 10, 11, &x);
	feed(d, 5, 20, 9, 10, 11, &x);
	feed(d, 6, 25, 9, 10, 11, &x);
	for (i = 7; i < 10; i++)
		feed(d, i, 10, 9, 10, 11, &x);
	CHECK(feed(d, 10, 30, 9, 10, 11, &x) == 0 && x.state == SP_BURST_BURST && x.demand == 11,
	    "--ar-min 3: the history after the last burst (%g)", x.demand);
	sp_burstdet_free(d);

	/* causal: the burst labelled at t provisions t + 1 with its band */
	opts_simple(&o, 1);
	d = sp_burstdet_new(&o, NULL);
	for (i = 0; i < 5; i++)
		feed(d, i, 10, 9, 10, 11, &x);
	CHECK(feed(d, 5, 20, 18, 20, 22, &x) == 0 && x.state == SP_BURST_BURST && x.t == 360 && x.upper == 22,
	    "causal burst: step 6 with the band issued at 5");
	/* history W0..W5 (p = 6); check window 2..5 all above their lower: max(AR, 22) */
	{
		double w[6] = { 10, 10, 10, 10, 10, 20 };
		ar = sp_arburst_begin(w, 6, &o.ar, NULL);
		sp_arburst_next(ar, &est, NULL, NULL);
		sp_arburst_free(ar);
		CHECK(x.demand == fmax(est, 22), "causal burst demand %.17g (got %.17g)", fmax(est, 22), x.demand);
	}
	sp_burstdet_free(d);
}

/* A fresh AR(2) fit that oscillates (the history is y_i = 1.64 y_(i-1) -
 * 1.48 y_(i-2) around 2000, the coefficients of the tweet-volume case that
 * gave a demand of -497.8 at a load of 1452): at origin 19 the AR
 * predicts far below the load; with a band below it too, the demand is the
 * observed load. */
/* burst = SP_BURSTDET_BURST_NORMAL: the same steps labelled a burst, and
 * provisioned as normal steps: the forecast's quantile over --lead horizons
 * (here 0.75 of the burst step's band, causal), no AR */
static void
test_burst_normal(void)
{
	sp_burstdet_opts o;
	sp_burstdet *a, *n;
	sp_burstdet_decision xa, xn;
	double L[3] = { 9, 8, 7 }, M[3] = { 10, 12, 11 }, U[3] = { 11, 16, 15 };
	long i;
	int bursts = 0;

	opts_simple(&o, 3);
	o.quantile = 0.75;
	o.lead = 2;
	o.hold = 3;
	a = sp_burstdet_new(&o, NULL);
	o.burst = SP_BURSTDET_BURST_NORMAL;
	n = sp_burstdet_new(&o, NULL);
	CHECK(a && n, "new");
	for (i = 0; i < 12; i++) {
		double w = i == 6 || i == 7 ? 40 : 10;   /* a burst at origins 6, 7 */
		double q1 = M[0] + (U[0] - M[0]) * Z75 / Z99, q2 = M[1] + (U[1] - M[1]) * Z75 / Z99;
		double q3 = M[2] + (U[2] - M[2]) * Z75 / Z99;
		CHECK(sp_burstdet_decide(a, 60.0 * (double)i, 60.0 * (double)(i + 1), w, L, M, U, &xa, NULL) == 0 &&
		    sp_burstdet_decide(n, 60.0 * (double)i, 60.0 * (double)(i + 1), w, L, M, U, &xn, NULL) == 0,
		    "origin %ld", i);
		CHECK(xa.state == xn.state, "origin %ld: the same label (%d, %d)", i, (int)xa.state, (int)xn.state);
		if (xn.state != SP_BURST_BURST)
			CHECK(xa.demand == xn.demand && xa.demand_next == xn.demand_next && xa.demand_hold == xn.demand_hold,
			    "origin %ld: a normal step as before", i);
		else {
			bursts++;
			CHECK(fabs(xn.demand - fmax(q1, q2)) < 1e-12, "origin %ld: burst, the normal demand %.17g (got %.17g)",
			    i, fmax(q1, q2), xn.demand);
			CHECK(fabs(xn.demand_next - fmax(q2, q3)) < 1e-12, "origin %ld: its next, horizons 2..3", i);
			CHECK(fabs(xn.demand_hold - fmax(q1, fmax(q2, q3))) < 1e-12, "origin %ld: its hold, horizons 1..3", i);
			CHECK(xa.demand >= 40, "origin %ld: the burst AR's demand, never below the load (%g)", i, xa.demand);
		}
	}
	CHECK(bursts >= 1, "bursts labelled (%d)", bursts);
	sp_burstdet_free(a);
	sp_burstdet_free(n);
	o.burst = (sp_burstdet_burst)2;
	CHECK(sp_burstdet_new(&o, NULL) == NULL, "a burst demand that is not one: refused");
}

static void
test_oscillating(void)
{
	sp_burstdet_opts o;
	sp_burstdet *d;
	sp_burstdet_decision x;
	sp_arburst *ar;
	double y[21], w[20], est, phi[2], estar;
	int i, fb;

	opts_simple(&o, 1);
	d = sp_burstdet_new(&o, NULL);
	y[0] = 0;
	y[1] = 10;
	for (i = 2; i < 21; i++)
		y[i] = 1.64 * y[i - 1] - 1.48 * y[i - 2];
	for (i = 0; i < 20; i++) {
		/* every load 40 above the band issued for it: a burst each step */
		double wn = 2000 + y[i + 1], L = wn - 60, M = wn - 50, U = wn - 40;
		w[i] = 2000 + y[i];
		if (i == 19)
			L = -6000, M = -5000, U = -4000;
		CHECK(feed(d, i, w[i], L, M, U, &x) == 0, "origin %d", i);
		CHECK(x.state != SP_BURST_BURST || x.demand >= w[i], "origin %d: demand %g below the load %g", i,
		    x.demand, w[i]);
	}
	CHECK(x.state == SP_BURST_BURST && x.demand == w[19], "the load: %.17g (load %.17g)", x.demand, w[19]);
	ar = sp_arburst_begin(w, 20, &o.ar, NULL);
	sp_arburst_next(ar, &est, NULL, NULL);
	sp_arburst_state(ar, phi, &estar, &fb);
	sp_arburst_free(ar);
	CHECK(est < w[19] - 300 && phi[0] > 1 && phi[1] < -1, "the AR alone: %g (phi %g, %g)", est, phi[0], phi[1]);
	sp_burstdet_free(d);
}

static void
test_errors(void)
{
	sp_burstdet_opts o;
	sp_burstdet *d;
	sp_burstdet_decision x;
	sp_error err;

	opts_simple(&o, 1);
	o.lead = 0;
	CHECK(!sp_burstdet_new(&o, &err) && err.code == SP_EUSAGE, "lead 0");
	opts_simple(&o, 1);
	o.quantile = 1;
	CHECK(!sp_burstdet_new(&o, &err) && err.code == SP_EUSAGE, "quantile 1");
	opts_simple(&o, 1);
	o.ar.max_window = SP_BURSTDET_RING + 1;
	CHECK(!sp_burstdet_new(&o, &err) && err.code == SP_EUSAGE, "AR window beyond the ring");
	opts_simple(&o, 1);
	o.det.q_lo = 0.995;
	CHECK(!sp_burstdet_new(&o, &err) && err.code == SP_EUSAGE, "the detector's options");
	opts_simple(&o, 1);
	d = sp_burstdet_new(&o, &err);
	CHECK(feed(d, 0, NAN, 9, 10, 11, &x) == SP_EDATA, "a load that is not a number");
	sp_burstdet_free(d);
	sp_burstdet_free(NULL);
}

int
main(void)
{
	test_normal();
	test_burst();
	test_burst_normal();
	test_oscillating();
	test_errors();
	return check_summary();
}
