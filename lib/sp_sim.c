/* sp_sim: trace-driven replica simulator; see sp_sim.h. */
#include "sp_sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_stats.h"

typedef struct {
	long steps, violations, actions;
	double vms, cost, rsteps, over, under, churn, lat, lat2, maxlat, cpu;
	long ncpu;
	double *lats;
	size_t nlat, caplat;
} acc;

struct sp_sim {
	sp_sim_opts o;
	const sp_perf *perf;
	double *ready_at;   /* per pod, sorted ascending: when it is ready */
	size_t npods, cappods;
	double backlog;
	int started, last_req;
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
		free(s->a[i].lats);
	free(s->ready_at);
	free(s);
}

static int
add(acc *a, const sp_sim_row *r, double dt, int churn, double lat_for_stats)
{
	if (a->nlat == a->caplat) {
		size_t nc = a->caplat ? 2 * a->caplat : 1024;
		double *p = realloc(a->lats, nc * sizeof *p);
		if (!p)
			return SP_ENOMEM;
		a->lats = p;
		a->caplat = nc;
	}
	a->lats[a->nlat++] = lat_for_stats;
	a->steps++;
	a->violations += r->violation;
	a->vms += r->magnitude;
	a->cost += r->cost;
	a->rsteps += r->replicas;
	a->over += r->replicas > r->ideal ? r->replicas - r->ideal : 0;
	a->under += r->ideal > r->ready ? r->ideal - r->ready : 0;
	a->churn += churn;
	a->actions += churn != 0;
	a->lat += lat_for_stats;
	if (lat_for_stats > a->maxlat)
		a->maxlat = lat_for_stats;
	if (isfinite(r->cpu)) {
		a->cpu += r->cpu;
		a->ncpu++;
	}
	(void)dt;
	return 0;
}

int
sp_sim_step(sp_sim *s, double t, double dt, double load, int requested, int burst,
    sp_sim_row *row, sp_error *err)
{
	size_t i;
	int churn = 0, ready = 0;
	double cap = sp_perf_capacity(s->perf), w, served, lat;

	if (!(load >= 0) || !isfinite(load))
		return sp_error_set(err, SP_EDATA, "load must be a number >= 0");
	if (requested < 0)
		return sp_error_set(err, SP_EDATA, "replicas must be >= 0");
	if (!(dt > 0))
		return sp_error_set(err, SP_EDATA, "step length must be > 0");
	if (requested > 10000000)
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
		s->last_req = requested;
	} else {
		churn = abs(requested - s->last_req);
		s->last_req = requested;
		if ((size_t)requested > s->npods) {
			/* decided at the end of the previous step */
			for (i = s->npods; i < (size_t)requested; i++)
				s->ready_at[i] = t + s->o.startup - dt;
		}
		/* removal: the newest (latest ready) pods go first: the array is
		 * sorted by ready time, so truncating does it */
		s->npods = (size_t)requested;
	}
	for (i = 0; i < s->npods; i++)
		ready += s->ready_at[i] <= t + 1e-9;
	memset(row, 0, sizeof *row);
	row->replicas = (int)s->npods;
	row->ready = ready;
	row->starting = (int)s->npods - ready;
	row->cost = (double)s->npods * dt;
	row->ideal = load > 0 ? (int)ceil(load / s->o.wstar - 1e-9) : 0;
	if (ready > 0) {
		w = load / ready;
		lat = sp_perf_latency(s->perf, w);
		row->cpu = sp_perf_cpu(s->perf, w);
		if (s->o.queue && s->backlog > 0)
			lat += 1000 * s->backlog / (ready * cap);
		served = ready * cap * dt;
	} else {
		w = load > 0 ? INFINITY : 0;
		/* nothing serves: requests wait out the step */
		lat = load > 0 || s->backlog > 0 ? sp_perf_latency(s->perf, cap) + 1000 * dt : sp_perf_latency(s->perf, 0);
		row->cpu = sp_perf_has_cpu(s->perf) ? 0 : NAN;
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
	row->per_replica = w;
	row->latency = lat;
	row->violation = lat > s->o.slo;
	row->magnitude = lat > s->o.slo ? lat - s->o.slo : 0;
	row->backlog = s->backlog;
	if (add(&s->a[SP_SIM_ALL], row, dt, churn, lat) < 0 ||
	    add(&s->a[burst ? SP_SIM_BURST : SP_SIM_NONBURST], row, dt, churn, lat) < 0)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	return 0;
}

void
sp_sim_summarise(const sp_sim *s, int split, sp_sim_summary *out)
{
	const acc *a = &s->a[split];
	double *tmp;

	memset(out, 0, sizeof *out);
	out->steps = a->steps;
	out->violations = a->violations;
	out->scaling_actions = a->actions;
	out->violation_ms = a->vms;
	out->cost = a->cost;
	out->replica_steps = a->rsteps;
	out->over = a->over;
	out->under = a->under;
	out->churn = a->steps ? a->churn / (double)a->steps : NAN;
	out->mean_latency = a->steps ? a->lat / (double)a->steps : NAN;
	out->max_latency = a->steps ? a->maxlat : NAN;
	out->sd_latency = a->steps ? sp_stats_sd(a->lats, a->nlat, out->mean_latency) : NAN;
	out->mean_cpu = a->ncpu ? a->cpu / (double)a->ncpu : NAN;
	out->p95_latency = NAN;
	if (a->nlat && (tmp = malloc(a->nlat * sizeof *tmp))) {
		out->p95_latency = sp_stats_quantile(a->lats, a->nlat, 0.95, tmp);
		free(tmp);
	}
}
