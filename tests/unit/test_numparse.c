/* sp_num's field parser against strtod, bit for bit: Clinger's and Eisel and
 * Lemire's fast paths and the strtod fallback, on random and adversarial
 * inputs.  SP_NUMPARSE_N sets the random cases per family [10000]; a run
 * with SP_NUMPARSE_N=1000000 (6 M comparisons) is the thorough one. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sp_num.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t
next(void)       /* xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1du;
}

static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* parse s with sp_num_parse_field and strtod; 1 if they agree bit for bit */
static int
agrees(const char *s)
{
	double got = -1, want = strtod(s, NULL);
	int rc = sp_num_parse_field(s, strlen(s), &got);

	if (!isfinite(want))
		return rc == -1;
	return rc == 0 && same_bits(got, want);
}

static void
check_strings(const char *what, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK(agrees(v[i]), "%s: '%s'", what, v[i]);
}

int
main(void)
{
	static const char *const hard[] = {
		/* Prometheus-style full-precision rates */
		"101.72792096032393", "0.30000000000000004", "1.7976931348623157e308",
		"2.2250738585072014e-308", "4.9406564584124654e-324", "2.2250738585072011e-308",
		/* halfway and near-halfway cases (round to even) */
		"9007199254740993", "9007199254740995", "9007199254740992.5",
		"18014398509481985", "18014398509481986", "9223372036854775807",
		"9223372036854775808", "18446744073709551615", "1.00000000000000011102230246251565404236316680908203125",
		"1.0000000000000002220446049250313080847263336181640625",
		"1.00000000000000033306690738754696212708950042724609375",
		"7.2057594037927933e16", "7.2057594037927935e16", "8.98846567431158e307",
		"1.1754943508222875e-38", "2.4703282292062327e-324", "2.4703282292062328e-324",
		"1e23", "8.589973e9", "1e-22", "1e22", "1e-23", "123456789012345678e-5",
		"0.000001", "1234567890123456789", "9999999999999999999", "0.1e-342", "1e308",
		"1e-342", "1e-343", "-0", "-0e30", "0e-400", "3.141592653589793238",
		"2.718281828459045235", "1.4142135623730950488", "-123.45678901234567890",
		"5e-324", "1e-320", "4.94e-324", "1.5e-45", "3.4028235e38",
	};
	char buf[64];
	long i, decided = 0, tried = 0, n = 10000;
	const char *env = getenv("SP_NUMPARSE_N");

	if (env && atol(env) > 0)
		n = atol(env);

	check_strings("hard", hard, sizeof hard / sizeof hard[0]);

	/* shortest round-trip text of random doubles of every magnitude: the
	 * %.17g form and the shortest of %.15g..%.17g that round-trips */
	for (i = 0; i < n; i++) {
		uint64_t b = next();
		double d;
		int p;

		b &= ~(UINT64_C(0x7ff) << 52);
		b |= (uint64_t)(1 + next() % 2046) << 52;   /* normal, finite */
		memcpy(&d, &b, sizeof d);
		snprintf(buf, sizeof buf, "%.17g", d);
		CHECK(agrees(buf), "random %%.17g: '%s'", buf);
		for (p = 15; p <= 17; p++) {
			snprintf(buf, sizeof buf, "%.*g", p, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		CHECK(agrees(buf), "random shortest: '%s'", buf);
	}
	/* rates as Prometheus writes them: 17 significant digits, 1e-3..1e6 */
	for (i = 0; i < n; i++) {
		double d = (double)(next() >> 11) / 9007199254740992.0 * pow(10, (int)(next() % 10) - 3);
		snprintf(buf, sizeof buf, "%.17g", d);
		CHECK(agrees(buf), "rate: '%s'", buf);
	}
	/* random 19-digit significands with random exponents over the whole
	 * range, through the parser and the algorithm itself */
	for (i = 0; i < n; i++) {
		uint64_t w = next() % UINT64_C(10000000000000000000);
		int q = (int)(next() % 700) - 360;
		double got, want;

		snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)w, q);
		CHECK(agrees(buf), "19 digits: '%s'", buf);
		want = strtod(buf, NULL);
		tried += isnormal(want) && w != 0;
		if (sp_num_eisel_lemire(w, q, &got) == 0) {
			decided += isnormal(want) && w != 0;
			CHECK(same_bits(got, want), "eisel_lemire(%llu, %d): %.17g, strtod %.17g",
			    (unsigned long long)w, q, got, want);
		}
	}
	/* near-halfway significands: the 17-digit decimal of a double's upper
	 * midpoint, +-1 in the last digit */
	for (i = 0; i < n; i++) {
		uint64_t b = (next() & ((UINT64_C(1) << 52) - 1)) | (uint64_t)(1 + next() % 2045) << 52;
		double d, up;
		char *e;

		memcpy(&d, &b, sizeof d);
		up = nextafter(d, INFINITY);
		snprintf(buf, sizeof buf, "%.18e", d / 2 + up / 2);   /* near the midpoint */
		CHECK(agrees(buf), "midpoint: '%s'", buf);
		e = strchr(buf, 'e');
		if (e && e[-1] < '9') {
			e[-1]++;
			CHECK(agrees(buf), "midpoint + 1: '%s'", buf);
		}
	}
	/* the fast path really decides: nearly every normal result */
	CHECK(decided >= tried - tried / 1000, "eisel_lemire decided %ld of %ld normal results", decided, tried);
	return check_summary();
}
