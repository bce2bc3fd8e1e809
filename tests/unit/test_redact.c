/* test_redact: credentials taken out of server text (sp_redact), each rule
 * with a hand-written expected string. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_redact.h"

static void
is(const char *in, const char *const *sec, size_t n, const char *want)
{
	char *got = sp_redact(in, strlen(in), sec, n);
	CHECK(got && strcmp(got, want) == 0, "redact '%s': got '%s', want '%s'", in, got ? got : "(null)", want);
	free(got);
}

int
main(void)
{
	const char *sec[] = { "tok-SECRET-42", NULL, "pw", "hunter22" };
	char buf[32];

	/* literal secrets (NULL and short ones skipped) */
	is("echo: tok-SECRET-42 and hunter22, pw", sec, 4, "echo: [redacted] and [redacted], pw");
	is("xtok-SECRET-42x", sec, 1, "x[redacted]x");
	/* Bearer / Basic, any case, the scheme kept */
	is("Authorization: Bearer abc.DEF-1~+/=", NULL, 0, "Authorization: [redacted]");
	is("got bearer  zz9 from", NULL, 0, "got bearer  [redacted] from");
	is("BASIC dXNlcjpwdw== then", NULL, 0, "BASIC [redacted] then");
	is("Basic auth failed", NULL, 0, "Basic [redacted] failed");
	is("Bearer", NULL, 0, "Bearer");
	is("unbearer x", NULL, 0, "unbearer x");
	/* key=value, key: value, JSON */
	is("GET /q?a=1&token=abc&b=2", NULL, 0, "GET /q?a=1&token=[redacted]&b=2");
	is("access_token=xyz;", NULL, 0, "access_token=[redacted];");
	is("{\"password\": \"p w\", \"user\": \"u\"}", NULL, 0, "{\"password\": \"[redacted]\", \"user\": \"u\"}");
	is("X-Api-Key: k1 rest", NULL, 0, "X-Api-Key: [redacted] rest");
	is("client_secret='s3' ok", NULL, 0, "client_secret='[redacted]' ok");
	is("authorization=Token abc def\nnext", NULL, 0, "authorization=[redacted]\nnext");
	is("invalid token near 'x'", NULL, 0, "invalid token near 'x'");
	is("tokenFile: /x", NULL, 0, "tokenFile: /x");
	is("token=", NULL, 0, "token=");
	/* URL user information */
	is("GET https://user:pw@host:6443/api failed", NULL, 0, "GET https://[redacted]@host:6443/api failed");
	is("http://host/a@b", NULL, 0, "http://host/a@b");
	is("://", NULL, 0, "://");
	/* PEM private keys, whole or cut */
	is("k -----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY----- z", NULL, 0, "k [redacted] z");
	is("-----BEGIN PRIVATE KEY-----\nMIIE", NULL, 0, "[redacted]");
	is("-----BEGIN CERTIFICATE-----\nMIIB", NULL, 0, "-----BEGIN CERTIFICATE-----\nMIIB");
	/* a NUL inside the text is kept, nothing read past len */
	{
		char *got = sp_redact("a\0token=x", 9, NULL, 0);
		CHECK(got && got[0] == 'a' && got[1] == '\0' && strcmp(got + 2, "token=[redacted]") == 0, "NUL kept");
		free(got);
	}
	/* in place, cut to the buffer */
	strcpy(buf, "say Bearer tok-SECRET-42 x");
	sp_redact_buf(buf, sizeof buf, sec, 1);
	CHECK(strcmp(buf, "say Bearer [redacted] x") == 0, "buf: %s", buf);
	strcpy(buf, "tok-SECRET-42 tok-SECRET-42 tok");
	sp_redact_buf(buf, 16, sec, 1);
	CHECK(strcmp(buf, "[redacted] [red") == 0, "buf cut: %s", buf);
	return check_summary();
}
