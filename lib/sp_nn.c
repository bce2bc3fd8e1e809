/* sp_nn: LSTM/GRU stacks with a dense head, forward + backward, Adam.
 *
 * Plain loops for the element-wise gate arithmetic, one GEMM wrapper for
 * every matrix product.  The input projections of all T steps are one GEMM
 * (T*B rows), the recurrent products one GEMM per step, and the weight
 * gradients are accumulated once per layer over all steps.  No threading of
 * our own: OpenBLAS threads the GEMMs.
 */
#include "sp_nn.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sp_nn_work {
	sp_nn_dims d;
	int T, bmax, B;
	const double *x;
	double *h[SP_NN_MAXLAYER];   /* (T, B, H) hidden states */
	double *c[SP_NN_MAXLAYER];   /* LSTM: (T, B, H) cell states */
	double *tc[SP_NN_MAXLAYER];  /* LSTM: tanh(c) */
	double *g[SP_NN_MAXLAYER];   /* (T, B, G*H) activated gates (i,f,g,o or r,z,n) */
	double *ghn[SP_NN_MAXLAYER]; /* GRU: (T, B, H) W_hn h + b_hn */
	double *dg, *dgh;            /* (T, B, G*H) pre-activation gradients */
	double *dh, *dxl;            /* (T, B, H) gradient w.r.t. a layer's outputs */
	double *dhn, *dcn;           /* (B, H) recurrent gradients */
	double *gh;                  /* GRU: (B, G*H) recurrent product */
};

int
sp_nn_gates(sp_nn_cell cell)
{
	return cell == SP_NN_GRU ? 3 : 4;
}

size_t
sp_nn_nparams(const sp_nn_dims *d)
{
	size_t G = (size_t)sp_nn_gates(d->cell), H = (size_t)d->nhid, n = 0;
	for (int l = 0; l < d->nlayer; l++) {
		size_t NI = l == 0 ? (size_t)d->nin : H;
		n += G * H * NI + G * H * H + 2 * G * H;
	}
	return n + (size_t)d->nout * H + (size_t)d->nout;
}

void
sp_nn_point(const sp_nn_dims *d, double *buf, sp_nn_params *p)
{
	size_t G = (size_t)sp_nn_gates(d->cell), H = (size_t)d->nhid;
	memset(p, 0, sizeof *p);
	for (int l = 0; l < d->nlayer; l++) {
		size_t NI = l == 0 ? (size_t)d->nin : H;
		p->layer[l].w_ih = buf, buf += G * H * NI;
		p->layer[l].w_hh = buf, buf += G * H * H;
		p->layer[l].b_ih = buf, buf += G * H;
		p->layer[l].b_hh = buf, buf += G * H;
	}
	p->w_out = buf, buf += (size_t)d->nout * H;
	p->b_out = buf;
}

void
sp_nn_init(const sp_nn_dims *d, double *params, double (*uniform)(void *), void *state)
{
	size_t n = sp_nn_nparams(d);
	double k = 1 / sqrt((double)d->nhid);
	sp_nn_params p;

	for (size_t i = 0; i < n; i++)
		params[i] = (2 * uniform(state) - 1) * k;
	if (d->cell == SP_NN_LSTM) {
		sp_nn_point(d, params, &p);
		for (int l = 0; l < d->nlayer; l++)
			for (int j = 0; j < d->nhid; j++) {
				p.layer[l].b_ih[d->nhid + j] = 1;
				p.layer[l].b_hh[d->nhid + j] = 0;
			}
	}
}

void
sp_nn_gemm(int ta, int tb, int m, int n, int k, double alpha,
    const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc)
{
	if (m <= 0 || n <= 0)
		return;
	if (k <= 0) {
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++)
				c[(size_t)i * ldc + j] = beta == 0 ? 0 : beta * c[(size_t)i * ldc + j];
		return;
	}
	if (m == 1) {
		/* one row (single-window prediction): GEMV, much cheaper than OpenBLAS's GEMM setup */
		if (tb)   /* c = B a, B stored (n, k) */
			cblas_dgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);
		else      /* c = B^T a, B stored (k, n) */
			cblas_dgemv(CblasRowMajor, CblasTrans, k, n, alpha, b, ldb, a, ta ? lda : 1, beta, c, 1);
		return;
	}
	cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
	    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
sp_nn_threads(int n)
{
	if (n > 0)
		openblas_set_num_threads(n);
}

/* Both through exp(): glibc's exp is several times faster than its tanh,
 * and the gate non-linearities are most of the forward time.  tanh(x) =
 * 2 sigm(2x) - 1 loses nothing that matters here (absolute error ~1e-16). */
static inline double
sigm(double x)
{
	return 1 / (1 + exp(-x));
}

static inline double
tanh_(double x)
{
	return 2 / (1 + exp(-2 * x)) - 1;
}

/* ---- workspace ---- */
void
sp_nn_work_free(sp_nn_work *w)
{
	if (!w)
		return;
	for (int l = 0; l < SP_NN_MAXLAYER; l++) {
		free(w->h[l]), free(w->c[l]), free(w->tc[l]);
		free(w->g[l]), free(w->ghn[l]);
	}
	free(w->dg), free(w->dgh), free(w->dh), free(w->dxl);
	free(w->dhn), free(w->dcn), free(w->gh);
	free(w);
}

sp_nn_work *
sp_nn_work_new(const sp_nn_dims *d, int T, int bmax)
{
	sp_nn_work *w;
	size_t H = (size_t)d->nhid, GH = (size_t)sp_nn_gates(d->cell) * H;
	size_t TB = (size_t)T * (size_t)bmax;
	int ok = 1;

	if (d->nlayer < 1 || d->nlayer > SP_NN_MAXLAYER || T < 1 || bmax < 1 ||
	    d->nin < 1 || d->nhid < 1 || d->nout < 1)
		return NULL;
	if (!(w = calloc(1, sizeof *w)))
		return NULL;
	w->d = *d, w->T = T, w->bmax = bmax;
	for (int l = 0; l < d->nlayer; l++) {
		ok &= (w->h[l] = malloc(TB * H * sizeof(double))) != NULL;
		ok &= (w->g[l] = malloc(TB * GH * sizeof(double))) != NULL;
		if (d->cell == SP_NN_LSTM) {
			ok &= (w->c[l] = malloc(TB * H * sizeof(double))) != NULL;
			ok &= (w->tc[l] = malloc(TB * H * sizeof(double))) != NULL;
		} else
			ok &= (w->ghn[l] = malloc(TB * H * sizeof(double))) != NULL;
	}
	ok &= (w->dg = malloc(TB * GH * sizeof(double))) != NULL;
	if (d->cell == SP_NN_GRU)
		ok &= (w->dgh = malloc(TB * GH * sizeof(double))) != NULL;
	ok &= (w->dh = malloc(TB * H * sizeof(double))) != NULL;
	ok &= (w->dxl = malloc(TB * H * sizeof(double))) != NULL;
	ok &= (w->dhn = malloc((size_t)bmax * H * sizeof(double))) != NULL;
	ok &= (w->dcn = malloc((size_t)bmax * H * sizeof(double))) != NULL;
	ok &= (w->gh = malloc((size_t)bmax * GH * sizeof(double))) != NULL;
	if (!ok) {
		sp_nn_work_free(w);
		return NULL;
	}
	return w;
}

const double *
sp_nn_hidden(const sp_nn_work *w, int l, int t)
{
	return w->h[l] + (size_t)t * w->B * w->d.nhid;
}

const double *
sp_nn_cellstate(const sp_nn_work *w, int l, int t)
{
	return w->c[l] ? w->c[l] + (size_t)t * w->B * w->d.nhid : NULL;
}

/* ---- forward ---- */
/* LSTM (PyTorch): i,f,o = sigm(.), g = tanh(.), c' = f c + i g, h' = o tanh(c'). */
static void
lstm_forward(sp_nn_work *w, int l, const double *X, int NI, const sp_nn_params *p)
{
	int T = w->T, B = w->B, H = w->d.nhid, GH = 4 * H;
	double *G = w->g[l], *hs = w->h[l], *cs = w->c[l], *tcs = w->tc[l];
	const double *bi = p->layer[l].b_ih, *bh = p->layer[l].b_hh;

	sp_nn_gemm(0, 1, T * B, GH, NI, 1, X, NI, p->layer[l].w_ih, NI, 0, G, GH);
	for (size_t r = 0; r < (size_t)T * B; r++)
		for (int j = 0; j < GH; j++)
			G[r * GH + j] += bi[j] + bh[j];
	for (int t = 0; t < T; t++) {
		double *gt = G + (size_t)t * B * GH;
		double *ht = hs + (size_t)t * B * H, *ct = cs + (size_t)t * B * H;
		double *tct = tcs + (size_t)t * B * H;
		const double *cp = t > 0 ? ct - (size_t)B * H : NULL;
		if (t > 0)
			sp_nn_gemm(0, 1, B, GH, H, 1, ht - (size_t)B * H, H, p->layer[l].w_hh, H, 1, gt, GH);
		for (int b = 0; b < B; b++) {
			double *a = gt + (size_t)b * GH;
			for (int j = 0; j < H; j++) {
				size_t k = (size_t)b * H + j;
				double i = sigm(a[j]), f = sigm(a[H + j]);
				double g = tanh_(a[2 * H + j]), o = sigm(a[3 * H + j]);
				double c = i * g + (cp ? f * cp[k] : 0);
				a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
				ct[k] = c;
				tct[k] = tanh_(c);
				ht[k] = o * tct[k];
			}
		}
	}
}

/* GRU (PyTorch): r,z = sigm(W_i x + b_i + W_h h + b_h),
 * n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h. */
static void
gru_forward(sp_nn_work *w, int l, const double *X, int NI, const sp_nn_params *p)
{
	int T = w->T, B = w->B, H = w->d.nhid, GH = 3 * H;
	double *G = w->g[l], *hs = w->h[l], *gh = w->gh;
	const double *bi = p->layer[l].b_ih, *bh = p->layer[l].b_hh;

	sp_nn_gemm(0, 1, T * B, GH, NI, 1, X, NI, p->layer[l].w_ih, NI, 0, G, GH);
	for (size_t r = 0; r < (size_t)T * B; r++)
		for (int j = 0; j < GH; j++)
			G[r * GH + j] += bi[j];
	for (int t = 0; t < T; t++) {
		double *gt = G + (size_t)t * B * GH, *ht = hs + (size_t)t * B * H;
		double *ghn = w->ghn[l] + (size_t)t * B * H;
		const double *hp = t > 0 ? ht - (size_t)B * H : NULL;
		for (int b = 0; b < B; b++)
			memcpy(gh + (size_t)b * GH, bh, (size_t)GH * sizeof(double));
		if (hp)
			sp_nn_gemm(0, 1, B, GH, H, 1, hp, H, p->layer[l].w_hh, H, 1, gh, GH);
		for (int b = 0; b < B; b++) {
			double *a = gt + (size_t)b * GH, *e = gh + (size_t)b * GH;
			for (int j = 0; j < H; j++) {
				size_t k = (size_t)b * H + j;
				double r = sigm(a[j] + e[j]), z = sigm(a[H + j] + e[H + j]);
				double n = tanh_(a[2 * H + j] + r * e[2 * H + j]);
				a[j] = r, a[H + j] = z, a[2 * H + j] = n;
				ghn[k] = e[2 * H + j];
				ht[k] = (1 - z) * n + (hp ? z * hp[k] : 0);
			}
		}
	}
}

void
sp_nn_forward(const sp_nn_dims *d, const double *params, sp_nn_work *w,
    const double *x, int B, double *out)
{
	sp_nn_params p;
	int H = d->nhid, L = d->nlayer;
	const double *hT;

	sp_nn_point(d, (double *)params, &p);
	w->B = B, w->x = x;
	for (int l = 0; l < L; l++) {
		const double *X = l == 0 ? x : w->h[l - 1];
		int NI = l == 0 ? d->nin : H;
		if (d->cell == SP_NN_LSTM)
			lstm_forward(w, l, X, NI, &p);
		else
			gru_forward(w, l, X, NI, &p);
	}
	hT = w->h[L - 1] + (size_t)(w->T - 1) * B * H;
	sp_nn_gemm(0, 1, B, d->nout, H, 1, hT, H, p.w_out, H, 0, out, d->nout);
	for (int b = 0; b < B; b++)
		for (int j = 0; j < d->nout; j++)
			out[(size_t)b * d->nout + j] += p.b_out[j];
}

/* ---- backward ---- */
static void
colsum_add(const double *m, size_t rows, int cols, double *acc)
{
	for (size_t r = 0; r < rows; r++)
		for (int j = 0; j < cols; j++)
			acc[j] += m[r * cols + j];
}

/* Fills w->dg with dLoss/d(pre-activation gates) given w->dh. */
static void
lstm_backward_steps(sp_nn_work *w, int l, const sp_nn_params *p)
{
	int T = w->T, B = w->B, H = w->d.nhid, GH = 4 * H;
	double *dhn = w->dhn, *dcn = w->dcn;

	memset(dhn, 0, (size_t)B * H * sizeof(double));
	memset(dcn, 0, (size_t)B * H * sizeof(double));
	for (int t = T - 1; t >= 0; t--) {
		const double *gt = w->g[l] + (size_t)t * B * GH;
		const double *tct = w->tc[l] + (size_t)t * B * H;
		const double *cp = t > 0 ? w->c[l] + (size_t)(t - 1) * B * H : NULL;
		const double *dht = w->dh + (size_t)t * B * H;
		double *dgt = w->dg + (size_t)t * B * GH;
		for (int b = 0; b < B; b++) {
			const double *a = gt + (size_t)b * GH;
			double *da = dgt + (size_t)b * GH;
			for (int j = 0; j < H; j++) {
				size_t k = (size_t)b * H + j;
				double i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
				double dh = dht[k] + dhn[k], tc = tct[k];
				double dc = dcn[k] + dh * o * (1 - tc * tc);
				da[j] = dc * g * i * (1 - i);
				da[H + j] = cp ? dc * cp[k] * f * (1 - f) : 0;
				da[2 * H + j] = dc * i * (1 - g * g);
				da[3 * H + j] = dh * tc * o * (1 - o);
				dcn[k] = dc * f;
			}
		}
		if (t > 0)
			sp_nn_gemm(0, 0, B, H, GH, 1, dgt, GH, p->layer[l].w_hh, H, 0, dhn, H);
	}
}

/* Fills w->dg (input side) and w->dgh (recurrent side) given w->dh. */
static void
gru_backward_steps(sp_nn_work *w, int l, const sp_nn_params *p)
{
	int T = w->T, B = w->B, H = w->d.nhid, GH = 3 * H;
	double *dhn = w->dhn;

	memset(dhn, 0, (size_t)B * H * sizeof(double));
	for (int t = T - 1; t >= 0; t--) {
		const double *gt = w->g[l] + (size_t)t * B * GH;
		const double *ghn = w->ghn[l] + (size_t)t * B * H;
		const double *hp = t > 0 ? w->h[l] + (size_t)(t - 1) * B * H : NULL;
		const double *dht = w->dh + (size_t)t * B * H;
		double *dgx = w->dg + (size_t)t * B * GH, *dgh = w->dgh + (size_t)t * B * GH;
		for (int b = 0; b < B; b++) {
			const double *a = gt + (size_t)b * GH;
			double *dx = dgx + (size_t)b * GH, *dr = dgh + (size_t)b * GH;
			for (int j = 0; j < H; j++) {
				size_t k = (size_t)b * H + j;
				double r = a[j], z = a[H + j], n = a[2 * H + j];
				double dh = dht[k] + dhn[k], h0 = hp ? hp[k] : 0;
				double dan = dh * (1 - z) * (1 - n * n);
				double dar = dan * ghn[k] * r * (1 - r);
				double daz = dh * (h0 - n) * z * (1 - z);
				dx[j] = dr[j] = dar;
				dx[H + j] = dr[H + j] = daz;
				dx[2 * H + j] = dan;
				dr[2 * H + j] = dan * r;
				dhn[k] = dh * z;
			}
		}
		if (t > 0)
			sp_nn_gemm(0, 0, B, H, GH, 1, dgh, GH, p->layer[l].w_hh, H, 1, dhn, H);
	}
}

void
sp_nn_backward(const sp_nn_dims *d, const double *params, sp_nn_work *w,
    const double *dout, double *grad, double *dx)
{
	sp_nn_params p, g;
	int T = w->T, B = w->B, H = d->nhid, L = d->nlayer;
	int GH = sp_nn_gates(d->cell) * H;
	size_t TB = (size_t)T * B;
	const double *hT = w->h[L - 1] + (size_t)(T - 1) * B * H;

	sp_nn_point(d, (double *)params, &p);
	sp_nn_point(d, grad, &g);
	/* head: out = hT W_out^T + b_out */
	sp_nn_gemm(1, 0, d->nout, H, B, 1, dout, d->nout, hT, H, 1, g.w_out, H);
	colsum_add(dout, (size_t)B, d->nout, g.b_out);
	memset(w->dh, 0, TB * H * sizeof(double));
	sp_nn_gemm(0, 0, B, H, d->nout, 1, dout, d->nout, p.w_out, H, 0,
	    w->dh + (size_t)(T - 1) * B * H, H);

	for (int l = L - 1; l >= 0; l--) {
		const double *X = l == 0 ? w->x : w->h[l - 1];
		int NI = l == 0 ? d->nin : H;
		const double *dgr;   /* gradient of the recurrent pre-activations */
		if (d->cell == SP_NN_LSTM) {
			lstm_backward_steps(w, l, &p);
			dgr = w->dg;
		} else {
			gru_backward_steps(w, l, &p);
			dgr = w->dgh;
		}
		/* dW_hh += sum_{t>=1} dgr_t^T h_{t-1} */
		if (T > 1)
			sp_nn_gemm(1, 0, GH, H, (T - 1) * B, 1, dgr + (size_t)B * GH, GH,
			    w->h[l], H, 1, g.layer[l].w_hh, H);
		sp_nn_gemm(1, 0, GH, NI, (int)TB, 1, w->dg, GH, X, NI, 1, g.layer[l].w_ih, NI);
		colsum_add(w->dg, TB, GH, g.layer[l].b_ih);
		colsum_add(dgr, TB, GH, g.layer[l].b_hh);
		if (l > 0) {
			double *tmp;
			sp_nn_gemm(0, 0, (int)TB, H, GH, 1, w->dg, GH, p.layer[l].w_ih, H, 0, w->dxl, H);
			tmp = w->dh, w->dh = w->dxl, w->dxl = tmp;
		} else if (dx)
			sp_nn_gemm(0, 0, (int)TB, d->nin, GH, 1, w->dg, GH, p.layer[0].w_ih, d->nin,
			    0, dx, d->nin);
	}
}

/* ---- optimisation ---- */
double
sp_nn_clip(double *g, size_t n, double maxnorm)
{
	double s = 0, norm;
	for (size_t i = 0; i < n; i++)
		s += g[i] * g[i];
	norm = sqrt(s);
	if (maxnorm > 0 && norm > maxnorm) {
		double k = maxnorm / norm;
		for (size_t i = 0; i < n; i++)
			g[i] *= k;
	}
	return norm;
}

struct sp_nn_adam {
	size_t n;
	double lr, b1, b2, eps, b1t, b2t;
	double *m, *v;
};

sp_nn_adam *
sp_nn_adam_new(size_t n, double lr, double beta1, double beta2, double eps)
{
	sp_nn_adam *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->m = calloc(n ? n : 1, sizeof(double));
	a->v = calloc(n ? n : 1, sizeof(double));
	if (!a->m || !a->v) {
		sp_nn_adam_free(a);
		return NULL;
	}
	a->n = n, a->lr = lr, a->b1 = beta1, a->b2 = beta2, a->eps = eps;
	a->b1t = a->b2t = 1;
	return a;
}

void
sp_nn_adam_free(sp_nn_adam *a)
{
	if (!a)
		return;
	free(a->m), free(a->v), free(a);
}

void
sp_nn_adam_step(sp_nn_adam *a, double *params, const double *grad)
{
	double c1, c2;

	a->b1t *= a->b1, a->b2t *= a->b2;
	c1 = 1 / (1 - a->b1t), c2 = 1 / (1 - a->b2t);
	for (size_t i = 0; i < a->n; i++) {
		double gi = grad[i];
		a->m[i] = a->b1 * a->m[i] + (1 - a->b1) * gi;
		a->v[i] = a->b2 * a->v[i] + (1 - a->b2) * gi * gi;
		params[i] -= a->lr * (a->m[i] * c1) / (sqrt(a->v[i] * c2) + a->eps);
	}
}
