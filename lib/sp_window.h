/* sp_window: the stages of `window` as a push-style streaming engine.
 *
 * Rows (a time, ncols values, optional pass-through bytes) are pushed in one
 * at a time and come out through a callback as soon as they are final:
 *
 *   order -> dedupe -> resample -> fill -> norm -> select | lags -> emit
 *
 *   order     checks that time does not go backwards, or (sort) holds every
 *             row and releases them sorted by time (stable) at the end;
 *             sp_window checks the order itself and has this stage only
 *             when sorting
 *   dedupe    rows with the same time: an error, or keep the first, the
 *             last, or the mean per column (missing values skipped)
 *   resample  sp_series' resampler: bins aligned to the epoch, stamped with
 *             their start, empty bins as missing values (0 for count)
 *   fill      missing values: previous, linear (by time), zero, each only
 *             across gaps up to max_gap seconds
 *   norm      decides the training span (first train_rows rows, rows up to
 *             train_until, or the first train_frac of the rows; default all)
 *             and marks each row's `train`; fits a scaler on the span (and
 *             saves it) or applies a loaded one (or its inverse)
 *   select    keeps all rows, or only the train or the test rows
 *   lags      windows over the one column: lag{n-1}..lag0 at each origin
 *             and h1..hH after it; windows with a missing value are skipped;
 *             a train window lies wholly in the span, a test window starts
 *             after it
 *
 * Memory.  A stage holds rows only while it must: resample holds one bin,
 * dedupe one row, lags lags + horizon values; fill linear holds the rows of
 * a run of missing values until the run ends (with max_gap, only until the
 * run is longer than max_gap: such a gap is never filled); norm holds the
 * training span while it fits a scaler, and every row when the span is a
 * fraction of the input; order holds every row when sorting.  Otherwise
 * memory does not grow with the input, and every stage does constant work
 * per row and column (sorting: n log n).
 *
 * Two levels of interface:
 *  - sp_window: the whole chain built from sp_window_opts; push values with
 *    sp_window_push, end with sp_window_finish.
 *  - sp_window_stage: one stage of any kind, for a chain of one's own (and
 *    for testing each stage alone).  A stage passes the rows it finishes to
 *    the next stage, which takes them over, or, when it has no next stage,
 *    lends them to the emit callback.
 *
 * Ownership.  A row pushed into a stage belongs to the stage from then on,
 * also when the push fails.  The emit callback borrows the row for the call
 * only.  Options and names are read by the *_new functions only (nothing
 * is kept pointing at them).  A loaded or fitted scaler is owned by the
 * norm stage.
 *
 * Errors.  Every function that can fail returns < 0 (or NULL) and fills
 * err: SP_EDATA for bad data, with the row number when there is one
 * ("row 3, column timestamp: duplicate timestamp 60 (see --dupes)": the
 * order and dedupe stages number the rows they receive from 1, so through
 * sp_window it is the input row, or the position in sorted order when
 * sorting),
 * SP_EUSAGE for impossible options, SP_ENOMEM, and the errors of
 * sp_scaler_fit, sp_scaler_save and sp_scaler_load (a file named in
 * load_path without parameters for a column is SP_EDATA: "PATH: has no
 * parameters for column 'x'").  A negative return from emit stops the push
 * and is returned as it is.  After an error only *_free is meaningful.
 * Messages name the window options that change the behaviour (--sort,
 * --dupes).
 */
#ifndef SP_WINDOW_H
#define SP_WINDOW_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_scaler.h"
#include "sp_series.h"

typedef enum {
	SP_WINDOW_FILL_NONE, SP_WINDOW_FILL_PREVIOUS, SP_WINDOW_FILL_LINEAR, SP_WINDOW_FILL_ZERO
} sp_window_fill;
typedef enum {
	SP_WINDOW_DUPES_ERROR, SP_WINDOW_DUPES_FIRST, SP_WINDOW_DUPES_LAST, SP_WINDOW_DUPES_MEAN
} sp_window_dupes;
typedef enum { SP_WINDOW_SPLIT_ALL, SP_WINDOW_SPLIT_TRAIN, SP_WINDOW_SPLIT_TEST } sp_window_split;

/* NULL-terminated names in enum order: "none", "previous", "linear",
 * "zero"; "error", "first", "last", "mean"; "all", "train", "test". */
extern const char *const sp_window_fill_names[];
extern const char *const sp_window_dupes_names[];
extern const char *const sp_window_split_names[];

/* Everything the stages need; sp_window_opts_init sets the defaults
 * (shown in brackets). */
typedef struct sp_window_opts {
	size_t ncols;                 /* values per input row [1] */
	const char *const *names;     /* [ncols] column names, for fitting and
	                               * for looking up a loaded scaler; needed
	                               * only with normalize or load_path [NULL] */
	int sort;                     /* sort by time instead of requiring order [0] */
	sp_window_dupes dupes;        /* [ERROR] */
	double step;                  /* resample to this step, seconds; 0 = off [0] */
	sp_agg agg;                   /* [SP_AGG_MEAN] */
	double quantile;              /* for SP_AGG_QUANTILE [0.5] */
	double max_gap_rows;          /* resample: a gap of more output rows than this
	                               * is an error (sp_resampler_max_gap); INFINITY:
	                               * no limit [SP_RESAMPLER_MAX_GAP_BINS] */
	sp_window_fill fill;          /* [NONE] */
	double max_gap;               /* fill only gaps up to this, seconds [INFINITY] */
	int normalize;                /* an sp_scale_method to fit, or -1 = none [-1] */
	double to_a, to_b;            /* target mean A, std B (minmax: range [A, B]);
	                               * NAN = the method's [NAN] */
	int clip;                     /* clip normalised values to [clip_lo, clip_hi] [0] */
	double clip_lo, clip_hi;
	const char *save_path;        /* save the fitted scaler here [NULL] */
	const char *save_cmdline;     /* the `command` line of the saved file [NULL] */
	const char *load_path;        /* apply this saved scaler (not with normalize) [NULL];
	                               * a scaler with one column applies to any column */
	int inverse;                  /* with load_path: map back to original units [0] */
	long train_rows;              /* span: the first N rows; < 0 = not given [-1] */
	double train_until;           /* span: rows with t <= this; NAN = not given */
	double train_frac;            /* span: the first floor(F * n) rows; NAN = not given */
	sp_window_split split;        /* [ALL] */
	long lags, horizon;           /* windows (ncols must be 1); 0 = off [0, 0] */
	int state;                    /* keep what a state between runs needs (see
	                               * "State between runs" below) [0] */
	double input_step;            /* the input's rows are at least this many
	                               * seconds apart (promfetch --step); closer
	                               * rows are an error; with state, a bin that
	                               * ends by the last row + input_step is
	                               * complete at a pause; 0 = not known [0] */
} sp_window_opts;

void sp_window_opts_init(sp_window_opts *o);

/* A row on its way through the stages: one allocation (the values, then
 * the pass-through bytes, follow the struct). */
typedef struct sp_window_row {
	double t;           /* Unix seconds */
	char *raw;          /* rawlen pass-through bytes (opaque), or NULL;
	                     * kept by dedupe, fill, norm and select, dropped
	                     * by resample and lags */
	size_t rawlen;
	size_t nv;          /* number of values: ncols (lags: lags + horizon) */
	int train;          /* in the training span: 1 until the norm stage decides */
	unsigned pending;   /* private to the fill stage */
	double v[];         /* [nv]; NaN = missing */
} sp_window_row;

/* A new row: v copied (NULL: every value missing), raw copied.  NULL when
 * out of memory.  Free with free() or sp_window_row_free(). */
sp_window_row *sp_window_row_new(double t, size_t nv, const double *v, const char *raw, size_t rawlen);
void sp_window_row_free(sp_window_row *r);

/* The output callback: r is lent for the call; return 0, or < 0 (having
 * filled err) to stop. */
typedef int (*sp_window_emit)(void *ctx, const sp_window_row *r, sp_error *err);

/* ---- one stage ---------------------------------------------------------- */

typedef enum {
	SP_WINDOW_ORDER, SP_WINDOW_DEDUPE, SP_WINDOW_RESAMPLE, SP_WINDOW_FILL,
	SP_WINDOW_NORM, SP_WINDOW_SELECT, SP_WINDOW_LAGS
} sp_window_kind;

typedef struct sp_window_stage sp_window_stage;

/* A stage of the given kind configured from o; its rows go to next (which
 * must outlive it) or, when next is NULL, to emit(ctx, row) (emit may be
 * NULL: rows are dropped).  NULL and err on a bad option (SP_EUSAGE),
 * a scaler file that cannot be used, or out of memory. */
sp_window_stage *sp_window_stage_new(sp_window_kind kind, const sp_window_opts *o,
    sp_window_stage *next, sp_window_emit emit, void *ctx, sp_error *err);
/* Push one row (taken over, also on error); its nv must be ncols. */
int sp_window_stage_push(sp_window_stage *s, sp_window_row *r, sp_error *err);
/* End of input: release what the stage holds, then finish next. */
int sp_window_stage_finish(sp_window_stage *s, sp_error *err);
/* Free the stage and the rows it holds; not next.  NULL is fine. */
void sp_window_stage_free(sp_window_stage *s);
/* The norm stage's scaler (fitted once the span is known, or loaded), or
 * NULL; owned by the stage. */
const sp_scaler *sp_window_stage_scaler(const sp_window_stage *s);

/* ---- the whole chain ---------------------------------------------------- */

typedef struct sp_window sp_window;

/* The chain for o: the stages that have something to do (order only to
 * sort; dedupe, not when resampling with dupes ERROR, which is checked
 * here; resample with a step; fill with a method; norm with a scaler or a
 * span; select with a split; lags with lags).  Checks the options
 * (SP_EUSAGE), loads load_path. */
sp_window *sp_window_new(const sp_window_opts *o, sp_window_emit emit, void *ctx, sp_error *err);
/* One input row: time t, v[ncols], rawlen pass-through bytes (copied; NULL
 * and 0 for none).  Without sort, a time before the last one is an error
 * ("row N, column timestamp: timestamp A is before the previous row's B
 * (see --sort)").  Resampling with dupes ERROR and without sort copies
 * nothing and allocates nothing per row. */
int sp_window_push(sp_window *w, double t, const double *v, const char *raw, size_t rawlen, sp_error *err);
/* End of input: every held row is released (e.g. the training span is
 * fitted) and emitted.  Error "the training span is empty (N rows in all)"
 * when a scaler is to be fitted on no rows. */
int sp_window_finish(sp_window *w, sp_error *err);
/* Rows pushed so far. */
long sp_window_rows(const sp_window *w);
/* The scaler in use (see sp_window_stage_scaler), or NULL. */
const sp_scaler *sp_window_scaler(const sp_window *w);
void sp_window_free(sp_window *w);

/* ---- state between runs (window --state) --------------------------------
 *
 * With o->state, a run can end in a pause instead of a finish: what the
 * engine holds is written as state lines (lib/sp_state), and a fresh
 * engine of the same options that reads them continues exactly as the
 * uninterrupted engine would, byte for byte: runs over consecutive slices
 * of the input, each ending in a pause and starting from the last one's
 * state, emit the rows one run emits, in the same order (the rows still
 * held at the last pause are those one run's finish would add).  The state
 * is: the last input row's time (rows at or before it are skipped by the
 * next run: an overlap of the input is harmless), the rows of the open
 * bin (replayed into the resampler: the same sums in the same order), a
 * bin written at the pause (below), and the fill stage's last values and
 * held rows (a trailing gap waits for its next value, as in one run).
 *
 * A pause writes nothing early: the open bin stays open, unless
 * input_step says no later row can fall in it (it ends by the last row's
 * time + input_step).  It is then written at the pause, as one run would
 * on its next row; the next run writes the empty bins between it and its
 * first row.  A row closer than input_step to the previous one is an
 * error, in one run as in slices ("row N, column timestamp: timestamp T is
 * less than the input step S after the previous row's P (see
 * --input-step)").
 *
 * o->state goes with: no sorting, duplicates an error, no scaler fitted,
 * no training span, split or windows (a loaded scaler is fine: it holds
 * nothing); sp_window_new refuses the others (SP_EUSAGE naming the window
 * option).  The state file (window(1) --state): the options below, then
 * (keyed) "keys N" and per key "key K" and the engine's lines, then "end".
 */

/* After the last push of a run: write the open bin if input_step allows
 * (above).  Pushing may continue after a pause.  SP_EUSAGE without
 * o->state; the emit callback's errors. */
int sp_window_pause(sp_window *w, sp_error *err);
/* The last input row's time (pushed, or the state's), -INFINITY none. */
double sp_window_last(const sp_window *w);

struct sp_state_writer;
struct sp_state;
/* The options that shape a state: columns, resample (step, quantile,
 * max_gap_rows), agg, fill, max_gap, input_step. */
void sp_window_write_options(const sp_window_opts *o, struct sp_state_writer *sw);
/* Read them into o (defaults for the rest, state on).  SP_EMODEL
 * "PATH:LINE: ..." for a bad line. */
int sp_window_read_options(sp_window_opts *o, struct sp_state *s, sp_error *err);
/* 0 when a state made with options `made` fits an engine of options o;
 * else 1 and the first difference in why ("--resample 300, not 60"). */
int sp_window_options_differ(const sp_window_opts *made, const sp_window_opts *o, char *why, size_t size);

/* The engine's state as lines (after a pause; SP_EUSAGE without
 * o->state), and read into a fresh engine of the same options (SP_EMODEL
 * "PATH:LINE: ..." for a bad or inconsistent line; SP_EUSAGE when rows
 * were pushed already). */
int sp_window_write_state(const sp_window *w, struct sp_state_writer *sw, sp_error *err);
int sp_window_read_state(sp_window *w, struct sp_state *s, sp_error *err);

/* A window state file without its options (promfetch --since-state): 0
 * when path does not exist (*keys NULL, *newest NAN), else 1 with *newest
 * the latest last-row time of its engines (-INFINITY: none has a row) and,
 * for a keyed file, *keys every key, its state a double (that key's last
 * row time, -INFINITY none; freed with sp_keyed_free), for one series
 * NULL.  < 0: sp_state_load's errors and SP_EMODEL "PATH:LINE: ...". */
struct sp_keyed;
int sp_window_state_index(const char *path, double *newest, struct sp_keyed **keys, sp_error *err);

#endif
