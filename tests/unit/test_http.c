/* test_http: the parts of sp_http that need no server (see
 * tests/integration/ for real servers): escaping, secrets, auth options, and
 * a refused connection on a loopback port nobody listens on. */
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
#include "sp_http.h"

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
	return check_summary();
}
