/* sp_perf: piecewise-linear performance curves and w*; see sp_perf.h. */
#include "sp_perf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_csv.h"
#include "sp_svr.h"

struct sp_perf {
	size_t n;
	double *w, *lat, *cpu; /* cpu NULL when absent */
};

void
sp_perf_free(sp_perf *p)
{
	if (!p)
		return;
	free(p->w);
	free(p->lat);
	free(p->cpu);
	free(p);
}

static int
check_point(const sp_perf *p, size_t i, char *why, size_t n)
{
	if (!isfinite(p->w[i]) || p->w[i] < 0)
		return snprintf(why, n, "load per replica must be a number >= 0"), -1;
	if (!isfinite(p->lat[i]) || p->lat[i] <= 0)
		return snprintf(why, n, "latency must be a number > 0"), -1;
	if (p->cpu && (!isfinite(p->cpu[i]) || p->cpu[i] < 0 || p->cpu[i] > 100))
		return snprintf(why, n, "CPU must be within [0, 100]"), -1;
	if (i > 0 && !(p->w[i] > p->w[i - 1]))
		return snprintf(why, n, "loads per replica must increase strictly"), -1;
	return 0;
}

static sp_perf *
perf_alloc(size_t n, int has_cpu)
{
	sp_perf *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->n = n;
	p->w = malloc((n ? n : 1) * sizeof *p->w);
	p->lat = malloc((n ? n : 1) * sizeof *p->lat);
	if (has_cpu)
		p->cpu = malloc((n ? n : 1) * sizeof *p->cpu);
	if (!p->w || !p->lat || (has_cpu && !p->cpu)) {
		sp_perf_free(p);
		return NULL;
	}
	return p;
}

sp_perf *
sp_perf_from_arrays(const double *w, const double *lat, const double *cpu, size_t n, sp_error *err)
{
	sp_perf *p;
	size_t i;
	char why[128];

	if (n < 2) {
		sp_error_set(err, SP_EDATA, "a performance curve needs at least 2 points");
		return NULL;
	}
	if (!(p = perf_alloc(n, cpu != NULL))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		p->w[i] = w[i];
		p->lat[i] = lat[i];
		if (cpu)
			p->cpu[i] = cpu[i];
		if (check_point(p, i, why, sizeof why) < 0) {
			sp_error_set(err, SP_EDATA, "point %zu: %s", i + 1, why);
			sp_perf_free(p);
			return NULL;
		}
	}
	return p;
}

sp_perf *
sp_perf_from_fn(double (*lat)(void *, double), double (*cpu)(void *, double), void *arg,
    double w0, double w1, size_t n, sp_error *err)
{
	sp_perf *p;
	size_t i;
	char why[128];

	if (n < 2 || !(w1 > w0) || w0 < 0) {
		sp_error_set(err, SP_EUSAGE, "bad tabulation range");
		return NULL;
	}
	if (!(p = perf_alloc(n, cpu != NULL))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		p->w[i] = w0 + (w1 - w0) * (double)i / (double)(n - 1);
		p->lat[i] = lat(arg, p->w[i]);
		if (cpu) {
			double c = cpu(arg, p->w[i]);
			p->cpu[i] = c < 0 ? 0 : c > 100 ? 100 : c;
		}
		if (check_point(p, i, why, sizeof why) < 0) {
			sp_error_set(err, SP_EDATA, "model at load %g per replica: %s", p->w[i], why);
			sp_perf_free(p);
			return NULL;
		}
	}
	return p;
}

sp_perf *
sp_perf_load_curve(const char *path, sp_error *err)
{
	FILE *fp = fopen(path, "r");
	sp_csv_reader *r = NULL;
	sp_perf *p = NULL;
	double *w = NULL, *lat = NULL, *cpu = NULL;
	size_t n = 0, cap = 0;
	int cw, cl, cc, rc;

	if (!fp) {
		sp_error_set(err, SP_EIO, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (!(r = sp_csv_reader_new(fp, path, 0, err)))
		goto out;
	if ((cw = sp_csv_pick_col(r, "load_per_replica", err)) < 0 ||
	    (cl = sp_csv_pick_col(r, "latency_ms", err)) < 0) {
		sp_error_prefix(err, "%s", path);
		goto out;
	}
	cc = sp_csv_col_index(r, "cpu_pct");
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		char why[128];
		sp_perf one = { 1, NULL, NULL, NULL };
		double pw = n ? w[n - 1] : 0;

		if (n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			double *a = realloc(w, nc * sizeof *a), *b, *c;
			if (a) w = a;
			b = realloc(lat, nc * sizeof *b);
			if (b) lat = b;
			c = realloc(cpu, nc * sizeof *c);
			if (c) cpu = c;
			if (!a || !b || !c) {
				sp_error_set(err, SP_ENOMEM, "out of memory");
				goto out;
			}
			cap = nc;
		}
		if (sp_csv_get_double_req(r, (size_t)cw, &w[n], err) < 0 ||
		    sp_csv_get_double_req(r, (size_t)cl, &lat[n], err) < 0 ||
		    (cc >= 0 && sp_csv_get_double_req(r, (size_t)cc, &cpu[n], err) < 0))
			goto out;
		one.w = &w[n];
		one.lat = &lat[n];
		one.cpu = cc >= 0 ? &cpu[n] : NULL;
		if (check_point(&one, 0, why, sizeof why) < 0 || (n > 0 && !(w[n] > pw))) {
			if (n > 0 && !(w[n] > pw) && !(check_point(&one, 0, why, sizeof why) < 0))
				snprintf(why, sizeof why, "loads per replica must increase strictly");
			sp_csv_error(r, -1, err, SP_EDATA, "%s", why);
			goto out;
		}
		n++;
	}
	if (rc < 0)
		goto out;
	if (n < 2) {
		sp_error_set(err, SP_EDATA, "%s: a performance curve needs at least 2 rows", path);
		goto out;
	}
	p = sp_perf_from_arrays(w, lat, cc >= 0 ? cpu : NULL, n, err);
out:
	sp_csv_reader_free(r);
	fclose(fp);
	free(w);
	free(lat);
	free(cpu);
	return p;
}

int
sp_perf_has_cpu(const sp_perf *p)
{
	return p->cpu != NULL;
}

double
sp_perf_capacity(const sp_perf *p)
{
	return p->w[p->n - 1];
}

/* Index i with w[i] <= x < w[i+1] (binary search), x within the curve. */
static size_t
seg(const sp_perf *p, double x)
{
	size_t lo = 0, hi = p->n - 1;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->w[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static double
interp(const sp_perf *p, const double *y, double x)
{
	size_t i = seg(p, x);
	double t = (x - p->w[i]) / (p->w[i + 1] - p->w[i]);

	return y[i] + t * (y[i + 1] - y[i]);
}

double
sp_perf_latency(const sp_perf *p, double w)
{
	double cap = p->w[p->n - 1];

	if (!(w > p->w[0]))
		return p->lat[0];
	if (w >= cap)
		return cap > 0 ? p->lat[p->n - 1] * w / cap : p->lat[p->n - 1];
	return interp(p, p->lat, w);
}

double
sp_perf_cpu(const sp_perf *p, double w)
{
	if (!p->cpu)
		return NAN;
	if (w > p->w[p->n - 1])
		return 100;
	if (w <= 0)
		return 0;
	if (w < p->w[0])
		return p->cpu[0] * w / p->w[0];
	if (w == p->w[p->n - 1])
		return p->cpu[p->n - 1];
	return interp(p, p->cpu, w);
}

/* Largest t in [0,1] with a + t*d <= lim, intersected with [lo, hi];
 * returns the new hi, or -1 when the constraint empties the range. */
static int
constrain(double a, double d, double lim, double *lo, double *hi)
{
	if (d == 0) {
		if (a > lim)
			return -1;
	} else if (d > 0) {
		double t = (lim - a) / d;
		if (t < *hi)
			*hi = t;
	} else {
		double t = (lim - a) / d;
		if (t > *lo)
			*lo = t;
	}
	return *lo <= *hi ? 0 : -1;
}

int
sp_perf_wstar(const sp_perf *p, double slo, double cpu_cap, double *wstar, sp_error *err)
{
	size_t i, k;
	double minlat = p->lat[0], minlat_w = p->w[0];

	for (k = p->n - 1; k > 0; k--) {
		double lo = 0, hi = 1;
		i = k - 1;
		if (constrain(p->lat[i], p->lat[k] - p->lat[i], slo, &lo, &hi) < 0)
			continue;
		if (p->cpu && constrain(p->cpu[i], p->cpu[k] - p->cpu[i], cpu_cap, &lo, &hi) < 0)
			continue;
		*wstar = p->w[i] + hi * (p->w[k] - p->w[i]);
		if (*wstar > 0)
			return 0;
	}
	for (i = 1; i < p->n; i++)
		if (p->lat[i] < minlat)
			minlat = p->lat[i], minlat_w = p->w[i];
	if (minlat > slo)
		return sp_error_set(err, SP_EDATA, "SLO %g ms cannot be met: the lowest latency "
		    "on the performance curve is %g ms (at %g per replica)", slo, minlat, minlat_w);
	return sp_error_set(err, SP_EDATA, "SLO %g ms cannot be met with CPU at most %g %%: "
	    "no load per replica on the performance curve satisfies both", slo, cpu_cap);
}

static double
svr_at(void *m, double w)
{
	return sp_svr_predict((const sp_svr *)m, &w);
}

static sp_svr *
svr_open(const char *path, sp_error *err)
{
	sp_svr *m = sp_svr_load(path, err);

	if (m && sp_svr_nfeatures(m) != 1) {
		sp_error_set(err, SP_EMODEL, "%s: the model has %zu features; the performance model "
		    "needs one, the load per replica", path, sp_svr_nfeatures(m));
		sp_svr_free(m);
		return NULL;
	}
	return m;
}

sp_perf *
sp_perf_load_svr(const char *lat_model, const char *cpu_model, double w_max, sp_error *err)
{
	sp_svr *lat = NULL, *cpu = NULL;
	sp_perf *p = NULL;
	size_t i, n = 1000;

	if (!(w_max > 0)) {
		sp_error_set(err, SP_EUSAGE, "the largest load per replica must be > 0");
		return NULL;
	}
	if (!(lat = svr_open(lat_model, err)) || (cpu_model && !(cpu = svr_open(cpu_model, err))))
		goto out;
	if (!(p = perf_alloc(n, cpu != NULL))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		char why[128];
		p->w[i] = w_max * (double)(i + 1) / (double)n;
		p->lat[i] = svr_at(lat, p->w[i]);
		if (cpu) {
			double c = svr_at(cpu, p->w[i]);
			p->cpu[i] = c < 0 ? 0 : c > 100 ? 100 : c;
		}
		if (check_point(p, i, why, sizeof why) < 0) {
			sp_error_set(err, SP_EDATA, "%s at load %g per replica: %s (predicted %g)",
			    lat_model, p->w[i], why, p->lat[i]);
			sp_perf_free(p);
			p = NULL;
			goto out;
		}
	}
out:
	sp_svr_free(lat);
	sp_svr_free(cpu);
	return p;
}
