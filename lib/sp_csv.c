/* sp_csv: CSV reader (over libcsv) and writer; see sp_csv.h.
 *
 * libcsv is a push parser: we feed it chunks and it calls back once per field
 * and once per end of record.  We collect the fields of complete records into
 * an arena and hand them out one row at a time; when the batch is used up we
 * read the next chunk.  A record cut by the chunk boundary keeps its finished
 * fields (moved to the front of the arena) while libcsv keeps the unfinished
 * field in its own buffer.
 *
 * Fast path: while every quote of the input opens or closes a whole quoted
 * field (a field that starts with '"', has no other '"' and no line break
 * inside, and whose closing '"' ends the field) and there is no bare CR, a
 * record is just a line split at commas, the quoted fields' quotes left
 * out, so complete lines of a chunk are split in place (memchr, no copy)
 * and the cut line is carried to the next chunk.  Fleet files quote their
 * key ("namespace=a,deployment=b") and stay on it.  The first chunk
 * holding any other quote (a doubled one, one inside a field, a line
 * break in quotes) or a CR not followed by LF hands the rest of the input,
 * from a line boundary, to libcsv for good.  Both paths
 * give the same records (libcsv also skips empty lines); tests/unit/test_core.c
 * checks that.
 */
#include "sp_csv.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sp_num.h"
#include "sp_time.h"

#define CHUNK 65536
#define RBUF (4 * CHUNK)   /* read buffer: a chunk plus a carried line */

struct sp_csv_reader {
	FILE *fp;
	char *name;
	int flags;
	struct csv_parser p;
	int eof;            /* input exhausted and csv_fini done */
	int slow;           /* libcsv handles the rest of the input */
	size_t carry;       /* fast path: bytes of a cut line at buf + carry_from */
	size_t carry_from;
	int oom;
	int toolong;        /* a field or a row over the limits (sp_csv.h) */
	int last_byte;      /* slow path: the last byte given to libcsv, or -1 */

	/* arena of NUL-terminated field texts of the current batch */
	char *arena;
	size_t alen, acap;
	size_t *foff, *flen;   /* per field: offset in arena, length */
	size_t nf, fcap;
	size_t *rstart;        /* per complete row: index of its first field */
	size_t nr, rcap;       /* complete rows in the batch */
	size_t rnext;          /* next row to hand out */
	size_t partial;        /* first field of the record not yet ended */

	/* current row */
	const char **cur;
	size_t *curlen;
	size_t curn, curcap;
	long rowno;

	/* header */
	char **cols;
	size_t ncols;

	double prev_t;
	int have_prev_t;
	sp_error perr;      /* a parse error found ahead of the rows handed out */
	int has_perr;
	char *buf;
};

struct sp_csv_writer {
	FILE *fp;
	char *buf;
	size_t len, cap;
	size_t whole;     /* buf[0..whole) holds complete rows */
	int prec;
	int first;        /* next field is the first of its row */
	int failed;
	int err_no;
};

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 64;
	while (nc < need)
		nc *= 2;
	np = realloc(*p, nc * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

static void
on_field(void *s, size_t len, void *data)
{
	sp_csv_reader *r = data;

	if (r->oom || r->toolong)
		return;
	if (len > SP_CSV_MAX_FIELD || r->alen + len > SP_CSV_MAX_ROW) {
		r->toolong = 1;
		return;
	}
	if (grow((void **)&r->arena, &r->acap, r->alen + len + 1, 1) ||
	    (r->nf + 1 > r->fcap &&
	    (grow((void **)&r->foff, &(size_t){ r->fcap }, r->nf + 1, sizeof *r->foff) ||
	    grow((void **)&r->flen, &r->fcap, r->nf + 1, sizeof *r->flen)))) {
		r->oom = 1;
		return;
	}
	if (len)
		memcpy(r->arena + r->alen, s, len);
	r->arena[r->alen + len] = '\0';
	r->foff[r->nf] = r->alen;
	r->flen[r->nf] = len;
	r->nf++;
	r->alen += len + 1;
}

static void
on_record(int c, void *data)
{
	sp_csv_reader *r = data;

	(void)c;
	if (r->oom)
		return;
	if (grow((void **)&r->rstart, &r->rcap, r->nr + 2, sizeof *r->rstart)) {
		r->oom = 1;
		return;
	}
	r->rstart[r->nr++] = r->partial;
	r->rstart[r->nr] = r->nf;
	r->partial = r->nf;
}

static int
space_none(unsigned char c)
{
	(void)c;
	return 0;
}

/* Keep only the unfinished record's fields, at the front of the arena. */
static void
compact(sp_csv_reader *r)
{
	size_t i, k = r->nf - r->partial, base;

	if (k == 0) {
		r->alen = 0;
	} else {
		base = r->foff[r->partial];
		memmove(r->arena, r->arena + base, r->alen - base);
		r->alen -= base;
		for (i = 0; i < k; i++) {
			r->foff[i] = r->foff[r->partial + i] - base;
			r->flen[i] = r->flen[r->partial + i];
		}
	}
	r->nf = k;
	r->partial = 0;
	r->nr = 0;
	r->rnext = 0;
}

static void
where_prefix(const sp_csv_reader *r, char *buf, size_t size)
{
	if (r->name && strcmp(r->name, "-") != 0)
		snprintf(buf, size, "%s: ", r->name);
	else
		buf[0] = '\0';
}

/* A parse error is reported only when the rows before it have been handed
 * out, so a tool processes (and writes) every good row first. */
static void
defer_error(sp_csv_reader *r, sp_status code, const char *what)
{
	char pre[300];

	where_prefix(r, pre, sizeof pre);
	if (code == SP_EIO)
		sp_error_set(&r->perr, code, "%sread error: %s", pre, what);
	else
		sp_error_set(&r->perr, code, "%srow %ld: malformed CSV: %s", pre,
		    r->rowno + (long)(r->nr - r->rnext) + 1, what);
	r->has_perr = 1;
	r->eof = 1;
}

/* A NUL byte ends the input with an error at its row: a C string would
 * cut the field there ("5\0" would read as 5). */
static void
defer_nul(sp_csv_reader *r)
{
	defer_error(r, SP_EDATA, "NUL byte in the input");
}

/* The input ends inside a row: a writer that died mid-row, or a file cut
 * short.  Never data: "8" may be the first digit of "83.716". */
static void
defer_incomplete(sp_csv_reader *r)
{
	char pre[300];
	long row = r->rowno + (long)(r->nr - r->rnext) + 1;

	where_prefix(r, pre, sizeof pre);
	if (row <= 0)
		sp_error_set(&r->perr, SP_EDATA,
		    "%sheader: incomplete line (no newline at end of input)", pre);
	else
		sp_error_set(&r->perr, SP_EDATA,
		    "%srow %ld: incomplete last row (no newline at end of input)", pre, row);
	r->has_perr = 1;
	r->eof = 1;
}

static void
defer_toolong(sp_csv_reader *r)
{
	char what[96];

	snprintf(what, sizeof what, "a field over %d MiB or a row over %d MiB",
	    SP_CSV_MAX_FIELD >> 20, SP_CSV_MAX_ROW >> 20);
	r->toolong = 1;
	defer_error(r, SP_EDATA, what);
}

/* Append a field / end a record in the fast path (fields live in buf). */
static int
fast_field(sp_csv_reader *r, size_t off, size_t len)
{
	if (r->nf + 1 > r->fcap &&
	    (grow((void **)&r->foff, &(size_t){ r->fcap }, r->nf + 1, sizeof *r->foff) ||
	    grow((void **)&r->flen, &r->fcap, r->nf + 1, sizeof *r->flen)))
		return -1;
	r->foff[r->nf] = off;
	r->flen[r->nf] = len;
	r->nf++;
	return 0;
}

/* Split the complete lines of buf[0..n) in place; returns the number of
 * bytes consumed (up to and including the last LF). */
static size_t
fast_split_from(sp_csv_reader *r, size_t from, size_t n)
{
	char *b = r->buf, *end, *p = b + from, *nl;

	nl = memrchr(p, '\n', n - from);
	if (!nl)
		return 0;
	end = nl + 1;
	while (p < end) {
		char *e = memchr(p, '\n', (size_t)(end - p)), *le = e, *q;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {       /* empty line: skipped, as libcsv does */
			p = e + 1;
			continue;
		}
		for (;;) {
			char *f = p;
			if (*p == '"') {    /* a whole quoted field (fast_ok): its text, then ',' or the end */
				f = p + 1;
				p = memchr(f, '"', (size_t)(le - f));
				*p++ = '\0';
			}
			q = memchr(p, ',', (size_t)(le - p));
			if (!q)
				q = le;
			*q = '\0';
			if (fast_field(r, (size_t)(f - b), f == p ? (size_t)(q - p) : (size_t)(p - 1 - f)) < 0) {
				r->oom = 1;
				return 0;
			}
			if (q == le)
				break;
			p = q + 1;
		}
		*e = '\0';
		on_record('\n', r);
		p = e + 1;
	}
	return (size_t)(end - (b + from));
}

static size_t
fast_split(sp_csv_reader *r, size_t n)
{
	return fast_split_from(r, 0, n);
}

/* Are the quotes of the line [p, le) (no LF in it; le at its CR or LF)
 * all whole quoted fields: a field that starts with '"' and ends at the
 * next '"', followed by ',' or the line's end? */
static int
quotes_whole(const char *p, const char *le)
{
	for (;;) {
		const char *q;
		if (p < le && *p == '"') {
			if (!(q = memchr(p + 1, '"', (size_t)(le - p - 1))))
				return 0;       /* a line break in quotes, or no closing quote */
			p = q + 1;
			if (p == le)
				return 1;
			if (*p != ',')
				return 0;       /* a doubled quote, or text after the closing one */
		} else {
			if (!(q = memchr(p, ',', (size_t)(le - p))))
				q = le;
			if (memchr(p, '"', (size_t)(q - p)))
				return 0;       /* a quote inside an unquoted field */
			if (q == le)
				return 1;
			p = q;
		}
		p++;
	}
}

/* May the fast path take buf[0..n)?  Every quote of its complete lines in
 * a whole quoted field, and of the line after the last LF too when it is
 * the input's last (final: the end of the input or a NUL follows; else it
 * is carried and looked at with the next chunk), and every CR ends a line. */
static int
fast_ok(const char *b, size_t n, int final)
{
	const char *p = b, *e = b + n, *q = memchr(b, '"', n), *last = memrchr(b, '\n', n);

	if (final && q) {   /* the last line's quotes, as if it ended here */
		const char *t = last ? last + 1 : b;
		if (memchr(t, '"', (size_t)(e - t)) && !quotes_whole(t, e))
			return 0;
	}
	if (q && last && q < last) {
		const char *l = memrchr(b, '\n', (size_t)(q - b));
		for (l = l ? l + 1 : b; l <= last; ) {
			const char *nl = memchr(l, '\n', (size_t)(last + 1 - l)), *le = nl;
			if (le > l && le[-1] == '\r')
				le--;
			if (memchr(l, '"', (size_t)(le - l)) && !quotes_whole(l, le))
				return 0;
			l = nl + 1;
		}
	}
	while ((p = memchr(p, '\r', (size_t)(e - p))) != NULL) {
		if (p + 1 < e && p[1] != '\n')
			return 0;
		if (p + 1 == e)   /* CR at the chunk end: undecided, be safe */
			return 0;
		p++;
	}
	return 1;
}

/* Fill the batch with at least one complete row, or reach the end.
 * Called only when every row of the batch has been handed out, so the
 * storage of the old batch may be reused. */
static int
fill(sp_csv_reader *r, sp_error *err)
{
	while (r->rnext >= r->nr) {
		size_t n = 0, got, used;
		char *nul = NULL;

		if (r->has_perr) {
			if (err)
				*err = r->perr;
			return r->perr.code;
		}
		if (r->eof)
			return SP_EEOF;
		if (!r->slow) {
			r->nf = r->nr = r->rnext = r->partial = 0;
			memmove(r->buf, r->buf + r->carry_from, r->carry);
			r->carry_from = 0;
			n = r->carry;
			r->carry = 0;
			if (n + CHUNK <= RBUF) {
				got = fread(r->buf + n, 1, CHUNK, r->fp);
				if (got < CHUNK && ferror(r->fp)) {
					defer_error(r, SP_EIO, strerror(errno));
					continue;
				}
				nul = memchr(r->buf + n, '\0', got);
				n += got;
				if (nul)   /* the rows before the NUL's line, then the error */
					n = (size_t)(nul - r->buf);
				if (fast_ok(r->buf, n, nul || feof(r->fp))) {
					used = fast_split(r, n);
					if (nul) {
						if (r->oom)
							return sp_error_set(err, SP_ENOMEM, "out of memory");
						defer_nul(r);
						continue;
					}
					if (r->oom)
						return sp_error_set(err, SP_ENOMEM, "out of memory");
					if (used < n && feof(r->fp)) {
						/* the last line has no newline */
						defer_incomplete(r);
						continue;
					}
					r->carry_from = used;
					r->carry = n - used;
					if (feof(r->fp) && r->carry == 0)
						r->eof = 1;
					continue;
				}
			}
			/* a quote, a bare CR or a very long line: libcsv from the
			 * start of this (unsplit) data on, for the rest of the input */
			r->slow = 1;
		}
		compact(r);
		if (n == 0) {
			n = fread(r->buf, 1, CHUNK, r->fp);
			if ((nul = memchr(r->buf, '\0', n)) != NULL)
				n = (size_t)(nul - r->buf);
		}
		if (n > 0)
			r->last_byte = (unsigned char)r->buf[n - 1];
		if (n > 0 && csv_parse(&r->p, r->buf, n, on_field, on_record, r) != n) {
			defer_error(r, SP_EDATA, csv_strerror(csv_error(&r->p)));
			continue;
		}
		if (r->toolong || r->p.entry_pos > SP_CSV_MAX_FIELD) {
			defer_toolong(r);
			continue;
		}
		if (nul) {
			defer_nul(r);
			continue;
		}
		if (ferror(r->fp)) {
			defer_error(r, SP_EIO, strerror(errno));
			continue;
		}
		if (feof(r->fp)) {
			if (r->last_byte != -1 && r->last_byte != '\n' && r->last_byte != '\r') {
				defer_incomplete(r);
				continue;
			}
			if (csv_fini(&r->p, on_field, on_record, r) != 0)
				defer_error(r, SP_EDATA, "unterminated quoted field");
			r->eof = 1;
		}
		if (r->oom)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	return SP_OK;
}

/* Make the next complete row of the batch current. */
static int
take_row(sp_csv_reader *r, sp_error *err)
{
	size_t i, first, n;
	int rc = fill(r, err);

	if (rc != SP_OK)
		return rc;
	first = r->rstart[r->rnext];
	n = r->rstart[r->rnext + 1] - first;
	r->rnext++;
	if (grow((void **)&r->cur, &(size_t){ r->curcap }, n, sizeof *r->cur) ||
	    grow((void **)&r->curlen, &r->curcap, n, sizeof *r->curlen))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		r->cur[i] = (r->slow ? r->arena : r->buf) + r->foff[first + i];
		r->curlen[i] = r->flen[first + i];
	}
	r->curn = n;
	return SP_OK;
}

/* The first name that repeats an earlier one (its index in *dup; ncols when
 * none), with an open-addressing hash table: linear in the number of
 * columns (a header of 40,000 names took seconds with the pairwise test). */
static int
find_duplicate(char *const *cols, size_t ncols, size_t *dup, sp_error *err)
{
	size_t cap = 16, i, h, *tab;
	const unsigned char *c;

	while (cap < 2 * ncols)
		cap *= 2;
	if (!(tab = malloc(cap * sizeof *tab)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (h = 0; h < cap; h++)
		tab[h] = (size_t)-1;
	*dup = ncols;
	for (i = 0; i < ncols && *dup == ncols; i++) {
		h = 14695981039346656037u;   /* FNV-1a */
		for (c = (const unsigned char *)cols[i]; *c; c++)
			h = (h ^ *c) * 1099511628211u;
		for (h &= cap - 1; tab[h] != (size_t)-1; h = (h + 1) & (cap - 1))
			if (strcmp(cols[tab[h]], cols[i]) == 0) {
				*dup = i;
				break;
			}
		tab[h] = i;
	}
	free(tab);
	return 0;
}

sp_csv_reader *
sp_csv_reader_new(FILE *fp, const char *name, int flags, sp_error *err)
{
	sp_csv_reader *r = calloc(1, sizeof *r);
	char pre[300];
	size_t i, j = 0;
	int rc;

	if (!r || !(r->buf = malloc(RBUF + 1))) {
		free(r);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	r->fp = fp;
	r->flags = flags;
	r->last_byte = -1;
	r->name = name ? strdup(name) : NULL;
	csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	csv_set_blk_size(&r->p, 64 << 10);  /* grow a long field in 64 KiB steps, not 128 bytes */
	csv_set_space_func(&r->p, space_none);
	where_prefix(r, pre, sizeof pre);
	r->rowno = -1; /* the header is row 0 */
	r->slow = (flags & SP_CSV_LIBCSV_ONLY) != 0;
	rc = take_row(r, err);
	if (rc == SP_EEOF) {
		sp_error_set(err, SP_EDATA, "%sempty input (expected a header line)", pre);
		goto fail;
	}
	if (rc < 0)
		goto fail;
	r->ncols = r->curn;
	r->cols = calloc(r->ncols, sizeof *r->cols);
	if (!r->cols) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < r->ncols; i++) {
		const char *c = r->cur[i];
		/* a UTF-8 byte-order mark before the first name is not part of it */
		if (i == 0 && strncmp(c, "\xEF\xBB\xBF", 3) == 0)
			c += 3;
		r->cols[i] = strdup(c);
		if (!r->cols[i]) {
			sp_error_set(err, SP_ENOMEM, "out of memory");
			goto fail;
		}
		if (!r->cols[i][0]) {
			sp_error_set(err, SP_EDATA, "%sheader: column %zu has an empty name", pre, i + 1);
			goto fail;
		}
	}
	if (find_duplicate(r->cols, r->ncols, &j, err) < 0)
		goto fail;
	if (j < r->ncols) {
		sp_error_set(err, SP_EDATA, "%sheader: duplicate column '%s'", pre, r->cols[j]);
		goto fail;
	}
	if ((flags & SP_CSV_NEED_TIMESTAMP) && strcmp(r->cols[0], "timestamp") != 0) {
		sp_error_set(err, SP_EDATA,
		    "%sheader: first column must be 'timestamp', not '%s'", pre, r->cols[0]);
		goto fail;
	}
	r->rowno = 0;
	return r;
fail:
	sp_csv_reader_free(r);
	return NULL;
}

void
sp_csv_reader_free(sp_csv_reader *r)
{
	size_t i;

	if (!r)
		return;
	csv_free(&r->p);
	if (r->cols)
		for (i = 0; i < r->ncols; i++)
			free(r->cols[i]);
	free(r->cols);
	free(r->name);
	free(r->arena);
	free(r->foff);
	free(r->flen);
	free(r->rstart);
	free(r->cur);
	free(r->curlen);
	free(r->buf);
	free(r);
}

size_t
sp_csv_ncols(const sp_csv_reader *r)
{
	return r->ncols;
}

const char *
sp_csv_colname(const sp_csv_reader *r, size_t i)
{
	return i < r->ncols ? r->cols[i] : "?";
}

int
sp_csv_col_index(const sp_csv_reader *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i], name) == 0)
			return (int)i;
	return -1;
}

int
sp_csv_pick_col(const sp_csv_reader *r, const char *name, sp_error *err)
{
	char have[256] = "", pre[300];
	size_t i;
	int k;

	where_prefix(r, pre, sizeof pre);
	if (!name) {
		if (strcmp(r->cols[0], "timestamp") != 0)
			return 0;
		if (r->ncols < 2)
			return sp_error_set(err, SP_EDATA, "%sno data column after 'timestamp'", pre);
		return 1;
	}
	if ((k = sp_csv_col_index(r, name)) >= 0)
		return k;
	for (i = 0; i < r->ncols; i++) {
		if (i)
			strncat(have, ", ", sizeof have - strlen(have) - 1);
		strncat(have, r->cols[i], sizeof have - strlen(have) - 1);
	}
	return sp_error_set(err, SP_EUSAGE, "%sno column '%s' (have: %s)", pre, name, have);
}

int
sp_csv_next(sp_csv_reader *r, sp_error *err)
{
	int rc = take_row(r, err);

	if (rc == SP_EEOF && r->rowno == 0 && (r->flags & SP_CSV_NEED_ROWS)) {
		char pre[300];
		where_prefix(r, pre, sizeof pre);
		return sp_error_set(err, SP_EDATA, "%sno data rows (the input has only a header)", pre);
	}
	if (rc != SP_OK)
		return rc;
	r->rowno++;
	if (r->curn != r->ncols) {
		char pre[300];
		where_prefix(r, pre, sizeof pre);
		return sp_error_set(err, SP_EDATA, "%srow %ld: %zu fields, but the header has %zu",
		    pre, r->rowno, r->curn, r->ncols);
	}
	return SP_OK;
}

long
sp_csv_rowno(const sp_csv_reader *r)
{
	return r->rowno;
}

int
sp_csv_fast(const sp_csv_reader *r)
{
	return !r->slow;
}

const char *
sp_csv_field(const sp_csv_reader *r, size_t i, size_t *len)
{
	if (i >= r->curn) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = r->curlen[i];
	return r->cur[i];
}

void
sp_csv_where(const sp_csv_reader *r, long col, char *buf, size_t size)
{
	char pre[300];

	where_prefix(r, pre, sizeof pre);
	if (col >= 0)
		snprintf(buf, size, "%srow %ld, column %s", pre, r->rowno,
		    sp_csv_colname(r, (size_t)col));
	else
		snprintf(buf, size, "%srow %ld", pre, r->rowno);
}

int
sp_csv_error(const sp_csv_reader *r, long col, sp_error *err, sp_status code, const char *fmt, ...)
{
	char where[400], msg[SP_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sp_csv_where(r, col, where, sizeof where);
	return sp_error_set(err, code, "%s: %s", where, msg);
}

/* Quote a field's text for a message, shortened. */
static const char *
shown(const char *s, size_t n, char *buf, size_t size)
{
	if (n + 1 < size) {
		memcpy(buf, s, n);
		buf[n] = '\0';
	} else {
		snprintf(buf, size, "%.*s...", (int)(size - 4), s);
	}
	return buf;
}

int
sp_csv_get_double(const sp_csv_reader *r, size_t i, double *v, sp_error *err)
{
	char tmp[48];
	size_t n;
	const char *s = sp_csv_field(r, i, &n);
	int rc = sp_num_parse_field(s, n, v);

	if (rc >= 0)
		return rc;
	return sp_csv_error(r, (long)i, err, SP_EDATA, "not a finite number: '%s'",
	    shown(s, n, tmp, sizeof tmp));
}

int
sp_csv_get_double_req(const sp_csv_reader *r, size_t i, double *v, sp_error *err)
{
	int rc = sp_csv_get_double(r, i, v, err);

	if (rc == 1)
		return sp_csv_error(r, (long)i, err, SP_EDATA, "missing value");
	return rc;
}

int
sp_csv_get_timestamp(sp_csv_reader *r, double *t, sp_error *err)
{
	char tmp[48];
	size_t n;
	const char *s = sp_csv_field(r, 0, &n), *hint;

	if (sp_time_parse(s, n, t) != 0)
		return sp_csv_error(r, 0, err, SP_EDATA,
		    "not a timestamp (Unix seconds or RFC 3339): '%s'", shown(s, n, tmp, sizeof tmp));
	if ((hint = sp_time_implausible(*t)) != NULL)
		return sp_csv_error(r, 0, err, SP_EDATA, "%s is not Unix seconds (%s)",
		    shown(s, n, tmp, sizeof tmp), hint);
	if (!(r->flags & SP_CSV_ANY_ORDER) && r->have_prev_t && !(*t > r->prev_t)) {
		char a[40], b[40];
		sp_time_format(a, sizeof a, *t);
		sp_time_format(b, sizeof b, r->prev_t);
		return sp_csv_error(r, 0, err, SP_EDATA, *t == r->prev_t ?
		    "duplicate timestamp %s" : "timestamp %s is before the previous row's %s", a, b);
	}
	r->prev_t = *t;
	r->have_prev_t = 1;
	return SP_OK;
}

/* ---- writer ---- */

sp_csv_writer *
sp_csv_writer_new(FILE *fp)
{
	sp_csv_writer *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	if (!(w->buf = malloc(2 * CHUNK))) {
		free(w);
		return NULL;
	}
	w->cap = 2 * CHUNK;
	w->fp = fp;
	w->prec = 10;
	w->first = 1;
	return w;
}

void
sp_csv_writer_free(sp_csv_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

void
sp_csv_writer_precision(sp_csv_writer *w, int digits)
{
	w->prec = digits < 1 ? 1 : digits > 17 ? 17 : digits;
}

/* Hand the complete rows to the FILE and flush it, so that what reaches
 * the reader at any moment ends at a row boundary: a writer that fails or
 * is stopped later leaves whole rows behind, never a cut one.  The row
 * being built stays in the buffer. */
static void
drain(sp_csv_writer *w)
{
	if (w->whole && !w->failed) {
		if (fwrite(w->buf, 1, w->whole, w->fp) != w->whole || fflush(w->fp) != 0) {
			w->failed = 1;
			w->err_no = errno;
		}
	}
	memmove(w->buf, w->buf + w->whole, w->len - w->whole);
	w->len -= w->whole;
	w->whole = 0;
}

static void
put(sp_csv_writer *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n > w->cap) {
		/* one row longer than the buffer: grow it (a row is bounded by
		 * what the tool writes, e.g. the input row's fields) */
		size_t nc = w->cap;
		char *nb;
		while (nc < w->len + n)
			nc *= 2;
		if (!(nb = realloc(w->buf, nc))) {
			w->failed = 1;
			w->err_no = ENOMEM;
			return;
		}
		w->buf = nb;
		w->cap = nc;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
sep(sp_csv_writer *w)
{
	if (!w->first) {
		if (w->len < w->cap && !w->failed)   /* put's, without a call */
			w->buf[w->len++] = ',';
		else
			put(w, ",", 1);
	}
	w->first = 0;
}

void
sp_csv_write_field(sp_csv_writer *w, const char *s, size_t n)
{
	size_t i;
	int q = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');

	sep(w);
	for (i = 0; i < n && !q; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			q = 1;
	if (!q) {
		put(w, s, n);
		return;
	}
	put(w, "\"", 1);
	for (const char *p = s, *e = s + n, *qt; p < e; p = qt + 1) {   /* a quote doubled */
		if (!(qt = memchr(p, '"', (size_t)(e - p)))) {
			put(w, p, (size_t)(e - p));
			break;
		}
		put(w, p, (size_t)(qt - p) + 1);
		put(w, "\"", 1);
	}
	put(w, "\"", 1);
}

void
sp_csv_write_str(sp_csv_writer *w, const char *s)
{
	sp_csv_write_field(w, s, strlen(s));
}

void
sp_csv_write_double(sp_csv_writer *w, double v)
{
	char b[64];
	int n = sp_num_format(b, sizeof b, v, w->prec);

	sep(w);
	put(w, b, (size_t)n);
}

/* Whether s[0..n), a field read as v by sp_num_parse_field, is the text
 * sp_num_format(v, prec) writes, told from the text alone:
 *  - an integer of 1 to 15 digits without a leading 0 or a sign but '-',
 *    not "-0": below 2^53, so read exactly and written back with %lld;
 *  - a fraction, digits on both sides of the point, before it one digit
 *    or more without a leading 0, after it no more than 3 zeros after a
 *    lone 0, the last digit not 0, at most prec <= 15 significant digits:
 *    v is within half an ulp (2^-53 |v|) of the text, which is less than
 *    the distance to an integer (10^-15 |v| at the least) and less than
 *    half a unit in the text's last place (10^-prec |v| / 2 at the least),
 *    so v is no integer and %.*g rounds it to the text's digits, in fixed
 *    notation (its exponent is from -4 to prec - 2), the trailing zeros
 *    it drops being none.
 * Anything else (an exponent, '+', leading or trailing zeros, more
 * digits, a missing value) is 0, though sp_num_format may write some of
 * it back as it was. */
static int
is_format_of(const char *s, size_t n, int prec)
{
	const char *p = s, *e = s + n;
	size_t sig = 0;

	if (p < e && *p == '-')
		p++;
	if (p == e)
		return 0;
	if (*p == '0') {
		if (++p == e)
			return s[0] != '-';
	} else {
		for (; p < e && (unsigned)(*p - '0') <= 9; p++)
			sig++;
		if (sig == 0 || p == e)
			return sig > 0 && sig <= 15;
	}
	if (*p != '.' || ++p == e || e[-1] == '0')
		return 0;
	if (sig == 0) {         /* 0.: its zeros are no significant digits */
		const char *z = p;
		while (p < e && *p == '0')
			p++;
		if (p - z > 3)
			return 0;
	}
	for (; p < e && (unsigned)(*p - '0') <= 9; p++)
		sig++;
	return p == e && prec <= 15 && sig <= (size_t)prec;
}

void
sp_csv_write_double_text(sp_csv_writer *w, double v, const char *s, size_t n)
{
	if (!is_format_of(s, n, w->prec)) {
		sp_csv_write_double(w, v);
		return;
	}
	sep(w);
	put(w, s, n);
}

/* v in decimal into b (at least 21 bytes), as "%lld" writes it; the length */
static size_t
format_ll(char *b, long long v)
{
	char t[24];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n = 0, i = 0;

	do
		t[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		b[i++] = '-';
	while (n > 0)
		b[i++] = t[--n];
	return i;
}

void
sp_csv_write_long(sp_csv_writer *w, long v)
{
	char b[32];
	size_t n = format_ll(b, v);

	sep(w);
	put(w, b, n);
}

void
sp_csv_write_time(sp_csv_writer *w, double t)
{
	char b[64];
	/* sp_time_format's whole seconds ("%lld") without snprintf */
	int n = t == floor(t) && fabs(t) < 9e15 ? (int)format_ll(b, (long long)t) : sp_time_format(b, sizeof b, t);

	sep(w);
	put(w, b, (size_t)n);
}

void
sp_csv_write_row_fields(sp_csv_writer *w, const sp_csv_reader *r, size_t from, long to)
{
	size_t i, end = to < 0 ? r->curn : (size_t)to;

	for (i = from; i < end && i < r->curn; i++)
		sp_csv_write_field(w, r->cur[i], r->curlen[i]);
}

void
sp_csv_write_header_fields(sp_csv_writer *w, const sp_csv_reader *r, size_t from, long to)
{
	size_t i, end = to < 0 ? r->ncols : (size_t)to;

	for (i = from; i < end && i < r->ncols; i++)
		sp_csv_write_str(w, r->cols[i]);
}

void
sp_csv_end_row(sp_csv_writer *w)
{
	put(w, "\n", 1);
	w->first = 1;
	if (!w->failed)
		w->whole = w->len;
	if (w->whole >= CHUNK)
		drain(w);
}

int
sp_csv_writer_flush(sp_csv_writer *w, sp_error *err)
{
	drain(w);
	if (!w->failed && fflush(w->fp) != 0) {
		w->failed = 1;
		w->err_no = errno;
	}
	if (w->failed)
		return sp_error_set(err, SP_EIO, "write error: %s", strerror(w->err_no));
	return SP_OK;
}
