/* libFuzzer target: Kubernetes API answers as `scale` meets them.  The
 * input is up to eight answers separated by "\n--\n", each "STATUS\n" (a
 * number; a missing one is 200) then the body: the Scale GET, the HPA list,
 * the ScaledObject list, the write's answer, re-reads after a 409...  They
 * go through sp_kube_apply (read, manager check, decide, PUT or PATCH,
 * conflict retries) with options from the first byte. */
#include "fuzz.h"

#include "sp_kube.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in = { data, size };
	fz_answer ans[8];
	sp_kube_cfg cfg;
	sp_http_opts ho;
	sp_kube_apply_opts a;
	sp_kube_result res;
	sp_kube_scale sc;
	sp_error err;
	char what[256];
	unsigned opt = fz_byte(&in);
	size_t n = 0, len;
	long http;

	while (in.n > 0 && n < 8) {
		const uint8_t *p = fz_part(&in, &len);
		char *end;
		long st = 200;
		if (len > 0 && p[0] >= '0' && p[0] <= '9') {
			char num[8];
			size_t k = 0;
			while (k < len && k < 7 && p[k] >= '0' && p[k] <= '9')
				num[k] = (char)p[k], k++;
			num[k] = '\0';
			st = strtol(num, &end, 10);
			if (k < len && p[k] == '\n')
				k++;
			p += k, len -= k;
		}
		ans[n].status = st, ans[n].body = (const char *)p, ans[n].len = len;
		n++;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.server = "https://127.0.0.1:1";
	cfg.namespace = "default";
	sp_http_opts_init(&ho);
	ho.retries = 0;
	fz_http_script.a = ans, fz_http_script.n = n, fz_http_script.on = 1;

	memset(&a, 0, sizeof a);
	a.target.kind = opt & 1 ? "StatefulSet" : "Deployment";
	a.target.resource = opt & 1 ? "statefulsets" : "deployments";
	a.target.name = "web";
	a.ns = "default";
	a.desired = (long)(opt >> 4);
	a.age = opt & 2 ? 1e9 : 5;
	a.max_age = 300;
	a.dry_run = (opt & 0x0c) == 0x0c;
	a.force = (opt & 4) != 0;
	a.patch = (opt & 8) != 0;
	a.conflict_retries = 2;
	fz_http_script.next = 0;
	sp_kube_apply(&cfg, &ho, &a, &res, &err);

	/* each call alone on the same answers */
	fz_http_script.next = 0;
	sp_kube_get_scale(&cfg, &ho, "deployments", "default", "web", &sc, &http, &err);
	fz_http_script.next = 0;
	sp_kube_find_manager(&cfg, &ho, "default", "Deployment", "web", what, sizeof what, &err);
	fz_http_script.next = 0;
	sp_kube_put_scale(&cfg, &ho, "deployments", "default", "web", 3, "1", &sc, &http, &err);
	fz_http_script.next = 0;
	sp_kube_patch_scale(&cfg, &ho, "deployments", "default", "web", 3, &sc, &http, &err);
	fz_http_script.on = 0;
	return 0;
}
