/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): option
 * bytes taken from the front of the input, the rest as a file or a FILE,
 * and a stand-in for sp_http_request.  Each target is one translation unit
 * that includes this header once.  Build and run: `make fuzz` (campaign,
 * tests/fuzz/run.sh) and `make check-fuzz` (replays tests/fuzz/seeds/). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sp_err.h"
#include "sp_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, consumed from the front. */
typedef struct {
	const uint8_t *p;
	size_t n;
} fz_in;

/* The next byte (0 once the input is used up). */
static inline unsigned
fz_byte(fz_in *in)
{
	unsigned b;
	if (in->n == 0)
		return 0;
	b = in->p[0];
	in->p++, in->n--;
	return b;
}

/* A choice in 0..n-1. */
static inline unsigned
fz_pick(fz_in *in, unsigned n)
{
	return n ? fz_byte(in) % n : 0;
}

/* One of a table of doubles. */
static inline double
fz_double(fz_in *in, const double *tab, size_t n)
{
	return tab[fz_byte(in) % n];
}

/* The input up to the first "\n--\n" separator (or all of it): *len bytes
 * from the returned pointer; the input moves past the separator. */
static inline const uint8_t *
fz_part(fz_in *in, size_t *len)
{
	const uint8_t *s = in->p;
	size_t i;
	for (i = 0; i + 4 <= in->n; i++)
		if (memcmp(in->p + i, "\n--\n", 4) == 0) {
			*len = i;
			in->p += i + 4, in->n -= i + 4;
			return s;
		}
	*len = in->n;
	in->p += in->n, in->n = 0;
	return s;
}

/* Write data to a new temporary file whose name goes into path (at least
 * 64 bytes).  0, or -1 when it cannot be written. */
static inline int
fz_file(const void *data, size_t size, char *path, const char *suffix)
{
	int fd;
	snprintf(path, 64, "/tmp/sp-fuzz-XXXXXX%s", suffix ? suffix : "");
	fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* The bytes as a read-only stream (an empty input reads as empty). */
static inline FILE *
fz_stream(const void *data, size_t size)
{
	if (size == 0)
		return fopen("/dev/null", "r");
	return fmemopen((void *)(uintptr_t)data, size, "r");
}

/* 1 when FUZZ_KNOWN=1 is set: the targets then also take the paths of
 * known defects that are reported but not yet fixed (each guarded by a
 * "KNOWN:" comment naming its crash input under tests/fuzz/crashes/);
 * otherwise they steer around them so that a campaign looks further. */
static inline int
fz_known(void)
{
	const char *s = getenv("FUZZ_KNOWN");
	return s && strcmp(s, "1") == 0;
}

/* ---- a scripted HTTP server ----
 * Targets that talk HTTP are linked with -Wl,--wrap=sp_http_request: every
 * request then gets the next answer of fz_http_script (status, body), and a
 * transport error once the script is used up.  Without a script the real
 * function runs. */
typedef struct {
	long status;
	const char *body;
	size_t len;
} fz_answer;

static struct {
	const fz_answer *a;
	size_t n, next;
	int on;
} fz_http_script;

int __real_sp_http_request(const sp_http_opts *o, const char *method, const char *url,
    const char *ctype, const char *body, size_t blen, sp_http_resp *resp, sp_error *err);
int __wrap_sp_http_request(const sp_http_opts *o, const char *method, const char *url,
    const char *ctype, const char *body, size_t blen, sp_http_resp *resp, sp_error *err);

int
__wrap_sp_http_request(const sp_http_opts *o, const char *method, const char *url,
    const char *ctype, const char *body, size_t blen, sp_http_resp *resp, sp_error *err)
{
	const fz_answer *a;

	if (!fz_http_script.on)
		return __real_sp_http_request(o, method, url, ctype, body, blen, resp, err);
	memset(resp, 0, sizeof *resp);
	if (fz_http_script.next >= fz_http_script.n)
		return sp_error_set(err, SP_ENET, "%s %s: Connection refused", method, url);
	a = &fz_http_script.a[fz_http_script.next++];
	if (!(resp->body = malloc(a->len + 1)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	memcpy(resp->body, a->body, a->len);
	resp->body[a->len] = '\0';
	resp->len = a->len;
	resp->status = a->status;
	resp->attempts = 1;
	return 0;
}

#endif
