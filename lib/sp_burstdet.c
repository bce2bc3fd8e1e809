/* sp_burstdet: burstdetect's per-origin decision; see sp_burstdet.h. */
#include "sp_burstdet.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_state.h"

#define RING SP_BURSTDET_RING
#define RING_MARGIN 64   /* steps of the rings beyond the AR's largest window */

struct sp_burstdet {
	sp_burstdet_opts o;
	sp_burst *det;
	sp_arburst *ar;         /* the AR of the current burst, or NULL */
	long t;                 /* the current origin's index; -1 before the first */
	long ar_fed;            /* last step index fed to the AR */
	long last_burst;        /* last provisioned burst step; -1 none */
	double prevL1, prevM1, prevU1; /* the horizon-1 band of the previous origin */
	double zq, zlo, zhi;    /* normal quantiles of quantile, q_lo and q_hi */
	double zhold;           /* ... of hold_quantile */
	/* rings of `ring` steps, indexed by step mod ring: ring is the AR's
	 * largest window plus a margin (what the AR's history, its catch-up
	 * feed and the check window read), not the largest window allowed
	 * (SP_BURSTDET_RING): 3 x 400 doubles a key at the default window 336,
	 * against 3 x 4096 before (98 KB a key, most of a 10,000-key fleet's
	 * memory) */
	long ring;
	double *wv;             /* W_j */
	double *l1;             /* lower of the horizon-1 band for step j (NaN unknown) */
	double *hist;           /* the AR's history at a burst's start */
	int has_last;           /* a decision was made */
	double last_origin;     /* ... at this origin */
	sp_burstdet_decision last;
};

void
sp_burstdet_defaults(sp_burstdet_opts *o)
{
	sp_burst_defaults(&o->det);
	sp_arburst_defaults(&o->ar);
	o->same_step = 0;
	o->normal = SP_BURSTDET_FORECAST;
	o->burst = SP_BURSTDET_BURST_AR;
	o->quantile = 0.5;
	o->lead = 1;
	o->hold = 0;
	o->hold_quantile = NAN;
	o->spike_ratio = 0.5;
}

void
sp_burstdet_free(sp_burstdet *d)
{
	if (!d)
		return;
	sp_burst_free(d->det);
	sp_arburst_free(d->ar);
	free(d->wv);
	free(d);
}

sp_burstdet *
sp_burstdet_new(const sp_burstdet_opts *o, sp_error *err)
{
	sp_burstdet *d;
	const sp_arburst_opts *a = &o->ar;
	int i;

	if (o->lead < 1 || !(o->quantile > 0 && o->quantile < 1) || !(o->spike_ratio >= 0) || o->hold < 0 ||
	    !(isnan(o->hold_quantile) || (o->hold_quantile > 0 && o->hold_quantile < 1)) ||
	    (unsigned)o->normal > SP_BURSTDET_LOWER || (unsigned)o->burst > SP_BURSTDET_BURST_NORMAL ||
	    a->max_window < 3 || a->max_window > RING ||
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
	d->ring = (long)a->max_window + RING_MARGIN;
	if (!(d->wv = malloc(3 * (size_t)d->ring * sizeof *d->wv))) {
		free(d);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	d->l1 = d->wv + d->ring;
	d->hist = d->l1 + d->ring;
	if (!(d->det = sp_burst_new(&o->det, err))) {
		free(d->wv);
		free(d);
		return NULL;
	}
	d->ar = NULL;
	d->t = -1;
	d->ar_fed = -1;
	d->last_burst = -1;
	d->prevL1 = d->prevM1 = d->prevU1 = NAN;
	d->has_last = 0;
	d->last_origin = NAN;
	memset(&d->last, 0, sizeof d->last);
	d->zq = gsl_cdf_ugaussian_Pinv(o->quantile);
	d->zhold = gsl_cdf_ugaussian_Pinv(isnan(o->hold_quantile) ? o->quantile : o->hold_quantile);
	d->zlo = gsl_cdf_ugaussian_Pinv(o->det.q_lo);
	d->zhi = gsl_cdf_ugaussian_Pinv(o->det.q_hi);
	for (i = 0; i < d->ring; i++) {
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
		if (p - from > d->ring)
			from = p - d->ring;
		n = p - from;
		if (n >= 3) {
			sp_error e;
			for (j = 0; j < n; j++)
				d->hist[j] = d->wv[(from + j) % d->ring];
			/* too little usable history (SP_EDATA): no AR, the band */
			if (!(d->ar = sp_arburst_begin(d->hist, (size_t)n, &d->o.ar, &e)) && e.code != SP_EDATA) {
				if (err)
					*err = e;
				return e.code;
			}
		}
	} else {
		/* the loads the AR has not seen must still be in the ring: it
		 * is fed every step of a burst, so it lags by a step at most;
		 * only burst steps without a band (which skip this) make it
		 * lag, and after RING_MARGIN of them the burst's AR starts
		 * again from the loads before p */
		if (p - 1 - d->ar_fed > RING_MARGIN) {
			sp_arburst_free(d->ar);
			d->ar = NULL;
			return burst_demand(d, p, lo, up, dem, err);
		}
		for (j = d->ar_fed + 1; j < p; j++)
			if ((rc = sp_arburst_observe(d->ar, d->wv[j % d->ring], err)) < 0)
				return rc;
	}
	d->ar_fed = p - 1;
	if (d->ar && (rc = sp_arburst_next(d->ar, &est, NULL, err)) < 0)
		return rc;
	/* the band floor, with the horizon-1 band of the step provisioned and
	 * the check window p-4 .. p-1 */
	for (j = p - 4; j < p; j++) {
		if (j < 0 || isnan(d->l1[j % d->ring]))
			continue;
		nd++;
		if (d->wv[j % d->ring] - d->l1[j % d->ring] < mind)
			mind = d->wv[j % d->ring] - d->l1[j % d->ring];
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
	if (p >= 1 && !(est >= d->wv[(p - 1) % d->ring]))
		est = d->wv[(p - 1) % d->ring];
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
	d->wv[t % d->ring] = w;
	if (same) {
		p = t;
		lo = d->prevL1, up = d->prevU1, md = d->prevM1;
	} else {
		p = t + 1;
		lo = L[0], up = U[0], md = M[0];
	}
	if (lab && d->o.burst == SP_BURSTDET_BURST_AR) {
		out->state = SP_BURST_BURST;
		dem = NAN;
		if (!isnan(up) && (rc = burst_demand(d, p, lo, up, &dem, err)) < 0)
			return rc;
	} else {
		const double *Q = same ? NULL : d->o.normal == SP_BURSTDET_UPPER ? U :
		    d->o.normal == SP_BURSTDET_LOWER ? L : M;
		double prev = p >= 1 ? d->wv[(p - 1) % d->ring] : NAN;
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
		out->state = lab ? SP_BURST_BURST : !outside && p >= 1 && isfinite(md) &&
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
		if (lab && d->o.burst == SP_BURSTDET_BURST_AR && !(nx >= dem))
			nx = dem;
		out->demand_next = nx;
	}
	out->demand_hold = NAN;
	if (!same && d->o.hold > 0) {
		const double *Q = d->o.normal == SP_BURSTDET_UPPER ? U : d->o.normal == SP_BURSTDET_LOWER ? L : M;
		double hv = dem, zh = d->zhold;
		int k;
		for (k = 0; k < d->o.hold && k < H; k++) {
			double v = d->o.normal != SP_BURSTDET_FORECAST ? Q[k] : isnan(M[k]) ? NAN :
			    zh >= 0 ? M[k] + (U[k] - M[k]) * zh / d->zhi : M[k] + (L[k] - M[k]) * zh / d->zlo;
			if (isnan(hv) || v > hv)
				hv = v;
		}
		out->demand_hold = hv;
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
	d->l1[(t + 1) % d->ring] = L[0];
	d->prevL1 = L[0], d->prevM1 = M[0], d->prevU1 = U[0];
	d->has_last = 1;
	d->last_origin = origin;
	d->last = *out;
	return 0;
}

int
sp_burstdet_last(const sp_burstdet *d, sp_burstdet_decision *dec, double *origin)
{
	if (!d->has_last)
		return 0;
	*dec = d->last;
	*origin = d->last_origin;
	return 1;
}

/* ---- the state between runs ---- */

/* The options that shape the state, as numbers, in one order. */
enum { NOPT = 21 };
static const char *const opt_names[NOPT] = {
	"opt_horizons", "opt_near", "opt_min_outliers", "opt_score_threshold", "opt_theta_acc", "opt_q_lo",
	"opt_q_hi", "opt_train", "opt_eps", "opt_same_step", "opt_normal_demand", "opt_quantile", "opt_lead",
	"opt_spike_ratio", "opt_ar_window", "opt_ar_min", "opt_ar_quantile", "opt_ar_level", "opt_ar_mle",
	"opt_hold", "opt_hold_quantile"
};

static void
opt_values(const sp_burstdet_opts *o, double *v)
{
	const double x[NOPT] = { o->det.H, o->det.near, o->det.min_out, o->det.theta_score, o->det.theta_acc,
		o->det.q_lo, o->det.q_hi, (double)o->det.train, o->det.eps, o->same_step, o->normal, o->quantile,
		o->lead, o->spike_ratio, (double)o->ar.max_window, (double)o->ar.min_window, o->ar.quantile,
		o->ar.boot_level, o->ar.mle, o->hold, o->hold_quantile };
	memcpy(v, x, sizeof x);
}

/* The first index of the loads kept: what the AR's history, its catch-up
 * feed and the check window p-4 .. p-1 can still read. */
static long
kept_from(const sp_burstdet *d)
{
	long lo = d->t - (long)d->o.ar.max_window - 4;

	if (d->ar && d->ar_fed + 1 < lo)
		lo = d->ar_fed + 1;
	if (lo < d->t - d->ring + 1)
		lo = d->t - d->ring + 1;
	return lo < 0 ? 0 : lo;
}

int
sp_burstdet_write_state(const sp_burstdet *d, sp_state_writer *w, sp_error *err)
{
	double v[NOPT], kept[RING + RING_MARGIN], l1[6];
	long j, lo = kept_from(d);
	int i;

	if (d->o.ar.bootstrap > 0)
		return sp_error_set(err, SP_EUSAGE, "no state with --bootstrap (its random stream is not saved)");
	opt_values(&d->o, v);
	for (i = 0; i < NOPT; i++)
		sp_state_put_double(w, opt_names[i], v[i]);
	if (d->o.burst != SP_BURSTDET_BURST_AR)   /* absent: ar (the states written before it) */
		sp_state_put_long(w, "opt_burst_demand", (long)d->o.burst);
	sp_state_put_longs(w, "index", 4, (const long[]){ d->t, d->ar_fed, d->last_burst, lo });
	for (j = lo; j <= d->t; j++)
		kept[j - lo] = d->wv[j % d->ring];
	sp_state_put_doubles(w, "loads", (size_t)(d->t + 1 - lo), kept);
	for (j = d->t - 4; j <= d->t + 1; j++)
		l1[j - d->t + 4] = j < 0 ? NAN : d->l1[j % d->ring];
	sp_state_put_doubles(w, "lower1", 6, l1);
	sp_state_put_doubles(w, "band", 3, (const double[]){ d->prevL1, d->prevM1, d->prevU1 });
	sp_state_put_long(w, "has_last", d->has_last);
	sp_state_put_doubles(w, "last", 9, (const double[]){ d->last_origin, d->last.t, d->last.forecast,
	    d->last.lower, d->last.upper, d->last.state, d->last.demand, d->last.demand_next, d->last.demand_hold });
	sp_state_put_long(w, "ar", d->ar != NULL);
	if (d->ar && sp_arburst_write_state(d->ar, w, err) < 0)
		return err ? err->code : SP_EUSAGE;
	return sp_burst_write_state(d->det, w, err);
}

int
sp_burstdet_read_state(sp_burstdet *d, sp_state *s, sp_error *err)
{
	double v[NOPT], got, kept[RING + RING_MARGIN], l1[6], band[3], last[9];
	long ix[4], j, n, has_last, ar;
	int i, rc;

	opt_values(&d->o, v);
	for (i = 0; i < NOPT; i++) {
		if ((rc = sp_state_double(s, opt_names[i], &got, err)) < 0)
			return rc;
		if (!(got == v[i] || (isnan(got) && isnan(v[i])))) {
			return sp_state_error_back(s, 1, err, SP_EMODEL,
			    "state written with %s %.17g, not %.17g", opt_names[i] + 4, got, v[i]);
		}
	}
	n = SP_BURSTDET_BURST_AR;
	if (sp_state_at(s, "opt_burst_demand") &&
	    (rc = sp_state_long(s, "opt_burst_demand", 0, SP_BURSTDET_BURST_NORMAL, &n, err)) < 0)
		return rc;
	if (n != (long)d->o.burst)
		return sp_state_error_back(s, n == SP_BURSTDET_BURST_AR ? 0 : 1, err, SP_EMODEL,
		    "state written with burst_demand %s, not %s", n == SP_BURSTDET_BURST_AR ? "ar" : "normal",
		    d->o.burst == SP_BURSTDET_BURST_AR ? "ar" : "normal");
	if ((rc = sp_state_longs(s, "index", 4, -1, 1L << 52, ix, err)) < 0)
		return rc;
	d->t = ix[0], d->ar_fed = ix[1], d->last_burst = ix[2];
	if (ix[3] < 0 || ix[3] > d->t + 1 || d->t + 1 - ix[3] > d->ring || ix[1] > d->t + 1 || ix[2] > d->t + 1)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "index: inconsistent");
	n = d->t + 1 - ix[3];
	if ((rc = sp_state_doubles(s, "loads", (size_t)n, kept, err)) < 0 ||
	    (rc = sp_state_doubles(s, "lower1", 6, l1, err)) < 0 ||
	    (rc = sp_state_doubles(s, "band", 3, band, err)) < 0 ||
	    (rc = sp_state_long(s, "has_last", 0, 1, &has_last, err)) < 0 ||
	    (rc = sp_state_doubles(s, "last", 9, last, err)) < 0 ||
	    (rc = sp_state_long(s, "ar", 0, 1, &ar, err)) < 0)
		return rc;
	for (j = ix[3]; j <= d->t; j++)
		d->wv[j % d->ring] = kept[j - ix[3]];
	for (j = d->t - 4; j <= d->t + 1; j++)
		if (j >= 0)
			d->l1[j % d->ring] = l1[j - d->t + 4];
	d->prevL1 = band[0], d->prevM1 = band[1], d->prevU1 = band[2];
	if (!(last[5] == SP_BURST_NORMAL || last[5] == SP_BURST_BURST || last[5] == SP_BURST_SPIKE))
		return sp_state_error_back(s, 2, err, SP_EMODEL, "last: not a state");
	d->has_last = (int)has_last;
	d->last_origin = last[0];
	d->last.t = last[1], d->last.forecast = last[2], d->last.lower = last[3], d->last.upper = last[4];
	d->last.state = (sp_burst_state)last[5], d->last.demand = last[6], d->last.demand_next = last[7];
	d->last.demand_hold = last[8];
	if (ar && !(d->ar = sp_arburst_read_state(&d->o.ar, s, err)))
		return err ? err->code : SP_EMODEL;
	return sp_burst_read_state(d->det, s, err);
}
