/* sp_rlenv: BAScaler's RL environment over sp_sim (see sp_rlenv.h).
 * Constants and formulas follow scalepipe-ppo(7) and its worked examples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_rlenv.h"

void
sp_rlenv_defaults(sp_rlenv_opts *o)
{
	memset(o, 0, sizeof *o);
	o->slo = 16;
	o->alpha = 0.1;
	o->cpu_target = 90;
	o->penalty = 8;
	o->illegal = -3;
	o->action_max = 10;
	o->min = 1;
	o->max = 100;
	o->max_latency = 50;
}

int
sp_rlenv_check(const sp_rlenv_opts *o, sp_error *err)
{
	if (!(o->slo > 0))
		return sp_error_set(err, SP_EUSAGE, "SLO must be > 0");
	if (!(o->alpha >= 0 && o->alpha <= 1))
		return sp_error_set(err, SP_EUSAGE, "alpha must be in [0, 1]");
	if (!(o->cpu_target > 0 && o->cpu_target < 100))
		return sp_error_set(err, SP_EUSAGE, "CPU target must be in (0, 100)");
	if (!(o->penalty >= 0))
		return sp_error_set(err, SP_EUSAGE, "penalty ratio must be >= 0");
	if (!isfinite(o->illegal))
		return sp_error_set(err, SP_EUSAGE, "illegal-action reward must be finite");
	if (o->action_max < 0 || o->action_max > 1000)
		return sp_error_set(err, SP_EUSAGE, "action range must be in [0, 1000]");
	if (o->min < 1 || o->max < o->min)
		return sp_error_set(err, SP_EUSAGE, "instance bounds: need 1 <= min <= max");
	if (!(o->max_latency > 0))
		return sp_error_set(err, SP_EUSAGE, "latency scale must be > 0");
	if (!(o->load_scale > 0) || !isfinite(o->load_scale))
		return sp_error_set(err, SP_EUSAGE, "load scale must be > 0");
	if (!(o->wstar > 0) || !isfinite(o->wstar))
		return sp_error_set(err, SP_EUSAGE, "w* must be > 0");
	return 0;
}

int
sp_rlenv_nact(const sp_rlenv_opts *o)
{
	return 3 * (2 * o->action_max + 1);
}

double
sp_rlenv_reward(const sp_rlenv_opts *o, double u, double r)
{
	double c, q, th = o->cpu_target;

	if (u > 100)
		u = 100;
	if (r <= 0)
		r = 1e-3;
	if (u <= th) {
		c = u / th;
	} else {
		/* [C:reward_func.custom_reward_penalty]: a = (u - th) / (100 (1 - th/100 + 1e-6)) */
		double a = (u - th) / (100 * (1 - th / 100 + 1e-6));
		c = 2 - 1 / (1 - a);
		if (c < 0) {
			c *= o->penalty;
			if (c < -o->penalty)
				c = -o->penalty;
		}
	}
	q = r <= o->slo ? 1 : -o->penalty * (2 - o->slo / r);
	return o->alpha * q + (1 - o->alpha) * c;
}

double
sp_rlenv_warning(double rt_hat, double slo)
{
	double v;

	if (!(rt_hat < 2 * slo))
		return 1;
	v = -2 * log(2 - rt_hat / slo);
	return v < -1 ? -1 : v > 1 ? 1 : v;
}

static double
clip(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

void
sp_rlenv_encode(const sp_rlenv_opts *o, const sp_rlenv_obs *obs, double *s)
{
	time_t tt = (time_t)floor(obs->t);
	struct tm tm;

	s[0] = isnan(obs->cpu) ? -1 : clip(obs->cpu, 0, 100) / 100 * 2 - 1;
	s[1] = isnan(obs->latency) ? -1 : clip(obs->latency, 0, o->max_latency) / o->max_latency * 2 - 1;
	s[2] = (double)obs->replicas / o->max * 2 - 1;
	s[3] = isnan(obs->rt_hat) ? 0 : sp_rlenv_warning(obs->rt_hat, o->slo);
	for (int i = 0; i < SP_RLENV_HIST; i++)
		s[4 + i] = isnan(obs->hist[i]) ? 0 : obs->hist[i] / o->load_scale;
	gmtime_r(&tt, &tm);
	/* pandas' hour, weekday (Monday 0), day of month, day of year, as
	 * in the reference's time_features(freq='h') */
	s[4 + SP_RLENV_HIST] = tm.tm_hour / 23.0 - 0.5;
	s[5 + SP_RLENV_HIST] = ((tm.tm_wday + 6) % 7) / 6.0 - 0.5;
	s[6 + SP_RLENV_HIST] = (tm.tm_mday - 1) / 30.0 - 0.5;
	s[7 + SP_RLENV_HIST] = tm.tm_yday / 365.0 - 0.5;
}

static int
anchor(double w, double wstar, int cur)
{
	double n;

	if (!isfinite(w))
		return cur;
	n = ceil(w / wstar);
	return n < -1e6 ? -1000000 : n > 1e6 ? 1000000 : (int)n;
}

int
sp_rlenv_apply(const sp_rlenv_opts *o, int a, int cur, double forecast, double upper,
    int *replicas)
{
	int k = 2 * o->action_max + 1, d, base, n;

	if (a < 0 || a >= 3 * k)
		return -1;
	d = a % k - o->action_max;
	base = a < k ? cur : a < 2 * k ? anchor(forecast, o->wstar, cur) : anchor(upper, o->wstar, cur);
	n = base + d;
	if (n < o->min) {
		*replicas = o->min;
		return 1;
	}
	if (n > o->max) {
		*replicas = o->max;
		return 1;
	}
	*replicas = n;
	return 0;
}

/* ---- environment ---- */

struct sp_rlenv {
	sp_rlenv_opts o;
	sp_sim_opts so;
	const sp_perf *perf;
	sp_rlenv_trace tr;
	size_t from, to;
	int cyclic;
	size_t nseg, nsteps, *seg;    /* seg[2k], seg[2k+1]: [start, end) */
	size_t next;                  /* next segment for reset() */
	size_t i, end;                /* current step, end of its segment */
	int n;                        /* current replicas */
	sp_sim *sim;
	double hist[SP_RLENV_HIST];
};

sp_rlenv *
sp_rlenv_new(const sp_rlenv_opts *o, const sp_sim_opts *so, const sp_perf *perf,
    const sp_rlenv_trace *tr, size_t from, size_t to, int cyclic, sp_error *err)
{
	sp_rlenv *e;
	size_t cap = 16;

	if (sp_rlenv_check(o, err) < 0)
		return NULL;
	if (to > tr->n || from >= to) {
		sp_error_set(err, SP_EUSAGE, "empty span");
		return NULL;
	}
	if (!(e = calloc(1, sizeof *e)) || !(e->seg = malloc(2 * cap * sizeof(size_t)))) {
		free(e);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	e->o = *o, e->so = *so, e->perf = perf, e->tr = *tr;
	e->from = from, e->to = to, e->cyclic = cyclic;
	for (size_t i = from; i < to;) {
		size_t j;
		if (tr->burst[i]) {
			i++;
			continue;
		}
		for (j = i; j < to && !tr->burst[j]; j++)
			;
		if (j - i >= 2) {
			if (e->nseg == cap) {
				size_t *p = realloc(e->seg, 4 * cap * sizeof(size_t));
				if (!p) {
					sp_rlenv_free(e);
					sp_error_set(err, SP_ENOMEM, "out of memory");
					return NULL;
				}
				e->seg = p, cap *= 2;
			}
			e->seg[2 * e->nseg] = i, e->seg[2 * e->nseg + 1] = j;
			e->nseg++;
			e->nsteps += j - i;
		}
		i = j;
	}
	if (!e->nseg) {
		sp_rlenv_free(e);
		sp_error_set(err, SP_EDATA, "no non-burst segment of at least 2 steps in the span");
		return NULL;
	}
	return e;
}

void
sp_rlenv_free(sp_rlenv *e)
{
	if (!e)
		return;
	sp_sim_free(e->sim);
	free(e->seg);
	free(e);
}

size_t sp_rlenv_segments(const sp_rlenv *e) { return e->nseg; }
size_t sp_rlenv_steps(const sp_rlenv *e) { return e->nsteps; }

static double
step_len(const sp_rlenv *e, size_t i)
{
	if (i > 0)
		return e->tr.t[i] - e->tr.t[i - 1];
	return e->tr.n > 1 ? e->tr.t[1] - e->tr.t[0] : 1;
}

/* Simulate step e->i with e->n replicas and write the state after it. */
static int
sim_and_state(sp_rlenv *e, double *state, double *cpu, double *lat, sp_error *err)
{
	sp_sim_row row;
	sp_rlenv_obs obs;
	size_t i = e->i;
	double f;
	int rc;

	if ((rc = sp_sim_step(e->sim, e->tr.t[i], step_len(e, i), e->tr.load[i], e->n, 0, &row, err)) < 0)
		return rc;
	for (int k = 0; k < SP_RLENV_HIST; k++) {
		long j = (long)i - (SP_RLENV_HIST - 1) + k;
		e->hist[k] = j >= 0 ? e->tr.load[j] : 0;
	}
	f = i + 1 < e->tr.n ? e->tr.forecast[i + 1] : NAN;
	if (!isfinite(f))
		f = e->tr.load[i];
	obs.cpu = row.cpu;
	obs.latency = row.latency;
	obs.replicas = e->n;
	obs.rt_hat = sp_perf_latency(e->perf, f / e->n);
	obs.hist = e->hist;
	obs.t = e->tr.t[i];
	sp_rlenv_encode(&e->o, &obs, state);
	*cpu = row.cpu;
	*lat = row.latency;
	return 0;
}

static int
env_reset(void *env, double *state, sp_error *err)
{
	sp_rlenv *e = env;
	double cpu, lat, n0;

	if (e->next >= e->nseg) {
		if (!e->cyclic)
			return 1;
		e->next = 0;
	}
	e->i = e->seg[2 * e->next];
	e->end = e->seg[2 * e->next + 1];
	e->next++;
	n0 = ceil(e->tr.load[e->i] / e->o.wstar);
	e->n = n0 < e->o.min ? e->o.min : n0 > e->o.max ? e->o.max : (int)n0;
	sp_sim_free(e->sim);
	if (!(e->sim = sp_sim_new(&e->so, e->perf, err)))
		return err ? err->code : SP_ENOMEM;
	return sim_and_state(e, state, &cpu, &lat, err);
}

static int
env_step(void *env, int a, double *state, double *reward, int *done, sp_error *err)
{
	sp_rlenv *e = env;
	size_t i = e->i + 1;
	double cpu, lat;
	int clamped, rc;

	if (i >= e->end)
		return sp_error_set(err, SP_EUSAGE, "step after the end of an episode");
	clamped = sp_rlenv_apply(&e->o, a, e->n, e->tr.forecast[i], e->tr.upper[i], &e->n);
	if (clamped < 0)
		return sp_error_set(err, SP_EUSAGE, "action %d out of range", a);
	e->i = i;
	if ((rc = sim_and_state(e, state, &cpu, &lat, err)) < 0)
		return rc;
	*reward = sp_rlenv_reward(&e->o, isnan(cpu) ? 0 : cpu, lat) + (clamped ? e->o.illegal : 0);
	*done = i + 1 >= e->end;
	return 0;
}

static void
env_rewind(void *env)
{
	((sp_rlenv *)env)->next = 0;
}

void
sp_rlenv_ppo_env(const sp_rlenv *e, sp_ppo_env *out)
{
	out->state_dim = SP_RLENV_STATE;
	out->nact = sp_rlenv_nact(&e->o);
	out->reset = env_reset;
	out->step = env_step;
	out->rewind = env_rewind;
}

/* ---- policy file ---- */

int
sp_rlenv_policy_save(const char *path, const sp_rlenv_opts *o, sp_ppo_policy *p,
    const char *command, sp_error *err)
{
	sp_model_writer *w = sp_model_create(path, "ppo", 1, err);

	if (!w)
		return err ? err->code : SP_EIO;
	if (command)
		sp_model_put_line(w, "command", command);
	sp_model_put_long(w, "state-features", SP_RLENV_STATE);
	sp_model_put_long(w, "history", SP_RLENV_HIST);
	sp_model_put_long(w, "action-max", o->action_max);
	sp_model_put_double(w, "slo", o->slo);
	sp_model_put_double(w, "alpha", o->alpha);
	sp_model_put_double(w, "cpu-target", o->cpu_target);
	sp_model_put_double(w, "penalty", o->penalty);
	sp_model_put_double(w, "illegal", o->illegal);
	sp_model_put_long(w, "min", o->min);
	sp_model_put_long(w, "max", o->max);
	sp_model_put_double(w, "max-latency", o->max_latency);
	sp_model_put_double(w, "load-scale", o->load_scale);
	sp_model_put_double(w, "wstar", o->wstar);
	sp_ppo_policy_write(w, p);
	return sp_model_commit(w, err);
}

sp_ppo_policy *
sp_rlenv_policy_load(const char *path, sp_rlenv_opts *o, sp_error *err)
{
	sp_model *m = sp_model_load(path, "ppo", 1, NULL, err);
	sp_ppo_policy *p = NULL;
	long sf, hist, am, mn, mx;
	const char *cmd;

	if (!m)
		return NULL;
	sp_rlenv_defaults(o);
	if (sp_model_has(m, "command") && sp_model_get_line(m, "command", &cmd, err) < 0)
		goto fail;
	if (sp_model_get_long(m, "state-features", 1, 1 << 20, &sf, err) < 0 ||
	    sp_model_get_long(m, "history", 1, 1 << 20, &hist, err) < 0 ||
	    sp_model_get_long(m, "action-max", 0, 1000, &am, err) < 0 ||
	    sp_model_get_double(m, "slo", &o->slo, err) < 0 ||
	    sp_model_get_double(m, "alpha", &o->alpha, err) < 0 ||
	    sp_model_get_double(m, "cpu-target", &o->cpu_target, err) < 0 ||
	    sp_model_get_double(m, "penalty", &o->penalty, err) < 0 ||
	    sp_model_get_double(m, "illegal", &o->illegal, err) < 0 ||
	    sp_model_get_long(m, "min", 1, 1000000, &mn, err) < 0 ||
	    sp_model_get_long(m, "max", 1, 1000000, &mx, err) < 0 ||
	    sp_model_get_double(m, "max-latency", &o->max_latency, err) < 0 ||
	    sp_model_get_double(m, "load-scale", &o->load_scale, err) < 0 ||
	    sp_model_get_double(m, "wstar", &o->wstar, err) < 0)
		goto fail;
	o->action_max = (int)am, o->min = (int)mn, o->max = (int)mx;
	if (sf != SP_RLENV_STATE || hist != SP_RLENV_HIST) {
		sp_error_set(err, SP_EMODEL, "%s: policy is for %ld state features (%ld loads of history), "
		    "this version has %d (%d)", path, sf, hist, SP_RLENV_STATE, SP_RLENV_HIST);
		goto fail;
	}
	if (sp_rlenv_check(o, err) < 0) {
		if (err) {
			err->code = SP_EMODEL;
			sp_error_prefix(err, "%s", path);
		}
		goto fail;
	}
	if (!(p = sp_ppo_policy_read(m, SP_RLENV_STATE, sp_rlenv_nact(o), err)))
		goto fail;
	if (sp_model_finish(m, err) < 0)
		goto fail;
	sp_model_free(m);
	return p;
fail:
	sp_ppo_policy_free(p);
	sp_model_free(m);
	return NULL;
}

/* ---- online agent ---- */

struct sp_rlenv_agent {
	sp_rlenv_opts o;
	sp_ppo_policy *p;
	const sp_perf *perf;
	double hist[SP_RLENV_HIST];
	double state[SP_RLENV_STATE];
};

sp_rlenv_agent *
sp_rlenv_agent_new(const sp_rlenv_opts *o, sp_ppo_policy *p, const sp_perf *perf, sp_error *err)
{
	sp_rlenv_agent *g;

	if (sp_rlenv_check(o, err) < 0)
		return NULL;
	if (sp_ppo_policy_state_dim(p) != SP_RLENV_STATE || sp_ppo_policy_nact(p) != sp_rlenv_nact(o)) {
		sp_error_set(err, SP_EMODEL, "policy is for %d state features and %d actions, "
		    "this environment has %d and %d", sp_ppo_policy_state_dim(p), sp_ppo_policy_nact(p),
		    SP_RLENV_STATE, sp_rlenv_nact(o));
		return NULL;
	}
	if (!(g = calloc(1, sizeof *g))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	g->o = *o, g->p = p, g->perf = perf;
	return g;
}

void
sp_rlenv_agent_free(sp_rlenv_agent *g)
{
	free(g);
}

void
sp_rlenv_agent_observe(sp_rlenv_agent *g, double load)
{
	memmove(g->hist, g->hist + 1, (SP_RLENV_HIST - 1) * sizeof(double));
	g->hist[SP_RLENV_HIST - 1] = isfinite(load) ? load : 0;
}

int
sp_rlenv_agent_decide(sp_rlenv_agent *g, double t, int cur, double cpu, double latency,
    double forecast, double upper, int *action)
{
	sp_rlenv_obs obs;
	double w = g->hist[SP_RLENV_HIST - 1] / (cur > 0 ? cur : 1);
	double f = isfinite(forecast) ? forecast : g->hist[SP_RLENV_HIST - 1];
	int a, n;

	if (cur < 1)
		cur = 1;
	obs.cpu = isnan(cpu) ? sp_perf_cpu(g->perf, w) : cpu;
	obs.latency = isnan(latency) ? sp_perf_latency(g->perf, w) : latency;
	obs.replicas = cur;
	obs.rt_hat = sp_perf_latency(g->perf, f / cur);
	obs.hist = g->hist;
	obs.t = t;
	sp_rlenv_encode(&g->o, &obs, g->state);
	a = sp_ppo_policy_act(g->p, g->state, NULL);
	sp_rlenv_apply(&g->o, a, cur, forecast, upper, &n);
	if (action)
		*action = a;
	return n;
}
