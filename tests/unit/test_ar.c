/* test_ar: lib/sp_arburst (BAScaler's burst overestimator) and lib/sp_ar
 * (AR fitting, forecasting, intervals, model files) against reference values
 * from tests/ref/ (numpy / statsmodels; the scripts are next to the values). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_arburst.h"
#include "sp_csv.h"
#include "sp_rand.h"
#include "sp_stats.h"

/* Column 1 of a shipped trace into a malloc'ed array. */
static double *
load_trace(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	sp_error err;
	sp_csv_reader *r;
	double *v = NULL, x;
	size_t len = 0, cap = 0;
	int rc;

	*n = 0;
	if (!f)
		return NULL;
	r = sp_csv_reader_new(f, path, SP_CSV_NEED_TIMESTAMP, &err);
	if (!r) {
		fclose(f);
		return NULL;
	}
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			v = realloc(v, cap * sizeof *v);
		}
		sp_csv_get_double(r, 1, &x, &err);
		v[len++] = x;
	}
	sp_csv_reader_free(r);
	fclose(f);
	*n = len;
	return v;
}

/* ---- sp_arburst -------------------------------------------------------- */

struct burst_case {
	const char *name, *trace;
	size_t off, nhist, nsteps, maxw;
	double q;
};

static void
test_arburst_ref(void)
{
	static const struct burst_case cases[] = {
		{ "nasa", "data/nasa_http_1995_rpm.csv", 0, 400, 120, 336, 0.995 },
		{ "wc", "data/worldcup98_19980626_27_rpm.csv", 0, 200, 200, 336, 0.995 },
		{ "small", "data/nasa_http_1995_rpm.csv", 5000, 30, 200, 20, 0.9 },
	};
	FILE *ref = fopen("tests/ref/ar_burst.txt", "r");
	size_t c, k, nref = 0;
	char name[32];
	int step;
	double up, pt, p1, p2, es;

	CHECK(ref != NULL, "tests/ref/ar_burst.txt missing");
	if (!ref)
		return;
	for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct burst_case *bc = &cases[c];
		size_t n;
		double *x = load_trace(bc->trace, &n);
		sp_arburst_opts o;
		sp_arburst *b;
		sp_error err;
		double gup = 0, gpt = 0, phi[2], ges;
		int fb;

		CHECK(x && n > bc->off + bc->nhist + bc->nsteps, "%s: trace", bc->trace);
		if (!x || n <= bc->off + bc->nhist + bc->nsteps) {
			free(x);
			continue;
		}
		sp_arburst_defaults(&o);
		o.max_window = bc->maxw;
		o.quantile = bc->q;
		b = sp_arburst_begin(x + bc->off, bc->nhist, &o, &err);
		CHECK(b != NULL, "begin %s: %s", bc->name, err.msg);
		for (k = 0; b && k < bc->nsteps; k++) {
			if (fscanf(ref, "%31s %d %lf %lf %lf %lf %lf", name, &step, &up, &pt, &p1, &p2, &es) != 7)
				break;
			nref++;
			CHECK(strcmp(name, bc->name) == 0 && (size_t)step == k, "ref line %s %d", name, step);
			CHECK(sp_arburst_next(b, &gup, &gpt, &err) == 0, "next");
			sp_arburst_state(b, phi, &ges, &fb);
			CHECK_CLOSE(phi[0], p1, 1e-9, "phi1");
			CHECK_CLOSE(phi[1], p2, 1e-9, "phi2");
			CHECK_CLOSE(ges, es, 1e-9, "e*");
			CHECK_CLOSE(gup, up, 1e-9, "upper");
			CHECK_CLOSE(gpt, pt, 1e-9, "point");
			CHECK(fb == 0, "no fallback expected");
			CHECK(sp_arburst_observe(b, x[bc->off + bc->nhist + k], &err) == 0, "observe");
		}
		sp_arburst_free(b);
		free(x);
	}
	CHECK(nref == 520, "reference lines read: %zu", nref);
	fclose(ref);
}

static void
test_arburst_edges(void)
{
	double flat[10], h[400], up, pt, phi[2], es, mean, sd, up2;
	sp_arburst_opts o;
	sp_arburst *b;
	sp_error err;
	int fb;
	size_t i;

	/* flat history: sd fallback 1, singular fit -> (2, -1), residuals 0 */
	for (i = 0; i < 10; i++)
		flat[i] = 5;
	b = sp_arburst_begin(flat, 10, NULL, &err);
	CHECK(b != NULL, "flat begin");
	sp_arburst_scale(b, &mean, &sd);
	CHECK_CLOSE(mean, 5, 0, "flat mean");
	CHECK_CLOSE(sd, 1, 0, "flat sd fallback");
	CHECK(sp_arburst_next(b, &up, &pt, &err) == 0, "flat next");
	sp_arburst_state(b, phi, &es, &fb);
	CHECK(fb == 1 && phi[0] == 2 && phi[1] == -1, "fallback (2,-1)");
	CHECK_CLOSE(up, 5, 1e-12, "flat upper");
	CHECK_CLOSE(pt, 5, 1e-12, "flat point");
	/* then a ramp in load units: linear extrapolation continues it */
	sp_arburst_observe(b, 7, &err);
	sp_arburst_next(b, &up, &pt, &err);
	CHECK(isfinite(up) && isfinite(pt), "after ramp finite");
	sp_arburst_free(b);

	/* NaN history -> 0 */
	for (i = 0; i < 10; i++)
		flat[i] = (i % 3 == 0) ? NAN : (double)i;
	b = sp_arburst_begin(flat, 10, NULL, &err);
	sp_arburst_scale(b, &mean, NULL);
	CHECK_CLOSE(mean, (1 + 2 + 4 + 5 + 7 + 8) / 10.0, 1e-15, "NaN -> 0 in mean");
	CHECK(sp_arburst_observe(b, INFINITY, &err) == SP_EDATA, "inf observe rejected");
	CHECK(sp_arburst_observe(b, NAN, &err) == 0, "NaN observe ok");
	sp_arburst_free(b);

	/* errors */
	CHECK(sp_arburst_begin(flat, 2, NULL, &err) == NULL && err.code == SP_EDATA, "n < 3");
	CHECK_STR(err.msg, "arburst: need at least 3 history points, have 2", "n < 3 message");
	sp_arburst_defaults(&o);
	o.quantile = 1.5;
	CHECK(sp_arburst_begin(h, 3, &o, &err) == NULL && err.code == SP_EUSAGE, "bad quantile");
	flat[4] = INFINITY;
	CHECK(sp_arburst_begin(flat, 10, NULL, &err) == NULL && err.code == SP_EDATA, "inf history");

	/* bootstrap: the CI upper end of the quantile lies near the plain
	 * quantile, is reproducible with a seed, and shifts upper by
	 * (e*_boot - e*_plain) * sd. */
	{
		sp_rand *r = sp_rand_new(7);
		double plain, e1, e2, sd2;
		h[0] = 0;
		h[1] = 0;
		for (i = 2; i < 400; i++)
			h[i] = 0.6 * h[i - 1] - 0.3 * h[i - 2] + sp_rand_normal(r, 1);
		sp_rand_free(r);
		b = sp_arburst_begin(h, 400, NULL, &err);
		sp_arburst_next(b, &up, &pt, &err);
		sp_arburst_state(b, phi, &plain, &fb);
		sp_arburst_scale(b, NULL, &sd2);
		CHECK(fabs(phi[0] - 0.6) < 0.15 && fabs(phi[1] + 0.3) < 0.15, "AR(2) recovered: %g %g", phi[0], phi[1]);
		sp_arburst_free(b);
		sp_arburst_defaults(&o);
		o.bootstrap = 50;
		o.seed = 3;
		b = sp_arburst_begin(h, 400, &o, &err);
		sp_arburst_next(b, &up2, NULL, &err);
		sp_arburst_state(b, NULL, &e1, NULL);
		sp_arburst_free(b);
		b = sp_arburst_begin(h, 400, &o, &err);
		sp_arburst_next(b, NULL, NULL, &err);
		sp_arburst_state(b, NULL, &e2, NULL);
		sp_arburst_free(b);
		CHECK(e1 == e2, "bootstrap reproducible with a seed");
		CHECK(e1 >= plain - 0.05 && e1 <= plain + 1.5, "bootstrap e* %g vs plain %g", e1, plain);
		CHECK_CLOSE(up2 - up, (e1 - plain) * sd2, 1e-9, "upper moves by the e* difference");
	}
}

int
main(void)
{
	test_arburst_ref();
	test_arburst_edges();
	return check_summary();
}
