/* promfetch: a Prometheus range or instant query as CSV on an exact step grid. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_cli_http.h"
#include "sp_csv.h"
#include "sp_http.h"
#include "sp_prom.h"
#include "sp_time.h"

static const char synopsis[] =
    "promfetch -q QUERY [-u URL] (--start T | --last DUR) [--end T] [--step DUR]\n"
    "       [--instant] [-n NAME | --wide LABELS] [--null error|skip|zero|empty] [options]";

enum { NULL_ERROR, NULL_SKIP, NULL_ZERO, NULL_EMPTY };
static const char *const null_names[] = { "error", "skip", "zero", "empty", NULL };
static int verbose;

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Runs a PromQL query against the Prometheus HTTP API and writes the result as\n"
	    "CSV: timestamp plus one column per series, on the exact grid start + i*step.\n\n"
	    "  -q, --query EXPR          PromQL expression (required)\n"
	    "  -u, --url URL             Prometheus base URL [http://localhost:9090]\n"
	    "      --start T             range start (Unix seconds or RFC 3339)\n"
	    "      --end T               range end, or the instant's time [now, on the step grid]\n"
	    "      --last DUR            range of DUR before --end (e.g. 7d, 90m, 3600)\n"
	    "      --step DUR            grid step [60]\n"
	    "      --instant             instant query (/api/v1/query) at --end\n"
	    "  -n, --name NAME           column name of a single series [value]\n"
	    "      --wide LABELS         several series, columns named by these labels'\n"
	    "                            values joined by '_' (e.g. pod or job,instance)\n"
	    "      --null POLICY         missing points: error, skip (drop the row), zero,\n"
	    "                            or empty (missing value in the CSV) [error]\n"
	    "      --max-points N        points per series per request; longer ranges are\n"
	    "                            split [%d]\n"
	    "      --compressed          ask for gzip answers (slow links; costs server CPU)\n"
	    SP_CLI_HTTP_RETRY_HELP SP_CLI_HTTP_AUTH_HELP
	    "  -v, --verbose             requests and retries on stderr\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", synopsis, SP_PROM_MAX_POINTS);
	exit(0);
}

static double
parse_time_opt(const char *opt, const char *arg)
{
	double t;
	if (strcmp(arg, "now") == 0)
		return (double)time(NULL);
	if (sp_time_parse(arg, strlen(arg), &t) < 0)
		sp_die_usage("%s: not a time: '%s'", opt, arg);
	return t;
}

static double
parse_dur_opt(const char *opt, const char *arg)
{
	double d;
	if (sp_prom_parse_duration(arg, &d) < 0)
		sp_die_usage("%s: not a duration: '%s'", opt, arg);
	return d;
}

static void
on_retry(void *ctx, int attempt, double wait, const char *why)
{
	(void)ctx;
	if (verbose)
		sp_warn("attempt %d failed (%s); retrying in %gs", attempt, why, wait);
}

static void
fetch(const sp_http_opts *ho, const char *url, sp_prom_matrix *m)
{
	sp_http_resp resp;
	sp_error err;

	if (verbose)
		sp_warn("GET %s", url);
	if (sp_http_request(ho, "GET", url, NULL, NULL, 0, &resp, &err) < 0)
		sp_die_err(&err);
	if (verbose)
		sp_warn("HTTP %ld, %zu bytes", resp.status, resp.len);
	if (sp_prom_merge(m, resp.body, resp.len, resp.status, &err) < 0) {
		sp_http_resp_free(&resp);
		sp_die_err(&err);
	}
	sp_http_resp_free(&resp);
}

static int
cmp_col(const void *a, const void *b)
{
	char *const *x = a, *const *y = b;
	return strcmp(x[0], y[0]);
}

/* Column name of series s from the --wide label list. */
static char *
wide_name(const sp_prom_series *s, const char *labels)
{
	char *list = strdup(labels), *tok, *save = NULL, *out;
	size_t len = 0, cap = 64;

	if (!list || !(out = malloc(cap)))
		sp_die("out of memory");
	out[0] = '\0';
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *v = sp_prom_label(s, tok);
		size_t k = v ? strlen(v) : 0;
		if (len + k + 2 > cap) {
			while (len + k + 2 > cap)
				cap *= 2;
			if (!(out = realloc(out, cap)))
				sp_die("out of memory");
		}
		if (len > 0)
			out[len++] = '_';
		memcpy(out + len, v ? v : "", k);
		len += k;
		out[len] = '\0';
	}
	free(list);
	return out;
}

int
main(int argc, char **argv)
{
	enum { OPT_START = 256, OPT_END, OPT_LAST, OPT_STEP, OPT_INSTANT, OPT_WIDE, OPT_NULL,
		OPT_MAXPTS, OPT_COMPRESSED, OPT_VERSION };
	static const struct option lo[] = {
		{ "query", required_argument, 0, 'q' }, { "url", required_argument, 0, 'u' },
		{ "start", required_argument, 0, OPT_START }, { "end", required_argument, 0, OPT_END },
		{ "last", required_argument, 0, OPT_LAST }, { "step", required_argument, 0, OPT_STEP },
		{ "instant", no_argument, 0, OPT_INSTANT }, { "name", required_argument, 0, 'n' },
		{ "wide", required_argument, 0, OPT_WIDE }, { "null", required_argument, 0, OPT_NULL },
		{ "max-points", required_argument, 0, OPT_MAXPTS },
		{ "compressed", no_argument, 0, OPT_COMPRESSED },
		SP_CLI_HTTP_RETRY_LONGOPTS, SP_CLI_HTTP_AUTH_LONGOPTS,
		{ "verbose", no_argument, 0, 'v' }, { "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION }, { 0, 0, 0, 0 }
	};
	const char *query = NULL, *base = "http://localhost:9090", *name = NULL, *wide = NULL;
	double start = NAN, end = NAN, last = NAN, step = 60;
	int instant = 0, nullp = NULL_ERROR, c, have_end = 0;
	long maxpts = SP_PROM_MAX_POINTS;
	sp_http_opts ho;
	sp_http_auth auth = { 0 };
	sp_prom_matrix *m;
	sp_csv_writer *w;
	sp_error err;
	char *qesc, *url, **cols;
	size_t *order, ns, np, i, k, blen, ulen;

	sp_cli_init(argv[0], synopsis);
	sp_http_opts_init(&ho);
	while ((c = getopt_long(argc, argv, "q:u:n:vh", lo, NULL)) != -1)
		switch (c) {
		case 'q': query = optarg; break;
		case 'u': base = optarg; break;
		case 'n': name = optarg; break;
		case OPT_START: start = parse_time_opt("--start", optarg); break;
		case OPT_END: end = parse_time_opt("--end", optarg); have_end = 1; break;
		case OPT_LAST: last = parse_dur_opt("--last", optarg); break;
		case OPT_STEP: step = parse_dur_opt("--step", optarg); break;
		case OPT_INSTANT: instant = 1; break;
		case OPT_WIDE: wide = optarg; break;
		case OPT_NULL: nullp = sp_cli_choice("--null", optarg, null_names); break;
		case OPT_MAXPTS: maxpts = sp_cli_long("--max-points", optarg, 1, SP_PROM_MAX_POINTS); break;
		case OPT_COMPRESSED: ho.compressed = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default:
			if (!sp_cli_http_option(c, optarg, &ho, &auth))
				sp_cli_bad_option();
		}
	if (optind < argc)
		sp_die_usage("unexpected argument '%s'", argv[optind]);
	if (!query || !*query)
		sp_die_usage("--query is required");
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		sp_die_usage("--url: must start with http:// or https://: '%s'", base);
	if (strchr(base, '@'))
		sp_die_usage("--url: credentials in the URL are not accepted; use --user or a token");
	if (name && wide)
		sp_die_usage("-n and --wide exclude each other");
	if (wide && (!*wide || wide[0] == ',' || strstr(wide, ",,") || wide[strlen(wide) - 1] == ','))
		sp_die_usage("--wide: not a list of label names: '%s'", wide);
	if ((ho.cert == NULL) != (ho.key == NULL))
		sp_die_usage("--cert and --key go together");
	if (instant) {
		if (!isnan(start) || !isnan(last))
			sp_die_usage("--instant takes no --start or --last");
		if (!have_end)
			end = (double)time(NULL);
		start = end;
	} else {
		if (!isnan(start) && !isnan(last) && have_end)
			sp_die_usage("give at most two of --start, --end and --last");
		if (isnan(start) && isnan(last))
			sp_die_usage("a range query needs --start or --last");
		if (!have_end)
			end = !isnan(start) && !isnan(last) ? start + last :
			    floor((double)time(NULL) / step) * step;
		if (isnan(start))
			start = end - last;
		if (end < start)
			sp_die_usage("--end is before --start");
	}
	if (sp_http_auth_load(&auth, &ho, &err) < 0)
		sp_die_err(&err);
	ho.on_retry = on_retry;
	if (!(m = sp_prom_matrix_new(start, end, step, &err)))
		sp_die_err(&err);
	if (!(qesc = sp_http_escape(query)))
		sp_die("out of memory");
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	ulen = blen + strlen(qesc) + 200;
	if (!(url = malloc(ulen)))
		sp_die("out of memory");
	if (instant) {
		char tb[40];
		sp_time_format(tb, sizeof tb, start);
		snprintf(url, ulen, "%.*s/api/v1/query?query=%s&time=%s", (int)blen, base, qesc, tb);
		fetch(&ho, url, m);
	} else {
		double cs, ce;
		for (k = 0; sp_prom_chunk(m, (size_t)maxpts, k, &cs, &ce); k++) {
			char sb[40], eb[40], stb[40];
			sp_time_format(sb, sizeof sb, cs);
			sp_time_format(eb, sizeof eb, ce);
			sp_time_format(stb, sizeof stb, step);
			snprintf(url, ulen, "%.*s/api/v1/query_range?query=%s&start=%s&end=%s&step=%s",
			    (int)blen, base, qesc, sb, eb, stb);
			fetch(&ho, url, m);
		}
	}
	free(url);
	free(qesc);
	sp_http_auth_free(&auth);

	ns = sp_prom_nseries(m);
	np = sp_prom_npoints(m);
	if (ns == 0)
		sp_die("query returned no series in this range");
	if (ns > 1 && !wide)
		sp_die("query returned %zu series; aggregate them in the query or name columns "
		    "with --wide LABEL[,LABEL...]", ns);
	cols = calloc(ns, 2 * sizeof *cols);
	order = calloc(ns, sizeof *order);
	if (!cols || !order)
		sp_die("out of memory");
	for (k = 0; k < ns; k++) {
		cols[2 * k] = wide ? wide_name(sp_prom_get(m, k), wide) : strdup(name ? name : "value");
		cols[2 * k + 1] = (char *)(uintptr_t)k;   /* series index rides along */
		if (!cols[2 * k])
			sp_die("out of memory");
		if (!*cols[2 * k])
			sp_die("--wide %s: a series has none of these labels", wide);
		if (strcmp(cols[2 * k], "timestamp") == 0)
			sp_die("--wide %s: a series gives the column name 'timestamp'", wide);
	}
	qsort(cols, ns, 2 * sizeof *cols, cmp_col);
	for (k = 0; k < ns; k++) {
		order[k] = (size_t)(uintptr_t)cols[2 * k + 1];
		if (k > 0 && strcmp(cols[2 * k], cols[2 * k - 2]) == 0)
			sp_die("--wide %s: two series give the column '%s'; add labels", wide, cols[2 * k]);
	}
	/* check the null policy before writing anything */
	if (nullp == NULL_ERROR)
		for (i = 0; i < np; i++)
			for (k = 0; k < ns; k++)
				if (isnan(sp_prom_get(m, order[k])->v[i])) {
					char tb[40];
					sp_time_format(tb, sizeof tb, sp_prom_time(m, i));
					sp_die("no value for %s at %s (choose --null skip, zero or empty)",
					    cols[2 * k], tb);
				}
	w = sp_csv_writer_new(stdout);
	if (!w)
		sp_die("out of memory");
	sp_csv_write_str(w, "timestamp");
	for (k = 0; k < ns; k++)
		sp_csv_write_str(w, cols[2 * k]);
	sp_csv_end_row(w);
	for (i = 0; i < np; i++) {
		int miss = 0;
		for (k = 0; k < ns; k++)
			miss |= isnan(sp_prom_get(m, order[k])->v[i]);
		if (miss && nullp == NULL_SKIP)
			continue;
		sp_csv_write_time(w, sp_prom_time(m, i));
		for (k = 0; k < ns; k++) {
			double v = sp_prom_get(m, order[k])->v[i];
			sp_csv_write_double(w, isnan(v) && nullp == NULL_ZERO ? 0 : v);
		}
		sp_csv_end_row(w);
	}
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_die_err(&err);
	sp_csv_writer_free(w);
	for (k = 0; k < ns; k++)
		free(cols[2 * k]);
	free(cols);
	free(order);
	sp_prom_matrix_free(m);
	return 0;
}
