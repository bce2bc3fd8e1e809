/* sp_calib: conformal quantile tracking of a band's widening; see sp_calib.h. */
#include <math.h>
#include <stdlib.h>

#include "sp_calib.h"

sp_calib *
sp_calib_new(int n, double alpha, double lr, sp_error *err)
{
	sp_calib *c;
	if (n < 1 || !(alpha > 0 && alpha < 1) || !(lr > 0) || !isfinite(lr)) {
		sp_error_set(err, SP_EUSAGE, "calibration: need n >= 1, alpha in (0,1) and a finite lr > 0 "
		    "(have n %d, alpha %g, lr %g)", n, alpha, lr);
		return NULL;
	}
	if (!(c = calloc(1, sizeof *c)) || !(c->q = calloc((size_t)n, sizeof *c->q)) ||
	    !(c->abssum = calloc((size_t)n, sizeof *c->abssum)) || !(c->count = calloc((size_t)n, sizeof *c->count))) {
		sp_calib_free(c);
		sp_error_set(err, SP_ENOMEM, "calibration: out of memory");
		return NULL;
	}
	c->n = n, c->alpha = alpha, c->lr = lr;
	return c;
}

void
sp_calib_free(sp_calib *c)
{
	if (!c)
		return;
	free(c->q), free(c->abssum), free(c->count);
	free(c);
}

/* The smaller distance from mid to the band's edges (>= 0). */
static double
halfwidth(double lo, double mid, double hi)
{
	double a = mid - lo, b = hi - mid, m = a < b ? a : b;
	return m > 0 ? m : 0;
}

double
sp_calib_widening(const sp_calib *c, int k, double lo, double mid, double hi)
{
	double floor_ = -halfwidth(lo, mid, hi);
	return c->q[k] > floor_ ? c->q[k] : floor_;
}

int
sp_calib_update(sp_calib *c, int k, double y, double lo, double mid, double hi, double qused)
{
	int miss;
	double floor_;
	if (!isfinite(y))
		return 0;
	miss = y < lo - qused || y > hi + qused;
	c->abssum[k] += fabs(y - mid);
	c->count[k]++;
	c->q[k] += c->lr * (c->abssum[k] / (double)c->count[k]) * (miss - c->alpha);
	floor_ = -halfwidth(lo, mid, hi);
	if (c->q[k] < floor_)
		c->q[k] = floor_;
	return miss;
}
