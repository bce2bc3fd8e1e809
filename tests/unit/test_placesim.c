/* test_placesim: kube-scheduler's resource scores worked by hand, the file
 * readers, and tiny clusters where the right placement and the outcome are
 * known. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sp_placesim.h"

static int
load(sp_placesim_input *in, const char *nodes, const char *usage, const char *pods, sp_error *err)
{
	FILE *f;
	int rc;

	memset(in, 0, sizeof *in);
	f = fmemopen((void *)nodes, strlen(nodes), "r");
	rc = sp_placesim_read_nodes(in, f, "nodes.csv", err);
	fclose(f);
	if (rc < 0)
		return rc;
	f = fmemopen((void *)usage, strlen(usage), "r");
	rc = sp_placesim_read_usage(in, f, "usage.csv", err);
	fclose(f);
	if (rc < 0)
		return rc;
	f = fmemopen((void *)pods, strlen(pods), "r");
	rc = sp_placesim_read_pods(in, f, "pods.csv", err);
	fclose(f);
	return rc;
}

static void
scores(void)
{
	/* requested 3000m of 4000m, 5000 of 10000 bytes:
	 * least: cpu (4000-3000)*100/4000 = 25, mem 50, (25+50)/2 = 37 (int)
	 * most: 75 and 50 -> 62; balanced: |0.75-0.5|/2 = 0.125 -> 87 */
	CHECK(sp_placesim_least_allocated(3000, 5000, 4000, 10000) == 37, "least 37");
	CHECK(sp_placesim_most_allocated(3000, 5000, 4000, 10000) == 62, "most 62");
	CHECK(sp_placesim_balanced(3000, 5000, 4000, 10000) == 87, "balanced 87");
	/* over capacity: least 0 for cpu; most caps at capacity; balanced caps the fraction */
	CHECK(sp_placesim_least_allocated(5000, 5000, 4000, 10000) == 25, "least over");
	CHECK(sp_placesim_most_allocated(5000, 5000, 4000, 10000) == 75, "most over");
	CHECK(sp_placesim_balanced(5000, 5000, 4000, 10000) == 75, "balanced over");
	/* truncation: cpu 200/3 = 66, mem 100/3 = 33, (66+33)/2 = 49;
	 * balanced 1 - |1/3-2/3|/2 = 5/6 -> 83 */
	CHECK(sp_placesim_least_allocated(1, 2, 3, 3) == 49, "least truncates");
	CHECK(sp_placesim_balanced(1, 2, 3, 3) == 83, "balanced truncates");
	CHECK(sp_placesim_least_allocated(0, 0, 0, 0) == 0, "no capacity");
	CHECK(sp_placesim_balanced(0, 0, 0, 10) == 100, "one resource: std 0");
	CHECK(sp_placesim_millicpu(0.25) == 250 && sp_placesim_bytes(2) == 2097152, "units");
}

/* Two nodes, A (4 cores, 4096 MiB) and B (8, 8192): pod1 (2, 2048) scores
 * A: least (50+50)/2 + balanced 100 = 150, B: 75 + 100 = 175 -> B; pod2
 * (1, 1024) then scores A: 75 + 100 = 175, B: (62+62)/2 + 100 = 162 -> A.
 * MostAllocated puts pod1 on A (50 + 100 against 25 + 100).  A pod asking
 * nothing gets the non-zero defaults in the fit score and no balanced
 * score: on A empty (100m of 4000m, 200 of 4096 MiB) (97 + 95)/2 = 96. */
static void
kube_placement(void)
{
	const char *nodes = "node,cpu,mem\nA,4,4096\nB,8,8192\n";
	const char *usage = "series,timestamp,cpu,mem\ns,0,0.5,100\ns,300,0.5,100\n";
	const char *pods = "arrival,pod,cpu_request,mem_request,series\n0,p1,2,2048,s\n0,p2,1,1024,s\n"
	    "600,p3,0,0,s\n";
	sp_placesim_input in;
	sp_placesim_opts o;
	sp_placesim *s;
	sp_placesim_metrics m;
	sp_error err;

	CHECK(load(&in, nodes, usage, pods, &err) == 0, "load: %s", err.msg);
	sp_placesim_defaults(&o);
	s = sp_placesim_new(&in, &o, NULL, &err);
	CHECK(s != NULL, "new: %s", err.msg);
	CHECK(sp_placesim_kube_score(s, &in.pod[0], 0) == 150 && sp_placesim_kube_score(s, &in.pod[0], 1) == 175,
	    "pod1 scores %lld %lld", (long long)sp_placesim_kube_score(s, &in.pod[0], 0),
	    (long long)sp_placesim_kube_score(s, &in.pod[0], 1));
	CHECK(sp_placesim_most_score(s, &in.pod[0], 0) == 150 && sp_placesim_most_score(s, &in.pod[0], 1) == 125,
	    "pod1 most scores");
	CHECK(sp_placesim_kube_score(s, &in.pod[2], 0) == 96, "best-effort pod: %lld",
	    (long long)sp_placesim_kube_score(s, &in.pod[2], 0));
	CHECK(sp_placesim_run(s, &err) == 0, "run: %s", err.msg);
	CHECK(sp_placesim_pod_first_node(s, 0) == 1 && sp_placesim_pod_first_node(s, 1) == 0, "kube: p1 on B, p2 on A");
	sp_placesim_get_metrics(s, &m);
	/* p1, p2 run steps 0, 1; p3 steps 2, 3 */
	CHECK(m.steps == 4 && m.pod_steps == 6 && m.availability == 1 && m.evictions == 0, "metrics steps %ld pod_steps %g",
	    m.steps, m.pod_steps);
	CHECK(m.nodes_used == 2 && m.unplaced == 0, "used %ld", m.nodes_used);
	/* utilisation: steps 0, 1: A 0.5/4, B 0.5/8; steps 2, 3: p3 on A (96 against B's 96: tie) */
	CHECK_CLOSE(m.cpu_max, 0.125, 1e-12, "cpu max");
	sp_placesim_free(s);
	o.policy = SP_PLACESIM_MOST;
	s = sp_placesim_new(&in, &o, NULL, &err);
	CHECK(sp_placesim_run(s, &err) == 0, "run most");
	CHECK(sp_placesim_pod_first_node(s, 0) == 0, "most: p1 on A");
	sp_placesim_free(s);
	sp_placesim_input_free(&in);
}

/* Two nodes of 2 cores; two pods request 0.5 cores and use 1.5.  kube
 * spreads them (no contention); MostAllocated packs them (3 > 2 cores:
 * both degraded every step). */
static void
contention(void)
{
	const char *nodes = "node,cpu,mem\nA,2,1024\nB,2,1024\n";
	const char *usage = "series,timestamp,cpu,mem\nbusy,0,1.5,10\nbusy,300,1.5,10\nbusy,600,1.5,10\n";
	const char *pods = "arrival,pod,cpu_request,mem_request,series\n0,p1,0.5,64,busy\n0,p2,0.5,64,busy\n";
	sp_placesim_input in;
	sp_placesim_opts o;
	sp_placesim *s;
	sp_placesim_metrics m;
	sp_error err;

	CHECK(load(&in, nodes, usage, pods, &err) == 0, "load: %s", err.msg);
	sp_placesim_defaults(&o);
	s = sp_placesim_new(&in, &o, NULL, &err);
	sp_placesim_run(s, &err);
	sp_placesim_get_metrics(s, &m);
	CHECK(m.steps == 3 && m.pod_steps == 6 && m.degraded == 0 && m.availability == 1, "kube spreads");
	CHECK_CLOSE(m.cpu_p50, 0.75, 1e-12, "p50");
	CHECK_CLOSE(m.imbalance, 0, 1e-12, "balanced");
	CHECK_CLOSE(m.hot_minutes, 0, 0, "not hot");
	sp_placesim_free(s);
	o.policy = SP_PLACESIM_MOST;
	s = sp_placesim_new(&in, &o, NULL, &err);
	sp_placesim_run(s, &err);
	sp_placesim_get_metrics(s, &m);
	CHECK(m.degraded == 6 && m.availability == 0 && m.nodes_used == 1, "most packs: degraded %g", m.degraded);
	CHECK_CLOSE(m.cpu_max, 1.5, 1e-12, "demand 3 on 2 cores");
	CHECK_CLOSE(m.hot_minutes, 15, 1e-12, "3 node-steps of 5 min above 85 %%");
	CHECK_CLOSE(m.imbalance, 0.75, 1e-12, "sd of 1.5 and 0");
	sp_placesim_free(s);
	sp_placesim_input_free(&in);
}

/* Memory: two nodes of 1024 MiB; pods use 600 MiB each on 100 MiB
 * requests.  MostAllocated puts p2 next to p1 (1200 > 1024): p2, the
 * newest, is evicted, placed there again next step, evicted again: 3
 * evictions in its 3 steps, each a pending pod-step. */
static void
eviction(void)
{
	const char *nodes = "node,cpu,mem\nA,4,1024\nB,4,1024\n";
	const char *usage = "series,timestamp,cpu,mem\nfat,0,0.1,600\nfat,300,0.1,600\nfat,600,0.1,600\n";
	const char *pods = "arrival,pod,cpu_request,mem_request,series\n0,p1,0.1,100,fat\n0,p2,0.1,100,fat\n";
	sp_placesim_input in;
	sp_placesim_opts o;
	sp_placesim *s;
	sp_placesim_metrics m;
	sp_error err;

	CHECK(load(&in, nodes, usage, pods, &err) == 0, "load: %s", err.msg);
	sp_placesim_defaults(&o);
	o.policy = SP_PLACESIM_MOST;
	s = sp_placesim_new(&in, &o, NULL, &err);
	sp_placesim_run(s, &err);
	sp_placesim_get_metrics(s, &m);
	CHECK(m.evictions == 3 && m.pending == 3 && m.pod_steps == 6 && m.placements == 4,
	    "evictions %ld pending %g pod_steps %g placements %ld", m.evictions, m.pending, m.pod_steps, m.placements);
	CHECK_CLOSE(m.availability, 0.5, 1e-12, "availability");
	sp_placesim_free(s);
	o.policy = SP_PLACESIM_KUBE;
	s = sp_placesim_new(&in, &o, NULL, &err);
	sp_placesim_run(s, &err);
	sp_placesim_get_metrics(s, &m);
	CHECK(m.evictions == 0 && m.availability == 1, "kube: no evictions");
	sp_placesim_free(s);
	sp_placesim_input_free(&in);
}

/* A pod nothing can hold never runs; a departure ends a pod early. */
static void
pending_and_departure(void)
{
	const char *nodes = "node,cpu,mem\nA,1,1024\n";
	const char *usage = "series,timestamp,cpu,mem\ns,0,0.1,10\ns,300,0.1,10\ns,600,0.1,10\ns,900,0.1,10\n";
	const char *pods = "arrival,pod,cpu_request,mem_request,series,departure\n0,small,0.5,10,s,600\n0,big,2,10,s,\n";
	sp_placesim_input in;
	sp_placesim_opts o;
	sp_placesim *s;
	sp_placesim_metrics m;
	sp_error err;

	CHECK(load(&in, nodes, usage, pods, &err) == 0, "load: %s", err.msg);
	sp_placesim_defaults(&o);
	s = sp_placesim_new(&in, &o, NULL, &err);
	sp_placesim_run(s, &err);
	sp_placesim_get_metrics(s, &m);
	/* small runs steps 0, 1 (leaves at 600); big waits at steps 0, 1, 2,
	 * when the cluster is empty with nothing to come: stop */
	CHECK(m.steps == 3 && m.pod_steps == 5 && m.pending == 3 && m.unplaced == 1, "steps %ld pod_steps %g unplaced %ld",
	    m.steps, m.pod_steps, m.unplaced);
	CHECK_CLOSE(m.availability, 0.4, 1e-12, "availability");
	sp_placesim_free(s);
	sp_placesim_input_free(&in);
}

static void
bad_input(void)
{
	sp_placesim_input in;
	sp_error err;

	CHECK(load(&in, "node,cpu\nA,1\n", "", "", &err) < 0 && strstr(err.msg, "no column 'mem'"), "no mem: %s", err.msg);
	sp_placesim_input_free(&in);
	CHECK(load(&in, "node,cpu,mem\nA,0,1\n", "", "", &err) < 0 &&
	    !strcmp(err.msg, "nodes.csv: row 1, column cpu: capacity must be positive"), "zero cpu: %s", err.msg);
	sp_placesim_input_free(&in);
	CHECK(load(&in, "node,cpu,mem\nA,1,1\n", "series,timestamp,cpu,mem\ns,0,1,1\ns,0,1,1\n", "", &err) < 0 &&
	    !strcmp(err.msg, "usage.csv: row 2, column timestamp: series 's': time not after the previous row's"),
	    "time order: %s", err.msg);
	sp_placesim_input_free(&in);
	CHECK(load(&in, "node,cpu,mem\nA,1,1\n", "series,timestamp,cpu,mem\ns,0,1,1\nt,0,1,1\ns,300,1,1\n", "", &err) < 0 &&
	    strstr(err.msg, "series 's' in two runs of rows"), "split series: %s", err.msg);
	sp_placesim_input_free(&in);
	CHECK(load(&in, "node,cpu,mem\nA,1,1\n", "series,timestamp,cpu,mem\ns,0,-1,1\n", "", &err) < 0 &&
	    !strcmp(err.msg, "usage.csv: row 1, column cpu: negative value -1"), "negative: %s", err.msg);
	sp_placesim_input_free(&in);
	CHECK(load(&in, "node,cpu,mem\nA,1,1\n", "series,timestamp,cpu,mem\ns,0,1,1\n",
	    "arrival,pod,cpu_request,mem_request,series\n0,p,1,1,x\n", &err) < 0 &&
	    !strcmp(err.msg, "pods.csv: row 1, column series: no usage series 'x'"), "unknown series: %s", err.msg);
	sp_placesim_input_free(&in);
	CHECK(load(&in, "node,cpu,mem\nA,1,1\n", "series,timestamp,cpu,mem\ns,0,1,1\n",
	    "arrival,pod,cpu_request,mem_request,series\n10,p,1,1,s\n5,q,1,1,s\n", &err) < 0 &&
	    !strcmp(err.msg, "pods.csv: row 2, column arrival: arrival before the previous row's"), "order: %s", err.msg);
	sp_placesim_input_free(&in);
}

int
main(void)
{
	scores();
	kube_placement();
	contention();
	eviction();
	pending_and_departure();
	bad_input();
	return check_summary();
}
