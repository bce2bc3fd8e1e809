#!/bin/sh
# anomaly vs scikit-learn's IsolationForest, in one run on the same feature
# matrix: fit (100 trees, psi 256) on every row of a series and score every
# row; anomaly --fit as a process (CSV in, features, CSV out included),
# scikit-learn inside one Python process (fit + score_samples only: no
# import, no CSV).  Then anomaly streaming with its defaults: rows
# per second and peak memory on the longest series and on a million rows.
# Every time is the best of N runs (the machine may be shared).  Writes
# bench/anomaly.md.
#   sh bench/anomaly.sh [-n N] [NAB]
# NAB (a NAB checkout, or $NAB_DIR) adds its longest series of the subset,
# machine_temperature_system_failure (22,695 rows).  Needs Debian's
# python3-sklearn (peer only) and time.
set -eu
LC_ALL=C; export LC_ALL
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
py=/usr/bin/python3
runs=5
if [ "${1:-}" = -n ]; then runs=$2; shift 2; fi
nab=${1:-${NAB_DIR:-}}
[ -x "$bin/anomaly" ] || { echo "build first: make" >&2; exit 1; }
$py -c 'import sklearn' 2>/dev/null || { echo "bench/anomaly.sh: skipped: needs Debian python3-sklearn"; exit 0; }
[ -x /usr/bin/time ] || { echo "bench/anomaly.sh: skipped: needs /usr/bin/time (package time)"; exit 0; }
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT INT TERM

series="$top/data/nab_cpu_utilization_asg_misconfiguration.csv"
if [ -n "$nab" ] && [ -f "$nab/data/realKnownCause/machine_temperature_system_failure.csv" ]; then
	$py "$top/bench/nab.py" prep "$nab" "$w/nab" > /dev/null
	series="$series $w/nab/realKnownCause/machine_temperature_system_failure.csv"
fi
awk 'BEGIN { srand(3); print "timestamp,value"
	for (i = 0; i < 1000000; i++) printf "%d,%.3f\n", 1700000000 + 60 * i, 50 + 20 * sin(i / 229) + 5 * rand() }' > "$w/million.csv"

now() { date +%s.%N; }
best() { # best wall seconds (and that run's peak RSS in KB) of N runs of a command line [runs]
	b= m=
	for i in $(seq "${2:-$runs}"); do
		t0=$(now)
		/usr/bin/time -f "%M" -o "$w/t" sh -c "$1" > /dev/null 2> "$w/err"
		s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
		k=$(cat "$w/t")
		if [ -z "$b" ] || awk -v a="$s" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$s m=$k; fi
	done
	echo "$b $m"
}
bestfit() { # best in-process seconds of --fit's fit and scores (-v) of N runs
	b=
	for i in $(seq "$runs"); do
		s=$(sh -c "$1" 2>&1 > /dev/null | sed -n 's/.* rows in \([0-9.]*\) s$/\1/p')
		if [ -z "$b" ] || awk -v a="$s" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$s; fi
	done
	echo "$b"
}

cat > "$w/sk.py" <<'EOF'
import sys, time
import numpy as np
from sklearn.ensemble import IsolationForest
X = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
runs, jobs = int(sys.argv[2]), int(sys.argv[3])
best = None
for r in range(runs):
    t = time.perf_counter()
    f = IsolationForest(n_estimators=100, max_samples=256, random_state=r, n_jobs=jobs).fit(X)
    s = -f.score_samples(X)
    dt = time.perf_counter() - t
    best = dt if best is None or dt < best else best
print("%.3f" % best)
EOF

{
	echo "# anomaly: fit + score against scikit-learn, and streaming speed"
	echo
	echo "\`sh bench/anomaly.sh -n $runs${nab:+ NAB}\` on $(uname -n): $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'),"
	echo "$(nproc) cores, $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) RAM; $(date -u '+%Y-%m-%d %H:%M UTC');"
	echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg).  scikit-learn"
	echo "$($py -c 'import sklearn; print(sklearn.__version__)'), numpy $($py -c 'import numpy; print(numpy.__version__)'); scalepipe $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')."
	echo "Each time is the best of $runs runs."
	echo "@LOADED@"
	echo
	echo "## Fit on every row and score every row (100 trees, psi 256)"
	echo
	echo "anomaly: \`anomaly -v --fit --scoring plain --features F --threads J FILE > /dev/null\`;"
	echo "\"fit + score\" is the time it reports (-v) for the fit and the scores of every row,"
	echo "\"process\" the whole process (CSV parsing, features, fit, scores, CSV out).  scikit-learn:"
	echo "\`IsolationForest(n_estimators=100, max_samples=256, n_jobs=J).fit(X)\` then"
	echo "\`score_samples(X)\` on the same feature matrix, timed inside Python (no import,"
	echo "no CSV).  The features: \`value\` (the default), and four per row."
	echo
	echo "| series | rows | features | threads | anomaly fit + score s | anomaly process s | sklearn fit + score s | speed-up (fit + score) | speed-up (process) |"
	echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
} > "$w/md"
for f in $series; do
	n=$(($(wc -l < "$f") - 1))
	for feat in value value,diff,z:12,sd:12; do
		"$bin/anomaly" --print-features --features "$feat" --train 100000000 "$f" \
			| awk -F, 'NR > 1 { ok = 1; s = ""; for (i = 3; i <= NF - 2; i++) { if ($i == "") ok = 0; s = s (i > 3 ? "," : "") $i } if (ok) print s }' > "$w/X.csv"
		for j in 1 2; do
			cmd="'$bin/anomaly' -v --fit --scoring plain --features '$feat' --threads $j '$f'"
			p=$(best "$cmd")
			p=${p% *}
			fs=$(bestfit "$cmd")
			sk=$($py "$w/sk.py" "$w/X.csv" "$runs" "$j")
			echo "| $(basename "$f" .csv) | $n | $feat | $j | $fs | $p | $sk | $(awk -v a="$fs" -v b="$p" -v c="$sk" 'BEGIN { printf "%.0fx | %.1fx", c / a, c / b }') |" >> "$w/md"
		done
	done
done
{
	echo
	echo "## Streaming (defaults: first fit after 128 rows, a refit every 64 rows on the last 8,000)"
	echo
	echo "\`anomaly FILE > /dev/null\`, one process, threads = cores (the million rows: best of 2)."
	echo
	echo "| series | rows | fits | wall s | rows/s | peak RSS MB |"
	echo "|---|---:|---:|---:|---:|---:|"
} >> "$w/md"
for f in $series "$w/million.csv"; do
	n=$(($(wc -l < "$f") - 1))
	k=$runs
	[ "$n" -gt 100000 ] && [ "$k" -gt 2 ] && k=2   # a million rows: the best of 2
	r=$(best "'$bin/anomaly' '$f'" "$k")
	s=${r% *} k=${r#* }
	fits=$(( (n - 128) / 64 + 1 ))
	echo "| $(basename "$f" .csv | sed 's/^million$/synthetic (1 per minute, 1,000,000)/') | $n | $fits | $s | $(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }') | $(awk -v k="$k" 'BEGIN { printf "%.1f", k / 1024 }') |" >> "$w/md"
done
# a shared machine's times are not final: say so, with the load at both ends
la0=$(sed -n 's/^load average before the run: \([0-9.]*\) .*/\1/p' "$w/md")
la1=$(cut -d' ' -f1-3 /proc/loadavg)
# (the load after the run is mostly the bench's own two-thread runs: only the
# load before it tells whether other work shared the CPU)
if awk -v a="$la0" -v n="$(nproc)" 'BEGIN { exit !(a > n / 4) }'; then
	note="**Loaded machine**: the load average was $la0 before the run ($la1 after it, the bench's own runs included), on $(nproc) cores: other work shared the CPU, so these times are pessimistic and not final.  Rerun on a quiet machine for the record."
else
	note="The machine was quiet: load average $la0 before the run ($la1 after it, which includes the bench's own runs)."
fi
awk -v note="$note" '$0 == "@LOADED@" { print note; next } { print }' "$w/md" > "$w/md2" && mv "$w/md2" "$w/md"
cat "$w/md"
cp "$w/md" "$top/bench/anomaly.md"
echo "wrote bench/anomaly.md"
