/* test_fcroll: the rolling rows of a forecaster, checked by hand on a tiny
 * hand-made backend (forecast = last value + slope * h, band +-1): the
 * ring of pending one-horizon forecasts (row t gets origin t - H), the
 * long rows, when an origin is made (ready and the step known), the band
 * of H = 1 made only when its row comes, the --adapt bookkeeping (each
 * band widened when made and scored when its target arrives, before the
 * next band), the spacing checks and their messages, the copied row of
 * arfit's one-shot forecast; and causality on a real AR model with
 * --adapt: a prefix of the input gives a prefix of the output.  The
 * state between runs (sp_fcroll_write_state / read_state, through
 * sp_fcroll_save_state / resume): saved and read back into a new
 * forecaster and roll at every k-th row, the rolling and the fixed AR
 * forecasters, one-horizon (H = 1 lazy, H = 3) and long, with and without
 * --adapt (the rolling window of 25 recomputes its sums every 25 rows), give bit for bit the bands of an uninterrupted run (also with
 * --by keys in one file), and corrupt, truncated or other-option states
 * (or with values that would make every later band NaN) are refused
 * naming file:line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_ar.h"
#include "sp_fc_ar.h"
#include "sp_fcroll.h"
#include "sp_forecaster.h"
#include "sp_keyed.h"
#include "sp_state.h"

/* ---- the hand-made backend ---------------------------------------------- */
typedef struct {
	double last, slope;
	long run;
	int window, bands;
} ramp;

static int
ramp_push(void *st, double t, const double *x, sp_error *err)
{
	ramp *a = st;

	(void)t, (void)err;
	a->last = x[0];
	a->run = isfinite(x[0]) ? a->run + 1 : 0;
	return a->run >= a->window;
}

static int
ramp_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	ramp *a = st;

	(void)err;
	a->bands++;
	for (int h = 1; h <= H; h++)
		mid[h - 1] = a->last + a->slope * h, lo[h - 1] = mid[h - 1] - 1, hi[h - 1] = mid[h - 1] + 1;
	return 0;
}

static int
ramp_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	(void)st, (void)path, (void)cmdline, (void)err;
	return 0;
}

static const sp_forecaster_ops ramp_ops = {
	.kind = "ramp", .push = ramp_push, .band = ramp_band, .save = ramp_save, .free = free,
};

/* step 0: the input's spacing */
static sp_forecaster *
ramp_new(double slope, int window, double step, double miss)
{
	sp_forecaster_info info = { .path = "ramp.model", .window = window, .step = step, .hmax = 5, .hdefault = 3,
		.band = SP_FORECASTER_BAND_LEVEL, .level = 1 - 2 * miss, .alo = miss, .ahi = miss,
		.noband = miss > 0 ? NULL : "has a single quantile" };
	ramp *a = calloc(1, sizeof *a);

	a->slope = slope, a->window = window;
	return sp_forecaster_new(&ramp_ops, a, &info, NULL);
}

static int
ramp_bands(const sp_forecaster *f)
{
	return ((const ramp *)sp_forecaster_state(f, &ramp_ops))->bands;
}

/* Run f rolling over csv with o; the output text (malloc'ed), or NULL and
 * err. */
static char *
run(sp_forecaster *f, const sp_fcroll_opts *o, const char *csv, sp_error *err)
{
	FILE *in = fmemopen((void *)csv, strlen(csv), "r"), *out;
	sp_csv_reader *r = sp_csv_reader_new(in, "-", SP_CSV_NEED_TIMESTAMP, err);
	sp_fcroll *roll = r ? sp_fcroll_new(f, o, err) : NULL;
	sp_csv_writer *w;
	char *text = NULL;
	size_t len;
	int rc = -1;

	out = open_memstream(&text, &len);
	w = sp_csv_writer_new(out);
	if (roll && sp_fcroll_bind(roll, r, NULL, err) == 0) {
		sp_fcroll_write_header(roll, r, w);
		while ((rc = sp_csv_next(r, err)) == SP_OK && (rc = sp_fcroll_read(roll, r, err)) == 0)
			sp_fcroll_write(roll, r, w);
	}
	sp_csv_writer_flush(w, NULL);
	sp_csv_writer_free(w);
	fclose(out);
	sp_fcroll_free(roll);
	sp_csv_reader_free(r);
	fclose(in);
	if (rc < 0 && rc != SP_EEOF) {
		free(text);
		return NULL;
	}
	return text;
}

static const char five[] = "timestamp,load\n0,10\n60,20\n120,30\n180,40\n240,50\n";

static void
test_ring(void)
{
	sp_fcroll_opts o = { 2, 0, 0 };
	sp_error err = { 0 };
	sp_forecaster *f = ramp_new(10, 1, 0, 0.1);
	char *s;

	/* origins: rows 2..5 (ready from row 1, the step known from row 2);
	 * --horizon 2: row t shows origin t - 2, mid = y + 2 * 10 */
	s = run(f, &o, five, &err);
	CHECK_STR(s, "timestamp,load,forecast,lower,upper\n0,10,,,\n60,20,,,\n120,30,,,\n180,40,40,39,41\n"
	    "240,50,50,49,51\n", "one-horizon, H 2");
	CHECK(ramp_bands(f) == 4, "H 2: a band at each of the 4 origins (%d)", ramp_bands(f));
	free(s), sp_forecaster_free(f);

	/* H 1: each band made when its row comes, so none for the last origin */
	o.horizon = 0;
	f = ramp_new(10, 1, 0, 0.1);
	s = run(f, &o, five, &err);
	CHECK_STR(s, "timestamp,load,forecast,lower,upper\n0,10,,,\n60,20,,,\n120,30,30,29,31\n180,40,40,39,41\n"
	    "240,50,50,49,51\n", "one-horizon, H 1 (the default)");
	CHECK(ramp_bands(f) == 3, "H 1: 3 bands, not 4 (%d)", ramp_bands(f));
	free(s), sp_forecaster_free(f);

	/* long: the forecaster's default horizons (3) capped by --horizon 2 */
	o = (sp_fcroll_opts){ 2, 1, 0 };
	f = ramp_new(10, 2, 0, 0.1);
	s = run(f, &o, "timestamp,load,x\n0,10,a\n60,20,b\n120,30,c\n", &err);
	/* the band's central level (1 - 0.1 - 0.1) travels with the long rows */
	CHECK_STR(s, "origin,timestamp,horizon,load,x,forecast,lower,upper,level\n60,120,1,20,b,30,29,31,0.8\n"
	    "60,180,2,20,b,40,39,41,0.8\n120,180,1,30,c,40,39,41,0.8\n120,240,2,30,c,50,49,51,0.8\n",
	    "long, H 2, window 2");
	free(s), sp_forecaster_free(f);
	o.horizon = 0;
	f = ramp_new(1, 1, 60, 0.1);   /* the step fixed: an origin from the first row */
	s = run(f, &o, "timestamp,load\n0,10\n", &err);
	CHECK_STR(s, "origin,timestamp,horizon,load,forecast,lower,upper,level\n0,60,1,10,11,10,12,0.8\n"
	    "0,120,2,10,12,11,13,0.8\n0,180,3,10,13,12,14,0.8\n", "long, the model's step and horizons");
	free(s), sp_forecaster_free(f);

	/* a missing value: no origin until the window is full again */
	o = (sp_fcroll_opts){ 1, 0, 0 };
	f = ramp_new(0, 2, 0, 0.1);
	s = run(f, &o, "timestamp,load\n0,1\n60,2\n120,\n180,4\n240,5\n300,6\n", &err);
	CHECK_STR(s, "timestamp,load,forecast,lower,upper\n0,1,,,\n60,2,,,\n120,,2,1,3\n180,4,,,\n240,5,,,\n"
	    "300,6,5,4,6\n", "missing value");
	free(s), sp_forecaster_free(f);
}

static void
test_errors(void)
{
	sp_fcroll_opts o = { 6, 0, 0 };
	sp_error err = { 0 };
	sp_forecaster *f = ramp_new(0, 1, 0, 0.1), *g = ramp_new(0, 1, 300, 0);

	CHECK(!sp_fcroll_new(f, &o, &err) && err.code == SP_EUSAGE, "horizon beyond hmax");
	CHECK_STR(err.msg, "--horizon 6: the model forecasts horizons 1..5", "horizon message");
	o = (sp_fcroll_opts){ 1, 0, 0.1 };
	CHECK(!sp_fcroll_new(g, &o, &err) && err.code == SP_EUSAGE, "--adapt without a band");
	CHECK_STR(err.msg, "--adapt: ramp.model has a single quantile, no band to recalibrate", "no band message");
	o.adapt = 0;
	CHECK(!run(f, &o, "timestamp,load\n0,1\n60,2\n100,3\n", &err) && err.code == SP_EDATA, "uneven input");
	CHECK_STR(err.msg, "row 3: spacing 40 s differs from the series' step 60 s (ramp.model); resample with window "
	    "first", "series' step message");
	CHECK(!run(g, &o, "timestamp,load\n0,1\n60,2\n", &err) && err.code == SP_EDATA, "another step than the model's");
	CHECK_STR(err.msg, "row 2: spacing 60 s differs from the model's step 300 s (ramp.model); resample with window "
	    "first", "model's step message");
	CHECK(!run(f, &o, "timestamp,load\n0,1\n60,x\n", &err) && strstr(err.msg, "row 2, column load: "),
	    "a bad number: the reader's message (%s)", err.msg);
	sp_forecaster_free(f), sp_forecaster_free(g);
}

/* --adapt by hand: band [y - 1, y + 1] around the last value y, miss rates
 * 0.25 each, lr 0.5, y = 0, 0, 0, 4, 4, 4.
 *   row 3: band of origin 2 [-1, 0, 1], no widening; y 0 inside, |err| 0: eta 0.
 *   row 4: band of origin 3 [-1, 0, 1]; y 4 above: mean |err| 2, eta 1:
 *          ql = -0.25, qh = 0.75.
 *   row 5: band of origin 4 [3, 4, 5] widened to [3.25, 4, 5.75]; y 4 inside:
 *          mean |err| 4/3, eta 2/3: ql = -0.25 - 1/6, qh = 0.75 - 1/6.
 *   row 6: band of origin 5 [3, 4, 5] widened to [3 + 5/12, 4, 5 + 7/12];
 *          y 4 inside: mean |err| 1, eta 0.5: ql = -5/12 - 1/8, qh = 7/12 - 1/8
 *          (long format: the band of origin 6 [3 + 13/24, 4, 5 + 11/24]). */
static void
test_adapt(void)
{
	static const char csv[] = "timestamp,load\n0,0\n60,0\n120,0\n180,4\n240,4\n300,4\n";
	sp_fcroll_opts o = { 1, 0, 0.5 };
	sp_error err = { 0 };
	sp_forecaster *f = ramp_new(0, 1, 0, 0.25);
	char *s = run(f, &o, csv, &err), want[512], *l;
	double a, b, c, d;

	snprintf(want, sizeof want, "timestamp,load,forecast,lower,upper\n0,0,,,\n60,0,,,\n120,0,0,-1,1\n"
	    "180,4,0,-1,1\n240,4,4,3.25,5.75\n300,4,4,%.10g,%.10g\n", 3 + 5 / 12.0, 5 + 7 / 12.0);
	CHECK_STR(s, want, "one-horizon --adapt 0.5 by hand");
	free(s), sp_forecaster_free(f);

	/* long, one widening per horizon: horizon 1 of --long = one-horizon H 1;
	 * the same bands when made eagerly */
	o.longfmt = 1, o.horizon = 1;
	f = ramp_new(0, 1, 0, 0.25);
	s = run(f, &o, csv, &err);
	CHECK_STR(s, "origin,timestamp,horizon,load,forecast,lower,upper,level\n60,120,1,0,0,-1,1,0.5\n"
	    "120,180,1,0,0,-1,1,0.5\n180,240,1,4,4,3.25,5.75,0.5\n240,300,1,4,4,3.416666667,5.583333333,0.5\n"
	    "300,360,1,4,4,3.541666667,5.458333333,0.5\n",
	    "long --adapt: the same widenings (and origin 6, made after row 6 is scored)");
	free(s), sp_forecaster_free(f);

	/* long, two horizons, checked against one-horizon H 2 on horizon 2 */
	o = (sp_fcroll_opts){ 2, 1, 0.3 };
	f = ramp_new(1, 1, 0, 0.1);
	{
		static const char wave[] = "timestamp,load\n0,1\n60,5\n120,2\n180,8\n240,3\n300,9\n360,1\n420,7\n480,2\n";
		sp_fcroll_opts o1 = { 2, 0, 0.3 };
		sp_forecaster *g = ramp_new(1, 1, 0, 0.1);
		char *s1 = run(g, &o1, wave, &err), *p;
		int ok = 1, rows = 0;
		s = run(f, &o, wave, &err);
		/* the one-horizon row of time T has the long row of origin T - 120, horizon 2 */
		for (l = strtok_r(s1, "\n", &p); l; l = strtok_r(NULL, "\n", &p)) {
			double t;
			char key[64], *q;
			if (sscanf(l, "%lf,%*[^,],%lf,%lf,%lf", &t, &a, &b, &c) != 4)
				continue;
			snprintf(key, sizeof key, "\n%.0f,%.0f,2,", t - 120, t);
			q = strstr(s, key);
			if (!q || sscanf(q + strlen(key), "%*[^,],%lf,%lf,%lf", &d, &b, &c) != 3 || d != a)
				ok = 0;
			rows++;
		}
		CHECK(ok && rows == 6, "one widening per horizon: horizon 2 of --long = one-horizon H 2 (%d rows)", rows);
		free(s1), sp_forecaster_free(g);
	}
	free(s), sp_forecaster_free(f);
}

/* A real AR model with --adapt: the output of the first k rows is a prefix
 * of the output of all of them, in both formats. */
static void
test_causal(void)
{
	char csv[8192], pre[8192];
	size_t len = 0, cut = 0;
	sp_error err = { 0 };
	sp_ar_model *m = sp_ar_load("tests/cli/data/arfit-hand.ar", &err);
	int ok = 1;

	CHECK(m != NULL, "load: %s", err.msg);
	if (!m)
		return;
	len = (size_t)snprintf(csv, sizeof csv, "timestamp,load\n");
	for (int i = 0; i < 120; i++) {
		if (i == 60)
			cut = len;
		if (i == 30)   /* a missing value */
			len += (size_t)snprintf(csv + len, sizeof csv - len, "%d,\n", 60 * i);
		else
			len += (size_t)snprintf(csv + len, sizeof csv - len, "%d,%.3f\n", 60 * i,
			    10 + 5 * sin(i / 3.0) + (i % 7));
	}
	memcpy(pre, csv, cut), pre[cut] = '\0';
	for (int longfmt = 0; longfmt <= 1; longfmt++) {
		sp_fcroll_opts o = { 3, longfmt, 0.3 };
		sp_ar_band_opts bo = { 0.1, 0.9, 0, NULL };
		sp_forecaster *f = sp_fc_ar_new(sp_ar_model_dup(m), &bo, &err), *g = sp_fc_ar_new(sp_ar_model_dup(m), &bo, &err);
		char *all = run(f, &o, csv, &err), *part = run(g, &o, pre, &err);
		if (!all || !part || strncmp(all, part, strlen(part)) != 0 || strlen(part) < 200 ||
		    strlen(all) <= strlen(part))
			ok = 0;
		free(all), free(part);
		sp_forecaster_free(f), sp_forecaster_free(g);
	}
	CHECK(ok, "causal: 60 rows give a prefix of the output of 120 (one-horizon and long, --adapt)");
	sp_ar_model_free(m);
}

static void
test_row_copy(void)
{
	static const char csv[] = "timestamp,a,b\n60,x,\"q,1\"\n120,yy,\n";
	static const double lo[] = { 1, 2 }, mid[] = { 1.5, 2.5 }, hi[] = { 3, 4 };
	sp_error err = { 0 };
	FILE *in = fmemopen((void *)csv, strlen(csv), "r"), *out;
	sp_csv_reader *r = sp_csv_reader_new(in, "-", SP_CSV_NEED_TIMESTAMP, &err);
	sp_fcroll_row *row = sp_fcroll_row_new();
	sp_csv_writer *w;
	char *text = NULL;
	size_t len;

	out = open_memstream(&text, &len);
	w = sp_csv_writer_new(out);
	while (sp_csv_next(r, &err) == SP_OK)
		CHECK(sp_fcroll_row_copy(row, r, &err) == 0, "copy");
	sp_fcroll_write_long_header(r, w);
	sp_fcroll_write_long(w, 120, 60, 2, row, lo, mid, hi);
	sp_csv_writer_flush(w, NULL);
	sp_csv_writer_free(w);
	fclose(out);
	CHECK_STR(text, "origin,timestamp,horizon,a,b,forecast,lower,upper\n120,180,1,yy,,1.5,1,3\n"
	    "120,240,2,yy,,2.5,2,4\n", "the last row's fields after the reader's end");
	free(text);
	sp_fcroll_row_free(row);
	sp_csv_reader_free(r);
	fclose(in);
}

/* ---- state between runs ---------------------------------------------------- */
static char sdir[] = "/tmp/test_fcroll.XXXXXX";
static char spath[300];

/* a deterministic series: level, a cycle, noise */
static double
series_at(int i)
{
	unsigned long x = (unsigned long)i * 2654435761UL % 1000003UL;
	return 50 + 10 * sin(i / 5.0) + (double)(x % 1000) / 100.0;
}

typedef struct {
	int kind;   /* 0 rolling AR OLS, 1 rolling AR Yule-Walker d 1, 2 fixed AR */
	sp_ar_model *m;
} fcspec;

static sp_forecaster *
make_fc(const fcspec *fs)
{
	sp_ar_band_opts bo = { 0.1, 0.9, 0, NULL };
	sp_ar_spec spec;
	sp_error err = { 0 };

	sp_ar_spec_defaults(&spec);
	spec.order = 2;
	if (fs->kind == 1)
		spec.method = SP_AR_YW, spec.d = 1;
	if (fs->kind == 2)
		return sp_fc_ar_new(sp_ar_model_dup(fs->m), &bo, &err);
	return sp_fc_ar_rolling_new(&spec, 25, &bo, &err);
}

/* n rows through a roll; every k-th row (k > 0) the state saved and read
 * back into a new forecaster and roll.  The results of every row into out
 * (3 H + 2 doubles a row). */
static int
run_states(const fcspec *fs, const sp_fcroll_opts *o, int n, int k, double *out)
{
	sp_error err = { 0 };
	sp_forecaster *f = make_fc(fs);
	sp_fcroll *r = sp_fcroll_new(f, o, &err);
	int H = sp_fcroll_horizon(r), ok = 1;
	size_t w = 3 * (size_t)H + 2;

	memset(out, 0, (size_t)n * w * sizeof *out);
	for (int i = 0; i < n; i++) {
		double x = series_at(i), *row = out + (size_t)i * w;
		const double *lo, *mid, *hi;
		if (k > 0 && i > 0 && i % k == 0) {
			ok &= sp_fcroll_save_state(spath, "test", r, NULL, NULL, NULL, &err) == 0;
			sp_fcroll_free(r), sp_forecaster_free(f);
			f = make_fc(fs);
			r = sp_fcroll_new(f, o, &err);
			ok &= sp_fcroll_resume(spath, "test", r, NULL, NULL, &err) == 1;
			ok &= sp_fcroll_seen(r, 60.0 * (i - 1)) == 1 && sp_fcroll_seen(r, 60.0 * i) == 0;
		}
		if (sp_fcroll_push(r, 60.0 * i, &x, &err) < 0) {
			printf("push: %s\n", err.msg);
			ok = 0;
			break;
		}
		row[0] = sp_fcroll_due(r, row + 2, row + 3, row + 4);
		if ((row[1] = sp_fcroll_origin(r, &lo, &mid, &hi)))
			for (int h = 0; h < H; h++)
				row[2 + 3 * h] = lo[h], row[3 + 3 * h] = mid[h], row[4 + 3 * h] = hi[h];
	}
	ok &= sp_fcroll_check_made(r, &err) == 0;
	sp_fcroll_free(r), sp_forecaster_free(f);
	return ok;
}

static void
test_state_steps(void)
{
	static const sp_fcroll_opts opts[] = { { 1, 0, 0.2 }, { 3, 0, 0.1 }, { 4, 1, 0 }, { 4, 1, 0.1 } };
	static const int ks[] = { 1, 13 };
	enum { N = 90 };
	fcspec fs = { 0, NULL };
	double y[N], *a = malloc(N * 14 * sizeof *a), *b = malloc(N * 14 * sizeof *b);
	sp_error err = { 0 };

	for (int i = 0; i < N; i++)
		y[i] = series_at(i);
	CHECK(sp_ar_fit(&(sp_ar_spec){ SP_AR_OLS, 3, SP_AR_IC_NONE, 1, 0, 0, 1 }, y, N, &fs.m, &err) == 0, "fit");
	for (fs.kind = 0; fs.kind < 3; fs.kind++)
		for (size_t j = 0; j < sizeof opts / sizeof *opts; j++) {
			int ok = run_states(&fs, &opts[j], N, 0, a);
			for (size_t q = 0; q < sizeof ks / sizeof *ks; q++)
				ok &= run_states(&fs, &opts[j], N, ks[q], b) &&
				    memcmp(a, b, N * (3 * (size_t)opts[j].horizon + 2) * sizeof *a) == 0;
			CHECK(ok, "state saved and read back every row, every 13 rows = one run, bit for bit "
			    "(%s AR, horizon %d%s, adapt %g)", fs.kind == 2 ? "fixed" : fs.kind ? "rolling YW d 1" :
			    "rolling OLS", opts[j].horizon, opts[j].longfmt ? " long" : "", opts[j].adapt);
		}
	sp_ar_model_free(fs.m);
	free(a), free(b);
}

/* --by: two keys' rolls in one file, read back into a new map */
typedef struct {
	sp_forecaster *f;
	sp_fcroll *r;
} keyroll;

static void *
keyroll_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	keyroll *k = calloc(1, sizeof *k);

	(void)key, (void)len;
	k->f = make_fc(ctx);
	k->r = sp_fcroll_new(k->f, &(sp_fcroll_opts){ 2, 1, 0.1 }, err);
	return k;
}

static void
keyroll_free(void *ctx, void *st)
{
	keyroll *k = st;

	(void)ctx;
	sp_fcroll_free(k->r), sp_forecaster_free(k->f);
	free(k);
}

static sp_fcroll *
keyroll_of(void *st)
{
	return ((keyroll *)st)->r;
}

/* 2 keys, n rows each; read back every k-th row; the bands of key b */
static int
run_keys(int n, int k, double *out)
{
	fcspec fs = { 0, NULL };
	sp_error err = { 0 };
	sp_keyed *m = sp_keyed_new(keyroll_new, keyroll_free, &fs);
	int ok = 1;

	for (int i = 0; i < n; i++) {
		const double *lo, *mid, *hi;
		if (k > 0 && i > 0 && i % k == 0) {
			ok &= sp_fcroll_save_state(spath, "test", NULL, m, keyroll_of, NULL, &err) == 0;
			sp_keyed_free(m);
			m = sp_keyed_new(keyroll_new, keyroll_free, &fs);
			ok &= sp_fcroll_resume(spath, "test", NULL, m, keyroll_of, &err) == 1 && sp_keyed_count(m) == 2;
		}
		for (int j = 0; j < 2; j++) {
			keyroll *kr = sp_keyed_get(m, j ? "b" : "a", 1, &err);
			double x = series_at(i) * (j + 1);
			ok &= sp_fcroll_push(kr->r, 60.0 * i, &x, &err) >= 0;
			if (j == 1 && sp_fcroll_origin(kr->r, &lo, &mid, &hi))
				for (int h = 0; h < 2; h++)
					out[i * 6 + 3 * h] = lo[h], out[i * 6 + 3 * h + 1] = mid[h], out[i * 6 + 3 * h + 2] = hi[h];
		}
	}
	sp_keyed_free(m);
	return ok;
}

static void
test_state_keys(void)
{
	enum { N = 80 };
	double a[N * 6] = { 0 }, b[N * 6] = { 0 };
	int ok = run_keys(N, 0, a) && run_keys(N, 9, b) && memcmp(a, b, sizeof a) == 0 && a[(N - 1) * 6 + 1] != 0;

	CHECK(ok, "--by: two keys' states in one file, read back every 9 rows = one run, bit for bit");
}

/* The state of a rolling AR roll (window 25, long, horizon 3, --adapt)
 * after 40 rows, as text. */
static char *
state_text(void)
{
	fcspec fs = { 0, NULL };
	sp_error err = { 0 };
	sp_forecaster *f = make_fc(&fs);
	sp_fcroll *r = sp_fcroll_new(f, &(sp_fcroll_opts){ 3, 1, 0.1 }, &err);
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	for (int i = 0; i < 40; i++) {
		double x = series_at(i);
		sp_fcroll_push(r, 60.0 * i, &x, &err);
	}
	sp_fcroll_save_state(spath, "test", r, NULL, NULL, NULL, &err);
	sp_fcroll_free(r), sp_forecaster_free(f);
	fp = fopen(spath, "r");
	if (getdelim(&text, &len, 0, fp) < 0)
		text[0] = 0;
	fclose(fp);
	return text;
}

/* text with line `line` (1-based) replaced by repl (NULL: deleted), and
 * extra appended, read back: the error must be "PATH:LINE: want". */
static void
refused(const char *text, int line, const char *repl, const char *extra, int want_line, const char *want)
{
	fcspec fs = { 0, NULL };
	sp_error err = { 0 };
	FILE *fp = fopen(spath, "w");
	const char *p = text;
	char msg[400];
	int l = 1, rc;
	sp_forecaster *f;
	sp_fcroll *r;

	for (; *p; l++) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
		if (l != line)
			fwrite(p, 1, n, fp);
		else if (repl)
			fprintf(fp, "%s\n", repl);
		p += n;
	}
	if (extra)
		fputs(extra, fp);
	fclose(fp);
	f = make_fc(&fs);
	r = sp_fcroll_new(f, &(sp_fcroll_opts){ 3, 1, 0.1 }, &err);
	rc = sp_fcroll_resume(spath, "test", r, NULL, NULL, &err);
	snprintf(msg, sizeof msg, "%s:%d: %s", spath, want_line, want);
	CHECK(rc == SP_EMODEL && strcmp(err.msg, msg) == 0, "refused: %s (got %d '%s')", want, rc, err.msg);
	sp_fcroll_free(r), sp_forecaster_free(f);
}

/* the 1-based line of text that starts with key and a space */
static int
line_of(const char *text, const char *key)
{
	int l = 1;
	size_t n = strlen(key);

	for (const char *p = text; *p; l++) {
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return l;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return -1;
}

static void
test_state_refused(void)
{
	static const char head[] = "scalepipe-state test 1\nroll 3 1\nroll_adapt 0.1\nforecaster ar\n";
	char *text = state_text();
	int nl = 0;

	for (const char *p = text; *p; p++)
		nl += *p == '\n';

	CHECK(strncmp(text, head, strlen(head)) == 0, "the state's first lines");
	refused(text, nl, NULL, NULL, nl, "'end' missing (truncated)");
	refused(text, 0, NULL, "more\n", nl + 1, "something after 'end'");
	refused(text, 1, "scalepipe-state plan 1", NULL, 1, "state of kind plan, not test");
	refused(text, 1, "scalepipe-state test 2", NULL, 1, "state version 2, not 1");
	refused(text, 2, "roll 3 0", NULL, 2, "state written with --horizon 3, not --long --horizon 3");
	refused(text, 3, "roll_adapt 0.2", NULL, 3, "state written with roll adapt 0.20000000000000001, not 0.10000000000000001");
	refused(text, 4, "forecaster lstm", NULL, 4, "state written with forecaster lstm, not ar");
	refused(text, line_of(text, "ar_window"), "ar_window 26", NULL, line_of(text, "ar_window"),
	    "state written with ar window 26, not 25");
	refused(text, line_of(text, "ar_sx"), "ar_sx 1 x 3", NULL, line_of(text, "ar_sx"),
	    "ar_sx: value 2 is not a number");
	refused(text, line_of(text, "ar_y"), NULL, NULL, line_of(text, "ar_y"), "'ar_w_before_y' where 'ar_y' was expected");
	refused(text, line_of(text, "roll_rows"), "roll_rows 40 50 1 0", NULL, line_of(text, "roll_rows"),
	    "roll_rows: inconsistent");
	refused(text, line_of(text, "calib_count"), "calib_count 1 2", NULL, line_of(text, "calib_count"),
	    "calib_count: 2 values, want 3");
	refused(text, line_of(text, "ar_S"), "ar_S 1 2 3 4 5 6 7 8 nan", NULL, line_of(text, "ar_S"),
	    "ar_S: value 9 is not finite");
	refused(text, line_of(text, "calib_ql"), "calib_ql 0 inf 0", NULL, line_of(text, "calib_ql"),
	    "calib: slot 2 is not finite");
	refused(text, line_of(text, "roll_time"), "roll_time 60 nan 2340", NULL, line_of(text, "roll_time"),
	    "roll_time: not a step and times");
	free(text);
}

int
main(void)
{
	test_ring();
	test_errors();
	test_adapt();
	test_causal();
	test_row_copy();
	if (!mkdtemp(sdir))
		return 1;
	snprintf(spath, sizeof spath, "%s/st", sdir);
	test_state_steps();
	test_state_keys();
	test_state_refused();
	remove(spath);
	rmdir(sdir);
	return check_summary();
}
