/* promfetch: a Prometheus range or instant query as CSV on an exact step grid. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_cli_http.h"
#include "sp_csv.h"
#include "sp_keyed.h"
#include "sp_prom.h"
#include "sp_time.h"
#include "sp_window.h"

static const char synopsis[] =
    "promfetch -q QUERY [-u URL] (--start T | --last DUR) [--end T] [--step DUR]\n"
    "       [--instant] [-n NAME | --wide LABELS | --by-labels LABELS [--shard I/N]]\n"
    "       [--since-state FILE] [--null error|skip|zero|empty] [options]";

static const char *const null_names[] = { "error", "skip", "zero", "empty", NULL };

/* Fits the shipped CronJob's 55 s (activeDeadlineSeconds) with the later
 * stages' time; a hung Prometheus then ends in a message, not a kill. */
#define DEFAULT_DEADLINE 40.0
/* A 32 MiB answer parses in about 350 MB; split longer ranges (--max-points). */
#define DEFAULT_MAX_ANSWER 32

typedef struct {
	sp_prom_query q;        /* -u, -q, --instant, --max-points */
	sp_prom_csv csv;        /* -n, --wide, --null */
	double start, end, step;
	const char *since;      /* --since-state: window's state of the last run */
	double deadline;        /* --deadline */
	int verbose;
	sp_http_opts ho;
	sp_http_auth auth;
} options;

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
	    "      --by-labels LABELS    several series in the long format: timestamp,series,\n"
	    "                            value (-n), a row per series and time, series the\n"
	    "                            key 'l1=v1,l2=v2' of these labels (scalepipe(7))\n"
	    "      --shard I/N           with --by-labels: only the keys whose FNV-1a hash\n"
	    "                            mod N is I (0 <= I < N; stable across runs)\n"
	    "      --since-state FILE    FILE is the state of `window --state` after the last\n"
	    "                            run: fetch only the points after its newest row, and\n"
	    "                            the whole --last range for the keys it does not hold\n"
	    "                            (new workloads: a second request); without FILE (a\n"
	    "                            cold start) or when it cannot be read (a warning),\n"
	    "                            the whole --last range; nothing new: the header only\n"
	    "      --null POLICY         missing points: error, skip (drop the row), zero,\n"
	    "                            or empty (missing value in the CSV) [error]\n"
	    "      --max-points N        points per series per request; longer ranges are\n"
	    "                            split; an answer too large for a request (many\n"
	    "                            series) halves it and asks again [%d]\n"
	    "      --compressed          ask for gzip answers (slow links; costs server CPU)\n"
	    SP_CLI_HTTP_RETRY_HELP
	    "      --deadline SEC        all requests, retries and backoff included, within\n"
	    "                            SEC of wall time (0: none) [%g]\n"
	    "      --max-answer MIB      largest answer accepted per request; parsing takes\n"
	    "                            about 11 times as much memory [%d]\n"
	    SP_CLI_HTTP_AUTH_HELP
	    "  -v, --verbose             requests and retries on stderr\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", synopsis, SP_PROM_MAX_POINTS,
	    DEFAULT_DEADLINE, DEFAULT_MAX_ANSWER);
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
	if (sp_time_parse_duration(arg, &d) < 0)
		sp_die_usage("%s: not a duration: '%s'", opt, arg);
	return d;
}

/* The time range: --start, --end and --last, two of them at most, or the
 * instant (--end or now). */
static void
resolve_range(options *o, double last, int have_end)
{
	if (o->q.instant) {
		if (!isnan(o->start) || !isnan(last))
			sp_die_usage("--instant takes no --start or --last");
		if (!have_end)
			o->end = (double)time(NULL);
		o->start = o->end;
		return;
	}
	if (!isnan(o->start) && !isnan(last) && have_end)
		sp_die_usage("give at most two of --start, --end and --last");
	if (isnan(o->start) && isnan(last))
		sp_die_usage("a range query needs --start or --last");
	if (!have_end)
		o->end = !isnan(o->start) && !isnan(last) ? o->start + last :
		    floor((double)time(NULL) / o->step) * o->step;
	if (isnan(o->start))
		o->start = o->end - last;
	if (o->end < o->start)
		sp_die_usage("--end is before --start");
}

/* --shard I/N: 0 <= I < N. */
static void
parse_shard(const char *arg, sp_prom_csv *c)
{
	char *end;
	unsigned long i, n;

	if (*arg < '0' || *arg > '9')
		goto bad;
	i = strtoul(arg, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		goto bad;
	n = strtoul(end + 1, &end, 10);
	if (*end || n == 0 || n > 1000000 || i >= n)
		goto bad;
	c->shard_i = i;
	c->shard_n = n;
	return;
bad:
	sp_die_usage("--shard: not I/N with 0 <= I < N <= 1000000: '%s'", arg);
}

/* A label list: names joined by ','. */
static void
check_labels(const char *opt, const char *l)
{
	if (l && (!*l || l[0] == ',' || strstr(l, ",,") || l[strlen(l) - 1] == ','))
		sp_die_usage("%s: not a list of label names: '%s'", opt, l);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_START = 256, OPT_END, OPT_LAST, OPT_STEP, OPT_INSTANT, OPT_WIDE, OPT_NULL,
		OPT_MAXPTS, OPT_COMPRESSED, OPT_DEADLINE, OPT_MAXANS, OPT_VERSION, OPT_BYLABELS, OPT_SHARD,
		OPT_SINCE };
	static const struct option lo[] = {
		{ "query", required_argument, 0, 'q' }, { "url", required_argument, 0, 'u' },
		{ "start", required_argument, 0, OPT_START }, { "end", required_argument, 0, OPT_END },
		{ "last", required_argument, 0, OPT_LAST }, { "step", required_argument, 0, OPT_STEP },
		{ "instant", no_argument, 0, OPT_INSTANT }, { "name", required_argument, 0, 'n' },
		{ "wide", required_argument, 0, OPT_WIDE }, { "null", required_argument, 0, OPT_NULL },
		{ "by-labels", required_argument, 0, OPT_BYLABELS }, { "shard", required_argument, 0, OPT_SHARD },
		{ "since-state", required_argument, 0, OPT_SINCE },
		{ "max-points", required_argument, 0, OPT_MAXPTS },
		{ "compressed", no_argument, 0, OPT_COMPRESSED },
		{ "deadline", required_argument, 0, OPT_DEADLINE }, { "max-answer", required_argument, 0, OPT_MAXANS },
		SP_CLI_HTTP_RETRY_LONGOPTS, SP_CLI_HTTP_AUTH_LONGOPTS,
		{ "verbose", no_argument, 0, 'v' }, { "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION }, { 0, 0, 0, 0 }
	};
	const char *base = "http://localhost:9090", *wide;
	double last = NAN;
	int c, have_end = 0;

	memset(o, 0, sizeof *o);
	o->start = o->end = NAN;
	o->step = 60;
	o->q.url = base;
	o->q.max_points = SP_PROM_MAX_POINTS;
	sp_http_opts_init(&o->ho);
	o->deadline = DEFAULT_DEADLINE;
	o->ho.max_body = (size_t)DEFAULT_MAX_ANSWER << 20;
	while ((c = getopt_long(argc, argv, "q:u:n:vh", lo, NULL)) != -1)
		switch (c) {
		case 'q': o->q.query = optarg; break;
		case 'u': o->q.url = optarg; break;
		case 'n': o->csv.name = optarg; break;
		case OPT_START: o->start = parse_time_opt("--start", optarg); break;
		case OPT_END: o->end = parse_time_opt("--end", optarg); have_end = 1; break;
		case OPT_LAST: last = parse_dur_opt("--last", optarg); break;
		case OPT_STEP: o->step = parse_dur_opt("--step", optarg); break;
		case OPT_INSTANT: o->q.instant = 1; break;
		case OPT_WIDE: o->csv.wide = optarg; break;
		case OPT_BYLABELS: o->csv.by = optarg; break;
		case OPT_SHARD: parse_shard(optarg, &o->csv); break;
		case OPT_SINCE: o->since = optarg; break;
		case OPT_NULL: o->csv.null = (sp_prom_null)sp_cli_choice("--null", optarg, null_names); break;
		case OPT_MAXPTS:
			o->q.max_points = (size_t)sp_cli_long("--max-points", optarg, 1, SP_PROM_MAX_POINTS);
			break;
		case OPT_COMPRESSED: o->ho.compressed = 1; break;
		case OPT_DEADLINE: o->deadline = sp_cli_double("--deadline", optarg, 0, 86400); break;
		case OPT_MAXANS: o->ho.max_body = (size_t)sp_cli_long("--max-answer", optarg, 1, 4096) << 20; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default:
			if (!sp_cli_http_option(c, optarg, &o->ho, &o->auth))
				sp_cli_bad_option();
		}
	base = o->q.url;
	wide = o->csv.wide;
	if (optind < argc)
		sp_die_usage("unexpected argument '%s'", argv[optind]);
	if (!o->q.query || !*o->q.query)
		sp_die_usage("--query is required");
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		sp_die_usage("--url: must start with http:// or https://: '%s'", base);
	if (strchr(base, '@'))
		sp_die_usage("--url: credentials in the URL are not accepted; use --user or a token");
	if (o->csv.name && wide)
		sp_die_usage("-n and --wide exclude each other");
	if (o->csv.by && wide)
		sp_die_usage("--wide and --by-labels exclude each other");
	check_labels("--wide", wide);
	check_labels("--by-labels", o->csv.by);
	if (o->csv.shard_n && !o->csv.by)
		sp_die_usage("--shard goes with --by-labels");
	if (o->since && (isnan(last) || !isnan(o->start) || o->q.instant || wide))
		sp_die_usage("--since-state needs --last (the range of a cold start), and no --start, "
		    "--instant or --wide");
	if ((o->ho.cert == NULL) != (o->ho.key == NULL))
		sp_die_usage("--cert and --key go together");
	resolve_range(o, last, have_end);
}

/* The query over [start, end] on the step grid. */
static sp_prom_matrix *
fetch(const options *o, double start)
{
	sp_prom_matrix *m;
	sp_error err;

	if (!(m = sp_prom_matrix_new(start, o->end, o->step, &err)))
		sp_die_err(&err);
	sp_die_if(sp_prom_fetch(m, &o->q, &o->ho, &err), &err);
	return m;
}

/* The matrix as CSV (freed). */
static void
write_matrix(sp_prom_matrix *m, const sp_prom_csv *c, sp_csv_writer *w)
{
	sp_error err;

	sp_die_if(sp_prom_write_csv(m, c, w, &err), &err);
	sp_prom_matrix_free(m);
}

/* --since-state: the keys of window's state are warm, the others cold. */
typedef struct {
	sp_keyed *keys;
	int warm;               /* keep the warm keys, the cold ones (0), or none
	                         * but count the cold ones (-1) */
	size_t cold;
} key_filter;

static int
keep_key(void *ctx, const char *key, size_t len)
{
	key_filter *f = ctx;
	int warm = sp_keyed_find(f->keys, key, len) != NULL;

	if (f->warm < 0)
		f->cold += !warm;
	return warm == f->warm;
}

/* --since-state: the points after the state's newest row (every key's
 * rows are on one grid, so the newest row is where the last fetch ended),
 * then, when the answer has keys the state does not hold, the whole range
 * for those.  A missing or unreadable state: the whole range. */
static void
fetch_since(const options *o, sp_csv_writer *w)
{
	sp_prom_csv c = o->csv;
	key_filter f = { NULL, 1, 0 };
	sp_prom_matrix *m;
	sp_error err;
	double newest, start;
	int rc = sp_window_state_index(o->since, &newest, &f.keys, &err);

	if (rc < 0)
		sp_warn("warning: state %s: fetching the whole range (--last)", err.msg);
	if (rc <= 0 || newest == -INFINITY) {
		sp_keyed_free(f.keys);
		write_matrix(fetch(o, o->start), &o->csv, w);
		return;
	}
	start = fmax(newest + o->step, o->start);
	if (o->verbose)
		sp_warn("%s: %zu keys, the newest row at %.17g: fetching from %.17g", o->since,
		    f.keys ? sp_keyed_count(f.keys) : 1, newest, start);
	m = start <= o->end ? fetch(o, start) : NULL;
	if (!m || sp_prom_nseries(m) == 0) {   /* nothing new */
		sp_csv_write_str(w, "timestamp");
		if (c.by)
			sp_csv_write_str(w, "series");
		sp_csv_write_str(w, c.name ? c.name : "value");
		sp_csv_end_row(w);
		sp_prom_matrix_free(m);
	} else if (!f.keys) {
		write_matrix(m, &c, w);
	} else {   /* both fetched before anything is written */
		sp_prom_matrix *cold = NULL;
		c.keep = keep_key;
		c.keep_ctx = &f;
		c.no_header = 1;
		f.warm = -1;
		sp_die_if(sp_prom_write_csv(m, &c, w, &err), &err);   /* counts, writes nothing */
		if (f.cold > 0) {
			if (o->verbose)
				sp_warn("%zu keys without state: fetching the whole range for them", f.cold);
			cold = fetch(o, o->start);
		}
		c.no_header = 0;
		f.warm = 1;
		write_matrix(m, &c, w);
		c.no_header = 1;
		f.warm = 0;
		if (cold)
			write_matrix(cold, &c, w);
	}
	sp_keyed_free(f.keys);
}

int
main(int argc, char **argv)
{
	options o;
	sp_csv_writer *w;
	sp_error err;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	sp_die_if(sp_http_auth_load(&o.auth, &o.ho, &err), &err);
	sp_cli_http_verbose(&o.ho, &o.verbose);
	sp_http_set_deadline(&o.ho, o.deadline);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	if (o.since)
		fetch_since(&o, w);
	else
		write_matrix(fetch(&o, o.start), &o.csv, w);
	sp_http_auth_free(&o.auth);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
	return 0;
}
