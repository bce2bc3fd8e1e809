/* sp_prom: Prometheus API answers on an exact grid; naming rules (see sp_prom.h). */
#include "sp_prom.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_num.h"
#include "sp_redact.h"
#include "sp_time.h"

struct sp_prom_matrix {
	double start, step;
	size_t npoints;
	size_t n, cap;
	sp_prom_series *s;
	char **keys;         /* canonical label set of series i */
	unsigned long *seen; /* the merge (generation) that last gave series i */
	unsigned long gen;   /* merges so far */
	size_t *tab;         /* open addressing: index+1, 0 empty */
	size_t tabsize;      /* power of two */
};

sp_prom_matrix *
sp_prom_matrix_new(double start, double end, double step, sp_error *err)
{
	sp_prom_matrix *m;
	double np;

	if (!isfinite(start) || !isfinite(end) || !isfinite(step) || step <= 0) {
		sp_error_set(err, SP_EUSAGE, "bad time range");
		return NULL;
	}
	if (end < start) {
		sp_error_set(err, SP_EUSAGE, "end of range is before its start");
		return NULL;
	}
	np = floor((end - start) / step + 1e-9) + 1;
	if (np > 1e8) {
		sp_error_set(err, SP_EUSAGE, "range has %.0f points at this step (at most 100000000)", np);
		return NULL;
	}
	if (!(m = calloc(1, sizeof *m))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	m->start = start;
	m->step = step;
	m->npoints = (size_t)np;
	return m;
}

void
sp_prom_matrix_free(sp_prom_matrix *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		for (j = 0; j < m->s[i].nlabels; j++) {
			free(m->s[i].names[j]);
			free(m->s[i].values[j]);
		}
		free(m->s[i].names);
		free(m->s[i].values);
		free(m->s[i].v);
		free(m->keys[i]);
	}
	free(m->s);
	free(m->keys);
	free(m->seen);
	free(m->tab);
	free(m);
}

size_t sp_prom_npoints(const sp_prom_matrix *m) { return m->npoints; }
double sp_prom_time(const sp_prom_matrix *m, size_t i) { return m->start + (double)i * m->step; }
size_t sp_prom_nseries(const sp_prom_matrix *m) { return m->n; }
const sp_prom_series *sp_prom_get(const sp_prom_matrix *m, size_t k) { return k < m->n ? &m->s[k] : NULL; }

const char *
sp_prom_label(const sp_prom_series *s, const char *name)
{
	size_t i;
	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->values[i];
	return NULL;
}

int
sp_prom_chunk(const sp_prom_matrix *m, size_t max_points, size_t k, double *cstart, double *cend)
{
	size_t i0, i1;

	if (max_points == 0)
		max_points = SP_PROM_MAX_POINTS;
	if (k >= (m->npoints + max_points - 1) / max_points)
		return 0;
	i0 = k * max_points;
	i1 = i0 + max_points < m->npoints ? i0 + max_points : m->npoints;
	*cstart = sp_prom_time(m, i0);
	*cend = sp_prom_time(m, i1 - 1);
	return 1;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int
cmp_label(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	return strcmp(x[0], y[0]);
}

/* Canonical key of a metric object: "<len>:name<len>:value" over sorted
 * names; the lengths make it unambiguous whatever bytes the labels hold
 * (no separator byte can make two label sets one key).  *nul set when a
 * label name or value holds a NUL byte (refused: C strings would cut it). */
static char *
metric_key(json_t *metric, const char ***pairs_out, size_t *n_out, int *nul)
{
	const char *k;
	json_t *v;
	size_t n = json_object_size(metric), i = 0, len = 1;
	const char **pairs = calloc(2 * n + 1, sizeof *pairs);
	char *key, *p;

	*nul = 0;
	if (!pairs)
		return NULL;
	json_object_foreach(metric, k, v) {
		pairs[2 * i] = k;
		pairs[2 * i + 1] = json_is_string(v) ? json_string_value(v) : "";
		if (json_is_string(v) && strlen(pairs[2 * i + 1]) != json_string_length(v))
			*nul = 1;
		len += strlen(pairs[2 * i]) + strlen(pairs[2 * i + 1]) + 2 * 21 + 2;
		i++;
	}
	qsort(pairs, n, 2 * sizeof *pairs, cmp_label);
	if (!(key = malloc(len))) {
		free(pairs);
		return NULL;
	}
	p = key;
	for (i = 0; i < n; i++)
		p += sprintf(p, "%zu:%s%zu:%s", strlen(pairs[2 * i]), pairs[2 * i], strlen(pairs[2 * i + 1]),
		    pairs[2 * i + 1]);
	*p = '\0';
	*pairs_out = pairs;
	*n_out = n;
	return key;
}

static int
grow_table(sp_prom_matrix *m)
{
	size_t size = m->tabsize ? m->tabsize * 2 : 16, i;
	size_t *tab = calloc(size, sizeof *tab);

	if (!tab)
		return -1;
	for (i = 0; i < m->n; i++) {
		size_t h = (size_t)hash_str(m->keys[i]) & (size - 1);
		while (tab[h])
			h = (h + 1) & (size - 1);
		tab[h] = i + 1;
	}
	free(m->tab);
	m->tab = tab;
	m->tabsize = size;
	return 0;
}

/* Series for metric object `metric`, created when new; NULL with err
 * (SP_ENOMEM; SP_ENET when one answer gives the same label set twice, or a
 * label holds a NUL byte). */
static sp_prom_series *
find_series(sp_prom_matrix *m, json_t *metric, sp_error *err)
{
	const char **pairs = NULL;
	size_t np = 0, h, i;
	int nul;
	char *key = metric_key(metric, &pairs, &np, &nul);
	sp_prom_series *s;

	if (!key) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	if (nul) {
		sp_error_set(err, SP_ENET, "a label of a series holds a NUL byte");
		goto out;
	}
	if (2 * (m->n + 1) > m->tabsize && grow_table(m) < 0)
		goto fail;
	for (h = (size_t)hash_str(key) & (m->tabsize - 1); m->tab[h]; h = (h + 1) & (m->tabsize - 1))
		if (strcmp(m->keys[m->tab[h] - 1], key) == 0) {
			size_t k = m->tab[h] - 1;
			free(key);
			free(pairs);
			if (m->seen[k] == m->gen) {
				/* one answer, two results with one label set: which
				 * value is right is unknowable */
				sp_error_set(err, SP_ENET, "the answer holds two series with the same labels");
				return NULL;
			}
			m->seen[k] = m->gen;
			return &m->s[k];
		}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		sp_prom_series *ns = realloc(m->s, cap * sizeof *ns);
		char **nk;
		unsigned long *sn;
		if (!ns)
			goto fail;
		m->s = ns;
		if (!(nk = realloc(m->keys, cap * sizeof *nk)))
			goto fail;
		m->keys = nk;
		if (!(sn = realloc(m->seen, cap * sizeof *sn)))
			goto fail;
		m->seen = sn;
		m->cap = cap;
	}
	s = &m->s[m->n];
	memset(s, 0, sizeof *s);
	s->names = calloc(np + 1, sizeof *s->names);
	s->values = calloc(np + 1, sizeof *s->values);
	s->v = malloc(m->npoints * sizeof *s->v);
	if (!s->names || !s->values || !s->v) {
		free(s->names);
		free(s->values);
		free(s->v);
		goto fail;
	}
	for (i = 0; i < m->npoints; i++)
		s->v[i] = NAN;
	for (i = 0; i < np; i++) {
		s->names[i] = strdup(pairs[2 * i]);
		s->values[i] = strdup(pairs[2 * i + 1]);
		s->nlabels = i + 1;
		if (!s->names[i] || !s->values[i]) {
			m->keys[m->n] = key;
			m->seen[m->n] = m->gen;
			m->n++;       /* freed with the matrix */
			free(pairs);
			sp_error_set(err, SP_ENOMEM, "out of memory");
			return NULL;
		}
	}
	m->keys[m->n] = key;
	m->seen[m->n] = m->gen;
	m->tab[h] = ++m->n;
	free(pairs);
	return s;
fail:
	sp_error_set(err, SP_ENOMEM, "out of memory");
out:
	free(key);
	free(pairs);
	return NULL;
}

/* [t, "v"] into series s. */
static int
put_point(sp_prom_matrix *m, sp_prom_series *s, json_t *pt, sp_error *err)
{
	json_t *jt = json_array_get(pt, 0), *jv = json_array_get(pt, 1);
	const char *vs;
	double t, x, idx, r;
	char tb[40];

	if (!json_is_array(pt) || json_array_size(pt) != 2 || !json_is_number(jt) || !json_is_string(jv))
		return sp_error_set(err, SP_ENET, "malformed sample in Prometheus answer");
	t = json_number_value(jt);
	vs = json_string_value(jv);
	idx = (t - m->start) / m->step;
	r = nearbyint(idx);
	if (fabs(idx - r) > 1e-6 || r < 0 || r >= (double)m->npoints) {
		sp_time_format(tb, sizeof tb, t);
		return sp_error_set(err, SP_ENET, "sample at %s is off the requested grid", tb);
	}
	if (sp_num_parse_field(vs, strlen(vs), &x) != 0) {
		if (strcmp(vs, "+Inf") && strcmp(vs, "-Inf") && strcmp(vs, "NaN") && strcmp(vs, "Inf"))
			return sp_error_set(err, SP_ENET, "sample value is not a number: '%.40s'", vs);
		x = NAN;
	}
	s->v[(size_t)r] = x;
	return 0;
}

static int merge(sp_prom_matrix *m, const char *body, size_t len, long status,
    const char *const *secrets, size_t nsecrets, sp_error *err);

int
sp_prom_merge(sp_prom_matrix *m, const char *body, size_t len, long status, sp_error *err)
{
	return merge(m, body, len, status, NULL, 0, err);
}

static int
merge(sp_prom_matrix *m, const char *body, size_t len, long status, const char *const *secrets,
    size_t nsecrets, sp_error *err)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je), *data, *res, *st;
	const char *rtype;
	size_t i, j;
	int rc = 0;

	m->gen++;
	if (!root || !json_is_object(root)) {
		json_decref(root);
		if (status != 200)
			return sp_error_set(err, SP_ENET, "HTTP %ld (not a Prometheus API answer)", status);
		rc = sp_error_set(err, SP_ENET, "answer is not JSON: %s", je.text);
		sp_redact_buf(err ? err->msg : NULL, err ? sizeof err->msg : 0, secrets, nsecrets);
		return rc;
	}
	st = json_object_get(root, "status");
	if (!json_is_string(st) || strcmp(json_string_value(st), "success") != 0) {
		json_t *et = json_object_get(root, "errorType"), *em = json_object_get(root, "error");
		const char *ems = json_is_string(em) ? json_string_value(em) : "no message";
		const char *ets = json_is_string(et) ? json_string_value(et) : "unknown";
		/* the server's own text: redacted whole, then cut by the message size */
		char *r1 = sp_redact(ems, strlen(ems), secrets, nsecrets);
		char *r2 = sp_redact(ets, strlen(ets), secrets, nsecrets);
		rc = sp_error_set(err, SP_ENET, "Prometheus error (HTTP %ld, %s): %s", status,
		    r2 ? r2 : SP_REDACT_MARK, r1 ? r1 : SP_REDACT_MARK);
		free(r1);
		free(r2);
		json_decref(root);
		return rc;
	}
	if (status != 200) {
		json_decref(root);
		return sp_error_set(err, SP_ENET, "HTTP %ld with a success answer", status);
	}
	data = json_object_get(root, "data");
	rtype = json_string_value(json_object_get(data, "resultType"));
	res = json_object_get(data, "result");
	if (!rtype || !res) {
		rc = sp_error_set(err, SP_ENET, "answer has no data.resultType/result");
	} else if (strcmp(rtype, "matrix") == 0 || strcmp(rtype, "vector") == 0) {
		int matrix = rtype[0] == 'm';
		if (!json_is_array(res)) {
			rc = sp_error_set(err, SP_ENET, "data.result is not an array");
			goto out;
		}
		for (i = 0; i < json_array_size(res); i++) {
			json_t *e = json_array_get(res, i), *metric = json_object_get(e, "metric");
			sp_prom_series *s;
			if (!json_is_object(metric)) {
				rc = sp_error_set(err, SP_ENET, "series %zu has no metric object", i);
				goto out;
			}
			if (!(s = find_series(m, metric, err))) {
				rc = err ? err->code : SP_ENOMEM;
				goto out;
			}
			if (matrix) {
				json_t *vals = json_object_get(e, "values");
				if (!vals && json_object_get(e, "histograms")) {
					rc = sp_error_set(err, SP_ENET, "native histogram series are not supported");
					goto out;
				}
				for (j = 0; j < json_array_size(vals); j++)
					if ((rc = put_point(m, s, json_array_get(vals, j), err)) < 0)
						goto out;
			} else {
				json_t *val = json_object_get(e, "value");
				if (!val) {
					rc = sp_error_set(err, SP_ENET, "native histogram samples are not supported");
					goto out;
				}
				if ((rc = put_point(m, s, val, err)) < 0)
					goto out;
			}
		}
	} else if (strcmp(rtype, "scalar") == 0) {
		json_t *empty = json_object();
		sp_prom_series *s = empty ? find_series(m, empty, err) : NULL;
		json_decref(empty);
		if (!s)
			rc = empty ? (err ? err->code : SP_ENOMEM) : sp_error_set(err, SP_ENOMEM, "out of memory");
		else
			rc = put_point(m, s, res, err);
	} else {
		rc = sp_error_set(err, SP_ENET, "result type '%s' is not supported", rtype);
	}
out:
	json_decref(root);
	return rc;
}

int
sp_prom_valid_metric(const char *s)
{
	const char *p;
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == ':'))
			return 0;
	return 1;
}

int
sp_prom_valid_label(const char *s)
{
	const char *p;
	if (!*s || (*s >= '0' && *s <= '9') || strncmp(s, "__", 2) == 0)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_'))
			return 0;
	return 1;
}

char *
sp_prom_escape_value(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *q = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' || *s == '"') {
			*q++ = '\\';
			*q++ = *s;
		} else if (*s == '\n') {
			*q++ = '\\';
			*q++ = 'n';
		} else {
			*q++ = *s;
		}
	}
	*q = '\0';
	return out;
}

/* ---- fetching ---- */

/* The URL of the instant query, or of the range query's points
 * i0 .. i0 + n - 1. */
static int
range_url(const sp_prom_matrix *m, const sp_prom_query *q, size_t i0, size_t n, char **url, sp_error *err)
{
	char *qesc, sb[40], eb[40], stb[40];
	size_t blen = strlen(q->url);
	int len;

	*url = NULL;
	while (blen > 0 && q->url[blen - 1] == '/')
		blen--;
	if (!(qesc = sp_http_escape(q->query)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if (q->instant) {
		sp_time_format(sb, sizeof sb, sp_prom_time(m, 0));
		len = asprintf(url, "%.*s/api/v1/query?query=%s&time=%s", (int)blen, q->url, qesc, sb);
	} else {
		sp_time_format(sb, sizeof sb, sp_prom_time(m, i0));
		sp_time_format(eb, sizeof eb, sp_prom_time(m, i0 + n - 1));
		sp_time_format(stb, sizeof stb, m->step);
		len = asprintf(url, "%.*s/api/v1/query_range?query=%s&start=%s&end=%s&step=%s",
		    (int)blen, q->url, qesc, sb, eb, stb);
	}
	free(qesc);
	if (len < 0) {
		*url = NULL;
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	return 1;
}

int
sp_prom_query_url(const sp_prom_matrix *m, const sp_prom_query *q, size_t k, char **url, sp_error *err)
{
	size_t mp = q->max_points ? q->max_points : SP_PROM_MAX_POINTS, i0 = k * mp;
	double cs, ce;

	*url = NULL;
	if (q->instant ? k > 0 : !sp_prom_chunk(m, q->max_points, k, &cs, &ce))
		return 0;
	return range_url(m, q, q->instant ? 0 : i0, q->instant ? 1 : (m->npoints - i0 < mp ? m->npoints - i0 : mp),
	    url, err);
}

/* An answer too large for one request: Prometheus' 422 "query processing
 * would load too many samples" (--query.max-samples: series x points), or
 * more bytes than --max-answer (sp_http's failure with resp->too_large). */
static int
too_large(int rc, const sp_http_resp *resp)
{
	static const char samples[] = "too many samples";

	if (rc < 0)
		return rc == SP_ENET && resp->too_large;
	return resp->status == 422 && resp->body &&
	    memmem(resp->body, resp->len, samples, sizeof samples - 1) != NULL;
}

int
sp_prom_fetch(sp_prom_matrix *m, const sp_prom_query *q, const sp_http_opts *ho, sp_error *err)
{
	sp_http_resp resp;
	char *url;
	size_t k, i0 = 0, pts = q->max_points ? q->max_points : SP_PROM_MAX_POINTS;
	int rc;

	/* chunks of pts points; an answer too large for its chunk (many
	 * series) halves pts and asks for the chunk again, down to one point */
	for (k = 0; i0 < m->npoints || (q->instant && k == 0); k++) {
		size_t n = q->instant ? 1 : m->npoints - i0 < pts ? m->npoints - i0 : pts;
		if ((rc = range_url(m, q, i0, n, &url, err)) < 0)
			return rc;
		sp_http_trace(ho, "GET %s", url);
		rc = sp_http_request(ho, "GET", url, NULL, NULL, 0, &resp, err);
		free(url);
		if (!q->instant && n > 1 && too_large(rc, &resp)) {
			if (rc == 0)
				sp_http_resp_free(&resp);
			pts = (n + 1) / 2;
			sp_http_trace(ho, "the answer for %zu points is too large: asking for %zu at a time", n, pts);
			continue;
		}
		if (rc < 0)
			return rc;
		sp_http_trace(ho, "HTTP %ld, %zu bytes", resp.status, resp.len);
		{
			const char *sec[3];
			size_t ns = sp_http_secrets(ho, sec);
			rc = merge(m, resp.body, resp.len, resp.status, sec, ns, err);
		}
		sp_http_resp_free(&resp);
		if (rc < 0)
			return rc;
		if (q->instant)
			break;
		i0 += n;
	}
	return 0;
}

/* ---- the matrix as CSV ---- */

typedef struct {
	char *name;
	size_t series;
} column;

static int
cmp_column(const void *a, const void *b)
{
	const column *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* Column name of series s from the --wide label list, or (key) its key
 * from the --by-labels list (malloc'd); NULL when out of memory.  *none:
 * the series has none of the labels. */
static char *
wide_name(const sp_prom_series *s, const char *labels, int key, int *none)
{
	char *list = strdup(labels), *tok, *save = NULL, *out = NULL;
	size_t size = 0;
	FILE *mf = list ? open_memstream(&out, &size) : NULL;
	int first = 1;

	*none = 1;
	if (!mf) {
		free(list);
		return NULL;
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *v = sp_prom_label(s, tok);
		if (v)
			*none = 0;
		if (!key) {
			fprintf(mf, "%s%s", first ? "" : "_", v ? v : "");
		} else {
			fprintf(mf, "%s%s=", first ? "" : ",", tok);
			for (; v && *v; v++)
				fprintf(mf, "%s%c", *v == '\\' || *v == ',' ? "\\" : "", *v);
		}
		first = 0;
	}
	free(list);
	if (fclose(mf) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void
free_columns(column *c, size_t n)
{
	size_t k;
	if (!c)
		return;
	for (k = 0; k < n; k++)
		free(c[k].name);
	free(c);
}

/* The columns of m's series, sorted by name and checked. */
static column *
make_columns(const sp_prom_matrix *m, const sp_prom_csv *o, sp_error *err)
{
	size_t ns = m->n, k;
	const char *labels = o->by ? o->by : o->wide, *opt = o->by ? "--by-labels" : "--wide";
	column *c;
	int none;

	if (ns == 0) {
		sp_error_set(err, SP_EDATA, "query returned no series in this range");
		return NULL;
	}
	if (ns > 1 && !labels) {
		sp_error_set(err, SP_EDATA, "query returned %zu series; aggregate them in the query or "
		    "name columns with --wide LABEL[,LABEL...]", ns);
		return NULL;
	}
	if (!(c = calloc(ns, sizeof *c)))
		goto nomem;
	for (k = 0; k < ns; k++) {
		c[k].series = k;
		none = 0;
		c[k].name = labels ? wide_name(&m->s[k], labels, o->by != NULL, &none) :
		    strdup(o->name ? o->name : "value");
		if (!c[k].name)
			goto nomem;
		if (none) {
			sp_error_set(err, SP_EDATA, "%s %s: a series has none of these labels", opt, labels);
			goto fail;
		}
		if (!o->by && strcmp(c[k].name, "timestamp") == 0) {
			sp_error_set(err, SP_EDATA, "--wide %s: a series gives the column name 'timestamp'", o->wide);
			goto fail;
		}
	}
	qsort(c, ns, sizeof *c, cmp_column);
	for (k = 1; k < ns; k++)
		if (strcmp(c[k].name, c[k - 1].name) == 0) {
			sp_error_set(err, SP_EDATA, "%s %s: two series give the %s '%s'; add labels",
			    opt, labels, o->by ? "key" : "column", c[k].name);
			goto fail;
		}
	return c;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	free_columns(c, ns);
	return NULL;
}

/* The long format: series by series (sorted by key), each in time order. */
static void
write_long(const sp_prom_matrix *m, const sp_prom_csv *o, const column *c, sp_csv_writer *w)
{
	size_t i, k;

	if (!o->no_header) {
		sp_csv_write_str(w, "timestamp");
		sp_csv_write_str(w, "series");
		sp_csv_write_str(w, o->name ? o->name : "value");
		sp_csv_end_row(w);
	}
	for (k = 0; k < m->n; k++)
		for (i = 0; i < m->npoints; i++) {
			double v = m->s[c[k].series].v[i];
			if (o->shard_n && sp_prom_shard(c[k].name, strlen(c[k].name)) % o->shard_n != o->shard_i)
				break;
			if (i == 0 && o->keep && !o->keep(o->keep_ctx, c[k].name, strlen(c[k].name)))
				break;
			if (isnan(v) && o->null == SP_PROM_NULL_SKIP)
				continue;
			sp_csv_write_time(w, sp_prom_time(m, i));
			sp_csv_write_str(w, c[k].name);
			sp_csv_write_double(w, isnan(v) && o->null == SP_PROM_NULL_ZERO ? 0 : v);
			sp_csv_end_row(w);
		}
}

int
sp_prom_write_csv(const sp_prom_matrix *m, const sp_prom_csv *o, sp_csv_writer *w, sp_error *err)
{
	size_t ns = m->n, np = m->npoints, i, k;
	column *c = make_columns(m, o, err);

	if (!c)
		return err ? err->code : SP_EDATA;
	if (o->null == SP_PROM_NULL_ERROR)
		for (i = 0; i < np; i++)
			for (k = 0; k < ns; k++)
				if (isnan(m->s[c[k].series].v[i])) {
					char tb[40];
					sp_time_format(tb, sizeof tb, sp_prom_time(m, i));
					sp_error_set(err, SP_EDATA, "no value for %s at %s (choose --null skip, "
					    "zero or empty)", c[k].name, tb);
					free_columns(c, ns);
					return SP_EDATA;
				}
	if (o->by) {
		write_long(m, o, c, w);
		free_columns(c, ns);
		return SP_OK;
	}
	sp_csv_write_str(w, "timestamp");
	for (k = 0; k < ns; k++)
		sp_csv_write_str(w, c[k].name);
	sp_csv_end_row(w);
	for (i = 0; i < np; i++) {
		int miss = 0;
		for (k = 0; k < ns; k++)
			miss |= isnan(m->s[c[k].series].v[i]);
		if (miss && o->null == SP_PROM_NULL_SKIP)
			continue;
		sp_csv_write_time(w, sp_prom_time(m, i));
		for (k = 0; k < ns; k++) {
			double v = m->s[c[k].series].v[i];
			sp_csv_write_double(w, isnan(v) && o->null == SP_PROM_NULL_ZERO ? 0 : v);
		}
		sp_csv_end_row(w);
	}
	free_columns(c, ns);
	return SP_OK;
}

/* ---- keys of the long format ---- */

unsigned long long
sp_prom_shard(const char *key, size_t len)
{
	unsigned long long h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int
sp_prom_key_next(const char *key, size_t len, size_t *pos, const char **name, size_t *nlen, char *val,
    size_t *vlen, sp_error *err)
{
	size_t i = *pos, o = 0;

	if (i > len || (i == 0 && !memchr(key, '=', len)))
		return 0;
	*name = key + i;
	while (i < len && key[i] != '=' && key[i] != ',' && key[i] != '\\')
		i++;
	if (i == len || key[i] != '=')
		return sp_error_set(err, SP_EDATA, "not label=value pairs joined by ',' (promfetch --by-labels)");
	*nlen = (size_t)(key + i - *name);
	for (i++; i < len && key[i] != ','; i++) {
		if (key[i] == '\\' && i + 1 < len)
			i++;
		val[o++] = key[i];
	}
	val[o] = '\0';
	*vlen = o;
	*pos = i + 1;  /* past the ',' (or the end) */
	return 1;
}

int
sp_prom_key_label(const char *key, size_t len, const char *name, char *out, size_t size, sp_error *err)
{
	size_t pos = 0, nl = strlen(name), ln, vl;
	const char *l;
	char *val = malloc(len + 1);
	int rc, found = 0;

	if (!val)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	while ((rc = sp_prom_key_next(key, len, &pos, &l, &ln, val, &vl, err)) == 1) {
		if (found || ln != nl || memcmp(l, name, nl) != 0)
			continue;
		if (vl + 1 > size) {
			rc = sp_error_set(err, SP_EDATA, "label '%s': value longer than %zu bytes", name, size - 1);
			break;
		}
		memcpy(out, val, vl + 1);
		found = 1;
	}
	free(val);
	return rc < 0 ? rc : found;
}
