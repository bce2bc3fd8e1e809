/* sp_feat: causal features for tree models; see sp_feat.h. */
#include "sp_feat.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_csv.h"
#include "sp_num.h"
#include "sp_time.h"

#define NAMELEN 64

struct sp_feat {
	sp_feat_spec spec;     /* lists copied; hol and extra point into this struct */
	long *hol;
	char *extra[SP_FEAT_MAXLIST];
	size_t nf;
	char (*names)[NAMELEN];
	const char **nameptr;
	int need;
	double *ring;          /* (need) the last values, ring[(pos - 1) % need] the latest */
	long pushed;
	double t;              /* time of the latest row */
	double x[SP_FEAT_MAXLIST];
	double *work;          /* (max window) scratch for window statistics */
};

static const char *const stat_names[] = { "mean", "sd", "min", "max", NULL };

int
sp_feat_parse_ints(const char *opt, const char *arg, int *out, int max_n, int min, int max, sp_error *err)
{
	const char *p = arg;
	int n = 0;

	if (strcmp(arg, "none") == 0)
		return 0;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		long v;
		char buf[32];
		if (len == 0 || len >= sizeof buf)
			return sp_error_set(err, SP_EUSAGE, "%s: not a list of integers: '%s'", opt, arg);
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (sp_num_parse_long(buf, &v) != 0)
			return sp_error_set(err, SP_EUSAGE, "%s: not an integer: '%s'", opt, buf);
		if (v < min || v > max)
			return sp_error_set(err, SP_EUSAGE, "%s: %ld is out of range [%d, %d]", opt, v, min, max);
		if (n == max_n)
			return sp_error_set(err, SP_EUSAGE, "%s: more than %d values", opt, max_n);
		for (int i = 0; i < n; i++)
			if (out[i] == v)
				return sp_error_set(err, SP_EUSAGE, "%s: %ld given twice", opt, v);
		out[n++] = (int)v;
		if (!c)
			return n;
		p = c + 1;
	}
}

int
sp_feat_parse_stats(const char *opt, const char *arg, int *out, sp_error *err)
{
	const char *p = arg;

	*out = 0;
	if (strcmp(arg, "none") == 0)
		return 0;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		int k;
		for (k = 0; stat_names[k]; k++)
			if (strlen(stat_names[k]) == len && strncmp(stat_names[k], p, len) == 0)
				break;
		if (!stat_names[k])
			return sp_error_set(err, SP_EUSAGE, "%s: unknown statistic '%.*s' (mean, sd, min, max or none)",
			    opt, (int)(len > 40 ? 40 : len), p);
		*out |= 1 << k;
		if (!c)
			return 0;
		p = c + 1;
	}
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* "YYYY-MM-DD" exactly: 0 and the day number, -1 otherwise. */
static int
parse_date(const char *s, size_t len, long *day)
{
	long y = 0, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	for (int i = 0; i < 4; i++)
		y = 10 * y + (s[i] - '0');
	m = 10 * (s[5] - '0') + (s[6] - '0');
	d = 10 * (s[8] - '0') + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = sp_time_days_from_civil(y, (unsigned)m, (unsigned)d);
	{
		long yy;
		unsigned mm, dd;
		sp_time_civil_from_days(*day, &yy, &mm, &dd);
		if (yy != y || (long)mm != m || (long)dd != d)
			return -1;   /* 2023-02-30 */
	}
	return 0;
}

int
sp_feat_read_holidays(FILE *fp, const char *name, long **days, size_t *n, sp_error *err)
{
	sp_csv_reader *r = sp_csv_reader_new(fp, name, 0, err);
	long *d = NULL;
	size_t cap = 0, k = 0;
	int rc;

	*days = NULL, *n = 0;
	if (!r)
		return err ? err->code : SP_EDATA;
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		size_t len;
		const char *s = sp_csv_field(r, 0, &len);
		if (k == cap) {
			long *nd = realloc(d, (cap = cap ? 2 * cap : 64) * sizeof *d);
			if (!nd) {
				rc = sp_error_set(err, SP_ENOMEM, "out of memory");
				break;
			}
			d = nd;
		}
		if (parse_date(s, len, &d[k]) < 0) {
			rc = sp_csv_error(r, 0, err, SP_EDATA, "not a date YYYY-MM-DD: '%.*s'",
			    (int)(len > 40 ? 40 : len), s);
			break;
		}
		k++;
	}
	sp_csv_reader_free(r);
	if (rc < 0) {
		free(d);
		return rc;
	}
	if (k == 0) {
		free(d);
		return sp_error_set(err, SP_EDATA, "%s: no holiday dates", name);
	}
	qsort(d, k, sizeof *d, cmp_long);
	{
		size_t j = 0;
		for (size_t i = 0; i < k; i++)
			if (j == 0 || d[i] != d[j - 1])
				d[j++] = d[i];
		k = j;
	}
	*days = d, *n = k;
	return 0;
}

static int
valid_name(const char *s)
{
	if (!*s || strlen(s) >= NAMELEN - 2)
		return 0;
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == ',' || *s == '[' || *s == ']' || *s == '<' ||
		    (unsigned char)*s < 32)
			return 0;
	return 1;
}

void
sp_feat_free(sp_feat *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->spec.nextra; i++)
		free(f->extra[i]);
	free(f->hol), free(f->names), free(f->nameptr), free(f->ring), free(f->work);
	free(f);
}

static void
add_name(sp_feat *f, const char *fmt, const char *a, int k)
{
	char *dst = f->names[f->nf++];

	if (a)
		snprintf(dst, NAMELEN, fmt, a);
	else
		snprintf(dst, NAMELEN, fmt, k);
}

static int
check_list(const char *opt, const int *v, int n, sp_error *err)
{
	for (int i = 0; i < n; i++) {
		if (v[i] < 1 || v[i] > SP_FEAT_MAXLAG)
			return sp_error_set(err, SP_EUSAGE, "%s: %d is out of range [1, %d]", opt, v[i], SP_FEAT_MAXLAG);
		for (int j = 0; j < i; j++)
			if (v[j] == v[i])
				return sp_error_set(err, SP_EUSAGE, "%s: %d given twice", opt, v[i]);
	}
	return 0;
}

sp_feat *
sp_feat_new(const sp_feat_spec *spec, sp_error *err)
{
	sp_feat *f;
	size_t cap;
	int maxwin = 1;

	if (spec->nlags < 0 || spec->nlags > SP_FEAT_MAXLIST || spec->ndiffs < 0 || spec->ndiffs > SP_FEAT_MAXLIST ||
	    spec->nwin < 0 || spec->nwin > SP_FEAT_MAXLIST || spec->nq < 0 || spec->nq > SP_FEAT_MAXLIST ||
	    spec->nextra < 0 || spec->nextra > SP_FEAT_MAXLIST) {
		sp_error_set(err, SP_EUSAGE, "features: a list is longer than %d", SP_FEAT_MAXLIST);
		return NULL;
	}
	if (check_list("--lags", spec->lags, spec->nlags, err) < 0 ||
	    check_list("--diffs", spec->diffs, spec->ndiffs, err) < 0 ||
	    check_list("--windows", spec->win, spec->nwin, err) < 0)
		return NULL;
	for (int i = 0; i < spec->nq; i++)
		if (!(spec->q[i] > 0 && spec->q[i] < 1)) {
			sp_error_set(err, SP_EUSAGE, "--window-quantiles: %g is not in (0, 1)", spec->q[i]);
			return NULL;
		}
	if (spec->nwin > 0 && !spec->stats && spec->nq == 0) {
		sp_error_set(err, SP_EUSAGE, "--windows: no statistic to compute (--window-stats none and no "
		    "--window-quantiles)");
		return NULL;
	}
	for (int i = 0; i < spec->nextra; i++) {
		if (!valid_name(spec->extra[i])) {
			sp_error_set(err, SP_EUSAGE, "-x: column name '%s' cannot be a feature name (empty, too long, "
			    "or with a space, comma, '[', ']' or '<')", spec->extra[i]);
			return NULL;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(spec->extra[i], spec->extra[j]) == 0) {
				sp_error_set(err, SP_EUSAGE, "-x: column '%s' given twice", spec->extra[i]);
				return NULL;
			}
	}
	if (!(f = calloc(1, sizeof *f)))
		goto nomem;
	f->spec = *spec;
	f->spec.hol = NULL, f->spec.nhol = 0;
	if (spec->nhol) {
		if (!(f->hol = malloc(spec->nhol * sizeof *f->hol)))
			goto nomem;
		memcpy(f->hol, spec->hol, spec->nhol * sizeof *f->hol);
		for (size_t i = 1; i < spec->nhol; i++)
			if (f->hol[i] <= f->hol[i - 1]) {
				sp_error_set(err, SP_EUSAGE, "holidays: dates not sorted or repeated");
				sp_feat_free(f);
				return NULL;
			}
		f->spec.hol = f->hol, f->spec.nhol = spec->nhol;
	}
	f->spec.nextra = 0;
	for (int i = 0; i < spec->nextra; i++) {
		if (!(f->extra[i] = strdup(spec->extra[i])))
			goto nomem;
		f->spec.extra[i] = f->extra[i];
		f->spec.nextra = i + 1;
	}
	f->spec.calendar = spec->calendar != 0;
	f->spec.horizon = spec->horizon != 0;
	f->spec.relative = spec->relative != 0;
	f->spec.stats = spec->stats & (SP_FEAT_MEAN | SP_FEAT_SD | SP_FEAT_MIN | SP_FEAT_MAX);

	cap = (size_t)spec->nlags + (size_t)spec->ndiffs + (size_t)spec->nwin * (4 + (size_t)spec->nq) + 4 + 1 +
	    (size_t)spec->nextra + 1;
	if (!(f->names = calloc(cap, sizeof *f->names)) || !(f->nameptr = calloc(cap, sizeof *f->nameptr)))
		goto nomem;
	f->need = 1;
	for (int i = 0; i < spec->nlags; i++) {
		add_name(f, "lag%d", NULL, spec->lags[i]);
		if (spec->lags[i] > f->need)
			f->need = spec->lags[i];
	}
	for (int i = 0; i < spec->ndiffs; i++) {
		add_name(f, "diff%d", NULL, spec->diffs[i]);
		if (spec->diffs[i] + 1 > f->need)
			f->need = spec->diffs[i] + 1;
	}
	for (int i = 0; i < spec->nwin; i++) {
		for (int k = 0; stat_names[k]; k++)
			if (f->spec.stats & (1 << k)) {
				char buf[NAMELEN];
				snprintf(buf, sizeof buf, "win%d_%s", spec->win[i], stat_names[k]);
				add_name(f, "%s", buf, 0);
			}
		for (int k = 0; k < spec->nq; k++) {
			char buf[NAMELEN];
			snprintf(buf, sizeof buf, "win%d_q%g", spec->win[i], spec->q[k]);
			add_name(f, "%s", buf, 0);
		}
		if (spec->win[i] > f->need)
			f->need = spec->win[i];
		if (spec->win[i] > maxwin)
			maxwin = spec->win[i];
	}
	if (f->spec.calendar) {
		add_name(f, "%s", "hour_sin", 0), add_name(f, "%s", "hour_cos", 0);
		add_name(f, "%s", "dow_sin", 0), add_name(f, "%s", "dow_cos", 0);
	}
	if (f->spec.nhol)
		add_name(f, "%s", "holiday", 0);
	for (int i = 0; i < f->spec.nextra; i++)
		add_name(f, "x_%s", f->extra[i], 0);
	if (f->spec.horizon)
		add_name(f, "%s", "horizon", 0);
	for (size_t i = 0; i < f->nf; i++)
		f->nameptr[i] = f->names[i];
	if (f->nf == 0) {
		sp_error_set(err, SP_EUSAGE, "features: none asked for (no lags, differences, windows, calendar, "
		    "holidays or extra columns)");
		sp_feat_free(f);
		return NULL;
	}
	if (!(f->ring = malloc((size_t)f->need * sizeof *f->ring)) ||
	    !(f->work = malloc((size_t)maxwin * sizeof *f->work)))
		goto nomem;
	sp_feat_reset(f);
	return f;
nomem:
	sp_feat_free(f);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

const sp_feat_spec *
sp_feat_spec_of(const sp_feat *f)
{
	return &f->spec;
}

size_t
sp_feat_count(const sp_feat *f)
{
	return f->nf;
}

const char *
sp_feat_name(const sp_feat *f, size_t i)
{
	return f->names[i];
}

const char *const *
sp_feat_names(const sp_feat *f)
{
	return f->nameptr;
}

int
sp_feat_need(const sp_feat *f)
{
	return f->need;
}

void
sp_feat_reset(sp_feat *f)
{
	f->pushed = 0;
	f->t = NAN;
	for (int i = 0; i < f->need; i++)
		f->ring[i] = NAN;
	for (int i = 0; i < SP_FEAT_MAXLIST; i++)
		f->x[i] = NAN;
}

int
sp_feat_push(sp_feat *f, double t, double y, const double *x)
{
	f->ring[f->pushed % f->need] = y;
	f->pushed++;
	f->t = t;
	for (int i = 0; i < f->spec.nextra; i++)
		f->x[i] = x[i];
	return f->pushed >= f->need;
}

/* The value k rows before the latest (k = 0: the latest). */
static double
back(const sp_feat *f, int k)
{
	if (k >= f->pushed || k >= f->need)
		return NAN;
	return f->ring[(f->pushed - 1 - k) % f->need];
}

double
sp_feat_last(const sp_feat *f)
{
	return f->pushed ? back(f, 0) : NAN;
}

double
sp_feat_time(const sp_feat *f)
{
	return f->t;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The window's statistics into out, those of location minus ref; returns
 * the count written. */
static size_t
window_stats(const sp_feat *f, int w, double ref, double *out)
{
	double *v = f->work, sum = 0, mean, ss = 0, mn, mx;
	size_t n = 0, k = 0;

	for (int j = w - 1; j >= 0; j--) {   /* oldest first */
		double y = back(f, j);
		if (isfinite(y))
			v[n++] = y;
	}
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	mean = n ? sum / (double)n : NAN;
	mn = mx = n ? v[0] : NAN;
	for (size_t i = 0; i < n; i++) {
		ss += (v[i] - mean) * (v[i] - mean);
		if (v[i] < mn)
			mn = v[i];
		if (v[i] > mx)
			mx = v[i];
	}
	if (f->spec.stats & SP_FEAT_MEAN)
		out[k++] = mean - ref;
	if (f->spec.stats & SP_FEAT_SD)
		out[k++] = n ? sqrt(ss / (double)n) : NAN;
	if (f->spec.stats & SP_FEAT_MIN)
		out[k++] = mn - ref;
	if (f->spec.stats & SP_FEAT_MAX)
		out[k++] = mx - ref;
	if (f->spec.nq && n)
		qsort(v, n, sizeof *v, cmp_double);
	for (int i = 0; i < f->spec.nq; i++) {
		/* GSL's gsl_stats_quantile_from_sorted_data */
		double idx = f->spec.q[i] * (double)(n - 1), delta;
		size_t lhs;
		if (!n) {
			out[k++] = NAN;
			continue;
		}
		lhs = (size_t)idx;
		delta = idx - (double)lhs;
		out[k++] = (lhs == n - 1 ? v[lhs] : (1 - delta) * v[lhs] + delta * v[lhs + 1]) - ref;
	}
	return k;
}

static int
is_holiday(const sp_feat *f, long day)
{
	size_t lo = 0, hi = f->spec.nhol;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->hol[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->spec.nhol && f->hol[lo] == day;
}

/* Index of the first target-dependent feature. */
static size_t
target_at(const sp_feat *f)
{
	const sp_feat_spec *s = &f->spec;
	int nst = !!(s->stats & SP_FEAT_MEAN) + !!(s->stats & SP_FEAT_SD) + !!(s->stats & SP_FEAT_MIN) +
	    !!(s->stats & SP_FEAT_MAX);

	return (size_t)s->nlags + (size_t)s->ndiffs + (size_t)s->nwin * (size_t)(nst + s->nq);
}

void
sp_feat_target(const sp_feat *f, double t, double step, int h, double *row)
{
	const sp_feat_spec *s = &f->spec;
	size_t k = target_at(f);

	if (s->calendar || s->nhol) {
		double T = t + h * step, d = floor(T / 86400), fr = (T - 86400 * d) / 86400;
		if (s->calendar) {
			double dow = fmod(d + 3, 7);
			if (dow < 0)
				dow += 7;
			row[k++] = sin(2 * M_PI * fr);
			row[k++] = cos(2 * M_PI * fr);
			row[k++] = sin(2 * M_PI * (dow + fr) / 7);
			row[k++] = cos(2 * M_PI * (dow + fr) / 7);
		}
		if (s->nhol)
			row[k++] = is_holiday(f, (long)d);
	}
	k += (size_t)s->nextra;
	if (s->horizon)
		row[k++] = h;
}

void
sp_feat_row(const sp_feat *f, double step, int h, double *out)
{
	const sp_feat_spec *s = &f->spec;
	size_t k = 0;
	double last = back(f, 0);

	double ref = s->relative ? last : 0;

	for (int i = 0; i < s->nlags; i++)
		out[k++] = back(f, s->lags[i] - 1) - ref;
	for (int i = 0; i < s->ndiffs; i++)
		out[k++] = last - back(f, s->diffs[i]);
	for (int i = 0; i < s->nwin; i++)
		k += window_stats(f, s->win[i], ref, out + k);
	k += (size_t)(s->calendar ? 4 : 0) + (s->nhol ? 1 : 0);
	for (int i = 0; i < s->nextra; i++)
		out[k++] = f->x[i];
	sp_feat_target(f, f->t, step, h, out);
}

/* ---- model files ---- */

static void
put_ints(sp_model_writer *w, const char *key, const int *v, int n)
{
	double d[SP_FEAT_MAXLIST];

	for (int i = 0; i < n; i++)
		d[i] = v[i];
	sp_model_put_doubles(w, key, (size_t)n, d);
}

static void
put_words(sp_model_writer *w, const char *key, const char *const *v, size_t n)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if (!(s = malloc(len))) {
		sp_model_put_line(w, key, "");   /* the load will refuse it */
		return;
	}
	s[0] = '\0';
	for (size_t i = 0, p = 0; i < n; i++)
		p += (size_t)sprintf(s + p, "%s%s", i ? " " : "", v[i]);
	sp_model_put_line(w, key, s);
	free(s);
}

void
sp_feat_save(const sp_feat *f, sp_model_writer *w)
{
	const sp_feat_spec *s = &f->spec;
	const char *st[4];
	size_t nst = 0;

	put_ints(w, "lags", s->lags, s->nlags);
	put_ints(w, "diffs", s->diffs, s->ndiffs);
	put_ints(w, "windows", s->win, s->nwin);
	for (int k = 0; stat_names[k]; k++)
		if (s->stats & (1 << k))
			st[nst++] = stat_names[k];
	put_words(w, "window_stats", st, nst);
	sp_model_put_doubles(w, "window_quantiles", (size_t)s->nq, s->q);
	sp_model_put_long(w, "calendar", s->calendar);
	{
		double *d = malloc((s->nhol ? s->nhol : 1) * sizeof *d);
		if (d) {
			for (size_t i = 0; i < s->nhol; i++)
				d[i] = (double)s->hol[i];
			sp_model_put_doubles(w, "holidays", s->nhol, d);
			free(d);
		} else {
			sp_model_put_line(w, "holidays", "x");   /* the load will refuse it */
		}
	}
	put_words(w, "extra", s->extra, (size_t)s->nextra);
	sp_model_put_long(w, "horizon_feature", s->horizon);
	sp_model_put_long(w, "relative", s->relative);
	put_words(w, "features", f->nameptr, f->nf);
}

static int
get_ints(sp_model *m, const char *key, int *v, int *n, sp_error *err)
{
	double d[SP_FEAT_MAXLIST];
	long c = sp_model_count(m, key, err);

	if (c < 0)
		return (int)c;
	if (c > SP_FEAT_MAXLIST)
		return sp_error_set(err, SP_EMODEL, "%s: '%s' has more than %d values", sp_model_path(m), key,
		    SP_FEAT_MAXLIST);
	if (sp_model_get_doubles(m, key, (size_t)c, d, err) < 0)
		return SP_EMODEL;
	for (long i = 0; i < c; i++) {
		if (d[i] != floor(d[i]) || d[i] < 1 || d[i] > SP_FEAT_MAXLAG)
			return sp_error_set(err, SP_EMODEL, "%s: '%s' value %ld is not an integer in [1, %d]",
			    sp_model_path(m), key, i + 1, SP_FEAT_MAXLAG);
		v[i] = (int)d[i];
	}
	*n = (int)c;
	return 0;
}

/* Split a line of words in place into v[max]; the count, or -1 if more. */
static int
split_words(char *s, char **v, int max)
{
	int n = 0;

	for (char *p = strtok(s, " "); p; p = strtok(NULL, " ")) {
		if (n == max)
			return -1;
		v[n++] = p;
	}
	return n;
}

sp_feat *
sp_feat_load(sp_model *m, sp_error *err)
{
	sp_feat_spec s = { 0 };
	const char *line, *path = sp_model_path(m);
	char *copy = NULL, *words[SP_FEAT_MAXLIST];
	double *hd = NULL;
	long *hol = NULL, c, v;
	sp_feat *f = NULL;
	int nw;

	if (get_ints(m, "lags", s.lags, &s.nlags, err) < 0 || get_ints(m, "diffs", s.diffs, &s.ndiffs, err) < 0 ||
	    get_ints(m, "windows", s.win, &s.nwin, err) < 0 || sp_model_get_line(m, "window_stats", &line, err) < 0)
		return NULL;
	if (!(copy = strdup(line)))
		goto nomem;
	if ((nw = split_words(copy, words, 4)) < 0)
		goto bad_stats;
	for (int i = 0; i < nw; i++) {
		int k;
		for (k = 0; stat_names[k] && strcmp(words[i], stat_names[k]) != 0; k++)
			;
		if (!stat_names[k])
			goto bad_stats;
		s.stats |= 1 << k;
	}
	free(copy), copy = NULL;
	if ((c = sp_model_count(m, "window_quantiles", err)) < 0)
		return NULL;
	if (c > SP_FEAT_MAXLIST) {
		sp_error_set(err, SP_EMODEL, "%s: 'window_quantiles' has more than %d values", path, SP_FEAT_MAXLIST);
		return NULL;
	}
	s.nq = (int)c;
	if (sp_model_get_doubles(m, "window_quantiles", (size_t)c, s.q, err) < 0 ||
	    sp_model_get_long(m, "calendar", 0, 1, &v, err) < 0)
		return NULL;
	s.calendar = (int)v;
	if ((c = sp_model_count(m, "holidays", err)) < 0)
		return NULL;
	if (!(hd = malloc((size_t)(c ? c : 1) * sizeof *hd)) || !(hol = malloc((size_t)(c ? c : 1) * sizeof *hol)))
		goto nomem;
	if (sp_model_get_doubles(m, "holidays", (size_t)c, hd, err) < 0)
		goto fail;
	for (long i = 0; i < c; i++) {
		if (hd[i] != floor(hd[i]) || fabs(hd[i]) > 1e7 || (i && hd[i] <= hd[i - 1])) {
			sp_error_set(err, SP_EMODEL, "%s: 'holidays' value %ld is not a day number in ascending order",
			    path, i + 1);
			goto fail;
		}
		hol[i] = (long)hd[i];
	}
	s.hol = hol, s.nhol = (size_t)c;
	if (sp_model_get_line(m, "extra", &line, err) < 0)
		goto fail;
	if (!(copy = strdup(line)))
		goto nomem;
	if ((s.nextra = split_words(copy, words, SP_FEAT_MAXLIST)) < 0) {
		sp_error_set(err, SP_EMODEL, "%s: 'extra' has more than %d names", path, SP_FEAT_MAXLIST);
		goto fail;
	}
	for (int i = 0; i < s.nextra; i++)
		s.extra[i] = words[i];
	if (sp_model_get_long(m, "horizon_feature", 0, 1, &v, err) < 0)
		goto fail;
	s.horizon = (int)v;
	if (sp_model_get_long(m, "relative", 0, 1, &v, err) < 0)
		goto fail;
	s.relative = (int)v;
	if (!(f = sp_feat_new(&s, err))) {
		if (err)
			err->code = SP_EMODEL;
		sp_error_prefix(err, "%s", path);
		goto fail;
	}
	free(copy), copy = NULL;
	if (sp_model_get_line(m, "features", &line, err) < 0)
		goto fail;
	{
		/* the stored names must be the ones this spec gives */
		size_t len = 0, i;
		for (i = 0; i < f->nf; i++) {
			size_t l = strlen(f->names[i]);
			if (strncmp(line + len, f->names[i], l) != 0 ||
			    (line[len + l] != (i + 1 < f->nf ? ' ' : '\0')))
				break;
			len += l + 1;
		}
		if (i < f->nf) {
			sp_error_set(err, SP_EMODEL, "%s: 'features' does not match the feature spec (feature %zu "
			    "should be '%s')", path, i + 1, f->names[i]);
			goto fail;
		}
	}
	free(hd), free(hol);
	return f;
bad_stats:
	sp_error_set(err, SP_EMODEL, "%s: 'window_stats' must be words among mean, sd, min, max", path);
	goto fail;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	sp_feat_free(f);
	free(copy), free(hd), free(hol);
	return NULL;
}
