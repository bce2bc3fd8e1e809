/* sp_cli_behavior: scale's limits per run (sp_behavior), the options scale
 * and simulate (--scale-limits) share, parsed in one place.  Front end like
 * sp_cli (only tools call it): a bad value is a usage error naming the
 * option, exit 2.
 *
 *   --down-stabilisation SEC  scale down only to the largest recommendation
 *                             of the last SEC seconds
 *   --max-down-pct P          per run at most max(1, P % of the count) fewer
 *   --max-up-pct P, --max-up-pods N  per run at most max(ceil(P % of the
 *                             count), N) more
 */
#ifndef SP_CLI_BEHAVIOR_H
#define SP_CLI_BEHAVIOR_H

#include <getopt.h>

#include "sp_behavior.h"

enum { SP_CLI_BEHAVIOR_DSTAB = 0x4400, SP_CLI_BEHAVIOR_MAXDOWN, SP_CLI_BEHAVIOR_MAXUP, SP_CLI_BEHAVIOR_MAXUPPODS };

#define SP_CLI_BEHAVIOR_LONGOPTS \
	{ "down-stabilisation", required_argument, 0, SP_CLI_BEHAVIOR_DSTAB }, \
	{ "max-down-pct", required_argument, 0, SP_CLI_BEHAVIOR_MAXDOWN }, \
	{ "max-up-pct", required_argument, 0, SP_CLI_BEHAVIOR_MAXUP }, \
	{ "max-up-pods", required_argument, 0, SP_CLI_BEHAVIOR_MAXUPPODS }

/* Apply option ch to o: 1 if it was one of the options above, 0 if not. */
int sp_cli_behavior_option(int ch, const char *arg, sp_behavior_opts *o);

#endif
