/* sp_scaler: normalisation parameters; see sp_scaler.h. */
#include "sp_scaler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_model.h"
#include "sp_stats.h"

static const char *const method_names[] = { "zscore", "minmax", "robust" };

const char *
sp_scaler_method_name(sp_scale_method m)
{
	return method_names[m];
}

sp_scaler *
sp_scaler_new(sp_scale_method m, size_t ncols, const char *const *names, sp_error *err)
{
	sp_scaler *s = calloc(1, sizeof *s);
	size_t j;

	if (!s)
		goto oom;
	s->method = m;
	s->ncols = ncols;
	s->to_center = 0;
	s->to_scale = 1;
	s->names = calloc(ncols, sizeof *s->names);
	s->center = calloc(ncols, sizeof *s->center);
	s->scale = calloc(ncols, sizeof *s->scale);
	if (!s->names || !s->center || !s->scale)
		goto oom;
	for (j = 0; j < ncols; j++) {
		if (!(s->names[j] = strdup(names[j])))
			goto oom;
		s->scale[j] = 1;
	}
	return s;
oom:
	sp_scaler_free(s);
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

void
sp_scaler_free(sp_scaler *s)
{
	size_t j;

	if (!s)
		return;
	if (s->names)
		for (j = 0; j < s->ncols; j++)
			free(s->names[j]);
	free(s->names);
	free(s->center);
	free(s->scale);
	free(s);
}

int
sp_scaler_fit(sp_scaler *s, size_t j, const double *x, size_t n, sp_error *err)
{
	double *v = malloc((n ? n : 1) * sizeof *v), c = NAN, sc = NAN;
	size_t i, k = 0;

	if (!v)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (isfinite(x[i]))
			v[k++] = x[i];
	if (k == 0) {
		free(v);
		return sp_error_set(err, SP_EDATA, "column %s: no values in the training span to fit %s on",
		    s->names[j], method_names[s->method]);
	}
	switch (s->method) {
	case SP_SCALE_ZSCORE:
		c = sp_stats_mean(v, k);
		sc = sp_stats_sd(v, k, c);
		break;
	case SP_SCALE_MINMAX:
		c = sc = v[0];
		for (i = 1; i < k; i++) {
			if (v[i] < c)
				c = v[i];
			if (v[i] > sc)
				sc = v[i];
		}
		sc -= c;
		break;
	case SP_SCALE_ROBUST:
		if (sp_stats_robust(v, k, &c, &sc) != 0)
			sc = 0;
		break;
	}
	free(v);
	if (!(sc > 0) || !isfinite(sc) || !isfinite(c))
		return sp_error_set(err, SP_EDATA, "column %s: constant over the training span, cannot %s-normalise",
		    s->names[j], method_names[s->method]);
	s->center[j] = c;
	s->scale[j] = sc;
	return SP_OK;
}

double
sp_scaler_apply(const sp_scaler *s, size_t j, double x)
{
	double y = (x - s->center[j]) / s->scale[j] * s->to_scale + s->to_center;

	if (s->clip && !isnan(y)) {
		if (y < s->clip_lo)
			y = s->clip_lo;
		if (y > s->clip_hi)
			y = s->clip_hi;
	}
	return y;
}

double
sp_scaler_invert(const sp_scaler *s, size_t j, double y)
{
	return (y - s->to_center) / s->to_scale * s->scale[j] + s->center[j];
}

int
sp_scaler_col(const sp_scaler *s, const char *name)
{
	size_t j;

	for (j = 0; j < s->ncols; j++)
		if (strcmp(s->names[j], name) == 0)
			return (int)j;
	return -1;
}

int
sp_scaler_save(const sp_scaler *s, const char *path, const char *cmdline, sp_error *err)
{
	sp_model_writer *w = sp_model_create(path, "scaler", 1, err);
	size_t j;

	if (!w)
		return SP_EIO;
	if (cmdline)
		sp_model_put_line(w, "command", cmdline);
	sp_model_put_str(w, "method", method_names[s->method]);
	sp_model_put_long(w, "columns", (long)s->ncols);
	for (j = 0; j < s->ncols; j++) {
		char key[32];
		snprintf(key, sizeof key, "name%zu", j);
		sp_model_put_line(w, key, s->names[j]);
	}
	sp_model_put_doubles(w, "center", s->ncols, s->center);
	sp_model_put_doubles(w, "scale", s->ncols, s->scale);
	sp_model_put_double(w, "to_center", s->to_center);
	sp_model_put_double(w, "to_scale", s->to_scale);
	sp_model_put_long(w, "clip", s->clip);
	if (s->clip) {
		sp_model_put_double(w, "clip_lo", s->clip_lo);
		sp_model_put_double(w, "clip_hi", s->clip_hi);
	}
	return sp_model_commit(w, err);
}

sp_scaler *
sp_scaler_load(const char *path, sp_error *err)
{
	sp_model *m = sp_model_load(path, "scaler", 1, NULL, err);
	sp_scaler *s = NULL;
	const char *meth, *cmd, **names = NULL;
	long ncols, clip;
	size_t j;
	int mi;

	if (!m)
		return NULL;
	if (sp_model_has(m, "command") && sp_model_get_line(m, "command", &cmd, err) < 0)
		goto fail;
	if (sp_model_get_str(m, "method", &meth, err) < 0)
		goto fail;
	for (mi = 0; mi < 3; mi++)
		if (strcmp(meth, method_names[mi]) == 0)
			break;
	if (mi == 3) {
		sp_error_set(err, SP_EMODEL, "%s: unknown method '%s'", path, meth);
		goto fail;
	}
	if (sp_model_get_long(m, "columns", 1, 100000, &ncols, err) < 0)
		goto fail;
	if (!(names = calloc((size_t)ncols, sizeof *names))) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		goto fail;
	}
	for (j = 0; j < (size_t)ncols; j++) {
		char key[32];
		snprintf(key, sizeof key, "name%zu", j);
		if (sp_model_get_line(m, key, &names[j], err) < 0)
			goto fail;
	}
	if (!(s = sp_scaler_new((sp_scale_method)mi, (size_t)ncols, names, err)))
		goto fail;
	if (sp_model_get_doubles(m, "center", s->ncols, s->center, err) < 0 ||
	    sp_model_get_doubles(m, "scale", s->ncols, s->scale, err) < 0 ||
	    sp_model_get_double(m, "to_center", &s->to_center, err) < 0 ||
	    sp_model_get_double(m, "to_scale", &s->to_scale, err) < 0 ||
	    sp_model_get_long(m, "clip", 0, 1, &clip, err) < 0)
		goto fail;
	s->clip = (int)clip;
	if (s->clip && (sp_model_get_double(m, "clip_lo", &s->clip_lo, err) < 0 ||
	    sp_model_get_double(m, "clip_hi", &s->clip_hi, err) < 0))
		goto fail;
	for (j = 0; j < s->ncols; j++)
		if (!(s->scale[j] > 0)) {
			sp_error_set(err, SP_EMODEL, "%s: scale of column %s is not positive", path, s->names[j]);
			goto fail;
		}
	if (!(s->to_scale != 0)) {
		sp_error_set(err, SP_EMODEL, "%s: to_scale is zero", path);
		goto fail;
	}
	if (sp_model_finish(m, err) < 0)
		goto fail;
	free(names);
	sp_model_free(m);
	return s;
fail:
	free(names);
	sp_scaler_free(s);
	sp_model_free(m);
	return NULL;
}
