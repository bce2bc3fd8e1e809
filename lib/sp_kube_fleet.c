/* sp_kube_fleet: the keyed input of `scale --by` and its targets (see
 * sp_kube_fleet.h). */
#include "sp_kube_fleet.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sp_behavior.h"
#include "sp_prom.h"

static void *
key_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	sp_kube_fleet_key *k = calloc(1, sizeof *k);

	(void)ctx;
	(void)key;
	(void)len;
	if (!k) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	k->in.t = k->in.observed = k->prev = NAN;
	return k;
}

static void
key_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

/* The current row for key k (sp_kube_read_input's loop body, per key);
 * a bad row fails the key. */
static void
read_row(sp_csv_reader *r, int bycol, int col, int ocol, int lcol, sp_kube_fleet_key *k)
{
	sp_kube_input *in = &k->in;
	double t, v, x;
	int rc;

	if (k->failed)
		return;
	if (sp_csv_get_timestamp(r, &t, &k->err) < 0 ||
	    sp_keyed_order(r, (size_t)bycol, &k->prev, t, 0, &k->err) < 0 ||
	    sp_csv_get_double_req(r, (size_t)col, &v, &k->err) < 0)
		goto fail;
	if (k->rows > 0 && (in->step == 0 || t - in->t < in->step))
		in->step = t - in->t;
	if (v < 0 || v > 1e6 || v != floor(v)) {
		sp_csv_error(r, col, &k->err, SP_EDATA, "replicas must be a whole number from 0 to 1000000: %g", v);
		goto fail;
	}
	if (ocol >= 0) {
		if ((rc = sp_csv_get_double(r, (size_t)ocol, &x, &k->err)) < 0)
			goto fail;
		if (rc == 0 && (isnan(in->observed) || x > in->observed))
			in->observed = x;
	} else if (lcol >= 0) {
		if ((rc = sp_csv_get_double(r, (size_t)lcol, &x, &k->err)) < 0)
			goto fail;
		if (rc == 0)
			in->observed = t;
	} else {
		in->observed = t;
	}
	in->replicas = (long)v;
	in->t = t;
	k->rows++;
	return;
fail:
	k->failed = 1;
}

int
sp_kube_fleet_read(sp_csv_reader *r, const char *by_col, const char *column, const char *load_column,
    sp_keyed **out, sp_error *err)
{
	int bycol, col, lcol = -1, ocol, rc;
	const char *from = "decision";
	sp_keyed *keys;
	size_t i;

	*out = NULL;
	if ((bycol = sp_csv_pick_col(r, by_col, err)) < 0 || (col = sp_csv_pick_col(r, column, err)) < 0)
		return err ? err->code : SP_EUSAGE;
	if (bycol == 0)
		return sp_error_set(err, SP_EUSAGE, "--by: 'timestamp' is not a key column");
	if ((ocol = sp_csv_col_index(r, "observed_at")) >= 0) {
		from = "observed_at";
	} else if (load_column) {
		if ((lcol = sp_csv_pick_col(r, load_column, err)) < 0)
			return err ? err->code : SP_EUSAGE;
		from = sp_csv_colname(r, (size_t)lcol);
	} else if ((lcol = sp_csv_col_index(r, "load")) >= 0) {
		from = "load";
	}
	if (!(keys = sp_keyed_new(key_new, key_free, NULL)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		sp_kube_fleet_key *k = sp_keyed_row(keys, r, (size_t)bycol, err);
		if (!k) {
			rc = err ? err->code : SP_ENOMEM;
			break;
		}
		read_row(r, bycol, col, ocol, lcol, k);
	}
	if (rc < 0) {
		sp_keyed_free(keys);
		return rc;
	}
	for (i = 0; i < sp_keyed_count(keys); i++) {
		sp_kube_fleet_key *k = sp_keyed_state(keys, i);
		snprintf(k->in.observed_from, sizeof k->in.observed_from, "%s", from);
	}
	*out = keys;
	return SP_OK;
}

/* Label name of key into out: 1, 0 absent, < 0 malformed (k failed). */
static int
label(const char *key, size_t len, const char *name, char *out, size_t size, sp_kube_fleet_key *k)
{
	int rc = sp_prom_key_label(key, len, name, out, size, &k->err);

	if (rc == 0)
		sp_error_set(&k->err, SP_EDATA, "no label '%s' in the key", name);
	return rc;
}

int
sp_kube_fleet_target(const char *key, size_t len, const sp_kube_fleet_map *m, sp_kube_fleet_key *k)
{
	char kind[64], name[256];
	const char *name_label = m->name_label;
	int rc = 1;

	snprintf(k->ns, sizeof k->ns, "%s", m->default_ns ? m->default_ns : "default");
	snprintf(kind, sizeof kind, "%s", m->kind ? m->kind : "deployment");
	if (!memchr(key, '=', len)) {  /* the name itself */
		if (len >= sizeof name) {
			sp_error_set(&k->err, SP_EDATA, "not a valid object name: longer than %zu bytes",
			    sizeof name - 1);
			goto fail;
		}
		snprintf(name, sizeof name, "%.*s", (int)len, key);
	} else {
		if (m->kind_label && (rc = label(key, len, m->kind_label, kind, sizeof kind, k)) <= 0)
			goto fail;
		if (!name_label)
			name_label = strncmp(kind, "statefulset", 11) == 0 || strcmp(kind, "sts") == 0 ?
			    "statefulset" : "deployment";
		if ((rc = label(key, len, name_label, name, sizeof name, k)) <= 0)
			goto fail;
		rc = sp_prom_key_label(key, len, m->ns_label ? m->ns_label : "namespace", k->ns, sizeof k->ns,
		    &k->err);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			snprintf(k->ns, sizeof k->ns, "%s", m->default_ns ? m->default_ns : "default");
	}
	if (!sp_kube_valid_namespace(k->ns)) {
		sp_error_set(&k->err, SP_EDATA, "not a valid namespace: '%s'", k->ns);
		goto fail;
	}
	snprintf(k->spec, sizeof k->spec, "%s/%s", kind, name);
	if ((rc = sp_kube_parse_target(k->spec, &k->target, &k->err)) < 0)
		goto fail;
	return SP_OK;
fail:
	k->failed = 1;
	if (k->err.code == 0 || rc == 0)
		k->err.code = SP_EDATA;
	return k->err.code < 0 ? k->err.code : SP_EDATA;
}

/* The target "NS/KIND/NAME" of a file name NS_KIND_NAME as scale --by
 * --state DIR names them, into target; 0 when name is not one. */
static int
state_target(const char *name, char *target, size_t size)
{
	char ns[64], kind[16], spec[300];
	const char *a = strchr(name, '_'), *b = a ? strchr(a + 1, '_') : NULL;
	sp_kube_target t;
	sp_error e;

	if (!a || !b || strchr(b + 1, '_') || (size_t)(a - name) >= sizeof ns || (size_t)(b - a - 1) >= sizeof kind ||
	    strlen(b + 1) >= 254)
		return 0;
	snprintf(ns, sizeof ns, "%.*s", (int)(a - name), name);
	snprintf(kind, sizeof kind, "%.*s", (int)(b - a - 1), a + 1);
	snprintf(spec, sizeof spec, "%s/%s", strcmp(kind, "Deployment") == 0 ? "deployment" :
	    strcmp(kind, "StatefulSet") == 0 ? "statefulset" : "-", b + 1);
	if (!sp_kube_valid_namespace(ns) || sp_kube_parse_target(spec, &t, &e) < 0)
		return 0;
	snprintf(target, size, "%s/%s/%s", ns, kind, b + 1);
	return 1;
}

typedef struct {
	char *file;             /* the entry's name in the directory */
	char target[400];
	double t;               /* its newest recommendation */
} state_file;

int
sp_kube_fleet_forget(const char *dir, const sp_state_forget *f, long *forgotten, sp_error *err)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	state_file *v = NULL, *nv;
	size_t n = 0, cap = 0, i;
	double newest = -INFINITY;
	char path[4200];
	int rc = 0;

	*forgotten = 0;
	if (!f || !(f->span > 0))
		return 0;
	if (!(d = opendir(dir)))
		return sp_error_set(err, SP_EIO, "%s: cannot read: %s", dir, strerror(errno));
	while (rc == 0 && (de = readdir(d))) {
		sp_behavior_hist h = { 0 };
		state_file s;

		if (de->d_name[0] == '.' || !state_target(de->d_name, s.target, sizeof s.target))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || sp_behavior_load(path, s.target, &h, NULL) != 0 ||
		    h.n == 0) {
			sp_behavior_hist_free(&h);   /* not one of ours, or unreadable: left alone */
			continue;
		}
		s.t = h.rec[h.n - 1].t;
		sp_behavior_hist_free(&h);
		if (n == cap) {
			if (!(nv = realloc(v, (cap ? 2 * cap : 64) * sizeof *v))) {
				rc = sp_error_set(err, SP_ENOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = cap ? 2 * cap : 64;
		}
		if (!(s.file = strdup(de->d_name))) {
			rc = sp_error_set(err, SP_ENOMEM, "out of memory");
			break;
		}
		v[n++] = s;
		if (s.t > newest)
			newest = s.t;
	}
	closedir(d);
	for (i = 0; rc == 0 && i < n; i++) {
		sp_error note;
		if (!(v[i].t < newest - f->span))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, v[i].file);
		if (unlink(path) < 0) {
			rc = sp_error_set(err, SP_EIO, "%s: cannot remove: %s", path, strerror(errno));
			break;
		}
		(*forgotten)++;
		if (f->forgot) {
			sp_error_set(&note, SP_OK, "target '%s': no row for %s: forgotten (%s removed)", v[i].target,
			    f->text, path);
			f->forgot(f->ctx, &note);
		}
	}
	for (i = 0; i < n; i++)
		free(v[i].file);
	free(v);
	return rc;
}
