/* sp_burst: BAScaler's burst detector (see scalepipe-burst(7)), streamed.
 *
 * Fed once per origin t with the observed load W_t, then with the H-step
 * forecast band issued at t (lower L, median M, upper U for t+1..t+H).
 * The label B[t] uses W_t and the H forecasts that cover it (issued at
 * t-H .. t-1; index k = 0..H-1, k = H-1 the newest, whose horizon 1 is
 * W_t).  For each forecast k, over its last min(near, H-k) realised points
 * E_k (always the newest observations):
 *
 *   n_k     = #{j in E_k : W_j > U_j or W_j < L_j}
 *   score_k = mean_j (max(0, W_j - U_j) + max(0, L_j - W_j)) / max(|M_j|, eps)
 *   QL_k    = (mean_j rho_lo(W_j - L_j) + mean_j rho_hi(W_j - U_j)) / mean_j |W_j|
 *             with rho_q(u) = q max(u, 0) + (1 - q) max(-u, 0); NaN (off)
 *             when mean |W| < eps (zero load)
 *   f_k     = (n_k >= min_out and score_k > theta_score) or QL_k > theta_acc
 *
 * State machine: from calm, enter a burst when one of the three newest
 * forecasts is flagged and W_t is outside the newest band (n_{H-1} > 0);
 * leave a burst when none of the three newest is flagged, n_{H-1} = 0 and
 * fewer than two forecasts issued in calm steps (B[t-H+k] = 0, counting
 * only steps that exist: the history is shorter at the start) are flagged.
 * A NaN theta_acc disables the accuracy criterion; the median divides the
 * score by its absolute value (as the authors' detector does).
 *
 * theta_acc can be learnt on the first `train` origins: mean + 3 sd
 * (population) of the single-point q-risk (rho_lo(W - L) + rho_hi(W - U)) /
 * |W| of every horizon of every training forecast against its realised
 * value (points with W = 0 skipped; scalepipe-burst(7)).  It becomes available
 * once the last training forecast is fully realised; until then the
 * criterion is off (so every label stays causal).
 *
 * Ownership: sp_burst_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_BURST_H
#define SP_BURST_H

#include <stddef.h>

#include "sp_err.h"

/* The `state` column of burstdetect's output. */
typedef enum { SP_BURST_NORMAL = 0, SP_BURST_BURST = 1, SP_BURST_SPIKE = 2 } sp_burst_state;

/* "normal", "burst" or "spike" (exactly, n bytes at s) to its state; -1
 * for anything else (an empty field included). */
int sp_burst_state_parse(const char *s, size_t n);
/* The state's name ("normal" for an unknown value). */
const char *sp_burst_state_name(sp_burst_state st);

typedef struct {
	int H;              /* forecasts covering a step = horizons [24] */
	int near;           /* realised points evaluated per forecast [3] */
	int min_out;        /* out-of-band points for the score criterion [2] */
	double theta_score; /* [0.01] */
	double theta_acc;   /* NaN = learn on `train` origins, or off */
	double q_lo, q_hi;  /* quantile levels of lower and upper [0.01, 0.99] */
	long train;         /* origins to learn theta_acc on; 0 = none */
	double eps;         /* [1e-9] */
} sp_burst_opts;

void sp_burst_defaults(sp_burst_opts *o);

typedef struct sp_burst sp_burst;

sp_burst *sp_burst_new(const sp_burst_opts *o, sp_error *err);
void sp_burst_free(sp_burst *b);

/* Origin t: the observed load (finite; SP_EDATA otherwise).  Computes and
 * returns B[t] in *label (0/1), and *outside = n_{H-1} > 0 (W_t outside its
 * newest band; 0 when there is none). */
int sp_burst_observe(sp_burst *b, double w, int *label, int *outside, sp_error *err);

/* Then the forecast issued at t: L, M, U for horizons 1..H.  Must follow
 * each sp_burst_observe. */
int sp_burst_forecast(sp_burst *b, const double *L, const double *M, const double *U, sp_error *err);

/* theta_acc in use (NaN while unknown or off); whether training finished. */
double sp_burst_theta_acc(const sp_burst *b);
int sp_burst_trained(const sp_burst *b);

/* The thresholds as a model file (sp_model, kind "burst", version 1):
 *
 *     scalepipe-model burst 1
 *     command <the command line>      (optional)
 *     theta_acc X                     (in use: given or learnt)
 *     theta_score X
 *     min_outliers N                  (0..1000)
 *     near N                          (1..1000)
 *     q_lo X
 *     q_hi X
 *     horizons H                      (1..10000)
 *     end
 *
 * sp_burst_save writes b's (command may be NULL); SP_EUSAGE when its
 * theta_acc is unknown (nothing given or learnt yet), else the errors of
 * sp_model_create/commit.  sp_burst_load reads them into o (theta_acc,
 * theta_score, min_out, near, q_lo, q_hi, H; the other fields untouched,
 * o unchanged on error): the errors of sp_model's strict reader (file:line),
 * and SP_EMODEL naming the file for a negative threshold or quantile levels
 * outside 0 <= q_lo < q_hi <= 1. */
int sp_burst_save(const sp_burst *b, const char *path, const char *command, sp_error *err);
int sp_burst_load(const char *path, sp_burst_opts *o, sp_error *err);

/* The detector's memory between origins (sp_state; keys burst_*): the
 * origin index, the rings of loads, labels and forecasts (of each origin
 * still in the ring, only the horizons a later observation reads: the
 * targets from t - near + 2 on), the theta_acc learning.  write: between
 * origins only (after sp_burst_forecast); SP_ENOMEM.
 * read: into b made by sp_burst_new with the options of the writer (the
 * caller checks them); the errors of sp_state's getters (file:line), b in
 * an unspecified state on error (free it). */
struct sp_state_writer;
struct sp_state;
int sp_burst_write_state(const sp_burst *b, struct sp_state_writer *w, sp_error *err);
int sp_burst_read_state(sp_burst *b, struct sp_state *s, sp_error *err);

#endif
