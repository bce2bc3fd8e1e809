#!/bin/sh
# Many workloads in one process (issue 20, scalepipe(7) "Many workloads"):
# N synthetic workloads (bench/fleet_gen.awk: a week of 5-minute rows each,
# made from the shipped World Cup 98 and NASA traces with shifts, scales and
# noise) through `window --by series --resample 300 --fill linear | arfit
# --by series --rolling --window 288 -p 2` in one pass, against the same
# chain run once per workload (window | arfit, two processes per workload)
# on a sample of S workloads, extrapolated to N.  CPU = user + sys of each
# stage (/usr/bin/time), peak RSS = the largest resident set of the stage.
# The generator's own time is not counted (its output is a file first).
# The separate runs' CPU is that of a shell loop running them, children
# included (process creation counts: it is what N processes cost).  At 1,000
# keys (or the smallest size) the sample's separate outputs are compared byte
# for byte with their keys' rows of the keyed run, the key column removed.
#
# Then the incremental tick (scalepipe(7), "Many workloads: incremental
# ticks"; deploy/fleet's tick): the stages of the fleet ConfigMap
# (window --state --input-step 300 | arfit --rolling --window 336 --horizon
# 24 --level 0.98 --state, the seasonal arfit (--window 2500 --season auto)
# and bandselect --alt with their states | burstdetect --quantile 0.55 --lead 2
# --hold 3 --state | plan --policy scalepipe --state; FLEET_SEASON=0: without
# the seasonal band and bandselect, quantile 0.4), each through files, cold
# on the week of each workload (the states made), then one tick of K new 5-minute rows per
# workload from those states, for K in KS: CPU and peak RSS per stage, and
# the states' sizes per 1,000 workloads.  At the smallest size the tick's
# decisions are checked against one run of the chain over all the rows.
#   sh bench/fleet.sh [BIN] [SIZES] [S] [KS]  (default: bin/, "100 1000 10000", 20, "1 5")
#   FLEET_FULL=0: the incremental tick only; FLEET_COLD=ROWS: a cold run on
#   ROWS rows (>= 336 + 24) instead of the week (the states, and so the
#   tick, do not depend on how long the history was)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
sizes=${2:-100 1000 10000}
S=${3:-20}
KS=${4:-1 5}
out=$top/bench/out/fleet
mkdir -p "$out"
PATH=$bin:$PATH; export PATH
traces="$top/data/worldcup98_19980530_0630_5m.csv $top/data/nasa_http_1995_rpm.csv"
W="--resample 300 --fill linear -c load"
A="--rolling --window 288 -p 2 -c load"
ntime() {  # FILE CMD...: run CMD niced, "user sys maxrss_kb" into FILE
	_f=$1; shift
	/usr/bin/time -f "%U %S %M" -o "$_f" nice -n 10 "$@"
}
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }
rss() { awk '{ printf "%.1f", $3 / 1024 }' "$1"; }

echo "machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${FLEET_FULL:-1}" != 0 ]; then
echo "== fleet: window | arfit --rolling on N workloads of 2016 rows (a week at 5 min)"

# the separate runs: a sample of S keys spread over the compared size
cmpn=
for n in $sizes; do [ "$n" = 1000 ] && cmpn=1000; done
[ -n "$cmpn" ] || cmpn=${sizes%% *}
j=0
while [ $j -lt "$S" ]; do
	awk -v n="$cmpn" -v only=$((j * cmpn / S)) -f "$top/bench/fleet_gen.awk" $traces > "$out/key$j.csv"
	j=$((j + 1))
done
cat > "$out/sep.sh" <<EOS
j=0
while [ \$j -lt $S ]; do
	window $W < "$out/key\$j.csv" | arfit $A > "$out/sep\$j.out"
	j=\$((j + 1))
done
EOS
ntime "$out/sep.time" sh "$out/sep.sh"
sep_ms=$(awk -v s="$S" '{ printf "%.1f", 1000 * ($1 + $2) / s }' "$out/sep.time")
window $W < "$out/key0.csv" | /usr/bin/time -f "%U %S %M" -o "$out/one.time" arfit $A > /dev/null
sep_rss=$(rss "$out/one.time")

printf '\n| workloads | rows | keyed: window CPU s | arfit CPU s | CPU ms per workload | peak RSS window / arfit MiB | separate: CPU ms per workload (sample of %s) | separate: CPU s for all (extrapolated) | separate / keyed |\n' "$S"
printf '|---|---|---|---|---|---|---|---|---|\n'
for n in $sizes; do
	awk -v n="$n" -f "$top/bench/fleet_gen.awk" $traces > "$out/in.csv"
	keep=/dev/null
	[ "$n" = "$cmpn" ] && keep=$out/keyed.out
	/usr/bin/time -f "%U %S %M" -o "$out/w.time" nice -n 10 window --by series $W < "$out/in.csv" |
		/usr/bin/time -f "%U %S %M" -o "$out/a.time" nice -n 10 arfit --by series $A > "$keep"
	wc=$(cpu "$out/w.time") ac=$(cpu "$out/a.time")
	tot=$(awk -v a="$wc" -v b="$ac" 'BEGIN { printf "%.2f", a + b }')
	per=$(awk -v t="$tot" -v n="$n" 'BEGIN { printf "%.2f", 1000 * t / n }')
	ext=$(awk -v m="$sep_ms" -v n="$n" 'BEGIN { printf "%.1f", m * n / 1000 }')
	ratio=$(awk -v s="$sep_ms" -v p="$per" 'BEGIN { printf "%.0fx", s / p }')
	printf '| %s | %s | %s | %s | %s | %s / %s | %s | %s | %s |\n' "$n" $((n * 2016)) "$wc" "$ac" "$per" \
		"$(rss "$out/w.time")" "$(rss "$out/a.time")" "$sep_ms" "$ext" "$ratio"
	if [ "$keep" != /dev/null ]; then
		j=0 same=0
		while [ $j -lt "$S" ]; do
			k=$((j * cmpn / S))
			{ echo timestamp,load,forecast,lower,upper
			  grep -F ",deployment=app$k\"," "$out/keyed.out" | sed 's/,"[^"]*"//'; } |
				cmp -s - "$out/sep$j.out" && same=$((same + 1))
			j=$((j + 1))
		done
		rm -f "$out/keyed.out"
	fi
done
rm -f "$out/in.csv"
echo
echo "separate runs: peak RSS of arfit $sep_rss MiB per process (window smaller)"
echo "separate runs byte-identical to their keys' rows of the keyed run of $cmpn keys: $same of $S"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# ---- the incremental tick ----
CURVE=$top/data/bascaler_fft_service_curve.csv
WI="--by series --resample 300 --fill linear --input-step 300"
AI="--by series -c load --rolling --window 336 --horizon 24 --level 0.98"
SEASON=${FLEET_SEASON:-1}
SI="--by series -c load --rolling --window 2500 --horizon 24 --level 0.98 --season auto"
if [ "$SEASON" = 1 ]; then BI="--by series --quantile 0.55 --lead 2 --hold 3"; STAGES="w a s l b p"
else BI="--by series --quantile 0.4 --hold 3"; STAGES="w a b p"; fi
PI="--by series --policy scalepipe --slo 16 --min 2 --max 40 --curve $CURVE"
# stages DIR IN TAG: the stages with the states of DIR, through files,
# each timed into DIR/TAG.STAGE.time
stages() {
	ntime "$1/$3.w.time" window $WI --state "$1/window.state" < "$2" > "$1/load.csv"
	ntime "$1/$3.a.time" arfit $AI --state "$1/arfit.state" < "$1/load.csv" > "$1/fc.csv"
	if [ "$SEASON" = 1 ]; then
		ntime "$1/$3.s.time" arfit $SI --state "$1/season.state" < "$1/load.csv" > "$1/seas.csv"
		ntime "$1/$3.l.time" bandselect --by series --alt "$1/seas.csv" --state "$1/select.state" "$1/fc.csv" > "$1/band.csv"
		mv "$1/band.csv" "$1/fc.csv"
	fi
	ntime "$1/$3.b.time" burstdetect $BI --state "$1/burst.state" < "$1/fc.csv" > "$1/demand.csv"
	ntime "$1/$3.p.time" plan $PI --state "$1/plan.state" < "$1/demand.csv" > "$1/plan.csv"
}
one_run() {  # the chain over every row of standard input, no state
	window $WI > "$out/one.load"
	arfit $AI < "$out/one.load" > "$out/one.fc"
	if [ "$SEASON" = 1 ]; then
		arfit $SI < "$out/one.load" > "$out/one.seas"
		bandselect --by series --alt "$out/one.seas" "$out/one.fc"
	else
		cat "$out/one.fc"
	fi | burstdetect $BI | plan $PI
	rm -f "$out/one.load" "$out/one.fc" "$out/one.seas"
}
sum4() {  # DIR TAG: total CPU of the stages
	for st in $STAGES; do cat "$1/$2.$st.time"; done | awk '{ s += $1 + $2 } END { printf "%.2f", s }'
}
stage_row() {  # DIR TAG: "cpu / rss" per stage
	for st in $STAGES; do printf ' %s / %s |' "$(cpu "$1/$2.$st.time")" "$(rss "$1/$2.$st.time")"; done
}
kmax=0
for k in $KS; do [ "$k" -gt "$kmax" ] && kmax=$k; done
echo
if [ "$SEASON" = 1 ]; then
	echo "== the incremental tick: window | arfit, seasonal arfit, bandselect | burstdetect | plan with --state, N workloads"
	hdr='| workloads | run | new rows per workload | window CPU s / RSS MiB | arfit | seasonal arfit | bandselect | burstdetect | plan | CPU s in all | CPU ms per workload |'
else
	echo "== the incremental tick: window | arfit | burstdetect | plan with --state, N workloads"
	hdr='| workloads | run | new rows per workload | window CPU s / RSS MiB | arfit | burstdetect | plan | CPU s in all | CPU ms per workload |'
fi
echo "cold: the first ${FLEET_COLD:-2016} rows (2016: a week) of every workload, the states made; tick: K new rows per workload from them"
printf '\n%s\n%s\n' "$hdr" "$(echo "$hdr" | sed 's/[^|][^|]*/---/g')"
cmpd=
for n in $sizes; do
	cold=${FLEET_COLD:-2016}
	awk -v n="$n" -v rows=$((cold + kmax)) -f "$top/bench/fleet_gen.awk" $traces > "$out/all.csv"
	tc=$((1700000100 + 300 * (cold - 1)))
	awk -F, -v t="$tc" 'NR == 1 || $1 <= t' "$out/all.csv" > "$out/cold.csv"
	rm -rf "$out/cold"
	mkdir -p "$out/cold"
	stages "$out/cold" "$out/cold.csv" cold
	tot=$(sum4 "$out/cold" cold)
	printf '| %s | cold | %s |%s %s | %s |\n' "$n" "$cold" "$(stage_row "$out/cold" cold)" "$tot" \
		"$(awk -v t="$tot" -v n="$n" 'BEGIN { printf "%.2f", 1000 * t / n }')"
	for k in $KS; do
		rm -rf "$out/tick"
		cp -r "$out/cold" "$out/tick"
		awk -F, -v a="$tc" -v b=$((tc + 300 * k)) 'NR == 1 || ($1 > a && $1 <= b)' "$out/all.csv" > "$out/new.csv"
		stages "$out/tick" "$out/new.csv" tick
		tot=$(sum4 "$out/tick" tick)
		printf '| %s | tick | %s |%s %s | %s |\n' "$n" "$k" "$(stage_row "$out/tick" tick)" "$tot" \
			"$(awk -v t="$tot" -v n="$n" 'BEGIN { printf "%.3f", 1000 * t / n }')"
		sz=
		for f in window arfit season select burst plan; do [ -f "$out/tick/$f.state" ] && sz="$sz $(wc -c < "$out/tick/$f.state")"; done
		eval "sz_$n=\"$sz\""
		if [ -z "$cmpd" ] && [ "$k" = "$kmax" ]; then
			# the tick's decisions against one run over every row: each
			# row one run's but each key's last (the decision for the
			# step after its data), whose decision is one run's
			awk -F, -v b=$((tc + 300 * k)) 'NR == 1 || $1 <= b' "$out/all.csv" |
				one_run > "$out/one.csv"
			cmpd=$(awk -F, 'NR == FNR { one[$0] = 1; s = $0; sub(/^[^,]*,[^,]*,[^,]*,/, "", s);
					split($0, f, ","); dec[f[1] "," f[2]] = s; next }
				FNR > 1 { last[$2] = FNR; row[FNR] = $0 }
				END { for (i = 2; i in row; i++) { split(row[i], f, ","); s = row[i];
						sub(/^[^,]*,[^,]*,[^,]*,/, "", s)
						if (last[f[2]] == i ? dec[f[1] "," f[2]] == s : (row[i] in one)) ok++; else bad++ }
					printf "%d of %d rows", ok, ok + bad }' "$out/one.csv" "$out/tick/plan.csv")
			cmpd="$cmpd ($n workloads, $k new rows each)"
		fi
	done
done
echo
if [ "$SEASON" = 1 ]; then names="window / arfit / seasonal arfit / bandselect / burstdetect / plan"
else names="window / arfit / burstdetect / plan"; fi
echo "state bytes after the tick, per stage: $names (per 1,000 workloads, KB = 1000 B)"
for n in $sizes; do
	eval "sz=\$sz_$n"
	printf '  %s workloads: %s bytes; per 1,000: %s\n' "$n" "$(echo $sz | sed 's/ / \/ /g')" \
		"$(echo $sz | awk -v n="$n" '{ f = 1000 / n / 1000; for (i = 1; i <= NF; i++) { printf "%s%.1f", (i > 1 ? " / " : ""), $i * f; t += $i }
			printf " KB, in all %.1f KB", t * f }')"
done
echo "the tick's decisions equal one run's over all the rows: $cmpd"
rm -rf "$out/cold" "$out/tick" "$out/all.csv" "$out/cold.csv" "$out/new.csv" "$out/one.csv"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
