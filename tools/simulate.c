/* simulate: replay replica decisions (or run a policy in a closed loop:
 * hpa, threshold, forecast, burst or a peer autoscaler) against a load
 * trace on a simulated cluster, tick by tick, and score them on SLO
 * violations, cost, latency and churn.  See sp_simrun.h and sp_sim.h. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_band.h"
#include "sp_burst.h"
#include "sp_cli.h"
#include "sp_cli_behavior.h"
#include "sp_cli_hpa.h"
#include "sp_cli_perf.h"
#include "sp_cli_predict.h"
#include "sp_csv.h"
#include "sp_keyed.h"
#include "sp_perf.h"
#include "sp_plan.h"
#include "sp_policy.h"
#include "sp_sim.h"
#include "sp_simrun.h"

static const char synopsis[] =
    "simulate [-c NAME] [--policy P] [--tick SEC] [--curve FILE] [--slo MS] "
    "[--startup SEC] [--summary] [--by NAME] [options] [FILE]";

/* scalepipe-tick's CronJob decides once a minute */
#define INTERVAL_DEFAULT 60.0
#define REACT_DEFAULT 15.0     /* scalepipe: REACT_EVERY in deploy/configmap.yaml */

static const char *const interps[] = { "hold", "linear", NULL };
static const char *const reactives[] = { "hpa", "load", "none", NULL };

enum {
	OPT_POLICY = 256, OPT_REPCOL, OPT_STARTUP, OPT_NOQUEUE, OPT_QTIMEOUT, OPT_STEP, OPT_MIN, OPT_MAX,
	OPT_INITIAL, OPT_TARGET, OPT_THRLOW, OPT_REACTIVE,
	OPT_OVERPROV, OPT_SCALEIN, OPT_SUMMARY, OPT_NAME, OPT_NOHEADER, OPT_TICK, OPT_INTERVAL, OPT_REACT, OPT_INTERP, OPT_MWIN,
	OPT_CPUINIT, OPT_BY, OPT_PUBLISH, OPT_LIMITS, OPT_VERSION
};

static const struct option longopts[] = {
	{ "column", required_argument, 0, 'c' },
	{ "policy", required_argument, 0, OPT_POLICY },
	{ "replicas-col", required_argument, 0, OPT_REPCOL },
	SP_CLI_PERF_LONGOPTS,
	{ "startup", required_argument, 0, OPT_STARTUP },
	{ "no-queue", no_argument, 0, OPT_NOQUEUE },
	{ "queue-timeout", required_argument, 0, OPT_QTIMEOUT },
	{ "step", required_argument, 0, OPT_STEP },
	{ "tick", required_argument, 0, OPT_TICK },
	{ "interval", required_argument, 0, OPT_INTERVAL },
	{ "react", required_argument, 0, OPT_REACT },
	{ "interp", required_argument, 0, OPT_INTERP },
	{ "metric-window", required_argument, 0, OPT_MWIN },
	{ "cpu-init", required_argument, 0, OPT_CPUINIT },
	{ "min", required_argument, 0, OPT_MIN },
	{ "max", required_argument, 0, OPT_MAX },
	{ "initial", required_argument, 0, OPT_INITIAL },
	{ "target", required_argument, 0, OPT_TARGET },
	SP_CLI_HPA_LONGOPTS,
	{ "threshold-low", required_argument, 0, OPT_THRLOW },
	{ "reactive", required_argument, 0, OPT_REACTIVE },
	{ "overprov", required_argument, 0, OPT_OVERPROV },
	{ "scale-in", no_argument, 0, OPT_SCALEIN },
	{ "publish", no_argument, 0, OPT_PUBLISH },
	{ "scale-limits", no_argument, 0, OPT_LIMITS },
	SP_CLI_BEHAVIOR_LONGOPTS,
	SP_CLI_PREDICT_LONGOPTS,
	{ "summary", no_argument, 0, OPT_SUMMARY },
	{ "name", required_argument, 0, OPT_NAME },
	{ "no-header", no_argument, 0, OPT_NOHEADER },
	{ "by", required_argument, 0, OPT_BY },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ 0, 0, 0, 0 }
};

typedef struct {
	sp_plan_opts po;           /* closed-loop policy options */
	sp_sim_opts so;            /* simulator options */
	sp_simrun_opts ro;         /* ticks, metric window */
	sp_cli_perf perf;          /* performance model and SLO */
	sp_policy_kind policy;     /* replay by default */
	double target;             /* --target, NaN if not given */
	const char *column;        /* load column */
	const char *repcol;        /* replay: replicas column */
	const char *name;          /* policy name in the summary */
	int summary, no_header;    /* print the summary row instead of the steps */
	int initial_given;
	sp_cli_predict pred;       /* --lead-time, --margin, --hysteresis */
	int reactive_given;
	double interval;           /* --interval, NaN if not given */
	double react;              /* --react, NaN if not given */
	const char *input;         /* FILE operand, or NULL */
	const char *by;            /* --by: the key column, or NULL */
	int publish;               /* --publish: an HPA sets the count */
} opts;


_Noreturn static void
usage(const opts *o)
{
	printf("usage: %s\n\n"
	    "Run a load trace through a simulated cluster, tick by tick: replay the\n"
	    "replicas column of plan, or run a policy closed-loop on the CPU and latency\n"
	    "simulated; print per-step rows or (--summary) one row of SLO, cost,\n"
	    "latency and churn metrics.\n\n"
	    "  -c, --column NAME      load column (requests/s) [first data column]\n"
	    "      --policy P         replay, hpa, threshold, forecast, burst, scalepipe, keda,\n"
	    "                         kpa, crane, aws or ahpa [replay]\n"
	    "      --replicas-col NAME  replay: the replicas column [%s]\n", synopsis, o->repcol);
	sp_cli_perf_help(&o->perf, 25, "ideal load per replica [from the curve]");
	printf("      --startup SEC      seconds from a scale-up decision to ready pods [%g]\n"
	    "      --tick SEC         decide and account every SEC seconds; 0 = once per row [%g]\n"
	    "      --interval SEC     forecast/burst/scalepipe decide every SEC seconds (at the\n"
	    "                         first tick that far after their last decision), as\n"
	    "                         scalepipe-tick's CronJob decides once a minute; 0 = every\n"
	    "                         tick [%g]\n"
	    "      --react SEC        forecast/burst/scalepipe: between those decisions, every\n"
	    "                         SEC seconds the reactive rule alone, scale-up only, as\n"
	    "                         scalepipe-tick's REACT_EVERY checks; 0 = never\n"
	    "                         [scalepipe %g, others 0]\n"
	    "      --interp I         load within a row: hold, or linear between the rows'\n"
	    "                         middles (a row's value is its step's mean) [hold]\n"
	    "      --metric-window SEC  what reactive policies average over [%g]\n"
	    "      --cpu-init SEC     hpa: CPU initialisation period [%g]\n"
	    "      --no-queue         do not carry a backlog of unserved requests\n"
	    "      --queue-timeout SEC  drop requests that would wait longer [%g]\n"
	    "      --step SEC         seconds per row [from the timestamps]\n"
	    "      --min N            closed loop: fewest replicas [%d]\n"
	    "      --max N            closed loop: most replicas [%d]\n"
	    "      --initial N        closed loop: replicas at the start [ceil(first load / w*)]\n"
	    "      --target X         the policy's knob: hpa CPU %% (or load, see --hpa-metric) [%g];\n"
	    "                         keda the trigger threshold [required]; kpa, crane, aws,\n"
	    "                         ahpa the per-pod target in %% of w* [kpa 70, others 80]\n"
	    "                         (keda: --hpa-metric value, else average-value)\n",
	    o->so.startup, o->ro.tick, INTERVAL_DEFAULT, REACT_DEFAULT, o->ro.window, o->ro.cpu_init, o->so.queue_timeout, o->po.min, o->po.max,
	    o->po.target);
	sp_cli_hpa_help(&o->po, NULL, 25, 0);
	printf("      --threshold-low PCT  threshold: CPU floor [%g]\n"
	    "      --reactive R       forecast/burst/scalepipe: reactive rule hpa, load or none\n"
	    "                         [scalepipe load, others hpa]\n"
	    "      --overprov PCT     forecast/burst/scalepipe: over-provisioning [%g]\n"
	    "      --scale-in         forecast/burst/scalepipe: let the forecast scale in alone\n"
	    "      --publish          forecast/burst/scalepipe: publish the count (at --interval)\n"
	    "                         instead of setting it; an HPA sets the count every tick,\n"
	    "                         the larger of its metric's proposal (--target, the HPA\n"
	    "                         options) and the published count's (an External metric,\n"
	    "                         averageValue 1): SCALE_MODE=publish with\n"
	    "                         deploy/hpa/hpa-external.yaml\n"
	    "      --scale-limits     forecast/burst/scalepipe, not with --publish: each count\n"
	    "                         the plan sets (a decision; a check that wants more)\n"
	    "                         goes through scale's limits per run, as scalepipe-tick's\n"
	    "                         scale applies them: the scale-down stabilisation and the\n"
	    "                         rates below (each of which implies --scale-limits)\n"
	    "      --down-stabilisation SEC  scale down only to the largest count set in SEC\n"
	    "                         [%g]\n"
	    "      --max-down-pct P   at most max(1, P%% of the count) pods fewer per run, never\n"
	    "                         half or fewer while P < 50 [%g]\n"
	    "      --max-up-pct P, --max-up-pods N  at most max(ceil(P%% of the count), N)\n"
	    "                         pods more per run [%g, %ld]\n",
	    o->po.thr_low, o->po.overprov * 100, o->ro.behavior.down_window, o->ro.behavior.max_down_pct,
	    o->ro.behavior.max_up_pct, o->ro.behavior.max_up_pods);
	sp_cli_predict_help(25, "the start-up plus\n"
	    "                         --interval or --tick, the longer (once per row: always)");
	printf("      --summary          print one summary row instead of the steps\n"
	    "      --name NAME        policy name in the summary [the policy]\n"
	    "      --no-header        summary row without its header\n"
	    "      --by NAME          NAME is the key column: a cluster and policy per key;\n"
	    "                         steps carry the key second, --summary writes a row per\n"
	    "                         key and a total row (empty key) over all keys' steps\n"
	    "  -h, --help             this help\n"
	    "      --version          print the version\n");
	exit(0);
}

/* forecast, burst, scalepipe: the policies that read a forecast, run by a cron job */
static int
predictive(sp_policy_kind k)
{
	return k == SP_POLICY_FORECAST || k == SP_POLICY_BURST || k == SP_POLICY_SCALEPIPE;
}

static void
parse_options(int argc, char **argv, opts *o)
{
	sp_plan_opts *po = &o->po;
	sp_sim_opts *so = &o->so;
	int ch;

	memset(o, 0, sizeof *o);
	sp_plan_defaults(po);
	sp_sim_defaults(so);
	sp_simrun_defaults(&o->ro);
	sp_cli_perf_defaults(&o->perf);
	sp_cli_predict_defaults(&o->pred);
	o->repcol = "replicas";
	o->target = NAN;
	o->interval = NAN;
	o->react = NAN;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o->column = optarg; break;
		case OPT_POLICY: o->policy = (sp_policy_kind)sp_cli_choice("--policy", optarg, sp_policy_names); break;
		case OPT_REPCOL: o->repcol = optarg; break;
		case OPT_STARTUP: so->startup = sp_cli_double("--startup", optarg, 0, 1e7); break;
		case OPT_TICK: o->ro.tick = sp_cli_double("--tick", optarg, 0, 1e7); break;
		case OPT_INTERVAL: o->interval = sp_cli_double("--interval", optarg, 0, 1e7); break;
		case OPT_REACT: o->react = sp_cli_double("--react", optarg, 0, 1e7); break;
		case OPT_INTERP: o->ro.interp = sp_cli_choice("--interp", optarg, interps); break;
		case OPT_MWIN: o->ro.window = sp_cli_double("--metric-window", optarg, 1e-3, 1e7); break;
		case OPT_CPUINIT: o->ro.cpu_init = sp_cli_double("--cpu-init", optarg, 0, 1e7); break;
		case OPT_NOQUEUE: so->queue = 0; break;
		case OPT_QTIMEOUT: so->queue_timeout = sp_cli_double("--queue-timeout", optarg, 0, 1e7); break;
		case OPT_STEP: o->ro.step = sp_cli_double("--step", optarg, 1e-6, 1e9); break;
		case OPT_MIN: po->min = (int)sp_cli_long("--min", optarg, 0, 1000000); break;
		case OPT_MAX: po->max = (int)sp_cli_long("--max", optarg, 1, 1000000); break;
		case OPT_INITIAL: po->initial = (int)sp_cli_long("--initial", optarg, 1, 1000000); o->initial_given = 1; break;
		case OPT_TARGET: po->target = o->target = sp_cli_double("--target", optarg, 1e-3, 1e12); break;
		case OPT_THRLOW: po->thr_low = sp_cli_double("--threshold-low", optarg, 0, 100); break;
		case OPT_REACTIVE: o->reactive_given = 1; po->reactive = (sp_plan_reactive)sp_cli_choice("--reactive", optarg, reactives); break;
		case OPT_OVERPROV: po->overprov = sp_cli_double("--overprov", optarg, 0, 1000) / 100; break;
		case OPT_SCALEIN: po->scale_in = 1; break;
		case OPT_SUMMARY: o->summary = 1; break;
		case OPT_NAME: o->name = optarg; break;
		case OPT_NOHEADER: o->no_header = 1; break;
		case OPT_BY: o->by = optarg; break;
		case OPT_PUBLISH: o->publish = 1; break;
		case OPT_LIMITS: o->ro.limits = 1; break;
		case 'h': usage(o);
		case OPT_VERSION: sp_cli_version();
		default:
			if (sp_cli_behavior_option(ch, optarg, &o->ro.behavior))
				o->ro.limits = 1;   /* each of scale's limits implies --scale-limits */
			else if (!sp_cli_perf_option(ch, optarg, &o->perf) && !sp_cli_hpa_option(ch, optarg, po, NULL) &&
			    !sp_cli_predict_option(ch, optarg, &o->pred))
				sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	so->slo = po->slo = o->perf.slo;
	po->cpu_cap = o->perf.cpu_cap;
	if (po->min > po->max)
		sp_die_usage("--min (%d) must not be greater than --max (%d)", po->min, po->max);
	if (o->publish && !predictive(o->policy))
		sp_die_usage("--publish needs --policy forecast, burst or scalepipe");
	if (o->ro.limits && (!predictive(o->policy) || o->publish))
		sp_die_usage("--scale-limits and scale's limits are for --policy forecast, burst or scalepipe "
		    "setting the count (not --publish: the HPA's own behavior applies there)");
	if (o->policy == SP_POLICY_KEDA && !isfinite(o->target))
		sp_die_usage("--policy keda needs --target (the trigger's threshold)");
	po->policy = o->policy == SP_POLICY_HPA ? SP_PLAN_HPA : o->policy == SP_POLICY_THRESHOLD ? SP_PLAN_THRESHOLD :
	    o->policy == SP_POLICY_FORECAST ? SP_PLAN_FORECAST : SP_PLAN_BURST;
	/* a cron job runs the predictive policies: their decision interval */
	o->ro.interval = !predictive(o->policy) ? 0 : !isnan(o->interval) ? o->interval : INTERVAL_DEFAULT;
	/* and its checks between decisions (REACT_EVERY) */
	o->ro.react = !predictive(o->policy) || o->publish ? 0 : !isnan(o->react) ? o->react :
	    o->policy == SP_POLICY_SCALEPIPE ? REACT_DEFAULT : 0;
	if (o->publish && o->react > 0)
		sp_die_usage("--react does not go with --publish (the HPA reacts between the plan's decisions)");
	sp_cli_predict_apply(&o->pred, o->policy == SP_POLICY_SCALEPIPE, o->reactive_given,
	    so->startup + (o->ro.tick > 0 ? (o->ro.interval > o->ro.tick ? o->ro.interval : o->ro.tick) : INFINITY), po);
	sp_cli_perf_check(&o->perf, 0);
}

/* One series (the whole input, or one key with --by): its cluster and
 * what decides it in a closed loop. */
typedef struct {
	sp_sim *sim;
	sp_simrun *run;
	sp_plan *plan;             /* hpa, threshold, forecast, burst: made at the first row */
	sp_plan *front;            /* --publish: the HPA that sets the count */
	sp_peer peer;              /* keda, kpa, crane, aws, ahpa: made at the first row */
	char state[64];            /* the state of the last row pushed: the step simulated next */
	const char *key;           /* --by: the key (the map's copy), else NULL */
	long n;                    /* rows pushed */
	long ended;                /* --by: the row of the key that lacked its load, else 0 */
	double prev;               /* --by: the key's last time */
} unit;

/* The run: where rows go, the columns, the series. */
typedef struct {
	const opts *o;
	sp_csv_writer *w;
	const sp_perf *perf;
	int closed;                /* a policy decides (not replay) */
	int loadc, repc, bycol;    /* load, (replay) replicas and (--by) key columns */
	sp_band_cols bc;           /* band and state columns */
} run;

static void *
unit_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const run *ru = ctx;
	unit *u = calloc(1, sizeof *u);

	(void)len;
	if (!u) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	u->key = ru->o->by ? key : NULL;
	u->prev = NAN;
	if (!(u->sim = sp_sim_new(&ru->o->so, ru->perf, err)) || !(u->run = sp_simrun_new(&ru->o->ro, u->sim, err))) {
		sp_sim_free(u->sim);
		free(u);
		return NULL;
	}
	return u;
}

static void
unit_free(void *ctx, void *p)
{
	unit *u = p;

	(void)ctx;
	sp_simrun_free(u->run);
	sp_plan_free(u->plan);
	sp_plan_free(u->front);
	sp_peer_free(&u->peer);
	sp_sim_free(u->sim);
	free(u);
}

static void
emit(run *ru, const unit *u, const sp_simrun_out *s)
{
	sp_csv_writer *w = ru->w;

	if (ru->o->summary)
		return;
	sp_csv_write_time(w, s->t);
	if (u->key)
		sp_csv_write_str(w, u->key);
	sp_csv_write_double(w, s->load);
	sp_csv_write_long(w, s->row.replicas);
	sp_csv_write_long(w, s->row.ready);
	sp_csv_write_double(w, s->row.latency);
	sp_csv_write_double(w, s->row.cpu);
	sp_csv_write_double(w, s->row.violation);
	sp_csv_write_double(w, s->row.cost);
	sp_csv_write_long(w, s->row.ideal);
	sp_csv_write_double(w, s->row.backlog);
	if (ru->bc.state >= 0)
		sp_csv_write_str(w, u->state);
	if (ru->closed)
		sp_csv_write_str(w, s->reason ? s->reason : "");
	sp_csv_end_row(w);
}

/* The summary row of n simulators (one, or the total of the keys); the
 * header before it when header is set; the key second with --by. */
static void
write_summary(sp_csv_writer *w, const sp_sim *const *sims, size_t nsim, const char *key, int header,
    const opts *o)
{
	static const char *const pre[] = { "", "burst_", "nonburst_" };
	static const char *const cols[] = { "steps", "violations", "slo_violation_pct", "violation_ms",
		"cost", "replica_steps", "mean_latency", "p95_latency", "latency_sd", "max_latency",
		"mean_cpu", "over", "under", "churn", "scaling_actions", "p99_latency", "replica_changes",
		"pods_started" };
	enum { NC = sizeof cols / sizeof cols[0], NOLD = 15 };
	int k, i;
	char buf[64];
	double v[SP_SIM_NSPLIT][NC];

	for (k = 0; k < SP_SIM_NSPLIT; k++) {
		sp_sim_summary s;
		sp_error err;
		if (nsim == 1)
			sp_sim_summarise(sims[0], k, &s);
		else
			sp_die_if(sp_sim_summarise_total(sims, nsim, k, &s, &err), &err);
		v[k][0] = (double)s.steps;
		v[k][1] = s.violations;
		v[k][2] = s.steps ? 100.0 * s.violations / (double)s.steps : NAN;
		v[k][3] = s.violation_ms;
		v[k][4] = s.cost;
		v[k][5] = s.replica_steps;
		v[k][6] = s.mean_latency;
		v[k][7] = s.p95_latency;
		v[k][8] = s.sd_latency;
		v[k][9] = s.max_latency;
		v[k][10] = s.mean_cpu;
		v[k][11] = s.over;
		v[k][12] = s.under;
		v[k][13] = s.churn;
		v[k][14] = (double)s.scaling_actions;
		v[k][15] = s.p99_latency;
		v[k][16] = (double)s.replica_changes;
		v[k][17] = (double)s.pods_started;
	}
	/* the split columns (counts, cost, provisioning) after the totals, the
	 * columns added later at the end so that older readers keep theirs */
	if (header) {
		sp_csv_write_str(w, "policy");
		if (o->by)
			sp_csv_write_str(w, o->by);
		for (k = 0; k < SP_SIM_NSPLIT; k++)
			for (i = 0; i < NOLD; i++) {
				if (k > 0 && i >= 6 && i != 11 && i != 12)
					continue;
				snprintf(buf, sizeof buf, "%s%s", pre[k], cols[i]);
				sp_csv_write_str(w, buf);
			}
		for (i = NOLD; i < NC; i++)
			sp_csv_write_str(w, cols[i]);
		sp_csv_end_row(w);
	}
	sp_csv_write_str(w, o->name ? o->name : sp_policy_names[o->policy]);
	if (o->by)
		sp_csv_write_str(w, key ? key : "");
	for (k = 0; k < SP_SIM_NSPLIT; k++)
		for (i = 0; i < NOLD; i++)
			if (k == 0 || i < 6 || i == 11 || i == 12)
				sp_csv_write_double(w, v[k][i]);
	for (i = NOLD; i < NC; i++)
		sp_csv_write_double(w, v[0][i]);
	sp_csv_end_row(w);
}

/* The columns the run reads, the header of the per-step output. */
static void
columns(run *ru, sp_csv_reader *r)
{
	sp_error err;
	const opts *o = ru->o;
	int pred = predictive(o->policy);

	ru->bycol = -1;
	if (o->by) {
		sp_die_if(ru->bycol = sp_csv_pick_col(r, o->by, &err), &err);
		if (ru->bycol == 0)
			sp_die_usage("--by: 'timestamp' is not a key column");
	}
	if (o->by && !o->column) {  /* the first data column that is not the key */
		size_t i;
		for (i = 1; i < sp_csv_ncols(r) && (int)i == ru->bycol; i++)
			;
		if (i == sp_csv_ncols(r))
			sp_die("no data column after 'timestamp' besides the key");
		ru->loadc = (int)i;
	} else {
		sp_die_if(ru->loadc = sp_csv_pick_col(r, o->column, &err), &err);
	}
	if (o->by && ru->loadc == ru->bycol)
		sp_die_usage("-c: '%s' is the key column (--by)", o->column);
	ru->repc = -1;
	if (!ru->closed)
		sp_die_if(ru->repc = sp_csv_pick_col(r, o->repcol, &err), &err);
	sp_die_if(sp_band_cols_find(r, NULL, &ru->bc, &err), &err);
	ru->bc.forecast = -1;
	if (!pred)  /* replay and the reactive policies read the state alone */
		ru->bc.demand = ru->bc.lower = ru->bc.upper = ru->bc.origin = ru->bc.next = ru->bc.hold = -1;
	if (pred && ru->bc.demand < 0)
		sp_die("forecast columns missing: no column 'demand' or 'forecast' for --policy %s",
		    sp_policy_names[o->policy]);
	if (!o->summary) {
		static const char *const h[] = { "timestamp", "workload", "replicas", "ready", "latency", "cpu",
			"violation", "cost", "ideal", "backlog" };
		size_t i;
		for (i = 0; i < sizeof h / sizeof h[0]; i++) {
			sp_csv_write_str(ru->w, h[i]);
			if (i == 0 && o->by)
				sp_csv_write_str(ru->w, o->by);
		}
		if (ru->bc.state >= 0)
			sp_csv_write_str(ru->w, "state");
		if (ru->closed)
			sp_csv_write_str(ru->w, "reason");
		sp_csv_end_row(ru->w);
	}
}

/* The decider, at the first row: the planner starts from ceil(first load /
 * w*) unless --initial; so does a peer. */
static void
make_policy(run *ru, unit *u, double first_load, const sp_csv_reader *r)
{
	sp_error err;
	const opts *o = ru->o;
	int initial = o->po.initial;

	if (!o->initial_given) {
		initial = first_load > 0 ? (int)ceil(first_load / o->po.wstar - 1e-9) : 1;
		if (initial < 1)
			initial = 1;
	}
	if (sp_policy_is_peer(o->policy)) {
		sp_policy_opts pol = { o->policy, o->target, o->po.metric == SP_PLAN_METRIC_VALUE, o->po.min,
			o->po.max, o->so.startup };
		double tl;
		if (sp_policy_peer_new(&pol, o->po.wstar, &u->peer, &tl, &err) < 0)
			goto fail;
		sp_simrun_use_peer(u->run, &u->peer, tl, initial);
	} else {
		sp_plan_opts po = o->po;
		po.initial = initial;
		if (!(u->plan = sp_plan_new(&po, ru->perf, &err)))
			goto fail;
		if (o->publish) {
			po.policy = SP_PLAN_HPA;
			po.external = 1;
			if (!(u->front = sp_plan_new(&po, ru->perf, &err)))
				goto fail;
			sp_simrun_use_publish(u->run, u->plan, u->front);
		} else {
			sp_simrun_use_plan(u->run, u->plan);
		}
	}
	return;
fail:
	if (u->key)
		sp_error_prefix(&err, "row %ld: key '%s'", sp_csv_rowno(r), u->key);
	sp_die_err(&err);
}

/* A row without its load: the open decision after the end of a trace
 * (plan and burstdetect write one), nothing to simulate; only the last
 * row (of its key, with --by) may lack it.  1: skip the row; 0: no more
 * rows; dies otherwise. */
static int
no_load(run *ru, unit *u, sp_csv_reader *r)
{
	sp_error err;
	int rc;

	if (ru->bycol >= 0) {
		u->ended = sp_csv_rowno(r);
		return 1;
	}
	if ((rc = sp_csv_next(r, &err)) == SP_EEOF)
		return 0;
	sp_die_if(rc, &err);
	sp_die_if(sp_csv_error(r, ru->loadc, &err, SP_EDATA, "missing load (only the last row may lack it)"), &err);
	return 0;
}

/* The series of the current row: the one, or its key's (time order checked). */
static unit *
row_unit(run *ru, sp_keyed *keys, sp_csv_reader *r, double t)
{
	sp_error err;
	unit *u;

	if (ru->bycol < 0)
		return sp_keyed_state(keys, 0);
	if (!(u = sp_keyed_row(keys, r, (size_t)ru->bycol, &err)))
		sp_die_err(&err);
	sp_die_if(sp_keyed_order(r, (size_t)ru->bycol, &u->prev, t, 0, &err), &err);
	if (u->ended)
		sp_die_if(sp_csv_error(r, ru->loadc, &err, SP_EDATA, "missing load at row %ld of key '%s' "
		    "(only a key's last row may lack it)", u->ended, u->key), &err);
	return u;
}

/* Read the rows, push them through the runners, write the steps; each
 * key's last step at the end, in the order the keys came. */
static void
simulate(run *ru, sp_keyed *keys, sp_csv_reader *r)
{
	sp_error err;
	sp_simrun_out out;
	int rc;
	unit *u;

	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		sp_simrun_in in;
		sp_band_row b;
		double v;

		memset(&in, 0, sizeof in);
		sp_die_if(sp_csv_get_timestamp(r, &in.t, &err), &err);
		u = row_unit(ru, keys, r, in.t);
		sp_die_if(sp_csv_get_double(r, (size_t)ru->loadc, &in.load, &err), &err);
		if (isnan(in.load)) {
			if (no_load(ru, u, r))
				continue;
			rc = SP_EEOF;
			break;
		}
		if (in.load < 0)
			sp_die_if(sp_csv_error(r, ru->loadc, &err, SP_EDATA, "negative load %g", in.load), &err);
		if (in.load / ru->o->po.wstar > SP_SIM_MAX_REPLICAS)  /* not a count: no int cast of it */
			sp_die_if(sp_csv_error(r, ru->loadc, &err, SP_EDATA, "load %g needs more than %d replicas "
			    "at w* %g", in.load, SP_SIM_MAX_REPLICAS, ru->o->po.wstar), &err);
		sp_die_if(sp_band_row_read(r, &ru->bc, &b, &err), &err);
		in.demand = b.demand;
		in.lower = b.lower;
		in.upper = b.upper;
		in.origin = b.origin;
		in.next = b.next;
		in.hold = b.hold;
		in.burst = b.state == SP_BURST_BURST;
		if (!ru->closed) {
			sp_die_if(sp_csv_get_double_req(r, (size_t)ru->repc, &v, &err), &err);
			if (v < 0 || v != floor(v) || v > 1e7)
				sp_die_if(sp_csv_error(r, ru->repc, &err, SP_EDATA, "not a replica count: %g", v), &err);
			in.replicas = (int)v;
		} else if (u->n == 0) {
			make_policy(ru, u, in.load, r);
		}
		u->n++;
		if ((rc = sp_simrun_push(u->run, &in, &out, &err)) < 0 && u->key)
			sp_error_prefix(&err, "key '%s'", u->key);
		sp_die_if(rc, &err);
		if (rc == 1)
			emit(ru, u, &out);
		snprintf(u->state, sizeof u->state, "%.*s", (int)b.state_len, b.state_text);
	}
	if (rc != SP_EEOF)
		sp_die_if(rc, &err);
	for (size_t i = 0; i < sp_keyed_count(keys); i++) {
		u = sp_keyed_state(keys, i);
		sp_die_if(rc = sp_simrun_finish(u->run, &out, &err), &err);
		if (rc == 1)
			emit(ru, u, &out);
	}
}

/* --summary: one row, or with --by one per key and the total. */
static void
summaries(const run *ru, const sp_keyed *keys)
{
	const opts *o = ru->o;
	size_t i, n = sp_keyed_count(keys);
	const sp_sim **sims;

	if (!o->by) {
		const sp_sim *one = ((const unit *)sp_keyed_state(keys, 0))->sim;
		write_summary(ru->w, &one, 1, NULL, !o->no_header, o);
		return;
	}
	if (!(sims = malloc((n ? n : 1) * sizeof *sims)))
		sp_die("out of memory");
	for (i = 0; i < n; i++) {
		sims[i] = ((const unit *)sp_keyed_state(keys, i))->sim;
		write_summary(ru->w, sims + i, 1, sp_keyed_key(keys, i, NULL), i == 0 && !o->no_header, o);
	}
	write_summary(ru->w, sims, n, "", n == 0 && !o->no_header, o);
	free(sims);
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	run ru;
	sp_csv_reader *r;
	sp_keyed *keys;
	sp_perf *perf;
	FILE *in;
	const char *name = "-";

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	perf = sp_cli_perf_load(&o.perf);
	if (o.perf.wstar > 0)
		o.so.wstar = o.perf.wstar;
	else
		sp_die_if(sp_perf_wstar(perf, o.so.slo, o.po.cpu_cap, &o.so.wstar, &err), &err);
	o.po.wstar = o.so.wstar;
	memset(&ru, 0, sizeof ru);
	ru.o = &o;
	ru.perf = perf;
	ru.closed = o.policy != SP_POLICY_REPLAY;
	if (!(keys = sp_keyed_new(unit_new, unit_free, &ru)))
		sp_die("out of memory");
	if (!o.by && !sp_keyed_get(keys, "", 0, &err))  /* the one series */
		sp_die_err(&err);
	in = sp_cli_open_input(o.input, &name);
	if (!(r = sp_csv_reader_new(in, name, SP_CSV_NEED_TIMESTAMP | (o.by ? SP_CSV_ANY_ORDER : 0), &err)))
		sp_die_err(&err);
	ru.w = sp_csv_writer_new(stdout);
	columns(&ru, r);
	simulate(&ru, keys, r);
	if (o.summary)
		summaries(&ru, keys);
	sp_die_if(sp_csv_writer_flush(ru.w, &err), &err);
	sp_csv_writer_free(ru.w);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	sp_keyed_free(keys);
	sp_perf_free(perf);
	return 0;
}
