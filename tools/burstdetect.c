/* burstdetect: label each step normal, spike or burst from the rolling
 * multi-horizon forecast band, and give the demand to plan for: the
 * forecast, or in a burst the AR(2) + bootstrap overestimate with the band
 * floor (see scalepipe-burst(7)).  Input: the long format of arfit
 * --rolling, read by sp_band; the decision is sp_burstdet's, the
 * thresholds' file sp_burst_save/_load's. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_band.h"
#include "sp_burstdet.h"
#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_file.h"
#include "sp_keyed.h"
#include "sp_state.h"

/* burstdetect --state files: "scalepipe-state burstdetect 2" */
enum { STATE_VERSION = 3 };

static const char synopsis[] =
    "burstdetect [-c NAME] [--train N | --theta-acc X | --load FILE] [--save FILE] [--same-step] "
    "[--normal-demand forecast|upper|lower] [--burst-demand ar|normal] [--by NAME] [--state FILE [--forget DURATION]] [options] "
    "[FILE]";

static const char *const demands[] = { "forecast", "upper", "lower", NULL };
static const char *const bdemands[] = { "ar", "normal", NULL };

enum {
	OPT_TRAIN = 256, OPT_THETA, OPT_LOAD, OPT_SAVE, OPT_LEVEL, OPT_QUANT, OPT_SCORE, OPT_MINOUT,
	OPT_NEAR, OPT_SAME, OPT_NORMAL, OPT_QUANTILE, OPT_LEAD, OPT_HOLD, OPT_HOLDQ, OPT_SPIKE, OPT_ARWIN, OPT_ARMIN, OPT_ARQ,
	OPT_BOOT, OPT_SEED, OPT_STATE, OPT_BY, OPT_FORGET, OPT_BURSTD, OPT_VERSION
};

static const struct option longopts[] = {
	{ "column", required_argument, 0, 'c' },
	{ "train", required_argument, 0, OPT_TRAIN },
	{ "theta-acc", required_argument, 0, OPT_THETA },
	{ "load", required_argument, 0, OPT_LOAD },
	{ "save", required_argument, 0, OPT_SAVE },
	{ "level", required_argument, 0, OPT_LEVEL },
	{ "quantiles", required_argument, 0, OPT_QUANT },
	{ "score-threshold", required_argument, 0, OPT_SCORE },
	{ "min-outliers", required_argument, 0, OPT_MINOUT },
	{ "near", required_argument, 0, OPT_NEAR },
	{ "same-step", no_argument, 0, OPT_SAME },
	{ "normal-demand", required_argument, 0, OPT_NORMAL },
	{ "burst-demand", required_argument, 0, OPT_BURSTD },
	{ "quantile", required_argument, 0, OPT_QUANTILE },
	{ "lead", required_argument, 0, OPT_LEAD },
	{ "hold", required_argument, 0, OPT_HOLD },
	{ "hold-quantile", required_argument, 0, OPT_HOLDQ },
	{ "spike-ratio", required_argument, 0, OPT_SPIKE },
	{ "ar-window", required_argument, 0, OPT_ARWIN },
	{ "ar-min", required_argument, 0, OPT_ARMIN },
	{ "ar-quantile", required_argument, 0, OPT_ARQ },
	{ "bootstrap", required_argument, 0, OPT_BOOT },
	{ "seed", required_argument, 0, OPT_SEED },
	{ "state", required_argument, 0, OPT_STATE },
	{ "by", required_argument, 0, OPT_BY },
	{ "forget", required_argument, 0, OPT_FORGET },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ 0, 0, 0, 0 }
};

typedef struct {
	sp_burstdet_opts d;        /* the decision (detector, AR, demand rules) */
	const char *column;        /* load column */
	const char *load_path, *save_path; /* thresholds model files */
	const char *state_path;    /* --state: the memory between runs */
	const char *by;            /* --by: the key column */
	sp_state_forget forget;    /* --forget: keys left out of the state */
	double level;              /* central band level: quantiles (1 -+ level) / 2 */
	int level_given, quant_given;
	const char *ar_opt;        /* a burst AR option given (the last), for --burst-demand normal */
	const char *input;         /* FILE operand, or NULL */
} opts;

_Noreturn static void
usage(const opts *o)
{
	const sp_burst_opts *bo = &o->d.det;
	const sp_arburst_opts *ao = &o->d.ar;

	printf("usage: %s\n\n"
	    "Label steps normal, spike or burst from the rolling forecast band of\n"
	    "arfit --rolling (long format) and append state and demand: the forecast,\n"
	    "or in a burst the AR(2) + bootstrap overestimate floored by the band.\n\n"
	    "  -c, --column NAME        observed load column, a data column [the first one\n"
	    "                           (with --by, the first that is not the key)]\n"
	    "      --train N            learn theta_acc on the first N origins\n"
	    "      --theta-acc X        accuracy threshold instead of learning it\n"
	    "      --load FILE          thresholds saved by --save\n"
	    "      --save FILE          write the thresholds (scalepipe-model burst)\n"
	    "      --level P            central level of the band (quantiles (1-P)/2, (1+P)/2)\n"
	    "                           [the band's level column, else %g]\n"
	    "      --quantiles LO,HI    quantile levels of lower and upper instead of --level\n"
	    "      --score-threshold X  outlier score threshold [%g]\n"
	    "      --min-outliers N     out-of-band points for the score criterion [%d]\n"
	    "      --near N             newest points evaluated per forecast [%d]\n"
	    "      --same-step          label step t with data up to t (look-ahead, as the reference)\n"
	    "      --normal-demand Q    demand outside bursts: forecast, upper or lower [forecast]\n"
	    "      --burst-demand D     demand in bursts: ar (the burst AR's overestimate floored\n"
	    "                           by the band, BAScaler's) or normal (the demand outside\n"
	    "                           bursts: bursts labelled, not over-provisioned) [ar]\n"
	    "      --quantile P         ... forecast: quantile P of the band, Gaussian between\n"
	    "                           the forecast (0.5) and lower/upper [%g]\n"
	    "      --lead N             ... the max over horizons 1..N [%d]\n"
	    "      --hold N             add demand_hold: the highest demand of horizons 1..N\n"
	    "                           (what plan keeps when it scales down) [none]\n"
	    "      --hold-quantile P    ... of the band's quantile P [--quantile]\n"
	    "      --spike-ratio R      spike: the band predicts a move above R x the load [%g]\n"
	    "      --ar-window N        burst AR: most history points [%zu]\n"
	    "      --ar-min N           burst AR: history after the last burst if at least N [%zu]\n"
	    "      --ar-quantile Q      burst AR: residual quantile [%g]\n"
	    "      --bootstrap B        burst AR: bootstrap resamples of the quantile (0 = plain) [%d]\n"
	    "      --seed S             bootstrap seed [%lu]\n"
	    "      --state FILE         start from the state FILE holds (skipping the origins it\n"
	    "                           has seen), and leave the state there at the end\n"
	    "      --by NAME            NAME is the key column (a data column): each key's rows\n"
	    "                           are decided as a run of their own (one --state for all)\n"
	    "      --forget DURATION    with --by: a key whose last origin is older than the\n"
	    "                           newest (of every key) minus DURATION (90m, 1d,\n"
	    "                           seconds) is left out of the state, with a warning [never]\n"
	    "  -h, --help               this help\n"
	    "      --version            print the version\n",
	    synopsis, o->level, bo->theta_score, bo->min_out, bo->near, o->d.quantile, o->d.lead,
	    o->d.spike_ratio, ao->max_window, ao->min_window, ao->quantile, ao->bootstrap, ao->seed);
	exit(0);
}

static void
parse_options(int argc, char **argv, opts *o)
{
	sp_burst_opts *bo = &o->d.det;
	sp_arburst_opts *ao = &o->d.ar;
	sp_error err;
	double q[2];
	int ch;

	memset(o, 0, sizeof *o);
	sp_burstdet_defaults(&o->d);
	o->level = 0.98;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o->column = optarg; break;
		case OPT_TRAIN: bo->train = sp_cli_long("--train", optarg, 1, 1000000000); break;
		case OPT_THETA: bo->theta_acc = sp_cli_double("--theta-acc", optarg, 0, 1e300); break;
		case OPT_LOAD: o->load_path = optarg; break;
		case OPT_SAVE: o->save_path = optarg; break;
		case OPT_LEVEL: o->level = sp_cli_double("--level", optarg, 1e-9, 1 - 1e-9); o->level_given = 1; break;
		case OPT_QUANT:
			if (sp_cli_doubles("--quantiles", optarg, q, 2, 0, 1) != 2 || !(q[0] < q[1]))
				sp_die_usage("--quantiles: want LO,HI with LO < HI");
			bo->q_lo = q[0];
			bo->q_hi = q[1];
			o->quant_given = 1;
			break;
		case OPT_SCORE: bo->theta_score = sp_cli_double("--score-threshold", optarg, 0, 1e300); break;
		case OPT_MINOUT: bo->min_out = (int)sp_cli_long("--min-outliers", optarg, 0, 1000); break;
		case OPT_NEAR: bo->near = (int)sp_cli_long("--near", optarg, 1, 1000); break;
		case OPT_SAME: o->d.same_step = 1; break;
		case OPT_NORMAL: o->d.normal = (sp_burstdet_normal)sp_cli_choice("--normal-demand", optarg, demands); break;
		case OPT_QUANTILE: o->d.quantile = sp_cli_double("--quantile", optarg, 1e-6, 1 - 1e-6); break;
		case OPT_LEAD: o->d.lead = (int)sp_cli_long("--lead", optarg, 1, 10000); break;
		case OPT_HOLD: o->d.hold = (int)sp_cli_long("--hold", optarg, 1, 10000); break;
		case OPT_HOLDQ: o->d.hold_quantile = sp_cli_double("--hold-quantile", optarg, 1e-6, 1 - 1e-6); break;
		case OPT_SPIKE: o->d.spike_ratio = sp_cli_double("--spike-ratio", optarg, 0, 1e300); break;
		case OPT_BURSTD: o->d.burst = (sp_burstdet_burst)sp_cli_choice("--burst-demand", optarg, bdemands); break;
		case OPT_ARWIN: o->ar_opt = "--ar-window"; ao->max_window = (size_t)sp_cli_long("--ar-window", optarg, 3, SP_BURSTDET_RING); break;
		case OPT_ARMIN: o->ar_opt = "--ar-min"; ao->min_window = (size_t)sp_cli_long("--ar-min", optarg, 3, SP_BURSTDET_RING); break;
		case OPT_ARQ: o->ar_opt = "--ar-quantile"; ao->quantile = sp_cli_double("--ar-quantile", optarg, 0, 1); break;
		case OPT_BOOT: o->ar_opt = "--bootstrap"; ao->bootstrap = (int)sp_cli_long("--bootstrap", optarg, 0, 100000); break;
		case OPT_SEED: o->ar_opt = "--seed"; ao->seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 2147483647); break;
		case OPT_STATE: o->state_path = optarg; break;
		case OPT_BY: o->by = optarg; break;
		case OPT_FORGET: sp_die_if(sp_state_forget_parse(optarg, &o->forget, &err), &err); break;
		case 'h': usage(o);
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	if (o->quant_given && o->level_given)
		sp_die_usage("--level and --quantiles exclude each other");
	if (o->level_given) {
		bo->q_lo = (1 - o->level) / 2;
		bo->q_hi = (1 + o->level) / 2;
	}
	if (o->load_path && (bo->train > 0 || !isnan(bo->theta_acc)))
		sp_die_usage("--load excludes --train and --theta-acc");
	if (o->save_path && o->by)
		sp_die_usage("--save does not go with --by (one thresholds file per key is not written)");
	if (o->save_path && bo->train == 0)
		sp_die_usage("--save needs --train");
	if (!isnan(o->d.hold_quantile) && (o->d.hold == 0 || o->d.normal != SP_BURSTDET_FORECAST))
		sp_die_usage("--hold-quantile goes with --hold and --normal-demand forecast");
	if (o->ar_opt && o->d.burst != SP_BURSTDET_BURST_AR)
		sp_die_usage("%s is the burst AR's: it goes with --burst-demand ar", o->ar_opt);
	if (o->state_path && ao->bootstrap > 0)
		sp_die_usage("--state does not go with --bootstrap (its random stream is not saved)");
}

/* The input: its reader, the band reader's options, the key column
 * (--by, or -1) and the output. */
typedef struct {
	const opts *o;
	sp_csv_reader *r;
	sp_band_opts bo;
	int bycol;
	size_t ndata;
	sp_csv_writer *w;
	sp_keyed *keys;            /* --by: a stream per key */
} input;

/* One stream of origins: the whole input, or (--by) one key's rows (its
 * own push reader on the one input).  The decision is made at the first
 * origin, or (--by) from the state file, which also gives the horizons
 * and band level it was made for. */
typedef struct {
	const input *in;
	sp_band *band;
	sp_burstdet *bd;
	int H;                     /* from the state (--by): its horizons, 0 none */
	double level;              /* ... its band level (0: none) */
	sp_burstdet_decision pending;
	int have, rows, started;   /* a decision waits; the stream had rows, an origin */
	double seen, prev;         /* the state's last origin; the last origin read */
	const char *key;           /* NULL without --by */
} stream;

/* The input's columns: the long format with a band, a load column and
 * (--by) a key column among the data columns. */
static void
find_columns(input *in, const opts *o)
{
	sp_error err;
	sp_csv_reader *r = in->r;
	int fcol = sp_csv_col_index(r, "forecast");

	if (!sp_band_is_long(r))
		sp_die("forecast columns missing: the input must be the long format "
		    "origin,timestamp,horizon,...,forecast,lower,upper (arfit --rolling)");
	if (fcol < 0 || sp_csv_col_index(r, "lower") < 0 || sp_csv_col_index(r, "upper") < 0)
		sp_die("forecast columns missing: need forecast, lower and upper");
	sp_band_defaults(&in->bo);
	in->bo.flags = SP_BAND_STRICT;
	/* a `level` column must agree with --level or --quantiles; without
	 * them, the band's own level is taken */
	in->bo.level = o->level_given || o->quant_given ? o->d.det.q_hi - o->d.det.q_lo : SP_BAND_LEVEL_ADOPT;
	in->bycol = -1;
	if (o->by)
		sp_die_if(in->bycol = sp_band_data_col(r, "--by", o->by, &err), &err);
	sp_die_if(in->bo.load = sp_band_load_col(r, o->column, in->bycol, &err), &err);
}

/* A step's row: its data (the origin row's; after the last origin, g
 * NULL, empty but for the key), band, state and demand. */
static void
write_row(const stream *st, const sp_burstdet_decision *d, const sp_band_origin *g)
{
	sp_csv_writer *w = st->in->w;
	size_t i;
	const char *s = g ? g->data : NULL;

	sp_csv_write_time(w, d->t);
	for (i = 0; i < st->in->ndata; i++) {
		if (g) {
			sp_csv_write_field(w, s, g->len[i]);
			s += g->len[i];
		} else {
			sp_csv_write_str(w, st->key && (int)i + 3 == st->in->bycol ? st->key : "");
		}
	}
	sp_csv_write_double(w, d->forecast);
	sp_csv_write_double(w, d->lower);
	sp_csv_write_double(w, d->upper);
	sp_csv_write_str(w, sp_burst_state_name(d->state));
	sp_csv_write_double(w, d->demand);
	sp_csv_write_double(w, d->demand_next);
	if (st->in->o->d.hold > 0)
		sp_csv_write_double(w, d->demand_hold);
	sp_csv_end_row(w);
}

static void
write_header(sp_csv_writer *w, const sp_csv_reader *r, size_t ndata, int hold)
{
	sp_csv_write_str(w, "timestamp");
	sp_csv_write_header_fields(w, r, 3, 3 + (long)ndata);
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	sp_csv_write_str(w, "state");
	sp_csv_write_str(w, "demand");
	sp_csv_write_str(w, "demand_next");
	if (hold)
		sp_csv_write_str(w, "demand_hold");
	sp_csv_end_row(w);
}

/* A fresh decision for H horizons and the band's level (NaN or 0: none). */
static sp_burstdet *
make_bd(const opts *o, int H, double level)
{
	sp_error err;
	sp_burstdet_opts d = o->d;
	sp_burstdet *bd;

	if (!o->level_given && !o->quant_given && isfinite(level) && level > 0) {   /* the band's level */
		d.det.q_lo = (1 - level) / 2;
		d.det.q_hi = (1 + level) / 2;
	}
	if (o->load_path && H != d.det.H)
		sp_die("%s: the thresholds are for %d horizons, the input has %d", o->load_path, d.det.H, H);
	d.det.H = H;
	if (!(bd = sp_burstdet_new(&d, &err)))
		sp_die_err(&err);
	return bd;
}

static int
read_one(void *ctx, sp_state *s, sp_error *err)
{
	return sp_burstdet_read_state(((stream *)ctx)->bd, s, err);
}

/* The state of an earlier run into st->bd (fresh); a missing file is a
 * cold start, a corrupt one or one of other options a warning and a cold
 * start (a fresh decision). */
static void
resume(stream *st, const opts *o, int H, double level)
{
	sp_error err;

	if (sp_state_resume(o->state_path, "burstdetect", STATE_VERSION, read_one, st, &err) >= 0)
		return;
	sp_warn("warning: state %s: recomputing from the input", err.msg);
	sp_burstdet_free(st->bd);
	st->bd = make_bd(o, H, level);
}

/* The decision, at the stream's first origin: a new one (resumed from
 * --state without --by), or (--by) the state's when it was made for these
 * horizons and level, else a warning and a new one. */
static void
start(stream *st, const sp_band_origin *g)
{
	const opts *o = st->in->o;
	double level = isfinite(g->level) ? g->level : 0;

	if (st->bd && (st->H != g->h || st->level != level)) {
		sp_warn("warning: state %s: key '%s': made for %d horizons (band level %g), the input has %d (%g): "
		    "recomputing the key from the input", o->state_path, st->key, st->H, st->level, g->h, level);
		sp_burstdet_free(st->bd);
		st->bd = NULL;
		st->have = 0;
		st->seen = -INFINITY;
	}
	st->H = g->h;
	st->level = level;
	if (st->bd)
		return;
	st->bd = make_bd(o, g->h, g->level);
	if (o->state_path && !st->key) {
		resume(st, o, g->h, g->level);
		if (sp_burstdet_last(st->bd, &st->pending, &st->seen))
			st->have = !o->d.same_step;
	}
}

/* An error in a stream: fatal, naming the key. */
static void
stream_die(const stream *st, sp_error *err)
{
	if (st->key)
		sp_error_prefix(err, "key '%s'", st->key);
	sp_die_err(err);
}

/* Decide at an origin and write a row: the causal decision for step t + 1
 * waits for that step's data (the next origin's row).  Resumed from a
 * state, the origins it has seen are skipped and its newest decision waits
 * for the next origin's data. */
static void
origin(stream *st, const sp_band_origin *g)
{
	sp_error err;
	sp_burstdet_decision d;
	const opts *o = st->in->o;

	if (!st->started) {
		st->started = 1;
		start(st, g);
	}
	if (g->origin <= st->seen)
		return;   /* decided by an earlier run */
	if (isfinite(st->seen) && st->have && g->origin != st->pending.t)
		sp_warn("warning: state %s: %s%s%sthe input resumes at origin %.17g, the state's next step is %.17g: "
		    "origins missing in between", o->state_path, st->key ? "key '" : "", st->key ? st->key : "",
		    st->key ? "': " : "", g->origin, st->pending.t);
	st->seen = -INFINITY;   /* checked once */
	if (sp_burstdet_decide(st->bd, g->origin, g->target, g->load, g->L, g->M, g->U, &d, &err) < 0)
		stream_die(st, &err);
	if (o->d.same_step) {
		write_row(st, &d, g);
	} else {
		if (st->have)
			write_row(st, &st->pending, g);
		st->pending = d;
		st->have = 1;
	}
}

/* The end of a stream: its last origin, and the last decision with empty
 * data. */
static void
finish(stream *st)
{
	sp_error err;
	sp_band_origin g;
	int rc = sp_band_finish(st->band, &g, &err);

	if (rc < 0)
		stream_die(st, &err);
	if (rc == 1)
		origin(st, &g);
	if (st->have && st->rows)
		write_row(st, &st->pending, NULL);
}

/* Without --by: one stream, the input's. */
static void
run(stream *st)
{
	sp_error err;
	sp_band_origin g;
	int rc;

	st->rows = 1;
	while ((rc = sp_band_next(st->band, &g, &err)) == SP_OK)
		origin(st, &g);
	sp_die_if(rc, &err);
	if (st->have)
		write_row(st, &st->pending, NULL);
}

static void
stream_free(void *ctx, void *p)
{
	stream *st = p;

	(void)ctx;
	sp_band_free(st->band);
	sp_burstdet_free(st->bd);
	free(st);
}

/* A key's stream (a push reader on the input). */
static void *
stream_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const input *in = ctx;
	stream *st = calloc(1, sizeof *st);

	(void)len;
	if (!st) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	*st = (stream){ .in = in, .key = key, .seen = -INFINITY, .prev = NAN };
	if (!(st->band = sp_band_new(in->r, &in->bo, err))) {
		free(st);
		return NULL;
	}
	return st;
}

/* --by: each row to its key's stream (origins in time order within a
 * key), then the end of every stream in the order the keys came. */
static void
run_keyed(input *in)
{
	sp_error err;
	sp_band_origin g;
	stream *st;
	size_t i;
	int rc;

	while ((rc = sp_csv_next(in->r, &err)) == SP_OK) {
		if (!(st = sp_keyed_row(in->keys, in->r, (size_t)in->bycol, &err)))
			sp_die_err(&err);
		sp_die_if(sp_keyed_order_row(in->r, (size_t)in->bycol, &st->prev, 1, &err), &err);
		st->rows = 1;
		while ((rc = sp_band_push(st->band, &g, &err)) == 1)
			origin(st, &g);
		if (rc < 0)
			stream_die(st, &err);
	}
	sp_die_if(rc == SP_EEOF ? 0 : rc, &err);
	for (i = 0; i < sp_keyed_count(in->keys); i++)
		finish(sp_keyed_state(in->keys, i));
}

/* --by --state: for each key "key K" (sp_state_put_keys), the horizons
 * and band level its decision was made for, and its state. */
static int
read_key(void *ctx, void *state, sp_state *s, sp_error *err)
{
	const input *in = ctx;
	stream *st = state;
	long H;
	double level;
	int rc;

	if ((rc = sp_state_long(s, "horizons", 1, 10000, &H, err)) < 0 ||
	    (rc = sp_state_double(s, "band_level", &level, err)) < 0)
		return rc;
	if (in->o->load_path && H != in->o->d.det.H)
		return sp_state_error(s, err, SP_EMODEL, "horizons %ld, the thresholds %s are for %d", H,
		    in->o->load_path, in->o->d.det.H);
	st->bd = make_bd(in->o, (int)H, level);
	st->H = (int)H;
	st->level = level;
	if ((rc = sp_burstdet_read_state(st->bd, s, err)) < 0)
		return rc;
	if (sp_burstdet_last(st->bd, &st->pending, &st->seen))
		st->have = !in->o->d.same_step;
	return 0;
}

static int
read_keys(void *ctx, sp_state *s, sp_error *err)
{
	return sp_state_get_keys(s, ((input *)ctx)->keys, read_key, ctx, err);
}

/* The keyed state of an earlier run: a missing file is a cold start, a
 * corrupt one or one of other options a warning and a cold start. */
static void
resume_keys(input *in)
{
	sp_error err;

	if (sp_state_resume(in->o->state_path, "burstdetect", STATE_VERSION, read_keys, in, &err) >= 0)
		return;
	sp_warn("warning: state %s: recomputing from the input", err.msg);
	sp_keyed_free(in->keys);
	if (!(in->keys = sp_keyed_new(stream_new, stream_free, in)))
		sp_die("out of memory");
}

static void
save(const sp_burstdet *bd, const char *path, int argc, char **argv)
{
	sp_error err;

	if (!bd)
		sp_die("--save: empty input");
	if (!isfinite(sp_burst_theta_acc(sp_burstdet_detector(bd))))
		sp_die("--save: no theta_acc learnt (the training span of --train was not complete, "
		    "or held no non-zero load)");
	sp_die_if(sp_burst_save(sp_burstdet_detector(bd), path, sp_cli_cmdline(argc, argv), &err), &err);
}

static int
put_key(void *ctx, const void *state, sp_state_writer *w, sp_error *err)
{
	const stream *st = state;

	(void)ctx;
	sp_state_put_long(w, "horizons", st->H);
	sp_state_put_double(w, "band_level", st->level);
	return sp_burstdet_write_state(st->bd, w, err);
}

/* The state file: the one decision's, or (--by) every key's. */
static int
put_state(void *ctx, sp_state_writer *w, sp_error *err)
{
	const stream *one = ctx;
	const input *in = one->in;

	if (!in->keys)
		return sp_burstdet_write_state(one->bd, w, err);
	return sp_state_put_keys(w, in->keys, put_key, NULL, err);
}

/* A key's last origin, for --forget (NaN: none yet). */
static double
key_last(void *ctx, const void *state)
{
	const stream *st = state;
	sp_burstdet_decision d;
	double origin;

	(void)ctx;
	return st->bd && sp_burstdet_last(st->bd, &d, &origin) ? origin : NAN;
}

/* The state file, without the keys --forget leaves out. */
static void
save_state(const stream *one, sp_state_forget *f)
{
	input in = *one->in;        /* the keys kept in place of all */
	stream saved = *one;
	sp_keyed *kept;
	sp_error err;

	f->last = key_last;
	f->forgot = sp_warn_note;
	sp_die_if(sp_state_forget_keys(in.keys, f, &kept, &err), &err);
	if (kept)
		in.keys = kept;
	saved.in = &in;
	sp_die_if(sp_state_save(in.o->state_path, "burstdetect", STATE_VERSION, put_state, &saved, &err), &err);
	sp_keyed_free(kept);
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	FILE *fp;
	const char *name = "-";
	input in = { .o = &o };
	stream one = { .in = &in, .seen = -INFINITY };

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.load_path)
		sp_die_if(sp_burst_load(o.load_path, &o.d.det, &err), &err);
	if (o.state_path)   /* before the work: a state it could not write */
		sp_die_if(sp_file_check_writable(o.state_path, &err), &err);
	fp = sp_cli_open_input(o.input, &name);
	if (!(in.r = sp_csv_reader_new(fp, name, SP_CSV_NEED_ROWS | (o.by ? SP_CSV_ANY_ORDER : 0), &err)))
		sp_die_err(&err);
	find_columns(&in, &o);
	if (o.by && !(in.keys = sp_keyed_new(stream_new, stream_free, &in)))
		sp_die("out of memory");
	if (!(one.band = sp_band_new(in.r, &in.bo, &err)))
		sp_die_err(&err);
	in.ndata = sp_band_ndata(one.band);
	in.w = sp_csv_writer_new(stdout);
	write_header(in.w, in.r, in.ndata, o.d.hold > 0);
	if (o.by && o.state_path)
		resume_keys(&in);
	if (o.by)
		run_keyed(&in);
	else
		run(&one);
	sp_die_if(sp_csv_writer_flush(in.w, &err), &err);
	if (o.save_path)
		save(one.bd, o.save_path, argc, argv);
	if (o.state_path)
		save_state(&one, &o.forget);
	sp_csv_writer_free(in.w);
	sp_keyed_free(in.keys);
	sp_band_free(one.band);
	sp_burstdet_free(one.bd);
	sp_csv_reader_free(in.r);
	if (fp != stdin)
		fclose(fp);
	return 0;
}
