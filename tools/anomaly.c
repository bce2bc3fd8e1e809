/* anomaly: Isolation Forest anomaly scores of metric rows, streaming and
 * causal, or a batch fit saved for later scoring.  See sp_anomaly.h and
 * sp_iforest.h. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sp_anomaly.h"
#include "sp_cli.h"
#include "sp_file.h"
#include "sp_csv.h"
#include "sp_time.h"

static const char synopsis[] =
    "anomaly [-c LIST] [--features LIST] [--train N] [--refit N] [--reservoir N]\n"
    "               [--trees N] [--subsample N] [--seed N] [--threads N]\n"
    "               [--threshold X | --contamination C] [--scoring range|plain]\n"
    "               [--print-features] [-v]\n"
    "               [--fit] [--save MODEL | --load MODEL] [FILE]";

static const char *const scorings[] = { "plain", "range", NULL };   /* SP_IFOREST_PLAIN, _RANGE */

typedef struct {
	const char *columns, *features, *save, *load, *input;
	sp_anomaly_opts det;
	int fit, print_features, stream_opt, forest_opt, thr_given, mode_given, verbose;
} options;

static _Noreturn void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Score each row of a metric series for anomaly with an Isolation Forest\n"
	    "(Liu, Ting and Zhou 2008) over features of the recent values: causally,\n"
	    "fit on the first rows and refit periodically on a sliding reservoir, or\n"
	    "with one forest fit on the whole input (--fit), saved (--save) and loaded\n"
	    "(--load).  Appends anomaly_score (0..1, high = anomalous) and anomaly (0/1).\n\n"
	    "  -c, --column LIST     input columns, comma-separated [first after timestamp]\n"
	    "      --features LIST   features of each column and row [%s;\n"
	    "                        ,resid added when the input has forecast,lower,upper]:\n"
	    "                        value, diff[:K], mean:W, sd:W, pP:W (percentile), z:W,\n"
	    "                        tod, dow, resid (see anomaly(1))\n"
	    "      --train N         first fit after N complete rows [%zu]\n"
	    "      --refit N         refit every N complete rows, 0 = never [%zu]\n"
	    "      --reservoir N     fit on the last N complete rows [%zu]\n"
	    "      --trees N         trees in the forest [%d]\n"
	    "      --subsample N     rows drawn per tree (psi) [%zu]\n"
	    "      --seed N          random seed [%lu]\n"
	    "      --threads N       threads building the trees [CPUs online]\n"
	    "      --threshold X     anomaly = 1 when anomaly_score >= X [%g]\n"
	    "      --contamination C threshold = the (1 - C) quantile of the training scores\n"
	    "      --scoring M       path lengths: range (a row beyond a node's range may be\n"
	    "                        isolated there) or plain (Liu et al., scikit-learn) [%s]\n"
	    "      --print-features  output the features before anomaly_score\n"
	    "      --fit             batch: fit one forest on every complete row, then score\n"
	    "                        every row with it (not causal)\n"
	    "      --save MODEL      write the last forest fit (scalepipe-model anomaly)\n"
	    "      --load MODEL      score with a saved forest, no refits\n"
	    "  -v, --verbose         rows, fits and the time of --fit's fit and scores to stderr\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n",
	    synopsis, SP_ANOMALY_DEFAULT_FEATURES, o->det.train, o->det.refit, o->det.reservoir,
	    o->det.forest.trees, o->det.forest.psi, o->det.forest.seed, o->det.threshold, scorings[o->det.mode]);
	exit(0);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_FEATURES = 256, OPT_TRAIN, OPT_REFIT, OPT_RESERVOIR, OPT_TREES, OPT_SUBSAMPLE, OPT_SEED,
		OPT_THREADS, OPT_THRESHOLD, OPT_CONTAM, OPT_SCORING, OPT_PRINT, OPT_FIT, OPT_SAVE, OPT_LOAD, OPT_VERSION };
	static const struct option lo[] = {
		{ "column", required_argument, 0, 'c' },
		{ "contamination", required_argument, 0, OPT_CONTAM },
		{ "features", required_argument, 0, OPT_FEATURES },
		{ "fit", no_argument, 0, OPT_FIT },
		{ "help", no_argument, 0, 'h' },
		{ "load", required_argument, 0, OPT_LOAD },
		{ "print-features", no_argument, 0, OPT_PRINT },
		{ "refit", required_argument, 0, OPT_REFIT },
		{ "reservoir", required_argument, 0, OPT_RESERVOIR },
		{ "save", required_argument, 0, OPT_SAVE },
		{ "scoring", required_argument, 0, OPT_SCORING },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "subsample", required_argument, 0, OPT_SUBSAMPLE },
		{ "threads", required_argument, 0, OPT_THREADS },
		{ "threshold", required_argument, 0, OPT_THRESHOLD },
		{ "train", required_argument, 0, OPT_TRAIN },
		{ "trees", required_argument, 0, OPT_TREES },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	sp_anomaly_defaults(&o->det);
	o->det.forest.threads = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (int)ncpu;
	while ((c = getopt_long(argc, argv, "c:hv", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->columns = optarg; break;
		case 'h': usage(o);
		case 'v': o->verbose = 1; break;
		case OPT_FEATURES: o->features = optarg, o->forest_opt = 1; break;
		case OPT_TRAIN: o->det.train = (size_t)sp_cli_long("--train", optarg, 2, 100000000), o->stream_opt = 1; break;
		case OPT_REFIT: o->det.refit = (size_t)sp_cli_long("--refit", optarg, 0, 100000000), o->stream_opt = 1; break;
		case OPT_RESERVOIR:
			o->det.reservoir = (size_t)sp_cli_long("--reservoir", optarg, 2, 100000000), o->stream_opt = 1;
			break;
		case OPT_TREES: o->det.forest.trees = (int)sp_cli_long("--trees", optarg, 1, 100000), o->forest_opt = 1; break;
		case OPT_SUBSAMPLE:
			o->det.forest.psi = (size_t)sp_cli_long("--subsample", optarg, 2, 1 << 24), o->forest_opt = 1;
			break;
		case OPT_SEED: o->det.forest.seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 0x7fffffffL), o->forest_opt = 1; break;
		case OPT_THREADS: o->det.forest.threads = (int)sp_cli_long("--threads", optarg, 1, SP_IFOREST_MAXTHREADS); break;
		case OPT_THRESHOLD: o->det.threshold = sp_cli_double("--threshold", optarg, 0, 1), o->thr_given = 1; break;
		case OPT_CONTAM: o->det.contamination = sp_cli_double("--contamination", optarg, 1e-9, 0.5); break;
		case OPT_SCORING: o->det.mode = sp_cli_choice("--scoring", optarg, scorings), o->mode_given = 1; break;
		case OPT_PRINT: o->print_features = 1; break;
		case OPT_FIT: o->fit = 1; break;
		case OPT_SAVE: o->save = optarg; break;
		case OPT_LOAD: o->load = optarg; break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	if (o->thr_given && o->det.contamination > 0)
		sp_die_usage("--threshold and --contamination exclude each other");
	if (o->fit && o->stream_opt)
		sp_die_usage("--fit fits once on every row: --train, --refit and --reservoir do not apply");
	if (o->load && (o->save || o->fit))
		sp_die_usage("--load excludes --save and --fit");
	if (o->load && (o->forest_opt || o->stream_opt || o->columns || o->det.contamination > 0))
		sp_die_usage("--load: the model fixes the columns, features and forest (--threshold and --scoring may be given)");
}

/* The input's columns: -c LIST (or the model's) into col[], the band's
 * three columns (or -1); returns the number of input columns. */
static size_t
pick_columns(sp_csv_reader *r, const char *list, const char *const *names, size_t nnames, int *col, int *band)
{
	char buf[4096], *tok, *save = NULL;
	size_t n = 0, i;
	sp_error err;

	band[0] = sp_csv_col_index(r, "forecast");
	band[1] = sp_csv_col_index(r, "lower");
	band[2] = sp_csv_col_index(r, "upper");
	if (band[0] < 0 || band[1] < 0 || band[2] < 0)
		band[0] = band[1] = band[2] = -1;
	if (names) {
		for (i = 0; i < nnames; i++)
			if ((col[n++] = sp_csv_col_index(r, names[i])) < 0)
				sp_die("the model's column '%s' is not in the input", names[i]);
		return n;
	}
	if (!list) {
		sp_die_if(col[0] = sp_csv_pick_col(r, NULL, &err), &err);
		return 1;
	}
	if (strlen(list) >= sizeof buf)
		sp_die_usage("-c: list too long");
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == SP_ANOMALY_MAXCOLS)
			sp_die_usage("-c: more than %d columns", SP_ANOMALY_MAXCOLS);
		sp_die_if(col[n] = sp_csv_pick_col(r, tok, &err), &err);
		if (col[n] == 0)
			sp_die_usage("-c: the timestamp is not a metric");
		for (i = 0; i < n; i++)
			if (col[i] == col[n])
				sp_die_usage("-c: column '%s' given twice", tok);
		n++;
	}
	if (n == 0)
		sp_die_usage("-c: empty list");
	return n;
}

static void
write_header(sp_csv_writer *w, sp_csv_reader *r, const sp_anomaly_fb *fb, const char *const *names, int features)
{
	char name[128];
	size_t j;

	sp_csv_write_header_fields(w, r, 0, -1);
	for (j = 0; features && j < sp_anomaly_fb_dim(fb); j++) {
		sp_anomaly_fb_name(fb, j, names, name, sizeof name);
		sp_csv_write_str(w, name);
	}
	sp_csv_write_str(w, "anomaly_score");
	sp_csv_write_str(w, "anomaly");
	sp_csv_end_row(w);
}

/* The features of the current row into feat; 1 when complete. */
static int
read_row(sp_csv_reader *r, sp_anomaly_fb *fb, size_t n, const int *col, const int *band, double *t, double *feat)
{
	double x[SP_ANOMALY_MAXCOLS], b[3];
	size_t i;
	sp_error err;

	sp_die_if(sp_csv_get_timestamp(r, t, &err), &err);
	for (i = 0; i < n; i++)
		sp_die_if(sp_csv_get_double(r, (size_t)col[i], &x[i], &err), &err);
	for (i = 0; band[0] >= 0 && i < 3; i++)
		sp_die_if(sp_csv_get_double(r, (size_t)band[i], &b[i], &err), &err);
	return sp_anomaly_fb_push(fb, *t, x, band[0] >= 0 ? b : NULL, feat);
}

/* --fit writes its rows after the fit: their times and input fields (after
 * the timestamp) are kept until then. */
typedef struct {
	double *t;
	char *bytes;
	size_t *len;          /* nf lengths per row */
	size_t n, nf, nbytes, cap, capb;
} kept_rows;

static void
keep_row(kept_rows *k, const sp_csv_reader *r, double t)
{
	size_t i, len;

	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 1024;
		if (!(k->t = realloc(k->t, k->cap * sizeof *k->t)) ||
		    !(k->len = realloc(k->len, k->cap * (k->nf ? k->nf : 1) * sizeof *k->len)))
			sp_die("out of memory");
	}
	k->t[k->n] = t;
	for (i = 0; i < k->nf; i++) {
		const char *f = sp_csv_field(r, i + 1, &len);
		if (k->nbytes + len > k->capb) {
			k->capb = 2 * (k->nbytes + len) + 4096;
			if (!(k->bytes = realloc(k->bytes, k->capb)))
				sp_die("out of memory");
		}
		memcpy(k->bytes + k->nbytes, f, len);
		k->nbytes += len;
		k->len[k->n * k->nf + i] = len;
	}
	k->n++;
}

/* One output row: the time, the input's other fields (of the reader's
 * current row, or kept ones at *at), features, score and flag. */
static void
write_row(sp_csv_writer *w, double t, const sp_csv_reader *r, const kept_rows *k, size_t row, size_t *at,
    const double *feat, size_t dim, double score, int flag)
{
	size_t j;

	sp_csv_write_time(w, t);
	if (r)
		sp_csv_write_row_fields(w, r, 1, -1);
	else
		for (j = 0; j < k->nf; j++) {
			sp_csv_write_field(w, k->bytes + *at, k->len[row * k->nf + j]);
			*at += k->len[row * k->nf + j];
		}
	for (j = 0; feat && j < dim; j++)
		sp_csv_write_double(w, feat[j]);
	sp_csv_write_double(w, score);
	if (flag < 0)
		sp_csv_write_str(w, "");
	else
		sp_csv_write_long(w, flag);
	sp_csv_end_row(w);
}


/* -v: what was read and fitted (and how long --fit's fit and scores took) */
static void
report(const sp_csv_reader *r, const sp_anomaly *a, double fit_secs)
{
	fprintf(stderr, "%s: %ld rows, %d fit%s, threshold %.10g", sp_cli_progname(), sp_csv_rowno(r),
	    sp_anomaly_nfits(a), sp_anomaly_nfits(a) == 1 ? "" : "s", sp_anomaly_threshold(a));
	if (fit_secs >= 0)
		fprintf(stderr, "; --fit: fit and scores of %zu rows in %.3f s", sp_anomaly_ncollected(a), fit_secs);
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	options o = { 0 };
	sp_error err = { 0 };
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_anomaly_fb *fb;
	sp_anomaly *a = NULL;
	const char *fname, *spec, *cmdline, *const *names = NULL, *colname[SP_ANOMALY_MAXCOLS];
	double t, score, *feat, secs = 0;
	int col[SP_ANOMALY_MAXCOLS], band[3], flag, rc;
	size_t ncols, nmodel = 0, dim, i, at;
	kept_rows kept = { 0 };
	FILE *in;

	sp_cli_init(argv[0], synopsis);
	cmdline = sp_cli_cmdline(argc, argv);   /* before getopt permutes argv */
	parse_options(argc, argv, &o);
	if (o.save)   /* before the forests */
		sp_die_if(sp_file_check_writable(o.save, &err), &err);
	if (o.load) {
		if (!(a = sp_anomaly_load(o.load, &spec, &names, &nmodel, &err)))
			sp_die_err(&err);
		if (o.thr_given)
			sp_anomaly_set_threshold(a, o.det.threshold);
		if (o.mode_given)
			sp_anomaly_set_mode(a, o.det.mode);
	}
	in = sp_cli_open_input(o.input, &fname);
	if (!(r = sp_csv_reader_new(in, fname, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	ncols = pick_columns(r, o.columns, names, nmodel, col, band);
	for (i = 0; i < ncols; i++)
		colname[i] = sp_csv_colname(r, (size_t)col[i]);
	if (!o.load)
		spec = o.features ? o.features : band[0] >= 0 ? SP_ANOMALY_DEFAULT_FEATURES ",resid"
		    : SP_ANOMALY_DEFAULT_FEATURES;
	if (!(fb = sp_anomaly_fb_new(spec, ncols, band[0] >= 0, &err)))
		sp_die_err(&err);
	dim = sp_anomaly_fb_dim(fb);
	if (!o.load && !(a = sp_anomaly_new(dim, &o.det, &err)))
		sp_die_err(&err);
	if (!(feat = malloc(dim * sizeof *feat)))
		sp_die("out of memory");
	w = sp_csv_writer_new(stdout);
	write_header(w, r, fb, colname, o.print_features);
	kept.nf = sp_csv_ncols(r) - 1;
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		int complete = read_row(r, fb, ncols, col, band, &t, feat);
		if (o.fit) {   /* keep every row for one fit at the end */
			sp_die_if(sp_anomaly_collect(a, feat, complete, &err), &err);
			keep_row(&kept, r, t);
			continue;
		}
		sp_die_if(sp_anomaly_step(a, complete ? feat : NULL, &score, &flag, &err), &err);
		write_row(w, t, r, NULL, 0, NULL, o.print_features ? feat : NULL, dim, score, flag);
	}
	sp_die_if(rc, &err);
	if (o.fit) {
		secs = sp_time_mono();
		sp_die_if(sp_anomaly_fit_collected(a, &err), &err);
		secs = sp_time_mono() - secs;
		for (i = 0, at = 0; i < kept.n; i++) {
			const double *x = sp_anomaly_collected(a, i, &score, &flag);
			write_row(w, kept.t[i], NULL, &kept, i, &at, o.print_features ? x : NULL, dim, score, flag);
		}
	}
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	if (o.verbose)
		report(r, a, o.fit ? secs : -1);
	if (o.save)
		sp_die_if(sp_anomaly_save(a, o.save, spec, colname, ncols, cmdline, &err), &err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	sp_anomaly_fb_free(fb);
	sp_anomaly_free(a);
	free(feat);
	free(kept.t);
	free(kept.bytes);
	free(kept.len);
	return 0;
}
