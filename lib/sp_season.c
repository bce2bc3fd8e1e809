/* sp_season: Prophet's model, fitted by MAP with L-BFGS; see sp_season.h. */
#include "sp_season.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "sp_model.h"
#include "sp_num.h"
#include "sp_stats.h"
#include "sp_time.h"

const char *const sp_season_growth_names[] = { "linear", "logistic", "flat", NULL };
const char *const sp_season_mode_names[] = { "additive", "multiplicative", NULL };

enum { DAILY, WEEKLY, YEARLY };
static const char *const builtin_name[] = { "daily", "weekly", "yearly" };
static const double builtin_period[] = { 1, 7, 365.25 };
static const int builtin_order[] = { 4, 3, 10 };

/* ---- the specification -------------------------------------------------------- */

void
sp_season_spec_defaults(sp_season_spec *s)
{
	memset(s, 0, sizeof *s);
	s->growth = SP_SEASON_LINEAR;
	s->mode = SP_SEASON_ADDITIVE;
	s->n_changepoints = 25;
	s->changepoint_range = 0.8;
	s->changepoint_prior_scale = 0.05;
	s->seasonality_prior_scale = 10;
	s->holidays_prior_scale = 10;
	s->daily = s->weekly = s->yearly = SP_SEASON_AUTO;
}

int
sp_season_parse_switch(const char *opt, const char *arg, int dflt, int *out, sp_error *err)
{
	long v;

	if (strcmp(arg, "auto") == 0)
		*out = SP_SEASON_AUTO;
	else if (strcmp(arg, "on") == 0)
		*out = dflt;
	else if (strcmp(arg, "off") == 0)
		*out = 0;
	else if (sp_num_parse_long(arg, &v) == 0 && v >= 1 && v <= SP_SEASON_MAXORDER)
		*out = (int)v;
	else
		return sp_error_set(err, SP_EUSAGE, "%s: want auto, on, off or an order 1..%d, not '%s'", opt,
		    SP_SEASON_MAXORDER, arg);
	return 0;
}

static int
name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
	return 1;
}

int
sp_season_add_custom(sp_season_spec *s, const char *opt, const char *arg, sp_error *err)
{
	char buf[256], *f[6], *p, *save = NULL;
	sp_season_period *c;
	int nf = 0, i;
	long order;

	if (s->ncustom >= SP_SEASON_MAXSEAS)
		return sp_error_set(err, SP_EUSAGE, "%s: at most %d custom seasonalities", opt, SP_SEASON_MAXSEAS);
	if (strlen(arg) >= sizeof buf)
		return sp_error_set(err, SP_EUSAGE, "%s: too long", opt);
	strcpy(buf, arg);
	for (p = strtok_r(buf, ",", &save); p && nf < 6; p = strtok_r(NULL, ",", &save))
		f[nf++] = p;
	if (nf < 3 || nf > 5 || strchr(arg, ',') == arg || strstr(arg, ",,") || arg[strlen(arg) - 1] == ',')
		return sp_error_set(err, SP_EUSAGE, "%s: want NAME,PERIOD,ORDER[,PRIOR_SCALE[,MODE]], not '%s'",
		    opt, arg);
	c = &s->custom[s->ncustom];
	memset(c, 0, sizeof *c);
	if (!name_ok(f[0]) || strlen(f[0]) >= SP_SEASON_MAXNAME)
		return sp_error_set(err, SP_EUSAGE, "%s: name '%s': want 1..%d letters, digits, '_', '-' or '.'",
		    opt, f[0], SP_SEASON_MAXNAME - 1);
	if (strcmp(f[0], "trend") == 0 || strcmp(f[0], "holidays") == 0)
		return sp_error_set(err, SP_EUSAGE, "%s: the name '%s' is reserved", opt, f[0]);
	for (i = 0; i < s->ncustom; i++)
		if (strcmp(s->custom[i].name, f[0]) == 0)
			return sp_error_set(err, SP_EUSAGE, "%s: seasonality '%s' given twice", opt, f[0]);
	strcpy(c->name, f[0]);
	if (sp_num_parse_double(f[1], &c->period) < 0 || !(c->period > 0))
		return sp_error_set(err, SP_EUSAGE, "%s: period '%s': want days > 0", opt, f[1]);
	if (sp_num_parse_long(f[2], &order) < 0 || order < 1 || order > SP_SEASON_MAXORDER)
		return sp_error_set(err, SP_EUSAGE, "%s: order '%s': want 1..%d", opt, f[2], SP_SEASON_MAXORDER);
	c->order = (int)order;
	c->prior_scale = NAN;
	if (nf >= 4 && (sp_num_parse_double(f[3], &c->prior_scale) < 0 || !(c->prior_scale > 0)))
		return sp_error_set(err, SP_EUSAGE, "%s: prior scale '%s': want > 0", opt, f[3]);
	c->mode = (sp_season_mode)-1;
	if (nf == 5) {
		if (strcmp(f[4], "additive") == 0)
			c->mode = SP_SEASON_ADDITIVE;
		else if (strcmp(f[4], "multiplicative") == 0)
			c->mode = SP_SEASON_MULTIPLICATIVE;
		else
			return sp_error_set(err, SP_EUSAGE, "%s: mode '%s': want additive or multiplicative", opt, f[4]);
	}
	s->ncustom++;
	return 0;
}

/* ---- holidays ----------------------------------------------------------------- */

typedef struct {
	char *name;
	long day;
	int lower, upper;
	double prior;   /* NAN: the spec's */
} holiday;

struct sp_season_holidays {
	size_t n, cap;
	holiday *e;
};

sp_season_holidays *
sp_season_holidays_new(void)
{
	return calloc(1, sizeof(sp_season_holidays));
}

void
sp_season_holidays_free(sp_season_holidays *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->e[i].name);
	free(h->e);
	free(h);
}

size_t
sp_season_holidays_count(const sp_season_holidays *h)
{
	return h ? h->n : 0;
}

int
sp_season_holidays_get(const sp_season_holidays *h, size_t i, const char **name, long *day, int *lower,
    int *upper, double *prior_scale)
{
	if (!h || i >= h->n)
		return -1;
	*name = h->e[i].name, *day = h->e[i].day;
	*lower = h->e[i].lower, *upper = h->e[i].upper;
	*prior_scale = h->e[i].prior;
	return 0;
}

int
sp_season_holidays_add(sp_season_holidays *h, const char *name, long day, int lower, int upper,
    double prior_scale, sp_error *err)
{
	holiday *e;

	if (lower > 0 || upper < 0)
		return sp_error_set(err, SP_EUSAGE, "holiday '%s': the window must have lower <= 0 <= upper", name);
	if (!isnan(prior_scale) && !(prior_scale > 0))
		return sp_error_set(err, SP_EUSAGE, "holiday '%s': prior scale must be > 0", name);
	for (size_t i = 0; i < h->n; i++) {
		const holiday *o = &h->e[i];
		if (strcmp(o->name, name) != 0)
			continue;
		if (!(isnan(o->prior) && isnan(prior_scale)) && !(o->prior == prior_scale))
			return sp_error_set(err, SP_EUSAGE, "holiday '%s': every row of a holiday needs the same "
			    "prior_scale", name);
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		if (!(e = realloc(h->e, cap * sizeof *e)))
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		h->e = e, h->cap = cap;
	}
	e = &h->e[h->n];
	if (!(e->name = strdup(name)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	e->day = day, e->lower = lower, e->upper = upper, e->prior = prior_scale;
	h->n++;
	return 0;
}

/* "YYYY-MM-DD" exactly (a valid day), else any timestamp of the contract. */
static int
parse_day(const char *s, size_t n, long *day)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	double t;

	if (n == 10 && s[4] == '-' && s[7] == '-') {
		long y = 0;
		int mo, d, i;
		for (i = 0; i < 10; i++)
			if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
				return -1;
		for (i = 0; i < 4; i++)
			y = y * 10 + (s[i] - '0');
		mo = (s[5] - '0') * 10 + (s[6] - '0');
		d = (s[8] - '0') * 10 + (s[9] - '0');
		if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
			return -1;
		if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
			return -1;
		*day = sp_time_days_from_civil(y, (unsigned)mo, (unsigned)d);
		return 0;
	}
	if (sp_time_parse(s, n, &t) < 0 || !isfinite(t) || fabs(t) > 1e13)
		return -1;
	*day = (long)floor(t / 86400);
	return 0;
}

static int
read_window(const sp_csv_reader *r, int col, int sign, int *out, sp_error *err)
{
	double v;
	int rc;

	*out = 0;
	if (col < 0)
		return 0;
	if ((rc = sp_csv_get_double(r, (size_t)col, &v, err)) < 0)
		return rc;
	if (rc == 1)
		return 0;
	if (v != floor(v) || v * sign < 0 || fabs(v) > 3660)
		return sp_csv_error(r, col, err, SP_EDATA, "want a whole number of days %s, not %g",
		    sign < 0 ? "<= 0" : ">= 0", v);
	*out = (int)v;
	return 0;
}

sp_season_holidays *
sp_season_holidays_read(FILE *fp, const char *name, sp_error *err)
{
	sp_season_holidays *h = NULL;
	sp_csv_reader *r;
	int ch, cd, cl, cu, cp, rc = 0;

	if (!(r = sp_csv_reader_new(fp, name, 0, err)))
		return NULL;
	ch = sp_csv_col_index(r, "holiday"), cd = sp_csv_col_index(r, "ds");
	cl = sp_csv_col_index(r, "lower_window"), cu = sp_csv_col_index(r, "upper_window");
	cp = sp_csv_col_index(r, "prior_scale");
	if (ch < 0 || cd < 0) {
		sp_error_set(err, SP_EDATA, "%s: a holiday file needs the columns holiday and ds "
		    "(and optionally lower_window, upper_window, prior_scale)", name);
		goto fail;
	}
	if (!(h = sp_season_holidays_new())) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		size_t len;
		const char *f = sp_csv_field(r, (size_t)ch, &len);
		char hname[256];
		long day;
		int lo, up;
		double prior = NAN;

		if (len == 0 || len >= sizeof hname || memchr(f, '\n', len) || memchr(f, '\r', len)) {
			sp_csv_error(r, ch, err, SP_EDATA, "want a holiday name of 1..%zu characters on one line",
			    sizeof hname - 1);
			goto fail;
		}
		memcpy(hname, f, len);
		hname[len] = '\0';
		f = sp_csv_field(r, (size_t)cd, &len);
		if (parse_day(f, len, &day) < 0) {
			sp_csv_error(r, cd, err, SP_EDATA, "not a date (YYYY-MM-DD or a timestamp): '%.*s'",
			    (int)(len > 40 ? 40 : len), f);
			goto fail;
		}
		if (read_window(r, cl, -1, &lo, err) < 0 || read_window(r, cu, 1, &up, err) < 0)
			goto fail;
		if (cp >= 0 && (rc = sp_csv_get_double(r, (size_t)cp, &prior, err)) < 0)
			goto fail;
		if (cp >= 0 && rc == 0 && !(prior > 0)) {
			sp_csv_error(r, cp, err, SP_EDATA, "want a prior scale > 0, not %g", prior);
			goto fail;
		}
		if (sp_season_holidays_add(h, hname, day, lo, up, prior, err) < 0) {
			char where[128];
			sp_csv_where(r, -1, where, sizeof where);
			err->code = err->code == SP_EUSAGE ? SP_EDATA : err->code;
			sp_error_prefix(err, "%s", where);
			goto fail;
		}
	}
	if (rc < 0)
		goto fail;
	if (h->n == 0) {
		sp_error_set(err, SP_EDATA, "%s: no holidays in the file", name);
		goto fail;
	}
	sp_csv_reader_free(r);
	return h;
fail:
	sp_csv_reader_free(r);
	sp_season_holidays_free(h);
	return NULL;
}

static sp_season_holidays *
holidays_copy(const sp_season_holidays *h, sp_error *err)
{
	sp_season_holidays *c = sp_season_holidays_new();

	if (!c) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; h && i < h->n; i++)
		if (sp_season_holidays_add(c, h->e[i].name, h->e[i].day, h->e[i].lower, h->e[i].upper, h->e[i].prior,
		    err) < 0) {
			sp_season_holidays_free(c);
			return NULL;
		}
	return c;
}

/* ---- data --------------------------------------------------------------------- */

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *q;
	size_t c = *cap ? *cap : 1024;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(q = realloc(*p, c * size)))
		return -1;
	*p = q, *cap = c;
	return 0;
}

void
sp_season_data_free(sp_season_data *d)
{
	if (!d)
		return;
	free(d->t), free(d->y), free(d->cap), free(d->floor);
	free(d->text), free(d->off);
	memset(d, 0, sizeof *d);
}

const char *
sp_season_data_field(const sp_season_data *d, size_t i, size_t j, size_t *len)
{
	const char *s = d->text + d->off[i * d->nf + j];

	*len = strlen(s);
	return s;
}

int
sp_season_data_read(sp_csv_reader *r, int ycol, int capcol, int floorcol, int keep, sp_season_data *d,
    sp_error *err)
{
	size_t cap = 0, offcap = 0, i, nf = sp_csv_ncols(r) - 1;
	int rc;

	memset(d, 0, sizeof *d);
	d->nf = keep ? nf : 0;
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		double t, y, c = NAN, fl = NAN;
		size_t n = d->n;

		if (sp_csv_get_timestamp(r, &t, err) < 0 || sp_csv_get_double(r, (size_t)ycol, &y, err) < 0)
			goto fail;
		if (capcol >= 0 && sp_csv_get_double_req(r, (size_t)capcol, &c, err) < 0)
			goto fail;
		if (floorcol >= 0 && sp_csv_get_double_req(r, (size_t)floorcol, &fl, err) < 0)
			goto fail;
		if (capcol >= 0 && floorcol >= 0 && !(c > fl)) {
			sp_csv_error(r, capcol, err, SP_EDATA, "capacity %.10g is not above the floor %.10g", c, fl);
			goto fail;
		}
		if (capcol >= 0 && floorcol < 0 && !(c > 0)) {
			sp_csv_error(r, capcol, err, SP_EDATA, "capacity %.10g is not above the floor 0", c);
			goto fail;
		}
		if (capcol >= 0 && isfinite(y) && y > c) {
			sp_csv_error(r, capcol, err, SP_EDATA, "capacity %.10g is below the value %.10g", c, y);
			goto fail;
		}
		if (n == cap) {
			size_t c2 = cap ? 2 * cap : 1024;
			double **arr[4] = { &d->t, &d->y, capcol >= 0 ? &d->cap : NULL, floorcol >= 0 ? &d->floor : NULL };
			for (i = 0; i < 4; i++) {
				double *q;
				if (!arr[i])
					continue;
				if (!(q = realloc(*arr[i], c2 * sizeof *q)))
					goto nomem;
				*arr[i] = q;
			}
			cap = c2;
		}
		d->t[n] = t, d->y[n] = y;
		if (d->cap)
			d->cap[n] = c;
		if (d->floor)
			d->floor[n] = fl;
		if (keep && nf > 0) {
			if (grow((void **)&d->off, &offcap, (n + 1) * nf, sizeof(size_t)) < 0)
				goto nomem;
			for (i = 0; i < nf; i++) {
				size_t len;
				const char *f = sp_csv_field(r, i + 1, &len);
				if (grow((void **)&d->text, &d->textcap, d->textlen + len + 1, 1) < 0)
					goto nomem;
				d->off[n * nf + i] = d->textlen;
				memcpy(d->text + d->textlen, f, len);
				d->textlen += len;
				d->text[d->textlen++] = '\0';
			}
		}
		d->n++;
	}
	if (rc < 0)
		goto fail;
	if (d->n == 0) {
		sp_error_set(err, SP_EDATA, "no data rows");
		goto fail;
	}
	return 0;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	sp_season_data_free(d);
	return err ? err->code : SP_EDATA;
}

/* ---- the model ------------------------------------------------------------------ */

typedef struct {
	const char *name;   /* the holiday's (in the model's holiday copy) */
	int offset;
	double prior;
	long *days;         /* sorted, distinct */
	size_t ndays;
} holfeat;

/* The data of a fit, kept for sp_season_objective. */
typedef struct {
	size_t T;
	double *t, *y, *cap;  /* scaled */
	double *X;            /* T x K, row-major */
	int *seg;             /* changepoints at or before each row */
	double *work;         /* scratch of the objective */
	double *gscratch;     /* P + S: the gradient GSL does not want */
	double *xbuf, *gx;    /* P: x and its gradient for zobjective */
	double *rows;         /* 5 T: per-row scratch of objective_rows */
	int gram;             /* the Gram path applies */
	int P2;               /* Gram size: k, m, delta, beta */
	double *G, *zy, yy;
} fitdata;

struct sp_season_model {
	sp_season_spec spec;         /* spec.holidays -> hol */
	sp_season_holidays *hol;
	size_t nobs;
	double start, t_scale, y_scale, step;
	int logistic_floor;
	int nseas;
	sp_season_period seas[SP_SEASON_MAXSEAS + 3];
	int nhf;
	holfeat *hf;
	int S, K;
	double *cp_t;
	double *sigmas;          /* K prior scales */
	unsigned char *mult;     /* K: multiplicative feature */
	int anymult;
	double k, m, sigma;
	double *delta, *beta;
	double objective;
	int iterations;
	const char *off[3];
	char offbuf[3][96];
	fitdata *fd;
	char names[3][256];      /* sp_season_file's columns of a loaded model */
};

static void
fitdata_free(fitdata *fd)
{
	if (!fd)
		return;
	free(fd->t), free(fd->y), free(fd->cap), free(fd->X), free(fd->seg);
	free(fd->work), free(fd->gscratch), free(fd->xbuf), free(fd->gx), free(fd->rows);
	free(fd->G), free(fd->zy);
	free(fd);
}

void
sp_season_model_free(sp_season_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nhf; i++)
		free(m->hf[i].days);
	free(m->hf);
	sp_season_holidays_free(m->hol);
	free(m->cp_t), free(m->sigmas), free(m->mult), free(m->delta), free(m->beta);
	fitdata_free(m->fd);
	free(m);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* The holiday features of m->hol: one per (name, offset) that occurs, in
 * order of name then offset; the days each covers. */
static int
build_holfeat(sp_season_model *m, sp_error *err)
{
	const sp_season_holidays *h = m->hol;
	size_t i, j;

	m->nhf = 0;
	if (!h || h->n == 0)
		return 0;
	for (i = 0; i < h->n; i++) {
		const holiday *e = &h->e[i];
		for (int off = e->lower; off <= e->upper; off++) {
			holfeat *f = NULL;
			for (j = 0; j < (size_t)m->nhf; j++)
				if (m->hf[j].offset == off && strcmp(m->hf[j].name, e->name) == 0)
					f = &m->hf[j];
			if (!f) {
				holfeat *nf = realloc(m->hf, ((size_t)m->nhf + 1) * sizeof *nf);
				if (!nf)
					return sp_error_set(err, SP_ENOMEM, "out of memory");
				m->hf = nf;
				f = &m->hf[m->nhf++];
				memset(f, 0, sizeof *f);
				f->name = e->name, f->offset = off;
				f->prior = isnan(e->prior) ? m->spec.holidays_prior_scale : e->prior;
			}
			long *d = realloc(f->days, (f->ndays + 1) * sizeof *d);
			if (!d)
				return sp_error_set(err, SP_ENOMEM, "out of memory");
			f->days = d;
			f->days[f->ndays++] = e->day + off;
		}
	}
	/* order by name, then offset (insertion sort: few features) */
	for (i = 1; i < (size_t)m->nhf; i++) {
		holfeat x = m->hf[i];
		for (j = i; j > 0; j--) {
			int c = strcmp(m->hf[j - 1].name, x.name);
			if (c < 0 || (c == 0 && m->hf[j - 1].offset < x.offset))
				break;
			m->hf[j] = m->hf[j - 1];
		}
		m->hf[j] = x;
	}
	for (i = 0; i < (size_t)m->nhf; i++) {
		holfeat *f = &m->hf[i];
		size_t k = 0;
		qsort(f->days, f->ndays, sizeof *f->days, cmp_long);
		for (j = 0; j < f->ndays; j++)
			if (k == 0 || f->days[j] != f->days[k - 1])
				f->days[k++] = f->days[j];
		f->ndays = k;
	}
	return 0;
}

/* Prior scales and modes of the K features; K itself. */
static int
build_features(sp_season_model *m, sp_error *err)
{
	int K = 0, i, j, q = 0;

	for (i = 0; i < m->nseas; i++)
		K += 2 * m->seas[i].order;
	K += m->nhf;
	m->K = K;
	free(m->sigmas), free(m->mult);
	m->sigmas = malloc(((size_t)K + 1) * sizeof *m->sigmas);
	m->mult = malloc((size_t)K + 1);
	if (!m->sigmas || !m->mult)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	m->anymult = 0;
	for (i = 0; i < m->nseas; i++)
		for (j = 0; j < 2 * m->seas[i].order; j++, q++) {
			m->sigmas[q] = m->seas[i].prior_scale;
			m->mult[q] = m->seas[i].mode == SP_SEASON_MULTIPLICATIVE;
		}
	for (i = 0; i < m->nhf; i++, q++) {
		m->sigmas[q] = m->hf[i].prior;
		m->mult[q] = m->spec.mode == SP_SEASON_MULTIPLICATIVE;
	}
	for (i = 0; i < K; i++)
		m->anymult |= m->mult[i];
	return 0;
}

/* The feature row at Unix time t (Prophet's fourier_series: sin, cos of
 * 2 pi i t / period for i = 1..order, t in days since the epoch). */
static void
feature_row(const sp_season_model *m, double t, double *x)
{
	double days = t / 86400.0;
	long day = (long)floor(days);
	int q = 0;

	for (int s = 0; s < m->nseas; s++) {
		const sp_season_period *p = &m->seas[s];
		/* the harmonics by the angle-addition recurrence from the first
		 * (relative error about i eps: as small as the argument's own) */
		double a = 2.0 * M_PI * days / p->period, s1 = sin(a), c1 = cos(a), si = s1, ci = c1;
		for (int i = 1; i <= p->order; i++) {
			double sn;
			x[q++] = si;
			x[q++] = ci;
			sn = si * c1 + ci * s1;
			ci = ci * c1 - si * s1;
			si = sn;
		}
	}
	for (int h = 0; h < m->nhf; h++) {
		const holfeat *f = &m->hf[h];
		x[q++] = bsearch(&day, f->days, f->ndays, sizeof *f->days, cmp_long) ? 1.0 : 0.0;
	}
}

/* ---- the objective --------------------------------------------------------------- */

static double
sgn(double v)
{
	return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/* Rates and offsets of the trend in each segment s = 0..S (s changepoints
 * passed): linear g = K_s t + M_s, logistic g = cap / (1 + exp(-K_s (t - M_s))). */
static void
segments(const sp_season_model *m, double k, double mm, const double *delta, int S, const double *cp,
    double *Ks, double *Ms)
{
	int j;

	Ks[0] = k, Ms[0] = mm;
	for (j = 0; j < S; j++)
		Ks[j + 1] = Ks[j] + delta[j];
	if (m->spec.growth == SP_SEASON_LOGISTIC) {
		/* Stan's logistic_gamma: gamma_j = (c_j - m_pr)(1 - k_{j-1}/k_j) */
		double mpr = mm;
		for (j = 0; j < S; j++) {
			double gam = (cp[j] - mpr) * (1 - Ks[j] / Ks[j + 1]);
			mpr += gam;
			Ms[j + 1] = mpr;
		}
	} else {
		for (j = 0; j < S; j++)
			Ms[j + 1] = Ms[j] - cp[j] * delta[j];
	}
}

static double
trend_at(const sp_season_model *m, const double *Ks, const double *Ms, int s, double t, double cap)
{
	switch (m->spec.growth) {
	case SP_SEASON_LOGISTIC:
		return cap / (1 + exp(-Ks[s] * (t - Ms[s])));
	case SP_SEASON_FLAT:
		return Ms[0];
	default:
		return Ks[s] * t + Ms[s];
	}
}

/* Priors: normal(0, 5) on k and m, Laplace(0, tau) on delta, half-normal(0,
 * 0.5) on sigma, normal(0, sigma_k) on beta; constants dropped as Stan's
 * `~` does.  Gradient added into grad (u = log sigma). */
static double
priors(const sp_season_model *m, const double *x, double *grad, int l1)
{
	int S = m->S, K = m->K;
	double k = x[0], mm = x[1], u = x[2 + S], sigma = exp(u), tau = m->spec.changepoint_prior_scale, f;

	f = (k * k + mm * mm) / 50 + 2 * sigma * sigma;
	grad[0] += k / 25, grad[1] += mm / 25;
	grad[2 + S] += 4 * sigma * sigma;
	for (int j = 0; l1 && j < S; j++) {
		f += fabs(x[2 + j]) / tau;
		grad[2 + j] += sgn(x[2 + j]) / tau;
	}
	for (int i = 0; i < K; i++) {
		double b = x[3 + S + i], s2 = m->sigmas[i] * m->sigmas[i];
		f += b * b / (2 * s2);
		grad[3 + S + i] += b / s2;
	}
	return f;
}

/* out[0..T) = X b (X: T x K, row-major); 0 when b is NULL.  Plain loops,
 * not BLAS: the same sums in the same order on every machine. */
static void
gemv(const double *X, size_t T, int K, const double *b, double *out)
{
	for (size_t r = 0; r < T; r++) {
		const double *xr = X + r * (size_t)K;
		double v = 0;
		for (int i = 0; b && i < K; i++)
			v += xr[i] * b[i];
		out[r] = v;
	}
}

/* out[0..K) = X' v; 0 when v is NULL. */
static void
gemv_t(const double *X, size_t T, int K, const double *v, double *out)
{
	for (int i = 0; i < K; i++)
		out[i] = 0;
	for (size_t r = 0; v && r < T; r++) {
		const double *xr = X + r * (size_t)K;
		double vr = v[r];
		for (int i = 0; i < K; i++)
			out[i] += vr * xr[i];
	}
}

/* Row by row: any growth and mode.  The feature products are two
 * matrix-vector products each way (additive and multiplicative
 * coefficients). */
static double
objective_rows(const sp_season_model *m, const double *x, double *grad, int l1)
{
	fitdata *fd = m->fd;
	int S = m->S, K = m->K, P = 3 + S + K, s, j, i;
	size_t T = fd->T, r;
	const double *delta = x + 2, *beta = x + 3 + S, *cp = m->cp_t;
	double u = x[2 + S], sigma = exp(u), s2 = sigma * sigma, rss = 0, f;
	double *Ks = fd->work, *Ms = Ks + S + 1, *gK = Ms + S + 1, *gM = gK + S + 1;
	double *ba = gM + S + 1, *bm = ba + K, *gba = bm + K, *gbm = gba + K;
	double *g = fd->rows, *A = g + T, *M = A + T, *w = M + T, *wg = w + T;
	int anyadd = 0;

	for (j = 0; j < P; j++)
		grad[j] = 0;
	segments(m, x[0], x[1], delta, S, cp, Ks, Ms);
	for (i = 0; i < K; i++) {
		ba[i] = m->mult[i] ? 0 : beta[i];
		bm[i] = m->mult[i] ? beta[i] : 0;
		anyadd |= !m->mult[i];
	}
	for (j = 0; j <= S; j++)
		gK[j] = gM[j] = 0;
	gemv(fd->X, T, K, anyadd ? ba : NULL, A);
	gemv(fd->X, T, K, m->anymult ? bm : NULL, M);
	for (r = 0; r < T; r++) {
		double gr, res, G;
		s = fd->seg[r];
		gr = g[r] = trend_at(m, Ks, Ms, s, fd->t[r], fd->cap ? fd->cap[r] : 0);
		res = fd->y[r] - (gr * (1 + M[r]) + A[r]);
		rss += res * res;
		w[r] = -res / s2;
		wg[r] = w[r] * gr;
		G = w[r] * (1 + M[r]);
		switch (m->spec.growth) {
		case SP_SEASON_LOGISTIC: {
			double p = gr / fd->cap[r], dz = G * fd->cap[r] * p * (1 - p);
			gK[s] += dz * (fd->t[r] - Ms[s]);
			gM[s] += dz * -Ks[s];
			break;
		}
		case SP_SEASON_FLAT:
			gM[0] += G;
			break;
		default:
			gK[s] += G * fd->t[r];
			gM[s] += G;
		}
	}
	gemv_t(fd->X, T, K, anyadd ? w : NULL, gba);
	gemv_t(fd->X, T, K, m->anymult ? wg : NULL, gbm);
	if (m->spec.growth == SP_SEASON_LOGISTIC) {
		for (j = S; j >= 1; j--) {
			double c = cp[j - 1], d = c - Ms[j - 1];
			gM[j - 1] += gM[j] * Ks[j - 1] / Ks[j];
			gK[j - 1] += gM[j] * -d / Ks[j];
			gK[j] += gM[j] * d * Ks[j - 1] / (Ks[j] * Ks[j]);
		}
		double acc = 0;
		for (j = S; j >= 1; j--) {
			acc += gK[j];
			grad[2 + j - 1] += acc;
		}
		grad[0] += acc + gK[0];
		grad[1] += gM[0];
	} else if (m->spec.growth == SP_SEASON_FLAT) {
		grad[1] += gM[0];
	} else {
		/* g_s = K_s t + M_s, K_s = k + sum_{j<s} delta_j, M_s = m - sum_{j<s} c_j delta_j */
		double aK = 0, aM = 0;
		for (j = S; j >= 1; j--) {
			aK += gK[j], aM += gM[j];
			grad[2 + j - 1] += aK - cp[j - 1] * aM;
		}
		grad[0] += aK + gK[0];
		grad[1] += aM + gM[0];
	}
	for (i = 0; i < K; i++)
		grad[3 + S + i] += m->mult[i] ? gbm[i] : gba[i];
	f = (double)T * u + rss / (2 * s2);
	grad[2 + S] += (double)T - rss / s2;
	return f + priors(m, x, grad, l1);
}

/* Linear or flat trend, additive terms: y ~ Z theta with theta = (k, m,
 * delta, beta), so RSS = y'y - 2 theta'Z'y + theta'(Z'Z)theta. */
static double
objective_gram(const sp_season_model *m, const double *x, double *grad, int l1)
{
	fitdata *fd = m->fd;
	int S = m->S, K = m->K, P = 3 + S + K, P2 = fd->P2, a, b;
	double u = x[2 + S], sigma = exp(u), s2 = sigma * sigma, rss = fd->yy, f;
	double *th = fd->work, *Gt = th + P2;

	for (a = 0; a < 2 + S; a++)
		th[a] = x[a];
	for (a = 0; a < K; a++)
		th[2 + S + a] = x[3 + S + a];
	for (a = 0; a < P2; a++) {
		const double *row = fd->G + (size_t)a * (size_t)P2;
		double v = 0;
		for (b = 0; b < P2; b++)
			v += row[b] * th[b];
		Gt[a] = v;
	}
	for (a = 0; a < P2; a++)
		rss += th[a] * (Gt[a] - 2 * fd->zy[a]);
	if (rss < 0)
		rss = 0;
	for (a = 0; a < P; a++)
		grad[a] = 0;
	for (a = 0; a < 2 + S; a++)
		grad[a] = (Gt[a] - fd->zy[a]) / s2;
	for (a = 0; a < K; a++)
		grad[3 + S + a] = (Gt[2 + S + a] - fd->zy[2 + S + a]) / s2;
	f = (double)fd->T * u + rss / (2 * s2);
	grad[2 + S] += (double)fd->T - rss / s2;
	return f + priors(m, x, grad, l1);
}

/* The negative log posterior at x = (k, m, delta, log sigma, beta); without
 * the Laplace term when l1 is 0. */
static double
objective(const sp_season_model *m, const double *x, double *grad, int l1)
{
	return m->fd->gram ? objective_gram(m, x, grad, l1) : objective_rows(m, x, grad, l1);
}

double
sp_season_objective(const sp_season_model *m, const double *x, double *grad, int gram)
{
	int save;
	double f;

	if (!m->fd)
		return NAN;
	save = m->fd->gram;
	if (!m->fd->G)
		gram = 0;
	m->fd->gram = gram;
	f = objective(m, x, grad, 1);
	m->fd->gram = save;
	return f;
}

int
sp_season_nparams(const sp_season_model *m)
{
	return 3 + m->S + m->K;
}

void
sp_season_params(const sp_season_model *m, double *x)
{
	x[0] = m->k, x[1] = m->m;
	memcpy(x + 2, m->delta, (size_t)m->S * sizeof *x);
	x[2 + m->S] = log(m->sigma);
	memcpy(x + 3 + m->S, m->beta, (size_t)m->K * sizeof *x);
}

/* ---- fitting ---------------------------------------------------------------------- */

/* The optimiser's variables z = (k, m, a, b, log sigma, beta) with delta =
 * a^2 - b^2 (elementwise): the Laplace term |delta| / tau becomes
 * (a^2 + b^2) / tau, smooth, and the two problems have the same minima
 * (for a given delta, a^2 + b^2 is smallest, |delta|, when a or b is 0),
 * so L-BFGS is not held up by the kinks of |delta| at 0. */
static double
dotp(const double *a, const double *b, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double
zobjective(const sp_season_model *m, const double *z, double *gz)
{
	fitdata *fd = m->fd;
	int S = m->S, K = m->K, j;
	double *x = fd->xbuf, *gx = fd->gx, tau = m->spec.changepoint_prior_scale, f;

	x[0] = z[0], x[1] = z[1];
	for (j = 0; j < S; j++)
		x[2 + j] = z[2 + j] * z[2 + j] - z[2 + S + j] * z[2 + S + j];
	x[2 + S] = z[2 + 2 * S];
	memcpy(x + 3 + S, z + 3 + 2 * S, (size_t)K * sizeof *x);
	f = objective(m, x, gx, 0);
	gz[0] = gx[0], gz[1] = gx[1];
	for (j = 0; j < S; j++) {
		double a = z[2 + j], b = z[2 + S + j];
		f += (a * a + b * b) / tau;
		gz[2 + j] = 2 * a * (gx[2 + j] + 1 / tau);
		gz[2 + S + j] = 2 * b * (-gx[2 + j] + 1 / tau);
	}
	gz[2 + 2 * S] = gx[2 + S];
	memcpy(gz + 3 + 2 * S, gx + 3 + S, (size_t)K * sizeof *gz);
	return isfinite(f) ? f : INFINITY;
}

/* ---- L-BFGS ---------------------------------------------------------------------
 *
 * Stan's optimiser, which Prophet uses: L-BFGS with a history of 5 steps
 * (Nocedal & Wright, Algorithm 7.4), a line search for the strong Wolfe
 * conditions (c1 1e-4, c2 0.9; their Algorithms 3.5 and 3.6 with cubic
 * interpolation), a first step of 1e-3 along the gradient, and Stan's
 * stopping rules: the objective's absolute (1e-12) or relative (1e4 eps)
 * decrease, the gradient norm (1e-8), the relative gradient g'H^-1 g /
 * max(|f|, 1) with L-BFGS's H (1e7 eps), the step (1e-8); at most 10000
 * iterations.  Not GSL's vector_bfgs2: it keeps only the last step (a
 * memoryless BFGS) and calls BLAS, which forecast(1) links to OpenBLAS,
 * whose rounding differs between machines; these plain loops give the same
 * fit in seasonfit and forecast, on every machine. */
enum { LB_MEM = 5, LB_MAXIT = 10000 };

typedef struct {
	const sp_season_model *m;
	int n;
	const double *x, *p;   /* the line: x + a p */
	double fx, dg0;
	double *xa, *ga;       /* the last point evaluated */
	int evals;
} lsearch;

/* f and the directional derivative at x + a p (into ls->xa, ls->ga) */
static double
ls_eval(lsearch *ls, double a, double *dg)
{
	double f;

	for (int i = 0; i < ls->n; i++)
		ls->xa[i] = ls->x[i] + a * ls->p[i];
	f = zobjective(ls->m, ls->xa, ls->ga);
	ls->evals++;
	*dg = dotp(ls->ga, ls->p, ls->n);
	return isfinite(f) && isfinite(*dg) ? f : INFINITY;
}

/* Minimiser of the cubic through (a, fa, ga) and (b, fb, gb), kept inside
 * the middle 80 % of the interval (else its midpoint). */
static double
cubic_step(double a, double fa, double ga, double b, double fb, double gb)
{
	double lo = fmin(a, b), hi = fmax(a, b), d1, d2, t;

	if (!isfinite(fb))
		return (a + b) / 2;
	d1 = ga + gb - 3 * (fa - fb) / (a - b);
	d2 = d1 * d1 - ga * gb;
	if (!(d2 >= 0))
		return (a + b) / 2;
	d2 = copysign(sqrt(d2), b - a);
	t = b - (b - a) * (gb + d2 - d1) / (gb - ga + 2 * d2);
	if (!(t > lo + 0.1 * (hi - lo) && t < hi - 0.1 * (hi - lo)))
		t = (a + b) / 2;
	return t;
}

/* A step a satisfying the strong Wolfe conditions from *a; 0 and the
 * point in ls->xa, ls->ga, *f; -1 when none was found. */
static int
wolfe(lsearch *ls, double *a, double *f)
{
	const double c1 = 1e-4, c2 = 0.9;
	double ap = 0, fp = ls->fx, gp = ls->dg0, ai = *a, fi, gi, lo, hi, flo, fhi, glo, ghi;
	int i;

	for (i = 0; i < 60; i++) {
		fi = ls_eval(ls, ai, &gi);
		if (fi > ls->fx + c1 * ai * ls->dg0 || (i > 0 && fi >= fp)) {
			lo = ap, flo = fp, glo = gp, hi = ai, fhi = fi, ghi = gi;
			goto zoom;
		}
		if (fabs(gi) <= -c2 * ls->dg0) {
			*a = ai, *f = fi;
			return 0;
		}
		if (gi >= 0) {
			lo = ai, flo = fi, glo = gi, hi = ap, fhi = fp, ghi = gp;
			goto zoom;
		}
		ap = ai, fp = fi, gp = gi;
		ai *= 4;
	}
	return -1;
zoom:
	for (i = 0; i < 60; i++) {
		double aj = cubic_step(lo, flo, glo, hi, fhi, ghi), fj, gj;
		fj = ls_eval(ls, aj, &gj);
		if (fj > ls->fx + c1 * aj * ls->dg0 || fj >= flo) {
			hi = aj, fhi = fj, ghi = gj;
		} else {
			if (fabs(gj) <= -c2 * ls->dg0) {
				*a = aj, *f = fj;
				return 0;
			}
			if (gj * (hi - lo) >= 0)
				hi = lo, fhi = flo, ghi = glo;
			lo = aj, flo = fj, glo = gj;
		}
		if (fabs(hi - lo) <= 1e-15 * fmax(fabs(lo), 1e-300))
			break;
	}
	/* no Wolfe point: settle for the best decrease found, if any */
	if (lo > 0 && flo < ls->fx) {
		*f = ls_eval(ls, lo, &glo);
		*a = lo;
		return 0;
	}
	return -1;
}

/* Minimise zobjective from z[0..n) in place. */
static int
lbfgs(const sp_season_model *m, double *z, int n, double *fout, int *iters, sp_error *err)
{
	double *buf = malloc((size_t)n * (7 + 2 * LB_MEM) * sizeof *buf);
	double *g, *p, *xn, *gn, *s, *y, rho[LB_MEM], al[LB_MEM], f, fn = 0, gnorm;
	const double eps = 2.220446049250313e-16;
	int k = 0, head = 0, nmem = 0, it;
	lsearch ls;

	if (!buf)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	g = buf, p = g + n, xn = p + n, gn = xn + n, s = gn + n, y = s + (size_t)n * LB_MEM;
	ls = (lsearch){ m, n, z, p, 0, 0, y + (size_t)n * LB_MEM, y + (size_t)n * LB_MEM + n, 0 };
	f = zobjective(m, z, g);
	if (!isfinite(f)) {
		free(buf);
		return sp_error_set(err, SP_EDATA, "the objective is not finite at the starting point");
	}
	for (it = 1; it <= LB_MAXIT; it++) {
		double a, q, dg, sn;
		int i, j;
		/* p = -H g by the two-loop recursion */
		for (i = 0; i < n; i++)
			p[i] = -g[i];
		for (j = 0; j < nmem; j++) {
			int c = (head - 1 - j + LB_MEM) % LB_MEM;
			al[c] = rho[c] * dotp(s + (size_t)c * n, p, n);
			for (i = 0; i < n; i++)
				p[i] -= al[c] * y[(size_t)c * n + i];
		}
		if (nmem > 0) {
			int c = (head - 1 + LB_MEM) % LB_MEM;
			double gam = dotp(s + (size_t)c * n, y + (size_t)c * n, n) / dotp(y + (size_t)c * n, y + (size_t)c * n, n);
			for (i = 0; i < n; i++)
				p[i] *= gam;
		}
		for (j = nmem - 1; j >= 0; j--) {
			int c = (head - 1 - j + LB_MEM) % LB_MEM;
			double b = rho[c] * dotp(y + (size_t)c * n, p, n);
			for (i = 0; i < n; i++)
				p[i] += s[(size_t)c * n + i] * (al[c] - b);
		}
		dg = dotp(g, p, n);
		if (!(dg < 0)) {   /* not a descent direction: forget the history */
			for (i = 0; i < n; i++)
				p[i] = -g[i];
			dg = dotp(g, p, n);
			nmem = 0;
		}
		if (nmem > 0 && -dg / fmax(fabs(f), 1) < 1e7 * eps)
			break;   /* Stan's relative gradient g'H^-1 g / max(|f|, 1) */
		gnorm = sqrt(dotp(g, g, n));
		a = nmem == 0 ? 1e-3 / fmax(1, gnorm) : 1;
		ls.fx = f, ls.dg0 = dg;
		if (wolfe(&ls, &a, &fn) < 0) {
			if (nmem > 0) {   /* retry along the gradient */
				nmem = 0;
				continue;
			}
			break;   /* no progress possible */
		}
		memcpy(xn, ls.xa, (size_t)n * sizeof *xn);
		memcpy(gn, ls.ga, (size_t)n * sizeof *gn);
		q = 0, sn = 0;
		for (i = 0; i < n; i++) {
			s[(size_t)head * n + i] = xn[i] - z[i];
			y[(size_t)head * n + i] = gn[i] - g[i];
			sn += s[(size_t)head * n + i] * s[(size_t)head * n + i];
		}
		q = dotp(s + (size_t)head * n, y + (size_t)head * n, n);
		if (q > eps * dotp(y + (size_t)head * n, y + (size_t)head * n, n)) {
			rho[head] = 1 / q;
			head = (head + 1) % LB_MEM;
			if (nmem < LB_MEM)
				nmem++;
		}
		memcpy(z, xn, (size_t)n * sizeof *z);
		memcpy(g, gn, (size_t)n * sizeof *g);
		{
			double df = f - fn;
			f = fn;
			k = it;
			if (fabs(df) < 1e-12 || fabs(df) / fmax(fmax(fabs(f + df), fabs(f)), 1) < 1e4 * eps)
				break;
			if (sqrt(dotp(g, g, n)) < 1e-8 || sqrt(sn) < 1e-8)
				break;
		}
	}
	*fout = f;
	*iters = k;
	free(buf);
	return 0;
}

/* Minimise from x (in place): L-BFGS over z (see zobjective), from
 * a = b = 0.01 for delta = 0. */
static int
minimise(sp_season_model *m, double *x, sp_error *err)
{
	int S = m->S, K = m->K, P = 3 + S + K, NZ = P + S, rc, j;
	double *z = malloc((size_t)NZ * sizeof *z), f;

	if (!z)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	z[0] = x[0], z[1] = x[1];
	for (j = 0; j < S; j++) {
		double d = x[2 + j];
		z[2 + j] = sqrt(fmax(d, 0) + 1e-4);
		z[2 + S + j] = sqrt(fmax(-d, 0) + 1e-4);
	}
	z[2 + 2 * S] = x[2 + S];
	memcpy(z + 3 + 2 * S, x + 3 + S, (size_t)K * sizeof *x);
	if ((rc = lbfgs(m, z, NZ, &f, &m->iterations, err)) == 0) {
		x[0] = z[0], x[1] = z[1];
		for (j = 0; j < S; j++)
			x[2 + j] = z[2 + j] * z[2 + j] - z[2 + S + j] * z[2 + S + j];
		x[2 + S] = z[2 + 2 * S];
		memcpy(x + 3 + S, z + 3 + 2 * S, (size_t)K * sizeof *x);
		m->objective = objective(m, x, m->fd->gx, 1);
		if (!isfinite(m->objective))
			rc = sp_error_set(err, SP_EDATA, "the fit did not converge (objective not finite)");
	}
	free(z);
	return rc;
}

static void
fmt_days(char *buf, size_t size, double days)
{
	if (days >= 2 || days == floor(days))
		snprintf(buf, size, "%.4g days", days);
	else
		snprintf(buf, size, "%.4g hours", days * 24);
}

/* Prophet's set_auto_seasonalities, and the check of seasonalities asked for. */
static int
resolve_seasonalities(sp_season_model *m, const double *ht, size_t T, sp_error *err)
{
	const sp_season_spec *s = &m->spec;
	double span = (ht[T - 1] - ht[0]) / 86400, mindt = INFINITY;
	int sw[3] = { s->daily, s->weekly, s->yearly };
	char a[48], b[48];
	size_t i;

	for (i = 1; i < T; i++)
		if (ht[i] - ht[i - 1] > 0 && ht[i] - ht[i - 1] < mindt)
			mindt = ht[i] - ht[i - 1];
	m->step = mindt;
	mindt /= 86400;
	m->nseas = 0;
	for (i = 0; i < (size_t)s->ncustom; i++) {
		sp_season_period p = s->custom[i];
		if (isnan(p.prior_scale))
			p.prior_scale = s->seasonality_prior_scale;
		if ((int)p.mode < 0)
			p.mode = s->mode;
		if (span < p.period) {
			fmt_days(a, sizeof a, span), fmt_days(b, sizeof b, p.period);
			return sp_error_set(err, SP_EDATA, "--seasonality %s: the history spans %s, less than one "
			    "period (%s)", p.name, a, b);
		}
		if (mindt >= p.period) {
			fmt_days(a, sizeof a, mindt), fmt_days(b, sizeof b, p.period);
			return sp_error_set(err, SP_EDATA, "--seasonality %s: rows %s apart cannot show a period "
			    "of %s", p.name, a, b);
		}
		m->seas[m->nseas++] = p;
		for (int j = 0; j < 3; j++)
			if (strcmp(p.name, builtin_name[j]) == 0)
				sw[j] = 0;
	}
	m->off[0] = m->off[1] = m->off[2] = NULL;
	/* Prophet adds yearly, weekly, daily in that order */
	for (int j = YEARLY; j >= DAILY; j--) {
		int order = sw[j], disable;
		double per = builtin_period[j];
		if (j == YEARLY)
			disable = span < 730;
		else if (j == WEEKLY)
			disable = span < 14 || mindt >= 7;
		else
			disable = span < 2 || mindt >= 1;
		if (order == SP_SEASON_AUTO) {
			order = disable ? 0 : builtin_order[j];
			if (disable) {
				fmt_days(a, sizeof a, span), fmt_days(b, sizeof b, mindt);
				snprintf(m->offbuf[j], sizeof m->offbuf[j], "%s seasonality off: the history spans %s, "
				    "rows %s apart", builtin_name[j], a, b);
				m->off[j] = m->offbuf[j];
			}
		} else if (order > 0) {
			if (span < per) {
				fmt_days(a, sizeof a, span), fmt_days(b, sizeof b, per);
				return sp_error_set(err, SP_EDATA, "--%s: the history spans %s, less than one period "
				    "(%s); leave it auto to switch it off", builtin_name[j], a, b);
			}
			if (mindt >= per) {
				fmt_days(a, sizeof a, mindt), fmt_days(b, sizeof b, per);
				return sp_error_set(err, SP_EDATA, "--%s: rows %s apart cannot show a period of %s",
				    builtin_name[j], a, b);
			}
		}
		if (order > 0) {
			sp_season_period *p = &m->seas[m->nseas++];
			memset(p, 0, sizeof *p);
			strcpy(p->name, builtin_name[j]);
			p->period = per, p->order = order;
			p->prior_scale = s->seasonality_prior_scale;
			p->mode = s->mode;
		}
	}
	return 0;
}

/* The number of changepoints Prophet places for T rows. */
static long
spec_cps(const sp_season_model *m, size_t T)
{
	long hs = (long)floor((double)T * m->spec.changepoint_range), n = m->spec.n_changepoints;

	if (n + 1 > hs)
		n = hs - 1;
	return n < 0 ? 0 : n;
}

/* Prophet's set_changepoints: n_changepoints on round(linspace) over the
 * first changepoint_range of the history rows (fewer when the history is
 * short); none gives one dummy changepoint at t = 0. */
static int
place_changepoints(sp_season_model *m, const double *ts, size_t T, sp_error *err)
{
	long hs = (long)floor((double)T * m->spec.changepoint_range), n = spec_cps(m, T);

	m->S = n > 0 ? (int)n : 1;
	if (!(m->cp_t = malloc((size_t)m->S * sizeof *m->cp_t)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	if (n == 0) {
		m->cp_t[0] = 0;
		return 0;
	}
	double by = (double)(hs - 1) / (double)n;
	for (long i = 1; i <= n; i++) {
		long idx = (long)nearbyint((double)i * by);
		m->cp_t[i - 1] = ts[idx];
	}
	return 0;
}

/* Z'Z and Z'y of the design Z = [t, 1, (t - c_j)+ (S), X (K)] of a linear
 * trend (flat: the t and delta columns are 0).  Only X'X needs the rows
 * one by one; every product with a changepoint column is a sum over the
 * rows at or after it (segments s > j), from per-segment sums of 1, t, t^2,
 * y, t y, X_k and t X_k: O(T K^2 + S K) instead of O(T (S + K)^2). */
static int
gram_build(const sp_season_model *m, fitdata *fd, sp_error *err)
{
	int S = m->S, K = m->K, P2 = fd->P2, flat = m->spec.growth == SP_SEASON_FLAT, j, l, k, s;
	size_t T = fd->T, r, nseg = (size_t)S + 1;
	/* per segment: n, t, t^2, y, t y; then X_k and t X_k */
	double *sg = calloc(nseg * (5 + 2 * (size_t)K), sizeof *sg), *sx, *stx, *G, *zy;
	const double *cp = m->cp_t;

	fd->G = calloc((size_t)P2 * (size_t)P2, sizeof *fd->G);
	fd->zy = calloc((size_t)P2, sizeof *fd->zy);
	if (!fd->G || !fd->zy || !sg) {
		free(sg);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	G = fd->G, zy = fd->zy;
	sx = sg + 5 * nseg, stx = sx + nseg * (size_t)K;
	fd->yy = 0;
	for (r = 0; r < T; r++) {
		double tr = fd->t[r], yr = fd->y[r];
		const double *xr = fd->X + r * (size_t)K;
		double *sgs = sg + 5 * (size_t)fd->seg[r], *sxs = sx + (size_t)fd->seg[r] * (size_t)K;
		double *stxs = stx + (size_t)fd->seg[r] * (size_t)K;
		sgs[0] += 1, sgs[1] += tr, sgs[2] += tr * tr, sgs[3] += yr, sgs[4] += tr * yr;
		fd->yy += yr * yr;
		for (k = 0; k < K; k++) {
			sxs[k] += xr[k];
			stxs[k] += tr * xr[k];
			zy[2 + S + k] += xr[k] * yr;
		}
		/* X'X: the upper triangle, a rank-1 update */
		for (k = 0; k < K; k++) {
			double xk = xr[k];
			double *Gk = G + (size_t)(2 + S + k) * (size_t)P2 + 2 + S;
			for (l = k; l < K; l++)
				Gk[l] += xk * xr[l];
		}
	}
	/* suffix sums: segment s then holds the sums over segments >= s */
	for (s = S - 1; s >= 0; s--) {
		for (int q = 0; q < 5; q++)
			sg[5 * (size_t)s + (size_t)q] += sg[5 * (size_t)(s + 1) + (size_t)q];
		for (k = 0; k < K; k++) {
			sx[(size_t)s * (size_t)K + (size_t)k] += sx[(size_t)(s + 1) * (size_t)K + (size_t)k];
			stx[(size_t)s * (size_t)K + (size_t)k] += stx[(size_t)(s + 1) * (size_t)K + (size_t)k];
		}
	}
	/* all rows: segment 0; rows at or after changepoint j: segment j + 1 */
	G[1 * P2 + 1] = sg[5 * (size_t)(0) + 0];
	zy[1] = sg[5 * (size_t)(0) + 3];
	for (k = 0; k < K; k++)
		G[1 * P2 + 2 + S + k] = sx[k];
	if (!flat) {
		G[0] = sg[5 * (size_t)(0) + 2];
		G[1] = sg[5 * (size_t)(0) + 1];
		zy[0] = sg[5 * (size_t)(0) + 4];
		for (k = 0; k < K; k++)
			G[2 + S + k] = stx[k];
		for (j = 0; j < S; j++) {
			int sj = j + 1;
			double c = cp[j];
			G[2 + j] = sg[5 * (size_t)(sj) + 2] - c * sg[5 * (size_t)(sj) + 1];
			G[1 * P2 + 2 + j] = sg[5 * (size_t)(sj) + 1] - c * sg[5 * (size_t)(sj) + 0];
			zy[2 + j] = sg[5 * (size_t)(sj) + 4] - c * sg[5 * (size_t)(sj) + 3];
			for (l = j; l < S; l++) {   /* rows at or after the later one */
				int sl = l + 1;
				G[(size_t)(2 + j) * (size_t)P2 + 2 + l] = sg[5 * (size_t)(sl) + 2] - (c + cp[l]) * sg[5 * (size_t)(sl) + 1] + c * cp[l] * sg[5 * (size_t)(sl) + 0];
			}
			for (k = 0; k < K; k++)
				G[(size_t)(2 + j) * (size_t)P2 + 2 + S + k] = stx[(size_t)sj * (size_t)K + (size_t)k] -
				    c * sx[(size_t)sj * (size_t)K + (size_t)k];
		}
	}
	for (int a2 = 0; a2 < P2; a2++)
		for (int b2 = 0; b2 < a2; b2++)
			G[(size_t)a2 * (size_t)P2 + (size_t)b2] = G[(size_t)b2 * (size_t)P2 + (size_t)a2];
	free(sg);
	return 0;
}

static int
fitdata_build(sp_season_model *m, const sp_season_data *d, const size_t *rows, size_t T, sp_error *err)
{
	fitdata *fd = calloc(1, sizeof *fd);
	int S = m->S, K = m->K, P = 3 + S + K, P2 = 2 + S + K;
	size_t r;

	if (!fd)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	m->fd = fd;
	fd->T = T;
	fd->t = malloc(T * sizeof *fd->t);
	fd->y = malloc(T * sizeof *fd->y);
	fd->X = malloc((T * (size_t)K + 1) * sizeof *fd->X);
	fd->seg = malloc(T * sizeof *fd->seg);
	fd->work = malloc((size_t)(4 * (S + 1) + 4 * K + 2 * P2 + 8) * sizeof *fd->work);
	fd->gscratch = malloc((size_t)(P + S) * sizeof *fd->gscratch);
	fd->xbuf = malloc((size_t)P * sizeof *fd->xbuf);
	fd->rows = malloc(5 * T * sizeof *fd->rows);
	fd->gx = malloc((size_t)P * sizeof *fd->gx);
	if (m->spec.growth == SP_SEASON_LOGISTIC)
		fd->cap = malloc(T * sizeof *fd->cap);
	if (!fd->t || !fd->y || !fd->X || !fd->seg || !fd->work || !fd->gscratch || !fd->xbuf || !fd->gx || !fd->rows || (m->spec.growth == SP_SEASON_LOGISTIC && !fd->cap))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	int s = 0;
	for (r = 0; r < T; r++) {
		size_t k = rows[r];
		double fl = m->logistic_floor ? d->floor[k] : 0;
		fd->t[r] = (d->t[k] - m->start) / m->t_scale;
		fd->y[r] = (d->y[k] - fl) / m->y_scale;
		if (fd->cap)
			fd->cap[r] = (d->cap[k] - fl) / m->y_scale;
		while (s < S && fd->t[r] >= m->cp_t[s])
			s++;
		fd->seg[r] = s;
		feature_row(m, d->t[k], fd->X + r * (size_t)K);
	}
	/* Gram path: linear or flat trend, nothing multiplicative */
	fd->gram = !m->anymult && m->spec.growth != SP_SEASON_LOGISTIC;
	if (!fd->gram)
		return 0;
	fd->P2 = P2;
	return gram_build(m, fd, err);
}

/* Prophet's initial values: a line through the first and last point
 * (linear), the logistic curve through them (logistic), the mean (flat);
 * delta and beta 0, sigma 1. */
static void
initial_values(const sp_season_model *m, double *x)
{
	const fitdata *fd = m->fd;
	size_t T = fd->T;
	int P = 3 + m->S + m->K;
	double T1 = fd->t[T - 1] - fd->t[0];

	for (int i = 0; i < P; i++)
		x[i] = 0;
	if (m->spec.growth == SP_SEASON_FLAT) {
		double s = 0;
		for (size_t r = 0; r < T; r++)
			s += fd->y[r];
		x[1] = s / (double)T;
	} else if (m->spec.growth == SP_SEASON_LOGISTIC) {
		double C0 = fd->cap[0], C1 = fd->cap[T - 1];
		double y0 = fmax(0.01 * C0, fmin(0.99 * C0, fd->y[0]));
		double y1 = fmax(0.01 * C1, fmin(0.99 * C1, fd->y[T - 1]));
		double r0 = C0 / y0, r1 = C1 / y1, L0, L1;
		if (fabs(r0 - r1) <= 0.01)
			r0 = 1.05 * r0;
		L0 = log(r0 - 1), L1 = log(r1 - 1);
		x[1] = L0 * T1 / (L0 - L1);
		x[0] = (L0 - L1) / T1;
	} else {
		x[0] = (fd->y[T - 1] - fd->y[0]) / T1;
		x[1] = fd->y[0] - x[0] * fd->t[0];
	}
	x[2 + m->S] = 0;   /* log 1 */
}

static int
check_spec(const sp_season_spec *s, const sp_season_data *d, sp_error *err)
{
	if (s->n_changepoints < 0)
		return sp_error_set(err, SP_EUSAGE, "--changepoints: must be >= 0");
	if (!(s->changepoint_range > 0 && s->changepoint_range <= 1))
		return sp_error_set(err, SP_EUSAGE, "--changepoint-range: must be in (0, 1]");
	if (!(s->changepoint_prior_scale > 0) || !(s->seasonality_prior_scale > 0) || !(s->holidays_prior_scale > 0))
		return sp_error_set(err, SP_EUSAGE, "prior scales must be > 0");
	if (s->growth == SP_SEASON_LOGISTIC && !d->cap)
		return sp_error_set(err, SP_EUSAGE, "a logistic trend needs a capacity column");
	return 0;
}

static sp_season_model *
model_new(const sp_season_spec *spec, sp_error *err)
{
	sp_season_model *m = calloc(1, sizeof *m);

	if (!m) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	m->spec = *spec;
	if (!(m->hol = holidays_copy(spec->holidays, err))) {
		free(m);
		return NULL;
	}
	m->spec.holidays = m->hol;
	return m;
}

int
sp_season_fit(const sp_season_spec *spec, const sp_season_data *d, sp_season_model **out, sp_error *err)
{
	sp_season_model *m;
	size_t *rows = NULL, T = 0, i;
	double *ht = NULL, *x = NULL, ymax = 0;
	int rc;

	*out = NULL;
	if ((rc = check_spec(spec, d, err)) < 0)
		return rc;
	if (!(m = model_new(spec, err)))
		return err ? err->code : SP_ENOMEM;
	rows = malloc((d->n + 1) * sizeof *rows);
	ht = malloc((d->n + 1) * sizeof *ht);
	if (!rows || !ht) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < d->n; i++)
		if (isfinite(d->y[i]))
			rows[T] = i, ht[T++] = d->t[i];
	if (T < 2) {
		rc = sp_error_set(err, SP_EDATA, "need at least 2 rows with a value to fit, have %zu", T);
		goto done;
	}
	m->nobs = T;
	m->logistic_floor = spec->growth == SP_SEASON_LOGISTIC && d->floor != NULL;
	m->start = ht[0];
	m->t_scale = ht[T - 1] - ht[0];
	for (i = 0; i < T; i++) {
		double v = fabs(d->y[rows[i]] - (m->logistic_floor ? d->floor[rows[i]] : 0));
		if (v > ymax)
			ymax = v;
	}
	m->y_scale = ymax > 0 ? ymax : 1;
	for (i = 0; i < T; i++)
		ht[i] = (ht[i] - m->start) / m->t_scale;
	if ((rc = place_changepoints(m, ht, T, err)) < 0)
		goto done;
	for (i = 0; i < T; i++)
		ht[i] = d->t[rows[i]];
	if ((rc = resolve_seasonalities(m, ht, T, err)) < 0 || (rc = build_holfeat(m, err)) < 0 ||
	    (rc = build_features(m, err)) < 0 || (rc = fitdata_build(m, d, rows, T, err)) < 0)
		goto done;
	m->delta = calloc((size_t)m->S, sizeof *m->delta);
	m->beta = calloc((size_t)m->K + 1, sizeof *m->beta);
	x = malloc((size_t)(3 + m->S + m->K) * sizeof *x);
	if (!m->delta || !m->beta || !x) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto done;
	}
	initial_values(m, x);
	{
		double y0 = m->fd->y[0];
		int constant = m->spec.growth != SP_SEASON_LOGISTIC;
		for (i = 1; i < T && constant; i++)
			constant = m->fd->y[i] == y0;
		if (constant) {
			/* Prophet: a constant series is its level, exactly (no optimisation) */
			memset(x, 0, (size_t)(3 + m->S + m->K) * sizeof *x);
			x[1] = y0;
			x[2 + m->S] = log(1e-9);
			m->objective = NAN;
		} else if ((rc = minimise(m, x, err)) < 0) {
			goto done;
		}
	}
	if (m->S == 1 && m->cp_t[0] == 0 && spec_cps(m, T) == 0) {
		/* no changepoints: Prophet folds the dummy one's rate into k */
		x[0] += x[2];
		x[2] = 0;
	}
	m->k = x[0], m->m = x[1];
	memcpy(m->delta, x + 2, (size_t)m->S * sizeof *x);
	m->sigma = exp(x[2 + m->S]);
	memcpy(m->beta, x + 3 + m->S, (size_t)m->K * sizeof *x);
	rc = 0;
done:
	free(rows), free(ht), free(x);
	if (rc < 0)
		sp_season_model_free(m);
	else
		*out = m;
	return rc;
}

int
sp_season_refit(const sp_season_model *m, const sp_season_data *d, sp_season_model **out, sp_error *err)
{
	return sp_season_fit(&m->spec, d, out, err);
}

void
sp_season_describe(const sp_season_model *m, sp_season_info *info)
{
	memset(info, 0, sizeof *info);
	info->growth = m->spec.growth, info->mode = m->spec.mode;
	info->nobs = m->nobs;
	info->start = m->start, info->t_scale = m->t_scale, info->y_scale = m->y_scale;
	info->logistic_floor = m->logistic_floor;
	info->nseas = m->nseas, info->seas = m->seas;
	info->nholfeat = m->nhf;
	info->S = m->S, info->cp_t = m->cp_t, info->K = m->K;
	info->k = m->k, info->m = m->m, info->sigma = m->sigma;
	info->delta = m->delta, info->beta = m->beta;
	info->objective = m->objective, info->iterations = m->iterations;
	info->step = m->step;
	for (int j = 0; j < 3; j++)
		info->switched_off[j] = m->off[j];
}

/* ---- predictions ------------------------------------------------------------------ */

int
sp_season_ncomponents(const sp_season_model *m)
{
	return m->nseas + (m->nhf > 0);
}

const char *
sp_season_component_name(const sp_season_model *m, int i)
{
	if (i < 0 || i >= sp_season_ncomponents(m))
		return NULL;
	return i < m->nseas ? m->seas[i].name : "holidays";
}

static int
need_cap(const sp_season_model *m, const double *cap, const double *floor, sp_error *err)
{
	if (m->spec.growth == SP_SEASON_LOGISTIC && !cap)
		return sp_error_set(err, SP_EUSAGE, "a logistic trend needs the capacity at every time");
	if (m->logistic_floor && !floor)
		return sp_error_set(err, SP_EUSAGE, "the model was fitted with a floor: it needs the floor at every time");
	return 0;
}

/* The scaled trend at scaled time tt with the fitted parameters. */
static double
fitted_trend(const sp_season_model *m, const double *Ks, const double *Ms, double tt, double capsc)
{
	int s = 0;

	while (s < m->S && tt >= m->cp_t[s])
		s++;
	return trend_at(m, Ks, Ms, s, tt, capsc);
}

int
sp_season_predict(const sp_season_model *m, size_t n, const double *t, const double *cap, const double *floor,
    double *yhat, double *trend, double *comp, sp_error *err)
{
	int S = m->S, K = m->K, nc = sp_season_ncomponents(m), rc;
	double *Ks = malloc((size_t)(2 * (S + 1) + K + nc + 1) * sizeof *Ks), *Ms, *xr, *cv;

	if ((rc = need_cap(m, cap, floor, err)) < 0) {
		free(Ks);
		return rc;
	}
	if (!Ks)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	Ms = Ks + S + 1, xr = Ms + S + 1, cv = xr + K;
	segments(m, m->k, m->m, m->delta, S, m->cp_t, Ks, Ms);
	for (size_t i = 0; i < n; i++) {
		double fl = m->logistic_floor ? floor[i] : 0, tt = (t[i] - m->start) / m->t_scale;
		double capsc = cap ? (cap[i] - fl) / m->y_scale : 0;
		double g = fitted_trend(m, Ks, Ms, tt, capsc) * m->y_scale + fl, add = 0, mul = 0;
		int q = 0, c;

		feature_row(m, t[i], xr);
		for (c = 0; c < nc; c++)
			cv[c] = 0;
		for (c = 0; c < m->nseas; c++)
			for (int j = 0; j < 2 * m->seas[c].order; j++, q++)
				cv[c] += xr[q] * m->beta[q];
		for (int h = 0; h < m->nhf; h++, q++)
			cv[m->nseas] += xr[q] * m->beta[q];
		/* per-feature modes: sum each feature into its kind */
		for (q = 0; q < K; q++) {
			if (m->mult[q])
				mul += xr[q] * m->beta[q];
			else
				add += xr[q] * m->beta[q];
		}
		add *= m->y_scale;
		for (c = 0; c < nc; c++) {
			int multc = c < m->nseas ? m->seas[c].mode == SP_SEASON_MULTIPLICATIVE :
			    m->spec.mode == SP_SEASON_MULTIPLICATIVE;
			if (!multc)
				cv[c] *= m->y_scale;
			if (comp)
				comp[i * (size_t)nc + (size_t)c] = cv[c];
		}
		if (trend)
			trend[i] = g;
		if (yhat)
			yhat[i] = g * (1 + mul) + add;
	}
	free(Ks);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
sp_season_band(const sp_season_model *m, size_t n, const double *t, const double *cap, const double *floor,
    int nsamples, double qlo, double qhi, sp_rand *r, double *lo, double *hi, sp_error *err)
{
	gsl_rng *g = sp_rand_gsl(r);
	size_t i, nf = 0, *fut = NULL;
	double *yhat = NULL, *trend = NULL, *mulv = NULL, *sim = NULL, *cpn = NULL, *dn = NULL, tmax = -INFINITY;
	double zlo = gsl_cdf_ugaussian_Pinv(qlo), zhi = gsl_cdf_ugaussian_Pinv(qhi), lambda = 0;
	int rc, S = m->S;

	if (nsamples < 1)
		return sp_error_set(err, SP_EUSAGE, "--samples: must be >= 1");
	if (!(qlo > 0 && qlo < qhi && qhi < 1))
		return sp_error_set(err, SP_EUSAGE, "--quantiles: need 0 < LO < HI < 1");
	if ((rc = need_cap(m, cap, floor, err)) < 0)
		return rc;
	yhat = malloc((n + 1) * sizeof *yhat);
	trend = malloc((n + 1) * sizeof *trend);
	fut = malloc((n + 1) * sizeof *fut);
	if (!yhat || !trend || !fut) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = sp_season_predict(m, n, t, cap, floor, yhat, trend, NULL, err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		double tt = (t[i] - m->start) / m->t_scale;
		if (tt > tmax)
			tmax = tt;
		if (tt > 1 && m->spec.growth != SP_SEASON_FLAT)
			fut[nf++] = i;
		/* no trend uncertainty here: yhat + sigma * z, exactly */
		lo[i] = yhat[i] + m->sigma * m->y_scale * zlo;
		hi[i] = yhat[i] + m->sigma * m->y_scale * zhi;
	}
	if (nf == 0)
		goto done;
	for (int j = 0; j < S; j++)
		lambda += fabs(m->delta[j]);
	lambda = lambda / S + 1e-8;
	{
		/* the multiplicative factor (1 + mul) and the additive part of yhat
		 * at each future time: yhat = trend * f + add */
		double rate = (double)S * (tmax - 1);
		size_t ncap = 64;
		int Sx;
		sim = malloc(nf * (size_t)nsamples * sizeof *sim);
		mulv = malloc(2 * nf * sizeof *mulv);
		cpn = malloc(ncap * sizeof *cpn);
		dn = malloc(ncap * sizeof *dn);
		if (!sim || !mulv || !cpn || !dn) {
			rc = sp_error_set(err, SP_ENOMEM, "out of memory");
			goto done;
		}
		{
			double *xr = malloc(((size_t)m->K + 1) * sizeof *xr);
			if (!xr) {
				rc = sp_error_set(err, SP_ENOMEM, "out of memory");
				goto done;
			}
			for (i = 0; i < nf; i++) {
				double mul = 0, add = 0;
				feature_row(m, t[fut[i]], xr);
				for (int q = 0; q < m->K; q++) {
					if (m->mult[q])
						mul += xr[q] * m->beta[q];
					else
						add += xr[q] * m->beta[q];
				}
				mulv[2 * i] = 1 + mul;
				mulv[2 * i + 1] = add * m->y_scale;
			}
			free(xr);
		}
		for (int s = 0; s < nsamples; s++) {
			unsigned int nc = gsl_ran_poisson(g, rate);
			if (nc > ncap) {
				while (ncap < nc)
					ncap *= 2;
				double *a = realloc(cpn, ncap * sizeof *a), *b;
				if (a)
					cpn = a;
				b = realloc(dn, ncap * sizeof *b);
				if (b)
					dn = b;
				if (!a || !b) {
					rc = sp_error_set(err, SP_ENOMEM, "out of memory");
					goto done;
				}
			}
			for (unsigned int c = 0; c < nc; c++)
				cpn[c] = 1 + gsl_rng_uniform(g) * (tmax - 1);
			qsort(cpn, nc, sizeof *cpn, cmp_double);
			for (unsigned int c = 0; c < nc; c++)
				dn[c] = gsl_ran_laplace(g, lambda);
			Sx = S + (int)nc;
			if (m->spec.growth == SP_SEASON_LOGISTIC) {
				double *cps = malloc((size_t)Sx * sizeof *cps), *dl = malloc((size_t)Sx * sizeof *dl);
				double *Ks = malloc(2 * ((size_t)Sx + 1) * sizeof *Ks);
				if (!cps || !dl || !Ks) {
					free(cps), free(dl), free(Ks);
					rc = sp_error_set(err, SP_ENOMEM, "out of memory");
					goto done;
				}
				memcpy(cps, m->cp_t, (size_t)S * sizeof *cps);
				memcpy(cps + S, cpn, nc * sizeof *cps);
				memcpy(dl, m->delta, (size_t)S * sizeof *dl);
				memcpy(dl + S, dn, nc * sizeof *dl);
				segments(m, m->k, m->m, dl, Sx, cps, Ks, Ks + Sx + 1);
				for (i = 0; i < nf; i++) {
					size_t k = fut[i];
					double fl = m->logistic_floor ? floor[k] : 0, tt = (t[k] - m->start) / m->t_scale;
					int seg = 0;
					while (seg < Sx && tt >= cps[seg])
						seg++;
					double tr = trend_at(m, Ks, Ks + Sx + 1, seg, tt, (cap[k] - fl) / m->y_scale) * m->y_scale + fl;
					sim[i * (size_t)nsamples + (size_t)s] = tr * mulv[2 * i] + mulv[2 * i + 1];
				}
				free(cps), free(dl), free(Ks);
			} else {
				for (i = 0; i < nf; i++) {
					size_t k = fut[i];
					double tt = (t[k] - m->start) / m->t_scale, add = 0;
					for (unsigned int c = 0; c < nc && cpn[c] <= tt; c++)
						add += dn[c] * (tt - cpn[c]);
					double tr = trend[k] + add * m->y_scale;
					sim[i * (size_t)nsamples + (size_t)s] = tr * mulv[2 * i] + mulv[2 * i + 1];
				}
			}
			for (i = 0; i < nf; i++)
				sim[i * (size_t)nsamples + (size_t)s] += gsl_ran_gaussian(g, m->sigma) * m->y_scale;
		}
		for (i = 0; i < nf; i++) {
			double *v = sim + i * (size_t)nsamples;
			sp_stats_sort(v, (size_t)nsamples);
			lo[fut[i]] = sp_stats_quantile_sorted(v, (size_t)nsamples, qlo);
			hi[fut[i]] = sp_stats_quantile_sorted(v, (size_t)nsamples, qhi);
		}
	}
	rc = 0;
done:
	free(yhat), free(trend), free(fut), free(sim), free(mulv), free(cpn), free(dn);
	return rc;
}

int
sp_season_residuals(const sp_season_model *m, const sp_season_data *d, double *res, sp_error *err)
{
	int rc = sp_season_predict(m, d->n, d->t, d->cap, d->floor, res, NULL, NULL, err);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < d->n; i++)
		res[i] = d->y[i] - res[i];
	return 0;
}

void
sp_season_fc_free(sp_season_fc *f)
{
	if (!f)
		return;
	free(f->t), free(f->yhat), free(f->lo), free(f->hi), free(f->trend), free(f->comp);
	memset(f, 0, sizeof *f);
}

int
sp_season_forecast(const sp_season_model *m, const sp_season_data *d, const sp_season_fc_opts *o,
    sp_season_fc *out, sp_error *err)
{
	size_t n0 = o->insample ? d->n : 0, n = n0 + (size_t)o->H, i;
	double *cap = NULL, *fl = NULL, step = o->step;
	int rc;

	memset(out, 0, sizeof *out);
	if (o->H < 0 || d->n == 0)
		return sp_error_set(err, SP_EUSAGE, "nothing to forecast");
	if (!(step > 0)) {
		step = INFINITY;
		for (i = 1; i < d->n; i++)
			if (d->t[i] - d->t[i - 1] > 0 && d->t[i] - d->t[i - 1] < step)
				step = d->t[i] - d->t[i - 1];
		if (!isfinite(step))
			step = m->step;
	}
	out->step = step;
	out->n = n;
	out->ncomp = sp_season_ncomponents(m);
	out->t = malloc((n + 1) * sizeof *out->t);
	out->yhat = malloc((n + 1) * sizeof *out->yhat);
	out->lo = malloc((n + 1) * sizeof *out->lo);
	out->hi = malloc((n + 1) * sizeof *out->hi);
	if (o->components) {
		out->trend = malloc((n + 1) * sizeof *out->trend);
		out->comp = malloc((n * (size_t)out->ncomp + 1) * sizeof *out->comp);
	}
	if (d->cap)
		cap = malloc((n + 1) * sizeof *cap);
	if (d->floor)
		fl = malloc((n + 1) * sizeof *fl);
	if (!out->t || !out->yhat || !out->lo || !out->hi || (o->components && (!out->trend || !out->comp)) ||
	    (d->cap && !cap) || (d->floor && !fl)) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		size_t k = i < n0 ? i : d->n - 1;
		out->t[i] = i < n0 ? d->t[i] : d->t[d->n - 1] + (double)(i - n0 + 1) * step;
		if (cap)
			cap[i] = d->cap[k];
		if (fl)
			fl[i] = d->floor[k];
	}
	if ((rc = sp_season_predict(m, n, out->t, cap, fl, out->yhat, out->trend, out->comp, err)) < 0 ||
	    (rc = sp_season_band(m, n, out->t, cap, fl, o->samples, o->qlo, o->qhi, o->rng, out->lo, out->hi,
	    err)) < 0)
		goto done;
	rc = 0;
done:
	free(cap), free(fl);
	if (rc < 0)
		sp_season_fc_free(out);
	return rc;
}

/* ---- model files ------------------------------------------------------------------ */

enum { FILE_VERSION = 1 };

static void
put_period(sp_model_writer *w, const char *prefix, int i, const sp_season_period *p)
{
	char key[64];
	double v[4] = { p->period, p->order, isnan(p->prior_scale) ? 0 : p->prior_scale, (double)(int)p->mode };

	snprintf(key, sizeof key, "%s.%d.name", prefix, i);
	sp_model_put_str(w, key, p->name);
	snprintf(key, sizeof key, "%s.%d", prefix, i);
	sp_model_put_doubles(w, key, 4, v);
}

int
sp_season_save(const sp_season_model *m, const sp_season_file *f, const char *path, const char *cmdline,
    sp_error *err)
{
	const sp_season_spec *s = &m->spec;
	sp_model_writer *w = sp_model_create(path, "season", FILE_VERSION, err);
	char key[64];
	size_t i;

	if (!w)
		return err ? err->code : SP_EIO;
	if (cmdline)
		sp_model_put_line(w, "command", cmdline);
	sp_model_put_str(w, "column", f->column ? f->column : "value");
	if (f->cap_column)
		sp_model_put_str(w, "cap-column", f->cap_column);
	if (f->floor_column)
		sp_model_put_str(w, "floor-column", f->floor_column);
	sp_model_put_long(w, "refit", f->refit);
	sp_model_put_long(w, "samples", f->samples);
	sp_model_put_long(w, "seed", (long)f->seed);
	/* the specification */
	sp_model_put_str(w, "growth", sp_season_growth_names[s->growth]);
	sp_model_put_str(w, "mode", sp_season_mode_names[s->mode]);
	sp_model_put_long(w, "changepoints", s->n_changepoints);
	sp_model_put_double(w, "changepoint-range", s->changepoint_range);
	sp_model_put_double(w, "changepoint-prior-scale", s->changepoint_prior_scale);
	sp_model_put_double(w, "seasonality-prior-scale", s->seasonality_prior_scale);
	sp_model_put_double(w, "holidays-prior-scale", s->holidays_prior_scale);
	sp_model_put_long(w, "daily", s->daily);
	sp_model_put_long(w, "weekly", s->weekly);
	sp_model_put_long(w, "yearly", s->yearly);
	sp_model_put_long(w, "custom", s->ncustom);
	for (int c = 0; c < s->ncustom; c++) {
		sp_season_period p = s->custom[c];
		if ((int)p.mode < 0)
			p.mode = (sp_season_mode)2;   /* the spec's */
		put_period(w, "custom", c, &p);
	}
	sp_model_put_long(w, "holidays", (long)m->hol->n);
	for (i = 0; i < m->hol->n; i++) {
		const holiday *e = &m->hol->e[i];
		double v[4] = { (double)e->day, e->lower, e->upper, isnan(e->prior) ? 0 : e->prior };
		snprintf(key, sizeof key, "holiday.%zu.name", i);
		sp_model_put_line(w, key, e->name);
		snprintf(key, sizeof key, "holiday.%zu", i);
		sp_model_put_doubles(w, key, 4, v);
	}
	/* the fit */
	sp_model_put_long(w, "nobs", (long)m->nobs);
	sp_model_put_double(w, "start", m->start);
	sp_model_put_double(w, "t-scale", m->t_scale);
	sp_model_put_double(w, "y-scale", m->y_scale);
	sp_model_put_long(w, "logistic-floor", m->logistic_floor);
	sp_model_put_double(w, "step", m->step);
	sp_model_put_long(w, "seasonalities", m->nseas);
	for (int c = 0; c < m->nseas; c++)
		put_period(w, "season", c, &m->seas[c]);
	sp_model_put_doubles(w, "changepoint-t", (size_t)m->S, m->cp_t);
	sp_model_put_double(w, "k", m->k);
	sp_model_put_double(w, "m", m->m);
	sp_model_put_double(w, "sigma", m->sigma);
	sp_model_put_doubles(w, "delta", (size_t)m->S, m->delta);
	sp_model_put_doubles(w, "beta", (size_t)m->K, m->beta);
	return sp_model_commit(w, err);
}

static int
get_period(sp_model *f, const char *prefix, int i, sp_season_period *p, int allow_spec_mode, sp_error *err)
{
	char key[64];
	const char *name;
	double v[4];
	int rc;

	snprintf(key, sizeof key, "%s.%d.name", prefix, i);
	if ((rc = sp_model_get_str(f, key, &name, err)) < 0)
		return rc;
	if (!name_ok(name) || strlen(name) >= SP_SEASON_MAXNAME)
		return sp_error_set(err, SP_EMODEL, "%s: %s: bad name '%s'", sp_model_path(f), key, name);
	snprintf(key, sizeof key, "%s.%d", prefix, i);
	if ((rc = sp_model_get_doubles(f, key, 4, v, err)) < 0)
		return rc;
	if (!(v[0] > 0) || v[1] != floor(v[1]) || v[1] < 1 || v[1] > SP_SEASON_MAXORDER || v[2] < 0 ||
	    !(v[3] == 0 || v[3] == 1 || (allow_spec_mode && v[3] == 2)) || (!allow_spec_mode && !(v[2] > 0)))
		return sp_error_set(err, SP_EMODEL, "%s: %s: bad period, order, prior scale or mode", sp_model_path(f),
		    key);
	memset(p, 0, sizeof *p);
	strcpy(p->name, name);
	p->period = v[0], p->order = (int)v[1];
	p->prior_scale = v[2] > 0 ? v[2] : NAN;
	p->mode = v[3] == 2 ? (sp_season_mode)-1 : (sp_season_mode)(int)v[3];
	return 0;
}

static int
get_choice(sp_model *f, const char *key, const char *const *names, int *out, sp_error *err)
{
	const char *v;
	int rc;

	if ((rc = sp_model_get_str(f, key, &v, err)) < 0)
		return rc;
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return sp_error_set(err, SP_EMODEL, "%s: %s: unknown value '%s'", sp_model_path(f), key, v);
}

static int
get_pos(sp_model *f, const char *key, double *out, int allow_zero, sp_error *err)
{
	int rc = sp_model_get_double(f, key, out, err);

	if (rc < 0)
		return rc;
	if (!(*out > 0) && !(allow_zero && *out == 0))
		return sp_error_set(err, SP_EMODEL, "%s: %s: must be > 0", sp_model_path(f), key);
	return 0;
}

sp_season_model *
sp_season_load(const char *path, sp_season_file *fo, sp_error *err)
{
	sp_model *f = sp_model_load(path, "season", FILE_VERSION, NULL, err);
	sp_season_model *m = NULL;
	sp_season_spec *s;
	const char *str;
	long v, nh;
	int iv;
	char key[64];

	if (!f)
		return NULL;
	memset(fo, 0, sizeof *fo);
	if (!(m = calloc(1, sizeof *m))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	s = &m->spec;
	sp_season_spec_defaults(s);
	if (sp_model_has(f, "command") && sp_model_get_line(f, "command", &str, err) < 0)
		goto fail;
	if (sp_model_get_str(f, "column", &str, err) < 0)
		goto fail;
	snprintf(m->names[0], sizeof m->names[0], "%s", str);
	fo->column = m->names[0];
	if (sp_model_has(f, "cap-column")) {
		if (sp_model_get_str(f, "cap-column", &str, err) < 0)
			goto fail;
		snprintf(m->names[1], sizeof m->names[1], "%s", str);
		fo->cap_column = m->names[1];
	}
	if (sp_model_has(f, "floor-column")) {
		if (sp_model_get_str(f, "floor-column", &str, err) < 0)
			goto fail;
		snprintf(m->names[2], sizeof m->names[2], "%s", str);
		fo->floor_column = m->names[2];
	}
	if (sp_model_get_long(f, "refit", 0, 100000000, &fo->refit, err) < 0 ||
	    sp_model_get_long(f, "samples", 1, 1000000, &v, err) < 0)
		goto fail;
	fo->samples = (int)v;
	if (sp_model_get_long(f, "seed", 0, 4294967295L, &v, err) < 0)
		goto fail;
	fo->seed = (unsigned long)v;
	if (get_choice(f, "growth", sp_season_growth_names, &iv, err) < 0)
		goto fail;
	s->growth = (sp_season_growth)iv;
	if (get_choice(f, "mode", sp_season_mode_names, &iv, err) < 0)
		goto fail;
	s->mode = (sp_season_mode)iv;
	if (sp_model_get_long(f, "changepoints", 0, 100000, &v, err) < 0)
		goto fail;
	s->n_changepoints = (int)v;
	if (get_pos(f, "changepoint-range", &s->changepoint_range, 0, err) < 0 ||
	    get_pos(f, "changepoint-prior-scale", &s->changepoint_prior_scale, 0, err) < 0 ||
	    get_pos(f, "seasonality-prior-scale", &s->seasonality_prior_scale, 0, err) < 0 ||
	    get_pos(f, "holidays-prior-scale", &s->holidays_prior_scale, 0, err) < 0)
		goto fail;
	if (s->changepoint_range > 1) {
		sp_error_set(err, SP_EMODEL, "%s: changepoint-range: must be in (0, 1]", path);
		goto fail;
	}
	{
		int *sw[3] = { &s->daily, &s->weekly, &s->yearly };
		for (int j = 0; j < 3; j++) {
			if (sp_model_get_long(f, builtin_name[j], -1, SP_SEASON_MAXORDER, &v, err) < 0)
				goto fail;
			*sw[j] = (int)v;
		}
	}
	if (sp_model_get_long(f, "custom", 0, SP_SEASON_MAXSEAS, &v, err) < 0)
		goto fail;
	s->ncustom = (int)v;
	for (int c = 0; c < s->ncustom; c++)
		if (get_period(f, "custom", c, &s->custom[c], 1, err) < 0)
			goto fail;
	if (!(m->hol = sp_season_holidays_new())) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	s->holidays = m->hol;
	if (sp_model_get_long(f, "holidays", 0, 1000000, &nh, err) < 0)
		goto fail;
	for (long i = 0; i < nh; i++) {
		double hv[4];
		const char *name;
		snprintf(key, sizeof key, "holiday.%ld.name", i);
		if (sp_model_get_line(f, key, &name, err) < 0)
			goto fail;
		snprintf(key, sizeof key, "holiday.%ld", i);
		if (sp_model_get_doubles(f, key, 4, hv, err) < 0)
			goto fail;
		if (hv[0] != floor(hv[0]) || hv[1] != floor(hv[1]) || hv[2] != floor(hv[2]) || fabs(hv[0]) > 1e8 ||
		    hv[1] < -3660 || hv[2] > 3660 || hv[3] < 0 || !*name ||
		    sp_season_holidays_add(m->hol, name, (long)hv[0], (int)hv[1], (int)hv[2], hv[3] > 0 ? hv[3] : NAN,
		    err) < 0) {
			sp_error_set(err, SP_EMODEL, "%s: %s: bad holiday", path, key);
			goto fail;
		}
	}
	/* the fit */
	if (sp_model_get_long(f, "nobs", 2, LONG_MAX, &v, err) < 0)
		goto fail;
	m->nobs = (size_t)v;
	if (sp_model_get_double(f, "start", &m->start, err) < 0 || get_pos(f, "t-scale", &m->t_scale, 0, err) < 0 ||
	    get_pos(f, "y-scale", &m->y_scale, 0, err) < 0 || get_pos(f, "step", &m->step, 0, err) < 0)
		goto fail;
	if (sp_model_get_long(f, "logistic-floor", 0, 1, &v, err) < 0)
		goto fail;
	m->logistic_floor = (int)v;
	if (sp_model_get_long(f, "seasonalities", 0, SP_SEASON_MAXSEAS + 3, &v, err) < 0)
		goto fail;
	m->nseas = (int)v;
	for (int c = 0; c < m->nseas; c++)
		if (get_period(f, "season", c, &m->seas[c], 0, err) < 0)
			goto fail;
	if ((v = sp_model_count(f, "changepoint-t", err)) < 0)
		goto fail;
	if (v < 1) {
		sp_error_set(err, SP_EMODEL, "%s: changepoint-t: need at least one value", path);
		goto fail;
	}
	m->S = (int)v;
	if (build_holfeat(m, err) < 0 || build_features(m, err) < 0)
		goto fail;
	m->cp_t = malloc((size_t)m->S * sizeof *m->cp_t);
	m->delta = malloc((size_t)m->S * sizeof *m->delta);
	m->beta = malloc(((size_t)m->K + 1) * sizeof *m->beta);
	if (!m->cp_t || !m->delta || !m->beta) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	if (sp_model_get_doubles(f, "changepoint-t", (size_t)m->S, m->cp_t, err) < 0 ||
	    sp_model_get_double(f, "k", &m->k, err) < 0 || sp_model_get_double(f, "m", &m->m, err) < 0 ||
	    get_pos(f, "sigma", &m->sigma, 0, err) < 0 ||
	    sp_model_get_doubles(f, "delta", (size_t)m->S, m->delta, err) < 0)
		goto fail;
	if ((v = sp_model_count(f, "beta", err)) < 0)
		goto fail;
	if (v != m->K) {
		sp_error_set(err, SP_EMODEL, "%s: beta: %ld values for %d features", path, v, m->K);
		goto fail;
	}
	if (sp_model_get_doubles(f, "beta", (size_t)m->K, m->beta, err) < 0)
		goto fail;
	for (int j = 1; j < m->S; j++)
		if (!(m->cp_t[j] > m->cp_t[j - 1])) {
			sp_error_set(err, SP_EMODEL, "%s: changepoint-t: not increasing", path);
			goto fail;
		}
	if (s->growth == SP_SEASON_LOGISTIC && !fo->cap_column) {
		sp_error_set(err, SP_EMODEL, "%s: a logistic model needs cap-column", path);
		goto fail;
	}
	if (m->logistic_floor != (fo->floor_column != NULL) || (s->growth != SP_SEASON_LOGISTIC && (fo->cap_column ||
	    fo->floor_column))) {
		sp_error_set(err, SP_EMODEL, "%s: cap-column and floor-column go with a logistic trend only", path);
		goto fail;
	}
	if (sp_model_finish(f, err) < 0)
		goto fail;
	sp_model_free(f);
	return m;
fail:
	sp_model_free(f);
	sp_season_model_free(m);
	memset(fo, 0, sizeof *fo);
	return NULL;
}
