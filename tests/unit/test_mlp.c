/* test_mlp: dense layers against a hand-computed network, activations
 * against their definitions, and every gradient against central finite
 * differences. */
#include <stdlib.h>

#include "check.h"
#include "sp_mlp.h"
#include "sp_rand.h"

static double
uni(void *r)
{
	return sp_rand_uniform(r);
}

/* Sum of out * c for fixed random c: a scalar loss whose dLoss/dout is c. */
static double
loss(const sp_mlp_dims *d, const double *p, sp_mlp_work *w, const double *x, int B,
    const double *c, double *out)
{
	double s = 0;
	sp_mlp_forward(d, p, w, x, B, out);
	for (int i = 0; i < B * d->size[d->nlayer]; i++)
		s += out[i] * c[i];
	return s;
}

static void
gradcheck(sp_mlp_act act, int nlayer, const char *label)
{
	sp_mlp_dims d = { 0 };
	sp_rand *r = sp_rand_new(7);
	int B = 3, sizes[] = { 5, 7, 6, 4 };
	d.nlayer = nlayer;
	for (int l = 0; l <= nlayer; l++)
		d.size[l] = sizes[l];
	d.size[nlayer] = 4;
	for (int l = 0; l < nlayer; l++)
		d.act[l] = l == nlayer - 1 ? SP_MLP_LINEAR : act;
	size_t np = sp_mlp_nparams(&d);
	double *p = malloc(np * sizeof *p), *g = calloc(np, sizeof *g);
	double x[3 * 5], dx[3 * 5], c[3 * 4], out[3 * 4];
	sp_mlp_work *w = sp_mlp_work_new(&d, B);
	double maxrel = 0, maxrelx = 0;

	sp_mlp_init(&d, p, 1.0, uni, r);
	for (int i = 0; i < B * 5; i++)
		x[i] = sp_rand_normal(r, 2);
	for (int i = 0; i < B * 4; i++)
		c[i] = sp_rand_normal(r, 1);
	loss(&d, p, w, x, B, c, out);
	sp_mlp_backward(&d, p, w, c, g, dx);
	for (size_t i = 0; i < np; i++) {
		double h = 1e-6, keep = p[i], lp, lm, fd;
		p[i] = keep + h;
		lp = loss(&d, p, w, x, B, c, out);
		p[i] = keep - h;
		lm = loss(&d, p, w, x, B, c, out);
		p[i] = keep;
		fd = (lp - lm) / (2 * h);
		double rel = fabs(fd - g[i]) / (fabs(fd) + fabs(g[i]) + 1e-6);
		if (rel > maxrel)
			maxrel = rel;
	}
	for (int i = 0; i < B * 5; i++) {
		double h = 1e-6, keep = x[i], lp, lm, fd;
		x[i] = keep + h;
		lp = loss(&d, p, w, x, B, c, out);
		x[i] = keep - h;
		lm = loss(&d, p, w, x, B, c, out);
		x[i] = keep;
		fd = (lp - lm) / (2 * h);
		double rel = fabs(fd - dx[i]) / (fabs(fd) + fabs(dx[i]) + 1e-6);
		if (rel > maxrelx)
			maxrelx = rel;
	}
	CHECK(maxrel < 1e-6, "%s: parameter gradient rel. error %.3g", label, maxrel);
	CHECK(maxrelx < 1e-6, "%s: input gradient rel. error %.3g", label, maxrelx);
	/* a batch gives the same rows as one row at a time */
	{
		double one[4], all[3 * 4];
		sp_mlp_forward(&d, p, w, x, B, all);
		for (int b = 0; b < B; b++) {
			sp_mlp_forward(&d, p, w, x + b * 5, 1, one);
			CHECK_ARRAY_CLOSE(one, all + b * 4, 4, 1e-12, label);
		}
	}
	free(p), free(g);
	sp_mlp_work_free(w);
	sp_rand_free(r);
}

int
main(void)
{
	/* 2 -> 2 (ReLU) -> 1, by hand: z1 = (1 - 2, 0.5 + 4 - 1) = (-1, 3.5),
	 * a1 = (0, 3.5), out = 2*0 - 3*3.5 + 0.5 = -10. */
	sp_mlp_dims d = { .nlayer = 2, .size = { 2, 2, 1 }, .act = { SP_MLP_RELU, SP_MLP_LINEAR } };
	double p[] = { 1, -1, 0.5, 2, 0, -1, 2, -3, 0.5 }, x[] = { 1, 2 }, out, g[9] = { 0 }, dx[2];
	sp_mlp_work *w = sp_mlp_work_new(&d, 1);

	CHECK(sp_mlp_nparams(&d) == 9, "nparams %zu", sp_mlp_nparams(&d));
	CHECK(sp_mlp_w_offset(&d, 1) == 6 && sp_mlp_b_offset(&d, 1) == 8, "offsets");
	sp_mlp_forward(&d, p, w, x, 1, &out);
	CHECK_CLOSE(out, -10, 1e-15, "hand forward");
	/* dout = 1: d b2 = 1, d W2 = a1 = (0, 3.5), d a1 = (2, -3), d z1 = (0, -3)
	 * (ReLU off for the first unit), d W1 = (0, 0; -3, -6), d b1 = (0, -3),
	 * dx = W1^T dz1 = (0.5 * -3, 2 * -3) = (-1.5, -6). */
	{
		double one = 1, wantg[] = { 0, 0, -3, -6, 0, -3, 0, 3.5, 1 }, wantdx[] = { -1.5, -6 };
		sp_mlp_backward(&d, p, w, &one, g, dx);
		CHECK_ARRAY_CLOSE(g, wantg, 9, 1e-15, "hand gradient");
		CHECK_ARRAY_CLOSE(dx, wantdx, 2, 1e-15, "hand input gradient");
		/* gradients accumulate */
		sp_mlp_backward(&d, p, w, &one, g, NULL);
		CHECK_CLOSE(g[3], -12, 1e-15, "accumulated gradient");
	}
	sp_mlp_work_free(w);

	/* activations: PyTorch's definitions */
	CHECK_CLOSE(sp_mlp_act_f(SP_MLP_HARDSWISH, 1), 4.0 / 6, 1e-15, "hardswish(1)");
	CHECK_CLOSE(sp_mlp_act_f(SP_MLP_HARDSWISH, -1.5), -1.5 * 1.5 / 6, 1e-15, "hardswish(-1.5)");
	CHECK(sp_mlp_act_f(SP_MLP_HARDSWISH, -4) == 0 && sp_mlp_act_f(SP_MLP_HARDSWISH, 4) == 4, "hardswish tails");
	CHECK_CLOSE(sp_mlp_act_df(SP_MLP_HARDSWISH, 1), 5.0 / 6, 1e-15, "hardswish'(1)");
	CHECK(sp_mlp_act_df(SP_MLP_HARDSWISH, -3.5) == 0 && sp_mlp_act_df(SP_MLP_HARDSWISH, 3.5) == 1, "hardswish' tails");
	CHECK_CLOSE(sp_mlp_act_f(SP_MLP_TANH, 0.5), tanh(0.5), 1e-15, "tanh");
	CHECK(sp_mlp_act_f(SP_MLP_RELU, -2) == 0 && sp_mlp_act_f(SP_MLP_RELU, 2) == 2, "relu");
	CHECK(sp_mlp_act_parse("hardswish") == SP_MLP_HARDSWISH && sp_mlp_act_parse("gelu") == -1, "parse");
	CHECK_STR(sp_mlp_act_name(SP_MLP_TANH), "tanh", "name");

	/* bad dimensions */
	{
		sp_mlp_dims bad = { .nlayer = 0 };
		CHECK(sp_mlp_check(&bad) < 0 && !sp_mlp_work_new(&bad, 1), "0 layers rejected");
		bad.nlayer = 1, bad.size[0] = 3, bad.size[1] = 0;
		CHECK(sp_mlp_check(&bad) < 0, "size 0 rejected");
	}

	gradcheck(SP_MLP_RELU, 3, "relu 3 layers");
	gradcheck(SP_MLP_HARDSWISH, 3, "hardswish 3 layers");
	gradcheck(SP_MLP_TANH, 2, "tanh 2 layers");
	gradcheck(SP_MLP_LINEAR, 1, "one linear layer");
	return check_summary();
}
