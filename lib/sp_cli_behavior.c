/* sp_cli_behavior: scale's limits per run as options; see sp_cli_behavior.h. */
#include "sp_cli_behavior.h"

#include "sp_cli.h"

int
sp_cli_behavior_option(int ch, const char *arg, sp_behavior_opts *o)
{
	switch (ch) {
	case SP_CLI_BEHAVIOR_DSTAB: o->down_window = sp_cli_double("--down-stabilisation", arg, 0, 86400); return 1;
	case SP_CLI_BEHAVIOR_MAXDOWN: o->max_down_pct = sp_cli_double("--max-down-pct", arg, 0, 100); return 1;
	case SP_CLI_BEHAVIOR_MAXUP: o->max_up_pct = sp_cli_double("--max-up-pct", arg, 0, 10000); return 1;
	case SP_CLI_BEHAVIOR_MAXUPPODS: o->max_up_pods = sp_cli_long("--max-up-pods", arg, 0, 1000000); return 1;
	default: return 0;
	}
}
