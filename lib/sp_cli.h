/* sp_cli: the program front end shared by every tool's main().
 *
 * This is the one module of lib/ that prints and exits: it is only ever
 * called from tools/<tool>.c, never from another lib/ module.  It gives the
 * `tool: message` error family, exit codes (0 ok, 1 bad data or failed
 * operation, 2 usage), strict option-value parsing that turns a bad value into
 * a usage error naming the option, and the checked close of stdout.
 */
#ifndef SP_CLI_H
#define SP_CLI_H

#include <stdio.h>

#include "sp_err.h"

/* The suite version: the Makefile's VERSION, passed as -DSP_VERSION. */
#ifndef SP_VERSION
#error "SP_VERSION is set by the Makefile (VERSION)"
#endif

enum { SP_EXIT_OK = 0, SP_EXIT_FAIL = 1, SP_EXIT_USAGE = 2 };

/* Set the program name (basename of argv0), the usage synopsis printed on
 * usage errors, the C numeric locale and line-buffering policy.  Registers
 * sp_cli_close_stdout() with atexit(). */
void sp_cli_init(const char *argv0, const char *synopsis);
const char *sp_cli_progname(void);

/* `tool: message` (+ ": strerror(errno)" if fmt ends in ':'), exit 1. */
_Noreturn void sp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `tool: message`, the synopsis, "Try 'tool --help'...", exit 2. */
_Noreturn void sp_die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* After getopt_long has printed its own message for an unknown option or a
 * missing argument: print the synopsis and "Try ..." and exit 2. */
_Noreturn void sp_cli_bad_option(void);
/* `tool: message` to stderr, no exit. */
void sp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `tool: warning: MESSAGE: skipped`: a part of the input (a key of --by)
 * left out while the rest goes on; a callback (ctx unused). */
void sp_warn_skip(void *ctx, const sp_error *e);
/* `tool: warning: MESSAGE`: a callback (ctx unused), e.g. for the keys
 * that sp_state_forget_keys leaves out. */
void sp_warn_note(void *ctx, const sp_error *e);
/* Report an sp_error: exit 2 for SP_EUSAGE, else 1.  Runs the registered
 * cleanup (temporary files) first. */
_Noreturn void sp_die_err(const sp_error *err);
/* sp_die_err(err) when rc < 0; nothing otherwise. */
void sp_die_if(int rc, const sp_error *err);

/* Print "tool (scalepipe) VERSION" and exit 0. */
_Noreturn void sp_cli_version(void);

/* Option values: parse or die with a usage error naming the option,
 * e.g. "window: --resample: not a number: '6O'". */
double sp_cli_double(const char *opt, const char *arg, double min, double max);
long sp_cli_long(const char *opt, const char *arg, long min, long max);
/* Index of arg in a NULL-terminated list of choices, or a usage error listing them. */
int sp_cli_choice(const char *opt, const char *arg, const char *const *choices);
/* Comma-separated list of doubles into out[max]; returns the count. */
int sp_cli_doubles(const char *opt, const char *arg, double *out, int max, double min, double maxv);

/* The command line as one string ("arfit -p 12 --save m"), for the
 * `command` line of model files.  Built on the first call; owned by sp_cli. */
const char *sp_cli_cmdline(int argc, char **argv);

/* The input file operand: arg NULL or "-" is stdin (*name "-"), else the
 * file opened for reading (*name arg); `tool: FILE: reason`, exit 1, when
 * it cannot be opened. */
FILE *sp_cli_open_input(const char *arg, const char **name);
/* The optional FILE operand after the options (argv[first], first being
 * getopt's optind): it, or dflt when absent; more than one is a usage
 * error (exit 2). */
const char *sp_cli_input_arg(int argc, char **argv, int first, const char *dflt);

/* A data file the tools need at run time (the example service curve):
 * the first of $SCALEPIPE_DATADIR/NAME, <bindir>/../share/scalepipe/NAME
 * (an installed tool) and <bindir>/../data/NAME (a tool run from the
 * source tree's bin/) that exists, where <bindir> holds the running
 * program.  When none exists, the installed path, so that the error names
 * it.  The string is owned by sp_cli (valid until exit). */
const char *sp_cli_datafile(const char *name);
/* Where the last sp_cli_datafile() found its file. */
enum { SP_CLI_DATA_NONE, SP_CLI_DATA_ENV, SP_CLI_DATA_INSTALLED, SP_CLI_DATA_TREE };
int sp_cli_datafile_origin(void);

/* Progress of long work on stderr.  SP_CLI_PROGRESS_AUTO (the default)
 * shows it when stderr is a terminal, as one line rewritten in place;
 * _ON always (one line per update when stderr is not a terminal), _OFF
 * never (-q).  sp_cli_progress() is rate-limited to a few updates a
 * second, so a training loop may call it every step; the message is
 * prefixed with `tool: `.  sp_cli_progress_end() finishes the line (call
 * it before other output to stderr, e.g. -v lines or the final summary). */
enum { SP_CLI_PROGRESS_AUTO, SP_CLI_PROGRESS_ON, SP_CLI_PROGRESS_OFF };
void sp_cli_progress_mode(int mode);
int sp_cli_progress_enabled(void);
void sp_cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sp_cli_progress_end(void);

/* Flush and close stdout; on failure `tool: write error: ...` and exit 1.
 * Registered by sp_cli_init; safe to call more than once. */
void sp_cli_close_stdout(void);

/* Run fn(arg) before exiting on an error (e.g. remove a temporary file).
 * At most a handful of hooks; the last registered runs first. */
void sp_cli_on_error(void (*fn)(void *), void *arg);
void sp_cli_on_error_clear(void);

#endif
