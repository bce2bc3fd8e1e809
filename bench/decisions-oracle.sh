#!/bin/sh
# bench/decisions-oracle.sh: how good the forecast would have to be for the
# bars of issue 12 that the default misses (bench/decisions.md, "What the
# bars ask of the forecast").
#
#   sh bench/decisions-oracle.sh      (BIN, ALPHAS to vary; about 10 min)
#
# An analysis, not a candidate: the bands it runs read the future.  The
# default policy (burstdetect --quantile 0.6 --lead 2 --hold 3
# --burst-demand normal; simulate --policy scalepipe with its defaults,
# plan's: the checks every 15 s and their margin) on the shipped default's band (bandselect between arfit
# -p 8 and the seasonal arfit) with its errors scaled by alpha: at every origin
# and horizon the forecast moved to truth + alpha x (forecast - truth) and
# each half-width times alpha (decisions-explore.sh's band kind orNN;
# alpha 1 is the default exactly, 0 a perfect forecast).  Per alpha of
# ALPHAS [1 0.9 0.8 0.7 0.6 0.5 0.25 0] the three counts of the bars over
# the traces of bench/decisions.traces (decisions-explore.sh's: >= 30 %
# fewer violations than the HPA frontier at the same cost, no more, churn
# no higher; a trace within 2 points of a line counts 1/2) and the mean
# change, training and test spans, with the load held in a row and ramped
# between the rows' middles (simulate --interp linear), pod start-ups 60
# and 180 s.  Then, with a perfect forecast, the churn count under stickier
# scale-down rules, and the shipped band's horizon-1 and -2 mean absolute
# errors against arfit's own AR(2) alone, per trace.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
prog=decisions-oracle
. "$top/bench/explorelib"   # explore, counts, band_of, trace_of
ALPHAS=${ALPHAS:-1 0.9 0.8 0.7 0.6 0.5 0.25 0}
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-oracle.XXXXXX")
trap 'rm -rf "$w"' EXIT
# the default policy: its burstdetect options (scalepipe-frontier's), and
# simulate's own defaults for --policy scalepipe, so that a change of
# plan's defaults is measured here without an edit
pol='0.6 --lead 2 --hold 3 --burst-demand normal|'
for a in $ALPHAS; do
	p=$(awk -v a="$a" 'BEGIN { if (a !~ /^(0|1|0?\.[0-9]+|1\.0*)$/) exit 1; printf "%d", a * 100 + 0.5 }') ||
		{ echo "decisions-oracle: ALPHAS: '$a' is not a number in [0, 1]" >&2; exit 2; }
	echo "a$p|or$p:-p 8|$pol"
done > "$w/alpha.cands"
# a perfect forecast under stickier scale-down rules: name, description, options
cat > "$w/churn.list" <<EOF
down|the default's|$pol
h20|hysteresis 20 %|$pol --hysteresis 20
s600|stabilisation 600 s|$pol --stabilise 600
hold6|burstdetect --hold 6|0.6 --lead 2 --hold 6 --burst-demand normal|
h30s600|hysteresis 30 %, stabilisation 600 s|$pol --hysteresis 30 --stabilise 600
EOF
awk -F'|' -v OFS='|' '{ print $1, "or0:-p 8", $3, $4 }' "$w/churn.list" > "$w/churn.cands"
# two at a time (the machine's two cores); each its own WORK
explore h60 held "" 60 "$w/alpha.cands" & p=$!
explore h180 held180 "" 180 "$w/alpha.cands"
wait "$p" || exit 1
explore r60 ramp "--interp linear" 60 "$w/alpha.cands" & p=$!
explore r180 ramp180 "--interp linear" 180 "$w/alpha.cands"
wait "$p" || exit 1
explore churn held "" 60 "$w/churn.cands"

echo "The default policy on the shipped band with its errors times alpha (alpha 1: the default; 0: a perfect forecast)."
echo "Each cell: traces >= 30 % better than the HPA frontier at the same cost / no worse / churn no higher / mean change in violations; 9 traces (8 with HPA violations on the training spans)."
for s in "held:h" "ramped between the rows' middles:r"; do
	echo
	echo "### The load ${s%:*}"
	echo
	echo "| alpha | 60 s, training | 60 s, test | 180 s, training | 180 s, test |"
	echo "|---|---|---|---|---|"
	for a in $ALPHAS; do
		p=$(awk -v a="$a" 'BEGIN { printf "%d", a * 100 + 0.5 }')
		echo "| $a | $(counts "${s#*:}60" "a$p") | $(counts "${s#*:}180" "a$p") |"
	done
done
echo
echo "### A perfect forecast (alpha 0), the load held, 60 s: churn under stickier down rules"
echo
echo "| down rules | cost, test spans (replica-h, all traces) | changes, test spans | the HPA's at the same cost | churn no higher than the HPA's: training / test (the counts above) |"
echo "|---|---|---|---|---|"
while IFS='|' read -r n desc rest; do
	# per trace: "TRACE NAME train C V CH HV HCH test C V CH HV HCH"
	awk -v n="$n" -v desc="$desc" '$2 == n && $3 == "train" && NF == 14 { c += $10; ch += $12; if ($14 != "n/a") hch += $14 }
		$1 == n && $2 == "train" && NF == 14 { tr = $5; te = $12 }
		END { printf "| %s | %.0f | %d | %d | %s / %s |\n", desc, c, ch, hch, tr, te }' "$w/churn.out"
done < "$w/churn.list"
echo
echo "### The shipped band's mean absolute error against arfit's AR(2), horizons 1 and 2, test spans"
echo
echo "| trace | AR(2) h1 | shipped h1 | ratio | AR(2) h2 | shipped h2 | ratio |"
echo "|---|---|---|---|---|---|---|"
for d in "$w"/held/*.*.60; do
	[ -d "$d" ] || continue
	t=$(trace_of "$d")
	lin=$w/ar2.csv sel=$(band_of "$d" "sellin:-p 8")
	[ -s "$sel" ] || { echo "decisions-oracle: $d: the shipped band is missing" >&2; exit 1; }
	"$BIN/arfit" --rolling -H 24 --level 0.98 < "$d/load.csv" > "$lin" || { echo "decisions-oracle: arfit failed on $d" >&2; exit 1; }
	awk -F, -v t="$t" -v cut="$(cat "$d/tcut")" '
	FNR == 1 { f++; next }
	f == 1 { tv[$1] = $2; next }
	$2 >= cut && ($2 in tv) && $3 <= 2 { e = $5 - tv[$2]; if (e < 0) e = -e; s[f, $3] += e; n[f, $3]++ }
	END { printf "| %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |\n", t,
		s[2, 1] / n[2, 1], s[3, 1] / n[3, 1], s[3, 1] / s[2, 1] * n[2, 1] / n[3, 1],
		s[2, 2] / n[2, 2], s[3, 2] / n[3, 2], s[3, 2] / s[2, 2] * n[2, 2] / n[3, 2] }' "$d/load.csv" "$lin" "$sel"
done
