/* sp_time: timestamps; see sp_time.h. */
#include "sp_time.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sp_num.h"

long
sp_time_days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

void
sp_time_civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_rfc3339(const char *s, size_t n, double *out)
{
	int y, mo, d, h, mi, sec, zh = 0, zm = 0;
	size_t i = 19;
	double frac = 0, scale = 0.1;
	long days;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (n < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			frac += (s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
	}
	if (i < n) {
		if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
			i++;
		} else if ((s[i] == '+' || s[i] == '-') && i + 6 == n && s[i + 3] == ':') {
			if (digits(s + i + 1, 2, &zh) || digits(s + i + 4, 2, &zm) || zh > 23 || zm > 59)
				return -1;
			if (s[i] == '-') {
				zh = -zh;
				zm = -zm;
			}
			i = n;
		} else {
			return -1;
		}
	}
	days = sp_time_days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out = (double)days * 86400.0 + h * 3600.0 + mi * 60.0 + sec -
	    (zh * 3600.0 + zm * 60.0) + frac;
	return 0;
}

int
sp_time_parse(const char *s, size_t n, double *out)
{
	size_t i;
	long long v = 0;

	/* fast path: plain non-negative integer seconds */
	if (n > 0 && n <= 15) {
		for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			v = v * 10 + (s[i] - '0');
		if (i == n) {
			*out = (double)v;
			return 0;
		}
	}
	if (n >= 19 && s[4] == '-')
		return parse_rfc3339(s, n, out);
	if (sp_num_parse_field(s, n, out) == 0)
		return 0;
	return -1;
}

const char *
sp_time_implausible(double t)
{
	static const struct { double f; const char *unit; } units[] = {
		{ 1e3, "milliseconds?" }, { 1e6, "microseconds?" }, { 1e9, "nanoseconds?" }
	};
	size_t i;

	if (t >= SP_TIME_MIN && t <= SP_TIME_MAX)
		return NULL;
	if (!(t > SP_TIME_MAX))
		return "before 1970";
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (t / units[i].f >= 315532800.0 && t / units[i].f <= SP_TIME_MAX)
			return units[i].unit;   /* 1980..2100 in that unit */
	return "after 2100";
}

const char *
sp_time_implausible_wall(double t)
{
	const char *hint = sp_time_implausible(t);

	if (hint)
		return hint;
	return t < SP_TIME_WALL_MIN ? "before 1990: a relative time, or minutes or hours?" : NULL;
}

int
sp_time_format(char *buf, size_t size, double t)
{
	int len;

	if (t == floor(t) && fabs(t) < 9e15)
		return snprintf(buf, size, "%lld", (long long)t);
	if (!(fabs(t) < 1e15))   /* not a plausible time: keep it short */
		return snprintf(buf, size, "%.17g", t);
	len = snprintf(buf, size, "%.6f", t);
	if (len < 0 || (size_t)len >= size)
		return snprintf(buf, size, "%.17g", t);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	return len;
}

void
sp_time_breakdown(double t, sp_tm *tm)
{
	double days = floor(t / 86400.0), rem = t - days * 86400.0;
	long y;
	unsigned m, d;

	sp_time_civil_from_days((long)days, &y, &m, &d);
	tm->year = y;
	tm->month = (int)m;
	tm->mday = (int)d;
	tm->hour = (int)(rem / 3600.0);
	tm->min = (int)((rem - tm->hour * 3600.0) / 60.0);
	tm->sec = rem - tm->hour * 3600.0 - tm->min * 60.0;
	/* 1970-01-01 was a Thursday (3 with Monday = 0) */
	tm->wday = (int)((((long)days % 7) + 7 + 3) % 7);
	tm->yday = (int)((long)days - sp_time_days_from_civil(y, 1, 1)) + 1;
}

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double
sp_time_mono(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

double
sp_time_now(void)
{
	return clock_s(CLOCK_REALTIME);
}

int
sp_time_parse_duration(const char *s, double *out)
{
	double total = 0;
	const char *p = s;

	if (!*s)
		return -1;
	if (sp_num_parse_double(s, out) == 0)   /* plain seconds */
		return *out > 0 ? 0 : -1;
	while (*p) {
		char *end;
		double v, unit;
		if (*p < '0' || *p > '9')
			return -1;
		v = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		if (strncmp(p, "ms", 2) == 0) { unit = 0.001; p += 2; }
		else if (*p == 's') { unit = 1; p++; }
		else if (*p == 'm') { unit = 60; p++; }
		else if (*p == 'h') { unit = 3600; p++; }
		else if (*p == 'd') { unit = 86400; p++; }
		else if (*p == 'w') { unit = 7 * 86400; p++; }
		else if (*p == 'y') { unit = 365 * 86400; p++; }
		else return -1;
		total += v * unit;
	}
	if (!(total > 0) || !isfinite(total))
		return -1;
	*out = total;
	return 0;
}
