/* sp_feat: causal features of a time series for tree models (gbfit).
 *
 * The builder is fed the series one row at a time, in time order
 * (sp_feat_push: time, value, extra columns), and keeps the last
 * sp_feat_need() values.  After the row of time t (the forecast origin) it
 * gives, for a horizon h (the target time t + h * step), one feature vector
 * made only from the rows up to t, in this order:
 *
 *   lagK         y[t - (K - 1) step]: lag 1 is the origin's own value
 *   diffK        y[t] - y[t - K step]
 *   winW_mean, winW_sd, winW_min, winW_max, winW_qP
 *                over the last W values up to t (the origin's included):
 *                mean = sum / n (summed oldest first), sd the population
 *                (two-pass) standard deviation, qP the P quantile by linear
 *                interpolation between order statistics (numpy's "linear");
 *                missing values are skipped, and a window without any
 *                present value gives a missing feature
 *   hour_sin, hour_cos, dow_sin, dow_cos
 *                of the target time (UTC): with d = floor(T / 86400) and
 *                f = (T - 86400 d) / 86400, hour = 2 pi f and
 *                dow = 2 pi ((d + 3) mod 7 + f) / 7 (Monday 0)
 *   holiday      1 when the target time's UTC date is in the holiday list
 *   x_NAME       the extra input column NAME at the origin
 *   horizon      h (a model shared by all horizons)
 *
 * With `relative`, the features that locate the level (lags, window mean,
 * min, max and quantiles) are taken minus the origin's value y[t], so that
 * the features do not see the level itself (lag 1 is then 0): a model on
 * them, with a target relative to y[t] too, carries over to levels the
 * training part never reached.  Differences and sd are unchanged.
 *
 * The target time is known in advance, so calendar and holiday features of
 * the target are causal.  Missing values (NaN) stay missing (a lag of a
 * missing value, a difference involving one); trees route them.  Features
 * are computed in double precision with the operations above in that
 * order, so that an independent implementation gets the same bits
 * (tests/ref/xgb_ref.py does).
 *
 * Ownership: sp_feat owns a copy of the spec's lists, names and holidays;
 * the spec passed to sp_feat_new is only read.  Errors: SP_EUSAGE naming
 * the option ("--lags: ..."), SP_EDATA for a holiday file (file:row),
 * SP_EMODEL for a model file (file:line).
 */
#ifndef SP_FEAT_H
#define SP_FEAT_H

#include <stddef.h>
#include <stdio.h>

#include "sp_err.h"
#include "sp_model.h"

#define SP_FEAT_MAXLIST 64       /* lags, windows, differences, quantiles, extras */
#define SP_FEAT_MAXLAG 100000    /* largest lag, window or difference */

enum { SP_FEAT_MEAN = 1, SP_FEAT_SD = 2, SP_FEAT_MIN = 4, SP_FEAT_MAX = 8 };

typedef struct {
	int nlags, lags[SP_FEAT_MAXLIST];
	int ndiffs, diffs[SP_FEAT_MAXLIST];
	int nwin, win[SP_FEAT_MAXLIST];
	int stats;                        /* SP_FEAT_* per window */
	int nq;
	double q[SP_FEAT_MAXLIST];        /* quantiles per window, in (0,1) */
	int calendar;                     /* hour and day-of-week sin/cos */
	size_t nhol;
	const long *hol;                  /* holiday dates, days since 1970-01-01 */
	int nextra;
	const char *extra[SP_FEAT_MAXLIST];  /* extra input column names */
	int horizon;                      /* add the horizon as a feature */
	int relative;                     /* level features minus the origin's value */
} sp_feat_spec;

typedef struct sp_feat sp_feat;

/* Parse a comma-separated list of distinct integers in [min, max] for
 * option opt ("--lags"), or "none"; returns the count (0..max_n) or < 0
 * (SP_EUSAGE). */
int sp_feat_parse_ints(const char *opt, const char *arg, int *out, int max_n, int min, int max, sp_error *err);
/* Parse "mean,sd,min,max" (any subset, or "none") into SP_FEAT_* bits. */
int sp_feat_parse_stats(const char *opt, const char *arg, int *out, sp_error *err);
/* Read holiday dates from a CSV with a header whose first column holds
 * dates YYYY-MM-DD (other columns ignored); *days sorted, duplicates
 * removed, owned by the caller (free).  Errors name the file and row. */
int sp_feat_read_holidays(FILE *fp, const char *name, long **days, size_t *n, sp_error *err);

/* A builder for spec (checked: at least one feature; lags, windows and
 * differences in 1..SP_FEAT_MAXLAG; quantiles in (0,1); extra names
 * non-empty, without spaces, commas, '[', ']' or '<', not repeated). */
sp_feat *sp_feat_new(const sp_feat_spec *spec, sp_error *err);
void sp_feat_free(sp_feat *f);
/* The spec as the builder holds it (lists owned by the builder). */
const sp_feat_spec *sp_feat_spec_of(const sp_feat *f);

size_t sp_feat_count(const sp_feat *f);
const char *sp_feat_name(const sp_feat *f, size_t i);
/* All names, for xgboost (valid while f lives). */
const char *const *sp_feat_names(const sp_feat *f);
/* Rows of history an origin needs: max(lags, windows, differences + 1, 1). */
int sp_feat_need(const sp_feat *f);

/* Forget the history. */
void sp_feat_reset(sp_feat *f);
/* The next row: time t, value y (NaN = missing), x[0..nextra) the extra
 * columns (may be NULL when nextra is 0).  Returns 1 when at least need()
 * rows have been pushed, else 0. */
int sp_feat_push(sp_feat *f, double t, double y, const double *x);
/* The latest value and time pushed (NaN before the first). */
double sp_feat_last(const sp_feat *f);
double sp_feat_time(const sp_feat *f);
/* The features of horizon h (target time t + h * step) from the rows
 * pushed so far into out[count]; needs need() rows pushed. */
void sp_feat_row(const sp_feat *f, double step, int h, double *out);
/* Rewrite only the target-dependent features (calendar, holiday, horizon)
 * of a row made at an origin of time t for horizon h instead. */
void sp_feat_target(const sp_feat *f, double t, double step, int h, double *row);

/* Model files: the spec as keys lags, diffs, windows, stats, quantiles,
 * calendar, holidays, extra, horizon_feature, relative and the resulting names as
 * `features`; the loader rebuilds the names and checks them against
 * `features` (a file whose list does not match is refused). */
void sp_feat_save(const sp_feat *f, sp_model_writer *w);
sp_feat *sp_feat_load(sp_model *m, sp_error *err);

#endif
