/* test_burst: the burst detector's state machine on hand-worked cases
 * (scalepipe-burst(7)); the full comparison with an independent batch
 * reference is in tests/cli/burstdetect.sh (tests/ref/bd_ref.py). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "sp_burst.h"

static double centre = 100;  /* the band: [centre - 10, centre + 10] */

static void
run(const char *name, const sp_burst_opts *o, const double *w, size_t n, const int *want)
{
	sp_burst *b = sp_burst_new(o, NULL);
	double c = centre, L[3] = { c - 10, c - 10, c - 10 }, M[3] = { c, c, c }, U[3] = { c + 10, c + 10, c + 10 };
	size_t i;

	CHECK(b != NULL, "%s: new", name);
	if (!b)
		return;
	for (i = 0; i < n; i++) {
		int lab = -1, out = -1;
		CHECK(sp_burst_observe(b, w[i], &lab, &out, NULL) == 0, "%s: observe %zu", name, i);
		CHECK(lab == want[i], "%s: step %zu label %d, want %d", name, i, lab, want[i]);
		CHECK(sp_burst_forecast(b, L, M, U, NULL) == 0, "%s: forecast %zu", name, i);
	}
	sp_burst_free(b);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The thresholds' model file: round trip, the file's lines, strictness. */
static void
test_model(void)
{
	char dir[] = "/tmp/sp-burst.XXXXXX", path[300], line[200];
	sp_burst_opts o, l;
	sp_burst *b;
	sp_error err;
	FILE *f;
	static const char *const want[] = { "scalepipe-model burst 1\n", "command burstdetect --train 5\n",
		"theta_acc 1.5\n", "theta_score 0.02\n", "min_outliers 3\n", "near 4\n",
		"q_lo 0.10000000000000001\n", "q_hi 0.90000000000000002\n", "horizons 6\n", "end\n" };
	size_t i;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/th", dir);
	sp_burst_defaults(&o);
	o.H = 6, o.near = 4, o.min_out = 3, o.theta_score = 0.02, o.q_lo = 0.1, o.q_hi = 0.9;
	b = sp_burst_new(&o, NULL);
	CHECK(sp_burst_save(b, path, NULL, &err) == SP_EUSAGE, "nothing learnt: nothing to save");
	sp_burst_free(b);
	o.theta_acc = 1.5;
	b = sp_burst_new(&o, NULL);
	CHECK(sp_burst_save(b, path, "burstdetect --train 5", &err) == 0, "save: %s", err.msg);
	sp_burst_free(b);
	f = fopen(path, "r");
	for (i = 0; f && i < sizeof want / sizeof want[0]; i++)
		CHECK(fgets(line, sizeof line, f) && strcmp(line, want[i]) == 0, "line %zu: '%s'", i + 1, want[i]);
	CHECK(f && !fgets(line, sizeof line, f), "nothing after end");
	if (f)
		fclose(f);
	sp_burst_defaults(&l);
	l.train = 7;
	CHECK(sp_burst_load(path, &l, &err) == 0, "load: %s", err.msg);
	CHECK(l.theta_acc == 1.5 && l.theta_score == 0.02 && l.min_out == 3 && l.near == 4 && l.q_lo == 0.1 &&
	    l.q_hi == 0.9 && l.H == 6, "round trip");
	CHECK(l.train == 7 && l.eps == 1e-9, "other fields untouched");

	/* strict */
	write_file(path, "scalepipe-model burst 1\ntheta_acc 1\nend\n");
	sp_burst_defaults(&l);
	CHECK(sp_burst_load(path, &l, &err) == SP_EMODEL && strstr(err.msg, "theta_score") != NULL,
	    "missing key: %s", err.msg);
	CHECK(isnan(l.theta_acc), "options unchanged on error");
	write_file(path, "scalepipe-model burst 1\ntheta_acc 1\ntheta_score 0.01\nmin_outliers 2\nnear 3\n"
	    "q_lo 0.01\nq_hi 0.99\nhorizons 24\nextra 1\nend\n");
	CHECK(sp_burst_load(path, &l, &err) == SP_EMODEL && strstr(err.msg, ":9:") != NULL, "unknown key: %s", err.msg);
	write_file(path, "scalepipe-model burst 1\ntheta_acc 1\ntheta_score 0.01\nmin_outliers 2\nnear 0\n"
	    "q_lo 0.01\nq_hi 0.99\nhorizons 24\nend\n");
	CHECK(sp_burst_load(path, &l, &err) == SP_EMODEL && strstr(err.msg, ":5:") != NULL, "near 0: %s", err.msg);
	write_file(path, "scalepipe-model burst 1\ntheta_acc 1\ntheta_score 0.01\nmin_outliers 2\nnear 3\n"
	    "q_lo 0.99\nq_hi 0.01\nhorizons 24\nend\n");
	CHECK(sp_burst_load(path, &l, &err) == SP_EMODEL && strstr(err.msg, "q_lo < q_hi") != NULL,
	    "quantile levels: %s", err.msg);
	write_file(path, "scalepipe-model burst 1\ntheta_acc -1\ntheta_score 0.01\nmin_outliers 2\nnear 3\n"
	    "q_lo 0.01\nq_hi 0.99\nhorizons 24\nend\n");
	CHECK(sp_burst_load(path, &l, &err) == SP_EMODEL && strstr(err.msg, "negative") != NULL,
	    "negative theta_acc: %s", err.msg);
	write_file(path, "scalepipe-model ar 1\nend\n");
	CHECK(sp_burst_load(path, &l, &err) == SP_EMODEL, "another kind: %s", err.msg);
	unlink(path);
	CHECK(sp_burst_load(path, &l, &err) < 0, "no file");
	rmdir(dir);
}

int
main(void)
{
	sp_burst_opts o;
	sp_error err;
	static const double w1[] = { 100, 100, 100, 100, 150, 150, 150, 100, 100, 100, 100 };
	/* t=4: one outlier per forecast, no flag; t=5: origin 2 sees W3..W5 with
	 * two outliers, score 0.267 -> flag, W5 outside -> enter; t=7: origin 4
	 * still sees two outliers -> stay; t=8: nothing flagged, W8 inside -> leave */
	static const int b1[] = { 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0 };
	/* with theta_acc tiny every forecast is flagged by its q-risk (0.002),
	 * but entry needs the newest point outside: enter at t=4 at once; leave
	 * only when fewer than two calm-issued forecasts are flagged */
	static const int b2[] = { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1 };
	static const double w3[] = { 0, 0, 0, 0, 0, 0 };
	static const int b3[] = { 0, 0, 0, 0, 0, 0 };
	/* a burst in the first H steps: t=2 origin 0 sees two outliers -> enter;
	 * t=3 still two for origin 0; t=4 none flagged -> leave (history short) */
	static const double w4[] = { 150, 150, 150, 100, 100, 100, 100 };
	static const int b4[] = { 0, 0, 1, 1, 0, 0, 0 };
	/* zero load far below the band is a burst (a collapse) */
	static const int b5[] = { 0, 0, 1, 1, 1, 1 };

	sp_burst_defaults(&o);
	CHECK(o.H == 24 && o.near == 3 && o.min_out == 2 && o.theta_score == 0.01, "defaults");
	CHECK(o.q_lo == 1 - 0.99 && o.q_hi == 0.99, "quantile levels");
	o.H = 3;
	run("score criterion", &o, w1, 11, b1);
	o.theta_acc = 0.0001;
	run("accuracy criterion", &o, w1, 11, b2);
	o.theta_acc = 1e300;
	run("huge theta_acc is the score criterion alone", &o, w1, 11, b1);
	o.theta_acc = NAN;
	run("zero load below the band", &o, w3, 6, b5);
	centre = 0;  /* band [-10, 10] around zero: q-risk undefined, never flags */
	o.theta_acc = 1e-12;
	run("zero load inside the band", &o, w3, 6, b3);
	o.theta_acc = NAN;
	centre = 100;
	run("burst in the first H steps", &o, w4, 7, b4);

	/* learning theta_acc: constant band [90,110] around W = 100: every
	 * single-point q-risk is (0.01*10 + 0.01*10) / 100 = 0.002, sd 0 */
	o.train = 2;
	{
		sp_burst *b = sp_burst_new(&o, NULL);
		double L[3] = { 90, 90, 90 }, M[3] = { 100, 100, 100 }, U[3] = { 110, 110, 110 };
		int i, lab;
		for (i = 0; i < 6; i++) {
			sp_burst_observe(b, 100, &lab, NULL, NULL);
			CHECK(sp_burst_trained(b) == (i >= 4), "trained at step %d: %d", i, sp_burst_trained(b));
			sp_burst_forecast(b, L, M, U, NULL);
		}
		CHECK_CLOSE(sp_burst_theta_acc(b), 0.002, 1e-12, "theta_acc");
		sp_burst_free(b);
	}
	/* errors */
	{
		sp_burst *b = sp_burst_new(&o, NULL);
		double L[3] = { 90, NAN, 90 }, M[3] = { 100, 100, 100 }, U[3] = { 110, 110, 110 };
		int lab;
		CHECK(sp_burst_observe(b, NAN, &lab, NULL, &err) == SP_EDATA, "NaN load");
		CHECK(sp_burst_forecast(b, L, M, U, &err) == SP_EUSAGE, "forecast before observe");
		CHECK(sp_burst_observe(b, 1, &lab, NULL, &err) == 0, "observe");
		CHECK(sp_burst_forecast(b, L, M, U, &err) == SP_EDATA, "NaN band");
		CHECK(strstr(err.msg, "horizon 2") != NULL, "msg %s", err.msg);
		sp_burst_free(b);
	}
	o.H = 0;
	CHECK(sp_burst_new(&o, &err) == NULL, "H = 0 accepted");
	test_model();
	return check_summary();
}
