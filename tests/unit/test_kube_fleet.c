/* test_kube_fleet: the keyed input of scale --by (per key: the last
 * decision, the smallest step, the newest observed time; a bad row fails
 * its key only) and the mapping of keys to targets.  Expected values are
 * read off the inputs by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_behavior.h"
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

/* --forget with --state DIR: the file of a target whose newest
 * recommendation is older than the newest in DIR minus the span goes;
 * files not of their name's target stay. */
static char fg_msg[4][SP_ERRMSG_MAX];
static int fg_n;

static void
fg_told(void *ctx, const sp_error *e)
{
	(void)ctx;
	if (fg_n < 4)
		snprintf(fg_msg[fg_n], sizeof fg_msg[0], "%s", e->msg);
	fg_n++;
}

static void
fg_put(const char *dir, const char *file, const char *target, double t)
{
	sp_behavior_hist h = { 0 };
	char path[512];
	sp_error err;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	CHECK(sp_behavior_record(&h, t, 3, INFINITY, &err) == 0 && sp_behavior_save(path, target, &h, &err) == 0,
	    "save %s: %s", file, err.msg);
	sp_behavior_hist_free(&h);
}

static int
fg_exists(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static void
test_forget(void)
{
	char dir[] = "/tmp/test_kube_fleet.XXXXXX", want[600], cmd[600];
	sp_state_forget f = { 0 };
	sp_error err;
	long n = -1;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	fg_put(dir, "shop_Deployment_a", "shop/Deployment/a", 1000);
	fg_put(dir, "shop_Deployment_b", "shop/Deployment/b", 100000);
	fg_put(dir, "shop_StatefulSet_c.v2", "shop/StatefulSet/c.v2", 50000);
	fg_put(dir, "shop_Deployment_mis", "shop/Deployment/other", 10);   /* not its name's target */
	fg_put(dir, "Shop_Deployment_d", "Shop/Deployment/d", 10);          /* not a namespace */
	snprintf(cmd, sizeof cmd, "echo garbage > %s/shop_Deployment_e; echo x > %s/notes", dir, dir);
	CHECK(system(cmd) == 0, "other files");
	/* never by default */
	CHECK(sp_kube_fleet_forget(dir, &f, &n, &err) == 0 && n == 0 && fg_exists(dir, "shop_Deployment_a"), "span 0");
	CHECK(sp_state_forget_parse("60000", &f, &err) == 0, "parse");
	f.forgot = fg_told;
	CHECK(sp_kube_fleet_forget(dir, &f, &n, &err) == 0 && n == 1, "one forgotten: %ld %s", n, err.msg);
	snprintf(want, sizeof want, "target 'shop/Deployment/a': no row for 60000: forgotten (%s/shop_Deployment_a "
	    "removed)", dir);
	CHECK(fg_n == 1 && strcmp(fg_msg[0], want) == 0, "told: %d '%s'", fg_n, fg_msg[0]);
	CHECK(!fg_exists(dir, "shop_Deployment_a") && fg_exists(dir, "shop_Deployment_b") &&
	    fg_exists(dir, "shop_StatefulSet_c.v2") && fg_exists(dir, "shop_Deployment_mis") &&
	    fg_exists(dir, "Shop_Deployment_d") && fg_exists(dir, "shop_Deployment_e") && fg_exists(dir, "notes"),
	    "only a removed");
	snprintf(want, sizeof want, "%s/none", dir);
	CHECK(sp_kube_fleet_forget(want, &f, &n, &err) == SP_EIO && strstr(err.msg, "/none: cannot read: "),
	    "no such directory: %s", err.msg);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup");
}

int
main(void)
{
	test_read();
	test_target();
	test_forget();
	return check_summary();
}
