/* sp_anomaly: hand-computed features (window statistics from Python's
 * statistics.pstdev), completeness and missing values, spec errors; the
 * detector's fit schedule and reservoir against direct sp_iforest fits,
 * causality by prefix runs, the contamination threshold, model files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_anomaly.h"
#include "sp_rand.h"
#include "sp_stats.h"

static char dir[] = "/tmp/sp-test-anomaly.XXXXXX";

static void
test_features(void)
{
	sp_error err;
	const char *spec = "value,diff,diff:2,mean:3,sd:3,p50:3,p90:3,z:3,tod,dow";
	sp_anomaly_fb *fb = sp_anomaly_fb_new(spec, 1, 0, &err);
	const char *names[] = { "load" }, *want[] = { "load_value", "load_diff1", "load_diff2", "load_mean3",
	    "load_sd3", "load_p50_3", "load_p90_3", "load_z3", "tod", "dow" };
	double x[] = { 1, 2, 4, 7, 11, NAN, 3, 5, 6, 8 }, out[10];
	int complete[10], i;
	char name[64];

	CHECK(fb != NULL, "spec parses: %s", fb ? "" : err.msg);
	if (!fb)
		return;
	CHECK(sp_anomaly_fb_dim(fb) == 10 && sp_anomaly_fb_history(fb) == 4, "dim 10, history 4 (z:3)");
	for (i = 0; i < 10; i++) {
		sp_anomaly_fb_name(fb, (size_t)i, names, name, sizeof name);
		CHECK_STR(name, want[i], "feature name");
	}
	for (i = 0; i < 10; i++) {
		/* every 5 minutes from Thursday 1970-01-01 00:00 UTC */
		complete[i] = sp_anomaly_fb_push(fb, 300.0 * i, &x[i], NULL, out);
		if (i == 2) {   /* z:3 needs 4 rows; the others are there */
			CHECK(out[0] == 4 && out[1] == 2 && out[2] == 3, "row 3: value, diff, diff:2");
			CHECK_CLOSE(out[3], 2.3333333333333335, 1e-15, "row 3: mean of 1, 2, 4");
			CHECK_CLOSE(out[4], 1.247219128924647, 1e-15, "row 3: sd of 1, 2, 4");
			CHECK(out[5] == 2 && isnan(out[7]), "row 3: median 2, z not yet");
		}
		if (i == 3) {
			CHECK(out[0] == 7 && out[1] == 3 && out[2] == 5, "row 4: value, diff, diff:2");
			CHECK_CLOSE(out[3], 4.333333333333333, 1e-15, "row 4: mean of 2, 4, 7");
			CHECK_CLOSE(out[4], 2.0548046676563256, 1e-15, "row 4: sd of 2, 4, 7");
			CHECK(out[5] == 4, "row 4: median of 2, 4, 7");
			CHECK_CLOSE(out[6], 6.4, 1e-15, "row 4: p90 of 2, 4, 7 = 4 + 0.8 x 3");
			CHECK_CLOSE(out[7], 3.7416573867739413, 1e-15, "row 4: z = (7 - mean(1,2,4)) / sd(1,2,4)");
			CHECK(out[8] == 0.25 && out[9] == 3, "row 4: 00:15 UTC, Thursday (3)");
		}
		if (i == 4)
			CHECK_CLOSE(out[7], 3.244428422615251, 1e-15, "row 5: z = (11 - mean(2,4,7)) / sd(2,4,7)");
		if (i == 6) {   /* 11, NaN, 3: windows skip the missing value; diff is missing */
			CHECK(isnan(out[1]) && out[3] == 7 && out[4] == 4 && out[5] == 7, "row 7: mean 7, sd 4, median 7");
			CHECK(out[7] == -3, "row 7: z over (7, 11): (3 - 9) / 2");
		}
	}
	CHECK(!complete[0] && !complete[1] && !complete[2] && complete[3] && complete[4], "complete from row 4");
	CHECK(!complete[5] && !complete[6] && !complete[7] && complete[8] && complete[9],
	    "a missing value: its row and the diff:2 rows after it are incomplete");
	sp_anomaly_fb_free(fb);

	/* two columns and a band */
	fb = sp_anomaly_fb_new("value,diff,tod,resid", 2, 1, &err);
	CHECK(fb && sp_anomaly_fb_dim(fb) == 6 && sp_anomaly_fb_uses_band(fb), "2 columns x 2 + 2 row items");
	if (fb) {
		const char *cols[] = { "cpu", "mem" }, *want2[] = { "cpu_value", "cpu_diff1", "mem_value", "mem_diff1",
		    "tod", "resid" };
		double r1[] = { 10, 100 }, r2[] = { 13, 90 }, band[] = { 8, 6, 12 };
		for (i = 0; i < 6; i++) {
			sp_anomaly_fb_name(fb, (size_t)i, cols, name, sizeof name);
			CHECK_STR(name, want2[i], "feature name, 2 columns");
		}
		CHECK(!sp_anomaly_fb_push(fb, 86400 + 3600 * 13.5, r1, band, out), "first row: no diff");
		CHECK(sp_anomaly_fb_push(fb, 86400 + 3600 * 14, r2, band, out) == 1, "second row complete");
		CHECK(out[0] == 13 && out[1] == 3 && out[2] == 90 && out[3] == -10 && out[4] == 14, "values, diffs, tod");
		CHECK_CLOSE(out[5], (13 - 8) / 3.0, 1e-15, "resid = (x - forecast) / ((upper - lower) / 2)");
		CHECK(!sp_anomaly_fb_push(fb, 86400 + 3600 * 15, r2, NULL, out) && isnan(out[5]), "no band: resid missing");
		band[1] = band[2];
		CHECK(!sp_anomaly_fb_push(fb, 86400 + 3600 * 16, r2, band, out), "empty band: resid missing");
	}
	sp_anomaly_fb_free(fb);

	/* spec errors */
	{
		static const struct { const char *spec; const char *msg; } bad[] = {
			{ "", "empty list" },
			{ "value,value", "'value' given twice" },
			{ "valu", "unknown item 'valu'" },
			{ "mean", "want mean:W" },
			{ "mean:0", "want mean:W" },
			{ "sd:1", "in 2..100000" },
			{ "diff:x", "lag not an integer" },
			{ "p101:5", "percentile not in 0..100" },
			{ "tod:3", "takes no ':' argument" },
			{ "value,resid", "resid needs forecast, lower and upper" },
		};
		size_t k;
		for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			sp_anomaly_fb *b = sp_anomaly_fb_new(bad[k].spec, 1, 0, &err);
			CHECK(!b && err.code == SP_EUSAGE && strstr(err.msg, bad[k].msg), "spec '%s': got '%s'",
			    bad[k].spec, b ? "(accepted)" : err.msg);
			sp_anomaly_fb_free(b);
		}
		CHECK(!sp_anomaly_fb_new("value", 0, 0, &err), "no columns");
	}
}

/* n rows of 2 features: a Gaussian cloud with outliers every 97 rows */
static double *
series(size_t n)
{
	sp_rand *r = sp_rand_new(11);
	double *x = malloc(2 * n * sizeof *x);
	size_t i;

	for (i = 0; i < n; i++) {
		x[2 * i] = sp_rand_normal(r, 1) + (i % 97 == 50 ? 8 : 0);
		x[2 * i + 1] = sp_rand_normal(r, 1);
	}
	sp_rand_free(r);
	return x;
}

static void
run(const sp_anomaly_opts *o, const double *x, size_t n, double *score, int *flag, int *nfits)
{
	sp_error err;
	sp_anomaly *a = sp_anomaly_new(2, o, &err);
	size_t i;

	for (i = 0; i < n; i++)
		sp_anomaly_step(a, x + 2 * i, &score[i], &flag[i], &err);
	*nfits = sp_anomaly_nfits(a);
	sp_anomaly_free(a);
}

static void
test_detector(void)
{
	sp_anomaly_opts o;
	sp_error err;
	size_t n = 600, i;
	double *x = series(n), s[600], p[600], thr;
	int f[600], g[600], nf, np, same = 1, flagged = 0, first_out;
	sp_iforest_opts fo;
	sp_iforest *direct;
	sp_anomaly *a;

	sp_anomaly_defaults(&o);
	CHECK(o.train == 128 && o.refit == 64 && o.reservoir == 8000 && o.threshold == 0.82 &&
	    o.mode == SP_IFOREST_RANGE, "defaults");
	o.train = 100, o.refit = 50, o.reservoir = 200, o.forest.trees = 50, o.forest.threads = 2;
	run(&o, x, n, s, f, &nf);
	CHECK(nf == 11, "fits after 100, 150, ..., 600 rows: %d", nf);
	CHECK(isnan(s[99]) && f[99] == -1 && !isnan(s[100]) && f[100] >= 0, "first score on row 101");
	/* the first fit is sp_iforest_fit on rows 1..100 with the seed; the
	 * fifth (k = 4, after 300 rows) on rows 101..300, with the seeds of
	 * sp_anomaly_fit_seed */
	fo = o.forest;
	fo.seed = sp_anomaly_fit_seed(o.forest.seed, 0);
	direct = sp_iforest_fit(x, 100, 2, &fo, &err);
	CHECK(direct && sp_iforest_score(direct, x + 2 * 100, SP_IFOREST_RANGE) == s[100] && sp_iforest_score(direct, x + 2 * 149, SP_IFOREST_RANGE) == s[149],
	    "rows 101..150 scored by the fit on rows 1..100");
	sp_iforest_free(direct);
	fo.seed = sp_anomaly_fit_seed(o.forest.seed, 4);
	direct = sp_iforest_fit(x + 2 * 100, 200, 2, &fo, &err);
	CHECK(direct && sp_iforest_score(direct, x + 2 * 300, SP_IFOREST_RANGE) == s[300], "row 301: the fit on the reservoir 101..300, fit 4's seed");
	CHECK(sp_anomaly_fit_seed(1, 1) != sp_anomaly_fit_seed(2, 0) && sp_anomaly_fit_seed(1, 0) != sp_anomaly_fit_seed(1, 1),
	    "fit seeds: no shared streams between fits and seeds");
	sp_iforest_free(direct);
	/* causality: a run on a prefix gives the first rows of the whole run */
	for (size_t cut = 101; cut <= 451; cut += 175) {
		run(&o, x, cut, p, g, &np);
		for (i = 0, same = 1; i < cut; i++)
			same &= (isnan(p[i]) && isnan(s[i])) || p[i] == s[i];
		CHECK(same, "prefix of %zu rows scores as the whole run", cut);
	}
	/* the outliers stand out once fitted: above the 99th percentile of the others */
	{
		double in[600], q99;
		size_t m = 0;
		for (i = 100; i < n; i++)
			if (i % 97 != 50)
				in[m++] = s[i];
		q99 = sp_stats_quantile(in, m, 0.99, NULL);
		for (i = 100, first_out = 0; i < n; i++)
			if (i % 97 == 50)
				first_out += s[i] > q99;
		CHECK(first_out == 5, "outliers at rows 148, 245, ... above the others' 99th percentile %g: %d of 5", q99,
		    first_out);
	}
	/* incomplete rows do not count towards the schedule */
	a = sp_anomaly_new(2, &o, &err);
	for (i = 0; i < 100; i++) {
		sp_anomaly_step(a, NULL, &p[0], &g[0], &err);
		sp_anomaly_step(a, x + 2 * i, &p[0], &g[0], &err);
	}
	CHECK(sp_anomaly_nfits(a) == 1 && isnan(p[0]) && g[0] == -1, "one fit after 100 complete rows");
	sp_anomaly_step(a, NULL, &p[0], &g[0], &err);
	CHECK(isnan(p[0]) && g[0] == -1, "an incomplete row has no score");
	sp_anomaly_step(a, x + 200, &p[0], &g[0], &err);
	CHECK(p[0] == s[100], "same score as without the incomplete rows");
	sp_anomaly_free(a);

	/* contamination: the (1 - c) quantile of the training scores */
	o.contamination = 0.05;
	a = sp_anomaly_new(2, &o, &err);
	CHECK(sp_anomaly_fit(a, x, 600, &err) == 0, "batch fit");
	thr = sp_anomaly_threshold(a);
	for (i = 0; i < n; i++)
		flagged += sp_iforest_score(sp_anomaly_forest(a), x + 2 * i, SP_IFOREST_RANGE) >= thr;
	CHECK(flagged >= 30 && flagged <= 31, "5 %% of 600 training rows flagged: %d", flagged);
	CHECK(thr > 0.5 && thr < 1, "threshold %g", thr);
	{   /* the same fit row by row, an incomplete row in the middle */
		sp_anomaly *c = sp_anomaly_new(2, &o, &err);
		double nanrow[] = { NAN, 1 }, sc;
		int fl, ok = 1;
		for (i = 0; i < n; i++) {
			sp_anomaly_collect(c, x + 2 * i, 1, &err);
			if (i == 300)
				sp_anomaly_collect(c, nanrow, 0, &err);
		}
		CHECK(sp_anomaly_fit_collected(c, &err) == 0 && sp_anomaly_threshold(c) == thr &&
		    sp_anomaly_ncollected(c) == n + 1, "collect + fit_collected = fit on the complete rows");
		for (i = 0; i < n + 1; i++) {
			const double *r = sp_anomaly_collected(c, i, &sc, &fl);
			if (i == 301)
				ok &= isnan(sc) && fl == -1 && isnan(r[0]);
			else
				ok &= r == sp_anomaly_collected(c, i, &sc, &fl) &&
				    sc == sp_iforest_score(sp_anomaly_forest(a), x + 2 * (i - (i > 301)), SP_IFOREST_RANGE) &&
				    fl == (sc >= thr);
		}
		CHECK(ok, "every row kept scored by the batch forest; the incomplete one NaN, -1");
		sp_anomaly_free(c);
		c = sp_anomaly_new(2, &o, &err);
		CHECK(sp_anomaly_fit_collected(c, &err) < 0 && err.code == SP_EDATA, "nothing collected: %s", err.msg);
		sp_anomaly_free(c);
	}

	/* model files: save, load, same scores; refused models */
	{
		char path[256], bad[256], cmd[600];
		const char *cols[] = { "a", "b" }, *spec, *const *lc;
		size_t nc;
		sp_anomaly *l;
		snprintf(path, sizeof path, "%s/m", dir);
		CHECK(sp_anomaly_save(a, path, "value", cols, 2, "anomaly --fit", &err) == 0, "save: %s", err.msg);
		l = sp_anomaly_load(path, &spec, &lc, &nc, &err);
		CHECK(l != NULL, "load: %s", l ? "" : err.msg);
		if (l) {
			CHECK_STR(spec, "value", "spec");
			CHECK(nc == 2 && !strcmp(lc[0], "a") && !strcmp(lc[1], "b"), "columns");
			CHECK(sp_anomaly_threshold(l) == thr, "threshold round trip");
			for (i = 0, same = 1; i < 50; i++) {
				double sc;
				int fl;
				sp_anomaly_step(l, x + 2 * i, &sc, &fl, &err);
				same &= sc == sp_iforest_score(sp_anomaly_forest(a), x + 2 * i, SP_IFOREST_RANGE) && fl == (sc >= thr);
			}
			CHECK(same && sp_anomaly_nfits(l) == 1, "loaded model scores the same and never refits");
		}
		sp_anomaly_free(l);
		CHECK(sp_anomaly_save(a, path, "value", (const char *[]){ "a b", "c" }, 2, NULL, &err) < 0 &&
		    strstr(err.msg, "cannot be stored"), "column name with a space refused");
		/* truncated: the first half of the file */
		snprintf(bad, sizeof bad, "%s/t", dir);
		snprintf(cmd, sizeof cmd, "head -c $(( $(wc -c < '%s') / 2 )) '%s' > '%s'", path, path, bad);
		CHECK(system(cmd) == 0, "truncate");
		CHECK(!sp_anomaly_load(bad, &spec, &lc, &nc, &err) && err.code == SP_EMODEL, "truncated: %s", err.msg);
		/* a spec that does not give the forest's dimension */
		snprintf(cmd, sizeof cmd, "sed 's/^features value$/features value,diff/' '%s' > '%s'", path, bad);
		CHECK(system(cmd) == 0, "edit");
		CHECK(!sp_anomaly_load(bad, &spec, &lc, &nc, &err) && strstr(err.msg, "features give 4 values per row, the forest has 2"),
		    "dimension mismatch: %s", err.msg);
		snprintf(cmd, sizeof cmd, "sed 's/^features value$/features valu/' '%s' > '%s'", path, bad);
		CHECK(system(cmd) == 0, "edit");
		CHECK(!sp_anomaly_load(bad, &spec, &lc, &nc, &err) && err.code == SP_EMODEL && strstr(err.msg, "unknown item"),
		    "bad spec in a model: %s", err.msg);
		snprintf(cmd, sizeof cmd, "sed 's/^scalepipe-model anomaly 1$/scalepipe-model burst 1/' '%s' > '%s'", path, bad);
		CHECK(system(cmd) == 0, "edit");
		CHECK(!sp_anomaly_load(bad, &spec, &lc, &nc, &err) && err.code == SP_EMODEL, "another kind: %s", err.msg);
	}
	sp_anomaly_free(a);
	a = sp_anomaly_new(2, &o, &err);
	CHECK(sp_anomaly_save(a, "/nonexistent/x", "value", (const char *[]){ "a", "b" }, 2, NULL, &err) < 0 &&
	    strstr(err.msg, "no forest"), "nothing fitted: %s", err.msg);
	sp_anomaly_free(a);
	o.contamination = 1;
	CHECK(!sp_anomaly_new(2, &o, &err) && err.code == SP_EUSAGE, "contamination 1 refused");
	o.contamination = 0, o.train = 1;
	CHECK(!sp_anomaly_new(2, &o, &err) && err.code == SP_EUSAGE, "train 1 refused");
	free(x);
}

int
main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 1;
	test_features();
	test_detector();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return check_summary();
}
