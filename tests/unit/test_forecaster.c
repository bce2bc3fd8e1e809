/* test_forecaster: the forecaster interface: sp_model_peek, opening model
 * files through the registry (each kind, an unknown kind, truncated and
 * corrupt files, refused options), what each kind reports, the history
 * helper, and a backend built in memory (a hand-made "naive" forecaster
 * with an extra input column) through the generic calls. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_fc_ar.h"
#include "sp_fc_lstm.h"
#include "sp_forecaster.h"
#include "sp_model.h"

#define TINY "tests/cli/data/lstm-tiny.lstm"
#define HAND "tests/cli/data/arfit-hand.ar"

static char dir[64];

static const char *
tmpfile_with(const char *name, const char *text)
{
	static char path[128];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* The first n lines of a file into a temporary file. */
static const char *
head_of(const char *src, int n, const char *name)
{
	static char path[128];
	char line[65536];
	FILE *in = fopen(src, "r"), *out;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	out = fopen(path, "w");
	for (int i = 0; i < n && fgets(line, sizeof line, in); i++)
		fputs(line, out);
	fclose(in);
	fclose(out);
	return path;
}

static void
test_peek(void)
{
	sp_error err = { 0 };
	char kind[16], want[256];
	const char *p;
	int v = 0;

	CHECK(sp_model_peek(TINY, kind, sizeof kind, &v, &err) == 0 && strcmp(kind, "lstm") == 0 && v == 1,
	    "peek lstm: %s %d %s", kind, v, err.msg);
	p = tmpfile_with("v3", "scalepipe-model gbfit 3\nwhatever\n");
	CHECK(sp_model_peek(p, kind, sizeof kind, &v, &err) == 0 && strcmp(kind, "gbfit") == 0 && v == 3,
	    "peek reads only the first line: %s %d", kind, v);
	CHECK(sp_model_peek(p, kind, 3, NULL, &err) == 0 && strcmp(kind, "gb") == 0, "kind cut to the buffer");
	snprintf(want, sizeof want, "%s/none", dir);
	CHECK(sp_model_peek(want, kind, sizeof kind, &v, &err) == SP_EIO, "missing file");
	strcat(want, ": No such file or directory");
	CHECK_STR(err.msg, want, "missing file message");
	for (int i = 0; i < 4; i++) {
		static const char *const bad[] = { "hello\n", "", "scalepipe-model lstm\n", "scalepipe-model lstm 1 x\n" };
		p = tmpfile_with("bad", bad[i]);
		snprintf(want, sizeof want, "%s:1: not a scalepipe model file (first line must be "
		    "'scalepipe-model <kind> <version>')", p);
		CHECK(sp_model_peek(p, kind, sizeof kind, &v, &err) == SP_EMODEL, "bad first line %d", i);
		CHECK_STR(err.msg, want, "bad first line message");
	}
}

static void
test_open(void)
{
	sp_error err = { 0 };
	sp_forecaster_opts lv = { 0.9 };
	const sp_forecaster_info *in;
	sp_forecaster *f;
	char want[512];
	const char *p;

	/* each registered kind, and what it reports */
	f = sp_forecaster_open(TINY, NULL, &err);
	CHECK(f != NULL, "open lstm: %s", err.msg);
	if (f) {
		in = sp_forecaster_describe(f);
		CHECK_STR(in->kind, "lstm", "lstm kind");
		CHECK_STR(in->path, TINY, "lstm path");
		CHECK_STR(in->column, "load", "lstm column");
		CHECK(in->window == 8 && in->step == 300 && in->hmax == 3 && in->hdefault == 3 && in->nextra == 0,
		    "lstm window, step, horizons");
		CHECK(in->band == SP_FORECASTER_BAND_QUANTILES && in->nq == 3 && in->q[0] == 0.1 && in->q[2] == 0.9,
		    "lstm band: its quantiles");
		CHECK(in->alo == 0.1 && in->ahi == 1 - 0.9 && in->options == 0, "lstm miss rates, no --level");
		CHECK(!sp_forecaster_ready(f), "not ready before any push");
	}
	sp_forecaster_free(f);
	f = sp_forecaster_open("tests/cli/data/lstm-tiny-gru.lstm", NULL, &err);
	CHECK(f && sp_forecaster_describe(f)->band == SP_FORECASTER_BAND_LEVEL &&
	    sp_forecaster_describe(f)->level == 0.95 && sp_forecaster_describe(f)->alo == 0.025,
	    "MSE lstm: +-1.96 RMSE, a 95%% band");
	sp_forecaster_free(f);
	f = sp_forecaster_open(HAND, &lv, &err);
	CHECK(f != NULL, "open ar: %s", err.msg);
	if (f) {
		in = sp_forecaster_describe(f);
		CHECK_STR(in->kind, "ar", "ar kind");
		CHECK_STR(in->path, HAND, "ar path (kept by the interface)");
		CHECK(in->column == NULL && in->window == 2 && in->step == 0 && in->hmax == SP_FORECASTER_MAXH &&
		    in->hdefault == 1, "ar: no column, window p, step from the input");
		CHECK(in->band == SP_FORECASTER_BAND_LEVEL && in->level == 0.9 && in->options == SP_FORECASTER_OPT_LEVEL,
		    "ar band: --level");
		CHECK(in->alo == (1 - 0.9) / 2 && in->ahi == (1 - 0.9) / 2, "ar miss rates (1 - L)/2");
	}
	sp_forecaster_free(f);
	f = sp_forecaster_open(HAND, NULL, &err);
	CHECK(f && sp_forecaster_describe(f)->level == 0.8, "ar default level 0.8");
	sp_forecaster_free(f);

	/* errors */
	p = tmpfile_with("svr", "scalepipe-model svr 1\nend\n");
	CHECK(!sp_forecaster_open(p, NULL, &err) && err.code == SP_EMODEL, "unknown kind refused");
	snprintf(want, sizeof want, "%s: model kind 'svr' is not supported (forecast applies lstm, ar, gb and season models)", p);
	CHECK_STR(err.msg, want, "unknown kind message");
	p = head_of(TINY, 10, "trunc.lstm");
	CHECK(!sp_forecaster_open(p, NULL, &err) && err.code == SP_EMODEL, "truncated lstm refused");
	snprintf(want, sizeof want, "%s:10: truncated file (no 'end' line)", p);
	CHECK_STR(err.msg, want, "truncated lstm message");
	p = head_of(HAND, 8, "trunc.ar");
	CHECK(!sp_forecaster_open(p, NULL, &err) && err.code == SP_EMODEL, "truncated ar refused");
	snprintf(want, sizeof want, "%s:8: truncated file (no 'end' line)", p);
	CHECK_STR(err.msg, want, "truncated ar message");
	p = tmpfile_with("junk", "hello\n");
	CHECK(!sp_forecaster_open(p, NULL, &err) && err.code == SP_EMODEL && strstr(err.msg, ":1: not a scalepipe model"),
	    "not a model file: %s", err.msg);
	CHECK(!sp_forecaster_open("tests/none.lstm", NULL, &err) && err.code == SP_EIO, "missing file");
	CHECK_STR(err.msg, "tests/none.lstm: No such file or directory", "missing file message");
	p = tmpfile_with("v9.lstm", "scalepipe-model lstm 9\nend\n");
	CHECK(!sp_forecaster_open(p, NULL, &err) && strstr(err.msg, "format version 9 is not supported"),
	    "newer version: %s", err.msg);
	CHECK(!sp_forecaster_open(TINY, &lv, &err) && err.code == SP_EUSAGE, "--level refused by lstm");
	CHECK_STR(err.msg, "--level applies to AR models (an LSTM's band is its quantiles)", "--level message");
}

static void
test_hist(void)
{
	sp_forecaster_hist h;
	sp_error err = { 0 };
	int ok = 1;

	CHECK(sp_forecaster_hist_init(&h, 0, &err) == SP_EUSAGE, "window 0 refused");
	CHECK(sp_forecaster_hist_init(&h, 3, &err) == 0, "init");
	for (int i = 0; i < 20; i++) {
		sp_forecaster_hist_push(&h, 100 + i, i == 5 ? NAN : i);
		if (sp_forecaster_hist_full(&h) != (i >= 2 && (i < 5 || i >= 8)))
			ok = 0;
		if (sp_forecaster_hist_full(&h))   /* the last three, contiguous */
			for (int k = 0; k < 3; k++)
				if (sp_forecaster_hist_y(&h)[k] != i - 2 + k || sp_forecaster_hist_t(&h)[k] != 100 + i - 2 + k)
					ok = 0;
	}
	CHECK(ok, "full after 3 present values, again 3 after a missing one; the window is the last 3");
	CHECK(h.run == 14, "run of present values: %ld", h.run);
	sp_forecaster_hist_free(&h);
	sp_forecaster_hist_free(&h);   /* twice is fine */
}

/* ---- a backend built in memory: forecast = the last value plus the
 * extra column's last value, band +-1, ready after 2 rows ---------------- */
typedef struct {
	double last, extra;
	int n, freed;
} naive;

static int *naive_freed;

static int
naive_push(void *st, double t, const double *x, sp_error *err)
{
	naive *a = st;

	(void)t, (void)err;
	a->last = x[0], a->extra = x[1], a->n++;
	return a->n >= 2;
}

static int
naive_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	naive *a = st;

	(void)err;
	for (int h = 0; h < H; h++)
		mid[h] = a->last + a->extra * (h + 1), lo[h] = mid[h] - 1, hi[h] = mid[h] + 1;
	return 0;
}

static int
naive_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	(void)st, (void)cmdline;
	return sp_error_set(err, SP_EUSAGE, "%s: naive models are not saved", path);
}

static void
naive_free(void *st)
{
	(*naive_freed)++;
	free(st);
}

static const sp_forecaster_ops naive_ops = {
	.kind = "naive", .push = naive_push, .band = naive_band, .save = naive_save, .free = naive_free,
};

static sp_csv_reader *
reader_of(const char *csv, FILE **fp)
{
	sp_error err = { 0 };

	*fp = fmemopen((void *)csv, strlen(csv), "r");
	return sp_csv_reader_new(*fp, "-", SP_CSV_NEED_TIMESTAMP, &err);
}

static void
test_backend(void)
{
	static const char *const extra[] = { "trend" };
	sp_forecaster_info info = { .column = "load", .nextra = 1, .extra = extra, .window = 2, .step = 60,
		.hmax = 4, .hdefault = 2, .band = SP_FORECASTER_BAND_LEVEL, .level = 0.5, .alo = 0.25, .ahi = 0.25 };
	sp_error err = { 0 };
	double lo[4], mid[4], hi[4], x[2];
	int cols[SP_FORECASTER_MAXCOLS], freed = 0;
	sp_csv_reader *r;
	sp_forecaster *f;
	FILE *fp;

	naive_freed = &freed;
	f = sp_forecaster_new(&naive_ops, calloc(1, sizeof(naive)), &info, &err);
	CHECK(f != NULL, "new");
	if (!f)
		return;
	CHECK_STR(sp_forecaster_describe(f)->kind, "naive", "kind from the ops");
	CHECK_STR(sp_forecaster_describe(f)->path, "", "no path in memory");
	CHECK(sp_forecaster_state(f, &naive_ops) != NULL && sp_forecaster_state(f, &sp_fc_ar_ops) == NULL &&
	    sp_fc_ar_model(f) == NULL, "state of the right backend only");

	/* columns: the model's, then -c, and the extra one */
	r = reader_of("timestamp,cpu,load,trend\n0,1,2,3\n", &fp);
	CHECK(sp_forecaster_columns(f, r, NULL, cols, &err) == 2 && cols[0] == 2 && cols[1] == 3,
	    "model's column and the extra: %s", err.msg);
	CHECK(sp_forecaster_columns(f, r, "cpu", cols, &err) == 2 && cols[0] == 1 && cols[1] == 3, "-c cpu");
	CHECK(sp_forecaster_columns(f, r, "timestamp", cols, &err) == SP_EUSAGE, "the timestamp refused");
	CHECK_STR(err.msg, "-c: the timestamp column is not a series", "timestamp message");
	sp_csv_reader_free(r), fclose(fp);
	r = reader_of("timestamp,cpu,trend\n", &fp);
	CHECK(sp_forecaster_columns(f, r, NULL, cols, &err) == SP_EDATA, "model's column missing");
	CHECK_STR(err.msg, " was trained on column 'load' and the input has no such column; pick one with -c",
	    "missing column message (path empty in memory)");
	sp_csv_reader_free(r), fclose(fp);
	r = reader_of("timestamp,load\n", &fp);
	CHECK(sp_forecaster_columns(f, r, NULL, cols, &err) == SP_EDATA, "extra column missing");
	CHECK_STR(err.msg, " reads column 'trend' and the input has no such column", "missing extra message");
	sp_csv_reader_free(r), fclose(fp);

	/* push, ready, band */
	x[0] = 10, x[1] = 2;
	CHECK(sp_forecaster_push(f, 0, x, &err) == 0 && !sp_forecaster_ready(f), "not ready after one row");
	CHECK(sp_forecaster_band(f, 1, lo, mid, hi, &err) == SP_EUSAGE, "no band before ready");
	x[0] = 11, x[1] = 3;
	CHECK(sp_forecaster_push(f, 60, x, &err) == 1 && sp_forecaster_ready(f), "ready after two");
	CHECK(sp_forecaster_band(f, 3, lo, mid, hi, &err) == 0 && mid[0] == 14 && mid[2] == 20 && lo[1] == 16 &&
	    hi[1] == 18, "band of horizons 1..3");
	CHECK(sp_forecaster_band(f, 5, lo, mid, hi, &err) == SP_EUSAGE && strstr(err.msg, "1..4"), "H > hmax refused");
	CHECK(sp_forecaster_band(f, 0, lo, mid, hi, &err) == SP_EUSAGE, "H 0 refused");
	CHECK(sp_forecaster_save(f, "x", NULL, &err) == SP_EUSAGE, "the backend's save");
	sp_forecaster_free(f);
	CHECK(freed == 1, "state freed with the forecaster");
	sp_forecaster_free(NULL);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_forecaster.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_peek();
	test_open();
	test_hist();
	test_backend();
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return check_summary();
}
