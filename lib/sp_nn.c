/* sp_nn: LSTM/GRU stacks with a dense head, forward + backward, Adam.
 *
 * Element-wise gate arithmetic in vector-extension loops (below), one
 * GEMM wrapper for every matrix product.  The input projections of all T
 * steps are one GEMM (T*B rows), the recurrent products one GEMM per step,
 * and the weight gradients are accumulated once per layer over all steps.
 * No threading of our own: OpenBLAS threads the GEMMs.
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
 * through one sigmoid over whole arrays, VW lanes at a time with GCC/clang
 * vector extensions, and an exp without tables (a table lookup is a
 * per-lane load that keeps the loop scalar): x = k ln2 + r, |r| <= ln2/2,
 * exp(x) = 2^k exp(r), exp(r) by its Taylor polynomial to degree 13
 * (remainder < 5e-18 relative), ln2 in two parts (Cody-Waite).  Within
 * 2 ulp of libm (checked in test_nn).  Arguments are clamped to
 * [-700, 700] first, where sigm and tanh are already exactly 0, 1 or -1 in
 * double; sigm(x) = 1/(1 + exp(-x)), tanh(x) = 2 sigm(2x) - 1.
 *
 * The forward passes are compiled three times (target_clones: AVX-512F,
 * AVX2, baseline x86-64) and the loader picks one for the CPU; the vector
 * code is the same arithmetic lane by lane, and the build has
 * -ffp-contract=off, so every clone gives the same bits. */
#define VW 8   /* lanes: one AVX-512 register, two AVX2 ones, four SSE2 ones */
typedef double vd __attribute__((vector_size(VW * sizeof(double))));
typedef unsigned long long vu __attribute__((vector_size(VW * sizeof(double))));

#define EXP_INV 1.44269504088896338700e+00   /* 1/ln2 */
#define EXP_HI 6.93147180369123816490e-01    /* ln2, upper 32 bits */
#define EXP_LO 1.90821492927058770002e-10    /* ln2 - EXP_HI */
#define EXP_SHIFT 0x1.8p52   /* adding and subtracting it rounds to an integer */
#define EXP_SHIFT_BITS 0x4338000000000000ULL
/* out = exp(r) = sum r^i/i!, i <= 13, by Estrin's scheme (pairs, then
 * powers r^2, r^4, r^8): a dependency chain of 8 operations instead of
 * Horner's 26, so consecutive vectors overlap in the FP pipes.  T is
 * double or vd. */
#define EXP_POLY(T, r, out) do { \
	T r2_ = (r) * (r), r4_ = r2_ * r2_, r8_ = r4_ * r4_; \
	T s0_ = (1 + (r)) + (1 / 2.0 + (r) * (1 / 6.0)) * r2_; \
	T s1_ = (1 / 24.0 + (r) * (1 / 120.0)) + (1 / 720.0 + (r) * (1 / 5040.0)) * r2_; \
	T s2_ = (1 / 40320.0 + (r) * (1 / 362880.0)) + \
	    (1 / 3628800.0 + (r) * (1 / 39916800.0)) * r2_; \
	T s3_ = 1 / 479001600.0 + (r) * (1 / 6227020800.0); \
	(out) = (s0_ + s1_ * r4_) + (s2_ + s3_ * r4_) * r8_; \
} while (0)

#if defined(__x86_64__) && defined(__GNUC__) && !defined(SP_NO_CLONES)
#define SP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SP_CLONES
#endif
#define SP_INLINE static inline __attribute__((always_inline))

static inline double
clamp700(double x)
{
	return x < -700 ? -700 : x > 700 ? 700 : x;
}

/* exp(x) for x in [-700, 700] (NaN gives NaN): k = round(x / ln2) comes
 * from the bits of x/ln2 + 1.5 * 2^52 (|k| < 2^51), 2^k from k. */
double
sp_nn_exp(double x)
{
	double y = x * EXP_INV + EXP_SHIFT, kd = y - EXP_SHIFT, r, p;
	union { double d; unsigned long long u; } u = { y };

	r = x - kd * EXP_HI - kd * EXP_LO;
	u.u = ((u.u - EXP_SHIFT_BITS) << 52) + (1023ULL << 52);
	EXP_POLY(double, r, p);
	return p * u.d;
}

/* a[i] = sigm(s a[i]) = 1 / (1 + exp(clamp(-s a[i]))), i < n. */
SP_INLINE void
vsigm(double *a, int n, double s)
{
	int i = 0;
	for (; i + VW <= n; i += VW) {
		vd x, y, kd, r, p, sc;
		vu e;
		double xs[VW];
		for (int q = 0; q < VW; q++)   /* max/min instructions; NaN stays */
			xs[q] = clamp700(-s * a[i + q]);
		memcpy(&x, xs, sizeof x);
		y = x * EXP_INV + EXP_SHIFT;
		kd = y - EXP_SHIFT;
		r = x - kd * EXP_HI - kd * EXP_LO;
		e = (((vu)y - EXP_SHIFT_BITS) << 52) + (1023ULL << 52);
		memcpy(&sc, &e, sizeof sc);
		EXP_POLY(vd, r, p);
		p = p * sc;
		p = 1 / (1 + p);
		memcpy(a + i, &p, sizeof p);
	}
	for (; i < n; i++)
		a[i] = 1 / (1 + sp_nn_exp(clamp700(-s * a[i])));
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
/* a[j] += e[j], j < n */
SP_INLINE void
vadd(double *a, const double *e, int n)
{
	int j = 0;
	for (; j + VW <= n; j += VW) {
		vd x, y;
		memcpy(&x, a + j, sizeof x);
		memcpy(&y, e + j, sizeof y);
		x = x + y;
		memcpy(a + j, &x, sizeof x);
	}
	for (; j < n; j++)
		a[j] = a[j] + e[j];
}

/* a[j] += b[j] + c[j], j < n (the two biases) */
SP_INLINE void
vadd2(double *a, const double *b, const double *c, int n)
{
	int j = 0;
	for (; j + VW <= n; j += VW) {
		vd x, y, z;
		memcpy(&x, a + j, sizeof x);
		memcpy(&y, b + j, sizeof y);
		memcpy(&z, c + j, sizeof z);
		x = x + (y + z);
		memcpy(a + j, &x, sizeof x);
	}
	for (; j < n; j++)
		a[j] = a[j] + (b[j] + c[j]);
}

/* The LSTM cell from activated gates a = (i, f, g', o) of one row, with
 * g' = sigm(2 g~) on entry: g = 2 g' - 1, c = i g + f c_prev (cp NULL at
 * t = 0), tc = c (tanh'ed by the caller). */
SP_INLINE void
lstm_cell(double *a, const double *cp, double *c, double *tc, int H)
{
	int j = 0;
	for (; j + VW <= H; j += VW) {
		vd i, f, g, cv, pv;
		memcpy(&i, a + j, sizeof i);
		memcpy(&f, a + H + j, sizeof f);
		memcpy(&g, a + 2 * H + j, sizeof g);
		g = 2 * g - 1;
		if (cp) {
			memcpy(&pv, cp + j, sizeof pv);
			cv = i * g + f * pv;
		} else
			cv = i * g + 0;
		memcpy(a + 2 * H + j, &g, sizeof g);
		memcpy(c + j, &cv, sizeof cv);
		memcpy(tc + j, &cv, sizeof cv);
	}
	for (; j < H; j++) {
		double g = 2 * a[2 * H + j] - 1, cv = a[j] * g + (cp ? a[H + j] * cp[j] : 0);
		a[2 * H + j] = g, c[j] = cv, tc[j] = cv;
	}
}

/* tc = 2 tc' - 1 (tanh c from sigm(2c)), h = o tanh c. */
SP_INLINE void
lstm_out(const double *o, double *tc, double *h, int H)
{
	int j = 0;
	for (; j + VW <= H; j += VW) {
		vd t, ov;
		memcpy(&t, tc + j, sizeof t);
		memcpy(&ov, o + j, sizeof ov);
		t = 2 * t - 1;
		ov = ov * t;
		memcpy(tc + j, &t, sizeof t);
		memcpy(h + j, &ov, sizeof ov);
	}
	for (; j < H; j++) {
		tc[j] = 2 * tc[j] - 1;
		h[j] = o[j] * tc[j];
	}
}

/* LSTM (PyTorch): i,f,o = sigm(.), g = tanh(.), c' = f c + i g, h' = o tanh(c'). */
SP_CLONES static void
lstm_forward(sp_nn_work *w, int l, const double *X, int NI, const sp_nn_params *p)
{
	int T = w->T, B = w->B, H = w->d.nhid, GH = 4 * H;
	double *G = w->g[l], *hs = w->h[l], *cs = w->c[l], *tcs = w->tc[l];
	const double *bi = p->layer[l].b_ih, *bh = p->layer[l].b_hh;

	sp_nn_gemm(0, 1, T * B, GH, NI, 1, X, NI, p->layer[l].w_ih, NI, 0, G, GH);
	for (size_t r = 0; r < (size_t)T * B; r++)
		vadd2(G + r * GH, bi, bh, GH);
	for (int t = 0; t < T; t++) {
		double *gt = G + (size_t)t * B * GH;
		double *ht = hs + (size_t)t * B * H, *ct = cs + (size_t)t * B * H;
		double *tct = tcs + (size_t)t * B * H;
		const double *cp = t > 0 ? ct - (size_t)B * H : NULL;
		if (t > 0)
			sp_nn_gemm(0, 1, B, GH, H, 1, ht - (size_t)B * H, H, p->layer[l].w_hh, H, 1, gt, GH);
		for (int b = 0; b < B; b++) {
			double *a = gt + (size_t)b * GH, *tc = tct + (size_t)b * H;
			size_t k = (size_t)b * H;
			vsigm(a, 2 * H, 1);          /* i, f */
			vsigm(a + 2 * H, H, 2);      /* g: sigm(2x), tanh after */
			vsigm(a + 3 * H, H, 1);      /* o */
			lstm_cell(a, cp ? cp + k : NULL, ct + k, tc, H);
			vsigm(tc, H, 2);
			lstm_out(a + 3 * H, tc, ht + k, H);
		}
	}
}

/* an += r * en (n's pre-activation), hn = en (kept for backward). */
SP_INLINE void
gru_npre(double *an, const double *r, const double *en, double *hn, int H)
{
	int j = 0;
	for (; j + VW <= H; j += VW) {
		vd x, rv, ev;
		memcpy(&x, an + j, sizeof x);
		memcpy(&rv, r + j, sizeof rv);
		memcpy(&ev, en + j, sizeof ev);
		x = x + rv * ev;
		memcpy(an + j, &x, sizeof x);
		memcpy(hn + j, &ev, sizeof ev);
	}
	for (; j < H; j++) {
		an[j] = an[j] + r[j] * en[j];
		hn[j] = en[j];
	}
}

/* n = 2 n' - 1, h = (1 - z) n + z h_prev (hp NULL at t = 0). */
SP_INLINE void
gru_out(const double *z, double *n, const double *hp, double *h, int H)
{
	int j = 0;
	for (; j + VW <= H; j += VW) {
		vd zv, nv, pv, hv;
		memcpy(&zv, z + j, sizeof zv);
		memcpy(&nv, n + j, sizeof nv);
		nv = 2 * nv - 1;
		if (hp) {
			memcpy(&pv, hp + j, sizeof pv);
			hv = (1 - zv) * nv + zv * pv;
		} else
			hv = (1 - zv) * nv + 0;
		memcpy(n + j, &nv, sizeof nv);
		memcpy(h + j, &hv, sizeof hv);
	}
	for (; j < H; j++) {
		double nv = 2 * n[j] - 1;
		n[j] = nv;
		h[j] = (1 - z[j]) * nv + (hp ? z[j] * hp[j] : 0);
	}
}

/* GRU (PyTorch): r,z = sigm(W_i x + b_i + W_h h + b_h),
 * n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h. */
SP_CLONES static void
gru_forward(sp_nn_work *w, int l, const double *X, int NI, const sp_nn_params *p)
{
	int T = w->T, B = w->B, H = w->d.nhid, GH = 3 * H;
	double *G = w->g[l], *hs = w->h[l], *gh = w->gh;
	const double *bi = p->layer[l].b_ih, *bh = p->layer[l].b_hh;

	sp_nn_gemm(0, 1, T * B, GH, NI, 1, X, NI, p->layer[l].w_ih, NI, 0, G, GH);
	for (size_t r = 0; r < (size_t)T * B; r++)
		vadd(G + r * GH, bi, GH);
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
			size_t k = (size_t)b * H;
			vadd(a, e, 2 * H);
			vsigm(a, 2 * H, 1);                       /* r, z */
			gru_npre(a + 2 * H, a, e + 2 * H, ghn + k, H);
			vsigm(a + 2 * H, H, 2);                   /* n: sigm(2x), tanh after */
			gru_out(a + H, a + 2 * H, hp ? hp + k : NULL, ht + k, H);
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
