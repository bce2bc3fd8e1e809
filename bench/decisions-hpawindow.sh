#!/bin/sh
# bench/decisions-hpawindow.sh: scalepipe's default against an HPA tuned on
# both of its knobs, its target and its scale-down stabilisation window
# (bench/decisions.md, "Against an HPA tuned on its window too").
#
#   sh bench/decisions-hpawindow.sh      (BIN, STARTUPS, WINDOWS, TRACES to vary; about 11 min)
#
# Every table of bench/decisions.md sweeps the HPA's target (40 ... 95) with
# its default downscale window of 300 s.  An SRE can lengthen the window as
# well.  Per trace of bench/decisions.traces and pod start-up, test span:
# scalepipe-frontier's HPA sweep at each window of WINDOWS [300 900 1800]
# (simulate --downscale-window), their points together as one policy (the
# HPA over both knobs), and scalepipe's default setting (quantile 0.6)
# against that frontier at its cost (or the 300-s frontier's, where lower:
# the frontiers are interpolated between neighbouring points, and a
# window's point can lift the line), beside the 300-s frontier alone.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
STARTUPS=${STARTUPS:-60 180}
WINDOWS=${WINDOWS:-300 900 1800}
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-hpawindow.XXXXXX")
trap 'rm -rf "$w"' EXIT
traces=${TRACES:-$(grep -v '^#' "$top/bench/decisions.traces")}
fr() { sh "$top/scripts/scalepipe-frontier" --bin "$BIN" --no-plot "$@" 2> "$w/err" > /dev/null || { cat "$w/err" >&2; exit 1; }; }

echo "HPA windows: $WINDOWS s; scalepipe at its default setting; test spans"
for su in $STARTUPS; do
	echo
	echo "### Pod start-up $su s"
	echo
	echo "| trace | cost (replica-h) | violations | HPA, 300 s window, at that cost | change | HPA over target and window | change |"
	echo "|---|---|---|---|---|---|---|"
	: > "$w/bars.$su"
	echo "$traces" | while IFS=: read -r t step; do
		o=$w/$t.$su
		fr --step "$step" --startup "$su" --policies hpa,scalepipe --knob scalepipe=0.6 -o "$o.base" "$top/data/$t.csv"
		cp "$o.base/points.csv" "$o.all.csv"
		for win in $WINDOWS; do
			[ "$win" = 300 ] && continue
			fr --step "$step" --startup "$su" --policies hpa --simulate-opts "--downscale-window $win" -o "$o.w$win" "$top/data/$t.csv"
			awk -F, -v win="$win" 'NR > 1 && $1 == "hpa" { $2 = $2 "/" win; print }' OFS=, "$o.w$win/points.csv" >> "$o.all.csv"
		done
		fr --step "$step" --startup "$su" --policies none --points "$o.all.csv" -o "$o.union" "$top/data/$t.csv"
		awk -F, -v t="$t" -v bars="$w/bars.$su" '
		FNR == 1 { f++; next }
		$1 == "scalepipe" && $3 == 1 && $7 == "hpa" {
			if (f == 1) { c = $4; v = $5; h1 = $8; c1 = $9 } else { h2 = $8; c2 = $9 } }
		END {
			# the frontiers are interpolated linearly between neighbouring
			# points, which the window points can lift above the 300-s
			# frontier alone: the tuned HPA has at most the lower of the two
			if (h1 ~ /^[0-9.]+$/ && (h2 !~ /^[0-9.]+$/ || h1 + 0 < h2 + 0)) { h2 = h1; c2 = c1 }
			printf "| %s | %.1f | %s | %s | %s%s | %s | %s%s |\n", t, c, v, h1, c1, c1 ~ /^-?[0-9.]+$/ ? " %" : "",
			    h2, c2, c2 ~ /^-?[0-9.]+$/ ? " %" : ""
			ok = c2 ~ /^-?[0-9.]+$/
			printf "%d %d %d %d\n", c1 ~ /^-?[0-9.]+$/ && c1 <= -30, c1 ~ /^-?[0-9.]+$/ && c1 <= 0,
			    ok && c2 <= -30, ok && c2 <= 0 >> bars }' "$o.base/matched.csv" "$o.union/matched.csv"
	done
	echo
	awk '{ a += $1; b += $2; c += $3; d += $4; n++ }
	END { printf "Over %d traces: >= 30 %% fewer violations than the 300-s HPA frontier on %d, no more on %d; than the HPA over target and window on %d, no more on %d.\n", n, a, b, c, d }' "$w/bars.$su"
done
