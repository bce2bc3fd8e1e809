/* mini_httpd.h: a forked HTTP/1.1 test server for the unit tests that need
 * one (header-only, like check.h).
 *
 * mini_httpd_start(answer, &srv) listens on a free 127.0.0.1 port (srv.port)
 * and forks a child that serves one connection after another, keeping each
 * open (keep-alive) until the client closes it.  Requests are read up to
 * the blank line (no bodies: GET only).  answer(path, &status, &close)
 * gives the body for a path; close = 1 answers with "Connection: close"
 * and closes.  The child writes 'C' to a pipe per connection accepted and
 * 'R' per request; mini_httpd_stop kills it and counts them.
 */
#ifndef MINI_HTTPD_H
#define MINI_HTTPD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef const char *(*mini_httpd_answer)(const char *path, int *status, int *close);

typedef struct {
	int port;
	pid_t pid;
	int pipe_rd;
	int connections, requests;  /* filled by mini_httpd_stop */
} mini_httpd;

static void
mini_httpd_serve_(int cfd, int out, mini_httpd_answer answer)
{
	char buf[8192], path[1024], head[256];
	size_t len = 0;
	ssize_t n;

	while ((n = read(cfd, buf + len, sizeof buf - 1 - len)) > 0) {
		char *end;
		len += (size_t)n;
		buf[len] = '\0';
		while ((end = strstr(buf, "\r\n\r\n"))) {
			int status = 200, close_it = 0;
			const char *body;
			size_t used = (size_t)(end + 4 - buf);
			path[0] = '\0';
			sscanf(buf, "%*s %1023s", path);
			body = answer(path, &status, &close_it);
			snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			    "Content-Length: %zu\r\n%s\r\n", status, strlen(body),
			    close_it ? "Connection: close\r\n" : "");
			if (write(out, "R", 1) != 1 || write(cfd, head, strlen(head)) < 0 ||
			    write(cfd, body, strlen(body)) < 0 || close_it)
				return;
			memmove(buf, buf + used, len - used + 1);
			len -= used;
		}
		if (len >= sizeof buf - 1)
			return;
	}
}

static int
mini_httpd_start(mini_httpd_answer answer, mini_httpd *s)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), p[2];

	memset(s, 0, sizeof *s);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || pipe(p) != 0)
		return -1;
	s->port = ntohs(sa.sin_port);
	fflush(NULL);
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		close(p[0]);
		for (;;) {
			int cfd = accept(fd, NULL, NULL);
			if (cfd < 0)
				_exit(1);
			if (write(p[1], "C", 1) != 1)
				_exit(1);
			mini_httpd_serve_(cfd, p[1], answer);
			close(cfd);
		}
	}
	close(p[1]);
	close(fd);
	s->pipe_rd = p[0];
	return 0;
}

static void
mini_httpd_stop(mini_httpd *s)
{
	char c;

	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	while (read(s->pipe_rd, &c, 1) == 1) {
		s->connections += c == 'C';
		s->requests += c == 'R';
	}
	close(s->pipe_rd);
}

#endif
