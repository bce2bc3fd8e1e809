/* sp_num: strict number parsing and formatting; see sp_num.h. */
#include "sp_num.h"
#include "sp_pow5.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double pow10tab[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

int
sp_num_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	/* strtod skips leading space and accepts hex; we accept neither. */
	if (*s == ' ' || *s == '\t' || *s == '\n')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	if (strchr(s, 'x') || strchr(s, 'X'))
		return -1;
	*out = v;
	return 0;
}

int
sp_num_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s || *s == ' ' || *s == '\t')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

int
sp_num_is_missing(const char *s, size_t n)
{
	switch (n) {
	case 0:
		return 1;
	case 2:
		return memcmp(s, "NA", 2) == 0;
	case 3:
		return memcmp(s, "NaN", 3) == 0 || memcmp(s, "nan", 3) == 0 ||
		    memcmp(s, "NAN", 3) == 0 || memcmp(s, "N/A", 3) == 0;
	default:
		return 0;
	}
}

static int
parse_slow(const char *s, size_t n, double *out)
{
	char buf[128], *end;
	double v;

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sp_num_parse_double(buf, &v) != 0) {
		/* allow overflow-free tiny values (ERANGE on underflow) */
		errno = 0;
		v = strtod(buf, &end);
		if (end == buf || *end || !isfinite(v) || strchr(buf, 'x') || strchr(buf, 'X') ||
		    buf[0] == ' ' || buf[0] == '\t')
			return -1;
	}
	*out = v;
	return 0;
}

/* The full 64 x 64 -> 128-bit product. */
static void
mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
	__extension__ typedef unsigned __int128 u128;
	u128 p = (u128)a * b;

	*hi = (uint64_t)(p >> 64);
	*lo = (uint64_t)p;
#else
	uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);

	*lo = (mid << 32) | (p00 & 0xffffffffu);
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* w * 10^q as the nearest double, by Eisel and Lemire's algorithm (D. Lemire,
 * "Number Parsing at a Gigabyte per Second", Software: Practice and
 * Experience 51(8), 2021; as in fast_float's compute_float): the 64-bit
 * significand times a 128-bit truncation of 5^q decides the correctly
 * rounded result, except in rare cases it cannot decide, subnormals and
 * overflow, where it returns -1 (the caller uses strtod).  w has at most 19
 * digits, so it is exact.  0 and *out on success. */
int
sp_num_eisel_lemire(uint64_t w, int q, double *out)
{
	uint64_t hi, lo, hi2, lo2, mant, bits;
	int lz, upper;
	long p2;

	if (w == 0) {
		*out = 0;
		return 0;
	}
	if (q < SP_POW5_MIN || q > SP_POW5_MAX)
		return -1;
	for (lz = 0; !(w & (UINT64_C(1) << 63)); lz++)
		w <<= 1;
	mul64(w, sp_pow5_128[2 * (q - SP_POW5_MIN)], &hi, &lo);
	/* 55 bits of precision (52 + 3) are needed: refine with the low word
	 * when the bits below them are all ones */
	if ((hi & (UINT64_MAX >> 55)) == (UINT64_MAX >> 55)) {
		mul64(w, sp_pow5_128[2 * (q - SP_POW5_MIN) + 1], &hi2, &lo2);
		lo += hi2;
		if (hi2 > lo)
			hi++;
	}
	if (lo == UINT64_MAX && (q < -27 || q > 55))
		return -1;                           /* may be off by one ulp */
	upper = (int)(hi >> 63);
	mant = hi >> (upper + 9);
	/* floor(log2(10^q)) + 63, the binary exponent, biased */
	p2 = (((152170L + 65536L) * q) >> 16) + 63 + upper - lz + 1023;
	if (p2 <= 0)
		return -1;                           /* subnormal */
	/* exactly halfway between two doubles: round to even */
	if (lo <= 1 && q >= -4 && q <= 23 && (mant & 3) == 1 && (mant << (upper + 9)) == hi)
		mant &= ~UINT64_C(1);
	mant += mant & 1;
	mant >>= 1;
	if (mant >= (UINT64_C(2) << 52)) {
		mant = UINT64_C(1) << 52;
		p2++;
	}
	mant &= ~(UINT64_C(1) << 52);
	if (p2 >= 0x7ff)
		return -1;                           /* overflow */
	bits = mant | (uint64_t)p2 << 52;
	memcpy(out, &bits, sizeof *out);
	return 0;
}

int
sp_num_parse_field(const char *s, size_t n, double *out)
{
	const char *p = s, *e = s + n, *ds;
	uint64_t m = 0;
	int neg = 0, exp10 = 0;
	size_t nd;
	double v;

	if (n <= 3 && sp_num_is_missing(s, n)) {
		*out = NAN;
		return 1;
	}
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	ds = p;
	while (p < e && (unsigned)(*p - '0') <= 9)
		m = m * 10 + (unsigned)(*p++ - '0');
	nd = (size_t)(p - ds);
	if (p < e && *p == '.') {
		const char *fs = ++p;
		while (p < e && (unsigned)(*p - '0') <= 9)
			m = m * 10 + (unsigned)(*p++ - '0');
		exp10 = -(int)(p - fs);
		nd += (size_t)(p - fs);
	}
	if (nd == 0)
		return -1;       /* "", "-", ".", "-.", "e5" are not numbers */
	if (nd > 19)
		return parse_slow(s, n, out);   /* m may have overflowed */
	if (p < e) {
		/* an exponent: simple ones here, anything else to strtod */
		int eneg = 0, ev = 0, ne = 0;
		if (*p != 'e' && *p != 'E')
			return parse_slow(s, n, out);
		p++;
		if (p < e && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < e && (unsigned)(*p - '0') <= 9 && ne < 4; p++, ne++)
			ev = ev * 10 + (*p - '0');
		if (ne == 0 || p != e)
			return parse_slow(s, n, out);
		exp10 += eneg ? -ev : ev;
	}
	if (m > (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22) {
		/* long significands (full-precision rates) and large exponents */
		if (sp_num_eisel_lemire(m, exp10, &v) != 0)
			return parse_slow(s, n, out);
		*out = neg ? -v : v;
		return 0;
	}
	v = (double)m;
	if (exp10 < 0)
		v /= pow10tab[-exp10];
	else
		v *= pow10tab[exp10];
	*out = neg ? -v : v;
	return 0;
}

/* %.*g for values printed in fixed notation, without printf: scale to a
 * prec-digit integer with one IEEE operation (exact power of ten), round, and
 * lay the digits out.  The one rounding can only pick the wrong integer when
 * the scaled value lies within a few ulps of a half; those cases, very small
 * or large exponents and prec > 15 go to snprintf, so the text is always what
 * printf would write.  Returns the length, or -1 to fall back. */
static int
format_fixed(char *buf, size_t size, double v, int prec)
{
	double a = fabs(v), p, fl, fr;
	int e10, k, i, len = 0, ndig;
	uint64_t m, lim;
	char dig[24];

	if (prec > 15 || size < 40 || !(a >= 1e-4) || !(a < 1e15))
		return -1;
	e10 = (int)floor(log10(a));
	for (i = 0; i < 2; i++) {
		k = prec - 1 - e10;
		if (k > 22 || k < -22)
			return -1;
		p = k >= 0 ? a * pow10tab[k] : a / pow10tab[-k];
		fl = floor(p);
		fr = p - fl;
		if (fabs(fr - 0.5) <= 4 * p * 2.220446049250313e-16 + 1e-300)
			return -1;
		m = (uint64_t)fl + (fr > 0.5);
		lim = (uint64_t)pow10tab[prec];
		if (m >= lim) {           /* rounded up to the next power of ten, or log10 low */
			e10++;
			continue;
		}
		if (m < lim / 10) {       /* log10 high */
			e10--;
			continue;
		}
		break;
	}
	if (i == 2 || e10 < -4 || e10 >= prec)
		return -1;                /* %g would use an exponent */
	ndig = prec;
	for (i = ndig - 1; i >= 0; i--) {
		dig[i] = (char)('0' + m % 10);
		m /= 10;
	}
	/* significant digits after the point, trailing zeros dropped */
	while (ndig > e10 + 1 && ndig > 0 && dig[ndig - 1] == '0')
		ndig--;
	if (v < 0)
		buf[len++] = '-';
	if (e10 >= 0) {
		for (i = 0; i < ndig; i++) {
			if (i == e10 + 1)
				buf[len++] = '.';
			buf[len++] = dig[i];
		}
		for (; i <= e10; i++)
			buf[len++] = '0';
	} else {
		buf[len++] = '0';
		buf[len++] = '.';
		for (i = 0; i < -e10 - 1; i++)
			buf[len++] = '0';
		for (i = 0; i < ndig; i++)
			buf[len++] = dig[i];
	}
	buf[len] = '\0';
	return len;
}

int
sp_num_format(char *buf, size_t size, double v, int prec)
{
	int n;

	if (isnan(v)) {
		buf[0] = '\0';
		return 0;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		if (v == 0)
			v = 0; /* no "-0" */
		return snprintf(buf, size, "%lld", (long long)v);
	}
	if ((n = format_fixed(buf, size, v, prec)) >= 0)
		return n;
	return snprintf(buf, size, "%.*g", prec, v);
}
