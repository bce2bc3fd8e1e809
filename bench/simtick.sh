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
# started, and the wall time of each run.  Two more runs: the step-level
# model with the timing it had before ticks (pods requested for a step
# ready at its start: --tick 0 --startup 0 on 60-s rows), and the sub-step
# HPA with --cpu-init 0, which separates the effect of the CPU
# initialisation period.
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
	for tick in 0old 0 15 15i; do
		a=$(now)
		case $tick in
		15i) args="--tick 15 --cpu-init 0" ;;
		0old) args="--tick 0 --startup 0" ;;
		*) args="--tick $tick" ;;
		esac
		"$bin/simulate" --policy hpa $args --summary --name "tick$tick" < "$out/$f.csv" > "$out/$f.tick$tick.csv"
		b=$(now)
		awk -F, -v f="$f" -v rows="$rows" -v tick="$tick" -v wall="$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b - a }')" '
			BEGIN { m = tick == "0" ? "step-level (--tick 0)" : tick == "15" ? "sub-step (--tick 15)" : tick == "0old" ? "step-level, old timing (--tick 0 --startup 0)" : "sub-step, --cpu-init 0" }
			NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			{ printf "| %s | %d | %s | %.1f | %.1f | %.2f | %.1f | %.1f | %d | %d | %s |\n", f, rows,
			    m, $c["cost"] / 3600,
			    $c["violations"], $c["slo_violation_pct"], $c["p95_latency"], $c["p99_latency"],
			    $c["replica_changes"], $c["pods_started"], wall }' "$out/$f.tick$tick.csv"
	done
done
