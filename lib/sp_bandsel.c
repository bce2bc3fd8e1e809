/* sp_bandsel: the better of two forecast bands by their recent calibration
 * (see sp_bandsel.h). */
#include <math.h>
#include <stdlib.h>

#include "sp_bandsel.h"

struct sp_bandsel {
	sp_bandsel_opts o;
	int fed;                /* an origin was fed */
	double t, target;       /* the last origin and its horizon-1 target */
	double base_h1, alt_h1; /* its forecasts, scored at the next origin */
	double mean[2];         /* base, alternative (NaN before an error) */
	long n[2];
	int alt_used;
};

void
sp_bandsel_defaults(sp_bandsel_opts *o)
{
	o->memory = 86400;
	o->min_errors = 12;
}

static void
reset(sp_bandsel *s)
{
	s->fed = 0;
	s->t = s->target = -INFINITY;
	s->base_h1 = s->alt_h1 = NAN;
	s->mean[0] = s->mean[1] = NAN;
	s->n[0] = s->n[1] = 0;
	s->alt_used = 0;
}

sp_bandsel *
sp_bandsel_new(const sp_bandsel_opts *o, sp_error *err)
{
	sp_bandsel *s;

	if (!(o->memory > 0) || !isfinite(o->memory))
		return sp_error_set(err, SP_EUSAGE, "memory must be a positive number of seconds"), NULL;
	if (o->min_errors < 0)
		return sp_error_set(err, SP_EUSAGE, "min_errors must not be negative"), NULL;
	if (!(s = malloc(sizeof *s)))
		return sp_error_set(err, SP_ENOMEM, "out of memory"), NULL;
	s->o = *o;
	reset(s);
	return s;
}

void
sp_bandsel_free(sp_bandsel *s)
{
	free(s);
}

/* One error into band i's mean, the past weighted by lam. */
static void
score(sp_bandsel *s, int i, double load, double f, double lam)
{
	double e;

	if (isnan(load) || isnan(f))
		return;
	e = fabs(load - f);
	s->mean[i] = s->n[i]++ ? lam * s->mean[i] + (1 - lam) * e : e;
}

int
sp_bandsel_origin(sp_bandsel *s, double t, double target, double load, double base_h1, double alt_h1)
{
	if (s->fed && t == s->target) {
		double lam = 1 - (t - s->t) / s->o.memory;
		if (lam < 0)
			lam = 0;
		score(s, 0, load, s->base_h1, lam);
		score(s, 1, load, s->alt_h1, lam);
	}
	s->fed = 1;
	s->t = t, s->target = target;
	s->base_h1 = base_h1, s->alt_h1 = alt_h1;
	s->alt_used = !isnan(alt_h1) && s->n[1] >= s->o.min_errors && s->mean[1] < s->mean[0];
	return s->alt_used;
}

double
sp_bandsel_last(const sp_bandsel *s)
{
	return s->fed ? s->t : -INFINITY;
}

void
sp_bandsel_get_scores(const sp_bandsel *s, sp_bandsel_scores *sc)
{
	sc->base = s->mean[0], sc->alt = s->mean[1];
	sc->nbase = s->n[0], sc->nalt = s->n[1];
	sc->alt_used = s->alt_used;
}

int
sp_bandsel_write_state(const sp_bandsel *s, sp_state_writer *w, sp_error *err)
{
	(void)err;
	sp_state_put_double(w, "memory", s->o.memory);
	sp_state_put_long(w, "min_errors", s->o.min_errors);
	sp_state_put_long(w, "fed", s->fed);
	sp_state_put_doubles(w, "last", 4, (const double[]){ s->t, s->target, s->base_h1, s->alt_h1 });
	sp_state_put_longs(w, "errors", 2, s->n);
	sp_state_put_doubles(w, "means", 2, s->mean);
	sp_state_put_long(w, "alt_used", s->alt_used);
	return 0;
}

/* An inconsistent value on the line just read. */
static int
bad_line(const sp_state *st, sp_error *err, const char *what)
{
	return sp_state_error_back(st, 1, err, SP_EMODEL, "%s", what);
}

int
sp_bandsel_read_state(sp_bandsel *s, sp_state *st, sp_error *err)
{
	double last[4], mean[2];
	long fed, n[2], used;
	int rc, i;

	if ((rc = sp_state_want_double(st, "memory", s->o.memory, err)) < 0 ||
	    (rc = sp_state_want_long(st, "min_errors", s->o.min_errors, err)) < 0 ||
	    (rc = sp_state_long(st, "fed", 0, 1, &fed, err)) < 0 ||
	    (rc = sp_state_doubles(st, "last", 4, last, err)) < 0)
		return rc;
	if (fed ? !isfinite(last[0]) || !isfinite(last[1]) || !(last[1] > last[0]) || isinf(last[2]) || isinf(last[3])
	        : !(isinf(last[0]) && isinf(last[1])))
		return bad_line(st, err, "last: inconsistent");
	if ((rc = sp_state_longs(st, "errors", 2, 0, 1L << 52, n, err)) < 0 ||
	    (rc = sp_state_doubles(st, "means", 2, mean, err)) < 0)
		return rc;
	for (i = 0; i < 2; i++)
		if (n[i] ? !(isfinite(mean[i]) && mean[i] >= 0) : !isnan(mean[i]))
			return bad_line(st, err, "means: inconsistent with the errors");
	if ((rc = sp_state_long(st, "alt_used", 0, 1, &used, err)) < 0)
		return rc;
	s->fed = (int)fed;
	s->t = last[0], s->target = last[1], s->base_h1 = last[2], s->alt_h1 = last[3];
	s->mean[0] = mean[0], s->mean[1] = mean[1];
	s->n[0] = n[0], s->n[1] = n[1];
	s->alt_used = (int)used;
	return 0;
}
