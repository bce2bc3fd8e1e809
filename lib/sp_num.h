/* sp_num: strict number parsing and formatting.
 *
 * Parsing never uses atoi/atof: the whole string must be consumed, overflow
 * is an error, and non-finite values are rejected unless asked for.  The field
 * parser has an exact fast path for the common short decimals (Clinger's
 * fast path: at most 19 significant digits, mantissa below 2^53 and a power of
 * ten up to 22, where one IEEE multiply or divide is correctly rounded) and
 * falls back to strtod for everything else, so results are bit-identical to
 * strtod.
 */
#ifndef SP_NUM_H
#define SP_NUM_H

#include <stddef.h>

/* Option values: full string, finite, C locale.  0 ok, -1 not a number. */
int sp_num_parse_double(const char *s, double *out);
/* Decimal integer, full string, fits a long.  0 ok, -1 otherwise. */
int sp_num_parse_long(const char *s, long *out);

/* CSV field: s[0..n) (need not be NUL-terminated).
 * Returns 0 and a finite *out; 1 for a missing value (empty, NaN, nan, NA,
 * N/A; *out = NAN); -1 if the field is not a number or not finite. */
int sp_num_parse_field(const char *s, size_t n, double *out);

/* True for the spellings of a missing value listed above. */
int sp_num_is_missing(const char *s, size_t n);

/* Format v for CSV output into buf (size >= 32): integral values with
 * |v| < 2^53 print as integers, others with %.*g at `prec` significant
 * digits; NaN prints as the empty string.  Returns the length. */
int sp_num_format(char *buf, size_t size, double v, int prec);

#endif
