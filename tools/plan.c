/* plan: demand + performance model + SLO to replicas, per step.
 *
 * Reads per-step rows (timestamp first: burstdetect's or arfit's
 * one-horizon output, or a plain load trace for --policy hpa/threshold) or
 * the multi-horizon long format (origin,timestamp,horizon,...), and appends
 * `replicas` and `reason` (and `explain`).  The decision for a step uses the
 * measurements of earlier rows only; see sp_plan.h. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_hpa.h"
#include "sp_perf.h"
#include "sp_plan.h"
#include "sp_rlenv.h"
#include "sp_time.h"

static const char synopsis[] =
    "plan [-c NAME] [--policy forecast|burst|hpa|threshold] [--curve FILE] [--slo MS] [options] [FILE]";

static const char *const policies[] = { "forecast", "burst", "hpa", "threshold", "ppo", "bascaler", NULL };
static const char *const reactives[] = { "hpa", "load", "none", NULL };
static const char *const metrics[] = { "cpu", "average-value", "value", NULL };
static const char *const selects[] = { "max", "min", "disabled", NULL };

static sp_plan_opts o;             /* planner options */
static const char *curve = "data/bascaler_fft_service_curve.csv"; /* performance curve */
static const char *perf_model, *perf_cpu; /* svrfit models instead of the curve */
static double perf_max = 100;      /* their largest load per replica */
static const char *column;         /* load column (-c) */
static const char *demand_col;     /* demand column */
static int lead = 1;               /* long format: horizons to take the max over */
static int explain;                /* add an explain column */
static int rl;                     /* 1: --policy ppo, 2: bascaler (rltrain's agent, -m) */
static const char *rl_path;        /* the policy file */
static sp_rlenv_agent *agent;      /* its online agent */
static sp_ppo_policy *rl_policy;   /* the policy it applies */
/* what main allocated, kept reachable for the leak checker when a data
 * error exits through sp_die */
static void *volatile keep[4];

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Turn demand (a forecast, or burstdetect's demand) into replicas with a\n"
	    "performance model and an SLO, or run the exact Kubernetes HPA or\n"
	    "BAScaler's threshold rule on the measured load; appends replicas, reason.\n\n"
	    "  -c, --column NAME        observed load column [first data column]\n"
	    "      --policy P           forecast, burst, hpa, threshold, ppo or bascaler [forecast]\n"
	    "  -m, --model POLICY       ppo, bascaler: rltrain's policy file\n"
	    "      --curve FILE         performance curve CSV [%s]\n"
	    "      --perf MODEL         svrfit latency model (load per replica) instead of --curve\n"
	    "      --perf-cpu MODEL     svrfit CPU model to go with --perf\n"
	    "      --perf-max W         largest load per replica the models cover [%g]\n"
	    "      --slo MS             latency SLO in ms [%g]\n"
	    "      --cpu-cap PCT        highest CPU %% at w* [%g]\n"
	    "      --wstar W            load per replica to plan for (skips the curve search)\n"
	    "      --min N              fewest replicas [%d]\n"
	    "      --max N              most replicas [%d]\n"
	    "      --initial N          replicas before the first row [from the first demand]\n"
	    "      --demand-col NAME    demand column [demand, else forecast]\n"
	    "      --overprov PCT       over-provisioning added to the demand [%g]\n"
	    "      --lead N             long format: plan for the max over horizons 1..N [%d]\n"
	    "      --ramp-up N          most replicas added per step [unlimited]\n"
	    "      --ramp-down N        most replicas removed per step [unlimited]\n"
	    "      --stabilise SEC      scale down only to the highest count planned in SEC [%g]\n"
	    "      --scale-in           let the forecast scale in below the reactive rule\n"
	    "      --reactive R         reactive rule: hpa, load (ceil(load / w*)) or none [hpa]\n"
	    "      --stale SEC          fall back when the forecast was made more than SEC before\n"
	    "      --quality-window N   fall back when the last N forecasts were poor [off]\n"
	    "      --min-coverage F     ... covering fewer than F of the actuals [%g]\n"
	    "      --max-error F        ... or with mean absolute %% error above F [%g]\n"
	    "      --hpa-metric M       hpa: cpu (utilisation), average-value or value of the load [cpu]\n"
	    "      --target X           hpa: target CPU %% or load (per replica for average-value) [%g]\n"
	    "      --tolerance F        hpa: tolerance both ways [%g]\n"
	    "      --tolerance-up F     hpa: scale-up tolerance\n"
	    "      --tolerance-down F   hpa: scale-down tolerance\n"
	    "      --downscale-window SEC  hpa: legacy downscale stabilisation [%g]\n"
	    "      --scale-up-factor F  hpa: legacy scale-up cap factor [%g]\n"
	    "      --scale-up-minimum N hpa: legacy scale-up cap minimum [%g]\n"
	    "      --behavior           hpa: use spec.behavior normalisation\n"
	    "      --scale-up-window SEC    behavior: scale-up stabilisation [0]\n"
	    "      --scale-down-window SEC  behavior: scale-down stabilisation [downscale window]\n"
	    "      --scale-up-policies P    behavior: e.g. pods:4:15,percent:100:15\n"
	    "      --scale-down-policies P  behavior: e.g. percent:100:15\n"
	    "      --scale-up-select S      behavior: max, min or disabled [max]\n"
	    "      --scale-down-select S    behavior: max, min or disabled [max]\n"
	    "      --threshold-low PCT  threshold: remove a replica at or below this CPU [%g]\n"
	    "      --explain            add an explain column saying why\n"
	    "  -h, --help               this help\n"
	    "      --version            print the version\n",
	    synopsis, curve, perf_max, o.slo, o.cpu_cap, o.min, o.max, o.overprov * 100, lead, o.stabilise,
	    o.min_coverage, o.max_error, o.target, o.tol_up, o.hpa.downscale_window, o.hpa.up_factor,
	    o.hpa.up_minimum, o.thr_low);
	exit(0);
}

static void
die_if(int rc, const sp_error *err)
{
	if (rc < 0)
		sp_die_err(err);
}

/* Columns of the input that plan reads. */
typedef struct {
	int load, demand, lower, upper, forecast, state, origin, cpu, latency, ready, unready, missing, current;
} cols;

static double
num(sp_csv_reader *r, int c, sp_error *err)
{
	double v = NAN;

	if (c >= 0)
		die_if(sp_csv_get_double(r, (size_t)c, &v, err), err);
	return v;
}

static int
count(sp_csv_reader *r, int c, sp_error *err)
{
	double v = num(r, c, err);

	if (c < 0 || isnan(v))
		return -1;
	if (v < 0 || v != floor(v) || v > 1e6)
		die_if(sp_csv_error(r, c, err, SP_EDATA, "not a pod count: %g", v), err);
	return (int)v;
}

static int
is_burst(sp_csv_reader *r, int c)
{
	size_t n;
	const char *s;

	if (c < 0)
		return 0;
	s = sp_csv_field(r, (size_t)c, &n);
	return n == 5 && memcmp(s, "burst", 5) == 0;
}

static void
write_decision(sp_csv_writer *w, int n, const char *reason, const char *ex)
{
	sp_csv_write_long(w, n);
	sp_csv_write_str(w, reason);
	if (explain)
		sp_csv_write_str(w, ex);
	sp_csv_end_row(w);
}

static void
need_forecast(const cols *c, sp_csv_reader *r)
{
	if ((o.policy == SP_PLAN_FORECAST || o.policy == SP_PLAN_BURST) && c->demand < 0)
		sp_die("forecast columns missing: no column '%s' (use --policy hpa or threshold on a "
		    "plain trace, or pipe through arfit or burstdetect first)",
		    demand_col ? demand_col : "demand' or 'forecast");
	(void)r;
}

/* Per-step rows. */
static void
run_steps(sp_csv_reader *r, sp_plan *p, sp_csv_writer *w, sp_error *err)
{
	cols c;
	int rc;
	sp_plan_in in;
	double pload = NAN, pcpu = NAN, plat = NAN, pt = NAN;
	int pready = -1, punready = -1, pmissing = -1, last = 0;

	memset(&c, -1, sizeof c);
	c.load = sp_csv_pick_col(r, column, err);
	die_if(c.load, err);
	c.demand = sp_csv_col_index(r, demand_col ? demand_col : "demand");
	if (c.demand < 0 && !demand_col)
		c.demand = sp_csv_col_index(r, "forecast");
	if (demand_col && c.demand < 0)
		die_if(sp_csv_pick_col(r, demand_col, err), err);
	need_forecast(&c, r);
	c.lower = sp_csv_col_index(r, "lower");
	c.upper = sp_csv_col_index(r, "upper");
	c.forecast = sp_csv_col_index(r, "forecast");
	if (agent && c.forecast < 0)
		sp_die("--policy %s needs the one-step forecast: no column 'forecast'", policies[rl + 3]);
	c.state = sp_csv_col_index(r, "state");
	c.origin = sp_csv_col_index(r, "origin");
	c.cpu = sp_csv_col_index(r, "cpu");
	c.latency = sp_csv_col_index(r, "latency");
	c.ready = sp_csv_col_index(r, "ready");
	c.unready = sp_csv_col_index(r, "unready");
	c.missing = sp_csv_col_index(r, "missing");
	c.current = sp_csv_col_index(r, "current");
	sp_csv_write_header_fields(w, r, 0, -1);
	sp_csv_write_str(w, "replicas");
	sp_csv_write_str(w, "reason");
	if (explain)
		sp_csv_write_str(w, "explain");
	sp_csv_end_row(w);
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		double t;
		int n;
		const char *reason;
		char ex[320];

		die_if(sp_csv_get_timestamp(r, &t, err), err);
		sp_plan_in_clear(&in);
		in.t = t;
		in.prev_load = pload;
		in.prev_cpu = pcpu;
		in.prev_latency = plat;
		in.prev_ready = pready;
		in.prev_unready = punready;
		in.prev_missing = pmissing;
		in.demand = num(r, c.demand, err);
		if (isfinite(in.demand) && in.demand < 0)
			in.demand = 0;  /* a forecast below zero load */
		in.lower = num(r, c.lower, err);
		in.upper = num(r, c.upper, err);
		in.origin = num(r, c.origin, err);
		in.burst = is_burst(r, c.state);
		in.current = count(r, c.current, err);
		if (agent && last > 0 && in.current < 0)
			in.current = last;
		die_if(sp_plan_step(p, &in, &n, &reason, explain ? ex : NULL, sizeof ex, err), err);
		if (agent && last > 0 && (rl == 1 || !in.burst)) {
			/* BASCALER.md §6: the agent corrects the count outside bursts */
			int a, cur = in.current > 0 ? in.current : last;
			n = sp_rlenv_agent_decide(agent, pt, cur, pcpu, plat, num(r, c.forecast, err), in.upper, &a);
			reason = "ppo";
			snprintf(ex, sizeof ex, "PPO action %d from %d replicas", a, cur);
		}
		last = n;
		pt = t;
		sp_csv_write_row_fields(w, r, 0, -1);
		write_decision(w, n, reason, ex);
		/* this row's measurements inform the next decision */
		pload = num(r, c.load, err);
		if (isfinite(pload) && pload < 0)
			die_if(sp_csv_error(r, c.load, err, SP_EDATA, "negative load %g", pload), err);
		if (agent)
			sp_rlenv_agent_observe(agent, pload);
		pcpu = num(r, c.cpu, err);
		plat = num(r, c.latency, err);
		pready = count(r, c.ready, err);
		punready = count(r, c.unready, err);
		pmissing = count(r, c.missing, err);
	}
	die_if(rc, err);
}

/* Long format: one group of horizons per origin; the decision for the
 * origin's first target is written when the next origin (the target's
 * actual) arrives, and the last one with empty data columns. */
static void
run_long(sp_csv_reader *r, sp_plan *p, sp_csv_writer *w, sp_error *err)
{
	int hcol = sp_csv_col_index(r, "horizon"), fcol = sp_csv_col_index(r, "forecast");
	int lcol = sp_csv_col_index(r, "lower"), ucol = sp_csv_col_index(r, "upper");
	int dcol, loadc, rc, h = 0, have_pending = 0, n = 0, first = 1;
	size_t ndata, i;
	double origin = NAN, prev_origin = NAN, target = NAN, pf = NAN, plo = NAN, pup = NAN, dem = NAN;
	double pload = NAN;
	const char *reason = "";
	char ex[320] = "";
	sp_plan_in in;

	if (hcol != 2 || sp_csv_col_index(r, "timestamp") != 1)
		sp_die("long format needs columns origin,timestamp,horizon first");
	if (fcol < 0)
		sp_die("forecast columns missing: no column 'forecast'");
	dcol = demand_col ? sp_csv_pick_col(r, demand_col, err) : fcol;
	die_if(dcol, err);
	ndata = (size_t)fcol - 3;
	loadc = column ? sp_csv_pick_col(r, column, err) : (ndata > 0 ? 3 : -1);
	die_if(loadc, err);
	if (loadc < 0)
		sp_die("long format: no data column between horizon and forecast");
	sp_csv_write_str(w, "timestamp");
	sp_csv_write_header_fields(w, r, 3, fcol);
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	sp_csv_write_str(w, "demand");
	sp_csv_write_str(w, "replicas");
	sp_csv_write_str(w, "reason");
	if (explain)
		sp_csv_write_str(w, "explain");
	sp_csv_end_row(w);

#define FLUSH_DECISION(with_data) do { \
	sp_plan_in_clear(&in); \
	in.t = target; in.prev_load = pload; in.demand = dem; in.lower = plo; in.upper = pup; \
	in.origin = prev_origin; \
	die_if(sp_plan_step(p, &in, &n, &reason, explain ? ex : NULL, sizeof ex, err), err); \
	sp_csv_write_time(w, target); \
	if (with_data) sp_csv_write_row_fields(w, r, 3, fcol); \
	else for (i = 0; i < ndata; i++) sp_csv_write_str(w, ""); \
	sp_csv_write_double(w, pf); sp_csv_write_double(w, plo); sp_csv_write_double(w, pup); \
	sp_csv_write_double(w, dem); write_decision(w, n, reason, ex); \
} while (0)

	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		double o_t, t, hv, v;
		size_t len;
		const char *f0 = sp_csv_field(r, 0, &len);

		if (sp_time_parse(f0, len, &o_t) < 0)
			die_if(sp_csv_error(r, 0, err, SP_EDATA, "not a timestamp: '%.*s'", (int)len, f0), err);
		f0 = sp_csv_field(r, 1, &len);
		if (sp_time_parse(f0, len, &t) < 0)
			die_if(sp_csv_error(r, 1, err, SP_EDATA, "not a timestamp: '%.*s'", (int)len, f0), err);
		die_if(sp_csv_get_double_req(r, (size_t)hcol, &hv, err), err);
		if (first || o_t != origin) {
			if (!first && !(o_t > origin))
				die_if(sp_csv_error(r, 0, err, SP_EDATA, "origins out of order"), err);
			if (hv != 1)
				die_if(sp_csv_error(r, hcol, err, SP_EDATA, "horizon gap: a new origin starts at horizon %g, not 1", hv), err);
			/* the new origin's data is the actual of the pending target */
			if (have_pending) {
				if (o_t != target)
					die_if(sp_csv_error(r, 0, err, SP_EDATA, "gap in origins: expected origin %.17g", target), err);
				FLUSH_DECISION(1);
			}
			pload = num(r, loadc, err);
			prev_origin = o_t;
			origin = o_t;
			first = 0;
			h = 1;
			target = t;
			pf = num(r, fcol, err);
			plo = num(r, lcol, err);
			pup = num(r, ucol, err);
			dem = num(r, dcol, err);
			have_pending = 1;
			continue;
		}
		if (hv != h + 1)
			die_if(sp_csv_error(r, hcol, err, SP_EDATA, "horizon gap: %g after %d", hv, h), err);
		h++;
		if (h <= lead) {
			v = num(r, dcol, err);
			if (isfinite(v) && (!isfinite(dem) || v > dem))
				dem = v;
		}
	}
	die_if(rc, err);
	if (have_pending)
		FLUSH_DECISION(0);
#undef FLUSH_DECISION
}

static void
rules(sp_hpa_rules *r, const char *opt, const char *arg)
{
	sp_error err;

	if (sp_hpa_parse_policies(arg, r, &err) < 0)
		sp_die_usage("%s: %s", opt, err.msg);
}

int
main(int argc, char **argv)
{
	enum {
		OPT_POLICY = 256, OPT_CURVE, OPT_PERF, OPT_PERFCPU, OPT_PERFMAX, OPT_SLO, OPT_CPUCAP, OPT_WSTAR, OPT_MIN, OPT_MAX, OPT_INITIAL,
		OPT_DEMAND, OPT_OVERPROV, OPT_LEAD, OPT_RAMPUP, OPT_RAMPDOWN, OPT_STAB, OPT_SCALEIN,
		OPT_REACTIVE, OPT_STALE, OPT_QWIN, OPT_MINCOV, OPT_MAXERR, OPT_HPAMETRIC, OPT_TARGET,
		OPT_TOL, OPT_TOLUP, OPT_TOLDOWN, OPT_DSWIN, OPT_UPFACTOR, OPT_UPMIN, OPT_BEHAVIOR,
		OPT_UPWIN, OPT_DOWNWIN, OPT_UPPOL, OPT_DOWNPOL, OPT_UPSEL, OPT_DOWNSEL, OPT_THRLOW,
		OPT_EXPLAIN, OPT_VERSION
	};
	static const struct option lo[] = {
		{ "column", required_argument, 0, 'c' },
		{ "policy", required_argument, 0, OPT_POLICY },
		{ "curve", required_argument, 0, OPT_CURVE },
		{ "perf", required_argument, 0, OPT_PERF },
		{ "model", required_argument, 0, 'm' },
		{ "perf-cpu", required_argument, 0, OPT_PERFCPU },
		{ "perf-max", required_argument, 0, OPT_PERFMAX },
		{ "slo", required_argument, 0, OPT_SLO },
		{ "cpu-cap", required_argument, 0, OPT_CPUCAP },
		{ "wstar", required_argument, 0, OPT_WSTAR },
		{ "min", required_argument, 0, OPT_MIN },
		{ "max", required_argument, 0, OPT_MAX },
		{ "initial", required_argument, 0, OPT_INITIAL },
		{ "demand-col", required_argument, 0, OPT_DEMAND },
		{ "overprov", required_argument, 0, OPT_OVERPROV },
		{ "lead", required_argument, 0, OPT_LEAD },
		{ "ramp-up", required_argument, 0, OPT_RAMPUP },
		{ "ramp-down", required_argument, 0, OPT_RAMPDOWN },
		{ "stabilise", required_argument, 0, OPT_STAB },
		{ "scale-in", no_argument, 0, OPT_SCALEIN },
		{ "reactive", required_argument, 0, OPT_REACTIVE },
		{ "stale", required_argument, 0, OPT_STALE },
		{ "quality-window", required_argument, 0, OPT_QWIN },
		{ "min-coverage", required_argument, 0, OPT_MINCOV },
		{ "max-error", required_argument, 0, OPT_MAXERR },
		{ "hpa-metric", required_argument, 0, OPT_HPAMETRIC },
		{ "target", required_argument, 0, OPT_TARGET },
		{ "tolerance", required_argument, 0, OPT_TOL },
		{ "tolerance-up", required_argument, 0, OPT_TOLUP },
		{ "tolerance-down", required_argument, 0, OPT_TOLDOWN },
		{ "downscale-window", required_argument, 0, OPT_DSWIN },
		{ "scale-up-factor", required_argument, 0, OPT_UPFACTOR },
		{ "scale-up-minimum", required_argument, 0, OPT_UPMIN },
		{ "behavior", no_argument, 0, OPT_BEHAVIOR },
		{ "scale-up-window", required_argument, 0, OPT_UPWIN },
		{ "scale-down-window", required_argument, 0, OPT_DOWNWIN },
		{ "scale-up-policies", required_argument, 0, OPT_UPPOL },
		{ "scale-down-policies", required_argument, 0, OPT_DOWNPOL },
		{ "scale-up-select", required_argument, 0, OPT_UPSEL },
		{ "scale-down-select", required_argument, 0, OPT_DOWNSEL },
		{ "threshold-low", required_argument, 0, OPT_THRLOW },
		{ "explain", no_argument, 0, OPT_EXPLAIN },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	sp_error err;
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_perf *perf = NULL;
	sp_plan *p;
	FILE *in = stdin;
	const char *name = "-";
	int ch, curve_given = 0;

	sp_plan_defaults(&o);
	sp_cli_init(argv[0], synopsis);
	while ((ch = getopt_long(argc, argv, "c:m:h", lo, NULL)) != -1)
		switch (ch) {
		case 'c': column = optarg; break;
		case OPT_POLICY:
			o.policy = (sp_plan_policy)sp_cli_choice("--policy", optarg, policies);
			rl = o.policy > SP_PLAN_THRESHOLD ? (int)o.policy - SP_PLAN_THRESHOLD : 0;
			if (rl)  /* in bursts (bascaler), the burst-aware count */
				o.policy = SP_PLAN_BURST;
			break;
		case 'm': rl_path = optarg; break;
		case OPT_CURVE: curve = optarg; curve_given = 1; break;
		case OPT_PERF: perf_model = optarg; break;
		case OPT_PERFCPU: perf_cpu = optarg; break;
		case OPT_PERFMAX: perf_max = sp_cli_double("--perf-max", optarg, 1e-9, 1e12); break;
		case OPT_SLO: o.slo = sp_cli_double("--slo", optarg, 1e-9, 1e9); break;
		case OPT_CPUCAP: o.cpu_cap = sp_cli_double("--cpu-cap", optarg, 1e-9, 100); break;
		case OPT_WSTAR: o.wstar = sp_cli_double("--wstar", optarg, 1e-9, 1e12); break;
		case OPT_MIN: o.min = (int)sp_cli_long("--min", optarg, 0, 1000000); break;
		case OPT_MAX: o.max = (int)sp_cli_long("--max", optarg, 1, 1000000); break;
		case OPT_INITIAL: o.initial = (int)sp_cli_long("--initial", optarg, 1, 1000000); break;
		case OPT_DEMAND: demand_col = optarg; break;
		case OPT_OVERPROV: o.overprov = sp_cli_double("--overprov", optarg, 0, 1000) / 100; break;
		case OPT_LEAD: lead = (int)sp_cli_long("--lead", optarg, 1, 10000); break;
		case OPT_RAMPUP: o.ramp_up = (int)sp_cli_long("--ramp-up", optarg, 1, 1000000); break;
		case OPT_RAMPDOWN: o.ramp_down = (int)sp_cli_long("--ramp-down", optarg, 1, 1000000); break;
		case OPT_STAB: o.stabilise = sp_cli_double("--stabilise", optarg, 0, 1e9); break;
		case OPT_SCALEIN: o.scale_in = 1; break;
		case OPT_REACTIVE: o.reactive = (sp_plan_reactive)sp_cli_choice("--reactive", optarg, reactives); break;
		case OPT_STALE: o.stale = sp_cli_double("--stale", optarg, 1e-9, 1e12); break;
		case OPT_QWIN: o.quality_window = (int)sp_cli_long("--quality-window", optarg, 1, 100000); break;
		case OPT_MINCOV: o.min_coverage = sp_cli_double("--min-coverage", optarg, 0, 1); break;
		case OPT_MAXERR: o.max_error = sp_cli_double("--max-error", optarg, 0, 1e9); break;
		case OPT_HPAMETRIC: o.metric = (sp_plan_metric)sp_cli_choice("--hpa-metric", optarg, metrics); break;
		case OPT_TARGET: o.target = sp_cli_double("--target", optarg, 1e-3, 1e12); break;
		case OPT_TOL: o.tol_up = o.tol_down = sp_cli_double("--tolerance", optarg, 0, 1); break;
		case OPT_TOLUP: o.tol_up = sp_cli_double("--tolerance-up", optarg, 0, 1e6); break;
		case OPT_TOLDOWN: o.tol_down = sp_cli_double("--tolerance-down", optarg, 0, 1); break;
		case OPT_DSWIN: o.hpa.downscale_window = sp_cli_double("--downscale-window", optarg, 0, 1e7); break;
		case OPT_UPFACTOR: o.hpa.up_factor = sp_cli_double("--scale-up-factor", optarg, 1, 1e6); break;
		case OPT_UPMIN: o.hpa.up_minimum = (double)sp_cli_long("--scale-up-minimum", optarg, 0, 1000000); break;
		case OPT_BEHAVIOR: o.hpa.behavior = 1; break;
		case OPT_UPWIN: o.hpa.up.window = sp_cli_double("--scale-up-window", optarg, 0, 3600); o.hpa.behavior = 1; break;
		case OPT_DOWNWIN: o.hpa.down.window = sp_cli_double("--scale-down-window", optarg, 0, 3600); o.hpa.behavior = 1; break;
		case OPT_UPPOL: rules(&o.hpa.up, "--scale-up-policies", optarg); o.hpa.behavior = 1; break;
		case OPT_DOWNPOL: rules(&o.hpa.down, "--scale-down-policies", optarg); o.hpa.behavior = 1; break;
		case OPT_UPSEL: o.hpa.up.select = sp_cli_choice("--scale-up-select", optarg, selects); o.hpa.behavior = 1; break;
		case OPT_DOWNSEL: o.hpa.down.select = sp_cli_choice("--scale-down-select", optarg, selects); o.hpa.behavior = 1; break;
		case OPT_THRLOW: o.thr_low = sp_cli_double("--threshold-low", optarg, 0, 100); break;
		case OPT_EXPLAIN: explain = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (o.min > o.max)
		sp_die_usage("--min (%d) must not be greater than --max (%d)", o.min, o.max);
	if (o.policy == SP_PLAN_HPA && o.metric != SP_PLAN_METRIC_CPU && o.target == 80)
		sp_die_usage("--hpa-metric %s needs --target (the load it aims at)", metrics[o.metric]);
	if (rl && !rl_path)
		sp_die_usage("--policy %s needs -m POLICY (a policy file from rltrain)", policies[rl + 3]);
	if (rl_path && !rl)
		sp_die_usage("-m is for --policy ppo or bascaler");
	if (perf_model && curve_given)
		sp_die_usage("--perf and --curve exclude each other");
	if (perf_cpu && !perf_model)
		sp_die_usage("--perf-cpu needs --perf");
	if (perf_model) {
		if (!(perf = sp_perf_load_svr(perf_model, perf_cpu, perf_max, &err)))
			sp_die_err(&err);
	} else if (!(o.wstar > 0) || curve_given || rl || o.policy == SP_PLAN_THRESHOLD ||
	    (o.policy == SP_PLAN_HPA && o.metric == SP_PLAN_METRIC_CPU) || o.reactive == SP_PLAN_REACTIVE_HPA)
		if (!(perf = sp_perf_load_curve(curve, &err)))
			sp_die_err(&err);
	if (!(p = sp_plan_new(&o, perf, &err))) {
		sp_perf_free(perf);
		sp_die_err(&err);
	}
	in = sp_cli_open_input(argc == 1 ? argv[0] : NULL, &name);
	if (rl) {
		sp_rlenv_opts ro;
		if (!(rl_policy = sp_rlenv_policy_load(rl_path, &ro, &err)) ||
		    !(agent = sp_rlenv_agent_new(&ro, rl_policy, perf, &err)))
			sp_die_err(&err);
	}
	if (!(r = sp_csv_reader_new(in, name, 0, &err)))
		sp_die_err(&err);
	w = sp_csv_writer_new(stdout);
	keep[0] = r;
	keep[1] = w;
	keep[2] = p;
	keep[3] = perf;
	if (strcmp(sp_csv_colname(r, 0), "origin") == 0 && rl)
		sp_die("--policy %s needs per-step rows (burstdetect's output), not the long format",
		    policies[rl + 3]);
	if (strcmp(sp_csv_colname(r, 0), "origin") == 0)
		run_long(r, p, w, &err);
	else if (strcmp(sp_csv_colname(r, 0), "timestamp") == 0)
		run_steps(r, p, w, &err);
	else
		sp_die("%s: the first column must be timestamp (or origin for the long format)",
		    name[0] == '-' ? "input" : name);
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_die_err(&err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	sp_plan_free(p);
	sp_rlenv_agent_free(agent);
	sp_ppo_policy_free(rl_policy);
	sp_perf_free(perf);
	return 0;
}
