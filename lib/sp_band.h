/* sp_band: forecast bands as the tools read them from CSV.
 *
 * 1. The multi-horizon ("long") format of arfit --rolling and forecast -H,
 *    read one origin at a time:
 *
 *        origin,timestamp,horizon,<data>,forecast,lower,upper[,...]
 *
 *    Each origin has the rows of horizons 1, 2, ..., H in order; origins
 *    increase.  The <data> columns (3 .. forecast - 1) are the origin row's
 *    input passed through.  sp_band_next() returns an origin once its last
 *    row has been read, that is when the next origin's first row (or the
 *    end of the input) arrives: the first row of the next origin has been
 *    checked then (its times, its horizon 1, its order and, with
 *    SP_BAND_CONTIGUOUS, that it is the previous origin's first target),
 *    but its values are read only on the next call.  Errors (SP_EDATA,
 *    the message naming row and column as sp_csv does):
 *
 *        not a timestamp: 'x'                    (origin or timestamp)
 *        origins out of order                    (an origin not after the last)
 *        horizon gap: a new origin starts at horizon 2, not 1
 *        horizon gap: 3 after 1                  (inside an origin)
 *        gap in origins: expected origin 120     (SP_BAND_CONTIGUOUS)
 *        horizon gap: 7 horizons, the first origin had 6        (SP_BAND_STRICT)
 *        horizon gap: origin 60 has horizons 1..2, the first had 1..6  (STRICT)
 *        more than 10000 horizons                (when all are read: horizons 0)
 *        missing load at an origin               (STRICT, with a load column)
 *        lower 12 above upper 8                  (STRICT)
 *
 *    and the numeric errors of sp_csv (a missing forecast, lower or upper
 *    value is an error in STRICT mode, NaN otherwise).
 *
 * 2. Per-step rows (burstdetect's or arfit's one-horizon output): the band
 *    and state columns a row may carry, read into one struct.
 *
 * Ownership: the sp_band reader borrows the sp_csv_reader (it must outlive
 * it and, with sp_band_next, nobody else may advance it); the arrays and data of an
 * sp_band_origin belong to the reader and are valid until the next
 * sp_band_next().  sp_band_free(NULL) is fine.  Nothing here prints or
 * exits.
 */
#ifndef SP_BAND_H
#define SP_BAND_H

#include <stddef.h>

#include "sp_csv.h"
#include "sp_err.h"

/* ---- the long format ---- */

enum {
	/* every origin has the first origin's horizons, every horizon a
	 * forecast, lower and upper value (lower <= upper), the origin row its
	 * load (burstdetect) */
	SP_BAND_STRICT = 1,
	/* each origin is the previous origin's horizon-1 target (plan) */
	SP_BAND_CONTIGUOUS = 2,
	/* keep the fields' text of the values read (sp_band_origin.text), for
	 * a writer that passes them through (bandselect) */
	SP_BAND_TEXT = 4
};

typedef struct {
	int flags;      /* SP_BAND_STRICT, SP_BAND_CONTIGUOUS */
	int load;       /* column of the observed load, read at each origin row; -1 none */
	int extra;      /* another column read at each horizon into X; -1 none */
	int horizons;   /* read the values of horizons 1..horizons only; 0 = all */
	double level;   /* the central level the reader takes the band to be, in
	                 * (0, 1); when the input has a column `level`, an origin
	                 * row whose level differs (by more than 1e-6) is an
	                 * SP_EDATA naming row and column; 0 = no check;
	                 * SP_BAND_LEVEL_ADOPT: the first origin's level is taken
	                 * (sp_band_origin.level) and the others must agree */
} sp_band_opts;

#define SP_BAND_LEVEL_ADOPT (-1.0)

/* No flags, no load or extra column, all horizons, no level check. */
void sp_band_defaults(sp_band_opts *o);

typedef struct {
	double origin;          /* the origin's time */
	double target;          /* the target time of horizon 1 */
	int h;                  /* its horizons: 1..h */
	int n;                  /* of which read into L, M, U, X: min(h, horizons) */
	const double *L, *M, *U; /* lower, forecast, upper of horizons 1..n (NaN missing
	                          * or no column) */
	const double *X;        /* the extra column at horizons 1..n, or NULL */
	double load;            /* the load column at the origin row (NaN missing or none) */
	double level;           /* its `level` column (NaN: missing, no column, or no check) */
	size_t ndata;           /* the pass-through data fields of the origin row: */
	const char *data;       /* their bytes, back to back */
	const size_t *len;      /* and their lengths */
	/* SP_BAND_TEXT (else NULL): the fields M, L, U were read from, as
	 * sp_csv_field gives them, back to back: forecast, lower and upper of
	 * horizon 1, of 2, ... of n (empty for no column); the one of horizon
	 * k and j (0 forecast, 1 lower, 2 upper) is text[toff[i] .. toff[i + 1])
	 * with i = 3 (k - 1) + j.  level_text[0 .. level_len) is the origin
	 * row's level field ("" without the check) */
	const char *text;
	const size_t *toff;
	const char *level_text;
	size_t level_len;
} sp_band_origin;

typedef struct sp_band sp_band;

/* Whether r's first columns are origin, timestamp, horizon. */
int sp_band_is_long(const sp_csv_reader *r);

/* A reader of r's rows.  Columns: origin, timestamp, horizon first, then a
 * column named forecast (and lower, upper: required with SP_BAND_STRICT).
 * Errors: SP_EDATA when the columns are not so; SP_EUSAGE for an option
 * out of range; SP_ENOMEM. */
sp_band *sp_band_new(sp_csv_reader *r, const sp_band_opts *o, sp_error *err);
void sp_band_free(sp_band *b);

/* The data columns: 3 .. 3 + sp_band_ndata() - 1 (before forecast). */
size_t sp_band_ndata(const sp_band *b);
/* The horizons of the first origin; 0 before it is complete. */
int sp_band_horizons(const sp_band *b);

/* The next complete origin into *g: SP_OK, SP_EEOF after the last, or < 0
 * with err set.  (The pull reader: sp_band_push on every row of r.) */
int sp_band_next(sp_band *b, sp_band_origin *g, sp_error *err);

/* The push reader, for rows of several streams interleaved in one input
 * (burstdetect --by: a reader per key, all on the one sp_csv_reader, each
 * fed only its key's rows; the caller advances r, never sp_band_next).
 *
 * sp_band_push() takes r's current row: 0 when taken, or 1 when the row
 * starts a new origin and so completes the last one, which is in *g: the
 * row itself is then taken by the next call, which must be sp_band_push
 * again with r still on that row; so every row is fed as
 *
 *     while ((rc = sp_band_push(b, &g, &err)) == 1)
 *             ... use g ...
 *
 * sp_band_finish() after the stream's last row: 1 with its last origin in
 * *g, 0 when there was none (no row, or already finished).  Errors as
 * sp_band_next's (< 0, err set), naming r's current row. */
int sp_band_push(sp_band *b, sp_band_origin *g, sp_error *err);
int sp_band_finish(sp_band *b, sp_band_origin *g, sp_error *err);

/* The data column named name (3 .. forecast - 1), for option opt ("-c",
 * "--by"): its index, or < 0 with err: sp_csv_pick_col's "no column"
 * error, or SP_EUSAGE "OPT: 'NAME' is not a data column (one between
 * horizon and forecast)".  r has a forecast column. */
int sp_band_data_col(const sp_csv_reader *r, const char *opt, const char *name, sp_error *err);
/* The observed load's column: the data column name (-c), or without one
 * the first data column that is not key (the --by column, -1: none): its
 * index, or < 0 with err: sp_band_data_col's errors, SP_EUSAGE "-c: 'NAME'
 * is the key column (--by)", SP_EDATA "no data column between horizon and
 * forecast (the observed load)" (" besides the key" with a key). */
int sp_band_load_col(const sp_csv_reader *r, const char *name, int key, sp_error *err);

/* The header of the long format: origin,timestamp,horizon, r's columns
 * from .. to (to -1: the last; sp_csv_write_header_fields), then
 * forecast,lower,upper and, when level, level. */
void sp_band_write_header(sp_csv_writer *w, const sp_csv_reader *r, size_t from, long to, int level);

/* ---- per-step rows ---- */

/* Column indexes of a per-step row, -1 when absent. */
typedef struct {
	int demand, forecast, lower, upper, origin, state;
	int next;               /* demand_next: the demand of the step after (burstdetect) */
	int hold;               /* demand_hold: the demand a scale-down keeps (burstdetect --hold) */
} sp_band_cols;

/* Every column absent. */
void sp_band_cols_none(sp_band_cols *c);
/* The usual names: forecast, lower, upper, origin, state, demand_next; demand is the
 * column demand_name when given (an error naming the columns there are when
 * absent), else demand, else forecast. */
int sp_band_cols_find(const sp_csv_reader *r, const char *demand_name, sp_band_cols *c, sp_error *err);

typedef struct {
	double demand, forecast, lower, upper, origin; /* NaN missing or no column */
	double next;            /* demand_next (NaN missing or no column) */
	double hold;            /* demand_hold (NaN missing or no column) */
	int state;              /* sp_burst_state_parse of the state field (-1: unknown,
	                         * empty or no column) */
	const char *state_text; /* the field as it is ("" without a column), valid until
	                         * the reader moves on */
	size_t state_len;
} sp_band_row;

/* Read the columns of c from r's current row, in the order demand,
 * forecast, lower, upper, origin, demand_next, state; a value that is not a number is an
 * error naming row and column. */
int sp_band_row_read(const sp_csv_reader *r, const sp_band_cols *c, sp_band_row *row, sp_error *err);

#endif
