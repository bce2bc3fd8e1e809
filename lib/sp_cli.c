/* sp_cli: program front end; see sp_cli.h.  The only lib/ module that
 * prints or exits. */
#include "sp_cli.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sp_num.h"

static const char *progname = "scalepipe";
static const char *usage_synopsis = "";
static int stdout_closed;

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
sp_die_err(const sp_error *err)
{
	if (err && err->code == SP_EUSAGE)
		sp_die_usage("%s", err->msg);
	sp_die("%s", err && err->msg[0] ? err->msg : "unknown error");
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
