/* test_nn: sp_nn against a plain-loop GEMM, finite differences and PyTorch.
 *
 * 1. sp_nn_gemm (CBLAS) equals the naive triple loop for every transpose
 *    combination and for strided (sub-matrix) operands.
 * 2. Central finite differences of a random linear loss agree with the
 *    analytic gradient for every parameter block of 1- and 2-layer LSTM and
 *    GRU stacks, and for the input gradient.
 * 3. The forward pass (hidden sequence, final states, head output) and the
 *    gradients equal PyTorch's nn.LSTM / nn.GRU with the same weights
 *    (tests/ref/torch_nn_ref.h, made by tests/ref/torch_nn_ref.py) to 1e-5.
 * 4. Clipping and Adam against their formulas.
 * 5. sp_nn_exp (the gates' exp) within 2 ulp of libm's exp over [-700, 700].
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "sp_nn.h"
#include "sp_rand.h"
#include "../ref/torch_nn_ref.h"

/* The reference: C(m,n) = alpha op(A) op(B) + beta C, row-major. */
static void
gemm_naive(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
    const double *b, int ldb, double beta, double *c, int ldc)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double s = 0;
			for (int p = 0; p < k; p++)
				s += (ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]) *
				    (tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j]);
			c[(size_t)i * ldc + j] = alpha * s + beta * c[(size_t)i * ldc + j];
		}
}

static double
unif(void *r)
{
	return sp_rand_uniform(r);
}

static void
test_gemm(sp_rand *r)
{
	enum { M = 7, N = 5, K = 6, LD = 9 };
	double a[LD * LD], b[LD * LD], c1[LD * LD], c2[LD * LD];
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			for (int i = 0; i < LD * LD; i++) {
				a[i] = sp_rand_normal(r, 1), b[i] = sp_rand_normal(r, 1);
				c1[i] = c2[i] = sp_rand_normal(r, 1);
			}
			sp_nn_gemm(ta, tb, M, N, K, 0.7, a, LD, b, LD, 0.3, c1, LD);
			gemm_naive(ta, tb, M, N, K, 0.7, a, LD, b, LD, 0.3, c2, LD);
			CHECK_ARRAY_CLOSE(c1, c2, LD * LD, 1e-12, ta ? (tb ? "gemm TT" : "gemm TN") : (tb ? "gemm NT" : "gemm NN"));
		}
	/* one row (the GEMV path of single-window prediction), strided operands */
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			for (int i = 0; i < LD * LD; i++) {
				a[i] = sp_rand_normal(r, 1), b[i] = sp_rand_normal(r, 1);
				c1[i] = c2[i] = sp_rand_normal(r, 1);
			}
			sp_nn_gemm(ta, tb, 1, N, K, 1.3, a, LD, b, LD, 0.5, c1, LD);
			gemm_naive(ta, tb, 1, N, K, 1.3, a, LD, b, LD, 0.5, c2, LD);
			CHECK_ARRAY_CLOSE(c1, c2, LD * LD, 1e-12, ta ? (tb ? "gemv TT" : "gemv TN") : (tb ? "gemv NT" : "gemv NN"));
		}
	/* k = 0: C = beta C */
	for (int i = 0; i < 4; i++)
		c1[i] = i + 1;
	sp_nn_gemm(0, 0, 2, 2, 0, 1, a, 1, b, 2, 0.5, c1, 2);
	CHECK(c1[0] == 0.5 && c1[3] == 2, "gemm k=0 scales C");
}

static double
loss_of(const sp_nn_dims *d, const double *params, sp_nn_work *w, const double *x, int B,
    const double *wts, double *out)
{
	double s = 0;
	sp_nn_forward(d, params, w, x, B, out);
	for (int i = 0; i < B * d->nout; i++)
		s += out[i] * wts[i];
	return s;
}

static void
gradcheck(sp_rand *r, sp_nn_cell cell, int L)
{
	sp_nn_dims d = { cell, 2, 3, L, 2 };
	enum { T = 4, B = 3 };
	size_t n = sp_nn_nparams(&d);
	double *p = malloc(n * sizeof *p), *g = calloc(n, sizeof *g);
	double x[T * B * 2], dx[T * B * 2], wts[B * 2], out[B * 2];
	sp_nn_work *w = sp_nn_work_new(&d, T, B + 2);  /* bmax > B on purpose */
	sp_nn_params pp;
	const double h = 1e-5;
	char label[96];
	struct { const char *name; size_t off, len; } blk[4 * SP_NN_MAXLAYER + 2];
	int nb = 0, G = sp_nn_gates(cell);

	CHECK(w != NULL && p && g, "work allocated");
	if (!w || !p || !g)
		goto out;
	sp_nn_init(&d, p, unif, r);
	for (size_t i = 0; i < n; i++)   /* wider than the init, to exercise saturation a bit */
		p[i] *= 1.5;
	for (int i = 0; i < T * B * 2; i++)
		x[i] = sp_rand_normal(r, 1);
	for (int i = 0; i < B * 2; i++)
		wts[i] = sp_rand_normal(r, 1);
	loss_of(&d, p, w, x, B, wts, out);
	sp_nn_backward(&d, p, w, wts, g, dx);

	sp_nn_point(&d, p, &pp);
	for (int l = 0; l < L; l++) {
		int I = l == 0 ? d.nin : d.nhid;
		static const char *nm[] = { "w_ih", "w_hh", "b_ih", "b_hh" };
		double *base[] = { pp.layer[l].w_ih, pp.layer[l].w_hh, pp.layer[l].b_ih, pp.layer[l].b_hh };
		size_t len[] = { (size_t)G * d.nhid * I, (size_t)G * d.nhid * d.nhid, (size_t)G * d.nhid, (size_t)G * d.nhid };
		for (int k = 0; k < 4; k++) {
			blk[nb].name = nm[k], blk[nb].off = (size_t)(base[k] - p), blk[nb].len = len[k];
			nb++;
		}
	}
	blk[nb].name = "w_out", blk[nb].off = (size_t)(pp.w_out - p), blk[nb++].len = (size_t)d.nout * d.nhid;
	blk[nb].name = "b_out", blk[nb].off = (size_t)(pp.b_out - p), blk[nb++].len = (size_t)d.nout;
	CHECK(blk[nb - 1].off + blk[nb - 1].len == n, "blocks cover the buffer");

	for (int k = 0; k < nb; k++) {
		double maxerr = 0;
		for (size_t i = blk[k].off; i < blk[k].off + blk[k].len; i++) {
			double save = p[i], lp, lm, num;
			p[i] = save + h, lp = loss_of(&d, p, w, x, B, wts, out);
			p[i] = save - h, lm = loss_of(&d, p, w, x, B, wts, out);
			p[i] = save;
			num = (lp - lm) / (2 * h);
			if (fabs(num - g[i]) / fmax(1, fabs(num)) > maxerr)
				maxerr = fabs(num - g[i]) / fmax(1, fabs(num));
		}
		snprintf(label, sizeof label, "%s %d-layer: layer %d %s", cell == SP_NN_LSTM ? "LSTM" : "GRU",
		    L, k < 4 * L ? k / 4 : -1, blk[k].name);
		CHECK(maxerr < 1e-7, "%s: finite-difference gradient off by %.3g", label, maxerr);
	}
	{
		double maxerr = 0;
		for (int i = 0; i < T * B * 2; i++) {
			double save = x[i], lp, lm, num;
			x[i] = save + h, lp = loss_of(&d, p, w, x, B, wts, out);
			x[i] = save - h, lm = loss_of(&d, p, w, x, B, wts, out);
			x[i] = save;
			num = (lp - lm) / (2 * h);
			maxerr = fmax(maxerr, fabs(num - dx[i]) / fmax(1, fabs(num)));
		}
		CHECK(maxerr < 1e-7, "%s %d-layer: input gradient off by %.3g", cell == SP_NN_LSTM ? "LSTM" : "GRU", L, maxerr);
	}
	/* backward accumulates: a second call doubles the gradient */
	{
		double *g2 = malloc(n * sizeof *g2);
		if (g2) {
			for (size_t i = 0; i < n; i++)
				g2[i] = g[i];
			loss_of(&d, p, w, x, B, wts, out);
			sp_nn_backward(&d, p, w, wts, g2, NULL);
			for (size_t i = 0; i < n; i++)
				g2[i] /= 2;
			CHECK_ARRAY_CLOSE(g2, g, n, 1e-12, "backward accumulates into grad");
			free(g2);
		}
	}
out:
	sp_nn_work_free(w);
	free(p), free(g);
}

static void
torch_case(const char *name, sp_nn_cell cell, int H, const double *params, const double *x,
    const double *wts, const double *seq, const double *hn, const double *cn,
    const double *outref, const double *gradref, const double *dxref)
{
	sp_nn_dims d = { cell, TREF_NIN, H, TREF_L, TREF_NOUT };
	size_t n = sp_nn_nparams(&d);
	sp_nn_work *w = sp_nn_work_new(&d, TREF_T, TREF_B);
	double out[TREF_B * TREF_NOUT], dx[TREF_T * TREF_B * TREF_NIN];
	double *g = calloc(n, sizeof *g);
	char label[64];

	CHECK(w && g, "allocated");
	if (!w || !g)
		goto out;
	sp_nn_forward(&d, params, w, x, TREF_B, out);
	for (int t = 0; t < TREF_T; t++) {
		snprintf(label, sizeof label, "%s: top-layer h at t=%d", name, t);
		CHECK_ARRAY_CLOSE(sp_nn_hidden(w, TREF_L - 1, t), seq + t * TREF_B * H,
		    TREF_B * H, 1e-5, label);
	}
	for (int l = 0; l < TREF_L; l++) {
		snprintf(label, sizeof label, "%s: h_n layer %d", name, l);
		CHECK_ARRAY_CLOSE(sp_nn_hidden(w, l, TREF_T - 1), hn + l * TREF_B * H,
		    TREF_B * H, 1e-5, label);
		if (cn) {
			snprintf(label, sizeof label, "%s: c_n layer %d", name, l);
			CHECK_ARRAY_CLOSE(sp_nn_cellstate(w, l, TREF_T - 1), cn + l * TREF_B * H,
			    TREF_B * H, 1e-5, label);
		}
	}
	CHECK(cn || sp_nn_cellstate(w, 0, 0) == NULL, "GRU has no cell state");
	snprintf(label, sizeof label, "%s: head output", name);
	CHECK_ARRAY_CLOSE(out, outref, TREF_B * TREF_NOUT, 1e-5, label);
	sp_nn_backward(&d, params, w, wts, g, dx);
	snprintf(label, sizeof label, "%s: gradients vs autograd", name);
	CHECK_ARRAY_CLOSE(g, gradref, n, 1e-5, label);
	snprintf(label, sizeof label, "%s: input gradient vs autograd", name);
	CHECK_ARRAY_CLOSE(dx, dxref, TREF_T * TREF_B * TREF_NIN, 1e-5, label);
out:
	sp_nn_work_free(w);
	free(g);
}

/* ulp distance between two finite doubles of the same sign */
static long long
ulps(double a, double b)
{
	long long ia, ib;
	memcpy(&ia, &a, sizeof ia);
	memcpy(&ib, &b, sizeof ib);
	return ia > ib ? ia - ib : ib - ia;
}

static void
test_exp(sp_rand *r)
{
	long long worst = 0;
	double at = 0;
	static const double edge[] = { -700, 700, 0, -0.0, 1e-300, -1e-300, 0.34657359027997264,
		-0.34657359027997264, 1, -1, 708.0 / 2, -708.0 / 2, 0.5 * 0.6931471805599453 };

	for (int i = 0; i < 400000; i++) {
		double x = i < 13 ? edge[i] : i < 200000 ? -700 + 1400 * sp_rand_uniform(r)
		    : -40 + 80 * sp_rand_uniform(r);
		long long u = ulps(sp_nn_exp(x), exp(x));
		if (u > worst)
			worst = u, at = x;
	}
	CHECK(worst <= 2, "sp_nn_exp within 2 ulp of exp: worst %lld ulp at %.17g", worst, at);
	CHECK(sp_nn_exp(0) == 1, "exp(0) = 1");
	CHECK(isnan(sp_nn_exp(NAN)), "exp(NaN) is NaN");
}

static void
test_opt(void)
{
	double g[3] = { 3, 4, 0 }, p[3] = { 1, 1, 1 }, gr[3] = { 0.5, -2, 0 };
	double norm = sp_nn_clip(g, 3, 1);
	sp_nn_adam *a;

	CHECK_CLOSE(norm, 5, 1e-15, "clip returns the norm");
	CHECK_CLOSE(g[0], 0.6, 1e-15, "clip scales");
	CHECK_CLOSE(g[1], 0.8, 1e-15, "clip scales");
	g[0] = 0.1, g[1] = 0.1;
	sp_nn_clip(g, 3, 1);
	CHECK(g[0] == 0.1, "clip leaves short vectors");
	/* Adam, first step: m^ = g, v^ = g^2, so the step is lr g/(|g| + eps). */
	a = sp_nn_adam_new(3, 0.01, 0.9, 0.999, 1e-8);
	CHECK(a != NULL, "adam allocated");
	if (!a)
		return;
	sp_nn_adam_step(a, p, gr);
	CHECK_CLOSE(p[0], 1 - 0.01 * 0.5 / (0.5 + 1e-8), 1e-14, "adam step 1");
	CHECK_CLOSE(p[1], 1 + 0.01 * 2 / (2 + 1e-8), 1e-14, "adam step 1");
	CHECK(p[2] == 1, "adam zero gradient");
	/* second step with gradient g2: m = .9*.1 g1 + .1 g2, v likewise */
	{
		double g2[3] = { 1, 1, 0 };
		double m = 0.9 * 0.1 * 0.5 + 0.1 * 1, v = 0.999 * 0.001 * 0.25 + 0.001 * 1;
		double want = p[0] - 0.01 * (m / (1 - 0.81)) / (sqrt(v / (1 - 0.999 * 0.999)) + 1e-8);
		sp_nn_adam_step(a, p, g2);
		CHECK_CLOSE(p[0], want, 1e-14, "adam step 2");
	}
	sp_nn_adam_free(a);
	sp_nn_adam_free(NULL);
	sp_nn_work_free(NULL);
}

int
main(void)
{
	sp_rand *r = sp_rand_new(42);
	sp_nn_dims d = { SP_NN_LSTM, 3, 5, 2, 3 };

	CHECK(sp_nn_nparams(&d) == 458, "LSTM parameter count as PyTorch's: %zu", sp_nn_nparams(&d));
	d.cell = SP_NN_GRU;
	CHECK(sp_nn_nparams(&d) == 3 * 5 * 3 + 3 * 5 * 5 * 3 + 4 * 3 * 5 + 18, "GRU parameter count");
	d.nlayer = 0;
	CHECK(sp_nn_work_new(&d, 4, 2) == NULL, "0 layers refused");
	test_gemm(r);
	for (int L = 1; L <= 2; L++) {
		gradcheck(r, SP_NN_LSTM, L);
		gradcheck(r, SP_NN_GRU, L);
	}
	torch_case("nn.LSTM", SP_NN_LSTM, TREF_H, lstm_params, lstm_x, lstm_wts, lstm_seq, lstm_hn,
	    lstm_cn, lstm_out, lstm_grad, lstm_dx);
	torch_case("nn.GRU", SP_NN_GRU, TREF_H, gru_params, gru_x, gru_wts, gru_seq, gru_hn, NULL,
	    gru_out, gru_grad, gru_dx);
	torch_case("nn.LSTM hidden 19", SP_NN_LSTM, TREF_H2, lstm2_params, lstm2_x, lstm2_wts,
	    lstm2_seq, lstm2_hn, lstm2_cn, lstm2_out, lstm2_grad, lstm2_dx);
	torch_case("nn.GRU hidden 19", SP_NN_GRU, TREF_H2, gru2_params, gru2_x, gru2_wts, gru2_seq,
	    gru2_hn, NULL, gru2_out, gru2_grad, gru2_dx);
	test_exp(r);
	test_opt();
	sp_rand_free(r);
	return check_summary();
}
