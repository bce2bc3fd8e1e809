/* sp_lstm: the LSTM/GRU quantile forecaster behind lstmtrain and forecast.
 *
 * A window of `window` past values (normalised with the mean and standard
 * deviation of the training part, stored in the model; optionally also
 * relative to the window's own mean level, given as one more input) plus optional
 * calendar features of each step (hour of day and day of week as sin/cos of
 * the UTC timestamp) goes through an sp_nn stack; a dense head gives all
 * horizons 1..horizon at once (direct multi-step).  With quantiles the head
 * gives, per horizon, the lowest quantile and non-negative increments
 * (softplus) to each next one, so the quantiles never cross; the loss is the
 * pinball loss averaged over horizons and quantiles.  Without quantiles the
 * head is a point forecast trained on mean squared error, and the interval
 * is +-1.96 validation RMSE of each horizon.
 *
 * Calibration (optional, quantile models with a validation part): the
 * lowest quantile q_lo is moved down by the (1 - q_lo) quantile of
 * (predicted q_lo - actual) over the validation windows, and the highest
 * q_hi up by the q_hi quantile of (actual - predicted q_hi), per horizon
 * (split-conformal quantile regression, Romano et al. 2019), so that they
 * cover the validation part at their nominal rates.
 *
 * Training never shuffles before splitting: the last `val` fraction of the
 * series (in time) holds the validation windows, whose targets all lie
 * after every training target.  Mini-batches are shuffled within the
 * training part.  Early stopping restores the weights of the best epoch.
 *
 * Shrinkage (a hybrid, m->base set, with a validation part): the LSTM's
 * forecast of the base's residual is shrunk towards 0 (the base alone) by
 * a factor alpha_h in [0,1] per horizon, fitted by least absolute error on
 * the validation windows (sp_lstm_shrink_fit): every quantile (and the
 * point forecast) of horizon h is moved by (alpha_h - 1) times the middle
 * one, so the point becomes alpha_h times it and the band keeps its width;
 * the calibration above is done on the moved quantiles.  alpha_h = 0 is the
 * fallback to the base where the validation part says the LSTM's residual
 * forecast does not help; 1 leaves it as trained.
 *
 * The mix (a hybrid with m->alone set, lstmtrain --base by default): the
 * hybrid's forecast (the base's plus the shrunk residual forecast, in data
 * units) and that of m->alone, an LSTM of the same architecture (without
 * the base input) trained on the series itself, are combined per horizon
 * as w_h times the alone one plus (1 - w_h) times the hybrid's, every
 * quantile alike, w_h in [0,1] the least-absolute-error fit on the
 * validation windows (sp_lstm_mix_fit); the outer quantiles of the mix are
 * then calibrated on those windows as above (offsets mix_lo, mix_hi in
 * data units).  w_h = 0 is the hybrid as before, 1 the LSTM alone, so on
 * the validation part the mix's absolute error is never above either's.
 *
 * Model file (sp_model kind "lstm", version 1; version 2 for a mixed
 * hybrid, whose extra keys need it): sizes, features, column,
 * normalisation, step, seed, training summary, command line, the weights;
 * a hybrid's also its base (keys base and base_fnv1a64, both or neither,
 * and base_residuals rolling) and its shrinkage (base_shrink, horizon
 * values in [0,1]; absent, as in files from before it: all 1); a mixed
 * hybrid's also its weights (mix, horizon values in [0,1]), the mix's
 * calibration (mix_calib_lower, mix_calib_upper) and the alone LSTM
 * (alone_mean, alone_scale, alone_rmse or alone_calib_lower and
 * alone_calib_upper, alone_epochs, alone_best_epoch, alone_weights).
 * Version 1 files load as before.
 *
 * Ownership: sp_lstm_new/sp_lstm_load give an sp_lstm freed by
 * sp_lstm_free; sp_lstm_pred_new borrows its model, which must outlive it.
 * Nothing here prints; progress goes to an optional callback.
 */
#ifndef SP_LSTM_H
#define SP_LSTM_H

#include <stddef.h>

#include "sp_csv.h"
#include "sp_err.h"
#include "sp_nn.h"

#define SP_LSTM_MAXQ 16
#define SP_LSTM_MAXTHREADS 16
#define SP_LSTM_NCAL 4   /* calendar features: sin/cos hour of day, sin/cos day of week */

/* Feature flags of sp_lstm_new. */
enum {
	SP_LSTM_CALENDAR = 1,  /* hour of day and day of week of each step */
	SP_LSTM_LEVEL = 2,     /* window-level normalisation: values and targets relative to
	                        * the window's mean, which is one more input */
	SP_LSTM_EXOG = 4       /* one more input per step: an exogenous series given with
	                        * the values (a hybrid's base forecast, lstmtrain
	                        * --base-input), z-scored with its own training mean and sd
	                        * (and with SP_LSTM_LEVEL relative to its window's mean) */
};

typedef struct sp_lstm_s {
	sp_nn_dims nn;       /* nin = 1 (+ SP_LSTM_NCAL) (+ 1 exog) (+ 1 level), nout = horizon * max(nq, 1) */
	int window, horizon;
	int calendar;        /* 1: calendar features */
	int level;           /* 1: window-level normalisation (SP_LSTM_LEVEL) */
	int exog;            /* 1: the exogenous input (SP_LSTM_EXOG) */
	double xmean, xscale; /* its z-score, from the training part */
	int nq;              /* quantiles (ascending, in (0,1)); 0 = MSE point forecast */
	double q[SP_LSTM_MAXQ];
	int qmid;            /* index of the quantile nearest 0.5 (the forecast) */
	double mean, scale;  /* z = (y - mean) / scale, from the training part */
	double step;         /* seconds between rows (median spacing of the training series) */
	double *rmse;        /* (horizon) validation RMSE in data units; MSE models only */
	double *cal_lo, *cal_hi; /* (horizon) conformal widening of the lowest and highest
	                      * quantiles, normalised units (0 when not calibrated) */
	int calibrated;
	double *params;      /* sp_nn_nparams(&nn) weights */
	size_t nparams;
	char column[128];    /* the series' column name */
	unsigned long seed;
	int epochs, best_epoch;      /* epochs run, the epoch restored */
	double train_loss, val_loss; /* losses of the restored epoch (normalised units) */
	long ntrain, nval;           /* windows */
	/* A hybrid (lstmtrain --base): the model learnt the residuals of this
	 * seasonfit model (path as stored: relative to the LSTM model's
	 * directory unless absolute) whose file had this FNV-1a 64-bit checksum
	 * (16 hex digits); both "" otherwise.  See sp_fc_lstm.h. */
	char base[1024];
	char base_sum[17];
	/* 1: the residuals are rolling ones (each row's against the base's fit
	 * in use before it, as forecast -m applies the base; the model file's
	 * "base_residuals rolling", written by every lstmtrain --base since);
	 * 0 with a base: a model file from before (in-sample residuals of the
	 * saved fit).  See sp_fc_lstm.h. */
	int base_rolling;
	/* (horizon) a hybrid's shrinkage alpha_h of the residual forecast, all
	 * 1 when not fitted (shrunk 0); see above */
	double *shrink;
	int shrunk;
	/* a mixed hybrid (see above): the LSTM alone (owned; NULL otherwise),
	 * and (horizon) the weight w_h of its forecast and the mix's band
	 * offsets (data units), valid when mixed */
	struct sp_lstm_s *alone;
	double *mix, *mix_lo, *mix_hi;
	int mixed;
} sp_lstm;

/* A new, untrained model (weights initialised in sp_lstm_train); features
 * is a set of SP_LSTM_CALENDAR and SP_LSTM_LEVEL.  q[nq]
 * must be ascending in (0,1); nq = 0 means MSE.  NULL with err on a bad
 * size (layers 1..2 .. SP_NN_MAXLAYER, hidden 1..1024, window 1..10000,
 * horizon 1..1000, nq <= SP_LSTM_MAXQ) or no memory. */
sp_lstm *sp_lstm_new(sp_nn_cell cell, int layers, int hidden, int window, int horizon,
    int features, int nq, const double *q, sp_error *err);
void sp_lstm_free(sp_lstm *m);

typedef struct {
	int epochs;          /* maximum epochs */
	int batch;           /* mini-batch size */
	int patience;        /* stop after this many epochs without a better validation loss */
	double lr;           /* Adam step size */
	double clip;         /* maximum gradient norm (<= 0: none) */
	double val;          /* validation fraction of the series, in [0, 0.9] (0: none, no early stopping) */
	int calibrate;       /* quantile models: calibrate the outer quantiles on the validation part */
	int shrink;          /* a hybrid (m->base set): fit the shrinkage on the validation part */
	/* origin-dependent targets (may be NULL): the target of origin o (the
	 * index of a window's last row) and horizon h (0-based) is y[o + 1 + h]
	 * plus target_adj(target_arg, o, h) (data units; finite where the window
	 * is complete); called from the training threads, so it must only read */
	double (*target_adj)(void *arg, long o, int h);
	void *target_arg;
	unsigned long seed;  /* initialisation and shuffling */
	int threads;         /* each mini-batch is split into this many shares run in parallel
	                      * (1..SP_LSTM_MAXTHREADS); results depend on it only by rounding */
	const double *exog;  /* the exogenous series (n values, NaN = missing), for a model
	                      * with SP_LSTM_EXOG (required then; ignored otherwise) */
	int warm;            /* 1: continue from m's weights, normalisation and step (a model
	                      * loaded with sp_lstm_load) instead of initialising them: the
	                      * series' spacing must equal m->step, and the starting weights
	                      * are epoch 0, restored when no epoch beats them on the
	                      * validation part */
	/* called after every epoch (may be NULL); val_loss is NaN without validation;
	 * with warm, also for epoch 0 (the starting weights) when there is a
	 * validation part */
	void (*progress)(void *arg, int epoch, double train_loss, double val_loss, int improved);
	void *arg;
} sp_lstm_train_opts;

/* Defaults: 30 epochs, batch 64, patience 5, lr 3e-3, clip 1, val 0.2, seed 1,
 * 1 thread, calibrate, shrink. */
void sp_lstm_train_defaults(sp_lstm_train_opts *o);

/* Train on n rows: timestamps t (increasing) and values y (NaN = missing;
 * windows touching a missing value are skipped).  Errors: too little data
 * for the window, horizon and split ("need at least N rows"), a constant
 * or empty training part, timestamps not increasing. */
int sp_lstm_train(sp_lstm *m, const double *t, const double *y, size_t n,
    const sp_lstm_train_opts *o, sp_error *err);

/* Save atomically (sp_model); cmdline may be NULL. */
int sp_lstm_save(const sp_lstm *m, const char *path, const char *cmdline, sp_error *err);
/* Whether a model can be saved at path, before a long training: creates and
 * removes the temporary file sp_lstm_save would write; its error ("PATH:
 * cannot create: reason") when it cannot. */
int sp_lstm_save_check(const char *path, sp_error *err);
/* Set the series' column name (stored in the model file): SP_EDATA when it
 * has spaces or does not fit. */
int sp_lstm_set_column(sp_lstm *m, const char *name, sp_error *err);
/* Load and check every size against the header.  NULL with err (file:line). */
sp_lstm *sp_lstm_load(const char *path, sp_error *err);

/* The input column for m in reader r: `column` if given, or without a
 * model (m NULL) the sp_csv_pick_col default; else the model's own column; SP_EDATA naming mpath, the column and the
 * features when the input has no such column. */
int sp_lstm_input_col(const sp_lstm *m, const char *mpath, const sp_csv_reader *r,
    const char *column, sp_error *err);

/* Input features of one step at time t with normalised value z into
 * f[nn.nin]: z, then (if calendar) sin/cos(2 pi hour/24), sin/cos(2 pi day/7)
 * with hour the fractional UTC hour and day the fractional day of the week
 * (Monday 0), then (if exog) 0 (the caller's to fill), then (if level)
 * `lev`.  With window-level normalisation z is the global z-score minus lev,
 * the mean z-score of the window. */
void sp_lstm_features(const sp_lstm *m, double t, double z, double lev, double *f);
/* The names of the features in model files: "value[,hour,dow][,base][,level]". */
const char *sp_lstm_feature_names(const sp_lstm *m);

/* Head transform of one sample: raw[horizon * max(nq,1)] -> quantiles
 * (non-crossing) or point forecasts in normalised units, same layout
 * (horizon-major). */
void sp_lstm_head(const sp_lstm *m, const double *raw, double *yhat);
/* Loss of B samples (raw outputs (B, nout), targets (B, horizon) in
 * normalised units) and, if dout is not NULL, dLoss/draw into dout. */
double sp_lstm_loss(const sp_lstm *m, const double *raw, const double *target, int B, double *dout);

/* The shrinkage factor: the alpha in [0,1] that minimises
 * sum_i |r[i] - alpha p[i]| over n pairs (actual r, forecast p), the
 * weighted median of r[i] / p[i] with weights |p[i]| (the lower one where
 * the minimum is flat), clipped to [0,1]; pairs with p[i] = 0 or a value
 * not finite do not count; 1 when none counts.  work: 2 n doubles. */
double sp_lstm_shrink_fit(const double *r, const double *p, size_t n, double *work);

/* ---- the mix (a hybrid and the LSTM alone; see above) ---- */

/* A new, untrained model of m's architecture without the base input (cell,
 * layers, hidden, window, horizon, calendar, window-level normalisation,
 * quantiles) and m's column: the LSTM alone of m's mix.  NULL with err (no
 * memory). */
sp_lstm *sp_lstm_alone_new(const sp_lstm *m, sp_error *err);
/* Make alone (taken, also on error) the LSTM alone of the hybrid m, the
 * mix not fitted yet (m->mixed 0); alone NULL drops m's.  SP_EDATA when
 * alone is itself a hybrid or its architecture differs from m's (as
 * sp_lstm_alone_new makes it): the message names what differs. */
int sp_lstm_set_alone(sp_lstm *m, sp_lstm *alone, sp_error *err);
/* Fit the mix of the trained hybrid m and its trained m->alone on the
 * validation windows of n rows: t the timestamps, y the series, r the
 * residual series m was trained on, x its exogenous input (NULL without
 * one); o the options m was trained with (val, target_adj, calibrate).
 * The validation windows are sp_lstm_train's (origins o + 1 >= the split;
 * windows of r, x and y complete), each (origin, horizon) with a target
 * counted: the hybrid's forecast yhat_o(s) + the residual forecast, with
 * yhat_o(s) = y(s) - (r(s) + target_adj(o, h)), against the alone's on the
 * window of y.  Sets m->mix (sp_lstm_shrink_fit of y - hybrid on alone -
 * hybrid), m->mix_lo and mix_hi (0 without o->calibrate), m->mixed.
 * Errors: no alone, or no x for a model with the base input (SP_EUSAGE);
 * the alone's step differs from m's, no validation window (SP_EDATA); no
 * memory. */
int sp_lstm_mix_fit(sp_lstm *m, const double *t, const double *y, const double *r, const double *x, size_t n,
    const sp_lstm_train_opts *o, sp_error *err);
/* The mix of one prediction, in place: lo, mid, hi (horizon each) the
 * hybrid's (the base's forecast included, data units), alo, amid, ahi the
 * alone's; each becomes w_h alone + (1 - w_h) hybrid, then the lower edge
 * minus mix_lo and the upper plus mix_hi, never across the middle.
 * Nothing when !m->mixed. */
void sp_lstm_mix(const sp_lstm *m, const double *alo, const double *amid, const double *ahi,
    double *lo, double *mid, double *hi);
/* The same for all quantiles (nq > 0), q[h * nq + k] the hybrid's and aq the
 * alone's: the lowest and highest as the band of sp_lstm_mix. */
void sp_lstm_mix_quantiles(const sp_lstm *m, const double *aq, double *q);

/* ---- prediction ---- */
typedef struct sp_lstm_pred sp_lstm_pred;
sp_lstm_pred *sp_lstm_pred_new(const sp_lstm *m, sp_error *err);
void sp_lstm_pred_free(sp_lstm_pred *p);
/* One origin: the last `window` timestamps and values (oldest first, data
 * units, all finite) -> for h = 1..horizon: lo[h-1], mid[h-1], hi[h-1]
 * (lowest quantile, the quantile nearest 0.5, highest quantile; or the point
 * forecast -+ 1.96 RMSE), each moved by a hybrid's shrinkage (above). */
void sp_lstm_predict(sp_lstm_pred *p, const double *t, const double *y,
    double *lo, double *mid, double *hi);
/* The same with the exogenous series x of those steps (all finite), which
 * a model with SP_LSTM_EXOG needs (x is ignored otherwise). */
void sp_lstm_predict_x(sp_lstm_pred *p, const double *t, const double *y, const double *x,
    double *lo, double *mid, double *hi);
/* After sp_lstm_predict, for a quantile model (nq > 0): every quantile of
 * that prediction, out[h * nq + k] for h < horizon, k < nq (data units);
 * the lowest and highest are lo and hi of sp_lstm_predict (calibrated,
 * never across the middle one), all moved by the shrinkage as there. */
void sp_lstm_pred_quantiles(const sp_lstm_pred *p, double *out);

#endif
