/* test_lstm: the forecaster around sp_nn: features, quantile head and loss
 * (finite differences), training (loss falls, early stopping restores the
 * best epoch, seeds reproduce, threads change only rounding), the model file
 * (round trip, strict loading, a hybrid's base keys) and the data checks;
 * a hybrid's shrinkage (the least-absolute-error factor against hand-computed
 * values, its effect on a prediction, its key in the model file); a mixed
 * hybrid's mix (the combination by hand, the least-absolute-error weight and
 * the mix's calibration against hand-computed values, the version 2 file:
 * round trip and strictness, version 1 files as before). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_lstm.h"
#include "sp_rand.h"

static int small;   /* SP_VALGRIND: tiny sizes */

/* The first size - 1 bytes of path into buf, NUL-terminated ("" when it
 * cannot be read). */
static void
slurp(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	size_t k = fp ? fread(buf, 1, size - 1, fp) : 0;

	if (fp)
		fclose(fp);
	buf[k] = 0;
}

static void
test_features(void)
{
	const double q[3] = { 0.1, 0.5, 0.9 };
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 4, 3, 2, 1, 3, q, NULL);
	double f[5], t = 4 * 86400.0 + 6 * 3600;   /* Monday 1970-01-05 06:00 UTC */

	CHECK(m && m->nn.nin == 5 && m->nn.nout == 6 && m->qmid == 1, "sizes");
	if (!m)
		return;
	sp_lstm_features(m, t, 0.25, 0, f);
	CHECK_CLOSE(f[0], 0.25, 0, "value feature");
	CHECK_CLOSE(f[1], 1, 1e-15, "sin hour 6");
	CHECK_CLOSE(f[2], 0, 1e-15, "cos hour 6");
	CHECK_CLOSE(f[3], sin(2 * M_PI * 0.25 / 7), 1e-15, "sin Monday 06:00");
	CHECK_CLOSE(f[4], cos(2 * M_PI * 0.25 / 7), 1e-15, "cos Monday 06:00");
	sp_lstm_features(m, -86400.0 * 3 + 3600 * 18, 0, 0, f);   /* Monday 1969-12-29 18:00 */
	CHECK_CLOSE(f[1], -1, 1e-15, "sin hour 18 before the epoch");
	CHECK_CLOSE(f[3], sin(2 * M_PI * 0.75 / 7), 1e-14, "day of week before the epoch");
	/* a day number far outside a long's range: no overflow (clang's
	 * float-cast-overflow check), features on the unit circle */
	sp_lstm_features(m, 1e24, 0, 0, f);
	CHECK(fabs(f[1] * f[1] + f[2] * f[2] - 1) < 1e-12 && fabs(f[3] * f[3] + f[4] * f[4] - 1) < 1e-12,
	    "timestamp 1e24: features %g %g %g %g", f[1], f[2], f[3], f[4]);
	sp_lstm_features(m, -1e24, 0, 0, f);
	CHECK(fabs(f[3] * f[3] + f[4] * f[4] - 1) < 1e-12, "timestamp -1e24: day of week %g %g", f[3], f[4]);
	sp_lstm_features(m, NAN, 0, 0, f);
	CHECK(isnan(f[1]) && isnan(f[3]), "timestamp NaN: NaN features");
	sp_lstm_free(m);
	CHECK(sp_lstm_new(SP_NN_LSTM, 1, 4, 3, 2, 0, 2, (const double[]){ 0.5, 0.4 }, NULL) == NULL,
	    "descending quantiles refused");
	CHECK(sp_lstm_new(SP_NN_GRU, 0, 4, 3, 2, 0, 0, NULL, NULL) == NULL, "0 layers refused");
}

static void
test_head_loss(sp_rand *r)
{
	const double q[3] = { 0.05, 0.5, 0.95 };
	for (int mse = 0; mse < 2; mse++) {
		sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 4, 3, 4, 0, mse ? 0 : 3, q, NULL);
		enum { B = 3 };
		double raw[B * 12], tgt[B * 4], d[B * 12], yhat[12], maxerr = 0;
		int no = mse ? 4 : 12;
		if (!m)
			continue;
		for (int i = 0; i < B * no; i++)
			raw[i] = sp_rand_normal(r, 1.5);
		for (int i = 0; i < B * 4; i++)
			tgt[i] = sp_rand_normal(r, 1);
		sp_lstm_loss(m, raw, tgt, B, d);
		for (int i = 0; i < B * no; i++) {
			double s = raw[i], lp, lm;
			raw[i] = s + 1e-6, lp = sp_lstm_loss(m, raw, tgt, B, NULL);
			raw[i] = s - 1e-6, lm = sp_lstm_loss(m, raw, tgt, B, NULL);
			raw[i] = s;
			maxerr = fmax(maxerr, fabs((lp - lm) / 2e-6 - d[i]));
		}
		CHECK(maxerr < 1e-8, "%s loss gradient off by %.3g", mse ? "MSE" : "pinball", maxerr);
		if (!mse) {
			int ok = 1;
			for (int b = 0; b < B; b++) {
				sp_lstm_head(m, raw + b * 12, yhat);
				for (int h = 0; h < 4; h++)
					ok &= yhat[h * 3] < yhat[h * 3 + 1] && yhat[h * 3 + 1] < yhat[h * 3 + 2];
			}
			CHECK(ok, "quantiles never cross");
			/* pinball of a single known case: y = 1, yhat = raw0 = 0 at q = 0.05 ... */
			{
				double r1[3] = { 0, log(exp(1) - 1), log(exp(1) - 1) }, t1 = 1.5, l;
				sp_lstm *m1 = sp_lstm_new(SP_NN_LSTM, 1, 2, 2, 1, 0, 3, q, NULL);
				if (m1) {
					/* yhat = 0, 1, 2; u = 1.5, 0.5, -0.5 */
					l = sp_lstm_loss(m1, r1, &t1, 1, NULL);
					CHECK_CLOSE(l, (1.5 * 0.05 + 0.5 * 0.5 + 0.5 * 0.05) / 3, 1e-14, "pinball value");
					sp_lstm_free(m1);
				}
			}
		}
		sp_lstm_free(m);
	}
}

typedef struct {
	int n;
	double val[64];
	int epoch[64];
} trace;

static void
record(void *arg, int epoch, double tl, double vl, int improved)
{
	trace *tr = arg;
	if (tr->n < 64)
		tr->epoch[tr->n] = epoch, tr->val[tr->n++] = vl;
	(void)tl, (void)improved;
}

static void
synth(size_t n, double *t, double *y, sp_rand *r)
{
	for (size_t i = 0; i < n; i++) {
		t[i] = 1700000000 + 300.0 * i;
		y[i] = 50 + 20 * sin(2 * M_PI * i / 24.0) + sp_rand_normal(r, 1);
	}
}

static void
test_train(sp_rand *r)
{
	size_t n = small ? 120 : 600;
	double *t = malloc(n * sizeof *t), *y = malloc(n * sizeof *y);
	const double q[3] = { 0.1, 0.5, 0.9 };
	sp_lstm_train_opts o;
	sp_lstm *m, *m2, *m3;
	sp_error err = { 0 };
	trace tr = { 0 };
	char path[] = "/tmp/test_lstm.XXXXXX";
	int fd = mkstemp(path);

	if (!t || !y || fd < 0)
		return;
	close(fd);
	synth(n, t, y, r);
	sp_lstm_train_defaults(&o);
	o.epochs = small ? 4 : 15, o.patience = 3, o.batch = 16;
	o.progress = record, o.arg = &tr;
	m = sp_lstm_new(SP_NN_LSTM, 1, small ? 4 : 8, 12, 3, 1, 3, q, NULL);
	m2 = sp_lstm_new(SP_NN_LSTM, 1, small ? 4 : 8, 12, 3, 1, 3, q, NULL);
	if (!m || !m2)
		return;
	CHECK(sp_lstm_train(m, t, y, n, &o, &err) == 0, "train: %s", err.msg);
	CHECK(m->step == 300, "step inferred");
	CHECK(m->ntrain > 0 && m->nval > 0, "windows %ld / %ld", m->ntrain, m->nval);
	CHECK(tr.n == m->epochs && m->best_epoch >= 1 && m->best_epoch <= m->epochs, "epochs");
	{
		double best = INFINITY;
		int arg = 0;
		for (int i = 0; i < tr.n; i++)
			if (tr.val[i] < best)
				best = tr.val[i], arg = i + 1;
		CHECK(m->best_epoch == arg && m->val_loss == best, "restored epoch %d is the best %d", m->best_epoch, arg);
		CHECK(tr.val[tr.n - 1] >= best, "val loss");
		CHECK(best < tr.val[0] || tr.n == 1 || m->best_epoch == 1, "validation loss fell");
		if (!small)
			CHECK(best < 0.5 * tr.val[0], "validation loss fell by half: %g -> %g", tr.val[0], best);
	}
	/* same seed, same weights; and the file round trip */
	o.progress = NULL;
	CHECK(sp_lstm_train(m2, t, y, n, &o, &err) == 0, "train again");
	{
		int same = 1;
		for (size_t i = 0; i < m->nparams; i++)
			same &= m->params[i] == m2->params[i];
		CHECK(same, "same seed gives the same weights");
	}
	CHECK(sp_lstm_save(m, path, "lstmtrain test", &err) == 0, "save: %s", err.msg);
	m3 = sp_lstm_load(path, &err);
	CHECK(m3 != NULL, "load: %s", err.msg);
	if (m3) {
		sp_lstm_pred *p1 = sp_lstm_pred_new(m, NULL), *p2 = sp_lstm_pred_new(m3, NULL);
		double lo1[3], mid1[3], hi1[3], lo2[3], mid2[3], hi2[3];
		int ok = 1;
		CHECK(m3->nparams == m->nparams && m3->mean == m->mean && m3->scale == m->scale &&
		    m3->best_epoch == m->best_epoch && m3->val_loss == m->val_loss, "header round trip");
		for (size_t i = 0; i < m->nparams; i++)
			ok &= m->params[i] == m3->params[i];
		CHECK(ok, "weights round trip exactly");
		if (p1 && p2) {
			size_t o0 = n - 12;
			sp_lstm_predict(p1, t + o0, y + o0, lo1, mid1, hi1);
			sp_lstm_predict(p2, t + o0, y + o0, lo2, mid2, hi2);
			CHECK(mid1[0] == mid2[0] && lo1[2] == lo2[2] && hi1[1] == hi2[1], "same predictions after load");
			CHECK(lo1[0] <= mid1[0] && mid1[0] <= hi1[0], "band ordered");
			if (!small)
				CHECK(fabs(mid1[0] - (50 + 20 * sin(2 * M_PI * (double)n / 24.0))) < 6,
				    "next value of the sine: %g", mid1[0]);
		}
		sp_lstm_pred_free(p1), sp_lstm_pred_free(p2);
		sp_lstm_free(m3);
	}
	/* calibration: the outer quantiles cover the validation part at their nominal rates */
	{
		sp_lstm_pred *p1 = sp_lstm_pred_new(m, NULL);
		size_t split = n - (size_t)floor(0.2 * (double)n);
		long k = 0, below = 0, above = 0;
		double lo[3], mid[3], hi[3];
		CHECK(m->calibrated, "calibrated by default");
		for (size_t o0 = split - 1; p1 && o0 + 3 < n; o0++, k++) {
			sp_lstm_predict(p1, t + o0 - 11, y + o0 - 11, lo, mid, hi);
			below += y[o0 + 2] < lo[1], above += y[o0 + 2] > hi[1];
		}
		CHECK(k == m->nval, "validation windows %ld", k);
		CHECK(fabs((double)below / k - 0.1) <= 1.5 / k + 1e-12 && fabs((double)above / k - 0.1) <= 1.5 / k + 1e-12,
		    "calibrated coverage at horizon 2: %ld below, %ld above of %ld", below, above, k);
		sp_lstm_pred_free(p1);
	}
	/* threads change only the rounding of the gradient sum */
	if (!small) {
		sp_lstm_train_opts o2 = o;
		sp_lstm *m4 = sp_lstm_new(SP_NN_LSTM, 1, 8, 12, 3, 1, 3, q, NULL);
		o2.epochs = 1, o2.threads = 2;
		o.epochs = 1;
		if (m4 && sp_lstm_train(m4, t, y, n, &o2, NULL) == 0 && sp_lstm_train(m2, t, y, n, &o, NULL) == 0)
			CHECK_CLOSE(m4->train_loss, m2->train_loss, 1e-9, "2 threads, same loss");
		sp_lstm_free(m4);
	}
	/* GRU and MSE train too */
	{
		sp_lstm *g = sp_lstm_new(SP_NN_GRU, 2, 4, 12, 3, 0, 0, NULL, NULL);
		o.epochs = 2;
		CHECK(g && sp_lstm_train(g, t, y, n, &o, &err) == 0, "GRU/MSE trains: %s", err.msg);
		if (g)
			CHECK(g->rmse[0] > 0 && isfinite(g->rmse[2]), "rmse per horizon");
		sp_lstm_free(g);
	}
	/* data checks */
	CHECK(sp_lstm_train(m, t, y, 17, &o, &err) == SP_EDATA, "too little data");
	CHECK_STR(err.msg, "too little data: 17 rows; window 12 and horizon 3 need at least 18 with a validation part", "message");
	{
		double ts = t[5];
		t[5] = t[4];
		CHECK(sp_lstm_train(m, t, y, n, &o, &err) == SP_EDATA, "repeated timestamp");
		CHECK_STR(err.msg, "row 6: timestamp not after the previous row's", "message");
		t[5] = ts + 1;
		CHECK(sp_lstm_train(m, t, y, n, &o, &err) == SP_EDATA, "irregular spacing");
		t[5] = ts;
	}
	for (size_t i = 0; i < n; i++)
		if (i % 10 == 3)
			y[i] = NAN;
	CHECK(sp_lstm_train(m, t, y, n, &o, &err) == SP_EDATA, "a gap every 10 rows leaves no window");
	CHECK_STR(err.msg, "no complete training window (window 12 + horizon 3 without missing values)", "message");

	/* strict loading */
	{
		FILE *fp = fopen(path, "w");
		if (fp) {
			fputs("scalepipe-model ar 1\nend\n", fp);
			fclose(fp);
		}
		CHECK(sp_lstm_load(path, &err) == NULL && err.code == SP_EMODEL, "wrong kind refused: %s", err.msg);
		CHECK(sp_lstm_save(m2, path, NULL, NULL) == 0, "save");
		fp = fopen(path, "r+");
		if (fp) {   /* change the hidden size: the weight count no longer fits */
			char buf[65536];
			size_t k = fread(buf, 1, sizeof buf - 1, fp);
			char *h;
			buf[k] = 0;
			if ((h = strstr(buf, "hidden 8\n")) || (h = strstr(buf, "hidden 4\n"))) {
				h[7] = '3';
				rewind(fp);
				fwrite(buf, 1, k, fp);
			}
			fclose(fp);
		}
		CHECK(sp_lstm_load(path, &err) == NULL && strstr(err.msg, "'nparams' is") != NULL,
		    "size mismatch refused: %s", err.msg);
	}
	unlink(path);
	sp_lstm_free(m), sp_lstm_free(m2);
	free(t), free(y);
}

/* Warm start (lstmtrain --init): the model's weights, normalisation and
 * step are kept, the starting weights are epoch 0 and win unless an epoch
 * beats them on the validation part. */
static void
test_warm(sp_rand *r)
{
	size_t n = small ? 120 : 400;
	double *t = malloc(n * sizeof *t), *y = malloc(n * sizeof *y), *p0 = NULL;
	const double q[3] = { 0.1, 0.5, 0.9 };
	sp_lstm_train_opts o;
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 4, 12, 3, 1, 3, q, NULL);
	sp_error err = { 0 };
	trace tr = { 0 };
	double mean, scale, v0;

	if (!t || !y || !m || !(p0 = malloc(m->nparams * sizeof *p0)))
		goto out;
	synth(n, t, y, r);
	sp_lstm_train_defaults(&o);
	o.epochs = 2, o.batch = 16;
	CHECK(sp_lstm_train(m, t, y, n, &o, &err) == 0, "cold: %s", err.msg);
	memcpy(p0, m->params, m->nparams * sizeof *p0);
	mean = m->mean, scale = m->scale;
	/* continue on a shifted series: normalisation kept, epoch 0 reported */
	for (size_t i = 0; i < n; i++)
		y[i] += 5;
	o.warm = 1, o.epochs = 3, o.progress = record, o.arg = &tr;
	CHECK(sp_lstm_train(m, t, y, n, &o, &err) == 0, "warm: %s", err.msg);
	CHECK(m->mean == mean && m->scale == scale, "normalisation kept: %g %g", m->mean, m->scale);
	CHECK(tr.n >= 2 && tr.epoch[0] == 0 && tr.epoch[1] == 1, "progress from epoch 0");
	v0 = tr.val[0];
	CHECK(m->val_loss <= v0, "never worse than the start on validation: %g <= %g", m->val_loss, v0);
	CHECK(m->best_epoch >= 1 && m->val_loss < v0, "training improved it: epoch %d", m->best_epoch);
	/* an absurd step size: no epoch beats the start, which is restored exactly */
	memcpy(p0, m->params, m->nparams * sizeof *p0);
	tr.n = 0, o.lr = 2, o.epochs = 2, o.patience = 5;
	CHECK(sp_lstm_train(m, t, y, n, &o, &err) == 0, "warm, lr 2: %s", err.msg);
	CHECK(tr.n == 3 && tr.val[1] > tr.val[0] && tr.val[2] > tr.val[0], "epochs 1, 2 worse: %g %g %g",
	    tr.val[0], tr.val[1], tr.val[2]);
	CHECK(m->best_epoch == 0 && m->epochs == 2 && m->val_loss == tr.val[0], "epoch 0 restored");
	CHECK(memcmp(p0, m->params, m->nparams * sizeof *p0) == 0, "starting weights back, bit for bit");
	/* the series' step must be the model's */
	for (size_t i = 0; i < n; i++)
		t[i] = 1700000000 + 600.0 * i;
	CHECK(sp_lstm_train(m, t, y, n, &o, &err) == SP_EDATA, "other step refused");
	CHECK_STR(err.msg, "the series' step 600 s differs from the model's 300 s (resample with window first)",
	    "message");
out:
	sp_lstm_free(m);
	free(t), free(y), free(p0);
}

/* sp_lstm_save_check (the path tried before a training) and sp_lstm_set_column */
static void
test_save_check(void)
{
	char dir[] = "/tmp/test_lstm_chk.XXXXXX", path[64], name[200];
	static const double q = 0.5;
	sp_error err = { 0 };
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 2, 3, 1, 0, 1, &q, &err);

	if (!m || !mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/m.lstm", dir);
	CHECK(sp_lstm_save_check(path, &err) == 0, "writable: %s", err.msg);
	CHECK(rmdir(dir) == 0, "nothing left behind");
	CHECK(sp_lstm_save_check(path, &err) < 0, "directory gone");
	snprintf(name, sizeof name, "%s: cannot create: No such file or directory", path);
	CHECK_STR(err.msg, name, "the message sp_lstm_save would give");
	CHECK(sp_lstm_set_column(m, "cpu_total", &err) == 0 && strcmp(m->column, "cpu_total") == 0, "column set");
	CHECK(sp_lstm_set_column(m, "cpu total", &err) == SP_EDATA, "a space refused");
	CHECK_STR(err.msg, "column name 'cpu total' cannot be stored in a model (spaces or too long)", "message");
	memset(name, 'a', 150), name[150] = '\0';
	CHECK(sp_lstm_set_column(m, name, &err) == SP_EDATA && strcmp(m->column, "cpu_total") == 0,
	    "a long name refused, the column kept");
	sp_lstm_free(m);
}

/* A hybrid's base (path with a space, checksum) round-trips; the keys come
 * both or neither, the checksum is 16 hex digits. */
static void
test_base_keys(void)
{
	char path[] = "/tmp/test_lstm_base.XXXXXX";
	static const char *const bad[] = { "base_fnv1a64 0123456789abcdef\n", "base x.season\n",
		"base x.season\nbase_fnv1a64 0123456789ABCDEF\n", "base x.season\nbase_fnv1a64 0123\n" };
	static const double q = 0.5;
	sp_error err = { 0 };
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 2, 3, 1, 0, 1, &q, &err), *m2;
	int fd = mkstemp(path);
	char buf[8192];

	if (!m || fd < 0) {
		CHECK(0, "setup");
		sp_lstm_free(m);
		return;
	}
	close(fd);
	m->scale = 1, m->step = 60;
	strcpy(m->base, "../my models/b.season");
	strcpy(m->base_sum, "00ff00ff00ff00ff");
	CHECK(sp_lstm_save(m, path, NULL, &err) == 0, "save: %s", err.msg);
	m2 = sp_lstm_load(path, &err);
	CHECK(m2 && !strcmp(m2->base, m->base) && !strcmp(m2->base_sum, m->base_sum), "base keys round-trip: %s",
	    err.msg);
	sp_lstm_free(m2);
	m->base[0] = m->base_sum[0] = '\0';
	sp_lstm_save(m, path, NULL, &err);
	m2 = sp_lstm_load(path, &err);
	CHECK(m2 && !m2->base[0] && !m2->base_sum[0], "no base: none loaded");
	sp_lstm_free(m2);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *fp;
		char *e;
		slurp(path, buf, sizeof buf);
		if (!(e = strstr(buf, "command ")) || !(fp = fopen(path, "w")))
			continue;
		fwrite(buf, 1, (size_t)(e - buf), fp), fputs(bad[i], fp), fputs(e, fp);
		fclose(fp);
		CHECK(sp_lstm_load(path, &err) == NULL && err.code == SP_EMODEL, "bad base keys %zu refused", i);
		/* undo */
		if ((fp = fopen(path, "w")))
			fputs(buf, fp), fclose(fp);
	}
	unlink(path);
	sp_lstm_free(m);
}

/* sp_lstm_shrink_fit: argmin over [0,1] of sum |r - alpha p|, by hand. */
static void
test_shrink_fit(void)
{
	double w[16];
	/* ratios 1, 0.5, 0, weights 2 each: the objective is 3, 2, 3 at 0, 0.5, 1 */
	static const double r1[] = { 2, 1, 0 }, p1[] = { 2, 2, 2 };
	/* ratios 0.25 (weight 4) and 0 (weight 1): 0.25 in the objective at 0.25, 1 at 0 */
	static const double r2[] = { 1, 0 }, p2[] = { 4, 1 };
	/* negative ratios -1 and -2: clipped to 0; ratio 3: clipped to 1 */
	static const double r3[] = { -1, -2 }, p3[] = { 1, 1 }, r4[] = { 3, 3 }, p4[] = { 1, 1 };
	/* flat between 0 and 1 (|1 - a| + |a|): the lower end */
	static const double r5[] = { 1, 0 }, p5[] = { 1, 1 };
	/* a negative forecast: r / p = 0.5 with weight 2; p = 0 and NaN ignored */
	static const double r6[] = { -1, 5, NAN, 7 }, p6[] = { -2, 0, 1, NAN };
	static const double r7[] = { 1, 2 }, p7[] = { 0, 0 };

	CHECK_CLOSE(sp_lstm_shrink_fit(r1, p1, 3, w), 0.5, 1e-15, "weighted median of 1, 0.5, 0");
	CHECK_CLOSE(sp_lstm_shrink_fit(r2, p2, 2, w), 0.25, 1e-15, "weights |p|");
	CHECK_CLOSE(sp_lstm_shrink_fit(r3, p3, 2, w), 0, 0, "clipped to 0: the fallback to the base");
	CHECK_CLOSE(sp_lstm_shrink_fit(r4, p4, 2, w), 1, 0, "clipped to 1");
	CHECK_CLOSE(sp_lstm_shrink_fit(r5, p5, 2, w), 0, 0, "flat minimum: the lower end");
	CHECK_CLOSE(sp_lstm_shrink_fit(r6, p6, 4, w), 0.5, 1e-15, "a negative forecast; 0 and NaN ignored");
	CHECK_CLOSE(sp_lstm_shrink_fit(r7, p7, 2, w), 1, 0, "nothing counts: 1");
	CHECK_CLOSE(sp_lstm_shrink_fit(r1, p1, 0, w), 1, 0, "no pairs: 1");
}

/* A hybrid's shrinkage moves every quantile of horizon h by (alpha_h - 1)
 * times the middle one; the key round-trips and is strict. */
static void
test_shrink_predict(sp_rand *r)
{
	char path[] = "/tmp/test_lstm_shrink.XXXXXX";
	static const double q[] = { 0.1, 0.5, 0.9 };
	static const char *const bad[] = { "base_shrink 0.5 1.5\n", "base_shrink 0.5\n", "base_shrink 0.5 nan\n" };
	sp_error err = { 0 };
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 3, 4, 2, SP_LSTM_LEVEL, 3, q, &err), *m2 = NULL;
	sp_lstm_pred *p = m ? sp_lstm_pred_new(m, &err) : NULL;
	double t[4], y[4], lo[2], mid[2], hi[2], lo2[2], mid2[2], hi2[2], qa[6], qb[6], a[2] = { 0.25, 0 };
	int fd = mkstemp(path);
	char buf[65536];
	FILE *fp;

	if (!m || !p || fd < 0) {
		CHECK(0, "setup");
		sp_lstm_pred_free(p), sp_lstm_free(m);
		return;
	}
	close(fd);
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = sp_rand_normal(r, 0.5);
	m->mean = 3, m->scale = 2, m->step = 60;
	m->cal_lo[0] = 0.1, m->cal_hi[1] = 0.2, m->calibrated = 1;
	for (int i = 0; i < 4; i++)
		t[i] = 1700000000 + 60.0 * i, y[i] = 1 + i;
	sp_lstm_predict(p, t, y, lo, mid, hi);
	sp_lstm_pred_quantiles(p, qa);
	CHECK(!m->shrunk && m->shrink[0] == 1 && m->shrink[1] == 1, "not fitted: all 1");
	m->shrink[0] = a[0], m->shrink[1] = a[1], m->shrunk = 1;
	sp_lstm_predict(p, t, y, lo2, mid2, hi2);
	sp_lstm_pred_quantiles(p, qb);
	for (int h = 0; h < 2; h++) {
		double d = (a[h] - 1) * mid[h];
		CHECK_CLOSE(mid2[h], a[h] * mid[h], 1e-12, "the point: alpha times the residual forecast");
		CHECK_CLOSE(lo2[h], lo[h] + d, 1e-12, "lower moved");
		CHECK_CLOSE(hi2[h], hi[h] + d, 1e-12, "upper moved");
		for (int j = 0; j < 3; j++)
			CHECK_CLOSE(qb[h * 3 + j], qa[h * 3 + j] + d, 1e-12, "every quantile moved");
	}
	strcpy(m->base, "b.season"), strcpy(m->base_sum, "00ff00ff00ff00ff");
	m->base_rolling = 1;
	CHECK(sp_lstm_save(m, path, NULL, &err) == 0, "save: %s", err.msg);
	m2 = sp_lstm_load(path, &err);
	CHECK(m2 && m2->shrunk && m2->shrink[0] == a[0] && m2->shrink[1] == a[1], "base_shrink round-trips: %s",
	    err.msg);
	sp_lstm_free(m2);
	slurp(path, buf, sizeof buf);
	CHECK(strstr(buf, "\nbase_shrink 0.25 0\n") != NULL, "the key as written");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *e = strstr(buf, "base_shrink "), *nl = e ? strchr(e, '\n') : NULL;
		if (!nl || !(fp = fopen(path, "w")))
			continue;
		fwrite(buf, 1, (size_t)(e - buf), fp), fputs(bad[i], fp), fputs(nl + 1, fp);
		fclose(fp);
		CHECK(sp_lstm_load(path, &err) == NULL && err.code == SP_EMODEL, "bad base_shrink %zu refused", i);
	}
	if ((fp = fopen(path, "w"))) {   /* without the base keys */
		for (char *l = buf, *nl; *l; l = nl + 1) {
			if (!(nl = strchr(l, '\n')))
				break;
			if (strncmp(l, "base ", 5) && strncmp(l, "base_fnv1a64 ", 13) && strncmp(l, "base_residuals ", 15))
				fwrite(l, 1, (size_t)(nl - l + 1), fp);
		}
		fclose(fp);
		CHECK(sp_lstm_load(path, &err) == NULL && strstr(err.msg, "'base_shrink' without a 'base'"),
		    "base_shrink without a base refused: %s", err.msg);
	}
	unlink(path);
	sp_lstm_pred_free(p);
	sp_lstm_free(m);
}

/* sp_lstm_mix and sp_lstm_mix_quantiles: w alone + (1 - w) hybrid, the
 * edges moved by the mix's calibration, never across the middle. */
static void
test_mix(void)
{
	static const double q[] = { 0.1, 0.5, 0.9 };
	sp_error err = { 0 };
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 2, 3, 3, 0, 3, q, &err);
	double lo[3] = { 1, 2, 0 }, mid[3] = { 2, 4, 1 }, hi[3] = { 3, 6, 2 };
	double alo[3] = { 5, 0, 0 }, amid[3] = { 6, 1, 1 }, ahi[3] = { 9, 2, 2 };
	double qq[9], aq[9];

	if (!m) {
		CHECK(0, "setup: %s", err.msg);
		return;
	}
	for (int h = 0; h < 3; h++)
		qq[3 * h] = lo[h], qq[3 * h + 1] = mid[h], qq[3 * h + 2] = hi[h], aq[3 * h] = alo[h],
		    aq[3 * h + 1] = amid[h], aq[3 * h + 2] = ahi[h];
	m->mix[0] = 0.25, m->mix[1] = 1, m->mix[2] = 0.5;
	m->mix_lo[0] = 0.5, m->mix_hi[1] = 1, m->mix_lo[2] = -3, m->mix_hi[2] = -2;
	sp_lstm_mix(m, alo, amid, ahi, lo, mid, hi);
	CHECK(lo[0] == 1 && mid[0] == 2 && hi[0] == 3, "not mixed: unchanged");
	m->mixed = 1;
	sp_lstm_mix(m, alo, amid, ahi, lo, mid, hi);
	sp_lstm_mix_quantiles(m, aq, qq);
	/* h 1: 0.25 (5, 6, 9) + 0.75 (1, 2, 3) = (2, 3, 4.5), lower - 0.5;
	 * h 2: the alone's (0, 1, 2), upper + 1; h 3: (0, 1, 2) with the lower
	 * + 3 and the upper - 2, both clipped to the middle */
	CHECK_CLOSE(lo[0], 1.5, 1e-15, "h 1 lower");
	CHECK_CLOSE(mid[0], 3, 1e-15, "h 1 middle");
	CHECK_CLOSE(hi[0], 4.5, 1e-15, "h 1 upper");
	CHECK(lo[1] == 0 && mid[1] == 1 && hi[1] == 3, "h 2: the alone's, upper + 1");
	CHECK(lo[2] == 1 && mid[2] == 1 && hi[2] == 1, "h 3: never across the middle");
	for (int h = 0; h < 3; h++)
		CHECK(qq[3 * h] == lo[h] && qq[3 * h + 1] == mid[h] && qq[3 * h + 2] == hi[h],
		    "h %d: the quantiles' edges are the band", h + 1);
	sp_lstm_free(m);
}

/* sp_lstm_mix_fit against hand-computed values.  Zero weights and no
 * window-level normalisation: every forecast is the head's at raw 0, the
 * quantiles (0, ln 2, 2 ln 2) in normalised units, whatever the window:
 * the hybrid's residual (mean 0, scale 1) (0, ln 2, 2 ln 2), the alone's
 * (mean 10) 10 + the same.  With r(s) = ln 2 + d(s) and y(s) = 10 + ln 2 +
 * e(s), the hybrid's point is y - r + ln 2 = y - d, so y - hybrid = d and
 * alone - hybrid = d - e; (d, e) cycles through (1, 0), (1, -1), (1, 2) by
 * s mod 3: ratios 1, 0.5, -1 with weights |d - e| = 1, 2, 1, whose weighted
 * median is w = 0.5.  The mixed band's errors: lower - y = -ln 2 - (d + e) /
 * 2 = -ln 2 - 0.5, -ln 2, -ln 2 - 1.5 and y - upper = -ln 2 + (d + e) / 2,
 * four of each over the 12 validation rows (48..59 of 60, horizon 1): the
 * 0.9 quantiles -ln 2 and 1.5 - ln 2. */
static void
test_mix_fit(void)
{
	static const double q[] = { 0.1, 0.5, 0.9 }, d[3] = { 1, 1, 1 }, e[3] = { 0, -1, 2 };
	sp_error err = { 0 };
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 2, 2, 1, 0, 3, q, &err), *a = m ? sp_lstm_alone_new(m, &err) : NULL;
	sp_lstm_train_opts o;
	double t[60], y[60], r[60], L = log(2), lo, mid, hi, alo, amid, ahi;
	sp_lstm_pred *pm, *pa;

	if (!a || sp_lstm_set_alone(m, a, &err) < 0) {
		CHECK(0, "setup: %s", err.msg);
		sp_lstm_free(m);
		return;
	}
	sp_lstm_train_defaults(&o);
	for (int i = 0; i < 60; i++)
		t[i] = 1700000000 + 300.0 * i, r[i] = L + d[i % 3], y[i] = 10 + L + e[i % 3];
	m->step = a->step = 300, a->mean = 10;
	CHECK(sp_lstm_mix_fit(m, t, y, r, NULL, 60, &o, &err) == 0, "fit: %s", err.msg);
	CHECK(m->mixed, "mixed");
	CHECK_CLOSE(m->mix[0], 0.5, 1e-15, "w: the weighted median 0.5");
	CHECK_CLOSE(m->mix_lo[0], -L, 1e-14, "the lower edge's calibration");
	CHECK_CLOSE(m->mix_hi[0], 1.5 - L, 1e-14, "the upper edge's calibration");
	/* applied at the last origin, s = 59 (e = 2, d = 1): hybrid (y - 1 - ln 2, y - 1, y - 1 + ln 2) */
	pm = sp_lstm_pred_new(m, &err), pa = sp_lstm_pred_new(a, &err);
	if (pm && pa) {
		double base = y[59] - r[59];
		sp_lstm_predict(pm, t + 57, r + 57, &lo, &mid, &hi);
		sp_lstm_predict(pa, t + 57, y + 57, &alo, &amid, &ahi);
		lo += base, mid += base, hi += base;
		sp_lstm_mix(m, &alo, &amid, &ahi, &lo, &mid, &hi);
		CHECK_CLOSE(mid, 0.5 * (10 + L) + 0.5 * (y[59] - 1), 1e-14, "the mixed point");
		CHECK_CLOSE(lo, 0.5 * 10 + 0.5 * (y[59] - 1 - L) + L, 1e-14, "the mixed lower edge");
		CHECK_CLOSE(hi, 0.5 * (10 + 2 * L) + 0.5 * (y[59] - 1 + L) + 1.5 - L, 1e-14, "the mixed upper edge");
	}
	sp_lstm_pred_free(pm), sp_lstm_pred_free(pa);
	/* the alone perfect (e = 0): w = 1; no calibration: offsets 0 */
	for (int i = 0; i < 60; i++)
		y[i] = 10 + L;
	o.calibrate = 0;
	CHECK(sp_lstm_mix_fit(m, t, y, r, NULL, 60, &o, &err) == 0 && m->mix[0] == 1 && m->mix_lo[0] == 0 &&
	    m->mix_hi[0] == 0, "the alone exact: w 1 (%g)", m->mix[0]);
	/* the hybrid exact (d = 0): w = 0 */
	for (int i = 0; i < 60; i++)
		r[i] = L, y[i] = 5 + i % 4;
	CHECK(sp_lstm_mix_fit(m, t, y, r, NULL, 60, &o, &err) == 0 && m->mix[0] == 0, "the hybrid exact: w 0 (%g)",
	    m->mix[0]);
	a->step = 60;
	CHECK(sp_lstm_mix_fit(m, t, y, r, NULL, 60, &o, &err) == SP_EDATA && !m->mixed &&
	    strstr(err.msg, "the LSTM alone has step 60 s and the series 300 s"), "another step: %s", err.msg);
	a->step = 300;
	for (int i = 48; i < 60; i++)
		y[i] = NAN;
	CHECK(sp_lstm_mix_fit(m, t, y, r, NULL, 60, &o, &err) == SP_EDATA &&
	    strstr(err.msg, "no validation window for the mix at horizon 1"), "no window: %s", err.msg);
	sp_lstm_free(m);
}

/* A mixed hybrid's file: version 2, the mix and the alone round-trip; a
 * plain model and an unmixed hybrid stay version 1; the mix keys in a
 * version 1 file, a version 2 file without them, a weight out of [0,1] are
 * refused; sp_lstm_set_alone names what differs. */
static void
test_mix_file(sp_rand *r)
{
	char path[] = "/tmp/test_lstm_mix.XXXXXX";
	static const double q[] = { 0.1, 0.5, 0.9 }, q2[] = { 0.2, 0.5, 0.8 };
	sp_error err = { 0 };
	sp_lstm *m = sp_lstm_new(SP_NN_LSTM, 1, 3, 4, 2, SP_LSTM_LEVEL | SP_LSTM_EXOG, 3, q, &err), *a, *m2 = NULL;
	int fd = mkstemp(path);
	char buf[65536], *e;
	FILE *fp;

	if (!m || fd < 0 || !(a = sp_lstm_alone_new(m, &err))) {
		CHECK(0, "setup: %s", err.msg);
		sp_lstm_free(m);
		return;
	}
	close(fd);
	CHECK(!a->exog && a->level && a->nn.nin == 2 && a->nq == 3 && a->horizon == 2, "the alone: no base input");
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = sp_rand_normal(r, 0.5);
	for (size_t i = 0; i < a->nparams; i++)
		a->params[i] = sp_rand_normal(r, 0.5);
	m->mean = 3, m->scale = 2, m->step = 60, m->xscale = 1;
	a->mean = 30, a->scale = 4, a->step = 60, a->cal_lo[1] = 0.125, a->calibrated = 1;
	strcpy(m->base, "b.season"), strcpy(m->base_sum, "00ff00ff00ff00ff");
	m->base_rolling = 1;
	CHECK(sp_lstm_set_alone(m, a, &err) == 0 && m->alone == a && !m->mixed, "set the alone");
	m->mix[0] = 0.25, m->mix[1] = 1, m->mix_lo[0] = -0.5, m->mix_hi[1] = 2, m->mixed = 1;
	CHECK(sp_lstm_save(m, path, NULL, &err) == 0, "save: %s", err.msg);
	m2 = sp_lstm_load(path, &err);
	CHECK(m2 && m2->mixed && m2->alone && m2->mix[0] == 0.25 && m2->mix[1] == 1 && m2->mix_lo[0] == -0.5 &&
	    m2->mix_hi[1] == 2 && m2->alone->mean == 30 && m2->alone->scale == 4 && m2->alone->step == 60 &&
	    m2->alone->calibrated && m2->alone->cal_lo[1] == 0.125 &&
	    memcmp(m2->alone->params, a->params, a->nparams * sizeof(double)) == 0, "the mix round-trips: %s",
	    err.msg);
	sp_lstm_free(m2);
	slurp(path, buf, sizeof buf);
	CHECK(strncmp(buf, "scalepipe-model lstm 2\n", 23) == 0 && strstr(buf, "\nmix 0.25 1\n"),
	    "version 2, the weights as written");
	if ((fp = fopen(path, "w"))) {   /* version 1 with the mix keys */
		fputs("scalepipe-model lstm 1", fp), fputs(strchr(buf, '\n'), fp), fclose(fp);
		CHECK(sp_lstm_load(path, &err) == NULL && err.code == SP_EMODEL, "the mix in version 1 refused: %s",
		    err.msg);
	}
	if ((e = strstr(buf, "\nmix 0.25 1\n")) && (fp = fopen(path, "w"))) {
		fwrite(buf, 1, (size_t)(e - buf) + 1, fp), fputs("mix 0.25 1.5\n", fp), fputs(e + 12, fp), fclose(fp);
		CHECK(sp_lstm_load(path, &err) == NULL && strstr(err.msg, "'mix' values must lie in [0,1]"),
		    "a weight above 1 refused: %s", err.msg);
	}
	if (e && (fp = fopen(path, "w"))) {   /* version 2 without the mix */
		fwrite(buf, 1, (size_t)(e - buf) + 1, fp), fputs(e + 12, fp), fclose(fp);
		CHECK(sp_lstm_load(path, &err) == NULL && strstr(err.msg, "needs 'base' and 'mix'"),
		    "version 2 without the mix refused: %s", err.msg);
	}
	m->mixed = 0;   /* an unmixed hybrid: version 1, as before */
	CHECK(sp_lstm_save(m, path, NULL, &err) == 0 && (m2 = sp_lstm_load(path, &err)) && !m2->alone && !m2->mixed,
	    "unmixed: %s", err.msg);
	sp_lstm_free(m2);
	slurp(path, buf, 31);
	CHECK(strncmp(buf, "scalepipe-model lstm 1\n", 23) == 0, "version 1");
	/* the alone must have the hybrid's architecture */
	a = sp_lstm_new(SP_NN_LSTM, 1, 3, 4, 2, SP_LSTM_LEVEL, 3, q2, &err);
	CHECK(a && sp_lstm_set_alone(m, a, &err) == SP_EDATA && strstr(err.msg, "--loss or --quantiles differs") &&
	    m->alone && !m->mixed, "other quantiles: %s", err.msg);
	a = sp_lstm_new(SP_NN_LSTM, 1, 3, 5, 2, SP_LSTM_LEVEL, 3, q, &err);
	CHECK(a && sp_lstm_set_alone(m, a, &err) == SP_EDATA && strstr(err.msg, "--window differs"),
	    "another window: %s", err.msg);
	a = sp_lstm_new(SP_NN_LSTM, 1, 3, 4, 2, SP_LSTM_LEVEL, 3, q, &err);
	if (a)
		strcpy(a->base, "x");
	CHECK(a && sp_lstm_set_alone(m, a, &err) == SP_EDATA && strstr(err.msg, "itself a hybrid"), "a hybrid: %s",
	    err.msg);
	CHECK(sp_lstm_set_alone(m, NULL, &err) == 0 && !m->alone, "dropped");
	unlink(path);
	sp_lstm_free(m);
}

int
main(void)
{
	sp_rand *r = sp_rand_new(7);
	small = getenv("SP_VALGRIND") != NULL;
	test_save_check();
	test_features();
	test_head_loss(r);
	test_train(r);
	test_warm(r);
	test_base_keys();
	test_shrink_fit();
	test_shrink_predict(r);
	test_mix();
	test_mix_fit();
	test_mix_file(r);
	sp_rand_free(r);
	return check_summary();
}
