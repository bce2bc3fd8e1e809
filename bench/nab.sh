#!/bin/sh
# The Numenta Anomaly Benchmark: first the scorer (bench/nab.py) must
# reproduce NAB's own results of the Random Cut Forest (every S(t) value, each
# file's raw score, TP, TN, FP and FN, every profile); then anomaly (its
# defaults, the same for every series; also with seeds 2 and 3, and with
# --scoring plain), Random Cut Forest (NAB's results),
# burstdetect (window | arfit --rolling -H 24 --level 0.98 | burstdetect,
# state == burst as the detection), a windowed Gaussian and the null detector
# are scored on every profile.  Writes bench/nab.md.
#   sh bench/nab.sh [NAB [BIN]]
# NAB is a NAB checkout (or the subset data/nab/README.md describes), also
# taken from $NAB_DIR; without one the benchmark is skipped.  Needs Debian's
# /usr/bin/python3 (standard library only).
set -eu
LC_ALL=C; export LC_ALL
top=$(cd "$(dirname "$0")/.." && pwd)
nab=${1:-${NAB_DIR:-}}
bin=${2:-$top/bin}
py=/usr/bin/python3
if [ -z "$nab" ] || [ ! -f "$nab/labels/combined_windows.json" ]; then
	echo "bench/nab.sh: skipped: give the path of a NAB checkout (sh bench/nab.sh NAB, or NAB_DIR)"
	exit 0
fi
nab=$(cd "$nab" && pwd)
[ -x "$bin/anomaly" ] || { echo "build first: make" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-nab.XXXXXX")
trap 'rm -rf "$w"' EXIT INT TERM

$py "$top/bench/nab.py" check "$nab" > "$w/check.txt" || { cat "$w/check.txt"; exit 1; }
cat "$w/check.txt"
$py "$top/bench/nab.py" prep "$nab" "$w/data" | sed "s| into [^,]*,|,|" > "$w/prep.txt"
cat "$w/prep.txt"
files=$(cd "$w/data" && ls */*.csv)
start=$(date +%s)
for rel in $files; do
	for d in anomaly seed2 seed3 plain bd; do mkdir -p "$w/$d/$(dirname "$rel")"; done
	"$bin/anomaly" "$w/data/$rel" > "$w/anomaly/$rel"
	"$bin/anomaly" --seed 2 "$w/data/$rel" > "$w/seed2/$rel"
	"$bin/anomaly" --seed 3 "$w/data/$rel" > "$w/seed3/$rel"
	"$bin/anomaly" --scoring plain "$w/data/$rel" > "$w/plain/$rel"
	# arfit wants a regular grid: resample to the series' usual step
	step=$(awk -F, 'NR > 2 { c[$1 - p]++ } { p = $1 } END { for (d in c) if (c[d] > m) { m = c[d]; s = d } print s }' "$w/data/$rel")
	"$bin/window" --resample "$step" --fill linear "$w/data/$rel" | "$bin/arfit" --rolling -H 24 --level 0.98 \
		| "$bin/burstdetect" > "$w/bd/$rel"
done
end=$(date +%s)
for d in anomaly seed2 seed3 plain; do
	$py "$top/bench/nab.py" collect "$w/data" "$w/$d" "$w/s_$d" score > /dev/null
done
$py "$top/bench/nab.py" collect "$w/data" "$w/bd" "$w/s_bd" burst > /dev/null
$py "$top/bench/nab.py" score "$nab" anomaly="$w/s_anomaly" "anomaly --seed 2=$w/s_seed2" \
	"anomaly --seed 3=$w/s_seed3" "anomaly --scoring plain=$w/s_plain" rcf=rcf burstdetect="$w/s_bd" \
	"burstdetect, every burst=$w/s_bd@1" \
	"windowed Gaussian=gauss" null=null > "$w/table.md"
cat "$w/table.md"

{
	echo "# NAB: anomaly, Random Cut Forest, burstdetect, windowed Gaussian, null"
	echo
	echo "\`sh bench/nab.sh NAB\` on $(uname -n) ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores),"
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), scalepipe $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')."
	echo "The detectors ran in $((end - start)) s (anomaly and the burstdetect chain, every file)."
	echo
	echo "## The scorer against NAB's own results"
	echo
	echo '```'
	cat "$w/check.txt" "$w/prep.txt"
	echo '```'
	echo
	echo "Commands per series (the NAB file as prep'ed: Unix seconds, a repeated or"
	echo "backward time moved 1 s after the previous one):"
	echo
	echo '    anomaly FILE                                     # defaults'
	echo '    anomaly --seed 2 FILE, anomaly --seed 3 FILE     # the spread over seeds'
	echo '    anomaly --scoring plain FILE                     # the plain Isolation Forest'
	echo '    window --resample STEP --fill linear FILE | arfit --rolling -H 24 --level 0.98 | burstdetect'
	echo
	echo "(STEP: the series' most common time step; a row is detected when the state of"
	echo "the step holding it is burst.  Its scores are 0 or 1, so the corpus optimum is"
	echo "either every burst or none; the row \"every burst\" shows the former.)"
	echo
	echo "Random Cut Forest: NAB's results files; \`rcf (NAB's threshold)\` uses the threshold"
	echo "NAB chose on its full corpus, \`rcf\` the optimum on this corpus like every other row."
	echo
	cat "$w/table.md"
} > "$top/bench/nab.md"
echo "wrote bench/nab.md"
