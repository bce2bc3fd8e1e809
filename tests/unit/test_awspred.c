/* test_awspred: AWS predictive scaling + target tracking on worked
 * examples: a daily step at 10:00 forecast from two days of history and
 * scheduled SchedulingBufferTime (300 s) before the hour, a falling forecast
 * that never lowers the count, no forecast under 24 h of history (target
 * tracking only), the alarm datapoint runs (3 above to scale out, 15 below
 * 90 % to scale in, the scale-in cooldown) and the emulated seasonal
 * forecast by hand. */
#include "check.h"
#include "sp_awspred.h"

#include <math.h>

#define T0 1699920000.0         /* 2023-11-14 00:00 UTC */
#define H 3600.0
#define D 86400.0

/* 500 req/s during 10:00-11:00 each day, 100 otherwise; on the third day
 * the high load may stay until 11:30 (late = 1). */
static double
load_at(double t, int late)
{
	double s = fmod(t - T0, D);
	int day = (int)((t - T0) / D);
	int hour = (int)ceil(s / H) - 1;   /* the hour (t - dt, t] falls in */

	if (s == 0)
		hour = 23;
	if (hour == 10)
		return 500;
	if (late && day == 2 && hour == 11 && s <= 11.5 * H)
		return 500;
	return 100;
}

/* Simulate from T0 to `until` every 15 s with instant readiness; rec[i] is
 * the count decided at T0 + 15 (i + 1). */
static void
run(sp_awspred *a, double until, int late, int *rec, size_t nrec)
{
	sp_error err;
	double t;
	int cur = 10, r = 0;
	size_t i = 0;

	for (t = T0 + 15; t <= until; t += 15, i++) {
		sp_awspred_observe(a, t, load_at(t, late), &err);
		if (sp_awspred_decide(a, t, cur, cur, 10, &r, &err) < 0) {
			CHECK(0, "decide: %s", err.msg);
			return;
		}
		if (i < nrec)
			rec[i] = r;
		cur = r;
	}
}

static size_t
idx(double t)
{
	return (size_t)((t - T0) / 15) - 1;
}

static void
test_buffer(void)
{
	static int rec[3 * 5760];
	sp_awspred_opts o;
	sp_awspred *a;
	sp_error err;
	double v, t10 = T0 + 2 * D + 10 * H, t;
	size_t i;
	int dropped = 0;

	sp_awspred_defaults(&o);
	a = sp_awspred_new(&o, &err);
	run(a, T0 + 2 * D + 12 * H, 1, rec, sizeof rec / sizeof *rec);
	/* the forecast for 10:00 on day 3: mean of 10:00 on days 1 and 2 */
	CHECK(sp_awspred_forecast(a, t10, &v) == 1 && v == 500, "forecast 10:00 = 500 (got %g)", v);
	CHECK(sp_awspred_forecast(a, t10 - H, &v) == 1 && v == 100, "forecast 09:00 = 100");
	/* scale-out scheduled at 09:55, not before */
	CHECK(rec[idx(t10 - 315)] == 10, "10 at 09:54:45 (got %d)", rec[idx(t10 - 315)]);
	CHECK(rec[idx(t10 - 300)] == 50, "50 at 09:55:00 (got %d)", rec[idx(t10 - 300)]);
	/* the forecast hour ends at 11:00 (capacity 10 from 10:55), but the load
	 * stays at 500 until 11:30: the count never falls on the forecast */
	for (t = t10 - 300; t <= t10 + 1.5 * H; t += 15) {
		i = idx(t);
		if (rec[i] < rec[i - 1])
			dropped = 1;
	}
	CHECK(!dropped && rec[idx(t10 + 1.5 * H)] == 50, "no scale-in on a falling forecast");
	/* from 11:30 the load is 100 (metric 2 < 9): the 15th low datapoint is
	 * the minute ending 11:45, evaluated at 11:45:00 */
	CHECK(rec[idx(t10 + 1.75 * H - 15)] == 50, "still 50 at 11:44:45 (%d)", rec[idx(t10 + 1.75 * H - 15)]);
	CHECK(rec[idx(t10 + 1.75 * H)] == 10, "scaled in to 10 at 11:45:00 (%d)", rec[idx(t10 + 1.75 * H)]);
	/* day 2 (forecast from day 1 only, made at 00:00:15 of day 2): also 09:55 */
	CHECK(rec[idx(T0 + D + 10 * H - 315)] == 10 && rec[idx(T0 + D + 10 * H - 300)] == 50, "day 2 at 09:55");
	/* day 1: no forecast, target tracking: 3 datapoints above the target,
	 * the third is the minute ending 10:03, evaluated at 10:03:00 */
	CHECK(rec[idx(T0 + 10 * H + 165)] == 10 && rec[idx(T0 + 10 * H + 180)] == 50,
	    "day 1: reactive scale-out at 10:03 (%d %d)", rec[idx(T0 + 10 * H + 165)], rec[idx(T0 + 10 * H + 180)]);
	sp_awspred_free(a);

	/* no buffer: at 10:00:00 */
	sp_awspred_defaults(&o);
	o.buffer = 0;
	a = sp_awspred_new(&o, &err);
	run(a, T0 + 2 * D + 11 * H, 0, rec, sizeof rec / sizeof *rec);
	CHECK(rec[idx(t10 - 15)] == 10 && rec[idx(t10)] == 50, "buffer 0: at 10:00:00 (%d %d)",
	    rec[idx(t10 - 15)], rec[idx(t10)]);
	sp_awspred_free(a);
}

static void
test_short_history(void)
{
	static int rec[5760];
	sp_awspred_opts o;
	sp_awspred *a;
	sp_error err;
	double v;
	sp_peer p;

	sp_awspred_defaults(&o);
	a = sp_awspred_new(&o, &err);
	run(a, T0 + 23 * H, 0, rec, sizeof rec / sizeof *rec);
	CHECK(sp_awspred_refresh(a, T0 + 23 * H, &err) == 0, "under 24 h: no forecast");
	CHECK(sp_awspred_forecast(a, T0 + D + 10 * H, &v) == 0, "no forecast hour");
	CHECK(sp_awspred_capacity(a, T0 + 23 * H, 10) == -1, "no predictive capacity");
	/* reactive only: the 10:00 step is followed 3 minutes late */
	CHECK(rec[idx(T0 + 10 * H + 165)] == 10 && rec[idx(T0 + 10 * H + 180)] == 50, "reactive only");
	/* and scaled in 15 minutes after 11:00, then held by the cooldown */
	CHECK(rec[idx(T0 + 11.25 * H - 15)] == 50 && rec[idx(T0 + 11.25 * H)] == 10, "reactive scale-in after 15 min");
	p = sp_awspred_peer(a);
	CHECK(!strcmp(sp_peer_name(&p), "awspred"), "peer handle");
	sp_peer_free(&p);
}

static void
test_alarms(void)
{
	sp_awspred_opts o;
	sp_awspred *a;
	sp_error err;
	double t = T0;
	int r = 0, i;

	sp_awspred_defaults(&o);
	o.predictive = 0;
	a = sp_awspred_new(&o, &err);
	/* 20 instances at 200 req/s (metric 10 = target): hold */
	for (i = 1; i <= 20; i++) {
		t = T0 + 60.0 * i;
		sp_awspred_observe(a, t, 200, &err);
		sp_awspred_decide(a, t, 20, 20, 10, &r, &err);
	}
	CHECK(r == 20 && !strcmp(sp_awspred_reason(a), "hold"), "at the target: hold");
	/* 100 req/s: metric 5 < 9; after 15 minutes scale in to ceil(100/10) =
	 * 10, and not before */
	for (i = 1; i <= 15; i++) {
		t += 60;
		sp_awspred_observe(a, t, 100, &err);
		sp_awspred_decide(a, t, 20, 20, 10, &r, &err);
		if (i < 15)
			CHECK(r == 20, "no scale-in before 15 datapoints (minute %d: %d)", i, r);
	}
	CHECK(r == 10 && !strcmp(sp_awspred_reason(a), "scale-in"), "scale-in at the 15th (got %d)", r);
	/* 95 req/s on 10: metric 9.5 is not below 9: hold */
	for (i = 1; i <= 20; i++) {
		t += 60;
		sp_awspred_observe(a, t, 95, &err);
		sp_awspred_decide(a, t, 10, 10, 10, &r, &err);
	}
	CHECK(r == 10, "9.5 is within 10 %% of the target: hold (got %d)", r);
	/* 40 req/s: 15 datapoints later -> 4; then cooldown: the next scale-in
	 * (to 2 at 20 req/s) waits 300 s after the last one */
	for (i = 1; i <= 15; i++) {
		t += 60;
		sp_awspred_observe(a, t, 40, &err);
		sp_awspred_decide(a, t, 10, 10, 10, &r, &err);
	}
	CHECK(r == 4, "scale-in to 4 (got %d)", r);
	{
		double tin = t;
		int cur = r;
		for (i = 1; i <= 20; i++) {
			t += 60;
			sp_awspred_observe(a, t, 2.0 * cur, &err);   /* metric 2 */
			sp_awspred_decide(a, t, cur, cur, 10, &r, &err);
			if (r < cur) {
				CHECK(t - tin >= 300, "cooldown respected (%g s)", t - tin);
				tin = t;
			}
			cur = r;
		}
		CHECK(cur == 1, "reaches min 1 (got %d)", cur);
	}
	/* a gap breaks the run: 2 minutes above, a missing minute, 2 above: hold */
	sp_awspred_free(a);
	a = sp_awspred_new(&o, &err);
	t = T0;
	for (i = 1; i <= 5; i++) {
		t += 60;
		sp_awspred_observe(a, t, i == 3 ? NAN : 300, &err);
		sp_awspred_decide(a, t, 10, 10, 10, &r, &err);
	}
	CHECK(r == 10, "a missing minute breaks the run (got %d)", r);
	t += 60;
	sp_awspred_observe(a, t, 300, &err);
	sp_awspred_decide(a, t, 10, 10, 10, &r, &err);
	CHECK(r == 30 && !strcmp(sp_awspred_reason(a), "scale-out"), "3 consecutive above: scale out (got %d)", r);
	CHECK(sp_awspred_observe(a, t - 1, 1, &err) == SP_EUSAGE, "time going back refused");
	sp_awspred_free(a);
}

static void
test_forecast_by_hand(void)
{
	sp_awspred_opts o;
	sp_awspred *a;
	sp_error err;
	double t, v, want;
	int d;

	/* 9 days, hourly observations: the load at hour h of day d is
	 * 100 + d + (weekday h)... here 10 * d + h, so the forecast for hour 5
	 * of day 9 is w * mean(week ago = day 2) + (1 - w) * mean(last 7 days,
	 * days 2..8) */
	sp_awspred_defaults(&o);
	a = sp_awspred_new(&o, &err);
	for (t = T0 + H; t <= T0 + 9 * D; t += H) {
		int day = (int)((t - H - T0) / D), hour = (int)fmod((t - H - T0) / H, 24);
		sp_awspred_observe(a, t, 10.0 * day + hour, &err);
	}
	CHECK(sp_awspred_refresh(a, T0 + 9 * D, &err) == 1, "forecast made");
	want = 0;
	for (d = 2; d <= 8; d++)
		want += 10.0 * d + 5;
	want = 0.5 * (10.0 * 2 + 5) + 0.5 * (want / 7);
	CHECK(sp_awspred_forecast(a, T0 + 9 * D + 5 * H, &v) == 1, "hour 5 of day 9");
	CHECK_CLOSE(v, want, 1e-12, "week and day means");
	/* 48 h ahead: day 10 hour 23 is the last; day 11 hour 0 is not forecast */
	CHECK(sp_awspred_forecast(a, T0 + 10 * D + 23 * H, &v) == 1, "48th hour");
	CHECK(sp_awspred_forecast(a, T0 + 11 * D, &v) == 0, "beyond 48 h");
	CHECK(sp_awspred_capacity(a, T0 + 9 * D + 5 * H - 300, 10) == (int)ceil(want / 10), "capacity from 04:55");
	sp_awspred_free(a);
	sp_awspred_defaults(&o);
	o.buffer = 3600;
	CHECK(sp_awspred_new(&o, &err) == NULL && err.code == SP_EUSAGE, "buffer 3600 refused");
}

int
main(void)
{
	test_buffer();
	test_short_history();
	test_alarms();
	test_forecast_by_hand();
	return check_summary();
}
