/* sp_ppo: discrete PPO-Clip (Schulman et al. 2017) with GAE, on sp_mlp.
 *
 * A categorical policy (actor: state -> logits over nact actions) and a
 * state-value critic, both MLPs with hidden layers ReLU ... ReLU, Hardswish
 * (scalepipe-ppo(7): 3x512 in the reference), trained with Adam.  One
 * update: collect `rollout` environment steps with the stochastic policy,
 * compute GAE(gamma, lambda) advantages and returns, normalise the
 * advantages over the rollout, then floor(rollout / batch * repeat)
 * minibatch steps (indices drawn uniformly with replacement, as ElegantRL
 * does) on the clipped surrogate, the entropy term and the critic's
 * SmoothL1(V, return) / (std(return) + 1e-6).
 *
 * Entropy: the textbook bonus (loss -= coef * H) by default; `entropy_quirk`
 * gives the reference's sign (loss += coef * H; scalepipe-ppo(7)).
 *
 * Training (sp_ppo_train) evaluates the greedy policy on a validation
 * environment after every update, keeps a copy of the best actor
 * (checkpoint) and stops after `patience` evaluations without a new best,
 * or after max_steps environment steps; the agent's policy is then the
 * best one.  Inference (sp_ppo_policy_act) is deterministic: argmax of the
 * logits, the lowest index on ties.
 *
 * Policy files (sp_model kind "ppo", written by the caller around
 * sp_ppo_policy_write/read so it can add its own keys): the actor's sizes,
 * activations and parameters.
 *
 * Ownership: sp_ppo_free / sp_ppo_policy_free accept NULL.  The policy
 * returned by sp_ppo_actor() belongs to the agent.  Nothing here prints
 * or exits.
 */
#ifndef SP_PPO_H
#define SP_PPO_H

#include <stddef.h>

#include "sp_err.h"
#include "sp_mlp.h"
#include "sp_model.h"

/* ---- the math, exposed for tests ---- */

/* log-softmax of logits[n] into logp[n]; returns the entropy
 * -sum p log p.  Stable for large logits. */
double sp_ppo_log_softmax(const double *logits, int n, double *logp);

/* Generalised advantage estimation over a rollout of n steps:
 *   delta_t = r_t + gamma * (1 - done_t) * V_{t+1} - V_t,
 *   A_t = delta_t + gamma * lambda * (1 - done_t) * A_{t+1},
 * with V_n = v_last (the value of the state after the last step; ignored
 * when done[n-1]), ret_t = A_t + V_t.  done_t marks the last step of an
 * episode (the next stored step starts a new one). */
void sp_ppo_gae(size_t n, const double *reward, const double *value, const unsigned char *done,
    double v_last, double gamma, double lambda, double *adv, double *ret);

/* The clipped surrogate loss
 *   L = -1/n sum_i min(rho_i A_i, clip(rho_i, 1 - eps, 1 + eps) A_i),
 *   rho_i = exp(logp_new_i - logp_old_i).
 * Returns L; dlogp[i] (may be NULL) gets dL/dlogp_new_i, zero where the
 * clipped term is the smaller one and the ratio is outside the range.
 * *clipfrac (may be NULL) gets the fraction of such samples. */
double sp_ppo_clip_loss(size_t n, const double *logp_new, const double *logp_old,
    const double *adv, double eps, double *dlogp, double *clipfrac);

/* Normalise x[n] to mean 0 and (population) sd 1; sd below 1e-8 only
 * centres it. */
void sp_ppo_normalise(double *x, size_t n);

/* ---- the policy (the actor alone: what inference needs) ---- */

typedef struct sp_ppo_policy sp_ppo_policy;

/* A policy with the given actor dimensions, parameters zero.  NULL on
 * allocation failure or bad dimensions (err set). */
sp_ppo_policy *sp_ppo_policy_new(const sp_mlp_dims *d, sp_error *err);
void sp_ppo_policy_free(sp_ppo_policy *p);
const sp_mlp_dims *sp_ppo_policy_dims(const sp_ppo_policy *p);
double *sp_ppo_policy_params(sp_ppo_policy *p);
int sp_ppo_policy_state_dim(const sp_ppo_policy *p);
int sp_ppo_policy_nact(const sp_ppo_policy *p);
/* Greedy action for one state (argmax of the logits, lowest index on
 * ties); logits (may be NULL) gets the nact logits. */
int sp_ppo_policy_act(sp_ppo_policy *p, const double *state, double *logits);

/* Write the keys `actor-sizes`, `actor-activations`, `actor` into w. */
void sp_ppo_policy_write(sp_model_writer *w, const sp_ppo_policy *p);
/* Read those keys from m (the caller loads the file, reads its own keys
 * and calls sp_model_finish).  state_dim / nact > 0 must match the file's:
 * else SP_EMODEL "policy is for N state features, this environment has M". */
sp_ppo_policy *sp_ppo_policy_read(sp_model *m, int state_dim, int nact, sp_error *err);

/* ---- training ---- */

/* An environment.  reset() starts an episode and writes its first state
 * (returns 0, 1 when a finite evaluation pass has no more episodes, < 0 on
 * error); step() applies an action and writes the next state, the reward
 * and whether the episode ended; rewind() restarts an evaluation pass
 * (may be NULL for training environments, whose reset() cycles). */
typedef struct {
	int state_dim, nact;
	int (*reset)(void *env, double *state, sp_error *err);
	int (*step)(void *env, int action, double *state, double *reward, int *done, sp_error *err);
	void (*rewind)(void *env);
} sp_ppo_env;

#define SP_PPO_MAXHIDDEN (SP_MLP_MAXLAYER - 1)

typedef struct {
	int nhidden;                  /* hidden layers [2] */
	int hidden[SP_PPO_MAXHIDDEN]; /* their widths [64, 64]; reference 3 x 512 */
	double lr_actor, lr_critic;   /* Adam step sizes [1e-3, 1e-3]; reference 2^-14 */
	double gamma, lambda;         /* discount and GAE lambda [0.5, 0.98] */
	double clip;                  /* epsilon [0.2] */
	double entropy;               /* coefficient [0.02] */
	int entropy_quirk;            /* reference sign (+coef*H in the loss) [0] */
	int rollout;                  /* environment steps per update [2048] */
	int batch;                    /* minibatch rows [256] */
	double repeat;                /* passes over the rollout per update [8] */
	double max_grad;              /* gradient-norm clip, <= 0 off [3] */
	long max_steps;               /* environment steps in all [200000] */
	int patience;                 /* evaluations without a new best before stopping [10] */
	unsigned long seed;           /* [0] */
} sp_ppo_opts;

void sp_ppo_defaults(sp_ppo_opts *o);

typedef struct {
	long steps;         /* environment steps so far */
	int update;         /* updates so far */
	double train_reward;/* mean reward per step in the last rollout */
	double eval_return; /* greedy return on the validation environment */
	long eval_steps;
	double best_return; /* best so far */
	int improved;       /* this evaluation is a new best (checkpointed) */
	double actor_loss, critic_loss, entropy, clipfrac;
} sp_ppo_progress;

typedef struct sp_ppo sp_ppo;

/* Checks the options (SP_EUSAGE naming the bad one) and allocates the
 * networks for env's state_dim and nact, initialised from opts->seed. */
sp_ppo *sp_ppo_new(const sp_ppo_opts *o, int state_dim, int nact, sp_error *err);
void sp_ppo_free(sp_ppo *a);
/* The agent's current actor (after sp_ppo_train: the best one). */
sp_ppo_policy *sp_ppo_actor(sp_ppo *a);

/* Collect one rollout of opts.rollout steps from env with the stochastic
 * policy (episodes continue across calls). */
int sp_ppo_collect(sp_ppo *a, const sp_ppo_env *e, void *env, sp_error *err);
/* One PPO update on the collected rollout; fills the loss fields of pr
 * (may be NULL). */
void sp_ppo_update(sp_ppo *a, sp_ppo_progress *pr);

/* Greedy evaluation: rewind, then episodes until reset() says the pass is
 * over, at most max_steps steps in all (0: no limit).  *total the summed
 * reward, *steps the steps taken. */
int sp_ppo_evaluate(sp_ppo_policy *p, const sp_ppo_env *e, void *env, long max_steps,
    double *total, long *steps, sp_error *err);

/* Collect/update until max_steps or patience runs out, evaluating on val
 * (which must have rewind) after each update and keeping the best actor.
 * progress (may be NULL) is called after each evaluation.  On return the
 * agent's policy is the best one. */
int sp_ppo_train(sp_ppo *a, const sp_ppo_env *train, void *tenv, const sp_ppo_env *val,
    void *venv, void (*progress)(void *, const sp_ppo_progress *), void *parg, sp_error *err);

#endif
