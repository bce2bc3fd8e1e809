/* test_keyed: sp_keyed, the per-key state map (insertion order, growth,
 * lookups, create failures, the key column and time order of a CSV). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_keyed.h"

typedef struct {
	int made, freed, fail_on;   /* fail_on: the create call that fails (1-based), 0 none */
} counter;

static void *
make(void *ctx, const char *key, size_t len, sp_error *err)
{
	counter *c = ctx;
	long *st;

	if (++c->made == c->fail_on) {
		sp_error_set(err, SP_EDATA, "refused");
		c->made--;
		return NULL;
	}
	if (!(st = malloc(sizeof *st)))
		return NULL;
	*st = (long)len * 1000 + key[0];
	return st;
}

static void
drop(void *ctx, void *st)
{
	((counter *)ctx)->freed++;
	free(st);
}

static void
test_map(void)
{
	counter c = { 0 };
	sp_keyed *k = sp_keyed_new(make, drop, &c);
	sp_error err;
	char key[32];
	long *a, *b;
	int i, ok = 1;

	CHECK(k != NULL, "new");
	CHECK(sp_keyed_count(k) == 0, "empty");
	CHECK(sp_keyed_find(k, "x", 1) == NULL, "find on empty");
	a = sp_keyed_get(k, "web", 3, &err);
	b = sp_keyed_get(k, "db", 2, &err);
	CHECK(a && *a == 3000 + 'w', "state of web");
	CHECK(b && *b == 2000 + 'd', "state of db");
	CHECK(sp_keyed_get(k, "web", 3, &err) == a, "same state on second sight");
	CHECK(sp_keyed_find(k, "db", 2) == b, "find db");
	CHECK(sp_keyed_find(k, "we", 2) == NULL, "prefix is another key");
	CHECK(c.made == 2, "created twice, got %d", c.made);
	/* keys with a NUL and the empty key are keys like any other */
	CHECK(sp_keyed_get(k, "a\0b", 3, &err) != NULL, "key with NUL");
	CHECK(sp_keyed_find(k, "a\0c", 3) == NULL, "bytes after NUL count");
	CHECK(sp_keyed_get(k, "", 0, &err) != NULL, "empty key");
	/* growth past many table sizes keeps every state and the order */
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		if (!sp_keyed_get(k, key, strlen(key), &err))
			ok = 0;
	}
	CHECK(ok, "3000 keys");
	CHECK(sp_keyed_count(k) == 3004, "count %zu", sp_keyed_count(k));
	CHECK(sp_keyed_find(k, "web", 3) == a && sp_keyed_find(k, "db", 2) == b, "states survive growth");
	CHECK(strcmp(sp_keyed_key(k, 0, NULL), "web") == 0 && sp_keyed_state(k, 0) == a, "first in order");
	CHECK(strcmp(sp_keyed_key(k, 1, NULL), "db") == 0, "second in order");
	for (i = 0, ok = 1; i < 3000; i++) {
		size_t len;
		snprintf(key, sizeof key, "k%d", i);
		if (strcmp(sp_keyed_key(k, (size_t)i + 4, &len), key) != 0 || len != strlen(key) ||
		    sp_keyed_find(k, key, len) != sp_keyed_state(k, (size_t)i + 4))
			ok = 0;
	}
	CHECK(ok, "insertion order of 3000 keys");
	CHECK(c.made == 3004, "one create per key");
	sp_keyed_free(k);
	CHECK(c.freed == 3004, "every state freed, %d", c.freed);
	sp_keyed_free(NULL);
}

static void
test_create_fails(void)
{
	counter c = { .fail_on = 2 };
	sp_keyed *k = sp_keyed_new(make, drop, &c);
	sp_error err;

	CHECK(sp_keyed_get(k, "a", 1, &err) != NULL, "first");
	CHECK(sp_keyed_get(k, "bad", 3, &err) == NULL, "create fails");
	CHECK_STR(err.msg, "key 'bad': refused", "message");
	CHECK(err.code == SP_EDATA, "code");
	CHECK(sp_keyed_count(k) == 1 && sp_keyed_find(k, "bad", 3) == NULL, "failed key not added");
	c.fail_on = 0;
	CHECK(sp_keyed_get(k, "bad", 3, &err) != NULL, "a later try may succeed");
	sp_keyed_free(k);
	CHECK(c.freed == 2, "freed");
}

static void
test_csv(void)
{
	static const char text[] = "timestamp,series,value\n"
	    "60,a,1\n60,b,2\n120,a,3\n120,b,4\n180,b,5\n120,a,6\n";
	FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
	counter c = { 0 };
	sp_keyed *k = sp_keyed_new(make, drop, &c);
	sp_csv_reader *r;
	sp_error err;
	double prev[2] = { NAN, NAN }, t;
	int rc = 0, row = 0;

	r = sp_csv_reader_new(fp, "-", SP_CSV_NEED_TIMESTAMP | SP_CSV_ANY_ORDER, &err);
	CHECK(r != NULL, "reader");
	while (sp_csv_next(r, &err) == SP_OK) {
		long *st = sp_keyed_row(k, r, 1, &err);
		row++;
		CHECK(st != NULL, "row %d state", row);
		CHECK(sp_csv_get_timestamp(r, &t, &err) == 0, "time");
		rc = sp_keyed_order(r, 1, &prev[st == sp_keyed_state(k, 0) ? 0 : 1], t, 0, &err);
		if (rc < 0)
			break;
	}
	CHECK(row == 6 && rc == SP_EDATA, "the last row is out of order (row %d, rc %d)", row, rc);
	CHECK_STR(err.msg, "row 6, column timestamp: timestamp 120 is the same as 120, the previous row of key 'a'",
	    "order message");
	CHECK(sp_keyed_count(k) == 2, "two keys");
	{
		double p = 200;
		CHECK(sp_keyed_order(r, 1, &p, 120, 1, &err) == SP_EDATA, "before");
		CHECK_STR(err.msg, "row 6, column timestamp: timestamp 120 is before 200, the previous row of key 'a'",
		    "before message");
		p = 120;
		CHECK(sp_keyed_order(r, 1, &p, 120, 1, &err) == 0 && p == 120, "duplicate allowed");
	}
	sp_csv_reader_free(r);
	fclose(fp);
	sp_keyed_free(k);
}

int
main(void)
{
	test_map();
	test_create_fails();
	test_csv();
	return check_summary();
}
