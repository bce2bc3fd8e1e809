#!/bin/sh
# bench/decisions-select.sh: how scalepipe's default policy was chosen, on
# the training spans only.
#
# Every candidate setting of the scalepipe policy (simulate options and the
# burstdetect quantile) runs on the TRAINING span (the first 60 %) of every
# shipped load trace, 60 s pod start-up, against the HPA frontier there
# (scalepipe-frontier --span train), at matched cost.  The rule
# (bench/decisions-rank.awk): the most traces with >= 30 % fewer violations
# than the HPA frontier, then the most with no more, then the most with
# churn no higher than the HPA's at that cost, a trace within TOL
# percentage points of a line counting 1/2; then the lowest mean change.
# The test spans are not looked at.  Prints one line per candidate, the
# ranking and the winner.
#
#   sh bench/decisions-select.sh        (BIN, STARTUP, TOL, CANDIDATES to vary)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
STARTUP=${STARTUP:-60}
TOL=${TOL:-2}
# name|burstdetect quantile|simulate options for --policy scalepipe (its
# defaults: --reactive load --lead-time auto --margin 10 --hysteresis 15)
CANDIDATES=${CANDIDATES:-"q50|0.5|--margin 0 --hysteresis 0
q75|0.75|--margin 0 --hysteresis 0
q90|0.9|--margin 0 --hysteresis 0
q75-reactive-hpa|0.75|--reactive hpa --margin 0 --hysteresis 0
q75-s300|0.75|--margin 0 --hysteresis 0 --stabilise 300
q75-h10|0.75|--margin 0 --hysteresis 10
q75-h20|0.75|--margin 0 --hysteresis 20
q75-h30|0.75|--margin 0 --hysteresis 30
q60-h20|0.6|--margin 0 --hysteresis 20
q90-h20|0.9|--margin 0 --hysteresis 20
q60-h15-s300|0.6|--margin 0 --hysteresis 15 --stabilise 300
q75-h15-s300|0.75|--margin 0 --hysteresis 15 --stabilise 300
q90-h15-s300|0.9|--margin 0 --hysteresis 15 --stabilise 300
q75-h10-s600|0.75|--margin 0 --hysteresis 10 --stabilise 600
q75-h20-s300|0.75|--margin 0 --hysteresis 20 --stabilise 300
q75-h20-m10|0.75|--margin 10 --hysteresis 20
q75-h20-m25|0.75|--margin 25 --hysteresis 20
q75-h20-m40|0.75|--margin 40 --hysteresis 20
q75-h20-m10-o10|0.75|--margin 10 --hysteresis 20 --overprov 10
q75-h20-m25-o25|0.75|--margin 25 --hysteresis 20 --overprov 25
q50-h20-m25-o25|0.5|--margin 25 --hysteresis 20 --overprov 25
q75-h15-m5|0.75|--margin 5 --hysteresis 15
q60-h15-m10|0.6|--margin 10 --hysteresis 15
q75-h15-m10|0.75|--margin 10 --hysteresis 15"}
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-select.XXXXXX")
trap 'rm -rf "$w"' EXIT
: > "$w/rank.in"
traces=$(grep -v '^#' "$top/bench/decisions.traces")
echo "training spans (first 60 %), start-up $STARTUP s; per trace: violations vs the HPA frontier at the same cost, churn / HPA churn"
echo "$CANDIDATES" | while IFS='|' read -r name q so; do
	[ -n "$name" ] || continue
	line=$name
	for tr in $traces; do
		t=${tr%%:*} step=${tr#*:}
		sh "$top/scripts/scalepipe-frontier" --bin "$BIN" --step "$step" --startup "$STARTUP" --span train \
			--policies hpa,scalepipe --knob scalepipe="$q" --simulate-opts "$so" --no-plot \
			-o "$w/$t" "$top/data/$t.csv" 2> "$w/err" || { cat "$w/err" >&2; exit 1; }
		r=$(awk -F, '$1 == "scalepipe" && $7 == "hpa" { print $9 " " $6 " " $10 }' "$w/$t/matched.csv")
		set -- $r
		ch=$1 c=$2 hc=$3
		case $ch in n/a|inf) line="$line n/a"; continue ;; esac
		awk -v n="$name" -v x="$ch" -v c="$c" -v h="$hc" 'BEGIN { print n, "train", x,
		    (h == "n/a" ? "n/a" : h > 0 ? 100 * (c - h) / h : c > 0 ? 1e9 : 0) }' >> "$w/rank.in"
		line="$line $ch%/$(awk -v c="$c" -v h="$hc" 'BEGIN { printf "%.2f", h > 0 ? c / h : 0 }')"
	done
	echo "$line"
done
echo
echo "ranked: traces >= 30 % fewer violations, no more, churn no higher (1/2 within $TOL points of the line), the mean change"
awk -v tol="$TOL" -f "$top/bench/decisions-rank.awk" "$w/rank.in" | sort -k3,3gr -k4,4gr -k5,5gr -k6,6g |
	awk '{ print } NR == 1 { best = $1 } END { print "chosen: " best }'
