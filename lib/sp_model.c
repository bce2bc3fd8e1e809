/* sp_model: model files; see sp_model.h. */
#include "sp_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sp_file.h"
#include "sp_num.h"

#define MAGIC "scalepipe-model"

struct sp_model_writer {
	sp_file *file;
	FILE *fp;       /* sp_file_stream(file) */
};

typedef struct {
	char *key;
	char *val;      /* rest of the line after the key and one space ("" if none) */
	long line;
	int used;
} entry;

struct sp_model {
	char *path;
	char *text;     /* the whole file, modified in place */
	entry *e;
	size_t n;
	long endline;
};

sp_model_writer *
sp_model_create(const char *path, const char *kind, int version, sp_error *err)
{
	return sp_model_create_flags(path, kind, version, SP_FILE_PUBLIC, err);
}

sp_model_writer *
sp_model_create_flags(const char *path, const char *kind, int version, int flags, sp_error *err)
{
	sp_model_writer *w = calloc(1, sizeof *w);

	if (!w) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	if (!(w->file = sp_file_create(path, flags, err))) {
		free(w);
		return NULL;
	}
	w->fp = sp_file_stream(w->file);
	fprintf(w->fp, "%s %s %d\n", MAGIC, kind, version);
	return w;
}

void
sp_model_put_str(sp_model_writer *w, const char *key, const char *value)
{
	fprintf(w->fp, "%s %s\n", key, value);
}

void
sp_model_put_long(sp_model_writer *w, const char *key, long v)
{
	fprintf(w->fp, "%s %ld\n", key, v);
}

void
sp_model_put_double(sp_model_writer *w, const char *key, double v)
{
	fprintf(w->fp, "%s %.17g\n", key, v);
}

void
sp_model_put_doubles(sp_model_writer *w, const char *key, size_t n, const double *v)
{
	size_t i;

	fputs(key, w->fp);
	for (i = 0; i < n; i++)
		fprintf(w->fp, " %.17g", v[i]);
	fputc('\n', w->fp);
}

void
sp_model_put_floats(sp_model_writer *w, const char *key, size_t n, const float *v)
{
	size_t i;

	fputs(key, w->fp);
	for (i = 0; i < n; i++)
		fprintf(w->fp, " %.9g", (double)v[i]);
	fputc('\n', w->fp);
}

void
sp_model_put_line(sp_model_writer *w, const char *key, const char *text)
{
	const char *p;

	fprintf(w->fp, "%s ", key);
	for (p = text; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, w->fp);
	fputc('\n', w->fp);
}

void
sp_model_put_text(sp_model_writer *w, const char *key, const char *text)
{
	size_t lines = 0, len = strlen(text);
	const char *p;

	for (p = text; *p; p++)
		lines += *p == '\n';
	if (len > 0 && text[len - 1] != '\n')
		lines++;
	fprintf(w->fp, "%s <<< %zu\n", key, lines);
	fputs(text, w->fp);
	if (len > 0 && text[len - 1] != '\n')
		fputc('\n', w->fp);
}

int
sp_model_commit(sp_model_writer *w, sp_error *err)
{
	int rc;

	fputs("end\n", w->fp);
	rc = sp_file_commit(w->file, err);
	free(w);
	return rc;
}

sp_file *
sp_model_close(sp_model_writer *w, sp_error *err)
{
	sp_file *f = w->file;

	fputs("end\n", w->fp);
	free(w);
	return sp_file_close(f, err) == SP_OK ? f : NULL;
}

void
sp_model_abort(sp_model_writer *w)
{
	if (!w)
		return;
	sp_file_abort(w->file);
	free(w);
}

/* ---- reading ---- */

static int
load_fail(sp_model *m, sp_error *err, long line, const char *fmt, const char *a, const char *b)
{
	char msg[SP_ERRMSG_MAX];

	snprintf(msg, sizeof msg, fmt, a, b);
	if (line > 0)
		sp_error_set(err, SP_EMODEL, "%s:%ld: %s", m->path, line, msg);
	else
		sp_error_set(err, SP_EMODEL, "%s: %s", m->path, msg);
	return SP_EMODEL;
}

int
sp_model_peek(const char *path, char *kind, size_t size, int *version, sp_error *err)
{
	char line[256], fkind[64], extra;
	FILE *fp = fopen(path, "rb");
	int ver, ok;

	if (!fp)
		return sp_error_set(err, SP_EIO, "%s: %s", path, strerror(errno));
	ok = fgets(line, sizeof line, fp) != NULL && strncmp(line, MAGIC " ", sizeof MAGIC) == 0 &&
	    sscanf(line, MAGIC " %63s %d %c", fkind, &ver, &extra) == 2;
	fclose(fp);
	if (!ok)
		return sp_error_set(err, SP_EMODEL, "%s:1: not a scalepipe model file (first line must be '"
		    MAGIC " <kind> <version>')", path);
	if (size > 0)
		snprintf(kind, size, "%s", fkind);
	if (version)
		*version = ver;
	return SP_OK;
}

sp_model *
sp_model_load(const char *path, const char *kind, int max_version, int *version, sp_error *err)
{
	sp_model *m = calloc(1, sizeof *m);
	FILE *fp = NULL;
	size_t cap = 0, len = 0, ecap = 0, i;
	char *p, *nl, fkind[64];
	long line = 0, v;
	int ended = 0;

	if (!m || !(m->path = strdup(path))) {
		free(m);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	if (!(fp = fopen(path, "rb"))) {
		sp_error_set(err, SP_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	for (;;) {
		size_t k;
		if (len + 65536 + 1 > cap) {
			char *nt = realloc(m->text, cap = (cap ? cap * 2 : 65536) + 65536 + 1);
			if (!nt) {
				sp_error_set(err, SP_ENOMEM, "out of memory");
				goto fail;
			}
			m->text = nt;
		}
		k = fread(m->text + len, 1, 65536, fp);
		len += k;
		if (k < 65536)
			break;
	}
	if (ferror(fp)) {
		sp_error_set(err, SP_EIO, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	fclose(fp);
	fp = NULL;
	if (!m->text) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	m->text[len] = '\0';
	if (memchr(m->text, '\0', len)) {
		load_fail(m, err, 0, "not a scalepipe model file (binary data)", "", "");
		goto fail;
	}

	p = m->text;
	for (; *p; p = nl ? nl + 1 : p + strlen(p)) {
		char *key, *val;
		line++;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		else if (!*p)
			break;
		if (!nl) {
			load_fail(m, err, line, "truncated file (last line has no newline)", "", "");
			goto fail;
		}
		if (line == 1) {
			char extra;
			int ver;
			if (sscanf(p, MAGIC " %63s %d %c", fkind, &ver, &extra) != 2 ||
			    strncmp(p, MAGIC " ", sizeof MAGIC) != 0) {
				load_fail(m, err, 1, "not a scalepipe model file (first line must be '"
				    MAGIC " <kind> <version>')", "", "");
				goto fail;
			}
			if (strcmp(fkind, kind) != 0) {
				load_fail(m, err, 1, "is a '%s' model, expected '%s'", fkind, kind);
				goto fail;
			}
			if (ver < 1 || ver > max_version) {
				char a[32], b[32];
				snprintf(a, sizeof a, "%d", ver);
				snprintf(b, sizeof b, "%d", max_version);
				load_fail(m, err, 1, "format version %s is not supported (this build reads up to %s); "
				    "HINT: upgrade scalepipe or retrain the model", a, b);
				goto fail;
			}
			if (version)
				*version = ver;
			continue;
		}
		if (ended) {
			load_fail(m, err, line, "data after 'end'", "", "");
			goto fail;
		}
		if (strcmp(p, "end") == 0) {
			ended = 1;
			m->endline = line;
			continue;
		}
		key = p;
		val = strchr(p, ' ');
		if (val)
			*val++ = '\0';
		else
			val = p + strlen(p);
		if (!*key) {
			load_fail(m, err, line, "empty key", "", "");
			goto fail;
		}
		for (i = 0; i < m->n; i++)
			if (strcmp(m->e[i].key, key) == 0) {
				load_fail(m, err, line, "duplicate key '%s'", key, "");
				goto fail;
			}
		if (m->n == ecap) {
			entry *ne = realloc(m->e, (ecap = ecap ? ecap * 2 : 32) * sizeof *ne);
			if (!ne) {
				sp_error_set(err, SP_ENOMEM, "out of memory");
				goto fail;
			}
			m->e = ne;
		}
		m->e[m->n].key = key;
		m->e[m->n].val = val;
		m->e[m->n].line = line;
		m->e[m->n].used = 0;
		m->n++;
		/* a text block: "<key> <<< <lines>" then that many raw lines */
		if (strncmp(val, "<<< ", 4) == 0) {
			char *q = nl + 1, *start = q;
			if (sp_num_parse_long(val + 4, &v) != 0 || v < 0) {
				load_fail(m, err, line, "bad line count for '%s'", key, "");
				goto fail;
			}
			for (; v > 0; v--) {
				char *e = strchr(q, '\n');
				if (!e) {
					load_fail(m, err, line, "truncated text block '%s'", key, "");
					goto fail;
				}
				q = e + 1;
				line++;
			}
			/* the block's text, its newlines kept, is the value */
			if (q > start) {
				q[-1] = '\0';
				m->e[m->n - 1].val = start;
				nl = q - 1;
			} else {
				m->e[m->n - 1].val = start - 1; /* the "" at the old newline */
			}
		}
	}
	if (line == 0) {
		load_fail(m, err, 0, "empty file", "", "");
		goto fail;
	}
	if (!ended) {
		load_fail(m, err, line, "truncated file (no 'end' line)", "", "");
		goto fail;
	}
	return m;
fail:
	if (fp)
		fclose(fp);
	sp_model_free(m);
	return NULL;
}

void
sp_model_free(sp_model *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->text);
	free(m->e);
	free(m);
}

const char *
sp_model_path(const sp_model *m)
{
	return m->path;
}

static entry *
find(const sp_model *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->e[i].key, key) == 0)
			return &m->e[i];
	return NULL;
}

int
sp_model_has(const sp_model *m, const char *key)
{
	return find(m, key) != NULL;
}

static entry *
need(sp_model *m, const char *key, sp_error *err)
{
	entry *e = find(m, key);

	if (!e) {
		sp_error_set(err, SP_EMODEL, "%s:%ld: missing key '%s'", m->path, m->endline, key);
		return NULL;
	}
	e->used = 1;
	return e;
}

int
sp_model_get_str(sp_model *m, const char *key, const char **out, sp_error *err)
{
	entry *e = need(m, key, err);

	if (!e)
		return SP_EMODEL;
	if (!*e->val || strchr(e->val, ' '))
		return sp_error_set(err, SP_EMODEL, "%s:%ld: '%s' needs exactly one word",
		    m->path, e->line, key);
	*out = e->val;
	return SP_OK;
}

int
sp_model_get_line(sp_model *m, const char *key, const char **out, sp_error *err)
{
	entry *e = need(m, key, err);

	if (!e)
		return SP_EMODEL;
	*out = e->val;
	return SP_OK;
}

int
sp_model_get_text(sp_model *m, const char *key, const char **out, sp_error *err)
{
	return sp_model_get_line(m, key, out, err);
}

int
sp_model_get_long(sp_model *m, const char *key, long min, long max, long *out, sp_error *err)
{
	entry *e = need(m, key, err);

	if (!e)
		return SP_EMODEL;
	if (sp_num_parse_long(e->val, out) != 0)
		return sp_error_set(err, SP_EMODEL, "%s:%ld: '%s' is not an integer: '%s'",
		    m->path, e->line, key, e->val);
	if (*out < min || *out > max)
		return sp_error_set(err, SP_EMODEL, "%s:%ld: '%s' = %ld is out of range [%ld, %ld]",
		    m->path, e->line, key, *out, min, max);
	return SP_OK;
}

/* Parse exactly n values of the entry into out (double or float). */
static int
parse_values(sp_model *m, entry *e, size_t n, double *outd, float *outf, sp_error *err)
{
	const char *p = e->val;
	size_t i = 0;

	while (*p) {
		const char *q = strchr(p, ' ');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		double v;
		if (i >= n)
			return sp_error_set(err, SP_EMODEL, "%s:%ld: '%s' has more than %zu values",
			    m->path, e->line, e->key, n);
		if (sp_num_parse_field(p, len, &v) != 0)
			return sp_error_set(err, SP_EMODEL, "%s:%ld: '%s' value %zu is not a finite number: '%.*s'",
			    m->path, e->line, e->key, i + 1, (int)(len > 40 ? 40 : len), p);
		if (outd)
			outd[i] = v;
		else
			outf[i] = (float)v;
		i++;
		p = q ? q + 1 : p + len;
	}
	if (i != n)
		return sp_error_set(err, SP_EMODEL, "%s:%ld: '%s' has %zu values, expected %zu",
		    m->path, e->line, e->key, i, n);
	return SP_OK;
}

int
sp_model_get_double(sp_model *m, const char *key, double *out, sp_error *err)
{
	entry *e = need(m, key, err);

	return e ? parse_values(m, e, 1, out, NULL, err) : SP_EMODEL;
}

int
sp_model_get_double_opt(sp_model *m, const char *key, double *out, sp_error *err)
{
	if (!find(m, key))
		return 1;
	return sp_model_get_double(m, key, out, err);
}

int
sp_model_get_doubles(sp_model *m, const char *key, size_t n, double *out, sp_error *err)
{
	entry *e = need(m, key, err);

	return e ? parse_values(m, e, n, out, NULL, err) : SP_EMODEL;
}

int
sp_model_get_floats(sp_model *m, const char *key, size_t n, float *out, sp_error *err)
{
	entry *e = need(m, key, err);

	return e ? parse_values(m, e, n, NULL, out, err) : SP_EMODEL;
}

long
sp_model_count(sp_model *m, const char *key, sp_error *err)
{
	entry *e = find(m, key);
	const char *p;
	long n = 0;

	if (!e)
		return sp_error_set(err, SP_EMODEL, "%s:%ld: missing key '%s'", m->path, m->endline, key);
	for (p = e->val; *p;) {
		n++;
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
	}
	return n;
}

int
sp_model_finish(sp_model *m, sp_error *err)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!m->e[i].used)
			return sp_error_set(err, SP_EMODEL, "%s:%ld: unknown key '%s'",
			    m->path, m->e[i].line, m->e[i].key);
	return SP_OK;
}
