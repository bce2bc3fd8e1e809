/* sp_kube_fleet: `scale --by KEY`, many targets from one keyed input
 * (scalepipe(7), "Many workloads").
 *
 * Reading: every row belongs to the key in the key column; per key the
 * same as sp_kube_read_input takes from a whole single-target input (the
 * last row's replicas and time, the smallest step, the newest observed
 * time from observed_at, the load column, or the last row).  A row that
 * is bad for its key (a replicas value that is missing or not a whole
 * number 0..1000000, a bad number in observed_at or the load column, a
 * time that goes back within the key) marks that key failed with the
 * first such message ("row N, column C: ..."); the other keys read on.
 * Only what spoils the whole input (its columns, malformed CSV, out of
 * memory) is an error of the read.
 *
 * Targets: a key of label=value pairs (promfetch --by-labels) names its
 * target by labels: the namespace (ns_label; absent: the default
 * namespace), the name (name_label) and the kind (kind_label, or the kind
 * given); a key without '=' is the object name itself.  Bad or missing
 * labels are the key's failure, not the read's.
 *
 * Ownership: the map (sp_keyed) holds one sp_kube_fleet_key per key; free
 * it with sp_keyed_free.  Nothing here prints or exits.
 */
#ifndef SP_KUBE_FLEET_H
#define SP_KUBE_FLEET_H

#include "sp_csv.h"
#include "sp_err.h"
#include "sp_keyed.h"
#include "sp_kube.h"
#include "sp_state.h"

typedef struct {
	sp_kube_input in;       /* as sp_kube_read_input's, over this key's rows */
	long rows;
	double prev;            /* the key's last time */
	int failed;             /* the key's data (or target) is unusable: err */
	sp_error err;
	char ns[64], spec[300]; /* the target: namespace, "kind/name" */
	sp_kube_target target;  /* parsed from spec (name points into it) */
} sp_kube_fleet_key;

/* Read r to the end: keys in column by_col, replicas in `column`, the
 * observed time as sp_kube_read_input (load_column NULL: "load" when
 * present).  *out: the keys in the order they first came.  0; < 0 with
 * err: sp_csv_pick_col's errors (SP_EUSAGE "--by: 'timestamp' is not a
 * key column" too), the reader's, SP_ENOMEM.  r must have been opened
 * with SP_CSV_ANY_ORDER (the order is checked per key). */
int sp_kube_fleet_read(sp_csv_reader *r, const char *by_col, const char *column, const char *load_column,
    sp_keyed **out, sp_error *err);

typedef struct {
	const char *ns_label;   /* the namespace label [namespace] */
	const char *name_label; /* the name label [the kind's: deployment or statefulset] */
	const char *kind;       /* the kind (deployment, statefulset, ...) */
	const char *kind_label; /* or the label holding the kind; NULL: kind */
	const char *default_ns; /* when the key has no namespace label */
} sp_kube_fleet_map;

/* Fill k->ns, k->spec and k->target from key (len bytes) as m says; on
 * failure k->failed and k->err ("no label 'deployment' in the key",
 * "not a valid namespace: 'X'", sp_kube_parse_target's messages,
 * sp_prom_key_label's) and the error's code is returned; 0 ok. */
int sp_kube_fleet_target(const char *key, size_t len, const sp_kube_fleet_map *m, sp_kube_fleet_key *k);

/* scale --by --state DIR --forget: the history files DIR/NS_KIND_NAME
 * (sp_behavior_save's, target "NS/KIND/NAME") whose newest recommendation
 * is older than the newest of every such file in DIR minus f->span are
 * removed, each told to f->forgot ("target 'NS/KIND/NAME': no row for
 * TEXT: forgotten (PATH removed)"); *forgotten counts them.  Other files,
 * and files that do not load as the history of the target their name
 * says, are left alone.  f NULL or span 0: nothing.  0, or SP_EIO "DIR:
 * cannot read: ...", "PATH: cannot remove: ...", SP_ENOMEM. */
int sp_kube_fleet_forget(const char *dir, const sp_state_forget *f, long *forgotten, sp_error *err);

#endif
