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
#include "sp_state.h"

static const char synopsis[] =
    "burstdetect [-c NAME] [--train N | --theta-acc X | --load FILE] [--save FILE] [--same-step] "
    "[--normal-demand forecast|upper|lower] [--state FILE] [options] [FILE]";

static const char *const demands[] = { "forecast", "upper", "lower", NULL };

enum {
	OPT_TRAIN = 256, OPT_THETA, OPT_LOAD, OPT_SAVE, OPT_LEVEL, OPT_QUANT, OPT_SCORE, OPT_MINOUT,
	OPT_NEAR, OPT_SAME, OPT_NORMAL, OPT_QUANTILE, OPT_LEAD, OPT_SPIKE, OPT_ARWIN, OPT_ARMIN, OPT_ARQ,
	OPT_BOOT, OPT_SEED, OPT_STATE, OPT_VERSION
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
	{ "quantile", required_argument, 0, OPT_QUANTILE },
	{ "lead", required_argument, 0, OPT_LEAD },
	{ "spike-ratio", required_argument, 0, OPT_SPIKE },
	{ "ar-window", required_argument, 0, OPT_ARWIN },
	{ "ar-min", required_argument, 0, OPT_ARMIN },
	{ "ar-quantile", required_argument, 0, OPT_ARQ },
	{ "bootstrap", required_argument, 0, OPT_BOOT },
	{ "seed", required_argument, 0, OPT_SEED },
	{ "state", required_argument, 0, OPT_STATE },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ 0, 0, 0, 0 }
};

typedef struct {
	sp_burstdet_opts d;        /* the decision (detector, AR, demand rules) */
	const char *column;        /* load column */
	const char *load_path, *save_path; /* thresholds model files */
	const char *state_path;    /* --state: the memory between runs */
	double level;              /* central band level: quantiles (1 -+ level) / 2 */
	int level_given, quant_given;
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
	    "  -c, --column NAME        observed load column [first data column]\n"
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
	    "      --quantile P         ... forecast: quantile P of the band, Gaussian between\n"
	    "                           the forecast (0.5) and lower/upper [%g]\n"
	    "      --lead N             ... the max over horizons 1..N [%d]\n"
	    "      --spike-ratio R      spike: the band predicts a move above R x the load [%g]\n"
	    "      --ar-window N        burst AR: most history points [%zu]\n"
	    "      --ar-min N           burst AR: history after the last burst if at least N [%zu]\n"
	    "      --ar-quantile Q      burst AR: residual quantile [%g]\n"
	    "      --bootstrap B        burst AR: bootstrap resamples of the quantile (0 = plain) [%d]\n"
	    "      --seed S             bootstrap seed [%lu]\n"
	    "      --state FILE         start from the state FILE holds (skipping the origins it\n"
	    "                           has seen), and leave the state there at the end\n"
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
		case OPT_SPIKE: o->d.spike_ratio = sp_cli_double("--spike-ratio", optarg, 0, 1e300); break;
		case OPT_ARWIN: ao->max_window = (size_t)sp_cli_long("--ar-window", optarg, 3, SP_BURSTDET_RING); break;
		case OPT_ARMIN: ao->min_window = (size_t)sp_cli_long("--ar-min", optarg, 3, SP_BURSTDET_RING); break;
		case OPT_ARQ: ao->quantile = sp_cli_double("--ar-quantile", optarg, 0, 1); break;
		case OPT_BOOT: ao->bootstrap = (int)sp_cli_long("--bootstrap", optarg, 0, 100000); break;
		case OPT_SEED: ao->seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 2147483647); break;
		case OPT_STATE: o->state_path = optarg; break;
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
	if (o->save_path && bo->train == 0)
		sp_die_usage("--save needs --train");
	if (o->state_path && ao->bootstrap > 0)
		sp_die_usage("--state does not go with --bootstrap (its random stream is not saved)");
}

/* The input's columns: the long format with a band and a load column. */
static sp_band *
open_band(sp_csv_reader *r, const opts *o)
{
	sp_error err;
	sp_band_opts bo;
	sp_band *band;
	int fcol = sp_csv_col_index(r, "forecast");

	if (!sp_band_is_long(r))
		sp_die("forecast columns missing: the input must be the long format "
		    "origin,timestamp,horizon,...,forecast,lower,upper (arfit --rolling)");
	if (fcol < 0 || sp_csv_col_index(r, "lower") < 0 || sp_csv_col_index(r, "upper") < 0)
		sp_die("forecast columns missing: need forecast, lower and upper");
	sp_band_defaults(&bo);
	bo.flags = SP_BAND_STRICT;
	/* a `level` column must agree with --level or --quantiles; without
	 * them, the band's own level is taken */
	bo.level = o->level_given || o->quant_given ? o->d.det.q_hi - o->d.det.q_lo : SP_BAND_LEVEL_ADOPT;
	if (o->column)
		sp_die_if(bo.load = sp_csv_pick_col(r, o->column, &err), &err);
	else if (fcol > 3)
		bo.load = 3;
	else
		sp_die("no data column between horizon and forecast (the observed load)");
	if (!(band = sp_band_new(r, &bo, &err)))
		sp_die_err(&err);
	return band;
}

/* A step's row: its data (the origin row's; empty after the last origin:
 * g NULL), band, state and demand. */
static void
write_row(sp_csv_writer *w, const sp_burstdet_decision *d, const sp_band_origin *g, size_t ndata)
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
	sp_csv_write_double(w, d->forecast);
	sp_csv_write_double(w, d->lower);
	sp_csv_write_double(w, d->upper);
	sp_csv_write_str(w, sp_burst_state_name(d->state));
	sp_csv_write_double(w, d->demand);
	sp_csv_write_double(w, d->demand_next);
	sp_csv_end_row(w);
}

static void
write_header(sp_csv_writer *w, const sp_csv_reader *r, const sp_band *band)
{
	sp_csv_write_str(w, "timestamp");
	sp_csv_write_header_fields(w, r, 3, 3 + (long)sp_band_ndata(band));
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	sp_csv_write_str(w, "state");
	sp_csv_write_str(w, "demand");
	sp_csv_write_str(w, "demand_next");
	sp_csv_end_row(w);
}

/* The state of an earlier run into bd (fresh): 1 when resumed; a missing
 * file is a cold start, a corrupt one or one of other options a warning and
 * a cold start (bd replaced by a fresh one). */
static int
resume(sp_burstdet **bd, const sp_burstdet_opts *d, const char *path)
{
	sp_error err;
	sp_state *s;

	if (sp_state_load(path, "burstdetect", 1, &s, &err) == 0 && !s)
		return 0;
	if (s && sp_burstdet_read_state(*bd, s, &err) == 0 && sp_state_end(s, &err) == 0) {
		sp_state_free(s);
		return 1;
	}
	sp_state_free(s);
	sp_warn("warning: state %s: recomputing from the input", err.msg);
	sp_burstdet_free(*bd);
	if (!(*bd = sp_burstdet_new(d, &err)))
		sp_die_err(&err);
	return 0;
}

/* The decision, once the horizons are known (the first origin's). */
static sp_burstdet *
start(const opts *o, int H, double level)
{
	sp_error err;
	sp_burstdet_opts d = o->d;
	sp_burstdet *bd;

	if (!o->level_given && !o->quant_given && isfinite(level)) {   /* the band's level */
		d.det.q_lo = (1 - level) / 2;
		d.det.q_hi = (1 + level) / 2;
	}

	if (o->load_path && H != d.det.H)
		sp_die("%s: the thresholds are for %d horizons, the input has %d", o->load_path, d.det.H, H);
	d.det.H = H;
	if (!(bd = sp_burstdet_new(&d, &err)))
		sp_die_err(&err);
	if (o->state_path)
		resume(&bd, &d, o->state_path);
	return bd;
}

/* Decide at every origin and write one row per step: the causal decision
 * for step t + 1 waits for that step's data (the next origin's row); the
 * last one is written with empty data.  Resumed from a state, the origins
 * it has seen are skipped and its newest decision waits for the next
 * origin's data.  Returns the decision (NULL for an empty input). */
static sp_burstdet *
run(sp_band *band, const opts *o, sp_csv_writer *w)
{
	sp_error err;
	sp_band_origin g;
	sp_burstdet *bd = NULL;
	sp_burstdet_decision d, pending;
	size_t ndata = sp_band_ndata(band);
	int rc, have = 0;
	double seen = -INFINITY;

	while ((rc = sp_band_next(band, &g, &err)) == SP_OK) {
		if (!bd) {
			bd = start(o, g.h, g.level);
			if (sp_burstdet_last(bd, &pending, &seen))
				have = !o->d.same_step;
		}
		if (g.origin <= seen)
			continue;   /* decided by an earlier run */
		if (isfinite(seen) && have && g.origin != pending.t)
			sp_warn("warning: state %s: the input resumes at origin %.17g, the state's next step is %.17g: "
			    "origins missing in between", o->state_path, g.origin, pending.t);
		seen = -INFINITY;   /* checked once */
		sp_die_if(sp_burstdet_decide(bd, g.origin, g.target, g.load, g.L, g.M, g.U, &d, &err), &err);
		if (o->d.same_step) {
			write_row(w, &d, &g, ndata);
		} else {
			if (have)
				write_row(w, &pending, &g, ndata);
			pending = d;
			have = 1;
		}
	}
	sp_die_if(rc, &err);
	if (have)
		write_row(w, &pending, NULL, ndata);
	return bd;
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

static void
write_state(const sp_burstdet *bd, const char *path)
{
	sp_error err;
	sp_state_writer *sw;

	if (!(sw = sp_state_writer_new("burstdetect", 1, &err)))
		sp_die_err(&err);
	sp_die_if(sp_burstdet_write_state(bd, sw, &err), &err);
	sp_die_if(sp_state_writer_save(sw, path, &err), &err);
	sp_state_writer_free(sw);
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	FILE *in;
	const char *name = "-";
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_band *band;
	sp_burstdet *bd;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.load_path)
		sp_die_if(sp_burst_load(o.load_path, &o.d.det, &err), &err);
	if (o.state_path)   /* before the work: a state it could not write */
		sp_die_if(sp_file_check_writable(o.state_path, &err), &err);
	in = sp_cli_open_input(o.input, &name);
	if (!(r = sp_csv_reader_new(in, name, SP_CSV_NEED_ROWS, &err)))
		sp_die_err(&err);
	band = open_band(r, &o);
	w = sp_csv_writer_new(stdout);
	write_header(w, r, band);
	bd = run(band, &o, w);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	if (o.save_path)
		save(bd, o.save_path, argc, argv);
	if (o.state_path)
		write_state(bd, o.state_path);
	sp_csv_writer_free(w);
	sp_band_free(band);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	sp_burstdet_free(bd);
	return 0;
}
