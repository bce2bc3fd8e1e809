/* libFuzzer target: forecast's CSV path end to end through the lib: a
 * fixed AR model (written once to a temporary file) opened with
 * sp_forecaster_open, applied rolling over the input CSV by sp_fcroll with
 * the options of forecast(1) picked by the first byte (one-horizon or long
 * rows, horizon, online recalibration, level), every output row written
 * to /dev/null. */
#include "fuzz.h"

#include "sp_csv.h"
#include "sp_fcroll.h"
#include "sp_forecaster.h"

static const char *const models[] = {
	"scalepipe-model ar 1\nmethod ols\norder 2\nd 0\nseason 0\nintercept 1\nconst 10\n"
	"phi 0.5 -0.25\nsigma2 4\nnobs 100\nllf -1\naic 1\nbic 1\ntail 3 4\nend\n",
	"scalepipe-model ar 1\nmethod burg\norder 1\nd 1\nseason 0\nintercept 0\nconst 0\n"
	"phi 0.9\nsigma2 1e-3\nnobs 10\nllf -1\naic 1\nbic 1\ntail 5\nend\n",
};
static char paths[2][64];

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;
	(void)argc, (void)argv;
	for (i = 0; i < 2; i++)
		if (fz_file(models[i], strlen(models[i]), paths[i], ".ar") < 0)
			abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double adapt[] = { 0, 0.05, 1, 0.5 }, level[] = { 0, 0.9, 0.5, 0.999 };
	fz_in in = { data, size };
	unsigned a = fz_byte(&in);
	sp_forecaster_opts fo = { level[(a >> 5) % 4] };
	sp_fcroll_opts ro;
	sp_forecaster *fc;
	sp_fcroll *roll = NULL;
	sp_csv_reader *r = NULL;
	sp_csv_writer *w = NULL;
	sp_fcroll_row *row = NULL;
	FILE *f, *out;
	sp_error err;

	if (!(fc = sp_forecaster_open(paths[a & 1], &fo, &err)))
		return 0;
	memset(&ro, 0, sizeof ro);
	ro.longfmt = (a >> 1) & 1;
	ro.horizon = (int)((a >> 2) % 4);
	ro.adapt = adapt[(a >> 4) % 2 + 2 * ((a >> 7) & 1)];
	if (!(f = fz_stream(in.p, in.n))) {
		sp_forecaster_free(fc);
		return 0;
	}
	out = fopen("/dev/null", "w");
	if (!(roll = sp_fcroll_new(fc, &ro, &err)))   /* borrows fc */
		goto out;
	if (!(r = sp_csv_reader_new(f, "-", SP_CSV_NEED_TIMESTAMP, &err)) ||
	    sp_fcroll_bind(roll, r, NULL, &err) < 0 || !out || !(w = sp_csv_writer_new(out)) ||
	    !(row = sp_fcroll_row_new()))
		goto out;
	/* as forecast; then the long rows as arfit writes them from a copy */
	sp_fcroll_write_header(roll, r, w);
	while (sp_csv_next(r, &err) == SP_OK) {
		const double *lo, *mid, *hi;
		double t;
		if (sp_fcroll_read(roll, r, &err) < 0)
			break;
		sp_fcroll_write(roll, r, w);
		if (ro.longfmt && sp_fcroll_origin(roll, &lo, &mid, &hi) == 1 &&
		    sp_csv_get_timestamp(r, &t, &err) == 0 && sp_fcroll_row_copy(row, r, &err) == 0)
			sp_fcroll_write_long(w, t, sp_fcroll_step(roll), sp_fcroll_horizon(roll), row, lo, mid, hi);
	}
	sp_fcroll_rows(roll);
	sp_fcroll_bands(roll);
	sp_csv_writer_flush(w, &err);
out:
	sp_fcroll_row_free(row);
	sp_csv_writer_free(w);
	sp_csv_reader_free(r);
	sp_fcroll_free(roll);
	sp_forecaster_free(fc);
	if (out)
		fclose(out);
	fclose(f);
	return 0;
}
