/* svrfit: learn a performance model (epsilon-SVR, libsvm) from measured rows,
 * or apply one to any CSV.
 *
 * Training reads the whole input (the SVR needs every row at once), picks C,
 * gamma and epsilon by k-fold cross-validation over a grid, retrains on all
 * rows and writes one scalepipe model file.  --predict streams rows and
 * appends a prediction column.  It does not clean outliers or resample.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_svr.h"

static const char synopsis[] =
    "svrfit [-x COLS] [-y COL] -m MODEL [-k FOLDS] [--cv SPLIT] [--seed N] [-C LIST] [-g LIST]\n"
    "              [-e LIST] [--kernel KERNEL] [--degree N] [--coef0 X] [--tol X] [--no-scale]\n"
    "              [--precompute WHEN] [-j N] [-v] [FILE]\n"
    "       svrfit --predict -m MODEL [-x COLS] [--name NAME] [FILE]";

#define MAXGRID 64

static const char *xspec = "load_per_replica";     /* -x */
static const char *ycol = "latency_ms";            /* -y */
static const char *model_path;                     /* -m */
static const char *out_name;                       /* --name */
static int predict_mode;                           /* --predict */
static int xgiven;                                 /* -x was given */
static int verbose;                                /* -v */
static long folds = 5;                             /* -k */
static int blocked;                                /* --cv blocked */
static unsigned long seed = 1;                     /* --seed */
static long threads;                               /* -j, 0 = all cores */
static int precompute = -1;                        /* --precompute auto|always|never */
static double Cs[MAXGRID] = { 0.1, 1, 10, 100 }, gammas[MAXGRID] = { 0.01, 0.1, 1, 10 },
    epss[MAXGRID] = { 0.01, 0.1 };
static int nC = 4, ngamma = 4, neps = 2;           /* grid sizes */
static sp_svr_params par;                          /* kernel, degree, coef0, tol, scale */

/* heap objects live in globals so that an exit through sp_die leaves them
 * reachable (no leak reports) */
static sp_csv_reader *rd;                          /* the input */
static sp_svr *model;                              /* loaded or trained */
static char **names;                               /* -x names */
static int *col;                                   /* their column indices */
static double *xs, *ys;                            /* training rows */
static sp_svr_cv *cv;                              /* grid search table */
static sp_csv_writer *wr;                          /* --predict output */
static size_t nnames;                              /* entries of names */
static const char *cmdline;                        /* recorded in the model */

static void free_names(char **v, size_t n);

/* Free every global; also the sp_die hook. */
static void
cleanup(void *unused)
{
	(void)unused;
	sp_csv_writer_free(wr);
	sp_csv_reader_free(rd);
	sp_svr_free(model);
	if (names)
		free_names(names, nnames);
	free(col);
	free(xs);
	free(ys);
	free(cv);
	wr = NULL;
	rd = NULL;
	model = NULL;
	names = NULL;
	col = NULL;
	xs = ys = NULL;
	cv = NULL;
}

static const char *const kernels[] = { "rbf", "linear", "poly", NULL };
static const char *const splits[] = { "random", "blocked", NULL };
static const char *const whens[] = { "auto", "always", "never", NULL };

static void
usage(void)
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
	    "      --predict         append predictions of -m MODEL to the input rows\n"
	    "      --name NAME       prediction column [<target>_pred]\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n", synopsis, xspec, ycol, folds, seed);
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

static FILE *
open_input(const char *path)
{
	FILE *fp;

	if (!path || strcmp(path, "-") == 0)
		return stdin;
	if (!(fp = fopen(path, "r")))
		sp_die("%s:", path);
	return fp;
}

static void
predict(const char *path)
{
	sp_error err;
	sp_svr *m = model = sp_svr_load(model_path, &err);
	FILE *fp;
	sp_csv_reader *r;
	sp_csv_writer *w;
	char defname[256];
	size_t nf, i, nx;
	int rc;
	double x[SP_SVR_MAX_FEATURES];

	if (!m)
		sp_die_err(&err);
	nf = sp_svr_nfeatures(m);
	fp = open_input(path);
	if (!(r = rd = sp_csv_reader_new(fp, path && strcmp(path, "-") ? path : "-", 0, &err)))
		sp_die_err(&err);
	if (xgiven) {
		nx = nnames = split_names(xspec, &names);
		if (nx != nf) {
			char have[512] = "";
			for (i = 0; i < nf; i++)
				snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s",
				    i ? ", " : "", sp_svr_feature(m, i));
			sp_die("%s: the model has %zu feature%s (%s), -x gives %zu", model_path, nf,
			    nf == 1 ? "" : "s", have, nx);
		}
	}
	if (!(col = malloc(nf * sizeof *col)))
		sp_die("out of memory");
	for (i = 0; i < nf; i++) {
		const char *want = names ? names[i] : sp_svr_feature(m, i);
		if ((col[i] = sp_csv_pick_col(r, want, &err)) < 0)
			sp_die_err(&err);
	}
	if (!out_name) {
		snprintf(defname, sizeof defname, "%s_pred", sp_svr_target(m));
		out_name = defname;
	}
	if (sp_csv_col_index(r, out_name) >= 0)
		sp_die_usage("the input already has a column '%s'; choose another with --name", out_name);
	w = wr = sp_csv_writer_new(stdout);
	sp_csv_write_header_fields(w, r, 0, -1);
	sp_csv_write_str(w, out_name);
	sp_csv_end_row(w);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		for (i = 0; i < nf; i++)
			if (sp_csv_get_double(r, (size_t)col[i], &x[i], &err) < 0)
				sp_die_err(&err);
		sp_csv_write_row_fields(w, r, 0, -1);
		sp_csv_write_double(w, sp_svr_predict(m, x));   /* NaN (missing) -> empty */
		sp_csv_end_row(w);
	}
	if (rc < 0)
		sp_die_err(&err);
	if (sp_csv_writer_flush(w, &err) < 0)
		sp_die_err(&err);
	cleanup(NULL);
	if (fp != stdin)
		fclose(fp);
}

static void
train(const char *path)
{
	sp_error err;
	FILE *fp = open_input(path);
	sp_csv_reader *r;
	size_t nf, i, n = 0, cap = 0, best = 0, ng;
	int yc, rc;
	double *x = NULL, *y = NULL;
	sp_svr_grid g;
	sp_svr *m;

	if (!(r = rd = sp_csv_reader_new(fp, path && strcmp(path, "-") ? path : "-", 0, &err)))
		sp_die_err(&err);
	nf = nnames = split_names(xspec, &names);
	if (!(col = malloc(nf * sizeof *col)))
		sp_die("out of memory");
	for (i = 0; i < nf; i++)
		if ((col[i] = sp_csv_pick_col(r, names[i], &err)) < 0)
			sp_die_err(&err);
	if ((yc = sp_csv_pick_col(r, ycol, &err)) < 0)
		sp_die_err(&err);
	for (i = 0; i < nf; i++) {
		size_t j;
		if (col[i] == yc)
			sp_die_usage("column '%s' is both a feature and the target", ycol);
		for (j = 0; j < i; j++)
			if (col[j] == col[i])
				sp_die_usage("-x: column '%s' given twice", names[i]);
	}
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			x = xs = realloc(x, cap * nf * sizeof *x);
			y = ys = realloc(y, cap * sizeof *y);
			if (!x || !y)
				sp_die("out of memory");
		}
		for (i = 0; i < nf; i++)
			if (sp_csv_get_double_req(r, (size_t)col[i], &x[n * nf + i], &err) < 0)
				sp_die_err(&err);
		if (sp_csv_get_double_req(r, (size_t)yc, &y[n], &err) < 0)
			sp_die_err(&err);
		n++;
	}
	if (rc < 0)
		sp_die_err(&err);
	if (n == 0)
		sp_die("%s: no data rows", path ? path : "stdin");

	g.C = Cs;
	g.nC = (size_t)nC;
	g.gamma = gammas;
	g.ngamma = (size_t)ngamma;
	g.epsilon = epss;
	g.nepsilon = (size_t)neps;
	g.folds = (int)folds;
	g.blocked = blocked;
	g.seed = seed;
	g.threads = (int)threads;
	g.precompute = precompute;
	ng = sp_svr_grid_size(&g, &par);
	if (folds == 0) {
		if (ng != 1)
			sp_die_usage("-k 0 (no cross-validation) needs one value each of -C, -g and -e, not a grid of %zu", ng);
	} else {
		if ((size_t)folds > n)
			sp_die("%ld folds need at least %ld rows, have %zu", folds, folds, n);
		if (!(cv = calloc(ng, sizeof *cv)))
			sp_die("out of memory");
		if (verbose)
			sp_warn("%zu rows, %zu feature%s, target %s, kernel %s, %ld-fold %s CV, %zu grid points, %d threads",
			    n, nf, nf == 1 ? "" : "s", ycol, sp_svr_kernel_name(par.kernel), folds,
			    blocked ? "blocked" : "random", ng,
			    threads > 0 ? (int)threads : sp_svr_ncpus());
		if (sp_svr_grid_search(x, y, n, nf, &par, &g, cv, &best, &err) < 0)
			sp_die_err(&err);
		if (verbose) {
			fprintf(stderr, "%12s %12s %12s %14s %14s %9s\n", "C", "gamma", "epsilon", "cv_rmse", "cv_mae", "fit_s");
			for (i = 0; i < ng; i++) {
				char gs[32] = "-";
				if (par.kernel != SP_SVR_LINEAR)
					snprintf(gs, sizeof gs, "%g", cv[i].gamma);
				fprintf(stderr, "%12g %12s %12g %14.6g %14.6g %9.3f%s\n", cv[i].C, gs,
				    cv[i].epsilon, cv[i].rmse, cv[i].mae, cv[i].seconds, i == best ? "  *" : "");
			}
		}
		par.C = cv[best].C;
		par.gamma = cv[best].gamma;
		par.epsilon = cv[best].epsilon;
	}
	if (folds == 0) {
		par.C = Cs[0];
		par.gamma = gammas[0];
		par.epsilon = epss[0];
	}
	if (!(m = model = sp_svr_train(x, y, n, nf, (const char *const *)names, ycol, &par, &err)))
		sp_die_err(&err);
	if (cv)
		sp_svr_set_cv(m, (int)folds, blocked, seed, cv[best].rmse);
	if (verbose)
		sp_warn("chose C %g, gamma %g, epsilon %g%s: %zu support vectors", par.C, par.gamma, par.epsilon,
		    cv ? " by CV" : "", sp_svr_nsv(m));
	if (verbose && cv)
		sp_warn("cv rmse %.6g %s (mae %.6g)", cv[best].rmse, ycol, cv[best].mae);
	if (sp_svr_save(m, model_path, cmdline, &err) < 0)
		sp_die_err(&err);
	cleanup(NULL);
	if (fp != stdin)
		fclose(fp);
}

static int
grid_list(const char *opt, const char *arg, double *out, double min)
{
	return sp_cli_doubles(opt, arg, out, MAXGRID, min, 1e12);
}

int
main(int argc, char **argv)
{
	enum { OPT_CV = 256, OPT_SEED, OPT_KERNEL, OPT_DEGREE, OPT_COEF0, OPT_TOL, OPT_NOSCALE,
		OPT_PRE, OPT_PREDICT, OPT_NAME, OPT_VERSION };
	static const struct option lo[] = {
		{ "features", required_argument, 0, 'x' },
		{ "target", required_argument, 0, 'y' },
		{ "model", required_argument, 0, 'm' },
		{ "folds", required_argument, 0, 'k' },
		{ "cv", required_argument, 0, OPT_CV },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "C", required_argument, 0, 'C' },
		{ "gamma", required_argument, 0, 'g' },
		{ "epsilon", required_argument, 0, 'e' },
		{ "kernel", required_argument, 0, OPT_KERNEL },
		{ "degree", required_argument, 0, OPT_DEGREE },
		{ "coef0", required_argument, 0, OPT_COEF0 },
		{ "tol", required_argument, 0, OPT_TOL },
		{ "no-scale", no_argument, 0, OPT_NOSCALE },
		{ "precompute", required_argument, 0, OPT_PRE },
		{ "jobs", required_argument, 0, 'j' },
		{ "verbose", no_argument, 0, 'v' },
		{ "predict", no_argument, 0, OPT_PREDICT },
		{ "name", required_argument, 0, OPT_NAME },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	int c, train_opt = 0;

	sp_cli_init(argv[0], synopsis);
	sp_cli_on_error(cleanup, NULL);
	cmdline = sp_cli_cmdline(argc, argv);
	sp_svr_params_default(&par);
	while ((c = getopt_long(argc, argv, "x:y:m:k:C:g:e:j:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'x': xspec = optarg; xgiven = 1; break;
		case 'y': ycol = optarg; train_opt = 1; break;
		case 'm': model_path = optarg; break;
		case 'k': folds = sp_cli_long("-k", optarg, 0, 1000000); train_opt = 1; break;
		case OPT_CV: blocked = sp_cli_choice("--cv", optarg, splits); train_opt = 1; break;
		case OPT_SEED: seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 4294967295L); train_opt = 1; break;
		case 'C': nC = grid_list("-C", optarg, Cs, 1e-12); train_opt = 1; break;
		case 'g': ngamma = grid_list("-g", optarg, gammas, 1e-12); train_opt = 1; break;
		case 'e': neps = grid_list("-e", optarg, epss, 0); train_opt = 1; break;
		case OPT_KERNEL: par.kernel = (sp_svr_kernel)sp_cli_choice("--kernel", optarg, kernels); train_opt = 1; break;
		case OPT_DEGREE: par.degree = (int)sp_cli_long("--degree", optarg, 1, 10); train_opt = 1; break;
		case OPT_COEF0: par.coef0 = sp_cli_double("--coef0", optarg, -1e6, 1e6); train_opt = 1; break;
		case OPT_TOL: par.tol = sp_cli_double("--tol", optarg, 1e-12, 1); train_opt = 1; break;
		case OPT_NOSCALE: par.scale = 0; train_opt = 1; break;
		case OPT_PRE: precompute = (int[]){ -1, 1, 0 }[sp_cli_choice("--precompute", optarg, whens)]; train_opt = 1; break;
		case 'j': threads = sp_cli_long("-j", optarg, 1, 256); train_opt = 1; break;
		case 'v': verbose = 1; break;
		case OPT_PREDICT: predict_mode = 1; break;
		case OPT_NAME: out_name = optarg; break;
		case 'h': usage(); break;
		case OPT_VERSION: sp_cli_version(); break;
		default: sp_cli_bad_option();
		}
	}
	if (argc - optind > 1)
		sp_die_usage("unexpected argument '%s'", argv[optind + 1]);
	if (!model_path)
		sp_die_usage("-m MODEL is required");
	if (predict_mode && train_opt)
		sp_die_usage("--predict takes only -m, -x, --name and a file");
	if (!predict_mode && out_name)
		sp_die_usage("--name goes with --predict");
	if (predict_mode)
		predict(optind < argc ? argv[optind] : NULL);
	else
		train(optind < argc ? argv[optind] : NULL);
	return 0;
}
