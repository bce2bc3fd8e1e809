/* sp_csv: the CSV contract over libcsv, streamed row by row.
 *
 * Reader: RFC 4180 (quotes, embedded commas and newlines) via libcsv in
 * strict mode; a header row is required; each data row must have as many
 * fields as the header.  Rows are numbered from 1 for the first data row
 * (the header is row 0), and every message names the row and the column:
 * "row 12, column load: not a number: 'abc'".  Input is read in 64 KiB
 * chunks, so memory does not grow with the length of the input.  Every row
 * must end with its newline: a last row cut short at end of input (a
 * writer that died mid-row) is the error "row N: incomplete last row (no
 * newline at end of input)", never data.  Timestamps that cannot be Unix
 * seconds (after 2100: milliseconds, microseconds, nanoseconds) are errors
 * naming the likely unit (sp_csv_get_timestamp).
 *
 * Writer: buffered, quotes a field only when it must (comma, quote, CR,
 * LF, or leading/trailing space), numbers through sp_num_format, timestamps
 * through sp_time_format.  Whole rows only: the buffer is handed to the FILE
 * (and the FILE flushed) only up to the end of the last complete row, so
 * whatever the reader has seen at any moment ends at a row boundary, and a
 * tool that fails (or is stopped) mid-row leaves no cut row behind; the
 * unfinished row is never written.  Write errors are sticky and reported by
 * sp_csv_writer_flush().
 *
 * Limits: a field may hold at most SP_CSV_MAX_FIELD bytes and a row
 * SP_CSV_MAX_ROW; a longer one, or a NUL byte anywhere, is a
 * "row N: malformed CSV: ..." error (the rows before it are handed out
 * first), so memory stays bounded on hostile input.
 *
 * Ownership: the reader borrows its FILE (never closes it); field pointers
 * are valid until the next sp_csv_next().  Same for the writer's FILE.
 */
#ifndef SP_CSV_H
#define SP_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "sp_err.h"

#define SP_CSV_MAX_FIELD (1 << 20)   /* bytes in one field */
#define SP_CSV_MAX_ROW (64 << 20)    /* bytes in one row */

typedef struct sp_csv_reader sp_csv_reader;
typedef struct sp_csv_writer sp_csv_writer;

enum {
	SP_CSV_NEED_TIMESTAMP = 1, /* first column must be named "timestamp" */
	SP_CSV_ANY_ORDER = 2,      /* sp_csv_get_timestamp does not check order */
	SP_CSV_LIBCSV_ONLY = 4,    /* no fast path (tests compare the two) */
	SP_CSV_NEED_ROWS = 8       /* a header without data rows is an error at the first
	                            * sp_csv_next: "no data rows (the input has only a
	                            * header)", for tools that must not succeed on nothing */
};

/* name is used in messages only when not "-" (e.g. "model.csv: row 3 ...").
 * Reads and checks the header.  NULL and err set on empty input, a missing
 * header, duplicate or empty column names. */
sp_csv_reader *sp_csv_reader_new(FILE *fp, const char *name, int flags, sp_error *err);
void sp_csv_reader_free(sp_csv_reader *r);

size_t sp_csv_ncols(const sp_csv_reader *r);
const char *sp_csv_colname(const sp_csv_reader *r, size_t i);
/* Index of column name, or -1. */
int sp_csv_col_index(const sp_csv_reader *r, const char *name);
/* Index of column name; when name is NULL the first column after
 * "timestamp" (or the first column when there is no timestamp).  Error
 * "no column 'x' (have: a, b)" otherwise. */
int sp_csv_pick_col(const sp_csv_reader *r, const char *name, sp_error *err);

/* Advance to the next data row: SP_OK, SP_EEOF at end, or < 0 on error. */
int sp_csv_next(sp_csv_reader *r, sp_error *err);
long sp_csv_rowno(const sp_csv_reader *r);
/* 1 while the fast path has split every row so far, 0 once libcsv has
 * taken over (tests). */
int sp_csv_fast(const sp_csv_reader *r);
const char *sp_csv_field(const sp_csv_reader *r, size_t i, size_t *len);

/* Numeric field i of the current row: 0 and a finite value, 1 when missing
 * (*v = NAN), < 0 with a message naming row and column otherwise. */
int sp_csv_get_double(const sp_csv_reader *r, size_t i, double *v, sp_error *err);
/* Like sp_csv_get_double, but a missing value is an error too. */
int sp_csv_get_double_req(const sp_csv_reader *r, size_t i, double *v, sp_error *err);
/* Column 0 as a timestamp (Unix seconds or RFC 3339).  Unless the reader
 * has SP_CSV_ANY_ORDER, a time not after the previous row's is an error
 * naming the row. */
int sp_csv_get_timestamp(sp_csv_reader *r, double *t, sp_error *err);
/* Format "row N, column NAME" (or "row N") into buf, with the file name in
 * front when the reader has one. */
void sp_csv_where(const sp_csv_reader *r, long col, char *buf, size_t size);
/* Set err to "<where>: <message>" for column col (or -1 for the row). */
int sp_csv_error(const sp_csv_reader *r, long col, sp_error *err, sp_status code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

sp_csv_writer *sp_csv_writer_new(FILE *fp);
void sp_csv_writer_free(sp_csv_writer *w);
void sp_csv_writer_precision(sp_csv_writer *w, int digits);
void sp_csv_write_field(sp_csv_writer *w, const char *s, size_t n);
void sp_csv_write_str(sp_csv_writer *w, const char *s);
void sp_csv_write_double(sp_csv_writer *w, double v);
/* What sp_csv_write_double(w, v) writes, given the field s[0..n) that v
 * was read from (sp_csv_get_double): s itself when the text alone shows
 * that it is what formatting v would give (an integer of up to 15 digits,
 * a fraction d.ddd in %g's fixed notation at the writer's precision, with
 * no '+', no exponent, no superfluous zeros), else v formatted: so a
 * number passes through a tool without the cost of formatting it. */
void sp_csv_write_double_text(sp_csv_writer *w, double v, const char *s, size_t n);
void sp_csv_write_long(sp_csv_writer *w, long v);
void sp_csv_write_time(sp_csv_writer *w, double t);
/* Write fields [from, to) of the reader's current row (to = -1 for all),
 * unchanged apart from quoting. */
void sp_csv_write_row_fields(sp_csv_writer *w, const sp_csv_reader *r, size_t from, long to);
/* Write the reader's header names [from, to). */
void sp_csv_write_header_fields(sp_csv_writer *w, const sp_csv_reader *r, size_t from, long to);
void sp_csv_end_row(sp_csv_writer *w);
/* Push the buffered complete rows to the FILE and fflush it (a row not
 * yet ended stays buffered); < 0 (SP_EIO) on a write error so far. */
int sp_csv_writer_flush(sp_csv_writer *w, sp_error *err);

#endif
