/* test_svr: sp_svr against scikit-learn's SVR (tests/ref/svr_sklearn.py),
 * model-file round trip and strictness, grid search invariants, w* on
 * the BAScaler service curve, sp_svr_fit and its progress, CSV in and out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_csv.h"
#include "sp_svr.h"

/* A whole numeric CSV (no timestamp): cols names, data[nrow][ncol]. */
typedef struct {
	size_t nrow, ncol;
	char names[16][64];
	double *v;
} table;

static int
read_table(const char *path, table *t)
{
	FILE *fp = fopen(path, "r");
	sp_error err;
	sp_csv_reader *r;
	size_t cap = 0, j;
	int rc;

	memset(t, 0, sizeof *t);
	if (!fp)
		return -1;
	if (!(r = sp_csv_reader_new(fp, path, 0, &err))) {
		fprintf(stderr, "%s\n", err.msg);
		fclose(fp);
		return -1;
	}
	t->ncol = sp_csv_ncols(r);
	for (j = 0; j < t->ncol && j < 16; j++)
		snprintf(t->names[j], sizeof t->names[j], "%s", sp_csv_colname(r, j));
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if ((t->nrow + 1) * t->ncol > cap) {
			cap = cap ? cap * 2 : 1024;
			while (cap < (t->nrow + 1) * t->ncol)
				cap *= 2;
			t->v = realloc(t->v, cap * sizeof *t->v);
		}
		for (j = 0; j < t->ncol; j++)
			if (sp_csv_get_double_req(r, j, &t->v[t->nrow * t->ncol + j], &err) < 0) {
				fprintf(stderr, "%s\n", err.msg);
				rc = -1;
				break;
			}
		if (rc < 0)
			break;
		t->nrow++;
	}
	sp_csv_reader_free(r);
	fclose(fp);
	return rc < 0 ? -1 : 0;
}

/* Columns cols[k] of t into a new n * k array. */
static double *
take(const table *t, const int *cols, size_t k)
{
	double *x = malloc(t->nrow * k * sizeof *x);
	size_t i, j;

	for (i = 0; i < t->nrow; i++)
		for (j = 0; j < k; j++)
			x[i * k + j] = t->v[i * t->ncol + (size_t)cols[j]];
	return x;
}

static char tmpdir[64];

static const char *
tmp(const char *name)
{
	static char buf[8][128];
	static int k;
	k = (k + 1) % 8;
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

/* Replace the first line starting with `key ` in text by `line`. */
static char *
replace_line(const char *text, const char *key, const char *line)
{
	size_t kl = strlen(key), n = strlen(text) + strlen(line) + 2;
	char *out = malloc(n);
	const char *p = text, *e;

	out[0] = '\0';
	while (*p) {
		e = strchr(p, '\n');
		e = e ? e + 1 : p + strlen(p);
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			strcat(out, line);
			strcat(out, "\n");
		} else {
			strncat(out, p, (size_t)(e - p));
		}
		p = e;
	}
	return out;
}

static void
test_sklearn(void)
{
	table tr, q, ref;
	static const int both[] = { 0, 1 }, one[] = { 0 };
	static const char *const fn[] = { "load_per_replica", "replicas" };
	struct { const char *name; int nf; int scale; sp_svr_kernel k; double C, gamma, eps, coef0; int degree; } cs[] = {
		{ "rbf", 2, 1, SP_SVR_RBF, 10, 0.5, 0.05, 0, 3 },
		{ "rbf_big_c", 2, 1, SP_SVR_RBF, 100, 2, 0.01, 0, 3 },
		{ "linear", 2, 1, SP_SVR_LINEAR, 1, 1, 0.1, 0, 3 },
		{ "poly", 2, 1, SP_SVR_POLY, 1, 0.5, 0.1, 1, 3 },
		{ "rbf_raw_1f", 1, 0, SP_SVR_RBF, 100, 0.0015, 0.1, 0, 3 },
	};
	size_t c, i, k;

	CHECK(read_table("tests/ref/svr_train.csv", &tr) == 0 && tr.nrow == 200 && tr.ncol == 3,
	    "svr_train.csv");
	CHECK(read_table("tests/ref/svr_query.csv", &q) == 0 && q.nrow == 60, "svr_query.csv");
	CHECK(read_table("tests/ref/svr_sklearn.csv", &ref) == 0 && ref.nrow == 60 && ref.ncol == 7,
	    "svr_sklearn.csv");
	if (!tr.v || !q.v || !ref.v)
		return;
	for (c = 0; c < sizeof cs / sizeof cs[0]; c++) {
		const int *cols = cs[c].nf == 2 ? both : one;
		double *x = take(&tr, cols, (size_t)cs[c].nf), *y, *qx, got[60], want[60];
		int ycol = 2, refcol = 2 + (int)c;
		sp_svr_params p;
		sp_error err;
		sp_svr *m, *m2;

		CHECK_STR(ref.names[refcol], cs[c].name, "reference column");
		y = take(&tr, &ycol, 1);
		qx = take(&q, cols, (size_t)cs[c].nf);
		sp_svr_params_default(&p);
		p.kernel = cs[c].k;
		p.C = cs[c].C;
		p.gamma = cs[c].gamma;
		p.epsilon = cs[c].eps;
		p.coef0 = cs[c].coef0;
		p.degree = cs[c].degree;
		p.scale = cs[c].scale;
		m = sp_svr_train(x, y, tr.nrow, (size_t)cs[c].nf, fn, "latency_ms", &p, &err);
		CHECK(m != NULL, "train %s: %s", cs[c].name, err.msg);
		if (!m)
			continue;
		for (i = 0; i < q.nrow; i++) {
			got[i] = sp_svr_predict(m, qx + i * (size_t)cs[c].nf);
			want[i] = ref.v[i * ref.ncol + (size_t)refcol];
		}
		CHECK_ARRAY_CLOSE(got, want, q.nrow, 1e-6, cs[c].name);
		/* save / load round trip is exact */
		CHECK(sp_svr_save(m, tmp("m.svr"), "test_svr", &err) == 0, "save: %s", err.msg);
		m2 = sp_svr_load(tmp("m.svr"), &err);
		CHECK(m2 != NULL, "load: %s", err.msg);
		if (m2) {
			int same = 1;
			CHECK(sp_svr_nfeatures(m2) == (size_t)cs[c].nf, "nfeatures");
			for (k = 0; k < (size_t)cs[c].nf; k++)
				CHECK_STR(sp_svr_feature(m2, k), fn[k], "feature name");
			CHECK(sp_svr_feature(m2, (size_t)cs[c].nf) == NULL, "feature out of range");
			CHECK_STR(sp_svr_target(m2), "latency_ms", "target");
			CHECK(sp_svr_get_params(m2)->kernel == cs[c].k, "kernel");
			CHECK(sp_svr_nsv(m2) == sp_svr_nsv(m) && sp_svr_nsv(m) > 0, "nsv");
			for (i = 0; i < q.nrow; i++)
				same &= sp_svr_predict(m2, qx + i * (size_t)cs[c].nf) == got[i];
			CHECK(same, "%s: loaded model predicts bit-identically", cs[c].name);
			sp_svr_free(m2);
		}
		{
			double nanx[2] = { NAN, 1 };
			CHECK(isnan(sp_svr_predict(m, nanx)), "NaN feature gives NaN");
		}
		sp_svr_free(m);
		free(x);
		free(y);
		free(qx);
	}
	free(tr.v);
	free(q.v);
	free(ref.v);
}

static void
test_bad_data(void)
{
	static const char *const fn[] = { "a" };
	double x[4] = { 1, 2, 3, 4 }, y[4] = { 5, 5, 5, 5 }, y2[4] = { 1, 2, NAN, 4 };
	sp_svr_params p;
	sp_error err;

	sp_svr_params_default(&p);
	CHECK(!sp_svr_train(x, y, 4, 1, fn, "t", &p, &err) && err.code == SP_EDATA &&
	    strstr(err.msg, "constant"), "constant target: %s", err.msg);
	p.scale = 0;
	CHECK(!sp_svr_train(x, y, 4, 1, fn, "t", &p, &err) && err.code == SP_EDATA,
	    "constant target unscaled");
	p.scale = 1;
	CHECK(!sp_svr_train(x, y2, 4, 1, fn, "t", &p, &err) && err.code == SP_EDATA &&
	    strstr(err.msg, "row 3"), "NaN target names the row: %s", err.msg);
	CHECK(!sp_svr_train(x, y2, 1, 1, fn, "t", &p, &err) && err.code == SP_EDATA, "one row");
	p.C = 0;
	CHECK(!sp_svr_train(x, y2, 4, 1, fn, "t", &p, &err) && err.code == SP_EUSAGE, "C = 0");
	sp_svr_params_default(&p);
	p.gamma = -1;
	CHECK(!sp_svr_train(x, y2, 4, 1, fn, "t", &p, &err) && err.code == SP_EUSAGE, "gamma < 0");
}

/* A small valid model file, then single-line corruptions of it. */
static void
test_model_file(void)
{
	static const char *const fn[] = { "w", "n" };
	double x[20], y[10];
	sp_svr_params p;
	sp_error err;
	sp_svr *m;
	char *good, *bad;
	size_t i;
	struct { const char *key, *line, *msg; } cases[] = {
		{ "gamma", "gamma 0", "'gamma' must be positive" },
		{ "gamma", "gamma abc", "not a finite number" },
		{ "nfeatures", "nfeatures 3", "missing key 'feature.3'" },
		{ "nfeatures", "nfeatures 0", "out of range" },
		{ "x_scale", "x_scale 1 0", "'x_scale' values must be positive" },
		{ "x_center", "x_center 1", "has 1 values, expected 2" },
		{ "nsv", "nsv 2", "'sv_coef' has more than 2 values" },
		{ "kernel", "kernel sigmoid", "'kernel' must be rbf" },
		{ "y_scale", "y_scale -1", "'y_scale' must be positive" },
		{ "sv", "sv 1 2 3", "has 3 values" },
		{ "rho", "rho nan", "not a finite number" },
		{ "target", "target", "'target' is empty" },
		{ "C", "C 1\nextra 5", "duplicate key 'C'" },
		{ "cv_split", "cv_split sideways", "'cv_split' must be random or blocked" },
		{ "cv_seed", "cv_seed -1", "out of range" },
		{ "cv_rmse", "cv_folds 5", "duplicate key 'cv_folds'" },
	};

	for (i = 0; i < 10; i++) {
		x[2 * i] = (double)i;
		x[2 * i + 1] = (double)(i % 3);
		y[i] = (double)(i * i) / 10;
	}
	sp_svr_params_default(&p);
	m = sp_svr_train(x, y, 10, 2, fn, "lat ms", &p, &err);
	CHECK(m != NULL, "train: %s", err.msg);
	if (!m)
		return;
	sp_svr_set_cv(m, 5, 0, 7, 0.25);
	CHECK(sp_svr_save(m, tmp("good.svr"), "svrfit -x w,n", &err) == 0, "save: %s", err.msg);
	sp_svr_free(m);
	good = slurp(tmp("good.svr"));
	CHECK(good && strncmp(good, "scalepipe-model svr 1\n", 22) == 0, "first line");
	m = sp_svr_load(tmp("good.svr"), &err);
	CHECK(m != NULL, "load good: %s", err.msg);
	if (m) {
		int folds;
		CHECK_STR(sp_svr_target(m), "lat ms", "target with a space");
		CHECK_CLOSE(sp_svr_cv_rmse(m, &folds), 0.25, 0, "cv rmse");
		CHECK(folds == 5, "cv folds");
		sp_svr_free(m);
	}
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bad = replace_line(good, cases[i].key, cases[i].line);
		if (strcmp(cases[i].key, "C") == 0) {       /* a duplicate: add a second C line */
			char *b2 = replace_line(good, "epsilon", "epsilon 0.1\nC 2");
			free(bad);
			bad = b2;
		}
		write_file(tmp("bad.svr"), bad);
		m = sp_svr_load(tmp("bad.svr"), &err);
		CHECK(!m && err.code == SP_EMODEL && strstr(err.msg, cases[i].msg) &&
		    strstr(err.msg, "bad.svr"), "%s: got '%s'", cases[i].line, m ? "(loaded)" : err.msg);
		sp_svr_free(m);
		free(bad);
	}
	/* unknown key */
	bad = replace_line(good, "rho", "rho 0\nfoo 1");
	write_file(tmp("bad.svr"), bad);
	m = sp_svr_load(tmp("bad.svr"), &err);
	CHECK(!m && strstr(err.msg, "unknown key 'foo'"), "unknown key: %s", err.msg);
	free(bad);
	/* truncated: cut in the middle of the sv line */
	bad = strdup(good);
	*strstr(bad, "\nsv ") = '\0';
	write_file(tmp("bad.svr"), bad);
	m = sp_svr_load(tmp("bad.svr"), &err);
	CHECK(!m && strstr(err.msg, "truncated"), "truncated: %s", err.msg);
	free(bad);
	/* another kind */
	bad = replace_line(good, "scalepipe-model", "scalepipe-model ar 1");
	write_file(tmp("bad.svr"), bad);
	m = sp_svr_load(tmp("bad.svr"), &err);
	CHECK(!m && strstr(err.msg, "is a 'ar' model, expected 'svr'") && strstr(err.msg, ":1:"),
	    "other kind: %s", err.msg);
	free(bad);
	m = sp_svr_load(tmp("missing.svr"), &err);
	CHECK(!m && err.code == SP_EIO, "missing file");
	{
		sp_svr_params p2;
		sp_svr *m3;
		sp_svr_params_default(&p2);
		m3 = sp_svr_train(x, y, 10, 2, fn, "t", &p2, &err);
		CHECK(m3 && sp_svr_save(m3, "/dev/null", NULL, &err) == SP_EIO && strstr(err.msg, "not a regular file"),
		    "save over a device refused: %s", err.msg);
		CHECK(m3 && sp_svr_save(m3, tmp("nodir/x.svr"), NULL, &err) == SP_EIO, "save into a missing directory");
		sp_svr_free(m3);
	}
	CHECK(!m && err.code == SP_EIO, "missing file");
	free(good);
}

/* Reference: linear interpolation of the curve's own latency column. */
static double
curve_wstar(const table *t, double slo)
{
	size_t i;

	for (i = 1; i < t->nrow; i++) {
		double w0 = t->v[(i - 1) * 3], w1 = t->v[i * 3];
		double r0 = t->v[(i - 1) * 3 + 1], r1 = t->v[i * 3 + 1];
		if (r0 <= slo && r1 > slo)
			return w0 + (slo - r0) / (r1 - r0) * (w1 - w0);
	}
	return NAN;
}

static void
test_wstar(void)
{
	static const double Cs[] = { 1, 10, 100, 1000 }, gs[] = { 0.1, 1, 10, 100 }, es[] = { 0.01, 0.05 };
	static const char *const fn[] = { "load_per_replica" };
	table t;
	sp_svr_grid g = { Cs, 4, gs, 4, es, 2, 5, 0, 42, 2, -1, NULL, NULL };
	sp_svr_cv cv[32], cv1[32];
	sp_svr_params p;
	sp_error err;
	size_t best = 99, best1 = 98, i;
	int ycol = 1, xcol = 0, same = 1;
	double *x, *y, lo = 0.1, hi = 100, ref, w;
	sp_svr *m;

	CHECK(read_table("data/bascaler_fft_service_curve.csv", &t) == 0 && t.ncol == 3, "curve");
	if (!t.v)
		return;
	x = take(&t, &xcol, 1);
	y = take(&t, &ycol, 1);
	sp_svr_params_default(&p);
	CHECK(sp_svr_grid_size(&g, &p) == 32, "grid size");
	CHECK(sp_svr_grid_search(x, y, t.nrow, 1, &p, &g, cv, &best, &err) == 0, "grid: %s", err.msg);
	g.threads = 1;
	CHECK(sp_svr_grid_search(x, y, t.nrow, 1, &p, &g, cv1, &best1, &err) == 0, "grid: %s", err.msg);
	for (i = 0; i < 32; i++)
		same &= cv[i].rmse == cv1[i].rmse && cv[i].mae == cv1[i].mae;
	CHECK(same && best == best1, "grid results do not depend on the thread count");
	for (i = 0; i < 32; i++)
		CHECK(cv[best].rmse <= cv[i].rmse, "best is minimal");
	CHECK(cv[best].rmse < 0.5, "CV rmse on the curve %g ms", cv[best].rmse);
	p.C = cv[best].C;
	p.gamma = cv[best].gamma;
	p.epsilon = cv[best].epsilon;
	m = sp_svr_train(x, y, t.nrow, 1, fn, "latency_ms", &p, &err);
	CHECK(m != NULL, "train: %s", err.msg);
	if (m) {
		/* bisection for predicted RT = 16 ms on the rising part */
		for (i = 0; i < 60; i++) {
			w = (lo + hi) / 2;
			if (sp_svr_predict(m, &w) > 16)
				hi = w;
			else
				lo = w;
		}
		w = (lo + hi) / 2;
		ref = curve_wstar(&t, 16);
		CHECK_CLOSE(ref, 80.68, 0.001, "curve's own w* at 16 ms");
		CHECK(fabs(w - ref) <= 0.01 * ref, "w* from the model %.4f vs curve %.4f (C %g gamma %g eps %g)",
		    w, ref, p.C, p.gamma, p.epsilon);
		sp_svr_free(m);
	}
	free(x);
	free(y);
	free(t.v);
}

/* Grid search against a hand-rolled blocked CV through sp_svr_train
 * (unscaled, so the scaling is the same): identical without the
 * precomputed kernel, within solver tolerance with it. */
static void
test_cv_by_hand(void)
{
	static const double Cs[] = { 3 }, gs[] = { 0.4 }, es[] = { 0.05 };
	static const char *const fn[] = { "a", "b" };
	const size_t n = 90, k = 3;
	double x[180], y[90], xt[180], yt[90], pred[90], se = 0;
	sp_svr_grid g = { Cs, 1, gs, 1, es, 1, 3, 1, 0, 2, 0, NULL, NULL };
	sp_svr_params p;
	sp_svr_cv cv, cvp;
	sp_error err;
	size_t i, f, l, best;

	for (i = 0; i < n; i++) {
		x[2 * i] = sin(0.37 * (double)i) * 2;
		x[2 * i + 1] = (double)(i % 7) / 3;
		y[i] = x[2 * i] * x[2 * i] + x[2 * i + 1] + 0.1 * cos(1.3 * (double)i);
	}
	sp_svr_params_default(&p);
	p.scale = 0;
	p.C = 3;
	p.gamma = 0.4;
	p.epsilon = 0.05;
	for (f = 0; f < k; f++) {
		sp_svr *m;
		for (l = 0, i = 0; i < n; i++)
			if (i * k / n != f) {
				xt[2 * l] = x[2 * i];
				xt[2 * l + 1] = x[2 * i + 1];
				yt[l++] = y[i];
			}
		m = sp_svr_train(xt, yt, l, 2, fn, "y", &p, &err);
		CHECK(m != NULL, "fold train: %s", err.msg);
		if (!m)
			return;
		for (i = 0; i < n; i++)
			if (i * k / n == f)
				pred[i] = sp_svr_predict(m, x + 2 * i);
		sp_svr_free(m);
	}
	for (i = 0; i < n; i++)
		se += (pred[i] - y[i]) * (pred[i] - y[i]);
	CHECK(sp_svr_grid_search(x, y, n, 2, &p, &g, &cv, &best, &err) == 0 && best == 0, "grid: %s", err.msg);
	CHECK_CLOSE(cv.rmse, sqrt(se / (double)n), 1e-12, "blocked CV rmse = by hand");
	g.precompute = 1;
	CHECK(sp_svr_grid_search(x, y, n, 2, &p, &g, &cvp, &best, &err) == 0, "grid pre: %s", err.msg);
	CHECK_CLOSE(cvp.rmse, cv.rmse, 1e-4, "precomputed kernel CV rmse");
	g.folds = 1;
	CHECK(sp_svr_grid_search(x, y, n, 2, &p, &g, &cvp, &best, &err) == SP_EUSAGE, "1 fold");
	g.folds = 91;
	CHECK(sp_svr_grid_search(x, y, n, 2, &p, &g, &cvp, &best, &err) == SP_EUSAGE, "folds > rows");
}

typedef struct {
	size_t calls, finals, last_fits, last_points, nfits, npoints;
	int monotone;
	double last_best, final_best;
} progress_log;

static void
log_progress(void *ctx, const sp_svr_progress *p)
{
	progress_log *l = ctx;
	l->calls++;
	if (p->final) {
		l->finals++;
		l->final_best = p->best ? p->best->rmse : NAN;
		return;
	}
	l->monotone &= p->fits == l->last_fits + 1 && p->points >= l->last_points && p->elapsed >= 0;
	l->last_fits = p->fits;
	l->last_points = p->points;
	l->nfits = p->nfits;
	l->npoints = p->npoints;
	l->last_best = p->best ? p->best->rmse : NAN;
}

/* sp_svr_fit = grid search + training with the winner; the progress
 * callback sees every fit once and changes nothing. */
static void
test_fit(void)
{
	static const double Cs[] = { 1, 10 }, gs[] = { 0.5, 2 }, es[] = { 0.05, 0.2 };
	static const char *const fn[] = { "a", "b" };
	const size_t n = 90;
	double x[180], y[90], q[2] = { 0.3, 1 };
	sp_svr_grid g = { Cs, 2, gs, 2, es, 2, 3, 0, 7, 2, -1, NULL, NULL };
	sp_svr_params p;
	sp_svr_cv cv[8], cvq[8];
	progress_log l = { 0, 0, 0, 0, 0, 0, 1, NAN, NAN };
	sp_error err;
	size_t i, best = 99, bestq = 98;
	int folds = 0, same = 1;
	sp_svr *m, *mq;

	for (i = 0; i < n; i++) {
		x[2 * i] = sin(0.37 * (double)i) * 2;
		x[2 * i + 1] = (double)(i % 7) / 3;
		y[i] = x[2 * i] * x[2 * i] + x[2 * i + 1] + 0.1 * cos(1.3 * (double)i);
	}
	sp_svr_params_default(&p);
	CHECK(sp_svr_grid_search(x, y, n, 2, &p, &g, cvq, &bestq, &err) == 0, "grid: %s", err.msg);
	g.progress = log_progress;
	g.progress_ctx = &l;
	m = sp_svr_fit(x, y, n, 2, fn, "y", &p, &g, cv, &best, &err);
	CHECK(m != NULL, "fit: %s", err.msg);
	if (!m)
		return;
	for (i = 0; i < 8; i++)
		same &= cv[i].rmse == cvq[i].rmse && cv[i].mae == cvq[i].mae && cv[i].C == cvq[i].C;
	CHECK(same && best == bestq, "the same table with a progress callback");
	CHECK(l.calls == 8 * 3 + 1 && l.finals == 1 && l.monotone, "one call per fit (%zu), then the final",
	    l.calls);
	CHECK(l.nfits == 24 && l.last_fits == 24 && l.npoints == 8 && l.last_points == 8, "counts");
	CHECK(l.last_best == cv[best].rmse && l.final_best == cv[best].rmse, "best so far ends at the best");
	CHECK(sp_svr_get_params(m)->C == cv[best].C && sp_svr_get_params(m)->gamma == cv[best].gamma &&
	    sp_svr_get_params(m)->epsilon == cv[best].epsilon, "trained with the winner");
	CHECK(sp_svr_cv_rmse(m, &folds) == cv[best].rmse && folds == 3, "CV recorded");
	p.C = cv[best].C;
	p.gamma = cv[best].gamma;
	p.epsilon = cv[best].epsilon;
	mq = sp_svr_train(x, y, n, 2, fn, "y", &p, &err);
	CHECK(mq && sp_svr_predict(m, q) == sp_svr_predict(mq, q), "same model as by hand");
	sp_svr_free(mq);
	sp_svr_free(m);

	/* no CV: the first value of each list */
	g.folds = 0;
	l.finals = 0;
	m = sp_svr_fit(x, y, n, 2, fn, "y", &p, &g, NULL, NULL, &err);
	CHECK(m && sp_svr_get_params(m)->C == 1 && sp_svr_get_params(m)->gamma == 0.5 &&
	    sp_svr_get_params(m)->epsilon == 0.05, "folds 0: first values");
	CHECK(m && isnan(sp_svr_cv_rmse(m, &folds)) && folds == 0 && l.finals == 1 && isnan(l.final_best),
	    "folds 0: no CV");
	sp_svr_free(m);
	g.folds = 91;
	CHECK(!sp_svr_fit(x, y, n, 2, fn, "y", &p, &g, cv, &best, &err) && err.code == SP_EUSAGE, "folds > rows");
}

static sp_csv_reader *
reader_of(const char *csv, FILE **fp)
{
	*fp = fmemopen((void *)csv, strlen(csv), "r");
	return sp_csv_reader_new(*fp, "-", 0, NULL);
}

static void
test_csv_io(void)
{
	static const char *const fn[] = { "a", "b" }, *const swap[] = { "b", "a" };
	double x[8] = { 1, 0, 2, 1, 3, 0, 4, 1 }, y[4] = { 1, 2, 4, 5 }, *rx, *ry, q[2];
	const int cols[] = { 1, 0 };
	sp_svr_params p;
	sp_error err;
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_svr *m;
	char *out = NULL, want[512], p1[32], p2[32];
	size_t n = 99, size = 0;
	FILE *fp, *mf;

	r = reader_of("a,b,y\n1,2,3\n4,5,6\n", &fp);
	CHECK(sp_svr_read_rows(r, cols, 2, 2, &rx, &ry, &n, &err) == 0 && n == 2, "two rows: %s", err.msg);
	CHECK(n == 2 && rx[0] == 2 && rx[1] == 1 && rx[2] == 5 && rx[3] == 4 && ry[0] == 3 && ry[1] == 6,
	    "columns in the asked order");
	free(rx);
	free(ry);
	sp_csv_reader_free(r);
	fclose(fp);
	r = reader_of("a,b,y\n", &fp);
	CHECK(sp_svr_read_rows(r, cols, 2, 2, &rx, &ry, &n, &err) == 0 && n == 0 && !rx && !ry, "no rows");
	sp_csv_reader_free(r);
	fclose(fp);
	r = reader_of("a,b,y\n1,2,3\n4,,6\n", &fp);
	CHECK(sp_svr_read_rows(r, cols, 2, 2, &rx, &ry, &n, &err) == SP_EDATA && !rx && !ry && n == 0,
	    "missing value");
	CHECK_STR(err.msg, "row 2, column b: missing value", "missing");
	sp_csv_reader_free(r);
	fclose(fp);

	sp_svr_params_default(&p);
	m = sp_svr_train(x, y, 4, 2, fn, "y", &p, &err);
	CHECK(m != NULL, "train: %s", err.msg);
	if (!m)
		return;
	mf = open_memstream(&out, &size);
	w = sp_csv_writer_new(mf);
	r = reader_of("t,b,a,note\n1,0,1,x\n2,,3,\"y,z\"\n", &fp);
	CHECK(sp_svr_predict_csv(m, r, NULL, NULL, w, &err) == 0, "predict: %s", err.msg);
	sp_csv_writer_flush(w, NULL);
	fclose(mf);
	q[0] = 1;
	q[1] = 0;
	snprintf(p1, sizeof p1, "%.10g", sp_svr_predict(m, q));
	snprintf(want, sizeof want, "t,b,a,note,y_pred\n1,0,1,x,%s\n2,,3,\"y,z\",\n", p1);
	CHECK_STR(out, want, "rows passed through, prediction appended, missing -> empty");
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	fclose(fp);
	free(out);

	out = NULL;
	mf = open_memstream(&out, &size);
	w = sp_csv_writer_new(mf);
	r = reader_of("a,b\n1,0\n", &fp);
	CHECK(sp_svr_predict_csv(m, r, swap, "rt", w, &err) == 0, "remapped: %s", err.msg);
	sp_csv_writer_flush(w, NULL);
	fclose(mf);
	q[0] = 0;          /* feature a from column b */
	q[1] = 1;
	snprintf(p2, sizeof p2, "%.10g", sp_svr_predict(m, q));
	snprintf(want, sizeof want, "a,b,rt\n1,0,%s\n", p2);
	CHECK_STR(out, want, "-x remap and --name");
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	fclose(fp);
	free(out);

	w = sp_csv_writer_new(stdout);
	r = reader_of("a,b,y_pred\n1,0,5\n", &fp);
	CHECK(sp_svr_predict_csv(m, r, NULL, NULL, w, &err) == SP_EUSAGE, "name clash");
	CHECK_STR(err.msg, "the input already has a column 'y_pred'; choose another with --name", "clash");
	sp_csv_reader_free(r);
	fclose(fp);
	r = reader_of("a,c\n1,0\n", &fp);
	CHECK(sp_svr_predict_csv(m, r, NULL, NULL, w, &err) == SP_EUSAGE, "missing feature column");
	CHECK_STR(err.msg, "no column 'b' (have: a, c)", "no column");
	sp_csv_reader_free(r);
	fclose(fp);
	sp_csv_writer_free(w);
	sp_svr_free(m);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_svr.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	test_sklearn();
	test_bad_data();
	test_model_file();
	test_cv_by_hand();
	test_wstar();
	test_fit();
	test_csv_io();
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	return check_summary();
}
