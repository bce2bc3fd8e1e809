/* sp_extender: resource.Quantity, ExtenderArgs parsing, the answers
 * (ExtenderFilterResult, HostPriorityList) on the fixtures of
 * tests/cli/data/extender (their README has the hand computation, and the
 * API file they follow: k8s.io/kube-scheduler/extender/v1 types.go),
 * fallback, shadow, bad input and the metrics text. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_extender.h"

#define DIR "tests/cli/data/extender/"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n)
		b[n] = 0, *len = (size_t)n;
	else
		free(b), b = NULL;
	fclose(f);
	return b;
}

static void
test_quantity(void)
{
	static const struct { const char *s; double v; } ok[] = {
		{ "100m", 0.1 }, { "1.5", 1.5 }, { "2", 2 }, { "128Mi", 134217728 }, { "1Gi", 1073741824 },
		{ "1G", 1e9 }, { "2e3", 2000 }, { "1Ki", 1024 }, { "500u", 5e-4 }, { "250n", 2.5e-7 },
		{ ".5", 0.5 }, { "1E", 1e18 }, { "1e-3", 1e-3 }, { "+3k", 3000 } };
	static const char *const bad[] = { "", "abc", "1.5.2", "10x", "-1", "1Mb", "e3", "1e", "m" };
	sp_error err;
	double v;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		CHECK(sp_extender_quantity(ok[i].s, &v, &err) == 0, "quantity '%s' parses", ok[i].s);
		CHECK_CLOSE(v, ok[i].v, 1e-12, ok[i].s);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(sp_extender_quantity(bad[i], &v, &err) == SP_EDATA, "quantity '%s' is an error", bad[i]);
	CHECK_STR(err.msg, "not a quantity: 'm'", "message");
}

static int
parse_str(const char *s, sp_extender_args *a, sp_error *err)
{
	return sp_extender_args_parse(s, strlen(s), a, err);
}

static void
test_args(void)
{
	sp_extender_args a;
	sp_error err;
	size_t len;
	char *b = slurp(DIR "args_names.json", &len);

	CHECK(b && sp_extender_args_parse(b, len, &a, &err) == 0, "args_names parses");
	CHECK_STR(a.pod, "shop/web-7d4b9c-x2k8p", "pod");
	CHECK_CLOSE(a.cpu, 0.5, 1e-15, "cpu 500m");
	CHECK_CLOSE(a.mem, 256, 1e-15, "memory 256Mi in MiB");
	CHECK(a.names == 1 && a.n == 3, "three NodeNames");
	CHECK(a.n == 3 && !strcmp(a.nodes[0], "n1") && !strcmp(a.nodes[2], "n3"), "names in order");
	sp_extender_args_free(&a);
	free(b);

	b = slurp(DIR "args_nodes.json", &len);
	CHECK(b && sp_extender_args_parse(b, len, &a, &err) == 0, "args_nodes parses");
	CHECK(a.names == 0 && a.n == 2 && !strcmp(a.nodes[1], "n2"), "names from Nodes.items");
	sp_extender_args_free(&a);
	free(b);

	/* kube's effective request: max(sum of containers, max of init
	 * containers) + overhead; defaults for what is not requested */
	CHECK(parse_str("{\"Pod\":{\"spec\":{\"containers\":[{\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"64Mi\"}}},"
	    "{\"resources\":{\"requests\":{\"cpu\":\"250m\"}}}],\"initContainers\":[{\"resources\":{\"requests\":"
	    "{\"cpu\":\"1\",\"memory\":\"32Mi\"}}}],\"overhead\":{\"cpu\":\"100m\"}}},\"NodeNames\":[]}", &a, &err) == 0,
	    "init containers and overhead parse");
	CHECK_CLOSE(a.cpu, 1.1, 1e-15, "max(0.5, 1) + 0.1");
	CHECK_CLOSE(a.mem, 64, 1e-15, "max(64, 32) MiB");
	CHECK(a.n == 0, "no candidates");
	CHECK_STR(a.pod, "default/", "no metadata");
	sp_extender_args_free(&a);
	CHECK(parse_str("{\"Pod\":{\"spec\":{\"containers\":[{\"name\":\"be\"}]}},\"NodeNames\":[\"a\"]}", &a, &err) == 0,
	    "BestEffort pod");
	CHECK(a.cpu == 0.1 && a.mem == 200, "kube's non-zero defaults: 0.1 core, 200 MiB");
	sp_extender_args_free(&a);

	CHECK(parse_str("{\"Pod\":", &a, &err) == SP_EDATA, "cut JSON");
	CHECK(!strncmp(err.msg, "line 1, column ", 15), "JSON error names line and column: %s", err.msg);
	CHECK(parse_str("[1]", &a, &err) == SP_EDATA, "an array");
	CHECK_STR(err.msg, "ExtenderArgs: not a JSON object", "not an object");
	CHECK(parse_str("{\"NodeNames\":[\"a\"]}", &a, &err) == SP_EDATA, "no Pod");
	CHECK_STR(err.msg, "ExtenderArgs: no Pod", "no Pod message");
	CHECK(parse_str("{\"Pod\":{},\"Nodes\":null,\"NodeNames\":null}", &a, &err) == SP_EDATA, "no nodes");
	CHECK_STR(err.msg, "ExtenderArgs: neither NodeNames nor Nodes.items", "no nodes message");
	CHECK(parse_str("{\"Pod\":{},\"NodeNames\":[\"a\",3]}", &a, &err) == SP_EDATA, "a number as node name");
	CHECK_STR(err.msg, "NodeNames[1]: not a node name", "node name message");
	CHECK(parse_str("{\"Pod\":{\"spec\":{\"containers\":[{},{\"resources\":{\"requests\":{\"cpu\":\"lots\"}}}]}},"
	    "\"NodeNames\":[]}", &a, &err) == SP_EDATA, "bad quantity");
	CHECK_STR(err.msg, "Pod.spec.containers[1].resources.requests.cpu: not a quantity", "quantity path");
	CHECK(a.doc == NULL && a.nodes == NULL && a.pod == NULL, "args empty after an error");
}

static sp_extender_state *
read_state(const char *text, sp_error *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	sp_extender_state *st = sp_extender_state_read(f, "s.csv", err);

	fclose(f);
	return st;
}

static void
test_state(void)
{
	FILE *f = fopen(DIR "state.csv", "r");
	sp_error err;
	sp_extender_state *st = f ? sp_extender_state_read(f, "state.csv", &err) : NULL;

	CHECK(st != NULL, "state.csv reads");
	CHECK(sp_extender_state_nnodes(st) == 3, "three nodes");
	CHECK(sp_extender_state_newest(st) == 1700000000, "newest timestamp");
	sp_extender_state_free(st);
	if (f)
		fclose(f);
	CHECK(!read_state("timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used\n1,a,1,1,0,0,0\n", &err),
	    "missing column");
	CHECK(strstr(err.msg, "no column 'mem_used'") && err.code == SP_EDATA, "missing column message: %s", err.msg);
	CHECK(!read_state("timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used\n"
	    "1700000000,a,1,1,0,0,0,0\n1700000000,b,0,1,0,0,0,0\n", &err), "zero capacity");
	CHECK_STR(err.msg, "s.csv: row 2, column cpu: capacity must be positive", "zero capacity message");
	/* found by fuzz_extender: a pods count beyond int (3.6e71) */
	CHECK(!read_state("timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used,pods\n"
	    "1700000000,a,1,1,0,0,0,0,3.6e71\n", &err), "pods beyond any node");
	CHECK_STR(err.msg, "s.csv: row 1, column pods: more than 1000000 pods on a node", "pods message");
	{
		sp_extender_state *lim = read_state("timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,"
		    "mem_used,pods\n1700000000,a,1,1,0,0,0,0,1000000\n", &err);
		CHECK(lim != NULL, "1000000 pods: the limit itself");
		sp_extender_state_free(lim);
	}
	CHECK(!read_state("timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used\n", &err), "no rows");
	CHECK(!read_state("timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used\n"
	    "1700000000,,1,1,0,0,0,0\n", &err), "empty node name");
	CHECK(strstr(err.msg, "empty node name") != NULL, "empty name message: %s", err.msg);
}

typedef struct {
	sp_place *p;
	sp_extender *x;
} server;

static void
server_new(server *s, double wp, double wd, double wa, int mode, const sp_extender_opts *o, int with_state)
{
	sp_error err;
	FILE *f;

	s->p = sp_place_new(8, 1, &err);
	CHECK(s->p && sp_place_set_weights(s->p, wp, wd, wa, mode, &err) == 0, "model");
	s->x = sp_extender_new(s->p, o, &err);
	if (with_state && (f = fopen(DIR "state.csv", "r"))) {
		sp_extender_set_state(s->x, sp_extender_state_read(f, "state.csv", &err));
		fclose(f);
	}
}

static void
server_free(server *s)
{
	sp_extender_free(s->x);
	sp_place_free(s->p);
}

static void
ask(server *s, int verb, const char *file, double now, sp_extender_reply *r)
{
	sp_error err;
	size_t len = 0;
	char *b = slurp(file, &len);

	CHECK(b && sp_extender_handle(s->x, verb, b, len, now, r, &err) == 0, "%s answered", file);
	free(b);
}

static void
test_answers(void)
{
	sp_extender_opts o;
	sp_extender_reply r;
	server s;
	const double now = 1700000050;

	sp_extender_defaults(&o);
	o.filter_above = 0.9;
	server_new(&s, 1, 0, 0, SP_PLACE_COMBINED, &o, 1);
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_names.json", now, &r);
	CHECK(r.status == 200 && r.fallback == 0, "prioritize 200, no fallback");
	CHECK_STR(r.body, "[{\"Host\":\"n1\",\"Score\":1},{\"Host\":\"n2\",\"Score\":6},{\"Host\":\"n3\",\"Score\":2}]",
	    "priorities: round(pred / 10)");
	CHECK_STR(r.note, "prioritize shop/web-7d4b9c-x2k8p: best n2 (score 56.25, priority 6) of 3 nodes", "note");
	sp_extender_reply_free(&r);
	ask(&s, SP_EXTENDER_FILTER, DIR "args_names.json", now, &r);
	CHECK_STR(r.body, "{\"Nodes\":null,\"NodeNames\":[\"n2\",\"n3\"],\"FailedNodes\":{\"n1\":\"place: predicted CPU "
	    "utilisation 0.938 with the pod is above 0.9\"},\"FailedAndUnresolvableNodes\":{},\"Error\":\"\"}",
	    "filter: n1 fails");
	sp_extender_reply_free(&r);
	/* Nodes in, Nodes out: the NodeList as sent with the passing items */
	ask(&s, SP_EXTENDER_FILTER, DIR "args_nodes.json", now, &r);
	{
		json_t *j = json_loads(r.body, 0, NULL), *items = json_object_get(json_object_get(j, "Nodes"), "items");
		CHECK(json_is_null(json_object_get(j, "NodeNames")), "NodeNames null");
		CHECK(json_array_size(items) == 1 && !strcmp(json_string_value(json_object_get(json_object_get(
		    json_array_get(items, 0), "metadata"), "name")), "n2"), "n2's Node object passes");
		CHECK_STR(json_string_value(json_object_get(json_object_get(j, "Nodes"), "kind")), "NodeList", "kind kept");
		CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(items, 0), "status"), "allocatable") ?
		    json_object_get(json_object_get(json_object_get(json_array_get(items, 0), "status"), "allocatable"), "memory")
		    : NULL), "8Gi", "the object whole");
		CHECK(json_object_size(json_object_get(j, "FailedNodes")) == 1, "one failed node");
		json_decref(j);
	}
	sp_extender_reply_free(&r);

	/* fallback: a node not in the state */
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_missing.json", now, &r);
	CHECK(r.status == 200 && r.fallback == SP_EXTENDER_FB_MISSING, "missing node: fallback");
	CHECK_STR(r.body, "[{\"Host\":\"n1\",\"Score\":0},{\"Host\":\"n9\",\"Score\":0},{\"Host\":\"n3\",\"Score\":0}]",
	    "equal scores");
	CHECK_STR(r.note, "prioritize shop/web-7d4b9c-x2k8p: fallback missing_node (n9)", "missing note");
	sp_extender_reply_free(&r);
	ask(&s, SP_EXTENDER_FILTER, DIR "args_missing.json", now, &r);
	CHECK_STR(r.body, "{\"Nodes\":null,\"NodeNames\":[\"n1\",\"n9\",\"n3\"],\"FailedNodes\":{},"
	    "\"FailedAndUnresolvableNodes\":{},\"Error\":\"\"}", "missing node: all pass");
	sp_extender_reply_free(&r);

	/* bad input: 400 with a message */
	{
		sp_error err;
		CHECK(sp_extender_handle(s.x, SP_EXTENDER_PRIORITIZE, "{\"Pod\":{}", 9, now, &r, &err) == 0, "bad JSON handled");
		CHECK(r.status == 400 && !strncmp(r.body, "place: bad ExtenderArgs: line 1, column ", 40), "400: %s", r.body);
		sp_extender_reply_free(&r);
	}
	{
		char *m = sp_extender_metrics(s.x, now);
		CHECK(m && strstr(m, "place_extender_fallbacks_total{reason=\"missing_node\"} 2\n"), "two fallbacks counted");
		CHECK(m && strstr(m, "place_extender_state_nodes 3\n"), "state gauge");
		CHECK(m && strstr(m, "place_extender_state_age_seconds 50.000\n"), "state age");
		free(m);
	}
	server_free(&s);

	/* stale data, no state, everything filtered */
	o.max_age = 100;
	server_new(&s, 1, 0, 0, SP_PLACE_COMBINED, &o, 1);
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_names.json", now, &r);
	CHECK(r.fallback == 0, "fresh enough");
	sp_extender_reply_free(&r);
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_names.json", 1700000101, &r);
	CHECK(r.fallback == SP_EXTENDER_FB_STALE, "older than --max-age: fallback");
	CHECK_STR(r.note, "prioritize shop/web-7d4b9c-x2k8p: fallback stale (n1)", "stale note");
	sp_extender_reply_free(&r);
	server_free(&s);
	o.max_age = 0;
	o.filter_above = 0.1;
	server_new(&s, 1, 0, 0, SP_PLACE_COMBINED, &o, 0);
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_names.json", now, &r);
	CHECK(r.fallback == SP_EXTENDER_FB_NOSTATE, "no state: fallback");
	sp_extender_reply_free(&r);
	server_free(&s);
	server_new(&s, 1, 0, 0, SP_PLACE_COMBINED, &o, 1);
	ask(&s, SP_EXTENDER_FILTER, DIR "args_names.json", now, &r);
	CHECK(r.fallback == SP_EXTENDER_FB_ALLFILTERED, "all filtered: fallback");
	CHECK(strstr(r.body, "\"NodeNames\":[\"n1\",\"n2\",\"n3\"],\"FailedNodes\":{}") != NULL, "all pass");
	sp_extender_reply_free(&r);
	server_free(&s);

	/* shadow: the decision in the note, neutral answers */
	sp_extender_defaults(&o);
	o.shadow = 1;
	o.filter_above = 0.9;
	server_new(&s, 1, 0, 0, SP_PLACE_COMBINED, &o, 1);
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_names.json", now, &r);
	CHECK_STR(r.body, "[{\"Host\":\"n1\",\"Score\":0},{\"Host\":\"n2\",\"Score\":0},{\"Host\":\"n3\",\"Score\":0}]",
	    "shadow: equal scores");
	CHECK_STR(r.note, "prioritize shop/web-7d4b9c-x2k8p: best n2 (score 56.25, priority 0) of 3 nodes "
	    "(shadow: all equal)", "shadow note");
	CHECK(r.fallback == 0, "shadow is no fallback");
	sp_extender_reply_free(&r);
	ask(&s, SP_EXTENDER_FILTER, DIR "args_names.json", now, &r);
	CHECK(strstr(r.body, "\"FailedNodes\":{}") != NULL, "shadow: all pass");
	CHECK_STR(r.note, "filter shop/web-7d4b9c-x2k8p: would drop 1 of 3 nodes (shadow: all pass)", "shadow filter note");
	sp_extender_reply_free(&r);
	server_free(&s);

	/* the anomaly column: n2 0.2, the others the model's (no forest: 0.5) */
	sp_extender_defaults(&o);
	server_new(&s, 0, 0, 1, SP_PLACE_COMBINED, &o, 1);
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_names.json", now, &r);
	CHECK_STR(r.body, "[{\"Host\":\"n1\",\"Score\":5},{\"Host\":\"n2\",\"Score\":8},{\"Host\":\"n3\",\"Score\":5}]",
	    "anomaly scores 50, 80, 50");
	sp_extender_reply_free(&r);
	server_free(&s);

	/* mode dqn: Q values min-max scaled, so 0 and 10 are taken */
	server_new(&s, 1, 1, 1, SP_PLACE_DQN, &o, 1);
	ask(&s, SP_EXTENDER_PRIORITIZE, DIR "args_names.json", now, &r);
	CHECK(strstr(r.body, "\"Score\":0}") && strstr(r.body, "\"Score\":10}"), "dqn: 0 and 10: %s", r.body);
	sp_extender_reply_free(&r);
	server_free(&s);
}

static void
test_metrics(void)
{
	sp_extender_opts o;
	server s;
	char *m;

	sp_extender_defaults(&o);
	server_new(&s, 1, 0, 0, SP_PLACE_COMBINED, &o, 0);
	sp_extender_observe(s.x, SP_EXTENDER_PRIORITIZE, 200, 0.0004);
	sp_extender_observe(s.x, SP_EXTENDER_PRIORITIZE, 200, 0.003);
	sp_extender_observe(s.x, SP_EXTENDER_PRIORITIZE, 400, 2);
	sp_extender_observe(s.x, SP_EXTENDER_HEALTHZ, 200, 0);
	sp_extender_observe(s.x, SP_EXTENDER_OTHER, 404, 0);
	sp_extender_state_failed(s.x);
	m = sp_extender_metrics(s.x, 0);
	CHECK(m && strstr(m, "place_extender_requests_total{verb=\"prioritize\",code=\"200\"} 2\n"), "two 200s");
	CHECK(m && strstr(m, "place_extender_requests_total{verb=\"prioritize\",code=\"400\"} 1\n"), "one 400");
	CHECK(m && strstr(m, "place_extender_requests_total{verb=\"filter\",code=\"200\"} 0\n"), "filter listed at 0");
	CHECK(m && strstr(m, "place_extender_errors_total{verb=\"prioritize\"} 1\n"), "prioritize errors");
	CHECK(m && strstr(m, "place_extender_errors_total{verb=\"other\"} 1\n"), "404 counted");
	CHECK(m && strstr(m, "duration_seconds_bucket{verb=\"prioritize\",le=\"0.0005\"} 1\n"), "first bucket");
	CHECK(m && strstr(m, "duration_seconds_bucket{verb=\"prioritize\",le=\"0.005\"} 2\n"), "cumulative");
	CHECK(m && strstr(m, "duration_seconds_bucket{verb=\"prioritize\",le=\"1\"} 2\n"), "2 s above 1");
	CHECK(m && strstr(m, "duration_seconds_bucket{verb=\"prioritize\",le=\"+Inf\"} 3\n"), "+Inf");
	CHECK(m && strstr(m, "duration_seconds_count{verb=\"prioritize\"} 3\n"), "count");
	CHECK(m && strstr(m, "duration_seconds_sum{verb=\"prioritize\"} 2.0034\n"), "sum");
	CHECK(m && strstr(m, "place_extender_state_nodes 0\n") && !strstr(m, "state_age"), "no state");
	CHECK(m && strstr(m, "place_extender_state_load_errors_total 1\n"), "a failed reload");
	free(m);
	server_free(&s);
}

int
main(void)
{
	test_quantity();
	test_args();
	test_state();
	test_answers();
	test_metrics();
	return check_summary();
}
