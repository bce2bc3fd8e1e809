/* arfit: fit AR(p) models (OLS, Yule-Walker, Burg; optional differencing and
 * order selection by AIC/BIC) and forecast with analytic or bootstrap
 * intervals, once after the series or rolling (refit on a sliding window at
 * every step, causally).  The numerics are in lib/sp_ar, the rolling
 * forecasters in lib/sp_fc_ar and the rows in lib/sp_fcroll; this file is
 * the CSV front end. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_ar.h"
#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_fc_ar.h"
#include "sp_fcroll.h"
#include "sp_file.h"
#include "sp_keyed.h"
#include "sp_rand.h"
#include "sp_state.h"
#include "sp_time.h"

static const char synopsis[] =
    "arfit [-c NAME] [-m METHOD] [-p P | --ic CRIT [--max-order P]] [--no-intercept]\n"
    "             [--max-radius R] [-d D] [--season S | --season auto [--season-after T]\n"
    "             [--season-max T] [--season-min-acf A] [--season-min-rise R]] [-H H]\n"
    "             [--level L | --quantiles LO,HI]\n"
    "             [--bootstrap B] [--seed S] [--rolling [--window N]]\n"
    "             [--save MODEL | --load MODEL] [--precision N] [-v] [FILE]";

typedef struct {
	const char *column, *input;      /* -c, the FILE operand (NULL: stdin) */
	sp_ar_spec spec;                 /* method, order, ic, intercept, d, s */
	int max_order;                   /* --max-order (with --ic) */
	int season_auto;                 /* --season auto */
	sp_fc_ar_season sa;              /* --season-after, -max, -min-acf, -min-rise */
	long horizon;                    /* -H */
	double level, qlo, qhi;          /* --level, --quantiles (or from --level) */
	long boot;                       /* --bootstrap B, 0 = analytic intervals */
	unsigned long seed;              /* --seed */
	int rolling;                     /* --rolling */
	long window;                     /* --window */
	const char *save, *load;         /* --save, --load */
	const char *by;                  /* --by: the key column */
	const char *state;               /* --state FILE (with --rolling) */
	sp_state_forget forget;          /* --forget: keys left out of the state */
	const char *cmdline;             /* for the model file */
	int precision, verbose;
} options;

/* The input: reader, series column, key column. */
typedef struct {
	sp_csv_reader *r;
	int col;
	int bycol;             /* --by, or -1 */
} input;

static _Noreturn void
usage(const options *o)
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
	    "      --max-radius R   ols, yw: damp an explosive fit, whose AR roots' largest\n"
	    "                       modulus (spectral radius) is above R, to R (0 = never,\n"
	    "                       as statsmodels) [%g]\n"
	    "  -d, --diff D         difference the series D times (0..2) [%d]\n"
	    "      --season S       difference once at period S rows (0 = off) [%d]\n"
	    "      --season auto    the period found in the data: the lag up to --season-max\n"
	    "                       whose autocorrelation is the highest local peak rising\n"
	    "                       --season-min-rise above the shorter lags, if it is\n"
	    "                       --season-min-acf or more (else no season); --rolling: on\n"
	    "                       the rows of the first --season-after (forecast without a\n"
	    "                       season), then fixed; once: on every row\n"
	    "      --season-after T  --rolling: span the period is found on (7d, 90m, s) [7d]\n"
	    "      --season-max T   the longest period (duration) [1d]\n"
	    "      --season-min-acf A  the least autocorrelation of a period [%g]\n"
	    "      --season-min-rise R  the least rise of a period's autocorrelation above\n"
	    "                       the lowest at shorter lags [%g]\n"
	    "Forecasts:\n"
	    "  -H, --horizon H      forecast steps 1..H [%ld]\n"
	    "      --level L        central interval level [%g]\n"
	    "      --quantiles LO,HI  interval quantiles instead of --level\n"
	    "      --bootstrap B    intervals from B bootstrap paths (0 = analytic) [%ld]\n"
	    "      --seed S         random seed of the bootstrap [%lu]\n"
	    "Modes:\n"
	    "      --rolling        refit on a sliding window at every row, forecast causally\n"
	    "      --window N       rows in the rolling window [%ld]\n"
	    "      --state FILE     with --rolling: start from the state FILE holds (skipping\n"
	    "                       the rows it has seen), and leave the state there at the end\n"
	    "                       (with --by, every key's in one FILE)\n"
	    "      --forget DURATION  with --by --state: a key whose last row is older than\n"
	    "                       the newest (of every key) minus DURATION (90m, 1d,\n"
	    "                       seconds) is left out of the state, with a warning [never]\n"
	    "      --save MODEL     write the fitted model (scalepipe-model ar)\n"
	    "      --load MODEL     forecast with a saved model, no refit\n"
	    "Many workloads:\n"
	    "      --by NAME        NAME is the key column: a model per key (rows of keys\n"
	    "                       interleaved, each key's evenly spaced in time order);\n"
	    "                       output rows carry the key as an input column; a key too\n"
	    "                       short to forecast is skipped with a warning (with\n"
	    "                       --state even when every key is: its rows are kept)\n"
	    "Output:\n"
	    "      --precision N    significant digits of non-integer values [%d]\n"
	    "  -v, --verbose        print the fitted model to stderr\n"
	    "  -h, --help           this help\n"
	    "      --version        print the version\n",
	    synopsis, sp_ar_method_name(o->spec.method), o->spec.order, o->max_order, o->spec.max_radius, o->spec.d,
	    o->spec.s,
	    o->sa.min_acf, o->sa.min_rise, o->horizon, o->level, o->boot, o->seed, o->window, o->precision);
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
	if (m->damped)
		fprintf(stderr, "%s: explosive fit (spectral radius %.10g): phi damped to --max-radius\n",
		    sp_cli_progname(), m->radius);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum {
		OPT_IC = 256, OPT_MAXORD, OPT_NOINT, OPT_SEASON, OPT_LEVEL, OPT_QUANT, OPT_BOOT, OPT_SEED,
		OPT_ROLL, OPT_WINDOW, OPT_SAVE, OPT_LOAD, OPT_PREC, OPT_VERSION, OPT_BY, OPT_STATE,
		OPT_FORGET, OPT_SAFTER, OPT_SMAX, OPT_SACF, OPT_SRISE, OPT_RADIUS
	};
	static const struct option lo[] = {
		{ "bootstrap", required_argument, 0, OPT_BOOT },
		{ "by", required_argument, 0, OPT_BY },
		{ "forget", required_argument, 0, OPT_FORGET },
		{ "column", required_argument, 0, 'c' },
		{ "diff", required_argument, 0, 'd' },
		{ "help", no_argument, 0, 'h' },
		{ "horizon", required_argument, 0, 'H' },
		{ "ic", required_argument, 0, OPT_IC },
		{ "level", required_argument, 0, OPT_LEVEL },
		{ "load", required_argument, 0, OPT_LOAD },
		{ "max-order", required_argument, 0, OPT_MAXORD },
		{ "max-radius", required_argument, 0, OPT_RADIUS },
		{ "method", required_argument, 0, 'm' },
		{ "no-intercept", no_argument, 0, OPT_NOINT },
		{ "order", required_argument, 0, 'p' },
		{ "precision", required_argument, 0, OPT_PREC },
		{ "quantiles", required_argument, 0, OPT_QUANT },
		{ "rolling", no_argument, 0, OPT_ROLL },
		{ "save", required_argument, 0, OPT_SAVE },
		{ "season", required_argument, 0, OPT_SEASON },
		{ "season-after", required_argument, 0, OPT_SAFTER },
		{ "season-max", required_argument, 0, OPT_SMAX },
		{ "season-min-acf", required_argument, 0, OPT_SACF },
		{ "season-min-rise", required_argument, 0, OPT_SRISE },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "state", required_argument, 0, OPT_STATE },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ "window", required_argument, 0, OPT_WINDOW },
		{ 0, 0, 0, 0 }
	};
	static const char *const methods[] = { "ols", "yw", "yw-mle", "burg", NULL };
	static const char *const ics[] = { "aic", "bic", NULL };
	sp_error err;
	int c, level_given = 0, spec_given = 0, order_given = 0, sa_given = 0, radius_given = 0;
	double q[2];

	*o = (options){ .max_order = 12, .horizon = 1, .level = 0.8, .qlo = NAN, .qhi = NAN, .seed = 1,
	    .window = 500, .precision = 10 };
	sp_ar_spec_defaults(&o->spec);
	sp_fc_ar_season_defaults(&o->sa);
	o->cmdline = sp_cli_cmdline(argc, argv);
	while ((c = getopt_long(argc, argv, "c:d:hH:m:p:v", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->column = optarg; break;
		case 'd': o->spec.d = (int)sp_cli_long("--diff", optarg, 0, SP_AR_MAX_DIFF); spec_given = 1; break;
		case 'h': usage(o);
		case 'H': o->horizon = sp_cli_long("--horizon", optarg, 1, 100000); break;
		case 'm': o->spec.method = (sp_ar_method)sp_cli_choice("--method", optarg, methods); spec_given = 1; break;
		case 'p': o->spec.order = (int)sp_cli_long("--order", optarg, 0, SP_AR_MAX_ORDER); spec_given = order_given = 1; break;
		case 'v': o->verbose = 1; break;
		case OPT_IC: o->spec.ic = (sp_ar_ic)(sp_cli_choice("--ic", optarg, ics) + 1); spec_given = 1; break;
		case OPT_MAXORD: o->max_order = (int)sp_cli_long("--max-order", optarg, 0, SP_AR_MAX_ORDER); spec_given = 1; break;
		case OPT_NOINT: o->spec.intercept = 0; spec_given = 1; break;
		case OPT_RADIUS:
			o->spec.max_radius = sp_cli_double("--max-radius", optarg, 0, 1e6);
			spec_given = radius_given = 1;
			break;
		case OPT_SEASON:
			if (strcmp(optarg, "auto") == 0)
				o->season_auto = 1, o->spec.s = 0;
			else
				o->season_auto = 0, o->spec.s = (int)sp_cli_long("--season", optarg, 0, SP_AR_MAX_SEASON);
			spec_given = 1;
			break;
		case OPT_SAFTER:
		case OPT_SMAX:
			if (sp_time_parse_duration(optarg, c == OPT_SAFTER ? &o->sa.after : &o->sa.maxlag) < 0)
				sp_die_usage("%s: not a duration: '%s'", c == OPT_SAFTER ? "--season-after" : "--season-max",
				    optarg);
			sa_given = 1;
			break;
		case OPT_SACF: o->sa.min_acf = sp_cli_double("--season-min-acf", optarg, 0, 1); sa_given = 1; break;
		case OPT_SRISE: o->sa.min_rise = sp_cli_double("--season-min-rise", optarg, 0, 2); sa_given = 1; break;
		case OPT_LEVEL: o->level = sp_cli_double("--level", optarg, 0, 1); level_given = 1; break;
		case OPT_QUANT:
			if (sp_cli_doubles("--quantiles", optarg, q, 2, 0, 1) != 2)
				sp_die_usage("--quantiles: need two values LO,HI");
			o->qlo = q[0], o->qhi = q[1];
			break;
		case OPT_BOOT: o->boot = sp_cli_long("--bootstrap", optarg, 0, 1000000); break;
		case OPT_SEED: o->seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 4294967295L); break;
		case OPT_ROLL: o->rolling = 1; break;
		case OPT_WINDOW: o->window = sp_cli_long("--window", optarg, 2, 100000000); break;
		case OPT_SAVE: o->save = optarg; break;
		case OPT_LOAD: o->load = optarg; break;
		case OPT_BY: o->by = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_FORGET:
			sp_die_if(sp_state_forget_parse(optarg, &o->forget, &err), &err);
			o->forget.forgot = sp_warn_note;
			break;
		case OPT_PREC: o->precision = (int)sp_cli_long("--precision", optarg, 1, 17); break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, o->input);

	/* consistency */
	if (level_given && !isnan(o->qlo))
		sp_die_usage("--level and --quantiles are exclusive");
	if (!(o->level > 0 && o->level < 1))
		sp_die_usage("--level: must be strictly between 0 and 1");
	if (isnan(o->qlo))
		o->qlo = (1 - o->level) / 2, o->qhi = (1 + o->level) / 2;
	else if (!(o->qlo > 0 && o->qlo < o->qhi && o->qhi < 1))
		sp_die_usage("--quantiles: need 0 < LO < HI < 1");
	if (o->spec.ic != SP_AR_IC_NONE) {
		if (order_given)
			sp_die_usage("--order and --ic are exclusive");
		o->spec.order = o->max_order;
	}
	if (o->spec.s == 1)
		sp_die_usage("--season: must be 0 or at least 2");
	if (sa_given && !o->season_auto)
		sp_die_usage("--season-after, --season-max, --season-min-acf and --season-min-rise need --season auto");
	if (o->spec.order == 0 && o->spec.ic == SP_AR_IC_NONE && o->spec.method != SP_AR_OLS)
		sp_die_usage("--order 0 needs --method ols");
	if (o->save && o->load)
		sp_die_usage("--save and --load are exclusive");
	if (o->save && o->rolling)
		sp_die_usage("--save does not go with --rolling");
	if (o->save && o->by)
		sp_die_usage("--save does not go with --by (one model file per key is not written)");
	if (o->state && !o->rolling)
		sp_die_usage("--state needs --rolling");
	if (radius_given && o->spec.method != SP_AR_OLS && o->spec.method != SP_AR_YW)
		sp_die_usage("--max-radius is for --method ols and yw (yw-mle and burg fits are stationary by construction)");
	if (o->load && spec_given)
		sp_die_usage("--load uses the model's own specification (no -m, -p, --ic, -d, --season, ...)");
}

/* One series: its spacing, and the state of its forecasts (rolling: a
 * forecaster and its roll; once: the values and the last row).  Without
 * --by there is one; with --by one per key (lib/sp_keyed), each with the
 * same options and its own bootstrap generator seeded with --seed, so that
 * a key's rows are those of a run on that key alone. */
typedef struct {
	const options *o;
	const sp_ar_model *loaded;       /* --load: copied per series */
	double step, last_t;             /* NAN until known */
	sp_rand *rng;                    /* --bootstrap */
	sp_ar_band_opts bo;
	sp_forecaster *f;                /* rolling */
	sp_fcroll *roll;
	double *y;                       /* once: the values */
	size_t n, cap;
	sp_fcroll_row *last;             /* once: the last row */
	const char *key;                 /* NULL without --by */
} series;

static void
series_free(void *ctx, void *st)
{
	series *s = st;

	sp_fcroll_free(s->roll);
	sp_forecaster_free(s->f);
	sp_fcroll_row_free(s->last);
	sp_rand_free(s->rng);
	free(s->y);
	free(s);
}

/* A new series with the options of ctx (a series holding o and loaded). */
static void *
series_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const series *proto = ctx;
	const options *o = proto->o;
	sp_fcroll_opts ro = { (int)o->horizon, o->horizon > 1, 0 };
	sp_ar_model *m = NULL;
	series *s = calloc(1, sizeof *s);

	if (!s)
		goto nomem;
	*s = (series){ .o = o, .loaded = proto->loaded, .step = NAN, .last_t = NAN, .key = key };
	s->bo = (sp_ar_band_opts){ o->qlo, o->qhi, (int)o->boot, NULL };
	if (o->boot > 0 && !(s->bo.rng = s->rng = sp_rand_new(o->seed)))
		goto nomem;
	if (!o->rolling) {
		if (!(s->last = sp_fcroll_row_new()))
			goto nomem;
		return s;
	}
	if (s->loaded && !(m = sp_ar_model_dup(s->loaded)))
		goto nomem;
	if (m)
		s->f = sp_fc_ar_new(m, &s->bo, err);
	else if (o->season_auto)
		s->f = sp_fc_ar_rolling_auto_new(&o->spec, (size_t)o->window, &o->sa, &s->bo, err);
	else
		s->f = sp_fc_ar_rolling_new(&o->spec, (size_t)o->window, &s->bo, err);
	if (!s->f || !(s->roll = sp_fcroll_new(s->f, &ro, err))) {
		series_free(NULL, s);
		return NULL;
	}
	return s;
nomem:
	series_free(NULL, s);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

/* The next row's time and value (a missing value is an error) and its
 * series (*sp: the one series, or with keys the row's key's); 0 at the
 * end.  Rows a series's state has seen are skipped.  Every gap within a
 * series must equal its first one. */
static int
next_row(input *in, sp_keyed *keys, series **sp, double *t, double *y)
{
	sp_error err;
	char where[128];
	series *s = *sp;
	int rc;

	do {
		if ((rc = sp_csv_next(in->r, &err)) == SP_EEOF)
			return 0;
		if (rc < 0 || sp_csv_get_timestamp(in->r, t, &err) < 0)
			sp_die_err(&err);
		if (keys && !(*sp = s = sp_keyed_row(keys, in->r, (size_t)in->bycol, &err)))
			sp_die_err(&err);
	} while (s->roll && sp_fcroll_seen(s->roll, *t));
	if (sp_csv_get_double_req(in->r, (size_t)in->col, y, &err) < 0)
		sp_die_err(&err);
	if (keys) {
		double prev = s->last_t;
		sp_die_if(sp_keyed_order(in->r, (size_t)in->bycol, &prev, *t, 0, &err), &err);
	}
	if (!isnan(s->last_t)) {
		double dt = *t - s->last_t;
		if (isnan(s->step)) {
			s->step = dt;
		} else if (fabs(dt - s->step) > 1e-9 * fabs(s->step)) {
			sp_csv_where(in->r, -1, where, sizeof where);
			sp_die("%s: irregular time step: %.10g s after %.10g s%s%s%s (resample the series first, "
			    "e.g. window --resample)", where, dt, s->step, s->key ? " (key '" : "",
			    s->key ? s->key : "", s->key ? "')" : "");
		}
	}
	s->last_t = *t;
	return 1;
}

/* The series column (-c, or the first after timestamp that is not the key)
 * and the key column (--by). */
static void
pick_columns(const options *o, input *in)
{
	sp_error err;
	size_t i;

	if (o->by) {
		if ((in->bycol = sp_csv_pick_col(in->r, o->by, &err)) < 0)
			sp_die_err(&err);
		if (in->bycol == 0)
			sp_die_usage("--by: 'timestamp' is not a key column");
	}
	if (o->by && !o->column) {
		for (i = 1; i < sp_csv_ncols(in->r) && (int)i == in->bycol; i++)
			;
		if (i == sp_csv_ncols(in->r))
			sp_die("no data column after 'timestamp' besides the key");
		in->col = (int)i;
		return;
	}
	if ((in->col = sp_csv_pick_col(in->r, o->column, &err)) < 0)
		sp_die_err(&err);
	if (in->col == 0)
		sp_die("column '%s' is the timestamp", sp_csv_colname(in->r, 0));
	if (in->col == in->bycol)
		sp_die_usage("-c: '%s' is the key column (--by)", o->column);
}

/* Values near 1e308 overflow the fit (sigma2 = inf) or the band: an
 * error, never inf or empty forecasts. */
static void
check_finite(const sp_ar_model *m, const double *b, long H)
{
	int ok = isfinite(m->c) && isfinite(m->sigma2);

	for (int i = 0; i < m->p; i++)
		ok = ok && isfinite(m->phi[i]);
	for (long h = 0; h < 3 * H; h++)
		ok = ok && isfinite(b[h]);
	if (!ok)
		sp_die("the model or its forecast is not finite (the values overflow the model's "
		    "arithmetic; rescale the series)");
}

/* Messages about one series: "" without keys, else "key 'K': ". */
static void
key_prefix(const series *s, char *buf, size_t size)
{
	if (s->key)
		snprintf(buf, size, "key '%s': ", s->key);
	else
		buf[0] = '\0';
}

/* --season auto -v: the period found on n rows */
static void
print_season(const series *s, long period, double acf, size_t n)
{
	char kp[256];

	key_prefix(s, kp, sizeof kp);
	fprintf(stderr, "%s: %sseason auto: ", sp_cli_progname(), kp);
	if (period < 0)
		fprintf(stderr, "no period yet (%zu rows in this run)\n", n);
	else if (period == 0)
		fprintf(stderr, "no period (no autocorrelation peak of %g or more, rising %g or more)\n",
		    s->o->sa.min_acf, s->o->sa.min_rise);
	else
		fprintf(stderr, "period %ld rows (autocorrelation %.4f)\n", period, acf);
}

/* One fit on a series's values (or the loaded model), forecasts after its
 * last row. */
static void
fit_once(const options *o, const series *s, const sp_csv_reader *r, sp_csv_writer *w, int header)
{
	sp_ar_model *m = NULL;
	double *b;
	long H = o->horizon;
	char kp[256];
	sp_error err;

	key_prefix(s, kp, sizeof kp);
	if (s->n < 2)
		sp_die("%sneed at least 2 rows to know the time step", kp);
	if (!s->loaded) {
		sp_ar_spec spec = o->spec;
		if (o->season_auto) {
			double acf;
			spec.s = (int)sp_fc_ar_season_find(&spec, s->y, s->n, s->step, s->n, &o->sa, &acf);
			if (o->verbose)
				print_season(s, spec.s, acf, s->n);
		}
		if (sp_ar_fit(&spec, s->y, s->n, &m, &err) < 0) {
			if (s->key)
				sp_error_prefix(&err, "key '%s'", s->key);
			sp_die_err(&err);
		}
	} else if (s->n < sp_ar_need(s->loaded)) {
		sp_die("%sneed at least %zu rows of history for the model %s, have %zu", kp,
		    sp_ar_need(s->loaded), o->load, s->n);
	} else if (!(m = sp_ar_model_dup(s->loaded))) {
		sp_die("out of memory");
	}
	if (o->verbose) {
		if (s->key)
			fprintf(stderr, "%s: key '%s'\n", sp_cli_progname(), s->key);
		print_model(m);
	}
	if (!(b = malloc(3 * (size_t)H * sizeof *b)))
		sp_die("out of memory");
	sp_die_if(sp_ar_band(m, s->y, s->n, (int)H, &s->bo, b, b + H, b + 2 * H, &err), &err);
	check_finite(m, b, H);
	if (o->save)
		sp_die_if(sp_ar_save(m, o->save, o->cmdline, &err), &err);
	if (header)
		sp_fcroll_write_long_header(r, w);
	sp_fcroll_write_long(w, s->last_t, s->step, (int)H, s->last, b + H, b, b + 2 * H);
	sp_ar_model_free(m);
	free(b);
}

/* Once: every series's values, then a fit per series (in the order the
 * keys came). */
static void
run_once(const options *o, input *in, sp_csv_writer *w, series *one, sp_keyed *keys)
{
	series *s = one;
	double t, v;
	size_t i, n;
	sp_error err;

	while (next_row(in, keys, &s, &t, &v)) {
		if (s->n == s->cap && !(s->y = realloc(s->y, (s->cap = s->cap ? 2 * s->cap : 64) * sizeof *s->y)))
			sp_die("out of memory");
		s->y[s->n++] = v;
		sp_die_if(sp_fcroll_row_copy(s->last, in->r, &err), &err);
	}
	n = keys ? sp_keyed_count(keys) : (one->n > 0);
	if (n == 0)
		sp_die("no data rows");
	for (i = 0; i < n; i++)
		fit_once(o, keys ? sp_keyed_state(keys, i) : one, in->r, w, i == 0);
}

static void
print_roll(const series *s)
{
	const sp_ar_model *last;

	fprintf(stderr, "%s: %s%s%s%ld rows, %ld forecast origins\n", sp_cli_progname(), s->key ? "key '" : "",
	    s->key ? s->key : "", s->key ? "': " : "", sp_fcroll_rows(s->roll), sp_fcroll_bands(s->roll));
	if (s->o->season_auto && !s->o->load) {
		double acf = 0;
		long p = sp_fc_ar_period(s->f, &acf);
		print_season(s, p, acf, (size_t)sp_fcroll_rows(s->roll));
	}
	if ((last = sp_fc_ar_model(s->f)))
		print_model(last);
	if (!s->o->load && (s->o->spec.method == SP_AR_OLS || s->o->spec.method == SP_AR_YW) &&
	    s->o->spec.max_radius > 0) {   /* what is checked */
		size_t fits, n = sp_fc_ar_damped(s->f, &fits);
		fprintf(stderr, "%s: %zu of %zu fits explosive, damped to --max-radius %g\n", sp_cli_progname(), n,
		    fits, s->o->spec.max_radius);
	}
}

static sp_fcroll *
roll_of(void *st)
{
	return ((series *)st)->roll;
}

/* A forecast from every row of each series: the loaded model with fixed
 * coefficients, or the spec refitted on its last --window rows. */
static void
run_rolling(const options *o, input *in, sp_csv_writer *w, series *one, sp_keyed *keys)
{
	series *s = one;
	double t, y;
	size_t i, n;
	long rows = 0;
	sp_error err;

	sp_fcroll_write_header(one->roll, in->r, w);
	while (next_row(in, keys, &s, &t, &y)) {
		if (sp_fcroll_push(s->roll, t, &y, &err) < 0) {
			if (s->key)
				sp_error_prefix(&err, "key '%s'", s->key);
			sp_die_err(&err);
		}
		sp_fcroll_write(s->roll, in->r, w);
	}
	n = keys ? sp_keyed_count(keys) : 1;
	for (i = 0; i < n; i++) {
		s = keys ? sp_keyed_state(keys, i) : one;
		rows += sp_fcroll_rows(s->roll);
	}
	if (rows == 0)
		sp_die("no data rows");
	if (keys)
		sp_die_if(sp_fcroll_check_keys(keys, o->state != NULL, roll_of, sp_warn_skip, NULL, &err), &err);
	else
		sp_die_if(sp_fcroll_check_made(one->roll, &err), &err);
	for (i = 0; o->verbose && i < n; i++)
		print_roll(keys ? sp_keyed_state(keys, i) : one);
}


/* A series read back from a state: its spacing and last time are its roll's. */
static void
sync_series(series *s)
{
	double step = sp_fcroll_step(s->roll);

	s->last_t = sp_fcroll_last(s->roll);
	s->step = step > 0 ? step : NAN;
}

/* --state: the rolls of an earlier run (one, or every key's); a missing
 * file is a cold start, one that cannot be used a warning and a cold start
 * (a new series, or a new map). */
static void
resume(const options *o, series *proto, series **one, sp_keyed **keys)
{
	sp_error err;
	int rc = sp_fcroll_resume(o->state, "arfit", *keys ? NULL : (*one)->roll, *keys, roll_of, &err);
	size_t i;

	if (rc < 0) {
		sp_warn("warning: state %s: recomputing from the input", err.msg);
		if (*keys) {
			sp_keyed_free(*keys);
			if (!(*keys = sp_keyed_new(series_new, series_free, proto)))
				sp_die("out of memory");
		} else {
			series_free(NULL, *one);
			if (!(*one = series_new(proto, NULL, 0, &err)))
				sp_die_err(&err);
		}
		return;
	}
	for (i = 0; i < (*keys ? sp_keyed_count(*keys) : 1); i++)
		sync_series(*keys ? sp_keyed_state(*keys, i) : *one);
}


int
main(int argc, char **argv)
{
	options o;
	input in = { .bycol = -1 };
	sp_ar_model *loaded = NULL;
	series proto = { 0 }, *one;
	sp_keyed *keys = NULL;
	sp_csv_writer *w;
	const char *path;
	sp_error err;
	FILE *fp;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.load && !(loaded = sp_ar_load(o.load, &err)))
		sp_die_err(&err);
	proto = (series){ .o = &o, .loaded = loaded };
	if (!(one = series_new(&proto, NULL, 0, &err)))   /* checks the spec */
		sp_die_err(&err);
	if (o.state) {   /* before the work: a state it could not keep or write */
		sp_die_if(sp_fcroll_state_ok(one->roll, &err), &err);
		sp_die_if(sp_file_check_writable(o.state, &err), &err);
	}
	fp = sp_cli_open_input(o.input, &path);
	if (!(in.r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP | (o.by ? SP_CSV_ANY_ORDER : 0), &err)))
		sp_die_err(&err);
	pick_columns(&o, &in);
	if (o.by && !(keys = sp_keyed_new(series_new, series_free, &proto)))
		sp_die("out of memory");
	if (o.state)
		resume(&o, &proto, &one, &keys);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_csv_writer_precision(w, o.precision);

	if (o.rolling)
		run_rolling(&o, &in, w, one, keys);
	else
		run_once(&o, &in, w, one, keys);

	/* a write error (e.g. /dev/full) is reported once, by the checked close */
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_cli_close_stdout();
	if (o.state)
		sp_die_if(sp_fcroll_save_state(o.state, "arfit", one->roll, keys, roll_of, &o.forget, &err), &err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(in.r);
	if (fp != stdin)
		fclose(fp);
	sp_keyed_free(keys);
	series_free(NULL, one);
	sp_ar_model_free(loaded);
	return 0;
}
