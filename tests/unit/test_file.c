/* sp_file: atomic replacement; sp_burst_state_parse. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int
main(void)
{
	test_file();
	test_state();
	return check_summary();
}
