/* test_prom: Prometheus answers on a grid, range chunking, durations, names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_prom.h"

static int
merge(sp_prom_matrix *m, const char *json, long status, sp_error *err)
{
	return sp_prom_merge(m, json, strlen(json), status, err);
}

static void
test_duration(void)
{
	double d = 0;
	CHECK(sp_prom_parse_duration("90", &d) == 0 && d == 90, "90");
	CHECK(sp_prom_parse_duration("1.5", &d) == 0 && d == 1.5, "1.5");
	CHECK(sp_prom_parse_duration("5m", &d) == 0 && d == 300, "5m");
	CHECK(sp_prom_parse_duration("1h30m", &d) == 0 && d == 5400, "1h30m");
	CHECK(sp_prom_parse_duration("7d", &d) == 0 && d == 604800, "7d");
	CHECK(sp_prom_parse_duration("2w", &d) == 0 && d == 1209600, "2w");
	CHECK(sp_prom_parse_duration("500ms", &d) == 0 && d == 0.5, "500ms");
	CHECK(sp_prom_parse_duration("1y", &d) == 0 && d == 31536000, "1y");
	CHECK(sp_prom_parse_duration("", &d) < 0, "empty");
	CHECK(sp_prom_parse_duration("0", &d) < 0, "zero");
	CHECK(sp_prom_parse_duration("-5", &d) < 0, "negative");
	CHECK(sp_prom_parse_duration("5x", &d) < 0, "unit x");
	CHECK(sp_prom_parse_duration("m", &d) < 0, "no number");
	CHECK(sp_prom_parse_duration("5m3", &d) < 0, "trailing number");
	CHECK(sp_prom_parse_duration("0s", &d) < 0, "0s");
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

int
main(void)
{
	test_duration();
	test_chunks();
	test_merge();
	test_many();
	test_names();
	return check_summary();
}
