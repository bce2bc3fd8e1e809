/* test_kube: kubeconfig loading (contexts, merged lists, data vs files,
 * relative paths, errors), in-cluster credentials, base64. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
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
    "    exec: {command: gke-gcloud-auth-plugin}\n";

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
	    strstr(err.msg, "kc1:33: user 'plugin' uses a credential plugin"), "exec: %s", err.msg);
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

	snprintf(list, sizeof list, "rm -rf %s", dir);
	CHECK(system(list) == 0, "cleanup");
	return check_summary();
}
