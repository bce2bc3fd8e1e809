/* sp_placesim: the placement simulator and kube-scheduler's resource scores
 * (see sp_placesim.h).  It models requests, usage, contention and memory
 * evictions; it does not model preemption, affinity, taints or volumes.
 */
#include "sp_placesim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_num.h"
#include "sp_rand.h"
#include "sp_stats.h"
#include "sp_time.h"

/* ---- kube-scheduler's scores ----
 * From the Kubernetes sources, pkg/scheduler/framework/plugins/noderesources/:
 *   least_allocated.go (kubernetes/kubernetes commit 05c351a9037b):
 *     leastRequestedScore = (capacity - requested) * MaxNodeScore / capacity,
 *     0 when requested > capacity or capacity == 0; the node score is the
 *     weighted mean over cpu and memory (weights 1 and 1), int64 division;
 *   most_allocated.go: requested * MaxNodeScore / capacity, requested capped
 *     at capacity;
 *   balanced_allocation.go (commit 02d7708af661): fractions requested /
 *     allocatable capped at 1, std = |f_cpu - f_mem| / 2 for two resources,
 *     score = int64((1 - std) * MaxNodeScore); best-effort pods (no
 *     requests) skip it.
 * The default profile (pkg/scheduler/apis/config/v1/default_plugins.go,
 * commit 01db4ae9e74a) gives NodeResourcesFit and
 * NodeResourcesBalancedAllocation weight 1 each.  LeastAllocated counts
 * non-zero requests (100 millicores, 200 MiB for a pod that asks nothing),
 * BalancedAllocation the requests as they are. */
#define MAXNODESCORE 100

static int64_t
least_one(int64_t req, int64_t cap)
{
	if (cap == 0 || req > cap)
		return 0;
	return (cap - req) * MAXNODESCORE / cap;
}

static int64_t
most_one(int64_t req, int64_t cap)
{
	if (cap == 0)
		return 0;
	if (req > cap)
		req = cap;
	return req * MAXNODESCORE / cap;
}

int64_t
sp_placesim_least_allocated(int64_t req_cpu, int64_t req_mem, int64_t cap_cpu, int64_t cap_mem)
{
	return (least_one(req_cpu, cap_cpu) + least_one(req_mem, cap_mem)) / 2;
}

int64_t
sp_placesim_most_allocated(int64_t req_cpu, int64_t req_mem, int64_t cap_cpu, int64_t cap_mem)
{
	return (most_one(req_cpu, cap_cpu) + most_one(req_mem, cap_mem)) / 2;
}

int64_t
sp_placesim_balanced(int64_t req_cpu, int64_t req_mem, int64_t cap_cpu, int64_t cap_mem)
{
	double f[2];
	int n = 0;

	if (cap_cpu != 0)
		f[n++] = (double)req_cpu / (double)cap_cpu > 1 ? 1 : (double)req_cpu / (double)cap_cpu;
	if (cap_mem != 0)
		f[n++] = (double)req_mem / (double)cap_mem > 1 ? 1 : (double)req_mem / (double)cap_mem;
	return (int64_t)((1 - (n == 2 ? fabs((f[0] - f[1]) / 2) : 0)) * MAXNODESCORE);
}

int64_t sp_placesim_millicpu(double cores) { return (int64_t)llround(cores * 1000); }
int64_t sp_placesim_bytes(double mib) { return (int64_t)llround(mib * 1048576); }

/* ---- input ---- */

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* Indices of the named columns (all required). */
static int
columns(sp_csv_reader *r, const char *file, const char *const *names, int n, int *idx, int *opt_idx,
    const char *opt, sp_error *err)
{
	for (int k = 0; k < n; k++)
		if ((idx[k] = sp_csv_col_index(r, names[k])) < 0) {
			char have[256] = "";
			for (size_t j = 0; j < sp_csv_ncols(r) && strlen(have) < 200; j++)
				snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s",
				    j ? ", " : "", sp_csv_colname(r, j));
			return sp_error_set(err, SP_EDATA, "%s: no column '%s' (have: %s)",
			    strcmp(file, "-") ? file : "stdin", names[k], have);
		}
	if (opt_idx)
		*opt_idx = sp_csv_col_index(r, opt);
	return 0;
}

static int
get_num(sp_csv_reader *r, int col, double *v, int nonneg, sp_error *err)
{
	if (sp_csv_get_double_req(r, (size_t)col, v, err) < 0)
		return SP_EDATA;
	if (nonneg && *v < 0)
		return sp_csv_error(r, col, err, SP_EDATA, "negative value %g", *v);
	return 0;
}

static int
get_time(sp_csv_reader *r, int col, double *t, sp_error *err)
{
	size_t n;
	const char *s = sp_csv_field(r, (size_t)col, &n);

	if (sp_time_parse(s, n, t) != 0)
		return sp_csv_error(r, col, err, SP_EDATA, "not a timestamp (Unix seconds or RFC 3339): '%.*s'",
		    (int)(n > 40 ? 40 : n), s);
	return 0;
}

static int
get_name(sp_csv_reader *r, int col, char **out, sp_error *err)
{
	size_t n;
	const char *s = sp_csv_field(r, (size_t)col, &n);

	if (n == 0)
		return sp_csv_error(r, col, err, SP_EDATA, "empty name");
	if (!(*out = dupn(s, n)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	return 0;
}

static int
grow(void **p, size_t *cap, size_t need, size_t size, sp_error *err)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	void *q = realloc(*p, nc * size);
	if (!q)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	*p = q;
	*cap = nc;
	return 0;
}

int
sp_placesim_read_nodes(sp_placesim_input *in, FILE *fp, const char *name, sp_error *err)
{
	static const char *const cols[] = { "node", "cpu", "mem" };
	int idx[3], rc;
	size_t cap = in->nnode;
	sp_csv_reader *r = sp_csv_reader_new(fp, name, 0, err);

	if (!r)
		return SP_EDATA;
	if ((rc = columns(r, name, cols, 3, idx, NULL, NULL, err)) < 0)
		goto out;
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		sp_placesim_nodecap nc = { 0 };
		if ((rc = get_num(r, idx[1], &nc.cpu, 1, err)) < 0 || (rc = get_num(r, idx[2], &nc.mem, 1, err)) < 0)
			goto out;
		if (nc.cpu <= 0 || nc.mem <= 0) {
			rc = sp_csv_error(r, nc.cpu <= 0 ? idx[1] : idx[2], err, SP_EDATA, "capacity must be positive");
			goto out;
		}
		if ((rc = grow((void **)&in->node, &cap, in->nnode + 1, sizeof *in->node, err)) < 0 ||
		    (rc = get_name(r, idx[0], &nc.name, err)) < 0)
			goto out;
		in->node[in->nnode++] = nc;
	}
	if (rc == SP_EEOF)
		rc = in->nnode ? 0 : sp_error_set(err, SP_EDATA, "%s: no nodes", strcmp(name, "-") ? name : "stdin");
out:
	sp_csv_reader_free(r);
	return rc;
}

static int
series_cmp(const void *a, const void *b, void *ctx)
{
	const sp_placesim_series *s = ctx;
	return strcmp(s[*(const size_t *)a].name, s[*(const size_t *)b].name);
}

int
sp_placesim_read_usage(sp_placesim_input *in, FILE *fp, const char *name, sp_error *err)
{
	static const char *const cols[] = { "series", "timestamp", "cpu", "mem" };
	int idx[4], rc;
	size_t cap = in->nseries, scap = 0, *ord = NULL;
	double t0 = 0;
	sp_placesim_series *cur = NULL;
	sp_csv_reader *r = sp_csv_reader_new(fp, name, 0, err);

	if (!r)
		return SP_EDATA;
	if ((rc = columns(r, name, cols, 4, idx, NULL, NULL, err)) < 0)
		goto out;
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		size_t n;
		const char *s = sp_csv_field(r, (size_t)idx[0], &n);
		double t, c, m;
		if ((rc = get_time(r, idx[1], &t, err)) < 0 || (rc = get_num(r, idx[2], &c, 1, err)) < 0 ||
		    (rc = get_num(r, idx[3], &m, 1, err)) < 0)
			goto out;
		if (n == 0) {
			rc = sp_csv_error(r, idx[0], err, SP_EDATA, "empty name");
			goto out;
		}
		if (!cur || strlen(cur->name) != n || memcmp(cur->name, s, n) != 0) {
			if ((rc = grow((void **)&in->series, &cap, in->nseries + 1, sizeof *in->series, err)) < 0)
				goto out;
			cur = &in->series[in->nseries++];
			memset(cur, 0, sizeof *cur);
			if ((rc = get_name(r, idx[0], &cur->name, err)) < 0)
				goto out;
			scap = 0;
			t0 = t;
		} else if (!(t - t0 > cur->t[cur->n - 1])) {
			rc = sp_csv_error(r, idx[1], err, SP_EDATA, "series '%s': time not after the previous row's",
			    cur->name);
			goto out;
		}
		if (cur->n + 1 > scap) {
			size_t c2 = scap;
			if ((rc = grow((void **)&cur->t, &c2, cur->n + 1, sizeof(double), err)) < 0)
				goto out;
			c2 = scap;
			if ((rc = grow((void **)&cur->cpu, &c2, cur->n + 1, sizeof(double), err)) < 0)
				goto out;
			c2 = scap;
			if ((rc = grow((void **)&cur->mem, &c2, cur->n + 1, sizeof(double), err)) < 0)
				goto out;
			scap = c2;
		}
		cur->t[cur->n] = t - t0, cur->cpu[cur->n] = c, cur->mem[cur->n] = m;
		cur->n++;
	}
	if (rc != SP_EEOF)
		goto out;
	rc = 0;
	if (!in->nseries) {
		rc = sp_error_set(err, SP_EDATA, "%s: no usage rows", strcmp(name, "-") ? name : "stdin");
		goto out;
	}
	/* a name seen twice means the rows of a series were not together */
	if (!(ord = malloc(in->nseries * sizeof *ord))) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < in->nseries; i++)
		ord[i] = i;
	qsort_r(ord, in->nseries, sizeof *ord, series_cmp, in->series);
	for (size_t i = 1; i < in->nseries; i++)
		if (!strcmp(in->series[ord[i]].name, in->series[ord[i - 1]].name)) {
			rc = sp_error_set(err, SP_EDATA, "%s: series '%s' in two runs of rows (keep a series' rows together)",
			    strcmp(name, "-") ? name : "stdin", in->series[ord[i]].name);
			break;
		}
out:
	free(ord);
	sp_csv_reader_free(r);
	return rc;
}

int
sp_placesim_read_pods(sp_placesim_input *in, FILE *fp, const char *name, sp_error *err)
{
	static const char *const cols[] = { "arrival", "pod", "cpu_request", "mem_request", "series" };
	int idx[5], dcol, rc;
	size_t cap = in->npod;
	sp_csv_reader *r = sp_csv_reader_new(fp, name, 0, err);

	if (!r)
		return SP_EDATA;
	if ((rc = columns(r, name, cols, 5, idx, &dcol, "departure", err)) < 0)
		goto out;
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		sp_placesim_pod p = { .departure = NAN };
		size_t n, k;
		const char *s;
		if ((rc = get_time(r, idx[0], &p.arrival, err)) < 0 ||
		    (rc = get_num(r, idx[2], &p.cpu_req, 1, err)) < 0 ||
		    (rc = get_num(r, idx[3], &p.mem_req, 1, err)) < 0)
			goto out;
		if (in->npod && p.arrival < in->pod[in->npod - 1].arrival) {
			rc = sp_csv_error(r, idx[0], err, SP_EDATA, "arrival before the previous row's");
			goto out;
		}
		if (dcol >= 0) {
			s = sp_csv_field(r, (size_t)dcol, &n);
			if (!sp_num_is_missing(s, n)) {
				if ((rc = get_time(r, dcol, &p.departure, err)) < 0)
					goto out;
				if (!(p.departure > p.arrival)) {
					rc = sp_csv_error(r, dcol, err, SP_EDATA, "departure not after arrival");
					goto out;
				}
			}
		}
		s = sp_csv_field(r, (size_t)idx[4], &n);
		for (k = 0; k < in->nseries; k++)
			if (strlen(in->series[k].name) == n && !memcmp(in->series[k].name, s, n))
				break;
		if (k == in->nseries) {
			rc = sp_csv_error(r, idx[4], err, SP_EDATA, "no usage series '%.*s'", (int)(n > 60 ? 60 : n), s);
			goto out;
		}
		p.series = k;
		if ((rc = grow((void **)&in->pod, &cap, in->npod + 1, sizeof *in->pod, err)) < 0 ||
		    (rc = get_name(r, idx[1], &p.name, err)) < 0)
			goto out;
		in->pod[in->npod++] = p;
	}
	if (rc == SP_EEOF)
		rc = in->npod ? 0 : sp_error_set(err, SP_EDATA, "%s: no pods", strcmp(name, "-") ? name : "stdin");
out:
	sp_csv_reader_free(r);
	return rc;
}

void
sp_placesim_input_free(sp_placesim_input *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->nnode; i++)
		free(in->node[i].name);
	for (size_t i = 0; i < in->npod; i++)
		free(in->pod[i].name);
	for (size_t i = 0; i < in->nseries; i++) {
		free(in->series[i].name);
		free(in->series[i].t), free(in->series[i].cpu), free(in->series[i].mem);
	}
	free(in->node), free(in->pod), free(in->series);
	memset(in, 0, sizeof *in);
}

/* ---- the simulator ---- */

static const char *const policy_names[] = { "random", "kube", "most", "custom", NULL };

int
sp_placesim_policy_parse(const char *s)
{
	for (int i = 0; i < SP_PLACESIM_CUSTOM; i++)
		if (!strcmp(s, policy_names[i]))
			return i;
	return -1;
}

const char *
sp_placesim_policy_name(int policy)
{
	return policy >= 0 && policy <= SP_PLACESIM_CUSTOM ? policy_names[policy] : "?";
}

void
sp_placesim_defaults(sp_placesim_opts *o)
{
	memset(o, 0, sizeof *o);
	o->step = 300;
	o->hot = 0.85;
	o->seed = 1;
	o->policy = SP_PLACESIM_KUBE;
}

enum { P_FUTURE = 0, P_WAIT, P_RUN, P_GONE };

struct sp_placesim {
	const sp_placesim_input *in;
	sp_placesim_opts o;
	sp_placesim_policy pol;
	sp_rand *rng;
	size_t nn;
	sp_placesim_node *node;
	int *where, *state, *cand, *first;
	double *start, *end, *ucpu, *umem;
	long *seq;
	size_t *cursor;
	size_t *run, nrun;          /* running pods */
	size_t *evq, nevq;          /* evicted, waiting: placed first */
	size_t *wq, nwq;            /* arrived, waiting */
	size_t next;                /* next pod to arrive */
	double t;
	long steps, seqno;
	double *util;               /* node CPU utilisation, every node and step */
	size_t nutil, caputil;
	double *step_util;
	sp_placesim_metrics m;
	double imb_sum;
	int ran;
};

sp_placesim *
sp_placesim_new(const sp_placesim_input *in, const sp_placesim_opts *o,
    const sp_placesim_policy *custom, sp_error *err)
{
	sp_placesim *s;
	size_t np = in->npod;

	if (!(o->step > 0) || !(o->hot > 0) || o->max_steps < 0 || o->policy < 0 || o->policy > SP_PLACESIM_CUSTOM ||
	    (o->policy == SP_PLACESIM_CUSTOM && (!custom || !custom->choose))) {
		sp_error_set(err, SP_EUSAGE, "placesim: bad options");
		return NULL;
	}
	if (!in->nnode || !in->npod) {
		sp_error_set(err, SP_EUSAGE, "placesim: no nodes or no pods");
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s)))
		goto nomem;
	s->in = in;
	s->o = *o;
	if (custom)
		s->pol = *custom;
	s->nn = in->nnode;
	s->rng = sp_rand_new(o->seed);
	s->node = calloc(s->nn, sizeof *s->node);
	s->cand = malloc(s->nn * sizeof *s->cand);
	s->step_util = malloc(s->nn * sizeof *s->step_util);
	s->where = malloc(np * sizeof *s->where);
	s->first = malloc(np * sizeof *s->first);
	s->state = calloc(np, sizeof *s->state);
	s->start = malloc(np * sizeof *s->start);
	s->end = malloc(np * sizeof *s->end);
	s->ucpu = calloc(np, sizeof *s->ucpu);
	s->umem = calloc(np, sizeof *s->umem);
	s->seq = calloc(np, sizeof *s->seq);
	s->cursor = calloc(np, sizeof *s->cursor);
	s->run = malloc(np * sizeof *s->run);
	s->evq = malloc(np * sizeof *s->evq);
	s->wq = malloc(np * sizeof *s->wq);
	if (!s->rng || !s->node || !s->cand || !s->step_util || !s->where || !s->first || !s->state || !s->start || !s->end ||
	    !s->ucpu || !s->umem || !s->seq || !s->cursor || !s->run || !s->evq || !s->wq)
		goto nomem;
	for (size_t j = 0; j < s->nn; j++) {
		s->node[j].cpu_cap = in->node[j].cpu;
		s->node[j].mem_cap = in->node[j].mem;
	}
	for (size_t i = 0; i < np; i++)
		s->where[i] = s->first[i] = -1, s->start[i] = NAN, s->end[i] = NAN;
	s->t = floor(in->pod[0].arrival / o->step) * o->step;
	return s;
nomem:
	sp_placesim_free(s);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

void
sp_placesim_free(sp_placesim *s)
{
	if (!s)
		return;
	sp_rand_free(s->rng);
	free(s->node), free(s->cand), free(s->step_util), free(s->where), free(s->first), free(s->state);
	free(s->start), free(s->end), free(s->ucpu), free(s->umem), free(s->seq), free(s->cursor);
	free(s->run), free(s->evq), free(s->wq), free(s->util);
	free(s);
}

size_t sp_placesim_nnodes(const sp_placesim *s) { return s->nn; }
const sp_placesim_node *sp_placesim_node_at(const sp_placesim *s, size_t j) { return &s->node[j]; }
const sp_placesim_input *sp_placesim_input_of(const sp_placesim *s) { return s->in; }
double sp_placesim_time(const sp_placesim *s) { return s->t; }
int sp_placesim_pod_node(const sp_placesim *s, size_t i) { return s->where[i]; }
int sp_placesim_pod_first_node(const sp_placesim *s, size_t i) { return s->first[i]; }
double sp_placesim_pod_start(const sp_placesim *s, size_t i) { return s->start[i]; }

static int64_t nz_cpu(int64_t m) { return m ? m : SP_PLACESIM_DEFAULT_MILLICPU; }
static int64_t nz_mem(int64_t b) { return b ? b : SP_PLACESIM_DEFAULT_MEMORY; }

int64_t
sp_placesim_kube_score(const sp_placesim *s, const sp_placesim_pod *p, int j)
{
	const sp_placesim_node *n = &s->node[j];
	int64_t pc = sp_placesim_millicpu(p->cpu_req), pm = sp_placesim_bytes(p->mem_req);
	int64_t cc = sp_placesim_millicpu(n->cpu_cap), cm = sp_placesim_bytes(n->mem_cap);
	int64_t fit = sp_placesim_least_allocated(n->nz_mcpu + nz_cpu(pc), n->nz_bytes + nz_mem(pm), cc, cm);
	int64_t bal = pc || pm ? sp_placesim_balanced(n->req_mcpu + pc, n->req_bytes + pm, cc, cm) : 0;

	return fit + bal;
}

int64_t
sp_placesim_most_score(const sp_placesim *s, const sp_placesim_pod *p, int j)
{
	const sp_placesim_node *n = &s->node[j];
	int64_t pc = sp_placesim_millicpu(p->cpu_req), pm = sp_placesim_bytes(p->mem_req);
	int64_t cc = sp_placesim_millicpu(n->cpu_cap), cm = sp_placesim_bytes(n->mem_cap);
	int64_t fit = sp_placesim_most_allocated(n->nz_mcpu + nz_cpu(pc), n->nz_bytes + nz_mem(pm), cc, cm);
	int64_t bal = pc || pm ? sp_placesim_balanced(n->req_mcpu + pc, n->req_bytes + pm, cc, cm) : 0;

	return fit + bal;
}

int
sp_placesim_choose_builtin(sp_placesim *s, int policy, const sp_placesim_pod *p, const int *cand, int ncand)
{
	int best = cand[0];
	int64_t top = INT64_MIN;
	size_t nties = 0;

	if (policy == SP_PLACESIM_RANDOM)
		return cand[sp_rand_index(s->rng, (size_t)ncand)];
	/* selectHost: reservoir sampling over the nodes with the top score */
	for (int k = 0; k < ncand; k++) {
		int64_t sc = policy == SP_PLACESIM_MOST ? sp_placesim_most_score(s, p, cand[k])
		    : sp_placesim_kube_score(s, p, cand[k]);
		if (sc > top)
			top = sc, best = cand[k], nties = 1;
		else if (sc == top && sp_rand_index(s->rng, ++nties) == 0)
			best = cand[k];
	}
	return best;
}

static int
fits(const sp_placesim *s, const sp_placesim_pod *p, size_t j)
{
	const sp_placesim_node *n = &s->node[j];

	return n->req_mcpu + sp_placesim_millicpu(p->cpu_req) <= sp_placesim_millicpu(n->cpu_cap) &&
	    n->req_bytes + sp_placesim_bytes(p->mem_req) <= sp_placesim_bytes(n->mem_cap);
}

static void
bind(sp_placesim *s, size_t i, int j)
{
	const sp_placesim_pod *p = &s->in->pod[i];
	const sp_placesim_series *se = &s->in->series[p->series];
	sp_placesim_node *n = &s->node[j];
	int64_t pc = sp_placesim_millicpu(p->cpu_req), pm = sp_placesim_bytes(p->mem_req);

	n->cpu_req += p->cpu_req, n->mem_req += p->mem_req;
	n->req_mcpu += pc, n->req_bytes += pm;
	n->nz_mcpu += nz_cpu(pc), n->nz_bytes += nz_mem(pm);
	n->npods++;
	n->used = 1;
	s->where[i] = j;
	s->state[i] = P_RUN;
	s->seq[i] = ++s->seqno;
	s->run[s->nrun++] = i;
	if (isnan(s->start[i])) {
		s->first[i] = j;
		s->start[i] = s->t;
		s->end[i] = s->t + se->t[se->n - 1] + s->o.step;
		if (!isnan(p->departure) && p->departure < s->end[i])
			s->end[i] = p->departure;
	}
	s->m.placements++;
}

static void
unbind(sp_placesim *s, size_t r)
{
	size_t i = s->run[r];
	const sp_placesim_pod *p = &s->in->pod[i];
	sp_placesim_node *n = &s->node[s->where[i]];
	int64_t pc = sp_placesim_millicpu(p->cpu_req), pm = sp_placesim_bytes(p->mem_req);

	n->cpu_req -= p->cpu_req, n->mem_req -= p->mem_req;
	n->req_mcpu -= pc, n->req_bytes -= pm;
	n->nz_mcpu -= nz_cpu(pc), n->nz_bytes -= nz_mem(pm);
	if (--n->npods == 0)
		n->cpu_req = n->mem_req = 0;  /* no rounding residue */
	s->where[i] = -1;
	s->run[r] = s->run[--s->nrun];
}

/* Place the pods of queue q (n of them); the ones that do not fit stay,
 * in order.  Returns < 0 when the policy fails. */
static int
place_queue(sp_placesim *s, size_t *q, size_t *n, sp_error *err)
{
	size_t keep = 0;

	for (size_t k = 0; k < *n; k++) {
		size_t i = q[k];
		const sp_placesim_pod *p = &s->in->pod[i];
		int nc = 0, j;
		for (size_t c = 0; c < s->nn; c++)
			if (fits(s, p, c))
				s->cand[nc++] = (int)c;
		if (!nc) {
			q[keep++] = i;
			continue;
		}
		if (s->o.policy == SP_PLACESIM_CUSTOM) {
			if ((j = s->pol.choose(s->pol.ctx, s, p, s->cand, nc, err)) < 0)
				return j;
			int ok = 0;
			for (int c = 0; c < nc && !ok; c++)
				ok = s->cand[c] == j;
			if (!ok)
				return sp_error_set(err, SP_EUSAGE, "placesim: policy chose node %d, not a candidate", j);
		} else
			j = sp_placesim_choose_builtin(s, s->o.policy, p, s->cand, nc);
		bind(s, i, j);
	}
	*n = keep;
	return 0;
}

static void
pod_usage(sp_placesim *s, size_t i)
{
	const sp_placesim_series *se = &s->in->series[s->in->pod[i].series];
	double off = s->t - s->start[i];
	size_t k = s->cursor[i];

	while (k + 1 < se->n && se->t[k + 1] <= off)
		k++;
	s->cursor[i] = k;
	s->ucpu[i] = se->cpu[k];
	s->umem[i] = se->mem[k];
}

/* Drop waiting pods whose departure has come. */
static void
expire(sp_placesim *s, size_t *q, size_t *n)
{
	size_t keep = 0;

	for (size_t k = 0; k < *n; k++) {
		size_t i = q[k];
		double d = s->in->pod[i].departure;
		if ((!isnan(d) && s->t >= d) || (!isnan(s->end[i]) && s->t >= s->end[i]))
			s->state[i] = P_GONE;
		else
			q[keep++] = i;
	}
	*n = keep;
}

static void
departures(sp_placesim *s)
{
	for (size_t r = s->nrun; r-- > 0;) {
		size_t i = s->run[r];
		if (s->t >= s->end[i]) {
			unbind(s, r);
			s->state[i] = P_GONE;
		}
	}
	expire(s, s->evq, &s->nevq);
	expire(s, s->wq, &s->nwq);
}

static int
step(sp_placesim *s, sp_error *err)
{
	int rc;
	double sum = 0, ss = 0;

	while (s->next < s->in->npod && s->in->pod[s->next].arrival <= s->t) {
		s->state[s->next] = P_WAIT;
		s->wq[s->nwq++] = s->next++;
	}
	if ((rc = place_queue(s, s->evq, &s->nevq, err)) < 0 || (rc = place_queue(s, s->wq, &s->nwq, err)) < 0)
		return rc;
	for (size_t j = 0; j < s->nn; j++) {
		s->node[j].cpu_use = s->node[j].mem_use = 0;
		s->node[j].contended = s->node[j].evicted = 0;
	}
	for (size_t r = 0; r < s->nrun; r++) {
		size_t i = s->run[r];
		pod_usage(s, i);
		s->node[s->where[i]].cpu_use += s->ucpu[i];
		s->node[s->where[i]].mem_use += s->umem[i];
	}
	/* memory over capacity: evict the newest pod until it fits */
	for (size_t j = 0; j < s->nn; j++)
		while (s->node[j].mem_use > s->node[j].mem_cap && s->node[j].npods > 0) {
			size_t rb = 0;
			long best = -1;
			for (size_t r = 0; r < s->nrun; r++)
				if (s->where[s->run[r]] == (int)j && s->seq[s->run[r]] > best)
					best = s->seq[s->run[r]], rb = r;
			size_t i = s->run[rb];
			s->node[j].cpu_use -= s->ucpu[i];
			s->node[j].mem_use -= s->umem[i];
			unbind(s, rb);
			s->state[i] = P_WAIT;
			s->evq[s->nevq++] = i;
			s->node[j].evicted++;
			s->m.evictions++;
		}
	for (size_t j = 0; j < s->nn; j++) {
		sp_placesim_node *n = &s->node[j];
		double u;
		if (n->npods == 0)
			n->cpu_use = n->mem_use = 0;  /* no rounding residue */
		n->contended = n->cpu_use > n->cpu_cap;
		memmove(n->cpu_hist + 1, n->cpu_hist, (SP_PLACESIM_HIST - 1) * sizeof(double));
		memmove(n->mem_hist + 1, n->mem_hist, (SP_PLACESIM_HIST - 1) * sizeof(double));
		n->cpu_hist[0] = u = n->cpu_use / n->cpu_cap;
		n->mem_hist[0] = n->mem_use / n->mem_cap;
		s->step_util[j] = u;
		sum += u;
		if (u > s->o.hot)
			s->m.hot_minutes += s->o.step / 60;
	}
	for (size_t r = 0; r < s->nrun; r++)
		if (s->node[s->where[s->run[r]]].contended)
			s->m.degraded++;
	s->m.pod_steps += (double)(s->nrun + s->nevq + s->nwq);
	s->m.pending += (double)(s->nevq + s->nwq);
	for (size_t j = 0; j < s->nn; j++)
		ss += (s->step_util[j] - sum / (double)s->nn) * (s->step_util[j] - sum / (double)s->nn);
	s->imb_sum += sqrt(ss / (double)s->nn);
	if ((rc = grow((void **)&s->util, &s->caputil, s->nutil + s->nn, sizeof(double), err)) < 0)
		return rc;
	memcpy(s->util + s->nutil, s->step_util, s->nn * sizeof(double));
	s->nutil += s->nn;
	s->steps++;
	if (s->pol.observe && (rc = s->pol.observe(s->pol.ctx, s, err)) < 0)
		return rc;
	return 0;
}

int
sp_placesim_run(sp_placesim *s, sp_error *err)
{
	int rc;

	if (s->ran)
		return sp_error_set(err, SP_EUSAGE, "placesim: already run");
	s->ran = 1;
	for (;;) {
		if (s->o.max_steps && s->steps >= s->o.max_steps)
			break;
		departures(s);
		if (s->next == s->in->npod && s->nrun == 0 && s->nevq == 0 && s->nwq == 0)
			break;
		if ((rc = step(s, err)) < 0)
			return rc;
		/* an empty cluster with nothing to come: the waiting never fit */
		if (s->next == s->in->npod && s->nrun == 0)
			break;
		s->t += s->o.step;
	}
	return 0;
}

void
sp_placesim_get_metrics(const sp_placesim *s, sp_placesim_metrics *m)
{
	*m = s->m;
	m->steps = s->steps;
	m->availability = m->pod_steps > 0 ? 1 - (m->degraded + m->pending) / m->pod_steps : NAN;
	m->imbalance = s->steps ? s->imb_sum / (double)s->steps : NAN;
	m->cpu_p50 = m->cpu_p95 = m->cpu_max = NAN;
	double *u = s->nutil ? malloc(s->nutil * sizeof *u) : NULL;
	if (u) {
		memcpy(u, s->util, s->nutil * sizeof *u);
		sp_stats_sort(u, s->nutil);
		m->cpu_p50 = sp_stats_quantile_sorted(u, s->nutil, 0.5);
		m->cpu_p95 = sp_stats_quantile_sorted(u, s->nutil, 0.95);
		m->cpu_max = u[s->nutil - 1];
		free(u);
	}
	m->nodes_used = 0;
	for (size_t j = 0; j < s->nn; j++)
		m->nodes_used += s->node[j].used;
	m->unplaced = 0;
	for (size_t i = 0; i < s->in->npod; i++)
		m->unplaced += isnan(s->start[i]);
}

void
sp_placesim_metrics_header(sp_csv_writer *w)
{
	static const char *const h[] = { "policy", "steps", "pod_steps", "degraded", "pending", "availability",
		"evictions", "placements", "cpu_p50", "cpu_p95", "cpu_max", "hot_minutes", "imbalance",
		"nodes_used", "unplaced", NULL };
	for (int k = 0; h[k]; k++)
		sp_csv_write_str(w, h[k]);
	sp_csv_end_row(w);
}

void
sp_placesim_metrics_row(sp_csv_writer *w, const char *policy, const sp_placesim_metrics *m)
{
	sp_csv_write_str(w, policy);
	sp_csv_write_long(w, m->steps);
	sp_csv_write_double(w, m->pod_steps);
	sp_csv_write_double(w, m->degraded);
	sp_csv_write_double(w, m->pending);
	sp_csv_write_double(w, m->availability);
	sp_csv_write_long(w, m->evictions);
	sp_csv_write_long(w, m->placements);
	sp_csv_write_double(w, m->cpu_p50);
	sp_csv_write_double(w, m->cpu_p95);
	sp_csv_write_double(w, m->cpu_max);
	sp_csv_write_double(w, m->hot_minutes);
	sp_csv_write_double(w, m->imbalance);
	sp_csv_write_long(w, m->nodes_used);
	sp_csv_write_long(w, m->unplaced);
	sp_csv_end_row(w);
}
