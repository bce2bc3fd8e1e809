/* sp_season: a Prophet-style trend + seasonality + holidays model.
 *
 * The model is Prophet's (Taylor & Letham, "Forecasting at scale", 2017, as
 * prophet 1.0 fits it):
 *
 *     y(t) = g(t) + s(t) + h(t) + e                       (additive)
 *     y(t) = g(t) * (1 + s_m(t) + h_m(t)) + s_a(t) + e    (multiplicative terms)
 *
 * g is a piecewise-linear trend (or logistic up to a capacity column, or
 * flat) whose rate changes at S changepoints placed on a grid over the
 * first changepoint_range of the history (rows, not time: Prophet's
 * round(linspace) over the row indexes); s is a sum of Fourier series
 * (daily order 4, weekly 3, yearly 10, switched on by the span and spacing
 * of the history as Prophet's "auto" does, and custom periods); h holds one
 * indicator per holiday and day offset of its window.  y is scaled by its
 * largest absolute value (minus the floor), t to [0, 1] over the history.
 * The fit is the MAP estimate of Prophet's Stan model (normal(0, 5) on k
 * and m, Laplace(0, changepoint_prior_scale) on the rate changes delta,
 * normal(0, prior_scale) on the Fourier and holiday coefficients,
 * half-normal(0, 0.5) on sigma), found by L-BFGS (Stan's algorithm) with
 * analytic gradients; sigma is optimised as log(sigma) as Stan does, and
 * each delta as a^2 - b^2, which makes the Laplace term the smooth
 * (a^2 + b^2) / scale with the same minima.  For a
 * linear or flat trend with only additive terms the objective is a
 * quadratic form plus the Laplace term, evaluated from the Gram matrix of
 * the design (one pass over the data); otherwise row by row.
 *
 * Intervals are Prophet's predictive samples: each sample draws new trend
 * changepoints after the history (a Poisson count at the history's
 * changepoint rate over the forecast span, times uniform, rate changes
 * Laplace(0, mean |delta|)) and adds normal noise sigma; the band is the
 * type-7 quantiles of the samples.  At times inside the history the trend
 * has no uncertainty in that scheme, so the samples there are the point
 * forecast plus noise; those rows get the exact normal quantiles instead of
 * sampled ones.
 *
 * Not here: Prophet's extra regressors, MCMC sampling, conditional
 * seasonalities.  Missing values (NaN) in y are left out of the fit and
 * still predicted.
 *
 * Errors: < 0 (or NULL) and err set, naming the row and column of the
 * input ("row 12, column cap: ..."), the holiday file ("h.csv: row 3,
 * column ds: ...") or the option ("--weekly: ...", SP_EUSAGE).
 * Ownership: every object is freed by its _free (NULL is fine); a model
 * owns copies of everything it was given.
 */
#ifndef SP_SEASON_H
#define SP_SEASON_H

#include <stddef.h>

#include "sp_csv.h"
#include "sp_err.h"
#include "sp_rand.h"

#define SP_SEASON_AUTO (-1)          /* a built-in seasonality switched on by the history */
#define SP_SEASON_MAXSEAS 16         /* custom seasonalities */
#define SP_SEASON_MAXORDER 200       /* Fourier order */
#define SP_SEASON_MAXNAME 32         /* seasonality names, with the NUL */

typedef enum { SP_SEASON_LINEAR, SP_SEASON_LOGISTIC, SP_SEASON_FLAT } sp_season_growth;
typedef enum { SP_SEASON_ADDITIVE, SP_SEASON_MULTIPLICATIVE } sp_season_mode;

/* NULL-terminated names in enum order: "linear", "logistic", "flat" and
 * "additive", "multiplicative". */
extern const char *const sp_season_growth_names[];
extern const char *const sp_season_mode_names[];

/* One Fourier seasonality: period in days, order N (2N features). */
typedef struct {
	char name[SP_SEASON_MAXNAME];
	double period;
	int order;
	double prior_scale;
	sp_season_mode mode;
} sp_season_period;

/* Holidays and events: one entry per (name, date), with the window of days
 * before (lower <= 0) and after (upper >= 0) that get their own effect. */
typedef struct sp_season_holidays sp_season_holidays;

/* What to fit.  sp_season_spec_defaults gives Prophet's defaults. */
typedef struct {
	sp_season_growth growth;
	sp_season_mode mode;                 /* of the seasonalities and holidays */
	int n_changepoints;                  /* 25 */
	double changepoint_range;            /* 0.8 */
	double changepoint_prior_scale;      /* 0.05 */
	double seasonality_prior_scale;      /* 10 */
	double holidays_prior_scale;         /* 10 */
	int daily, weekly, yearly;           /* Fourier order, 0 off, SP_SEASON_AUTO */
	int ncustom;
	sp_season_period custom[SP_SEASON_MAXSEAS];
	const sp_season_holidays *holidays;  /* borrowed; NULL: none */
} sp_season_spec;

void sp_season_spec_defaults(sp_season_spec *s);
/* A built-in switch: "auto", "on" (the default order), "off" or an order
 * 1..SP_SEASON_MAXORDER.  SP_EUSAGE naming opt otherwise. */
int sp_season_parse_switch(const char *opt, const char *arg, int dflt, int *out, sp_error *err);
/* "NAME,PERIOD,ORDER[,PRIOR_SCALE[,MODE]]" (period in days > 0, MODE
 * additive or multiplicative; prior scale and mode default to the spec's)
 * appended to s->custom.  Names: letters, digits, '_', '-', '.', not
 * "trend", "holidays", or one already used; a name daily, weekly or yearly
 * replaces that built-in (as Prophet does).  SP_EUSAGE naming opt. */
int sp_season_add_custom(sp_season_spec *s, const char *opt, const char *arg, sp_error *err);

/* ---- holidays --------------------------------------------------------------- */

/* Read a holiday CSV with Prophet's columns: holiday (name), ds (a date
 * YYYY-MM-DD, or an RFC 3339 / Unix time whose UTC day is taken),
 * optional lower_window (<= 0) and upper_window (>= 0) in days (0 when
 * absent or empty), optional prior_scale (> 0; the spec's when empty).
 * name is used in messages.  One holiday's rows must agree on
 * prior_scale.  Errors name file, row and column. */
sp_season_holidays *sp_season_holidays_read(FILE *fp, const char *name, sp_error *err);
void sp_season_holidays_free(sp_season_holidays *h);
/* Entries; one entry: name, day (days since 1970-01-01), window, prior
 * scale (NAN: the spec's).  Returns 0, or -1 when i is out of range. */
size_t sp_season_holidays_count(const sp_season_holidays *h);
int sp_season_holidays_get(const sp_season_holidays *h, size_t i, const char **name, long *day,
    int *lower, int *upper, double *prior_scale);
/* Add an entry (name is copied).  SP_EUSAGE for a window the wrong way
 * round or a prior scale <= 0; SP_ENOMEM. */
int sp_season_holidays_add(sp_season_holidays *h, const char *name, long day, int lower, int upper,
    double prior_scale, sp_error *err);
sp_season_holidays *sp_season_holidays_new(void);

/* ---- data ------------------------------------------------------------------- */

/* A series: times (Unix seconds, increasing), values (NaN = missing), the
 * capacity and floor of a logistic trend (NULL when not used). */
typedef struct {
	size_t n;
	double *t, *y, *cap, *floor;
	/* sp_season_data_read with keep: the pass-through fields of every row */
	char *text;            /* fields of all rows, NUL-separated */
	size_t *off;           /* n * nf offsets into text */
	size_t nf, textlen, textcap;
} sp_season_data;

/* Read every row of r: the timestamp, y from column ycol (missing allowed),
 * cap from capcol and floor from floorcol when >= 0 (required in every
 * row; the capacity must be above the floor and not below the value:
 * "row 7, column cap: capacity 90 is below the value 95").  With keep,
 * the fields of columns 1.. are kept for output.  SP_EDATA for no rows. */
int sp_season_data_read(sp_csv_reader *r, int ycol, int capcol, int floorcol, int keep, sp_season_data *d,
    sp_error *err);
void sp_season_data_free(sp_season_data *d);
/* Field j (column j + 1) of row i of a kept table. */
const char *sp_season_data_field(const sp_season_data *d, size_t i, size_t j, size_t *len);

/* ---- fit -------------------------------------------------------------------- */

typedef struct sp_season_model sp_season_model;

/* Fit spec to the rows of d with a value.  Needs at least 2 of them, and
 * d->cap for a logistic trend.  A built-in seasonality switched on (not
 * auto) with a history shorter than its period, or spaced no closer than
 * it, is an error (SP_EDATA, "--weekly: the history spans 3 days, less
 * than one period (7 days); leave it auto to switch it off").  The spec
 * (and holidays) are copied into the model. */
int sp_season_fit(const sp_season_spec *spec, const sp_season_data *d, sp_season_model **out, sp_error *err);
void sp_season_model_free(sp_season_model *m);

/* What was fitted, for -v and the tests. */
typedef struct {
	sp_season_growth growth;
	sp_season_mode mode;
	size_t nobs;                 /* rows in the fit */
	double start, t_scale;       /* t = (time - start) / t_scale */
	double y_scale;
	int logistic_floor;          /* a floor column was used */
	int nseas;                   /* seasonalities in use */
	const sp_season_period *seas;
	int nholfeat;                /* holiday features (name, offset) */
	int S;                       /* changepoints (1 dummy at t = 0 when none) */
	const double *cp_t;          /* their scaled times */
	int K;                       /* features: seasonal then holiday */
	/* parameters, on the scaled data */
	double k, m, sigma;
	const double *delta;         /* S */
	const double *beta;          /* K */
	double objective;            /* the negative log posterior at the optimum */
	int iterations;              /* L-BFGS iterations */
	double step;                 /* smallest spacing of the history, seconds */
	const char *switched_off[3]; /* built-ins "auto" left off (reason), else NULL: daily, weekly, yearly */
} sp_season_info;

void sp_season_describe(const sp_season_model *m, sp_season_info *info);

/* Component columns of the predictions: every seasonality in use by name,
 * then "holidays" when there are holiday features.  Returns the count. */
int sp_season_ncomponents(const sp_season_model *m);
const char *sp_season_component_name(const sp_season_model *m, int i);

/* Point predictions at times t[0..n) (any order): yhat, trend, and when
 * comp != NULL the components (n rows of sp_season_ncomponents values:
 * additive ones in y's units, multiplicative ones as fractions of the
 * trend, as Prophet gives them).  cap and floor: per time, for a logistic
 * trend (cap required; floor when the model was fitted with one).
 * Any pointer of yhat, trend may be NULL. */
int sp_season_predict(const sp_season_model *m, size_t n, const double *t, const double *cap,
    const double *floor, double *yhat, double *trend, double *comp, sp_error *err);

/* The band: quantiles qlo < qhi of nsamples predictive samples at each
 * time (see above), drawn from r.  SP_EUSAGE for nsamples < 1. */
int sp_season_band(const sp_season_model *m, size_t n, const double *t, const double *cap,
    const double *floor, int nsamples, double qlo, double qhi, sp_rand *r, double *lo, double *hi,
    sp_error *err);

/* Forecast rows: the rows of d (insample) and H rows after its last,
 * step seconds apart (0: the smallest spacing of d, else the model's),
 * the capacity and floor of those held at d's last values. */
typedef struct {
	int insample;       /* 1: the rows of d too */
	int H;              /* rows after the last of d */
	double step;
	int samples;        /* predictive samples of the band */
	double qlo, qhi;    /* band quantiles */
	sp_rand *rng;
	int components;     /* 1: fill trend and comp */
} sp_season_fc_opts;

typedef struct {
	size_t n;           /* rows: d->n (insample) + H */
	double step;        /* the spacing of the H rows */
	double *t, *yhat, *lo, *hi;
	double *trend, *comp;   /* components: n x ncomp */
	int ncomp;
} sp_season_fc;

int sp_season_forecast(const sp_season_model *m, const sp_season_data *d, const sp_season_fc_opts *o,
    sp_season_fc *out, sp_error *err);
void sp_season_fc_free(sp_season_fc *f);

/* In-sample residuals y - yhat of the rows of d (NaN where y is missing),
 * into res[0..d->n): the series an LSTM learns on top of the model. */
int sp_season_residuals(const sp_season_model *m, const sp_season_data *d, double *res, sp_error *err);

/* The objective and its gradient at a parameter vector x (k, m, delta[S],
 * log sigma, beta[K]) of the data the model was fitted on; for the unit
 * tests (row-by-row and Gram paths must agree).  gram selects the path
 * (ignored when the model needs the row-by-row one).  Returns f, NaN on
 * error. */
double sp_season_objective(const sp_season_model *m, const double *x, double *grad, int gram);
/* Number of parameters, and the optimum as such a vector. */
int sp_season_nparams(const sp_season_model *m);
void sp_season_params(const sp_season_model *m, double *x);

/* ---- files ------------------------------------------------------------------ */

/* Settings that travel with a model file for forecast(1): the series column
 * (and capacity / floor columns), refit every N rows (0: never), predictive
 * samples and seed. */
typedef struct {
	const char *column, *cap_column, *floor_column;   /* floor may be NULL */
	long refit;
	int samples;
	unsigned long seed;
} sp_season_file;

/* Write "scalepipe-model season 1" (sp_model: atomic).  cmdline may be NULL. */
int sp_season_save(const sp_season_model *m, const sp_season_file *f, const char *path, const char *cmdline,
    sp_error *err);
/* Load a model file (strict).  *f gets the settings; its strings belong to
 * the model. */
sp_season_model *sp_season_load(const char *path, sp_season_file *f, sp_error *err);
/* Refit the model's specification (spec and holidays, not the fitted
 * values) on new data. */
int sp_season_refit(const sp_season_model *m, const sp_season_data *d, sp_season_model **out, sp_error *err);

#endif
