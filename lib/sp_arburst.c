/* sp_arburst: BAScaler's AR(2) burst overestimator (see sp_arburst.h).
 * The series lives in a buffer of 2*max_window doubles that is compacted
 * when full, so observe is O(1) amortised and the fit window is contiguous. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_arburst.h"
#include "sp_rand.h"
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

int
sp_arburst_next(sp_arburst *b, double *upper, double *point, sp_error *err)
{
	size_t m = b->len < b->o.max_window ? b->len : b->o.max_window;
	const double *z = b->z + b->start + b->len - m;
	size_t i, nr = m - 2;
	double zhat, estar;

	fit2(z, m, b->phi, &b->fallback);
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
