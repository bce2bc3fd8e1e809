/* sp_extender: the kube-scheduler extender protocol (v1) around the
 * sp_place node scorer: parse ExtenderArgs, judge and score the candidate
 * nodes from a node-state file, build ExtenderFilterResult and
 * HostPriorityList, and keep the server's Prometheus metrics.
 *
 * The wire types are those of k8s.io/kube-scheduler/extender/v1 (Go
 * structs without json tags, so the JSON names are the Go field names):
 *   ExtenderArgs          {"Pod": v1.Pod, "Nodes": v1.NodeList | null,
 *                          "NodeNames": [string] | null}
 *   ExtenderFilterResult  {"Nodes", "NodeNames", "FailedNodes": {node: msg},
 *                          "FailedAndUnresolvableNodes": {}, "Error": ""}
 *   HostPriorityList      [{"Host": node, "Score": 0..MaxExtenderPriority}]
 * NodeNames is used when present (nodeCacheCapable: true), else the names
 * of Nodes.items[].metadata.name; a filter answer carries the same form
 * back (the passing Node objects themselves when Nodes was sent).
 *
 * The pod's request is kube's effective request (computePodResourceRequest):
 * max(sum over containers, max over initContainers) + spec.overhead, of
 * resources.requests cpu and memory (resource.Quantity strings); a pod
 * without a CPU or memory request counts kube's non-zero defaults, 0.1
 * core and 200 MiB, as kube's scoring does.
 *
 * The node-state file (CSV, the scalepipe contract): columns timestamp,
 * node, cpu, mem (allocatable: cores, MiB), cpu_requested, mem_requested,
 * cpu_used, mem_used, and optionally pods (0..SP_EXTENDER_MAX_PODS) and anomaly (0..1; empty = the
 * model's own Isolation Forest).  Any number of rows per node (any order);
 * a node's last SP_PLACESIM_HIST rows by time are its utilisation history
 * (padded with its oldest), its last row its current state.
 *
 * Answers (sp_extender_handle): prioritize scores each candidate with
 * sp_place and maps the score to 0..10: round(score / 10) in mode
 * "combined" (scores 0..100), the Q values min-max scaled in mode "dqn"
 * (5 when equal).  filter drops the nodes whose predicted CPU or memory
 * utilisation with the pod (features 4, 5 of sp_place.h) is above
 * filter_above.  Fallback, so that the default scheduler decides: when
 * there is no state, a candidate is not in it, its data are older than
 * max_age, or scoring fails, prioritize gives every node 0 and filter
 * passes every node (and when filter would drop every node, it passes them
 * all); each is counted by reason.  Shadow: the same work, the decision in
 * the reply's note, but the neutral answer.  Bad JSON or an ExtenderArgs
 * without a Pod or nodes: HTTP 400 with a one-line message.
 *
 * Threads: an sp_extender is not thread-safe; the caller serialises calls
 * (the scorer keeps buffers).  Nothing here prints or exits.
 */
#ifndef SP_EXTENDER_H
#define SP_EXTENDER_H

#include <stdio.h>

#include "sp_err.h"
#include "sp_place.h"

#define SP_EXTENDER_MAX_PRIORITY 10   /* MaxExtenderPriority */
#define SP_EXTENDER_MAX_PODS 1000000  /* a node-state row's pods column at most */

/* A resource.Quantity ("100m", "1.5", "128Mi", "1G", "2e3") -> its value
 * in base units (cores, bytes) in *v.  SP_EDATA on anything else. */
int sp_extender_quantity(const char *s, double *v, sp_error *err);

/* ---- node state ---- */
typedef struct sp_extender_state sp_extender_state;
/* Read the node-state CSV (see above); name for messages.  NULL and err
 * (naming the row and column) on bad data or a file without rows. */
sp_extender_state *sp_extender_state_read(FILE *fp, const char *name, sp_error *err);
void sp_extender_state_free(sp_extender_state *st);
size_t sp_extender_state_nnodes(const sp_extender_state *st);
/* The newest timestamp in the file (Unix seconds). */
double sp_extender_state_newest(const sp_extender_state *st);

/* ---- requests ---- */
typedef struct {
	char *pod;              /* "namespace/name" (malloc'd) */
	double cpu, mem;        /* effective request: cores, MiB (defaults applied) */
	size_t n;
	const char **nodes;     /* candidate names (point into the document) */
	int names;              /* 1: NodeNames was given, 0: Nodes */
	void *doc;              /* the parsed document (private) */
} sp_extender_args;
/* Parse ExtenderArgs from body[0..len).  SP_EDATA with a message ("line
 * 1, column 7: ...", "Pod.spec.containers[0].resources.requests.cpu: ...")
 * on bad input; args are then empty.  Free with sp_extender_args_free. */
int sp_extender_args_parse(const char *body, size_t len, sp_extender_args *a, sp_error *err);
void sp_extender_args_free(sp_extender_args *a);
/* The answers as JSON text (malloc'd, NULL when out of memory).
 * filter: pass[i] keeps nodes[i], reason[i] is the FailedNodes message of
 * the others; error the Error field ("" or NULL for none). */
char *sp_extender_filter_json(const sp_extender_args *a, const int *pass, const char *const *reason,
    const char *error);
/* prioritize: score[i] of nodes[i]. */
char *sp_extender_priority_json(const sp_extender_args *a, const long *score);

/* ---- the server's logic ---- */
enum { SP_EXTENDER_FILTER = 0, SP_EXTENDER_PRIORITIZE, SP_EXTENDER_HEALTHZ, SP_EXTENDER_METRICS,
	SP_EXTENDER_OTHER, SP_EXTENDER_NVERB };
enum { SP_EXTENDER_FB_NONE = 0, SP_EXTENDER_FB_NOSTATE, SP_EXTENDER_FB_MISSING, SP_EXTENDER_FB_STALE,
	SP_EXTENDER_FB_ALLFILTERED, SP_EXTENDER_FB_ERROR, SP_EXTENDER_NFB };
/* "no_state", "missing_node", "stale", "all_filtered", "error" ("" for none) */
const char *sp_extender_fallback_name(int reason);

typedef struct {
	int shadow;             /* answer neutrally, note the decision [0] */
	double filter_above;    /* predicted utilisation a node may reach, 0 = no filtering [1] */
	double max_age;         /* seconds a node's last row stays valid, 0 = any age [0] */
} sp_extender_opts;
void sp_extender_defaults(sp_extender_opts *o);

typedef struct sp_extender sp_extender;
/* p is borrowed (outlives the extender). */
sp_extender *sp_extender_new(sp_place *p, const sp_extender_opts *o, sp_error *err);
void sp_extender_free(sp_extender *x);
/* Use st from now on (taken over; the previous state is freed); counts a
 * load.  The model's anomaly score of each node without one in the file
 * is computed here, once (it depends on the node's history only).
 * sp_extender_state_failed counts a failed reload. */
void sp_extender_set_state(sp_extender *x, sp_extender_state *st);
void sp_extender_state_failed(sp_extender *x);

typedef struct {
	int status;             /* HTTP status: 200, or 400 for bad input */
	char *body;             /* JSON (200) or a message line (malloc'd) */
	int fallback;           /* SP_EXTENDER_FB_* */
	char *note;             /* one line on the decision (malloc'd, may be NULL) */
} sp_extender_reply;
/* Answer a filter or prioritize request with body[0..len); now is the
 * current Unix time (for max_age).  Returns 0, or SP_ENOMEM (reply empty). */
int sp_extender_handle(sp_extender *x, int verb, const char *body, size_t len, double now,
    sp_extender_reply *r, sp_error *err);
void sp_extender_reply_free(sp_extender_reply *r);

/* Count a request (verb SP_EXTENDER_*, its HTTP status, and for filter and
 * prioritize the seconds it took, into the latency histogram). */
void sp_extender_observe(sp_extender *x, int verb, int status, double seconds);
/* The metrics in the Prometheus text format (malloc'd, NULL when out of
 * memory); now for the state's age. */
char *sp_extender_metrics(const sp_extender *x, double now);

#endif
