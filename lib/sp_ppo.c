/* sp_ppo: discrete PPO-Clip with GAE (see sp_ppo.h).  The loss gradients
 * are written out by hand: d logp_a / d z_j = [j = a] - p_j and
 * d H / d z_j = -p_j (log p_j + H) for logits z, p = softmax(z). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_nn.h"
#include "sp_ppo.h"
#include "sp_rand.h"

/* ---- math ---- */

double
sp_ppo_log_softmax(const double *z, int n, double *logp)
{
	double m = z[0], s = 0, ls, h = 0;

	for (int j = 1; j < n; j++)
		if (z[j] > m)
			m = z[j];
	for (int j = 0; j < n; j++)
		s += exp(z[j] - m);
	ls = log(s);
	for (int j = 0; j < n; j++) {
		logp[j] = (z[j] - m) - ls;
		h -= exp(logp[j]) * logp[j];
	}
	return h;
}

void
sp_ppo_gae(size_t n, const double *r, const double *v, const unsigned char *done,
    double v_last, double gamma, double lambda, double *adv, double *ret)
{
	double next_v = v_last, next_a = 0;

	for (size_t i = n; i-- > 0;) {
		double keep = done[i] ? 0 : 1;
		double delta = r[i] + gamma * keep * next_v - v[i];
		adv[i] = delta + gamma * lambda * keep * next_a;
		ret[i] = adv[i] + v[i];
		next_v = v[i];
		next_a = adv[i];
	}
}

double
sp_ppo_clip_loss(size_t n, const double *lp, const double *lp_old, const double *adv,
    double eps, double *dlogp, double *clipfrac)
{
	double loss = 0;
	size_t nclip = 0;

	for (size_t i = 0; i < n; i++) {
		double rho = exp(lp[i] - lp_old[i]);
		double rc = rho < 1 - eps ? 1 - eps : rho > 1 + eps ? 1 + eps : rho;
		double s1 = rho * adv[i], s2 = rc * adv[i];
		if (s1 <= s2) {
			loss -= s1;
			if (dlogp)
				dlogp[i] = -s1 / (double)n;  /* d(rho A)/d logp = rho A */
		} else {
			loss -= s2;
			nclip++;
			if (dlogp)
				dlogp[i] = 0;
		}
	}
	if (clipfrac)
		*clipfrac = n ? (double)nclip / (double)n : 0;
	return n ? loss / (double)n : 0;
}

void
sp_ppo_normalise(double *x, size_t n)
{
	double m = 0, s = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	s = sqrt(s / (double)n);
	for (size_t i = 0; i < n; i++)
		x[i] = s > 1e-8 ? (x[i] - m) / s : x[i] - m;
}

/* ---- policy ---- */

struct sp_ppo_policy {
	sp_mlp_dims d;
	double *params;
	sp_mlp_work *w;
	double *logits;
};

sp_ppo_policy *
sp_ppo_policy_new(const sp_mlp_dims *d, sp_error *err)
{
	sp_ppo_policy *p;

	if (sp_mlp_check(d) < 0) {
		sp_error_set(err, SP_EUSAGE, "bad network dimensions");
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p)))
		goto nomem;
	p->d = *d;
	p->params = calloc(sp_mlp_nparams(d), sizeof(double));
	p->w = sp_mlp_work_new(d, 1);
	p->logits = calloc((size_t)d->size[d->nlayer], sizeof(double));
	if (!p->params || !p->w || !p->logits)
		goto nomem;
	return p;
nomem:
	sp_ppo_policy_free(p);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

void
sp_ppo_policy_free(sp_ppo_policy *p)
{
	if (!p)
		return;
	free(p->params);
	sp_mlp_work_free(p->w);
	free(p->logits);
	free(p);
}

const sp_mlp_dims *sp_ppo_policy_dims(const sp_ppo_policy *p) { return &p->d; }
double *sp_ppo_policy_params(sp_ppo_policy *p) { return p->params; }
int sp_ppo_policy_state_dim(const sp_ppo_policy *p) { return p->d.size[0]; }
int sp_ppo_policy_nact(const sp_ppo_policy *p) { return p->d.size[p->d.nlayer]; }

int
sp_ppo_policy_act(sp_ppo_policy *p, const double *state, double *logits)
{
	int n = p->d.size[p->d.nlayer], best = 0;

	sp_mlp_forward(&p->d, p->params, p->w, state, 1, p->logits);
	for (int j = 1; j < n; j++)
		if (p->logits[j] > p->logits[best])
			best = j;
	if (logits)
		memcpy(logits, p->logits, (size_t)n * sizeof(double));
	return best;
}

void
sp_ppo_policy_write(sp_model_writer *w, const sp_ppo_policy *p)
{
	double sz[SP_MLP_MAXLAYER + 1];
	char acts[SP_MLP_MAXLAYER * 12] = "";

	for (int l = 0; l <= p->d.nlayer; l++)
		sz[l] = p->d.size[l];
	for (int l = 0; l < p->d.nlayer; l++) {
		if (l)
			strcat(acts, ",");
		strcat(acts, sp_mlp_act_name(p->d.act[l]));
	}
	sp_model_put_doubles(w, "actor-sizes", (size_t)p->d.nlayer + 1, sz);
	sp_model_put_str(w, "actor-activations", acts);
	sp_model_put_doubles(w, "actor", sp_mlp_nparams(&p->d), p->params);
}

sp_ppo_policy *
sp_ppo_policy_read(sp_model *m, int state_dim, int nact, sp_error *err)
{
	sp_mlp_dims d;
	double sz[SP_MLP_MAXLAYER + 1];
	const char *acts;
	char buf[SP_MLP_MAXLAYER * 12 + 1], *tok, *save = NULL;
	long n;
	sp_ppo_policy *p;

	memset(&d, 0, sizeof d);
	if ((n = sp_model_count(m, "actor-sizes", err)) < 0)
		return NULL;
	if (n < 2 || n > SP_MLP_MAXLAYER + 1) {
		sp_error_set(err, SP_EMODEL, "%s: actor-sizes: %ld values (want 2 to %d)",
		    sp_model_path(m), n, SP_MLP_MAXLAYER + 1);
		return NULL;
	}
	if (sp_model_get_doubles(m, "actor-sizes", (size_t)n, sz, err) < 0)
		return NULL;
	d.nlayer = (int)n - 1;
	for (int l = 0; l < n; l++) {
		if (sz[l] < 1 || sz[l] > (1 << 20) || sz[l] != floor(sz[l])) {
			sp_error_set(err, SP_EMODEL, "%s: actor-sizes: bad layer size %g",
			    sp_model_path(m), sz[l]);
			return NULL;
		}
		d.size[l] = (int)sz[l];
	}
	if (sp_model_get_str(m, "actor-activations", &acts, err) < 0)
		return NULL;
	snprintf(buf, sizeof buf, "%s", acts);
	n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int a = sp_mlp_act_parse(tok);
		if (a < 0 || n >= d.nlayer) {
			sp_error_set(err, SP_EMODEL, "%s: actor-activations: %s", sp_model_path(m),
			    a < 0 ? "unknown activation" : "more activations than layers");
			return NULL;
		}
		d.act[n++] = (sp_mlp_act)a;
	}
	if (n != d.nlayer) {
		sp_error_set(err, SP_EMODEL, "%s: actor-activations: %ld for %d layers",
		    sp_model_path(m), n, d.nlayer);
		return NULL;
	}
	if (state_dim > 0 && d.size[0] != state_dim) {
		sp_error_set(err, SP_EMODEL, "%s: policy is for %d state features, this environment has %d",
		    sp_model_path(m), d.size[0], state_dim);
		return NULL;
	}
	if (nact > 0 && d.size[d.nlayer] != nact) {
		sp_error_set(err, SP_EMODEL, "%s: policy has %d actions, this environment has %d",
		    sp_model_path(m), d.size[d.nlayer], nact);
		return NULL;
	}
	if (!(p = sp_ppo_policy_new(&d, err)))
		return NULL;
	if (sp_model_get_doubles(m, "actor", sp_mlp_nparams(&d), p->params, err) < 0) {
		sp_ppo_policy_free(p);
		return NULL;
	}
	return p;
}

/* ---- agent ---- */

struct sp_ppo {
	sp_ppo_opts o;
	int S, A;
	sp_mlp_dims cd;                 /* critic */
	sp_ppo_policy *pol;             /* actor (current) */
	double *best;                   /* checkpoint of the actor's parameters */
	double *cparams, *ag, *cg;      /* critic params, gradients */
	sp_nn_adam *aopt, *copt;
	sp_mlp_work *aw, *cw;           /* minibatch workspaces */
	sp_rand *rng;
	/* rollout (R = rollout steps) */
	double *st;                     /* (R, S) states */
	int *act;
	double *lp_old, *rew, *val, *adv, *ret;
	unsigned char *done;
	double *cur;                    /* (S) the environment's current state */
	int have_cur;
	double v_last;
	/* minibatch scratch */
	double *mx, *mlogits, *mlogp, *mdl, *mv, *mdv, *tmp, *mdlp, *mh;
	int *midx;
};

void
sp_ppo_defaults(sp_ppo_opts *o)
{
	memset(o, 0, sizeof *o);
	o->nhidden = 2;
	o->hidden[0] = o->hidden[1] = 64;
	o->lr_actor = o->lr_critic = 1e-3;
	o->gamma = 0.5;
	o->lambda = 0.98;
	o->clip = 0.2;
	o->entropy = 0.02;
	o->rollout = 2048;
	o->batch = 256;
	o->repeat = 8;
	o->max_grad = 3;
	o->max_steps = 200000;
	o->patience = 10;
	o->seed = 0;
}

static double
uni(void *r)
{
	return sp_rand_uniform(r);
}

static void
net_dims(const sp_ppo_opts *o, int S, int nout, sp_mlp_dims *d)
{
	memset(d, 0, sizeof *d);
	d->nlayer = o->nhidden + 1;
	d->size[0] = S;
	for (int l = 0; l < o->nhidden; l++) {
		d->size[l + 1] = o->hidden[l];
		/* ReLU on every hidden layer but the last, Hardswish there (scalepipe-ppo(7)) */
		d->act[l] = l == o->nhidden - 1 ? SP_MLP_HARDSWISH : SP_MLP_RELU;
	}
	d->size[d->nlayer] = nout;
	d->act[o->nhidden] = SP_MLP_LINEAR;
}

sp_ppo *
sp_ppo_new(const sp_ppo_opts *o, int S, int A, sp_error *err)
{
	sp_ppo *a;
	sp_mlp_dims ad;
	size_t na, nc, R, Bm;

	if (o->nhidden < 1 || o->nhidden > SP_PPO_MAXHIDDEN) {
		sp_error_set(err, SP_EUSAGE, "hidden layers: %d (want 1 to %d)", o->nhidden, SP_PPO_MAXHIDDEN);
		return NULL;
	}
	for (int l = 0; l < o->nhidden; l++)
		if (o->hidden[l] < 1 || o->hidden[l] > 65536) {
			sp_error_set(err, SP_EUSAGE, "hidden layer width %d (want 1 to 65536)", o->hidden[l]);
			return NULL;
		}
	if (!(o->lr_actor > 0) || !(o->lr_critic > 0) || !(o->gamma >= 0 && o->gamma <= 1) ||
	    !(o->lambda >= 0 && o->lambda <= 1) || !(o->clip > 0) || !(o->entropy >= 0) ||
	    o->rollout < 1 || o->batch < 1 || !(o->repeat > 0) || o->max_steps < 1 ||
	    o->patience < 0 || S < 1 || A < 2) {
		sp_error_set(err, SP_EUSAGE, "bad PPO options");
		return NULL;
	}
	if (!(a = calloc(1, sizeof *a)))
		goto nomem;
	a->o = *o;
	a->S = S, a->A = A;
	net_dims(o, S, A, &ad);
	net_dims(o, S, 1, &a->cd);
	if (!(a->pol = sp_ppo_policy_new(&ad, err)))
		goto fail;
	na = sp_mlp_nparams(&ad), nc = sp_mlp_nparams(&a->cd);
	R = (size_t)o->rollout, Bm = (size_t)(o->batch < o->rollout ? o->batch : o->rollout);
	a->best = malloc(na * sizeof(double));
	a->cparams = malloc(nc * sizeof(double));
	a->ag = malloc(na * sizeof(double));
	a->cg = malloc(nc * sizeof(double));
	a->aopt = sp_nn_adam_new(na, o->lr_actor, 0.9, 0.999, 1e-8);
	a->copt = sp_nn_adam_new(nc, o->lr_critic, 0.9, 0.999, 1e-8);
	a->aw = sp_mlp_work_new(&ad, (int)Bm);
	a->cw = sp_mlp_work_new(&a->cd, (int)(Bm > R ? Bm : R));
	a->rng = sp_rand_new(o->seed);
	a->st = malloc(R * (size_t)S * sizeof(double));
	a->act = malloc(R * sizeof(int));
	a->lp_old = malloc(R * sizeof(double));
	a->rew = malloc(R * sizeof(double));
	a->val = malloc(R * sizeof(double));
	a->adv = malloc(R * sizeof(double));
	a->ret = malloc(R * sizeof(double));
	a->done = malloc(R);
	a->cur = malloc((size_t)S * sizeof(double));
	a->mx = malloc(Bm * (size_t)S * sizeof(double));
	a->mlogits = malloc(Bm * (size_t)A * sizeof(double));
	a->mlogp = malloc(Bm * (size_t)A * sizeof(double));
	a->mdl = malloc(Bm * (size_t)A * sizeof(double));
	a->mv = malloc((Bm > R ? Bm : R) * sizeof(double));
	a->mdv = malloc(Bm * sizeof(double));
	a->tmp = malloc((Bm > R ? Bm : R) * sizeof(double));
	a->midx = malloc(Bm * sizeof(int));
	a->mdlp = malloc(Bm * sizeof(double));
	a->mh = malloc(Bm * sizeof(double));
	if (!a->best || !a->cparams || !a->ag || !a->cg || !a->aopt || !a->copt || !a->aw ||
	    !a->cw || !a->rng || !a->st || !a->act || !a->lp_old || !a->rew || !a->val ||
	    !a->adv || !a->ret || !a->done || !a->cur || !a->mx || !a->mlogits || !a->mlogp ||
	    !a->mdl || !a->mv || !a->mdv || !a->tmp || !a->midx || !a->mdlp || !a->mh)
		goto nomem;
	/* small policy head: the first policy is close to uniform */
	sp_mlp_init(&ad, a->pol->params, 0.01, uni, a->rng);
	sp_mlp_init(&a->cd, a->cparams, 1.0, uni, a->rng);
	memcpy(a->best, a->pol->params, na * sizeof(double));
	return a;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	sp_ppo_free(a);
	return NULL;
}

void
sp_ppo_free(sp_ppo *a)
{
	if (!a)
		return;
	sp_ppo_policy_free(a->pol);
	free(a->best), free(a->cparams), free(a->ag), free(a->cg);
	sp_nn_adam_free(a->aopt), sp_nn_adam_free(a->copt);
	sp_mlp_work_free(a->aw), sp_mlp_work_free(a->cw);
	sp_rand_free(a->rng);
	free(a->st), free(a->act), free(a->lp_old), free(a->rew), free(a->val);
	free(a->adv), free(a->ret), free(a->done), free(a->cur);
	free(a->mx), free(a->mlogits), free(a->mlogp), free(a->mdl), free(a->mv);
	free(a->mdv), free(a->tmp), free(a->midx), free(a->mdlp), free(a->mh);
	free(a);
}

sp_ppo_policy *
sp_ppo_actor(sp_ppo *a)
{
	return a->pol;
}

/* Draw from the categorical distribution with log-probabilities logp[n]. */
static int
sample(sp_rand *r, const double *logp, int n)
{
	double u = sp_rand_uniform(r), c = 0;

	for (int j = 0; j < n; j++) {
		c += exp(logp[j]);
		if (u < c)
			return j;
	}
	return n - 1;
}

int
sp_ppo_collect(sp_ppo *a, const sp_ppo_env *e, void *env, sp_error *err)
{
	int S = a->S, A = a->A, rc;
	size_t R = (size_t)a->o.rollout;

	for (size_t i = 0; i < R; i++) {
		double r;
		int done;
		if (!a->have_cur) {
			if ((rc = e->reset(env, a->cur, err)) != 0)
				return rc < 0 ? rc : sp_error_set(err, SP_EDATA, "training environment has no episodes");
			a->have_cur = 1;
		}
		memcpy(a->st + i * (size_t)S, a->cur, (size_t)S * sizeof(double));
		sp_mlp_forward(&a->pol->d, a->pol->params, a->pol->w, a->cur, 1, a->mlogits);
		sp_ppo_log_softmax(a->mlogits, A, a->mlogp);
		a->act[i] = sample(a->rng, a->mlogp, A);
		a->lp_old[i] = a->mlogp[a->act[i]];
		if ((rc = e->step(env, a->act[i], a->cur, &r, &done, err)) < 0)
			return rc;
		a->rew[i] = r;
		a->done[i] = (unsigned char)(done != 0);
		if (done)
			a->have_cur = 0;
	}
	/* values of the rollout's states and of the state after it, in one pass */
	sp_mlp_forward(&a->cd, a->cparams, a->cw, a->st, (int)R, a->val);
	a->v_last = 0;
	if (a->have_cur) {
		double v;
		sp_mlp_forward(&a->cd, a->cparams, a->cw, a->cur, 1, &v);
		a->v_last = v;
	}
	return 0;
}

static double
smooth_l1(double d, double *grad)
{
	if (fabs(d) < 1) {
		*grad = d;
		return 0.5 * d * d;
	}
	*grad = d > 0 ? 1 : -1;
	return fabs(d) - 0.5;
}

void
sp_ppo_update(sp_ppo *a, sp_ppo_progress *pr)
{
	int S = a->S, A = a->A;
	size_t R = (size_t)a->o.rollout, B = (size_t)(a->o.batch < a->o.rollout ? a->o.batch : a->o.rollout);
	size_t na = sp_mlp_nparams(&a->pol->d), nc = sp_mlp_nparams(&a->cd);
	long nupd = (long)floor((double)R / (double)B * a->o.repeat);
	double rsd, sum_al = 0, sum_cl = 0, sum_h = 0, sum_cf = 0;
	double ent_sign = a->o.entropy_quirk ? 1 : -1;   /* loss += sign * coef * H */

	if (nupd < 1)
		nupd = 1;
	sp_ppo_gae(R, a->rew, a->val, a->done, a->v_last, a->o.gamma, a->o.lambda, a->adv, a->ret);
	/* std of the returns for the critic's loss scale, before normalising advantages */
	memcpy(a->tmp, a->ret, R * sizeof(double));
	{
		double m = 0, s = 0;
		for (size_t i = 0; i < R; i++)
			m += a->tmp[i];
		m /= (double)R;
		for (size_t i = 0; i < R; i++)
			s += (a->tmp[i] - m) * (a->tmp[i] - m);
		rsd = sqrt(s / (double)R);
	}
	sp_ppo_normalise(a->adv, R);
	for (long u = 0; u < nupd; u++) {
		double cf, al, cl = 0, h = 0;
		for (size_t b = 0; b < B; b++) {
			a->midx[b] = (int)sp_rand_index(a->rng, R);
			memcpy(a->mx + b * (size_t)S, a->st + (size_t)a->midx[b] * (size_t)S,
			    (size_t)S * sizeof(double));
		}
		/* actor */
		sp_mlp_forward(&a->pol->d, a->pol->params, a->aw, a->mx, (int)B, a->mlogits);
		for (size_t b = 0; b < B; b++) {
			double *lp = a->mlogp + b * (size_t)A;
			double hb = sp_ppo_log_softmax(a->mlogits + b * (size_t)A, A, lp);
			a->tmp[b] = lp[a->act[a->midx[b]]];
			a->mv[b] = a->lp_old[a->midx[b]];
			a->mdv[b] = a->adv[a->midx[b]];
			h += hb;
			a->mh[b] = hb;
		}
		al = sp_ppo_clip_loss(B, a->tmp, a->mv, a->mdv, a->o.clip, a->mdlp, &cf);
		for (size_t b = 0; b < B; b++) {
			const double *lp = a->mlogp + b * (size_t)A;
			double *dz = a->mdl + b * (size_t)A;
			int ab = a->act[a->midx[b]];
			for (int j = 0; j < A; j++) {
				double p = exp(lp[j]);
				double dh = -p * (lp[j] + a->mh[b]);
				dz[j] = a->mdlp[b] * ((j == ab) - p) + ent_sign * a->o.entropy * dh / (double)B;
			}
		}
		memset(a->ag, 0, na * sizeof(double));
		sp_mlp_backward(&a->pol->d, a->pol->params, a->aw, a->mdl, a->ag, NULL);
		sp_nn_clip(a->ag, na, a->o.max_grad);
		sp_nn_adam_step(a->aopt, a->pol->params, a->ag);
		/* critic: SmoothL1(V, return) / (std(return) + 1e-6) */
		sp_mlp_forward(&a->cd, a->cparams, a->cw, a->mx, (int)B, a->mv);
		for (size_t b = 0; b < B; b++) {
			double g;
			cl += smooth_l1(a->mv[b] - a->ret[a->midx[b]], &g);
			a->mdv[b] = g / (double)B / (rsd + 1e-6);
		}
		cl /= (double)B * (rsd + 1e-6);
		memset(a->cg, 0, nc * sizeof(double));
		sp_mlp_backward(&a->cd, a->cparams, a->cw, a->mdv, a->cg, NULL);
		sp_nn_clip(a->cg, nc, a->o.max_grad);
		sp_nn_adam_step(a->copt, a->cparams, a->cg);
		sum_al += al + ent_sign * a->o.entropy * h / (double)B;
		sum_cl += cl;
		sum_h += h / (double)B;
		sum_cf += cf;
	}
	if (pr) {
		pr->actor_loss = sum_al / (double)nupd;
		pr->critic_loss = sum_cl / (double)nupd;
		pr->entropy = sum_h / (double)nupd;
		pr->clipfrac = sum_cf / (double)nupd;
		pr->train_reward = 0;
		for (size_t i = 0; i < R; i++)
			pr->train_reward += a->rew[i];
		pr->train_reward /= (double)R;
	}
}

int
sp_ppo_evaluate(sp_ppo_policy *p, const sp_ppo_env *e, void *env, long max_steps,
    double *total, long *steps, sp_error *err)
{
	double *s = malloc((size_t)p->d.size[0] * sizeof(double));
	double sum = 0;
	long n = 0;
	int rc = 0;

	if (!s)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if (e->rewind)
		e->rewind(env);
	while (!max_steps || n < max_steps) {
		int done = 0;
		if ((rc = e->reset(env, s, err)) != 0)
			break;
		while (!done && (!max_steps || n < max_steps)) {
			double r;
			if ((rc = e->step(env, sp_ppo_policy_act(p, s, NULL), s, &r, &done, err)) < 0)
				goto out;
			sum += r;
			n++;
		}
	}
out:
	free(s);
	if (rc < 0)
		return rc;
	*total = sum;
	*steps = n;
	return 0;
}

int
sp_ppo_train(sp_ppo *a, const sp_ppo_env *train, void *tenv, const sp_ppo_env *val,
    void *venv, void (*progress)(void *, const sp_ppo_progress *), void *parg, sp_error *err)
{
	sp_ppo_progress pr;
	size_t na = sp_mlp_nparams(&a->pol->d);
	int bad = 0, rc;

	memset(&pr, 0, sizeof pr);
	pr.best_return = -INFINITY;
	while (pr.steps < a->o.max_steps) {
		if ((rc = sp_ppo_collect(a, train, tenv, err)) < 0)
			return rc;
		pr.steps += a->o.rollout;
		sp_ppo_update(a, &pr);
		pr.update++;
		if ((rc = sp_ppo_evaluate(a->pol, val, venv, 0, &pr.eval_return, &pr.eval_steps, err)) < 0)
			return rc;
		pr.improved = pr.eval_return > pr.best_return;
		if (pr.improved) {
			pr.best_return = pr.eval_return;
			memcpy(a->best, a->pol->params, na * sizeof(double));
			bad = 0;
		} else {
			bad++;
		}
		if (progress)
			progress(parg, &pr);
		if (bad > a->o.patience)
			break;
	}
	memcpy(a->pol->params, a->best, na * sizeof(double));
	return 0;
}
