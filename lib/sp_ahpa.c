/* sp_ahpa: AHPA-style robust seasonal forecasting autoscaler; see
 * sp_ahpa.h.  The STL routines follow the netlib stl.f of Cleveland et al.
 * routine by routine (stlest, stless, stlss, stlma, stlfts, stlstp,
 * stlrwt, stl), with 1-based positions kept where the Fortran uses them. */
#include "sp_ahpa.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOUR 3600.0
#define DAY 86400.0

/* ---- STL (stl.f) ---- */

/* stlest: the loess fit at position xs (1-based) from y[nleft..nright]
 * (1-based).  Returns 1 and *ys, or 0 (no weight).  stl.f normalises the
 * tricube (times robustness) weights, then for degree 1 multiplies them by
 * 1 + b (j - a) / c (a, c the weighted mean and variance of the positions,
 * b = xs - a) and sums w y; the same value is computed here in one pass
 * from the weighted sums of d = j - xs, d^2, y and d y (equal to rounding:
 * the test checks 1e-9 against statsmodels). */
static int
stl_est(const double *y, int n, int len, int ideg, double xs, double *ys, int nleft, int nright,
    int userw, const double *rw)
{
	double range = (double)n - 1.0, h, h9, h1, sw = 0, sd = 0, sdd = 0, sy = 0, sdy = 0;
	double ybar, a, c, ih;
	int j;

	h = fmax(xs - (double)nleft, (double)nright - xs);
	if (len > n)
		h += (double)((len - n) / 2);
	h9 = 0.999 * h;
	h1 = 0.001 * h;
	ih = 1.0 / h;
	for (j = nleft; j <= nright; j++) {
		double d = (double)j - xs, r = fabs(d), w;
		if (r > h9)
			continue;
		if (r <= h1)
			w = 1;
		else {
			double q = r * ih, u = 1.0 - q * q * q;
			w = u * u * u;
		}
		if (userw)
			w *= rw[j - 1];
		sw += w;
		sd += w * d;
		sdd += w * d * d;
		sy += w * y[j - 1];
		sdy += w * d * y[j - 1];
	}
	if (sw <= 0)
		return 0;
	ybar = sy / sw;
	*ys = ybar;
	if (h > 0 && ideg > 0) {
		a = sd / sw;
		c = sdd / sw - a * a;
		if (sqrt(c) > 0.001 * range)
			*ys = ybar - a / c * (sdy / sw - a * ybar);
	}
	return 1;
}

/* stless: loess smoothing of y[n] into ys[n] with window len, evaluated
 * every njump points and interpolated linearly. */
static void
stl_ess(const double *y, int n, int len, int ideg, int njump, int userw, const double *rw,
    double *ys)
{
	int newnj, nleft, nright, nsh, i, j, k;
	double delta;

	if (n < 2) {
		ys[0] = y[0];
		return;
	}
	newnj = njump < n - 1 ? njump : n - 1;
	if (len >= n) {
		nleft = 1;
		nright = n;
		for (i = 1; i <= n; i += newnj)
			if (!stl_est(y, n, len, ideg, (double)i, &ys[i - 1], nleft, nright, userw, rw))
				ys[i - 1] = y[i - 1];
	} else if (newnj == 1) {
		nsh = (len + 1) / 2;
		nleft = 1;
		nright = len;
		for (i = 1; i <= n; i++) {
			if (i > nsh && nright != n) {
				nleft++;
				nright++;
			}
			if (!stl_est(y, n, len, ideg, (double)i, &ys[i - 1], nleft, nright, userw, rw))
				ys[i - 1] = y[i - 1];
		}
	} else {
		nsh = (len + 1) / 2;
		for (i = 1; i <= n; i += newnj) {
			if (i < nsh) {
				nleft = 1;
				nright = len;
			} else if (i >= n - nsh + 1) {
				nleft = n - len + 1;
				nright = n;
			} else {
				nleft = i - nsh + 1;
				nright = len + i - nsh;
			}
			if (!stl_est(y, n, len, ideg, (double)i, &ys[i - 1], nleft, nright, userw, rw))
				ys[i - 1] = y[i - 1];
		}
	}
	if (newnj != 1) {
		for (i = 1; i <= n - newnj; i += newnj) {
			delta = (ys[i + newnj - 1] - ys[i - 1]) / (double)newnj;
			for (j = i + 1; j <= i + newnj - 1; j++)
				ys[j - 1] = ys[i - 1] + delta * (double)(j - i);
		}
		k = ((n - 1) / newnj) * newnj + 1;
		if (k != n) {
			if (!stl_est(y, n, len, ideg, (double)n, &ys[n - 1], nleft, nright, userw, rw))
				ys[n - 1] = y[n - 1];
			if (k != n - 1) {
				delta = (ys[n - 1] - ys[k - 1]) / (double)(n - k);
				for (j = k + 1; j <= n - 1; j++)
					ys[j - 1] = ys[k - 1] + delta * (double)(j - k);
			}
		}
	}
}

/* stlss: the cycle-subseries smoothing of y[n] into season[n + 2 np]
 * (extended one period at each end).  w1..w3 are scratch of n / np + 3. */
static void
stl_ss(const double *y, int n, int np, int ns, int isdeg, int nsjump, int userw, const double *rw,
    double *season, double *w1, double *w2, double *w3)
{
	int j, i, k, m, nright, nleft;

	for (j = 1; j <= np; j++) {
		k = (n - j) / np + 1;
		for (i = 1; i <= k; i++)
			w1[i - 1] = y[(i - 1) * np + j - 1];
		if (userw)
			for (i = 1; i <= k; i++)
				w3[i - 1] = rw[(i - 1) * np + j - 1];
		stl_ess(w1, k, ns, isdeg, nsjump, userw, w3, w2 + 1);
		nright = ns < k ? ns : k;
		if (!stl_est(w1, k, ns, isdeg, 0.0, &w2[0], 1, nright, userw, w3))
			w2[0] = w2[1];
		nleft = k - ns + 1 > 1 ? k - ns + 1 : 1;
		if (!stl_est(w1, k, ns, isdeg, (double)(k + 1), &w2[k + 1], nleft, k, userw, w3))
			w2[k + 1] = w2[k];
		for (m = 1; m <= k + 2; m++)
			season[(m - 1) * np + j - 1] = w2[m - 1];
	}
}

/* stlma: moving average of length len: ave[n - len + 1]. */
static void
stl_ma(const double *x, int n, int len, double *ave)
{
	int newn = n - len + 1, i, j, k, m;
	double v = 0, flen = (double)len;

	for (i = 0; i < len; i++)
		v += x[i];
	ave[0] = v / flen;
	if (newn > 1) {
		k = len;
		m = 0;
		for (j = 2; j <= newn; j++) {
			k++;
			m++;
			v = v - x[m - 1] + x[k - 1];
			ave[j - 1] = v / flen;
		}
	}
}

/* The k-th smallest (0-based) of x[n], partially reordering x (Hoare's
 * selection). */
static double
select_kth(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = x[lo + (hi - lo) / 2], t;
		size_t i = lo, j = hi;
		while (i <= j) {
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j) {
				t = x[i];
				x[i] = x[j];
				x[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return x[k];
	}
	return x[k];
}

/* stlrwt: bisquare robustness weights from the residuals (6 times their
 * median, from the two middle order statistics as stl.f's fixed version). */
static int
stl_rwt(const double *y, int n, const double *fit, double *rw, double *scratch)
{
	int i, mid1 = n / 2 + 1, mid2 = n - mid1 + 1;
	double cmad, c9, c1, r;

	for (i = 0; i < n; i++)
		scratch[i] = fabs(y[i] - fit[i]);
	cmad = 3.0 * (select_kth(scratch, (size_t)n, (size_t)(mid1 - 1)) +
	    select_kth(scratch, (size_t)n, (size_t)(mid2 - 1)));
	c9 = 0.999 * cmad;
	c1 = 0.001 * cmad;
	for (i = 0; i < n; i++) {
		r = fabs(y[i] - fit[i]);
		if (r <= c1)
			rw[i] = 1;
		else if (r <= c9) {
			double u = r / cmad;
			rw[i] = (1 - u * u) * (1 - u * u);
		} else
			rw[i] = 0;
	}
	return 0;
}

static int
odd_up(int v)
{
	return v % 2 == 0 ? v + 1 : v;
}

void
sp_ahpa_stl_defaults(sp_ahpa_stl_opts *o, int np)
{
	memset(o, 0, sizeof *o);
	o->np = np;
	o->ns = 7;
	o->sdeg = o->tdeg = o->ldeg = 1;
	o->inner = 2;
	o->outer = 15;
}

int
sp_ahpa_stl(const double *y, size_t n, const sp_ahpa_stl_opts *o, double *season, double *trend,
    double *rw_out, sp_error *err)
{
	int np = o->np, ns, nt, nl, sj, tj, lj, in, i, k, userw = 0, ni, nn;
	double *buf, *w1, *w2, *w3, *w4, *w5, *rw, *sw[4];
	size_t m;

	if (np < 2 || n < 2 * (size_t)np || n > 100000000)
		return sp_error_set(err, SP_EUSAGE, "stl: need a period >= 2 and two periods of data");
	if (o->ns < 3 || o->ns % 2 == 0 || (o->nt && (o->nt < 3 || o->nt % 2 == 0)) ||
	    (o->nl && (o->nl < 3 || o->nl % 2 == 0)))
		return sp_error_set(err, SP_EUSAGE, "stl: windows must be odd and >= 3");
	if (o->sdeg < 0 || o->sdeg > 1 || o->tdeg < 0 || o->tdeg > 1 || o->ldeg < 0 || o->ldeg > 1 ||
	    o->sjump < 0 || o->tjump < 0 || o->ljump < 0 || o->inner < 1 || o->outer < 0)
		return sp_error_set(err, SP_EUSAGE, "stl: bad degrees, jumps or iterations");
	nn = (int)n;
	ns = o->ns;
	nt = o->nt ? o->nt : odd_up((int)ceil(1.5 * np / (1.0 - 1.5 / ns)));
	nl = o->nl ? o->nl : odd_up(np + 1);
	sj = o->sjump ? o->sjump : (int)ceil(ns / 10.0);
	tj = o->tjump ? o->tjump : (int)ceil(nt / 10.0);
	lj = o->ljump ? o->ljump : (int)ceil(nl / 10.0);
	ni = o->inner;
	m = n + 2 * (size_t)np;
	if (!(buf = calloc(6 * m + 4 * (n / (size_t)np + 3), sizeof *buf)))
		return sp_error_set(err, SP_ENOMEM, "stl: out of memory");
	w1 = buf;
	w2 = w1 + m;
	w3 = w2 + m;
	w4 = w3 + m;
	w5 = w4 + m;
	rw = w5 + m;
	for (i = 0; i < 4; i++)
		sw[i] = rw + m + (size_t)i * (n / (size_t)np + 3);
	for (i = 0; i < nn; i++)
		trend[i] = 0;
	for (k = 0;; k++) {
		/* stlstp */
		for (in = 0; in < ni; in++) {
			for (i = 0; i < nn; i++)
				w1[i] = y[i] - trend[i];
			stl_ss(w1, nn, np, ns, o->sdeg, sj, userw, rw, w2, sw[0], sw[1], sw[2]);
			/* stlfts: moving averages np, np, 3 of the extended series */
			stl_ma(w2, (int)m, np, w3);
			stl_ma(w3, (int)m - np + 1, np, w1);
			stl_ma(w1, (int)m - 2 * np + 2, 3, w3);
			stl_ess(w3, nn, nl, o->ldeg, lj, 0, rw, w1);
			for (i = 0; i < nn; i++)
				season[i] = w2[np + i] - w1[i];
			for (i = 0; i < nn; i++)
				w1[i] = y[i] - season[i];
			stl_ess(w1, nn, nt, o->tdeg, tj, userw, rw, trend);
		}
		if (k + 1 > o->outer)
			break;
		for (i = 0; i < nn; i++)
			w1[i] = trend[i] + season[i];
		stl_rwt(y, nn, w1, rw, w4);
		userw = 1;
	}
	if (rw_out)
		for (i = 0; i < nn; i++)
			rw_out[i] = o->outer > 0 ? rw[i] : 1;
	free(buf);
	return 0;
}

/* ---- period detection ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median_of(double *x, size_t n)
{
	return n % 2 ? select_kth(x, n, n / 2) : (select_kth(x, n, n / 2 - 1) + select_kth(x, n, n / 2)) / 2;
}

/* Clip x[n] at its median +- 5 robust standard deviations (1.4826 MAD, or
 * 1.2533 times the mean absolute deviation when more than half the values
 * are equal); work is scratch of n.  -1 when x is constant. */
static int
robust_clip(double *x, size_t n, double *work)
{
	double med, sd = 0, lo, hi;
	size_t i;

	memcpy(work, x, n * sizeof *work);
	med = median_of(work, n);
	for (i = 0; i < n; i++)
		work[i] = fabs(x[i] - med);
	sd = 1.4826 * median_of(work, n);
	if (!(sd > 0)) {
		for (i = 0, sd = 0; i < n; i++)
			sd += work[i];
		sd = 1.2533 * sd / (double)n;
	}
	if (!(sd > 0))
		return -1;
	lo = med - 5 * sd;
	hi = med + 5 * sd;
	for (i = 0; i < n; i++)
		x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
	return 0;
}

int
sp_ahpa_period(const double *y, size_t n, double interval, double acf_min)
{
	size_t w, half, i, m = 2 * n, lmin, lmax, l;
	double *x = NULL, *s = NULL, *pre = NULL, mean = 0, best = -HUGE_VAL;
	gsl_fft_real_wavetable *rwt = NULL;
	gsl_fft_halfcomplex_wavetable *hwt = NULL;
	gsl_fft_real_workspace *ws = NULL;
	gsl_error_handler_t *old;
	int period = 0;

	if (n < 8 || !(interval > 0))
		return 0;
	w = (size_t)llround(DAY / interval);
	if (2 * w > n)
		w = n / 4;
	half = w / 2;
	x = malloc(n * sizeof *x);
	s = malloc(m * sizeof *s);
	pre = malloc((n + 1) * sizeof *pre);
	old = gsl_set_error_handler_off();
	if (!x || !s || !pre)
		goto out;
	/* gross outliers first: y clipped at its median +- 5 robust standard
	 * deviations, so that they do not leak into the moving average */
	memcpy(x, y, n * sizeof *x);
	if (robust_clip(x, n, s) < 0)
		goto out;
	/* minus the centred moving average over w + 1 samples (held at its
	 * first and last full-window values at the ends) */
	pre[0] = 0;
	for (i = 0; i < n; i++)
		pre[i + 1] = pre[i] + x[i];
	for (i = 0; i < n; i++) {
		size_t c = i < half ? half : i + half > n - 1 ? n - 1 - half : i;
		x[i] -= (pre[c + half + 1] - pre[c - half]) / (double)(2 * half + 1);
	}
	/* and the detrended series again */
	if (robust_clip(x, n, s) < 0)
		goto out;
	for (i = 0; i < n; i++)
		mean += x[i];
	mean /= (double)n;
	/* biased autocorrelation by FFT, zero padded to 2n */
	memset(s, 0, m * sizeof *s);
	for (i = 0; i < n; i++)
		s[i] = x[i] - mean;
	if (!(rwt = gsl_fft_real_wavetable_alloc(m)) || !(hwt = gsl_fft_halfcomplex_wavetable_alloc(m)) ||
	    !(ws = gsl_fft_real_workspace_alloc(m)))
		goto out;
	gsl_fft_real_transform(s, 1, m, rwt, ws);
	s[0] = s[0] * s[0];
	for (i = 1; 2 * i < m; i++) {
		s[2 * i - 1] = s[2 * i - 1] * s[2 * i - 1] + s[2 * i] * s[2 * i];
		s[2 * i] = 0;
	}
	s[m - 1] = s[m - 1] * s[m - 1];
	gsl_fft_halfcomplex_inverse(s, 1, m, hwt, ws);
	if (!(s[0] > 0))
		goto out;
	lmin = (size_t)ceil(HOUR / interval);
	if (lmin < 2)
		lmin = 2;
	lmax = n / 2;
	for (l = lmin; l <= lmax && l + 2 < n; l++) {
		double v = s[l] / s[0];
		if (v > acf_min && s[l] >= s[l - 1] && s[l] >= s[l - 2] && s[l] >= s[l + 1] &&
		    s[l] >= s[l + 2] && v > best) {
			best = v;
			period = (int)l;
		}
	}
	if (period > 0) {
		/* the biased autocorrelation favours the fundamental but its peaks
		 * lean towards short lags: the period is the lag of the highest
		 * Pearson correlation between x[0, n-l) and x[l, n) within 10 %,
		 * from the lagged products s[l] and prefix sums of the centred x
		 * (pre[]) and of its squares (sq[], in the unused half of s[]) */
		size_t a0 = (size_t)period - (size_t)period / 10, a1 = (size_t)period + (size_t)period / 10;
		double bc = -HUGE_VAL, acc = 0, *sq = s + n;
		if (a0 < lmin)
			a0 = lmin;
		if (a1 > lmax)
			a1 = lmax;
		pre[0] = 0;
		for (i = 0; i < n; i++) {
			double c = x[i] - mean;
			pre[i + 1] = pre[i] + c;
			sq[i] = acc;
			acc += c * c;
		}
		for (l = a0; l <= a1; l++) {
			double mm = (double)(n - l), A = pre[n - l], B = pre[n] - pre[l];
			double cov = s[l] - A * B / mm, va = sq[n - l] - A * A / mm, vb = acc - sq[l] - B * B / mm;
			double r = va > 0 && vb > 0 ? cov / sqrt(va * vb) : -HUGE_VAL;
			if (r > bc) {
				bc = r;
				period = (int)l;
			}
		}
		/* a period within 2 % of a day or a week is taken as exactly that */
		if (fabs((double)period * interval - DAY) <= 0.02 * DAY)
			period = (int)llround(DAY / interval);
		else if (fabs((double)period * interval - 7 * DAY) <= 0.02 * 7 * DAY)
			period = (int)llround(7 * DAY / interval);
	}
out:
	if (rwt)
		gsl_fft_real_wavetable_free(rwt);
	if (hwt)
		gsl_fft_halfcomplex_wavetable_free(hwt);
	if (ws)
		gsl_fft_real_workspace_free(ws);
	gsl_set_error_handler(old);
	free(x);
	free(s);
	free(pre);
	return period;
}

/* ---- the autoscaler ---- */

typedef struct {
	long long k;
	double sum, cnt;
} bucket;

struct sp_ahpa {
	sp_ahpa_opts o;
	bucket *ring;
	size_t cap, head, len;
	int have_t, have_first;
	double last_t, first_t, last_load;
	int refreshed;
	double next_refresh;
	int period;
	double f0;
	double *forecast;
	size_t fn;
	const char *reason;
};

void
sp_ahpa_defaults(sp_ahpa_opts *o)
{
	memset(o, 0, sizeof *o);
	o->interval = 60;
	o->history = 7 * DAY;
	o->min_history = 2 * DAY;
	o->horizon = DAY;
	o->refresh = HOUR;
	o->startup = 180;
	o->quantile = 0.95;
	o->acf_min = 0.3;
	o->robust = 1;
	o->min = 1;
	o->max = 100;
}

sp_ahpa *
sp_ahpa_new(const sp_ahpa_opts *o, sp_error *err)
{
	sp_ahpa *a;

	if (!(o->interval >= 1) || o->interval != floor(o->interval) || !isfinite(o->interval))
		return sp_error_set(err, SP_EUSAGE, "ahpa: interval must be whole seconds >= 1"), NULL;
	if (!(o->history >= 2 * o->interval) || !isfinite(o->history) || o->history / o->interval > 1e7)
		return sp_error_set(err, SP_EUSAGE, "ahpa: history must hold 2 .. 1e7 samples"), NULL;
	if (!(o->min_history >= 0 && o->min_history <= o->history))
		return sp_error_set(err, SP_EUSAGE, "ahpa: need 0 <= min history <= history"), NULL;
	if (!(o->horizon >= o->interval) || !isfinite(o->horizon) || !(o->refresh > 0) || !isfinite(o->refresh))
		return sp_error_set(err, SP_EUSAGE, "ahpa: horizon >= interval and refresh > 0"), NULL;
	if (!(o->startup >= 0) || !isfinite(o->startup))
		return sp_error_set(err, SP_EUSAGE, "ahpa: start-up time must be >= 0"), NULL;
	if (!(o->quantile >= 0 && o->quantile < 1) || !(o->acf_min >= 0 && o->acf_min < 1))
		return sp_error_set(err, SP_EUSAGE, "ahpa: quantile and acf threshold must be in [0, 1)"), NULL;
	if (o->min < 0 || o->max < 1 || o->min > o->max)
		return sp_error_set(err, SP_EUSAGE, "ahpa: need 0 <= min <= max, max >= 1"), NULL;
	if (!(a = calloc(1, sizeof *a)))
		return sp_error_set(err, SP_ENOMEM, "ahpa: out of memory"), NULL;
	a->o = *o;
	a->cap = (size_t)ceil(o->history / o->interval) + 2;
	if (!(a->ring = malloc(a->cap * sizeof *a->ring))) {
		free(a);
		return sp_error_set(err, SP_ENOMEM, "ahpa: out of memory"), NULL;
	}
	a->last_load = NAN;
	a->reason = "hold";
	return a;
}

void
sp_ahpa_free(sp_ahpa *a)
{
	if (!a)
		return;
	free(a->ring);
	free(a->forecast);
	free(a);
}

int
sp_ahpa_observe(sp_ahpa *a, double t, double load, sp_error *err)
{
	long long k;
	bucket *b;

	if (!isfinite(t))
		return sp_error_set(err, SP_EUSAGE, "ahpa: time must be finite");
	if (a->have_t && t < a->last_t)
		return sp_error_set(err, SP_EUSAGE, "ahpa: time went back (%.17g)", t);
	if (!isnan(load) && (!isfinite(load) || load < 0))
		return sp_error_set(err, SP_EDATA, "ahpa: load must be finite and >= 0 (got %g)", load);
	a->have_t = 1;
	a->last_t = t;
	a->last_load = load;
	if (isnan(load))
		return 0;
	if (!a->have_first) {
		a->have_first = 1;
		a->first_t = t;
	}
	k = (long long)ceil(t / a->o.interval);
	b = a->len ? &a->ring[(a->head + a->len - 1) % a->cap] : NULL;
	if (b && b->k == k) {
		b->sum += load;
		b->cnt += 1;
		return 0;
	}
	if (a->len == a->cap) {
		a->head = (a->head + 1) % a->cap;
		a->len--;
	}
	b = &a->ring[(a->head + a->len) % a->cap];
	b->k = k;
	b->sum = load;
	b->cnt = 1;
	a->len++;
	return 0;
}

/* The empirical q-quantile (linear interpolation between order statistics,
 * R's type 7) of x[n]; x is sorted in place. */
static double
quantile7(double *x, size_t n, double q)
{
	double h = q * (double)(n - 1);
	size_t lo = (size_t)floor(h);

	qsort(x, n, sizeof *x, cmp_double);
	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

int
sp_ahpa_refresh(sp_ahpa *a, double t, sp_error *err)
{
	double dt = a->o.interval, *y = NULL, *s = NULL, *tr = NULL, lvl, q = 0;
	long long kend = (long long)floor(t / dt), kstart = kend - (long long)ceil(a->o.history / dt) + 1;
	long long kfirst = 0, klast = 0, kprev = 0;
	double vprev = 0;
	size_t i, n = 0, h, H = (size_t)floor(a->o.horizon / dt), got = 0;
	int p, rc = 0;
	sp_ahpa_stl_opts so;

	free(a->forecast);
	a->forecast = NULL;
	a->fn = 0;
	a->period = 0;
	for (i = 0; i < a->len; i++) {
		const bucket *b = &a->ring[(a->head + i) % a->cap];
		if (b->k < kstart || b->k > kend)
			continue;
		if (!got)
			kfirst = b->k;
		klast = b->k;
		got++;
	}
	if (!got || (double)(klast - kfirst + 1) * dt < a->o.min_history || klast - kfirst + 1 < 8)
		return 0;
	n = (size_t)(klast - kfirst + 1);
	if (!(y = malloc(n * sizeof *y)))
		return sp_error_set(err, SP_ENOMEM, "ahpa: out of memory");
	/* dense, gaps interpolated linearly */
	got = 0;
	for (i = 0; i < a->len; i++) {
		const bucket *b = &a->ring[(a->head + i) % a->cap];
		double v = b->sum / b->cnt;
		long long j;
		if (b->k < kfirst || b->k > klast)
			continue;
		if (got)
			for (j = kprev + 1; j < b->k; j++)
				y[j - kfirst] = vprev + (v - vprev) * (double)(j - kprev) / (double)(b->k - kprev);
		y[b->k - kfirst] = v;
		kprev = b->k;
		vprev = v;
		got = 1;
	}
	if (!(a->forecast = malloc(H * sizeof *a->forecast)) || !(s = malloc(n * sizeof *s)) ||
	    !(tr = malloc(n * sizeof *tr))) {
		rc = sp_error_set(err, SP_ENOMEM, "ahpa: out of memory");
		goto out;
	}
	p = sp_ahpa_period(y, n, dt, a->o.acf_min);
	if (p >= 2 && n >= 2 * (size_t)p) {
		sp_ahpa_stl_defaults(&so, p);
		if (!a->o.robust) {
			so.inner = 5;
			so.outer = 0;
		}
		if ((rc = sp_ahpa_stl(y, n, &so, s, tr, NULL, err)) < 0)
			goto out;
		for (h = 1; h <= H; h++)
			a->forecast[h - 1] = tr[n - 1] + s[n - (size_t)p + (h - 1) % (size_t)p];
		for (i = 0; i < n; i++)
			s[i] = y[i] - tr[i] - s[i];
		a->period = p;
	} else {
		/* no season: the level of the last day (its median) */
		size_t last = n < (size_t)llround(DAY / dt) ? n : (size_t)llround(DAY / dt);
		memcpy(s, y + n - last, last * sizeof *s);
		lvl = median_of(s, last);
		for (h = 0; h < H; h++)
			a->forecast[h] = lvl;
		for (i = 0; i < n; i++)
			s[i] = y[i] - lvl;
	}
	if (a->o.quantile > 0)
		q = quantile7(s, n, a->o.quantile);
	for (h = 0; h < H; h++) {
		a->forecast[h] += q;
		if (a->forecast[h] < 0)
			a->forecast[h] = 0;
	}
	a->fn = H;
	a->f0 = (double)klast * dt + dt;
	rc = 1;
out:
	if (rc < 0) {
		free(a->forecast);
		a->forecast = NULL;
		a->fn = 0;
	}
	free(y);
	free(s);
	free(tr);
	return rc;
}

int
sp_ahpa_forecast(const sp_ahpa *a, double t, double *load)
{
	long long i;

	if (!a->forecast || a->fn == 0)
		return 0;
	i = (long long)ceil((t - a->f0) / a->o.interval);
	if (i < 0)
		i = 0;
	if (i >= (long long)a->fn)
		return 0;
	*load = a->forecast[i];
	return 1;
}

int
sp_ahpa_period_found(const sp_ahpa *a)
{
	return a->period;
}

const char *
sp_ahpa_reason(const sp_ahpa *a)
{
	return a->reason;
}

int
sp_ahpa_decide(sp_ahpa *a, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	int pro = -1, rea = -1, desired = current, rc;
	double f;

	if (!(wstar > 0) || !isfinite(wstar))
		return sp_error_set(err, SP_EUSAGE, "ahpa: target per pod must be > 0");
	if (current < 0 || ready < 0)
		return sp_error_set(err, SP_EUSAGE, "ahpa: negative pod count");
	if (a->have_first && t - a->first_t >= a->o.min_history && (!a->refreshed || t >= a->next_refresh)) {
		if ((rc = sp_ahpa_refresh(a, t, err)) < 0)
			return rc;
		if (rc == 1) {
			if (!a->refreshed)
				a->next_refresh = t;
			a->refreshed = 1;
			while (a->next_refresh <= t)
				a->next_refresh += a->o.refresh;
		}
	}
	if (sp_ahpa_forecast(a, t + a->o.startup, &f))
		pro = (int)ceil(f / wstar);
	if (isfinite(a->last_load))
		rea = (int)ceil(a->last_load / wstar);
	a->reason = "hold";
	if (pro >= 0 || rea >= 0) {
		desired = pro > rea ? pro : rea;
		a->reason = pro > rea ? "proactive" : "reactive";
	}
	if (desired < a->o.min) {
		desired = a->o.min;
		a->reason = "min";
	}
	if (desired > a->o.max) {
		desired = a->o.max;
		a->reason = "max";
	}
	*replicas = desired;
	return 0;
}

static int
peer_observe(void *self, double t, double load, sp_error *err)
{
	return sp_ahpa_observe(self, t, load, err);
}

static int
peer_decide(void *self, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	return sp_ahpa_decide(self, t, current, ready, wstar, replicas, err);
}

static const char *
peer_reason(const void *self)
{
	return sp_ahpa_reason(self);
}

static void
peer_free(void *self)
{
	sp_ahpa_free(self);
}

static const sp_peer_ops ahpa_ops = { "ahpa", peer_observe, peer_decide, peer_reason, peer_free };

sp_peer
sp_ahpa_peer(sp_ahpa *a)
{
	sp_peer p = { &ahpa_ops, a };
	return p;
}
