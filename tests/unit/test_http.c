/* test_http: the parts of sp_http that need no server (see
 * tests/integration/ for real servers): escaping, secrets, auth options, and
 * a refused connection on a loopback port nobody listens on; sessions
 * (connections reused) against a forked keep-alive server (mini_httpd.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mini_httpd.h"
#include "sp_http.h"

static const char *
answer(const char *path, int *status, int *close_it)
{
	if (strcmp(path, "/busy") == 0)
		*status = 503;
	*close_it = strcmp(path, "/close") == 0;
	return "{\"ok\":1}";
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

int
main(void)
{
	char dir[] = "/tmp/sp-test-http.XXXXXX", path[256], url[64];
	sp_http_opts o;
	sp_http_auth a;
	sp_http_resp resp;
	sp_error err;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	char *s;
	int fd;
	struct timespec t0, t1;
	double el;

	s = sp_http_escape("sum(rate(x{a=\"b c\"}[5m])) / 2~");
	CHECK(s && strcmp(s, "sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29%29%20%2F%202~") == 0, "escape: %s", s);
	free(s);

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/tok", dir);
	write_file(path, "abc.def\r\n");
	s = sp_http_read_secret(path, &err);
	CHECK(s && strcmp(s, "abc.def") == 0, "secret with CRLF");
	sp_http_secret_free(s);
	write_file(path, "\n");
	CHECK(!sp_http_read_secret(path, &err) && strstr(err.msg, ": empty"), "empty secret: %s", err.msg);
	write_file(path, "alpha\nbeta\n");
	CHECK(!sp_http_read_secret(path, &err) && strstr(err.msg, "more than one line") &&
	    !strstr(err.msg, "alpha"), "two lines, contents not echoed: %s", err.msg);
	write_file(path, "SECRET-TOKEN\n");

	sp_http_opts_init(&o);
	memset(&a, 0, sizeof a);
	a.token_file = path;
	CHECK(sp_http_auth_load(&a, &o, &err) == 0 && o.bearer && strcmp(o.bearer, "SECRET-TOKEN") == 0, "token file");
	sp_http_auth_free(&a);
	memset(&a, 0, sizeof a);
	setenv("SP_TEST_TOKEN", "T2", 1);
	a.token_env = "SP_TEST_TOKEN";
	sp_http_opts_init(&o);
	CHECK(sp_http_auth_load(&a, &o, &err) == 0 && strcmp(o.bearer, "T2") == 0, "token env");
	sp_http_auth_free(&a);
	memset(&a, 0, sizeof a);
	a.user = "u";
	a.password_file = path;
	sp_http_opts_init(&o);
	CHECK(sp_http_auth_load(&a, &o, &err) == 0 && strcmp(o.user, "u") == 0 &&
	    strcmp(o.password, "SECRET-TOKEN") == 0 && !o.bearer, "basic");
	sp_http_auth_free(&a);
	memset(&a, 0, sizeof a);
	a.token_env = "SP_TEST_TOKEN";
	a.token_file = path;
	CHECK(sp_http_auth_load(&a, &o, &err) == SP_EUSAGE, "file and env");
	memset(&a, 0, sizeof a);
	a.token_env = "SP_TEST_UNSET_VAR";
	CHECK(sp_http_auth_load(&a, &o, &err) == SP_EUSAGE && strstr(err.msg, "SP_TEST_UNSET_VAR"), "unset env");
	/* a FIFO as a secret file: refused at once, never waited on */
	unlink(path);
	CHECK(mkfifo(path, 0600) == 0, "mkfifo");
	CHECK(!sp_http_read_secret(path, &err) && strstr(err.msg, "not a regular file"), "FIFO: %s", err.msg);
	unlink(path);
	rmdir(dir);

	/* a bound but not listening socket: connection refused, deterministic */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0, "bind");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(sa.sin_port));
	sp_http_opts_init(&o);
	o.retries = 1;
	o.retry_wait = 0.01;
	o.bearer = "SECRET-TOKEN";
	CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == SP_ENET &&
	    strstr(err.msg, "(after 2 attempts)") && strstr(err.msg, url) && !strstr(err.msg, "SECRET"),
	    "refused: %s", err.msg);
	CHECK(resp.body == NULL, "no body");
	o.retries = 0;
	CHECK(sp_http_request(&o, "PATCH", url, "application/json", "{}", 2, &resp, &err) == SP_ENET &&
	    strncmp(err.msg, "PATCH http://127.0.0.1:", 23) == 0 && !strstr(err.msg, "attempts"), "patch: %s", err.msg);
	close(fd);

	/* a server that accepts (the kernel's backlog) and never answers: the
	 * deadline ends the request and its retries, with a clear message */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sl = sizeof sa;
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 8) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0, "listen");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(sa.sin_port));
	sp_http_opts_init(&o);
	o.retry_wait = 0.05;
	sp_http_set_deadline(&o, 0.4);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == SP_ENET &&
	    strstr(err.msg, "no answer within the deadline of 0.4s"), "hung server: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	CHECK(el >= 0.35 && el < 3, "within the deadline: %gs", el);
	close(fd);

	/* sp_http_redact: the options' secrets and the patterns */
	sp_http_opts_init(&o);
	o.bearer = "tok-SECRET-1";
	o.password = "pw-SECRET-2";
	sp_error_set(&err, SP_ENET, "HTTP 400: echo tok-SECRET-1 pw-SECRET-2 Basic dXNlcg==");
	CHECK(sp_http_redact(SP_ENET, &o, &err) == SP_ENET &&
	    strcmp(err.msg, "HTTP 400: echo [redacted] [redacted] Basic [redacted]") == 0, "redact: %s", err.msg);

	/* a session: consecutive requests over one connection; retries and a
	 * server that closes it work as without one */
	{
		mini_httpd srv;
		sp_http_session *ses;
		int i, ok = 1;

		CHECK(mini_httpd_start(answer, &srv) == 0, "server");
		CHECK(sp_http_session_requests(NULL) == 0 && sp_http_session_connects(NULL) == 0, "NULL session");
		sp_http_session_free(NULL);
		ses = sp_http_session_new(&err);
		CHECK(ses != NULL, "session");
		sp_http_opts_init(&o);
		o.session = ses;
		o.retries = 1;
		o.retry_wait = 0.01;
		o.timeout = 10;
		for (i = 0; i < 3; i++) {
			snprintf(url, sizeof url, "http://127.0.0.1:%d/a", srv.port);
			ok &= sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == 0 && resp.status == 200 &&
			    strcmp(resp.body, "{\"ok\":1}") == 0 && resp.attempts == 1;
			sp_http_resp_free(&resp);
		}
		CHECK(ok, "3 requests: %s", err.msg);
		CHECK(sp_http_session_requests(ses) == 3 && sp_http_session_connects(ses) == 1,
		    "3 requests, 1 connection: %ld, %ld", sp_http_session_requests(ses), sp_http_session_connects(ses));
		snprintf(url, sizeof url, "http://127.0.0.1:%d/busy", srv.port);
		CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == 0 && resp.status == 503 &&
		    resp.attempts == 2, "503 retried once: %ld %d", resp.status, resp.attempts);
		sp_http_resp_free(&resp);
		snprintf(url, sizeof url, "http://127.0.0.1:%d/close", srv.port);
		CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == 0 && resp.status == 200,
		    "Connection: close: %s", err.msg);
		sp_http_resp_free(&resp);
		snprintf(url, sizeof url, "http://127.0.0.1:%d/a", srv.port);
		CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == 0 && resp.status == 200,
		    "after a close: %s", err.msg);
		sp_http_resp_free(&resp);
		CHECK(sp_http_session_requests(ses) == 7 && sp_http_session_connects(ses) == 2,
		    "7 requests, 2 connections: %ld, %ld", sp_http_session_requests(ses), sp_http_session_connects(ses));
		/* without a session: a connection per request (the server serves
		 * one at a time: the session's goes first) */
		sp_http_session_free(ses);
		o.session = NULL;
		for (i = 0; i < 2; i++) {
			CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == 0 && resp.status == 200,
			    "one-shot: %s", err.msg);
			sp_http_resp_free(&resp);
		}
		mini_httpd_stop(&srv);
		CHECK(srv.connections == 4 && srv.requests == 9, "server: %d connections, %d requests",
		    srv.connections, srv.requests);
	}
	/* an answer over max_body: SP_ENET, the message as ever, not retried,
	 * and resp.too_large set (how a caller tells it from other failures) */
	{
		mini_httpd srv;
		char want[128];
		int port;

		CHECK(mini_httpd_start(answer, &srv) == 0, "server");
		sp_http_opts_init(&o);
		o.retries = 2;
		o.retry_wait = 0.01;
		o.max_body = 4;
		snprintf(url, sizeof url, "http://127.0.0.1:%d/a", srv.port);
		snprintf(want, sizeof want, "GET %s: answer larger than 4 bytes", url);
		resp.too_large = 7;
		CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == SP_ENET && resp.too_large == 1 &&
		    !resp.body && resp.status == 0 && strcmp(err.msg, want) == 0, "too large: %d '%s'",
		    resp.too_large, err.msg);
		o.max_body = 9;
		CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == 0 && resp.too_large == 0 &&
		    resp.len == 8, "8 bytes (and the NUL) fit in 9");
		sp_http_resp_free(&resp);
		port = srv.port;
		mini_httpd_stop(&srv);
		CHECK(srv.requests == 2, "the too large answer not asked again: %d requests", srv.requests);
		/* another failure (nothing listens): too_large 0 */
		snprintf(url, sizeof url, "http://127.0.0.1:%d/a", port);
		o.retries = 0;
		CHECK(sp_http_request(&o, "GET", url, NULL, NULL, 0, &resp, &err) == SP_ENET && resp.too_large == 0,
		    "refused: %s", err.msg);
	}
	return check_summary();
}
