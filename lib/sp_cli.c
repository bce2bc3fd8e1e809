/* sp_cli: program front end; see sp_cli.h.  The only lib/ module that
 * prints or exits. */
#include "sp_cli.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sp_num.h"
#include "sp_time.h"

static const char *progname = "scalepipe";
static const char *usage_synopsis = "";
static int stdout_closed;
static int progress_open;      /* a progress line is on the terminal */

#define MAX_HOOKS 8
static struct { void (*fn)(void *); void *arg; } hooks[MAX_HOOKS];
static int nhooks;

void
sp_cli_on_error(void (*fn)(void *), void *arg)
{
	if (nhooks < MAX_HOOKS) {
		hooks[nhooks].fn = fn;
		hooks[nhooks].arg = arg;
		nhooks++;
	}
}

void
sp_cli_on_error_clear(void)
{
	nhooks = 0;
}

static void
run_hooks(void)
{
	while (nhooks > 0) {
		nhooks--;
		hooks[nhooks].fn(hooks[nhooks].arg);
	}
}

void
sp_cli_init(const char *argv0, const char *synopsis)
{
	const char *s = argv0 ? strrchr(argv0, '/') : NULL;

	progname = s ? s + 1 : (argv0 && *argv0 ? argv0 : "scalepipe");
	usage_synopsis = synopsis ? synopsis : "";
	setlocale(LC_ALL, "C");
	atexit(sp_cli_close_stdout);
}

const char *
sp_cli_progname(void)
{
	return progname;
}

static void
vmsg(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	fflush(stdout);
	sp_cli_progress_end();
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
sp_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	run_hooks();
	stdout_closed = 1;   /* one message is enough: no second "write error" */
	exit(SP_EXIT_FAIL);
}

void
sp_die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: %s\nTry '%s --help' for more information.\n",
	    usage_synopsis, progname);
	run_hooks();
	exit(SP_EXIT_USAGE);
}

void
sp_cli_bad_option(void)
{
	fflush(stdout);
	fprintf(stderr, "usage: %s\nTry '%s --help' for more information.\n",
	    usage_synopsis, progname);
	run_hooks();
	exit(SP_EXIT_USAGE);
}

void
sp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
sp_warn_skip(void *ctx, const sp_error *e)
{
	(void)ctx;
	sp_warn("warning: %s: skipped", e->msg);
}

void
sp_warn_note(void *ctx, const sp_error *e)
{
	(void)ctx;
	sp_warn("warning: %s", e->msg);
}

void
sp_die_err(const sp_error *err)
{
	if (err && err->code == SP_EUSAGE)
		sp_die_usage("%s", err->msg);
	sp_die("%s", err && err->msg[0] ? err->msg : "unknown error");
}

void
sp_die_if(int rc, const sp_error *err)
{
	if (rc < 0)
		sp_die_err(err);
}

void
sp_cli_version(void)
{
	printf("%s (scalepipe) %s\n", progname, SP_VERSION);
	exit(SP_EXIT_OK);
}

double
sp_cli_double(const char *opt, const char *arg, double min, double max)
{
	double v;

	if (sp_num_parse_double(arg, &v) != 0)
		sp_die_usage("%s: not a number: '%s'", opt, arg);
	if (!(v >= min && v <= max))
		sp_die_usage("%s: %s is out of range [%g, %g]", opt, arg, min, max);
	return v;
}

long
sp_cli_long(const char *opt, const char *arg, long min, long max)
{
	long v;

	if (sp_num_parse_long(arg, &v) != 0)
		sp_die_usage("%s: not an integer: '%s'", opt, arg);
	if (v < min || v > max)
		sp_die_usage("%s: %s is out of range [%ld, %ld]", opt, arg, min, max);
	return v;
}

int
sp_cli_choice(const char *opt, const char *arg, const char *const *choices)
{
	char list[256] = "";
	int i;

	for (i = 0; choices[i]; i++)
		if (strcmp(arg, choices[i]) == 0)
			return i;
	for (i = 0; choices[i]; i++) {
		if (i)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, choices[i], sizeof list - strlen(list) - 1);
	}
	sp_die_usage("%s: invalid choice '%s' (one of: %s)", opt, arg, list);
}

int
sp_cli_doubles(const char *opt, const char *arg, double *out, int max, double min, double maxv)
{
	char buf[1024], *p, *tok, *save = NULL;
	int n = 0;

	if (strlen(arg) >= sizeof buf)
		sp_die_usage("%s: list too long", opt);
	strcpy(buf, arg);
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (n >= max)
			sp_die_usage("%s: at most %d values", opt, max);
		out[n++] = sp_cli_double(opt, tok, min, maxv);
	}
	if (n == 0)
		sp_die_usage("%s: empty list", opt);
	return n;
}

static char *cmdline_buf;

static void
free_cmdline(void)
{
	free(cmdline_buf);
}

FILE *
sp_cli_open_input(const char *arg, const char **name)
{
	FILE *fp;
	if (!arg || strcmp(arg, "-") == 0) {
		*name = "-";
		return stdin;
	}
	if (!(fp = fopen(arg, "r")))
		sp_die("%s:", arg);
	*name = arg;
	return fp;
}

const char *
sp_cli_cmdline(int argc, char **argv)
{
	size_t n = 1;
	int i;

	if (cmdline_buf)
		return cmdline_buf;
	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if (!(cmdline_buf = malloc(n)))
		sp_die("out of memory");
	cmdline_buf[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(cmdline_buf, " ");
		strcat(cmdline_buf, argv[i]);
	}
	atexit(free_cmdline);
	return cmdline_buf;
}

void
sp_cli_close_stdout(void)
{
	int bad;

	if (stdout_closed)
		return;
	stdout_closed = 1;
	errno = 0;
	bad = ferror(stdout);
	if (fclose(stdout) != 0 || bad) {
		if (errno == 0)
			errno = EIO;
		fprintf(stderr, "%s: write error: %s\n", progname, strerror(errno));
		run_hooks();
		_exit(SP_EXIT_FAIL);
	}
}

/* ---- data files ---- */

static char *datafile_buf;
static int datafile_registered;
static int datafile_origin;

int
sp_cli_datafile_origin(void)
{
	return datafile_origin;
}

static void
free_datafile(void)
{
	free(datafile_buf);
}

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *
sp_cli_datafile(const char *name)
{
	static const char *const rel[] = { "../share/scalepipe", "../data" };
	const char *env = getenv("SCALEPIPE_DATADIR");
	char exe[4096], *slash, *cand[3] = { NULL, NULL, NULL };
	int origin[3] = { SP_CLI_DATA_NONE, SP_CLI_DATA_NONE, SP_CLI_DATA_NONE };
	ssize_t n;
	size_t i;
	int k = 0;

	datafile_origin = SP_CLI_DATA_NONE;
	if (env && *env && asprintf(&cand[k], "%s/%s", env, name) >= 0)
		origin[k++] = SP_CLI_DATA_ENV;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		for (i = 0; i < sizeof rel / sizeof rel[0]; i++)
			if (asprintf(&cand[k], "%s/%s/%s", exe, rel[i], name) >= 0)
				origin[k++] = i == 0 ? SP_CLI_DATA_INSTALLED : SP_CLI_DATA_TREE;
	}
	free(datafile_buf);
	datafile_buf = NULL;
	for (i = 0; i < (size_t)k; i++)
		if (!datafile_buf && is_file(cand[i])) {
			char *rp = origin[i] == SP_CLI_DATA_ENV ? NULL : realpath(cand[i], NULL);
			datafile_buf = rp ? rp : cand[i];   /* no "bin/../" in messages */
			datafile_origin = origin[i];
			if (!rp)
				cand[i] = NULL;
		}
	if (!datafile_buf && k > 0) {
		/* $SCALEPIPE_DATADIR's or the installed location, for the message */
		datafile_buf = cand[0];
		cand[0] = NULL;
	}
	for (i = 0; i < (size_t)k; i++)
		free(cand[i]);
	if (!datafile_buf && asprintf(&datafile_buf, "%s", name) < 0)
		datafile_buf = NULL;
	if (!datafile_registered) {
		datafile_registered = 1;
		atexit(free_datafile);
	}
	return datafile_buf ? datafile_buf : name;
}

/* ---- progress ---- */

static int progress_mode = SP_CLI_PROGRESS_AUTO;
static double progress_last;   /* CLOCK_MONOTONIC of the last update */

void
sp_cli_progress_mode(int mode)
{
	progress_mode = mode;
}

int
sp_cli_progress_enabled(void)
{
	if (progress_mode == SP_CLI_PROGRESS_AUTO)
		return isatty(STDERR_FILENO);
	return progress_mode == SP_CLI_PROGRESS_ON;
}

void
sp_cli_progress(const char *fmt, ...)
{
	double now;
	va_list ap;
	int tty;

	if (!sp_cli_progress_enabled())
		return;
	now = sp_time_mono();
	if (progress_last > 0 && now - progress_last < 0.25)
		return;
	progress_last = now;
	tty = isatty(STDERR_FILENO);
	fprintf(stderr, "%s%s: ", tty ? "\r\033[K" : "", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (tty) {
		progress_open = 1;
		fflush(stderr);
	} else {
		fputc('\n', stderr);
	}
}

void
sp_cli_progress_end(void)
{
	if (progress_open) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		progress_open = 0;
	}
	progress_last = 0;
}

const char *
sp_cli_input_arg(int argc, char **argv, int first, const char *dflt)
{
	if (argc - first > 1)
		sp_die_usage("unexpected argument '%s'", argv[first + 1]);
	return argc - first == 1 ? argv[first] : dflt;
}
