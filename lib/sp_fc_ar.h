/* sp_fc_ar: AR forecasters behind sp_forecaster.
 *
 * Two backends over lib/sp_ar:
 *  - fixed: a fitted model (arfit --save, or in memory) applied with its
 *    coefficients at every origin to the last sp_ar_need(m) values (at
 *    least one), which must all be present; the registry's "ar" kind.
 *  - rolling: the model of a spec refitted on the last `window` values at
 *    every origin (arfit --rolling; sp_ar_roll), which must all be present:
 *    a missing value is an error.
 * Both take their step from the input's spacing (info.step 0), accept any
 * horizon up to SP_FORECASTER_MAXH and give a central band (analytic, or
 * bootstrapped: sp_ar_band), info.band SP_FORECASTER_BAND_LEVEL.  Opened
 * from a file, the level is sp_forecaster_opts.level [0.8] (quantiles
 * (1 - level)/2 and 1 - (1 - level)/2) and the band analytic.
 *
 * Ownership: sp_fc_ar_new takes m (freed with the forecaster, also when it
 * fails); o->rng is borrowed and must outlive the forecaster.
 */
#ifndef SP_FC_AR_H
#define SP_FC_AR_H

#include "sp_ar.h"
#include "sp_forecaster.h"

extern const sp_forecaster_ops sp_fc_ar_ops;

/* A fixed-coefficient forecaster of m with the band o (info.level qhi - qlo). */
sp_forecaster *sp_fc_ar_new(sp_ar_model *m, const sp_ar_band_opts *o, sp_error *err);
/* Errors of sp_ar_roll_new (a window too short for the spec: SP_EUSAGE). */
sp_forecaster *sp_fc_ar_rolling_new(const sp_ar_spec *spec, size_t window, const sp_ar_band_opts *o,
    sp_error *err);
/* A rolling forecaster whose seasonal period is found in the data
 * (arfit --season auto): season 0 (spec->s must be 0) on the values
 * spanning `after` seconds from the first; at the first value after them,
 * the period of those values (sp_stats_acf_period: up to `maxlag` seconds
 * of rows, and no longer than the window fits, a peak of at least
 * `min_acf` that rises `min_rise` above the autocorrelation at the shorter
 * lags), fixed from then on; a period restarts the roll with it on
 * the roll's window (the rows before it forecast as without a season).
 * The state carries the period (or the values so far). */
typedef struct {
	double after;    /* seconds [7 days] */
	double maxlag;   /* seconds [1 day] */
	double min_acf;  /* [0.5] */
	double min_rise; /* [0.25] */
} sp_fc_ar_season;
void sp_fc_ar_season_defaults(sp_fc_ar_season *sa);
sp_forecaster *sp_fc_ar_rolling_auto_new(const sp_ar_spec *spec, size_t window, const sp_fc_ar_season *sa,
    const sp_ar_band_opts *o, sp_error *err);
/* The period of y[0..n) (step seconds apart; spec's season 0): up to
 * sa->maxlag seconds of rows, no longer than a fit of spec on `fit` values
 * allows (sp_ar_min_points), sp_stats_acf_period with sa->min_acf and
 * sa->min_rise. */
size_t sp_fc_ar_season_find(const sp_ar_spec *spec, const double *y, size_t n, double step, size_t fit,
    const sp_fc_ar_season *sa, double *acf);
/* The period found: -1 not yet, 0 none, else the lag in rows (*acf its
 * autocorrelation; acf may be NULL); -2 when f has no --season auto. */
long sp_fc_ar_period(const sp_forecaster *f, double *acf);
/* The model of the last band made (for arfit -v), NULL before the first or
 * when f is not an AR forecaster.  Valid until the next band. */
const sp_ar_model *sp_fc_ar_model(const sp_forecaster *f);
/* Rolling: the explosive fits damped (sp_ar_spec's max_radius) this run, of
 * *fits; 0 for a fixed model. */
size_t sp_fc_ar_damped(const sp_forecaster *f, size_t *fits);

#endif
