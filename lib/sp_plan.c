/* sp_plan: policies from demand and measurements to replicas; see sp_plan.h. */
#include "sp_plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_state.h"

typedef struct {
	double t;
	int v;
} rec;

/* the nowcast (opts.nowcast): one least-squares fit per tenth of the step
 * of the next step's load beyond its demand on the load measured so far
 * beyond the middle of the step's band; the past weighted NC_MEMORY a step */
enum { NC_PARTS = 10 };
#define NC_MEMORY 0.998
#define NC_MIN_WEIGHT 30.0
#define NC_PSI_MAX 4.0
typedef struct {
	double w, x, y, xx, xy;  /* weighted sums */
} nc_fit;

struct sp_plan {
	sp_plan_opts o;
	const sp_perf *perf;
	double wstar;
	sp_hpa *hpa;
	int last, has_last;
	/* scale-down stabilisation: recommendations in the window */
	rec *recs;
	size_t nrec, caprec;
	/* forecast quality: ring of (inside band, absolute percentage error) */
	unsigned char *qin;
	double *qape;
	size_t qn, qpos;
	double pf, pl, pu;      /* the previous step's forecast and band */
	int have_pf;
	sp_hpa_result hlast;    /* the HPA's last calculation */
	int hlast_ok;
	/* the nowcast: the fits; the live loads' distances measured in the
	 * step before the current one ([0]) and in the current one ([1]),
	 * per part of the step, each step's next demand; the current step's
	 * time; a state's distances for the step at ncbuf_t (decided again) */
	nc_fit ncf[NC_PARTS];
	double nce[2][NC_PARTS], ncnd[2], nct;
	double ncbuf[NC_PARTS], ncbuf_t;
};

void
sp_plan_defaults(sp_plan_opts *o)
{
	memset(o, 0, sizeof *o);
	o->policy = SP_PLAN_FORECAST;
	o->min = 1;
	o->max = 100;
	o->slo = 16;
	o->cpu_cap = 90;
	o->reactive = SP_PLAN_REACTIVE_HPA;
	o->min_coverage = 0.5;
	o->max_error = 0.5;
	o->thr_low = 50;
	o->metric = SP_PLAN_METRIC_CPU;
	o->target = 80;
	o->tol_up = o->tol_down = 0.1;
	sp_hpa_defaults(&o->hpa);
}

void
sp_plan_in_clear(sp_plan_in *in)
{
	in->t = 0;
	in->at = NAN;
	in->prev_load = in->prev_cpu = in->prev_latency = NAN;
	in->prev_ready = -1;
	in->prev_unready = in->prev_missing = -1;
	in->current = -1;
	in->demand = in->lower = in->upper = in->origin = NAN;
	in->next_demand = in->next_t = in->hold = NAN;
	in->burst = 0;
	in->tick = 0;
	in->live = in->live_frac = in->row_load = NAN;
	in->react = 0;
	in->check_n = -1;
	in->check_load = in->check_at = NAN;
	in->prev_anomaly = 0;
	in->external = NAN;
	in->pods = NULL;
	in->pods_running_ready = NULL;
	in->npods = 0;
}

int
sp_plan_hpa_last(const sp_plan *p, sp_hpa_result *r)
{
	*r = p->hlast;
	return p->hlast_ok ? 0 : -1;
}

void
sp_plan_free(sp_plan *p)
{
	if (!p)
		return;
	sp_hpa_free(p->hpa);
	free(p->recs);
	free(p->qin);
	free(p->qape);
	free(p);
}

static void
nc_clear(sp_plan *p)
{
	int k;

	memset(p->ncf, 0, sizeof p->ncf);
	for (k = 0; k < NC_PARTS; k++)
		p->nce[0][k] = p->nce[1][k] = p->ncbuf[k] = NAN;
	p->ncnd[0] = p->ncnd[1] = p->nct = p->ncbuf_t = NAN;
}

/* A new step (not a decision within one): the step before the last one's
 * distances paired with the last step's load (in->row_load, else
 * prev_load) beyond the demand planned for it then, into the fits; the
 * current step's become the one before; the new one starts with none, or
 * with the state's when it is the step they were measured in. */
static void
nc_step(sp_plan *p, const sp_plan_in *in)
{
	double y = isfinite(in->row_load) ? in->row_load : in->prev_load;
	int k;

	if (isfinite(y) && isfinite(p->ncnd[0]))
		for (k = 0; k < NC_PARTS; k++) {
			double x = p->nce[0][k], r = y - p->ncnd[0];
			nc_fit *f = &p->ncf[k];
			if (!isfinite(x))
				continue;
			f->w = NC_MEMORY * f->w + 1;
			f->x = NC_MEMORY * f->x + x;
			f->y = NC_MEMORY * f->y + r;
			f->xx = NC_MEMORY * f->xx + x * x;
			f->xy = NC_MEMORY * f->xy + x * r;
		}
	for (k = 0; k < NC_PARTS; k++) {
		p->nce[0][k] = p->nce[1][k];
		p->nce[1][k] = in->t == p->ncbuf_t ? p->ncbuf[k] : NAN;
	}
	p->ncnd[0] = p->ncnd[1];
	p->ncnd[1] = in->next_demand;
	p->nct = in->t;
	p->ncbuf_t = NAN;
}

/* A decision that knows the load so far in its step: its distance from
 * the band's middle recorded for the fit; *d the next step's demand moved
 * by the fitted psi times it, and 1, once the part has a fit. */
static int
nc_apply(sp_plan *p, const sp_plan_in *in, double *d, double *psi_out)
{
	double e, w, mx, my, vx, psi;
	nc_fit *f;
	int k;

	if (!(isfinite(in->live) && isfinite(in->live_frac) && isfinite(in->lower) && isfinite(in->upper) &&
	    isfinite(in->next_demand)))
		return 0;
	k = (int)floor(in->live_frac * NC_PARTS);
	k = k < 0 ? 0 : k >= NC_PARTS ? NC_PARTS - 1 : k;
	e = in->live - (in->lower + in->upper) / 2;
	p->nce[1][k] = e;
	f = &p->ncf[k];
	if (!(f->w >= NC_MIN_WEIGHT))
		return 0;
	w = f->w, mx = f->x / w, my = f->y / w;
	vx = f->xx / w - mx * mx;
	/* distances that vary by rounding only fit nothing */
	psi = vx > 1e-9 * (f->xx / w) ? (f->xy / w - mx * my) / vx : 0;
	psi = psi < 0 || !isfinite(psi) ? 0 : psi > NC_PSI_MAX ? NC_PSI_MAX : psi;
	*d = in->next_demand + psi * e;
	*psi_out = psi;
	return 1;
}

sp_plan *
sp_plan_new(const sp_plan_opts *o, const sp_perf *perf, sp_error *err)
{
	sp_plan *p;
	sp_hpa_config hc;

	if (o->min < 0 || o->max < 1 || o->min > o->max) {
		sp_error_set(err, SP_EUSAGE, "--min (%d) must not be greater than --max (%d)", o->min, o->max);
		return NULL;
	}
	if (!(o->react_margin >= 0 && o->react_margin <= 10)) {
		sp_error_set(err, SP_EUSAGE, "react margin %g: want 0..10 (a fraction)", o->react_margin);
		return NULL;
	}
	if (!(o->check_hold >= 0 && o->check_hold <= 86400)) {
		sp_error_set(err, SP_EUSAGE, "check hold %g s: want 0..86400", o->check_hold);
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	p->o = *o;
	p->perf = perf;
	p->wstar = o->wstar;
	nc_clear(p);
	if (!(p->wstar > 0)) {
		if (!perf) {
			sp_error_set(err, SP_EUSAGE, "no performance model and no w*");
			goto fail;
		}
		if (sp_perf_wstar(perf, o->slo, o->cpu_cap, &p->wstar, err) < 0)
			goto fail;
	}
	hc = o->hpa;
	hc.min = o->min;
	hc.max = o->max;
	if (!(p->hpa = sp_hpa_new(&hc, err)))
		goto fail;
	if (o->quality_window > 0) {
		p->qin = calloc((size_t)o->quality_window, 1);
		p->qape = calloc((size_t)o->quality_window, sizeof *p->qape);
		if (!p->qin || !p->qape) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
	}
	return p;
fail:
	sp_plan_free(p);
	return NULL;
}

double
sp_plan_wstar(const sp_plan *p)
{
	return p->wstar;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int
need(double load, double w)
{
	double n;

	if (!(load > 0))
		return 0;
	n = ceil(load / w - 1e-9);
	return n > 1e9 ? 1000000000 : (int)n;
}

/* One HPA sync: the proposal from the previous step's metric (or the pods
 * listed at this sync), then the normalisation.  Returns the desired count. */
static int
hpa_sync(sp_plan *p, const sp_plan_in *in, int cur, double cpu, const char **reason)
{
	sp_hpa_metric m;
	sp_hpa_pod *made = NULL;
	const sp_hpa_pod *pods;
	const unsigned char *rr = NULL;
	int ready = in->prev_ready >= 0 ? in->prev_ready : cur;
	int unready = in->prev_unready > 0 ? in->prev_unready : 0;
	int missing = in->prev_missing > 0 ? in->prev_missing : 0;
	int n = ready + unready + missing, i, proposal = -1, d = cur, status = ready, invalid = 0;
	sp_plan_metric mt = p->o.metric;
	long long per_pod = 0;
	sp_hpa_result res;

	memset(&m, 0, sizeof m);
	m.tol_up = p->o.tol_up;
	m.tol_down = p->o.tol_down;
	if (mt == SP_PLAN_METRIC_CPU) {
		m.type = SP_HPA_UTILIZATION;
		m.cpu = 1;
		m.target = llround(p->o.target);
	} else {
		m.type = mt == SP_PLAN_METRIC_PODS ? SP_HPA_PODS : mt == SP_PLAN_METRIC_AVERAGE ||
		    mt == SP_PLAN_METRIC_OBJECT_AVERAGE ? SP_HPA_OBJECT_AVERAGE : SP_HPA_OBJECT_VALUE;
		m.target = llround(p->o.target * 1000);
	}
	if (m.target < 1)
		m.target = 1;
	if (mt == SP_PLAN_METRIC_PODS && isfinite(in->prev_load) && ready > 0)
		per_pod = llround(in->prev_load / ready * 1000);
	if (in->pods) {
		pods = in->pods;
		rr = in->pods_running_ready;
		n = (int)in->npods;
		status = cur;
	} else {
		if (n > 0 && (made = calloc((size_t)n, sizeof *made)))
			for (i = 0; i < n; i++) {
				made[i].state = i < ready ? SP_HPA_POD_READY : i < ready + unready ? SP_HPA_POD_UNREADY : SP_HPA_POD_READY;
				made[i].has_metric = i < ready + unready;
				/* Pods metric: the ready pods serve the load, the unready ones nothing */
				made[i].value = mt == SP_PLAN_METRIC_PODS ? (i < ready ? per_pod : 0) :
				    isfinite(cpu) ? llround(cpu * 10) : 0;
				made[i].request = 1000;
			}
		pods = made;
		if (!made)
			n = 0;
	}
	p->hlast_ok = 0;
	if (mt == SP_PLAN_METRIC_CPU || mt == SP_PLAN_METRIC_PODS) {
		if ((in->pods || (mt == SP_PLAN_METRIC_CPU ? isfinite(cpu) : isfinite(in->prev_load))) && (in->pods || ready > 0) &&
		    sp_hpa_calc(&m, cur, pods, (size_t)n, rr, 0, cur, &res, NULL) == 0)
			p->hlast_ok = 1;
	} else if (isfinite(in->prev_load)) {
		if (sp_hpa_calc(&m, cur, pods, (size_t)n, rr, llround(in->prev_load * 1000), status, &res, NULL) == 0)
			p->hlast_ok = 1;
	}
	if (p->hlast_ok) {
		proposal = res.replicas;
		p->hlast = res;
	}
	if (p->o.external) {  /* External averageValue 1: the published count, against the status replicas */
		sp_hpa_metric e;
		sp_hpa_result er;
		memset(&e, 0, sizeof e);
		e.type = SP_HPA_OBJECT_AVERAGE;
		e.target = 1000;
		e.tol_up = p->o.tol_up;
		e.tol_down = p->o.tol_down;
		if (isfinite(in->external) && in->external >= 0 && in->external < 1e9 &&
		    sp_hpa_calc(&e, cur, pods, (size_t)n, rr, llround(in->external * 1000), cur, &er, NULL) == 0) {
			invalid = proposal < 0;
			if (er.replicas > proposal)
				proposal = er.replicas;
		} else {
			invalid = proposal >= 0;
		}
	}
	free(made);
	/* its windows at the time the row is decided (decided_at), as the
	 * --stabilise window's */
	if (sp_hpa_step(p->hpa, isfinite(in->at) ? in->at : in->t, cur, proposal, invalid, &d, reason) < 0)
		return cur;
	return d;
}

/* A recommendation at t into the stabilisation window, after the ones
 * there (t not before the newest's): those that left the window dropped. */
static int
append_rec(sp_plan *p, double t, int v)
{
	size_t i, j;

	for (i = 0, j = 0; i < p->nrec; i++)
		if (p->recs[i].t >= t - p->o.stabilise)
			p->recs[j++] = p->recs[i];
	p->nrec = j;
	if (p->nrec == p->caprec) {
		size_t nc = p->caprec ? 2 * p->caprec : 16;
		rec *a = realloc(p->recs, nc * sizeof *a);
		if (!a)
			return SP_ENOMEM;
		p->recs = a;
		p->caprec = nc;
	}
	p->recs[p->nrec++] = (rec){ t, v };
	return 0;
}

/* A decision's recommendation: one made again at the newest one's time
 * replaces it (a row decided again, as a continuous run decides it once);
 * one earlier than the newest counts at the newest's time (the window's
 * times never go back). */
static int
push_rec(sp_plan *p, double t, int v)
{
	if (p->nrec && p->recs[p->nrec - 1].t == t) {
		p->recs[p->nrec - 1].v = v;
		return 0;
	}
	if (p->nrec && t < p->recs[p->nrec - 1].t)
		t = p->recs[p->nrec - 1].t;
	return append_rec(p, t, v);
}

int
sp_plan_step(sp_plan *p, const sp_plan_in *in, int *replicas, const char **reason,
    char *ex, size_t exn, sp_error *err)
{
	const sp_plan_opts *o = &p->o;
	int cur, n, ready;
	double load = in->prev_load, cpu = in->prev_cpu, lat = in->prev_latency;
	const char *r = "forecast";
	char why[256] = "";

	if (in->current >= 0)
		cur = in->current;
	else if (p->has_last)
		cur = p->last;
	else if (o->initial > 0)
		cur = o->initial;
	else if (isfinite(in->demand) && o->policy != SP_PLAN_HPA && o->policy != SP_PLAN_THRESHOLD)
		cur = need(in->demand, p->wstar);
	else if (isfinite(load))
		cur = need(load, p->wstar);
	else
		cur = o->min;
	cur = clampi(cur, o->min > 1 ? o->min : 1, o->max);
	if (in->current >= 0)
		cur = in->current;
	ready = in->prev_ready >= 0 ? in->prev_ready : cur;

	if (o->nowcast && !in->tick && !in->react)
		nc_step(p, in);

	/* forecast quality: score the previous step's forecast on its actual */
	if (!in->tick && !in->react && o->quality_window > 0 && p->have_pf && isfinite(load)) {
		size_t w = (size_t)o->quality_window;
		p->qin[p->qpos] = isfinite(p->pl) && isfinite(p->pu) ? (load >= p->pl && load <= p->pu) : 1;
		p->qape[p->qpos] = fabs(p->pf - load) / (fabs(load) > 1e-9 ? fabs(load) : 1e-9);
		p->qpos = (p->qpos + 1) % w;
		if (p->qn < w)
			p->qn++;
	}
	if (!in->tick && !in->react) {
		p->pf = in->demand;
		p->pl = in->lower;
		p->pu = in->upper;
		p->have_pf = isfinite(in->demand);
	}

	/* the previous step's measurements, from the model when not given */
	if (isfinite(load) && ready > 0 && p->perf) {
		if (!isfinite(cpu) && sp_perf_has_cpu(p->perf))
			cpu = sp_perf_cpu(p->perf, load / ready);
		if (!isfinite(lat))
			lat = sp_perf_latency(p->perf, load / ready);
		if (isinf(lat))   /* a finite load the model cannot take (1.7e308): never "keep" */
			return sp_error_set(err, SP_EDATA, "at %.17g: load %g overflows the performance model "
			    "(latency not finite)", in->t, load);
	} else if (isfinite(load) && ready == 0 && load > 0) {
		if (!isfinite(cpu))
			cpu = 100;
		if (!isfinite(lat))
			lat = INFINITY;
	}

	if (o->policy == SP_PLAN_HPA) {
		n = hpa_sync(p, in, cur, o->metric == SP_PLAN_METRIC_CPU ? cpu : NAN, &r);
		snprintf(why, sizeof why, "HPA: %s", sp_hpa_explain(r));
		if (in->pods && p->hlast_ok && o->metric == SP_PLAN_METRIC_CPU)  /* the listed pods' utilisation */
			snprintf(why, sizeof why, "HPA at %lld %% CPU (target %g %%) on %d replicas: %s",
			    p->hlast.usage, o->target, cur, sp_hpa_explain(r));
		else if (isfinite(cpu) && o->metric == SP_PLAN_METRIC_CPU && !in->pods)
			snprintf(why, sizeof why, "HPA at %.0f %% CPU (target %g %%) on %d replicas: %s",
			    floor(cpu), o->target, cur, sp_hpa_explain(r));
		goto done;
	}
	if (o->policy == SP_PLAN_THRESHOLD) {
		r = "threshold";
		if (!p->has_last && in->current < 0) {
			n = cur;
			snprintf(why, sizeof why, "start at ceil(load / w*) = %d", n);
		} else if (isfinite(lat) && lat >= o->slo) {
			n = cur + 1;
			snprintf(why, sizeof why, "latency %.3g ms >= SLO %g ms: add one", lat, o->slo);
		} else if (isfinite(cpu) && cpu <= o->thr_low) {
			n = cur - 1;
			snprintf(why, sizeof why, "CPU %.3g %% <= %g %%: remove one", cpu, o->thr_low);
		} else {
			n = cur;
			snprintf(why, sizeof why, "latency and CPU within bounds: keep %d", n);
		}
		goto clamp;
	}

	/* forecast and burst */
	{
		int reactive = cur, fallback = 0, pred;
		const char *hr = "";
		double d = in->demand;

		if (o->reactive == SP_PLAN_REACTIVE_HPA)
			reactive = hpa_sync(p, in, cur, cpu, &hr);
		else if (o->reactive == SP_PLAN_REACTIVE_LOAD)
			reactive = isfinite(load) ? need(load * (1 + o->margin), p->wstar) : cur;
		if (in->react) {  /* between decisions: the reactive rule, up only */
			int rm = 0;
			if (o->react_margin > 0 && o->reactive == SP_PLAN_REACTIVE_LOAD && reactive > cur) {
				/* a rise the forecast missed: headroom for the rest of it */
				int m = need(load * (1 + o->margin + o->react_margin), p->wstar);
				if (m > reactive)
					reactive = m, rm = 1;
			}
			n = reactive > cur ? reactive : cur;
			r = n > cur ? "react" : "keep";
			if (n > cur && rm)
				snprintf(why, sizeof why, "between decisions: the reactive rule gives %d, with the react "
				    "margin (load %.6g x %g)", n, load, 1 + o->margin + o->react_margin);
			else if (n > cur)
				snprintf(why, sizeof why, "between decisions: the reactive rule gives %d", n);
			else
				snprintf(why, sizeof why, "between decisions: keep %d (the reactive rule gives %d)", cur, reactive);
			if (n > o->max) {
				n = o->max > cur ? o->max : cur;
				snprintf(why + strlen(why), sizeof why - strlen(why), "; capped at --max %d", n);
			} else if (n < o->min) {  /* below --min (set by hand): up to it */
				n = o->min;
				r = "min";
				snprintf(why + strlen(why), sizeof why - strlen(why), "; raised to --min %d", n);
			}
			goto done;
		}
		if (!isfinite(d)) {
			fallback = 1;
			snprintf(why, sizeof why, "no forecast for this step");
		} else if (o->stale > 0 && isfinite(in->origin) && in->t - in->origin > o->stale) {
			fallback = 1;
			snprintf(why, sizeof why, "forecast made %g s before the step (stale after %g s)",
			    in->t - in->origin, o->stale);
		} else if (o->quality_window > 0 && p->qn == (size_t)o->quality_window) {
			size_t i, inside = 0;
			double mape = 0;
			for (i = 0; i < p->qn; i++) {
				inside += p->qin[i];
				mape += p->qape[i];
			}
			mape /= (double)p->qn;
			if ((double)inside / (double)p->qn < o->min_coverage) {
				fallback = 1;
				snprintf(why, sizeof why, "forecast band covered %zu of the last %zu actuals (below %g)",
				    inside, p->qn, o->min_coverage);
			} else if (mape > o->max_error) {
				fallback = 1;
				snprintf(why, sizeof why, "forecast error %.3g over the last %zu steps (above %g)",
				    mape, p->qn, o->max_error);
			}
		}
		if (fallback) {
			n = reactive;
			r = "hpa-fallback";
			snprintf(why + strlen(why), sizeof why - strlen(why), ": reactive rule gives %d", n);
		} else {
			int lead = o->lead_time > 0 && isfinite(in->next_demand) && in->next_demand > d &&
			    (isinf(o->lead_time) || (isfinite(in->next_t) && in->t + o->lead_time >= in->next_t));
			double psi = 0;
			int nc;
			if (lead)
				d = in->next_demand;
			nc = o->nowcast && nc_apply(p, in, &d, &psi);
			pred = need(d * (1 + o->overprov), p->wstar);
			r = nc ? "nowcast" : in->burst && o->policy == SP_PLAN_BURST ? "burst" : lead ? "lead" : "forecast";
			n = pred;
			if (nc)
				snprintf(why, sizeof why, "the next step's demand %.6g + %.3g x (load %.6g - band middle %.6g)%s "
				    "/ w* %.4g = %d", in->next_demand, psi, in->live, (in->lower + in->upper) / 2,
				    o->overprov > 0 ? " with over-provisioning" : "", p->wstar, pred);
			else
				snprintf(why, sizeof why, "%s demand %.6g%s / w* %.4g = %d", lead ? "the next step's" : r, d,
				    o->overprov > 0 ? " with over-provisioning" : "", p->wstar, pred);
			if (!o->scale_in && o->reactive != SP_PLAN_REACTIVE_NONE && reactive > pred) {
				n = reactive;
				r = "reactive";
				snprintf(why + strlen(why), sizeof why - strlen(why),
				    "; the reactive rule wants more (%d)", reactive);
			}
		}
		if (o->ramp_up > 0 && n > cur + o->ramp_up) {
			n = cur + o->ramp_up;
			r = "ramp";
			snprintf(why + strlen(why), sizeof why - strlen(why), "; ramp limit +%d", o->ramp_up);
		} else if (o->ramp_down > 0 && n < cur - o->ramp_down) {
			n = cur - o->ramp_down;
			r = "ramp";
			snprintf(why + strlen(why), sizeof why - strlen(why), "; ramp limit -%d", o->ramp_down);
		}
		if (o->deadband > 0 && isfinite(load) && n != cur) {
			/* the load rule's dead band: up past load x (1 + margin +
			 * deadband), down no lower than that */
			int b = need(load * (1 + o->margin + o->deadband), p->wstar);
			if (b > n) {
				n = n > cur ? b : b < cur ? b : cur;
				r = "deadband";
				snprintf(why + strlen(why), sizeof why - strlen(why), "; dead band: load %.6g x %g = %d",
				    load, 1 + o->margin + o->deadband, n);
			}
		}
		if (o->use_hold && n < cur && isfinite(in->hold) && !fallback) {
			int h = need(in->hold * (1 + o->overprov), p->wstar);
			if (h > n) {
				n = h < cur ? h : cur;
				r = "hold";
				snprintf(why + strlen(why), sizeof why - strlen(why),
				    "; scale-down held at %d for the next steps' demand %.6g", n, in->hold);
			}
		}
		if (o->hysteresis > 0 && n < cur && n >= cur - o->hysteresis * cur) {
			n = cur;
			r = "hysteresis";
			snprintf(why + strlen(why), sizeof why - strlen(why), "; within %g %% of %d: kept",
			    o->hysteresis * 100, cur);
		} else if (o->min_down > 1 && n < cur && n > cur - o->min_down) {
			n = cur;
			r = "hysteresis";
			snprintf(why + strlen(why), sizeof why - strlen(why), "; fewer than %d pods below %d: kept",
			    o->min_down, cur);
		}
		if (o->stabilise > 0) {
			size_t i;
			int m = n;
			if (push_rec(p, isfinite(in->at) ? in->at : in->t, n) < 0)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			for (i = 0; i < p->nrec; i++)
				if (p->recs[i].v > m)
					m = p->recs[i].v;
			if (m > cur)
				m = cur > n ? cur : n;
			if (n < cur && m > n) {
				n = m;
				r = "stabilised";
				snprintf(why + strlen(why), sizeof why - strlen(why),
				    "; scale-down held at %d (highest recommendation in %g s)", n, o->stabilise);
			}
		}
		if (o->check_hold > 0 && in->check_n > n && isfinite(in->check_at) && isfinite(in->check_load) &&
		    isfinite(load)) {
			/* a check's scale-up stays while the load it met stays */
			double at = isfinite(in->at) ? in->at : in->t;
			int k = in->check_n < cur ? in->check_n : cur;
			if (at - in->check_at <= o->check_hold + 1e-6 && load >= in->check_load && k > n) {
				n = k;
				r = "check-held";
				snprintf(why + strlen(why), sizeof why - strlen(why),
				    "; the check's %d kept: load %.6g at or above its %.6g, %g s after it", k, load,
				    in->check_load, at - in->check_at);
			}
		}
	}
clamp:
	if (n < o->min) {
		n = o->min;
		r = "min";
		snprintf(why + strlen(why), sizeof why - strlen(why), "; raised to --min %d", n);
	} else if (n > o->max) {
		n = o->max;
		r = "max";
		snprintf(why + strlen(why), sizeof why - strlen(why), "; capped at --max %d", n);
	}
done:
	if (in->prev_anomaly) {
		int hold = cur < o->max ? cur : o->max;   /* the current count, within --max */
		if (n < hold) {
			snprintf(why + strlen(why), sizeof why - strlen(why),
			    "; scale-down to %d held at %d during an anomaly", n, hold);
			n = hold;
			r = "anomaly-hold";
		}
	}
	p->last = n;
	p->has_last = 1;
	*replicas = n;
	*reason = r;
	if (ex && exn)
		snprintf(ex, exn, "%s", why);
	return 0;
}

/* ---- the state between runs ---- */

void
sp_plan_carry_init(sp_plan_carry *c)
{
	c->t = c->load = c->cpu = c->latency = NAN;
	c->ready = c->unready = c->missing = -1;
	c->anomaly = 0;
	c->last = 0;
}

/* The options that shape the decisions, as numbers, in one order. */
enum { NOPT = 48 };
static const char *const opt_names[NOPT] = {
	"opt_policy", "opt_min", "opt_max", "opt_initial", "opt_slo", "opt_cpu_cap", "opt_wstar", "opt_overprov",
	"opt_ramp_up", "opt_ramp_down", "opt_stabilise", "opt_scale_in", "opt_reactive", "opt_stale",
	"opt_quality_window", "opt_min_coverage", "opt_max_error", "opt_threshold_low", "opt_hpa_metric",
	"opt_target", "opt_tolerance_up", "opt_tolerance_down", "opt_lead_time", "opt_margin", "opt_hysteresis",
	"opt_hpa_behavior", "opt_hpa_downscale_window", "opt_hpa_up_factor", "opt_hpa_up_minimum",
	"opt_hpa_up_window", "opt_hpa_up_select", "opt_hpa_up_npolicies", "opt_hpa_up_policy0",
	"opt_hpa_up_policy1", "opt_hpa_up_policy2", "opt_hpa_up_policy3", "opt_hpa_down_window",
	"opt_hpa_down_select", "opt_hpa_down_npolicies", "opt_hpa_down_policy0", "opt_hpa_down_policy1",
	"opt_hpa_down_policy2", "opt_hpa_down_policy3", "opt_deadband", "opt_use_hold", "opt_min_down",
	"opt_nowcast", "opt_check_hold"
};

static double
policy_code(const sp_hpa_rules *r, int i)
{
	const sp_hpa_policy *q = &r->policies[i];

	/* type, value and period in one exact number */
	return i < r->npolicies ? (double)q->type * 1e9 + (double)q->value * 1e4 + q->period : -1;
}

static void
opt_values(const sp_plan *p, double *v)
{
	const sp_plan_opts *o = &p->o;
	const sp_hpa_config *h = &o->hpa;
	const double x[NOPT] = { o->policy, o->min, o->max, o->initial, o->slo, o->cpu_cap, p->wstar, o->overprov,
		o->ramp_up, o->ramp_down, o->stabilise, o->scale_in, o->reactive, o->stale, o->quality_window,
		o->min_coverage, o->max_error, o->thr_low, o->metric, o->target, o->tol_up, o->tol_down, o->lead_time,
		o->margin, o->hysteresis, h->behavior, h->downscale_window, h->up_factor, h->up_minimum,
		h->up.window, h->up.select, h->up.npolicies, policy_code(&h->up, 0), policy_code(&h->up, 1),
		policy_code(&h->up, 2), policy_code(&h->up, 3), h->down.window, h->down.select, h->down.npolicies,
		policy_code(&h->down, 0), policy_code(&h->down, 1), policy_code(&h->down, 2), policy_code(&h->down, 3),
		o->deadband, o->use_hold, o->min_down, o->nowcast, o->check_hold };
	memcpy(v, x, sizeof x);
}

void
sp_plan_write_recs(const sp_plan *p, sp_state_writer *w)
{
	size_t i;

	sp_state_put_long(w, "stabilise_n", (long)p->nrec);
	for (i = 0; i < p->nrec; i++)
		sp_state_put_doubles(w, "stabilise_rec", 2, (const double[]){ p->recs[i].t, p->recs[i].v });
	/* the nowcast's distances measured in the last step, for when it is
	 * decided again */
	sp_state_put_double(w, "nowcast_step", p->nct);
	sp_state_put_doubles(w, "nowcast_live", NC_PARTS, p->nce[1]);
	/* the HPA's recommendations and scale events, the trailing rows'
	 * too: a pending row decided again each minute is remembered */
	sp_hpa_write_state(p->hpa, w);
}

static void
write_head(const sp_plan *p, sp_state_writer *w)
{
	double v[NOPT];
	int k;

	opt_values(p, v);
	for (k = 0; k < NOPT; k++)
		sp_state_put_double(w, opt_names[k], v[k]);
	sp_state_put_longs(w, "last", 2, (const long[]){ p->has_last, p->last });
}

static void
write_tail(const sp_plan *p, const sp_plan_carry *c, sp_state_writer *w)
{
	size_t i, qw = p->o.quality_window > 0 ? (size_t)p->o.quality_window : 0;

	sp_state_put_longs(w, "quality", 2, (const long[]){ (long)p->qn, (long)p->qpos });
	for (i = 0; i < qw; i++)
		sp_state_put_doubles(w, "quality_rec", 2, (const double[]){ p->qin[i], p->qape[i] });
	sp_state_put_doubles(w, "previous_forecast", 4, (const double[]){ p->have_pf, p->pf, p->pl, p->pu });
	sp_state_put_longs(w, "hpa_last", 4, (const long[]){ p->hlast_ok, p->hlast.replicas, (long)p->hlast.usage,
	    (long)p->hlast.raw });
	for (i = 0; i < NC_PARTS; i++)
		sp_state_put_doubles(w, "nowcast_fit", 5, (const double[]){ p->ncf[i].w, p->ncf[i].x, p->ncf[i].y,
		    p->ncf[i].xx, p->ncf[i].xy });
	sp_state_put_doubles(w, "nowcast_before", NC_PARTS, p->nce[0]);
	sp_state_put_doubles(w, "nowcast_current", NC_PARTS, p->nce[1]);
	sp_state_put_doubles(w, "nowcast_demand", 3, (const double[]){ p->ncnd[0], p->ncnd[1], p->nct });
	sp_state_put_doubles(w, "carry", 9, (const double[]){ c->t, c->load, c->cpu, c->latency, c->ready,
	    c->unready, c->missing, c->anomaly, c->last });
}

void
sp_plan_write_state_parts(const sp_plan *p, const sp_plan_carry *c, sp_state_writer *head, sp_state_writer *tail)
{
	write_head(p, head);
	write_tail(p, c, tail);
}

void
sp_plan_write_state(const sp_plan *p, const sp_plan_carry *c, sp_state_writer *w)
{
	write_head(p, w);
	sp_plan_write_recs(p, w);
	write_tail(p, c, w);
}

/* n values read from the line just before the cursor: each a number or
 * nan (unknown), never infinite; 0, or SP_EMODEL naming that line */
static int
nan_or_finite(sp_state *s, const char *key, const double *v, size_t n, sp_error *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (isinf(v[i]))
			return sp_state_error_back(s, 1, err, SP_EMODEL, "%s: not a finite number: %g", key, v[i]);
	return 0;
}

int
sp_plan_read_state(sp_plan *p, sp_plan_carry *c, sp_state *s, sp_error *err)
{
	double v[NOPT], got, x[9];
	long l2[2], h4[4], n;
	size_t i, qw = p->o.quality_window > 0 ? (size_t)p->o.quality_window : 0;
	int k, rc;

	opt_values(p, v);
	for (k = 0; k < NOPT; k++) {
		if ((rc = sp_state_double(s, opt_names[k], &got, err)) < 0)
			return rc;
		if (!(got == v[k] || (isnan(got) && isnan(v[k]))))
			return sp_state_error_back(s, 1, err, SP_EMODEL,
			    "state written with %s %.17g, not %.17g", opt_names[k] + 4, got, v[k]);
	}
	if ((rc = sp_state_longs(s, "last", 2, 0, 1000000000, l2, err)) < 0)
		return rc;
	p->has_last = l2[0] > 0;
	p->last = (int)l2[1];
	if ((rc = sp_state_long(s, "stabilise_n", 0, 100000000, &n, err)) < 0)
		return rc;
	for (i = 0; i < (size_t)n; i++) {
		if ((rc = sp_state_doubles(s, "stabilise_rec", 2, x, err)) < 0)
			return rc;
		if (!isfinite(x[0]))
			return sp_state_error(s, err, SP_EMODEL, "stabilise_rec: not a time: %g", x[0]);
		if (p->nrec && x[0] < p->recs[p->nrec - 1].t)
			return sp_state_error(s, err, SP_EMODEL, "stabilise_rec: not in time order");
		if (append_rec(p, x[0], (int)x[1]) < 0)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	/* append_rec dropped nothing: the window is measured from the newest */
	if (p->nrec != (size_t)n)
		return sp_state_error(s, err, SP_EMODEL, "stabilise_rec: older than the window (%g s) before the newest",
		    p->o.stabilise);
	if ((rc = sp_state_double(s, "nowcast_step", &p->ncbuf_t, err)) < 0 ||
	    (rc = nan_or_finite(s, "nowcast_step", &p->ncbuf_t, 1, err)) < 0 ||
	    (rc = sp_state_doubles(s, "nowcast_live", NC_PARTS, p->ncbuf, err)) < 0 ||
	    (rc = nan_or_finite(s, "nowcast_live", p->ncbuf, NC_PARTS, err)) < 0 ||
	    (rc = sp_hpa_read_state(p->hpa, s, err)) < 0)
		return rc;
	if ((rc = sp_state_longs(s, "quality", 2, 0, (long)qw, l2, err)) < 0)
		return rc;
	if (qw && l2[1] >= (long)qw)
		return sp_state_error(s, err, SP_EMODEL, "quality: position %ld outside the window", l2[1]);
	p->qn = (size_t)l2[0];
	p->qpos = (size_t)l2[1];
	for (i = 0; i < qw; i++) {
		if ((rc = sp_state_doubles(s, "quality_rec", 2, x, err)) < 0)
			return rc;
		p->qin[i] = x[0] != 0;
		p->qape[i] = x[1];
	}
	if ((rc = sp_state_doubles(s, "previous_forecast", 4, x, err)) < 0)
		return rc;
	p->have_pf = x[0] != 0, p->pf = x[1], p->pl = x[2], p->pu = x[3];
	if ((rc = sp_state_longs(s, "hpa_last", 4, -1000000000000000000L, 1000000000000000000L, h4, err)) < 0)
		return rc;
	p->hlast_ok = h4[0] != 0, p->hlast.replicas = (int)h4[1], p->hlast.usage = h4[2], p->hlast.raw = h4[3];
	for (i = 0; i < NC_PARTS; i++) {
		nc_fit *f = &p->ncf[i];
		if ((rc = sp_state_doubles(s, "nowcast_fit", 5, x, err)) < 0)
			return rc;
		if (!(x[0] >= 0 && isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]) && x[3] >= 0 && isfinite(x[3]) &&
		    isfinite(x[4])))
			return sp_state_error_back(s, 1, err, SP_EMODEL, "nowcast_fit: not a fit's sums");
		f->w = x[0], f->x = x[1], f->y = x[2], f->xx = x[3], f->xy = x[4];
	}
	if ((rc = sp_state_doubles(s, "nowcast_before", NC_PARTS, p->nce[0], err)) < 0 ||
	    (rc = nan_or_finite(s, "nowcast_before", p->nce[0], NC_PARTS, err)) < 0 ||
	    (rc = sp_state_doubles(s, "nowcast_current", NC_PARTS, p->nce[1], err)) < 0 ||
	    (rc = nan_or_finite(s, "nowcast_current", p->nce[1], NC_PARTS, err)) < 0 ||
	    (rc = sp_state_doubles(s, "nowcast_demand", 3, x, err)) < 0 ||
	    (rc = nan_or_finite(s, "nowcast_demand", x, 3, err)) < 0)
		return rc;
	p->ncnd[0] = x[0], p->ncnd[1] = x[1], p->nct = x[2];
	if ((rc = sp_state_doubles(s, "carry", 9, x, err)) < 0)
		return rc;
	c->t = x[0], c->load = x[1], c->cpu = x[2], c->latency = x[3];
	c->ready = (int)x[4], c->unready = (int)x[5], c->missing = (int)x[6], c->anomaly = x[7] != 0, c->last = (int)x[8];
	return 0;
}
