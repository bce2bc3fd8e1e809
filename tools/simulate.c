/* simulate: replay replica decisions (or run the hpa/threshold/forecast
 * policies in a closed loop) against a load trace on a simulated cluster,
 * and score them on SLO violations, cost and latency.  See sp_sim.h. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_perf.h"
#include "sp_plan.h"
#include "sp_sim.h"

static const char synopsis[] =
    "simulate [-c NAME] [--policy replay|hpa|threshold|forecast|burst] [--curve FILE] [--slo MS] "
    "[--startup SEC] [--summary] [options] [FILE]";

static const char *const policies[] = { "replay", "hpa", "threshold", "forecast", "burst", NULL };
static const char *const metrics[] = { "cpu", "average-value", "value", NULL };
static const char *const reactives[] = { "hpa", "load", "none", NULL };

static sp_plan_opts po;            /* closed-loop policy options */
static sp_sim_opts so;             /* simulator options */
static int policy;                 /* index in policies[] */
static const char *curve = "data/bascaler_fft_service_curve.csv"; /* performance curve */
static const char *perf_model, *perf_cpu; /* svrfit models instead of the curve */
static double perf_max = 100;      /* their largest load per replica */
static const char *column;         /* load column */
static const char *repcol = "replicas"; /* replay: replicas column */
static const char *name;           /* policy name in the summary */
static double step;                /* seconds per row; 0 = from the timestamps */
static int summary, no_header;     /* print the summary row instead of the steps */
/* what main allocated, kept reachable for the leak checker when a data
 * error exits through sp_die */
static void *volatile keep[5];

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Run a load trace through a simulated cluster: replay the replicas column\n"
	    "of plan, or run a policy closed-loop on the CPU and latency simulated;\n"
	    "print per-step rows or (--summary) one row of SLO and cost metrics.\n\n"
	    "  -c, --column NAME      load column (requests/s) [first data column]\n"
	    "      --policy P         replay, hpa, threshold, forecast or burst [replay]\n"
	    "      --replicas-col NAME  replay: the replicas column [%s]\n"
	    "      --curve FILE       performance curve CSV [%s]\n"
	    "      --perf MODEL       svrfit latency model (load per replica) instead of --curve\n"
	    "      --perf-cpu MODEL   svrfit CPU model to go with --perf\n"
	    "      --perf-max W       largest load per replica the models cover [%g]\n"
	    "      --slo MS           latency SLO in ms [%g]\n"
	    "      --cpu-cap PCT      highest CPU %% at w* [%g]\n"
	    "      --wstar W          ideal load per replica [from the curve]\n"
	    "      --startup SEC      seconds from a scale-up decision to ready pods [%g]\n"
	    "      --no-queue         do not carry a backlog of unserved requests\n"
	    "      --queue-timeout SEC  drop requests that would wait longer [%g]\n"
	    "      --step SEC         seconds per row [from the timestamps]\n"
	    "      --min N            closed loop: fewest replicas [%d]\n"
	    "      --max N            closed loop: most replicas [%d]\n"
	    "      --initial N        closed loop: replicas at the start [ceil(first load / w*)]\n"
	    "      --target X         hpa: target CPU %% (or load, see --hpa-metric) [%g]\n"
	    "      --hpa-metric M     hpa: cpu, average-value or value [cpu]\n"
	    "      --tolerance F      hpa: tolerance [%g]\n"
	    "      --downscale-window SEC  hpa: downscale stabilisation [%g]\n"
	    "      --behavior         hpa: behavior normalisation with the API defaults\n"
	    "      --threshold-low PCT  threshold: CPU floor [%g]\n"
	    "      --reactive R       forecast/burst: reactive rule hpa, load or none [hpa]\n"
	    "      --overprov PCT     forecast/burst: over-provisioning [%g]\n"
	    "      --scale-in         forecast/burst: let the forecast scale in alone\n"
	    "      --summary          print one summary row instead of the steps\n"
	    "      --name NAME        policy name in the summary [the policy]\n"
	    "      --no-header        summary row without its header\n"
	    "  -h, --help             this help\n"
	    "      --version          print the version\n",
	    synopsis, repcol, curve, perf_max, so.slo, po.cpu_cap, so.startup, so.queue_timeout, po.min, po.max, po.target,
	    po.tol_up, po.hpa.downscale_window, po.thr_low, po.overprov * 100);
	exit(0);
}

static void
die_if(int rc, const sp_error *err)
{
	if (rc < 0)
		sp_die_err(err);
}

static double
num(sp_csv_reader *r, int c, sp_error *err)
{
	double v = NAN;

	if (c >= 0)
		die_if(sp_csv_get_double(r, (size_t)c, &v, err), err);
	return v;
}

/* A row waiting for its step length (the first one). */
typedef struct {
	double t, load;
	int req, burst, have;
	char state[16], reason[48];
} pend;

static void
emit(sp_csv_writer *w, sp_sim *sim, const pend *p, double dt, int has_state, int closed,
    sp_sim_row *out, sp_error *err)
{
	sp_sim_row row;

	die_if(sp_sim_step(sim, p->t, dt, p->load, p->req, p->burst, &row, err), err);
	*out = row;
	if (summary)
		return;
	sp_csv_write_time(w, p->t);
	sp_csv_write_double(w, p->load);
	sp_csv_write_long(w, row.replicas);
	sp_csv_write_long(w, row.ready);
	sp_csv_write_double(w, row.latency);
	sp_csv_write_double(w, row.cpu);
	sp_csv_write_long(w, row.violation);
	sp_csv_write_double(w, row.cost);
	sp_csv_write_long(w, row.ideal);
	sp_csv_write_double(w, row.backlog);
	if (has_state)
		sp_csv_write_str(w, p->state);
	if (closed)
		sp_csv_write_str(w, p->reason);
	sp_csv_end_row(w);
}

static void
write_summary(sp_csv_writer *w, sp_sim *sim)
{
	static const char *const pre[] = { "", "burst_", "nonburst_" };
	static const char *const cols[] = { "steps", "violations", "slo_violation_pct", "violation_ms",
		"cost", "replica_steps", "mean_latency", "p95_latency", "latency_sd", "max_latency",
		"mean_cpu", "over", "under", "churn", "scaling_actions" };
	int k, i;
	char buf[64];

	if (!no_header) {
		sp_csv_write_str(w, "policy");
		for (k = 0; k < SP_SIM_NSPLIT; k++)
			for (i = 0; i < (int)(sizeof cols / sizeof cols[0]); i++) {
				if (k > 0 && i >= 6 && i != 11 && i != 12)
					continue;  /* burst/non-burst: the counts, cost and provisioning */
				snprintf(buf, sizeof buf, "%s%s", pre[k], cols[i]);
				sp_csv_write_str(w, buf);
			}
		sp_csv_end_row(w);
	}
	sp_csv_write_str(w, name ? name : policies[policy]);
	for (k = 0; k < SP_SIM_NSPLIT; k++) {
		sp_sim_summary s;
		double v[15];
		sp_sim_summarise(sim, k, &s);
		v[0] = (double)s.steps;
		v[1] = (double)s.violations;
		v[2] = s.steps ? 100.0 * (double)s.violations / (double)s.steps : NAN;
		v[3] = s.violation_ms;
		v[4] = s.cost;
		v[5] = s.replica_steps;
		v[6] = s.mean_latency;
		v[7] = s.p95_latency;
		v[8] = s.sd_latency;
		v[9] = s.max_latency;
		v[10] = s.mean_cpu;
		v[11] = s.over;
		v[12] = s.under;
		v[13] = s.churn;
		v[14] = (double)s.scaling_actions;
		for (i = 0; i < 15; i++) {
			if (k > 0 && i >= 6 && i != 11 && i != 12)
				continue;
			sp_csv_write_double(w, v[i]);
		}
	}
	sp_csv_end_row(w);
}

int
main(int argc, char **argv)
{
	enum {
		OPT_POLICY = 256, OPT_REPCOL, OPT_CURVE, OPT_PERF, OPT_PERFCPU, OPT_PERFMAX, OPT_SLO, OPT_CPUCAP, OPT_WSTAR, OPT_STARTUP,
		OPT_NOQUEUE, OPT_QTIMEOUT, OPT_STEP, OPT_MIN, OPT_MAX, OPT_INITIAL, OPT_TARGET, OPT_HPAMETRIC, OPT_TOL,
		OPT_DSWIN, OPT_BEHAVIOR, OPT_THRLOW, OPT_REACTIVE, OPT_OVERPROV, OPT_SCALEIN, OPT_SUMMARY,
		OPT_NAME, OPT_NOHEADER, OPT_VERSION
	};
	static const struct option lo[] = {
		{ "column", required_argument, 0, 'c' },
		{ "policy", required_argument, 0, OPT_POLICY },
		{ "replicas-col", required_argument, 0, OPT_REPCOL },
		{ "curve", required_argument, 0, OPT_CURVE },
		{ "perf", required_argument, 0, OPT_PERF },
		{ "perf-cpu", required_argument, 0, OPT_PERFCPU },
		{ "perf-max", required_argument, 0, OPT_PERFMAX },
		{ "slo", required_argument, 0, OPT_SLO },
		{ "cpu-cap", required_argument, 0, OPT_CPUCAP },
		{ "wstar", required_argument, 0, OPT_WSTAR },
		{ "startup", required_argument, 0, OPT_STARTUP },
		{ "no-queue", no_argument, 0, OPT_NOQUEUE },
		{ "queue-timeout", required_argument, 0, OPT_QTIMEOUT },
		{ "step", required_argument, 0, OPT_STEP },
		{ "min", required_argument, 0, OPT_MIN },
		{ "max", required_argument, 0, OPT_MAX },
		{ "initial", required_argument, 0, OPT_INITIAL },
		{ "target", required_argument, 0, OPT_TARGET },
		{ "hpa-metric", required_argument, 0, OPT_HPAMETRIC },
		{ "tolerance", required_argument, 0, OPT_TOL },
		{ "downscale-window", required_argument, 0, OPT_DSWIN },
		{ "behavior", no_argument, 0, OPT_BEHAVIOR },
		{ "threshold-low", required_argument, 0, OPT_THRLOW },
		{ "reactive", required_argument, 0, OPT_REACTIVE },
		{ "overprov", required_argument, 0, OPT_OVERPROV },
		{ "scale-in", no_argument, 0, OPT_SCALEIN },
		{ "summary", no_argument, 0, OPT_SUMMARY },
		{ "name", required_argument, 0, OPT_NAME },
		{ "no-header", no_argument, 0, OPT_NOHEADER },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	sp_error err;
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_perf *perf;
	sp_plan *plan = NULL;
	sp_sim *sim;
	FILE *in = stdin;
	const char *fname = "-";
	int ch, rc, curve_given = 0, loadc, rcol = -1, scol, dcol, lcol, ucol, ocol, closed, initial_given = 0;
	double lastdt = 60, ws = 0;
	pend pd;
	sp_plan_in pin;
	sp_sim_row last;
	int last_valid = 0;

	sp_plan_defaults(&po);
	sp_sim_defaults(&so);
	sp_cli_init(argv[0], synopsis);
	while ((ch = getopt_long(argc, argv, "c:h", lo, NULL)) != -1)
		switch (ch) {
		case 'c': column = optarg; break;
		case OPT_POLICY: policy = sp_cli_choice("--policy", optarg, policies); break;
		case OPT_REPCOL: repcol = optarg; break;
		case OPT_CURVE: curve = optarg; curve_given = 1; break;
		case OPT_PERF: perf_model = optarg; break;
		case OPT_PERFCPU: perf_cpu = optarg; break;
		case OPT_PERFMAX: perf_max = sp_cli_double("--perf-max", optarg, 1e-9, 1e12); break;
		case OPT_SLO: so.slo = po.slo = sp_cli_double("--slo", optarg, 1e-9, 1e9); break;
		case OPT_CPUCAP: po.cpu_cap = sp_cli_double("--cpu-cap", optarg, 1e-9, 100); break;
		case OPT_WSTAR: ws = sp_cli_double("--wstar", optarg, 1e-9, 1e12); break;
		case OPT_STARTUP: so.startup = sp_cli_double("--startup", optarg, 0, 1e7); break;
		case OPT_NOQUEUE: so.queue = 0; break;
		case OPT_QTIMEOUT: so.queue_timeout = sp_cli_double("--queue-timeout", optarg, 0, 1e7); break;
		case OPT_STEP: step = sp_cli_double("--step", optarg, 1e-6, 1e9); break;
		case OPT_MIN: po.min = (int)sp_cli_long("--min", optarg, 0, 1000000); break;
		case OPT_MAX: po.max = (int)sp_cli_long("--max", optarg, 1, 1000000); break;
		case OPT_INITIAL: po.initial = (int)sp_cli_long("--initial", optarg, 1, 1000000); initial_given = 1; break;
		case OPT_TARGET: po.target = sp_cli_double("--target", optarg, 1e-3, 1e12); break;
		case OPT_HPAMETRIC: po.metric = (sp_plan_metric)sp_cli_choice("--hpa-metric", optarg, metrics); break;
		case OPT_TOL: po.tol_up = po.tol_down = sp_cli_double("--tolerance", optarg, 0, 1); break;
		case OPT_DSWIN: po.hpa.downscale_window = sp_cli_double("--downscale-window", optarg, 0, 1e7); break;
		case OPT_BEHAVIOR: po.hpa.behavior = 1; break;
		case OPT_THRLOW: po.thr_low = sp_cli_double("--threshold-low", optarg, 0, 100); break;
		case OPT_REACTIVE: po.reactive = (sp_plan_reactive)sp_cli_choice("--reactive", optarg, reactives); break;
		case OPT_OVERPROV: po.overprov = sp_cli_double("--overprov", optarg, 0, 1000) / 100; break;
		case OPT_SCALEIN: po.scale_in = 1; break;
		case OPT_SUMMARY: summary = 1; break;
		case OPT_NAME: name = optarg; break;
		case OPT_NOHEADER: no_header = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (po.min > po.max)
		sp_die_usage("--min (%d) must not be greater than --max (%d)", po.min, po.max);
	closed = policy != 0;
	po.policy = policy == 1 ? SP_PLAN_HPA : policy == 2 ? SP_PLAN_THRESHOLD :
	    policy == 3 ? SP_PLAN_FORECAST : SP_PLAN_BURST;
	if (perf_model && curve_given)
		sp_die_usage("--perf and --curve exclude each other");
	if (perf_cpu && !perf_model)
		sp_die_usage("--perf-cpu needs --perf");
	perf = perf_model ? sp_perf_load_svr(perf_model, perf_cpu, perf_max, &err) : sp_perf_load_curve(curve, &err);
	if (!perf)
		sp_die_err(&err);
	if (ws > 0)
		so.wstar = ws;
	else if (sp_perf_wstar(perf, so.slo, po.cpu_cap, &so.wstar, &err) < 0)
		sp_die_err(&err);
	po.wstar = so.wstar;
	if (!(sim = sp_sim_new(&so, perf, &err)))
		sp_die_err(&err);
	in = sp_cli_open_input(argc == 1 ? argv[0] : NULL, &fname);
	if (!(r = sp_csv_reader_new(in, fname, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	die_if(loadc = sp_csv_pick_col(r, column, &err), &err);
	if (!closed)
		die_if(rcol = sp_csv_pick_col(r, repcol, &err), &err);
	scol = sp_csv_col_index(r, "state");
	dcol = sp_csv_col_index(r, "demand");
	if (dcol < 0)
		dcol = sp_csv_col_index(r, "forecast");
	lcol = sp_csv_col_index(r, "lower");
	ucol = sp_csv_col_index(r, "upper");
	ocol = sp_csv_col_index(r, "origin");
	if ((po.policy == SP_PLAN_FORECAST || po.policy == SP_PLAN_BURST) && closed && dcol < 0)
		sp_die("forecast columns missing: no column 'demand' or 'forecast' for --policy %s", policies[policy]);
	w = sp_csv_writer_new(stdout);
	keep[0] = r;
	keep[1] = w;
	keep[2] = perf;
	keep[3] = sim;
	if (!summary) {
		const char *h[] = { "timestamp", "workload", "replicas", "ready", "latency", "cpu",
			"violation", "cost", "ideal", "backlog" };
		size_t i;
		for (i = 0; i < sizeof h / sizeof h[0]; i++)
			sp_csv_write_str(w, h[i]);
		if (scol >= 0)
			sp_csv_write_str(w, "state");
		if (closed)
			sp_csv_write_str(w, "reason");
		sp_csv_end_row(w);
	}
	/* Step s spans [t_s, t_{s+1}): it is simulated when the next row (or
	 * the end) gives its length, before the next decision is made. */
	memset(&pd, 0, sizeof pd);
	memset(&last, 0, sizeof last);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		double t, load, v;
		size_t n;
		const char *f;
		pend cur;

		die_if(sp_csv_get_timestamp(r, &t, &err), &err);
		load = num(r, loadc, &err);
		if (isnan(load)) {
			/* the open decision after the end of a trace (plan and
			 * burstdetect write one): nothing to simulate */
			rc = sp_csv_next(r, &err);
			if (rc == SP_EEOF)
				break;
			die_if(rc, &err);
			die_if(sp_csv_error(r, loadc, &err, SP_EDATA, "missing load (only the last row may lack it)"), &err);
		}
		if (load < 0)
			die_if(sp_csv_error(r, loadc, &err, SP_EDATA, "negative load %g", load), &err);
		if (pd.have) {
			lastdt = step > 0 ? step : t - pd.t;
			emit(w, sim, &pd, lastdt, scol >= 0, closed, &last, &err);
			last_valid = 1;
		}
		memset(&cur, 0, sizeof cur);
		cur.t = t;
		cur.load = load;
		cur.have = 1;
		if (scol >= 0) {
			f = sp_csv_field(r, (size_t)scol, &n);
			snprintf(cur.state, sizeof cur.state, "%.*s", (int)n, f);
			cur.burst = n == 5 && memcmp(f, "burst", 5) == 0;
		}
		if (!closed) {
			die_if(sp_csv_get_double_req(r, (size_t)rcol, &v, &err), &err);
			if (v < 0 || v != floor(v) || v > 1e7)
				die_if(sp_csv_error(r, rcol, &err, SP_EDATA, "not a replica count: %g", v), &err);
			cur.req = (int)v;
		} else {
			const char *reason;
			if (!plan) {
				if (!initial_given) {
					po.initial = load > 0 ? (int)ceil(load / so.wstar - 1e-9) : 1;
					if (po.initial < 1)
						po.initial = 1;
				}
				if (!(plan = sp_plan_new(&po, perf, &err)))
					sp_die_err(&err);
				keep[4] = plan;
			}
			sp_plan_in_clear(&pin);
			pin.t = t;
			if (last_valid) {
				pin.prev_load = pd.load;
				pin.prev_cpu = last.cpu;
				pin.prev_latency = last.latency;
				pin.prev_ready = last.ready;
				pin.prev_unready = last.starting;
				pin.current = last.replicas;
			}
			pin.demand = num(r, dcol, &err);
			pin.lower = num(r, lcol, &err);
			pin.upper = num(r, ucol, &err);
			pin.origin = num(r, ocol, &err);
			pin.burst = cur.burst;
			die_if(sp_plan_step(plan, &pin, &cur.req, &reason, NULL, 0, &err), &err);
			snprintf(cur.reason, sizeof cur.reason, "%s", reason);
		}
		pd = cur;
	}
	die_if(rc, &err);
	if (pd.have)
		emit(w, sim, &pd, step > 0 ? step : lastdt, scol >= 0, closed, &last, &err);
	if (summary)
		write_summary(w, sim);
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_die_err(&err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	sp_plan_free(plan);
	sp_sim_free(sim);
	sp_perf_free(perf);
	return 0;
}
