/* sp_file: atomic file replacement; see sp_file.h. */
#include "sp_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sp_file {
	FILE *fp;
	char *path, *tmp;
};

static void
file_free(sp_file *f)
{
	free(f->tmp);
	free(f->path);
	free(f);
}

/* Remove the stale temporary files in dir of target base, or of any
 * target when base is NULL. */
static int
clean_stale(const char *dir, const char *base)
{
	size_t bn = base ? strlen(base) : 0;
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd, n = 0;

	if ((base && bn == 0) || !(d = opendir(dir)))
		return 0;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		size_t len = strlen(nm);
		/* "<base>.tmp.XXXXXX": mkstemp's six characters exactly */
		if (base ? len != bn + 11 || strncmp(nm, base, bn) != 0 : len < 12)
			continue;
		if (strncmp(nm + len - 11, ".tmp.", 5) != 0)
			continue;
		if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid() || !(now - st.st_mtime > SP_FILE_STALE_SECONDS))
			continue;
		if (unlinkat(dfd, nm, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int
sp_file_clean_stale(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	int n;

	if (!dir)
		return 0;
	n = clean_stale(dir, base);
	free(dir);
	return n;
}

int
sp_file_clean_stale_dir(const char *dir)
{
	return clean_stale(dir, NULL);
}

int
sp_file_check_writable(const char *path, sp_error *err)
{
	sp_file *f = sp_file_create(path, SP_FILE_PRIVATE, err);

	if (!f)
		return err ? err->code : SP_EIO;
	sp_file_abort(f);
	return 0;
}

sp_file *
sp_file_create(const char *path, int flags, sp_error *err)
{
	sp_file *f = calloc(1, sizeof *f);
	size_t n = strlen(path) + 16;
	mode_t mask;
	int fd = -1, e;

	if (!f || !(f->path = strdup(path)) || !(f->tmp = malloc(n))) {
		if (f) {
			free(f->path);
			free(f);
		}
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(f->tmp, n, "%s.tmp.XXXXXX", path);
	if (!(flags & SP_FILE_NOCLEAN))
		sp_file_clean_stale(path);
	if ((fd = mkstemp(f->tmp)) < 0)
		goto fail;
	if (!(flags & SP_FILE_PRIVATE)) {
		mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) < 0)
			goto fail;
	}
	if (!(f->fp = fdopen(fd, "w")))
		goto fail;
	return f;
fail:
	e = errno;
	sp_error_set(err, SP_EIO, "%s: cannot create: %s", path, strerror(e));
	if (fd >= 0) {
		close(fd);
		unlink(f->tmp);
	}
	file_free(f);
	return NULL;
}

FILE *
sp_file_stream(sp_file *f)
{
	return f->fp;
}

const char *
sp_file_path(const sp_file *f)
{
	return f->path;
}

static int
file_failed(sp_file *f, int e, sp_error *err)
{
	sp_error_set(err, SP_EIO, "%s: write failed: %s", f->path, strerror(e ? e : EIO));
	unlink(f->tmp);
	file_free(f);
	return SP_EIO;
}

/* Flush (and fsync when sync), close; on failure ("PATH: write failed")
 * remove the temporary file and free f. */
static int
close_file(sp_file *f, int sync, sp_error *err)
{
	int bad, e = 0;

	bad = fflush(f->fp) != 0 || ferror(f->fp) || (sync && fsync(fileno(f->fp)) != 0);
	if (bad)
		e = errno;
	if (fclose(f->fp) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	f->fp = NULL;
	return bad ? file_failed(f, e, err) : SP_OK;
}

int
sp_file_commit(sp_file *f, sp_error *err)
{
	return close_file(f, 1, err) == SP_OK ? sp_file_publish(f, err) : SP_EIO;
}

void
sp_file_abort(sp_file *f)
{
	if (!f)
		return;
	if (f->fp)
		fclose(f->fp);
	unlink(f->tmp);
	file_free(f);
}

int
sp_file_close(sp_file *f, sp_error *err)
{
	return close_file(f, 0, err);
}

int
sp_file_sync_fs(const char *dir, sp_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc, e;

	if (fd < 0)
		return sp_error_set(err, SP_EIO, "%s: cannot open: %s", dir, strerror(errno));
	rc = syncfs(fd);
	e = errno;
	close(fd);
	if (rc != 0)
		return sp_error_set(err, SP_EIO, "%s: sync failed: %s", dir, strerror(e));
	return SP_OK;
}

int
sp_file_publish(sp_file *f, sp_error *err)
{
	if (rename(f->tmp, f->path) != 0)
		return file_failed(f, errno, err);
	file_free(f);
	return SP_OK;
}
