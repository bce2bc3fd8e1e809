/* sp_fcroll: a forecaster applied rolling over a series, causally, with
 * the rows of the CSV contract and optional online recalibration.
 *
 * Every row is pushed to the forecaster (sp_forecaster); a row is a forecast
 * origin when the forecaster is ready after it and the step is known (the
 * model's, or the input's first spacing, so not before the second row when
 * the step comes from the input).  Two output shapes:
 *
 *  - one-horizon (longfmt 0): one output row per input row,
 *    `timestamp,<input columns>,forecast,lower,upper`, the forecast for that
 *    row made at origin row - H (H = horizon); empty before the first.
 *    The last H + 1 origins' bands wait in a ring.  With H = 1 the band of
 *    an origin is made when its target row arrives, before that row is fed
 *    (the same numbers: nothing is fed in between), so the last row's origin
 *    costs nothing.
 *  - long (longfmt 1): for each origin, H rows
 *    `origin,timestamp,horizon,<input columns>,forecast,lower,upper`,
 *    timestamp = origin + h * step.
 *
 * With adapt > 0 the band is recalibrated online (sp_calib, conformal
 * quantile tracking at the forecaster's nominal miss rates info.alo/ahi):
 * one slot per horizon in long format, one in one-horizon format.  Each
 * band is widened when it is made, with the widenings of that moment, and
 * is scored when the row of its target arrives, before the forecast from
 * that row is made: strictly causal.
 *
 * sp_fcroll_read reads a row with the contract of forecast(1) (missing
 * values allowed, evenly spaced rows); a tool with its own contract (arfit)
 * reads the row itself and calls sp_fcroll_push.
 *
 * Ownership: the roll borrows the forecaster, the reader and the writer.
 */
#ifndef SP_FCROLL_H
#define SP_FCROLL_H

#include "sp_csv.h"
#include "sp_err.h"
#include "sp_forecaster.h"
#include "sp_state.h"

typedef struct sp_fcroll sp_fcroll;

typedef struct {
	int horizon;   /* one-horizon: steps ahead (0: 1); long: horizons 1..horizon
	                * (0: the forecaster's info.hdefault) */
	int longfmt;   /* 1: long rows */
	double adapt;  /* online recalibration step in (0,1]; 0 off */
} sp_fcroll_opts;

/* Errors (SP_EUSAGE): a horizon beyond the forecaster's ("--horizon 4: the
 * model forecasts horizons 1..3"), --adapt for a forecaster without a band
 * ("--adapt: PATH has a single quantile, no band to recalibrate"). */
sp_fcroll *sp_fcroll_new(sp_forecaster *f, const sp_fcroll_opts *o, sp_error *err);
void sp_fcroll_free(sp_fcroll *r);

/* Resolve the input columns in rd (sp_forecaster_columns; column is -c or NULL). */
int sp_fcroll_bind(sp_fcroll *r, const sp_csv_reader *rd, const char *column, sp_error *err);
/* Read rd's current row (timestamp, the bound columns, missing values as
 * NaN), check its spacing and push it.  Errors: the reader's, "row N:
 * spacing S s differs from the model's step T s (PATH); resample with
 * window first" ("series'" when the step is the input's).  Returns 0, or
 * 1 for a row seen by the state the roll was read back from (skipped:
 * nothing pushed, nothing to write; see sp_fcroll_seen). */
int sp_fcroll_read(sp_fcroll *r, sp_csv_reader *rd, sp_error *err);
/* Push the next row: time t, x[0] the series, x[1..] the extra columns.
 * Returns 1 when the row is an origin, else 0; < 0 on error (the
 * forecaster's, or SP_EDATA "row N: the forecast of horizon H is not
 * finite ..." when the arithmetic overflowed). */
int sp_fcroll_push(sp_fcroll *r, double t, const double *x, sp_error *err);

/* The header, and the output rows of the row just pushed (rd positioned on
 * it, for the pass-through columns). */
void sp_fcroll_write_header(const sp_fcroll *r, const sp_csv_reader *rd, sp_csv_writer *w);
void sp_fcroll_write(const sp_fcroll *r, const sp_csv_reader *rd, sp_csv_writer *w);

/* The results of the row just pushed, without writing them.  One-horizon:
 * 1 and the band for this row (made at origin row - H), or 0.  Long: 1 and
 * the bands of horizons 1..H of this origin (pointers valid until the next
 * push), or 0. */
int sp_fcroll_due(const sp_fcroll *r, double *lo, double *mid, double *hi);
int sp_fcroll_origin(const sp_fcroll *r, const double **lo, const double **mid, const double **hi);

/* A copy of one input row's fields, for an origin written after the reader
 * has moved on (arfit's forecast after the last row). */
typedef struct sp_fcroll_row sp_fcroll_row;
sp_fcroll_row *sp_fcroll_row_new(void);
void sp_fcroll_row_free(sp_fcroll_row *row);
/* Copy rd's current row (SP_ENOMEM). */
int sp_fcroll_row_copy(sp_fcroll_row *row, const sp_csv_reader *rd, sp_error *err);
/* The header of long rows, and the H rows of one origin at time t whose
 * pass-through columns are a copied row: t, t + h * step, h, the fields,
 * mid, lo, hi. */
void sp_fcroll_write_long_header(const sp_csv_reader *rd, sp_csv_writer *w);
void sp_fcroll_write_long(sp_csv_writer *w, double t, double step, int H, const sp_fcroll_row *row,
    const double *lo, const double *mid, const double *hi);

/* At the end of input: 0 when at least one forecast was written, else
 * SP_EDATA "too little data: a forecast needs at least N rows (a window
 * of W, horizon H), have M" (or, with enough rows, "... N consecutive rows
 * with a value ..."): never an empty success. */
int sp_fcroll_check_made(const sp_fcroll *r, sp_error *err);
/* The same at the end of a keyed input (--by), one key failing none of
 * the others: each key whose roll (roll_of of its state) made no forecast
 * is handed to skip(ctx, e) with e "key 'K': too little data: ..." (the
 * caller warns; the key's one-horizon rows went out without a forecast,
 * long rows not at all; its state is kept), and
 * only when no key made one is it an error (the first key's message),
 * unless keep: a run with a state (--state), whose rows are kept for the
 * next run, then skips every key (a young fleet is not an error). */
struct sp_keyed;
int sp_fcroll_check_keys(struct sp_keyed *k, int keep, sp_fcroll *(*roll_of)(void *state),
    void (*skip)(void *ctx, const sp_error *e), void *ctx, sp_error *err);

int sp_fcroll_horizon(const sp_fcroll *r);
/* Seconds between rows: the forecaster's, or the input's first spacing (0
 * before the second row when it is the input's). */
double sp_fcroll_step(const sp_fcroll *r);
/* Rows pushed, and bands made (forecast origins whose band was used). */
long sp_fcroll_rows(const sp_fcroll *r);
long sp_fcroll_bands(const sp_fcroll *r);

/* ---- state between runs (--state; lib/sp_state) ----
 *
 * What a roll holds in memory between rows: its horizon, format and
 * --adapt step (checked on reading), the forecaster's state
 * (sp_forecaster_write_state), the rows and bands so far, the step and
 * the last row's time, the one-horizon bands still to be written and,
 * with --adapt, the bands still to be scored and the calibration
 * (sp_calib), so that a roll read back continues bit for bit as the one
 * that wrote it.  sp_fcroll_state_ok: 0, or SP_EUSAGE when the forecaster
 * keeps no state.  sp_fcroll_read_state: into r fresh from sp_fcroll_new
 * over a fresh forecaster (same model and options); SP_EMODEL "FILE:LINE:
 * state written with ..., not ..." for other options, sp_state's errors;
 * r (and its forecaster) unusable on error: free both and make new ones.
 * A roll read back skips the rows it has seen: sp_fcroll_seen. */
struct sp_state_writer;
struct sp_state;
struct sp_keyed;
int sp_fcroll_state_ok(const sp_fcroll *r, sp_error *err);
int sp_fcroll_write_state(const sp_fcroll *r, struct sp_state_writer *w, sp_error *err);
int sp_fcroll_read_state(sp_fcroll *r, struct sp_state *s, sp_error *err);
/* 1 when r was read back from a state and t is at or before its last
 * row (a row an earlier run has fed: to be skipped, nothing written),
 * else 0.  sp_fcroll_read returns 1 for such a row without pushing it. */
int sp_fcroll_seen(const sp_fcroll *r, double t);
/* The time of the last row pushed (NAN before the first). */
double sp_fcroll_last(const sp_fcroll *r);

/* A tool's state file of rolls (kind: the tool's name, version 1): one
 * roll, or (k not NULL, --by) every key's, the roll of a key's state given
 * by roll_of, as sp_state_put_keys writes them.  sp_fcroll_resume: 1
 * resumed, 0 no file (a cold start), < 0 with err when the file cannot be
 * used (the caller warns and starts cold with a new roll, or a new map:
 * what was read is to be thrown away).  sp_fcroll_save_state: written
 * atomically (sp_file), without the keys forget leaves out
 * (sp_state_forget_keys, a key's last row its roll's: forget's `last` is
 * not used; forget NULL: every key). */
typedef sp_fcroll *(*sp_fcroll_of_fn)(void *state);
int sp_fcroll_resume(const char *path, const char *kind, sp_fcroll *one, struct sp_keyed *k,
    sp_fcroll_of_fn roll_of, sp_error *err);
int sp_fcroll_save_state(const char *path, const char *kind, const sp_fcroll *one, const struct sp_keyed *k,
    sp_fcroll_of_fn roll_of, const sp_state_forget *forget, sp_error *err);

#endif
