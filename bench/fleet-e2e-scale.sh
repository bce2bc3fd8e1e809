#!/bin/sh
# The scale stage of bench/fleet-e2e.sh alone: `scale --by series
# --in-cluster` over N keys (N Deployments ns<k mod 50>/app<k> at 2
# replicas in tests/kubeapi/kubeapi.py, HTTPS), a plan of one row a key
# made here (6 keys in 7 change: 3 + k mod 30 replicas; the others stay
# at 2), for each BIN in turn, each against a fresh server.  Wall, CPU
# (user + sys) and peak RSS of scale, the API calls by kind, the
# connections the server accepted, the server's CPU.  See
# bench/fleet-e2e.md ("after").  Niced.
#   sh bench/fleet-e2e-scale.sh N BIN...
# STATE=1: scale keeps its per-target history (--state DIR, as the fleet
# tick does), fresh for each BIN.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100}; shift
T=$(mktemp -d /tmp/fleet-e2e-scale.XXXXXX)
. "$top/tests/kubeapi/netlib.sh"
need curl openssl python3
sh "$top/tests/kubeapi/mkcerts.sh" "$T/pki" > /dev/null
echo "fleet tok-fleet-SECRET *" > "$T/users"
mkdir -p "$T/sa"
cp "$T/pki/ca.pem" "$T/sa/ca.crt"
echo tok-fleet-SECRET > "$T/sa/token"
echo scalepipe > "$T/sa/namespace"
awk -v n="$n" 'BEGIN { for (k = 0; k < n; k++) printf "Deployment ns%d app%d 2\n", k % 50, k }' > "$T/objects"
awk -v n="$n" -v now="$(date +%s)" 'BEGIN { print "timestamp,series,replicas"
	for (k = 0; k < n; k++) printf "%d,\"namespace=ns%d,deployment=app%d\",%d\n", now, k % 50, k, k % 7 ? 3 + k % 30 : 2 }' > "$T/plan.csv"
pcpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for bin in "$@"; do
	CURL_OPTS="--cacert $T/pki/ca.pem" serve kube "https://127.0.0.1:@PORT@/readyz" nice -n 10 python3 \
		"$top/tests/kubeapi/kubeapi.py" --port @PORT@ --cert "$T/pki/server.pem" --key "$T/pki/server.key" \
		--client-ca "$T/pki/ca.pem" --users "$T/users" --objects "$T/objects" || exit 1
	srv=https://127.0.0.1:$PORT
	pid=$(pgrep -P "$_pid_kube" python3 || echo "$_pid_kube")
	c0=$(curl -sf --cacert "$T/pki/ca.pem" "$srv/_test/connections")
	k0=$(pcpu "$pid")
	st=; [ "${STATE:-}" = 1 ] && { rm -rf "$T/state"; mkdir -p "$T/state"; st="--state $T/state"; }
	KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$PORT /usr/bin/time -f "%e %U %S %M" -o "$T/time" \
		nice -n 10 "$bin/scale" --in-cluster --service-account-dir "$T/sa" --by series --max-age 12h $st \
		"$T/plan.csv" > "$T/out.csv" 2> "$T/err" || :
	k1=$(pcpu "$pid")
	c1=$(curl -sf --cacert "$T/pki/ca.pem" "$srv/_test/connections")
	echo "== $bin, $n keys"
	awk 'END { printf "scale: wall %.2f s, CPU %.2f s (user %.2f, sys %.2f), peak RSS %.0f MiB\n", $1, $2 + $3, $2, $3, $4 / 1024 }' "$T/time"
	echo "server: CPU $(awk -v a="$k0" -v b="$k1" 'BEGIN { printf "%.2f", b - a }') s, connections $((c1 - c0 - 1))"
	curl -sf --cacert "$T/pki/ca.pem" "$srv/_test/log" | awk '{ sub(/\?.*/, "", $2)
		gsub(/namespaces\/[^\/]+/, "namespaces/NS", $2); gsub(/deployments\/[^\/]+/, "deployments/NAME", $2)
		print $1, $2 }' | sort | uniq -c | sort -rn | awk '{ t += $1; print "    " $0 } END { print "    API calls: " t }'
	grep -o ',\(unchanged\|scaled\|failed\),' "$T/out.csv" | sort | uniq -c | tr '\n' ' '; echo
	stop kube
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$T"
