/* window: resample a series to a fixed step, fill gaps, normalise with saved
 * parameters, split train/test by time, and cut lagged windows for training.
 *
 * The stages (sort/order -> duplicates -> resample -> fill -> normalise and
 * split -> lags) are lib/sp_window's push-style engine; this file reads the
 * options and the CSV, pushes each row into the engine and writes the rows
 * it emits.  With --by NAME every key has its own engine (lib/sp_keyed),
 * and the rows carry the key as their second column.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_file.h"
#include "sp_keyed.h"
#include "sp_state.h"
#include "sp_time.h"
#include "sp_window.h"

static const char synopsis[] =
    "window [-a | -c NAMES] [--resample SECONDS [--agg AGG] [--max-gap-rows N]]\n"
    "              [--fill METHOD [--max-gap SECONDS]]\n"
    "              [--normalize METHOD | --load PARAMS [--inverse]] [--save PARAMS]\n"
    "              [--train-rows N | --train-until TIME | --train-fraction F] [--split PART]\n"
    "              [--lags N [--horizon H]] [--sort] [--dupes POLICY] [--by NAME]\n"
    "              [--state FILE [--input-step SECONDS] [--forget DURATION]] [FILE]";

static const char *const norm_names[] = { "zscore", "minmax", "robust", NULL };

typedef struct {
	sp_window_opts w;        /* the engine's options */
	const char *colspec;     /* -c */
	const char *by;          /* --by: the key column */
	const char *state_path;  /* --state: the memory between runs */
	sp_state_forget forget;  /* --forget: keys left out of the state */
	int allcols;             /* -a */
	int precision;
	int nspan;               /* how many of --train-rows, --train-until, --train-fraction */
	int gaprows;             /* --max-gap-rows given */
} options;

/* The input's columns, the current row, and the output. */
typedef struct {
	sp_csv_reader *rd;
	sp_csv_writer *wr;
	const sp_window_opts *wo;
	size_t ncols_in;
	int bycol;               /* the key column (--by), or -1 */
	int *sel;                /* [k] selected input columns, in selection order */
	int *selpos;             /* [ncols_in] position of each input column in sel, or -1 */
	size_t k;
	const char **names;      /* [k] their names */
	int keep_raw;            /* rows carry the other fields (no resampling, no windows) */
	double *x;               /* [k] the current row's values */
	char *raw;               /* the current row's other fields, each NUL-terminated */
	size_t rawcap;
} io_state;

static void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Resample a time series to a fixed step, fill gaps, normalise it with\n"
	    "parameters fitted on a training span (saved and loaded like svm-scale),\n"
	    "split it by time, and cut lagged windows for training.\n\n"
	    "Columns:\n"
	    "  -c, --column NAMES     columns to work on, comma-separated [first after timestamp]\n"
	    "  -a, --all-columns      work on every column after timestamp\n"
	    "Resampling (bins aligned to the Unix epoch, stamped with their start):\n"
	    "      --resample SECONDS step of the output grid [off]\n"
	    "      --agg AGG          mean, sum, min, max, count, first, last, median, quantile [mean]\n"
	    "      --quantile Q       the quantile for --agg quantile [%g]\n"
	    "      --max-gap-rows N   refuse a gap of more than N output rows between two\n"
	    "                         input rows, instead of writing them all [%.0f]\n"
	    "Gaps (missing values, and empty bins when resampling):\n"
	    "      --fill METHOD      none, previous, linear, zero [none]\n"
	    "      --max-gap SECONDS  fill only gaps up to this long [no limit]\n"
	    "Normalisation:\n"
	    "      --normalize METHOD zscore, minmax, robust (BAScaler's IQR-filtered mean/std)\n"
	    "      --to A,B           zscore/robust: target mean A and std B; minmax: range [A, B] [0,1]\n"
	    "      --clip LO,HI       clip normalised values to [LO, HI]\n"
	    "      --save PARAMS      write the fitted parameters (scalepipe-model scaler)\n"
	    "      --load PARAMS      apply saved parameters instead of fitting\n"
	    "      --inverse          with --load: map normalised values back to original units\n"
	    "Training span (for fitting and --split; default: every row):\n"
	    "      --train-rows N     the first N rows (after resampling)\n"
	    "      --train-until TIME rows with timestamp <= TIME (Unix seconds or RFC 3339)\n"
	    "      --train-fraction F the first F of the rows (reads all input first)\n"
	    "      --split PART       output all, train or test rows [all]\n"
	    "Windows for training:\n"
	    "      --lags N           output lag%s..lag0 = the last N values at each origin\n"
	    "      --horizon H        and h1..hH = the next H values [0]\n"
	    "Input order:\n"
	    "      --sort             sort rows by time first (reads all input)\n"
	    "      --dupes POLICY     duplicate timestamps: error, first, last, mean [error]\n"
	    "Many workloads:\n"
	    "      --by NAME          NAME is the key column: every key is its own series\n"
	    "                         (rows of keys interleaved, each key's in time order),\n"
	    "                         with its own state; output rows carry the key second\n"
	    "Between runs:\n"
	    "      --state FILE       start from the state FILE holds (skipping input rows at\n"
	    "                         or before its last row), hold back what a longer input\n"
	    "                         could still change, and leave the state there at the\n"
	    "                         end: runs over consecutive slices of the input write\n"
	    "                         what one run writes (with --by: every key in one file)\n"
	    "      --input-step SECONDS  the input's rows are at least this far apart\n"
	    "                         (promfetch --step; closer rows are an error): a bin\n"
	    "                         that ends by the last row + SECONDS is complete, and a\n"
	    "                         run with --state writes it instead of holding it [0]\n"
	    "      --forget DURATION  with --by: a key whose last row is older than the\n"
	    "                         newest row (of every key) minus DURATION (90m, 1d,\n"
	    "                         seconds) is left out of the state, with a warning\n"
	    "                         [never]\n"
	    "Output:\n"
	    "      --precision N      significant digits of non-integer values [%d]\n"
	    "  -h, --help             this help\n"
	    "      --version          print the version\n",
	    synopsis, o->w.quantile, o->w.max_gap_rows, "{N-1}", o->precision);
	exit(0);
}

static int
parse_options(int argc, char **argv, options *o)
{
	enum {
		O_RESAMPLE = 256, O_AGG, O_QUANTILE, O_FILL, O_MAXGAP, O_NORMALIZE, O_TO, O_CLIP,
		O_SAVE, O_LOAD, O_INVERSE, O_TROWS, O_TUNTIL, O_TFRAC, O_SPLIT, O_LAGS, O_HORIZON,
		O_SORT, O_DUPES, O_PRECISION, O_VERSION, O_MAXGAPROWS, O_BY, O_STATE, O_INSTEP,
		O_FORGET
	};
	static const struct option lo[] = {
		{ "all-columns", no_argument, 0, 'a' },
		{ "column", required_argument, 0, 'c' },
		{ "resample", required_argument, 0, O_RESAMPLE },
		{ "agg", required_argument, 0, O_AGG },
		{ "quantile", required_argument, 0, O_QUANTILE },
		{ "fill", required_argument, 0, O_FILL },
		{ "max-gap", required_argument, 0, O_MAXGAP },
		{ "max-gap-rows", required_argument, 0, O_MAXGAPROWS },
		{ "normalize", required_argument, 0, O_NORMALIZE },
		{ "to", required_argument, 0, O_TO },
		{ "clip", required_argument, 0, O_CLIP },
		{ "save", required_argument, 0, O_SAVE },
		{ "load", required_argument, 0, O_LOAD },
		{ "inverse", no_argument, 0, O_INVERSE },
		{ "train-rows", required_argument, 0, O_TROWS },
		{ "train-until", required_argument, 0, O_TUNTIL },
		{ "train-fraction", required_argument, 0, O_TFRAC },
		{ "split", required_argument, 0, O_SPLIT },
		{ "lags", required_argument, 0, O_LAGS },
		{ "horizon", required_argument, 0, O_HORIZON },
		{ "sort", no_argument, 0, O_SORT },
		{ "dupes", required_argument, 0, O_DUPES },
		{ "precision", required_argument, 0, O_PRECISION },
		{ "by", required_argument, 0, O_BY },
		{ "state", required_argument, 0, O_STATE },
		{ "input-step", required_argument, 0, O_INSTEP },
		{ "forget", required_argument, 0, O_FORGET },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, O_VERSION },
		{ 0, 0, 0, 0 }
	};
	sp_window_opts *w = &o->w;
	double pair[2];
	sp_error err;
	int c;

	memset(o, 0, sizeof *o);
	sp_window_opts_init(w);
	o->precision = 10;
	w->save_cmdline = sp_cli_cmdline(argc, argv);   /* before getopt permutes argv */
	while ((c = getopt_long(argc, argv, "ac:h", lo, NULL)) != -1) {
		switch (c) {
		case 'a': o->allcols = 1; break;
		case 'c': o->colspec = optarg; break;
		case O_RESAMPLE: w->step = sp_cli_double("--resample", optarg, 1e-9, 1e12); break;
		case O_AGG: w->agg = (sp_agg)sp_cli_choice("--agg", optarg, sp_agg_names); break;
		case O_QUANTILE: w->quantile = sp_cli_double("--quantile", optarg, 0, 1); break;
		case O_FILL: w->fill = (sp_window_fill)sp_cli_choice("--fill", optarg, sp_window_fill_names); break;
		case O_MAXGAP: w->max_gap = sp_cli_double("--max-gap", optarg, 0, 1e15); break;
		case O_MAXGAPROWS: w->max_gap_rows = (double)sp_cli_long("--max-gap-rows", optarg, 1, LONG_MAX); o->gaprows = 1; break;
		case O_NORMALIZE: w->normalize = sp_cli_choice("--normalize", optarg, norm_names); break;
		case O_TO:
			if (sp_cli_doubles("--to", optarg, pair, 2, -1e300, 1e300) != 2)
				sp_die_usage("--to: needs two values A,B");
			w->to_a = pair[0];
			w->to_b = pair[1];
			break;
		case O_CLIP:
			if (sp_cli_doubles("--clip", optarg, pair, 2, -1e300, 1e300) != 2 || !(pair[0] < pair[1]))
				sp_die_usage("--clip: needs LO,HI with LO < HI");
			w->clip = 1;
			w->clip_lo = pair[0];
			w->clip_hi = pair[1];
			break;
		case O_SAVE: w->save_path = optarg; break;
		case O_LOAD: w->load_path = optarg; break;
		case O_INVERSE: w->inverse = 1; break;
		case O_TROWS: w->train_rows = sp_cli_long("--train-rows", optarg, 1, LONG_MAX); o->nspan++; break;
		case O_TUNTIL:
			if (sp_time_parse(optarg, strlen(optarg), &w->train_until) != 0)
				sp_die_usage("--train-until: not a time: '%s'", optarg);
			o->nspan++;
			break;
		case O_TFRAC: w->train_frac = sp_cli_double("--train-fraction", optarg, 0, 1); o->nspan++; break;
		case O_SPLIT: w->split = (sp_window_split)sp_cli_choice("--split", optarg, sp_window_split_names); break;
		case O_LAGS: w->lags = sp_cli_long("--lags", optarg, 1, 100000); break;
		case O_HORIZON: w->horizon = sp_cli_long("--horizon", optarg, 0, 100000); break;
		case O_SORT: w->sort = 1; break;
		case O_DUPES: w->dupes = (sp_window_dupes)sp_cli_choice("--dupes", optarg, sp_window_dupes_names); break;
		case O_PRECISION: o->precision = (int)sp_cli_long("--precision", optarg, 1, 17); break;
		case O_BY: o->by = optarg; break;
		case O_STATE: o->state_path = optarg; w->state = 1; break;
		case O_INSTEP: w->input_step = sp_cli_double("--input-step", optarg, 1e-9, 1e12); break;
		case O_FORGET: sp_die_if(sp_state_forget_parse(optarg, &o->forget, &err), &err); break;
		case 'h': usage(o); break;
		case O_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	}
	return optind;
}

/* The options that go together, before any input is read. */
static void
check_options(const options *o, int nargs, char **args)
{
	const sp_window_opts *w = &o->w;

	if (nargs > 1)
		sp_die_usage("unexpected argument '%s'", args[1]);
	if (o->allcols && o->colspec)
		sp_die_usage("-a and -c cannot be used together");
	if (o->nspan > 1)
		sp_die_usage("use only one of --train-rows, --train-until, --train-fraction");
	if (w->normalize >= 0 && w->load_path)
		sp_die_usage("--normalize fits new parameters; --load applies saved ones: not both");
	if (w->save_path && w->normalize < 0)
		sp_die_usage("--save needs --normalize");
	if (w->inverse && !w->load_path)
		sp_die_usage("--inverse needs --load");
	if (!isnan(w->to_a) && w->normalize < 0)
		sp_die_usage("--to needs --normalize");
	if (w->clip && w->normalize < 0)
		sp_die_usage("--clip needs --normalize");
	if (!isnan(w->to_a) && w->normalize != SP_SCALE_MINMAX && !(w->to_b > 0))
		sp_die_usage("--to: the target std must be positive");
	if (!isnan(w->to_a) && w->normalize == SP_SCALE_MINMAX && !(w->to_b > w->to_a))
		sp_die_usage("--to: the range needs A < B");
	if (w->split != SP_WINDOW_SPLIT_ALL && o->nspan == 0)
		sp_die_usage("--split needs a training span (--train-rows, --train-until or --train-fraction)");
	if (w->horizon > 0 && w->lags == 0)
		sp_die_usage("--horizon needs --lags");
	if ((w->agg != SP_AGG_MEAN || w->quantile != 0.5) && w->step == 0)
		sp_die_usage("--agg and --quantile need --resample");
	if (o->gaprows && w->step == 0)
		sp_die_usage("--max-gap-rows needs --resample");
	if (w->max_gap != INFINITY && w->fill == SP_WINDOW_FILL_NONE)
		sp_die_usage("--max-gap needs --fill");
	if (o->state_path && (w->sort || w->dupes != SP_WINDOW_DUPES_ERROR || w->normalize >= 0 || o->nspan ||
	    w->lags > 0))
		sp_die_usage("--state does not go with --sort, --dupes, --normalize, --train-*, --split "
		    "or --lags (what they hold is not saved)");
	if (w->input_step > 0 && w->step == 0)
		sp_die_usage("--input-step needs --resample");
	if (o->by && w->save_path)
		sp_die_usage("--save does not go with --by (one parameter file per key is not "
		    "written; --load applies one file to every key)");
}

/* -a, -c NAMES or the first column after timestamp: the columns worked on. */
static void
select_columns(io_state *io, const options *o)
{
	sp_error err;
	size_t i;

	io->ncols_in = sp_csv_ncols(io->rd);
	io->sel = malloc(io->ncols_in * sizeof *io->sel);
	io->selpos = malloc(io->ncols_in * sizeof *io->selpos);
	io->names = malloc(io->ncols_in * sizeof *io->names);
	io->x = malloc(io->ncols_in * sizeof *io->x);
	if (!io->sel || !io->selpos || !io->names || !io->x)
		sp_die("out of memory");
	for (i = 0; i < io->ncols_in; i++)
		io->selpos[i] = -1;
	io->bycol = -1;
	if (o->by) {
		sp_die_if(io->bycol = sp_csv_pick_col(io->rd, o->by, &err), &err);
		if (io->bycol == 0)
			sp_die_usage("--by: 'timestamp' is not a key column");
	}
	if (o->allcols || (!o->colspec && o->by)) {
		for (i = 1; i < io->ncols_in; i++)
			if ((int)i != io->bycol && (o->allcols || io->k == 0))
				io->sel[io->k++] = (int)i;
		if (io->k == 0)
			sp_die("no data column after 'timestamp'%s", o->by ? " besides the key" : "");
	} else if (!o->colspec) {
		int c = sp_csv_pick_col(io->rd, NULL, &err);
		sp_die_if(c, &err);
		io->sel[io->k++] = c;
	} else {
		char *s = strdup(o->colspec), *tok, *save = NULL, *p;
		if (!s)
			sp_die("out of memory");
		for (p = s; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
			int c = sp_csv_pick_col(io->rd, tok, &err);
			sp_die_if(c, &err);
			if (c == 0)
				sp_die_usage("-c: 'timestamp' is not a data column");
			if (io->selpos[c] >= 0)
				sp_die_usage("-c: column '%s' given twice", tok);
			if (c == io->bycol)
				sp_die_usage("-c: '%s' is the key column (--by)", tok);
			io->selpos[c] = (int)io->k;
			io->sel[io->k++] = c;
		}
		free(s);
	}
	for (i = 0; i < io->k; i++) {
		io->selpos[io->sel[i]] = (int)i;
		io->names[i] = sp_csv_colname(io->rd, (size_t)io->sel[i]);
	}
	if (o->w.lags > 0 && io->k != 1)
		sp_die_usage("--lags works on one column; choose it with -c");
	io->keep_raw = o->w.step == 0 && o->w.lags == 0;
}

static void
write_header(io_state *io, const sp_window_opts *w)
{
	char name[64];
	size_t i;
	long j;

	sp_csv_write_str(io->wr, "timestamp");
	if (io->bycol >= 0)
		sp_csv_write_str(io->wr, sp_csv_colname(io->rd, (size_t)io->bycol));
	if (w->lags > 0) {
		for (j = w->lags - 1; j >= 0; j--) {
			snprintf(name, sizeof name, "lag%ld", j);
			sp_csv_write_str(io->wr, name);
		}
		for (j = 1; j <= w->horizon; j++) {
			snprintf(name, sizeof name, "h%ld", j);
			sp_csv_write_str(io->wr, name);
		}
	} else if (!io->keep_raw) {
		for (i = 0; i < io->k; i++)
			sp_csv_write_str(io->wr, io->names[i]);
	} else {
		for (i = 1; i < io->ncols_in; i++)
			if ((int)i != io->bycol)
				sp_csv_write_str(io->wr, sp_csv_colname(io->rd, i));
	}
	sp_csv_end_row(io->wr);
}

/* The current CSV row into the engine: its time, the selected values
 * (io->x) and, when they pass through, the other fields (io->raw). */
static int
push_row(io_state *io, sp_window *w, double t, sp_error *err)
{
	size_t i, n, len = 0;

	for (i = 0; i < io->k; i++)
		if (sp_csv_get_double(io->rd, (size_t)io->sel[i], &io->x[i], err) < 0)
			return -1;
	for (i = 1; io->keep_raw && i < io->ncols_in; i++) {
		const char *s;
		if (io->selpos[i] >= 0 || (int)i == io->bycol)
			continue;
		s = sp_csv_field(io->rd, i, &n);
		if (len + n + 1 > io->rawcap) {
			size_t nc = 2 * (len + n + 1) + 64;
			char *nr = realloc(io->raw, nc);
			if (!nr)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			io->raw = nr;
			io->rawcap = nc;
		}
		memcpy(io->raw + len, s, n);
		io->raw[len + n] = '\0';
		len += n + 1;
	}
	return sp_window_push(w, t, io->x, io->raw, len, err);
}

/* One key's engine, and what its rows carry (key NULL: no --by). */
typedef struct {
	io_state *io;
	sp_window *w;
	const char *key;         /* owned by the sp_keyed map */
	size_t keylen;
	double prev;             /* the key's last time (order check) */
} keyed_window;

static int emit_row(void *ctx, const sp_window_row *r, sp_error *err);

/* sp_keyed's callbacks: an engine per key. */
static void *
key_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	io_state *io = ctx;
	keyed_window *kw = malloc(sizeof *kw);

	if (!kw) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	*kw = (keyed_window){ io, NULL, key, len, NAN };
	if (!(kw->w = sp_window_new(io->wo, emit_row, kw, err))) {
		free(kw);
		return NULL;
	}
	return kw;
}

static void
key_free(void *ctx, void *st)
{
	keyed_window *kw = st;

	sp_window_free(kw->w);
	free(kw);
}

/* The engine's output: a row (or a window) as CSV. */
static int
emit_row(void *ctx, const sp_window_row *r, sp_error *err)
{
	const keyed_window *kw = ctx;
	io_state *io = kw->io;
	const char *p = r->raw;
	size_t i, n;

	sp_csv_write_time(io->wr, r->t);
	if (kw->key)
		sp_csv_write_field(io->wr, kw->key, kw->keylen);
	if (!io->keep_raw) {
		for (i = 0; i < r->nv; i++)
			sp_csv_write_double(io->wr, r->v[i]);
	} else {
		for (i = 1; i < io->ncols_in; i++) {
			if ((int)i == io->bycol) {
				continue;
			} else if (io->selpos[i] >= 0) {
				sp_csv_write_double(io->wr, r->v[io->selpos[i]]);
			} else {
				n = strlen(p);
				sp_csv_write_field(io->wr, p, n);
				p += n + 1;
			}
		}
	}
	sp_csv_end_row(io->wr);
	return 0;
}

/* Every row into its key's engine (one engine without --by), then the end
 * of input for each key in the order the keys came.  Engine errors name
 * the key; their row numbers count that key's rows. */
static long
run(io_state *io, keyed_window *one, sp_keyed *keys)
{
	const sp_window_opts *wo = io->wo;
	keyed_window *kw = one;
	sp_error err;
	long rows = 0;
	size_t i, n;
	double t;
	int rc;

	while ((rc = sp_csv_next(io->rd, &err)) == SP_OK) {
		sp_die_if(sp_csv_get_timestamp(io->rd, &t, &err), &err);
		if (keys) {
			if (!(kw = sp_keyed_row(keys, io->rd, (size_t)io->bycol, &err)))
				sp_die_err(&err);
			if (!wo->sort)
				sp_die_if(sp_keyed_order(io->rd, (size_t)io->bycol, &kw->prev, t,
				    wo->dupes != SP_WINDOW_DUPES_ERROR, &err), &err);
		}
		if (push_row(io, kw->w, t, &err) < 0) {
			if (keys)
				sp_error_prefix(&err, "key '%s'", kw->key);
			sp_die_err(&err);
		}
	}
	sp_die_if(rc, &err);
	for (i = 0, n = keys ? sp_keyed_count(keys) : 1; i < n; i++) {
		kw = keys ? sp_keyed_state(keys, i) : one;
		if ((wo->state ? sp_window_pause(kw->w, &err) : sp_window_finish(kw->w, &err)) < 0) {
			if (keys)
				sp_error_prefix(&err, "key '%s'", kw->key);
			sp_die_err(&err);
		}
		rows += sp_window_rows(kw->w);
	}
	return rows;
}

/* window --state files: "scalepipe-state window 1" */
enum { STATE_VERSION = 1 };

/* What resume and save_state hand to the state callbacks. */
typedef struct {
	const io_state *io;
	keyed_window *one;
	sp_keyed *keys;
} windows;

static int
read_key(void *ctx, void *state, sp_state *s, sp_error *err)
{
	(void)ctx;
	return sp_window_read_state(((keyed_window *)state)->w, s, err);
}

/* The options the state was made with (they must be this run's), then
 * every key's engine (--by, sp_state_put_keys) or the one.  0, or < 0 with
 * err. */
static int
read_windows(void *ctx, sp_state *s, sp_error *err)
{
	const windows *ws = ctx;
	sp_window_opts made;
	char why[200];
	int rc;

	if ((rc = sp_window_read_options(&made, s, err)) < 0)
		return rc;
	if (sp_window_options_differ(&made, ws->io->wo, why, sizeof why))
		return sp_error_set(err, SP_EMODEL, "%s: made with %s", sp_state_path(s), why);
	if (ws->keys)
		return sp_state_get_keys(s, ws->keys, read_key, NULL, err);
	return sp_window_read_state(ws->one->w, s, err);
}

/* The state of an earlier run (--state) into the engines: every key's
 * (--by) or the one.  A missing file is a cold start; a corrupt one, or
 * one made with other options, a warning and a cold start. */
static void
resume(io_state *io, keyed_window *one, sp_keyed **keys, const char *path)
{
	sp_error err;

	if (sp_state_resume(path, "window", STATE_VERSION, read_windows, &(windows){ io, one, *keys }, &err) >= 0)
		return;
	sp_warn("warning: state %s: recomputing from the input", err.msg);
	if (*keys) {
		sp_keyed_free(*keys);
		if (!(*keys = sp_keyed_new(key_new, key_free, io)))
			sp_die("out of memory");
	} else {
		sp_window_free(one->w);
		if (!(one->w = sp_window_new(io->wo, emit_row, one, &err)))
			sp_die_err(&err);
	}
}

static int
put_key(void *ctx, const void *state, sp_state_writer *w, sp_error *err)
{
	(void)ctx;
	return sp_window_write_state(((const keyed_window *)state)->w, w, err);
}

/* The state file: the options, then every key's engine (--by) or the one. */
static int
put_windows(void *ctx, sp_state_writer *w, sp_error *err)
{
	const windows *ws = ctx;

	sp_window_write_options(ws->io->wo, w);
	if (ws->keys)
		return sp_state_put_keys(w, ws->keys, put_key, NULL, err);
	return sp_window_write_state(ws->one->w, w, err);
}

/* A key's last row, for --forget. */
static double
key_last(void *ctx, const void *state)
{
	(void)ctx;
	return sp_window_last(((const keyed_window *)state)->w);
}

/* The state file, without the keys --forget leaves out. */
static void
save_state(const io_state *io, keyed_window *one, sp_keyed *keys, const char *path, sp_state_forget *f)
{
	sp_keyed *kept;
	sp_error err;

	f->last = key_last;
	f->forgot = sp_warn_note;
	sp_die_if(sp_state_forget_keys(keys, f, &kept, &err), &err);
	sp_die_if(sp_state_save(path, "window", STATE_VERSION, put_windows, &(windows){ io, one, kept ? kept : keys },
	    &err), &err);
	sp_keyed_free(kept);
}

static void
io_free(io_state *io)
{
	sp_csv_writer_free(io->wr);
	sp_csv_reader_free(io->rd);
	free(io->sel);
	free(io->selpos);
	free(io->names);
	free(io->x);
	free(io->raw);
}

int
main(int argc, char **argv)
{
	options o;
	io_state io = { 0 };
	keyed_window one = { &io, NULL, NULL, 0, NAN };
	sp_keyed *keys = NULL;
	sp_error err;
	const char *inname;
	FILE *in;
	int first;

	sp_cli_init(argv[0], synopsis);
	first = parse_options(argc, argv, &o);
	check_options(&o, argc - first, argv + first);
	if (o.state_path)   /* before the work: a state it could not write */
		sp_die_if(sp_file_check_writable(o.state_path, &err), &err);
	in = sp_cli_open_input(argc - first == 1 ? argv[first] : NULL, &inname);

	io.rd = sp_csv_reader_new(in, inname, SP_CSV_NEED_TIMESTAMP |
	    (o.w.sort || o.w.dupes != SP_WINDOW_DUPES_ERROR || o.by ? SP_CSV_ANY_ORDER : 0), &err);
	if (!io.rd)
		sp_die_err(&err);
	select_columns(&io, &o);
	o.w.ncols = io.k;
	o.w.names = io.names;
	io.wo = &o.w;
	if (!(one.w = sp_window_new(&o.w, emit_row, &one, &err)))   /* checks the options */
		sp_die_err(&err);
	if (o.by && !(keys = sp_keyed_new(key_new, key_free, &io)))
		sp_die("out of memory");
	if (o.state_path)
		resume(&io, &one, &keys, o.state_path);
	if (!(io.wr = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_csv_writer_precision(io.wr, o.precision);
	write_header(&io, &o.w);

	if (run(&io, &one, keys) == 0 && !o.state_path)   /* before the header leaves the buffer */
		sp_die("no data rows (header only)");
	sp_die_if(sp_csv_writer_flush(io.wr, &err), &err);
	if (o.state_path)
		save_state(&io, &one, keys, o.state_path, &o.forget);
	sp_keyed_free(keys);
	sp_window_free(one.w);
	io_free(&io);
	if (in != stdin)
		fclose(in);
	return 0;
}
