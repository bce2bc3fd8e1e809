/* sp_keda: KEDA's Prometheus-triggered ScaledObject; see sp_keda.h. */
#include "sp_keda.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	double t0, t1, load;    /* load held over (t0, t1] */
} obs;

struct sp_keda {
	sp_keda_opts o;
	sp_hpa *hpa;
	obs *v;
	size_t n, cap;
	int have_t;
	double last_t;
	int polled, have_active;
	double last_poll, last_active, first_poll;
	const char *reason;
};

void
sp_keda_defaults(sp_keda_opts *o)
{
	memset(o, 0, sizeof *o);
	o->polling = 30;
	o->cooldown = 300;
	o->window = 60;
	o->min = 0;
	o->max = 100;
	o->tol_up = o->tol_down = 0.1;
	sp_hpa_defaults(&o->hpa);
}

sp_keda *
sp_keda_new(const sp_keda_opts *o, sp_error *err)
{
	sp_keda *k;
	sp_hpa_config hc;

	if (!(o->threshold > 0) || !isfinite(o->threshold)) {
		sp_error_set(err, SP_EUSAGE, "keda: threshold must be > 0");
		return NULL;
	}
	if (!(o->activation >= 0) || !(o->polling > 0) || !(o->cooldown >= 0) || !(o->window > 0)) {
		sp_error_set(err, SP_EUSAGE, "keda: activation and cooldown must be >= 0, polling and window > 0");
		return NULL;
	}
	if (o->min < 0 || o->max < 1 || o->min > o->max) {
		sp_error_set(err, SP_EUSAGE, "keda: need 0 <= minReplicaCount (%d) <= maxReplicaCount (%d), max >= 1",
		    o->min, o->max);
		return NULL;
	}
	if (!(k = calloc(1, sizeof *k))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	k->o = *o;
	hc = o->hpa;
	hc.min = o->min > 1 ? o->min : 1;
	hc.max = o->max;
	if (!(k->hpa = sp_hpa_new(&hc, err))) {
		free(k);
		return NULL;
	}
	k->reason = "";
	return k;
}

void
sp_keda_free(sp_keda *k)
{
	if (!k)
		return;
	sp_hpa_free(k->hpa);
	free(k->v);
	free(k);
}

int
sp_keda_observe(sp_keda *k, double t, double load, sp_error *err)
{
	size_t i, j;

	if (!isfinite(t) || (k->have_t && t < k->last_t))
		return sp_error_set(err, SP_EUSAGE, "keda: time went back (%.17g)", t);
	if (!isnan(load) && (!isfinite(load) || load < 0))
		return sp_error_set(err, SP_EDATA, "keda: load must be finite and >= 0 (got %g)", load);
	if (k->have_t && !isnan(load) && t > k->last_t) {
		/* drop what left every window that can still be asked about */
		for (i = 0, j = 0; i < k->n; i++)
			if (k->v[i].t1 > t - k->o.window)
				k->v[j++] = k->v[i];
		k->n = j;
		if (k->n == k->cap) {
			size_t nc = k->cap ? 2 * k->cap : 16;
			obs *p = realloc(k->v, nc * sizeof *p);
			if (!p)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			k->v = p;
			k->cap = nc;
		}
		k->v[k->n++] = (obs){ k->last_t, t, load };
	}
	k->have_t = 1;
	k->last_t = t;
	return 0;
}

int
sp_keda_metric(const sp_keda *k, double t, double *value)
{
	size_t i;
	double lo = t - k->o.window, s = 0, w = 0;

	for (i = 0; i < k->n; i++) {
		double a = k->v[i].t0 > lo ? k->v[i].t0 : lo, b = k->v[i].t1 < t ? k->v[i].t1 : t;
		if (b > a) {
			s += k->v[i].load * (b - a);
			w += b - a;
		}
	}
	if (!(w > 0))
		return 0;
	*value = s / w;
	return 1;
}

int
sp_keda_decide(sp_keda *k, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	double v = 0;
	int have = sp_keda_metric(k, t, &v), proposal = -1, d = current, i, n;
	sp_hpa_metric m;
	sp_hpa_pod *pods = NULL;
	long long usage;

	(void)wstar;
	if (current < 0 || ready < 0)
		return sp_error_set(err, SP_EUSAGE, "keda: negative replica count");
	if (!k->polled || t >= k->last_poll + k->o.polling) {
		int active = have && v > k->o.activation;
		if (!k->polled)
			k->first_poll = t;
		k->polled = 1;
		k->last_poll = t;
		if (active) {
			k->have_active = 1;
			k->last_active = t;
		}
		if (current == 0 && active) {
			*replicas = k->o.min > 1 ? k->o.min : 1;
			k->reason = "activate";
			return 0;
		}
		if (!active && current > 0 && k->o.min == 0 &&
		    t - (k->have_active ? k->last_active : k->first_poll) >= k->o.cooldown) {
			*replicas = 0;
			k->reason = "deactivate";
			return 0;
		}
	}
	if (current == 0) {
		*replicas = 0;
		k->reason = "inactive";
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.type = k->o.value ? SP_HPA_OBJECT_VALUE : SP_HPA_OBJECT_AVERAGE;
	m.target = llround(k->o.threshold * 1000);
	if (m.target < 1)
		m.target = 1;
	m.tol_up = k->o.tol_up;
	m.tol_down = k->o.tol_down;
	n = current;
	if (have) {
		if (!(pods = malloc((size_t)n * sizeof *pods)))
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			pods[i].state = i < ready ? SP_HPA_POD_READY : SP_HPA_POD_UNREADY;
			pods[i].has_metric = 1;
			pods[i].value = 0;
			pods[i].request = 0;
		}
		if (sp_hpa_metric_replicas(&m, current, pods, (size_t)n, llround(v * 1000), current, &proposal,
		    &usage, NULL) < 0)
			proposal = -1;
		free(pods);
	}
	if (sp_hpa_step(k->hpa, t, current, proposal, 0, &d, &k->reason) < 0)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	*replicas = d;
	return 0;
}

const char *
sp_keda_reason(const sp_keda *k)
{
	return k->reason;
}

static int
peer_observe(void *self, double t, double load, sp_error *err)
{
	return sp_keda_observe(self, t, load, err);
}

static int
peer_decide(void *self, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	return sp_keda_decide(self, t, current, ready, wstar, replicas, err);
}

static const char *
peer_reason(const void *self)
{
	return sp_keda_reason(self);
}

static void
peer_free(void *self)
{
	sp_keda_free(self);
}

static const sp_peer_ops keda_ops = { "keda", peer_observe, peer_decide, peer_reason, peer_free };

sp_peer
sp_keda_peer(sp_keda *k)
{
	sp_peer p = { &keda_ops, k };
	return p;
}
