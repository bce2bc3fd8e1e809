/* sp_fc_ar: AR forecasters (fixed and rolling refit); see sp_fc_ar.h. */
#include "sp_fc_ar.h"

#include <math.h>
#include <stdlib.h>

/* Both backends share the state and the ops; roll != NULL marks the rolling one. */
typedef struct {
	sp_ar_model *m;           /* fixed: the model */
	sp_ar_roll *roll;         /* rolling: the window and its last fit */
	const sp_ar_model *last;  /* the model of the last band */
	sp_ar_band_opts band;
	sp_forecaster_hist hist;  /* fixed: the last max(need, 1) values */
} arfc;

static void
arfc_free(void *st)
{
	arfc *a = st;

	if (!a)
		return;
	sp_ar_model_free(a->m);
	sp_ar_roll_free(a->roll);
	sp_forecaster_hist_free(&a->hist);
	free(a);
}

/* level and the miss rates alo, ahi of the band */
static void
fill_info(sp_forecaster_info *info, int window, double level, double alo, double ahi)
{
	info->kind = "ar";
	info->window = window;
	info->step = 0;
	info->hmax = SP_FORECASTER_MAXH;
	info->hdefault = 1;
	info->band = SP_FORECASTER_BAND_LEVEL;
	info->level = level;
	info->alo = alo, info->ahi = ahi;
	info->options = SP_FORECASTER_OPT_LEVEL;
}

/* The fixed backend's state; takes m. */
static arfc *
fixed_new(sp_ar_model *m, const sp_ar_band_opts *o, sp_error *err)
{
	arfc *a = calloc(1, sizeof *a);
	int need = (int)sp_ar_need(m);

	if (!a) {
		sp_ar_model_free(m);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->m = m, a->band = *o;
	if (sp_forecaster_hist_init(&a->hist, need > 1 ? need : 1, err) < 0) {
		arfc_free(a);
		return NULL;
	}
	return a;
}

static int
fixed_push(void *st, double t, const double *x, sp_error *err)
{
	arfc *a = st;

	(void)err;
	sp_forecaster_hist_push(&a->hist, t, x[0]);
	return sp_forecaster_hist_full(&a->hist);
}

static int
rolling_push(void *st, double t, const double *x, sp_error *err)
{
	arfc *a = st;
	int rc;

	(void)t;
	if (!isfinite(x[0]))
		return sp_error_set(err, SP_EDATA, "rolling AR: a missing value (the window must be complete)");
	if ((rc = sp_ar_roll_push(a->roll, x[0], err)) < 0)
		return rc;
	return rc;
}

static int
arfc_push(void *st, double t, const double *x, sp_error *err)
{
	return ((arfc *)st)->roll ? rolling_push(st, t, x, err) : fixed_push(st, t, x, err);
}

static int
arfc_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	arfc *a = st;

	if (a->roll) {
		if (!(a->last = sp_ar_roll_fit(a->roll, a->band.boot > 0, err)))
			return err ? err->code : SP_EDATA;
		return sp_ar_band(a->last, NULL, 0, H, &a->band, mid, lo, hi, err);
	}
	a->last = a->m;
	return sp_ar_band(a->m, sp_forecaster_hist_y(&a->hist), (size_t)a->hist.window, H, &a->band, mid, lo, hi,
	    err);
}

static int
arfc_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	const arfc *a = st;
	const sp_ar_model *m = a->roll ? a->last : a->m;

	if (!m)
		return sp_error_set(err, SP_EUSAGE, "%s: no fitted AR model to save yet", path);
	return sp_ar_save(m, path, cmdline, err);
}

static void *
arfc_open(const char *path, const sp_forecaster_opts *o, sp_forecaster_info *info, sp_error *err)
{
	/* forecast's band: quantiles (1 - L)/2 and 1 - that, miss rates (1 - L)/2 each */
	double level = o->level > 0 ? o->level : 0.8, alpha = (1 - level) / 2;
	sp_ar_band_opts bo = { alpha, 1 - alpha, 0, NULL };
	sp_ar_model *m = sp_ar_load(path, err);
	arfc *a;

	if (!m || !(a = fixed_new(m, &bo, err)))
		return NULL;
	fill_info(info, a->hist.window, level, alpha, alpha);
	return a;
}

const sp_forecaster_ops sp_fc_ar_ops = {
	.kind = "ar",
	.open = arfc_open,
	.push = arfc_push,
	.band = arfc_band,
	.save = arfc_save,
	.free = arfc_free,
};

sp_forecaster *
sp_fc_ar_new(sp_ar_model *m, const sp_ar_band_opts *o, sp_error *err)
{
	sp_forecaster_info info = { 0 };
	arfc *a = fixed_new(m, o, err);

	if (!a)
		return NULL;
	fill_info(&info, a->hist.window, o->qhi - o->qlo, o->qlo, 1 - o->qhi);
	return sp_forecaster_new(&sp_fc_ar_ops, a, &info, err);
}

sp_forecaster *
sp_fc_ar_rolling_new(const sp_ar_spec *spec, size_t window, const sp_ar_band_opts *o, sp_error *err)
{
	arfc *a = calloc(1, sizeof *a);
	sp_forecaster_info info = { 0 };

	if (!a) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->band = *o;
	if (!(a->roll = sp_ar_roll_new(spec, window, err))) {
		arfc_free(a);
		return NULL;
	}
	fill_info(&info, (int)window, o->qhi - o->qlo, o->qlo, 1 - o->qhi);
	return sp_forecaster_new(&sp_fc_ar_ops, a, &info, err);
}

const sp_ar_model *
sp_fc_ar_model(const sp_forecaster *f)
{
	const arfc *a = sp_forecaster_state(f, &sp_fc_ar_ops);

	return a ? a->last : NULL;
}
