/* placesim: simulate pod placement on a cluster of nodes with real usage
 * series, under one or more placement policies, and print their metrics.
 * See sp_placesim.h (the model) and sp_place.h (the ml policy). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_file.h"
#include "sp_place.h"
#include "sp_placesim.h"

static const char synopsis[] =
    "placesim -n NODES -u USAGE [-p LIST] [-m MODEL] [--step S] [--hot F]\n"
    "                [--steps N] [--seed N] [--placements FILE] [PODS]";

#define MAXPOL 8

typedef struct {
	const char *nodes, *usage, *pods, *model, *placements;
	sp_placesim_opts sim;
	int pol[MAXPOL], npol;
} options;

static _Noreturn void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Place the pods of PODS (arrival,pod,cpu_request,mem_request,series[,departure])\n"
	    "on the nodes of NODES (node,cpu,mem) as they arrive, replay each pod's usage\n"
	    "series from USAGE (series,timestamp,cpu,mem; cores and MiB) step by step, and\n"
	    "print one row of metrics per policy: availability, evictions, node CPU\n"
	    "p50/p95/max, node-minutes above --hot, imbalance, nodes used.\n\n"
	    "  -n, --nodes FILE       node capacities (required)\n"
	    "  -u, --usage FILE       usage series (required)\n"
	    "  -p, --policy LIST      comma-separated: random, kube (LeastAllocated +\n"
	    "                         BalancedAllocation), most (MostAllocated +\n"
	    "                         BalancedAllocation), ml (needs -m) [kube]\n"
	    "  -m, --model MODEL      the ml policy's model (see place(1))\n"
	    "      --step S           seconds per step [%g]\n"
	    "      --hot F            node CPU utilisation counted as hot [%g]\n"
	    "      --steps N          stop after N steps, 0 = when every pod is gone [%ld]\n"
	    "      --seed N           random policy and tie-breaks [%lu]\n"
	    "      --placements FILE  write pod,node,start (first placement) of the last\n"
	    "                         policy to FILE\n"
	    "  -h, --help             this help\n"
	    "      --version          print the version\n",
	    synopsis, o->sim.step, o->sim.hot, o->sim.max_steps, o->sim.seed);
	exit(0);
}

static void
parse_policies(options *o, const char *arg)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", arg);
	o->npol = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int p = !strcmp(tok, "ml") ? SP_PLACESIM_CUSTOM : sp_placesim_policy_parse(tok);
		if (p < 0)
			sp_die_usage("--policy: unknown policy '%s' (have: random, kube, most, ml)", tok);
		if (o->npol == MAXPOL)
			sp_die_usage("--policy: at most %d policies", MAXPOL);
		o->pol[o->npol++] = p;
	}
	if (!o->npol)
		sp_die_usage("--policy: empty list");
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_STEP = 256, OPT_HOT, OPT_STEPS, OPT_SEED, OPT_PLACEMENTS, OPT_VERSION };
	static const struct option lo[] = {
		{ "help", no_argument, 0, 'h' },
		{ "hot", required_argument, 0, OPT_HOT },
		{ "model", required_argument, 0, 'm' },
		{ "nodes", required_argument, 0, 'n' },
		{ "placements", required_argument, 0, OPT_PLACEMENTS },
		{ "policy", required_argument, 0, 'p' },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "step", required_argument, 0, OPT_STEP },
		{ "steps", required_argument, 0, OPT_STEPS },
		{ "usage", required_argument, 0, 'u' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ 0, 0, 0, 0 }
	};
	int c, ml = 0;

	sp_placesim_defaults(&o->sim);
	o->pol[0] = SP_PLACESIM_KUBE, o->npol = 1;
	while ((c = getopt_long(argc, argv, "hm:n:p:u:", lo, NULL)) != -1)
		switch (c) {
		case 'h': usage(o);
		case 'm': o->model = optarg; break;
		case 'n': o->nodes = optarg; break;
		case 'p': parse_policies(o, optarg); break;
		case 'u': o->usage = optarg; break;
		case OPT_STEP: o->sim.step = sp_cli_double("--step", optarg, 1e-3, 1e9); break;
		case OPT_HOT: o->sim.hot = sp_cli_double("--hot", optarg, 1e-6, 100); break;
		case OPT_STEPS: o->sim.max_steps = sp_cli_long("--steps", optarg, 0, 1000000000L); break;
		case OPT_SEED: o->sim.seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 0x7fffffffL); break;
		case OPT_PLACEMENTS: o->placements = optarg; break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
	o->pods = sp_cli_input_arg(argc, argv, optind, NULL);
	if (!o->nodes || !o->usage)
		sp_die_usage("-n NODES and -u USAGE are required");
	for (int k = 0; k < o->npol; k++)
		ml |= o->pol[k] == SP_PLACESIM_CUSTOM;
	if (ml && !o->model)
		sp_die_usage("--policy ml needs -m MODEL");
	if (!ml && o->model)
		sp_die_usage("-m MODEL is for --policy ml");
}

static void
read_input(const options *o, sp_placesim_input *in)
{
	const char *name;
	sp_error err;
	FILE *fp;

	fp = sp_cli_open_input(o->nodes, &name);
	sp_die_if(sp_placesim_read_nodes(in, fp, name, &err), &err);
	fclose(fp);
	fp = sp_cli_open_input(o->usage, &name);
	sp_die_if(sp_placesim_read_usage(in, fp, name, &err), &err);
	fclose(fp);
	fp = sp_cli_open_input(o->pods, &name);
	sp_die_if(sp_placesim_read_pods(in, fp, name, &err), &err);
	if (fp != stdin)
		fclose(fp);
}

/* pod,node,start of the first placement of every pod (empty: never
 * placed), written atomically. */
static void
write_placements(const char *path, const sp_placesim *s, const sp_placesim_input *in)
{
	sp_error err;
	sp_file *f = sp_file_create(path, SP_FILE_PUBLIC, &err);
	sp_csv_writer *w;

	if (!f)
		sp_die_err(&err);
	if (!(w = sp_csv_writer_new(sp_file_stream(f))))
		sp_die("out of memory");
	sp_csv_write_str(w, "pod"), sp_csv_write_str(w, "node"), sp_csv_write_str(w, "start");
	sp_csv_end_row(w);
	for (size_t i = 0; i < in->npod; i++) {
		int j = sp_placesim_pod_first_node(s, i);
		sp_csv_write_str(w, in->pod[i].name);
		sp_csv_write_str(w, j < 0 ? "" : in->node[j].name);
		sp_csv_write_time(w, sp_placesim_pod_start(s, i));
		sp_csv_end_row(w);
	}
	if (sp_csv_writer_flush(w, &err) < 0) {
		sp_file_abort(f);
		sp_die_err(&err);
	}
	sp_csv_writer_free(w);
	sp_die_if(sp_file_commit(f, &err), &err);
}

int
main(int argc, char **argv)
{
	options o = { 0 };
	sp_placesim_input in = { 0 };
	sp_placesim_metrics m;
	sp_placesim_policy pol;
	sp_place *ml = NULL;
	sp_csv_writer *w;
	sp_error err;

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	read_input(&o, &in);
	if (o.model && !(ml = sp_place_load(o.model, &err)))
		sp_die_err(&err);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_placesim_metrics_header(w);
	for (int k = 0; k < o.npol; k++) {
		sp_placesim_opts so = o.sim;
		sp_placesim *s;
		so.policy = o.pol[k];
		if (ml)
			sp_place_policy(ml, &pol);
		if (!(s = sp_placesim_new(&in, &so, ml ? &pol : NULL, &err)))
			sp_die_err(&err);
		sp_die_if(sp_placesim_run(s, &err), &err);
		sp_placesim_get_metrics(s, &m);
		sp_placesim_metrics_row(w, o.pol[k] == SP_PLACESIM_CUSTOM ? "ml" : sp_placesim_policy_name(o.pol[k]), &m);
		if (o.placements && k == o.npol - 1)
			write_placements(o.placements, s, &in);
		sp_placesim_free(s);
	}
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
	sp_place_free(ml);
	sp_placesim_input_free(&in);
	return 0;
}
