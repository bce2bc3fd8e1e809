/* sp_nn: recurrent layers (LSTM, GRU), a dense head, Adam, on CBLAS.
 *
 * A stack of 1..SP_NN_MAXLAYER recurrent layers of the same cell type,
 * followed by a dense layer on the top layer's last hidden state:
 *
 *     x (T steps of nin features) -> L x {LSTM|GRU}(nhid) -> h_T -> W_out h_T + b_out (nout)
 *
 * The cells follow PyTorch's nn.LSTM / nn.GRU exactly (gate order i,f,g,o
 * and r,z,n; two bias vectors per layer; GRU's r multiplies W_hn h + b_hn),
 * so weights copied from PyTorch give the same outputs.  Zero initial state.
 *
 * Float type: double throughout.  At the sizes this suite uses (hidden
 * <= 128, batches of 64) the time goes to per-step kernels and memory
 * traffic rather than to FLOPs, so float buys little, while double makes
 * finite-difference gradient checks exact to ~1e-7, matches the rest of
 * the suite (GSL, AR, planning) and round-trips through %.17g model files.
 *
 * Memory: every trainable parameter lives in one contiguous double buffer
 * (layout below); gradients use the same layout, so Adam, clipping and
 * saving are single loops.  Layout, for each layer l (G = 4 for LSTM, 3
 * for GRU, I_0 = nin, I_l = nhid above):
 *     w_ih (G*nhid, I_l), w_hh (G*nhid, nhid), b_ih (G*nhid), b_hh (G*nhid)
 * then w_out (nout, nhid), b_out (nout).  Matrices are row-major.
 *
 * Inputs are time-major: x[(t*B + b)*nin + k] for step t, batch row b.
 * All matrix products go through sp_nn_gemm (cblas_dgemm).  No function
 * here prints, exits or fails once its workspace exists.
 *
 * Ownership: sp_nn_work_new/sp_nn_work_free and sp_nn_adam_new/
 * sp_nn_adam_free pair up; the free functions accept NULL.
 */
#ifndef SP_NN_H
#define SP_NN_H

#include <stddef.h>

#define SP_NN_MAXLAYER 4

typedef enum { SP_NN_LSTM = 0, SP_NN_GRU = 1 } sp_nn_cell;

typedef struct {
	sp_nn_cell cell;
	int nin;     /* input features per step */
	int nhid;    /* hidden size */
	int nlayer;  /* 1..SP_NN_MAXLAYER */
	int nout;    /* outputs of the dense head */
} sp_nn_dims;

/* Pointers into a parameter (or gradient) buffer. */
typedef struct {
	struct {
		double *w_ih, *w_hh, *b_ih, *b_hh;
	} layer[SP_NN_MAXLAYER];
	double *w_out, *b_out;
} sp_nn_params;

/* Gates per cell: 4 for LSTM, 3 for GRU. */
int sp_nn_gates(sp_nn_cell cell);
/* Total number of parameters. */
size_t sp_nn_nparams(const sp_nn_dims *d);
/* Point p's fields into buf (which holds sp_nn_nparams(d) doubles). */
void sp_nn_point(const sp_nn_dims *d, double *buf, sp_nn_params *p);
/* PyTorch's default initialisation: every parameter uniform in
 * (-1/sqrt(nhid), 1/sqrt(nhid)); the LSTM forget-gate biases are then set
 * to 1 in b_ih (a common choice that helps long windows). `uniform` returns
 * values in [0,1) from the caller's generator state. */
void sp_nn_init(const sp_nn_dims *d, double *params, double (*uniform)(void *), void *state);

/* Row-major C(m,n) = alpha * op(A) op(B) + beta * C, op = transpose when
 * ta/tb is non-zero; lda/ldb/ldc are row strides of the stored matrices.
 * The one place that calls CBLAS. */
void sp_nn_gemm(int ta, int tb, int m, int n, int k, double alpha,
    const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc);

/* Set the number of BLAS threads (0: leave the library's default). */
void sp_nn_threads(int n);

/* exp(x) for x in [-700, 700] as the gates compute it (within 2 ulp of
 * libm's); NaN gives NaN. */
double sp_nn_exp(double x);

/* ---- forward and backward ---- */
typedef struct sp_nn_work sp_nn_work;

/* Workspace (activation caches) for T steps and up to bmax rows.  NULL on
 * allocation failure. */
sp_nn_work *sp_nn_work_new(const sp_nn_dims *d, int T, int bmax);
void sp_nn_work_free(sp_nn_work *w);

/* Forward pass of B <= bmax rows: x (T, B, nin) -> out (B, nout).  The
 * activations stay cached in w for sp_nn_backward; x must stay unchanged
 * until then (it is not copied). */
void sp_nn_forward(const sp_nn_dims *d, const double *params, sp_nn_work *w,
    const double *x, int B, double *out);

/* Backward pass after sp_nn_forward with the same w: given dout (B, nout)
 * = dLoss/dout, ADD dLoss/dparams into grad (layout of params).  If dx is
 * not NULL, dLoss/dx (T, B, nin) is written there. */
void sp_nn_backward(const sp_nn_dims *d, const double *params, sp_nn_work *w,
    const double *dout, double *grad, double *dx);

/* Cached hidden state h_t (B, nhid) of layer l after sp_nn_forward, and
 * for LSTM the cell state c_t (NULL for GRU).  Valid until the next call. */
const double *sp_nn_hidden(const sp_nn_work *w, int l, int t);
const double *sp_nn_cellstate(const sp_nn_work *w, int l, int t);

/* ---- optimisation ---- */
/* Scale g[n] so that its Euclidean norm is at most maxnorm (maxnorm <= 0:
 * no clipping).  Returns the norm before clipping. */
double sp_nn_clip(double *g, size_t n, double maxnorm);

typedef struct sp_nn_adam sp_nn_adam;
/* Adam (Kingma & Ba 2015, with bias correction) for n parameters. */
sp_nn_adam *sp_nn_adam_new(size_t n, double lr, double beta1, double beta2, double eps);
void sp_nn_adam_free(sp_nn_adam *a);
void sp_nn_adam_step(sp_nn_adam *a, double *params, const double *grad);

#endif
