/* sp_window: the stages of `window` as a push-style engine; see sp_window.h. */
#include "sp_window.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_keyed.h"
#include "sp_state.h"
#include "sp_time.h"

const char *const sp_window_fill_names[] = { "none", "previous", "linear", "zero", NULL };
const char *const sp_window_dupes_names[] = { "error", "first", "last", "mean", NULL };
const char *const sp_window_split_names[] = { "all", "train", "test", NULL };

void
sp_window_opts_init(sp_window_opts *o)
{
	memset(o, 0, sizeof *o);
	o->ncols = 1;
	o->dupes = SP_WINDOW_DUPES_ERROR;
	o->agg = SP_AGG_MEAN;
	o->quantile = 0.5;
	o->max_gap_rows = SP_RESAMPLER_MAX_GAP_BINS;
	o->fill = SP_WINDOW_FILL_NONE;
	o->max_gap = INFINITY;
	o->normalize = -1;
	o->to_a = o->to_b = NAN;
	o->train_rows = -1;
	o->train_until = NAN;
	o->train_frac = NAN;
	o->split = SP_WINDOW_SPLIT_ALL;
}

static int
oom(sp_error *err)
{
	return sp_error_set(err, SP_ENOMEM, "out of memory");
}

static inline sp_window_row *
row_make(double t, size_t nv, const double *v, const char *raw, size_t rawlen)
{
	sp_window_row *r = malloc(sizeof *r + nv * sizeof(double) + rawlen);
	size_t j;

	if (!r)
		return NULL;
	r->t = t;
	r->train = 1;
	r->nv = nv;
	r->raw = rawlen ? (char *)(r->v + nv) : NULL;
	r->rawlen = rawlen;
	r->pending = 0;
	if (!v)
		for (j = 0; j < nv; j++)
			r->v[j] = NAN;
	else if (nv > 2)
		memcpy(r->v, v, nv * sizeof *v);
	else if (nv > 0) {   /* one or two values, the usual case: no call */
		r->v[0] = v[0];
		r->v[nv - 1] = v[nv - 1];
	}
	if (rawlen)
		memcpy(r->raw, raw, rawlen);
	return r;
}

sp_window_row *
sp_window_row_new(double t, size_t nv, const double *v, const char *raw, size_t rawlen)
{
	return row_make(t, nv, v, raw, rawlen);
}

void
sp_window_row_free(sp_window_row *r)
{
	free(r);
}

/* ---- a FIFO of rows (capacity a power of two) ---------------------------- */

typedef struct {
	sp_window_row **a;
	size_t head, n, cap;
} queue;

static int
q_push(queue *q, sp_window_row *r)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 256, i;
		sp_window_row **na = malloc(nc * sizeof *na);
		if (!na)
			return -1;
		for (i = 0; i < q->n; i++)
			na[i] = q->a[(q->head + i) & (q->cap - 1)];
		free(q->a);
		q->a = na;
		q->head = 0;
		q->cap = nc;
	}
	q->a[(q->head + q->n) & (q->cap - 1)] = r;
	q->n++;
	return 0;
}

static sp_window_row *
q_at(const queue *q, size_t i)
{
	return q->a[(q->head + i) & (q->cap - 1)];
}

static sp_window_row *
q_pop(queue *q)
{
	sp_window_row *r = q->a[q->head];

	q->head = (q->head + 1) & (q->cap - 1);
	q->n--;
	return r;
}

static void
q_free(queue *q)
{
	while (q->n > 0)
		free(q_pop(q));
	free(q->a);
}

/* ---- the stages' state ----------------------------------------------------- */

typedef struct {
	int sort;
	int have_prev;
	double prev_t;
	long n;                   /* rows pushed */
	sp_window_row **held;     /* sort: every row, [nheld] (then sorted) */
	size_t nheld, cap, next;  /* next: the first not yet released */
} order_st;

typedef struct {
	sp_window_dupes policy;
	long n;                   /* rows received, for messages */
	sp_window_row *pending;   /* the last time's row, merged so far */
	int merged;               /* mean: a duplicate was merged into pending */
	size_t *cnt;              /* mean, once merged: [ncols] values present in pending */
} dedupe_st;

typedef struct {
	sp_resampler *rs;
	double *bin;              /* [ncols] */
} resample_st;

/* Rows are numbered in the order they reach the stage; qbase is the number
 * of the queue's head (every row before it has left).  For column j,
 * rows run_from[j] .. the last one lack a value in j since its last valid
 * value (at last_t[j]): with linear, each counts in its `pending` until the
 * run ends, unless dead[j] (the run is already longer than max_gap). */
typedef struct {
	sp_window_fill method;
	double max_gap;
	queue q;
	uint64_t qbase;
	double *last_t, *last_v;  /* [ncols] */
	unsigned char *have_last, *dead;
	uint64_t *run_from;
} fill_st;

typedef struct {
	int need_fit;             /* fit the scaler on the training span */
	int span_done;            /* span known and scaler ready: rows flow */
	int inverse;
	long train_rows;
	double train_until, train_frac;
	sp_scaler *scaler;        /* fitted or loaded, or NULL */
	int *scol;                /* [ncols] scaler column of each column */
	char *save_path, *cmdline;
	queue q;                  /* rows held until the span is known */
	long nseen;
} norm_st;

typedef struct {
	long lags, horizon;
	sp_window_split split;
	double *v, *t;            /* ring of lags + horizon */
	int *train;
	long n, head;
	sp_window_row *win;       /* the window lent to emit */
} lags_st;

struct sp_window_stage {
	sp_window_kind kind;
	int (*push)(sp_window_stage *s, sp_window_row *r, sp_error *err);   /* the kind's */
	size_t ncols;
	sp_window_stage *next;
	sp_window_emit emit;
	void *ctx;
	sp_window_split split;    /* select */
	union {
		order_st order;
		dedupe_st dedupe;
		resample_st resample;
		fill_st fill;
		norm_st norm;
		lags_st lags;
	} u;
};

/* The last stage: lend r to emit, then free it. */
static int
lend(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	int rc = s->emit ? s->emit(s->ctx, r, err) : 0;

	free(r);
	return rc;
}

/* Hand r on: to the next stage, or to emit. */
static inline int
pass(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	return s->next ? s->next->push(s->next, r, err) : lend(s, r, err);
}

static int
time_error(sp_error *err, long rowno, double t, double prev)
{
	char a[40], b[40];

	sp_time_format(a, sizeof a, t);
	sp_time_format(b, sizeof b, prev);
	return sp_error_set(err, SP_EDATA,
	    "row %ld, column timestamp: timestamp %s is before the previous row's %s (see --sort)",
	    rowno, a, b);
}

static int
dup_error(sp_error *err, long rowno, double t)
{
	char a[40];

	sp_time_format(a, sizeof a, t);
	return sp_error_set(err, SP_EDATA, "row %ld, column timestamp: duplicate timestamp %s (see --dupes)",
	    rowno, a);
}

/* ---- order ------------------------------------------------------------------ */

static int
order_push(sp_window_stage *s, order_st *o, sp_window_row *r, sp_error *err)
{
	o->n++;
	if (o->sort) {
		if (o->nheld == o->cap) {
			size_t nc = o->cap ? o->cap * 2 : 256;
			sp_window_row **nh = realloc(o->held, nc * sizeof *nh);
			if (!nh) {
				free(r);
				return oom(err);
			}
			o->held = nh;
			o->cap = nc;
		}
		o->held[o->nheld++] = r;
		return 0;
	}
	if (o->have_prev && r->t < o->prev_t) {
		int rc = time_error(err, o->n, r->t, o->prev_t);
		free(r);
		return rc;
	}
	o->have_prev = 1;
	o->prev_t = r->t;
	return pass(s, r, err);
}

/* Sort a[n] by time, ties in their order (bottom-up merge sort through
 * tmp[n]); returns the array that holds the result. */
static sp_window_row **
sort_rows(sp_window_row **a, sp_window_row **tmp, size_t n)
{
	size_t w, i;

	for (w = 1; w < n; w *= 2) {
		sp_window_row **sw;
		for (i = 0; i < n; i += 2 * w) {
			size_t mid = i + w < n ? i + w : n, hi = i + 2 * w < n ? i + 2 * w : n;
			size_t p = i, q = mid, k = i;
			while (p < mid && q < hi)
				tmp[k++] = a[q]->t < a[p]->t ? a[q++] : a[p++];
			while (p < mid)
				tmp[k++] = a[p++];
			while (q < hi)
				tmp[k++] = a[q++];
		}
		sw = a;
		a = tmp;
		tmp = sw;
	}
	return a;
}

static int
order_finish(sp_window_stage *s, order_st *o, sp_error *err)
{
	sp_window_row **tmp, **sorted;
	int rc;

	if (!o->sort || o->next > 0 || o->nheld == 0)
		return 0;
	if (!(tmp = malloc(o->nheld * sizeof *tmp)))
		return oom(err);
	sorted = sort_rows(o->held, tmp, o->nheld);
	if (sorted != o->held) {
		free(o->held);
		o->held = sorted;
	} else {
		free(tmp);
	}
	while (o->next < o->nheld) {
		sp_window_row *r = o->held[o->next];
		o->held[o->next++] = NULL;
		if ((rc = pass(s, r, err)) < 0)
			return rc;
	}
	return 0;
}

/* ---- dedupe ----------------------------------------------------------------- */

static int
dedupe_push(sp_window_stage *s, dedupe_st *d, sp_window_row *r, sp_error *err)
{
	sp_window_row *p = d->pending;
	size_t j;
	int rc;

	d->n++;
	if (p && r->t == p->t) {
		switch (d->policy) {
		case SP_WINDOW_DUPES_ERROR:
			rc = dup_error(err, d->n, r->t);
			free(r);
			return rc;
		case SP_WINDOW_DUPES_FIRST:
			free(r);
			return 0;
		case SP_WINDOW_DUPES_LAST:
			free(p);
			d->pending = r;
			return 0;
		case SP_WINDOW_DUPES_MEAN:
			/* running mean over the values present in each column */
			if (!d->merged)
				for (j = 0; j < s->ncols; j++)
					d->cnt[j] = !isnan(p->v[j]);
			d->merged = 1;
			for (j = 0; j < s->ncols; j++) {
				if (isnan(r->v[j]))
					continue;
				if (++d->cnt[j] == 1)
					p->v[j] = r->v[j];
				else
					p->v[j] += (r->v[j] - p->v[j]) / (double)d->cnt[j];
			}
			free(r);
			return 0;
		}
	}
	d->pending = r;
	d->merged = 0;
	return p ? pass(s, p, err) : 0;
}

static int
dedupe_finish(sp_window_stage *s, dedupe_st *d, sp_error *err)
{
	sp_window_row *p = d->pending;

	d->pending = NULL;
	return p ? pass(s, p, err) : 0;
}

/* ---- resample ---------------------------------------------------------------- */

/* A finished bin as a row (out of line: most input rows finish none). */
__attribute__((noinline)) static int
resample_emit(sp_window_stage *s, resample_st *rs, double t, sp_error *err)
{
	sp_window_row *r = row_make(t, s->ncols, rs->bin, NULL, 0);

	return r ? pass(s, r, err) : oom(err);
}

static int
resample_drain(sp_window_stage *s, resample_st *rs, sp_error *err)
{
	double t;
	int rc;

	while (sp_resampler_pop(rs->rs, &t, rs->bin))
		if ((rc = resample_emit(s, rs, t, err)) < 0)
			return rc;
	return 0;
}

static int
resample_add(sp_window_stage *s, resample_st *rs, double t, const double *v, sp_error *err)
{
	int rc = sp_resampler_add(rs->rs, t, v, err);

	return rc <= 0 ? rc : resample_drain(s, rs, err);   /* 1: a bin finished */
}

/* ---- fill ----------------------------------------------------------------------- */

/* Rows waiting for nothing more leave from the front, in order. */
static int
fill_release(sp_window_stage *s, fill_st *f, sp_error *err)
{
	int rc;

	while (f->q.n > 0 && q_at(&f->q, 0)->pending == 0) {
		f->qbase++;
		if ((rc = pass(s, q_pop(&f->q), err)) < 0)
			return rc;
	}
	return 0;
}

static int
fill_push(sp_window_stage *s, fill_st *f, sp_window_row *r, sp_error *err)
{
	uint64_t at = f->qbase + f->q.n;   /* r's number */
	size_t j, i;

	for (j = 0; j < s->ncols; j++) {
		double v = r->v[j];
		if (!isnan(v)) {
			if (f->method == SP_WINDOW_FILL_LINEAR && f->have_last[j] && !f->dead[j]) {
				/* the run since the last valid value ends here */
				double t0 = f->last_t[j], v0 = f->last_v[j];
				int ok = r->t - t0 <= f->max_gap;
				for (i = (size_t)(f->run_from[j] - f->qbase); i < f->q.n; i++) {
					sp_window_row *p = q_at(&f->q, i);
					if (ok)
						p->v[j] = v0 + (v - v0) * (p->t - t0) / (r->t - t0);
					p->pending--;
				}
			}
			f->last_t[j] = r->t;
			f->last_v[j] = v;
			f->have_last[j] = 1;
			f->dead[j] = 0;
			f->run_from[j] = at + 1;
			continue;
		}
		switch (f->method) {
		case SP_WINDOW_FILL_ZERO:
			if (!f->have_last[j] || r->t - f->last_t[j] <= f->max_gap)
				r->v[j] = 0;
			break;
		case SP_WINDOW_FILL_PREVIOUS:
			if (f->have_last[j] && r->t - f->last_t[j] <= f->max_gap)
				r->v[j] = f->last_v[j];
			break;
		case SP_WINDOW_FILL_LINEAR:
			if (!f->have_last[j] || f->dead[j])
				break;
			if (r->t - f->last_t[j] > f->max_gap) {
				/* already longer than max_gap: nothing in this run will be
				 * filled, so its rows need not wait for its end */
				for (i = (size_t)(f->run_from[j] - f->qbase); i < f->q.n; i++)
					q_at(&f->q, i)->pending--;
				f->dead[j] = 1;
			} else {
				r->pending++;
			}
			break;
		case SP_WINDOW_FILL_NONE:
			break;
		}
	}
	if (f->q.n == 0 && r->pending == 0) {
		f->qbase++;
		return pass(s, r, err);
	}
	if (q_push(&f->q, r) < 0) {
		free(r);
		return oom(err);
	}
	return fill_release(s, f, err);
}

static int
fill_finish(sp_window_stage *s, fill_st *f, sp_error *err)
{
	size_t i;

	/* no later value: the trailing runs stay missing */
	for (i = 0; i < f->q.n; i++)
		q_at(&f->q, i)->pending = 0;
	return fill_release(s, f, err);
}

/* ---- norm: training span, normalisation ---------------------------------------- */

static void
normalise(const norm_st *n, sp_window_row *r)
{
	size_t j;

	if (!n->scaler)
		return;
	for (j = 0; j < r->nv; j++)
		r->v[j] = n->inverse ? sp_scaler_invert(n->scaler, (size_t)n->scol[j], r->v[j]) :
		    sp_scaler_apply(n->scaler, (size_t)n->scol[j], r->v[j]);
}

/* The span is the first ntrain held rows: fit (and save), then let every
 * held row go. */
static int
norm_release(sp_window_stage *s, norm_st *n, long ntrain, sp_error *err)
{
	size_t i, j, m;
	double *x;
	int rc;

	if (n->need_fit) {
		if (!(x = malloc((n->q.n ? n->q.n : 1) * sizeof *x)))
			return oom(err);
		for (j = 0; j < s->ncols; j++) {
			for (i = m = 0; i < n->q.n && (long)i < ntrain; i++)
				x[m++] = q_at(&n->q, i)->v[j];
			if ((rc = sp_scaler_fit(n->scaler, j, x, m, err)) < 0) {
				free(x);
				return rc;
			}
		}
		free(x);
		if (n->save_path && (rc = sp_scaler_save(n->scaler, n->save_path, n->cmdline, err)) < 0)
			return rc;
	}
	n->span_done = 1;
	for (i = 0; n->q.n > 0; i++) {
		sp_window_row *r = q_pop(&n->q);
		r->train = (long)i < ntrain;
		normalise(n, r);
		if ((rc = pass(s, r, err)) < 0)
			return rc;
	}
	return 0;
}

static int
norm_push(sp_window_stage *s, norm_st *n, sp_window_row *r, sp_error *err)
{
	long i = n->nseen++;
	int rc;

	if (n->span_done) {
		if (n->train_rows >= 0)
			r->train = i < n->train_rows;
		else if (!isnan(n->train_until))
			r->train = r->t <= n->train_until;
		normalise(n, r);
		return pass(s, r, err);
	}
	if (isnan(n->train_frac) && !(n->train_rows >= 0 ? i < n->train_rows :
	    isnan(n->train_until) || r->t <= n->train_until)) {
		/* the first row after the span */
		if ((rc = norm_release(s, n, (long)n->q.n, err)) < 0) {
			free(r);
			return rc;
		}
		r->train = 0;
		normalise(n, r);
		return pass(s, r, err);
	}
	if (q_push(&n->q, r) < 0) {
		free(r);
		return oom(err);
	}
	return 0;
}

static int
norm_finish(sp_window_stage *s, norm_st *n, sp_error *err)
{
	long ntrain = (long)n->q.n;

	if (n->span_done)
		return 0;
	if (!isnan(n->train_frac))
		ntrain = (long)floor(n->train_frac * (double)n->q.n);
	if (n->need_fit && ntrain == 0)
		return sp_error_set(err, SP_EDATA, "the training span is empty (%zu rows in all)", n->q.n);
	return norm_release(s, n, ntrain, err);
}

static int
norm_init(sp_window_stage *s, norm_st *n, const sp_window_opts *o, sp_error *err)
{
	size_t j;

	n->train_rows = o->train_rows;
	n->train_until = o->train_until;
	n->train_frac = o->train_frac;
	n->inverse = o->inverse;
	n->need_fit = o->normalize >= 0;
	/* without a fit and without a fraction nothing needs holding back */
	n->span_done = !n->need_fit && isnan(n->train_frac);
	if (!(n->scol = calloc(s->ncols, sizeof *n->scol)))
		return oom(err);
	if (n->need_fit) {
		if (!(n->scaler = sp_scaler_new((sp_scale_method)o->normalize, s->ncols, o->names, err)))
			return SP_ENOMEM;
		if (!isnan(o->to_a)) {
			n->scaler->to_center = o->to_a;
			n->scaler->to_scale = o->normalize == SP_SCALE_MINMAX ? o->to_b - o->to_a : o->to_b;
		}
		n->scaler->clip = o->clip;
		n->scaler->clip_lo = o->clip_lo;
		n->scaler->clip_hi = o->clip_hi;
		for (j = 0; j < s->ncols; j++)
			n->scol[j] = (int)j;
		if (o->save_path && (!(n->save_path = strdup(o->save_path)) ||
		    (o->save_cmdline && !(n->cmdline = strdup(o->save_cmdline)))))
			return oom(err);
	} else if (o->load_path) {
		if (!(n->scaler = sp_scaler_load(o->load_path, err)))
			return err ? err->code : SP_EMODEL;
		for (j = 0; j < s->ncols; j++) {
			int c = sp_scaler_col(n->scaler, o->names[j]);
			/* a one-column scaler applies to any column (e.g. forecast, lower, upper) */
			if (c < 0 && n->scaler->ncols == 1)
				c = 0;
			if (c < 0)
				return sp_error_set(err, SP_EDATA, "%s: has no parameters for column '%s'",
				    o->load_path, o->names[j]);
			n->scol[j] = c;
		}
	}
	return 0;
}

/* ---- select, lags ------------------------------------------------------------------ */

static int
select_push(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	if (s->split == SP_WINDOW_SPLIT_ALL || (s->split == SP_WINDOW_SPLIT_TRAIN) == (r->train != 0))
		return pass(s, r, err);
	free(r);
	return 0;
}

static int
lags_push(sp_window_stage *s, lags_st *l, sp_window_row *r, sp_error *err)
{
	long w = l->lags + l->horizon, at = (l->head + l->n) % w, j;
	sp_window_row *c, *win = l->win;

	l->v[at] = r->v[0];
	l->t[at] = r->t;
	l->train[at] = r->train;
	free(r);
	if (l->n < w)
		l->n++;
	else
		l->head = (l->head + 1) % w;
	if (l->n < w)
		return 0;
	/* no leakage across the split: a train window lies wholly in the
	 * training span, a test window starts after it */
	if (l->split == SP_WINDOW_SPLIT_TRAIN && !l->train[(l->head + w - 1) % w])
		return 0;
	if (l->split == SP_WINDOW_SPLIT_TEST && l->train[l->head])
		return 0;
	for (j = 0; j < w; j++)
		if (isnan(win->v[j] = l->v[(l->head + j) % w]))
			return 0;
	at = (l->head + l->lags - 1) % w;   /* the origin */
	win->t = l->t[at];
	win->train = l->train[at];
	if (!s->next)
		return s->emit ? s->emit(s->ctx, win, err) : 0;
	if (!(c = sp_window_row_new(win->t, win->nv, win->v, NULL, 0)))
		return oom(err);
	c->train = win->train;
	return s->next->push(s->next, c, err);
}

/* ---- one stage ------------------------------------------------------------------------ */

/* Each kind's push, called through the stage's pointer (a switch over the
 * kinds in one function costs a large frame at every stage a row passes). */
static int
push_order(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	return order_push(s, &s->u.order, r, err);
}

static int
push_dedupe(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	return dedupe_push(s, &s->u.dedupe, r, err);
}

static int
push_resample(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	int rc = resample_add(s, &s->u.resample, r->t, r->v, err);

	free(r);
	return rc;
}

static int
push_fill(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	return fill_push(s, &s->u.fill, r, err);
}

static int
push_norm(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	return norm_push(s, &s->u.norm, r, err);
}

static int
push_lags(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	return lags_push(s, &s->u.lags, r, err);
}

static int (*const push_fn[])(sp_window_stage *, sp_window_row *, sp_error *) = {
	[SP_WINDOW_ORDER] = push_order, [SP_WINDOW_DEDUPE] = push_dedupe,
	[SP_WINDOW_RESAMPLE] = push_resample, [SP_WINDOW_FILL] = push_fill,
	[SP_WINDOW_NORM] = push_norm, [SP_WINDOW_SELECT] = select_push, [SP_WINDOW_LAGS] = push_lags
};

static int
check_opts(const sp_window_opts *o, sp_error *err)
{
	long nspan = (o->train_rows >= 0) + !isnan(o->train_until) + !isnan(o->train_frac);

	if (o->ncols < 1)
		return sp_error_set(err, SP_EUSAGE, "no columns to work on");
	if (!(o->step >= 0 && o->step < INFINITY) || (unsigned)o->agg > SP_AGG_QUANTILE ||
	    !(o->quantile >= 0 && o->quantile <= 1))
		return sp_error_set(err, SP_EUSAGE, "resample: bad step, aggregation or quantile");
	if ((unsigned)o->dupes > SP_WINDOW_DUPES_MEAN || (unsigned)o->fill > SP_WINDOW_FILL_ZERO ||
	    (unsigned)o->split > SP_WINDOW_SPLIT_TEST || !(o->max_gap >= 0))
		return sp_error_set(err, SP_EUSAGE, "bad duplicate policy, fill method, max gap or split");
	if (o->normalize < -1 || o->normalize > SP_SCALE_ROBUST)
		return sp_error_set(err, SP_EUSAGE, "bad normalisation method");
	if (o->normalize >= 0 && o->load_path)
		return sp_error_set(err, SP_EUSAGE, "fit a scaler or load one, not both");
	if ((o->normalize >= 0 || o->load_path) && !o->names)
		return sp_error_set(err, SP_EUSAGE, "a scaler needs the column names");
	if ((o->save_path && o->normalize < 0) || (o->inverse && !o->load_path))
		return sp_error_set(err, SP_EUSAGE, "saving needs a fit, the inverse a loaded scaler");
	if (!isnan(o->to_a) && (o->normalize < 0 ||
	    !(o->normalize == SP_SCALE_MINMAX ? o->to_b > o->to_a : o->to_b > 0)))
		return sp_error_set(err, SP_EUSAGE, "bad target (to) of the normalisation");
	if (o->clip && (o->normalize < 0 || !(o->clip_lo < o->clip_hi)))
		return sp_error_set(err, SP_EUSAGE, "bad clipping of the normalisation");
	if (nspan > 1 || (!isnan(o->train_frac) && !(o->train_frac >= 0 && o->train_frac <= 1)))
		return sp_error_set(err, SP_EUSAGE, "one training span at most, a fraction in [0, 1]");
	if (o->split != SP_WINDOW_SPLIT_ALL && nspan == 0)
		return sp_error_set(err, SP_EUSAGE, "a split needs a training span");
	if (o->lags < 0 || o->horizon < 0 || (o->horizon > 0 && o->lags == 0) ||
	    (o->lags > 0 && o->ncols != 1))
		return sp_error_set(err, SP_EUSAGE, "windows need lags >= 1, horizon >= 0 and one column");
	if (!(o->input_step >= 0 && o->input_step < INFINITY))
		return sp_error_set(err, SP_EUSAGE, "bad input step");
	if (o->state && (o->sort || o->dupes != SP_WINDOW_DUPES_ERROR || o->normalize >= 0 || nspan > 0 ||
	    o->lags > 0))
		return sp_error_set(err, SP_EUSAGE, "--state does not go with --sort, --dupes, --normalize, "
		    "a training span or --lags");
	return 0;
}

sp_window_stage *
sp_window_stage_new(sp_window_kind kind, const sp_window_opts *o, sp_window_stage *next,
    sp_window_emit emit, void *ctx, sp_error *err)
{
	sp_window_stage *s;
	size_t k = o->ncols;
	int rc = 0;

	if (check_opts(o, err) < 0)
		return NULL;
	if ((unsigned)kind > SP_WINDOW_LAGS || (kind == SP_WINDOW_LAGS && o->lags < 1)) {
		sp_error_set(err, SP_EUSAGE, "no such stage, or windows without lags");
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s))) {
		oom(err);
		return NULL;
	}
	s->kind = kind;
	s->push = push_fn[kind];
	s->ncols = k;
	s->next = next;
	s->emit = emit;
	s->ctx = ctx;
	s->split = o->split;
	switch (kind) {
	case SP_WINDOW_ORDER:
		s->u.order.sort = o->sort;
		break;
	case SP_WINDOW_DEDUPE:
		s->u.dedupe.policy = o->dupes;
		if (!(s->u.dedupe.cnt = calloc(k, sizeof *s->u.dedupe.cnt)))
			rc = oom(err);
		break;
	case SP_WINDOW_RESAMPLE:
		if (!(o->step > 0))
			rc = sp_error_set(err, SP_EUSAGE, "resampling needs a step > 0");
		else if (!(s->u.resample.rs = sp_resampler_new(o->step, k, o->agg, o->quantile, err)))
			rc = SP_ENOMEM;
		else if (!(s->u.resample.bin = malloc(k * sizeof *s->u.resample.bin)))
			rc = oom(err);
		else
			sp_resampler_max_gap(s->u.resample.rs, o->max_gap_rows);
		break;
	case SP_WINDOW_FILL: {
		fill_st *f = &s->u.fill;
		f->method = o->fill;
		f->max_gap = o->max_gap;
		f->last_t = calloc(k, sizeof *f->last_t);
		f->last_v = calloc(k, sizeof *f->last_v);
		f->have_last = calloc(k, sizeof *f->have_last);
		f->dead = calloc(k, sizeof *f->dead);
		f->run_from = calloc(k, sizeof *f->run_from);
		if (!f->last_t || !f->last_v || !f->have_last || !f->dead || !f->run_from)
			rc = oom(err);
		break;
	}
	case SP_WINDOW_NORM:
		rc = norm_init(s, &s->u.norm, o, err);
		break;
	case SP_WINDOW_SELECT:
		break;
	case SP_WINDOW_LAGS: {
		lags_st *l = &s->u.lags;
		size_t w = (size_t)(o->lags + o->horizon);
		l->lags = o->lags;
		l->horizon = o->horizon;
		l->split = o->split;
		l->v = malloc(w * sizeof *l->v);
		l->t = malloc(w * sizeof *l->t);
		l->train = malloc(w * sizeof *l->train);
		l->win = sp_window_row_new(0, w, NULL, NULL, 0);
		if (!l->v || !l->t || !l->train || !l->win)
			rc = oom(err);
		break;
	}
	}
	if (rc < 0) {
		sp_window_stage_free(s);
		return NULL;
	}
	return s;
}

int
sp_window_stage_push(sp_window_stage *s, sp_window_row *r, sp_error *err)
{
	if (r->nv != s->ncols) {
		sp_error_set(err, SP_EUSAGE, "a row of %zu values for a stage of %zu columns", r->nv, s->ncols);
		free(r);
		return SP_EUSAGE;
	}
	return s->push(s, r, err);
}

int
sp_window_stage_finish(sp_window_stage *s, sp_error *err)
{
	int rc = 0;

	switch (s->kind) {
	case SP_WINDOW_ORDER: rc = order_finish(s, &s->u.order, err); break;
	case SP_WINDOW_DEDUPE: rc = dedupe_finish(s, &s->u.dedupe, err); break;
	case SP_WINDOW_RESAMPLE:
		sp_resampler_finish(s->u.resample.rs);
		rc = resample_drain(s, &s->u.resample, err);
		break;
	case SP_WINDOW_FILL: rc = fill_finish(s, &s->u.fill, err); break;
	case SP_WINDOW_NORM: rc = norm_finish(s, &s->u.norm, err); break;
	case SP_WINDOW_SELECT:
	case SP_WINDOW_LAGS: break;
	}
	if (rc < 0)
		return rc;
	return s->next ? sp_window_stage_finish(s->next, err) : 0;
}

void
sp_window_stage_free(sp_window_stage *s)
{
	size_t i;

	if (!s)
		return;
	switch (s->kind) {
	case SP_WINDOW_ORDER:
		for (i = s->u.order.next; i < s->u.order.nheld; i++)
			free(s->u.order.held[i]);
		free(s->u.order.held);
		break;
	case SP_WINDOW_DEDUPE:
		free(s->u.dedupe.pending);
		free(s->u.dedupe.cnt);
		break;
	case SP_WINDOW_RESAMPLE:
		sp_resampler_free(s->u.resample.rs);
		free(s->u.resample.bin);
		break;
	case SP_WINDOW_FILL:
		q_free(&s->u.fill.q);
		free(s->u.fill.last_t);
		free(s->u.fill.last_v);
		free(s->u.fill.have_last);
		free(s->u.fill.dead);
		free(s->u.fill.run_from);
		break;
	case SP_WINDOW_NORM:
		q_free(&s->u.norm.q);
		sp_scaler_free(s->u.norm.scaler);
		free(s->u.norm.scol);
		free(s->u.norm.save_path);
		free(s->u.norm.cmdline);
		break;
	case SP_WINDOW_SELECT:
		break;
	case SP_WINDOW_LAGS:
		free(s->u.lags.v);
		free(s->u.lags.t);
		free(s->u.lags.train);
		free(s->u.lags.win);
		break;
	}
	free(s);
}

const sp_scaler *
sp_window_stage_scaler(const sp_window_stage *s)
{
	return s && s->kind == SP_WINDOW_NORM ? s->u.norm.scaler : NULL;
}

/* ---- the whole chain -------------------------------------------------------------------- */

struct sp_window {
	sp_window_stage *st[7];   /* in chain order */
	size_t nst;
	int sort;                 /* st[0] is an order stage that sorts */
	int direct;               /* values go straight into st[0], a resample stage */
	double prev_t;            /* not sorting: the last time */
	long nrows;
	size_t ncols;
	/* state between runs (o->state) */
	int state;
	double step, input_step, max_gap_rows;
	sp_agg agg;
	double skip_to;           /* rows at or before this time were an earlier run's */
	int64_t open_bin;         /* the open bin and its input rows, [1 + ncols] each */
	double *open;
	size_t open_n, open_cap;
	int have_closed;          /* a bin was written at a pause; no bin is open */
	int64_t closed_bin;
	sp_window_stage *fill;    /* the fill stage, or NULL */
};

sp_window *
sp_window_new(const sp_window_opts *o, sp_window_emit emit, void *ctx, sp_error *err)
{
	sp_window_kind kinds[7];
	sp_window_stage *next = NULL;
	sp_window *w;
	size_t n = 0, i;

	if (check_opts(o, err) < 0)
		return NULL;
	if (!(w = calloc(1, sizeof *w))) {
		oom(err);
		return NULL;
	}
	w->ncols = o->ncols;
	w->prev_t = -INFINITY;
	/* the common case, resampling sorted unique rows, needs no rows made:
	 * the order and duplicate checks are done here instead */
	w->direct = o->step > 0 && !o->sort && o->dupes == SP_WINDOW_DUPES_ERROR;
	/* without sorting, the order is checked (and rows numbered) here */
	w->sort = o->sort;
	if (o->sort)
		kinds[n++] = SP_WINDOW_ORDER;
	/* with a state, duplicates are checked here too: a dedupe stage would
	 * hold the last row */
	if (!w->direct && !o->state)
		kinds[n++] = SP_WINDOW_DEDUPE;
	if (o->step > 0)
		kinds[n++] = SP_WINDOW_RESAMPLE;
	if (o->fill != SP_WINDOW_FILL_NONE)
		kinds[n++] = SP_WINDOW_FILL;
	if (o->normalize >= 0 || o->load_path || o->train_rows >= 0 || !isnan(o->train_until) ||
	    !isnan(o->train_frac))
		kinds[n++] = SP_WINDOW_NORM;
	if (o->lags > 0)
		kinds[n++] = SP_WINDOW_LAGS;
	else if (o->split != SP_WINDOW_SPLIT_ALL)
		kinds[n++] = SP_WINDOW_SELECT;
	w->nst = n;
	for (i = n; i-- > 0;) {
		if (!(w->st[i] = sp_window_stage_new(kinds[i], o, next, emit, ctx, err))) {
			sp_window_free(w);
			return NULL;
		}
		next = w->st[i];
		if (kinds[i] == SP_WINDOW_FILL)
			w->fill = w->st[i];
	}
	w->state = o->state;
	w->step = o->step;
	w->input_step = o->input_step;
	w->max_gap_rows = o->max_gap_rows;
	w->agg = o->agg;
	w->skip_to = -INFINITY;
	return w;
}

/* A row that is not a direct one in order (kept out of line so that the
 * direct path stays a few instructions). */
__attribute__((noinline)) static int
push_row(sp_window *w, double t, const double *v, const char *raw, size_t rawlen, sp_error *err)
{
	sp_window_row *r;

	if (!w->sort) {
		if (t < w->prev_t)
			return time_error(err, w->nrows, t, w->prev_t);
		if ((w->direct || w->state) && !(t > w->prev_t))
			return dup_error(err, w->nrows, t);
		w->prev_t = t;
		if (w->direct)
			return resample_add(w->st[0], &w->st[0]->u.resample, t, v, err);
	}
	if (!(r = row_make(t, w->ncols, v, raw, rawlen)))
		return oom(err);
	return w->st[0]->push(w->st[0], r, err);
}

static int push_state(sp_window *w, double t, const double *v, const char *raw, size_t rawlen,
    sp_error *err);

int
sp_window_push(sp_window *w, double t, const double *v, const char *raw, size_t rawlen, sp_error *err)
{
	w->nrows++;
	if (w->state)
		return push_state(w, t, v, raw, rawlen, err);
	if (w->input_step > 0 && t > w->prev_t && t - w->prev_t < w->input_step)
		return push_state(w, t, v, raw, rawlen, err);   /* its error */
	if (w->direct && t > w->prev_t) {
		w->prev_t = t;
		return resample_add(w->st[0], &w->st[0]->u.resample, t, v, err);
	}
	return push_row(w, t, v, raw, rawlen, err);
}

int
sp_window_finish(sp_window *w, sp_error *err)
{
	return sp_window_stage_finish(w->st[0], err);
}

long
sp_window_rows(const sp_window *w)
{
	return w->nrows;
}

const sp_scaler *
sp_window_scaler(const sp_window *w)
{
	size_t i;

	for (i = 0; i < w->nst; i++)
		if (w->st[i] && w->st[i]->kind == SP_WINDOW_NORM)
			return w->st[i]->u.norm.scaler;
	return NULL;
}

void
sp_window_free(sp_window *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->nst; i++)
		sp_window_stage_free(w->st[i]);
	free(w->open);
	free(w);
}

/* ---- state between runs ------------------------------------------------------------------- */

static int
step_error(sp_error *err, long rowno, double t, double step, double prev)
{
	char a[40], b[40];

	sp_time_format(a, sizeof a, t);
	sp_time_format(b, sizeof b, prev);
	return sp_error_set(err, SP_EDATA, "row %ld, column timestamp: timestamp %s is less than the input "
	    "step %g after the previous row's %s (see --input-step)", rowno, a, step, b);
}

/* The empty bins from the one after the bin written at a pause up to
 * (not including) bin b: what one run's resampler writes when its next
 * row comes. */
static int
close_gap(sp_window *w, int64_t b, sp_error *err)
{
	sp_window_stage *s = w->st[0];
	int64_t k;
	int rc;

	if ((double)(b - w->closed_bin) > w->max_gap_rows)
		return sp_error_set(err, SP_EDATA, "a gap of %.0f steps of %g s after %.17g is over the "
		    "limit of %.0f rows (see --max-gap-rows)", (double)(b - w->closed_bin), w->step,
		    (double)w->closed_bin * w->step, w->max_gap_rows);
	w->have_closed = 0;
	for (k = w->closed_bin + 1; k < b; k++) {
		sp_window_row *r = row_make((double)k * w->step, w->ncols, NULL, NULL, 0);
		size_t j;
		if (!r)
			return oom(err);
		if (w->agg == SP_AGG_COUNT)
			for (j = 0; j < w->ncols; j++)
				r->v[j] = 0;
		if ((rc = pass(s, r, err)) < 0)
			return rc;
	}
	return 0;
}

/* A row of the open bin, kept for the state. */
static int
keep_open(sp_window *w, int64_t b, double t, const double *v, sp_error *err)
{
	size_t m = 1 + w->ncols;

	if (w->open_n == 0 || b != w->open_bin) {
		w->open_n = 0;
		w->open_bin = b;
	}
	if (w->open_n == w->open_cap) {
		size_t nc = w->open_cap ? 2 * w->open_cap : 4;
		double *na = realloc(w->open, nc * m * sizeof *na);
		if (!na)
			return oom(err);
		w->open = na;
		w->open_cap = nc;
	}
	w->open[w->open_n * m] = t;
	memcpy(w->open + w->open_n * m + 1, v, w->ncols * sizeof *v);
	w->open_n++;
	return 0;
}

/* A row with a state kept: skipped when an earlier run had it; the input
 * step checked; the bin written at a pause followed by the empty bins up
 * to this row's; the row kept while its bin is open. */
__attribute__((noinline)) static int
push_state(sp_window *w, double t, const double *v, const char *raw, size_t rawlen, sp_error *err)
{
	int rc;

	if (t <= w->skip_to)
		return 0;   /* an earlier run's row */
	w->skip_to = -INFINITY;
	if (t > w->prev_t && w->input_step > 0 && t - w->prev_t < w->input_step)
		return step_error(err, w->nrows, t, w->input_step, w->prev_t);
	if (w->state && w->step > 0 && t > w->prev_t) {
		double fb = floor(t / w->step);
		if (fabs(fb) < 9e18) {   /* else the resampler's error */
			int64_t b = (int64_t)fb;
			if (w->have_closed && b <= w->closed_bin) {
				char a[40];
				sp_time_format(a, sizeof a, t);
				return sp_error_set(err, SP_EDATA, "row %ld, column timestamp: timestamp %s falls in "
				    "the bin written at the end of the last run (see --input-step)", w->nrows, a);
			}
			if (w->have_closed && (rc = close_gap(w, b, err)) < 0)
				return rc;
			if ((rc = keep_open(w, b, t, v, err)) < 0)
				return rc;
		}
	}
	if (w->direct && t > w->prev_t) {
		w->prev_t = t;
		return resample_add(w->st[0], &w->st[0]->u.resample, t, v, err);
	}
	return push_row(w, t, v, raw, rawlen, err);
}

int
sp_window_pause(sp_window *w, sp_error *err)
{
	resample_st *rs;

	if (!w->state)
		return sp_error_set(err, SP_EUSAGE, "a pause needs the state option");
	if (w->step > 0 && w->open_n > 0 && w->input_step > 0 &&
	    (double)(w->open_bin + 1) * w->step <= w->prev_t + w->input_step) {
		/* no later row can fall in the open bin: one run would write it
		 * on its next row, so it is written now */
		rs = &w->st[0]->u.resample;
		sp_resampler_finish(rs->rs);
		w->have_closed = 1;
		w->closed_bin = w->open_bin;
		w->open_n = 0;
		return resample_drain(w->st[0], rs, err);
	}
	return 0;
}

double
sp_window_last(const sp_window *w)
{
	return w->prev_t;
}

void
sp_window_write_options(const sp_window_opts *o, sp_state_writer *sw)
{
	double r[3] = { o->step, o->quantile, o->max_gap_rows };

	sp_state_put_long(sw, "columns", (long)o->ncols);
	sp_state_put_doubles(sw, "resample", 3, r);
	sp_state_put_str(sw, "agg", sp_agg_names[o->agg]);
	sp_state_put_str(sw, "fill", sp_window_fill_names[o->fill]);
	sp_state_put_double(sw, "max_gap", o->max_gap);
	sp_state_put_double(sw, "input_step", o->input_step);
}

/* The index of name in a NULL-terminated list, or -1. */
static int
name_index(const char *const *names, const char *name)
{
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int
sp_window_read_options(sp_window_opts *o, sp_state *s, sp_error *err)
{
	long ncols;
	double r[3];
	const char *a;
	int rc, i;

	sp_window_opts_init(o);
	o->state = 1;
	if ((rc = sp_state_long(s, "columns", 1, 100000, &ncols, err)) < 0 ||
	    (rc = sp_state_doubles(s, "resample", 3, r, err)) < 0)
		return rc;
	if (!(r[0] >= 0 && r[0] < INFINITY) || !(r[1] >= 0 && r[1] <= 1) || !(r[2] >= 1)) {
		return sp_state_error_back(s, 1, err, SP_EMODEL, "resample: bad step, quantile or gap limit");
	}
	o->ncols = (size_t)ncols;
	o->step = r[0];
	o->quantile = r[1];
	o->max_gap_rows = r[2];
	if ((rc = sp_state_str(s, "agg", &a, err)) < 0)
		return rc;
	if ((i = name_index(sp_agg_names, a)) < 0)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "agg: no aggregation '%s'", a);
	o->agg = (sp_agg)i;
	if ((rc = sp_state_str(s, "fill", &a, err)) < 0)
		return rc;
	if ((i = name_index(sp_window_fill_names, a)) < 0)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "fill: no fill method '%s'", a);
	o->fill = (sp_window_fill)i;
	if ((rc = sp_state_double(s, "max_gap", &o->max_gap, err)) < 0)
		return rc;
	if (!(o->max_gap >= 0))
		return sp_state_error_back(s, 1, err, SP_EMODEL, "max_gap: not >= 0");
	if ((rc = sp_state_double(s, "input_step", &o->input_step, err)) < 0)
		return rc;
	if (!(o->input_step >= 0 && o->input_step < INFINITY))
		return sp_state_error_back(s, 1, err, SP_EMODEL, "input_step: not >= 0");
	return 0;
}

int
sp_window_options_differ(const sp_window_opts *m, const sp_window_opts *o, char *why, size_t size)
{
	if (m->ncols != o->ncols)
		snprintf(why, size, "%zu columns, not %zu", m->ncols, o->ncols);
	else if (m->step != o->step)
		snprintf(why, size, "--resample %g, not %g", m->step, o->step);
	else if (m->step > 0 && (m->agg != o->agg || m->quantile != o->quantile))
		snprintf(why, size, "--agg %s (quantile %g), not %s (%g)", sp_agg_names[m->agg], m->quantile,
		    sp_agg_names[o->agg], o->quantile);
	else if (m->step > 0 && m->max_gap_rows != o->max_gap_rows)
		snprintf(why, size, "--max-gap-rows %g, not %g", m->max_gap_rows, o->max_gap_rows);
	else if (m->fill != o->fill)
		snprintf(why, size, "--fill %s, not %s", sp_window_fill_names[m->fill], sp_window_fill_names[o->fill]);
	else if (m->max_gap != o->max_gap)
		snprintf(why, size, "--max-gap %g, not %g", m->max_gap, o->max_gap);
	else if (m->input_step != o->input_step)
		snprintf(why, size, "--input-step %g, not %g", m->input_step, o->input_step);
	else
		return 0;
	return 1;
}

int
sp_window_write_state(const sp_window *w, sp_state_writer *sw, sp_error *err)
{
	size_t m = 1 + w->ncols, i;

	if (!w->state)
		return sp_error_set(err, SP_EUSAGE, "a state needs the state option");
	sp_state_put_double(sw, "last", w->prev_t);
	if (w->step > 0) {
		sp_state_put_double(sw, "closed", w->have_closed ? (double)w->closed_bin * w->step : NAN);
		sp_state_put_long(sw, "open", (long)w->open_n);
		for (i = 0; i < w->open_n; i++)
			sp_state_put_doubles(sw, "row", m, w->open + i * m);
	}
	if (w->fill) {
		const fill_st *f = &w->fill->u.fill;
		long *l = malloc(2 * w->ncols * sizeof *l), *run = l + w->ncols;
		double *d = malloc(m * sizeof *d);
		size_t j;
		if (!l || !d) {
			free(l);
			free(d);
			return oom(err);
		}
		sp_state_put_doubles(sw, "fill_time", w->ncols, f->last_t);
		sp_state_put_doubles(sw, "fill_value", w->ncols, f->last_v);
		for (j = 0; j < w->ncols; j++) {
			l[j] = f->have_last[j] | f->dead[j] << 1;
			/* the run's first held row, counted from the queue's head
			 * (where it matters it is in the queue) */
			run[j] = f->run_from[j] >= f->qbase ? (long)(f->run_from[j] - f->qbase) : 0;
		}
		sp_state_put_longs(sw, "fill_flags", w->ncols, l);
		sp_state_put_longs(sw, "fill_run", w->ncols, run);
		sp_state_put_long(sw, "held", (long)f->q.n);
		for (i = 0; i < f->q.n; i++) {
			const sp_window_row *r = q_at(&f->q, i);
			d[0] = r->t;
			memcpy(d + 1, r->v, w->ncols * sizeof *d);
			sp_state_put_long(sw, "pending", (long)r->pending);
			sp_state_put_doubles(sw, "row", m, d);
			if (r->rawlen)
				sp_state_put_bytes(sw, "raw", r->raw, r->rawlen);
			else
				sp_state_put_str(sw, "raw", "-");
		}
		free(l);
		free(d);
	}
	return 0;
}

/* The open bin's rows of a state replayed into the resampler. */
static int
read_open(sp_window *w, sp_state *s, double *d, sp_error *err)
{
	size_t m = 1 + w->ncols;
	long n, i;
	int rc;

	if ((rc = sp_state_long(s, "open", 0, 100000000, &n, err)) < 0)
		return rc;
	if (n > 0 && w->have_closed)
		return sp_state_error_back(s, 1, err, SP_EMODEL,
		    "open: rows, and a bin written at the pause");
	for (i = 0; i < n; i++) {
		double fb;
		if ((rc = sp_state_doubles(s, "row", m, d, err)) < 0)
			return rc;
		fb = floor(d[0] / w->step);
		if (!(fabs(fb) < 9e18) || d[0] > w->prev_t || (i > 0 && ((int64_t)fb != w->open_bin ||
		    !(d[0] > w->open[(size_t)(i - 1) * m]))))
			return sp_state_error_back(s, 1, err, SP_EMODEL,
			    "row: not a row of the open bin, in order, "
			    "at or before the last row");
		if ((rc = keep_open(w, (int64_t)fb, d[0], d + 1, err)) < 0)
			return rc;
		/* one bin: the resampler finishes none */
		if ((rc = sp_resampler_add(w->st[0]->u.resample.rs, d[0], d + 1, err)) != 0)
			return rc < 0 ? rc : sp_state_error(s, err, SP_EMODEL, "open: rows of two bins");
	}
	return 0;
}

/* The fill stage's last values and held rows. */
static int
read_fill(sp_window *w, sp_state *s, double *d, sp_error *err)
{
	fill_st *f = &w->fill->u.fill;
	size_t k = w->ncols, j;
	long *l = malloc(2 * k * sizeof *l), *run = l ? l + k : NULL, n, i, pend, runline;
	int rc;

	if (!l)
		return oom(err);
	if ((rc = sp_state_doubles(s, "fill_time", k, f->last_t, err)) < 0 ||
	    (rc = sp_state_doubles(s, "fill_value", k, f->last_v, err)) < 0 ||
	    (rc = sp_state_longs(s, "fill_flags", k, 0, 3, l, err)) < 0)
		goto out;
	runline = sp_state_line(s);
	if ((rc = sp_state_longs(s, "fill_run", k, 0, 100000000, run, err)) < 0 ||
	    (rc = sp_state_long(s, "held", 0, 100000000, &n, err)) < 0)
		goto out;
	f->qbase = 0;
	for (j = 0; j < k; j++) {
		f->have_last[j] = (unsigned char)(l[j] & 1);
		f->dead[j] = (unsigned char)(l[j] >> 1);
		f->run_from[j] = (uint64_t)run[j];
		if (run[j] > n) {
			rc = sp_error_set(err, SP_EMODEL, "%s:%ld: fill_run: %ld is past the %ld held rows",
			    sp_state_path(s), runline, run[j], n);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		sp_window_row *r;
		char *raw = NULL;
		size_t rawlen = 0;
		if ((rc = sp_state_long(s, "pending", 0, (long)k, &pend, err)) < 0 ||
		    (rc = sp_state_doubles(s, "row", 1 + k, d, err)) < 0)
			goto out;
		/* "-": no pass-through bytes (real ones end in a NUL: never "-") */
		if ((rc = sp_state_bytes(s, "raw", &raw, &rawlen, err)) < 0)
			goto out;
		if (rawlen == 1 && raw[0] == '-')
			rawlen = 0;
		r = row_make(d[0], k, d + 1, raw, rawlen);
		free(raw);
		if (!r || q_push(&f->q, r) < 0) {
			free(r);
			rc = oom(err);
			goto out;
		}
		r->pending = (unsigned)pend;
	}
	rc = 0;
out:
	free(l);
	return rc;
}

int
sp_window_read_state(sp_window *w, sp_state *s, sp_error *err)
{
	double *d, c;
	int rc;

	if (!w->state || w->nrows > 0)
		return sp_error_set(err, SP_EUSAGE, "a state is read into a fresh engine with the state option");
	if ((rc = sp_state_double(s, "last", &w->prev_t, err)) < 0)
		return rc;
	if (isnan(w->prev_t) || w->prev_t == INFINITY)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "last: not a time");
	w->skip_to = w->prev_t;
	if (!(d = malloc((1 + w->ncols) * sizeof *d)))
		return oom(err);
	if (w->step > 0) {
		if ((rc = sp_state_double(s, "closed", &c, err)) < 0)
			goto out;
		if (!isnan(c)) {
			double fb = floor(c / w->step);
			if (!(fabs(fb) < 9e18) || fb * w->step != c || c > w->prev_t) {
				rc = sp_state_error_back(s, 1, err, SP_EMODEL,
				    "closed: not a bin's start at or before the "
				    "last row");
				goto out;
			}
			w->have_closed = 1;
			w->closed_bin = (int64_t)fb;
		}
		if ((rc = read_open(w, s, d, err)) < 0)
			goto out;
	}
	rc = w->fill ? read_fill(w, s, d, err) : 0;
out:
	free(d);
	return rc;
}

static void *
index_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	double *last = malloc(sizeof *last);

	(void)ctx;
	(void)key;
	(void)len;
	if (!last)
		oom(err);
	else
		*last = -INFINITY;
	return last;
}

static void
index_free(void *ctx, void *st)
{
	(void)ctx;
	free(st);
}

/* One engine's block read into a scratch engine of o: its last time. */
static int
index_block(const sp_window_opts *o, sp_state *s, double *last, sp_error *err)
{
	sp_window *w = sp_window_new(o, NULL, NULL, err);
	int rc;

	if (!w)
		return err ? err->code : SP_ENOMEM;
	rc = sp_window_read_state(w, s, err);
	*last = w->prev_t;
	sp_window_free(w);
	return rc;
}

/* What sp_window_state_index's callback reads with. */
typedef struct {
	sp_window_opts o;
	double newest;
} index_ctx;

static int
index_key(void *ctx, void *state, sp_state *s, sp_error *err)
{
	index_ctx *c = ctx;
	double *kl = state;
	int rc;

	if ((rc = index_block(&c->o, s, kl, err)) < 0)
		return rc;
	if (*kl > c->newest)
		c->newest = *kl;
	return 0;
}

int
sp_window_state_index(const char *path, double *newest, sp_keyed **keys, sp_error *err)
{
	index_ctx c = { .newest = -INFINITY };
	sp_state *s;
	sp_keyed *k = NULL;
	int rc;

	*newest = NAN;
	*keys = NULL;
	if ((rc = sp_state_load(path, "window", 1, &s, err)) < 0 || !s)
		return rc;
	if ((rc = sp_window_read_options(&c.o, s, err)) == 0) {
		if (!sp_state_at(s, "keys"))
			rc = index_block(&c.o, s, &c.newest, err);
		else if (!(k = sp_keyed_new(index_new, index_free, NULL)))
			rc = oom(err);
		else
			rc = sp_state_get_keys(s, k, index_key, &c, err);
	}
	if (rc == 0)
		rc = sp_state_end(s, err);
	sp_state_free(s);
	if (rc < 0) {
		sp_keyed_free(k);
		return rc;
	}
	*newest = c.newest;
	*keys = k;
	return 1;
}
