/* libFuzzer target: the CSV reader on arbitrary bytes, both paths (fast and
 * libcsv-only), every field parsed as a number and a timestamp; the two
 * paths must give the same fields and the same error (abort otherwise).
 * Build and run with `make fuzz`. */
#include "fuzz.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_csv.h"
#include "sp_num.h"
#include "sp_time.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int pass;
	char *out[2] = { NULL, NULL };
	size_t olen[2] = { 0, 0 };

	if (size == 0)   /* fmemopen refuses an empty buffer */
		return 0;
	for (pass = 0; pass < 2; pass++) {
		FILE *o = open_memstream(&out[pass], &olen[pass]);
		sp_error err;
		int rc = SP_OK;
		FILE *f = fmemopen((void *)(uintptr_t)data, size, "r");
		sp_csv_reader *r;
		size_t i, n;
		double v;

		if (!f || !o) {
			if (f)
				fclose(f);
			if (o)
				fclose(o);
			free(out[0]);
			free(out[1]);
			return 0;
		}
		r = sp_csv_reader_new(f, "-", pass ? SP_CSV_LIBCSV_ONLY : 0, &err);
		if (r) {
			while ((rc = sp_csv_next(r, &err)) == SP_OK) {
				sp_error terr;
				for (i = 0; i < sp_csv_ncols(r); i++) {
					const char *s = sp_csv_field(r, i, &n);
					fprintf(o, "%zu:", n);
					fwrite(s, 1, n, o);
					sp_num_parse_field(s, n, &v);
					sp_time_parse(s, n, &v);
				}
				fputc('\n', o);
				sp_csv_get_timestamp(r, &v, &terr);
			}
			sp_csv_reader_free(r);
		}
		fprintf(o, "rc %d %s\n", r ? rc : -1000, !r || (rc != SP_OK && rc != SP_EEOF) ? err.msg : "");
		fclose(o);
		fclose(f);
	}
	if (olen[0] != olen[1] || memcmp(out[0], out[1], olen[0]) != 0)
		abort();   /* the fast path and libcsv disagree */
	free(out[0]);
	free(out[1]);
	return 0;
}
