/* test_perf: performance curves and w* (scalepipe-plan(7)). */
#include "check.h"
#include "sp_perf.h"

#include <stdlib.h>


int
main(void)
{
	sp_error err;
	sp_perf *p = sp_perf_load_curve("data/bascaler_fft_service_curve.csv", &err);
	double w = 0;

	CHECK(p != NULL, "load: %s", err.msg);
	if (!p)
		return check_summary();
	CHECK(sp_perf_has_cpu(p), "has cpu");
	CHECK_CLOSE(sp_perf_capacity(p), 100, 0, "capacity");
	/* on the points and between them */
	CHECK_CLOSE(sp_perf_latency(p, 80), 15.67, 1e-12, "latency(80)");
	CHECK_CLOSE(sp_perf_cpu(p, 80), 79.84, 1e-12, "cpu(80)");
	CHECK_CLOSE(sp_perf_latency(p, 80.25), (15.67 + 15.91) / 2, 1e-12, "latency(80.25)");
	CHECK_CLOSE(sp_perf_cpu(p, 98.75), (88.6 + 89.04) / 2, 1e-12, "cpu(98.75)");
	CHECK_CLOSE(sp_perf_latency(p, 100), 35.36, 1e-12, "latency(100)");
	/* below the curve: first latency, CPU down to 0 */
	CHECK_CLOSE(sp_perf_latency(p, 0), 10.33, 1e-12, "latency(0)");
	CHECK_CLOSE(sp_perf_cpu(p, 0.05), 2.53 / 2, 1e-12, "cpu(0.05)");
	CHECK_CLOSE(sp_perf_cpu(p, 0), 0, 0, "cpu(0)");
	/* saturation: CPU 100, latency grows with the overload */
	CHECK_CLOSE(sp_perf_cpu(p, 120), 100, 0, "cpu(120)");
	CHECK_CLOSE(sp_perf_latency(p, 150), 35.36 * 1.5, 1e-12, "latency(150)");
	/* w* at 16 ms (BAScaler's curve: RT crosses 16 ms at w ~ 80.69): the exact
	 * crossing on the segment 80.5 (15.91) .. 81 (16.16) */
	CHECK(sp_perf_wstar(p, 16, 90, &w, &err) == 0, "wstar: %s", err.msg);
	CHECK_CLOSE(w, 80.5 + 0.5 * (16 - 15.91) / (16.16 - 15.91), 1e-12, "w* at 16 ms");
	CHECK(w > 80.6 && w < 80.7, "w* %g outside 80.6-80.7", w);
	CHECK_CLOSE(sp_perf_latency(p, w), 16, 1e-12, "latency(w*) == SLO");
	/* the CPU cap binds: 75 % between 70 (73.65) and 72.5 (75.27) */
	CHECK(sp_perf_wstar(p, 16, 75, &w, &err) == 0, "wstar cap: %s", err.msg);
	CHECK_CLOSE(w, 70 + 2.5 * (75 - 73.65) / (75.27 - 73.65), 1e-12, "w* with CPU cap 75");
	/* a loose SLO: the whole curve */
	CHECK(sp_perf_wstar(p, 50, 100, &w, &err) == 0 && w == 100, "w* loose %g", w);
	/* an SLO the model can never meet */
	CHECK(sp_perf_wstar(p, 8, 90, &w, &err) == SP_EDATA, "SLO 8 accepted");
	CHECK(strstr(err.msg, "lowest latency on the performance curve is 9.97 ms") != NULL, "msg: %s", err.msg);
	CHECK(sp_perf_wstar(p, 16, 1, &w, &err) == SP_EDATA, "cpu cap 1 accepted");
	CHECK(strstr(err.msg, "CPU at most 1") != NULL, "msg: %s", err.msg);
	sp_perf_free(p);

	/* non-monotone latency: the largest feasible load wins */
	{
		double ww[] = { 1, 2, 3, 4 }, ll[] = { 5, 20, 5, 30 };
		p = sp_perf_from_arrays(ww, ll, NULL, 4, &err);
		CHECK(p && sp_perf_wstar(p, 10, 90, &w, &err) == 0, "arrays");
		CHECK_CLOSE(w, 3 + 5.0 / 25, 1e-12, "largest crossing");
		CHECK(isnan(sp_perf_cpu(p, 2)), "no cpu column gives NaN");
		sp_perf_free(p);
		ll[1] = -1;
		CHECK(sp_perf_from_arrays(ww, ll, NULL, 4, &err) == NULL, "negative latency accepted");
		CHECK(strstr(err.msg, "point 2") != NULL, "msg: %s", err.msg);
		ll[1] = 20;
		ww[2] = 2;
		CHECK(sp_perf_from_arrays(ww, ll, NULL, 4, &err) == NULL, "non-increasing load accepted");
		CHECK(sp_perf_from_arrays(ww, ll, NULL, 1, &err) == NULL, "1 point accepted");
	}
	/* svrfit models of the same curve (tests/cli/data/plan-*.svr) */
	p = sp_perf_load_svr("tests/cli/data/plan-lat.svr", "tests/cli/data/plan-cpu.svr", 100, &err);
	CHECK(p != NULL, "svr: %s", err.msg);
	if (p) {
		CHECK(sp_perf_wstar(p, 16, 90, &w, &err) == 0, "svr wstar: %s", err.msg);
		CHECK(w > 80.6 && w < 80.75, "svr w* %g", w);
		CHECK_CLOSE(sp_perf_capacity(p), 100, 1e-12, "svr capacity");
		CHECK(fabs(sp_perf_latency(p, 50) - 11.14) < 0.1, "svr latency(50) %g", sp_perf_latency(p, 50));
		CHECK(fabs(sp_perf_cpu(p, 50) - 56.33) < 0.5, "svr cpu(50) %g", sp_perf_cpu(p, 50));
		CHECK(sp_perf_cpu(p, 101) == 100, "svr saturation");
		sp_perf_free(p);
	}
	CHECK(sp_perf_load_svr("tests/cli/data/plan-two.svr", NULL, 100, &err) == NULL, "two features accepted");
	CHECK(sp_perf_load_svr("tests/cli/data/plan-lat.svr", NULL, 0, &err) == NULL, "w_max 0 accepted");
	/* file errors name the file and row */
	CHECK(sp_perf_load_curve("tests/cli/data/plan-bad-curve.csv", &err) == NULL, "bad curve accepted");
	CHECK(strstr(err.msg, "plan-bad-curve.csv: row 3") != NULL, "msg: %s", err.msg);
	CHECK(sp_perf_load_curve("nonexistent.csv", &err) == NULL && err.code == SP_EIO, "missing file");
	return check_summary();
}
