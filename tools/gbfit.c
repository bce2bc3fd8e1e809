/* gbfit: train direct multi-horizon gradient-boosted forecasters (libxgboost)
 * on a series and its causal features, and save them for forecast(1). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_feat.h"
#include "sp_gb.h"

static const char synopsis[] =
    "gbfit -o MODEL [-v] [-c NAME] [-x NAME]... [--horizon N] [--shared]\n"
    "       [--lags LIST] [--diffs LIST] [--windows LIST] [--window-stats LIST]\n"
    "       [--window-quantiles LIST] [--relative] [--calendar] [--holidays FILE]\n"
    "       [--target level|delta] [--norm zscore|none] [--objective OBJ]\n"
    "       [--tree-method M] [--max-depth N] [--eta X] [--rounds N] [--early N]\n"
    "       [--subsample X] [--colsample X] [--min-child-weight X] [--lambda X]\n"
    "       [--alpha X] [--val X] [--level X | --quantiles LIST] [--threads N]\n"
    "       [--seed N] [--importance] [FILE]";

typedef struct {
	const char *output, *column, *input, *holidays;
	int verbose, importance;
	sp_feat_spec spec;
	sp_gb_opts gb;
} options;

static _Noreturn void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Train gradient-boosted trees (libxgboost) that forecast horizons 1..N of a\n"
	    "series (CSV with a timestamp column, evenly spaced) from causal features, with\n"
	    "split-conformal bands, and save them for forecast(1).\n\n"
	    "  -o, --output MODEL        model file to write (required)\n"
	    "  -c, --column NAME         series column [first after timestamp]\n"
	    "  -x, --extra NAME          extra input column as a feature (repeatable)\n"
	    "      --horizon N           forecast horizons 1..N [%d]\n"
	    "      --shared              one model for all horizons, the horizon a feature\n"
	    "                            (default: one model per horizon)\n"
	    "      --lags LIST           lags in rows, lag 1 the origin's value\n"
	    "                            [1,2,3,4,5,6,12,24]\n"
	    "      --diffs LIST          differences y[t] - y[t-K] [1]\n"
	    "      --windows LIST        rolling windows in rows [12]\n"
	    "      --window-stats LIST   mean,sd,min,max or none [mean,sd,min,max]\n"
	    "      --window-quantiles L  rolling quantiles, e.g. 0.1,0.9 [none]\n"
	    "      --relative            lags and window levels minus the origin's value\n"
	    "                            (level-free; with --target delta)\n"
	    "      --calendar            hour of day and day of week (sin/cos) of the target\n"
	    "      --holidays FILE       holiday flag of the target day; FILE: CSV, dates\n"
	    "                            YYYY-MM-DD in the first column\n"
	    "      --target T            level or delta (from the origin's value) [level]\n"
	    "      --norm N              zscore (the training part's mean and sd) or none\n"
	    "                            [zscore]\n"
	    "      --objective OBJ       xgboost objective [%s]\n"
	    "      --tree-method M       hist, approx or exact [%s]\n"
	    "      --max-depth N         tree depth [%d]\n"
	    "      --eta X               learning rate [%g]\n"
	    "      --rounds N            most boosting rounds [%d]\n"
	    "      --early N             stop after N rounds without a better validation\n"
	    "                            score and keep the best, 0 = off [%d]\n"
	    "      --subsample X         row subsample per tree [%g]\n"
	    "      --colsample X         feature subsample per tree [%g]\n"
	    "      --min-child-weight X  least hessian sum in a leaf [%g]\n"
	    "      --lambda X            L2 regularisation [%g]\n"
	    "      --alpha X             L1 regularisation [%g]\n"
	    "      --val X               validation fraction, the last part in time [%g]\n"
	    "      --level X             central band level [%g]\n"
	    "      --quantiles LIST      band of the lowest and highest quantiles instead\n"
	    "      --threads N           xgboost threads [%d]\n"
	    "      --seed N              random seed (subsampling) [%lu]\n"
	    "      --importance          print each feature's gain as CSV on stdout\n"
	    "  -v, --verbose             progress per model to stderr\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n",
	    synopsis, o->gb.horizon, sp_gb_objectives[o->gb.objective], sp_gb_tree_methods[o->gb.tree_method],
	    o->gb.max_depth, o->gb.eta, o->gb.rounds, o->gb.early, o->gb.subsample, o->gb.colsample,
	    o->gb.min_child_weight, o->gb.lambda, o->gb.alpha, o->gb.val, o->gb.level, o->gb.threads, o->gb.seed);
	exit(0);
}

static int
ints(const char *opt, const char *arg, int *out)
{
	sp_error err = { 0 };
	int n = sp_feat_parse_ints(opt, arg, out, SP_FEAT_MAXLIST, 1, SP_FEAT_MAXLAG, &err);

	sp_die_if(n, &err);
	return n;
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_HORIZON = 256, OPT_SHARED, OPT_LAGS, OPT_DIFFS, OPT_WINDOWS, OPT_WSTATS, OPT_WQ, OPT_CALENDAR,
		OPT_HOLIDAYS, OPT_TARGET, OPT_NORM, OPT_OBJECTIVE, OPT_TREE, OPT_DEPTH, OPT_ETA, OPT_ROUNDS,
		OPT_EARLY, OPT_SUBSAMPLE, OPT_COLSAMPLE, OPT_MCW, OPT_LAMBDA, OPT_ALPHA, OPT_VAL, OPT_LEVEL,
		OPT_QUANTILES, OPT_RELATIVE, OPT_THREADS, OPT_SEED, OPT_IMPORTANCE, OPT_VERSION };
	static const struct option lo[] = {
		{ "alpha", required_argument, 0, OPT_ALPHA }, { "calendar", no_argument, 0, OPT_CALENDAR },
		{ "colsample", required_argument, 0, OPT_COLSAMPLE }, { "column", required_argument, 0, 'c' },
		{ "diffs", required_argument, 0, OPT_DIFFS }, { "early", required_argument, 0, OPT_EARLY },
		{ "eta", required_argument, 0, OPT_ETA }, { "extra", required_argument, 0, 'x' },
		{ "help", no_argument, 0, 'h' }, { "holidays", required_argument, 0, OPT_HOLIDAYS },
		{ "horizon", required_argument, 0, OPT_HORIZON }, { "importance", no_argument, 0, OPT_IMPORTANCE },
		{ "lags", required_argument, 0, OPT_LAGS }, { "lambda", required_argument, 0, OPT_LAMBDA },
		{ "level", required_argument, 0, OPT_LEVEL }, { "max-depth", required_argument, 0, OPT_DEPTH },
		{ "min-child-weight", required_argument, 0, OPT_MCW }, { "norm", required_argument, 0, OPT_NORM },
		{ "objective", required_argument, 0, OPT_OBJECTIVE }, { "output", required_argument, 0, 'o' },
		{ "quantiles", required_argument, 0, OPT_QUANTILES }, { "relative", no_argument, 0, OPT_RELATIVE },
		{ "rounds", required_argument, 0, OPT_ROUNDS },
		{ "seed", required_argument, 0, OPT_SEED }, { "shared", no_argument, 0, OPT_SHARED },
		{ "subsample", required_argument, 0, OPT_SUBSAMPLE }, { "target", required_argument, 0, OPT_TARGET },
		{ "threads", required_argument, 0, OPT_THREADS }, { "tree-method", required_argument, 0, OPT_TREE },
		{ "val", required_argument, 0, OPT_VAL }, { "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION }, { "window-quantiles", required_argument, 0, OPT_WQ },
		{ "window-stats", required_argument, 0, OPT_WSTATS }, { "windows", required_argument, 0, OPT_WINDOWS },
		{ 0, 0, 0, 0 }
	};
	sp_gb_opts *g = &o->gb;
	sp_error err = { 0 };
	int c, level_set = 0;

	while ((c = getopt_long(argc, argv, "c:ho:vx:", lo, NULL)) != -1)
		switch (c) {
		case 'c': o->column = optarg; break;
		case 'h': usage(o);
		case 'o': o->output = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'x':
			if (o->spec.nextra == SP_FEAT_MAXLIST)
				sp_die_usage("-x: more than %d extra columns", SP_FEAT_MAXLIST);
			o->spec.extra[o->spec.nextra++] = optarg;
			break;
		case OPT_ALPHA: g->alpha = sp_cli_double("--alpha", optarg, 0, 1e12); break;
		case OPT_CALENDAR: o->spec.calendar = 1; break;
		case OPT_COLSAMPLE: g->colsample = sp_cli_double("--colsample", optarg, 1e-6, 1); break;
		case OPT_DEPTH: g->max_depth = (int)sp_cli_long("--max-depth", optarg, 1, 30); break;
		case OPT_DIFFS: o->spec.ndiffs = ints("--diffs", optarg, o->spec.diffs); break;
		case OPT_EARLY: g->early = (int)sp_cli_long("--early", optarg, 0, 100000); break;
		case OPT_ETA: g->eta = sp_cli_double("--eta", optarg, 1e-9, 1); break;
		case OPT_HOLIDAYS: o->holidays = optarg; break;
		case OPT_HORIZON: g->horizon = (int)sp_cli_long("--horizon", optarg, 1, SP_GB_MAXH); break;
		case OPT_IMPORTANCE: o->importance = 1; break;
		case OPT_LAGS: o->spec.nlags = ints("--lags", optarg, o->spec.lags); break;
		case OPT_LAMBDA: g->lambda = sp_cli_double("--lambda", optarg, 0, 1e12); break;
		case OPT_LEVEL: g->level = sp_cli_double("--level", optarg, 1e-6, 1 - 1e-6), level_set = 1; break;
		case OPT_MCW: g->min_child_weight = sp_cli_double("--min-child-weight", optarg, 0, 1e12); break;
		case OPT_NORM: g->norm = sp_cli_choice("--norm", optarg, sp_gb_norms); break;
		case OPT_OBJECTIVE: g->objective = sp_cli_choice("--objective", optarg, sp_gb_objectives); break;
		case OPT_QUANTILES:
			g->nq = sp_cli_doubles("--quantiles", optarg, g->q, SP_GB_MAXQ, 1e-6, 1 - 1e-6);
			g->band = SP_GB_BAND_QUANTILES;
			break;
		case OPT_RELATIVE: o->spec.relative = 1; break;
		case OPT_ROUNDS: g->rounds = (int)sp_cli_long("--rounds", optarg, 1, 100000); break;
		case OPT_SEED: g->seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 0x7fffffffL); break;
		case OPT_SHARED: g->shared = 1; break;
		case OPT_SUBSAMPLE: g->subsample = sp_cli_double("--subsample", optarg, 1e-6, 1); break;
		case OPT_TARGET: g->target = sp_cli_choice("--target", optarg, sp_gb_targets); break;
		case OPT_THREADS: g->threads = (int)sp_cli_long("--threads", optarg, 1, 256); break;
		case OPT_TREE: g->tree_method = sp_cli_choice("--tree-method", optarg, sp_gb_tree_methods); break;
		case OPT_VAL: g->val = sp_cli_double("--val", optarg, 1e-6, 0.9); break;
		case OPT_WINDOWS: o->spec.nwin = ints("--windows", optarg, o->spec.win); break;
		case OPT_WQ: o->spec.nq = sp_cli_doubles("--window-quantiles", optarg, o->spec.q, SP_FEAT_MAXLIST, 1e-6,
			1 - 1e-6); break;
		case OPT_WSTATS: sp_die_if(sp_feat_parse_stats("--window-stats", optarg, &o->spec.stats, &err), &err); break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	if (!o->output)
		sp_die_usage("-o MODEL is required");
	if (level_set && g->band == SP_GB_BAND_QUANTILES)
		sp_die_usage("--level and --quantiles exclude each other");
}

/* The series and extra columns of the input. */
typedef struct {
	double *t, *y, *x;
	size_t n, cap;
} series;

static void
read_input(sp_csv_reader *r, const int *cols, int nextra, series *s)
{
	sp_error err = { 0 };
	int rc;

	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 4096;
			double *t = realloc(s->t, s->cap * sizeof *t), *y = t ? realloc(s->y, s->cap * sizeof *y) : NULL;
			double *x = y ? realloc(s->x, s->cap * (size_t)(nextra ? nextra : 1) * sizeof *x) : NULL;
			if (t)
				s->t = t;
			if (y)
				s->y = y;
			if (!x)
				sp_die("out of memory");
			s->x = x;
		}
		sp_die_if(sp_csv_get_timestamp(r, &s->t[s->n], &err), &err);
		sp_die_if(sp_csv_get_double(r, (size_t)cols[0], &s->y[s->n], &err), &err);
		for (int k = 0; k < nextra; k++)
			sp_die_if(sp_csv_get_double(r, (size_t)cols[k + 1], &s->x[s->n * (size_t)nextra + (size_t)k], &err),
			    &err);
		s->n++;
	}
	sp_die_if(rc, &err);
}

static void
progress(void *arg, int k, int nk, int rounds, double score)
{
	const sp_gb_opts *g = arg;

	if (g->shared)
		fprintf(stderr, "%s: horizons 1..%d: %d rounds, validation score %.6g\n", sp_cli_progname(), g->horizon,
		    rounds, score);
	else
		fprintf(stderr, "%s: horizon %d of %d: %d rounds, validation score %.6g\n", sp_cli_progname(), k, nk,
		    rounds, score);
}

static void
write_importance(const sp_gb *m)
{
	const sp_feat *f = sp_gb_describe(m)->feat;
	size_t nf = sp_feat_count(f), *ord = malloc(nf * sizeof *ord);
	double *v = malloc(3 * nf * sizeof *v);
	sp_csv_writer *w = sp_csv_writer_new(stdout);
	sp_error err = { 0 };

	if (!ord || !v || !w)
		sp_die("out of memory");
	sp_die_if(sp_gb_importance(m, v, v + nf, v + 2 * nf, &err), &err);
	for (size_t i = 0; i < nf; i++) {   /* by total gain, descending; stable */
		size_t j = i;
		for (; j > 0 && v[nf + ord[j - 1]] < v[nf + i]; j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
	}
	sp_csv_write_str(w, "feature"), sp_csv_write_str(w, "gain"), sp_csv_write_str(w, "total_gain");
	sp_csv_write_str(w, "splits"), sp_csv_end_row(w);
	for (size_t i = 0; i < nf; i++) {
		sp_csv_write_str(w, sp_feat_name(f, ord[i]));
		sp_csv_write_double(w, v[ord[i]]), sp_csv_write_double(w, v[nf + ord[i]]);
		sp_csv_write_double(w, v[2 * nf + ord[i]]), sp_csv_end_row(w);
	}
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
	free(ord), free(v);
}

int
main(int argc, char **argv)
{
	options o = { .spec = { .nlags = 8, .lags = { 1, 2, 3, 4, 5, 6, 12, 24 }, .ndiffs = 1, .diffs = { 1 },
		.nwin = 1, .win = { 12 }, .stats = SP_FEAT_MEAN | SP_FEAT_SD | SP_FEAT_MIN | SP_FEAT_MAX } };
	const char *cmdline, *path = "-";
	int cols[1 + SP_FEAT_MAXLIST];
	long *hol = NULL;
	series s = { 0 };
	sp_error err = { 0 };
	sp_csv_reader *r;
	sp_feat *check;
	sp_gb *m;
	FILE *fp;

	sp_gb_defaults(&o.gb);
	sp_cli_init(argv[0], synopsis);
	cmdline = sp_cli_cmdline(argc, argv);
	parse_options(argc, argv, &o);
	o.spec.horizon = o.gb.shared;
	if (!(check = sp_feat_new(&o.spec, &err)))   /* option errors before reading anything */
		sp_die_err(&err);
	sp_feat_free(check);
	sp_die_if(sp_gb_check(&o.gb, &err), &err);
	if (o.holidays) {
		FILE *hf = fopen(o.holidays, "r");
		if (!hf)
			sp_die("%s:", o.holidays);
		sp_die_if(sp_feat_read_holidays(hf, o.holidays, &hol, &o.spec.nhol, &err), &err);
		fclose(hf);
		o.spec.hol = hol;
	}
	sp_die_if(sp_gb_save_check(o.output, &err), &err);

	fp = sp_cli_open_input(o.input, &path);
	if (!(r = sp_csv_reader_new(fp, path, SP_CSV_NEED_TIMESTAMP, &err)))
		sp_die_err(&err);
	if ((cols[0] = sp_csv_pick_col(r, o.column, &err)) < 0)
		sp_die_err(&err);
	if (cols[0] == 0)
		sp_die_usage("-c: the timestamp column is not a series");
	for (int k = 0; k < o.spec.nextra; k++)
		if ((cols[k + 1] = sp_csv_pick_col(r, o.spec.extra[k], &err)) < 0)
			sp_die_err(&err);
	read_input(r, cols, o.spec.nextra, &s);
	if (o.verbose) {
		fprintf(stderr, "%s: scalepipe %s, seed %lu: %s\n", sp_cli_progname(), SP_VERSION, o.gb.seed, cmdline);
		o.gb.progress = progress, o.gb.arg = &o.gb;
	}
	if (!(m = sp_gb_train(&o.spec, &o.gb, sp_csv_colname(r, (size_t)cols[0]), s.t, s.y, o.spec.nextra ? s.x : NULL,
	    s.n, &err)))
		sp_die_err(&err);
	sp_csv_reader_free(r);
	if (fp != stdin)
		fclose(fp);
	sp_die_if(sp_gb_save(m, o.output, cmdline, &err), &err);
	if (o.importance)
		write_importance(m);
	sp_gb_free(m);
	free(s.t), free(s.y), free(s.x), free(hol);
	return 0;
}
