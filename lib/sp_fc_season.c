/* sp_fc_season: seasonfit models behind sp_forecaster; see sp_fc_season.h. */
#include "sp_fc_season.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_rand.h"

typedef struct {
	sp_season_model *saved;    /* the model file's: specification and fit */
	sp_season_model *fit;      /* in use: saved (refit 0) or the last refit, NULL before it */
	sp_season_file file;       /* strings below */
	char column[256], cap[256], floor[256];
	const char *extra[2];
	sp_season_data hist;       /* refit > 0: every row so far */
	size_t hcap;
	long rows, refits;
	double last_t, last_cap, last_floor, step, qlo, qhi;
	int nextra;
	sp_rand *rng;
	double *buf;               /* band scratch: times, caps, floors (H each) */
	int bufH;
	char *path;
} seasonfc;

static void
seasonfc_free(void *st)
{
	seasonfc *a = st;

	if (!a)
		return;
	if (a->fit != a->saved)
		sp_season_model_free(a->fit);
	sp_season_model_free(a->saved);
	sp_season_data_free(&a->hist);
	sp_rand_free(a->rng);
	free(a->buf), free(a->path);
	free(a);
}

static int
hist_push(seasonfc *a, double t, double y, double cap, double fl, sp_error *err)
{
	sp_season_data *d = &a->hist;

	if (d->n == a->hcap) {
		size_t c = a->hcap ? 2 * a->hcap : 1024;
		double **arr[4] = { &d->t, &d->y, a->nextra > 0 ? &d->cap : NULL, a->nextra > 1 ? &d->floor : NULL };
		for (int i = 0; i < 4; i++) {
			double *q;
			if (!arr[i])
				continue;
			if (!(q = realloc(*arr[i], c * sizeof *q)))
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			*arr[i] = q;
		}
		a->hcap = c;
	}
	d->t[d->n] = t, d->y[d->n] = y;
	if (d->cap)
		d->cap[d->n] = cap;
	if (d->floor)
		d->floor[d->n] = fl;
	d->n++;
	return 0;
}

static int
seasonfc_push(void *st, double t, const double *x, sp_error *err)
{
	seasonfc *a = st;
	double cap = a->nextra > 0 ? x[1] : NAN, fl = a->nextra > 1 ? x[2] : NAN;
	int rc;

	if (a->nextra > 0 && !(isfinite(cap) && (a->nextra < 2 || isfinite(fl))))
		return sp_error_set(err, SP_EDATA, "%s: a logistic model needs the capacity%s in every row", a->path,
		    a->nextra > 1 ? " and the floor" : "");
	a->rows++;
	a->last_t = t, a->last_cap = cap, a->last_floor = fl;
	if (a->file.refit == 0)
		return 1;
	if ((rc = hist_push(a, t, x[0], cap, fl, err)) < 0)
		return rc;
	if (a->rows % a->file.refit == 0) {
		sp_season_model *m = NULL;
		sp_error e;
		rc = sp_season_refit(a->saved, &a->hist, &m, &e);
		if (rc == 0) {
			if (a->fit != a->saved)
				sp_season_model_free(a->fit);
			a->fit = m;
			a->refits++;
		} else if (rc != SP_EDATA) {   /* too little history keeps the last fit */
			if (err)
				*err = e;
			return rc;
		}
	}
	return a->fit != NULL;
}

static int
seasonfc_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	seasonfc *a = st;
	double *t, *cap, *fl;
	int rc;

	if (H > a->bufH) {
		double *b = realloc(a->buf, 3 * (size_t)H * sizeof *b);
		if (!b)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		a->buf = b, a->bufH = H;
	}
	t = a->buf, cap = t + H, fl = cap + H;
	for (int h = 0; h < H; h++) {
		t[h] = a->last_t + (double)(h + 1) * a->step;
		cap[h] = a->last_cap, fl[h] = a->last_floor;
	}
	if ((rc = sp_season_predict(a->fit, (size_t)H, t, a->nextra > 0 ? cap : NULL, a->nextra > 1 ? fl : NULL, mid,
	    NULL, NULL, err)) < 0)
		return rc;
	return sp_season_band(a->fit, (size_t)H, t, a->nextra > 0 ? cap : NULL, a->nextra > 1 ? fl : NULL,
	    a->file.samples, a->qlo, a->qhi, a->rng, lo, hi, err);
}

static int
seasonfc_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	const seasonfc *a = st;

	return sp_season_save(a->fit ? a->fit : a->saved, &a->file, path, cmdline, err);
}

/* The state over m (taken); info filled. */
static seasonfc *
state_new(sp_season_model *m, const sp_season_file *f, double level, const char *path, sp_forecaster_info *info,
    sp_error *err)
{
	seasonfc *a = calloc(1, sizeof *a);
	sp_season_info si;

	if (!a || !(a->path = strdup(path ? path : "")) || !(a->rng = sp_rand_new(f->seed))) {
		if (a)
			free(a->path), free(a);
		sp_season_model_free(m);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->saved = m;
	a->file = *f;
	snprintf(a->column, sizeof a->column, "%s", f->column ? f->column : "value");
	a->file.column = a->column;
	if (f->cap_column) {
		snprintf(a->cap, sizeof a->cap, "%s", f->cap_column);
		a->file.cap_column = a->extra[a->nextra++] = a->cap;
	}
	if (f->floor_column) {
		snprintf(a->floor, sizeof a->floor, "%s", f->floor_column);
		a->file.floor_column = a->extra[a->nextra++] = a->floor;
	}
	if (a->file.samples < 1)
		a->file.samples = 1000;
	sp_season_describe(m, &si);
	a->step = si.step;
	a->fit = f->refit == 0 ? m : NULL;
	level = level > 0 ? level : 0.8;
	a->qlo = (1 - level) / 2, a->qhi = (1 + level) / 2;
	memset(info, 0, sizeof *info);
	info->kind = "season";
	info->path = a->path;
	info->column = a->column;
	info->nextra = a->nextra;
	info->extra = a->extra;
	info->window = 1;
	info->step = a->step;
	info->hmax = SP_FORECASTER_MAXH;
	info->hdefault = 1;
	info->band = SP_FORECASTER_BAND_LEVEL;
	info->level = level;
	info->alo = info->ahi = (1 - level) / 2;
	info->options = SP_FORECASTER_OPT_LEVEL;
	return a;
}

static void *
seasonfc_open(const char *path, const sp_forecaster_opts *o, sp_forecaster_info *info, sp_error *err)
{
	sp_season_file f;
	sp_season_model *m;

	if (o->level < 0 || o->level >= 1) {
		sp_error_set(err, SP_EUSAGE, "--level: must be strictly between 0 and 1");
		return NULL;
	}
	if (!(m = sp_season_load(path, &f, err)))
		return NULL;
	return state_new(m, &f, o->level, path, info, err);
}

const sp_forecaster_ops sp_fc_season_ops = {
	.kind = "season",
	.open = seasonfc_open,
	.push = seasonfc_push,
	.band = seasonfc_band,
	.save = seasonfc_save,
	.free = seasonfc_free,
};

sp_forecaster *
sp_fc_season_new(sp_season_model *m, const sp_season_file *f, double level, const char *path, sp_error *err)
{
	sp_forecaster_info info;
	seasonfc *a;

	if (level < 0 || level >= 1) {
		sp_season_model_free(m);
		sp_error_set(err, SP_EUSAGE, "--level: must be strictly between 0 and 1");
		return NULL;
	}
	if (!(a = state_new(m, f, level, path, &info, err)))
		return NULL;
	return sp_forecaster_new(&sp_fc_season_ops, a, &info, err);
}

const sp_season_model *
sp_fc_season_fit(const sp_forecaster *f)
{
	const seasonfc *a = sp_forecaster_state(f, &sp_fc_season_ops);

	return a ? a->fit : NULL;
}

long
sp_fc_season_refits(const sp_forecaster *f)
{
	const seasonfc *a = sp_forecaster_state(f, &sp_fc_season_ops);

	return a ? a->refits : 0;
}
