/* sp_fc_lstm: the LSTM/GRU forecaster; see sp_fc_lstm.h. */
#include "sp_fc_lstm.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	sp_lstm *m;
	sp_lstm_pred *pr;
	sp_forecaster_hist hist;   /* the last `window` rows */
	double *lo, *mid, *hi;     /* (horizon) each: one prediction */
	double *q;                 /* (horizon * nq) its quantiles */
	char *path;
} lstmfc;

static void
lstmfc_free(void *st)
{
	lstmfc *a = st;

	if (!a)
		return;
	sp_lstm_pred_free(a->pr);
	sp_lstm_free(a->m);
	sp_forecaster_hist_free(&a->hist);
	free(a->lo), free(a->q), free(a->path);
	free(a);
}

static int
lstmfc_columns(void *st, const sp_forecaster_info *info, const sp_csv_reader *r, const char *column, int *cols,
    sp_error *err)
{
	lstmfc *a = st;

	(void)info;
	cols[0] = sp_lstm_input_col(a->m, a->path, r, column, err);
	return cols[0] < 0 ? cols[0] : 0;
}

static int
lstmfc_push(void *st, double t, const double *x, sp_error *err)
{
	lstmfc *a = st;

	(void)err;
	sp_forecaster_hist_push(&a->hist, t, x[0]);
	return sp_forecaster_hist_full(&a->hist);
}

static int
lstmfc_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	lstmfc *a = st;
	size_t n = (size_t)H * sizeof *lo;

	(void)err;
	sp_lstm_predict(a->pr, sp_forecaster_hist_t(&a->hist), sp_forecaster_hist_y(&a->hist), a->lo, a->mid, a->hi);
	memcpy(lo, a->lo, n), memcpy(mid, a->mid, n), memcpy(hi, a->hi, n);
	return 0;
}

static int
lstmfc_quantiles(void *st, int H, double *out, sp_error *err)
{
	lstmfc *a = st;

	(void)err;
	sp_lstm_predict(a->pr, sp_forecaster_hist_t(&a->hist), sp_forecaster_hist_y(&a->hist), a->lo, a->mid, a->hi);
	sp_lstm_pred_quantiles(a->pr, a->q);
	memcpy(out, a->q, (size_t)H * (size_t)a->m->nq * sizeof *out);
	return 0;
}

static int
lstmfc_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	return sp_lstm_save(((const lstmfc *)st)->m, path, cmdline, err);
}

/* The state over m (taken) and info. */
static lstmfc *
state_new(sp_lstm *m, const char *path, sp_forecaster_info *info, sp_error *err)
{
	lstmfc *a = calloc(1, sizeof *a);
	size_t H = (size_t)m->horizon;

	if (!a) {
		sp_lstm_free(m);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->m = m;
	if (!(a->path = strdup(path ? path : "")) || !(a->lo = malloc(3 * H * sizeof *a->lo)) ||
	    !(a->q = malloc(H * (size_t)(m->nq > 0 ? m->nq : 1) * sizeof *a->q))) {
		lstmfc_free(a);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->mid = a->lo + H, a->hi = a->mid + H;
	if (sp_forecaster_hist_init(&a->hist, m->window, err) < 0 || !(a->pr = sp_lstm_pred_new(m, err))) {
		lstmfc_free(a);
		return NULL;
	}
	sp_nn_threads(1);
	memset(info, 0, sizeof *info);
	info->kind = "lstm";
	info->path = a->path;
	info->column = m->column[0] ? m->column : NULL;
	info->window = m->window;
	info->step = m->step;
	info->hmax = info->hdefault = m->horizon;
	info->nq = m->nq, info->q = m->q;
	if (m->nq == 0) {   /* +-1.96 RMSE */
		info->band = SP_FORECASTER_BAND_LEVEL, info->level = 0.95;
		info->alo = info->ahi = 0.025;
	} else {
		info->band = SP_FORECASTER_BAND_QUANTILES;
		if (m->nq >= 2)
			info->alo = m->q[0], info->ahi = 1 - m->q[m->nq - 1];
		else
			info->noband = "has a single quantile";
	}
	return a;
}

static void *
lstmfc_open(const char *path, const sp_forecaster_opts *o, sp_forecaster_info *info, sp_error *err)
{
	sp_lstm *m;

	if (o->level > 0) {
		sp_error_set(err, SP_EUSAGE, "--level applies to AR models (an LSTM's band is its quantiles)");
		return NULL;
	}
	if (!(m = sp_lstm_load(path, err)))
		return NULL;
	return state_new(m, path, info, err);
}

const sp_forecaster_ops sp_fc_lstm_ops = {
	.kind = "lstm",
	.open = lstmfc_open,
	.columns = lstmfc_columns,
	.push = lstmfc_push,
	.band = lstmfc_band,
	.quantiles = lstmfc_quantiles,
	.save = lstmfc_save,
	.free = lstmfc_free,
};

sp_forecaster *
sp_fc_lstm_new(sp_lstm *m, const char *path, sp_error *err)
{
	sp_forecaster_info info;
	lstmfc *a = state_new(m, path, &info, err);

	return a ? sp_forecaster_new(&sp_fc_lstm_ops, a, &info, err) : NULL;
}
