/* test_fc_lstm: the LSTM/GRU forecaster behind sp_forecaster gives, bit for
 * bit, sp_lstm_predict on the last `window` rows (the committed tiny models
 * on the sine of tests/cli/data, whose forecasts equal PyTorch's in
 * tests/cli/forecast.sh), waits for a full window after a missing value,
 * finds its column, refuses --level, saves what it loaded.  The hybrid (an
 * LSTM on the residuals of a seasonfit base) gives exactly the seasonal
 * point forecast plus the LSTM on the window's residuals, is causal (a
 * prefix of the input gives a prefix of the bands, also with a base that
 * refits), and refuses a missing or changed base.  Its residuals are the
 * rolling ones (each row's against the base's forecast made the row
 * before), and on seasonal + AR(1) data it beats its base (known answer).
 * The training targets against the fit in use at each origin differ from
 * the rolling residuals exactly where the base refits in between, by the
 * difference of the two fits' forecasts (computed again by pushing the
 * rows to a seasonfit forecaster).  A mixed hybrid's band and quantiles
 * are w_h times the LSTM alone's on the window of values plus 1 - w_h times
 * the hybrid's, the edges moved by the mix's calibration (by hand). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_csv.h"
#include "sp_fc_lstm.h"
#include "sp_fc_season.h"
#include "sp_forecaster.h"
#include "sp_lstm.h"
#include "sp_season.h"
#include "sp_state.h"

#define SINE "tests/cli/data/lstm-sine.csv"

enum { MAXN = 200 };

static int
load_sine(double *t, double *y)
{
	sp_error err = { 0 };
	FILE *fp = fopen(SINE, "r");
	sp_csv_reader *r = fp ? sp_csv_reader_new(fp, SINE, SP_CSV_NEED_TIMESTAMP, &err) : NULL;
	int n = 0;

	while (r && n < MAXN && sp_csv_next(r, &err) == SP_OK) {
		sp_csv_get_timestamp(r, &t[n], &err);
		sp_csv_get_double(r, 1, &y[n], &err);
		n++;
	}
	sp_csv_reader_free(r);
	if (fp)
		fclose(fp);
	return n;
}

/* model file through sp_forecaster_open, and sp_lstm_predict directly */
static void
check_model(const char *path, int holes)
{
	sp_error err = { 0 };
	double t[MAXN], y[MAXN], lo[16], mid[16], hi[16], lo2[16], mid2[16], hi2[16], qs[64];
	sp_forecaster *f = sp_forecaster_open(path, NULL, &err);
	int qok = 1;
	sp_lstm *m = sp_lstm_load(path, &err);
	sp_lstm_pred *p = m ? sp_lstm_pred_new(m, &err) : NULL;
	int n = load_sine(t, y), W, HM, run = 0, origins = 0, ok = 1, rdy = 1;

	CHECK(f && m && p && n == 160, "%s: open, load, %d rows: %s", path, n, err.msg);
	if (!f || !m || !p)
		goto out;
	W = m->window, HM = m->horizon;
	if (holes)
		y[30] = y[90] = NAN;
	for (int i = 0; i < n; i++) {
		int rc = sp_forecaster_push(f, t[i], &y[i], &err);
		run = isfinite(y[i]) ? run + 1 : 0;
		if (rc != (run >= W))
			rdy = 0;
		if (rc != 1)
			continue;
		origins++;
		sp_lstm_predict(p, t + i + 1 - W, y + i + 1 - W, lo2, mid2, hi2);
		if (m->nq == 0) {
			if (sp_forecaster_quantiles(f, HM, qs, &err) != SP_EUSAGE)
				qok = 0;
		} else if (sp_forecaster_quantiles(f, HM, qs, &err) < 0) {
			qok = 0;
		} else {
			for (int h = 0; h < HM; h++) {
				const double *qh = qs + h * m->nq;
				if (qh[0] != lo2[h] || qh[m->qmid] != mid2[h] || qh[m->nq - 1] != hi2[h])
					qok = 0;
				for (int k = 1; k < m->nq; k++)
					if (!(qh[k] >= qh[k - 1]))
						qok = 0;
			}
		}
		for (int H = 1; H <= HM; H++)
			if (sp_forecaster_band(f, H, lo, mid, hi, &err) < 0 ||
			    memcmp(lo, lo2, (size_t)H * sizeof *lo) || memcmp(mid, mid2, (size_t)H * sizeof *lo) ||
			    memcmp(hi, hi2, (size_t)H * sizeof *lo))
				ok = 0;
	}
	CHECK(rdy, "%s: ready after %d consecutive present rows", path, W);
	CHECK(ok, "%s: %d origins, every H, equal sp_lstm_predict", path, origins);
	CHECK(qok, "%s: quantiles ascending, outer ones and the middle = the band (none for MSE)", path);
	CHECK(origins == (holes ? n - W + 1 - 2 * W : n - W + 1), "%s: origins %d", path, origins);
out:
	sp_forecaster_free(f);
	sp_lstm_pred_free(p);
	sp_lstm_free(m);
}

static void
test_columns(void)
{
	static const char csv[] = "timestamp,cpu,load\n", csv2[] = "timestamp,cpu\n";
	sp_error err = { 0 };
	sp_forecaster *f = sp_forecaster_open("tests/cli/data/lstm-tiny.lstm", NULL, &err);
	FILE *fp = fmemopen((void *)csv, strlen(csv), "r"), *fp2 = fmemopen((void *)csv2, strlen(csv2), "r");
	sp_csv_reader *r = sp_csv_reader_new(fp, "-", SP_CSV_NEED_TIMESTAMP, &err);
	sp_csv_reader *r2 = sp_csv_reader_new(fp2, "-", SP_CSV_NEED_TIMESTAMP, &err);
	int cols[SP_FORECASTER_MAXCOLS];

	CHECK(f && r && r2, "open");
	if (f && r && r2) {
		CHECK(sp_forecaster_columns(f, r, NULL, cols, &err) == 1 && cols[0] == 2, "the model's column");
		CHECK(sp_forecaster_columns(f, r, "cpu", cols, &err) == 1 && cols[0] == 1, "-c");
		CHECK(sp_forecaster_columns(f, r2, NULL, cols, &err) == SP_EDATA, "no such column");
		CHECK_STR(err.msg, "tests/cli/data/lstm-tiny.lstm was trained on column 'load' (features "
		    "value,hour,dow) and the input has no such column; pick one with -c", "sp_lstm_input_col's message");
		CHECK(sp_forecaster_columns(f, r2, "timestamp", cols, &err) == SP_EUSAGE, "timestamp refused");
	}
	sp_csv_reader_free(r), sp_csv_reader_free(r2);
	fclose(fp), fclose(fp2);
	sp_forecaster_free(f);
}

static void
test_memory_and_save(void)
{
	char dir[] = "/tmp/test_fc_lstm.XXXXXX", path[64];
	static const double q1 = 0.5;
	sp_error err = { 0 };
	sp_lstm *m = sp_lstm_load("tests/cli/data/lstm-tiny-level.lstm", &err);
	sp_forecaster *f = m ? sp_fc_lstm_new(m, NULL, &err) : NULL, *g = NULL;
	double t[MAXN], y[MAXN], lo[3], mid[3], hi[3], lo2[3], mid2[3], hi2[3];
	int n = load_sine(t, y);

	CHECK(f != NULL, "in memory: %s", err.msg);
	if (!f || !mkdtemp(dir))
		return;
	CHECK_STR(sp_forecaster_describe(f)->path, "", "no path");
	snprintf(path, sizeof path, "%s/m.lstm", dir);
	CHECK(sp_forecaster_save(f, path, "test", &err) == 0, "save: %s", err.msg);
	g = sp_forecaster_open(path, NULL, &err);
	CHECK(g != NULL, "open the saved model: %s", err.msg);
	if (g) {
		for (int i = 0; i < n; i++)
			sp_forecaster_push(f, t[i], &y[i], &err), sp_forecaster_push(g, t[i], &y[i], &err);
		sp_forecaster_band(f, 3, lo, mid, hi, &err);
		sp_forecaster_band(g, 3, lo2, mid2, hi2, &err);
		CHECK(!memcmp(lo, lo2, sizeof lo) && !memcmp(mid, mid2, sizeof mid) && !memcmp(hi, hi2, sizeof hi),
		    "the saved model forecasts the same");
	}
	sp_forecaster_free(f);
	sp_forecaster_free(g);
	unlink(path);
	/* a model of one quantile has no band to recalibrate */
	m = sp_lstm_new(SP_NN_LSTM, 1, 2, 3, 1, 0, 1, &q1, &err);
	f = m ? sp_fc_lstm_new(m, "q1.lstm", &err) : NULL;
	CHECK(f && sp_forecaster_describe(f)->alo == 0 && !strcmp(sp_forecaster_describe(f)->noband,
	    "has a single quantile"), "one quantile: no band");
	sp_forecaster_free(f);
	rmdir(dir);
}

/* A seasonfit base on the first 120 rows of the sine (trend and a custom
 * 2-hour period), saved at bpath with refit N; the tiny LSTM with that base
 * saved at hpath. */
static int
hybrid_files(const char *bpath, const char *hpath, long refit, const double *t, const double *y)
{
	sp_error err = { 0 };
	sp_season_spec s;
	sp_season_data d = { .n = 120, .t = (double *)t, .y = (double *)y };
	sp_season_file sf = { .column = "load", .refit = refit, .samples = 10, .seed = 1 };
	sp_season_model *sm = NULL;
	sp_lstm *m = sp_lstm_load("tests/cli/data/lstm-tiny.lstm", &err);
	int ok;

	sp_season_spec_defaults(&s);
	ok = m && sp_season_add_custom(&s, "--seasonality", "twohour,0.0833333333,2", &err) == 0 &&
	    sp_season_fit(&s, &d, &sm, &err) == 0 && sp_season_save(sm, &sf, bpath, NULL, &err) == 0 &&
	    sp_fc_lstm_set_base(m, bpath, hpath, &err) == 0 && sp_lstm_save(m, hpath, NULL, &err) == 0;
	CHECK(ok, "hybrid files: %s", err.msg);
	CHECK_STR(m ? m->base : "", "b.season", "the base is stored relative to the model's directory");
	sp_season_model_free(sm);
	sp_lstm_free(m);
	return ok;
}

/* Every band of the rows [0, n) of a hybrid, as (row, h) -> lo, mid, hi;
 * NaN where not ready. */
static void
hybrid_bands(const char *hpath, const double *t, const double *y, int n, double *bands)
{
	sp_error err = { 0 };
	sp_forecaster *f = sp_forecaster_open(hpath, NULL, &err);

	CHECK(f != NULL, "open the hybrid: %s", err.msg);
	for (int i = 0; i < n * 9; i++)
		bands[i] = NAN;
	for (int i = 0; f && i < n; i++) {
		double *b = bands + i * 9;
		if (sp_forecaster_push(f, t[i], &y[i], &err) == 1)
			CHECK(sp_forecaster_band(f, 3, b, b + 3, b + 6, &err) == 0, "band: %s", err.msg);
	}
	sp_forecaster_free(f);
}

static void
test_hybrid(void)
{
	char dir[] = "/tmp/test_fc_lstm.XXXXXX", bpath[64], hpath[64];
	sp_error err = { 0 };
	double t[MAXN], y[MAXN], res[MAXN], yh[MAXN], ft[3], sm3[3], lo[3], mid[3], hi[3], lo2[3], mid2[3], hi2[3];
	double qs[9], qs2[9], full[MAXN * 9], pre[MAXN * 9];
	int n = load_sine(t, y), origins = 0, same = 1, qsame = 1;
	sp_lstm *m = sp_lstm_load("tests/cli/data/lstm-tiny.lstm", &err), *hm = NULL;
	sp_lstm_pred *p = m ? sp_lstm_pred_new(m, &err) : NULL;
	sp_season_file sf;
	sp_season_model *sm = NULL;
	sp_forecaster *f = NULL;
	FILE *fp;

	if (!p || !mkdtemp(dir)) {
		CHECK(0, "setup: %s", err.msg);
		return;
	}
	snprintf(bpath, sizeof bpath, "%s/b.season", dir);
	snprintf(hpath, sizeof hpath, "%s/h.lstm", dir);
	if (!hybrid_files(bpath, hpath, 0, t, y))
		goto out;
	sm = sp_season_load(bpath, &sf, &err);
	hm = sp_lstm_load(hpath, &err);
	f = sp_forecaster_open(hpath, NULL, &err);
	CHECK(sm && hm && f, "load: %s", err.msg);
	if (!sm || !hm || !f)
		goto out;
	CHECK(hm->base_sum[0] && sp_forecaster_describe(f)->window == 8 && sp_forecaster_describe(f)->hmax == 3,
	    "the hybrid's info is the LSTM's");
	/* the residuals lstmtrain trains on */
	CHECK(sp_fc_lstm_residuals(hm, hpath, t, y, (size_t)n, res, NULL, &err) == 0, "residuals: %s", err.msg);
	sp_season_predict(sm, (size_t)n, t, NULL, NULL, yh, NULL, NULL, &err);
	for (int i = 0; i < n; i++)
		if (res[i] != y[i] - yh[i])
			same = 0;
	CHECK(same, "residuals are y - the base's point forecast");
	/* the sum */
	for (int i = 0; i < n; i++) {
		if (sp_forecaster_push(f, t[i], &y[i], &err) != (i >= 7))
			same = 0;
		if (i < 7)
			continue;
		origins++;
		sp_forecaster_band(f, 3, lo, mid, hi, &err);
		sp_forecaster_quantiles(f, 3, qs, &err);
		for (int h = 0; h < 3; h++)
			ft[h] = t[i] + 300.0 * (h + 1);
		sp_season_predict(sm, 3, ft, NULL, NULL, sm3, NULL, NULL, &err);
		sp_lstm_predict(p, t + i - 7, res + i - 7, lo2, mid2, hi2);
		sp_lstm_pred_quantiles(p, qs2);
		for (int h = 0; h < 3; h++) {
			if (lo[h] != lo2[h] + sm3[h] || mid[h] != mid2[h] + sm3[h] || hi[h] != hi2[h] + sm3[h])
				same = 0;
			for (int k = 0; k < 3; k++)
				if (qs[h * 3 + k] != qs2[h * 3 + k] + sm3[h])
					qsame = 0;
		}
	}
	CHECK(same && origins == n - 7, "band = seasonal point forecast + LSTM on the residuals, %d origins", origins);
	CHECK(qsame, "quantiles = seasonal point forecast + the LSTM's");
	/* causal: a prefix gives a prefix, with the saved fit and with refits */
	for (long refit = 0; refit <= 40; refit += 40) {
		if (refit && !hybrid_files(bpath, hpath, refit, t, y))
			break;
		hybrid_bands(hpath, t, y, n, full);
		hybrid_bands(hpath, t, y, 100, pre);
		same = 1;
		for (int i = 0; i < 100 * 9; i++)
			if (!(full[i] == pre[i] || (isnan(full[i]) && isnan(pre[i]))))
				same = 0;
		CHECK(same, "refit %ld: a prefix of 100 rows gives the same bands", refit);
		/* refit 40: the first fit after row 40, the first residual row 41's,
		 * the window of 8 residuals full at row 48 */
		CHECK(isnan(full[(refit ? 46 : 6) * 9]) && !isnan(full[(refit ? 47 : 7) * 9]),
		    "refit %ld: ready from row %d", refit, refit ? 48 : 8);
	}
	/* a changed or missing base */
	if ((fp = fopen(bpath, "a")))
		fputs("\n", fp), fclose(fp);
	sp_forecaster_free(f);
	f = sp_forecaster_open(hpath, NULL, &err);
	CHECK(!f && err.code == SP_EMODEL && strstr(err.msg, "has changed since the LSTM was trained on it"),
	    "a changed base: %s", err.msg);
	unlink(bpath);
	sp_forecaster_free(f);
	f = sp_forecaster_open(hpath, NULL, &err);
	CHECK(!f && strstr(err.msg, "its base seasonfit model 'b.season' cannot be read"), "a missing base: %s",
	    err.msg);
out:
	sp_forecaster_free(f);
	sp_season_model_free(sm);
	sp_lstm_free(hm);
	sp_lstm_pred_free(p);
	sp_lstm_free(m);
	unlink(bpath), unlink(hpath);
	rmdir(dir);
}

/* Rolling residuals, known answers.  The series: y(i) = 10 + 2 sin(2 pi i /
 * 24) + e(i), e an AR(1) e(i) = 0.9 e(i-1) + u(i), u uniform in [-0.5, 0.5)
 * from a fixed LCG; 5-minute rows, so a custom 2-hour seasonality is the
 * exact seasonal part.
 *  - lstmtrain's residuals are y(i) minus the base's forecast of row i made
 *    at row i - 1 (the band of sp_fc_season at horizon 1, to the bit), NaN
 *    before the first fit (the base refits every 96 rows);
 *  - a tiny LSTM trained on them (rows 0..299, seed 3) forecasts rows
 *    300..399 one step ahead with a lower RMSE than the base alone (an
 *    AR(1) of 0.9 leaves 1 - 0.81 of the residual variance to a one-step
 *    forecast: the RMSE should about halve), the same weights again with
 *    the seed;
 *  - so does one with the base input (SP_LSTM_EXOG), whose forecast is the
 *    base's plus sp_lstm_predict_x on the window's residuals and the base's
 *    forecasts of its rows. */
enum { KN = 400, KTRAIN = 300 };

static double
ka_rmse(const char *path, const double *t, const double *y, double *first)
{
	sp_error err = { 0 };
	sp_forecaster *f = sp_forecaster_open(path, NULL, &err);
	double lo, mid, hi, ss = 0;
	int k = 0;

	CHECK(f != NULL, "open %s: %s", path, err.msg);
	for (int i = 0; f && i < KN - 1; i++) {
		int ready = sp_forecaster_push(f, t[i], &y[i], &err);
		if (i < KTRAIN - 1)
			continue;
		CHECK(ready == 1 && sp_forecaster_band(f, 1, &lo, &mid, &hi, &err) == 0, "%s row %d: %s", path, i,
		    err.msg);
		if (k == 0)
			*first = mid;
		ss += (y[i + 1] - mid) * (y[i + 1] - mid), k++;
	}
	sp_forecaster_free(f);
	return k ? sqrt(ss / k) : NAN;
}

static void
test_rolling_known_answer(void)
{
	char dir[] = "/tmp/test_fc_lstm.XXXXXX", bpath[64], hpath[64];
	sp_error err = { 0 };
	static double t[KN], y[KN], res[KN], xb[KN], bmid[KN], w0[512];
	double e = 0, rb, rh = NAN, rx = NAN, fh = 0, fx = 0, fb = 0, lo, hi, mid;
	unsigned long long s = 12345;
	sp_season_spec spec;
	sp_season_data d = { .n = 96, .t = t, .y = y };
	sp_season_file sf = { .column = "load", .refit = 96, .samples = 10, .seed = 1 };
	sp_season_model *sm = NULL;
	sp_forecaster *bf = NULL;
	sp_lstm_train_opts o;
	double q = 0.5;
	int same = 1, ok;

	for (int i = 0; i < KN; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		e = 0.9 * e + ((double)(s >> 11) / 9007199254740992.0 - 0.5);
		t[i] = 1700000000.0 + 300.0 * i;
		y[i] = 10 + 2 * sin(2 * M_PI * i / 24.0) + e;
	}
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(bpath, sizeof bpath, "%s/b.season", dir);
	snprintf(hpath, sizeof hpath, "%s/h.lstm", dir);
	sp_season_spec_defaults(&spec);
	ok = sp_season_add_custom(&spec, "--seasonality", "twohour,0.0833333333333,2", &err) == 0 &&
	    sp_season_fit(&spec, &d, &sm, &err) == 0 && sp_season_save(sm, &sf, bpath, NULL, &err) == 0;
	sp_season_model_free(sm);
	CHECK(ok, "the base: %s", err.msg);
	/* the residuals against the base's one-step forecasts */
	if (ok && (bf = sp_forecaster_open(bpath, NULL, &err))) {
		for (int i = 0; i < KN; i++) {
			bmid[i] = NAN;
			if (i > 0 && sp_forecaster_ready(bf))
				sp_forecaster_band(bf, 1, &lo, &bmid[i], &hi, &err);
			sp_forecaster_push(bf, t[i], &y[i], &err);
		}
		sp_forecaster_free(bf);
	}
	/* pass 0: the hybrid; 1: again (the same weights); 2: with the base input */
	for (int pass = 0; ok && pass < 3; pass++) {
		sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 4, 8, 1, pass == 2 ? SP_LSTM_EXOG : 0, 1, &q, &err);
		ok = m && m->nparams <= 512 && sp_fc_lstm_set_base(m, bpath, hpath, &err) == 0 &&
		    (pass > 0 || sp_fc_lstm_residuals(m, hpath, t, y, KN, res, xb, &err) == 0);
		CHECK(ok, "residuals: %s", err.msg);
		if (ok && pass == 0) {
			for (int i = 0; i < KN; i++)
				if (i < 96 ? !isnan(res[i]) || !isnan(xb[i]) : res[i] != y[i] - bmid[i] ||
				    xb[i] != bmid[i])
					same = 0;
			CHECK(same, "residual i = y(i) - the base's forecast of row i made at row i - 1, "
			    "none before the first fit (after row 96)");
		}
		sp_lstm_train_defaults(&o);
		o.epochs = 8, o.batch = 16, o.patience = 8, o.lr = 1e-2, o.seed = 3, o.calibrate = 0;
		o.exog = pass == 2 ? xb : NULL;
		ok = ok && sp_lstm_train(m, t, res, KTRAIN, &o, &err) == 0 && sp_lstm_save(m, hpath, NULL, &err) == 0;
		CHECK(ok, "train: %s", err.msg);
		if (ok && pass == 0)
			memcpy(w0, m->params, m->nparams * sizeof *w0), rh = ka_rmse(hpath, t, y, &fh);
		else if (ok && pass == 1)
			CHECK(memcmp(w0, m->params, m->nparams * sizeof *w0) == 0, "the same seed, the same weights");
		else if (ok)
			rx = ka_rmse(hpath, t, y, &fx);
		sp_lstm_free(m);
	}
	if (ok) {
		sp_lstm *m = sp_lstm_load(hpath, &err);
		sp_lstm_pred *p = m ? sp_lstm_pred_new(m, &err) : NULL;
		rb = ka_rmse(bpath, t, y, &fb);
		CHECK(p && m->exog, "load the model with the base input: %s", err.msg);
		if (p) {
			sp_lstm_predict_x(p, t + KTRAIN - 8, res + KTRAIN - 8, xb + KTRAIN - 8, &lo, &mid, &hi);
			CHECK(fx == mid + fb, "base input: the forecast is the base's + the LSTM's (%.17g, %.17g + %.17g)",
			    fx, mid, fb);
		}
		sp_lstm_pred_free(p);
		sp_lstm_free(m);
		printf("# one-step RMSE over rows 301..400: base %.4f, hybrid %.4f, with the base input %.4f\n",
		    rb, rh, rx);
		CHECK(rh < 0.75 * rb, "the hybrid beats its base: RMSE %g against %g", rh, rb);
		CHECK(rx < 0.75 * rb, "the hybrid with the base input beats its base: RMSE %g against %g", rx, rb);
	}
	unlink(bpath), unlink(hpath);
	rmdir(dir);
}

/* sp_fc_lstm_target_adj against a seasonfit forecaster of the base (refit
 * 40) fed the rows up to each origin: adj(o, h) = yhat(s) - yhat_o(s), s =
 * o + 1 + h, yhat the rolling forecast, yhat_o the fit in use after row
 * o; the fit changes at rows 40, 80, ... (the refit after row 39 is first
 * used for row 40), so adj is 0 unless such a row lies in [o + 2, s]. */
static void
test_origin_targets(void)
{
	char dir[] = "/tmp/test_fc_lstm.XXXXXX", bpath[64], hpath[64];
	sp_error err = { 0 };
	double t[MAXN], y[MAXN], res[MAXN], roll[MAXN], res2[MAXN];
	int n = load_sine(t, y), same = 1, zero = 1, nonzero = 0, rsame = 1, want = 0;
	sp_lstm *hm = NULL;
	sp_forecaster *b = NULL;
	sp_fc_lstm_targets *tg = NULL;

	if (!mkdtemp(dir)) {
		CHECK(0, "setup");
		return;
	}
	snprintf(bpath, sizeof bpath, "%s/b.season", dir);
	snprintf(hpath, sizeof hpath, "%s/h.lstm", dir);
	if (!hybrid_files(bpath, hpath, 40, t, y) || !(hm = sp_lstm_load(hpath, &err)) ||
	    !(b = sp_forecaster_open(bpath, NULL, &err))) {
		CHECK(0, "setup: %s", err.msg);
		goto out;
	}
	CHECK(sp_fc_lstm_residuals_targets(hm, hpath, t, y, (size_t)n, res, roll, &tg, &err) == 0 && tg,
	    "targets: %s", err.msg);
	CHECK(sp_fc_lstm_residuals(hm, hpath, t, y, (size_t)n, res2, NULL, &err) == 0, "residuals: %s", err.msg);
	for (int i = 0; i < n; i++)
		if (!(res[i] == res2[i] || (isnan(res[i]) && isnan(res2[i]))))
			rsame = 0;
	CHECK(rsame, "the same residuals as sp_fc_lstm_residuals");
	for (int o = 0; tg && o < n; o++) {
		double ys[3];
		sp_forecaster_push(b, t[o], &y[o], &err);
		if (o < 39 || o + 3 >= n)
			continue;
		CHECK(sp_season_predict(sp_fc_season_fit(b), 3, t + o + 1, NULL, NULL, ys, NULL, NULL, &err) == 0,
		    "predict: %s", err.msg);
		for (int h = 0; h < 3; h++) {
			int s = o + 1 + h, refit = (s / 40) * 40 >= o + 2;
			double adj = sp_fc_lstm_target_adj(tg, o, h);
			if (adj != roll[s] - ys[h])
				same = 0;
			if (!refit && adj != 0)
				zero = 0;
			nonzero += refit && adj != 0, want += refit;
		}
	}
	CHECK(same, "adj(o, h) = yhat(s) - yhat_o(s)");
	CHECK(zero, "0 without a refit in between");
	/* 3 pairs (o, h) per change row c = 40k >= 41 (o = c - 2 with h = 1, 2;
	 * o = c - 3 with h = 2), the rows 0..n-1 (n = 160) giving c = 80, 120 */
	CHECK(n == 160 && want == 6 && nonzero == want, "not 0 with one: %d of %d (n %d)", nonzero, want, n);
	CHECK(tg && sp_fc_lstm_target_adj(tg, n - 2, 2) == 0, "beyond the rows: 0");
out:
	sp_fc_lstm_targets_free(tg);
	sp_forecaster_free(b);
	sp_lstm_free(hm);
	unlink(bpath), unlink(hpath);
	rmdir(dir);
}

/* The state (sp_forecaster_write_state / read_state): the forecaster
 * written and read back into a newly opened one every k-th row (holes in
 * the series: the run of present values is kept) gives bit for bit the
 * bands of an uninterrupted one; a state of another model file is refused
 * (its checksum); a hybrid keeps none. */
static int
lstm_states(const char *model, const double *t, const double *y, int n, int k, const char *path, double *out)
{
	sp_error err = { 0 };
	sp_forecaster *f = sp_forecaster_open(model, NULL, &err);
	int ok = f != NULL, H = f ? sp_forecaster_describe(f)->hmax : 0;

	for (int i = 0; ok && i < n; i++) {
		if (k > 0 && i % k == 0) {
			sp_state_writer *w = sp_state_writer_new("test", 1, &err);
			sp_state *s = NULL;
			ok &= sp_forecaster_write_state(f, w, &err) == 0 && sp_state_writer_save(w, path, &err) == 0;
			sp_state_writer_free(w);
			sp_forecaster_free(f);
			f = sp_forecaster_open(model, NULL, &err);
			ok &= sp_state_load(path, "test", 1, &s, &err) == 0 && s && sp_forecaster_read_state(f, s, &err) == 0 &&
			    sp_state_end(s, &err) == 0;
			sp_state_free(s);
		}
		if (sp_forecaster_push(f, t[i], &y[i], &err) == 1)
			ok &= sp_forecaster_band(f, H, out + i * 3 * H, out + i * 3 * H + H, out + i * 3 * H + 2 * H, &err) == 0;
	}
	sp_forecaster_free(f);
	return ok;
}

static void
test_state(void)
{
	static const char *const models[] = { "tests/cli/data/lstm-tiny.lstm", "tests/cli/data/lstm-tiny-gru.lstm" };
	char dir[] = "/tmp/test_fc_lstm.XXXXXX", path[64];
	double t[MAXN], y[MAXN], *a = calloc(MAXN * 9, sizeof *a), *b = calloc(MAXN * 9, sizeof *b);
	int n = load_sine(t, y);
	sp_error err = { 0 };
	sp_forecaster *f;
	sp_state *s = NULL;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/st", dir);
	y[40] = y[41] = NAN;
	for (int j = 0; j < 2; j++) {
		int ok;
		memset(a, 0, MAXN * 9 * sizeof *a);
		ok = lstm_states(models[j], t, y, n, 0, path, a);
		for (int k = 1; k <= 13; k += 4) {
			memset(b, 0, MAXN * 9 * sizeof *b);
			ok &= lstm_states(models[j], t, y, n, k, path, b) && memcmp(a, b, MAXN * 9 * sizeof *a) == 0;
		}
		CHECK(ok && a[(n - 1) * 3 * (j ? 2 : 3)] != 0, "%s: state read back every 1, 5, 9, 13 rows = one run, bit for bit",
		    models[j]);
	}
	f = sp_forecaster_open(models[0], NULL, &err);
	sp_state_load(path, "test", 1, &s, &err);   /* the GRU's */
	CHECK(s && sp_forecaster_read_state(f, s, &err) == SP_EMODEL &&
	    strstr(err.msg, "st:4: state written with model fnv1a ") && strstr(err.msg, ", not "),
	    "another model's state refused: %s", err.msg);
	sp_state_free(s);
	sp_forecaster_free(f);
	free(a), free(b);
	remove(path);
	rmdir(dir);
}

/* A mixed hybrid (the tiny model as both the residual LSTM and the LSTM
 * alone, the mix set by hand) against the unmixed one and the alone's
 * sp_lstm_predict on the window of values, combined by hand. */
static void
test_mix(void)
{
	char dir[] = "/tmp/test_fc_lstm_mix.XXXXXX", bpath[64], hpath[64], mpath[64];
	static const double w[3] = { 0.25, 0.5, 1 }, clo[3] = { 0.5, -0.25, 0 }, chi[3] = { 1, 0, -100 };
	sp_error err = { 0 };
	double t[MAXN], y[MAXN], lo[3], mid[3], hi[3], lo2[3], mid2[3], hi2[3], alo[3], amid[3], ahi[3], qs[9], qs2[9];
	int n = load_sine(t, y), origins = 0, same = 1, qsame = 1;
	sp_lstm *hm = NULL, *a = sp_lstm_load("tests/cli/data/lstm-tiny.lstm", &err);
	sp_lstm_pred *p = a ? sp_lstm_pred_new(a, &err) : NULL;
	sp_forecaster *f = NULL, *g = NULL;

	if (!p || !mkdtemp(dir)) {
		CHECK(0, "setup: %s", err.msg);
		sp_lstm_pred_free(p), sp_lstm_free(a);
		return;
	}
	snprintf(bpath, sizeof bpath, "%s/b.season", dir);
	snprintf(hpath, sizeof hpath, "%s/h.lstm", dir);
	snprintf(mpath, sizeof mpath, "%s/m.lstm", dir);
	if (!hybrid_files(bpath, hpath, 0, t, y) || !(hm = sp_lstm_load(hpath, &err)))
		goto out;
	if (sp_lstm_set_alone(hm, sp_lstm_load("tests/cli/data/lstm-tiny.lstm", &err), &err) < 0) {
		CHECK(0, "set the alone: %s", err.msg);
		goto out;
	}
	for (int h = 0; h < 3; h++)
		hm->mix[h] = w[h], hm->mix_lo[h] = clo[h], hm->mix_hi[h] = chi[h];
	hm->mixed = 1;
	CHECK(sp_lstm_save(hm, mpath, NULL, &err) == 0, "save: %s", err.msg);
	f = sp_forecaster_open(mpath, NULL, &err);
	g = sp_forecaster_open(hpath, NULL, &err);
	CHECK(f && g, "open: %s", err.msg);
	for (int i = 0; f && g && i < n; i++) {
		int rf = sp_forecaster_push(f, t[i], &y[i], &err), rg = sp_forecaster_push(g, t[i], &y[i], &err);
		if (rf != rg || rf != (i >= 7))
			same = 0;
		if (rf != 1)
			continue;
		origins++;
		sp_forecaster_band(f, 3, lo, mid, hi, &err);
		sp_forecaster_quantiles(f, 3, qs, &err);
		sp_forecaster_band(g, 3, lo2, mid2, hi2, &err);
		sp_lstm_predict(p, t + i - 7, y + i - 7, alo, amid, ahi);
		for (int h = 0; h < 3; h++) {
			double m = w[h] * amid[h] + (1 - w[h]) * mid2[h];
			double l = fmin(w[h] * alo[h] + (1 - w[h]) * lo2[h] - clo[h], m);
			double u = fmax(w[h] * ahi[h] + (1 - w[h]) * hi2[h] + chi[h], m);
			if (fabs(mid[h] - m) > 1e-12 * fabs(m) || fabs(lo[h] - l) > 1e-12 * fabs(l) ||
			    fabs(hi[h] - u) > 1e-12 * fabs(u))
				same = 0;
			if (qs[3 * h] != lo[h] || qs[3 * h + 1] != mid[h] || qs[3 * h + 2] != hi[h])
				qsame = 0;
		}
		if (i == n - 1) {   /* w 1 at h 3: the alone's, its upper clipped to the middle */
			sp_lstm_pred_quantiles(p, qs2);
			CHECK(mid[2] == amid[2] && hi[2] == amid[2] && qs2[7] == amid[2], "h 3: the alone's point");
		}
	}
	CHECK(same && origins == n - 7, "mixed band = w alone + (1 - w) hybrid, calibrated, %d origins", origins);
	CHECK(qsame, "the mixed quantiles' edges and middle are the band");
out:
	sp_forecaster_free(f), sp_forecaster_free(g);
	sp_lstm_free(hm);
	sp_lstm_pred_free(p), sp_lstm_free(a);
	unlink(bpath), unlink(hpath), unlink(mpath);
	rmdir(dir);
}

int
main(void)
{
	check_model("tests/cli/data/lstm-tiny.lstm", 0);
	check_model("tests/cli/data/lstm-tiny.lstm", 1);
	check_model("tests/cli/data/lstm-tiny-gru.lstm", 1);
	check_model("tests/cli/data/lstm-tiny-level.lstm", 0);
	test_columns();
	test_memory_and_save();
	test_hybrid();
	test_rolling_known_answer();
	test_origin_targets();
	test_state();
	test_mix();
	return check_summary();
}
