#!/bin/sh
# bench/lstm_retrain.sh: the LSTM on NYC taxi's held-out 20 % (horizon 12),
# trained once on the first 80 % (as bench/lstm_accuracy.sh) against
# retrained every DAYS days (default 7) with lstmtrain --init: before each
# block the previous model continues training on all data up to the block
# (warm start; its validation part is the most recent 20 %), then forecasts
# the block.  Every forecast uses data and a model from before its target
# (forecast runs over the whole history, so --adapt's state carries over).
# FOREOPTS adds forecast options (e.g. "--adapt 0.1").  Prints a Markdown
# table.  Takes a few minutes on 2 cores.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${BIN:-$top/bin}:$PATH
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lstm-retrain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
DAYS=${DAYS:-7}
FOREOPTS=${FOREOPTS:-}
in=$top/data/nab_nyc_taxi.csv
arch="--calendar --norm window --window 48 --horizon 12 --hidden 32 --quantiles 0.1,0.5,0.9"
n=$(($(wc -l < "$in") - 1)); ntr=$((n * 8 / 10)); block=$((DAYS * 48))

# score rows ntr+1..n of a one-horizon forecast file: MASE (scaled by the
# in-sample seasonal-naive MAE, period 48), coverage, below / above
score() {
	awk -F, -v ntr="$ntr" -v m=48 -v name="$1" -v secs="$2" '
	NR == 1 { next }
	{ i = NR - 1; y[i] = $2 }
	i <= ntr && (i - m) in y { sc += ($2 > y[i - m] ? $2 - y[i - m] : y[i - m] - $2); ns++ }
	i > ntr && $3 != "" { k++; e = $2 - $3; el += e < 0 ? -e : e
		cov += ($4 <= $2 && $2 <= $5); lo += ($2 < $4); hi += ($2 > $5); w += $5 - $4 }
	END { printf "| %s | %d | %.3f | %.1f%% | %.1f%% / %.1f%% | %.4g | %s |\n", name, k, el / k / (sc / ns),
	    100 * cov / k, 100 * lo / k, 100 * hi / k, w / k, secs }' "$3"
}

echo "| NYC taxi, horizon 12 | test points | MASE | 0.1-0.9 coverage | below / above | band width | training |"
echo "|---|---|---|---|---|---|---|"
head -n $((ntr + 1)) "$in" > "$tmp/train.csv"
s0=$(date +%s)
# shellcheck disable=SC2086
lstmtrain $arch -o "$tmp/m0" "$tmp/train.csv"
s1=$(date +%s)
# shellcheck disable=SC2086
forecast -m "$tmp/m0" --horizon 12 $FOREOPTS "$in" > "$tmp/once.csv"
score "trained once${FOREOPTS:+, $FOREOPTS}" "$((s1 - s0)) s" "$tmp/once.csv"

# retrained: block b covers rows start+1..start+block (1-based data rows)
cp "$tmp/m0" "$tmp/cur"
head -n $((ntr + 1)) "$tmp/once.csv" > "$tmp/retrained.csv"
start=$ntr tsec=0 nb=0
while [ "$start" -lt "$n" ]; do
	end=$((start + block)); [ "$end" -gt "$n" ] && end=$n
	if [ "$start" -gt "$ntr" ]; then   # the first block uses the model trained on the 80 %
		head -n $((start + 1)) "$in" > "$tmp/hist.csv"
		s0=$(date +%s)
		lstmtrain --init "$tmp/cur" --epochs 10 -o "$tmp/next" "$tmp/hist.csv"
		s1=$(date +%s)
		tsec=$((tsec + s1 - s0)) nb=$((nb + 1))
		mv "$tmp/next" "$tmp/cur"
	fi
	# shellcheck disable=SC2086
	head -n $((end + 1)) "$in" | forecast -m "$tmp/cur" --horizon 12 $FOREOPTS |
	    sed -n "$((start + 2)),$((end + 1))p" >> "$tmp/retrained.csv"
	start=$end
done
score "retrained every $DAYS days (--init, up to 10 epochs)${FOREOPTS:+, $FOREOPTS}" "$nb retrains, $tsec s" "$tmp/retrained.csv"
