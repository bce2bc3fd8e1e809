/* test_band: the long-format reader (origins, horizons, pass-through data,
 * every error with its row and column, when each is reported) and the
 * per-step band/state row reader, on hand-written inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_band.h"
#include "sp_burst.h"

typedef struct {
	FILE *fp;
	sp_csv_reader *r;
	sp_band *b;
} src;

/* A reader of text (NULL b when sp_band_new fails; err then set). */
static int
open_src(src *s, const char *text, const sp_band_opts *o, sp_error *err)
{
	memset(s, 0, sizeof *s);
	s->fp = fmemopen((void *)text, strlen(text), "r");
	if (!s->fp || !(s->r = sp_csv_reader_new(s->fp, "-", 0, err)))
		return -1;
	if (o && !(s->b = sp_band_new(s->r, o, err)))
		return -1;
	return 0;
}

static void
close_src(src *s)
{
	sp_band_free(s->b);
	sp_csv_reader_free(s->r);
	if (s->fp)
		fclose(s->fp);
}

/* Read every origin; the status of the last sp_band_next, the count of
 * origins before it in *n, its message in err. */
static int
read_all(const char *text, const sp_band_opts *o, int *n, sp_error *err)
{
	src s;
	sp_band_origin g;
	int rc;

	*n = 0;
	if (open_src(&s, text, o, err) < 0) {
		close_src(&s);
		return -100;
	}
	while ((rc = sp_band_next(s.b, &g, err)) == SP_OK)
		(*n)++;
	close_src(&s);
	return rc;
}

static void
error_is(const char *name, const char *text, const sp_band_opts *o, int n_ok, const char *msg)
{
	sp_error err;
	int n, rc = read_all(text, o, &n, &err);

	CHECK(rc == SP_EDATA, "%s: status %d, want SP_EDATA", name, rc);
	CHECK(n == n_ok, "%s: %d origins before the error, want %d", name, n, n_ok);
	if (rc < 0)
		CHECK_STR(err.msg, msg, name);
}

static const char good[] =
    "origin,timestamp,horizon,load,note,forecast,lower,upper,extra\n"
    "0,60,1,100,\"a,b\",110,90,130,1\n"
    "0,120,2,100,\"a,b\",120,95,150,5\n"
    "0,180,3,100,\"a,b\",130,100,170,3\n"
    "60,120,1,120,x,150,120,180,2\n"
    "60,180,2,120,x,160,,190,\n"
    "60,240,3,120,x,170,150,200,7\n"
    "120,180,1,,,170,150,190,4\n"
    "120,240,2,,,175,155,195,4\n"
    "120,300,3,,,180,160,200,4\n";

static void
test_good(void)
{
	sp_error err;
	sp_band_opts o;
	sp_band_origin g;
	src s;
	int rc;

	sp_band_defaults(&o);
	CHECK(o.flags == 0 && o.load == -1 && o.extra == -1 && o.horizons == 0, "defaults");
	o.load = 3;
	o.extra = 8;
	CHECK(open_src(&s, good, &o, &err) == 0, "open: %s", err.msg);
	CHECK(sp_band_is_long(s.r), "is long");
	CHECK(sp_band_ndata(s.b) == 2, "two data columns (load, note)");
	CHECK(sp_band_horizons(s.b) == 0, "horizons unknown before the first origin");
	rc = sp_band_next(s.b, &g, &err);
	CHECK(rc == SP_OK, "origin 0");
	CHECK(g.origin == 0 && g.target == 60 && g.h == 3 && g.n == 3, "origin 0 keys");
	CHECK(g.L[0] == 90 && g.M[0] == 110 && g.U[0] == 130 && g.L[2] == 100 && g.M[2] == 130 && g.U[2] == 170,
	    "origin 0 band");
	CHECK(g.X && g.X[0] == 1 && g.X[1] == 5 && g.X[2] == 3, "origin 0 extra column");
	CHECK(g.load == 100, "origin 0 load");
	CHECK(g.ndata == 2 && g.len[0] == 3 && g.len[1] == 3 && memcmp(g.data, "100a,b", 6) == 0,
	    "origin 0 data: the fields unquoted, back to back");
	CHECK(sp_band_horizons(s.b) == 3, "horizons of the first origin");
	rc = sp_band_next(s.b, &g, &err);
	CHECK(rc == SP_OK && g.origin == 60 && g.target == 120 && g.load == 120, "origin 60");
	CHECK(isnan(g.L[1]) && g.M[1] == 160 && isnan(g.X[1]), "missing values are NaN outside strict mode");
	CHECK(g.len[0] == 3 && g.len[1] == 1 && memcmp(g.data, "120x", 4) == 0, "origin 60 data");
	rc = sp_band_next(s.b, &g, &err);
	CHECK(rc == SP_OK && g.origin == 120 && isnan(g.load) && g.len[0] == 0 && g.len[1] == 0,
	    "origin 120: missing load, empty data");
	CHECK(g.M[2] == 180, "the last origin's last horizon");
	CHECK(sp_band_next(s.b, &g, &err) == SP_EEOF, "end");
	CHECK(sp_band_next(s.b, &g, &err) == SP_EEOF, "end stays end");
	close_src(&s);

	/* horizons 2: only horizons 1..2 read; a non-number beyond is not read */
	sp_band_defaults(&o);
	o.horizons = 2;
	{
		static const char t[] = "origin,timestamp,horizon,forecast,lower,upper\n"
		    "0,60,1,1,0,2\n0,120,2,3,2,4\n0,180,3,zz,0,9\n";
		CHECK(open_src(&s, t, &o, &err) == 0, "open horizons 2");
		rc = sp_band_next(s.b, &g, &err);
		CHECK(rc == SP_OK && g.h == 3 && g.n == 2 && g.M[1] == 3 && !g.X && isnan(g.load) && g.ndata == 0,
		    "horizons 2 of 3");
		close_src(&s);
	}
	/* an empty input has no origin */
	{
		int n;
		CHECK(read_all("origin,timestamp,horizon,forecast\n", &o, &n, &err) == SP_EEOF && n == 0, "empty");
	}
}

static void
test_errors(void)
{
	sp_error err;
	sp_band_opts o, strict, contig;
	src s;
	char *big;
	size_t i, off;

	sp_band_defaults(&o);
	strict = o;
	strict.flags = SP_BAND_STRICT;
	strict.load = 3;
	contig = o;
	contig.flags = SP_BAND_CONTIGUOUS;

	/* columns */
	CHECK(open_src(&s, "timestamp,origin,horizon,forecast\n", &o, &err) < 0 && err.code == SP_EDATA, "not long");
	CHECK_STR(err.msg, "not the long format: the first columns must be origin,timestamp,horizon", "not long");
	close_src(&s);
	CHECK(open_src(&s, "origin,timestamp,horizon,load\n", &o, &err) < 0, "no forecast");
	CHECK_STR(err.msg, "forecast columns missing: no column 'forecast'", "no forecast");
	close_src(&s);
	CHECK(open_src(&s, "origin,timestamp,horizon,load,forecast,upper\n", &strict, &err) < 0, "strict: no lower");
	CHECK_STR(err.msg, "forecast columns missing: no column 'lower'", "strict: no lower");
	close_src(&s);
	o.horizons = -1;
	CHECK(open_src(&s, "origin,timestamp,horizon,forecast\n", &o, &err) < 0 && err.code == SP_EUSAGE, "bad horizons");
	close_src(&s);
	o.horizons = 0;

	error_is("origin not a timestamp", "origin,timestamp,horizon,forecast\n0,60,1,1\nx,120,1,1\n", &o, 0,
	    "row 2, column origin: not a timestamp: 'x'");
	error_is("target not a timestamp", "origin,timestamp,horizon,forecast\n0,noon,1,1\n", &o, 0,
	    "row 1, column timestamp: not a timestamp: 'noon'");
	error_is("horizon missing", "origin,timestamp,horizon,forecast\n0,60,,1\n", &o, 0,
	    "row 1, column horizon: missing value");
	error_is("first origin at horizon 2", "origin,timestamp,horizon,forecast\n0,120,2,1\n", &o, 0,
	    "row 1, column horizon: horizon gap: a new origin starts at horizon 2, not 1");
	error_is("origins out of order", "origin,timestamp,horizon,forecast\n60,120,1,1\n0,60,1,1\n", &o, 0,
	    "row 2, column origin: origins out of order");
	error_is("the same origin again", "origin,timestamp,horizon,forecast\n0,60,1,1\n0,120,2,1\n60,120,1,1\n0,60,1,1\n",
	    &o, 1, "row 4, column origin: origins out of order");
	error_is("new origin at horizon 2", "origin,timestamp,horizon,forecast\n0,60,1,1\n0,120,2,1\n60,180,2,1\n",
	    &o, 0, "row 3, column horizon: horizon gap: a new origin starts at horizon 2, not 1");
	error_is("gap inside an origin", "origin,timestamp,horizon,forecast\n0,60,1,1\n0,180,3,1\n", &o, 0,
	    "row 2, column horizon: horizon gap: 3 after 1");
	error_is("a non-number", "origin,timestamp,horizon,forecast\n0,60,1,abc\n", &o, 0,
	    "row 1, column forecast: not a finite number: 'abc'");

	/* contiguous: the next origin is the previous origin's first target */
	error_is("gap in origins", "origin,timestamp,horizon,forecast\n0,60,1,1\n120,180,1,1\n", &contig, 0,
	    "row 2, column origin: gap in origins: expected origin 60");
	{
		int n;
		CHECK(read_all("origin,timestamp,horizon,forecast\n0,60,1,1\n120,180,1,1\n", &o, &n, &err) == SP_EEOF &&
		    n == 2, "a gap without SP_BAND_CONTIGUOUS");
	}

	/* strict */
	error_is("strict: more horizons than the first origin",
	    "origin,timestamp,horizon,load,forecast,lower,upper\n0,60,1,5,1,0,2\n60,120,1,5,1,0,2\n60,180,2,5,1,0,2\n",
	    &strict, 1, "row 3, column horizon: horizon gap: 2 horizons, the first origin had 1");
	error_is("strict: fewer horizons, at the next origin",
	    "origin,timestamp,horizon,load,forecast,lower,upper\n0,60,1,5,1,0,2\n0,120,2,5,1,0,2\n"
	    "60,120,1,5,1,0,2\n120,180,1,5,1,0,2\n",
	    &strict, 1, "row 4, column horizon: horizon gap: origin 60 has horizons 1..1, the first had 1..2");
	error_is("strict: fewer horizons, at the end",
	    "origin,timestamp,horizon,load,forecast,lower,upper\n0,60,1,5,1,0,2\n0,120,2,5,1,0,2\n60,120,1,5,1,0,2\n",
	    &strict, 1, "row 3, column horizon: horizon gap: origin 60 has horizons 1..1, the first had 1..2");
	error_is("strict: missing load at an origin",
	    "origin,timestamp,horizon,load,forecast,lower,upper\n0,60,1,5,1,0,2\n60,120,1,,1,0,2\n",
	    &strict, 1, "row 2, column load: missing load at an origin");
	error_is("strict: lower above upper",
	    "origin,timestamp,horizon,load,forecast,lower,upper\n0,60,1,5,1,3,2\n",
	    &strict, 0, "row 1, column lower: lower 3 above upper 2");
	error_is("strict: a missing band value",
	    "origin,timestamp,horizon,load,forecast,lower,upper\n0,60,1,5,1,0,\n",
	    &strict, 0, "row 1, column upper: missing value");

	/* more than 10000 horizons */
	big = malloc(10002 * 40 + 64);
	off = (size_t)sprintf(big, "origin,timestamp,horizon,forecast\n");
	for (i = 1; i <= 10001; i++)
		off += (size_t)sprintf(big + off, "0,%zu,%zu,1\n", 60 * i, i);
	error_is("more than 10000 horizons", big, &o, 0, "row 10001, column horizon: more than 10000 horizons");
	o.horizons = 5;
	{
		int n;
		CHECK(read_all(big, &o, &n, &err) == SP_EEOF && n == 1, "10001 horizons, 5 read");
	}
	free(big);
}

/* The next origin's values are read after the previous origin is returned. */
static void
test_timing(void)
{
	sp_error err;
	sp_band_opts o;
	sp_band_origin g;
	src s;
	static const char t[] = "origin,timestamp,horizon,load,forecast,lower,upper\n"
	    "0,60,1,5,1,0,2\n60,120,1,,1,0,2\n";

	sp_band_defaults(&o);
	o.flags = SP_BAND_STRICT;
	o.load = 3;
	CHECK(open_src(&s, t, &o, &err) == 0, "open");
	CHECK(sp_band_next(s.b, &g, &err) == SP_OK && g.origin == 0 && g.load == 5, "origin 0 first");
	CHECK(sp_band_next(s.b, &g, &err) == SP_EDATA, "then origin 60's missing load");
	close_src(&s);
}

static void
test_rows(void)
{
	sp_error err;
	sp_band_cols c;
	sp_band_row row;
	src s;
	static const char t[] = "timestamp,load,forecast,lower,upper,state,demand,origin\n"
	    "0,1,10,8,12,burst,11,-60\n"
	    "60,1,,,,normal,,\n"
	    "120,1,x,8,12,,11,0\n";

	CHECK(open_src(&s, t, NULL, &err) == 0, "open");
	sp_band_cols_none(&c);
	CHECK(c.demand == -1 && c.forecast == -1 && c.state == -1 && c.origin == -1, "none");
	CHECK(sp_band_cols_find(s.r, NULL, &c, &err) == 0, "find");
	CHECK(c.demand == 6 && c.forecast == 2 && c.lower == 3 && c.upper == 4 && c.state == 5 && c.origin == 7,
	    "columns by name: demand before forecast");
	CHECK(sp_band_cols_find(s.r, "upper", &c, &err) == 0 && c.demand == 4, "demand named");
	CHECK(sp_band_cols_find(s.r, "nope", &c, &err) < 0, "demand named but absent");
	CHECK(strstr(err.msg, "no column 'nope'") != NULL, "its message: %s", err.msg);
	CHECK(sp_band_cols_find(s.r, NULL, &c, &err) == 0, "find again");
	CHECK(sp_csv_next(s.r, &err) == SP_OK && sp_band_row_read(s.r, &c, &row, &err) == 0, "row 1");
	CHECK(row.demand == 11 && row.forecast == 10 && row.lower == 8 && row.upper == 12 && row.origin == -60,
	    "row 1 values");
	CHECK(row.state == SP_BURST_BURST && row.state_len == 5 && memcmp(row.state_text, "burst", 5) == 0, "row 1 state");
	CHECK(sp_csv_next(s.r, &err) == SP_OK && sp_band_row_read(s.r, &c, &row, &err) == 0, "row 2");
	CHECK(isnan(row.demand) && isnan(row.forecast) && isnan(row.origin) && row.state == SP_BURST_NORMAL,
	    "row 2: missing values NaN");
	CHECK(sp_csv_next(s.r, &err) == SP_OK && sp_band_row_read(s.r, &c, &row, &err) == SP_EDATA, "row 3");
	CHECK_STR(err.msg, "row 3, column forecast: not a finite number: 'x'", "row 3 message");
	c.forecast = -1;
	c.state = -1;
	CHECK(sp_band_row_read(s.r, &c, &row, &err) == 0 && isnan(row.forecast) && row.state == -1 &&
	    row.state_len == 0, "columns left out are not read");
	close_src(&s);

	/* no demand column: forecast stands in */
	CHECK(open_src(&s, "timestamp,load,forecast\n", NULL, &err) == 0, "open 2");
	CHECK(sp_band_cols_find(s.r, NULL, &c, &err) == 0 && c.demand == 2 && c.lower == -1, "forecast as demand");
	close_src(&s);
}

/* The band's level column: checked at every origin when the reader is given
 * a level; an empty level passes; no check without one. */
static void
test_level(void)
{
	static const char text[] =
	    "origin,timestamp,horizon,load,forecast,lower,upper,level\n"
	    "0,60,1,10,10,9,11,0.98\n"
	    "60,120,1,11,10,9,11,\n"
	    "120,180,1,12,10,9,11,0.8\n";
	sp_band_opts o;
	sp_band_origin g;
	sp_error err;
	src s;
	int n = 0, rc;

	sp_band_defaults(&o);
	CHECK(o.level == 0, "no check by default");
	o.load = 3;
	o.level = 0.98;
	CHECK(open_src(&s, text, &o, &err) == 0, "open");
	while ((rc = sp_band_next(s.b, &g, &err)) == SP_OK)
		n++;
	CHECK(rc == SP_EDATA && n == 2, "the third origin: rc %d after %d", rc, n);
	CHECK(strstr(err.msg, "row 3, column level: band level 0.8, read as level 0.98") != NULL, "message: %s",
	    err.msg);
	close_src(&s);
	o.level = 0;
	open_src(&s, text, &o, &err);
	for (n = 0; (rc = sp_band_next(s.b, &g, &err)) == SP_OK; n++)
		;
	CHECK(rc == SP_EEOF && n == 3, "no check: %d origins", n);
	close_src(&s);
}

/* The push reader: two streams interleaved row by row (the key in column
 * key), each fed to its own reader, give the origins of the pull reader
 * on that stream alone; sp_band_finish gives the last one once. */
static const char mixed[] =
    "origin,timestamp,horizon,key,load,forecast,lower,upper\n"
    "0,60,1,a,10,11,9,13\n"
    "0,60,1,b,20,21,19,23\n"
    "0,120,2,a,10,12,8,14\n"
    "0,120,2,b,20,22,18,24\n"
    "60,120,1,a,15,16,14,18\n"
    "60,180,2,a,15,17,13,19\n"
    "60,120,1,b,25,26,24,28\n"
    "60,180,2,b,25,27,23,29\n"
    "120,180,1,a,,18,16,20\n"
    "120,240,2,a,,19,15,21\n";

static void
test_push(void)
{
	sp_error err;
	sp_band_opts o;
	sp_band_origin g;
	sp_band *kb[2];
	src s;
	double want[2][3] = { { 0, 60, 120 }, { 0, 60, NAN } }, loads[2][3] = { { 10, 15, NAN }, { 20, 25, NAN } };
	int n[2] = { 0, 0 }, rc, k, ok = 1;

	sp_band_defaults(&o);
	o.load = 4;
	CHECK(open_src(&s, mixed, &o, &err) == 0, "push: open");
	kb[0] = s.b;
	CHECK((kb[1] = sp_band_new(s.r, &o, &err)) != NULL, "push: a second reader on the one input");
	CHECK(sp_band_finish(kb[1], &g, &err) == 0, "push: finish before any row: none");
	while ((rc = sp_csv_next(s.r, &err)) == SP_OK) {
		size_t len;
		k = *sp_csv_field(s.r, 3, &len) == 'b';
		while ((rc = sp_band_push(kb[k], &g, &err)) == 1) {
			ok = ok && n[k] < 3 && g.origin == want[k][n[k]] && g.h == 2 && g.M[0] == g.load + 1 &&
			    g.load == loads[k][n[k]] && g.ndata == 2 && g.data[0] == "ab"[k];
			n[k]++;
		}
		CHECK(rc == 0, "push: row taken (%s)", rc < 0 ? err.msg : "");
	}
	CHECK(rc == SP_EEOF, "push: input read");
	CHECK(ok && n[0] == 2 && n[1] == 1, "push: complete origins as the next starts (%d, %d)", n[0], n[1]);
	for (k = 0; k < 2; k++) {
		rc = sp_band_finish(kb[k], &g, &err);
		CHECK(rc == 1 && g.origin == want[k][n[k]] && g.M[1] == (k ? 27 : 19) && sp_band_horizons(kb[k]) == 2,
		    "push: stream %d's last origin at the end", k);
		CHECK(sp_band_finish(kb[k], &g, &err) == 0, "push: finished once");
	}
	sp_band_free(kb[1]);
	close_src(&s);

	/* errors name the current row, as the pull reader's */
	CHECK(open_src(&s, mixed, &o, &err) == 0, "push: open again");
	for (k = 0; k < 6 && sp_csv_next(s.r, &err) == SP_OK; k++)
		if (k != 1 && k != 3)
			while ((rc = sp_band_push(s.b, &g, &err)) == 1)
				;
	CHECK(sp_csv_next(s.r, &err) == SP_OK, "push: row 7");
	rc = sp_band_push(s.b, &g, &err);   /* b's row fed to a: horizon 1 after a's 2 */
	CHECK(rc == SP_EDATA, "push: a wrong row is an error");
	if (rc < 0)
		CHECK_STR(err.msg, "row 7, column horizon: horizon gap: 1 after 2", "push: gap message");
	close_src(&s);
}

int
main(void)
{
	test_good();
	test_errors();
	test_timing();
	test_rows();
	test_level();
	test_push();
	return check_summary();
}
