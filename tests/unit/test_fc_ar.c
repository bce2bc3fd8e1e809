/* test_fc_ar: the AR forecasters behind sp_forecaster give, bit for bit,
 * what sp_ar gives directly: the fixed model (sp_ar_forecast and
 * sp_ar_interval on the last values, or sp_ar_bootstrap with the same
 * draws) and the rolling refit (sp_ar_roll_fit then sp_ar_band), with
 * missing values, the model of the last band, saving. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_ar.h"
#include "sp_fc_ar.h"
#include "sp_forecaster.h"
#include "sp_rand.h"

enum { N = 400, H = 5 };

/* a seasonal series with noise, missing values at a few rows */
static void
series(double *y, int with_nan)
{
	sp_rand *r = sp_rand_new(3);

	for (int i = 0; i < N; i++)
		y[i] = 50 + 10 * sin(i / 7.0) + 0.02 * i + sp_rand_normal(r, 2);
	if (with_nan)
		y[40] = y[41] = y[200] = NAN;
	sp_rand_free(r);
}

static int
same(const double *a, const double *b, int n)
{
	return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

/* The fixed model m through the interface and directly, at every origin
 * whose last need values are present; boot > 0: bootstrap bands from two
 * generators with the same seed. */
static void
check_fixed(const sp_ar_model *m, int boot, const char *label)
{
	sp_rand *r1 = sp_rand_new(11), *r2 = sp_rand_new(11);
	sp_ar_band_opts o = { 0.05, 0.95, boot, r1 }, d = o;
	sp_error err = { 0 };
	double y[N], lo[H], mid[H], hi[H], lo2[H], mid2[H], hi2[H];
	int need = (int)sp_ar_need(m), W = need > 1 ? need : 1, run = 0, origins = 0, ok = 1, rdy = 1;
	sp_forecaster *f = sp_fc_ar_new(sp_ar_model_dup(m), &o, &err);

	d.rng = r2;
	series(y, 1);
	CHECK(f != NULL, "%s: new: %s", label, err.msg);
	if (!f)
		return;
	CHECK(sp_forecaster_describe(f)->window == W, "%s: window max(need, 1)", label);
	for (int i = 0; i < N; i++) {
		int rc = sp_forecaster_push(f, 60.0 * i, &y[i], &err);
		run = isfinite(y[i]) ? run + 1 : 0;
		if (rc != (run >= W))
			rdy = 0;
		if (rc != 1)
			continue;
		origins++;
		if (sp_forecaster_band(f, H, lo, mid, hi, &err) < 0 ||
		    sp_ar_band(m, y + i + 1 - W, (size_t)W, H, &d, mid2, lo2, hi2, &err) < 0 ||
		    !same(lo, lo2, H) || !same(mid, mid2, H) || !same(hi, hi2, H))
			ok = 0;
		if (sp_fc_ar_model(f) == NULL)
			ok = 0;
	}
	CHECK(rdy, "%s: ready exactly after %d present values", label, W);
	CHECK(sp_forecaster_quantiles(f, 1, lo, &err) == SP_EUSAGE, "%s: no quantiles", label);
	CHECK(ok && origins > N - 3 * W - 10, "%s: %d origins equal sp_ar directly", label, origins);
	sp_forecaster_free(f);
	sp_rand_free(r1), sp_rand_free(r2);
}

static void
test_fixed(void)
{
	sp_ar_spec spec;
	sp_error err = { 0 };
	sp_ar_model *m = NULL;
	double y[N];

	series(y, 0);
	sp_ar_spec_defaults(&spec);
	spec.order = 3, spec.d = 1;
	CHECK(sp_ar_fit(&spec, y, 300, &m, &err) == 0, "fit: %s", err.msg);
	if (!m)
		return;
	check_fixed(m, 0, "AR(3) d 1, analytic");
	check_fixed(m, 300, "AR(3) d 1, bootstrap");
	sp_ar_model_free(m);
	spec.order = 0, spec.d = 0;
	CHECK(sp_ar_fit(&spec, y, 300, &m, &err) == 0, "fit AR(0): %s", err.msg);
	check_fixed(m, 0, "AR(0): one value per origin");
	sp_ar_model_free(m);
}

/* The rolling refit through the interface and an sp_ar_roll of its own. */
static void
check_rolling(const sp_ar_spec *spec, size_t window, int boot, const char *label)
{
	sp_rand *r1 = sp_rand_new(4), *r2 = sp_rand_new(4);
	sp_ar_band_opts o = { 0.1, 0.9, boot, r1 }, d = o;
	sp_error err = { 0 };
	double y[N], lo[H], mid[H], hi[H], lo2[H], mid2[H], hi2[H];
	sp_forecaster *f = sp_fc_ar_rolling_new(spec, window, &o, &err);
	sp_ar_roll *roll = sp_ar_roll_new(spec, window, &err);
	int origins = 0, ok = 1;

	d.rng = r2;
	series(y, 0);
	CHECK(f && roll, "%s: new: %s", label, err.msg);
	if (!f || !roll)
		return;
	for (int i = 0; i < N; i++) {
		int rc = sp_forecaster_push(f, 60.0 * i, &y[i], &err), rc2 = sp_ar_roll_push(roll, y[i], &err);
		const sp_ar_model *m;
		if (rc != rc2 || rc != (i + 1 >= (int)window))
			ok = 0;
		if (rc != 1)
			continue;
		origins++;
		if (sp_forecaster_band(f, H, lo, mid, hi, &err) < 0 || !(m = sp_ar_roll_fit(roll, boot > 0, &err)) ||
		    sp_ar_band(m, NULL, 0, H, &d, mid2, lo2, hi2, &err) < 0 ||
		    !same(lo, lo2, H) || !same(mid, mid2, H) || !same(hi, hi2, H) ||
		    sp_fc_ar_model(f)->phi[0] != m->phi[0] || sp_fc_ar_model(f)->c != m->c)
			ok = 0;
	}
	CHECK(ok && origins == N + 1 - (int)window, "%s: %d origins equal sp_ar_roll directly", label, origins);
	sp_forecaster_free(f);
	sp_ar_roll_free(roll);
	sp_rand_free(r1), sp_rand_free(r2);
}

static void
test_rolling(void)
{
	sp_ar_band_opts o = { 0.1, 0.9, 0, NULL };
	sp_ar_spec spec;
	sp_error err = { 0 };
	sp_forecaster *f;
	double v[3] = { 1, NAN, 2 };

	sp_ar_spec_defaults(&spec);
	spec.order = 4;
	check_rolling(&spec, 60, 0, "OLS AR(4), incremental");
	check_rolling(&spec, 60, 100, "OLS AR(4), bootstrap");
	spec.method = SP_AR_BURG, spec.ic = SP_AR_IC_AIC, spec.d = 1;
	check_rolling(&spec, 80, 0, "Burg, order by AIC, d 1");

	sp_ar_spec_defaults(&spec);
	spec.order = 12;
	CHECK(!sp_fc_ar_rolling_new(&spec, 10, &o, &err) && err.code == SP_EUSAGE, "window too short");
	CHECK_STR(err.msg, "window 10 too short: need at least 26 points for order 12 (d 0, season 0)", "message");
	spec.order = 1;
	f = sp_fc_ar_rolling_new(&spec, 5, &o, &err);
	CHECK(f && sp_forecaster_describe(f)->window == 5 && sp_forecaster_describe(f)->step == 0, "info");
	CHECK(sp_forecaster_push(f, 0, &v[0], &err) == 0, "push");
	CHECK(sp_forecaster_push(f, 60, &v[1], &err) == SP_EDATA, "a missing value is an error");
	CHECK(sp_forecaster_save(f, "/tmp/none.ar", NULL, &err) == SP_EUSAGE, "nothing to save before a fit");
	sp_forecaster_free(f);
}

static void
test_save(void)
{
	char dir[] = "/tmp/test_fc_ar.XXXXXX", path[64];
	sp_ar_band_opts o = { 0.1, 0.9, 0, NULL };
	sp_error err = { 0 };
	sp_forecaster *f, *g;
	double y[N], lo[2], mid[2], hi[2], lo2[2], mid2[2], hi2[2];
	sp_ar_spec spec;
	int ok = 1;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/m.ar", dir);
	series(y, 0);
	sp_ar_spec_defaults(&spec);
	spec.order = 2;
	f = sp_fc_ar_rolling_new(&spec, 50, &o, &err);
	for (int i = 0; i < 50; i++)
		sp_forecaster_push(f, 60.0 * i, &y[i], &err);
	sp_forecaster_band(f, 2, lo, mid, hi, &err);
	CHECK(sp_forecaster_save(f, path, "test", &err) == 0, "save the last fit: %s", err.msg);
	g = sp_forecaster_open(path, NULL, &err);   /* level 0.8: quantiles 0.1, 0.9 */
	CHECK(g != NULL, "open it: %s", err.msg);
	if (g) {
		for (int i = 48; i < 50; i++)
			sp_forecaster_push(g, 60.0 * i, &y[i], &err);
		sp_forecaster_band(g, 2, lo2, mid2, hi2, &err);
		ok = same(mid, mid2, 2);
		CHECK(ok, "the saved fit forecasts as the rolling one did");
		CHECK(sp_forecaster_save(g, path, NULL, &err) == 0, "a fixed model saves too");
	}
	sp_forecaster_free(f);
	sp_forecaster_free(g);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_fixed();
	test_rolling();
	test_save();
	return check_summary();
}
