/* bandselect: origin by origin, the input's forecast band or an
 * alternative's (--alt), whichever has the lower recent horizon-1 error:
 * the better forecaster by its recent calibration.  Every band in the long
 * format of arfit --rolling, read by sp_band; the choice is sp_bandsel's,
 * one per --alt, in a row (the first between the input and the first
 * alternative, the next between that choice and the next alternative).
 * With --by, each key's origins are chosen as a run of their own (a
 * sp_band push reader per key and file, lib/sp_keyed), one --state for
 * every key. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_band.h"
#include "sp_bandsel.h"
#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_file.h"
#include "sp_keyed.h"
#include "sp_state.h"
#include "sp_time.h"

/* bandselect --state files: "scalepipe-state bandselect 1" */
enum { STATE_VERSION = 1 };

static const char synopsis[] =
    "bandselect [-c NAME] [--alt FILE]... [--memory DURATION] [--min-errors N] [--by NAME]\n"
    "                  [--state FILE [--forget DURATION]] [FILE]";

/* --alt at most this many times */
enum { MAX_ALT = 8 };

enum { OPT_ALT = 256, OPT_MEMORY, OPT_MINERR, OPT_BY, OPT_STATE, OPT_FORGET, OPT_VERSION };

static const struct option longopts[] = {
	{ "column", required_argument, 0, 'c' },
	{ "alt", required_argument, 0, OPT_ALT },
	{ "memory", required_argument, 0, OPT_MEMORY },
	{ "min-errors", required_argument, 0, OPT_MINERR },
	{ "by", required_argument, 0, OPT_BY },
	{ "state", required_argument, 0, OPT_STATE },
	{ "forget", required_argument, 0, OPT_FORGET },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ 0, 0, 0, 0 }
};

typedef struct {
	sp_bandsel_opts s;
	const char *column;     /* load column */
	const char *alt[MAX_ALT];   /* --alt FILE, in order */
	int nalt;
	const char *by;         /* --by: the key column */
	const char *state;      /* --state FILE */
	sp_state_forget forget; /* --forget: keys left out of the state */
	const char *input;      /* FILE operand, or NULL */
} opts;

_Noreturn static void
usage(const opts *o)
{
	printf("usage: %s\n\n"
	    "Origin by origin, the input's forecast band or the alternative's, whichever\n"
	    "has the lower mean absolute horizon-1 error so far: an exponential mean that\n"
	    "weighs its past by 1 - step/memory at each step (about the memory's span).\n"
	    "The alternative only after --min-errors of its own errors, and only at its\n"
	    "origins (the others keep the input's band); a tie keeps the input's.  Both\n"
	    "bands in the long format of arfit's rolling forecasts (origin,timestamp,\n"
	    "horizon,...,forecast,lower,upper[,level]); the output is the input's rows,\n"
	    "the band of each origin the chosen one's (horizons the alternative lacks\n"
	    "keep the input's).  With --alt more than once, the choices are made in a row:\n"
	    "the first between the input and the first alternative, each next one between\n"
	    "the band chosen so far and the next alternative (bandselect --alt A | bandselect\n"
	    "--alt B, in one run and one state).\n"
	    "Causal: an origin's choice reads only the errors realised by that origin.\n"
	    "With --by, every file has the key column among its data columns and each\n"
	    "key's origins are chosen as a run of their own (rows of different keys in\n"
	    "any order, each key's in time order; an alternative's origins are held\n"
	    "until the input's rows of their key reach them).\n\n"
	    "  -c, --column NAME     observed load column [first data column (not the key)]\n"
	    "      --alt FILE        an alternative band (long format, the same level), up\n"
	    "                        to %d; without one, the input's band throughout (its\n"
	    "                        errors are still scored into --state)\n"
	    "      --memory DURATION span of the mean (90m, 1d, seconds) [1d]\n"
	    "      --min-errors N    the alternative's errors before it is used [%ld]\n"
	    "      --by NAME         NAME is the key column (a data column of every file):\n"
	    "                        each key's origins are chosen as a run of their own\n"
	    "      --state FILE      start from the scores FILE holds (skipping the origins\n"
	    "                        it has seen), and leave them there at the end (with\n"
	    "                        --by, every key's in one FILE)\n"
	    "      --forget DURATION with --by --state: a key whose last origin is older than\n"
	    "                        the newest (of every key) minus DURATION (90m, 1d,\n"
	    "                        seconds) is left out of the state, with a warning [never]\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n",
	    synopsis, MAX_ALT, o->s.min_errors);
	exit(0);
}

static void
parse_options(int argc, char **argv, opts *o)
{
	sp_error err;
	int ch;

	memset(o, 0, sizeof *o);
	sp_bandsel_defaults(&o->s);
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o->column = optarg; break;
		case OPT_ALT:
			if (o->nalt == MAX_ALT)
				sp_die_usage("--alt: at most %d", MAX_ALT);
			o->alt[o->nalt++] = optarg;
			break;
		case OPT_MEMORY:
			if (sp_time_parse_duration(optarg, &o->s.memory) < 0 || !(o->s.memory > 0))
				sp_die_usage("--memory: not a duration: '%s'", optarg);
			break;
		case OPT_MINERR: o->s.min_errors = sp_cli_long("--min-errors", optarg, 0, 1000000000); break;
		case OPT_BY: o->by = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_FORGET: sp_die_if(sp_state_forget_parse(optarg, &o->forget, &err), &err); break;
		case 'h': usage(o);
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	if (o->forget.span > 0 && !(o->by && o->state))
		sp_die_usage("--forget goes with --by and --state");
	for (int i = 0, stdin_used = !o->input || strcmp(o->input, "-") == 0; i < o->nalt; i++) {
		if (strcmp(o->alt[i], "-") == 0 && stdin_used)
			sp_die_usage("--alt -: standard input is read already (give the input as FILE, and - once)");
		stdin_used |= strcmp(o->alt[i], "-") == 0;
	}
}

/* One band: its file, reader, the band reader's options and (without
 * --by) the origin last read; with --by, the key column and a push reader
 * per key (an alternative's: its origins held until used). */
typedef struct {
	const char *name;
	FILE *fp;
	sp_csv_reader *r;
	sp_band_opts bo;
	sp_band *band;          /* without --by */
	sp_band_origin g;
	int have, done;         /* g holds an origin; no origin (no row) left */
	int bycol;              /* --by: the key column, else -1 */
	sp_keyed *keys;         /* --by, an alternative: its keys (akey) */
} band;

/* err, naming b's file (the reader's errors name it already) */
_Noreturn static void
die_naming(const band *b, sp_error *err)
{
	if (strncmp(err->msg, b->name, strlen(b->name)) != 0)
		sp_error_prefix(err, "%s", b->name);
	sp_die_err(err);
}

/* The band columns; the input's load column (-c) and whether it has a
 * `level` column, the only one the output carries after upper; with --by
 * the key column, a data column of every band. */
static void
open_band(band *b, const char *arg, const opts *o, int is_input, int *has_level)
{
	sp_error err;
	int up, c, n;

	b->fp = sp_cli_open_input(arg, &b->name);
	if (!(b->r = sp_csv_reader_new(b->fp, b->name, o->by ? SP_CSV_ANY_ORDER : 0, &err)))
		sp_die_err(&err);
	if (!sp_band_is_long(b->r) || sp_csv_col_index(b->r, "forecast") < 0 ||
	    (up = sp_csv_col_index(b->r, "upper")) < 0 || sp_csv_col_index(b->r, "lower") < 0)
		sp_die("%s: not a band: want the long format origin,timestamp,horizon,...,forecast,lower,upper "
		    "(arfit's rolling forecasts)", b->name);
	n = (int)sp_csv_ncols(b->r);
	for (c = up + 1; c < n; c++)
		if (strcmp(sp_csv_colname(b->r, (size_t)c), "level") != 0)
			sp_die("%s: column '%s' after upper: a band has only level there", b->name,
			    sp_csv_colname(b->r, (size_t)c));
	if (has_level)
		*has_level = up + 1 < n;
	b->bycol = -1;
	if (o->by && (b->bycol = sp_band_data_col(b->r, "--by", o->by, &err)) < 0)
		die_naming(b, &err);
	sp_band_defaults(&b->bo);
	/* the input's values written back as they came where they are the
	 * same text (sp_csv_write_double_text) */
	b->bo.flags = SP_BAND_STRICT | (is_input ? SP_BAND_TEXT : 0);
	b->bo.level = SP_BAND_LEVEL_ADOPT;
	b->bo.load = -1;
	if (is_input && (b->bo.load = sp_band_load_col(b->r, o->column, b->bycol, &err)) < 0)
		die_naming(b, &err);
	if (!o->by && !(b->band = sp_band_new(b->r, &b->bo, &err)))
		sp_die_err(&err);
}

static void
close_band(band *b)
{
	sp_keyed_free(b->keys);
	sp_band_free(b->band);
	sp_csv_reader_free(b->r);
	if (b->fp && b->fp != stdin)
		fclose(b->fp);
}

/* The next origin of b into b->g: 1, or 0 after the last. */
static int
next(band *b)
{
	sp_error err;
	int rc;

	if (b->done)
		return 0;
	if ((rc = sp_band_next(b->band, &b->g, &err)) == SP_EEOF) {
		b->done = 1, b->have = 0;
		return 0;
	}
	sp_die_if(rc, &err);
	return b->have = 1;
}

/* The alternative's band at origin t, or NULL: its origins before t are
 * passed over. */
static const sp_band_origin *
alt_at(band *b, double t)
{
	if (!b->fp)
		return NULL;
	if (!b->have && !next(b))
		return NULL;
	while (b->g.origin < t)
		if (!next(b))
			return NULL;
	return b->g.origin == t ? &b->g : NULL;
}

/* The selections, one per --alt (one without): their states in a row,
 * each after the first after a line "alt I". */
typedef struct {
	sp_bandsel *sel[MAX_ALT];
	int n;
} selections;

static int
read_state(void *ctx, sp_state *s, sp_error *err)
{
	selections *ss = ctx;
	int rc;

	for (int i = 0; i < ss->n; i++)
		if ((i > 0 && (rc = sp_state_want_long(s, "alt", i + 1, err)) < 0) ||
		    (rc = sp_bandsel_read_state(ss->sel[i], s, err)) < 0)
			return rc;
	if (sp_state_at(s, "alt"))
		return sp_state_error(s, err, SP_EMODEL, "state written with more than %d --alt", ss->n);
	return 0;
}

static int
put_selections(const selections *ss, sp_state_writer *w, sp_error *err)
{
	int rc;

	for (int i = 0; i < ss->n; i++) {
		if (i > 0)
			sp_state_put_long(w, "alt", i + 1);
		if ((rc = sp_bandsel_write_state(ss->sel[i], w, err)) < 0)
			return rc;
	}
	return 0;
}

static int
put_state(void *ctx, sp_state_writer *w, sp_error *err)
{
	return put_selections(ctx, w, err);
}

static void
new_selections(selections *ss, int n, const sp_bandsel_opts *o)
{
	sp_error err;

	ss->n = n;
	for (int i = 0; i < n; i++)
		if (!(ss->sel[i] = sp_bandsel_new(o, &err)))
			sp_die_err(&err);
}

static void
free_selections(selections *ss)
{
	for (int i = 0; i < ss->n; i++)
		sp_bandsel_free(ss->sel[i]);
	ss->n = 0;
}

/* The band chosen so far at one origin: the input's with the horizons of
 * the alternatives chosen; g's M, L, U are buf's, its text the input's
 * (of the horizons after nalt, the ones the alternatives left). */
typedef struct {
	sp_band_origin g;
	double *buf;
	int cap;
	int nalt;               /* horizons 1..nalt an alternative's */
} chosen;

/* horizons 1..n of M, L, U into c's (n no more than the input's) */
static void
chosen_put(chosen *c, int n, const double *M, const double *L, const double *U)
{
	int h = c->g.n;

	if (n > h)
		n = h;
	memcpy(c->buf, M, (size_t)n * sizeof *c->buf);
	memcpy(c->buf + h, L, (size_t)n * sizeof *c->buf);
	memcpy(c->buf + 2 * h, U, (size_t)n * sizeof *c->buf);
}

/* The rows of origin c->g: the values of the input's horizons as its text
 * where that is what formatting them gives (the same bytes, cheaper). */
static void
write_origin(sp_csv_writer *w, const chosen *c, size_t ndata, int level)
{
	const sp_band_origin *g = &c->g;
	double step = g->target - g->origin;
	int k;

	for (k = 1; k <= g->h; k++) {
		const char *s = g->data;
		const size_t *t = g->toff + 3 * (k - 1);
		size_t i;
		sp_csv_write_time(w, g->origin);
		sp_csv_write_time(w, g->origin + k * step);
		sp_csv_write_long(w, k);
		for (i = 0; i < ndata; i++) {
			sp_csv_write_field(w, s, g->len[i]);
			s += g->len[i];
		}
		if (k <= c->nalt) {
			sp_csv_write_double(w, g->M[k - 1]);
			sp_csv_write_double(w, g->L[k - 1]);
			sp_csv_write_double(w, g->U[k - 1]);
		} else {
			sp_csv_write_double_text(w, g->M[k - 1], g->text + t[0], t[1] - t[0]);
			sp_csv_write_double_text(w, g->L[k - 1], g->text + t[1], t[2] - t[1]);
			sp_csv_write_double_text(w, g->U[k - 1], g->text + t[2], t[3] - t[2]);
		}
		if (level)
			sp_csv_write_double_text(w, g->level, g->level_text, g->level_len);
		sp_csv_end_row(w);
	}
}

static void
chosen_start(chosen *c, const sp_band_origin *g)
{
	if (g->n > c->cap) {
		free(c->buf);
		if (!(c->buf = malloc(3 * (size_t)g->n * sizeof *c->buf)))
			sp_die("out of memory");
		c->cap = g->n;
	}
	c->g = *g;
	c->g.M = c->buf, c->g.L = c->buf + g->n, c->g.U = c->buf + 2 * g->n;
	chosen_put(c, g->n, g->M, g->L, g->U);
	c->nalt = 0;
}

/* Origin g's band chosen into c, the alternatives' bands at g's origin in
 * a[0..n-1] (NULL: none there); key names the key with --by (else NULL). */
static void
choose(selections *sel, chosen *c, const sp_band_origin *g, const sp_band_origin *const *a,
    const band *alt, const char *key)
{
	chosen_start(c, g);
	for (int i = 0; i < sel->n; i++) {
		if (a[i] && !(isnan(a[i]->level) && isnan(g->level)) && !(fabs(a[i]->level - g->level) <= 1e-6))
			sp_die("%s: %s%s%sorigin %.17g: band level %g, the input's %g: the bands must be of one level",
			    alt[i].name, key ? "key '" : "", key ? key : "", key ? "', " : "", g->origin,
			    a[i]->level, g->level);
		if (sp_bandsel_origin(sel->sel[i], g->origin, g->target, g->load, c->g.n > 0 ? c->g.M[0] : NAN,
		        a[i] && a[i]->n > 0 ? a[i]->M[0] : NAN)) {
			chosen_put(c, a[i]->n, a[i]->M, a[i]->L, a[i]->U);
			if (a[i]->n > c->nalt)
				c->nalt = a[i]->n < c->g.n ? a[i]->n : c->g.n;
		}
	}
}

/* ---- --by ---- */

/* An alternative's origin held until the input's origin of its key
 * reaches it (a copy: the reader's arrays move on). */
typedef struct {
	double origin, level;
	int n;
	double *v;              /* M, L, U of horizons 1..n: 3n values */
} held;

/* An alternative's rows of one key: its push reader and the origins it
 * completed that are not passed over yet, oldest first. */
typedef struct {
	sp_band *band;
	double prev;            /* the last row's origin (NaN: none) */
	held *q;
	size_t head, len, cap;
	const char *key;
} akey;

/* One key of the input: its push reader, its choices and (from the state)
 * the last origin seen. */
typedef struct {
	sp_band *band;
	selections sel;
	double seen, prev;
	const char *key;
} ikey;

/* Everything --by needs. */
typedef struct {
	const opts *o;
	band *in, *alt;
	sp_keyed *keys;         /* the input's (ikey) */
	sp_csv_writer *w;
	chosen c;
	size_t ndata;
	int level;
} keyed;

_Noreturn static void
key_die(const char *key, sp_error *err)
{
	sp_error_prefix(err, "key '%s'", key);
	sp_die_err(err);
}

static void *
akey_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const band *b = ctx;
	akey *a = calloc(1, sizeof *a);

	(void)len;
	if (!a || !(a->band = sp_band_new(b->r, &b->bo, err))) {
		if (!a)
			sp_error_set(err, SP_ENOMEM, "out of memory");
		free(a);
		return NULL;
	}
	a->prev = NAN;
	a->key = key;
	return a;
}

static void
akey_free(void *ctx, void *p)
{
	akey *a = p;

	(void)ctx;
	for (size_t i = 0; i < a->len; i++)
		free(a->q[(a->head + i) % a->cap].v);
	free(a->q);
	sp_band_free(a->band);
	free(a);
}

/* g appended to a's queue */
static void
hold(akey *a, const sp_band_origin *g)
{
	held *h;

	if (a->len == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 4;
		held *q = malloc(cap * sizeof *q);
		if (!q)
			sp_die("out of memory");
		for (size_t i = 0; i < a->len; i++)
			q[i] = a->q[(a->head + i) % a->cap];
		free(a->q);
		a->q = q, a->cap = cap, a->head = 0;
	}
	h = &a->q[(a->head + a->len) % a->cap];
	*h = (held){ .origin = g->origin, .level = g->level, .n = g->n };
	if (!(h->v = malloc(3 * (size_t)(g->n > 0 ? g->n : 1) * sizeof *h->v)))
		sp_die("out of memory");
	memcpy(h->v, g->M, (size_t)g->n * sizeof *h->v);
	memcpy(h->v + g->n, g->L, (size_t)g->n * sizeof *h->v);
	memcpy(h->v + 2 * g->n, g->U, (size_t)g->n * sizeof *h->v);
	a->len++;
}

/* The next row of alternative b into its key's reader; at the end every
 * key's last origin.  0 at the end. */
static int
alt_row(band *b)
{
	sp_error err;
	sp_band_origin g;
	akey *a;
	int rc;

	if (b->done)
		return 0;
	if ((rc = sp_csv_next(b->r, &err)) == SP_EEOF) {
		for (size_t i = 0; i < sp_keyed_count(b->keys); i++) {
			a = sp_keyed_state(b->keys, i);
			if ((rc = sp_band_finish(a->band, &g, &err)) < 0)
				key_die(a->key, &err);
			if (rc == 1)
				hold(a, &g);
		}
		b->done = 1;
		return 0;
	}
	sp_die_if(rc, &err);
	if (!(a = sp_keyed_row(b->keys, b->r, (size_t)b->bycol, &err)))
		sp_die_err(&err);
	sp_die_if(sp_keyed_order_row(b->r, (size_t)b->bycol, &a->prev, 1, &err), &err);
	while ((rc = sp_band_push(a->band, &g, &err)) == 1)
		hold(a, &g);
	if (rc < 0)
		key_die(a->key, &err);
	return 1;
}

/* Alternative b's band of key at origin t (into *v), or NULL: b is read
 * until that key's origins reach t; the ones before t are passed over. */
static const sp_band_origin *
alt_at_key(band *b, const char *key, size_t klen, double t, sp_band_origin *v)
{
	sp_error err;
	akey *a;
	held *h;

	if (!(a = sp_keyed_get(b->keys, key, klen, &err)))
		sp_die_err(&err);
	while (!(a->len > 0 && a->q[(a->head + a->len - 1) % a->cap].origin >= t) && alt_row(b))
		;
	while (a->len > 0 && a->q[a->head].origin < t) {
		free(a->q[a->head].v);
		a->head = (a->head + 1) % a->cap, a->len--;
	}
	if (a->len == 0 || (h = &a->q[a->head])->origin != t)
		return NULL;
	*v = (sp_band_origin){ .origin = h->origin, .level = h->level, .h = h->n, .n = h->n,
		.M = h->v, .L = h->v + h->n, .U = h->v + 2 * h->n };
	return v;
}

static void *
ikey_new(void *ctx, const char *key, size_t len, sp_error *err)
{
	const keyed *K = ctx;
	ikey *k = calloc(1, sizeof *k);

	(void)len;
	if (!k) {
		sp_error_set(err, SP_ENOMEM, "out of memory");
		return NULL;
	}
	*k = (ikey){ .seen = -INFINITY, .prev = NAN, .key = key };
	if (!(k->band = sp_band_new(K->in->r, &K->in->bo, err))) {
		free(k);
		return NULL;
	}
	new_selections(&k->sel, K->o->nalt > 0 ? K->o->nalt : 1, &K->o->s);
	return k;
}

static void
ikey_free(void *ctx, void *p)
{
	ikey *k = p;

	(void)ctx;
	sp_band_free(k->band);
	free_selections(&k->sel);
	free(k);
}

/* A complete origin of key k: chosen and written (unless the state's run
 * saw it). */
static void
key_origin(keyed *K, ikey *k, const sp_band_origin *g)
{
	const sp_band_origin *a[MAX_ALT];
	sp_band_origin v[MAX_ALT];
	size_t klen = strlen(k->key);

	if (g->origin <= k->seen)
		return;
	for (int i = 0; i < K->o->nalt; i++)
		a[i] = alt_at_key(&K->alt[i], k->key, klen, g->origin, &v[i]);
	if (K->o->nalt == 0)
		a[0] = NULL;
	choose(&k->sel, &K->c, g, a, K->alt, k->key);
	write_origin(K->w, &K->c, K->ndata, K->level);
}

/* Each row of the input to its key's reader, then the end of every key in
 * the order the keys came. */
static void
run_keyed(keyed *K)
{
	sp_error err;
	sp_band_origin g;
	sp_csv_reader *r = K->in->r;
	ikey *k;
	int rc;

	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		if (!(k = sp_keyed_row(K->keys, r, (size_t)K->in->bycol, &err)))
			sp_die_err(&err);
		sp_die_if(sp_keyed_order_row(r, (size_t)K->in->bycol, &k->prev, 1, &err), &err);
		while ((rc = sp_band_push(k->band, &g, &err)) == 1)
			key_origin(K, k, &g);
		if (rc < 0)
			key_die(k->key, &err);
	}
	sp_die_if(rc == SP_EEOF ? 0 : rc, &err);
	for (size_t i = 0; i < sp_keyed_count(K->keys); i++) {
		k = sp_keyed_state(K->keys, i);
		if ((rc = sp_band_finish(k->band, &g, &err)) < 0)
			key_die(k->key, &err);
		if (rc == 1)
			key_origin(K, k, &g);
	}
}

static int
read_key(void *ctx, void *state, sp_state *s, sp_error *err)
{
	ikey *k = state;
	int rc;

	(void)ctx;
	if ((rc = read_state(&k->sel, s, err)) < 0)
		return rc;
	k->seen = sp_bandsel_last(k->sel.sel[0]);
	return 0;
}

static int
read_keys(void *ctx, sp_state *s, sp_error *err)
{
	return sp_state_get_keys(s, ((keyed *)ctx)->keys, read_key, ctx, err);
}

static int
put_key(void *ctx, const void *state, sp_state_writer *w, sp_error *err)
{
	(void)ctx;
	return put_selections(&((const ikey *)state)->sel, w, err);
}

static int
put_keys(void *ctx, sp_state_writer *w, sp_error *err)
{
	return sp_state_put_keys(w, ctx, put_key, NULL, err);
}

/* A key's last origin, for --forget (NaN: none yet). */
static double
key_last(void *ctx, const void *state)
{
	double t = sp_bandsel_last(((const ikey *)state)->sel.sel[0]);

	(void)ctx;
	return isfinite(t) ? t : NAN;
}

static void
new_keys(keyed *K)
{
	if (!(K->keys = sp_keyed_new(ikey_new, ikey_free, K)))
		sp_die("out of memory");
}

/* bandselect --by: the input's and the alternatives' bands keyed, one state
 * for every key (--forget leaving out the keys gone quiet). */
static void
main_keyed(const opts *o, band *in, band *alt, sp_csv_writer *w, size_t ndata, int level)
{
	sp_error err;
	keyed K = { .o = o, .in = in, .alt = alt, .w = w, .ndata = ndata, .level = level };

	new_keys(&K);
	for (int i = 0; i < o->nalt; i++)
		if (!(alt[i].keys = sp_keyed_new(akey_new, akey_free, &alt[i])))
			sp_die("out of memory");
	if (o->state && sp_state_resume(o->state, "bandselect", STATE_VERSION, read_keys, &K, &err) < 0) {
		sp_warn("warning: state %s: recomputing from the input", err.msg);
		sp_keyed_free(K.keys);
		new_keys(&K);
	}
	run_keyed(&K);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	if (o->state) {
		sp_state_forget f = o->forget;
		sp_keyed *kept;

		f.last = key_last;
		f.forgot = sp_warn_note;
		sp_die_if(sp_state_forget_keys(K.keys, &f, &kept, &err), &err);
		sp_die_if(sp_state_save(o->state, "bandselect", STATE_VERSION, put_keys, kept ? kept : K.keys, &err),
		    &err);
		sp_keyed_free(kept);
	}
	sp_keyed_free(K.keys);
	free(K.c.buf);
}

/* bandselect without --by: one stream of origins, one state. */
static void
main_one(const opts *o, band *in, band *alt, sp_csv_writer *w, size_t ndata, int level)
{
	sp_error err;
	selections sel = { .n = 0 };
	chosen c = { .buf = NULL };
	double seen;

	new_selections(&sel, o->nalt > 0 ? o->nalt : 1, &o->s);
	if (o->state && sp_state_resume(o->state, "bandselect", STATE_VERSION, read_state, &sel, &err) < 0) {
		sp_warn("warning: state %s: recomputing from the input", err.msg);
		free_selections(&sel);
		new_selections(&sel, o->nalt > 0 ? o->nalt : 1, &o->s);
	}
	seen = sp_bandsel_last(sel.sel[0]);
	while (next(in)) {
		const sp_band_origin *a[MAX_ALT] = { NULL };

		if (in->g.origin <= seen)   /* resumed: seen by the state's run */
			continue;
		for (int i = 0; i < o->nalt; i++)
			a[i] = alt_at(&alt[i], in->g.origin);
		choose(&sel, &c, &in->g, a, alt, NULL);
		write_origin(w, &c, ndata, level);
	}
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	if (o->state)
		sp_die_if(sp_state_save(o->state, "bandselect", STATE_VERSION, put_state, &sel, &err), &err);
	free_selections(&sel);
	free(c.buf);
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	band in = { 0 }, alt[MAX_ALT] = { { 0 } };
	sp_csv_writer *w;
	size_t ndata;
	int level;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.state)   /* before the work: a state it could not write */
		sp_die_if(sp_file_check_writable(o.state, &err), &err);
	open_band(&in, o.input, &o, 1, &level);
	for (int i = 0; i < o.nalt; i++)
		open_band(&alt[i], o.alt[i], &o, 0, NULL);
	ndata = (size_t)(sp_csv_col_index(in.r, "forecast") - 3);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_band_write_header(w, in.r, 3, 3 + (long)ndata, level);

	if (o.by)
		main_keyed(&o, &in, alt, w, ndata, level);
	else
		main_one(&o, &in, alt, w, ndata, level);
	sp_csv_writer_free(w);
	close_band(&in);
	for (int i = 0; i < o.nalt; i++)
		close_band(&alt[i]);
	return 0;
}
