/* sp_model: the scalepipe model-file format.
 *
 *     scalepipe-model <kind> <version>
 *     <key> <value> [<value> ...]
 *     <key> <count>           # for sp_model_put_text: then <count> raw lines
 *     ...
 *     end
 *
 * Numbers are written with %.17g in the C locale, so doubles round-trip
 * exactly.  The reader is strict: wrong first line, another kind, a newer
 * version, a duplicate, missing or unknown key, a wrong count of values, a
 * value that is not a finite number, a missing `end` (truncated file) or
 * anything after it are each an error with file:line.  Writers create
 * "<path>.tmp.XXXXXX" in the same directory and rename() it into place on
 * commit, so a crash never leaves a half-written model.
 *
 * Ownership: sp_model_writer and sp_model are freed by sp_model_abort /
 * sp_model_commit and sp_model_free.  Strings returned by getters belong to
 * the sp_model.
 */
#ifndef SP_MODEL_H
#define SP_MODEL_H

#include <stddef.h>

#include "sp_err.h"

typedef struct sp_model_writer sp_model_writer;
typedef struct sp_model sp_model;

/* ---- writing ---- */
sp_model_writer *sp_model_create(const char *path, const char *kind, int version, sp_error *err);
/* The same with sp_file_create's flags (SP_FILE_NOCLEAN for many files in
 * one directory). */
sp_model_writer *sp_model_create_flags(const char *path, const char *kind, int version, int flags, sp_error *err);
void sp_model_put_str(sp_model_writer *w, const char *key, const char *value); /* one token, no spaces */
void sp_model_put_long(sp_model_writer *w, const char *key, long v);
void sp_model_put_double(sp_model_writer *w, const char *key, double v);
void sp_model_put_doubles(sp_model_writer *w, const char *key, size_t n, const double *v);
void sp_model_put_floats(sp_model_writer *w, const char *key, size_t n, const float *v);
/* Free text (e.g. a command line): rest of the line, newlines replaced. */
void sp_model_put_line(sp_model_writer *w, const char *key, const char *text);
/* A block of raw lines (e.g. an embedded libsvm model). */
void sp_model_put_text(sp_model_writer *w, const char *key, const char *text);
/* Write `end`, flush, fsync, rename into place; frees w.  On failure the
 * temporary file is removed and the target is untouched. */
int sp_model_commit(sp_model_writer *w, sp_error *err);
/* Write `end` and close without fsync or rename (sp_file_close); frees w.
 * The file to sync and publish (sp_file.h: many files, one sync), or NULL
 * on failure (the temporary file removed). */
struct sp_file *sp_model_close(sp_model_writer *w, sp_error *err);
/* Remove the temporary file; frees w.  NULL is fine. */
void sp_model_abort(sp_model_writer *w);

/* ---- reading ---- */
/* The kind and version on the first line of a model file, without reading
 * the rest (to pick the loader of that kind).  kind gets at most size - 1
 * characters.  Errors: SP_EIO "PATH: reason" when the file cannot be opened,
 * SP_EMODEL "PATH:1: not a scalepipe model file (...)" when the first line is
 * not "scalepipe-model <kind> <version>" (the message of sp_model_load). */
int sp_model_peek(const char *path, char *kind, size_t size, int *version, sp_error *err);
/* Load and check the first line: kind must match and version must be
 * 1..max_version.  *version (may be NULL) gets the file's version. */
sp_model *sp_model_load(const char *path, const char *kind, int max_version, int *version, sp_error *err);
void sp_model_free(sp_model *m);
const char *sp_model_path(const sp_model *m);

/* Getters mark the key as used; a missing key is an error (file:line of
 * `end`) unless the _opt variant is used, which returns 1 when absent. */
int sp_model_has(const sp_model *m, const char *key);
int sp_model_get_str(sp_model *m, const char *key, const char **out, sp_error *err);
int sp_model_get_long(sp_model *m, const char *key, long min, long max, long *out, sp_error *err);
int sp_model_get_double(sp_model *m, const char *key, double *out, sp_error *err);
int sp_model_get_double_opt(sp_model *m, const char *key, double *out, sp_error *err);
/* Exactly n finite values. */
int sp_model_get_doubles(sp_model *m, const char *key, size_t n, double *out, sp_error *err);
int sp_model_get_floats(sp_model *m, const char *key, size_t n, float *out, sp_error *err);
/* Number of values on a key's line (for variable-length arrays), or < 0. */
long sp_model_count(sp_model *m, const char *key, sp_error *err);
int sp_model_get_line(sp_model *m, const char *key, const char **out, sp_error *err);
int sp_model_get_text(sp_model *m, const char *key, const char **out, sp_error *err);
/* Every key must have been read: the first unread one is an
 * "unknown key" error with its file:line. */
int sp_model_finish(sp_model *m, sp_error *err);

#endif
