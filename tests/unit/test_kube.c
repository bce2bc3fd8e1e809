/* test_kube: kubeconfig loading (contexts, merged lists, data vs files,
 * relative paths, errors), exec credential plugins (a shell script as the
 * plugin), in-cluster credentials, base64; the manager lists cached per
 * namespace (sp_kube_find_manager_cached) against a forked server
 * (mini_httpd.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mini_httpd.h"
#include "sp_kube.h"

static char dir[] = "/tmp/sp-test-kube.XXXXXX";

static const char *
put(const char *name, const char *text)
{
	static char path[8][512];
	static int k;
	char *p = path[k++ % 8];
	FILE *fp;
	snprintf(p, 512, "%s/%s", dir, name);
	fp = fopen(p, "w");
	fputs(text, fp);
	fclose(fp);
	return p;
}

static const char kc1[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: dev\n"
    "clusters:\n"
    "- name: a\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443/\n"
    "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
    "- name: b\n"
    "  cluster:\n"
    "    server: https://b.example:443\n"
    "    certificate-authority: certs/ca.pem\n"
    "    insecure-skip-tls-verify: true\n"
    "contexts:\n"
    "- name: dev\n"
    "  context: {cluster: a, user: tok, namespace: shop}\n"
    "- name: prod\n"
    "  context: {cluster: b, user: cert}\n"
    "- name: nouser\n"
    "  context: {cluster: a}\n"
    "- name: plug\n"
    "  context: {cluster: a, user: plugin}\n"
    "users:\n"
    "- name: tok\n"
    "  user:\n"
    "    token: abc.def\n"
    "- name: cert\n"
    "  user:\n"
    "    client-certificate: /abs/c.pem\n"
    "    client-key: k.pem\n"
    "- name: plugin\n"
    "  user:\n"
    "    auth-provider: {name: gcp}\n";

/* The plugin: what it prints depends on its first argument. */
static const char plugin[] =
    "#!/bin/sh\n"
    "v1='\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"'\n"
    "case \"$1\" in\n"
    "tok) printf '{%s,\"status\":{\"token\":\"tok-%s-%s\"}}\\n' \"$v1\" \"$FOO\" \"$2\" ;;\n"
    "info) printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$2\"; printf '{%s,\"status\":{\"token\":\"i\"}}' \"$v1\" ;;\n"
    "cert) printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
    "\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\"}}' ;;\n"
    "fail) echo 'plugin: no session (test)' >&2; exit 3 ;;\n"
    "kill) kill -9 $$ ;;\n"
    "junk) echo 'token: s3cret-junk' ;;\n"
    "empty) printf '{%s,\"status\":{}}' \"$v1\" ;;\n"
    "stdin) x=$(cat); printf '{%s,\"status\":{\"token\":\"stdin-%s\"}}' \"$v1\" \"${x:-none}\" ;;\n"
    "hang) exec sleep 30 ;;\n"
    "esac\n";

/* load a kubeconfig whose user has the given `user:` block */
static int
load_user(const char *userblock, sp_kube_cfg *c, sp_error *err)
{
	char text[4096];
	snprintf(text, sizeof text, "current-context: x\n"
	    "contexts:\n- name: x\n  context: {cluster: a, user: u}\n"
	    "clusters:\n- name: a\n  cluster:\n    server: https://h:6443\n"
	    "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
	    "users:\n- name: u\n  user:\n%s", userblock);
	memset(err, 0, sizeof *err);
	return sp_kube_load_kubeconfig(put("kce", text), NULL, c, err);
}

/* a small file's text into buf (empty when unreadable) */
static void
read_text(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, size - 1, fp) : 0;
	buf[n] = '\0';
	if (fp)
		fclose(fp);
}

static void
test_exec(void)
{
	sp_kube_cfg c;
	sp_error err;
	char path[600], buf[2048], *oldpath = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	const char *v1 = "      apiVersion: client.authentication.k8s.io/v1\n";

	CHECK(chmod(put("plug.sh", plugin), 0755) == 0, "plugin written");
	/* relative command (to the kubeconfig's directory), args, env: the
	 * later of two entries of one name wins */
	CHECK(load_user("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: ./plug.sh\n      args: [tok, x]\n      interactiveMode: Never\n"
	    "      env: [{name: FOO, value: bar}, {name: FOO, value: baz}]\n", &c, &err) == 0,
	    "exec token: %s", err.msg);
	CHECK(c.token && strcmp(c.token, "tok-baz-x") == 0, "token from the plugin: %s", c.token);
	sp_kube_cfg_free(&c);
	/* KUBERNETES_EXEC_INFO, with and without the cluster */
	snprintf(path, sizeof path, "%s/info.json", dir);
	snprintf(buf, sizeof buf, "    exec:\n%s      command: %s/plug.sh\n      args: [info, %s]\n"
	    "      provideClusterInfo: true\n", v1, dir, path);
	CHECK(load_user(buf, &c, &err) == 0 && strcmp(c.token, "i") == 0, "exec info: %s", err.msg);
	sp_kube_cfg_free(&c);
	read_text(path, buf, sizeof buf);
	CHECK(strstr(buf, "\"kind\":\"ExecCredential\"") && strstr(buf, "\"interactive\":false") &&
	    strstr(buf, "\"apiVersion\":\"client.authentication.k8s.io/v1\"") &&
	    strstr(buf, "\"server\":\"https://h:6443\"") &&
	    strstr(buf, "\"certificate-authority-data\":\"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\""),
	    "KUBERNETES_EXEC_INFO with the cluster: %s", buf);
	snprintf(buf, sizeof buf, "    exec:\n%s      command: %s/plug.sh\n      args: [info, %s]\n", v1, dir, path);
	CHECK(load_user(buf, &c, &err) == 0, "exec info without the cluster: %s", err.msg);
	sp_kube_cfg_free(&c);
	read_text(path, buf, sizeof buf);
	CHECK(strstr(buf, "\"interactive\":false") && !strstr(buf, "cluster"), "no cluster: %s", buf);
	/* PATH lookup for a bare command; v1beta1; a client certificate */
	snprintf(buf, sizeof buf, "%s:%s", dir, oldpath ? oldpath : "/usr/bin:/bin");
	setenv("PATH", buf, 1);
	CHECK(load_user("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
	    "      command: plug.sh\n      args: [cert]\n", &c, &err) == 0, "exec cert: %s", err.msg);
	CHECK(!c.token && c.cert_pem && strcmp(c.cert_pem, "CERT") == 0 && c.cert_pem_len == 4 &&
	    strcmp(c.key_pem, "KEY") == 0, "client certificate from the plugin");
	sp_kube_cfg_free(&c);
	if (oldpath)
		setenv("PATH", oldpath, 1);
	free(oldpath);
	/* stdin is /dev/null: nothing to read, no hang */
	snprintf(buf, sizeof buf, "    exec:\n%s      command: %s/plug.sh\n      args: [stdin]\n", v1, dir);
	CHECK(load_user(buf, &c, &err) == 0 && strcmp(c.token, "stdin-none") == 0, "stdin: %s", err.msg);
	sp_kube_cfg_free(&c);
	/* a token in the kubeconfig wins; the plugin is not run */
	CHECK(load_user("    token: static\n    exec: {apiVersion: client.authentication.k8s.io/v1, "
	    "command: /nonexistent/plugin}\n", &c, &err) == 0 && strcmp(c.token, "static") == 0,
	    "static token wins: %s", err.msg);
	sp_kube_cfg_free(&c);

	/* failures */
	snprintf(buf, sizeof buf, "    exec:\n%s      command: %s/plug.sh\n      args: [fail]\n", v1, dir);
	CHECK(load_user(buf, &c, &err) == SP_EIO && strstr(err.msg, "user 'u': exec plugin '") &&
	    strstr(err.msg, "plug.sh' exited with status 3"), "plugin fails: %s", err.msg);
	snprintf(buf, sizeof buf, "    exec:\n%s      command: %s/plug.sh\n      args: [kill]\n", v1, dir);
	CHECK(load_user(buf, &c, &err) == SP_EIO && strstr(err.msg, "killed by signal 9"), "killed: %s", err.msg);
	snprintf(buf, sizeof buf, "    exec:\n%s      command: %s/plug.sh\n      args: [junk]\n", v1, dir);
	CHECK(load_user(buf, &c, &err) == SP_EDATA && strstr(err.msg, "printed no JSON object (line 1") &&
	    !strstr(err.msg, "s3cret"), "not JSON, output not quoted: %s", err.msg);
	snprintf(buf, sizeof buf, "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
	    "      command: %s/plug.sh\n      args: [tok]\n", dir);
	CHECK(load_user(buf, &c, &err) == SP_EDATA && strstr(err.msg, "answered kind 'ExecCredential', "
	    "apiVersion 'client.authentication.k8s.io/v1'; expected ExecCredential, "
	    "client.authentication.k8s.io/v1beta1"), "apiVersion mismatch: %s", err.msg);
	snprintf(buf, sizeof buf, "    exec:\n%s      command: %s/plug.sh\n      args: [empty]\n", v1, dir);
	CHECK(load_user(buf, &c, &err) == SP_EDATA && strstr(err.msg, "neither a token nor"), "empty: %s", err.msg);
	CHECK(load_user("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: no-such-plugin-sp\n      installHint: 'apt-get install it'\n", &c, &err) == SP_EDATA &&
	    strstr(err.msg, "exec plugin 'no-such-plugin-sp' not found in PATH: apt-get install it"), "not found: %s", err.msg);
	CHECK(load_user("    exec: {apiVersion: client.authentication.k8s.io/v1, command: x, "
	    "interactiveMode: Always}\n", &c, &err) == SP_EDATA && strstr(err.msg, "kce:13: user 'u': the exec "
	    "plugin needs a terminal"), "interactive: %s", err.msg);
	CHECK(load_user("    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n",
	    &c, &err) == SP_EDATA && strstr(err.msg, "exec apiVersion 'client.authentication.k8s.io/v1alpha1' "
	    "is not supported"), "v1alpha1: %s", err.msg);
	CHECK(load_user("    exec: {apiVersion: client.authentication.k8s.io/v1}\n", &c, &err) == SP_EDATA &&
	    strstr(err.msg, "exec has no command"), "no command: %s", err.msg);
	CHECK(load_user("    exec: {apiVersion: client.authentication.k8s.io/v1, command: x, "
	    "env: [{name: A}]}\n", &c, &err) == SP_EDATA && strstr(err.msg, "exec env[0] needs a name"),
	    "env without value: %s", err.msg);
	CHECK(load_user("    exec: {apiVersion: client.authentication.k8s.io/v1, command: x, args: y}\n",
	    &c, &err) == SP_EDATA && strstr(err.msg, "args and env must be lists"), "args: %s", err.msg);
}

static void
test_target(void)
{
	sp_kube_target t;
	sp_error err;
	static const struct {
		const char *s, *kind, *resource, *name;
	} ok[] = {
		{ "deployment/web", "Deployment", "deployments", "web" },
		{ "deploy/a.b-1", "Deployment", "deployments", "a.b-1" },
		{ "deployments/x", "Deployment", "deployments", "x" },
		{ "statefulset/db", "StatefulSet", "statefulsets", "db" },
		{ "sts/db-0", "StatefulSet", "statefulsets", "db-0" },
		{ "statefulsets/y", "StatefulSet", "statefulsets", "y" },
	};
	static const struct {
		const char *s, *msg;
	} bad[] = {
		{ "web", "target must be KIND/NAME (e.g. deployment/web): 'web'" },
		{ "deployment/", "target must be KIND/NAME (e.g. deployment/web): 'deployment/'" },
		{ "deployment/a/b", "target must be KIND/NAME (e.g. deployment/web): 'deployment/a/b'" },
		{ "daemonset/x", "kind must be deployment or statefulset: 'daemonset'" },
		{ "deploymentx/x", "kind must be deployment or statefulset: 'deploymentx'" },
		{ "/x", "kind must be deployment or statefulset: ''" },
		{ "deployment/Web_1", "not a valid object name: 'Web_1'" },
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		CHECK(sp_kube_parse_target(ok[i].s, &t, &err) == 0, "%s: %s", ok[i].s, err.msg);
		CHECK(strcmp(t.kind, ok[i].kind) == 0 && strcmp(t.resource, ok[i].resource) == 0 &&
		    strcmp(t.name, ok[i].name) == 0, "%s: %s %s %s", ok[i].s, t.kind, t.resource, t.name);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(sp_kube_parse_target(bad[i].s, &t, &err) == SP_EUSAGE, "%s refused", bad[i].s);
		CHECK_STR(err.msg, bad[i].msg, bad[i].s);
	}
	CHECK(sp_kube_valid_namespace("shop") && sp_kube_valid_namespace("a-1"), "namespaces");
	CHECK(!sp_kube_valid_namespace("") && !sp_kube_valid_namespace("a b") &&
	    !sp_kube_valid_namespace("Shop") && !sp_kube_valid_namespace("a.b"), "not namespaces");
}

static void
test_decide(void)
{
	/* current, desired, age, max_age, dry_run -> action */
	CHECK(sp_kube_decide(3, 3, 9999, 600, 0) == SP_KUBE_UNCHANGED, "same: unchanged, even stale");
	CHECK(sp_kube_decide(3, 3, 0, 600, 1) == SP_KUBE_UNCHANGED, "same: unchanged, even dry");
	CHECK(sp_kube_decide(5, 3, 700, 600, 0) == SP_KUBE_HELD_STALE, "stale down: held");
	CHECK(sp_kube_decide(5, 3, 700, 600, 1) == SP_KUBE_HELD_STALE, "stale down, dry: held");
	CHECK(sp_kube_decide(5, 3, 600, 600, 0) == SP_KUBE_SCALED, "age == max-age: not stale");
	CHECK(sp_kube_decide(3, 5, 700, 600, 0) == SP_KUBE_HELD_STALE, "stale up: held too");
	CHECK(sp_kube_decide(3, 5, NAN, 600, 0) == SP_KUBE_HELD_STALE, "unknown age: held");
	CHECK(sp_kube_decide(5, 0, 10, 600, 0) == SP_KUBE_SCALED, "fresh down to 0: scaled");
	CHECK(sp_kube_decide(3, 5, 10, 600, 1) == SP_KUBE_DRY_RUN, "dry run");
	CHECK_STR(sp_kube_action_name(SP_KUBE_UNCHANGED), "unchanged", "name");
	CHECK_STR(sp_kube_action_name(SP_KUBE_HELD_STALE), "held-stale", "name");
	CHECK_STR(sp_kube_action_name(SP_KUBE_DRY_RUN), "dry-run", "name");
	CHECK_STR(sp_kube_action_name(SP_KUBE_SCALED), "scaled", "name");
}

static int
replicas_of(const char *csv, const char *column, long *n, double *t, sp_error *err)
{
	FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
	sp_csv_reader *r = sp_csv_reader_new(fp, "-", SP_CSV_NEED_TIMESTAMP, err);
	int rc = r ? sp_kube_read_replicas(r, column, n, t, err) : -99;
	sp_csv_reader_free(r);
	fclose(fp);
	return rc;
}

static void
test_replicas(void)
{
	sp_error err;
	long n = -1;
	double t = 0;

	CHECK(replicas_of("timestamp,replicas\n1,2\n60,4\n", "replicas", &n, &t, &err) == 0 && n == 4 && t == 60,
	    "last row: %ld at %g", n, t);
	CHECK(replicas_of("timestamp,n,replicas\n1,0,7\n", "n", &n, &t, &err) == 0 && n == 0, "-c n, zero");
	CHECK(replicas_of("timestamp,replicas\n5,1000000\n", "replicas", &n, &t, &err) == 0 && n == 1000000,
	    "the largest");
	CHECK(replicas_of("timestamp,replicas\n", "replicas", &n, &t, &err) == 1 && isnan(t), "no rows");
	CHECK(replicas_of("timestamp,replicas\n1,2\n2,2.5\n3,3\n", "replicas", &n, &t, &err) == SP_EDATA,
	    "fraction");
	CHECK_STR(err.msg, "row 2, column replicas: replicas must be a whole number from 0 to 1000000: 2.5",
	    "fraction");
	CHECK(replicas_of("timestamp,replicas\n1,-1\n", "replicas", &n, &t, &err) == SP_EDATA &&
	    strstr(err.msg, ": -1"), "negative");
	CHECK(replicas_of("timestamp,replicas\n1,1000001\n", "replicas", &n, &t, &err) == SP_EDATA &&
	    strstr(err.msg, "from 0 to 1000000: 1e+06"), "too many: %s", err.msg);
	CHECK(replicas_of("timestamp,replicas\n1,2\n2,\n", "replicas", &n, &t, &err) < 0 &&
	    strncmp(err.msg, "row 2, column replicas: ", 24) == 0, "missing: %s", err.msg);
	CHECK(replicas_of("timestamp,load\n1,2\n", "replicas", &n, &t, &err) == SP_EUSAGE, "no column");
	CHECK_STR(err.msg, "no column 'replicas' (have: timestamp, load)", "no column");
}

/* Where credentials come from: --kubeconfig, $KUBECONFIG, ~/.kube/config,
 * the service account. */
static void
test_source(const char *kc)
{
	sp_kube_source src = { NULL, NULL, 0, NULL, 0 };
	sp_kube_cfg c;
	sp_error err;
	char home[600], path[700];

	snprintf(home, sizeof home, "%s/home", dir);
	setenv("HOME", home, 1);
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	CHECK(sp_kube_load(&src, &c, &err) == SP_EIO, "nothing");
	CHECK_STR(err.msg, "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a cluster; use --kubeconfig",
	    "nothing found");
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.9", 1);
	setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
	src.sa_dir = dir;       /* token "sa-token", namespace "shop" */
	CHECK(sp_kube_load(&src, &c, &err) == 0 && strcmp(c.context, "in-cluster") == 0 &&
	    strcmp(c.server, "https://10.0.0.9:6443") == 0, "in a pod: %s", err.msg);
	sp_kube_cfg_free(&c);
	snprintf(path, sizeof path, "mkdir -p %s/.kube && cp %s %s/.kube/config", home, kc, home);
	CHECK(system(path) == 0, "~/.kube/config");
	CHECK(sp_kube_load(&src, &c, &err) == 0 && strcmp(c.context, "dev") == 0, "~/.kube/config first");
	sp_kube_cfg_free(&c);
	src.context = "prod";
	CHECK(sp_kube_load(&src, &c, &err) == 0 && strcmp(c.context, "prod") == 0, "its context prod");
	sp_kube_cfg_free(&c);
	src.context = NULL;
	snprintf(path, sizeof path, "%s/none", dir);
	setenv("KUBECONFIG", path, 1);
	CHECK(sp_kube_load(&src, &c, &err) < 0 && strstr(err.msg, "none: No such file or directory"),
	    "$KUBECONFIG before ~/.kube/config: %s", err.msg);
	src.kubeconfig = kc;
	CHECK(sp_kube_load(&src, &c, &err) == 0 && strcmp(c.context, "dev") == 0, "--kubeconfig first");
	sp_kube_cfg_free(&c);
	src.kubeconfig = NULL;
	src.in_cluster = 1;
	CHECK(sp_kube_load(&src, &c, &err) == 0 && strcmp(c.context, "in-cluster") == 0, "--in-cluster");
	sp_kube_cfg_free(&c);
	unsetenv("KUBECONFIG");
}

static int
input_of(const char *csv, const char *load, sp_kube_input *in, sp_error *err)
{
	FILE *fp = fmemopen((void *)csv, strlen(csv), "r");
	sp_csv_reader *r = sp_csv_reader_new(fp, "-", SP_CSV_NEED_TIMESTAMP, err);
	int rc = r ? sp_kube_read_input(r, "replicas", load, in, err) : -99;
	sp_csv_reader_free(r);
	fclose(fp);
	return rc;
}

/* What dates the input, and the checks on its age (issue: negative ages,
 * decisions from the future, filled or forecast rows counted as data). */
static void
test_input(void)
{
	sp_kube_input in;
	sp_error err;
	double age = -1;
	FILE *fp;
	sp_csv_reader *r;
	double t = NAN;

	/* plan's output: the last row is the forecast one step ahead, no load */
	CHECK(input_of("timestamp,load,replicas\n1000,5,2\n1060,6,3\n1120,,4\n", NULL, &in, &err) == 0 &&
	    in.replicas == 4 && in.t == 1120 && in.step == 60 && in.observed == 1060 &&
	    strcmp(in.observed_from, "load") == 0, "newest load: %g from %s", in.observed, in.observed_from);
	CHECK(sp_kube_input_age(&in, 1100, &age, &err) == 0 && age == 40, "age from the observation: %g", age);
	CHECK(sp_kube_input_age(&in, 1060, &age, &err) == 0 && age == 0, "decision one step ahead: ok");
	CHECK(input_of("timestamp,load,replicas\n1000,5,2\n1060,,3\n1120,,4\n", NULL, &in, &err) == 0 &&
	    in.observed == 1000, "filled");
	CHECK(sp_kube_input_age(&in, 1058, &age, &err) == SP_EDATA && strstr(err.msg, "more than one step (60s)"),
	    "decision more than a step ahead: %s", err.msg);
	CHECK(input_of("timestamp,load,replicas\n1000,5,2\n1060,6,3\n1120,,4\n", NULL, &in, &err) == 0, "again");
	CHECK(sp_kube_input_age(&in, 1400, &age, &err) == 0 && age == 340, "older");
	/* milliseconds: refused by the reader (implausible Unix seconds), and
	 * an observation far in the future is an error, not age -1.7e12 */
	CHECK(input_of("timestamp,load,replicas\n1700000000000,5,2\n", NULL, &in, &err) == SP_EDATA &&
	    strstr(err.msg, "is not Unix seconds (milliseconds?)"), "ms refused: %s", err.msg);
	CHECK(input_of("timestamp,load,replicas\n1800000000,5,2\n", NULL, &in, &err) == 0, "future read");
	CHECK(sp_kube_input_age(&in, 1700000000, &age, &err) == SP_EDATA &&
	    strstr(err.msg, "ahead of the clock: timestamps in milliseconds"), "future: %s", err.msg);
	/* observed_at wins over load; --load-column names another column */
	CHECK(input_of("timestamp,load,observed_at,replicas\n1000,5,990,2\n1060,5,,2\n", NULL, &in, &err) == 0 &&
	    in.observed == 990 && strcmp(in.observed_from, "observed_at") == 0, "observed_at: %g", in.observed);
	CHECK(input_of("timestamp,rps,replicas\n1000,5,2\n1060,,2\n", "rps", &in, &err) == 0 &&
	    in.observed == 1000 && strcmp(in.observed_from, "rps") == 0, "--load-column");
	CHECK(input_of("timestamp,rps,replicas\n1000,5,2\n", "load", &in, &err) == SP_EUSAGE &&
	    strstr(err.msg, "no column 'load'"), "--load-column missing: %s", err.msg);
	/* no observation column: the decision row dates it; one row: step 0 */
	CHECK(input_of("timestamp,replicas\n1000,2\n", NULL, &in, &err) == 0 && in.observed == 1000 &&
	    in.step == 0 && strcmp(in.observed_from, "decision") == 0, "decision only");
	CHECK(sp_kube_input_age(&in, 999, &age, &err) == 0 && age == 0, "1 s of clock slack");
	CHECK(sp_kube_input_age(&in, 998, &age, &err) == SP_EDATA, "2 s ahead: refused");
	/* no observed value at all: age NaN, never fresh */
	CHECK(input_of("timestamp,load,replicas\n1000,,2\n", NULL, &in, &err) == 0 && isnan(in.observed),
	    "no load at all");
	CHECK(sp_kube_input_age(&in, 1000, &age, &err) == 0 && isnan(age) &&
	    sp_kube_decide(3, 2, age, 600, 0) == SP_KUBE_HELD_STALE, "no observation: stale");
	/* --observed FILE: the newest row with a value */
	fp = fmemopen((void *)"timestamp,load\n1000,1\n1060,\n", 28, "r");
	r = sp_csv_reader_new(fp, "f", SP_CSV_NEED_TIMESTAMP, &err);
	CHECK(r && sp_kube_read_observed(r, NULL, &t, &err) == 0 && t == 1000, "observed file: %g", t);
	sp_csv_reader_free(r);
	fclose(fp);
}

/* Hostile kubeconfigs: a FIFO tokenFile, credentials in the server URL, a
 * plugin that never answers, cluster info with an unreadable CA. */
static void
test_hostile(void)
{
	sp_kube_source src = { NULL, NULL, 0, NULL, 0.3 };
	sp_kube_cfg c;
	sp_error err;
	char path[600], buf[2048];
	struct timespec t0, t1;

	snprintf(path, sizeof path, "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0, "mkfifo");
	CHECK(load_user("    tokenFile: fifo\n", &c, &err) == SP_EIO && strstr(err.msg, "fifo: not a regular file"),
	    "FIFO tokenFile refused, no hang: %s", err.msg);
	CHECK(load_user("    client-certificate: fifo\n    client-key: fifo\n", &c, &err) == SP_EIO &&
	    strstr(err.msg, "fifo: not a regular file"), "FIFO certificate: %s", err.msg);
	snprintf(buf, sizeof buf, "%s/fifo-kc", dir);
	CHECK(mkfifo(buf, 0600) == 0 && sp_kube_load_kubeconfig(buf, NULL, &c, &err) == SP_EIO &&
	    strstr(err.msg, "not a regular file"), "FIFO kubeconfig: %s", err.msg);
	CHECK(sp_kube_load_kubeconfig(put("ui", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'https://bob:pw-SECRET@h:6443/'}\n"), NULL, &c, &err) == SP_EDATA &&
	    strstr(err.msg, "ui:7: cluster 'a': credentials in the server URL") && !strstr(err.msg, "SECRET"),
	    "userinfo refused: %s", err.msg);
	CHECK(sp_kube_load_kubeconfig(put("ui2", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'ftp://h/?token=SECRET'}\n"), NULL, &c, &err) == SP_EDATA &&
	    !strstr(err.msg, "SECRET"), "bad URL redacted: %s", err.msg);
	/* a plugin that hangs: killed after the timeout */
	snprintf(buf, sizeof buf, "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user:\n"
	    "    exec: {apiVersion: client.authentication.k8s.io/v1, command: %s/plug.sh, args: [hang]}\n", dir);
	src.kubeconfig = put("hang", buf);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(sp_kube_load(&src, &c, &err) == SP_EIO && strstr(err.msg, "gave no answer within 0.3s (killed)"),
	    "hanging plugin: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9 < 5, "in time");
	/* provideClusterInfo with a CA file that cannot be read: an error, no leak */
	snprintf(buf, sizeof buf, "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'https://h', certificate-authority: nope.pem}\n"
	    "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, "
	    "command: %s/plug.sh, args: [tok], provideClusterInfo: true}\n", dir);
	CHECK(sp_kube_load_kubeconfig(put("nca", buf), NULL, &c, &err) == SP_EIO &&
	    strstr(err.msg, "nope.pem: No such file or directory"), "unreadable CA: %s", err.msg);
}

/* The kill switch annotation, from the object's JSON. */
static void
test_paused(void)
{
	static const struct { const char *json, *kind; int want; const char *value; } c[] = {
		{ "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"}}", "Deployment", 0, "" },
		{ "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{\"scalepipe.io/paused\":\"true\"}}}",
		  "Deployment", 1, "true" },
		{ "{\"kind\":\"StatefulSet\",\"metadata\":{\"annotations\":{\"scalepipe.io/paused\":\"True\"}}}",
		  "StatefulSet", 1, "True" },
		{ "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{\"scalepipe.io/paused\":\"yes\"}}}",
		  "Deployment", 1, "yes" },
		{ "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{\"scalepipe.io/paused\":\"false\"}}}",
		  "Deployment", 0, "false" },
		{ "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{\"scalepipe.io/paused\":\"\"}}}",
		  "Deployment", 0, "" },
		/* another key, or the value not a string: not paused */
		{ "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{\"scalepipe.io/pause\":\"true\"}}}",
		  "Deployment", 0, "" },
		{ "{\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{\"scalepipe.io/paused\":true}}}",
		  "Deployment", 0, "" },
	};
	char v[64];
	sp_error err;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		CHECK(sp_kube_paused_of(c[i].json, strlen(c[i].json), c[i].kind, v, sizeof v, &err) == c[i].want &&
		    strcmp(v, c[i].value) == 0, "paused case %zu: '%s'", i, v);
	}
	CHECK(sp_kube_paused_of("{\"kind\":\"Scale\"}", 16, "Deployment", v, sizeof v, &err) == SP_ENET &&
	    strcmp(err.msg, "answer is not a Deployment object") == 0, "a Scale is not the object: %s", err.msg);
	CHECK(sp_kube_paused_of("<html>", 6, "StatefulSet", NULL, 0, &err) == SP_ENET, "not JSON");
	CHECK_STR(sp_kube_action_name(SP_KUBE_PAUSED), "paused", "name");
}

/* Times compared with the clock must be wall times (1990..2100). */
static void
test_wall_input(void)
{
	sp_kube_input in;
	sp_error err;

	CHECK(input_of("timestamp,load,replicas\n1000,5,2\n1060,,3\n", NULL, &in, &err) == 0, "read");
	CHECK(sp_kube_input_check(&in, &err) == SP_EDATA && strcmp(err.msg, "the decision row's time (1060) is "
	    "not a wall-clock time (before 1990: a relative time, or minutes or hours?)") == 0,
	    "a relative time: %s", err.msg);
	CHECK(input_of("timestamp,load,replicas\n631152000,5,2\n631152060,,3\n", NULL, &in, &err) == 0 &&
	    sp_kube_input_check(&in, &err) == 0, "1990-01-01: a wall time");
	CHECK(input_of("timestamp,observed_at,replicas\n1700000000,600,2\n", NULL, &in, &err) == 0 &&
	    sp_kube_input_check(&in, &err) == SP_EDATA && strcmp(err.msg, "the newest observed time (600, from "
	    "observed_at) is not a wall-clock time (before 1990: a relative time, or minutes or hours?)") == 0,
	    "observed_at before 1990: %s", err.msg);
	CHECK(input_of("timestamp,observed_at,replicas\n1700000000,1700000000000,2\n", NULL, &in, &err) == 0 &&
	    sp_kube_input_check(&in, &err) == SP_EDATA && strstr(err.msg, "(milliseconds?)"),
	    "observed_at in milliseconds: %s", err.msg);
	CHECK(input_of("timestamp,load,replicas\n1700000000,,2\n", NULL, &in, &err) == 0 &&
	    sp_kube_input_check(&in, &err) == 0, "no observation: only the decision time is checked");
}

/* Namespace a: HPA h1 -> Deployment x, ScaledObject s1 -> y (kind left
 * out: Deployment); b: no HPA, no KEDA API (404); c: HPAs forbidden. */
static const char *
kube_answer(const char *path, int *status, int *close_it)
{
	*close_it = 0;
	if (strcmp(path, "/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers") == 0)
		return "{\"items\":[{\"metadata\":{\"name\":\"h1\"},\"spec\":{\"scaleTargetRef\":"
		    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"x\"}}}]}";
	if (strcmp(path, "/apis/keda.sh/v1alpha1/namespaces/a/scaledobjects") == 0)
		return "{\"items\":[{\"metadata\":{\"name\":\"s1\"},\"spec\":{\"scaleTargetRef\":{\"name\":\"y\"}}}]}";
	if (strcmp(path, "/apis/autoscaling/v2/namespaces/b/horizontalpodautoscalers") == 0)
		return "{\"items\":[]}";
	if (strcmp(path, "/apis/autoscaling/v2/namespaces/c/horizontalpodautoscalers") == 0) {
		*status = 403;
		return "{\"kind\":\"Status\",\"message\":\"no list for you\"}";
	}
	/* the kill switch: a lists x, p (paused), q ("false") and an item
	 * without a name, and has no StatefulSets; b's list has no items;
	 * c's is forbidden; a's objects one by one for the plain GET.  The
	 * counts (sp_kube_get_scale_cached): x 3 (status 2, resourceVersion
	 * 17), as its scale; p 0 without a status; q "4" (a string) */
	if (strcmp(path, "/apis/apps/v1/namespaces/a/deployments") == 0)
		return "{\"kind\":\"DeploymentList\",\"items\":[{\"metadata\":{\"name\":\"x\","
		    "\"resourceVersion\":\"17\"},\"spec\":{\"replicas\":3},\"status\":{\"replicas\":2}},"
		    "{\"metadata\":{\"name\":\"p\",\"annotations\":{\"scalepipe.io/paused\":\"True\"}},"
		    "\"spec\":{\"replicas\":0}},"
		    "{\"metadata\":{\"name\":\"q\",\"annotations\":{\"scalepipe.io/paused\":\"false\"}},"
		    "\"spec\":{\"replicas\":\"4\"}},"
		    "{\"metadata\":{}}]}";
	if (strcmp(path, "/apis/apps/v1/namespaces/a/deployments/x/scale") == 0)
		return "{\"kind\":\"Scale\",\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"17\"},"
		    "\"spec\":{\"replicas\":3},\"status\":{\"replicas\":2}}";
	if (strcmp(path, "/apis/apps/v1/namespaces/a/deployments/x") == 0)
		return "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"}}";
	if (strcmp(path, "/apis/apps/v1/namespaces/a/deployments/p") == 0)
		return "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"p\",\"annotations\":"
		    "{\"scalepipe.io/paused\":\"True\"}}}";
	if (strcmp(path, "/apis/apps/v1/namespaces/a/deployments/q") == 0)
		return "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"q\",\"annotations\":"
		    "{\"scalepipe.io/paused\":\"false\"}}}";
	if (strcmp(path, "/apis/apps/v1/namespaces/a/deployments/gone") == 0) {
		*status = 404;
		return "{\"kind\":\"Status\",\"message\":\"deployments.apps \\\"gone\\\" not found\"}";
	}
	if (strcmp(path, "/apis/apps/v1/namespaces/a/statefulsets") == 0)
		return "{\"kind\":\"StatefulSetList\",\"items\":[]}";
	if (strcmp(path, "/apis/apps/v1/namespaces/b/deployments") == 0)
		return "{\"kind\":\"DeploymentList\"}";
	if (strcmp(path, "/apis/apps/v1/namespaces/c/deployments") == 0) {
		*status = 403;
		return "{\"kind\":\"Status\",\"message\":\"no list for you\"}";
	}
	*status = 404;
	return "{\"kind\":\"Status\",\"message\":\"not found\"}";
}

/* The counts from the same lists (sp_kube_get_scale_cached, scale --by
 * --dry-run): what the scale would say, the GET's 404 for a name not
 * listed, a bad spec.replicas as parse's error, a failed list said for
 * the replicas; the kill switch then needs no other request. */
static void test_scale_lists(void);

/* The test API server (kube_answer) started, cfg pointing at it, and
 * opts with one reused session and no retries. */
static int
kube_session(mini_httpd *srv, sp_kube_cfg *cfg, char *server, size_t n, sp_http_opts *o)
{
	sp_error err;

	if (mini_httpd_start(kube_answer, srv) != 0)
		return -1;
	memset(cfg, 0, sizeof *cfg);
	snprintf(server, n, "http://127.0.0.1:%d", srv->port);
	cfg->server = server;
	sp_http_opts_init(o);
	o->retries = 0;
	o->session = sp_http_session_new(&err);
	return o->session ? 0 : -1;
}

static void
test_managers(void)
{
	static const struct { const char *ns, *kind, *name, *what; int rc; } c[] = {
		{ "a", "Deployment", "x", "HorizontalPodAutoscaler h1", 1 },
		{ "a", "Deployment", "y", "ScaledObject s1", 1 },
		{ "a", "Deployment", "z", "", 0 },
		{ "a", "StatefulSet", "x", "", 0 },
		{ "b", "Deployment", "x", "", 0 },
		{ "b", "Deployment", "q", "", 0 },
		{ "c", "Deployment", "x", "", SP_ENET },
		{ "c", "Deployment", "y", "", SP_ENET },
	};
	char server[64], what[128], msg[8][SP_ERRMSG_MAX];
	sp_kube_cfg cfg;
	sp_http_opts o;
	sp_kube_managers *m = sp_kube_managers_new();
	sp_error err;
	mini_httpd srv;
	size_t i;
	int rc;

	CHECK(m != NULL && kube_session(&srv, &cfg, server, sizeof server, &o) == 0, "server");
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		what[0] = msg[i][0] = '\0';
		rc = sp_kube_find_manager_cached(&cfg, &o, m, c[i].ns, c[i].kind, c[i].name, what, sizeof what, &err);
		CHECK(rc == c[i].rc && strcmp(what, c[i].what) == 0, "cached %s/%s/%s: %d '%s'", c[i].ns, c[i].kind,
		    c[i].name, rc, what);
		if (rc < 0)
			snprintf(msg[i], sizeof msg[i], "%s", err.msg);
	}
	/* a, b: two lists each, once; c: listed each time (a failure is not kept) */
	CHECK(sp_kube_managers_lists(m) == 4, "lists: %ld", sp_kube_managers_lists(m));
	CHECK(sp_http_session_requests(o.session) == 6, "requests: %ld", sp_http_session_requests(o.session));
	CHECK(strcmp(msg[6], "listing HorizontalPodAutoscaler (to check who manages the target; --force skips "
	    "this): forbidden: the account lacks the permission (see deploy/rbac.yaml) (HTTP 403): no list for you")
	    == 0, "c: %s", msg[6]);
	/* the same answers and messages as without the cache */
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		what[0] = '\0';
		rc = sp_kube_find_manager(&cfg, &o, c[i].ns, c[i].kind, c[i].name, what, sizeof what, &err);
		CHECK(rc == c[i].rc && strcmp(what, c[i].what) == 0 && (rc >= 0 || strcmp(err.msg, msg[i]) == 0),
		    "uncached %s/%s/%s: %d '%s'", c[i].ns, c[i].kind, c[i].name, rc, rc < 0 ? err.msg : what);
	}
	/* no cache: the plain check */
	CHECK(sp_kube_find_manager_cached(&cfg, &o, NULL, "a", "Deployment", "x", what, sizeof what, &err) == 1,
	    "NULL cache");
	CHECK(sp_kube_managers_lists(NULL) == 0, "NULL lists");
	sp_http_session_free(o.session);
	sp_kube_managers_free(m);
	sp_kube_managers_free(NULL);
	mini_httpd_stop(&srv);
	CHECK(srv.connections == 1, "one connection: %d", srv.connections);
}

/* The kill switch from one list per namespace and resource (scale --by):
 * the same answers and messages as the GET of each object, one request
 * per list, a failed list not asked again. */
static void
test_paused_lists(void)
{
	static const struct {
		const char *ns, *res, *kind, *name, *value;
		int rc;
		long http;
		int plain;      /* compare with sp_kube_get_paused */
	} c[] = {
		{ "a", "deployments", "Deployment", "x", "", 0, 200, 1 },
		{ "a", "deployments", "Deployment", "p", "True", 1, 200, 1 },
		{ "a", "deployments", "Deployment", "q", "false", 0, 200, 1 },
		{ "a", "deployments", "Deployment", "gone", "", SP_ENET, 404, 1 },
		{ "a", "statefulsets", "StatefulSet", "x", "", SP_ENET, 404, 0 },
		{ "b", "deployments", "Deployment", "x", "", SP_ENET, 200, 0 },
		{ "b", "deployments", "Deployment", "y", "", SP_ENET, 200, 0 },
		{ "c", "deployments", "Deployment", "x", "", SP_ENET, 403, 0 },
		{ "c", "deployments", "Deployment", "y", "", SP_ENET, 403, 0 },
	};
	char server[64], value[64], msg[9][SP_ERRMSG_MAX];
	sp_kube_cfg cfg;
	sp_http_opts o;
	sp_kube_managers *m = sp_kube_managers_new();
	sp_error err;
	mini_httpd srv;
	size_t i;
	long http;
	int rc;

	CHECK(m != NULL && kube_session(&srv, &cfg, server, sizeof server, &o) == 0, "server");
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		msg[i][0] = '\0';
		http = -1;
		rc = sp_kube_get_paused_cached(&cfg, &o, m, c[i].res, c[i].kind, c[i].ns, c[i].name, value,
		    sizeof value, &http, &err);
		CHECK(rc == c[i].rc && http == c[i].http && strcmp(value, c[i].value) == 0,
		    "listed %s/%s/%s: %d %ld '%s'", c[i].ns, c[i].res, c[i].name, rc, http, value);
		if (rc < 0)
			snprintf(msg[i], sizeof msg[i], "%s", err.msg);
	}
	/* four lists (a's two, b, c), each asked once, failed or not */
	CHECK(sp_kube_managers_object_lists(m) == 4 && sp_kube_managers_lists(m) == 0, "lists: %ld",
	    sp_kube_managers_object_lists(m));
	CHECK(sp_http_session_requests(o.session) == 4, "requests: %ld", sp_http_session_requests(o.session));
	CHECK_STR(msg[3], "GET deployments/gone in namespace a (for the scalepipe.io/paused annotation): not "
	    "found (HTTP 404): deployments.apps \"gone\" not found", "absent");
	CHECK_STR(msg[4], "GET statefulsets/x in namespace a (for the scalepipe.io/paused annotation): not "
	    "found (HTTP 404): statefulsets.apps \"x\" not found", "no StatefulSets");
	CHECK_STR(msg[5], "listing deployments in namespace b (for the scalepipe.io/paused annotation): answer "
	    "has no items", "no items");
	CHECK_STR(msg[6], msg[5], "the same failure for the namespace's next key");
	CHECK_STR(msg[7], "listing deployments in namespace c (for the scalepipe.io/paused annotation): "
	    "forbidden: the account lacks the permission (see deploy/rbac.yaml) (HTTP 403): no list for you",
	    "forbidden");
	CHECK_STR(msg[8], msg[7], "forbidden for the namespace's next key");
	/* the same answers and messages as the GET of each object */
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		if (!c[i].plain)
			continue;
		http = -1;
		rc = sp_kube_get_paused(&cfg, &o, c[i].res, c[i].kind, c[i].ns, c[i].name, value, sizeof value,
		    &http, &err);
		CHECK(rc == c[i].rc && http == c[i].http && (rc >= 0 ? strcmp(value, c[i].value) == 0 :
		    strcmp(err.msg, msg[i]) == 0), "GET %s/%s: %d '%s'", c[i].ns, c[i].name,
		    rc, rc < 0 ? err.msg : value);
	}
	/* no cache: the GET */
	CHECK(sp_kube_get_paused_cached(&cfg, &o, NULL, "deployments", "Deployment", "a", "p", value,
	    sizeof value, &http, &err) == 1 && sp_kube_managers_object_lists(NULL) == 0, "NULL cache");
	CHECK(sp_http_session_requests(o.session) == 9, "requests: %ld", sp_http_session_requests(o.session));
	sp_http_session_free(o.session);
	sp_kube_managers_free(m);
	mini_httpd_stop(&srv);
	CHECK(srv.connections == 1, "one connection: %d", srv.connections);
}

int
main(void)
{
	sp_kube_cfg c;
	sp_error err;
	char *s, list[1100];
	size_t n;
	const char *p1, *p2;

	s = sp_kube_base64_decode("aGVsbG8gd29y\nbGQ=", &n);
	CHECK(s && n == 11 && strcmp(s, "hello world") == 0, "base64 with newline");
	free(s);
	s = sp_kube_base64_decode("YQ==", &n);
	CHECK(s && n == 1 && s[0] == 'a', "base64 padding");
	free(s);
	CHECK(!sp_kube_base64_decode("a$b=", &n), "base64 bad char");
	CHECK(!sp_kube_base64_decode("YQ==YQ", &n), "base64 data after padding");

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	p1 = put("kc1", kc1);
	CHECK(sp_kube_load_kubeconfig(p1, NULL, &c, &err) == 0, "load: %s", err.msg);
	CHECK(strcmp(c.server, "https://10.0.0.1:6443") == 0, "server, slash trimmed: %s", c.server);
	CHECK(strcmp(c.namespace, "shop") == 0 && strcmp(c.context, "dev") == 0, "namespace/context");
	CHECK(c.ca_pem && c.ca_pem_len == 28 && strncmp(c.ca_pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0, "ca data");
	CHECK(c.token && strcmp(c.token, "abc.def") == 0 && !c.insecure && !c.cert_file, "token");
	sp_kube_cfg_free(&c);

	CHECK(sp_kube_load_kubeconfig(p1, "prod", &c, &err) == 0, "prod: %s", err.msg);
	snprintf(list, sizeof list, "%s/certs/ca.pem", dir);
	CHECK(c.ca_file && strcmp(c.ca_file, list) == 0, "relative CA path: %s", c.ca_file);
	snprintf(list, sizeof list, "%s/k.pem", dir);
	CHECK(c.key_file && strcmp(c.key_file, list) == 0 && strcmp(c.cert_file, "/abs/c.pem") == 0, "cert files");
	CHECK(c.insecure && !c.token && strcmp(c.namespace, "default") == 0, "insecure, default ns");
	sp_kube_cfg_free(&c);

	CHECK(sp_kube_load_kubeconfig(p1, "nouser", &c, &err) == 0 && !c.token, "no user");
	sp_kube_cfg_free(&c);
	CHECK(sp_kube_load_kubeconfig(p1, "plug", &c, &err) == SP_EDATA &&
	    strstr(err.msg, "kc1:33: user 'plugin' uses an auth-provider plugin"), "auth-provider: %s", err.msg);
	CHECK(sp_kube_load_kubeconfig(p1, "nope", &c, &err) == SP_EDATA &&
	    strstr(err.msg, "context 'nope' not found"), "unknown context: %s", err.msg);

	/* a list: the first file defining a name wins; current-context from the first */
	p2 = put("kc2", "current-context: prod\n"
	    "users:\n- name: tok\n  user: {token: other}\n"
	    "contexts:\n- name: extra\n  context: {cluster: a, user: tok}\n");
	snprintf(list, sizeof list, "%s:%s/missing:%s", p2, dir, p1);
	CHECK(sp_kube_load_kubeconfig(list, NULL, &c, &err) == 0 && strcmp(c.context, "prod") == 0 &&
	    strcmp(c.server, "https://b.example:443") == 0, "merged: %s", err.msg);
	sp_kube_cfg_free(&c);
	CHECK(sp_kube_load_kubeconfig(list, "extra", &c, &err) == 0 && strcmp(c.token, "other") == 0,
	    "first file's user wins");
	sp_kube_cfg_free(&c);

	p2 = put("bad1", "clusters:\n  - name: a\n   cluster: x\n");
	CHECK(sp_kube_load_kubeconfig(p2, NULL, &c, &err) == SP_EDATA && strstr(err.msg, "not valid YAML"),
	    "bad yaml: %s", err.msg);
	p2 = put("bad2", "- a\n- b\n");
	CHECK(sp_kube_load_kubeconfig(p2, NULL, &c, &err) == SP_EDATA && strstr(err.msg, "not a mapping"), "list");
	p2 = put("bad3", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'https://h', certificate-authority-data: '@@@'}\n");
	CHECK(sp_kube_load_kubeconfig(p2, NULL, &c, &err) == SP_EDATA && strstr(err.msg, "not valid base64"),
	    "bad base64: %s", err.msg);
	p2 = put("bad4", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'ftp://h'}\n"
	    "users:\n- name: u\n  user: {client-certificate: c.pem}\n");
	CHECK(sp_kube_load_kubeconfig(p2, NULL, &c, &err) == SP_EDATA && strstr(err.msg, "not an http(s) URL"),
	    "bad server: %s", err.msg);
	p2 = put("bad5", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'https://h'}\n"
	    "users:\n- name: u\n  user: {client-certificate: c.pem}\n");
	CHECK(sp_kube_load_kubeconfig(p2, NULL, &c, &err) == SP_EDATA && strstr(err.msg, "without a key"),
	    "cert without key: %s", err.msg);
	put("tok", "file-token\n");
	p2 = put("tf", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\n"
	    "clusters:\n- name: a\n  cluster: {server: 'https://h'}\n"
	    "users:\n- name: u\n  user: {tokenFile: tok}\n");
	CHECK(sp_kube_load_kubeconfig(p2, NULL, &c, &err) == 0 && strcmp(c.token, "file-token") == 0, "tokenFile");
	sp_kube_cfg_free(&c);

	test_exec();

	/* in-cluster */
	unsetenv("KUBERNETES_SERVICE_HOST");
	CHECK(sp_kube_load_incluster(dir, &c, &err) == SP_EUSAGE, "not in a cluster");
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	put("token", "sa-token\n");
	put("namespace", "shop");
	CHECK(sp_kube_load_incluster(dir, &c, &err) == 0, "in-cluster: %s", err.msg);
	CHECK(strcmp(c.server, "https://[fd00::1]:443") == 0 && strcmp(c.token, "sa-token") == 0 &&
	    strcmp(c.namespace, "shop") == 0 && strstr(c.ca_file, "/ca.crt"), "in-cluster fields: %s", c.server);
	sp_kube_cfg_free(&c);

	test_target();
	test_decide();
	test_replicas();
	test_source(put("kc-scale", kc1));
	test_input();
	test_hostile();
	test_paused();
	test_wall_input();

	snprintf(list, sizeof list, "rm -rf %s", dir);
	CHECK(system(list) == 0, "cleanup");
	test_managers();
	test_paused_lists();
	test_scale_lists();
	return check_summary();
}

static void
test_scale_lists(void)
{
	char server[64], value[64];
	sp_kube_cfg cfg;
	sp_http_opts o;
	sp_kube_managers *m = sp_kube_managers_new();
	sp_kube_scale sc, plain;
	sp_error err;
	mini_httpd srv;
	long http;

	CHECK(m != NULL && kube_session(&srv, &cfg, server, sizeof server, &o) == 0, "server");
	memset(&sc, 0, sizeof sc);
	CHECK(sp_kube_get_scale_cached(&cfg, &o, m, "deployments", "a", "x", &sc, &http, &err) == 0 && http == 200 &&
	    sc.replicas == 3 && sc.status_replicas == 2 && strcmp(sc.rv, "17") == 0, "x: %ld %ld '%s'", sc.replicas,
	    sc.status_replicas, sc.rv);
	CHECK(sp_kube_get_scale(&cfg, &o, "deployments", "a", "x", &plain, &http, &err) == 0 &&
	    plain.replicas == sc.replicas && plain.status_replicas == sc.status_replicas && strcmp(plain.rv, sc.rv) == 0,
	    "x as its scale says");
	CHECK(sp_kube_get_scale_cached(&cfg, &o, m, "deployments", "a", "p", &sc, &http, &err) == 0 &&
	    sc.replicas == 0 && sc.status_replicas == -1 && sc.rv[0] == '\0', "p: %ld %ld", sc.replicas,
	    sc.status_replicas);
	CHECK(sp_kube_get_scale_cached(&cfg, &o, m, "deployments", "a", "q", &sc, &http, &err) == SP_ENET, "q");
	CHECK_STR(err.msg, "listing deployments in namespace a (for the replicas of q): answer's spec.replicas is "
	    "not a non-negative integer (a string)", "q's string");
	CHECK(sp_kube_get_scale_cached(&cfg, &o, m, "deployments", "a", "gone", &sc, &http, &err) == SP_ENET &&
	    http == 404, "gone");
	CHECK_STR(err.msg, "GET deployments/gone/scale in namespace a: not found (HTTP 404): deployments.apps "
	    "\"gone\" not found", "gone: the GET's 404");
	CHECK(sp_kube_get_scale_cached(&cfg, &o, m, "deployments", "b", "x", &sc, &http, &err) == SP_ENET &&
	    http == 200, "b");
	CHECK_STR(err.msg, "listing deployments in namespace b (for the replicas): answer has no items", "b: no items");
	CHECK(sp_kube_get_scale_cached(&cfg, &o, m, "deployments", "c", "x", &sc, &http, &err) == SP_ENET &&
	    http == 403, "c");
	CHECK_STR(err.msg, "listing deployments in namespace c (for the replicas): forbidden: the account lacks the "
	    "permission (see deploy/rbac.yaml) (HTTP 403): no list for you", "c: forbidden");
	/* the kill switch from the same lists: no request more; c's failure
	 * said for the annotation */
	CHECK(sp_kube_get_paused_cached(&cfg, &o, m, "deployments", "Deployment", "a", "p", value, sizeof value, &http,
	    &err) == 1, "p paused");
	CHECK(sp_kube_get_paused_cached(&cfg, &o, m, "deployments", "Deployment", "c", "x", value, sizeof value, &http,
	    &err) == SP_ENET && http == 403, "c paused");
	CHECK_STR(err.msg, "listing deployments in namespace c (for the scalepipe.io/paused annotation): forbidden: "
	    "the account lacks the permission (see deploy/rbac.yaml) (HTTP 403): no list for you", "c: for the annotation");
	CHECK(sp_kube_managers_object_lists(m) == 3, "lists: %ld", sp_kube_managers_object_lists(m));
	/* a, b, c listed once each, and the one plain GET of x's scale */
	CHECK(sp_http_session_requests(o.session) == 4, "requests: %ld", sp_http_session_requests(o.session));
	/* no cache: the GET */
	CHECK(sp_kube_get_scale_cached(&cfg, &o, NULL, "deployments", "a", "x", &sc, &http, &err) == 0 &&
	    sc.replicas == 3 && sp_http_session_requests(o.session) == 5, "NULL cache");
	sp_http_session_free(o.session);
	sp_kube_managers_free(m);
	mini_httpd_stop(&srv);
	CHECK(srv.connections == 1, "one connection: %d", srv.connections);
}
