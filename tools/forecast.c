/* forecast: apply a saved forecasting model to a series, rolling and causally.
 * The models are behind lib/sp_forecaster, the rows and the online
 * recalibration in lib/sp_fcroll; this file is the CSV front end. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_fcroll.h"
#include "sp_forecaster.h"

static const char synopsis[] = "forecast -m MODEL [-c NAME] [--horizon N] [--long] [--level L] [--adapt LR] [FILE]";

typedef struct {
	const char *model, *column, *input;   /* -m, -c, the FILE operand (NULL: stdin) */
	sp_forecaster_opts fc;                /* --level */
	sp_fcroll_opts roll;                  /* --horizon, --long, --adapt */
} options;

static _Noreturn void
usage(void)
{
	printf("usage: %s\n\n"
	    "Apply a model saved by lstmtrain (LSTM/GRU), arfit (AR), gbfit (boosted\n"
	    "trees) or seasonfit (trend + seasonality) to a series, one origin per row,\n"
	    "using only rows up to the origin.  Writes forecast, lower and upper columns.\n\n"
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

static void
parse_options(int argc, char **argv, options *o)
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
	int c;

	while ((c = getopt_long(argc, argv, "c:hm:", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->column = optarg; break;
		case 'h': usage();
		case 'm': o->model = optarg; break;
		case OPT_ADAPT: o->roll.adapt = sp_cli_double("--adapt", optarg, 0, 1); break;
		case OPT_HORIZON: o->roll.horizon = (int)sp_cli_long("--horizon", optarg, 1, 1000); break;
		case OPT_LEVEL: o->fc.level = sp_cli_double("--level", optarg, 1e-6, 1 - 1e-6); break;
		case OPT_LONG: o->roll.longfmt = 1; break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, o->input);
	if (!o->model)
		sp_die_usage("-m MODEL is required");
}

int
main(int argc, char **argv)
{
	options o = { 0 };
	sp_error err = { 0 };
	sp_forecaster *f;
	sp_fcroll *roll;
	sp_csv_reader *r;
	sp_csv_writer *w;
	const char *path;
	FILE *fp;
	int rc;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);

	if (!(f = sp_forecaster_open(o.model, &o.fc, &err)) || !(roll = sp_fcroll_new(f, &o.roll, &err)))
		sp_die_err(&err);
	fp = sp_cli_open_input(o.input, &path);
	if (!(r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	sp_die_if(sp_fcroll_bind(roll, r, o.column, &err), &err);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");

	sp_fcroll_write_header(roll, r, w);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		sp_die_if(sp_fcroll_read(roll, r, &err), &err);
		sp_fcroll_write(roll, r, w);
	}
	sp_die_if(rc, &err);
	sp_die_if(sp_fcroll_check_made(roll, &err), &err);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);

	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	sp_fcroll_free(roll);
	sp_forecaster_free(f);
	return 0;
}
