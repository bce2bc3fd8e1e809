/* window: resample a series to a fixed step, fill gaps, normalise with saved
 * parameters, split train/test by time, and cut lagged windows for training.
 *
 * The stages run in this order, each streaming where it can:
 *   read -> [sort] -> duplicates -> [resample] -> fill -> normalise -> split -> [lags] -> write
 * Only --sort, --train-fraction and fitting a normaliser on a whole span keep
 * rows in memory; resampling runs in constant memory.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_num.h"
#include "sp_scaler.h"
#include "sp_series.h"
#include "sp_time.h"

static const char synopsis[] =
    "window [-a | -c NAMES] [--resample SECONDS [--agg AGG]] [--fill METHOD [--max-gap SECONDS]]\n"
    "              [--normalize METHOD | --load PARAMS [--inverse]] [--save PARAMS]\n"
    "              [--train-rows N | --train-until TIME | --train-fraction F] [--split PART]\n"
    "              [--lags N [--horizon H]] [--sort] [--dupes POLICY] [FILE]";

enum { FILL_NONE, FILL_PREVIOUS, FILL_LINEAR, FILL_ZERO };
static const char *const fill_names[] = { "none", "previous", "linear", "zero", NULL };
enum { NORM_NONE = -1 };
static const char *const norm_names[] = { "zscore", "minmax", "robust", NULL };
enum { SPLIT_ALL, SPLIT_TRAIN, SPLIT_TEST };
static const char *const split_names[] = { "all", "train", "test", NULL };
enum { DUP_ERROR, DUP_FIRST, DUP_LAST, DUP_MEAN };
static const char *const dup_names[] = { "error", "first", "last", "mean", NULL };

/* options */
static const char *colspec;          /* -c */
static int allcols;                  /* -a */
static double step;                  /* --resample, 0 = off */
static int agg = SP_AGG_MEAN;
static double quant = 0.5;
static int fill = FILL_NONE;
static double max_gap = INFINITY;
static int norm = NORM_NONE;
static double to_a = NAN, to_b = NAN;  /* --to */
static int clip;
static double clip_lo, clip_hi;
static const char *save_path, *load_path;
static int inverse;
static long train_rows = -1;
static double train_until = NAN;
static double train_frac = NAN;
static int split = SPLIT_ALL;
static long lags, horizon;
static int sort_input;
static int dupes = DUP_ERROR;
static int precision = 10;
static long nrows;                    /* data rows read */

/* the input */
static sp_csv_reader *rd;
static sp_csv_writer *wr;
static size_t ncols_in;
static int *sel;          /* selected input column indices, in selection order */
static size_t k;          /* number of selected columns */
static int *selpos;       /* per input column: position in sel, or -1 */
static int keep_raw;      /* records carry the non-selected fields */
static sp_scaler *scaler;
static int *scol;         /* per selected column: scaler column */
static const char *cmdline;

/* A row on its way through the stages. */
typedef struct rec {
	double t;
	int train;
	int pending;        /* columns waiting for a linear fill */
	double *v;          /* [k] */
	char *raw;          /* non-selected fields, each NUL-terminated, or NULL */
	size_t rawlen;
} rec;

/* A FIFO of records. */
typedef struct {
	rec **a;
	size_t head, n, cap;
} queue;

static void
q_push(queue *q, rec *r)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 256, i;
		rec **na = malloc(nc * sizeof *na);
		if (!na)
			sp_die("out of memory");
		for (i = 0; i < q->n; i++)
			na[i] = q->a[(q->head + i) % q->cap];
		free(q->a);
		q->a = na;
		q->head = 0;
		q->cap = nc;
	}
	q->a[(q->head + q->n) % q->cap] = r;
	q->n++;
}

static rec *
q_at(queue *q, size_t i)
{
	return q->a[(q->head + i) % q->cap];
}

static rec *
q_pop(queue *q)
{
	rec *r = q->a[q->head];

	q->head = (q->head + 1) % q->cap;
	q->n--;
	return r;
}

static rec *
rec_new(double t, size_t rawlen)
{
	rec *r = malloc(sizeof *r + k * sizeof(double) + rawlen);

	if (!r)
		sp_die("out of memory");
	r->t = t;
	r->train = 1;
	r->pending = 0;
	r->v = (double *)(r + 1);
	r->raw = rawlen ? (char *)(r->v + k) : NULL;
	r->rawlen = rawlen;
	return r;
}

static void
usage(void)
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
	    "Output:\n"
	    "      --precision N      significant digits of non-integer values [%d]\n"
	    "  -h, --help             this help\n"
	    "      --version          print the version\n",
	    synopsis, quant, "{N-1}", precision);
	exit(0);
}

/* ---- output ---------------------------------------------------------- */

static void
write_header(void)
{
	size_t i;
	long j;
	char name[64];

	sp_csv_write_str(wr, "timestamp");
	if (lags > 0) {
		for (j = lags - 1; j >= 0; j--) {
			snprintf(name, sizeof name, "lag%ld", j);
			sp_csv_write_str(wr, name);
		}
		for (j = 1; j <= horizon; j++) {
			snprintf(name, sizeof name, "h%ld", j);
			sp_csv_write_str(wr, name);
		}
	} else if (step > 0) {
		for (i = 0; i < k; i++)
			sp_csv_write_str(wr, sp_csv_colname(rd, (size_t)sel[i]));
	} else {
		sp_csv_write_header_fields(wr, rd, 1, -1);
	}
	sp_csv_end_row(wr);
}

static void
write_rec(const rec *r)
{
	size_t i;
	const char *p = r->raw;

	sp_csv_write_time(wr, r->t);
	if (step > 0 || !keep_raw) {
		for (i = 0; i < k; i++)
			sp_csv_write_double(wr, r->v[i]);
	} else {
		for (i = 1; i < ncols_in; i++) {
			if (selpos[i] >= 0) {
				sp_csv_write_double(wr, r->v[selpos[i]]);
			} else {
				size_t n = strlen(p);
				sp_csv_write_field(wr, p, n);
				p += n + 1;
			}
		}
	}
	sp_csv_end_row(wr);
}

/* Lagged windows over the first selected column: a ring of lags + horizon. */
static double *ring_v, *ring_t;
static int *ring_train;
static long ring_n, ring_head;

static void
out_lags(const rec *r)
{
	long w = lags + horizon, j, o, ok = 1;

	if (!ring_v) {
		ring_v = malloc((size_t)w * sizeof *ring_v);
		ring_t = malloc((size_t)w * sizeof *ring_t);
		ring_train = malloc((size_t)w * sizeof *ring_train);
		if (!ring_v || !ring_t || !ring_train)
			sp_die("out of memory");
	}
	ring_v[(ring_head + ring_n) % w] = r->v[0];
	ring_t[(ring_head + ring_n) % w] = r->t;
	ring_train[(ring_head + ring_n) % w] = r->train;
	if (ring_n < w)
		ring_n++;
	else
		ring_head = (ring_head + 1) % w;
	if (ring_n < w)
		return;
	o = (ring_head + lags - 1) % w;   /* the origin */
	/* no leakage across the split: a train window lies wholly in the
	 * training span, a test window starts after it */
	if (split == SPLIT_TRAIN && !ring_train[(ring_head + w - 1) % w])
		return;
	if (split == SPLIT_TEST && ring_train[ring_head])
		return;
	for (j = 0; j < w; j++)
		if (isnan(ring_v[(ring_head + j) % w]))
			ok = 0;
	if (!ok)
		return;
	sp_csv_write_time(wr, ring_t[o]);
	for (j = 0; j < w; j++)
		sp_csv_write_double(wr, ring_v[(ring_head + j) % w]);
	sp_csv_end_row(wr);
}

static void
stage_out(rec *r)
{
	if (lags > 0)
		out_lags(r);
	else if (split == SPLIT_ALL || (split == SPLIT_TRAIN) == (r->train != 0))
		write_rec(r);
	free(r);
}

/* ---- normalise and split ------------------------------------------------ */

static queue nq;           /* rows held until the training span is known */
static long nseen;         /* rows that reached this stage */
static int span_done;      /* training span decided and scaler ready */
static int need_fit;

static void
normalise(rec *r)
{
	size_t j;

	if (!scaler)
		return;
	for (j = 0; j < k; j++)
		r->v[j] = inverse ? sp_scaler_invert(scaler, (size_t)scol[j], r->v[j]) :
		    sp_scaler_apply(scaler, (size_t)scol[j], r->v[j]);
}

static void
fit_and_release(long ntrain)
{
	sp_error err;
	size_t i, j, n = 0;
	double *x;

	if (need_fit) {
		const char **names = malloc(k * sizeof *names);
		if (!names || !(x = malloc((nq.n ? nq.n : 1) * sizeof *x)))
			sp_die("out of memory");
		for (j = 0; j < k; j++)
			names[j] = sp_csv_colname(rd, (size_t)sel[j]);
		if (!(scaler = sp_scaler_new((sp_scale_method)norm, k, names, &err)))
			sp_die_err(&err);
		free(names);
		if (!isnan(to_a)) {
			scaler->to_center = to_a;
			scaler->to_scale = norm == SP_SCALE_MINMAX ? to_b - to_a : to_b;
		}
		scaler->clip = clip;
		scaler->clip_lo = clip_lo;
		scaler->clip_hi = clip_hi;
		for (j = 0; j < k; j++) {
			for (i = n = 0; i < nq.n && (long)i < ntrain; i++)
				x[n++] = q_at(&nq, i)->v[j];
			if (sp_scaler_fit(scaler, j, x, n, &err) < 0)
				sp_die_err(&err);
			scol[j] = (int)j;
		}
		free(x);
		if (save_path && sp_scaler_save(scaler, save_path, cmdline, &err) < 0)
			sp_die_err(&err);
	}
	for (i = 0; nq.n > 0; i++) {
		rec *r = q_pop(&nq);
		r->train = (long)i < ntrain;
		normalise(r);
		stage_out(r);
	}
	span_done = 1;
}

static void
stage_norm(rec *r)
{
	long i = nseen++;
	int intrain;

	if (span_done) {
		if (train_rows >= 0)
			r->train = i < train_rows;
		else if (!isnan(train_until))
			r->train = r->t <= train_until;
		normalise(r);
		stage_out(r);
		return;
	}
	if (!isnan(train_frac)) {      /* decided only at the end */
		q_push(&nq, r);
		return;
	}
	intrain = train_rows >= 0 ? i < train_rows : !isnan(train_until) ? r->t <= train_until : 1;
	if (intrain) {
		q_push(&nq, r);
		return;
	}
	fit_and_release((long)nq.n);
	r->train = 0;
	normalise(r);
	stage_out(r);
}

static void
stage_norm_end(void)
{
	if (!span_done) {
		long ntrain = (long)nq.n;
		if (!isnan(train_frac))
			ntrain = (long)floor(train_frac * (double)nq.n);
		if (need_fit && ntrain == 0)
			sp_die("the training span is empty (%zu rows in all)", nq.n);
		fit_and_release(ntrain);
	}
}

/* ---- fill ------------------------------------------------------------ */

static queue fq;
static double *last_t, *last_v;   /* [k] last valid value per column */
static int *have_last;

static void
fill_release(void)
{
	while (fq.n > 0 && q_at(&fq, 0)->pending == 0)
		stage_norm(q_pop(&fq));
}

static void
stage_fill(rec *r)
{
	size_t j, i;

	if (fill == FILL_NONE) {
		stage_norm(r);
		return;
	}
	for (j = 0; j < k; j++) {
		double v = r->v[j];
		if (!isnan(v)) {
			if (fill == FILL_LINEAR && have_last[j]) {
				/* resolve the rows queued since the last valid value */
				int ok = r->t - last_t[j] <= max_gap;
				for (i = 0; i < fq.n; i++) {
					rec *p = q_at(&fq, i);
					if (p->t <= last_t[j] || !isnan(p->v[j]))
						continue;
					if (ok)
						p->v[j] = last_v[j] + (v - last_v[j]) *
						    (p->t - last_t[j]) / (r->t - last_t[j]);
					p->pending--;
				}
			}
			last_t[j] = r->t;
			last_v[j] = v;
			have_last[j] = 1;
			continue;
		}
		switch (fill) {
		case FILL_ZERO:
			if (!have_last[j] || r->t - last_t[j] <= max_gap)
				r->v[j] = 0;
			break;
		case FILL_PREVIOUS:
			if (have_last[j] && r->t - last_t[j] <= max_gap)
				r->v[j] = last_v[j];
			break;
		case FILL_LINEAR:
			if (have_last[j])
				r->pending++;
			break;
		}
	}
	q_push(&fq, r);
	fill_release();
}

static void
stage_fill_end(void)
{
	while (fq.n > 0) {
		rec *r = q_pop(&fq);
		r->pending = 0;   /* no later value: trailing gaps stay missing */
		stage_norm(r);
	}
}

/* ---- resample ----------------------------------------------------------- */

static sp_resampler *rs;
static double *binv;

static void
drain_bins(void)
{
	double t;

	while (sp_resampler_pop(rs, &t, binv)) {
		rec *r = rec_new(t, 0);
		memcpy(r->v, binv, k * sizeof *binv);
		stage_fill(r);
	}
}

/* ---- duplicates -------------------------------------------------------- */

static rec *dup_pending;
static long dup_count;

static void
pass_on(rec *r)
{
	if (step > 0) {
		sp_error err;
		if (sp_resampler_add(rs, r->t, r->v, &err) < 0)
			sp_die_err(&err);
		drain_bins();
		free(r);
	} else {
		stage_fill(r);
	}
}

static void
stage_dupes(rec *r, long rowno)
{
	size_t j;

	if (dup_pending && r->t == dup_pending->t) {
		char ts[40];
		switch (dupes) {
		case DUP_ERROR:
			sp_time_format(ts, sizeof ts, r->t);
			sp_die("row %ld, column timestamp: duplicate timestamp %s (see --dupes)", rowno, ts);
		case DUP_FIRST:
			free(r);
			return;
		case DUP_LAST:
			free(dup_pending);
			dup_pending = r;
			return;
		case DUP_MEAN:
			/* running mean over the duplicates of each column (NaN skipped) */
			dup_count++;
			for (j = 0; j < k; j++) {
				if (isnan(r->v[j]))
					continue;
				if (isnan(dup_pending->v[j]))
					dup_pending->v[j] = r->v[j];
				else
					dup_pending->v[j] += (r->v[j] - dup_pending->v[j]) / (double)dup_count;
			}
			free(r);
			return;
		}
	}
	if (dup_pending)
		pass_on(dup_pending);
	dup_pending = r;
	dup_count = 1;
}

/* ---- input --------------------------------------------------------------- */

static rec *
read_rec(sp_error *err, int *rc)
{
	double t, v;
	size_t i, n, rawlen = 0;
	rec *r;
	char *p;

	if (sp_csv_get_timestamp(rd, &t, err) < 0) {
		*rc = -1;
		return NULL;
	}
	if (keep_raw)
		for (i = 1; i < ncols_in; i++)
			if (selpos[i] < 0) {
				sp_csv_field(rd, i, &n);
				rawlen += n + 1;
			}
	r = rec_new(t, rawlen);
	for (i = 0; i < k; i++) {
		if (sp_csv_get_double(rd, (size_t)sel[i], &v, err) < 0) {
			free(r);
			*rc = -1;
			return NULL;
		}
		r->v[i] = v;
	}
	p = r->raw;
	if (keep_raw)
		for (i = 1; i < ncols_in; i++)
			if (selpos[i] < 0) {
				const char *s = sp_csv_field(rd, i, &n);
				memcpy(p, s, n);
				p[n] = '\0';
				p += n + 1;
			}
	*rc = 0;
	return r;
}

static int
cmp_rec(const void *a, const void *b)
{
	const rec *x = *(rec *const *)a, *y = *(rec *const *)b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->pending > y->pending) - (x->pending < y->pending); /* input order */
}

static void
select_columns(sp_error *err)
{
	size_t i;

	ncols_in = sp_csv_ncols(rd);
	sel = malloc(ncols_in * sizeof *sel);
	selpos = malloc(ncols_in * sizeof *selpos);
	if (!sel || !selpos)
		sp_die("out of memory");
	for (i = 0; i < ncols_in; i++)
		selpos[i] = -1;
	if (allcols) {
		for (i = 1; i < ncols_in; i++)
			sel[k++] = (int)i;
		if (k == 0)
			sp_die("no data column after 'timestamp'");
	} else if (!colspec) {
		int c = sp_csv_pick_col(rd, NULL, err);
		if (c < 0)
			sp_die_err(err);
		sel[k++] = c;
	} else {
		char *s = strdup(colspec), *tok, *save = NULL, *p;
		if (!s)
			sp_die("out of memory");
		for (p = s; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
			int c = sp_csv_pick_col(rd, tok, err);
			if (c < 0)
				sp_die_err(err);
			if (c == 0)
				sp_die_usage("-c: 'timestamp' is not a data column");
			if (selpos[c] >= 0)
				sp_die_usage("-c: column '%s' given twice", tok);
			selpos[c] = (int)k;
			sel[k++] = c;
		}
		free(s);
	}
	for (i = 0; i < k; i++)
		selpos[sel[i]] = (int)i;
	if (lags > 0 && k != 1)
		sp_die_usage("--lags works on one column; choose it with -c");
	keep_raw = step == 0 && lags == 0;
}

static void
setup_scaler(sp_error *err)
{
	size_t j;

	scol = calloc(k, sizeof *scol);
	if (!scol)
		sp_die("out of memory");
	if (!load_path)
		return;
	if (!(scaler = sp_scaler_load(load_path, err)))
		sp_die_err(err);
	for (j = 0; j < k; j++) {
		const char *name = sp_csv_colname(rd, (size_t)sel[j]);
		int c = sp_scaler_col(scaler, name);
		/* a one-column scaler applies to any column (e.g. forecast, lower, upper) */
		if (c < 0 && scaler->ncols == 1)
			c = 0;
		if (c < 0)
			sp_die("%s: has no parameters for column '%s'", load_path, name);
		scol[j] = c;
	}
}

int
main(int argc, char **argv)
{
	enum {
		O_RESAMPLE = 256, O_AGG, O_QUANTILE, O_FILL, O_MAXGAP, O_NORMALIZE, O_TO, O_CLIP,
		O_SAVE, O_LOAD, O_INVERSE, O_TROWS, O_TUNTIL, O_TFRAC, O_SPLIT, O_LAGS, O_HORIZON,
		O_SORT, O_DUPES, O_PRECISION, O_VERSION
	};
	static const struct option lo[] = {
		{ "all-columns", no_argument, 0, 'a' },
		{ "column", required_argument, 0, 'c' },
		{ "resample", required_argument, 0, O_RESAMPLE },
		{ "agg", required_argument, 0, O_AGG },
		{ "quantile", required_argument, 0, O_QUANTILE },
		{ "fill", required_argument, 0, O_FILL },
		{ "max-gap", required_argument, 0, O_MAXGAP },
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
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, O_VERSION },
		{ 0, 0, 0, 0 }
	};
	double pair[2];
	sp_error err;
	FILE *in = stdin;
	const char *inname = "-";
	int c, rc;
	long ntrainspec = 0;
	queue all = { 0 };

	sp_cli_init(argv[0], synopsis);
	cmdline = sp_cli_cmdline(argc, argv);
	while ((c = getopt_long(argc, argv, "ac:h", lo, NULL)) != -1) {
		switch (c) {
		case 'a': allcols = 1; break;
		case 'c': colspec = optarg; break;
		case O_RESAMPLE: step = sp_cli_double("--resample", optarg, 1e-9, 1e12); break;
		case O_AGG: agg = sp_cli_choice("--agg", optarg, sp_agg_names); break;
		case O_QUANTILE: quant = sp_cli_double("--quantile", optarg, 0, 1); break;
		case O_FILL: fill = sp_cli_choice("--fill", optarg, fill_names); break;
		case O_MAXGAP: max_gap = sp_cli_double("--max-gap", optarg, 0, 1e15); break;
		case O_NORMALIZE: norm = sp_cli_choice("--normalize", optarg, norm_names); break;
		case O_TO:
			if (sp_cli_doubles("--to", optarg, pair, 2, -1e300, 1e300) != 2)
				sp_die_usage("--to: needs two values A,B");
			to_a = pair[0];
			to_b = pair[1];
			break;
		case O_CLIP:
			if (sp_cli_doubles("--clip", optarg, pair, 2, -1e300, 1e300) != 2 || !(pair[0] < pair[1]))
				sp_die_usage("--clip: needs LO,HI with LO < HI");
			clip = 1;
			clip_lo = pair[0];
			clip_hi = pair[1];
			break;
		case O_SAVE: save_path = optarg; break;
		case O_LOAD: load_path = optarg; break;
		case O_INVERSE: inverse = 1; break;
		case O_TROWS: train_rows = sp_cli_long("--train-rows", optarg, 1, LONG_MAX); ntrainspec++; break;
		case O_TUNTIL:
			if (sp_time_parse(optarg, strlen(optarg), &train_until) != 0)
				sp_die_usage("--train-until: not a time: '%s'", optarg);
			ntrainspec++;
			break;
		case O_TFRAC: train_frac = sp_cli_double("--train-fraction", optarg, 0, 1); ntrainspec++; break;
		case O_SPLIT: split = sp_cli_choice("--split", optarg, split_names); break;
		case O_LAGS: lags = sp_cli_long("--lags", optarg, 1, 100000); break;
		case O_HORIZON: horizon = sp_cli_long("--horizon", optarg, 0, 100000); break;
		case O_SORT: sort_input = 1; break;
		case O_DUPES: dupes = sp_cli_choice("--dupes", optarg, dup_names); break;
		case O_PRECISION: precision = (int)sp_cli_long("--precision", optarg, 1, 17); break;
		case 'h': usage(); break;
		case O_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sp_die_usage("unexpected argument '%s'", argv[1]);
	if (allcols && colspec)
		sp_die_usage("-a and -c cannot be used together");
	if (ntrainspec > 1)
		sp_die_usage("use only one of --train-rows, --train-until, --train-fraction");
	if (norm != NORM_NONE && load_path)
		sp_die_usage("--normalize fits new parameters; --load applies saved ones: not both");
	if (save_path && norm == NORM_NONE)
		sp_die_usage("--save needs --normalize");
	if (inverse && !load_path)
		sp_die_usage("--inverse needs --load");
	if (!isnan(to_a) && norm == NORM_NONE)
		sp_die_usage("--to needs --normalize");
	if (clip && norm == NORM_NONE)
		sp_die_usage("--clip needs --normalize");
	if (!isnan(to_a) && norm != SP_SCALE_MINMAX && !(to_b > 0))
		sp_die_usage("--to: the target std must be positive");
	if (!isnan(to_a) && norm == SP_SCALE_MINMAX && !(to_b > to_a))
		sp_die_usage("--to: the range needs A < B");
	if (split != SPLIT_ALL && ntrainspec == 0)
		sp_die_usage("--split needs a training span (--train-rows, --train-until or --train-fraction)");
	if (horizon > 0 && lags == 0)
		sp_die_usage("--horizon needs --lags");
	if ((agg != SP_AGG_MEAN || quant != 0.5) && step == 0)
		sp_die_usage("--agg and --quantile need --resample");
	if (max_gap != INFINITY && fill == FILL_NONE)
		sp_die_usage("--max-gap needs --fill");
	in = sp_cli_open_input(argc == 1 ? argv[0] : NULL, &inname);
	need_fit = norm != NORM_NONE;
	/* without a fit and without --train-fraction nothing needs holding back */
	span_done = !need_fit && isnan(train_frac);

	if (!(rd = sp_csv_reader_new(in, inname, SP_CSV_NEED_TIMESTAMP |
	    (sort_input ? SP_CSV_ANY_ORDER : 0) | (dupes != DUP_ERROR ? SP_CSV_ANY_ORDER : 0), &err)))
		sp_die_err(&err);
	select_columns(&err);
	setup_scaler(&err);
	if (step > 0) {
		if (!(rs = sp_resampler_new(step, k, (sp_agg)agg, quant, &err)))
			sp_die_err(&err);
		if (!(binv = malloc(k * sizeof *binv)))
			sp_die("out of memory");
	}
	last_t = calloc(k, sizeof *last_t);
	last_v = calloc(k, sizeof *last_v);
	have_last = calloc(k, sizeof *have_last);
	if (!(wr = sp_csv_writer_new(stdout)) || !last_t || !last_v || !have_last)
		sp_die("out of memory");
	sp_csv_writer_precision(wr, precision);
	write_header();

	{
		double prev_t = -INFINITY, t, *x = NULL;
		/* the common case, resampling sorted unique rows, needs no records */
		int direct = step > 0 && !sort_input && dupes == DUP_ERROR;
		if (direct && !(x = malloc(k * sizeof *x)))
			sp_die("out of memory");
		while ((rc = sp_csv_next(rd, &err)) == SP_OK) {
			int r2;
			rec *r;
			if (direct) {
				size_t j;
				if (sp_csv_get_timestamp(rd, &t, &err) < 0)
					sp_die_err(&err);
				for (j = 0; j < k; j++)
					if (sp_csv_get_double(rd, (size_t)sel[j], &x[j], &err) < 0)
						sp_die_err(&err);
				if (sp_resampler_add(rs, t, x, &err) < 0)
					sp_die_err(&err);
				drain_bins();
				nrows++;
				continue;
			}
			r = read_rec(&err, &r2);
			if (r2 < 0)
				sp_die_err(&err);
			if (sort_input) {
				q_push(&all, r);
				continue;
			}
			if (r->t < prev_t) {
				char a[40], b[40];
				sp_time_format(a, sizeof a, r->t);
				sp_time_format(b, sizeof b, prev_t);
				sp_die("row %ld, column timestamp: timestamp %s is before the previous row's %s (see --sort)",
				    sp_csv_rowno(rd), a, b);
			}
			prev_t = r->t;
			nrows++;
			stage_dupes(r, sp_csv_rowno(rd));
		}
		if (rc < 0)
			sp_die_err(&err);
		free(x);
	}
	if (sort_input && all.n > 0) {
		/* stable sort by time: order the ring linearly, sort index pairs */
		size_t i, n = all.n;
		rec **v = malloc(n * sizeof *v);
		if (!v)
			sp_die("out of memory");
		for (i = 0; i < n; i++)
			v[i] = q_at(&all, i);
		/* pack the input position into `pending` so ties keep input order */
		for (i = 0; i < n; i++)
			v[i]->pending = (int)i;
		qsort(v, n, sizeof *v, cmp_rec);
		nrows = (long)n;
		for (i = 0; i < n; i++) {
			v[i]->pending = 0;
			stage_dupes(v[i], (long)i + 1);
		}
		free(v);
	}
	free(all.a);
	if (dup_pending)
		pass_on(dup_pending);
	if (step > 0 && rs) {
		sp_resampler_finish(rs);
		drain_bins();
	}
	stage_fill_end();
	stage_norm_end();
	if (nrows == 0)   /* before the header leaves the buffer */
		sp_die("no data rows (header only)");
	if (sp_csv_writer_flush(wr, &err) < 0)
		sp_die_err(&err);
	sp_csv_writer_free(wr);
	sp_csv_reader_free(rd);
	sp_resampler_free(rs);
	sp_scaler_free(scaler);
	free(binv);
	free(sel);
	free(selpos);
	free(scol);
	free(last_t);
	free(last_v);
	free(have_last);
	free(nq.a);
	free(fq.a);
	free(ring_v);
	free(ring_t);
	free(ring_train);
	if (in != stdin)
		fclose(in);
	return 0;
}
