#!/bin/sh
# bench/lstm_accuracy.sh: lstmtrain + forecast vs seasonal-naive and arfit at
# horizon 12 on two shipped traces (NASA HTTP per minute summed to 5 minutes,
# NYC taxi per 30 minutes).  Protocol: the first 80% of the rows train (the
# LSTM keeps the last 20% of that for early stopping; AR models are fitted on
# the last gap-free stretch of it), the last 20% are the test part; every
# method forecasts each test row from data up to 12 rows before it
# (`forecast --horizon 12`, rolling and causal).  MASE divides by the in-sample
# MAE of the one-season naive forecast on the training part.  The LSTM is
# trained with quantiles 0.1,0.5,0.9 (calibrated on its validation part), so
# [lower, upper] should cover 80%.  LSTMOPTS adds lstmtrain options
# [--norm window]; FOREOPTS adds forecast options for the LSTM only, e.g.
# FOREOPTS="--adapt 0.1" (online recalibration of its band) [none].
# Prints a Markdown table.  Takes a few minutes on 2 cores.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${BIN:-$top/bin}:$PATH   # BIN: another build
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lstm-acc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
LSTMOPTS=${LSTMOPTS:---norm window}
FOREOPTS=${FOREOPTS:-}

acc() {   # name csv period window hidden [excluded spans a-b,c-d in Unix seconds]
	name=$1 in=$2 m=$3 W=$4 hid=$5 ex=${6:-}
	n=$(($(wc -l < "$in") - 1)); ntr=$((n * 8 / 10))
	head -n $((ntr + 1)) "$in" > "$tmp/train.csv"
	s0=$(date +%s)
	lstmtrain --calendar --window "$W" --horizon 12 --hidden "$hid" --quantiles 0.1,0.5,0.9 \
	    $LSTMOPTS -o "$tmp/$name.lstm" "$tmp/train.csv"
	s1=$(date +%s)
	forecast -m "$tmp/$name.lstm" --horizon 12 $FOREOPTS "$in" > "$tmp/lstm.csv"
	# the last stretch of the training part without missing values
	awk -F, 'NR == 1 { h = $0; next } $2 == "" { n = 0; next } { r[++n] = $0 }
	    END { print h; for (i = 1; i <= n; i++) print r[i] }' "$tmp/train.csv" > "$tmp/artrain.csv"
	arfit --ic aic --max-order 24 --save "$tmp/ar.m" "$tmp/artrain.csv" > /dev/null
	arfit --ic aic --max-order 24 --season "$m" --save "$tmp/sar.m" "$tmp/artrain.csv" > /dev/null
	forecast -m "$tmp/ar.m" --horizon 12 "$in" > "$tmp/ar.csv"
	forecast -m "$tmp/sar.m" --horizon 12 "$in" > "$tmp/sar.csv"
	p=$(grep -c '' "$tmp/ar.csv")
	paste -d, "$tmp/lstm.csv" "$tmp/ar.csv" "$tmp/sar.csv" | awk -F, -v ntr="$ntr" -v m="$m" -v ex="$ex" \
	    -v name="$name" -v secs=$((s1 - s0)) -v ep="$(grep '^best_epoch' "$tmp/$name.lstm" | cut -d' ' -f2)" '
	NR == 1 { nx = split(ex, sp, ","); for (j = 1; j <= nx; j++) { split(sp[j], ab, "-"); xa[j] = ab[1]; xb[j] = ab[2] }; next }
	{ i = NR - 1; y[i] = $2 }
	i <= ntr && $2 != "" && (i - m) in y && y[i - m] != "" { sc += ($2 > y[i - m] ? $2 - y[i - m] : y[i - m] - $2); ns++ }
	i > ntr && $2 != "" && $3 != "" && $8 != "" && $13 != "" && (i - m) in y && y[i - m] != "" {
		k++
		e = $2 - $3; el += e < 0 ? -e : e
		e = $2 - $8; ea += e < 0 ? -e : e
		e = $2 - $13; es += e < 0 ? -e : e
		e = $2 - y[i - m]; en += e < 0 ? -e : e
		cov += ($4 <= $2 && $2 <= $5); lo += ($2 < $4); hi += ($2 > $5); wid += $5 - $4
		acov += ($9 <= $2 && $2 <= $10)
		out = 0
		for (j = 1; j <= nx; j++) out = out || ($1 >= xa[j] && $1 < xb[j])
		if (!out) { kx++; covx += ($4 <= $2 && $2 <= $5) }
	}
	END {
		s = sc / ns
		printf "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.1f%% | %.1f%% / %.1f%% | %.4g | %s | %.1f%% | %ds, epoch %s |\n",
		    name, k, en / k / s, ea / k / s, es / k / s, el / k / s, 100 * cov / k, 100 * lo / k, 100 * hi / k, wid / k,
		    nx ? sprintf("%.1f%% (%d points)", 100 * covx / kx, kx) : "-", 100 * acov / k, secs, ep
	}'
}

window --resample 300 --agg sum "$top/data/nasa_http_1995_rpm.csv" > "$tmp/nasa5.csv"
echo "| trace | test points | MASE seasonal-naive | MASE arfit AR(aic) | MASE arfit seasonal ARI | MASE LSTM | LSTM 0.1-0.9 coverage | below / above | LSTM band width (mean) | coverage outside holidays | AR 80% coverage | LSTM training |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
acc "NASA HTTP, 5 min (period 288)" "$tmp/nasa5.csv" 288 48 32
# taxi's test part holds Christmas to New Year and the 26-27 January 2015
# blizzard: coverage is also given without 24 Dec - 1 Jan and 26-27 Jan
acc "NYC taxi, 30 min (period 48)" "$top/data/nab_nyc_taxi.csv" 48 48 32 1419379200-1420156800,1422230400-1422403200
