#!/bin/sh
# scripts/profile-service --short against the real examples/fftservice and
# Debian's wrk, then svrfit on what it measured.  Loads and latencies depend
# on the machine, so only invariants are checked.
. "$TOP/tests/cli/lib.sh"
if ! command -v wrk >/dev/null 2>&1; then
	echo "FAIL: wrk is not installed (scripts/install-deps installs it)"
	echo "0 passed, 1 failed"
	exit 1
fi
check "profile run (1 worker, 5 loads)" sh -c "'$TOP/scripts/profile-service' --short -o '$T/p.csv' 2> '$T/p.err'"
check "header and 5 rows" sh -c "head -n 1 '$T/p.csv' | grep -qx 'load_per_replica,replicas,latency_ms,latency_p95_ms,cpu_pct' && [ \$(wc -l < '$T/p.csv') -eq 6 ]"
check "values in range, load grows with users" awk -F, '
	NR == 1 { next }
	{ if ($2 != 1 || !($1 > 0) || !($3 > 0) || !($4 > 0) || !($5 > 0 && $5 <= 110)) { print "row " NR - 1 ": " $0; exit 1 } }
	NR == 2 { first = $1 } { last = $1 }
	END { if (!(last > 2 * first)) { print "load " first " -> " last; exit 1 } }' "$T/p.csv"
check "no wrk errors reported" sh -c "! grep -q errors '$T/p.err'"
t "svrfit trains on the measured profile" 0 svrfit -v -C 1,10 -g 0.5,2 -e 0.1 -m "$T/p.svr" "$T/p.csv"
err_has "5 rows, 1 feature, target latency_ms"
t "and predicts it" 0 svrfit --predict -m "$T/p.svr" "$T/p.csv"
check "6 lines, finite predictions" awk -F, 'NR > 1 && !($6 > 0) { exit 1 } END { exit NR != 6 }' "$T/out"
t "CPU model from the same rows" 0 svrfit -y cpu_pct -k 0 -C 10 -g 1 -e 0.1 -m "$T/cpu.svr" "$T/p.csv"
t "bad option" 2 "$TOP/scripts/profile-service" --bogus
err_has "profile-service: unknown option --bogus"
t "bad number" 2 "$TOP/scripts/profile-service" --workers x
err_has "not a non-negative integer: 'x'"
finish
