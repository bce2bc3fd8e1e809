/* sp_state: state files between runs; see sp_state.h. */
#include "sp_state.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_file.h"
#include "sp_keyed.h"
#include "sp_time.h"

struct sp_state_writer {
	char *buf;
	size_t len, cap;
	int nomem;
};

typedef struct {
	char *text;             /* the line, split at the first space */
	const char *vals;       /* after the key ("" when none) */
} line;

struct sp_state {
	char *path;
	line *l;
	size_t n, cur;          /* lines; the cursor (0-based) */
};

/* ---- writing ---- */

static void
wadd(sp_state_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
wadd(sp_state_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->nomem)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			w->nomem = 1;
			return;
		}
		if ((size_t)n < w->cap - w->len) {
			w->len += (size_t)n;
			return;
		}
		{
			size_t nc = 2 * w->cap + (size_t)n + 64;
			char *b = realloc(w->buf, nc);
			if (!b) {
				w->nomem = 1;
				return;
			}
			w->buf = b;
			w->cap = nc;
		}
	}
}

sp_state_writer *
sp_state_block_new(sp_error *err)
{
	sp_state_writer *w = calloc(1, sizeof *w);

	if (!w || !(w->buf = malloc(w->cap = 256))) {
		free(w);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	w->buf[0] = 0;
	return w;
}

sp_state_writer *
sp_state_writer_new(const char *kind, int version, sp_error *err)
{
	sp_state_writer *w = sp_state_block_new(err);

	if (w)
		wadd(w, "scalepipe-state %s %d\n", kind, version);
	return w;
}

void
sp_state_writer_free(sp_state_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

static void
put_num(sp_state_writer *w, double v)
{
	if (isnan(v))
		wadd(w, " nan");
	else if (isinf(v))
		wadd(w, v > 0 ? " inf" : " -inf");
	else {
		/* the shortest of 15, 16, 17 digits that reads back as v: values
		 * that came from CSV text (10 digits) stay short, and every value
		 * is exact */
		char b[40];
		int p;
		for (p = 15; p < 17; p++) {
			snprintf(b, sizeof b, "%.*g", p, v);
			if (strtod(b, NULL) == v)
				break;
		}
		if (p == 17)
			snprintf(b, sizeof b, "%.17g", v);
		wadd(w, " %s", b);
	}
}

void
sp_state_put_long(sp_state_writer *w, const char *key, long v)
{
	wadd(w, "%s %ld\n", key, v);
}

void
sp_state_put_longs(sp_state_writer *w, const char *key, size_t n, const long *v)
{
	size_t i;

	wadd(w, "%s", key);
	for (i = 0; i < n; i++)
		wadd(w, " %ld", v[i]);
	wadd(w, "\n");
}

void
sp_state_put_double(sp_state_writer *w, const char *key, double v)
{
	sp_state_put_doubles(w, key, 1, &v);
}

void
sp_state_put_doubles(sp_state_writer *w, const char *key, size_t n, const double *v)
{
	size_t i;

	wadd(w, "%s", key);
	for (i = 0; i < n; i++)
		put_num(w, v[i]);
	wadd(w, "\n");
}

void
sp_state_put_str(sp_state_writer *w, const char *key, const char *v)
{
	wadd(w, "%s %s\n", key, v);
}

void
sp_state_put_bytes(sp_state_writer *w, const char *key, const char *v, size_t len)
{
	size_t i;

	wadd(w, "%s ", key);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c > ' ' && c <= '~' && c != '%')
			wadd(w, "%c", c);
		else
			wadd(w, "%%%02X", c);
	}
	wadd(w, "\n");
}

void
sp_state_put_block(sp_state_writer *w, const sp_state_writer *b)
{
	if (b->nomem)
		w->nomem = 1;
	else
		wadd(w, "%s", b->buf);
}

int
sp_state_writer_save(sp_state_writer *w, const char *path, sp_error *err)
{
	sp_file *f;
	size_t len;

	if (w->nomem)
		return sp_error_set(err, SP_ENOMEM, "%s: out of memory", path);
	len = w->len;
	wadd(w, "end\n");
	if (w->nomem)
		return sp_error_set(err, SP_ENOMEM, "%s: out of memory", path);
	if (!(f = sp_file_create(path, SP_FILE_PUBLIC, err))) {
		w->len = len;
		w->buf[len] = 0;
		return err ? err->code : SP_EIO;
	}
	fwrite(w->buf, 1, w->len, sp_file_stream(f));
	w->len = len;
	w->buf[len] = 0;
	return sp_file_commit(f, err);
}

/* ---- reading ---- */

void
sp_state_free(sp_state *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->l[i].text);
	free(s->l);
	free(s->path);
	free(s);
}

const char *
sp_state_path(const sp_state *s)
{
	return s->path;
}

long
sp_state_line(const sp_state *s)
{
	return (long)(s->cur < s->n ? s->cur + 1 : s->n + 1);
}

static int
error_at(const sp_state *s, long back, sp_error *err, int code, const char *fmt, va_list ap)
{
	char m[SP_ERRMSG_MAX];

	vsnprintf(m, sizeof m, fmt, ap);
	return sp_error_set(err, (sp_status)code, "%s:%ld: %s", s->path, sp_state_line(s) - back, m);
}

int
sp_state_error(const sp_state *s, sp_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = error_at(s, 0, err, code, fmt, ap);
	va_end(ap);
	return rc;
}

int
sp_state_error_back(const sp_state *s, long back, sp_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = error_at(s, back, err, code, fmt, ap);
	va_end(ap);
	return rc;
}

int
sp_state_load(const char *path, const char *kind, int version, sp_state **out, sp_error *err)
{
	FILE *fp;
	sp_state *s;
	char *buf = NULL, k[64];
	size_t cap = 0, capl = 0;
	ssize_t len;
	int v, pos = 0;

	*out = NULL;
	if (!(fp = fopen(path, "r"))) {
		if (errno == ENOENT)
			return 0;
		return sp_error_set(err, SP_EIO, "%s: cannot read: %s", path, strerror(errno));
	}
	if (!(s = calloc(1, sizeof *s)) || !(s->path = strdup(path))) {
		free(s);
		fclose(fp);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	while ((len = getline(&buf, &cap, fp)) >= 0) {
		line *l;
		char *sp;
		if (len == 0 || buf[len - 1] != '\n') {
			s->cur = s->n;
			sp_state_error(s, err, SP_EMODEL, "line without its newline (truncated)");
			goto fail;
		}
		buf[len - 1] = 0;
		if (s->n == capl) {
			size_t nc = capl ? 2 * capl : 64;
			line *a = realloc(s->l, nc * sizeof *a);
			if (!a)
				goto nomem;
			s->l = a;
			capl = nc;
		}
		l = &s->l[s->n];
		if (!(l->text = strdup(buf)))
			goto nomem;
		s->n++;
		if ((sp = strchr(l->text, ' '))) {
			*sp = 0;
			l->vals = sp + 1;
		} else {
			l->vals = "";
		}
	}
	if (ferror(fp)) {
		sp_error_set(err, SP_EIO, "%s: cannot read: %s", path, strerror(errno));
		goto fail;
	}
	s->cur = 0;
	if (s->n == 0 || strcmp(s->l[0].text, "scalepipe-state") != 0 ||
	    sscanf(s->l[0].vals, "%63s %d%n", k, &v, &pos) != 2 || s->l[0].vals[pos] != 0) {
		sp_state_error(s, err, SP_EMODEL, "not a scalepipe state file (want 'scalepipe-state %s %d')", kind, version);
		goto fail;
	}
	if (strcmp(k, kind) != 0) {
		sp_state_error(s, err, SP_EMODEL, "state of kind %s, not %s", k, kind);
		goto fail;
	}
	if (v != version) {
		sp_state_error(s, err, SP_EMODEL, "state version %d, not %d", v, version);
		goto fail;
	}
	s->cur = 1;
	free(buf);
	fclose(fp);
	*out = s;
	return 0;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	free(buf);
	fclose(fp);
	{
		int code = err ? err->code : SP_EMODEL;
		sp_state_free(s);
		return code;
	}
}

int
sp_state_at(const sp_state *s, const char *key)
{
	return s->cur < s->n && strcmp(s->l[s->cur].text, key) == 0;
}

/* The values of the line at the cursor, which must have key. */
static const char *
vals(sp_state *s, const char *key, sp_error *err)
{
	if (s->cur >= s->n) {
		sp_state_error(s, err, SP_EMODEL, "'%s' missing (truncated)", key);
		return NULL;
	}
	if (strcmp(s->l[s->cur].text, key) != 0) {
		sp_state_error(s, err, SP_EMODEL, "'%s' where '%s' was expected", s->l[s->cur].text, key);
		return NULL;
	}
	return s->l[s->cur].vals;
}

/* n numbers of the line at the cursor into d (and l, when integers). */
static int
numbers(sp_state *s, const char *key, size_t n, double *d, long *l, long min, long max, sp_error *err)
{
	const char *p = vals(s, key, err);
	size_t i;

	if (!p)
		return SP_EMODEL;
	for (i = 0; i < n; i++) {
		char *e;
		if (*p == 0)
			return sp_state_error(s, err, SP_EMODEL, "%s: %zu values, want %zu", key, i, n);
		if (l) {
			errno = 0;
			l[i] = strtol(p, &e, 10);
			if (e == p || (*e != ' ' && *e != 0) || errno)
				return sp_state_error(s, err, SP_EMODEL, "%s: value %zu is not an integer", key, i + 1);
			if (l[i] < min || l[i] > max)
				return sp_state_error(s, err, SP_EMODEL, "%s: %ld outside %ld..%ld", key, l[i], min, max);
		} else {
			d[i] = strtod(p, &e);
			if (e == p || (*e != ' ' && *e != 0))
				return sp_state_error(s, err, SP_EMODEL, "%s: value %zu is not a number", key, i + 1);
		}
		p = *e ? e + 1 : e;
		if (*e == ' ' && *p == 0)
			return sp_state_error(s, err, SP_EMODEL, "%s: trailing space", key);
	}
	if (*p)
		return sp_state_error(s, err, SP_EMODEL, "%s: more than %zu values", key, n);
	s->cur++;
	return 0;
}

int
sp_state_long(sp_state *s, const char *key, long min, long max, long *v, sp_error *err)
{
	return numbers(s, key, 1, NULL, v, min, max, err);
}

int
sp_state_longs(sp_state *s, const char *key, size_t n, long min, long max, long *v, sp_error *err)
{
	return numbers(s, key, n, NULL, v, min, max, err);
}

int
sp_state_double(sp_state *s, const char *key, double *v, sp_error *err)
{
	return numbers(s, key, 1, v, NULL, 0, 0, err);
}

int
sp_state_doubles(sp_state *s, const char *key, size_t n, double *v, sp_error *err)
{
	return numbers(s, key, n, v, NULL, 0, 0, err);
}

int
sp_state_str(sp_state *s, const char *key, const char **v, sp_error *err)
{
	const char *p = vals(s, key, err);

	if (!p)
		return SP_EMODEL;
	if (*p == 0 || strchr(p, ' '))
		return sp_state_error(s, err, SP_EMODEL, "%s: want one token", key);
	*v = p;
	s->cur++;
	return 0;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
sp_state_bytes(sp_state *s, const char *key, char **v, size_t *len, sp_error *err)
{
	const char *p;
	char *q;
	int rc;

	if ((rc = sp_state_str(s, key, &p, err)) < 0)
		return rc;
	if (!(*v = q = malloc(strlen(p) + 1)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (; *p; p++) {
		if (*p != '%') {
			*q++ = *p;
			continue;
		}
		if (hexval(p[1]) < 0 || hexval(p[2]) < 0) {
			free(*v);
			*v = NULL;
			s->cur--;
			return sp_state_error(s, err, SP_EMODEL, "%s: bad %%-escape", key);
		}
		*q++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
		p += 2;
	}
	*q = 0;
	*len = (size_t)(q - *v);
	return 0;
}

int
sp_state_end(sp_state *s, sp_error *err)
{
	if (s->cur >= s->n)
		return sp_state_error(s, err, SP_EMODEL, "'end' missing (truncated)");
	if (strcmp(s->l[s->cur].text, "end") != 0 || *s->l[s->cur].vals)
		return sp_state_error(s, err, SP_EMODEL, "'%s' where 'end' was expected", s->l[s->cur].text);
	s->cur++;
	if (s->cur < s->n)
		return sp_state_error(s, err, SP_EMODEL, "something after 'end'");
	return 0;
}

void *
sp_state_key(sp_state *s, sp_keyed *k, sp_error *err)
{
	char *key;
	size_t len;
	void *st;

	if (sp_state_bytes(s, "key", &key, &len, err) < 0)
		return NULL;
	if (sp_keyed_find(k, key, len)) {
		free(key);
		sp_state_error_back(s, 1, err, SP_EMODEL, "key: twice");
		return NULL;
	}
	st = sp_keyed_get(k, key, len, err);
	free(key);
	return st;
}

/* ---- options, keys and whole files ---- */

/* "opt_level" -> "opt level": keys name options with '_' */
static void
key_words(const char *key, char *buf, size_t size)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < size; i++)
		buf[i] = key[i] == '_' ? ' ' : key[i];
	buf[i] = 0;
}

int
sp_state_want_double(sp_state *s, const char *key, double want, sp_error *err)
{
	char kw[64];
	double got;
	int rc;

	if ((rc = sp_state_double(s, key, &got, err)) < 0)
		return rc;
	if (got == want || (isnan(got) && isnan(want)))
		return 0;
	key_words(key, kw, sizeof kw);
	return sp_state_error_back(s, 1, err, SP_EMODEL, "state written with %s %.17g, not %.17g", kw, got,
	    want);
}

int
sp_state_want_long(sp_state *s, const char *key, long want, sp_error *err)
{
	char kw[64];
	long got;
	int rc;

	if ((rc = sp_state_long(s, key, -(1L << 62), 1L << 62, &got, err)) < 0)
		return rc;
	if (got == want)
		return 0;
	key_words(key, kw, sizeof kw);
	return sp_state_error_back(s, 1, err, SP_EMODEL, "state written with %s %ld, not %ld", kw, got, want);
}

int
sp_state_want_str(sp_state *s, const char *key, const char *want, sp_error *err)
{
	char kw[64];
	const char *got;
	int rc;

	if ((rc = sp_state_str(s, key, &got, err)) < 0)
		return rc;
	if (strcmp(got, want) == 0)
		return 0;
	key_words(key, kw, sizeof kw);
	return sp_state_error_back(s, 1, err, SP_EMODEL, "state written with %s %s, not %s", kw, got, want);
}

int
sp_state_put_keys(sp_state_writer *w, const sp_keyed *k, sp_state_put_fn put, void *ctx, sp_error *err)
{
	size_t i, len, n = sp_keyed_count(k);
	int rc;

	sp_state_put_long(w, "keys", (long)n);
	for (i = 0; i < n; i++) {
		const char *key = sp_keyed_key(k, i, &len);
		sp_state_put_bytes(w, "key", key, len);
		if ((rc = put(ctx, sp_keyed_state(k, i), w, err)) < 0)
			return rc;
	}
	return 0;
}

int
sp_state_get_keys(sp_state *s, sp_keyed *k, sp_state_get_fn get, void *ctx, sp_error *err)
{
	long n, i;
	int rc;

	if ((rc = sp_state_long(s, "keys", 0, 100000000, &n, err)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		void *st = sp_state_key(s, k, err);
		if (!st)
			return err ? err->code : SP_EMODEL;
		if ((rc = get(ctx, st, s, err)) < 0)
			return rc;
	}
	return 0;
}

int
sp_state_resume(const char *path, const char *kind, int version, int (*read)(void *ctx, sp_state *s, sp_error *err),
    void *ctx, sp_error *err)
{
	sp_state *s;
	int rc;

	if ((rc = sp_state_load(path, kind, version, &s, err)) < 0)
		return rc;
	if (!s)
		return 0;
	if ((rc = read(ctx, s, err)) == 0)
		rc = sp_state_end(s, err);
	sp_state_free(s);
	return rc < 0 ? rc : 1;
}

int
sp_state_save(const char *path, const char *kind, int version, int (*put)(void *ctx, sp_state_writer *w, sp_error *err),
    void *ctx, sp_error *err)
{
	sp_state_writer *w = sp_state_writer_new(kind, version, err);
	int rc;

	if (!w)
		return err ? err->code : SP_ENOMEM;
	if ((rc = put(ctx, w, err)) == 0)
		rc = sp_state_writer_save(w, path, err);
	sp_state_writer_free(w);
	return rc;
}

int
sp_state_forget_parse(const char *arg, sp_state_forget *f, sp_error *err)
{
	double d;

	if (sp_time_parse_duration(arg, &d) < 0)
		return sp_error_set(err, SP_EUSAGE, "--forget: not a duration: '%s'", arg);
	f->span = d;
	snprintf(f->text, sizeof f->text, "%s", arg);
	return 0;
}

/* The copy's create callback: the state being copied. */
static void *
same_state(void *ctx, const char *key, size_t len, sp_error *err)
{
	(void)key, (void)len, (void)err;
	return *(void **)ctx;
}

int
sp_state_forget_keys(const sp_keyed *k, const sp_state_forget *f, sp_keyed **kept, sp_error *err)
{
	size_t i, len, n;
	double newest = -INFINITY, t;
	void *cur = NULL;
	sp_keyed *out = NULL;
	sp_error note;

	*kept = NULL;
	if (!k || !f || !(f->span > 0) || !f->last)
		return 0;
	n = sp_keyed_count(k);
	for (i = 0; i < n; i++)
		if ((t = f->last(f->last_ctx, sp_keyed_state(k, i))) > newest)
			newest = t;
	for (i = 0; i < n; i++) {
		const char *key = sp_keyed_key(k, i, &len);
		int gone;

		cur = sp_keyed_state(k, i);
		t = f->last(f->last_ctx, cur);
		gone = isfinite(t) && isfinite(newest) && t < newest - f->span;
		if (gone && !out) {   /* the first key forgotten: copy the ones before */
			size_t j, l2;
			if (!(out = sp_keyed_new(same_state, NULL, &cur)))
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			for (j = 0; j < i; j++) {
				const char *k2 = sp_keyed_key(k, j, &l2);
				cur = sp_keyed_state(k, j);
				if (!sp_keyed_get(out, k2, l2, err))
					goto fail;
			}
			cur = sp_keyed_state(k, i);
		}
		if (gone) {
			if (f->forgot) {
				sp_error_set(&note, SP_OK, "key '%.*s': no row for %s: forgotten",
				    (int)(len > 200 ? 200 : len), key, f->text);
				f->forgot(f->ctx, &note);
			}
		} else if (out && !sp_keyed_get(out, key, len, err))
			goto fail;
	}
	*kept = out;
	return 0;
fail:
	sp_keyed_free(out);
	return err ? err->code : SP_ENOMEM;
}
