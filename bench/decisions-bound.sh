#!/bin/sh
# bench/decisions-bound.sh: the bars of issue 12 that the default misses,
# with a forecast better than any forecaster can make (bench/decisions.md,
# "What no forecaster can give").
#
#   sh bench/decisions-bound.sh      (BIN to vary, WORK to keep the work;
#                                     about 12 min on 2 cores, 30 s again
#                                     with the same WORK)
#
# An analysis, not a candidate: its bands read the future.  For every trace
# of bench/decisions.traces, a linear interpolation that knows the 8 rows
# up to the forecast's origin, the band's own forecast and the 8 rows after
# the target, refitted at every row on the 500 before (bench/interp-band.awk),
# stands in for the forecast at horizons 1-4 of the shipped default's band
# (bandselect between arfit -p 8 and the seasonal arfit), at a horizon only
# where it is better on the training span: decisions-explore.sh's band kind
# ip8.  A forecaster knows only the rows up to its origin, so it can do
# better than the interpolation only where the load's dependence is not
# linear; gradient-boosted trees (gbfit, libxgboost) with the same rows on
# both sides, fitted once on the training span, measure how much that is.
# Printed: the mean absolute errors at horizons 1-4 on the test spans (the
# shipped band, the linear interpolation, the boosted one at horizons 1 and
# 2), then the bars' counts (decisions-explore.sh's: >= 30 % fewer
# violations than the HPA frontier at the same cost, no more, churn no
# higher, mean change; a trace within 2 points of a line counts 1/2) of the
# default policy on the shipped band and on the interpolated one, the load
# held and ramped (simulate --interp linear), pod start-ups 60 and 180 s,
# training and test spans.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
prog=decisions-bound
. "$top/bench/explorelib"   # explore, counts, band_of, trace_of
if [ -n "${WORK:-}" ]; then   # kept: a run again reuses its bands and HPA points
	w=$WORK; mkdir -p "$w"
else
	w=$(mktemp -d "${TMPDIR:-/tmp}/sp-bound.XXXXXX")
	trap 'rm -rf "$w"' EXIT
fi
# the default policy as decisions-oracle.sh runs it (plan's defaults are simulate's)
pol='0.6 --lead 2 --hold 3 --burst-demand normal|'
printf 'base|sellin:-p 8|%s\nip8|ip8:-p 8|%s\n' "$pol" "$pol" > "$w/cands"
# two at a time (the machine's two cores), each its own WORK; the ramped
# runs start from the held runs' bands (the same load, the same bands)
explore h60 held "" 60 "$w/cands" & p=$!
explore h180 held180 "" 180 "$w/cands"
wait "$p" || exit 1
for s in 60 180; do
	src=held; [ "$s" = 60 ] || src=held180
	for d in "$w/$src"/*."$s"; do
		[ -d "$d" ] || continue
		mkdir -p "$w/ramp$s/$(basename "$d")"
		cp "$d"/band.* "$w/ramp$s/$(basename "$d")/"
	done
done
explore r60 ramp60 "--interp linear" 60 "$w/cands" & p=$!
explore r180 ramp180 "--interp linear" 180 "$w/cands"
wait "$p" || exit 1

echo "Mean absolute error of the forecast, test spans (the last 40 %: its rows where the interpolation exists, their number at horizon 1 under rows; not the last 8, which have no rows after them, nor those before the band's forecasts and the fit's first rows), horizons 1-4: the shipped band; the linear interpolation, which also knows the 8 rows after the target and the band's forecast (its ratio to the shipped band; *: not better on the training span or no rows there, so the interpolated band keeps the shipped band's forecast at that horizon); gradient-boosted trees with the rows up to the origin and the 8 after the target, without the band, horizons 1 and 2, fitted once on the training span."
echo
echo "| trace | rows | shipped h1 | linear h1 | boosted h1 | shipped h2 | linear h2 | boosted h2 | shipped h3 | linear h3 | shipped h4 | linear h4 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for d in "$w"/held/*.*.60; do
	[ -d "$d" ] || continue
	t=$(trace_of "$d")
	sel=$(band_of "$d" "sellin:-p 8") ip=$(band_of "$d" "ip8:-p 8")
	if [ ! -s "$sel" ] || [ ! -s "$ip" ]; then echo "$prog: $d: a band is missing" >&2; exit 1; fi
	# the boosted interpolation: target x[t + g] from origin t, the lags
	# and, as extra columns, x[t + g + j] - x[t] (j = 1..8), level-free
	cut=$(cat "$d/cut")
	for g in 1 2; do
		awk -F, -v OFS=, -v g="$g" 'NR > 1 { ts[++n] = $1; x[n] = $2 }
			END { h = "timestamp,value"; for (j = 1; j <= 8; j++) h = h ",f" j; print h
				for (t = 1; t + g + 8 <= n; t++) { l = ts[t] "," x[t]; for (j = 1; j <= 8; j++) l = l "," (x[t + g + j] - x[t]); print l } }' \
			"$d/load.csv" > "$w/gb.csv"
		head -n $((cut - g + 1)) "$w/gb.csv" > "$w/gbtrain.csv"
		"$BIN/gbfit" -o "$w/gb.model" --lags 1,2,3,4,5,6,7,8 --relative --target delta --horizon "$g" \
			-x f1 -x f2 -x f3 -x f4 -x f5 -x f6 -x f7 -x f8 "$w/gbtrain.csv" 2> "$w/gb.err" ||
			{ cat "$w/gb.err" >&2; echo "$prog: gbfit failed on $d" >&2; exit 1; }
		# forecast's one-horizon rows: the forecast of the row made g rows earlier
		"$BIN/forecast" -m "$w/gb.model" --horizon "$g" "$w/gb.csv" |
			awk -F, -v cut="$cut" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
				++r > cut && $c["forecast"] != "" { e = $c["forecast"] - $c["value"]; s += e < 0 ? -e : e; n++ }
				END { printf "%.3f\n", s / n }' > "$w/gb.$g"
	done
	[ -s "$ip.mae" ] || { echo "$prog: $ip.mae is missing" >&2; exit 1; }
	awk -v t="$t" -v g1="$(cat "$w/gb.1")" -v g2="$(cat "$w/gb.2")" '
	$1 == "train" { u[$2] = ($3 > 0 && $5 < $4) ? "" : " *"; next }
	{ n[$1] = $2; b[$1] = $3; l[$1] = $4 }
	function f(x) { return n[1] > 0 ? sprintf("%.1f", x) : "n/a" }
	function r(x, h) { return n[1] > 0 && b[h] > 0 ? sprintf("%s (%.2f)", f(x), x / b[h]) : "n/a" }
	function c(h) { return r(l[h], h) u[h] }
	END { printf "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t, n[1],
		f(b[1]), c(1), r(g1, 1), f(b[2]), c(2), r(g2, 2), f(b[3]), c(3), f(b[4]), c(4) }' "$ip.mae"
done
echo
echo "The default policy on the shipped band and with the linear interpolation at horizons 1-4."
echo "Each cell: traces >= 30 % better than the HPA frontier at the same cost / no worse / churn no higher / mean change in violations; 9 traces (8 with HPA violations on the training spans)."
for s in "held:h" "ramped between the rows' middles:r"; do
	echo
	echo "### The load ${s%:*}"
	echo
	echo "| band | 60 s, training | 60 s, test | 180 s, training | 180 s, test |"
	echo "|---|---|---|---|---|"
	echo "| the shipped band | $(counts "${s#*:}60" base) | $(counts "${s#*:}180" base) |"
	echo "| the interpolation at horizons 1-4 | $(counts "${s#*:}60" ip8) | $(counts "${s#*:}180" ip8) |"
done
echo
echo "Per trace, the change in violations against the HPA frontier at the same cost, test spans (shipped band / interpolation):"
echo
echo "| trace | held, 60 s | held, 180 s | ramped, 60 s | ramped, 180 s |"
echo "|---|---|---|---|---|"
# decisions-explore.sh's lines: "TRACE NAME train C V CH HV HCH test C V CH HV HCH"
for tag in h60 h180 r60 r180; do
	awk -v tag="$tag" 'NF == 14 && $3 == "train" { v = $11; hv = $13
		print $1, tag, $2, (hv == "n/a" || hv <= 0) ? "n/a" : sprintf("%+.1f", 100 * (v - hv) / hv) }' "$w/$tag.out"
done | awk 'function pc(x) { return x == "n/a" ? x : x " %" }
	!($1 in seen) { seen[$1] = 1; order[++n] = $1 }
	{ c[$1, $2, $3] = $4 }
	END { split("h60 h180 r60 r180", tg, " ")
		for (i = 1; i <= n; i++) { k = order[i]; printf "| %s", k
			for (j = 1; j <= 4; j++) printf " | %s / %s", pc(c[k, tg[j], "base"]), pc(c[k, tg[j], "ip8"])
			print " |" } }'
