/* place: ML node scoring for pod placement.  Trains the DQN policy in the
 * placement simulator (--train), scores candidate nodes for pods from a
 * CSV with a trained model (-m), or serves the scores as a kube-scheduler
 * extender (--serve; the protocol is sp_extender's, the HTTP server
 * libmicrohttpd's).  See sp_place.h, sp_extender.h. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sp_cli.h"
#include "sp_csv.h"
#include "sp_extender.h"
#include "sp_place.h"
#include "sp_placesim.h"
#include "sp_time.h"

static const char synopsis[] =
    "place --train PODS -n NODES -u USAGE [--validate PODS [--validate-usage USAGE]]\n"
    "             -o MODEL [--episodes N] [--seed N] [--hidden N] [--lr X] [--gamma X]\n"
    "             [--horizon N] [--batch N] [--buffer N] [--target-every N] [--trees N]\n"
    "             [--eps-start X] [--eps-end X] [--step S] [--hot F] [--weights P,D,A]\n"
    "             [--mode combined|dqn] [-v | -q]\n"
    "       place -m MODEL [--weights P,D,A] [--mode combined|dqn] [FILE]\n"
    "       place -m MODEL --serve ADDR:PORT --state FILE [--shadow] [--filter-above F]\n"
    "             [--max-age S] [--max-body BYTES] [--timeout S] [--weights P,D,A]\n"
    "             [--mode combined|dqn] [-v]";

static const char *const modes[] = { "combined", "dqn", NULL };

typedef struct {
	const char *train, *nodes, *usage, *val, *val_usage, *out, *model, *input, *serve, *state;
	sp_place_opts po;
	sp_extender_opts xo;
	double w[3];
	long max_body, timeout;
	int weights_given, mode_given, train_opt, serve_opt, verbose, quiet;
} options;

static _Noreturn void
usage(const options *o)
{
	printf("usage: %s\n\n"
	    "Score nodes for a pod: a DQN trained in the placement simulator, a load\n"
	    "prediction and an Isolation Forest anomaly score, combined with weights.\n"
	    "--train fits a model on the pods of PODS; -m scores the candidate nodes of\n"
	    "FILE (pod,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used,\n"
	    "pod_cpu_request,pod_mem_request[,cpu_used_prev,mem_used_prev]; the rows of a\n"
	    "pod together) and appends pred_score,dqn_score,anom_score,score,best.\n\n"
	    "  --train PODS          train on these pods (placesim(1) formats)\n"
	    "  -n, --nodes FILE      node capacities\n"
	    "  -u, --usage FILE      usage series of the training pods\n"
	    "  --validate PODS       validation pods (early stopping) [the training pods]\n"
	    "  --validate-usage FILE their usage series [--usage]\n"
	    "  -o, --output MODEL    write the model here\n"
	    "  --episodes N          training episodes [%d]\n"
	    "  --seed N              random seed [%lu]\n"
	    "  --hidden N            units in each of the two hidden layers [%d]\n"
	    "  --lr X                Adam learning rate [%g]\n"
	    "  --gamma X             discount per decision [%g]\n"
	    "  --horizon N           steps of outcome counted per decision [%d]\n"
	    "  --batch N             minibatch [%d]\n"
	    "  --buffer N            decisions in the replay ring [%d]\n"
	    "  --target-every N      updates between target-network copies [%d]\n"
	    "  --trees N             Isolation Forest trees, 0 = no anomaly score [%d]\n"
	    "  --eps-start X         exploration at the first episode [%g]\n"
	    "  --eps-end X           exploration at the last episode [%g]\n"
	    "  --step S              simulator seconds per step [%g]\n"
	    "  --hot F               node CPU utilisation counted as hot [%g]\n"
	    "  --weights P,D,A       weights of the prediction, DQN and anomaly scores\n"
	    "                        [%g,%g,%g]\n"
	    "  --mode M              combined (the weighted scores) or dqn (the policy\n"
	    "                        alone) [%s]\n"
	    "  -m, --model MODEL     score candidate nodes with this model\n"
	    "  --serve ADDR:PORT     be a kube-scheduler extender (HTTP: POST /filter,\n"
	    "                        /prioritize; GET /healthz, /metrics); port 0 picks one\n"
	    "  --state FILE          node state (timestamp,node,cpu,mem,cpu_requested,\n"
	    "                        mem_requested,cpu_used,mem_used[,pods][,anomaly]),\n"
	    "                        reloaded when it changes and on SIGHUP\n"
	    "  --shadow              answer neutrally (all pass, equal priorities); log\n"
	    "                        what would have been chosen\n"
	    "  --filter-above F      filter out nodes predicted above F utilisation with\n"
	    "                        the pod, 0 = no filtering [%g]\n"
	    "  --max-age S           node data older than S seconds count as missing,\n"
	    "                        0 = any age [%g]\n"
	    "  --max-body BYTES      largest request body [%ld]\n"
	    "  --timeout S           close connections idle for S seconds [%ld]\n"
	    "  -v, --verbose         one line per episode (--serve: per request) on stderr\n"
	    "  -q, --quiet           no progress\n"
	    "  -h, --help            this help\n"
	    "      --version         print the version\n",
	    synopsis, o->po.episodes, o->po.seed, o->po.hidden, o->po.lr, o->po.gamma, o->po.horizon,
	    o->po.batch, o->po.buffer, o->po.target_every, o->po.trees, o->po.eps_start, o->po.eps_end,
	    o->po.sim.step, o->po.sim.hot, o->po.w_pred, o->po.w_dqn, o->po.w_anom, modes[o->po.mode],
	    o->xo.filter_above, o->xo.max_age, o->max_body, o->timeout);
	exit(0);
}

static void
parse_options(int argc, char **argv, options *o)
{
	enum { OPT_TRAIN = 256, OPT_VAL, OPT_VALU, OPT_EPISODES, OPT_SEED, OPT_HIDDEN, OPT_LR, OPT_GAMMA, OPT_HORIZON,
		OPT_BATCH, OPT_BUFFER, OPT_TARGET, OPT_TREES, OPT_EPS0, OPT_EPS1, OPT_STEP, OPT_HOT, OPT_WEIGHTS,
		OPT_MODE, OPT_VERSION, OPT_SERVE, OPT_STATE, OPT_SHADOW, OPT_FILTER, OPT_MAXAGE, OPT_MAXBODY, OPT_TIMEOUT };
	static const struct option lo[] = {
		{ "batch", required_argument, 0, OPT_BATCH },
		{ "buffer", required_argument, 0, OPT_BUFFER },
		{ "episodes", required_argument, 0, OPT_EPISODES },
		{ "eps-end", required_argument, 0, OPT_EPS1 },
		{ "eps-start", required_argument, 0, OPT_EPS0 },
		{ "filter-above", required_argument, 0, OPT_FILTER },
		{ "gamma", required_argument, 0, OPT_GAMMA },
		{ "help", no_argument, 0, 'h' },
		{ "hidden", required_argument, 0, OPT_HIDDEN },
		{ "horizon", required_argument, 0, OPT_HORIZON },
		{ "hot", required_argument, 0, OPT_HOT },
		{ "lr", required_argument, 0, OPT_LR },
		{ "max-age", required_argument, 0, OPT_MAXAGE },
		{ "max-body", required_argument, 0, OPT_MAXBODY },
		{ "mode", required_argument, 0, OPT_MODE },
		{ "model", required_argument, 0, 'm' },
		{ "nodes", required_argument, 0, 'n' },
		{ "output", required_argument, 0, 'o' },
		{ "quiet", no_argument, 0, 'q' },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "serve", required_argument, 0, OPT_SERVE },
		{ "shadow", no_argument, 0, OPT_SHADOW },
		{ "state", required_argument, 0, OPT_STATE },
		{ "step", required_argument, 0, OPT_STEP },
		{ "target-every", required_argument, 0, OPT_TARGET },
		{ "timeout", required_argument, 0, OPT_TIMEOUT },
		{ "train", required_argument, 0, OPT_TRAIN },
		{ "trees", required_argument, 0, OPT_TREES },
		{ "usage", required_argument, 0, 'u' },
		{ "validate", required_argument, 0, OPT_VAL },
		{ "validate-usage", required_argument, 0, OPT_VALU },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, OPT_VERSION },
		{ "weights", required_argument, 0, OPT_WEIGHTS },
		{ 0, 0, 0, 0 }
	};
	int c, t = 1, sv;

	sp_place_defaults(&o->po);
	sp_extender_defaults(&o->xo);
	o->max_body = 16 << 20;
	o->timeout = 10;
	while ((c = getopt_long(argc, argv, "hm:n:o:qu:v", lo, NULL)) != -1) {
		t = 1, sv = 0;
		switch (c) {
		case 'h': usage(o);
		case 'm': o->model = optarg, t = 0; break;
		case 'n': o->nodes = optarg; break;
		case 'o': o->out = optarg; break;
		case 'q': o->quiet = 1, t = 0; break;
		case 'u': o->usage = optarg; break;
		case 'v': o->verbose = 1, t = 0; break;
		case OPT_TRAIN: o->train = optarg; break;
		case OPT_VAL: o->val = optarg; break;
		case OPT_VALU: o->val_usage = optarg; break;
		case OPT_EPISODES: o->po.episodes = (int)sp_cli_long("--episodes", optarg, 1, 1000000); break;
		case OPT_SEED: o->po.seed = (unsigned long)sp_cli_long("--seed", optarg, 0, 0x7fffffffL); break;
		case OPT_HIDDEN: o->po.hidden = (int)sp_cli_long("--hidden", optarg, 1, 4096); break;
		case OPT_LR: o->po.lr = sp_cli_double("--lr", optarg, 1e-9, 10); break;
		case OPT_GAMMA: o->po.gamma = sp_cli_double("--gamma", optarg, 0, 0.999); break;
		case OPT_HORIZON: o->po.horizon = (int)sp_cli_long("--horizon", optarg, 1, 100000); break;
		case OPT_BATCH: o->po.batch = (int)sp_cli_long("--batch", optarg, 1, 65536); break;
		case OPT_BUFFER: o->po.buffer = (int)sp_cli_long("--buffer", optarg, 1, 1 << 22); break;
		case OPT_TARGET: o->po.target_every = (int)sp_cli_long("--target-every", optarg, 1, 100000000); break;
		case OPT_TREES: o->po.trees = (int)sp_cli_long("--trees", optarg, 0, 100000); break;
		case OPT_EPS0: o->po.eps_start = sp_cli_double("--eps-start", optarg, 0, 1); break;
		case OPT_EPS1: o->po.eps_end = sp_cli_double("--eps-end", optarg, 0, 1); break;
		case OPT_STEP: o->po.sim.step = sp_cli_double("--step", optarg, 1e-3, 1e9); break;
		case OPT_HOT: o->po.sim.hot = sp_cli_double("--hot", optarg, 1e-6, 100); break;
		case OPT_WEIGHTS:
			if (sp_cli_doubles("--weights", optarg, o->w, 3, 0, 1e6) != 3 || o->w[0] + o->w[1] + o->w[2] <= 0)
				sp_die_usage("--weights: three weights >= 0, not all 0 (P,D,A)");
			o->weights_given = 1, t = 0;
			break;
		case OPT_MODE: o->po.mode = sp_cli_choice("--mode", optarg, modes), o->mode_given = 1, t = 0; break;
		case OPT_SERVE: o->serve = optarg, t = 0; break;
		case OPT_STATE: o->state = optarg, t = 0, sv = 1; break;
		case OPT_SHADOW: o->xo.shadow = 1, t = 0, sv = 1; break;
		case OPT_FILTER: o->xo.filter_above = sp_cli_double("--filter-above", optarg, 0, 1e6), t = 0, sv = 1; break;
		case OPT_MAXAGE: o->xo.max_age = sp_cli_double("--max-age", optarg, 0, 1e9), t = 0, sv = 1; break;
		case OPT_MAXBODY: o->max_body = sp_cli_long("--max-body", optarg, 1024, 1L << 30), t = 0, sv = 1; break;
		case OPT_TIMEOUT: o->timeout = sp_cli_long("--timeout", optarg, 1, 86400), t = 0, sv = 1; break;
		case OPT_VERSION: sp_cli_version();
		default: sp_cli_bad_option();
		}
		o->train_opt |= t;
		o->serve_opt |= sv;
	}
	o->input = sp_cli_input_arg(argc, argv, optind, NULL);
	if (!o->train == !o->model)
		sp_die_usage("give --train PODS (to train) or -m MODEL (to score)");
	if (o->train && (!o->nodes || !o->usage || !o->out))
		sp_die_usage("--train needs -n NODES, -u USAGE and -o MODEL");
	if (o->train && o->input)
		sp_die_usage("--train takes no FILE");
	if (o->model && o->train_opt)
		sp_die_usage("-m scores: the training options do not apply");
	if (o->val_usage && !o->val)
		sp_die_usage("--validate-usage needs --validate");
	if (o->serve && (!o->state || o->input))
		sp_die_usage(o->input ? "--serve takes no FILE" : "--serve needs --state FILE");
	if (!o->serve && o->serve_opt)
		sp_die_usage("--state, --shadow, --filter-above, --max-age, --max-body and --timeout need --serve");
	if (o->weights_given)
		o->po.w_pred = o->w[0], o->po.w_dqn = o->w[1], o->po.w_anom = o->w[2];
}

static void
read_set(sp_placesim_input *in, const char *nodes, const char *usage_path, const char *pods)
{
	const char *name;
	sp_error err;
	FILE *fp;

	fp = sp_cli_open_input(nodes, &name);
	sp_die_if(sp_placesim_read_nodes(in, fp, name, &err), &err);
	fclose(fp);
	fp = sp_cli_open_input(usage_path, &name);
	sp_die_if(sp_placesim_read_usage(in, fp, name, &err), &err);
	fclose(fp);
	fp = sp_cli_open_input(pods, &name);
	sp_die_if(sp_placesim_read_pods(in, fp, name, &err), &err);
	fclose(fp);
}

static void
progress(void *ctx, int ep, int n, double tc, double vc)
{
	const options *o = ctx;

	if (o->verbose) {
		sp_cli_progress_end();
		fprintf(stderr, "place: episode %d of %d: training cost %.6g, validation cost %.6g\n", ep + 1, n, tc, vc);
	} else
		sp_cli_progress("episode %d of %d, validation cost %.4g", ep + 1, n, vc);
}

static void
train(options *o, int argc, char **argv)
{
	sp_placesim_input tr = { 0 }, va = { 0 };
	sp_place *p;
	sp_error err;
	int ep;

	read_set(&tr, o->nodes, o->usage, o->train);
	if (o->val)
		read_set(&va, o->nodes, o->val_usage ? o->val_usage : o->usage, o->val);
	if (o->quiet)
		sp_cli_progress_mode(SP_CLI_PROGRESS_OFF);
	if (!(p = sp_place_train(&tr, o->val ? &va : NULL, &o->po, progress, o, &err)))
		sp_die_err(&err);
	sp_cli_progress_end();
	sp_die_if(sp_place_save(p, o->out, sp_cli_cmdline(argc, argv), &err), &err);
	if (o->verbose)
		fprintf(stderr, "place: kept episode %d, validation cost %.6g\n", (sp_place_val_cost(p, &ep), ep) + 1,
		    sp_place_val_cost(p, NULL));
	sp_place_free(p);
	sp_placesim_input_free(&tr);
	sp_placesim_input_free(&va);
}

/* The model of -m, with --weights and --mode applied. */
static sp_place *
load_model(const options *o)
{
	sp_error err;
	sp_place *p = sp_place_load(o->model, &err);

	if (!p)
		sp_die_err(&err);
	if (o->weights_given || o->mode_given) {
		double a, b, c;
		int m;
		sp_place_get_weights(p, &a, &b, &c, &m);
		sp_die_if(sp_place_set_weights(p, o->weights_given ? o->w[0] : a, o->weights_given ? o->w[1] : b,
		    o->weights_given ? o->w[2] : c, o->mode_given ? o->po.mode : m, &err), &err);
	}
	return p;
}

/* The scoring input: columns by name. */
enum { C_NODE, C_CPU, C_MEM, C_CREQ, C_MREQ, C_CUSE, C_MUSE, C_PCPU, C_PMEM, C_NREQ };
static const char *const cnames[] = { "node", "cpu", "mem", "cpu_requested", "mem_requested", "cpu_used",
	"mem_used", "pod_cpu_request", "pod_mem_request" };

typedef struct {
	sp_placesim_node *nodes;
	double *pod, *pred, *dqn, *anom, *score;
	char **rows;                /* the rows' fields, to pass through */
	size_t n, cap, ncols;
} group;

static void
flush_group(group *g, sp_place *p, sp_csv_writer *w)
{
	double uc = 0, um = 0, qc = 0, qm = 0;
	sp_error err;
	int best;

	if (!g->n)
		return;
	for (size_t k = 0; k < g->n; k++)
		uc += g->nodes[k].cpu_use, um += g->nodes[k].mem_use, qc += g->nodes[k].cpu_req, qm += g->nodes[k].mem_req;
	best = sp_place_score(p, g->nodes, (int)g->n, g->pod[0], g->pod[1], qc > 0 && uc > 0 ? uc / qc : 1,
	    qm > 0 && um > 0 ? um / qm : 1, g->pred, g->dqn, g->anom, g->score, &err);
	sp_die_if(best, &err);
	for (size_t k = 0; k < g->n; k++) {
		for (size_t c = 0; c < g->ncols; c++) {
			sp_csv_write_str(w, g->rows[k * g->ncols + c]);
			free(g->rows[k * g->ncols + c]);
		}
		sp_csv_write_double(w, g->pred[k]);
		sp_csv_write_double(w, g->dqn[k]);
		sp_csv_write_double(w, g->anom[k]);
		sp_csv_write_double(w, g->score[k]);
		sp_csv_write_long(w, (long)k == best);
		sp_csv_end_row(w);
	}
	g->n = 0;
}

static void
score(const options *o)
{
	const char *name;
	FILE *fp = sp_cli_open_input(o->input, &name);
	sp_csv_reader *r;
	sp_csv_writer *w;
	sp_place *p;
	sp_error err;
	group g = { 0 };
	int col[C_NREQ], pcol, cprev, mprev, rc;
	char *cur = NULL;

	p = load_model(o);
	if (!(r = sp_csv_reader_new(fp, name, 0, &err)))
		sp_die_err(&err);
	for (int k = 0; k < C_NREQ; k++)
		if ((col[k] = sp_csv_pick_col(r, cnames[k], &err)) < 0) {
			err.code = SP_EDATA;   /* a missing input column, not a bad option */
			sp_die_err(&err);
		}
	pcol = sp_csv_col_index(r, "pod");
	cprev = sp_csv_col_index(r, "cpu_used_prev");
	mprev = sp_csv_col_index(r, "mem_used_prev");
	g.ncols = sp_csv_ncols(r);
	if (!(w = sp_csv_writer_new(stdout)))
		sp_die("out of memory");
	sp_csv_write_header_fields(w, r, 0, -1);
	sp_csv_write_str(w, "pred_score"), sp_csv_write_str(w, "dqn_score"), sp_csv_write_str(w, "anom_score");
	sp_csv_write_str(w, "score"), sp_csv_write_str(w, "best");
	sp_csv_end_row(w);
	while ((rc = sp_csv_next(r, &err)) == SP_OK) {
		double v[C_NREQ], pc = NAN, pm = NAN;
		size_t plen = 0, flen;
		const char *pod = pcol >= 0 ? sp_csv_field(r, (size_t)pcol, &plen) : "";
		if (!cur || strlen(cur) != plen || memcmp(cur, pod, plen) != 0) {
			flush_group(&g, p, w);
			free(cur);
			if (!(cur = strndup(pod, plen)))
				sp_die("out of memory");
		}
		for (int k = 1; k < C_NREQ; k++) {
			sp_die_if(sp_csv_get_double_req(r, (size_t)col[k], &v[k], &err), &err);
			if (v[k] < 0 || ((k == C_CPU || k == C_MEM) && v[k] == 0))
				sp_csv_error(r, col[k], &err, SP_EDATA, v[k] < 0 ? "negative value" : "capacity must be positive"),
				    sp_die_err(&err);
		}
		if (cprev >= 0)
			sp_die_if(sp_csv_get_double_req(r, (size_t)cprev, &pc, &err), &err);
		if (mprev >= 0)
			sp_die_if(sp_csv_get_double_req(r, (size_t)mprev, &pm, &err), &err);
		if (g.n == g.cap) {
			g.cap = g.cap ? 2 * g.cap : 16;
			g.nodes = realloc(g.nodes, g.cap * sizeof *g.nodes);
			g.pred = realloc(g.pred, g.cap * sizeof(double)), g.dqn = realloc(g.dqn, g.cap * sizeof(double));
			g.anom = realloc(g.anom, g.cap * sizeof(double)), g.score = realloc(g.score, g.cap * sizeof(double));
			g.rows = realloc(g.rows, g.cap * g.ncols * sizeof(char *));
			if (!g.nodes || !g.pred || !g.dqn || !g.anom || !g.score || !g.rows)
				sp_die("out of memory");
		}
		sp_placesim_node *n = &g.nodes[g.n];
		memset(n, 0, sizeof *n);
		n->cpu_cap = v[C_CPU], n->mem_cap = v[C_MEM], n->cpu_req = v[C_CREQ], n->mem_req = v[C_MREQ];
		n->cpu_use = v[C_CUSE], n->mem_use = v[C_MUSE];
		for (int h = 0; h < SP_PLACESIM_HIST; h++) {
			n->cpu_hist[h] = (h && !isnan(pc) ? pc : v[C_CUSE]) / v[C_CPU];
			n->mem_hist[h] = (h && !isnan(pm) ? pm : v[C_MUSE]) / v[C_MEM];
		}
		n->contended = v[C_CUSE] > v[C_CPU];
		g.pod = g.pod ? g.pod : malloc(2 * sizeof(double));
		if (!g.pod)
			sp_die("out of memory");
		g.pod[0] = v[C_PCPU], g.pod[1] = v[C_PMEM];
		for (size_t c = 0; c < g.ncols; c++) {
			const char *f = sp_csv_field(r, c, &flen);
			if (!(g.rows[g.n * g.ncols + c] = strndup(f, flen)))
				sp_die("out of memory");
		}
		g.n++;
	}
	if (rc < 0)
		sp_die_err(&err);
	flush_group(&g, p, w);
	sp_die_if(sp_csv_writer_flush(w, &err), &err);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	free(cur), free(g.nodes), free(g.pod), free(g.pred), free(g.dqn), free(g.anom), free(g.score), free(g.rows);
	sp_place_free(p);
	if (fp != stdin)
		fclose(fp);
}

/* ---- --serve: the extender over libmicrohttpd ---- */

typedef struct {
	sp_extender *x;
	pthread_mutex_t mu;       /* the extender: requests (MHD's thread) and reloads (main) */
	const char *state;
	struct stat id;           /* the state file as last loaded */
	size_t max_body;
	int verbose, shadow, stat_failed;
} server;

typedef struct {
	char *buf;
	size_t len, cap;
	int too_big;
	double t0;
} request;



/* Read the state file if it changed (or force); keeps the old on error. */
static void
reload(server *s, int force)
{
	struct stat st;
	sp_extender_state *ns;
	sp_error err;
	FILE *fp;

	if (stat(s->state, &st) != 0) {
		if (!s->stat_failed)
			fprintf(stderr, "place: %s: %s (keeping the previous state)\n", s->state, strerror(errno));
		s->stat_failed = 1;
		return;
	}
	s->stat_failed = 0;
	if (!force && st.st_ino == s->id.st_ino && st.st_dev == s->id.st_dev && st.st_size == s->id.st_size &&
	    st.st_mtim.tv_sec == s->id.st_mtim.tv_sec && st.st_mtim.tv_nsec == s->id.st_mtim.tv_nsec)
		return;
	s->id = st;
	if (!(fp = fopen(s->state, "r")))
		sp_error_set(&err, SP_EIO, "%s: %s", s->state, strerror(errno)), ns = NULL;
	else
		ns = sp_extender_state_read(fp, s->state, &err), fclose(fp);
	pthread_mutex_lock(&s->mu);
	if (ns)
		sp_extender_set_state(s->x, ns);
	else
		sp_extender_state_failed(s->x);
	pthread_mutex_unlock(&s->mu);
	if (ns)
		fprintf(stderr, "place: state %s: %zu nodes\n", s->state, sp_extender_state_nnodes(ns));
	else
		fprintf(stderr, "place: %s (keeping the previous state)\n", err.msg);
}

static enum MHD_Result
reply(struct MHD_Connection *c, int status, char *body, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (!body && !(body = strdup("place: out of memory\n")))
		return MHD_NO;
	if (!(r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE))) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
	rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static char *
message(const char *fmt, const char *arg)
{
	char *m;

	return asprintf(&m, fmt, arg) < 0 ? NULL : m;
}

/* The answer to a complete request (s->mu held). */
static int
route(server *s, request *q, const char *url, const char *method, char **body, const char **type, int *verb)
{
	static const char *const paths[] = { "/filter", "/prioritize", "/healthz", "/metrics" };
	sp_extender_reply r;
	sp_error err;
	int status;

	*verb = SP_EXTENDER_OTHER, *type = "text/plain; charset=utf-8";
	for (int v = 0; v < 4; v++)
		if (!strcmp(url, paths[v]))
			*verb = v;
	if (*verb == SP_EXTENDER_HEALTHZ)
		return *body = strdup("ok\n"), 200;
	if (*verb == SP_EXTENDER_METRICS)
		return *type = "text/plain; version=0.0.4", *body = sp_extender_metrics(s->x, sp_time_now()), 200;
	if (*verb == SP_EXTENDER_OTHER)
		return *body = message("place: no such path: %s\n", url), 404;
	if (strcmp(method, "POST"))
		return *body = message("place: %s takes POST\n", url), 405;
	if (q->too_big) {
		char n[32];
		snprintf(n, sizeof n, "%zu", s->max_body);
		return *body = message("place: request body over %s bytes (--max-body)\n", n), 413;
	}
	if (sp_extender_handle(s->x, *verb, q->buf ? q->buf : "", q->len, sp_time_now(), &r, &err) < 0)
		return *body = message("place: %s\n", err.msg), 500;
	if (r.note && (s->verbose || r.fallback || s->shadow))
		fprintf(stderr, "place: %s\n", r.note);
	if (r.status == 200) {
		size_t n = strlen(r.body);
		char *nb = realloc(r.body, n + 2);   /* a newline after the JSON, as curl users expect */
		if (nb)
			nb[n] = '\n', nb[n + 1] = 0, r.body = nb;
		*type = "application/json";
	}
	else if (s->verbose || r.status >= 400)
		fprintf(stderr, "%s", r.body);
	*body = r.body, r.body = NULL;
	status = r.status;
	sp_extender_reply_free(&r);
	return status;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
    const char *upload, size_t *upload_size, void **ctx)
{
	server *s = cls;
	request *q = *ctx;
	const char *type;
	char *body = NULL;
	int status, verb;

	if (!q) {
		if (!(q = calloc(1, sizeof *q)))
			return MHD_NO;
		q->t0 = sp_time_mono();
		*ctx = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->too_big && q->len + *upload_size > s->max_body)
			q->too_big = 1, free(q->buf), q->buf = NULL, q->len = q->cap = 0;
		if (!q->too_big) {
			if (q->len + *upload_size + 1 > q->cap) {
				size_t cap = 2 * (q->len + *upload_size) + 1;
				char *nb = realloc(q->buf, cap);
				if (!nb)
					return MHD_NO;
				q->buf = nb, q->cap = cap;
			}
			memcpy(q->buf + q->len, upload, *upload_size);
			q->len += *upload_size;
			q->buf[q->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&s->mu);
	status = route(s, q, url, method, &body, &type, &verb);
	sp_extender_observe(s->x, verb, status, sp_time_mono() - q->t0);
	pthread_mutex_unlock(&s->mu);
	return reply(c, status, body, type);
}

static void
on_done(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode why)
{
	request *q = *ctx;

	if (q)
		free(q->buf), free(q);
	*ctx = NULL;
}

static struct MHD_Daemon *
listen_on(server *s, const options *o, char *where, size_t wsize)
{
	char host[256];
	const char *colon = strrchr(o->serve, ':');
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *ai;
	struct MHD_Daemon *d;
	size_t hl;
	int rc;

	if (!colon || !colon[1] || (hl = (size_t)(colon - o->serve)) >= sizeof host)
		sp_die_usage("--serve: ADDR:PORT (e.g. 127.0.0.1:8888, :8888, [::1]:8888)");
	memcpy(host, o->serve, hl), host[hl] = 0;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
		memmove(host, host + 1, hl - 2), host[hl - 2] = 0;
	if ((rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai)) != 0)
		sp_die("--serve %s: %s", o->serve, gai_strerror(rc));
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
	    (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!d)
		sp_die("--serve %s: cannot listen (address in use or not local?)", o->serve);
	snprintf(where, wsize, "%.*s:%u", (int)(colon - o->serve), o->serve,
	    (unsigned)MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
	return d;
}

static void
serve(const options *o)
{
	server s = { .state = o->state, .max_body = (size_t)o->max_body, .verbose = o->verbose, .shadow = o->xo.shadow };
	struct MHD_Daemon *d;
	sp_extender_state *st;
	FILE *fp;
	sigset_t sigs;
	sp_place *p = load_model(o);
	sp_error err;
	char where[300];
	int sig;

	if (!(s.x = sp_extender_new(p, &o->xo, &err)))
		sp_die_err(&err);
	pthread_mutex_init(&s.mu, NULL);
	if (stat(s.state, &s.id) != 0 || !(fp = fopen(s.state, "r")))
		sp_die("%s: %s", s.state, strerror(errno));
	if (!(st = sp_extender_state_read(fp, s.state, &err)))
		sp_die_err(&err);
	fclose(fp);
	sp_extender_set_state(s.x, st);
	/* signals to this thread only (sigtimedwait), set before the server's thread starts */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP), sigaddset(&sigs, SIGINT), sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = listen_on(&s, o, where, sizeof where);
	fprintf(stderr, "place: serving on %s%s\n", where, o->xo.shadow ? " (shadow)" : "");
	for (;;) {
		struct timespec one = { 1, 0 };
		if ((sig = sigtimedwait(&sigs, NULL, &one)) == SIGINT || sig == SIGTERM)
			break;
		reload(&s, sig == SIGHUP);
	}
	MHD_stop_daemon(d);
	pthread_mutex_destroy(&s.mu);
	sp_extender_free(s.x);
	sp_place_free(p);
}

int
main(int argc, char **argv)
{
	options o = { 0 };

	sp_cli_init(argv[0], synopsis);
	parse_options(argc, argv, &o);
	if (o.train)
		train(&o, argc, argv);
	else if (o.serve)
		serve(&o);
	else
		score(&o);
	return 0;
}
