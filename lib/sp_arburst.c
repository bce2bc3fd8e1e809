/* sp_arburst: BAScaler's AR(2) burst overestimator (see sp_arburst.h).
 * The series lives in a buffer of 2*max_window doubles that is compacted
 * when full, so observe is O(1) amortised and the fit window is contiguous. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "sp_arburst.h"
#include "sp_rand.h"
#include "sp_state.h"
#include "sp_stats.h"

struct sp_arburst {
	sp_arburst_opts o;
	double mean, sd;
	double *z;        /* z-scored series, z[start .. start+len) */
	size_t start, len, cap;
	double *res;      /* residuals (max_window) */
	double *work;     /* sort / bootstrap buffer (max_window) */
	double *boot;     /* bootstrap statistics (B) */
	sp_rand *rng;
	double phi[2], estar;
	int fallback;
};

void
sp_arburst_defaults(sp_arburst_opts *o)
{
	o->min_window = 168;
	o->max_window = 336;
	o->quantile = 0.995;
	o->bootstrap = 0;
	o->boot_level = 0.99;
	o->seed = 1;
	o->mle = 0;
}

static void
push(sp_arburst *b, double z)
{
	if (b->start + b->len == b->cap) {
		size_t keep = b->o.max_window - 1;
		if (b->len > keep) {
			memmove(b->z, b->z + b->start + b->len - keep, keep * sizeof *b->z);
			b->start = 0;
			b->len = keep;
		} else {
			memmove(b->z, b->z + b->start, b->len * sizeof *b->z);
			b->start = 0;
		}
	}
	b->z[b->start + b->len++] = z;
}

sp_arburst *
sp_arburst_begin(const double *h, size_t n, const sp_arburst_opts *o, sp_error *err)
{
	sp_arburst_opts def;
	sp_arburst *b;
	size_t i, m, off;
	double mean, sd, *tmp;

	if (!o) {
		sp_arburst_defaults(&def);
		o = &def;
	}
	if (o->max_window < 3 || !(o->quantile >= 0 && o->quantile <= 1) || o->bootstrap < 0 ||
	    !(o->boot_level > 0 && o->boot_level < 1)) {
		sp_error_set(err, SP_EUSAGE, "arburst: invalid options (max_window >= 3, quantile in [0,1], "
		    "bootstrap >= 0, boot_level in (0,1))");
		return NULL;
	}
	if (n < 3) {
		sp_error_set(err, SP_EDATA, "arburst: need at least 3 history points, have %zu", n);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (isinf(h[i])) {
			sp_error_set(err, SP_EDATA, "arburst: history point %zu is infinite", i);
			return NULL;
		}
	m = n < o->max_window ? n : o->max_window;
	off = n - m;
	b = calloc(1, sizeof *b);
	if (!b)
		goto nomem;
	b->o = *o;
	b->cap = 2 * o->max_window;
	b->z = malloc(b->cap * sizeof *b->z);
	b->res = malloc(o->max_window * sizeof *b->res);
	b->work = malloc(o->max_window * sizeof *b->work);
	if (o->bootstrap > 0) {
		b->boot = malloc((size_t)o->bootstrap * sizeof *b->boot);
		b->rng = sp_rand_new(o->seed);
	}
	if (!b->z || !b->res || !b->work || (o->bootstrap > 0 && (!b->boot || !b->rng)))
		goto nomem;
	tmp = b->work;
	for (i = 0; i < m; i++)
		tmp[i] = isnan(h[off + i]) ? 0 : h[off + i];
	mean = sp_stats_mean(tmp, m);
	sd = sp_stats_sd(tmp, m, mean);
	if (!(sd > 0) || !isfinite(sd))
		sd = 1;
	b->mean = mean;
	b->sd = sd;
	for (i = 0; i < m; i++)
		b->z[i] = (tmp[i] - mean) / sd;
	b->len = m;
	b->phi[0] = 2;
	b->phi[1] = -1;
	b->estar = NAN;
	b->fallback = 1;
	return b;
nomem:
	sp_arburst_free(b);
	sp_error_set(err, SP_ENOMEM, "arburst: out of memory");
	return NULL;
}

/* OLS without intercept of z_i on (z_{i-1}, z_{i-2}), i = 2 .. m-1. */
static void
fit2(const double *z, size_t m, double phi[2], int *fallback)
{
	double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0, det, p1, p2;
	size_t i;

	for (i = 2; i < m; i++) {
		double y = z[i], x1 = z[i - 1], x2 = z[i - 2];
		a11 += x1 * x1;
		a12 += x1 * x2;
		a22 += x2 * x2;
		b1 += x1 * y;
		b2 += x2 * y;
	}
	det = a11 * a22 - a12 * a12;
	p1 = (a22 * b1 - a12 * b2) / det;
	p2 = (a11 * b2 - a12 * b1) / det;
	if (!(det >= 1e-12) || !isfinite(det) || !isfinite(p1) || !isfinite(p2)) {
		phi[0] = 2;
		phi[1] = -1;
		*fallback = 1;
	} else {
		phi[0] = p1;
		phi[1] = p2;
		*fallback = 0;
	}
}

/* ---- exact Gaussian maximum likelihood of AR(2) with a mean ------------
 * For fixed phi the mean (GLS) and sigma2 are concentrated out in closed
 * form; the profile log-likelihood is maximised over the stationarity
 * triangle through the partial autocorrelations phi2 = tanh(b),
 * phi1 = tanh(a) (1 - phi2), by Nelder-Mead (GSL). */
typedef struct {
	const double *z;
	size_t m;
} mle_data;

static double
profile_llf(const double *z, size_t m, double p1, double p2, double *mu)
{
	double g0, g1, det, k = 1 - p1 - p2, su = 0, suu = 0, q0, a, b, q;
	size_t t;

	g0 = (1 - p2) / ((1 + p2) * ((1 - p2) * (1 - p2) - p1 * p1));
	g1 = p1 * g0 / (1 - p2);
	det = g0 * g0 - g1 * g1;
	if (!(g0 > 0) || !(det > 0) || !isfinite(det))
		return -INFINITY;
	for (t = 2; t < m; t++) {
		double u = z[t] - p1 * z[t - 1] - p2 * z[t - 2];
		su += u;
		suu += u * u;
	}
	q0 = (g0 * (z[0] * z[0] + z[1] * z[1]) - 2 * g1 * z[0] * z[1]) / det + suu;
	a = 2 / (g0 + g1) + k * k * (double)(m - 2);
	b = (z[0] + z[1]) / (g0 + g1) + k * su;
	q = q0 - b * b / a;
	if (mu)
		*mu = b / a;
	if (!(q > 0))
		return -INFINITY;
	return -(double)m / 2 * (log(2 * M_PI * q / (double)m) + 1) - 0.5 * log(det);
}

static void
pacf_to_phi(double a, double b, double *p1, double *p2)
{
	*p2 = tanh(b);
	*p1 = tanh(a) * (1 - *p2);
}

static double
mle_obj(const gsl_vector *v, void *arg)
{
	const mle_data *d = arg;
	double p1, p2, ll;

	pacf_to_phi(gsl_vector_get(v, 0), gsl_vector_get(v, 1), &p1, &p2);
	ll = profile_llf(d->z, d->m, p1, p2, NULL);
	return isfinite(ll) ? -ll : GSL_POSINF;
}

int
sp_arburst_fit_mle(const double *z, size_t m, double phi[2], double *mu, double *llf)
{
	mle_data d = { z, m };
	gsl_multimin_function f = { mle_obj, 2, &d };
	gsl_multimin_fminimizer *mn;
	gsl_vector *x, *ss;
	double mean, r0 = 0, r1 = 0, r2 = 0, y1, y2, r1p, a, b, best;
	size_t t;
	int it, rc = -1;

	if (m < 4)
		return -1;
	/* start: Yule-Walker (always stationary) */
	mean = sp_stats_mean(z, m);
	for (t = 0; t < m; t++) {
		double x0 = z[t] - mean;
		r0 += x0 * x0;
		if (t >= 1)
			r1 += x0 * (z[t - 1] - mean);
		if (t >= 2)
			r2 += x0 * (z[t - 2] - mean);
	}
	if (!(r0 > 0))
		return -1;
	r1 /= r0;
	r2 /= r0;
	y1 = r1 * (1 - r2) / (1 - r1 * r1);
	y2 = (r2 - r1 * r1) / (1 - r1 * r1);
	r1p = y1 / (1 - y2);
	if (!(fabs(r1p) < 1) || !(fabs(y2) < 1))
		r1p = y2 = 0;
	a = atanh(fmax(fmin(r1p, 0.999), -0.999));
	b = atanh(fmax(fmin(y2, 0.999), -0.999));
	x = gsl_vector_alloc(2);
	ss = gsl_vector_alloc(2);
	mn = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 2);
	if (!x || !ss || !mn)
		goto out;
	gsl_vector_set(x, 0, a);
	gsl_vector_set(x, 1, b);
	gsl_vector_set_all(ss, 0.1);
	if (gsl_multimin_fminimizer_set(mn, &f, x, ss) != 0)
		goto out;
	for (it = 0; it < 5000; it++) {
		if (gsl_multimin_fminimizer_iterate(mn) != 0)
			break;
		if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mn), 1e-10) == GSL_SUCCESS)
			break;
	}
	best = gsl_multimin_fminimizer_minimum(mn);
	if (!isfinite(best))
		goto out;
	pacf_to_phi(gsl_vector_get(mn->x, 0), gsl_vector_get(mn->x, 1), &phi[0], &phi[1]);
	if (llf || mu) {
		double ll = profile_llf(z, m, phi[0], phi[1], mu);
		if (llf)
			*llf = ll;
	}
	rc = isfinite(phi[0]) && isfinite(phi[1]) ? 0 : -1;
out:
	gsl_vector_free(x);
	gsl_vector_free(ss);
	if (mn)
		gsl_multimin_fminimizer_free(mn);
	return rc;
}

int
sp_arburst_next(sp_arburst *b, double *upper, double *point, sp_error *err)
{
	size_t m = b->len < b->o.max_window ? b->len : b->o.max_window;
	const double *z = b->z + b->start + b->len - m;
	size_t i, nr = m - 2;
	double zhat, estar;

	if (b->o.mle) {
		gsl_error_handler_t *old = gsl_set_error_handler_off();
		b->fallback = sp_arburst_fit_mle(z, m, b->phi, NULL, NULL) != 0;
		gsl_set_error_handler(old);
		if (b->fallback) {
			b->phi[0] = 2;
			b->phi[1] = -1;
		}
	} else {
		fit2(z, m, b->phi, &b->fallback);
	}
	for (i = 2; i < m; i++)
		b->res[i - 2] = z[i] - (b->phi[0] * z[i - 1] + b->phi[1] * z[i - 2]);
	zhat = b->phi[0] * z[m - 1] + b->phi[1] * z[m - 2];
	estar = sp_stats_quantile(b->res, nr, b->o.quantile, b->work);
	if (b->o.bootstrap > 0) {
		int k;
		for (k = 0; k < b->o.bootstrap; k++) {
			for (i = 0; i < nr; i++)
				b->work[i] = b->res[sp_rand_index(b->rng, nr)];
			sp_stats_sort(b->work, nr);
			b->boot[k] = sp_stats_quantile_sorted(b->work, nr, b->o.quantile);
		}
		sp_stats_sort(b->boot, (size_t)b->o.bootstrap);
		estar = sp_stats_quantile_sorted(b->boot, (size_t)b->o.bootstrap,
		    (1 + b->o.boot_level) / 2);
	}
	b->estar = estar;
	if (upper)
		*upper = (zhat + estar) * b->sd + b->mean;
	if (point)
		*point = zhat * b->sd + b->mean;
	(void)err;
	return 0;
}

int
sp_arburst_observe(sp_arburst *b, double w, sp_error *err)
{
	if (isinf(w))
		return sp_error_set(err, SP_EDATA, "arburst: observed value is infinite");
	if (isnan(w))
		w = 0;
	push(b, (w - b->mean) / b->sd);
	return 0;
}

void
sp_arburst_state(const sp_arburst *b, double phi[2], double *estar, int *fallback)
{
	if (phi) {
		phi[0] = b->phi[0];
		phi[1] = b->phi[1];
	}
	if (estar)
		*estar = b->estar;
	if (fallback)
		*fallback = b->fallback;
}

void
sp_arburst_scale(const sp_arburst *b, double *mean, double *sd)
{
	if (mean)
		*mean = b->mean;
	if (sd)
		*sd = b->sd;
}

void
sp_arburst_free(sp_arburst *b)
{
	if (!b)
		return;
	free(b->z);
	free(b->res);
	free(b->work);
	free(b->boot);
	sp_rand_free(b->rng);
	free(b);
}

/* ---- the state between runs ---- */

int
sp_arburst_write_state(const sp_arburst *b, sp_state_writer *w, sp_error *err)
{
	if (b->o.bootstrap > 0)
		return sp_error_set(err, SP_EUSAGE, "arburst: no state with the bootstrap (its random stream)");
	sp_state_put_doubles(w, "ar_scale", 2, (const double[]){ b->mean, b->sd });
	sp_state_put_long(w, "ar_len", (long)b->len);
	sp_state_put_doubles(w, "ar_z", b->len, b->z + b->start);
	return 0;
}

sp_arburst *
sp_arburst_read_state(const sp_arburst_opts *o, sp_state *s, sp_error *err)
{
	static const double three[3] = { 0, 0, 0 };
	sp_arburst *b;
	double ms[2];
	long len;

	if (o->bootstrap > 0) {
		sp_error_set(err, SP_EUSAGE, "arburst: no state with the bootstrap (its random stream)");
		return NULL;
	}
	if (sp_state_doubles(s, "ar_scale", 2, ms, err) < 0 ||
	    sp_state_long(s, "ar_len", 1, 2 * (long)o->max_window, &len, err) < 0)
		return NULL;
	if (!isfinite(ms[0]) || !(ms[1] > 0) || !isfinite(ms[1])) {
		sp_state_error(s, err, SP_EMODEL, "ar_scale: mean and sd must be finite, sd > 0");
		return NULL;
	}
	if (!(b = sp_arburst_begin(three, 3, o, err)))
		return NULL;
	if (sp_state_doubles(s, "ar_z", (size_t)len, b->z, err) < 0) {
		sp_arburst_free(b);
		return NULL;
	}
	b->mean = ms[0];
	b->sd = ms[1];
	b->start = 0;
	b->len = (size_t)len;
	return b;
}
