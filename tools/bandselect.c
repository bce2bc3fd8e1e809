/* bandselect: origin by origin, the input's forecast band or an
 * alternative's (--alt), whichever has the lower recent horizon-1 error:
 * the better forecaster by its recent calibration.  Every band in the long
 * format of arfit --rolling, read by sp_band; the choice is sp_bandsel's,
 * one per --alt, in a row (the first between the input and the first
 * alternative, the next between that choice and the next alternative). */
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
#include "sp_state.h"
#include "sp_time.h"

/* bandselect --state files: "scalepipe-state bandselect 1" */
enum { STATE_VERSION = 1 };

static const char synopsis[] =
    "bandselect [-c NAME] [--alt FILE]... [--memory DURATION] [--min-errors N] [--state FILE] [FILE]";

/* --alt at most this many times */
enum { MAX_ALT = 8 };

enum { OPT_ALT = 256, OPT_MEMORY, OPT_MINERR, OPT_STATE, OPT_VERSION };

static const struct option longopts[] = {
	{ "column", required_argument, 0, 'c' },
	{ "alt", required_argument, 0, OPT_ALT },
	{ "memory", required_argument, 0, OPT_MEMORY },
	{ "min-errors", required_argument, 0, OPT_MINERR },
	{ "state", required_argument, 0, OPT_STATE },
	{ "help", no_argument, 0, 'h' },
	{ "version", no_argument, 0, OPT_VERSION },
	{ 0, 0, 0, 0 }
};

typedef struct {
	sp_bandsel_opts s;
	const char *column;     /* load column */
	const char *alt[MAX_ALT];   /* --alt FILE, in order */
	int nalt;
	const char *state;      /* --state FILE */
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
	    "Causal: an origin's choice reads only the errors realised by that origin.\n\n"
	    "  -c, --column NAME     observed load column [first data column]\n"
	    "      --alt FILE        an alternative band (long format, the same level), up\n"
	    "                        to %d; without one, the input's band throughout (its\n"
	    "                        errors are still scored into --state)\n"
	    "      --memory DURATION span of the mean (90m, 1d, seconds) [1d]\n"
	    "      --min-errors N    the alternative's errors before it is used [%ld]\n"
	    "      --state FILE      start from the scores FILE holds (skipping the origins\n"
	    "                        it has seen), and leave them there at the end\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n",
	    synopsis, MAX_ALT, o->s.min_errors);
	exit(0);
}

static void
parse_options(int argc, char **argv, opts *o)
{
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
		case OPT_STATE: o->state = optarg; break;
		case 'h': usage(o);
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
}

/* One band: its file, reader and the origin last read. */
typedef struct {
	const char *name;
	FILE *fp;
	sp_csv_reader *r;
	sp_band *band;
	sp_band_origin g;
	int have, done;         /* g holds an origin; no origin left */
} band;

/* The band columns; the input's load column (-c) and whether it has a
 * `level` column, the only one the output carries after upper. */
static void
open_band(band *b, const char *arg, const char *column, int is_input, int *has_level)
{
	sp_error err;
	sp_band_opts bo;
	int up, c, n;

	b->fp = sp_cli_open_input(arg, &b->name);
	if (!(b->r = sp_csv_reader_new(b->fp, b->name, 0, &err)))
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
	sp_band_defaults(&bo);
	bo.flags = SP_BAND_STRICT;
	bo.level = SP_BAND_LEVEL_ADOPT;
	bo.load = -1;
	if (is_input) {
		int fcol = sp_csv_col_index(b->r, "forecast");
		if (column) {
			sp_die_if(bo.load = sp_csv_pick_col(b->r, column, &err), &err);
			if (bo.load < 3 || bo.load >= fcol)
				sp_die_usage("-c: '%s' is not a data column (one between horizon and forecast)", column);
		} else if (fcol > 3) {
			bo.load = 3;
		} else {
			sp_die("%s: no data column between horizon and forecast (the observed load)", b->name);
		}
	}
	if (!(b->band = sp_band_new(b->r, &bo, &err)))
		sp_die_err(&err);
}

static void
close_band(band *b)
{
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

/* The rows of origin g (the band chosen). */
static void
write_origin(sp_csv_writer *w, const sp_band_origin *g, size_t ndata, int level)
{
	double step = g->target - g->origin;
	int k;

	for (k = 1; k <= g->h; k++) {
		const char *s = g->data;
		size_t i;
		sp_csv_write_time(w, g->origin);
		sp_csv_write_time(w, g->origin + k * step);
		sp_csv_write_long(w, k);
		for (i = 0; i < ndata; i++) {
			sp_csv_write_field(w, s, g->len[i]);
			s += g->len[i];
		}
		sp_csv_write_double(w, g->M[k - 1]);
		sp_csv_write_double(w, g->L[k - 1]);
		sp_csv_write_double(w, g->U[k - 1]);
		if (level)
			sp_csv_write_double(w, g->level);
		sp_csv_end_row(w);
	}
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
put_state(void *ctx, sp_state_writer *w, sp_error *err)
{
	selections *ss = ctx;
	int rc;

	for (int i = 0; i < ss->n; i++) {
		if (i > 0)
			sp_state_put_long(w, "alt", i + 1);
		if ((rc = sp_bandsel_write_state(ss->sel[i], w, err)) < 0)
			return rc;
	}
	return 0;
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
 * the alternatives chosen; g's M, L, U are buf's. */
typedef struct {
	sp_band_origin g;
	double *buf;
	int cap;
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
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	band in = { 0 }, alt[MAX_ALT] = { { 0 } };
	selections sel = { .n = 0 };
	chosen c = { .buf = NULL };
	sp_csv_writer *w;
	double seen = -INFINITY;
	size_t ndata;
	int level;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.state)   /* before the work: a state it could not write */
		sp_die_if(sp_file_check_writable(o.state, &err), &err);
	for (int i = 0, stdin_used = !o.input || strcmp(o.input, "-") == 0; i < o.nalt; i++) {
		if (strcmp(o.alt[i], "-") == 0 && stdin_used)
			sp_die_usage("--alt -: standard input is read already (give the input as FILE, and - once)");
		stdin_used |= strcmp(o.alt[i], "-") == 0;
	}
	new_selections(&sel, o.nalt > 0 ? o.nalt : 1, &o.s);
	if (o.state) {
		int rc = sp_state_resume(o.state, "bandselect", STATE_VERSION, read_state, &sel, &err);
		if (rc < 0) {
			sp_warn("warning: state %s: recomputing from the input", err.msg);
			free_selections(&sel);
			for (int i = 0, stdin_used = !o.input || strcmp(o.input, "-") == 0; i < o.nalt; i++) {
		if (strcmp(o.alt[i], "-") == 0 && stdin_used)
			sp_die_usage("--alt -: standard input is read already (give the input as FILE, and - once)");
		stdin_used |= strcmp(o.alt[i], "-") == 0;
	}
	new_selections(&sel, o.nalt > 0 ? o.nalt : 1, &o.s);
		}
		seen = sp_bandsel_last(sel.sel[0]);
	}
	open_band(&in, o.input, o.column, 1, &level);
	for (int i = 0; i < o.nalt; i++)
		open_band(&alt[i], o.alt[i], NULL, 0, NULL);
	ndata = sp_band_ndata(in.band);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_band_write_header(w, in.r, 3, 3 + (long)ndata, level);

	while (next(&in)) {
		const sp_band_origin *g = &in.g, *a;

		if (g->origin <= seen)   /* resumed: seen by the state's run */
			continue;
		chosen_start(&c, g);
		for (int i = 0; i < sel.n; i++) {
			a = alt_at(&alt[i], g->origin);
			if (a && !(isnan(a->level) && isnan(g->level)) && !(fabs(a->level - g->level) <= 1e-6))
				sp_die("%s: origin %.17g: band level %g, the input's %g: the bands must be of one level",
				    alt[i].name, g->origin, a->level, g->level);
			if (sp_bandsel_origin(sel.sel[i], g->origin, g->target, g->load, c.g.n > 0 ? c.g.M[0] : NAN,
			        a && a->n > 0 ? a->M[0] : NAN))
				chosen_put(&c, a->n, a->M, a->L, a->U);
		}
		write_origin(w, &c.g, ndata, level);
	}
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	if (o.state)
		sp_die_if(sp_state_save(o.state, "bandselect", STATE_VERSION, put_state, &sel, &err), &err);

	sp_csv_writer_free(w);
	close_band(&in);
	for (int i = 0; i < o.nalt; i++)
		close_band(&alt[i]);
	free_selections(&sel);
	free(c.buf);
	return 0;
}
