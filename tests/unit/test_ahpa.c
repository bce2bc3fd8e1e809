/* test_ahpa: the AHPA-style autoscaler: STL against statsmodels' STL
 * (tests/ref/stl_ref.py: robust, plain, with jumps, degree 0), STL
 * recovering an exact linear trend and zero-mean season by hand, the
 * robustness of the seasonal component to a few huge outliers, the period
 * detection, the forecast read one start-up time ahead (a daily step at
 * 10:00 scheduled 180 s early), and the max(proactive, reactive) rule with
 * its bounds. */
#include "check.h"
#include "sp_ahpa.h"
#include "sp_rand.h"

#include <math.h>
#include <stdlib.h>

#define T0 1699920000.0         /* 2023-11-14 00:00 UTC */
#define H 3600.0
#define D 86400.0

static int
read_row(FILE *f, const char *tag, double *v, int n)
{
	char t[8];
	int i;

	if (fscanf(f, "%7s", t) != 1 || strcmp(t, tag))
		return -1;
	for (i = 0; i < n; i++)
		if (fscanf(f, "%lf", &v[i]) != 1)
			return -1;
	return 0;
}

static void
test_stl_reference(void)
{
	FILE *f = fopen("tests/ref/stl_ref.txt", "r");
	char tag[8], name[32];
	int np, ns, nt, nl, sd, td, ld, sj, tj, lj, in, out, n, cases = 0;
	double y[200], s[200], t[200], w[200], gs[200], gt[200], gw[200];
	sp_ahpa_stl_opts o;
	sp_error err;

	CHECK(f != NULL, "tests/ref/stl_ref.txt missing");
	if (!f)
		return;
	while (fscanf(f, "%7s %31s %d %d %d %d %d %d %d %d %d %d %d %d %d", tag, name, &np, &ns, &nt, &nl,
	    &sd, &td, &ld, &sj, &tj, &lj, &in, &out, &n) == 15 && n <= 200) {
		if (read_row(f, "Y", y, n) || read_row(f, "S", s, n) || read_row(f, "T", t, n) ||
		    read_row(f, "W", w, n)) {
			CHECK(0, "bad reference block %s", name);
			break;
		}
		sp_ahpa_stl_defaults(&o, np);
		o.ns = ns;
		o.nt = nt;
		o.nl = nl;
		o.sdeg = sd;
		o.tdeg = td;
		o.ldeg = ld;
		o.sjump = sj;
		o.tjump = tj;
		o.ljump = lj;
		o.inner = in;
		o.outer = out;
		CHECK(sp_ahpa_stl(y, (size_t)n, &o, gs, gt, gw, &err) == 0, "%s: %s", name, err.msg);
		CHECK_ARRAY_CLOSE(gs, s, n, 1e-9, name);
		CHECK_ARRAY_CLOSE(gt, t, n, 1e-9, name);
		CHECK_ARRAY_CLOSE(gw, w, n, 1e-9, name);
		cases++;
	}
	CHECK(cases == 4, "4 reference cases (got %d)", cases);
	fclose(f);
}

static const double pattern[24] = {
	-5.5, -6.5, -7.5, -7.5, -6.5, -4.5, -1.5, 1.5, 4.5, 6.5, 7.5, 7.5,
	6.5, 6.5, 7.5, 7.5, 6.5, 4.5, 1.5, -1.5, -3.5, -5.5, -6.5, -11.5
};

static void
test_stl_recovers(void)
{
	size_t n = 240, i;
	double y[240], s[240], t[240], w[240], s2[240], t2[240], maxs = 0, maxt = 0, mean = 0;
	sp_ahpa_stl_opts o;
	sp_error err;

	for (i = 0; i < 24; i++)
		mean += pattern[i] / 24;
	CHECK(fabs(mean) < 1e-12, "the pattern is zero-mean");
	for (i = 0; i < n; i++)
		y[i] = 50 + 0.2 * (double)i + pattern[i % 24];
	sp_ahpa_stl_defaults(&o, 24);
	o.sjump = o.tjump = o.ljump = 1;
	o.inner = 5;
	o.outer = 0;
	CHECK(sp_ahpa_stl(y, n, &o, s, t, w, &err) == 0, "stl: %s", err.msg);
	for (i = 0; i < n; i++) {
		maxs = fmax(maxs, fabs(s[i] - pattern[i % 24]));
		maxt = fmax(maxt, fabs(t[i] - (50 + 0.2 * (double)i)));
	}
	CHECK(maxs < 1e-9 && maxt < 1e-9, "linear trend and zero-mean season recovered (%.3g, %.3g)", maxs, maxt);

	/* robustness: 4 spikes of +-1000 (amplitude of the season: 19) */
	y[30] += 1000;
	y[101] -= 1000;
	y[150] += 1000;
	y[190] += 1000;     /* (a spike within a trend window of the end moves the
			     * last trend values: statsmodels' STL does the same) */
	o.inner = 2;
	o.outer = 15;
	sp_ahpa_stl(y, n, &o, s2, t2, w, &err);
	maxs = maxt = 0;
	for (i = 0; i < n; i++) {
		maxs = fmax(maxs, fabs(s2[i] - pattern[i % 24]));
		maxt = fmax(maxt, fabs(t2[i] - (50 + 0.2 * (double)i)));
	}
	CHECK(maxs < 0.5 && maxt < 0.5, "robust STL: spikes move the season by < 0.5 (%.3g) and trend (%.3g)", maxs, maxt);
	CHECK(w[30] == 0 && w[101] == 0 && w[150] == 0 && w[190] == 0, "the spikes get weight 0");
	/* the plain STL is pulled far */
	o.inner = 5;
	o.outer = 0;
	sp_ahpa_stl(y, n, &o, s2, t2, w, &err);
	maxs = 0;
	for (i = 0; i < n; i++)
		maxs = fmax(maxs, fabs(s2[i] - pattern[i % 24]));
	CHECK(maxs > 20, "without robustness the season moves by %.3g", maxs);
	o.ns = 6;
	CHECK(sp_ahpa_stl(y, n, &o, s2, t2, w, &err) == SP_EUSAGE, "even window refused");
	o.ns = 7;
	CHECK(sp_ahpa_stl(y, 40, &o, s2, t2, w, &err) == SP_EUSAGE, "fewer than 2 periods refused");
}

static void
test_period(void)
{
	size_t n = 3 * 1440, i;
	double *x = malloc(n * sizeof *x);
	sp_rand *r = sp_rand_new(5);
	int p;

	for (i = 0; i < n; i++)
		x[i] = 100 + 50 * sin(2 * M_PI * (double)i / 1440) + sp_rand_normal(r, 5);
	x[100] = x[950] = x[2222] = 1e5;     /* outliers */
	x[3001] = -1e5;
	p = sp_ahpa_period(x, n, 60, 0.3);
	CHECK(abs(p - 1440) <= 2, "daily period found (%d)", p);
	for (i = 0; i < n; i++)
		x[i] = 100 + sp_rand_normal(r, 5);
	CHECK(sp_ahpa_period(x, n, 60, 0.3) == 0, "white noise: no period");
	free(x);
	sp_rand_free(r);
}

/* 500 req/s during 10:00-11:00 each day, 100 otherwise (the minute ending
 * at t). */
static double
load_at(double t)
{
	double s = fmod(t - T0, D);
	return s > 10 * H && s <= 11 * H ? 500 : 100;
}

static void
run_history(sp_ahpa *a, double until)
{
	sp_error err;
	double t;

	for (t = T0 + 60; t <= until; t += 60)
		sp_ahpa_observe(a, t, load_at(t), &err);
}

static void
test_shift(void)
{
	sp_ahpa_opts o;
	sp_ahpa *a;
	sp_error err;
	double t10 = T0 + 3 * D + 10 * H, f;
	int r = 0;

	sp_ahpa_defaults(&o);
	a = sp_ahpa_new(&o, &err);
	run_history(a, T0 + 3 * D);
	CHECK(sp_ahpa_refresh(a, T0 + 3 * D, &err) == 1, "forecast made: %s", err.msg);
	CHECK(sp_ahpa_period_found(a) == 1440, "period 1 day (%d)", sp_ahpa_period_found(a));
	CHECK(sp_ahpa_forecast(a, t10 - 60, &f) && fabs(f - 100) < 5, "09:59 ~ 100 (%g)", f);
	CHECK(sp_ahpa_forecast(a, t10 + 60, &f) && fabs(f - 500) < 5, "10:01 ~ 500 (%g)", f);
	/* start-up 180 s: the step is provisioned at 09:57:15 (the first tick
	 * whose t + 180 s falls in the 10:00-10:01 minute); the load is 100 */
	sp_ahpa_observe(a, t10 - 180, 100, &err);
	sp_ahpa_decide(a, t10 - 180, 10, 10, 10, &r, &err);
	CHECK(r == 10 || r == 11, "09:57:00: still ~10 (%d, %s)", r, sp_ahpa_reason(a));
	sp_ahpa_observe(a, t10 - 165, 100, &err);
	sp_ahpa_decide(a, t10 - 165, 10, 10, 10, &r, &err);
	CHECK(r >= 50 && r <= 51 && !strcmp(sp_ahpa_reason(a), "proactive"), "09:57:15: ~50 proactive (%d, %s)", r,
	    sp_ahpa_reason(a));
	sp_ahpa_free(a);

	/* no start-up time: at 10:00:15 */
	sp_ahpa_defaults(&o);
	o.startup = 0;
	a = sp_ahpa_new(&o, &err);
	run_history(a, T0 + 3 * D);
	sp_ahpa_observe(a, t10 - 165, 100, &err);
	sp_ahpa_decide(a, t10 - 165, 10, 10, 10, &r, &err);
	CHECK(r <= 11, "startup 0: not yet at 09:57:15 (%d)", r);
	sp_ahpa_observe(a, t10, 100, &err);
	sp_ahpa_decide(a, t10, 10, 10, 10, &r, &err);
	CHECK(r <= 11, "startup 0: not yet at 10:00:00 (%d)", r);
	sp_ahpa_observe(a, t10 + 15, 500, &err);
	sp_ahpa_decide(a, t10 + 15, 10, 10, 10, &r, &err);
	CHECK(r >= 50, "startup 0: at 10:00:15 (%d)", r);
	sp_ahpa_free(a);
}

static void
test_max_rule(void)
{
	sp_ahpa_opts o;
	sp_ahpa *a;
	sp_error err;
	double t = T0 + 3 * D + 3 * H;
	int r = 0;
	sp_peer p;

	sp_ahpa_defaults(&o);
	o.max = 60;
	a = sp_ahpa_new(&o, &err);
	/* before the minimum history: reactive only */
	run_history(a, T0 + D);
	sp_ahpa_decide(a, T0 + D, 5, 5, 10, &r, &err);
	CHECK(r == 10 && !strcmp(sp_ahpa_reason(a), "reactive"), "one day: reactive ceil(100/10) (%d %s)", r,
	    sp_ahpa_reason(a));
	run_history(a, t);
	/* 03:00, forecast ~100 + q, load spikes to 900: reactive wins */
	sp_ahpa_observe(a, t, 900, &err);
	sp_ahpa_decide(a, t, 10, 10, 10, &r, &err);
	CHECK(r == 60 && !strcmp(sp_ahpa_reason(a), "max"), "reactive 90 clamped to max 60 (%d %s)", r,
	    sp_ahpa_reason(a));
	sp_ahpa_observe(a, t + 15, 450, &err);
	sp_ahpa_decide(a, t + 15, 60, 60, 10, &r, &err);
	CHECK(r == 45 && !strcmp(sp_ahpa_reason(a), "reactive"), "reactive 45 (%d %s)", r, sp_ahpa_reason(a));
	/* load 20: the forecast (~100) wins */
	sp_ahpa_observe(a, t + 30, 20, &err);
	sp_ahpa_decide(a, t + 30, 45, 45, 10, &r, &err);
	CHECK(r >= 10 && r <= 11 && !strcmp(sp_ahpa_reason(a), "proactive"), "proactive ~10 (%d %s)", r,
	    sp_ahpa_reason(a));
	p = sp_ahpa_peer(a);
	CHECK(!strcmp(sp_peer_name(&p), "ahpa"), "peer handle");
	CHECK(sp_peer_observe(&p, t, 1, &err) == SP_EUSAGE, "time going back refused");
	sp_peer_free(&p);
	sp_ahpa_defaults(&o);
	o.quantile = 1;
	CHECK(sp_ahpa_new(&o, &err) == NULL && err.code == SP_EUSAGE, "quantile 1 refused");
}

int
main(void)
{
	test_stl_reference();
	test_stl_recovers();
	test_period();
	test_shift();
	test_max_rule();
	return check_summary();
}
