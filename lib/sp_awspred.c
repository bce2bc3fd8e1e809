/* sp_awspred: AWS predictive scaling (an emulated forecaster) with target
 * tracking; see sp_awspred.h. */
#include "sp_awspred.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOUR 3600.0
#define MINUTE 60.0
#define FCSLOTS 128             /* forecast slots by hour index, > 48 + 1 */

typedef struct {
	long long h;
	double sum, cnt;
} hourly;

typedef struct {
	long long k;            /* minute index: the minute ending at k * 60 */
	double load;
	double metric;          /* load per in-service instance */
} datapoint;

struct sp_awspred {
	sp_awspred_opts o;
	hourly *hours;
	size_t nh;              /* slots: hour h lives at h % nh */
	int have_t, have_first;
	double last_t, first_t;
	/* the minute being filled */
	int have_min;
	long long min_k;
	double min_sum, min_cnt;
	datapoint *dp;
	int ndp, capdp;         /* the last capdp datapoints, oldest first */
	int fresh;              /* datapoints not yet evaluated */
	int last_ready;
	int have_fc;
	double next_refresh;
	struct {
		long long h;
		int set;
		double load;
	} fc[FCSLOTS];
	double last_in;         /* time of the last scale-in */
	int max_eff;
	const char *reason;
};

static size_t
slot(long long h, size_t n)
{
	long long s = h % (long long)n;
	return (size_t)(s < 0 ? s + (long long)n : s);
}

void
sp_awspred_defaults(sp_awspred_opts *o)
{
	memset(o, 0, sizeof *o);
	o->predictive = 1;
	o->min_history = 24 * HOUR;
	o->max_history = 14 * 24 * HOUR;
	o->horizon = 48 * HOUR;
	o->refresh = 6 * HOUR;
	o->buffer = 300;
	o->week_weight = 0.5;
	o->days = 7;
	o->increase_max = 0;
	o->max_buffer = 0;
	o->tracking = 1;
	o->out_points = 3;
	o->in_points = 15;
	o->in_ratio = 0.9;
	o->in_cooldown = 300;
	o->disable_scale_in = 0;
	o->min = 1;
	o->max = 100;
}

sp_awspred *
sp_awspred_new(const sp_awspred_opts *o, sp_error *err)
{
	sp_awspred *a;

	if (!(o->min_history >= 0) || !(o->max_history >= o->min_history) || !isfinite(o->max_history) ||
	    o->max_history < HOUR)
		return sp_error_set(err, SP_EUSAGE, "awspred: need 0 <= min history <= max history, max >= 1 h"), NULL;
	if (!(o->horizon >= HOUR) || o->horizon / HOUR >= FCSLOTS - 2 || fmod(o->horizon, HOUR) != 0)
		return sp_error_set(err, SP_EUSAGE, "awspred: horizon must be whole hours, 1..%d", FCSLOTS - 3), NULL;
	if (!(o->refresh > 0) || !isfinite(o->refresh))
		return sp_error_set(err, SP_EUSAGE, "awspred: refresh period must be > 0"), NULL;
	if (!(o->buffer >= 0 && o->buffer < HOUR))
		return sp_error_set(err, SP_EUSAGE, "awspred: scheduling buffer must be in [0, 3600) s"), NULL;
	if (!(o->week_weight >= 0 && o->week_weight <= 1) || o->days < 1)
		return sp_error_set(err, SP_EUSAGE, "awspred: week weight in [0, 1] and days >= 1"), NULL;
	if (!(o->max_buffer >= 0 && o->max_buffer <= 100))
		return sp_error_set(err, SP_EUSAGE, "awspred: max capacity buffer must be in [0, 100] %%"), NULL;
	if (o->out_points < 1 || o->in_points < 1 || o->out_points > 1440 || o->in_points > 1440)
		return sp_error_set(err, SP_EUSAGE, "awspred: alarm datapoints must be in [1, 1440]"), NULL;
	if (!(o->in_ratio > 0 && o->in_ratio <= 1) || !(o->in_cooldown >= 0))
		return sp_error_set(err, SP_EUSAGE, "awspred: scale-in ratio in (0, 1], cooldown >= 0"), NULL;
	if (o->min < 0 || o->max < 1 || o->min > o->max)
		return sp_error_set(err, SP_EUSAGE, "awspred: need 0 <= min <= max, max >= 1"), NULL;
	if (!(a = calloc(1, sizeof *a)))
		return sp_error_set(err, SP_ENOMEM, "awspred: out of memory"), NULL;
	a->o = *o;
	a->nh = (size_t)ceil(o->max_history / HOUR) + 2;
	a->capdp = o->out_points > o->in_points ? o->out_points : o->in_points;
	if (!(a->hours = calloc(a->nh, sizeof *a->hours)) || !(a->dp = calloc((size_t)a->capdp, sizeof *a->dp))) {
		sp_awspred_free(a);
		return sp_error_set(err, SP_ENOMEM, "awspred: out of memory"), NULL;
	}
	a->last_ready = 1;
	a->last_in = -HUGE_VAL;
	a->max_eff = o->max;
	a->reason = "hold";
	return a;
}

void
sp_awspred_free(sp_awspred *a)
{
	if (!a)
		return;
	free(a->hours);
	free(a->dp);
	free(a);
}

/* The minute ends: one datapoint. */
static void
push_minute(sp_awspred *a)
{
	datapoint d;

	d.k = a->min_k;
	d.load = a->min_sum / a->min_cnt;
	d.metric = d.load / (a->last_ready > 0 ? a->last_ready : 1);
	if (a->ndp == a->capdp) {
		memmove(a->dp, a->dp + 1, (size_t)(a->capdp - 1) * sizeof *a->dp);
		a->ndp--;
	}
	a->dp[a->ndp++] = d;
	a->fresh++;
	a->have_min = 0;
}

int
sp_awspred_observe(sp_awspred *a, double t, double load, sp_error *err)
{
	long long k, h;
	hourly *s;

	if (!isfinite(t))
		return sp_error_set(err, SP_EUSAGE, "awspred: time must be finite");
	if (a->have_t && t < a->last_t)
		return sp_error_set(err, SP_EUSAGE, "awspred: time went back (%.17g)", t);
	if (!isnan(load) && (!isfinite(load) || load < 0))
		return sp_error_set(err, SP_EDATA, "awspred: load must be finite and >= 0 (got %g)", load);
	a->have_t = 1;
	a->last_t = t;
	if (isnan(load))
		return 0;
	if (!a->have_first) {
		a->have_first = 1;
		a->first_t = t;
	}
	/* the hour and the minute that end at or after t */
	h = (long long)ceil(t / HOUR) - 1;
	s = &a->hours[slot(h, a->nh)];
	if (s->h != h || s->cnt == 0) {
		s->h = h;
		s->sum = 0;
		s->cnt = 0;
	}
	s->sum += load;
	s->cnt += 1;
	k = (long long)ceil(t / MINUTE);
	if (a->have_min && a->min_k != k)
		push_minute(a);
	if (!a->have_min) {
		a->have_min = 1;
		a->min_k = k;
		a->min_sum = 0;
		a->min_cnt = 0;
	}
	a->min_sum += load;
	a->min_cnt += 1;
	return 0;
}

/* The mean load of hour h if it is complete at r and within the history. */
static int
hour_mean(const sp_awspred *a, long long h, double r, double *v)
{
	const hourly *s = &a->hours[slot(h, a->nh)];

	if (h < 0 || s->h != h || s->cnt == 0)
		return 0;
	if ((double)(h + 1) * HOUR > r || (double)h * HOUR < r - a->o.max_history)
		return 0;
	*v = s->sum / s->cnt;
	return 1;
}

int
sp_awspred_refresh(sp_awspred *a, double t, sp_error *err)
{
	long long h0 = (long long)ceil(t / HOUR), H, nhz = (long long)(a->o.horizon / HOUR);
	int k, got = 0;

	(void)err;
	if (!a->have_first || t - a->first_t < a->o.min_history)
		return 0;
	/* the hours that start at or after t */
	for (H = h0; H < h0 + nhz; H++) {
		double d = 0, w = 0, v;
		int nd = 0, nw = 0;
		for (k = 1; (double)k * 24 * HOUR <= a->o.max_history && nd < a->o.days; k++)
			if (hour_mean(a, H - 24LL * k, t, &v)) {
				d += v;
				nd++;
			}
		for (k = 1; (double)k * 168 * HOUR <= a->o.max_history; k++)
			if (hour_mean(a, H - 168LL * k, t, &v)) {
				w += v;
				nw++;
			}
		a->fc[slot(H, FCSLOTS)].h = H;
		a->fc[slot(H, FCSLOTS)].set = nd > 0 || nw > 0;
		if (nw > 0 && nd > 0)
			a->fc[slot(H, FCSLOTS)].load = a->o.week_weight * (w / nw) + (1 - a->o.week_weight) * (d / nd);
		else if (nd > 0)
			a->fc[slot(H, FCSLOTS)].load = d / nd;
		else if (nw > 0)
			a->fc[slot(H, FCSLOTS)].load = w / nw;
		got |= a->fc[slot(H, FCSLOTS)].set;
	}
	a->have_fc = 1;
	return got ? 1 : 0;
}

int
sp_awspred_forecast(const sp_awspred *a, double hour_start, double *load)
{
	long long H = (long long)floor(hour_start / HOUR);

	if (!a->have_fc || a->fc[slot(H, FCSLOTS)].h != H || !a->fc[slot(H, FCSLOTS)].set)
		return 0;
	*load = a->fc[slot(H, FCSLOTS)].load;
	return 1;
}

int
sp_awspred_capacity(const sp_awspred *a, double t, double wstar)
{
	double load;
	long long H = (long long)floor((t + a->o.buffer) / HOUR);

	if (!(wstar > 0) || !sp_awspred_forecast(a, (double)H * HOUR, &load))
		return -1;
	return (int)ceil(load / wstar);
}

const char *
sp_awspred_reason(const sp_awspred *a)
{
	return a->reason;
}

/* The last n datapoints are consecutive minutes and all satisfy the test. */
static int
run_of(const sp_awspred *a, int n, double thr, int above)
{
	int i;

	if (a->ndp < n)
		return 0;
	for (i = a->ndp - n; i < a->ndp; i++) {
		if (i > a->ndp - n && a->dp[i].k != a->dp[i - 1].k + 1)
			return 0;
		if (above ? !(a->dp[i].metric > thr) : !(a->dp[i].metric < thr))
			return 0;
	}
	return 1;
}

int
sp_awspred_decide(sp_awspred *a, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	int desired = current, pred = -1, cand;
	const datapoint *last;

	if (!(wstar > 0) || !isfinite(wstar))
		return sp_error_set(err, SP_EUSAGE, "awspred: target per instance must be > 0");
	if (current < 0 || ready < 0)
		return sp_error_set(err, SP_EUSAGE, "awspred: negative instance count");
	if (a->have_min && (double)a->min_k * MINUTE <= t)
		push_minute(a);
	a->last_ready = ready;
	if (a->have_first && t - a->first_t >= a->o.min_history && (!a->have_fc || t >= a->next_refresh)) {
		int first = !a->have_fc;
		if (sp_awspred_refresh(a, t, err) < 0)
			return SP_ENOMEM;
		if (first)
			a->next_refresh = t;
		while (a->next_refresh <= t)
			a->next_refresh += a->o.refresh;
	}
	a->reason = "hold";
	if (a->o.tracking && a->fresh > 0 && a->ndp > 0) {
		last = &a->dp[a->ndp - 1];
		cand = (int)ceil(last->load / wstar);
		if (run_of(a, a->o.out_points, wstar, 1)) {
			if (cand > desired) {
				desired = cand;
				a->reason = "scale-out";
			}
		} else if (!a->o.disable_scale_in && run_of(a, a->o.in_points, a->o.in_ratio * wstar, 0) &&
		    t - a->last_in >= a->o.in_cooldown && cand < desired) {
			desired = cand;
			a->last_in = t;
			a->reason = "scale-in";
		}
		a->fresh = 0;
	}
	if (a->o.predictive)
		pred = sp_awspred_capacity(a, t, wstar);
	if (pred >= 0 && a->o.increase_max) {
		int raised = (int)ceil(pred * (1 + a->o.max_buffer / 100) - 1e-9);
		if (raised > a->max_eff)
			a->max_eff = raised;
	}
	if (pred > desired) {
		desired = pred;
		a->reason = "forecast";
	}
	if (desired < a->o.min) {
		desired = a->o.min;
		a->reason = "min";
	}
	if (desired > a->max_eff) {
		desired = a->max_eff;
		a->reason = "max";
	}
	*replicas = desired;
	return 0;
}

static int
peer_observe(void *self, double t, double load, sp_error *err)
{
	return sp_awspred_observe(self, t, load, err);
}

static int
peer_decide(void *self, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	return sp_awspred_decide(self, t, current, ready, wstar, replicas, err);
}

static const char *
peer_reason(const void *self)
{
	return sp_awspred_reason(self);
}

static void
peer_free(void *self)
{
	sp_awspred_free(self);
}

static const sp_peer_ops awspred_ops = { "awspred", peer_observe, peer_decide, peer_reason, peer_free };

sp_peer
sp_awspred_peer(sp_awspred *a)
{
	sp_peer p = { &awspred_ops, a };
	return p;
}
