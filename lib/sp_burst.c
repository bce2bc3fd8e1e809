/* sp_burst: BAScaler's burst detector, streamed; see sp_burst.h. */
#include "sp_burst.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_model.h"
#include "sp_state.h"

struct sp_burst {
	sp_burst_opts o;
	long t;             /* index of the current origin (0-based) */
	int observed;       /* observe done, forecast pending */
	/* forecasts: ring of H, slot (origin mod H), each 3*H values */
	double *fc;
	long *fc_origin;    /* origin of the slot, -1 empty */
	/* observations W and labels B: rings of H + near */
	double *w;
	unsigned char *lab;
	size_t ring;
	/* theta_acc learning (Welford) */
	double mean, m2;
	long count;
	int trained;
	double theta;
};

void
sp_burst_defaults(sp_burst_opts *o)
{
	o->H = 24;
	o->near = 3;
	o->min_out = 2;
	o->theta_score = 0.01;
	o->theta_acc = NAN;
	o->q_lo = 1 - 0.99;  /* 0.010000000000000009, as the reference computes it */
	o->q_hi = 0.99;
	o->train = 0;
	o->eps = 1e-9;
}

void
sp_burst_free(sp_burst *b)
{
	if (!b)
		return;
	free(b->fc);
	free(b->fc_origin);
	free(b->w);
	free(b->lab);
	free(b);
}

sp_burst *
sp_burst_new(const sp_burst_opts *o, sp_error *err)
{
	sp_burst *b;
	int i;

	if (o->H < 1 || o->H > 10000 || o->near < 1 || o->min_out < 0 || !(o->q_lo >= 0 && o->q_lo < o->q_hi && o->q_hi <= 1) ||
	    o->train < 0) {
		sp_error_set(err, SP_EUSAGE, "burst detector: bad options (H >= 1, near >= 1, 0 <= q_lo < q_hi <= 1)");
		return NULL;
	}
	if (!(b = calloc(1, sizeof *b))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	b->o = *o;
	b->ring = (size_t)o->H + (size_t)o->near + 1;
	b->fc = malloc((size_t)o->H * 3 * (size_t)o->H * sizeof *b->fc);
	b->fc_origin = malloc((size_t)o->H * sizeof *b->fc_origin);
	b->w = calloc(b->ring, sizeof *b->w);
	b->lab = calloc(b->ring, 1);
	if (!b->fc || !b->fc_origin || !b->w || !b->lab) {
		sp_burst_free(b);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < o->H; i++)
		b->fc_origin[i] = -1;
	for (i = 0; i < 3 * o->H * o->H; i++)
		b->fc[i] = NAN;   /* never read before written; defined for sp_burst_write_state */
	b->theta = o->theta_acc;
	b->t = -1;
	return b;
}

double
sp_burst_theta_acc(const sp_burst *b)
{
	return b->theta;
}

int
sp_burst_trained(const sp_burst *b)
{
	return b->trained;
}

static double
rho(double q, double u)
{
	return u > 0 ? q * u : (q - 1) * u;
}

/* Band of the forecast issued at origin o for step j (o < j <= o + H), or NULL. */
static const double *
band(const sp_burst *b, long o, long j, double *l, double *m, double *u)
{
	int H = b->o.H;
	long h = j - o;
	const double *f;

	if (o < 0 || h < 1 || h > H || b->fc_origin[o % H] != o)
		return NULL;
	f = b->fc + (size_t)(o % H) * 3 * (size_t)H;
	*l = f[h - 1];
	*m = f[H + h - 1];
	*u = f[2 * H + h - 1];
	return f;
}

int
sp_burst_observe(sp_burst *b, double w, int *label, int *outside, sp_error *err)
{
	const sp_burst_opts *o = &b->o;
	int H = o->H, k, flags3 = 0, n_new = 0, calm_flags = 0, prev, lab;
	long t;

	if (!isfinite(w))
		return sp_error_set(err, SP_EDATA, "observed load must be a finite number");
	if (b->observed)
		return sp_error_set(err, SP_EUSAGE, "burst detector: forecast missing before the next observation");
	t = ++b->t;
	b->w[(size_t)t % b->ring] = w;
	b->observed = 1;

	/* learn theta_acc from the training forecasts realised now */
	if (o->train > 0 && !b->trained && w != 0) {
		long org;
		for (org = t - H; org < t; org++) {
			double l, m, u;
			if (org < 0 || org >= o->train || !band(b, org, t, &l, &m, &u))
				continue;
			{
				double q = (rho(o->q_lo, w - l) + rho(o->q_hi, w - u)) / fabs(w), d;
				b->count++;
				d = q - b->mean;
				b->mean += d / (double)b->count;
				b->m2 += d * (q - b->mean);
			}
		}
	}
	if (o->train > 0 && !b->trained && t >= o->train - 1 + H) {
		b->trained = 1;
		if (isnan(o->theta_acc))
			b->theta = b->count ? b->mean + 3 * sqrt(b->m2 / (double)b->count) : NAN;
	}

	prev = t > 0 ? b->lab[(size_t)(t - 1) % b->ring] : 0;
	for (k = 0; k < H; k++) {
		long org = t - H + k;
		int m = o->near < H - k ? o->near : H - k, j, n = 0, have = 0, f;
		double sc = 0, ll = 0, lu = 0, aw = 0, ql;

		for (j = 0; j < m; j++) {
			long step = t - j;
			double l, md, u, x;
			if (step <= org || step < 0 || !band(b, org, step, &l, &md, &u))
				continue;
			x = b->w[(size_t)step % b->ring];
			have++;
			n += x > u || x < l;
			sc += ((x > u ? x - u : 0) + (l > x ? l - x : 0)) / (fabs(md) > o->eps ? fabs(md) : o->eps);
			ll += rho(o->q_lo, x - l);
			lu += rho(o->q_hi, x - u);
			aw += fabs(x);
		}
		if (!have)
			continue;
		sc /= have;
		ql = aw / have >= o->eps ? (ll / have + lu / have) / (aw / have) : NAN;
		f = (n >= o->min_out && sc > o->theta_score) || ql > b->theta;
		if (k >= H - 3)
			flags3 |= f;
		if (k == H - 1)
			n_new = n;
		if (f && org >= 0 && !b->lab[(size_t)org % b->ring] && org < t)
			calm_flags++;
	}
	if (!prev)
		lab = flags3 && n_new > 0;
	else
		lab = !(!flags3 && n_new == 0 && calm_flags < 2);
	b->lab[(size_t)t % b->ring] = (unsigned char)lab;
	*label = lab;
	if (outside)
		*outside = n_new > 0;
	return 0;
}

int
sp_burst_forecast(sp_burst *b, const double *L, const double *M, const double *U, sp_error *err)
{
	int H = b->o.H, h;
	double *f;

	if (!b->observed)
		return sp_error_set(err, SP_EUSAGE, "burst detector: observation missing before the forecast");
	for (h = 0; h < H; h++)
		if (!isfinite(L[h]) || !isfinite(M[h]) || !isfinite(U[h]))
			return sp_error_set(err, SP_EDATA, "horizon %d: forecast, lower and upper must be numbers", h + 1);
	f = b->fc + (size_t)(b->t % H) * 3 * (size_t)H;
	memcpy(f, L, (size_t)H * sizeof *f);
	memcpy(f + H, M, (size_t)H * sizeof *f);
	memcpy(f + 2 * H, U, (size_t)H * sizeof *f);
	b->fc_origin[b->t % H] = b->t;
	b->observed = 0;
	return 0;
}

int
sp_burst_state_parse(const char *s, size_t n)
{
	if (n == 5 && memcmp(s, "burst", 5) == 0)
		return SP_BURST_BURST;
	if (n == 6 && memcmp(s, "normal", 6) == 0)
		return SP_BURST_NORMAL;
	if (n == 5 && memcmp(s, "spike", 5) == 0)
		return SP_BURST_SPIKE;
	return -1;
}

const char *
sp_burst_state_name(sp_burst_state st)
{
	return st == SP_BURST_BURST ? "burst" : st == SP_BURST_SPIKE ? "spike" : "normal";
}

/* ---- the thresholds' model file ---- */

int
sp_burst_save(const sp_burst *b, const char *path, const char *command, sp_error *err)
{
	sp_model_writer *w;

	if (!isfinite(b->theta))
		return sp_error_set(err, SP_EUSAGE, "burst detector: no theta_acc to save (none given or learnt)");
	if (!(w = sp_model_create(path, "burst", 1, err)))
		return err ? err->code : SP_EIO;
	if (command)
		sp_model_put_line(w, "command", command);
	sp_model_put_double(w, "theta_acc", b->theta);
	sp_model_put_double(w, "theta_score", b->o.theta_score);
	sp_model_put_long(w, "min_outliers", b->o.min_out);
	sp_model_put_long(w, "near", b->o.near);
	sp_model_put_double(w, "q_lo", b->o.q_lo);
	sp_model_put_double(w, "q_hi", b->o.q_hi);
	sp_model_put_long(w, "horizons", b->o.H);
	return sp_model_commit(w, err);
}

int
sp_burst_load(const char *path, sp_burst_opts *o, sp_error *err)
{
	sp_model *m = sp_model_load(path, "burst", 1, NULL, err);
	sp_burst_opts t = *o;
	const char *cmd;
	long mo, near, H;
	int rc;

	if (!m)
		return err ? err->code : SP_EMODEL;
	if ((sp_model_has(m, "command") && (rc = sp_model_get_line(m, "command", &cmd, err)) < 0) ||
	    (rc = sp_model_get_double(m, "theta_acc", &t.theta_acc, err)) < 0 ||
	    (rc = sp_model_get_double(m, "theta_score", &t.theta_score, err)) < 0 ||
	    (rc = sp_model_get_long(m, "min_outliers", 0, 1000, &mo, err)) < 0 ||
	    (rc = sp_model_get_long(m, "near", 1, 1000, &near, err)) < 0 ||
	    (rc = sp_model_get_double(m, "q_lo", &t.q_lo, err)) < 0 ||
	    (rc = sp_model_get_double(m, "q_hi", &t.q_hi, err)) < 0 ||
	    (rc = sp_model_get_long(m, "horizons", 1, 10000, &H, err)) < 0 ||
	    (rc = sp_model_finish(m, err)) < 0) {
		sp_model_free(m);
		return rc;
	}
	sp_model_free(m);
	if (!(t.theta_acc >= 0) || !(t.theta_score >= 0))
		return sp_error_set(err, SP_EMODEL, "%s: theta_acc and theta_score must not be negative", path);
	if (!(t.q_lo >= 0 && t.q_lo < t.q_hi && t.q_hi <= 1))
		return sp_error_set(err, SP_EMODEL, "%s: q_lo and q_hi must satisfy 0 <= q_lo < q_hi <= 1", path);
	t.min_out = (int)mo;
	t.near = (int)near;
	t.H = (int)H;
	*o = t;
	return 0;
}

/* ---- the state between runs ---- */

/* The first horizon of the forecast of origin o that a later observation
 * can still read: sp_burst_observe at t' > t reads the band of o for the
 * targets t' - near + 1 .. t' (and, while learning, t' itself), so targets
 * before t - near + 2 are done with; H + 1 when nothing is left (or the
 * slot is empty). */
static int
fc_first(const sp_burst *b, long o)
{
	long h0 = b->t - b->o.near + 2 - o;

	if (o < 0)
		return b->o.H + 1;
	return h0 < 1 ? 1 : h0 > b->o.H ? b->o.H + 1 : (int)h0;
}

/* The part of the ring a later observation can read, slot by slot, L then
 * M then U of horizons fc_first .. H, into keep; how many values.  About
 * 60 % of the ring (at H = 24, near = 3: 1,035 values of 1,728), the rest
 * of a state's size. */
static size_t
fc_kept(const sp_burst *b, double *keep)
{
	size_t i, n = 0, H = (size_t)b->o.H;
	int q;

	for (i = 0; i < H; i++) {
		size_t h0 = (size_t)fc_first(b, b->fc_origin[i]);
		for (q = 0; q < 3 && h0 <= H; q++) {
			memcpy(keep + n, b->fc + i * 3 * H + (size_t)q * H + h0 - 1, (H - h0 + 1) * sizeof *keep);
			n += H - h0 + 1;
		}
	}
	return n;
}

/* burst_fc as fc_kept wrote it (the origins already read); the rest NaN,
 * never read. */
static int
read_fc(sp_burst *b, sp_state *s, sp_error *err)
{
	size_t i, n = 0, H = (size_t)b->o.H;
	double *keep;
	int q, rc;

	for (i = 0; i < H; i++)
		if (b->fc_origin[i] >= 0 && (size_t)b->fc_origin[i] % H != i)
			return sp_state_error(s, err, SP_EMODEL, "burst_fc_origin: origin %ld in slot %zu", b->fc_origin[i], i);
	for (i = 0; i < H; i++)
		n += 3 * (H + 1 - (size_t)fc_first(b, b->fc_origin[i]));
	if (!(keep = malloc((n ? n : 1) * sizeof *keep)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if ((rc = sp_state_doubles(s, "burst_fc", n, keep, err)) < 0) {
		free(keep);
		return rc;
	}
	n = 0;
	for (i = 0; i < 3 * H * H; i++)
		b->fc[i] = NAN;
	for (i = 0; i < H; i++) {
		size_t h0 = (size_t)fc_first(b, b->fc_origin[i]);
		for (q = 0; q < 3 && h0 <= H; q++) {
			memcpy(b->fc + i * 3 * H + (size_t)q * H + h0 - 1, keep + n, (H - h0 + 1) * sizeof *keep);
			n += H - h0 + 1;
		}
	}
	free(keep);
	return 0;
}

int
sp_burst_write_state(const sp_burst *b, sp_state_writer *w, sp_error *err)
{
	size_t i, n, H = (size_t)b->o.H;
	long lab[b->ring];
	double *keep = malloc(3 * H * H * sizeof *keep);

	if (!keep)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (i = 0; i < b->ring; i++)
		lab[i] = b->lab[i];
	sp_state_put_long(w, "burst_t", b->t);
	sp_state_put_doubles(w, "burst_w", b->ring, b->w);
	sp_state_put_longs(w, "burst_labels", b->ring, lab);
	sp_state_put_longs(w, "burst_fc_origin", H, b->fc_origin);
	n = fc_kept(b, keep);
	sp_state_put_doubles(w, "burst_fc", n, keep);
	sp_state_put_doubles(w, "burst_learn", 2, (const double[]){ b->mean, b->m2 });
	sp_state_put_longs(w, "burst_learnt", 2, (const long[]){ b->count, b->trained });
	sp_state_put_double(w, "burst_theta_acc", b->theta);
	free(keep);
	return 0;
}

int
sp_burst_read_state(sp_burst *b, sp_state *s, sp_error *err)
{
	size_t i, H = (size_t)b->o.H;
	long lab[b->ring], lt[2];
	double ms[2];
	int rc;

	if ((rc = sp_state_long(s, "burst_t", -1, 1L << 52, &b->t, err)) < 0 ||
	    (rc = sp_state_doubles(s, "burst_w", b->ring, b->w, err)) < 0 ||
	    (rc = sp_state_longs(s, "burst_labels", b->ring, 0, 1, lab, err)) < 0 ||
	    (rc = sp_state_longs(s, "burst_fc_origin", H, -1, b->t, b->fc_origin, err)) < 0 ||
	    (rc = read_fc(b, s, err)) < 0 ||
	    (rc = sp_state_doubles(s, "burst_learn", 2, ms, err)) < 0 ||
	    (rc = sp_state_longs(s, "burst_learnt", 2, 0, 1L << 52, lt, err)) < 0 ||
	    (rc = sp_state_double(s, "burst_theta_acc", &b->theta, err)) < 0)
		return rc;
	for (i = 0; i < b->ring; i++)
		b->lab[i] = (unsigned char)lab[i];
	b->mean = ms[0];
	b->m2 = ms[1];
	b->count = lt[0];
	b->trained = lt[1] > 1 ? 1 : (int)lt[1];
	b->observed = 0;
	return 0;
}
