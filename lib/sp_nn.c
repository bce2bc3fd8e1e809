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

/* The gate non-linearities are most of the forward time, so they go
 * through one exp over whole arrays of (clamped) arguments, two at a time
 * with GCC/clang vector extensions: the table method (as glibc's exp):
 * x = (64 m + j) ln2/64 + r, |r| <= ln2/128, exp(x) = 2^m 2^(j/64) exp(r),
 * exp(r) - 1 by Taylor to degree 5 (remainder < 4e-17), ln2/64 in two parts
 * (Cody-Waite).  Within 2 ulp of libm.  Arguments are clamped to [-700, 700]
 * first, where sigm and tanh are already exactly 0, 1 or -1 in double;
 * sigm(x) = 1/(1 + exp(-x)), tanh(x) = 2/(1 + exp(-2x)) - 1. */
static const double exp2_64[64] = {
	0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
	0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
	0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
	0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
	0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
	0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
	0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
	0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
	0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
	0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
	0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
	0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
	0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
	0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
	0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
	0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0
};

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2l __attribute__((vector_size(16)));

#define EXP_INV (64 / 0.69314718055994530942)
#define EXP_HI (6.93147180369123816490e-01 / 64)
#define EXP_LO (1.90821492927058770002e-10 / 64)
#define EXP_SHIFT 0x1.8p52   /* adding and subtracting it rounds to an integer */

static inline double
clamp700(double x)
{
	return x < -700 ? -700 : x > 700 ? 700 : x;
}

static double
exp1(double x)
{
	double kd = (x * EXP_INV + EXP_SHIFT) - EXP_SHIFT, r, p, t;
	long long k = (long long)kd;
	union { double d; long long i; } u;

	r = x - kd * EXP_HI - kd * EXP_LO;
	p = r + r * r * (0.5 + r * (1 / 6.0 + r * (1 / 24.0 + r * (1 / 120.0))));
	t = exp2_64[k & 63];
	u.i = ((k - (k & 63)) / 64 + 1023) * (1LL << 52);
	return (t + t * p) * u.d;
}

/* a[i] = exp(a[i]), i < n, for a[i] in [-700, 700]. */
static void
vexp(double *a, int n)
{
	int i = 0;
	for (; i + 2 <= n; i += 2) {
		v2d x, kd, r, p, t, sc;
		v2l k, e;
		memcpy(&x, a + i, sizeof x);
		kd = (x * EXP_INV + EXP_SHIFT) - EXP_SHIFT;
		k = __builtin_convertvector(kd, v2l);
		r = x - kd * EXP_HI - kd * EXP_LO;
		p = r + r * r * (0.5 + r * (1 / 6.0 + r * (1 / 24.0 + r * (1 / 120.0))));
		t = (v2d){ exp2_64[k[0] & 63], exp2_64[k[1] & 63] };
		e = ((k - (k & 63)) / 64 + 1023) * (1LL << 52);
		memcpy(&sc, &e, sizeof sc);
		p = (t + t * p) * sc;
		memcpy(a + i, &p, sizeof p);
	}
	for (; i < n; i++)
		a[i] = exp1(a[i]);
}

/* a[i] = 1 / (1 + a[i]), i < n (sigm from exp(-x)), two at a time. */
static void
vrecip1p(double *a, int n)
{
	int i = 0;
	for (; i + 2 <= n; i += 2) {
		v2d x;
		memcpy(&x, a + i, sizeof x);
		x = 1 / (1 + x);
		memcpy(a + i, &x, sizeof x);
	}
	for (; i < n; i++)
		a[i] = 1 / (1 + a[i]);
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
			double *a = gt + (size_t)b * GH, *tc = tct + (size_t)b * H;
			for (int j = 0; j < GH; j++)   /* exp arguments: -x for sigm, -2x for tanh (g) */
				a[j] = clamp700(j >= 2 * H && j < 3 * H ? -2 * a[j] : -a[j]);
			vexp(a, GH);
			vrecip1p(a, GH);
			for (int j = 0; j < H; j++) {
				size_t k = (size_t)b * H + j;
				double i = a[j], f = a[H + j], g = 2 * a[2 * H + j] - 1;
				double c = i * g + (cp ? f * cp[k] : 0);
				a[2 * H + j] = g;
				ct[k] = c;
				tc[j] = clamp700(-2 * c);
			}
			vexp(tc, H);
			vrecip1p(tc, H);
			for (int j = 0; j < H; j++) {
				tc[j] = 2 * tc[j] - 1;
				ht[(size_t)b * H + j] = a[3 * H + j] * tc[j];
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
			for (int j = 0; j < 2 * H; j++)
				a[j] = clamp700(-(a[j] + e[j]));
			vexp(a, 2 * H);
			vrecip1p(a, 2 * H);
			for (int j = 0; j < H; j++) {
				a[2 * H + j] = clamp700(-2 * (a[2 * H + j] + a[j] * e[2 * H + j]));
				ghn[(size_t)b * H + j] = e[2 * H + j];
			}
			vexp(a + 2 * H, H);
			vrecip1p(a + 2 * H, H);
			for (int j = 0; j < H; j++) {
				size_t k = (size_t)b * H + j;
				double z = a[H + j], n = 2 * a[2 * H + j] - 1;
				a[2 * H + j] = n;
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
