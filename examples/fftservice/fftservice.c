/* fftservice: a small CPU-bound HTTP/1.1 service for profiling, in the spirit
 * of BAScaler's test service (an FFT per request).
 *
 * The parent binds 127.0.0.1:PORT (0 = any free port), forks N worker
 * processes, prints one line
 *     listening 127.0.0.1:<port> workers <n> pids <pid> ...
 * on stdout, and then only accepts connections and hands them to the workers
 * in turn (the descriptor passed over a Unix socket), like a Service
 * balancing over N pods; a shared listening socket would let one worker grab
 * most keep-alive connections.  Each worker is single-threaded and multiplexes
 * its connections with epoll, so N workers stand for N replicas of one CPU
 * core's worth.
 * GET /fft computes a GSL real FFT of a synthetic signal of --points points
 * (--rounds times) and answers with the strongest frequency bin; GET /healthz
 * answers at once.  SIGTERM or SIGINT to the parent stops every worker.
 * It is an example, not a web server: GET only, no request bodies, no TLS.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <gsl/gsl_fft_real.h>

#define MAXW 64
#define BUFSZ 8192

static size_t points = 16384;     /* --points: FFT length (power of two) */
static int rounds = 4;            /* --rounds: FFTs per request */
static volatile sig_atomic_t stop;

typedef struct {
	int fd;
	size_t len;
	char buf[BUFSZ];
} conn;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The work of one request: FFT of a two-tone signal whose phase depends on
 * a request counter (so nothing can be cached); returns the peak bin. */
static size_t
fft_work(double *x, unsigned long k)
{
	size_t i, best = 1;
	double bestv = -1;
	int r;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < points; i++)
			x[i] = sin(2 * M_PI * 50.0 * (double)i / (double)points + (double)(k % 97)) +
			    0.5 * cos(2 * M_PI * 123.0 * (double)i / (double)points);
		gsl_fft_real_radix2_transform(x, 1, points);
	}
	/* half-complex layout: x[i] real, x[points - i] imaginary */
	for (i = 1; i < points / 2; i++) {
		double v = x[i] * x[i] + x[points - i] * x[points - i];
		if (v > bestv) {
			bestv = v;
			best = i;
		}
	}
	return best;
}

static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fd_set wf;
			FD_ZERO(&wf);
			FD_SET(fd, &wf);
			select(fd + 1, NULL, &wf, NULL, NULL);
			continue;
		}
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
respond(int fd, int status, const char *body, int keep)
{
	char out[512];
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request";
	int n = snprintf(out, sizeof out, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n%s\r\n%s", status, reason, strlen(body),
	    keep ? "" : "Connection: close\r\n", body);
	return write_all(fd, out, (size_t)n);
}

/* Serve every complete request in c->buf; 0 to keep the connection, -1 to
 * close it. */
static int
serve(conn *c, double *x, unsigned long *count)
{
	char *end, body[64];
	size_t used;
	int keep;

	while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
		used = (size_t)(end - c->buf) + 4;
		*end = '\0';
		keep = !strcasestr(c->buf, "\r\nConnection: close") &&
		    !strstr(c->buf, " HTTP/1.0\r\n");
		if (strncmp(c->buf, "GET ", 4) != 0 || strcasestr(c->buf, "\r\nContent-Length:")) {
			respond(c->fd, 400, "GET only\n", 0);
			return -1;
		}
		if (strncmp(c->buf + 4, "/fft ", 5) == 0 || strncmp(c->buf + 4, "/fft?", 5) == 0) {
			snprintf(body, sizeof body, "%zu\n", fft_work(x, (*count)++));
			if (respond(c->fd, 200, body, keep) < 0)
				return -1;
		} else if (strncmp(c->buf + 4, "/healthz ", 9) == 0) {
			if (respond(c->fd, 200, "ok\n", keep) < 0)
				return -1;
		} else if (respond(c->fd, 404, "not found\n", keep) < 0) {
			return -1;
		}
		if (!keep)
			return -1;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	if (c->len == BUFSZ)        /* a header larger than the buffer */
		return -1;
	return 0;
}

/* Receive one descriptor sent with SCM_RIGHTS; -1 if none. */
static int
recv_fd(int ufd)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int fd;

	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof cbuf;
	switch (recvmsg(ufd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) {
	case -1:
		return -1;
	case 0:
		errno = EPIPE;      /* the parent closed its end */
		return -1;
	}
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

static int
send_fd(int ufd, int fd)
{
	char byte = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh;
	struct cmsghdr *cm;

	memset(&mh, 0, sizeof mh);
	memset(cbuf, 0, sizeof cbuf);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof cbuf;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	return sendmsg(ufd, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static void
worker(int ufd)
{
	int ep = epoll_create1(0), i, n, one = 1;
	struct epoll_event ev, evs[64];
	double *x = malloc(points * sizeof *x);
	unsigned long count = 0;

	if (ep < 0 || !x)
		_exit(1);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ufd, &ev) < 0)
		_exit(1);
	while (!stop) {
		n = epoll_wait(ep, evs, 64, 500);
		for (i = 0; i < n; i++) {
			conn *c = evs[i].data.ptr;
			if (!c) {
				int cfd = recv_fd(ufd);
				if (cfd < 0) {
					if (errno != EAGAIN && errno != EINTR)
						_exit(0);   /* the parent is gone */
					continue;
				}
				fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				if (!(c = calloc(1, sizeof *c))) {
					close(cfd);
					continue;
				}
				c->fd = cfd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev) < 0) {
					close(cfd);
					free(c);
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(c->fd, c->buf + c->len, BUFSZ - c->len);
				if (r > 0) {
					c->len += (size_t)r;
					if (serve(c, x, &count) < 0)
						r = 0;
					else
						continue;
				}
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
					break;
				/* EOF, error or done.  Deregister before closing: epoll
				 * keys on the open file, which may outlive this fd, and a
				 * stale event would then carry a freed pointer. */
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				free(c);
				break;
			}
		}
	}
	_exit(0);
}

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: fftservice [-p PORT] [-w WORKERS] [--points N] [--rounds R]\n"
	    "  -p PORT       port on 127.0.0.1, 0 = any free one [0]\n"
	    "  -w WORKERS    worker processes (replicas), 1..%d [1]\n"
	    "  --points N    FFT length, a power of two [16384]\n"
	    "  --rounds R    FFTs per request [4]\n", MAXW);
	exit(status);
}

int
main(int argc, char **argv)
{
	int port = 0, nw = 1, lfd, i, one = 1, sv[MAXW][2];
	unsigned rr = 0;
	pid_t pids[MAXW];
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	struct sigaction sa;
	char *e;

	for (i = 1; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long val;
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0)
			usage(0);
		if (!v)
			usage(2);
		errno = 0;
		val = strtol(v, &e, 10);
		if (*e || errno || val < 0)
			usage(2);
		if (strcmp(o, "-p") == 0 && val <= 65535)
			port = (int)val;
		else if (strcmp(o, "-w") == 0 && val >= 1 && val <= MAXW)
			nw = (int)val;
		else if (strcmp(o, "--points") == 0 && val >= 2 && val <= (1L << 24) && !(val & (val - 1)))
			points = (size_t)val;
		else if (strcmp(o, "--rounds") == 0 && val >= 1 && val <= 1000)
			rounds = (int)val;
		else
			usage(2);
	}
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("fftservice: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		perror("fftservice: bind");
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nw; i++) {
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv[i]) < 0 || (pids[i] = fork()) < 0) {
			perror("fftservice: fork");
			stop = 1;
			nw = i;
			break;
		}
		if (pids[i] == 0) {
			int j;
			close(lfd);
			for (j = 0; j < i; j++)
				close(sv[j][0]);
			close(sv[i][0]);
			worker(sv[i][1]);
		}
		close(sv[i][1]);
	}
	printf("listening 127.0.0.1:%d workers %d pids", ntohs(a.sin_port), nw);
	for (i = 0; i < nw; i++)
		printf(" %d", (int)pids[i]);
	printf("\n");
	fflush(stdout);
	/* the balancer: round robin over the workers (no SA_RESTART, so a
	 * signal interrupts accept) */
	while (!stop) {
		struct pollfd pf = { lfd, POLLIN, 0 };
		int cfd;
		if (poll(&pf, 1, 200) <= 0)     /* wakes to see stop even if a signal slips past */
			continue;
		if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		send_fd(sv[rr++ % (unsigned)nw][0], cfd);
		close(cfd);
	}
	for (i = 0; i < nw; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < nw; i++)
		waitpid(pids[i], NULL, 0);
	return 0;
}
