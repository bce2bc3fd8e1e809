#!/bin/sh
# The whole offline chain on the NASA trace (82,068 rows per minute):
#   window | arfit --rolling -H 24 | burstdetect | plan | simulate
# wall time of the pipe, and each tool alone on its saved input (rows/s).
# Peer: BAScaler's burst detector in Python/numpy (bench/chain_peer.py),
# as the reference code runs it, on the same forecasts (the first 10,000
# origins; the reference has no streaming form).
#   sh bench/chain.sh [BIN]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
out=$top/bench/out/chain
mkdir -p "$out"
f=$top/data/nasa_http_1995_rpm.csv
W="--resample 60 --fill linear --normalize robust --to 500,175 --clip 0,4000 --train-rows 10080"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
cpu() { # user+sys seconds of a command line run by sh
	/usr/bin/time -f "%U %S" -o "$out/time" sh -c "$1" > /dev/null
	awk '{ printf "%.3f", $1 + $2 }' "$out/time"
}

echo "== chain on $(basename "$f") ($(($(wc -l < "$f") - 1)) rows), $(nproc) cores"
a=$(now)
"$bin/window" $W < "$f" | "$bin/arfit" --rolling -H 24 --level 0.98 \
	| "$bin/burstdetect" --train 10080 --quantile 0.75 | "$bin/plan" --policy burst \
	| "$bin/simulate" --summary > "$out/summary.csv"
b=$(now)
echo "pipe wall time: $(secs "$a" "$b") s"

"$bin/window" $W < "$f" > "$out/1.csv"
"$bin/arfit" --rolling -H 24 --level 0.98 < "$out/1.csv" > "$out/2.csv"
"$bin/burstdetect" --train 10080 --quantile 0.75 < "$out/2.csv" > "$out/3.csv"
"$bin/plan" --policy burst < "$out/3.csv" > "$out/4.csv"
total=0
printf '%-12s %10s %10s %8s %12s\n' tool rows-in rows-out cpu-s rows-in/s
for s in "window:$f:1" "arfit:$out/1.csv:2" "burstdetect:$out/2.csv:3" "plan:$out/3.csv:4" "simulate:$out/4.csv:5"; do
	tool=${s%%:*}; rest=${s#*:}; in=${rest%:*}; n=${rest##*:}
	case $tool in
	window) args=$W ;;
	arfit) args="--rolling -H 24 --level 0.98" ;;
	burstdetect) args="--train 10080 --quantile 0.75" ;;
	plan) args="--policy burst" ;;
	simulate) args="--summary" ;;
	esac
	c=$(cpu "'$bin/$tool' $args < '$in'")
	rin=$(($(wc -l < "$in") - 1))
	rout=$([ -f "$out/$n.csv" ] && echo $(($(wc -l < "$out/$n.csv") - 1)) || echo 1)
	total=$(awk -v a="$total" -v b="$c" 'BEGIN { print a + b }')
	printf '%-12s %10d %10d %8.3f %12.0f\n' "$tool" "$rin" "$rout" "$c" "$(awk -v r="$rin" -v c="$c" 'BEGIN { print (c + 0 > 0) ? r / c : 0 }')"
done
echo "sum of cpu seconds: $total"

echo "== peer: burst detection on the first 10,000 origins"
head -n $((10000 * 24 + 1)) "$out/2.csv" > "$out/peer.csv"
a=$(now)
"$bin/burstdetect" --theta-acc 1e300 < "$out/peer.csv" > "$out/peer.ours.csv"
b=$(now)
echo "burstdetect: $((10000 * 24)) rows in $(secs "$a" "$b") s (wall)"
if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
	/usr/bin/python3 "$top/bench/chain_peer.py" "$out/peer.csv" 1e300 | sed 's/^/python peer: /'
	echo "labels: ours $(awk -F, 'NR > 1 && $6 == "burst"' "$out/peer.ours.csv" | wc -l) burst steps (causal: shifted by one step)"
else
	echo "python peer: numpy not installed (apt-get install python3-numpy)"
fi
