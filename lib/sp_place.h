/* sp_place: ML node scoring for pod placement — a DQN trained in
 * sp_placesim, a load prediction and an Isolation Forest node-anomaly
 * score, combined.
 *
 * For a pod and each candidate node the features are (SP_PLACE_NFEAT):
 *    0, 1  CPU, memory requests / capacity with the pod added
 *    2, 3  CPU, memory utilisation at the last step
 *    4, 5  predicted CPU, memory utilisation: the node's forecast (the
 *          larger of the last step and the mean of the last
 *          SP_PLACESIM_HIST steps) plus the pod's expected usage (its
 *          request times the cluster's usage / request ratio), / capacity
 *    6     CPU peak utilisation over the last SP_PLACESIM_HIST steps
 *    7     the node's anomaly score (0..1, Isolation Forest in range mode
 *          over CPU and memory utilisation, their last changes and the CPU
 *          peak; 0.5 without a forest)
 *    8, 9  the pod's CPU, memory request / the node's capacity
 *    10    the node was CPU-contended at the last step (0/1)
 *    11    pods on the node / 16
 * Three scores, each 0..100, higher better:
 *    pred  100 (1 - min(1, max(predicted CPU, predicted memory)))
 *    dqn   the DQN's Q values, min-max scaled over the candidates (50
 *          when they are all equal)
 *    anom  100 (1 - anomaly score)
 * and the node's score: (w_pred pred + w_dqn dqn + w_anom anom) / (sum of
 * the weights), default 30/40/30 (mode "combined"), or the Q value alone
 * (mode "dqn").  The choice is the highest score, the lowest candidate on
 * ties: inference is deterministic.
 *
 * Training (sp_place_train): the Isolation Forest is fitted first on every
 * node's features at every step of a kube-policy run on the training pods;
 * then DQN episodes, each one simulation of the training pods with
 * epsilon-greedy choices (epsilon linear from eps_start to eps_end over
 * the episodes).  A decision's reward accrues over the `horizon` steps
 * from it, on its node: per step -1 when contended, -1 per eviction,
 * -0.5 when above `hot`, minus the square of its CPU utilisation; the sum
 * / horizon.  Transitions (features of the
 * chosen node, reward, candidates of the next decision) go into a replay
 * ring; every decision does one minibatch step of Q-learning:
 * y = r + gamma max_a' Q_target(s', a') (r alone after the episode's last
 * decision), Huber loss, Adam, gradient norm clipped to 10, the target
 * network copied every target_every updates.  After each episode the
 * greedy policy is run on the validation pods; the weights with the lowest
 * validation cost, 1 - availability + the share of node-steps above hot
 * + 0.1 x the p95 of node CPU utilisation, are kept (early stopping on the
 * best).
 *
 * Model file (sp_model.h): kind "place", version 1.
 * Ownership: sp_place_free(NULL) is fine.  Nothing here prints or exits.
 */
#ifndef SP_PLACE_H
#define SP_PLACE_H

#include "sp_err.h"
#include "sp_placesim.h"

#define SP_PLACE_NFEAT 12

enum { SP_PLACE_COMBINED = 0, SP_PLACE_DQN };

typedef struct {
	int episodes;                   /* [30] */
	unsigned long seed;             /* [1] */
	int hidden;                     /* units in each of two ReLU layers [32] */
	double lr;                      /* Adam [1e-3] */
	double gamma;                   /* discount per decision [0.5] */
	double eps_start, eps_end;      /* [1, 0.05] */
	int batch;                      /* [32] */
	int buffer;                     /* decisions in the replay ring [4096] */
	int target_every;               /* updates [200] */
	int horizon;                    /* steps of outcome per decision [12] */
	int trees;                      /* Isolation Forest trees, 0 = none [50] */
	double w_pred, w_dqn, w_anom;   /* [30, 40, 30] */
	int mode;                       /* SP_PLACE_COMBINED or SP_PLACE_DQN */
	sp_placesim_opts sim;           /* step, hot, max_steps; seed per episode */
} sp_place_opts;
void sp_place_defaults(sp_place_opts *o);
/* "combined", "dqn" -> the mode, or -1. */
int sp_place_mode_parse(const char *s);
const char *sp_place_mode_name(int mode);

typedef struct sp_place sp_place;

/* Called after each episode (may be NULL). */
typedef void (*sp_place_progress)(void *ctx, int episode, int episodes, double train_cost, double val_cost);

/* An untrained model: hidden units per layer, the network initialised as
 * in training (PyTorch's default) from seed, no forest. */
sp_place *sp_place_new(int hidden, unsigned long seed, sp_error *err);
/* Train on `train` (validate on `val`, or on train when val is NULL). */
sp_place *sp_place_train(const sp_placesim_input *train, const sp_placesim_input *val, const sp_place_opts *o,
    sp_place_progress progress, void *ctx, sp_error *err);
int sp_place_save(const sp_place *p, const char *path, const char *command, sp_error *err);
sp_place *sp_place_load(const char *path, sp_error *err);
void sp_place_free(sp_place *p);

/* Change the combination (weights >= 0, not all 0) and the mode. */
int sp_place_set_weights(sp_place *p, double w_pred, double w_dqn, double w_anom, int mode, sp_error *err);
void sp_place_get_weights(const sp_place *p, double *w_pred, double *w_dqn, double *w_anom, int *mode);
/* Validation cost of the kept weights, and the episode they come from. */
double sp_place_val_cost(const sp_place *p, int *episode);

/* Scores of n candidate nodes for a pod requesting (cpu, mem), with the
 * cluster's usage / request ratios rcpu, rmem.  Each out array (any may be
 * NULL) gets n values; returns the index of the best node (0..n-1) or < 0
 * (SP_ENOMEM). */
int sp_place_score(sp_place *p, const sp_placesim_node *nodes, int n, double cpu, double mem,
    double rcpu, double rmem, double *pred, double *dqn, double *anom, double *score, sp_error *err);
/* The same with the anomaly score (feature 7) given per node: anomaly has
 * n values in 0..1 (clamped), NaN where the model's own forest scores the
 * node (a given score spares the forest); anomaly NULL is sp_place_score. */
int sp_place_score_anom(sp_place *p, const sp_placesim_node *nodes, int n, double cpu, double mem,
    double rcpu, double rmem, const double *anomaly, double *pred, double *dqn, double *anom, double *score,
    sp_error *err);
/* The features of one node (feat[SP_PLACE_NFEAT]).  p may be NULL (no
 * forest: feature 7 is 0.5); feature 7 does not depend on the pod. */
void sp_place_features(const sp_place *p, const sp_placesim_node *node, double cpu, double mem,
    double rcpu, double rmem, double *feat);
/* The cluster's usage / request ratios of a simulator's nodes (1 when
 * nothing is requested or used yet). */
void sp_place_ratios(const sp_placesim *s, double *rcpu, double *rmem);

/* The model as a placesim policy (choose only; p must outlive the run). */
void sp_place_policy(sp_place *p, sp_placesim_policy *pol);

#endif
