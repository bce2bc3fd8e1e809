#!/bin/sh
# Replays every fuzz target once over its committed inputs (make
# check-clang-san): tests/fuzz/seeds/<target>/ (the seed corpus) and
# tests/fuzz/regress/<target>/ (inputs that once crashed, now fixed).
# One "fuzz-replay: N passed, M failed" line; a target passes when it runs
# every input without a sanitizer report.  $1: the directory of the built
# targets (fuzz_<target>).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1
pass=0 fail=0
log=$(mktemp "${TMPDIR:-/tmp}/sp-replay.XXXXXX")
trap 'rm -f "$log"' EXIT
for bin in "$dir"/fuzz_*; do
	t=${bin##*/fuzz_}
	files=$(ls -d "$top/tests/fuzz/seeds/$t"/* "$top/tests/fuzz/regress/$t"/* 2>/dev/null)
	if [ -z "$files" ]; then
		echo "FAIL fuzz_$t: no seed inputs in tests/fuzz/seeds/$t"
		fail=$((fail + 1))
		continue
	fi
	# shellcheck disable=SC2086
	if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$bin" -runs=1 $files >"$log" 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL fuzz_$t"
		tail -40 "$log"
		fail=$((fail + 1))
	fi
done
echo "fuzz-replay: $pass passed, $fail failed"
[ $fail -eq 0 ]
