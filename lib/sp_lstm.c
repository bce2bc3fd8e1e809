/* sp_lstm: windows, features, quantile head, training loop, model file.
 *
 * The network itself is sp_nn; this file turns a series into windows,
 * trains with Adam on a chronological split and saves/loads the model.
 */
#include "sp_lstm.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sp_model.h"
#include "sp_rand.h"
#include "sp_stats.h"
#include "sp_time.h"

#define KIND "lstm"
#define VERSION 1
#define VERSION_MIX 2   /* a mixed hybrid's file */

static int
nq1(const sp_lstm *m)
{
	return m->nq > 0 ? m->nq : 1;
}

/* The index of the exogenous input among the features. */
static int
xcol(const sp_lstm *m)
{
	return 1 + (m->calendar ? SP_LSTM_NCAL : 0);
}

sp_lstm *
sp_lstm_new(sp_nn_cell cell, int layers, int hidden, int window, int horizon,
    int features, int nq, const double *q, sp_error *err)
{
	int calendar = (features & SP_LSTM_CALENDAR) != 0, level = (features & SP_LSTM_LEVEL) != 0;
	int exog = (features & SP_LSTM_EXOG) != 0;

	sp_lstm *m;

	if (layers < 1 || layers > SP_NN_MAXLAYER || hidden < 1 || hidden > 1024 ||
	    window < 1 || window > 10000 || horizon < 1 || horizon > 1000 ||
	    nq < 0 || nq > SP_LSTM_MAXQ) {
		sp_error_set(err, SP_EUSAGE, "bad model size");
		return NULL;
	}
	for (int k = 0; k < nq; k++)
		if (!(q[k] > 0 && q[k] < 1) || (k > 0 && !(q[k] > q[k - 1]))) {
			sp_error_set(err, SP_EUSAGE, "quantiles must be ascending in (0,1)");
			return NULL;
		}
	if (!(m = calloc(1, sizeof *m))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	m->nn.cell = cell, m->nn.nlayer = layers, m->nn.nhid = hidden;
	m->nn.nin = 1 + (calendar ? SP_LSTM_NCAL : 0) + exog + level;
	m->window = window, m->horizon = horizon, m->calendar = calendar, m->level = level, m->exog = exog;
	m->nq = nq;
	m->nn.nout = horizon * nq1(m);
	for (int k = 0; k < nq; k++) {
		m->q[k] = q[k];
		if (fabs(q[k] - 0.5) < fabs(q[m->qmid] - 0.5))
			m->qmid = k;
	}
	m->scale = 1, m->step = 1, m->xscale = 1;
	m->nparams = sp_nn_nparams(&m->nn);
	m->params = calloc(m->nparams, sizeof(double));
	m->rmse = calloc((size_t)horizon, sizeof(double));
	m->cal_lo = calloc((size_t)horizon, sizeof(double));
	m->cal_hi = calloc((size_t)horizon, sizeof(double));
	m->shrink = malloc((size_t)horizon * sizeof(double));
	m->mix = calloc(3 * (size_t)horizon, sizeof(double));
	if (!m->params || !m->rmse || !m->cal_lo || !m->cal_hi || !m->shrink || !m->mix) {
		sp_lstm_free(m);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	m->mix_lo = m->mix + horizon, m->mix_hi = m->mix_lo + horizon;
	for (int h = 0; h < horizon; h++)
		m->shrink[h] = 1;
	strcpy(m->column, "value");
	return m;
}

void
sp_lstm_free(sp_lstm *m)
{
	if (!m)
		return;
	sp_lstm_free(m->alone);
	free(m->params), free(m->rmse), free(m->cal_lo), free(m->cal_hi), free(m->shrink), free(m->mix), free(m);
}

void
sp_lstm_train_defaults(sp_lstm_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 30, o->batch = 64, o->patience = 5;
	o->lr = 3e-3, o->clip = 1, o->val = 0.2, o->seed = 1, o->threads = 1, o->calibrate = 1;
	o->shrink = 1;
}

void
sp_lstm_features(const sp_lstm *m, double t, double z, double lev, double *f)
{
	f[0] = z;
	if (m->calendar) {
		/* UTC day and week position; floor keeps it right for t < 0.  The
		 * day number stays a double (fmod is exact on integers): any
		 * timestamp, however far out, gives features, not an overflow. */
		double day = floor(t / 86400), hour = (t - day * 86400) / 3600;
		double wday = fmod(fmod(day, 7) + 7 + 3, 7) + hour / 24;  /* 1970-01-01 was a Thursday (3) */
		f[1] = sin(2 * M_PI * hour / 24), f[2] = cos(2 * M_PI * hour / 24);
		f[3] = sin(2 * M_PI * wday / 7), f[4] = cos(2 * M_PI * wday / 7);
	}
	if (m->exog)
		f[xcol(m)] = 0;
	if (m->level)
		f[m->nn.nin - 1] = lev;
}

const char *
sp_lstm_feature_names(const sp_lstm *m)
{
	static const char *const names[] = { "value", "value,hour,dow", "value,level", "value,hour,dow,level",
		"value,base", "value,hour,dow,base", "value,base,level", "value,hour,dow,base,level" };
	return names[m->calendar + 2 * m->level + 4 * m->exog];
}

static double
softplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

void
sp_lstm_head(const sp_lstm *m, const double *raw, double *yhat)
{
	int Q = nq1(m);
	if (m->nq == 0) {
		memcpy(yhat, raw, (size_t)m->horizon * sizeof(double));
		return;
	}
	for (int h = 0; h < m->horizon; h++) {
		const double *r = raw + h * Q;
		double *y = yhat + h * Q;
		y[0] = r[0];
		for (int k = 1; k < Q; k++)
			y[k] = y[k - 1] + softplus(r[k]);
	}
}

double
sp_lstm_loss(const sp_lstm *m, const double *raw, const double *target, int B, double *dout)
{
	int Hz = m->horizon, Q = nq1(m), no = Hz * Q;
	double loss = 0, norm = 1.0 / ((double)B * no), yhat[SP_LSTM_MAXQ];

	for (int b = 0; b < B; b++)
		for (int h = 0; h < Hz; h++) {
			const double *r = raw + (size_t)b * no + h * Q;
			double y = target[(size_t)b * Hz + h], *d = dout ? dout + (size_t)b * no + h * Q : NULL;
			if (m->nq == 0) {
				double e = r[0] - y;
				loss += e * e;
				if (d)
					d[0] = 2 * e * norm;
				continue;
			}
			yhat[0] = r[0];
			for (int k = 1; k < Q; k++)
				yhat[k] = yhat[k - 1] + softplus(r[k]);
			for (int k = 0; k < Q; k++) {
				double u = y - yhat[k];
				loss += u * (m->q[k] - (u < 0));
			}
			if (d) {
				/* yhat_k = r_0 + sum_{j=1..k} softplus(r_j): dL/dr_j = sigm(r_j) sum_{k>=j} dL/dyhat_k */
				double s = 0;
				for (int k = Q - 1; k >= 0; k--) {
					double u = y - yhat[k];
					s += ((u < 0) - m->q[k]) * norm;
					d[k] = k > 0 ? s / (1 + exp(-r[k])) : s;
				}
			}
		}
	return loss * norm;
}

/* ---- training ---- */
static double
unif(void *r)
{
	return sp_rand_uniform(r);
}

/* x (W, B, nin) time-major and targets (B, Hz) for origins org[0..B). */
static void
fill_batch(const sp_lstm *m, const sp_lstm_train_opts *op, const double *feat, const double *z, const long *org,
    int B, double *x, double *tgt)
{
	int W = m->window, nin = m->nn.nin, Hz = m->horizon;
	for (int b = 0; b < B; b++) {
		long o = org[b];
		double lev = 0, xlev = 0;
		int xc = xcol(m);
		if (m->level) {
			for (int s = 0; s < W; s++) {
				lev += z[o - W + 1 + s];
				if (m->exog)
					xlev += feat[(size_t)(o - W + 1 + s) * nin + xc];
			}
			lev /= W, xlev /= W;
		}
		for (int s = 0; s < W; s++) {
			double *xs = x + ((size_t)s * B + b) * nin;
			memcpy(xs, feat + (size_t)(o - W + 1 + s) * nin, (size_t)nin * sizeof(double));
			if (m->level)
				xs[0] -= lev, xs[nin - 1] = lev;
			if (m->level && m->exog)
				xs[xc] -= xlev;
		}
		if (tgt)
			for (int h = 0; h < Hz; h++)
				tgt[(size_t)b * Hz + h] = z[o + 1 + h] - lev +
				    (op && op->target_adj ? op->target_adj(op->target_arg, o, h) / m->scale : 0);
	}
}

/* One share of a mini-batch: worker 0 runs in the calling thread. */
typedef struct {
	const sp_lstm *m;
	const sp_lstm_train_opts *op;
	const double *feat, *z;
	const long *org;
	int B, Btot;
	double *x, *tgt, *raw, *dout, *grad;
	sp_nn_work *w;
	double loss;   /* summed over the share's rows */
} worker;

static void *
work_share(void *arg)
{
	worker *k = arg;
	const sp_lstm *m = k->m;
	double f = (double)k->B / k->Btot;

	memset(k->grad, 0, m->nparams * sizeof(double));
	if (k->B == 0)
		return NULL;
	fill_batch(m, k->op, k->feat, k->z, k->org, k->B, k->x, k->tgt);
	sp_nn_forward(&m->nn, m->params, k->w, k->x, k->B, k->raw);
	k->loss = sp_lstm_loss(m, k->raw, k->tgt, k->B, k->dout) * k->B;
	for (size_t i = 0; i < (size_t)k->B * m->nn.nout; i++)   /* the loss is a mean over Btot rows */
		k->dout[i] *= f;
	sp_nn_backward(&m->nn, m->params, k->w, k->dout, k->grad, NULL);
	return NULL;
}

typedef struct {
	worker wk[SP_LSTM_MAXTHREADS];
	int nwk;
	double *x, *tgt, *raw, *dout, *grad, *best;
	long *tr, *va;
	double *feat, *z;
	size_t *bad;
	sp_nn_work *w;
	sp_nn_adam *adam;
	sp_rand *rng;
	const sp_lstm_train_opts *op;
} train_buf;

static void
train_buf_free(train_buf *b)
{
	free(b->x), free(b->tgt), free(b->raw), free(b->dout), free(b->grad), free(b->best);
	free(b->tr), free(b->va), free(b->feat), free(b->z), free(b->bad);
	for (int i = 1; i < b->nwk; i++) {
		worker *k = &b->wk[i];
		free(k->x), free(k->tgt), free(k->raw), free(k->dout), free(k->grad);
		sp_nn_work_free(k->w);
	}
	sp_nn_work_free(b->w);
	sp_nn_adam_free(b->adam);
	sp_rand_free(b->rng);
}

/* Mean loss over origins org[0..n) in batches of bmax, no gradient; for
 * MSE models also accumulates squared errors per horizon into se. */
static double
eval_loss(sp_lstm *m, train_buf *b, const long *org, long n, int bmax, double *se)
{
	double tot = 0;
	int Hz = m->horizon;
	for (long i = 0; i < n; i += bmax) {
		int B = (int)(n - i < bmax ? n - i : bmax);
		fill_batch(m, b->op, b->feat, b->z, org + i, B, b->x, b->tgt);
		sp_nn_forward(&m->nn, m->params, b->w, b->x, B, b->raw);
		tot += sp_lstm_loss(m, b->raw, b->tgt, B, NULL) * B;
		if (se)
			for (int r = 0; r < B; r++)
				for (int h = 0; h < Hz; h++) {
					double e = b->raw[(size_t)r * Hz + h] - b->tgt[(size_t)r * Hz + h];
					se[h] += e * e;
				}
	}
	return tot / (double)n;
}

/* The window-level offset of origin o (normalised units; 0 without
 * window-level normalisation), as fill_batch takes it off. */
static double
window_lev(const sp_lstm *m, const double *z, long o)
{
	double lev = 0;

	if (!m->level)
		return 0;
	for (int s = 0; s < m->window; s++)
		lev += z[o - m->window + 1 + s];
	return lev / m->window;
}

static int
cmp_first(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
sp_lstm_shrink_fit(const double *r, const double *p, size_t n, double *work)
{
	double tot = 0, acc = 0, a = 1;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(r[i]) && isfinite(p[i]) && p[i] != 0) {
			work[2 * k] = r[i] / p[i], work[2 * k + 1] = fabs(p[i]);
			tot += work[2 * k + 1], k++;
		}
	if (k == 0 || !(tot > 0) || !isfinite(tot))
		return 1;
	qsort(work, k, 2 * sizeof(double), cmp_first);
	for (size_t j = 0; j < k; j++) {
		acc += work[2 * j + 1];
		if (acc >= 0.5 * tot || j == k - 1) {
			a = work[2 * j];
			break;
		}
	}
	return a < 0 ? 0 : a > 1 ? 1 : a;
}

/* The shift of every quantile of horizon h (normalised units, relative to
 * the window level lev) for the shrinkage: (alpha_h - 1) times the middle
 * quantile qmid in data units, over the scale. */
static double
shrink_shift(const sp_lstm *m, int h, double qmid, double lev)
{
	return (m->shrink[h] - 1) * (qmid + lev + m->mean / m->scale);
}

/* A hybrid's shrinkage fitted on the validation windows (see sp_lstm.h);
 * an MSE model's RMSE per horizon is then that of the shrunk forecast. */
static int
fit_shrink(sp_lstm *m, train_buf *b, long nva, int bmax, sp_error *err)
{
	int Hz = m->horizon, Q = nq1(m);
	double *r = malloc((size_t)nva * Hz * sizeof(double)), *p = malloc((size_t)nva * Hz * sizeof(double));
	double *work = malloc(2 * (size_t)nva * sizeof(double)), *qh = malloc((size_t)m->nn.nout * sizeof(double));

	if (!r || !p || !work || !qh) {
		free(r), free(p), free(work), free(qh);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	for (long i = 0; i < nva; i += bmax) {
		int B = (int)(nva - i < bmax ? nva - i : bmax);
		fill_batch(m, b->op, b->feat, b->z, b->va + i, B, b->x, b->tgt);
		sp_nn_forward(&m->nn, m->params, b->w, b->x, B, b->raw);
		for (int k = 0; k < B; k++) {
			double lev = window_lev(m, b->z, b->va[i + k]);
			sp_lstm_head(m, b->raw + (size_t)k * m->nn.nout, qh);
			for (int h = 0; h < Hz; h++) {
				size_t j = (size_t)h * nva + i + k;
				p[j] = (qh[h * Q + m->qmid] + lev) * m->scale + m->mean;
				r[j] = (b->tgt[(size_t)k * Hz + h] + lev) * m->scale + m->mean;
			}
		}
	}
	for (int h = 0; h < Hz; h++) {
		const double *rh = r + (size_t)h * nva, *ph = p + (size_t)h * nva;
		m->shrink[h] = sp_lstm_shrink_fit(rh, ph, (size_t)nva, work);
		if (m->nq == 0) {
			double se = 0;
			for (long j = 0; j < nva; j++)
				se += (rh[j] - m->shrink[h] * ph[j]) * (rh[j] - m->shrink[h] * ph[j]);
			m->rmse[h] = sqrt(se / (double)nva);
		}
	}
	m->shrunk = 1;
	free(r), free(p), free(work), free(qh);
	return SP_OK;
}

/* Split-conformal widening of the outer quantiles on the validation windows
 * (of the quantiles as moved by the shrinkage). */
static int
calibrate(sp_lstm *m, train_buf *b, long nva, int bmax, sp_error *err)
{
	int Hz = m->horizon, Q = m->nq;
	double *elo = malloc((size_t)nva * Hz * sizeof(double)), *ehi = malloc((size_t)nva * Hz * sizeof(double));
	double *col = malloc((size_t)nva * sizeof(double));
	double *qh = malloc((size_t)m->nn.nout * sizeof(double));

	if (!elo || !ehi || !col || !qh) {
		free(elo), free(ehi), free(col), free(qh);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	for (long i = 0; i < nva; i += bmax) {
		int B = (int)(nva - i < bmax ? nva - i : bmax);
		fill_batch(m, b->op, b->feat, b->z, b->va + i, B, b->x, b->tgt);
		sp_nn_forward(&m->nn, m->params, b->w, b->x, B, b->raw);
		for (int r = 0; r < B; r++) {
			double lev = m->shrunk ? window_lev(m, b->z, b->va[i + r]) : 0;
			sp_lstm_head(m, b->raw + (size_t)r * m->nn.nout, qh);
			for (int h = 0; h < Hz; h++) {
				double y = b->tgt[(size_t)r * Hz + h];
				double d = m->shrunk ? shrink_shift(m, h, qh[h * Q + m->qmid], lev) : 0;
				elo[(size_t)h * nva + i + r] = qh[h * Q] + d - y;
				ehi[(size_t)h * nva + i + r] = y - (qh[h * Q + Q - 1] + d);
			}
		}
	}
	for (int h = 0; h < Hz; h++) {
		m->cal_lo[h] = sp_stats_quantile(elo + (size_t)h * nva, (size_t)nva, 1 - m->q[0], col);
		m->cal_hi[h] = sp_stats_quantile(ehi + (size_t)h * nva, (size_t)nva, m->q[Q - 1], col);
	}
	m->calibrated = 1;
	free(elo), free(ehi), free(col), free(qh);
	return SP_OK;
}

/* The first row of the validation part of n rows (n when none). */
static size_t
val_split(size_t n, int Hz, double val)
{
	size_t split = n - (size_t)floor(val * (double)n);

	if (val > 0 && n - split < (size_t)Hz)
		split = n > (size_t)Hz ? n - (size_t)Hz : 0;
	return split;
}

int
sp_lstm_train(sp_lstm *m, const double *t, const double *y, size_t n,
    const sp_lstm_train_opts *o, sp_error *err)
{
	train_buf b = { 0 };
	int W = m->window, Hz = m->horizon, nin = m->nn.nin, bs = o->batch, rc = SP_OK;
	size_t split, need, nfin = 0;
	double *d = NULL, sum = 0, best = INFINITY, st;
	long ntr = 0, nva = 0;
	int since = 0;

	if (o->batch < 1 || o->epochs < 1 || !(o->val >= 0 && o->val <= 0.9) || !(o->lr > 0))
		return sp_error_set(err, SP_EUSAGE, "bad training options");
	if (m->exog && !o->exog)
		return sp_error_set(err, SP_EUSAGE, "the model has an exogenous input and none was given");
	need = (size_t)W + (size_t)Hz + (o->val > 0 ? (size_t)Hz : 0);
	if (n < need)
		return sp_error_set(err, SP_EDATA, "too little data: %zu rows; window %d and horizon %d "
		    "need at least %zu%s", n, W, Hz, need, o->val > 0 ? " with a validation part" : "");
	split = val_split(n, Hz, o->val);
	if (split < (size_t)W + (size_t)Hz)
		return sp_error_set(err, SP_EDATA, "too little data: %zu rows leave %zu for training "
		    "before the validation part; window %d and horizon %d need at least %d",
		    n, split, W, Hz, W + Hz);

	/* spacing: the median step */
	if (!(d = calloc(n - 1, sizeof *d)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (size_t i = 1; i < n; i++) {
		d[i - 1] = t[i] - t[i - 1];
		if (!(d[i - 1] > 0)) {
			free(d);
			return sp_error_set(err, SP_EDATA, "row %zu: timestamp not after the previous row's", i + 1);
		}
	}
	st = sp_stats_quantile(d, n - 1, 0.5, NULL);
	if (o->warm && !(fabs(st - m->step) <= 1e-6 * m->step)) {
		free(d);
		return sp_error_set(err, SP_EDATA, "the series' step %g s differs from the model's "
		    "%g s (resample with window first)", st, m->step);
	}
	m->step = st;
	for (size_t i = 1; i < n; i++)
		if (fabs(d[i - 1] - m->step) > 1e-6 * m->step) {
			rc = sp_error_set(err, SP_EDATA, "row %zu: spacing %g s differs from the series' "
			    "step %g s (resample with window first)", i + 1, d[i - 1], m->step);
			free(d);
			return rc;
		}
	free(d);

	/* normalisation from the training part only (warm: the model's, which
	 * its weights were trained for) */
	for (size_t i = 0; i < split; i++)
		if (isfinite(y[i]))
			sum += y[i], nfin++;
	if (nfin == 0)
		return sp_error_set(err, SP_EDATA, "no values in the training part");
	if (!o->warm) {
		m->mean = sum / (double)nfin;
		sum = 0;
		for (size_t i = 0; i < split; i++)
			if (isfinite(y[i]))
				sum += (y[i] - m->mean) * (y[i] - m->mean);
		m->scale = sqrt(sum / (double)nfin);
		if (!(m->scale > 1e-12 * fmax(1, fabs(m->mean))))
			m->scale = 1;
	}
	if (m->exog && !o->warm) {
		double xs = 0, xq = 0;
		size_t nx = 0;
		for (size_t i = 0; i < split; i++)
			if (isfinite(o->exog[i]))
				xs += o->exog[i], nx++;
		m->xmean = nx ? xs / (double)nx : 0;
		for (size_t i = 0; i < split; i++)
			if (isfinite(o->exog[i]))
				xq += (o->exog[i] - m->xmean) * (o->exog[i] - m->xmean);
		m->xscale = nx ? sqrt(xq / (double)nx) : 1;
		if (!(m->xscale > 1e-12 * fmax(1, fabs(m->xmean))))
			m->xscale = 1;
	}

	b.feat = malloc(n * (size_t)nin * sizeof(double));
	b.z = malloc(n * sizeof(double));
	b.bad = malloc((n + 1) * sizeof(size_t));
	b.tr = malloc(n * sizeof(long));
	b.va = malloc(n * sizeof(long));
	b.x = malloc((size_t)W * bs * nin * sizeof(double));
	b.tgt = malloc((size_t)bs * Hz * sizeof(double));
	b.raw = malloc((size_t)bs * m->nn.nout * sizeof(double));
	b.dout = malloc((size_t)bs * m->nn.nout * sizeof(double));
	b.grad = malloc(m->nparams * sizeof(double));
	b.best = malloc(m->nparams * sizeof(double));
	b.w = sp_nn_work_new(&m->nn, W, bs);
	b.adam = sp_nn_adam_new(m->nparams, o->lr, 0.9, 0.999, 1e-8);
	b.rng = sp_rand_new(o->seed);
	b.op = o;
	if (!b.feat || !b.z || !b.bad || !b.tr || !b.va || !b.x || !b.tgt || !b.raw ||
	    !b.dout || !b.grad || !b.best || !b.w || !b.adam || !b.rng) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	/* data-parallel shares of each mini-batch; worker 0 uses the buffers above */
	b.nwk = o->threads < 1 ? 1 : o->threads > SP_LSTM_MAXTHREADS ? SP_LSTM_MAXTHREADS : o->threads;
	if (b.nwk > bs)
		b.nwk = bs;
	for (int i = 0; i < b.nwk; i++) {
		worker *k = &b.wk[i];
		int sb = (bs + b.nwk - 1) / b.nwk;
		k->m = m, k->op = o;
		if (i == 0) {
			k->x = b.x, k->tgt = b.tgt, k->raw = b.raw, k->dout = b.dout, k->grad = b.grad, k->w = b.w;
			continue;
		}
		k->x = malloc((size_t)W * sb * nin * sizeof(double));
		k->tgt = malloc((size_t)sb * Hz * sizeof(double));
		k->raw = malloc((size_t)sb * m->nn.nout * sizeof(double));
		k->dout = malloc((size_t)sb * m->nn.nout * sizeof(double));
		k->grad = malloc(m->nparams * sizeof(double));
		k->w = sp_nn_work_new(&m->nn, W, sb);
		if (!k->x || !k->tgt || !k->raw || !k->dout || !k->grad || !k->w) {
			rc = sp_error_set(err, SP_ENOMEM, "out of memory");
			goto out;
		}
	}
	b.bad[0] = 0;
	for (size_t i = 0; i < n; i++) {
		int xbad = m->exog && !isfinite(o->exog[i]);
		b.z[i] = (y[i] - m->mean) / m->scale;
		b.bad[i + 1] = b.bad[i] + (!isfinite(y[i]) || xbad);
		sp_lstm_features(m, t[i], isfinite(b.z[i]) ? b.z[i] : 0, 0, b.feat + i * nin);
		if (m->exog && !xbad)
			b.feat[i * nin + (size_t)xcol(m)] = (o->exog[i] - m->xmean) / m->xscale;
	}
	/* origin o = index of the last input; targets o+1..o+Hz */
	for (size_t k = (size_t)W - 1; k + (size_t)Hz < n; k++) {
		if (b.bad[k + Hz + 1] - b.bad[k + 1 - W] != 0)
			continue;
		if (k + Hz < split)
			b.tr[ntr++] = (long)k;
		else if (k + 1 >= split)
			b.va[nva++] = (long)k;
	}
	m->ntrain = ntr, m->nval = nva;
	if (ntr == 0 || (o->val > 0 && nva == 0)) {
		rc = sp_error_set(err, SP_EDATA, "no complete %s window (window %d + horizon %d without "
		    "missing values)", ntr == 0 ? "training" : "validation", W, Hz);
		goto out;
	}

	m->seed = o->seed;
	if (!o->warm)
		sp_nn_init(&m->nn, m->params, unif, b.rng);
	memcpy(b.best, m->params, m->nparams * sizeof(double));
	m->epochs = m->best_epoch = 0;
	if (o->warm && nva > 0) {
		/* the starting weights are epoch 0: training must beat them */
		best = eval_loss(m, &b, b.va, nva, bs, NULL);
		m->train_loss = eval_loss(m, &b, b.tr, ntr, bs, NULL), m->val_loss = best;
		if (!isfinite(best) || !isfinite(m->train_loss)) {
			rc = sp_error_set(err, SP_EDATA, "the starting model's loss on this series is not "
			    "finite");
			goto out;
		}
		if (o->progress)
			o->progress(o->arg, 0, m->train_loss, best, 1);
	}
	for (int ep = 1; ep <= o->epochs; ep++) {
		double tl = 0, vl = NAN;
		int improved;
		sp_rand_shuffle(b.rng, b.tr, (size_t)ntr, sizeof(long));
		for (long i = 0; i < ntr; i += bs) {
			int B = (int)(ntr - i < bs ? ntr - i : bs);
			pthread_t tid[SP_LSTM_MAXTHREADS];
			int started[SP_LSTM_MAXTHREADS] = { 0 }, sb = (B + b.nwk - 1) / b.nwk, off = 0;
			for (int k = 0; k < b.nwk; k++) {
				worker *wk = &b.wk[k];
				wk->feat = b.feat, wk->z = b.z, wk->org = b.tr + i + off;
				wk->B = B - off < sb ? B - off : sb, wk->Btot = B, wk->loss = 0;
				off += wk->B;
				if (k > 0)
					started[k] = pthread_create(&tid[k], NULL, work_share, wk) == 0;
			}
			work_share(&b.wk[0]);
			for (int k = 1; k < b.nwk; k++)
				if (started[k])
					pthread_join(tid[k], NULL);
				else
					work_share(&b.wk[k]);   /* no thread: do the share here */
			for (int k = 0; k < b.nwk; k++) {
				tl += b.wk[k].loss;
				if (k > 0)
					for (size_t j = 0; j < m->nparams; j++)
						b.grad[j] += b.wk[k].grad[j];
			}
			sp_nn_clip(b.grad, m->nparams, o->clip);
			sp_nn_adam_step(b.adam, m->params, b.grad);
		}
		tl /= (double)ntr;
		if (!isfinite(tl)) {
			rc = sp_error_set(err, SP_EDATA, "training diverged at epoch %d (loss %g); "
			    "try a smaller --lr", ep, tl);
			goto out;
		}
		if (nva > 0)
			vl = eval_loss(m, &b, b.va, nva, bs, NULL);
		m->epochs = ep;
		improved = nva > 0 ? vl < best : 1;
		if (improved) {
			best = nva > 0 ? vl : tl;
			m->best_epoch = ep, m->train_loss = tl, m->val_loss = vl;
			memcpy(b.best, m->params, m->nparams * sizeof(double));
			since = 0;
		} else
			since++;
		if (o->progress)
			o->progress(o->arg, ep, tl, vl, improved);
		if (nva > 0 && since >= o->patience)
			break;
	}
	memcpy(m->params, b.best, m->nparams * sizeof(double));
	memset(m->cal_lo, 0, (size_t)Hz * sizeof(double));
	memset(m->cal_hi, 0, (size_t)Hz * sizeof(double));
	m->calibrated = 0;
	for (int h = 0; h < Hz; h++)
		m->shrink[h] = 1;
	m->shrunk = 0;
	if (m->base[0] && nva > 0 && o->shrink && (rc = fit_shrink(m, &b, nva, bs, err)) < 0)
		goto out;
	if (m->nq > 0 && nva > 0 && o->calibrate && (rc = calibrate(m, &b, nva, bs, err)) < 0)
		goto out;
	if (m->nq == 0 && !m->shrunk) {
		/* per-horizon RMSE (data units) of the restored weights on the validation part */
		memset(m->rmse, 0, (size_t)Hz * sizeof(double));
		if (nva > 0)
			eval_loss(m, &b, b.va, nva, bs, m->rmse);
		else
			eval_loss(m, &b, b.tr, ntr, bs, m->rmse);
		for (int h = 0; h < Hz; h++)
			m->rmse[h] = sqrt(m->rmse[h] / (double)(nva > 0 ? nva : ntr)) * m->scale;
	}
out:
	train_buf_free(&b);
	return rc;
}

int
sp_lstm_input_col(const sp_lstm *m, const char *mpath, const sp_csv_reader *r,
    const char *column, sp_error *err)
{
	int col;
	if (column || !m)
		return sp_csv_pick_col(r, column, err);
	if ((col = sp_csv_col_index(r, m->column)) < 0)
		return sp_error_set(err, SP_EDATA, "%s was trained on column '%s' (features %s) and the "
		    "input has no such column; pick one with -c", mpath, m->column, sp_lstm_feature_names(m));
	return col;
}

/* ---- model file ---- */
int
sp_lstm_save(const sp_lstm *m, const char *path, const char *cmdline, sp_error *err)
{
	int mixed = m->base[0] && m->alone && m->mixed;
	const sp_lstm *a = m->alone;
	sp_model_writer *w = sp_model_create(path, KIND, mixed ? VERSION_MIX : VERSION, err);
	if (!w)
		return err ? err->code : SP_EIO;
	sp_model_put_str(w, "cell", m->nn.cell == SP_NN_GRU ? "gru" : "lstm");
	sp_model_put_long(w, "layers", m->nn.nlayer);
	sp_model_put_long(w, "hidden", m->nn.nhid);
	sp_model_put_long(w, "window", m->window);
	sp_model_put_long(w, "horizon", m->horizon);
	sp_model_put_str(w, "features", sp_lstm_feature_names(m));
	sp_model_put_long(w, "inputs", m->nn.nin);
	sp_model_put_str(w, "loss", m->nq > 0 ? "pinball" : "mse");
	if (m->nq > 0)
		sp_model_put_doubles(w, "quantiles", (size_t)m->nq, m->q);
	else
		sp_model_put_doubles(w, "rmse", (size_t)m->horizon, m->rmse);
	if (m->nq > 0 && m->calibrated) {
		sp_model_put_doubles(w, "calib_lower", (size_t)m->horizon, m->cal_lo);
		sp_model_put_doubles(w, "calib_upper", (size_t)m->horizon, m->cal_hi);
	}
	sp_model_put_str(w, "column", m->column);
	sp_model_put_double(w, "mean", m->mean);
	sp_model_put_double(w, "scale", m->scale);
	if (m->exog) {
		sp_model_put_double(w, "base_mean", m->xmean);
		sp_model_put_double(w, "base_scale", m->xscale);
	}
	sp_model_put_double(w, "step", m->step);
	sp_model_put_long(w, "seed", (long)m->seed);
	sp_model_put_long(w, "epochs", m->epochs);
	sp_model_put_long(w, "best_epoch", m->best_epoch);
	sp_model_put_long(w, "train_windows", m->ntrain);
	sp_model_put_long(w, "val_windows", m->nval);
	sp_model_put_double(w, "train_loss", m->train_loss);
	if (isfinite(m->val_loss))
		sp_model_put_double(w, "val_loss", m->val_loss);
	if (m->base[0]) {
		sp_model_put_line(w, "base", m->base);
		sp_model_put_str(w, "base_fnv1a64", m->base_sum);
		if (m->base_rolling)
			sp_model_put_str(w, "base_residuals", "rolling");
		if (m->shrunk)
			sp_model_put_doubles(w, "base_shrink", (size_t)m->horizon, m->shrink);
	}
	if (mixed) {
		sp_model_put_doubles(w, "mix", (size_t)m->horizon, m->mix);
		sp_model_put_doubles(w, "mix_calib_lower", (size_t)m->horizon, m->mix_lo);
		sp_model_put_doubles(w, "mix_calib_upper", (size_t)m->horizon, m->mix_hi);
		sp_model_put_double(w, "alone_mean", a->mean);
		sp_model_put_double(w, "alone_scale", a->scale);
		if (a->nq == 0)
			sp_model_put_doubles(w, "alone_rmse", (size_t)a->horizon, a->rmse);
		else if (a->calibrated) {
			sp_model_put_doubles(w, "alone_calib_lower", (size_t)a->horizon, a->cal_lo);
			sp_model_put_doubles(w, "alone_calib_upper", (size_t)a->horizon, a->cal_hi);
		}
		sp_model_put_long(w, "alone_epochs", a->epochs);
		sp_model_put_long(w, "alone_best_epoch", a->best_epoch);
		sp_model_put_doubles(w, "alone_weights", a->nparams, a->params);
	}
	sp_model_put_line(w, "command", cmdline ? cmdline : "");
	sp_model_put_long(w, "nparams", (long)m->nparams);
	sp_model_put_doubles(w, "weights", m->nparams, m->params);
	return sp_model_commit(w, err);
}

int
sp_lstm_save_check(const char *path, sp_error *err)
{
	sp_model_writer *w = sp_model_create(path, KIND, VERSION, err);

	if (!w)
		return err ? err->code : SP_EIO;
	sp_model_abort(w);
	return 0;
}

int
sp_lstm_set_column(sp_lstm *m, const char *name, sp_error *err)
{
	if (strlen(name) >= sizeof m->column || strpbrk(name, " \t\r\n"))
		return sp_error_set(err, SP_EDATA, "column name '%s' cannot be stored in a model (spaces or too long)",
		    name);
	strcpy(m->column, name);
	return 0;
}

/* A version 2 file's mix: m->alone, m->mix, mix_lo, mix_hi. */
static int
load_mix(sp_model *f, const char *path, sp_lstm *m, sp_error *err)
{
	sp_lstm *a;
	long ep, bep;
	int H = m->horizon;

	if (!m->base[0] || !sp_model_has(f, "mix")) {
		sp_error_set(err, SP_EMODEL, "%s: a version %d model is a mixed hybrid: it needs 'base' and 'mix'",
		    path, VERSION_MIX);
		return SP_EMODEL;
	}
	if (!(a = sp_lstm_alone_new(m, err)))
		return err ? err->code : SP_ENOMEM;
	m->alone = a;
	if (sp_model_get_doubles(f, "mix", (size_t)H, m->mix, err) < 0 ||
	    sp_model_get_doubles(f, "mix_calib_lower", (size_t)H, m->mix_lo, err) < 0 ||
	    sp_model_get_doubles(f, "mix_calib_upper", (size_t)H, m->mix_hi, err) < 0 ||
	    sp_model_get_double(f, "alone_mean", &a->mean, err) < 0 ||
	    sp_model_get_double(f, "alone_scale", &a->scale, err) < 0 ||
	    (a->nq == 0 && sp_model_get_doubles(f, "alone_rmse", (size_t)H, a->rmse, err) < 0) ||
	    sp_model_get_long(f, "alone_epochs", 0, 1000000, &ep, err) < 0 ||
	    sp_model_get_long(f, "alone_best_epoch", 0, 1000000, &bep, err) < 0)
		return err ? err->code : SP_EMODEL;
	if (a->nq > 0 && sp_model_has(f, "alone_calib_lower")) {
		if (sp_model_get_doubles(f, "alone_calib_lower", (size_t)H, a->cal_lo, err) < 0 ||
		    sp_model_get_doubles(f, "alone_calib_upper", (size_t)H, a->cal_hi, err) < 0)
			return err ? err->code : SP_EMODEL;
		a->calibrated = 1;
	}
	for (int h = 0; h < H; h++)
		if (!(m->mix[h] >= 0 && m->mix[h] <= 1) || !isfinite(m->mix_lo[h]) || !isfinite(m->mix_hi[h])) {
			sp_error_set(err, SP_EMODEL, "%s: 'mix' values must lie in [0,1] and its calibration be finite",
			    path);
			return SP_EMODEL;
		}
	if (!(a->scale > 0)) {
		sp_error_set(err, SP_EMODEL, "%s: 'alone_scale' must be positive", path);
		return SP_EMODEL;
	}
	a->epochs = (int)ep, a->best_epoch = (int)bep, a->val_loss = NAN, a->step = m->step;
	m->mixed = 1;
	return sp_model_get_doubles(f, "alone_weights", a->nparams, a->params, err);
}

sp_lstm *
sp_lstm_load(const char *path, sp_error *err)
{
	int version = 0;
	sp_model *f = sp_model_load(path, KIND, VERSION_MIX, &version, err);
	sp_lstm *m = NULL;
	const char *cell, *feat, *loss, *col, *cmd;
	long layers, hidden, window, horizon, inputs, nparams, seed, ep, bep, ntr, nva, nq = 0;
	double q[SP_LSTM_MAXQ], v;
	int features;

	if (!f)
		return NULL;
	if (sp_model_get_str(f, "cell", &cell, err) < 0 ||
	    sp_model_get_long(f, "layers", 1, SP_NN_MAXLAYER, &layers, err) < 0 ||
	    sp_model_get_long(f, "hidden", 1, 1024, &hidden, err) < 0 ||
	    sp_model_get_long(f, "window", 1, 10000, &window, err) < 0 ||
	    sp_model_get_long(f, "horizon", 1, 1000, &horizon, err) < 0 ||
	    sp_model_get_str(f, "features", &feat, err) < 0 ||
	    sp_model_get_long(f, "inputs", 1, 3 + SP_LSTM_NCAL, &inputs, err) < 0 ||
	    sp_model_get_str(f, "loss", &loss, err) < 0)
		goto fail;
	if (strcmp(cell, "lstm") != 0 && strcmp(cell, "gru") != 0) {
		sp_error_set(err, SP_EMODEL, "%s: cell '%s' is neither lstm nor gru", path, cell);
		goto fail;
	}
	{
		sp_lstm probe = { 0 };
		for (features = 0; features < 8; features++) {
			probe.calendar = (features & SP_LSTM_CALENDAR) != 0, probe.level = (features & SP_LSTM_LEVEL) != 0;
			probe.exog = (features & SP_LSTM_EXOG) != 0;
			if (strcmp(feat, sp_lstm_feature_names(&probe)) == 0)
				break;
		}
	}
	if (features == 8) {
		sp_error_set(err, SP_EMODEL, "%s: unknown features '%s'", path, feat);
		goto fail;
	}
	if (inputs != 1 + ((features & SP_LSTM_CALENDAR) ? SP_LSTM_NCAL : 0) + ((features & SP_LSTM_LEVEL) != 0) +
	    ((features & SP_LSTM_EXOG) != 0)) {
		sp_error_set(err, SP_EMODEL, "%s: 'inputs' %ld does not match features '%s'", path, inputs, feat);
		goto fail;
	}
	if (strcmp(loss, "pinball") == 0) {
		nq = sp_model_count(f, "quantiles", err);
		if (nq < 0)
			goto fail;
		if (nq < 1 || nq > SP_LSTM_MAXQ) {
			sp_error_set(err, SP_EMODEL, "%s: 'quantiles' needs 1..%d values", path, SP_LSTM_MAXQ);
			goto fail;
		}
		if (sp_model_get_doubles(f, "quantiles", (size_t)nq, q, err) < 0)
			goto fail;
	} else if (strcmp(loss, "mse") != 0) {
		sp_error_set(err, SP_EMODEL, "%s: loss '%s' is neither pinball nor mse", path, loss);
		goto fail;
	}
	if (!(m = sp_lstm_new(strcmp(cell, "gru") == 0 ? SP_NN_GRU : SP_NN_LSTM, (int)layers,
	    (int)hidden, (int)window, (int)horizon, features, (int)nq, q, err))) {
		if (err && err->code == SP_EUSAGE)
			sp_error_prefix(err, "%s", path), err->code = SP_EMODEL;
		goto fail;
	}
	if (nq == 0 && sp_model_get_doubles(f, "rmse", (size_t)horizon, m->rmse, err) < 0)
		goto fail;
	if (nq > 0 && sp_model_has(f, "calib_lower")) {
		if (sp_model_get_doubles(f, "calib_lower", (size_t)horizon, m->cal_lo, err) < 0 ||
		    sp_model_get_doubles(f, "calib_upper", (size_t)horizon, m->cal_hi, err) < 0)
			goto fail;
		m->calibrated = 1;
	}
	if (sp_model_get_str(f, "column", &col, err) < 0 ||
	    sp_model_get_double(f, "mean", &m->mean, err) < 0 ||
	    sp_model_get_double(f, "scale", &m->scale, err) < 0 ||
	    (m->exog && (sp_model_get_double(f, "base_mean", &m->xmean, err) < 0 ||
	    sp_model_get_double(f, "base_scale", &m->xscale, err) < 0)) ||
	    sp_model_get_double(f, "step", &m->step, err) < 0 ||
	    sp_model_get_long(f, "seed", 0, 0x7fffffffL, &seed, err) < 0 ||
	    sp_model_get_long(f, "epochs", 0, 1000000, &ep, err) < 0 ||
	    sp_model_get_long(f, "best_epoch", 0, 1000000, &bep, err) < 0 ||
	    sp_model_get_long(f, "train_windows", 0, 0x7fffffffL, &ntr, err) < 0 ||
	    sp_model_get_long(f, "val_windows", 0, 0x7fffffffL, &nva, err) < 0 ||
	    sp_model_get_double(f, "train_loss", &m->train_loss, err) < 0 ||
	    sp_model_get_line(f, "command", &cmd, err) < 0 ||
	    sp_model_get_long(f, "nparams", 1, 100000000L, &nparams, err) < 0)
		goto fail;
	v = NAN;
	if (sp_model_get_double_opt(f, "val_loss", &v, err) < 0)
		goto fail;
	m->val_loss = v;
	if (sp_model_has(f, "base") || sp_model_has(f, "base_fnv1a64")) {
		const char *b, *sum;
		if (sp_model_get_line(f, "base", &b, err) < 0 || sp_model_get_str(f, "base_fnv1a64", &sum, err) < 0)
			goto fail;
		if (!b[0] || strlen(b) >= sizeof m->base || strlen(sum) != 16 || strspn(sum, "0123456789abcdef") != 16) {
			sp_error_set(err, SP_EMODEL, "%s: 'base' must be a path and 'base_fnv1a64' 16 hex digits", path);
			goto fail;
		}
		strcpy(m->base, b), strcpy(m->base_sum, sum);
		if (sp_model_has(f, "base_residuals")) {
			if (sp_model_get_str(f, "base_residuals", &b, err) < 0)
				goto fail;
			if (strcmp(b, "rolling") != 0) {
				sp_error_set(err, SP_EMODEL, "%s: 'base_residuals' must be 'rolling'", path);
				goto fail;
			}
			m->base_rolling = 1;
		}
	}
	if (sp_model_has(f, "base_shrink")) {
		if (!m->base[0]) {
			sp_error_set(err, SP_EMODEL, "%s: 'base_shrink' without a 'base'", path);
			goto fail;
		}
		if (sp_model_get_doubles(f, "base_shrink", (size_t)horizon, m->shrink, err) < 0)
			goto fail;
		for (long h = 0; h < horizon; h++)
			if (!(m->shrink[h] >= 0 && m->shrink[h] <= 1)) {
				sp_error_set(err, SP_EMODEL, "%s: 'base_shrink' values must lie in [0,1] (%g)", path,
				    m->shrink[h]);
				goto fail;
			}
		m->shrunk = 1;
	}
	if (version >= VERSION_MIX && load_mix(f, path, m, err) < 0)
		goto fail;
	if (m->exog && (!m->base_rolling || !(m->xscale > 0) || !isfinite(m->xmean))) {
		sp_error_set(err, SP_EMODEL, "%s: the 'base' feature needs a base with rolling residuals and a "
		    "positive 'base_scale'", path);
		goto fail;
	}
	if ((size_t)nparams != m->nparams) {
		sp_error_set(err, SP_EMODEL, "%s: 'nparams' is %ld, but a %s of %ld layer(s), hidden %ld, "
		    "%ld inputs and %d outputs has %zu", path, nparams, cell, layers, hidden, inputs,
		    m->nn.nout, m->nparams);
		goto fail;
	}
	if (!(m->scale > 0) || !(m->step > 0)) {
		sp_error_set(err, SP_EMODEL, "%s: 'scale' and 'step' must be positive", path);
		goto fail;
	}
	if (strlen(col) >= sizeof m->column) {
		sp_error_set(err, SP_EMODEL, "%s: column name too long", path);
		goto fail;
	}
	strcpy(m->column, col);
	m->seed = (unsigned long)seed, m->epochs = (int)ep, m->best_epoch = (int)bep;
	m->ntrain = ntr, m->nval = nva;
	if (sp_model_get_doubles(f, "weights", m->nparams, m->params, err) < 0 ||
	    sp_model_finish(f, err) < 0)
		goto fail;
	sp_model_free(f);
	return m;
fail:
	sp_lstm_free(m);
	sp_model_free(f);
	return NULL;
}

/* ---- prediction ---- */
struct sp_lstm_pred {
	const sp_lstm *m;
	sp_nn_work *w;
	double *x, *raw, *yhat;
};

sp_lstm_pred *
sp_lstm_pred_new(const sp_lstm *m, sp_error *err)
{
	sp_lstm_pred *p = calloc(1, sizeof *p);
	if (p) {
		p->m = m;
		p->w = sp_nn_work_new(&m->nn, m->window, 1);
		p->x = malloc((size_t)m->window * m->nn.nin * sizeof(double));
		p->raw = malloc((size_t)m->nn.nout * sizeof(double));
		p->yhat = malloc((size_t)m->nn.nout * sizeof(double));
	}
	if (!p || !p->w || !p->x || !p->raw || !p->yhat) {
		sp_lstm_pred_free(p);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	return p;
}

void
sp_lstm_pred_free(sp_lstm_pred *p)
{
	if (!p)
		return;
	sp_nn_work_free(p->w);
	free(p->x), free(p->raw), free(p->yhat), free(p);
}

void
sp_lstm_predict(sp_lstm_pred *p, const double *t, const double *y,
    double *lo, double *mid, double *hi)
{
	sp_lstm_predict_x(p, t, y, NULL, lo, mid, hi);
}

void
sp_lstm_predict_x(sp_lstm_pred *p, const double *t, const double *y, const double *x,
    double *lo, double *mid, double *hi)
{
	const sp_lstm *m = p->m;
	int nin = m->nn.nin, Q = nq1(m), xc = xcol(m), ex = m->exog && x;

	double lev = 0, xlev = 0;

	if (m->level) {
		for (int s = 0; s < m->window; s++) {
			lev += (y[s] - m->mean) / m->scale;
			if (ex)
				xlev += (x[s] - m->xmean) / m->xscale;
		}
		lev /= m->window, xlev /= m->window;
	}
	for (int s = 0; s < m->window; s++) {
		sp_lstm_features(m, t[s], (y[s] - m->mean) / m->scale - lev, lev, p->x + (size_t)s * nin);
		if (ex)
			p->x[(size_t)s * nin + (size_t)xc] = (x[s] - m->xmean) / m->xscale - xlev;
	}
	sp_nn_forward(&m->nn, m->params, p->w, p->x, 1, p->raw);
	sp_lstm_head(m, p->raw, p->yhat);
	for (int k = 0; k < m->nn.nout; k++)
		p->yhat[k] += lev;
	for (int h = 0; h < m->horizon; h++) {
		const double *q = p->yhat + h * Q;
		if (m->nq == 0) {
			mid[h] = q[0] * m->scale + m->mean;
			if (m->shrunk)   /* a hybrid's shrinkage */
				mid[h] *= m->shrink[h];
			lo[h] = mid[h] - 1.96 * m->rmse[h];
			hi[h] = mid[h] + 1.96 * m->rmse[h];
		} else {
			double d;
			lo[h] = (q[0] - m->cal_lo[h]) * m->scale + m->mean;
			mid[h] = q[m->qmid] * m->scale + m->mean;
			hi[h] = (q[Q - 1] + m->cal_hi[h]) * m->scale + m->mean;
			if (Q > 1)   /* a calibration that narrows never crosses the middle */
				lo[h] = fmin(lo[h], mid[h]), hi[h] = fmax(hi[h], mid[h]);
			if (m->shrunk) {   /* a hybrid's shrinkage */
				d = (m->shrink[h] - 1) * mid[h];
				lo[h] += d, mid[h] += d, hi[h] += d;
			}
		}
	}
}

void
sp_lstm_pred_quantiles(const sp_lstm_pred *p, double *out)
{
	const sp_lstm *m = p->m;
	int Q = m->nq;

	for (int h = 0; h < m->horizon; h++) {
		const double *q = p->yhat + h * Q;
		double *o = out + (size_t)h * (size_t)Q, mid = q[m->qmid] * m->scale + m->mean;
		for (int k = 0; k < Q; k++)
			o[k] = q[k] * m->scale + m->mean;
		/* the outer ones as sp_lstm_predict gives them: calibrated, not across the middle */
		o[0] = (q[0] - m->cal_lo[h]) * m->scale + m->mean;
		o[Q - 1] = (q[Q - 1] + m->cal_hi[h]) * m->scale + m->mean;
		if (Q > 1)
			o[0] = fmin(o[0], mid), o[Q - 1] = fmax(o[Q - 1], mid);
		for (int k = 0; k < Q && m->shrunk; k++)   /* a hybrid's shrinkage */
			o[k] += (m->shrink[h] - 1) * mid;
	}
}

/* ---- the mix ---- */
sp_lstm *
sp_lstm_alone_new(const sp_lstm *m, sp_error *err)
{
	sp_lstm *a = sp_lstm_new(m->nn.cell, m->nn.nlayer, m->nn.nhid, m->window, m->horizon,
	    (m->calendar ? SP_LSTM_CALENDAR : 0) | (m->level ? SP_LSTM_LEVEL : 0), m->nq, m->q, err);

	if (a)
		strcpy(a->column, m->column);
	return a;
}

int
sp_lstm_set_alone(sp_lstm *m, sp_lstm *alone, sp_error *err)
{
	const char *what = NULL;

	if (alone) {
		if (alone->base[0])
			what = "it is itself a hybrid (a base)";
		else if (alone->exog)
			what = "it has the base input";
		else if (alone->nn.cell != m->nn.cell)
			what = "--cell";
		else if (alone->nn.nlayer != m->nn.nlayer)
			what = "--layers";
		else if (alone->nn.nhid != m->nn.nhid)
			what = "--hidden";
		else if (alone->window != m->window)
			what = "--window";
		else if (alone->horizon != m->horizon)
			what = "--horizon";
		else if (alone->calendar != m->calendar)
			what = "--calendar";
		else if (alone->level != m->level)
			what = "--norm";
		else if (alone->nq != m->nq || memcmp(alone->q, m->q, (size_t)m->nq * sizeof(double)) != 0)
			what = "--loss or --quantiles";
		if (what) {
			sp_lstm_free(alone);
			return sp_error_set(err, SP_EDATA, "the LSTM alone of a mix must have the hybrid's "
			    "architecture without the base input: %s differs", what);
		}
	}
	sp_lstm_free(m->alone);
	m->alone = alone, m->mixed = 0;
	for (int h = 0; h < m->horizon; h++)
		m->mix[h] = m->mix_lo[h] = m->mix_hi[h] = 0;
	return 0;
}

/* Whether v[i..i+W) are all finite (v NULL: yes). */
static int
all_finite(const double *v, long i, int W)
{
	for (int s = 0; v && s < W; s++)
		if (!isfinite(v[i + s]))
			return 0;
	return 1;
}

int
sp_lstm_mix_fit(sp_lstm *m, const double *t, const double *y, const double *r, const double *x, size_t n,
    const sp_lstm_train_opts *o, sp_error *err)
{
	const sp_lstm *a = m->alone;
	int H = m->horizon, W = m->window, rc = SP_OK;
	size_t split = val_split(n, H, o->val), cap = n > split ? n - split + 1 : 1;
	/* per horizon h, column k of cap: hybrid lo, mid, hi, alone lo, mid, hi, actual */
	double *v = NULL, *work = NULL, *lo = NULL, *ex = NULL;
	sp_lstm_pred *pm = NULL, *pa = NULL;
	size_t *cnt = NULL;
	double alo_q = m->nq > 0 ? m->q[0] : 0.025, ahi_q = m->nq > 0 ? m->q[m->nq - 1] : 0.975;

	m->mixed = 0;
	if (!a || (m->exog && !x))
		return sp_error_set(err, SP_EUSAGE, "a mix needs the LSTM alone (and the base input of a model with it)");
	if (!(fabs(a->step - m->step) <= 1e-6 * m->step))
		return sp_error_set(err, SP_EDATA, "the LSTM alone has step %g s and the series %g s", a->step,
		    m->step);
	v = malloc(7 * (size_t)H * cap * sizeof *v);
	work = malloc(2 * cap * sizeof *work);
	lo = malloc(6 * (size_t)H * sizeof *lo);
	ex = malloc(cap * sizeof *ex);
	cnt = calloc((size_t)H, sizeof *cnt);
	pm = sp_lstm_pred_new(m, err);
	pa = sp_lstm_pred_new(a, err);
	if (!v || !work || !lo || !ex || !cnt || !pm || !pa) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	for (long org = (long)(split > 0 ? split - 1 : 0); org + 1 + H <= (long)n; org++) {
		double *mid = lo + H, *hi = mid + H, *al = hi + H, *am = al + H, *ah = am + H;
		long w0 = org - W + 1;
		if (w0 < 0 || !all_finite(r, w0, W) || !all_finite(y, w0, W) || (m->exog && !all_finite(x, w0, W)))
			continue;
		sp_lstm_predict_x(pm, t + w0, r + w0, m->exog ? x + w0 : NULL, lo, mid, hi);
		sp_lstm_predict(pa, t + w0, y + w0, al, am, ah);
		for (int h = 0; h < H; h++) {
			long s = org + 1 + h;
			double adj = o->target_adj ? o->target_adj(o->target_arg, org, h) : 0;
			double base = y[s] - (r[s] + adj);   /* yhat_o(s) */
			double *c = v + 7 * (size_t)h * cap;
			size_t k = cnt[h];
			if (!isfinite(base) || !isfinite(y[s]))
				continue;
			c[k] = base + lo[h], c[cap + k] = base + mid[h], c[2 * cap + k] = base + hi[h];
			c[3 * cap + k] = al[h], c[4 * cap + k] = am[h], c[5 * cap + k] = ah[h];
			c[6 * cap + k] = y[s];
			cnt[h]++;
		}
	}
	for (int h = 0; h < H; h++) {
		double *c = v + 7 * (size_t)h * cap, *hm = c + cap, *am = c + 4 * cap, *act = c + 6 * cap;
		size_t k = cnt[h];
		double w;
		if (k == 0) {
			rc = sp_error_set(err, SP_EDATA, "no validation window for the mix at horizon %d", h + 1);
			goto out;
		}
		/* y - hybrid ~ w (alone - hybrid): the residual and the forecast of sp_lstm_shrink_fit */
		for (size_t j = 0; j < k; j++)
			ex[j] = act[j] - hm[j], hm[j] = am[j] - hm[j];   /* hm: alone - hybrid from here */
		w = m->mix[h] = sp_lstm_shrink_fit(ex, hm, k, work);
		m->mix_lo[h] = m->mix_hi[h] = 0;
		if (o->calibrate) {
			for (size_t j = 0; j < k; j++) {
				double l = w * c[3 * cap + j] + (1 - w) * c[j], u = w * c[5 * cap + j] + (1 - w) * c[2 * cap + j];
				ex[j] = l - act[j], hm[j] = act[j] - u;
			}
			m->mix_lo[h] = sp_stats_quantile(ex, k, 1 - alo_q, work);
			m->mix_hi[h] = sp_stats_quantile(hm, k, ahi_q, work);
		}
	}
	m->mixed = 1;
out:
	sp_lstm_pred_free(pm), sp_lstm_pred_free(pa);
	free(v), free(work), free(lo), free(ex), free(cnt);
	return rc;
}

void
sp_lstm_mix(const sp_lstm *m, const double *alo, const double *amid, const double *ahi,
    double *lo, double *mid, double *hi)
{
	for (int h = 0; h < m->horizon && m->mixed; h++) {
		double w = m->mix[h];
		mid[h] = w * amid[h] + (1 - w) * mid[h];
		lo[h] = fmin(w * alo[h] + (1 - w) * lo[h] - m->mix_lo[h], mid[h]);
		hi[h] = fmax(w * ahi[h] + (1 - w) * hi[h] + m->mix_hi[h], mid[h]);
	}
}

void
sp_lstm_mix_quantiles(const sp_lstm *m, const double *aq, double *q)
{
	int Q = m->nq;

	for (int h = 0; h < m->horizon && m->mixed && Q > 0; h++) {
		double w = m->mix[h], *o = q + (size_t)h * Q;
		const double *p = aq + (size_t)h * Q;
		for (int k = 0; k < Q; k++)
			o[k] = w * p[k] + (1 - w) * o[k];
		if (Q > 1) {   /* the band's edges */
			o[0] = fmin(o[0] - m->mix_lo[h], o[m->qmid]);
			o[Q - 1] = fmax(o[Q - 1] + m->mix_hi[h], o[m->qmid]);
		}
	}
}
