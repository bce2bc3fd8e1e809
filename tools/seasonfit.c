/* seasonfit: fit a Prophet-style model (piecewise-linear or logistic trend,
 * Fourier seasonalities, holidays) to a column of a time series and write
 * the fitted values and the forecast of the next H steps with Prophet's
 * predictive intervals, optionally with the components.  The model is in
 * lib/sp_season; this file is the CSV front end.  Causal rolling use is
 * forecast(1) on a saved model. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_file.h"
#include "sp_csv.h"
#include "sp_rand.h"
#include "sp_season.h"

static const char synopsis[] =
    "seasonfit [-c NAME] [--growth G [--cap NAME] [--floor NAME]] [--mode M]\n"
    "                 [--changepoints N] [--changepoint-range F] [--changepoint-prior-scale S]\n"
    "                 [--daily SW] [--weekly SW] [--yearly SW] [--seasonality NAME,PERIOD,ORDER]...\n"
    "                 [--seasonality-prior-scale S] [--holidays FILE] [--holidays-prior-scale S]\n"
    "                 [-H H] [--level L | --quantiles LO,HI] [--samples N] [--seed S]\n"
    "                 [--components] [--long] [--save MODEL [--refit N] | --load MODEL]\n"
    "                 [--precision N] [-v] [FILE]";

typedef struct {
	const char *input, *column, *cap, *floor, *holidays, *save, *load, *cmdline;
	sp_season_spec spec;
	int spec_given, long_fmt, components, precision, verbose, samples, level_given;
	long horizon, refit;
	double level, qlo, qhi;
	unsigned long seed;
} options;

static _Noreturn void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Fit Prophet's model (trend with changepoints, Fourier seasonalities, holidays)\n"
	    "to a column of a time series by MAP and forecast the next H steps with\n"
	    "Prophet's predictive intervals.\n\n"
	    "Model:\n"
	    "  -c, --column NAME    input column [first after timestamp]\n"
	    "      --growth G       linear, logistic or flat trend [%s]\n"
	    "      --cap NAME       capacity column of a logistic trend [cap]\n"
	    "      --floor NAME     floor column of a logistic trend [none: 0]\n"
	    "      --mode M         additive or multiplicative seasonalities and holidays [%s]\n"
	    "      --changepoints N trend changepoints on the first part of the history [%d]\n"
	    "      --changepoint-range F  that part, as a fraction of the rows [%g]\n"
	    "      --changepoint-prior-scale S  Laplace scale of the rate changes [%g]\n"
	    "      --daily SW       daily seasonality: auto, on, off or an order [auto: %d]\n"
	    "      --weekly SW      weekly seasonality [auto: %d]\n"
	    "      --yearly SW      yearly seasonality [auto: %d]\n"
	    "      --seasonality NAME,PERIOD,ORDER[,PRIOR[,MODE]]  a custom period in days\n"
	    "      --seasonality-prior-scale S  normal scale of the Fourier terms [%g]\n"
	    "      --holidays FILE  holidays and events: CSV holiday,ds[,lower_window,upper_window,prior_scale]\n"
	    "      --holidays-prior-scale S  normal scale of the holiday effects [%g]\n"
	    "Forecasts:\n"
	    "  -H, --horizon H      rows to forecast after the last [%ld]\n"
	    "      --level L        central interval level [%g]\n"
	    "      --quantiles LO,HI  interval quantiles instead of --level\n"
	    "      --samples N      predictive samples of the intervals [%d]\n"
	    "      --seed S         random seed of the samples [%lu]\n"
	    "Output:\n"
	    "      --components     add the trend, each seasonality and the holidays as columns\n"
	    "      --long           origin,timestamp,horizon rows of the H steps only\n"
	    "      --save MODEL     write the fitted model (scalepipe-model season)\n"
	    "      --refit N        forecast -m MODEL refits every N rows (0: never) [%ld]\n"
	    "      --load MODEL     forecast with a saved model, no fit\n"
	    "      --precision N    significant digits of non-integer values [%d]\n"
	    "  -v, --verbose        print the fitted model to stderr\n"
	    "  -h, --help           this help\n"
	    "      --version        print the version\n",
	    synopsis, sp_season_growth_names[o->spec.growth], sp_season_mode_names[o->spec.mode],
	    o->spec.n_changepoints, o->spec.changepoint_range, o->spec.changepoint_prior_scale, 4, 3, 10,
	    o->spec.seasonality_prior_scale, o->spec.holidays_prior_scale, o->horizon, o->level, o->samples, o->seed,
	    o->refit, o->precision);
	exit(0);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum {
		OPT_GROWTH = 256, OPT_CAP, OPT_FLOOR, OPT_MODE, OPT_NCP, OPT_CPRANGE, OPT_CPPRIOR, OPT_DAILY, OPT_WEEKLY,
		OPT_YEARLY, OPT_SEAS, OPT_SPRIOR, OPT_HOL, OPT_HPRIOR, OPT_LEVEL, OPT_QUANT, OPT_SAMPLES, OPT_SEED,
		OPT_COMP, OPT_LONG, OPT_SAVE, OPT_REFIT, OPT_LOAD, OPT_PREC, OPT_VERSION
	};
	static const struct option lo[] = {
		{ "cap", required_argument, 0, OPT_CAP },
		{ "changepoint-prior-scale", required_argument, 0, OPT_CPPRIOR },
		{ "changepoint-range", required_argument, 0, OPT_CPRANGE },
		{ "changepoints", required_argument, 0, OPT_NCP },
		{ "column", required_argument, 0, 'c' },
		{ "components", no_argument, 0, OPT_COMP },
		{ "daily", required_argument, 0, OPT_DAILY },
		{ "floor", required_argument, 0, OPT_FLOOR },
		{ "growth", required_argument, 0, OPT_GROWTH },
		{ "help", no_argument, 0, 'h' },
		{ "holidays", required_argument, 0, OPT_HOL },
		{ "holidays-prior-scale", required_argument, 0, OPT_HPRIOR },
		{ "horizon", required_argument, 0, 'H' },
		{ "level", required_argument, 0, OPT_LEVEL },
		{ "load", required_argument, 0, OPT_LOAD },
		{ "long", no_argument, 0, OPT_LONG },
		{ "mode", required_argument, 0, OPT_MODE },
		{ "precision", required_argument, 0, OPT_PREC },
		{ "quantiles", required_argument, 0, OPT_QUANT },
		{ "refit", required_argument, 0, OPT_REFIT },
		{ "samples", required_argument, 0, OPT_SAMPLES },
		{ "save", required_argument, 0, OPT_SAVE },
		{ "seasonality", required_argument, 0, OPT_SEAS },
		{ "seasonality-prior-scale", required_argument, 0, OPT_SPRIOR },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ "weekly", required_argument, 0, OPT_WEEKLY },
		{ "yearly", required_argument, 0, OPT_YEARLY },
		{ 0, 0, 0, 0 }
	};
	sp_season_spec *s = &o->spec;
	sp_error err;
	double q[2];
	int c, refit_given = 0;

	*o = (options){ .horizon = 1, .level = 0.8, .qlo = NAN, .qhi = NAN, .samples = 1000, .seed = 1,
	    .precision = 10 };
	sp_season_spec_defaults(s);
	o->cmdline = sp_cli_cmdline(argc, argv);
	while ((c = getopt_long(argc, argv, "c:hH:v", lo, NULL)) != -1) {
		o->spec_given |= c >= OPT_GROWTH && c <= OPT_HPRIOR;
		switch (c) {
		case 'c': o->column = optarg; break;
		case 'h': usage(o);
		case 'H': o->horizon = sp_cli_long("--horizon", optarg, 0, 100000); break;
		case 'v': o->verbose = 1; break;
		case OPT_GROWTH: s->growth = (sp_season_growth)sp_cli_choice("--growth", optarg, sp_season_growth_names); break;
		case OPT_CAP: o->cap = optarg; break;
		case OPT_FLOOR: o->floor = optarg; break;
		case OPT_MODE: s->mode = (sp_season_mode)sp_cli_choice("--mode", optarg, sp_season_mode_names); break;
		case OPT_NCP: s->n_changepoints = (int)sp_cli_long("--changepoints", optarg, 0, 10000); break;
		case OPT_CPRANGE: s->changepoint_range = sp_cli_double("--changepoint-range", optarg, 1e-9, 1); break;
		case OPT_CPPRIOR: s->changepoint_prior_scale = sp_cli_double("--changepoint-prior-scale", optarg, 1e-12, 1e12); break;
		case OPT_DAILY: sp_die_if(sp_season_parse_switch("--daily", optarg, 4, &s->daily, &err), &err); break;
		case OPT_WEEKLY: sp_die_if(sp_season_parse_switch("--weekly", optarg, 3, &s->weekly, &err), &err); break;
		case OPT_YEARLY: sp_die_if(sp_season_parse_switch("--yearly", optarg, 10, &s->yearly, &err), &err); break;
		case OPT_SEAS: sp_die_if(sp_season_add_custom(s, "--seasonality", optarg, &err), &err); break;
		case OPT_SPRIOR: s->seasonality_prior_scale = sp_cli_double("--seasonality-prior-scale", optarg, 1e-12, 1e12); break;
		case OPT_HOL: o->holidays = optarg; break;
		case OPT_HPRIOR: s->holidays_prior_scale = sp_cli_double("--holidays-prior-scale", optarg, 1e-12, 1e12); break;
		case OPT_LEVEL: o->level = sp_cli_double("--level", optarg, 0, 1); o->level_given = 1; break;
		case OPT_QUANT:
			if (sp_cli_doubles("--quantiles", optarg, q, 2, 0, 1) != 2)
				sp_die_usage("--quantiles: need two values LO,HI");
			o->qlo = q[0], o->qhi = q[1];
			break;
		case OPT_SAMPLES: o->samples = (int)sp_cli_long("--samples", optarg, 1, 1000000); break;
		case OPT_SEED: o->seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 4294967295L); break;
		case OPT_COMP: o->components = 1; break;
		case OPT_LONG: o->long_fmt = 1; break;
		case OPT_SAVE: o->save = optarg; break;
		case OPT_REFIT: o->refit = sp_cli_long("--refit", optarg, 0, 100000000); refit_given = 1; break;
		case OPT_LOAD: o->load = optarg; break;
		case OPT_PREC: o->precision = (int)sp_cli_long("--precision", optarg, 1, 17); break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	}
	o->input = sp_cli_input_arg(argc, argv, optind, o->input);
	if (o->level_given && !isnan(o->qlo))
		sp_die_usage("--level and --quantiles are exclusive");
	if (!(o->level > 0 && o->level < 1))
		sp_die_usage("--level: must be strictly between 0 and 1");
	if (isnan(o->qlo))
		o->qlo = (1 - o->level) / 2, o->qhi = (1 + o->level) / 2;
	else if (!(o->qlo > 0 && o->qlo < o->qhi && o->qhi < 1))
		sp_die_usage("--quantiles: need 0 < LO < HI < 1");
	if (o->save && o->load)
		sp_die_usage("--save and --load are exclusive");
	if (refit_given && !o->save)
		sp_die_usage("--refit goes with --save (it is recorded in the model for forecast -m)");
	if (o->load && o->spec_given)
		sp_die_usage("--load uses the model's own specification (no --growth, --weekly, --holidays, ...)");
	if ((o->cap || o->floor) && s->growth != SP_SEASON_LOGISTIC)
		sp_die_usage("--cap and --floor go with --growth logistic");
	if (s->growth == SP_SEASON_LOGISTIC && !o->cap)
		o->cap = "cap";
	if (o->long_fmt && o->horizon < 1)
		sp_die_usage("--long needs --horizon 1 or more");
}

static void
print_model(const sp_season_model *m, double secs, double cpu)
{
	const char *p = sp_cli_progname();
	sp_season_info in;

	sp_season_describe(m, &in);
	fprintf(stderr, "%s: %s trend, %s; %zu rows in the fit, y scale %.10g, %d changepoint%s\n", p,
	    sp_season_growth_names[in.growth], sp_season_mode_names[in.mode], in.nobs, in.y_scale, in.S,
	    in.S == 1 ? "" : "s");
	for (int j = 0; j < 3; j++)
		if (in.switched_off[j])
			fprintf(stderr, "%s: %s (auto)\n", p, in.switched_off[j]);
	for (int i = 0; i < in.nseas; i++)
		fprintf(stderr, "%s: seasonality %s: period %.10g days, order %d, prior scale %g, %s\n", p,
		    in.seas[i].name, in.seas[i].period, in.seas[i].order, in.seas[i].prior_scale,
		    sp_season_mode_names[in.seas[i].mode]);
	if (in.nholfeat)
		fprintf(stderr, "%s: %d holiday features\n", p, in.nholfeat);
	fprintf(stderr, "%s: k %.10g m %.10g sigma %.10g (scaled)\n", p, in.k, in.m, in.sigma);
	if (secs >= 0)
		fprintf(stderr, "%s: L-BFGS %d iterations, objective %.10g, %.3f s (CPU %.3f s)\n", p, in.iterations,
		    in.objective, secs, cpu);
}

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + 1e-9 * (double)(b->tv_nsec - a->tv_nsec);
}

/* The rows: fitted and forecast, one-horizon or long. */
static void
write_rows(const options *o, const sp_csv_reader *r, const sp_season_data *d, const sp_season_fc *fc,
    const sp_season_model *m, sp_csv_writer *w)
{
	size_t nf = sp_csv_ncols(r) - 1, i, j, len, n0 = o->long_fmt ? 0 : d->n, last = d->n - 1;

	if (o->long_fmt) {
		sp_csv_write_str(w, "origin");
		sp_csv_write_str(w, "timestamp");
		sp_csv_write_str(w, "horizon");
	} else {
		sp_csv_write_str(w, "timestamp");
	}
	sp_csv_write_header_fields(w, r, 1, -1);
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	if (o->components) {
		sp_csv_write_str(w, "trend");
		for (int c = 0; c < fc->ncomp; c++)
			sp_csv_write_str(w, sp_season_component_name(m, c));
	}
	sp_csv_end_row(w);
	for (i = 0; i < fc->n; i++) {
		int future = i >= n0;
		if (o->long_fmt) {
			sp_csv_write_time(w, d->t[last]);
			sp_csv_write_time(w, fc->t[i]);
			sp_csv_write_long(w, (long)(i + 1));
		} else {
			sp_csv_write_time(w, fc->t[i]);
		}
		for (j = 0; j < nf; j++) {
			const char *f = future && !o->long_fmt ? "" : sp_season_data_field(d, future ? last : i, j, &len);
			sp_csv_write_field(w, f, *f ? len : 0);
		}
		sp_csv_write_double(w, fc->yhat[i]);
		sp_csv_write_double(w, fc->lo[i]);
		sp_csv_write_double(w, fc->hi[i]);
		if (o->components) {
			sp_csv_write_double(w, fc->trend[i]);
			for (int c = 0; c < fc->ncomp; c++)
				sp_csv_write_double(w, fc->comp[i * (size_t)fc->ncomp + (size_t)c]);
		}
		sp_csv_end_row(w);
	}
}

static int
pick(const sp_csv_reader *r, const char *name, const char *what)
{
	int c = sp_csv_col_index(r, name);

	if (c < 0)
		sp_die("no %s column '%s'", what, name);
	if (c == 0)
		sp_die("the %s column '%s' is the timestamp", what, name);
	return c;
}

int
main(int argc, char **argv)
{
	options o;
	sp_season_model *m = NULL;
	sp_season_file mf = { 0 };
	sp_season_holidays *hol = NULL;
	sp_season_data d;
	sp_season_fc fc;
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_rand *rng;
	const char *path;
	struct timespec t0, t1, c0, c1;
	sp_error err;
	FILE *fp;
	int col;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.save)   /* before the fit */
		sp_die_if(sp_file_check_writable(o.save, &err), &err);
	if (o.load && !(m = sp_season_load(o.load, &mf, &err)))
		sp_die_err(&err);
	if (o.holidays) {
		FILE *hf = sp_cli_open_input(o.holidays, &path);
		if (!(hol = sp_season_holidays_read(hf, path, &err)))
			sp_die_err(&err);
		fclose(hf);
		o.spec.holidays = hol;
	}
	fp = sp_cli_open_input(o.input, &path);
	if (!(r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if ((col = sp_csv_pick_col(r, o.column ? o.column : m ? mf.column : NULL, &err)) < 0)
		sp_die_err(&err);
	if (col == 0)
		sp_die("column '%s' is the timestamp", sp_csv_colname(r, 0));
	if (m) {
		o.cap = mf.cap_column, o.floor = mf.floor_column;
	}
	sp_die_if(sp_season_data_read(r, col, o.cap ? pick(r, o.cap, "capacity") : -1,
	    o.floor ? pick(r, o.floor, "floor") : -1, 1, &d, &err), &err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	if (!m)
		sp_die_if(sp_season_fit(&o.spec, &d, &m, &err), &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	if (o.verbose)
		print_model(m, o.load ? -1 : seconds(&t0, &t1), seconds(&c0, &c1));
	if (!(rng = sp_rand_new(o.seed)) || !(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_season_fc_opts fo = { !o.long_fmt, (int)o.horizon, 0, o.samples, o.qlo, o.qhi, rng, o.components };
	sp_die_if(sp_season_forecast(m, &d, &fo, &fc, &err), &err);
	if (o.save) {
		sp_season_file sf = { sp_csv_colname(r, (size_t)col), o.cap, o.floor, o.refit, o.samples, o.seed };
		sp_die_if(sp_season_save(m, &sf, o.save, o.cmdline, &err), &err);
	}
	sp_csv_writer_precision(w, o.precision);
	write_rows(&o, r, &d, &fc, m, w);
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_cli_close_stdout();
	sp_csv_writer_free(w);
	sp_season_fc_free(&fc);
	sp_season_data_free(&d);
	sp_season_model_free(m);
	sp_season_holidays_free(hol);
	sp_rand_free(rng);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	return 0;
}
