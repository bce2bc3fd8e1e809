/* libFuzzer target: plan and simulate on per-step CSV rows, end to end
 * through the lib: the first bytes pick the policy and options (the
 * options of plan(1) and simulate(1)), the rest is the CSV (timestamp,
 * load, and any of demand/forecast/lower/upper/origin/state, cpu, latency,
 * ready, unready, missing, current, replicas).  Each row: sp_band_row_read,
 * sp_plan_step with the row before's measurements, then the step simulated
 * (sp_sim_step) as simulate does, with the curve of the examples. */
#include "fuzz.h"

#include <math.h>

#include "sp_band.h"
#include "sp_burst.h"
#include "sp_csv.h"
#include "sp_plan.h"
#include "sp_sim.h"

static double
num(const sp_csv_reader *r, int c)
{
	double v = NAN;
	sp_error err;
	if (c >= 0 && sp_csv_get_double(r, (size_t)c, &v, &err) < 0)
		return NAN;
	return v;
}

static int
count(const sp_csv_reader *r, int c)
{
	double v = num(r, c);
	return isfinite(v) && v >= 0 && v <= 1e6 && v == floor(v) ? (int)v : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double w[] = { 10, 50, 100, 120 }, lat[] = { 5, 8, 15, 40 }, cpu[] = { 5, 40, 85, 100 };
	static const double slos[] = { 16, 8, 100, 1e-3, 1e300 };
	static const double stale[] = { 0, 60, 1e9 }, stab[] = { 0, 300, 1e12 };
	static const double wstars[] = { 0, 7.5, 1e-300, 1e300 };
	fz_in in = { data, size };
	unsigned a = fz_byte(&in), b = fz_byte(&in), c = fz_byte(&in), d = fz_byte(&in);
	sp_plan_opts po;
	sp_sim_opts so;
	sp_perf *perf;
	sp_plan *pl = NULL;
	sp_sim *sim = NULL;
	sp_csv_reader *r = NULL;
	sp_band_cols bc;
	sp_error err;
	FILE *f;
	int load, ccpu, clat, cready, cunready, cmissing, ccur, crep;
	int pready = -1, punready = -1, pmissing = -1, last = 0;
	double pload = NAN, pcpu = NAN, plat = NAN, pt = NAN;

	if (!(perf = sp_perf_from_arrays(w, lat, a & 1 ? cpu : NULL, 4, &err)))
		return 0;
	sp_plan_defaults(&po);
	po.policy = (sp_plan_policy)((a >> 1) % 4);
	po.min = (int)(b % 4);
	po.max = 1 + (int)(b >> 2) * 3;
	po.initial = (int)(c % 5);
	po.slo = slos[(c >> 3) % 5];
	po.wstar = wstars[(a >> 3) % 4];
	po.overprov = (d & 1) * 0.2;
	po.ramp_up = (int)(d >> 1) % 3;
	po.ramp_down = (int)(d >> 3) % 3;
	po.stabilise = stab[(d >> 5) % 3];
	po.scale_in = (a >> 5) & 1;
	po.reactive = (sp_plan_reactive)((a >> 6) % 3);
	po.stale = stale[(c >> 6) % 3];
	po.quality_window = (b & 0x80) ? 4 : 0;
	po.metric = (sp_plan_metric)((c >> 5) % 3);
	if (po.metric != SP_PLAN_METRIC_CPU)
		po.target = 50;
	if (!(pl = sp_plan_new(&po, perf, &err)))
		goto out;
	sp_sim_defaults(&so);
	so.slo = po.slo;
	so.wstar = sp_plan_wstar(pl);
	so.queue = (int)(b & 1);
	if (!(sim = sp_sim_new(&so, perf, &err)))
		goto out;
	if (!(f = fz_stream(in.p, in.n)))
		goto out;
	/* as plan: either format; the long one is fuzz_burstdet's */
	if (!(r = sp_csv_reader_new(f, "-", 0, &err)) || sp_band_is_long(r))
		goto close;
	if ((load = sp_csv_pick_col(r, NULL, &err)) < 0 || sp_band_cols_find(r, NULL, &bc, &err) < 0)
		goto close;
	ccpu = sp_csv_col_index(r, "cpu");
	clat = sp_csv_col_index(r, "latency");
	cready = sp_csv_col_index(r, "ready");
	cunready = sp_csv_col_index(r, "unready");
	cmissing = sp_csv_col_index(r, "missing");
	ccur = sp_csv_col_index(r, "current");
	crep = sp_csv_col_index(r, "replicas");
	while (sp_csv_next(r, &err) == SP_OK) {
		sp_plan_in pin;
		sp_band_row br;
		sp_sim_row row;
		const char *reason;
		char ex[320];
		int n, req;

		sp_plan_in_clear(&pin);
		if (sp_csv_get_timestamp(r, &pin.t, &err) < 0 || sp_band_row_read(r, &bc, &br, &err) < 0)
			break;
		pin.prev_load = pload, pin.prev_cpu = pcpu, pin.prev_latency = plat;
		pin.prev_ready = pready, pin.prev_unready = punready, pin.prev_missing = pmissing;
		pin.demand = isfinite(br.demand) && br.demand < 0 ? 0 : br.demand;
		pin.lower = br.lower, pin.upper = br.upper, pin.origin = br.origin;
		pin.burst = br.state == SP_BURST_BURST;
		pin.current = count(r, ccur);
		if (sp_plan_step(pl, &pin, &n, &reason, ex, sizeof ex, &err) < 0)
			break;
		last = n;
		pload = num(r, load);
		if (isfinite(pload) && pload < 0)
			break;
		pcpu = num(r, ccpu), plat = num(r, clat);
		pready = count(r, cready), punready = count(r, cunready), pmissing = count(r, cmissing);
		/* the step simulated: replay the replicas column when there is one */
		req = crep >= 0 ? count(r, crep) : n;
		if (req >= 0 && isfinite(pload) && (isnan(pt) || pin.t > pt)) {
			if (sp_sim_step(sim, pin.t, isnan(pt) ? 60 : pin.t - pt, pload, req, pin.burst, &row, &err) < 0)
				break;
		}
		pt = pin.t;
	}
	(void)last;
	{
		sp_sim_summary s;
		int k;
		for (k = 0; k < SP_SIM_NSPLIT; k++)
			sp_sim_summarise(sim, k, &s);
	}
close:
	sp_csv_reader_free(r);
	fclose(f);
out:
	sp_sim_free(sim);
	sp_plan_free(pl);
	sp_perf_free(perf);
	return 0;
}
