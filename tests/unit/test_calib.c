/* test_calib: the quantile-tracking update by hand, the ordering floor, and
 * long-run coverage of a biased band reaching its nominal level. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "sp_calib.h"
#include "sp_rand.h"

int
main(void)
{
	sp_error err = { 0 };
	sp_calib *c;
	double q;
	int miss;

	CHECK(!sp_calib_new(0, 0.2, 0.1, &err) && err.code == SP_EUSAGE, "n 0 refused");
	CHECK(!sp_calib_new(1, 1, 0.1, &err), "alpha 1 refused");
	CHECK(!sp_calib_new(1, 0.2, 0, &err), "lr 0 refused");
	CHECK(!sp_calib_new(1, 0.2, NAN, &err), "lr NaN refused");

	c = sp_calib_new(2, 0.2, 0.5, &err);
	CHECK(c != NULL, "new");
	/* band [8, 12] around 10; y = 14 misses: mean |err| 4, q = 0.5 * 4 * 0.8 = 1.6 */
	miss = sp_calib_update(c, 0, 14, 8, 10, 12, 0);
	CHECK(miss == 1, "a miss");
	CHECK_CLOSE(c->q[0], 1.6, 1e-12, "q after a miss");
	CHECK_CLOSE(c->q[1], 0, 0, "other slot untouched");
	/* y = 10 inside [8 - 1.6, 12 + 1.6]: mean |err| 2, q = 1.6 - 0.5 * 2 * 0.2 = 1.4 */
	q = sp_calib_widening(c, 0, 8, 10, 12);
	CHECK_CLOSE(q, 1.6, 0, "widening = q");
	miss = sp_calib_update(c, 0, 10, 8, 10, 12, q);
	CHECK(miss == 0, "a hit");
	CHECK_CLOSE(c->q[0], 1.4, 1e-12, "q after a hit");
	CHECK(sp_calib_update(c, 0, NAN, 8, 10, 12, q) == 0 && c->count[0] == 2, "NaN ignored");
	/* narrowing stops at the band's nearer edge */
	c->q[1] = -5;
	CHECK_CLOSE(sp_calib_widening(c, 1, 9, 10, 13), -1, 0, "floor: -min(mid - lo, hi - mid)");
	sp_calib_update(c, 1, 10, 9, 10, 13, -1);
	CHECK(c->q[1] >= -1, "stored q floored");
	sp_calib_free(c);

	/* a band of the wrong place and width: N(0,1) data, band [2, 3] around 2.5;
	 * nominal 80%, long-run coverage within 2 points of it */
	{
		sp_rand *r = sp_rand_new(7);
		int hit = 0, n = 20000;
		c = sp_calib_new(1, 0.2, 0.05, &err);
		for (int i = 0; i < n; i++) {
			double y = sp_rand_normal(r, 1);
			q = sp_calib_widening(c, 0, 2, 2.5, 3);
			hit += !sp_calib_update(c, 0, y, 2, 2.5, 3, q);
		}
		CHECK(fabs((double)hit / n - 0.8) < 0.02, "coverage %g, nominal 0.8", (double)hit / n);
		sp_calib_free(c);
		sp_rand_free(r);
	}
	return check_summary();
}
