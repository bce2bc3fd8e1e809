/* sp_cli_perf: the performance-model and SLO options shared by plan,
 * simulate and rltrain, parsed in one place.  Front end like sp_cli (only
 * tools call it): a bad value is a usage error naming the option, exit 2.
 *
 * In a tool's long-option table:
 *     SP_CLI_PERF_LONGOPTS,   --curve --perf --perf-cpu --perf-max --slo
 *                             --cpu-cap --wstar
 * in its getopt switch:
 *     default: if (!sp_cli_perf_option(c, optarg, &pc)) sp_cli_bad_option();
 * in its usage text, at the place of those lines:
 *     sp_cli_perf_help(&pc, 25, "load per replica to plan for ...");
 * and after the options:
 *     sp_cli_perf_check(&pc, flags);          (usage errors)
 *     perf = sp_cli_perf_load(&pc);           (`tool: file:line: ...`, exit 1)
 */
#ifndef SP_CLI_PERF_H
#define SP_CLI_PERF_H

#include <getopt.h>

#include "sp_perf.h"

/* The example service curve, found with sp_cli_datafile(). */
#define SP_CLI_PERF_EXAMPLE_CURVE "bascaler_fft_service_curve.csv"

typedef struct {
	const char *curve;          /* --curve FILE; NULL: the example curve */
	const char *svr, *svr_cpu;  /* --perf, --perf-cpu: svrfit models */
	double svr_max;             /* --perf-max: their largest load per replica [100] */
	double slo;                 /* --slo: latency SLO, ms [16] */
	double cpu_cap;             /* --cpu-cap: highest CPU % at w* [90] */
	double wstar;               /* --wstar: load per replica; 0 = from the model */
} sp_cli_perf;

enum {
	SP_CLI_PERF_CURVE = 0x4100, SP_CLI_PERF_SVR, SP_CLI_PERF_SVRCPU, SP_CLI_PERF_SVRMAX,
	SP_CLI_PERF_SLO, SP_CLI_PERF_CPUCAP, SP_CLI_PERF_WSTAR
};

#define SP_CLI_PERF_LONGOPTS \
	{ "curve", required_argument, 0, SP_CLI_PERF_CURVE }, \
	{ "perf", required_argument, 0, SP_CLI_PERF_SVR }, \
	{ "perf-cpu", required_argument, 0, SP_CLI_PERF_SVRCPU }, \
	{ "perf-max", required_argument, 0, SP_CLI_PERF_SVRMAX }, \
	{ "slo", required_argument, 0, SP_CLI_PERF_SLO }, \
	{ "cpu-cap", required_argument, 0, SP_CLI_PERF_CPUCAP }, \
	{ "wstar", required_argument, 0, SP_CLI_PERF_WSTAR }

/* Flags of sp_cli_perf_check. */
enum {
	SP_CLI_PERF_NEED_CPU = 1   /* the tool needs CPU: --perf needs --perf-cpu */
};

void sp_cli_perf_defaults(sp_cli_perf *p);
/* Apply option c: 1 if it was one of the options above, 0 if not. */
int sp_cli_perf_option(int c, const char *arg, sp_cli_perf *p);
/* Print their --help lines, the option names padded to `width` columns
 * (counted from the line start, as the tool's other lines), with the
 * current values as defaults; wstar_help says what --wstar means to the
 * tool. */
void sp_cli_perf_help(const sp_cli_perf *p, int width, const char *wstar_help);
/* Usage errors: --perf with --curve, --perf-cpu without --perf, and with
 * SP_CLI_PERF_NEED_CPU --perf without --perf-cpu. */
void sp_cli_perf_check(const sp_cli_perf *p, int flags);
/* The model: the svrfit models when --perf was given, else the curve (or
 * the example curve).  Exits 1 with the loader's message on failure.
 * No silent example: when the installed example curve is used (no
 * --curve, --perf or --wstar, and the tool runs from an installation,
 * not from the source tree's bin/ or with $SCALEPIPE_DATADIR), it says so
 * on stderr, once: "plan: using the example service curve PATH (w* =
 * 80.68); give --curve, --perf or --wstar for your service". */
sp_perf *sp_cli_perf_load(const sp_cli_perf *p);
/* Whether the user chose the model (--curve or --perf). */
int sp_cli_perf_given(const sp_cli_perf *p);

#endif
