/* sp_svr: epsilon-SVR models over libsvm; see sp_svr.h.
 *
 * Training always goes through libsvm's svm_train.  The grid search shares
 * one kernel matrix per gamma across every (C, epsilon, fold) fit via the
 * PRECOMPUTED kernel, and spreads fits over a small pthread pool.
 */
#include "sp_svr.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <svm.h>

#include "sp_cli.h"     /* SP_VERSION only */
#include "sp_model.h"
#include "sp_rand.h"
#include "sp_time.h"

struct sp_svr {
	size_t nfeat;
	char **feat;
	char *target;
	sp_svr_params p;
	double *xc, *xs;        /* [nfeat] */
	double yc, ys;
	double rho;
	size_t nsv;
	double *coef;           /* [nsv] */
	double *sv;             /* [nsv][nfeat], scaled */
	int cv_folds, cv_blocked;
	unsigned long cv_seed;
	double cv_rmse;
};

static const char *const kernel_names[] = { "rbf", "linear", "poly", NULL };

const char *
sp_svr_kernel_name(sp_svr_kernel k)
{
	return (unsigned)k < 3 ? kernel_names[k] : "?";
}

void
sp_svr_params_default(sp_svr_params *p)
{
	p->kernel = SP_SVR_RBF;
	p->C = 1;
	p->gamma = 1;
	p->epsilon = 0.1;
	p->degree = 3;
	p->coef0 = 0;
	p->tol = 1e-3;
	p->cache_mb = 100;
	p->shrinking = 1;
	p->scale = 1;
}

static void
quiet(const char *s)
{
	(void)s;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void
install_quiet(void)
{
	svm_set_print_string_function(quiet);
}

static void
silence_libsvm(void)
{
	pthread_once(&quiet_once, install_quiet);
}

int
sp_svr_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* ---- model object ---- */

static sp_svr *
svr_new(size_t nfeat)
{
	sp_svr *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->nfeat = nfeat;
	m->cv_rmse = NAN;
	m->feat = calloc(nfeat, sizeof *m->feat);
	m->xc = calloc(nfeat, sizeof *m->xc);
	m->xs = calloc(nfeat, sizeof *m->xs);
	if (!m->feat || !m->xc || !m->xs) {
		free(m->feat);
		free(m->xc);
		free(m->xs);
		free(m);
		return NULL;
	}
	return m;
}

void
sp_svr_free(sp_svr *m)
{
	size_t i;

	if (!m)
		return;
	if (m->feat)
		for (i = 0; i < m->nfeat; i++)
			free(m->feat[i]);
	free(m->feat);
	free(m->target);
	free(m->xc);
	free(m->xs);
	free(m->coef);
	free(m->sv);
	free(m);
}

size_t
sp_svr_nfeatures(const sp_svr *m)
{
	return m->nfeat;
}

const char *
sp_svr_feature(const sp_svr *m, size_t i)
{
	return i < m->nfeat ? m->feat[i] : NULL;
}

const char *
sp_svr_target(const sp_svr *m)
{
	return m->target;
}

const sp_svr_params *
sp_svr_get_params(const sp_svr *m)
{
	return &m->p;
}

size_t
sp_svr_nsv(const sp_svr *m)
{
	return m->nsv;
}

void
sp_svr_set_cv(sp_svr *m, int folds, int blocked, unsigned long seed, double rmse)
{
	m->cv_folds = folds;
	m->cv_blocked = blocked;
	m->cv_seed = seed;
	m->cv_rmse = rmse;
}

double
sp_svr_cv_rmse(const sp_svr *m, int *folds)
{
	if (folds)
		*folds = m->cv_folds;
	return m->cv_folds > 0 ? m->cv_rmse : NAN;
}

/* libsvm's powi (svm.cpp). */
static double
powi(double base, int times)
{
	double tmp = base, ret = 1.0;
	int t;

	for (t = times; t > 0; t /= 2) {
		if (t % 2 == 1)
			ret *= tmp;
		tmp = tmp * tmp;
	}
	return ret;
}

/* Kernel::k_function of libsvm for dense vectors of length d. */
static double
kfun(const sp_svr_params *p, const double *u, const double *v, size_t d)
{
	double s = 0, t;
	size_t j;

	switch (p->kernel) {
	case SP_SVR_RBF:
		for (j = 0; j < d; j++) {
			t = u[j] - v[j];
			s += t * t;
		}
		return exp(-p->gamma * s);
	case SP_SVR_POLY:
		for (j = 0; j < d; j++)
			s += u[j] * v[j];
		return powi(p->gamma * s + p->coef0, p->degree);
	default:
		for (j = 0; j < d; j++)
			s += u[j] * v[j];
		return s;
	}
}

double
sp_svr_predict(const sp_svr *m, const double *x)
{
	double z[SP_SVR_MAX_FEATURES], sum = 0;
	size_t i, d = m->nfeat;

	for (i = 0; i < d; i++) {
		if (isnan(x[i]))
			return NAN;
		z[i] = (x[i] - m->xc[i]) / m->xs[i];
	}
	for (i = 0; i < m->nsv; i++)
		sum += m->coef[i] * kfun(&m->p, z, m->sv + i * d, d);
	sum -= m->rho;
	return m->yc + m->ys * sum;
}

/* ---- checks shared by training and grid search ---- */

static int
check_params(const sp_svr_params *p, sp_error *err)
{
	if ((unsigned)p->kernel > SP_SVR_POLY)
		return sp_error_set(err, SP_EUSAGE, "unknown kernel %d", (int)p->kernel);
	if (!(p->C > 0) || !isfinite(p->C))
		return sp_error_set(err, SP_EUSAGE, "C must be a positive number, not %g", p->C);
	if (!(p->gamma > 0) || !isfinite(p->gamma))
		return sp_error_set(err, SP_EUSAGE, "gamma must be a positive number, not %g", p->gamma);
	if (!(p->epsilon >= 0) || !isfinite(p->epsilon))
		return sp_error_set(err, SP_EUSAGE, "epsilon must be >= 0, not %g", p->epsilon);
	if (p->degree < 1 || p->degree > 10)
		return sp_error_set(err, SP_EUSAGE, "degree must be in 1..10, not %d", p->degree);
	if (!isfinite(p->coef0))
		return sp_error_set(err, SP_EUSAGE, "coef0 must be finite");
	if (!(p->tol > 0) || !isfinite(p->tol))
		return sp_error_set(err, SP_EUSAGE, "tolerance must be positive, not %g", p->tol);
	if (!(p->cache_mb > 0) || !isfinite(p->cache_mb))
		return sp_error_set(err, SP_EUSAGE, "cache size must be positive, not %g", p->cache_mb);
	return SP_OK;
}

/* Validate data and compute the scaling into xc/xs[nfeat], *yc, *ys. */
static int
fit_scaling(const double *x, const double *y, size_t n, size_t nfeat, int scale,
    double *xc, double *xs, double *yc, double *ys, sp_error *err)
{
	size_t i, j;
	double s, m, d;

	if (nfeat < 1 || nfeat > SP_SVR_MAX_FEATURES)
		return sp_error_set(err, SP_EUSAGE, "need 1..%d features, not %zu",
		    SP_SVR_MAX_FEATURES, nfeat);
	if (n < 2)
		return sp_error_set(err, SP_EDATA, "need at least 2 training rows, have %zu", n);
	for (i = 0; i < n; i++) {
		if (!isfinite(y[i]))
			return sp_error_set(err, SP_EDATA, "row %zu: target is not a finite number", i + 1);
		for (j = 0; j < nfeat; j++)
			if (!isfinite(x[i * nfeat + j]))
				return sp_error_set(err, SP_EDATA, "row %zu: feature %zu is not a finite number",
				    i + 1, j + 1);
	}
	for (i = 1; i < n && y[i] == y[0]; i++)
		;
	if (i == n)
		return sp_error_set(err, SP_EDATA, "the target is constant (%g in all %zu rows): nothing to learn",
		    y[0], n);
	for (j = 0; j < nfeat; j++) {
		xc[j] = 0;
		xs[j] = 1;
		if (!scale)
			continue;
		for (s = 0, i = 0; i < n; i++)
			s += x[i * nfeat + j];
		m = s / (double)n;
		for (s = 0, i = 0; i < n; i++) {
			d = x[i * nfeat + j] - m;
			s += d * d;
		}
		s = sqrt(s / (double)n);
		xc[j] = m;
		/* StandardScaler keeps a (near-)constant feature unscaled */
		xs[j] = s > 1e-12 * (fabs(m) > 1 ? fabs(m) : 1) ? s : 1;
	}
	*yc = 0;
	*ys = 1;
	if (scale) {
		for (s = 0, i = 0; i < n; i++)
			s += y[i];
		m = s / (double)n;
		for (s = 0, i = 0; i < n; i++) {
			d = y[i] - m;
			s += d * d;
		}
		*yc = m;
		*ys = sqrt(s / (double)n);
		if (!(*ys > 0))
			return sp_error_set(err, SP_EDATA, "the target is constant: nothing to learn");
	}
	return SP_OK;
}

static void
to_libsvm_param(const sp_svr_params *p, struct svm_parameter *q)
{
	memset(q, 0, sizeof *q);
	q->svm_type = EPSILON_SVR;
	q->kernel_type = p->kernel == SP_SVR_LINEAR ? LINEAR : p->kernel == SP_SVR_POLY ? POLY : RBF;
	q->degree = p->degree;
	q->gamma = p->gamma;
	q->coef0 = p->coef0;
	q->cache_size = p->cache_mb;
	q->eps = p->tol;
	q->C = p->C;
	q->p = p->epsilon;
	q->shrinking = p->shrinking;
	q->probability = 0;
	q->nu = 0.5;
}

/* Dense rows as libsvm nodes with every feature explicit (zeros too), so
 * libsvm's sparse dot products add the same terms in the same order as
 * scikit-learn's dense libsvm.  nodes[n * (d + 1)], rows[n]. */
static int
make_nodes(const double *z, size_t n, size_t d, struct svm_node **nodesp, struct svm_node ***rowsp)
{
	struct svm_node *nodes = malloc(n * (d + 1) * sizeof *nodes);
	struct svm_node **rows = malloc(n * sizeof *rows);
	size_t i, j;

	if (!nodes || !rows) {
		free(nodes);
		free(rows);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct svm_node *r = nodes + i * (d + 1);
		for (j = 0; j < d; j++) {
			r[j].index = (int)j + 1;
			r[j].value = z[i * d + j];
		}
		r[d].index = -1;
		r[d].value = 0;
		rows[i] = r;
	}
	*nodesp = nodes;
	*rowsp = rows;
	return 0;
}

sp_svr *
sp_svr_train(const double *x, const double *y, size_t n, size_t nfeat,
    const char *const *features, const char *target, const sp_svr_params *p, sp_error *err)
{
	sp_svr *m = NULL;
	double *z = NULL, *yz = NULL;
	struct svm_node *nodes = NULL, **rows = NULL;
	struct svm_problem prob;
	struct svm_parameter param;
	struct svm_model *sm = NULL;
	const char *msg;
	size_t i, j;

	silence_libsvm();
	if (check_params(p, err) < 0)
		return NULL;
	if (nfeat < 1 || nfeat > SP_SVR_MAX_FEATURES) {
		sp_error_set(err, SP_EUSAGE, "need 1..%d features, not %zu", SP_SVR_MAX_FEATURES, nfeat);
		return NULL;
	}
	if (!(m = svr_new(nfeat)))
		goto nomem;
	m->p = *p;
	if (fit_scaling(x, y, n, nfeat, p->scale, m->xc, m->xs, &m->yc, &m->ys, err) < 0)
		goto fail;
	for (j = 0; j < nfeat; j++)
		if (!(m->feat[j] = strdup(features[j])))
			goto nomem;
	if (!(m->target = strdup(target)))
		goto nomem;
	z = malloc(n * nfeat * sizeof *z);
	yz = malloc(n * sizeof *yz);
	if (!z || !yz)
		goto nomem;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nfeat; j++)
			z[i * nfeat + j] = (x[i * nfeat + j] - m->xc[j]) / m->xs[j];
		yz[i] = (y[i] - m->yc) / m->ys;
	}
	if (make_nodes(z, n, nfeat, &nodes, &rows) < 0)
		goto nomem;
	prob.l = (int)n;
	prob.y = yz;
	prob.x = rows;
	to_libsvm_param(p, &param);
	if ((msg = svm_check_parameter(&prob, &param))) {
		sp_error_set(err, SP_EUSAGE, "libsvm: %s", msg);
		goto fail;
	}
	if (!(sm = svm_train(&prob, &param)))
		goto nomem;
	/* the model's SV pointers alias rows (free_sv = 0): copy before freeing */
	m->nsv = (size_t)sm->l;
	m->rho = sm->rho[0];
	m->coef = malloc((m->nsv ? m->nsv : 1) * sizeof *m->coef);
	m->sv = malloc((m->nsv ? m->nsv : 1) * nfeat * sizeof *m->sv);
	if (!m->coef || !m->sv)
		goto nomem;
	for (i = 0; i < m->nsv; i++) {
		const struct svm_node *s = sm->SV[i];
		m->coef[i] = sm->sv_coef[0][i];
		for (j = 0; j < nfeat; j++)
			m->sv[i * nfeat + j] = 0;
		for (; s->index != -1; s++)
			m->sv[i * nfeat + (size_t)s->index - 1] = s->value;
	}
	svm_free_and_destroy_model(&sm);
	free(nodes);
	free(rows);
	free(z);
	free(yz);
	return m;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	if (sm)
		svm_free_and_destroy_model(&sm);
	free(nodes);
	free(rows);
	free(z);
	free(yz);
	sp_svr_free(m);
	return NULL;
}

/* ---- model file ---- */

int
sp_svr_save(const sp_svr *m, const char *path, const char *command, sp_error *err)
{
	sp_model_writer *w;
	struct stat st;
	char key[32];
	size_t j;

	/* rename() would replace a device or directory entry: refuse */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return sp_error_set(err, SP_EIO, "%s: not a regular file", path);
	if (!(w = sp_model_create(path, SP_SVR_KIND, SP_SVR_VERSION, err)))
		return err ? err->code : SP_EIO;
	sp_model_put_str(w, "scalepipe", SP_VERSION);
	sp_model_put_line(w, "command", command ? command : "");
	sp_model_put_line(w, "target", m->target);
	sp_model_put_long(w, "nfeatures", (long)m->nfeat);
	for (j = 0; j < m->nfeat; j++) {
		snprintf(key, sizeof key, "feature.%zu", j + 1);
		sp_model_put_line(w, key, m->feat[j]);
	}
	sp_model_put_str(w, "kernel", sp_svr_kernel_name(m->p.kernel));
	sp_model_put_long(w, "degree", m->p.degree);
	sp_model_put_double(w, "gamma", m->p.gamma);
	sp_model_put_double(w, "coef0", m->p.coef0);
	sp_model_put_double(w, "C", m->p.C);
	sp_model_put_double(w, "epsilon", m->p.epsilon);
	sp_model_put_doubles(w, "x_center", m->nfeat, m->xc);
	sp_model_put_doubles(w, "x_scale", m->nfeat, m->xs);
	sp_model_put_double(w, "y_center", m->yc);
	sp_model_put_double(w, "y_scale", m->ys);
	sp_model_put_double(w, "rho", m->rho);
	sp_model_put_long(w, "nsv", (long)m->nsv);
	sp_model_put_doubles(w, "sv_coef", m->nsv, m->coef);
	sp_model_put_doubles(w, "sv", m->nsv * m->nfeat, m->sv);
	if (m->cv_folds > 0) {
		sp_model_put_long(w, "cv_folds", m->cv_folds);
		sp_model_put_str(w, "cv_split", m->cv_blocked ? "blocked" : "random");
		sp_model_put_long(w, "cv_seed", (long)m->cv_seed);
		sp_model_put_double(w, "cv_rmse", m->cv_rmse);
	}
	return sp_model_commit(w, err);
}

static int
bad_value(sp_model *f, const char *key, const char *what, sp_error *err)
{
	/* a value that parsed but is out of its domain: point at the key */
	return sp_error_set(err, SP_EMODEL, "%s: '%s' %s", sp_model_path(f), key, what);
}

sp_svr *
sp_svr_load(const char *path, sp_error *err)
{
	sp_model *f = sp_model_load(path, SP_SVR_KIND, SP_SVR_VERSION, NULL, err);
	sp_svr *m = NULL;
	const char *s;
	long nfeat, nsv, degree, folds;
	char key[32];
	size_t j;
	int k;

	if (!f)
		return NULL;
	if (sp_model_get_str(f, "scalepipe", &s, err) < 0 || sp_model_get_line(f, "command", &s, err) < 0)
		goto fail;
	if (sp_model_get_long(f, "nfeatures", 1, SP_SVR_MAX_FEATURES, &nfeat, err) < 0)
		goto fail;
	if (!(m = svr_new((size_t)nfeat)))
		goto nomem;
	sp_svr_params_default(&m->p);
	if (sp_model_get_line(f, "target", &s, err) < 0)
		goto fail;
	if (!*s) {
		bad_value(f, "target", "is empty", err);
		goto fail;
	}
	if (!(m->target = strdup(s)))
		goto nomem;
	for (j = 0; j < m->nfeat; j++) {
		snprintf(key, sizeof key, "feature.%zu", j + 1);
		if (sp_model_get_line(f, key, &s, err) < 0)
			goto fail;
		if (!*s) {
			bad_value(f, key, "is empty", err);
			goto fail;
		}
		if (!(m->feat[j] = strdup(s)))
			goto nomem;
	}
	if (sp_model_get_str(f, "kernel", &s, err) < 0)
		goto fail;
	for (k = 0; kernel_names[k] && strcmp(kernel_names[k], s) != 0; k++)
		;
	if (!kernel_names[k]) {
		bad_value(f, "kernel", "must be rbf, linear or poly", err);
		goto fail;
	}
	m->p.kernel = (sp_svr_kernel)k;
	if (sp_model_get_long(f, "degree", 1, 10, &degree, err) < 0 ||
	    sp_model_get_double(f, "gamma", &m->p.gamma, err) < 0 ||
	    sp_model_get_double(f, "coef0", &m->p.coef0, err) < 0 ||
	    sp_model_get_double(f, "C", &m->p.C, err) < 0 ||
	    sp_model_get_double(f, "epsilon", &m->p.epsilon, err) < 0)
		goto fail;
	m->p.degree = (int)degree;
	if (!(m->p.gamma > 0)) {
		bad_value(f, "gamma", "must be positive", err);
		goto fail;
	}
	if (!(m->p.C > 0) || !(m->p.epsilon >= 0)) {
		bad_value(f, m->p.C > 0 ? "epsilon" : "C", m->p.C > 0 ? "must be >= 0" : "must be positive", err);
		goto fail;
	}
	if (sp_model_get_doubles(f, "x_center", m->nfeat, m->xc, err) < 0 ||
	    sp_model_get_doubles(f, "x_scale", m->nfeat, m->xs, err) < 0 ||
	    sp_model_get_double(f, "y_center", &m->yc, err) < 0 ||
	    sp_model_get_double(f, "y_scale", &m->ys, err) < 0 ||
	    sp_model_get_double(f, "rho", &m->rho, err) < 0)
		goto fail;
	for (j = 0; j < m->nfeat; j++)
		if (!(m->xs[j] > 0)) {
			bad_value(f, "x_scale", "values must be positive", err);
			goto fail;
		}
	if (!(m->ys > 0)) {
		bad_value(f, "y_scale", "must be positive", err);
		goto fail;
	}
	if (sp_model_get_long(f, "nsv", 0, 100000000L / (long)m->nfeat, &nsv, err) < 0)
		goto fail;
	m->nsv = (size_t)nsv;
	m->coef = malloc((m->nsv ? m->nsv : 1) * sizeof *m->coef);
	m->sv = malloc((m->nsv ? m->nsv : 1) * m->nfeat * sizeof *m->sv);
	if (!m->coef || !m->sv)
		goto nomem;
	if (sp_model_get_doubles(f, "sv_coef", m->nsv, m->coef, err) < 0 ||
	    sp_model_get_doubles(f, "sv", m->nsv * m->nfeat, m->sv, err) < 0)
		goto fail;
	if (sp_model_has(f, "cv_folds") || sp_model_has(f, "cv_split") ||
	    sp_model_has(f, "cv_seed") || sp_model_has(f, "cv_rmse")) {
		long seed;
		if (sp_model_get_long(f, "cv_folds", 2, 1000000, &folds, err) < 0 ||
		    sp_model_get_str(f, "cv_split", &s, err) < 0)
			goto fail;
		if (strcmp(s, "random") != 0 && strcmp(s, "blocked") != 0) {
			bad_value(f, "cv_split", "must be random or blocked", err);
			goto fail;
		}
		m->cv_blocked = s[0] == 'b';
		if (sp_model_get_long(f, "cv_seed", 0, LONG_MAX, &seed, err) < 0 ||
		    sp_model_get_double(f, "cv_rmse", &m->cv_rmse, err) < 0)
			goto fail;
		m->cv_folds = (int)folds;
		m->cv_seed = (unsigned long)seed;
	}
	if (sp_model_finish(f, err) < 0)
		goto fail;
	sp_model_free(f);
	return m;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	sp_model_free(f);
	sp_svr_free(m);
	return NULL;
}

/* ---- thread pool: run fn(ctx, job) for job in [0, njobs) ---- */

typedef struct {
	pthread_mutex_t mu;
	size_t next, njobs;
	void (*fn)(void *, size_t);
	void *ctx;
} pool;

static void *
pool_worker(void *arg)
{
	pool *pl = arg;
	size_t job;

	for (;;) {
		pthread_mutex_lock(&pl->mu);
		job = pl->next < pl->njobs ? pl->next++ : (size_t)-1;
		pthread_mutex_unlock(&pl->mu);
		if (job == (size_t)-1)
			return NULL;
		pl->fn(pl->ctx, job);
	}
}

static void
run_parallel(int nthreads, size_t njobs, void (*fn)(void *, size_t), void *ctx)
{
	pthread_t tid[256];
	pool pl;
	int i, started = 0;

	pl.next = 0;
	pl.njobs = njobs;
	pl.fn = fn;
	pl.ctx = ctx;
	pthread_mutex_init(&pl.mu, NULL);
	if (nthreads > 256)
		nthreads = 256;
	if ((size_t)nthreads > njobs)
		nthreads = (int)njobs;
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&tid[started], NULL, pool_worker, &pl) == 0)
			started++;
	pool_worker(&pl);       /* the caller works too; fewer threads is still correct */
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&pl.mu);
}

/* ---- grid search ---- */

size_t
sp_svr_grid_size(const sp_svr_grid *g, const sp_svr_params *base)
{
	return g->nC * (base->kernel == SP_SVR_LINEAR ? 1 : g->ngamma) * g->nepsilon;
}

/* One cross-validation fit: grid point (ic, ig, ie), held-out fold f. */
typedef struct {
	size_t ic, ig, ie, f;
} cvjob;

typedef struct {
	size_t n, d, k;
	const double *z, *yz;           /* scaled data */
	const double *y;                /* original target */
	double ys, yc;
	const int *fold;                /* [n] */
	sp_svr_params base;
	size_t ngamma_eff;
	const sp_svr_grid *g;
	struct svm_node **nrows;        /* native rows [n] */
	int pre;                        /* use precomputed kernel matrices */
	size_t g0, nslot;               /* gammas g0 .. g0+nslot-1 are in the slots */
	struct svm_node **kn;           /* [nslot] matrices of n * (n + 2) nodes */
	struct svm_node ***krows;       /* [nslot][n] row pointers into kn[] */
	cvjob *jobs;                    /* this batch's fits, slow ones first */
	double *xsq;                    /* [n] |z_i|^2 */
	double *pred;                   /* [ncombo][n] held-out predictions */
	double *secs;                   /* [ncombo][k] */
	int failed;
	pthread_mutex_t mu;
	/* progress (only with g->progress) */
	size_t *done;                   /* [ncombo] folds done */
	sp_svr_progress prog;
	sp_svr_cv best_so_far;
	double t0;
} gctx;


/* Row i of the kernel matrix of slot job / n (gamma g0 + slot), as libsvm
 * computes it in Kernel::kernel_rbf / kernel_poly (x_square trick). */
static void
kernel_row(void *arg, size_t job)
{
	gctx *c = arg;
	size_t n = c->n, d = c->d, slot = job / n, i = job % n, j, t;
	struct svm_node *kn = c->kn[slot], *r = kn + i * (n + 2), *rj;
	const double *zi = c->z + i * d, *zj;
	double dot, v, gamma = c->g->gamma[c->g0 + slot];

	r[0].index = 0;
	r[0].value = (double)(i + 1);
	r[n + 1].index = -1;
	r[n + 1].value = 0;
	for (j = i; j < n; j++) {
		zj = c->z + j * d;
		for (dot = 0, t = 0; t < d; t++)
			dot += zi[t] * zj[t];
		if (c->base.kernel == SP_SVR_POLY)
			v = powi(gamma * dot + c->base.coef0, c->base.degree);
		else
			v = exp(-gamma * (c->xsq[i] + c->xsq[j] - 2 * dot));
		r[j + 1].index = (int)j + 1;
		r[j + 1].value = v;
		/* the mirror entry: row j's column i, i < j, written only here */
		rj = kn + j * (n + 2);
		rj[i + 1].index = (int)i + 1;
		rj[i + 1].value = v;
	}
}

static void
set_failed(gctx *c)
{
	pthread_mutex_lock(&c->mu);
	c->failed = 1;
	pthread_mutex_unlock(&c->mu);
}

/* After a fit of grid point combo (under c->mu): the counts, the point's
 * error once every fold is done, the callback. */
static void
report(gctx *c, size_t combo)
{
	const sp_svr_grid *g = c->g;
	size_t n = c->n, i, ic, ig, ie;
	double se = 0, ae = 0, e;

	c->prog.fits++;
	if (++c->done[combo] == c->k) {
		for (i = 0; i < n; i++) {
			e = c->pred[combo * n + i] - c->y[i];
			se += e * e;
			ae += fabs(e);
		}
		c->prog.points++;
		if (!c->prog.best || sqrt(se / (double)n) < c->best_so_far.rmse) {
			ie = combo % g->nepsilon;
			ig = combo / g->nepsilon % c->ngamma_eff;
			ic = combo / g->nepsilon / c->ngamma_eff;
			c->best_so_far.C = g->C[ic];
			c->best_so_far.gamma = g->gamma[ig];
			c->best_so_far.epsilon = g->epsilon[ie];
			c->best_so_far.rmse = sqrt(se / (double)n);
			c->best_so_far.mae = ae / (double)n;
			c->best_so_far.seconds = 0;
			c->prog.best = &c->best_so_far;
		}
	}
	c->prog.elapsed = sp_time_mono() - c->t0;
	g->progress(g->progress_ctx, &c->prog);
}

static void
cv_job(void *arg, size_t job)
{
	gctx *c = arg;
	const sp_svr_grid *g = c->g;
	const cvjob *jb = &c->jobs[job];
	size_t k = c->k, f = jb->f;
	size_t combo = (jb->ic * c->ngamma_eff + jb->ig) * g->nepsilon + jb->ie;
	size_t i, l = 0;
	struct svm_problem prob;
	struct svm_parameter param;
	struct svm_model *sm;
	struct svm_node **rows = c->pre ? c->krows[jb->ig - c->g0] : c->nrows;
	struct svm_node **x = malloc(c->n * sizeof *x);
	double *yy = malloc(c->n * sizeof *yy), t0 = sp_time_mono();
	sp_svr_params p = c->base;

	if (!x || !yy) {
		free(x);
		free(yy);
		set_failed(c);
		return;
	}
	for (i = 0; i < c->n; i++)
		if ((size_t)c->fold[i] != f) {
			x[l] = rows[i];
			yy[l++] = c->yz[i];
		}
	p.C = g->C[jb->ic];
	p.epsilon = g->epsilon[jb->ie];
	p.gamma = g->gamma[jb->ig];
	to_libsvm_param(&p, &param);
	if (c->pre)
		param.kernel_type = PRECOMPUTED;
	prob.l = (int)l;
	prob.y = yy;
	prob.x = x;
	sm = svm_train(&prob, &param);
	if (!sm) {
		set_failed(c);
	} else {
		for (i = 0; i < c->n; i++)
			if ((size_t)c->fold[i] == f)
				c->pred[combo * c->n + i] = c->yc + c->ys * svm_predict(sm, rows[i]);
		svm_free_and_destroy_model(&sm);
	}
	c->secs[combo * k + f] = sp_time_mono() - t0;
	free(x);
	free(yy);
	if (g->progress) {
		pthread_mutex_lock(&c->mu);
		report(c, combo);
		pthread_mutex_unlock(&c->mu);
	}
}

/* Larger C (then larger gamma) first: those fits take longest, and starting
 * them early keeps every thread busy until the end of a batch. */
static int
job_cmp(const void *a, const void *b, void *arg)
{
	const sp_svr_grid *sort_grid = arg;
	const cvjob *x = a, *y = b;
	double cx = sort_grid->C[x->ic], cy = sort_grid->C[y->ic];
	double gx = sort_grid->gamma[x->ig], gy = sort_grid->gamma[y->ig];

	if (cx != cy)
		return cx > cy ? -1 : 1;
	if (gx != gy)
		return gx > gy ? -1 : 1;
	if (x->ie != y->ie)
		return x->ie < y->ie ? -1 : 1;
	if (x->ig != y->ig)
		return x->ig < y->ig ? -1 : 1;
	if (x->ic != y->ic)
		return x->ic < y->ic ? -1 : 1;
	return x->f < y->f ? -1 : x->f > y->f;
}

int
sp_svr_grid_search(const double *x, const double *y, size_t n, size_t nfeat,
    const sp_svr_params *base, const sp_svr_grid *g, sp_svr_cv *out, size_t *best, sp_error *err)
{
	gctx c;
	double *xc = NULL, *xs = NULL, *z = NULL, *yz = NULL, yc, ys;
	int *fold = NULL, threads, rc = SP_OK;
	size_t *perm = NULL, ncombo, i, j, ig, ic, ie, f;
	struct svm_node *nodes = NULL, **nrows = NULL;
	sp_svr_params p = *base;
	const char *msg;

	silence_libsvm();
	memset(&c, 0, sizeof c);
	if (!g->nC || !g->ngamma || !g->nepsilon)
		return sp_error_set(err, SP_EUSAGE, "empty hyperparameter list");
	for (i = 0; i < g->nC; i++)
		for (j = 0; j < g->ngamma; j++)
			for (f = 0; f < g->nepsilon; f++) {
				p.C = g->C[i];
				p.gamma = g->gamma[j];
				p.epsilon = g->epsilon[f];
				if (check_params(&p, err) < 0)
					return err ? err->code : SP_EUSAGE;
			}
	if (nfeat < 1 || nfeat > SP_SVR_MAX_FEATURES)
		return sp_error_set(err, SP_EUSAGE, "need 1..%d features, not %zu", SP_SVR_MAX_FEATURES, nfeat);
	if (g->folds < 2 || (size_t)g->folds > n)
		return sp_error_set(err, SP_EUSAGE, "%d folds need 2 <= folds <= rows (%zu)", g->folds, n);
	ncombo = sp_svr_grid_size(g, base);
	xc = malloc(nfeat * sizeof *xc);
	xs = malloc(nfeat * sizeof *xs);
	z = malloc(n * nfeat * sizeof *z);
	yz = malloc(n * sizeof *yz);
	fold = malloc(n * sizeof *fold);
	perm = malloc(n * sizeof *perm);
	c.pred = malloc(ncombo * n * sizeof *c.pred);
	c.secs = calloc(ncombo * (size_t)g->folds, sizeof *c.secs);
	c.xsq = malloc(n * sizeof *c.xsq);
	c.done = g->progress ? calloc(ncombo, sizeof *c.done) : NULL;
	if (!xc || !xs || !z || !yz || !fold || !perm || !c.pred || !c.secs || !c.xsq ||
	    (g->progress && !c.done))
		goto nomem;
	c.t0 = sp_time_mono();
	c.prog.nfits = ncombo * (size_t)g->folds;
	c.prog.npoints = ncombo;
	if ((rc = fit_scaling(x, y, n, nfeat, base->scale, xc, xs, &yc, &ys, err)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		c.xsq[i] = 0;
		for (j = 0; j < nfeat; j++) {
			double v = (x[i * nfeat + j] - xc[j]) / xs[j];
			z[i * nfeat + j] = v;
			c.xsq[i] += v * v;
		}
		yz[i] = (y[i] - yc) / ys;
	}
	/* folds */
	if (g->blocked) {
		for (i = 0; i < n; i++)
			fold[i] = (int)(i * (size_t)g->folds / n);
	} else {
		sp_rand *r = sp_rand_new(g->seed);
		if (!r)
			goto nomem;
		for (i = 0; i < n; i++)
			perm[i] = i;
		sp_rand_shuffle(r, perm, n, sizeof *perm);
		sp_rand_free(r);
		for (i = 0; i < n; i++)
			fold[perm[i]] = (int)(i % (size_t)g->folds);
	}
	if (make_nodes(z, n, nfeat, &nodes, &nrows) < 0)
		goto nomem;
	{
		struct svm_problem prob = { (int)n, yz, nrows };
		struct svm_parameter param;
		to_libsvm_param(&p, &param);
		if ((msg = svm_check_parameter(&prob, &param))) {
			rc = sp_error_set(err, SP_EUSAGE, "libsvm: %s", msg);
			goto out;
		}
	}
	c.n = n;
	c.d = nfeat;
	c.k = (size_t)g->folds;
	c.z = z;
	c.yz = yz;
	c.y = y;
	c.yc = yc;
	c.ys = ys;
	c.fold = fold;
	c.base = *base;
	c.g = g;
	c.ngamma_eff = base->kernel == SP_SVR_LINEAR ? 1 : g->ngamma;
	pthread_mutex_init(&c.mu, NULL);
	threads = g->threads > 0 ? g->threads : sp_svr_ncpus();
	c.nrows = nrows;
	c.pre = base->kernel != SP_SVR_LINEAR && g->precompute != 0;
	/* how many gammas' matrices fit in the budget at once (>= 1 if forced) */
	{
		double one = (double)n * (double)(n + 2) * sizeof(struct svm_node);
		double fit = floor(SP_SVR_PRECOMPUTE_MB * 1048576.0 / one);
		c.nslot = fit >= (double)c.ngamma_eff ? c.ngamma_eff : fit >= 1 ? (size_t)fit : 1;
		if (c.pre && g->precompute < 0 && fit < 1)
			c.pre = 0;
	}
	if (c.pre) {
		c.kn = calloc(c.nslot, sizeof *c.kn);
		c.krows = calloc(c.nslot, sizeof *c.krows);
		if (!c.kn || !c.krows)
			goto nomem_mu;
		for (j = 0; j < c.nslot; j++) {
			c.kn[j] = malloc(n * (n + 2) * sizeof **c.kn);
			c.krows[j] = malloc(n * sizeof **c.krows);
			if (!c.kn[j] || !c.krows[j])
				break;
			for (i = 0; i < n; i++)
				c.krows[j][i] = c.kn[j] + i * (n + 2);
		}
		if (j < c.nslot) {
			/* fewer matrices than hoped: batch by what we got, or use
			 * libsvm's own kernel and cache */
			free(c.kn[j]);
			free(c.krows[j]);
			c.kn[j] = NULL;
			c.krows[j] = NULL;
			c.nslot = j;
			if (j == 0)
				c.pre = 0;
		}
	}
	if (!c.pre)
		c.nslot = c.ngamma_eff;
	c.jobs = malloc(c.nslot * g->nC * g->nepsilon * c.k * sizeof *c.jobs);
	if (!c.jobs)
		goto nomem_mu;
	for (c.g0 = 0; c.g0 < c.ngamma_eff && !c.failed; c.g0 += c.nslot) {
		size_t nb = c.ngamma_eff - c.g0 < c.nslot ? c.ngamma_eff - c.g0 : c.nslot, nj = 0;
		if (c.pre)
			run_parallel(threads, nb * n, kernel_row, &c);
		for (ig = c.g0; ig < c.g0 + nb; ig++)
			for (ic = 0; ic < g->nC; ic++)
				for (ie = 0; ie < g->nepsilon; ie++)
					for (f = 0; f < c.k; f++) {
						c.jobs[nj].ic = ic;
						c.jobs[nj].ig = ig;
						c.jobs[nj].ie = ie;
						c.jobs[nj++].f = f;
					}
		qsort_r(c.jobs, nj, sizeof *c.jobs, job_cmp, (void *)g);
		run_parallel(threads, nj, cv_job, &c);
	}
	if (0) {
nomem_mu:
		c.failed = 1;
	}
	pthread_mutex_destroy(&c.mu);
	if (c.failed)
		goto nomem;
	*best = 0;
	for (ic = 0; ic < g->nC; ic++)
		for (ig = 0; ig < c.ngamma_eff; ig++)
			for (ie = 0; ie < g->nepsilon; ie++) {
				size_t combo = (ic * c.ngamma_eff + ig) * g->nepsilon + ie;
				double se = 0, ae = 0, secs = 0, e;
				for (i = 0; i < n; i++) {
					e = c.pred[combo * n + i] - y[i];
					se += e * e;
					ae += fabs(e);
				}
				for (f = 0; f < c.k; f++)
					secs += c.secs[combo * c.k + f];
				out[combo].C = g->C[ic];
				out[combo].gamma = g->gamma[ig];
				out[combo].epsilon = g->epsilon[ie];
				out[combo].rmse = sqrt(se / (double)n);
				out[combo].mae = ae / (double)n;
				out[combo].seconds = secs;
				if (out[combo].rmse < out[*best].rmse)
					*best = combo;
			}
	goto out;
nomem:
	rc = sp_error_set(err, SP_ENOMEM, "out of memory");
out:
	free(xc);
	free(xs);
	free(z);
	free(yz);
	free(fold);
	free(perm);
	free(c.pred);
	free(c.secs);
	free(c.xsq);
	free(c.done);
	if (c.kn)
		for (j = 0; j < c.nslot; j++)
			free(c.kn[j]);
	if (c.krows)
		for (j = 0; j < c.nslot; j++)
			free(c.krows[j]);
	free(c.kn);
	free(c.krows);
	free(c.jobs);
	free(nodes);
	free(nrows);
	return rc;
}

/* ---- the whole choice ---- */

sp_svr *
sp_svr_fit(const double *x, const double *y, size_t n, size_t nfeat, const char *const *features,
    const char *target, const sp_svr_params *base, const sp_svr_grid *g, sp_svr_cv *cv, size_t *best,
    sp_error *err)
{
	sp_svr_params p = *base;
	sp_svr_progress fin;
	double t0 = sp_time_mono();
	sp_svr *m;

	memset(&fin, 0, sizeof fin);
	fin.final = 1;
	if (g->folds != 0) {
		if (sp_svr_grid_search(x, y, n, nfeat, base, g, cv, best, err) < 0)
			return NULL;
		p.C = cv[*best].C;
		p.gamma = cv[*best].gamma;
		p.epsilon = cv[*best].epsilon;
		fin.best = &cv[*best];
		fin.npoints = fin.points = sp_svr_grid_size(g, base);
		fin.nfits = fin.fits = fin.npoints * (size_t)g->folds;
	} else {
		p.C = g->C[0];
		p.gamma = g->gamma[0];
		p.epsilon = g->epsilon[0];
	}
	if (g->progress) {
		fin.elapsed = sp_time_mono() - t0;
		g->progress(g->progress_ctx, &fin);
	}
	if (!(m = sp_svr_train(x, y, n, nfeat, features, target, &p, err)))
		return NULL;
	if (g->folds != 0)
		sp_svr_set_cv(m, g->folds, g->blocked, g->seed, cv[*best].rmse);
	return m;
}

/* ---- CSV in and out ---- */

int
sp_svr_read_rows(sp_csv_reader *r, const int *cols, size_t nfeat, int ycol, double **x, double **y,
    size_t *n, sp_error *err)
{
	size_t i, cap = 0, k = 0;
	double *xs = NULL, *ys = NULL;
	int rc;

	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		if (k == cap) {
			double *nx, *ny;
			cap = cap ? cap * 2 : 1024;
			nx = realloc(xs, cap * nfeat * sizeof *xs);
			if (nx)
				xs = nx;
			ny = realloc(ys, cap * sizeof *ys);
			if (ny)
				ys = ny;
			if (!nx || !ny) {
				rc = sp_error_set(err, SP_ENOMEM, "out of memory");
				break;
			}
		}
		for (i = 0; i < nfeat && rc == SP_OK; i++)
			rc = sp_csv_get_double_req(r, (size_t)cols[i], &xs[k * nfeat + i], err);
		if (rc == SP_OK)
			rc = sp_csv_get_double_req(r, (size_t)ycol, &ys[k], err);
		if (rc < 0)
			break;
		k++;
	}
	if (rc < 0) {
		free(xs);
		free(ys);
		*x = *y = NULL;
		*n = 0;
		return rc;
	}
	*x = xs;
	*y = ys;
	*n = k;
	return SP_OK;
}

int
sp_svr_predict_csv(const sp_svr *m, sp_csv_reader *r, const char *const *features, const char *name,
    sp_csv_writer *w, sp_error *err)
{
	size_t nf = m->nfeat, i;
	int col[SP_SVR_MAX_FEATURES], rc;
	double x[SP_SVR_MAX_FEATURES];
	char *defname = NULL;

	for (i = 0; i < nf; i++)
		if ((col[i] = sp_csv_pick_col(r, features ? features[i] : m->feat[i], err)) < 0)
			return err ? err->code : SP_EUSAGE;
	if (!name) {
		if (asprintf(&defname, "%s_pred", m->target) < 0)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		name = defname;
	}
	if (sp_csv_col_index(r, name) >= 0) {
		rc = sp_error_set(err, SP_EUSAGE, "the input already has a column '%s'; choose another with --name",
		    name);
		free(defname);
		return rc;
	}
	sp_csv_write_header_fields(w, r, 0, -1);
	sp_csv_write_str(w, name);
	sp_csv_end_row(w);
	free(defname);
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		for (i = 0; i < nf; i++)
			if ((rc = sp_csv_get_double(r, (size_t)col[i], &x[i], err)) < 0)
				return rc;
		sp_csv_write_row_fields(w, r, 0, -1);
		sp_csv_write_double(w, sp_svr_predict(m, x));   /* NaN (missing) -> empty */
		sp_csv_end_row(w);
	}
	return rc < 0 ? rc : SP_OK;
}
