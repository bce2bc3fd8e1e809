/* sp_crane: Crane's EHPA and DSP predictor; see sp_crane.h.  Each function
 * names the Go function of gocrane/crane it follows. */
#include "sp_crane.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOUR 3600.0
#define DAY 86400.0
#define WEEK 604800.0
#define NSHUFFLE 100
#define FFT_MIN_VALUE 0.01      /* defaultFFTMinValue */
#define ACF_PEAK_SEARCH 14400.0 /* MaxAutoCorrelationPeakSearchIntervalSeconds: 4 h */

/* ---- FFT plans (GSL mixed radix, any length) ---- */

typedef struct {
	size_t n;
	gsl_fft_real_wavetable *rw;
	gsl_fft_halfcomplex_wavetable *hw;
	gsl_fft_real_workspace *ws;
} plan;

static void
plan_free(plan *p)
{
	if (p->rw)
		gsl_fft_real_wavetable_free(p->rw);
	if (p->hw)
		gsl_fft_halfcomplex_wavetable_free(p->hw);
	if (p->ws)
		gsl_fft_real_workspace_free(p->ws);
	memset(p, 0, sizeof *p);
}

static int
plan_init(plan *p, size_t n)
{
	memset(p, 0, sizeof *p);
	p->n = n;
	p->rw = gsl_fft_real_wavetable_alloc(n);
	p->hw = gsl_fft_halfcomplex_wavetable_alloc(n);
	p->ws = gsl_fft_real_workspace_alloc(n);
	if (!p->rw || !p->hw || !p->ws) {
		plan_free(p);
		return -1;
	}
	return 0;
}

/* Forward real FFT in place (halfcomplex result), sign -1 as go-dsp's. */
static void
fwd(plan *p, double *d)
{
	gsl_fft_real_transform(d, 1, p->n, p->rw, p->ws);
}

/* Inverse with the 1/n factor, as go-dsp's IFFT. */
static void
inv(plan *p, double *d)
{
	gsl_fft_halfcomplex_inverse(d, 1, p->n, p->hw, p->ws);
}

/* |X_k| of a halfcomplex array, 0 <= k <= n/2 (Go's cmplx.Abs is
 * math.Hypot; the plain square root of the sum of squares differs from it
 * only in the last bits, and these magnitudes are far from overflow). */
static double
hc_abs(const double *d, size_t n, size_t k)
{
	if (k == 0)
		return fabs(d[0]);
	if (n % 2 == 0 && k == n / 2)
		return fabs(d[n - 1]);
	return sqrt(d[2 * k - 1] * d[2 * k - 1] + d[2 * k] * d[2 * k]);
}

/* ---- preprocessing.go ---- */

void
sp_crane_default_estimators(sp_crane_estimator est[8])
{
	static const double margins[4] = { 0.01, 0.10, 0.15, 0.20 };
	int i;

	memset(est, 0, 8 * sizeof *est);
	for (i = 0; i < 8; i++) {
		est[i].kind = SP_CRANE_FFT;
		est[i].min_items = i < 4 ? 3 : 50;
		est[i].low_amp = i < 4 ? 1.0 : 0.05;
		est[i].margin = margins[i % 4];
	}
}

void
sp_crane_defaults(sp_crane_opts *o)
{
	memset(o, 0, sizeof *o);
	o->interval = 60;
	o->history = 15 * DAY;
	o->update = 12 * HOUR;
	o->window = 3600;
	o->seed = 1;
	o->nest = 0;
	sp_hpa_defaults(&o->hpa);
	o->tol_up = o->tol_down = 0.1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
sp_crane_percentile(const double *x, size_t n, double pct, double *out)
{
	double *c, index;
	size_t i;

	if (n == 0)
		return -1;
	if (n == 1) {
		*out = x[0];
		return 0;
	}
	if (!(pct > 0 && pct <= 100))
		return -1;
	if (!(c = malloc(n * sizeof *c)))
		return -1;
	memcpy(c, x, n * sizeof *c);
	qsort(c, n, sizeof *c, cmp_double);
	index = (pct / 100) * (double)n;
	if (index == (double)(long long)index) {
		i = (size_t)index;
		*out = c[i - 1];
	} else if (index > 1) {
		i = (size_t)index;
		*out = (c[i - 1] + c[i]) / 2;
	} else {
		free(c);
		return -1;
	}
	free(c);
	return 0;
}

size_t
sp_crane_outliers(double *x, size_t n)
{
	double hi, lo;
	size_t i, k = 0;

	if (sp_crane_percentile(x, n, 99.9, &hi) < 0 || sp_crane_percentile(x, n, 0.1, &lo) < 0)
		return 0;
	for (i = 1; i < n; i++)
		if (x[i] > hi || x[i] < lo) {
			x[i] = x[i - 1];
			k++;
		}
	return k;
}

int
sp_crane_fill(const double *t, const double *v, size_t n, double interval, double unit,
    double **out, size_t *nout, double *tlast, sp_error *err)
{
	size_t start = 0, i, m, per, begin;
	double *y;
	long long times, j;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	if (!(interval >= 1) || !(unit >= interval))
		return sp_error_set(err, SP_EUSAGE, "crane: need 1 <= interval <= unit");
	/* the gap cut restarts the scan after the gap, as the recursion does */
	for (i = start + 1; i < n; i++) {
		double diff = t[i] - t[i - 1];
		if (diff > 3600) {
			start = i;
			continue;
		}
		if (!(diff > 0) || fmod(diff, interval) != 0)
			return sp_error_set(err, SP_EDATA, "crane: invalid time series (step %g s at %.17g)",
			    diff, t[i]);
	}
	for (m = 1, i = start + 1; i < n; i++)
		m += (size_t)llround((t[i] - t[i - 1]) / interval);
	if (!(y = malloc(m * sizeof *y)))
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory");
	y[0] = v[start];
	for (m = 1, i = start + 1; i < n; i++) {
		times = llround((t[i] - t[i - 1]) / interval);
		double unitdiff = (v[i] - v[i - 1]) / (double)times;
		for (j = 1; j < times; j++)
			y[m++] = v[i - 1] + unitdiff * (double)j;
		y[m++] = v[i];
	}
	per = (size_t)((long long)unit / (long long)interval);
	begin = m % per;
	memmove(y, y + begin, (m - begin) * sizeof *y);
	*out = y;
	*nout = m - begin;
	*tlast = t[n - 1];
	if (*nout == 0) {
		free(y);
		*out = NULL;
	}
	return 0;
}

/* ---- signal.go, auto_correlation.go, peak.go ---- */

/* linearRegressionLSE over (j, x[j]), j = l..r: the slope. */
static double
slope(const double *x, long l, long r)
{
	double sx = 0, sy = 0, sxy = 0, sxx = 0, n = (double)(r - l + 1);
	long j;

	for (j = l; j <= r; j++) {
		sx += (double)j;
		sy += x[j];
		sxy += (double)j * x[j];
		sxx += (double)j * (double)j;
	}
	return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* isPeak(x, i, k). */
static int
is_peak(const double *x, long n, long i, long k)
{
	long l, r;

	if (i < 1 || i > n - 1)
		return 0;
	l = i - k > 0 ? i - k : 0;
	r = i + k < n - 1 ? i + k : n - 1;
	if (slope(x, l, i) <= 0)
		return 0;
	if (slope(x, i, r) >= 0)
		return 0;
	return 1;
}

/* AutoCorrelation: IFFT(|FFT(z)|^2) / N with z the z-scores (population
 * standard deviation).  -1 for a constant signal (Crane gets NaNs, which
 * then never win). */
static int
acf(plan *p, const double *x, double *ac)
{
	size_t n = p->n, k;
	double mean = 0, var = 0, sd;

	for (k = 0; k < n; k++)
		mean += x[k];
	mean /= (double)n;
	for (k = 0; k < n; k++)
		var += (x[k] - mean) * (x[k] - mean);
	sd = sqrt(var / (double)n);
	if (!(sd > 0))
		return -1;
	for (k = 0; k < n; k++)
		ac[k] = (x[k] - mean) / sd;
	fwd(p, ac);
	/* |F_k|^2 as a real, even spectrum in halfcomplex form */
	ac[0] = ac[0] * ac[0];
	for (k = 1; 2 * k < n; k++) {
		double re = ac[2 * k - 1], im = ac[2 * k];
		ac[2 * k - 1] = re * re + im * im;
		ac[2 * k] = 0;
	}
	if (n % 2 == 0)
		ac[n - 1] = ac[n - 1] * ac[n - 1];
	inv(p, ac);
	for (k = 0; k < n; k++)
		ac[k] /= (double)n;
	return 0;
}

/* Fisher-Yates on doubles: the same draws and swaps as gsl_ran_shuffle
 * (sp_rand_shuffle), without its byte-wise generic swap. */
static void
shuffle(sp_rand *r, double *x, size_t n)
{
	size_t i, j;
	double t;

	for (i = n - 1; i > 0; i--) {
		j = sp_rand_index(r, i + 1);
		t = x[i];
		x[i] = x[j];
		x[j] = t;
	}
}

double
sp_crane_signal_period(const double *x, size_t n, double interval, sp_rand *r)
{
	double maxp[NSHUFFLE], thr, maxcor = 0, rate = 1.0 / interval, res = -1;
	double *xs = NULL, *d = NULL;
	long *hints = NULL, nh = 0, j = -1, maxr, i;
	size_t k, it;
	plan p;
	gsl_error_handler_t *old;

	if (n < 4)
		return -1;
	old = gsl_set_error_handler_off();
	if (plan_init(&p, n) < 0)
		goto out_noplan;
	xs = malloc(n * sizeof *xs);
	d = malloc(n * sizeof *d);
	hints = malloc(n * sizeof *hints);
	if (!xs || !d || !hints)
		goto out;
	memcpy(xs, x, n * sizeof *xs);
	/* 100 successive shuffles: the max |X_k| over k = 1..n/2-1 of each */
	for (it = 0; it < NSHUFFLE; it++) {
		double pmax = 0;
		shuffle(r, xs, n);
		memcpy(d, xs, n * sizeof *d);
		fwd(&p, d);
		for (k = 1; k < n / 2; k++) {
			double a = hc_abs(d, n, k);
			if (a > pmax)
				pmax = a;
		}
		maxp[it] = pmax;
	}
	qsort(maxp, NSHUFFLE, sizeof *maxp, cmp_double);
	thr = maxp[98];
	memcpy(d, x, n * sizeof *d);
	fwd(&p, d);
	for (k = 2; k < n / 2; k++)
		if (hc_abs(d, n, k) > thr) {
			long h = (long)(n / k);
			if (nh == 0 || hints[nh - 1] > h)
				hints[nh++] = h;
		}
	if (nh == 0 || acf(&p, x, d) < 0)
		goto out;
	maxr = (long)(ACF_PEAK_SEARCH * rate);
	for (i = 0; i < nh; i++) {
		long rr = maxr < hints[i] / 2 ? maxr : hints[i] / 2;
		if (is_peak(d, (long)n, hints[i], rr) && maxcor < d[hints[i]]) {
			j = i;
			maxcor = d[hints[j]];
		}
	}
	if (j >= 0)
		res = trunc((double)hints[j] / rate);
out:
	plan_free(&p);
out_noplan:
	free(xs);
	free(d);
	free(hints);
	gsl_set_error_handler(old);
	return res;
}

/* Signal.Truncate(d): the number of whole periods m and their length. */
static size_t
truncate_periods(size_t n, double interval, double period, size_t *per)
{
	double rate = 1.0 / interval;

	*per = (size_t)(period * rate);
	if ((double)n / rate < period || *per == 0)
		return 0;
	return n / *per;
}

double
sp_crane_find_period(const double *x, size_t n, double interval, sp_rand *r)
{
	size_t per, m;

	m = truncate_periods(n, interval, WEEK, &per);
	if (m > 1)
		return sp_crane_signal_period(x + n - m * per, m * per, interval, r);
	m = truncate_periods(n, interval, DAY, &per);
	if (m > 1)
		return sp_crane_signal_period(x + n - m * per, m * per, interval, r);
	return -1;
}

/* ---- accuracy.go ---- */

double
sp_crane_amplify(double x)
{
	return -log(1.0 - x) / log(1.25);
}

double
sp_crane_pe(const double *a, const double *p, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] < 1e-3)
			break;
	if (i < n) {                    /* MAPE refused: MAE */
		for (i = 0; i < n; i++)
			e += fabs(a[i] - p[i]);
		return e / (double)n;
	}
	for (i = 0; i < n; i++)
		if (p[i] < a[i])
			e += sp_crane_amplify((a[i] - p[i]) / a[i]);
		else
			e += (p[i] - a[i]) / a[i];
	return e / (double)n;
}

/* ---- estimators.go ---- */

/* The FFT estimator's parameters with Crane's zero-means-default rule. */
static sp_crane_estimator
resolved(const sp_crane_estimator *e)
{
	sp_crane_estimator r = *e;

	if (r.kind == SP_CRANE_FFT) {
		if (r.min_items == 0)
			r.min_items = 3;
		if (r.max_items == 0)
			r.max_items = 100;
		if (r.high_freq == 0)
			r.high_freq = 1.0 / 3600.0;
		if (r.low_amp == 0)
			r.low_amp = 1.0;
		if (r.margin == 0)
			r.margin = 0.1;
	}
	return r;
}

/* One signal's FFT, shared by the estimators; the filtered inverses are
 * cached by filter parameters (the margin only scales). */
typedef struct {
	const double *x;
	size_t n;
	double interval;
	plan p;
	double *X;              /* halfcomplex spectrum */
	double *amps;           /* |X_k|/n, k = 1..n/2-1, decreasing */
	size_t namps;
	int nc;
	struct {
		int mi, ma;
		double hf, la;
		double *y;
	} c[SP_CRANE_MAX_ESTIMATORS + 1];
} fftctx;

static void
ctx_free(fftctx *c)
{
	int i;

	for (i = 0; i < c->nc; i++)
		free(c->c[i].y);
	free(c->X);
	free(c->amps);
	plan_free(&c->p);
}

static int
cmp_desc(const void *a, const void *b)
{
	return cmp_double(b, a);
}

static int
ctx_init(fftctx *c, const double *x, size_t n, double interval)
{
	size_t k;

	memset(c, 0, sizeof *c);
	c->x = x;
	c->n = n;
	c->interval = interval;
	if (plan_init(&c->p, n) < 0 || !(c->X = malloc(n * sizeof *c->X)) ||
	    !(c->amps = malloc((n / 2 + 1) * sizeof *c->amps))) {
		ctx_free(c);
		return -1;
	}
	memcpy(c->X, x, n * sizeof *c->X);
	fwd(&c->p, c->X);
	for (k = 1; k < n / 2; k++)
		c->amps[c->namps++] = hc_abs(c->X, n, k) / (double)n;
	qsort(c->amps, c->namps, sizeof *c->amps, cmp_desc);
	return 0;
}

/* The filtered inverse for FFT parameters e (resolved). */
static const double *
ctx_filtered(fftctx *c, const sp_crane_estimator *e)
{
	size_t n = c->n, k;
	double mina, rate = 1.0 / c->interval, *y;
	int i;

	for (i = 0; i < c->nc; i++)
		if (c->c[i].mi == e->min_items && c->c[i].ma == e->max_items &&
		    c->c[i].hf == e->high_freq && c->c[i].la == e->low_amp)
			return c->c[i].y;
	if (c->nc == SP_CRANE_MAX_ESTIMATORS + 1 || !(y = malloc(n * sizeof *y)))
		return NULL;
	if (c->namps == 0)
		mina = e->low_amp;      /* (Go would index an empty slice) */
	else {
		mina = c->namps >= (size_t)e->max_items ? c->amps[e->max_items - 1] : c->amps[c->namps - 1];
		if (mina < e->low_amp)
			mina = e->low_amp;
		if (c->namps >= (size_t)e->min_items && c->amps[e->min_items - 1] < mina)
			mina = c->amps[e->min_items - 1];
	}
	memcpy(y, c->X, n * sizeof *y);
	for (k = 1; 2 * k < n; k++) {
		double a = hc_abs(c->X, n, k) / (double)n;
		double f = (double)k * rate / (double)n, fm = (double)(n - k) * rate / (double)n;
		int keep = !(a < mina && f > e->high_freq), keepm = !(a < mina && fm > e->high_freq);
		double w = (keep + keepm) / 2.0;
		y[2 * k - 1] *= w;
		y[2 * k] *= w;
	}
	if (n % 2 == 0) {
		double a = fabs(c->X[n - 1]) / (double)n, f = (double)(n / 2) * rate / (double)n;
		if (a < mina && f > e->high_freq)
			y[n - 1] = 0;
	}
	inv(&c->p, y);
	c->c[c->nc].mi = e->min_items;
	c->c[c->nc].ma = e->max_items;
	c->c[c->nc].hf = e->high_freq;
	c->c[c->nc].la = e->low_amp;
	c->c[c->nc].y = y;
	c->nc++;
	return y;
}

static int
ctx_estimate(fftctx *c, const sp_crane_estimator *e0, size_t per, double *out)
{
	sp_crane_estimator e = resolved(e0);
	size_t n = c->n, i, j, ncyc;
	const double *y;

	if (per == 0 || per > n)
		return -1;
	if (e.kind == SP_CRANE_MAXVALUE) {
		ncyc = n / per;
		for (i = n - per; i < n; i++) {
			double mx = c->x[i];
			for (j = 1; j < ncyc; j++)
				if (mx < c->x[i - per * j])
					mx = c->x[i - per * j];
			out[i - (n - per)] = mx * (1.0 + e.margin);
		}
		return 0;
	}
	if (!(y = ctx_filtered(c, &e)))
		return -1;
	for (i = n - per; i < n; i++) {
		double a = y[i];
		if (a <= 0.0)
			a = FFT_MIN_VALUE;
		out[i - (n - per)] = a * (1.0 + e.margin);
	}
	return 0;
}

static int
check_estimator(const sp_crane_estimator *e, sp_error *err)
{
	if (e->kind != SP_CRANE_FFT && e->kind != SP_CRANE_MAXVALUE)
		return sp_error_set(err, SP_EUSAGE, "crane: unknown estimator kind %d", e->kind);
	if (e->min_items < 0 || e->max_items < 0 || !(e->high_freq >= 0) || !(e->low_amp >= 0) ||
	    !isfinite(e->margin) || e->margin <= -1)
		return sp_error_set(err, SP_EUSAGE, "crane: bad estimator parameters");
	return 0;
}

int
sp_crane_estimate(const sp_crane_estimator *e, const double *x, size_t n, size_t per,
    double interval, double *out, sp_error *err)
{
	fftctx c;
	int rc;
	gsl_error_handler_t *old;

	if (check_estimator(e, err) < 0)
		return SP_EUSAGE;
	if (per == 0 || n < per || n % per != 0 || n < 2)
		return sp_error_set(err, SP_EUSAGE, "crane: the series must be whole periods");
	old = gsl_set_error_handler_off();
	if (ctx_init(&c, x, n, interval) < 0) {
		gsl_set_error_handler(old);
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory");
	}
	rc = ctx_estimate(&c, e, per, out);
	ctx_free(&c);
	gsl_set_error_handler(old);
	return rc < 0 ? sp_error_set(err, SP_ENOMEM, "crane: out of memory") : 0;
}

/* ---- prediction.go: bestEstimator and the forecast ---- */

void
sp_crane_result_free(sp_crane_result *res)
{
	if (!res)
		return;
	free(res->forecast);
	res->forecast = NULL;
	res->n = 0;
}

int
sp_crane_predict(const sp_crane_opts *o, const double *x, size_t n, double interval,
    sp_rand *r, sp_crane_result *res, sp_error *err)
{
	sp_crane_estimator defs[8];
	const sp_crane_estimator *est = o->nest > 0 ? o->est : defs;
	int nest = o->nest > 0 ? o->nest : 8, i, rc = 0;
	double period, minpe = HUGE_VAL, *e = NULL;
	size_t per, m, k;
	const double *sig;
	fftctx hist, full;
	gsl_error_handler_t *old;

	memset(res, 0, sizeof *res);
	res->period = -1;
	res->best = -1;
	sp_crane_default_estimators(defs);
	period = sp_crane_find_period(x, n, interval, r);
	if (period != DAY && period != WEEK)
		return 0;
	m = truncate_periods(n, interval, period, &per);
	res->period = period;
	res->periods = (int)m;
	if (m < 2)
		return 0;
	sig = x + n - m * per;
	if (!(e = malloc(per * sizeof *e)))
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory");
	old = gsl_set_error_handler_off();
	if (ctx_init(&hist, sig, (m - 1) * per, interval) < 0) {
		rc = sp_error_set(err, SP_ENOMEM, "crane: out of memory");
		goto out;
	}
	for (i = 0; i < nest; i++) {
		double pe;
		if (ctx_estimate(&hist, &est[i], per, e) < 0) {
			rc = sp_error_set(err, SP_ENOMEM, "crane: out of memory");
			break;
		}
		pe = sp_crane_pe(sig + (m - 1) * per, e, per);
		if (pe < minpe) {
			minpe = pe;
			res->best = i;
		}
	}
	ctx_free(&hist);
	if (rc < 0 || res->best < 0)
		goto out;
	res->error = minpe;
	if (ctx_init(&full, sig, m * per, interval) < 0) {
		rc = sp_error_set(err, SP_ENOMEM, "crane: out of memory");
		goto out;
	}
	if (ctx_estimate(&full, &est[res->best], per, e) < 0 ||
	    !(res->forecast = malloc(m * per * sizeof *res->forecast))) {
		ctx_free(&full);
		rc = sp_error_set(err, SP_ENOMEM, "crane: out of memory");
		goto out;
	}
	ctx_free(&full);
	for (k = 0; k < m; k++)
		memcpy(res->forecast + k * per, e, per * sizeof *e);
	res->n = m * per;
out:
	gsl_set_error_handler(old);
	free(e);
	return rc;
}

/* ---- the EHPA ---- */

typedef struct {
	long long k;            /* grid index: the sample at k * interval */
	double sum, cnt;
} bucket;

struct sp_crane {
	sp_crane_opts o;
	sp_rand *rng;
	sp_hpa *hpa;
	bucket *ring;
	size_t cap, head, len;  /* ring[(head + i) % cap], i < len, oldest first */
	int have_t;
	double last_t, last_load;
	int refreshed;
	double next_refresh;
	double period;
	int best;
	double f0;              /* time of forecast[0] */
	double *forecast;
	size_t fn;
	const char *reason, *hpa_reason;
};

sp_crane *
sp_crane_new(const sp_crane_opts *o, sp_error *err)
{
	sp_crane *c;
	sp_hpa_config hc;
	int i;

	if (!(o->interval >= 1 && o->interval <= 3600) || o->interval != floor(o->interval))
		return sp_error_set(err, SP_EUSAGE, "crane: sample interval must be whole seconds in [1, 3600]"), NULL;
	if (!(o->history >= 48 * HOUR) || !isfinite(o->history))
		return sp_error_set(err, SP_EUSAGE, "crane: history length must be at least 48 h"), NULL;
	if (!(o->update > 0) || !isfinite(o->update))
		return sp_error_set(err, SP_EUSAGE, "crane: model update interval must be > 0"), NULL;
	if (!(o->window >= 0) || !isfinite(o->window))
		return sp_error_set(err, SP_EUSAGE, "crane: prediction window must be >= 0"), NULL;
	if (o->nest < 0 || o->nest > SP_CRANE_MAX_ESTIMATORS)
		return sp_error_set(err, SP_EUSAGE, "crane: at most %d estimators", SP_CRANE_MAX_ESTIMATORS), NULL;
	for (i = 0; i < o->nest; i++)
		if (check_estimator(&o->est[i], err) < 0)
			return NULL;
	if (!(o->tol_up >= 0) || !(o->tol_down >= 0))
		return sp_error_set(err, SP_EUSAGE, "crane: tolerance must be >= 0"), NULL;
	if (!(c = calloc(1, sizeof *c)))
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory"), NULL;
	c->o = *o;
	hc = o->hpa;
	if (!(c->hpa = sp_hpa_new(&hc, err))) {
		free(c);
		return NULL;
	}
	c->cap = (size_t)ceil((o->history + HOUR) / o->interval) + 2;
	if (!(c->rng = sp_rand_new(o->seed)) || !(c->ring = malloc(c->cap * sizeof *c->ring))) {
		sp_crane_free(c);
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory"), NULL;
	}
	c->last_load = NAN;
	c->period = -1;
	c->best = -1;
	c->reason = "no-metrics";
	c->hpa_reason = "";
	return c;
}

void
sp_crane_free(sp_crane *c)
{
	if (!c)
		return;
	sp_rand_free(c->rng);
	sp_hpa_free(c->hpa);
	free(c->ring);
	free(c->forecast);
	free(c);
}

int
sp_crane_observe(sp_crane *c, double t, double load, sp_error *err)
{
	long long k;
	bucket *b;

	if (!isfinite(t))
		return sp_error_set(err, SP_EUSAGE, "crane: time must be finite");
	if (c->have_t && t < c->last_t)
		return sp_error_set(err, SP_EUSAGE, "crane: time went back (%.17g)", t);
	if (!isnan(load) && (!isfinite(load) || load < 0))
		return sp_error_set(err, SP_EDATA, "crane: load must be finite and >= 0 (got %g)", load);
	c->have_t = 1;
	c->last_t = t;
	c->last_load = load;
	if (isnan(load))
		return 0;
	k = (long long)ceil(t / c->o.interval);
	b = c->len ? &c->ring[(c->head + c->len - 1) % c->cap] : NULL;
	if (b && b->k == k) {
		b->sum += load;
		b->cnt += 1;
		return 0;
	}
	if (c->len == c->cap) {
		c->head = (c->head + 1) % c->cap;
		c->len--;
	}
	b = &c->ring[(c->head + c->len) % c->cap];
	b->k = k;
	b->sum = load;
	b->cnt = 1;
	c->len++;
	return 0;
}

int
sp_crane_refresh(sp_crane *c, double t, sp_error *err)
{
	double dt = c->o.interval, *ts = NULL, *vs = NULL, *y = NULL, tlast = 0;
	long long kend = (long long)floor(t / dt);
	long long kstart = kend - (long long)ceil((c->o.history + HOUR) / dt);
	size_t i, n = 0, ny = 0;
	sp_crane_result res;
	int rc;

	free(c->forecast);
	c->forecast = NULL;
	c->fn = 0;
	c->period = -1;
	c->best = -1;
	if (c->len == 0)
		return 0;
	if (!(ts = malloc(c->len * sizeof *ts)) || !(vs = malloc(c->len * sizeof *vs))) {
		free(ts);
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory");
	}
	for (i = 0; i < c->len; i++) {
		const bucket *b = &c->ring[(c->head + i) % c->cap];
		if (b->k < kstart || b->k > kend)
			continue;
		ts[n] = (double)b->k * dt;
		vs[n] = b->sum / b->cnt;
		n++;
	}
	rc = sp_crane_fill(ts, vs, n, dt, HOUR, &y, &ny, &tlast, err);
	free(ts);
	free(vs);
	if (rc < 0)
		return rc;
	if (ny == 0)
		return 0;
	sp_crane_outliers(y, ny);
	rc = sp_crane_predict(&c->o, y, ny, dt, c->rng, &res, err);
	free(y);
	if (rc < 0)
		return rc;
	c->period = res.period;
	c->best = res.best;
	c->forecast = res.forecast;
	c->fn = res.n;
	c->f0 = tlast + dt;
	return 0;
}

int
sp_crane_prediction(const sp_crane *c, double t, double *value)
{
	double ts = floor(t), te = ts + floor(c->o.window), dt = c->o.interval, best = 0;
	long long i0, i1, i;
	int valid = 0;

	if (!c->forecast || c->fn == 0)
		return 0;
	i0 = (long long)ceil((ts - c->f0) / dt);
	i1 = (long long)floor((te - c->f0) / dt);
	if (i0 < 0)
		i0 = 0;
	if (i1 > (long long)c->fn - 1)
		i1 = (long long)c->fn - 1;
	for (i = i0; i <= i1; i++)
		if (c->forecast[i] > best) {
			best = c->forecast[i];
			valid = 1;
		}
	if (valid)
		*value = best;
	return valid;
}

void
sp_crane_model(const sp_crane *c, double *period, int *best)
{
	*period = c->period;
	*best = c->best;
}

const char *
sp_crane_reason(const sp_crane *c)
{
	return c->reason;
}

const char *
sp_crane_hpa_reason(const sp_crane *c)
{
	return c->hpa_reason;
}

/* One Pods-metric proposal with per-pod value v (milli) on the ready pods;
 * -1 when the HPA would fail on it. */
static int
pods_proposal(const sp_crane *c, int current, int ready, long long target, long long v,
    sp_hpa_pod *pods, int npods)
{
	sp_hpa_metric m;
	long long usage;
	int i, out;

	memset(&m, 0, sizeof m);
	m.type = SP_HPA_PODS;
	m.target = target;
	m.tol_up = c->o.tol_up;
	m.tol_down = c->o.tol_down;
	for (i = 0; i < npods; i++) {
		pods[i].state = SP_HPA_POD_READY;
		pods[i].has_metric = i < ready;
		pods[i].value = i < ready ? v : 0;
		pods[i].request = 0;
	}
	if (sp_hpa_metric_replicas(&m, current, pods, (size_t)npods, 0, current, &out, &usage, NULL) < 0)
		return -1;
	return out;
}

int
sp_crane_decide(sp_crane *c, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	double pred;
	long long target;
	int npods, pa = -1, pp = -1, proposal, invalid, desired = current, rc;
	sp_hpa_pod *pods;

	if (!(wstar > 0) || !isfinite(wstar))
		return sp_error_set(err, SP_EUSAGE, "crane: target per pod must be > 0");
	if (current < 0 || ready < 0)
		return sp_error_set(err, SP_EUSAGE, "crane: negative pod count");
	if (!c->refreshed || t >= c->next_refresh) {
		if ((rc = sp_crane_refresh(c, t, err)) < 0)
			return rc;
		if (!c->refreshed) {
			c->refreshed = 1;
			c->next_refresh = t;
		}
		while (c->next_refresh <= t)
			c->next_refresh += c->o.update;
	}
	target = llround(wstar * 1000);
	if (target < 1)
		target = 1;
	npods = current > ready ? current : ready;
	if (npods < 1)
		npods = 1;
	if (!(pods = malloc((size_t)npods * sizeof *pods)))
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory");
	if (ready > 0 && isfinite(c->last_load))
		pa = pods_proposal(c, current, ready, target, llround(c->last_load * 1000 / ready), pods, npods);
	if (ready > 0 && sp_crane_prediction(c, t, &pred))
		pp = pods_proposal(c, current, ready, target, llround(pred * 1000 / ready), pods, npods);
	free(pods);
	proposal = pa > pp ? pa : pp;
	invalid = (pa < 0) != (pp < 0);
	if (sp_hpa_step(c->hpa, t, current, proposal, invalid, &desired, &c->hpa_reason) < 0)
		return sp_error_set(err, SP_ENOMEM, "crane: out of memory");
	if (pa < 0 && pp < 0)
		c->reason = "no-metrics";
	else if (pp < 0)
		c->reason = "no-prediction";
	else
		c->reason = pp > pa ? "prediction" : "actual";
	*replicas = desired;
	return 0;
}

static int
peer_observe(void *self, double t, double load, sp_error *err)
{
	return sp_crane_observe(self, t, load, err);
}

static int
peer_decide(void *self, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	return sp_crane_decide(self, t, current, ready, wstar, replicas, err);
}

static const char *
peer_reason(const void *self)
{
	return sp_crane_reason(self);
}

static void
peer_free(void *self)
{
	sp_crane_free(self);
}

static const sp_peer_ops crane_ops = { "crane", peer_observe, peer_decide, peer_reason, peer_free };

sp_peer
sp_crane_peer(sp_crane *c)
{
	sp_peer p = { &crane_ops, c };
	return p;
}
