/* sp_iforest: Isolation Forest (Liu, Ting and Zhou, ICDM 2008; TKDD 2012).
 *
 * Each of t trees is grown on psi rows drawn without replacement from the
 * n training rows (psi = min(psi, n)).  A node with at least two rows and
 * depth below the height limit ceil(log2 psi) picks a split attribute
 * uniformly among those not constant on its rows and a split value
 * uniformly between their minimum and maximum; x goes left when x[q] < p.
 * A node with one row, at the height limit, or whose rows are all equal is a
 * leaf with its row count `size`.
 *
 * The path length of x in a tree is the depth e of the leaf it reaches plus
 * c(size), the average path length of an unsuccessful search in a binary
 * search tree of `size` keys:
 *     c(n) = 2 (ln(n - 1) + 0.5772156649...) - 2 (n - 1) / n  for n > 2,
 *     c(2) = 1, c(n) = 0 for n <= 1
 * (TKDD 2012, eq. 1, and scikit-learn).  The anomaly score is
 *     s(x) = 2^(-E[h(x)] / c(psi)),
 * in (0, 1]: near 1 an anomaly, well below 0.5 a normal point.
 *
 * Randomness: tree k draws from its own mt19937 (sp_rand) seeded with the
 * k-th number of a generator seeded with opts.seed, so the forest depends
 * on the data, psi, t and the seed only, never on the number of threads.
 * Trees are built by opts.threads POSIX threads; sp_iforest_score_rows
 * splits rows among threads the same way.
 *
 * The range mode (SP_IFOREST_RANGE) scores rows the forest has not seen
 * with the same trees, but lets a row outside a node's bounding box (of the
 * node's training rows) be isolated at that node: with the probability that
 * a cut, drawn as the tree draws them but over the box stretched to include
 * the row, falls between the row and the box (the mean over the attributes
 * that vary in the stretched box of excess / stretched range), the row's
 * path ends there, at depth e + 1; otherwise it follows the tree's split.
 * A plain Isolation Forest gives a row beyond the range of the training rows
 * the path of the most extreme training row, however far out it lies; in
 * the range mode the path shortens with the distance, as in a Random Cut
 * Forest (Guha et al. 2016), where the scored point joins the sample.  For a
 * row inside every box on its path both modes agree.
 *
 * Model files (sp_model.h): sp_iforest_save writes the keys
 * `iforest_dim`, `iforest_psi`, `iforest_trees`, then per tree `tree<k>`,
 * the nodes in preorder as pairs (attribute, value): attribute -1 with the
 * leaf size, or the split attribute with the split value, and `box<k>`, per
 * node the lower and upper bounds of its rows on each attribute.
 * sp_iforest_load reads them back strictly (a tree that does not parse to
 * exactly its values, an attribute out of range, a size that is not an
 * integer in 0..psi, a tree deeper than the height limit, a box of the wrong
 * size, upside down or not holding its split is an error naming the file and
 * key).
 *
 * Scoring: for a height limit up to 10 (psi <= 1024) each tree also has a
 * heap-ordered scoring copy (24 * 2^limit bytes) that every row walks in
 * exactly `limit` steps without a branch; a block of rows goes through one
 * tree at a time, and each row's path lengths are summed in tree order, so
 * sp_iforest_score_rows and sp_iforest_score give the scores of a walk down
 * the trees node by node, bit for bit.
 *
 * Ownership: the forest owns its nodes; the caller's rows are only read.
 * Errors: SP_EUSAGE for impossible options, SP_EDATA for a non-finite value,
 * SP_ENOMEM, SP_EMODEL (load).
 */
#ifndef SP_IFOREST_H
#define SP_IFOREST_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_model.h"

typedef struct {
	int trees;            /* t [100] */
	size_t psi;           /* subsample size [256] */
	unsigned long seed;   /* [1] */
	int threads;          /* threads to build (and score) with [1] */
} sp_iforest_opts;

typedef struct sp_iforest sp_iforest;

#define SP_IFOREST_MAXTHREADS 256

void sp_iforest_defaults(sp_iforest_opts *o);

/* c(n) above; n may be any real >= 0. */
double sp_iforest_c(double n);

/* Fit on n rows of d finite values (row-major x[i * d + j]); n >= 1, d >= 1. */
sp_iforest *sp_iforest_fit(const double *x, size_t n, size_t d, const sp_iforest_opts *o, sp_error *err);
void sp_iforest_free(sp_iforest *f);

size_t sp_iforest_dim(const sp_iforest *f);
size_t sp_iforest_psi(const sp_iforest *f);     /* the psi used: min(psi, n) */
int sp_iforest_ntrees(const sp_iforest *f);

/* Path lengths: SP_IFOREST_PLAIN is Liu et al.'s (and scikit-learn's);
 * SP_IFOREST_RANGE also lets a row outside a node's box be isolated there
 * (see above). */
enum { SP_IFOREST_PLAIN = 0, SP_IFOREST_RANGE = 1 };

/* Mean path length E[h(x)] over the trees, and the score 2^(-E[h]/c(psi)),
 * of one row of d values (NaN in, NaN out). */
double sp_iforest_path(const sp_iforest *f, const double *x, int mode);
double sp_iforest_score(const sp_iforest *f, const double *x, int mode);
/* Path length of x in tree k alone. */
double sp_iforest_tree_path(const sp_iforest *f, int k, const double *x, int mode);
/* Scores of n rows into out[n], in `threads` threads. */
void sp_iforest_score_rows(const sp_iforest *f, const double *x, size_t n, double *out, int mode, int threads);

/* Write the forest's keys; SP_ENOMEM (nothing written) when out of memory. */
int sp_iforest_save(const sp_iforest *f, sp_model_writer *w, sp_error *err);
sp_iforest *sp_iforest_load(sp_model *m, sp_error *err);

#endif
