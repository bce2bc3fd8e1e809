/* sp_perf: the performance model of a replica (see scalepipe-plan(7)).
 *
 * Maps the load on one replica w (requests/s per replica) to its mean
 * latency (ms) and CPU utilisation (%), and from an SLO to w*, the largest
 * per-replica load that meets it.  The model is a curve: points
 * (w_i, latency_i[, cpu_i]) with w strictly increasing, linearly
 * interpolated.  Below the first point latency is the first point's and CPU
 * falls linearly to 0 at w = 0.  Beyond the last point (the capacity) the
 * replica is saturated: CPU is 100 % and latency grows in proportion to the
 * overload, latency_last * w / w_last (requests queue).  The curve is never
 * extrapolated along its last segment.
 *
 * Ownership: sp_perf objects are freed with sp_perf_free (NULL is fine).
 * Nothing here prints or exits.
 */
#ifndef SP_PERF_H
#define SP_PERF_H

#include <stddef.h>

#include "sp_err.h"

typedef struct sp_perf sp_perf;

/* Load a curve CSV with a header naming load_per_replica and latency_ms and
 * optionally cpu_pct (any order, other columns ignored).  Errors name
 * path, row and column: a missing column, a value that is not a finite
 * number, a negative load, a latency <= 0, a CPU outside [0, 100], loads
 * not strictly increasing, fewer than 2 rows. */
sp_perf *sp_perf_load_curve(const char *path, sp_error *err);

/* The same from arrays (cpu may be NULL); copies them. */
sp_perf *sp_perf_from_arrays(const double *w, const double *lat, const double *cpu,
    size_t n, sp_error *err);

/* A curve tabulated from two functions on n points evenly spaced over
 * [w0, w1] (e.g. SVR models); cpu may be NULL. */
sp_perf *sp_perf_from_fn(double (*lat)(void *, double), double (*cpu)(void *, double),
    void *arg, double w0, double w1, size_t n, sp_error *err);

/* svrfit models (kind "svr", one feature: the load per replica) for the
 * latency and optionally the CPU (cpu_model may be NULL), tabulated on 1000
 * points over [w_max / 1000, w_max] as BAScaler's grid does
 * (scalepipe-plan(7)); beyond w_max the replica is saturated as for a curve
 * (an RBF model reverts to its intercept outside its data, so it is never
 * extrapolated).  Errors: the model files' (file:line), a model with more
 * than one feature, a predicted latency <= 0 (naming the load). */
sp_perf *sp_perf_load_svr(const char *lat_model, const char *cpu_model, double w_max, sp_error *err);

void sp_perf_free(sp_perf *p);

int sp_perf_has_cpu(const sp_perf *p);
/* The load of the last point: above it the replica is saturated. */
double sp_perf_capacity(const sp_perf *p);
/* Latency (ms) and CPU (%) at per-replica load w >= 0 (NaN CPU without a
 * CPU column). */
double sp_perf_latency(const sp_perf *p, double w);
double sp_perf_cpu(const sp_perf *p, double w);

/* w*: the largest w in [w_first, capacity] with latency(w) <= slo and (when
 * the curve has CPU) cpu(w) <= cpu_cap, solved exactly on the piecewise
 * linear curve.  SP_EDATA with a message saying why when no load meets
 * them ("SLO 8 ms cannot be met: the lowest latency on the curve is
 * 9.97 ms"). */
int sp_perf_wstar(const sp_perf *p, double slo, double cpu_cap, double *wstar, sp_error *err);

#endif
