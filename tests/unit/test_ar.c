/* test_ar: lib/sp_arburst (BAScaler's burst overestimator) and lib/sp_ar
 * (AR fitting, forecasting, intervals, model files) against reference values
 * from tests/ref/ (numpy / statsmodels; the scripts are next to the values). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_poly.h>

#include "check.h"
#include "sp_ar.h"
#include "sp_arburst.h"
#include "sp_csv.h"
#include "sp_rand.h"
#include "sp_state.h"
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

/* mle = 1 against statsmodels ARIMA(2,0,0): our optimum is at least as good
 * (llf) and the coefficients agree to the optimisers' tolerance. */
static void
test_arburst_mle(void)
{
	FILE *ref = fopen("tests/ref/ar_burst_mle.txt", "r");
	size_t n, k, nref = 0;
	double *x = load_trace("data/nasa_http_1995_rpm.csv", &n), worst = 0, worstll = 0;
	sp_arburst_opts o;
	sp_arburst *b;
	sp_error err;
	int step, fb;

	CHECK(ref && x, "tests/ref/ar_burst_mle.txt and trace");
	if (!ref || !x) {
		free(x);
		if (ref)
			fclose(ref);
		return;
	}
	sp_arburst_defaults(&o);
	o.mle = 1;
	b = sp_arburst_begin(x, 400, &o, &err);
	for (k = 0; b && k < 40; k++) {
		double up, pt, p1, p2, ll, gup, gpt, phi[2], gphi[2], mu, gll, z[336], mean, sd;
		size_t i;
		if (fscanf(ref, "%d %lf %lf %lf %lf %lf", &step, &up, &pt, &p1, &p2, &ll) != 6)
			break;
		nref++;
		/* the window the step fits: the last 336 z values */
		sp_arburst_scale(b, &mean, &sd);
		for (i = 0; i < 336; i++)
			z[i] = (x[400 + k - 336 + i] - mean) / sd;
		CHECK(sp_arburst_fit_mle(z, 336, gphi, &mu, &gll) == 0, "fit_mle");
		CHECK(gll >= ll - 1e-7, "step %zu: llf %.12g below statsmodels' %.12g", k, gll, ll);
		CHECK(fabs(gll - ll) < 1e-4, "step %zu: llf %.12g vs %.12g", k, gll, ll);
		CHECK(sp_arburst_next(b, &gup, &gpt, &err) == 0, "next");
		sp_arburst_state(b, phi, NULL, &fb);
		CHECK(fb == 0 && phi[0] == gphi[0] && phi[1] == gphi[1], "next uses fit_mle");
		if (fabs(phi[0] - p1) > worst)
			worst = fabs(phi[0] - p1);
		if (fabs(phi[1] - p2) > worst)
			worst = fabs(phi[1] - p2);
		if (fabs(gll - ll) > worstll)
			worstll = fabs(gll - ll);
		CHECK(fabs(phi[0] - p1) < 2e-4 && fabs(phi[1] - p2) < 2e-4, "step %zu: phi %.6f %.6f vs %.6f %.6f",
		    k, phi[0], phi[1], p1, p2);
		CHECK_CLOSE(gup, up, 1e-3, "mle upper");
		CHECK_CLOSE(gpt, pt, 1e-3, "mle point");
		sp_arburst_observe(b, x[400 + k], &err);
	}
	CHECK(nref == 40, "mle reference lines %zu", nref);
	printf("arburst mle: max |phi - statsmodels| %.3g, max |llf - statsmodels| %.3g\n", worst, worstll);
	sp_arburst_free(b);
	free(x);
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

/* ---- sp_ar against statsmodels ------------------------------------------ */

static double max_rel_;

/* |got - want| <= tol * |want| elementwise (relative), NaN want skipped */
static void
check_rel(const double *got, const double *want, size_t n, double tol, const char *name, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double d, sc;
		if (isnan(want[i]))
			continue;
		d = fabs(got[i] - want[i]);
		sc = fabs(want[i]) > 1e-300 ? fabs(want[i]) : 1;
		if (d / sc > max_rel_)
			max_rel_ = d / sc;
		CHECK(d <= tol * sc, "%s %s[%zu]: got %.17g want %.17g (rel %.3g)", name, what, i, got[i], want[i], d / sc);
	}
}

static size_t
read_vals(char *line, double *v, size_t max)
{
	size_t n = 0;
	char *tok = strtok(line, " \n");

	while ((tok = strtok(NULL, " \n")) && n < max)
		v[n++] = strtod(tok, NULL);
	return n;
}

/* The largest modulus of the roots of z^p - phi_1 z^(p-1) - ... - phi_p,
 * by GSL's polynomial solver (the reference for the library's step-down
 * test). */
static void
ar_radius_ref(const double *phi, int p, double *rad)
{
	double a[SP_AR_MAX_ORDER + 1], z[2 * SP_AR_MAX_ORDER];
	gsl_poly_complex_workspace *ws;

	*rad = 0;
	if (p == 0)
		return;
	a[p] = 1;
	for (int i = 1; i <= p; i++)
		a[p - i] = -phi[i - 1];
	gsl_error_handler_t *old = gsl_set_error_handler_off();   /* no abort on a failed solve */
	ws = gsl_poly_complex_workspace_alloc((size_t)p + 1);
	if (ws && gsl_poly_complex_solve(a, (size_t)p + 1, ws, z) == GSL_SUCCESS) {
		for (int i = 0; i < p; i++)
			if (hypot(z[2 * i], z[2 * i + 1]) > *rad)
				*rad = hypot(z[2 * i], z[2 * i + 1]);
	} else {
		*rad = NAN;   /* no reference */
	}
	gsl_poly_complex_workspace_free(ws);
	gsl_set_error_handler(old);
}

static void
test_ar_statsmodels(void)
{
	FILE *ref = fopen("tests/ref/ar_statsmodels.txt", "r");
	char line[65536], name[64], tr[32], meth[16], ic[8];
	static const struct { const char *name, *path; } traces[] = {
		{ "nasa", "data/nasa_http_1995_rpm.csv" },
		{ "ec2", "data/nab_ec2_cpu_utilization_5f5533.csv" },
		{ "wc", "data/worldcup98_19980626_27_rpm.csv" },
		{ "taxi", "data/nab_nyc_taxi.csv" },
	};
	double *data[4] = { 0 };
	size_t ndata[4] = { 0 }, ncase = 0, i;
	int nyw_damped = 0;

	CHECK(ref != NULL, "tests/ref/ar_statsmodels.txt missing");
	if (!ref)
		return;
	for (i = 0; i < 4; i++)
		data[i] = load_trace(traces[i].path, &ndata[i]);
	while (fgets(line, sizeof line, ref)) {
		size_t off, n, np, H, ti;
		int icpt, order, d, s, p;
		double P[6], phi[SP_AR_MAX_ORDER], F[100], L[100], U[100];
		double fc[100], lo[100], hi[100];
		sp_ar_spec spec;
		sp_ar_model *m = NULL;
		sp_error err;

		if (sscanf(line, "C %63s %31s %zu %zu %15s %d %d %d %d %7s %zu", name, tr, &off, &n, meth,
		    &icpt, &order, &d, &s, ic, &H) != 11)
			continue;
		ncase++;
		CHECK(fgets(line, sizeof line, ref) && read_vals(line, P, 6) == 6, "%s: P line", name);
		p = (int)P[0];
		CHECK(fgets(line, sizeof line, ref) != NULL, "PHI");
		np = read_vals(line, phi, SP_AR_MAX_ORDER);
		CHECK(np == (size_t)p, "%s: %zu phi for p %d", name, np, p);
		CHECK(fgets(line, sizeof line, ref) && read_vals(line, F, 100) == H, "F");
		CHECK(fgets(line, sizeof line, ref) && read_vals(line, L, 100) == H, "L");
		CHECK(fgets(line, sizeof line, ref) && read_vals(line, U, 100) == H, "U");
		for (ti = 0; ti < 4 && strcmp(traces[ti].name, tr) != 0; ti++)
			;
		if (ti == 4 || !data[ti] || ndata[ti] < off + n) {
			CHECK(0, "%s: trace %s", name, tr);
			continue;
		}
		sp_ar_spec_defaults(&spec);
		spec.method = (sp_ar_method)sp_ar_method_parse(meth);
		spec.intercept = icpt;
		spec.order = order;
		spec.d = d;
		spec.s = s;
		spec.ic = strcmp(ic, "aic") == 0 ? SP_AR_IC_AIC : strcmp(ic, "bic") == 0 ? SP_AR_IC_BIC : SP_AR_IC_NONE;
		/* statsmodels damps nothing: its explosive fits as they are; but
		 * where its adjusted Yule-Walker fit has a negative innovation
		 * variance (intervals of NaN), that fit is refused */
		spec.max_radius = 0;
		if (spec.method == SP_AR_YW && !(P[2] > 0)) {
			CHECK(sp_ar_fit(&spec, data[ti] + off, n, &m, &err) == SP_EDATA && !m &&
			    strstr(err.msg, "not positive definite"), "%s: statsmodels' sigma2 %g: refused", name, P[2]);
			sp_ar_model_free(m);
			m = NULL;
		} else {
			CHECK(sp_ar_fit(&spec, data[ti] + off, n, &m, &err) == 0, "%s: fit: %s", name, err.msg);
			if (!m)
				continue;
		}
		if (spec.method == SP_AR_YW && spec.ic == SP_AR_IC_NONE) {
			/* by default (max radius 1) an explosive adjusted fit is damped,
			 * exactly when statsmodels' phi has a root outside the circle */
			sp_ar_model *dm = NULL;
			spec.max_radius = 1;
			if (sp_ar_fit(&spec, data[ti] + off, n, &dm, &err) == 0) {
				double rad = 0;
				ar_radius_ref(phi, p, &rad);
				CHECK(!isnan(rad), "%s: GSL found statsmodels' roots", name);
				CHECK(dm->damped == (rad > 1 + 1e-9), "%s: damped %d, statsmodels' radius %.6g", name,
				    dm->damped, rad);
				if (dm->damped)
					CHECK(fabs(dm->radius - rad) <= 1e-6 * rad, "%s: the fitted radius %.10g, GSL's %.10g",
					    name, dm->radius, rad);
				nyw_damped += dm->damped;
				sp_ar_model_free(dm);
			} else
				CHECK(0, "%s: damped fit: %s", name, err.msg);
		}
		if (!m)
			continue;
		CHECK(m->p == p, "%s: order %d, want %d", name, m->p, p);
		if (m->p == p) {
			check_rel(m->phi, phi, (size_t)p, 1e-8, name, "phi");
			check_rel(&m->c, &P[1], 1, 1e-8, name, "const");
			check_rel(&m->sigma2, &P[2], 1, 1e-8, name, "sigma2");
			check_rel(&m->llf, &P[3], 3, 1e-8, name, "llf/aic/bic");
			CHECK(sp_ar_forecast(m, NULL, 0, (int)H, fc, &err) == 0, "forecast");
			check_rel(fc, F, H, 1e-8, name, "forecast");
			CHECK(sp_ar_interval(m, (int)H, fc, 0.1, 0.9, lo, hi, &err) == 0, "interval");
			check_rel(lo, L, H, 1e-8, name, "lower");
			check_rel(hi, U, H, 1e-8, name, "upper");
			/* the same forecast from the raw history instead of the tail */
			CHECK(sp_ar_forecast(m, data[ti] + off, n, (int)H, lo, &err) == 0, "forecast from history");
			check_rel(lo, F, H, 1e-8, name, "forecast(history)");
		}
		sp_ar_model_free(m);
	}
	CHECK(ncase == 67, "statsmodels cases read: %zu", ncase);
	CHECK(nyw_damped >= 1, "statsmodels' explosive yw fits among the cases: %d", nyw_damped);
	printf("statsmodels: %zu cases, max relative difference %.3g\n", ncase, max_rel_);
	for (i = 0; i < 4; i++)
		free(data[i]);
	fclose(ref);
}

/* ---- rolling: the incremental OLS equals a fresh fit at every step ------- */

static void
test_roll(void)
{
	static const struct { int icpt, p, d, s; size_t window; } cs[] = {
		{ 1, 12, 0, 0, 500 }, { 0, 3, 0, 0, 300 }, { 1, 2, 1, 24, 400 }, { 1, 0, 0, 0, 50 },
		{ 1, 4, 2, 0, 60 },
	};
	size_t n, ci, t, steps = getenv("SP_VALGRIND") ? 700 : 4000;
	double *x = load_trace("data/nasa_http_1995_rpm.csv", &n), worst = 0;

	CHECK(x && n > 5000, "trace");
	if (!x)
		return;
	for (ci = 0; ci < sizeof cs / sizeof cs[0]; ci++) {
		sp_ar_spec spec;
		sp_ar_roll *r;
		sp_error err;
		size_t fits = 0;

		sp_ar_spec_defaults(&spec);
		spec.intercept = cs[ci].icpt;
		spec.order = cs[ci].p;
		spec.d = cs[ci].d;
		spec.s = cs[ci].s;
		r = sp_ar_roll_new(&spec, cs[ci].window, &err);
		CHECK(r != NULL, "roll_new: %s", err.msg);
		if (!r)
			continue;
		for (t = 0; t < steps; t++) {
			int rc = sp_ar_roll_push(r, x[t], &err);
			const sp_ar_model *fm;
			sp_ar_model *m = NULL;
			size_t wn, k;
			const double *win;
			double fa[3], fb[3];

			CHECK(rc == (t + 1 >= cs[ci].window), "push %zu: %d", t, rc);
			if (rc != 1 || (t % 7 != 0 && t > cs[ci].window + 3000))
				continue;
			fm = sp_ar_roll_fit(r, t % 2, &err);
			win = sp_ar_roll_window(r, &wn);
			CHECK(wn == cs[ci].window && win[wn - 1] == x[t], "window");
			CHECK(sp_ar_fit(&spec, win, wn, &m, &err) == 0 && fm, "fit %zu", t);
			if (!m || !fm) {
				sp_ar_model_free(m);
				continue;
			}
			fits++;
			for (k = 0; k < (size_t)spec.order; k++) {
				double dd = fabs(fm->phi[k] - m->phi[k]);
				if (dd > worst)
					worst = dd;
				CHECK(dd < 1e-8, "case %zu t %zu phi%zu %.17g vs %.17g", ci, t, k + 1, fm->phi[k], m->phi[k]);
			}
			CHECK_CLOSE(fm->c, m->c, 1e-7, "roll const");
			CHECK_CLOSE(fm->sigma2, m->sigma2, 1e-8, "roll sigma2");
			CHECK(fm->nobs == m->nobs, "nobs");
			sp_ar_forecast(fm, NULL, 0, 3, fa, &err);
			sp_ar_forecast(m, win, wn, 3, fb, &err);
			CHECK_ARRAY_CLOSE(fa, fb, 3, 1e-8, "roll forecast");
			if (t % 2) {
				CHECK(fm->nresid == m->nresid, "nresid %zu vs %zu", fm->nresid, m->nresid);
				CHECK_ARRAY_CLOSE(fm->resid, m->resid, m->nresid, 1e-7, "roll residuals");
			} else {
				double l1, h1;
				CHECK(fm->nresid == 0, "no residuals unless asked");
				CHECK(sp_ar_bootstrap(fm, NULL, 0, 1, 10, NULL, 0.1, 0.9, &l1, &h1, &err) == SP_EDATA,
				    "bootstrap refuses a model without residuals");
			}
			sp_ar_model_free(m);
		}
		CHECK(fits > 100, "fits %zu", fits);
		sp_ar_roll_free(r);
	}
	printf("rolling: max |phi fast - phi fresh| %.3g\n", worst);
	free(x);
}

/* Roll spec over y[0..n) with window w, comparing every fit with a fresh
 * one on the same window: phi within 1e-6 and below 10, c and sigma2
 * within 1e-6 relative, the same damping.  *fits: the fits made; *damped
 * (may be NULL): how many the roll damped, which must be what it counts
 * (sp_ar_roll_damped).  Returns the fits that differ, failed or miscounted. */
static int
roll_vs_fresh(const sp_ar_spec *spec, const double *y, int n, int w, int *fits, size_t *damped)
{
	sp_error err;
	sp_ar_roll *r = sp_ar_roll_new(spec, (size_t)w, &err);
	size_t nd = 0, made = 0;
	int t, bad = 0;

	*fits = 0;
	if (!r)
		return 1;
	for (t = 0; t < n; t++) {
		const sp_ar_model *fm;
		sp_ar_model *m = NULL;
		if (sp_ar_roll_push(r, y[t], &err) != 1)
			continue;
		fm = sp_ar_roll_fit(r, 0, &err);
		if (!fm || sp_ar_fit(spec, y + t + 1 - w, (size_t)w, &m, &err) < 0) {
			bad++;
			continue;
		}
		(*fits)++;
		nd += (size_t)fm->damped;
		if (fm->damped != m->damped || !(fabs(fm->phi[0] - m->phi[0]) <= 1e-6 &&
		    fabs(fm->phi[1] - m->phi[1]) <= 1e-6 && fabs(fm->phi[0]) < 10 && fabs(fm->phi[1]) < 10) ||
		    !(fabs(fm->c - m->c) <= 1e-6 * fabs(m->c) + 1e-6) ||
		    !(fabs(fm->sigma2 - m->sigma2) <= 1e-6 * m->sigma2 + 1e-12))
			bad++;
		sp_ar_model_free(m);
	}
	if (sp_ar_roll_damped(r, &made) != nd || made != (size_t)*fits)
		bad++;
	if (damped)
		*damped = nd;
	sp_ar_roll_free(r);
	return bad;
}

/* ---- lags constant to their last digits --------------------------------
 * A linear fill over a gap longer than the season makes every seasonal
 * difference equal, up to the 10th significant digit of the CSV text (the
 * NASA trace's outage; arfit --rolling --season 288 overflowed there).
 * With one real value entering the window, OLS on such lags gives
 * coefficients of 1e7 that fit the rounding; the lags count as constant
 * instead: phi = 0, const = the targets' mean, forecasts finite, and the
 * rolling fit agrees with a fresh one at every step. */
static void
test_flat_lags(void)
{
	enum { N = 400, S = 50, W = 150 };
	double y[N], fc[24];
	sp_ar_spec spec;
	sp_ar_model *m = NULL;
	sp_ar_roll *r;
	sp_error err;
	int t, bad = 0, fits = 0;

	sp_ar_spec_defaults(&spec);
	spec.s = S;
	for (t = 0; t < N; t++) {
		/* a ramp whose seasonal differences are -79.4629122 or
		 * -79.4629123 (rounded to 10 digits), then real values */
		double v = 600 - 79.4629122 / S * t + (t % 3 == 0 ? 1e-7 : 0);
		y[t] = t < 300 ? round(v * 1e7) / 1e7 : 400 + 60 * sin(t * 0.3);
	}
	/* the window ending at the first real value */
	CHECK(sp_ar_fit(&spec, y + 301 - W, W, &m, &err) == 0, "fit: %s", err.msg);
	if (m) {
		double want = 0;
		CHECK(m->phi[0] == 0 && m->phi[1] == 0, "flat lags: phi %g %g, not 0", m->phi[0], m->phi[1]);
		for (t = 301 - W + S + 2; t < 301; t++)
			want += y[t] - y[t - S];
		CHECK_CLOSE(m->c, want / (W - S - 2), 1e-9, "flat lags: const = the targets' mean");
		CHECK(sp_ar_forecast(m, y + 301 - W, W, 24, fc, &err) == 0 && isfinite(fc[23]),
		    "flat lags: forecast %g", fc[23]);
		sp_ar_model_free(m);
	}
	bad = roll_vs_fresh(&spec, y, N, W, &fits, NULL);
	CHECK(fits > 200 && bad == 0, "flat lags, rolling: %d fits, %d unlike a fresh fit or wild", fits, bad);
	/* the same with the first differences (-d 1) of a slow linear fill:
	 * the NASA trace's 5-minute outage fill falls 0.2759129 a step from
	 * 568, differences constant up to the 7th decimal of the values.  The
	 * rounding is at the values' scale, so the floor is too (arfit -d 1
	 * --rolling overflowed there: phi1 -1.6e7 when the first real value
	 * came in); then the first real values, a fall of 85 and 80 */
	sp_ar_spec_defaults(&spec);
	spec.d = 1;
	for (t = 0; t < N; t++) {
		double v = 567.8469425 - 0.2759129123 * t;
		y[t] = t < 300 ? round(v * 1e7) / 1e7 : t == 300 ? y[299] - 85 : t == 301 ? y[300] - 80 :
		    y[t - 1] + 20 * sin(t * 0.3);
	}
	for (int k = 301; k <= 302; k++) {   /* the first real value a target, then a lag */
		m = NULL;
		CHECK(sp_ar_fit(&spec, y + k - W, W, &m, &err) == 0, "fit d 1: %s", err.msg);
		if (!m)
			continue;
		CHECK(fabs(m->phi[0]) < 2 && fabs(m->phi[1]) < 1e-6, "flat differences, window to %d: phi %g %g", k,
		    m->phi[0], m->phi[1]);
		CHECK(sp_ar_forecast(m, y + k - W, W, 24, fc, &err) == 0 && isfinite(fc[23]) && fabs(fc[23]) < 1e4,
		    "flat differences, window to %d: forecast %g", k, fc[23]);
		sp_ar_model_free(m);
	}
	bad = roll_vs_fresh(&spec, y, N, W, &fits, NULL);
	CHECK(fits > 200 && bad == 0, "flat differences, rolling: %d fits, %d unlike a fresh fit or wild", fits, bad);
	/* a load clipped at a ceiling after varied values (RDS at 4000): once
	 * the window is constant the rolling sums are made again from it, so
	 * the fit is a fresh one's, variance exactly 0, not the rounding left
	 * by the values that went out */
	sp_ar_spec_defaults(&spec);
	r = sp_ar_roll_new(&spec, W, &err);
	bad = fits = 0;
	for (t = 0; r && t < 3 * W - 5; t++) {
		const sp_ar_model *fm;
		/* constant from 1.5 W on: the window is from 2.5 W, between two
		 * of the sums' periodic remakes (every W) */
		double v = t < W + W / 2 ? 1000 + 900 * sin(t * 0.7) + 13 * (t % 7) : 4000;
		if (sp_ar_roll_push(r, v, &err) != 1)
			continue;
		if (t < 5 * W / 2) {   /* fitted all along, as arfit does */
			sp_ar_roll_fit(r, 0, &err);
			continue;
		}
		fits++;
		if (!(fm = sp_ar_roll_fit(r, 0, &err)) || !(fm->sigma2 == 0 && fm->phi[0] == 0 && fm->phi[1] == 0))
			bad++;
	}
	CHECK(fits == W / 2 - 5 && bad == 0, "constant window after varied values: %d fits, %d not exact", fits, bad);
	sp_ar_roll_free(r);
}

/* ---- explosive fits ------------------------------------------------------
 * Noise-free series on explosive recursions, which OLS fits exactly; with
 * max_radius 1 the fit is damped to radius 1 by phi_j *= lambda^j,
 * lambda = 1 / radius (closed forms below), the intercept then the
 * least-squares one for the damped phi; with 0 it is statsmodels' fit.  The
 * NASA trace after its outages gave such fits (a forecast of 1.8e11 at
 * horizon 24 from a load of 657). */
/* The adjusted Yule-Walker equations (autocovariances over n - k) are not
 * always positive definite: on a half sine wave x_t = sin(pi t / 11),
 * t = 1..10, without intercept, phi = (10 / 9) sum x_t x_{t+1} / sum x_t^2
 * = (10 / 9) cos(pi / 11) = 1.0661 > 1 (the sum ratio of that wave is
 * cos(pi / (n + 1)) exactly), and the innovation variance
 * r0 (1 - phi^2) is negative.  Damped (max_radius 1): phi 1, sigma2 the
 * residuals' mean square, sum (x_t - x_{t-1})^2 / 9; max_radius 0: an
 * error.  yw-mle (over n: (r1 / r0) = cos(pi / 11)) and Burg are
 * stationary by construction, never damped. */
static void
test_yw_explosive(void)
{
	enum { N = 10 };
	double y[N], ssq = 0, want;
	sp_ar_spec spec;
	sp_ar_model *m = NULL;
	sp_error err;
	int t;

	for (t = 0; t < N; t++)
		y[t] = sin(M_PI * (t + 1) / (N + 1));
	for (t = 1; t < N; t++)
		ssq += (y[t] - y[t - 1]) * (y[t] - y[t - 1]);
	sp_ar_spec_defaults(&spec);
	spec.method = SP_AR_YW;
	spec.order = 1;
	spec.intercept = 0;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "yw fit: %s", err.msg);
	if (m) {
		want = (double)N / (N - 1) * cos(M_PI / (N + 1));
		CHECK(m->damped == 1, "yw half sine: damped");
		CHECK_CLOSE(m->radius, want, 1e-9, "yw half sine: radius (10 / 9) cos(pi / 11)");
		CHECK_CLOSE(m->phi[0], 1, 1e-12, "yw half sine: damped to phi 1");
		CHECK_CLOSE(m->sigma2, ssq / (N - 1), 1e-12, "yw half sine: sigma2 of the damped fit's residuals");
		CHECK(m->c == 0, "yw half sine: no intercept");
		sp_ar_model_free(m);
	}
	spec.max_radius = 0;
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == SP_EDATA && !m && strstr(err.msg, "not positive definite"),
	    "yw half sine, max_radius 0: refused (%s)", err.msg);
	spec.max_radius = 1.2;   /* above the radius: not damped, the variance still negative */
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == SP_EDATA && !m, "yw half sine, max_radius 1.2: refused");
	spec.max_radius = 1;
	spec.method = SP_AR_YW_MLE;
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "yw-mle fit: %s", err.msg);
	if (m) {
		CHECK(m->damped == 0, "yw-mle half sine: not damped");
		CHECK_CLOSE(m->phi[0], cos(M_PI / (N + 1)), 1e-9, "yw-mle half sine: phi cos(pi / 11)");
		CHECK(m->sigma2 > 0, "yw-mle half sine: sigma2 %g > 0", m->sigma2);
		sp_ar_model_free(m);
	}
	spec.method = SP_AR_BURG;
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "burg fit: %s", err.msg);
	if (m) {
		CHECK(m->damped == 0 && fabs(m->phi[0]) < 1, "burg half sine: |phi| %g < 1, not damped", m->phi[0]);
		sp_ar_model_free(m);
	}
	/* with an intercept: an explosive adjusted fit damped, c = mean (1 - phi) */
	{
		double z[N], mean = 0;
		for (t = 0; t < N; t++)
			mean += (z[t] = 50 + 10 * y[t]) / N;
		spec.method = SP_AR_YW;
		spec.intercept = 1;
		m = NULL;
		CHECK(sp_ar_fit(&spec, z, N, &m, &err) == 0, "yw fit, intercept: %s", err.msg);
		if (m) {
			if (m->damped)
				CHECK_CLOSE(m->c, mean * (1 - m->phi[0]), 1e-9, "yw, intercept, damped: c = mean (1 - phi)");
			CHECK(fabs(m->phi[0]) <= 1 + 1e-9 && m->sigma2 > 0, "yw, intercept: |phi| %g <= 1, sigma2 %g > 0",
			    m->phi[0], m->sigma2);
			sp_ar_model_free(m);
		}
	}
}

static void
test_explosive(void)
{
	enum { N = 60 };
	double y[N], want, ysum = 0, lsum = 0;
	sp_ar_spec spec;
	sp_ar_model *m = NULL;
	sp_error err;
	int t;

	/* AR(1), y_t = 1.1 y_{t-1}: radius 1.1, damped phi 1 */
	for (t = 0; t < N; t++)
		y[t] = t ? 1.1 * y[t - 1] : 1;
	sp_ar_spec_defaults(&spec);
	spec.order = 1;
	spec.max_radius = 0;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "fit: %s", err.msg);
	if (m) {
		CHECK_CLOSE(m->phi[0], 1.1, 1e-9, "max_radius 0: the OLS phi");
		CHECK(!m->damped && fabs(m->radius) < 1e-12, "max_radius 0: not damped, radius not computed (%g)",
		    m->radius);
		sp_ar_model_free(m);
	}
	spec.max_radius = 1;
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "fit: %s", err.msg);
	if (m) {
		double fc[3];
		CHECK(m->damped == 1, "AR(1) 1.1: damped");
		CHECK_CLOSE(m->radius, 1.1, 1e-9, "AR(1) 1.1: the fitted radius");
		CHECK_CLOSE(m->phi[0], 1, 1e-9, "AR(1) 1.1: damped to phi 1");
		for (t = 1; t < N; t++)
			ysum += y[t], lsum += y[t - 1];
		want = (ysum - lsum) / (N - 1);   /* the least-squares c for phi 1: the mean step */
		CHECK_CLOSE(m->c, want, 1e-9, "AR(1) 1.1: the intercept for the damped phi");
		CHECK(sp_ar_forecast(m, y, N, 3, fc, &err) == 0, "forecast");
		CHECK_CLOSE(fc[2], y[N - 1] + 3 * want, 1e-9, "AR(1) 1.1: a straight line, not 1.1^h");
		sp_ar_model_free(m);
	}
	/* AR(2) with complex roots of modulus 1.05 at angle 0.5: phi 2 r cos 0.5,
	 * -r^2, damped to 2 cos 0.5, -1 (an undamped oscillation) */
	for (t = 0; t < N; t++)
		y[t] = pow(1.05, t) * cos(0.5 * t + 0.3) + 0;
	spec.order = 2;
	spec.intercept = 0;
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "fit: %s", err.msg);
	if (m) {
		CHECK(m->damped == 1, "AR(2) complex: damped");
		CHECK_CLOSE(m->radius, 1.05, 1e-8, "AR(2) complex: radius r");
		CHECK_CLOSE(m->phi[0], 2 * cos(0.5), 1e-8, "AR(2) complex: phi1 2 cos 0.5");
		CHECK_CLOSE(m->phi[1], -1, 1e-8, "AR(2) complex: phi2 -1");
		sp_ar_model_free(m);
	}
	/* AR(3), roots 1.1, 0.5, 0.3 (GSL's polynomial solver):
	 * (z - 1.1)(z - 0.5)(z - 0.3) = z^3 - 1.9 z^2 + 1.03 z - 0.165 */
	for (t = 0; t < N; t++)
		y[t] = 2 * pow(1.1, t) + 3 * pow(0.5, t) - pow(0.3, t);
	spec.order = 3;
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "fit: %s", err.msg);
	if (m) {
		CHECK(m->damped == 1, "AR(3): damped");
		CHECK_CLOSE(m->radius, 1.1, 1e-6, "AR(3): radius 1.1");
		CHECK_CLOSE(m->phi[0], 1.9 / 1.1, 1e-6, "AR(3): phi1 1.9 / 1.1");
		CHECK_CLOSE(m->phi[1], -1.03 / (1.1 * 1.1), 1e-6, "AR(3): phi2 -1.03 / 1.1^2");
		CHECK_CLOSE(m->phi[2], 0.165 / (1.1 * 1.1 * 1.1), 1e-6, "AR(3): phi3 0.165 / 1.1^3");
		sp_ar_model_free(m);
	}
	/* a stationary AR(3) is left alone: roots 0.9, 0.5, 0.3 */
	for (t = 0; t < N; t++)
		y[t] = 2 * pow(0.9, t) + 3 * pow(0.5, t) - pow(0.3, t);
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "fit: %s", err.msg);
	if (m) {
		CHECK(m->damped == 0 && m->radius == 0, "AR(3) stationary: not damped (radius %g)", m->radius);
		CHECK_CLOSE(m->phi[0], 1.7, 1e-6, "AR(3) stationary: phi1 0.9 + 0.5 + 0.3");
		sp_ar_model_free(m);
	}
	/* on the circle (a unit root: an undamped oscillation) is left alone */
	for (t = 0; t < N; t++)
		y[t] = cos(0.5 * t + 0.3);
	spec.order = 2;
	m = NULL;
	CHECK(sp_ar_fit(&spec, y, N, &m, &err) == 0, "fit: %s", err.msg);
	if (m) {
		CHECK(m->damped == 0, "unit circle: not damped");
		CHECK_CLOSE(m->phi[0], 2 * cos(0.5), 1e-8, "unit circle: phi1 2 cos 0.5");
		sp_ar_model_free(m);
	}
	/* real roots drawn at random, moduli 0.55-1.15 and at least 0.1 apart
	 * (well conditioned), p 3-5: damped exactly when the largest is above
	 * 1 (the step-down test agrees with the roots), to radius 1 */
	{
		sp_rand *rng = sp_rand_new(11);
		int bad = 0, ndamped = 0, cases = 0;
		for (int c = 0; rng && c < 150; c++) {
			double root[5], rmax = 0;
			int p = 3 + c % 3, ok = 1;
			for (int i = 0; i < p; i++) {
				root[i] = (sp_rand_uniform(rng) < 0.3 ? -1 : 1) * (0.55 + 0.6 * sp_rand_uniform(rng));
				for (int j = 0; j < i; j++)
					ok &= fabs(root[i] - root[j]) >= 0.1;
				if (fabs(root[i]) > rmax)
					rmax = fabs(root[i]);
			}
			if (!ok || fabs(rmax - 1) < 0.02)
				continue;
			cases++;
			for (t = 0; t < N; t++) {
				y[t] = 0;
				for (int i = 0; i < p; i++)
					y[t] += (1 + i) * pow(root[i], t);
			}
			spec.order = p;
			m = NULL;
			if (sp_ar_fit(&spec, y, N, &m, &err) < 0) {
				bad++;
				continue;
			}
			ndamped += m->damped;
			if (m->damped != (rmax > 1) || (m->damped && fabs(m->radius - rmax) > 1e-4)) {
				bad++;
				printf("random real roots, p %d, largest %g: damped %d, radius %g\n", p, rmax, m->damped,
				    m->radius);
			}
			sp_ar_model_free(m);
		}
		sp_rand_free(rng);
		CHECK(cases > 40 && bad == 0 && ndamped > 5 && ndamped < cases - 5,
		    "random real roots: %d of %d cases wrong, %d damped", bad, cases, ndamped);
	}
	/* rolling: noise, a burst of growth, noise; the incremental fit damps
	 * as a fresh one does (phi, c, sigma2) and counts what it damped */
	{
		enum { M = 400, W = 60 };
		double x[M];
		sp_rand *rng = sp_rand_new(7);
		size_t fresh_damped = 0;
		int bad, made = 0;
		sp_ar_spec_defaults(&spec);
		for (t = 0; t < M; t++)
			x[t] = t >= 200 && t < 230 ? x[t - 1] * 1.15 : 100 + (rng ? sp_rand_normal(rng, 5) : 0);
		sp_rand_free(rng);
		bad = roll_vs_fresh(&spec, x, M, W, &made, &fresh_damped);
		CHECK(bad == 0 && fresh_damped > 10 && made == M - W + 1,
		    "rolling: %d of %d fits unlike a fresh one; %zu damped", bad, made, fresh_damped);
	}
}

/* ---- model files ---------------------------------------------------------- */

static void
test_save_load(void)
{
	size_t n;
	double *x = load_trace("data/nab_nyc_taxi.csv", &n), f1[5], f2[5];
	char path[] = "/tmp/test_ar_XXXXXX";
	sp_ar_spec spec;
	sp_ar_model *m = NULL, *l;
	sp_error err;
	int fd = mkstemp(path);
	FILE *f;

	CHECK(x && fd >= 0, "setup");
	if (!x || fd < 0)
		return;
	close(fd);
	sp_ar_spec_defaults(&spec);
	spec.method = SP_AR_BURG;
	spec.order = 3;
	spec.d = 1;
	spec.s = 48;
	CHECK(sp_ar_fit(&spec, x, 2000, &m, &err) == 0, "fit");
	CHECK(sp_ar_save(m, path, "arfit --test", &err) == 0, "save: %s", err.msg);
	l = sp_ar_load(path, &err);
	CHECK(l != NULL, "load: %s", err.msg);
	if (l) {
		CHECK(l->method == m->method && l->p == m->p && l->d == m->d && l->s == m->s &&
		    l->intercept == m->intercept && l->nobs == m->nobs && l->ntail == m->ntail &&
		    l->nresid == m->nresid, "header fields");
		CHECK(l->c == m->c && l->sigma2 == m->sigma2 && l->aic == m->aic && l->bic == m->bic &&
		    l->llf == m->llf, "doubles round-trip exactly");
		CHECK(memcmp(l->phi, m->phi, 3 * sizeof *l->phi) == 0, "phi exact");
		CHECK(memcmp(l->tail, m->tail, m->ntail * sizeof *l->tail) == 0, "tail exact");
		CHECK(memcmp(l->resid, m->resid, m->nresid * sizeof *l->resid) == 0, "resid exact");
		sp_ar_forecast(m, x, 2100, 5, f1, &err);
		sp_ar_forecast(l, x, 2100, 5, f2, &err);
		CHECK(memcmp(f1, f2, sizeof f1) == 0, "same forecasts");
		CHECK(sp_ar_forecast(l, x, 10, 5, f2, &err) == SP_EDATA, "short history rejected");
		CHECK_STR(err.msg, "need at least 52 points of history for the model, have 10", "short msg");
	}
	sp_ar_model_free(l);
	/* truncated file: no `end` */
	f = fopen(path, "w");
	fputs("scalepipe-model ar 1\nmethod ols\norder 1\n", f);
	fclose(f);
	CHECK(sp_ar_load(path, &err) == NULL && err.code == SP_EMODEL, "truncated rejected");
	/* phi with the wrong count */
	f = fopen(path, "w");
	fputs("scalepipe-model ar 1\nmethod ols\norder 2\nd 0\nseason 0\nintercept 1\nconst 1\n"
	    "phi 0.5\nsigma2 1\nnobs 10\nllf 1\naic 1\nbic 1\ntail 1 2\nend\n", f);
	fclose(f);
	CHECK(sp_ar_load(path, &err) == NULL && strstr(err.msg, ":8:") != NULL, "phi count: %s", err.msg);
	/* unknown method */
	f = fopen(path, "w");
	fputs("scalepipe-model ar 1\nmethod mle\norder 1\nd 0\nseason 0\nintercept 1\nconst 1\n"
	    "phi 0.5\nsigma2 1\nnobs 10\nllf 1\naic 1\nbic 1\ntail 1\nend\n", f);
	fclose(f);
	CHECK(sp_ar_load(path, &err) == NULL && strstr(err.msg, "unknown method 'mle'") != NULL, "method: %s", err.msg);
	remove(path);
	sp_ar_model_free(m);
	free(x);
}

/* ---- coverage of 80 % and 95 % intervals on a simulated AR(2) -------------- */

static void
test_coverage(void)
{
	const double phi1 = 0.6, phi2 = -0.3, c = 0.5;
	const int H = 8, B = getenv("SP_VALGRIND") ? 200 : 400;
	size_t norig = getenv("SP_VALGRIND") ? 400 : 1500, win = 500, gap = 15, len, t, o;
	double *y, fc[8], lo[8], hi[8];
	/* hits[method][level][h = 1 or H] */
	size_t hits[2][2][2] = { { { 0 } } };
	static const double lev[2] = { 0.8, 0.95 };
	sp_rand *rng = sp_rand_new(2024), *brng = sp_rand_new(99);
	sp_ar_spec spec;
	sp_error err;
	int mi, li, hi_;

	len = win + norig * gap + (size_t)H + 10;
	y = malloc(len * sizeof *y);
	y[0] = y[1] = c / (1 - phi1 - phi2);
	for (t = 2; t < len; t++)
		y[t] = c + phi1 * y[t - 1] + phi2 * y[t - 2] + sp_rand_normal(rng, 1);
	sp_ar_spec_defaults(&spec);
	spec.order = 2;
	for (o = 0; o < norig; o++) {
		size_t end = win + o * gap;    /* fit on y[end - win, end), forecast y[end..] */
		sp_ar_model *m = NULL;
		if (sp_ar_fit(&spec, y + end - win, win, &m, &err) < 0)
			continue;
		sp_ar_forecast(m, NULL, 0, H, fc, &err);
		for (mi = 0; mi < 2; mi++)
			for (li = 0; li < 2; li++) {
				double ql = (1 - lev[li]) / 2, qh = (1 + lev[li]) / 2;
				if (mi == 0)
					sp_ar_interval(m, H, fc, ql, qh, lo, hi, &err);
				else
					sp_ar_bootstrap(m, NULL, 0, H, B, brng, ql, qh, lo, hi, &err);
				for (hi_ = 0; hi_ < 2; hi_++) {
					int h = hi_ ? H - 1 : 0;
					double v = y[end + (size_t)h];
					hits[mi][li][hi_] += lo[h] <= v && v <= hi[h];
				}
			}
		sp_ar_model_free(m);
	}
	for (mi = 0; mi < 2; mi++)
		for (li = 0; li < 2; li++)
			for (hi_ = 0; hi_ < 2; hi_++) {
				double cov = (double)hits[mi][li][hi_] / (double)norig;
				double sd = sqrt(lev[li] * (1 - lev[li]) / (double)norig);
				printf("coverage %s level %.2f h %d: %.4f (tolerance +-%.4f)\n",
				    mi ? "bootstrap" : "analytic", lev[li], hi_ ? H : 1, cov, 4 * sd);
				CHECK(fabs(cov - lev[li]) <= 4 * sd, "coverage %s %.2f h %d: %.4f",
				    mi ? "bootstrap" : "analytic", lev[li], hi_ ? H : 1, cov);
			}
	free(y);
	sp_rand_free(rng);
	sp_rand_free(brng);
}

/* ---- sp_ar_band: what arfit and the AR forecasters give at an origin ---- */
static void
test_band(void)
{
	/* the hand model of tests/cli/arfit.sh: y = 1, 2; c 10, phi (0.5,
	 * -0.25), sigma2 4: f = 10.75, 14.875, 14.75; psi 1, 0.5, 0 -> sd 2,
	 * sqrt 5, sqrt 5; z(0.9) = 1.2815515655446004 */
	static const double y[] = { 1, 2 }, f[] = { 10.75, 14.875, 14.75 };
	double sd[] = { 2, sqrt(5), sqrt(5) }, z = 1.2815515655446004;
	double fc[3], lo[3], hi[3], fc2[3], lo2[3], hi2[3];
	sp_error err = { 0 };
	sp_ar_model *m = sp_ar_load("tests/cli/data/arfit-hand.ar", &err);
	sp_rand *r1 = sp_rand_new(5), *r2 = sp_rand_new(5);
	sp_ar_band_opts o = { 0.1, 0.9, 0, NULL };

	CHECK(m != NULL, "load: %s", err.msg);
	if (!m)
		return;
	CHECK(sp_ar_band(m, y, 2, 3, &o, fc, lo, hi, &err) == 0, "band");
	for (int h = 0; h < 3; h++) {
		CHECK_CLOSE(fc[h], f[h], 1e-14, "hand forecast");
		CHECK_CLOSE(lo[h], f[h] - z * sd[h], 1e-12, "hand lower");
		CHECK_CLOSE(hi[h], f[h] + z * sd[h], 1e-12, "hand upper");
	}
	sp_ar_forecast(m, y, 2, 3, fc2, &err);
	sp_ar_interval(m, 3, fc2, 0.1, 0.9, lo2, hi2, &err);
	CHECK(memcmp(fc, fc2, sizeof fc) == 0 && memcmp(lo, lo2, sizeof lo) == 0 && memcmp(hi, hi2, sizeof hi) == 0,
	    "analytic band = sp_ar_forecast + sp_ar_interval, bit for bit");
	/* the bootstrap needs residuals: give the model some */
	free(m->resid);
	m->resid = malloc(5 * sizeof *m->resid), m->nresid = 5;
	for (int i = 0; i < 5; i++)
		m->resid[i] = i - 2.5;
	o.boot = 200, o.rng = r1;
	CHECK(sp_ar_band(m, y, 2, 3, &o, fc, lo, hi, &err) == 0, "bootstrap band");
	CHECK(sp_ar_bootstrap(m, y, 2, 3, 200, r2, 0.1, 0.9, lo2, hi2, &err) == 0, "bootstrap");
	CHECK(memcmp(fc, fc2, sizeof fc) == 0 && memcmp(lo, lo2, sizeof lo) == 0 && memcmp(hi, hi2, sizeof hi) == 0,
	    "bootstrap band = sp_ar_forecast + sp_ar_bootstrap with the same draws");
	CHECK(sp_ar_band(m, y, 1, 3, &o, fc, lo, hi, &err) == SP_EDATA, "too short a history refused");
	sp_rand_free(r1), sp_rand_free(r2);
	sp_ar_model_free(m);
}

/* The rolling fitter's state (sp_ar_roll_write_state / read_state): the
 * roll written and read back into a new one every k-th value fits bit for
 * bit as an uninterrupted one, across the recomputations of its sums
 * (window 20: every 20 values), for OLS (incremental sums), OLS without
 * intercept, Yule-Walker with a difference and a seasonal difference (refit
 * from scratch); a state of another spec or window is refused. */
static int
roll_run(const sp_ar_spec *spec, const double *y, int n, int k, const char *path, double *out)
{
	sp_error err = { 0 };
	sp_ar_roll *r = sp_ar_roll_new(spec, 20, &err);
	int ok = r != NULL, p = spec->order;

	for (int i = 0; ok && i < n; i++) {
		const sp_ar_model *m;
		if (k > 0 && i % k == 0) {
			sp_state_writer *w = sp_state_writer_new("test", 1, &err);
			sp_state *s = NULL;
			sp_ar_roll_write_state(r, w);
			ok &= sp_state_writer_save(w, path, &err) == 0;
			sp_state_writer_free(w);
			sp_ar_roll_free(r);
			r = sp_ar_roll_new(spec, 20, &err);
			ok &= sp_state_load(path, "test", 1, &s, &err) == 0 && s && sp_ar_roll_read_state(r, s, &err) == 0 &&
			    sp_state_end(s, &err) == 0;
			sp_state_free(s);
		}
		if (sp_ar_roll_push(r, y[i], &err) == 1) {
			if (!(m = sp_ar_roll_fit(r, 0, &err)))
				return 0;
			out[i * (p + 2)] = m->c, out[i * (p + 2) + 1] = m->sigma2;
			memcpy(out + i * (p + 2) + 2, m->phi, (size_t)p * sizeof *out);
		}
	}
	sp_ar_roll_free(r);
	return ok;
}

static void
test_roll_state(void)
{
	enum { N = 90 };
	char dir[] = "/tmp/test_ar.XXXXXX", path[64];
	double y[N], a[N * 5], b[N * 5];
	sp_ar_spec specs[4];
	sp_error err = { 0 };
	sp_state_writer *w;
	sp_state *s = NULL;
	sp_ar_roll *r;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/st", dir);
	for (int i = 0; i < N; i++)
		y[i] = 10 + 3 * sin(i * 0.7) + 0.01 * (double)((i * 7919) % 101);
	for (int j = 0; j < 4; j++)
		sp_ar_spec_defaults(&specs[j]);
	specs[0].order = 3;
	specs[1].order = 2, specs[1].intercept = 0;
	specs[2].method = SP_AR_YW, specs[2].d = 1;
	specs[3].order = 1, specs[3].s = 4;
	for (int j = 0; j < 4; j++) {
		int ok = 1;
		memset(a, 0, sizeof a);
		ok &= roll_run(&specs[j], y, N, 0, path, a);
		for (int k = 1; k <= 23; k += 11) {
			memset(b, 0, sizeof b);
			ok &= roll_run(&specs[j], y, N, k, path, b) && memcmp(a, b, sizeof a) == 0;
		}
		CHECK(ok && a[(N - 1) * (specs[j].order + 2) + 1] > 0, "roll state read back every 1, 12, 23 values = "
		    "one roll, bit for bit (spec %d)", j);
	}
	/* another window */
	r = sp_ar_roll_new(&specs[0], 20, &err);
	w = sp_state_writer_new("test", 1, &err);
	sp_ar_roll_write_state(r, w);
	sp_state_writer_save(w, path, &err);
	sp_state_writer_free(w);
	sp_ar_roll_free(r);
	r = sp_ar_roll_new(&specs[0], 21, &err);
	sp_state_load(path, "test", 1, &s, &err);
	CHECK(s && sp_ar_roll_read_state(r, s, &err) == SP_EMODEL &&
	    strstr(err.msg, ":8: state written with ar window 20, not 21"), "another window refused: %s", err.msg);
	sp_state_free(s);
	sp_ar_roll_free(r);
	remove(path);
	rmdir(dir);
}

int
main(void)
{
	test_band();
	test_arburst_mle();
	test_roll();
	test_flat_lags();
	test_explosive();
	test_yw_explosive();
	test_roll_state();
	test_save_load();
	test_coverage();
	test_ar_statsmodels();
	test_arburst_ref();
	test_arburst_edges();
	return check_summary();
}
