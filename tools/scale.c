/* scale: set a Deployment's or StatefulSet's replicas from the last input row. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_behavior.h"
#include "sp_cli.h"
#include "sp_cli_behavior.h"
#include "sp_cli_http.h"
#include "sp_csv.h"
#include "sp_keyed.h"
#include "sp_kube.h"
#include "sp_kube_fleet.h"
#include "sp_time.h"
#include "sp_state.h"

static const char synopsis[] =
    "scale [-c NAME] [-n NAMESPACE] [--kubeconfig FILE] [--context NAME] [--in-cluster]\n"
    "       [--dry-run] [--force] [--max-age DUR] [--observed FILE] [--state FILE]\n"
    "       [--max-down-pct P] [--method put|patch] [options] KIND/NAME [FILE]\n"
    "       scale --by NAME [--namespace-label L] [--name-label L] [--kind KIND | --kind-label L]\n"
    "       [--state DIR [--forget DUR]] [options] [FILE]";

typedef struct {
	const char *column, *ns, *input;
	const char *load_column, *observed, *state;  /* --load-column, --observed, --state */
	double deadline;        /* --deadline */
	sp_kube_source src;     /* --kubeconfig, --context, --in-cluster, --service-account-dir,
	                           --exec-timeout */
	sp_kube_apply_opts ap;  /* target, --dry-run, --force, --max-age, --method, --conflict-retries */
	sp_behavior_opts beh;   /* --max-down-pct, --max-up-pct, --max-up-pods, --down-stabilisation */
	const char *by;         /* --by: the key column; targets from the keys */
	sp_kube_fleet_map map;  /* --namespace-label, --name-label, --kind, --kind-label */
	sp_state_forget forget; /* --forget: targets left out of --state DIR */
	int verbose;
	sp_http_opts ho;
} options;

_Noreturn static void
usage(void)
{
	sp_behavior_opts b;

	sp_behavior_defaults(&b);
	printf("usage: %s\n\n"
	    "Sets the replicas of a Deployment or StatefulSet (KIND: deployment, deploy,\n"
	    "statefulset, sts) to the value in the last row of the input, through the\n"
	    "apps/v1 scale subresource, and prints a CSV row of what it did.  A target\n"
	    "annotated " SP_KUBE_PAUSED_ANNOTATION ": \"true\" (the kill switch) is never changed.\n\n"
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
	    "                            (never past the kill switch)\n"
	    "      --max-age DUR         change nothing, up or down, when the newest observed\n"
	    "                            load or the decision row is older than this [10m]\n"
	    "      --load-column NAME    the observed load: its newest row with a value dates\n"
	    "                            the input [load, when present; a column observed_at\n"
	    "                            wins; else the last row's timestamp]\n"
	    "      --observed FILE       date the input by FILE instead (the fetched series\n"
	    "                            before any gap filling: promfetch --null empty)\n"
	    "      --state FILE          recent recommendations, kept between runs for the\n"
	    "                            scale-down stabilisation (missing or corrupt: no\n"
	    "                            scale-down for one window, with a warning)\n"
	    "      --down-stabilisation SEC  scale down only to the largest recommendation\n"
	    "                            of the last SEC seconds (needs --state) [%g]\n"
	    "      --max-down-pct P      per run at most max(1, P%% of current) pods fewer;\n"
	    "                            below 50 never half or fewer (0: never down) [%g]\n"
	    "      --max-up-pct P        per run at most max(P%% of current, --max-up-pods)\n"
	    "      --max-up-pods N       pods more [%g, %ld]\n"
	    "      --method M            put (with resourceVersion; retried on conflict) or\n"
	    "                            patch (merge patch) [put]\n"
	    "      --conflict-retries N  re-read and retry after a 409 conflict [3]\n"
	    SP_CLI_HTTP_RETRY_HELP
	    "      --deadline SEC        all requests, retries included, within SEC [none]\n"
	    "      --exec-timeout SEC    an exec credential plugin's time [%d]\n"
	    "      --by NAME             NAME is the key column: one target per key (no KIND/NAME),\n"
	    "                            each key's newest decision; a key that fails holds and\n"
	    "                            the others go on (exit 1 when any failed); --state DIR\n"
	    "      --namespace-label L   --by: the key's label with the namespace [namespace;\n"
	    "                            absent: -n or the context's]\n"
	    "      --name-label L        --by: the key's label with the name [the kind:\n"
	    "                            deployment or statefulset]; a key without '=' is the name\n"
	    "      --kind KIND           --by: the targets' kind [deployment]\n"
	    "      --kind-label L        --by: the key's label with the kind instead\n"
	    "      --forget DUR          --by --state DIR: remove the file of a target whose\n"
	    "                            newest recommendation is older than the newest in DIR\n"
	    "                            minus DUR (90m, 1d, seconds), with a warning [never]\n"
	    "  -v, --verbose             requests on stderr (never credentials)\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", synopsis, b.down_window, b.max_down_pct,
	    b.max_up_pct, b.max_up_pods, SP_KUBE_EXEC_TIMEOUT);
	exit(0);
}

/* --by: the mapping options, and what does not go with it. */
static void
check_fleet(const options *o)
{
	char spec[64];
	sp_kube_target t;
	sp_error err;

	if (o->observed)
		sp_die_usage("--observed does not go with --by (give the load column in the input)");
	if (o->map.kind && o->map.kind_label)
		sp_die_usage("--kind and --kind-label exclude each other");
	if (o->forget.span > 0 && !o->state)
		sp_die_usage("--forget needs --state DIR");
	if (o->map.kind) {
		snprintf(spec, sizeof spec, "%.40s/x", o->map.kind);
		if (sp_kube_parse_target(spec, &t, &err) < 0)
			sp_die_usage("--kind: %s", err.msg);
	}
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_KCFG = 256, OPT_CTX, OPT_INCL, OPT_SADIR, OPT_DRY, OPT_FORCE, OPT_MAXAGE,
		OPT_METHOD, OPT_CRETRY, OPT_LOADCOL, OPT_OBSERVED, OPT_STATE,
		OPT_DEADLINE, OPT_EXECTO, OPT_BY, OPT_NSLABEL, OPT_NAMELABEL,
		OPT_KIND, OPT_KINDLABEL, OPT_FORGET, OPT_VERSION };
	static const struct option lo[] = {
		{ "column", required_argument, 0, 'c' }, { "namespace", required_argument, 0, 'n' },
		{ "kubeconfig", required_argument, 0, OPT_KCFG }, { "context", required_argument, 0, OPT_CTX },
		{ "in-cluster", no_argument, 0, OPT_INCL },
		{ "service-account-dir", required_argument, 0, OPT_SADIR },
		{ "dry-run", no_argument, 0, OPT_DRY }, { "force", no_argument, 0, OPT_FORCE },
		{ "max-age", required_argument, 0, OPT_MAXAGE }, { "method", required_argument, 0, OPT_METHOD },
		{ "conflict-retries", required_argument, 0, OPT_CRETRY },
		{ "load-column", required_argument, 0, OPT_LOADCOL }, { "observed", required_argument, 0, OPT_OBSERVED },
		{ "state", required_argument, 0, OPT_STATE },
		SP_CLI_BEHAVIOR_LONGOPTS,
		{ "deadline", required_argument, 0, OPT_DEADLINE }, { "exec-timeout", required_argument, 0, OPT_EXECTO },
		{ "by", required_argument, 0, OPT_BY }, { "namespace-label", required_argument, 0, OPT_NSLABEL },
		{ "name-label", required_argument, 0, OPT_NAMELABEL }, { "kind", required_argument, 0, OPT_KIND },
		{ "kind-label", required_argument, 0, OPT_KINDLABEL },
		{ "forget", required_argument, 0, OPT_FORGET },
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
	sp_behavior_defaults(&o->beh);
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
			if (sp_time_parse_duration(optarg, &o->ap.max_age) < 0)
				sp_die_usage("--max-age: not a duration: '%s'", optarg);
			break;
		case OPT_METHOD: o->ap.patch = sp_cli_choice("--method", optarg, methods); break;
		case OPT_CRETRY: o->ap.conflict_retries = sp_cli_long("--conflict-retries", optarg, 0, 100); break;
		case OPT_LOADCOL: o->load_column = optarg; break;
		case OPT_OBSERVED: o->observed = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_DEADLINE: o->deadline = sp_cli_double("--deadline", optarg, 0.001, 86400); break;
		case OPT_EXECTO: o->src.exec_timeout = sp_cli_double("--exec-timeout", optarg, 0.001, 3600); break;
		case OPT_BY: o->by = optarg; break;
		case OPT_NSLABEL: o->map.ns_label = optarg; break;
		case OPT_NAMELABEL: o->map.name_label = optarg; break;
		case OPT_KIND: o->map.kind = optarg; break;
		case OPT_KINDLABEL: o->map.kind_label = optarg; break;
		case OPT_FORGET: sp_die_if(sp_state_forget_parse(optarg, &o->forget, &err), &err); break;
		case 'v': o->verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default:
			if (!sp_cli_http_option(c, optarg, &o->ho, NULL) && !sp_cli_behavior_option(c, optarg, &o->beh))
				sp_cli_bad_option();
		}
	if (o->by) {
		check_fleet(o);
		target = NULL;
	} else if (o->map.ns_label || o->map.name_label || o->map.kind || o->map.kind_label) {
		sp_die_usage("--namespace-label, --name-label, --kind and --kind-label go with --by");
	} else if (o->forget.span > 0) {
		sp_die_usage("--forget goes with --by and --state DIR");
	} else if (optind >= argc) {
		sp_die_usage("missing target KIND/NAME (e.g. deployment/web)");
	} else {
		target = argv[optind++];
	}
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc)
		sp_die_usage("unexpected argument '%s'", argv[optind]);
	if (o->src.in_cluster && (o->src.kubeconfig || o->src.context))
		sp_die_usage("--in-cluster excludes --kubeconfig and --context");
	if (target)
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
		"desired", "replicas", "action", "input_age", "limit" };
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
	sp_csv_write_str(w, res->action == SP_KUBE_HELD_STALE || res->action == SP_KUBE_PAUSED ? "" :
	    sp_behavior_rule_name(res->rule));
	sp_csv_end_row(w);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
}

/* The input (and --observed): the decision and how old it is. */
static void
read_input(options *o, double now)
{
	sp_kube_input in;
	sp_csv_reader *r;
	const char *name;
	sp_error err;
	FILE *in_fp;
	int rc;

	in_fp = sp_cli_open_input(o->input, &name);
	if (!(r = sp_csv_reader_new(in_fp, name, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if ((rc = sp_kube_read_input(r, o->column, o->observed ? NULL : o->load_column, &in, &err)) < 0)
		sp_die_err(&err);
	if (rc > 0)
		sp_die("%s: no data rows", strcmp(name, "-") ? name : "input");
	sp_csv_reader_free(r);
	if (in_fp != stdin)
		fclose(in_fp);
	if (o->observed) {
		if (!(in_fp = fopen(o->observed, "r")))
			sp_die("%s: %s", o->observed, strerror(errno));
		if (!(r = sp_csv_reader_new(in_fp, o->observed, SP_CSV_NEED_TIMESTAMP, &err)) ||
		    (rc = sp_kube_read_observed(r, o->load_column, &in.observed, &err)) < 0)
			sp_die_err(&err);
		if (rc > 0)
			sp_die("%s: no row with an observed value", o->observed);
		snprintf(in.observed_from, sizeof in.observed_from, "%s", o->observed);
		sp_csv_reader_free(r);
		fclose(in_fp);
	}
	o->ap.desired = in.replicas;
	sp_die_if(sp_kube_input_check(&in, &err), &err);
	sp_die_if(sp_kube_input_age(&in, now, &o->ap.age, &err), &err);
	if (o->verbose)
		sp_warn("decision %ld at %.0f, newest observation at %.0f (from %s): input age %.0fs",
		    in.replicas, in.t, in.observed, in.observed_from, o->ap.age);
}

/* --state (path, or NULL): the recommendations of earlier runs, or a
 * seed (warned). */
static void
load_state(const options *o, sp_kube_apply_opts *ap, const char *path, sp_behavior_hist *h, const char *key)
{
	sp_error err;
	int rc;

	ap->behavior = &o->beh;
	if (!path)
		return;
	ap->hist = h;
	if ((rc = sp_behavior_load(path, key, h, &err)) == 0)
		return;
	ap->hist_seed = 1;
	if (rc > 0)
		sp_warn("%s: no state yet: no scale-down before %gs of recommendations", path,
		    o->beh.down_window);
	else
		sp_warn("%s; starting over: no scale-down before %gs of recommendations", err.msg,
		    o->beh.down_window);
}

/* What was held, and why, on stderr ("key 'K': " in front with --by). */
static void
report(const sp_kube_apply_opts *ap, const sp_kube_result *res, const char *key)
{
	const sp_kube_target *t = &ap->target;
	char pre[300] = "";

	if (key)
		snprintf(pre, sizeof pre, "key '%.250s': ", key);
	if (res->action == SP_KUBE_HELD_STALE && isnan(ap->age))
		sp_warn("%sinput has no observed load: not scaling %s/%s from %ld to %ld", pre, t->resource,
		    t->name, res->current, ap->desired);
	else if (res->action == SP_KUBE_HELD_STALE)
		sp_warn("%sinput is %.0fs old (--max-age %.0fs): not scaling %s/%s from %ld to %ld", pre,
		    ap->age, ap->max_age, t->resource, t->name, res->current, ap->desired);
	else if (res->action == SP_KUBE_PAUSED)
		sp_warn("%s%s/%s carries %s: %s: not scaling it from %ld to %ld", pre, t->resource, t->name,
		    SP_KUBE_PAUSED_ANNOTATION, res->paused, res->current, res->target);
	if (res->reread)
		sp_warn("%sthe answer to the write was lost; a re-read found %s/%s at %ld replicas (applied)",
		    pre, t->resource, t->name, res->replicas);
}

/* ---- --by: one target per key ---- */

/* The row of one key: the key second, and an error column last; what is
 * not known is empty. */
static void
fleet_row(sp_csv_writer *w, double now, const char *key, const sp_kube_fleet_key *k, int bad_data,
    const sp_kube_apply_opts *ap, const sp_kube_result *res)
{
	int named = !k->failed || k->target.name, i;
	long v[3] = { res ? res->current : -1, named && !bad_data ? k->in.replicas : -1, res ? res->replicas : -1 };

	sp_csv_write_time(w, now);
	sp_csv_write_str(w, key);
	sp_csv_write_str(w, named ? k->ns : "");
	sp_csv_write_str(w, named ? k->target.kind : "");
	sp_csv_write_str(w, named ? k->target.name : "");
	for (i = 0; i < 3; i++)
		if (v[i] < 0)
			sp_csv_write_str(w, "");
		else
			sp_csv_write_long(w, v[i]);
	sp_csv_write_str(w, k->failed ? "failed" : sp_kube_action_name(res->action));
	sp_csv_write_double(w, ap ? ap->age : NAN);
	sp_csv_write_str(w, k->failed || res->action == SP_KUBE_HELD_STALE || res->action == SP_KUBE_PAUSED ? "" :
	    sp_behavior_rule_name(res->rule));
	sp_csv_write_str(w, k->failed ? k->err.msg : "");
	sp_csv_end_row(w);
}

/* Put the histories waiting in batch in place (one sync); a failure loses
 * those histories only (their decisions were applied), with a warning. */
static void
flush_histories(sp_behavior_batch *batch)
{
	sp_error err;
	size_t lost = sp_behavior_batch_flush(batch, &err);

	if (lost)
		sp_warn("%s; the histories of %zu targets are lost (their decisions were applied)", err.msg, lost);
}

/* One key: its target, the age of its input, apply; a failure fails the
 * key only.  --state DIR: the history in DIR/NS_KIND_NAME, left in batch. */
static void
fleet_key(const options *o, const sp_kube_cfg *cfg, const sp_http_opts *ho, const char *key, size_t len,
    sp_kube_fleet_key *k, double now, sp_csv_writer *w, sp_behavior_batch *batch)
{
	sp_kube_apply_opts ap = o->ap;
	sp_behavior_hist hist = { 0 };
	sp_kube_result res;
	char target[400], path[4200];
	int done = 0, bad_data = k->failed;

	ap.age = NAN;
	memset(&res, 0, sizeof res);
	if (bad_data) {  /* name the target in the row all the same */
		sp_error keep = k->err;
		sp_kube_fleet_target(key, len, &o->map, k);
		k->err = keep;
		k->failed = 1;
	}
	if (!k->failed && sp_kube_fleet_target(key, len, &o->map, k) == 0 &&
	    sp_kube_input_check(&k->in, &k->err) == 0 && sp_kube_input_age(&k->in, now, &ap.age, &k->err) == 0) {
		ap.target = k->target;
		ap.ns = k->ns;
		ap.desired = k->in.replicas;
		ap.now = now;
		snprintf(target, sizeof target, "%s/%s/%s", k->ns, k->target.kind, k->target.name);
		snprintf(path, sizeof path, "%s/%s_%s_%s", o->state ? o->state : "", k->ns, k->target.kind,
		    k->target.name);
		/* another key's target written in this run: in place first */
		if (batch && sp_behavior_batch_waiting(batch, path))
			flush_histories(batch);
		load_state(o, &ap, batch ? path : NULL, &hist, target);
		done = sp_kube_apply(cfg, ho, &ap, &res, &k->err) == 0;
		if (done && batch && res.recorded) {
			sp_error e;
			if (sp_behavior_batch_save(batch, path, target, &hist, &e) < 0)
				sp_warn("key '%s': %s", key, e.msg);  /* applied; the history is lost */
		}
	}
	k->failed = !done;
	if (done)
		report(&ap, &res, key);
	else
		sp_warn("key '%s': %s: held", key, k->err.msg);
	fleet_row(w, now, key, k, bad_data, &ap, done ? &res : NULL);
	sp_behavior_hist_free(&hist);
}

/* --forget: the files in --state DIR of targets that had no decision for
 * that long; a failure is a warning (the keys are applied). */
static void
forget_targets(options *o)
{
	sp_error err;
	long n;

	o->forget.forgot = sp_warn_note;
	if (o->forget.span > 0 && sp_kube_fleet_forget(o->state, &o->forget, &n, &err) < 0)
		sp_warn("warning: --forget: %s", err.msg);
}

/* scale --by: read every key, then apply each key's newest decision to its
 * target, in the order the keys came.  1 when any key failed. */
static int
scale_fleet(options *o, double now)
{
	static const char *const hdr[] = { "timestamp", NULL, "namespace", "kind", "name", "current",
		"desired", "replicas", "action", "input_age", "limit", "error" };
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_keyed *keys;
	sp_behavior_batch *batch = NULL;
	sp_kube_cfg cfg;
	sp_error err;
	const char *name;
	FILE *fp = sp_cli_open_input(o->input, &name);
	size_t i, nfail = 0;

	if (!(r = sp_csv_reader_new(fp, name, SP_CSV_NEED_TIMESTAMP | SP_CSV_ANY_ORDER, &err)))
		sp_die_err(&err);
	sp_die_if(sp_kube_fleet_read(r, o->by, o->column, o->load_column, &keys, &err), &err);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	sp_die_if(sp_kube_load(&o->src, &cfg, &err), &err);
	o->map.default_ns = o->ns ? o->ns : cfg.namespace;
	sp_kube_http_opts(&cfg, &o->ho);
	sp_cli_http_verbose(&o->ho, &o->verbose);
	if (o->deadline > 0)
		sp_http_set_deadline(&o->ho, o->deadline);
	/* one connection, and per namespace one list of managers and one of
	 * the objects (for the kill switch) for the run */
	if (!(o->ho.session = sp_http_session_new(&err)))
		sp_die_err(&err);
	if (!(o->ap.managers = sp_kube_managers_new()))
		sp_die("out of memory");
	if (!(w = sp_csv_writer_new(stdout)) || (o->state && !(batch = sp_behavior_batch_new(o->state))))
		sp_die("out of memory");
	for (i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
		sp_csv_write_str(w, hdr[i] ? hdr[i] : o->by);
	sp_csv_end_row(w);
	for (i = 0; i < sp_keyed_count(keys); i++) {
		size_t len;
		const char *key = sp_keyed_key(keys, i, &len);
		sp_kube_fleet_key *k = sp_keyed_state(keys, i);
		fleet_key(o, &cfg, &o->ho, key, len, k, now, w, batch);
		nfail += (size_t)k->failed;
	}
	if (batch)
		flush_histories(batch);
	sp_behavior_batch_free(batch);
	forget_targets(o);
	if (o->verbose)
		sp_warn("%ld requests over %ld connections; %ld manager lists, %ld workload lists",
		    sp_http_session_requests(o->ho.session), sp_http_session_connects(o->ho.session),
		    sp_kube_managers_lists(o->ap.managers), sp_kube_managers_object_lists(o->ap.managers));
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
	if (nfail)
		sp_warn("%zu of %zu keys failed (held); the others were applied", nfail, sp_keyed_count(keys));
	sp_keyed_free(keys);
	sp_kube_managers_free(o->ap.managers);
	sp_http_session_free(o->ho.session);
	sp_kube_cfg_free(&cfg);
	return nfail ? 1 : 0;
}

int
main(int argc, char **argv)
{
	options o;
	const sp_kube_target *t = &o.ap.target;
	sp_behavior_hist hist = { 0 };
	sp_kube_cfg cfg;
	sp_kube_result res;
	sp_error err;
	char key[512];
	double now;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	now = (double)time(NULL);
	if (o.by)
		return scale_fleet(&o, now);
	read_input(&o, now);

	/* credentials, then the target: read, check, decide, write */
	sp_die_if(sp_kube_load(&o.src, &cfg, &err), &err);
	o.ap.ns = o.ns ? o.ns : cfg.namespace;
	snprintf(key, sizeof key, "%s/%s/%s", o.ap.ns, t->kind, t->name);
	load_state(&o, &o.ap, o.state, &hist, key);
	o.ap.now = now;
	sp_kube_http_opts(&cfg, &o.ho);
	sp_cli_http_verbose(&o.ho, &o.verbose);
	if (o.deadline > 0)
		sp_http_set_deadline(&o.ho, o.deadline);
	if (o.verbose)
		sp_warn("server %s, context %s, namespace %s, %s/%s", cfg.server, cfg.context, o.ap.ns,
		    t->resource, t->name);
	sp_die_if(sp_kube_apply(&cfg, &o.ho, &o.ap, &res, &err), &err);
	report(&o.ap, &res, NULL);
	if (o.state && res.recorded)
		sp_die_if(sp_behavior_save(o.state, key, &hist, &err), &err);

	write_result(now, &o, &res);
	sp_behavior_hist_free(&hist);
	sp_kube_cfg_free(&cfg);
	return 0;
}
