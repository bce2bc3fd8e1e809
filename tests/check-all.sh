#!/bin/sh
# `make check`: every stage, then one closing "N passed, N failed" line.
#   plain      unit + CLI tests on the normal build
#   man        mandoc lint, --help vs man page options
#   clang      the whole tree builds warning-free with clang too: the
#              clang-san stage's build (-Werror under clang, the same
#              warnings: clang's come from its front end, whatever the
#              optimisation or the sanitizers), counted once; `make
#              check-clang` builds it without sanitizers on its own
#   asan       unit + CLI tests under AddressSanitizer + UBSan
#   clang-san  clang's ASan + UBSan with float-cast-overflow: unit tests and
#              a subset of the CLI tests (Makefile CLANG_SAN_CLI), then every
#              fuzz target over its seed corpus (tests/fuzz/replay.sh)
#   valgrind   unit + CLI tests under valgrind
#   integration  real servers on 127.0.0.1 (Prometheus, Pushgateway, ...)
#
# The stages are independent (each has its own build directory, temporary
# directories and ports), so they run at the same time and share the cores:
# no core idles while one stage waits on its slowest file or on a server.
# The CPU-bound stages run at a lower priority (nice), so the integration
# tests' servers and timeouts keep theirs.  Each stage's output is printed
# whole, in the order above, once it and the stages before it are done; the
# counts are the same as one stage after another.  SP_CHECK_SERIAL=1 runs
# them one after another, as before; SP_CHECK_STAGES="check-fast ..." runs
# only those.
set -u
MAKE=${1:-make}
stages=${SP_CHECK_STAGES:-check-fast check-man check-asan check-clang-san check-valgrind check-integration}
dir=$(mktemp -d "${TMPDIR:-/tmp}/sp-check.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'rm -rf "$dir"; exit 1' INT TERM

run_stage() {  # stage: its output, exit status and wall time into $dir
	t0=$(date +%s)
	case $1 in
	check-integration) $MAKE --no-print-directory "$1" > "$dir/$1.log" 2>&1 ;;
	*) nice -n 5 $MAKE --no-print-directory "$1" > "$dir/$1.log" 2>&1 ;;
	esac
	echo $? > "$dir/$1.rc.tmp"
	echo $(( $(date +%s) - t0 )) > "$dir/$1.sec"
	mv "$dir/$1.rc.tmp" "$dir/$1.rc"
}

t0=$(date +%s)
for stage in $stages; do
	if [ "${SP_CHECK_SERIAL:-}" = 1 ]; then run_stage "$stage"; else run_stage "$stage" & fi
done
status=0
for stage in $stages; do
	while [ ! -e "$dir/$stage.rc" ]; do sleep 1; done
	echo "== $stage ($(cat "$dir/$stage.sec")s)"
	cat "$dir/$stage.log"
	[ "$(cat "$dir/$stage.rc")" = 0 ] || status=1
done
wait
pass=0 fail=0
for line in $(cat "$dir"/*.log | grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' | sed 's/ /_/g'); do
	p=$(echo "$line" | sed -E 's/^[^:]+:_([0-9]+)_passed,_([0-9]+)_failed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[^:]+:_([0-9]+)_passed,_([0-9]+)_failed.*/\2/')
	pass=$((pass + p)); fail=$((fail + f))
done
[ $status -ne 0 ] && [ $fail -eq 0 ] && fail=1
echo "check: $(( $(date +%s) - t0 ))s in all"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $status -eq 0 ]
