/* sp_file: replace a file atomically.
 *
 * sp_file_create() opens a temporary sibling "<path>.tmp.XXXXXX" in the
 * same directory (so rename() stays on one file system); the caller writes
 * to sp_file_stream(); sp_file_commit() flushes, fsyncs and renames it over
 * PATH, so readers see the old file or the new one, never a half-written
 * one.  sp_file_abort() (or a failed commit) removes the temporary file and
 * leaves PATH untouched.  Used by sp_model (model files) and promexport
 * (textfile collector files).
 *
 * The new file gets mode 0666 & ~umask, as a plain fopen(path, "w") would,
 * unless SP_FILE_PRIVATE (0600) is asked for.
 */
#ifndef SP_FILE_H
#define SP_FILE_H

#include <stdio.h>

#include "sp_err.h"

typedef struct sp_file sp_file;

enum { SP_FILE_PUBLIC = 0, SP_FILE_PRIVATE = 1 };

/* NULL on failure: "PATH: cannot create: reason". */
sp_file *sp_file_create(const char *path, int flags, sp_error *err);
FILE *sp_file_stream(sp_file *f);
const char *sp_file_path(const sp_file *f);
/* Flush, fsync, close and rename into place; frees f.  On failure
 * ("PATH: write failed: reason") the temporary file is removed. */
int sp_file_commit(sp_file *f, sp_error *err);
/* Close and remove the temporary file; frees f.  NULL is fine. */
void sp_file_abort(sp_file *f);

#endif
