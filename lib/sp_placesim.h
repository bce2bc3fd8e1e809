/* sp_placesim: a pod placement simulator on usage traces, and the
 * kube-scheduler's resource scores.
 *
 * Inputs (file formats, read by sp_placesim_read_*):
 *   nodes   node,cpu,mem                      allocatable cores and MiB
 *   usage   series,timestamp,cpu,mem          per-series usage (cores, MiB);
 *           rows of a series together, in increasing time
 *   pods    arrival,pod,cpu_request,mem_request,series[,departure]
 *           arrival (and departure) Unix seconds or RFC 3339, rows in
 *           non-decreasing arrival; series names a usage series
 *
 * The model, one step of `step` seconds at a time from the first arrival
 * (floored to a multiple of step):
 *   1. pods whose end has come leave: a pod runs from its first placement
 *      for the duration of its series (last - first timestamp, plus one
 *      step), or until its departure time when that comes first;
 *   2. pods waiting (evicted ones first, then arrivals due by now in
 *      arrival order) are placed: the filter keeps nodes where the pod's
 *      requests fit next to the requests already there (NodeResourcesFit's
 *      filter); the policy picks one; a pod nothing fits waits (pending);
 *   3. each running pod's usage is its series at offset t - first
 *      placement (the last sample at or before it: series are replayed from
 *      their start, so one series may serve several pods);
 *   4. memory: while a node's memory usage exceeds its capacity, the newest
 *      pod there is evicted (counted) and waits to be placed again next
 *      step; its series carries on in time while it waits;
 *   5. CPU: a node whose pods' CPU usage exceeds its capacity is contended,
 *      and every pod on it is degraded for the step.
 * Metrics: pod-steps (running + pending), degraded and pending pod-steps,
 * availability = 1 - (degraded + pending) / pod-steps, evictions, node CPU
 * utilisation (usage / capacity, demand: may exceed 1) p50 / p95 / max over
 * every node and step, node-minutes above `hot` (0.85), imbalance = the mean
 * over steps of the population sd of the nodes' CPU utilisation, nodes that
 * ever held a pod, pods never placed.
 *
 * Policies: random (uniform over the nodes that pass the filter), kube (the
 * default profile's NodeResourcesFit LeastAllocated + BalancedAllocation,
 * weights 1 and 1), most (MostAllocated + BalancedAllocation, the
 * bin-packing scoring strategy), or a caller's policy (choose / observe
 * callbacks).  Ties between equal top scores are broken uniformly at random
 * with the simulator's generator, as kube-scheduler's selectHost does.
 *
 * Ownership: sp_placesim_input_free frees what the readers allocated;
 * sp_placesim_new borrows the input (it must outlive the simulator).
 * Errors: SP_EDATA "file: row N, column X: ..." for bad input, SP_EUSAGE
 * for impossible options, SP_ENOMEM.  Nothing here prints or exits.
 */
#ifndef SP_PLACESIM_H
#define SP_PLACESIM_H

#include <stdint.h>
#include <stdio.h>

#include "sp_csv.h"
#include "sp_err.h"

/* ---- the kube-scheduler's resource scores (integers, as kube has them) ----
 * CPU in millicores, memory in bytes; `req` is the node's requested
 * resources with the pod's added, `cap` the node's allocatable.  Each is
 * 0..100 (MaxNodeScore). */
int64_t sp_placesim_least_allocated(int64_t req_cpu, int64_t req_mem, int64_t cap_cpu, int64_t cap_mem);
int64_t sp_placesim_most_allocated(int64_t req_cpu, int64_t req_mem, int64_t cap_cpu, int64_t cap_mem);
int64_t sp_placesim_balanced(int64_t req_cpu, int64_t req_mem, int64_t cap_cpu, int64_t cap_mem);
/* kube's defaults for a pod that requests nothing, used by the
 * Least/MostAllocated scores (pkg/scheduler/util: DefaultMilliCPURequest,
 * DefaultMemoryRequest). */
#define SP_PLACESIM_DEFAULT_MILLICPU 100
#define SP_PLACESIM_DEFAULT_MEMORY (200LL * 1024 * 1024)
/* Cores -> millicores and MiB -> bytes, rounded. */
int64_t sp_placesim_millicpu(double cores);
int64_t sp_placesim_bytes(double mib);

/* ---- inputs ---- */
typedef struct {
	char *name;
	double cpu, mem;          /* allocatable: cores, MiB */
} sp_placesim_nodecap;

typedef struct {
	char *name;
	size_t n;                 /* samples, >= 1 */
	double *t;                /* seconds since the first sample (t[0] = 0) */
	double *cpu, *mem;        /* cores, MiB */
} sp_placesim_series;

typedef struct {
	double arrival;           /* Unix seconds */
	char *name;
	double cpu_req, mem_req;  /* cores, MiB */
	size_t series;            /* index into input.series */
	double departure;         /* Unix seconds, or NaN: at the series' end */
} sp_placesim_pod;

typedef struct {
	size_t nnode, npod, nseries;
	sp_placesim_nodecap *node;
	sp_placesim_pod *pod;
	sp_placesim_series *series;
} sp_placesim_input;

/* Read into in (zeroed by the caller first; read nodes and usage before
 * pods, which name series).  name is for messages ("-" for none).  On
 * error in keeps what was read before (free it with _input_free). */
int sp_placesim_read_nodes(sp_placesim_input *in, FILE *fp, const char *name, sp_error *err);
int sp_placesim_read_usage(sp_placesim_input *in, FILE *fp, const char *name, sp_error *err);
int sp_placesim_read_pods(sp_placesim_input *in, FILE *fp, const char *name, sp_error *err);
void sp_placesim_input_free(sp_placesim_input *in);

/* ---- the simulator ---- */
#define SP_PLACESIM_HIST 12       /* steps of node history kept for policies */

enum { SP_PLACESIM_RANDOM = 0, SP_PLACESIM_KUBE, SP_PLACESIM_MOST, SP_PLACESIM_CUSTOM };
/* "random", "kube", "most" -> the constant, or -1. */
int sp_placesim_policy_parse(const char *s);
const char *sp_placesim_policy_name(int policy);

typedef struct {
	double step;              /* seconds [300] */
	double hot;               /* utilisation counted as hot [0.85] */
	long max_steps;           /* stop after this many steps (0: when all pods are gone) [0] */
	unsigned long seed;       /* random policy and tie-breaks [1] */
	int policy;               /* SP_PLACESIM_* [KUBE] */
} sp_placesim_opts;
void sp_placesim_defaults(sp_placesim_opts *o);

/* A node as policies see it (read-only).  Usage is that of the last
 * completed step (0 before the first). */
typedef struct {
	double cpu_cap, mem_cap;          /* cores, MiB */
	double cpu_req, mem_req;          /* sum of the requests of its pods */
	double cpu_use, mem_use;          /* usage at the last step */
	double cpu_hist[SP_PLACESIM_HIST];  /* CPU utilisation, [0] = last step */
	double mem_hist[SP_PLACESIM_HIST];  /* memory utilisation, likewise */
	int npods;
	int contended;                    /* CPU over capacity at the last step */
	int evicted;                      /* evictions from it at the last step */
	int64_t req_mcpu, req_bytes;      /* requests as kube counts them */
	int64_t nz_mcpu, nz_bytes;        /* non-zero requests (kube's scoring) */
	int used;                         /* ever held a pod */
} sp_placesim_node;

typedef struct sp_placesim sp_placesim;

/* A caller's policy.  choose() picks one of the ncand candidate node
 * indices in cand (those passing the filter, ncand >= 1) for pod p and
 * returns it (or < 0 with err set, which stops the run); observe() (may be
 * NULL) is called at the end of every step. */
typedef struct {
	int (*choose)(void *ctx, const sp_placesim *s, const sp_placesim_pod *p,
	    const int *cand, int ncand, sp_error *err);
	int (*observe)(void *ctx, const sp_placesim *s, sp_error *err);
	void *ctx;
} sp_placesim_policy;

/* in must outlive the simulator.  custom is used when o->policy is
 * SP_PLACESIM_CUSTOM (and must then be non-NULL; it is copied). */
sp_placesim *sp_placesim_new(const sp_placesim_input *in, const sp_placesim_opts *o,
    const sp_placesim_policy *custom, sp_error *err);
void sp_placesim_free(sp_placesim *s);

/* Run to the end.  Can be called once. */
int sp_placesim_run(sp_placesim *s, sp_error *err);

/* The built-in scorers: kube (fit + balanced, 0..200) and most.  Scores of
 * pod p on node j (the pod's requests are added to the node's). */
int64_t sp_placesim_kube_score(const sp_placesim *s, const sp_placesim_pod *p, int j);
int64_t sp_placesim_most_score(const sp_placesim *s, const sp_placesim_pod *p, int j);
/* The built-in choice of `policy` (RANDOM, KUBE or MOST) among cand. */
int sp_placesim_choose_builtin(sp_placesim *s, int policy, const sp_placesim_pod *p,
    const int *cand, int ncand);

size_t sp_placesim_nnodes(const sp_placesim *s);
const sp_placesim_node *sp_placesim_node_at(const sp_placesim *s, size_t j);
const sp_placesim_input *sp_placesim_input_of(const sp_placesim *s);
double sp_placesim_time(const sp_placesim *s);     /* the current step's time */
/* Where pod i runs (node index), or -1 (not placed, waiting, gone). */
int sp_placesim_pod_node(const sp_placesim *s, size_t i);
/* The node of pod i's first placement (-1: never placed) and its time (NaN). */
int sp_placesim_pod_first_node(const sp_placesim *s, size_t i);
double sp_placesim_pod_start(const sp_placesim *s, size_t i);

typedef struct {
	long steps;
	double pod_steps, degraded, pending;  /* pod-steps */
	double availability;
	long evictions, placements;
	double cpu_p50, cpu_p95, cpu_max;     /* node CPU utilisation */
	double hot_minutes;                   /* node-minutes above hot */
	double imbalance;
	long nodes_used, unplaced;
} sp_placesim_metrics;
/* After sp_placesim_run. */
void sp_placesim_get_metrics(const sp_placesim *s, sp_placesim_metrics *m);

/* The metrics as CSV for the tools: the header row, then one row per
 * policy (policy,steps,pod_steps,degraded,pending,availability,evictions,
 * placements,cpu_p50,cpu_p95,cpu_max,hot_minutes,imbalance,nodes_used,
 * unplaced). */
void sp_placesim_metrics_header(sp_csv_writer *w);
void sp_placesim_metrics_row(sp_csv_writer *w, const char *policy, const sp_placesim_metrics *m);

#endif
