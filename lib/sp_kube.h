/* sp_kube: Kubernetes API credentials and the apps/v1 scale subresource.
 *
 * Credentials come from a kubeconfig (parsed with libyaml; a KUBECONFIG-style
 * list of files is merged as kubectl does: the first file that defines a
 * name wins, current-context from the first file that sets it) or from the
 * in-cluster service account (KUBERNETES_SERVICE_HOST/PORT and the token,
 * ca.crt and namespace files).  Supported: server, certificate-authority
 * (-data), insecure-skip-tls-verify, client-certificate(-data),
 * client-key(-data), token, tokenFile, username/password, namespace, and
 * exec credential plugins (client.authentication.k8s.io/v1 and v1beta1,
 * run at load time as kubectl runs them: the token or client certificate
 * of their ExecCredential; a token or certificate in the kubeconfig wins).
 * auth-provider plugins are reported as unsupported.  Relative paths are
 * relative to the kubeconfig's directory.
 *
 * Secrets (tokens, keys, passwords) are held in the sp_kube_cfg only and
 * never copied into an error message.
 *
 * API errors are turned into messages from the server's Status object, with
 * the HTTP status available to the caller (409 is retried by the caller).
 */
#ifndef SP_KUBE_H
#define SP_KUBE_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_http.h"

#define SP_KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

typedef struct sp_kube_cfg {
	char *server;           /* https://host:port, no trailing slash */
	char *namespace;        /* context's namespace, or "default" */
	char *context;          /* name, for messages ("in-cluster" otherwise) */
	char *ca_file, *cert_file, *key_file;
	char *ca_pem, *cert_pem, *key_pem;
	size_t ca_pem_len, cert_pem_len, key_pem_len;
	char *token, *user, *password;
	int insecure;
} sp_kube_cfg;

/* paths: one file or a ':'-separated list; context NULL for current-context. */
int sp_kube_load_kubeconfig(const char *paths, const char *context, sp_kube_cfg *cfg, sp_error *err);
/* In-cluster service account; sa_dir NULL for SP_KUBE_SA_DIR. */
int sp_kube_load_incluster(const char *sa_dir, sp_kube_cfg *cfg, sp_error *err);
void sp_kube_cfg_free(sp_kube_cfg *cfg);
/* Point o's TLS and auth fields at cfg (which must outlive o's use). */
void sp_kube_http_opts(const sp_kube_cfg *cfg, sp_http_opts *o);

/* Decode standard base64 (whitespace ignored).  malloc'd, NUL-terminated;
 * NULL on bad input. */
char *sp_kube_base64_decode(const char *s, size_t *len);

typedef struct sp_kube_scale {
	long replicas;          /* spec.replicas */
	long status_replicas;   /* status.replicas (-1 if absent) */
	char rv[128];           /* metadata.resourceVersion */
} sp_kube_scale;

/* resource: "deployments" or "statefulsets".  Each returns 0 with *out, or
 * < 0 with err and *http the HTTP status (0 when no answer). */
int sp_kube_get_scale(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *ns, const char *name, sp_kube_scale *out, long *http, sp_error *err);
/* PUT a Scale with resourceVersion rv (optimistic concurrency: 409 when the
 * object changed since). */
int sp_kube_put_scale(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *ns, const char *name, long replicas, const char *rv, sp_kube_scale *out,
    long *http, sp_error *err);
/* PATCH spec.replicas (application/merge-patch+json). */
int sp_kube_patch_scale(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *ns, const char *name, long replicas, sp_kube_scale *out, long *http, sp_error *err);

/* Whether an HPA (autoscaling/v2) or a KEDA ScaledObject (keda.sh/v1alpha1)
 * in ns targets kind/name (kind "Deployment" or "StatefulSet").  Returns 1
 * and "HorizontalPodAutoscaler NAME" / "ScaledObject NAME" in what, 0 when
 * none (a missing KEDA API counts as none), < 0 on error. */
int sp_kube_find_manager(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *ns,
    const char *kind, const char *name, char *what, size_t size, sp_error *err);

#endif
