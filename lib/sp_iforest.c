/* sp_iforest: Isolation Forest; see sp_iforest.h. */
#include "sp_iforest.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_rand.h"

#define EULER_GAMMA 0.57721566490153286061
#define MAX_PSI ((size_t)1 << 24)
#define MAX_TREES 100000

typedef struct {
	double v;        /* split value; for a leaf, its path length e + c(size) */
	int32_t attr;    /* split attribute, -1 for a leaf */
	int32_t right;   /* right child (the left one is the next node); for a leaf, size */
} ifnode;

/* Rows are scored in blocks of SCORE_BLOCK, tree by tree, so that a tree's
 * nodes stay in cache while a block goes through it. */
#define SCORE_BLOCK 256
#define LANES 16

/* The scoring copy of a tree of height limit L <= HEAP_MAXDEPTH: a complete
 * binary tree in heap order (node i's children 2i + 1 and 2i + 2).  hv holds
 * the split values of its 2^L - 1 inner nodes, then the path lengths of the
 * 2^L nodes at depth L; ha the inner nodes' split attributes times
 * SCORE_BLOCK (the offset of the attribute in a block of rows stored column
 * by column).  A leaf above depth L is a split whose two subtrees end in
 * copies of its path length, so that every row takes exactly L steps,
 * without a branch, to the path length the preorder tree gives it. */
#define HEAP_MAXDEPTH 10

typedef struct {
	ifnode *node;
	size_t n;
	double *box;   /* per node: lo[d], hi[d] of its samples */
	double *hv;    /* the heap's values, NULL when L > HEAP_MAXDEPTH (one block with ha) */
	size_t *ha;    /* the heap's attribute offsets */
} iftree;

struct sp_iforest {
	size_t d, psi;
	int ntrees, limit;   /* height limit ceil(log2 psi) */
	double cpsi;         /* c(psi) */
	iftree *tree;
};

void
sp_iforest_defaults(sp_iforest_opts *o)
{
	o->trees = 100;
	o->psi = 256;
	o->seed = 1;
	o->threads = 1;
}

double
sp_iforest_c(double n)
{
	if (n <= 1)
		return 0;
	if (n <= 2)
		return n - 1;   /* c(2) = 1; between 1 and 2 (never a size) a straight line */
	return 2 * (log(n - 1) + EULER_GAMMA) - 2 * (n - 1) / n;
}

static int
height_limit(size_t psi)
{
	int l = 0;

	while (((size_t)1 << l) < psi)
		l++;
	return l;
}

static sp_iforest *
forest_new(size_t d, size_t psi, int ntrees, sp_error *err)
{
	sp_iforest *f = calloc(1, sizeof *f);

	if (!f || !(f->tree = calloc((size_t)ntrees, sizeof *f->tree))) {
		free(f);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	f->d = d;
	f->psi = psi;
	f->ntrees = ntrees;
	f->limit = height_limit(psi);
	f->cpsi = sp_iforest_c((double)psi);
	return f;
}

void
sp_iforest_free(sp_iforest *f)
{
	int k;

	if (!f)
		return;
	for (k = 0; k < f->ntrees; k++)
		free(f->tree[k].node), free(f->tree[k].box), free(f->tree[k].hv);
	free(f->tree);
	free(f);
}

size_t
sp_iforest_dim(const sp_iforest *f)
{
	return f->d;
}

size_t
sp_iforest_psi(const sp_iforest *f)
{
	return f->psi;
}

int
sp_iforest_ntrees(const sp_iforest *f)
{
	return f->ntrees;
}

/* Fill the heap subtree at h (depth e) from the preorder subtree at node i. */
static void
heap_fill(iftree *t, int L, size_t i, size_t h, int e)
{
	const ifnode *nd = &t->node[i];

	if (e == L) {   /* a leaf at the height limit (no split is that deep) */
		t->hv[h] = nd->v;
		return;
	}
	if (nd->attr < 0) {   /* a leaf above it: copies down both sides */
		t->hv[h] = 0;
		t->ha[h] = 0;
		heap_fill(t, L, i, 2 * h + 1, e + 1);
		heap_fill(t, L, i, 2 * h + 2, e + 1);
		return;
	}
	t->hv[h] = nd->v;
	t->ha[h] = (size_t)nd->attr * SCORE_BLOCK;
	heap_fill(t, L, i + 1, 2 * h + 1, e + 1);
	heap_fill(t, L, (size_t)nd->right, 2 * h + 2, e + 1);
}

/* The scoring copy of tree t of d attributes (nothing when the limit is too
 * deep for one, or a block of rows too large); -1 when out of memory. */
static int
heap_build(iftree *t, int L, size_t d)
{
	size_t in = ((size_t)1 << L) - 1;

	if (L > HEAP_MAXDEPTH || d > SIZE_MAX / SCORE_BLOCK / sizeof(double))
		return 0;
	if (!(t->hv = malloc((2 * in + 1) * sizeof *t->hv + in * sizeof *t->ha)))
		return -1;
	t->ha = (size_t *)(t->hv + 2 * in + 1);
	heap_fill(t, L, 0, 0, 0);
	return 0;
}

/* ---- fitting ---- */

typedef struct {
	const double *x;       /* training rows */
	size_t n;
	sp_iforest *f;
	const unsigned long *seeds;
	int nthreads, tid;
	int failed;
} fit_job;

typedef struct {
	const fit_job *job;
	sp_rand *rng;
	double *s;             /* the tree's sample, psi x d */
	int32_t *cand;         /* non-constant attributes */
	ifnode *node;
	double *box;           /* per node: lo[d], hi[d] */
	double *scratch;       /* per depth: the children's boxes, 4 d */
	size_t nn;
} builder;

/* Grow the subtree of the m rows at x (row-major, partitioned in place) at
 * depth, whose bounding box (lo[d], hi[d]) is box; the partition at a split
 * computes the children's boxes.  The tree depends on the rows' boxes and
 * the random draws only, not on the order of the rows. */
static void
grow(builder *b, double *x, size_t m, int depth, const double *box)
{
	const sp_iforest *f = b->job->f;
	size_t d = f->d, j, i, nl;
	size_t self = b->nn++;
	ifnode *nd = &b->node[self];
	double *lo = b->box + self * 2 * d, *hi = lo + d, *lb, *rb, p;
	int32_t nc = 0, q;

	memcpy(lo, box, 2 * d * sizeof *lo);
	if (m > 1 && depth < f->limit)
		for (j = 0; j < d; j++)
			if (lo[j] < hi[j])
				b->cand[nc++] = (int32_t)j;
	if (nc == 0) {
		nd->attr = -1;
		nd->right = (int32_t)m;
		nd->v = depth + sp_iforest_c((double)m);
		return;
	}
	q = b->cand[sp_rand_index(b->rng, (size_t)nc)];
	p = lo[q] + sp_rand_uniform(b->rng) * (hi[q] - lo[q]);
	if (!(p > lo[q]))
		p = hi[q];   /* u = 0 (or a rounding to lo): both sides non-empty anyway */
	/* partition, x[q] < p to the front, and the two boxes */
	lb = b->scratch + (size_t)depth * 4 * d;
	rb = lb + 2 * d;
	for (j = 0; j < d; j++) {
		lb[j] = rb[j] = INFINITY;
		lb[d + j] = rb[d + j] = -INFINITY;
	}
	/* without a branch on the side (a coin toss the predictor loses): a row
	 * going left swaps with row nl, one going right with itself, so the
	 * rows end in the order of the plain partition; the side's box takes
	 * its minima and maxima in that order too */
	if (d == 1) {
		double llo = INFINITY, lhi = -INFINITY, rlo = INFINITY, rhi = -INFINITY;
		for (i = 0, nl = 0; i < m; i++) {
			double v = x[i];
			size_t left = v < p, at = left ? nl : i;
			/* the other side's box takes an infinity, which moves nothing */
			double vll = v < p ? v : INFINITY, vlh = v < p ? v : -INFINITY;
			double vrl = v < p ? INFINITY : v, vrh = v < p ? -INFINITY : v;
			x[i] = x[at];
			x[at] = v;
			nl += left;
			llo = vll < llo ? vll : llo;
			lhi = vlh > lhi ? vlh : lhi;
			rlo = vrl < rlo ? vrl : rlo;
			rhi = vrh > rhi ? vrh : rhi;
		}
		lb[0] = llo, lb[1] = lhi, rb[0] = rlo, rb[1] = rhi;
	} else {
		for (i = 0, nl = 0; i < m; i++) {
			double *r = x + i * d, *cb, *to;
			size_t left = r[q] < p;
			cb = left ? lb : rb;
			to = x + (left ? nl : i) * d;
			for (j = 0; j < d; j++) {
				double v = r[j];
				cb[j] = v < cb[j] ? v : cb[j];
				cb[d + j] = v > cb[d + j] ? v : cb[d + j];
				r[j] = to[j];
				to[j] = v;
			}
			nl += left;
		}
	}
	nd->attr = q;
	nd->v = p;
	grow(b, x, nl, depth + 1, lb);
	b->node[self].right = (int32_t)b->nn;
	grow(b, x + nl * d, m - nl, depth + 1, rb);
}

static void *
fit_worker(void *arg)
{
	fit_job *job = arg;
	sp_iforest *f = job->f;
	size_t n = job->n, d = f->d, psi = f->psi, i, maxn = 2 * psi - 1;
	size_t *perm = malloc(n * sizeof *perm), *swp = malloc(psi * sizeof *swp);
	builder b = { 0 };
	int k;

	b.job = job;
	b.rng = sp_rand_new(1);
	b.s = malloc(psi * d * sizeof *b.s);
	b.cand = malloc(d * sizeof *b.cand);
	b.scratch = malloc(((size_t)f->limit + 2) * 4 * d * sizeof *b.scratch);
	if (!perm || !swp || !b.rng || !b.s || !b.cand || !b.scratch) {
		job->failed = 1;
		goto out;
	}
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (k = job->tid; k < f->ntrees; k += job->nthreads) {
		ifnode *nodes, *shrunk;
		double *box, *sbox;
		sp_rand_seed(b.rng, job->seeds[k]);
		/* psi rows without replacement: a partial Fisher-Yates shuffle,
		 * undone afterwards so that perm is the identity again */
		for (i = 0; i < psi; i++) {
			size_t r = i + sp_rand_index(b.rng, n - i), t = perm[i];
			perm[i] = perm[r];
			perm[r] = t;
			swp[i] = r;
			memcpy(b.s + i * d, job->x + perm[i] * d, d * sizeof *b.s);
		}
		for (i = psi; i-- > 0;) {
			size_t t = perm[i];
			perm[i] = perm[swp[i]];
			perm[swp[i]] = t;
		}
		nodes = malloc(maxn * sizeof *nodes);
		box = malloc(maxn * 2 * d * sizeof *box);
		if (!nodes || !box) {
			free(nodes);
			free(box);
			job->failed = 1;
			goto out;
		}
		b.node = nodes;
		b.box = box;
		b.nn = 0;
		/* the root's box; its slot in scratch is past the deepest level */
		{
			double *rootbox = b.scratch + ((size_t)f->limit + 1) * 4 * d;
			size_t j;
			for (j = 0; j < d; j++) {
				rootbox[j] = rootbox[d + j] = b.s[j];
				for (i = 1; i < psi; i++) {
					if (b.s[i * d + j] < rootbox[j])
						rootbox[j] = b.s[i * d + j];
					if (b.s[i * d + j] > rootbox[d + j])
						rootbox[d + j] = b.s[i * d + j];
				}
			}
			grow(&b, b.s, psi, 0, rootbox);
		}
		shrunk = realloc(nodes, b.nn * sizeof *nodes);
		sbox = realloc(box, b.nn * 2 * d * sizeof *box);
		f->tree[k].node = shrunk ? shrunk : nodes;
		f->tree[k].box = sbox ? sbox : box;
		f->tree[k].n = b.nn;
		if (heap_build(&f->tree[k], f->limit, f->d) < 0) {
			job->failed = 1;
			goto out;
		}
	}
out:
	free(perm);
	free(swp);
	sp_rand_free(b.rng);
	free(b.s);
	free(b.cand);
	free(b.scratch);
	return NULL;
}

sp_iforest *
sp_iforest_fit(const double *x, size_t n, size_t d, const sp_iforest_opts *o, sp_error *err)
{
	sp_iforest *f;
	unsigned long *seeds;
	fit_job job[SP_IFOREST_MAXTHREADS];
	pthread_t th[SP_IFOREST_MAXTHREADS];
	int nthr, k, failed = 0;
	size_t i;
	sp_rand *master;

	if (o->trees < 1 || o->trees > MAX_TREES)
		return sp_error_set(err, SP_EUSAGE, "trees: %d not in 1..%d", o->trees, MAX_TREES), NULL;
	if (o->psi < 2 || o->psi > MAX_PSI)
		return sp_error_set(err, SP_EUSAGE, "subsample size %zu not in 2..%zu", o->psi, MAX_PSI), NULL;
	if (d < 1 || d > INT32_MAX)
		return sp_error_set(err, SP_EUSAGE, "no attributes"), NULL;
	if (n < 2)
		return sp_error_set(err, SP_EDATA, "need at least 2 rows to fit a forest, have %zu", n), NULL;
	for (i = 0; i < n * d; i++)
		if (!isfinite(x[i]))
			return sp_error_set(err, SP_EDATA, "row %zu, attribute %zu: not a finite number",
			    i / d + 1, i % d + 1), NULL;
	if (!(f = forest_new(d, o->psi < n ? o->psi : n, o->trees, err)))
		return NULL;
	seeds = malloc((size_t)o->trees * sizeof *seeds);
	master = sp_rand_new(o->seed);
	if (!seeds || !master) {
		free(seeds);
		sp_rand_free(master);
		sp_iforest_free(f);
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	}
	for (k = 0; k < o->trees; k++)
		seeds[k] = (unsigned long)(sp_rand_uniform(master) * 4294967296.0);
	sp_rand_free(master);
	nthr = o->threads < 1 ? 1 : o->threads > SP_IFOREST_MAXTHREADS ? SP_IFOREST_MAXTHREADS : o->threads;
	if (nthr > o->trees)
		nthr = o->trees;
	for (k = 0; k < nthr; k++)
		job[k] = (fit_job){ x, n, f, seeds, nthr, k, 0 };
	for (k = 1; k < nthr; k++)
		if (pthread_create(&th[k], NULL, fit_worker, &job[k]) != 0) {
			job[k].failed = 2;   /* not started: do its share here */
		}
	fit_worker(&job[0]);
	for (k = 1; k < nthr; k++) {
		if (job[k].failed == 2) {
			job[k].failed = 0;
			fit_worker(&job[k]);
		} else
			pthread_join(th[k], NULL);
	}
	for (k = 0; k < nthr; k++)
		failed |= job[k].failed;
	free(seeds);
	if (failed) {
		sp_iforest_free(f);
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	}
	return f;
}

/* ---- scoring ---- */

static double
plain_path(const iftree *t, int L, const double *x)
{
	const ifnode *nd = t->node;
	size_t i = 0;
	int e;

	if (t->hv) {   /* the heap copy: L steps */
		for (e = 0; e < L; e++)
			i = 2 * i + 2 - (x[t->ha[i] / SCORE_BLOCK] < t->hv[i]);
		return t->hv[i];
	}
	while (nd[i].attr >= 0) {
		/* branch-free: which child is a coin toss the predictor loses */
		size_t l = i + 1, r = (size_t)nd[i].right;
		i = r ^ ((l ^ r) & ((size_t)0 - (size_t)(x[nd[i].attr] < nd[i].v)));
	}
	return nd[i].v;
}

/* The range mode: at each node on x's path (depth e), x is isolated with
 * the probability that a cut drawn as the tree draws its cuts, but over the
 * node's box stretched to include x, separates x from the node's rows: the
 * mean over the attributes varying in the stretched box of
 * excess_j / (hi_j - lo_j + excess_j); it then has path length e + 1.
 * Otherwise x follows the tree's own split.  Inside every box this is the
 * plain path length. */
static double
range_path(const sp_iforest *f, const iftree *t, const double *x)
{
	const ifnode *nd = t->node;
	size_t i = 0, j, d = f->d;
	double surv = 1, acc = 0;
	int e = 0;

	for (;;) {
		const double *lo = t->box + i * 2 * d, *hi = lo + d;
		double piso = 0;
		int K = 0;
		for (j = 0; j < d; j++) {
			double ex = x[j] < lo[j] ? lo[j] - x[j] : x[j] > hi[j] ? x[j] - hi[j] : 0;
			if (hi[j] - lo[j] + ex > 0) {
				K++;
				piso += ex / (hi[j] - lo[j] + ex);
			}
		}
		if (K)
			piso /= K;
		if (nd[i].attr < 0)
			return acc + surv * (piso * (e + 1) + (1 - piso) * nd[i].v);
		acc += surv * piso * (e + 1);
		surv *= 1 - piso;
		i = x[nd[i].attr] < nd[i].v ? i + 1 : (size_t)nd[i].right;
		e++;
	}
}

double
sp_iforest_tree_path(const sp_iforest *f, int k, const double *x, int mode)
{
	return mode == SP_IFOREST_RANGE ? range_path(f, &f->tree[k], x) : plain_path(&f->tree[k], f->limit, x);
}

double
sp_iforest_path(const sp_iforest *f, const double *x, int mode)
{
	double s = 0;
	size_t j;
	int k;

	for (j = 0; j < f->d; j++)
		if (isnan(x[j]))
			return NAN;
	if (mode == SP_IFOREST_RANGE)
		for (k = 0; k < f->ntrees; k++)
			s += range_path(f, &f->tree[k], x);
	else
		for (k = 0; k < f->ntrees; k++)
			s += plain_path(&f->tree[k], f->limit, x);
	return s / f->ntrees;
}

double
sp_iforest_score(const sp_iforest *f, const double *x, int mode)
{
	return exp2(-sp_iforest_path(f, x, mode) / f->cpsi);
}

typedef struct {
	const sp_iforest *f;
	const double *x;
	double *out;
	size_t from, to;
	int mode;
} score_job;

/* Each row's sum runs over the trees in order, so the scores are those of
 * sp_iforest_score, bit for bit. */

/* sum[i] += the plain path of row i of x (m rows of d), LANES rows at a
 * time in lockstep: independent chains of loads instead of one. */
static void
plain_paths(const iftree *t, const double *x, size_t d, size_t m, double *sum)
{
	const ifnode *nd = t->node;
	size_t g, r, n, at[LANES];
	int active;

	for (g = 0; g < m; g += LANES) {
		n = m - g < LANES ? m - g : LANES;
		for (r = 0; r < n; r++)
			at[r] = 0;
		do {
			active = 0;
			for (r = 0; r < n; r++) {
				const ifnode *q = &nd[at[r]];
				if (q->attr >= 0) {
					size_t l = at[r] + 1, rt = (size_t)q->right;
					at[r] = rt ^ ((l ^ rt) & ((size_t)0 - (size_t)(x[(g + r) * d + (size_t)q->attr] < q->v)));
					active = 1;
				}
			}
		} while (active);
		for (r = 0; r < n; r++)
			sum[g + r] += nd[at[r]].v;
	}
}

/* The same with the heap copies: L steps for every row, no branch; x goes
 * right when x[q] >= p, as in the preorder tree, except that NaN goes left
 * (a compare and a subtract with borrow; a row with a NaN scores NaN
 * anyway).  xt: the m rows column by column, attribute j of row r at
 * xt[j * SCORE_BLOCK + r]; with one attribute (one = 1), the rows as they
 * are, and each row's value stays in a register. */
static inline void
heap_paths_L(const iftree *t, const double *xt, size_t m, double *sum, int L, int one)
{
	const double *hv = t->hv;
	const size_t *ha = t->ha;
	size_t g, r, i[LANES];
	int e;

	for (g = 0; g + LANES <= m; g += LANES) {
		const double *xg = xt + g;
#pragma GCC unroll 16
		for (r = 0; r < LANES; r++)
			i[r] = 0;
		for (e = 0; e < L; e++)
#pragma GCC unroll 16
			for (r = 0; r < LANES; r++)
				i[r] = 2 * i[r] + 1 + ((one ? xg[r] : xg[ha[i[r]] + r]) >= hv[i[r]]);
#pragma GCC unroll 16
		for (r = 0; r < LANES; r++)
			sum[g + r] += hv[i[r]];
	}
	for (; g < m; g++) {
		size_t k = 0;
		for (e = 0; e < L; e++)
			k = 2 * k + 1 + ((one ? xt[g] : xt[ha[k] + g]) >= hv[k]);
		sum[g] += hv[k];
	}
}

/* heap_paths_L with constants for one attribute and for the default psi,
 * 256 (L = 8) */
static void
heap_paths(const iftree *t, const double *xt, size_t d, size_t m, double *sum, int L)
{
	if (L == 8 && d == 1)
		heap_paths_L(t, xt, m, sum, 8, 1);
	else if (L == 8)
		heap_paths_L(t, xt, m, sum, 8, 0);
	else if (d == 1)
		heap_paths_L(t, xt, m, sum, L, 1);
	else
		heap_paths_L(t, xt, m, sum, L, 0);
}

static void *
score_worker(void *arg)
{
	score_job *jb = arg;
	const sp_iforest *f = jb->f;
	double sum[SCORE_BLOCK], *xt = NULL;
	size_t from, i, j, m, d = f->d;
	int k, heap = f->ntrees > 0 && f->tree[0].hv != NULL;

	/* a block column by column for the heap copies (a row is its own column
	 * with one attribute); without the memory, the preorder trees */
	if (heap && jb->mode != SP_IFOREST_RANGE && d > 1 && !(xt = malloc(d * SCORE_BLOCK * sizeof *xt)))
		heap = 0;
	for (from = jb->from; from < jb->to; from += m) {
		const double *xb = jb->x + from * d;
		m = jb->to - from < SCORE_BLOCK ? jb->to - from : SCORE_BLOCK;
		for (i = 0; i < m; i++)
			sum[i] = 0;
		if (xt)
			for (i = 0; i < m; i++)
				for (j = 0; j < d; j++)
					xt[j * SCORE_BLOCK + i] = xb[i * d + j];
		for (k = 0; k < f->ntrees; k++) {
			const iftree *t = &f->tree[k];
			if (jb->mode == SP_IFOREST_RANGE)
				for (i = 0; i < m; i++)
					sum[i] += range_path(f, t, xb + i * d);
			else if (heap)
				heap_paths(t, xt ? xt : xb, d, m, sum, f->limit);
			else
				plain_paths(t, xb, d, m, sum);
		}
		for (i = 0; i < m; i++) {
			const double *x = xb + i * d;
			for (j = 0; j < d && !isnan(x[j]); j++)
				;
			jb->out[from + i] = j < d ? NAN : exp2(-(sum[i] / f->ntrees) / f->cpsi);
		}
	}
	free(xt);
	return NULL;
}

void
sp_iforest_score_rows(const sp_iforest *f, const double *x, size_t n, double *out, int mode, int threads)
{
	score_job job[SP_IFOREST_MAXTHREADS];
	pthread_t th[SP_IFOREST_MAXTHREADS];
	int started[SP_IFOREST_MAXTHREADS];
	int nthr = threads < 1 ? 1 : threads > SP_IFOREST_MAXTHREADS ? SP_IFOREST_MAXTHREADS : threads, k;

	if ((size_t)nthr > n / 256 + 1)
		nthr = (int)(n / 256 + 1);   /* not worth a thread for a few rows */
	for (k = 0; k < nthr; k++)
		job[k] = (score_job){ f, x, out, n * (size_t)k / (size_t)nthr, n * (size_t)(k + 1) / (size_t)nthr, mode };
	for (k = 1; k < nthr; k++)
		started[k] = pthread_create(&th[k], NULL, score_worker, &job[k]) == 0;
	score_worker(&job[0]);
	for (k = 1; k < nthr; k++) {
		if (started[k])
			pthread_join(th[k], NULL);
		else
			score_worker(&job[k]);   /* no thread: do its share here */
	}
}

/* ---- model files ---- */

int
sp_iforest_save(const sp_iforest *f, sp_model_writer *w, sp_error *err)
{
	char key[32];
	double *v;
	size_t i, maxn = 0, d = f->d;
	int k;

	for (k = 0; k < f->ntrees; k++)
		if (f->tree[k].n > maxn)
			maxn = f->tree[k].n;
	if (!(v = malloc(2 * maxn * (d > 1 ? d : 1) * sizeof *v)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	sp_model_put_long(w, "iforest_dim", (long)d);
	sp_model_put_long(w, "iforest_psi", (long)f->psi);
	sp_model_put_long(w, "iforest_trees", f->ntrees);
	for (k = 0; k < f->ntrees; k++) {
		const iftree *t = &f->tree[k];
		for (i = 0; i < t->n; i++) {
			v[2 * i] = t->node[i].attr;
			v[2 * i + 1] = t->node[i].attr < 0 ? t->node[i].right : t->node[i].v;
		}
		snprintf(key, sizeof key, "tree%d", k);
		sp_model_put_doubles(w, key, 2 * t->n, v);
		snprintf(key, sizeof key, "box%d", k);
		sp_model_put_doubles(w, key, 2 * d * t->n, t->box);
	}
	free(v);
	return 0;
}

typedef struct {
	const sp_iforest *f;
	const double *v;
	size_t nv;          /* pairs */
	ifnode *node;
	const char *path, *key;
	sp_error *err;
} loader;

/* Parse the subtree at pair pos, depth e; returns the next pair or -1. */
static long
parse_node(loader *L, size_t pos, int e)
{
	double a, val;
	long next;

	if (pos >= L->nv)
		return sp_error_set(L->err, SP_EMODEL, "%s: %s: truncated tree (%zu nodes)", L->path, L->key, L->nv), -1;
	a = L->v[2 * pos];
	val = L->v[2 * pos + 1];
	if (a == -1) {
		if (val != floor(val) || val < 0 || val > (double)L->f->psi)
			return sp_error_set(L->err, SP_EMODEL, "%s: %s: node %zu: leaf size %g not an integer in 0..%zu",
			    L->path, L->key, pos, val, L->f->psi), -1;
		L->node[pos] = (ifnode){ e + sp_iforest_c(val), -1, (int32_t)val };
		return (long)pos + 1;
	}
	if (a != floor(a) || a < 0 || a >= (double)L->f->d)
		return sp_error_set(L->err, SP_EMODEL, "%s: %s: node %zu: attribute %g not -1 or in 0..%zu",
		    L->path, L->key, pos, a, L->f->d - 1), -1;
	if (e >= L->f->limit)
		return sp_error_set(L->err, SP_EMODEL, "%s: %s: node %zu: a split below the height limit %d",
		    L->path, L->key, pos, L->f->limit), -1;
	L->node[pos] = (ifnode){ val, (int32_t)a, 0 };
	if ((next = parse_node(L, pos + 1, e + 1)) < 0)
		return -1;
	L->node[pos].right = (int32_t)next;
	return parse_node(L, (size_t)next, e + 1);
}

/* The bounding boxes of tree k: lo <= hi, and each split inside its box. */
static int
load_box(sp_model *m, sp_iforest *f, int k, sp_error *err)
{
	iftree *t = &f->tree[k];
	size_t d = f->d, i, j;
	char key[32];
	long cnt;

	snprintf(key, sizeof key, "box%d", k);
	if ((cnt = sp_model_count(m, key, err)) < 0)
		return -1;
	if ((size_t)cnt != 2 * d * t->n)
		return sp_error_set(err, SP_EMODEL, "%s: %s: %ld values, want %zu (lo, hi of %zu attributes for %zu nodes)",
		    sp_model_path(m), key, cnt, 2 * d * t->n, d, t->n);
	if (!(t->box = malloc(2 * d * t->n * sizeof *t->box)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if (sp_model_get_doubles(m, key, (size_t)cnt, t->box, err) < 0)
		return -1;
	for (i = 0; i < t->n; i++) {
		const double *lo = t->box + 2 * d * i, *hi = lo + d;
		for (j = 0; j < d; j++)
			if (!(lo[j] <= hi[j]))
				return sp_error_set(err, SP_EMODEL, "%s: %s: node %zu: lower bound above the upper one",
				    sp_model_path(m), key, i);
		if (t->node[i].attr >= 0 && !(lo[t->node[i].attr] <= t->node[i].v && t->node[i].v <= hi[t->node[i].attr]))
			return sp_error_set(err, SP_EMODEL, "%s: %s: node %zu: split %.17g outside the box",
			    sp_model_path(m), key, i, t->node[i].v);
	}
	return 0;
}

sp_iforest *
sp_iforest_load(sp_model *m, sp_error *err)
{
	long d, psi, nt, cnt;
	sp_iforest *f;
	double *v = NULL;
	char key[32];
	int k;

	if (sp_model_get_long(m, "iforest_dim", 1, 1000000, &d, err) < 0 ||
	    sp_model_get_long(m, "iforest_psi", 2, (long)MAX_PSI, &psi, err) < 0 ||
	    sp_model_get_long(m, "iforest_trees", 1, MAX_TREES, &nt, err) < 0)
		return NULL;
	if (!(f = forest_new((size_t)d, (size_t)psi, (int)nt, err)))
		return NULL;
	if (!(v = malloc(2 * (2 * (size_t)psi - 1) * sizeof *v))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	for (k = 0; k < f->ntrees; k++) {
		loader L;
		long next;
		snprintf(key, sizeof key, "tree%d", k);
		if ((cnt = sp_model_count(m, key, err)) < 0)
			goto fail;
		if (cnt % 2 != 0 || cnt < 2 || cnt > 2 * (2 * psi - 1)) {
			sp_error_set(err, SP_EMODEL, "%s: %s: %ld values, want an even number in 2..%ld",
			    sp_model_path(m), key, cnt, 2 * (2 * psi - 1));
			goto fail;
		}
		if (sp_model_get_doubles(m, key, (size_t)cnt, v, err) < 0)
			goto fail;
		if (!(f->tree[k].node = malloc((size_t)cnt / 2 * sizeof *f->tree[k].node))) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
		f->tree[k].n = (size_t)cnt / 2;
		L = (loader){ f, v, (size_t)cnt / 2, f->tree[k].node, sp_model_path(m), key, err };
		if ((next = parse_node(&L, 0, 0)) < 0)
			goto fail;
		if ((size_t)next != L.nv) {
			sp_error_set(err, SP_EMODEL, "%s: %s: %zu values after the tree's %ld nodes",
			    sp_model_path(m), key, 2 * (L.nv - (size_t)next), next);
			goto fail;
		}
		if (load_box(m, f, k, err) < 0)
			goto fail;
		if (heap_build(&f->tree[k], f->limit, f->d) < 0) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
	}
	free(v);
	return f;
fail:
	free(v);
	sp_iforest_free(f);
	return NULL;
}
