/* sp_keyed: independent state per key, for the keyed (fleet) mode of the
 * tools (`--by NAME`, scalepipe(7), "Many workloads").
 *
 * A hash map from a key (any bytes, the field of the key column) to an
 * opaque state made on first sight by a create callback and freed by a
 * free callback.  The states are kept in insertion order (the order in
 * which the keys first appeared), so a tool that writes something per key
 * at the end writes it in a deterministic order.  Memory is one entry and
 * one copy of the key per key plus the states; lookups are O(1) expected
 * (FNV-1a, open addressing, the table at most half full).
 *
 * The key column of a CSV input (sp_keyed_row) and the time order within
 * a key (sp_keyed_order) are here too: rows of different keys may be
 * interleaved in any way, but each key's rows must be in time order.
 *
 * Ownership: the map owns its keys (copies) and the states (freed with the
 * free callback by sp_keyed_free).  Pointers to keys and states stay valid
 * until sp_keyed_free.
 *
 * Errors: SP_ENOMEM, whatever the create callback reports (its message
 * prefixed with the key: "key 'web': ..."), SP_EDATA for time order.
 */
#ifndef SP_KEYED_H
#define SP_KEYED_H

#include <stddef.h>

#include "sp_csv.h"
#include "sp_err.h"

typedef struct sp_keyed sp_keyed;

/* Make the state of a new key (key is NUL-terminated, len bytes; it may
 * hold NULs only if the caller's keys do).  NULL and err on failure. */
typedef void *(*sp_keyed_create_fn)(void *ctx, const char *key, size_t len, sp_error *err);
/* Free one state (NULL is never passed). */
typedef void (*sp_keyed_free_fn)(void *ctx, void *state);

/* An empty map; free_fn may be NULL (states not freed).  NULL when out of
 * memory. */
sp_keyed *sp_keyed_new(sp_keyed_create_fn create, sp_keyed_free_fn free_fn, void *ctx);
/* Free every state (in insertion order), every key, the map.  NULL is fine. */
void sp_keyed_free(sp_keyed *k);

/* The state of key (len bytes), made with the create callback on the
 * key's first sight.  NULL and err when create fails (the key is then not
 * added) or out of memory. */
void *sp_keyed_get(sp_keyed *k, const char *key, size_t len, sp_error *err);
/* The state of key, or NULL when it has not been seen. */
void *sp_keyed_find(const sp_keyed *k, const char *key, size_t len);

/* Keys so far; the i-th key in insertion order (NUL-terminated, *len its
 * length when len is not NULL) and its state, 0 <= i < count. */
size_t sp_keyed_count(const sp_keyed *k);
const char *sp_keyed_key(const sp_keyed *k, size_t i, size_t *len);
void *sp_keyed_state(const sp_keyed *k, size_t i);

/* The key column's field of r's current row looked up (sp_keyed_get):
 * the state of that row's key.  Errors as sp_keyed_get's, prefixed with
 * the row: "row N: key 'web': ...". */
void *sp_keyed_row(sp_keyed *k, const sp_csv_reader *r, size_t col, sp_error *err);

/* Time order within a key: t must be after *prev (NAN: the key's first
 * row), else SP_EDATA "row N, column timestamp: timestamp T is before P,
 * the previous row of key 'K'" ("is the same as P" for a duplicate, unless
 * dup_ok) naming r's current row, K the key column's field (its first 200
 * bytes).  *prev becomes t. */
int sp_keyed_order(const sp_csv_reader *r, size_t col, double *prev, double t, int dup_ok,
    sp_error *err);
/* The same for the time in r's current row's first column (a band's
 * origin); a field that is not a time is left to the caller's own reader
 * to report (0, *prev unchanged). */
int sp_keyed_order_row(const sp_csv_reader *r, size_t col, double *prev, int dup_ok, sp_error *err);

#endif
