/* libFuzzer target: the kube-scheduler extender's inputs (place --serve).
 * The input is an option byte, a node-state CSV, "\n--\n", an HTTP request
 * body (ExtenderArgs JSON, or anything).  Runs: the node-state reader; the
 * request through sp_extender_handle as filter and as prioritize (with and
 * without the state, shadow, filtering and max-age by the option byte),
 * then the metrics page; sp_extender_args_parse and both JSON writers on
 * the body alone; sp_extender_quantity on the body's first line. */
#include "fuzz.h"

#include "sp_extender.h"

static void
answer(sp_extender *x, int verb, const uint8_t *body, size_t len, double now)
{
	sp_extender_reply r;
	sp_error err;

	memset(&r, 0, sizeof r);
	if (sp_extender_handle(x, verb, (const char *)body, len, now, &r, &err) == 0)
		sp_extender_reply_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double nows[] = { 1700000050, 1700000000, 0, 4.1e9, -1, 1e300 };
	fz_in in = { data, size };
	unsigned opt = fz_byte(&in);
	double now = fz_double(&in, nows, sizeof nows / sizeof *nows);
	size_t slen, blen;
	const uint8_t *state = fz_part(&in, &slen), *body;
	sp_extender_opts o;
	sp_extender_state *st = NULL;
	sp_extender_args a;
	sp_extender *x;
	sp_place *p;
	sp_error err;
	FILE *f;

	body = in.p, blen = in.n;
	/* the state file */
	if ((f = fz_stream(state, slen))) {
		st = sp_extender_state_read(f, "state.csv", &err);
		fclose(f);
	}
	if (st) {
		(void)sp_extender_state_nnodes(st);
		(void)sp_extender_state_newest(st);
	}
	/* the server's logic: a small model, the state (or none) */
	sp_extender_defaults(&o);
	o.shadow = (opt & 1) != 0;
	o.filter_above = (opt & 2) ? 0.9 : 0;
	o.max_age = (opt & 4) ? 100 : 0;
	p = sp_place_new(4, 1, &err);
	if (p && sp_place_set_weights(p, 0.3, 0.4, 0.3, (opt & 8) ? SP_PLACE_DQN : SP_PLACE_COMBINED, &err) == 0 &&
	    (x = sp_extender_new(p, &o, &err))) {
		if (st && !(opt & 16))
			sp_extender_set_state(x, st), st = NULL;
		else
			sp_extender_state_failed(x);
		answer(x, SP_EXTENDER_FILTER, body, blen, now);
		answer(x, SP_EXTENDER_PRIORITIZE, body, blen, now);
		sp_extender_observe(x, SP_EXTENDER_PRIORITIZE, 200, 0.001);
		sp_extender_observe(x, SP_EXTENDER_FILTER, 400, 1e9);
		free(sp_extender_metrics(x, now));
		sp_extender_free(x);
	}
	sp_place_free(p);
	sp_extender_state_free(st);

	/* the request alone: parse, then both answers' writers */
	memset(&a, 0, sizeof a);
	if (sp_extender_args_parse((const char *)body, blen, &a, &err) == 0) {
		int *pass = calloc(a.n + 1, sizeof *pass);
		const char **why = calloc(a.n + 1, sizeof *why);
		long *score = calloc(a.n + 1, sizeof *score);
		if (pass && why && score) {
			for (size_t i = 0; i < a.n; i++)
				pass[i] = (int)(i & 1), why[i] = "fuzz", score[i] = (long)(i % 11);
			free(sp_extender_filter_json(&a, pass, why, (opt & 32) ? "fuzz error" : NULL));
			free(sp_extender_priority_json(&a, score));
		}
		free(pass), free(why), free(score);
		sp_extender_args_free(&a);
	}
	/* a resource.Quantity: the body's first line (at most 63 bytes) */
	{
		char q[64];
		double v;
		size_t n = 0;
		while (n < blen && n < sizeof q - 1 && body[n] != '\n' && body[n] != '\0')
			q[n] = (char)body[n], n++;
		q[n] = '\0';
		(void)sp_extender_quantity(q, &v, &err);
	}
	return 0;
}
