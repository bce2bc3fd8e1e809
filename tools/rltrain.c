/* rltrain: train BAScaler's PPO estimation enhancer on a trace.
 *
 * Reads per-step rows (burstdetect's output: load, forecast, upper, state),
 * splits them by time into training, validation and test spans, trains a
 * discrete PPO-Clip agent in the environment of BASCALER.md §6 (sp_rlenv
 * over sp_sim, the code `simulate` runs) on the training span's non-burst
 * segments, checkpoints the best greedy policy on the validation span and
 * stops early.  Writes the policy file; one CSV row per update on stdout.
 * It never looks at the test span. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_nn.h"
#include "sp_perf.h"
#include "sp_ppo.h"
#include "sp_rlenv.h"
#include "sp_sim.h"

static const char synopsis[] =
    "rltrain [-c NAME] -o POLICY [--curve FILE] [--slo MS] [--hidden N,N,...] [--seed N] [options] [FILE]";

static sp_ppo_opts po;             /* PPO hyper-parameters */
static sp_rlenv_opts eo;           /* environment / reward options */
static sp_sim_opts so;             /* simulator options */
static const char *curve = "data/bascaler_fft_service_curve.csv"; /* performance curve */
static const char *perf_model, *perf_cpu; /* svrfit models instead of the curve */
static double perf_max = 100;      /* their largest load per replica */
static const char *column;         /* load column (-c) */
static const char *fcol = "forecast", *ucol = "upper", *scol = "state"; /* input columns */
static const char *output;         /* policy file (-o) */
static double cpu_cap = 90;        /* CPU cap for w* */
static double ftrain = 0.6, fvalid = 0.2; /* split fractions */
static int threads = 1;            /* BLAS threads */
static int verbose;                /* progress on stderr */

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Train BAScaler's PPO agent (BASCALER.md §6) on the non-burst steps of a\n"
	    "trace in the simulator; checkpoint the best policy on a validation span.\n\n"
	    "  -c, --column NAME      load column [first data column]\n"
	    "      --forecast-col NAME  one-step forecast column [%s]\n"
	    "      --upper-col NAME   upper band column [%s]\n"
	    "      --state-col NAME   burst state column, 'burst' marks a burst [%s]\n"
	    "  -o, --output FILE      policy file to write (required)\n"
	    "      --train F          fraction of rows for training [%g]\n"
	    "      --valid F          fraction of rows for validation [%g]; the rest is the test span\n"
	    "      --curve FILE       performance curve CSV with cpu_pct [%s]\n"
	    "      --perf MODEL       svrfit latency model instead of --curve (needs --perf-cpu)\n"
	    "      --perf-cpu MODEL   svrfit CPU model\n"
	    "      --perf-max W       largest load per replica the models cover [%g]\n"
	    "      --slo MS           latency SLO in ms [%g]\n"
	    "      --cpu-cap PCT      highest CPU %% at w* [%g]\n"
	    "      --wstar W          load per replica for anchored actions [from the curve]\n"
	    "      --alpha A          reward weight of the latency term [%g]\n"
	    "      --cpu-target PCT   reward's CPU target theta_u [%g]\n"
	    "      --penalty P        reward's penalty ratio [%g]\n"
	    "      --illegal R        reward added when an action is clamped [%g]\n"
	    "      --action-max N     actions move by -N..N around 3 anchors [%d]\n"
	    "      --min N            fewest replicas [%d]\n"
	    "      --max N            most replicas [%d]\n"
	    "      --max-latency MS   latency that maps to 1 in the state [%g]\n"
	    "      --load-scale X     loads in the state are divided by X [8 x mean training load]\n"
	    "      --startup SEC      simulator: seconds from decision to ready pods [%g]\n"
	    "      --no-queue         simulator: do not carry a backlog\n"
	    "      --hidden LIST      hidden layer widths, comma-separated [64,64]\n"
	    "      --lr X             Adam step size, actor [%g]\n"
	    "      --lr-critic X      Adam step size, critic [%g]\n"
	    "      --gamma X          discount [%g]\n"
	    "      --lambda X         GAE lambda [%g]\n"
	    "      --clip X           PPO clip epsilon [%g]\n"
	    "      --entropy X        entropy coefficient [%g]\n"
	    "      --entropy-quirk    the reference's sign: entropy is penalised\n"
	    "      --rollout N        environment steps per update [%d]\n"
	    "      --batch N          minibatch rows [%d]\n"
	    "      --repeat X         passes over the rollout per update [%g]\n"
	    "      --max-grad X       gradient norm clip, 0 off [%g]\n"
	    "      --steps N          environment steps in all [%ld]\n"
	    "      --patience N       evaluations without a new best before stopping [%d]\n"
	    "      --seed N           random seed [%lu]\n"
	    "      --threads N        BLAS threads [%d]\n"
	    "  -v, --verbose          progress on stderr\n"
	    "  -h, --help             this help\n"
	    "      --version          print the version\n",
	    synopsis, fcol, ucol, scol, ftrain, fvalid, curve, perf_max, eo.slo, cpu_cap, eo.alpha,
	    eo.cpu_target, eo.penalty, eo.illegal, eo.action_max, eo.min, eo.max, eo.max_latency,
	    so.startup, po.lr_actor, po.lr_critic, po.gamma, po.lambda, po.clip, po.entropy,
	    po.rollout, po.batch, po.repeat, po.max_grad, po.max_steps, po.patience, po.seed, threads);
	exit(0);
}

/* The trace, column-wise, growing. */
typedef struct {
	size_t n, cap;
	double *t, *load, *fc, *up;
	unsigned char *burst;
} trace;

static void
push(trace *tr, double t, double load, double fc, double up, int burst)
{
	if (tr->n == tr->cap) {
		size_t c = tr->cap ? 2 * tr->cap : 4096;
		if (!(tr->t = realloc(tr->t, c * sizeof(double))) ||
		    !(tr->load = realloc(tr->load, c * sizeof(double))) ||
		    !(tr->fc = realloc(tr->fc, c * sizeof(double))) ||
		    !(tr->up = realloc(tr->up, c * sizeof(double))) ||
		    !(tr->burst = realloc(tr->burst, c)))
			sp_die("out of memory");
		tr->cap = c;
	}
	tr->t[tr->n] = t, tr->load[tr->n] = load, tr->fc[tr->n] = fc, tr->up[tr->n] = up;
	tr->burst[tr->n] = (unsigned char)burst;
	tr->n++;
}

static void
read_trace(FILE *in, const char *name, trace *tr)
{
	sp_error err, missing = { SP_OK, "" };
	sp_csv_reader *r = sp_csv_reader_new(in, name, SP_CSV_NEED_TIMESTAMP, &err);
	int lc, fc, uc, sc, rc;

	if (!r)
		sp_die_err(&err);
	if ((lc = sp_csv_pick_col(r, column, &err)) < 0)
		sp_die_err(&err);
	fc = sp_csv_col_index(r, fcol);
	uc = sp_csv_col_index(r, ucol);
	sc = sp_csv_col_index(r, scol);
	if (fc < 0)
		sp_die("no column '%s' (the one-step forecast: pipe the trace through arfit or "
		    "burstdetect first, or name it with --forecast-col)", fcol);
	if (uc < 0)
		sp_die("no column '%s' (the upper band: name it with --upper-col)", ucol);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		double t, load, f, u;
		size_t len = 0;
		const char *s;
		if (sp_csv_get_timestamp(r, &t, &err) < 0 || (rc = sp_csv_get_double(r, (size_t)lc, &load, &err)) < 0 ||
		    sp_csv_get_double(r, (size_t)fc, &f, &err) < 0 || sp_csv_get_double(r, (size_t)uc, &u, &err) < 0)
			sp_die_err(&err);
		if (rc == 1) {
			/* a missing load is fine only after the last step (the open
			 * forecast row of arfit/burstdetect): remember the first one */
			if (!missing.code)
				sp_csv_error(r, lc, &missing, SP_EDATA, "missing value");
			continue;
		}
		if (missing.code)
			sp_die_err(&missing);
		if (load < 0) {
			sp_csv_error(r, lc, &err, SP_EDATA, "negative load %g", load);
			sp_die_err(&err);
		}
		s = sc >= 0 ? sp_csv_field(r, (size_t)sc, &len) : "";
		push(tr, t, load, f, u, len == 5 && memcmp(s, "burst", 5) == 0);
	}
	if (rc < 0)
		sp_die_err(&err);
	sp_csv_reader_free(r);
}

typedef struct {
	sp_ppo *a;
	int failed;
	sp_error err;
	sp_csv_writer *w;
	clock_t t0;
} run;

static void
progress(void *arg, const sp_ppo_progress *p)
{
	run *ru = arg;

	/* checkpoint: the file always holds the best policy so far */
	if (p->improved && !ru->failed &&
	    sp_rlenv_policy_save(output, &eo, sp_ppo_actor(ru->a), sp_cli_cmdline(0, NULL), &ru->err) < 0)
		ru->failed = 1;
	sp_csv_write_long(ru->w, p->update);
	sp_csv_write_long(ru->w, p->steps);
	sp_csv_write_double(ru->w, p->train_reward);
	sp_csv_write_double(ru->w, p->eval_return);
	sp_csv_write_double(ru->w, p->eval_steps ? p->eval_return / (double)p->eval_steps : NAN);
	sp_csv_write_double(ru->w, p->best_return);
	sp_csv_write_long(ru->w, p->improved);
	sp_csv_write_double(ru->w, p->actor_loss);
	sp_csv_write_double(ru->w, p->critic_loss);
	sp_csv_write_double(ru->w, p->entropy);
	sp_csv_write_double(ru->w, p->clipfrac);
	sp_csv_end_row(ru->w);
	if (verbose)
		fprintf(stderr, "%s: update %d, %ld steps, train reward %.4f/step, validation %.4f/step%s, %.1f s\n",
		    sp_cli_progname(), p->update, p->steps, p->train_reward,
		    p->eval_steps ? p->eval_return / (double)p->eval_steps : NAN,
		    p->improved ? " (best)" : "", (double)(clock() - ru->t0) / CLOCKS_PER_SEC);
}

static void
parse_hidden(const char *arg)
{
	double v[SP_PPO_MAXHIDDEN];
	int n = sp_cli_doubles("--hidden", arg, v, SP_PPO_MAXHIDDEN, 1, 65536);

	po.nhidden = n;
	for (int i = 0; i < n; i++) {
		if (v[i] != floor(v[i]))
			sp_die_usage("--hidden: not an integer: %g", v[i]);
		po.hidden[i] = (int)v[i];
	}
}

int
main(int argc, char **argv)
{
	enum {
		OPT_FCOL = 256, OPT_UCOL, OPT_SCOL, OPT_TRAIN, OPT_VALID, OPT_CURVE, OPT_SLO, OPT_CPUCAP,
		OPT_WSTAR, OPT_ALPHA, OPT_CPUT, OPT_PENALTY, OPT_ILLEGAL, OPT_AMAX, OPT_MIN, OPT_MAX,
		OPT_MAXLAT, OPT_LSCALE, OPT_STARTUP, OPT_NOQUEUE, OPT_HIDDEN, OPT_LR, OPT_LRC, OPT_GAMMA,
		OPT_LAMBDA, OPT_CLIP, OPT_ENT, OPT_ENTQ, OPT_ROLLOUT, OPT_BATCH, OPT_REPEAT, OPT_MAXGRAD,
		OPT_STEPS, OPT_PATIENCE, OPT_SEED, OPT_THREADS, OPT_PERF, OPT_PERFCPU, OPT_PERFMAX, OPT_VERSION
	};
	static const struct option lo[] = {
		{ "column", required_argument, 0, 'c' },
		{ "forecast-col", required_argument, 0, OPT_FCOL },
		{ "upper-col", required_argument, 0, OPT_UCOL },
		{ "state-col", required_argument, 0, OPT_SCOL },
		{ "output", required_argument, 0, 'o' },
		{ "train", required_argument, 0, OPT_TRAIN },
		{ "valid", required_argument, 0, OPT_VALID },
		{ "curve", required_argument, 0, OPT_CURVE },
		{ "perf", required_argument, 0, OPT_PERF },
		{ "perf-cpu", required_argument, 0, OPT_PERFCPU },
		{ "perf-max", required_argument, 0, OPT_PERFMAX },
		{ "slo", required_argument, 0, OPT_SLO },
		{ "cpu-cap", required_argument, 0, OPT_CPUCAP },
		{ "wstar", required_argument, 0, OPT_WSTAR },
		{ "alpha", required_argument, 0, OPT_ALPHA },
		{ "cpu-target", required_argument, 0, OPT_CPUT },
		{ "penalty", required_argument, 0, OPT_PENALTY },
		{ "illegal", required_argument, 0, OPT_ILLEGAL },
		{ "action-max", required_argument, 0, OPT_AMAX },
		{ "min", required_argument, 0, OPT_MIN },
		{ "max", required_argument, 0, OPT_MAX },
		{ "max-latency", required_argument, 0, OPT_MAXLAT },
		{ "load-scale", required_argument, 0, OPT_LSCALE },
		{ "startup", required_argument, 0, OPT_STARTUP },
		{ "no-queue", no_argument, 0, OPT_NOQUEUE },
		{ "hidden", required_argument, 0, OPT_HIDDEN },
		{ "lr", required_argument, 0, OPT_LR },
		{ "lr-critic", required_argument, 0, OPT_LRC },
		{ "gamma", required_argument, 0, OPT_GAMMA },
		{ "lambda", required_argument, 0, OPT_LAMBDA },
		{ "clip", required_argument, 0, OPT_CLIP },
		{ "entropy", required_argument, 0, OPT_ENT },
		{ "entropy-quirk", no_argument, 0, OPT_ENTQ },
		{ "rollout", required_argument, 0, OPT_ROLLOUT },
		{ "batch", required_argument, 0, OPT_BATCH },
		{ "repeat", required_argument, 0, OPT_REPEAT },
		{ "max-grad", required_argument, 0, OPT_MAXGRAD },
		{ "steps", required_argument, 0, OPT_STEPS },
		{ "patience", required_argument, 0, OPT_PATIENCE },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "threads", required_argument, 0, OPT_THREADS },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	sp_error err;
	sp_perf *perf;
	FILE *in = stdin;
	const char *name = "-";
	trace tr = { 0 };
	size_t ntr, nva;
	int ch, lr_critic_given = 0, curve_given = 0;
	double wstar = 0, lscale = 0;
	sp_rlenv *te, *ve;
	sp_ppo_env pte, pve;
	run ru;

	sp_ppo_defaults(&po);
	sp_rlenv_defaults(&eo);
	sp_sim_defaults(&so);
	sp_cli_init(argv[0], synopsis);
	sp_cli_cmdline(argc, argv);
	while ((ch = getopt_long(argc, argv, "c:o:vh", lo, NULL)) != -1)
		switch (ch) {
		case 'c': column = optarg; break;
		case OPT_FCOL: fcol = optarg; break;
		case OPT_UCOL: ucol = optarg; break;
		case OPT_SCOL: scol = optarg; break;
		case 'o': output = optarg; break;
		case OPT_TRAIN: ftrain = sp_cli_double("--train", optarg, 1e-9, 1); break;
		case OPT_VALID: fvalid = sp_cli_double("--valid", optarg, 1e-9, 1); break;
		case OPT_CURVE: curve = optarg; curve_given = 1; break;
		case OPT_PERF: perf_model = optarg; break;
		case OPT_PERFCPU: perf_cpu = optarg; break;
		case OPT_PERFMAX: perf_max = sp_cli_double("--perf-max", optarg, 1e-9, 1e12); break;
		case OPT_SLO: eo.slo = sp_cli_double("--slo", optarg, 1e-9, 1e9); break;
		case OPT_CPUCAP: cpu_cap = sp_cli_double("--cpu-cap", optarg, 1e-9, 100); break;
		case OPT_WSTAR: wstar = sp_cli_double("--wstar", optarg, 1e-9, 1e12); break;
		case OPT_ALPHA: eo.alpha = sp_cli_double("--alpha", optarg, 0, 1); break;
		case OPT_CPUT: eo.cpu_target = sp_cli_double("--cpu-target", optarg, 1e-9, 99.999); break;
		case OPT_PENALTY: eo.penalty = sp_cli_double("--penalty", optarg, 0, 1e6); break;
		case OPT_ILLEGAL: eo.illegal = sp_cli_double("--illegal", optarg, -1e6, 1e6); break;
		case OPT_AMAX: eo.action_max = (int)sp_cli_long("--action-max", optarg, 0, 1000); break;
		case OPT_MIN: eo.min = (int)sp_cli_long("--min", optarg, 1, 1000000); break;
		case OPT_MAX: eo.max = (int)sp_cli_long("--max", optarg, 1, 1000000); break;
		case OPT_MAXLAT: eo.max_latency = sp_cli_double("--max-latency", optarg, 1e-9, 1e9); break;
		case OPT_LSCALE: lscale = sp_cli_double("--load-scale", optarg, 1e-12, 1e15); break;
		case OPT_STARTUP: so.startup = sp_cli_double("--startup", optarg, 0, 1e9); break;
		case OPT_NOQUEUE: so.queue = 0; break;
		case OPT_HIDDEN: parse_hidden(optarg); break;
		case OPT_LR: po.lr_actor = sp_cli_double("--lr", optarg, 1e-12, 10); break;
		case OPT_LRC: po.lr_critic = sp_cli_double("--lr-critic", optarg, 1e-12, 10); lr_critic_given = 1; break;
		case OPT_GAMMA: po.gamma = sp_cli_double("--gamma", optarg, 0, 1); break;
		case OPT_LAMBDA: po.lambda = sp_cli_double("--lambda", optarg, 0, 1); break;
		case OPT_CLIP: po.clip = sp_cli_double("--clip", optarg, 1e-9, 10); break;
		case OPT_ENT: po.entropy = sp_cli_double("--entropy", optarg, 0, 1e3); break;
		case OPT_ENTQ: po.entropy_quirk = 1; break;
		case OPT_ROLLOUT: po.rollout = (int)sp_cli_long("--rollout", optarg, 1, 10000000); break;
		case OPT_BATCH: po.batch = (int)sp_cli_long("--batch", optarg, 1, 1000000); break;
		case OPT_REPEAT: po.repeat = sp_cli_double("--repeat", optarg, 1e-9, 1000); break;
		case OPT_MAXGRAD: po.max_grad = sp_cli_double("--max-grad", optarg, 0, 1e12); break;
		case OPT_STEPS: po.max_steps = sp_cli_long("--steps", optarg, 1, 1000000000L); break;
		case OPT_PATIENCE: po.patience = (int)sp_cli_long("--patience", optarg, 0, 1000000); break;
		case OPT_SEED: po.seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 4294967295L); break;
		case OPT_THREADS: threads = (int)sp_cli_long("--threads", optarg, 1, 256); break;
		case 'v': verbose = 1; break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (!output)
		sp_die_usage("-o POLICY is required");
	if (eo.min > eo.max)
		sp_die_usage("--min (%d) must not be greater than --max (%d)", eo.min, eo.max);
	if (ftrain + fvalid >= 1 + 1e-12)
		sp_die_usage("--train (%g) and --valid (%g) leave nothing: they must sum to at most 1", ftrain, fvalid);
	if (!lr_critic_given)
		po.lr_critic = po.lr_actor;
	sp_nn_threads(threads);

	if (perf_model && curve_given)
		sp_die_usage("--perf and --curve exclude each other");
	if (perf_model && !perf_cpu)
		sp_die_usage("--perf needs --perf-cpu (the reward needs CPU)");
	if (perf_cpu && !perf_model)
		sp_die_usage("--perf-cpu needs --perf");
	if (!(perf = perf_model ? sp_perf_load_svr(perf_model, perf_cpu, perf_max, &err) :
	    sp_perf_load_curve(curve, &err)))
		sp_die_err(&err);
	if (!sp_perf_has_cpu(perf))
		sp_die("%s: the curve has no cpu_pct column (the reward needs CPU)", curve);
	if (!(wstar > 0) && sp_perf_wstar(perf, eo.slo, cpu_cap, &wstar, &err) < 0)
		sp_die_err(&err);
	eo.wstar = wstar;
	so.slo = eo.slo;
	so.wstar = wstar;

	in = sp_cli_open_input(argc == 1 ? argv[0] : NULL, &name);
	read_trace(in, name, &tr);
	if (in != stdin)
		fclose(in);
	ntr = (size_t)floor(ftrain * (double)tr.n);
	nva = (size_t)floor(fvalid * (double)tr.n);
	if (ntr < 2 || nva < 2)
		sp_die("trace too short for the split: %zu rows give %zu training and %zu validation rows "
		    "(need at least 2 each)", tr.n, ntr, nva);
	if (lscale > 0) {
		eo.load_scale = lscale;
	} else {
		double s = 0;
		for (size_t i = 0; i < ntr; i++)
			s += tr.load[i];
		/* the reference divides loads scaled to mean 500 by 4000 = 8 x mean */
		eo.load_scale = s > 0 ? 8 * s / (double)ntr : 1;
	}
	{
		sp_rlenv_trace rt = { tr.n, tr.t, tr.load, tr.fc, tr.up, tr.burst };
		if (!(te = sp_rlenv_new(&eo, &so, perf, &rt, 0, ntr, 1, &err))) {
			sp_error_prefix(&err, "training span (rows 1-%zu)", ntr);
			sp_die_err(&err);
		}
		if (!(ve = sp_rlenv_new(&eo, &so, perf, &rt, ntr, ntr + nva, 0, &err))) {
			sp_error_prefix(&err, "validation span (rows %zu-%zu)", ntr + 1, ntr + nva);
			sp_die_err(&err);
		}
	}
	sp_rlenv_ppo_env(te, &pte);
	sp_rlenv_ppo_env(ve, &pve);
	memset(&ru, 0, sizeof ru);
	if (!(ru.a = sp_ppo_new(&po, pte.state_dim, pte.nact, &err)))
		sp_die_err(&err);
	ru.w = sp_csv_writer_new(stdout);
	ru.t0 = clock();
	sp_csv_write_str(ru.w, "update");
	sp_csv_write_str(ru.w, "steps");
	sp_csv_write_str(ru.w, "train_reward");
	sp_csv_write_str(ru.w, "valid_return");
	sp_csv_write_str(ru.w, "valid_reward");
	sp_csv_write_str(ru.w, "best_return");
	sp_csv_write_str(ru.w, "checkpoint");
	sp_csv_write_str(ru.w, "actor_loss");
	sp_csv_write_str(ru.w, "critic_loss");
	sp_csv_write_str(ru.w, "entropy");
	sp_csv_write_str(ru.w, "clip_fraction");
	sp_csv_end_row(ru.w);
	if (verbose)
		fprintf(stderr, "%s: %zu rows: training 1-%zu (%zu segments, %zu steps), validation %zu-%zu "
		    "(%zu segments, %zu steps); w* %g, load scale %g\n", sp_cli_progname(), tr.n, ntr,
		    sp_rlenv_segments(te), sp_rlenv_steps(te), ntr + 1, ntr + nva, sp_rlenv_segments(ve),
		    sp_rlenv_steps(ve), wstar, eo.load_scale);
	if (sp_ppo_train(ru.a, &pte, te, &pve, ve, progress, &ru, &err) < 0)
		sp_die_err(&err);
	if (ru.failed)
		sp_die_err(&ru.err);
	if (sp_csv_writer_flush(ru.w, &err) < 0)
		sp_die_err(&err);
	sp_csv_writer_free(ru.w);
	sp_ppo_free(ru.a);
	sp_rlenv_free(te);
	sp_rlenv_free(ve);
	sp_perf_free(perf);
	free(tr.t), free(tr.load), free(tr.fc), free(tr.up), free(tr.burst);
	return 0;
}
