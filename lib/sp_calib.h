/* sp_calib: online, causal recalibration of forecast bands by conformal
 * quantile tracking (Angelopoulos, Candes and Tibshirani 2023, "Conformal
 * PID control", the quantile-tracking update).
 *
 * One additive widening q[k] per slot k (a horizon, say).  A band
 * [lo, hi] around mid is output as [lo - q, hi + q], with q clamped from
 * below at -min(mid - lo, hi - mid) so that lower <= mid <= upper holds.
 * When the actual y of a band output earlier becomes known,
 *
 *     q <- q + eta * (miss - alpha),   miss = [y outside the output band],
 *
 * alpha = 1 - nominal coverage.  The step is scale free:
 * eta = lr * (mean |y - mid| over all bands of that slot scored so far,
 * this one included), so lr is a fraction of the typical absolute error.
 * Long-run miss frequency tends to alpha whatever the model's bias (the
 * update is a stochastic gradient step on the pinball loss of q).
 * q starts at 0 and never goes below -min(mid - lo, hi - mid) of the last
 * band scored. */
#ifndef SP_CALIB_H
#define SP_CALIB_H

#include "sp_err.h"

typedef struct {
	int n;          /* slots */
	double alpha;   /* target miss rate, in (0,1) */
	double lr;      /* step as a fraction of the mean absolute error, > 0 */
	double *q;      /* (n) current widening, data units */
	double *abssum; /* (n) sum of |y - mid| over scored bands */
	long *count;    /* (n) bands scored */
} sp_calib;

/* n >= 1 slots, alpha in (0,1), lr > 0 (finite).  NULL with err on a bad
 * argument (SP_EUSAGE) or no memory (SP_ENOMEM). */
sp_calib *sp_calib_new(int n, double alpha, double lr, sp_error *err);
void sp_calib_free(sp_calib *c);

/* The widening to apply now to a band [lo, hi] around mid in slot k: q[k]
 * clamped so that the band stays ordered (>= -min(mid - lo, hi - mid)). */
double sp_calib_widening(const sp_calib *c, int k, double lo, double mid, double hi);

/* Score a band of slot k whose actual value y is now known: [lo, hi] is
 * the band as the model gave it, qused the widening that was applied when
 * it was output (sp_calib_widening at that time).  A non-finite y is
 * ignored.  Returns 1 if y fell outside the output band, else 0. */
int sp_calib_update(sp_calib *c, int k, double y, double lo, double mid, double hi, double qused);

#endif
