#!/bin/sh
# bench/lstm.sh: lstmtrain/forecast vs PyTorch (Debian's python3-torch) in one
# run, at the issue's sizes: LSTM hidden 64, window 24, horizon 12, batch 64,
# 2 threads, MSE head, Adam, gradient clipping, on the same synthetic CSV.
#   training: windows per second through a whole epoch (ours: the real
#             lstmtrain command, CSV reading and model writing included)
#   prediction: one window (24 steps) -> 12 horizons, mean latency in-process
#             (ours: sp_lstm_predict; PyTorch: model(x) under no_grad), and
#             ours end to end (forecast over the CSV, per row)
# Needs /usr/bin/python3 with torch and numpy; not part of make check.
# ROUNDS=N repeats the pair N times (the machine may be shared).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top/bin:$PATH
PY=${PY:-/usr/bin/python3}
ROUNDS=${ROUNDS:-2}
EPOCHS=${EPOCHS:-2}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lstm-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
H=64 W=24 HZ=12 B=64 TH=2 N=${N:-12000}

if ! "$PY" -c 'import torch, numpy' 2>/dev/null; then
	echo "bench/lstm.sh: needs $PY with torch (apt-get install python3-torch)" >&2
	exit 1
fi
awk -v n=$N 'BEGIN { print "timestamp,value"; srand(3)
	for (i = 0; i < n; i++) printf "%d,%.4f\n", 1700000000 + 60 * i,
	    100 + 30 * sin(2 * 3.14159265 * i / 288) + 10 * sin(2 * 3.14159265 * i / 37) + 5 * (rand() - 0.5) }' > "$tmp/s.csv"

# ours, single-window latency in-process
cat > "$tmp/p.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sp_lstm.h"
static double clk(clockid_t c) { struct timespec ts; clock_gettime(c, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
	sp_error err; sp_lstm *m = sp_lstm_load(argv[1], &err); sp_lstm_pred *p;
	double t[1000], y[1000], lo[100], mid[100], hi[100], t0, c0, s = 0; int reps = 20000;
	if (!m || !(p = sp_lstm_pred_new(m, &err))) { fprintf(stderr, "%s\n", err.msg); return 1; }
	sp_nn_threads(1);
	for (int i = 0; i < m->window; i++) t[i] = 1700000000 + 60.0 * i, y[i] = 100 + i % 7;
	for (int i = 0; i < 200; i++) sp_lstm_predict(p, t, y, lo, mid, hi);
	t0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < reps; i++) { y[0] = 100 + (i & 7); sp_lstm_predict(p, t, y, lo, mid, hi); s += mid[0]; }
	printf("predict_us %.1f\npredict_cpu_us %.1f\n", (clk(CLOCK_MONOTONIC) - t0) / reps * 1e6 + 0 * s,
	    (clk(CLOCK_PROCESS_CPUTIME_ID) - c0) / reps * 1e6);
	sp_lstm_pred_free(p); sp_lstm_free(m); return 0;
}
C
# the tools' link line (Makefile SPLDLIBS): sp_lstm pulls in sp_csv (libcsv) and the rest
${CC:-cc} -O2 -I"$top/lib" $(pkg-config --cflags openblas) -o "$tmp/p" "$tmp/p.c" "$top/lib/libscalepipe.a" \
    -Wl,--as-needed -lcsv -lsvm $(pkg-config --libs openblas gsl libcurl jansson yaml-0.1) -lpthread -lm

nwin=$(( (N - W - HZ + 1) * EPOCHS ))
echo "# bench/lstm.sh $(date -u +%Y-%m-%dT%H:%MZ): LSTM hidden $H, window $W, horizon $HZ, batch $B, $TH threads, $N rows, $EPOCHS epochs"
echo "# $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), torch $("$PY" -c 'import torch; print(torch.__version__)')"
echo "| round | ours train windows/s | PyTorch train windows/s | ratio | ours predict us (CPU) | PyTorch predict us (CPU) | ratio wall (CPU) | forecast us/row |"
echo "|---|---|---|---|---|---|---|---|"
r=1
while [ $r -le "$ROUNDS" ]; do
	s0=$(date +%s.%N)
	lstmtrain --loss mse --hidden $H --window $W --horizon $HZ --batch $B --threads $TH --epochs "$EPOCHS" \
	    --val 0 -o "$tmp/m" "$tmp/s.csv"
	s1=$(date +%s.%N)
	ours_tr=$(echo "$nwin / ($s1 - $s0)" | bc -l)
	"$tmp/p" "$tmp/m" > "$tmp/o.out"
	ours_pr=$(awk '$1 == "predict_us" { print $2 }' "$tmp/o.out")
	ours_pc=$(awk '$1 == "predict_cpu_us" { print $2 }' "$tmp/o.out")
	s0=$(date +%s.%N)
	forecast -m "$tmp/m" "$tmp/s.csv" > /dev/null
	s1=$(date +%s.%N)
	ours_fc=$(echo "($s1 - $s0) / $N * 1000000" | bc -l)
	"$PY" "$top/tests/ref/torch_bench.py" "$tmp/s.csv" $H $W $HZ $B "$EPOCHS" $TH > "$tmp/t.out"
	pt_tr=$(awk '$1 == "train_windows_per_s" { print $2 }' "$tmp/t.out")
	pt_pr=$(awk '$1 == "predict_us" { print $2 }' "$tmp/t.out")
	pt_pc=$(awk '$1 == "predict_cpu_us" { print $2 }' "$tmp/t.out")
	awk -v r=$r -v a="$ours_tr" -v b="$pt_tr" -v c="$ours_pr" -v d="$pt_pr" -v f="$ours_fc" \
	    -v cc="$ours_pc" -v dc="$pt_pc" 'BEGIN {
		printf "| %d | %.0f | %.0f | %.2fx | %.1f (%.1f) | %.1f (%.1f) | %.2fx (%.2fx) | %.1f |\n",
		    r, a, b, a / b, c, cc, d, dc, d / c, dc / cc, f }'
	r=$((r + 1))
done
