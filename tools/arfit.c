/* arfit: fit AR(p) models (OLS, Yule-Walker, Burg; optional differencing and
 * order selection by AIC/BIC) and forecast with analytic or bootstrap
 * intervals, once after the series or rolling (refit on a sliding window at
 * every step, causally).  The numerics are in lib/sp_ar; this file is the
 * CSV front end. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_ar.h"
#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_rand.h"

static const char synopsis[] =
    "arfit [-c NAME] [-m METHOD] [-p P | --ic CRIT [--max-order P]] [--no-intercept]\n"
    "             [-d D] [--season S] [-H H] [--level L | --quantiles LO,HI]\n"
    "             [--bootstrap B] [--seed S] [--rolling [--window N]]\n"
    "             [--save MODEL | --load MODEL] [--precision N] [-v] [FILE]";

/* options */
static const char *column;           /* -c */
static sp_ar_spec spec;              /* method, order, ic, intercept, d, s */
static int max_order = 12;           /* --max-order (with --ic) */
static int spec_given;               /* an option of the model specification was used */
static int order_given;
static long horizon = 1;             /* -H */
static double level = 0.8;           /* --level */
static double qlo = NAN, qhi = NAN;  /* --quantiles, or from --level */
static long boot;                    /* --bootstrap B, 0 = analytic intervals */
static unsigned long seed = 1;       /* --seed */
static int rolling;                  /* --rolling */
static long window = 500;            /* --window */
static const char *save_path, *load_path;
static int precision = 10;
static int verbose;

/* input and output */
static sp_csv_reader *rd;
static sp_csv_writer *wr;
static int col;                      /* index of the input column */
static sp_rand *rng;
static const char *cmdline;       /* for the model file */
/* buffers live at file scope so that an early exit (sp_die) leaves them
 * reachable, not leaked */
static double *ybuf;              /* one-shot: the whole column */
static char **last;               /* one-shot: the origin row's fields */
static size_t *lastlen, *lastcap;
static double *fcbuf;             /* forecast, lower, upper: 3 * H */
static sp_ar_roll *roll;
static sp_ar_model *fitted;

static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Fit an autoregressive model to a column of a time series and forecast\n"
	    "the next H steps with intervals, once after the series or rolling.\n\n"
	    "Model:\n"
	    "  -c, --column NAME    input column [first after timestamp]\n"
	    "  -m, --method METHOD  ols, yw (Yule-Walker, adjusted), yw-mle, burg [%s]\n"
	    "  -p, --order P        AR order [%d]\n"
	    "      --ic CRIT        choose the order by aic or bic in 0..--max-order\n"
	    "      --max-order P    largest order tried with --ic [%d]\n"
	    "      --no-intercept   fit without a constant\n"
	    "  -d, --diff D         difference the series D times (0..2) [%d]\n"
	    "      --season S       difference once at period S rows (0 = off) [%d]\n"
	    "Forecasts:\n"
	    "  -H, --horizon H      forecast steps 1..H [%ld]\n"
	    "      --level L        central interval level [%g]\n"
	    "      --quantiles LO,HI  interval quantiles instead of --level\n"
	    "      --bootstrap B    intervals from B bootstrap paths (0 = analytic) [%ld]\n"
	    "      --seed S         random seed of the bootstrap [%lu]\n"
	    "Modes:\n"
	    "      --rolling        refit on a sliding window at every row, forecast causally\n"
	    "      --window N       rows in the rolling window [%ld]\n"
	    "      --save MODEL     write the fitted model (scalepipe-model ar)\n"
	    "      --load MODEL     forecast with a saved model, no refit\n"
	    "Output:\n"
	    "      --precision N    significant digits of non-integer values [%d]\n"
	    "  -v, --verbose        print the fitted model to stderr\n"
	    "  -h, --help           this help\n"
	    "      --version        print the version\n",
	    synopsis, sp_ar_method_name(spec.method), spec.order, max_order, spec.d, spec.s,
	    horizon, level, boot, seed, window, precision);
	exit(0);
}

static void
print_model(const sp_ar_model *m)
{
	int i;

	fprintf(stderr, "%s: %s AR(%d), d %d, season %d, %s intercept\n", sp_cli_progname(),
	    sp_ar_method_name(m->method), m->p, m->d, m->s, m->intercept ? "with" : "no");
	fprintf(stderr, "%s: const %.10g\n", sp_cli_progname(), m->c);
	for (i = 0; i < m->p; i++)
		fprintf(stderr, "%s: phi%d %.10g\n", sp_cli_progname(), i + 1, m->phi[i]);
	fprintf(stderr, "%s: sigma2 %.10g nobs %zu llf %.10g aic %.10g bic %.10g\n", sp_cli_progname(),
	    m->sigma2, m->nobs, m->llf, m->aic, m->bic);
}

/* Forecasts and intervals for H steps after hist[0..n). */
static void
predict(const sp_ar_model *m, const double *hist, size_t n, double *fc, double *lo, double *hi)
{
	sp_error err;

	if (sp_ar_forecast(m, hist, n, (int)horizon, fc, &err) < 0)
		sp_die_err(&err);
	if (boot > 0) {
		if (sp_ar_bootstrap(m, hist, n, (int)horizon, (int)boot, rng, qlo, qhi, lo, hi, &err) < 0)
			sp_die_err(&err);
	} else if (sp_ar_interval(m, (int)horizon, fc, qlo, qhi, lo, hi, &err) < 0) {
		sp_die_err(&err);
	}
}

/* Time step check: every gap equals the first one. */
static double step = NAN, last_t = NAN;

static void
check_step(double t)
{
	char where[128];

	if (!isnan(last_t)) {
		double dt = t - last_t;
		if (isnan(step)) {
			step = dt;
		} else if (fabs(dt - step) > 1e-9 * fabs(step)) {
			sp_csv_where(rd, -1, where, sizeof where);
			sp_die("%s: irregular time step: %.10g s after %.10g s (resample the series first, "
			    "e.g. window --resample)", where, dt, step);
		}
	}
	last_t = t;
}

static int
next_row(double *t, double *y)
{
	sp_error err;
	int rc = sp_csv_next(rd, &err);

	if (rc == SP_EEOF)
		return 0;
	if (rc < 0 || sp_csv_get_timestamp(rd, t, &err) < 0 || sp_csv_get_double_req(rd, (size_t)col, y, &err) < 0)
		sp_die_err(&err);
	check_step(*t);
	return 1;
}

static void
write_long_header(void)
{
	sp_csv_write_str(wr, "origin");
	sp_csv_write_str(wr, "timestamp");
	sp_csv_write_str(wr, "horizon");
	sp_csv_write_header_fields(wr, rd, 1, -1);
	sp_csv_write_str(wr, "forecast");
	sp_csv_write_str(wr, "lower");
	sp_csv_write_str(wr, "upper");
	sp_csv_end_row(wr);
}

/* ---- one fit on the whole series ------------------------------------------ */

static void
run_once(sp_ar_model *loaded)
{
	double *y = NULL, t, v, *fc, *lo, *hi;
	size_t n = 0, cap = 0, i, nf = sp_csv_ncols(rd);
	sp_ar_model *m = loaded;
	sp_error err;
	long h;

	last = calloc(nf, sizeof *last);
	lastlen = calloc(nf, sizeof *lastlen);
	lastcap = calloc(nf, sizeof *lastcap);
	if (!last || !lastlen || !lastcap)
		sp_die("out of memory");
	while (next_row(&t, &v)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(y = ybuf = realloc(y, cap * sizeof *y)))
				sp_die("out of memory");
		}
		y[n++] = v;
		for (i = 1; i < nf; i++) {
			size_t len;
			const char *f = sp_csv_field(rd, i, &len);
			if (len + 1 > lastcap[i]) {
				lastcap[i] = 2 * len + 16;
				if (!(last[i] = realloc(last[i], lastcap[i])))
					sp_die("out of memory");
			}
			memcpy(last[i], f, len);
			lastlen[i] = len;
		}
	}
	if (n == 0)
		sp_die("no data rows");
	if (n < 2)
		sp_die("need at least 2 rows to know the time step");
	if (!m) {
		if (sp_ar_fit(&spec, y, n, &fitted, &err) < 0)
			sp_die_err(&err);
		m = fitted;
	} else if (n < sp_ar_need(m)) {
		sp_die("need at least %zu rows of history for the model %s, have %zu", sp_ar_need(m), load_path, n);
	}
	if (verbose)
		print_model(m);
	fc = fcbuf = malloc(3 * (size_t)horizon * sizeof *fc);
	if (!fc)
		sp_die("out of memory");
	lo = fc + horizon;
	hi = lo + horizon;
	predict(m, y, n, fc, lo, hi);
	if (save_path && sp_ar_save(m, save_path, cmdline, &err) < 0)
		sp_die_err(&err);
	write_long_header();
	for (h = 1; h <= horizon; h++) {
		sp_csv_write_time(wr, last_t);
		sp_csv_write_time(wr, last_t + (double)h * step);
		sp_csv_write_long(wr, h);
		for (i = 1; i < nf; i++)
			sp_csv_write_field(wr, last[i] ? last[i] : "", lastlen[i]);
		sp_csv_write_double(wr, fc[h - 1]);
		sp_csv_write_double(wr, lo[h - 1]);
		sp_csv_write_double(wr, hi[h - 1]);
		sp_csv_end_row(wr);
	}
	for (i = 0; i < nf; i++)
		free(last[i]);
	free(last);
	free(lastlen);
	free(lastcap);
	free(fc);
	free(y);
	if (m != loaded)
		sp_ar_model_free(m);
}

/* ---- rolling ---------------------------------------------------------------- */

/* History for a loaded model: the last `need` values, compacted buffer. */
static double *hbuf;
static size_t hs, hn, hcap, hneed;

static void
hist_push(double v)
{
	if (hs + hn == hcap) {
		size_t k = hn < hneed ? hn : hneed;
		memmove(hbuf, hbuf + hs + hn - k, k * sizeof *hbuf);
		hs = 0;
		hn = k;
	}
	hbuf[hs + hn++] = v;
}

static void
run_rolling(sp_ar_model *loaded)
{
	int longfmt = horizon > 1, ready = 0;
	const sp_ar_model *m = loaded, *lastm = NULL;
	double t, v, *fc, *lo, *hi;
	size_t nrows = 0, nfits = 0;
	sp_error err;
	long h;

	fc = fcbuf = malloc(3 * (size_t)horizon * sizeof *fc);
	if (!fc)
		sp_die("out of memory");
	lo = fc + horizon;
	hi = lo + horizon;
	if (loaded) {
		hneed = sp_ar_need(loaded);
		hcap = 2 * hneed + 2;
		if (!(hbuf = malloc(hcap * sizeof *hbuf)))
			sp_die("out of memory");
	} else if (!(roll = sp_ar_roll_new(&spec, (size_t)window, &err))) {
		sp_die_err(&err);
	}
	if (longfmt) {
		write_long_header();
	} else {
		sp_csv_write_header_fields(wr, rd, 0, -1);
		sp_csv_write_str(wr, "forecast");
		sp_csv_write_str(wr, "lower");
		sp_csv_write_str(wr, "upper");
		sp_csv_end_row(wr);
	}
	while (next_row(&t, &v)) {
		const double *hist = NULL;
		size_t hl = 0;

		nrows++;
		if (!longfmt) {
			/* the forecast for this row from the rows before it */
			sp_csv_write_time(wr, t);
			sp_csv_write_row_fields(wr, rd, 1, -1);
			if (ready) {
				if (!loaded && !(m = sp_ar_roll_fit(roll, boot > 0, &err)))
					sp_die_err(&err);
				if (loaded) {
					hist = hbuf + hs;
					hl = hn;
				}
				predict(m, hist, hl, fc, lo, hi);
				nfits++;
				lastm = m;
				sp_csv_write_double(wr, fc[0]);
				sp_csv_write_double(wr, lo[0]);
				sp_csv_write_double(wr, hi[0]);
			} else {
				sp_csv_write_str(wr, "");
				sp_csv_write_str(wr, "");
				sp_csv_write_str(wr, "");
			}
			sp_csv_end_row(wr);
		}
		if (loaded) {
			hist_push(v);
			ready = hn >= hneed;
		} else {
			int rc = sp_ar_roll_push(roll, v, &err);
			if (rc < 0)
				sp_die_err(&err);
			ready = rc;
		}
		if (longfmt && ready) {
			/* origin = this row: forecasts for the next H steps */
			if (!loaded && !(m = sp_ar_roll_fit(roll, boot > 0, &err)))
				sp_die_err(&err);
			if (loaded) {
				hist = hbuf + hs;
				hl = hn;
			}
			predict(m, hist, hl, fc, lo, hi);
			nfits++;
			lastm = m;
			if (isnan(step))
				sp_die("need at least 2 rows to know the time step");
			for (h = 1; h <= horizon; h++) {
				sp_csv_write_time(wr, t);
				sp_csv_write_time(wr, t + (double)h * step);
				sp_csv_write_long(wr, h);
				sp_csv_write_row_fields(wr, rd, 1, -1);
				sp_csv_write_double(wr, fc[h - 1]);
				sp_csv_write_double(wr, lo[h - 1]);
				sp_csv_write_double(wr, hi[h - 1]);
				sp_csv_end_row(wr);
			}
		}
	}
	if (nrows == 0)
		sp_die("no data rows");
	if (verbose) {
		fprintf(stderr, "%s: %zu rows, %zu forecast origins\n", sp_cli_progname(), nrows, nfits);
		if (lastm)
			print_model(lastm);
	}
	free(fc);
	free(hbuf);
	sp_ar_roll_free(roll);
}

int
main(int argc, char **argv)
{
	enum {
		OPT_IC = 256, OPT_MAXORD, OPT_NOINT, OPT_SEASON, OPT_LEVEL, OPT_QUANT, OPT_BOOT, OPT_SEED,
		OPT_ROLL, OPT_WINDOW, OPT_SAVE, OPT_LOAD, OPT_PREC, OPT_VERSION
	};
	static const struct option lo[] = {
		{ "bootstrap", required_argument, 0, OPT_BOOT },
		{ "column", required_argument, 0, 'c' },
		{ "diff", required_argument, 0, 'd' },
		{ "help", no_argument, 0, 'h' },
		{ "horizon", required_argument, 0, 'H' },
		{ "ic", required_argument, 0, OPT_IC },
		{ "level", required_argument, 0, OPT_LEVEL },
		{ "load", required_argument, 0, OPT_LOAD },
		{ "max-order", required_argument, 0, OPT_MAXORD },
		{ "method", required_argument, 0, 'm' },
		{ "no-intercept", no_argument, 0, OPT_NOINT },
		{ "order", required_argument, 0, 'p' },
		{ "precision", required_argument, 0, OPT_PREC },
		{ "quantiles", required_argument, 0, OPT_QUANT },
		{ "rolling", no_argument, 0, OPT_ROLL },
		{ "save", required_argument, 0, OPT_SAVE },
		{ "season", required_argument, 0, OPT_SEASON },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ "window", required_argument, 0, OPT_WINDOW },
		{ 0, 0, 0, 0 }
	};
	static const char *const methods[] = { "ols", "yw", "yw-mle", "burg", NULL };
	static const char *const ics[] = { "aic", "bic", NULL };
	static sp_ar_model *loaded;    /* static: reachable on an early exit */
	const char *fname = "-";
	FILE *in = stdin;
	sp_error err;
	double q[2];
	int c, level_given = 0;

	sp_ar_spec_defaults(&spec);
	sp_cli_init(argv[0], synopsis);
	cmdline = sp_cli_cmdline(argc, argv);
	while ((c = getopt_long(argc, argv, "c:d:hH:m:p:v", lo, NULL)) != -1)
		switch (c) {
		case 'c': column = optarg; break;
		case 'd': spec.d = (int)sp_cli_long("--diff", optarg, 0, SP_AR_MAX_DIFF); spec_given = 1; break;
		case 'h': usage(); break;
		case 'H': horizon = sp_cli_long("--horizon", optarg, 1, 100000); break;
		case 'm': spec.method = (sp_ar_method)sp_cli_choice("--method", optarg, methods); spec_given = 1; break;
		case 'p': spec.order = (int)sp_cli_long("--order", optarg, 0, SP_AR_MAX_ORDER); spec_given = order_given = 1; break;
		case 'v': verbose = 1; break;
		case OPT_IC: spec.ic = (sp_ar_ic)(sp_cli_choice("--ic", optarg, ics) + 1); spec_given = 1; break;
		case OPT_MAXORD: max_order = (int)sp_cli_long("--max-order", optarg, 0, SP_AR_MAX_ORDER); spec_given = 1; break;
		case OPT_NOINT: spec.intercept = 0; spec_given = 1; break;
		case OPT_SEASON: spec.s = (int)sp_cli_long("--season", optarg, 0, SP_AR_MAX_SEASON); spec_given = 1; break;
		case OPT_LEVEL: level = sp_cli_double("--level", optarg, 0, 1); level_given = 1; break;
		case OPT_QUANT:
			if (sp_cli_doubles("--quantiles", optarg, q, 2, 0, 1) != 2)
				sp_die_usage("--quantiles: need two values LO,HI");
			qlo = q[0];
			qhi = q[1];
			break;
		case OPT_BOOT: boot = sp_cli_long("--bootstrap", optarg, 0, 1000000); break;
		case OPT_SEED: seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 4294967295L); break;
		case OPT_ROLL: rolling = 1; break;
		case OPT_WINDOW: window = sp_cli_long("--window", optarg, 2, 100000000); break;
		case OPT_SAVE: save_path = optarg; break;
		case OPT_LOAD: load_path = optarg; break;
		case OPT_PREC: precision = (int)sp_cli_long("--precision", optarg, 1, 17); break;
		case OPT_VERSION: sp_cli_version(); break;
		default: sp_cli_bad_option();
		}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (argc == 1)
		fname = argv[0];

	/* consistency */
	if (level_given && !isnan(qlo))
		sp_die_usage("--level and --quantiles are exclusive");
	if (!(level > 0 && level < 1))
		sp_die_usage("--level: must be strictly between 0 and 1");
	if (isnan(qlo)) {
		qlo = (1 - level) / 2;
		qhi = (1 + level) / 2;
	} else if (!(qlo > 0 && qlo < qhi && qhi < 1)) {
		sp_die_usage("--quantiles: need 0 < LO < HI < 1");
	}
	if (spec.ic != SP_AR_IC_NONE) {
		if (order_given)
			sp_die_usage("--order and --ic are exclusive");
		spec.order = max_order;
	}
	if (spec.s == 1)
		sp_die_usage("--season: must be 0 or at least 2");
	if (spec.order == 0 && spec.ic == SP_AR_IC_NONE && spec.method != SP_AR_OLS)
		sp_die_usage("--order 0 needs --method ols");
	if (save_path && load_path)
		sp_die_usage("--save and --load are exclusive");
	if (save_path && rolling)
		sp_die_usage("--save does not go with --rolling");
	if (load_path && spec_given)
		sp_die_usage("--load uses the model's own specification (no -m, -p, --ic, -d, --season, ...)");

	if (load_path && !(loaded = sp_ar_load(load_path, &err)))
		sp_die_err(&err);
	if (boot > 0 && !(rng = sp_rand_new(seed)))
		sp_die("out of memory");
	if (strcmp(fname, "-") != 0 && !(in = fopen(fname, "r")))
		sp_die("%s:", fname);
	if (!(rd = sp_csv_reader_new(in, fname, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if ((col = sp_csv_pick_col(rd, column, &err)) < 0)
		sp_die_err(&err);
	if (col == 0)
		sp_die("column '%s' is the timestamp", sp_csv_colname(rd, 0));
	if (!(wr = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_csv_writer_precision(wr, precision);

	if (rolling)
		run_rolling(loaded);
	else
		run_once(loaded);

	/* a write error (e.g. /dev/full) is reported once, by the checked close */
	if (sp_csv_writer_flush(wr, &err) < 0)
		sp_cli_close_stdout();
	sp_csv_writer_free(wr);
	sp_csv_reader_free(rd);
	if (in != stdin)
		fclose(in);
	sp_ar_model_free(loaded);
	sp_rand_free(rng);
	return 0;
}
