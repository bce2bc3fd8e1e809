/* test_calib: the quantile-tracking update of each edge by hand, the
 * ordering floors, and long-run coverage of a biased band reaching its
 * nominal level with the misses split evenly between the two sides. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_calib.h"
#include "sp_rand.h"
#include "sp_state.h"

/* N(0,1) data against a fixed band [lo, hi] around mid, n steps; the
 * fractions below and above the band as output */
static void
longrun(double alo, double ahi, double lo, double mid, double hi, int n, double *fb, double *fa)
{
	sp_error err = { 0 };
	sp_rand *r = sp_rand_new(7);
	sp_calib *c = sp_calib_new(1, alo, ahi, 0.05, &err);
	int below = 0, above = 0;
	double q[2];

	for (int i = 0; i < n; i++) {
		double y = sp_rand_normal(r, 1);
		int m;
		sp_calib_widening(c, 0, lo, mid, hi, q);
		m = sp_calib_update(c, 0, y, lo, mid, hi, q);
		below += m < 0, above += m > 0;
	}
	*fb = (double)below / n, *fa = (double)above / n;
	sp_calib_free(c);
	sp_rand_free(r);
}

/* The state (sp_calib_write_state / read_state): a calibration read back
 * half-way continues bit for bit; another lr is refused. */
static void
test_state(void)
{
	char dir[] = "/tmp/test_calib.XXXXXX", path[64];
	sp_error err = { 0 };
	sp_calib *a = sp_calib_new(2, 0.1, 0.2, 0.3, &err), *b = sp_calib_new(2, 0.1, 0.2, 0.3, &err), *c;
	sp_state_writer *w;
	sp_state *s = NULL;
	double q[2], qa[2], qb[2];
	int ok = 1;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/st", dir);
	for (int i = 0; i < 200; i++) {
		double y = sin(i * 0.3) * 3 + (i % 7) * 0.5;
		int k = i % 2;
		if (i == 100) {   /* b written and read back into c */
			w = sp_state_writer_new("test", 1, &err);
			sp_calib_write_state(b, w);
			ok &= sp_state_writer_save(w, path, &err) == 0;
			sp_state_writer_free(w);
			c = sp_calib_new(2, 0.1, 0.2, 0.3, &err);
			ok &= sp_state_load(path, "test", 1, &s, &err) == 0 && s && sp_calib_read_state(c, s, &err) == 0 &&
			    sp_state_end(s, &err) == 0;
			sp_state_free(s);
			sp_calib_free(b);
			b = c;
		}
		sp_calib_widening(a, k, -1, 0, 1, q);
		sp_calib_update(a, k, y, -1, 0, 1, q);
		sp_calib_widening(b, k, -1, 0, 1, q);
		sp_calib_update(b, k, y, -1, 0, 1, q);
	}
	sp_calib_widening(a, 1, -1, 0, 1, qa);
	sp_calib_widening(b, 1, -1, 0, 1, qb);
	CHECK(ok && memcmp(a->ql, b->ql, 2 * sizeof *a->ql) == 0 && memcmp(a->qh, b->qh, 2 * sizeof *a->qh) == 0 &&
	    memcmp(qa, qb, sizeof qa) == 0 && a->count[1] == b->count[1], "read back half-way = one run, bit for bit");
	c = sp_calib_new(2, 0.1, 0.2, 0.25, &err);
	sp_state_load(path, "test", 1, &s, &err);
	CHECK(s && sp_calib_read_state(c, s, &err) == SP_EMODEL &&
	    strstr(err.msg, ":5: state written with calib lr 0.29999999999999999, not 0.25"), "another lr refused: %s",
	    err.msg);
	sp_state_free(s);
	sp_calib_free(a), sp_calib_free(b), sp_calib_free(c);
	remove(path);
	rmdir(dir);
}

int
main(void)
{
	sp_error err = { 0 };
	sp_calib *c;
	double q[2], fb, fa;
	int miss;

	CHECK(!sp_calib_new(0, 0.1, 0.1, 0.1, &err) && err.code == SP_EUSAGE, "n 0 refused");
	CHECK(!sp_calib_new(1, 0, 0.1, 0.1, &err), "alpha below 0 refused");
	CHECK(!sp_calib_new(1, 0.1, 1, 0.1, &err), "alpha above 1 refused");
	CHECK(!sp_calib_new(1, 0.6, 0.5, 0.1, &err), "miss rates summing over 1 refused");
	CHECK(!sp_calib_new(1, 0.1, 0.1, 0, &err), "lr 0 refused");
	CHECK(!sp_calib_new(1, 0.1, 0.1, NAN, &err), "lr NaN refused");

	c = sp_calib_new(2, 0.1, 0.1, 0.5, &err);
	CHECK(c != NULL, "new");
	if (!c)
		return check_summary();
	/* band [8, 12] around 10; y = 14 misses above: mean |err| 4, eta 2,
	 * qh = 2 * 0.9 = 1.8, ql = 2 * -0.1 = -0.2 */
	q[0] = q[1] = 0;
	miss = sp_calib_update(c, 0, 14, 8, 10, 12, q);
	CHECK(miss == 1, "a miss above");
	CHECK_CLOSE(c->qh[0], 1.8, 1e-12, "upper edge after a miss above");
	CHECK_CLOSE(c->ql[0], -0.2, 1e-12, "lower edge after a miss above");
	CHECK(c->ql[1] == 0 && c->qh[1] == 0, "other slot untouched");
	/* y = 10 inside [8.2, 13.8]: mean |err| 2, eta 1: each edge -0.1 */
	sp_calib_widening(c, 0, 8, 10, 12, q);
	CHECK(q[0] == c->ql[0] && q[1] == c->qh[0], "widenings = ql, qh");
	miss = sp_calib_update(c, 0, 10, 8, 10, 12, q);
	CHECK(miss == 0, "a hit");
	CHECK_CLOSE(c->qh[0], 1.7, 1e-12, "upper edge after a hit");
	CHECK_CLOSE(c->ql[0], -0.3, 1e-12, "lower edge after a hit");
	/* y = 7.5 below 8 + 0.3: mean |err| (4 + 0 + 2.5)/3, eta = 0.5 * 6.5/3 */
	sp_calib_widening(c, 0, 8, 10, 12, q);
	miss = sp_calib_update(c, 0, 7.5, 8, 10, 12, q);
	CHECK(miss == -1, "a miss below");
	CHECK_CLOSE(c->ql[0], -0.3 + 0.5 * 6.5 / 3 * 0.9, 1e-12, "lower edge after a miss below");
	CHECK_CLOSE(c->qh[0], 1.7 - 0.5 * 6.5 / 3 * 0.1, 1e-12, "upper edge after a miss below");
	CHECK(sp_calib_update(c, 0, NAN, 8, 10, 12, q) == 0 && c->count[0] == 3, "NaN ignored");
	/* narrowing stops at mid, each edge by its own distance */
	c->ql[1] = -5, c->qh[1] = -5;
	sp_calib_widening(c, 1, 9, 10, 13, q);
	CHECK(q[0] == -1 && q[1] == -3, "floors: -(mid - lo), -(hi - mid)");
	sp_calib_update(c, 1, 10, 9, 10, 13, q);
	CHECK(c->ql[1] >= -1 && c->qh[1] >= -3, "stored widenings floored");
	/* a band already crossing mid (lo > mid): no narrowing at all */
	c->ql[1] = -5;
	sp_calib_widening(c, 1, 10.5, 10, 13, q);
	CHECK(q[0] == 0, "floor 0 when the edge is past mid");
	sp_calib_free(c);

	/* a band of the wrong place and width: N(0,1) data, band [0.5, 0.7]
	 * around 0.6; nominal 0.1 below and 0.1 above, each within 1.5 points */
	longrun(0.1, 0.1, 0.5, 0.6, 0.7, 20000, &fb, &fa);
	CHECK(fabs(fb - 0.1) < 0.015 && fabs(fa - 0.1) < 0.015,
	    "biased band: %.4f below, %.4f above, nominal 0.1 each", fb, fa);
	/* asymmetric nominal rates: 0.05 below, 0.2 above, band too wide */
	longrun(0.05, 0.2, -5, 0, 5, 20000, &fb, &fa);
	CHECK(fabs(fb - 0.05) < 0.015 && fabs(fa - 0.2) < 0.015,
	    "asymmetric: %.4f below (0.05), %.4f above (0.2)", fb, fa);
	/* the edges never cross the forecast: with the forecast at 2.5, the
	 * upper edge stays at or above it, so fewer than 0.1 can fall above */
	longrun(0.1, 0.1, 2, 2.5, 3, 20000, &fb, &fa);
	CHECK(fabs(fb - 0.1) < 0.015 && fa < 0.01, "forecast 2.5: %.4f below, %.4f above", fb, fa);
	test_state();
	return check_summary();
}
