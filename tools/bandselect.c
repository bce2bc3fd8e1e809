/* bandselect: origin by origin, the input's forecast band or an
 * alternative's (--alt), whichever has the lower recent horizon-1 error:
 * the better forecaster by its recent calibration.  Both bands in the long
 * format of arfit --rolling, read by sp_band; the choice is sp_bandsel's. */
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
    "bandselect [-c NAME] [--alt FILE] [--memory DURATION] [--min-errors N] [--state FILE] [FILE]";

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
	const char *alt;        /* --alt FILE */
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
	    "keep the input's).\n"
	    "Causal: an origin's choice reads only the errors realised by that origin.\n\n"
	    "  -c, --column NAME     observed load column [first data column]\n"
	    "      --alt FILE        the alternative band (long format, the same level);\n"
	    "                        without it, the input's band throughout (its errors\n"
	    "                        are still scored into --state)\n"
	    "      --memory DURATION span of the mean (90m, 1d, seconds) [1d]\n"
	    "      --min-errors N    the alternative's errors before it is used [%ld]\n"
	    "      --state FILE      start from the scores FILE holds (skipping the origins\n"
	    "                        it has seen), and leave them there at the end\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n",
	    synopsis, o->s.min_errors);
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
		case OPT_ALT: o->alt = optarg; break;
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

/* The rows of origin g, the band of horizon k from a when a has it. */
static void
write_origin(sp_csv_writer *w, const sp_band_origin *g, const sp_band_origin *a, size_t ndata, int level)
{
	double step = g->target - g->origin;
	int k;

	for (k = 1; k <= g->h; k++) {
		const sp_band_origin *b = a && k <= a->n ? a : g;
		const char *s = g->data;
		size_t i;
		sp_csv_write_time(w, g->origin);
		sp_csv_write_time(w, g->origin + k * step);
		sp_csv_write_long(w, k);
		for (i = 0; i < ndata; i++) {
			sp_csv_write_field(w, s, g->len[i]);
			s += g->len[i];
		}
		sp_csv_write_double(w, b->M[k - 1]);
		sp_csv_write_double(w, b->L[k - 1]);
		sp_csv_write_double(w, b->U[k - 1]);
		if (level)
			sp_csv_write_double(w, g->level);
		sp_csv_end_row(w);
	}
}

static int
read_state(void *ctx, sp_state *s, sp_error *err)
{
	return sp_bandsel_read_state(ctx, s, err);
}

static int
put_state(void *ctx, sp_state_writer *w, sp_error *err)
{
	return sp_bandsel_write_state(ctx, w, err);
}

int
main(int argc, char **argv)
{
	sp_error err;
	opts o;
	band in = { 0 }, alt = { 0 };
	sp_bandsel *sel;
	sp_csv_writer *w;
	double seen = -INFINITY;
	size_t ndata;
	int level;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.state)   /* before the work: a state it could not write */
		sp_die_if(sp_file_check_writable(o.state, &err), &err);
	if (!(sel = sp_bandsel_new(&o.s, &err)))
		sp_die_err(&err);
	if (o.state) {
		int rc = sp_state_resume(o.state, "bandselect", STATE_VERSION, read_state, sel, &err);
		if (rc < 0) {
			sp_warn("warning: state %s: recomputing from the input", err.msg);
			sp_bandsel_free(sel);
			if (!(sel = sp_bandsel_new(&o.s, &err)))
				sp_die_err(&err);
		}
		seen = sp_bandsel_last(sel);
	}
	open_band(&in, o.input, o.column, 1, &level);
	if (o.alt) {
		if (strcmp(o.alt, "-") == 0 && (!o.input || strcmp(o.input, "-") == 0))
			sp_die_usage("--alt -: the input is on standard input already (give it as FILE)");
		open_band(&alt, o.alt, NULL, 0, NULL);
	}
	ndata = sp_band_ndata(in.band);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_band_write_header(w, in.r, 3, 3 + (long)ndata, level);

	while (next(&in)) {
		const sp_band_origin *g = &in.g, *a;
		int use;

		if (g->origin <= seen)   /* resumed: seen by the state's run */
			continue;
		a = alt_at(&alt, g->origin);
		if (a && !(isnan(a->level) && isnan(g->level)) && !(fabs(a->level - g->level) <= 1e-6))
			sp_die("%s: origin %.17g: band level %g, the input's %g: the bands must be of one level",
			    alt.name, g->origin, a->level, g->level);
		use = sp_bandsel_origin(sel, g->origin, g->target, g->load, g->M[0], a ? a->M[0] : NAN);
		write_origin(w, g, use ? a : NULL, ndata, level);
	}
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	if (o.state)
		sp_die_if(sp_state_save(o.state, "bandselect", STATE_VERSION, put_state, sel, &err), &err);

	sp_csv_writer_free(w);
	close_band(&in);
	close_band(&alt);
	sp_bandsel_free(sel);
	return 0;
}
