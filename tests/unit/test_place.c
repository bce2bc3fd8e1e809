/* test_place: the features and scores worked by hand, the model file round
 * trip, and the DQN learning a toy case: one node is kept busy by a hog that
 * requests almost nothing, and light pods placed next to it are degraded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_place.h"

static void
features(void)
{
	sp_placesim_node n[2];
	double f[SP_PLACE_NFEAT], pred[2], dqn[2], anom[2], score[2];
	double want[SP_PLACE_NFEAT] = { 0.5, 0.375, 0.5, 0.25, 0.625, 0.375, 0.5, 0.5, 0.25, 0.125, 0, 0.125 };
	sp_error err;
	sp_place *p = sp_place_new(8, 1, &err);
	int best;

	CHECK(p != NULL, "new: %s", err.msg);
	memset(n, 0, sizeof n);
	n[0].cpu_cap = n[1].cpu_cap = 4, n[0].mem_cap = n[1].mem_cap = 4096;
	n[0].cpu_req = 1, n[0].mem_req = 1024;
	n[0].cpu_hist[0] = 0.5, n[0].cpu_hist[1] = 0.25, n[0].mem_hist[0] = 0.25;
	n[0].npods = 2;
	/* pod (1 core, 512 MiB), usage/request ratios 0.5 and 1:
	 * requests (1+1)/4, (1024+512)/4096; last 0.5, 0.25; predicted CPU
	 * max(0.5, 0.75/12) + 1 * 0.5 / 4 = 0.625, memory 0.25 + 512/4096;
	 * peak 0.5; no forest 0.5; pod 1/4, 512/4096; not contended; 2/16 */
	sp_place_features(p, &n[0], 1, 512, 0.5, 1, f);
	CHECK_ARRAY_CLOSE(f, want, SP_PLACE_NFEAT, 1e-15, "features");
	/* one candidate: pred 100 (1 - 0.625) = 37.5, dqn 50, anom 50:
	 * (30 * 37.5 + 40 * 50 + 30 * 50) / 100 = 46.25 */
	best = sp_place_score(p, n, 1, 1, 512, 0.5, 1, pred, dqn, anom, score, &err);
	CHECK(best == 0, "one candidate");
	CHECK_CLOSE(pred[0], 37.5, 1e-12, "pred");
	CHECK(dqn[0] == 50 && anom[0] == 50, "dqn %g anom %g", dqn[0], anom[0]);
	CHECK_CLOSE(score[0], 46.25, 1e-12, "combined");
	/* the empty node predicts 0.125 and 0.125: pred 87.5; with the
	 * prediction alone it wins; dqn scores are 0 and 100 */
	CHECK(sp_place_set_weights(p, 1, 0, 0, SP_PLACE_COMBINED, &err) == 0, "weights");
	best = sp_place_score(p, n, 2, 1, 512, 0.5, 1, pred, dqn, anom, score, &err);
	CHECK(best == 1 && pred[1] == 87.5 && score[1] == 87.5, "prediction alone: best %d pred %g", best, pred[1]);
	CHECK((dqn[0] == 0 && dqn[1] == 100) || (dqn[0] == 100 && dqn[1] == 0), "dqn min-max");
	CHECK(sp_place_set_weights(p, 0, 0, 0, SP_PLACE_COMBINED, &err) < 0, "all-zero weights refused");
	sp_place_free(p);
}

static int
load(sp_placesim_input *in)
{
	static char usage[4096], pods[4096];
	const char *nodes = "node,cpu,mem\nA,4,4096\nB,4,4096\n";
	size_t u = 0, q = 0;
	sp_error err;
	FILE *f;
	int rc;

	u += (size_t)snprintf(usage + u, sizeof usage - u, "series,timestamp,cpu,mem\n");
	for (int k = 0; k < 60; k++)
		u += (size_t)snprintf(usage + u, sizeof usage - u, "hog,%d,3.8,100\n", k * 300);
	for (int k = 0; k < 3; k++)
		u += (size_t)snprintf(usage + u, sizeof usage - u, "light,%d,0.5,100\n", k * 300);
	q += (size_t)snprintf(pods + q, sizeof pods - q, "arrival,pod,cpu_request,mem_request,series\n0,hog,0.1,128,hog\n");
	for (int k = 1; k < 40; k++)
		q += (size_t)snprintf(pods + q, sizeof pods - q, "%d,l%02d,0.1,128,light\n", k * 300, k);
	memset(in, 0, sizeof *in);
	f = fmemopen((void *)nodes, strlen(nodes), "r");
	rc = sp_placesim_read_nodes(in, f, "-", &err);
	fclose(f);
	f = fmemopen(usage, u, "r");
	rc |= sp_placesim_read_usage(in, f, "-", &err);
	fclose(f);
	f = fmemopen(pods, q, "r");
	rc |= sp_placesim_read_pods(in, f, "-", &err);
	fclose(f);
	return rc;
}

static double
availability(const sp_placesim_input *in, int policy, sp_place *p)
{
	sp_placesim_opts o;
	sp_placesim_policy pol;
	sp_placesim_metrics m;
	sp_placesim *s;
	sp_error err;

	sp_placesim_defaults(&o);
	o.policy = policy;
	if (p)
		sp_place_policy(p, &pol);
	s = sp_placesim_new(in, &o, p ? &pol : NULL, &err);
	if (!s || sp_placesim_run(s, &err) < 0)
		return -1;
	sp_placesim_get_metrics(s, &m);
	sp_placesim_free(s);
	return m.availability;
}

static void
toy(void)
{
	sp_placesim_input in;
	sp_place_opts o;
	sp_place *p, *q, *u;
	sp_error err;
	char path[] = "/tmp/test_place_XXXXXX";
	int fd;

	CHECK(load(&in) == 0, "toy input");
	/* kube spreads the light pods by requests: about half land next to
	 * the hog (78 of 177 pod-steps degraded) */
	CHECK_CLOSE(availability(&in, SP_PLACESIM_KUBE, NULL), 99.0 / 177, 1e-12, "kube");
	sp_place_defaults(&o);
	o.episodes = 1;
	o.batch = 16;
	o.horizon = 3;
	o.trees = 0;
	o.mode = SP_PLACE_DQN;
	/* untrained (seed 1), the network happens to prefer the hog's node */
	u = sp_place_new(o.hidden, o.seed, &err);
	sp_place_set_weights(u, 30, 40, 30, SP_PLACE_DQN, &err);
	CHECK(availability(&in, SP_PLACESIM_CUSTOM, u) < 0.2, "untrained: %g", availability(&in, SP_PLACESIM_CUSTOM, u));
	/* one episode of random placements, Q-learning from the 16th: the
	 * greedy policy keeps every light pod off the hog's node */
	p = sp_place_train(&in, NULL, &o, NULL, NULL, &err);
	CHECK(p != NULL, "train: %s", err.msg);
	CHECK(availability(&in, SP_PLACESIM_CUSTOM, p) == 1, "trained: %g", availability(&in, SP_PLACESIM_CUSTOM, p));
	/* model file round trip */
	fd = mkstemp(path);
	close(fd);
	CHECK(sp_place_save(p, path, "test", &err) == 0, "save: %s", err.msg);
	q = sp_place_load(path, &err);
	CHECK(q != NULL, "load: %s", err.msg);
	if (q) {
		sp_placesim_node n[2];
		double a[2], b[2];
		memset(n, 0, sizeof n);
		n[0].cpu_cap = n[1].cpu_cap = 4, n[0].mem_cap = n[1].mem_cap = 4096;
		n[0].cpu_hist[0] = 0.95, n[1].cpu_hist[0] = 0.2;
		CHECK(sp_place_score(p, n, 2, 0.1, 128, 1, 1, NULL, NULL, NULL, a, &err) == 1, "avoids the busy node");
		sp_place_score(q, n, 2, 0.1, 128, 1, 1, NULL, NULL, NULL, b, &err);
		CHECK(a[0] == b[0] && a[1] == b[1], "same scores after load");
	}
	unlink(path);
	sp_place_free(q);
	sp_place_free(p);
	sp_place_free(u);
	sp_placesim_input_free(&in);
}

int
main(void)
{
	features();
	toy();
	return check_summary();
}
