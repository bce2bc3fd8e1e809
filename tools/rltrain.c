/* rltrain: train BAScaler's PPO estimation enhancer on a trace.
 *
 * Reads per-step rows (burstdetect's output: load, forecast, upper, state),
 * splits them by time into training, validation and test spans, trains a
 * discrete PPO-Clip agent in the environment of scalepipe-ppo(7) (sp_rlenv
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
#include <unistd.h>

#include "sp_band.h"
#include "sp_burst.h"
#include "sp_cli.h"
#include "sp_cli_perf.h"
#include "sp_csv.h"
#include "sp_file.h"
#include "sp_nn.h"
#include "sp_perf.h"
#include "sp_ppo.h"
#include "sp_rlenv.h"
#include "sp_sim.h"

static const char synopsis[] =
    "rltrain [-c NAME] -o POLICY [--curve FILE] [--slo MS] [--hidden N,N,...] [--seed N] [options] [FILE]";

enum {
	OPT_FCOL = 256, OPT_UCOL, OPT_SCOL, OPT_TRAIN, OPT_VALID, OPT_ALPHA, OPT_CPUT, OPT_PENALTY,
	OPT_ILLEGAL, OPT_AMAX, OPT_MIN, OPT_MAX, OPT_MAXLAT, OPT_LSCALE, OPT_STARTUP, OPT_NOQUEUE,
	OPT_HIDDEN, OPT_LR, OPT_LRC, OPT_GAMMA, OPT_LAMBDA, OPT_CLIP, OPT_ENT, OPT_ENTQ, OPT_ROLLOUT,
	OPT_BATCH, OPT_REPEAT, OPT_MAXGRAD, OPT_STEPS, OPT_PATIENCE, OPT_SEED, OPT_THREADS, OPT_VERSION,
	OPT_CKPT
};

static const struct option longopts[] = {
	{ "column", required_argument, 0, 'c' },
	{ "forecast-col", required_argument, 0, OPT_FCOL },
	{ "upper-col", required_argument, 0, OPT_UCOL },
	{ "state-col", required_argument, 0, OPT_SCOL },
	{ "output", required_argument, 0, 'o' },
	{ "checkpoint", required_argument, 0, OPT_CKPT },
	{ "train", required_argument, 0, OPT_TRAIN },
	{ "valid", required_argument, 0, OPT_VALID },
	SP_CLI_PERF_LONGOPTS,
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
	{ "quiet", no_argument, 0, 'q' },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ 0, 0, 0, 0 }
};

typedef struct {
	sp_ppo_opts po;            /* PPO hyper-parameters */
	sp_rlenv_opts eo;          /* environment / reward options */
	sp_sim_opts so;            /* simulator options */
	sp_cli_perf perf;          /* performance model and SLO */
	const char *column;        /* load column (-c) */
	const char *fcol, *ucol, *scol; /* forecast, upper and state columns */
	const char *output;        /* policy file (-o), written once at the end */
	const char *checkpoint;    /* --checkpoint: the best policy so far, during training */
	char *ckpt_default;        /* "<output>.ckpt", removed at the end, when no --checkpoint */
	double ftrain, fvalid;     /* split fractions */
	double lscale;             /* --load-scale; 0 = from the training span */
	int threads;               /* BLAS threads */
	int verbose, quiet;        /* -v: a line per update; -q: no progress line */
	int lr_critic_given;
	const char *input;         /* FILE operand, or NULL */
} opts;

_Noreturn static void
usage(const opts *o)
{
	const sp_ppo_opts *po = &o->po;
	const sp_rlenv_opts *eo = &o->eo;

	printf("usage: %s\n\n"
	    "Train BAScaler's PPO agent (see scalepipe-ppo(7)) on the non-burst steps of a\n"
	    "trace in the simulator; checkpoint the best policy on a validation span.\n\n"
	    "  -c, --column NAME      load column [first data column]\n"
	    "      --forecast-col NAME  one-step forecast column [%s]\n"
	    "      --upper-col NAME   upper band column [%s]\n"
	    "      --state-col NAME   burst state column, 'burst' marks a burst [%s]\n"
	    "  -o, --output FILE      policy file to write, once, at the end (required)\n"
	    "      --checkpoint FILE  the best policy so far, while training (kept)\n"
	    "                         [FILE.ckpt next to -o, removed at the end]\n"
	    "      --train F          fraction of rows for training [%g]\n"
	    "      --valid F          fraction of rows for validation [%g]; the rest is the test span\n",
	    synopsis, o->fcol, o->ucol, o->scol, o->ftrain, o->fvalid);
	sp_cli_perf_help(&o->perf, 25, "load per replica for anchored actions [from the curve]");
	printf("      --alpha A          reward weight of the latency term [%g]\n"
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
	    "  -q, --quiet            no progress line (shown when stderr is a terminal)\n"
	    "  -h, --help             this help\n"
	    "      --version          print the version\n",
	    eo->alpha, eo->cpu_target, eo->penalty, eo->illegal, eo->action_max, eo->min, eo->max,
	    eo->max_latency, o->so.startup, po->lr_actor, po->lr_critic, po->gamma, po->lambda, po->clip,
	    po->entropy, po->rollout, po->batch, po->repeat, po->max_grad, po->max_steps, po->patience,
	    po->seed, o->threads);
	exit(0);
}

static void
parse_hidden(const char *arg, sp_ppo_opts *po)
{
	double v[SP_PPO_MAXHIDDEN];
	int n = sp_cli_doubles("--hidden", arg, v, SP_PPO_MAXHIDDEN, 1, 65536);

	po->nhidden = n;
	for (int i = 0; i < n; i++) {
		if (v[i] != floor(v[i]))
			sp_die_usage("--hidden: not an integer: %g", v[i]);
		po->hidden[i] = (int)v[i];
	}
}

/* One option of the environment, simulator or agent: 0 if c is none of them. */
static int
train_option(int c, const char *arg, opts *o)
{
	sp_ppo_opts *po = &o->po;
	sp_rlenv_opts *eo = &o->eo;

	switch (c) {
	case OPT_ALPHA: eo->alpha = sp_cli_double("--alpha", arg, 0, 1); break;
	case OPT_CPUT: eo->cpu_target = sp_cli_double("--cpu-target", arg, 1e-9, 99.999); break;
	case OPT_PENALTY: eo->penalty = sp_cli_double("--penalty", arg, 0, 1e6); break;
	case OPT_ILLEGAL: eo->illegal = sp_cli_double("--illegal", arg, -1e6, 1e6); break;
	case OPT_AMAX: eo->action_max = (int)sp_cli_long("--action-max", arg, 0, 1000); break;
	case OPT_MIN: eo->min = (int)sp_cli_long("--min", arg, 1, 1000000); break;
	case OPT_MAX: eo->max = (int)sp_cli_long("--max", arg, 1, 1000000); break;
	case OPT_MAXLAT: eo->max_latency = sp_cli_double("--max-latency", arg, 1e-9, 1e9); break;
	case OPT_LSCALE: o->lscale = sp_cli_double("--load-scale", arg, 1e-12, 1e15); break;
	case OPT_STARTUP: o->so.startup = sp_cli_double("--startup", arg, 0, 1e9); break;
	case OPT_NOQUEUE: o->so.queue = 0; break;
	case OPT_HIDDEN: parse_hidden(arg, po); break;
	case OPT_LR: po->lr_actor = sp_cli_double("--lr", arg, 1e-12, 10); break;
	case OPT_LRC: po->lr_critic = sp_cli_double("--lr-critic", arg, 1e-12, 10); o->lr_critic_given = 1; break;
	case OPT_GAMMA: po->gamma = sp_cli_double("--gamma", arg, 0, 1); break;
	case OPT_LAMBDA: po->lambda = sp_cli_double("--lambda", arg, 0, 1); break;
	case OPT_CLIP: po->clip = sp_cli_double("--clip", arg, 1e-9, 10); break;
	case OPT_ENT: po->entropy = sp_cli_double("--entropy", arg, 0, 1e3); break;
	case OPT_ENTQ: po->entropy_quirk = 1; break;
	case OPT_ROLLOUT: po->rollout = (int)sp_cli_long("--rollout", arg, 1, 10000000); break;
	case OPT_BATCH: po->batch = (int)sp_cli_long("--batch", arg, 1, 1000000); break;
	case OPT_REPEAT: po->repeat = sp_cli_double("--repeat", arg, 1e-9, 1000); break;
	case OPT_MAXGRAD: po->max_grad = sp_cli_double("--max-grad", arg, 0, 1e12); break;
	case OPT_STEPS: po->max_steps = sp_cli_long("--steps", arg, 1, 1000000000L); break;
	case OPT_PATIENCE: po->patience = (int)sp_cli_long("--patience", arg, 0, 1000000); break;
	case OPT_SEED: po->seed = (unsigned long)sp_cli_long("--seed", arg, 0, 4294967295L); break;
	case OPT_THREADS: o->threads = (int)sp_cli_long("--threads", arg, 1, 256); break;
	default: return 0;
	}
	return 1;
}

static void
parse_options(int argc, char **argv, opts *o)
{
	int ch;

	memset(o, 0, sizeof *o);
	sp_ppo_defaults(&o->po);
	sp_rlenv_defaults(&o->eo);
	sp_sim_defaults(&o->so);
	sp_cli_perf_defaults(&o->perf);
	o->fcol = "forecast", o->ucol = "upper", o->scol = "state";
	o->ftrain = 0.6, o->fvalid = 0.2;
	o->threads = 1;
	while ((ch = getopt_long(argc, argv, "c:o:vqh", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o->column = optarg; break;
		case OPT_FCOL: o->fcol = optarg; break;
		case OPT_UCOL: o->ucol = optarg; break;
		case OPT_SCOL: o->scol = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_CKPT: o->checkpoint = optarg; break;
		case OPT_TRAIN: o->ftrain = sp_cli_double("--train", optarg, 1e-9, 1); break;
		case OPT_VALID: o->fvalid = sp_cli_double("--valid", optarg, 1e-9, 1); break;
		case 'v': o->verbose = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(o);
		case OPT_VERSION: sp_cli_version();
		default:
			if (!train_option(ch, optarg, o) && !sp_cli_perf_option(ch, optarg, &o->perf))
				sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	o->eo.slo = o->perf.slo;
	if (!o->output)
		sp_die_usage("-o POLICY is required");
	if (o->checkpoint && strcmp(o->checkpoint, o->output) == 0)
		sp_die_usage("--checkpoint must differ from -o (-o is replaced once, at the end)");
	if (!o->checkpoint) {
		if (asprintf(&o->ckpt_default, "%s.ckpt", o->output) < 0)
			sp_die("out of memory");
		o->checkpoint = o->ckpt_default;
	}
	if (o->eo.min > o->eo.max)
		sp_die_usage("--min (%d) must not be greater than --max (%d)", o->eo.min, o->eo.max);
	if (o->ftrain + o->fvalid >= 1 + 1e-12)
		sp_die_usage("--train (%g) and --valid (%g) leave nothing: they must sum to at most 1",
		    o->ftrain, o->fvalid);
	if (!o->lr_critic_given)
		o->po.lr_critic = o->po.lr_actor;
	sp_cli_perf_check(&o->perf, SP_CLI_PERF_NEED_CPU);
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
read_trace(FILE *in, const char *name, const opts *o, trace *tr)
{
	sp_error err, missing = { SP_OK, "" };
	sp_csv_reader *r = sp_csv_reader_new(in, name, SP_CSV_NEED_TIMESTAMP, &err);
	sp_band_cols bc;
	int lc, rc;

	if (!r)
		sp_die_err(&err);
	if ((lc = sp_csv_pick_col(r, o->column, &err)) < 0)
		sp_die_err(&err);
	sp_band_cols_none(&bc);
	bc.forecast = sp_csv_col_index(r, o->fcol);
	bc.upper = sp_csv_col_index(r, o->ucol);
	bc.state = sp_csv_col_index(r, o->scol);
	if (bc.forecast < 0)
		sp_die("no column '%s' (the one-step forecast: pipe the trace through arfit or "
		    "burstdetect first, or name it with --forecast-col)", o->fcol);
	if (bc.upper < 0)
		sp_die("no column '%s' (the upper band: name it with --upper-col)", o->ucol);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		double t, load;
		sp_band_row b;
		if (sp_csv_get_timestamp(r, &t, &err) < 0 || (rc = sp_csv_get_double(r, (size_t)lc, &load, &err)) < 0 ||
		    sp_band_row_read(r, &bc, &b, &err) < 0)
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
		push(tr, t, load, b.forecast, b.upper, b.state == SP_BURST_BURST);
	}
	if (rc < 0)
		sp_die_err(&err);
	sp_csv_reader_free(r);
}

typedef struct {
	const opts *o;
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
	double valid = p->eval_steps ? p->eval_return / (double)p->eval_steps : NAN;

	/* checkpoint: this file holds the best policy so far; -o is
	 * written once, at the end, so a killed run leaves it as it was */
	if (p->improved && !ru->failed &&
	    sp_rlenv_policy_save(ru->o->checkpoint, &ru->o->eo, sp_ppo_actor(ru->a), sp_cli_cmdline(0, NULL), &ru->err) < 0)
		ru->failed = 1;
	sp_csv_write_long(ru->w, p->update);
	sp_csv_write_long(ru->w, p->steps);
	sp_csv_write_double(ru->w, p->train_reward);
	sp_csv_write_double(ru->w, p->eval_return);
	sp_csv_write_double(ru->w, valid);
	sp_csv_write_double(ru->w, p->best_return);
	sp_csv_write_long(ru->w, p->improved);
	sp_csv_write_double(ru->w, p->actor_loss);
	sp_csv_write_double(ru->w, p->critic_loss);
	sp_csv_write_double(ru->w, p->entropy);
	sp_csv_write_double(ru->w, p->clipfrac);
	sp_csv_end_row(ru->w);
	if (ru->o->verbose)
		fprintf(stderr, "%s: update %d, %ld steps, train reward %.4f/step, validation %.4f/step%s, %.1f s\n",
		    sp_cli_progname(), p->update, p->steps, p->train_reward, valid,
		    p->improved ? " (best)" : "", (double)(clock() - ru->t0) / CLOCKS_PER_SEC);
	else
		sp_cli_progress("update %d, %ld of %ld steps (%.0f %%), validation %.4f/step, best %.4f/step",
		    p->update, p->steps, ru->o->po.max_steps, 100.0 * (double)p->steps / (double)ru->o->po.max_steps,
		    valid, p->eval_steps ? p->best_return / (double)p->eval_steps : NAN);
}

static void
write_log_header(sp_csv_writer *w)
{
	static const char *const h[] = { "update", "steps", "train_reward", "valid_return", "valid_reward",
		"best_return", "checkpoint", "actor_loss", "critic_loss", "entropy", "clip_fraction" };
	size_t i;

	for (i = 0; i < sizeof h / sizeof h[0]; i++)
		sp_csv_write_str(w, h[i]);
	sp_csv_end_row(w);
}

/* The load scale of the state: --load-scale, else 8 x the mean training
 * load (the reference divides loads scaled to mean 500 by 4000). */
static double
load_scale(const opts *o, const trace *tr, size_t ntr)
{
	double s = 0;

	if (o->lscale > 0)
		return o->lscale;
	for (size_t i = 0; i < ntr; i++)
		s += tr->load[i];
	return s > 0 ? 8 * s / (double)ntr : 1;
}

static sp_rlenv *
environment(const opts *o, const sp_perf *perf, const trace *tr, size_t from, size_t to, int cyclic)
{
	sp_error err;
	sp_rlenv_trace rt = { tr->n, tr->t, tr->load, tr->fc, tr->up, tr->burst };
	sp_rlenv *e = sp_rlenv_new(&o->eo, &o->so, perf, &rt, from, to, cyclic, &err);

	if (!e) {
		sp_error_prefix(&err, "%s span (rows %zu-%zu)", cyclic ? "training" : "validation", from + 1, to);
		sp_die_err(&err);
	}
	return e;
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	sp_perf *perf;
	FILE *in;
	const char *name = "-";
	trace tr = { 0 };
	size_t ntr, nva;
	sp_rlenv *te, *ve;
	sp_ppo_env pte, pve;
	run ru;

	sp_cli_init(argv[0], synopsis);
	sp_cli_cmdline(argc, argv);
	parse_options(argc, argv, &o);
	if (o.quiet || o.verbose)
		sp_cli_progress_mode(SP_CLI_PROGRESS_OFF);
	sp_nn_threads(o.threads);
	/* before the long work: can the outputs be written? */
	sp_die_if(sp_file_check_writable(o.output, &err), &err);
	sp_die_if(sp_file_check_writable(o.checkpoint, &err), &err);
	perf = sp_cli_perf_load(&o.perf);
	if (!sp_perf_has_cpu(perf))
		sp_die("%s: the curve has no cpu_pct column (the reward needs CPU)",
		    o.perf.curve ? o.perf.curve : sp_cli_datafile(SP_CLI_PERF_EXAMPLE_CURVE));
	if (o.perf.wstar > 0)
		o.eo.wstar = o.perf.wstar;
	else
		sp_die_if(sp_perf_wstar(perf, o.eo.slo, o.perf.cpu_cap, &o.eo.wstar, &err), &err);
	o.so.slo = o.eo.slo;
	o.so.wstar = o.eo.wstar;

	in = sp_cli_open_input(o.input, &name);
	read_trace(in, name, &o, &tr);
	if (in != stdin)
		fclose(in);
	ntr = (size_t)floor(o.ftrain * (double)tr.n);
	nva = (size_t)floor(o.fvalid * (double)tr.n);
	if (ntr < 2 || nva < 2)
		sp_die("trace too short for the split: %zu rows give %zu training and %zu validation rows "
		    "(need at least 2 each)", tr.n, ntr, nva);
	o.eo.load_scale = load_scale(&o, &tr, ntr);
	te = environment(&o, perf, &tr, 0, ntr, 1);
	ve = environment(&o, perf, &tr, ntr, ntr + nva, 0);
	sp_rlenv_ppo_env(te, &pte);
	sp_rlenv_ppo_env(ve, &pve);
	memset(&ru, 0, sizeof ru);
	ru.o = &o;
	if (!(ru.a = sp_ppo_new(&o.po, pte.state_dim, pte.nact, &err)))
		sp_die_err(&err);
	ru.w = sp_csv_writer_new(stdout);
	ru.t0 = clock();
	write_log_header(ru.w);
	if (o.verbose)
		fprintf(stderr, "%s: %zu rows: training 1-%zu (%zu segments, %zu steps), validation %zu-%zu "
		    "(%zu segments, %zu steps); w* %g, load scale %g\n", sp_cli_progname(), tr.n, ntr,
		    sp_rlenv_segments(te), sp_rlenv_steps(te), ntr + 1, ntr + nva, sp_rlenv_segments(ve),
		    sp_rlenv_steps(ve), o.eo.wstar, o.eo.load_scale);
	sp_die_if(sp_ppo_train(ru.a, &pte, te, &pve, ve, progress, &ru, &err), &err);
	sp_cli_progress_end();
	if (ru.failed)
		sp_die_err(&ru.err);
	/* the best policy (sp_ppo_train restored it) over -o, atomically */
	sp_die_if(sp_rlenv_policy_save(o.output, &o.eo, sp_ppo_actor(ru.a), sp_cli_cmdline(0, NULL), &err), &err);
	if (o.ckpt_default)
		unlink(o.ckpt_default);
	free(o.ckpt_default);
	sp_die_if(sp_csv_writer_flush(ru.w, &err), &err);
	sp_csv_writer_free(ru.w);
	sp_ppo_free(ru.a);
	sp_rlenv_free(te);
	sp_rlenv_free(ve);
	sp_perf_free(perf);
	free(tr.t), free(tr.load), free(tr.fc), free(tr.up), free(tr.burst);
	return 0;
}
