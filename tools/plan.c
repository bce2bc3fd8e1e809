/* plan: demand + performance model + SLO to replicas, per step.
 *
 * Reads per-step rows (timestamp first: burstdetect's or arfit's
 * one-horizon output, or a plain load trace for --policy hpa/threshold) or
 * the multi-horizon long format (origin,timestamp,horizon,...; sp_band),
 * and appends `replicas` and `reason` (and `explain`).  The decision for a
 * step uses the measurements of earlier rows only; see sp_plan.h. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_band.h"
#include "sp_burst.h"
#include "sp_cli.h"
#include "sp_cli_hpa.h"
#include "sp_cli_perf.h"
#include "sp_cli_predict.h"
#include "sp_csv.h"
#include "sp_file.h"
#include "sp_hpa.h"
#include "sp_keyed.h"
#include "sp_perf.h"
#include "sp_plan.h"
#include "sp_policy.h"
#include "sp_rlenv.h"
#include "sp_state.h"

static const char synopsis[] =
    "plan [-c NAME] [--policy P] [--curve FILE] [--slo MS] [--by NAME] [--state FILE [--forget DURATION]] "
    "[options] [FILE]";

static const char *const policies[] = { "forecast", "burst", "hpa", "threshold", "ppo", "bascaler", "keda", "kpa",
	"crane", "aws", "ahpa", "scalepipe", NULL };
/* the peers of policies[], from "keda" on, up to "scalepipe" */
enum { FIRST_PEER = 6, SCALEPIPE = 11 };
static const char *const reactives[] = { "hpa", "load", "none", NULL };

enum {
	OPT_POLICY = 256, OPT_MIN, OPT_MAX, OPT_INITIAL, OPT_DEMAND, OPT_OVERPROV, OPT_LEAD, OPT_RAMPUP,
	OPT_RAMPDOWN, OPT_SCALEIN, OPT_REACTIVE, OPT_STALE, OPT_QWIN, OPT_MINCOV, OPT_MAXERR,
	OPT_TARGET, OPT_THRLOW,
	OPT_EXPLAIN, OPT_REACT, OPT_HOLDANOM, OPT_ANOMCOL, OPT_STATE, OPT_BY, OPT_FORGET, OPT_VERSION
};

static const struct option longopts[] = {
	{ "column", required_argument, 0, 'c' },
	{ "policy", required_argument, 0, OPT_POLICY },
	{ "model", required_argument, 0, 'm' },
	SP_CLI_PERF_LONGOPTS,
	SP_CLI_PREDICT_LONGOPTS,
	{ "min", required_argument, 0, OPT_MIN },
	{ "max", required_argument, 0, OPT_MAX },
	{ "initial", required_argument, 0, OPT_INITIAL },
	{ "demand-col", required_argument, 0, OPT_DEMAND },
	{ "overprov", required_argument, 0, OPT_OVERPROV },
	{ "lead", required_argument, 0, OPT_LEAD },
	{ "ramp-up", required_argument, 0, OPT_RAMPUP },
	{ "ramp-down", required_argument, 0, OPT_RAMPDOWN },
	{ "scale-in", no_argument, 0, OPT_SCALEIN },
	{ "reactive", required_argument, 0, OPT_REACTIVE },
	{ "stale", required_argument, 0, OPT_STALE },
	{ "quality-window", required_argument, 0, OPT_QWIN },
	{ "min-coverage", required_argument, 0, OPT_MINCOV },
	{ "max-error", required_argument, 0, OPT_MAXERR },
	{ "target", required_argument, 0, OPT_TARGET },
	SP_CLI_HPA_LONGOPTS,
	SP_CLI_HPA_PODS_LONGOPTS,
	{ "threshold-low", required_argument, 0, OPT_THRLOW },
	{ "explain", no_argument, 0, OPT_EXPLAIN },
	{ "react", no_argument, 0, OPT_REACT },
	{ "hold-on-anomaly", no_argument, 0, OPT_HOLDANOM },
	{ "anomaly-col", required_argument, 0, OPT_ANOMCOL },
	{ "state", required_argument, 0, OPT_STATE },
	{ "forget", required_argument, 0, OPT_FORGET },
	{ "by", required_argument, 0, OPT_BY },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ 0, 0, 0, 0 }
};

typedef struct {
	sp_plan_opts p;            /* planner options */
	sp_cli_perf perf;          /* performance model and SLO */
	sp_cli_hpa hpa;            /* hpa: --pods and its options */
	const char *column;        /* load column (-c) */
	const char *demand_col;    /* demand column */
	int lead;                  /* long format: horizons to take the max over */
	int explain;               /* add an explain column */
	int react;                 /* --react: each row a check between decisions */
	int rl;                    /* 1: --policy ppo, 2: bascaler (rltrain's agent, -m) */
	const char *rl_path;       /* the policy file */
	int target_given;          /* --target was given */
	int reactive_given;        /* --reactive was given */
	int scalepipe;             /* --policy scalepipe */
	sp_cli_predict pred;       /* --lead-time, --margin, --hysteresis */
	sp_policy_kind peer;       /* keda, kpa, crane, aws, ahpa; SP_POLICY_REPLAY: none */
	const char *input;         /* FILE operand, or NULL */
	int hold_anomaly;          /* --hold-on-anomaly */
	const char *anomaly_col;   /* its column [anomaly] */
	const char *state_path;    /* --state: the memory between runs */
	const char *by;            /* --by: the key column */
	sp_state_forget forget;    /* --forget: keys left out of the state */
} opts;

/* What decides: the planner, and for --policy ppo/bascaler the agent. */
typedef struct {
	sp_plan *plan;
	sp_rlenv_agent *agent;     /* NULL without -m */
	sp_peer peer;              /* --policy keda, kpa, crane, aws, ahpa */
	double peer_target;        /* its per-pod target */
	int rl;
	int explain;
	int initial;               /* peers: the count before the first row */
	int hpa_cols;              /* --hpa-columns */
	sp_hpa_pods *pods;         /* --pods, or NULL */
	const sp_cli_hpa *hpa;
	const char *state_path;    /* --state */
	sp_state_forget *forget;   /* --forget */
	const sp_plan_opts *po;    /* to start again cold */
	const sp_perf *perf;
	sp_keyed *keys;            /* --by: a track per key, or NULL */
	int bycol;                 /* ... the key column */
} planner;

_Noreturn static void
usage(const opts *op)
{
	const sp_plan_opts *o = &op->p;

	printf("usage: %s\n\n"
	    "Turn demand (a forecast, or burstdetect's demand) into replicas with a\n"
	    "performance model and an SLO, or run the exact Kubernetes HPA or\n"
	    "BAScaler's threshold rule on the measured load; appends replicas, reason.\n"
	    "Optional columns: current (the replicas set now), recent_load (the load\n"
	    "measured since the previous row, read instead of that row's load by the\n"
	    "reactive rule; scalepipe-tick fills it between rows of more than a minute),\n"
	    "decided_at (when the row is decided, in Unix seconds: the time of its\n"
	    "--stabilise recommendation and of the HPA's sync (--policy hpa, --reactive\n"
	    "hpa), which --state remembers for a row without a load, decided again each\n"
	    "minute; a row decided again at the same time replaces it; with\n"
	    "recent_load, the load so far in its step for --nowcast), check_replicas,\n"
	    "check_load and check_at (the last check between decisions that scaled up:\n"
	    "its count, the load it met, when; for --check-hold; empty: none).\n\n"
	    "  -c, --column NAME        observed load column [first data column]\n"
	    "      --policy P           forecast, burst, scalepipe, hpa, threshold, ppo, bascaler,\n"
	    "                           keda, kpa, crane, aws or ahpa [forecast]\n"
	    "  -m, --model POLICY       ppo, bascaler: rltrain's policy file\n", synopsis);
	sp_cli_perf_help(&op->perf, 27, "load per replica to plan for (skips the curve search)");
	printf("      --min N              fewest replicas [%d]\n"
	    "      --max N              most replicas [%d]\n"
	    "      --initial N          replicas before the first row [from the first demand]\n"
	    "      --demand-col NAME    demand column [demand, else forecast]\n"
	    "      --overprov PCT       over-provisioning added to the demand [%g]\n"
	    "      --lead N             long format: plan for the max over horizons 1..N [%d]\n"
	    "      --ramp-up N          most replicas added per step [unlimited]\n"
	    "      --ramp-down N        most replicas removed per step [unlimited]\n"
	    "      --scale-in           let the forecast scale in below the reactive rule\n"
	    "      --reactive R         reactive rule: hpa, load (ceil(load / w*)) or none\n"
	    "                           [scalepipe load, others hpa]\n"
	    "      --stale SEC          fall back when the forecast was made more than SEC before\n"
	    "      --quality-window N   fall back when the last N forecasts were poor [off]\n"
	    "      --min-coverage F     ... covering fewer than F of the actuals [%g]\n"
	    "      --max-error F        ... or with mean absolute %% error above F [%g]\n",
	    o->min, o->max, o->overprov * 100, op->lead, o->min_coverage, o->max_error);
	sp_cli_predict_help(27, "always (one decision per row)");
	printf("      --target X           hpa: target CPU %% or load (per replica for average-value,\n"
	    "                           pods, object-average) [%g];\n"
	    "                           keda: the trigger threshold [required]; kpa, crane, aws,\n"
	    "                           ahpa: per-pod target in %% of w* [kpa 70, others 80]\n",
	    o->target);
	sp_cli_hpa_help(o, &op->hpa, 27, SP_CLI_HPA_PODS);
	printf("      --threshold-low PCT  threshold: remove a replica at or below this CPU [%g]\n"
	    "      --explain            add an explain column saying why\n"
	    "      --react              forecast, burst, scalepipe: each row is a check between\n"
	    "                           decisions (scalepipe-tick's REACT_EVERY): the reactive\n"
	    "                           rule alone on the row's own load, up only, from the\n"
	    "                           current count (a current column, else the previous\n"
	    "                           row's count, else --initial); no demand columns needed\n"
	    "      --hold-on-anomaly    no scale-down while the previous row's anomaly is 1\n"
	    "      --anomaly-col NAME   the 0/1 anomaly column for --hold-on-anomaly [anomaly]\n"
	    "      --state FILE         start from the state FILE holds (skipping the rows it has\n"
	    "                           seen), and leave the state there at the end\n"
	    "      --by NAME            NAME is the key column: each key's rows are planned as a\n"
	    "                           run of their own (per-step rows; one --state for all)\n"
	    "      --forget DURATION    with --by: a key whose last row is older than the\n"
	    "                           newest (of every key) minus DURATION (90m, 1d,\n"
	    "                           seconds) is left out of the state, with a warning [never]\n"
	    "  -h, --help               this help\n"
	    "      --version            print the version\n",
	    o->thr_low);
	exit(0);
}

/* One option of the planner (not the perf group): 0 if c is none of them. */
static int
plan_option(int c, const char *arg, sp_plan_opts *o)
{
	switch (c) {
	case OPT_MIN: o->min = (int)sp_cli_long("--min", arg, 0, 1000000); break;
	case OPT_MAX: o->max = (int)sp_cli_long("--max", arg, 1, 1000000); break;
	case OPT_INITIAL: o->initial = (int)sp_cli_long("--initial", arg, 1, 1000000); break;
	case OPT_OVERPROV: o->overprov = sp_cli_double("--overprov", arg, 0, 1000) / 100; break;
	case OPT_RAMPUP: o->ramp_up = (int)sp_cli_long("--ramp-up", arg, 1, 1000000); break;
	case OPT_RAMPDOWN: o->ramp_down = (int)sp_cli_long("--ramp-down", arg, 1, 1000000); break;
	case OPT_SCALEIN: o->scale_in = 1; break;
	case OPT_REACTIVE: o->reactive = (sp_plan_reactive)sp_cli_choice("--reactive", arg, reactives); break;
	case OPT_STALE: o->stale = sp_cli_double("--stale", arg, 1e-9, 1e12); break;
	case OPT_QWIN: o->quality_window = (int)sp_cli_long("--quality-window", arg, 1, 100000); break;
	case OPT_MINCOV: o->min_coverage = sp_cli_double("--min-coverage", arg, 0, 1); break;
	case OPT_MAXERR: o->max_error = sp_cli_double("--max-error", arg, 0, 1e9); break;
	case OPT_TARGET: o->target = sp_cli_double("--target", arg, 1e-3, 1e12); break;
	case OPT_THRLOW: o->thr_low = sp_cli_double("--threshold-low", arg, 0, 100); break;
	default: return 0;
	}
	return 1;
}

static void
parse_options(int argc, char **argv, opts *o)
{
	sp_error err;
	int ch;

	memset(o, 0, sizeof *o);
	sp_plan_defaults(&o->p);
	sp_cli_perf_defaults(&o->perf);
	sp_cli_hpa_defaults(&o->hpa);
	sp_cli_predict_defaults(&o->pred);
	o->lead = 1;
	while ((ch = getopt_long(argc, argv, "c:m:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o->column = optarg; break;
		case OPT_POLICY:
			o->p.policy = (sp_plan_policy)sp_cli_choice("--policy", optarg, policies);
			o->peer = SP_POLICY_REPLAY;
			o->scalepipe = (int)o->p.policy == SCALEPIPE;
			if (o->scalepipe) {    /* the burst planner with its own defaults */
				o->p.policy = SP_PLAN_BURST;
				o->rl = 0;
				break;
			}
			if ((int)o->p.policy >= FIRST_PEER) {  /* w* from the HPA's model */
				o->peer = (sp_policy_kind)(SP_POLICY_KEDA + (int)o->p.policy - FIRST_PEER);
				o->p.policy = SP_PLAN_HPA;
				o->rl = 0;
				break;
			}
			o->rl = o->p.policy > SP_PLAN_THRESHOLD ? (int)o->p.policy - SP_PLAN_THRESHOLD : 0;
			if (o->rl)  /* in bursts (bascaler), the burst-aware count */
				o->p.policy = SP_PLAN_BURST;
			break;
		case 'm': o->rl_path = optarg; break;
		case OPT_DEMAND: o->demand_col = optarg; break;
		case OPT_LEAD: o->lead = (int)sp_cli_long("--lead", optarg, 1, 10000); break;
		case OPT_TARGET: o->target_given = 1; plan_option(ch, optarg, &o->p); break;
		case OPT_REACTIVE: o->reactive_given = 1; plan_option(ch, optarg, &o->p); break;
		case OPT_EXPLAIN: o->explain = 1; break;
		case OPT_REACT: o->react = 1; break;
		case OPT_HOLDANOM: o->hold_anomaly = 1; break;
		case OPT_ANOMCOL: o->anomaly_col = optarg; break;
		case OPT_STATE: o->state_path = optarg; break;
		case OPT_BY: o->by = optarg; break;
		case OPT_FORGET: sp_die_if(sp_state_forget_parse(optarg, &o->forget, &err), &err); break;
		case 'h': usage(o);
		case OPT_VERSION: sp_cli_version();
		default:
			if (!plan_option(ch, optarg, &o->p) && !sp_cli_perf_option(ch, optarg, &o->perf) &&
			    !sp_cli_hpa_option(ch, optarg, &o->p, &o->hpa) && !sp_cli_predict_option(ch, optarg, &o->pred))
				sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	sp_cli_predict_apply(&o->pred, o->scalepipe, o->reactive_given, INFINITY, &o->p);
	o->p.slo = o->perf.slo;
	o->p.cpu_cap = o->perf.cpu_cap;
	o->p.wstar = o->perf.wstar;
	if (o->p.min > o->p.max)
		sp_die_usage("--min (%d) must not be greater than --max (%d)", o->p.min, o->p.max);
	if (o->peer == SP_POLICY_KEDA && !o->target_given)
		sp_die_usage("--policy keda needs --target (the trigger's threshold)");
	if (o->p.policy == SP_PLAN_HPA && !o->peer && o->p.metric != SP_PLAN_METRIC_CPU && !o->target_given)
		sp_die_usage("--hpa-metric %s needs --target (the load it aims at)", sp_cli_hpa_metrics[o->p.metric]);
	if ((o->hpa.pods || o->hpa.columns) && (o->p.policy != SP_PLAN_HPA || o->peer || o->rl))
		sp_die_usage("%s is for --policy hpa", o->hpa.pods ? "--pods" : "--hpa-columns");
	if (o->rl && !o->rl_path)
		sp_die_usage("--policy %s needs -m POLICY (a policy file from rltrain)", policies[o->rl + 3]);
	if (o->rl_path && !o->rl)
		sp_die_usage("-m is for --policy ppo or bascaler");
	if (o->react && (o->p.policy == SP_PLAN_HPA || o->p.policy == SP_PLAN_THRESHOLD || o->peer || o->rl))
		sp_die_usage("--react is for --policy forecast, burst and scalepipe");
	if (o->react && o->state_path)
		sp_die_usage("--react does not go with --state (a check changes no state)");
	if (o->anomaly_col && !o->hold_anomaly)
		sp_die_usage("--anomaly-col goes with --hold-on-anomaly");
	if (o->hold_anomaly && o->rl)
		sp_die_usage("--hold-on-anomaly does not go with --policy %s", policies[o->rl + 3]);
	if (o->state_path && (o->peer || o->rl || o->hpa.pods))
		sp_die_usage("--state is for --policy forecast, burst, scalepipe, hpa and threshold without --pods");
	if (o->by && (o->peer || o->rl || o->hpa.pods))
		sp_die_usage("--by is for --policy forecast, burst, scalepipe, hpa and threshold without --pods");
	sp_cli_perf_check(&o->perf, 0);
}

/* The performance model, when the policy needs one: the svrfit models, or
 * the curve unless --wstar makes it unnecessary.  NULL otherwise. */
static sp_perf *
load_perf(const opts *o)
{
	const sp_plan_opts *p = &o->p;

	if (o->perf.svr || !(p->wstar > 0) || o->perf.curve || o->rl || p->policy == SP_PLAN_THRESHOLD ||
	    (p->policy == SP_PLAN_HPA && p->metric == SP_PLAN_METRIC_CPU) || p->reactive == SP_PLAN_REACTIVE_HPA)
		return sp_cli_perf_load(&o->perf);
	return NULL;
}

static void
write_decision(sp_csv_writer *w, const planner *pl, int n, const char *reason, const char *ex)
{
	sp_csv_write_long(w, n);
	sp_csv_write_str(w, reason);
	if (pl->explain)
		sp_csv_write_str(w, ex);
	if (pl->hpa_cols) {
		sp_hpa_result h;
		if (sp_plan_hpa_last(pl->plan, &h) == 0) {
			sp_csv_write_long(w, h.replicas);
			sp_csv_write_long(w, (long)h.usage);
			sp_csv_write_long(w, (long)h.raw);
		} else {
			sp_csv_write_str(w, "");
			sp_csv_write_str(w, "");
			sp_csv_write_str(w, "");
		}
	}
	sp_csv_end_row(w);
}

static void
write_header_end(sp_csv_writer *w, const planner *pl)
{
	sp_csv_write_str(w, "replicas");
	sp_csv_write_str(w, "reason");
	if (pl->explain)
		sp_csv_write_str(w, "explain");
	if (pl->hpa_cols) {
		sp_csv_write_str(w, "proposal");
		sp_csv_write_str(w, "utilization");
		sp_csv_write_str(w, "raw");
	}
	sp_csv_end_row(w);
}

/* The measured columns of a per-step row, -1 when absent. */
typedef struct {
	int load, cpu, latency, ready, unready, missing, current, anomaly, recent, at;
	int chk_n, chk_load, chk_at;   /* check_replicas, check_load, check_at */
} measured;

static double
num(const sp_csv_reader *r, int c)
{
	sp_error err;
	double v = NAN;

	if (c >= 0)
		sp_die_if(sp_csv_get_double(r, (size_t)c, &v, &err), &err);
	return v;
}

/* A pod count: -1 when absent or missing. */
static int
count(const sp_csv_reader *r, int c)
{
	sp_error err;
	double v = num(r, c);

	if (c < 0 || isnan(v))
		return -1;
	if (v < 0 || v != floor(v) || v > 1e6)
		sp_die_if(sp_csv_error(r, c, &err, SP_EDATA, "not a pod count: %g", v), &err);
	return (int)v;
}

/* The anomaly flag: 1, or 0 when absent, missing or 0. */
static int
flag(const sp_csv_reader *r, int c)
{
	sp_error err;
	double v = num(r, c);

	if (!isnan(v) && v != 0 && v != 1)
		sp_die_if(sp_csv_error(r, c, &err, SP_EDATA, "anomaly must be 0 or 1: %g", v), &err);
	return v == 1;
}

/* One planner over its rows (one key's with --by): the planner, what it
 * carries from row to row, and for --state the rows it has seen and the
 * state before trailing rows without a load. */
typedef struct {
	sp_plan *plan;
	sp_plan_carry cy;
	double seen;               /* the state's last row; -inf: none */
	double prev;               /* --by: the key's previous row (time order) */
	/* the state before them: its lines before and after the --stabilise
	 * window's recommendations (saved with the window as it is at the
	 * end, which remembers their decisions), or NULL */
	sp_state_writer *snap, *snap_tail;
} track;

static void *
track_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const planner *pl = ctx;
	track *tk = calloc(1, sizeof *tk);

	(void)key, (void)len;
	if (!tk)
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	if (!(tk->plan = sp_plan_new(pl->po, pl->perf, err))) {
		free(tk);
		return NULL;
	}
	sp_plan_carry_init(&tk->cy);
	tk->seen = -INFINITY;
	tk->prev = NAN;
	return tk;
}

static void
track_free(void *ctx, void *v)
{
	track *tk = v;

	(void)ctx;
	sp_plan_free(tk->plan);
	sp_state_writer_free(tk->snap);
	sp_state_writer_free(tk->snap_tail);
	free(tk);
}

/* plan --state files: "scalepipe-state plan 5" (2: with the dead band, hold
 * and --min-down options; 3: with --nowcast and its fits; 4: the HPA's
 * recommendations and events with the window's, trailing rows' too; 5: with
 * --check-hold) */
enum { STATE_VERSION = 5 };

/* A track's state, from its file lines. */
static int
read_track(void *ctx, void *state, sp_state *s, sp_error *err)
{
	track *tk = state;
	int rc;

	(void)ctx;
	if ((rc = sp_plan_read_state(tk->plan, &tk->cy, s, err)) < 0)
		return rc;
	tk->seen = tk->cy.t;
	return 0;
}

/* The tracks of a state file: one, or (--by) each key's
 * (sp_state_put_keys).  0, or < 0 with err (the tracks then half read). */
typedef struct {
	planner *pl;
	track *one;
} tracks;

static int
read_tracks(void *ctx, sp_state *s, sp_error *err)
{
	tracks *ts = ctx;

	if (!ts->pl->keys)
		return read_track(NULL, ts->one, s, err);
	return sp_state_get_keys(s, ts->pl->keys, read_track, NULL, err);
}

/* The state of an earlier run into the tracks (fresh): a missing file is a
 * cold start, a corrupt one or one of other options a warning and a cold
 * start (fresh tracks). */
static void
resume(planner *pl, track *one)
{
	sp_error err;
	tracks ts = { pl, one };

	if (sp_state_resume(pl->state_path, "plan", STATE_VERSION, read_tracks, &ts, &err) >= 0)
		return;
	sp_warn("warning: state %s: recomputing from the input", err.msg);
	if (pl->keys) {
		sp_keyed_free(pl->keys);
		if (!(pl->keys = sp_keyed_new(track_new, track_free, pl)))
			sp_die("out of memory");
	} else {
		sp_plan_free(one->plan);
		if (!(one->plan = sp_plan_new(pl->po, pl->perf, &err)))
			sp_die_err(&err);
		sp_plan_carry_init(&one->cy);
		one->seen = -INFINITY;
	}
}

/* A track's state as it is now, as two blocks around the stabilisation
 * window (track.snap). */
static void
snapshot(track *tk)
{
	sp_error err;

	if (!(tk->snap = sp_state_block_new(&err)) || !(tk->snap_tail = sp_state_block_new(&err)))
		sp_die_err(&err);
	sp_plan_write_state_parts(tk->plan, &tk->cy, tk->snap, tk->snap_tail);
}

static void
snapshot_free(track *tk)
{
	sp_state_writer_free(tk->snap);
	sp_state_writer_free(tk->snap_tail);
	tk->snap = tk->snap_tail = NULL;
}

/* A track's snapshot with its stabilisation window now, or its state now. */
static int
put_track(void *ctx, const void *state, sp_state_writer *w, sp_error *err)
{
	const track *tk = state;

	(void)ctx, (void)err;
	if (tk->snap) {
		sp_state_put_block(w, tk->snap);
		sp_plan_write_recs(tk->plan, w);
		sp_state_put_block(w, tk->snap_tail);
	} else
		sp_plan_write_state(tk->plan, &tk->cy, w);
	return 0;
}

/* The state file: one track's, or (--by) each key's. */
static int
put_tracks(void *ctx, sp_state_writer *w, sp_error *err)
{
	const tracks *ts = ctx;

	if (!ts->pl->keys)
		return put_track(NULL, ts->one, w, err);
	return sp_state_put_keys(w, ts->pl->keys, put_track, NULL, err);
}

/* A key's last row, for --forget. */
static double
track_last(void *ctx, const void *state)
{
	(void)ctx;
	return ((const track *)state)->cy.t;
}

/* The state file, without the keys --forget leaves out. */
static void
save_tracks(const planner *pl, track *one)
{
	planner saved = *pl;        /* the keys kept in place of all */
	sp_keyed *kept;
	sp_error err;

	pl->forget->last = track_last;
	pl->forget->forgot = sp_warn_note;
	sp_die_if(sp_state_forget_keys(pl->keys, pl->forget, &kept, &err), &err);
	if (kept)
		saved.keys = kept;
	sp_die_if(sp_state_save(pl->state_path, "plan", STATE_VERSION, put_tracks, &(tracks){ &saved, one }, &err),
	    &err);
	sp_keyed_free(kept);
}

/* Per-step rows: the row's own band and state, the measurements of the
 * row before; with --by each key's rows their own run.  With --state: rows
 * at or before the state's last one (the key's) are skipped, and the state
 * written is the one before the trailing rows without a load
 * (burstdetect's last row, for the step after the newest load), which the
 * next run decides again with their load. */
static void
run_steps(sp_csv_reader *r, const opts *o, planner *pl, sp_csv_writer *w)
{
	sp_error err;
	sp_band_cols bc;
	measured c;
	int rc;
	track one = { .plan = pl->plan, .seen = -INFINITY, .prev = NAN }, *tk = &one;

	sp_plan_carry_init(&one.cy);
	if (pl->keys && !o->column) {   /* the first column that is not the key */
		c.load = pl->bycol == 1 ? 2 : 1;
		if ((size_t)c.load >= sp_csv_ncols(r))
			sp_die("no data column besides the key '%s'", sp_csv_colname(r, (size_t)pl->bycol));
	} else
	sp_die_if(c.load = sp_csv_pick_col(r, o->column, &err), &err);
	sp_die_if(sp_band_cols_find(r, o->demand_col, &bc, &err), &err);
	if ((o->p.policy == SP_PLAN_FORECAST || o->p.policy == SP_PLAN_BURST) && bc.demand < 0 && !o->react)
		sp_die("forecast columns missing: no column '%s' (use --policy hpa or threshold on a "
		    "plain trace, or pipe through arfit or burstdetect first)",
		    o->demand_col ? o->demand_col : "demand' or 'forecast");
	if (pl->agent && bc.forecast < 0)
		sp_die("--policy %s needs the one-step forecast: no column 'forecast'", policies[pl->rl + 3]);
	if (!pl->agent)
		bc.forecast = -1;  /* only the agent reads it */
	c.cpu = sp_csv_col_index(r, "cpu");
	c.latency = sp_csv_col_index(r, "latency");
	c.ready = sp_csv_col_index(r, "ready");
	c.unready = sp_csv_col_index(r, "unready");
	c.missing = sp_csv_col_index(r, "missing");
	c.current = sp_csv_col_index(r, "current");
	c.recent = sp_csv_col_index(r, "recent_load");
	if (c.recent >= 0 && pl->peer.ops)
		sp_die("the column 'recent_load' is read by scalepipe's own policies, not by %s (a peer "
		    "observes each row's load over its step)", sp_peer_name(&pl->peer));
	if (c.recent >= 0 && o->react)
		sp_die("the column 'recent_load' is not for --react (a check reads its row's own load)");
	c.at = sp_csv_col_index(r, "decided_at");
	if (c.at >= 0 && (pl->peer.ops || pl->agent))
		sp_die("the column 'decided_at' is read by scalepipe's own policies, not by %s",
		    pl->peer.ops ? sp_peer_name(&pl->peer) : "the agent");
	if (c.at >= 0 && o->react)
		sp_die("the column 'decided_at' is not for --react (a check is remembered by no window)");
	c.chk_n = sp_csv_col_index(r, "check_replicas");
	c.chk_load = sp_csv_col_index(r, "check_load");
	c.chk_at = sp_csv_col_index(r, "check_at");
	if ((c.chk_n >= 0) != (c.chk_load >= 0) || (c.chk_n >= 0) != (c.chk_at >= 0))
		sp_die("the columns check_replicas, check_load and check_at go together: no column '%s'",
		    c.chk_n < 0 ? "check_replicas" : c.chk_load < 0 ? "check_load" : "check_at");
	if (c.chk_n >= 0 && (pl->peer.ops || pl->agent))
		sp_die("the columns check_replicas, check_load and check_at are read by scalepipe's own "
		    "policies, not by %s", pl->peer.ops ? sp_peer_name(&pl->peer) : "the agent");
	if (c.chk_n >= 0 && o->react)
		sp_die("the columns check_replicas, check_load and check_at are not for --react (they are "
		    "what a check did, for the decision after it)");
	c.anomaly = -1;
	if (o->hold_anomaly)
		sp_die_if(c.anomaly = sp_csv_pick_col(r, o->anomaly_col ? o->anomaly_col : "anomaly", &err), &err);
	if (pl->keys && c.load == pl->bycol)
		sp_die_usage("-c: '%s' is the key column (--by)", sp_csv_colname(r, (size_t)c.load));
	sp_csv_write_header_fields(w, r, 0, -1);
	write_header_end(w, pl);
	if (pl->state_path) {
		resume(pl, &one);
		pl->plan = one.plan;
	}
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		sp_plan_in in;
		sp_band_row b;
		const char *reason;
		char ex[320];
		int n;

		sp_plan_in_clear(&in);
		sp_die_if(sp_csv_get_timestamp(r, &in.t, &err), &err);
		if (pl->keys) {
			if (!(tk = sp_keyed_row(pl->keys, r, (size_t)pl->bycol, &err)))
				sp_die_err(&err);
			sp_die_if(sp_keyed_order(r, (size_t)pl->bycol, &tk->prev, in.t, 0, &err), &err);
			pl->plan = tk->plan;
		}
		if (in.t <= tk->seen)
			continue;   /* decided by an earlier run */
		if (pl->state_path && !tk->snap && isnan(num(r, c.load)))
			snapshot(tk);
		if (pl->pods)  /* the pods the controller lists at this sync */
			sp_die_if(sp_hpa_pods_at(pl->pods, in.t, o->p.metric == SP_PLAN_METRIC_CPU, pl->hpa->cpu_init,
			    pl->hpa->readiness_delay, &in.pods, &in.pods_running_ready, &in.npods, &err), &err);
		in.prev_load = tk->cy.load;
		in.prev_cpu = tk->cy.cpu;
		in.prev_latency = tk->cy.latency;
		in.prev_ready = tk->cy.ready;
		in.prev_unready = tk->cy.unready;
		in.prev_missing = tk->cy.missing;
		in.prev_anomaly = tk->cy.anomaly;
		sp_die_if(sp_band_row_read(r, &bc, &b, &err), &err);
		in.demand = isfinite(b.demand) && b.demand < 0 ? 0 : b.demand;  /* a forecast below zero load */
		in.lower = b.lower;
		in.upper = b.upper;
		in.origin = b.origin;
		in.next_demand = isfinite(b.next) && b.next < 0 ? 0 : b.next;
		in.hold = isfinite(b.hold) && b.hold < 0 ? 0 : b.hold;
		in.next_t = isfinite(tk->cy.t) ? in.t + (in.t - tk->cy.t) : NAN;   /* rows evenly spaced */
		in.burst = b.state == SP_BURST_BURST;
		in.current = count(r, c.current);
		if (o->react) {  /* a check: the row's own load, from the current count */
			in.react = in.tick = 1;
			in.prev_load = num(r, c.load);
			if (in.current < 0 && tk->cy.last > 0)
				in.current = tk->cy.last;
			else if (in.current < 0 && o->p.initial > 0)
				in.current = o->p.initial;
			if (in.current < 0)
				sp_die_if(sp_csv_error(r, c.current >= 0 ? c.current : -1, &err, SP_EDATA,
				    "--react: no current count (a current column, or --initial N)"), &err);
			if (isfinite(in.prev_load) && in.prev_load < 0)
				sp_die_if(sp_csv_error(r, c.load, &err, SP_EDATA, "negative load %g", in.prev_load), &err);
		}
		in.at = num(r, c.at);   /* when the row is decided (again): its --stabilise and HPA time */
		if (c.chk_n >= 0) {    /* the last check that scaled up, for --check-hold */
			int k = count(r, c.chk_n);
			double l = num(r, c.chk_load), a = num(r, c.chk_at);
			if ((k >= 0) != !isnan(l) || (k >= 0) != !isnan(a))
				sp_die_if(sp_csv_error(r, k < 0 ? c.chk_n : isnan(l) ? c.chk_load : c.chk_at, &err, SP_EDATA,
				    "check_replicas, check_load and check_at are given together or left empty together"), &err);
			if (k == 0)
				sp_die_if(sp_csv_error(r, c.chk_n, &err, SP_EDATA, "a check scales up to 1 pod or more, not 0"),
				    &err);
			if (!isnan(l) && l < 0)
				sp_die_if(sp_csv_error(r, c.chk_load, &err, SP_EDATA, "negative load %g", l), &err);
			if (k > 0)
				in.check_n = k, in.check_load = l, in.check_at = a;
		}
		in.row_load = tk->cy.load;
		if (c.recent >= 0) {  /* measured since the previous row: the newest load */
			double v = num(r, c.recent);
			if (v < 0)
				sp_die_if(sp_csv_error(r, c.recent, &err, SP_EDATA, "negative load %g", v), &err);
			if (isfinite(v))
				in.prev_load = v;
			/* --nowcast: the load so far in the row's step (the time
			 * since the previous row), when decided_at is within it */
			if (isfinite(v) && isfinite(in.at) && isfinite(tk->cy.t) && in.t > tk->cy.t) {
				double f = (in.at - tk->cy.t) / (in.t - tk->cy.t);
				if (f >= 0 && f <= 1)
					in.live = v, in.live_frac = f;
			}
		}
		if (pl->agent && tk->cy.last > 0 && in.current < 0)
			in.current = tk->cy.last;
		if (pl->peer.ops) {
			int cur;
			if (pl->initial == 0) {  /* the start: ceil(first load / w*), as simulate */
				double l0 = num(r, c.load);
				pl->initial = isfinite(l0) && l0 > 0 ? (int)ceil(l0 / sp_plan_wstar(pl->plan) - 1e-9) : 1;
			}
			cur = in.current >= 0 ? in.current : tk->cy.last > 0 ? tk->cy.last : pl->initial;
			sp_die_if(sp_policy_peer_row(&pl->peer, in.t, tk->cy.t, tk->cy.load, cur, tk->cy.ready >= 0 ? tk->cy.ready : cur,
			    pl->peer_target, &n, &reason, &err), &err);
			snprintf(ex, sizeof ex, "%s on %d replicas: %s", sp_peer_name(&pl->peer), cur, reason);
		} else
			sp_die_if(sp_plan_step(pl->plan, &in, &n, &reason, pl->explain ? ex : NULL, sizeof ex, &err), &err);
		if (pl->agent && tk->cy.last > 0 && (pl->rl == 1 || !in.burst)) {
			/* the agent corrects the count outside bursts (scalepipe-ppo(7)) */
			int a, cur = in.current > 0 ? in.current : tk->cy.last;
			n = sp_rlenv_agent_decide(pl->agent, tk->cy.t, cur, tk->cy.cpu, tk->cy.latency, b.forecast, in.upper, &a);
			reason = "ppo";
			snprintf(ex, sizeof ex, "PPO action %d from %d replicas", a, cur);
		}
		tk->cy.last = n;
		tk->cy.t = in.t;
		sp_csv_write_row_fields(w, r, 0, -1);
		write_decision(w, pl, n, reason, ex);
		/* this row's measurements inform the next decision */
		tk->cy.load = num(r, c.load);
		if (isfinite(tk->cy.load) && tk->cy.load < 0)
			sp_die_if(sp_csv_error(r, c.load, &err, SP_EDATA, "negative load %g", tk->cy.load), &err);
		if (isfinite(tk->cy.load)) {   /* a row with its load: no longer a trailing one */
			snapshot_free(tk);
		}
		if (pl->agent)
			sp_rlenv_agent_observe(pl->agent, tk->cy.load);
		tk->cy.cpu = num(r, c.cpu);
		tk->cy.latency = num(r, c.latency);
		tk->cy.ready = count(r, c.ready);
		tk->cy.unready = count(r, c.unready);
		tk->cy.missing = count(r, c.missing);
		tk->cy.anomaly = flag(r, c.anomaly);
	}
	sp_die_if(rc, &err);
	if (pl->state_path) {
		sp_die_if(sp_csv_writer_flush(w, &err), &err);   /* the rows out before the state */
		save_tracks(pl, &one);
	}
	snapshot_free(&one);
	pl->plan = one.plan;   /* main's, or (a cold start) its replacement */
}

/* A long-format decision waiting for its target's row (the next origin). */
typedef struct {
	double t, f, lo, up, dem;
	int n;
	const char *reason;
	char ex[320];
} pending;

static void
write_long(sp_csv_writer *w, const planner *pl, const pending *d, const sp_band_origin *g, size_t ndata)
{
	size_t i;
	const char *s = g ? g->data : NULL;

	sp_csv_write_time(w, d->t);
	for (i = 0; i < ndata; i++) {
		if (g) {
			sp_csv_write_field(w, s, g->len[i]);
			s += g->len[i];
		} else {
			sp_csv_write_str(w, "");
		}
	}
	sp_csv_write_double(w, d->f);
	sp_csv_write_double(w, d->lo);
	sp_csv_write_double(w, d->up);
	sp_csv_write_double(w, d->dem);
	write_decision(w, pl, d->n, d->reason, d->ex);
}

/* Long format: one decision per origin, for its first target, with the
 * demand the max over horizons 1..lead; written with the next origin's
 * data (the target's actual), the last one with empty data columns. */
static void
run_long(sp_csv_reader *r, const opts *o, planner *pl, sp_csv_writer *w)
{
	sp_error err;
	sp_band_opts bo;
	sp_band *band;
	sp_band_origin g;
	pending d;
	int rc, fcol = sp_csv_col_index(r, "forecast"), have = 0;

	if (!sp_band_is_long(r))
		sp_die("long format needs columns origin,timestamp,horizon first");
	if (o->hold_anomaly)
		sp_die("--hold-on-anomaly needs per-step rows, not the long format");
	if (o->state_path)
		sp_die("--state needs per-step rows (burstdetect's output), not the long format");
	if (fcol < 0)
		sp_die("forecast columns missing: no column 'forecast'");
	if (sp_csv_col_index(r, "recent_load") >= 0)
		sp_die("the column 'recent_load' needs per-step rows, not the long format");
	if (sp_csv_col_index(r, "decided_at") >= 0)
		sp_die("the column 'decided_at' needs per-step rows, not the long format");
	if (sp_csv_col_index(r, "check_replicas") >= 0)
		sp_die("the column 'check_replicas' needs per-step rows, not the long format");
	sp_band_defaults(&bo);
	bo.flags = SP_BAND_CONTIGUOUS;
	bo.horizons = o->lead;
	if (o->demand_col)
		sp_die_if(bo.extra = sp_csv_pick_col(r, o->demand_col, &err), &err);
	bo.load = o->column ? sp_csv_pick_col(r, o->column, &err) : (fcol > 3 ? 3 : -1);
	sp_die_if(bo.load, &err);
	if (bo.load < 0)
		sp_die("long format: no data column between horizon and forecast");
	if (!(band = sp_band_new(r, &bo, &err)))
		sp_die_err(&err);
	sp_csv_write_str(w, "timestamp");
	sp_csv_write_header_fields(w, r, 3, fcol);
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	sp_csv_write_str(w, "demand");
	write_header_end(w, pl);
	while ((rc = sp_band_next(band, &g, &err)) == SP_OK) {
		const double *X = g.X ? g.X : g.M;
		sp_plan_in in;
		int k;

		if (have)
			write_long(w, pl, &d, &g, g.ndata);
		d.t = g.target, d.f = g.M[0], d.lo = g.L[0], d.up = g.U[0], d.dem = X[0];
		for (k = 1; k < g.n; k++)
			if (isfinite(X[k]) && (!isfinite(d.dem) || X[k] > d.dem))
				d.dem = X[k];
		sp_plan_in_clear(&in);
		in.t = g.target;
		in.prev_load = g.load;
		in.demand = d.dem;
		in.lower = d.lo;
		in.upper = d.up;
		in.origin = g.origin;
		sp_die_if(sp_plan_step(pl->plan, &in, &d.n, &d.reason, pl->explain ? d.ex : NULL, sizeof d.ex, &err), &err);
		have = 1;
	}
	sp_die_if(rc, &err);
	if (have)
		write_long(w, pl, &d, NULL, sp_band_ndata(band));
	sp_band_free(band);
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	planner pl = { 0 };
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_perf *perf;
	sp_ppo_policy *policy = NULL;
	FILE *in, *pods_in = NULL;
	const char *name = "-";

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	perf = load_perf(&o);
	if (!(pl.plan = sp_plan_new(&o.p, perf, &err)))
		sp_die_err(&err);
	pl.rl = o.rl;
	pl.explain = o.explain;
	pl.initial = o.p.initial;
	pl.hpa = &o.hpa;
	pl.hpa_cols = o.hpa.columns;
	pl.state_path = o.state_path;
	pl.forget = &o.forget;
	pl.po = &o.p;
	pl.perf = perf;
	if (o.peer) {
		sp_policy_opts po = { o.peer, o.target_given ? o.p.target : NAN, o.p.metric == SP_PLAN_METRIC_VALUE,
			o.p.min, o.p.max, 0 };
		sp_die_if(sp_policy_peer_new(&po, sp_plan_wstar(pl.plan), &pl.peer, &pl.peer_target, &err), &err);
	}
	if (o.state_path)   /* before the work: a state it could not write */
		sp_die_if(sp_file_check_writable(o.state_path, &err), &err);
	in = sp_cli_open_input(o.input, &name);
	if (o.rl) {
		sp_rlenv_opts ro;
		if (!(policy = sp_rlenv_policy_load(o.rl_path, &ro, &err)) ||
		    !(pl.agent = sp_rlenv_agent_new(&ro, policy, perf, &err)))
			sp_die_err(&err);
	}
	if (!(r = sp_csv_reader_new(in, name, SP_CSV_NEED_ROWS | (o.by ? SP_CSV_ANY_ORDER : 0), &err)))
		sp_die_err(&err);
	w = sp_csv_writer_new(stdout);
	if (strcmp(sp_csv_colname(r, 0), "origin") == 0 && o.rl)
		sp_die("--policy %s needs per-step rows (burstdetect's output), not the long format",
		    policies[o.rl + 3]);
	if (strcmp(sp_csv_colname(r, 0), "origin") == 0 && o.peer)
		sp_die("--policy %s needs per-step rows, not the long format",
		    policies[FIRST_PEER + (int)o.peer - SP_POLICY_KEDA]);
	if (strcmp(sp_csv_colname(r, 0), "origin") == 0 && o.react)
		sp_die("--react needs per-step rows (timestamp, load, current), not the long format");
	if (strcmp(sp_csv_colname(r, 0), "origin") == 0 && (o.hpa.pods || o.hpa.columns))
		sp_die("%s needs per-step rows, not the long format", o.hpa.pods ? "--pods" : "--hpa-columns");
	if (o.hpa.pods) {
		if (!(pods_in = fopen(o.hpa.pods, "r")))
			sp_die("%s: cannot open: %s", o.hpa.pods, strerror(errno));
		if (!(pl.pods = sp_hpa_pods_new(pods_in, o.hpa.pods, &err)))
			sp_die_err(&err);
	}
	if (o.by && strcmp(sp_csv_colname(r, 0), "origin") == 0)
		sp_die("--by needs per-step rows (burstdetect's output), not the long format");
	if (o.by) {
		sp_die_if(pl.bycol = sp_csv_pick_col(r, o.by, &err), &err);
		if (pl.bycol == 0)
			sp_die_usage("--by: 'timestamp' is not a key column");
		if (!(pl.keys = sp_keyed_new(track_new, track_free, &pl)))
			sp_die("out of memory");
	}
	if (strcmp(sp_csv_colname(r, 0), "origin") == 0)
		run_long(r, &o, &pl, w);
	else if (strcmp(sp_csv_colname(r, 0), "timestamp") == 0)
		run_steps(r, &o, &pl, w);
	else
		sp_die("%s: the first column must be timestamp (or origin for the long format)",
		    name[0] == '-' ? "input" : name);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	sp_keyed_free(pl.keys);
	sp_hpa_pods_free(pl.pods);
	if (pods_in)
		fclose(pods_in);
	sp_plan_free(pl.plan);
	sp_peer_free(&pl.peer);
	sp_rlenv_agent_free(pl.agent);
	sp_ppo_policy_free(policy);
	sp_perf_free(perf);
	return 0;
}
