/* sp_err: errors as values.
 *
 * Every lib/ function that can fail takes an optional `sp_error *err` and
 * returns a negative sp_status (or NULL) after filling it.  Library code never
 * prints and never exits; tools turn an sp_error into `tool: message` and an
 * exit status (see sp_cli.h).  Messages already carry their location
 * ("row 12, column load: ..." or "model.ar:7: ...").
 */
#ifndef SP_ERR_H
#define SP_ERR_H

#include <stdarg.h>

typedef enum {
	SP_OK = 0,
	SP_EDATA = -1,   /* bad input data: parse error, NaN, wrong column, ... */
	SP_EIO = -2,     /* read or write failed (errno-based) */
	SP_EUSAGE = -3,  /* caller asked for something impossible (bad option value) */
	SP_ENOMEM = -4,  /* allocation failed */
	SP_EMODEL = -5,  /* model file malformed, wrong kind, version or size */
	SP_ENET = -6,    /* network or remote server error */
	SP_EEOF = 1      /* not an error: end of input (sp_csv_next) */
} sp_status;

#define SP_ERRMSG_MAX 512

typedef struct sp_error {
	sp_status code;
	char msg[SP_ERRMSG_MAX];
} sp_error;

/* Fill err (if non-NULL) with a printf-style message; returns code, so
 * `return sp_error_set(err, SP_EDATA, "...")` reads naturally. */
int sp_error_set(sp_error *err, sp_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sp_error_vset(sp_error *err, sp_status code, const char *fmt, va_list ap);

/* Prefix an existing message: "ctx: old message".  Returns err->code. */
int sp_error_prefix(sp_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clear an error to SP_OK and an empty message. */
void sp_error_clear(sp_error *err);

#endif
