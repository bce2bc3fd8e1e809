/* libFuzzer target: an exec credential plugin's answer (ExecCredential
 * JSON).  A fixed kubeconfig names /bin/cat as the plugin with the input
 * file as its argument, so the input is what the plugin prints; the first
 * byte picks the apiVersion, provideClusterInfo and the cluster's CA (data,
 * a file that cannot be read, none). */
#include "fuzz.h"

#include "sp_kube.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in = { data, size };
	unsigned opt = fz_byte(&in);
	char out[64], kc[64], text[1024];
	sp_kube_cfg cfg;
	sp_error err;
	int n;

	if (fz_file(in.p, in.n, out, ".json") < 0)
		return 0;
	n = snprintf(text, sizeof text,
	    "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
	    "clusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:6443\n%s"
	    "contexts:\n- name: c\n  context: {cluster: k, user: u, namespace: ns}\n"
	    "users:\n- name: u\n  user:\n    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/%s\n"
	    "      command: /bin/cat\n      args: [\"%s\"]\n"
	    "      env: [{name: FOO, value: bar}]\n"
	    "      provideClusterInfo: %s\n      interactiveMode: Never\n",
	    opt & 4 ? "    certificate-authority-data: YWJj\n" :
	    opt & 8 ? "    certificate-authority: /nonexistent/ca.crt\n" : "",
	    opt & 1 ? "v1beta1" : "v1", out, opt & 2 ? "true" : "false");
	if (fz_file(text, (size_t)n, kc, ".yaml") == 0) {
		memset(&cfg, 0, sizeof cfg);
		sp_kube_load_kubeconfig(kc, NULL, &cfg, &err);
		sp_kube_cfg_free(&cfg);
		unlink(kc);
	}
	unlink(out);
	return 0;
}
