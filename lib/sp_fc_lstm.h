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
 * and horizon h is y(t + h) - yhat_t(t + h), yhat_t the fit in use at t,
 * the one its forecast is added to (sp_fc_lstm_residuals_targets; before
 * that change, r(t + h) against the fit in use before row t + h, which
 * differs where the base refits in between: h of every N origins, all of
 * them for h > N).  The step is the LSTM's and must equal the base's.
 * Not ready before the window of residuals is full (for a base that
 * refits, `window` rows after its first refit).  The base is found at
 * m->base, a relative path taken from the LSTM model file's directory, and
 * must have the checksum recorded at training (strict: a missing, changed
 * or logistic-growth base is an error naming both files; so is a model
 * from before rolling residuals, !m->base_rolling, whose base refits: it
 * learnt in-sample residuals; with a base that does not refit the two are
 * the same).
 *
 * A mixed hybrid (m->mixed, lstmtrain --base by default): the forecaster
 * also keeps the last `window` values themselves and at each origin mixes
 * the band above with the LSTM alone's on them (sp_lstm_mix: w_h times the
 * alone's plus 1 - w_h times the hybrid's, every quantile alike, the edges
 * calibrated); ready when both windows are full.
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

/* The training targets of a hybrid against the fit in use at each origin,
 * the one forecast -m adds the LSTM's forecast to: for origin o (the index
 * of a window's last row) and horizon h (0-based) the target row s = o + 1
 * + h's residual is y(s) - yhat_o(s), yhat_o the point forecast of the
 * fit in use after row o, not r(s) = y(s) - yhat(s) of the fit in use
 * before row s; the two differ where the base refits after a row in
 * o + 1 .. s - 1.  sp_fc_lstm_residuals_targets does what
 * sp_fc_lstm_residuals does and, with tg not NULL, gives in *tg (freed by
 * sp_fc_lstm_targets_free) the base's forecasts needed for that (the old
 * fit's, over the horizon after each refit: refits x horizon values);
 * sp_fc_lstm_target_adj(tg, o, h) = yhat(s) - yhat_o(s) (0 when the fit
 * is the same, or s outside the rows), to be added to r(s): the
 * target_adj of sp_lstm_train_opts. */
typedef struct sp_fc_lstm_targets sp_fc_lstm_targets;
int sp_fc_lstm_residuals_targets(const sp_lstm *m, const char *mpath, const double *t, const double *y, size_t n,
    double *res, double *base, sp_fc_lstm_targets **tg, sp_error *err);
double sp_fc_lstm_target_adj(void *tg, long o, int h);
void sp_fc_lstm_targets_free(sp_fc_lstm_targets *tg);

#endif
