/* promexport: publish forecast and plan columns as Prometheus gauges. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_cli_http.h"
#include "sp_csv.h"
#include "sp_expo.h"

static const char synopsis[] =
    "promexport [-c COL[=METRIC],...] [--anomaly-score-col COL] [--anomaly-col COL]\n"
    "       [--namespace NS] [--target NAME] [--label K=V]... [--by NAME]\n"
    "       (--pushgateway URL [--job JOB] [--grouping K=V]... [--add] | --textfile FILE |\n"
    "        --backfill FILE) [options] [FILE]";

typedef struct {
	const char *cols, *ascore, *aflag, *ns, *target, *pgw, *job, *textfile, *backfill, *input, *by;
	const char *labels[SP_EXPO_MAX_LABELS], *grouping[SP_EXPO_MAX_LABELS];
	size_t nlabels, ngrouping;
	int add, verbose;
	sp_http_opts ho;
	sp_http_auth auth;
} options;

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Publishes columns of the last input row (or of every row, --backfill) as\n"
	    "Prometheus gauges, for KEDA, HPA external metrics and Grafana.\n\n"
	    "  -c, --columns LIST        COL or COL=METRIC, comma-separated [those of forecast,\n"
	    "                            lower, upper, demand, state, replicas, anomaly_score,\n"
	    "                            anomaly present]\n"
	    "      --anomaly-score-col COL\n"
	    "                            export COL as scalepipe_anomaly_score, with or without\n"
	    "                            -c [anomaly_score, when present and no -c]\n"
	    "      --anomaly-col COL     export COL as scalepipe_anomaly (the 0/1 flag), with or\n"
	    "                            without -c [anomaly, when present and no -c]\n"
	    "      --namespace NS        label namespace=NS (and grouping key)\n"
	    "      --target NAME         label target=NAME (and grouping key)\n"
	    "      --label K=V           extra label on every metric (repeatable)\n"
	    "      --by NAME             NAME is the key column: each key's values, labelled by\n"
	    "                            the key's labels (l1=v1,l2=v2, else NAME=key)\n"
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

/* --label or --grouping K=V, kept in list[*n]. */
static void
add_kv(const char *opt, const char *arg, const char **list, size_t *n)
{
	sp_error err;

	if (*n >= SP_EXPO_MAX_LABELS)
		sp_die_usage("%s: at most %d", opt, SP_EXPO_MAX_LABELS);
	if (sp_expo_check_kv(arg, &err) < 0)
		sp_die_usage("%s: %s", opt, err.msg);
	list[(*n)++] = arg;
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_NS = 256, OPT_TARGET, OPT_LABEL, OPT_PGW, OPT_JOB, OPT_GROUP, OPT_ADD, OPT_TEXT,
		OPT_BACKFILL, OPT_ASCORE, OPT_AFLAG, OPT_BY, OPT_VERSION };
	static const struct option lo[] = {
		{ "columns", required_argument, 0, 'c' }, { "namespace", required_argument, 0, OPT_NS },
		{ "anomaly-score-col", required_argument, 0, OPT_ASCORE },
		{ "anomaly-col", required_argument, 0, OPT_AFLAG },
		{ "target", required_argument, 0, OPT_TARGET }, { "label", required_argument, 0, OPT_LABEL },
		{ "by", required_argument, 0, OPT_BY },
		{ "pushgateway", required_argument, 0, OPT_PGW }, { "job", required_argument, 0, OPT_JOB },
		{ "grouping", required_argument, 0, OPT_GROUP }, { "add", no_argument, 0, OPT_ADD },
		{ "textfile", required_argument, 0, OPT_TEXT }, { "backfill", required_argument, 0, OPT_BACKFILL },
		SP_CLI_HTTP_RETRY_LONGOPTS, SP_CLI_HTTP_AUTH_LONGOPTS,
		{ "verbose", no_argument, 0, 'v' }, { "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION }, { 0, 0, 0, 0 }
	};
	int c;

	memset(o, 0, sizeof *o);
	o->job = "scalepipe";
	sp_http_opts_init(&o->ho);
	while ((c = getopt_long(argc, argv, "c:vh", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->cols = optarg; break;
		case OPT_ASCORE: o->ascore = optarg; break;
		case OPT_AFLAG: o->aflag = optarg; break;
		case OPT_NS: o->ns = optarg; break;
		case OPT_TARGET: o->target = optarg; break;
		case OPT_LABEL: add_kv("--label", optarg, o->labels, &o->nlabels); break;
		case OPT_BY: o->by = optarg; break;
		case OPT_PGW: o->pgw = optarg; break;
		case OPT_JOB: o->job = optarg; break;
		case OPT_GROUP: add_kv("--grouping", optarg, o->grouping, &o->ngrouping); break;
		case OPT_ADD: o->add = 1; break;
		case OPT_TEXT: o->textfile = optarg; break;
		case OPT_BACKFILL: o->backfill = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default:
			if (!sp_cli_http_option(c, optarg, &o->ho, &o->auth))
				sp_cli_bad_option();
		}
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc)
		sp_die_usage("unexpected argument '%s'", argv[optind]);
	if (!!o->pgw + !!o->textfile + !!o->backfill != 1)
		sp_die_usage("choose one of --pushgateway, --textfile and --backfill");
	if (!o->pgw && (o->add || o->ngrouping))
		sp_die_usage("--add and --grouping go with --pushgateway");
	if (o->pgw && strncmp(o->pgw, "http://", 7) != 0 && strncmp(o->pgw, "https://", 8) != 0)
		sp_die_usage("--pushgateway: must start with http:// or https://: '%s'", o->pgw);
	if (o->pgw && strchr(o->pgw, '@'))
		sp_die_usage("--pushgateway: credentials in the URL are not accepted; use --user or a token");
	if (!*o->job)
		sp_die_usage("--job: empty");
	if ((o->ho.cert == NULL) != (o->ho.key == NULL))
		sp_die_usage("--cert and --key go together");
}

/* The gauges and labels the options ask for. */
static sp_expo *
make_expo(const options *o)
{
	sp_expo_labels l = { o->ns, o->target, o->labels, o->nlabels, o->grouping, o->ngrouping };
	sp_expo *x = sp_expo_new();
	sp_error err;

	if (!x)
		sp_die("out of memory");
	sp_die_if(sp_expo_set_labels(x, &l, &err), &err);
	if (o->cols)
		sp_die_if(sp_expo_columns(x, o->cols, &err), &err);
	sp_die_if(sp_expo_anomaly_cols(x, o->ascore, o->aflag, &err), &err);
	return x;
}

int
main(int argc, char **argv)
{
	options o;
	sp_expo *x;
	sp_csv_reader *r;
	sp_error err;
	const char *name, *out;
	FILE *in;
	int rc, fmt;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	x = make_expo(&o);
	sp_die_if(sp_http_auth_load(&o.auth, &o.ho, &err), &err);
	sp_cli_http_verbose(&o.ho, &o.verbose);

	in = sp_cli_open_input(o.input, &name);
	if (!(r = sp_csv_reader_new(in, name, SP_CSV_NEED_TIMESTAMP | (o.by ? SP_CSV_ANY_ORDER : 0), &err)))
		sp_die_err(&err);
	sp_die_if(sp_expo_bind(x, r, o.backfill != NULL, &err), &err);
	if (o.by)
		sp_die_if(sp_expo_key_col(x, r, o.by, &err), &err);
	while ((rc = sp_csv_next(r, &err)) == SP_OK)
		sp_die_if(sp_expo_read(x, r, &err), &err);
	sp_die_if(rc, &err);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	if (sp_expo_nrows(x) == 0)
		sp_die("%s: no data rows", strcmp(name, "-") ? name : "input");

	fmt = o.backfill ? SP_EXPO_OPENMETRICS : SP_EXPO_TEXT;
	out = o.backfill ? o.backfill : o.textfile;
	if (o.pgw)
		rc = sp_expo_push(x, o.pgw, o.job, o.add, &o.ho, &err);
	else if (strcmp(out, "-") == 0)
		rc = sp_expo_write(x, fmt, stdout, &err);
	else
		rc = sp_expo_save(x, fmt, out, &err);
	sp_die_if(sp_http_redact(rc, &o.ho, &err), &err);   /* server text: no credentials */
	sp_http_auth_free(&o.auth);
	sp_expo_free(x);
	return 0;
}
