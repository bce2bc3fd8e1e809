# fleet_gen.awk: N synthetic workloads in the keyed format of scalepipe(7)
# ("Many workloads"), made from two shipped traces with shifts, scales and
# noise.  Used by bench/fleet.sh.
#
#   awk -v n=N [-v only=K] [-v rows=2016] -f bench/fleet_gen.awk \
#       data/worldcup98_19980530_0630_5m.csv data/nasa_http_1995_rpm.csv
#
# Writes `timestamp,series,load`, the series of keys 0..N-1 one after the
# other (as promfetch --by-labels writes them), each `rows` 5-minute rows (a
# week by default) from the same start time.  Key k is
# "namespace=ns<k mod 50>,deployment=app<k>"; its values are a window of the
# World Cup 98 trace (even k) or of the NASA trace summed to 5 minutes (odd
# k), starting at an offset that depends on k, times a scale that depends on
# k, times 1 + 0.1 (u - 0.5) with u a hash of (k, row): every value depends
# on k and the row only, so `-v only=K` writes key K's rows exactly as a run
# with all keys does (the separate runs of the benchmark).
BEGIN { FS = ","; if (rows == "") rows = 2016; if (only == "") only = -1; T0 = 1700000100 }
FNR == 1 { f++; next }
f == 1 { wc[nw++] = $2 + 0 }
f == 2 { acc += $2; if (++m == 5) { na_[nn++] = acc; acc = 0; m = 0 } }
function u(k, i,   x) { x = sin(k * 12.9898 + i * 78.233) * 43758.5453; return x - int(x) }
END {
	print "timestamp,series,load"
	for (k = 0; k < n; k++) {
		if (only >= 0 && k != only)
			continue
		len = k % 2 ? nn : nw
		off = (k * 7919) % (len - rows)
		sc = 0.3 + ((k * 31) % 97) / 50
		key = sprintf("\"namespace=ns%d,deployment=app%d\"", k % 50, k)
		for (i = 0; i < rows; i++) {
			v = (k % 2 ? na_[off + i] : wc[off + i]) * sc * (1 + 0.1 * (u(k, i) - 0.5))
			printf "%d,%s,%.3f\n", T0 + 300 * i, key, v
		}
	}
}
