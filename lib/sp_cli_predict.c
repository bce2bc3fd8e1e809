/* sp_cli_predict: the predictive policies' shared options; see sp_cli_predict.h. */
#include "sp_cli_predict.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sp_cli.h"

void
sp_cli_predict_defaults(sp_cli_predict *c)
{
	c->lead_time = c->margin = c->hysteresis = c->deadband = c->stabilise = c->react_margin = NAN;
	c->min_down = -1;
	c->nowcast = -1;
	c->check_hold = NAN;
}

int
sp_cli_predict_option(int ch, const char *arg, sp_cli_predict *c)
{
	switch (ch) {
	case SP_CLI_PREDICT_LEAD:
		c->lead_time = strcmp(arg, "auto") == 0 ? -1 : sp_cli_double("--lead-time", arg, 0, 1e9);
		return 1;
	case SP_CLI_PREDICT_MARGIN:
		c->margin = sp_cli_double("--margin", arg, 0, 1000) / 100;
		return 1;
	case SP_CLI_PREDICT_HYST:
		c->hysteresis = sp_cli_double("--hysteresis", arg, 0, 99) / 100;
		return 1;
	case SP_CLI_PREDICT_MINDOWN:
		c->min_down = (int)sp_cli_long("--min-down", arg, 1, 1000000);
		return 1;
	case SP_CLI_PREDICT_STAB:
		c->stabilise = sp_cli_double("--stabilise", arg, 0, 1e9);
		return 1;
	case SP_CLI_PREDICT_DEADBAND:
		c->deadband = sp_cli_double("--deadband", arg, 0, 1000) / 100;
		return 1;
	case SP_CLI_PREDICT_RMARGIN:
		c->react_margin = sp_cli_double("--react-margin", arg, 0, 1000) / 100;
		return 1;
	case SP_CLI_PREDICT_NOWCAST:
		if (strcmp(arg, "on") == 0)
			c->nowcast = 1;
		else if (strcmp(arg, "off") == 0)
			c->nowcast = 0;
		else
			sp_die_usage("--nowcast: want on or off, not '%s'", arg);
		return 1;
	case SP_CLI_PREDICT_CHECKHOLD:
		c->check_hold = sp_cli_double("--check-hold", arg, 0, 86400);
		return 1;
	default:
		return 0;
	}
}

void
sp_cli_predict_help(int width, const char *auto_help)
{
	int w = width - 7;

	printf("      %-*s plan for the next step's demand (demand_next) from SEC\n"
	    "      %-*s before it starts; auto: %s\n"
	    "      %-*s [scalepipe auto, others 0]\n", w, "--lead-time SEC", w, "", auto_help, w, "");
	printf("      %-*s the load reactive rule plans for load x (1 + PCT/100)\n"
	    "      %-*s [scalepipe %g, others 0]\n", w, "--margin PCT", w, "", SP_CLI_PREDICT_MARGIN_DEFAULT * 100);
	printf("      %-*s scale down only by more than PCT %% of the count\n"
	    "      %-*s [scalepipe %g, others 0]\n", w, "--hysteresis PCT", w, "", SP_CLI_PREDICT_HYST_DEFAULT * 100);
	printf("      %-*s the load rule's dead band: scale up to the count for\n"
	    "      %-*s load x (1 + (margin + PCT)/100), down no lower than it\n"
	    "      %-*s [scalepipe %g, others 0]\n", w, "--deadband PCT", w, "", w, "", SP_CLI_PREDICT_DEADBAND_DEFAULT * 100);
	if (SP_CLI_PREDICT_MINDOWN_DEFAULT == 1)
		printf("      %-*s scale down only by N pods or more [1]\n", w, "--min-down N");
	else
		printf("      %-*s scale down only by N pods or more [scalepipe %d, others 1]\n", w, "--min-down N",
		    SP_CLI_PREDICT_MINDOWN_DEFAULT);
	printf("      %-*s scale down only to the highest count planned in SEC\n"
	    "      %-*s [scalepipe %g, others 0]\n", w, "--stabilise SEC", w, "", SP_CLI_PREDICT_STAB_DEFAULT);
	printf("      %-*s a check between decisions (--react) that finds the\n"
	    "      %-*s load above the count plans for load x (1 + (margin +\n"
	    "      %-*s PCT)/100), with the load rule [scalepipe %g, others 0]\n", w, "--react-margin PCT",
	    w, "", w, "", SP_CLI_PREDICT_RMARGIN_DEFAULT * 100);
	printf("      %-*s on: a decision within a step that knows the load so\n"
	    "      %-*s far plans for the next step's demand + psi x (that\n"
	    "      %-*s load - the middle of the step's band), psi fitted on\n"
	    "      %-*s the steps before [scalepipe %s, others off]\n", w, "--nowcast on|off", w, "", w, "", w, "",
	    SP_CLI_PREDICT_NOWCAST_DEFAULT ? "on" : "off");
	printf("      %-*s a decision keeps a check's scale-up for SEC after the\n"
	    "      %-*s check while the load is at or above the load it met;\n"
	    "      %-*s 0: off [scalepipe %g, others 0]\n", w, "--check-hold SEC", w, "", w, "",
	    SP_CLI_PREDICT_CHECKHOLD_DEFAULT);
}

void
sp_cli_predict_apply(const sp_cli_predict *c, int scalepipe, int reactive_given, double auto_lead,
    sp_plan_opts *po)
{
	double lead = !isnan(c->lead_time) ? c->lead_time : scalepipe ? -1 : 0;

	po->lead_time = lead < 0 ? auto_lead : lead;
	po->margin = !isnan(c->margin) ? c->margin : scalepipe ? SP_CLI_PREDICT_MARGIN_DEFAULT : 0;
	po->hysteresis = !isnan(c->hysteresis) ? c->hysteresis : scalepipe ? SP_CLI_PREDICT_HYST_DEFAULT : 0;
	po->deadband = !isnan(c->deadband) ? c->deadband : scalepipe ? SP_CLI_PREDICT_DEADBAND_DEFAULT : 0;
	po->use_hold = scalepipe;
	po->min_down = c->min_down >= 0 ? c->min_down : scalepipe ? SP_CLI_PREDICT_MINDOWN_DEFAULT : 1;
	po->stabilise = !isnan(c->stabilise) ? c->stabilise : scalepipe ? SP_CLI_PREDICT_STAB_DEFAULT : 0;
	po->react_margin = !isnan(c->react_margin) ? c->react_margin : scalepipe ? SP_CLI_PREDICT_RMARGIN_DEFAULT : 0;
	po->nowcast = c->nowcast >= 0 ? c->nowcast : scalepipe ? SP_CLI_PREDICT_NOWCAST_DEFAULT : 0;
	po->check_hold = !isnan(c->check_hold) ? c->check_hold : scalepipe ? SP_CLI_PREDICT_CHECKHOLD_DEFAULT : 0;
	if (scalepipe && !reactive_given)
		po->reactive = SP_PLAN_REACTIVE_LOAD;
}
