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

#endif
