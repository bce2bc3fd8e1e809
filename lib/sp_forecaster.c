/* sp_forecaster: the forecaster interface; see sp_forecaster.h.  The
 * registry of kinds and sp_forecaster_open are in sp_forecaster_registry.c. */
#include "sp_forecaster.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_state.h"

struct sp_forecaster {
	const sp_forecaster_ops *ops;
	void *st;
	sp_forecaster_info info;
	char *path;   /* info.path, owned */
	int ready;
};

sp_forecaster *
sp_forecaster_new(const sp_forecaster_ops *ops, void *st, const sp_forecaster_info *info, sp_error *err)
{
	sp_forecaster *f = calloc(1, sizeof *f);

	if (!f) {
		ops->free(st);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	f->ops = ops, f->st = st, f->info = *info;
	if (!f->info.kind)
		f->info.kind = ops->kind;
	if (!(f->path = strdup(info->path ? info->path : ""))) {
		sp_forecaster_free(f);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	f->info.path = f->path;
	return f;
}

void
sp_forecaster_free(sp_forecaster *f)
{
	if (!f)
		return;
	f->ops->free(f->st);
	free(f->path);
	free(f);
}

const sp_forecaster_info *
sp_forecaster_describe(const sp_forecaster *f)
{
	return &f->info;
}

void *
sp_forecaster_state(const sp_forecaster *f, const sp_forecaster_ops *ops)
{
	return f && f->ops == ops ? f->st : NULL;
}

static int
default_columns(const sp_forecaster_info *info, const sp_csv_reader *r, const char *column, int *cols,
    sp_error *err)
{
	if (column || !info->column)
		cols[0] = sp_csv_pick_col(r, column, err);
	else if ((cols[0] = sp_csv_col_index(r, info->column)) < 0)
		return sp_error_set(err, SP_EDATA, "%s was trained on column '%s' and the input has no such "
		    "column; pick one with -c", info->path, info->column);
	return cols[0] < 0 ? cols[0] : 0;
}

int
sp_forecaster_columns(sp_forecaster *f, const sp_csv_reader *r, const char *column, int *cols, sp_error *err)
{
	const sp_forecaster_info *info = &f->info;
	int rc;

	if (info->nextra < 0 || info->nextra >= SP_FORECASTER_MAXCOLS)
		return sp_error_set(err, SP_EMODEL, "%s: %d extra input columns (at most %d)", info->path,
		    info->nextra, SP_FORECASTER_MAXCOLS - 1);
	rc = f->ops->columns ? f->ops->columns(f->st, info, r, column, cols, err)
	    : default_columns(info, r, column, cols, err);
	if (rc < 0)
		return rc;
	if (cols[0] == 0)
		return sp_error_set(err, SP_EUSAGE, "-c: the timestamp column is not a series");
	if (!f->ops->columns)
		for (int k = 0; k < info->nextra; k++)
			if ((cols[k + 1] = sp_csv_col_index(r, info->extra[k])) < 0)
				return sp_error_set(err, SP_EDATA, "%s reads column '%s' and the input has no such column",
				    info->path, info->extra[k]);
	return 1 + info->nextra;
}

int
sp_forecaster_push(sp_forecaster *f, double t, const double *x, sp_error *err)
{
	int rc = f->ops->push(f->st, t, x, err);

	f->ready = rc == 1;
	return rc;
}

int
sp_forecaster_ready(const sp_forecaster *f)
{
	return f->ready;
}

int
sp_forecaster_band(sp_forecaster *f, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	if (!f->ready)
		return sp_error_set(err, SP_EUSAGE, "forecaster: not ready (too little history)");
	if (H < 1 || H > f->info.hmax)
		return sp_error_set(err, SP_EUSAGE, "forecaster: horizon %d is not in 1..%d", H, f->info.hmax);
	return f->ops->band(f->st, H, lo, mid, hi, err);
}

int
sp_forecaster_quantiles(sp_forecaster *f, int H, double *out, sp_error *err)
{
	if (!f->ops->quantiles || f->info.nq < 1)
		return sp_error_set(err, SP_EUSAGE, "%s: a %s model has no quantiles", f->info.path, f->info.kind);
	if (!f->ready)
		return sp_error_set(err, SP_EUSAGE, "forecaster: not ready (too little history)");
	if (H < 1 || H > f->info.hmax)
		return sp_error_set(err, SP_EUSAGE, "forecaster: horizon %d is not in 1..%d", H, f->info.hmax);
	return f->ops->quantiles(f->st, H, out, err);
}

int
sp_forecaster_save(const sp_forecaster *f, const char *path, const char *cmdline, sp_error *err)
{
	return f->ops->save(f->st, path, cmdline, err);
}

int
sp_forecaster_state_ok(const sp_forecaster *f, sp_error *err)
{
	if (!f->ops->write_state || !f->ops->read_state)
		return sp_error_set(err, SP_EUSAGE, "%s: a%s %s model keeps no state between runs",
		    f->info.path[0] ? f->info.path : "forecaster", strchr("aeiou", f->info.kind[0]) ? "n" : "",
		    f->info.kind);
	return f->ops->write_state(f->st, NULL, err);
}

int
sp_forecaster_write_state(const sp_forecaster *f, sp_state_writer *w, sp_error *err)
{
	int rc;

	if ((rc = sp_forecaster_state_ok(f, err)) < 0)
		return rc;
	sp_state_put_str(w, "forecaster", f->info.kind);
	sp_state_put_long(w, "ready", f->ready);
	return f->ops->write_state(f->st, w, err);
}

int
sp_forecaster_read_state(sp_forecaster *f, sp_state *s, sp_error *err)
{
	long ready;
	int rc;

	if ((rc = sp_forecaster_state_ok(f, err)) < 0)
		return rc;
	if ((rc = sp_state_want_str(s, "forecaster", f->info.kind, err)) < 0 ||
	    (rc = sp_state_long(s, "ready", 0, 1, &ready, err)) < 0)
		return rc;
	f->ready = (int)ready;
	return f->ops->read_state(f->st, s, err);
}

/* ---- history ------------------------------------------------------------ */

int
sp_forecaster_hist_init(sp_forecaster_hist *h, int window, sp_error *err)
{
	memset(h, 0, sizeof *h);
	if (window < 1)
		return sp_error_set(err, SP_EUSAGE, "history window %d: must be at least 1", window);
	h->window = window;
	h->t = malloc(2 * (size_t)window * sizeof *h->t);
	h->y = malloc(2 * (size_t)window * sizeof *h->y);
	if (!h->t || !h->y) {
		sp_forecaster_hist_free(h);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	return 0;
}

void
sp_forecaster_hist_free(sp_forecaster_hist *h)
{
	free(h->t), free(h->y);
	h->t = h->y = NULL;
}

void
sp_forecaster_hist_push(sp_forecaster_hist *h, double t, double y)
{
	if (h->s + h->n == 2 * h->window) {
		int k = h->window - 1;
		memmove(h->t, h->t + h->s + h->n - k, (size_t)k * sizeof *h->t);
		memmove(h->y, h->y + h->s + h->n - k, (size_t)k * sizeof *h->y);
		h->s = 0, h->n = k;
	}
	h->t[h->s + h->n] = t, h->y[h->s + h->n] = y;
	if (h->n < h->window)
		h->n++;
	else
		h->s++;
	h->run = isfinite(y) ? h->run + 1 : 0;
}

int
sp_forecaster_hist_full(const sp_forecaster_hist *h)
{
	return h->run >= h->window;
}

const double *
sp_forecaster_hist_t(const sp_forecaster_hist *h)
{
	return h->t + h->s + h->n - h->window;
}

const double *
sp_forecaster_hist_y(const sp_forecaster_hist *h)
{
	return h->y + h->s + h->n - h->window;
}

void
sp_forecaster_hist_write_state(const sp_forecaster_hist *h, sp_state_writer *w, const char *prefix)
{
	char k[64];

	snprintf(k, sizeof k, "%s_run", prefix);
	sp_state_put_longs(w, k, 2, (const long[]){ h->run, h->n });
	snprintf(k, sizeof k, "%s_t", prefix);
	sp_state_put_doubles(w, k, (size_t)h->n, h->t + h->s);
	snprintf(k, sizeof k, "%s_y", prefix);
	sp_state_put_doubles(w, k, (size_t)h->n, h->y + h->s);
}

int
sp_forecaster_hist_read_state(sp_forecaster_hist *h, sp_state *s, const char *prefix, sp_error *err)
{
	char k[64];
	long v[2];
	int rc;

	snprintf(k, sizeof k, "%s_run", prefix);
	if ((rc = sp_state_longs(s, k, 2, 0, 1L << 52, v, err)) < 0)
		return rc;
	if (v[1] > h->window || (v[1] < h->window && v[0] > v[1]))
		return sp_state_error_back(s, 1, err, SP_EMODEL,
		    "%s: %ld values kept of a window of %d, a run of %ld", k, v[1], h->window, v[0]);
	snprintf(k, sizeof k, "%s_t", prefix);
	if ((rc = sp_state_doubles(s, k, (size_t)v[1], h->t, err)) < 0)
		return rc;
	for (long i = 0; i < v[1]; i++)
		if (!isfinite(h->t[i]))
			return sp_state_error_back(s, 1, err, SP_EMODEL, "%s: value %ld is not finite", k,
			    i + 1);
	snprintf(k, sizeof k, "%s_y", prefix);
	if ((rc = sp_state_doubles(s, k, (size_t)v[1], h->y, err)) < 0)
		return rc;
	h->s = 0, h->n = (int)v[1], h->run = v[0];
	return 0;
}
