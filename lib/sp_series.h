/* sp_series: streaming resampling of a time series onto a fixed grid.
 *
 * Bins are aligned to the Unix epoch: an observation at time t belongs to
 * the bin starting at floor(t / step) * step, and the bin is stamped with its
 * start.  Input times must not decrease.  Memory is one bin's state (for the
 * quantile aggregation, the values of one bin), whatever the input length.
 * Empty bins between two observations are produced as missing (NaN; count 0).
 * Missing input values (NaN) are skipped by every aggregation.
 */
#ifndef SP_SERIES_H
#define SP_SERIES_H

#include <stddef.h>

#include "sp_err.h"

typedef enum {
	SP_AGG_MEAN, SP_AGG_SUM, SP_AGG_MIN, SP_AGG_MAX, SP_AGG_COUNT,
	SP_AGG_FIRST, SP_AGG_LAST, SP_AGG_MEDIAN, SP_AGG_QUANTILE
} sp_agg;

/* NULL-terminated names in sp_agg order ("mean", "sum", ...). */
extern const char *const sp_agg_names[];

typedef struct sp_resampler sp_resampler;

/* The default limit on the bins one observation may finish (the gap after
 * the previous one): two rows at 0 and 1e15 must not start 1.7e13 rows. */
#define SP_RESAMPLER_MAX_GAP_BINS 1000000.0

/* step > 0 seconds; ncols values per observation; q in [0,1] for QUANTILE. */
sp_resampler *sp_resampler_new(double step, size_t ncols, sp_agg agg, double q, sp_error *err);
void sp_resampler_free(sp_resampler *r);
/* Refuse an observation more than n bins after the current one (n >= 1;
 * default SP_RESAMPLER_MAX_GAP_BINS; INFINITY: no limit). */
void sp_resampler_max_gap(sp_resampler *r, double n);
/* Add an observation.  Finished bins become available to sp_resampler_pop.
 * Returns 1 when this observation finished a bin (pop them now), 0 when it
 * did not (nothing to pop), < 0 if t is before the current bin, t / step
 * is beyond +-9e18 bins, or the gap is over the limit ("a gap of N
 * steps of S s after T is over the limit of M rows"). */
int sp_resampler_add(sp_resampler *r, double t, const double *x, sp_error *err);
/* End of input: the last bin becomes available. */
void sp_resampler_finish(sp_resampler *r);
/* Next finished bin in time order: 1 with its start time and ncols values,
 * 0 when none is ready. */
int sp_resampler_pop(sp_resampler *r, double *t, double *out);

#endif
