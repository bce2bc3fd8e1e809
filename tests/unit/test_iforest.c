/* sp_iforest: c(n), hand-computed path lengths and scores on a tiny forest
 * read from a model file (plain and range mode), fits whose paths are known
 * (two points, equal points), determinism over threads, save/load, and
 * corrupt models, and scores pinned bit for bit.  c(n) was computed with Python's math module:
 *   c = lambda n: 0 if n <= 1 else 1.0 if n == 2 else
 *       2 * (math.log(n - 1) + 0.5772156649015329) - 2 * (n - 1) / n
 * and the tiny forest's values by tests/ref/iforest_tiny.py (its output is
 * tests/ref/iforest_tiny.txt). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_iforest.h"
#include "sp_model.h"
#include "sp_rand.h"

enum { P = SP_IFOREST_PLAIN, R = SP_IFOREST_RANGE };

static char dir[] = "/tmp/sp-test-iforest.XXXXXX";

static const char *
write_model(const char *name, const char *body)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "w");
	fputs("scalepipe-model iforest-test 1\n", fp);
	fputs(body, fp);
	fclose(fp);
	return path;
}

/* Load a forest from a model body; NULL and err on failure. */
static sp_iforest *
load_body(const char *body, sp_error *err)
{
	sp_model *m = sp_model_load(write_model("m", body), "iforest-test", 1, NULL, err);
	sp_iforest *f;

	if (!m)
		return NULL;
	f = sp_iforest_load(m, err);
	if (f && sp_model_finish(m, err) < 0) {
		sp_iforest_free(f);
		f = NULL;
	}
	sp_model_free(m);
	return f;
}

/* Two trees on psi = 4 rows of 2 attributes (preorder (attribute, value)):
 *   tree0 on (0.1, 1), (0.6, 1), (0.8, 1.5), (0.9, 3):
 *       x0 < 0.5 ? leaf(1) : (x1 < 2 ? leaf(2) : leaf(1))
 *   tree1 on (0.2, 1), (0.5, 3), (1, 2), (0.3, 6):
 *       x1 < 4 ? (x0 < 0.9 ? leaf(2) : leaf(1)) : leaf(1)
 * and the bounding boxes (lo0 lo1 hi0 hi1) of each node's rows. */
static const char tiny[] =
    "iforest_dim 2\niforest_psi 4\niforest_trees 2\n"
    "tree0 0 0.5 -1 1 1 2 -1 2 -1 1\n"
    "box0 0.1 1 0.9 3 0.1 1 0.1 1 0.6 1 0.9 3 0.6 1 0.8 1.5 0.9 3 0.9 3\n"
    "tree1 1 4 0 0.9 -1 2 -1 1 -1 1\n"
    "box1 0.2 1 1 6 0.2 1 1 3 0.2 1 0.5 3 1 2 1 2 0.3 6 0.3 6\n"
    "end\n";

static void
test_c(void)
{
	CHECK(sp_iforest_c(0) == 0 && sp_iforest_c(1) == 0, "c(0), c(1) = 0");
	CHECK(sp_iforest_c(2) == 1, "c(2) = 1");
	CHECK_CLOSE(sp_iforest_c(3), 1.207392357589623, 1e-15, "c(3)");
	CHECK_CLOSE(sp_iforest_c(4), 1.8516559071392855, 1e-15, "c(4)");
	CHECK_CLOSE(sp_iforest_c(5), 2.327020052042847, 1e-15, "c(5)");
	CHECK_CLOSE(sp_iforest_c(10), 3.748880484475505, 1e-15, "c(10)");
	CHECK_CLOSE(sp_iforest_c(100), 8.364671030072245, 1e-15, "c(100)");
	CHECK_CLOSE(sp_iforest_c(256), 10.244770920119917, 1e-15, "c(256)");
	CHECK_CLOSE(sp_iforest_c(1000), 12.969940887100174, 1e-15, "c(1000)");
}

static void
test_tiny(void)
{
	sp_error err;
	sp_iforest *f = load_body(tiny, &err);
	double x1[] = { 0.2, 5 }, x2[] = { 0.7, 1 }, x3[] = { 0.95, 3 }, x4[] = { 0.5, 2 }, xn[] = { NAN, 1 };
	double x5[] = { 0.3, 2 }, x6[] = { 2, 1 }, x7[] = { 0.5, -9 };
	double rows[8], out[4];

	CHECK(f != NULL, "tiny forest loads: %s", f ? "" : err.msg);
	if (!f)
		return;
	CHECK(sp_iforest_dim(f) == 2 && sp_iforest_psi(f) == 4 && sp_iforest_ntrees(f) == 2, "shape");
	/* x1: depth 1, size 1 in both trees: h = 1 + c(1) = 1 */
	CHECK(sp_iforest_tree_path(f, 0, x1, P) == 1 && sp_iforest_tree_path(f, 1, x1, P) == 1, "x1 paths");
	/* x2: depth 2, size 2 in both: h = 2 + c(2) = 3 */
	CHECK(sp_iforest_tree_path(f, 0, x2, P) == 3 && sp_iforest_tree_path(f, 1, x2, P) == 3, "x2 paths");
	/* x3: depth 2, size 1 in both: 2 */
	CHECK(sp_iforest_tree_path(f, 0, x3, P) == 2 && sp_iforest_tree_path(f, 1, x3, P) == 2, "x3 paths");
	/* x4 on both split values of tree0: x < p is false, so right, right: 2;
	 * tree1: 2 < 4, 0.5 < 0.9: depth 2, size 2: 3 */
	CHECK(sp_iforest_tree_path(f, 0, x4, P) == 2 && sp_iforest_tree_path(f, 1, x4, P) == 3,
	    "x4 paths (x < p goes left)");
	CHECK(sp_iforest_path(f, x4, P) == 2.5, "E[h(x4)] = 2.5");
	CHECK_CLOSE(sp_iforest_score(f, x1, P), 0.6877436677788327, 1e-15, "s(x1) = 2^(-1/c(4))");
	CHECK_CLOSE(sp_iforest_score(f, x2, P), 0.3252968076440812, 1e-15, "s(x2) = 2^(-3/c(4))");
	CHECK_CLOSE(sp_iforest_score(f, x3, P), 0.4729913525698814, 1e-15, "s(x3) = 2^(-2/c(4))");
	CHECK_CLOSE(sp_iforest_score(f, x4, P), 0.3922532052568066, 1e-15, "s(x4) = 2^(-2.5/c(4))");
	CHECK(isnan(sp_iforest_score(f, xn, P)) && isnan(sp_iforest_score(f, xn, R)), "NaN in, NaN out");
	/* range mode: a row outside a node's box may be isolated there */
	CHECK(sp_iforest_tree_path(f, 0, x1, R) == 1.75 && sp_iforest_tree_path(f, 1, x1, R) == 2,
	    "range x1: 1.75, 2 (a size-1 leaf of another row: one more cut)");
	CHECK_CLOSE(sp_iforest_tree_path(f, 1, x2, R), 3, 1e-15, "range x2, tree1: inside every box: plain");
	CHECK_CLOSE(sp_iforest_tree_path(f, 0, x3, R), 2.8718487394957983, 1e-15, "range x3, tree0");
	CHECK_CLOSE(sp_iforest_path(f, x4, R), 2.9375, 1e-15, "range E[h(x4)]");
	CHECK_CLOSE(sp_iforest_tree_path(f, 0, x6, R), 2.1419172932330826, 1e-15, "range x6 far right, tree0");
	CHECK_CLOSE(sp_iforest_tree_path(f, 1, x6, R), 2.243827160493827, 1e-15, "range x6 far right, tree1");
	CHECK_CLOSE(sp_iforest_score(f, x6, R), 0.44004521941979147, 1e-15, "range s(x6)");
	CHECK_CLOSE(sp_iforest_score(f, x7, R), 0.4813642456106909, 1e-15, "range s(x7) far below");
	CHECK_CLOSE(sp_iforest_score(f, x5, R), 0.3922532052568066, 1e-15, "range s(x5)");
	CHECK(sp_iforest_score(f, x7, P) == sp_iforest_score(f, x2, P), "plain: x7 far below lands with x2");
	memcpy(rows, x1, sizeof x1), memcpy(rows + 2, x2, sizeof x2);
	memcpy(rows + 4, x3, sizeof x3), memcpy(rows + 6, x4, sizeof x4);
	sp_iforest_score_rows(f, rows, 4, out, P, 3);
	CHECK(out[0] == sp_iforest_score(f, x1, P) && out[1] == sp_iforest_score(f, x2, P) &&
	    out[2] == sp_iforest_score(f, x3, P) && out[3] == sp_iforest_score(f, x4, P), "score_rows = score");
	sp_iforest_score_rows(f, rows, 4, out, R, 2);
	CHECK(out[0] == sp_iforest_score(f, x1, R) && out[3] == sp_iforest_score(f, x4, R), "score_rows, range");
	sp_iforest_free(f);
}

static double *
cloud(size_t n, size_t d, unsigned long seed)
{
	sp_rand *r = sp_rand_new(seed);
	double *x = malloc(n * d * sizeof *x);
	size_t i;

	for (i = 0; i < n * d; i++)
		x[i] = sp_rand_normal(r, 1);
	sp_rand_free(r);
	return x;
}

static void
test_fit(void)
{
	sp_iforest_opts o;
	sp_error err;
	sp_iforest *f, *g;
	double two[] = { 0, 0, 1, 1 }, same[12], far[] = { 50, -50 }, *x, s1[500], s4[500], in, out;
	size_t i;
	int k, equal = 1, differ = 0, inrange = 1;

	sp_iforest_defaults(&o);
	CHECK(o.trees == 100 && o.psi == 256 && o.seed == 1, "defaults t = 100, psi = 256");
	/* two distinct points: one split isolates each, h = 1 everywhere, s = 2^(-1/c(2)) */
	f = sp_iforest_fit(two, 2, 2, &o, &err);
	CHECK(f && sp_iforest_psi(f) == 2, "psi = min(psi, n) = 2");
	if (f) {
		CHECK(sp_iforest_path(f, two, P) == 1 && sp_iforest_path(f, far, P) == 1, "two points: h = 1");
		CHECK(sp_iforest_score(f, far, P) == 0.5, "two points: s = 0.5");
		sp_iforest_free(f);
	}
	/* equal points: every tree is one leaf of size psi: h = c(psi), s = 1/2 */
	for (i = 0; i < 12; i++)
		same[i] = 3;
	f = sp_iforest_fit(same, 6, 2, &o, &err);
	CHECK(f != NULL, "fit on equal rows");
	if (f) {
		CHECK_CLOSE(sp_iforest_path(f, far, P), sp_iforest_c(6), 1e-14, "equal rows: h = c(6)");
		CHECK_CLOSE(sp_iforest_score(f, far, P), 0.5, 1e-15, "equal rows: s = 0.5");
		sp_iforest_free(f);
	}
	/* a cloud and an outlier; heights bounded by the limit + c(leaf) */
	x = cloud(500, 3, 7);
	o.threads = 1;
	f = sp_iforest_fit(x, 500, 3, &o, &err);
	o.threads = 4;
	g = sp_iforest_fit(x, 500, 3, &o, &err);
	CHECK(f && g, "fit 500 x 3");
	if (f && g) {
		double o3[] = { 6, -6, 6 };
		sp_iforest_score_rows(f, x, 500, s1, P, 1);
		sp_iforest_score_rows(g, x, 500, s4, P, 4);
		for (i = 0, in = 0; i < 500; i++) {
			equal &= s1[i] == s4[i];
			in += s1[i] / 500;
			inrange &= s1[i] > 0 && s1[i] <= 1;
			for (k = 0; k < 100; k++)
				if (sp_iforest_tree_path(f, k, x + 3 * i, P) > 8 + sp_iforest_c(256) + 1e-12)
					equal = 0;
		}
		CHECK(equal, "1 and 4 threads grow the same forest; paths within limit + c(psi)");
		CHECK(inrange, "500 scores in (0, 1]");
		sp_iforest_score_rows(f, x, 500, s4, R, 3);
		for (i = 0, equal = 1; i < 500; i++)
			equal &= s4[i] == sp_iforest_score(f, x + 3 * i, R) && s1[i] == sp_iforest_score(f, x + 3 * i, P);
		CHECK(equal, "score_rows (blocks of rows, tree by tree) = score, bit for bit, both modes");
		out = sp_iforest_score(f, o3, P);
		CHECK(out > 0.7 && in < 0.5 && out > s1[0], "outlier %g > 0.7, mean inlier %g < 0.5", out, in);
		CHECK(sp_iforest_path(f, o3, P) < 5, "outlier isolated early: E[h] %g", sp_iforest_path(f, o3, P));
	}
	sp_iforest_free(g);
	o.seed = 2;
	g = sp_iforest_fit(x, 500, 3, &o, &err);
	if (f && g) {
		for (i = 0; i < 500; i++)
			differ |= sp_iforest_score(g, x + 3 * i, P) != s1[i];
		CHECK(differ, "another seed, another forest");
	}
	sp_iforest_free(g);
	/* save and load: the same scores, bit for bit */
	if (f) {
		char path[256];
		sp_model_writer *w;
		sp_model *m;
		snprintf(path, sizeof path, "%s/rt", dir);
		w = sp_model_create(path, "iforest-test", 1, &err);
		CHECK(sp_iforest_save(f, w, &err) == 0, "save keys");
		CHECK(sp_model_commit(w, &err) == 0, "save");
		m = sp_model_load(path, "iforest-test", 1, NULL, &err);
		g = m ? sp_iforest_load(m, &err) : NULL;
		CHECK(g && sp_model_finish(m, &err) == 0, "load: %s", g ? "" : err.msg);
		sp_model_free(m);
		for (i = 0, equal = 1; g && i < 500; i++)
			equal &= sp_iforest_score(g, x + 3 * i, P) == s1[i] &&
			    sp_iforest_score(g, x + 3 * i, R) == sp_iforest_score(f, x + 3 * i, R);
		CHECK(g && equal, "loaded forest scores identically");
		sp_iforest_free(g);
	}
	sp_iforest_free(f);
	free(x);
	/* bad fits */
	CHECK(!sp_iforest_fit(two, 1, 2, &o, &err) && err.code == SP_EDATA, "one row: %s", err.msg);
	two[3] = NAN;
	CHECK(!sp_iforest_fit(two, 2, 2, &o, &err) && err.code == SP_EDATA && strstr(err.msg, "row 2, attribute 2"),
	    "NaN: %s", err.msg);
	two[3] = 1;
	o.trees = 0;
	CHECK(!sp_iforest_fit(two, 2, 2, &o, &err) && err.code == SP_EUSAGE, "0 trees");
	o.trees = 10, o.psi = 1;
	CHECK(!sp_iforest_fit(two, 2, 2, &o, &err) && err.code == SP_EUSAGE, "psi 1");
}

static void
bad(const char *body, const char *want)
{
	sp_error err;
	sp_iforest *f = load_body(body, &err);

	CHECK(!f && (err.code == SP_EMODEL || err.code == SP_EDATA) && strstr(err.msg, want),
	    "corrupt model refused with '%s': got '%s'", want, f ? "(loaded)" : err.msg);
	sp_iforest_free(f);
}

static void
test_corrupt(void)
{
	const char *head = "iforest_dim 2\niforest_psi 4\niforest_trees 2\n";
	char b[512];

#define BODY(t0, b0, t1, b1) (snprintf(b, sizeof b, "%stree0 %s\nbox0 %s\ntree1 %s\nbox1 %s\nend\n", head, t0, b0, t1, b1), b)
	const char *leaf = "-1 4", *lbox = "0 0 1 1";
	bad(BODY("0 0.5 -1 1 1 2 -1 2", "0 0", leaf, lbox), "tree0: truncated tree");
	bad(BODY("0 0.5 -1 1 1 2 -1 2 -1 1 -1 1", "0 0", leaf, lbox), "tree0: 2 values after the tree's 5 nodes");
	bad(BODY("0 0.5 -1 1 1 2 -1 2 -1", "0 0", leaf, lbox), "an even number");
	bad(BODY("2 0.5 -1 1 -1 3", "0 0", leaf, lbox), "attribute 2 not -1 or in 0..1");
	bad(BODY("0.5 0.5 -1 1 -1 3", "0 0", leaf, lbox), "attribute 0.5");
	bad(BODY(leaf, lbox, "-1 2.5", lbox), "tree1: node 0: leaf size 2.5");
	bad(BODY(leaf, lbox, "-1 5", lbox), "leaf size 5 not an integer in 0..4");
	bad(BODY("0 1 0 2 0 3 -1 1 -1 1 -1 1 -1 1", "0 0", leaf, lbox), "a split below the height limit 2");
	bad(BODY("0 nan -1 1 -1 3", "0 0", leaf, lbox), "tree0");
	bad(BODY(leaf, "0 0 1", leaf, lbox), "box0: 3 values, want 4");
	bad(BODY(leaf, lbox, leaf, "0 2 1 1"), "box1: node 0: lower bound above the upper one");
	bad(BODY("0 0.5 -1 1 -1 3", "0 0 0.4 1 0 0 0 0 0.5 0 1 1", leaf, lbox), "box0: node 0: split 0.5 outside the box");
	snprintf(b, sizeof b, "%stree0 -1 4\nbox0 0 0 1 1\nend\n", head);
	bad(b, "tree1");
	snprintf(b, sizeof b, "%stree0 -1 4\ntree1 -1 4\nbox1 0 0 1 1\nend\n", head);
	bad(b, "box0");
	snprintf(b, sizeof b, "iforest_dim 2\niforest_psi 1\niforest_trees 1\ntree0 -1 1\nbox0 0 0 0 0\nend\n");
	bad(b, "iforest_psi");
	snprintf(b, sizeof b, "%stree0 -1 4\nbox0 0 0 1 1\ntree1 -1 4\nbox1 0 0 1 1\n", head);
	bad(b, "end");   /* truncated file: sp_model refuses it */
	snprintf(b, sizeof b, "%stree0 -1 4\nbox0 0 0 1 1\ntree1 -1 4\nbox1 0 0 1 1\nend\n", head);
	{
		sp_error err;
		sp_iforest *f = load_body(b, &err);
		double x[] = { 0.5, 0.5 };
		CHECK(f && sp_iforest_path(f, x, P) == sp_iforest_c(4), "single-leaf trees load: h = c(4)");
		sp_iforest_free(f);
	}
#undef BODY
}

/* Scores pinned bit for bit: fits on fixed clouds (one attribute and three
 * at psi 256, psi 64, and psi 2048, whose height 11 the heap-ordered
 * scoring copy does not cover), scored in both modes, 2 threads; the
 * values are those of the first sp_iforest (before the scoring copies),
 * printed with %a.  Scoring faster must not change one bit. */
static void
test_pinned(void)
{
	static const struct { size_t n, d, psi; int trees; unsigned long seed; } c[] = {
		{ 700, 1, 256, 100, 3 }, { 700, 3, 256, 100, 4 }, { 400, 2, 64, 50, 5 }, { 3000, 2, 2048, 20, 6 }
	};
	/* configuration, mode, score of row 0, of row 299, the sum of rows 0..299 in order */
	static const struct { int k, mode; double first, last, sum; } want[] = {
		{ 0, 0, 0x1.edf85bd38f2acp-2, 0x1.d4fc2b645c9e4p-2, 0x1.1c08709c15803p+7 },
		{ 0, 1, 0x1.ebeb293ffd49cp-2, 0x1.d47ecf9bfb8fbp-2, 0x1.1b19ba6df9ca8p+7 },
		{ 1, 0, 0x1.c03a37e2fb0ecp-2, 0x1.091eb3b7975e8p-1, 0x1.12d2d9a5038bep+7 },
		{ 1, 1, 0x1.c036c410b7238p-2, 0x1.0a465ff63ff38p-1, 0x1.12cd5a5ef66d2p+7 },
		{ 2, 0, 0x1.ada7f5e0fa055p-2, 0x1.f1525e481cc6ep-2, 0x1.1fc3a8539318bp+7 },
		{ 2, 1, 0x1.ab49930e3a15p-2, 0x1.ed37195aa8de3p-2, 0x1.1ecb54daf4b38p+7 },
		{ 3, 0, 0x1.c3a09a9194d6bp-2, 0x1.90eb9f871ab3ap-2, 0x1.045e03af226e5p+7 },
		{ 3, 1, 0x1.c1e85bf5f4f5dp-2, 0x1.90f8cea7203f7p-2, 0x1.0441783d2d764p+7 },
	};
	size_t i, w;
	int k;

	for (k = 0; k < 4; k++) {   /* one fit per configuration, scored in both modes */
		double *x = cloud(c[k].n, c[k].d, 20 + (unsigned long)k), out[300], sum;
		sp_iforest_opts o;
		sp_error err;
		sp_iforest *f;
		sp_iforest_defaults(&o);
		o.psi = c[k].psi, o.trees = c[k].trees, o.seed = c[k].seed, o.threads = 2;
		f = sp_iforest_fit(x, c[k].n, c[k].d, &o, &err);
		CHECK(f != NULL, "pinned fit %d", k);
		for (w = 0; f && w < sizeof want / sizeof *want; w++) {
			if (want[w].k != k)
				continue;
			sp_iforest_score_rows(f, x, 300, out, want[w].mode, 2);
			for (i = 0, sum = 0; i < 300; i++)
				sum += out[i];
			CHECK(out[0] == want[w].first && out[299] == want[w].last && sum == want[w].sum,
			    "pinned scores, psi %zu, d %zu, mode %d: %a %a %a, want %a %a %a", c[k].psi, c[k].d,
			    want[w].mode, out[0], out[299], sum, want[w].first, want[w].last, want[w].sum);
			CHECK(sp_iforest_score(f, x, want[w].mode) == want[w].first &&
			    sp_iforest_score(f, x + 299 * c[k].d, want[w].mode) == want[w].last,
			    "pinned scores one row at a time, psi %zu, d %zu, mode %d", c[k].psi, c[k].d, want[w].mode);
		}
		sp_iforest_free(f);
		free(x);
	}
}

int
main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 1;
	test_c();
	test_tiny();
	test_fit();
	test_corrupt();
	test_pinned();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return check_summary();
}
