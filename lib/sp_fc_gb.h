/* sp_fc_gb: gbfit's gradient-boosted forecasters (sp_gb, model kind "gb")
 * behind sp_forecaster.
 *
 * Each pushed row goes to the model's causal feature builder (sp_gb_push):
 * x[0] the series, x[1..nextra] the model's extra columns, which the input
 * must have (by name).  The forecaster is ready once the features have
 * their history (the largest lag, window or difference + 1 rows; with
 * target delta also a present last value); a band is one prediction per
 * booster (sp_gb_band).  The step, the horizons and the series column are
 * the model's.  The band is the model's split-conformal band
 * (SP_FORECASTER_BAND_LEVEL or _QUANTILES, as trained); --level
 * (sp_forecaster_opts.level) picks another central level from the same
 * validation residuals.  Nominal miss rates for online recalibration: the
 * band's quantile levels qlo and 1 - qhi.
 *
 * Ownership: the state owns its sp_gb.
 */
#ifndef SP_FC_GB_H
#define SP_FC_GB_H

#include "sp_forecaster.h"

extern const sp_forecaster_ops sp_fc_gb_ops;

#endif
