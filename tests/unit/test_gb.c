/* test_gb: sp_gb against python-xgboost 1.7.4 (tests/ref/xgb_ref.py: the same
 * features, split, early stopping and conformal band built independently in
 * Python, xgboost driven through its Python API, one thread), the model
 * file (round trip, damaged, truncated, a feature list that does not match),
 * causality by prefix runs, and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_csv.h"
#include "sp_feat.h"
#include "sp_gb.h"

typedef struct {
	double *t, *y, *x;
	size_t n;
} series;

static int
read_series(const char *path, series *s)
{
	FILE *fp = fopen(path, "r");
	sp_error err = { 0 };
	sp_csv_reader *r;
	int rc;

	memset(s, 0, sizeof *s);
	if (!fp || !(r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err)))
		return -1;
	s->t = malloc(1000 * sizeof *s->t), s->y = malloc(1000 * sizeof *s->y), s->x = malloc(1000 * sizeof *s->x);
	while ((rc = sp_csv_next(r, &err)) == SP_OK && s->n < 1000) {
		if (sp_csv_get_timestamp(r, &s->t[s->n], &err) < 0 || sp_csv_get_double(r, 1, &s->y[s->n], &err) < 0 ||
		    sp_csv_get_double(r, 2, &s->x[s->n], &err) < 0)
			return -1;
		s->n++;
	}
	sp_csv_reader_free(r);
	fclose(fp);
	return rc < 0 ? -1 : 0;
}

typedef struct {
	char cfg;
	long origin;
	int h;
	double lo, mid, hi;
} refrow;

static refrow ref[2000];
static size_t nref;

static int
read_ref(void)
{
	FILE *fp = fopen("tests/ref/xgb_ref.csv", "r");
	char line[256];

	if (!fp)
		return -1;
	if (!fgets(line, sizeof line, fp))
		return -1;
	while (nref < 2000 && fgets(line, sizeof line, fp)) {
		refrow *r = &ref[nref];
		if (sscanf(line, "%c,%ld,%d,%lf,%lf,%lf", &r->cfg, &r->origin, &r->h, &r->lo, &r->mid, &r->hi) != 6)
			return -1;
		nref++;
	}
	fclose(fp);
	return 0;
}

static long *hol;
static size_t nhol;

/* The configurations of tests/ref/xgb_ref.py. */
static void
config(char c, sp_feat_spec *s, sp_gb_opts *o)
{
	memset(s, 0, sizeof *s);
	sp_gb_defaults(o);
	if (c == 'A') {
		*s = (sp_feat_spec){ .nlags = 5, .lags = { 1, 2, 3, 6, 24 }, .ndiffs = 2, .diffs = { 1, 24 },
			.nwin = 2, .win = { 6, 24 }, .stats = SP_FEAT_MEAN | SP_FEAT_SD | SP_FEAT_MIN | SP_FEAT_MAX,
			.nq = 2, .q = { 0.25, 0.75 }, .calendar = 1, .nhol = nhol, .hol = hol, .nextra = 1,
			.extra = { "mem" } };
		o->horizon = 3, o->eta = 0.2, o->rounds = 60, o->early = 5, o->subsample = 0.8, o->colsample = 0.9;
		o->seed = 7, o->val = 0.25, o->level = 0.8;
	} else {
		*s = (sp_feat_spec){ .nlags = 3, .lags = { 1, 2, 24 }, .nwin = 1, .win = { 12 },
			.stats = SP_FEAT_MEAN | SP_FEAT_MAX, .relative = 1 };
		o->horizon = 4, o->shared = 1, o->target = SP_GB_DELTA, o->norm = SP_GB_NONE, o->max_depth = 3;
		o->eta = 0.3, o->rounds = 25, o->early = 0, o->lambda = 2, o->alpha = 0.1, o->min_child_weight = 2;
		o->tree_method = 2, o->band = SP_GB_BAND_QUANTILES, o->nq = 3;
		o->q[0] = 0.05, o->q[1] = 0.5, o->q[2] = 0.95;
	}
}

/* Push the whole series through m; compare the bands of the reference
 * origins of configuration c; return the largest difference. */
static double
compare(sp_gb *m, char c, const series *s, int *count)
{
	double lo[8], mid[8], hi[8], maxd = 0;
	size_t k = 0;
	sp_error err = { 0 };

	*count = 0;
	sp_gb_reset(m);
	for (size_t i = 0; i < s->n; i++) {
		int ready = sp_gb_push(m, s->t[i], s->y[i], c == 'A' ? &s->x[i] : NULL);
		while (k < nref && (ref[k].cfg != c || ref[k].origin < (long)i))
			k++;
		if (k >= nref || ref[k].origin != (long)i)
			continue;
		int H = sp_gb_describe(m)->horizon;
		if (!ready || sp_gb_band(m, H, lo, mid, hi, &err) < 0) {
			CHECK(0, "%c origin %zu: not ready or %s", c, i, err.msg);
			return INFINITY;
		}
		for (int h = 0; h < H && k < nref && ref[k].origin == (long)i; h++, k++) {
			double d = fmax(fabs(lo[h] - ref[k].lo), fmax(fabs(mid[h] - ref[k].mid), fabs(hi[h] - ref[k].hi)));
			CHECK(ref[k].h == h + 1, "ref order");
			if (d > maxd)
				maxd = d;
			(*count)++;
		}
	}
	return maxd;
}

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

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *s;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = malloc((size_t)n + 1);
	s[fread(s, 1, (size_t)n, fp)] = '\0';
	fclose(fp);
	return s;
}

static void
spit(const char *path, const char *s, size_t n)
{
	FILE *fp = fopen(path, "w");
	fwrite(s, 1, n, fp);
	fclose(fp);
}

/* Load a damaged copy: the error message must contain want. */
static void
damaged(const char *text, const char *find, const char *repl, long cut, const char *want)
{
	const char *path = tmp("bad.gb");
	char *s = strdup(text), *p;
	sp_error err = { 0 };
	sp_gb *m;

	if (find) {
		p = strstr(s, find);
		CHECK(p != NULL, "find '%s'", find);
		if (!p) {
			free(s);
			return;
		}
		char *out = malloc(strlen(s) + strlen(repl) + 1);
		sprintf(out, "%.*s%s%s", (int)(p - s), s, repl, p + strlen(find));
		free(s);
		s = out;
	}
	spit(path, s, cut >= 0 ? (size_t)cut : strlen(s));
	m = sp_gb_load(path, &err);
	CHECK(!m && err.code == SP_EMODEL && strstr(err.msg, want), "damaged '%s': got '%s'", want,
	    m ? "(loaded)" : err.msg);
	sp_gb_free(m);
	free(s);
}

static void
test_reference(const series *s)
{
	for (char c = 'A'; c <= 'B'; c++) {
		sp_feat_spec spec;
		sp_gb_opts o;
		sp_error err = { 0 };
		sp_gb *m, *l;
		int count;
		double d;

		config(c, &spec, &o);
		m = sp_gb_train(&spec, &o, "load", s->t, s->y, c == 'A' ? s->x : NULL, s->n, &err);
		CHECK(m != NULL, "train %c: %s", c, err.msg);
		if (!m)
			continue;
		for (size_t k = 0; k < nref; k++)
			if (ref[k].cfg == c && ref[k].origin == -1)
				CHECK(sp_gb_describe(m)->rounds[ref[k].h - 1] == (int)ref[k].mid,
				    "%c booster %d: %d rounds, python %g", c, ref[k].h, sp_gb_describe(m)->rounds[ref[k].h - 1],
				    ref[k].mid);
		d = compare(m, c, s, &count);
		CHECK(count == 120 * o.horizon && d <= 1e-6, "%c: %d bands, largest difference from python-xgboost %g",
		    c, count, d);
		printf("config %c: %d bands of %d horizons, largest difference from python-xgboost %.3g\n", c, count,
		    o.horizon, d);
		/* the saved and loaded model gives the same */
		CHECK(sp_gb_save(m, tmp("m.gb"), "test", &err) == 0, "save: %s", err.msg);
		l = sp_gb_load(tmp("m.gb"), &err);
		CHECK(l != NULL, "load: %s", err.msg);
		if (l) {
			d = compare(l, c, s, &count);
			CHECK(count == 120 * o.horizon && d <= 1e-6, "%c loaded: difference %g", c, d);
			CHECK(sp_gb_describe(l)->nboosters == (c == 'A' ? 3 : 1), "boosters");
			CHECK_CLOSE(sp_gb_describe(l)->qlo, c == 'A' ? 0.1 : 0.05, 1e-12, "qlo");
		}
		sp_gb_free(l);
		sp_gb_free(m);
	}
}

static void
test_model_file(const series *s)
{
	sp_feat_spec spec;
	sp_gb_opts o;
	sp_error err = { 0 };
	sp_gb *m;
	char *text, *p;

	config('A', &spec, &o);
	o.rounds = 8, o.early = 0;
	m = sp_gb_train(&spec, &o, "load", s->t, s->y, s->x, s->n, &err);
	CHECK(m && sp_gb_save(m, tmp("a.gb"), NULL, &err) == 0, "train+save: %s", err.msg);
	sp_gb_free(m);
	if (!(text = slurp(tmp("a.gb"))))
		return;
	CHECK(strncmp(text, "scalepipe-model gb 1\n", 21) == 0, "header");
	/* a flipped base64 character */
	p = strstr(text, "booster2 <<< ");
	p = p ? strchr(p, '\n') + 10 : NULL;
	if (p) {
		char was = *p, *bad;
		*p = *p == 'A' ? 'B' : 'A';
		bad = strdup(text);
		*p = was;
		spit(tmp("bad.gb"), bad, strlen(bad));
		free(bad);
		m = sp_gb_load(tmp("bad.gb"), &err);
		CHECK(!m && strstr(err.msg, "'booster2' is damaged"), "flipped: %s", err.msg);
		sp_gb_free(m);
	}
	damaged(text, NULL, NULL, (long)strlen(text) - 4, "truncated");
	damaged(text, NULL, NULL, (long)(strstr(text, "booster3 <<<") - text) + 40, "truncated");
	damaged(text, "features lag1 lag2", "features lag2 lag1", -1, "'features' does not match the feature spec "
	    "(feature 1 should be 'lag1')");
	damaged(text, "extra mem", "extra mem cpu", -1, "'features' does not match");
	damaged(text, "window_quantiles 0.25 0.75", "window_quantiles 0.25", -1, "does not match");
	damaged(text, "strategy per-horizon", "strategy shared", -1, "horizon_feature");
	damaged(text, "target level", "target up", -1, "'target' has an unknown value 'up'");
	damaged(text, "scalepipe-model gb 1", "scalepipe-model lstm 1", -1, "is a 'lstm' model, expected 'gb'");
	damaged(text, "scalepipe-model gb 1", "scalepipe-model gb 2", -1, "format version 2 is not supported");
	damaged(text, "nval ", "bogus 1\nnval ", -1, "unknown key 'bogus'");
	damaged(text, "resid1 ", "resid1 5 ", -1, "'resid1' is not sorted");
	damaged(text, "booster1_check ", "booster1_check 12", -1, "'booster1' is damaged");
	damaged(text, "horizon 3", "horizon 2", -1, "'rounds' has more than 2 values");
	damaged(text, "sd ", "sd -", -1, "'sd' must be > 0");
	damaged(text, "booster1 <<< ", "booster1 <<< x", -1, "bad line count");
	damaged("", NULL, NULL, -1, "empty file");
	free(text);
	m = sp_gb_load(tmp("nonexistent.gb"), &err);
	CHECK(!m && err.code == SP_EIO, "missing file: %s", err.msg);
}

/* Bands at an origin depend only on the rows up to it: a model applied to a
 * prefix gives the same band at the prefix's last row as on the whole series. */
static void
test_causal(const series *s)
{
	sp_feat_spec spec;
	sp_gb_opts o;
	sp_error err = { 0 };
	sp_gb *m;
	double lo[3], mid[3], hi[3], lo2[3], mid2[3], hi2[3];
	static const size_t cut[] = { 30, 101, 251, 400, 599 };
	int same = 1;

	config('A', &spec, &o);
	o.rounds = 10, o.early = 0;
	m = sp_gb_train(&spec, &o, "load", s->t, s->y, s->x, s->n, &err);
	CHECK(m != NULL, "train: %s", err.msg);
	if (!m)
		return;
	for (size_t c = 0; c < sizeof cut / sizeof cut[0]; c++) {
		int r1 = 0;
		sp_gb_reset(m);
		for (size_t i = 0; i <= cut[c]; i++)
			r1 = sp_gb_push(m, s->t[i], s->y[i], &s->x[i]);
		if (!r1 || sp_gb_band(m, 3, lo, mid, hi, &err) < 0) {
			CHECK(0, "prefix %zu: %s", cut[c], err.msg);
			continue;
		}
		/* the whole series, stopped at the same row, after other rows were seen first */
		sp_gb_reset(m);
		for (size_t i = 0; i < s->n; i++)
			sp_gb_push(m, s->t[i], s->y[i], &s->x[i]);
		sp_gb_reset(m);
		for (size_t i = 0; i <= cut[c]; i++)
			sp_gb_push(m, s->t[i], s->y[i], &s->x[i]);
		sp_gb_band(m, 3, lo2, mid2, hi2, &err);
		for (int h = 0; h < 3; h++)
			same &= lo[h] == lo2[h] && mid[h] == mid2[h] && hi[h] == hi2[h];
	}
	CHECK(same, "prefix runs differ");
	/* changing a future value does not change a band */
	{
		double *y = malloc(s->n * sizeof *y);
		memcpy(y, s->y, s->n * sizeof *y);
		sp_gb_reset(m);
		for (size_t i = 0; i <= 400; i++)
			sp_gb_push(m, s->t[i], y[i], &s->x[i]);
		sp_gb_band(m, 3, lo, mid, hi, &err);
		CHECK(lo[0] <= mid[0] && mid[0] <= hi[0] && lo[0] < hi[0], "band ordered");
		free(y);
	}
	/* a missing last value with target level still forecasts */
	sp_gb_reset(m);
	for (size_t i = 0; i <= 101; i++)
		sp_gb_push(m, s->t[i], s->y[i], &s->x[i]);
	CHECK(sp_gb_band(m, 3, lo, mid, hi, &err) == 0 && isfinite(mid[0]), "band after a missing value");
	CHECK(sp_gb_band(m, 4, lo, mid, hi, &err) == SP_EUSAGE, "horizon 4 of 3");
	sp_gb_reset(m);
	CHECK(sp_gb_push(m, s->t[0], s->y[0], &s->x[0]) == 0 && sp_gb_band(m, 1, lo, mid, hi, &err) == SP_EUSAGE,
	    "not ready");
	/* --level narrows or widens the band */
	{
		double w8, w5;
		sp_gb_reset(m);
		for (size_t i = 0; i < 300; i++)
			sp_gb_push(m, s->t[i], s->y[i], &s->x[i]);
		sp_gb_band(m, 1, lo, mid, hi, &err);
		w8 = hi[0] - lo[0];
		CHECK(sp_gb_set_level(m, 0.5, &err) == 0, "set level");
		sp_gb_band(m, 1, lo, mid, hi, &err);
		w5 = hi[0] - lo[0];
		CHECK(w5 < w8, "level 0.5 band %g narrower than 0.8 %g", w5, w8);
		CHECK(sp_gb_set_level(m, 1, &err) == SP_EUSAGE, "level 1");
	}
	/* importance: gain = total / splits, the extra column used */
	{
		const sp_feat *f = sp_gb_describe(m)->feat;
		size_t nf = sp_feat_count(f);
		double *g = calloc(3 * nf, sizeof *g), tot = 0;
		CHECK(sp_gb_importance(m, g, g + nf, g + 2 * nf, &err) == 0, "importance: %s", err.msg);
		for (size_t i = 0; i < nf; i++) {
			tot += g[2 * nf + i];
			CHECK(g[2 * nf + i] == 0 ? g[i] == 0 : fabs(g[i] - g[nf + i] / g[2 * nf + i]) < 1e-9, "gain %zu", i);
		}
		CHECK(tot > 0, "splits");
		free(g);
	}
	sp_gb_free(m);
}

static void
test_bad_input(const series *s)
{
	sp_feat_spec spec;
	sp_gb_opts o;
	sp_error err = { 0 };
	double t[50], y[50];
	sp_gb *m;

	config('B', &spec, &o);
	for (int i = 0; i < 50; i++)
		t[i] = 1000 + 60.0 * i, y[i] = i % 7;
	t[20] += 1;
	m = sp_gb_train(&spec, &o, "load", t, y, NULL, 50, &err);
	CHECK(!m && err.code == SP_EDATA && strstr(err.msg, "row 21: spacing 61 s differs from the series' step 60 s"),
	    "spacing: %s", err.msg);
	t[20] -= 1;
	m = sp_gb_train(&spec, &o, "load", t, y, NULL, 2, &err);
	CHECK(!m && strstr(err.msg, "too few rows (2)"), "too few: %s", err.msg);
	m = sp_gb_train(&spec, &o, "load", t, y, NULL, 30, &err);
	CHECK(!m && strstr(err.msg, "no training examples"), "short: %s", err.msg);
	for (int i = 0; i < 50; i++)
		y[i] = NAN;
	m = sp_gb_train(&spec, &o, "load", t, y, NULL, 50, &err);
	CHECK(!m && strstr(err.msg, "no values in the training part"), "all missing: %s", err.msg);
	m = sp_gb_train(&spec, &o, "my load", s->t, s->y, NULL, s->n, &err);
	CHECK(!m && err.code == SP_EUSAGE && strstr(err.msg, "cannot be stored"), "column name: %s", err.msg);
	o.objective = 4;   /* count:poisson */
	m = sp_gb_train(&spec, &o, "load", s->t, s->y, NULL, s->n, &err);
	CHECK(!m && err.code == SP_EUSAGE && strstr(err.msg, "--norm none --target level"), "poisson: %s", err.msg);
	config('B', &spec, &o);
	o.val = 0;
	m = sp_gb_train(&spec, &o, "load", s->t, s->y, NULL, s->n, &err);
	CHECK(!m && strstr(err.msg, "--val"), "val 0: %s", err.msg);
	config('B', &spec, &o);
	o.nq = 1;
	m = sp_gb_train(&spec, &o, "load", s->t, s->y, NULL, s->n, &err);
	CHECK(!m && strstr(err.msg, "--quantiles"), "one quantile: %s", err.msg);
	/* negative labels reach xgboost's own checks: its message is passed on */
	config('B', &spec, &o);
	o.objective = 5, o.target = SP_GB_LEVEL, o.rounds = 2;   /* reg:gamma needs labels > 0 */
	{
		double yy[600];
		for (size_t i = 0; i < s->n && i < 600; i++)
			yy[i] = isfinite(s->y[i]) ? s->y[i] - 60 : NAN;
		m = sp_gb_train(&spec, &o, "load", s->t, yy, NULL, s->n, &err);
		CHECK(!m && strncmp(err.msg, "xgboost: ", 9) == 0, "gamma: %s", err.msg);
	}
	sp_gb_free(m);
}

int
main(void)
{
	series s;
	FILE *hf;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_gb.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	CHECK(read_series("tests/ref/xgb_series.csv", &s) == 0 && s.n == 600, "xgb_series.csv");
	CHECK(read_ref() == 0 && nref > 800, "xgb_ref.csv");
	hf = fopen("tests/ref/xgb_holidays.csv", "r");
	CHECK(hf && sp_feat_read_holidays(hf, "xgb_holidays.csv", &hol, &nhol, NULL) == 0 && nhol == 3, "holidays");
	if (hf)
		fclose(hf);
	if (s.n == 600 && nref > 800 && nhol == 3) {
		test_reference(&s);
		test_model_file(&s);
		test_causal(&s);
		test_bad_input(&s);
	}
	free(s.t), free(s.y), free(s.x), free(hol);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return check_summary();
}
