/* sp_sim: trace-driven replica simulator; see sp_sim.h. */
#include "sp_sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_stats.h"

/* a growable array of latency samples */
typedef struct {
	double *v;
	size_t n, cap;
} samples;

typedef struct {
	long steps, actions, changes, started;
	double viol, vms, cost, rsteps, over, under, churn, cpu;
	long ncpu;
	samples lat;
} acc;

/* the trace step being built from its ticks */
typedef struct {
	int ticks;
	double dt, load, viol, vms, cost, rep, over, under, lat, cpu, cpu_dt;
	int churn, changes, started;
	samples lat_s;
	long ncpu;
	double cpu_sum;
	sp_sim_row last;
} stepacc;

struct sp_sim {
	sp_sim_opts o;
	const sp_perf *perf;
	double *ready_at;   /* per pod, sorted ascending: when it is ready */
	size_t npods, cappods;
	double backlog;
	int started;
	stepacc cur;
	acc a[SP_SIM_NSPLIT];
};

void
sp_sim_defaults(sp_sim_opts *o)
{
	o->startup = 60;
	o->slo = 16;
	o->wstar = 0;
	o->queue = 1;
	o->queue_timeout = 10;
}

sp_sim *
sp_sim_new(const sp_sim_opts *o, const sp_perf *perf, sp_error *err)
{
	sp_sim *s;

	if (!perf || !(o->wstar > 0) || !(o->slo > 0) || !(o->startup >= 0)) {
		sp_error_set(err, SP_EUSAGE, "simulator needs a model, w* > 0, SLO > 0, start-up >= 0");
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	s->o = *o;
	s->perf = perf;
	return s;
}

void
sp_sim_free(sp_sim *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < SP_SIM_NSPLIT; i++)
		free(s->a[i].lat.v);
	free(s->cur.lat_s.v);
	free(s->ready_at);
	free(s);
}

static int
push(samples *x, double v)
{
	if (x->n == x->cap) {
		size_t nc = x->cap ? 2 * x->cap : 1024;
		double *p = realloc(x->v, nc * sizeof *p);
		if (!p)
			return SP_ENOMEM;
		x->v = p;
		x->cap = nc;
	}
	x->v[x->n++] = v;
	return 0;
}

int
sp_sim_replicas(const sp_sim *s)
{
	return (int)s->npods;
}

int
sp_sim_scale(sp_sim *s, double t, int requested, sp_error *err)
{
	size_t i;

	if (requested < 0)
		return sp_error_set(err, SP_EDATA, "replicas must be >= 0");
	if (requested > SP_SIM_MAX_REPLICAS)
		return sp_error_set(err, SP_EDATA, "replicas %d: too many", requested);
	if ((size_t)requested > s->cappods) {
		size_t nc = (size_t)requested * 2;
		double *p = realloc(s->ready_at, nc * sizeof *p);
		if (!p)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		s->ready_at = p;
		s->cappods = nc;
	}
	if (!s->started) {
		for (i = 0; i < (size_t)requested; i++)
			s->ready_at[i] = -INFINITY;
		s->npods = (size_t)requested;
		s->started = 1;
		return 0;
	}
	if ((size_t)requested == s->npods)
		return 0;
	s->cur.churn += abs(requested - (int)s->npods);
	s->cur.changes++;
	if ((size_t)requested > s->npods) {
		s->cur.started += requested - (int)s->npods;
		for (i = s->npods; i < (size_t)requested; i++)
			s->ready_at[i] = t + s->o.startup;
	}
	/* removal: the latest ready pods go first: the array is sorted by
	 * ready time, so truncating does it */
	s->npods = (size_t)requested;
	return 0;
}

void
sp_sim_pods(const sp_sim *s, double t, double window, double cpu_init, int *ready, int *counted)
{
	size_t i;
	int r = 0, c = 0;

	for (i = 0; i < s->npods; i++) {
		double ra = s->ready_at[i];
		if (!(ra <= t + 1e-9))
			continue;
		r++;
		/* groupPods: within the CPU initialisation period a ready pod's
		 * sample counts once a whole metric window follows its readiness */
		if (ra == -INFINITY || t + 1e-9 >= ra - s->o.startup + cpu_init || t + 1e-9 >= ra + window)
			c++;
	}
	*ready = r;
	if (counted)
		*counted = c;
}

/* ceil(load / w*), the pods the load needs; SP_EDATA when that is more
 * than the simulator's largest count (a load of 1.7e308 is not a count:
 * converting it to int would be undefined). */
static int
ideal_count(const sp_sim *s, double load, int *out, sp_error *err)
{
	double n = load > 0 ? ceil(load / s->o.wstar - 1e-9) : 0;

	if (!(n <= SP_SIM_MAX_REPLICAS))
		return sp_error_set(err, SP_EDATA, "load %g needs %g replicas at w* %g (more than %d)",
		    load, n, s->o.wstar, SP_SIM_MAX_REPLICAS);
	*out = (int)n;
	return 0;
}

int
sp_sim_tick(sp_sim *s, double t, double dt, double load, sp_sim_row *out, sp_error *err)
{
	stepacc *c = &s->cur;
	int ready = 0;
	double cap = sp_perf_capacity(s->perf), w, served, lat;
	sp_sim_row row;

	if (!(load >= 0) || !isfinite(load))
		return sp_error_set(err, SP_EDATA, "load must be a number >= 0");
	if (!(dt > 0))
		return sp_error_set(err, SP_EDATA, "step length must be > 0");
	sp_sim_pods(s, t, 0, 0, &ready, NULL);
	memset(&row, 0, sizeof row);
	row.replicas = (int)s->npods;
	row.ready = ready;
	row.starting = (int)s->npods - ready;
	row.cost = (double)s->npods * dt;
	if (ideal_count(s, load, &row.ideal, err) < 0)
		return SP_EDATA;
	if (ready > 0) {
		w = load / ready;
		lat = sp_perf_latency(s->perf, w);
		row.cpu = sp_perf_cpu(s->perf, w);
		if (s->o.queue && s->backlog > 0)
			lat += 1000 * s->backlog / (ready * cap);
		served = ready * cap * dt;
	} else {
		w = load > 0 ? INFINITY : 0;
		/* nothing serves: requests wait out the tick */
		lat = load > 0 || s->backlog > 0 ? sp_perf_latency(s->perf, cap) + 1000 * dt : sp_perf_latency(s->perf, 0);
		row.cpu = sp_perf_has_cpu(s->perf) ? 0 : NAN;
		served = 0;
	}
	if (s->o.queue) {
		double maxq = ready * cap * s->o.queue_timeout;
		s->backlog += load * dt - served;
		if (s->backlog < 0)
			s->backlog = 0;
		if (s->backlog > maxq)
			s->backlog = maxq;
	}
	row.per_replica = w;
	row.latency = lat;
	row.violation = lat > s->o.slo;
	row.magnitude = lat > s->o.slo ? lat - s->o.slo : 0;
	row.backlog = s->backlog;
	if (push(&c->lat_s, lat) < 0)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	c->ticks++;
	c->dt += dt;
	c->load += load * dt;
	c->viol += row.violation * dt;
	c->vms += row.magnitude * dt;
	c->cost += row.cost;
	c->rep += row.replicas * dt;
	c->over += (row.replicas > row.ideal ? row.replicas - row.ideal : 0) * dt;
	c->under += (row.ideal > ready ? row.ideal - ready : 0) * dt;
	c->lat += lat * dt;
	if (isfinite(row.cpu)) {
		c->cpu += row.cpu * dt;
		c->cpu_dt += dt;
		c->cpu_sum += row.cpu;
		c->ncpu++;
	}
	c->last = row;
	if (out)
		*out = row;
	return 0;
}

int
sp_sim_end_step(sp_sim *s, int burst, sp_sim_row *out, sp_error *err)
{
	stepacc *c = &s->cur;
	sp_sim_row row;
	double load;
	size_t i;
	int k;

	if (c->ticks == 0)
		return sp_error_set(err, SP_EDATA, "a step without a tick");
	row = c->last;
	load = c->load / c->dt;
	row.latency = c->lat / c->dt;
	row.cpu = c->cpu_dt > 0 ? c->cpu / c->cpu_dt : row.cpu;
	row.violation = c->viol / c->dt;
	row.magnitude = c->vms / c->dt;
	row.cost = c->cost;
	if (ideal_count(s, load, &row.ideal, err) < 0)
		return SP_EDATA;
	row.changes = c->changes;
	row.started = c->started;
	for (k = 0; k < 2; k++) {
		acc *a = &s->a[k == 0 ? SP_SIM_ALL : burst ? SP_SIM_BURST : SP_SIM_NONBURST];
		for (i = 0; i < c->lat_s.n; i++)
			if (push(&a->lat, c->lat_s.v[i]) < 0)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
		a->steps++;
		a->viol += row.violation;
		a->vms += row.magnitude;
		a->cost += c->cost;
		a->rsteps += c->rep / c->dt;
		a->over += c->over / c->dt;
		a->under += c->under / c->dt;
		a->churn += c->churn;
		a->actions += c->changes > 0;
		a->changes += c->changes;
		a->started += c->started;
		a->cpu += c->cpu_sum;
		a->ncpu += c->ncpu;
	}
	{
		samples keep = c->lat_s;
		memset(c, 0, sizeof *c);
		keep.n = 0;
		c->lat_s = keep;
	}
	if (out)
		*out = row;
	return 0;
}

int
sp_sim_step(sp_sim *s, double t, double dt, double load, int requested, int burst,
    sp_sim_row *row, sp_error *err)
{
	int rc;

	if (!(dt > 0))
		return sp_error_set(err, SP_EDATA, "step length must be > 0");
	if (!(load >= 0) || !isfinite(load))
		return sp_error_set(err, SP_EDATA, "load must be a number >= 0");
	if ((rc = sp_sim_scale(s, t - dt, requested, err)) < 0 || (rc = sp_sim_tick(s, t, dt, load, NULL, err)) < 0)
		return rc;
	return sp_sim_end_step(s, burst, row, err);
}

/* The summary of an accumulator (sp_sim_summarise, sp_sim_summarise_total). */
static void
summarise_acc(const acc *a, sp_sim_summary *out)
{
	size_t i, n = a->lat.n;
	double *tmp, sum = 0, mx = -INFINITY;

	memset(out, 0, sizeof *out);
	out->steps = a->steps;
	out->violations = a->viol;
	out->scaling_actions = a->actions;
	out->replica_changes = a->changes;
	out->pods_started = a->started;
	out->violation_ms = a->vms;
	out->cost = a->cost;
	out->replica_steps = a->rsteps;
	out->over = a->over;
	out->under = a->under;
	out->churn = a->steps ? a->churn / (double)a->steps : NAN;
	for (i = 0; i < n; i++) {
		sum += a->lat.v[i];
		if (a->lat.v[i] > mx)
			mx = a->lat.v[i];
	}
	out->mean_latency = n ? sum / (double)n : NAN;
	out->max_latency = n ? mx : NAN;
	out->sd_latency = n ? sp_stats_sd(a->lat.v, n, out->mean_latency) : NAN;
	out->mean_cpu = a->ncpu ? a->cpu / (double)a->ncpu : NAN;
	out->p95_latency = out->p99_latency = NAN;
	if (n && (tmp = malloc(n * sizeof *tmp))) {
		out->p95_latency = sp_stats_quantile(a->lat.v, n, 0.95, tmp);
		out->p99_latency = sp_stats_quantile(a->lat.v, n, 0.99, tmp);
		free(tmp);
	}
}

void
sp_sim_summarise(const sp_sim *s, int split, sp_sim_summary *out)
{
	summarise_acc(&s->a[split], out);
}

int
sp_sim_summarise_total(const sp_sim *const *sims, size_t n, int split, sp_sim_summary *out, sp_error *err)
{
	acc t;
	size_t i, nlat = 0;

	memset(&t, 0, sizeof t);
	for (i = 0; i < n; i++)
		nlat += sims[i]->a[split].lat.n;
	if (nlat && !(t.lat.v = malloc(nlat * sizeof *t.lat.v))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return SP_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const acc *a = &sims[i]->a[split];
		t.steps += a->steps;
		t.actions += a->actions;
		t.changes += a->changes;
		t.started += a->started;
		t.viol += a->viol;
		t.vms += a->vms;
		t.cost += a->cost;
		t.rsteps += a->rsteps;
		t.over += a->over;
		t.under += a->under;
		t.churn += a->churn;
		t.cpu += a->cpu;
		t.ncpu += a->ncpu;
		if (a->lat.n)
			memcpy(t.lat.v + t.lat.n, a->lat.v, a->lat.n * sizeof *a->lat.v);
		t.lat.n += a->lat.n;
	}
	summarise_acc(&t, out);
	free(t.lat.v);
	return 0;
}
