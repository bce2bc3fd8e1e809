/* sp_expo: gauges in the Prometheus text and OpenMetrics formats, the
 * Pushgateway push (see sp_expo.h). */
#include "sp_expo.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sp_burst.h"
#include "sp_file.h"
#include "sp_keyed.h"
#include "sp_prom.h"
#include "sp_time.h"

static const struct {
	const char *col, *metric, *help;
	int anomaly;        /* 1 score, 2 flag (anomaly's output; renamed by sp_expo_anomaly_cols) */
} known[] = {
	{ "forecast", "scalepipe_forecast_load", "Forecast load for the row's time", 0 },
	{ "lower", "scalepipe_forecast_load_lower", "Lower end of the forecast interval", 0 },
	{ "upper", "scalepipe_forecast_load_upper", "Upper end of the forecast interval", 0 },
	{ "demand", "scalepipe_demand_load", "Load to provision for (burstdetect)", 0 },
	{ "state", "scalepipe_burst_state", "Burst state: 0 normal, 1 burst, 2 spike", 0 },
	{ "replicas", "scalepipe_planned_replicas", "Replicas planned by scalepipe", 0 },
	{ "anomaly_score", "scalepipe_anomaly_score", "Isolation Forest anomaly score, 0 to 1 (anomaly)", 1 },
	{ "anomaly", "scalepipe_anomaly", "Anomaly flag: 1 anomalous, 0 not (anomaly)", 2 },
};
#define NKNOWN (sizeof known / sizeof known[0])

typedef struct {
	char *col, *metric;
	const char *help;
	int idx;            /* column in the reader */
	int state;          /* the column holds burst state names */
} gauge;

/* The values of one series (the input, or one key's rows): per gauge the
 * last row's (NaN if missing) and every row's (history), the row times. */
typedef struct {
	char *labels;       /* keyed: the label set {..} with the key's labels */
	double last[SP_EXPO_MAX_GAUGES];
	double *v[SP_EXPO_MAX_GAUGES];
	double *ts;
	size_t nrows, cap;
	double prev;        /* keyed: the key's last time */
} series;

typedef struct {
	char *name, *value;
} label;

struct sp_expo {
	gauge g[SP_EXPO_MAX_GAUGES];
	size_t ng;
	label lab[SP_EXPO_MAX_LABELS], grp[SP_EXPO_MAX_LABELS];
	size_t nlab, ngrp;
	char *acol[2];      /* columns named for the anomaly score and flag, or NULL */
	int history;
	series one;         /* without a key column */
	sp_keyed *keys;     /* with one (sp_expo_key_col): key -> series */
	char *keyname;      /* the key column's name */
	int keycol;
	size_t nrows;       /* rows read, all keys */
};

sp_expo *
sp_expo_new(void)
{
	return calloc(1, sizeof(sp_expo));
}

void
sp_expo_free(sp_expo *x)
{
	size_t k;

	if (!x)
		return;
	for (k = 0; k < x->ng; k++) {
		free(x->g[k].col);
		free(x->g[k].metric);
		free(x->one.v[k]);
	}
	free(x->one.ts);
	sp_keyed_free(x->keys);
	free(x->keyname);
	for (k = 0; k < x->nlab; k++) {
		free(x->lab[k].name);
		free(x->lab[k].value);
	}
	for (k = 0; k < x->ngrp; k++) {
		free(x->grp[k].name);
		free(x->grp[k].value);
	}
	free(x->acol[0]);
	free(x->acol[1]);
	free(x);
}

/* ---- labels ---- */

int
sp_expo_check_kv(const char *kv, sp_error *err)
{
	const char *eq = strchr(kv, '=');
	char *name;
	int ok;

	if (!eq)
		return sp_error_set(err, SP_EUSAGE, "not K=V: '%s'", kv);
	if (!(name = strndup(kv, (size_t)(eq - kv))))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	ok = sp_prom_valid_label(name);
	if (!ok)
		sp_error_set(err, SP_EUSAGE, "not a valid label name: '%s'", name);
	free(name);
	return ok ? SP_OK : SP_EUSAGE;
}

static int
put_label(label *l, size_t *n, const char *name, size_t nlen, const char *value, const char *what,
    sp_error *err)
{
	if (*n >= SP_EXPO_MAX_LABELS)
		return sp_error_set(err, SP_EUSAGE, "too many %s", what);
	l[*n].name = strndup(name, nlen);
	l[*n].value = strdup(value);
	(*n)++;
	if (!l[*n - 1].name || !l[*n - 1].value)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	return SP_OK;
}

/* namespace, target, then the K=V list into l. */
static int
put_labels(label *l, size_t *n, const char *ns, const char *target, const char *const *kv, size_t nkv,
    const char *what, sp_error *err)
{
	size_t i;
	int rc;

	if (ns && (rc = put_label(l, n, "namespace", 9, ns, what, err)) < 0)
		return rc;
	if (target && (rc = put_label(l, n, "target", 6, target, what, err)) < 0)
		return rc;
	for (i = 0; i < nkv; i++) {
		const char *eq = strchr(kv[i], '=');
		if (!eq)
			return sp_error_set(err, SP_EUSAGE, "not K=V: '%s'", kv[i]);
		if ((rc = put_label(l, n, kv[i], (size_t)(eq - kv[i]), eq + 1, what, err)) < 0)
			return rc;
	}
	return SP_OK;
}

int
sp_expo_set_labels(sp_expo *x, const sp_expo_labels *l, sp_error *err)
{
	size_t i, j;
	int rc;

	if ((rc = put_labels(x->lab, &x->nlab, l->ns, l->target, l->labels, l->nlabels, "labels", err)) < 0 ||
	    (rc = put_labels(x->grp, &x->ngrp, l->ns, l->target, l->grouping, l->ngrouping,
	    "grouping labels", err)) < 0)
		return rc;
	for (i = 0; i < x->nlab; i++) {
		if (!sp_prom_valid_label(x->lab[i].name))
			return sp_error_set(err, SP_EUSAGE, "not a valid label name: '%s'", x->lab[i].name);
		for (j = 0; j < i; j++)
			if (strcmp(x->lab[i].name, x->lab[j].name) == 0)
				return sp_error_set(err, SP_EUSAGE, "label '%s' given twice", x->lab[i].name);
	}
	for (i = 0; i < x->ngrp; i++)
		if (!sp_prom_valid_label(x->grp[i].name))
			return sp_error_set(err, SP_EUSAGE, "not a valid label name: '%s'", x->grp[i].name);
	return SP_OK;
}

/* ---- gauges ---- */

int
sp_expo_gauge(sp_expo *x, const char *col, const char *metric, sp_error *err)
{
	gauge *g;
	size_t k;

	if (x->ng >= SP_EXPO_MAX_GAUGES)
		return sp_error_set(err, SP_EUSAGE, "--columns: at most %d", SP_EXPO_MAX_GAUGES);
	g = &x->g[x->ng++];
	memset(g, 0, sizeof *g);
	g->help = "Exported by scalepipe promexport";
	g->state = strcmp(col, "state") == 0;
	for (k = 0; k < NKNOWN; k++)
		if (strcmp(col, known[k].col) == 0) {
			g->help = known[k].help;
			if (!metric)
				metric = known[k].metric;
		}
	for (k = 0; k < NKNOWN; k++)
		if (strcmp(metric ? metric : "", known[k].metric) == 0)
			g->help = known[k].help;
	g->col = strdup(col);
	if (metric)
		g->metric = strdup(metric);
	else if (asprintf(&g->metric, "scalepipe_%s", col) < 0)
		g->metric = NULL;
	if (!g->col || !g->metric)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if (!sp_prom_valid_metric(g->metric))
		return sp_error_set(err, SP_EUSAGE, "--columns: not a valid metric name: '%s'", g->metric);
	return SP_OK;
}

int
sp_expo_columns(sp_expo *x, const char *list, sp_error *err)
{
	char *copy, *tok, *save = NULL;
	int rc = SP_OK;

	if (!*list || list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
		return sp_error_set(err, SP_EUSAGE, "--columns: not a list of COL or COL=METRIC: '%s'", list);
	if (!(copy = strdup(list)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && rc == SP_OK; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		if (!*tok || (eq && !eq[1]))
			rc = sp_error_set(err, SP_EUSAGE, "--columns: not COL or COL=METRIC: '%s'", list);
		else
			rc = sp_expo_gauge(x, tok, eq ? eq + 1 : NULL, err);
	}
	free(copy);
	if (rc == SP_OK && x->ng == 0)
		rc = sp_error_set(err, SP_EUSAGE, "--columns: empty");
	return rc;
}

size_t
sp_expo_ngauges(const sp_expo *x)
{
	return x->ng;
}

const char *
sp_expo_metric(const sp_expo *x, size_t k)
{
	return k < x->ng ? x->g[k].metric : NULL;
}

int
sp_expo_anomaly_cols(sp_expo *x, const char *score, const char *flag, sp_error *err)
{
	const char *c[2] = { score, flag }, *opt[2] = { "--anomaly-score-col", "--anomaly-col" };
	int i;

	for (i = 0; i < 2; i++) {
		if (!c[i])
			continue;
		if (!*c[i])
			return sp_error_set(err, SP_EUSAGE, "%s: empty", opt[i]);
		free(x->acol[i]);
		if (!(x->acol[i] = strdup(c[i])))
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	return SP_OK;
}

/* ---- rows ---- */

int
sp_expo_bind(sp_expo *x, const sp_csv_reader *r, int history, sp_error *err)
{
	size_t k, j;
	int rc;

	if (x->ng == 0) {
		/* the known columns present; those named by sp_expo_anomaly_cols come below */
		for (k = 0; k < NKNOWN; k++)
			if ((!known[k].anomaly || !x->acol[known[k].anomaly - 1]) &&
			    sp_csv_col_index(r, known[k].col) >= 0 && (rc = sp_expo_gauge(x, known[k].col, NULL, err)) < 0)
				return rc;
		if (x->ng == 0 && !x->acol[0] && !x->acol[1])
			return sp_error_set(err, SP_EDATA, "no column to export (none of forecast, lower, upper, "
			    "demand, state, replicas, anomaly_score, anomaly); choose with -c");
	}
	for (k = 0; k < NKNOWN; k++)
		if (known[k].anomaly && x->acol[known[k].anomaly - 1] &&
		    (rc = sp_expo_gauge(x, x->acol[known[k].anomaly - 1], known[k].metric, err)) < 0)
			return rc;
	for (k = 0; k < x->ng; k++) {
		if ((x->g[k].idx = sp_csv_pick_col(r, x->g[k].col, err)) < 0)
			return err ? err->code : SP_EUSAGE;
		if (x->g[k].idx == 0)
			return sp_error_set(err, SP_EUSAGE, "--columns: the timestamp is not a value to export");
		for (j = 0; j < k; j++)
			if (strcmp(x->g[k].metric, x->g[j].metric) == 0)
				return sp_error_set(err, SP_EUSAGE, "metric '%s' named twice", x->g[k].metric);
	}
	x->history = history;
	return SP_OK;
}

/* Gauge g's value in the current row: 0, 1 missing, < 0 error. */
static int
get_value(const gauge *g, sp_csv_reader *r, double *v, sp_error *err)
{
	size_t n;
	const char *s;
	int st;

	if (!g->state)
		return sp_csv_get_double(r, (size_t)g->idx, v, err);
	s = sp_csv_field(r, (size_t)g->idx, &n);
	if (n == 0) {
		*v = NAN;
		return 1;
	}
	if ((st = sp_burst_state_parse(s, n)) < 0)
		return sp_csv_error(r, g->idx, err, SP_EDATA, "state must be normal, burst or spike: '%.*s'",
		    (int)n, s);
	*v = st;
	return 0;
}

int
sp_expo_read(sp_expo *x, sp_csv_reader *r, sp_error *err)
{
	series *s = &x->one;
	double t;
	size_t k;
	int rc;

	if ((rc = sp_csv_get_timestamp(r, &t, err)) < 0)
		return rc;
	if (x->keys) {
		if (!(s = sp_keyed_row(x->keys, r, (size_t)x->keycol, err)))
			return err ? err->code : SP_EDATA;
		if ((rc = sp_keyed_order(r, (size_t)x->keycol, &s->prev, t, 0, err)) < 0)
			return rc;
	}
	for (k = 0; k < x->ng; k++)
		if ((rc = get_value(&x->g[k], r, &s->last[k], err)) < 0)
			return rc;
	if (x->history) {
		if (s->nrows == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : (x->keys ? 64 : 1024);
			double *ts = realloc(s->ts, cap * sizeof *ts);
			if (!ts)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			s->ts = ts;
			for (k = 0; k < x->ng; k++) {
				double *v = realloc(s->v[k], cap * sizeof *v);
				if (!v)
					return sp_error_set(err, SP_ENOMEM, "out of memory");
				s->v[k] = v;
			}
			s->cap = cap;
		}
		s->ts[s->nrows] = t;
		for (k = 0; k < x->ng; k++)
			s->v[k][s->nrows] = s->last[k];
	}
	s->nrows++;
	x->nrows++;
	return SP_OK;
}

size_t
sp_expo_nrows(const sp_expo *x)
{
	return x->nrows;
}

/* ---- output ---- */

static char *label_set_with(const sp_expo *x, const label *extra, size_t n);

static void
fmt_value(char *buf, size_t size, double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.17g", v);
}

/* {a="x",b="y"} of the labels, or "" (malloc'd); extra (may be NULL):
 * more labels after them, n of them. */
static char *
label_set_with(const sp_expo *x, const label *extra, size_t n)
{
	char *out = NULL;
	size_t size = 0, i;
	FILE *mf = open_memstream(&out, &size);
	int bad = !mf;

	for (i = 0; i < x->nlab + n && !bad; i++) {
		const label *l = i < x->nlab ? &x->lab[i] : &extra[i - x->nlab];
		char *e = sp_prom_escape_value(l->value);
		bad = !e;
		if (e)
			fprintf(mf, "%s%s=\"%s\"", i ? "," : "{", l->name, e);
		free(e);
	}
	if (mf && x->nlab + n)
		fputs("}", mf);
	if (mf && fclose(mf) != 0)
		bad = 1;
	if (bad) {
		free(out);
		return NULL;
	}
	return out;
}

static char *
label_set(const sp_expo *x)
{
	return label_set_with(x, NULL, 0);
}

/* The series: the one, or each key's in the order the keys came. */
static size_t
nseries(const sp_expo *x)
{
	return x->keys ? sp_keyed_count(x->keys) : 1;
}

static const series *
get_series(const sp_expo *x, size_t i)
{
	return x->keys ? sp_keyed_state(x->keys, i) : &x->one;
}

char *
sp_expo_text(const sp_expo *x, size_t *len, sp_error *err)
{
	char *labels = label_set(x), *buf = NULL, vb[64];
	size_t size = 0, k, i;
	FILE *mf = labels ? open_memstream(&buf, &size) : NULL;

	if (!mf) {
		free(labels);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	for (k = 0; k < x->ng; k++) {
		const gauge *g = &x->g[k];
		int head = 0;
		for (i = 0; i < nseries(x); i++) {
			const series *s = get_series(x, i);
			if (isnan(s->last[k]))
				continue;
			if (!head++)
				fprintf(mf, "# HELP %s %s\n# TYPE %s gauge\n", g->metric, g->help, g->metric);
			fmt_value(vb, sizeof vb, s->last[k]);
			fprintf(mf, "%s%s %s\n", g->metric, x->keys ? s->labels : labels, vb);
		}
	}
	free(labels);
	if (fclose(mf) != 0) {
		free(buf);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	if (size == 0) {
		free(buf);
		sp_error_set(err, SP_EDATA, "the last row has no value in any exported column");
		return NULL;
	}
	*len = size;
	return buf;
}

static int
write_openmetrics(const sp_expo *x, FILE *fp, sp_error *err)
{
	char *labels = label_set(x), vb[64], tb[40];
	size_t k, i, j;

	if (!labels)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (k = 0; k < x->ng; k++) {
		const gauge *g = &x->g[k];
		fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", g->metric, g->help, g->metric);
		for (j = 0; j < nseries(x); j++) {
			const series *s = get_series(x, j);
			for (i = 0; i < s->nrows && s->v[k]; i++) {
				if (isnan(s->v[k][i]))
					continue;
				fmt_value(vb, sizeof vb, s->v[k][i]);
				sp_time_format(tb, sizeof tb, s->ts[i]);
				fprintf(fp, "%s%s %s %s\n", g->metric, x->keys ? s->labels : labels, vb, tb);
			}
		}
	}
	fputs("# EOF\n", fp);
	free(labels);
	return SP_OK;
}

int
sp_expo_write(const sp_expo *x, int format, FILE *fp, sp_error *err)
{
	char *body;
	size_t len;

	if (format == SP_EXPO_OPENMETRICS)
		return write_openmetrics(x, fp, err);
	if (!(body = sp_expo_text(x, &len, err)))
		return err ? err->code : SP_EDATA;
	fwrite(body, 1, len, fp);
	free(body);
	return SP_OK;
}

int
sp_expo_save(const sp_expo *x, int format, const char *path, sp_error *err)
{
	char *body = NULL;
	size_t len = 0;
	sp_file *f;
	int rc, e;

	if (format == SP_EXPO_TEXT && !(body = sp_expo_text(x, &len, err)))
		return err ? err->code : SP_EDATA;
	if (!(f = sp_file_create(path, SP_FILE_PUBLIC, err))) {
		free(body);
		return err ? err->code : SP_EIO;
	}
	if (fchmod(fileno(sp_file_stream(f)), 0644) < 0) {
		e = errno;
		sp_file_abort(f);
		free(body);
		return sp_error_set(err, SP_EIO, "%s: cannot create: %s", path, strerror(e));
	}
	if (body)
		fwrite(body, 1, len, sp_file_stream(f));
	else if ((rc = write_openmetrics(x, sp_file_stream(f), err)) < 0) {
		sp_file_abort(f);
		return rc;
	}
	free(body);
	return sp_file_commit(f, err);
}

/* ---- the Pushgateway ---- */

static void
put_base64url(FILE *mf, const char *value)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value), j;

	for (j = 0; j < n; j += 3) {
		unsigned v = (unsigned)s[j] << 16 | (j + 1 < n ? (unsigned)s[j + 1] << 8 : 0) |
		    (j + 2 < n ? s[j + 2] : 0);
		fputc(b64[v >> 18 & 63], mf);
		fputc(b64[v >> 12 & 63], mf);
		fputc(j + 1 < n ? b64[v >> 6 & 63] : '=', mf);
		fputc(j + 2 < n ? b64[v & 63] : '=', mf);
	}
	if (n == 0)
		fputc('=', mf);
}

char *
sp_expo_push_url(const sp_expo *x, const char *base, const char *job)
{
	char *url = NULL, *e;
	size_t size = 0, blen = strlen(base), i;
	FILE *mf = open_memstream(&url, &size);
	int bad = !mf;

	if (bad)
		return NULL;
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (!(e = sp_http_escape(job)))
		bad = 1;
	else
		fprintf(mf, "%.*s/metrics/job/%s", (int)blen, base, e);
	free(e);
	for (i = 0; i < x->ngrp && !bad; i++) {
		const label *g = &x->grp[i];
		if (!*g->value || strchr(g->value, '/')) {
			fprintf(mf, "/%s@base64/", g->name);
			put_base64url(mf, g->value);
		} else if ((e = sp_http_escape(g->value))) {
			fprintf(mf, "/%s/%s", g->name, e);
			free(e);
		} else {
			bad = 1;
		}
	}
	if (fclose(mf) != 0 || bad) {
		free(url);
		return NULL;
	}
	return url;
}

int
sp_expo_push(const sp_expo *x, const char *base, const char *job, int add, const sp_http_opts *ho,
    sp_error *err)
{
	const char *method = add ? "POST" : "PUT";
	char *body, *url;
	size_t len;
	sp_http_resp resp;
	int rc;

	if (!(body = sp_expo_text(x, &len, err)))
		return err ? err->code : SP_EDATA;
	if (!(url = sp_expo_push_url(x, base, job))) {
		free(body);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	sp_http_trace(ho, "%s %s\n%s", method, url, body);
	rc = sp_http_request(ho, method, url, "text/plain; version=0.0.4", body, len, &resp, err);
	free(body);
	if (rc == SP_OK) {
		if (resp.status < 200 || resp.status > 299) {
			char msg[300];
			snprintf(msg, sizeof msg, "%.250s", resp.body ? resp.body : "");
			msg[strcspn(msg, "\r\n")] = '\0';
			rc = sp_error_set(err, SP_ENET, "%s %s: HTTP %ld%s%s", method, url, resp.status,
			    *msg ? ": " : "", msg);
		} else {
			sp_http_trace(ho, "HTTP %ld", resp.status);
		}
		sp_http_resp_free(&resp);
	}
	free(url);
	return rc;
}

/* ---- keys (sp_expo_key_col) ---- */

/* The labels of a key: "l1=v1,l2=v2" with '\' escaping the next byte
 * (promfetch --by-labels), or, with no '=' in it, keyname=key.  Into l[*n]
 * (after the n already there), checked; SP_EDATA naming the problem. */
static int
key_labels(const sp_expo *x, const char *key, size_t len, label *l, size_t *n, sp_error *err)
{
	size_t pos = 0, j, base = *n, nlen, vlen;
	const char *name;
	char *val;
	int rc;

	if (!memchr(key, '=', len))
		return put_label(l, n, x->keyname, strlen(x->keyname), key, "labels with the key's", err);
	if (!(val = malloc(len + 1)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	while ((rc = sp_prom_key_next(key, len, &pos, &name, &nlen, val, &vlen, err)) == 1) {
		if ((rc = put_label(l, n, name, nlen, val, "labels with the key's", err)) < 0)
			break;
		if (!sp_prom_valid_label(l[*n - 1].name)) {
			rc = sp_error_set(err, SP_EDATA, "not a valid label name: '%s'", l[*n - 1].name);
			break;
		}
	}
	free(val);
	for (j = base; j < *n && rc == SP_OK; j++) {
		size_t m;
		for (m = 0; m < x->nlab && rc == SP_OK; m++)
			if (strcmp(l[j].name, x->lab[m].name) == 0)
				rc = sp_error_set(err, SP_EDATA, "label '%s' is also given by the options "
				    "(--namespace, --target, --label)", l[j].name);
		for (m = base; m < j && rc == SP_OK; m++)
			if (strcmp(l[j].name, l[m].name) == 0)
				rc = sp_error_set(err, SP_EDATA, "label '%s' given twice", l[j].name);
	}
	return rc;
}

static void
series_free(void *ctx, void *p)
{
	const sp_expo *x = ctx;
	series *s = p;
	size_t k;

	for (k = 0; k < x->ng; k++)
		free(s->v[k]);
	free(s->ts);
	free(s->labels);
	free(s);
}

static void *
series_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const sp_expo *x = ctx;
	label l[SP_EXPO_MAX_LABELS];
	size_t n = 0, k;
	series *s = calloc(1, sizeof *s);
	int rc;

	if (!s) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	s->prev = NAN;
	memset(l, 0, sizeof l);
	if ((rc = key_labels(x, key, len, l, &n, err)) == SP_OK && x->nlab + n > SP_EXPO_MAX_LABELS)
		rc = sp_error_set(err, SP_EDATA, "more than %d labels with the options'", SP_EXPO_MAX_LABELS);
	if (rc == SP_OK && !(s->labels = label_set_with(x, l, n)))
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
	for (k = 0; k < n; k++) {
		free(l[k].name);
		free(l[k].value);
	}
	if (rc < 0) {
		series_free(ctx, s);
		return NULL;
	}
	return s;
}

int
sp_expo_key_col(sp_expo *x, const sp_csv_reader *r, const char *name, sp_error *err)
{
	size_t k;

	if ((x->keycol = sp_csv_pick_col(r, name, err)) < 0)
		return err ? err->code : SP_EUSAGE;
	if (x->keycol == 0)
		return sp_error_set(err, SP_EUSAGE, "--by: 'timestamp' is not a key column");
	for (k = 0; k < x->ng; k++)
		if (x->g[k].idx == x->keycol)
			return sp_error_set(err, SP_EUSAGE, "--by: '%s' is exported as a value too", name);
	if (!(x->keyname = strdup(name)) || !(x->keys = sp_keyed_new(series_new, series_free, x)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	return SP_OK;
}
