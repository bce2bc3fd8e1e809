/* libFuzzer target: a performance curve CSV (sp_perf_load_curve), then the
 * curve in use: latency and CPU over loads inside and beyond it, and w*
 * for a few SLOs and CPU caps. */
#include "fuzz.h"

#include <math.h>

#include "sp_perf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double slo[] = { 16, 1, 1e6, 0.1 }, cap[] = { 90, 100, 1, 50 };
	static const double loads[] = { 0, 1, 50, 1e3, 1e300, -0.0 };
	char path[64];
	sp_error err;
	sp_perf *p;
	double ws;
	size_t i;

	if (fz_file(data, size, path, ".csv") < 0)
		return 0;
	if ((p = sp_perf_load_curve(path, &err))) {
		sp_perf_has_cpu(p);
		sp_perf_capacity(p);
		for (i = 0; i < sizeof loads / sizeof *loads; i++) {
			sp_perf_latency(p, loads[i]);
			sp_perf_cpu(p, loads[i]);
		}
		for (i = 0; i < 4; i++)
			sp_perf_wstar(p, slo[i], cap[i], &ws, &err);
		sp_perf_free(p);
	}
	unlink(path);
	return 0;
}
