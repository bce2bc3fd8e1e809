/* sp_fc_ar: AR forecasters (fixed and rolling refit); see sp_fc_ar.h. */
#include "sp_fc_ar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sp_state.h"
#include "sp_stats.h"

/* Both backends share the state and the ops; roll != NULL marks the rolling one. */
typedef struct {
	sp_ar_model *m;           /* fixed: the model */
	sp_ar_roll *roll;         /* rolling: the window and its last fit */
	const sp_ar_model *last;  /* the model of the last band */
	sp_ar_band_opts band;
	sp_forecaster_hist hist;  /* fixed: the last max(need, 1) values */
	/* rolling with the period found in the data (sp_fc_ar_season) */
	int autos;
	sp_fc_ar_season sa;
	sp_ar_spec spec;          /* the spec, season 0 until the period is found */
	size_t window;
	long period;              /* -1 until decided, then 0 (none) or the lag */
	double acf;               /* the period's autocorrelation */
	double t0, tl;            /* the first and last times of y */
	double *y;                /* the values the period is found on */
	size_t ny, ycap;
	size_t fits0, damped0;    /* of the rolls replaced this run (the period found) */
} arfc;

static void
arfc_free(void *st)
{
	arfc *a = st;

	if (!a)
		return;
	sp_ar_model_free(a->m);
	sp_ar_roll_free(a->roll);
	sp_forecaster_hist_free(&a->hist);
	free(a->y);
	free(a);
}

/* level and the miss rates alo, ahi of the band */
static void
fill_info(sp_forecaster_info *info, int window, double level, double alo, double ahi)
{
	info->kind = "ar";
	info->window = window;
	info->step = 0;
	info->hmax = SP_FORECASTER_MAXH;
	info->hdefault = 1;
	info->band = SP_FORECASTER_BAND_LEVEL;
	info->level = level;
	info->alo = alo, info->ahi = ahi;
	info->options = SP_FORECASTER_OPT_LEVEL;
}

/* The fixed backend's state; takes m. */
static arfc *
fixed_new(sp_ar_model *m, const sp_ar_band_opts *o, sp_error *err)
{
	arfc *a = calloc(1, sizeof *a);
	int need = (int)sp_ar_need(m);

	if (!a) {
		sp_ar_model_free(m);
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->m = m, a->band = *o;
	if (sp_forecaster_hist_init(&a->hist, need > 1 ? need : 1, err) < 0) {
		arfc_free(a);
		return NULL;
	}
	return a;
}

static int
fixed_push(void *st, double t, const double *x, sp_error *err)
{
	arfc *a = st;

	(void)err;
	sp_forecaster_hist_push(&a->hist, t, x[0]);
	return sp_forecaster_hist_full(&a->hist);
}

size_t
sp_fc_ar_season_find(const sp_ar_spec *spec, const double *y, size_t n, double step, size_t fit,
    const sp_fc_ar_season *sa, double *acf)
{
	size_t maxl = step > 0 ? (size_t)floor(sa->maxlag / step + 1e-9) : 0, need = sp_ar_min_points(spec);

	if (maxl > (fit > need ? fit - need : 0))
		maxl = fit > need ? fit - need : 0;
	if (maxl > SP_AR_MAX_SEASON)
		maxl = SP_AR_MAX_SEASON;
	return sp_stats_acf_period(y, n, maxl, sa->min_acf, sa->min_rise, acf);
}

/* The period of the values so far (a->ny of them, the time t after them):
 * found, and the roll restarted with it on its window, when they span
 * sa.after. */
static int
season_decide(arfc *a, double t, sp_error *err)
{
	double step = (t - a->t0) / (double)a->ny;
	size_t k;
	sp_ar_spec spec = a->spec;
	sp_ar_roll *r;
	const double *w;

	if (!(step > 0) || (double)a->ny < floor(a->sa.after / step + 0.5))
		return 0;
	/* a period the window (the values so far, if fewer) still fits with */
	a->period = (long)sp_fc_ar_season_find(&spec, a->y, a->ny, step, a->ny < a->window ? a->ny : a->window,
	    &a->sa, &a->acf);
	free(a->y);
	a->y = NULL, a->ny = a->ycap = 0;
	if (a->period == 0)
		return 0;
	spec.s = (int)a->period;
	if (!(r = sp_ar_roll_new(&spec, a->window, err)))
		return err ? err->code : SP_EUSAGE;
	w = sp_ar_roll_window(a->roll, &k);
	for (size_t i = 0; i < k; i++)
		if (sp_ar_roll_push(r, w[i], err) < 0) {
			sp_ar_roll_free(r);
			return err ? err->code : SP_EDATA;
		}
	a->damped0 += sp_ar_roll_damped(a->roll, &k);
	a->fits0 += k;
	sp_ar_roll_free(a->roll);
	a->roll = r;
	a->spec = spec;
	return 0;
}

static int
season_keep(arfc *a, double t, double x, sp_error *err)
{
	int rc;

	if (a->ny > 0 && (rc = season_decide(a, t, err)) < 0)
		return rc;
	if (a->period >= 0)
		return 0;
	if (a->ny == a->ycap) {
		size_t cap = a->ycap ? 2 * a->ycap : 1024;
		double *y = realloc(a->y, cap * sizeof *y);
		if (!y)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		a->y = y, a->ycap = cap;
	}
	if (a->ny == 0)
		a->t0 = t;
	a->y[a->ny++] = x;
	a->tl = t;
	return 0;
}

static int
rolling_push(void *st, double t, const double *x, sp_error *err)
{
	arfc *a = st;
	int rc;

	if (!isfinite(x[0]))
		return sp_error_set(err, SP_EDATA, "rolling AR: a missing value (the window must be complete)");
	if (a->autos && a->period < 0 && (rc = season_keep(a, t, x[0], err)) < 0)
		return rc;
	if ((rc = sp_ar_roll_push(a->roll, x[0], err)) < 0)
		return rc;
	return rc;
}

static int
arfc_push(void *st, double t, const double *x, sp_error *err)
{
	return ((arfc *)st)->roll ? rolling_push(st, t, x, err) : fixed_push(st, t, x, err);
}

static int
arfc_band(void *st, int H, double *lo, double *mid, double *hi, sp_error *err)
{
	arfc *a = st;

	if (a->roll) {
		if (!(a->last = sp_ar_roll_fit(a->roll, a->band.boot > 0, err)))
			return err ? err->code : SP_EDATA;
		return sp_ar_band(a->last, NULL, 0, H, &a->band, mid, lo, hi, err);
	}
	a->last = a->m;
	return sp_ar_band(a->m, sp_forecaster_hist_y(&a->hist), (size_t)a->hist.window, H, &a->band, mid, lo, hi,
	    err);
}

static int
arfc_save(const void *st, const char *path, const char *cmdline, sp_error *err)
{
	const arfc *a = st;
	const sp_ar_model *m = a->roll ? a->last : a->m;

	if (!m)
		return sp_error_set(err, SP_EUSAGE, "%s: no fitted AR model to save yet", path);
	return sp_ar_save(m, path, cmdline, err);
}

static void *
arfc_open(const char *path, const sp_forecaster_opts *o, sp_forecaster_info *info, sp_error *err)
{
	/* forecast's band: quantiles (1 - L)/2 and 1 - that, miss rates (1 - L)/2 each */
	double level = o->level > 0 ? o->level : 0.8, alpha = (1 - level) / 2;
	sp_ar_band_opts bo = { alpha, 1 - alpha, 0, NULL };
	sp_ar_model *m = sp_ar_load(path, err);
	arfc *a;

	if (!m || !(a = fixed_new(m, &bo, err)))
		return NULL;
	fill_info(info, a->hist.window, level, alpha, alpha);
	return a;
}

/* The state: the band, then the rolling fit's window and sums, or the
 * fixed model's coefficients (checked) and its history. */
static int
arfc_write_state(const void *st, sp_state_writer *w, sp_error *err)
{
	const arfc *a = st;
	const sp_ar_model *m = a->m;
	char k[32];

	if (a->band.boot > 0)
		return sp_error_set(err, SP_EUSAGE, "no state with --bootstrap (its random stream is not saved)");
	if (!w)
		return 0;
	sp_state_put_doubles(w, "band", 2, (const double[]){ a->band.qlo, a->band.qhi });
	if (a->autos) {
		sp_state_put_doubles(w, "season_auto", 4,
		    (const double[]){ a->sa.after, a->sa.maxlag, a->sa.min_acf, a->sa.min_rise });
		sp_state_put_long(w, "season_period", a->period);
		if (a->period < 0) {
			sp_state_put_long(w, "season_n", (long)a->ny);
			if (a->ny > 0) {
				sp_state_put_doubles(w, "season_t", 2, (const double[]){ a->t0, a->tl });
				sp_state_put_doubles(w, "season_y", a->ny, a->y);
			}
		} else {
			sp_state_put_double(w, "season_acf", a->acf);
		}
	}
	if (a->roll) {
		sp_ar_roll_write_state(a->roll, w);
		return 0;
	}
	sp_state_put_longs(w, "model", 4, (const long[]){ m->p, m->d, m->s, m->intercept });
	sp_state_put_double(w, "model_const", m->c);
	sp_state_put_double(w, "model_sigma2", m->sigma2);
	for (int i = 0; i < m->p; i++) {
		snprintf(k, sizeof k, "model_phi%d", i + 1);
		sp_state_put_double(w, k, m->phi[i]);
	}
	sp_forecaster_hist_write_state(&a->hist, w, "hist");
	return 0;
}

/* The period found (or the values it will be found on); a found period
 * restarts the roll with it, for the roll's state to fill. */
static int
season_read_state(arfc *a, sp_state *s, sp_error *err)
{
	double sa[4], tt[2];
	long period, n;
	int rc;

	if ((rc = sp_state_doubles(s, "season_auto", 4, sa, err)) < 0)
		return rc;
	if (sa[0] != a->sa.after || sa[1] != a->sa.maxlag || sa[2] != a->sa.min_acf || sa[3] != a->sa.min_rise)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "state written with --season auto over %.17g s, "
		    "periods up to %.17g s, autocorrelation %.17g, rise %.17g; not %.17g s, %.17g s, %.17g, %.17g",
		    sa[0], sa[1], sa[2], sa[3], a->sa.after, a->sa.maxlag, a->sa.min_acf, a->sa.min_rise);
	if ((rc = sp_state_long(s, "season_period", -1, SP_AR_MAX_SEASON, &period, err)) < 0)
		return rc;
	if (period == 1)
		return sp_state_error_back(s, 1, err, SP_EMODEL, "season_period: 1 is not a period");
	free(a->y);
	a->y = NULL, a->ny = a->ycap = 0;
	a->period = period;
	if (period < 0) {
		if ((rc = sp_state_long(s, "season_n", 0, 1L << 24, &n, err)) < 0)
			return rc;
		if (n > 0) {
			if (!(a->y = malloc((size_t)n * sizeof *a->y)))
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			a->ycap = (size_t)n;
			if ((rc = sp_state_doubles(s, "season_t", 2, tt, err)) < 0 ||
			    (rc = sp_state_doubles(s, "season_y", (size_t)n, a->y, err)) < 0)
				return rc;
			for (long i = 0; i < n; i++)
				if (!isfinite(a->y[i]))
					return sp_state_error_back(s, 1, err, SP_EMODEL,
					    "season_y: value %ld is not finite", i + 1);
			if (!isfinite(tt[0]) || !(tt[1] >= tt[0]) || !isfinite(tt[1]))
				return sp_state_error_back(s, 2, err, SP_EMODEL,
				    "season_t: not two times in order");
			a->ny = (size_t)n, a->t0 = tt[0], a->tl = tt[1];
		}
		return 0;
	}
	if ((rc = sp_state_double(s, "season_acf", &a->acf, err)) < 0)
		return rc;
	if (period > 0 && period != a->spec.s) {
		sp_ar_spec spec = a->spec;
		sp_ar_roll *r;
		spec.s = (int)period;
		if (!(r = sp_ar_roll_new(&spec, a->window, err)))   /* season_period, then season_acf */
			return sp_state_error_back(s, 2, err, SP_EMODEL,
			    "season_period: %ld does not fit the window of %zu rows", period, a->window);
		sp_ar_roll_free(a->roll);
		a->roll = r, a->spec = spec;
	}
	return 0;
}

static int
arfc_read_state(void *st, sp_state *s, sp_error *err)
{
	arfc *a = st;
	const sp_ar_model *m = a->m;
	double band[2];
	long model[4];
	char k[32];
	int rc;

	if ((rc = sp_state_doubles(s, "band", 2, band, err)) < 0)
		return rc;
	if (band[0] != a->band.qlo || band[1] != a->band.qhi)
		return sp_state_error_back(s, 1, err, SP_EMODEL,
		    "state written with the band's quantiles %.17g, %.17g, not %.17g, %.17g",
		    band[0], band[1], a->band.qlo, a->band.qhi);
	if (a->autos && (rc = season_read_state(a, s, err)) < 0)
		return rc;
	if (a->roll)
		return sp_ar_roll_read_state(a->roll, s, err);
	if ((rc = sp_state_longs(s, "model", 4, 0, SP_AR_MAX_SEASON, model, err)) < 0)
		return rc;
	if (model[0] != m->p || model[1] != m->d || model[2] != m->s || model[3] != m->intercept)
		return sp_state_error_back(s, 1, err, SP_EMODEL,
		    "state written with AR(%ld) d %ld season %ld, not AR(%d) d %d season %d",
		    model[0], model[1], model[2], m->p, m->d, m->s);
	if ((rc = sp_state_want_double(s, "model_const", m->c, err)) < 0 ||
	    (rc = sp_state_want_double(s, "model_sigma2", m->sigma2, err)) < 0)
		return rc;
	for (int i = 0; i < m->p; i++) {
		snprintf(k, sizeof k, "model_phi%d", i + 1);
		if ((rc = sp_state_want_double(s, k, m->phi[i], err)) < 0)
			return rc;
	}
	return sp_forecaster_hist_read_state(&a->hist, s, "hist", err);
}

const sp_forecaster_ops sp_fc_ar_ops = {
	.kind = "ar",
	.open = arfc_open,
	.push = arfc_push,
	.band = arfc_band,
	.save = arfc_save,
	.free = arfc_free,
	.write_state = arfc_write_state,
	.read_state = arfc_read_state,
};

sp_forecaster *
sp_fc_ar_new(sp_ar_model *m, const sp_ar_band_opts *o, sp_error *err)
{
	sp_forecaster_info info = { 0 };
	arfc *a = fixed_new(m, o, err);

	if (!a)
		return NULL;
	fill_info(&info, a->hist.window, o->qhi - o->qlo, o->qlo, 1 - o->qhi);
	return sp_forecaster_new(&sp_fc_ar_ops, a, &info, err);
}

sp_forecaster *
sp_fc_ar_rolling_new(const sp_ar_spec *spec, size_t window, const sp_ar_band_opts *o, sp_error *err)
{
	arfc *a = calloc(1, sizeof *a);
	sp_forecaster_info info = { 0 };

	if (!a) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	a->band = *o;
	if (!(a->roll = sp_ar_roll_new(spec, window, err))) {
		arfc_free(a);
		return NULL;
	}
	fill_info(&info, (int)window, o->qhi - o->qlo, o->qlo, 1 - o->qhi);
	return sp_forecaster_new(&sp_fc_ar_ops, a, &info, err);
}

void
sp_fc_ar_season_defaults(sp_fc_ar_season *sa)
{
	*sa = (sp_fc_ar_season){ 7 * 86400.0, 86400.0, 0.5, 0.25 };
}

sp_forecaster *
sp_fc_ar_rolling_auto_new(const sp_ar_spec *spec, size_t window, const sp_fc_ar_season *sa,
    const sp_ar_band_opts *o, sp_error *err)
{
	sp_forecaster *f;
	arfc *a;

	if (spec->s != 0 || !(sa->after > 0) || !(sa->maxlag > 0) || !(sa->min_acf >= 0 && sa->min_acf <= 1) ||
	    !(sa->min_rise >= 0 && sa->min_rise <= 2)) {
		sp_error_set(err, SP_EUSAGE, "season auto: needs season 0, a positive span and longest period, "
		    "an autocorrelation in [0, 1] and a rise in [0, 2]");
		return NULL;
	}
	if (!(f = sp_fc_ar_rolling_new(spec, window, o, err)))
		return NULL;
	a = sp_forecaster_state(f, &sp_fc_ar_ops);
	a->autos = 1, a->sa = *sa, a->spec = *spec, a->window = window, a->period = -1;
	return f;
}

long
sp_fc_ar_period(const sp_forecaster *f, double *acf)
{
	const arfc *a = sp_forecaster_state(f, &sp_fc_ar_ops);

	if (!a || !a->autos)
		return -2;
	if (acf)
		*acf = a->acf;
	return a->period;
}

const sp_ar_model *
sp_fc_ar_model(const sp_forecaster *f)
{
	const arfc *a = sp_forecaster_state(f, &sp_fc_ar_ops);

	return a ? a->last : NULL;
}

size_t
sp_fc_ar_damped(const sp_forecaster *f, size_t *fits)
{
	const arfc *a = sp_forecaster_state(f, &sp_fc_ar_ops);
	size_t n;

	*fits = 0;
	if (!a || !a->roll)
		return 0;
	n = sp_ar_roll_damped(a->roll, fits);
	*fits += a->fits0;
	return n + a->damped0;
}
