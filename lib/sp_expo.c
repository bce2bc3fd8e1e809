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
	double last;        /* the last row's value, NaN if missing */
	double *v;          /* every row's (history) */
} gauge;

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
	double *ts;         /* row times (history) */
	size_t nrows, cap;
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
		free(x->g[k].v);
	}
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
	free(x->ts);
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
	double t;
	size_t k;
	int rc;

	if ((rc = sp_csv_get_timestamp(r, &t, err)) < 0)
		return rc;
	for (k = 0; k < x->ng; k++)
		if ((rc = get_value(&x->g[k], r, &x->g[k].last, err)) < 0)
			return rc;
	if (x->history) {
		if (x->nrows == x->cap) {
			size_t cap = x->cap ? 2 * x->cap : 1024;
			double *ts = realloc(x->ts, cap * sizeof *ts);
			if (!ts)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			x->ts = ts;
			for (k = 0; k < x->ng; k++) {
				double *v = realloc(x->g[k].v, cap * sizeof *v);
				if (!v)
					return sp_error_set(err, SP_ENOMEM, "out of memory");
				x->g[k].v = v;
			}
			x->cap = cap;
		}
		x->ts[x->nrows] = t;
		for (k = 0; k < x->ng; k++)
			x->g[k].v[x->nrows] = x->g[k].last;
	}
	x->nrows++;
	return SP_OK;
}

size_t
sp_expo_nrows(const sp_expo *x)
{
	return x->nrows;
}

/* ---- output ---- */

static void
fmt_value(char *buf, size_t size, double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.17g", v);
}

/* {a="x",b="y"} of the labels, or "" (malloc'd). */
static char *
label_set(const sp_expo *x)
{
	char *out = NULL;
	size_t size = 0, i;
	FILE *mf = open_memstream(&out, &size);
	int bad = !mf;

	for (i = 0; i < x->nlab && !bad; i++) {
		char *e = sp_prom_escape_value(x->lab[i].value);
		bad = !e;
		if (e)
			fprintf(mf, "%s%s=\"%s\"", i ? "," : "{", x->lab[i].name, e);
		free(e);
	}
	if (mf && x->nlab)
		fputs("}", mf);
	if (mf && fclose(mf) != 0)
		bad = 1;
	if (bad) {
		free(out);
		return NULL;
	}
	return out;
}

char *
sp_expo_text(const sp_expo *x, size_t *len, sp_error *err)
{
	char *labels = label_set(x), *buf = NULL, vb[64];
	size_t size = 0, k;
	FILE *mf = labels ? open_memstream(&buf, &size) : NULL;

	if (!mf) {
		free(labels);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	for (k = 0; k < x->ng; k++) {
		const gauge *g = &x->g[k];
		if (isnan(g->last))
			continue;
		fmt_value(vb, sizeof vb, g->last);
		fprintf(mf, "# HELP %s %s\n# TYPE %s gauge\n%s%s %s\n", g->metric, g->help, g->metric,
		    g->metric, labels, vb);
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
	size_t k, i;

	if (!labels)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (k = 0; k < x->ng; k++) {
		const gauge *g = &x->g[k];
		fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", g->metric, g->help, g->metric);
		for (i = 0; i < x->nrows && g->v; i++) {
			if (isnan(g->v[i]))
				continue;
			fmt_value(vb, sizeof vb, g->v[i]);
			sp_time_format(tb, sizeof tb, x->ts[i]);
			fprintf(fp, "%s%s %s %s\n", g->metric, labels, vb, tb);
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
