/* test_expo: gauges from CSV columns, the text and OpenMetrics formats,
 * labels, the Pushgateway URL, the textfile's mode.  Expected texts are
 * written out by hand from the format's rules. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sp_expo.h"

static const char plan[] =
    "timestamp,load,forecast,lower,upper,state,demand,replicas,reason\n"
    "1700000000,10,11,9,13,normal,11,2,forecast\n"
    "1700000060,12,13.5,10,17,burst,17.25,3,burst\n"
    "1700000120,30,,,,spike,40,6,burst\n";

/* Bind x to csv and read every row; the first error's status. */
static int
load(sp_expo *x, const char *csv, int history, sp_error *err)
{
	FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
	sp_csv_reader *r = sp_csv_reader_new(fp, "-", SP_CSV_NEED_TIMESTAMP, err);
	int rc = r ? sp_expo_bind(x, r, history, err) : -1;

	while (rc == 0 && (rc = sp_csv_next(r, err)) == SP_OK)
		rc = sp_expo_read(x, r, err);
	if (rc == SP_EEOF)
		rc = 0;
	sp_csv_reader_free(r);
	fclose(fp);
	return rc;
}

static char *
written(const sp_expo *x, int format, int *rc, sp_error *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mf = open_memstream(&buf, &size);
	*rc = sp_expo_write(x, format, mf, err);
	fclose(mf);
	return buf;
}

static void
test_kv(void)
{
	sp_error err;
	CHECK(sp_expo_check_kv("env=prod", &err) == 0, "K=V");
	CHECK(sp_expo_check_kv("env=", &err) == 0, "empty value");
	CHECK(sp_expo_check_kv("env", &err) == SP_EUSAGE, "no =");
	CHECK_STR(err.msg, "not K=V: 'env'", "no =");
	CHECK(sp_expo_check_kv("__x=1", &err) == SP_EUSAGE, "reserved");
	CHECK_STR(err.msg, "not a valid label name: '__x'", "reserved name");
	CHECK(sp_expo_check_kv("=1", &err) == SP_EUSAGE, "empty name");
}

static void
test_last_row(void)
{
	sp_error err;
	sp_expo *x = sp_expo_new();
	const char *extra[] = { "env=prod \"eu\"" };
	sp_expo_labels l = { "shop", "web", extra, 1, NULL, 0 };
	char *out;
	int rc;

	CHECK(sp_expo_set_labels(x, &l, &err) == 0, "labels: %s", err.msg);
	CHECK(load(x, plan, 0, &err) == 0, "load: %s", err.msg);
	/* the known columns present, in the table's order; forecast, lower and
	 * upper are missing in the last row and left out */
	CHECK(sp_expo_ngauges(x) == 6 && sp_expo_nrows(x) == 3, "6 gauges, 3 rows");
	CHECK_STR(sp_expo_metric(x, 4), "scalepipe_burst_state", "state metric");
	out = written(x, SP_EXPO_TEXT, &rc, &err);
	CHECK(rc == 0, "text");
	CHECK_STR(out,
	    "# HELP scalepipe_demand_load Load to provision for (burstdetect)\n"
	    "# TYPE scalepipe_demand_load gauge\n"
	    "scalepipe_demand_load{namespace=\"shop\",target=\"web\",env=\"prod \\\"eu\\\"\"} 40\n"
	    "# HELP scalepipe_burst_state Burst state: 0 normal, 1 burst, 2 spike\n"
	    "# TYPE scalepipe_burst_state gauge\n"
	    "scalepipe_burst_state{namespace=\"shop\",target=\"web\",env=\"prod \\\"eu\\\"\"} 2\n"
	    "# HELP scalepipe_planned_replicas Replicas planned by scalepipe\n"
	    "# TYPE scalepipe_planned_replicas gauge\n"
	    "scalepipe_planned_replicas{namespace=\"shop\",target=\"web\",env=\"prod \\\"eu\\\"\"} 6\n",
	    "text of the last row");
	free(out);
	sp_expo_free(x);
}

static void
test_openmetrics(void)
{
	sp_error err;
	sp_expo *x = sp_expo_new();
	char *out;
	int rc;

	CHECK(sp_expo_columns(x, "forecast,state,load=my:load", &err) == 0, "columns: %s", err.msg);
	CHECK(load(x, plan, 1, &err) == 0, "load: %s", err.msg);
	out = written(x, SP_EXPO_OPENMETRICS, &rc, &err);
	CHECK(rc == 0, "openmetrics");
	CHECK_STR(out,
	    "# HELP scalepipe_forecast_load Forecast load for the row's time\n"
	    "# TYPE scalepipe_forecast_load gauge\n"
	    "scalepipe_forecast_load 11 1700000000\n"
	    "scalepipe_forecast_load 13.5 1700000060\n"
	    "# HELP scalepipe_burst_state Burst state: 0 normal, 1 burst, 2 spike\n"
	    "# TYPE scalepipe_burst_state gauge\n"
	    "scalepipe_burst_state 0 1700000000\n"
	    "scalepipe_burst_state 1 1700000060\n"
	    "scalepipe_burst_state 2 1700000120\n"
	    "# HELP my:load Exported by scalepipe promexport\n"
	    "# TYPE my:load gauge\n"
	    "my:load 10 1700000000\n"
	    "my:load 12 1700000060\n"
	    "my:load 30 1700000120\n"
	    "# EOF\n", "every row");
	free(out);
	sp_expo_free(x);
}

/* Whole numbers plainly, others with 17 digits. */
static void
test_values(void)
{
	sp_error err;
	sp_expo *x = sp_expo_new();
	char *out;
	int rc;

	CHECK(sp_expo_columns(x, "a,b,c,d,e", &err) == 0, "columns");
	CHECK(load(x, "timestamp,a,b,c,d,e\n1,0.1,-3,1e20,1e16,-0.5\n", 0, &err) == 0, "load: %s", err.msg);
	out = written(x, SP_EXPO_TEXT, &rc, &err);
	CHECK(out && strstr(out, "\nscalepipe_a 0.10000000000000001\n"), "0.1: %s", out ? out : "(null)");
	CHECK(out && strstr(out, "\nscalepipe_b -3\n"), "-3");
	CHECK(out && strstr(out, "\nscalepipe_c 1e+20\n"), "1e20 above 2^53");
	CHECK(out && strstr(out, "\nscalepipe_d 10000000000000000\n"), "1e16: above 2^53, %%.17g writes it out");
	CHECK(out && strstr(out, "\nscalepipe_e -0.5\n"), "-0.5");
	free(out);
	sp_expo_free(x);
}

static void
test_errors(void)
{
	sp_error err;
	sp_expo *x;
	const char *many[15], *dup[] = { "namespace=b" };
	sp_expo_labels l = { "a", "t", many, 15, NULL, 0 };
	char *out;
	size_t len;
	int i;

	for (i = 0; i < 15; i++)
		many[i] = "k=v";
	x = sp_expo_new();
	CHECK(sp_expo_set_labels(x, &l, &err) == SP_EUSAGE, "17 labels");
	CHECK_STR(err.msg, "too many labels", "too many labels");
	sp_expo_free(x);
	l.nlabels = 1;
	l.labels = dup;
	l.grouping = many;
	l.ngrouping = 15;
	x = sp_expo_new();
	CHECK(sp_expo_set_labels(x, &l, &err) == SP_EUSAGE, "17 grouping labels");
	CHECK_STR(err.msg, "too many grouping labels", "counted before duplicates");
	sp_expo_free(x);
	l.ngrouping = 0;
	x = sp_expo_new();
	CHECK(sp_expo_set_labels(x, &l, &err) == SP_EUSAGE, "namespace twice");
	CHECK_STR(err.msg, "label 'namespace' given twice", "label twice");
	sp_expo_free(x);

	x = sp_expo_new();
	CHECK(sp_expo_columns(x, "replicas,", &err) == SP_EUSAGE, "trailing comma");
	CHECK_STR(err.msg, "--columns: not a list of COL or COL=METRIC: 'replicas,'", "list");
	CHECK(sp_expo_columns(x, "a,=x", &err) == SP_EUSAGE, "empty column");
	CHECK_STR(err.msg, "--columns: not COL or COL=METRIC: 'a,=x'", "item");
	sp_expo_free(x);
	x = sp_expo_new();
	CHECK(sp_expo_columns(x, "replicas=9x", &err) == SP_EUSAGE, "bad metric");
	CHECK_STR(err.msg, "--columns: not a valid metric name: '9x'", "metric name");
	sp_expo_free(x);
	x = sp_expo_new();
	for (i = 0; i < 32; i++)
		sp_expo_gauge(x, "a", NULL, &err);
	CHECK(sp_expo_gauge(x, "a", NULL, &err) == SP_EUSAGE, "33 gauges");
	CHECK_STR(err.msg, "--columns: at most 32", "at most");
	sp_expo_free(x);

	x = sp_expo_new();
	CHECK(load(x, "timestamp,load\n1,2\n", 0, &err) == SP_EDATA, "no known column");
	CHECK_STR(err.msg, "no column to export (none of forecast, lower, upper, demand, state, replicas, "
	    "anomaly_score, anomaly); choose with -c", "nothing to export");
	sp_expo_free(x);
	x = sp_expo_new();
	sp_expo_columns(x, "timestamp", &err);
	CHECK(load(x, plan, 0, &err) == SP_EUSAGE, "timestamp");
	CHECK_STR(err.msg, "--columns: the timestamp is not a value to export", "timestamp");
	sp_expo_free(x);
	x = sp_expo_new();
	sp_expo_columns(x, "replicas,load=scalepipe_planned_replicas,nope", &err);
	CHECK(load(x, plan, 0, &err) == SP_EUSAGE, "metric twice");
	CHECK_STR(err.msg, "metric 'scalepipe_planned_replicas' named twice", "metric twice before nope");
	sp_expo_free(x);
	x = sp_expo_new();
	sp_expo_columns(x, "state", &err);
	CHECK(load(x, "timestamp,state\n1,normal\n2,calm\n", 0, &err) == SP_EDATA, "bad state");
	CHECK_STR(err.msg, "row 2, column state: state must be normal, burst or spike: 'calm'", "state");
	sp_expo_free(x);
	x = sp_expo_new();
	sp_expo_columns(x, "load", &err);
	CHECK(load(x, "timestamp,load\n1,2\n2,\n", 0, &err) == 0, "empty last value");
	CHECK(!sp_expo_text(x, &len, &err) && err.code == SP_EDATA, "nothing in the last row");
	CHECK_STR(err.msg, "the last row has no value in any exported column", "no value");
	out = NULL;
	{
		int rc;
		out = written(x, SP_EXPO_TEXT, &rc, &err);
		CHECK(rc == SP_EDATA && out && !*out, "nothing written");
	}
	free(out);
	sp_expo_free(x);
}

static void
test_push_url(void)
{
	sp_error err;
	sp_expo *x = sp_expo_new();
	/* base64url by hand: "a/b" = 61 2f 62 -> 24 18 61 34 -> YS9i;
	 * "~~~/" = 7e7e7e 2f -> 31 39 57 62, 11 48 -> fn5- Lw== */
	const char *grp[] = { "path=a/b", "e=", "u=~~~/", "q=x y" };
	sp_expo_labels l = { "shop", NULL, NULL, 0, grp, 4 };
	char *url;

	CHECK(sp_expo_set_labels(x, &l, &err) == 0, "grouping: %s", err.msg);
	url = sp_expo_push_url(x, "http://pg:9091//", "scale pipe");
	CHECK_STR(url, "http://pg:9091/metrics/job/scale%20pipe/namespace/shop/path@base64/YS9i/e@base64/="
	    "/u@base64/fn5-Lw==/q/x%20y", "push url");
	free(url);
	sp_expo_free(x);
}

typedef struct {
	int n;
	char first[512];
} trace_log;

static void
trace(void *ctx, const char *msg)
{
	trace_log *t = ctx;
	if (t->n++ == 0)
		snprintf(t->first, sizeof t->first, "%s", msg);
}

static void
test_push_refused(void)
{
	sp_error err;
	sp_expo *x = sp_expo_new();
	sp_http_opts ho;
	trace_log t = { 0, "" };

	sp_expo_columns(x, "replicas", &err);
	load(x, plan, 0, &err);
	sp_http_opts_init(&ho);
	ho.retries = 0;
	ho.trace = trace;
	ho.trace_ctx = &t;
	CHECK(sp_expo_push(x, "http://127.0.0.1:1", "j", 1, &ho, &err) == SP_ENET, "refused");
	CHECK(strncmp(err.msg, "POST http://127.0.0.1:1/metrics/job/j: ", 39) == 0, "message: %s", err.msg);
	CHECK(t.n == 1, "traced once");
	CHECK_STR(t.first, "POST http://127.0.0.1:1/metrics/job/j\n"
	    "# HELP scalepipe_planned_replicas Replicas planned by scalepipe\n"
	    "# TYPE scalepipe_planned_replicas gauge\n"
	    "scalepipe_planned_replicas 6\n", "trace: method, URL, body");
	sp_expo_free(x);
}

/* The textfile: replaced atomically, 0644 even under umask 077. */
static void
test_save(void)
{
	char dir[] = "/tmp/sp-test-expo.XXXXXX", path[64], bad[96], buf[256];
	sp_error err;
	sp_expo *x = sp_expo_new();
	struct stat st;
	mode_t old;
	FILE *fp;
	size_t n;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/x.prom", dir);
	snprintf(bad, sizeof bad, "%s/nodir/x.prom", dir);
	sp_expo_columns(x, "replicas", &err);
	load(x, plan, 0, &err);
	old = umask(077);
	CHECK(sp_expo_save(x, SP_EXPO_TEXT, path, &err) == 0, "save: %s", err.msg);
	umask(old);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode %o", (unsigned)(st.st_mode & 0777));
	fp = fopen(path, "r");
	n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
	buf[n] = '\0';
	if (fp)
		fclose(fp);
	CHECK_STR(buf, "# HELP scalepipe_planned_replicas Replicas planned by scalepipe\n"
	    "# TYPE scalepipe_planned_replicas gauge\nscalepipe_planned_replicas 6\n", "content");
	CHECK(sp_expo_save(x, SP_EXPO_TEXT, bad, &err) == SP_EIO, "no directory");
	snprintf(buf, sizeof buf, "%s: cannot create: No such file or directory", bad);
	CHECK_STR(err.msg, buf, "cannot create");
	unlink(path);
	rmdir(dir);
	sp_expo_free(x);
}

/* anomaly's columns: known gauges by default, other columns by
 * sp_expo_anomaly_cols (with or without chosen gauges, required then). */
static void
test_anomaly(void)
{
	static const char an[] =
	    "timestamp,load,forecast,anomaly_score,anomaly,score,flag\n"
	    "1700000000,10,11,0.5,0,0.25,0\n"
	    "1700000060,90,12,0.75,1,,1\n";
	sp_error err;
	sp_expo *x = sp_expo_new();
	char *out;
	int rc;

	CHECK(load(x, an, 0, &err) == 0, "defaults: %s", err.msg);
	CHECK(sp_expo_ngauges(x) == 3, "forecast, anomaly_score, anomaly");
	CHECK_STR(sp_expo_metric(x, 1), "scalepipe_anomaly_score", "score metric");
	out = written(x, SP_EXPO_TEXT, &rc, &err);
	CHECK_STR(out,
	    "# HELP scalepipe_forecast_load Forecast load for the row's time\n"
	    "# TYPE scalepipe_forecast_load gauge\n"
	    "scalepipe_forecast_load 12\n"
	    "# HELP scalepipe_anomaly_score Isolation Forest anomaly score, 0 to 1 (anomaly)\n"
	    "# TYPE scalepipe_anomaly_score gauge\n"
	    "scalepipe_anomaly_score 0.75\n"
	    "# HELP scalepipe_anomaly Anomaly flag: 1 anomalous, 0 not (anomaly)\n"
	    "# TYPE scalepipe_anomaly gauge\n"
	    "scalepipe_anomaly 1\n", "defaults");
	free(out);
	sp_expo_free(x);

	/* chosen gauges: the default anomaly columns only when listed */
	x = sp_expo_new();
	sp_expo_columns(x, "load", &err);
	CHECK(load(x, an, 0, &err) == 0 && sp_expo_ngauges(x) == 1, "-c load alone");
	sp_expo_free(x);

	/* named columns: after the chosen gauges, with the known HELP; the
	 * score's last value is missing, left out; every row with history */
	x = sp_expo_new();
	sp_expo_columns(x, "load", &err);
	CHECK(sp_expo_anomaly_cols(x, "score", "flag", &err) == 0, "anomaly cols");
	CHECK(load(x, an, 1, &err) == 0, "named: %s", err.msg);
	out = written(x, SP_EXPO_OPENMETRICS, &rc, &err);
	CHECK_STR(out,
	    "# HELP scalepipe_load Exported by scalepipe promexport\n"
	    "# TYPE scalepipe_load gauge\n"
	    "scalepipe_load 10 1700000000\n"
	    "scalepipe_load 90 1700000060\n"
	    "# HELP scalepipe_anomaly_score Isolation Forest anomaly score, 0 to 1 (anomaly)\n"
	    "# TYPE scalepipe_anomaly_score gauge\n"
	    "scalepipe_anomaly_score 0.25 1700000000\n"
	    "# HELP scalepipe_anomaly Anomaly flag: 1 anomalous, 0 not (anomaly)\n"
	    "# TYPE scalepipe_anomaly gauge\n"
	    "scalepipe_anomaly 0 1700000000\n"
	    "scalepipe_anomaly 1 1700000060\n"
	    "# EOF\n", "named, openmetrics");
	free(out);
	sp_expo_free(x);

	/* a named flag column without -c: the other known ones stay, the
	 * default anomaly column is not exported twice */
	x = sp_expo_new();
	CHECK(sp_expo_anomaly_cols(x, NULL, "flag", &err) == 0, "flag only");
	CHECK(load(x, an, 0, &err) == 0, "flag only: %s", err.msg);
	CHECK(sp_expo_ngauges(x) == 3, "forecast, anomaly_score, flag");
	CHECK_STR(sp_expo_metric(x, 2), "scalepipe_anomaly", "flag last");
	sp_expo_free(x);
	/* only a named column in an input with no known column */
	x = sp_expo_new();
	sp_expo_anomaly_cols(x, "s", NULL, &err);
	CHECK(load(x, "timestamp,s\n1,0.5\n", 0, &err) == 0 && sp_expo_ngauges(x) == 1, "named alone");
	sp_expo_free(x);

	/* errors */
	x = sp_expo_new();
	CHECK(sp_expo_anomaly_cols(x, "", NULL, &err) == SP_EUSAGE, "empty score col");
	CHECK_STR(err.msg, "--anomaly-score-col: empty", "empty score");
	CHECK(sp_expo_anomaly_cols(x, NULL, "", &err) == SP_EUSAGE, "empty flag col");
	CHECK_STR(err.msg, "--anomaly-col: empty", "empty flag");
	CHECK(sp_expo_anomaly_cols(x, "nope", NULL, &err) == 0, "nope");
	CHECK(load(x, an, 0, &err) < 0, "a named column must exist");
	CHECK(strstr(err.msg, "no column 'nope'") != NULL, "no column: %s", err.msg);
	sp_expo_free(x);
	x = sp_expo_new();
	sp_expo_columns(x, "anomaly", &err);
	sp_expo_anomaly_cols(x, NULL, "flag", &err);
	CHECK(load(x, an, 0, &err) == SP_EUSAGE, "flag twice");
	CHECK_STR(err.msg, "metric 'scalepipe_anomaly' named twice", "twice");
	sp_expo_free(x);
}

/* Many workloads: keyed rows, the key's labels (promfetch --by-labels
 * format: '\' escapes), text and OpenMetrics, the errors. */
static int
load_keyed(sp_expo *x, const char *csv, int history, sp_error *err)
{
	FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
	sp_csv_reader *r = sp_csv_reader_new(fp, "-", SP_CSV_NEED_TIMESTAMP | SP_CSV_ANY_ORDER, err);
	int rc = r ? sp_expo_bind(x, r, history, err) : -1;

	if (rc == 0)
		rc = sp_expo_key_col(x, r, "series", err);
	while (rc == 0 && (rc = sp_csv_next(r, err)) == SP_OK)
		rc = sp_expo_read(x, r, err);
	if (rc == SP_EEOF)
		rc = 0;
	sp_csv_reader_free(r);
	fclose(fp);
	return rc;
}

static void
test_keyed(void)
{
	static const char fleet[] =
	    "timestamp,series,replicas,forecast\n"
	    "60,\"ns=shop,deployment=web\",3,10.5\n"
	    "60,\"ns=shop,deployment=d\\\\b\\,x\"\"q\",2,\n"
	    "120,\"ns=shop,deployment=web\",4,11\n";
	static const char *const bad[][2] = {
		{ "timestamp,series,replicas\n0,\"a=1,b\",1\n", "row 1: key 'a=1,b': not label=value pairs joined by ',' (promfetch --by-labels)" },
		{ "timestamp,series,replicas\n0,\"a=1,a=2\",1\n", "row 1: key 'a=1,a=2': label 'a' given twice" },
		{ "timestamp,series,replicas\n0,\"a b=1\",1\n", "row 1: key 'a b=1': not a valid label name: 'a b'" },
		{ "timestamp,series,replicas\n0,env=x,1\n", "row 1: key 'env=x': label 'env' is also given by the options (--namespace, --target, --label)" },
		{ "timestamp,series,replicas\n60,w,1\n0,w,1\n", "row 2, column timestamp: timestamp 0 is before 60, the previous row of key 'w'" },
	};
	const char *env[] = { "env=prod" };
	sp_expo_labels l = { NULL, NULL, env, 1, NULL, 0 };
	sp_error err;
	sp_expo *x = sp_expo_new();
	char *out;
	int rc;
	size_t i;

	CHECK(load_keyed(x, fleet, 0, &err) == 0, "keyed: %s", err.msg);
	out = written(x, SP_EXPO_TEXT, &rc, &err);
	CHECK_STR(out, "# HELP scalepipe_forecast_load Forecast load for the row's time\n"
	    "# TYPE scalepipe_forecast_load gauge\n"
	    "scalepipe_forecast_load{ns=\"shop\",deployment=\"web\"} 11\n"
	    "# HELP scalepipe_planned_replicas Replicas planned by scalepipe\n"
	    "# TYPE scalepipe_planned_replicas gauge\n"
	    "scalepipe_planned_replicas{ns=\"shop\",deployment=\"web\"} 4\n"
	    "scalepipe_planned_replicas{ns=\"shop\",deployment=\"d\\\\b,x\\\"q\"} 2\n", "keyed text");
	free(out);
	sp_expo_free(x);
	x = sp_expo_new();
	sp_expo_set_labels(x, &l, &err);
	sp_expo_columns(x, "replicas", &err);
	CHECK(load_keyed(x, fleet, 1, &err) == 0, "keyed history: %s", err.msg);
	out = written(x, SP_EXPO_OPENMETRICS, &rc, &err);
	CHECK_STR(out, "# HELP scalepipe_planned_replicas Replicas planned by scalepipe\n"
	    "# TYPE scalepipe_planned_replicas gauge\n"
	    "scalepipe_planned_replicas{env=\"prod\",ns=\"shop\",deployment=\"web\"} 3 60\n"
	    "scalepipe_planned_replicas{env=\"prod\",ns=\"shop\",deployment=\"web\"} 4 120\n"
	    "scalepipe_planned_replicas{env=\"prod\",ns=\"shop\",deployment=\"d\\\\b,x\\\"q\"} 2 60\n"
	    "# EOF\n", "keyed OpenMetrics, the options' labels first");
	free(out);
	sp_expo_free(x);
	x = sp_expo_new();
	CHECK(load_keyed(x, "timestamp,series,replicas\n0,web,1\n", 0, &err) == 0, "plain key");
	out = written(x, SP_EXPO_TEXT, &rc, &err);
	CHECK(out && strstr(out, "scalepipe_planned_replicas{series=\"web\"} 1\n") != NULL, "a plain key: series=KEY");
	free(out);
	sp_expo_free(x);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		x = sp_expo_new();
		sp_expo_set_labels(x, &l, &err);
		CHECK(load_keyed(x, bad[i][0], 0, &err) == SP_EDATA, "bad key %zu", i);
		CHECK_STR(err.msg, bad[i][1], "bad key message");
		sp_expo_free(x);
	}
	x = sp_expo_new();
	sp_expo_columns(x, "series", &err);
	CHECK(load_keyed(x, "timestamp,series\n0,1\n", 0, &err) == SP_EUSAGE, "key exported");
	CHECK_STR(err.msg, "--by: 'series' is exported as a value too", "key exported");
	sp_expo_free(x);
}

int
main(void)
{
	test_kv();
	test_last_row();
	test_openmetrics();
	test_values();
	test_errors();
	test_push_url();
	test_push_refused();
	test_save();
	test_anomaly();
	test_keyed();
	return check_summary();
}
