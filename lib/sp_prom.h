/* sp_prom: the Prometheus HTTP API, both directions.
 *
 * Reading (promfetch): answers of /api/v1/query_range ("matrix") and
 * /api/v1/query ("vector", "scalar") are merged into an sp_prom_matrix, a
 * set of series on one exact time grid start + i*step, i = 0..npoints-1.
 * A long range is fetched in chunks of at most max_points grid points per
 * series (Prometheus refuses more than 11,000); sp_prom_chunk gives the
 * chunk bounds so that consecutive chunks share no point and miss none.
 * Missing points (gaps beyond the server's lookback, NaN, +-Inf) are NaN.
 *
 * Writing (promexport): metric and label names are checked against the
 * Prometheus data model and label values escaped for the text exposition
 * format.
 *
 * Error answers ({"status":"error","errorType":..,"error":..}) become an
 * SP_ENET error carrying the server's own message.
 */
#ifndef SP_PROM_H
#define SP_PROM_H

#include <stddef.h>

#include "sp_err.h"

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

/* Prometheus duration ("90", "90s", "5m", "1h30m", "7d", "2w", "500ms")
 * in seconds; 0 ok, -1 malformed or not positive. */
int sp_prom_parse_duration(const char *s, double *out);

/* Prometheus naming: metric [a-zA-Z_:][a-zA-Z0-9_:]*, label
 * [a-zA-Z_][a-zA-Z0-9_]* and not starting with "__".  1 valid, 0 not. */
int sp_prom_valid_metric(const char *s);
int sp_prom_valid_label(const char *s);
/* Label value escaped for the text format (\\, \", \n) into a malloc'd
 * string (NULL on allocation failure). */
char *sp_prom_escape_value(const char *s);

#endif
