/* sp_prom: the Prometheus HTTP API, both directions.
 *
 * Reading (promfetch): answers of /api/v1/query_range ("matrix") and
 * /api/v1/query ("vector", "scalar") are merged into an sp_prom_matrix, a
 * set of series on one exact time grid start + i*step, i = 0..npoints-1.
 * A long range is fetched in chunks of at most max_points grid points per
 * series (Prometheus refuses more than 11,000); sp_prom_chunk gives the
 * chunk bounds so that consecutive chunks share no point and miss none.
 * Missing points (gaps beyond the server's lookback, NaN, +-Inf) are NaN.
 * sp_prom_fetch runs the requests of a query over the grid (sp_http) and
 * sp_prom_write_csv writes the matrix as CSV: timestamp plus one column
 * per series, with a policy for missing points.
 *
 * Writing (promexport): metric and label names are checked against the
 * Prometheus data model and label values escaped for the text exposition
 * format.
 *
 * Error answers ({"status":"error","errorType":..,"error":..}) become an
 * SP_ENET error carrying the server's own message, passed through
 * sp_redact (with the request's secrets in sp_prom_fetch).
 *
 * Series are told apart by their whole label set (an unambiguous key,
 * whatever bytes the labels hold).  One answer giving the same label set
 * twice, or a label with a NUL byte, is an error: the values of such
 * series cannot be told apart.
 */
#ifndef SP_PROM_H
#define SP_PROM_H

#include <stddef.h>

#include "sp_csv.h"
#include "sp_err.h"
#include "sp_http.h"

#define SP_PROM_MAX_POINTS 11000

typedef struct sp_prom_series {
	size_t nlabels;
	char **names, **values;  /* sorted by name; includes __name__ if sent */
	double *v;               /* npoints values, NaN where missing */
} sp_prom_series;

typedef struct sp_prom_matrix sp_prom_matrix;

/* Grid from start to end (inclusive, end snapped down onto the grid) with
 * step > 0.  NULL and err on a bad range. */
sp_prom_matrix *sp_prom_matrix_new(double start, double end, double step, sp_error *err);
void sp_prom_matrix_free(sp_prom_matrix *m);
size_t sp_prom_npoints(const sp_prom_matrix *m);
double sp_prom_time(const sp_prom_matrix *m, size_t i);
size_t sp_prom_nseries(const sp_prom_matrix *m);
const sp_prom_series *sp_prom_get(const sp_prom_matrix *m, size_t k);
/* Value of label `name` in series s, or NULL. */
const char *sp_prom_label(const sp_prom_series *s, const char *name);

/* Chunk `k` (0-based) of the grid for at most max_points per query:
 * 1 and [*cstart, *cend] while k is a valid chunk, 0 past the end. */
int sp_prom_chunk(const sp_prom_matrix *m, size_t max_points, size_t k, double *cstart, double *cend);

/* Merge one API answer (body of HTTP status `status`) into m.  Points must
 * fall on m's grid.  Error answers, malformed JSON and off-grid points are
 * errors; `what` names the request in messages (e.g. "query_range"). */
int sp_prom_merge(sp_prom_matrix *m, const char *body, size_t len, long status, sp_error *err);

/* ---- fetching a query over the grid (promfetch) ---- */

typedef struct {
	const char *url;        /* base URL http(s)://host[:port][/prefix]; trailing '/'s ignored */
	const char *query;      /* PromQL expression */
	int instant;            /* 1: one /api/v1/query at the grid's first time;
	                           0: /api/v1/query_range in chunks */
	size_t max_points;      /* range: grid points per request (0: SP_PROM_MAX_POINTS) */
} sp_prom_query;

/* URL of request k (0-based) of q over m's grid into *url (malloc'd):
 * "<url>/api/v1/query_range?query=<escaped>&start=S&end=E&step=STEP" for
 * chunk k of the range (sp_prom_chunk), or "<url>/api/v1/query?query=
 * <escaped>&time=T" (k = 0 only) for an instant query; times as
 * sp_time_format writes them.  1 with *url, 0 past the last request,
 * SP_ENOMEM. */
int sp_prom_query_url(const sp_prom_matrix *m, const sp_prom_query *q, size_t k, char **url,
    sp_error *err);

/* Run every request of q in order and merge each answer into m.  Traces
 * "GET <url>" before and "HTTP <status>, <n> bytes" after each request
 * through ho (sp_http_trace).  Errors: sp_http_request's (no answer) and
 * sp_prom_merge's (error answers, malformed or off-grid data). */
int sp_prom_fetch(sp_prom_matrix *m, const sp_prom_query *q, const sp_http_opts *ho, sp_error *err);

/* ---- the matrix as CSV (promfetch) ---- */

/* Missing points (NaN): an error, the row left out, 0, or an empty field. */
typedef enum { SP_PROM_NULL_ERROR, SP_PROM_NULL_SKIP, SP_PROM_NULL_ZERO, SP_PROM_NULL_EMPTY } sp_prom_null;

typedef struct {
	const char *name;       /* the column of a single series [value] */
	const char *wide;       /* or a label list ("pod", "job,instance"): one column
	                           per series, named by these labels' values joined by
	                           '_' (a missing label counts as ""), columns sorted by
	                           name (strcmp) */
	sp_prom_null null;
	const char *by;         /* or a label list: the long format (scalepipe(7), "Many
	                           workloads"), "timestamp,series,<name>", one row per
	                           series and grid point; the key of a series is
	                           "l1=v1,l2=v2" in the list's order (a missing label
	                           counts as ""; '\' and ',' in a value escaped with
	                           '\'); series sorted by key (strcmp), each in time
	                           order */
	unsigned long shard_i, shard_n; /* with by and shard_n > 0: only the series
	                           whose key K has sp_prom_shard(K) % shard_n ==
	                           shard_i (promfetch --shard I/N) */
	int (*keep)(void *ctx, const char *key, size_t len); /* with by: only the series
	                           (of the shard) whose key keep accepts; NULL: all */
	void *keep_ctx;
	int no_header;          /* with by: no header line (rows that follow an earlier
	                           call's, promfetch --since-state) */
} sp_prom_csv;

/* Header "timestamp,<columns>", then one row per grid point (Unix seconds;
 * rows with a missing point left out under SP_PROM_NULL_SKIP); or with
 * o->by the long format (a missing point leaves out that series's row
 * under SP_PROM_NULL_SKIP).  Everything
 * is checked before anything is written; SP_EDATA, with the messages of
 * promfetch (naming its options --wide and --null), when m has no series,
 * several series without o->wide or o->by, a series gives an empty column
 * name (has none of the labels), "timestamp" or a name (key) another series
 * gives, or (SP_PROM_NULL_ERROR) a
 * point is missing: "no value for COLUMN at TIME (choose --null skip, zero
 * or empty)".  The caller flushes w. */
int sp_prom_write_csv(const sp_prom_matrix *m, const sp_prom_csv *o, sp_csv_writer *w, sp_error *err);

/* Prometheus naming: metric [a-zA-Z_:][a-zA-Z0-9_:]*, label
 * [a-zA-Z_][a-zA-Z0-9_]* and not starting with "__".  1 valid, 0 not. */
int sp_prom_valid_metric(const char *s);
int sp_prom_valid_label(const char *s);
/* Label value escaped for the text format (\\, \", \n) into a malloc'd
 * string (NULL on allocation failure). */
char *sp_prom_escape_value(const char *s);

/* ---- keys of the long format (scalepipe(7), "Many workloads") ---- */

/* The shard hash of a key (len bytes): 64-bit FNV-1a (offset basis
 * 14695981039346656037, prime 1099511628211) over its bytes, as written
 * in the key column (after CSV unquoting).  Fixed: shards stay the same
 * across runs, machines and versions. */
unsigned long long sp_prom_shard(const char *key, size_t len);

/* The label=value pairs of a key "l1=v1,l2=v2" ('\\' taking the next byte
 * literally), one per call: *pos starts at 0; *name points into key (*nlen
 * bytes), the unescaped value goes into val (room for len + 1 bytes,
 * NUL-terminated, *vlen bytes).  1 a pair, 0 the end (at once for a key
 * without '=', which is no label list), SP_EDATA "not label=value pairs
 * joined by ',' (promfetch --by-labels)". */
int sp_prom_key_next(const char *key, size_t len, size_t *pos, const char **name, size_t *nlen, char *val,
    size_t *vlen, sp_error *err);

/* The value of label `name` in a key of "l1=v1,l2=v2" pairs ('\' taking
 * the next byte literally), unescaped into out (at most size - 1 bytes,
 * NUL-terminated).  1 found, 0 absent (also for a key without '=', which
 * is no label list), sp_prom_key_next's SP_EDATA for a malformed list,
 * "label 'NAME': value longer than N bytes" for a value
 * that does not fit. */
int sp_prom_key_label(const char *key, size_t len, const char *name, char *out, size_t size, sp_error *err);

#endif
