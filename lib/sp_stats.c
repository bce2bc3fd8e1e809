/* sp_stats: shared statistics; see sp_stats.h. */
#include "sp_stats.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double
sp_stats_mean(const double *x, size_t n)
{
	return n ? gsl_stats_mean(x, 1, n) : NAN;
}

double
sp_stats_sd(const double *x, size_t n, double mean)
{
	size_t i;
	double s = 0;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++)
		s += (x[i] - mean) * (x[i] - mean);
	return sqrt(s / (double)n);
}

void
sp_stats_sort(double *x, size_t n)
{
	gsl_sort(x, 1, n);
}

double
sp_stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	if (n == 0)
		return NAN;
	return gsl_stats_quantile_from_sorted_data(sorted, 1, n, q);
}

double
sp_stats_quantile(const double *x, size_t n, double q, double *work)
{
	double *w = work ? work : malloc((n ? n : 1) * sizeof *w), v;

	if (!w || n == 0) {
		if (!work)
			free(w);
		return NAN;
	}
	memcpy(w, x, n * sizeof *w);
	gsl_sort(w, 1, n);
	v = gsl_stats_quantile_from_sorted_data(w, 1, n, q);
	if (!work)
		free(w);
	return v;
}

int
sp_stats_robust(const double *x, size_t n, double *mean, double *sd)
{
	double *s, q1, q3, iqr, lo, hi, sum = 0, ss = 0;
	size_t i, k = 0;

	if (n == 0 || !(s = malloc(n * sizeof *s)))
		return -1;
	memcpy(s, x, n * sizeof *s);
	gsl_sort(s, 1, n);
	q1 = s[n / 4];
	q3 = s[(3 * n) / 4 < n ? (3 * n) / 4 : n - 1];
	iqr = q3 - q1;
	lo = q1 - 1.5 * iqr;
	hi = q3 + 1.5 * iqr;
	for (i = 0; i < n; i++)
		if (s[i] > lo && s[i] < hi) {
			sum += s[i];
			k++;
		}
	if (k == 0) {
		free(s);
		return -1;
	}
	*mean = sum / (double)k;
	for (i = 0; i < n; i++)
		if (s[i] > lo && s[i] < hi)
			ss += (s[i] - *mean) * (s[i] - *mean);
	*sd = sqrt(ss / (double)k);
	free(s);
	return 0;
}

double
sp_stats_pinball(double y, double f, double q)
{
	double u = y - f;

	return u >= 0 ? q * u : (q - 1) * u;
}

static double
acf_at(const double *x, size_t n, double m, double v, size_t l)
{
	double c = 0;

	for (size_t i = l; i < n; i++)
		c += (x[i] - m) * (x[i - l] - m);
	return c / v;
}

size_t
sp_stats_acf_period(const double *x, size_t n, size_t maxlag, double min_acf, double min_rise, double *acf)
{
	double m, v = 0, prev, cur, next, best = 0, low;
	size_t bl = 0;

	if (acf)
		*acf = 0;
	if (maxlag > n / 3)
		maxlag = n / 3;
	if (maxlag < 2)
		return 0;
	m = sp_stats_mean(x, n);
	for (size_t i = 0; i < n; i++)
		v += (x[i] - m) * (x[i] - m);
	if (!(v > 0) || !isfinite(v))
		return 0;
	low = prev = acf_at(x, n, m, v, 1);
	cur = acf_at(x, n, m, v, 2);
	for (size_t l = 2; l <= maxlag; l++, prev = cur, cur = next) {
		next = acf_at(x, n, m, v, l + 1);
		if (cur < low)
			low = cur;
		if (cur >= prev && cur >= next && cur > best && cur - low >= min_rise)
			best = cur, bl = l;
	}
	if (!(best >= min_acf))
		return 0;
	if (acf)
		*acf = best;
	return bl;
}
