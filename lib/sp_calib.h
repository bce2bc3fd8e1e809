/* sp_calib: online, causal recalibration of forecast bands by conformal
 * quantile tracking (Angelopoulos, Candes and Tibshirani 2023, "Conformal
 * PID control", the quantile-tracking update), one edge at a time.
 *
 * Each slot k (a horizon, say) has two additive widenings: ql[k] for the
 * lower edge and qh[k] for the upper one.  A band [lo, hi] around mid is
 * output as [lo - ql, hi + qh], each widening clamped from below so that
 * lower <= mid <= upper holds (ql >= -(mid - lo), qh >= -(hi - mid)).
 * When the actual y of a band output earlier becomes known,
 *
 *     ql <- ql + eta * ([y < lower] - alpha_lo),
 *     qh <- qh + eta * ([y > upper] - alpha_hi),
 *
 * alpha_lo and alpha_hi the nominal miss rates below and above (0.1 each
 * for a 0.1/0.9 band).  The step is scale free: eta = lr * (mean |y - mid|
 * over all bands of that slot scored so far, this one included), so lr is
 * a fraction of the typical absolute error.  Each edge's long-run miss
 * frequency tends to its alpha whatever the model's bias (the update is a
 * stochastic gradient step on the pinball loss of that edge), so a biased
 * model's band shifts as well as widens.  The widenings start at 0 and
 * never go below the floors of the last band scored. */
#ifndef SP_CALIB_H
#define SP_CALIB_H

#include "sp_err.h"

typedef struct {
	int n;            /* slots */
	double alo, ahi;  /* target miss rates below and above, in (0,1) */
	double lr;        /* step as a fraction of the mean absolute error, > 0 */
	double *ql, *qh;  /* (n) current widenings of the lower and upper edges */
	double *abssum;   /* (n) sum of |y - mid| over scored bands */
	long *count;      /* (n) bands scored */
} sp_calib;

/* n >= 1 slots, alo and ahi in (0,1) with alo + ahi < 1, lr > 0 (finite).
 * NULL with err on a bad argument (SP_EUSAGE) or no memory (SP_ENOMEM). */
sp_calib *sp_calib_new(int n, double alo, double ahi, double lr, sp_error *err);
void sp_calib_free(sp_calib *c);

/* The widenings to apply now to a band [lo, hi] around mid in slot k:
 * q[0] = ql[k], q[1] = qh[k], each clamped so that the band stays ordered. */
void sp_calib_widening(const sp_calib *c, int k, double lo, double mid, double hi, double q[2]);

/* Score a band of slot k whose actual value y is now known: [lo, hi] is
 * the band as the model gave it, q the widenings that were applied when
 * it was output (sp_calib_widening at that time).  A non-finite y is
 * ignored.  Returns -1 if y fell below the output band, 1 above, else 0. */
int sp_calib_update(sp_calib *c, int k, double y, double lo, double mid, double hi, const double q[2]);

/* The state between runs (lib/sp_state): the slots, miss rates and step
 * (checked on reading), and each slot's widenings, absolute-error sum and
 * count, so that c read back into a fresh sp_calib_new of the same
 * arguments continues bit for bit.  Reading: SP_EMODEL "FILE:LINE: state
 * written with ..., not ..." for other arguments, sp_state's errors. */
struct sp_state_writer;
struct sp_state;
void sp_calib_write_state(const sp_calib *c, struct sp_state_writer *w);
int sp_calib_read_state(sp_calib *c, struct sp_state *s, sp_error *err);

#endif
