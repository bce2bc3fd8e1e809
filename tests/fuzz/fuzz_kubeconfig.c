/* libFuzzer target: a kubeconfig (YAML) through sp_kube_load_kubeconfig,
 * current context and a named one, then the in-cluster loader on a
 * service-account directory holding the same bytes as its token and
 * namespace.  Inputs that could name an exec plugin ("command", or any
 * backslash escape that could spell it) are skipped: the fuzzer must not
 * run programs; ExecCredential answers have their own target
 * (fuzz_execcred). */
#include "fuzz.h"

#include <sys/stat.h>

#include "sp_kube.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], dir[] = "/tmp/sp-fuzz-sa-XXXXXX", f[128];
	sp_kube_cfg cfg;
	sp_error err;
	size_t i;

	for (i = 0; i < size; i++)
		if (data[i] == '\\' || (i + 6 <= size && memcmp(data + i, "ommand", 6) == 0))
			return 0;
	if (fz_file(data, size, path, ".yaml") < 0)
		return 0;
	memset(&cfg, 0, sizeof cfg);
	if (sp_kube_load_kubeconfig(path, NULL, &cfg, &err) == 0) {
		sp_http_opts o;
		sp_http_opts_init(&o);
		sp_kube_http_opts(&cfg, &o);
	}
	sp_kube_cfg_free(&cfg);
	memset(&cfg, 0, sizeof cfg);
	sp_kube_load_kubeconfig(path, "ctx", &cfg, &err);
	sp_kube_cfg_free(&cfg);
	unlink(path);

	/* the same bytes as a service account's files */
	if (mkdtemp(dir)) {
		static const char *const names[] = { "token", "namespace", "ca.crt" };
		for (i = 0; i < 3; i++) {
			FILE *fp;
			snprintf(f, sizeof f, "%s/%s", dir, names[i]);
			if ((fp = fopen(f, "w"))) {
				fwrite(data, 1, size, fp);
				fclose(fp);
			}
		}
		setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
		setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
		memset(&cfg, 0, sizeof cfg);
		sp_kube_load_incluster(dir, &cfg, &err);
		sp_kube_cfg_free(&cfg);
		for (i = 0; i < 3; i++) {
			snprintf(f, sizeof f, "%s/%s", dir, names[i]);
			unlink(f);
		}
		rmdir(dir);
	}
	{
		size_t blen;
		char *s = malloc(size + 1), *b;
		if (s) {
			memcpy(s, data, size);
			s[size] = '\0';
			b = sp_kube_base64_decode(s, &blen);
			free(b);
			free(s);
		}
	}
	return 0;
}
