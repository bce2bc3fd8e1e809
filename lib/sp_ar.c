/* sp_ar: AR fitting (OLS, Yule-Walker, Burg), order selection, integrated
 * forecasts, analytic and bootstrap intervals, model files and the rolling
 * refitter.  The formulas follow statsmodels 0.13 (AutoReg, ar_select_order,
 * yule_walker, burg / pacf_burg / levinson_durbin_pacf) so that the
 * coefficients agree to rounding; see sp_ar.h for the conventions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_poly.h>

#include "sp_ar.h"
#include "sp_model.h"
#include "sp_state.h"
#include "sp_stats.h"

#define LOG2PI 1.8378770664093454836

void
sp_ar_spec_defaults(sp_ar_spec *spec)
{
	spec->method = SP_AR_OLS;
	spec->order = 2;
	spec->ic = SP_AR_IC_NONE;
	spec->intercept = 1;
	spec->d = 0;
	spec->s = 0;
	spec->max_radius = 1;
}

static const char *const method_names[] = { "ols", "yw", "yw-mle", "burg", NULL };

const char *
sp_ar_method_name(sp_ar_method m)
{
	return (unsigned)m < 4 ? method_names[m] : "?";
}

int
sp_ar_method_parse(const char *s)
{
	int i;

	for (i = 0; method_names[i]; i++)
		if (strcmp(s, method_names[i]) == 0)
			return i;
	return -1;
}

size_t
sp_ar_min_points(const sp_ar_spec *spec)
{
	return (size_t)spec->d + (size_t)spec->s + 2 * (size_t)spec->order + (size_t)(spec->intercept != 0) + 1;
}

static int
check_spec(const sp_ar_spec *spec, sp_error *err)
{
	if ((unsigned)spec->method > SP_AR_BURG || spec->order < 0 || spec->order > SP_AR_MAX_ORDER ||
	    spec->d < 0 || spec->d > SP_AR_MAX_DIFF || spec->s < 0 || spec->s > SP_AR_MAX_SEASON ||
	    (unsigned)spec->ic > SP_AR_IC_BIC || spec->s == 1)
		return sp_error_set(err, SP_EUSAGE, "invalid AR specification");
	if (spec->ic == SP_AR_IC_NONE && spec->order == 0 && spec->method != SP_AR_OLS)
		return sp_error_set(err, SP_EUSAGE, "method %s needs an order of at least 1",
		    sp_ar_method_name(spec->method));
	return 0;
}

/* ---- models ------------------------------------------------------------ */

static sp_ar_model *
model_new(int p, int d, int s, size_t nresid)
{
	sp_ar_model *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->p = p;
	m->d = d;
	m->s = s;
	m->ntail = (size_t)p + (size_t)d + (size_t)s;
	m->nresid = nresid;
	m->phi = calloc((size_t)p + 1, sizeof *m->phi);
	m->tail = calloc(m->ntail + 1, sizeof *m->tail);
	m->resid = calloc(nresid + 1, sizeof *m->resid);
	if (!m->phi || !m->tail || !m->resid) {
		sp_ar_model_free(m);
		return NULL;
	}
	return m;
}

void
sp_ar_model_free(sp_ar_model *m)
{
	if (!m)
		return;
	free(m->phi);
	free(m->tail);
	free(m->resid);
	free(m);
}

sp_ar_model *
sp_ar_model_dup(const sp_ar_model *m)
{
	sp_ar_model *c = model_new(m->p, m->d, m->s, m->nresid);

	if (!c)
		return NULL;
	c->method = m->method;
	c->intercept = m->intercept;
	c->c = m->c;
	c->sigma2 = m->sigma2;
	c->llf = m->llf;
	c->aic = m->aic;
	c->bic = m->bic;
	c->nobs = m->nobs;
	c->radius = m->radius;
	c->damped = m->damped;
	memcpy(c->phi, m->phi, (size_t)m->p * sizeof *c->phi);
	memcpy(c->tail, m->tail, m->ntail * sizeof *c->tail);
	memcpy(c->resid, m->resid, m->nresid * sizeof *c->resid);
	return c;
}

size_t
sp_ar_need(const sp_ar_model *m)
{
	return m->ntail;
}

/* ---- differencing ------------------------------------------------------ */

/* Coefficients q[0..d+s] of (1 - B)^d (1 - B^s); q[0] = 1. */
static void
diff_poly(int d, int s, double *q)
{
	int n = d + s, i, j;

	for (i = 0; i <= n; i++)
		q[i] = 0;
	q[0] = 1;
	for (j = 0; j < d; j++)      /* multiply by (1 - B) */
		for (i = n; i >= 1; i--)
			q[i] -= q[i - 1];
	if (s > 0)                   /* multiply by (1 - B^s) */
		for (i = n; i >= s; i--)
			q[i] -= q[i - s];
}

/* The non-zero terms of (1 - B)^d (1 - B^s) as (lag, coefficient) pairs,
 * without an array of d + s entries; returns their number (<= 2 (d + 1)). */
static int
sparse_diff(int d, int s, int *idx, double *cf)
{
	static const double binom[SP_AR_MAX_DIFF + 1][SP_AR_MAX_DIFF + 1] = { { 1 }, { 1, -1 }, { 1, -2, 1 } };
	int nz = 0, j, k, pass;

	for (pass = 0; pass < (s > 0 ? 2 : 1); pass++)
		for (j = 0; j <= d; j++) {
			int lag = j + (pass ? s : 0);
			double c = pass ? -binom[d][j] : binom[d][j];
			for (k = 0; k < nz && idx[k] != lag; k++)
				;
			if (k == nz) {
				idx[nz] = lag;
				cf[nz++] = c;
			} else {
				cf[k] += c;
			}
		}
	return nz;
}

/* w[0..n-d-s) from y[0..n); w may not alias y. */
static void
difference(const double *y, size_t n, int d, int s, double *w)
{
	size_t i, lag = (size_t)d + (size_t)s;
	int nz, j, idx[2 * (SP_AR_MAX_DIFF + 1)];
	double cf[2 * (SP_AR_MAX_DIFF + 1)];

	nz = sparse_diff(d, s, idx, cf);
	for (i = lag; i < n; i++) {
		double v = 0;
		for (j = 0; j < nz; j++)
			v += cf[j] * y[i - (size_t)idx[j]];
		w[i - lag] = v;
	}
}

/* ---- linear algebra ---------------------------------------------------- */

/* Solve the symmetric positive semi-definite system A x = b (k x k, row-major,
 * destroyed).  Cholesky; when A is not positive definite, the minimum-norm
 * solution through the eigen-decomposition (pseudo-inverse, eigenvalues below
 * k * eps * max eigenvalue dropped), as numpy's pinv in statsmodels' OLS.
 * Directions whose variance is at most `floor` are dropped too: callers pass
 * SP_AR_QUANT times the lags' largest uncentred sum of squares, so that
 * lags that vary only in their last digits (values read from CSV text
 * carry 10 significant digits) count as constant instead of giving
 * coefficients of 1e7 that fit the rounding. */
#define SP_AR_QUANT 1e-16
static int
solve_spd(double *A, const double *b, double *x, size_t k, double floor)
{
	gsl_matrix_view Av = gsl_matrix_view_array(A, k, k);
	gsl_vector_const_view bv = gsl_vector_const_view_array(b, k);
	gsl_vector_view xv = gsl_vector_view_array(x, k);
	gsl_error_handler_t *old;
	double *save;
	int rc;
	size_t i, j;

	if (k == 0)
		return 0;
	save = malloc(k * k * sizeof *save);
	if (!save)
		return SP_ENOMEM;
	memcpy(save, A, k * k * sizeof *save);
	old = gsl_set_error_handler_off();
	rc = gsl_linalg_cholesky_decomp1(&Av.matrix);
	if (rc == 0) {
		for (i = 0; i < k && rc == 0; i++)
			if (!(gsl_matrix_get(&Av.matrix, i, i) > 1e-9 * sqrt(fabs(save[i * k + i])) ) ||
			    !(gsl_matrix_get(&Av.matrix, i, i) * gsl_matrix_get(&Av.matrix, i, i) > floor))
				rc = 1;   /* numerically singular: use the pseudo-inverse */
	}
	if (rc == 0)
		rc = gsl_linalg_cholesky_solve(&Av.matrix, &bv.vector, &xv.vector);
	if (rc != 0) {
		gsl_matrix_view Sv = gsl_matrix_view_array(save, k, k);
		gsl_vector *ev = gsl_vector_alloc(k);
		gsl_matrix *V = gsl_matrix_alloc(k, k);
		gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(k);
		double emax = 0;
		rc = SP_ENOMEM;
		if (ev && V && ws && gsl_eigen_symmv(&Sv.matrix, ev, V, ws) == 0) {
			for (i = 0; i < k; i++)
				if (fabs(gsl_vector_get(ev, i)) > emax)
					emax = fabs(gsl_vector_get(ev, i));
			for (i = 0; i < k; i++)
				x[i] = 0;
			for (j = 0; j < k; j++) {
				double lam = gsl_vector_get(ev, j), dot = 0;
				if (!(lam > 1e-12 * (double)k * emax) || !(lam > floor))
					continue;
				for (i = 0; i < k; i++)
					dot += gsl_matrix_get(V, i, j) * b[i];
				for (i = 0; i < k; i++)
					x[i] += gsl_matrix_get(V, i, j) * dot / lam;
			}
			rc = 0;
		}
		gsl_vector_free(ev);
		gsl_matrix_free(V);
		if (ws)
			gsl_eigen_symmv_free(ws);
	}
	gsl_set_error_handler(old);
	free(save);
	return rc;
}

/* ---- explosive fits -------------------------------------------------- */

/* The spectral radius of phi[0..p): the largest modulus of the roots of
 * z^p - phi_1 z^(p-1) - ... - phi_p (the eigenvalues of the companion
 * matrix); above 1 the recursion's forecasts grow geometrically.  0, or
 * SP_ENOMEM. */
static int
ar_radius(const double *phi, int p, double *rho)
{
	double *a, *z;
	int i, q = p, rc = 0;

	*rho = 0;
	while (q > 0 && phi[q - 1] == 0)   /* trailing zeros: roots at 0 */
		q--;
	if (q == 0)
		return 0;
	if (q == 1) {
		*rho = fabs(phi[0]);
		return 0;
	}
	if (q == 2) {
		double disc = phi[0] * phi[0] + 4 * phi[1];
		*rho = disc >= 0 ? (fabs(phi[0]) + sqrt(disc)) / 2 : sqrt(-phi[1]);
		return 0;
	}
	a = malloc(((size_t)q + 1) * sizeof *a);
	z = malloc(2 * (size_t)q * sizeof *z);
	if (!a || !z) {
		rc = SP_ENOMEM;
	} else {
		gsl_poly_complex_workspace *ws = gsl_poly_complex_workspace_alloc((size_t)q + 1);
		gsl_error_handler_t *old = gsl_set_error_handler_off();
		a[q] = 1;
		for (i = 1; i <= q; i++)
			a[q - i] = -phi[i - 1];
		if (!ws)
			rc = SP_ENOMEM;
		else if (gsl_poly_complex_solve(a, (size_t)q + 1, ws, z) != GSL_SUCCESS)
			*rho = INFINITY;   /* no convergence: treated as explosive */
		else
			for (i = 0; i < q; i++)
				if (hypot(z[2 * i], z[2 * i + 1]) > *rho)
					*rho = hypot(z[2 * i], z[2 * i + 1]);
		gsl_set_error_handler(old);
		gsl_poly_complex_workspace_free(ws);
	}
	free(a);
	free(z);
	return rc;
}

/* Whether every root of z^p - phi_1 z^(p-1) - ... - phi_p has a modulus
 * below r (> 0): the step-down (reverse Levinson-Durbin) recursion on
 * phi_j / r^j, whose reflection coefficients are all inside (-1, 1)
 * exactly then (Schur-Cohn); O(p^2), no roots.  1 inside, 0 not, or
 * SP_ENOMEM. */
static int
roots_within(const double *phi, int p, double r)
{
	double *a = malloc(2 * (size_t)p * sizeof *a), *b = a + p, f = 1;
	int j, k, in = 1;

	if (!a)
		return SP_ENOMEM;
	for (j = 0; j < p; j++) {
		f /= r;
		a[j] = phi[j] * f;
	}
	for (k = p; k >= 1 && in; k--) {
		double kap = a[k - 1], den = 1 - kap * kap;
		if (!(fabs(kap) < 1) || !(den > 0)) {
			in = 0;
			break;
		}
		for (j = 0; j < k - 1; j++)
			b[j] = (a[j] + kap * a[k - 2 - j]) / den;
		memcpy(a, b, (size_t)(k - 1) * sizeof *a);
	}
	free(a);
	return in;
}

/* An explosive fit (spectral radius above rmax > 0) damped in place to
 * radius rmax: phi_j *= lambda^j, lambda = rmax / radius, which scales
 * every root by lambda and keeps the fit's shape (its periods).  *radius
 * gets the fitted radius when damped (the roots are found only then), 0
 * otherwise; returns 1 when damped, 0 when not, SP_ENOMEM.  Not
 * convergent (radius infinite): phi = 0. */
static int
damp(double *phi, int p, double rmax, double *radius)
{
	double lam, f;
	int rc, j;

	*radius = 0;
	if (!(rmax > 0) || p == 0)
		return 0;
	/* within rmax to rounding (1e-9): a unit root fitted exactly comes out
	 * at 1 + 1e-12 */
	if ((rc = roots_within(phi, p, rmax * (1 + 1e-9))) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = ar_radius(phi, p, radius)) < 0)
		return rc;
	if (!(*radius > rmax * (1 + 1e-9))) {   /* on the circle (a unit root): left alone */
		*radius = 0;
		return 0;
	}
	lam = isfinite(*radius) ? rmax / *radius : 0;
	for (j = 0, f = lam; j < p; j++, f *= lam)
		phi[j] *= f;
	return 1;
}

/* ---- estimators (on w, the differenced series) ------------------------- */

/* The floor's scale for a differenced series, per regression row: the
 * undifferenced values' mean square times the difference polynomial's sum of
 * squared coefficients.  The values' rounding (their last digits) passes
 * through the differences at that scale, not at the differences' own: a
 * linearly filled gap differences to a constant up to rounding, and an AR
 * fitted to that rounding has coefficients of 1e7 (a forecast that
 * overflows).  0 for an undifferenced series (the lags' own scale then). */
static double
level_scale(const double *y, size_t n, int nz, const double *cf)
{
	double s = 0, q = 0;
	size_t i;
	int j;

	if (nz <= 1 || n == 0)
		return 0;
	for (i = 0; i < n; i++)
		s += y[i] * y[i];
	for (j = 0; j < nz; j++)
		q += cf[j] * cf[j];
	return q * s / (double)n;
}

/* OLS of w_t on (1?, w_{t-1..t-p}) over t = start .. nw-1 (start >= p), with
 * centred cross products when there is an intercept; yscale: level_scale's.
 * An explosive phi (radius above rmax > 0) is damped (damp), and the
 * intercept is then the least-squares one for the damped phi; *radius: the
 * fitted phi's when damped, else 0. */
static int
fit_ols(const double *w, size_t nw, size_t start, int p, int icpt, double yscale, double rmax,
    double *phi, double *c, double *radius)
{
	size_t k = (size_t)p + 1, t, i, j, nr = nw - start;
	double *mean = calloc(k, sizeof *mean), *S = calloc(k * k, sizeof *S), *v = malloc(k * sizeof *v);
	double *A = malloc(k * k * sizeof *A), raw = 0;
	int rc = SP_ENOMEM;

	if (!mean || !S || !v || !A)
		goto out;
	if (icpt) {
		for (i = 0; i < k; i++) {
			double sum = 0;
			for (t = start; t < nw; t++)
				sum += w[t - i];
			mean[i] = sum / (double)nr;
		}
	}
	for (t = start; t < nw; t++) {
		for (i = 0; i < k; i++)
			v[i] = w[t - i] - mean[i];
		for (i = 0; i < k; i++) {
			double vi = v[i];
			double *Si = S + i * k;
			for (j = i; j < k; j++)
				Si[j] += vi * v[j];
		}
	}
	/* lags block A (p x p) and right-hand side S[0][1..p] */
	for (i = 1; i < k; i++)
		for (j = 1; j < k; j++)
			A[(i - 1) * (size_t)p + (j - 1)] = i <= j ? S[i * k + j] : S[j * k + i];
	for (i = 1; i < k; i++)
		if (S[i * k + i] + (double)nr * mean[i] * mean[i] > raw)
			raw = S[i * k + i] + (double)nr * mean[i] * mean[i];
	if ((double)nr * yscale > raw)
		raw = (double)nr * yscale;
	rc = solve_spd(A, S + 1, phi, (size_t)p, SP_AR_QUANT * raw);
	if (rc == 0 && (rc = damp(phi, p, rmax, radius)) > 0)
		rc = 0;
	if (rc == 0) {
		double cc = mean[0];
		for (i = 1; i < k; i++)
			cc -= phi[i - 1] * mean[i];
		*c = icpt ? cc : 0;
	}
out:
	free(mean);
	free(S);
	free(v);
	free(A);
	return rc;
}

/* Levinson-Durbin: solve the Toeplitz system toeplitz(r[0..p-1]) phi = r[1..p]. */
static int
levinson(const double *r, int p, double *phi)
{
	double *tmp = malloc(((size_t)p + 1) * sizeof *tmp), e = r[0];
	int i, j;

	if (!tmp)
		return SP_ENOMEM;
	for (i = 0; i < p; i++) {
		double acc = r[i + 1], kk;
		for (j = 0; j < i; j++)
			acc -= phi[j] * r[i - j];
		if (!(e != 0)) {
			free(tmp);
			return SP_EDATA;
		}
		kk = acc / e;
		for (j = 0; j < i; j++)
			tmp[j] = phi[j] - kk * phi[i - 1 - j];
		for (j = 0; j < i; j++)
			phi[j] = tmp[j];
		phi[i] = kk;
		e *= 1 - kk * kk;
	}
	free(tmp);
	return 0;
}

/* statsmodels yule_walker(w, order=p, method, demean) */
static int
fit_yw(const double *w, size_t nw, int p, int mle, int icpt, double *phi, double *c, double *sigma2)
{
	double *x = malloc(nw * sizeof *x), *r = calloc((size_t)p + 1, sizeof *r), mean = 0, s2;
	size_t t;
	int k, rc = SP_ENOMEM;

	if (!x || !r)
		goto out;
	if (icpt)
		mean = sp_stats_mean(w, nw);
	for (t = 0; t < nw; t++)
		x[t] = w[t] - mean;
	for (k = 0; k <= p; k++) {
		double sum = 0;
		for (t = (size_t)k; t < nw; t++)
			sum += x[t - (size_t)k] * x[t];
		r[k] = sum / (double)(nw - (mle || k == 0 ? 0 : (size_t)k));
	}
	rc = SP_EDATA;
	if (!(r[0] > 0))
		goto out;
	if ((rc = levinson(r, p, phi)) != 0)
		goto out;
	s2 = r[0];
	for (k = 0; k < p; k++)
		s2 -= r[k + 1] * phi[k];
	*sigma2 = s2;
	*c = 0;
	if (icpt) {
		double sp = 0;
		for (k = 0; k < p; k++)
			sp += phi[k];
		*c = mean * (1 - sp);
	}
	rc = 0;
out:
	free(x);
	free(r);
	return rc;
}

/* statsmodels burg(w, order=p, demean): pacf_burg then levinson_durbin_pacf.
 * u and v are the reversed series updated in place (descending index keeps
 * the previous values needed). */
static int
fit_burg(const double *w, size_t nw, int p, int icpt, double *phi, double *c, double *sigma2)
{
	double *u = malloc(nw * sizeof *u), *v = malloc(nw * sizeof *v);
	double *pacf = calloc((size_t)p + 1, sizeof *pacf), *dd = calloc((size_t)p + 1, sizeof *dd);
	double mean = 0, sum;
	size_t t, n = nw, j;
	int i, rc = SP_ENOMEM;

	if (!u || !v || !pacf || !dd)
		goto out;
	rc = SP_EDATA;
	if ((size_t)p > nw - 1)
		goto out;
	if (icpt)
		mean = sp_stats_mean(w, nw);
	for (t = 0; t < n; t++)
		u[t] = v[t] = w[n - 1 - t] - mean;
	sum = 0;
	for (t = 0; t + 1 < n; t++)
		sum += u[t] * u[t] + v[t + 1] * v[t + 1];
	dd[1] = sum;
	sum = 0;
	for (t = 0; t + 1 < n; t++)
		sum += v[t + 1] * u[t];
	if (!(dd[1] > 0))
		goto out;
	pacf[1] = 2 / dd[1] * sum;
	for (i = 1; i < p; i++) {
		double k = pacf[i];
		for (j = n - 1; j >= 1; j--) {
			double uu = u[j - 1], vv = v[j];
			u[j] = uu - k * vv;
			v[j] = vv - k * uu;
		}
		dd[i + 1] = (1 - k * k) * dd[i] - v[i] * v[i] - u[n - 1] * u[n - 1];
		sum = 0;
		for (j = (size_t)i + 1; j < n; j++)
			sum += v[j] * u[j - 1];
		if (!(dd[i + 1] > 0))
			goto out;
		pacf[i + 1] = 2 / dd[i + 1] * sum;
	}
	*sigma2 = (1 - pacf[p] * pacf[p]) * dd[p] / (2.0 * (double)(n - (size_t)p));
	/* levinson_durbin_pacf */
	for (i = 0; i < p; i++)
		phi[i] = pacf[i + 1];
	for (i = 1; i < p; i++) {
		int a;
		for (a = 0; a < i; a++)
			u[a] = phi[a];
		for (a = 0; a < i; a++)
			phi[a] = u[a] - phi[i] * u[i - 1 - a];
	}
	*c = 0;
	if (icpt) {
		double sp = 0;
		for (i = 0; i < p; i++)
			sp += phi[i];
		*c = mean * (1 - sp);
	}
	rc = 0;
out:
	free(u);
	free(v);
	free(pacf);
	free(dd);
	return rc;
}

/* Sum of squared conditional residuals over t = start .. nw-1; optionally
 * keeps the last up to `keep` residuals in res (oldest first). */
static double
residuals(const double *w, size_t nw, size_t start, int p, double c, const double *phi,
    double *res, size_t keep)
{
	size_t t, first = nw - start > keep ? nw - keep : start;
	double ssr = 0;
	int k;

	for (t = start; t < nw; t++) {
		double e = w[t] - c;
		for (k = 0; k < p; k++)
			e -= phi[k] * w[t - 1 - (size_t)k];
		ssr += e * e;
		if (res && t >= first)
			res[t - first] = e;
	}
	return ssr;
}

/* One fixed-order fit of w; regressions (OLS) over start .. nw-1.  Sets phi,
 * c, sigma2 (method's own), ssr on rows start.. .  yscale: level_scale's;
 * rmax, radius: fit_ols's (OLS and adjusted Yule-Walker; *radius 0 for the
 * others). */
static int
fit_order(sp_ar_method method, const double *w, size_t nw, size_t start, int p, int icpt,
    double yscale, double rmax, double *phi, double *c, double *sigma2, double *ssr, double *radius)
{
	int rc;

	*radius = 0;
	if (p == 0 || method == SP_AR_OLS) {
		rc = fit_ols(w, nw, start, p, icpt, yscale, rmax, phi, c, radius);
		if (rc == 0) {
			*ssr = residuals(w, nw, start, p, *c, phi, NULL, 0);
			*sigma2 = *ssr / (double)(nw - start);
		}
		return rc;
	}
	if (method == SP_AR_BURG)
		rc = fit_burg(w, nw, p, icpt, phi, c, sigma2);
	else
		rc = fit_yw(w, nw, p, method == SP_AR_YW_MLE, icpt, phi, c, sigma2);
	/* the adjusted Yule-Walker equations (autocovariances over n - k) need
	 * not be positive definite: their fit can be explosive, with a negative
	 * innovation variance.  Damped as OLS's, the intercept the method's
	 * mean (1 - sum phi), sigma2 the damped fit's residuals'.  yw-mle and
	 * Burg are stationary by construction. */
	if (rc == 0 && method == SP_AR_YW && (rc = damp(phi, p, rmax, radius)) > 0) {
		double sp = 0;
		for (int k = 0; k < p; k++)
			sp += phi[k];
		*c = icpt ? sp_stats_mean(w, nw) * (1 - sp) : 0;
	}
	if (rc < 0)
		return rc;
	*ssr = residuals(w, nw, start, p, *c, phi, NULL, 0);
	if (rc > 0)
		*sigma2 = *ssr / (double)(nw - start);
	return 0;
}

static void
set_ic(sp_ar_model *m, double ssr, size_t nobs)
{
	double s2 = ssr / (double)nobs, k = (double)m->p + (m->intercept ? 1 : 0);

	m->llf = -(double)nobs / 2 * (LOG2PI + log(s2) + 1);
	m->aic = -2 * m->llf + 2 * (k + 1);
	m->bic = -2 * m->llf + log((double)nobs) * (k + 1);
}

int
sp_ar_fit(const sp_ar_spec *spec, const double *y, size_t n, sp_ar_model **out, sp_error *err)
{
	size_t lag, nw, need, keep;
	double *w = NULL, *phi = NULL, c, s2, ssr, ysc, rad;
	int p, P, rc;
	sp_ar_model *m = NULL;

	*out = NULL;
	if ((rc = check_spec(spec, err)) < 0)
		return rc;
	need = sp_ar_min_points(spec);
	if (n < need)
		return sp_error_set(err, SP_EDATA, "need at least %zu points for order %d (d %d, season %d), have %zu",
		    need, spec->order, spec->d, spec->s, n);
	lag = (size_t)spec->d + (size_t)spec->s;
	nw = n - lag;
	P = spec->order;
	w = malloc(nw * sizeof *w);
	phi = calloc((size_t)P + 1, sizeof *phi);
	if (!w || !phi)
		goto nomem;
	difference(y, n, spec->d, spec->s, w);
	{
		int nz, idx[2 * (SP_AR_MAX_DIFF + 1)];
		double cf[2 * (SP_AR_MAX_DIFF + 1)];
		nz = sparse_diff(spec->d, spec->s, idx, cf);
		ysc = level_scale(y, n, nz, cf);
	}
	p = P;
	if (spec->ic != SP_AR_IC_NONE) {
		/* every order on the common sample w[P..] */
		double best = INFINITY;
		int q;
		for (q = 0; q <= P; q++) {
			double llf, k = q + 1, ic;
			size_t nobs = nw - (size_t)P;
			rc = fit_order(spec->method, w, nw, (size_t)P, q, spec->intercept, ysc, spec->max_radius, phi, &c,
			    &s2, &ssr, &rad);
			if (rc == SP_ENOMEM)
				goto nomem;
			if (rc < 0)
				continue;
			llf = -(double)nobs / 2 * (LOG2PI + log(ssr / (double)nobs) + 1);
			ic = -2 * llf + (spec->ic == SP_AR_IC_AIC ? 2 : log((double)nobs)) * k;
			if (ic < best) {
				best = ic;
				p = q;
			}
		}
	}
	rc = fit_order(spec->method, w, nw, (size_t)p, p, spec->intercept, ysc, spec->max_radius, phi, &c, &s2,
	    &ssr, &rad);
	if (rc == SP_ENOMEM)
		goto nomem;
	if (rc < 0) {
		free(w);
		free(phi);
		return sp_error_set(err, SP_EDATA, "cannot fit %s AR(%d): the series is constant after differencing",
		    sp_ar_method_name(spec->method), p);
	}
	if (spec->method == SP_AR_YW && p > 0 && !(s2 > 0)) {
		free(w);
		free(phi);
		return sp_error_set(err, SP_EDATA,
		    "yw AR(%d): the adjusted autocovariances are not positive definite (innovation variance %.6g, "
		    "an explosive fit): fit it with yw-mle or burg, or damp it to a max radius", p, s2);
	}
	keep = nw - (size_t)p < SP_AR_MAX_RESID ? nw - (size_t)p : SP_AR_MAX_RESID;
	m = model_new(p, spec->d, spec->s, keep);
	if (!m)
		goto nomem;
	m->method = spec->method;
	m->intercept = spec->intercept != 0;
	m->c = c;
	memcpy(m->phi, phi, (size_t)p * sizeof *phi);
	m->sigma2 = s2;
	m->radius = rad;
	m->damped = rad > 0;   /* damp sets it only for a fit it damped */
	m->nobs = nw - (size_t)p;
	residuals(w, nw, (size_t)p, p, c, phi, m->resid, keep);
	set_ic(m, ssr, m->nobs);
	memcpy(m->tail, y + n - m->ntail, m->ntail * sizeof *y);
	free(w);
	free(phi);
	*out = m;
	return 0;
nomem:
	free(w);
	free(phi);
	sp_ar_model_free(m);
	return sp_error_set(err, SP_ENOMEM, "out of memory");
}

/* ---- forecasting --------------------------------------------------------- */

/* a[1..P] of the integrated recursion y_t = c + sum a_j y_{t-j}: 1 - a(B) =
 * phi(B) (1 - B)^d (1 - B^s).  a has P + 1 entries (a[0] unused). */
static double *
integrated_poly(const sp_ar_model *m)
{
	size_t L = (size_t)m->d + (size_t)m->s, P = m->ntail, i, j;
	double *q = malloc((L + 1) * sizeof *q), *a = calloc(P + 1, sizeof *a);

	if (!q || !a) {
		free(q);
		free(a);
		return NULL;
	}
	diff_poly(m->d, m->s, q);
	/* full = (1 - sum phi_k B^k) * q; a_j = -full_j */
	for (i = 0; i <= L; i++) {
		if (q[i] == 0)
			continue;
		a[i] -= q[i];
		for (j = 1; j <= (size_t)m->p; j++)
			a[i + j] += q[i] * m->phi[j - 1];
	}
	a[0] = 0;
	free(q);
	return a;
}

static int
history(const sp_ar_model *m, const double **y, size_t *n, sp_error *err)
{
	if (!*y) {
		*y = m->tail;
		*n = m->ntail;
	}
	if (*n < m->ntail)
		return sp_error_set(err, SP_EDATA, "need at least %zu points of history for the model, have %zu",
		    m->ntail, *n);
	return 0;
}

/* Run the recursion for H steps from history hist[0..P) (the last P values,
 * oldest first), adding innovations e[h] (NULL: none).  buf has P + H. */
static void
recurse(const double *a, size_t P, double c, const double *hist, int H, const double *e, double *buf, double *out)
{
	size_t j;
	int h;

	memcpy(buf, hist, P * sizeof *buf);
	for (h = 0; h < H; h++) {
		double v = c;
		for (j = 1; j <= P; j++)
			v += a[j] * buf[P + (size_t)h - j];
		if (e)
			v += e[h];
		buf[P + (size_t)h] = v;
		out[h] = v;
	}
}

int
sp_ar_forecast(const sp_ar_model *m, const double *y, size_t n, int H, double *fc, sp_error *err)
{
	double *a, *buf;
	int rc;

	if ((rc = history(m, &y, &n, err)) < 0)
		return rc;
	if (H < 1)
		return sp_error_set(err, SP_EUSAGE, "horizon must be at least 1");
	a = integrated_poly(m);
	buf = malloc((m->ntail + (size_t)H) * sizeof *buf);
	if (!a || !buf) {
		free(a);
		free(buf);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	recurse(a, m->ntail, m->c, y + n - m->ntail, H, NULL, buf, fc);
	free(a);
	free(buf);
	return 0;
}

/* The analytic band from the integrated polynomial a; psi has H. */
static void
interval_of(const sp_ar_model *m, const double *a, int H, const double *fc, double qlo, double qhi,
    double *lo, double *hi, double *psi)
{
	double zlo = gsl_cdf_ugaussian_Pinv(qlo), zhi = gsl_cdf_ugaussian_Pinv(qhi), acc = 0;
	size_t P = m->ntail, j;
	int h;

	for (h = 0; h < H; h++) {
		double sd;
		psi[h] = h == 0 ? 1 : 0;
		for (j = 1; j <= P && j <= (size_t)h; j++)
			psi[h] += a[j] * psi[(size_t)h - j];
		acc += psi[h] * psi[h];
		sd = sqrt(m->sigma2 * acc);
		lo[h] = fc[h] + zlo * sd;
		hi[h] = fc[h] + zhi * sd;
	}
}

int
sp_ar_interval(const sp_ar_model *m, int H, const double *fc, double qlo, double qhi,
    double *lo, double *hi, sp_error *err)
{
	double *a = integrated_poly(m), *psi = malloc((size_t)(H > 0 ? H : 1) * sizeof *psi);

	if (!a || !psi) {
		free(a);
		free(psi);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	interval_of(m, a, H, fc, qlo, qhi, lo, hi, psi);
	free(a);
	free(psi);
	return 0;
}

int
sp_ar_bootstrap(const sp_ar_model *m, const double *y, size_t n, int H, int B, sp_rand *rng,
    double qlo, double qhi, double *lo, double *hi, sp_error *err)
{
	double *a = NULL, *buf = NULL, *paths = NULL, *e = NULL, *col = NULL, *res = NULL, mean;
	size_t P = m->ntail, i;
	int rc, b, h;

	if ((rc = history(m, &y, &n, err)) < 0)
		return rc;
	if (m->nresid == 0)
		return sp_error_set(err, SP_EDATA, "the model has no residuals to bootstrap");
	if (B < 1 || H < 1)
		return sp_error_set(err, SP_EUSAGE, "bootstrap needs B >= 1 and H >= 1");
	a = integrated_poly(m);
	buf = malloc((P + (size_t)H) * sizeof *buf);
	paths = malloc((size_t)B * (size_t)H * sizeof *paths);   /* (B, H) */
	e = malloc((size_t)H * sizeof *e);
	col = malloc((size_t)B * sizeof *col);
	res = malloc(m->nresid * sizeof *res);
	if (!a || !buf || !paths || !e || !col || !res) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	mean = sp_stats_mean(m->resid, m->nresid);
	for (i = 0; i < m->nresid; i++)
		res[i] = m->resid[i] - mean;
	for (b = 0; b < B; b++) {
		for (h = 0; h < H; h++)
			e[h] = res[sp_rand_index(rng, m->nresid)];
		recurse(a, P, m->c, y + n - P, H, e, buf, paths + (size_t)b * (size_t)H);
	}
	for (h = 0; h < H; h++) {
		for (b = 0; b < B; b++)
			col[b] = paths[(size_t)b * (size_t)H + (size_t)h];
		sp_stats_sort(col, (size_t)B);
		lo[h] = sp_stats_quantile_sorted(col, (size_t)B, qlo);
		hi[h] = sp_stats_quantile_sorted(col, (size_t)B, qhi);
	}
	rc = 0;
out:
	free(a);
	free(buf);
	free(paths);
	free(e);
	free(col);
	free(res);
	return rc;
}

int
sp_ar_band(const sp_ar_model *m, const double *y, size_t n, int H, const sp_ar_band_opts *o,
    double *fc, double *lo, double *hi, sp_error *err)
{
	double *a, *buf;
	int rc;

	if (o->boot > 0) {
		if ((rc = sp_ar_forecast(m, y, n, H, fc, err)) < 0)
			return rc;
		return sp_ar_bootstrap(m, y, n, H, o->boot, o->rng, o->qlo, o->qhi, lo, hi, err);
	}
	/* sp_ar_forecast and sp_ar_interval with one polynomial and one buffer */
	if ((rc = history(m, &y, &n, err)) < 0)
		return rc;
	if (H < 1)
		return sp_error_set(err, SP_EUSAGE, "horizon must be at least 1");
	a = integrated_poly(m);
	buf = malloc((m->ntail + 2 * (size_t)H) * sizeof *buf);   /* recursion, then psi */
	if (!a || !buf) {
		free(a);
		free(buf);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	recurse(a, m->ntail, m->c, y + n - m->ntail, H, NULL, buf, fc);
	interval_of(m, a, H, fc, o->qlo, o->qhi, lo, hi, buf + m->ntail + H);
	free(a);
	free(buf);
	return 0;
}

/* ---- model files --------------------------------------------------------- */

int
sp_ar_save(const sp_ar_model *m, const char *path, const char *cmdline, sp_error *err)
{
	sp_model_writer *w = sp_model_create(path, "ar", 1, err);

	if (!w)
		return err ? err->code : SP_EIO;
	if (cmdline)
		sp_model_put_line(w, "command", cmdline);
	sp_model_put_str(w, "method", sp_ar_method_name(m->method));
	sp_model_put_long(w, "order", m->p);
	sp_model_put_long(w, "d", m->d);
	sp_model_put_long(w, "season", m->s);
	sp_model_put_long(w, "intercept", m->intercept);
	sp_model_put_double(w, "const", m->c);
	if (m->p > 0)
		sp_model_put_doubles(w, "phi", (size_t)m->p, m->phi);
	sp_model_put_double(w, "sigma2", m->sigma2);
	sp_model_put_long(w, "nobs", (long)m->nobs);
	sp_model_put_double(w, "llf", m->llf);
	sp_model_put_double(w, "aic", m->aic);
	sp_model_put_double(w, "bic", m->bic);
	if (m->ntail > 0)
		sp_model_put_doubles(w, "tail", m->ntail, m->tail);
	if (m->nresid > 0)
		sp_model_put_doubles(w, "resid", m->nresid, m->resid);
	return sp_model_commit(w, err);
}

sp_ar_model *
sp_ar_load(const char *path, sp_error *err)
{
	sp_model *f = sp_model_load(path, "ar", 1, NULL, err);
	sp_ar_model *m = NULL;
	const char *meth, *cmd;
	long p, d, s, icpt, nobs, nres = 0;
	int mi;

	if (!f)
		return NULL;
	if (sp_model_has(f, "command") && sp_model_get_line(f, "command", &cmd, err) < 0)
		goto bad;
	if (sp_model_get_str(f, "method", &meth, err) < 0)
		goto bad;
	if ((mi = sp_ar_method_parse(meth)) < 0) {
		sp_error_set(err, SP_EMODEL, "%s: unknown method '%s'", path, meth);
		goto bad;
	}
	if (sp_model_get_long(f, "order", 0, SP_AR_MAX_ORDER, &p, err) < 0 ||
	    sp_model_get_long(f, "d", 0, SP_AR_MAX_DIFF, &d, err) < 0 ||
	    sp_model_get_long(f, "season", 0, SP_AR_MAX_SEASON, &s, err) < 0 ||
	    sp_model_get_long(f, "intercept", 0, 1, &icpt, err) < 0 ||
	    sp_model_get_long(f, "nobs", 1, 1L << 52, &nobs, err) < 0)
		goto bad;
	if (s == 1) {
		sp_error_set(err, SP_EMODEL, "%s: season must be 0 or at least 2", path);
		goto bad;
	}
	if (sp_model_has(f, "resid")) {
		nres = sp_model_count(f, "resid", err);
		if (nres < 0)
			goto bad;
		if (nres > SP_AR_MAX_RESID || nres > nobs) {
			sp_error_set(err, SP_EMODEL, "%s: too many residuals (%ld)", path, nres);
			goto bad;
		}
	}
	m = model_new((int)p, (int)d, (int)s, (size_t)nres);
	if (!m) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto bad;
	}
	m->method = (sp_ar_method)mi;
	m->intercept = (int)icpt;
	m->nobs = (size_t)nobs;
	if (sp_model_get_double(f, "const", &m->c, err) < 0 ||
	    (p > 0 && sp_model_get_doubles(f, "phi", (size_t)p, m->phi, err) < 0) ||
	    sp_model_get_double(f, "sigma2", &m->sigma2, err) < 0 ||
	    sp_model_get_double(f, "llf", &m->llf, err) < 0 ||
	    sp_model_get_double(f, "aic", &m->aic, err) < 0 ||
	    sp_model_get_double(f, "bic", &m->bic, err) < 0 ||
	    (m->ntail > 0 && sp_model_get_doubles(f, "tail", m->ntail, m->tail, err) < 0) ||
	    (nres > 0 && sp_model_get_doubles(f, "resid", (size_t)nres, m->resid, err) < 0))
		goto bad;
	if (!(m->sigma2 >= 0)) {
		sp_error_set(err, SP_EMODEL, "%s: sigma2 must not be negative", path);
		goto bad;
	}
	if (!m->intercept && m->c != 0) {
		sp_error_set(err, SP_EMODEL, "%s: const must be 0 without intercept", path);
		goto bad;
	}
	if (sp_model_finish(f, err) < 0)
		goto bad;
	sp_model_free(f);
	return m;
bad:
	sp_model_free(f);
	sp_ar_model_free(m);
	return NULL;
}

/* ---- rolling ------------------------------------------------------------- */

struct sp_ar_roll {
	sp_ar_spec spec;
	size_t window, lag;
	int fast;
	double *y;               /* raw values y[ys .. ys+yn), capacity 2*window */
	size_t ys, yn, ycap;
	double *w;               /* differenced values, same scheme */
	size_t ws, wn, wcap;
	size_t npushed;
	int nz, idx[2 * (SP_AR_MAX_DIFF + 1)];   /* sparse difference polynomial */
	double cf[2 * (SP_AR_MAX_DIFF + 1)];
	/* incremental OLS sums over the regression rows of the window, of
	 * u = w - shift: S (k x k, k = p + 1, index 0 = target), sx (k) */
	int valid;
	size_t rows, since;
	double shift, *S, *sx, *v, *A, *rhs;
	sp_ar_model *m;          /* the last fit (owned) */
	size_t nfits, ndamped;   /* fits, and explosive ones damped (this run) */
};

static int
buf_push(double **b, size_t *s, size_t *n, size_t cap, size_t keep, double x)
{
	if (*s + *n == cap) {
		size_t k = *n < keep ? *n : keep;
		memmove(*b, *b + *s + *n - k, k * sizeof **b);
		*s = 0;
		*n = k;
	}
	(*b)[*s + (*n)++] = x;
	return 0;
}

sp_ar_roll *
sp_ar_roll_new(const sp_ar_spec *spec, size_t window, sp_error *err)
{
	sp_ar_roll *r;
	size_t k, L;
	int rc;

	if ((rc = check_spec(spec, err)) < 0)
		return NULL;
	if (window < sp_ar_min_points(spec)) {
		sp_error_set(err, SP_EUSAGE, "window %zu too short: need at least %zu points for order %d (d %d, season %d)",
		    window, sp_ar_min_points(spec), spec->order, spec->d, spec->s);
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		goto nomem;
	r->spec = *spec;
	r->window = window;
	r->lag = L = (size_t)spec->d + (size_t)spec->s;
	r->fast = 1;
	r->ycap = r->wcap = 2 * window;
	r->y = malloc(r->ycap * sizeof *r->y);
	r->w = malloc(r->wcap * sizeof *r->w);
	k = (size_t)spec->order + 1;
	r->S = calloc(k * k, sizeof *r->S);
	r->sx = calloc(k, sizeof *r->sx);
	r->v = calloc(k, sizeof *r->v);
	r->A = calloc(k * k, sizeof *r->A);
	r->rhs = calloc(k, sizeof *r->rhs);
	if (!r->y || !r->w || !r->S || !r->sx || !r->v || !r->A || !r->rhs)
		goto nomem;
	r->nz = sparse_diff(spec->d, spec->s, r->idx, r->cf);
	return r;
nomem:
	sp_ar_roll_free(r);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

void
sp_ar_roll_free(sp_ar_roll *r)
{
	if (!r)
		return;
	free(r->y);
	free(r->w);
	free(r->S);
	free(r->sx);
	free(r->v);
	free(r->A);
	free(r->rhs);
	sp_ar_model_free(r->m);
	free(r);
}

void
sp_ar_roll_set_fast(sp_ar_roll *r, int on)
{
	r->fast = on;
	r->valid = 0;
}

const double *
sp_ar_roll_window(const sp_ar_roll *r, size_t *n)
{
	*n = r->yn < r->window ? r->yn : r->window;
	return r->y + r->ys + r->yn - *n;
}

static int
use_fast(const sp_ar_roll *r)
{
	return r->fast && r->spec.method == SP_AR_OLS && r->spec.ic == SP_AR_IC_NONE;
}

/* add (sign +1) or remove (-1) the regression row whose target is at
 * pointer t (lags at t[-1], t[-2], ...) */
static void
row_update(sp_ar_roll *r, const double *t, double sign)
{
	size_t k = (size_t)r->spec.order + 1, i, j;
	double *v = r->v;

	for (i = 0; i < k; i++)
		v[i] = *(t - i) - r->shift;
	for (i = 0; i < k; i++) {
		double vi = sign * v[i];
		double *Si = r->S + i * k;
		r->sx[i] += vi;
		for (j = i; j < k; j++)
			Si[j] += vi * v[j];
	}
}

/* regression rows of the current window: targets are the last
 * window - lag - p values of w */
static size_t
nrows(const sp_ar_roll *r)
{
	return r->window - r->lag - (size_t)r->spec.order;
}

static void
recompute(sp_ar_roll *r)
{
	size_t k = (size_t)r->spec.order + 1, R = nrows(r), i;
	const double *wend = r->w + r->ws + r->wn;   /* one past the last w */

	memset(r->S, 0, k * k * sizeof *r->S);
	memset(r->sx, 0, k * sizeof *r->sx);
	r->shift = 0;
	if (r->spec.intercept)
		r->shift = sp_stats_mean(wend - (r->window - r->lag), r->window - r->lag);
	for (i = 0; i < R; i++)
		row_update(r, wend - R + i, 1);
	r->rows = R;
	r->since = 0;
	r->valid = 1;
}

int
sp_ar_roll_push(sp_ar_roll *r, double y, sp_error *err)
{
	size_t p = (size_t)r->spec.order;

	if (!isfinite(y))
		return sp_error_set(err, SP_EDATA, "value is not finite");
	buf_push(&r->y, &r->ys, &r->yn, r->ycap, r->window - 1, y);
	r->npushed++;
	if (r->npushed > r->lag) {
		const double *yl = r->y + r->ys + r->yn - 1;
		double wv = 0;
		int j;
		for (j = 0; j < r->nz; j++)
			wv += r->cf[j] * *(yl - r->idx[j]);
		buf_push(&r->w, &r->ws, &r->wn, r->wcap, r->window - r->lag, wv);
		if (r->valid && use_fast(r)) {
			const double *wl = r->w + r->ws + r->wn - 1;
			if (r->wn > p) {
				row_update(r, wl, 1);
				r->rows++;
			}
			if (r->rows > nrows(r)) {
				row_update(r, wl - nrows(r), -1);
				r->rows--;
			}
			if (++r->since >= r->window)
				r->valid = 0;
		}
	}
	return r->npushed >= r->window;
}

static const sp_ar_model *
roll_fast(sp_ar_roll *r, int want_resid, sp_error *err)
{
	size_t p = (size_t)r->spec.order, k = p + 1, i, j, R = nrows(r), nw = r->window - r->lag;
	const double *wwin = r->w + r->ws + r->wn - nw;
	double *S = r->S, *sx = r->sx, cnt = (double)R, ssr, c, sphi = 0, raw = 0;
	sp_ar_model *m = r->m;
	int icpt = r->spec.intercept != 0;

	if (!r->valid)
		recompute(r);
	/* centred (intercept) or raw lag block and right-hand side */
	for (i = 1; i < k; i++) {
		for (j = 1; j < k; j++) {
			size_t a = i < j ? i : j, b = i < j ? j : i;
			r->A[(i - 1) * p + (j - 1)] = S[a * k + b] - (icpt ? sx[a] * sx[b] / cnt : 0);
		}
		r->rhs[i - 1] = S[i] - (icpt ? sx[0] * sx[i] / cnt : 0);
	}
	if (!m) {
		m = r->m = model_new((int)p, r->spec.d, r->spec.s, R < SP_AR_MAX_RESID ? R : SP_AR_MAX_RESID);
		if (!m) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			return NULL;
		}
		m->method = SP_AR_OLS;
		m->intercept = icpt;
	}
	for (i = 1; i < k; i++) {
		double sq = S[i * k + i] + 2 * r->shift * sx[i] + cnt * r->shift * r->shift;
		if (sq > raw)
			raw = sq;
	}
	if (r->lag > 0) {   /* a differenced series: the floor at the values' scale */
		size_t ny;
		const double *yw = sp_ar_roll_window(r, &ny);
		double ys = level_scale(yw, ny, r->nz, r->cf) * cnt;
		if (ys > raw)
			raw = ys;
	}
	if (solve_spd(r->A, r->rhs, m->phi, p, SP_AR_QUANT * raw) != 0 ||
	    (m->damped = damp(m->phi, (int)p, r->spec.max_radius, &m->radius)) < 0) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	r->nfits++;
	r->ndamped += m->damped;
	/* ssr = centred target SS - phi . rhs (at the least-squares phi; a
	 * damped phi's from its residuals, below) */
	ssr = S[0] - (icpt ? sx[0] * sx[0] / cnt : 0);
	for (i = 0; i < p; i++) {
		ssr -= m->phi[i] * r->rhs[i];
		sphi += m->phi[i];
	}
	c = 0;
	if (icpt) {
		c = sx[0] / cnt;
		for (i = 0; i < p; i++)
			c -= m->phi[i] * sx[i + 1] / cnt;
		c += r->shift * (1 - sphi);
	}
	m->c = c;
	/* residuals only on request: without them nresid is 0, so that
	 * sp_ar_bootstrap refuses the model instead of using stale values */
	m->nresid = want_resid ? (R < SP_AR_MAX_RESID ? R : SP_AR_MAX_RESID) : 0;
	if (want_resid) {
		ssr = residuals(wwin, nw, p, (int)p, c, m->phi, m->resid, m->nresid);
	} else if (!(ssr > 0) || m->damped) {
		ssr = residuals(wwin, nw, p, (int)p, c, m->phi, NULL, 0);
	}
	m->nobs = R;
	m->sigma2 = ssr / cnt;
	set_ic(m, ssr, R);
	memcpy(m->tail, r->y + r->ys + r->yn - m->ntail, m->ntail * sizeof *m->tail);
	return m;
}

/* The incremental sums' rounding: a centred second moment S_ii - sx_i^2 / R
 * that cancellation has brought to 1e-6 of S_ii or less (the lags nearly
 * constant over the window, away from the shift of the last recomputation,
 * e.g. a load clipped at a ceiling) has lost most of its digits: the sums
 * are made again from the window, so that the fit is a fresh one's. */
static int
sums_cancelled(const sp_ar_roll *r)
{
	size_t k = (size_t)r->spec.order + 1, i;
	double cnt = (double)nrows(r);

	for (i = 1; i < k; i++) {
		double sii = r->S[i * k + i], a = sii - (r->spec.intercept ? r->sx[i] * r->sx[i] / cnt : 0);
		if (!(a > 1e-6 * sii))
			return 1;
	}
	return 0;
}

const sp_ar_model *
sp_ar_roll_fit(sp_ar_roll *r, int want_resid, sp_error *err)
{
	size_t n;
	const double *y;

	if (r->npushed < r->window) {
		sp_error_set(err, SP_EUSAGE, "rolling window not full yet");
		return NULL;
	}
	if (use_fast(r)) {
		/* the sums made again from the window when rounding may have
		 * eaten them */
		if (!r->valid || sums_cancelled(r))
			recompute(r);
		return roll_fast(r, want_resid, err);
	}
	y = sp_ar_roll_window(r, &n);
	sp_ar_model_free(r->m);
	r->m = NULL;
	if (sp_ar_fit(&r->spec, y, n, &r->m, err) < 0)
		return NULL;
	r->nfits++;
	r->ndamped += r->m->damped;
	return r->m;
}

size_t
sp_ar_roll_damped(const sp_ar_roll *r, size_t *fits)
{
	*fits = r->nfits;
	return r->ndamped;
}

/* values of the differenced series the roll still reads: the window's and
 * the one before it (the row the fast path removes) */
static size_t
w_kept(const sp_ar_roll *r)
{
	size_t n = r->npushed > r->lag ? r->npushed - r->lag : 0, keep = r->window - r->lag + 1;

	return n < keep ? n : keep;
}

/* values of a state line read `back` lines ago must be finite (a state
 * that would make every later fit NaN is refused, not kept) */
static int
roll_finite(const sp_state *s, const char *key, const double *v, size_t n, long back, sp_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return sp_state_error_back(s, back, err, SP_EMODEL, "%s: value %zu is not finite",
			    key, i + 1);
	return 0;
}

void
sp_ar_roll_write_state(const sp_ar_roll *r, sp_state_writer *w)
{
	size_t k = (size_t)r->spec.order + 1, ny = r->npushed < r->window ? r->npushed : r->window, nw = w_kept(r);

	sp_state_put_str(w, "ar_method", sp_ar_method_name(r->spec.method));
	sp_state_put_long(w, "ar_order", r->spec.order);
	sp_state_put_long(w, "ar_ic", r->spec.ic);
	sp_state_put_long(w, "ar_intercept", r->spec.intercept);
	sp_state_put_long(w, "ar_diff", r->spec.d);
	sp_state_put_long(w, "ar_season", r->spec.s);
	sp_state_put_long(w, "ar_window", (long)r->window);
	sp_state_put_long(w, "ar_fast", r->fast);
	sp_state_put_long(w, "ar_pushed", (long)r->npushed);
	sp_state_put_doubles(w, "ar_y", ny, r->y + r->ys + r->yn - ny);
	/* undifferenced (lag 0): w is y itself (1.0 * y), one value longer,
	 * so only the values before y's are written */
	if (r->lag == 0)
		sp_state_put_doubles(w, "ar_w_before_y", nw - ny, r->w + r->ws + r->wn - nw);
	else
		sp_state_put_doubles(w, "ar_w", nw, r->w + r->ws + r->wn - nw);
	sp_state_put_longs(w, "ar_sums", 3, (const long[]){ r->valid, (long)r->rows, (long)r->since });
	sp_state_put_double(w, "ar_shift", r->shift);
	sp_state_put_doubles(w, "ar_S", k * k, r->S);
	sp_state_put_doubles(w, "ar_sx", k, r->sx);
}

int
sp_ar_roll_read_state(sp_ar_roll *r, sp_state *s, sp_error *err)
{
	size_t k = (size_t)r->spec.order + 1, ny, nw;
	long pushed, sums[3];
	int rc;

	if ((rc = sp_state_want_str(s, "ar_method", sp_ar_method_name(r->spec.method), err)) < 0 ||
	    (rc = sp_state_want_long(s, "ar_order", r->spec.order, err)) < 0 ||
	    (rc = sp_state_want_long(s, "ar_ic", r->spec.ic, err)) < 0 ||
	    (rc = sp_state_want_long(s, "ar_intercept", r->spec.intercept, err)) < 0 ||
	    (rc = sp_state_want_long(s, "ar_diff", r->spec.d, err)) < 0 ||
	    (rc = sp_state_want_long(s, "ar_season", r->spec.s, err)) < 0 ||
	    (rc = sp_state_want_long(s, "ar_window", (long)r->window, err)) < 0 ||
	    (rc = sp_state_want_long(s, "ar_fast", r->fast, err)) < 0 ||
	    (rc = sp_state_long(s, "ar_pushed", 0, 1L << 52, &pushed, err)) < 0)
		return rc;
	r->npushed = (size_t)pushed;
	ny = r->npushed < r->window ? r->npushed : r->window;
	nw = w_kept(r);
	if (r->lag == 0 && nw < ny)
		return sp_state_error(s, err, SP_EMODEL, "ar_pushed: inconsistent");
	if ((rc = sp_state_doubles(s, "ar_y", ny, r->y, err)) < 0 ||
	    (r->lag == 0 && (rc = sp_state_doubles(s, "ar_w_before_y", nw - ny, r->w, err)) < 0) ||
	    (r->lag > 0 && (rc = sp_state_doubles(s, "ar_w", nw, r->w, err)) < 0) ||
	    (rc = sp_state_longs(s, "ar_sums", 3, 0, 1L << 52, sums, err)) < 0)
		return rc;
	if (sums[0] > 1 || (size_t)sums[1] > nrows(r) + 1 || (size_t)sums[2] > r->window)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "ar_sums: inconsistent");
	if (r->lag == 0)
		memcpy(r->w + (nw - ny), r->y, ny * sizeof *r->w);
	if ((rc = roll_finite(s, "ar_y", r->y, ny, 3, err)) < 0 ||
	    (rc = roll_finite(s, r->lag ? "ar_w" : "ar_w_before_y", r->w, nw, 2, err)) < 0)
		return rc;
	r->ys = 0, r->yn = ny, r->ws = 0, r->wn = nw;
	r->valid = (int)sums[0], r->rows = (size_t)sums[1], r->since = (size_t)sums[2];
	if ((rc = sp_state_double(s, "ar_shift", &r->shift, err)) < 0 ||
	    (rc = roll_finite(s, "ar_shift", &r->shift, 1, 1, err)) < 0 ||
	    (rc = sp_state_doubles(s, "ar_S", k * k, r->S, err)) < 0 ||
	    (rc = roll_finite(s, "ar_S", r->S, k * k, 1, err)) < 0 ||
	    (rc = sp_state_doubles(s, "ar_sx", k, r->sx, err)) < 0 ||
	    (rc = roll_finite(s, "ar_sx", r->sx, k, 1, err)) < 0)
		return rc;
	return 0;
}
