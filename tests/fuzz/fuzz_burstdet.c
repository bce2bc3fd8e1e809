/* libFuzzer target: burstdetect and plan's long path end to end through
 * the lib: the first bytes pick the options, the rest is a multi-horizon
 * ("long") CSV read by sp_band (STRICT with the load column, as
 * burstdetect; CONTIGUOUS, as plan) and, in the STRICT pass, decided
 * origin by origin by sp_burstdet with the detector, AR and demand options
 * of burstdetect(1). */
#include "fuzz.h"

#include "sp_band.h"
#include "sp_burstdet.h"
#include "sp_csv.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double quant[] = { 0.5, 0.9, 0.01, 0.999999 };
	static const double ratios[] = { 0.5, 0, 1e300 };
	fz_in in = { data, size };
	unsigned a = fz_byte(&in), b = fz_byte(&in);
	int pass;

	for (pass = 0; pass < 2; pass++) {
		sp_error err;
		sp_band_opts bo;
		sp_band *band = NULL;
		sp_burstdet *bd = NULL;
		sp_csv_reader *r = NULL;
		sp_band_origin g;
		FILE *f = fz_stream(in.p, in.n);

		if (!f)
			return 0;
		if (!(r = sp_csv_reader_new(f, "-", 0, &err)) || !sp_band_is_long(r))
			goto next;
		sp_band_defaults(&bo);
		if (pass == 0) {
			bo.flags = SP_BAND_STRICT;
			bo.load = sp_csv_col_index(r, "forecast") > 3 ? 3 : -1;
		} else {
			bo.flags = SP_BAND_CONTIGUOUS;
			bo.load = -1;
			bo.extra = sp_csv_col_index(r, "cpu");
			bo.horizons = (int)(b % 4);
		}
		if (!(band = sp_band_new(r, &bo, &err)))
			goto next;
		sp_band_ndata(band);
		if (pass == 0) {
			sp_burstdet_opts o;
			sp_burstdet_defaults(&o);
			o.det.H = sp_band_horizons(band);
			o.det.near = 1 + (int)(a % 4);
			o.det.min_out = (int)((a >> 2) % 3);
			o.det.train = (a & 0x10) ? 3 : 0;
			o.same_step = (a >> 5) & 1;
			o.normal = (sp_burstdet_normal)((a >> 6) % 3);
			o.quantile = quant[b % 4];
			o.lead = 1 + (int)((b >> 2) % 3);
			o.spike_ratio = ratios[(b >> 4) % 3];
			o.ar.max_window = (b & 0x40) ? 8 : o.ar.max_window;
			o.ar.bootstrap = (b & 0x80) ? 20 : 0;
			if (o.lead > o.det.H)
				o.lead = o.det.H;
			if (!(bd = sp_burstdet_new(&o, &err)))
				goto next;
		}
		while (sp_band_next(band, &g, &err) == SP_OK) {
			sp_burstdet_decision d;
			if (bd && sp_burstdet_decide(bd, g.origin, g.target, g.load, g.L, g.M, g.U, &d, &err) < 0)
				break;
		}
next:
		sp_burstdet_free(bd);
		sp_band_free(band);
		sp_csv_reader_free(r);
		fclose(f);
	}
	return 0;
}
