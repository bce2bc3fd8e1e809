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

/* The plausible range of Unix seconds in the CSV contract: 1970 up to
 * 2100-01-01T00:00:00Z.  Larger values are another unit (a millisecond
 * timestamp of today is about 1.7e12).  The lower bound is the epoch, not
 * 1990: small times (0, 60, ...) are the suite's synthetic traces. */
#define SP_TIME_MIN 0.0
#define SP_TIME_MAX 4102444800.0

/* NULL when t is plausible as Unix seconds (within [SP_TIME_MIN,
 * SP_TIME_MAX]), else a hint for the message: "milliseconds?",
 * "microseconds?", "nanoseconds?" when t divided by 1e3, 1e6, 1e9 falls
 * in 1980..2100, else "after 2100" or "before 1970". */
const char *sp_time_implausible(double t);

/* The earliest time a wall-clock input may carry: 1990-01-01T00:00:00Z.
 * Offline tools keep SP_TIME_MIN (synthetic traces count from 0); what is
 * compared with the real clock (scale's decision and observation times,
 * scalepipe-tick --now) must be a real date, and 1970..1990 there is a
 * relative time or another unit (minutes or hours since the epoch). */
#define SP_TIME_WALL_MIN 631152000.0

/* NULL when t is plausible as a wall-clock time (within
 * [SP_TIME_WALL_MIN, SP_TIME_MAX]), else a hint: sp_time_implausible's for
 * t outside [SP_TIME_MIN, SP_TIME_MAX], else "before 1990: a relative
 * time, or minutes or hours?". */
const char *sp_time_implausible_wall(double t);

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

/* Seconds of CLOCK_MONOTONIC (for durations and deadlines), and of
 * CLOCK_REALTIME (Unix time now). */
/* Prometheus duration ("90", "90s", "5m", "1h30m", "7d", "2w", "500ms")
 * in seconds; 0 ok, -1 malformed or not positive.  (Here, not in sp_prom,
 * so that a tool taking a duration does not link libcurl and jansson.) */
int sp_time_parse_duration(const char *s, double *out);

double sp_time_mono(void);
double sp_time_now(void);

#endif
