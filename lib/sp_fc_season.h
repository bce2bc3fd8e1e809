/* sp_fc_season: seasonfit models (lib/sp_season, Prophet's model) behind
 * sp_forecaster, for forecast -m.
 *
 * A model file carries the specification, the fit and `refit N`:
 *  - refit 0: the saved fit, unchanged, at every origin; ready from the
 *    first row.
 *  - refit N > 0: the specification refitted on all the rows so far (as
 *    Prophet fits the whole history) after rows N, 2N, 3N, ...; not ready
 *    before the first; between refits the bands come from the last fit.  A
 *    refit that fails for lack of history (fewer than 2 values, a
 *    seasonality asked for that is longer than the history) keeps the
 *    previous fit.
 * The band of horizons 1..H from the last row, at time t: the times
 * t + h * step (step: the model's, the smallest spacing of its history),
 * the capacity and floor of a logistic model held at the last row's, the
 * point forecast and Prophet's predictive interval (the model's number of
 * samples, one random stream from the model's seed for the whole run, so a
 * run repeats and a prefix of the input gives a prefix of the output), at
 * the central level sp_forecaster_opts.level [0.8].  Missing values are
 * pushed and left out of refits.  Extra input columns: the capacity (and
 * floor) of a logistic model, required in every row.
 *
 * Ownership: sp_fc_season_new takes m (freed with the forecaster, also
 * when it fails).
 */
#ifndef SP_FC_SEASON_H
#define SP_FC_SEASON_H

#include "sp_forecaster.h"
#include "sp_season.h"

extern const sp_forecaster_ops sp_fc_season_ops;

/* A forecaster of the model m with the settings f (refit, samples, seed,
 * columns; copied) at level (0: 0.8); path for messages (may be NULL). */
sp_forecaster *sp_fc_season_new(sp_season_model *m, const sp_season_file *f, double level, const char *path,
    sp_error *err);
/* The fit in use (NULL before the first refit), for -v. */
const sp_season_model *sp_fc_season_fit(const sp_forecaster *f);
/* Refits so far. */
long sp_fc_season_refits(const sp_forecaster *f);

#endif
