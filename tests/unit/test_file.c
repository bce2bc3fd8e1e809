/* sp_file: atomic replacement; sp_burst_state_parse. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sp_burst.h"
#include "sp_file.h"

static char *
slurp(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
count_tmp(const char *dir)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '\\.tmp\\.'", dir);
	if ((p = popen(cmd, "r"))) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void
test_file(void)
{
	char dir[] = "/tmp/sp-file.XXXXXX", path[256], bad[300];
	const char *s;
	sp_error err;
	sp_file *f;
	struct stat st;
	mode_t mask;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/out.txt", dir);
	/* commit: the whole file appears, with 0666 & ~umask */
	f = sp_file_create(path, SP_FILE_PUBLIC, &err);
	CHECK(f != NULL, "create: %s", err.msg);
	CHECK(strcmp(sp_file_path(f), path) == 0, "path");
	fputs("one\n", sp_file_stream(f));
	CHECK(access(path, F_OK) != 0, "nothing at the path before commit");
	CHECK(sp_file_commit(f, &err) == SP_OK, "commit: %s", err.msg);
	s = slurp(path);
	CHECK(s && strcmp(s, "one\n") == 0, "content after commit");
	mask = umask(0);
	umask(mask);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~mask), "mode %o", (unsigned)st.st_mode & 0777);
	/* abort: the old file stays, no temporary file is left */
	f = sp_file_create(path, SP_FILE_PRIVATE, &err);
	CHECK(f != NULL, "create 2");
	fputs("two\n", sp_file_stream(f));
	sp_file_abort(f);
	s = slurp(path);
	CHECK(s && strcmp(s, "one\n") == 0, "content after abort");
	CHECK(count_tmp(dir) == 0, "temporary files left: %d", count_tmp(dir));
	/* private: 0600 */
	f = sp_file_create(path, SP_FILE_PRIVATE, &err);
	fputs("three\n", sp_file_stream(f));
	CHECK(sp_file_commit(f, &err) == SP_OK, "commit 3");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "private mode %o", (unsigned)st.st_mode & 0777);
	/* a directory that does not exist */
	snprintf(bad, sizeof bad, "%s/nodir/x", dir);
	f = sp_file_create(bad, 0, &err);
	CHECK(f == NULL && err.code == SP_EIO, "create in a missing directory");
	CHECK(strstr(err.msg, "nodir/x: cannot create: No such file or directory") != NULL, "message: %s", err.msg);
	sp_file_abort(NULL);
	unlink(path);
	rmdir(dir);
}

static void
touch_at(const char *path, time_t mtime)
{
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *fp = fopen(path, "w");

	if (fp) {
		fputs("partial", fp);
		fclose(fp);
	}
	utimensat(AT_FDCWD, path, ts, 0);
}

/* Issue 14: temporary files left by a killed writer are removed by the
 * next write of the same target; nothing else is. */
static void
test_stale(void)
{
	char dir[] = "/tmp/sp-stale.XXXXXX", path[256], p[8][300];
	const char *names[] = {
		"m.ar.tmp.AbC123",    /* stale, ours: removed */
		"m.ar.tmp.ZZZZZZ",    /* stale, ours: removed */
		"m.ar.tmp.Fresh1",    /* a writer at work now: kept */
		"m.ar.tmp.toolong7",  /* not mkstemp's pattern: kept */
		"other.tmp.AbC123",   /* another target: kept */
		"m.ar",               /* the target itself */
	};
	time_t old = time(NULL) - SP_FILE_STALE_SECONDS - 60;
	sp_error err;
	sp_file *f;
	size_t i;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/m.ar", dir);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
		touch_at(p[i], i == 2 ? time(NULL) : old);
	}
	snprintf(p[6], sizeof p[6], "%s/m.ar.tmp.dir123", dir);   /* not a regular file: kept */
	mkdir(p[6], 0700);
	utimensat(AT_FDCWD, p[6], (struct timespec[2]){ { old, 0 }, { old, 0 } }, 0);
	f = sp_file_create(path, 0, &err);
	CHECK(f != NULL, "create: %s", err.msg);
	fputs("new\n", sp_file_stream(f));
	CHECK(sp_file_commit(f, &err) == 0, "commit");
	CHECK(access(p[0], F_OK) != 0 && access(p[1], F_OK) != 0, "stale temporary files removed");
	CHECK(access(p[2], F_OK) == 0, "a fresh temporary file is kept");
	CHECK(access(p[3], F_OK) == 0 && access(p[4], F_OK) == 0 && access(p[6], F_OK) == 0,
	    "other names and directories are kept");
	CHECK(strcmp(slurp(path), "new\n") == 0, "the target is replaced");
	CHECK(sp_file_check_writable(path, &err) == 0, "writable");
	CHECK(count_tmp(dir) == 4, "no temporary file left by the check (%d)", count_tmp(dir));
	snprintf(p[7], sizeof p[7], "%s/nodir/m.ar", dir);
	CHECK(sp_file_check_writable(p[7], &err) == SP_EIO && strstr(err.msg, "cannot create"),
	    "not writable: %s", err.msg);
	/* relative to the current directory */
	CHECK(chdir(dir) == 0, "chdir");
	touch_at("m.ar.tmp.Rel123", old);
	CHECK(sp_file_clean_stale("m.ar") == 1 && access("m.ar.tmp.Rel123", F_OK) != 0, "relative path");
	CHECK(chdir("/") == 0, "chdir /");
	/* SP_FILE_NOCLEAN leaves stale files; the directory's clean-up removes
	 * those of every target in one pass, fresh ones and others kept */
	touch_at(p[0], old);
	f = sp_file_create(path, SP_FILE_NOCLEAN, &err);
	CHECK(f != NULL, "create NOCLEAN: %s", err.msg);
	if (f)
		CHECK(sp_file_commit(f, &err) == 0, "commit");
	CHECK(access(p[0], F_OK) == 0, "NOCLEAN: the stale file is left");
	CHECK(sp_file_clean_stale_dir(dir) == 2, "clean_stale_dir: m.ar's and other's stale files");
	CHECK(access(p[0], F_OK) != 0 && access(p[4], F_OK) != 0, "both removed");
	CHECK(access(p[2], F_OK) == 0 && access(p[3], F_OK) == 0 && access(p[6], F_OK) == 0,
	    "the fresh file, other names and the directory kept");
	for (i = 2; i < 6; i++)
		unlink(p[i]);
	rmdir(p[6]);
	rmdir(dir);
}

static void
test_state(void)
{
	CHECK(sp_burst_state_parse("burst", 5) == SP_BURST_BURST, "burst");
	CHECK(sp_burst_state_parse("normal", 6) == SP_BURST_NORMAL, "normal");
	CHECK(sp_burst_state_parse("spike", 5) == SP_BURST_SPIKE, "spike");
	CHECK(sp_burst_state_parse("bursts", 5) == SP_BURST_BURST, "first n bytes");
	CHECK(sp_burst_state_parse("Burst", 5) == -1, "case");
	CHECK(sp_burst_state_parse("", 0) == -1, "empty");
	CHECK(sp_burst_state_parse("burst ", 6) == -1, "trailing space");
	CHECK(strcmp(sp_burst_state_name(SP_BURST_SPIKE), "spike") == 0, "name");
}

/* Many files, one sync: close keeps the old file in place, publish puts
 * the new one there; a failed publish and an abort of a closed file leave
 * no temporary file; sync_fs names a missing directory. */
static void
test_batch(void)
{
	char dir[] = "/tmp/sp-batch.XXXXXX", a[256], b[256], sub[256];
	sp_file *fa, *fb, *fc;
	sp_error err;
	FILE *fp;
	const char *s;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	snprintf(sub, sizeof sub, "%s/sub", dir);
	if ((fp = fopen(a, "w"))) {
		fputs("old a\n", fp);
		fclose(fp);
	}
	fa = sp_file_create(a, SP_FILE_PUBLIC, &err);
	fb = sp_file_create(b, SP_FILE_PUBLIC, &err);
	CHECK(fa && fb, "create: %s", err.msg);
	if (!fa || !fb)
		return;
	fputs("new a\n", sp_file_stream(fa));
	fputs("new b\n", sp_file_stream(fb));
	CHECK(sp_file_close(fa, &err) == 0 && sp_file_close(fb, &err) == 0, "close: %s", err.msg);
	s = slurp(a);
	CHECK(s && strcmp(s, "old a\n") == 0, "closed: the old file still in place (%s)", s ? s : "none");
	CHECK(access(b, F_OK) != 0, "closed: no new file in place yet");
	CHECK(count_tmp(dir) == 2, "two temporary files wait");
	CHECK(sp_file_sync_fs(dir, &err) == 0, "sync_fs: %s", err.msg);
	CHECK(sp_file_publish(fa, &err) == 0 && sp_file_publish(fb, &err) == 0, "publish: %s", err.msg);
	s = slurp(a);
	CHECK(s && strcmp(s, "new a\n") == 0, "published a (%s)", s ? s : "none");
	s = slurp(b);
	CHECK(s && strcmp(s, "new b\n") == 0, "published b (%s)", s ? s : "none");
	CHECK(count_tmp(dir) == 0, "no temporary file left");
	/* a publish that cannot rename (the target is a non-empty directory) */
	CHECK(mkdir(sub, 0700) == 0, "mkdir");
	snprintf(b, sizeof b, "%s/sub/x", dir);
	if ((fp = fopen(b, "w")))
		fclose(fp);
	fc = sp_file_create(sub, SP_FILE_PUBLIC, &err);
	CHECK(fc != NULL, "create: %s", err.msg);
	if (fc) {
		CHECK(sp_file_close(fc, &err) == 0, "close");
		CHECK(sp_file_publish(fc, &err) == SP_EIO && strstr(err.msg, "write failed"), "publish over a directory: %s",
		    err.msg);
	}
	fc = sp_file_create(a, SP_FILE_PUBLIC, &err);
	if (fc) {
		CHECK(sp_file_close(fc, &err) == 0, "close");
		sp_file_abort(fc);
	}
	CHECK(count_tmp(dir) == 0, "failed publish and abort: no temporary file left");
	s = slurp(a);
	CHECK(s && strcmp(s, "new a\n") == 0, "abort: the file untouched");
	snprintf(b, sizeof b, "%s/none", dir);
	CHECK(sp_file_sync_fs(b, &err) == SP_EIO && strstr(err.msg, "cannot open"), "sync_fs of a missing dir: %s",
	    err.msg);
	unlink(a);
	snprintf(b, sizeof b, "%s/b", dir);
	unlink(b);
	snprintf(b, sizeof b, "%s/sub/x", dir);
	unlink(b);
	rmdir(sub);
	rmdir(dir);
}

int
main(void)
{
	test_file();
	test_batch();
	test_stale();
	test_state();
	return check_summary();
}
