/* test_behavior: per-tick limits and scale-down stabilisation of scale
 * (sp_behavior), values worked out by hand from the rules in sp_behavior.h,
 * and the state file round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_behavior.h"

static long
lim(const sp_behavior_opts *o, long cur, long want, sp_behavior_rule expect_rule)
{
	sp_behavior_rule r;
	long got = sp_behavior_limit(o, NULL, 1000, cur, want, &r);
	CHECK(r == expect_rule, "%ld -> %ld: rule %s, want %s", cur, want, sp_behavior_rule_name(r),
	    sp_behavior_rule_name(expect_rule));
	return got;
}

int
main(void)
{
	sp_behavior_opts o;
	sp_behavior_hist h = { 0 }, h2 = { 0 };
	sp_behavior_rule r;
	sp_error err;
	char dir[] = "/tmp/sp-test-behavior.XXXXXX", path[300];
	FILE *fp;

	sp_behavior_defaults(&o);
	CHECK(o.max_down_pct == 25 && o.max_up_pct == 100 && o.max_up_pods == 4 && o.down_window == 300, "defaults");
	/* scale-down, 25 %: floor(c/4) pods, at least 1, never to half or less */
	CHECK(lim(&o, 40, 1, SP_BEHAVIOR_MAX_DOWN) == 30, "40 -> 30");
	CHECK(lim(&o, 10, 2, SP_BEHAVIOR_MAX_DOWN) == 8, "10 -> 8");
	CHECK(lim(&o, 4, 2, SP_BEHAVIOR_MAX_DOWN) == 3, "4 -> 3, not 2");
	CHECK(lim(&o, 3, 1, SP_BEHAVIOR_MAX_DOWN) == 2, "3 -> 2");
	CHECK(lim(&o, 2, 1, SP_BEHAVIOR_MAX_DOWN) == 2, "2 stays (1 is half)");
	CHECK(lim(&o, 1, 0, SP_BEHAVIOR_MAX_DOWN) == 1, "1 stays");
	CHECK(lim(&o, 10, 9, SP_BEHAVIOR_NONE) == 9, "within the limit");
	/* scale-up: max(ceil(100 %%), 4 pods) */
	CHECK(lim(&o, 0, 10, SP_BEHAVIOR_MAX_UP) == 4, "0 -> 4");
	CHECK(lim(&o, 3, 20, SP_BEHAVIOR_MAX_UP) == 7, "3 -> 7 (4 pods)");
	CHECK(lim(&o, 10, 50, SP_BEHAVIOR_MAX_UP) == 20, "10 -> 20 (100 %%)");
	CHECK(lim(&o, 10, 15, SP_BEHAVIOR_NONE) == 15, "10 -> 15");
	CHECK(lim(&o, 5, 5, SP_BEHAVIOR_NONE) == 5, "same");
	/* the HPA's scale-down policy (100 %%) allows 0; 50 % allows halving */
	o.max_down_pct = 100;
	CHECK(lim(&o, 10, 0, SP_BEHAVIOR_NONE) == 0, "100 %%: 10 -> 0");
	o.max_down_pct = 50;
	CHECK(lim(&o, 2, 1, SP_BEHAVIOR_NONE) == 1, "50 %%: 2 -> 1");
	CHECK(lim(&o, 9, 1, SP_BEHAVIOR_MAX_DOWN) == 5, "50 %%: 9 -> 5 (floor 4.5 = 4 fewer)");
	o.max_down_pct = 0;
	CHECK(lim(&o, 9, 1, SP_BEHAVIOR_MAX_DOWN) == 9, "0 %%: no scale-down");
	o.max_up_pct = 0, o.max_up_pods = 0;
	CHECK(lim(&o, 9, 12, SP_BEHAVIOR_MAX_UP) == 9, "0/0: no scale-up");

	/* stabilisation over 300 s: records at 700 (8), 900 (6), 1000 (2) */
	sp_behavior_defaults(&o);
	o.max_down_pct = 100;
	CHECK(sp_behavior_record(&h, 700, 8, 300, &err) == 0, "record");
	CHECK(sp_behavior_record(&h, 900, 6, 300, &err) == 0, "record");
	CHECK(sp_behavior_record(&h, 1000, 2, 300, &err) == 0, "record");
	CHECK(h.n == 2 && h.rec[0].t == 900, "700 dropped (not after 1000 - 300): n %zu", h.n);
	CHECK(sp_behavior_limit(&o, &h, 1000, 10, 2, &r) == 6 && r == SP_BEHAVIOR_STABILISED, "max of window: 6");
	CHECK(sp_behavior_limit(&o, &h, 1000, 5, 2, &r) == 5 && r == SP_BEHAVIOR_STABILISED, "held at current 5");
	CHECK(sp_behavior_limit(&o, &h, 1000, 1, 2, &r) == 2 && r == SP_BEHAVIOR_NONE, "up: not stabilised");
	CHECK(sp_behavior_limit(&o, &h, 1201, 10, 2, &r) == 2 && r == SP_BEHAVIOR_NONE, "900 out of the window at 1201");
	o.max_down_pct = 25;
	CHECK(sp_behavior_limit(&o, &h, 1000, 10, 2, &r) == 8 && r == SP_BEHAVIOR_MAX_DOWN, "stabilised to 6, limited to 8");
	o.down_window = 0;
	CHECK(sp_behavior_limit(&o, &h, 1000, 3, 2, &r) == 2 && r == SP_BEHAVIOR_NONE, "no window");
	/* a record from the future (clock stepped back) is dropped */
	CHECK(sp_behavior_record(&h, 950, 3, 300, &err) == 0 && h.n == 2 && h.rec[0].t == 900 &&
	    h.rec[1].t == 950, "future record dropped: n %zu", h.n);

	/* the state file */
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/web.state", dir);
	CHECK(sp_behavior_load(path, "default/Deployment/web", &h2, &err) == 1, "missing: 1");
	CHECK(sp_behavior_save(path, "default/Deployment/web", &h, &err) == 0, "save: %s", err.msg);
	CHECK(sp_behavior_load(path, "default/Deployment/web", &h2, &err) == 0, "load: %s", err.msg);
	CHECK(h2.n == 2 && h2.rec[0].t == 900 && h2.rec[0].replicas == 6 && h2.rec[1].t == 950 &&
	    h2.rec[1].replicas == 3, "round trip");
	CHECK(sp_behavior_load(path, "shop/Deployment/web", &h2, &err) == SP_EDATA && h2.n == 0, "other target");
	CHECK(strstr(err.msg, "state of default/Deployment/web, not of shop/Deployment/web") != NULL, "msg: %s", err.msg);
	fp = fopen(path, "w");
	fputs("scalepipe-model scale-state 1\ntarget default/Deployment/web\nn 2\nt 1 2\nreplicas 3\n", fp);
	fclose(fp);
	CHECK(sp_behavior_load(path, "default/Deployment/web", &h2, &err) < 0 && h2.n == 0, "truncated: refused");
	fp = fopen(path, "w");
	fputs("scalepipe-model scale-state 1\ntarget t\nn 2\nt 5 1\nreplicas 3 4\nend\n", fp);
	fclose(fp);
	CHECK(sp_behavior_load(path, "t", &h2, &err) < 0 && strstr(err.msg, "time order"), "order: %s", err.msg);
	fp = fopen(path, "w");
	fputs("scalepipe-model scale-state 2\n", fp);
	fclose(fp);
	CHECK(sp_behavior_load(path, "t", &h2, &err) < 0, "newer version refused");
	unlink(path);

	/* a batch: nothing in place before the flush, then every file; a
	 * waiting path is said so, and a second save of it refused */
	{
		sp_behavior_batch *b;
		char p2[300], stale[320], cmd[400];
		CHECK(sp_behavior_save(path, "default/Deployment/web", &h, &err) == 0, "old: %s", err.msg);
		snprintf(p2, sizeof p2, "%s/api.state", dir);
		snprintf(stale, sizeof stale, "%s/api.state.tmp.AbC123", dir);
		fp = fopen(stale, "w");
		fclose(fp);
		snprintf(cmd, sizeof cmd, "touch -d '2 hours ago' %s", stale);
		CHECK(system(cmd) == 0, "touch");
		CHECK((b = sp_behavior_batch_new(dir)) != NULL, "batch");
		CHECK(access(stale, F_OK) != 0, "the stale temporary file removed once at the start");
		CHECK(sp_behavior_batch_flush(b, &err) == 0, "empty flush");
		CHECK(sp_behavior_record(&h, 990, 9, 300, &err) == 0, "record");
		CHECK(sp_behavior_batch_save(b, path, "default/Deployment/web", &h, &err) == 0, "save: %s", err.msg);
		CHECK(sp_behavior_batch_save(b, p2, "default/Deployment/api", &h, &err) == 0, "save 2: %s", err.msg);
		CHECK(sp_behavior_batch_waiting(b, path) && sp_behavior_batch_waiting(b, p2), "both waiting");
		CHECK(sp_behavior_batch_save(b, path, "default/Deployment/web", &h, &err) == SP_EUSAGE &&
		    strstr(err.msg, "already waits"), "a second save of a waiting path: %s", err.msg);
		CHECK(sp_behavior_load(path, "default/Deployment/web", &h2, &err) == 0 && h2.n == 2,
		    "before the flush the old history: n %zu", h2.n);
		CHECK(sp_behavior_load(p2, "default/Deployment/api", &h2, &err) == 1, "before the flush no file");
		CHECK(sp_behavior_batch_flush(b, &err) == 0, "flush: nothing lost");
		CHECK(!sp_behavior_batch_waiting(b, path), "nothing waits after the flush");
		CHECK(sp_behavior_load(path, "default/Deployment/web", &h2, &err) == 0 && h2.n == 3 &&
		    h2.rec[2].replicas == 9, "after the flush the new one: n %zu", h2.n);
		CHECK(sp_behavior_load(p2, "default/Deployment/api", &h2, &err) == 0 && h2.n == 3, "and the other");
		/* saved again after the flush, then dropped unflushed: the file stays */
		CHECK(sp_behavior_record(&h, 995, 4, 300, &err) == 0 &&
		    sp_behavior_batch_save(b, p2, "default/Deployment/api", &h, &err) == 0, "save again");
		sp_behavior_batch_free(b);
		CHECK(sp_behavior_load(p2, "default/Deployment/api", &h2, &err) == 0 && h2.n == 3,
		    "a batch freed unflushed leaves the old file: n %zu", h2.n);
		snprintf(cmd, sizeof cmd, "ls %s/*.tmp.* >/dev/null 2>&1", dir);
		CHECK(system(cmd) != 0, "and no temporary file");
		unlink(p2);
		unlink(path);
	}
	rmdir(dir);
	sp_behavior_hist_free(&h);
	sp_behavior_hist_free(&h2);
	return check_summary();
}
