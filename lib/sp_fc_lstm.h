/* sp_fc_lstm: the LSTM/GRU forecaster (lstmtrain models) behind sp_forecaster.
 *
 * The model's window of consecutive present values (and their timestamps,
 * for the calendar features) goes through sp_lstm_predict at each origin;
 * the band is the lowest and highest quantile with the quantile nearest 0.5
 * as the forecast (SP_FORECASTER_BAND_QUANTILES), or for an MSE model the
 * point forecast +-1.96 validation RMSE (SP_FORECASTER_BAND_LEVEL 0.95).
 * A quantile model also gives all its quantiles (sp_forecaster_quantiles).
 * The step, the horizons and the series column are the model's; --level
 * (sp_forecaster_opts.level) is refused.  Opening one sets sp_nn_threads(1):
 * one window at a time is GEMV work with nothing to gain from BLAS threads.
 *
 * The hybrid (a model trained by lstmtrain --base SEASON, m->base set): the
 * LSTM learnt the rolling residuals r(s) = y(s) - yhat(s) of a seasonfit
 * model, yhat(s) the point forecast (trend + seasonalities + holidays, no
 * noise) at row s's time of the base's fit in use before row s, the base
 * applied as sp_fc_season applies it (the saved fit; or with `refit N` in
 * the base, refitted on the rows so far after rows N, 2N, ..., none before
 * the first), so each residual is the error of a forecast made before its
 * row (out of sample when the base refits).  Applied, the forecaster keeps
 * that same seasonfit forecaster of the base and at each origin t:
 *     residual window  r(s) for the last `window` rows s <= t, each
 *                      computed when its row came (as in training)
 *     base input       (m->exog, lstmtrain --base-input) yhat(s) of those
 *                      rows, the LSTM's exogenous input
 *     band             yhat_t(t + h step) + each LSTM quantile of horizon h
 *                      on that window, yhat_t from the fit in use at t
 *                      (lower, forecast, upper alike; the quantiles as
 *                      sp_lstm_predict gives them, moved by the model's
 *                      shrinkage, so the forecast is yhat_t + alpha_h times
 *                      the LSTM's residual forecast: see sp_lstm.h)
 * so everything comes from rows up to t.  The training target of origin t
 * and horizon h is r(t + h), against the fit in use before row t + h; it
 * is the fit in use at t unless the base refits in between (at most h of
 * every N origins).  The step is the LSTM's and must equal the base's.
 * Not ready before the window of residuals is full (for a base that
 * refits, `window` rows after its first refit).  The base is found at
 * m->base, a relative path taken from the LSTM model file's directory, and
 * must have the checksum recorded at training (strict: a missing, changed
 * or logistic-growth base is an error naming both files; so is a model
 * from before rolling residuals, !m->base_rolling, whose base refits: it
 * learnt in-sample residuals; with a base that does not refit the two are
 * the same).
 *
 * Ownership: sp_fc_lstm_new takes m (freed with the forecaster, also when
 * it fails).
 */
#ifndef SP_FC_LSTM_H
#define SP_FC_LSTM_H

#include "sp_forecaster.h"
#include "sp_lstm.h"

extern const sp_forecaster_ops sp_fc_lstm_ops;

/* path: the model's file, for messages (may be NULL). */
sp_forecaster *sp_fc_lstm_new(sp_lstm *m, const char *path, sp_error *err);

/* Record base (a seasonfit model file) in m, for a model to be saved at
 * mpath: its checksum, and its path relative to mpath's directory when it
 * lies under it (else absolute).  Errors: the base cannot be read, is not a
 * seasonfit model, or has logistic growth (its capacity is an input
 * column the LSTM does not read). */
int sp_fc_lstm_set_base(sp_lstm *m, const char *base, const char *mpath, sp_error *err);
/* m->base as a path from the current directory (malloc'd; NULL: no memory). */
char *sp_fc_lstm_base_path(const sp_lstm *m, const char *mpath);
/* The rolling residuals r = y - yhat of rows (t, y)[0..n) against m's base
 * (as recorded by sp_fc_lstm_set_base; mpath: where m is or will be saved),
 * the series the hybrid's LSTM trains on: yhat(i) the point forecast at t[i]
 * of the base's fit in use after rows 0..i-1, the base applied as forecast
 * -m applies it (see above); NaN where y is and before the base's first
 * fit.  base (may be NULL) gets yhat (NaN before the first fit), the
 * exogenous input of a model with SP_LSTM_EXOG; res may be y.  Errors: the
 * base's (missing, changed), its step differs from the rows' spacing. */
int sp_fc_lstm_residuals(const sp_lstm *m, const char *mpath, const double *t, const double *y, size_t n,
    double *res, double *base, sp_error *err);

#endif
