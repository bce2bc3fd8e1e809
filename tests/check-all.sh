#!/bin/sh
# `make check`: every stage, then one closing "N passed, N failed" line.
#   plain      unit + CLI tests on the normal build
#   man        mandoc lint, --help vs man page options
#   clang      the whole tree builds warning-free with clang too
#   asan       unit + CLI tests under AddressSanitizer + UBSan
#   clang-san  clang's ASan + UBSan with float-cast-overflow: unit tests and
#              a subset of the CLI tests (Makefile CLANG_SAN_CLI), then every
#              fuzz target over its seed corpus (tests/fuzz/replay.sh)
#   valgrind   unit + CLI tests under valgrind
#   integration  real servers on 127.0.0.1 (Prometheus, Pushgateway, ...)
set -u
MAKE=${1:-make}
log=$(mktemp "${TMPDIR:-/tmp}/sp-check.XXXXXX")
trap 'rm -f "$log" "$log.rc"' EXIT
status=0
for stage in check-fast check-man check-clang check-asan check-clang-san check-valgrind check-integration; do
	echo "== $stage"
	{ $MAKE --no-print-directory $stage 2>&1; echo $? > "$log.rc"; } | tee -a "$log"
	[ "$(cat "$log.rc")" = 0 ] || status=1
done
pass=0 fail=0
for line in $(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$log" | sed 's/ /_/g'); do
	p=$(echo "$line" | sed -E 's/^[^:]+:_([0-9]+)_passed,_([0-9]+)_failed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[^:]+:_([0-9]+)_passed,_([0-9]+)_failed.*/\2/')
	pass=$((pass + p)); fail=$((fail + f))
done
[ $status -ne 0 ] && [ $fail -eq 0 ] && fail=1
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $status -eq 0 ]
