/* sp_cli_http: the HTTP client options shared by promfetch, promexport and
 * scale, parsed in one place.  Front end like sp_cli (only tools call it): a
 * bad value is a usage error naming the option, exit 2.
 *
 * In a tool's usage text: SP_CLI_HTTP_RETRY_HELP SP_CLI_HTTP_AUTH_HELP.
 * In a tool's long-option table:
 *     SP_CLI_HTTP_RETRY_LONGOPTS,   --timeout --retries --retry-wait
 *     SP_CLI_HTTP_AUTH_LONGOPTS,    --bearer-token-file --bearer-token-env --user
 *                                   --password-file --cacert --cert --key --insecure
 * and in its getopt switch:
 *     default: if (!sp_cli_http_option(c, optarg, &ho, &auth)) sp_cli_bad_option();
 */
#ifndef SP_CLI_HTTP_H
#define SP_CLI_HTTP_H

#include <getopt.h>

#include "sp_http.h"

enum {
	SP_CLI_HTTP_TIMEOUT = 0x4000, SP_CLI_HTTP_RETRIES, SP_CLI_HTTP_RWAIT,
	SP_CLI_HTTP_TFILE, SP_CLI_HTTP_TENV, SP_CLI_HTTP_USER, SP_CLI_HTTP_PFILE,
	SP_CLI_HTTP_CACERT, SP_CLI_HTTP_CERT, SP_CLI_HTTP_KEY, SP_CLI_HTTP_INSECURE
};

#define SP_CLI_HTTP_RETRY_LONGOPTS \
	{ "timeout", required_argument, 0, SP_CLI_HTTP_TIMEOUT }, \
	{ "retries", required_argument, 0, SP_CLI_HTTP_RETRIES }, \
	{ "retry-wait", required_argument, 0, SP_CLI_HTTP_RWAIT }

#define SP_CLI_HTTP_AUTH_LONGOPTS \
	{ "bearer-token-file", required_argument, 0, SP_CLI_HTTP_TFILE }, \
	{ "bearer-token-env", required_argument, 0, SP_CLI_HTTP_TENV }, \
	{ "user", required_argument, 0, SP_CLI_HTTP_USER }, \
	{ "password-file", required_argument, 0, SP_CLI_HTTP_PFILE }, \
	{ "cacert", required_argument, 0, SP_CLI_HTTP_CACERT }, \
	{ "cert", required_argument, 0, SP_CLI_HTTP_CERT }, \
	{ "key", required_argument, 0, SP_CLI_HTTP_KEY }, \
	{ "insecure", no_argument, 0, SP_CLI_HTTP_INSECURE }

/* Their --help lines, to splice into a usage string. */
#define SP_CLI_HTTP_RETRY_HELP \
	"      --timeout SEC         per request [30]\n" \
	"      --retries N           retries on 5xx, 429 and network errors [2]\n" \
	"      --retry-wait SEC      first backoff, doubled each retry [1]\n"
#define SP_CLI_HTTP_AUTH_HELP \
	"      --bearer-token-file F bearer token from file F\n" \
	"      --bearer-token-env V  bearer token from environment variable V\n" \
	"      --user USER           basic auth user\n" \
	"      --password-file F     basic auth password from file F\n" \
	"      --cacert FILE         CA certificates to verify the server\n" \
	"      --cert FILE           client certificate (PEM)\n" \
	"      --key FILE            client key (PEM)\n" \
	"      --insecure            do not verify the server's certificate\n"

/* Apply option c (with its argument) to ho / auth: 1 if it was one of the
 * options above, 0 if not (the caller reports it).  auth may be NULL for a
 * tool without the auth options. */
int sp_cli_http_option(int c, const char *arg, sp_http_opts *ho, sp_http_auth *auth);

/* The tools' sp_http_opts.on_retry: when *(const int *)ctx (the tool's -v)
 * is set, `tool: attempt N failed (why); retrying in Ws`.  Set
 *     ho.on_retry = sp_cli_http_retry_warn; ho.on_retry_ctx = &verbose; */
void sp_cli_http_retry_warn(void *ctx, int attempt, double wait, const char *why);
/* The tools' sp_http_opts.trace: `tool: msg` when *(const int *)ctx is set. */
void sp_cli_http_trace(void *ctx, const char *msg);
/* -v of an HTTP tool: both callbacks above on ho, with ctx = verbose (an
 * int that must outlive ho's use). */
void sp_cli_http_verbose(sp_http_opts *ho, int *verbose);

#endif
