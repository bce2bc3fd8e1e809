/* sp_hpa: the Kubernetes HPA replica calculator and normalisation; see
 * sp_hpa.h.  Follows replica_calculator.go and horizontal.go step by step
 * (described in scalepipe-hpa(7)), including their integer
 * arithmetic: int32 truncation of Percent scale-down limits, ceil of
 * scale-up ones, floor of utilisation and averages. */
#include "sp_hpa.h"
#include "sp_state.h"

#include "sp_csv.h"
#include "sp_time.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
within(const sp_hpa_metric *m, double ratio)
{
	return ratio >= 1.0 - m->tol_down && ratio <= 1.0 + m->tol_up;
}

/* Ratio over the pods in use[] (value and request as filled): resource
 * utilisation (GetResourceUtilizationRatio: the pods with a request, i.e.
 * listed ones) or plain average (GetMetricUsageRatio: every sample). */
static int
ratio_of(const sp_hpa_metric *m, const sp_hpa_pod *pods, const long long *val, const int *use,
    size_t n, double *ratio, long long *usage, long long *raw, sp_error *err)
{
	long long sum = 0, req = 0, cnt = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (use[i] != 1)
			continue;
		if (m->type == SP_HPA_UTILIZATION) {
			if (pods[i].state == SP_HPA_POD_UNLISTED || pods[i].request <= 0)
				continue;  /* an extraneous sample */
			req += pods[i].request;
		}
		sum += val[i];
		cnt++;
	}
	if (m->type == SP_HPA_UTILIZATION) {
		long long util;
		if (req == 0)
			return sp_error_set(err, SP_EDATA, "no metrics returned matched known pods");
		util = sum * 100 / req;
		*usage = util;
		*raw = sum / cnt;
		*ratio = (double)util / (double)m->target;
	} else {
		long long avg;
		if (cnt == 0)
			return sp_error_set(err, SP_EDATA, "did not receive metrics for any ready pods");
		avg = sum / cnt;
		*usage = *raw = avg;
		*ratio = (double)avg / (double)m->target;
	}
	return 0;
}

/* Whether pod i counts as Running and Ready for Object/External Value. */
static int
is_running_ready(const sp_hpa_pod *pods, const unsigned char *rr, size_t i)
{
	if (pods[i].state == SP_HPA_POD_UNLISTED)
		return 0;
	return rr ? rr[i] != 0 : pods[i].state == SP_HPA_POD_READY;
}

int
sp_hpa_calc(const sp_hpa_metric *m, int current, const sp_hpa_pod *pods, size_t n,
    const unsigned char *rr, long long value, int status_replicas, sp_hpa_result *res, sp_error *err)
{
	long long *val = NULL, u = 0, raw = 0, dummy;
	int *use = NULL, rc = 0, readyc = 0, nmissing = 0, nunready = 0, counted = 0, nmetric = 0;
	size_t i, listed = 0;
	double ratio, nratio;

	if (m->target <= 0)
		return sp_error_set(err, SP_EUSAGE, "target must be > 0");
	if (m->type == SP_HPA_OBJECT_VALUE) {
		ratio = (double)value / (double)m->target;
		res->usage = res->raw = value;
		if (current != 0) {
			if (within(m, ratio)) {
				res->replicas = current;
				return 0;
			}
			for (i = 0; i < n; i++)
				readyc += is_running_ready(pods, rr, i);
			res->replicas = (int)ceil(ratio * readyc);
		} else
			res->replicas = (int)ceil(ratio);
		return 0;
	}
	if (m->type == SP_HPA_OBJECT_AVERAGE) {
		ratio = (double)value / ((double)m->target * status_replicas);
		res->replicas = status_replicas;
		if (!within(m, ratio))
			res->replicas = (int)ceil((double)value / (double)m->target);
		res->usage = res->raw = status_replicas ? (long long)ceil((double)value / status_replicas) : value;
		return 0;
	}
	for (i = 0; i < n; i++) {
		listed += pods[i].state != SP_HPA_POD_UNLISTED;
		nmetric += pods[i].has_metric;
	}
	if (nmetric == 0)
		return sp_error_set(err, SP_EDATA, "no metrics returned from %s metrics API",
		    m->type == SP_HPA_PODS ? "custom" : "resource");
	if (listed == 0)
		return sp_error_set(err, SP_EDATA, "no pods returned by selector while calculating replica count");
	if (m->type == SP_HPA_UTILIZATION)  /* calculatePodRequests: every listed pod */
		for (i = 0; i < n; i++)
			if (pods[i].state != SP_HPA_POD_UNLISTED && pods[i].request <= 0)
				return sp_error_set(err, SP_EDATA, "missing request for pod %zu", i + 1);
	if (!(val = malloc(n * sizeof *val)) || !(use = malloc(n * sizeof *use))) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	/* groupPods: ignored pods are dropped; pending ones and (CPU only)
	 * unready ones are set aside; pods without a metric are missing;
	 * samples of unlisted pods stay among the metrics. */
	for (i = 0; i < n; i++) {
		const sp_hpa_pod *p = &pods[i];
		val[i] = p->value;
		use[i] = 0;
		if (p->state == SP_HPA_POD_UNLISTED) {
			use[i] = p->has_metric ? 1 : 0;
			continue;
		}
		if (p->state == SP_HPA_POD_IGNORED)
			continue;
		if (p->state == SP_HPA_POD_PENDING) {
			use[i] = 2;
			nunready++;
			continue;
		}
		if (!p->has_metric) {
			use[i] = 3;
			nmissing++;
			continue;
		}
		if (m->cpu && m->type != SP_HPA_PODS && p->state == SP_HPA_POD_UNREADY) {
			use[i] = 2;
			nunready++;
			continue;
		}
		use[i] = 1;
		readyc++;
	}
	for (i = 0; i < n; i++)
		counted += use[i] == 1;
	if (counted == 0) {
		rc = sp_error_set(err, SP_EDATA, "did not receive metrics for any ready pods");
		goto out;
	}
	if ((rc = ratio_of(m, pods, val, use, n, &ratio, &u, &raw, err)) < 0)
		goto out;
	res->usage = u;
	res->raw = raw;
	if (!(nunready > 0 && ratio > 1.0) && nmissing == 0) {
		res->replicas = within(m, ratio) ? current : (int)ceil(ratio * readyc);
		goto out;
	}
	if (nmissing > 0 && ratio != 1.0) {  /* at exactly 1 nothing is filled */
		for (i = 0; i < n; i++) {
			if (use[i] != 3)
				continue;
			if (ratio > 1.0)
				val[i] = 0;
			else if (m->type == SP_HPA_UTILIZATION) {
				long long fb = m->target > 100 ? m->target : 100;
				val[i] = pods[i].request * fb / 100;
			} else
				val[i] = m->target;
			use[i] = 1;
		}
	}
	if (nunready > 0 && ratio > 1.0)
		for (i = 0; i < n; i++)
			if (use[i] == 2) {
				val[i] = 0;
				use[i] = 1;
			}
	counted = 0;
	for (i = 0; i < n; i++)
		counted += use[i] == 1;
	if ((rc = ratio_of(m, pods, val, use, n, &nratio, &dummy, &dummy, err)) < 0)
		goto out;
	if (within(m, nratio) || (ratio < 1.0 && nratio > 1.0) || (ratio > 1.0 && nratio < 1.0)) {
		res->replicas = current;
		goto out;
	}
	res->replicas = (int)ceil(nratio * counted);
	if ((nratio < 1.0 && res->replicas > current) || (nratio > 1.0 && res->replicas < current))
		res->replicas = current;
out:
	free(val);
	free(use);
	return rc;
}

int
sp_hpa_metric_replicas(const sp_hpa_metric *m, int current, const sp_hpa_pod *pods, size_t n,
    long long value, int status_replicas, int *out, long long *usage, sp_error *err)
{
	sp_hpa_result r;
	int rc;

	if ((rc = sp_hpa_calc(m, current, pods, n, NULL, value, status_replicas, &r, err)) < 0)
		return rc;
	*out = r.replicas;
	if (usage)
		*usage = r.usage;
	return 0;
}

/* ---- pods as the controller lists them ---- */

int
sp_hpa_pod_running_ready(const sp_hpa_pod_status *s)
{
	return s->phase == SP_HPA_PHASE_RUNNING && s->ready == 1;
}

int
sp_hpa_pod_group(const sp_hpa_pod_status *s, double now, int cpu, double cpu_init, double delay)
{
	if (s->phase == SP_HPA_PHASE_UNLISTED)
		return SP_HPA_POD_UNLISTED;
	if (s->deleting || s->phase == SP_HPA_PHASE_FAILED)
		return SP_HPA_POD_IGNORED;
	if (s->phase == SP_HPA_PHASE_PENDING)
		return SP_HPA_POD_PENDING;
	if (!cpu)
		return SP_HPA_POD_READY;
	if (s->ready < 0 || isnan(s->start))
		return SP_HPA_POD_UNREADY;
	if (s->start + cpu_init > now)  /* still within the initialisation period */
		return s->ready == 0 || s->metric_time < s->ready_since + s->window ? SP_HPA_POD_UNREADY
		    : SP_HPA_POD_READY;
	/* after it: unready only if it has never been ready since its start */
	return s->ready == 0 && s->start + delay > s->ready_since ? SP_HPA_POD_UNREADY : SP_HPA_POD_READY;
}

typedef struct {
	sp_hpa_pod_status st;
	long long request, usage;
	int has_metric;
	char *name;
} podrow;

struct sp_hpa_pods {
	sp_csv_reader *r;
	int c_pod, c_phase, c_ready, c_start, c_since, c_request, c_usage, c_mtime, c_window;
	int pending;            /* a row of a later sync is read and waits */
	int eof;
	double pt;              /* its time */
	podrow prow;
	podrow *rows;
	sp_hpa_pod *pods;
	unsigned char *rr;
	size_t n, cap;
	double last;            /* the last time asked for */
};

sp_hpa_pods *
sp_hpa_pods_new(FILE *fp, const char *name, sp_error *err)
{
	sp_hpa_pods *p;

	if (!(p = calloc(1, sizeof *p)))
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	p->last = -INFINITY;
	p->cap = 16;
	if (!(p->rows = calloc(p->cap, sizeof *p->rows)) || !(p->pods = calloc(p->cap, sizeof *p->pods)) ||
	    !(p->rr = calloc(p->cap, 1))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	if (!(p->r = sp_csv_reader_new(fp, name, SP_CSV_NEED_TIMESTAMP | SP_CSV_ANY_ORDER, err)))
		goto fail;
	if ((p->c_pod = sp_csv_pick_col(p->r, "pod", err)) < 0)
		goto fail;
	p->c_phase = sp_csv_col_index(p->r, "phase");
	p->c_ready = sp_csv_col_index(p->r, "ready");
	p->c_start = sp_csv_col_index(p->r, "start");
	p->c_since = sp_csv_col_index(p->r, "ready_since");
	p->c_request = sp_csv_col_index(p->r, "request");
	p->c_usage = sp_csv_col_index(p->r, "usage");
	p->c_mtime = sp_csv_col_index(p->r, "metric_time");
	p->c_window = sp_csv_col_index(p->r, "window");
	return p;
fail:
	sp_hpa_pods_free(p);
	return NULL;
}

void
sp_hpa_pods_free(sp_hpa_pods *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		free(p->rows[i].name);
	free(p->prow.name);
	free(p->rows);
	free(p->pods);
	free(p->rr);
	sp_csv_reader_free(p->r);
	free(p);
}

/* A text field: its bytes and length, or len 0 when absent. */
static const char *
field(const sp_csv_reader *r, int c, size_t *len)
{
	if (c < 0) {
		*len = 0;
		return "";
	}
	return sp_csv_field(r, (size_t)c, len);
}

static int
time_col(const sp_csv_reader *r, int c, double dflt, double *v, sp_error *err)
{
	size_t len;
	const char *f = field(r, c, &len);

	if (len == 0) {
		*v = dflt;
		return 0;
	}
	if (sp_time_parse(f, len, v) < 0 || sp_time_implausible(*v))
		return sp_csv_error(r, c, err, SP_EDATA, "not a time in Unix seconds or RFC 3339: '%.*s'",
		    (int)(len > 40 ? 40 : len), f);
	return 0;
}

/* A milli-value: >= 0, at most 1e15 (no overflow when summed). */
static int
milli_col(const sp_csv_reader *r, int c, long long *v, int *given, sp_error *err)
{
	double d;
	int rc;

	*given = 0;
	*v = 0;
	if (c < 0)
		return 0;
	if ((rc = sp_csv_get_double(r, (size_t)c, &d, err)) < 0)
		return rc;
	if (rc == 1)
		return 0;
	if (d < 0 || d > 1e15 || d != floor(d))
		return sp_csv_error(r, c, err, SP_EDATA, "not a milli-value (an integer in 0..1e15): %g", d);
	*v = (long long)d;
	*given = 1;
	return 0;
}

static int
read_row(sp_hpa_pods *p, double *t, podrow *o, sp_error *err)
{
	static const char *const phases[] = { "Running", "Pending", "Succeeded", "Failed", "Unlisted", "Terminating" };
	const sp_csv_reader *r = p->r;
	size_t len, k;
	const char *f;
	double w;
	int given, rc;

	if ((rc = sp_csv_get_timestamp(p->r, t, err)) < 0)
		return rc;
	memset(o, 0, sizeof *o);
	f = field(r, p->c_pod, &len);
	if (len == 0)
		return sp_csv_error(r, p->c_pod, err, SP_EDATA, "empty pod name");
	if (!(o->name = strndup(f, len)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	o->st.phase = SP_HPA_PHASE_RUNNING;
	f = field(r, p->c_phase, &len);
	if (len > 0) {
		for (k = 0; k < sizeof phases / sizeof phases[0]; k++)
			if (strlen(phases[k]) == len && strncasecmp(f, phases[k], len) == 0)
				break;
		if (k == sizeof phases / sizeof phases[0])
			return sp_csv_error(r, p->c_phase, err, SP_EDATA, "phase '%.*s' is none of Running, Pending, "
			    "Succeeded, Failed, Terminating, Unlisted", (int)(len > 40 ? 40 : len), f);
		o->st.phase = k == 5 ? SP_HPA_PHASE_RUNNING : (int)k;
		o->st.deleting = k == 5;
	}
	o->st.ready = 1;
	if (p->c_ready >= 0) {
		f = field(r, p->c_ready, &len);
		if (len == 0)
			o->st.ready = -1;
		else if ((len == 4 && strncasecmp(f, "true", 4) == 0) || (len == 1 && f[0] == '1'))
			o->st.ready = 1;
		else if ((len == 5 && strncasecmp(f, "false", 5) == 0) || (len == 1 && f[0] == '0'))
			o->st.ready = 0;
		else
			return sp_csv_error(r, p->c_ready, err, SP_EDATA, "ready must be true, false, 1, 0 or empty: '%.*s'",
			    (int)(len > 40 ? 40 : len), f);
	}
	if ((rc = time_col(r, p->c_start, p->c_start < 0 ? 0 : NAN, &o->st.start, err)) < 0 ||
	    (rc = time_col(r, p->c_since, 0, &o->st.ready_since, err)) < 0 ||
	    (rc = time_col(r, p->c_mtime, *t, &o->st.metric_time, err)) < 0)
		return rc;
	o->st.window = 60;
	if (p->c_window >= 0) {
		if ((rc = sp_csv_get_double(r, (size_t)p->c_window, &w, err)) < 0)
			return rc;
		if (rc == 0 && !(w > 0 && w <= 1e7))
			return sp_csv_error(r, p->c_window, err, SP_EDATA, "window must be in (0, 1e7] s: %g", w);
		if (rc == 0)
			o->st.window = w;
	}
	if ((rc = milli_col(r, p->c_request, &o->request, &given, err)) < 0 ||
	    (rc = milli_col(r, p->c_usage, &o->usage, &o->has_metric, err)) < 0)
		return rc;
	return 0;
}

static int
push_row(sp_hpa_pods *p, podrow *o, sp_error *err)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->rows[i].name, o->name) == 0) {
			char where[160];
			sp_csv_where(p->r, -1, where, sizeof where);
			sp_error_set(err, SP_EDATA, "%s: pod '%s' twice at one time", where, o->name);
			free(o->name);
			o->name = NULL;
			return SP_EDATA;
		}
	if (p->n == p->cap) {
		size_t nc = 2 * p->cap;
		podrow *a = realloc(p->rows, nc * sizeof *a);
		sp_hpa_pod *b;
		unsigned char *c;
		if (!a)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		p->rows = a;
		if (!(b = realloc(p->pods, nc * sizeof *b)))
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		p->pods = b;
		if (!(c = realloc(p->rr, nc)))
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		p->rr = c;
		p->cap = nc;
	}
	p->rows[p->n++] = *o;
	o->name = NULL;
	return 0;
}

int
sp_hpa_pods_at(sp_hpa_pods *p, double t, int cpu, double cpu_init, double delay, const sp_hpa_pod **pods,
    const unsigned char **rr, size_t *n, sp_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++)
		free(p->rows[i].name);
	p->n = 0;
	*n = 0;
	if (t < p->last)
		return sp_error_set(err, SP_EUSAGE, "pods asked for out of time order");
	p->last = t;
	for (;;) {
		double rt;
		if (!p->pending) {
			if (p->eof)
				break;
			rc = sp_csv_next(p->r, err);
			if (rc == SP_EEOF) {
				p->eof = 1;
				break;
			}
			if (rc < 0)
				return rc;
			free(p->prow.name);
			p->prow.name = NULL;
			if ((rc = read_row(p, &rt, &p->prow, err)) < 0)
				return rc;
			if (rt < p->pt && sp_csv_rowno(p->r) > 1)
				return sp_csv_error(p->r, 0, err, SP_EDATA, "time %.17g before the row above (%.17g): "
				    "rows must be in time order", rt, p->pt);
			p->pt = rt;
			p->pending = 1;
		}
		if (p->pt > t)
			break;
		p->pending = 0;
		if (p->pt < t)
			continue;  /* a sync no row asks for */
		if ((rc = push_row(p, &p->prow, err)) < 0)
			return rc;
	}
	for (i = 0; i < p->n; i++) {
		const podrow *o = &p->rows[i];
		p->pods[i].state = sp_hpa_pod_group(&o->st, t, cpu, cpu_init, delay);
		p->pods[i].has_metric = o->has_metric;
		p->pods[i].value = o->usage;
		p->pods[i].request = o->request;
		p->rr[i] = (unsigned char)sp_hpa_pod_running_ready(&o->st);
	}
	*n = p->n;
	if (pods)
		*pods = p->pods;
	if (rr)
		*rr = p->rr;
	return 0;
}

/* ---- the controller ---- */

typedef struct {
	double t;
	int v;
	int outdated;   /* events: 1 outdated (storeScaleEvent's); recommendations:
	                 * SEEN, the count the HPA was first seen with */
} ev;

enum { SEEN = 2 };

typedef struct {
	ev *a;
	size_t n, cap;
} evlist;

struct sp_hpa {
	sp_hpa_config c;
	int seen;
	evlist recs;     /* recommendations: t, replicas */
	evlist up, down; /* scale events: t, change */
};

void
sp_hpa_defaults(sp_hpa_config *c)
{
	memset(c, 0, sizeof *c);
	c->min = 1;
	c->max = 10;
	c->behavior = 0;
	c->up.window = 0;
	c->up.select = SP_HPA_SELECT_MAX;
	c->up.npolicies = 2;
	c->up.policies[0] = (sp_hpa_policy){ SP_HPA_POLICY_PODS, 4, 15 };
	c->up.policies[1] = (sp_hpa_policy){ SP_HPA_POLICY_PERCENT, 100, 15 };
	c->down.window = -1;
	c->down.select = SP_HPA_SELECT_MAX;
	c->down.npolicies = 1;
	c->down.policies[0] = (sp_hpa_policy){ SP_HPA_POLICY_PERCENT, 100, 15 };
	c->downscale_window = 300;
	c->up_factor = 2;
	c->up_minimum = 4;
}

static int
check_rules(const sp_hpa_rules *r, const char *dir, sp_error *err)
{
	int i;

	if (r->npolicies < 0 || r->npolicies > SP_HPA_MAX_POLICIES)
		return sp_error_set(err, SP_EUSAGE, "%s: at most %d policies", dir, SP_HPA_MAX_POLICIES);
	if (r->npolicies == 0 && r->select != SP_HPA_SELECT_DISABLED)
		return sp_error_set(err, SP_EUSAGE, "%s: at least one policy is needed unless selectPolicy is Disabled", dir);
	for (i = 0; i < r->npolicies; i++) {
		if (r->policies[i].value <= 0)
			return sp_error_set(err, SP_EUSAGE, "%s: policy value must be > 0", dir);
		if (r->policies[i].period <= 0 || r->policies[i].period > 1800)
			return sp_error_set(err, SP_EUSAGE, "%s: policy periodSeconds must be in 1..1800", dir);
	}
	if (r->window > 3600)
		return sp_error_set(err, SP_EUSAGE, "%s: stabilizationWindowSeconds must be at most 3600", dir);
	return 0;
}

sp_hpa *
sp_hpa_new(const sp_hpa_config *c, sp_error *err)
{
	sp_hpa *h;

	if (c->min < 0 || c->max < 1)
		return sp_error_set(err, SP_EUSAGE, "min must be >= 0 and max >= 1"), NULL;
	if (c->min > c->max)
		return sp_error_set(err, SP_EUSAGE, "min (%d) must not be greater than max (%d)", c->min, c->max), NULL;
	if (c->behavior && (check_rules(&c->up, "scaleUp", err) < 0 || check_rules(&c->down, "scaleDown", err) < 0))
		return NULL;
	if (!(c->up_factor > 0) || c->up_minimum < 0 || c->downscale_window < 0)
		return sp_error_set(err, SP_EUSAGE, "bad scale-up factor, minimum or window"), NULL;
	if (!(h = calloc(1, sizeof *h)))
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	h->c = *c;
	/* maybeInitScaleDownStabilizationWindow */
	if (h->c.down.window < 0)
		h->c.down.window = c->downscale_window;
	return h;
}

void
sp_hpa_free(sp_hpa *h)
{
	if (!h)
		return;
	free(h->recs.a);
	free(h->up.a);
	free(h->down.a);
	free(h);
}

static int
ev_push(evlist *l, ev e)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 16;
		ev *a = realloc(l->a, nc * sizeof *a);
		if (!a)
			return SP_ENOMEM;
		l->a = a;
		l->cap = nc;
	}
	l->a[l->n++] = e;
	return 0;
}

/* Sum of changes of events strictly after now - period (getReplicasChangePerPeriod). */
static int
change_in(const evlist *l, double now, int period)
{
	double cutoff = now - period;
	int s = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->a[i].t > cutoff)
			s += l->a[i].v;
	return s;
}

int
sp_hpa_scale_up_limit(const sp_hpa *h, double now, int current)
{
	const sp_hpa_rules *r = &h->c.up;
	long long result;
	int i;

	if (r->select == SP_HPA_SELECT_DISABLED)
		return current;
	result = r->select == SP_HPA_SELECT_MIN ? INT_MAX : INT_MIN;
	for (i = 0; i < r->npolicies; i++) {
		const sp_hpa_policy *p = &r->policies[i];
		long long start = (long long)current - change_in(&h->up, now, p->period) +
		    change_in(&h->down, now, p->period), prop;
		if (p->type == SP_HPA_POLICY_PODS)
			prop = start + p->value;
		else
			prop = (long long)ceil((double)start * (1 + (double)p->value / 100));
		if (r->select == SP_HPA_SELECT_MIN ? prop < result : prop > result)
			result = prop;
	}
	return (int)result;
}

int
sp_hpa_scale_down_limit(const sp_hpa *h, double now, int current)
{
	const sp_hpa_rules *r = &h->c.down;
	long long result;
	int i;

	if (r->select == SP_HPA_SELECT_DISABLED)
		return current;
	result = r->select == SP_HPA_SELECT_MIN ? INT_MIN : INT_MAX;
	for (i = 0; i < r->npolicies; i++) {
		const sp_hpa_policy *p = &r->policies[i];
		long long start = (long long)current - change_in(&h->up, now, p->period) +
		    change_in(&h->down, now, p->period), prop;
		if (p->type == SP_HPA_POLICY_PODS)
			prop = start - p->value;
		else
			prop = (long long)((double)start * (1 - (double)p->value / 100));
		if (r->select == SP_HPA_SELECT_MIN ? prop > result : prop < result)
			result = prop;
	}
	return (int)result;
}

static int
longest_period(const sp_hpa_rules *r)
{
	int i, m = 0;

	for (i = 0; i < r->npolicies; i++)
		if (r->policies[i].period > m)
			m = r->policies[i].period;
	return m;
}

/* storeScaleEvent: mark outdated events, reuse the first outdated slot. */
static int
store_event(evlist *l, double now, int longest, int change)
{
	size_t i;
	double cutoff = now - longest;

	for (i = 0; i < l->n; i++)
		if (l->a[i].t <= cutoff)
			l->a[i].outdated = 1;
	for (i = 0; i < l->n; i++)
		if (l->a[i].outdated) {
			l->a[i] = (ev){ now, change, 0 };
			return 0;
		}
	return ev_push(l, (ev){ now, change, 0 });
}

int
sp_hpa_record_event(sp_hpa *h, double now, int from, int to)
{
	if (!h->c.behavior)
		return 0;
	if (to > from)
		return store_event(&h->up, now, longest_period(&h->c.up), to - from);
	if (to < from)
		return store_event(&h->down, now, longest_period(&h->c.down), from - to);
	return 0;
}

/* Legacy stabilizeRecommendation: max over the window, replacing one old sample. */
static int
stabilize_legacy(sp_hpa *h, double now, int desired, int *out)
{
	double cutoff = now - h->c.downscale_window;
	int maxr = desired, found = 0;
	size_t i, old = 0;

	for (i = 0; i < h->recs.n; i++) {
		if (h->recs.a[i].t < cutoff) {
			found = 1;
			old = i;
		} else if (h->recs.a[i].v > maxr)
			maxr = h->recs.a[i].v;
	}
	*out = maxr;
	if (found) {
		h->recs.a[old] = (ev){ now, desired, 0 };
		return 0;
	}
	return ev_push(&h->recs, (ev){ now, desired, 0 });
}

static int
stabilize_behavior(sp_hpa *h, double now, int current, int desired, int *out, const char **reason)
{
	double upw = h->c.up.window < 0 ? 0 : h->c.up.window, downw = h->c.down.window;
	double upcut = now - upw, downcut = now - downw;
	double obsolete = now - (upw > downw ? upw : downw);
	int uprec = desired, downrec = desired, found = 0, rec;
	size_t i, old = 0;

	for (i = 0; i < h->recs.n; i++) {
		const ev *e = &h->recs.a[i];
		if (e->t > upcut && e->v < uprec)
			uprec = e->v;
		if (e->t > downcut && e->v > downrec)
			downrec = e->v;
		if (e->t < obsolete) {
			found = 1;
			old = i;
		}
	}
	rec = current;
	if (rec < uprec)
		rec = uprec;
	if (rec > downrec)
		rec = downrec;
	*out = rec;
	*reason = desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized";
	if (found) {
		h->recs.a[old] = (ev){ now, desired, 0 };
		return 0;
	}
	return ev_push(&h->recs, (ev){ now, desired, 0 });
}

/* Entries at or after t dropped (a decision made again at t replaces
 * those made then and after); with keep_seen, not the recommendation of the
 * first time the HPA was seen (marked SEEN): that stands whatever is
 * decided then. */
static void
ev_forget(evlist *l, double t, int keep_seen)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (!(l->a[i].t >= t) || (keep_seen && l->a[i].outdated == SEEN))
			l->a[n++] = l->a[i];
	l->n = n;
}

int
sp_hpa_step(sp_hpa *h, double now, int current, int proposal, int invalid, int *desired,
    const char **reason)
{
	const sp_hpa_config *c = &h->c;
	int stab, d, rc;
	const char *r = "DesiredWithinRange";

	/* a decision at a time already decided (a row decided again: a pending
	 * row once its load is in, or a trailing row in the next run) replaces
	 * what was recorded then and after; in time order nothing goes */
	ev_forget(&h->recs, now, 1);
	ev_forget(&h->up, now, 0);
	ev_forget(&h->down, now, 0);
	if (!h->seen) {
		/* the first time an HPA is seen, the current count is recorded
		 * as a recommendation (blocks an immediate scale-down) */
		h->seen = 1;
		if ((rc = ev_push(&h->recs, (ev){ now, current, SEEN })) < 0)
			return rc;
	}
	if (current == 0 && c->min != 0) {
		*desired = 0;
		*reason = "ScalingDisabled";
		return 0;
	}
	if (current > c->max) {
		d = c->max;
		r = "TooManyReplicas";
		goto rescale;
	}
	if (current < c->min) {
		d = c->min;
		r = "TooFewReplicas";
		goto rescale;
	}
	if (proposal < 0 || (invalid && proposal < current)) {
		*desired = current;
		*reason = "FailedGetMetrics";
		return 0;
	}
	if (!c->behavior) {
		int lim, maxallowed;
		const char *cond;
		if ((rc = stabilize_legacy(h, now, proposal, &stab)) < 0)
			return rc;
		lim = (int)fmax(c->up_factor * current, c->up_minimum);
		if (c->max > lim) {
			maxallowed = lim;
			cond = "ScaleUpLimit";
		} else {
			maxallowed = c->max;
			cond = "TooManyReplicas";
		}
		if (stab < c->min) {
			d = c->min;
			r = "TooFewReplicas";
		} else if (stab > maxallowed) {
			d = maxallowed;
			r = cond;
		} else {
			d = stab;
			r = stab != proposal ? "ScaleDownStabilized" : "DesiredWithinRange";
		}
	} else {
		const char *sr;
		if ((rc = stabilize_behavior(h, now, current, proposal, &stab, &sr)) < 0)
			return rc;
		d = stab;
		if (stab != proposal)
			r = sr;
		if (stab > current) {
			int lim = sp_hpa_scale_up_limit(h, now, current), maxallowed = c->max;
			const char *cond = "TooManyReplicas";
			if (lim < current)
				lim = current;
			if (maxallowed > lim) {
				maxallowed = lim;
				cond = "ScaleUpLimit";
			}
			if (stab > maxallowed) {
				d = maxallowed;
				r = cond;
			}
		} else if (stab < current) {
			int lim = sp_hpa_scale_down_limit(h, now, current), minallowed = c->min;
			const char *cond = "TooFewReplicas";
			if (lim > current)
				lim = current;
			if (minallowed < lim) {
				minallowed = lim;
				cond = "ScaleDownLimit";
			}
			if (stab < minallowed) {
				d = minallowed;
				r = cond;
			}
		}
	}
rescale:
	if (d != current && (rc = sp_hpa_record_event(h, now, current, d)) < 0)
		return rc;
	*desired = d;
	*reason = r;
	return 0;
}

const char *
sp_hpa_explain(const char *reason)
{
	static const struct { const char *r, *s; } t[] = {
		{ "ScalingDisabled", "scaling is disabled since the replica count of the target is zero" },
		{ "TooManyReplicas", "the desired replica count is more than the maximum replica count" },
		{ "TooFewReplicas", "the desired replica count is less than the minimum replica count" },
		{ "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate" },
		{ "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate" },
		{ "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation" },
		{ "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation" },
		{ "DesiredWithinRange", "the desired count is within the acceptable range" },
		{ "FailedGetMetrics", "the metric is missing for this step; the controller does not scale (or only up with partial metrics)" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].r, reason) == 0)
			return t[i].s;
	return "";
}

int
sp_hpa_parse_policies(const char *s, sp_hpa_rules *r, sp_error *err)
{
	const char *p = s;
	int n = 0;

	while (*p) {
		char type[16];
		int value, period, used = 0;
		if (n == SP_HPA_MAX_POLICIES)
			return sp_error_set(err, SP_EUSAGE, "at most %d policies", SP_HPA_MAX_POLICIES);
		if (sscanf(p, "%15[a-zA-Z]:%d:%d%n", type, &value, &period, &used) != 3 || used == 0 ||
		    (p[used] != ',' && p[used] != '\0'))
			return sp_error_set(err, SP_EUSAGE, "bad policy '%s' (want TYPE:VALUE:PERIOD, "
			    "TYPE pods or percent)", p);
		if (strcasecmp(type, "pods") == 0)
			r->policies[n].type = SP_HPA_POLICY_PODS;
		else if (strcasecmp(type, "percent") == 0)
			r->policies[n].type = SP_HPA_POLICY_PERCENT;
		else
			return sp_error_set(err, SP_EUSAGE, "bad policy type '%s' (pods or percent)", type);
		if (value <= 0 || period <= 0 || period > 1800)
			return sp_error_set(err, SP_EUSAGE, "bad policy '%.*s': value must be > 0 and "
			    "period in 1..1800", used, p);
		r->policies[n].value = value;
		r->policies[n].period = period;
		n++;
		p += used;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return sp_error_set(err, SP_EUSAGE, "no policy given");
	r->npolicies = n;
	return 0;
}

/* ---- the state between runs ---- */

static void
ev_write(const evlist *l, const char *key, sp_state_writer *w)
{
	size_t i;
	double *v = malloc((3 * l->n + 1) * sizeof *v);

	sp_state_put_long(w, key, (long)l->n);
	if (!v) {
		sp_state_put_doubles(w, key, 0, NULL);   /* a count mismatch: read fails, a cold start */
		return;
	}
	for (i = 0; i < l->n; i++) {
		v[3 * i] = l->a[i].t;
		v[3 * i + 1] = l->a[i].v;
		v[3 * i + 2] = l->a[i].outdated;
	}
	sp_state_put_doubles(w, key, 3 * l->n, v);
	free(v);
}

static int
ev_read(evlist *l, const char *key, sp_state *s, sp_error *err)
{
	long n, i;
	double *v;
	int rc;

	if ((rc = sp_state_long(s, key, 0, 10000000, &n, err)) < 0)
		return rc;
	if (!(v = malloc((3 * (size_t)n + 1) * sizeof *v)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if ((rc = sp_state_doubles(s, key, 3 * (size_t)n, v, err)) < 0) {
		free(v);
		return rc;
	}
	for (i = 0; i < n; i++)
		if ((rc = ev_push(l, (ev){ v[3 * i], (int)v[3 * i + 1], (int)v[3 * i + 2] })) < 0) {
			free(v);
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		}
	free(v);
	return 0;
}

void
sp_hpa_write_state(const sp_hpa *h, sp_state_writer *w)
{
	sp_state_put_long(w, "hpa_seen", h->seen);
	ev_write(&h->recs, "hpa_recs", w);
	ev_write(&h->up, "hpa_up", w);
	ev_write(&h->down, "hpa_down", w);
}

int
sp_hpa_read_state(sp_hpa *h, sp_state *s, sp_error *err)
{
	long seen;
	int rc;

	if ((rc = sp_state_long(s, "hpa_seen", 0, 1, &seen, err)) < 0 ||
	    (rc = ev_read(&h->recs, "hpa_recs", s, err)) < 0 || (rc = ev_read(&h->up, "hpa_up", s, err)) < 0 ||
	    (rc = ev_read(&h->down, "hpa_down", s, err)) < 0)
		return rc;
	h->seen = (int)seen;
	return 0;
}
