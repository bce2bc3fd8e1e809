/* sp_burstdet: burstdetect's decision, one origin at a time.
 *
 * Fed at each origin t of a rolling multi-horizon forecast (sp_band) with
 * the observed load W_t and the band L, M, U of horizons 1..H issued at t,
 * it decides one step p: p = t + 1 (causal, the default: the label uses
 * data up to t) or p = t with same_step (the reference's alignment: the
 * label of step t uses W_t itself).  The band of p is the horizon-1 band
 * issued at p - 1 (with same_step: at t - 1; none for the first origin).
 *
 *   state   burst when the detector (sp_burst) labels t a burst; else spike
 *           when W_t was inside its band and the forecast for p moves by
 *           more than spike_ratio x |W_{p-1}| (at least 1e-9); else normal.
 *   demand  in a burst: the AR(2) + bootstrap overestimate (sp_arburst) of
 *           W_p, fitted at the burst's first step on the loads since the
 *           end of the last burst (from the start when that is shorter than
 *           ar.min_window; at most ar.max_window and SP_BURSTDET_RING
 *           points) and fed every load after; then the band floor: with the
 *           check window p-4 .. p-1 of steps that have a horizon-1 lower
 *           bound L1_j, when some W_j < L1_j, max(AR, lower of p); when
 *           every W_j > L1_j (or there is none), max(AR, upper of p); else
 *           the AR value.  Without history for the AR (fewer than 3 loads)
 *           the upper bound of p.  Last, never below W_{p-1}, the last load
 *           before the step (the origin's, W_t, in the causal mode).  NaN
 *           when p has no band.  With burst = SP_BURSTDET_BURST_NORMAL, the
 *           demand outside bursts instead (no AR is fitted).
 *           Outside bursts: the forecast's quantile `quantile` of the band
 *           (m + (u - m) z_q / z_{q_hi} above the median, the mirror below:
 *           a Gaussian band; 0.5 is the forecast itself), or the upper or
 *           lower bound; the max over horizons 1..lead (with same_step, the
 *           horizon-1 band of p alone).  NaN when p has no band.
 *   demand_next  the demand of the step after p, p + 1, as known at the
 *           same origin (for a planner that must start pods before p + 1
 *           begins): the normal demand over horizons 2..lead+1, and in a
 *           burst (AR demand) at least the burst demand of p.  NaN with same_step or
 *           fewer than lead + 1 horizons.
 * The method is described in scalepipe-burst(7); the check window p-4 ..
 * p-1 with the band of the step provisioned fixes the reference's
 * off-by-one there.
 *
 * Ownership: sp_burstdet_free(NULL) is fine.  Nothing here prints or
 * exits.
 */
#ifndef SP_BURSTDET_H
#define SP_BURSTDET_H

#include "sp_arburst.h"
#include "sp_burst.h"
#include "sp_err.h"

/* Loads kept for the burst AR (the largest ar.max_window). */
#define SP_BURSTDET_RING 4096

typedef enum { SP_BURSTDET_FORECAST, SP_BURSTDET_UPPER, SP_BURSTDET_LOWER } sp_burstdet_normal;

/* The demand of a burst step: BAScaler's AR(2) + bootstrap overestimate
 * floored by the band (the default), or the same demand as outside bursts
 * (the step is labelled a burst, and provisioned as a normal one). */
typedef enum { SP_BURSTDET_BURST_AR, SP_BURSTDET_BURST_NORMAL } sp_burstdet_burst;

typedef struct {
	sp_burst_opts det;          /* the detector; det.H = the horizons of each origin */
	sp_arburst_opts ar;         /* the burst overestimator */
	int same_step;              /* decide step t (1) or t + 1 (0, default) */
	sp_burstdet_normal normal;  /* demand outside bursts [forecast] */
	sp_burstdet_burst burst;    /* demand in bursts [ar] */
	double quantile;            /* ... forecast: its quantile in (0, 1) [0.5] */
	int lead;                   /* ... the max over horizons 1..lead [1] */
	int hold;                   /* demand_hold: the max over horizons 1..hold (0: none) [0] */
	double hold_quantile;       /* ... of the band's quantile hold_quantile (NaN: quantile) [NaN] */
	double spike_ratio;         /* [0.5] */
} sp_burstdet_opts;

/* The defaults of sp_burst and sp_arburst, and those above. */
void sp_burstdet_defaults(sp_burstdet_opts *o);

/* The decision for one step. */
typedef struct {
	double t;                   /* the step: the target of horizon 1, or the origin (same_step) */
	double forecast, lower, upper; /* its horizon-1 band (NaN: none) */
	sp_burst_state state;
	double demand;              /* NaN: no band */
	double demand_next;         /* the demand of p + 1 (NaN: none) */
	double demand_hold;         /* the highest demand of p .. p + hold - 1 (NaN: none) */
} sp_burstdet_decision;

typedef struct sp_burstdet sp_burstdet;

/* SP_EUSAGE for options out of range (the detector's, the AR's, lead < 1,
 * quantile outside (0, 1), spike_ratio < 0, ar.max_window above
 * SP_BURSTDET_RING); SP_ENOMEM. */
sp_burstdet *sp_burstdet_new(const sp_burstdet_opts *o, sp_error *err);
void sp_burstdet_free(sp_burstdet *d);

/* Origin t (times origin, target = its horizon-1 target): the load w
 * (finite) and the band of horizons 1..H.  Fills *out.  SP_EDATA for a load
 * that is not finite; the errors of sp_arburst. */
int sp_burstdet_decide(sp_burstdet *d, double origin, double target, double w, const double *L,
    const double *M, const double *U, sp_burstdet_decision *out, sp_error *err);

/* The detector (for its learnt theta_acc and sp_burst_save). */
const sp_burst *sp_burstdet_detector(const sp_burstdet *d);

/* The newest decision and the time of the origin it was made at: 1, or 0
 * before the first origin. */
int sp_burstdet_last(const sp_burstdet *d, sp_burstdet_decision *dec, double *origin);

/* ---- the state between runs (burstdetect --state) ----
 *
 * What a run holds in memory between origins, as sp_state lines: the
 * options that shape the state machine (opt_*), the origin index, the loads
 * and horizon-1 lower bounds the next decisions can still read, the band of
 * the previous origin, the burst bookkeeping and the AR of a burst in
 * progress (sp_arburst), the newest decision and its origin (a run that
 * resumes writes it with the data of the next origin), and the detector
 * (sp_burst).
 *
 * sp_burstdet_write_state: SP_EUSAGE with a bootstrap (its random stream is
 * not saved).  sp_burstdet_read_state: into d fresh from sp_burstdet_new
 * (no origin decided yet); SP_EMODEL "FILE:LINE: state written with KEY X,
 * not Y" when an option differs, and the errors of sp_state's getters; d
 * unusable on error (free it, make a new one). */
struct sp_state_writer;
struct sp_state;
int sp_burstdet_write_state(const sp_burstdet *d, struct sp_state_writer *w, sp_error *err);
int sp_burstdet_read_state(sp_burstdet *d, struct sp_state *s, sp_error *err);

#endif
