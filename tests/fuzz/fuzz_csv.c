/* libFuzzer target: the CSV reader on arbitrary bytes, both paths (fast and
 * libcsv-only), every field parsed as a number and a timestamp.  Build and
 * run with `make fuzz`. */
#include "fuzz.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sp_csv.h"
#include "sp_num.h"
#include "sp_time.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int pass;

	for (pass = 0; pass < 2; pass++) {
		sp_error err;
		FILE *f = fmemopen((void *)(uintptr_t)data, size ? size : 1, "r");
		sp_csv_reader *r;
		size_t i, n;
		double v;

		if (!f)
			return 0;
		if (size == 0) {
			fclose(f);
			return 0;
		}
		r = sp_csv_reader_new(f, "-", pass ? SP_CSV_LIBCSV_ONLY : 0, &err);
		if (r) {
			while (sp_csv_next(r, &err) == SP_OK) {
				for (i = 0; i < sp_csv_ncols(r); i++) {
					const char *s = sp_csv_field(r, i, &n);
					sp_num_parse_field(s, n, &v);
					sp_time_parse(s, n, &v);
				}
				sp_csv_get_timestamp(r, &v, &err);
			}
			sp_csv_reader_free(r);
		}
		fclose(f);
	}
	return 0;
}
