/* sp_kpa: the Knative Pod Autoscaler; see sp_kpa.h.  The bucket ring
 * follows knative/serving pkg/autoscaler/aggregation/bucketing.go
 * (TimedFloat64Buckets.Record, WindowAverage, IsEmpty) with bucket times in
 * whole buckets since the epoch; the decision follows
 * pkg/autoscaler/scaling/autoscaler.go (autoscaler.Scale). */
#include "sp_kpa.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One TimedFloat64Buckets.  Times are bucket indices (floor(t / g)). */
typedef struct {
	double *b;
	long long nb;
	double g;               /* granularity, s */
	double window;          /* s */
	int written;            /* lastWrite/firstWrite are set */
	long long first, last;  /* bucket indices of firstWrite, lastWrite */
	double total;
} ring;

struct sp_kpa {
	sp_kpa_opts o;
	ring stable, panic;
	int have_obs;
	long long last_obs;     /* bucket index of the last observation */
	int started;            /* first decision made */
	int panicking;
	double panic_time;
	int max_panic;
	const char *reason;
};

void
sp_kpa_defaults(sp_kpa_opts *o)
{
	memset(o, 0, sizeof *o);
	o->stable_window = 60;
	o->panic_pct = 10;
	o->panic_threshold_pct = 200;
	o->max_up_rate = 1000;
	o->max_down_rate = 2;
	o->bucket = 1;
	o->min = 1;
	o->max = 0;
}

static int
ring_init(ring *r, double window, double g)
{
	memset(r, 0, sizeof *r);
	r->g = g;
	r->window = window;
	r->nb = (long long)ceil(window / g);
	if (r->nb < 1)
		r->nb = 1;
	r->b = calloc((size_t)r->nb, sizeof *r->b);
	return r->b ? 0 : -1;
}

static long long
ring_slot(const ring *r, long long i)
{
	long long s = i % r->nb;
	return s < 0 ? s + r->nb : s;
}

/* TimedFloat64Buckets.Record(bucket i, value). */
static void
ring_record(ring *r, long long i, double v)
{
	long long j;

	if (!r->written || r->last != i) {
		if (!r->written || (double)i * r->g + r->window > (double)r->last * r->g) {
			if (!r->written || r->first > i)
				r->first = i;
			if (!r->written || i > r->last) {
				if (!r->written || (double)(i - r->last) * r->g >= r->window) {
					r->first = i;
					memset(r->b, 0, (size_t)r->nb * sizeof *r->b);
					r->total = 0;
				} else {
					for (j = r->last + 1; j <= i; j++) {
						long long s = ring_slot(r, j);
						r->total -= r->b[s];
						r->b[s] = 0;
					}
				}
				r->last = i;
				r->written = 1;
			}
		} else
			return;         /* older than a window */
	}
	r->b[ring_slot(r, i)] += v;
	r->total += v;
}

static double
floor6(double f)
{
	return floor(f * 1e6) / 1e6;
}

static int
ring_empty(const ring *r, long long now)
{
	return !r->written || (double)(now - r->last) * r->g > r->window;
}

/* TimedFloat64Buckets.WindowAverage(now). */
static double
ring_average(const ring *r, long long now)
{
	long long d, j;
	double ret, numb;

	if (!r->written)
		return 0;
	d = now - r->last;
	if (d <= 0) {
		numb = fmin((double)(r->last - r->first) + 1, (double)r->nb);
		return floor6(r->total / numb);
	}
	if ((double)d * r->g < r->window) {
		ret = r->total;
		for (j = r->last + 1; j <= now; j++)
			ret -= r->b[ring_slot(r, j)];
		numb = fmin((double)(r->last - r->first) + 1, (double)(r->nb - d));
		return floor6(ret / numb);
	}
	return 0;
}

sp_kpa *
sp_kpa_new(const sp_kpa_opts *o, sp_error *err)
{
	sp_kpa *k;
	double pw;

	if (!(o->stable_window >= 6 && o->stable_window <= 3600))
		return sp_error_set(err, SP_EUSAGE, "kpa: stable window must be in [6, 3600] s"), NULL;
	if (!(o->panic_pct >= 1 && o->panic_pct <= 100))
		return sp_error_set(err, SP_EUSAGE, "kpa: panic window percentage must be in [1, 100]"), NULL;
	if (!(o->panic_threshold_pct >= 110 && o->panic_threshold_pct <= 1000))
		return sp_error_set(err, SP_EUSAGE, "kpa: panic threshold percentage must be in [110, 1000]"), NULL;
	if (!(o->max_up_rate > 1) || !isfinite(o->max_up_rate))
		return sp_error_set(err, SP_EUSAGE, "kpa: max scale-up rate must be > 1"), NULL;
	if (!(o->max_down_rate > 1) || !isfinite(o->max_down_rate))
		return sp_error_set(err, SP_EUSAGE, "kpa: max scale-down rate must be > 1"), NULL;
	pw = o->stable_window * o->panic_pct / 100;
	if (!(o->bucket > 0 && o->bucket <= pw))
		return sp_error_set(err, SP_EUSAGE, "kpa: bucket must be in (0, panic window]"), NULL;
	if (o->min < 0 || o->max < 0 || (o->max > 0 && o->min > o->max))
		return sp_error_set(err, SP_EUSAGE, "kpa: need 0 <= min-scale <= max-scale (max 0 = none)"), NULL;
	if (!(k = calloc(1, sizeof *k)))
		return sp_error_set(err, SP_ENOMEM, "kpa: out of memory"), NULL;
	k->o = *o;
	if (ring_init(&k->stable, o->stable_window, o->bucket) < 0 ||
	    ring_init(&k->panic, pw, o->bucket) < 0) {
		sp_kpa_free(k);
		return sp_error_set(err, SP_ENOMEM, "kpa: out of memory"), NULL;
	}
	k->reason = "nodata";
	return k;
}

void
sp_kpa_free(sp_kpa *k)
{
	if (!k)
		return;
	free(k->stable.b);
	free(k->panic.b);
	free(k);
}

static long long
bucket_of(const sp_kpa *k, double t)
{
	return (long long)floor(t / k->o.bucket);
}

int
sp_kpa_observe(sp_kpa *k, double t, double load, sp_error *err)
{
	long long i, i0, i1;

	if (!isfinite(t))
		return sp_error_set(err, SP_EUSAGE, "kpa: time must be finite");
	i1 = bucket_of(k, t);
	if (k->have_obs && i1 < k->last_obs)
		return sp_error_set(err, SP_EUSAGE, "kpa: time went back (%.17g)", t);
	if (isnan(load)) {
		/* a gap: nothing scraped; the next observation starts after it */
		k->have_obs = 1;
		k->last_obs = i1;
		return 0;
	}
	if (!isfinite(load) || load < 0)
		return sp_error_set(err, SP_EDATA, "kpa: load must be finite and >= 0 (got %g)", load);
	if (k->have_obs && i1 == k->last_obs) {
		/* a second observation in the same bucket replaces the first (one
		 * scrape per bucket) */
		if (k->stable.written && k->stable.last == i1) {
			long long s = ring_slot(&k->stable, i1), p = ring_slot(&k->panic, i1);
			k->stable.total -= k->stable.b[s];
			k->stable.b[s] = 0;
			k->panic.total -= k->panic.b[p];
			k->panic.b[p] = 0;
		}
		ring_record(&k->stable, i1, load);
		ring_record(&k->panic, i1, load);
		return 0;
	}
	i0 = k->have_obs ? k->last_obs + 1 : i1;
	if (i1 - i0 + 1 > k->stable.nb)
		i0 = i1 - k->stable.nb + 1;
	for (i = i0; i <= i1; i++) {
		ring_record(&k->stable, i, load);
		ring_record(&k->panic, i, load);
	}
	k->have_obs = 1;
	k->last_obs = i1;
	return 0;
}

int
sp_kpa_windows(const sp_kpa *k, double t, double *stable, double *panic)
{
	long long now = bucket_of(k, t);

	*stable = ring_average(&k->stable, now);
	*panic = ring_average(&k->panic, now);
	return !ring_empty(&k->stable, now);
}

int
sp_kpa_panicking(const sp_kpa *k)
{
	return k->panicking;
}

const char *
sp_kpa_reason(const sp_kpa *k)
{
	return k->reason;
}

int
sp_kpa_decide(sp_kpa *k, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	double readyc, maxup, maxdown, dspc, dppc, stable, panic;
	int dstable, dpanic, desired, over;

	if (!(wstar > 0) || !isfinite(wstar))
		return sp_error_set(err, SP_EUSAGE, "kpa: target per pod must be > 0");
	if (current < 0 || ready < 0)
		return sp_error_set(err, SP_EUSAGE, "kpa: negative pod count");
	if (!k->started) {
		/* newAutoscaler: start in panic mode above one ready pod */
		k->started = 1;
		if (ready > 1) {
			k->panicking = 1;
			k->panic_time = t;
			k->max_panic = ready;
		}
	}
	if (!sp_kpa_windows(k, t, &stable, &panic)) {
		k->reason = "nodata";
		*replicas = current;
		return 0;
	}
	readyc = fmax(1, (double)ready);
	maxup = ceil(k->o.max_up_rate * readyc);
	maxdown = floor(readyc / k->o.max_down_rate);
	dspc = ceil(stable / wstar);
	dppc = ceil(panic / wstar);
	dstable = (int)fmin(fmax(dspc, maxdown), maxup);
	dpanic = (int)fmin(fmax(dppc, maxdown), maxup);
	over = dppc / readyc >= k->o.panic_threshold_pct / 100;
	if (!k->panicking && over) {
		k->panicking = 1;
		k->panic_time = t;
	} else if (over)
		k->panic_time = t;
	else if (k->panicking && k->panic_time + k->o.stable_window < t) {
		k->panicking = 0;
		k->max_panic = 0;
	}
	desired = dstable;
	k->reason = "stable";
	if (k->panicking) {
		if (desired < dpanic)
			desired = dpanic;
		if (desired > k->max_panic)
			k->max_panic = desired;
		desired = k->max_panic;
		k->reason = "panic";
	}
	if (desired < k->o.min) {
		desired = k->o.min;
		k->reason = "min";
	}
	if (k->o.max > 0 && desired > k->o.max) {
		desired = k->o.max;
		k->reason = "max";
	}
	*replicas = desired;
	return 0;
}

static int
peer_observe(void *self, double t, double load, sp_error *err)
{
	return sp_kpa_observe(self, t, load, err);
}

static int
peer_decide(void *self, double t, int current, int ready, double wstar, int *replicas,
    sp_error *err)
{
	return sp_kpa_decide(self, t, current, ready, wstar, replicas, err);
}

static const char *
peer_reason(const void *self)
{
	return sp_kpa_reason(self);
}

static void
peer_free(void *self)
{
	sp_kpa_free(self);
}

static const sp_peer_ops kpa_ops = { "kpa", peer_observe, peer_decide, peer_reason, peer_free };

sp_peer
sp_kpa_peer(sp_kpa *k)
{
	sp_peer p = { &kpa_ops, k };
	return p;
}
