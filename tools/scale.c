/* scale: set a Deployment's or StatefulSet's replicas from the last input row. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_cli_http.h"
#include "sp_csv.h"
#include "sp_kube.h"
#include "sp_prom.h"

static const char synopsis[] =
    "scale [-c NAME] [-n NAMESPACE] [--kubeconfig FILE] [--context NAME] [--in-cluster]\n"
    "       [--dry-run] [--force] [--max-age DUR] [--method put|patch] [options] KIND/NAME [FILE]";

typedef struct {
	const char *column, *ns, *input;
	sp_kube_source src;     /* --kubeconfig, --context, --in-cluster, --service-account-dir */
	sp_kube_apply_opts ap;  /* target, --dry-run, --force, --max-age, --method, --conflict-retries */
	int verbose;
	sp_http_opts ho;
} options;

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Sets the replicas of a Deployment or StatefulSet (KIND: deployment, deploy,\n"
	    "statefulset, sts) to the value in the last row of the input, through the\n"
	    "apps/v1 scale subresource, and prints a CSV row of what it did.\n\n"
	    "  -c, --column NAME         input column with the replicas [replicas]\n"
	    "  -n, --namespace NS        namespace [the context's, or the service account's]\n"
	    "      --kubeconfig FILE     kubeconfig (or a ':' list) [$KUBECONFIG, ~/.kube/config]\n"
	    "                            (tokens, client certificates, exec credential\n"
	    "                            plugins such as aws eks get-token; see scale(1))\n"
	    "      --context NAME        kubeconfig context [current-context]\n"
	    "      --in-cluster          use the pod's service account (the default when no\n"
	    "                            kubeconfig exists and KUBERNETES_SERVICE_HOST is set)\n"
	    "      --service-account-dir DIR  token, ca.crt and namespace files\n"
	    "                            [" SP_KUBE_SA_DIR "]\n"
	    "      --dry-run             read the target, print what would be done, change nothing\n"
	    "      --force               scale even when an HPA or KEDA ScaledObject manages the target\n"
	    "      --max-age DUR         input older than this may scale up, never down [10m]\n"
	    "      --method M            put (with resourceVersion; retried on conflict) or\n"
	    "                            patch (merge patch) [put]\n"
	    "      --conflict-retries N  re-read and retry after a 409 conflict [3]\n"
	    SP_CLI_HTTP_RETRY_HELP
	    "  -v, --verbose             requests on stderr (never credentials)\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", synopsis);
	exit(0);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_KCFG = 256, OPT_CTX, OPT_INCL, OPT_SADIR, OPT_DRY, OPT_FORCE, OPT_MAXAGE,
		OPT_METHOD, OPT_CRETRY, OPT_VERSION };
	static const struct option lo[] = {
		{ "column", required_argument, 0, 'c' }, { "namespace", required_argument, 0, 'n' },
		{ "kubeconfig", required_argument, 0, OPT_KCFG }, { "context", required_argument, 0, OPT_CTX },
		{ "in-cluster", no_argument, 0, OPT_INCL },
		{ "service-account-dir", required_argument, 0, OPT_SADIR },
		{ "dry-run", no_argument, 0, OPT_DRY }, { "force", no_argument, 0, OPT_FORCE },
		{ "max-age", required_argument, 0, OPT_MAXAGE }, { "method", required_argument, 0, OPT_METHOD },
		{ "conflict-retries", required_argument, 0, OPT_CRETRY },
		SP_CLI_HTTP_RETRY_LONGOPTS, { "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, OPT_VERSION }, { 0, 0, 0, 0 }
	};
	static const char *const methods[] = { "put", "patch", NULL };
	const char *target;
	sp_error err;
	int c;

	memset(o, 0, sizeof *o);
	o->column = "replicas";
	o->ap.max_age = 600;
	o->ap.conflict_retries = 3;
	sp_http_opts_init(&o->ho);
	while ((c = getopt_long(argc, argv, "c:n:vh", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->column = optarg; break;
		case 'n': o->ns = optarg; break;
		case OPT_KCFG: o->src.kubeconfig = optarg; break;
		case OPT_CTX: o->src.context = optarg; break;
		case OPT_INCL: o->src.in_cluster = 1; break;
		case OPT_SADIR: o->src.sa_dir = optarg; break;
		case OPT_DRY: o->ap.dry_run = 1; break;
		case OPT_FORCE: o->ap.force = 1; break;
		case OPT_MAXAGE:
			if (sp_prom_parse_duration(optarg, &o->ap.max_age) < 0)
				sp_die_usage("--max-age: not a duration: '%s'", optarg);
			break;
		case OPT_METHOD: o->ap.patch = sp_cli_choice("--method", optarg, methods); break;
		case OPT_CRETRY: o->ap.conflict_retries = sp_cli_long("--conflict-retries", optarg, 0, 100); break;
		case 'v': o->verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default:
			if (!sp_cli_http_option(c, optarg, &o->ho, NULL))
				sp_cli_bad_option();
		}
	if (optind >= argc)
		sp_die_usage("missing target KIND/NAME (e.g. deployment/web)");
	target = argv[optind++];
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc)
		sp_die_usage("unexpected argument '%s'", argv[optind]);
	if (o->src.in_cluster && (o->src.kubeconfig || o->src.context))
		sp_die_usage("--in-cluster excludes --kubeconfig and --context");
	sp_die_if(sp_kube_parse_target(target, &o->ap.target, &err), &err);
	if (o->ns && !*o->ns)
		sp_die_usage("--namespace: empty");
	if (o->ns && !sp_kube_valid_namespace(o->ns))
		sp_die_usage("--namespace: not a valid namespace: '%s'", o->ns);
}

/* The CSV row of what was done. */
static void
write_result(double now, const options *o, const sp_kube_result *res)
{
	static const char *const hdr[] = { "timestamp", "namespace", "kind", "name", "current",
		"desired", "replicas", "action", "input_age" };
	sp_csv_writer *w = sp_csv_writer_new(stdout);
	sp_error err;
	size_t i;

	if (!w)
		sp_die("out of memory");
	for (i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
		sp_csv_write_str(w, hdr[i]);
	sp_csv_end_row(w);
	sp_csv_write_time(w, now);
	sp_csv_write_str(w, o->ap.ns);
	sp_csv_write_str(w, o->ap.target.kind);
	sp_csv_write_str(w, o->ap.target.name);
	sp_csv_write_long(w, res->current);
	sp_csv_write_long(w, o->ap.desired);
	sp_csv_write_long(w, res->replicas);
	sp_csv_write_str(w, sp_kube_action_name(res->action));
	sp_csv_write_double(w, o->ap.age);
	sp_csv_end_row(w);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
}

int
main(int argc, char **argv)
{
	options o;
	const sp_kube_target *t = &o.ap.target;
	const char *name;
	sp_kube_cfg cfg;
	sp_kube_result res;
	sp_csv_reader *r;
	sp_error err;
	double last_t, now;
	FILE *in;
	int rc;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);

	/* the input: replicas from the last row */
	in = sp_cli_open_input(o.input, &name);
	if (!(r = sp_csv_reader_new(in, name, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if ((rc = sp_kube_read_replicas(r, o.column, &o.ap.desired, &last_t, &err)) < 0)
		sp_die_err(&err);
	if (rc > 0)
		sp_die("%s: no data rows", strcmp(name, "-") ? name : "input");
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	now = (double)time(NULL);
	o.ap.age = now - last_t;

	/* credentials, then the target: read, check, decide, write */
	sp_die_if(sp_kube_load(&o.src, &cfg, &err), &err);
	o.ap.ns = o.ns ? o.ns : cfg.namespace;
	sp_kube_http_opts(&cfg, &o.ho);
	sp_cli_http_verbose(&o.ho, &o.verbose);
	if (o.verbose)
		sp_warn("server %s, context %s, namespace %s, %s/%s", cfg.server, cfg.context, o.ap.ns,
		    t->resource, t->name);
	sp_die_if(sp_kube_apply(&cfg, &o.ho, &o.ap, &res, &err), &err);
	if (res.action == SP_KUBE_HELD_STALE)
		sp_warn("input is %.0fs old (--max-age %.0fs): not scaling %s/%s down from %ld to %ld",
		    o.ap.age, o.ap.max_age, t->resource, t->name, res.current, o.ap.desired);

	write_result(now, &o, &res);
	sp_kube_cfg_free(&cfg);
	return 0;
}
