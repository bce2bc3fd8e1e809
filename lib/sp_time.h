/* sp_time: timestamps of the CSV contract.
 *
 * Input: Unix seconds (integer or decimal, UTC) or RFC 3339
 * ("2024-05-01T12:00:00Z", "2024-05-01 12:00:00.5+02:00"; a missing zone is
 * taken as UTC).  Output: always Unix seconds.  No libc time zone state is
 * touched (no timegm/mktime), so results do not depend on TZ.
 */
#ifndef SP_TIME_H
#define SP_TIME_H

#include <stddef.h>

/* Parse s[0..n).  0 ok, -1 not a timestamp. */
int sp_time_parse(const char *s, size_t n, double *out);

/* Unix seconds as text: an integer when t is integral, else up to 6
 * decimals with trailing zeros removed.  buf needs 40 bytes. Returns length. */
int sp_time_format(char *buf, size_t size, double t);

/* Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant). */
long sp_time_days_from_civil(long y, unsigned m, unsigned d);
/* Inverse: civil date from days since the epoch. */
void sp_time_civil_from_days(long z, long *y, unsigned *m, unsigned *d);

/* Calendar fields of Unix time t (UTC). */
typedef struct {
	long year;
	int month;   /* 1..12 */
	int mday;    /* 1..31 */
	int hour, min;
	double sec;
	int wday;    /* 0 = Monday .. 6 = Sunday (pandas/ISO order) */
	int yday;    /* 1..366 */
} sp_tm;
void sp_time_breakdown(double t, sp_tm *tm);

#endif
