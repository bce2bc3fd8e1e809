/* sp_state: the state files that carry a tool's memory between runs.
 *
 * A stateful tool (burstdetect --state, plan --state) ends a run by writing
 * what a continuous run would hold in memory before its next input row, and
 * starts the next run from it, so that runs over consecutive slices of a
 * trace decide exactly as one run over all of it.  The format is that of
 * the model files (scalepipe(7)), with its own magic:
 *
 *     scalepipe-state <kind> <version>
 *     <key> <value> [<value> ...]
 *     ...
 *     end
 *
 * Numbers are written with %.17g in the C locale (doubles round-trip
 * exactly); unlike model files, a state may hold nan, inf and -inf (an
 * unknown band, an empty ring slot).  Keys are read back in the order they
 * were written (a cursor): a missing, extra or reordered key, a wrong count
 * of values, a value that is not a number or out of range, another kind or
 * version, a missing `end` (truncated) or anything after it are each an
 * error naming file:line.  The writer builds the file in memory; saving it
 * goes through sp_file (a temporary sibling renamed into place), so a
 * crash never leaves a half-written state.
 *
 * Ownership: writers and readers are freed by sp_state_writer_free and
 * sp_state_free (NULL fine).  Strings returned by the reader belong to it.
 * Nothing here prints or exits.
 */
#ifndef SP_STATE_H
#define SP_STATE_H

#include <stddef.h>

#include "sp_err.h"

typedef struct sp_state_writer sp_state_writer;
typedef struct sp_state sp_state;

/* ---- writing ---- */
/* A state of this kind and version, in memory.  NULL: SP_ENOMEM. */
sp_state_writer *sp_state_writer_new(const char *kind, int version, sp_error *err);
/* A block of key lines only (no header, no end), to be appended to a
 * writer with sp_state_put_block: one key's state in a keyed file. */
sp_state_writer *sp_state_block_new(sp_error *err);
void sp_state_put_long(sp_state_writer *w, const char *key, long v);
void sp_state_put_longs(sp_state_writer *w, const char *key, size_t n, const long *v);
void sp_state_put_double(sp_state_writer *w, const char *key, double v);
void sp_state_put_doubles(sp_state_writer *w, const char *key, size_t n, const double *v);
/* One token: no spaces, control characters or empty strings (written as
 * given; the caller checks). */
void sp_state_put_str(sp_state_writer *w, const char *key, const char *v);
/* Any bytes (a key of --by) as one token: bytes outside '!'..'~' and '%'
 * written as %XX. */
void sp_state_put_bytes(sp_state_writer *w, const char *key, const char *v, size_t len);
/* Append the lines of block b (a writer from sp_state_block_new). */
void sp_state_put_block(sp_state_writer *w, const sp_state_writer *b);
/* Write `end` and replace path atomically (sp_file).  SP_ENOMEM when a put
 * failed for memory; sp_file's errors.  The writer stays valid (freed by
 * sp_state_writer_free). */
int sp_state_writer_save(sp_state_writer *w, const char *path, sp_error *err);
void sp_state_writer_free(sp_state_writer *w);

/* ---- reading ---- */
/* Load path.  A missing file is no error: 0 and *out = NULL (a cold
 * start).  Otherwise *out, or < 0: SP_EIO "PATH: cannot read: reason",
 * SP_EMODEL "PATH:1: not a scalepipe state file (...)", "PATH:1: state
 * of kind K, not KIND", "PATH:1: state version V, not VERSION"; SP_ENOMEM. */
int sp_state_load(const char *path, const char *kind, int version, sp_state **out, sp_error *err);
void sp_state_free(sp_state *s);
const char *sp_state_path(const sp_state *s);
/* The line the cursor is at (1-based), for messages. */
long sp_state_line(const sp_state *s);

/* Each getter reads the line at the cursor, which must have this key and
 * the right count of values, and moves the cursor on.  SP_EMODEL with
 * "PATH:LINE: ..." otherwise. */
int sp_state_long(sp_state *s, const char *key, long min, long max, long *v, sp_error *err);
int sp_state_longs(sp_state *s, const char *key, size_t n, long min, long max, long *v, sp_error *err);
int sp_state_double(sp_state *s, const char *key, double *v, sp_error *err);
int sp_state_doubles(sp_state *s, const char *key, size_t n, double *v, sp_error *err);
/* The one token of the line (valid while s lives). */
int sp_state_str(sp_state *s, const char *key, const char **v, sp_error *err);
/* The bytes of sp_state_put_bytes, decoded: *v a NUL-terminated copy the
 * caller frees, *len its length.  SP_EMODEL for a bad %-escape. */
int sp_state_bytes(sp_state *s, const char *key, char **v, size_t *len, sp_error *err);
/* Whether the line at the cursor has this key (without moving). */
int sp_state_at(const sp_state *s, const char *key);
/* The line at the cursor is `end`, the last line. */
int sp_state_end(sp_state *s, sp_error *err);
/* The next `key K` line of a keyed state file (one block per key, as
 * --by writes them): the state of key K in k, made by k's create callback.
 * NULL and err for a bad line, a key given twice (SP_EMODEL
 * "PATH:LINE: key: twice", naming the key's line) or a failed create. */
struct sp_keyed;
void *sp_state_key(sp_state *s, struct sp_keyed *k, sp_error *err);
/* An error at the cursor's line: "PATH:LINE: <message>"; returns code. */
int sp_state_error(const sp_state *s, sp_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same at the line `back` lines before the cursor's (1: the line a
 * getter has just read, whose value turned out wrong). */
int sp_state_error_back(const sp_state *s, long back, sp_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ---- options, keys and whole files (shared by the stateful tools) ---- */
/* The line at the cursor must have this key and the value the run has
 * (a state of other options is not this run's): SP_EMODEL "PATH:LINE:
 * state written with KEY X, not Y" otherwise (the key's '_' as ' '), and
 * the getters' errors. */
int sp_state_want_double(sp_state *s, const char *key, double want, sp_error *err);
int sp_state_want_long(sp_state *s, const char *key, long want, sp_error *err);
int sp_state_want_str(sp_state *s, const char *key, const char *want, sp_error *err);

/* One key's state: put writes its lines into w (a block), get reads them
 * into the state of a new key (made by the map's create callback); ctx is
 * the caller's.  0 or < 0 with err. */
typedef int (*sp_state_put_fn)(void *ctx, const void *state, sp_state_writer *w, sp_error *err);
typedef int (*sp_state_get_fn)(void *ctx, void *state, sp_state *s, sp_error *err);
/* A keyed state (--by): "keys N", then for each key of k in its order
 * "key K" and the lines put writes. */
int sp_state_put_keys(sp_state_writer *w, const struct sp_keyed *k, sp_state_put_fn put, void *ctx,
    sp_error *err);
/* The keys of sp_state_put_keys into k (which has none of them yet: a key
 * given twice is an error, see sp_state_key). */
int sp_state_get_keys(sp_state *s, struct sp_keyed *k, sp_state_get_fn get, void *ctx, sp_error *err);

/* --forget DURATION: keys that disappear.  A keyed state keeps a key once
 * seen; with a span, a key whose last row is older than the newest row of
 * all the keys minus span is left out of the state when it is saved (its
 * rows of this run, if any, were handled as usual: only the saved state
 * changes).  span 0, the default: never forget (the file as without it). */
typedef struct {
	double span;            /* seconds; 0: never forget */
	char text[32];          /* the span as given ("1d"), for the message */
	double (*last)(void *last_ctx, const void *state);  /* a key's last row
	                           time (its state's or this run's); not finite:
	                           never forgotten */
	void *last_ctx;         /* last's */
	void (*forgot)(void *ctx, const sp_error *e);  /* told of each key left out:
	                           "key 'K': no row for TEXT: forgotten" (SP_OK) */
	void *ctx;              /* forgot's */
} sp_state_forget;
/* Parse the option's value as promfetch --last does (sp_time_parse_duration:
 * "90m", "1d", "3600"): 0 with f->span and f->text set, or SP_EUSAGE
 * "--forget: not a duration: 'X'" (a zero or negative span too). */
int sp_state_forget_parse(const char *arg, sp_state_forget *f, sp_error *err);
/* The keys of k to save under f: *kept NULL when every key stays (f NULL,
 * span 0, k NULL, or none old enough: save k itself), else a new map of
 * the keys kept, in k's order, sharing k's states (not freed with it; to be
 * read, not added to; free it with sp_keyed_free after saving), each key
 * left out told to f->forgot.  0, or SP_ENOMEM. */
int sp_state_forget_keys(const struct sp_keyed *k, const sp_state_forget *f, struct sp_keyed **kept,
    sp_error *err);

/* A whole state file: read resumes from path through read (called with
 * the loaded state; it reads up to but not including `end`, which is then
 * checked).  1 resumed; 0 no file (a cold start); < 0 with err when the
 * file cannot be read or used (the caller warns "state MESSAGE:
 * recomputing from the input" and starts cold: what read did is to be
 * thrown away). */
int sp_state_resume(const char *path, const char *kind, int version,
    int (*read)(void *ctx, sp_state *s, sp_error *err), void *ctx, sp_error *err);
/* Write a state of kind and version through put into path atomically. */
int sp_state_save(const char *path, const char *kind, int version,
    int (*put)(void *ctx, sp_state_writer *w, sp_error *err), void *ctx, sp_error *err);

#endif
