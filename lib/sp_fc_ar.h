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
/* The model of the last band made (for arfit -v), NULL before the first or
 * when f is not an AR forecaster.  Valid until the next band. */
const sp_ar_model *sp_fc_ar_model(const sp_forecaster *f);

#endif
