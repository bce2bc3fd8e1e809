/* forecast: apply a saved forecasting model to a series, rolling and causally.
 * The models are behind lib/sp_forecaster, the rows and the online
 * recalibration in lib/sp_fcroll; this file is the CSV front end.  With
 * --by NAME every key has its own forecaster and roll (lib/sp_keyed),
 * opened from the shared model or from the key's own model file. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_fcroll.h"
#include "sp_file.h"
#include "sp_forecaster.h"
#include "sp_keyed.h"
#include "sp_state.h"

static const char synopsis[] = "forecast -m MODEL [-c NAME] [--horizon N] [--long] [--level L] [--adapt LR]\n"
    "                [--by NAME [--models DIR]] [--state FILE [--forget DURATION]] [FILE]";

typedef struct {
	const char *model, *column, *input;   /* -m, -c, the FILE operand (NULL: stdin) */
	const char *by, *models;              /* --by, --models */
	const char *state;                    /* --state FILE */
	sp_state_forget forget;               /* --forget: keys left out of the state */
	sp_forecaster_opts fc;                /* --level */
	sp_fcroll_opts roll;                  /* --horizon, --long, --adapt */
} options;

/* One series: its forecaster and roll, and its key (NULL without --by). */
typedef struct {
	const options *o;
	const sp_csv_reader *r;
	const char *key;
	sp_forecaster *f;
	sp_fcroll *roll;
	double prev;           /* the key's last time */
	int bycol;             /* the prototype's: the key column, or -1 */
	const char *firstcol;  /* the prototype's: the first column that is not the key */
} series;

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
	    "      --by NAME      NAME is the key column: each key is its own series with\n"
	    "                     its own state (rows of keys interleaved, each key's in\n"
	    "                     time order), all with MODEL unless --models has one; a\n"
	    "                     key too short to forecast is skipped with a warning\n"
	    "                     (with --state even when every key is: its rows kept)\n"
	    "      --models DIR   with --by: the model of key K is the file DIR/K when it\n"
	    "                     exists, else MODEL\n"
	    "      --state FILE   start from the state FILE holds (skipping the rows it has\n"
	    "                     seen), and leave the state there at the end (with --by,\n"
	    "                     every key's in one FILE)\n"
	    "      --forget DURATION  with --by: a key whose last row is older than the\n"
	    "                     newest (of every key) minus DURATION (90m, 1d, seconds)\n"
	    "                     is left out of the state, with a warning [never]\n"
	    "  -h, --help         this help\n"
	    "      --version      print the version\n", synopsis);
	exit(0);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_ADAPT = 256, OPT_HORIZON, OPT_LEVEL, OPT_LONG, OPT_VERSION, OPT_BY, OPT_MODELS, OPT_STATE,
		OPT_FORGET };
	static const struct option lo[] = {
		{ "adapt", required_argument, 0, OPT_ADAPT },
		{ "by", required_argument, 0, OPT_BY },
		{ "column", required_argument, 0, 'c' },
		{ "forget", required_argument, 0, OPT_FORGET },
		{ "help", no_argument, 0, 'h' },
		{ "horizon", required_argument, 0, OPT_HORIZON },
		{ "level", required_argument, 0, OPT_LEVEL },
		{ "long", no_argument, 0, OPT_LONG },
		{ "model", required_argument, 0, 'm' },
		{ "models", required_argument, 0, OPT_MODELS },
		{ "state", required_argument, 0, OPT_STATE },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	sp_error err;
	int c;

	while ((c = getopt_long(argc, argv, "c:hm:", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->column = optarg; break;
		case 'h': usage();
		case 'm': o->model = optarg; break;
		case OPT_ADAPT: o->roll.adapt = sp_cli_double("--adapt", optarg, 0, 1); break;
		case OPT_BY: o->by = optarg; break;
		case OPT_HORIZON: o->roll.horizon = (int)sp_cli_long("--horizon", optarg, 1, 1000); break;
		case OPT_LEVEL: o->fc.level = sp_cli_double("--level", optarg, 1e-6, 1 - 1e-6); break;
		case OPT_LONG: o->roll.longfmt = 1; break;
		case OPT_MODELS: o->models = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_FORGET:
			sp_die_if(sp_state_forget_parse(optarg, &o->forget, &err), &err);
			o->forget.forgot = sp_warn_note;
			break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, o->input);
	if (!o->model)
		sp_die_usage("-m MODEL is required");
	if (o->models && !o->by)
		sp_die_usage("--models needs --by");
}

static void
series_free(void *ctx, void *st)
{
	series *s = st;

	sp_fcroll_free(s->roll);
	sp_forecaster_free(s->f);
	free(s);
}

/* A key's model: DIR/KEY when --models DIR has it (a key that is not a
 * plain file name never does), else -m. */
static char *
key_model(const options *o, const char *key, size_t len)
{
	struct stat st;
	char *path;

	if (!o->models || !len || memchr(key, '/', len) || strcmp(key, ".") == 0 || strcmp(key, "..") == 0 ||
	    strlen(key) != len || !(path = malloc(strlen(o->models) + len + 2)))
		return NULL;
	sprintf(path, "%s/%s", o->models, key);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return path;
	free(path);
	return NULL;
}

/* Bind s's roll to the input: -c, or the model's column, or (with --by)
 * the first column that is not the key; the key is never the series. */
static int
bind_columns(const series *proto, series *s, sp_error *err)
{
	const char *col = proto->o->column;
	int cols[SP_FORECASTER_MAXCOLS];

	if (!col && proto->bycol >= 0 && !sp_forecaster_describe(s->f)->column)
		col = proto->firstcol;
	if (sp_fcroll_bind(s->roll, proto->r, col, err) < 0)
		return -1;
	if (proto->bycol >= 0 && sp_forecaster_columns(s->f, proto->r, col, cols, err) >= 0 &&
	    cols[0] == proto->bycol)
		return sp_error_set(err, SP_EUSAGE, "-c: '%s' is the key column (--by)",
		    sp_csv_colname(proto->r, (size_t)cols[0]));
	return 0;
}

/* A series with the options and reader of ctx (the prototype series). */
static void *
series_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const series *proto = ctx;
	const options *o = proto->o;
	char *path = key ? key_model(o, key, len) : NULL;
	series *s = calloc(1, sizeof *s);

	if (!s) {
		free(path);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	*s = (series){ .o = o, .r = proto->r, .key = key, .prev = NAN, .bycol = -1 };
	if (!(s->f = sp_forecaster_open(path ? path : o->model, &o->fc, err)) ||
	    !(s->roll = sp_fcroll_new(s->f, &o->roll, err)) ||
	    (s->r && bind_columns(proto, s, err) < 0)) {
		free(path);
		series_free(NULL, s);
		return NULL;
	}
	free(path);
	return s;
}

static sp_fcroll *
roll_of(void *st)
{
	return ((series *)st)->roll;
}

/* Every row into its series's roll (its key's with --by), its output rows
 * out; then each series must have made a forecast (with --by: a key that
 * made none is skipped with a warning, unless no key made one and there
 * is no --state to keep their rows). */
static void
run(series *one, sp_keyed *keys, sp_csv_reader *r, sp_csv_writer *w)
{
	series *s = one;
	sp_error err;
	double t;
	int rc;

	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (keys) {
			if (!(s = sp_keyed_row(keys, r, (size_t)one->bycol, &err)))
				sp_die_err(&err);
			sp_die_if(sp_csv_get_timestamp(r, &t, &err), &err);
			sp_die_if(sp_keyed_order(r, (size_t)one->bycol, &s->prev, t, 0, &err), &err);
		}
		if ((rc = sp_fcroll_read(s->roll, r, &err)) < 0) {
			if (s->key)
				sp_error_prefix(&err, "key '%s'", s->key);
			sp_die_err(&err);
		}
		if (rc == 0)
			sp_fcroll_write(s->roll, r, w);
	}
	sp_die_if(rc, &err);
	if (keys)
		sp_die_if(sp_fcroll_check_keys(keys, one->o->state != NULL, roll_of, sp_warn_skip, NULL, &err), &err);
	else
		sp_die_if(sp_fcroll_check_made(one->roll, &err), &err);
}

/* --by: the key column, and the series column when neither -c nor the
 * model names one. */
static void
pick_key(series *proto, const char *by)
{
	sp_error err;
	size_t i;

	if ((proto->bycol = sp_csv_pick_col(proto->r, by, &err)) < 0)
		sp_die_err(&err);
	if (proto->bycol == 0)
		sp_die_usage("--by: 'timestamp' is not a key column");
	for (i = 1; i < sp_csv_ncols(proto->r) && (int)i == proto->bycol; i++)
		;
	proto->firstcol = i < sp_csv_ncols(proto->r) ? sp_csv_colname(proto->r, i) : NULL;
}


/* --state: the rolls of an earlier run (one, or every key's); a missing
 * file is a cold start, one that cannot be used a warning and a cold start
 * (a new series, or a new map). */
static void
resume(series **one, sp_keyed **keys)
{
	sp_error err;
	series *proto = *one;

	if (sp_fcroll_resume(proto->o->state, "forecast", *keys ? NULL : proto->roll, *keys, roll_of, &err) >= 0)
		return;
	sp_warn("warning: state %s: recomputing from the input", err.msg);
	if (*keys) {
		sp_keyed_free(*keys);
		if (!(*keys = sp_keyed_new(series_new, series_free, proto)))
			sp_die("out of memory");
		return;
	}
	if (!(*one = series_new(proto, NULL, 0, &err)))
		sp_die_err(&err);
	(*one)->bycol = proto->bycol, (*one)->firstcol = proto->firstcol;
	series_free(NULL, proto);
}


int
main(int argc, char **argv)
{
	options o = { 0 };
	sp_error err = { 0 };
	series *one;
	sp_keyed *keys = NULL;
	sp_csv_reader *r;
	sp_csv_writer *w;
	const char *path;
	FILE *fp;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);

	if (!(one = series_new(&(series){ .o = &o, .bycol = -1 }, NULL, 0, &err)))
		sp_die_err(&err);
	if (o.state) {   /* before the work: a state it could not keep or write */
		sp_die_if(sp_fcroll_state_ok(one->roll, &err), &err);
		sp_die_if(sp_file_check_writable(o.state, &err), &err);
	}
	fp = sp_cli_open_input(o.input, &path);
	if (!(r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP | (o.by ? SP_CSV_ANY_ORDER : 0), &err)))
		sp_die_err(&err);
	one->r = r;
	if (o.by) {
		pick_key(one, o.by);
		if (!(keys = sp_keyed_new(series_new, series_free, one)))
			sp_die("out of memory");
	}
	sp_die_if(bind_columns(one, one, &err), &err);
	if (o.state)
		resume(&one, &keys);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");

	sp_fcroll_write_header(one->roll, r, w);
	run(one, keys, r, w);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	if (o.state)
		sp_die_if(sp_fcroll_save_state(o.state, "forecast", one->roll, keys, roll_of, &o.forget, &err), &err);

	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	sp_keyed_free(keys);
	series_free(NULL, one);
	return 0;
}
