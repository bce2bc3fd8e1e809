/* sp_cli_http: shared HTTP client options; see sp_cli_http.h. */
#include "sp_cli_http.h"

#include "sp_cli.h"

int
sp_cli_http_option(int c, const char *arg, sp_http_opts *ho, sp_http_auth *auth)
{
	switch (c) {
	case SP_CLI_HTTP_TIMEOUT: ho->timeout = sp_cli_double("--timeout", arg, 0.001, 86400); return 1;
	case SP_CLI_HTTP_RETRIES: ho->retries = (int)sp_cli_long("--retries", arg, 0, 100); return 1;
	case SP_CLI_HTTP_RWAIT: ho->retry_wait = sp_cli_double("--retry-wait", arg, 0, 3600); return 1;
	case SP_CLI_HTTP_CACERT: ho->cacert = arg; return 1;
	case SP_CLI_HTTP_CERT: ho->cert = arg; return 1;
	case SP_CLI_HTTP_KEY: ho->key = arg; return 1;
	case SP_CLI_HTTP_INSECURE: ho->insecure = 1; return 1;
	}
	if (!auth)
		return 0;
	switch (c) {
	case SP_CLI_HTTP_TFILE: auth->token_file = arg; return 1;
	case SP_CLI_HTTP_TENV: auth->token_env = arg; return 1;
	case SP_CLI_HTTP_USER: auth->user = arg; return 1;
	case SP_CLI_HTTP_PFILE: auth->password_file = arg; return 1;
	}
	return 0;
}

void
sp_cli_http_retry_warn(void *ctx, int attempt, double wait, const char *why)
{
	if (ctx && *(const int *)ctx)
		sp_warn("attempt %d failed (%s); retrying in %gs", attempt, why, wait);
}

void
sp_cli_http_trace(void *ctx, const char *msg)
{
	if (ctx && *(const int *)ctx)
		sp_warn("%s", msg);
}

void
sp_cli_http_verbose(sp_http_opts *ho, int *verbose)
{
	ho->on_retry = sp_cli_http_retry_warn;
	ho->on_retry_ctx = verbose;
	ho->trace = sp_cli_http_trace;
	ho->trace_ctx = verbose;
}
