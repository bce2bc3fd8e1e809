/* sp_cli_predict: the options of the predictive policies (forecast, burst,
 * scalepipe) that plan and simulate share, parsed in one place, and the
 * defaults of the scalepipe policy.  Front end like sp_cli (only tools call
 * it): a bad value is a usage error naming the option, exit 2.
 *
 *   --lead-time SEC|auto  from SEC before the next step starts, plan for the
 *                         larger of this step's demand and the next's
 *                         (burstdetect's demand_next); auto: the pod
 *                         start-up plus one decision interval
 *   --margin PCT          the load reactive rule plans for load x (1 + PCT/100)
 *   --hysteresis PCT      scale down only by more than PCT % of the count
 *   --deadband PCT        the load rule's dead band
 *   --min-down N          scale down only by N pods or more
 *   --stabilise SEC       scale down only to the highest count planned in SEC
 *   --react-margin PCT    a check between decisions that finds the load above
 *                         the count plans for load x (1 + (margin + PCT)/100)
 *   --nowcast on|off      a decision within a step moves the next step's
 *                         demand by the load measured so far (sp_plan_opts)
 *   --check-hold SEC      a decision keeps a check's scale-up for SEC after
 *                         it while the load is at or above what it met
 *
 * scalepipe is the burst-aware planner with these defaults (scalepipe-plan(7)):
 * reactive rule load (unless --reactive is given), margin 0, hysteresis
 * 10 %, no dead band, scale-downs of 1 pod or more, stabilisation 120 s,
 * demand_hold, lead time auto, react margin 40 % (50 % from 2026-12-05
 * 02:20 to 09:50), the nowcast on (since 2026-12-06 02:25), a check's
 * scale-up held 300 s while its load stays (since 2026-12-06); the other
 * policies default to none of them.
 * (Until 2026-12-04 22:00: scale-downs of 2 pods or more and no stabilisation;
 * bench/decisions.md says why they changed.)
 */
#ifndef SP_CLI_PREDICT_H
#define SP_CLI_PREDICT_H

#include <getopt.h>

#include "sp_plan.h"

typedef struct {
	double lead_time;           /* s; -1 auto; NaN not given */
	double margin, hysteresis;  /* fractions; NaN not given */
	double deadband;            /* fraction; NaN not given */
	int min_down;               /* pods; -1 not given */
	double stabilise;           /* s; NaN not given */
	double react_margin;        /* fraction; NaN not given */
	int nowcast;                /* 0 off, 1 on; -1 not given */
	double check_hold;          /* s; NaN not given */
} sp_cli_predict;

enum { SP_CLI_PREDICT_LEAD = 0x4200, SP_CLI_PREDICT_MARGIN, SP_CLI_PREDICT_HYST, SP_CLI_PREDICT_DEADBAND,
	SP_CLI_PREDICT_MINDOWN, SP_CLI_PREDICT_STAB, SP_CLI_PREDICT_RMARGIN, SP_CLI_PREDICT_NOWCAST,
	SP_CLI_PREDICT_CHECKHOLD };

#define SP_CLI_PREDICT_LONGOPTS \
	{ "lead-time", required_argument, 0, SP_CLI_PREDICT_LEAD }, \
	{ "margin", required_argument, 0, SP_CLI_PREDICT_MARGIN }, \
	{ "hysteresis", required_argument, 0, SP_CLI_PREDICT_HYST }, \
	{ "deadband", required_argument, 0, SP_CLI_PREDICT_DEADBAND }, \
	{ "min-down", required_argument, 0, SP_CLI_PREDICT_MINDOWN }, \
	{ "stabilise", required_argument, 0, SP_CLI_PREDICT_STAB }, \
	{ "react-margin", required_argument, 0, SP_CLI_PREDICT_RMARGIN }, \
	{ "nowcast", required_argument, 0, SP_CLI_PREDICT_NOWCAST }, \
	{ "check-hold", required_argument, 0, SP_CLI_PREDICT_CHECKHOLD }

/* The scalepipe policy's defaults. */
#define SP_CLI_PREDICT_MARGIN_DEFAULT 0.0
#define SP_CLI_PREDICT_HYST_DEFAULT 0.10
#define SP_CLI_PREDICT_DEADBAND_DEFAULT 0.0
#define SP_CLI_PREDICT_MINDOWN_DEFAULT 1
#define SP_CLI_PREDICT_STAB_DEFAULT 60.0
#define SP_CLI_PREDICT_RMARGIN_DEFAULT 0.4
#define SP_CLI_PREDICT_NOWCAST_DEFAULT 1
#define SP_CLI_PREDICT_CHECKHOLD_DEFAULT 300.0

void sp_cli_predict_defaults(sp_cli_predict *c);
/* Apply option ch: 1 if it was one of the options above, 0 if not. */
int sp_cli_predict_option(int ch, const char *arg, sp_cli_predict *c);
/* Their --help lines, names padded to `width` columns; auto_help says what
 * auto means to the tool. */
void sp_cli_predict_help(int width, const char *auto_help);
/* Into po: what was given, else the defaults of the policy (scalepipe: 1);
 * auto_lead is the lead time auto stands for, in seconds (INFINITY:
 * always); reactive_given: --reactive was given (scalepipe keeps it). */
void sp_cli_predict_apply(const sp_cli_predict *c, int scalepipe, int reactive_given, double auto_lead,
    sp_plan_opts *po);

#endif
