/* sp_cli_hpa: the Kubernetes HPA options shared by plan and simulate,
 * parsed in one place (scalepipe-hpa(7)).  Front end like sp_cli (only
 * tools call it): a bad value is a usage error naming the option, exit 2.
 * The settings go into the planner's options (sp_plan_opts: metric,
 * tolerances, the sp_hpa_config); the per-pod input options of plan into
 * an sp_cli_hpa.  --target stays the tool's (its peers share it).
 *
 * In a tool's long-option table:
 *     SP_CLI_HPA_LONGOPTS,       --hpa-metric --tolerance --tolerance-up
 *                                --tolerance-down --downscale-window
 *                                --scale-up-factor --scale-up-minimum
 *                                --behavior --scale-{up,down}-window
 *                                --scale-{up,down}-policies
 *                                --scale-{up,down}-select
 *     SP_CLI_HPA_PODS_LONGOPTS,  (plan) --pods --cpu-init --readiness-delay
 *                                --hpa-columns
 * in its getopt switch:
 *     default: if (!sp_cli_hpa_option(c, optarg, &po, &h)) sp_cli_bad_option();
 * in its usage text:
 *     sp_cli_hpa_help(&po, &h, 27, SP_CLI_HPA_PODS);
 */
#ifndef SP_CLI_HPA_H
#define SP_CLI_HPA_H

#include <getopt.h>

#include "sp_plan.h"

typedef struct {
	const char *pods;           /* --pods FILE: the per-pod input; NULL: none */
	double cpu_init;            /* --cpu-init: CPU initialisation period, s [300] */
	double readiness_delay;     /* --readiness-delay: initial readiness delay, s [30] */
	int columns;                /* --hpa-columns: add utilization, raw, proposal */
} sp_cli_hpa;

enum {
	SP_CLI_HPA_METRIC = 0x4300, SP_CLI_HPA_TOL, SP_CLI_HPA_TOLUP, SP_CLI_HPA_TOLDOWN, SP_CLI_HPA_DSWIN,
	SP_CLI_HPA_UPFACTOR, SP_CLI_HPA_UPMIN, SP_CLI_HPA_BEHAVIOR, SP_CLI_HPA_UPWIN, SP_CLI_HPA_DOWNWIN,
	SP_CLI_HPA_UPPOL, SP_CLI_HPA_DOWNPOL, SP_CLI_HPA_UPSEL, SP_CLI_HPA_DOWNSEL,
	SP_CLI_HPA_PODSFILE, SP_CLI_HPA_CPUINIT, SP_CLI_HPA_DELAY, SP_CLI_HPA_COLUMNS
};

#define SP_CLI_HPA_LONGOPTS \
	{ "hpa-metric", required_argument, 0, SP_CLI_HPA_METRIC }, \
	{ "tolerance", required_argument, 0, SP_CLI_HPA_TOL }, \
	{ "tolerance-up", required_argument, 0, SP_CLI_HPA_TOLUP }, \
	{ "tolerance-down", required_argument, 0, SP_CLI_HPA_TOLDOWN }, \
	{ "downscale-window", required_argument, 0, SP_CLI_HPA_DSWIN }, \
	{ "scale-up-factor", required_argument, 0, SP_CLI_HPA_UPFACTOR }, \
	{ "scale-up-minimum", required_argument, 0, SP_CLI_HPA_UPMIN }, \
	{ "behavior", no_argument, 0, SP_CLI_HPA_BEHAVIOR }, \
	{ "scale-up-window", required_argument, 0, SP_CLI_HPA_UPWIN }, \
	{ "scale-down-window", required_argument, 0, SP_CLI_HPA_DOWNWIN }, \
	{ "scale-up-policies", required_argument, 0, SP_CLI_HPA_UPPOL }, \
	{ "scale-down-policies", required_argument, 0, SP_CLI_HPA_DOWNPOL }, \
	{ "scale-up-select", required_argument, 0, SP_CLI_HPA_UPSEL }, \
	{ "scale-down-select", required_argument, 0, SP_CLI_HPA_DOWNSEL }

#define SP_CLI_HPA_PODS_LONGOPTS \
	{ "pods", required_argument, 0, SP_CLI_HPA_PODSFILE }, \
	{ "cpu-init", required_argument, 0, SP_CLI_HPA_CPUINIT }, \
	{ "readiness-delay", required_argument, 0, SP_CLI_HPA_DELAY }, \
	{ "hpa-columns", no_argument, 0, SP_CLI_HPA_COLUMNS }

/* The --hpa-metric names, in sp_plan_metric order. */
extern const char *const sp_cli_hpa_metrics[];

/* Flags of sp_cli_hpa_help. */
enum { SP_CLI_HPA_PODS = 1 };

/* Kubernetes' defaults: 300 s, 30 s, no file, no columns. */
void sp_cli_hpa_defaults(sp_cli_hpa *h);
/* Apply option c: 1 if it was one of the options above, 0 if not (h may
 * be NULL for a tool without the per-pod options). */
int sp_cli_hpa_option(int c, const char *arg, sp_plan_opts *po, sp_cli_hpa *h);
/* Print their --help lines (with SP_CLI_HPA_PODS the per-pod ones too),
 * the option names padded to `width` columns, current values as
 * defaults. */
void sp_cli_hpa_help(const sp_plan_opts *po, const sp_cli_hpa *h, int width, int flags);

#endif
