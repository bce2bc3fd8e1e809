#!/bin/sh
# The fuzz campaign (`make fuzz` builds the targets into build/fuzz/fuzz/
# with coverage, then runs this).  Each target runs FUZZ_SECONDS (default
# 60) per pass, FUZZ_PASSES passes (default 1), FUZZ_JOBS targets at a time
# (default 1), under `nice -n ${FUZZ_NICE:-15}`, in libFuzzer's fork mode
# (one worker; crashes, timeouts and out-of-memory inputs are kept and the
# run goes on).  The corpus of target T lives in build/fuzz/corpus/T
# (seeded from tests/fuzz/seeds/T), crash inputs in build/fuzz/artifacts/T/.
# FUZZ_TARGETS="csv prom ..." picks targets (default: all built).
# One line per target and pass is appended to build/fuzz/campaign.tsv:
#   target pass seconds cpu_seconds execs cov ft corpus crashes timeouts ooms
# (cpu_seconds: user + system time of the run; cov, ft: libFuzzer's
# coverage counters at the end of the pass; the counts of kept artifacts).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
passes=${FUZZ_PASSES:-1}
jobs=${FUZZ_JOBS:-1}
nice=${FUZZ_NICE:-15}
out=$top/build/fuzz
targets=${FUZZ_TARGETS:-$(cd "$out/fuzz" && ls fuzz_* | sed 's/^fuzz_//')}
mkdir -p "$out/corpus" "$out/artifacts" "$out/logs"
tsv=$out/campaign.tsv
[ -f "$tsv" ] || printf 'target\tpass\tseconds\tcpu_seconds\texecs\tcov\tft\tcorpus\tcrashes\ttimeouts\tooms\n' > "$tsv"

one() {   # target pass
	t=$1 p=$2
	c=$out/corpus/$t a=$out/artifacts/$t/ log=$out/logs/$t.$p.log
	mkdir -p "$c" "$a"
	if [ -d "$top/tests/fuzz/seeds/$t" ]; then cp -n "$top/tests/fuzz/seeds/$t"/* "$c/" 2>/dev/null || true; fi
	if [ -d "$top/tests/fuzz/regress/$t" ]; then cp -n "$top/tests/fuzz/regress/$t"/* "$c/" 2>/dev/null || true; fi
	start=$(date +%s)
	( cd "$a" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	    nice -n "$nice" "$out/fuzz/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
	    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	    -artifact_prefix="$a" "$c" ) > "$log" 2>&1 || true
	end=$(date +%s)
	# CPU time of this subshell's children (the fuzzer and, waited for by
	# it, its fork-mode workers): the second line of `times` (run here, not
	# in a command substitution, whose subshell has no children)
	times > "$log.times"
	cpu=$(sed -n 2p "$log.times" | awk '{ n = split($0, f, " "); s = 0
	    for (i = 1; i <= n; i++) { split(f[i], x, "m"); sub("s", "", x[2]); s += x[1] * 60 + x[2] }
	    printf "%.0f", s }')
	last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -1)
	execs=$(echo "$last" | sed -nE 's/^#([0-9]+):.*/\1/p')
	cov=$(echo "$last" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
	ft=$(echo "$last" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
	corp=$(ls "$c" | wc -l)
	cr=$(ls "$a" | grep -c '^crash-' || true)
	to=$(ls "$a" | grep -c '^timeout-' || true)
	oo=$(ls "$a" | grep -c '^oom-' || true)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$p" $((end - start)) "${cpu:-?}" \
	    "${execs:-0}" "${cov:-0}" "${ft:-0}" "$corp" "$cr" "$to" "$oo" >> "$tsv"
	echo "== fuzz_$t pass $p: ${execs:-0} execs, cov ${cov:-0}, ft ${ft:-0}, crashes $cr, timeouts $to, ooms $oo"
}

p=1
while [ $p -le "$passes" ]; do
	set -- $targets
	while [ $# -gt 0 ]; do
		k=0
		while [ $k -lt "$jobs" ] && [ $# -gt 0 ]; do
			one "$1" "$p" &
			shift
			k=$((k + 1))
		done
		wait
	done
	p=$((p + 1))
done
