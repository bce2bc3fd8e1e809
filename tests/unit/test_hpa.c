/* test_hpa: the HPA replica calculator and normalisation against the cases
 * of the Kubernetes controller's own unit tests
 * (pkg/controller/podautoscaler/replica_calculator_test.go, horizontal_test.go;
 * the behavior-limit cases as ported in karmada's FederatedHPA tests).  Each
 * row names the Go test it follows; the expected numbers are theirs. */
#include "check.h"
#include "sp_hpa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { R = SP_HPA_POD_READY, U = SP_HPA_POD_UNREADY, P = SP_HPA_POD_PENDING, X = SP_HPA_POD_IGNORED };

typedef struct {
	const char *name;
	sp_hpa_metric_type type;
	int cpu;
	int current, npods;
	int state[8];            /* 0 = ready */
	int nlevels;             /* pods 0..nlevels-1 have metrics */
	long long levels[8];
	long long requests[8];   /* 0 = 1000m */
	long long target;
	long long value;         /* Object/External */
	int want, want_usage;
	int want_error;
} rc_case;

static const rc_case rc_cases[] = {
	{ "TestReplicaCalcScaleUp", SP_HPA_UTILIZATION, 1, 3, 3, {0}, 3, {300, 500, 700}, {0}, 30, 0, 5, 50, 0 },
	{ "TestReplicaCalcScaleUpUnreadyLessScale", SP_HPA_UTILIZATION, 1, 3, 3, {U, R, R}, 3, {300, 500, 700}, {0}, 30, 0, 4, 60, 0 },
	{ "TestReplicaCalcScaleUpHotCpuLessScale", SP_HPA_UTILIZATION, 1, 3, 3, {U, R, R}, 3, {300, 500, 700}, {0}, 30, 0, 4, 60, 0 },
	{ "TestReplicaCalcScaleUpUnreadyNoScale", SP_HPA_UTILIZATION, 1, 3, 3, {R, U, U}, 3, {400, 500, 700}, {0}, 30, 0, 3, 40, 0 },
	{ "TestReplicaCalcScaleUpIgnoresFailedPods", SP_HPA_UTILIZATION, 1, 2, 4, {R, R, X, X}, 2, {500, 700}, {0}, 30, 0, 4, 60, 0 },
	{ "TestReplicaCalcScaleUpIgnoresDeletionPods", SP_HPA_UTILIZATION, 1, 2, 4, {R, R, X, X}, 2, {500, 700}, {0}, 30, 0, 4, 60, 0 },
	{ "TestReplicaCalcScaleUpCM", SP_HPA_PODS, 0, 3, 3, {0}, 3, {20000, 10000, 30000}, {0}, 15000, 0, 4, 20000, 0 },
	{ "TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale", SP_HPA_PODS, 0, 3, 3, {R, R, U}, 3, {50000, 10000, 30000}, {0}, 15000, 0, 6, 30000, 0 },
	{ "TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown", SP_HPA_PODS, 0, 3, 3, {U, R, U}, 3, {50000, 15000, 30000}, {0}, 15000, 0, 7, 31666, 0 },
	{ "TestReplicaCalcScaleUpCMObject", SP_HPA_OBJECT_VALUE, 0, 3, 3, {0}, 0, {0}, {0}, 15000, 20000, 4, 20000, 0 },
	{ "TestReplicaCalcScaleUpCMPerPodObject", SP_HPA_OBJECT_AVERAGE, 0, 3, 3, {0}, 0, {0}, {0}, 5000, 20000, 4, 6667, 0 },
	{ "TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods", SP_HPA_OBJECT_VALUE, 0, 3, 3, {U, R, U}, 0, {0}, {0}, 10000, 50000, 5, 50000, 0 },
	{ "TestReplicaCalcScaleUpCMExternal", SP_HPA_OBJECT_VALUE, 0, 1, 1, {0}, 0, {0}, {0}, 4400, 8600, 2, 8600, 0 },
	{ "TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods", SP_HPA_OBJECT_VALUE, 0, 3, 3, {U, R, U}, 0, {0}, {0}, 4400, 8600, 2, 8600, 0 },
	{ "TestReplicaCalcScaleUpPerPodCMExternal", SP_HPA_OBJECT_AVERAGE, 0, 3, 3, {0}, 0, {0}, {0}, 2150, 8600, 4, 2867, 0 },
	{ "TestReplicaCalcScaleDown", SP_HPA_UTILIZATION, 1, 5, 5, {0}, 5, {100, 300, 500, 250, 250}, {0}, 50, 0, 3, 28, 0 },
	{ "TestReplicaCalcScaleDownCM", SP_HPA_PODS, 0, 5, 5, {0}, 5, {12000, 12000, 12000, 12000, 12000}, {0}, 20000, 0, 3, 12000, 0 },
	{ "TestReplicaCalcScaleDownPerPodCMObject", SP_HPA_OBJECT_AVERAGE, 0, 5, 5, {0}, 0, {0}, {0}, 2000, 6000, 3, 1200, 0 },
	{ "TestReplicaCalcScaleDownCMObject", SP_HPA_OBJECT_VALUE, 0, 5, 5, {0}, 0, {0}, {0}, 20000, 12000, 3, 12000, 0 },
	{ "TestReplicaCalcScaleDownCMExternal", SP_HPA_OBJECT_VALUE, 0, 5, 5, {0}, 0, {0}, {0}, 14334, 8600, 3, 8600, 0 },
	{ "TestReplicaCalcScaleDownPerPodCMExternal", SP_HPA_OBJECT_AVERAGE, 0, 5, 5, {0}, 0, {0}, {0}, 2867, 8600, 3, 1720, 0 },
	{ "TestReplicaCalcScaleDownIncludeUnreadyPods", SP_HPA_UTILIZATION, 1, 5, 5, {R, R, R, U, U}, 5, {100, 300, 500, 250, 250}, {0}, 50, 0, 2, 30, 0 },
	{ "TestReplicaCalcScaleDownExcludeUnscheduledPods", SP_HPA_UTILIZATION, 1, 5, 5, {R, P, P, P, P}, 1, {100}, {0}, 50, 0, 1, 10, 0 },
	{ "TestReplicaCalcScaleDownIgnoreHotCpuPods", SP_HPA_UTILIZATION, 1, 5, 5, {R, R, R, U, U}, 5, {100, 300, 500, 250, 250}, {0}, 50, 0, 2, 30, 0 },
	{ "TestReplicaCalcScaleDownIgnoresFailedPods", SP_HPA_UTILIZATION, 1, 5, 7, {R, R, R, R, R, X, X}, 5, {100, 300, 500, 250, 250}, {0}, 50, 0, 3, 28, 0 },
	{ "TestReplicaCalcTolerance", SP_HPA_UTILIZATION, 1, 3, 3, {0}, 3, {1010, 1030, 1020}, {900, 1000, 1100}, 100, 0, 3, 102, 0 },
	{ "TestReplicaCalcToleranceCM", SP_HPA_PODS, 0, 3, 3, {0}, 3, {20000, 21000, 21000}, {0}, 20000, 0, 3, 20666, 0 },
	{ "TestReplicaCalcToleranceCMObject", SP_HPA_OBJECT_VALUE, 0, 3, 3, {0}, 0, {0}, {0}, 20000, 20666, 3, 20666, 0 },
	{ "TestReplicaCalcTolerancePerPodCMObject", SP_HPA_OBJECT_AVERAGE, 0, 4, 4, {0}, 0, {0}, {0}, 5000, 20166, 4, 5042, 0 },
	{ "TestReplicaCalcToleranceCMExternal", SP_HPA_OBJECT_VALUE, 0, 3, 3, {0}, 0, {0}, {0}, 8888, 8600, 3, 8600, 0 },
	{ "TestReplicaCalcTolerancePerPodCMExternal", SP_HPA_OBJECT_AVERAGE, 0, 3, 3, {0}, 0, {0}, {0}, 2900, 8600, 3, 2867, 0 },
	{ "TestReplicaCalcMissingMetrics", SP_HPA_UTILIZATION, 1, 4, 4, {0}, 2, {400, 95}, {0}, 100, 0, 3, 24, 0 },
	{ "TestReplicaCalcEmptyMetrics", SP_HPA_UTILIZATION, 1, 4, 3, {0}, 0, {0}, {0}, 100, 0, 0, 0, 1 },
	{ "TestReplicaCalcEmptyCPURequest", SP_HPA_UTILIZATION, 1, 1, 1, {0}, 1, {200}, {-1}, 100, 0, 0, 0, 1 },
	{ "TestReplicaCalcMissingMetricsNoChangeEq", SP_HPA_UTILIZATION, 1, 2, 2, {0}, 1, {1000}, {0}, 100, 0, 2, 100, 0 },
	{ "TestReplicaCalcMissingMetricsNoChangeGt", SP_HPA_UTILIZATION, 1, 2, 2, {0}, 1, {1900}, {0}, 100, 0, 2, 190, 0 },
	{ "TestReplicaCalcMissingMetricsNoChangeLt", SP_HPA_UTILIZATION, 1, 2, 2, {0}, 1, {600}, {0}, 100, 0, 2, 60, 0 },
	{ "TestReplicaCalcMissingMetricsUnreadyChange", SP_HPA_UTILIZATION, 1, 3, 3, {U, R, R}, 2, {100, 450}, {0}, 50, 0, 3, 45, 0 },
	{ "TestReplicaCalcMissingMetricsHotCpuNoChange", SP_HPA_UTILIZATION, 1, 3, 3, {U, R, R}, 2, {100, 450}, {0}, 50, 0, 3, 45, 0 },
	{ "TestReplicaCalcMissingMetricsUnreadyScaleUp", SP_HPA_UTILIZATION, 1, 3, 3, {U, R, R}, 2, {100, 2000}, {0}, 50, 0, 4, 200, 0 },
	{ "TestReplicaCalcMissingMetricsUnreadyScaleDown", SP_HPA_UTILIZATION, 1, 4, 4, {U, R, R, R}, 3, {100, 100, 100}, {0}, 50, 0, 3, 10, 0 },
	{ "TestReplicaCalcDuringRollingUpdateWithMaxSurge", SP_HPA_UTILIZATION, 1, 2, 3, {0}, 2, {100, 100}, {0}, 50, 0, 2, 10, 0 },
};

static void
run_rc(void)
{
	size_t k;

	for (k = 0; k < sizeof rc_cases / sizeof rc_cases[0]; k++) {
		const rc_case *c = &rc_cases[k];
		sp_hpa_pod pods[16];
		sp_hpa_metric m = { c->type, c->cpu, c->target, 0.1, 0.1 };
		sp_error err;
		long long usage = -1;
		int i, out = -1, rc, n = c->npods;

		for (i = 0; i < n; i++) {
			pods[i].state = c->state[i];
			pods[i].has_metric = i < c->nlevels;
			pods[i].value = i < c->nlevels ? c->levels[i] : 0;
			pods[i].request = c->requests[i] < 0 ? 0 : c->requests[i] ? c->requests[i] : 1000;
		}
		rc = sp_hpa_metric_replicas(&m, c->current, pods, (size_t)n, c->value, c->current, &out, &usage, &err);
		if (c->want_error) {
			CHECK(rc < 0, "%s: expected an error", c->name);
			continue;
		}
		CHECK(rc == 0, "%s: error %s", c->name, err.msg);
		CHECK(out == c->want, "%s: replicas %d, want %d", c->name, out, c->want);
		CHECK(usage == c->want_usage, "%s: usage %lld, want %d", c->name, usage, c->want_usage);
	}
}

/* The ComputedTolerance case has 10 pods; the table holds 8 requests and
 * levels, the test fills the rest here (requests 300 and 300). */
static void
run_tolerance_alg(void)
{
	sp_hpa_pod pods[10];
	long long req[10] = { 400, 200, 310, 290, 302, 298, 301, 299, 300, 300 };
	sp_hpa_metric m = { SP_HPA_UTILIZATION, 1, 56, 0.1, 0.1 };
	int i, out;
	long long usage;

	for (i = 0; i < 10; i++)
		pods[i] = (sp_hpa_pod){ R, 1, 150, req[i] };
	CHECK(sp_hpa_metric_replicas(&m, 10, pods, 10, 0, 10, &out, &usage, NULL) == 0 && out == 9,
	    "ComputedTolerance: scale to %d, want 9", out);
	CHECK(usage == 50, "ComputedTolerance: utilisation %lld", usage);
	m.target = 55;  /* int32((1/(2*0.9) + .004) * 100) */
	CHECK(sp_hpa_metric_replicas(&m, 10, pods, 10, 0, 10, &out, &usage, NULL) == 0 && out == 10,
	    "ComputedTolerance: within tolerance gave %d, want 10", out);
	/* per-direction tolerance (KEP-4951): 0.85 is outside a 0.1 down-tolerance
	 * but inside 0.2 */
	for (i = 0; i < 10; i++)
		pods[i] = (sp_hpa_pod){ R, 1, 425, 1000 };
	m.target = 50;
	m.tol_down = 0.2;
	CHECK(sp_hpa_metric_replicas(&m, 10, pods, 10, 0, 10, &out, &usage, NULL) == 0 && out == 10,
	    "tolerance down 0.2: %d", out);
	m.tol_down = 0.1;
	CHECK(sp_hpa_metric_replicas(&m, 10, pods, 10, 0, 10, &out, &usage, NULL) == 0 && out == 9,
	    "tolerance down 0.1: %d", out);
}

/* Scale limits with behavior rules: calculateScaleUpLimitWithScalingRules
 * and calculateScaleDownLimitWithBehaviors cases. */
typedef struct {
	const char *name;
	int current;
	double up_ago, down_ago;  /* < 0: none */
	int up_change, down_change;
	int select;
	int npol;
	sp_hpa_policy pol[2];
	int want;
} lim_case;

static void
run_limits(void)
{
	static const lim_case up[] = {
		{ "up: No previous events", 5, -1, -1, 0, 0, SP_HPA_SELECT_MAX, 1, {{ SP_HPA_POLICY_PODS, 4, 60 }}, 9 },
		{ "up: With previous scale up event", 5, 30, -1, 2, 0, SP_HPA_SELECT_MAX, 1, {{ SP_HPA_POLICY_PODS, 4, 60 }}, 7 },
		{ "up: Disabled policy", 5, -1, -1, 0, 0, SP_HPA_SELECT_DISABLED, 1, {{ SP_HPA_POLICY_PODS, 4, 60 }}, 5 },
		{ "up: MinChange policy", 5, -1, -1, 0, 0, SP_HPA_SELECT_MIN, 2, {{ SP_HPA_POLICY_PODS, 4, 60 }, { SP_HPA_POLICY_PODS, 2, 60 }}, 7 },
		{ "up: Percent scaling policy", 10, -1, -1, 0, 0, SP_HPA_SELECT_MAX, 1, {{ SP_HPA_POLICY_PERCENT, 50, 60 }}, 15 },
		{ "up: event outside the period", 5, 90, -1, 2, 0, SP_HPA_SELECT_MAX, 1, {{ SP_HPA_POLICY_PODS, 4, 60 }}, 9 },
	};
	static const lim_case down[] = {
		{ "down: No previous events", 10, -1, -1, 0, 0, SP_HPA_SELECT_MAX, 1, {{ SP_HPA_POLICY_PERCENT, 20, 60 }}, 8 },
		{ "down: With previous scale down event", 10, -1, 30, 0, 1, SP_HPA_SELECT_MAX, 1, {{ SP_HPA_POLICY_PERCENT, 20, 60 }}, 8 },
		{ "down: Multiple policies", 100, -1, -1, 0, 0, SP_HPA_SELECT_MAX, 2, {{ SP_HPA_POLICY_PERCENT, 10, 60 }, { SP_HPA_POLICY_PODS, 5, 60 }}, 90 },
		{ "down: Disabled policy", 10, -1, -1, 0, 0, SP_HPA_SELECT_DISABLED, 1, {{ SP_HPA_POLICY_PERCENT, 20, 60 }}, 10 },
		{ "down: MinChange policy", 100, -1, -1, 0, 0, SP_HPA_SELECT_MIN, 2, {{ SP_HPA_POLICY_PERCENT, 10, 60 }, { SP_HPA_POLICY_PODS, 15, 60 }}, 90 },
	};
	size_t k;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		const lim_case *t = dir ? down : up;
		size_t n = dir ? sizeof down / sizeof down[0] : sizeof up / sizeof up[0];
		for (k = 0; k < n; k++) {
			sp_hpa_config c;
			sp_hpa *h;
			sp_hpa_rules *r;
			int got, i;
			double now = 1000;

			sp_hpa_defaults(&c);
			c.behavior = 1;
			c.max = 1000;
			r = dir ? &c.down : &c.up;
			r->select = t[k].select;
			r->npolicies = t[k].npol;
			for (i = 0; i < t[k].npol; i++)
				r->policies[i] = t[k].pol[i];
			h = sp_hpa_new(&c, NULL);
			if (t[k].up_ago >= 0)
				sp_hpa_record_event(h, now - t[k].up_ago, 0, t[k].up_change);
			if (t[k].down_ago >= 0)
				sp_hpa_record_event(h, now - t[k].down_ago, t[k].down_change, 0);
			got = dir ? sp_hpa_scale_down_limit(h, now, t[k].current)
			    : sp_hpa_scale_up_limit(h, now, t[k].current);
			CHECK(got == t[k].want, "%s: %d, want %d", t[k].name, got, t[k].want);
			sp_hpa_free(h);
		}
	}
}

/* Whole reconciles: a sequence of (time, current, proposal) and the
 * expected (desired, reason). */
typedef struct {
	double t;
	int current, proposal;
	int want;
	const char *reason;
} step;

static void
run_steps(const char *name, const sp_hpa_config *c, const step *s, size_t n)
{
	sp_hpa *h = sp_hpa_new(c, NULL);
	size_t i;

	CHECK(h != NULL, "%s: config rejected", name);
	if (!h)
		return;
	for (i = 0; i < n; i++) {
		int d = -1;
		const char *r = "";
		sp_hpa_step(h, s[i].t, s[i].current, s[i].proposal, 0, &d, &r);
		CHECK(d == s[i].want, "%s step %zu: desired %d, want %d", name, i, d, s[i].want);
		CHECK_STR(r, s[i].reason, name);
	}
	sp_hpa_free(h);
}

static void
run_controller(void)
{
	sp_hpa_config c;
	sp_error err;

	/* TestUpscaleCap (the controller tests set scaleUpLimitFactor 8):
	 * 3 replicas at 200 % of a 10 % target want 60, capped at 24. */
	sp_hpa_defaults(&c);
	c.max = 100;
	c.up_factor = 8;
	{ static const step s[] = { { 0, 3, 60, 24, "ScaleUpLimit" } }; run_steps("TestUpscaleCap", &c, s, 1); }
	/* TestUpscaleCapGreaterThanMaxReplicas: max 20 < 24 */
	c.max = 20;
	{ static const step s[] = { { 0, 3, 60, 20, "TooManyReplicas" } }; run_steps("TestUpscaleCapGreaterThanMaxReplicas", &c, s, 1); }
	/* legacy cap with the real constants: max(2 * current, 4) */
	sp_hpa_defaults(&c);
	c.max = 100;
	{ static const step s[] = { { 0, 1, 50, 4, "ScaleUpLimit" }, { 15, 4, 50, 8, "ScaleUpLimit" },
	    { 30, 8, 50, 16, "ScaleUpLimit" } }; run_steps("legacy scale-up cap", &c, s, 3); }
	/* legacy stabilisation: the first sync records current (5), so a
	 * scale-down is held for 300 s; the max over the window applies. */
	{ static const step s[] = {
	    { 0, 5, 2, 5, "ScaleDownStabilized" },
	    { 60, 5, 3, 5, "ScaleDownStabilized" },
	    { 299, 5, 2, 5, "ScaleDownStabilized" },
	    { 301, 5, 2, 3, "ScaleDownStabilized" },   /* t=0 sample (5) and t=0 (2) old; 3 at 60 still in */
	    { 400, 3, 2, 2, "DesiredWithinRange" } };
	  run_steps("legacy downscale stabilisation", &c, s, 5); }
	/* a recommendation made again at its time replaces the one made then:
	 * 8 at 100 then 2 at 100 again holds at the 4s of 0, not at 8 */
	{ static const step s[] = {
	    { 0, 4, 4, 4, "DesiredWithinRange" },
	    { 100, 4, 8, 8, "DesiredWithinRange" },
	    { 100, 4, 2, 4, "ScaleDownStabilized" },
	    { 200, 4, 2, 4, "ScaleDownStabilized" },
	    { 301, 4, 2, 2, "DesiredWithinRange" } };   /* 0's left; 2 at 100 and 200 */
	  run_steps("legacy, decided again at a time", &c, s, 5); }
	/* guards (scalepipe-hpa(7)) */
	c.min = 2;
	c.max = 6;
	{ static const step s[] = { { 0, 0, 5, 0, "ScalingDisabled" }, { 15, 9, 5, 6, "TooManyReplicas" },
	    { 30, 1, 5, 2, "TooFewReplicas" } }; run_steps("guards", &c, s, 3); }
	{ static const step s[] = { { 0, 4, 1, 4, "ScaleDownStabilized" }, { 400, 4, 1, 2, "TooFewReplicas" } };
	  run_steps("legacy min clamp", &c, s, 2); }
	/* behavior defaults: scale-up Max(Pods 4, Percent 100) per 15 s, scale-down
	 * window 300 s then Percent 100. */
	sp_hpa_defaults(&c);
	c.behavior = 1;
	c.max = 100;
	{ static const step s[] = {
	    { 0, 2, 40, 6, "ScaleUpLimit" },        /* max(2+4, 2*2) */
	    { 5, 6, 40, 6, "ScaleUpLimit" },        /* period start 2: limit 6 */
	    { 16, 6, 40, 12, "ScaleUpLimit" },      /* event at 0 left the 15 s period */
	    { 31, 12, 40, 24, "ScaleUpLimit" },
	    { 46, 24, 30, 30, "DesiredWithinRange" },
	    { 60, 30, 10, 30, "ScaleDownStabilized" },
	    { 345, 30, 10, 30, "ScaleDownStabilized" }, /* 30 recommended at 46 */
	    { 400, 30, 10, 10, "DesiredWithinRange" } };
	  run_steps("behavior defaults", &c, s, 8); }
	/* a decision made again at its time replaces that time's scale event:
	 * the limit at 0 again is 6 (max(2 + 4, 2 x 2)), not 2 for the +4
	 * counted twice, and at 5 the 15-s period holds one event */
	{ static const step s[] = {
	    { 0, 2, 40, 6, "ScaleUpLimit" },
	    { 0, 2, 40, 6, "ScaleUpLimit" },
	    { 5, 6, 40, 6, "ScaleUpLimit" } };
	  run_steps("behavior, decided again at a time", &c, s, 3); }
	/* ... and its recommendation, but not the count the HPA was first
	 * seen with: 10 pods seen at 0 hold a scale-down to 2 decided then,
	 * and decided again then */
	{ static const step s[] = {
	    { 0, 10, 2, 10, "ScaleDownStabilized" },
	    { 0, 10, 2, 10, "ScaleDownStabilized" } };
	  run_steps("behavior, decided again when first seen", &c, s, 2); }
	/* behavior: scale-up stabilisation window 60 s takes the min */
	c.up.window = 60;
	c.down.window = 0;
	{ static const step s[] = {
	    { 0, 4, 4, 4, "DesiredWithinRange" },
	    { 10, 4, 8, 4, "ScaleUpStabilized" },
	    { 20, 4, 9, 4, "ScaleUpStabilized" },
	    { 61, 4, 9, 8, "ScaleUpStabilized" },   /* samples after 1: 8, 9, 9 */
	    { 71, 8, 3, 3, "DesiredWithinRange" } };
	  run_steps("behavior scale-up window", &c, s, 5); }
	/* behavior: scale-down Pods 1 per 60 s, Disabled scale-up */
	sp_hpa_defaults(&c);
	c.behavior = 1;
	c.down.window = 0;
	c.down.npolicies = 1;
	c.down.policies[0] = (sp_hpa_policy){ SP_HPA_POLICY_PODS, 1, 60 };
	c.up.select = SP_HPA_SELECT_DISABLED;
	{ static const step s[] = {
	    { 0, 8, 2, 7, "ScaleDownLimit" },
	    { 30, 7, 2, 7, "ScaleDownLimit" },
	    { 61, 7, 2, 6, "ScaleDownLimit" },
	    { 90, 6, 9, 6, "ScaleUpLimit" } };
	  run_steps("behavior Pods scale-down, Disabled scale-up", &c, s, 4); }
	/* config errors */
	sp_hpa_defaults(&c);
	c.min = 5;
	c.max = 3;
	CHECK(sp_hpa_new(&c, &err) == NULL && err.code == SP_EUSAGE, "min > max accepted");
	CHECK(strstr(err.msg, "min (5)") != NULL, "min > max message: %s", err.msg);
	sp_hpa_defaults(&c);
	c.behavior = 1;
	c.up.policies[0].period = 0;
	CHECK(sp_hpa_new(&c, &err) == NULL, "period 0 accepted");
}


/* TestGroupPods of replica_calculator_test.go (groupPods with the test's
 * 2 min CPU initialisation period and 10 s readiness delay), case by case.
 * Whether a pod without a metric is "missing" is sp_hpa_calc's precedence
 * (pending and ignored first, then missing, then CPU readiness); cat()
 * follows it. */
enum { G_READY, G_UNREADY, G_MISSING, G_IGNORED };
#define ZERO (-62135596800.0)   /* Go's zero time.Time in Unix seconds */

static int
cat(const sp_hpa_pod_status *s, int has_metric, int cpu, double now)
{
	int st = sp_hpa_pod_group(s, now, cpu, 120, 10);

	if (st == SP_HPA_POD_IGNORED)
		return G_IGNORED;
	if (st == SP_HPA_POD_PENDING)
		return G_UNREADY;
	if (!has_metric)
		return G_MISSING;
	return st == SP_HPA_POD_UNREADY ? G_UNREADY : G_READY;
}

static void
run_group_pods(void)
{
	const double now = 1e9, nan = NAN;
	static const struct {
		const char *name;
		int phase, deleting, ready;
		double start, since, mtime, window;   /* offsets from now; nan start: none */
		int zero_mtime, has_metric, cpu, want;
	} g[] = {
		{ "count in a ready pod - memory", SP_HPA_PHASE_SUCCEEDED, 0, -1, NAN, 0, 0, 60, 0, 1, 0, G_READY },
		{ "unready a pod without ready condition - CPU", SP_HPA_PHASE_SUCCEEDED, 0, -1, 0, 0, 0, 60, 1, 1, 1, G_UNREADY },
		{ "count in a ready pod with fresh metrics during initialization period - CPU", SP_HPA_PHASE_SUCCEEDED, 0, 1,
		  -60, -30, 0, 30, 0, 1, 1, G_READY },
		{ "unready a ready pod without fresh metrics during initialization period - CPU", SP_HPA_PHASE_SUCCEEDED, 0, 1,
		  -60, -30, 0, 60, 0, 1, 1, G_UNREADY },
		{ "unready an unready pod during initialization period - CPU", SP_HPA_PHASE_SUCCEEDED, 0, 0,
		  -600, -594, 0, 0, 1, 1, 1, G_UNREADY },
		{ "count in a ready pod without fresh metrics after initialization period - CPU", SP_HPA_PHASE_SUCCEEDED, 0, 1,
		  -180, -180, -120, 60, 0, 1, 1, G_READY },
		{ "count in an unready pod that was ready after initialization period - CPU", SP_HPA_PHASE_SUCCEEDED, 0, 0,
		  -600, -540, 0, 0, 1, 1, 1, G_READY },
		{ "unready pod that has never been ready after initialization period - CPU", SP_HPA_PHASE_SUCCEEDED, 0, 0,
		  -600, -590, 0, 0, 1, 1, 1, G_READY },
		{ "a missing pod", SP_HPA_PHASE_SUCCEEDED, 0, -1, -180, 0, 0, 0, 1, 0, 1, G_MISSING },
		{ "several pods: lucretius", SP_HPA_PHASE_SUCCEEDED, 0, -1, 0, 0, 0, 0, 1, 1, 1, G_UNREADY },
		{ "several pods: niccolo", SP_HPA_PHASE_SUCCEEDED, 0, 1, -180, -180, 0, 0, 1, 1, 1, G_READY },
		{ "several pods: epicurus", SP_HPA_PHASE_SUCCEEDED, 0, -1, -180, 0, 0, 0, 1, 0, 1, G_MISSING },
		{ "pending pods are unreadied", SP_HPA_PHASE_PENDING, 0, -1, NAN, 0, 0, 0, 1, 0, 1, G_UNREADY },
		{ "ignore pods with deletion timestamps", SP_HPA_PHASE_PENDING, 1, -1, NAN, 0, 0, 0, 1, 1, 1, G_IGNORED },
		{ "ignore pods in a failed state", SP_HPA_PHASE_FAILED, 0, -1, NAN, 0, 0, 0, 1, 1, 1, G_IGNORED },
	};
	size_t k;

	(void)nan;
	/* "void": no pods, nothing grouped */
	for (k = 0; k < sizeof g / sizeof g[0]; k++) {
		sp_hpa_pod_status s;
		int got;
		s.phase = g[k].phase;
		s.deleting = g[k].deleting;
		s.ready = g[k].ready;
		s.start = isnan(g[k].start) ? NAN : now + g[k].start;
		s.ready_since = g[k].ready < 0 ? ZERO : now + g[k].since;
		s.metric_time = g[k].zero_mtime ? ZERO : now + g[k].mtime;
		s.window = g[k].window;
		got = cat(&s, g[k].has_metric, g[k].cpu, now);
		CHECK(got == g[k].want, "TestGroupPods %s: %d, want %d", g[k].name, got, g[k].want);
	}
	{
		sp_hpa_pod_status s = { SP_HPA_PHASE_RUNNING, 0, 1, 0, 0, 0, 60 };
		CHECK(sp_hpa_pod_running_ready(&s), "Running and Ready");
		s.ready = 0;
		CHECK(!sp_hpa_pod_running_ready(&s), "Running, not Ready");
		s.ready = 1;
		s.phase = SP_HPA_PHASE_SUCCEEDED;
		CHECK(!sp_hpa_pod_running_ready(&s), "Succeeded, Ready");
	}
}

/* sp_hpa_calc: the raw usage, samples of unlisted pods, a plain metric at
 * exactly the target with missing pods (nothing filled in). */
static void
run_calc(void)
{
	sp_hpa_metric m = { SP_HPA_UTILIZATION, 1, 100, 0.1, 0.1 };
	sp_hpa_pod pods[6] = {
		{ R, 1, 8000, 2000 }, { R, 1, 19000, 2000 }, { R, 1, 6000, 2000 }, { R, 1, 14000, 2000 },
		{ SP_HPA_POD_UNLISTED, 1, 6400, 0 }, { SP_HPA_POD_UNLISTED, 1, 4000, 0 } };
	unsigned char rr[3] = { 0, 1, 0 };
	sp_hpa_result r;
	sp_error err;

	/* TestReplicaCalcSuperfluousMetrics */
	CHECK(sp_hpa_calc(&m, 4, pods, 6, NULL, 0, 4, &r, &err) == 0, "superfluous: %s", err.msg);
	CHECK(r.replicas == 24 && r.usage == 587 && r.raw == 11750, "superfluous: %d %lld %lld", r.replicas,
	    r.usage, r.raw);
	/* TestReplicaCalcDisjointResourcesMetrics */
	pods[0].has_metric = 0;
	CHECK(sp_hpa_calc(&m, 1, pods + 0, 1, NULL, 0, 1, &r, &err) == SP_EDATA, "no metric: error");
	pods[1] = pods[5];
	CHECK(sp_hpa_calc(&m, 1, pods, 2, NULL, 0, 1, &r, &err) == SP_EDATA &&
	    strstr(err.msg, "no metrics returned matched known pods") != NULL, "disjoint: %s", err.msg);
	/* TestPlainMetricReplicaCalcMissingMetricsNoChangeEq */
	{
		sp_hpa_metric pm = { SP_HPA_PODS, 0, 20000, 0.1, 0.1 };
		sp_hpa_pod pp[5] = { { R, 1, 20000, 0 }, { R, 1, 19000, 0 }, { R, 1, 21000, 0 }, { R, 0, 0, 0 }, { R, 0, 0, 0 } };
		CHECK(sp_hpa_calc(&pm, 5, pp, 5, NULL, 0, 5, &r, &err) == 0 && r.replicas == 5 && r.usage == 20000,
		    "plain metric at the target, 2 missing: %d", r.replicas);
	}
	/* Object Value counts Running and Ready pods (running_ready), not
	 * the CPU grouping: TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods */
	{
		sp_hpa_metric om = { SP_HPA_OBJECT_VALUE, 0, 10000, 0.1, 0.1 };
		sp_hpa_pod op[3] = { { R, 0, 0, 0 }, { U, 0, 0, 0 }, { R, 0, 0, 0 } };
		CHECK(sp_hpa_calc(&om, 3, op, 3, rr, 50000, 3, &r, &err) == 0 && r.replicas == 5,
		    "object, 1 running and ready: %d", r.replicas);
	}
	/* a listed pod without a request fails utilisation even when ignored */
	{
		sp_hpa_pod q[2] = { { R, 1, 500, 1000 }, { X, 0, 0, 0 } };
		CHECK(sp_hpa_calc(&m, 1, q, 2, NULL, 0, 1, &r, &err) == SP_EDATA && strstr(err.msg, "missing request"),
		    "ignored pod without request: %s", err.msg);
	}
}

/* The per-pod input reader. */
static void
run_pods_reader(void)
{
	static const char csv[] =
	    "timestamp,pod,phase,ready,start,ready_since,request,usage,metric_time,window\n"
	    "100,a,Running,true,0,0,1000,500,,\n"          /* a sync no row asks for: skipped */
	    "1000000000,a,Running,true,999999940,0,1000,500,0,\n"   /* hot, stale sample */
	    "1000000000,b,Running,false,0,0,1000,,,\n"      /* no metric */
	    "1000000000,c,Terminating,true,0,0,1000,300,,\n"
	    "1000000000,d,Unlisted,,,,,700,,\n"
	    "1000000000,e,pending,,,,1000,,,\n"
	    "1000000060,a,Running,true,999999940,0,1000,500,,30\n"  /* fresh: ready */
	    "1000000060,a,Running,true,0,0,1000,500,,\n";
	FILE *f = tmpfile();
	sp_hpa_pods *p;
	const sp_hpa_pod *pods;
	const unsigned char *rr;
	size_t n;
	sp_error err;

	fputs(csv, f);
	rewind(f);
	p = sp_hpa_pods_new(f, "pods.csv", &err);
	CHECK(p != NULL, "reader: %s", err.msg);
	if (!p)
		return;
	CHECK(sp_hpa_pods_at(p, 999999999, 1, 120, 10, &pods, &rr, &n, &err) == 0 && n == 0, "no pods at 999999999");
	CHECK(sp_hpa_pods_at(p, 1e9, 1, 120, 10, &pods, &rr, &n, &err) == 0 && n == 5, "5 pods at 1e9: %zu", n);
	if (n == 5) {
		CHECK(pods[0].state == SP_HPA_POD_UNREADY && rr[0] == 1, "hot pod: CPU-unready, running and ready");
		CHECK(pods[1].state == SP_HPA_POD_UNREADY && !pods[1].has_metric && rr[1] == 0, "b: not ready, no metric");
		CHECK(pods[2].state == SP_HPA_POD_IGNORED && pods[2].value == 300, "c: terminating");
		CHECK(pods[3].state == SP_HPA_POD_UNLISTED && pods[3].value == 700 && rr[3] == 0, "d: unlisted");
		CHECK(pods[4].state == SP_HPA_POD_PENDING && pods[4].request == 1000, "e: pending");
	}
	CHECK(sp_hpa_pods_at(p, 1e9 + 60, 1, 120, 10, &pods, &rr, &n, &err) == SP_EDATA &&
	    strstr(err.msg, "pods.csv: row 8: pod 'a' twice at one time") != NULL, "duplicate pod: %s", err.msg);
	sp_hpa_pods_free(p);
	fclose(f);
	/* bad values name file, row and column */
	{
		static const char *const bad[][2] = {
			{ "timestamp,pod,phase\n5,a,Sleeping\n", "row 1, column phase: phase 'Sleeping' is none of" },
			{ "timestamp,pod,ready\n5,a,yes\n", "row 1, column ready: ready must be" },
			{ "timestamp,pod,usage\n5,a,-1\n", "row 1, column usage: not a milli-value" },
			{ "timestamp,pod,usage\n5,a,1.5\n", "row 1, column usage: not a milli-value" },
			{ "timestamp,pod,start\n5,a,soon\n", "row 1, column start: not a time" },
			{ "timestamp,pod,window\n5,a,0\n", "row 1, column window: window must be" },
			{ "timestamp,pod\n5,\n", "row 1, column pod: empty pod name" },
			{ "timestamp,pod\n9,a\n5,b\n", "row 2, column timestamp: time 5 before" },
		};
		size_t k;
		for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			FILE *g = tmpfile();
			fputs(bad[k][0], g);
			rewind(g);
			p = sp_hpa_pods_new(g, "pods.csv", &err);
			CHECK(p && sp_hpa_pods_at(p, 10, 1, 120, 10, &pods, &rr, &n, &err) < 0 &&
			    strstr(err.msg, bad[k][1]) != NULL, "bad %zu: %s", k, err.msg);
			sp_hpa_pods_free(p);
			fclose(g);
		}
		f = tmpfile();
		fputs("timestamp,phase\n5,Running\n", f);
		rewind(f);
		CHECK(sp_hpa_pods_new(f, "pods.csv", &err) == NULL && strstr(err.msg, "pod"), "no pod column: %s", err.msg);
		fclose(f);
	}
}

int
main(void)
{
	run_group_pods();
	run_calc();
	run_pods_reader();
	run_rc();
	run_tolerance_alg();
	run_limits();
	run_controller();
	return check_summary();
}
