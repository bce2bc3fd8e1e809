/* test_state: the state files between runs (sp_state): a round trip that
 * keeps every double's bits (nan and inf included), and every corrupt form
 * refused with file:line; then the engines' states: a burst decision
 * (sp_burstdet, with a burst in progress and its AR) and a planner
 * (sp_plan, with stabilisation, ramp, quality ring and the HPA), stopped
 * every third origin, written, read into fresh objects and continued, decide
 * exactly as the run that never stopped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_burstdet.h"
#include "sp_keyed.h"
#include "sp_perf.h"
#include "sp_plan.h"
#include "sp_state.h"

static char dir[] = "/tmp/test_state.XXXXXX";
static char path[256];

static char mk_tag[1];
static void *
mk(void *ctx, const char *key, size_t len, sp_error *err)
{
	(void)ctx, (void)key, (void)len, (void)err;
	return mk_tag;
}

static void
put(const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Loading text gives an error whose message contains want. */
static void
bad(const char *text, const char *want)
{
	sp_error err;
	sp_state *s = NULL;
	long v;
	double d[2];
	int rc;

	put(text);
	err.msg[0] = 0;
	rc = sp_state_load(path, "k", 2, &s, &err);
	if (rc == 0 && s) {
		rc = sp_state_long(s, "a", 0, 10, &v, &err);
		if (rc == 0)
			rc = sp_state_doubles(s, "b", 2, d, &err);
		if (rc == 0)
			rc = sp_state_end(s, &err);
	}
	CHECK(rc == SP_EMODEL && strstr(err.msg, want) && strstr(err.msg, path), "'%s': got '%s' (%d), want '%s'",
	    text, err.msg, rc, want);
	sp_state_free(s);
}

static void
test_format(void)
{
	sp_error err;
	sp_state_writer *w, *b;
	sp_state *s;
	double d[4] = { 0.1, NAN, -INFINITY, 1e-300 }, got[4], one;
	long l[2], v;
	const char *str;
	FILE *f;
	char buf[512];
	size_t n;

	CHECK(sp_state_load(path, "k", 2, &s, &err) == 0 && s == NULL, "missing file: cold start, no error");
	w = sp_state_writer_new("k", 2, &err);
	b = sp_state_block_new(&err);
	CHECK(w && b, "writers");
	sp_state_put_long(w, "a", -3);
	sp_state_put_doubles(w, "b", 4, d);
	sp_state_put_str(b, "key", "web");
	sp_state_put_longs(b, "c", 2, (const long[]){ 7, 8 });
	sp_state_put_block(w, b);
	sp_state_put_double(w, "e", 2.0 / 3);
	CHECK(sp_state_writer_save(w, path, &err) == 0, "save");
	CHECK(sp_state_writer_save(w, path, &err) == 0, "save twice: the same file");
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	CHECK_STR(buf, "scalepipe-state k 2\na -3\nb 0.1 nan -inf 1e-300\n"
	    "key web\nc 7 8\ne 0.6666666666666666\nend\n", "the file");
	CHECK(sp_state_load(path, "k", 2, &s, &err) == 0 && s, "load");
	CHECK(sp_state_line(s) == 2 && !strcmp(sp_state_path(s), path), "line and path");
	CHECK(sp_state_long(s, "a", -5, 5, &v, &err) == 0 && v == -3, "long");
	CHECK(sp_state_doubles(s, "b", 4, got, &err) == 0 && got[0] == 0.1 && isnan(got[1]) && got[2] == -INFINITY &&
	    got[3] == 1e-300, "doubles, bit for bit");
	CHECK(sp_state_at(s, "key") && !sp_state_at(s, "c"), "at");
	CHECK(sp_state_str(s, "key", &str, &err) == 0 && !strcmp(str, "web"), "str");
	CHECK(sp_state_longs(s, "c", 2, 0, 10, l, &err) == 0 && l[0] == 7 && l[1] == 8, "longs");
	CHECK(sp_state_double(s, "e", &one, &err) == 0 && one == 2.0 / 3, "double");
	CHECK(sp_state_end(s, &err) == 0, "end");
	sp_state_free(s);
	sp_state_writer_free(w);
	sp_state_writer_free(b);

	/* any bytes as one token */
	w = sp_state_writer_new("k", 2, &err);
	sp_state_put_bytes(w, "key", "a b%\n,c\0d", 9);
	CHECK(sp_state_writer_save(w, path, &err) == 0, "save bytes");
	sp_state_writer_free(w);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	CHECK_STR(buf, "scalepipe-state k 2\nkey a%20b%25%0A,c%00d\nend\n", "bytes escaped");
	{
		char *k = NULL;
		size_t len = 0;
		CHECK(sp_state_load(path, "k", 2, &s, &err) == 0 && sp_state_bytes(s, "key", &k, &len, &err) == 0 &&
		    len == 9 && !memcmp(k, "a b%\n,c\0d", 9) && sp_state_end(s, &err) == 0, "bytes decoded");
		free(k);
		sp_state_free(s);
		put("scalepipe-state k 2\nkey a%2\nend\n");
		k = NULL;
		CHECK(sp_state_load(path, "k", 2, &s, &err) == 0 && sp_state_bytes(s, "key", &k, &len, &err) == SP_EMODEL &&
		    strstr(err.msg, ":2: key: bad %-escape") && !k, "a bad escape: %s", err.msg);
		sp_state_free(s);
	}

	/* the keys of a keyed file: each key's state made once, a repeat refused */
	{
		sp_keyed *k = sp_keyed_new(mk, NULL, NULL);
		put("scalepipe-state k 2\nkey web\nkey db\nkey web\nend\n");
		CHECK(k && sp_state_load(path, "k", 2, &s, &err) == 0 && s, "keyed file");
		CHECK(sp_state_key(s, k, &err) == mk_tag && sp_state_key(s, k, &err) == mk_tag &&
		    sp_keyed_count(k) == 2 && !strcmp(sp_keyed_key(k, 1, NULL), "db"), "two keys, in order");
		CHECK(sp_state_key(s, k, &err) == NULL && err.code == SP_EMODEL && strstr(err.msg, ":4: key: twice"),
		    "a key twice, naming its line: %s", err.msg);
		sp_state_free(s);
		sp_keyed_free(k);
	}

	bad("", ":1: not a scalepipe state file");
	bad("scalepipe-model k 2\na 1\nb 1 2\nend\n", ":1: not a scalepipe state file");
	bad("scalepipe-state j 2\na 1\nb 1 2\nend\n", ":1: state of kind j, not k");
	bad("scalepipe-state k 1\na 1\nb 1 2\nend\n", ":1: state version 1, not 2");
	bad("scalepipe-state k 2 x\na 1\nb 1 2\nend\n", ":1: not a scalepipe state file");
	bad("scalepipe-state k 2\na 1\nb 1 2\n", ":4: 'end' missing (truncated)");
	bad("scalepipe-state k 2\na 1\nb 1", ":3: line without its newline (truncated)");
	bad("scalepipe-state k 2\na 1\n", ":3: 'b' missing (truncated)");
	bad("scalepipe-state k 2\nb 1 2\na 1\nend\n", ":2: 'b' where 'a' was expected");
	bad("scalepipe-state k 2\na 11\nb 1 2\nend\n", ":2: a: 11 outside 0..10");
	bad("scalepipe-state k 2\na 1.5\nb 1 2\nend\n", ":2: a: value 1 is not an integer");
	bad("scalepipe-state k 2\na 1\nb 1\nend\n", ":3: b: 1 values, want 2");
	bad("scalepipe-state k 2\na 1\nb 1 2 3\nend\n", ":3: b: more than 2 values");
	bad("scalepipe-state k 2\na 1\nb 1 x\nend\n", ":3: b: value 2 is not a number");
	bad("scalepipe-state k 2\na 1\nb 1 2 \nend\n", ":3: b: trailing space");
	bad("scalepipe-state k 2\na 1\nb 1 2\nend 1\n", ":4: 'end' where 'end' was expected");
	bad("scalepipe-state k 2\na 1\nb 1 2\nc 3\nend\n", ":4: 'c' where 'end' was expected");
	bad("scalepipe-state k 2\na 1\nb 1 2\nend\nmore\n", ":5: something after 'end'");
	w = sp_state_writer_new("k", 1, &err);
	CHECK(sp_state_writer_save(w, "/nonexistent/dir/s", &err) < 0 && strstr(err.msg, "/nonexistent/dir/s"),
	    "save into a missing directory: %s", err.msg);
	sp_state_writer_free(w);
}

/* A load with bursts: calm, a surge, calm again; the band follows the load
 * of the step before (a lagging forecast, so the surge is outside it). */
static double
load_at(long i)
{
	double base = 100 + 10 * sin(0.3 * (double)i);
	return i >= 30 && i < 45 ? base * (1 + 0.3 * (double)(i - 29)) : base;
}

static int
decide(sp_burstdet *d, long i, sp_burstdet_decision *x)
{
	double L[4], M[4], U[4], w = load_at(i);
	int h;

	for (h = 0; h < 4; h++) {
		M[h] = w * (1 + 0.01 * h);
		L[h] = M[h] - 8;
		U[h] = M[h] + 8;
	}
	return sp_burstdet_decide(d, 60.0 * (double)i, 60.0 * (double)(i + 1), w, L, M, U, x, NULL);
}

static int
eq(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static int
same_dec(const sp_burstdet_decision *x, const sp_burstdet_decision *y)
{
	return eq(x->t, y->t) && eq(x->forecast, y->forecast) && eq(x->lower, y->lower) && eq(x->upper, y->upper) &&
	    x->state == y->state && eq(x->demand, y->demand) && eq(x->demand_next, y->demand_next);
}

static sp_burstdet *
burst_resumed(const sp_burstdet_opts *o, const sp_burstdet *d)
{
	sp_error err;
	sp_state_writer *w = sp_state_writer_new("burstdetect", 2, &err);
	sp_burstdet *r = sp_burstdet_new(o, &err);
	sp_state *s = NULL;
	int ok = w && r && sp_burstdet_write_state(d, w, &err) == 0 && sp_state_writer_save(w, path, &err) == 0 &&
	    sp_state_load(path, "burstdetect", 2, &s, &err) == 0 && s && sp_burstdet_read_state(r, s, &err) == 0 &&
	    sp_state_end(s, &err) == 0;

	CHECK(ok, "burst state round trip: %s", ok ? "" : err.msg);
	sp_state_writer_free(w);
	sp_state_free(s);
	if (!ok) {
		sp_burstdet_free(r);
		return NULL;
	}
	return r;
}

/* Numbers are written with the fewest of 15, 16 and 17 digits that read
 * back as the same double: short for values that came from CSV text, bit
 * for bit for every double (random bit patterns, denormals, extremes). */
static void
test_numbers(void)
{
	enum { N = 3000 };
	static double v[N], got[N];
	sp_error err;
	sp_state_writer *w = sp_state_writer_new("k", 1, &err);
	sp_state *s = NULL;
	unsigned long long x = 88172645463325252ULL;
	FILE *f;
	char buf[256];
	int i, same = 1;

	v[0] = 437.5199593;
	v[1] = 0.1 + 0.2;
	v[2] = 1.0 / 3;
	v[3] = 4.9406564584124654e-324;
	v[4] = 1.7976931348623157e308;
	v[5] = -2.2250738585072014e-308;
	v[6] = 123456789012345.0;
	v[7] = 1e22;
	for (i = 8; i < N; i++) {
		do {   /* xorshift64: any finite double */
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(&v[i], &x, sizeof v[i]);
		} while (!isfinite(v[i]));
	}
	sp_state_put_doubles(w, "a", 3, v);
	sp_state_put_doubles(w, "v", N, v);
	CHECK(sp_state_writer_save(w, path, &err) == 0, "numbers: save");
	sp_state_writer_free(w);
	f = fopen(path, "r");
	CHECK(f && fgets(buf, sizeof buf, f) && fgets(buf, sizeof buf, f), "numbers: read back");
	if (f)
		fclose(f);
	CHECK_STR(buf, "a 437.5199593 0.30000000000000004 0.3333333333333333\n", "the shortest exact forms");
	CHECK(sp_state_load(path, "k", 1, &s, &err) == 0 && s, "numbers: load");
	CHECK(s && sp_state_doubles(s, "a", 3, got, &err) == 0 && sp_state_doubles(s, "v", N, got, &err) == 0,
	    "numbers: the lines");
	for (i = 0; i < N; i++)
		same &= memcmp(&got[i], &v[i], sizeof got[i]) == 0;
	CHECK(same, "%d doubles read back bit for bit", N);
	sp_state_free(s);
}

static void
test_burstdet(void)
{
	sp_error err;
	sp_burstdet_opts o, o2;
	sp_burstdet *a, *b;
	sp_burstdet_decision x, y, last;
	sp_state_writer *w;
	sp_state *s;
	long i, bursts = 0, same = 0, n = 70;
	double origin;

	sp_burstdet_defaults(&o);
	o.det.H = 4;
	o.det.near = 2;
	o.det.min_out = 1;
	o.det.train = 8;
	o.ar.min_window = 5;
	o.ar.max_window = 20;
	o.quantile = 0.75;
	o.lead = 2;
	a = sp_burstdet_new(&o, &err);
	b = sp_burstdet_new(&o, &err);
	/* b is written, read into a fresh object and continued every third origin */
	for (i = 0; i < n && a && b; i++) {
		sp_burstdet *r;
		CHECK(decide(a, i, &x) == 0 && decide(b, i, &y) == 0, "decide %ld", i);
		same += same_dec(&x, &y);
		bursts += x.state == SP_BURST_BURST;
		if (i % 3 == 1 && (r = burst_resumed(&o, b))) {
			sp_burstdet_free(b);
			b = r;
		}
	}
	CHECK(same == n, "resumed every third origin: %ld of %ld decisions the same", same, n);
	CHECK(bursts >= 5, "bursts decided (%ld)", bursts);
	CHECK(sp_burstdet_last(b, &last, &origin) == 1 && origin == 60.0 * (double)(n - 1) && same_dec(&last, &x),
	    "the newest decision and its origin");
	/* another option: refused, naming it */
	w = sp_state_writer_new("burstdetect", 2, &err);
	CHECK(sp_burstdet_write_state(b, w, &err) == 0 && sp_state_writer_save(w, path, &err) == 0, "write");
	o2 = o;
	o2.quantile = 0.5;
	sp_burstdet_free(a);
	a = sp_burstdet_new(&o2, &err);
	CHECK(sp_state_load(path, "burstdetect", 2, &s, &err) == 0 && s && sp_burstdet_read_state(a, s, &err) == SP_EMODEL &&
	    strstr(err.msg, ":13: state written with quantile 0.75, not 0.5"), "another quantile: %s", err.msg);
	sp_state_free(s);
	/* the bootstrap's stream is not saved */
	o2 = o;
	o2.ar.bootstrap = 10;
	sp_burstdet_free(a);
	a = sp_burstdet_new(&o2, &err);
	CHECK(sp_burstdet_write_state(a, w, &err) == SP_EUSAGE, "no state with a bootstrap");
	sp_state_writer_free(w);
	sp_burstdet_free(a);
	sp_burstdet_free(b);
}

static sp_plan *
plan_resumed(const sp_plan_opts *o, const sp_perf *perf, const sp_plan *p, sp_plan_carry *c)
{
	sp_error err;
	sp_state_writer *w = sp_state_writer_new("plan", 1, &err);
	sp_plan *r = sp_plan_new(o, perf, &err);
	sp_plan_carry c2;
	sp_state *s = NULL;
	int ok;

	sp_plan_write_state(p, c, w);
	sp_plan_carry_init(&c2);
	ok = w && r && sp_state_writer_save(w, path, &err) == 0 && sp_state_load(path, "plan", 1, &s, &err) == 0 && s &&
	    sp_plan_read_state(r, &c2, s, &err) == 0 && sp_state_end(s, &err) == 0;
	CHECK(ok && eq(c->t, c2.t) && eq(c->load, c2.load) && eq(c->cpu, c2.cpu) && eq(c->latency, c2.latency) &&
	    c->ready == c2.ready && c->unready == c2.unready && c->missing == c2.missing && c->anomaly == c2.anomaly &&
	    c->last == c2.last, "plan state round trip: %s", ok ? "the carry" : err.msg);
	sp_state_writer_free(w);
	sp_state_free(s);
	if (!ok) {
		sp_plan_free(r);
		return NULL;
	}
	return r;
}

/* One planner run of n steps; every step resumed from a state when
 * resume, the counts and reasons into n_out, r_out. */
static void
plan_run(const sp_plan_opts *o, const sp_perf *perf, int resume, long n, int *n_out, const char **r_out)
{
	sp_error err;
	sp_plan *p = sp_plan_new(o, perf, &err);
	sp_plan_carry c;
	long i;

	sp_plan_carry_init(&c);
	for (i = 0; i < n && p; i++) {
		sp_plan_in in;
		sp_plan *r;
		sp_plan_in_clear(&in);
		in.t = 60.0 * (double)i;
		in.prev_load = c.load;
		in.demand = 40 * load_at(i + 1);
		in.lower = in.demand * 0.9;
		in.upper = in.demand * (i % 7 == 0 ? 0.95 : 1.1);
		in.burst = i >= 30 && i < 45;
		in.next_t = in.t + 60;
		in.next_demand = 40 * load_at(i + 2);
		CHECK(sp_plan_step(p, &in, &n_out[i], &r_out[i], NULL, 0, &err) == 0, "step %ld", i);
		c.t = in.t;
		c.load = 40 * load_at(i) * (i % 5 == 0 ? 1.5 : 1);
		c.last = n_out[i];
		if (resume && i % 3 == 1 && (r = plan_resumed(o, perf, p, &c))) {
			sp_plan_free(p);
			p = r;
		}
	}
	sp_plan_free(p);
}

static void
test_plan(void)
{
	double w[] = { 0, 100 }, l[] = { 10, 20 }, cpu[] = { 0, 100 };
	sp_perf *perf = sp_perf_from_arrays(w, l, cpu, 2, NULL);
	sp_plan_opts o;
	enum { N = 70 };
	int a[N], b[N], k;
	const char *ra[N], *rb[N];
	long same, i, reasons;

	for (k = 0; k < 3; k++) {
		sp_plan_defaults(&o);
		o.policy = k == 2 ? SP_PLAN_HPA : SP_PLAN_BURST;
		o.max = 1000;
		o.stabilise = k == 0 ? 300 : 0;
		o.ramp_down = k == 0 ? 3 : 0;
		o.quality_window = k == 1 ? 4 : 0;
		o.hysteresis = k == 1 ? 0.1 : 0;
		o.reactive = k == 1 ? SP_PLAN_REACTIVE_LOAD : SP_PLAN_REACTIVE_HPA;
		plan_run(&o, perf, 0, N, a, ra);
		plan_run(&o, perf, 1, N, b, rb);
		for (i = 0, same = 0, reasons = 0; i < N; i++) {
			same += a[i] == b[i] && !strcmp(ra[i], rb[i]);
			reasons += i > 0 && strcmp(ra[i], ra[i - 1]) != 0;
		}
		CHECK(same == N, "planner %d resumed at every step: %ld of %d the same", k, same, N);
		CHECK(reasons >= 3, "planner %d: the reasons change (%ld times)", k, reasons);
	}
	{	/* another option: refused, naming it */
		sp_error err;
		sp_plan *p = sp_plan_new(&o, perf, &err), *q;
		sp_plan_carry c;
		sp_state_writer *sw = sp_state_writer_new("plan", 1, &err);
		sp_state *s;
		sp_plan_carry_init(&c);
		sp_plan_write_state(p, &c, sw);
		sp_state_writer_save(sw, path, &err);
		o.max = 999;
		q = sp_plan_new(&o, perf, &err);
		CHECK(sp_state_load(path, "plan", 1, &s, &err) == 0 && s && sp_plan_read_state(q, &c, s, &err) == SP_EMODEL &&
		    strstr(err.msg, ":4: state written with max 1000, not 999"), "another --max: %s", err.msg);
		sp_state_free(s);
		sp_state_writer_free(sw);
		sp_plan_free(p);
		sp_plan_free(q);
	}
	sp_perf_free(perf);
}

/* --forget: the keys whose last row is older than the newest minus the
 * span are left out, in order, each told once; the others' states shared. */
static double fg_times[4] = { 1000, 100, NAN, 400 };   /* keys a, b, c, d */
static char fg_told[4][SP_ERRMSG_MAX];
static int fg_ntold;

static void *
fg_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	(void)ctx, (void)len, (void)err;
	return &fg_times[key[0] - 'a'];
}

static double fg_offset;   /* added through last_ctx: 0 */

static double
fg_last(void *ctx, const void *state)
{
	return *(const double *)state + *(const double *)ctx;
}

static void
fg_forgot(void *ctx, const sp_error *e)
{
	(void)ctx;
	if (fg_ntold < 4)
		snprintf(fg_told[fg_ntold], sizeof fg_told[0], "%s", e->msg);
	fg_ntold++;
}

static int
fg_put(void *ctx, const void *state, sp_state_writer *w, sp_error *err)
{
	(void)ctx, (void)err;
	sp_state_put_double(w, "t", *(const double *)state);
	return 0;
}

static void
test_forget(void)
{
	static const struct { const char *arg; double span; } ok[] = {
		{ "90m", 5400 }, { "1d", 86400 }, { "3600", 3600 }, { "1h30m", 5400 }, { "2w", 1209600 },
	};
	static const char *const badargs[] = { "0", "-1m", "x", "", "1x" };
	sp_state_forget f = { 0 };
	sp_keyed *k = sp_keyed_new(fg_new, NULL, NULL), *kept = NULL;
	sp_state_writer *w;
	sp_error err;
	size_t i, len;
	FILE *fp;
	char text[200];

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		CHECK(sp_state_forget_parse(ok[i].arg, &f, &err) == 0 && f.span == ok[i].span &&
		    strcmp(f.text, ok[i].arg) == 0, "--forget %s: %g", ok[i].arg, f.span);
	for (i = 0; i < sizeof badargs / sizeof badargs[0]; i++) {
		snprintf(text, sizeof text, "--forget: not a duration: '%s'", badargs[i]);
		CHECK(sp_state_forget_parse(badargs[i], &f, &err) == SP_EUSAGE && strcmp(err.msg, text) == 0,
		    "--forget '%s': %s", badargs[i], err.msg);
	}
	CHECK(k && sp_keyed_get(k, "a", 1, &err) && sp_keyed_get(k, "b", 1, &err) && sp_keyed_get(k, "c", 1, &err) &&
	    sp_keyed_get(k, "d", 1, &err), "keys");
	/* never (the default), nothing old enough, no keys: save k itself */
	memset(&f, 0, sizeof f);
	f.last = fg_last;
	f.last_ctx = &fg_offset;
	f.forgot = fg_forgot;
	CHECK(sp_state_forget_keys(k, &f, &kept, &err) == 0 && !kept && fg_ntold == 0, "span 0: never");
	CHECK(sp_state_forget_parse("901", &f, &err) == 0 && sp_state_forget_keys(k, &f, &kept, &err) == 0 &&
	    !kept && fg_ntold == 0, "901 s: b is 900 s older than a, kept");
	CHECK(sp_state_forget_keys(NULL, &f, &kept, &err) == 0 && !kept && sp_state_forget_keys(k, NULL, &kept,
	    &err) == 0 && !kept, "NULL map, NULL option");
	/* 500 s: newest 1000, b (100) and d (400) older than 500; c has no time */
	CHECK(sp_state_forget_parse("500", &f, &err) == 0 && sp_state_forget_keys(k, &f, &kept, &err) == 0 && kept,
	    "500 s: a copy");
	CHECK(kept && sp_keyed_count(kept) == 2 && strcmp(sp_keyed_key(kept, 0, &len), "a") == 0 &&
	    strcmp(sp_keyed_key(kept, 1, &len), "c") == 0 && sp_keyed_state(kept, 0) == &fg_times[0] &&
	    sp_keyed_state(kept, 1) == &fg_times[2], "a and c kept, in order, their states shared");
	CHECK(fg_ntold == 2 && strcmp(fg_told[0], "key 'b': no row for 500: forgotten") == 0 &&
	    strcmp(fg_told[1], "key 'd': no row for 500: forgotten") == 0, "told: %d '%s' '%s'", fg_ntold,
	    fg_told[0], fg_told[1]);
	/* the keyed file of the kept ones */
	CHECK((w = sp_state_writer_new("k", 2, &err)) && sp_state_put_keys(w, kept, fg_put, NULL, &err) == 0 &&
	    sp_state_writer_save(w, path, &err) == 0, "save: %s", err.msg);
	sp_state_writer_free(w);
	fp = fopen(path, "r");
	len = fp ? fread(text, 1, sizeof text - 1, fp) : 0;
	text[len] = '\0';
	if (fp)
		fclose(fp);
	CHECK(strcmp(text, "scalepipe-state k 2\nkeys 2\nkey a\nt 1000\nkey c\nt nan\nend\n") == 0, "file: %s", text);
	sp_keyed_free(kept);
	/* the first key the one forgotten */
	fg_times[0] = 10;
	fg_ntold = 0;
	CHECK(sp_state_forget_parse("200", &f, &err) == 0 && sp_state_forget_keys(k, &f, &kept, &err) == 0 && kept && sp_keyed_count(kept) == 2 &&
	    strcmp(sp_keyed_key(kept, 0, &len), "c") == 0 && strcmp(sp_keyed_key(kept, 1, &len), "d") == 0 &&
	    fg_ntold == 2 && strstr(fg_told[0], "key 'a'") && strstr(fg_told[1], "key 'b'"), "a and b forgotten");
	sp_keyed_free(kept);
	sp_keyed_free(k);
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/s.state", dir);
	test_format();
	test_numbers();
	test_burstdet();
	test_plan();
	test_forget();
	unlink(path);
	rmdir(dir);
	return check_summary();
}
