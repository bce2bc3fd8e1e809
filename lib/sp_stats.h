/* sp_stats: small statistics shared by the tools.
 *
 * Conventions: quantiles use linear interpolation between order statistics
 * (numpy's default "linear", GSL's gsl_stats_quantile_from_sorted_data);
 * standard deviations are population (ddof 0) unless the name says
 * otherwise; an undefined statistic is NaN, never a crash.
 */
#ifndef SP_STATS_H
#define SP_STATS_H

#include <stddef.h>

double sp_stats_mean(const double *x, size_t n);
/* Population standard deviation (two-pass). */
double sp_stats_sd(const double *x, size_t n, double mean);
/* Quantile q in [0,1] of sorted x (linear interpolation). */
double sp_stats_quantile_sorted(const double *sorted, size_t n, double q);
/* Quantile of unsorted x; sorts a copy into work[n] (work may be NULL: allocates). */
double sp_stats_quantile(const double *x, size_t n, double q, double *work);
/* In-place ascending sort of doubles. */
void sp_stats_sort(double *x, size_t n);

/* BAScaler's robust location/scale (the paper's outlier-trimmed statistics): sort, Q1 = x[floor(n/4)],
 * Q3 = x[floor(3n/4)], keep points strictly inside (Q1 - 1.5 IQR, Q3 + 1.5 IQR),
 * return their mean and population std.  0 ok, -1 if n == 0 or no point kept. */
int sp_stats_robust(const double *x, size_t n, double *mean, double *sd);

/* Pinball (quantile) loss of y against quantile forecast f at level q. */
double sp_stats_pinball(double y, double f, double q);

/* The period of x[0..n): the lag in 2..maxlag (at most n / 3) whose
 * autocorrelation is a local peak (at least its neighbours at lag - 1 and
 * lag + 1) that rises min_rise or more above the lowest autocorrelation
 * at lags 1..lag (a bump on a slowly decaying autocorrelation is not a
 * period), and the highest such, if that is positive and min_acf or
 * more; else 0 (no period, also for a constant series).  The autocorrelation at lag l is
 * sum_{i>=l} (x_i - m)(x_{i-l} - m) / sum_i (x_i - m)^2 (biased; m the
 * mean).  *acf (may be NULL) gets the peak's autocorrelation (0 when
 * none).  O(n maxlag): meant to run once, not per row. */
size_t sp_stats_acf_period(const double *x, size_t n, size_t maxlag, double min_acf, double min_rise, double *acf);

#endif
