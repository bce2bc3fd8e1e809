/* burstdetect: label each step normal, spike or burst from the rolling
 * multi-horizon forecast band (BAScaler §3), and give the demand to plan
 * for: the forecast, or in a burst the AR(2) + bootstrap overestimate with
 * the band floor (§4, off-by-one fixed as §10 #8 says).  Input: the long
 * format of arfit --rolling.  See sp_burst.h and sp_arburst.h. */
#include <getopt.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_arburst.h"
#include "sp_burst.h"
#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_model.h"
#include "sp_time.h"

static const char synopsis[] =
    "burstdetect [-c NAME] [--train N | --theta-acc X | --load FILE] [--save FILE] [--same-step] "
    "[--normal-demand forecast|upper|lower] [options] [FILE]";

static const char *const demands[] = { "forecast", "upper", "lower", NULL };

static sp_burst_opts bo;           /* detector options */
static sp_arburst_opts ao;         /* burst overestimator options */
static const char *column;         /* load column */
static const char *load_path, *save_path; /* thresholds model files */
static int same_step;              /* label step t with data up to t (the reference's alignment) */
static int normal_demand;          /* 0 forecast, 1 upper, 2 lower */
static int lead = 1;               /* normal demand: max over horizons 1..lead */
static double spike_ratio = 0.5;   /* relative move the band anticipates for a spike */
/* file scope, so that they stay reachable when a data error exits */
static sp_csv_reader *r;
static sp_csv_writer *w;
static sp_burst *b;
static size_t *dlen;               /* the origin row's data fields: lengths */
static char *dbuf;                 /* ... and bytes */
static double *L, *M, *U;          /* the origin's band, horizons 1..H */
static double level = 0.98;        /* central band level: quantiles (1 -+ level) / 2 */
static double nquant = 0.5;        /* --normal-demand forecast: this quantile of the band */

_Noreturn static void
usage(void)
{
	printf("usage: %s\n\n"
	    "Label steps normal, spike or burst from the rolling forecast band of\n"
	    "arfit --rolling (long format) and append state and demand: the forecast,\n"
	    "or in a burst the AR(2) + bootstrap overestimate floored by the band.\n\n"
	    "  -c, --column NAME        observed load column [first data column]\n"
	    "      --train N            learn theta_acc on the first N origins\n"
	    "      --theta-acc X        accuracy threshold instead of learning it\n"
	    "      --load FILE          thresholds saved by --save\n"
	    "      --save FILE          write the thresholds (scalepipe-model burst)\n"
	    "      --level P            central level of the band (quantiles (1-P)/2, (1+P)/2) [%g]\n"
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
	    "  -h, --help               this help\n"
	    "      --version            print the version\n",
	    synopsis, level, bo.theta_score, bo.min_out, bo.near, nquant, lead, spike_ratio, ao.max_window,
	    ao.min_window, ao.quantile, ao.bootstrap, ao.seed);
	exit(0);
}

static void
die_if(int rc, const sp_error *err)
{
	if (rc < 0)
		sp_die_err(err);
}

/* ---- ring of per-step values: W and the horizon-1 lower bound ---- */
#define RING 4096
static double wv[RING], l1[RING];  /* W_j; lower of the h1 band for j (NaN unknown) */

/* ---- the row being built ---- */
typedef struct {
	double target;
	double f, l, u;     /* h1 band of the target */
	const char *state;
	double demand;
} decision;

static sp_arburst *ar;
static long ar_fed = -1;           /* last step index fed to the AR */
static long last_burst = -1;       /* last provisioned burst step */

/* Demand in a burst for step p (history up to p - 1); band (lo, up) of p. */
static double
burst_demand(long p, double lo, double up, sp_error *err)
{
	double est = NAN;
	long j;

	if (!ar) {
		long from = last_burst + 1, n;
		double *h;
		if (p - from < (long)ao.min_window)
			from = 0;
		if (p - from > (long)ao.max_window)
			from = p - (long)ao.max_window;
		if (p - from > RING)
			from = p - RING;
		n = p - from;
		if (n >= 3 && (h = malloc((size_t)n * sizeof *h))) {
			for (j = 0; j < n; j++)
				h[j] = wv[(from + j) % RING];
			ar = sp_arburst_begin(h, (size_t)n, &ao, err);
			free(h);
			if (!ar && err->code != SP_EDATA)
				sp_die_err(err);
		}
		ar_fed = p - 1;
	} else {
		for (j = ar_fed + 1; j < p; j++)
			die_if(sp_arburst_observe(ar, wv[j % RING], err), err);
		ar_fed = p - 1;
	}
	if (ar)
		die_if(sp_arburst_next(ar, &est, NULL, err), err);
	/* the band floor, with the horizon-1 band of the step provisioned and
	 * the check window p-4 .. p-1 (§10 #8) */
	{
		double mind = INFINITY;
		int nd = 0;
		for (j = p - 4; j < p; j++) {
			if (j < 0 || isnan(l1[j % RING]))
				continue;
			nd++;
			if (wv[j % RING] - l1[j % RING] < mind)
				mind = wv[j % RING] - l1[j % RING];
		}
		if (isnan(est))
			est = up;          /* no AR possible (too little history): the band */
		else if (nd > 0 && mind < 0 && est < lo)
			est = lo;
		else if ((nd == 0 || mind > 0) && est < up)
			est = up;
	}
	last_burst = p;
	return est;
}

/* Quantile p of a band (l, m, u) with levels q_lo, q_hi: m + (u - m) z_p / z_hi
 * above the median, the mirror below (a Gaussian band). */
static double
band_quantile(double p, double l, double m, double u)
{
	double z = gsl_cdf_ugaussian_Pinv(p);

	if (p == 0.5)
		return m;
	if (p > 0.5)
		return m + (u - m) * z / gsl_cdf_ugaussian_Pinv(bo.q_hi);
	return m + (l - m) * z / gsl_cdf_ugaussian_Pinv(bo.q_lo);
}

static void
end_burst(void)
{
	sp_arburst_free(ar);
	ar = NULL;
}

static void
write_row(sp_csv_writer *out, const decision *d, const char *data, const size_t *len, size_t ndata)
{
	size_t i;
	const char *s = data;

	sp_csv_write_time(out, d->target);
	for (i = 0; i < ndata; i++) {
		if (data)
			sp_csv_write_field(out, s, len[i]);
		else
			sp_csv_write_str(out, "");
		s += len[i];
	}
	sp_csv_write_double(out, d->f);
	sp_csv_write_double(out, d->l);
	sp_csv_write_double(out, d->u);
	sp_csv_write_str(out, d->state);
	sp_csv_write_double(out, d->demand);
	sp_csv_end_row(out);
}

static void
load_model(const char *path)
{
	sp_error err;
	sp_model *m = sp_model_load(path, "burst", 1, NULL, &err);
	const char *cmd;
	long v;

	if (!m)
		sp_die_err(&err);
	if ((sp_model_has(m, "command") && sp_model_get_line(m, "command", &cmd, &err) < 0) ||
	    sp_model_get_double(m, "theta_acc", &bo.theta_acc, &err) < 0 ||
	    sp_model_get_double(m, "theta_score", &bo.theta_score, &err) < 0 ||
	    sp_model_get_long(m, "min_outliers", 0, 1000, &v, &err) < 0 ||
	    (bo.min_out = (int)v, sp_model_get_long(m, "near", 1, 1000, &v, &err)) < 0 ||
	    (bo.near = (int)v, sp_model_get_double(m, "q_lo", &bo.q_lo, &err)) < 0 ||
	    sp_model_get_double(m, "q_hi", &bo.q_hi, &err) < 0 ||
	    sp_model_get_long(m, "horizons", 1, 10000, &v, &err) < 0 ||
	    (bo.H = (int)v, 0) || sp_model_finish(m, &err) < 0) {
		sp_model_free(m);
		sp_die_err(&err);
	}
	sp_model_free(m);
}

static void
save_model(const char *path, const sp_burst *det, int argc, char **argv)
{
	sp_error err;
	sp_model_writer *mw;
	double th = sp_burst_theta_acc(det);

	if (!isfinite(th))
		sp_die("--save: no theta_acc learnt (the training span of --train was not complete, "
		    "or held no non-zero load)");
	if (!(mw = sp_model_create(path, "burst", 1, &err)))
		sp_die_err(&err);
	sp_model_put_line(mw, "command", sp_cli_cmdline(argc, argv));
	sp_model_put_double(mw, "theta_acc", th);
	sp_model_put_double(mw, "theta_score", bo.theta_score);
	sp_model_put_long(mw, "min_outliers", bo.min_out);
	sp_model_put_long(mw, "near", bo.near);
	sp_model_put_double(mw, "q_lo", bo.q_lo);
	sp_model_put_double(mw, "q_hi", bo.q_hi);
	sp_model_put_long(mw, "horizons", bo.H);
	if (sp_model_commit(mw, &err) < 0)
		sp_die_err(&err);
}

int
main(int argc, char **argv)
{
	enum {
		OPT_TRAIN = 256, OPT_THETA, OPT_LOAD, OPT_SAVE, OPT_LEVEL, OPT_QUANT, OPT_SCORE, OPT_MINOUT,
		OPT_NEAR, OPT_SAME, OPT_NORMAL, OPT_QUANTILE, OPT_LEAD, OPT_SPIKE, OPT_ARWIN, OPT_ARMIN, OPT_ARQ,
		OPT_BOOT, OPT_SEED, OPT_VERSION
	};
	static const struct option lo[] = {
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
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	sp_error err;
	FILE *in = stdin;
	const char *fname = "-";
	int ch, rc, hcol, fcol, lcol, ucol, loadc, H = 0, h = 0, first = 1, quant_given = 0, have_pending = 0;
	int level_given = 0, H_opt_set = 0;
	size_t ndata, i, dcap = 0, dsize = 0;
	double origin = NAN, q[2];
	double prevL1 = NAN, prevM1 = NAN, prevU1 = NAN, target1 = NAN;
	decision pending;
	long t = -1;
	int oargc = argc;
	char **oargv = argv;

	sp_burst_defaults(&bo);
	sp_arburst_defaults(&ao);
	sp_cli_init(argv[0], synopsis);
	while ((ch = getopt_long(argc, argv, "c:h", lo, NULL)) != -1)
		switch (ch) {
		case 'c': column = optarg; break;
		case OPT_TRAIN: bo.train = sp_cli_long("--train", optarg, 1, 1000000000); break;
		case OPT_THETA: bo.theta_acc = sp_cli_double("--theta-acc", optarg, 0, 1e300); break;
		case OPT_LOAD: load_path = optarg; break;
		case OPT_SAVE: save_path = optarg; break;
		case OPT_LEVEL: level = sp_cli_double("--level", optarg, 1e-9, 1 - 1e-9); level_given = 1; break;
		case OPT_QUANT:
			if (sp_cli_doubles("--quantiles", optarg, q, 2, 0, 1) != 2 || !(q[0] < q[1]))
				sp_die_usage("--quantiles: want LO,HI with LO < HI");
			bo.q_lo = q[0];
			bo.q_hi = q[1];
			quant_given = 1;
			break;
		case OPT_SCORE: bo.theta_score = sp_cli_double("--score-threshold", optarg, 0, 1e300); break;
		case OPT_MINOUT: bo.min_out = (int)sp_cli_long("--min-outliers", optarg, 0, 1000); break;
		case OPT_NEAR: bo.near = (int)sp_cli_long("--near", optarg, 1, 1000); break;
		case OPT_SAME: same_step = 1; break;
		case OPT_NORMAL: normal_demand = sp_cli_choice("--normal-demand", optarg, demands); break;
		case OPT_QUANTILE: nquant = sp_cli_double("--quantile", optarg, 1e-6, 1 - 1e-6); break;
		case OPT_LEAD: lead = (int)sp_cli_long("--lead", optarg, 1, 10000); break;
		case OPT_SPIKE: spike_ratio = sp_cli_double("--spike-ratio", optarg, 0, 1e300); break;
		case OPT_ARWIN: ao.max_window = (size_t)sp_cli_long("--ar-window", optarg, 3, RING); break;
		case OPT_ARMIN: ao.min_window = (size_t)sp_cli_long("--ar-min", optarg, 3, RING); break;
		case OPT_ARQ: ao.quantile = sp_cli_double("--ar-quantile", optarg, 0, 1); break;
		case OPT_BOOT: ao.bootstrap = (int)sp_cli_long("--bootstrap", optarg, 0, 100000); break;
		case OPT_SEED: ao.seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 2147483647); break;
		case 'h': usage();
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (quant_given && level_given)
		sp_die_usage("--level and --quantiles exclude each other");
	if (level_given) {
		bo.q_lo = (1 - level) / 2;
		bo.q_hi = (1 + level) / 2;
	}
	if (load_path && (bo.train > 0 || !isnan(bo.theta_acc)))
		sp_die_usage("--load excludes --train and --theta-acc");
	if (save_path && bo.train == 0)
		sp_die_usage("--save needs --train");
	if (load_path) {
		load_model(load_path);
		H_opt_set = 1;
	}
	in = sp_cli_open_input(argc == 1 ? argv[0] : NULL, &fname);
	if (!(r = sp_csv_reader_new(in, fname, 0, &err)))
		sp_die_err(&err);
	if (strcmp(sp_csv_colname(r, 0), "origin") != 0 || sp_csv_ncols(r) < 3 ||
	    strcmp(sp_csv_colname(r, 1), "timestamp") != 0 || strcmp(sp_csv_colname(r, 2), "horizon") != 0)
		sp_die("forecast columns missing: the input must be the long format "
		    "origin,timestamp,horizon,...,forecast,lower,upper (arfit --rolling)");
	hcol = 2;
	fcol = sp_csv_col_index(r, "forecast");
	lcol = sp_csv_col_index(r, "lower");
	ucol = sp_csv_col_index(r, "upper");
	if (fcol < 0 || lcol < 0 || ucol < 0)
		sp_die("forecast columns missing: need forecast, lower and upper");
	ndata = (size_t)fcol - 3;
	if (column)
		die_if(loadc = sp_csv_pick_col(r, column, &err), &err);
	else if (ndata > 0)
		loadc = 3;
	else
		sp_die("no data column between horizon and forecast (the observed load)");
	if (!(dlen = malloc((ndata ? ndata : 1) * sizeof *dlen)))
		sp_die("out of memory");
	for (i = 0; i < RING; i++)
		l1[i] = NAN;

	w = sp_csv_writer_new(stdout);
	sp_csv_write_str(w, "timestamp");
	sp_csv_write_header_fields(w, r, 3, fcol);
	sp_csv_write_str(w, "forecast");
	sp_csv_write_str(w, "lower");
	sp_csv_write_str(w, "upper");
	sp_csv_write_str(w, "state");
	sp_csv_write_str(w, "demand");
	sp_csv_end_row(w);
	memset(&pending, 0, sizeof pending);

	/* process one complete origin group: observe, label, write, forecast */
#define GROUP_END() do { \
	double W_; int lab_, out_; long p_; double lo_, up_, md_, dem_; const char *st_; \
	if (h != H) die_if(sp_csv_error(r, hcol, &err, SP_EDATA, "horizon gap: origin %.17g has horizons 1..%d, the first had 1..%d", origin, h, H), &err); \
	W_ = wv[t % RING]; \
	die_if(sp_burst_observe(b, W_, &lab_, &out_, &err), &err); \
	if (same_step) { p_ = t; lo_ = prevL1; up_ = prevU1; md_ = prevM1; } \
	else { p_ = t + 1; lo_ = L[0]; up_ = U[0]; md_ = M[0]; } \
	if (lab_) { st_ = "burst"; dem_ = isnan(up_) ? NAN : burst_demand(p_, lo_, up_, &err); } \
	else { \
		int k_; const double *Q_ = normal_demand == 1 ? (same_step ? NULL : U) : normal_demand == 2 ? (same_step ? NULL : L) : (same_step ? NULL : M); \
		if (ar) end_burst(); \
		dem_ = normal_demand == 1 ? up_ : normal_demand == 2 ? lo_ : isnan(md_) ? NAN : band_quantile(nquant, lo_, md_, up_); \
		if (Q_) for (k_ = 1; k_ < lead && k_ < H; k_++) { \
			double v_ = normal_demand ? Q_[k_] : band_quantile(nquant, L[k_], M[k_], U[k_]); \
			if (v_ > dem_) dem_ = v_; } \
		st_ = !out_ && p_ >= 1 && isfinite(md_) && fabs(md_ - wv[(p_ - 1) % RING]) > spike_ratio * fmax(fabs(wv[(p_ - 1) % RING]), 1e-9) ? "spike" : "normal"; \
	} \
	if (same_step) { \
		decision d_ = { origin, prevM1, prevL1, prevU1, st_, dem_ }; \
		write_row(w, &d_, dbuf, dlen, ndata); \
	} else { \
		if (have_pending) write_row(w, &pending, dbuf, dlen, ndata); \
		pending = (decision){ target1, M[0], L[0], U[0], st_, dem_ }; \
		have_pending = 1; \
	} \
	die_if(sp_burst_forecast(b, L, M, U, &err), &err); \
	l1[(t + 1) % RING] = L[0]; \
	prevL1 = L[0]; prevM1 = M[0]; prevU1 = U[0]; \
} while (0)

	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		double o_t, hv, tt;
		size_t len;
		const char *f0 = sp_csv_field(r, 0, &len);

		if (sp_time_parse(f0, len, &o_t) < 0)
			die_if(sp_csv_error(r, 0, &err, SP_EDATA, "not a timestamp: '%.*s'", (int)len, f0), &err);
		f0 = sp_csv_field(r, 1, &len);
		if (sp_time_parse(f0, len, &tt) < 0)
			die_if(sp_csv_error(r, 1, &err, SP_EDATA, "not a timestamp: '%.*s'", (int)len, f0), &err);
		die_if(sp_csv_get_double_req(r, (size_t)hcol, &hv, &err), &err);
		if (first || o_t != origin) {
			double wt;
			if (!first) {
				if (!(o_t > origin))
					die_if(sp_csv_error(r, 0, &err, SP_EDATA, "origins out of order"), &err);
				if (H == 0) {
					H = h;
					if (H_opt_set && H != bo.H)
						sp_die("%s: the thresholds are for %d horizons, the input has %d", load_path, bo.H, H);
					bo.H = H;
					if (!(b = sp_burst_new(&bo, &err)))
						sp_die_err(&err);
				}
				GROUP_END();
			}
			if (hv != 1)
				die_if(sp_csv_error(r, hcol, &err, SP_EDATA, "horizon gap: a new origin starts at horizon %g, not 1", hv), &err);
			first = 0;
			origin = o_t;
			target1 = tt;
			h = 0;
			t++;
			die_if(sp_csv_get_double(r, (size_t)loadc, &wt, &err), &err);
			if (isnan(wt))
				die_if(sp_csv_error(r, loadc, &err, SP_EDATA, "missing load at an origin"), &err);
			wv[t % RING] = wt;
			/* keep the data fields of the origin row */
			dsize = 0;
			for (i = 0; i < ndata; i++) {
				const char *s = sp_csv_field(r, 3 + i, &len);
				if (dsize + len + 1 > dcap) {
					dcap = (dsize + len + 1) * 2;
					if (!(dbuf = realloc(dbuf, dcap)))
						sp_die("out of memory");
				}
				memcpy(dbuf + dsize, s, len);
				dsize += len;
				dlen[i] = len;
			}
		}
		if (hv != h + 1)
			die_if(sp_csv_error(r, hcol, &err, SP_EDATA, "horizon gap: %g after %d", hv, h), &err);
		h++;
		if (H > 0 && h > H)
			die_if(sp_csv_error(r, hcol, &err, SP_EDATA, "horizon gap: %d horizons, the first origin had %d", h, H), &err);
		if (h > 10000)
			die_if(sp_csv_error(r, hcol, &err, SP_EDATA, "more than 10000 horizons"), &err);
		if ((size_t)h > (size_t)(H ? H : 0) && H == 0) {
			L = realloc(L, (size_t)h * sizeof *L);
			M = realloc(M, (size_t)h * sizeof *M);
			U = realloc(U, (size_t)h * sizeof *U);
			if (!L || !M || !U)
				sp_die("out of memory");
		}
		die_if(sp_csv_get_double_req(r, (size_t)lcol, &L[h - 1], &err), &err);
		die_if(sp_csv_get_double_req(r, (size_t)fcol, &M[h - 1], &err), &err);
		die_if(sp_csv_get_double_req(r, (size_t)ucol, &U[h - 1], &err), &err);
		if (!(L[h - 1] <= U[h - 1]))
			die_if(sp_csv_error(r, lcol, &err, SP_EDATA, "lower %g above upper %g", L[h - 1], U[h - 1]), &err);
	}
	die_if(rc, &err);
	if (!first) {
		if (H == 0) {
			H = h;
			if (H_opt_set && H != bo.H)
				sp_die("%s: the thresholds are for %d horizons, the input has %d", load_path, bo.H, H);
			bo.H = H;
			if (!(b = sp_burst_new(&bo, &err)))
				sp_die_err(&err);
		}
		GROUP_END();
		if (!same_step && have_pending)
			write_row(w, &pending, NULL, dlen, ndata);
	}
#undef GROUP_END
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_die_err(&err);
	if (save_path) {
		if (!b)
			sp_die("--save: empty input");
		save_model(save_path, b, oargc, oargv);
	}
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	sp_burst_free(b);
	end_burst();
	free(L);
	free(M);
	free(U);
	free(dbuf);
	free(dlen);
	return 0;
}
