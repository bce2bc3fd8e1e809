/* test_feat: sp_feat's features checked by hand on a tiny series, their
 * names, the option parsers, holiday files, and the model-file round trip
 * (a feature list that does not match its spec is refused). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_feat.h"
#include "sp_model.h"

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

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

static const long hol[] = { 0, 3 };   /* 1970-01-01 (a Thursday), 1970-01-04 */

static sp_feat *
tiny(int horizon)
{
	sp_feat_spec s = { .nlags = 3, .lags = { 1, 2, 3 }, .ndiffs = 2, .diffs = { 1, 2 }, .nwin = 1, .win = { 3 },
		.stats = SP_FEAT_MEAN | SP_FEAT_SD | SP_FEAT_MIN | SP_FEAT_MAX, .nq = 2, .q = { 0.5, 0.25 },
		.calendar = 1, .nhol = 2, .hol = hol, .nextra = 1, .extra = { "mem" }, .horizon = horizon };
	sp_error err = { 0 };
	sp_feat *f = sp_feat_new(&s, &err);

	CHECK(f != NULL, "new: %s", err.msg);
	return f;
}

static void
test_hand(void)
{
	static const char *const names[] = { "lag1", "lag2", "lag3", "diff1", "diff2", "win3_mean", "win3_sd",
		"win3_min", "win3_max", "win3_q0.5", "win3_q0.25", "hour_sin", "hour_cos", "dow_sin", "dow_cos",
		"holiday", "x_mem", "horizon" };
	sp_feat *f = tiny(1);
	double row[18], x;

	if (!f)
		return;
	CHECK(sp_feat_count(f) == 18, "count %zu", sp_feat_count(f));
	for (size_t i = 0; i < 18 && i < sp_feat_count(f); i++)
		CHECK_STR(sp_feat_name(f, i), names[i], "name");
	CHECK(sp_feat_need(f) == 3, "need %d", sp_feat_need(f));
	/* hourly rows from the epoch: y = 1, 2, 4, 7; mem = 10, 20, 30, 40 */
	x = 10;
	CHECK(sp_feat_push(f, 0, 1, &x) == 0, "not ready after 1");
	x = 20;
	CHECK(sp_feat_push(f, 3600, 2, &x) == 0, "not ready after 2");
	x = 30;
	CHECK(sp_feat_push(f, 7200, 4, &x) == 1, "ready after 3");
	x = 40;
	CHECK(sp_feat_push(f, 10800, 7, &x) == 1, "ready after 4");
	sp_feat_row(f, 3600, 2, row);   /* target 14400 + 3600 = 05:00 */
	{
		/* window {2, 4, 7}: mean 13/3, population sd sqrt(114/27), median 4,
		 * q0.25 at index 0.5: 3; target 05:00 on Thursday (day 3 from Monday) */
		double fr = 5.0 / 24, want[18] = { 7, 4, 2, 3, 5, 13.0 / 3, sqrt(114.0 / 27), 2, 7, 4, 3,
			sin(2 * M_PI * fr), cos(2 * M_PI * fr), sin(2 * M_PI * (3 + fr) / 7), cos(2 * M_PI * (3 + fr) / 7),
			1, 40, 2 };
		CHECK_ARRAY_CLOSE(row, want, 18, 1e-14, "features at row 4, horizon 2");
		CHECK_CLOSE(row[11], 0.96592582628906831, 1e-15, "hour_sin 05:00 = sin(75 deg)");
	}
	/* a missing value: skipped by the window, missing in lags and differences */
	x = NAN;
	sp_feat_push(f, 14400, NAN, &x);
	sp_feat_row(f, 3600, 1, row);
	CHECK(isnan(row[0]) && row[1] == 7 && row[2] == 4 && isnan(row[3]) && isnan(row[4]), "lags around NaN");
	CHECK(row[5] == 5.5 && row[6] == 1.5 && row[7] == 4 && row[8] == 7 && row[9] == 5.5 && row[10] == 4.75,
	    "window over {4, 7}: %g %g %g %g %g %g", row[5], row[6], row[7], row[8], row[9], row[10]);
	CHECK(isnan(row[16]) && row[17] == 1, "extra missing, horizon 1");
	CHECK(isnan(sp_feat_last(f)) && sp_feat_time(f) == 14400, "last");
	/* target on day 3 (a holiday, Sunday: dow 6): 1970-01-04 00:00 from row 14400 + 20 h */
	sp_feat_row(f, 3600, 68, row);
	CHECK(row[15] == 1 && row[11] == 0 && row[12] == 1, "holiday day 3 midnight: %g %g %g", row[15], row[11],
	    row[12]);
	CHECK_CLOSE(row[13], sin(2 * M_PI * 6 / 7), 1e-15, "dow_sin Sunday");
	sp_feat_row(f, 3600, 44, row);   /* day 2 */
	CHECK(row[15] == 0, "not a holiday");
	/* sp_feat_target rewrites only the target features */
	sp_feat_row(f, 3600, 1, row);
	sp_feat_target(f, 0, 3600, 5, row);
	CHECK(row[17] == 5 && row[1] == 7 && fabs(row[11] - sin(2 * M_PI * 5 / 24)) < 1e-15, "target");
	/* window of only missing values */
	for (int i = 0; i < 3; i++)
		sp_feat_push(f, 18000 + 3600 * i, NAN, &x);
	sp_feat_row(f, 3600, 1, row);
	CHECK(isnan(row[5]) && isnan(row[6]) && isnan(row[7]) && isnan(row[8]) && isnan(row[9]), "empty window");
	/* relative: level features minus the origin's value (7 at row 4) */
	{
		sp_feat_spec rs = *sp_feat_spec_of(f);
		sp_error err = { 0 };
		sp_feat *r;
		rs.relative = 1;
		r = sp_feat_new(&rs, &err);
		CHECK(r != NULL, "relative: %s", err.msg);
		if (r) {
			double xs[4] = { 10, 20, 30, 40 }, ys[4] = { 1, 2, 4, 7 };
			for (int i = 0; i < 4; i++)
				sp_feat_push(r, 3600.0 * i, ys[i], &xs[i]);
			sp_feat_row(r, 3600, 2, row);
			double fr = 5.0 / 24, want[18] = { 0, -3, -5, 3, 5, 13.0 / 3 - 7, sqrt(114.0 / 27), -5, 0, -3, -4,
				sin(2 * M_PI * fr), cos(2 * M_PI * fr), sin(2 * M_PI * (3 + fr) / 7),
				cos(2 * M_PI * (3 + fr) / 7), 1, 40, 2 };
			CHECK_ARRAY_CLOSE(row, want, 18, 1e-14, "relative features at row 4, horizon 2");
			sp_feat_free(r);
		}
	}
	/* reset forgets */
	sp_feat_reset(f);
	CHECK(sp_feat_push(f, 0, 1, &x) == 0, "reset");
	sp_feat_free(f);

	/* before the epoch: day of week still in [0, 7) (1969-12-31, a Wednesday) */
	{
		sp_feat_spec s = { .calendar = 1 };
		sp_error err = { 0 };
		f = sp_feat_new(&s, &err);
		CHECK(f && sp_feat_count(f) == 4 && sp_feat_need(f) == 1, "calendar only");
		if (f) {
			sp_feat_push(f, -86400 + 43200, 0, NULL);
			sp_feat_row(f, 60, 0, row);
			CHECK_CLOSE(row[2], sin(2 * M_PI * 2.5 / 7), 1e-14, "Wednesday noon");
			sp_feat_free(f);
		}
	}
}

static void
test_options(void)
{
	int v[8], bits;
	sp_error err = { 0 };
	sp_feat_spec s = { 0 };

	CHECK(sp_feat_parse_ints("--lags", "1,2,24", v, 8, 1, 100, &err) == 3 && v[2] == 24, "ints");
	CHECK(sp_feat_parse_ints("--lags", "none", v, 8, 1, 100, &err) == 0, "none");
	CHECK(sp_feat_parse_ints("--lags", "1,x", v, 8, 1, 100, &err) == SP_EUSAGE &&
	    strcmp(err.msg, "--lags: not an integer: 'x'") == 0, "%s", err.msg);
	CHECK(sp_feat_parse_ints("--lags", "1,,2", v, 8, 1, 100, &err) == SP_EUSAGE, "empty item");
	CHECK(sp_feat_parse_ints("--lags", "0", v, 8, 1, 100, &err) == SP_EUSAGE &&
	    strcmp(err.msg, "--lags: 0 is out of range [1, 100]") == 0, "%s", err.msg);
	CHECK(sp_feat_parse_ints("--lags", "3,3", v, 8, 1, 100, &err) == SP_EUSAGE &&
	    strcmp(err.msg, "--lags: 3 given twice") == 0, "%s", err.msg);
	CHECK(sp_feat_parse_ints("--lags", "1,2,3", v, 2, 1, 100, &err) == SP_EUSAGE, "too many");
	CHECK(sp_feat_parse_stats("--window-stats", "max,mean", &bits, &err) == 0 &&
	    bits == (SP_FEAT_MAX | SP_FEAT_MEAN), "stats");
	CHECK(sp_feat_parse_stats("--window-stats", "none", &bits, &err) == 0 && bits == 0, "stats none");
	CHECK(sp_feat_parse_stats("--window-stats", "mean,median", &bits, &err) == SP_EUSAGE &&
	    strstr(err.msg, "unknown statistic 'median'"), "%s", err.msg);

	CHECK(!sp_feat_new(&s, &err) && strstr(err.msg, "none asked for"), "no features: %s", err.msg);
	s = (sp_feat_spec){ .nwin = 1, .win = { 5 } };
	CHECK(!sp_feat_new(&s, &err) && strstr(err.msg, "no statistic"), "window without stats: %s", err.msg);
	s = (sp_feat_spec){ .nlags = 1, .lags = { 1 }, .nq = 1, .q = { 1.5 }, .nwin = 1, .win = { 3 } };
	CHECK(!sp_feat_new(&s, &err) && strstr(err.msg, "not in (0, 1)"), "quantile: %s", err.msg);
	s = (sp_feat_spec){ .nlags = 1, .lags = { 1 }, .nextra = 1, .extra = { "a b" } };
	CHECK(!sp_feat_new(&s, &err) && strstr(err.msg, "'a b' cannot be a feature name"), "name: %s", err.msg);
	s = (sp_feat_spec){ .nlags = 1, .lags = { 1 }, .nextra = 2, .extra = { "a", "a" } };
	CHECK(!sp_feat_new(&s, &err) && strstr(err.msg, "'a' given twice"), "twice: %s", err.msg);
	s = (sp_feat_spec){ .nlags = 1, .lags = { SP_FEAT_MAXLAG + 1 } };
	CHECK(!sp_feat_new(&s, &err) && strstr(err.msg, "out of range"), "lag range: %s", err.msg);
}

static void
test_holidays(void)
{
	long *d = NULL;
	size_t n = 0;
	sp_error err = { 0 };
	FILE *fp;

	write_file(tmp("h.csv"), "date,name\n2024-12-25,xmas\n1970-01-02,b\n2024-12-25,again\n2024-02-29,leap\n");
	fp = fopen(tmp("h.csv"), "r");
	CHECK(sp_feat_read_holidays(fp, "h.csv", &d, &n, &err) == 0 && n == 3, "read: %s", err.msg);
	fclose(fp);
	if (n == 3)
		CHECK(d[0] == 1 && d[1] == 19782 && d[2] == 20082, "days %ld %ld %ld", d[0], d[1], d[2]);
	free(d);
	write_file(tmp("h.csv"), "date\n2024-01-01\n2023-02-30\n");
	fp = fopen(tmp("h.csv"), "r");
	CHECK(sp_feat_read_holidays(fp, "h.csv", &d, &n, &err) == SP_EDATA &&
	    strcmp(err.msg, "h.csv: row 2, column date: not a date YYYY-MM-DD: '2023-02-30'") == 0, "%s", err.msg);
	fclose(fp);
	write_file(tmp("h.csv"), "date\n");
	fp = fopen(tmp("h.csv"), "r");
	CHECK(sp_feat_read_holidays(fp, "h.csv", &d, &n, &err) == SP_EDATA && strstr(err.msg, "no holiday dates"),
	    "%s", err.msg);
	fclose(fp);
	write_file(tmp("h.csv"), "");
	fp = fopen(tmp("h.csv"), "r");
	CHECK(sp_feat_read_holidays(fp, "h.csv", &d, &n, &err) < 0, "empty file");
	fclose(fp);
}

/* Save f's spec in a model file, replace `find` by `repl`, load it back. */
static sp_feat *
round_trip(const sp_feat *f, const char *find, const char *repl, sp_error *err)
{
	const char *path = tmp("f.model");
	sp_model_writer *w = sp_model_create(path, "feat", 1, err);
	sp_model *m;
	sp_feat *g;

	if (!w)
		return NULL;
	sp_feat_save(f, w);
	if (sp_model_commit(w, err) < 0)
		return NULL;
	if (find) {
		FILE *fp = fopen(path, "r");
		char buf[4096], out[4200], *p;
		size_t n = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		if ((p = strstr(buf, find))) {
			snprintf(out, sizeof out, "%.*s%s%s", (int)(p - buf), buf, repl, p + strlen(find));
			write_file(path, out);
		}
	}
	if (!(m = sp_model_load(path, "feat", 1, NULL, err)))
		return NULL;
	g = sp_feat_load(m, err);
	if (g && sp_model_finish(m, err) < 0) {
		sp_feat_free(g);
		g = NULL;
	}
	sp_model_free(m);
	return g;
}

static void
test_model(void)
{
	sp_feat *f = tiny(0), *g;
	sp_error err = { 0 };

	if (!f)
		return;
	g = round_trip(f, NULL, NULL, &err);
	CHECK(g && sp_feat_count(g) == sp_feat_count(f) && sp_feat_need(g) == 3, "round trip: %s", err.msg);
	if (g) {
		for (size_t i = 0; i < sp_feat_count(f); i++)
			CHECK_STR(sp_feat_name(g, i), sp_feat_name(f, i), "name");
		CHECK(sp_feat_spec_of(g)->nhol == 2 && sp_feat_spec_of(g)->hol[1] == 3, "holidays");
		CHECK_STR(sp_feat_spec_of(g)->extra[0], "mem", "extra");
	}
	sp_feat_free(g);
	g = round_trip(f, "x_mem", "x_cpu", &err);
	CHECK(!g && err.code == SP_EMODEL && strstr(err.msg, "'features' does not match the feature spec (feature 17 "
	    "should be 'x_mem')"), "renamed feature: %s", err.msg);
	g = round_trip(f, " x_mem", "", &err);
	CHECK(!g && strstr(err.msg, "does not match"), "dropped feature: %s", err.msg);
	g = round_trip(f, "x_mem", "x_mem extra", &err);
	CHECK(!g && strstr(err.msg, "does not match"), "added feature: %s", err.msg);
	g = round_trip(f, "window_stats mean", "window_stats median", &err);
	CHECK(!g && strstr(err.msg, "'window_stats' must be words"), "stats: %s", err.msg);
	g = round_trip(f, "lags 1 2 3", "lags 1 2.5 3", &err);
	CHECK(!g && strstr(err.msg, "'lags' value 2 is not an integer"), "lags: %s", err.msg);
	g = round_trip(f, "holidays 0 3", "holidays 3 0", &err);
	CHECK(!g && strstr(err.msg, "ascending"), "holidays: %s", err.msg);
	g = round_trip(f, "relative 0", "relative 1", &err);
	CHECK(g && sp_feat_spec_of(g)->relative == 1, "relative read back: %s", err.msg);
	sp_feat_free(g);
	g = round_trip(f, "relative 0\n", "", &err);
	CHECK(!g && strstr(err.msg, "missing key 'relative'"), "relative missing: %s", err.msg);
	g = round_trip(f, "calendar 1", "calendar 2", &err);
	CHECK(!g && strstr(err.msg, "out of range"), "calendar: %s", err.msg);
	g = round_trip(f, "diffs 1 2\n", "", &err);
	CHECK(!g && strstr(err.msg, "missing key 'diffs'"), "missing: %s", err.msg);
	sp_feat_free(f);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_feat.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	test_hand();
	test_options();
	test_holidays();
	test_model();
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return check_summary();
}
