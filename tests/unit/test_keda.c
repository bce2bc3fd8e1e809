/* test_keda: KEDA's ScaledObject on a Prometheus trigger, by hand: the
 * window mean of the query, the HPA's AverageValue and Value counts, the
 * operator's activation and cooldown. */
#include <math.h>

#include "check.h"
#include "sp_keda.h"

int
main(void)
{
	sp_keda_opts o;
	sp_keda *k;
	sp_error err;
	double v;
	int n, t;

	sp_keda_defaults(&o);
	CHECK(o.polling == 30 && o.cooldown == 300 && o.activation == 0 && o.min == 0 && o.max == 100 &&
	    o.window == 60 && !o.value, "defaults");
	CHECK(sp_keda_new(&o, &err) == NULL && err.code == SP_EUSAGE, "a threshold is required");
	o.threshold = 40;
	o.min = 3;
	o.max = 2;
	CHECK(sp_keda_new(&o, &err) == NULL, "min > max");
	o.min = 0;
	o.max = 100;
	k = sp_keda_new(&o, &err);
	CHECK(k != NULL, "new: %s", err.msg);
	CHECK(sp_keda_observe(k, 0, NAN, &err) == 0, "the start");
	CHECK(sp_keda_metric(k, 0, &v) == 0, "no sample yet");
	CHECK(sp_keda_decide(k, 0, 2, 2, 0, &n, &err) == 0 && n == 2, "no metric: keep 2 (%d)", n);
	sp_keda_observe(k, 15, 100, NULL);
	CHECK(sp_keda_metric(k, 15, &v) == 1 && v == 100, "value %g", v);
	sp_keda_decide(k, 15, 2, 2, 0, &n, NULL);
	CHECK(n == 3, "ceil(100 / 40) = 3: %d", n);
	for (t = 30; t <= 60; t += 15) {
		sp_keda_observe(k, t, 100, NULL);
		sp_keda_decide(k, t, 3, 3, 0, &n, NULL);
	}
	CHECK(n == 3, "steady 3");
	sp_keda_observe(k, 75, 0, NULL);
	CHECK(sp_keda_metric(k, 75, &v) == 1 && v == 75, "45 s of 100, 15 of 0: %g", v);
	sp_keda_decide(k, 75, 3, 3, 0, &n, NULL);
	CHECK(n == 3 && strcmp(sp_keda_reason(k), "ScaleDownStabilized") == 0, "stabilised: %d %s", n,
	    sp_keda_reason(k));
	for (t = 90; t <= 375; t += 15) {
		sp_keda_observe(k, t, 0, NULL);
		sp_keda_decide(k, t, n, n, 0, &n, NULL);
		if (t == 360)
			CHECK(n == 3, "the 3 of 60 still in the window at 360: %d", n);
	}
	CHECK(n == 2, "375: the 2 of 75 and 90: %d", n);
	/* last active at the 90 poll (50 > 0); the 390 poll is 300 s later */
	sp_keda_observe(k, 390, 0, NULL);
	sp_keda_decide(k, 390, 2, 2, 0, &n, NULL);
	CHECK(n == 0 && strcmp(sp_keda_reason(k), "deactivate") == 0, "to 0: %d %s", n, sp_keda_reason(k));
	sp_keda_observe(k, 405, 0, NULL);
	sp_keda_decide(k, 405, 0, 0, 0, &n, NULL);
	CHECK(n == 0 && strcmp(sp_keda_reason(k), "inactive") == 0, "stays 0");
	sp_keda_observe(k, 420, 100, NULL);
	sp_keda_decide(k, 420, 0, 0, 0, &n, NULL);
	CHECK(n == 1 && strcmp(sp_keda_reason(k), "activate") == 0, "420 polls: 15 s of 100 = 25 > 0: activate to %d", n);
	CHECK(sp_keda_observe(k, 400, 1, &err) == SP_EUSAGE, "time going back");
	CHECK(sp_keda_observe(k, 430, -1, &err) == SP_EDATA, "negative load");
	sp_keda_free(k);

	/* Value: ceil(ready x value / threshold) = ceil(2 x 100 / 40) = 5 */
	o.value = 1;
	o.min = 1;
	k = sp_keda_new(&o, NULL);
	sp_keda_observe(k, 0, NAN, NULL);
	sp_keda_observe(k, 60, 100, NULL);
	sp_keda_decide(k, 60, 2, 2, 0, &n, NULL);
	CHECK(n == 4, "Value: 5, capped by the HPA at max(2 x 2, 4) = 4: %d", n);
	sp_keda_decide(k, 75, 4, 4, 0, &n, NULL);
	CHECK(n == 8, "Value on 4 ready: ceil(4 x 100 / 40) = 10, capped at 8: %d", n);
	{
		sp_peer p = sp_keda_peer(k);
		CHECK(strcmp(sp_peer_name(&p), "keda") == 0, "peer name");
		sp_peer_free(&p);
	}
	sp_keda_free(NULL);
	return check_summary();
}
