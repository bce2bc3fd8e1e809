/* libFuzzer target: every model kind's loader on arbitrary bytes, then the
 * loaded model in use.  The input is the model file; each loader is tried
 * (all but one refuse it on its first line):
 *   ar, lstm, gb, season   sp_forecaster_open, 40 observations pushed, the
 *                          band and quantiles of the first horizons
 *   svr                    sp_svr_load + predictions; sp_perf_load_svr
 *                          (latency and CPU model) + w*
 *   ppo                    sp_rlenv_policy_load + an agent's decisions
 *   scaler                 sp_scaler_load + apply / invert
 *   burst                  sp_burst_load + a detector over a few origins
 *   anomaly                sp_anomaly_load + scores
 *   (any kind)             sp_model_peek */
#include "fuzz.h"

#include <math.h>

#include "sp_anomaly.h"
#include "sp_burst.h"
#include "sp_forecaster.h"
#include "sp_model.h"
#include "sp_perf.h"
#include "sp_rlenv.h"
#include "sp_scaler.h"
#include "sp_svr.h"

static void
use_forecaster(const char *path)
{
	static const double levels[] = { 0, 0.8, 0.5 };
	sp_error err;
	int li;

	for (li = 0; li < 2; li++) {
		sp_forecaster_opts o = { levels[li] };
		sp_forecaster *f = sp_forecaster_open(path, &o, &err);
		const sp_forecaster_info *info;
		double x[SP_FORECASTER_MAXCOLS], lo[8], mid[8], hi[8], *q;
		double step;
		int i, j, H;

		if (!f)
			continue;
		info = sp_forecaster_describe(f);
		step = info->step > 0 ? info->step : 60;
		for (i = 0; i < 40; i++) {
			x[0] = i == 17 ? NAN : 100 + 10 * sin(i * 0.3);
			for (j = 1; j <= info->nextra && j < SP_FORECASTER_MAXCOLS; j++)
				x[j] = (i + j) % 5;
			if (sp_forecaster_push(f, 1700000000 + i * step, x, &err) < 0)
				break;
		}
		H = info->hmax < 8 ? info->hmax : 8;
		if (H >= 1 && sp_forecaster_ready(f)) {
			sp_forecaster_band(f, H, lo, mid, hi, &err);
			if (info->nq > 0 && info->nq < 1000 && (q = malloc(sizeof *q * (size_t)(H * info->nq)))) {
				sp_forecaster_quantiles(f, H, q, &err);
				free(q);
			}
		}
		sp_forecaster_free(f);
	}
}

static void
use_svr(const char *path)
{
	sp_error err;
	sp_svr *m = sp_svr_load(path, &err);
	sp_perf *p;
	double w;

	if (m) {
		double x[SP_SVR_MAX_FEATURES];
		size_t i, n = sp_svr_nfeatures(m);
		for (i = 0; i < n && i < SP_SVR_MAX_FEATURES; i++)
			x[i] = (double)i + 0.5;
		sp_svr_predict(m, x);
		x[0] = -1e6;
		sp_svr_predict(m, x);
		sp_svr_free(m);
	}
	if ((p = sp_perf_load_svr(path, path, 100, &err))) {
		sp_perf_wstar(p, 20, 90, &w, &err);
		sp_perf_latency(p, 150);
		sp_perf_free(p);
	}
}

static void
use_ppo(const char *path)
{
	static const double w[] = { 1, 50, 100 }, lat[] = { 5, 10, 40 }, cpu[] = { 1, 50, 100 };
	sp_error err;
	sp_rlenv_opts o;
	sp_ppo_policy *p;
	sp_perf *perf;
	sp_rlenv_agent *g;
	int i, a;

	sp_rlenv_defaults(&o);
	if (!(p = sp_rlenv_policy_load(path, &o, &err)))
		return;
	if ((perf = sp_perf_from_arrays(w, lat, cpu, 3, &err))) {
		if ((g = sp_rlenv_agent_new(&o, p, perf, &err))) {
			for (i = 0; i < 12; i++) {
				sp_rlenv_agent_observe(g, i == 3 ? NAN : 100 + 30 * i);
				sp_rlenv_agent_decide(g, 60.0 * i, 1 + i % 4, i % 2 ? NAN : 50, NAN,
				    120 + i, 150 + i, &a);
			}
			sp_rlenv_agent_free(g);
		}
		sp_perf_free(perf);
	}
	sp_ppo_policy_free(p);
}

static void
use_scaler(const char *path)
{
	sp_error err;
	sp_scaler *s = sp_scaler_load(path, &err);
	size_t j;

	if (!s)
		return;
	for (j = 0; j < s->ncols; j++) {
		sp_scaler_invert(s, j, sp_scaler_apply(s, j, 3.5));
		sp_scaler_col(s, s->names[j]);
	}
	sp_scaler_free(s);
}

static void
use_burst(const char *path)
{
	sp_error err;
	sp_burst_opts o;
	sp_burst *b;
	double L[64], M[64], U[64];
	int i, h, label, outside;

	sp_burst_defaults(&o);
	if (sp_burst_load(path, &o, &err) < 0 || o.H < 1 || o.H > 64)
		return;
	if (!(b = sp_burst_new(&o, &err)))
		return;
	for (i = 0; i < 30; i++) {
		if (sp_burst_observe(b, i == 20 ? 1000 : 100 + i % 3, &label, &outside, &err) < 0)
			break;
		for (h = 0; h < o.H; h++)
			M[h] = 100, L[h] = 90, U[h] = 110;
		if (sp_burst_forecast(b, L, M, U, &err) < 0)
			break;
	}
	sp_burst_free(b);
}

static void
use_anomaly(const char *path)
{
	sp_error err;
	const char *spec;
	const char *const *names;
	size_t ncols, dim, j;
	sp_anomaly_fb *fb;
	sp_anomaly *a = sp_anomaly_load(path, &spec, &names, &ncols, &err);
	int i;

	if (!a)
		return;
	if ((fb = sp_anomaly_fb_new(spec, ncols, 1, &err))) {
		double x[64], band[3] = { 100, 90, 110 }, *feat;
		dim = sp_anomaly_fb_dim(fb);
		if (ncols <= 64 && (feat = calloc(dim + 1, sizeof *feat))) {
			for (i = 0; i < 60; i++) {
				double score;
				int flag;
				for (j = 0; j < ncols; j++)
					x[j] = i == 40 ? 1e6 : 100 + (double)((i * 7 + (int)j) % 11);
				if (sp_anomaly_fb_push(fb, 1700000000 + 60.0 * i, x, band, feat) == 1)
					sp_anomaly_step(a, feat, &score, &flag, &err);
				else
					sp_anomaly_step(a, NULL, &score, &flag, &err);
			}
			free(feat);
		}
		sp_anomaly_fb_free(fb);
	}
	sp_anomaly_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], kind[32];
	sp_error err;
	int version;

	if (fz_file(data, size, path, NULL) < 0)
		return 0;
	if (sp_model_peek(path, kind, sizeof kind, &version, &err) == 0) {
		use_forecaster(path);
		use_svr(path);
		use_ppo(path);
		use_scaler(path);
		use_burst(path);
		use_anomaly(path);
	}
	unlink(path);
	return 0;
}
