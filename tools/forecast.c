/* forecast: apply a saved forecasting model to a series, rolling and causally. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_ar.h"
#include "sp_calib.h"
#include "sp_lstm.h"

static const char synopsis[] = "forecast -m MODEL [-c NAME] [--horizon N] [--long] [--level L] [--adapt LR] [FILE]";

static int horizon;   /* one-horizon: the horizon; --long: the last horizon (0: model's) */
static int longfmt;   /* --long: multi-horizon rows */
static double level;  /* AR models: central interval level (0: not given) */
static double adapt;  /* --adapt: quantile-tracking step (0: off) */

/* The model behind one origin's forecast: an LSTM/GRU or an AR model. */
typedef struct {
	sp_lstm *lstm;
	sp_lstm_pred *pr;
	sp_ar_model *ar;
	double qlo, qhi;   /* AR interval quantiles */
	int W;             /* history rows per origin */
	int hmax;          /* largest horizon */
	double step;       /* seconds between rows (AR: from the input) */
} model;

static void
predict(model *md, const double *tw, const double *yw, int H, double *lo, double *mid, double *hi)
{
	sp_error err = { 0 };
	if (md->lstm) {
		sp_lstm_predict(md->pr, tw, yw, lo, mid, hi);
		return;
	}
	if (sp_ar_forecast(md->ar, yw, (size_t)md->W, H, mid, &err) < 0 ||
	    sp_ar_interval(md->ar, H, mid, md->qlo, md->qhi, lo, hi, &err) < 0)
		sp_die_err(&err);
}

static _Noreturn void
usage(void)
{
	printf("usage: %s\n\n"
	    "Apply a model saved by lstmtrain (LSTM/GRU) or by arfit (AR) to a series,\n"
	    "one origin per row, using only rows up to the origin.  Writes forecast, lower\n"
	    "and upper columns.\n\n"
	    "  -m, --model MODEL  model file (required)\n"
	    "  -c, --column NAME  series column [the model's column]\n"
	    "      --horizon N    one-horizon: steps ahead [1]; --long: horizons 1..N\n"
	    "                     [the model's; 1 for AR]\n"
	    "      --long         multi-horizon rows: origin,timestamp,horizon,...\n"
	    "      --level L      AR models: central interval level [0.8]\n"
	    "      --adapt LR     move each edge of the band online so that it is missed\n"
	    "                     at its nominal rate (conformal quantile tracking);\n"
	    "                     step LR times the mean absolute error so far, in\n"
	    "                     (0,1] [0: off]\n"
	    "  -h, --help         this help\n"
	    "      --version      print the version\n", synopsis);
	exit(0);
}

/* The kind on a model file's first line ("scalepipe-model <kind> <version>"). */
static void
model_kind(const char *path, char *kind, size_t size)
{
	char line[256], fmt[32];
	FILE *fp = fopen(path, "r");
	if (!fp)
		sp_die("%s:", path);
	snprintf(fmt, sizeof fmt, "scalepipe-model %%%zus", size - 1);
	if (!fgets(line, sizeof line, fp) || sscanf(line, fmt, kind) != 1) {
		fclose(fp);
		sp_die("%s:1: not a scalepipe model file (first line must be 'scalepipe-model <kind> <version>')", path);
	}
	fclose(fp);
}

int
main(int argc, char **argv)
{
	enum { OPT_ADAPT = 256, OPT_HORIZON, OPT_LEVEL, OPT_LONG, OPT_VERSION };
	static const struct option lo[] = {
		{ "adapt", required_argument, 0, OPT_ADAPT },
		{ "column", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ "horizon", required_argument, 0, OPT_HORIZON },
		{ "level", required_argument, 0, OPT_LEVEL },
		{ "long", no_argument, 0, OPT_LONG },
		{ "model", required_argument, 0, 'm' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	const char *column = NULL, *mpath = NULL, *path = "-";
	char kind[64];
	int c, col, rc, W, H, hbuf;
	FILE *fp = stdin;
	/* static: still reachable when sp_die exits from inside the loop */
	static sp_csv_reader *r;
	static sp_csv_writer *w;
	static model md;
	static double *tw, *yw, *lo_, *plo, *pend;
	static long *pvalid;
	static sp_calib *cal;
	sp_error err = { 0 };
	double *mid, *hi, *pmid, *phi, tprev = NAN;
	long row = 0, have = 0;
	int nslot = 0;        /* --adapt: widenings (one per horizon with --long, else 1) */
	double alo = 0, ahi = 0;   /* --adapt: nominal miss rates below and above the band */

	sp_cli_init(argv[0], synopsis);
	while ((c = getopt_long(argc, argv, "c:hm:", lo, NULL)) != -1)
		switch (c) {
		case 'c': column = optarg; break;
		case 'h': usage();
		case 'm': mpath = optarg; break;
		case OPT_ADAPT: adapt = sp_cli_double("--adapt", optarg, 0, 1); break;
		case OPT_HORIZON: horizon = (int)sp_cli_long("--horizon", optarg, 1, 1000); break;
		case OPT_LEVEL: level = sp_cli_double("--level", optarg, 1e-6, 1 - 1e-6); break;
		case OPT_LONG: longfmt = 1; break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	argc -= optind, argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (!mpath)
		sp_die_usage("-m MODEL is required");

	model_kind(mpath, kind, sizeof kind);
	if (strcmp(kind, "lstm") == 0) {
		if (level > 0)
			sp_die_usage("--level applies to AR models (an LSTM's band is its quantiles)");
		if (!(md.lstm = sp_lstm_load(mpath, &err)))
			sp_die_err(&err);
		md.W = md.lstm->window, md.hmax = md.lstm->horizon, md.step = md.lstm->step;
	} else if (strcmp(kind, "ar") == 0) {
		if (!(md.ar = sp_ar_load(mpath, &err)))
			sp_die_err(&err);
		md.W = (int)sp_ar_need(md.ar), md.hmax = 1000;
		if (md.W < 1)
			md.W = 1;
		if (level == 0)
			level = 0.8;
		md.qlo = (1 - level) / 2, md.qhi = 1 - md.qlo;
	} else
		sp_die("%s: model kind '%s' is not supported (forecast applies lstm and ar models)", mpath, kind);
	W = md.W;
	if (horizon > md.hmax)
		sp_die_usage("--horizon %d: the model forecasts horizons 1..%d", horizon, md.hmax);
	H = horizon ? horizon : (longfmt && md.lstm ? md.hmax : 1);
	if (adapt > 0) {
		/* the band's nominal miss rates below and above: the outer quantiles,
		 * +-1.96 RMSE, or --level */
		if (md.ar)
			alo = ahi = (1 - level) / 2;
		else if (md.lstm->nq == 0)
			alo = ahi = 0.025;
		else if (md.lstm->nq >= 2)
			alo = md.lstm->q[0], ahi = 1 - md.lstm->q[md.lstm->nq - 1];
		else
			sp_die_usage("--adapt: %s has a single quantile, no band to recalibrate", mpath);
		nslot = longfmt ? H : 1;
		if (!(cal = sp_calib_new(nslot, alo, ahi, adapt, &err)))
			sp_die_err(&err);
	}

	fp = sp_cli_open_input(argc == 1 ? argv[0] : NULL, &path);
	r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err);
	if (!r)
		sp_die_err(&err);
	col = sp_lstm_input_col(md.lstm, mpath, r, column, &err);
	if (col < 0)
		sp_die_err(&err);
	if (col == 0)
		sp_die_usage("-c: the timestamp column is not a series");

	sp_nn_threads(1);   /* one window at a time: GEMV, no gain from BLAS threads */
	if (md.lstm && !(md.pr = sp_lstm_pred_new(md.lstm, &err)))
		sp_die_err(&err);
	tw = malloc((size_t)W * sizeof *tw), yw = malloc((size_t)W * sizeof *yw);
	hbuf = md.lstm ? md.hmax : H;
	lo_ = malloc((size_t)hbuf * 3 * sizeof *lo_);
	/* one-horizon: predictions of the last H+1 origins, by origin row mod (H+1) */
	plo = malloc((size_t)(H + 1) * 3 * sizeof *plo), pvalid = calloc((size_t)H + 1, sizeof *pvalid);
	/* --adapt: each pending forecast's band as the model gave it and its
	 * widenings, by origin row mod (H+1) and slot: lo, mid, hi, ql, qh */
	if (cal)
		pend = malloc((size_t)(H + 1) * (size_t)nslot * 5 * sizeof *pend);
	if (!tw || !yw || !lo_ || !plo || !pvalid || (cal && !pend))
		sp_die("out of memory");
	mid = lo_ + hbuf, hi = mid + hbuf;
	pmid = plo + H + 1, phi = pmid + H + 1;

	w = sp_csv_writer_new(stdout);
	if (longfmt)
		sp_csv_write_str(w, "origin"), sp_csv_write_str(w, "timestamp"), sp_csv_write_str(w, "horizon");
	else
		sp_csv_write_str(w, "timestamp");
	sp_csv_write_header_fields(w, r, 1, -1);
	sp_csv_write_str(w, "forecast"), sp_csv_write_str(w, "lower"), sp_csv_write_str(w, "upper");
	sp_csv_end_row(w);

	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		double t, y;
		int ok;
		long slot;
		if (sp_csv_get_timestamp(r, &t, &err) < 0 || sp_csv_get_double(r, (size_t)col, &y, &err) < 0)
			sp_die_err(&err);
		if (row == 1 && md.step == 0) {
			if (!(t - tprev > 0))
				sp_die("row 2: timestamp not after the previous row's");
			md.step = t - tprev;   /* AR: the input's spacing */
		}
		if (row > 0 && fabs(t - tprev - md.step) > 1e-6 * md.step)
			sp_die("row %ld: spacing %g s differs from the %s step %g s (%s); resample "
			    "with window first", row + 1, t - tprev, md.lstm ? "model's" : "series'", md.step, mpath);
		tprev = t;
		/* one-horizon: this row's forecast was made at origin row - H */
		if (!longfmt) {
			slot = (row - H) % (H + 1);
			sp_csv_write_time(w, t);
			sp_csv_write_row_fields(w, r, 1, -1);
			if (row >= H && pvalid[slot] == row - H + 1) {
				sp_csv_write_double(w, pmid[slot]);
				sp_csv_write_double(w, plo[slot]);
				sp_csv_write_double(w, phi[slot]);
			} else
				sp_csv_write_str(w, ""), sp_csv_write_str(w, ""), sp_csv_write_str(w, "");
			sp_csv_end_row(w);
		}
		/* --adapt: score the forecasts whose target is this row, before the
		 * forecast from this row (strictly causal) */
		if (cal && isfinite(y))
			for (int j = 0; j < nslot; j++) {
				long o = row - (longfmt ? j + 1 : H);
				double *b;
				if (o < 0 || pvalid[o % (H + 1)] != o + 1)
					continue;
				b = pend + ((size_t)(o % (H + 1)) * (size_t)nslot + (size_t)j) * 5;
				sp_calib_update(cal, j, y, b[0], b[1], b[2], b + 3);
			}
		/* slide the window; `have` counts consecutive finite values */
		memmove(tw, tw + 1, (size_t)(W - 1) * sizeof *tw);
		memmove(yw, yw + 1, (size_t)(W - 1) * sizeof *yw);
		tw[W - 1] = t, yw[W - 1] = y;
		have = isfinite(y) ? have + 1 : 0;
		ok = have >= W && (md.lstm || row > 0);   /* AR: the step needs two rows */
		if (ok) {
			predict(&md, tw, yw, H, lo_, mid, hi);
			if (cal) {
				slot = row % (H + 1);
				for (int j = 0; j < nslot; j++) {
					int h = longfmt ? j : H - 1;
					double *b = pend + ((size_t)slot * (size_t)nslot + (size_t)j) * 5;
					b[0] = lo_[h], b[1] = mid[h], b[2] = hi[h];
					sp_calib_widening(cal, j, lo_[h], mid[h], hi[h], b + 3);
					lo_[h] -= b[3], hi[h] += b[4];
				}
				pvalid[slot] = row + 1;
			}
			if (longfmt)
				for (int h = 1; h <= H; h++) {
					sp_csv_write_time(w, t);
					sp_csv_write_time(w, t + h * md.step);
					sp_csv_write_long(w, h);
					sp_csv_write_row_fields(w, r, 1, -1);
					sp_csv_write_double(w, mid[h - 1]);
					sp_csv_write_double(w, lo_[h - 1]);
					sp_csv_write_double(w, hi[h - 1]);
					sp_csv_end_row(w);
				}
			else {
				slot = row % (H + 1);
				pvalid[slot] = row + 1;
				plo[slot] = lo_[H - 1], pmid[slot] = mid[H - 1], phi[slot] = hi[H - 1];
			}
		}
		row++;
	}
	if (rc < 0)
		sp_die_err(&err);
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_die_err(&err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	sp_lstm_pred_free(md.pr);
	sp_lstm_free(md.lstm);
	sp_ar_model_free(md.ar);
	sp_calib_free(cal);
	free(tw), free(yw), free(lo_), free(plo), free(pvalid), free(pend);
	return 0;
}
