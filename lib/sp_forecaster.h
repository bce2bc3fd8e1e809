/* sp_forecaster: one interface over every kind of forecasting model.
 *
 * A forecaster is fed a series one observation at a time, in time order,
 * and is causal: after sp_forecaster_push() of the observation at time t,
 * and once it is ready, sp_forecaster_band() gives the band (lower,
 * forecast, upper) of horizons 1..H, the times t + h * step, from the
 * observations up to t only.  Missing values (NaN) may be pushed; a
 * backend decides what they do (the AR and LSTM forecasters need a window
 * of consecutive present values, so they are not ready until the window
 * is full again).  Each backend keeps whatever history it needs.
 *
 * sp_forecaster_open() reads the kind on a model file's first line
 * (sp_model_peek) and opens it with the backend registered for that kind:
 *
 *     lstm   sp_fc_lstm   lstmtrain models (LSTM/GRU, quantile or MSE head)
 *     ar     sp_fc_ar     arfit --save models, applied with fixed coefficients
 *
 * A new kind is one module that implements sp_forecaster_ops (open, push,
 * band, save, free; columns if it reads columns other than the series or
 * wants its own message; quantiles if it has them) and one line in the registry
 * (sp_forecaster_registry.c, which holds sp_forecaster_open apart from the
 * rest, so that a program building forecasters in memory links only the
 * backends it uses).
 * What it needs from its input is in its sp_forecaster_info: the series
 * column it was trained on, extra input columns (pushed as x[1..nextra]),
 * the step (fixed, or the input's spacing), the largest horizon, the band
 * kind.  A backend may keep a long history and refit on it, and may open
 * and compose other forecasters (sp_forecaster_open on a base model).
 * Backends built in memory (arfit's refitting AR) use sp_forecaster_new.
 *
 * Rolling application over a CSV series (one-horizon or multi-horizon rows,
 * online recalibration) is sp_fcroll.
 *
 * Errors: NULL or < 0 with err naming the file ("m.lstm:3: ...") or the
 * option ("--level ...", SP_EUSAGE).  Ownership: a forecaster owns its
 * state and its info strings; sp_forecaster_free (NULL is fine).
 */
#ifndef SP_FORECASTER_H
#define SP_FORECASTER_H

#include <stddef.h>

#include "sp_csv.h"
#include "sp_err.h"

typedef struct sp_forecaster sp_forecaster;

/* Largest horizon any forecaster is asked for. */
#define SP_FORECASTER_MAXH 100000
/* Most input columns a forecaster reads (the series and its extras). */
#define SP_FORECASTER_MAXCOLS 64

/* What the band is: the model's lowest and highest quantiles, or a central
 * interval of a given level. */
enum { SP_FORECASTER_BAND_QUANTILES, SP_FORECASTER_BAND_LEVEL };
/* Options a kind accepts (info.options). */
enum { SP_FORECASTER_OPT_LEVEL = 1 };

typedef struct {
	double level;   /* central interval level, in (0,1); 0: the kind's default.  Kinds
	                 * without SP_FORECASTER_OPT_LEVEL refuse it (SP_EUSAGE) */
} sp_forecaster_opts;

typedef struct {
	const char *kind;          /* "lstm", "ar", ... */
	const char *path;          /* the model file ("" when built in memory; the
	                            * forecaster keeps its own copy) */
	const char *column;        /* the series column the model was trained on, or NULL */
	int nextra;                /* further input columns, pushed as x[1..nextra] */
	const char *const *extra;  /* their names */
	int window;                /* consecutive present observations an origin needs */
	double step;               /* seconds between observations; 0: the input's spacing */
	int hmax;                  /* largest horizon */
	int hdefault;              /* horizons of a multi-horizon run when none is asked for */
	int band;                  /* SP_FORECASTER_BAND_* */
	double level;              /* _LEVEL: the level in use */
	int nq;                    /* _QUANTILES: the model's quantiles, ascending */
	const double *q;
	double alo, ahi;           /* nominal miss rates below and above the band (online
	                            * recalibration aims at them); 0 when there is no band */
	const char *noband;        /* alo == 0: why ("has a single quantile") */
	int options;               /* SP_FORECASTER_OPT_* accepted */
} sp_forecaster_info;

/* Open a model file of any registered kind.  Errors: the file's (missing,
 * not a model file, truncated, corrupt: file:line), an unknown kind
 * ("PATH: model kind 'svr' is not supported (forecast applies lstm, ar, gb and season
 * models)"), an option the kind refuses (SP_EUSAGE). */
sp_forecaster *sp_forecaster_open(const char *path, const sp_forecaster_opts *o, sp_error *err);
void sp_forecaster_free(sp_forecaster *f);
const sp_forecaster_info *sp_forecaster_describe(const sp_forecaster *f);

/* The input columns in reader r: cols[0] the series (`column` if given,
 * else the model's column, else the first after timestamp), cols[1..nextra]
 * the extra columns; the count.  Errors: no such column (SP_EDATA naming the
 * model, or sp_csv_pick_col's usage error), the timestamp as the series
 * (SP_EUSAGE "-c: the timestamp column is not a series"). */
int sp_forecaster_columns(sp_forecaster *f, const sp_csv_reader *r, const char *column,
    int *cols, sp_error *err);

/* Feed the next observation: time t (after the previous one), x[0] the
 * series value, x[1..nextra] the extra columns (NaN = missing).  Returns 1
 * when the forecaster is ready (a band can be made now), 0 when not, < 0 on
 * error. */
int sp_forecaster_push(sp_forecaster *f, double t, const double *x, sp_error *err);
/* 1 when ready (the value the last push returned), else 0. */
int sp_forecaster_ready(const sp_forecaster *f);
/* The band of horizons 1..H (1 <= H <= hmax) from the observations so far:
 * lo[h-1] <= mid[h-1] <= hi[h-1].  SP_EUSAGE when not ready or H is out of
 * range. */
int sp_forecaster_band(sp_forecaster *f, int H, double *lo, double *mid, double *hi, sp_error *err);
/* Every quantile of horizons 1..H, out[(h - 1) * nq + k] at the levels
 * info.q[k] (for kinds whose band is their quantiles; the lowest and highest
 * are the band's lower and upper).  SP_EUSAGE when the kind has none (an AR
 * or MSE model), when not ready or H is out of range. */
int sp_forecaster_quantiles(sp_forecaster *f, int H, double *out, sp_error *err);
/* Write the model (atomically, sp_model); cmdline may be NULL. */
int sp_forecaster_save(const sp_forecaster *f, const char *path, const char *cmdline, sp_error *err);

/* ---- state between runs (--state; lib/sp_state) ----
 * What the forecaster holds in memory between pushes (its history, a
 * rolling fit's sums), so that a forecaster read back from it continues
 * exactly, bit for bit, as the one that wrote it.  The lines begin with
 * what makes the forecaster (the kind, its model or specification and
 * band), checked on reading: a state of another model is SP_EMODEL
 * "FILE:LINE: state written with ..., not ...".
 * sp_forecaster_state_ok: 0 when f can keep a state, else SP_EUSAGE
 * "PATH: a KIND model keeps no state between runs" (or the backend's
 * reason, e.g. a bootstrap band's random stream).  sp_forecaster_read_state:
 * into f fresh from open or new (nothing pushed); f unusable on error. */
struct sp_state_writer;
struct sp_state;
int sp_forecaster_state_ok(const sp_forecaster *f, sp_error *err);
int sp_forecaster_write_state(const sp_forecaster *f, struct sp_state_writer *w, sp_error *err);
int sp_forecaster_read_state(sp_forecaster *f, struct sp_state *s, sp_error *err);

/* ---- for backends ------------------------------------------------------- */

typedef struct {
	const char *kind;
	/* Open a model file of this kind (its first line names the kind): a new
	 * state, and info filled (strings may point into the state). */
	void *(*open)(const char *path, const sp_forecaster_opts *o, sp_forecaster_info *info, sp_error *err);
	/* Optional: every input column, extras included, as
	 * sp_forecaster_columns (whose default is used when NULL) before its
	 * timestamp check; 0 or < 0. */
	int (*columns)(void *st, const sp_forecaster_info *info, const sp_csv_reader *r,
	    const char *column, int *cols, sp_error *err);
	/* The next observation; 1 ready, 0 not, < 0 error. */
	int (*push)(void *st, double t, const double *x, sp_error *err);
	/* The band of horizons 1..H, called only when ready, 1 <= H <= hmax. */
	int (*band)(void *st, int H, double *lo, double *mid, double *hi, sp_error *err);
	/* Optional (info.nq > 0): the quantiles of horizons 1..H, as band. */
	int (*quantiles)(void *st, int H, double *out, sp_error *err);
	int (*save)(const void *st, const char *path, const char *cmdline, sp_error *err);
	void (*free)(void *st);
	/* Optional (both or neither): the state between runs (see
	 * sp_forecaster_write_state), and read it back into a fresh state.
	 * write_state with w NULL only says whether it can (0, or SP_EUSAGE
	 * with the reason). */
	int (*write_state)(const void *st, struct sp_state_writer *w, sp_error *err);
	int (*read_state)(void *st, struct sp_state *s, sp_error *err);
} sp_forecaster_ops;

/* A forecaster over a backend's state (taken over: freed with ops->free,
 * also when this fails); info is copied (its strings must live as long as
 * the state).  For backends built in memory rather than from a file. */
sp_forecaster *sp_forecaster_new(const sp_forecaster_ops *ops, void *st, const sp_forecaster_info *info,
    sp_error *err);
/* The backend state of f when f is of that backend, else NULL. */
void *sp_forecaster_state(const sp_forecaster *f, const sp_forecaster_ops *ops);

/* The last `window` observations, oldest first, and the count of
 * consecutive present (finite) values up to the last one; amortised O(1)
 * per push, the window contiguous. */
typedef struct {
	int window;
	double *t, *y;   /* capacity 2 * window */
	int s, n;        /* kept values at [s, s + n), n <= window */
	long run;        /* consecutive finite y up to the last push */
} sp_forecaster_hist;

int sp_forecaster_hist_init(sp_forecaster_hist *h, int window, sp_error *err);
void sp_forecaster_hist_free(sp_forecaster_hist *h);
void sp_forecaster_hist_push(sp_forecaster_hist *h, double t, double y);
/* 1 when the last `window` values are all present. */
int sp_forecaster_hist_full(const sp_forecaster_hist *h);
/* The last `window` times and values (valid when full, until the next push). */
const double *sp_forecaster_hist_t(const sp_forecaster_hist *h);
const double *sp_forecaster_hist_y(const sp_forecaster_hist *h);
/* The history as state lines (prefix_run, prefix_t, prefix_y: the run and
 * the kept values, at most `window`), and read back into h fresh from
 * sp_forecaster_hist_init with the same window (SP_EMODEL for a bad count). */
void sp_forecaster_hist_write_state(const sp_forecaster_hist *h, struct sp_state_writer *w, const char *prefix);
int sp_forecaster_hist_read_state(sp_forecaster_hist *h, struct sp_state *s, const char *prefix, sp_error *err);

#endif
