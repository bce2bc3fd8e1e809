/* sp_mlp: small dense networks (multi-layer perceptrons) with backprop.
 *
 * A chain of 1..SP_MLP_MAXLAYER dense layers, each y = act(x W^T + b):
 *
 *     x (nin) -> [W_1 (n_1, nin), b_1] act_1 -> ... -> [W_L (nout, n_{L-1}), b_L] act_L
 *
 * Activations: ReLU, Hardswish (x * relu6(x + 3) / 6, PyTorch's, with its
 * derivative (2x + 3) / 6 on [-3, 3]), tanh, and identity (the output
 * layer of a policy or value head).  It is what a PPO actor or critic
 * needs and nothing more: no convolutions, no normalisation layers.
 *
 * Memory: all parameters in one contiguous double buffer, layer by layer,
 * W_l (row-major, n_l x n_{l-1}) then b_l; gradients use the same layout,
 * so Adam, clipping and saving are single loops.  Batches are row-major
 * (B rows of nin features).  Every product goes through sp_nn_gemm, the
 * suite's one CBLAS wrapper.
 *
 * Ownership: sp_mlp_work_new / sp_mlp_work_free pair up; free accepts
 * NULL.  Nothing here prints or exits; nothing fails once the workspace
 * exists.
 */
#ifndef SP_MLP_H
#define SP_MLP_H

#include <stddef.h>

#define SP_MLP_MAXLAYER 8

typedef enum { SP_MLP_LINEAR = 0, SP_MLP_RELU, SP_MLP_HARDSWISH, SP_MLP_TANH } sp_mlp_act;

typedef struct {
	int nlayer;                         /* dense layers, 1..SP_MLP_MAXLAYER */
	int size[SP_MLP_MAXLAYER + 1];      /* size[0] = nin, size[nlayer] = nout */
	sp_mlp_act act[SP_MLP_MAXLAYER];    /* activation after layer l */
} sp_mlp_dims;

/* Activation names ("linear", "relu", "hardswish", "tanh") and back;
 * sp_mlp_act_parse returns -1 for an unknown name. */
const char *sp_mlp_act_name(sp_mlp_act a);
int sp_mlp_act_parse(const char *s);
/* Activation and its derivative at pre-activation z. */
double sp_mlp_act_f(sp_mlp_act a, double z);
double sp_mlp_act_df(sp_mlp_act a, double z);

/* 0 when d is well formed (1..MAXLAYER layers, every size >= 1 and at most
 * 1 << 20, known activations), -1 otherwise. */
int sp_mlp_check(const sp_mlp_dims *d);
size_t sp_mlp_nparams(const sp_mlp_dims *d);
/* Offsets of W_l and b_l (l = 0..nlayer-1) in the parameter buffer. */
size_t sp_mlp_w_offset(const sp_mlp_dims *d, int l);
size_t sp_mlp_b_offset(const sp_mlp_dims *d, int l);

/* PyTorch's nn.Linear default: W and b uniform in (-1/sqrt(fan_in),
 * 1/sqrt(fan_in)).  The output layer's weights are then multiplied by
 * out_gain (e.g. 0.01 for a policy head, so the initial policy is close to
 * uniform; 1 leaves them).  uniform() returns [0,1) from state. */
void sp_mlp_init(const sp_mlp_dims *d, double *params, double out_gain,
    double (*uniform)(void *), void *state);

typedef struct sp_mlp_work sp_mlp_work;
/* Workspace for batches of up to bmax rows; NULL on allocation failure. */
sp_mlp_work *sp_mlp_work_new(const sp_mlp_dims *d, int bmax);
void sp_mlp_work_free(sp_mlp_work *w);

/* Forward pass of B <= bmax rows x (B, nin) -> out (B, nout).  The
 * activations stay in w for sp_mlp_backward; x must stay unchanged until
 * then (it is not copied). */
void sp_mlp_forward(const sp_mlp_dims *d, const double *params, sp_mlp_work *w,
    const double *x, int B, double *out);

/* After sp_mlp_forward with the same w and B: given dout (B, nout) =
 * dLoss/dout, ADD dLoss/dparams into grad (layout of params).  dx (B, nin)
 * gets dLoss/dx when not NULL. */
void sp_mlp_backward(const sp_mlp_dims *d, const double *params, sp_mlp_work *w,
    const double *dout, double *grad, double *dx);

#endif
