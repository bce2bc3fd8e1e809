/* sp_place: the DQN placement policy, its features and scores, training in
 * sp_placesim, model files (see sp_place.h).  It does not fetch metrics or
 * serve HTTP: that is the tool's job. */
#include "sp_place.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_iforest.h"
#include "sp_mlp.h"
#include "sp_model.h"
#include "sp_nn.h"
#include "sp_rand.h"

#define ANOM_DIM 5
#define HUBER 1.0
#define GRAD_CLIP 10.0

struct sp_place {
	sp_mlp_dims d;
	double *params;
	sp_mlp_work *w;
	int wrows;
	double *feat, *q;           /* scoring buffers, wrows rows */
	sp_iforest *forest;
	double w_pred, w_dqn, w_anom;
	int mode;
	double val_cost;
	int val_episode;
};

static const char *const mode_names[] = { "combined", "dqn", NULL };

int
sp_place_mode_parse(const char *s)
{
	for (int i = 0; mode_names[i]; i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	return -1;
}

const char *sp_place_mode_name(int mode) { return mode == SP_PLACE_DQN ? "dqn" : "combined"; }

void
sp_place_defaults(sp_place_opts *o)
{
	memset(o, 0, sizeof *o);
	o->episodes = 30;
	o->seed = 1;
	o->hidden = 32;
	o->lr = 1e-3;
	o->gamma = 0.5;
	o->eps_start = 1;
	o->eps_end = 0.05;
	o->batch = 32;
	o->buffer = 4096;
	o->target_every = 200;
	o->horizon = 12;
	o->trees = 50;
	o->w_pred = 30, o->w_dqn = 40, o->w_anom = 30;
	o->mode = SP_PLACE_COMBINED;
	sp_placesim_defaults(&o->sim);
}

static sp_place *
place_new(const sp_mlp_dims *d, sp_error *err)
{
	sp_place *p = calloc(1, sizeof *p);

	if (!p || !(p->params = calloc(sp_mlp_nparams(d), sizeof(double)))) {
		sp_place_free(p);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	p->d = *d;
	p->w_pred = 30, p->w_dqn = 40, p->w_anom = 30;
	p->val_cost = NAN;
	p->val_episode = -1;
	return p;
}

void
sp_place_free(sp_place *p)
{
	if (!p)
		return;
	free(p->params);
	sp_mlp_work_free(p->w);
	free(p->feat), free(p->q);
	sp_iforest_free(p->forest);
	free(p);
}

/* Scoring buffers for n rows. */
static int
reserve(sp_place *p, int n, sp_error *err)
{
	if (n <= p->wrows)
		return 0;
	sp_mlp_work_free(p->w);
	free(p->feat), free(p->q);
	p->w = sp_mlp_work_new(&p->d, n);
	p->feat = malloc((size_t)n * SP_PLACE_NFEAT * sizeof(double));
	p->q = malloc((size_t)n * sizeof(double));
	if (!p->w || !p->feat || !p->q) {
		sp_mlp_work_free(p->w);
		free(p->feat), free(p->q);
		p->w = NULL, p->feat = p->q = NULL, p->wrows = 0;
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	p->wrows = n;
	return 0;
}

int
sp_place_set_weights(sp_place *p, double w_pred, double w_dqn, double w_anom, int mode, sp_error *err)
{
	if (!(w_pred >= 0 && w_dqn >= 0 && w_anom >= 0 && w_pred + w_dqn + w_anom > 0) ||
	    (mode != SP_PLACE_COMBINED && mode != SP_PLACE_DQN))
		return sp_error_set(err, SP_EUSAGE, "weights must be >= 0 and not all 0");
	p->w_pred = w_pred, p->w_dqn = w_dqn, p->w_anom = w_anom, p->mode = mode;
	return 0;
}

void
sp_place_get_weights(const sp_place *p, double *w_pred, double *w_dqn, double *w_anom, int *mode)
{
	*w_pred = p->w_pred, *w_dqn = p->w_dqn, *w_anom = p->w_anom, *mode = p->mode;
}

double
sp_place_val_cost(const sp_place *p, int *episode)
{
	if (episode)
		*episode = p->val_episode;
	return p->val_cost;
}

static void
anom_row(const sp_placesim_node *n, double *x)
{
	double peak = 0;

	for (int h = 0; h < SP_PLACESIM_HIST; h++)
		peak = n->cpu_hist[h] > peak ? n->cpu_hist[h] : peak;
	x[0] = n->cpu_hist[0];
	x[1] = n->mem_hist[0];
	x[2] = n->cpu_hist[0] - n->cpu_hist[1];
	x[3] = n->mem_hist[0] - n->mem_hist[1];
	x[4] = peak;
}

void
sp_place_features(const sp_place *p, const sp_placesim_node *n, double cpu, double mem,
    double rcpu, double rmem, double *f)
{
	double mc = 0, mm = 0, peak = 0, x[ANOM_DIM];

	for (int h = 0; h < SP_PLACESIM_HIST; h++) {
		mc += n->cpu_hist[h] / SP_PLACESIM_HIST;
		mm += n->mem_hist[h] / SP_PLACESIM_HIST;
		peak = n->cpu_hist[h] > peak ? n->cpu_hist[h] : peak;
	}
	f[0] = (n->cpu_req + cpu) / n->cpu_cap;
	f[1] = (n->mem_req + mem) / n->mem_cap;
	f[2] = n->cpu_hist[0];
	f[3] = n->mem_hist[0];
	f[4] = (n->cpu_hist[0] > mc ? n->cpu_hist[0] : mc) + cpu * rcpu / n->cpu_cap;
	f[5] = (n->mem_hist[0] > mm ? n->mem_hist[0] : mm) + mem * rmem / n->mem_cap;
	f[6] = peak;
	anom_row(n, x);
	f[7] = p && p->forest ? sp_iforest_score(p->forest, x, SP_IFOREST_RANGE) : 0.5;
	f[8] = cpu / n->cpu_cap;
	f[9] = mem / n->mem_cap;
	f[10] = n->contended ? 1 : 0;
	f[11] = n->npods / 16.0;
}

void
sp_place_ratios(const sp_placesim *s, double *rcpu, double *rmem)
{
	double uc = 0, um = 0, qc = 0, qm = 0;

	for (size_t j = 0; j < sp_placesim_nnodes(s); j++) {
		const sp_placesim_node *n = sp_placesim_node_at(s, j);
		uc += n->cpu_use, um += n->mem_use, qc += n->cpu_req, qm += n->mem_req;
	}
	*rcpu = qc > 0 && uc > 0 ? uc / qc : 1;
	*rmem = qm > 0 && um > 0 ? um / qm : 1;
}

static double
clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Scores of the n rows in p->feat (features already there). */
static int
score_rows(sp_place *p, int n, double *pred, double *dqn, double *anom, double *score)
{
	double qmin = INFINITY, qmax = -INFINITY, wsum = p->w_pred + p->w_dqn + p->w_anom;
	int best = 0;
	double bs = -INFINITY;

	sp_mlp_forward(&p->d, p->params, p->w, p->feat, n, p->q);
	for (int k = 0; k < n; k++) {
		qmin = p->q[k] < qmin ? p->q[k] : qmin;
		qmax = p->q[k] > qmax ? p->q[k] : qmax;
	}
	for (int k = 0; k < n; k++) {
		const double *f = p->feat + (size_t)k * SP_PLACE_NFEAT;
		double sp = 100 * (1 - clamp01(f[4] > f[5] ? f[4] : f[5]));
		double sd = qmax > qmin ? 100 * (p->q[k] - qmin) / (qmax - qmin) : 50;
		double sa = 100 * (1 - clamp01(f[7]));
		double sc = p->mode == SP_PLACE_DQN ? p->q[k] : (p->w_pred * sp + p->w_dqn * sd + p->w_anom * sa) / wsum;
		if (pred)
			pred[k] = sp;
		if (dqn)
			dqn[k] = sd;
		if (anom)
			anom[k] = sa;
		if (score)
			score[k] = sc;
		if (sc > bs)
			bs = sc, best = k;
	}
	return best;
}

int
sp_place_score(sp_place *p, const sp_placesim_node *nodes, int n, double cpu, double mem,
    double rcpu, double rmem, double *pred, double *dqn, double *anom, double *score, sp_error *err)
{
	return sp_place_score_anom(p, nodes, n, cpu, mem, rcpu, rmem, NULL, pred, dqn, anom, score, err);
}

int
sp_place_score_anom(sp_place *p, const sp_placesim_node *nodes, int n, double cpu, double mem,
    double rcpu, double rmem, const double *anomaly, double *pred, double *dqn, double *anom, double *score,
    sp_error *err)
{
	int rc;

	if (n < 1)
		return sp_error_set(err, SP_EUSAGE, "no candidate nodes");
	if ((rc = reserve(p, n, err)) < 0)
		return rc;
	for (int k = 0; k < n; k++) {
		double *f = p->feat + (size_t)k * SP_PLACE_NFEAT;
		int given = anomaly && isfinite(anomaly[k]);
		/* a given anomaly score spares the forest (most of the cost) */
		sp_place_features(given ? NULL : p, &nodes[k], cpu, mem, rcpu, rmem, f);
		if (given)
			f[7] = clamp01(anomaly[k]);
	}
	return score_rows(p, n, pred, dqn, anom, score);
}

static int
policy_choose(void *ctx, const sp_placesim *s, const sp_placesim_pod *pod, const int *cand, int ncand, sp_error *err)
{
	sp_place *p = ctx;
	double rc, rm;
	int rcode;

	if ((rcode = reserve(p, ncand, err)) < 0)
		return rcode;
	sp_place_ratios(s, &rc, &rm);
	for (int k = 0; k < ncand; k++)
		sp_place_features(p, sp_placesim_node_at(s, (size_t)cand[k]), pod->cpu_req, pod->mem_req, rc, rm,
		    p->feat + (size_t)k * SP_PLACE_NFEAT);
	return cand[score_rows(p, ncand, NULL, NULL, NULL, NULL)];
}

void
sp_place_policy(sp_place *p, sp_placesim_policy *pol)
{
	pol->choose = policy_choose;
	pol->observe = NULL;
	pol->ctx = p;
}

/* ---- training ---- */

typedef struct {
	const sp_place_opts *o;
	sp_place *p;                 /* online network (params) and scoring buffers */
	double *target;              /* target network */
	sp_mlp_work *tw, *bw;        /* target (one decision's candidates), batch */
	sp_nn_adam *adam;
	sp_rand *rng;
	double eps;
	int maxc;                    /* max candidates (nodes) */
	/* replay ring of decisions, by sequence number seq, slot seq % cap */
	long cap, nextseq, pend_from;
	int *ncand, *chosen, *node, *seen, *term;
	double *feats;               /* cap x maxc x NFEAT */
	double *reward;
	double *bx, *by, *bq, *bd, *grad, *tq;
	long updates;
	/* anomaly rows */
	double *arows;
	size_t narow, caparow;
} trainer;

static int
sample_ok(const trainer *t, long seq)
{
	return seq + 1 < t->nextseq || t->term[seq % t->cap];
}

static void
update(trainer *t)
{
	const sp_mlp_dims *d = &t->p->d;
	size_t np = sp_mlp_nparams(d);
	long lo = t->nextseq - t->cap > 0 ? t->nextseq - t->cap : 0, hi = t->pend_from;
	int B = t->o->batch;

	if (hi - lo < B)
		return;
	for (int b = 0; b < B; b++) {
		long seq;
		int tries = 0;
		do
			seq = lo + (long)sp_rand_index(t->rng, (size_t)(hi - lo));
		while (!sample_ok(t, seq) && ++tries < 8);
		long sl = seq % t->cap;
		memcpy(t->bx + (size_t)b * SP_PLACE_NFEAT,
		    t->feats + ((size_t)sl * (size_t)t->maxc + (size_t)t->chosen[sl]) * SP_PLACE_NFEAT,
		    SP_PLACE_NFEAT * sizeof(double));
		double y = t->reward[sl];
		if (!t->term[sl] && seq + 1 < t->nextseq && t->o->gamma > 0) {
			long nl = (seq + 1) % t->cap;
			double m = -INFINITY;
			sp_mlp_forward(d, t->target, t->tw, t->feats + (size_t)nl * (size_t)t->maxc * SP_PLACE_NFEAT,
			    t->ncand[nl], t->tq);
			for (int k = 0; k < t->ncand[nl]; k++)
				m = t->tq[k] > m ? t->tq[k] : m;
			y += t->o->gamma * m;
		}
		t->by[b] = y;
	}
	sp_mlp_forward(d, t->p->params, t->bw, t->bx, B, t->bq);
	for (int b = 0; b < B; b++) {
		double e = t->bq[b] - t->by[b];
		t->bd[b] = (e > HUBER ? HUBER : e < -HUBER ? -HUBER : e) / B;
	}
	memset(t->grad, 0, np * sizeof(double));
	sp_mlp_backward(d, t->p->params, t->bw, t->bd, t->grad, NULL);
	sp_nn_clip(t->grad, np, GRAD_CLIP);
	sp_nn_adam_step(t->adam, t->p->params, t->grad);
	if (++t->updates % t->o->target_every == 0)
		memcpy(t->target, t->p->params, np * sizeof(double));
}

static int
train_choose(void *ctx, const sp_placesim *s, const sp_placesim_pod *pod, const int *cand, int ncand, sp_error *err)
{
	trainer *t = ctx;
	long seq = t->nextseq, sl = seq % t->cap;
	double rc, rm, *f = t->feats + (size_t)sl * (size_t)t->maxc * SP_PLACE_NFEAT;
	int k;

	(void)err;
	if (seq - t->pend_from >= t->cap)
		t->pend_from++;        /* the ring is full of pending decisions: drop the oldest */
	sp_place_ratios(s, &rc, &rm);
	for (k = 0; k < ncand; k++)
		sp_place_features(t->p, sp_placesim_node_at(s, (size_t)cand[k]), pod->cpu_req, pod->mem_req, rc, rm,
		    f + (size_t)k * SP_PLACE_NFEAT);
	if (sp_rand_uniform(t->rng) < t->eps)
		k = (int)sp_rand_index(t->rng, (size_t)ncand);
	else {
		double best = -INFINITY;
		sp_mlp_forward(&t->p->d, t->p->params, t->tw, f, ncand, t->tq);
		for (int c = 0; c < ncand; c++)
			if (t->tq[c] > best)
				best = t->tq[c], k = c;
		if (k >= ncand)
			k = 0;
	}
	t->ncand[sl] = ncand, t->chosen[sl] = k, t->node[sl] = cand[k];
	t->seen[sl] = 0, t->term[sl] = 0, t->reward[sl] = 0;
	t->nextseq++;
	update(t);
	return cand[k];
}

static int
train_observe(void *ctx, const sp_placesim *s, sp_error *err)
{
	trainer *t = ctx;
	double hot = t->o->sim.hot;

	(void)err;
	for (long seq = t->pend_from; seq < t->nextseq; seq++) {
		long sl = seq % t->cap;
		const sp_placesim_node *n = sp_placesim_node_at(s, (size_t)t->node[sl]);
		t->reward[sl] -= (n->contended ? 1.0 : 0.0) + n->evicted + (n->cpu_hist[0] > hot ? 0.5 : 0.0) +
		    n->cpu_hist[0] * n->cpu_hist[0];
		t->seen[sl]++;
	}
	while (t->pend_from < t->nextseq && t->seen[t->pend_from % t->cap] >= t->o->horizon) {
		t->reward[t->pend_from % t->cap] /= t->o->horizon;
		t->pend_from++;
	}
	return 0;
}

/* After an episode: the pending decisions get what they saw, the last is terminal. */
static void
end_episode(trainer *t)
{
	for (; t->pend_from < t->nextseq; t->pend_from++) {
		long sl = t->pend_from % t->cap;
		t->reward[sl] /= t->o->horizon;
	}
	if (t->nextseq > 0)
		t->term[(t->nextseq - 1) % t->cap] = 1;
}

static int
anom_observe(void *ctx, const sp_placesim *s, sp_error *err)
{
	trainer *t = ctx;
	size_t nn = sp_placesim_nnodes(s);

	if (t->narow + nn > t->caparow) {
		size_t c = t->caparow ? t->caparow * 2 : 4096;
		while (c < t->narow + nn)
			c *= 2;
		double *q = realloc(t->arows, c * ANOM_DIM * sizeof(double));
		if (!q)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		t->arows = q, t->caparow = c;
	}
	for (size_t j = 0; j < nn; j++)
		anom_row(sp_placesim_node_at(s, j), t->arows + (t->narow++) * ANOM_DIM);
	return 0;
}

static int
kube_choose(void *ctx, const sp_placesim *s, const sp_placesim_pod *pod, const int *cand, int ncand, sp_error *err)
{
	(void)ctx, (void)err;
	return sp_placesim_choose_builtin((sp_placesim *)s, SP_PLACESIM_KUBE, pod, cand, ncand);
}

static int
fit_forest(trainer *t, const sp_placesim_input *train, sp_error *err)
{
	sp_placesim_opts so = t->o->sim;
	sp_placesim_policy pol = { kube_choose, anom_observe, t };
	sp_iforest_opts fo;
	sp_placesim *s;
	int rc;

	so.policy = SP_PLACESIM_CUSTOM;
	so.seed = t->o->seed;
	if (!(s = sp_placesim_new(train, &so, &pol, err)))
		return err ? err->code : SP_ENOMEM;
	rc = sp_placesim_run(s, err);
	sp_placesim_free(s);
	if (rc < 0)
		return rc;
	sp_iforest_defaults(&fo);
	fo.trees = t->o->trees;
	fo.seed = t->o->seed;
	if (!(t->p->forest = sp_iforest_fit(t->arows, t->narow, ANOM_DIM, &fo, err)))
		return err ? err->code : SP_ENOMEM;
	return 0;
}

/* Validation cost: 1 - availability + the share of node-steps above hot
 * + 0.1 x the p95 of node CPU utilisation (which separates policies when
 * nothing is contended). */
static double
cost(const sp_placesim_metrics *m, const sp_placesim_opts *o, size_t nnode)
{
	return 1 - m->availability + m->hot_minutes / (o->step / 60) / ((double)m->steps * (double)nnode) +
	    0.1 * m->cpu_p95;
}

static double
run_cost(sp_place *p, const sp_placesim_input *in, const sp_placesim_opts *o, unsigned long seed, sp_error *err)
{
	sp_placesim_opts so = *o;
	sp_placesim_policy pol;
	sp_placesim_metrics m;
	sp_placesim *s;
	int rc;

	so.policy = SP_PLACESIM_CUSTOM;
	so.seed = seed;
	sp_place_policy(p, &pol);
	if (!(s = sp_placesim_new(in, &so, &pol, err)))
		return NAN;
	rc = sp_placesim_run(s, err);
	sp_placesim_get_metrics(s, &m);
	sp_placesim_free(s);
	if (rc < 0)
		return NAN;
	return cost(&m, o, in->nnode);
}

static void
trainer_free(trainer *t)
{
	free(t->target);
	sp_mlp_work_free(t->tw), sp_mlp_work_free(t->bw);
	sp_nn_adam_free(t->adam);
	sp_rand_free(t->rng);
	free(t->ncand), free(t->chosen), free(t->node), free(t->seen), free(t->term);
	free(t->feats), free(t->reward);
	free(t->bx), free(t->by), free(t->bq), free(t->bd), free(t->grad), free(t->tq);
	free(t->arows);
}

static double
uni(void *r)
{
	return sp_rand_uniform(r);
}

sp_place *
sp_place_train(const sp_placesim_input *train, const sp_placesim_input *val, const sp_place_opts *o,
    sp_place_progress progress, void *ctx, sp_error *err)
{
	sp_mlp_dims d = { 3, { SP_PLACE_NFEAT, o->hidden, o->hidden, 1 }, { SP_MLP_RELU, SP_MLP_RELU, SP_MLP_LINEAR } };
	trainer t;
	double *best = NULL;
	size_t np;
	int rc = 0;

	memset(&t, 0, sizeof t);
	if (o->episodes < 1 || o->hidden < 1 || !(o->lr > 0) || !(o->gamma >= 0 && o->gamma < 1) || o->batch < 1 ||
	    o->buffer < o->batch || o->target_every < 1 || o->horizon < 1 || o->trees < 0 ||
	    !(o->eps_start >= 0 && o->eps_start <= 1 && o->eps_end >= 0 && o->eps_end <= 1)) {
		sp_error_set(err, SP_EUSAGE, "place: bad training options");
		return NULL;
	}
	if (!val)
		val = train;
	if (!(t.p = place_new(&d, err)))
		return NULL;
	if (sp_place_set_weights(t.p, o->w_pred, o->w_dqn, o->w_anom, o->mode, err) < 0) {
		sp_place_free(t.p);
		return NULL;
	}
	t.o = o;
	np = sp_mlp_nparams(&d);
	t.maxc = (int)(train->nnode > val->nnode ? train->nnode : val->nnode);
	t.cap = o->buffer;
	t.rng = sp_rand_new(o->seed);
	t.target = malloc(np * sizeof(double));
	best = malloc(np * sizeof(double));
	t.tw = sp_mlp_work_new(&d, t.maxc);
	t.bw = sp_mlp_work_new(&d, o->batch);
	t.adam = sp_nn_adam_new(np, o->lr, 0.9, 0.999, 1e-8);
	t.ncand = malloc((size_t)t.cap * sizeof(int));
	t.chosen = malloc((size_t)t.cap * sizeof(int));
	t.node = malloc((size_t)t.cap * sizeof(int));
	t.seen = malloc((size_t)t.cap * sizeof(int));
	t.term = malloc((size_t)t.cap * sizeof(int));
	t.reward = malloc((size_t)t.cap * sizeof(double));
	t.feats = malloc((size_t)t.cap * (size_t)t.maxc * SP_PLACE_NFEAT * sizeof(double));
	t.bx = malloc((size_t)o->batch * SP_PLACE_NFEAT * sizeof(double));
	t.by = malloc((size_t)o->batch * sizeof(double));
	t.bq = malloc((size_t)o->batch * sizeof(double));
	t.bd = malloc((size_t)o->batch * sizeof(double));
	t.grad = malloc(np * sizeof(double));
	t.tq = malloc((size_t)t.maxc * sizeof(double));
	if (!t.rng || !t.target || !best || !t.tw || !t.bw || !t.adam || !t.ncand || !t.chosen || !t.node ||
	    !t.seen || !t.term || !t.reward || !t.feats || !t.bx || !t.by || !t.bq || !t.bd || !t.grad || !t.tq) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	sp_mlp_init(&d, t.p->params, 1.0, uni, t.rng);
	memcpy(t.target, t.p->params, np * sizeof(double));
	if (o->trees > 0 && (rc = fit_forest(&t, train, err)) < 0)
		goto out;
	for (int ep = 0; ep < o->episodes; ep++) {
		sp_placesim_opts so = o->sim;
		sp_placesim_policy pol = { train_choose, train_observe, &t };
		sp_placesim_metrics m;
		sp_placesim *s;
		double vc, tc;
		t.eps = o->episodes > 1 ? o->eps_start + (o->eps_end - o->eps_start) * ep / (o->episodes - 1) : o->eps_end;
		so.policy = SP_PLACESIM_CUSTOM;
		so.seed = o->seed + (unsigned long)ep;
		if (!(s = sp_placesim_new(train, &so, &pol, err))) {
			rc = err ? err->code : SP_ENOMEM;
			goto out;
		}
		rc = sp_placesim_run(s, err);
		sp_placesim_get_metrics(s, &m);
		sp_placesim_free(s);
		if (rc < 0)
			goto out;
		end_episode(&t);
		tc = cost(&m, &o->sim, train->nnode);
		vc = run_cost(t.p, val, &o->sim, o->seed, err);
		if (isnan(vc)) {
			rc = err ? err->code : SP_ENOMEM;
			goto out;
		}
		if (isnan(t.p->val_cost) || vc < t.p->val_cost) {
			t.p->val_cost = vc;
			t.p->val_episode = ep;
			memcpy(best, t.p->params, np * sizeof(double));
		}
		if (progress)
			progress(ctx, ep, o->episodes, tc, vc);
	}
	memcpy(t.p->params, best, np * sizeof(double));
out:
	free(best);
	trainer_free(&t);
	if (rc < 0) {
		sp_place_free(t.p);
		return NULL;
	}
	return t.p;
}

sp_place *
sp_place_new(int hidden, unsigned long seed, sp_error *err)
{
	sp_mlp_dims d = { 3, { SP_PLACE_NFEAT, hidden, hidden, 1 }, { SP_MLP_RELU, SP_MLP_RELU, SP_MLP_LINEAR } };
	sp_rand *r;
	sp_place *p;

	if (hidden < 1 || hidden > 4096) {
		sp_error_set(err, SP_EUSAGE, "place: hidden units must be 1..4096");
		return NULL;
	}
	if (!(p = place_new(&d, err)))
		return NULL;
	if (!(r = sp_rand_new(seed))) {
		sp_place_free(p);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	sp_mlp_init(&d, p->params, 1.0, uni, r);
	sp_rand_free(r);
	return p;
}

/* ---- model files ---- */

int
sp_place_save(const sp_place *p, const char *path, const char *command, sp_error *err)
{
	sp_model_writer *w = sp_model_create(path, "place", 1, err);
	double sz[SP_MLP_MAXLAYER + 1], wts[3] = { p->w_pred, p->w_dqn, p->w_anom };

	if (!w)
		return err ? err->code : SP_EIO;
	if (command)
		sp_model_put_line(w, "command", command);
	sp_model_put_long(w, "features", SP_PLACE_NFEAT);
	sp_model_put_str(w, "mode", sp_place_mode_name(p->mode));
	sp_model_put_doubles(w, "weights", 3, wts);
	sp_model_put_double(w, "val-cost", isnan(p->val_cost) ? -1 : p->val_cost);
	sp_model_put_long(w, "val-episode", p->val_episode);
	for (int l = 0; l <= p->d.nlayer; l++)
		sz[l] = p->d.size[l];
	sp_model_put_doubles(w, "net-sizes", (size_t)p->d.nlayer + 1, sz);
	sp_model_put_doubles(w, "net", sp_mlp_nparams(&p->d), p->params);
	sp_model_put_long(w, "forest", p->forest != NULL);
	if (p->forest && sp_iforest_save(p->forest, w, err) < 0) {
		sp_model_abort(w);
		return err ? err->code : SP_ENOMEM;
	}
	return sp_model_commit(w, err);
}

sp_place *
sp_place_load(const char *path, sp_error *err)
{
	sp_model *m = sp_model_load(path, "place", 1, NULL, err);
	sp_mlp_dims d = { 3, { SP_PLACE_NFEAT, 1, 1, 1 }, { SP_MLP_RELU, SP_MLP_RELU, SP_MLP_LINEAR } };
	sp_place *p = NULL;
	const char *s, *cmd;
	double sz[4], wts[3], vc;
	long nf, ve, hasf;
	int mode;

	if (!m)
		return NULL;
	if ((sp_model_has(m, "command") && sp_model_get_line(m, "command", &cmd, err) < 0) ||
	    sp_model_get_long(m, "features", SP_PLACE_NFEAT, SP_PLACE_NFEAT, &nf, err) < 0 ||
	    sp_model_get_str(m, "mode", &s, err) < 0)
		goto fail;
	if ((mode = sp_place_mode_parse(s)) < 0) {
		sp_error_set(err, SP_EMODEL, "%s: mode: '%s' is not combined or dqn", path, s);
		goto fail;
	}
	if (sp_model_get_doubles(m, "weights", 3, wts, err) < 0 || sp_model_get_double(m, "val-cost", &vc, err) < 0 ||
	    sp_model_get_long(m, "val-episode", -1, 1000000000L, &ve, err) < 0 ||
	    sp_model_get_doubles(m, "net-sizes", 4, sz, err) < 0)
		goto fail;
	if (sz[0] != SP_PLACE_NFEAT || sz[3] != 1 || sz[1] != sz[2] || sz[1] < 1 || sz[1] > 4096 || sz[1] != floor(sz[1])) {
		sp_error_set(err, SP_EMODEL, "%s: net-sizes: want %d,H,H,1 with H in 1..4096", path, SP_PLACE_NFEAT);
		goto fail;
	}
	d.size[1] = d.size[2] = (int)sz[1];
	if (!(p = place_new(&d, err)) || sp_model_get_doubles(m, "net", sp_mlp_nparams(&d), p->params, err) < 0 ||
	    sp_model_get_long(m, "forest", 0, 1, &hasf, err) < 0)
		goto fail;
	if (sp_place_set_weights(p, wts[0], wts[1], wts[2], mode, err) < 0) {
		sp_error_set(err, SP_EMODEL, "%s: weights: must be >= 0 and not all 0", path);
		goto fail;
	}
	p->val_cost = vc < 0 ? NAN : vc;
	p->val_episode = (int)ve;
	if (hasf && !(p->forest = sp_iforest_load(m, err)))
		goto fail;
	if (p->forest && sp_iforest_dim(p->forest) != ANOM_DIM) {
		sp_error_set(err, SP_EMODEL, "%s: forest of dimension %zu, want %d", path, sp_iforest_dim(p->forest), ANOM_DIM);
		goto fail;
	}
	if (sp_model_finish(m, err) < 0)
		goto fail;
	sp_model_free(m);
	return p;
fail:
	sp_model_free(m);
	sp_place_free(p);
	return NULL;
}
