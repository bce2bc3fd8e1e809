/* test_fc_gb: gbfit models behind sp_forecaster give, bit for bit, what
 * sp_gb gives directly (the series and an extra column pushed as x[0], x[1]),
 * the info the interface needs (kind, column, extra columns, window, step,
 * horizons, band and miss rates), --level from the same residuals, the
 * columns of an input that lacks the extra column, and saving. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_csv.h"
#include "sp_fc_gb.h"
#include "sp_feat.h"
#include "sp_forecaster.h"
#include "sp_gb.h"

enum { N = 300, H = 3 };

static char tmpdir[64];

static const char *
tmp(const char *name)
{
	static char buf[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* hourly, daily season, an extra column, a few missing values */
static void
series(double *t, double *y, double *x)
{
	for (int i = 0; i < N; i++) {
		t[i] = 1700006400 + 3600.0 * i;
		y[i] = 50 + 20 * sin(2 * M_PI * i / 24) + 5 * sin(i * 1.7) + 0.05 * i;
		x[i] = 30 + 0.5 * y[i] + 3 * cos(i / 5.0);
	}
	y[60] = y[61] = NAN;
	x[90] = NAN;
}

static sp_gb *
train(const double *t, const double *y, const double *x, int band_q)
{
	sp_feat_spec s = { .nlags = 4, .lags = { 1, 2, 3, 24 }, .ndiffs = 1, .diffs = { 1 }, .nwin = 1, .win = { 6 },
		.stats = SP_FEAT_MEAN | SP_FEAT_MAX, .calendar = 1, .nextra = 1, .extra = { "mem" } };
	sp_gb_opts o;
	sp_error err = { 0 };
	sp_gb *m;

	sp_gb_defaults(&o);
	o.horizon = H, o.rounds = 15, o.early = 0;
	if (band_q)
		o.band = SP_GB_BAND_QUANTILES, o.nq = 3, o.q[0] = 0.1, o.q[1] = 0.5, o.q[2] = 0.95;
	m = sp_gb_train(&s, &o, "load", t, y, x, N, &err);
	CHECK(m != NULL, "train: %s", err.msg);
	return m;
}

static void
test_same(void)
{
	double t[N], y[N], x[N], lo[H], mid[H], hi[H], lo2[H], mid2[H], hi2[H];
	sp_gb *m, *d;
	sp_forecaster *f;
	sp_forecaster_opts fo = { 0 };
	const sp_forecaster_info *in;
	sp_error err = { 0 };
	int ok = 1, origins = 0, rdy = 1;

	series(t, y, x);
	if (!(m = train(t, y, x, 0)))
		return;
	CHECK(sp_gb_save(m, tmp("m.gb"), "test", &err) == 0, "save: %s", err.msg);
	sp_gb_free(m);
	f = sp_forecaster_open(tmp("m.gb"), &fo, &err);
	d = sp_gb_load(tmp("m.gb"), &err);
	CHECK(f && d, "open: %s", err.msg);
	if (!f || !d) {
		sp_forecaster_free(f), sp_gb_free(d);
		return;
	}
	in = sp_forecaster_describe(f);
	CHECK_STR(in->kind, "gb", "kind");
	CHECK_STR(in->column, "load", "column");
	CHECK(in->nextra == 1 && strcmp(in->extra[0], "mem") == 0, "extra");
	CHECK(in->window == 24 && in->step == 3600 && in->hmax == H && in->hdefault == H, "window, step, horizons");
	CHECK(in->band == SP_FORECASTER_BAND_LEVEL && in->level == 0.8, "band");
	CHECK_CLOSE(in->alo, 0.1, 1e-12, "alo");
	CHECK_CLOSE(in->ahi, 0.1, 1e-12, "ahi");
	CHECK(in->options & SP_FORECASTER_OPT_LEVEL, "accepts --level");
	for (int i = 0; i < N; i++) {
		double xi[2] = { y[i], x[i] };
		int r1 = sp_forecaster_push(f, t[i], xi, &err), r2 = sp_gb_push(d, t[i], y[i], &x[i]);
		rdy &= r1 == r2 && r1 == (i >= 23);
		if (r1 != 1)
			continue;
		origins++;
		if (sp_forecaster_band(f, H, lo, mid, hi, &err) < 0 || sp_gb_band(d, H, lo2, mid2, hi2, &err) < 0) {
			CHECK(0, "band at %d: %s", i, err.msg);
			break;
		}
		ok &= !memcmp(lo, lo2, sizeof lo) && !memcmp(mid, mid2, sizeof mid) && !memcmp(hi, hi2, sizeof hi);
		ok &= lo[0] <= mid[0] && mid[0] <= hi[0];
	}
	CHECK(rdy, "ready after the 24th row");
	CHECK(ok && origins == N - 23, "bands as sp_gb's at %d origins", origins);
	CHECK(sp_forecaster_band(f, H + 1, lo, mid, hi, &err) == SP_EUSAGE, "horizon beyond the model's");
	CHECK(sp_forecaster_save(f, tmp("again.gb"), "again", &err) == 0, "save: %s", err.msg);
	sp_gb_free(d);
	d = sp_gb_load(tmp("again.gb"), &err);
	CHECK(d != NULL, "saved copy loads: %s", err.msg);
	sp_gb_free(d);
	sp_forecaster_free(f);

	/* --level: a narrower band from the same residuals, the same forecast */
	fo.level = 0.5;
	f = sp_forecaster_open(tmp("m.gb"), &fo, &err);
	d = sp_gb_load(tmp("m.gb"), &err);
	CHECK(f && d, "open with level: %s", err.msg);
	if (f && d) {
		in = sp_forecaster_describe(f);
		CHECK(in->band == SP_FORECASTER_BAND_LEVEL && in->level == 0.5 && fabs(in->alo - 0.25) < 1e-12 &&
		    fabs(in->ahi - 0.25) < 1e-12, "level 0.5");
		for (int i = 0; i < N; i++) {
			double xi[2] = { y[i], x[i] };
			sp_forecaster_push(f, t[i], xi, &err);
			sp_gb_push(d, t[i], y[i], &x[i]);
		}
		sp_forecaster_band(f, H, lo, mid, hi, &err);
		sp_gb_band(d, H, lo2, mid2, hi2, &err);
		CHECK(mid[0] == mid2[0] && hi[0] - lo[0] < hi2[0] - lo2[0], "narrower at the same forecast");
	}
	sp_forecaster_free(f);
	sp_gb_free(d);
	fo.level = 1.5;
	f = sp_forecaster_open(tmp("m.gb"), &fo, &err);
	CHECK(!f && err.code == SP_EUSAGE, "level 1.5: %s", err.msg);
}

static void
test_quantiles_and_columns(void)
{
	double t[N], y[N], x[N];
	sp_gb *m;
	sp_forecaster *f;
	sp_error err = { 0 };
	const sp_forecaster_info *in;
	int cols[4];
	FILE *fp;
	sp_csv_reader *r;

	series(t, y, x);
	if (!(m = train(t, y, x, 1)))
		return;
	CHECK(sp_gb_save(m, tmp("q.gb"), NULL, &err) == 0, "save: %s", err.msg);
	sp_gb_free(m);
	f = sp_forecaster_open(tmp("q.gb"), NULL, &err);
	CHECK(f != NULL, "open: %s", err.msg);
	if (!f)
		return;
	in = sp_forecaster_describe(f);
	CHECK(in->band == SP_FORECASTER_BAND_QUANTILES && in->nq == 3 && in->q[2] == 0.95, "quantile band");
	CHECK_CLOSE(in->alo, 0.1, 1e-12, "alo");
	CHECK_CLOSE(in->ahi, 0.05, 1e-12, "ahi");
	/* columns by name, in any order; an input without the extra column */
	fp = fopen(tmp("in.csv"), "w");
	fputs("timestamp,mem,other,load\n0,1,2,3\n", fp);
	fclose(fp);
	fp = fopen(tmp("in.csv"), "r");
	r = sp_csv_reader_new(fp, "in.csv", SP_CSV_NEED_TIMESTAMP, &err);
	CHECK(r && sp_forecaster_columns(f, r, NULL, cols, &err) == 2 && cols[0] == 3 && cols[1] == 1,
	    "columns: %s", err.msg);
	sp_csv_reader_free(r);
	fclose(fp);
	fp = fopen(tmp("in.csv"), "w");
	fputs("timestamp,load\n0,1\n", fp);
	fclose(fp);
	fp = fopen(tmp("in.csv"), "r");
	r = sp_csv_reader_new(fp, "in.csv", SP_CSV_NEED_TIMESTAMP, &err);
	CHECK(r && sp_forecaster_columns(f, r, NULL, cols, &err) == SP_EDATA &&
	    strstr(err.msg, "reads column 'mem' and the input has no such column"), "no mem: %s", err.msg);
	sp_csv_reader_free(r);
	fclose(fp);
	sp_forecaster_free(f);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_fc_gb.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	test_same();
	test_quantiles_and_columns();
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return check_summary();
}
