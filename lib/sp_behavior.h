/* sp_behavior: how far one `scale` tick may move a target, like the HPA's
 * `behavior` (scalepipe-hpa(7)), and the recommendation history it needs
 * between ticks.
 *
 * scale runs once per cron tick, so what the HPA keeps in memory (its recent
 * recommendations) is kept in a small state file.  Per tick, from the
 * target's real replica count `current` and the input's decision `desired`:
 *
 * 1. Scale-down stabilisation (the HPA's stabilizationWindowSeconds, 300 s
 *    by default): the count may go down only to the largest recommendation
 *    of the last `down_window` seconds, this tick's included.  A missing or
 *    unreadable history is replaced by one recommendation of `current` now
 *    (what the HPA controller starts from), so no scale-down happens until
 *    a window of real recommendations exists.  Scale-up is not stabilised.
 * 2. Rate limits per tick:
 *    down: at most max(1, floor(current * max_down_pct / 100)) pods fewer,
 *          and while max_down_pct < 50 never half of current or fewer
 *          (floor(current / 2) + 1 at least): no tick halves a target;
 *          max_down_pct 0 forbids scale-down.  Default 25: 40 -> 30,
 *          10 -> 8, 4 -> 3, 3 -> 2, 2 -> 2.
 *    up:   at most max(ceil(current * max_up_pct / 100), max_up_pods) pods
 *          more (the HPA's default scale-up policies: 100 %, 4 pods,
 *          selectPolicy Max); both 0 forbid scale-up.
 *
 * The state file (sp_model format, kind "scale-state", version 1) holds the
 * target it belongs to and the (time, recommendation) pairs of the last
 * window; it is replaced atomically (sp_model_commit).
 */
#ifndef SP_BEHAVIOR_H
#define SP_BEHAVIOR_H

#include <stddef.h>

#include "sp_err.h"

typedef struct {
	double max_down_pct;    /* [25] */
	double max_up_pct;      /* [100] */
	long max_up_pods;       /* [4] */
	double down_window;     /* seconds [300]; 0: no stabilisation */
} sp_behavior_opts;

typedef struct {
	double t;
	long replicas;
} sp_behavior_rec;

typedef struct {
	sp_behavior_rec *rec;   /* time order, owned */
	size_t n, cap;
} sp_behavior_hist;

/* Which rule set the result (for the `limit` column of scale). */
typedef enum {
	SP_BEHAVIOR_NONE,       /* the decision as is */
	SP_BEHAVIOR_STABILISED, /* held up by a recent larger recommendation */
	SP_BEHAVIOR_MAX_DOWN,   /* cut by the scale-down limit */
	SP_BEHAVIOR_MAX_UP      /* cut by the scale-up limit */
} sp_behavior_rule;

void sp_behavior_defaults(sp_behavior_opts *o);

/* The replicas to set this tick, at time now, for a target at current and
 * a decision desired, given the history h (which should already hold this
 * tick's recommendation, sp_behavior_record; NULL or empty: no
 * stabilisation).  *rule (may be NULL) says which rule bound it. */
long sp_behavior_limit(const sp_behavior_opts *o, const sp_behavior_hist *h, double now,
    long current, long desired, sp_behavior_rule *rule);
/* "", "stabilised", "max-down", "max-up". */
const char *sp_behavior_rule_name(sp_behavior_rule r);

/* Append (now, replicas) and drop records older than now - window (and
 * any from the future of now, after a clock step back).  SP_ENOMEM. */
int sp_behavior_record(sp_behavior_hist *h, double now, long replicas, double window, sp_error *err);
void sp_behavior_hist_free(sp_behavior_hist *h);

/* Load the history of `target` (e.g. "default/Deployment/web") from path
 * into *h (empty first).  0 loaded; 1 when path does not exist; < 0 when
 * it is unreadable, corrupt (sp_model's file:line messages), or belongs to
 * another target (SP_EDATA "PATH: state of T, not of TARGET").  On any
 * non-zero return h is empty. */
int sp_behavior_load(const char *path, const char *target, sp_behavior_hist *h, sp_error *err);
/* Replace path atomically with target and h (at least one record). */
int sp_behavior_save(const char *path, const char *target, const sp_behavior_hist *h, sp_error *err);
/* Many targets' histories in one run, with one sync for all (scale --by
 * --state DIR: a file per target).  sp_behavior_batch_new() removes the
 * stale temporary files of dir once (sp_file_clean_stale_dir) instead of a
 * scan of dir per file; NULL when out of memory.
 * sp_behavior_batch_save() writes the file and closes it, not yet synced
 * nor in place (sp_file_close); sp_behavior_batch_flush() syncs dir once
 * (syncfs) and renames every waiting file into place: the guarantee of
 * sp_behavior_save, PATH the old history or the whole new one.  A file
 * for path still waiting is not yet what sp_behavior_load reads:
 * sp_behavior_batch_waiting() says so, and the caller flushes first.
 * flush returns the number of histories lost (not in place; 0 when all
 * are) with the first failure in *err.  _free drops what still waits. */
typedef struct sp_behavior_batch sp_behavior_batch;
sp_behavior_batch *sp_behavior_batch_new(const char *dir);
int sp_behavior_batch_waiting(const sp_behavior_batch *b, const char *path);
int sp_behavior_batch_save(sp_behavior_batch *b, const char *path, const char *target,
    const sp_behavior_hist *h, sp_error *err);
size_t sp_behavior_batch_flush(sp_behavior_batch *b, sp_error *err);
void sp_behavior_batch_free(sp_behavior_batch *b);

#endif
