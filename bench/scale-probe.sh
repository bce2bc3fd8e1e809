#!/bin/sh
# bench/scale-probe.sh: the fleet tick's `current` stage (scale --by series
# --dry-run --force --max-down-pct 0 over every workload of a shard), the
# counts read one GET of each target's scale at a time (OLD_BIN: a build
# before 2026-12-04 23:00) against one list of the Deployments per
# namespace (BIN), side by side in one run, through the test API server
# (tests/kubeapi/kubeapi.py, HTTPS, bearer token) with N Deployments in 50
# namespaces.
#
#   OLD_BIN=DIR [BIN=DIR] sh bench/scale-probe.sh [SIZES]   (default "1000 5000")
#
# Per size and build: wall and CPU seconds of scale (/usr/bin/time), the
# requests the API server logged, and whether both builds wrote the same
# output (every key's target, counts and action; not the run's time and
# the input's age).  Not part of make check.
set -u   # not -e: tests/kubeapi/netlib.sh relies on failing commands
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
OLD_BIN=${OLD_BIN:-}
if [ -z "$OLD_BIN" ] || [ ! -x "$OLD_BIN/scale" ]; then
	echo "skipped: OLD_BIN, a build from before the list reads, is not given (git worktree add /tmp/old 1e62ff8 && make -C /tmp/old; OLD_BIN=/tmp/old/bin)"
	exit 0
fi
sizes=${1:-1000 5000}
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-probe.XXXXXX")
. "$top/tests/kubeapi/netlib.sh"
need curl openssl python3
sh "$top/tests/kubeapi/mkcerts.sh" "$T/pki" > /dev/null 2>&1 || { echo "scale-probe: mkcerts failed" >&2; exit 1; }
echo "fleet tok-fleet-SECRET *" > "$T/users"
mkdir -p "$T/sa"
cp "$T/pki/ca.pem" "$T/sa/ca.crt"
echo tok-fleet-SECRET > "$T/sa/token"
echo scalepipe > "$T/sa/namespace"
echo "== scale-probe: the current stage's reads, per target against per namespace"
echo "machine: $(uname -n), $(nproc) cores; $(python3 --version); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| Deployments | build | wall s | CPU s | API requests | same output |"
echo "|---|---|---|---|---|---|"
now=$(date +%s)
for n in $sizes; do
	awk -v n="$n" 'BEGIN { for (k = 0; k < n; k++) printf "Deployment ns%d app%d %d\n", k % 50, k, 2 + k % 7 }' > "$T/objects"
	CURL_OPTS="--cacert $T/pki/ca.pem" serve kube "https://127.0.0.1:@PORT@/readyz" python3 "$top/tests/kubeapi/kubeapi.py" \
		--port @PORT@ --cert "$T/pki/server.pem" --key "$T/pki/server.key" --client-ca "$T/pki/ca.pem" \
		--users "$T/users" --objects "$T/objects" || exit 1
	awk -v n="$n" -v t="$now" 'BEGIN { print "timestamp,series,replicas"
		for (k = 0; k < n; k++) printf "%d,\"namespace=ns%d,deployment=app%d\",0\n", t, k % 50, k }' > "$T/probe.csv"
	for b in old new; do
		[ "$b" = old ] && d=$OLD_BIN || d=$BIN
		a0=$(curl -sf --cacert "$T/pki/ca.pem" "https://127.0.0.1:$PORT/_test/log" | wc -l)
		KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$PORT \
			/usr/bin/time -f "%e %U %S" -o "$T/$b.time" "$d/scale" --in-cluster --service-account-dir "$T/sa" \
			--by series --dry-run --force --max-down-pct 0 --max-age 1d "$T/probe.csv" > "$T/$b.csv" 2> "$T/$b.err" ||
			{ echo "scale-probe: $b failed: $(head -c 300 "$T/$b.err")" >&2; exit 1; }
		a1=$(curl -sf --cacert "$T/pki/ca.pem" "https://127.0.0.1:$PORT/_test/log" | wc -l)
		# each key's target, current count, decision and action (not the
		# time of the run and the input's age, which differ)
		awk -F, '{ s = ""; for (i = 2; i <= NF - 3; i++) s = s $i ","; print s }' "$T/$b.csv" > "$T/$b.cmp"
		same=-; [ "$b" = new ] && { cmp -s "$T/old.cmp" "$T/new.cmp" && same=yes || same=NO; }
		echo "| $n | $b | $(awk 'END { printf "%.2f", $1 }' "$T/$b.time") | $(awk 'END { printf "%.2f", $2 + $3 }' "$T/$b.time") | $((a1 - a0)) | $same |"
	done
	stop kube
done
