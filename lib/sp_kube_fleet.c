/* sp_kube_fleet: the keyed input of `scale --by` and its targets (see
 * sp_kube_fleet.h). */
#include "sp_kube_fleet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
