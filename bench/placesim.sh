#!/bin/sh
# placesim on the Bitbrains GWA-T-12 Rnd trace (250 VMs, July 2013): every
# policy on a fixed cluster, and the ML policy of place(1) trained on an
# earlier span of time.  The trace has no licence of its own: it is not in
# the tree; give its path (the long CSV, .gz or not; see
# scripts/bitbrains-placesim for the columns).
#   sh bench/placesim.sh TRACE [WORKDIR]
# The cluster: 16 nodes of 8 cores and 32768 MiB; each VM is a pod whose
# requests are 0.25 of its provisioned cores and memory, arriving over the
# first 24 hours of the span, its usage replayed from the trace.
#   month: days 0-31, all 250 VMs: random, kube, most (and ml, trained on
#          days 0-10, so not a held-out figure);
#   train: days 0-10, val: days 10-17 (early stopping), test: days 17-31
#          (held out): random, kube, most, ml combined 30/40/30, ml dqn alone.
# Prints Markdown tables on stdout.  Long: run with nice.
set -eu
LC_ALL=C; export LC_ALL
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
trace=${1:-${BITBRAINS:-}}
if [ -z "$trace" ] || [ ! -f "$trace" ]; then
	echo "bench/placesim.sh: skipped: give the Bitbrains trace (sh bench/placesim.sh TRACE)"; exit 0
fi
[ -x "$bin/placesim" ] && [ -x "$bin/place" ] || { echo "build first: make" >&2; exit 1; }
if [ -n "${2:-}" ]; then w=$2; mkdir -p "$w"; else
	w=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench.XXXXXX"); trap 'rm -rf "$w"' EXIT INT TERM; fi
conv() { # name from to
	[ -f "$w/$1/pods.csv" ] || /usr/bin/python3 "$top/scripts/bitbrains-placesim" --request-fraction 0.25 \
		--nodes 16 --node-cpu 8 --node-mem 32768 --from-day "$2" --to-day "$3" "$trace" "$w/$1" 2>/dev/null
}
conv month 0 31; conv train 0 10; conv val 10 17; conv test 17 31
table() { # csv -> markdown
	awk -F, 'NR == 1 { printf "| policy | availability | degraded | pending | evictions | CPU p50 | CPU p95 | CPU max | node-min > 85 %% | imbalance | nodes used |\n|---|---|---|---|---|---|---|---|---|---|---|\n"; next }
	{ printf "| %s | %.5f | %s | %s | %s | %.3f | %.3f | %.3f | %s | %.4f | %s |\n", $1, $6, $4, $5, $7, $9, $10, $11, $12, $13, $14 }' "$1"
}
t0=$(date +%s)
"$bin/place" --train "$w/train/pods.csv" -n "$w/train/nodes.csv" -u "$w/train/usage.csv" \
	--validate "$w/val/pods.csv" --validate-usage "$w/val/usage.csv" -o "$w/combined.place" -q
"$bin/place" --train "$w/train/pods.csv" -n "$w/train/nodes.csv" -u "$w/train/usage.csv" \
	--validate "$w/val/pods.csv" --validate-usage "$w/val/usage.csv" --mode dqn -o "$w/dqn.place" -q
t1=$(date +%s)
"$bin/placesim" -n "$w/month/nodes.csv" -u "$w/month/usage.csv" -p random,kube,most,ml -m "$w/combined.place" \
	"$w/month/pods.csv" > "$w/month.csv"
"$bin/placesim" -n "$w/test/nodes.csv" -u "$w/test/usage.csv" -p random,kube,most,ml -m "$w/combined.place" \
	"$w/test/pods.csv" > "$w/test.csv"
"$bin/placesim" -n "$w/test/nodes.csv" -u "$w/test/usage.csv" -p ml -m "$w/dqn.place" "$w/test/pods.csv" |
	sed '2s/^ml,/ml-dqn,/' | tail -n 1 >> "$w/test.csv"
echo "### The month, 250 VMs (ml trained on days 0-10: not held out)"
echo
table "$w/month.csv"
echo
echo "### Held out: days 17-31 ($(tail -n +2 "$w/test/pods.csv" | wc -l) VMs)"
echo
table "$w/test.csv"
echo
echo "training: two models of 30 episodes in $((t1 - t0)) s; $(uname -m), $(nproc) CPUs"
