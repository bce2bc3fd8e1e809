/* test_window: each stage of sp_window alone and the whole chain, on small
 * inputs computed by hand: the duplicate policies (mean over the values
 * present), every aggregation, every fill mode with and without max_gap
 * (and rows leaving a run that is already too long), normalisation fitted,
 * saved, loaded and inverted, the training span and split, lagged windows,
 * and the edge cases: empty input, a single row, runs of missing values,
 * time going backwards, sorting.  The state between runs: an engine paused,
 * saved and read back every k-th row emits what an uninterrupted one does,
 * byte for byte, for every stage a state holds (the open bin of each
 * aggregation, a bin written at a pause with --input-step and the empty
 * bins after it, the fill's held rows with their pass-through bytes), and
 * corrupt states are refused with file:line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_keyed.h"
#include "sp_state.h"
#include "sp_window.h"

#define MAXR 256
#define MAXV 8

/* What a stage or chain emitted. */
typedef struct {
	size_t n, nv;
	double t[MAXR], v[MAXR][MAXV];
	int train[MAXR];
	char raw[MAXR][32];
	int fail_at;         /* emit returns an error at this row (1-based), 0 = never */
} sink;

static int
collect(void *ctx, const sp_window_row *r, sp_error *err)
{
	sink *s = ctx;
	size_t j;

	if (s->fail_at && (int)s->n + 1 == s->fail_at)
		return sp_error_set(err, SP_EIO, "sink full");
	if (s->n == MAXR)
		return sp_error_set(err, SP_EDATA, "test sink overflow");
	s->t[s->n] = r->t;
	s->nv = r->nv;
	for (j = 0; j < r->nv && j < MAXV; j++)
		s->v[s->n][j] = r->v[j];
	s->train[s->n] = r->train;
	s->raw[s->n][0] = '\0';
	if (r->raw)
		snprintf(s->raw[s->n], sizeof s->raw[s->n], "%.*s", (int)r->rawlen, r->raw);
	s->n++;
	return 0;
}

static void
sink_col(const sink *s, size_t j, double *out)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		out[i] = s->v[i][j];
}

/* Push one row of nv values (raw: a string or NULL) into a stage. */
static int
push(sp_window_stage *st, double t, const double *v, size_t nv, const char *raw, sp_error *err)
{
	sp_window_row *r = sp_window_row_new(t, nv, v, raw, raw ? strlen(raw) : 0);

	if (!r)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	return sp_window_stage_push(st, r, err);
}

/* One stage alone on n rows of o->ncols values (v row-major), finished. */
static int
run_stage(sp_window_kind kind, const sp_window_opts *o, const double *t, const double *v, size_t n,
    sink *out, sp_error *err)
{
	sp_window_stage *st = sp_window_stage_new(kind, o, NULL, collect, out, err);
	size_t i;
	int rc = 0;

	if (!st)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = push(st, t[i], v + i * o->ncols, o->ncols, NULL, err);
	if (rc == 0)
		rc = sp_window_stage_finish(st, err);
	sp_window_stage_free(st);
	return rc;
}

/* The whole chain on n rows, finished. */
static int
run_chain(const sp_window_opts *o, const double *t, const double *v, size_t n, sink *out, sp_error *err)
{
	sp_window *w = sp_window_new(o, collect, out, err);
	size_t i;
	int rc = 0;

	if (!w)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = sp_window_push(w, t[i], v + i * o->ncols, NULL, 0, err);
	if (rc == 0)
		rc = sp_window_finish(w, err);
	CHECK(sp_window_rows(w) == (long)i, "rows counted: %ld of %zu", sp_window_rows(w), i);
	sp_window_free(w);
	return rc;
}

/* a missing value, in initialisers and by address */
#define N NAN
static const double missing = NAN;

/* ---- dedupe ---------------------------------------------------------------- */

static void
test_dedupe(void)
{
	static const double t[] = { 0, 60, 60, 120 }, v[] = { 10, 20, 30, 40 };
	static const double t3[] = { 0, 0, 0, 60 }, v3[] = { N, 2, 4, 7 };
	/* two columns: (1, NaN), (3, 5), (NaN, 9) at one time -> (2, 7) */
	static const double t2[] = { 5, 5, 5 }, v2[] = { 1, N, 3, 5, N, 9 };
	static const double tn[] = { 0, 0 }, vn[] = { N, N };
	static const char *const policy[] = { "first", "last", "mean" };
	static const double want[][3] = { { 10, 20, 40 }, { 10, 30, 40 }, { 10, 25, 40 } };
	sp_window_opts o;
	sp_window_stage *st;
	sp_error err;
	sink s;
	double got[MAXR];
	int p;

	sp_window_opts_init(&o);
	for (p = 0; p < 3; p++) {
		memset(&s, 0, sizeof s);
		o.dupes = (sp_window_dupes)(SP_WINDOW_DUPES_FIRST + p);
		CHECK(run_stage(SP_WINDOW_DEDUPE, &o, t, v, 4, &s, &err) == 0, "%s: %s", policy[p], err.msg);
		CHECK(s.n == 3 && s.t[0] == 0 && s.t[1] == 60 && s.t[2] == 120, "%s: times", policy[p]);
		sink_col(&s, 0, got);
		CHECK_ARRAY_CLOSE(got, want[p], 3, 0, policy[p]);
	}
	/* mean over the values present: {NaN, 2, 4} -> 3, not (2 + 4) / 3 */
	o.dupes = SP_WINDOW_DUPES_MEAN;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_DEDUPE, &o, t3, v3, 4, &s, &err) == 0, "mean NaN: %s", err.msg);
	CHECK(s.n == 2 && s.v[0][0] == 3 && s.v[1][0] == 7, "mean of {NaN, 2, 4} is 3: got %g", s.v[0][0]);
	o.ncols = 2;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_DEDUPE, &o, t2, v2, 3, &s, &err) == 0, "mean 2 cols: %s", err.msg);
	CHECK(s.n == 1 && s.v[0][0] == 2 && s.v[0][1] == 7, "mean per column: got %g, %g", s.v[0][0], s.v[0][1]);
	o.ncols = 1;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_DEDUPE, &o, tn, vn, 2, &s, &err) == 0 && s.n == 1 && isnan(s.v[0][0]),
	    "mean of nothing present stays missing");
	/* first and last keep whole rows (values and pass-through fields);
	 * mean keeps the first row's fields */
	for (p = 0; p < 3; p++) {
		static const char *const wantraw[] = { "a", "c", "a" };
		static const double wantv[] = { N, 3, 2 };
		double x;
		o.dupes = (sp_window_dupes)(SP_WINDOW_DUPES_FIRST + p);
		memset(&s, 0, sizeof s);
		st = sp_window_stage_new(SP_WINDOW_DEDUPE, &o, NULL, collect, &s, &err);
		x = N;
		push(st, 1, &x, 1, "a", &err);
		x = 1;
		push(st, 1, &x, 1, "b", &err);
		x = 3;
		push(st, 1, &x, 1, "c", &err);
		CHECK(s.n == 0, "%s: a row waits for the next time", policy[p]);
		CHECK(sp_window_stage_finish(st, &err) == 0 && s.n == 1, "%s: finish", policy[p]);
		CHECK_STR(s.raw[0], wantraw[p], policy[p]);
		CHECK_CLOSE(s.v[0][0], wantv[p], 0, policy[p]);
		sp_window_stage_free(st);
	}
	/* error: names the row (numbered by the order stage) */
	{
		sp_window_stage *ded, *ord;
		double x = 1;
		o.dupes = SP_WINDOW_DUPES_ERROR;
		memset(&s, 0, sizeof s);
		ded = sp_window_stage_new(SP_WINDOW_DEDUPE, &o, NULL, collect, &s, &err);
		ord = sp_window_stage_new(SP_WINDOW_ORDER, &o, ded, NULL, NULL, &err);
		CHECK(push(ord, 0, &x, 1, NULL, &err) == 0 && push(ord, 60, &x, 1, NULL, &err) == 0, "error: push");
		CHECK(push(ord, 60, &x, 1, NULL, &err) == SP_EDATA, "error: a duplicate is an error");
		CHECK_STR(err.msg, "row 3, column timestamp: duplicate timestamp 60 (see --dupes)", "error message");
		sp_window_stage_free(ord);
		sp_window_stage_free(ded);
	}
	/* empty input; a single row */
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_DEDUPE, &o, t, v, 0, &s, &err) == 0 && s.n == 0, "dedupe: empty input");
	CHECK(run_stage(SP_WINDOW_DEDUPE, &o, t, v, 1, &s, &err) == 0 && s.n == 1 && s.v[0][0] == 10,
	    "dedupe: a single row");
}

/* ---- resample ---------------------------------------------------------------- */

static void
test_resample(void)
{
	/* 60 s bins: [0,60) {1,3,5}, [60,120) {7}, [120,180) {9}, [180,240) {}, [240,300) {11} */
	static const double t[] = { 0, 20, 50, 60, 130, 250 }, v[] = { 1, 3, 5, 7, 9, 11 };
	static const double tt[] = { 0, 60, 120, 180, 240 };
	static const struct { sp_agg agg; double q; double want[5]; } c[] = {
		{ SP_AGG_MEAN, 0.5, { 3, 7, 9, N, 11 } },
		{ SP_AGG_SUM, 0.5, { 9, 7, 9, N, 11 } },
		{ SP_AGG_MIN, 0.5, { 1, 7, 9, N, 11 } },
		{ SP_AGG_MAX, 0.5, { 5, 7, 9, N, 11 } },
		{ SP_AGG_COUNT, 0.5, { 3, 1, 1, 0, 1 } },
		{ SP_AGG_FIRST, 0.5, { 1, 7, 9, N, 11 } },
		{ SP_AGG_LAST, 0.5, { 5, 7, 9, N, 11 } },
		{ SP_AGG_MEDIAN, 0.5, { 3, 7, 9, N, 11 } },
		/* {1,3,5} at 0.25: position 0.5 between 1 and 3 */
		{ SP_AGG_QUANTILE, 0.25, { 2, 7, 9, N, 11 } },
	};
	/* missing values are skipped: {NaN, 4} and {NaN} */
	static const double tm[] = { 0, 30, 60 }, vm[] = { N, 4, N };
	sp_window_opts o;
	sp_error err;
	sink s;
	double got[MAXR];
	size_t i;

	sp_window_opts_init(&o);
	o.step = 60;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		o.agg = c[i].agg;
		o.quantile = c[i].q;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, t, v, 6, &s, &err) == 0, "%s: %s", sp_agg_names[c[i].agg], err.msg);
		CHECK(s.n == 5, "%s: 5 bins, got %zu", sp_agg_names[c[i].agg], s.n);
		CHECK_ARRAY_CLOSE(s.t, tt, 5, 0, "bin times");
		sink_col(&s, 0, got);
		CHECK_ARRAY_CLOSE(got, c[i].want, 5, 1e-15, sp_agg_names[c[i].agg]);
	}
	o.agg = SP_AGG_MEAN;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, tm, vm, 3, &s, &err) == 0 && s.n == 2 && s.v[0][0] == 4 &&
	    isnan(s.v[1][0]), "mean skips missing values");
	o.agg = SP_AGG_COUNT;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, tm, vm, 3, &s, &err) == 0 && s.n == 2 && s.v[0][0] == 1 &&
	    s.v[1][0] == 0, "count counts values present");
	/* bins are aligned to the epoch, also before it and for a fractional step */
	{
		static const double tb[] = { -1, 0.5, 2.4, 2.6 }, vb[] = { 1, 2, 3, 4 };
		static const double wt[] = { -2.5, 0, 2.5 }, wv[] = { 1, 2.5, 4 };
		o.agg = SP_AGG_MEAN;
		o.step = 2.5;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, tb, vb, 4, &s, &err) == 0 && s.n == 3, "step 2.5");
		sink_col(&s, 0, got);
		CHECK_ARRAY_CLOSE(s.t, wt, 3, 0, "step 2.5: times");
		CHECK_ARRAY_CLOSE(got, wv, 3, 0, "step 2.5: means");
		o.step = 60;
	}
	/* empty input, a single row, time going backwards */
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, t, v, 0, &s, &err) == 0 && s.n == 0, "resample: empty input");
	CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, t + 4, v + 4, 1, &s, &err) == 0 && s.n == 1 &&
	    s.t[0] == 120 && s.v[0][0] == 9, "resample: a single row");
	{
		static const double tr[] = { 130, 20 }, vr[] = { 1, 2 };
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, tr, vr, 2, &s, &err) == SP_EDATA, "resample: backwards");
	}
	/* a gap over max_gap_rows is refused before any of it is written;
	 * times beyond the int64 bins too (no float-to-integer overflow) */
	{
		static const double tg[] = { 0, 600 }, tf[] = { 0, 1e15 }, th[] = { 1e300 }, vg[] = { 1, 2 };
		o.max_gap_rows = 9;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, tg, vg, 2, &s, &err) == SP_EDATA && s.n == 0 &&
		    strcmp(err.msg, "a gap of 10 steps of 60 s after 0 is over the limit of 9 rows "
		    "(see --max-gap-rows)") == 0, "gap of 10 over 9: %s", err.msg);
		o.max_gap_rows = 10;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, tg, vg, 2, &s, &err) == 0 && s.n == 11, "gap of 10 within 10");
		sp_window_opts_init(&o);
		o.step = 60;
		CHECK(o.max_gap_rows == 1e6, "default limit 1e6 rows");
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, tf, vg, 2, &s, &err) == SP_EDATA && s.n == 0,
		    "0 then 1e15: refused");
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_RESAMPLE, &o, th, vg, 1, &s, &err) == SP_EDATA &&
		    strstr(err.msg, "out of range"), "1e300: %s", err.msg);
	}
}

/* ---- fill ------------------------------------------------------------------------ */

static void
test_fill(void)
{
	static const double t[] = { 0, 60, 120, 180, 240, 600 };
	static const double v[] = { 1, 10, N, 20, N, N, 4, 40, 5, N, 6, 60 };   /* load, cpu */
	static const struct {
		sp_window_fill m;
		double gap;
		double load[6], cpu[6];
	} c[] = {
		{ SP_WINDOW_FILL_LINEAR, INFINITY, { 1, 2, 3, 4, 5, 6 }, { 10, 20, 30, 40, 40 + 20.0 * 60 / 420, 60 } },
		{ SP_WINDOW_FILL_LINEAR, 200, { 1, 2, 3, 4, 5, 6 }, { 10, 20, 30, 40, N, 60 } },
		{ SP_WINDOW_FILL_LINEAR, 100, { 1, N, N, 4, 5, 6 }, { 10, 20, N, 40, N, 60 } },
		{ SP_WINDOW_FILL_LINEAR, 0, { 1, N, N, 4, 5, 6 }, { 10, 20, N, 40, N, 60 } },
		{ SP_WINDOW_FILL_PREVIOUS, INFINITY, { 1, 1, 1, 4, 5, 6 }, { 10, 20, 20, 40, 40, 60 } },
		{ SP_WINDOW_FILL_PREVIOUS, 60, { 1, 1, N, 4, 5, 6 }, { 10, 20, 20, 40, 40, 60 } },
		{ SP_WINDOW_FILL_ZERO, INFINITY, { 1, 0, 0, 4, 5, 6 }, { 10, 20, 0, 40, 0, 60 } },
		{ SP_WINDOW_FILL_ZERO, 60, { 1, 0, N, 4, 5, 6 }, { 10, 20, 0, 40, 0, 60 } },
	};
	sp_window_opts o;
	sp_error err;
	sink s;
	double got[MAXR];
	char label[64];
	size_t i;

	sp_window_opts_init(&o);
	o.ncols = 2;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		o.fill = c[i].m;
		o.max_gap = c[i].gap;
		snprintf(label, sizeof label, "fill %s, max gap %g", sp_window_fill_names[c[i].m], c[i].gap);
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_FILL, &o, t, v, 6, &s, &err) == 0 && s.n == 6, "%s: %s", label, err.msg);
		CHECK_ARRAY_CLOSE(s.t, t, 6, 0, label);
		sink_col(&s, 0, got);
		CHECK_ARRAY_CLOSE(got, c[i].load, 6, 1e-15, label);
		sink_col(&s, 1, got);
		CHECK_ARRAY_CLOSE(got, c[i].cpu, 6, 1e-15, label);
	}
	/* before the first value only zero fills; after the last, linear does not */
	{
		static const double te[] = { 0, 1, 2, 3 }, ve[] = { N, 5, 7, N };
		static const double wl[] = { N, 5, 7, N }, wp[] = { N, 5, 7, 7 }, wz[] = { 0, 5, 7, 0 };
		static const double *const w[] = { NULL, wp, wl, wz };
		int m;
		o.ncols = 1;
		o.max_gap = INFINITY;
		for (m = SP_WINDOW_FILL_PREVIOUS; m <= SP_WINDOW_FILL_ZERO; m++) {
			o.fill = (sp_window_fill)m;
			memset(&s, 0, sizeof s);
			CHECK(run_stage(SP_WINDOW_FILL, &o, te, ve, 4, &s, &err) == 0 && s.n == 4, "edges %d", m);
			sink_col(&s, 0, got);
			CHECK_ARRAY_CLOSE(got, w[m], 4, 0, sp_window_fill_names[m]);
		}
	}
	/* a column with no value at all stays missing (zero: 0) */
	{
		static const double ta[] = { 0, 1, 2 }, va[] = { N, N, N };
		o.fill = SP_WINDOW_FILL_LINEAR;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_FILL, &o, ta, va, 3, &s, &err) == 0 && s.n == 3 && isnan(s.v[2][0]),
		    "linear: all missing");
	}
	/* a run of 100 missing values between 1 at t=0 and 102 at t=1010:
	 * linear holds the run until it ends ... */
	{
		sp_window_stage *st;
		double x;
		int k, ok = 1;
		o.fill = SP_WINDOW_FILL_LINEAR;
		o.max_gap = INFINITY;
		memset(&s, 0, sizeof s);
		st = sp_window_stage_new(SP_WINDOW_FILL, &o, NULL, collect, &s, &err);
		x = 1;
		push(st, 0, &x, 1, NULL, &err);
		for (k = 1; k <= 100; k++)
			push(st, 10.0 * k, &missing, 1, NULL, &err);
		CHECK(s.n == 1, "linear: the run is held until its end (%zu out)", s.n);
		x = 102;
		push(st, 1010, &x, 1, NULL, &err);
		CHECK(s.n == 102, "linear: the run leaves when it ends");
		for (k = 0; k < 102; k++)
			if (!check_close_(s.v[k][0], 1 + s.t[k] / 10, 1e-14))
				ok = 0;
		CHECK(ok, "linear: the run interpolated by time");
		sp_window_stage_free(st);
		/* ... but with max_gap 50, only until it is longer than that */
		o.max_gap = 50;
		memset(&s, 0, sizeof s);
		st = sp_window_stage_new(SP_WINDOW_FILL, &o, NULL, collect, &s, &err);
		x = 1;
		push(st, 0, &x, 1, NULL, &err);
		for (k = 1; k <= 5; k++)
			push(st, 10.0 * k, &missing, 1, NULL, &err);
		CHECK(s.n == 1, "max gap: held while the gap may still be filled");
		push(st, 60, &missing, 1, NULL, &err);
		CHECK(s.n == 7, "max gap: released once the gap is too long (%zu out)", s.n);
		for (k = 7; k <= 100; k++)
			push(st, 10.0 * k, &missing, 1, NULL, &err);
		CHECK(s.n == 101, "max gap: the rest of the run streams");
		x = 102;
		push(st, 1010, &x, 1, NULL, &err);
		CHECK(sp_window_stage_finish(st, &err) == 0 && s.n == 102 && isnan(s.v[50][0]) && s.v[101][0] == 102,
		    "max gap: nothing filled");
		sp_window_stage_free(st);
	}
	/* two columns: a run in one while the other has values; rows leave in order */
	{
		double tv[12], vv[24], wa[12], wb[12];
		int k;
		for (k = 0; k < 12; k++) {
			tv[k] = k;
			vv[2 * k] = k == 0 ? 0 : k == 10 ? 10 : N;   /* a: 0, NaN x 9, 10, NaN */
			vv[2 * k + 1] = 100 + k;
			wa[k] = k <= 10 ? k : N;
			wb[k] = 100 + k;
		}
		o.ncols = 2;
		o.max_gap = INFINITY;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_FILL, &o, tv, vv, 12, &s, &err) == 0 && s.n == 12, "two columns");
		CHECK_ARRAY_CLOSE(s.t, tv, 12, 0, "two columns: in order");
		sink_col(&s, 0, got);
		CHECK_ARRAY_CLOSE(got, wa, 12, 1e-15, "two columns: a interpolated");
		sink_col(&s, 1, got);
		CHECK_ARRAY_CLOSE(got, wb, 12, 0, "two columns: b unchanged");
		o.ncols = 1;
	}
	/* empty input, a single row */
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_FILL, &o, t, v, 0, &s, &err) == 0 && s.n == 0, "fill: empty input");
	CHECK(run_stage(SP_WINDOW_FILL, &o, t, &missing, 1, &s, &err) == 0 && s.n == 1 && isnan(s.v[0][0]),
	    "fill: a single missing row");
}

/* ---- norm, select ------------------------------------------------------------------ */

static const double nt[] = { 0, 60, 120, 180, 240, 300, 360, 420 };
static const double nv[] = { 1, 2, 3, 4, 100, 5, 6, 7 };

static void
test_norm(void)
{
	/* {1,2,3,4}: mean 2.5, population sd sqrt(1.25) */
	const double sd = sqrt(1.25);
	sp_window_opts o;
	sp_error err;
	sink s;
	double got[MAXR], want[MAXR];
	const char *names[] = { "load" };
	char dir[] = "/tmp/sp-window.XXXXXX", path[256], path2[256];
	const sp_scaler *sc;
	sp_window_stage *st;
	size_t i;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/p.scaler", dir);
	snprintf(path2, sizeof path2, "%s/p2.scaler", dir);
	sp_window_opts_init(&o);
	o.names = names;

	/* zscore on the first four (train_rows), saved */
	o.normalize = SP_SCALE_ZSCORE;
	o.train_rows = 4;
	o.save_path = path;
	o.save_cmdline = "test_window";
	memset(&s, 0, sizeof s);
	st = sp_window_stage_new(SP_WINDOW_NORM, &o, NULL, collect, &s, &err);
	CHECK(st != NULL, "norm: %s", err.msg);
	for (i = 0; i < 4; i++)
		push(st, nt[i], nv + i, 1, NULL, &err);
	CHECK(s.n == 0 && access(path, F_OK) != 0, "zscore: the span is held, nothing saved yet");
	push(st, nt[4], nv + 4, 1, NULL, &err);
	CHECK(s.n == 5 && access(path, F_OK) == 0, "zscore: fitted and saved when the span ends");
	for (i = 5; i < 8; i++)
		push(st, nt[i], nv + i, 1, NULL, &err);
	CHECK(s.n == 8, "zscore: after the span rows stream");
	CHECK(sp_window_stage_finish(st, &err) == 0, "finish: %s", err.msg);
	sc = sp_window_stage_scaler(st);
	CHECK(sc && sc->center[0] == 2.5 && fabs(sc->scale[0] - sd) < 1e-15, "zscore: center and scale");
	for (i = 0; i < 8; i++) {
		want[i] = (nv[i] - 2.5) / sd;
		CHECK(s.train[i] == (i < 4), "train flag of row %zu", i);
	}
	sink_col(&s, 0, got);
	CHECK_ARRAY_CLOSE(got, want, 8, 1e-14, "zscore on the span");
	CHECK_CLOSE(got[4], 87.20665112, 1e-9, "zscore: 100");
	sp_window_stage_free(st);

	/* the saved parameters, loaded, give the same; inverse maps back;
	 * a one-column scaler applies to a column of another name */
	sp_window_opts_init(&o);
	o.names = (const char *[]){ "forecast" };
	o.load_path = path;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_NORM, &o, nt, nv, 8, &s, &err) == 0 && s.n == 8, "load: %s", err.msg);
	sink_col(&s, 0, got);
	CHECK_ARRAY_CLOSE(got, want, 8, 1e-14, "loaded parameters");
	o.inverse = 1;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_NORM, &o, nt, want, 8, &s, &err) == 0 && s.n == 8, "inverse: %s", err.msg);
	sink_col(&s, 0, got);
	CHECK_ARRAY_CLOSE(got, nv, 8, 1e-14, "inverse maps back");

	/* robust on all rows, BAScaler's recipe: sorted {1..7, 100}, Q1 = 3,
	 * Q3 = 7, fences (-3, 13): 100 left out, mean 4, sd 2;
	 * to 500,175 and clip 0,4000 */
	sp_window_opts_init(&o);
	o.names = names;
	o.normalize = SP_SCALE_ROBUST;
	o.to_a = 500;
	o.to_b = 175;
	o.clip = 1;
	o.clip_lo = 0;
	o.clip_hi = 4000;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_NORM, &o, nt, nv, 8, &s, &err) == 0 && s.n == 8, "robust: %s", err.msg);
	{
		static const double w[] = { 237.5, 325, 412.5, 500, 4000, 587.5, 675, 762.5 };
		sink_col(&s, 0, got);
		CHECK_ARRAY_CLOSE(got, w, 8, 1e-14, "robust, to, clip");
	}
	/* minmax to [-1, 1]: [1, 100] -> [-1, 1] */
	o.normalize = SP_SCALE_MINMAX;
	o.to_a = -1;
	o.to_b = 1;
	o.clip = 0;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_NORM, &o, nt, nv, 8, &s, &err) == 0 && s.n == 8, "minmax: %s", err.msg);
	CHECK(s.v[0][0] == -1 && s.v[4][0] == 1, "minmax: the ends");
	CHECK_CLOSE(s.v[1][0], -1 + 2.0 / 99, 1e-15, "minmax: 2");

	/* missing values stay missing and are not fitted on: {1, NaN, 3} */
	{
		static const double tm[] = { 0, 1, 2 }, vm[] = { 1, N, 3 }, w[] = { -1, N, 1 };
		o.normalize = SP_SCALE_ZSCORE;
		o.to_a = o.to_b = NAN;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_NORM, &o, tm, vm, 3, &s, &err) == 0 && s.n == 3, "zscore NaN");
		sink_col(&s, 0, got);
		CHECK_ARRAY_CLOSE(got, w, 3, 1e-15, "zscore skips missing values");
	}

	/* the span: until a time; a fraction (held to the end) */
	sp_window_opts_init(&o);
	o.train_until = 120;
	memset(&s, 0, sizeof s);
	st = sp_window_stage_new(SP_WINDOW_NORM, &o, NULL, collect, &s, &err);
	push(st, nt[0], nv, 1, NULL, &err);
	CHECK(s.n == 1, "until: rows stream when nothing is fitted");
	for (i = 1; i < 8; i++)
		push(st, nt[i], nv + i, 1, NULL, &err);
	sp_window_stage_finish(st, &err);
	CHECK(s.n == 8 && s.train[2] && !s.train[3] && s.v[7][0] == 7, "until: rows up to 120 are the span");
	sp_window_stage_free(st);
	sp_window_opts_init(&o);
	o.train_frac = 0.3;   /* floor(0.3 * 8) = 2 */
	memset(&s, 0, sizeof s);
	st = sp_window_stage_new(SP_WINDOW_NORM, &o, NULL, collect, &s, &err);
	for (i = 0; i < 8; i++)
		push(st, nt[i], nv + i, 1, NULL, &err);
	CHECK(s.n == 0, "fraction: held to the end");
	sp_window_stage_finish(st, &err);
	CHECK(s.n == 8 && s.train[1] && !s.train[2], "fraction: the first floor(F n) rows");
	sp_window_stage_free(st);

	/* select keeps train or test rows */
	{
		sp_window_stage *sel;
		static const char *const part[] = { "train", "test" };
		int p;
		for (p = 0; p < 2; p++) {
			sp_window_opts_init(&o);
			o.train_rows = 3;
			o.split = (sp_window_split)(SP_WINDOW_SPLIT_TRAIN + p);
			memset(&s, 0, sizeof s);
			sel = sp_window_stage_new(SP_WINDOW_SELECT, &o, NULL, collect, &s, &err);
			st = sp_window_stage_new(SP_WINDOW_NORM, &o, sel, NULL, NULL, &err);
			for (i = 0; i < 8; i++)
				push(st, nt[i], nv + i, 1, NULL, &err);
			sp_window_stage_finish(st, &err);
			CHECK(p == 0 ? s.n == 3 && s.t[2] == 120 : s.n == 5 && s.t[0] == 180 && s.v[2][0] == 5,
			    "split %s", part[p]);
			sp_window_stage_free(st);
			sp_window_stage_free(sel);
		}
	}

	/* errors: an empty span, a constant column, a scaler without the column */
	sp_window_opts_init(&o);
	o.names = names;
	o.normalize = SP_SCALE_ZSCORE;
	o.train_frac = 0.1;   /* floor(0.5) = 0 */
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_NORM, &o, nt, nv, 5, &s, &err) == SP_EDATA, "empty span");
	CHECK_STR(err.msg, "the training span is empty (5 rows in all)", "empty span message");
	o.train_frac = NAN;
	CHECK(run_stage(SP_WINDOW_NORM, &o, nt, nv, 0, &s, &err) == SP_EDATA, "empty input, fit");
	CHECK_STR(err.msg, "the training span is empty (0 rows in all)", "empty input message");
	CHECK(run_stage(SP_WINDOW_NORM, &o, nt, nv, 1, &s, &err) < 0 && strstr(err.msg, "constant"),
	    "a single row cannot be normalised: %s", err.msg);
	o.ncols = 2;
	o.names = (const char *[]){ "load", "cpu" };
	o.save_path = path2;
	{
		static const double v2[] = { 1, 10, 2, 20 };
		CHECK(run_stage(SP_WINDOW_NORM, &o, nt, v2, 2, &s, &err) == 0, "two columns saved: %s", err.msg);
	}
	sp_window_opts_init(&o);
	o.names = (const char *[]){ "x" };
	o.load_path = path2;
	CHECK(sp_window_stage_new(SP_WINDOW_NORM, &o, NULL, NULL, NULL, &err) == NULL && err.code == SP_EDATA,
	    "load: no parameters for the column");
	{
		char m[400];
		snprintf(m, sizeof m, "%s: has no parameters for column 'x'", path2);
		CHECK_STR(err.msg, m, "load message");
	}
	unlink(path);
	unlink(path2);
	rmdir(dir);
}

/* ---- lags ---------------------------------------------------------------------------- */

static void
test_lags(void)
{
	sp_window_opts o;
	sp_error err;
	sink s;
	sp_window_stage *lg, *st;
	size_t i;

	/* lags 3, horizon 2 over 1 2 3 4 100 5 6 7: origins at 120..300 */
	sp_window_opts_init(&o);
	o.lags = 3;
	o.horizon = 2;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_LAGS, &o, nt, nv, 8, &s, &err) == 0 && s.n == 4 && s.nv == 5, "lags 3 h 2");
	{
		static const double w0[] = { 1, 2, 3, 4, 100 }, w3[] = { 4, 100, 5, 6, 7 };
		static const double wt[] = { 120, 180, 240, 300 };
		CHECK_ARRAY_CLOSE(s.t, wt, 4, 0, "origins");
		CHECK_ARRAY_CLOSE(s.v[0], w0, 5, 0, "first window");
		CHECK_ARRAY_CLOSE(s.v[3], w3, 5, 0, "last window");
	}
	/* a window with a missing value is skipped */
	{
		static const double tm[] = { 0, 1, 2, 3, 4 }, vm[] = { 1, 2, N, 4, 5 };
		o.lags = 2;
		o.horizon = 0;
		memset(&s, 0, sizeof s);
		CHECK(run_stage(SP_WINDOW_LAGS, &o, tm, vm, 5, &s, &err) == 0 && s.n == 2 && s.t[0] == 1 &&
		    s.t[1] == 4 && s.v[1][0] == 4 && s.v[1][1] == 5, "windows skip missing values");
	}
	/* no window straddles the split: lags 2, h 1, span the first 4 rows */
	for (i = 0; i < 2; i++) {
		static const double wt[2][2] = { { 60, 120 }, { 300, 360 } };
		sp_window_opts_init(&o);
		o.lags = 2;
		o.horizon = 1;
		o.train_rows = 4;
		o.split = i == 0 ? SP_WINDOW_SPLIT_TRAIN : SP_WINDOW_SPLIT_TEST;
		memset(&s, 0, sizeof s);
		lg = sp_window_stage_new(SP_WINDOW_LAGS, &o, NULL, collect, &s, &err);
		st = sp_window_stage_new(SP_WINDOW_NORM, &o, lg, NULL, NULL, &err);
		for (size_t k = 0; k < 8; k++)
			push(st, nt[k], nv + k, 1, NULL, &err);
		sp_window_stage_finish(st, &err);
		CHECK(s.n == 2, "split %zu: 2 windows, got %zu", i, s.n);
		CHECK_ARRAY_CLOSE(s.t, wt[i], 2, 0, i == 0 ? "train windows" : "test windows");
		sp_window_stage_free(st);
		sp_window_stage_free(lg);
	}
	/* fewer rows than a window: nothing; empty input: nothing */
	sp_window_opts_init(&o);
	o.lags = 3;
	memset(&s, 0, sizeof s);
	CHECK(run_stage(SP_WINDOW_LAGS, &o, nt, nv, 2, &s, &err) == 0 && s.n == 0, "lags: too few rows");
	CHECK(run_stage(SP_WINDOW_LAGS, &o, nt, nv, 0, &s, &err) == 0 && s.n == 0, "lags: empty input");
	o.lags = 1;
	CHECK(run_stage(SP_WINDOW_LAGS, &o, nt, nv, 1, &s, &err) == 0 && s.n == 1 && s.v[0][0] == 1,
	    "lags 1: a single row is a window");
}

/* ---- the whole chain -------------------------------------------------------------------- */

static void
test_chain(void)
{
	sp_window_opts o;
	sp_error err;
	sink s;
	sp_window *w;
	double x;

	/* time going backwards; sorting instead (stable: ties keep input order) */
	{
		static const double t[] = { 120, 0, 60, 0 }, v[] = { 1, 2, 3, 4 };
		sp_window_opts_init(&o);
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 4, &s, &err) == SP_EDATA, "backwards is an error");
		CHECK_STR(err.msg, "row 2, column timestamp: timestamp 0 is before the previous row's 120 (see --sort)",
		    "backwards message");
		o.sort = 1;
		o.dupes = SP_WINDOW_DUPES_LAST;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 4, &s, &err) == 0 && s.n == 3, "sort: %s", err.msg);
		CHECK(s.t[0] == 0 && s.v[0][0] == 4 && s.t[1] == 60 && s.t[2] == 120, "sort, last of the ties");
		o.dupes = SP_WINDOW_DUPES_FIRST;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 4, &s, &err) == 0 && s.n == 3 && s.v[0][0] == 2, "sort, first of the ties");
		o.dupes = SP_WINDOW_DUPES_ERROR;
		CHECK(run_chain(&o, t, v, 4, &s, &err) == SP_EDATA, "sort, then a duplicate");
		CHECK_STR(err.msg, "row 2, column timestamp: duplicate timestamp 0 (see --dupes)",
		    "rows are counted in sorted order");
	}
	/* sorting many rows with many ties: stable (first = the earliest input
	 * row of each time, last = the latest) */
	{
		static double t[1000], v[1000];
		int i, okf = 1, okl = 1;
		for (i = 0; i < 1000; i++) {
			t[i] = (double)((i * 7919) % 100);
			v[i] = i;
		}
		sp_window_opts_init(&o);
		o.sort = 1;
		o.dupes = SP_WINDOW_DUPES_FIRST;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 1000, &s, &err) == 0 && s.n == 100, "sort 1000: %s", err.msg);
		for (i = 0; i < 100; i++)   /* i*7919 = t (mod 100): the first i is 79 t mod 100 */
			okf &= s.t[i] == i && s.v[i][0] == (double)((i * 79) % 100);
		o.dupes = SP_WINDOW_DUPES_LAST;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 1000, &s, &err) == 0 && s.n == 100, "sort 1000, last");
		for (i = 0; i < 100; i++)
			okl &= s.t[i] == i && s.v[i][0] == (double)(900 + (i * 79) % 100);
		CHECK(okf && okl, "sort 1000: stable (first %d, last %d)", okf, okl);
	}
	/* resampling sorted rows takes the direct path: same checks */
	{
		static const double t[] = { 0, 60, 60 }, tb[] = { 60, 0 }, v[] = { 1, 2, 3 };
		sp_window_opts_init(&o);
		o.step = 60;
		CHECK(run_chain(&o, t, v, 3, &s, &err) == SP_EDATA, "direct: a duplicate");
		CHECK_STR(err.msg, "row 3, column timestamp: duplicate timestamp 60 (see --dupes)", "direct: message");
		CHECK(run_chain(&o, tb, v, 2, &s, &err) == SP_EDATA, "direct: backwards");
		CHECK_STR(err.msg, "row 2, column timestamp: timestamp 0 is before the previous row's 60 (see --sort)",
		    "direct: message");
	}
	/* duplicates merged before resampling: {NaN, 2, 4} -> 3, then mean(3, 10) */
	{
		static const double t[] = { 0, 0, 0, 30, 90 }, v[] = { N, 2, 4, 10, 1 };
		sp_window_opts_init(&o);
		o.step = 60;
		o.dupes = SP_WINDOW_DUPES_MEAN;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 5, &s, &err) == 0 && s.n == 2 && s.v[0][0] == 6.5 && s.v[1][0] == 1,
		    "dupes mean then resample: got %g", s.v[0][0]);
	}
	/* every stage at once: resample, fill, normalise on a span, windows */
	{
		static const double t[] = { 0, 30, 150, 200, 250, 300 }, v[] = { 1, 3, 6, 4, 8, 10 };
		/* bins 0: 2, 60: -, 120: 6, 180: 4, 240: 8, 300: 10; linear: 60 -> 4
		 * span 3 rows {2, 4, 6}: mean 4, sd sqrt(8/3) */
		double sd = sqrt(8.0 / 3), w0[3], w3[3];
		sp_window_opts_init(&o);
		o.names = (const char *[]){ "load" };
		o.step = 60;
		o.fill = SP_WINDOW_FILL_LINEAR;
		o.normalize = SP_SCALE_ZSCORE;
		o.train_rows = 3;
		o.split = SP_WINDOW_SPLIT_TEST;
		o.lags = 2;
		o.horizon = 1;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 6, &s, &err) == 0, "all stages: %s", err.msg);
		/* test windows start after the span: origins 240 (4, 8 | 10) only */
		w0[0] = (4 - 4) / sd, w0[1] = (8 - 4) / sd, w0[2] = (10 - 4) / sd;
		CHECK(s.n == 1 && s.t[0] == 240, "all stages: one test window, got %zu", s.n);
		CHECK_ARRAY_CLOSE(s.v[0], w0, 3, 1e-14, "all stages: the window");
		o.split = SP_WINDOW_SPLIT_TRAIN;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, t, v, 6, &s, &err) == 0 && s.n == 1 && s.t[0] == 60, "all stages: train window");
		w3[0] = (2 - 4) / sd, w3[1] = 0, w3[2] = (6 - 4) / sd;
		CHECK_ARRAY_CLOSE(s.v[0], w3, 3, 1e-14, "all stages: the train window");
	}
	/* pass-through fields survive dedupe, fill and normalisation */
	{
		sp_window_opts_init(&o);
		o.fill = SP_WINDOW_FILL_LINEAR;
		o.dupes = SP_WINDOW_DUPES_FIRST;
		memset(&s, 0, sizeof s);
		w = sp_window_new(&o, collect, &s, &err);
		x = 1;
		sp_window_push(w, 0, &x, "a\0b", 4, &err);
		sp_window_push(w, 0, &x, "dup", 4, &err);
		sp_window_push(w, 5, &missing, "c", 2, &err);
		x = 3;
		sp_window_push(w, 10, &x, NULL, 0, &err);
		CHECK(sp_window_finish(w, &err) == 0 && s.n == 3, "raw: rows");
		CHECK(memcmp(s.raw[0], "a", 2) == 0 && strcmp(s.raw[1], "c") == 0 && s.raw[2][0] == '\0' &&
		    s.v[1][0] == 2, "raw: kept with their rows");
		sp_window_free(w);
	}
	/* empty input; a single row through every stage */
	{
		sp_window_opts_init(&o);
		o.step = 60;
		o.fill = SP_WINDOW_FILL_LINEAR;
		o.lags = 1;
		o.train_rows = 1;
		memset(&s, 0, sizeof s);
		CHECK(run_chain(&o, nt, nv, 0, &s, &err) == 0 && s.n == 0, "chain: empty input");
		CHECK(run_chain(&o, nt + 1, nv + 1, 1, &s, &err) == 0 && s.n == 1 && s.t[0] == 60 && s.v[0][0] == 2,
		    "chain: a single row");
	}
	/* the emit callback's error stops the push and is returned */
	{
		sp_window_opts_init(&o);
		memset(&s, 0, sizeof s);
		s.fail_at = 2;
		CHECK(run_chain(&o, nt, nv, 8, &s, &err) == SP_EIO && s.n == 1, "emit error");
		CHECK_STR(err.msg, "sink full", "emit error message");
	}
	/* options that cannot work */
	sp_window_opts_init(&o);
	o.ncols = 2;
	o.lags = 2;
	CHECK(sp_window_new(&o, collect, &s, &err) == NULL && err.code == SP_EUSAGE, "lags need one column");
	sp_window_opts_init(&o);
	o.split = SP_WINDOW_SPLIT_TEST;
	CHECK(sp_window_new(&o, collect, &s, &err) == NULL && err.code == SP_EUSAGE, "split needs a span");
	sp_window_opts_init(&o);
	o.normalize = SP_SCALE_ZSCORE;
	CHECK(sp_window_new(&o, collect, &s, &err) == NULL && err.code == SP_EUSAGE, "a fit needs names");
}

/* ---- state between runs ---- */

/* Emitted rows as text, %.17g. */
typedef struct {
	char *buf;
	size_t len, cap;
} text;

static int
collect_text(void *ctx, const sp_window_row *r, sp_error *err)
{
	text *x = ctx;
	char line[1024];
	size_t j, n;
	int k = snprintf(line, sizeof line, "%.17g", r->t);

	(void)err;
	for (j = 0; j < r->nv; j++)
		k += snprintf(line + k, sizeof line - (size_t)k, ",%.17g", r->v[j]);
	for (j = 0; j < r->rawlen; j++)
		k += snprintf(line + k, sizeof line - (size_t)k, "%c", r->raw[j] ? r->raw[j] : '|');
	line[k++] = '\n';
	n = (size_t)k;
	if (x->len + n + 1 > x->cap) {
		x->cap = 2 * (x->len + n) + 256;
		x->buf = realloc(x->buf, x->cap);
	}
	memcpy(x->buf + x->len, line, n);
	x->len += n;
	x->buf[x->len] = 0;
	return 0;
}

static char sdir[] = "/tmp/test_window.XXXXXX";
static char spath[300];

/* Rows of a test series: times t, ncols values (NaN = missing), raw. */
typedef struct {
	size_t n, ncols;
	double t[400], v[400][2];
} series;

/* The series through an engine of o: uninterrupted (k = 0), or paused,
 * saved and read into a new engine every k rows (the last one finished).
 * The emitted text; NULL on an error (err). */
static char *
run_sliced(const sp_window_opts *o, const series *x, size_t k, const char *raw, sp_error *err)
{
	text out = { 0 };
	sp_window *w = sp_window_new(o, collect_text, &out, err);
	size_t i;
	int rc = 0;

	if (!w)
		return NULL;
	for (i = 0; i < x->n && rc == 0; i++) {
		rc = sp_window_push(w, x->t[i], x->v[i], raw, raw ? strlen(raw) + 1 : 0, err);
		if (rc == 0 && k > 0 && (i + 1) % k == 0) {
			sp_state_writer *sw = sp_state_writer_new("window", 1, err);
			sp_state *s = NULL;
			sp_window_opts ro;
			char why[200];
			if ((rc = sp_window_pause(w, err)) < 0)
				break;
			sp_window_write_options(o, sw);
			if ((rc = sp_window_write_state(w, sw, err)) == 0)
				rc = sp_state_writer_save(sw, spath, err);
			sp_state_writer_free(sw);
			sp_window_free(w);
			w = NULL;
			if (rc == 0)
				rc = sp_state_load(spath, "window", 1, &s, err);
			if (rc == 0 && (rc = sp_window_read_options(&ro, s, err)) == 0)
				CHECK(!sp_window_options_differ(&ro, o, why, sizeof why), "options read back differ: %s", why);
			if (rc == 0 && !(w = sp_window_new(o, collect_text, &out, err)))
				rc = -1;
			if (rc == 0)
				rc = sp_window_read_state(w, s, err);
			if (rc == 0)
				rc = sp_state_end(s, err);
			sp_state_free(s);
		}
	}
	if (rc == 0)
		rc = sp_window_finish(w, err);
	sp_window_free(w);
	if (rc < 0) {
		free(out.buf);
		return NULL;
	}
	return out.buf ? out.buf : strdup("");
}

/* k = 1, 2, 3, 5, 8, 13 (under valgrind 1 and 7), and one run with the
 * state option that never pauses, give what a run without it gives. */
static void
check_sliced(const char *label, sp_window_opts *o, const series *x, const char *raw)
{
	static const size_t ks[] = { 0, 1, 2, 3, 5, 8, 13 }, vks[] = { 0, 1, 7 };
	const int vg = getenv("SP_VALGRIND") != NULL;
	sp_error err;
	char *want, *got;
	size_t k, ik, nk = vg ? 3 : sizeof ks / sizeof *ks;

	o->state = 0;
	want = run_sliced(o, x, 0, raw, &err);
	CHECK(want != NULL, "%s: uninterrupted: %s", label, err.msg);
	o->state = 1;
	for (ik = 0; want && ik < nk; ik++) {
		k = vg ? vks[ik] : ks[ik];
		got = run_sliced(o, x, k, raw, &err);
		CHECK(got && strcmp(got, want) == 0, "%s: saved every %zu rows: %s\n--- got\n%s--- want\n%s", label, k,
		    got ? "differs" : err.msg, got ? got : "", want);
		free(got);
	}
	free(want);
}

/* A series at step 60 from 6000 with gaps (2 to 7 missing rows at a few
 * places), missing values in runs, and a few rows off the minute. */
static void
make_series(series *x, size_t ncols, int offgrid)
{
	size_t i;
	double t = 6000;

	x->ncols = ncols;
	for (i = 0; i < 300; i++) {
		t += i % 37 == 5 ? 60 * (2 + (double)(i % 6)) : 60;
		if (offgrid && i % 5 == 1)
			t += 20;
		else if (offgrid && i % 5 == 2)
			t -= 20;
		x->t[i] = t;
		x->v[i][0] = 10 + 3 * sin(0.1 * (double)i) + 0.1 * (double)(i % 7);
		x->v[i][1] = i % 11 < 3 ? NAN : 100 - (double)i / 3;
		if (i % 29 >= 20 && i % 29 < 24)
			x->v[i][0] = NAN;
	}
	x->n = 300;
}

static void
test_state_slices(void)
{
	sp_window_opts o;
	series x;
	static const sp_agg aggs[] = { SP_AGG_MEAN, SP_AGG_SUM, SP_AGG_COUNT, SP_AGG_LAST, SP_AGG_QUANTILE };
	size_t a;
	char label[100];

	/* each aggregation, bins of 5 rows (and 2 to 7 rows skipped now and
	 * then), a linear fill with a max gap: the open bin's rows replayed */
	make_series(&x, 2, 1);
	for (a = 0; a < sizeof aggs / sizeof *aggs; a++) {
		sp_window_opts_init(&o);
		o.ncols = 2;
		o.step = 300;
		o.agg = aggs[a];
		o.quantile = 0.3;
		o.fill = SP_WINDOW_FILL_LINEAR;
		o.max_gap = 900;
		snprintf(label, sizeof label, "resample 300 %s, fill linear", sp_agg_names[aggs[a]]);
		check_sliced(label, &o, &x, NULL);
	}
	/* --input-step 60: a bin complete at a pause is written then (its
	 * empty successors by the next run); every fill method */
	make_series(&x, 2, 0);
	for (a = SP_WINDOW_FILL_NONE; a <= SP_WINDOW_FILL_ZERO; a++) {
		sp_window_opts_init(&o);
		o.ncols = 2;
		o.step = 60;
		o.input_step = 60;
		o.fill = (sp_window_fill)a;
		snprintf(label, sizeof label, "resample 60, input step 60, fill %s", sp_window_fill_names[a]);
		check_sliced(label, &o, &x, NULL);
		o.step = 180;
		snprintf(label, sizeof label, "resample 180, input step 60, fill %s", sp_window_fill_names[a]);
		check_sliced(label, &o, &x, NULL);
	}
	/* no resampling: the fill's held rows with their pass-through bytes */
	sp_window_opts_init(&o);
	o.ncols = 2;
	o.fill = SP_WINDOW_FILL_LINEAR;
	check_sliced("fill linear, pass-through bytes", &o, &x, "a b%\n");
	o.fill = SP_WINDOW_FILL_PREVIOUS;
	o.max_gap = 120;
	check_sliced("fill previous, max gap 120", &o, &x, NULL);
}

static void
put_file(const char *t)
{
	FILE *f = fopen(spath, "w");

	fputs(t, f);
	fclose(f);
}

/* A state text read into an engine of resample 60, input step 60, fill
 * linear, 1 column: the error names want and the file. */
static void
bad_state(const char *body, const char *want)
{
	sp_window_opts o;
	sp_window *w;
	sp_state *s = NULL;
	sp_error err;
	char buf[2048];
	int rc;

	sp_window_opts_init(&o);
	o.step = 60;
	o.input_step = 60;
	o.fill = SP_WINDOW_FILL_LINEAR;
	o.state = 1;
	snprintf(buf, sizeof buf, "scalepipe-state window 1\n%s", body);
	put_file(buf);
	err.msg[0] = 0;
	w = sp_window_new(&o, NULL, NULL, &err);
	rc = sp_state_load(spath, "window", 1, &s, &err);
	if (rc == 0)
		rc = sp_window_read_state(w, s, &err);
	if (rc == 0)
		rc = sp_state_end(s, &err);
	CHECK(rc == SP_EMODEL && strstr(err.msg, want) && strstr(err.msg, spath), "state '%s': got '%s', want '%s'",
	    body, err.msg, want);
	sp_state_free(s);
	sp_window_free(w);
}

static void
test_state_errors(void)
{
	sp_window_opts o;
	sp_window *w;
	sp_error err;
	sp_keyed *keys;
	double newest, v = 1;
	const char fill[] = "fill_time 120\nfill_value 5\nfill_flags 1\nfill_run 0\nheld 0\n";
	char buf[1024];

	snprintf(buf, sizeof buf, "last 120\nclosed 120\nopen 0\n%send\n", fill);
	put_file("");
	bad_state("last\n", ":2: last: 0 values, want 1");
	bad_state("last x\n", ":2: last: value 1 is not a number");
	bad_state("last nan\n", ":2: last: not a time");
	bad_state("last 120\nclosed 130\n", ":3: closed: not a bin's start");
	bad_state("last 120\nclosed 180\n", ":3: closed: not a bin's start at or before the last row");
	bad_state("last 120\nclosed nan\nopen 2\nrow 120 1\nrow 60 2\n", ":6: row: not a row of the open bin");
	bad_state("last 120\nclosed nan\nopen 1\nrow 180 1\n", ":5: row: not a row of the open bin");
	bad_state("last 120\nclosed 60\nopen 1\nrow 120 1\n", ":4: open: rows, and a bin written");
	bad_state("last 120\nclosed 60\nopen 0\nfill_time 1\nfill_value 1\nfill_flags 4\n", ":7: fill_flags: 4 outside 0..3");
	bad_state("last 120\nclosed 60\nopen 0\nfill_time 1\nfill_value 1\nfill_flags 1\nfill_run 2\nheld 1\n",
	    ":8: fill_run: 2 is past the 1 held rows");
	bad_state("last 120\nclosed 60\nopen 0\nfill_time 1\nfill_value 1\nfill_flags 1\nfill_run 0\nheld 1\n"
	    "pending 0\nrow 60 1\n", ":12: 'raw' missing (truncated)");
	bad_state("last 120\nclosed 60\nopen 0\nfill_time 1\nfill_value 1\nfill_flags 1\nfill_run 0\nheld 1\n"
	    "pending 0\nrow 60 1\nraw %zz\n", ":12: raw: bad %-escape");
	bad_state("last 120\nclosed 60\nopen 0\nfill_time 1\nfill_value 1\nfill_flags 1\nfill_run 0\nheld 0\nx 1\n",
	    ":10: 'x' where 'end' was expected");
	bad_state("last 120\nclosed 60\nopen 0\n", ":5: 'fill_time' missing (truncated)");

	/* the options: read back, and a difference named */
	sp_window_opts_init(&o);
	o.step = 60;
	o.fill = SP_WINDOW_FILL_LINEAR;
	{
		sp_window_opts m = o;
		m.input_step = 60;
		CHECK(sp_window_options_differ(&m, &o, buf, sizeof buf) && strcmp(buf, "--input-step 60, not 0") == 0,
		    "options differ: '%s'", buf);
		m = o;
		m.step = 300;
		CHECK(sp_window_options_differ(&m, &o, buf, sizeof buf) && strcmp(buf, "--resample 300, not 60") == 0,
		    "options differ: '%s'", buf);
	}
	/* what state goes with */
	o.state = 1;
	o.sort = 1;
	CHECK(!sp_window_new(&o, NULL, NULL, &err) && err.code == SP_EUSAGE && strstr(err.msg, "--state does not go"),
	    "state with sort: %s", err.msg);
	o.sort = 0;
	o.lags = 3;
	CHECK(!sp_window_new(&o, NULL, NULL, &err) && err.code == SP_EUSAGE, "state with lags");
	o.lags = 0;
	/* rows closer than the input step: an error in one run too */
	o.state = 0;
	o.input_step = 60;
	w = sp_window_new(&o, NULL, NULL, &err);
	CHECK(w && sp_window_push(w, 600, &v, NULL, 0, &err) == 0, "input step: first row");
	CHECK(sp_window_push(w, 630, &v, NULL, 0, &err) == SP_EDATA &&
	    strstr(err.msg, "row 2, column timestamp: timestamp 630 is less than the input step 60 after the "
	    "previous row's 600 (see --input-step)"), "input step: '%s'", err.msg);
	sp_window_free(w);

	/* the index of a keyed file, and of one series */
	snprintf(buf, sizeof buf, "scalepipe-state window 1\ncolumns 1\nresample 60 0.5 1000000\nagg mean\n"
	    "fill linear\nmax_gap inf\ninput_step 60\nkeys 2\nkey a%%2Cb\nlast 120\nclosed 120\nopen 0\n%s"
	    "key c\nlast 300\nclosed nan\nopen 1\nrow 300 4\n%send\n", fill, fill);
	put_file(buf);
	CHECK(sp_window_state_index(spath, &newest, &keys, &err) == 1 && newest == 300 && keys &&
	    sp_keyed_count(keys) == 2 && *(double *)sp_keyed_find(keys, "a,b", 3) == 120 &&
	    *(double *)sp_keyed_find(keys, "c", 1) == 300, "index of a keyed state: %s", err.msg);
	sp_keyed_free(keys);
	snprintf(buf, sizeof buf, "scalepipe-state window 1\ncolumns 1\nresample 0 0.5 1000000\nagg mean\n"
	    "fill none\nmax_gap inf\ninput_step 0\nlast -inf\nend\n");
	put_file(buf);
	CHECK(sp_window_state_index(spath, &newest, &keys, &err) == 1 && newest == -INFINITY && !keys,
	    "index of one series' state: %s", err.msg);
	put_file("scalepipe-state window 1\ncolumns 1\nresample 0 0.5 1000000\nagg avg\n");
	CHECK(sp_window_state_index(spath, &newest, &keys, &err) == SP_EMODEL && strstr(err.msg, ":4: agg: no aggregation 'avg'"),
	    "index: bad agg: %s", err.msg);
	unlink(spath);
	CHECK(sp_window_state_index(spath, &newest, &keys, &err) == 0 && isnan(newest) && !keys, "index: no file");
}

int
main(void)
{
	test_dedupe();
	test_resample();
	test_fill();
	test_norm();
	test_lags();
	test_chain();
	if (!mkdtemp(sdir))
		return 1;
	snprintf(spath, sizeof spath, "%s/w.state", sdir);
	test_state_slices();
	test_state_errors();
	unlink(spath);
	rmdir(sdir);
	return check_summary();
}
