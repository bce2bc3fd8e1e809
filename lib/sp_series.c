/* sp_series: streaming resampler; see sp_series.h. */
#include "sp_series.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_stats.h"

const char *const sp_agg_names[] = {
	"mean", "sum", "min", "max", "count", "first", "last", "median", "quantile", NULL
};

struct sp_resampler {
	double step;
	size_t ncols;
	sp_agg agg;
	double q;
	double max_gap;       /* bins one observation may finish */
	int64_t bin;          /* current bin index */
	int have_bin;
	/* per column state of the current bin */
	double *sum, *min, *max, *first, *last;
	size_t *cnt;
	double **vals;        /* quantile/median: values of the bin */
	size_t *vn, *vcap;
	/* output queue: the finished bin, then empty bins up to (not incl.) next */
	double *done;         /* [ncols] values of the finished bin */
	int64_t emit_from, emit_to;   /* bins [emit_from, emit_to) to emit; emit_from may be the finished one */
	int64_t done_bin;
	int have_done;
};

sp_resampler *
sp_resampler_new(double step, size_t ncols, sp_agg agg, double q, sp_error *err)
{
	sp_resampler *r = calloc(1, sizeof *r);

	if (!r)
		goto oom;
	r->step = step;
	r->ncols = ncols;
	r->agg = agg;
	r->q = agg == SP_AGG_MEDIAN ? 0.5 : q;
	r->max_gap = SP_RESAMPLER_MAX_GAP_BINS;
	r->sum = calloc(ncols, sizeof *r->sum);
	r->min = calloc(ncols, sizeof *r->min);
	r->max = calloc(ncols, sizeof *r->max);
	r->first = calloc(ncols, sizeof *r->first);
	r->last = calloc(ncols, sizeof *r->last);
	r->cnt = calloc(ncols, sizeof *r->cnt);
	r->done = calloc(ncols, sizeof *r->done);
	r->vals = calloc(ncols, sizeof *r->vals);
	r->vn = calloc(ncols, sizeof *r->vn);
	r->vcap = calloc(ncols, sizeof *r->vcap);
	if (!r->sum || !r->min || !r->max || !r->first || !r->last || !r->cnt || !r->done ||
	    !r->vals || !r->vn || !r->vcap)
		goto oom;
	return r;
oom:
	sp_resampler_free(r);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

void
sp_resampler_free(sp_resampler *r)
{
	size_t j;

	if (!r)
		return;
	if (r->vals)
		for (j = 0; j < r->ncols; j++)
			free(r->vals[j]);
	free(r->vals);
	free(r->vn);
	free(r->vcap);
	free(r->sum);
	free(r->min);
	free(r->max);
	free(r->first);
	free(r->last);
	free(r->cnt);
	free(r->done);
	free(r);
}

static void
reset_bin(sp_resampler *r)
{
	size_t j;

	for (j = 0; j < r->ncols; j++) {
		r->sum[j] = 0;
		r->cnt[j] = 0;
		r->vn[j] = 0;
	}
}

/* Finish the current bin into r->done. */
static void
close_bin(sp_resampler *r)
{
	size_t j;

	for (j = 0; j < r->ncols; j++) {
		double v = NAN;
		size_t n = r->cnt[j];
		switch (r->agg) {
		case SP_AGG_MEAN: v = n ? r->sum[j] / (double)n : NAN; break;
		case SP_AGG_SUM: v = n ? r->sum[j] : NAN; break;
		case SP_AGG_MIN: v = n ? r->min[j] : NAN; break;
		case SP_AGG_MAX: v = n ? r->max[j] : NAN; break;
		case SP_AGG_COUNT: v = (double)n; break;
		case SP_AGG_FIRST: v = n ? r->first[j] : NAN; break;
		case SP_AGG_LAST: v = n ? r->last[j] : NAN; break;
		case SP_AGG_MEDIAN:
		case SP_AGG_QUANTILE:
			if (n) {
				sp_stats_sort(r->vals[j], r->vn[j]);
				v = sp_stats_quantile_sorted(r->vals[j], r->vn[j], r->q);
			}
			break;
		}
		r->done[j] = v;
	}
	r->done_bin = r->bin;
	r->have_done = 1;
}

void
sp_resampler_max_gap(sp_resampler *r, double n)
{
	r->max_gap = n >= 1 ? n : 1;
}

int
sp_resampler_add(sp_resampler *r, double t, const double *x, sp_error *err)
{
	double fb = floor(t / r->step);
	int64_t b;
	int closed = 0;
	size_t j;

	if (!(fabs(fb) < 9e18))   /* no float-to-integer overflow */
		return sp_error_set(err, SP_EDATA, "time %g is out of range for a step of %g s", t, r->step);
	b = (int64_t)fb;
	if (r->have_bin && b > r->bin && (double)(b - r->bin) > r->max_gap)
		return sp_error_set(err, SP_EDATA, "a gap of %.0f steps of %g s after %.17g is over the "
		    "limit of %.0f rows (see --max-gap-rows)", (double)(b - r->bin), r->step, (double)r->bin * r->step, r->max_gap);
	if (!r->have_bin) {
		r->bin = b;
		r->have_bin = 1;
		reset_bin(r);
	} else if (b < r->bin) {
		return sp_error_set(err, SP_EDATA, "time goes backwards");
	} else if (b > r->bin) {
		/* the caller pops everything before adding more */
		close_bin(r);
		r->emit_from = r->bin;
		r->emit_to = b;
		r->bin = b;
		reset_bin(r);
		closed = 1;
	}
	for (j = 0; j < r->ncols; j++) {
		double v = x[j];
		if (isnan(v))
			continue;
		if (r->cnt[j] == 0) {
			r->min[j] = r->max[j] = r->first[j] = v;
		} else {
			if (v < r->min[j])
				r->min[j] = v;
			if (v > r->max[j])
				r->max[j] = v;
		}
		r->last[j] = v;
		r->sum[j] += v;
		r->cnt[j]++;
		if (r->agg == SP_AGG_QUANTILE || r->agg == SP_AGG_MEDIAN) {
			if (r->vn[j] == r->vcap[j]) {
				size_t nc = r->vcap[j] ? r->vcap[j] * 2 : 64;
				double *nv = realloc(r->vals[j], nc * sizeof *nv);
				if (!nv)
					return sp_error_set(err, SP_ENOMEM, "out of memory");
				r->vals[j] = nv;
				r->vcap[j] = nc;
			}
			r->vals[j][r->vn[j]++] = v;
		}
	}
	return closed;
}

void
sp_resampler_finish(sp_resampler *r)
{
	if (!r->have_bin)
		return;
	close_bin(r);
	r->emit_from = r->bin;
	r->emit_to = r->bin + 1;
	r->have_bin = 0;
}

int
sp_resampler_pop(sp_resampler *r, double *t, double *out)
{
	size_t j;

	if (!r->have_done || r->emit_from >= r->emit_to)
		return 0;
	*t = (double)r->emit_from * r->step;
	if (r->emit_from == r->done_bin) {
		memcpy(out, r->done, r->ncols * sizeof *out);
	} else {
		for (j = 0; j < r->ncols; j++)
			out[j] = r->agg == SP_AGG_COUNT ? 0 : NAN;
	}
	r->emit_from++;
	return 1;
}
