/* sp_mlp: dense layers forward and backward (see sp_mlp.h).
 * Caches the pre-activations z_l and outputs a_l of every layer; backward
 * is the chain rule layer by layer with three matrix products each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_mlp.h"
#include "sp_nn.h"

struct sp_mlp_work {
	int bmax;
	double *z[SP_MLP_MAXLAYER];   /* (bmax, size[l+1]) pre-activations */
	double *a[SP_MLP_MAXLAYER];   /* (bmax, size[l+1]) outputs */
	double *d0, *d1;              /* (bmax, widest) backward scratch */
	const double *x;
	int B;
};

static const char *const act_names[] = { "linear", "relu", "hardswish", "tanh" };

const char *
sp_mlp_act_name(sp_mlp_act a)
{
	return (unsigned)a < 4 ? act_names[a] : "?";
}

int
sp_mlp_act_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, act_names[i]) == 0)
			return i;
	return -1;
}

double
sp_mlp_act_f(sp_mlp_act a, double z)
{
	switch (a) {
	case SP_MLP_RELU: return z > 0 ? z : 0;
	case SP_MLP_HARDSWISH: return z <= -3 ? 0 : z >= 3 ? z : z * (z + 3) / 6;
	case SP_MLP_TANH: return tanh(z);
	default: return z;
	}
}

double
sp_mlp_act_df(sp_mlp_act a, double z)
{
	switch (a) {
	case SP_MLP_RELU: return z > 0 ? 1 : 0;
	/* PyTorch's hardswish_backward: 0 below -3, 1 above 3, (2z+3)/6 between. */
	case SP_MLP_HARDSWISH: return z < -3 ? 0 : z <= 3 ? (2 * z + 3) / 6 : 1;
	case SP_MLP_TANH: { double t = tanh(z); return 1 - t * t; }
	default: return 1;
	}
}

int
sp_mlp_check(const sp_mlp_dims *d)
{
	if (!d || d->nlayer < 1 || d->nlayer > SP_MLP_MAXLAYER)
		return -1;
	for (int l = 0; l <= d->nlayer; l++)
		if (d->size[l] < 1 || d->size[l] > (1 << 20))
			return -1;
	for (int l = 0; l < d->nlayer; l++)
		if ((unsigned)d->act[l] > SP_MLP_TANH)
			return -1;
	return 0;
}

size_t
sp_mlp_w_offset(const sp_mlp_dims *d, int l)
{
	size_t off = 0;
	for (int i = 0; i < l; i++)
		off += (size_t)d->size[i + 1] * ((size_t)d->size[i] + 1);
	return off;
}

size_t
sp_mlp_b_offset(const sp_mlp_dims *d, int l)
{
	return sp_mlp_w_offset(d, l) + (size_t)d->size[l + 1] * (size_t)d->size[l];
}

size_t
sp_mlp_nparams(const sp_mlp_dims *d)
{
	return sp_mlp_w_offset(d, d->nlayer);
}

void
sp_mlp_init(const sp_mlp_dims *d, double *params, double out_gain,
    double (*uniform)(void *), void *state)
{
	for (int l = 0; l < d->nlayer; l++) {
		double k = 1 / sqrt((double)d->size[l]);
		double *w = params + sp_mlp_w_offset(d, l);
		size_t n = (size_t)d->size[l + 1] * ((size_t)d->size[l] + 1);
		for (size_t i = 0; i < n; i++)
			w[i] = (2 * uniform(state) - 1) * k;
		if (l == d->nlayer - 1)
			for (size_t i = 0; i < (size_t)d->size[l + 1] * (size_t)d->size[l]; i++)
				w[i] *= out_gain;
	}
}

sp_mlp_work *
sp_mlp_work_new(const sp_mlp_dims *d, int bmax)
{
	sp_mlp_work *w;
	int wide = 0;

	if (sp_mlp_check(d) < 0 || bmax < 1 || !(w = calloc(1, sizeof *w)))
		return NULL;
	w->bmax = bmax;
	for (int l = 0; l <= d->nlayer; l++)
		if (d->size[l] > wide)
			wide = d->size[l];
	for (int l = 0; l < d->nlayer; l++) {
		size_t n = (size_t)bmax * (size_t)d->size[l + 1];
		w->z[l] = malloc(n * sizeof(double));
		w->a[l] = malloc(n * sizeof(double));
		if (!w->z[l] || !w->a[l])
			goto fail;
	}
	w->d0 = malloc((size_t)bmax * (size_t)wide * sizeof(double));
	w->d1 = malloc((size_t)bmax * (size_t)wide * sizeof(double));
	if (!w->d0 || !w->d1)
		goto fail;
	return w;
fail:
	sp_mlp_work_free(w);
	return NULL;
}

void
sp_mlp_work_free(sp_mlp_work *w)
{
	if (!w)
		return;
	for (int l = 0; l < SP_MLP_MAXLAYER; l++) {
		free(w->z[l]);
		free(w->a[l]);
	}
	free(w->d0);
	free(w->d1);
	free(w);
}

void
sp_mlp_forward(const sp_mlp_dims *d, const double *params, sp_mlp_work *w,
    const double *x, int B, double *out)
{
	const double *in = x;

	w->x = x;
	w->B = B;
	for (int l = 0; l < d->nlayer; l++) {
		int ni = d->size[l], no = d->size[l + 1];
		const double *W = params + sp_mlp_w_offset(d, l), *b = params + sp_mlp_b_offset(d, l);
		double *z = w->z[l], *a = w->a[l];
		for (int r = 0; r < B; r++)
			memcpy(z + (size_t)r * no, b, (size_t)no * sizeof(double));
		/* z (B, no) += in (B, ni) W^T */
		sp_nn_gemm(0, 1, B, no, ni, 1.0, in, ni, W, ni, 1.0, z, no);
		for (size_t i = 0; i < (size_t)B * (size_t)no; i++)
			a[i] = sp_mlp_act_f(d->act[l], z[i]);
		in = a;
	}
	memcpy(out, in, (size_t)B * (size_t)d->size[d->nlayer] * sizeof(double));
}

void
sp_mlp_backward(const sp_mlp_dims *d, const double *params, sp_mlp_work *w,
    const double *dout, double *grad, double *dx)
{
	int B = w->B, L = d->nlayer;
	double *da = w->d0, *dz = w->d1;

	memcpy(da, dout, (size_t)B * (size_t)d->size[L] * sizeof(double));
	for (int l = L - 1; l >= 0; l--) {
		int ni = d->size[l], no = d->size[l + 1];
		const double *in = l ? w->a[l - 1] : w->x;
		const double *W = params + sp_mlp_w_offset(d, l);
		double *gW = grad + sp_mlp_w_offset(d, l), *gb = grad + sp_mlp_b_offset(d, l);
		const double *z = w->z[l];

		for (size_t i = 0; i < (size_t)B * (size_t)no; i++)
			dz[i] = da[i] * sp_mlp_act_df(d->act[l], z[i]);
		for (int r = 0; r < B; r++)
			for (int j = 0; j < no; j++)
				gb[j] += dz[(size_t)r * no + j];
		/* gW (no, ni) += dz^T (no, B) in (B, ni) */
		sp_nn_gemm(1, 0, no, ni, B, 1.0, dz, no, in, ni, 1.0, gW, ni);
		if (l > 0 || dx) {
			/* d in (B, ni) = dz (B, no) W (no, ni); da is free to reuse */
			double *dst = l ? da : dx;
			sp_nn_gemm(0, 0, B, ni, no, 1.0, dz, no, W, ni, 0.0, dst, ni);
		}
	}
}
