/* sp_expo: scalepipe's output columns as Prometheus gauges: the text
 * exposition format, OpenMetrics for backfilling, and the Pushgateway push
 * (promexport).
 *
 * An sp_expo holds
 *   - the gauges: a CSV column each, its metric name and HELP text.  The
 *     known columns of the tools' outputs have fixed names:
 *         forecast  scalepipe_forecast_load        demand    scalepipe_demand_load
 *         lower     scalepipe_forecast_load_lower  state     scalepipe_burst_state
 *         upper     scalepipe_forecast_load_upper  replicas  scalepipe_planned_replicas
 *         anomaly_score  scalepipe_anomaly_score    anomaly   scalepipe_anomaly
 *     (the last two are anomaly's output, and may come from other columns:
 *     sp_expo_anomaly_cols); any other column COL becomes scalepipe_COL
 *     unless a name is given.  A gauge named as a known metric gets its HELP.
 *     The `state` column holds burstdetect's state names, exported as
 *     0 normal, 1 burst, 2 spike (sp_burst_state_parse); other columns are
 *     numbers.  An empty field is a missing value.
 *   - the labels put on every sample: namespace, target, then extra ones,
 *     values escaped for the text format (sp_prom_escape_value);
 *   - the Pushgateway grouping key: namespace, target, then extra ones.
 *
 * Rows come from an sp_csv_reader whose first column is the timestamp
 * (sp_expo_bind, then sp_expo_read per row): the last row's values are
 * kept, and every row's when asked (backfill).  Output:
 *   - SP_EXPO_TEXT: the last row in the text format 0.0.4, no timestamps
 *     (the scraper's time): "# HELP", "# TYPE m gauge", "m{labels} v" per
 *     gauge that has a value.  For node_exporter's textfile collector and
 *     the Pushgateway.
 *   - SP_EXPO_OPENMETRICS: every row with its timestamp (Unix seconds),
 *     gauge by gauge, then "# EOF", for `promtool tsdb
 *     create-blocks-from openmetrics`.
 * Values print as plain integers when whole (below 2^53), else with %.17g
 * (they read back exactly).
 *
 * Errors: SP_EUSAGE for bad names, lists and labels (the messages name
 * promexport's options, e.g. "--columns: not a valid metric name: '9x'"),
 * SP_EDATA for the input, SP_EIO for files, SP_ENET for the push,
 * SP_ENOMEM.  Ownership: the sp_expo copies every string it is given.
 */
#ifndef SP_EXPO_H
#define SP_EXPO_H

#include <stddef.h>
#include <stdio.h>

#include "sp_csv.h"
#include "sp_err.h"
#include "sp_http.h"

#define SP_EXPO_MAX_GAUGES 32
#define SP_EXPO_MAX_LABELS 16

typedef struct sp_expo sp_expo;

/* NULL when out of memory. */
sp_expo *sp_expo_new(void);
void sp_expo_free(sp_expo *x);                     /* NULL is fine */

/* "K=V" with K a valid label name: 0, or SP_EUSAGE "not K=V: 'ARG'" or
 * "not a valid label name: 'K'". */
int sp_expo_check_kv(const char *kv, sp_error *err);

typedef struct {
	const char *ns, *target;        /* label namespace=, target= (NULL: none) */
	const char *const *labels;      /* extra labels "K=V", sp_expo_check_kv'd */
	size_t nlabels;
	const char *const *grouping;    /* extra grouping key labels "K=V" */
	size_t ngrouping;
} sp_expo_labels;

/* Set the label set and the grouping key (once).  SP_EUSAGE "too many
 * labels" / "too many grouping labels" beyond SP_EXPO_MAX_LABELS, "label
 * 'K' given twice" (namespace and target count). */
int sp_expo_set_labels(sp_expo *x, const sp_expo_labels *l, sp_error *err);

/* One gauge: column col as metric (NULL: the known name, or scalepipe_COL).
 * SP_EUSAGE "--columns: at most 32" / "--columns: not a valid metric
 * name: 'M'". */
int sp_expo_gauge(sp_expo *x, const char *col, const char *metric, sp_error *err);
/* Gauges from a list "COL[=METRIC],...", in order.  SP_EUSAGE "--columns:
 * not a list of COL or COL=METRIC: 'LIST'" (empty list or item), "--columns:
 * not COL or COL=METRIC: 'LIST'" (empty COL or METRIC), sp_expo_gauge's. */
int sp_expo_columns(sp_expo *x, const char *list, sp_error *err);
size_t sp_expo_ngauges(const sp_expo *x);
const char *sp_expo_metric(const sp_expo *x, size_t k);

/* Take the anomaly score (scalepipe_anomaly_score) and flag
 * (scalepipe_anomaly) from columns score and flag instead of anomaly_score
 * and anomaly; NULL leaves one as it is.  A column named here is exported
 * whether or not gauges were chosen (sp_expo_columns), after them, and must
 * be in the input (sp_expo_bind).  SP_EUSAGE "--anomaly-score-col: empty" /
 * "--anomaly-col: empty". */
int sp_expo_anomaly_cols(sp_expo *x, const char *score, const char *flag, sp_error *err);

/* Find each gauge's column in r's header; with no gauges yet, first add a
 * gauge for every known column r has (SP_EDATA "no column to export (none
 * of forecast, ..., anomaly); choose with -c" when it has none and no
 * anomaly column was named), then those of sp_expo_anomaly_cols.  Gauge by gauge:
 * sp_csv_pick_col's error, SP_EUSAGE "--columns: the timestamp is not a
 * value to export", "metric 'M' named twice".  history: keep every row
 * (for SP_EXPO_OPENMETRICS), not only the last. */
int sp_expo_bind(sp_expo *x, const sp_csv_reader *r, int history, sp_error *err);
/* The reader's current row: its timestamp (sp_csv_get_timestamp) and each
 * gauge's value.  Errors name the row and column (e.g. "row 3, column
 * state: state must be normal, burst or spike: 'calm'"). */
int sp_expo_read(sp_expo *x, sp_csv_reader *r, sp_error *err);
/* Many workloads (promexport --by, scalepipe(7)): after sp_expo_bind,
 * column name of r is the key.  Every key keeps its own values (its last
 * row, and every row with history); a key's rows must be in time order
 * (sp_keyed_order; keys may be interleaved).  Each key's samples carry
 * the labels of sp_expo_set_labels, then the key's: a key of
 * "l1=v1,l2=v2" pairs (promfetch --by-labels: '\\' escapes the next byte,
 * so "\\," is a comma in a value) gives those labels, a key without '='
 * one label named name (e.g. series="web").  Output: per gauge its HELP
 * and TYPE once, then each key's sample (text) or samples (OpenMetrics),
 * keys in the order they first came; a key with no value for a gauge has
 * no sample of it.  Errors at sp_expo_read, naming the row and key:
 * SP_EDATA "not label=value pairs joined by ',' (promfetch --by-labels)",
 * "not a valid label name: 'K'", "label 'K' given twice", "label 'K' is
 * also given by the options (--namespace, --target, --label)", "more than
 * 16 labels with the options'"; time order.  Here: sp_csv_pick_col's
 * error, SP_EUSAGE "--by: 'timestamp' is not a key column", "--by: 'C' is
 * exported as a value too". */
int sp_expo_key_col(sp_expo *x, const sp_csv_reader *r, const char *name, sp_error *err);
/* Rows read so far (all keys). */
size_t sp_expo_nrows(const sp_expo *x);

enum { SP_EXPO_TEXT, SP_EXPO_OPENMETRICS };

/* The SP_EXPO_TEXT body (malloc'd, *len bytes, NUL-terminated).  NULL and
 * SP_EDATA "the last row has no value in any exported column". */
char *sp_expo_text(const sp_expo *x, size_t *len, sp_error *err);
/* Write format (SP_EXPO_TEXT: sp_expo_text's errors first, nothing
 * written then) to fp; write errors are left to fp's owner. */
int sp_expo_write(const sp_expo *x, int format, FILE *fp, sp_error *err);
/* The same into the file path, replaced atomically (sp_file) with mode
 * 0644 whatever the umask: node_exporter reads it as another user.  The
 * text's error comes before the file is created; "PATH: cannot create:
 * ..." and "PATH: write failed: ..." as sp_file's. */
int sp_expo_save(const sp_expo *x, int format, const char *path, sp_error *err);

/* ---- the Pushgateway ---- */

/* "<base>/metrics/job/<job>{/<name>/<value>}" of the grouping key (base
 * without trailing '/'s; job and values percent-encoded; a value that is
 * empty or holds a '/' as "/<name>@base64/<base64url of value>", "=" for
 * the empty value).  malloc'd; NULL when out of memory. */
char *sp_expo_push_url(const sp_expo *x, const char *base, const char *job);
/* PUT (replace the group) or, with add, POST (replace only these metrics)
 * the SP_EXPO_TEXT body to the group's URL.  Traces "PUT <url>\n<body>"
 * and "HTTP <status>" through ho.  Errors: sp_expo_text's,
 * sp_http_request's, SP_ENET "PUT <url>: HTTP <status>: <first line of the
 * answer>" for an answer outside 2xx. */
int sp_expo_push(const sp_expo *x, const char *base, const char *job, int add,
    const sp_http_opts *ho, sp_error *err);

#endif
