/* lstmtrain: train an LSTM/GRU quantile forecaster on a series and save it.
 * The network and its training are in lib/sp_lstm; this file is the CSV
 * front end. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_fc_lstm.h"
#include "sp_lstm.h"
#include "sp_time.h"

static const char synopsis[] =
    "lstmtrain -o MODEL [-qv] [-c NAME] [--cell lstm|gru] [--layers N] [--hidden N]\n"
    "       [--window N] [--horizon N] [--calendar] [--norm global|window]\n"
    "       [--loss pinball|mse] [--quantiles LIST] [--no-calibrate]\n"
    "       [--epochs N] [--batch N] [--patience N] [--lr X] [--clip X] [--val X]\n"
    "       [--seed N] [--threads N] [--init MODEL]\n"
    "       [--base MODEL [--base-input] [--no-shrink] [--no-mix | --alone MODEL]] [FILE]";

static const char *const cells[] = { "lstm", "gru", NULL };
static const char *const losses[] = { "pinball", "mse", NULL };
static const char *const norms[] = { "global", "window", NULL };

typedef struct {
	const char *column, *output, *input, *init;   /* -c, -o, FILE (NULL: stdin), --init */
	const char *base;     /* --base */
	int base_input;       /* --base-input */
	int noshrink;         /* --no-shrink */
	int nomix;            /* --no-mix */
	const char *alone;    /* --alone */
	const char *arch;     /* an architecture option given (refused with --init) */
	const char *cmdline;  /* for the model file */
	int cell, layers, hidden, window, horizon, calendar, loss, norm;
	double q[SP_LSTM_MAXQ];
	int nq, qset, threads, verbose;
	sp_lstm_train_opts train;   /* defaults from sp_lstm_train_defaults */
} options;

/* The progress callback's state: -v lines, or the progress line. */
typedef struct {
	int verbose, epochs;
	double t0;   /* CLOCK_MONOTONIC at the start */
} progress_state;

static _Noreturn void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Train an LSTM or GRU forecaster of horizons 1..N on a series (CSV with a\n"
	    "timestamp column) and save it for forecast(1).  Double precision, OpenBLAS.\n\n"
	    "  -o, --output MODEL    model file to write (required)\n"
	    "  -c, --column NAME     series column [first after timestamp]\n"
	    "      --cell C          lstm or gru [%s]\n"
	    "      --layers N        recurrent layers, 1..2 [%d]\n"
	    "      --hidden N        hidden units [%d]\n"
	    "      --window N        input window in rows [%d]\n"
	    "      --horizon N       forecast horizons 1..N [%d]\n"
	    "      --calendar        add hour-of-day and day-of-week (sin/cos) features\n"
	    "      --norm N          global: z-scores of the training part; window: also\n"
	    "                        relative to each window's mean level [%s]\n"
	    "      --loss L          pinball (quantiles) or mse (point forecast) [%s]\n"
	    "      --quantiles LIST  ascending quantiles for pinball [0.01,0.5,0.99]\n"
	    "      --no-calibrate    keep the outer quantiles as trained (default: widen or\n"
	    "                        narrow them to cover the validation part)\n"
	    "      --epochs N        maximum epochs [%d]\n"
	    "      --batch N         mini-batch size [%d]\n"
	    "      --patience N      early stopping patience in epochs [%d]\n"
	    "      --lr X            Adam step size [%g]\n"
	    "      --clip X          gradient norm limit, 0 = none [%g]\n"
	    "      --val X           validation fraction (the last part in time) [%g]\n"
	    "      --seed N          random seed [%lu]\n"
	    "      --threads N       threads, each mini-batch split between them [%d]\n"
	    "      --init MODEL      continue training MODEL on this series (warm start, e.g.\n"
	    "                        a daily retrain): its architecture, normalisation and\n"
	    "                        step; its weights are epoch 0 and are kept unless an\n"
	    "                        epoch beats them on the validation part (a hybrid\n"
	    "                        keeps its base)\n"
	    "      --base MODEL      a hybrid: train on the rolling residuals y - yhat of\n"
	    "                        the seasonfit model MODEL, yhat at each row the point\n"
	    "                        forecast of its fit in use before that row as\n"
	    "                        forecast(1) applies it (refitted every N rows when\n"
	    "                        saved with --refit N, else the saved fit); forecast(1)\n"
	    "                        adds the base's forecast back\n"
	    "      --base-input      with --base: the LSTM also sees yhat of each row\n"
	    "      --no-shrink       with --base --no-mix: keep the LSTM's residual forecast\n"
	    "                        as trained (default: shrink it towards the base by a\n"
	    "                        factor in [0,1] per horizon, fitted by least absolute\n"
	    "                        error on the validation part; a mix does not shrink)\n"
	    "      --no-mix          with --base: the base's forecast plus the residual\n"
	    "                        one only (default, with a validation part: also train\n"
	    "                        the LSTM alone on the series, same options without\n"
	    "                        --base-input, and mix the two per horizon: w times\n"
	    "                        the alone one plus 1 - w times the hybrid's, w in\n"
	    "                        [0,1] fitted by least absolute error on the\n"
	    "                        validation part, the residual forecast unshrunk;\n"
	    "                        the mix's band calibrated there)\n"
	    "      --alone MODEL     with --base: the LSTM alone of the mix is MODEL (an\n"
	    "                        lstmtrain model of this series with the same\n"
	    "                        architecture and --val, no --base), not trained again\n"
	    "  -q, --quiet           no progress line on stderr (shown by default when\n"
	    "                        stderr is a terminal)\n"
	    "  -v, --verbose         progress per epoch to stderr\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n",
	    synopsis, cells[o->cell], o->layers, o->hidden, o->window, o->horizon, norms[o->norm], losses[o->loss],
	    o->train.epochs, o->train.batch, o->train.patience, o->train.lr, o->train.clip, o->train.val,
	    o->train.seed, o->threads);
	exit(0);
}


static void
progress(void *arg, int epoch, double tl, double vl, int improved)
{
	const progress_state *ps = arg;

	if (ps->verbose)
		fprintf(stderr, "%s: epoch %d train %.6g val %.6g%s\n", sp_cli_progname(), epoch, tl, vl,
		    improved ? " *" : "");
	else if (isnan(vl))
		sp_cli_progress("epoch %d/%d, train loss %.4g, %.0f s", epoch, ps->epochs, tl, sp_time_mono() - ps->t0);
	else
		sp_cli_progress("epoch %d/%d, train loss %.4g, val loss %.4g, %.0f s", epoch, ps->epochs, tl, vl,
		    sp_time_mono() - ps->t0);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_CELL = 256, OPT_LAYERS, OPT_HIDDEN, OPT_WINDOW, OPT_HORIZON, OPT_CALENDAR,
		OPT_LOSS, OPT_NOCAL, OPT_NORM, OPT_QUANTILES, OPT_EPOCHS, OPT_BATCH, OPT_PATIENCE, OPT_LR, OPT_CLIP,
		OPT_VAL, OPT_SEED, OPT_THREADS, OPT_INIT, OPT_BASE, OPT_BASEIN, OPT_NOSHRINK, OPT_NOMIX, OPT_ALONE, OPT_VERSION };
	static const struct option lo[] = {
		{ "alone", required_argument, 0, OPT_ALONE },
		{ "base", required_argument, 0, OPT_BASE },
		{ "base-input", no_argument, 0, OPT_BASEIN },
		{ "batch", required_argument, 0, OPT_BATCH },
		{ "calendar", no_argument, 0, OPT_CALENDAR },
		{ "cell", required_argument, 0, OPT_CELL },
		{ "clip", required_argument, 0, OPT_CLIP },
		{ "column", required_argument, 0, 'c' },
		{ "epochs", required_argument, 0, OPT_EPOCHS },
		{ "help", no_argument, 0, 'h' },
		{ "hidden", required_argument, 0, OPT_HIDDEN },
		{ "horizon", required_argument, 0, OPT_HORIZON },
		{ "init", required_argument, 0, OPT_INIT },
		{ "layers", required_argument, 0, OPT_LAYERS },
		{ "loss", required_argument, 0, OPT_LOSS },
		{ "lr", required_argument, 0, OPT_LR },
		{ "no-calibrate", no_argument, 0, OPT_NOCAL },
		{ "no-mix", no_argument, 0, OPT_NOMIX },
		{ "no-shrink", no_argument, 0, OPT_NOSHRINK },
		{ "norm", required_argument, 0, OPT_NORM },
		{ "output", required_argument, 0, 'o' },
		{ "patience", required_argument, 0, OPT_PATIENCE },
		{ "quantiles", required_argument, 0, OPT_QUANTILES },
		{ "quiet", no_argument, 0, 'q' },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "threads", required_argument, 0, OPT_THREADS },
		{ "val", required_argument, 0, OPT_VAL },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ "window", required_argument, 0, OPT_WINDOW },
		{ 0, 0, 0, 0 }
	};
	sp_lstm_train_opts *t = &o->train;
	int c;

	*o = (options){ .layers = 1, .hidden = 32, .window = 48, .horizon = 12, .q = { 0.01, 0.5, 0.99 },
	    .nq = 3, .threads = 2 };
	sp_lstm_train_defaults(t);
	o->cmdline = sp_cli_cmdline(argc, argv);
	while ((c = getopt_long(argc, argv, "c:ho:qv", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->column = optarg; break;
		case 'h': usage(o);
		case 'o': o->output = optarg; break;
		case 'q': sp_cli_progress_mode(SP_CLI_PROGRESS_OFF); break;
		case 'v': o->verbose = 1; break;
		case OPT_BASE: o->base = optarg; break;
		case OPT_BASEIN: o->base_input = 1, o->arch = "--base-input"; break;
		case OPT_BATCH: t->batch = (int)sp_cli_long("--batch", optarg, 1, 4096); break;
		case OPT_CALENDAR: o->calendar = 1, o->arch = "--calendar"; break;
		case OPT_CELL: o->cell = sp_cli_choice("--cell", optarg, cells), o->arch = "--cell"; break;
		case OPT_CLIP: t->clip = sp_cli_double("--clip", optarg, 0, 1e6); break;
		case OPT_EPOCHS: t->epochs = (int)sp_cli_long("--epochs", optarg, 1, 100000); break;
		case OPT_HIDDEN: o->hidden = (int)sp_cli_long("--hidden", optarg, 1, 1024), o->arch = "--hidden"; break;
		case OPT_HORIZON: o->horizon = (int)sp_cli_long("--horizon", optarg, 1, 1000), o->arch = "--horizon"; break;
		case OPT_INIT: o->init = optarg; break;
		case OPT_LAYERS: o->layers = (int)sp_cli_long("--layers", optarg, 1, 2), o->arch = "--layers"; break;
		case OPT_LOSS: o->loss = sp_cli_choice("--loss", optarg, losses), o->arch = "--loss"; break;
		case OPT_NOCAL: t->calibrate = 0; break;
		case OPT_NOSHRINK: t->shrink = 0, o->noshrink = 1; break;
		case OPT_NOMIX: o->nomix = 1; break;
		case OPT_ALONE: o->alone = optarg; break;
		case OPT_NORM: o->norm = sp_cli_choice("--norm", optarg, norms), o->arch = "--norm"; break;
		case OPT_LR: t->lr = sp_cli_double("--lr", optarg, 1e-9, 10); break;
		case OPT_PATIENCE: t->patience = (int)sp_cli_long("--patience", optarg, 1, 100000); break;
		case OPT_QUANTILES:
			o->nq = sp_cli_doubles("--quantiles", optarg, o->q, SP_LSTM_MAXQ, 1e-6, 1 - 1e-6);
			o->qset = 1, o->arch = "--quantiles";
			break;
		case OPT_SEED: t->seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 0x7fffffffL); break;
		case OPT_THREADS: o->threads = (int)sp_cli_long("--threads", optarg, 1, SP_LSTM_MAXTHREADS); break;
		case OPT_VAL: t->val = sp_cli_double("--val", optarg, 0, 0.9); break;
		case OPT_WINDOW: o->window = (int)sp_cli_long("--window", optarg, 1, 10000), o->arch = "--window"; break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, o->input);
	if (!o->output)
		sp_die_usage("-o MODEL is required");
	for (int k = 1; k < o->nq; k++)
		if (!(o->q[k] > o->q[k - 1]))
			sp_die_usage("--quantiles: not ascending: %g after %g", o->q[k], o->q[k - 1]);
	if (o->loss == 1 && o->qset)
		sp_die_usage("--quantiles applies to --loss pinball only");
	if (o->init && o->base)
		sp_die_usage("--base: with --init the base is the model's (%s)", o->init);
	if (o->base_input && !o->base && !o->init)
		sp_die_usage("--base-input needs --base MODEL");
	if (o->noshrink && !o->base && !o->init)
		sp_die_usage("--no-shrink needs --base MODEL");
	if (o->nomix && !o->base && !o->init)
		sp_die_usage("--no-mix needs --base MODEL");
	if (o->alone && !o->base && !o->init)
		sp_die_usage("--alone needs --base MODEL");
	if (o->alone && o->nomix)
		sp_die_usage("--alone: the LSTM alone of a mix, and --no-mix asks for none");
	if (o->init && o->arch)
		sp_die_usage("%s: with --init the architecture is the model's (%s)", o->arch, o->init);
}

/* Timestamps and values (NaN = missing) of column col, to the end of the input. */
static size_t
read_series(sp_csv_reader *r, int col, double **tp, double **yp)
{
	double *t = NULL, *y = NULL;
	size_t n = 0, cap = 0;
	sp_error err;
	int rc;

	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(t = realloc(t, cap * sizeof *t)) || !(y = realloc(y, cap * sizeof *y)))
				sp_die("out of memory");
		}
		if (sp_csv_get_timestamp(r, &t[n], &err) < 0 || sp_csv_get_double(r, (size_t)col, &y[n], &err) < 0)
			sp_die_err(&err);
		n++;
	}
	sp_die_if(rc, &err);
	*tp = t, *yp = y;
	return n;
}

/* A hybrid (--base, or --init of one): y becomes the residuals of the base,
 * which is recorded for the output; *xb the base's forecasts (malloc'd) for
 * a model with the base input, else NULL; *tg the targets against the fit
 * in use at each origin (NULL for a plain LSTM). */
static void
residuals(const options *o, sp_lstm *m, const double *t, double *y, size_t n, double **xb, sp_fc_lstm_targets **tg)
{
	sp_error err = { 0 };
	char *bp = NULL;

	*xb = NULL, *tg = NULL;
	if (m->exog && !(*xb = malloc((n ? n : 1) * sizeof **xb)))
		sp_die("out of memory");
	if (o->base)
		sp_die_if(sp_fc_lstm_set_base(m, o->base, o->output, &err), &err);
	else if (!m->base[0])
		return;
	else if (!(bp = sp_fc_lstm_base_path(m, o->init)))
		sp_die("out of memory");
	sp_die_if(sp_fc_lstm_residuals_targets(m, o->base ? o->output : o->init, t, y, n, y, *xb, tg, &err), &err);
	if (bp)   /* the base as seen from the output's directory */
		sp_die_if(sp_fc_lstm_set_base(m, bp, o->output, &err), &err);
	if (o->verbose)
		fprintf(stderr, "%s: training on the residuals of %s\n", sp_cli_progname(), bp ? bp : o->base);
	free(bp);
}

/* A hybrid's mix (--base or --init of one, with a validation part, without
 * --no-mix): its LSTM alone (--alone, --init's warm-started, or a new one)
 * trained on y and set in m; a copy of y for the mix's fit (NULL: no mix). */
static double *
alone_part(const options *o, sp_lstm *m, const double *t, const double *y, size_t n)
{
	sp_error err = { 0 };
	sp_lstm_train_opts tr = o->train;
	sp_lstm *a = NULL;
	double *yc;

	if ((!o->base && !m->base[0]) || o->nomix || !(o->train.val > 0)) {
		sp_die_if(sp_lstm_set_alone(m, NULL, &err), &err);
		return NULL;
	}
	if (o->alone && !(a = sp_lstm_load(o->alone, &err)))
		sp_die_err(&err);
	if (a) {
		if (sp_lstm_set_alone(m, a, &err) < 0)
			sp_die("%s: %s", o->alone, err.msg);
	} else {
		tr.warm = m->alone != NULL, tr.exog = NULL, tr.target_adj = NULL, tr.target_arg = NULL;
		if (!m->alone && (!(a = sp_lstm_alone_new(m, &err)) || sp_lstm_set_alone(m, a, &err) < 0))
			sp_die_err(&err);
		if (o->verbose)
			fprintf(stderr, "%s: training the LSTM alone of the mix\n", sp_cli_progname());
		sp_die_if(sp_lstm_train(m->alone, t, y, n, &tr, &err), &err);
		sp_cli_progress_end();
	}
	if (!(yc = malloc((n ? n : 1) * sizeof *yc)))
		sp_die("out of memory");
	memcpy(yc, y, n * sizeof *yc);
	return yc;
}

int
main(int argc, char **argv)
{
	options o;
	progress_state ps = { 0 };
	sp_error err = { 0 };
	sp_csv_reader *r;
	sp_lstm *m = NULL;
	double *t, *y, *xb, *yc;
	sp_fc_lstm_targets *tg;
	const char *path;
	FILE *fp;
	size_t n;
	int col;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.init && !(m = sp_lstm_load(o.init, &err)))
		sp_die_err(&err);
	sp_die_if(sp_lstm_save_check(o.output, &err), &err);   /* before the training, not after */

	fp = sp_cli_open_input(o.input, &path);
	if (!(r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if ((col = sp_lstm_input_col(m, o.init, r, o.column, &err)) < 0)
		sp_die_err(&err);
	n = read_series(r, col, &t, &y);
	if (!m && !(m = sp_lstm_new(o.cell ? SP_NN_GRU : SP_NN_LSTM, o.layers, o.hidden, o.window, o.horizon,
	    (o.calendar ? SP_LSTM_CALENDAR : 0) | (o.norm ? SP_LSTM_LEVEL : 0) | (o.base_input ? SP_LSTM_EXOG : 0),
	    o.loss == 0 ? o.nq : 0, o.q, &err)))
		sp_die_err(&err);
	sp_die_if(sp_lstm_set_column(m, sp_csv_colname(r, (size_t)col), &err), &err);
	o.train.threads = o.threads;
	o.train.progress = progress, o.train.arg = &ps;
	ps.verbose = o.verbose, ps.epochs = o.train.epochs, ps.t0 = sp_time_mono();
	sp_nn_threads(1);   /* our threads split the batch; BLAS calls stay single-threaded */
	if (o.verbose)
		fprintf(stderr, "%s: scalepipe %s, seed %lu: %s\n", sp_cli_progname(), SP_VERSION, o.train.seed,
		    o.cmdline);
	yc = alone_part(&o, m, t, y, n);
	o.train.shrink = o.train.shrink && !yc;   /* a mix's residual forecast is mixed unshrunk */
	residuals(&o, m, t, y, n, &xb, &tg);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);

	o.train.warm = o.init != NULL;
	o.train.exog = xb;
	o.train.target_adj = tg ? sp_fc_lstm_target_adj : NULL, o.train.target_arg = tg;
	sp_die_if(sp_lstm_train(m, t, y, n, &o.train, &err), &err);
	sp_cli_progress_end();
	if (yc)
		sp_die_if(sp_lstm_mix_fit(m, t, yc, y, xb, n, &o.train, &err), &err);
	if (o.verbose)
		fprintf(stderr, "%s: %ld training and %ld validation windows; restored epoch %d of %d "
		    "(val loss %.6g)\n", sp_cli_progname(), m->ntrain, m->nval, m->best_epoch, m->epochs,
		    m->val_loss);
	sp_die_if(sp_lstm_save(m, o.output, o.cmdline, &err), &err);
	sp_lstm_free(m);
	free(t), free(y), free(xb), free(yc);
	sp_fc_lstm_targets_free(tg);
	return 0;
}
