/* Unit tests of the core modules: sp_num, sp_time, sp_csv, sp_model,
 * sp_stats, sp_rand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sp_csv.h"
#include "sp_model.h"
#include "sp_num.h"
#include "sp_rand.h"
#include "sp_stats.h"
#include "sp_time.h"

static void
test_num(void)
{
	static const char *ok[] = { "0", "1", "-1", "+2.5", "0.1", "123.456", "1e3", "1.5E-7",
		"3.14159265358979", "12345678901234567890", "0.30000000000000004", ".5", "5.",
		"1e300", "4.9e-324", "2.2250738585072014e-308", "9007199254740993",
		"1.7976931348623157e308", "-0.0", "00012", "1e22", "1e23", "123456789012345678e-5" };
	static const char *bad[] = { "abc", "1,5", "1.2.3", "--1", "1e", "e5", ".", "-",
		"inf", "-inf", "Infinity", "0x10", " 1", "1 ", "1e400", "nan(12)" };
	double v, w;
	size_t i;
	long l;
	char buf[64];
	sp_rand *r = sp_rand_new(7);

	for (i = 0; i < sizeof ok / sizeof *ok; i++) {
		int rc = sp_num_parse_field(ok[i], strlen(ok[i]), &v);
		w = strtod(ok[i], NULL);
		CHECK(rc == 0 && memcmp(&v, &w, sizeof v) == 0, "parse_field('%s') = %d %.17g, strtod %.17g",
		    ok[i], rc, v, w);
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(sp_num_parse_field(bad[i], strlen(bad[i]), &v) == -1, "parse_field('%s') rejected", bad[i]);
	CHECK(sp_num_parse_field("", 0, &v) == 1 && isnan(v), "empty is missing");
	CHECK(sp_num_parse_field("NaN", 3, &v) == 1, "NaN is missing");
	CHECK(sp_num_parse_field("NA", 2, &v) == 1, "NA is missing");
	CHECK(sp_num_parse_field("N/A", 3, &v) == 1, "N/A is missing");
	/* the fast path is bit-identical to strtod on random short decimals
	 * (under valgrind a tenth of the draws: the paths are the same, and
	 * the plain and sanitizer runs check them all) */
	const size_t ndraw = getenv("SP_VALGRIND") ? 20000 : 200000;
	for (i = 0; i < ndraw; i++) {
		int n;
		double x = (sp_rand_uniform(r) - 0.3) * pow(10, (double)(sp_rand_index(r, 12)) - 4);
		n = snprintf(buf, sizeof buf, "%.*f", (int)sp_rand_index(r, 8), x);
		sp_num_parse_field(buf, (size_t)n, &v);
		w = strtod(buf, NULL);
		if (memcmp(&v, &w, sizeof v) != 0 && !(v == 0 && w == 0)) {
			CHECK(0, "fast path '%s': %.17g vs strtod %.17g", buf, v, w);
			break;
		}
		n = snprintf(buf, sizeof buf, "%.17g", x);
		sp_num_parse_field(buf, (size_t)n, &v);
		w = strtod(buf, NULL);
		if (memcmp(&v, &w, sizeof v) != 0) {
			CHECK(0, "slow path '%s': %.17g vs strtod %.17g", buf, v, w);
			break;
		}
	}
	CHECK(i == ndraw, "%zu random decimals parse exactly as strtod", ndraw);
	CHECK(sp_num_parse_double("2.5", &v) == 0 && v == 2.5, "parse_double");
	CHECK(sp_num_parse_double("2.5x", &v) == -1, "parse_double trailing junk");
	CHECK(sp_num_parse_double("nan", &v) == -1, "parse_double nan");
	CHECK(sp_num_parse_long("42", &l) == 0 && l == 42, "parse_long");
	CHECK(sp_num_parse_long("4.2", &l) == -1, "parse_long decimal");
	CHECK(sp_num_parse_long("99999999999999999999", &l) == -1, "parse_long overflow");
	sp_num_format(buf, sizeof buf, 3.0, 10);
	CHECK_STR(buf, "3", "format integral");
	sp_num_format(buf, sizeof buf, -0.0, 10);
	CHECK_STR(buf, "0", "format -0");
	sp_num_format(buf, sizeof buf, 1.0 / 3, 10);
	CHECK_STR(buf, "0.3333333333", "format 1/3");
	sp_num_format(buf, sizeof buf, NAN, 10);
	CHECK_STR(buf, "", "format NaN");
	/* the printf-free path writes exactly what %.*g writes */
	{
		static const int precs[] = { 1, 3, 6, 10, 12, 15, 17 };
		char want[64];
		size_t pi;
		int mism = 0;
		for (pi = 0; pi < sizeof precs / sizeof *precs && !mism; pi++)
			for (i = 0; i < (getenv("SP_VALGRIND") ? 30000 : 300000) && !mism; i++) {
				double x = (sp_rand_uniform(r) - 0.2) * pow(10, (double)sp_rand_index(r, 24) - 8);
				if (i % 7 == 0)   /* short decimals and near-ties, e.g. 0.125, 2.5e-3 */
					x = floor(x * 1000) / 1000 + (i % 2 ? 0.0005 : 0);
				if (x == floor(x))
					continue;
				sp_num_format(buf, sizeof buf, x, precs[pi]);
				snprintf(want, sizeof want, "%.*g", precs[pi], x);
				if (strcmp(buf, want) != 0) {
					CHECK(0, "format %.17g at %d: '%s', printf '%s'", x, precs[pi], buf, want);
					mism = 1;
				}
			}
		CHECK(!mism, "%s random values format as printf's %%.*g", getenv("SP_VALGRIND") ? "210,000" : "2.1 M");
	}
	sp_num_format(buf, sizeof buf, 123456789012.0, 10);
	CHECK_STR(buf, "123456789012", "format big integer exactly");
	sp_rand_free(r);
}

static void
test_time(void)
{
	double t;
	char buf[64];
	sp_tm tm;

	CHECK(sp_time_parse("1700000000", 10, &t) == 0 && t == 1700000000, "unix int");
	CHECK(sp_time_parse("1700000000.25", 13, &t) == 0 && t == 1700000000.25, "unix decimal");
	CHECK(sp_time_parse("1970-01-01T00:00:00Z", 20, &t) == 0 && t == 0, "epoch rfc3339");
	CHECK(sp_time_parse("2024-02-29T12:30:15Z", 20, &t) == 0 && t == 1709209815, "leap day %.0f", t);
	CHECK(sp_time_parse("2024-02-29 12:30:15+02:00", 25, &t) == 0 && t == 1709209815 - 7200,
	    "offset +02:00");
	CHECK(sp_time_parse("2024-02-29T12:30:15.5-01:30", 27, &t) == 0 && t == 1709209815.5 + 5400,
	    "fraction and negative offset");
	CHECK(sp_time_parse("1995-07-01T04:00:00", 19, &t) == 0 && t == 804571200, "no zone = UTC");
	CHECK(sp_time_parse("2023-02-29T00:00:00Z", 20, &t) == -1, "2023-02-29 rejected");
	CHECK(sp_time_parse("2024-13-01T00:00:00Z", 20, &t) == -1, "month 13 rejected");
	CHECK(sp_time_parse("2024-01-01T00:00:00Q", 20, &t) == -1, "bad zone rejected");
	CHECK(sp_time_parse("yesterday", 9, &t) == -1, "word rejected");
	CHECK(sp_time_parse("", 0, &t) == -1, "empty rejected");
	sp_time_format(buf, sizeof buf, 1700000000);
	CHECK_STR(buf, "1700000000", "format int");
	sp_time_format(buf, sizeof buf, 1700000000.5);
	CHECK_STR(buf, "1700000000.5", "format decimal");
	/* found by fuzzing: huge non-integral times must not overflow the buffer */
	CHECK(sp_time_format(buf, sizeof buf, 1.5e300) < (int)sizeof buf, "huge time formats in bounds");
	CHECK(sp_time_format(buf, 40, 123456789012345.5) < 40, "15-digit time fits 40 bytes");
	sp_time_breakdown(1709209815, &tm);
	CHECK(tm.year == 2024 && tm.month == 2 && tm.mday == 29 && tm.hour == 12 && tm.min == 30 &&
	    tm.wday == 3 && tm.yday == 60, "breakdown 2024-02-29 (Thu) %ld-%d-%d wd %d yd %d",
	    tm.year, tm.month, tm.mday, tm.wday, tm.yday);
}

static FILE *
mem(const char *s)
{
	FILE *f = tmpfile();
	fputs(s, f);
	rewind(f);
	return f;
}

static FILE *
memn(const char *s, size_t n)
{
	FILE *f = tmpfile();
	fwrite(s, 1, n, f);
	rewind(f);
	return f;
}

/* Hostile input: NUL bytes, huge fields, wide headers (both paths). */
static void
test_csv_limits(void)
{
	static const char nul[] = "timestamp,load\n1,5\n2,5\0\n3,4\n";
	static const char qnul[] = "timestamp,load\n1,\"5\"\n2,\"5\0\"\n3,4\n";
	const char *const ins[] = { nul, qnul };
	const size_t lens[] = { sizeof nul - 1, sizeof qnul - 1 };
	sp_error err;
	sp_csv_reader *r;
	FILE *f;
	char *big;
	size_t i, n, k;
	int rc, flags;

	for (k = 0; k < 2; k++)
		for (flags = 0; flags <= SP_CSV_LIBCSV_ONLY; flags += SP_CSV_LIBCSV_ONLY) {
			f = memn(ins[k], lens[k]);
			r = sp_csv_reader_new(f, "-", flags, &err);
			CHECK(r && sp_csv_next(r, &err) == SP_OK, "NUL: the row before is read");
			rc = r ? sp_csv_next(r, &err) : 0;
			CHECK(rc == SP_EDATA && strcmp(err.msg, "row 2: malformed CSV: NUL byte in the input") == 0,
			    "NUL (input %zu, flags %d): %d %s", k, flags, rc, err.msg);
			sp_csv_reader_free(r);
			fclose(f);
		}
	/* a 2 MiB quoted field: an error, with bounded memory */
	n = 2u << 20;
	big = malloc(n + 64);
	strcpy(big, "timestamp,load\n1,\"");
	i = strlen(big);
	memset(big + i, '7', n);
	strcpy(big + i + n, "\"\n");
	f = memn(big, strlen(big));
	r = sp_csv_reader_new(f, "-", 0, &err);
	CHECK(r != NULL, "big: header");
	rc = r ? sp_csv_next(r, &err) : 0;
	CHECK(rc == SP_EDATA && strstr(err.msg, "row 1: malformed CSV: a field over 1 MiB") != NULL,
	    "big field: %d %s", rc, err.msg);
	sp_csv_reader_free(r);
	fclose(f);
	/* 1 MiB exactly is fine */
	big[i + (1u << 20)] = '"';
	strcpy(big + i + (1u << 20) + 1, "\n");
	f = memn(big, strlen(big));
	r = sp_csv_reader_new(f, "-", 0, &err);
	CHECK(r && sp_csv_next(r, &err) == SP_OK && (sp_csv_field(r, 1, &n), n == 1u << 20), "1 MiB field");
	sp_csv_reader_free(r);
	fclose(f);
	free(big);
	/* a duplicate among 40,000 names, found by the hash */
	n = 40002 * 8 + 64;
	big = malloc(n);
	k = (size_t)sprintf(big, "timestamp");
	for (i = 0; i < 40000; i++)
		k += (size_t)sprintf(big + k, ",c%zu", i);
	sprintf(big + k, ",c39999\n");
	f = mem(big);
	r = sp_csv_reader_new(f, "-", 0, &err);
	CHECK(r == NULL && strcmp(err.msg, "header: duplicate column 'c39999'") == 0, "duplicate: %s", err.msg);
	fclose(f);
	big[k] = '\n';
	big[k + 1] = '\0';
	f = mem(big);
	r = sp_csv_reader_new(f, "-", 0, &err);
	CHECK(r != NULL && sp_csv_ncols(r) == 40001, "40,001 distinct names");
	sp_csv_reader_free(r);
	fclose(f);
	free(big);
}

static void
test_csv(void)
{
	sp_error err;
	sp_csv_reader *r;
	FILE *f, *o;
	double v, t;
	size_t n;
	char out[512];
	int rc, i;

	f = mem("timestamp,\"a,b\",c\n1,\"x \"\"q\"\"\",2.5\n2,\"multi\nline\",\n3,plain,NaN\n");
	r = sp_csv_reader_new(f, "-", SP_CSV_NEED_TIMESTAMP, &err);
	CHECK(r != NULL, "reader: %s", r ? "" : err.msg);
	if (r) {
		CHECK(sp_csv_ncols(r) == 3, "ncols");
		CHECK_STR(sp_csv_colname(r, 1), "a,b", "quoted header");
		CHECK(sp_csv_pick_col(r, NULL, &err) == 1, "default column");
		CHECK(sp_csv_pick_col(r, "zz", &err) < 0 && strstr(err.msg, "no column 'zz' (have: timestamp, a,b, c)"),
		    "unknown column message: %s", err.msg);
		o = tmpfile();
		{
			sp_csv_writer *w = sp_csv_writer_new(o);
			sp_csv_write_header_fields(w, r, 0, -1);
			sp_csv_end_row(w);
			while ((rc = sp_csv_next(r, &err)) == SP_OK) {
				CHECK(sp_csv_get_timestamp(r, &t, &err) == 0, "ts");
				sp_csv_write_row_fields(w, r, 0, -1);
				sp_csv_write_double(w, t * 2);
				sp_csv_end_row(w);
			}
			CHECK(rc == SP_EEOF, "eof");
			CHECK(sp_csv_writer_flush(w, &err) == 0, "flush");
			sp_csv_writer_free(w);
		}
		rewind(o);
		n = fread(out, 1, sizeof out - 1, o);
		out[n] = '\0';
		CHECK_STR(out, "timestamp,\"a,b\",c\n1,\"x \"\"q\"\"\",2.5,2\n2,\"multi\nline\",,4\n3,plain,NaN,6\n",
		    "round trip with quoting");
		fclose(o);
		sp_csv_reader_free(r);
	}
	fclose(f);

	/* errors name the row and the column */
	f = mem("timestamp,load\n1,5\n2,abc\n");
	r = sp_csv_reader_new(f, "-", SP_CSV_NEED_TIMESTAMP, &err);
	sp_csv_next(r, &err);
	CHECK(sp_csv_get_double(r, 1, &v, &err) == 0 && v == 5, "row 1 value");
	sp_csv_next(r, &err);
	CHECK(sp_csv_get_double(r, 1, &v, &err) < 0, "row 2 bad");
	CHECK_STR(err.msg, "row 2, column load: not a finite number: 'abc'", "bad number message");
	sp_csv_reader_free(r);
	fclose(f);

	f = mem("timestamp,load\n5,1\n5,2\n");
	r = sp_csv_reader_new(f, "in.csv", SP_CSV_NEED_TIMESTAMP, &err);
	sp_csv_next(r, &err);
	sp_csv_get_timestamp(r, &t, &err);
	sp_csv_next(r, &err);
	CHECK(sp_csv_get_timestamp(r, &t, &err) < 0, "duplicate time");
	CHECK_STR(err.msg, "in.csv: row 2, column timestamp: duplicate timestamp 5", "dup message");
	sp_csv_reader_free(r);
	fclose(f);

	f = mem("timestamp,load\n1,2,3\n");
	r = sp_csv_reader_new(f, "-", 0, &err);
	CHECK(sp_csv_next(r, &err) < 0 && strcmp(err.msg, "row 1: 3 fields, but the header has 2") == 0,
	    "field count: %s", err.msg);
	sp_csv_reader_free(r);
	fclose(f);

	f = mem("timestamp,load\n1,\"unterminated\n");
	r = sp_csv_reader_new(f, "-", 0, &err);
	CHECK(sp_csv_next(r, &err) < 0 && strstr(err.msg, "row 1: malformed CSV"), "bad quote: %s", err.msg);
	sp_csv_reader_free(r);
	fclose(f);

	f = mem("");
	CHECK(sp_csv_reader_new(f, "-", 0, &err) == NULL && strstr(err.msg, "empty input"), "empty input");
	fclose(f);
	f = mem("value,timestamp\n");
	CHECK(sp_csv_reader_new(f, "-", SP_CSV_NEED_TIMESTAMP, &err) == NULL &&
	    strstr(err.msg, "first column must be 'timestamp'"), "needs timestamp");
	fclose(f);
	f = mem("timestamp,a,a\n");
	CHECK(sp_csv_reader_new(f, "-", 0, &err) == NULL && strstr(err.msg, "duplicate column 'a'"), "dup col");
	fclose(f);

	/* long input crosses chunk boundaries, including inside quoted fields */
	f = tmpfile();
	fputs("timestamp,v,s\n", f);
	for (i = 1; i <= 30000; i++)
		fprintf(f, "%d,%d.25,\"q,%d\"\n", i, i, i);
	rewind(f);
	r = sp_csv_reader_new(f, "-", SP_CSV_NEED_TIMESTAMP, &err);
	for (i = 1; (rc = sp_csv_next(r, &err)) == SP_OK; i++) {
		const char *s;
		char want[32];
		sp_csv_get_timestamp(r, &t, &err);
		sp_csv_get_double(r, 1, &v, &err);
		s = sp_csv_field(r, 2, &n);
		snprintf(want, sizeof want, "q,%d", i);
		if (t != i || v != i + 0.25 || strcmp(s, want) != 0)
			break;
	}
	CHECK(rc == SP_EEOF && i == 30001, "30000 rows across chunks (stopped at %d: %s)", i, err.msg);
	sp_csv_reader_free(r);
	fclose(f);
}

/* Every record of s as "f1|f2|...\n", read with or without the fast path. */
static char *
dump(const char *s, int flags)
{
	sp_error err;
	FILE *f = mem(s);
	sp_csv_reader *r = sp_csv_reader_new(f, "-", flags, &err);
	size_t cap = strlen(s) * 2 + 64, len = 0, i, n;
	char *out = malloc(cap);
	int rc;

	if (!r) {
		snprintf(out, cap, "ERR %s", err.msg);
		fclose(f);
		return out;
	}
	out[0] = 0;
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		for (i = 0; i < sp_csv_ncols(r); i++) {
			const char *x = sp_csv_field(r, i, &n);
			if (len + n + 4 >= cap)
				out = realloc(out, cap *= 2);
			memcpy(out + len, x, n);
			len += n;
			out[len++] = i + 1 < sp_csv_ncols(r) ? '|' : '\n';
		}
		out[len] = 0;
	}
	if (rc < 0) {
		out = realloc(out, len + 600);
		len += (size_t)sprintf(out + len, "ERR %s", err.msg);
	}
	sp_csv_reader_free(r);
	fclose(f);
	return out;
}

/* Both paths give the same records, among them want. */
static void
same_paths(const char *s, const char *want, const char *what)
{
	char *a = dump(s, 0), *b = dump(s, SP_CSV_LIBCSV_ONLY);

	CHECK(strcmp(a, b) == 0 && strstr(a, want), "%s: fast '%.200s' vs libcsv '%.200s'", what, a, b);
	free(a);
	free(b);
}

/* Did the fast path read the whole of s?  -1: no reader. */
static int
fast_whole(const char *s)
{
	sp_error err;
	FILE *f = mem(s);
	sp_csv_reader *r = sp_csv_reader_new(f, "-", 0, &err);
	int fast = -1;

	if (r) {
		while (sp_csv_next(r, &err) == SP_OK)
			;
		fast = sp_csv_fast(r);
		sp_csv_reader_free(r);
	}
	fclose(f);
	return fast;
}

static void
test_fastpath(void)
{
	static const char *cases[] = {
		"timestamp,v\n1,2\n3,4\n",
		"timestamp,v\r\n1,2\r\n3,4\r\n",
		"timestamp,v\n1,2\n\n\n3,4",
		"timestamp,v\n1,\n,\n3, x \n",
		"timestamp,v\r1,2\r3,4\r",
		"timestamp,v\n1,2\n3,4,5\n",
		"timestamp,v\n1,2\n3\n",
		/* quoted fields: whole ones stay on the fast path, the rest go to libcsv */
		"timestamp,series,v\n1,\"ns=a,dep=b\",2\n2,\"\",3\n3,x,\"4\"\n",
		"\"timestamp\",\"v\"\r\n1,\"2\"\r\n\"3\",4\r\n",
		"timestamp,v\n1,\"\"\n\"\",\"\"\n",
		"timestamp,v\n1,\"a\"\"b\"\n2,c\n",
		"timestamp,v\n1,\"a\nb\"\n2,c\n",
		"timestamp,v\n1,a\"b\n2,c\n",
		"timestamp,v\n1,\"a\"b\n2,c\n",
		"timestamp,v\n1, \"a\"\n",
		"timestamp,v\n1,\"a\n",
		"timestamp,v\n1,2\n3,\"4",
		"timestamp,v\n1,\"a,b\",\"c\"\n",
	};
	/* which of them the fast path takes whole (the last line of the input
	 * is looked at too: an unclosed quote there goes to libcsv) */
	static const int fast[] = { 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
	size_t i, j, n;
	char *a, *b, *big;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		a = dump(cases[i], 0);
		b = dump(cases[i], SP_CSV_LIBCSV_ONLY);
		CHECK(strcmp(a, b) == 0, "case %zu: fast '%s' vs libcsv '%s'", i, a, b);
		free(a);
		free(b);
	}
	for (i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK(fast_whole(cases[i]) == fast[i], "case %zu: fast path %d, want %d", i, fast_whole(cases[i]), fast[i]);
	/* a fleet file: the key quoted on every row, over many chunks, and a
	 * doubled quote after 200 KB; the fast path up to it */
	big = malloc(4 << 20);
	strcpy(big, "timestamp,series,load\n");
	for (n = strlen(big), j = 1; j <= 20000; j++)   /* (no strlen per row: quadratic under valgrind) */
		n += (size_t)sprintf(big + n, "%zu,\"namespace=ns%zu,deployment=app%zu\",%zu.5\n", j, j % 50, j, j);
	same_paths(big, "20000|namespace=ns0,deployment=app20000|20000.5\n", "quoted keys");
	CHECK(fast_whole(big) == 1, "quoted keys: the fast path throughout");
	strcat(big, "20001,\"q,\"\"x\"\"\",1\n20002,z,2\n");
	same_paths(big, "20001|q,\"x\"|1\n20002|z|2\n", "quoted keys, then a doubled quote");
	CHECK(fast_whole(big) == 0, "a doubled quote: libcsv from it on");
	free(big);
	/* a quote after 200 KB: the switch to libcsv happens mid-stream */
	big = malloc(4 << 20);
	strcpy(big, "timestamp,v,s\n");
	for (n = strlen(big), j = 1; j <= 20000; j++)
		n += (size_t)sprintf(big + n, "%zu,%zu.5,abc\n", j, j);
	strcat(big, "20001,1,\"q,\"\"x\"\"\"\n20002,2,z\n");
	same_paths(big, "20001|1|q,\"x\"\n20002|2|z\n", "late quote");
	/* a line longer than the fast path's buffer */
	strcpy(big, "timestamp,v\n1,");
	j = strlen(big);
	memset(big + j, '7', 300000);
	strcpy(big + j + 300000, "\n2,3\n");
	a = dump(big, 0);
	b = dump(big, SP_CSV_LIBCSV_ONLY);
	CHECK(strcmp(a, b) == 0 && strlen(a) == 300003 + 4, "long line (%zu)", strlen(a));
	free(a);
	free(b);
	free(big);
}

/* Issue 13: whole rows in, whole rows out, plausible timestamps. */
static void
test_csv_whole_rows(void)
{
	static const char *cut[] = {
		"timestamp,load\n1,2\n2,83.716\n3,8",
		"timestamp,load\n1,2\n2,83.716\n3,\"8",
		"timestamp,load\n1,2\n2,\"83.716\"\n3,8",
	};
	static const struct { const char *s; const char *hint; } ts[] = {
		{ "1700000000000", "(milliseconds?)" }, { "1700000000000000", "(microseconds?)" },
		{ "1700000000000000000", "(nanoseconds?)" }, { "1e300", "(after 2100)" },
		{ "4102444801", "(after 2100)" }, { "-1", "(before 1970)" }, { "-1e300", "(before 1970)" },
		{ "2100-01-01T00:00:01Z", "(after 2100)" },
	};
	sp_error err;
	sp_csv_reader *r;
	sp_csv_writer *w;
	FILE *f;
	char *a, *b, buf[128], *big;
	size_t i, n, rows = 0;
	double t;
	int fast;

	/* a cut last row is an error after the whole rows, on both paths */
	for (i = 0; i < sizeof cut / sizeof *cut; i++)
		for (fast = 0; fast < 2; fast++) {
			a = dump(cut[i], fast ? 0 : SP_CSV_LIBCSV_ONLY);
			CHECK(strcmp(a, "1|2\n2|83.716\nERR row 3: incomplete last row (no newline at end of input)") == 0,
			    "cut row %zu (%s path): %s", i, fast ? "fast" : "libcsv", a);
			free(a);
		}
	a = dump("timestamp,load", 0);
	b = dump("timestamp,load", SP_CSV_LIBCSV_ONLY);
	CHECK_STR(a, "ERR header: incomplete line (no newline at end of input)", "cut header (fast)");
	CHECK_STR(b, a, "cut header (libcsv)");
	free(a);
	free(b);
	a = dump("timestamp,load\n1,2\n\n", 0);
	CHECK_STR(a, "1|2\n", "trailing empty line is fine");
	free(a);
	a = dump("timestamp,load\r\n1,2\r\n3,4\r", SP_CSV_LIBCSV_ONLY);
	CHECK_STR(a, "1|2\n3|4\n", "a last CR ends the row");
	free(a);
	/* cut after more than a chunk of rows */
	big = malloc(1 << 20);
	strcpy(big, "timestamp,v\n");
	for (n = strlen(big), i = 1; i <= 20000; i++)
		n += (size_t)sprintf(big + n, "%zu,%zu.5\n", i, i);
	strcpy(big + n, "20001,83.7");
	for (fast = 0; fast < 2; fast++) {
		a = dump(big, fast ? 0 : SP_CSV_LIBCSV_ONLY);
		CHECK(strstr(a, "20000|20000.5\nERR row 20001: incomplete last row") != NULL,
		    "cut after 20000 rows (%s path)", fast ? "fast" : "libcsv");
		free(a);
	}

	/* SP_CSV_NEED_ROWS: a header alone is an error, not an empty success */
	f = mem("timestamp,load\n");
	r = sp_csv_reader_new(f, "in.csv", SP_CSV_NEED_ROWS, &err);
	CHECK(r && sp_csv_next(r, &err) == SP_EDATA &&
	    strcmp(err.msg, "in.csv: no data rows (the input has only a header)") == 0, "need rows: %s", err.msg);
	sp_csv_reader_free(r);
	fclose(f);
	f = mem("timestamp,load\n");
	r = sp_csv_reader_new(f, "in.csv", 0, &err);
	CHECK(r && sp_csv_next(r, &err) == SP_EEOF, "without the flag: end of input");
	sp_csv_reader_free(r);
	fclose(f);

	/* timestamps that cannot be Unix seconds name the likely unit */
	for (i = 0; i < sizeof ts / sizeof *ts; i++) {
		snprintf(buf, sizeof buf, "timestamp,v\n%s,1\n", ts[i].s);
		f = mem(buf);
		r = sp_csv_reader_new(f, "-", SP_CSV_NEED_TIMESTAMP, &err);
		CHECK(r && sp_csv_next(r, &err) == SP_OK && sp_csv_get_timestamp(r, &t, &err) < 0,
		    "timestamp %s refused", ts[i].s);
		snprintf(buf, sizeof buf, "row 1, column timestamp: %s is not Unix seconds %s",
		    ts[i].s, ts[i].hint);
		CHECK(strcmp(err.msg, buf) == 0, "timestamp %s message: %s", ts[i].s, err.msg);
		sp_csv_reader_free(r);
		fclose(f);
	}
	CHECK(sp_time_implausible(0) == NULL && sp_time_implausible(SP_TIME_MAX) == NULL &&
	    sp_time_implausible(1700000000) == NULL, "plausible times");
	CHECK(sp_time_implausible(NAN) != NULL, "NaN is not a time");

	/* the writer hands out whole rows only: what the FILE has seen ends
	 * with a newline at any moment, even inside a row over a chunk long */
	f = tmpfile();
	w = sp_csv_writer_new(f);
	memset(big, 'x', 200000);
	for (i = 0; i < 3000; i++) {
		sp_csv_write_long(w, (long)i);
		sp_csv_write_field(w, big, i == 1500 ? 200000 : 30);
		if (i % 100 == 0) {   /* mid-row: the FILE ends at a row boundary */
			fflush(f);
			n = (size_t)ftell(f);
			if (n > 0) {
				fseek(f, -1, SEEK_END);
				if (fgetc(f) != '\n')
					break;
			}
			fseek(f, 0, SEEK_END);
			rows += n > 0;
		}
		sp_csv_end_row(w);
	}
	CHECK(i == 3000 && rows > 10, "whole rows at every moment (stopped at %zu, %zu checks)", i, rows);
	sp_csv_write_str(w, "unfinished");
	CHECK(sp_csv_writer_flush(w, &err) == 0, "flush");
	fseek(f, -1, SEEK_END);
	CHECK(fgetc(f) == '\n', "an unfinished row is never written");
	CHECK(ftell(f) == (long)(3000 * 32 + 200000 - 30 + 10 * 1 + 90 * 2 + 900 * 3 + 2000 * 4),
	    "every row written (%ld bytes)", ftell(f));
	sp_csv_writer_free(w);
	fclose(f);
	free(big);
}

static void
test_model(void)
{
	char path[] = "/tmp/sp-test-model.XXXXXX";
	sp_error err;
	sp_model_writer *w;
	sp_model *m;
	double a[3] = { 0.1, 1.0 / 3, -2e-300 }, b[3], x;
	long l;
	const char *s;
	int fd = mkstemp(path);
	FILE *f;

	close(fd);
	w = sp_model_create(path, "test", 2, &err);
	CHECK(w != NULL, "create");
	sp_model_put_long(w, "n", 3);
	sp_model_put_doubles(w, "coef", 3, a);
	sp_model_put_str(w, "method", "ols");
	sp_model_put_text(w, "blob", "line one\nline two\n");
	sp_model_put_double(w, "sigma", 0.5);
	CHECK(sp_model_commit(w, &err) == 0, "commit");

	m = sp_model_load(path, "test", 2, NULL, &err);
	CHECK(m != NULL, "load: %s", m ? "" : err.msg);
	if (m) {
		CHECK(sp_model_get_long(m, "n", 1, 10, &l, &err) == 0 && l == 3, "long");
		CHECK(sp_model_get_doubles(m, "coef", 3, b, &err) == 0 &&
		    memcmp(a, b, sizeof a) == 0, "doubles round-trip exactly");
		CHECK(sp_model_get_str(m, "method", &s, &err) == 0 && strcmp(s, "ols") == 0, "str");
		CHECK(sp_model_get_text(m, "blob", &s, &err) == 0 && strcmp(s, "line one\nline two") == 0,
		    "text block '%s'", s);
		CHECK(sp_model_finish(m, &err) < 0 && strstr(err.msg, ":8: unknown key 'sigma'"),
		    "unread key reported: %s", err.msg);
		CHECK(sp_model_get_doubles(m, "coef", 2, b, &err) < 0 &&
		    strstr(err.msg, "'coef' has more than 2 values"), "wrong size: %s", err.msg);
		CHECK(sp_model_get_double(m, "missing", &x, &err) < 0 &&
		    strstr(err.msg, "missing key 'missing'"), "missing key: %s", err.msg);
		sp_model_free(m);
	}
	CHECK(sp_model_load(path, "other", 2, NULL, &err) == NULL &&
	    strstr(err.msg, ":1: is a 'test' model, expected 'other'"), "wrong kind: %s", err.msg);
	CHECK(sp_model_load(path, "test", 1, NULL, &err) == NULL &&
	    strstr(err.msg, "format version 2 is not supported"), "newer version: %s", err.msg);

	f = fopen(path, "w");
	fputs("scalepipe-model test 1\nn 3\ncoef 1 nan 2\nend\n", f);
	fclose(f);
	m = sp_model_load(path, "test", 1, NULL, &err);
	CHECK(m && sp_model_get_doubles(m, "coef", 3, b, &err) < 0 &&
	    strstr(err.msg, ":3: 'coef' value 2 is not a finite number: 'nan'"), "nan: %s", err.msg);
	sp_model_free(m);

	f = fopen(path, "w");
	fputs("scalepipe-model test 1\nn 3\ncoef 1 2", f);
	fclose(f);
	CHECK(sp_model_load(path, "test", 1, NULL, &err) == NULL && strstr(err.msg, "truncated"),
	    "truncated: %s", err.msg);
	f = fopen(path, "w");
	fputs("scalepipe-model test 1\nn 3\n", f);
	fclose(f);
	CHECK(sp_model_load(path, "test", 1, NULL, &err) == NULL && strstr(err.msg, "no 'end' line"),
	    "no end: %s", err.msg);
	f = fopen(path, "w");
	fputs("scalepipe-model test 1\nn 3\nn 4\nend\n", f);
	fclose(f);
	CHECK(sp_model_load(path, "test", 1, NULL, &err) == NULL && strstr(err.msg, ":3: duplicate key 'n'"),
	    "duplicate: %s", err.msg);
	f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	CHECK(sp_model_load(path, "test", 1, NULL, &err) == NULL &&
	    strstr(err.msg, ":1: not a scalepipe model file"), "garbage: %s", err.msg);
	unlink(path);
	CHECK(sp_model_load(path, "test", 1, NULL, &err) == NULL &&
	    strstr(err.msg, "No such file"), "missing file: %s", err.msg);
	/* a failed commit leaves the target untouched and no temporary */
	w = sp_model_create("/nonexistent-dir/x.model", "test", 1, &err);
	CHECK(w == NULL && strstr(err.msg, "cannot create"), "create in missing dir");
}

/* sp_stats_acf_period against closed forms */
static void
test_acf_period(void)
{
	double x[36], c[8] = { 4, 4, 4, 4, 4, 4, 4, 4 }, a;
	size_t i;

	/* 1, 2, 3 ten times: mean 2, sum of squares 20; lag 3: 27 products of
	 * 2/3 on average = 18, 0.9; lags 2 and 4: -10/20, -8/20 */
	for (i = 0; i < 30; i++)
		x[i] = (double)(i % 3) + 1;
	CHECK(sp_stats_acf_period(x, 30, 10, 0.5, 0, &a) == 3, "period 3");
	CHECK_CLOSE(a, 0.9, 1e-12, "its autocorrelation 18/20");
	CHECK(sp_stats_acf_period(x, 30, 10, 0.95, 0, &a) == 0 && a == 0, "below min_acf: none");
	CHECK(sp_stats_acf_period(x, 30, 2, 0.5, 0, NULL) == 0, "maxlag 2: lag 2 (-0.5) is below lag 1 (-0.45)");
	CHECK(sp_stats_acf_period(x, 8, 10, -1, 0, NULL) == 0, "8 values: lags up to 2 only");
	CHECK(sp_stats_acf_period(c, 8, 2, 0.5, 0, NULL) == 0, "constant: none");
	/* 5, 2, 3, 1, 2, 3 six times (mean 8/3, sum of squares 56): peaks at
	 * lag 6 (5/6) and 12 (2/3), lag 3 is -55/84: the highest, 6 */
	for (i = 0; i < 36; i++)
		x[i] = (double)(i % 3) + 1 + (i % 6 == 0 ? 4 : 0);
	CHECK(sp_stats_acf_period(x, 36, 12, 0.5, 0, &a) == 6, "the highest peak: 6");
	CHECK_CLOSE(a, 5.0 / 6, 1e-12, "its autocorrelation 5/6");
	CHECK(sp_stats_acf_period(x, 36, 5, 0, 0, &a) == 0 && a == 0, "maxlag 5: the peak at 2 is negative: none");
	CHECK(sp_stats_acf_period(x, 36, 5, 0.5, 0, NULL) == 0, "maxlag 5: none of 0.5");
	/* the rise: lag 6 (5/6) over the lowest before it (lag 3, -55/84) is
	 * 125/84 = 1.488: a rise of 1.48 keeps it, 1.49 does not; then lag 12
	 * (2/3, the same lowest: a rise of 1.321) neither */
	CHECK(sp_stats_acf_period(x, 36, 12, 0.5, 1.48, &a) == 6, "a rise of 1.48: 6");
	CHECK(sp_stats_acf_period(x, 36, 12, 0.5, 1.49, NULL) == 0, "a rise of 1.49: none");
	CHECK(sp_stats_acf_period(x, 36, 12, 0.5, 1.3, NULL) == 6, "a rise of 1.3: 6 (12 rises 1.321 but is lower)");
}

static void
test_stats(void)
{
	double x[] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5 }, m, s;
	double y[] = { 1, 2, 3, 4, 100 };

	/* numpy.quantile(x, [.25, .5, .995]) = 2.5, 4.0, 8.85; numpy.std(y) = 39.01281840626232 */
	CHECK_CLOSE(sp_stats_quantile(x, 11, 0.25, NULL), 2.5, 1e-12, "q25");
	CHECK_CLOSE(sp_stats_quantile(x, 11, 0.5, NULL), 4.0, 1e-12, "median");
	CHECK_CLOSE(sp_stats_quantile(x, 11, 0.995, NULL), 8.85, 1e-12, "q99.5");
	CHECK_CLOSE(sp_stats_sd(y, 5, sp_stats_mean(y, 5)), 39.01281840626232, 1e-14, "population sd");
	/* robust: Q1 = y[1] = 2, Q3 = y[3] = 4, keep (-1, 7): 1..4 */
	CHECK(sp_stats_robust(y, 5, &m, &s) == 0, "robust ok");
	CHECK_CLOSE(m, 2.5, 1e-12, "robust mean");
	CHECK_CLOSE(s, sqrt(1.25), 1e-12, "robust sd");
	CHECK_CLOSE(sp_stats_pinball(10, 8, 0.9), 1.8, 1e-12, "pinball under");
	CHECK_CLOSE(sp_stats_pinball(8, 10, 0.9), 0.2, 1e-12, "pinball over");

	test_acf_period();
}

static void
test_rand(void)
{
	sp_rand *a = sp_rand_new(42), *b = sp_rand_new(42);
	int i, same = 1;
	double s = 0, ss = 0, z;

	for (i = 0; i < 1000; i++)
		same &= sp_rand_uniform(a) == sp_rand_uniform(b);
	CHECK(same, "same seed, same stream");
	for (i = 0; i < 100000; i++) {
		z = sp_rand_normal(a, 2.0);
		s += z;
		ss += z * z;
	}
	CHECK(fabs(s / 1e5) < 0.03 && fabs(sqrt(ss / 1e5) - 2) < 0.03, "normal moments");
	sp_rand_free(a);
	sp_rand_free(b);
}

/* The wall-clock bound: 1990-01-01T00:00:00Z (631152000 s) to 2100. */
static void
test_time_wall(void)
{
	CHECK(sp_time_implausible_wall(631152000) == NULL, "1990-01-01 is a wall time");
	CHECK(sp_time_implausible_wall(804571200) == NULL, "NASA 1995 is a wall time");
	CHECK(sp_time_implausible_wall(SP_TIME_MAX) == NULL, "2100-01-01 is a wall time");
	CHECK_STR(sp_time_implausible_wall(631151999), "before 1990: a relative time, or minutes or hours?",
	    "a second before 1990");
	CHECK_STR(sp_time_implausible_wall(0), "before 1990: a relative time, or minutes or hours?",
	    "0 (a synthetic trace's start)");
	CHECK_STR(sp_time_implausible_wall(-1), "before 1970", "before 1970: the reader's hint");
	CHECK_STR(sp_time_implausible_wall(1.7e12), "milliseconds?", "milliseconds: the reader's hint");
	CHECK(sp_time_implausible_wall(NAN) != NULL, "NaN is not a wall time");
	CHECK(sp_time_implausible(0) == NULL, "the reader's bound stays the epoch");
}

int
main(void)
{
	test_num();
	test_time();
	test_csv();
	test_csv_limits();
	test_fastpath();
	test_csv_whole_rows();
	test_model();
	test_stats();
	test_rand();
	test_time_wall();
	return check_summary();
}
