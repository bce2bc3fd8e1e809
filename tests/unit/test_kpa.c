/* test_kpa: the Knative Pod Autoscaler on hand-worked examples: the window
 * averages of bucketing.go (full, partial and stale windows, gaps), the
 * start in panic mode, a load step that starts panic mode with the count
 * never dropping while panicking, and the scale-down rate limit. */
#include "check.h"
#include "sp_kpa.h"

#include <math.h>

static sp_kpa *
make(void)
{
	sp_kpa_opts o;
	sp_error err;
	sp_kpa *k;

	sp_kpa_defaults(&o);
	k = sp_kpa_new(&o, &err);
	CHECK(k != NULL, "sp_kpa_new: %s", err.msg);
	return k;
}

static void
test_windows(void)
{
	sp_kpa *k = make();
	double s, p;
	sp_error err;

	CHECK(sp_kpa_windows(k, 1000, &s, &p) == 0 && s == 0 && p == 0, "empty windows");
	/* first scrape at 1000 s: 10; then 20 held over 1001..1010 */
	CHECK(sp_kpa_observe(k, 1000, 10, &err) == 0, "observe");
	CHECK(sp_kpa_observe(k, 1010, 20, &err) == 0, "observe");
	CHECK(sp_kpa_windows(k, 1010, &s, &p) == 1, "data");
	/* stable: 11 valid buckets (first write 1000 .. last 1010), total 210 */
	CHECK_CLOSE(s, floor(210.0 / 11 * 1e6) / 1e6, 1e-12, "stable average over a partial window");
	/* panic: 6 buckets, all 20 */
	CHECK_CLOSE(p, 20, 1e-12, "panic average");
	/* 5 s later without data: stable unchanged (5 empty buckets dropped), the
	 * panic window keeps only bucket 1010 */
	CHECK(sp_kpa_windows(k, 1015.5, &s, &p) == 1, "data");
	CHECK_CLOSE(s, floor(210.0 / 11 * 1e6) / 1e6, 1e-12, "stale stable average");
	CHECK_CLOSE(p, 20, 1e-12, "stale panic average: one valid bucket");
	/* a full minute of 30: the stable window is 60 buckets of 30 */
	CHECK(sp_kpa_observe(k, 1070, 30, &err) == 0, "observe");
	sp_kpa_windows(k, 1070, &s, &p);
	CHECK_CLOSE(s, 30, 1e-12, "full stable window");
	/* 30 s of 90 after that: (30*30 + 30*90)/60 = 60 */
	CHECK(sp_kpa_observe(k, 1100, 90, &err) == 0, "observe");
	sp_kpa_windows(k, 1100, &s, &p);
	CHECK_CLOSE(s, 60, 1e-12, "stable window mixes the last 60 s");
	CHECK_CLOSE(p, 90, 1e-12, "panic window is the last 6 s");
	/* a gap (NaN) then data: the gap's seconds count as zeros */
	CHECK(sp_kpa_observe(k, 1130, NAN, &err) == 0, "gap");
	CHECK(sp_kpa_observe(k, 1160, 60, &err) == 0, "observe");
	sp_kpa_windows(k, 1160, &s, &p);
	CHECK_CLOSE(s, 30, 1e-12, "gap seconds are zeros: 30 s of 60 over 60 s");
	/* no data for more than a window: empty */
	CHECK(sp_kpa_windows(k, 1221, &s, &p) == 0 && s == 0, "empty after a window without data");
	CHECK(sp_kpa_observe(k, 1100, 1, &err) == SP_EUSAGE, "time going back is refused");
	CHECK(sp_kpa_observe(k, 1300, -1, &err) == SP_EDATA, "negative load is refused");
	sp_kpa_free(k);
}

static void
test_decisions(void)
{
	sp_kpa *k = make();
	sp_error err;
	double t;
	int r = 0, ready = 2, prev, dropped = 0, was_panic = 0, ended = 0;

	/* 20 req/s, 10 per pod: 2 pods.  The first decision with 2 ready pods
	 * starts in panic mode, which ends a stable window later. */
	for (t = 15; t <= 300; t += 15) {
		sp_kpa_observe(k, t, 20, &err);
		CHECK(sp_kpa_decide(k, t, 2, ready, 10, &r, &err) == 0, "decide");
		if (t == 15)
			CHECK(sp_kpa_panicking(k) && r == 2, "starts in panic mode at the ready count");
	}
	CHECK(!sp_kpa_panicking(k) && r == 2, "stable at 2 (got %d)", r);
	/* step to 100 req/s: the panic window sees 100 -> dppc 10 >= 2 x 2 */
	sp_kpa_observe(k, 315, 100, &err);
	sp_kpa_decide(k, 315, 2, ready, 10, &r, &err);
	CHECK(sp_kpa_panicking(k), "panic on the step");
	CHECK(r == 10, "panic count ceil(100/10) = 10 (got %d)", r);
	CHECK(!strcmp(sp_kpa_reason(k), "panic"), "reason panic");
	/* the pods come up; the load falls back to 30 at once: the panic count
	 * is kept until a stable window passes without the condition */
	prev = r;
	for (t = 330; t <= 600; t += 15) {
		ready = t >= 345 ? prev : 2;
		sp_kpa_observe(k, t, 30, &err);
		sp_kpa_decide(k, t, prev, ready, 10, &r, &err);
		if (sp_kpa_panicking(k)) {
			was_panic = 1;
			if (r < prev)
				dropped = 1;
		} else if (was_panic && !ended) {
			ended = 1;
			/* the last over-threshold decision was at 315 s: panic ends
			 * at the first decision later than 315 + 60 */
			CHECK(t == 390, "panic ends at 390 s (got %g)", t);
			/* stable window: 15 s of 100 + 45 s of 30 -> 47.5 -> 5 pods,
			 * clamped at floor(10 / 2) = 5 */
			CHECK(r == 5, "after panic: 5 (got %d)", r);
		}
		prev = r;
	}
	CHECK(!dropped, "the count never dropped while panicking");
	CHECK(ended, "panic ended");
	CHECK(r == 3, "settles at ceil(30/10) = 3 (got %d)", r);
	sp_kpa_free(k);
}

static void
test_scale_down_rate(void)
{
	sp_kpa *k = make();
	sp_error err;
	double t;
	int r = 0;

	for (t = 0; t <= 120; t += 15) {
		sp_kpa_observe(k, t, 95, &err);
		sp_kpa_decide(k, t, 10, 10, 10, &r, &err);
	}
	CHECK(r == 10, "10 pods at 95 req/s (got %d)", r);
	/* the load vanishes: 10 ready pods may only halve */
	for (t = 135; t <= 300; t += 15) {
		sp_kpa_observe(k, t, 0, &err);
		sp_kpa_decide(k, t, 10, 10, 10, &r, &err);
		CHECK(r >= 5, "at most halve per decision (got %d at %g)", r, t);
	}
	CHECK(r == 5, "floor(10 / 2) = 5 (got %d)", r);
	/* with 5 ready: floor(5 / 2) = 2 */
	sp_kpa_observe(k, 315, 0, &err);
	sp_kpa_decide(k, 315, 5, 5, 10, &r, &err);
	CHECK(r == 2, "floor(5 / 2) = 2 (got %d)", r);
	/* and min-scale 1 below that */
	sp_kpa_observe(k, 330, 0, &err);
	sp_kpa_decide(k, 330, 2, 2, 10, &r, &err);
	CHECK(r == 1 && !strcmp(sp_kpa_reason(k), "stable"), "floor(2/2) = 1 (got %d)", r);
	sp_kpa_free(k);
}

static void
test_peer_and_options(void)
{
	sp_kpa_opts o;
	sp_error err;
	sp_peer p;
	int r = 0;

	sp_kpa_defaults(&o);
	o.max_down_rate = 1;
	CHECK(sp_kpa_new(&o, &err) == NULL && err.code == SP_EUSAGE, "max down rate 1 refused");
	sp_kpa_defaults(&o);
	o.max = 4;
	p = sp_kpa_peer(sp_kpa_new(&o, &err));
	CHECK(p.self != NULL && !strcmp(sp_peer_name(&p), "kpa"), "peer handle");
	CHECK(sp_peer_decide(&p, 0, 3, 3, 10, &r, &err) == 0 && r == 3 &&
	    !strcmp(sp_peer_reason(&p), "nodata"), "no data keeps the count");
	sp_peer_observe(&p, 1, 1000, &err);
	sp_peer_decide(&p, 1, 3, 3, 10, &r, &err);
	CHECK(r == 4 && !strcmp(sp_peer_reason(&p), "max"), "max-scale bound (got %d)", r);
	CHECK(sp_peer_decide(&p, 2, 3, 3, 0, &r, &err) == SP_EUSAGE, "target 0 refused");
	sp_peer_free(&p);
	sp_peer_free(&p);
}

int
main(void)
{
	test_windows();
	test_decisions();
	test_scale_down_rate();
	test_peer_and_options();
	return check_summary();
}
