#!/bin/sh
# A/B: the same work by two builds, interleaved, to show a change made
# nothing slower.  CPU seconds (user + sys, /usr/bin/time) of each tool of
# bench/chain.sh's pipe on its saved input, and of window --resample 60 on
# bench/window.sh's 5 M-row file (1 M here by default: ROWS), each run REPS
# times alternating A and B; the median of each and the ratio B / A.
# Outputs of A and B are compared (cmp) as well.
#   sh bench/ab.sh OLD_BIN [NEW_BIN]     (NEW_BIN defaults to bin/)
# e.g. build the old tree in a worktree:
#   git worktree add /tmp/old REV && make -C /tmp/old all
#   sh bench/ab.sh /tmp/old/bin
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
	echo "bench/ab.sh: skipped: give the old build's bin directory (sh bench/ab.sh OLD_BIN [NEW_BIN])"
	exit 0
fi
A=$(cd "$1" && pwd) B=$(cd "${2:-$top/bin}" && pwd)
reps=${REPS:-5} rows=${ROWS:-1000000}
[ -x /usr/bin/time ] || { echo "bench/ab.sh: skipped: needs /usr/bin/time (package time)"; exit 0; }
cd "$top"   # older builds find their example curve by a relative path
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-ab.XXXXXX")
trap 'rm -rf "$w"' EXIT
f=$top/data/nasa_http_1995_rpm.csv
W="--resample 60 --fill linear --normalize robust --to 500,175 --clip 0,4000 --train-rows 10080"

# the chain's stage inputs, made once with B
"$B/window" $W < "$f" > "$w/1.csv"
"$B/arfit" --rolling -H 24 --level 0.98 < "$w/1.csv" > "$w/2.csv"
"$B/burstdetect" --train 10080 --quantile 0.75 < "$w/2.csv" > "$w/3.csv"
"$B/plan" --policy burst < "$w/3.csv" > "$w/4.csv"
awk -v n="$rows" 'BEGIN { srand(1); print "timestamp,a,b"
	for (i = 0; i < n; i++) printf "%d,%.3f,%.3f\n", 1700000000 + i, 100 + 50 * rand(), 10 * rand() }' > "$w/big.csv"

cpu() { # BIN TOOL ARGS INPUT OUTPUT -> cpu seconds
	/usr/bin/time -f "%U %S" -o "$w/time" sh -c "'$1/$2' $3 < '$4' > '$5'"
	awk '{ printf "%.3f\n", $1 + $2 }' "$w/time"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "A = $A"
echo "B = $B"
echo "$reps runs each, interleaved; CPU seconds (user + sys), median"
printf '%-22s %8s %8s %7s %s\n' work A B B/A outputs
for s in "window:$W:$f" "arfit:--rolling -H 24 --level 0.98:$w/1.csv" \
	"burstdetect:--train 10080 --quantile 0.75:$w/2.csv" "plan:--policy burst:$w/3.csv" \
	"simulate:--summary:$w/4.csv" "window:--resample 60 -a:$w/big.csv"; do
	tool=${s%%:*} rest=${s#*:}; args=${rest%:*} in=${rest##*:}
	: > "$w/a" ; : > "$w/b"
	i=0
	while [ $i -lt "$reps" ]; do
		cpu "$A" "$tool" "$args" "$in" "$w/out.a" >> "$w/a"
		cpu "$B" "$tool" "$args" "$in" "$w/out.b" >> "$w/b"
		i=$((i + 1))
	done
	ma=$(median < "$w/a") mb=$(median < "$w/b")
	same=$(cmp -s "$w/out.a" "$w/out.b" && echo identical || echo DIFFER)
	label=$tool; [ "$in" = "$w/big.csv" ] && label="window ($rows rows)"
	printf '%-22s %8.3f %8.3f %7.3f %s\n' "$label" "$ma" "$mb" \
	    "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print (a > 0) ? b / a : 0 }')" "$same"
done
