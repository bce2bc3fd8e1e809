/* test_crane: Crane's DSP predictor and the EHPA on worked examples:
 * the asymmetric error's published values (accuracy.go: amplify(0.1) =
 * 0.47, amplify(0.5) = 3.1), montanaflynn/stats' percentile on exact
 * indices, outlier replacement and the gap cut on hand-made series, the
 * estimators on closed forms (including the half weight the FFT filter
 * leaves on a weak low-frequency bin), a noisy daily sine found periodic
 * and forecast within a few percent, white noise found not periodic, and
 * the EHPA's max-of-two-metrics rule with the invalid-prediction rule. */
#include "check.h"
#include "sp_crane.h"
#include "sp_rand.h"

#include <math.h>
#include <stdlib.h>

#define DAYS 86400.0

static void
test_error(void)
{
	double a[2] = { 10, 10 }, p[2] = { 9, 11 }, z[2] = { 0, 10 }, pz[2] = { 1, 8 };

	CHECK_CLOSE(sp_crane_amplify(0.1), 0.4721647344828151, 1e-14, "amplify(0.1)");
	CHECK(fabs(sp_crane_amplify(0.1) - 0.47) < 0.005, "published 0.47");
	CHECK_CLOSE(sp_crane_amplify(0.5), 3.10628371950539, 1e-14, "amplify(0.5)");
	CHECK(fabs(sp_crane_amplify(0.5) - 3.1) < 0.01, "published 3.1");
	/* 10 % under and 10 % over: (0.472 + 0.1) / 2 */
	CHECK_CLOSE(sp_crane_pe(a, p, 2), (0.4721647344828151 + 0.1) / 2, 1e-14, "asymmetric MAPE");
	/* an actual below 1e-3: the mean absolute error */
	CHECK_CLOSE(sp_crane_pe(z, pz, 2), (1.0 + 2.0) / 2, 1e-14, "MAE fallback");
}

static void
test_percentile_outliers(void)
{
	double x[2000], v;
	size_t i;

	for (i = 0; i < 1000; i++)
		x[i] = (double)(i + 1);
	/* 0.999 * 1000 = 999.0000000000001 (not whole): mean of the 999th and
	 * 1000th; 0.001 * 1000 = 1.0 (whole): the smallest */
	CHECK(sp_crane_percentile(x, 1000, 99.9, &v) == 0 && v == 999.5, "p99.9 of 1..1000 (got %g)", v);
	CHECK(sp_crane_percentile(x, 1000, 0.1, &v) == 0 && v == 1, "p0.1 of 1..1000 (got %g)", v);
	/* fewer than 1000 samples: p0.1 is an error (index < 1), and Crane then
	 * replaces nothing */
	CHECK(sp_crane_percentile(x, 999, 0.1, &v) < 0, "p0.1 of 999 samples is an error");
	x[500] = 1e6;
	CHECK(sp_crane_outliers(x, 999) == 0 && x[500] == 1e6, "no outlier step below 1000 samples");

	for (i = 0; i < 2000; i++)
		x[i] = 100 + (double)(i % 10);
	x[500] = 1e6;
	x[1500] = 0;
	x[1501] = -5;
	/* p99.9: index 1998.0000000000002 -> mean(c[1997], c[1998]) = 109;
	 * p0.1: index 2 -> c[1] = 0; so 1e6 and -5 go, 0 stays */
	CHECK(sp_crane_outliers(x, 2000) == 2, "two outliers replaced");
	CHECK(x[500] == x[499] && x[500] == 109, "spike replaced by the previous value (got %g)", x[500]);
	CHECK(x[1500] == 0 && x[1501] == 0, "low outlier replaced by the previous (cleaned) value");
}

static void
test_fill(void)
{
	/* samples at 0, 60, 120 | gap of 3660 s | 3780, 3840, 4020, 4080 */
	double t[] = { 0, 60, 120, 3780, 3840, 4020, 4080 };
	double v[] = { 9, 9, 9, 1, 2, 5, 6 };
	double *y = NULL, tl = 0;
	size_t n = 0;
	sp_error err;

	CHECK(sp_crane_fill(t, v, 7, 60, 60, &y, &n, &tl, &err) == 0, "fill: %s", err.msg);
	/* after the gap: 1, 2, (3, 4 interpolated), 5, 6 */
	CHECK(n == 6 && y[0] == 1 && y[1] == 2 && y[2] == 3 && y[3] == 4 && y[4] == 5 && y[5] == 6,
	    "gap cut and linear interpolation (n %zu)", n);
	CHECK(tl == 4080, "last timestamp");
	free(y);
	/* trimmed from the front to whole units of 4 samples: 6 -> 4 */
	CHECK(sp_crane_fill(t, v, 7, 60, 240, &y, &n, &tl, &err) == 0 && n == 4 && y[0] == 3 && y[3] == 6,
	    "trim to whole units");
	free(y);
	t[4] = 3810;
	CHECK(sp_crane_fill(t, v, 7, 60, 60, &y, &n, &tl, &err) == SP_EDATA, "off-grid step refused");
}

static void
test_estimators(void)
{
	sp_crane_estimator e = { SP_CRANE_MAXVALUE, 0, 0, 0, 0, 0 };
	double x[] = { 1, 5, 3, 4, 2, 6 }, out[2880], *s, want;
	sp_error err;
	size_t i, n = 2880;

	CHECK(sp_crane_estimate(&e, x, 6, 3, 60, out, &err) == 0 && out[0] == 4 && out[1] == 5 && out[2] == 6,
	    "maxValue: phase-wise maximum");
	e.margin = 0.5;
	sp_crane_estimate(&e, x, 6, 3, 60, out, &err);
	CHECK(out[0] == 6 && out[2] == 9, "maxValue margin");

	/* two days at 1 min: DC 40, a strong daily (bin 2, amplitude 20), a
	 * strong 12-h (bin 4, amplitude 10) and a weak 2-day wave (bin 1,
	 * amplitude 0.5).  minItems 2: threshold = max(100th amplitude,
	 * lowAmp 1.0) = 1.0 (the 2nd amplitude, 5, is not lower).  Bin 1
	 * (1/172800 Hz <= 1/3600 Hz) is kept, its conjugate bin (high
	 * frequency, amplitude 0.25 < 1) is zeroed: half of it survives. */
	s = malloc(n * sizeof *s);
	for (i = 0; i < n; i++) {
		double ph = 2 * M_PI * (double)i / (double)n;
		s[i] = 40 + 20 * cos(2 * ph) + 10 * cos(4 * ph) + 0.5 * cos(ph);
	}
	e = (sp_crane_estimator){ SP_CRANE_FFT, 2, 0, 0, 0, 0 };
	CHECK(sp_crane_estimate(&e, s, n, 1440, 60, out, &err) == 0, "fft estimate");
	for (i = 0; i < 1440; i++) {
		double ph = 2 * M_PI * (double)(i + 1440) / (double)n;
		want = 40 + 20 * cos(2 * ph) + 10 * cos(4 * ph) + 0.25 * cos(ph);
		if (want <= 0)
			want = 0.01;
		want *= 1.1;     /* margin 0 means Crane's default 0.1 */
		if (fabs(out[i] - want) > 1e-9)
			break;
	}
	CHECK(i == 1440, "fft: weak low-frequency bin at half weight, floor 0.01, margin 0.1 (i %zu: %g vs %g)",
	    i, i < 1440 ? out[i] : 0, want);
	/* minItems 3: the threshold falls to the 3rd amplitude (0.25), which is
	 * not below itself: everything is kept */
	e.min_items = 3;
	sp_crane_estimate(&e, s, n, 1440, 60, out, &err);
	for (i = 0; i < 1440; i++) {
		double ph = 2 * M_PI * (double)(i + 1440) / (double)n;
		want = 40 + 20 * cos(2 * ph) + 10 * cos(4 * ph) + 0.5 * cos(ph);
		want = (want <= 0 ? 0.01 : want) * 1.1;
		if (fabs(out[i] - want) > 1e-9)
			break;
	}
	CHECK(i == 1440, "fft: minItems 3 keeps the weak bin whole");
	free(s);
}

static double
sine(double i)
{
	return 100 + 50 * sin(2 * M_PI * i / 1440);
}

static void
test_periodic(void)
{
	size_t n = 3 * 1440, i;
	double *x = malloc(n * sizeof *x), worst = 0, p;
	sp_rand *noise = sp_rand_new(42), *r = sp_rand_new(7);
	sp_crane_opts o;
	sp_crane_result res;
	sp_error err;

	sp_crane_defaults(&o);
	for (i = 0; i < n; i++)
		x[i] = sine((double)i) + sp_rand_normal(noise, 2.0);
	p = sp_crane_find_period(x, n, 60, r);
	CHECK(p == DAYS, "noisy daily sine: period 1 day (got %g)", p);
	CHECK(sp_crane_predict(&o, x, n, 60, r, &res, &err) == 0, "predict: %s", err.msg);
	CHECK(res.period == DAYS && res.periods == 3 && res.n == n && res.best >= 0, "forecast of 3 days");
	for (i = 0; res.forecast && i < res.n; i++) {
		double rel = fabs(res.forecast[i] / sine((double)(n + i)) - 1);
		if (rel > worst)
			worst = rel;
	}
	/* the chosen margin (1-20 %) is part of the forecast */
	CHECK(res.forecast && worst < 0.12, "forecast within 12 %% of the sine (worst %.3f, estimator %d)",
	    worst, res.best);
	printf("# daily sine: estimator %d, error %.4f, worst relative deviation %.4f\n", res.best,
	    res.error, worst);
	sp_crane_result_free(&res);

	/* white noise: no period, no forecast */
	for (i = 0; i < n; i++)
		x[i] = 100 + sp_rand_normal(noise, 10.0);
	p = sp_crane_find_period(x, n, 60, r);
	CHECK(p != DAYS && p != 7 * DAYS, "white noise is not periodic (got %g)", p);
	CHECK(sp_crane_predict(&o, x, n, 60, r, &res, &err) == 0 && res.forecast == NULL && res.period < 0,
	    "white noise: no forecast");
	sp_crane_result_free(&res);
	/* one day only: not enough for a period */
	CHECK(sp_crane_find_period(x, 1440, 60, r) == -1, "one day: no period");
	free(x);
	sp_rand_free(noise);
	sp_rand_free(r);
}

static sp_crane *
make(void)
{
	sp_crane_opts o;
	sp_error err;
	sp_crane *c;

	sp_crane_defaults(&o);
	o.hpa.max = 100;
	c = sp_crane_new(&o, &err);
	CHECK(c != NULL, "sp_crane_new: %s", err.msg);
	return c;
}

static void
test_ehpa(void)
{
	sp_crane *c = make();
	sp_rand *noise = sp_rand_new(3);
	sp_error err;
	double t0 = 1700006400, t, v, period;   /* a midnight */
	int r = 0, best, i;

	/* three days of the daily sine at 1 min */
	for (i = 0; i < 3 * 1440; i++)
		sp_crane_observe(c, t0 + 60.0 * (i + 1), sine(i + 1) + sp_rand_normal(noise, 2.0), &err);
	t = t0 + 3 * DAYS;
	CHECK(sp_crane_decide(c, t, 10, 10, 10, &r, &err) == 0, "decide: %s", err.msg);
	sp_crane_model(c, &period, &best);
	CHECK(period == DAYS && best >= 0, "refresh found the daily period");
	CHECK(sp_crane_prediction(c, t, &v) == 1, "prediction valid");
	/* the window [t, t + 1 h] is the rising start of the sine: its max is
	 * near the value 1 h later (times the margin) */
	CHECK(v >= sine(60) * 0.98 && v <= sine(60) * 1.25, "window maximum near sine(+1 h) (%g vs %g)",
	    v, sine(60));
	/* the load is at 100 (10 per pod on 10 pods), the prediction above: the
	 * prediction metric gives the larger proposal */
	CHECK(!strcmp(sp_crane_reason(c), "prediction"), "reason %s", sp_crane_reason(c));
	CHECK(r == (int)ceil(v / 10 - 1e-9) || r == (int)ceil(v / 10), "HPA follows the prediction (%d, %g)", r, v);
	/* the next refresh is 12 h later, not before */
	CHECK(sp_crane_decide(c, t + 15, r, r, 10, &r, &err) == 0, "decide");
	sp_crane_free(c);

	/* white noise history: the prediction metric is invalid: the HPA may
	 * scale up on the actual metric but never down */
	c = make();
	for (i = 0; i < 3 * 1440; i++)
		sp_crane_observe(c, t0 + 60.0 * (i + 1), 100 + sp_rand_normal(noise, 10.0), &err);
	t = t0 + 3 * DAYS;
	sp_crane_observe(c, t, 5, &err);
	sp_crane_decide(c, t, 10, 10, 10, &r, &err);
	CHECK(r == 10 && !strcmp(sp_crane_reason(c), "no-prediction"), "no scale-down without a prediction (%d, %s)",
	    r, sp_crane_reason(c));
	sp_crane_observe(c, t + 15, 300, &err);
	sp_crane_decide(c, t + 15, 10, 10, 10, &r, &err);
	CHECK(r == 20, "scale-up on the actual metric, legacy cap 2x (got %d)", r);
	sp_crane_free(c);

	/* no history at all: no metrics, the count stays */
	c = make();
	CHECK(sp_crane_decide(c, t0, 3, 3, 10, &r, &err) == 0 && r == 3 && !strcmp(sp_crane_reason(c), "no-metrics"),
	    "nothing known");
	CHECK(sp_crane_observe(c, t0 - 1, 1, &err) == 0, "observe before any observation is fine");
	CHECK(sp_crane_observe(c, t0 - 2, 1, &err) == SP_EUSAGE, "time going back is refused");
	sp_crane_free(c);
	sp_rand_free(noise);
}

static void
test_options(void)
{
	sp_crane_opts o;
	sp_error err;
	sp_peer p;

	sp_crane_defaults(&o);
	o.history = 47 * 3600;
	CHECK(sp_crane_new(&o, &err) == NULL && err.code == SP_EUSAGE, "history < 48 h refused");
	sp_crane_defaults(&o);
	o.interval = 7200;
	CHECK(sp_crane_new(&o, &err) == NULL && err.code == SP_EUSAGE, "interval > 1 h refused");
	sp_crane_defaults(&o);
	p = sp_crane_peer(sp_crane_new(&o, &err));
	CHECK(p.self && !strcmp(sp_peer_name(&p), "crane"), "peer handle");
	sp_peer_free(&p);
}

int
main(void)
{
	test_error();
	test_percentile_outliers();
	test_fill();
	test_estimators();
	test_periodic();
	test_ehpa();
	test_options();
	return check_summary();
}
