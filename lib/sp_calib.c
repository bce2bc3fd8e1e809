/* sp_calib: conformal quantile tracking of a band's edges; see sp_calib.h. */
#include <math.h>
#include <stdlib.h>

#include "sp_calib.h"
#include "sp_state.h"

sp_calib *
sp_calib_new(int n, double alo, double ahi, double lr, sp_error *err)
{
	sp_calib *c;
	if (n < 1 || !(alo > 0 && alo < 1) || !(ahi > 0 && ahi < 1) || !(alo + ahi < 1) ||
	    !(lr > 0) || !isfinite(lr)) {
		sp_error_set(err, SP_EUSAGE, "calibration: need n >= 1, miss rates in (0,1) summing "
		    "to less than 1 and a finite lr > 0 (have n %d, alpha %g + %g, lr %g)", n, alo, ahi, lr);
		return NULL;
	}
	if (!(c = calloc(1, sizeof *c)) || !(c->ql = calloc((size_t)n, sizeof *c->ql)) ||
	    !(c->qh = calloc((size_t)n, sizeof *c->qh)) ||
	    !(c->abssum = calloc((size_t)n, sizeof *c->abssum)) || !(c->count = calloc((size_t)n, sizeof *c->count))) {
		sp_calib_free(c);
		sp_error_set(err, SP_ENOMEM, "calibration: out of memory");
		return NULL;
	}
	c->n = n, c->alo = alo, c->ahi = ahi, c->lr = lr;
	return c;
}

void
sp_calib_free(sp_calib *c)
{
	if (!c)
		return;
	free(c->ql), free(c->qh), free(c->abssum), free(c->count);
	free(c);
}

/* -(distance from mid to an edge), the least widening that keeps it on its side */
static double
floor_of(double d)
{
	return d > 0 ? -d : 0;
}

void
sp_calib_widening(const sp_calib *c, int k, double lo, double mid, double hi, double q[2])
{
	double fl = floor_of(mid - lo), fh = floor_of(hi - mid);
	q[0] = c->ql[k] > fl ? c->ql[k] : fl;
	q[1] = c->qh[k] > fh ? c->qh[k] : fh;
}

int
sp_calib_update(sp_calib *c, int k, double y, double lo, double mid, double hi, const double q[2])
{
	int below, above;
	double eta, fl = floor_of(mid - lo), fh = floor_of(hi - mid);
	if (!isfinite(y))
		return 0;
	below = y < lo - q[0], above = y > hi + q[1];
	c->abssum[k] += fabs(y - mid);
	c->count[k]++;
	eta = c->lr * (c->abssum[k] / (double)c->count[k]);
	c->ql[k] += eta * (below - c->alo);
	c->qh[k] += eta * (above - c->ahi);
	if (c->ql[k] < fl)
		c->ql[k] = fl;
	if (c->qh[k] < fh)
		c->qh[k] = fh;
	return below ? -1 : above;
}

void
sp_calib_write_state(const sp_calib *c, sp_state_writer *w)
{
	size_t n = (size_t)c->n;

	sp_state_put_long(w, "calib_slots", c->n);
	sp_state_put_double(w, "calib_alpha_lo", c->alo);
	sp_state_put_double(w, "calib_alpha_hi", c->ahi);
	sp_state_put_double(w, "calib_lr", c->lr);
	sp_state_put_doubles(w, "calib_ql", n, c->ql);
	sp_state_put_doubles(w, "calib_qh", n, c->qh);
	sp_state_put_doubles(w, "calib_abssum", n, c->abssum);
	sp_state_put_longs(w, "calib_count", n, c->count);
}

int
sp_calib_read_state(sp_calib *c, sp_state *s, sp_error *err)
{
	size_t n = (size_t)c->n;
	int rc;

	if ((rc = sp_state_want_long(s, "calib_slots", c->n, err)) < 0 ||
	    (rc = sp_state_want_double(s, "calib_alpha_lo", c->alo, err)) < 0 ||
	    (rc = sp_state_want_double(s, "calib_alpha_hi", c->ahi, err)) < 0 ||
	    (rc = sp_state_want_double(s, "calib_lr", c->lr, err)) < 0 ||
	    (rc = sp_state_doubles(s, "calib_ql", n, c->ql, err)) < 0 ||
	    (rc = sp_state_doubles(s, "calib_qh", n, c->qh, err)) < 0 ||
	    (rc = sp_state_doubles(s, "calib_abssum", n, c->abssum, err)) < 0 ||
	    (rc = sp_state_longs(s, "calib_count", n, 0, 1L << 52, c->count, err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)   /* NaN widenings would blank every later band */
		if (!isfinite(c->ql[i]) || !isfinite(c->qh[i]) || !isfinite(c->abssum[i]))
			return sp_state_error_back(s, 4, err, SP_EMODEL, "calib: slot %zu is not finite",
			    i + 1);
	return 0;
}
