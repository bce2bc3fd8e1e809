/* libFuzzer target: anomaly's CSV path end to end through the lib.  The
 * first line of the input is the feature spec (anomaly --features), the
 * next byte the detector's options; the rest is the CSV: every column after
 * the timestamp (at most 8) is an input column, and forecast/lower/upper
 * when present feed resid.  Rows go through the feature builder
 * (sp_anomaly_fb) and the causal detector (sp_anomaly_step, with small
 * train and refit counts so that fits happen), then the batch path
 * (collect + fit_collected) on the same rows. */
#include "fuzz.h"

#include <math.h>

#include "sp_anomaly.h"
#include "sp_csv.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double thr[] = { 0.82, 0.5, 1, 0 };
	fz_in in = { data, size };
	char spec[256];
	size_t k = 0, ncols, dim, j, nrows = 0;
	unsigned a;
	int band[3], b;
	sp_anomaly_opts o;
	sp_anomaly_fb *fb = NULL;
	sp_anomaly *det = NULL, *batch = NULL;
	sp_csv_reader *r = NULL;
	sp_error err;
	double *feat = NULL;
	int col[8];
	FILE *f;

	while (k < in.n && k < sizeof spec - 1 && in.p[k] != '\n')
		spec[k] = (char)in.p[k], k++;
	spec[k] = '\0';
	in.p += k, in.n -= k;
	if (in.n && in.p[0] == '\n')
		in.p++, in.n--;
	a = fz_byte(&in);
	sp_anomaly_defaults(&o);
	o.forest.trees = 1 + (int)(a % 4);
	o.forest.psi = 2 + (a >> 2) % 8;
	o.train = 2 + (a >> 5);
	o.refit = (a & 0x10) ? 3 : 0;
	o.reservoir = 6;
	o.threshold = thr[(a >> 2) % 4];
	o.contamination = (a & 0x80) ? 0.1 : 0;
	o.mode = (a & 2) ? SP_IFOREST_PLAIN : SP_IFOREST_RANGE;
	if (!(f = fz_stream(in.p, in.n)))
		return 0;
	if (!(r = sp_csv_reader_new(f, "-", SP_CSV_NEED_TIMESTAMP, &err)))
		goto out;
	band[0] = sp_csv_col_index(r, "forecast");
	band[1] = sp_csv_col_index(r, "lower");
	band[2] = sp_csv_col_index(r, "upper");
	b = band[0] >= 0 && band[1] >= 0 && band[2] >= 0;
	for (ncols = 0, j = 1; j < sp_csv_ncols(r) && ncols < 8; j++)
		if (!b || ((int)j != band[0] && (int)j != band[1] && (int)j != band[2]))
			col[ncols++] = (int)j;
	if (ncols == 0 || !(fb = sp_anomaly_fb_new(spec, ncols, b, &err)))
		goto out;
	dim = sp_anomaly_fb_dim(fb);
	if (!(det = sp_anomaly_new(dim, &o, &err)) || !(batch = sp_anomaly_new(dim, &o, &err)) ||
	    !(feat = malloc(dim * sizeof *feat)))
		goto out;
	while (sp_csv_next(r, &err) == SP_OK && nrows < 4000) {
		double t, x[8], bv[3], score;
		int flag, complete;
		if (sp_csv_get_timestamp(r, &t, &err) < 0)
			break;
		for (j = 0; j < ncols; j++)
			if (sp_csv_get_double(r, (size_t)col[j], &x[j], &err) < 0)
				goto out;
		for (j = 0; b && j < 3; j++)
			if (sp_csv_get_double(r, (size_t)band[j], &bv[j], &err) < 0)
				goto out;
		complete = sp_anomaly_fb_push(fb, t, x, b ? bv : NULL, feat);
		if (sp_anomaly_step(det, complete ? feat : NULL, &score, &flag, &err) < 0)
			break;
		if (sp_anomaly_collect(batch, feat, complete, &err) < 0)
			break;
		nrows++;
	}
	if (sp_anomaly_fit_collected(batch, &err) == 0) {
		double score;
		int flag;
		for (j = 0; j < sp_anomaly_ncollected(batch); j++)
			sp_anomaly_collected(batch, j, &score, &flag);
	}
out:
	free(feat);
	sp_anomaly_free(det);
	sp_anomaly_free(batch);
	sp_anomaly_fb_free(fb);
	sp_csv_reader_free(r);
	fclose(f);
	return 0;
}
