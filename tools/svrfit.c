/* svrfit: learn a performance model (epsilon-SVR, libsvm) from measured rows,
 * or apply one to any CSV.
 *
 * Training reads the whole input (the SVR needs every row at once), picks C,
 * gamma and epsilon by k-fold cross-validation over a grid, retrains on all
 * rows and writes one scalepipe model file.  --predict streams rows and
 * appends a prediction column.  It does not clean outliers or resample.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_file.h"
#include "sp_csv.h"
#include "sp_svr.h"

static const char synopsis[] =
    "svrfit [-x COLS] [-y COL] -m MODEL [-k FOLDS] [--cv SPLIT] [--seed N] [-C LIST] [-g LIST]\n"
    "              [-e LIST] [--kernel KERNEL] [--degree N] [--coef0 X] [--tol X] [--no-scale]\n"
    "              [--precompute WHEN] [-j N] [-v] [FILE]\n"
    "       svrfit --predict -m MODEL [-x COLS] [--name NAME] [FILE]";

#define MAXGRID 64

typedef struct {
	const char *xspec;      /* -x */
	const char *ycol;       /* -y */
	const char *model;      /* -m */
	const char *name;       /* --name */
	const char *input;      /* FILE, NULL for stdin */
	const char *cmdline;    /* recorded in the model */
	int predict;            /* --predict */
	int xgiven;             /* -x was given */
	int verbose;            /* -v */
	long folds;             /* -k */
	long threads;           /* -j, 0 = all cores */
	double Cs[MAXGRID], gammas[MAXGRID], epss[MAXGRID];
	sp_svr_grid g;          /* the lists above, --cv, --seed, -j, --precompute */
	sp_svr_params par;      /* kernel, degree, coef0, tol, scale */
	size_t rows;            /* training rows (for the progress line) */
} options;

static const char *const kernels[] = { "rbf", "linear", "poly", NULL };
static const char *const splits[] = { "random", "blocked", NULL };
static const char *const whens[] = { "auto", "always", "never", NULL };

_Noreturn static void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Fit an epsilon-SVR performance model (e.g. latency from load per replica)\n"
	    "with a cross-validated grid search, or append its predictions to a CSV.\n\n"
	    "  -x, --features COLS   feature columns, comma-separated [%s]\n"
	    "  -y, --target COL      target column [%s]\n"
	    "  -m, --model FILE      model file to write (or read with --predict)\n"
	    "  -k, --folds K         cross-validation folds; 0 = no CV (one grid point) [%ld]\n"
	    "      --cv SPLIT        folds: random (shuffled with --seed) or blocked (row order) [random]\n"
	    "      --seed N          seed of the random folds [%lu]\n"
	    "  -C, --C LIST          candidate C values [0.1,1,10,100]\n"
	    "  -g, --gamma LIST      candidate gamma values, scaled units [0.01,0.1,1,10]\n"
	    "  -e, --epsilon LIST    candidate tube half-widths, scaled target units [0.01,0.1]\n"
	    "      --kernel KERNEL   rbf, linear or poly [rbf]\n"
	    "      --degree N        poly kernel degree [3]\n"
	    "      --coef0 X         poly kernel constant [0]\n"
	    "      --tol X           libsvm stopping tolerance [0.001]\n"
	    "      --no-scale        do not standardise features and target\n"
	    "      --precompute WHEN kernel matrix per gamma: auto, always or never [auto]\n"
	    "  -j, --jobs N          threads for the grid search [all cores]\n"
	    "  -v, --verbose         print the CV table and the choice to stderr\n"
	    "  -q, --quiet           no progress on stderr (shown when stderr is a terminal)\n"
	    "      --predict         append predictions of -m MODEL to the input rows\n"
	    "      --name NAME       prediction column [<target>_pred]\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n", synopsis, o->xspec, o->ycol, o->folds, o->g.seed);
	exit(0);
}

/* Split a comma-separated list of names (at most SP_SVR_MAX_FEATURES). */
static size_t
split_names(const char *spec, char ***out)
{
	char *s = strdup(spec), *p, *save = NULL, **v;
	size_t n = 0;

	v = calloc(SP_SVR_MAX_FEATURES + 1, sizeof *v);
	if (!s || !v)
		sp_die("out of memory");
	if (!*spec || spec[strlen(spec) - 1] == ',' || spec[0] == ',' || strstr(spec, ",,"))
		sp_die_usage("-x: empty column name in '%s'", spec);
	for (p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n == SP_SVR_MAX_FEATURES)
			sp_die_usage("-x: at most %d features", SP_SVR_MAX_FEATURES);
		if (!(v[n++] = strdup(p)))
			sp_die("out of memory");
	}
	free(s);
	*out = v;
	return n;
}

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
predict(const options *o)
{
	sp_error err;
	sp_svr *m = sp_svr_load(o->model, &err);
	const char *name;
	char **names = NULL;
	size_t nf, nx = 0, i;
	sp_csv_reader *r;
	sp_csv_writer *w;
	FILE *in;

	if (!m)
		sp_die_err(&err);
	nf = sp_svr_nfeatures(m);
	in = sp_cli_open_input(o->input, &name);
	if (!(r = sp_csv_reader_new(in, name, 0, &err)))
		sp_die_err(&err);
	if (o->xgiven && (nx = split_names(o->xspec, &names)) != nf) {
		char have[512] = "";
		for (i = 0; i < nf; i++)
			snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
			    sp_svr_feature(m, i));
		sp_die("%s: the model has %zu feature%s (%s), -x gives %zu", o->model, nf, nf == 1 ? "" : "s",
		    have, nx);
	}
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_die_if(sp_svr_predict_csv(m, r, (const char *const *)names, o->name, w, &err), &err);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	if (names)
		free_names(names, nx);
	sp_svr_free(m);
}

/* The progress line: grid points done, the best so far, the time. */
static void
show_progress(void *ctx, const sp_svr_progress *p)
{
	const options *o = ctx;
	char gs[40] = "";

	if (p->best && o->par.kernel != SP_SVR_LINEAR)
		snprintf(gs, sizeof gs, ", gamma %g", p->best->gamma);
	if (p->final) {
		sp_cli_progress_end();
		if (p->best)
			sp_cli_progress("training on all %zu rows with C %g%s, epsilon %g (%.0fs)", o->rows,
			    p->best->C, gs, p->best->epsilon, p->elapsed);
		else
			sp_cli_progress("training on all %zu rows", o->rows);
	} else if (p->best) {
		sp_cli_progress("grid %zu/%zu points (%zu/%zu fits), best cv rmse %.6g at C %g%s, epsilon %g (%.0fs)",
		    p->points, p->npoints, p->fits, p->nfits, p->best->rmse, p->best->C, gs, p->best->epsilon,
		    p->elapsed);
	} else {
		sp_cli_progress("grid %zu/%zu points (%zu/%zu fits) (%.0fs)", p->points, p->npoints, p->fits,
		    p->nfits, p->elapsed);
	}
}

/* -v: the CV table, best marked. */
static void
print_table(const options *o, const sp_svr_cv *cv, size_t ng, size_t best)
{
	size_t i;

	fprintf(stderr, "%12s %12s %12s %14s %14s %9s\n", "C", "gamma", "epsilon", "cv_rmse", "cv_mae", "fit_s");
	for (i = 0; i < ng; i++) {
		char gs[32] = "-";
		if (o->par.kernel != SP_SVR_LINEAR)
			snprintf(gs, sizeof gs, "%g", cv[i].gamma);
		fprintf(stderr, "%12g %12s %12g %14.6g %14.6g %9.3f%s\n", cv[i].C, gs,
		    cv[i].epsilon, cv[i].rmse, cv[i].mae, cv[i].seconds, i == best ? "  *" : "");
	}
}

/* The training rows: features and target columns checked, every row read. */
static size_t
read_training(const options *o, char ***names, size_t *nf, double **x, double **y)
{
	const char *name;
	sp_csv_reader *r;
	sp_error err;
	FILE *in = sp_cli_open_input(o->input, &name);
	int col[SP_SVR_MAX_FEATURES], yc;
	size_t i, j, n;

	if (!(r = sp_csv_reader_new(in, name, 0, &err)))
		sp_die_err(&err);
	*nf = split_names(o->xspec, names);
	for (i = 0; i < *nf; i++)
		if ((col[i] = sp_csv_pick_col(r, (*names)[i], &err)) < 0)
			sp_die_err(&err);
	if ((yc = sp_csv_pick_col(r, o->ycol, &err)) < 0)
		sp_die_err(&err);
	for (i = 0; i < *nf; i++) {
		if (col[i] == yc)
			sp_die_usage("column '%s' is both a feature and the target", o->ycol);
		for (j = 0; j < i; j++)
			if (col[j] == col[i])
				sp_die_usage("-x: column '%s' given twice", (*names)[i]);
	}
	sp_die_if(sp_svr_read_rows(r, col, *nf, yc, x, y, &n, &err), &err);
	if (n == 0)
		sp_die("%s: no data rows", o->input ? o->input : "stdin");
	sp_csv_reader_free(r);
	if (in != stdin)
		fclose(in);
	return n;
}

static void
train(options *o)
{
	sp_error err;
	char **names;
	size_t nf, n, ng, best = 0;
	double *x, *y;
	sp_svr_cv *cv = NULL;
	sp_svr *m;

	sp_die_if(sp_file_check_writable(o->model, &err), &err);   /* before the grid search */
	n = o->rows = read_training(o, &names, &nf, &x, &y);
	ng = sp_svr_grid_size(&o->g, &o->par);
	if (o->folds == 0 && ng != 1)
		sp_die_usage("-k 0 (no cross-validation) needs one value each of -C, -g and -e, not a grid of %zu", ng);
	if (o->folds > 0 && (size_t)o->folds > n)
		sp_die("%ld folds need at least %ld rows, have %zu", o->folds, o->folds, n);
	if (o->folds > 0 && !(cv = calloc(ng, sizeof *cv)))
		sp_die("out of memory");
	if (o->verbose && cv)
		sp_warn("%zu rows, %zu feature%s, target %s, kernel %s, %ld-fold %s CV, %zu grid points, %d threads",
		    n, nf, nf == 1 ? "" : "s", o->ycol, sp_svr_kernel_name(o->par.kernel), o->folds,
		    o->g.blocked ? "blocked" : "random", ng, o->threads > 0 ? (int)o->threads : sp_svr_ncpus());
	if (!(m = sp_svr_fit(x, y, n, nf, (const char *const *)names, o->ycol, &o->par, &o->g, cv, &best, &err)))
		sp_die_err(&err);
	sp_cli_progress_end();
	if (o->verbose && cv)
		print_table(o, cv, ng, best);
	if (o->verbose)
		sp_warn("chose C %g, gamma %g, epsilon %g%s: %zu support vectors", sp_svr_get_params(m)->C,
		    sp_svr_get_params(m)->gamma, sp_svr_get_params(m)->epsilon, cv ? " by CV" : "", sp_svr_nsv(m));
	if (o->verbose && cv)
		sp_warn("cv rmse %.6g %s (mae %.6g)", cv[best].rmse, o->ycol, cv[best].mae);
	sp_die_if(sp_svr_save(m, o->model, o->cmdline, &err), &err);
	sp_svr_free(m);
	free(cv);
	free(x);
	free(y);
	free_names(names, nf);
}

static int
grid_list(const char *opt, const char *arg, double *out, double min)
{
	return sp_cli_doubles(opt, arg, out, MAXGRID, min, 1e12);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_CV = 256, OPT_SEED, OPT_KERNEL, OPT_DEGREE, OPT_COEF0, OPT_TOL, OPT_NOSCALE,
		OPT_PRE, OPT_PREDICT, OPT_NAME, OPT_VERSION };
	static const struct option lo[] = {
		{ "features", required_argument, 0, 'x' }, { "target", required_argument, 0, 'y' },
		{ "model", required_argument, 0, 'm' }, { "folds", required_argument, 0, 'k' },
		{ "cv", required_argument, 0, OPT_CV }, { "seed", required_argument, 0, OPT_SEED },
		{ "C", required_argument, 0, 'C' }, { "gamma", required_argument, 0, 'g' },
		{ "epsilon", required_argument, 0, 'e' }, { "kernel", required_argument, 0, OPT_KERNEL },
		{ "degree", required_argument, 0, OPT_DEGREE }, { "coef0", required_argument, 0, OPT_COEF0 },
		{ "tol", required_argument, 0, OPT_TOL }, { "no-scale", no_argument, 0, OPT_NOSCALE },
		{ "precompute", required_argument, 0, OPT_PRE }, { "jobs", required_argument, 0, 'j' },
		{ "verbose", no_argument, 0, 'v' }, { "quiet", no_argument, 0, 'q' },
		{ "predict", no_argument, 0, OPT_PREDICT }, { "name", required_argument, 0, OPT_NAME },
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, OPT_VERSION }, { 0, 0, 0, 0 }
	};
	static const double C0[] = { 0.1, 1, 10, 100 }, gamma0[] = { 0.01, 0.1, 1, 10 }, eps0[] = { 0.01, 0.1 };
	int c, train_opt = 0;

	memset(o, 0, sizeof *o);
	o->cmdline = sp_cli_cmdline(argc, argv);        /* before getopt permutes argv */
	o->xspec = "load_per_replica";
	o->ycol = "latency_ms";
	o->folds = 5;
	memcpy(o->Cs, C0, sizeof C0);
	memcpy(o->gammas, gamma0, sizeof gamma0);
	memcpy(o->epss, eps0, sizeof eps0);
	o->g = (sp_svr_grid){ .C = o->Cs, .nC = 4, .gamma = o->gammas, .ngamma = 4, .epsilon = o->epss,
		.nepsilon = 2, .seed = 1, .precompute = -1, .progress = show_progress, .progress_ctx = o };
	sp_svr_params_default(&o->par);
	while ((c = getopt_long(argc, argv, "x:y:m:k:C:g:e:j:vqh", lo, NULL)) != -1) {
		switch (c) {
		case 'x': o->xspec = optarg; o->xgiven = 1; break;
		case 'y': o->ycol = optarg; train_opt = 1; break;
		case 'm': o->model = optarg; break;
		case 'k': o->folds = sp_cli_long("-k", optarg, 0, 1000000); train_opt = 1; break;
		case OPT_CV: o->g.blocked = sp_cli_choice("--cv", optarg, splits); train_opt = 1; break;
		case OPT_SEED:
			o->g.seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 4294967295L);
			train_opt = 1;
			break;
		case 'C': o->g.nC = (size_t)grid_list("-C", optarg, o->Cs, 1e-12); train_opt = 1; break;
		case 'g': o->g.ngamma = (size_t)grid_list("-g", optarg, o->gammas, 1e-12); train_opt = 1; break;
		case 'e': o->g.nepsilon = (size_t)grid_list("-e", optarg, o->epss, 0); train_opt = 1; break;
		case OPT_KERNEL:
			o->par.kernel = (sp_svr_kernel)sp_cli_choice("--kernel", optarg, kernels);
			train_opt = 1;
			break;
		case OPT_DEGREE: o->par.degree = (int)sp_cli_long("--degree", optarg, 1, 10); train_opt = 1; break;
		case OPT_COEF0: o->par.coef0 = sp_cli_double("--coef0", optarg, -1e6, 1e6); train_opt = 1; break;
		case OPT_TOL: o->par.tol = sp_cli_double("--tol", optarg, 1e-12, 1); train_opt = 1; break;
		case OPT_NOSCALE: o->par.scale = 0; train_opt = 1; break;
		case OPT_PRE:
			o->g.precompute = (int[]){ -1, 1, 0 }[sp_cli_choice("--precompute", optarg, whens)];
			train_opt = 1;
			break;
		case 'j': o->threads = sp_cli_long("-j", optarg, 1, 256); train_opt = 1; break;
		case 'v': o->verbose = 1; break;
		case 'q': sp_cli_progress_mode(SP_CLI_PROGRESS_OFF); break;
		case OPT_PREDICT: o->predict = 1; break;
		case OPT_NAME: o->name = optarg; break;
		case 'h': usage(o);
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	}
	o->g.folds = (int)o->folds;
	o->g.threads = (int)o->threads;
	if (argc - optind > 1)
		sp_die_usage("unexpected argument '%s'", argv[optind + 1]);
	o->input = optind < argc ? argv[optind] : NULL;
	if (!o->model)
		sp_die_usage("-m MODEL is required");
	if (o->predict && train_opt)
		sp_die_usage("--predict takes only -m, -x, --name and a file");
	if (!o->predict && o->name)
		sp_die_usage("--name goes with --predict");
}

int
main(int argc, char **argv)
{
	options o;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.predict)
		predict(&o);
	else
		train(&o);
	return 0;
}
