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
 *
 * Stale temporary files: a writer killed between create and commit leaves
 * its "<path>.tmp.XXXXXX" behind.  sp_file_create() first removes the
 * temporary files of the same target that are its own: named exactly
 * "<basename>.tmp." plus six characters, regular files owned by the
 * effective user, last modified more than SP_FILE_STALE_SECONDS ago (a
 * writer still at work on the same target is younger than that).  Errors
 * of this clean-up are ignored.
 */
#ifndef SP_FILE_H
#define SP_FILE_H

#include <stdio.h>

#include "sp_err.h"

typedef struct sp_file sp_file;

enum { SP_FILE_PUBLIC = 0, SP_FILE_PRIVATE = 1,
	/* no clean-up of stale temporary files at create (a directory of many
	 * files: the caller runs sp_file_clean_stale_dir once instead of a
	 * scan of the directory per file) */
	SP_FILE_NOCLEAN = 2 };

#define SP_FILE_STALE_SECONDS 600

/* NULL on failure: "PATH: cannot create: reason". */
sp_file *sp_file_create(const char *path, int flags, sp_error *err);
/* Can path be written (before long work)?  Creates and removes a
 * temporary sibling; 0, or sp_file_create's error. */
int sp_file_check_writable(const char *path, sp_error *err);
/* Remove the stale temporary files of path (see above); the number
 * removed. */
int sp_file_clean_stale(const char *path);
/* The same for every target in directory dir ("NAME.tmp.XXXXXX", NAME not
 * empty), in one pass; the number removed. */
int sp_file_clean_stale_dir(const char *dir);
FILE *sp_file_stream(sp_file *f);
const char *sp_file_path(const sp_file *f);
/* Flush, fsync, close and rename into place; frees f.  On failure
 * ("PATH: write failed: reason") the temporary file is removed. */
int sp_file_commit(sp_file *f, sp_error *err);
/* Close and remove the temporary file; frees f.  NULL is fine. */
void sp_file_abort(sp_file *f);

/* Many files in one run, one sync for all (scale --by --state: a history
 * file per target).  sp_file_close() flushes and closes the temporary file
 * without fsync and keeps f; once every file of the batch is closed,
 * sp_file_sync_fs() on their directory makes them all durable with one
 * syncfs(2), then sp_file_publish() renames each into place (frees f).
 * The guarantee is sp_file_commit's: PATH is the old file or the whole new
 * one.  On failure ("PATH: write failed: reason") close and publish remove
 * the temporary file and free f; sp_file_abort() drops a closed f too. */
int sp_file_close(sp_file *f, sp_error *err);
int sp_file_sync_fs(const char *dir, sp_error *err);
int sp_file_publish(sp_file *f, sp_error *err);

#endif
