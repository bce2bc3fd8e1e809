/* sp_redact: credentials out of server text (see sp_redact.h). */
#include "sp_redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	char *p;
	size_t n, cap;
	int oom;
} sbuf;

static void
put(sbuf *b, const char *s, size_t k)
{
	if (b->oom)
		return;
	if (b->n + k + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *np;
		while (cap < b->n + k + 1)
			cap *= 2;
		if (!(np = realloc(b->p, cap))) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, k);
	b->n += k;
	b->p[b->n] = '\0';
}

static int
alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
identch(int c)
{
	return alnum(c) || c == '_' || c == '-';
}

static int
tokch(int c)
{
	return alnum(c) || (c && strchr("._~+/=-", c));
}

static int
starts(const char *t, size_t len, size_t i, const char *w)
{
	size_t k = strlen(w);
	return i + k <= len && strncasecmp(t + i, w, k) == 0;
}

/* "Bearer x" / "Basic x" at i: end of the credential, or 0. */
static size_t
scheme_cred(const char *t, size_t len, size_t i, size_t *cred)
{
	static const char *const words[] = { "bearer", "basic" };
	size_t w, j, k;

	for (w = 0; w < 2; w++) {
		if (!starts(t, len, i, words[w]))
			continue;
		j = i + strlen(words[w]);
		if (j >= len || (t[j] != ' ' && t[j] != '\t'))
			continue;
		while (j < len && (t[j] == ' ' || t[j] == '\t'))
			j++;
		for (k = j; k < len && tokch((unsigned char)t[k]); k++)
			;
		if (k > j) {
			*cred = j;
			return k;
		}
	}
	return 0;
}

/* key (=|:) value at i (a word start): end of the value, *vstart its start;
 * 0 when there is none. */
static size_t
key_value(const char *t, size_t len, size_t i, size_t *vstart)
{
	static const char *const names[] = { "token", "password", "passwd", "secret", "apikey",
		"api_key", "api-key" };
	size_t w = i, j, k, nl, q;
	int auth = 0, hit = 0;
	char quote = 0;

	while (w < len && identch((unsigned char)t[w]))
		w++;
	if (w == i)
		return 0;
	if (w - i == 13 && strncasecmp(t + i, "authorization", 13) == 0)
		hit = auth = 1;
	for (k = 0; !hit && k < sizeof names / sizeof names[0]; k++) {
		nl = strlen(names[k]);
		hit = w - i >= nl && strncasecmp(t + w - nl, names[k], nl) == 0;
	}
	if (!hit)
		return 0;
	j = w;
	if (j < len && (t[j] == '"' || t[j] == '\''))
		j++;
	while (j < len && (t[j] == ' ' || t[j] == '\t'))
		j++;
	if (j >= len || (t[j] != '=' && t[j] != ':'))
		return 0;
	j++;
	while (j < len && (t[j] == ' ' || t[j] == '\t'))
		j++;
	if (j < len && (t[j] == '"' || t[j] == '\''))
		quote = t[j++];
	for (q = j; q < len; q++) {
		char c = t[q];
		if (quote ? c == quote : (auth ? c == '\r' || c == '\n' :
		    c == ' ' || c == '\t' || c == '\r' || c == '\n' || (c && strchr("\"'&,;})<>", c))))
			break;
	}
	if (q == j)
		return 0;
	*vstart = j;
	return q;
}

/* A PEM private key block at i: its end, or 0. */
static size_t
pem_key(const char *t, size_t len, size_t i)
{
	size_t e, k;

	if (!starts(t, len, i, "-----BEGIN "))
		return 0;
	for (e = i + 11; e < len && t[e] != '\n' && t[e] != '-'; e++)
		;
	if (e < i + 22 || !starts(t, len, e - 11, "PRIVATE KEY") || !starts(t, len, e, "-----"))
		return 0;
	for (k = e + 5; k < len; k++)
		if (starts(t, len, k, "-----END ")) {
			for (k += 9; k < len && t[k] != '\n' && !starts(t, len, k, "-----"); k++)
				;
			return k < len && t[k] == '-' ? k + 5 : k;
		}
	return len;
}

char *
sp_redact(const char *t, size_t len, const char *const *secrets, size_t n)
{
	static const char mark[] = SP_REDACT_MARK;
	sbuf b = { NULL, 0, 0, 0 };
	size_t i = 0, s, e, v;

	put(&b, "", 0);
	while (i < len && !b.oom) {
		int word = i == 0 || !identch((unsigned char)t[i - 1]);
		for (s = 0; s < n; s++) {
			size_t sl = secrets[s] ? strlen(secrets[s]) : 0;
			if (sl >= SP_REDACT_MIN_SECRET && i + sl <= len && memcmp(t + i, secrets[s], sl) == 0)
				break;
		}
		if (s < n) {
			put(&b, mark, sizeof mark - 1);
			i += strlen(secrets[s]);
			continue;
		}
		if (starts(t, len, i, "://")) {
			put(&b, "://", 3);
			for (e = i + 3; e < len && !strchr("/@ \t\r\n\"'<>", t[e]) && t[e]; e++)
				;
			if (e < len && t[e] == '@' && e > i + 3) {
				put(&b, mark, sizeof mark - 1);
				i = e;
			} else {
				i += 3;
			}
			continue;
		}
		if ((e = pem_key(t, len, i)) > 0) {
			put(&b, mark, sizeof mark - 1);
			i = e;
			continue;
		}
		if (word && (e = scheme_cred(t, len, i, &v)) > 0) {
			put(&b, t + i, v - i);
			put(&b, mark, sizeof mark - 1);
			i = e;
			continue;
		}
		if (word && (e = key_value(t, len, i, &v)) > 0) {
			put(&b, t + i, v - i);
			put(&b, mark, sizeof mark - 1);
			i = e;
			continue;
		}
		put(&b, t + i, 1);
		i++;
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

void
sp_redact_buf(char *buf, size_t size, const char *const *secrets, size_t n)
{
	char *r;

	if (!buf || size == 0)
		return;
	if (!(r = sp_redact(buf, strlen(buf), secrets, n))) {
		snprintf(buf, size, "%s", SP_REDACT_MARK);
		return;
	}
	snprintf(buf, size, "%s", r);
	free(r);
}
