/* check.h: the unit-test helpers (header-only).
 *
 * CHECK(cond, fmt, ...)               one check; prints file:line on failure
 * CHECK_CLOSE(got, want, tol, label)  |got - want| <= tol * max(1, |want|)
 * CHECK_ARRAY_CLOSE(got, want, n, tol, label)
 * CHECK_STR(got, want, label)
 * return check_summary();             prints "N passed, N failed"; exit status
 *
 * A failed check never stops the program, so one run reports every failure;
 * the exit status is non-zero when any check failed (unlike llm.c's CPU test).
 */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_pass_, check_fail_;

#define CHECK(cond, ...) do { \
	if (cond) check_pass_++; \
	else { check_fail_++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)

static inline int
check_close_(double got, double want, double tol)
{
	double s = fabs(want) > 1 ? fabs(want) : 1;
	if (isnan(want))
		return isnan(got);
	return fabs(got - want) <= tol * s;
}

#define CHECK_CLOSE(got, want, tol, label) do { \
	double g_ = (got), w_ = (want); \
	CHECK(check_close_(g_, w_, (tol)), "%s: got %.17g, want %.17g (diff %.3g)", \
	    (label), g_, w_, fabs(g_ - w_)); \
} while (0)

#define CHECK_ARRAY_CLOSE(got, want, n, tol, label) do { \
	size_t i_, bad_ = (size_t)-1; double md_ = 0; \
	for (i_ = 0; i_ < (size_t)(n); i_++) { \
		double d_ = fabs((double)(got)[i_] - (double)(want)[i_]); \
		if (d_ > md_) md_ = d_; \
		if (!check_close_((got)[i_], (want)[i_], (tol)) && bad_ == (size_t)-1) bad_ = i_; \
	} \
	CHECK(bad_ == (size_t)-1, "%s: element %zu got %.17g want %.17g (max diff %.3g)", \
	    (label), bad_, bad_ == (size_t)-1 ? 0.0 : (double)(got)[bad_], \
	    bad_ == (size_t)-1 ? 0.0 : (double)(want)[bad_], md_); \
} while (0)

#define CHECK_STR(got, want, label) do { \
	const char *g_ = (got), *w_ = (want); \
	CHECK(g_ && strcmp(g_, w_) == 0, "%s: got '%s', want '%s'", (label), g_ ? g_ : "(null)", w_); \
} while (0)

static inline int
check_summary(void)
{
	printf("%d passed, %d failed\n", check_pass_, check_fail_);
	return check_fail_ != 0;
}

#endif
