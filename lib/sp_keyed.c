/* sp_keyed: a hash map key -> per-key state in insertion order (see
 * sp_keyed.h).  Open addressing with linear probing over indices into the
 * entry array; the array keeps the insertion order and never moves a state
 * once made (entries are pointers-stable through their index). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_keyed.h"
#include "sp_time.h"

typedef struct {
	char *key;
	size_t len;
	uint64_t hash;
	void *state;
} entry;

struct sp_keyed {
	sp_keyed_create_fn create;
	sp_keyed_free_fn free_fn;
	void *ctx;
	entry *e;          /* [n] in insertion order, capacity ecap */
	size_t n, ecap;
	size_t *slot;      /* [nslot] entry index + 1, 0 = empty; nslot a power of 2 */
	size_t nslot;
	size_t last;       /* the entry sp_keyed_get found last (< n), tried first: a
	                    * key's rows come in runs, and hashing is most of a lookup */
};

/* FNV-1a, 64 bits. */
static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

sp_keyed *
sp_keyed_new(sp_keyed_create_fn create, sp_keyed_free_fn free_fn, void *ctx)
{
	sp_keyed *k = calloc(1, sizeof *k);

	if (!k)
		return NULL;
	k->create = create;
	k->free_fn = free_fn;
	k->ctx = ctx;
	k->nslot = 16;
	if (!(k->slot = calloc(k->nslot, sizeof *k->slot))) {
		free(k);
		return NULL;
	}
	return k;
}

void
sp_keyed_free(sp_keyed *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++) {
		if (k->free_fn && k->e[i].state)
			k->free_fn(k->ctx, k->e[i].state);
		free(k->e[i].key);
	}
	free(k->e);
	free(k->slot);
	free(k);
}

/* The slot of key (its entry's, or the empty one where it would go). */
static size_t
probe(const sp_keyed *k, const char *key, size_t len, uint64_t h)
{
	size_t mask = k->nslot - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		size_t s = k->slot[i];
		if (s == 0)
			return i;
		const entry *e = &k->e[s - 1];
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
			return i;
	}
}

static int
grow(sp_keyed *k)
{
	size_t ns = 2 * k->nslot, *slot = calloc(ns, sizeof *slot);

	if (!slot)
		return -1;
	for (size_t j = 0; j < k->n; j++) {
		size_t i = (size_t)k->e[j].hash & (ns - 1);
		while (slot[i])
			i = (i + 1) & (ns - 1);
		slot[i] = j + 1;
	}
	free(k->slot);
	k->slot = slot;
	k->nslot = ns;
	return 0;
}

void *
sp_keyed_find(const sp_keyed *k, const char *key, size_t len)
{
	size_t s = k->slot[probe(k, key, len, hash_bytes(key, len))];
	return s ? k->e[s - 1].state : NULL;
}

void *
sp_keyed_get(sp_keyed *k, const char *key, size_t len, sp_error *err)
{
	uint64_t h;
	size_t i;
	entry *e;
	char *copy;
	void *st;

	if (k->last < k->n && k->e[k->last].len == len && memcmp(k->e[k->last].key, key, len) == 0)
		return k->e[k->last].state;
	h = hash_bytes(key, len);
	i = probe(k, key, len, h);
	if (k->slot[i]) {
		k->last = k->slot[i] - 1;
		return k->e[k->last].state;
	}
	if (2 * (k->n + 1) > k->nslot) {
		if (grow(k) < 0)
			goto nomem;
		i = probe(k, key, len, h);
	}
	if (k->n == k->ecap) {
		size_t nc = k->ecap ? 2 * k->ecap : 16;
		entry *ne = realloc(k->e, nc * sizeof *ne);
		if (!ne)
			goto nomem;
		k->e = ne;
		k->ecap = nc;
	}
	if (!(copy = malloc(len + 1)))
		goto nomem;
	memcpy(copy, key, len);
	copy[len] = '\0';
	if (!(st = k->create(k->ctx, copy, len, err))) {
		sp_error_prefix(err, "key '%s'", copy);
		free(copy);
		return NULL;
	}
	e = &k->e[k->n];
	*e = (entry){ copy, len, h, st };
	k->last = k->n;
	k->slot[i] = ++k->n;
	return st;
nomem:
	sp_error_set(err, SP_ENOMEM, "out of memory");
	return NULL;
}

size_t
sp_keyed_count(const sp_keyed *k)
{
	return k->n;
}

const char *
sp_keyed_key(const sp_keyed *k, size_t i, size_t *len)
{
	if (len)
		*len = k->e[i].len;
	return k->e[i].key;
}

void *
sp_keyed_state(const sp_keyed *k, size_t i)
{
	return k->e[i].state;
}

void *
sp_keyed_row(sp_keyed *k, const sp_csv_reader *r, size_t col, sp_error *err)
{
	size_t n;
	const char *f = sp_csv_field(r, col, &n);
	void *st = sp_keyed_get(k, f, n, err);

	if (!st)
		sp_error_prefix(err, "row %ld", sp_csv_rowno(r));
	return st;
}

int
sp_keyed_order(const sp_csv_reader *r, size_t col, double *prev, double t, int dup_ok, sp_error *err)
{
	char a[40], b[40];
	size_t n;
	const char *key;

	if (isnan(*prev) || t > *prev || (dup_ok && t == *prev)) {
		*prev = t;
		return 0;
	}
	key = sp_csv_field(r, col, &n);
	sp_time_format(a, sizeof a, t);
	sp_time_format(b, sizeof b, *prev);
	return sp_csv_error(r, 0, err, SP_EDATA, "timestamp %s is %s %s, the previous row of key '%.*s'",
	    a, t == *prev ? "the same as" : "before", b, (int)(n > 200 ? 200 : n), key);
}

int
sp_keyed_order_row(const sp_csv_reader *r, size_t col, double *prev, int dup_ok, sp_error *err)
{
	size_t len;
	const char *f = sp_csv_field(r, 0, &len);
	double t;

	if (sp_time_parse(f, len, &t) != 0)
		return 0;
	return sp_keyed_order(r, col, prev, t, dup_ok, err);
}
