/* sp_scaler: normalisation parameters, fitted on a training span and saved,
 * so test data is scaled with the training parameters (svm-scale's -s/-r).
 *
 * Methods, per column, y = (x - center) / scale * to_scale + to_center, then
 * clipped to [clip_lo, clip_hi] when clipping is on:
 *   zscore  center = mean, scale = population std
 *   robust  BAScaler §2.2: mean and std of the points strictly inside
 *           (Q1 - 1.5 IQR, Q3 + 1.5 IQR), Q1 = x[floor(n/4)], Q3 = x[floor(3n/4)]
 *   minmax  center = min, scale = max - min (so [min, max] -> [0, 1] before
 *           to_scale/to_center; use to = (lo, hi - lo) for [lo, hi])
 * A zero or non-finite scale (constant column) is an error at fit time.
 * Model file kind "scaler", version 1.
 */
#ifndef SP_SCALER_H
#define SP_SCALER_H

#include <stddef.h>

#include "sp_err.h"

typedef enum { SP_SCALE_ZSCORE, SP_SCALE_MINMAX, SP_SCALE_ROBUST } sp_scale_method;

typedef struct {
	sp_scale_method method;
	size_t ncols;
	char **names;       /* [ncols] column names */
	double *center;     /* [ncols] */
	double *scale;      /* [ncols] */
	double to_center, to_scale;
	int clip;
	double clip_lo, clip_hi;
} sp_scaler;

/* Allocate for ncols columns with the given names (copied). */
sp_scaler *sp_scaler_new(sp_scale_method m, size_t ncols, const char *const *names, sp_error *err);
void sp_scaler_free(sp_scaler *s);
/* Fit column j on x[0..n) (NaN skipped).  Error naming the column when no
 * finite value remains or the scale is zero. */
int sp_scaler_fit(sp_scaler *s, size_t j, const double *x, size_t n, sp_error *err);
double sp_scaler_apply(const sp_scaler *s, size_t j, double x);
/* Inverse of apply (ignores clipping). */
double sp_scaler_invert(const sp_scaler *s, size_t j, double y);
/* Index of column name in the scaler, or -1. */
int sp_scaler_col(const sp_scaler *s, const char *name);
int sp_scaler_save(const sp_scaler *s, const char *path, const char *cmdline, sp_error *err);
sp_scaler *sp_scaler_load(const char *path, sp_error *err);
const char *sp_scaler_method_name(sp_scale_method m);

#endif
