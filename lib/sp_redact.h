/* sp_redact: take credentials out of text that came from a server before
 * anything prints it.
 *
 * A server or a proxy may echo the request it got (headers included) in an
 * error body, a Status message or a Prometheus `error` string.  Every tool
 * that prints server text (scale, promfetch, promexport) passes it through
 * sp_redact first.  What is replaced by "[redacted]":
 *
 * - each of the caller's secrets (the token, password and key in use)
 *   wherever it occurs literally; secrets shorter than SP_REDACT_MIN_SECRET
 *   characters are not matched literally (they would garble every message),
 *   the patterns below still apply;
 * - the credential after "Bearer" or "Basic" (any case) and one or more
 *   spaces: a run of token characters [A-Za-z0-9._~+/=-];
 * - the value of a key whose name ends in token, password, passwd, secret,
 *   apikey, api_key, api-key or is authorization (any case; "access_token",
 *   "X-Api-Key" included), written key=value, key: value, "key": "value" or
 *   key="value": up to the next space, quote, '&', ',', ';', '}' or ')',
 *   or for authorization up to the end of the line or the closing quote;
 * - the user information of a URL (scheme://user:password@host keeps
 *   scheme://[redacted]@host);
 * - a PEM private key block (-----BEGIN ... PRIVATE KEY----- to its END
 *   line, or to the end of the text when cut).
 *
 * Nothing else changes.  The result can be longer than the input.
 */
#ifndef SP_REDACT_H
#define SP_REDACT_H

#include <stddef.h>

#define SP_REDACT_MIN_SECRET 4
#define SP_REDACT_MARK "[redacted]"

/* text[0..len) redacted into a malloc'd NUL-terminated string (NULL only on
 * allocation failure).  secrets: n strings, NULL entries skipped. */
char *sp_redact(const char *text, size_t len, const char *const *secrets, size_t n);

/* The NUL-terminated string in buf (capacity size) redacted in place; the
 * result is cut to size - 1 bytes when it grows past it.  On allocation
 * failure buf is overwritten with SP_REDACT_MARK (never left unredacted). */
void sp_redact_buf(char *buf, size_t size, const char *const *secrets, size_t n);

#endif
