/* scale: set a Deployment's or StatefulSet's replicas from the last input row. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_cli_http.h"
#include "sp_csv.h"
#include "sp_http.h"
#include "sp_kube.h"
#include "sp_prom.h"
#include "sp_time.h"

static const char synopsis[] =
    "scale [-c NAME] [-n NAMESPACE] [--kubeconfig FILE] [--context NAME] [--in-cluster]\n"
    "       [--dry-run] [--force] [--max-age DUR] [--method put|patch] [options] KIND/NAME [FILE]";

static int verbose;

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
on_retry(void *ctx, int attempt, double wait, const char *why)
{
	(void)ctx;
	if (verbose)
		sp_warn("attempt %d failed (%s); retrying in %gs", attempt, why, wait);
}

static int
file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

int
main(int argc, char **argv)
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
	const char *column = "replicas", *ns = NULL, *kcfg = NULL, *context = NULL, *sadir = NULL;
	const char *target, *input = "-", *kind, *resource, *action;
	char *name, what[512];
	int incl = 0, dry = 0, force = 0, method = 0, c, col, rc, attempt;
	long cretries = 3, desired = 0, applied;
	double maxage = 600, last_t = NAN, last_v = NAN, age, now;
	sp_http_opts ho;
	sp_kube_cfg cfg;
	sp_kube_scale sc;
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_error err;
	FILE *fp = stdin;
	long http;

	sp_cli_init(argv[0], synopsis);
	sp_http_opts_init(&ho);
	while ((c = getopt_long(argc, argv, "c:n:vh", lo, NULL)) != -1)
		switch (c) {
		case 'c': column = optarg; break;
		case 'n': ns = optarg; break;
		case OPT_KCFG: kcfg = optarg; break;
		case OPT_CTX: context = optarg; break;
		case OPT_INCL: incl = 1; break;
		case OPT_SADIR: sadir = optarg; break;
		case OPT_DRY: dry = 1; break;
		case OPT_FORCE: force = 1; break;
		case OPT_MAXAGE:
			if (sp_prom_parse_duration(optarg, &maxage) < 0)
				sp_die_usage("--max-age: not a duration: '%s'", optarg);
			break;
		case OPT_METHOD: method = sp_cli_choice("--method", optarg, methods); break;
		case OPT_CRETRY: cretries = sp_cli_long("--conflict-retries", optarg, 0, 100); break;
		case 'v': verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default:
			if (!sp_cli_http_option(c, optarg, &ho, NULL))
				sp_cli_bad_option();
		}
	if (optind >= argc)
		sp_die_usage("missing target KIND/NAME (e.g. deployment/web)");
	target = argv[optind++];
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		sp_die_usage("unexpected argument '%s'", argv[optind]);
	if (incl && (kcfg || context))
		sp_die_usage("--in-cluster excludes --kubeconfig and --context");
	{
		const char *slash = strchr(target, '/');
		size_t kl = slash ? (size_t)(slash - target) : 0;
		if (!slash || !slash[1] || strchr(slash + 1, '/'))
			sp_die_usage("target must be KIND/NAME (e.g. deployment/web): '%s'", target);
		if ((kl == 10 && !strncmp(target, "deployment", kl)) || (kl == 6 && !strncmp(target, "deploy", kl)) ||
		    (kl == 11 && !strncmp(target, "deployments", kl))) {
			kind = "Deployment";
			resource = "deployments";
		} else if ((kl == 11 && !strncmp(target, "statefulset", kl)) || (kl == 3 && !strncmp(target, "sts", kl)) ||
		    (kl == 12 && !strncmp(target, "statefulsets", kl))) {
			kind = "StatefulSet";
			resource = "statefulsets";
		} else {
			sp_die_usage("kind must be deployment or statefulset: '%.*s'", (int)kl, target);
		}
		name = strdup(slash + 1);
		if (!name)
			sp_die("out of memory");
		for (const char *p = name; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
				sp_die_usage("not a valid object name: '%s'", name);
	}
	if (ns && !*ns)
		sp_die_usage("--namespace: empty");
	if (ns)
		for (const char *p = ns; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
				sp_die_usage("--namespace: not a valid namespace: '%s'", ns);

	/* 1. the input: replicas from the last row */
	if (strcmp(input, "-") != 0 && !(fp = fopen(input, "r")))
		sp_die("%s:", input);
	if (!(r = sp_csv_reader_new(fp, input, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if ((col = sp_csv_pick_col(r, column, &err)) < 0)
		sp_die_err(&err);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (sp_csv_get_timestamp(r, &last_t, &err) < 0 ||
		    sp_csv_get_double_req(r, (size_t)col, &last_v, &err) < 0)
			sp_die_err(&err);
		if (last_v < 0 || last_v > 1e6 || last_v != floor(last_v)) {
			sp_csv_error(r, col, &err, SP_EDATA, "replicas must be a whole number from 0 to 1000000: %g", last_v);
			sp_die_err(&err);
		}
	}
	if (rc < 0)
		sp_die_err(&err);
	if (sp_csv_rowno(r) < 1 || isnan(last_t))
		sp_die("%s: no data rows", strcmp(input, "-") ? input : "input");
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	desired = (long)last_v;
	now = (double)time(NULL);
	age = now - last_t;

	/* 2. credentials */
	if (!incl && !kcfg) {
		const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
		static char def[4096];
		if (env && *env) {
			kcfg = env;
		} else if (home && (snprintf(def, sizeof def, "%s/.kube/config", home), file_exists(def))) {
			kcfg = def;
		} else if (getenv("KUBERNETES_SERVICE_HOST")) {
			incl = 1;
		} else {
			sp_die("no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a cluster; use --kubeconfig");
		}
	}
	if (incl ? sp_kube_load_incluster(sadir, &cfg, &err) < 0
	    : sp_kube_load_kubeconfig(kcfg, context, &cfg, &err) < 0)
		sp_die_err(&err);
	if (!ns)
		ns = cfg.namespace;
	sp_kube_http_opts(&cfg, &ho);
	ho.on_retry = on_retry;
	if (verbose)
		sp_warn("server %s, context %s, namespace %s, %s/%s", cfg.server, cfg.context, ns, resource, name);

	/* 3. read the target, then check who else manages it */
	if (sp_kube_get_scale(&cfg, &ho, resource, ns, name, &sc, &http, &err) < 0)
		sp_die_err(&err);
	if (!force) {
		rc = sp_kube_find_manager(&cfg, &ho, ns, kind, name, what, sizeof what, &err);
		if (rc < 0)
			sp_die_err(&err);
		if (rc > 0)
			sp_die("%s/%s in namespace %s is managed by %s; two autoscalers would fight "
			    "(remove it, or use --force)", resource, name, ns, what);
	}

	/* 4. decide and write; a 409 re-reads and decides again */
	for (attempt = 0;; attempt++) {
		if (attempt > 0 && sp_kube_get_scale(&cfg, &ho, resource, ns, name, &sc, &http, &err) < 0)
			sp_die_err(&err);
		if (verbose)
			sp_warn("current replicas %ld (resourceVersion %s), desired %ld, input age %.0fs",
			    sc.replicas, sc.rv, desired, age);
		applied = sc.replicas;
		if (desired == sc.replicas) {
			action = "unchanged";
		} else if (desired < sc.replicas && age > maxage) {
			action = "held-stale";
			sp_warn("input is %.0fs old (--max-age %.0fs): not scaling %s/%s down from %ld to %ld",
			    age, maxage, resource, name, sc.replicas, desired);
		} else if (dry) {
			action = "dry-run";
		} else {
			sp_kube_scale after;
			rc = method == 0
			    ? sp_kube_put_scale(&cfg, &ho, resource, ns, name, desired, sc.rv, &after, &http, &err)
			    : sp_kube_patch_scale(&cfg, &ho, resource, ns, name, desired, &after, &http, &err);
			if (rc < 0 && http == 409 && attempt < cretries) {
				if (verbose)
					sp_warn("conflict; re-reading (%d of %ld)", attempt + 1, cretries);
				continue;
			}
			if (rc < 0)
				sp_die_err(&err);
			applied = after.replicas;
			action = "scaled";
		}
		break;
	}

	/* 5. what was done */
	w = sp_csv_writer_new(stdout);
	if (!w)
		sp_die("out of memory");
	{
		static const char *const hdr[] = { "timestamp", "namespace", "kind", "name", "current",
			"desired", "replicas", "action", "input_age" };
		for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
			sp_csv_write_str(w, hdr[i]);
		sp_csv_end_row(w);
	}
	sp_csv_write_time(w, now);
	sp_csv_write_str(w, ns);
	sp_csv_write_str(w, kind);
	sp_csv_write_str(w, name);
	sp_csv_write_long(w, sc.replicas);
	sp_csv_write_long(w, desired);
	sp_csv_write_long(w, applied);
	sp_csv_write_str(w, action);
	sp_csv_write_double(w, age);
	sp_csv_end_row(w);
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_die_err(&err);
	sp_csv_writer_free(w);
	sp_kube_cfg_free(&cfg);
	free(name);
	return 0;
}
