/* sp_behavior: scale-down stabilisation and per-tick limits (see sp_behavior.h). */
#include "sp_behavior.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sp_file.h"
#include "sp_keyed.h"
#include "sp_model.h"

#define STATE_KIND "scale-state"
#define STATE_VERSION 1
#define STATE_MAX_RECS 100000

void
sp_behavior_defaults(sp_behavior_opts *o)
{
	o->max_down_pct = 25;
	o->max_up_pct = 100;
	o->max_up_pods = 4;
	o->down_window = 300;
}

long
sp_behavior_limit(const sp_behavior_opts *o, const sp_behavior_hist *h, double now,
    long current, long desired, sp_behavior_rule *rule)
{
	sp_behavior_rule why = SP_BEHAVIOR_NONE;
	long target = desired, lo, hi, step;
	size_t i;

	/* stabilisation: the largest recommendation of the window, as the
	 * HPA's stabilizeRecommendationWithBehaviors (scale-down side) */
	if (desired < current && h && o->down_window > 0) {
		long top = desired;
		for (i = 0; i < h->n; i++)
			if (h->rec[i].t > now - o->down_window && h->rec[i].t <= now && h->rec[i].replicas > top)
				top = h->rec[i].replicas;
		if (top > desired) {
			target = top < current ? top : current;
			why = SP_BEHAVIOR_STABILISED;
		}
	}
	if (target < current) {
		step = (long)floor((double)current * o->max_down_pct / 100);
		if (step < 1 && o->max_down_pct > 0)
			step = 1;
		lo = current - step;
		if (o->max_down_pct < 50 && 2 * lo <= current)
			lo = current / 2 + 1;
		if (lo > current)
			lo = current;
		if (lo < 0)
			lo = 0;
		if (target < lo) {
			target = lo;
			why = SP_BEHAVIOR_MAX_DOWN;
		}
	} else if (target > current) {
		step = (long)ceil((double)current * o->max_up_pct / 100);
		if (step < o->max_up_pods)
			step = o->max_up_pods;
		hi = current + step;
		if (target > hi) {
			target = hi;
			why = SP_BEHAVIOR_MAX_UP;
		}
	}
	if (rule)
		*rule = why;
	return target;
}

const char *
sp_behavior_rule_name(sp_behavior_rule r)
{
	static const char *const names[] = { "", "stabilised", "max-down", "max-up" };
	return (unsigned)r < 4 ? names[r] : "?";
}

int
sp_behavior_record(sp_behavior_hist *h, double now, long replicas, double window, sp_error *err)
{
	size_t i, k = 0;

	for (i = 0; i < h->n; i++)
		if (h->rec[i].t > now - window && h->rec[i].t <= now)
			h->rec[k++] = h->rec[i];
	h->n = k;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		sp_behavior_rec *nr = realloc(h->rec, cap * sizeof *nr);
		if (!nr)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		h->rec = nr;
		h->cap = cap;
	}
	h->rec[h->n].t = now;
	h->rec[h->n].replicas = replicas;
	h->n++;
	return SP_OK;
}

void
sp_behavior_hist_free(sp_behavior_hist *h)
{
	free(h->rec);
	memset(h, 0, sizeof *h);
}

int
sp_behavior_load(const char *path, const char *target, sp_behavior_hist *h, sp_error *err)
{
	struct stat st;
	sp_model *m;
	const char *tg;
	double *t = NULL, *r = NULL;
	long n;
	size_t i;
	int rc;

	h->n = 0;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 1;
	if (!(m = sp_model_load(path, STATE_KIND, STATE_VERSION, NULL, err)))
		return err ? err->code : SP_EMODEL;
	if ((rc = sp_model_get_str(m, "target", &tg, err)) < 0 ||
	    (rc = sp_model_get_long(m, "n", 1, STATE_MAX_RECS, &n, err)) < 0)
		goto out;
	if (strcmp(tg, target) != 0) {
		rc = sp_error_set(err, SP_EDATA, "%s: state of %s, not of %s", path, tg, target);
		goto out;
	}
	if (!(t = malloc((size_t)n * sizeof *t)) || !(r = malloc((size_t)n * sizeof *r))) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = sp_model_get_doubles(m, "t", (size_t)n, t, err)) < 0 ||
	    (rc = sp_model_get_doubles(m, "replicas", (size_t)n, r, err)) < 0 ||
	    (rc = sp_model_finish(m, err)) < 0)
		goto out;
	for (i = 0; i < (size_t)n; i++)
		if (r[i] < 0 || r[i] > 1e6 || r[i] != floor(r[i]) || (i > 0 && t[i] < t[i - 1])) {
			rc = sp_error_set(err, SP_EMODEL, "%s: record %zu: replicas must be whole numbers "
			    "0..1000000 in time order", path, i + 1);
			goto out;
		}
	for (i = 0; i < (size_t)n; i++)
		if ((rc = sp_behavior_record(h, t[i], (long)r[i], INFINITY, err)) < 0)
			goto out;
	rc = 0;
out:
	if (rc < 0)
		h->n = 0;
	free(t);
	free(r);
	sp_model_free(m);
	return rc;
}

static int behavior_write(const char *path, const char *target, const sp_behavior_hist *h, sp_file **pending,
    sp_error *err);

int
sp_behavior_save(const char *path, const char *target, const sp_behavior_hist *h, sp_error *err)
{
	return behavior_write(path, target, h, NULL, err);
}

struct sp_behavior_batch {
	char *dir;
	sp_keyed *files;  /* path -> waiting (NULL: none) */
};

typedef struct {
	sp_file *f;
} waiting;

static void *
waiting_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	waiting *p = calloc(1, sizeof *p);

	(void)ctx, (void)key, (void)len;
	if (!p)
		sp_error_set(err, SP_ENOMEM, "out of memory");
	return p;
}

static void
waiting_free(void *ctx, void *state)
{
	waiting *p = state;

	(void)ctx;
	sp_file_abort(p->f);
	free(p);
}

sp_behavior_batch *
sp_behavior_batch_new(const char *dir)
{
	sp_behavior_batch *b = calloc(1, sizeof *b);

	if (!b || !(b->dir = strdup(dir)) || !(b->files = sp_keyed_new(waiting_new, waiting_free, NULL))) {
		sp_behavior_batch_free(b);
		return NULL;
	}
	sp_file_clean_stale_dir(dir);
	return b;
}

int
sp_behavior_batch_waiting(const sp_behavior_batch *b, const char *path)
{
	waiting *p = sp_keyed_find(b->files, path, strlen(path));

	return p && p->f;
}

int
sp_behavior_batch_save(sp_behavior_batch *b, const char *path, const char *target, const sp_behavior_hist *h,
    sp_error *err)
{
	waiting *p;
	sp_file *f = NULL;

	if (sp_behavior_batch_waiting(b, path))
		return sp_error_set(err, SP_EUSAGE, "%s: a history already waits to be put in place", path);
	if (!(p = sp_keyed_get(b->files, path, strlen(path), err)) || behavior_write(path, target, h, &f, err) < 0)
		return -1;
	p->f = f;
	return 0;
}

size_t
sp_behavior_batch_flush(sp_behavior_batch *b, sp_error *err)
{
	sp_error e;
	size_t i, lost = 0;
	int synced;

	for (i = 0; i < sp_keyed_count(b->files); i++)
		if (((waiting *)sp_keyed_state(b->files, i))->f)
			break;
	if (i == sp_keyed_count(b->files))
		return 0;
	synced = sp_file_sync_fs(b->dir, &e) == 0;
	for (i = 0; i < sp_keyed_count(b->files); i++) {
		waiting *p = sp_keyed_state(b->files, i);
		if (!p->f)
			continue;
		if (!synced)
			sp_file_abort(p->f);
		else if (sp_file_publish(p->f, &e) == 0) {
			p->f = NULL;
			continue;
		}
		p->f = NULL;
		if (lost++ == 0 && err)
			*err = e;
	}
	return lost;
}

void
sp_behavior_batch_free(sp_behavior_batch *b)
{
	if (!b)
		return;
	sp_keyed_free(b->files);
	free(b->dir);
	free(b);
}

/* Commit, or close and leave in *pending. */
static int
behavior_write(const char *path, const char *target, const sp_behavior_hist *h, sp_file **pending,
    sp_error *err)
{
	sp_model_writer *w;
	double *t, *r;
	size_t i;

	if (h->n == 0)
		return sp_error_set(err, SP_EUSAGE, "%s: no recommendation to save", path);
	t = malloc(h->n * sizeof *t);
	r = malloc(h->n * sizeof *r);
	if (!t || !r) {
		free(t);
		free(r);
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	for (i = 0; i < h->n; i++)
		t[i] = h->rec[i].t, r[i] = (double)h->rec[i].replicas;
	if (!(w = sp_model_create_flags(path, STATE_KIND, STATE_VERSION, pending ? SP_FILE_NOCLEAN : SP_FILE_PUBLIC,
	    err))) {
		free(t);
		free(r);
		return err ? err->code : SP_EIO;
	}
	sp_model_put_str(w, "target", target);
	sp_model_put_long(w, "n", (long)h->n);
	sp_model_put_doubles(w, "t", h->n, t);
	sp_model_put_doubles(w, "replicas", h->n, r);
	free(t);
	free(r);
	if (!pending)
		return sp_model_commit(w, err);
	if (!(*pending = sp_model_close(w, err)))
		return err ? err->code : SP_EIO;
	return SP_OK;
}
