#!/bin/sh
# Per-tick CPU time of scalepipe-tick on 8 days of 60 s history (11,520 rows
# of the NASA trace), the CronJob's configuration (deploy/configmap.yaml's
# arguments: arfit --rolling --window 336 --horizon 24, burstdetect, plan
# --policy burst), from a file (--from-csv) so Prometheus and the API
# server are not in the figure; against the same stages as a bare pipe, to
# show what the driver itself costs.  CPU = user + sys of the tick and all
# its children; the median of REPS runs.
#   sh bench/tick.sh [BIN] [REPS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
reps=${2:-5}
out=$top/bench/out/tick
mkdir -p "$out"
PATH=$bin:$PATH; export PATH
f=$top/data/nasa_http_1995_rpm.csv
t0=$(awk -F, 'NR == 2 { print $1 }' "$f")
now=$((t0 + 8 * 86400 - 60))
awk -F, -v e="$now" 'NR == 1 || $1 <= e' "$f" > "$out/8d.csv"
cat > "$out/tick.conf" <<EOF
HISTORY=8d
STEP=60
WINDOW_ARGS=--resample 60 --fill linear
ARFIT_ARGS=--rolling --window 336 --horizon 24
PLAN_ARGS=--policy burst --slo 16 --min 2 --max 40 --wstar 1
TARGET_NAMESPACE=shop
TARGET_NAME=web
TICK_TIMEOUTS=promfetch=100,window=100,forecast=300,burstdetect=100,plan=100,scale=100,publish=10
TICK_DEADLINE=1000
EOF
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
cpu() {  # user+sys of a command (children included)
	/usr/bin/time -f "%U %S %e" -o "$out/time" "$@" > /dev/null 2> "$out/err" || { cat "$out/err"; exit 1; }
	awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$out/time"
}
echo "== scalepipe-tick on $(($(wc -l < "$out/8d.csv") - 1)) rows (8 days at 60 s), $reps runs"
echo "machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$out/tick.txt"; : > "$out/pipe.txt"
# the steady state: a full decision log (20160 rows, two weeks of ticks)
rm -rf "$out/state"; mkdir -p "$out/state"
awk -v e="$now" 'BEGIN { print "timestamp,tick,replicas,current,action,reason,fallback,load,forecast,lower,upper,state,demand"
	for (i = 20160; i >= 1; i--) printf "%d,%d,3,3,unchanged,fallback,1,100,,,,,\n", e - 60 * i + 60, e - 60 * i }' \
	> "$out/state/decisions.csv"
cp -r "$out/state" "$out/state0"
i=0
while [ $i -lt "$reps" ]; do
	rm -rf "$out/state"; cp -r "$out/state0" "$out/state"
	cpu bash "$top/scripts/scalepipe-tick" -c "$out/tick.conf" --state-dir "$out/state" \
		--textfile-dir "$out" --from-csv "$out/8d.csv" --now "$now" >> "$out/tick.txt"
	cpu sh -c "window --resample 60 --fill linear < '$out/8d.csv' | arfit --rolling --window 336 --horizon 24 \
		| burstdetect | plan --policy burst --slo 16 --min 2 --max 40 --wstar 1" >> "$out/pipe.txt"
	i=$((i + 1))
done
tc=$(cut -d' ' -f1 "$out/tick.txt" | median); tw=$(cut -d' ' -f2 "$out/tick.txt" | median)
pc=$(cut -d' ' -f1 "$out/pipe.txt" | median); pw=$(cut -d' ' -f2 "$out/pipe.txt" | median)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| run | CPU s (median) | wall s (median) |\n|---|---|---|\n'
printf '| scalepipe-tick (whole tick) | %s | %s |\n' "$tc" "$tw"
printf '| the same stages as a bare pipe | %s | %s |\n' "$pc" "$pw"
echo "per-stage wall time of the last tick (s):"
grep '^scalepipe_tick_stage_duration_seconds' "$out/scalepipe_tick_shop_web.prom" | sed 's/.*stage="\([a-z]*\)"} /  \1 /'
