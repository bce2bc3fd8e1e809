/* sp_burstdet: burstdetect's per-origin decision; see sp_burstdet.h. */
#include "sp_burstdet.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#define RING SP_BURSTDET_RING

struct sp_burstdet {
	sp_burstdet_opts o;
	sp_burst *det;
	sp_arburst *ar;         /* the AR of the current burst, or NULL */
	long t;                 /* the current origin's index; -1 before the first */
	long ar_fed;            /* last step index fed to the AR */
	long last_burst;        /* last provisioned burst step; -1 none */
	double prevL1, prevM1, prevU1; /* the horizon-1 band of the previous origin */
	double zq, zlo, zhi;    /* normal quantiles of quantile, q_lo and q_hi */
	double wv[RING];        /* W_j */
	double l1[RING];        /* lower of the horizon-1 band for step j (NaN unknown) */
	double hist[RING];      /* the AR's history at a burst's start */
};

void
sp_burstdet_defaults(sp_burstdet_opts *o)
{
	sp_burst_defaults(&o->det);
	sp_arburst_defaults(&o->ar);
	o->same_step = 0;
	o->normal = SP_BURSTDET_FORECAST;
	o->quantile = 0.5;
	o->lead = 1;
	o->spike_ratio = 0.5;
}

void
sp_burstdet_free(sp_burstdet *d)
{
	if (!d)
		return;
	sp_burst_free(d->det);
	sp_arburst_free(d->ar);
	free(d);
}

sp_burstdet *
sp_burstdet_new(const sp_burstdet_opts *o, sp_error *err)
{
	sp_burstdet *d;
	const sp_arburst_opts *a = &o->ar;
	int i;

	if (o->lead < 1 || !(o->quantile > 0 && o->quantile < 1) || !(o->spike_ratio >= 0) ||
	    (unsigned)o->normal > SP_BURSTDET_LOWER || a->max_window < 3 || a->max_window > RING ||
	    !(a->quantile >= 0 && a->quantile <= 1) || a->bootstrap < 0 ||
	    !(a->boot_level > 0 && a->boot_level < 1)) {
		sp_error_set(err, SP_EUSAGE, "burst decision: bad options (lead >= 1, quantile in (0, 1), "
		    "spike ratio >= 0, AR window 3..%d)", RING);
		return NULL;
	}
	if (!(d = malloc(sizeof *d))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	d->o = *o;
	if (!(d->det = sp_burst_new(&o->det, err))) {
		free(d);
		return NULL;
	}
	d->ar = NULL;
	d->t = -1;
	d->ar_fed = -1;
	d->last_burst = -1;
	d->prevL1 = d->prevM1 = d->prevU1 = NAN;
	d->zq = gsl_cdf_ugaussian_Pinv(o->quantile);
	d->zlo = gsl_cdf_ugaussian_Pinv(o->det.q_lo);
	d->zhi = gsl_cdf_ugaussian_Pinv(o->det.q_hi);
	for (i = 0; i < RING; i++) {
		d->wv[i] = 0;
		d->l1[i] = NAN;
	}
	return d;
}

const sp_burst *
sp_burstdet_detector(const sp_burstdet *d)
{
	return d->det;
}

/* The quantile `quantile` of a band (l, m, u) whose bounds are the
 * quantiles q_lo and q_hi: m + (u - m) z / z_hi above the median, the
 * mirror below (a Gaussian band). */
static double
band_quantile(const sp_burstdet *d, double l, double m, double u)
{
	if (d->o.quantile == 0.5)
		return m;
	if (d->o.quantile > 0.5)
		return m + (u - m) * d->zq / d->zhi;
	return m + (l - m) * d->zq / d->zlo;
}

/* The demand in a burst for step p (loads known up to p - 1); band (lo, up)
 * of p. */
static int
burst_demand(sp_burstdet *d, long p, double lo, double up, double *dem, sp_error *err)
{
	double est = NAN, mind = INFINITY;
	long j;
	int nd = 0, rc;

	if (!d->ar) {
		long from = d->last_burst + 1, n;
		if (p - from < (long)d->o.ar.min_window)
			from = 0;
		if (p - from > (long)d->o.ar.max_window)
			from = p - (long)d->o.ar.max_window;
		if (p - from > RING)
			from = p - RING;
		n = p - from;
		if (n >= 3) {
			sp_error e;
			for (j = 0; j < n; j++)
				d->hist[j] = d->wv[(from + j) % RING];
			/* too little usable history (SP_EDATA): no AR, the band */
			if (!(d->ar = sp_arburst_begin(d->hist, (size_t)n, &d->o.ar, &e)) && e.code != SP_EDATA) {
				if (err)
					*err = e;
				return e.code;
			}
		}
	} else {
		for (j = d->ar_fed + 1; j < p; j++)
			if ((rc = sp_arburst_observe(d->ar, d->wv[j % RING], err)) < 0)
				return rc;
	}
	d->ar_fed = p - 1;
	if (d->ar && (rc = sp_arburst_next(d->ar, &est, NULL, err)) < 0)
		return rc;
	/* the band floor, with the horizon-1 band of the step provisioned and
	 * the check window p-4 .. p-1 */
	for (j = p - 4; j < p; j++) {
		if (j < 0 || isnan(d->l1[j % RING]))
			continue;
		nd++;
		if (d->wv[j % RING] - d->l1[j % RING] < mind)
			mind = d->wv[j % RING] - d->l1[j % RING];
	}
	if (isnan(est))
		est = up;          /* no AR possible (too little history): the band */
	else if (nd > 0 && mind < 0 && est < lo)
		est = lo;
	else if ((nd == 0 || mind > 0) && est < up)
		est = up;
	/* a burst never needs less than the last load before it: a fresh AR(2)
	 * fit that oscillates (phi1 > 1, phi2 < -1) can predict far below it,
	 * even below zero, with a band too wide to floor it */
	if (p >= 1 && !(est >= d->wv[(p - 1) % RING]))
		est = d->wv[(p - 1) % RING];
	d->last_burst = p;
	*dem = est;
	return 0;
}

int
sp_burstdet_decide(sp_burstdet *d, double origin, double target, double w, const double *L,
    const double *M, const double *U, sp_burstdet_decision *out, sp_error *err)
{
	int lab, outside, rc, same = d->o.same_step, H = d->o.det.H;
	long t = d->t + 1, p;
	double lo, up, md, dem;

	if ((rc = sp_burst_observe(d->det, w, &lab, &outside, err)) < 0)
		return rc;
	d->t = t;
	d->wv[t % RING] = w;
	if (same) {
		p = t;
		lo = d->prevL1, up = d->prevU1, md = d->prevM1;
	} else {
		p = t + 1;
		lo = L[0], up = U[0], md = M[0];
	}
	if (lab) {
		out->state = SP_BURST_BURST;
		dem = NAN;
		if (!isnan(up) && (rc = burst_demand(d, p, lo, up, &dem, err)) < 0)
			return rc;
	} else {
		const double *Q = same ? NULL : d->o.normal == SP_BURSTDET_UPPER ? U :
		    d->o.normal == SP_BURSTDET_LOWER ? L : M;
		double prev = p >= 1 ? d->wv[(p - 1) % RING] : NAN;
		int k;
		sp_arburst_free(d->ar);
		d->ar = NULL;
		dem = d->o.normal == SP_BURSTDET_UPPER ? up : d->o.normal == SP_BURSTDET_LOWER ? lo :
		    isnan(md) ? NAN : band_quantile(d, lo, md, up);
		for (k = 1; Q && k < d->o.lead && k < H; k++) {
			double v = d->o.normal != SP_BURSTDET_FORECAST ? Q[k] : band_quantile(d, L[k], M[k], U[k]);
			if (v > dem)
				dem = v;
		}
		out->state = !outside && p >= 1 && isfinite(md) &&
		    fabs(md - prev) > d->o.spike_ratio * fmax(fabs(prev), 1e-9) ? SP_BURST_SPIKE : SP_BURST_NORMAL;
	}
	out->demand = dem;
	out->demand_next = NAN;
	if (!same && d->o.lead < H) {
		const double *Q = d->o.normal == SP_BURSTDET_UPPER ? U : d->o.normal == SP_BURSTDET_LOWER ? L : M;
		double nx = NAN;
		int k;
		for (k = 1; k <= d->o.lead; k++) {
			double v = d->o.normal != SP_BURSTDET_FORECAST ? Q[k] :
			    isnan(M[k]) ? NAN : band_quantile(d, L[k], M[k], U[k]);
			if (isnan(nx) || v > nx)
				nx = v;
		}
		if (lab && !(nx >= dem))
			nx = dem;
		out->demand_next = nx;
	}
	if (same) {
		out->t = origin;
		out->forecast = d->prevM1, out->lower = d->prevL1, out->upper = d->prevU1;
	} else {
		out->t = target;
		out->forecast = M[0], out->lower = L[0], out->upper = U[0];
	}
	if ((rc = sp_burst_forecast(d->det, L, M, U, err)) < 0)
		return rc;
	d->l1[(t + 1) % RING] = L[0];
	d->prevL1 = L[0], d->prevM1 = M[0], d->prevU1 = U[0];
	return 0;
}
