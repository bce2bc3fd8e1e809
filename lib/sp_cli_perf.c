/* sp_cli_perf: shared performance-model options; see sp_cli_perf.h. */
#include "sp_cli_perf.h"

#include <stdio.h>

#include "sp_cli.h"

void
sp_cli_perf_defaults(sp_cli_perf *p)
{
	p->curve = NULL;
	p->svr = p->svr_cpu = NULL;
	p->svr_max = 100;
	p->slo = 16;
	p->cpu_cap = 90;
	p->wstar = 0;
}

int
sp_cli_perf_option(int c, const char *arg, sp_cli_perf *p)
{
	switch (c) {
	case SP_CLI_PERF_CURVE: p->curve = arg; return 1;
	case SP_CLI_PERF_SVR: p->svr = arg; return 1;
	case SP_CLI_PERF_SVRCPU: p->svr_cpu = arg; return 1;
	case SP_CLI_PERF_SVRMAX: p->svr_max = sp_cli_double("--perf-max", arg, 1e-9, 1e12); return 1;
	case SP_CLI_PERF_SLO: p->slo = sp_cli_double("--slo", arg, 1e-9, 1e9); return 1;
	case SP_CLI_PERF_CPUCAP: p->cpu_cap = sp_cli_double("--cpu-cap", arg, 1e-9, 100); return 1;
	case SP_CLI_PERF_WSTAR: p->wstar = sp_cli_double("--wstar", arg, 1e-9, 1e12); return 1;
	}
	return 0;
}

static void
line(int width, const char *opt, const char *fmt, double v, const char *s)
{
	printf("      %-*s ", width - 7 > 0 ? width - 7 : 0, opt);
	if (s)
		printf(fmt, s);
	else
		printf(fmt, v);
	putchar('\n');
}

void
sp_cli_perf_help(const sp_cli_perf *p, int width, const char *wstar_help)
{
	line(width, "--curve FILE", "performance curve CSV [%s]", 0,
	    p->curve ? p->curve : sp_cli_datafile(SP_CLI_PERF_EXAMPLE_CURVE));
	line(width, "--perf MODEL", "%s", 0, "svrfit latency model (load per replica) instead of --curve");
	line(width, "--perf-cpu MODEL", "%s", 0, "svrfit CPU model to go with --perf");
	line(width, "--perf-max W", "largest load per replica the models cover [%g]", p->svr_max, NULL);
	line(width, "--slo MS", "latency SLO in ms [%g]", p->slo, NULL);
	line(width, "--cpu-cap PCT", "highest CPU %% at w* [%g]", p->cpu_cap, NULL);
	line(width, "--wstar W", "%s", 0, wstar_help);
}

void
sp_cli_perf_check(const sp_cli_perf *p, int flags)
{
	if (p->svr && p->curve)
		sp_die_usage("--perf and --curve exclude each other");
	if (p->svr_cpu && !p->svr)
		sp_die_usage("--perf-cpu needs --perf");
	if ((flags & SP_CLI_PERF_NEED_CPU) && p->svr && !p->svr_cpu)
		sp_die_usage("--perf needs --perf-cpu (the reward needs CPU)");
}

sp_perf *
sp_cli_perf_load(const sp_cli_perf *p)
{
	sp_error err;
	sp_perf *perf;

	if (p->svr)
		perf = sp_perf_load_svr(p->svr, p->svr_cpu, p->svr_max, &err);
	else
		perf = sp_perf_load_curve(p->curve ? p->curve : sp_cli_datafile(SP_CLI_PERF_EXAMPLE_CURVE), &err);
	if (!perf)
		sp_die_err(&err);
	if (!p->svr && !p->curve && !(p->wstar > 0) && sp_cli_datafile_origin() == SP_CLI_DATA_INSTALLED) {
		double w;
		if (sp_perf_wstar(perf, p->slo, p->cpu_cap, &w, &err) == 0)
			sp_warn("using the example service curve %s (w* = %.4g); give --curve, --perf or "
			    "--wstar for your service", sp_cli_datafile(SP_CLI_PERF_EXAMPLE_CURVE), w);
		else
			sp_warn("using the example service curve %s; give --curve, --perf or --wstar for "
			    "your service", sp_cli_datafile(SP_CLI_PERF_EXAMPLE_CURVE));
	}
	return perf;
}

int
sp_cli_perf_given(const sp_cli_perf *p)
{
	return p->curve || p->svr;
}
