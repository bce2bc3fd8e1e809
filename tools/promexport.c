/* promexport: publish forecast and plan columns as Prometheus gauges. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sp_cli.h"
#include "sp_cli_http.h"
#include "sp_csv.h"
#include "sp_http.h"
#include "sp_prom.h"
#include "sp_time.h"

static const char synopsis[] =
    "promexport [-c COL[=METRIC],...] [--namespace NS] [--target NAME] [--label K=V]...\n"
    "       (--pushgateway URL [--job JOB] [--grouping K=V]... [--add] | --textfile FILE |\n"
    "        --backfill FILE) [options] [FILE]";

#define MAXM 32
#define MAXL 16

static const struct { const char *col, *metric, *help; } known[] = {
	{ "forecast", "scalepipe_forecast_load", "Forecast load for the row's time" },
	{ "lower", "scalepipe_forecast_load_lower", "Lower end of the forecast interval" },
	{ "upper", "scalepipe_forecast_load_upper", "Upper end of the forecast interval" },
	{ "demand", "scalepipe_demand_load", "Load to provision for (burstdetect)" },
	{ "state", "scalepipe_burst_state", "Burst state: 0 normal, 1 burst, 2 spike" },
	{ "replicas", "scalepipe_planned_replicas", "Replicas planned by scalepipe" },
};
#define NKNOWN (sizeof known / sizeof known[0])

typedef struct {
	char *col, *metric;
	const char *help;
	int idx;
	double *v;      /* values per row (backfill) */
} metric;

static metric m[MAXM];
static int nm;
static char *lname[MAXL], *lval[MAXL], *gname[MAXL], *gval[MAXL];
static int nl, ng;
static int verbose;

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Publishes columns of the last input row (or of every row, --backfill) as\n"
	    "Prometheus gauges, for KEDA, HPA external metrics and Grafana.\n\n"
	    "  -c, --columns LIST        COL or COL=METRIC, comma-separated [those of forecast,\n"
	    "                            lower, upper, demand, state, replicas present]\n"
	    "      --namespace NS        label namespace=NS (and grouping key)\n"
	    "      --target NAME         label target=NAME (and grouping key)\n"
	    "      --label K=V           extra label on every metric (repeatable)\n"
	    "      --pushgateway URL     push to this Pushgateway\n"
	    "      --job JOB             Pushgateway job [scalepipe]\n"
	    "      --grouping K=V        extra grouping key label (repeatable)\n"
	    "      --add                 POST: replace only the metrics pushed (default PUT:\n"
	    "                            replace the whole group)\n"
	    "      --textfile FILE       write node_exporter textfile FILE atomically ('-': stdout)\n"
	    "      --backfill FILE       every row, OpenMetrics with timestamps, for promtool tsdb\n"
	    "                            create-blocks-from openmetrics ('-': stdout)\n"
	    SP_CLI_HTTP_RETRY_HELP SP_CLI_HTTP_AUTH_HELP
	    "  -v, --verbose             what is pushed, on stderr\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", synopsis);
	exit(0);
}

static void
add_kv(const char *opt, const char *arg, char **names, char **vals, int *n)
{
	const char *eq = strchr(arg, '=');
	if (*n >= MAXL)
		sp_die_usage("%s: at most %d", opt, MAXL);
	if (!eq)
		sp_die_usage("%s: not K=V: '%s'", opt, arg);
	names[*n] = strndup(arg, (size_t)(eq - arg));
	vals[*n] = strdup(eq + 1);
	if (!names[*n] || !vals[*n])
		sp_die("out of memory");
	if (!sp_prom_valid_label(names[*n]))
		sp_die_usage("%s: not a valid label name: '%s'", opt, names[*n]);
	(*n)++;
}

static void
add_metric(const char *col, const char *metric_name)
{
	size_t k;
	if (nm >= MAXM)
		sp_die_usage("--columns: at most %d", MAXM);
	m[nm].col = strdup(col);
	m[nm].help = "Exported by scalepipe promexport";
	for (k = 0; k < NKNOWN; k++)
		if (strcmp(col, known[k].col) == 0) {
			m[nm].help = known[k].help;
			if (!metric_name)
				metric_name = known[k].metric;
		}
	if (metric_name) {
		m[nm].metric = strdup(metric_name);
	} else if ((m[nm].metric = malloc(strlen(col) + 12))) {
		sprintf(m[nm].metric, "scalepipe_%s", col);
	}
	if (!m[nm].col || !m[nm].metric)
		sp_die("out of memory");
	if (!sp_prom_valid_metric(m[nm].metric))
		sp_die_usage("--columns: not a valid metric name: '%s'", m[nm].metric);
	nm++;
}

/* Value of metric k's column in the current row: 0 ok, 1 missing. */
static int
value(sp_csv_reader *r, int k, double *v, sp_error *err)
{
	if (strcmp(m[k].col, "state") == 0) {
		size_t n;
		const char *s = sp_csv_field(r, (size_t)m[k].idx, &n);
		if (n == 0) {
			*v = NAN;
			return 1;
		}
		if (n == 6 && !memcmp(s, "normal", 6)) *v = 0;
		else if (n == 5 && !memcmp(s, "burst", 5)) *v = 1;
		else if (n == 5 && !memcmp(s, "spike", 5)) *v = 2;
		else
			return sp_csv_error(r, m[k].idx, err, SP_EDATA,
			    "state must be normal, burst or spike: '%.*s'", (int)n, s);
		return 0;
	}
	return sp_csv_get_double(r, (size_t)m[k].idx, v, err);
}

/* {a="x",b="y"} of the metric labels (namespace, target, --label), or "". */
static char *
label_set(void)
{
	size_t cap = 16, len = 0;
	char *out = malloc(cap);
	int i;

	if (!out)
		sp_die("out of memory");
	out[0] = '\0';
	for (i = 0; i < nl; i++) {
		char *e = sp_prom_escape_value(lval[i]);
		size_t need;
		if (!e)
			sp_die("out of memory");
		need = len + strlen(lname[i]) + strlen(e) + 8;
		if (need > cap) {
			while (need > cap)
				cap *= 2;
			if (!(out = realloc(out, cap)))
				sp_die("out of memory");
		}
		len += (size_t)sprintf(out + len, "%s%s=\"%s\"", i ? "," : "{", lname[i], e);
		free(e);
	}
	if (nl)
		strcpy(out + len, "}");
	return out;
}

static void
fmt_value(char *buf, size_t size, double v)
{
	/* %.17g round-trips; integers print plainly */
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.17g", v);
}

static char *tmp_path;

static void
remove_tmp(void *arg)
{
	(void)arg;
	if (tmp_path)
		unlink(tmp_path);
}

/* Open FILE's temporary sibling (or stdout for "-"). */
static FILE *
open_out(const char *path)
{
	int fd;
	FILE *fp;
	if (strcmp(path, "-") == 0)
		return stdout;
	if (!(tmp_path = malloc(strlen(path) + 16)))
		sp_die("out of memory");
	sprintf(tmp_path, "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp_path)) < 0)
		sp_die("%s:", tmp_path);
	sp_cli_on_error(remove_tmp, NULL);
	if (fchmod(fd, 0644) < 0 || !(fp = fdopen(fd, "w")))
		sp_die("%s:", tmp_path);
	return fp;
}

static void
commit_out(FILE *fp, const char *path)
{
	if (fp == stdout)
		return;
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) < 0) {
		int e = errno;
		fclose(fp);
		errno = e;
		sp_die("%s:", path);
	}
	if (fclose(fp) != 0)
		sp_die("%s:", path);
	if (rename(tmp_path, path) < 0)
		sp_die("%s:", path);
	free(tmp_path);
	tmp_path = NULL;
	sp_cli_on_error_clear();
}

/* Text exposition of the last row (no timestamps: the scraper's time). */
static char *
exposition(const double *last, const char *labels, size_t *len)
{
	char *buf = NULL, vb[64];
	size_t size = 0;
	FILE *mf = open_memstream(&buf, &size);
	int k;

	if (!mf)
		sp_die("out of memory");
	for (k = 0; k < nm; k++) {
		if (isnan(last[k]))
			continue;
		fmt_value(vb, sizeof vb, last[k]);
		fprintf(mf, "# HELP %s %s\n# TYPE %s gauge\n%s%s %s\n", m[k].metric, m[k].help,
		    m[k].metric, m[k].metric, labels, vb);
	}
	if (fclose(mf) != 0)
		sp_die("out of memory");
	*len = size;
	return buf;
}

/* /metrics/job/<job>/<k>/<v>...; values with '/' (or empty) in @base64 form. */
static char *
push_url(const char *base, const char *job)
{
	size_t cap = strlen(base) + 64, len;
	char *url, *e;
	int i;

	for (i = 0; i < ng; i++)
		cap += strlen(gname[i]) + 4 * strlen(gval[i]) + 16;
	cap += 4 * strlen(job);
	if (!(url = malloc(cap)))
		sp_die("out of memory");
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	memcpy(url, base, len);
	if (!(e = sp_http_escape(job)))
		sp_die("out of memory");
	len += (size_t)sprintf(url + len, "/metrics/job/%s", e);
	free(e);
	for (i = 0; i < ng; i++) {
		if (!*gval[i] || strchr(gval[i], '/')) {
			static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
			const unsigned char *s = (const unsigned char *)gval[i];
			size_t n = strlen(gval[i]), j;
			len += (size_t)sprintf(url + len, "/%s@base64/", gname[i]);
			for (j = 0; j < n; j += 3) {
				unsigned v = (unsigned)s[j] << 16 | (j + 1 < n ? (unsigned)s[j + 1] << 8 : 0) |
				    (j + 2 < n ? s[j + 2] : 0);
				url[len++] = b64[v >> 18 & 63];
				url[len++] = b64[v >> 12 & 63];
				url[len++] = j + 1 < n ? b64[v >> 6 & 63] : '=';
				url[len++] = j + 2 < n ? b64[v & 63] : '=';
			}
			if (n == 0)
				url[len++] = '=';
			url[len] = '\0';
		} else {
			if (!(e = sp_http_escape(gval[i])))
				sp_die("out of memory");
			len += (size_t)sprintf(url + len, "/%s/%s", gname[i], e);
			free(e);
		}
	}
	return url;
}

static void
on_retry(void *ctx, int attempt, double wait, const char *why)
{
	(void)ctx;
	if (verbose)
		sp_warn("attempt %d failed (%s); retrying in %gs", attempt, why, wait);
}

int
main(int argc, char **argv)
{
	enum { OPT_NS = 256, OPT_TARGET, OPT_LABEL, OPT_PGW, OPT_JOB, OPT_GROUP, OPT_ADD, OPT_TEXT,
		OPT_BACKFILL, OPT_VERSION };
	static const struct option lo[] = {
		{ "columns", required_argument, 0, 'c' }, { "namespace", required_argument, 0, OPT_NS },
		{ "target", required_argument, 0, OPT_TARGET }, { "label", required_argument, 0, OPT_LABEL },
		{ "pushgateway", required_argument, 0, OPT_PGW }, { "job", required_argument, 0, OPT_JOB },
		{ "grouping", required_argument, 0, OPT_GROUP }, { "add", no_argument, 0, OPT_ADD },
		{ "textfile", required_argument, 0, OPT_TEXT }, { "backfill", required_argument, 0, OPT_BACKFILL },
		SP_CLI_HTTP_RETRY_LONGOPTS, SP_CLI_HTTP_AUTH_LONGOPTS,
		{ "verbose", no_argument, 0, 'v' }, { "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION }, { 0, 0, 0, 0 }
	};
	const char *cols = NULL, *ns = NULL, *target = NULL, *pgw = NULL, *job = "scalepipe";
	const char *textfile = NULL, *backfill = NULL, *input = "-";
	int add = 0, c, k, modes, rc;
	char *xl[MAXL], *xv[MAXL], *gl[MAXL], *gv[MAXL], *labels;
	int nxl = 0, ngl = 0;
	double last[MAXM], t = NAN, *ts = NULL;
	size_t nrows = 0, cap = 0, i;
	sp_http_opts ho;
	sp_http_auth auth = { 0 };
	sp_csv_reader *r;
	sp_error err;
	FILE *fp = stdin;

	sp_cli_init(argv[0], synopsis);
	sp_http_opts_init(&ho);
	while ((c = getopt_long(argc, argv, "c:vh", lo, NULL)) != -1)
		switch (c) {
		case 'c': cols = optarg; break;
		case OPT_NS: ns = optarg; break;
		case OPT_TARGET: target = optarg; break;
		case OPT_LABEL: add_kv("--label", optarg, xl, xv, &nxl); break;
		case OPT_PGW: pgw = optarg; break;
		case OPT_JOB: job = optarg; break;
		case OPT_GROUP: add_kv("--grouping", optarg, gl, gv, &ngl); break;
		case OPT_ADD: add = 1; break;
		case OPT_TEXT: textfile = optarg; break;
		case OPT_BACKFILL: backfill = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default:
			if (!sp_cli_http_option(c, optarg, &ho, &auth))
				sp_cli_bad_option();
		}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		sp_die_usage("unexpected argument '%s'", argv[optind]);
	modes = !!pgw + !!textfile + !!backfill;
	if (modes != 1)
		sp_die_usage("choose one of --pushgateway, --textfile and --backfill");
	if (!pgw && (add || ngl))
		sp_die_usage("--add and --grouping go with --pushgateway");
	if (pgw && strncmp(pgw, "http://", 7) != 0 && strncmp(pgw, "https://", 8) != 0)
		sp_die_usage("--pushgateway: must start with http:// or https://: '%s'", pgw);
	if (pgw && strchr(pgw, '@'))
		sp_die_usage("--pushgateway: credentials in the URL are not accepted; use --user or a token");
	if (!*job)
		sp_die_usage("--job: empty");
	if ((ho.cert == NULL) != (ho.key == NULL))
		sp_die_usage("--cert and --key go together");
	/* labels: namespace, target, then --label; the same set is the grouping key */
	if (ns) {
		lname[nl] = "namespace"; lval[nl++] = (char *)ns;
		gname[ng] = "namespace"; gval[ng++] = (char *)ns;
	}
	if (target) {
		lname[nl] = "target"; lval[nl++] = (char *)target;
		gname[ng] = "target"; gval[ng++] = (char *)target;
	}
	for (k = 0; k < nxl; k++) {
		if (nl >= MAXL)
			sp_die_usage("too many labels");
		lname[nl] = xl[k]; lval[nl++] = xv[k];
	}
	for (k = 0; k < ngl; k++) {
		if (ng >= MAXL)
			sp_die_usage("too many grouping labels");
		gname[ng] = gl[k]; gval[ng++] = gv[k];
	}
	for (k = 0; k < nl; k++)
		for (c = 0; c < k; c++)
			if (strcmp(lname[k], lname[c]) == 0)
				sp_die_usage("label '%s' given twice", lname[k]);
	if (cols) {
		char *list = strdup(cols), *tok, *save = NULL;
		if (!list)
			sp_die("out of memory");
		if (!*cols || cols[0] == ',' || cols[strlen(cols) - 1] == ',' || strstr(cols, ",,"))
			sp_die_usage("--columns: not a list of COL or COL=METRIC: '%s'", cols);
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '=');
			if (eq)
				*eq = '\0';
			if (!*tok || (eq && !eq[1]))
				sp_die_usage("--columns: not COL or COL=METRIC: '%s'", cols);
			add_metric(tok, eq ? eq + 1 : NULL);
		}
		free(list);
		if (nm == 0)
			sp_die_usage("--columns: empty");
	}
	if (sp_http_auth_load(&auth, &ho, &err) < 0)
		sp_die_err(&err);
	ho.on_retry = on_retry;

	if (strcmp(input, "-") != 0 && !(fp = fopen(input, "r")))
		sp_die("%s:", input);
	if (!(r = sp_csv_reader_new(fp, input, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if (!cols) {
		size_t q;
		for (q = 0; q < NKNOWN; q++)
			if (sp_csv_col_index(r, known[q].col) >= 0)
				add_metric(known[q].col, NULL);
		if (nm == 0)
			sp_die("no column to export (none of forecast, lower, upper, demand, state, "
			    "replicas); choose with -c");
	}
	for (k = 0; k < nm; k++) {
		if ((m[k].idx = sp_csv_pick_col(r, m[k].col, &err)) < 0)
			sp_die_err(&err);
		if (m[k].idx == 0)
			sp_die_usage("--columns: the timestamp is not a value to export");
		for (c = 0; c < k; c++)
			if (strcmp(m[k].metric, m[c].metric) == 0)
				sp_die_usage("metric '%s' named twice", m[k].metric);
	}
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (sp_csv_get_timestamp(r, &t, &err) < 0)
			sp_die_err(&err);
		for (k = 0; k < nm; k++)
			if (value(r, k, &last[k], &err) < 0)
				sp_die_err(&err);
		if (backfill) {
			if (nrows == cap) {
				cap = cap ? 2 * cap : 1024;
				if (!(ts = realloc(ts, cap * sizeof *ts)))
					sp_die("out of memory");
				for (k = 0; k < nm; k++)
					if (!(m[k].v = realloc(m[k].v, cap * sizeof *m[k].v)))
						sp_die("out of memory");
			}
			ts[nrows] = t;
			for (k = 0; k < nm; k++)
				m[k].v[nrows] = last[k];
		}
		nrows++;
	}
	if (rc < 0)
		sp_die_err(&err);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	if (nrows == 0)
		sp_die("%s: no data rows", strcmp(input, "-") ? input : "input");
	labels = label_set();

	if (backfill) {
		FILE *out = open_out(backfill);
		char vb[64], tb[40];
		for (k = 0; k < nm; k++) {
			fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", m[k].metric, m[k].help, m[k].metric);
			for (i = 0; i < nrows; i++) {
				if (isnan(m[k].v[i]))
					continue;
				fmt_value(vb, sizeof vb, m[k].v[i]);
				sp_time_format(tb, sizeof tb, ts[i]);
				fprintf(out, "%s%s %s %s\n", m[k].metric, labels, vb, tb);
			}
		}
		fputs("# EOF\n", out);
		commit_out(out, backfill);
	} else {
		size_t len;
		char *body = exposition(last, labels, &len);
		if (len == 0)
			sp_die("the last row has no value in any exported column");
		if (textfile) {
			FILE *out = open_out(textfile);
			fwrite(body, 1, len, out);
			commit_out(out, textfile);
		} else {
			char *url = push_url(pgw, job);
			sp_http_resp resp;
			if (verbose)
				sp_warn("%s %s\n%s", add ? "POST" : "PUT", url, body);
			if (sp_http_request(&ho, add ? "POST" : "PUT", url, "text/plain; version=0.0.4",
			    body, len, &resp, &err) < 0)
				sp_die_err(&err);
			if (resp.status < 200 || resp.status > 299) {
				char msg[300];
				snprintf(msg, sizeof msg, "%.250s", resp.body);
				msg[strcspn(msg, "\r\n")] = '\0';
				sp_die("%s %s: HTTP %ld%s%s", add ? "POST" : "PUT", url, resp.status,
				    *msg ? ": " : "", msg);
			}
			if (verbose)
				sp_warn("HTTP %ld", resp.status);
			sp_http_resp_free(&resp);
			free(url);
		}
		free(body);
	}
	sp_http_auth_free(&auth);
	free(labels);
	free(ts);
	for (k = 0; k < nm; k++) {
		free(m[k].col);
		free(m[k].metric);
		free(m[k].v);
	}
	for (k = 0; k < nxl; k++) {
		free(xl[k]);
		free(xv[k]);
	}
	for (k = 0; k < ngl; k++) {
		free(gl[k]);
		free(gv[k]);
	}
	return 0;
}
