/* test_prom: Prometheus answers on a grid, range chunking, durations, names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_prom.h"
#include "sp_time.h"

static int
merge(sp_prom_matrix *m, const char *json, long status, sp_error *err)
{
	return sp_prom_merge(m, json, strlen(json), status, err);
}

static void
test_duration(void)
{
	double d = 0;
	CHECK(sp_time_parse_duration("90", &d) == 0 && d == 90, "90");
	CHECK(sp_time_parse_duration("1.5", &d) == 0 && d == 1.5, "1.5");
	CHECK(sp_time_parse_duration("5m", &d) == 0 && d == 300, "5m");
	CHECK(sp_time_parse_duration("1h30m", &d) == 0 && d == 5400, "1h30m");
	CHECK(sp_time_parse_duration("7d", &d) == 0 && d == 604800, "7d");
	CHECK(sp_time_parse_duration("2w", &d) == 0 && d == 1209600, "2w");
	CHECK(sp_time_parse_duration("500ms", &d) == 0 && d == 0.5, "500ms");
	CHECK(sp_time_parse_duration("1y", &d) == 0 && d == 31536000, "1y");
	CHECK(sp_time_parse_duration("", &d) < 0, "empty");
	CHECK(sp_time_parse_duration("0", &d) < 0, "zero");
	CHECK(sp_time_parse_duration("-5", &d) < 0, "negative");
	CHECK(sp_time_parse_duration("5x", &d) < 0, "unit x");
	CHECK(sp_time_parse_duration("m", &d) < 0, "no number");
	CHECK(sp_time_parse_duration("5m3", &d) < 0, "trailing number");
	CHECK(sp_time_parse_duration("0s", &d) < 0, "0s");
}

/* Every grid point is in exactly one chunk, chunks are in order and no chunk
 * exceeds max points, for many sizes. */
static void
test_chunks(void)
{
	size_t np, maxp;
	for (np = 1; np <= 60; np++)
		for (maxp = 1; maxp <= 13; maxp++) {
			sp_prom_matrix *m = sp_prom_matrix_new(100, 100 + 15.0 * (double)(np - 1), 15, NULL);
			double cs, ce, next = 100;
			size_t k, covered = 0;
			int ok = m != NULL && sp_prom_npoints(m) == np;
			for (k = 0; ok && sp_prom_chunk(m, maxp, k, &cs, &ce); k++) {
				size_t n = (size_t)((ce - cs) / 15) + 1;
				ok = cs == next && n <= maxp && ce >= cs;
				covered += n;
				next = ce + 15;
			}
			CHECK(ok && covered == np && k == (np + maxp - 1) / maxp,
			    "chunks of %zu points over %zu", maxp, np);
			sp_prom_matrix_free(m);
		}
}

static void
test_merge(void)
{
	sp_error err;
	sp_prom_matrix *m = sp_prom_matrix_new(1000, 1250, 60, &err);   /* end snaps to 1240 */
	const sp_prom_series *s;
	int rc;

	CHECK(m && sp_prom_npoints(m) == 5, "5 points");
	CHECK(sp_prom_time(m, 4) == 1240, "last grid time");
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"pod\":\"b\",\"__name__\":\"x\"},\"values\":[[1000,\"1.5\"],[1060,\"NaN\"],[1120,\"+Inf\"]]},"
	    "{\"metric\":{\"pod\":\"a\"},\"values\":[[1240,\"-2e3\"]]}]}}", 200, &err);
	CHECK(rc == 0, "merge: %s", err.msg);
	/* second chunk: same series, labels in another order */
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"__name__\":\"x\",\"pod\":\"b\"},\"values\":[[1180,\"7\"],[1240,\"8\"]]}]}}", 200, &err);
	CHECK(rc == 0, "merge 2: %s", err.msg);
	CHECK(sp_prom_nseries(m) == 2, "2 series, got %zu", sp_prom_nseries(m));
	s = sp_prom_get(m, 0);
	CHECK(s && s->nlabels == 2 && strcmp(s->names[0], "__name__") == 0, "labels sorted");
	CHECK(s && strcmp(sp_prom_label(s, "pod"), "b") == 0 && !sp_prom_label(s, "job"), "label lookup");
	CHECK(s && s->v[0] == 1.5 && isnan(s->v[1]) && isnan(s->v[2]) && s->v[3] == 7 && s->v[4] == 8,
	    "values of b");
	s = sp_prom_get(m, 1);
	CHECK(s && isnan(s->v[0]) && s->v[4] == -2000, "values of a");
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{},\"values\":[[1030,\"1\"]]}]}}", 200, &err);
	CHECK(rc < 0 && strcmp(err.msg, "sample at 1030 is off the requested grid") == 0, "off grid: %s", err.msg);
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{},\"values\":[[1300,\"1\"]]}]}}", 200, &err);
	CHECK(rc < 0, "past the end");
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{},\"values\":[[1000,\"abc\"]]}]}}", 200, &err);
	CHECK(rc < 0 && strstr(err.msg, "not a number: 'abc'"), "bad value: %s", err.msg);
	rc = merge(m, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}", 400, &err);
	CHECK(rc == SP_ENET && strcmp(err.msg, "Prometheus error (HTTP 400, bad_data): parse error") == 0,
	    "error answer: %s", err.msg);
	rc = merge(m, "<html>Bad Gateway</html>", 502, &err);
	CHECK(rc < 0 && strcmp(err.msg, "HTTP 502 (not a Prometheus API answer)") == 0, "html: %s", err.msg);
	rc = merge(m, "{\"status\":\"success\"", 200, &err);
	CHECK(rc < 0 && strstr(err.msg, "answer is not JSON"), "truncated: %s", err.msg);
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"a\"]}}", 200, &err);
	CHECK(rc < 0 && strstr(err.msg, "'string' is not supported"), "string: %s", err.msg);
	sp_prom_matrix_free(m);

	m = sp_prom_matrix_new(500, 500, 60, &err);
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	    "{\"metric\":{\"job\":\"w\"},\"value\":[500,\"3.25\"]}]}}", 200, &err);
	CHECK(rc == 0 && sp_prom_nseries(m) == 1 && sp_prom_get(m, 0)->v[0] == 3.25, "vector");
	sp_prom_matrix_free(m);
	m = sp_prom_matrix_new(500, 500, 60, &err);
	rc = merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[500,\"42\"]}}", 200, &err);
	CHECK(rc == 0 && sp_prom_nseries(m) == 1 && sp_prom_get(m, 0)->v[0] == 42 &&
	    sp_prom_get(m, 0)->nlabels == 0, "scalar");
	sp_prom_matrix_free(m);
	CHECK(!sp_prom_matrix_new(10, 5, 1, &err) && err.code == SP_EUSAGE, "end before start");
	CHECK(!sp_prom_matrix_new(0, 10, 0, &err), "zero step");
}

/* Many series: the hash table grows and keeps every series apart. */
static void
test_many(void)
{
	sp_error err;
	sp_prom_matrix *m = sp_prom_matrix_new(0, 60, 60, &err);
	size_t i, ok = 0;
	char buf[128];

	for (i = 0; i < 300; i++) {
		snprintf(buf, sizeof buf, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		    "{\"metric\":{\"i\":\"%zu\"},\"values\":[[%d,\"%zu\"]]}]}}", i % 150, i < 150 ? 0 : 60, i);
		ok += merge(m, buf, 200, &err) == 0;
	}
	CHECK(ok == 300 && sp_prom_nseries(m) == 150, "150 series, got %zu", sp_prom_nseries(m));
	for (i = 0, ok = 0; i < 150; i++) {
		const sp_prom_series *s = sp_prom_get(m, i);
		ok += s->v[0] == (double)i && s->v[1] == (double)i + 150;
	}
	CHECK(ok == 150, "values per series");
	sp_prom_matrix_free(m);
}

static void
test_names(void)
{
	char *e;
	CHECK(sp_prom_valid_metric("scalepipe_forecast_load"), "metric ok");
	CHECK(sp_prom_valid_metric("a:b_c9"), "colon ok");
	CHECK(!sp_prom_valid_metric("9a") && !sp_prom_valid_metric("a-b") && !sp_prom_valid_metric(""), "metric bad");
	CHECK(sp_prom_valid_label("namespace") && sp_prom_valid_label("_x"), "label ok");
	CHECK(!sp_prom_valid_label("__name__") && !sp_prom_valid_label("a:b") && !sp_prom_valid_label("1a"), "label bad");
	e = sp_prom_escape_value("a\"b\\c\nd");
	CHECK(e && strcmp(e, "a\\\"b\\\\c\\nd") == 0, "escape: %s", e);
	free(e);
}

/* Request URLs: range chunks (hand-checked bounds), escaping, instant. */
static void
test_urls(void)
{
	sp_error err;
	sp_prom_matrix *m = sp_prom_matrix_new(1000, 1250, 60, &err);    /* 1000..1240: 5 points */
	sp_prom_query q = { "http://h:9090//", "sum(x{a=\"b c\"})", 0, 2 };
	char *url = NULL;
	static const char *const want[] = {
		"http://h:9090/api/v1/query_range?query=sum%28x%7Ba%3D%22b%20c%22%7D%29&start=1000&end=1060&step=60",
		"http://h:9090/api/v1/query_range?query=sum%28x%7Ba%3D%22b%20c%22%7D%29&start=1120&end=1180&step=60",
		"http://h:9090/api/v1/query_range?query=sum%28x%7Ba%3D%22b%20c%22%7D%29&start=1240&end=1240&step=60",
	};
	size_t k;

	for (k = 0; k < 3; k++) {
		CHECK(sp_prom_query_url(m, &q, k, &url, &err) == 1, "chunk %zu", k);
		CHECK_STR(url, want[k], "chunk url");
		free(url);
	}
	CHECK(sp_prom_query_url(m, &q, 3, &url, &err) == 0 && !url, "past the last chunk");
	q.max_points = 0;        /* SP_PROM_MAX_POINTS: one request */
	CHECK(sp_prom_query_url(m, &q, 0, &url, &err) == 1, "one chunk");
	CHECK(url && strstr(url, "&start=1000&end=1240&step=60"), "whole range: %s", url);
	free(url);
	CHECK(sp_prom_query_url(m, &q, 1, &url, &err) == 0, "only one");
	sp_prom_matrix_free(m);

	m = sp_prom_matrix_new(1700000000, 1700000000, 60, &err);
	q.url = "https://p.example/prom";
	q.query = "up";
	q.instant = 1;
	CHECK(sp_prom_query_url(m, &q, 0, &url, &err) == 1, "instant");
	CHECK_STR(url, "https://p.example/prom/api/v1/query?query=up&time=1700000000", "instant url");
	free(url);
	CHECK(sp_prom_query_url(m, &q, 1, &url, &err) == 0, "one instant request");
	sp_prom_matrix_free(m);
}

typedef struct {
	int n;
	char first[256];
} trace_log;

static void
trace(void *ctx, const char *msg)
{
	trace_log *t = ctx;
	if (t->n++ == 0)
		snprintf(t->first, sizeof t->first, "%s", msg);
}

/* No server on a closed port: the request fails after tracing its URL. */
static void
test_fetch_refused(void)
{
	sp_error err;
	sp_prom_matrix *m = sp_prom_matrix_new(0, 120, 60, &err);
	sp_prom_query q = { "http://127.0.0.1:1", "up", 0, 0 };
	sp_http_opts ho;
	trace_log t = { 0, "" };

	sp_http_opts_init(&ho);
	ho.retries = 0;
	ho.trace = trace;
	ho.trace_ctx = &t;
	CHECK(sp_prom_fetch(m, &q, &ho, &err) == SP_ENET, "refused: %s", err.msg);
	CHECK(t.n == 1, "one trace line, got %d", t.n);
	CHECK_STR(t.first, "GET http://127.0.0.1:1/api/v1/query_range?query=up&start=0&end=120&step=60", "trace");
	sp_prom_matrix_free(m);
}

/* sp_prom_write_csv into a string. */
static int
to_csv(const sp_prom_matrix *m, const sp_prom_csv *o, char **out, sp_error *err)
{
	size_t size = 0;
	FILE *mf = open_memstream(out, &size);
	sp_csv_writer *w = sp_csv_writer_new(mf);
	int rc = sp_prom_write_csv(m, o, w, err);
	sp_csv_writer_flush(w, NULL);
	sp_csv_writer_free(w);
	fclose(mf);
	return rc;
}

static sp_prom_matrix *
three_pods(void)
{
	sp_prom_matrix *m = sp_prom_matrix_new(0, 120, 60, NULL);
	merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"pod\":\"web-2\",\"job\":\"a\"},\"values\":[[0,\"1\"],[60,\"2\"],[120,\"3\"]]},"
	    "{\"metric\":{\"pod\":\"web-10\",\"job\":\"a\"},\"values\":[[0,\"0.5\"],[120,\"7\"]]},"
	    "{\"metric\":{\"pod\":\"db\"},\"values\":[[0,\"4\"],[60,\"5\"],[120,\"6\"]]}]}}", 200, NULL);
	return m;
}

static void
test_csv(void)
{
	sp_error err;
	sp_prom_matrix *m = three_pods();
	sp_prom_csv o = { NULL, "pod", SP_PROM_NULL_EMPTY, NULL, 0, 0, NULL, NULL, 0 };
	char *out = NULL;

	/* columns sorted by name (strcmp: web-10 before web-2), gap left empty */
	CHECK(to_csv(m, &o, &out, &err) == 0, "wide: %s", err.msg);
	CHECK_STR(out, "timestamp,db,web-10,web-2\n0,4,0.5,1\n60,5,,2\n120,6,7,3\n", "wide, empty");
	free(out);
	o.null = SP_PROM_NULL_ZERO;
	CHECK(to_csv(m, &o, &out, &err) == 0, "zero");
	CHECK_STR(out, "timestamp,db,web-10,web-2\n0,4,0.5,1\n60,5,0,2\n120,6,7,3\n", "wide, zero");
	free(out);
	o.null = SP_PROM_NULL_SKIP;
	CHECK(to_csv(m, &o, &out, &err) == 0, "skip");
	CHECK_STR(out, "timestamp,db,web-10,web-2\n0,4,0.5,1\n120,6,7,3\n", "wide, skip");
	free(out);
	o.null = SP_PROM_NULL_ERROR;
	out = NULL;
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "error policy");
	CHECK_STR(err.msg, "no value for web-10 at 60 (choose --null skip, zero or empty)", "missing point");
	CHECK(out && !*out, "nothing written before the error");
	free(out);
	o.wide = "job,pod";     /* db has no job: "_db" */
	o.null = SP_PROM_NULL_EMPTY;
	CHECK(to_csv(m, &o, &out, &err) == 0, "two labels");
	CHECK(strncmp(out, "timestamp,_db,a_web-10,a_web-2\n", 31) == 0, "joined names: %s", out);
	free(out);
	o.wide = "job";
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "db has no job");
	CHECK_STR(err.msg, "--wide job: a series has none of these labels", "none of the labels");
	free(out);
	o.wide = NULL;
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "three series, one column");
	CHECK_STR(err.msg, "query returned 3 series; aggregate them in the query or name columns "
	    "with --wide LABEL[,LABEL...]", "several series");
	free(out);
	sp_prom_matrix_free(m);

	m = sp_prom_matrix_new(0, 120, 60, NULL);
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "no series");
	CHECK_STR(err.msg, "query returned no series in this range", "no series");
	free(out);
	merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"k\":\"timestamp\"},\"values\":[[0,\"1e-7\"],[60,\"2\"],[120,\"3\"]]}]}}",
	    200, NULL);
	o.name = "load";
	CHECK(to_csv(m, &o, &out, &err) == 0, "one series");
	CHECK_STR(out, "timestamp,load\n0,1e-07\n60,2\n120,3\n", "named column");
	free(out);
	o.name = NULL;
	CHECK(to_csv(m, &o, &out, &err) == 0, "default name");
	CHECK(strncmp(out, "timestamp,value\n", 16) == 0, "value: %s", out);
	free(out);
	o.wide = "k";
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "timestamp column");
	CHECK_STR(err.msg, "--wide k: a series gives the column name 'timestamp'", "timestamp");
	free(out);
	merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"k\":\"x\",\"i\":\"1\"},\"values\":[[0,\"1\"]]},"
	    "{\"metric\":{\"k\":\"x\",\"i\":\"2\"},\"values\":[[0,\"1\"]]}]}}", 200, NULL);
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "same column twice");
	CHECK_STR(err.msg, "--wide k: a series gives the column name 'timestamp'", "first error first");
	free(out);
	sp_prom_matrix_free(m);
	m = sp_prom_matrix_new(0, 0, 60, NULL);
	merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"k\":\"x\",\"i\":\"1\"},\"values\":[[0,\"1\"]]},"
	    "{\"metric\":{\"k\":\"x\",\"i\":\"2\"},\"values\":[[0,\"1\"]]}]}}", 200, NULL);
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "same column twice");
	CHECK_STR(err.msg, "--wide k: two series give the column 'x'; add labels", "duplicate column");
	free(out);
	sp_prom_matrix_free(m);
}

/* The long format (--by-labels): keys, escapes, order, missing points. */
static void
test_csv_long(void)
{
	sp_error err;
	sp_prom_matrix *m = three_pods();
	sp_prom_csv o = { "load", NULL, SP_PROM_NULL_EMPTY, "job,pod", 0, 0, NULL, NULL, 0 };
	char *out = NULL;

	CHECK(to_csv(m, &o, &out, &err) == 0, "long: %s", err.msg);
	CHECK_STR(out, "timestamp,series,load\n"
	    "0,\"job=,pod=db\",4\n60,\"job=,pod=db\",5\n120,\"job=,pod=db\",6\n"
	    "0,\"job=a,pod=web-10\",0.5\n60,\"job=a,pod=web-10\",\n120,\"job=a,pod=web-10\",7\n"
	    "0,\"job=a,pod=web-2\",1\n60,\"job=a,pod=web-2\",2\n120,\"job=a,pod=web-2\",3\n", "long, empty");
	free(out);
	o.null = SP_PROM_NULL_SKIP;
	o.by = "pod";
	o.name = NULL;
	CHECK(to_csv(m, &o, &out, &err) == 0, "skip");
	CHECK_STR(out, "timestamp,series,value\n0,pod=db,4\n60,pod=db,5\n120,pod=db,6\n"
	    "0,pod=web-10,0.5\n120,pod=web-10,7\n0,pod=web-2,1\n60,pod=web-2,2\n120,pod=web-2,3\n",
	    "long, skip drops one series's row");
	free(out);
	o.null = SP_PROM_NULL_ZERO;
	CHECK(to_csv(m, &o, &out, &err) == 0 && strstr(out, "\n60,pod=web-10,0\n"), "zero");
	free(out);
	o.null = SP_PROM_NULL_ERROR;
	out = NULL;
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "error policy");
	CHECK_STR(err.msg, "no value for pod=web-10 at 60 (choose --null skip, zero or empty)", "missing point");
	CHECK(out && !*out, "nothing written before the error");
	free(out);
	o.by = "job";
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "db has no job");
	CHECK_STR(err.msg, "--by-labels job: a series has none of these labels", "none of the labels");
	free(out);
	sp_prom_matrix_free(m);

	/* '\\' and ',' in values are escaped: these two keys stay apart */
	m = sp_prom_matrix_new(0, 0, 60, NULL);
	merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"a\":\"x,b=y\"},\"values\":[[0,\"1\"]]},"
	    "{\"metric\":{\"a\":\"x\",\"b\":\"y\"},\"values\":[[0,\"2\"]]},"
	    "{\"metric\":{\"a\":\"\\\\\"},\"values\":[[0,\"3\"]]}]}}", 200, NULL);
	o = (sp_prom_csv){ NULL, NULL, SP_PROM_NULL_ERROR, "a,b", 0, 0, NULL, NULL, 0 };
	CHECK(to_csv(m, &o, &out, &err) == 0, "escapes: %s", err.msg);
	CHECK_STR(out, "timestamp,series,value\n0,\"a=\\\\,b=\",3\n0,\"a=x,b=y\",2\n0,\"a=x\\,b=y,b=\",1\n", "escaped keys");
	free(out);
	o.by = "b";   /* two series without b: one key */
	CHECK(to_csv(m, &o, &out, &err) == SP_EDATA, "two series, one key");
	CHECK_STR(err.msg, "--by-labels b: a series has none of these labels", "none");
	free(out);
	sp_prom_matrix_free(m);
}

/* Shards (promfetch --shard): FNV-1a 64 against the published test
 * vectors (Fowler, Noll, Vo: "", "a", "foobar"), the keys a shard keeps;
 * the labels of a key (scale --by). */
static void
test_keys(void)
{
	sp_error err;
	sp_prom_matrix *m = three_pods();
	sp_prom_csv o = { NULL, NULL, SP_PROM_NULL_EMPTY, "pod", 0, 0, NULL, NULL, 0 };
	char *out = NULL, v[16];
	unsigned long i, total = 0;

	CHECK(sp_prom_shard("", 0) == 0xcbf29ce484222325ULL, "FNV-1a of ''");
	CHECK(sp_prom_shard("a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a of 'a'");
	CHECK(sp_prom_shard("foobar", 6) == 0x85944171f73967e8ULL, "FNV-1a of 'foobar'");
	/* pod=db, pod=web-10, pod=web-2 over 2 shards: each key in exactly one */
	for (i = 0; i < 2; i++) {
		const char *keys[] = { "pod=db", "pod=web-10", "pod=web-2" };
		size_t k;
		o.shard_i = i;
		o.shard_n = 2;
		CHECK(to_csv(m, &o, &out, &err) == 0, "shard %lu", i);
		for (k = 0; k < 3; k++) {
			int in = strstr(out, keys[k]) != NULL;
			CHECK(in == (sp_prom_shard(keys[k], strlen(keys[k])) % 2 == i), "shard %lu: %s", i, keys[k]);
			total += (unsigned long)in;
		}
		CHECK(strncmp(out, "timestamp,series,value\n", 23) == 0, "shard %lu: the header", i);
		free(out);
	}
	CHECK(total == 3, "every key in one shard");
	sp_prom_matrix_free(m);

	CHECK(sp_prom_key_label("namespace=shop,deployment=web", 29, "deployment", v, sizeof v, &err) == 1 &&
	    strcmp(v, "web") == 0, "label");
	CHECK(sp_prom_key_label("namespace=shop,deployment=web", 29, "namespace", v, sizeof v, &err) == 1 &&
	    strcmp(v, "shop") == 0, "first label");
	CHECK(sp_prom_key_label("a=x\\,y\\\\,b=2", 12, "a", v, sizeof v, &err) == 1 && strcmp(v, "x,y\\") == 0,
	    "escapes: %s", v);
	CHECK(sp_prom_key_label("a=x\\,b=2", 8, "b", v, sizeof v, &err) == 0, "an escaped comma is no separator");
	CHECK(sp_prom_key_label("a=,b=2", 6, "a", v, sizeof v, &err) == 1 && !*v, "empty value");
	CHECK(sp_prom_key_label("web", 3, "deployment", v, sizeof v, &err) == 0, "a plain key has no labels");
	CHECK(sp_prom_key_label("a=1,b", 5, "a", v, sizeof v, &err) == SP_EDATA, "malformed");
	CHECK_STR(err.msg, "not label=value pairs joined by ',' (promfetch --by-labels)", "malformed");
	CHECK(sp_prom_key_label("a=0123456789abcdefg", 19, "a", v, sizeof v, &err) == SP_EDATA, "too long");
	CHECK_STR(err.msg, "label 'a': value longer than 15 bytes", "too long");
	/* the pairs one by one, as promexport and scale read a key */
	{
		const char *k = "ns=a\\b,x=,d=w\\,e", *name;
		char val[32];
		size_t pos = 0, nl, vl;
		CHECK(sp_prom_key_next(k, strlen(k), &pos, &name, &nl, val, &vl, &err) == 1 && nl == 2 &&
		    !memcmp(name, "ns", 2) && !strcmp(val, "ab") && vl == 2, "first pair, unescaped: %s", val);
		CHECK(sp_prom_key_next(k, strlen(k), &pos, &name, &nl, val, &vl, &err) == 1 && nl == 1 &&
		    *name == 'x' && vl == 0 && !*val, "empty value");
		CHECK(sp_prom_key_next(k, strlen(k), &pos, &name, &nl, val, &vl, &err) == 1 && nl == 1 &&
		    *name == 'd' && !strcmp(val, "w,e"), "an escaped comma is part of the value: %s", val);
		CHECK(sp_prom_key_next(k, strlen(k), &pos, &name, &nl, val, &vl, &err) == 0, "the end");
		pos = 0;
		CHECK(sp_prom_key_next("web", 3, &pos, &name, &nl, val, &vl, &err) == 0, "no '=': no pairs");
		pos = 0;
		CHECK(sp_prom_key_next("a=1,", 4, &pos, &name, &nl, val, &vl, &err) == 1 &&
		    sp_prom_key_next("a=1,", 4, &pos, &name, &nl, val, &vl, &err) == SP_EDATA, "a trailing ','");
	}
}

/* Series are their whole label set: duplicates in one answer and labels
 * that would collide under a separator-joined key. */
static void
test_series_identity(void)
{
	sp_error err;
	sp_prom_matrix *m = sp_prom_matrix_new(0, 60, 60, &err);

	CHECK(merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
	    "{\"metric\":{\"a\":\"x\"},\"values\":[[0,\"1\"],[60,\"2\"]]},"
	    "{\"metric\":{\"a\":\"x\"},\"values\":[[60,\"0\"]]}]}}", 200, &err) == SP_ENET &&
	    strstr(err.msg, "two series with the same labels"), "duplicate: %s", err.msg);
	sp_prom_matrix_free(m);
	m = sp_prom_matrix_new(0, 60, 60, &err);
	/* {a="x\x1fb\x1ey"} against {a="x", b="y"}: two series, not one */
	CHECK(merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	    "{\"metric\":{\"a\":\"x\\u001fb\\u001ey\"},\"value\":[0,\"1\"]},"
	    "{\"metric\":{\"a\":\"x\",\"b\":\"y\"},\"value\":[0,\"2\"]}]}}", 200, &err) == 0 &&
	    sp_prom_nseries(m) == 2, "separator bytes in a value: %s", err.msg);
	/* the same series in two answers (two chunks) is one series */
	CHECK(merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	    "{\"metric\":{\"a\":\"x\",\"b\":\"y\"},\"value\":[60,\"3\"]}]}}", 200, &err) == 0 &&
	    sp_prom_nseries(m) == 2 && sp_prom_get(m, 1)->v[1] == 3, "second answer: %s", err.msg);
	CHECK(merge(m, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	    "{\"metric\":{\"a\":\"x\\u0000z\"},\"value\":[0,\"1\"]}]}}", 200, &err) == SP_ENET,
	    "NUL in a label (jansson refuses it too): %s", err.msg);
	/* the server's error text is redacted */
	CHECK(merge(m, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
	    "\"echo: Authorization: Bearer tok-9 at /q?token=abc\"}", 400, &err) == SP_ENET &&
	    strcmp(err.msg, "Prometheus error (HTTP 400, bad_data): echo: Authorization: [redacted]") == 0,
	    "redacted: %s", err.msg);
	sp_prom_matrix_free(m);
}

/* promfetch --since-state: keep selects series by key (after the shard),
 * no_header appends rows to an earlier call's. */
static int
keep_web(void *ctx, const char *key, size_t len)
{
	(*(int *)ctx)++;
	return len > 7 && memcmp(key, "pod=web", 7) == 0;
}

static void
test_csv_keep(void)
{
	sp_error err;
	sp_prom_matrix *m = three_pods();
	int calls = 0;
	sp_prom_csv o = { NULL, NULL, SP_PROM_NULL_SKIP, "pod", 0, 0, keep_web, &calls, 0 };
	char *out = NULL;

	CHECK(to_csv(m, &o, &out, &err) == 0, "keep: %s", err.msg);
	CHECK_STR(out, "timestamp,series,value\n0,pod=web-10,0.5\n120,pod=web-10,7\n0,pod=web-2,1\n60,pod=web-2,2\n"
	    "120,pod=web-2,3\n", "keep: the web pods only");
	CHECK(calls == 3, "keep: asked once per series, %d", calls);
	free(out);
	o.no_header = 1;
	o.shard_n = 2;   /* shard 0/2: web-2 only (db and web-10 hash to 1) */
	calls = 0;
	CHECK(to_csv(m, &o, &out, &err) == 0, "keep, no header: %s", err.msg);
	CHECK_STR(out, "0,pod=web-2,1\n60,pod=web-2,2\n120,pod=web-2,3\n", "keep, no header, shard 0/2");
	CHECK(calls == 1, "keep: asked for the shard's series only, %d", calls);
	free(out);
	sp_prom_matrix_free(m);
}

int
main(void)
{
	test_duration();
	test_chunks();
	test_merge();
	test_many();
	test_names();
	test_urls();
	test_fetch_refused();
	test_csv();
	test_csv_long();
	test_series_identity();
	test_keys();
	test_csv_keep();
	return check_summary();
}
