/* test_kube_fleet: the keyed input of scale --by (per key: the last
 * decision, the smallest step, the newest observed time; a bad row fails
 * its key only) and the mapping of keys to targets.  Expected values are
 * read off the inputs by hand. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sp_kube_fleet.h"

static sp_keyed *
read_csv(const char *csv, const char *load, int *rc, sp_error *err)
{
	FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
	sp_csv_reader *r = sp_csv_reader_new(fp, "-", SP_CSV_NEED_TIMESTAMP | SP_CSV_ANY_ORDER, err);
	sp_keyed *k = NULL;

	*rc = r ? sp_kube_fleet_read(r, "series", "replicas", load, &k, err) : -1;
	sp_csv_reader_free(r);
	fclose(fp);
	return k;
}

static sp_kube_fleet_key *
key(sp_keyed *k, const char *name)
{
	return sp_keyed_find(k, name, strlen(name));
}

static void
test_read(void)
{
	static const char csv[] =
	    "timestamp,series,load,replicas\n"
	    "1000,a,5,1\n"
	    "1000,b,5,2\n"
	    "1120,a,,3\n"        /* plan's row ahead: no load */
	    "1060,b,6,2.5\n"     /* b fails here */
	    "1060,c,7,4\n"
	    "1120,b,6,3\n"       /* after b failed: ignored */
	    "1000,c,7,4\n";      /* c goes back in time */
	sp_error err;
	sp_kube_fleet_key *a, *b, *c;
	int rc;
	sp_keyed *k = read_csv(csv, NULL, &rc, &err);

	CHECK(rc == 0 && k && sp_keyed_count(k) == 3, "read: %s", err.msg);
	a = key(k, "a");
	b = key(k, "b");
	c = key(k, "c");
	CHECK(!a->failed && a->in.replicas == 3 && a->in.t == 1120 && a->in.step == 120, "a: last decision");
	CHECK(a->in.observed == 1000 && strcmp(a->in.observed_from, "load") == 0, "a: observed at the last load");
	CHECK(b->failed && strcmp(b->err.msg, "row 4, column replicas: replicas must be a whole number "
	    "from 0 to 1000000: 2.5") == 0, "b: %s", b->err.msg);
	CHECK(c->failed && strstr(c->err.msg, "row 7, column timestamp: timestamp 1000 is before 1060") != NULL,
	    "c: %s", c->err.msg);
	sp_keyed_free(k);

	/* observed_at wins; without a load column the last row dates the key */
	k = read_csv("timestamp,series,replicas,observed_at\n1000,a,1,990\n1060,a,2,\n", NULL, &rc, &err);
	CHECK(rc == 0 && key(k, "a")->in.observed == 990, "observed_at");
	sp_keyed_free(k);
	k = read_csv("timestamp,series,replicas\n1000,a,1\n1060,a,2\n", NULL, &rc, &err);
	CHECK(rc == 0 && key(k, "a")->in.observed == 1060 && strcmp(key(k, "a")->in.observed_from, "decision") == 0,
	    "no load column");
	sp_keyed_free(k);
	k = read_csv("timestamp,series,replicas\n1000,a,1\n", "nope", &rc, &err);
	CHECK(rc == SP_EUSAGE && !k && strstr(err.msg, "no column 'nope'"), "named load column missing: %s", err.msg);
	k = read_csv("timestamp,key,replicas\n1000,a,1\n", NULL, &rc, &err);
	CHECK(rc == SP_EUSAGE && !k && strstr(err.msg, "no column 'series'"), "no key column: %s", err.msg);
}

static void
test_target(void)
{
	static const struct {
		const char *key, *kind, *kind_label, *name_label;
		int ok;
		const char *ns, *res, *name, *msg;
	} c[] = {
		{ "namespace=shop,deployment=web", NULL, NULL, NULL, 1, "shop", "deployments", "web", NULL },
		{ "deployment=web", NULL, NULL, NULL, 1, "dflt", "deployments", "web", NULL },
		{ "web", "sts", NULL, NULL, 1, "dflt", "statefulsets", "web", NULL },
		{ "namespace=a,statefulset=db", "statefulset", NULL, NULL, 1, "a", "statefulsets", "db", NULL },
		{ "namespace=a,kind=sts,workload=db", NULL, "kind", "workload", 1, "a", "statefulsets", "db", NULL },
		{ "namespace=a,kind=daemonset,workload=x", NULL, "kind", "workload", 0, NULL, NULL, NULL,
		  "kind must be deployment or statefulset: 'daemonset'" },
		{ "namespace=a,pod=x", NULL, NULL, NULL, 0, NULL, NULL, NULL, "no label 'deployment' in the key" },
		{ "namespace=A_B,deployment=x", NULL, NULL, NULL, 0, NULL, NULL, NULL, "not a valid namespace: 'A_B'" },
		{ "namespace=a,deployment=Web", NULL, NULL, NULL, 0, NULL, NULL, NULL, "not a valid object name: 'Web'" },
		{ "namespace=a,deployment", NULL, NULL, NULL, 0, NULL, NULL, NULL,
		  "not label=value pairs joined by ',' (promfetch --by-labels)" },
	};
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		sp_kube_fleet_map m = { NULL, c[i].name_label, c[i].kind, c[i].kind_label, "dflt" };
		sp_kube_fleet_key k;
		int rc;
		memset(&k, 0, sizeof k);
		rc = sp_kube_fleet_target(c[i].key, strlen(c[i].key), &m, &k);
		if (c[i].ok) {
			CHECK(rc == 0 && !k.failed, "%s: %s", c[i].key, k.err.msg);
			CHECK(strcmp(k.ns, c[i].ns) == 0 && strcmp(k.target.resource, c[i].res) == 0 &&
			    strcmp(k.target.name, c[i].name) == 0, "%s: %s %s %s", c[i].key, k.ns, k.target.resource,
			    k.target.name);
		} else {
			CHECK(rc < 0 && k.failed, "%s fails", c[i].key);
			CHECK_STR(k.err.msg, c[i].msg, c[i].key);
		}
	}
}

int
main(void)
{
	test_read();
	test_target();
	return check_summary();
}
