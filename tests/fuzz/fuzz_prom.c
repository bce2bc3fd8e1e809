/* libFuzzer target: Prometheus answers and durations.  The first line is
 * parsed as a duration (sp_time_parse_duration); the first byte after it
 * picks the grid, the HTTP status and the CSV options; the rest is one or
 * more answer bodies separated by "\n--\n", merged into one matrix
 * (sp_prom_merge), then written as CSV (sp_prom_write_csv) to /dev/null. */
#include "fuzz.h"

#include "sp_prom.h"
#include "sp_time.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double steps[] = { 1, 15, 60, 0.5, 1e-3, 3600, 7, 1e9 };
	static const double starts[] = { 0, 1700000000, -60, 1e12, 0.25, 86400 };
	static const long statuses[] = { 200, 200, 200, 400, 422, 503, 0, 204 };
	static const char *const wides[] = { NULL, "pod", "job,instance", "__name__", "", "a,a" };
	fz_in in = { data, size };
	char line[128];
	size_t k = 0, len;
	double d, start;
	unsigned opt;
	sp_prom_matrix *m;
	sp_error err;

	while (k < in.n && k < sizeof line - 1 && in.p[k] != '\n')
		line[k] = (char)in.p[k], k++;
	line[k] = '\0';
	sp_time_parse_duration(line, &d);
	in.p += k, in.n -= k;
	if (in.n && in.p[0] == '\n')
		in.p++, in.n--;
	opt = fz_byte(&in);
	start = starts[opt % 6];
	m = sp_prom_matrix_new(start, start + steps[(opt >> 3) % 8] * (double)(fz_byte(&in) % 64),
	    steps[(opt >> 3) % 8], &err);
	if (!m)
		return 0;
	{
		long status = statuses[fz_byte(&in) % 8];
		unsigned o2 = fz_byte(&in);
		int ok = 1;
		while (in.n > 0) {
			const uint8_t *p = fz_part(&in, &len);
			if (sp_prom_merge(m, (const char *)p, len, status, &err) < 0)
				ok = 0;
		}
		if (ok) {
			FILE *fp = fopen("/dev/null", "w");
			sp_csv_writer *w = fp ? sp_csv_writer_new(fp) : NULL;
			sp_prom_csv o = { "value", wides[o2 % 6], (sp_prom_null)((o2 >> 3) % 4), NULL, 0, 0, NULL, NULL, 0 };
			if (w) {
				sp_prom_write_csv(m, &o, w, &err);
				sp_csv_writer_flush(w, &err);
				sp_csv_writer_free(w);
			}
			if (fp)
				fclose(fp);
		}
		{
			sp_prom_query q = { "http://h:9090/p/", "rate(x{a=\"b\"}[5m])", (int)(o2 >> 7), 7 };
			char *url;
			size_t r;
			for (r = 0; r < 100 && sp_prom_query_url(m, &q, r, &url, &err) == 1; r++)
				free(url);
		}
	}
	sp_prom_matrix_free(m);
	return 0;
}
