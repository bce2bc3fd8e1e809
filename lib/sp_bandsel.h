/* sp_bandsel: the better of two forecast bands by their recent calibration.
 *
 * Fed origin by origin with the observed load and the horizon-1 forecast
 * of a base band (arfit's) and, where it has one, of an alternative band
 * (an LSTM's), it keeps for each an exponential mean of the absolute
 * horizon-1 errors realised so far and says at each origin which band to
 * use there: the alternative's when it has a band at that origin, has
 * made at least min_errors errors, and its mean is lower than the base's
 * (a tie keeps the base).  The error of a forecast issued at origin p is
 * scored at the next origin t when t is p's horizon-1 target (the load at
 * t against it); the mean then weighs its past by 1 - (t - p) / memory
 * (at 5-minute steps and a memory of a day, 0.99653).  After a gap (t is
 * not p's target) nothing is scored.  Causal: the choice at t reads only
 * errors realised by t.
 *
 * Ownership: sp_bandsel_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_BANDSEL_H
#define SP_BANDSEL_H

#include "sp_err.h"
#include "sp_state.h"

typedef struct {
	double memory;          /* seconds (> 0) [86400] */
	long min_errors;        /* the alternative's errors before it is used [12] */
} sp_bandsel_opts;

void sp_bandsel_defaults(sp_bandsel_opts *o);

typedef struct sp_bandsel sp_bandsel;

/* NULL with SP_EUSAGE for options out of range, SP_ENOMEM. */
sp_bandsel *sp_bandsel_new(const sp_bandsel_opts *o, sp_error *err);
void sp_bandsel_free(sp_bandsel *s);

/* The origin t, after every origin fed so far: load the observed load at t,
 * target the target time of horizon 1, base_h1 and alt_h1 the horizon-1
 * forecasts issued at t (alt_h1 NaN: the alternative has no band at t).
 * Scores the forecasts of the last origin, then returns 1 when the
 * alternative's band is the one to use at t, 0 the base's.  A NaN load
 * or base_h1 scores nothing for that band. */
int sp_bandsel_origin(sp_bandsel *s, double t, double target, double load, double base_h1, double alt_h1);

/* The last origin fed (-inf: none yet). */
double sp_bandsel_last(const sp_bandsel *s);

/* The means (NaN before a first error) and counts of errors. */
typedef struct {
	double base, alt;
	long nbase, nalt;
	int alt_used;           /* the last origin's choice */
} sp_bandsel_scores;
void sp_bandsel_get_scores(const sp_bandsel *s, sp_bandsel_scores *sc);

/* The state between runs (sp_state lines: the options, which must be the
 * run's, then the last origin and its forecasts, the means and counts). */
int sp_bandsel_write_state(const sp_bandsel *s, sp_state_writer *w, sp_error *err);
int sp_bandsel_read_state(sp_bandsel *s, sp_state *st, sp_error *err);

#endif
