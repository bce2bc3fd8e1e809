# fleet_e2e_gen.awk: N synthetic workloads as an OpenMetrics counter, for
# `promtool tsdb create-blocks-from openmetrics` (bench/fleet-e2e.sh).
#
#   awk -v n=N -v end=T -v minutes=M -f bench/fleet_e2e_gen.awk \
#       data/worldcup98_19980530_0630_5m.csv data/nasa_http_1995_rpm.csv
#
# Writes http_requests_total{namespace="ns<k mod 50>",deployment="app<k>"}
# for k = 0..N-1 (the keys of bench/fleet_gen.awk), one sample a minute at
# end - 60 (M - 1) .. end, series after series (each in time order, as the
# backfill needs).  The request rate of key k at minute j, in requests per
# second: the World Cup 98 trace (5-minute counts / 300, each 5-minute value
# held for 5 minutes) for even k, the NASA trace (requests per minute, read
# as requests per second x 10: minute resolution) for odd k, from an offset
# and times a scale that depend on k (as fleet_gen.awk), times
# 1 + 0.1 (u - 0.5) with u a hash of (k, j).  The counter adds rate x 60 a
# minute, rounded to a whole request; `rate(...[2m])` gives the rate back.
BEGIN { FS = ","; if (minutes == "") minutes = 11525 }
FNR == 1 { f++; next }
f == 1 { wc[nw++] = $2 + 0 }
f == 2 { na_[nn++] = $2 + 0 }
function u(k, i,   x) { x = sin(k * 12.9898 + i * 78.233) * 43758.5453; return x - int(x) }
END {
	print "# TYPE http_requests counter"
	print "# HELP http_requests synthetic fleet load (bench/fleet_e2e_gen.awk)"
	t0 = end - 60 * (minutes - 1)
	rows5 = int(minutes / 5) + 2
	for (k = 0; k < n; k++) {
		if (k % 2) { off = (k * 7919) % (nn - minutes) }
		else { off = (k * 7919) % (nw - rows5) }
		sc = 0.3 + ((k * 31) % 97) / 50
		key = sprintf("http_requests_total{namespace=\"ns%d\",deployment=\"app%d\"}", k % 50, k)
		c = 0
		for (j = 0; j < minutes; j++) {
			r = (k % 2 ? na_[off + j] * 10 : wc[off + int(j / 5)] / 300) * sc * (1 + 0.1 * (u(k, j) - 0.5))
			c += r * 60
			printf "%s %.0f %d\n", key, c, t0 + 60 * j
		}
	}
	print "# EOF"
}
