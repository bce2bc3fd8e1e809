#!/bin/sh
# bench/simtick: the HPA decided every 15-s tick (simulate --tick 15, the
# default: the controller's sync period, a 60-s metric window, the CPU
# initialisation period) against the step-level HPA (--tick 0: one decision
# per trace row on the previous row's measurements) on the per-minute NASA
# and WorldCup traces, normalised as the demo does (window --normalize
# robust --to 500,175 --clip 0,4000, fitted on the first week).  Both with
# pods ready --startup 60 s after the decision; HPA at its defaults (CPU
# 80 %, tolerance 0.1, downscale stabilisation 300 s).  Prints a Markdown
# table: cost (replica-hours), violations (step-equivalents of time over the
# SLO), violation %, p95 and p99 latency (ms), replica changes and pods
# started, and the wall time of each run.
#   sh bench/simtick.sh [BIN]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
out=$top/bench/out/simtick
mkdir -p "$out"
W="--resample 60 --fill linear --normalize robust --to 500,175 --clip 0,4000 --train-rows 10080"
now() { date +%s.%N; }
echo "machine: $(uname -m), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo
echo "| trace | rows | model | cost (replica-h) | violations | violation % | p95 ms | p99 ms | replica changes | pods started | wall s |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for f in nasa_http_1995_rpm worldcup98_19980626_27_rpm; do
	"$bin/window" $W < "$top/data/$f.csv" > "$out/$f.csv"
	rows=$(($(wc -l < "$out/$f.csv") - 1))
	for tick in 0 15; do
		a=$(now)
		"$bin/simulate" --policy hpa --tick $tick --summary --name "tick$tick" < "$out/$f.csv" > "$out/$f.tick$tick.csv"
		b=$(now)
		awk -F, -v f="$f" -v rows="$rows" -v tick="$tick" -v wall="$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b - a }')" '
			NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			{ printf "| %s | %d | %s | %.1f | %.1f | %.2f | %.1f | %.1f | %d | %d | %s |\n", f, rows,
			    tick == 0 ? "step-level (--tick 0)" : "sub-step (--tick 15)", $c["cost"] / 3600,
			    $c["violations"], $c["slo_violation_pct"], $c["p95_latency"], $c["p99_latency"],
			    $c["replica_changes"], $c["pods_started"], wall }' "$out/$f.tick$tick.csv"
	done
done
