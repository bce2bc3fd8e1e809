/* sp_num: strict number parsing and formatting.
 *
 * Parsing never uses atoi/atof: the whole string must be consumed, overflow
 * is an error, and non-finite values are rejected unless asked for.  The field
 * parser has two exact fast paths: Clinger's for the common short decimals
 * (mantissa below 2^53 and a power of ten up to 22, where one IEEE multiply
 * or divide is correctly rounded) and Eisel and Lemire's for the rest with
 * up to 19 significant digits (full-precision values such as Prometheus'
 * rates: a 64 x 128-bit product with 5^q decides the rounding); strtod
 * takes only what neither can decide (more digits, subnormals, overflow,
 * rare ambiguous products), so results are bit-identical to strtod.
 */
#ifndef SP_NUM_H
#define SP_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Option values: full string, finite, C locale.  0 ok, -1 not a number. */
int sp_num_parse_double(const char *s, double *out);
/* Decimal integer, full string, fits a long.  0 ok, -1 otherwise. */
int sp_num_parse_long(const char *s, long *out);

/* CSV field: s[0..n) (need not be NUL-terminated).
 * Returns 0 and a finite *out; 1 for a missing value (empty, NaN, nan, NA,
 * N/A; *out = NAN); -1 if the field is not a number or not finite. */
int sp_num_parse_field(const char *s, size_t n, double *out);

/* w * 10^q, correctly rounded, by Eisel and Lemire's algorithm (the field
 * parser's second fast path, public for its tests): 0 and *out, or -1 when
 * it cannot decide (rare ambiguous products, subnormal or infinite results;
 * use strtod then). */
int sp_num_eisel_lemire(uint64_t w, int q, double *out);

/* True for the spellings of a missing value listed above. */
int sp_num_is_missing(const char *s, size_t n);

/* Format v for CSV output into buf (size >= 32): integral values with
 * |v| < 2^53 print as integers, others with %.*g at `prec` significant
 * digits; NaN prints as the empty string.  Returns the length. */
int sp_num_format(char *buf, size_t size, double v, int prec);

#endif
