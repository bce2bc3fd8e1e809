/* lstmtrain: train an LSTM/GRU quantile forecaster on a series and save it. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_lstm.h"

static const char synopsis[] =
    "lstmtrain -o MODEL [-v] [-c NAME] [--cell lstm|gru] [--layers N] [--hidden N]\n"
    "       [--window N] [--horizon N] [--calendar] [--norm global|window]\n"
    "       [--loss pinball|mse] [--quantiles LIST] [--no-calibrate]\n"
    "       [--epochs N] [--batch N] [--patience N] [--lr X] [--clip X] [--val X]\n"
    "       [--seed N] [--threads N] [--init MODEL] [FILE]";

static const char *const cells[] = { "lstm", "gru", NULL };
static const char *const losses[] = { "pinball", "mse", NULL };
static const char *const norms[] = { "global", "window", NULL };

static int cell, layers = 1, hidden = 32, window = 48, horizon = 12, calendar, loss, norm;
static double q[SP_LSTM_MAXQ] = { 0.01, 0.5, 0.99 };
static int nq = 3, threads = 2;
static sp_lstm_train_opts opt;  /* training options, defaults from sp_lstm_train_defaults */

static _Noreturn void
usage(void)
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
	    "                        epoch beats them on the validation part\n"
	    "  -v, --verbose         progress per epoch to stderr\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n",
	    synopsis, cells[cell], layers, hidden, window, horizon, norms[norm], losses[loss],
	    opt.epochs, opt.batch, opt.patience, opt.lr, opt.clip, opt.val, opt.seed, threads);
	exit(0);
}

static void
progress(void *arg, int epoch, double tl, double vl, int improved)
{
	(void)arg;
	fprintf(stderr, "%s: epoch %d train %.6g val %.6g%s\n", sp_cli_progname(), epoch, tl, vl,
	    improved ? " *" : "");
}

int
main(int argc, char **argv)
{
	enum { OPT_CELL = 256, OPT_LAYERS, OPT_HIDDEN, OPT_WINDOW, OPT_HORIZON, OPT_CALENDAR,
		OPT_LOSS, OPT_NOCAL, OPT_NORM, OPT_QUANTILES, OPT_EPOCHS, OPT_BATCH, OPT_PATIENCE, OPT_LR, OPT_CLIP,
		OPT_VAL, OPT_SEED, OPT_THREADS, OPT_INIT, OPT_VERSION };
	static const struct option lo[] = {
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
		{ "norm", required_argument, 0, OPT_NORM },
		{ "output", required_argument, 0, 'o' },
		{ "patience", required_argument, 0, OPT_PATIENCE },
		{ "quantiles", required_argument, 0, OPT_QUANTILES },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "threads", required_argument, 0, OPT_THREADS },
		{ "val", required_argument, 0, OPT_VAL },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ "window", required_argument, 0, OPT_WINDOW },
		{ 0, 0, 0, 0 }
	};
	const char *column = NULL, *output = NULL, *path = "-", *init = NULL;
	const char *arch = NULL;   /* an architecture option given (refused with --init) */
	int c, col, rc, verbose = 0, qset = 0;
	FILE *fp = stdin;
	/* static: still reachable when sp_die exits */
	static sp_csv_reader *r;
	static sp_lstm *m;
	static double *t, *y;
	const char *cmdline;
	sp_error err = { 0 };
	size_t n = 0, cap = 0;

	sp_lstm_train_defaults(&opt);
	sp_cli_init(argv[0], synopsis);
	cmdline = sp_cli_cmdline(argc, argv);
	while ((c = getopt_long(argc, argv, "c:ho:v", lo, NULL)) != -1)
		switch (c) {
		case 'c': column = optarg; break;
		case 'h': usage();
		case 'o': output = optarg; break;
		case 'v': verbose = 1; break;
		case OPT_BATCH: opt.batch = (int)sp_cli_long("--batch", optarg, 1, 4096); break;
		case OPT_CALENDAR: calendar = 1, arch = "--calendar"; break;
		case OPT_CELL: cell = sp_cli_choice("--cell", optarg, cells), arch = "--cell"; break;
		case OPT_CLIP: opt.clip = sp_cli_double("--clip", optarg, 0, 1e6); break;
		case OPT_EPOCHS: opt.epochs = (int)sp_cli_long("--epochs", optarg, 1, 100000); break;
		case OPT_HIDDEN: hidden = (int)sp_cli_long("--hidden", optarg, 1, 1024), arch = "--hidden"; break;
		case OPT_HORIZON: horizon = (int)sp_cli_long("--horizon", optarg, 1, 1000), arch = "--horizon"; break;
		case OPT_INIT: init = optarg; break;
		case OPT_LAYERS: layers = (int)sp_cli_long("--layers", optarg, 1, 2), arch = "--layers"; break;
		case OPT_LOSS: loss = sp_cli_choice("--loss", optarg, losses), arch = "--loss"; break;
		case OPT_NOCAL: opt.calibrate = 0; break;
		case OPT_NORM: norm = sp_cli_choice("--norm", optarg, norms), arch = "--norm"; break;
		case OPT_LR: opt.lr = sp_cli_double("--lr", optarg, 1e-9, 10); break;
		case OPT_PATIENCE: opt.patience = (int)sp_cli_long("--patience", optarg, 1, 100000); break;
		case OPT_QUANTILES:
			nq = sp_cli_doubles("--quantiles", optarg, q, SP_LSTM_MAXQ, 1e-6, 1 - 1e-6);
			qset = 1, arch = "--quantiles";
			break;
		case OPT_SEED: opt.seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 0x7fffffffL); break;
		case OPT_THREADS: threads = (int)sp_cli_long("--threads", optarg, 1, SP_LSTM_MAXTHREADS); break;
		case OPT_VAL: opt.val = sp_cli_double("--val", optarg, 0, 0.9); break;
		case OPT_WINDOW: window = (int)sp_cli_long("--window", optarg, 1, 10000), arch = "--window"; break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	argc -= optind, argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (!output)
		sp_die_usage("-o MODEL is required");
	for (int k = 1; k < nq; k++)
		if (!(q[k] > q[k - 1]))
			sp_die_usage("--quantiles: not ascending: %g after %g", q[k], q[k - 1]);
	if (loss == 1 && qset)
		sp_die_usage("--quantiles applies to --loss pinball only");
	if (init && arch)
		sp_die_usage("%s: with --init the architecture is the model's (%s)", arch, init);
	if (init && !(m = sp_lstm_load(init, &err)))
		sp_die_err(&err);
	fp = sp_cli_open_input(argc == 1 ? argv[0] : NULL, &path);

	r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err);
	if (!r)
		sp_die_err(&err);
	col = sp_lstm_input_col(m, init, r, column, &err);
	if (col < 0)
		sp_die_err(&err);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			double *t2 = realloc(t, cap * sizeof *t), *y2 = t2 ? realloc(y, cap * sizeof *y) : NULL;
			if (t2)
				t = t2;
			if (!t2 || !y2)
				sp_die("out of memory");
			y = y2;
		}
		if (sp_csv_get_timestamp(r, &t[n], &err) < 0 || sp_csv_get_double(r, (size_t)col, &y[n], &err) < 0)
			sp_die_err(&err);
		n++;
	}
	if (rc < 0)
		sp_die_err(&err);

	if (!m && !(m = sp_lstm_new(cell ? SP_NN_GRU : SP_NN_LSTM, layers, hidden, window, horizon,
	    (calendar ? SP_LSTM_CALENDAR : 0) | (norm ? SP_LSTM_LEVEL : 0),
	    loss == 0 ? nq : 0, q, &err)))
		sp_die_err(&err);
	opt.warm = init != NULL;
	if (strlen(sp_csv_colname(r, (size_t)col)) >= sizeof m->column ||
	    strpbrk(sp_csv_colname(r, (size_t)col), " \t\r\n"))
		sp_die("column name '%s' cannot be stored in a model (spaces or too long)",
		    sp_csv_colname(r, (size_t)col));
	strcpy(m->column, sp_csv_colname(r, (size_t)col));
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);

	sp_nn_threads(1);   /* our threads split the batch; BLAS calls stay single-threaded */
	opt.threads = threads;
	if (verbose) {
		fprintf(stderr, "%s: scalepipe %s, seed %lu: %s\n", sp_cli_progname(), SP_VERSION, opt.seed, cmdline);
		opt.progress = progress;
	}
	if (sp_lstm_train(m, t, y, n, &opt, &err) < 0)
		sp_die_err(&err);
	if (verbose)
		fprintf(stderr, "%s: %ld training and %ld validation windows; restored epoch %d of %d "
		    "(val loss %.6g)\n", sp_cli_progname(), m->ntrain, m->nval, m->best_epoch, m->epochs,
		    m->val_loss);
	if (sp_lstm_save(m, output, cmdline, &err) < 0)
		sp_die_err(&err);
	sp_lstm_free(m);
	free(t), free(y);
	return 0;
}
