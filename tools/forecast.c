/* forecast: apply a saved forecasting model to a series, rolling and causally. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_lstm.h"

static const char synopsis[] = "forecast -m MODEL [-c NAME] [--horizon N] [--long] [FILE]";

static int horizon;   /* one-horizon: the horizon; --long: the last horizon (0: model's) */
static int longfmt;   /* --long: multi-horizon rows */

static _Noreturn void
usage(void)
{
	printf("usage: %s\n\n"
	    "Apply a model saved by lstmtrain (LSTM/GRU) to a series, one origin per row,\n"
	    "using only rows up to the origin.  Writes forecast, lower and upper columns.\n\n"
	    "  -m, --model MODEL  model file (required)\n"
	    "  -c, --column NAME  series column [the model's column]\n"
	    "      --horizon N    one-horizon: steps ahead [1]; --long: horizons 1..N [the model's]\n"
	    "      --long         multi-horizon rows: origin,timestamp,horizon,...\n"
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
	enum { OPT_HORIZON = 256, OPT_LONG, OPT_VERSION };
	static const struct option lo[] = {
		{ "column", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ "horizon", required_argument, 0, OPT_HORIZON },
		{ "long", no_argument, 0, OPT_LONG },
		{ "model", required_argument, 0, 'm' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	const char *column = NULL, *mpath = NULL, *path = "-";
	char kind[64];
	int c, col, rc, W, H;
	FILE *fp = stdin;
	/* static: still reachable when sp_die exits from inside the loop */
	static sp_csv_reader *r;
	static sp_csv_writer *w;
	static sp_lstm *m;
	static sp_lstm_pred *pr;
	static double *tw, *yw, *lo_, *plo;
	static long *pvalid;
	sp_error err = { 0 };
	double *mid, *hi, *pmid, *phi, tprev = NAN;
	long row = 0, have = 0;

	sp_cli_init(argv[0], synopsis);
	while ((c = getopt_long(argc, argv, "c:hm:", lo, NULL)) != -1)
		switch (c) {
		case 'c': column = optarg; break;
		case 'h': usage();
		case 'm': mpath = optarg; break;
		case OPT_HORIZON: horizon = (int)sp_cli_long("--horizon", optarg, 1, 1000); break;
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
	if (strcmp(kind, "lstm") != 0)
		sp_die("%s: model kind '%s' is not supported (forecast applies lstm models)", mpath, kind);
	if (!(m = sp_lstm_load(mpath, &err)))
		sp_die_err(&err);
	W = m->window;
	if (horizon > m->horizon)
		sp_die_usage("--horizon %d: the model forecasts horizons 1..%d", horizon, m->horizon);
	H = horizon ? horizon : (longfmt ? m->horizon : 1);

	if (argc == 1 && strcmp(argv[0], "-") != 0) {
		path = argv[0];
		if (!(fp = fopen(path, "r")))
			sp_die("%s:", path);
	}
	r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err);
	if (!r)
		sp_die_err(&err);
	if (column)
		col = sp_csv_pick_col(r, column, &err);
	else if ((col = sp_csv_col_index(r, m->column)) < 0)
		sp_die("%s was trained on column '%s' (features %s) and the input has no such column; "
		    "pick one with -c", mpath, m->column, m->calendar ? "value,hour,dow" : "value");
	if (col < 0)
		sp_die_err(&err);
	if (col == 0)
		sp_die_usage("-c: the timestamp column is not a series");

	sp_nn_threads(1);   /* one window at a time: GEMV, no gain from BLAS threads */
	pr = sp_lstm_pred_new(m, &err);
	tw = malloc((size_t)W * sizeof *tw), yw = malloc((size_t)W * sizeof *yw);
	lo_ = malloc((size_t)m->horizon * 3 * sizeof *lo_);
	/* one-horizon: predictions of the last H+1 origins, by origin row mod (H+1) */
	plo = malloc((size_t)(H + 1) * 3 * sizeof *plo), pvalid = calloc((size_t)H + 1, sizeof *pvalid);
	if (!pr || !tw || !yw || !lo_ || !plo || !pvalid)
		sp_die("out of memory");
	mid = lo_ + m->horizon, hi = mid + m->horizon;
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
		if (row > 0 && fabs(t - tprev - m->step) > 1e-6 * m->step)
			sp_die("row %ld: spacing %g s differs from the model's step %g s (%s); resample "
			    "with window first", row + 1, t - tprev, m->step, mpath);
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
		/* slide the window; `have` counts consecutive finite values */
		memmove(tw, tw + 1, (size_t)(W - 1) * sizeof *tw);
		memmove(yw, yw + 1, (size_t)(W - 1) * sizeof *yw);
		tw[W - 1] = t, yw[W - 1] = y;
		have = isfinite(y) ? have + 1 : 0;
		ok = have >= W;
		if (ok) {
			sp_lstm_predict(pr, tw, yw, lo_, mid, hi);
			if (longfmt)
				for (int h = 1; h <= H; h++) {
					sp_csv_write_time(w, t);
					sp_csv_write_time(w, t + h * m->step);
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
	sp_lstm_pred_free(pr);
	sp_lstm_free(m);
	free(tw), free(yw), free(lo_), free(plo), free(pvalid);
	return 0;
}
