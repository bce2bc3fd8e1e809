/* sp_extender: the kube-scheduler extender protocol around sp_place (see
 * sp_extender.h).  It speaks JSON, not HTTP: the server (libmicrohttpd),
 * signals and reloading are the tool's. */
#include "sp_extender.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sp_csv.h"

/* kube's non-zero request defaults for scoring (pkg/scheduler/util:
 * DefaultMilliCPURequest, DefaultMemoryRequest) */
#define DEFAULT_CPU 0.1
#define DEFAULT_MEM 200.0
#define MIB 1048576.0

/* ---- resource.Quantity ---- */

int
sp_extender_quantity(const char *s, double *v, sp_error *err)
{
	static const struct { const char *suf; double mul; } sfx[] = {
		{ "Ki", 1024.0 }, { "Mi", 1048576.0 }, { "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 },
		{ "Pi", 1125899906842624.0 }, { "Ei", 1152921504606846976.0 }, { "n", 1e-9 }, { "u", 1e-6 },
		{ "m", 1e-3 }, { "", 1 }, { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { "T", 1e12 }, { "P", 1e15 },
		{ "E", 1e18 } };
	char num[64];
	const char *p = s;
	size_t k = 0;
	int digits = 0;
	double x;

	if (*p == '+')
		p++;
	while (isdigit((unsigned char)*p) && k < sizeof num - 2)
		num[k++] = *p++, digits++;
	if (*p == '.' && k < sizeof num - 2) {
		num[k++] = *p++;
		while (isdigit((unsigned char)*p) && k < sizeof num - 2)
			num[k++] = *p++, digits++;
	}
	num[k] = 0;
	if (!digits || isdigit((unsigned char)*p))
		return sp_error_set(err, SP_EDATA, "not a quantity: '%s'", s);
	x = strtod(num, NULL);
	if ((*p == 'e' || *p == 'E') && (isdigit((unsigned char)p[1]) ||
	    ((p[1] == '-' || p[1] == '+') && isdigit((unsigned char)p[2])))) {
		char *end;
		long e = strtol(p + 1, &end, 10);
		if (*end || e < -30 || e > 30)
			return sp_error_set(err, SP_EDATA, "not a quantity: '%s'", s);
		*v = x * pow(10, (double)e);
		return 0;
	}
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (!strcmp(p, sfx[i].suf)) {
			*v = x * sfx[i].mul;
			return 0;
		}
	return sp_error_set(err, SP_EDATA, "not a quantity: '%s'", s);
}

/* ---- node state ---- */

typedef struct {
	char *name;
	sp_placesim_node nd;
	double anom, last;
} node_rec;

struct sp_extender_state {
	size_t n;
	node_rec *v;              /* by name */
	double newest, rcpu, rmem;
};

enum { S_CPU, S_MEM, S_CREQ, S_MREQ, S_CUSE, S_MUSE, S_N };
static const char *const scols[S_N] = { "cpu", "mem", "cpu_requested", "mem_requested", "cpu_used", "mem_used" };

typedef struct {
	char *name;
	double t, v[S_N], pods, anom;
	long row;
} srow;

static int
srow_cmp(const void *a, const void *b)
{
	const srow *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

void
sp_extender_state_free(sp_extender_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].name);
	free(st->v);
	free(st);
}

size_t sp_extender_state_nnodes(const sp_extender_state *st) { return st ? st->n : 0; }
double sp_extender_state_newest(const sp_extender_state *st) { return st ? st->newest : NAN; }

/* Group the sorted rows into nodes (names move from the rows). */
static int
state_build(sp_extender_state *st, srow *rows, size_t nrow, sp_error *err)
{
	double uc = 0, um = 0, qc = 0, qm = 0;

	qsort(rows, nrow, sizeof *rows, srow_cmp);
	if (!(st->v = calloc(nrow, sizeof *st->v)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	st->newest = -INFINITY;
	for (size_t i = 0; i < nrow;) {
		size_t j = i;
		while (j < nrow && !strcmp(rows[j].name, rows[i].name))
			j++;
		const srow *last = &rows[j - 1];
		node_rec *r = &st->v[st->n++];
		sp_placesim_node *nd = &r->nd;
		r->name = rows[i].name, rows[i].name = NULL;
		nd->cpu_cap = last->v[S_CPU], nd->mem_cap = last->v[S_MEM];
		nd->cpu_req = last->v[S_CREQ], nd->mem_req = last->v[S_MREQ];
		nd->cpu_use = last->v[S_CUSE], nd->mem_use = last->v[S_MUSE];
		for (int h = 0; h < SP_PLACESIM_HIST; h++) {
			const srow *q = (size_t)h < j - i ? &rows[j - 1 - (size_t)h] : &rows[i];
			nd->cpu_hist[h] = q->v[S_CUSE] / q->v[S_CPU];
			nd->mem_hist[h] = q->v[S_MUSE] / q->v[S_MEM];
		}
		nd->npods = isnan(last->pods) ? 0 : (int)last->pods;
		nd->contended = nd->cpu_use > nd->cpu_cap;
		r->anom = last->anom;
		r->last = last->t;
		st->newest = last->t > st->newest ? last->t : st->newest;
		uc += nd->cpu_use, um += nd->mem_use, qc += nd->cpu_req, qm += nd->mem_req;
		for (size_t k = i + 1; k < j; k++)
			free(rows[k].name), rows[k].name = NULL;
		i = j;
	}
	st->rcpu = qc > 0 && uc > 0 ? uc / qc : 1;
	st->rmem = qm > 0 && um > 0 ? um / qm : 1;
	return 0;
}

static int
state_row(sp_csv_reader *r, const int *col, int cpods, int canom, srow *s, sp_error *err)
{
	size_t len;
	const char *f;
	int rc;

	if ((rc = sp_csv_get_timestamp(r, &s->t, err)) < 0)
		return rc;
	f = sp_csv_field(r, (size_t)col[S_N], &len);
	if (!len)
		return sp_csv_error(r, col[S_N], err, SP_EDATA, "empty node name");
	for (int k = 0; k < S_N; k++) {
		if ((rc = sp_csv_get_double_req(r, (size_t)col[k], &s->v[k], err)) < 0)
			return rc;
		if (s->v[k] < 0 || ((k == S_CPU || k == S_MEM) && s->v[k] == 0))
			return sp_csv_error(r, col[k], err, SP_EDATA, s->v[k] < 0 ? "negative value" : "capacity must be positive");
	}
	s->pods = s->anom = NAN;
	if (cpods >= 0 && (rc = sp_csv_get_double(r, (size_t)cpods, &s->pods, err)) < 0)
		return rc;
	if (cpods >= 0 && s->pods < 0)
		return sp_csv_error(r, cpods, err, SP_EDATA, "negative value");
	if (cpods >= 0 && s->pods > SP_EXTENDER_MAX_PODS)
		return sp_csv_error(r, cpods, err, SP_EDATA, "more than %d pods on a node", SP_EXTENDER_MAX_PODS);
	if (canom >= 0 && (rc = sp_csv_get_double(r, (size_t)canom, &s->anom, err)) < 0)
		return rc;
	s->row = sp_csv_rowno(r);
	if (!(s->name = strndup(f, len)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	return 0;
}

sp_extender_state *
sp_extender_state_read(FILE *fp, const char *name, sp_error *err)
{
	sp_csv_reader *r = sp_csv_reader_new(fp, name, SP_CSV_NEED_TIMESTAMP | SP_CSV_ANY_ORDER | SP_CSV_NEED_ROWS, err);
	sp_extender_state *st = NULL;
	srow *rows = NULL;
	size_t nrow = 0, cap = 0;
	int col[S_N + 1], cpods, canom, rc = 0;

	if (!r)
		return NULL;
	for (int k = 0; k < S_N && rc == 0; k++)
		if ((col[k] = sp_csv_pick_col(r, scols[k], err)) < 0)
			rc = err ? (err->code = SP_EDATA) : SP_EDATA;
	if (rc == 0 && (col[S_N] = sp_csv_pick_col(r, "node", err)) < 0)
		rc = err ? (err->code = SP_EDATA) : SP_EDATA;
	cpods = sp_csv_col_index(r, "pods");
	canom = sp_csv_col_index(r, "anomaly");
	while (rc == 0 && (rc = sp_csv_next(r, err)) == SP_OK) {
		if (nrow == cap) {
			srow *nr = realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof *rows);
			if (!nr) {
				rc = sp_error_set(err, SP_ENOMEM, "out of memory");
				break;
			}
			rows = nr;
		}
		if ((rc = state_row(r, col, cpods, canom, &rows[nrow], err)) < 0)
			break;
		nrow++;
	}
	if (rc == SP_EEOF) {
		if (!(st = calloc(1, sizeof *st)))
			sp_error_set(err, SP_ENOMEM, "out of memory");
		else if (state_build(st, rows, nrow, err) < 0)
			sp_extender_state_free(st), st = NULL;
	}
	for (size_t i = 0; i < nrow; i++)
		free(rows[i].name);
	free(rows);
	sp_csv_reader_free(r);
	return st;
}

static const node_rec *
state_find(const sp_extender_state *st, const char *name)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, st->v[mid].name);
		if (!c)
			return &st->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- ExtenderArgs ---- */

/* A requests map (cpu, memory) at path -> cores, MiB. */
static int
req_map(json_t *req, const char *path, double *cpu, double *mem, int *has_cpu, int *has_mem, sp_error *err)
{
	static const char *const keys[2] = { "cpu", "memory" };

	*cpu = *mem = 0;
	if (req && !json_is_object(req) && !json_is_null(req))
		return sp_error_set(err, SP_EDATA, "%s: not an object", path);
	for (int k = 0; k < 2; k++) {
		json_t *q = json_object_get(req, keys[k]);
		double v = NAN;
		if (!q || json_is_null(q))
			continue;
		if (json_is_number(q))
			v = json_number_value(q);
		else if (!json_is_string(q) || sp_extender_quantity(json_string_value(q), &v, err) < 0)
			return sp_error_set(err, SP_EDATA, "%s.%s: not a quantity", path, keys[k]);
		if (!(v >= 0) || !isfinite(v))
			return sp_error_set(err, SP_EDATA, "%s.%s: negative", path, keys[k]);
		if (k == 0)
			*cpu = v, *has_cpu = 1;
		else
			*mem = v / MIB, *has_mem = 1;
	}
	return 0;
}

static int
pod_request(json_t *pod, double *cpu, double *mem, sp_error *err)
{
	json_t *spec = json_object_get(pod, "spec"), *c;
	double sc = 0, sm = 0, ic = 0, im = 0, x, y;
	int hc = 0, hm = 0, rc;
	size_t i;
	char path[96];
	static const char *const lists[2] = { "containers", "initContainers" };

	for (int l = 0; l < 2; l++) {
		json_t *arr = json_object_get(spec, lists[l]);
		if (arr && !json_is_array(arr) && !json_is_null(arr))
			return sp_error_set(err, SP_EDATA, "Pod.spec.%s: not an array", lists[l]);
		json_array_foreach(arr, i, c) {
			snprintf(path, sizeof path, "Pod.spec.%s[%zu].resources.requests", lists[l], i);
			if ((rc = req_map(json_object_get(json_object_get(c, "resources"), "requests"), path, &x, &y, &hc, &hm,
			    err)) < 0)
				return rc;
			if (l == 0)
				sc += x, sm += y;
			else
				ic = x > ic ? x : ic, im = y > im ? y : im;
		}
	}
	*cpu = sc > ic ? sc : ic;
	*mem = sm > im ? sm : im;
	if ((rc = req_map(json_object_get(spec, "overhead"), "Pod.spec.overhead", &x, &y, &hc, &hm, err)) < 0)
		return rc;
	*cpu += x, *mem += y;
	if (!hc || *cpu == 0)
		*cpu = DEFAULT_CPU;
	if (!hm || *mem == 0)
		*mem = DEFAULT_MEM;
	return 0;
}

void
sp_extender_args_free(sp_extender_args *a)
{
	free(a->pod);
	free(a->nodes);
	json_decref(a->doc);
	memset(a, 0, sizeof *a);
}

int
sp_extender_args_parse(const char *body, size_t len, sp_extender_args *a, sp_error *err)
{
	json_error_t je;
	json_t *root, *pod, *md, *names, *nodes, *items = NULL, *v;
	const char *pn, *ns;
	size_t i;
	int rc;

	memset(a, 0, sizeof *a);
	if (!(root = json_loadb(body, len, 0, &je)))
		return sp_error_set(err, SP_EDATA, "line %d, column %d: %s", je.line, je.column, je.text);
	a->doc = root;
	if (!json_is_object(root))
		return sp_extender_args_free(a), sp_error_set(err, SP_EDATA, "ExtenderArgs: not a JSON object");
	pod = json_object_get(root, "Pod");
	if (!json_is_object(pod))
		return sp_extender_args_free(a), sp_error_set(err, SP_EDATA, "ExtenderArgs: no Pod");
	md = json_object_get(pod, "metadata");
	pn = json_string_value(json_object_get(md, "name"));
	ns = json_string_value(json_object_get(md, "namespace"));
	if (asprintf(&a->pod, "%s/%s", ns ? ns : "default", pn ? pn : "") < 0)
		return a->pod = NULL, sp_extender_args_free(a), sp_error_set(err, SP_ENOMEM, "out of memory");
	if ((rc = pod_request(pod, &a->cpu, &a->mem, err)) < 0)
		return sp_extender_args_free(a), rc;
	names = json_object_get(root, "NodeNames");
	nodes = json_object_get(root, "Nodes");
	if (json_is_array(names))
		a->names = 1, a->n = json_array_size(names);
	else if (json_is_object(nodes) && json_is_array(items = json_object_get(nodes, "items")))
		a->n = json_array_size(items);
	else
		return sp_extender_args_free(a), sp_error_set(err, SP_EDATA, "ExtenderArgs: neither NodeNames nor Nodes.items");
	if (!(a->nodes = calloc(a->n + 1, sizeof *a->nodes)))
		return sp_extender_args_free(a), sp_error_set(err, SP_ENOMEM, "out of memory");
	json_array_foreach(a->names ? names : items, i, v) {
		const char *s = a->names ? json_string_value(v)
		    : json_string_value(json_object_get(json_object_get(v, "metadata"), "name"));
		if (!s || !*s) {
			rc = sp_error_set(err, SP_EDATA, a->names ? "NodeNames[%zu]: not a node name"
			    : "Nodes.items[%zu].metadata.name: not a node name", i);
			sp_extender_args_free(a);
			return rc;
		}
		a->nodes[i] = s;
	}
	return 0;
}

static char *
dump(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

char *
sp_extender_filter_json(const sp_extender_args *a, const int *pass, const char *const *reason, const char *error)
{
	json_t *res = json_object(), *failed = json_object(), *list = json_array(), *nodes = json_null();
	json_t *items = json_object_get(json_object_get(a->doc, "Nodes"), "items");
	int bad = !res || !failed || !list;

	for (size_t i = 0; i < a->n && !bad; i++) {
		if (!pass[i])
			bad |= json_object_set_new(failed, a->nodes[i], json_string(reason && reason[i] ? reason[i] : "")) < 0;
		else if (a->names)
			bad |= json_array_append_new(list, json_string(a->nodes[i])) < 0;
		else
			bad |= json_array_append(list, json_array_get(items, i)) < 0;
	}
	if (!a->names && !bad) {
		/* the NodeList as sent (apiVersion, kind, metadata), the passing items */
		bad |= !(nodes = json_copy(json_object_get(a->doc, "Nodes")));
		bad |= bad || json_object_set(nodes, "items", list) < 0;
	}
	if (!bad) {
		bad |= json_object_set_new(res, "Nodes", nodes) < 0, nodes = NULL;
		bad |= json_object_set(res, "NodeNames", a->names ? list : json_null()) < 0;
		bad |= json_object_set(res, "FailedNodes", failed) < 0;
		bad |= json_object_set_new(res, "FailedAndUnresolvableNodes", json_object()) < 0;
		bad |= json_object_set_new(res, "Error", json_string(error ? error : "")) < 0;
	}
	json_decref(nodes), json_decref(failed), json_decref(list);
	if (bad)
		json_decref(res), res = NULL;
	return dump(res);
}

char *
sp_extender_priority_json(const sp_extender_args *a, const long *score)
{
	json_t *list = json_array();

	for (size_t i = 0; i < a->n && list; i++)
		if (json_array_append_new(list, json_pack("{s:s,s:I}", "Host", a->nodes[i], "Score", (json_int_t)score[i])) < 0)
			json_decref(list), list = NULL;
	return dump(list);
}

/* ---- the server's logic ---- */

static const char *const verb_names[SP_EXTENDER_NVERB] = { "filter", "prioritize", "healthz", "metrics", "other" };
static const char *const fb_names[SP_EXTENDER_NFB] = { "", "no_state", "missing_node", "stale", "all_filtered", "error" };
static const int codes[] = { 200, 400, 404, 405, 413, 500, 503 };
#define NCODE ((int)(sizeof codes / sizeof codes[0]))
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1 };
#define NBUCKET ((int)(sizeof buckets / sizeof buckets[0]))

const char *sp_extender_fallback_name(int reason) { return reason > 0 && reason < SP_EXTENDER_NFB ? fb_names[reason] : ""; }

struct sp_extender {
	sp_place *p;
	sp_extender_opts o;
	sp_extender_state *st;
	unsigned long loads, load_errors;
	unsigned long requests[SP_EXTENDER_NVERB][NCODE];
	unsigned long fallbacks[SP_EXTENDER_NFB];
	unsigned long hist[2][NBUCKET + 1];
	double hsum[2];
	/* per request buffers */
	size_t cap;
	sp_placesim_node *nodes;
	double *anom, *score, *feat;
	long *prio;
	int *pass;
	const char **reason;
	char **rbuf;
};

void
sp_extender_defaults(sp_extender_opts *o)
{
	o->shadow = 0;
	o->filter_above = 1;
	o->max_age = 0;
}

sp_extender *
sp_extender_new(sp_place *p, const sp_extender_opts *o, sp_error *err)
{
	sp_extender *x = calloc(1, sizeof *x);

	if (!x) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	x->p = p;
	x->o = *o;
	return x;
}

static void
free_bufs(sp_extender *x)
{
	for (size_t i = 0; i < x->cap && x->rbuf; i++)
		free(x->rbuf[i]);
	free(x->nodes), free(x->anom), free(x->score), free(x->feat), free(x->prio), free(x->pass);
	free(x->reason), free(x->rbuf);
	x->nodes = NULL, x->anom = x->score = x->feat = NULL, x->prio = NULL, x->pass = NULL;
	x->reason = NULL, x->rbuf = NULL, x->cap = 0;
}

void
sp_extender_free(sp_extender *x)
{
	if (!x)
		return;
	sp_extender_state_free(x->st);
	free_bufs(x);
	free(x);
}

void
sp_extender_set_state(sp_extender *x, sp_extender_state *st)
{
	double f[SP_PLACE_NFEAT];

	/* The forest's anomaly score depends on the node's history only: once
	 * per state, not per request (it is most of a request's cost). */
	for (size_t i = 0; st && i < st->n; i++)
		if (!isfinite(st->v[i].anom)) {
			sp_place_features(x->p, &st->v[i].nd, 0, 0, 1, 1, f);
			st->v[i].anom = f[7];
		}
	sp_extender_state_free(x->st);
	x->st = st;
	x->loads++;
}

void sp_extender_state_failed(sp_extender *x) { x->load_errors++; }

static int
reserve(sp_extender *x, size_t n, sp_error *err)
{
	if (n <= x->cap)
		return 0;
	free_bufs(x);
	x->nodes = calloc(n, sizeof *x->nodes);
	x->anom = calloc(n, sizeof *x->anom), x->score = calloc(n, sizeof *x->score);
	x->feat = calloc(SP_PLACE_NFEAT, sizeof *x->feat);
	x->prio = calloc(n, sizeof *x->prio), x->pass = calloc(n, sizeof *x->pass);
	x->reason = calloc(n, sizeof *x->reason), x->rbuf = calloc(n, sizeof *x->rbuf);
	if (!x->nodes || !x->anom || !x->score || !x->feat || !x->prio || !x->pass || !x->reason || !x->rbuf) {
		free_bufs(x);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	x->cap = n;
	return 0;
}

void
sp_extender_reply_free(sp_extender_reply *r)
{
	free(r->body), free(r->note);
	memset(r, 0, sizeof *r);
}

/* The candidates' data: 0, or the fallback reason (why in *why). */
static int
gather(sp_extender *x, const sp_extender_args *a, double now, const char **why)
{
	*why = NULL;
	if (!x->st)
		return SP_EXTENDER_FB_NOSTATE;
	for (size_t i = 0; i < a->n; i++) {
		const node_rec *r = state_find(x->st, a->nodes[i]);
		if (!r)
			return *why = a->nodes[i], SP_EXTENDER_FB_MISSING;
		if (x->o.max_age > 0 && r->last < now - x->o.max_age)
			return *why = a->nodes[i], SP_EXTENDER_FB_STALE;
		x->nodes[i] = r->nd;
		x->anom[i] = r->anom;
	}
	return 0;
}

static void
map_priorities(sp_extender *x, size_t n)
{
	double w0, w1, w2, lo = INFINITY, hi = -INFINITY;
	int mode;

	sp_place_get_weights(x->p, &w0, &w1, &w2, &mode);
	for (size_t i = 0; i < n; i++)
		lo = x->score[i] < lo ? x->score[i] : lo, hi = x->score[i] > hi ? x->score[i] : hi;
	for (size_t i = 0; i < n; i++) {
		double s = mode == SP_PLACE_DQN ? (hi > lo ? 10 * (x->score[i] - lo) / (hi - lo) : 5) : x->score[i] / 10;
		long v = isfinite(s) ? lround(s) : 0;
		x->prio[i] = v < 0 ? 0 : v > SP_EXTENDER_MAX_PRIORITY ? SP_EXTENDER_MAX_PRIORITY : v;
	}
}

/* filter: pass[] and reasons; returns the number dropped. */
static size_t
judge(sp_extender *x, const sp_extender_args *a)
{
	size_t drop = 0;

	for (size_t i = 0; i < a->n; i++) {
		double *f = x->feat, u;
		free(x->rbuf[i]), x->rbuf[i] = NULL;
		x->pass[i] = 1, x->reason[i] = NULL;
		if (!(x->o.filter_above > 0))
			continue;
		sp_place_features(NULL, &x->nodes[i], a->cpu, a->mem, x->st->rcpu, x->st->rmem, f);   /* 4, 5 only */
		u = f[4] > f[5] ? f[4] : f[5];
		if (u > x->o.filter_above) {
			x->pass[i] = 0, drop++;
			if (asprintf(&x->rbuf[i], "place: predicted %s utilisation %.3g with the pod is above %g",
			    f[4] >= f[5] ? "CPU" : "memory", u, x->o.filter_above) < 0)
				x->rbuf[i] = NULL;
			x->reason[i] = x->rbuf[i] ? x->rbuf[i] : "place: predicted utilisation too high";
		}
	}
	return drop;
}

static char *
note_of(const char *fmt, ...)
{
	char *s;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	return rc < 0 ? NULL : s;
}

int
sp_extender_handle(sp_extender *x, int verb, const char *body, size_t len, double now,
    sp_extender_reply *r, sp_error *err)
{
	sp_extender_args a;
	sp_error perr, serr;
	const char *why = NULL, *vn = verb == SP_EXTENDER_FILTER ? "filter" : "prioritize";
	int fb, rc;
	size_t drop = 0, best = 0;

	memset(r, 0, sizeof *r);
	if ((rc = sp_extender_args_parse(body, len, &a, &perr)) < 0) {
		if (rc == SP_ENOMEM)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		r->status = 400;
		if (asprintf(&r->body, "place: bad ExtenderArgs: %s\n", perr.msg) < 0)
			return r->body = NULL, sp_error_set(err, SP_ENOMEM, "out of memory");
		return 0;
	}
	if ((rc = reserve(x, a.n, err)) < 0)
		return sp_extender_args_free(&a), rc;
	fb = a.n ? gather(x, &a, now, &why) : 0;
	if (!fb && a.n) {
		int b = sp_place_score_anom(x->p, x->nodes, (int)a.n, a.cpu, a.mem, x->st->rcpu, x->st->rmem, x->anom,
		    NULL, NULL, NULL, x->score, &serr);
		if (b < 0)
			fb = SP_EXTENDER_FB_ERROR, why = serr.msg;
		else
			best = (size_t)b;
	}
	if (verb == SP_EXTENDER_FILTER) {
		if (!fb && a.n && (drop = judge(x, &a)) == a.n)
			fb = SP_EXTENDER_FB_ALLFILTERED;
		if (fb || x->o.shadow)
			for (size_t i = 0; i < a.n; i++)
				x->pass[i] = 1;
		r->body = sp_extender_filter_json(&a, x->pass, x->reason, NULL);
	} else {
		if (!fb && a.n)
			map_priorities(x, a.n);
		if (fb || x->o.shadow)
			for (size_t i = 0; i < a.n; i++)
				x->prio[i] = 0;
		r->body = sp_extender_priority_json(&a, x->prio);
	}
	r->status = 200;
	r->fallback = fb;
	if (fb) {
		x->fallbacks[fb]++;
		r->note = note_of("%s %s: fallback %s%s%s%s", vn, a.pod, fb_names[fb], why ? " (" : "", why ? why : "",
		    why ? ")" : "");
	} else if (!a.n)
		r->note = note_of("%s %s: no candidate nodes", vn, a.pod);
	else if (verb == SP_EXTENDER_FILTER)
		r->note = note_of("%s %s: %s %zu of %zu nodes%s", vn, a.pod, x->o.shadow ? "would drop" : "dropped", drop,
		    a.n, x->o.shadow ? " (shadow: all pass)" : "");
	else
		r->note = note_of("%s %s: best %s (score %.4g, priority %ld) of %zu nodes%s", vn, a.pod, a.nodes[best],
		    x->score[best], x->o.shadow ? 0L : x->prio[best], a.n, x->o.shadow ? " (shadow: all equal)" : "");
	sp_extender_args_free(&a);
	if (!r->body) {
		sp_extender_reply_free(r);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	return 0;
}

void
sp_extender_observe(sp_extender *x, int verb, int status, double seconds)
{
	int c = 0, v = verb >= 0 && verb < SP_EXTENDER_NVERB ? verb : SP_EXTENDER_OTHER, b = 0;

	while (c < NCODE - 1 && codes[c] != status)
		c++;
	if (codes[c] != status)
		c = 5;   /* 500: anything unexpected */
	x->requests[v][c]++;
	if (v > SP_EXTENDER_PRIORITIZE)
		return;
	while (b < NBUCKET && seconds > buckets[b])
		b++;
	x->hist[v][b]++;
	x->hsum[v] += seconds;
}

char *
sp_extender_metrics(const sp_extender *x, double now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "# HELP place_extender_requests_total Requests by verb and HTTP status.\n"
	    "# TYPE place_extender_requests_total counter\n");
	for (int v = 0; v < SP_EXTENDER_NVERB; v++)
		for (int c = 0; c < NCODE; c++)
			if (x->requests[v][c] || (v <= SP_EXTENDER_PRIORITIZE && c == 0))
				fprintf(f, "place_extender_requests_total{verb=\"%s\",code=\"%d\"} %lu\n", verb_names[v], codes[c],
				    x->requests[v][c]);
	fprintf(f, "# HELP place_extender_errors_total Requests answered with an HTTP error (4xx, 5xx).\n"
	    "# TYPE place_extender_errors_total counter\n");
	for (int v = 0; v < SP_EXTENDER_NVERB; v++) {
		unsigned long e = 0;
		for (int c = 1; c < NCODE; c++)
			e += x->requests[v][c];
		fprintf(f, "place_extender_errors_total{verb=\"%s\"} %lu\n", verb_names[v], e);
	}
	fprintf(f, "# HELP place_extender_fallbacks_total Answers left to the default scheduler, by reason.\n"
	    "# TYPE place_extender_fallbacks_total counter\n");
	for (int k = 1; k < SP_EXTENDER_NFB; k++)
		fprintf(f, "place_extender_fallbacks_total{reason=\"%s\"} %lu\n", fb_names[k], x->fallbacks[k]);
	fprintf(f, "# HELP place_extender_request_duration_seconds Time to answer filter and prioritize.\n"
	    "# TYPE place_extender_request_duration_seconds histogram\n");
	for (int v = 0; v <= SP_EXTENDER_PRIORITIZE; v++) {
		unsigned long cum = 0;
		for (int b = 0; b <= NBUCKET; b++) {
			cum += x->hist[v][b];
			if (b < NBUCKET)
				fprintf(f, "place_extender_request_duration_seconds_bucket{verb=\"%s\",le=\"%g\"} %lu\n",
				    verb_names[v], buckets[b], cum);
			else
				fprintf(f, "place_extender_request_duration_seconds_bucket{verb=\"%s\",le=\"+Inf\"} %lu\n",
				    verb_names[v], cum);
		}
		fprintf(f, "place_extender_request_duration_seconds_sum{verb=\"%s\"} %.9g\n", verb_names[v], x->hsum[v]);
		fprintf(f, "place_extender_request_duration_seconds_count{verb=\"%s\"} %lu\n", verb_names[v], cum);
	}
	fprintf(f, "# HELP place_extender_shadow 1 when answers are neutral (shadow mode).\n"
	    "# TYPE place_extender_shadow gauge\nplace_extender_shadow %d\n", x->o.shadow ? 1 : 0);
	fprintf(f, "# HELP place_extender_state_nodes Nodes in the node-state file.\n"
	    "# TYPE place_extender_state_nodes gauge\nplace_extender_state_nodes %zu\n", sp_extender_state_nnodes(x->st));
	if (x->st)
		fprintf(f, "# HELP place_extender_state_age_seconds Age of the newest row of the node state.\n"
		    "# TYPE place_extender_state_age_seconds gauge\nplace_extender_state_age_seconds %.3f\n",
		    now - x->st->newest);
	fprintf(f, "# HELP place_extender_state_loads_total Node-state files loaded.\n"
	    "# TYPE place_extender_state_loads_total counter\nplace_extender_state_loads_total %lu\n"
	    "# HELP place_extender_state_load_errors_total Node-state reloads that failed (the previous state kept).\n"
	    "# TYPE place_extender_state_load_errors_total counter\nplace_extender_state_load_errors_total %lu\n",
	    x->loads, x->load_errors);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
