/* sp_fc_gb: gradient-boosted forecasters behind sp_forecaster; see sp_fc_gb.h. */
#include "sp_fc_gb.h"

#include <stdlib.h>

#include "sp_gb.h"

static void
gbfc_free(void *st)
{
	sp_gb_free(st);
}

static int
gbfc_push(void *st, double t, const double *x, sp_error *err)
{
	(void)err;
	return sp_gb_push(st, t, x[0], x + 1);
}

static int
gbfc_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	return sp_gb_band(st, H, lo, mid, hi, err);
}

static int
gbfc_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	return sp_gb_save(st, path, cmdline, err);
}

static void *
gbfc_open(const char *path, const sp_forecaster_opts *o, sp_forecaster_info *info, sp_error *err)
{
	sp_gb *m = sp_gb_load(path, err);
	const sp_gb_info *gi;
	const sp_feat_spec *fs;

	if (!m)
		return NULL;
	if (o->level > 0 && sp_gb_set_level(m, o->level, err) < 0) {
		sp_gb_free(m);
		return NULL;
	}
	gi = sp_gb_describe(m);
	fs = sp_feat_spec_of(gi->feat);
	info->kind = "gb";
	info->column = gi->column;
	info->nextra = fs->nextra;
	info->extra = fs->extra;
	info->window = sp_feat_need(gi->feat);
	info->step = gi->step;
	info->hmax = info->hdefault = gi->horizon;
	if (gi->band == SP_GB_BAND_LEVEL) {
		info->band = SP_FORECASTER_BAND_LEVEL;
		info->level = gi->level;
	} else {
		info->band = SP_FORECASTER_BAND_QUANTILES;
		info->nq = gi->nq, info->q = gi->q;
	}
	info->alo = gi->qlo, info->ahi = 1 - gi->qhi;
	info->options = SP_FORECASTER_OPT_LEVEL;
	return m;
}

const sp_forecaster_ops sp_fc_gb_ops = {
	.kind = "gb",
	.open = gbfc_open,
	.push = gbfc_push,
	.band = gbfc_band,
	.save = gbfc_save,
	.free = gbfc_free,
};
