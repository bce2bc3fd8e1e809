/* sp_cli_hpa: shared HPA options; see sp_cli_hpa.h. */
#include "sp_cli_hpa.h"

#include <stdio.h>

#include "sp_cli.h"

const char *const sp_cli_hpa_metrics[] = { "cpu", "average-value", "value", "pods", "object",
	"object-average", NULL };
static const char *const selects[] = { "max", "min", "disabled", NULL };

void
sp_cli_hpa_defaults(sp_cli_hpa *h)
{
	h->pods = NULL;
	h->cpu_init = 300;
	h->readiness_delay = 30;
	h->columns = 0;
}

static void
rules(sp_hpa_rules *r, const char *opt, const char *arg)
{
	sp_error err;

	if (sp_hpa_parse_policies(arg, r, &err) < 0)
		sp_die_usage("%s: %s", opt, err.msg);
}

int
sp_cli_hpa_option(int c, const char *arg, sp_plan_opts *o, sp_cli_hpa *h)
{
	if (!h && c >= SP_CLI_HPA_PODSFILE && c <= SP_CLI_HPA_COLUMNS)
		return 0;
	switch (c) {
	case SP_CLI_HPA_METRIC: o->metric = (sp_plan_metric)sp_cli_choice("--hpa-metric", arg, sp_cli_hpa_metrics); break;
	case SP_CLI_HPA_TOL: o->tol_up = o->tol_down = sp_cli_double("--tolerance", arg, 0, 1); break;
	case SP_CLI_HPA_TOLUP: o->tol_up = sp_cli_double("--tolerance-up", arg, 0, 1e6); break;
	case SP_CLI_HPA_TOLDOWN: o->tol_down = sp_cli_double("--tolerance-down", arg, 0, 1); break;
	case SP_CLI_HPA_DSWIN: o->hpa.downscale_window = sp_cli_double("--downscale-window", arg, 0, 1e7); break;
	case SP_CLI_HPA_UPFACTOR: o->hpa.up_factor = sp_cli_double("--scale-up-factor", arg, 1, 1e6); break;
	case SP_CLI_HPA_UPMIN: o->hpa.up_minimum = (double)sp_cli_long("--scale-up-minimum", arg, 0, 1000000); break;
	case SP_CLI_HPA_BEHAVIOR: o->hpa.behavior = 1; break;
	case SP_CLI_HPA_UPWIN: o->hpa.up.window = sp_cli_double("--scale-up-window", arg, 0, 3600); o->hpa.behavior = 1; break;
	case SP_CLI_HPA_DOWNWIN: o->hpa.down.window = sp_cli_double("--scale-down-window", arg, 0, 3600); o->hpa.behavior = 1; break;
	case SP_CLI_HPA_UPPOL: rules(&o->hpa.up, "--scale-up-policies", arg); o->hpa.behavior = 1; break;
	case SP_CLI_HPA_DOWNPOL: rules(&o->hpa.down, "--scale-down-policies", arg); o->hpa.behavior = 1; break;
	case SP_CLI_HPA_UPSEL: o->hpa.up.select = sp_cli_choice("--scale-up-select", arg, selects); o->hpa.behavior = 1; break;
	case SP_CLI_HPA_DOWNSEL: o->hpa.down.select = sp_cli_choice("--scale-down-select", arg, selects); o->hpa.behavior = 1; break;
	case SP_CLI_HPA_PODSFILE: h->pods = arg; break;
	case SP_CLI_HPA_CPUINIT: h->cpu_init = sp_cli_double("--cpu-init", arg, 0, 1e7); break;
	case SP_CLI_HPA_DELAY: h->readiness_delay = sp_cli_double("--readiness-delay", arg, 0, 1e7); break;
	case SP_CLI_HPA_COLUMNS: h->columns = 1; break;
	default: return 0;
	}
	return 1;
}

static void
line(int width, const char *opt, const char *text)
{
	printf("      %-*s %s\n", width - 7 > 0 ? width - 7 : 0, opt, text);
}

void
sp_cli_hpa_help(const sp_plan_opts *o, const sp_cli_hpa *h, int width, int flags)
{
	char b[160];

	line(width, "--hpa-metric M", "hpa: cpu (utilisation), pods (average per pod),");
	line(width, "", "object, object-average, value or average-value (External) [cpu]");
	snprintf(b, sizeof b, "hpa: tolerance both ways [%g]", o->tol_up);
	line(width, "--tolerance F", b);
	line(width, "--tolerance-up F", "hpa: scale-up tolerance");
	line(width, "--tolerance-down F", "hpa: scale-down tolerance");
	snprintf(b, sizeof b, "hpa: legacy downscale stabilisation [%g]", o->hpa.downscale_window);
	line(width, "--downscale-window SEC", b);
	snprintf(b, sizeof b, "hpa: legacy scale-up cap factor [%g]", o->hpa.up_factor);
	line(width, "--scale-up-factor F", b);
	snprintf(b, sizeof b, "hpa: legacy scale-up cap minimum [%g]", o->hpa.up_minimum);
	line(width, "--scale-up-minimum N", b);
	line(width, "--behavior", "hpa: use spec.behavior normalisation");
	line(width, "--scale-up-window SEC", "behavior: scale-up stabilisation [0]");
	line(width, "--scale-down-window SEC", "behavior: scale-down stabilisation [downscale window]");
	line(width, "--scale-up-policies P", "behavior: e.g. pods:4:15,percent:100:15");
	line(width, "--scale-down-policies P", "behavior: e.g. percent:100:15");
	line(width, "--scale-up-select S", "behavior: max, min or disabled [max]");
	line(width, "--scale-down-select S", "behavior: max, min or disabled [max]");
	if (!(flags & SP_CLI_HPA_PODS))
		return;
	line(width, "--pods FILE", "hpa: the pods at each sync (timestamp,pod,phase,ready,start,");
	line(width, "", "ready_since,request,usage,...; see scalepipe-hpa(7))");
	snprintf(b, sizeof b, "hpa --pods: CPU initialisation period [%g]", h->cpu_init);
	line(width, "--cpu-init SEC", b);
	snprintf(b, sizeof b, "hpa --pods: initial readiness delay [%g]", h->readiness_delay);
	line(width, "--readiness-delay SEC", b);
	line(width, "--hpa-columns", "hpa: add the columns proposal, utilization, raw");
}
