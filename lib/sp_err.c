/* sp_err: error values; see sp_err.h. */
#include "sp_err.h"

#include <stdio.h>
#include <string.h>

int
sp_error_vset(sp_error *err, sp_status code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

int
sp_error_set(sp_error *err, sp_status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sp_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int
sp_error_prefix(sp_error *err, const char *fmt, ...)
{
	char pre[SP_ERRMSG_MAX], old[SP_ERRMSG_MAX];
	va_list ap;

	if (!err)
		return SP_EDATA;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s: %s", pre, old);
	return err->code;
}

void
sp_error_clear(sp_error *err)
{
	if (err) {
		err->code = SP_OK;
		err->msg[0] = '\0';
	}
}
