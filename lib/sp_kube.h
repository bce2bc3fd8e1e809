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
 *
 * What `scale` does is here too: the target "KIND/NAME", where credentials
 * come from when none are named, the replicas of the input's last row, the
 * decision (scale, or not: unchanged, stale input that would scale down,
 * dry run) and the apply step (read, check that no HPA or KEDA
 * ScaledObject manages the target, write, re-read after a 409).
 */
#ifndef SP_KUBE_H
#define SP_KUBE_H

#include <stddef.h>

#include "sp_behavior.h"
#include "sp_csv.h"
#include "sp_err.h"
#include "sp_http.h"

#define SP_KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
/* Seconds an exec credential plugin may run before it is killed. */
#define SP_KUBE_EXEC_TIMEOUT 10

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

/* paths: one file or a ':'-separated list; context NULL for current-context.
 * Files (kubeconfigs, tokenFile, CA, certificates, keys) must be regular
 * files (or symlinks to them): a FIFO or device is refused ("PATH: not a
 * regular file"), never waited on.  A server URL with user information
 * (https://user:pw@host) is refused without echoing it.  An exec plugin
 * runs at most SP_KUBE_EXEC_TIMEOUT seconds (sp_kube_load: exec_timeout). */
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

/* A cache of lists for a run over many targets (scale --by): each
 * namespace's HPAs and ScaledObjects are listed once, the first time a
 * target in it is checked, and kept for the cache's life (an HPA made
 * during the run is not seen by later targets of a namespace already
 * listed).  A manager list that fails is not kept (the next target lists
 * again).  The same cache holds, per namespace and resource, the names of
 * the Deployments or StatefulSets, their kill switch annotations
 * (sp_kube_get_paused_cached) and their counts (sp_kube_get_scale_cached);
 * that list is asked for once, failed or not.
 * new: NULL when out of memory; free: NULL is fine. */
typedef struct sp_kube_managers sp_kube_managers;
sp_kube_managers *sp_kube_managers_new(void);
void sp_kube_managers_free(sp_kube_managers *m);
/* The list requests answered and kept so far (one per namespace and kind). */
long sp_kube_managers_lists(const sp_kube_managers *m);
/* The workload lists asked for so far (one per namespace and resource,
 * for the kill switch; a failed one counts: it is not asked again). */
long sp_kube_managers_object_lists(const sp_kube_managers *m);
/* sp_kube_find_manager with the lists from m (listed on first use): the
 * same results, messages and errors; m NULL: sp_kube_find_manager. */
int sp_kube_find_manager_cached(const sp_kube_cfg *cfg, const sp_http_opts *o, sp_kube_managers *m,
    const char *ns, const char *kind, const char *name, char *what, size_t size, sp_error *err);

/* The kill switch: the annotation that hands control back to a person.
 * A Deployment or StatefulSet whose metadata.annotations carries it with
 * the value "true" (also "yes", "on", "1"; any case) is never scaled. */
#define SP_KUBE_PAUSED_ANNOTATION "scalepipe.io/paused"

/* From the JSON text of a Deployment or StatefulSet (json[0..len)): 1 when
 * SP_KUBE_PAUSED_ANNOTATION is set to a true value, 0 when it is absent or
 * anything else, SP_ENET "answer is not a KIND object" when the text is
 * not an object of that kind.  The value found (at most size - 1 bytes)
 * goes into value when it is not NULL ("" when absent). */
int sp_kube_paused_of(const char *json, size_t len, const char *kind, char *value, size_t size,
    sp_error *err);
/* GET the object itself (apps/v1 RESOURCE/NAME in ns: one request, which
 * needs "get" on the resource, not only on its scale subresource) and
 * sp_kube_paused_of it.  1 paused, 0 not, < 0 with err and *http. */
int sp_kube_get_paused(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *kind, const char *ns, const char *name, char *value, size_t size, long *http,
    sp_error *err);
/* sp_kube_get_paused from a list of the namespace's objects of resource in
 * m (GET /apis/apps/v1/namespaces/NS/RESOURCE: one request per namespace
 * and resource for the cache's life, which needs "list" on the resource;
 * an annotation set during the run is not seen by later targets of a
 * namespace already listed); m NULL: sp_kube_get_paused.  The same
 * results: a name absent from the list is the error of the GET's 404
 * ("GET deployments/web in namespace NS (for the scalepipe.io/paused
 * annotation): not found (HTTP 404): deployments.apps "web" not found",
 * *http 404); a list that fails (no answer, HTTP error: "listing
 * deployments in namespace NS (for the scalepipe.io/paused annotation):
 * forbidden: ... (HTTP 403): ...", or an answer without items) fails
 * every target of that namespace and resource with its message and
 * status, without asking again. */
int sp_kube_get_paused_cached(const sp_kube_cfg *cfg, const sp_http_opts *o, sp_kube_managers *m,
    const char *resource, const char *kind, const char *ns, const char *name, char *value, size_t size,
    long *http, sp_error *err);

/* sp_kube_get_scale from the same list of the namespace's objects of
 * resource in m as sp_kube_get_paused_cached (one list per namespace and
 * resource for the cache's life, shared with it): the item's
 * spec.replicas, status.replicas and metadata.resourceVersion, which are
 * its Scale's.  As fresh as the list, so for reads that no write relies
 * on (scale --by --dry-run).  A name absent from the list is the GET's
 * 404 ("GET deployments/web/scale in namespace NS: not found (HTTP 404):
 * deployments.apps "web" not found", *http 404); a list that failed
 * fails it with its message ("listing deployments in namespace NS (for
 * the replicas): forbidden: ..."), not asked again; a bad spec.replicas
 * is parse's error ("listing deployments in namespace NS (for the
 * replicas of web): answer's spec.replicas is not a non-negative
 * integer (a string)").  m NULL: sp_kube_get_scale. */
int sp_kube_get_scale_cached(const sp_kube_cfg *cfg, const sp_http_opts *o, sp_kube_managers *m,
    const char *resource, const char *ns, const char *name, sp_kube_scale *out, long *http, sp_error *err);

/* ---- scaling a target (scale) ---- */

/* "KIND/NAME": kind deployment (deploy, deployments) or statefulset (sts,
 * statefulsets), NAME of [a-z0-9.-].  name points into the parsed string. */
typedef struct {
	const char *kind;       /* "Deployment" or "StatefulSet" */
	const char *resource;   /* "deployments" or "statefulsets" */
	const char *name;
} sp_kube_target;

/* SP_EUSAGE "target must be KIND/NAME (e.g. deployment/web): 'S'", "kind
 * must be deployment or statefulset: 'KIND'", "not a valid object name:
 * 'NAME'". */
int sp_kube_parse_target(const char *s, sp_kube_target *t, sp_error *err);
/* 1 when ns is a namespace name (non-empty, [a-z0-9-]), else 0. */
int sp_kube_valid_namespace(const char *ns);

/* Where the credentials come from. */
typedef struct {
	const char *kubeconfig; /* file or ':' list; NULL: $KUBECONFIG, else
	                           ~/.kube/config when it exists, else the
	                           service account when KUBERNETES_SERVICE_HOST
	                           is set */
	const char *context;    /* NULL: current-context */
	int in_cluster;         /* the service account (sp_kube_load_incluster) */
	const char *sa_dir;     /* its files; NULL: SP_KUBE_SA_DIR */
	double exec_timeout;    /* seconds for an exec plugin; 0: SP_KUBE_EXEC_TIMEOUT */
} sp_kube_source;

/* sp_kube_load_kubeconfig or sp_kube_load_incluster as src says; SP_EIO
 * "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a cluster; use
 * --kubeconfig" when nothing is found. */
int sp_kube_load(const sp_kube_source *src, sp_kube_cfg *cfg, sp_error *err);

/* What scale takes from its input. */
typedef struct {
	long replicas;          /* the last row's decision */
	double t;               /* the last row's timestamp: the decision's time */
	double step;            /* the smallest time between two rows (0: one row) */
	double observed;        /* the newest observed time (below) */
	char observed_from[128];    /* "observed_at", the load column's name, or
	                               "decision" (no observation column) */
} sp_kube_input;

/* Read r to the end: column `column` must hold a whole number 0..1000000
 * in every row ("row N, column C: replicas must be a whole number from 0
 * to 1000000: 2.5").  The observed time is, in this order: the largest
 * value of a column `observed_at` (Unix seconds; a tool that fills gaps
 * can say there when the data really was observed); the timestamp of the
 * newest row with a value in load_column (NULL: a column "load" when r
 * has one; rows whose load is missing, such as plan's forecast row one
 * step ahead, do not count); else the last row's timestamp.  0, 1 when r
 * has no data rows, < 0 on error.  A load column without any value leaves
 * observed NaN (the input is then never fresh). */
int sp_kube_read_input(sp_csv_reader *r, const char *column, const char *load_column,
    sp_kube_input *in, sp_error *err);
/* sp_kube_read_input's replicas and decision time only. */
int sp_kube_read_replicas(sp_csv_reader *r, const char *column, long *replicas, double *t,
    sp_error *err);
/* The timestamp of the newest row of r with a value in load_column (NULL:
 * the first column after timestamp), for `scale --observed FILE` (the
 * fetched series before any gap filling).  0, 1 when no row has one. */
int sp_kube_read_observed(sp_csv_reader *r, const char *load_column, double *t, sp_error *err);
/* The input's age at wall time now: now minus the older of the newest
 * observed time and the decision time (so a decision not for now, or one
 * made on old data, is stale).  SP_EDATA when the observed time is more
 * than 1 s ahead of now, or the decision more than one step (+1 s) ahead:
 * "... ahead of the clock: timestamps in milliseconds, or a wrong clock?". */
int sp_kube_input_age(const sp_kube_input *in, double now, double *age, sp_error *err);
/* Whether the input's times can be compared with a real clock: the
 * decision time and the observed time (when there is one) must be wall
 * times (sp_time_implausible_wall: 1990 up to 2100).  0, or SP_EDATA "the
 * decision row's time (600) is not a wall-clock time (before 1990: a
 * relative time, or minutes or hours?)" / "the newest observed time (T,
 * from load) is not ...". */
int sp_kube_input_check(const sp_kube_input *in, sp_error *err);

typedef enum {
	SP_KUBE_UNCHANGED,      /* desired == current */
	SP_KUBE_HELD_STALE,     /* would change on input older than max_age */
	SP_KUBE_DRY_RUN,        /* would scale; asked not to */
	SP_KUBE_SCALED,         /* scale (scaled) */
	SP_KUBE_PAUSED          /* would change; the target carries the kill
	                           switch annotation (SP_KUBE_PAUSED_ANNOTATION) */
} sp_kube_action;

/* The decision, in that order of precedence: stale input (age > max_age,
 * or NaN) changes nothing, up or down. */
sp_kube_action sp_kube_decide(long current, long desired, double age, double max_age, int dry_run);
/* "unchanged", "held-stale", "dry-run", "scaled", "paused". */
const char *sp_kube_action_name(sp_kube_action a);

typedef struct {
	sp_kube_target target;
	const char *ns;
	long desired;
	double age, max_age;    /* seconds: the input's age, the most that may scale */
	const sp_behavior_opts *behavior;  /* limits per tick; NULL: none */
	sp_behavior_hist *hist; /* recommendations for stabilisation, or NULL; this
	                           tick's (desired at now) is recorded into it
	                           first unless the input is stale (a->recorded) */
	int hist_seed;          /* the history was lost: record the current count
	                           at now before (no scale-down within a window) */
	double now;             /* wall time, for the window */
	int dry_run;
	int force;              /* skip the check for an HPA or ScaledObject */
	sp_kube_managers *managers;  /* the lists cached per namespace (the check's, and the
	                                objects' for the kill switch), or NULL */
	int patch;              /* merge patch; else PUT with resourceVersion */
	long conflict_retries;  /* re-reads after a 409 */
} sp_kube_apply_opts;

typedef struct {
	long current;           /* spec.replicas as last read (before the change when
	                           a lost answer was recovered by a re-read) */
	long target;            /* the decision after the limits */
	long replicas;          /* spec.replicas after: the written answer's when scaled */
	sp_kube_action action;
	sp_behavior_rule rule;  /* which limit set target */
	int reread;             /* the write's answer was lost; a re-read found it applied */
	int recorded;           /* this tick's recommendation went into a->hist */
	char paused[64];        /* the kill switch annotation's value when action
	                           is SP_KUBE_PAUSED */
} sp_kube_result;

/* Read the target's scale (with a->dry_run, from the namespace's list in
 * a->managers: sp_kube_get_scale_cached); unless a->force, fail (SP_EDATA "deployments/web
 * in namespace NS is managed by HorizontalPodAutoscaler X; two autoscalers
 * would fight (remove it, or use --force)") when something else manages
 * it; limit the decision from the count first read (a->behavior); decide;
 * when the decision would change the count (scaled or dry-run), read the
 * target object once for the kill switch (sp_kube_get_paused, or from the
 * namespace's list in a->managers: sp_kube_get_paused_cached; --force does
 * not skip it): when set, the action is `paused` and nothing is written;
 * when scaling, write (PUT or PATCH), and after a 409 conflict re-read and
 * decide again, at most conflict_retries times.  A write without an answer
 * (transport failure, or 5xx after the retries) is followed by a re-read:
 * when the target has the new count the result is `scaled` with reread
 * set, else the error says what the re-read found.  Traces "current
 * replicas C (resourceVersion RV), desired D, input age As" per decision
 * and "conflict; re-reading (i of n)" through ho.  Errors:
 * sp_kube_get_scale's, sp_kube_find_manager's (cached in a->managers), the write's; server text in
 * them is redacted (sp_redact, with cfg's secrets). */
int sp_kube_apply(const sp_kube_cfg *cfg, const sp_http_opts *ho, const sp_kube_apply_opts *a,
    sp_kube_result *res, sp_error *err);

#endif
