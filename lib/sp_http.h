/* sp_http: one HTTP(S) request over libcurl, with the policies every
 * cluster-facing tool needs.
 *
 * - Timeouts: a connect timeout and a total timeout per attempt.
 * - Retries with exponential backoff (wait, 2*wait, 4*wait, ... capped at
 *   30 s) on transport failures (refused, reset, timeout, DNS) and on HTTP
 *   5xx and 429 answers.  Other 4xx answers are returned at once.
 * - TLS: a CA file or an in-memory PEM CA, a client certificate and key
 *   (files or in-memory PEM), and `insecure` (no peer/host verification)
 *   only when asked for.
 * - Auth: a bearer token (sent as an Authorization header) or HTTP basic
 *   auth.  Secrets are never copied into an error message; messages name
 *   the method and URL only, and URLs must not carry credentials.
 *
 * - A deadline: an optional absolute time (sp_http_set_deadline) that no
 *   attempt and no backoff may pass, shared by every request made with
 *   the options, so a tool's retries over several requests fit one wall
 *   time budget.
 * - Redaction: server text is passed through sp_redact with the secrets
 *   of the options (sp_http_redact) before it reaches a message.
 *
 * The whole answer body is kept in memory (capped at max_body bytes).
 * After a completed exchange sp_http_request returns 0 with the status in
 * resp->status whatever it is (the caller interprets 4xx/5xx bodies); it
 * returns SP_ENET only when no HTTP answer was obtained, after the retries.
 */
#ifndef SP_HTTP_H
#define SP_HTTP_H

#include <stddef.h>
#include <stdio.h>

#include "sp_err.h"

/* A connection cache for a run of requests (see sp_http_session_new). */
typedef struct sp_http_session sp_http_session;

typedef struct sp_http_opts {
	double timeout;          /* seconds per attempt, whole exchange [30] */
	double connect_timeout;  /* seconds [10] */
	int retries;             /* extra attempts after the first [2] */
	double retry_wait;       /* first backoff in seconds, doubled each time [1] */
	const char *cacert;      /* CA bundle file, or NULL for the system store */
	const char *ca_pem;      /* CA certificates as PEM text (kubeconfig data) */
	size_t ca_pem_len;
	const char *cert, *key;  /* client certificate and key files (PEM) */
	const char *cert_pem, *key_pem;  /* or as PEM text */
	size_t cert_pem_len, key_pem_len;
	int insecure;            /* skip TLS verification */
	const char *bearer;      /* token, or NULL */
	const char *user, *password;  /* basic auth, or NULL */
	const char *accept;      /* Accept header, or NULL */
	int compressed;          /* ask for gzip/deflate (saves bandwidth, costs server CPU) */
	size_t max_body;         /* largest body accepted [512 MiB] */
	double deadline;         /* CLOCK_MONOTONIC seconds no request may pass,
	                            or 0 for none (sp_http_set_deadline) */
	double deadline_total;   /* the budget it was set from, for messages */
	/* Called before each retry with the attempt number (1-based) and the
	 * reason ("HTTP 503", "Timeout was reached"); may be NULL.  The tool
	 * uses it for -v output; the text never contains secrets. */
	void (*on_retry)(void *ctx, int attempt, double wait, const char *why);
	void *on_retry_ctx;
	/* The -v trace of the modules that talk HTTP through these options
	 * (sp_prom_fetch, sp_expo_push, sp_kube_apply): one line per request,
	 * answer or decision ("GET URL", "HTTP 200, 512 bytes"), through
	 * sp_http_trace; may be NULL.  The text never contains secrets. */
	void (*trace)(void *ctx, const char *msg);
	void *trace_ctx;
	/* A session (sp_http_session_new) whose connections requests made
	 * with these options reuse (keep-alive, TLS session), or NULL: each
	 * request opens its own connection and closes it. */
	sp_http_session *session;
} sp_http_opts;

typedef struct sp_http_resp {
	long status;       /* HTTP status code */
	char *body;        /* NUL-terminated, owned; free with sp_http_resp_free */
	size_t len;
	int attempts;      /* how many requests were made */
	int too_large;     /* set on failure: the answer was larger than max_body
	                      (SP_ENET "METHOD URL: answer larger than N bytes");
	                      0 otherwise */
} sp_http_resp;

/* Fill o with the defaults listed above. */
void sp_http_opts_init(sp_http_opts *o);

/* method: "GET", "POST", "PUT", "PATCH", "DELETE".  ctype/body may be NULL.
 * 0 with *resp filled, or < 0 with err set (resp zeroed, but for
 * resp->too_large: 1 when the failure is an answer over max_body, which is
 * not retried; a caller that can ask for less tests it, not the message). */
int sp_http_request(const sp_http_opts *o, const char *method, const char *url,
    const char *ctype, const char *body, size_t blen, sp_http_resp *resp, sp_error *err);
void sp_http_resp_free(sp_http_resp *resp);

/* A session: one libcurl handle kept for a run, so that consecutive
 * requests to the same server reuse its open connection (and TLS session)
 * instead of connecting anew each time.  Point sp_http_opts.session at it;
 * every request still sets all its options afresh (timeouts, the deadline,
 * TLS, auth, headers), so behaviour, retries and messages are those of a
 * request without a session; a connection that the server closed is
 * replaced by libcurl.  One thread at a time.  new: NULL with err
 * (SP_ENOMEM, or SP_ENET when libcurl cannot start).  free: NULL is fine;
 * closes the connections. */
sp_http_session *sp_http_session_new(sp_error *err);
void sp_http_session_free(sp_http_session *s);
/* Requests (attempts) made through s, and the new connections they opened
 * (the rest reused one). */
long sp_http_session_requests(const sp_http_session *s);
long sp_http_session_connects(const sp_http_session *s);

/* Give every later request made with o at most `seconds` of wall time in
 * all, from now (CLOCK_MONOTONIC): each attempt's timeout is cut to what is
 * left, no retry starts (and no backoff sleeps) past it, and a request that
 * runs out fails with SP_ENET "METHOD URL: no answer within the deadline
 * of Ns (after K attempts)".  seconds <= 0 clears it. */
void sp_http_set_deadline(sp_http_opts *o, double seconds);

/* The secrets held by o (bearer token, password, client key PEM) into
 * out[0..2]; returns how many (for sp_redact). */
size_t sp_http_secrets(const sp_http_opts *o, const char *out[3]);
/* When rc < 0: err's message passed through sp_redact with o's secrets.
 * Returns rc (so `return sp_http_redact(rc, o, err)` reads naturally).
 * The modules that print server text (sp_kube, sp_prom_fetch) already do
 * this; a tool calls it on the errors of other modules. */
int sp_http_redact(int rc, const sp_http_opts *o, sp_error *err);

/* Format a message and hand it to o->trace (nothing when it is NULL). */
void sp_http_trace(const sp_http_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Percent-encode s for a query string value (RFC 3986 unreserved kept).
 * Returns a malloc'd string or NULL. */
char *sp_http_escape(const char *s);

/* Read a secret file (token, password): whole file, one trailing newline
 * (and CR) removed, must not be empty.  Only a regular file (or a symlink
 * to one) is read: a FIFO, device or directory is SP_EIO "PATH: not a
 * regular file" (opened without blocking, so a FIFO never hangs the
 * reader).  The message names the file, never the contents.  Returns a
 * malloc'd string or NULL. */
char *sp_http_read_secret(const char *path, sp_error *err);

/* Overwrite and free a secret string; NULL is fine. */
void sp_http_secret_free(char *s);

/* fopen(path, "rb") for a regular file only: as sp_http_read_secret, a
 * FIFO, device or directory is refused without blocking ("PATH: not a
 * regular file"); other failures "PATH: strerror".  NULL and err. */
FILE *sp_http_fopen_regular(const char *path, sp_error *err);

/* Credentials as the tools take them: a bearer token from a file or an
 * environment variable, or basic auth (user + password file).  Load reads
 * the secrets and points o->bearer / o->user / o->password at them; at most
 * one of token_file and token_env, and no token together with a user. */
typedef struct sp_http_auth {
	const char *token_file, *token_env, *user, *password_file;
	char *token, *password;   /* owned, wiped by sp_http_auth_free */
} sp_http_auth;
int sp_http_auth_load(sp_http_auth *a, sp_http_opts *o, sp_error *err);
void sp_http_auth_free(sp_http_auth *a);

#endif
