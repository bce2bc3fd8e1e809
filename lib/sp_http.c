/* sp_http: libcurl wrapper with timeouts, retries, TLS and auth (see sp_http.h). */
#include "sp_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sp_redact.h"
#include "sp_time.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_OK;

static void
global_init(void)
{
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sp_http_session {
	CURL *curl;
	long requests, connects;
};

sp_http_session *
sp_http_session_new(sp_error *err)
{
	sp_http_session *s;

	pthread_once(&init_once, global_init);
	if (init_rc != CURLE_OK) {
		sp_error_set(err, SP_ENET, "libcurl: %s", curl_easy_strerror(init_rc));
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s)) || !(s->curl = curl_easy_init())) {
		free(s);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	return s;
}

void
sp_http_session_free(sp_http_session *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->curl);
	free(s);
}

long
sp_http_session_requests(const sp_http_session *s)
{
	return s ? s->requests : 0;
}

long
sp_http_session_connects(const sp_http_session *s)
{
	return s ? s->connects : 0;
}

void
sp_http_opts_init(sp_http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->timeout = 30;
	o->connect_timeout = 10;
	o->retries = 2;
	o->retry_wait = 1;
	o->max_body = (size_t)512 << 20;
}


void
sp_http_set_deadline(sp_http_opts *o, double seconds)
{
	o->deadline = seconds > 0 ? sp_time_mono() + seconds : 0;
	o->deadline_total = seconds > 0 ? seconds : 0;
}

size_t
sp_http_secrets(const sp_http_opts *o, const char *out[3])
{
	size_t n = 0;
	if (o->bearer)
		out[n++] = o->bearer;
	if (o->password)
		out[n++] = o->password;
	if (o->key_pem)
		out[n++] = o->key_pem;
	return n;
}

int
sp_http_redact(int rc, const sp_http_opts *o, sp_error *err)
{
	const char *sec[3];
	size_t n;

	if (rc >= 0 || !err)
		return rc;
	n = sp_http_secrets(o, sec);
	sp_redact_buf(err->msg, sizeof err->msg, sec, n);
	return rc;
}

void
sp_http_trace(const sp_http_opts *o, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	if (!o->trace)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->trace(o->trace_ctx, msg);
	free(msg);
}

typedef struct {
	char *buf;
	size_t len, cap, max;
	int too_big;
} membuf;

static size_t
on_data(char *p, size_t size, size_t n, void *ud)
{
	membuf *m = ud;
	size_t k = size * n;

	if (m->len + k + 1 > m->max) {
		m->too_big = 1;
		return 0;
	}
	if (m->len + k + 1 > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		char *nb;
		while (cap < m->len + k + 1)
			cap *= 2;
		if (!(nb = realloc(m->buf, cap)))
			return 0;
		m->buf = nb;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, k);
	m->len += k;
	m->buf[m->len] = '\0';
	return k;
}

static int
transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	default:
		return 0;
	}
}

static void
sleep_s(double s)
{
	struct timespec ts;
	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
set_blob(CURL *c, CURLoption opt, const char *data, size_t len)
{
	struct curl_blob b;
	b.data = (void *)(uintptr_t)data;
	b.len = len;
	b.flags = CURL_BLOB_COPY;
	curl_easy_setopt(c, opt, &b);
}

/* One attempt.  Returns the curl code; *status is the HTTP status.  With
 * a session its handle is reset (every option cleared; its connection
 * cache kept) and reused, else a handle is made for the attempt. */
static CURLcode
attempt(const sp_http_opts *o, const char *method, const char *url, const char *ctype,
    const char *body, size_t blen, membuf *mb, long *status, char *ebuf)
{
	CURL *c;
	struct curl_slist *h = NULL;
	char line[256];
	CURLcode rc;

	if (o->session) {
		c = o->session->curl;
		curl_easy_reset(c);
	} else {
		c = curl_easy_init();
	}
	if (!c)
		return CURLE_OUT_OF_MEMORY;
	ebuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "scalepipe/0.1");
	if (o->compressed)
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	{
		double to = o->timeout, cto = o->connect_timeout;
		if (o->deadline > 0) {
			double left = o->deadline - sp_time_mono();
			if (left < 0.001)
				left = 0.001;
			to = to > left ? left : to;
			cto = cto > left ? left : cto;
		}
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(to * 1000) > 0 ? (long)(to * 1000) : 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(cto * 1000) > 0 ? (long)(cto * 1000) : 1L);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, mb);
	if (o->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
	if (o->ca_pem)
		set_blob(c, CURLOPT_CAINFO_BLOB, o->ca_pem, o->ca_pem_len);
	if (o->cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert);
	if (o->key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, o->key);
	if (o->cert_pem) {
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		set_blob(c, CURLOPT_SSLCERT_BLOB, o->cert_pem, o->cert_pem_len);
	}
	if (o->key_pem) {
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
		set_blob(c, CURLOPT_SSLKEY_BLOB, o->key_pem, o->key_pem_len);
	}
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->bearer) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, o->bearer);
	} else if (o->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	if (o->accept) {
		snprintf(line, sizeof line, "Accept: %s", o->accept);
		h = curl_slist_append(h, line);
	}
	if (ctype) {
		snprintf(line, sizeof line, "Content-Type: %s", ctype);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? blen : 0));
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	}
	rc = curl_easy_perform(c);
	*status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (o->session) {
		long nc = 0;
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc);
		o->session->requests++;
		o->session->connects += nc;
		/* the handle keeps pointers to these until the next reset */
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
	} else {
		curl_easy_cleanup(c);
	}
	curl_slist_free_all(h);
	return rc;
}

int
sp_http_request(const sp_http_opts *o, const char *method, const char *url,
    const char *ctype, const char *body, size_t blen, sp_http_resp *resp, sp_error *err)
{
	char ebuf[CURL_ERROR_SIZE];
	char why[CURL_ERROR_SIZE + 32];
	double wait = o->retry_wait;
	int n;

	memset(resp, 0, sizeof *resp);
	pthread_once(&init_once, global_init);
	if (init_rc != CURLE_OK)
		return sp_error_set(err, SP_ENET, "libcurl: %s", curl_easy_strerror(init_rc));
	for (n = 1;; n++) {
		membuf mb = { NULL, 0, 0, o->max_body ? o->max_body : (size_t)512 << 20, 0 };
		long status = 0;
		CURLcode rc = attempt(o, method, url, ctype, body, blen, &mb, &status, ebuf);
		int retry;

		if (rc == CURLE_OK) {
			retry = status >= 500 || status == 429;
			if (!retry || n > o->retries) {
				if (!mb.buf && !(mb.buf = calloc(1, 1)))
					return sp_error_set(err, SP_ENOMEM, "out of memory");
				resp->status = status;
				resp->body = mb.buf;
				resp->len = mb.len;
				resp->attempts = n;
				return 0;
			}
			snprintf(why, sizeof why, "HTTP %ld", status);
		} else {
			const char *msg = ebuf[0] ? ebuf : curl_easy_strerror(rc);
			free(mb.buf);
			if (mb.too_big) {
				resp->too_large = 1;
				return sp_error_set(err, SP_ENET, "%s %s: answer larger than %zu bytes",
				    method, url, mb.max);
			}
			if (o->deadline > 0 && sp_time_mono() >= o->deadline - 0.002)
				return sp_error_set(err, SP_ENET, "%s %s: no answer within the deadline of %gs "
				    "(after %d attempt%s; last: %s)", method, url, o->deadline_total, n,
				    n == 1 ? "" : "s", msg);
			if (!transient(rc) || n > o->retries) {
				if (n > 1)
					return sp_error_set(err, SP_ENET, "%s %s: %s (after %d attempts)",
					    method, url, msg, n);
				return sp_error_set(err, SP_ENET, "%s %s: %s", method, url, msg);
			}
			snprintf(why, sizeof why, "%s", msg);
		}
		if (rc == CURLE_OK)
			free(mb.buf);
		if (o->deadline > 0 && sp_time_mono() + wait >= o->deadline)
			return sp_error_set(err, SP_ENET, "%s %s: no answer within the deadline of %gs "
			    "(after %d attempt%s; last: %s)", method, url, o->deadline_total, n,
			    n == 1 ? "" : "s", why);
		if (o->on_retry)
			o->on_retry(o->on_retry_ctx, n, wait, why);
		sleep_s(wait);
		wait = wait * 2 > 30 ? 30 : wait * 2;
	}
}

void
sp_http_resp_free(sp_http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

char *
sp_http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, j = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			out[j++] = (char)ch;
		} else {
			out[j++] = '%';
			out[j++] = hex[ch >> 4];
			out[j++] = hex[ch & 15];
		}
	}
	out[j] = '\0';
	return out;
}

FILE *
sp_http_fopen_regular(const char *path, sp_error *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), fl;
	struct stat st;
	FILE *fp;

	if (fd < 0) {
		int e = errno;
		sp_error_set(err, SP_EIO, "%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		sp_error_set(err, SP_EIO, "%s: not a regular file", path);
		errno = EINVAL;
		return NULL;
	}
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if (!(fp = fdopen(fd, "rb"))) {
		sp_error_set(err, SP_EIO, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return fp;
}

char *
sp_http_read_secret(const char *path, sp_error *err)
{
	FILE *fp = sp_http_fopen_regular(path, err);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ch;

	if (!fp)
		return NULL;
	while ((ch = getc(fp)) != EOF) {
		if (len + 2 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 256;
			if (cap > (1u << 20) || !(nb = realloc(buf, cap))) {
				fclose(fp);
				if (buf)
					explicit_bzero(buf, len);
				free(buf);
				sp_error_set(err, SP_EIO, "%s: secret file too large", path);
				return NULL;
			}
			buf = nb;
		}
		buf[len++] = (char)ch;
	}
	if (ferror(fp)) {
		fclose(fp);
		if (buf)
			explicit_bzero(buf, len);
		free(buf);
		sp_error_set(err, SP_EIO, "%s: read error", path);
		return NULL;
	}
	fclose(fp);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0) {
		if (buf)
			explicit_bzero(buf, cap);
		free(buf);
		sp_error_set(err, SP_EDATA, "%s: empty", path);
		return NULL;
	}
	buf[len] = '\0';
	if (memchr(buf, '\n', len) || strlen(buf) != len) {
		sp_http_secret_free(buf);
		sp_error_set(err, SP_EDATA, "%s: more than one line", path);
		return NULL;
	}
	return buf;
}

void
sp_http_secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int
sp_http_auth_load(sp_http_auth *a, sp_http_opts *o, sp_error *err)
{
	if (a->token_file && a->token_env)
		return sp_error_set(err, SP_EUSAGE, "--bearer-token-file and --bearer-token-env exclude each other");
	if ((a->token_file || a->token_env) && a->user)
		return sp_error_set(err, SP_EUSAGE, "a bearer token and --user exclude each other");
	if (a->password_file && !a->user)
		return sp_error_set(err, SP_EUSAGE, "--password-file needs --user");
	if (a->token_file) {
		if (!(a->token = sp_http_read_secret(a->token_file, err)))
			return err ? err->code : SP_EIO;
	} else if (a->token_env) {
		const char *v = getenv(a->token_env);
		if (!v || !*v)
			return sp_error_set(err, SP_EUSAGE, "environment variable %s is not set or empty",
			    a->token_env);
		if (!(a->token = strdup(v)))
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	if (a->token) {
		if (strpbrk(a->token, "\r\n"))
			return sp_error_set(err, SP_EDATA, "bearer token contains a line break");
		o->bearer = a->token;
	}
	if (a->user) {
		if (a->password_file && !(a->password = sp_http_read_secret(a->password_file, err)))
			return err ? err->code : SP_EIO;
		o->user = a->user;
		o->password = a->password;
	}
	return 0;
}

void
sp_http_auth_free(sp_http_auth *a)
{
	sp_http_secret_free(a->token);
	sp_http_secret_free(a->password);
	a->token = a->password = NULL;
}
