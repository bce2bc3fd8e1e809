#!/bin/sh
# bench/cluster: the cluster edges against their usual peers, in one run.
#  1. promfetch vs a Python 3 stdlib client (urllib + json + csv, the same
#     11,000-point split) fetching 14 days at a 15 s step (80,641 points,
#     8 requests) from a real Prometheus on 127.0.0.1; outputs must be equal.
#  2. scale vs `kubectl scale` against the test API server (TLS, token).
# Prints a Markdown table; the figures in bench/cluster.md come from it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
PATH=$BIN:$PATH
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench-cluster.XXXXXX")
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT INT TERM
PY=/usr/bin/python3
port() { while :; do p=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000 + 20000 )); curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" || [ $? -ne 7 ] || { echo $p; return; }; done; }
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }
REPS=${REPS:-5}

T0=1699999980 N=80640
awk -v t0=$T0 -v n=$N 'BEGIN { print "# TYPE bench_load gauge"
	for (i = 0; i < n; i++) printf "bench_load %.4f %d\n", 500 + 300 * sin(i / 5760 * 6.2832) + (i % 97) / 10, t0 + 15 * i
	print "# EOF" }' > "$T/in.om"
promtool tsdb create-blocks-from openmetrics "$T/in.om" "$T/tsdb" > /dev/null
printf 'global:\n  scrape_interval: 15s\n' > "$T/prom.yml"
PP=$(port)
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" --storage.tsdb.retention.time=100y \
	--web.listen-address=127.0.0.1:$PP > "$T/prom.log" 2>&1 &
pids="$pids $!"
until curl -sf -o /dev/null "http://127.0.0.1:$PP/-/ready"; do sleep 0.2; done
END=$((T0 + 15 * N))
cat > "$T/peer.py" <<'EOF'
import csv, json, sys, urllib.parse, urllib.request
url, q, start, end, step = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
n = int((end - start) / step) + 1
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["timestamp", "value"])
for k in range(0, n, 11000):
    s, e = start + k * step, start + (min(n, k + 11000) - 1) * step
    qs = urllib.parse.urlencode({"query": q, "start": s, "end": e, "step": step})
    d = json.load(urllib.request.urlopen(url + "/api/v1/query_range?" + qs))
    for t, v in d["data"]["result"][0]["values"]:
        w.writerow([int(t) if t == int(t) else t, v])
EOF
tp= tq=
for i in $(seq $REPS); do
	a=$(now); promfetch -u "http://127.0.0.1:$PP" -q bench_load --start $T0 --end $END --step 15 > "$T/ours.csv"; b=$(now)
	$PY "$T/peer.py" "http://127.0.0.1:$PP" bench_load $T0 $END 15 > "$T/peer.csv"; c=$(now)
	tp="$tp $(echo "$b $a" | awk '{ print $1 - $2 }')"; tq="$tq $(echo "$c $b" | awk '{ print $1 - $2 }')"
done
rows=$(($(wc -l < "$T/ours.csv") - 1))
same=$(awk -F, 'NR == FNR { a[FNR] = $0; next } { split(a[FNR], x, ","); if (x[1] != $1 || x[2] + 0 != $2 + 0) bad++ } END { print bad ? "DIFFER" : "equal" }' "$T/ours.csv" "$T/peer.csv")

# scale vs kubectl scale
sh "$top/tests/kubeapi/mkcerts.sh" "$T/pki"
printf 'ci tok-bench *\n' > "$T/users"
printf 'Deployment default web 2\n' > "$T/objects"
KP=$(port)
$PY "$top/tests/kubeapi/kubeapi.py" --port $KP --cert "$T/pki/server.pem" --key "$T/pki/server.key" \
	--client-ca "$T/pki/ca.pem" --users "$T/users" --objects "$T/objects" > "$T/kube.log" 2>&1 &
pids="$pids $!"
until curl -sf -o /dev/null --cacert "$T/pki/ca.pem" "https://127.0.0.1:$KP/readyz"; do sleep 0.2; done
cat > "$T/kc" <<EOF
apiVersion: v1
kind: Config
current-context: t
clusters: [{name: t, cluster: {server: "https://127.0.0.1:$KP", certificate-authority: pki/ca.pem}}]
users: [{name: u, user: {token: tok-bench}}]
contexts: [{name: t, context: {cluster: t, user: u}}]
EOF
ts= tk=
for i in $(seq $REPS); do
	printf 'timestamp,replicas\n%s,%s\n' "$(date +%s)" $((3 + i % 2)) > "$T/plan.csv"
	a=$(now); scale --kubeconfig "$T/kc" deployment/web "$T/plan.csv" > /dev/null; b=$(now)
	kubectl --kubeconfig "$T/kc" scale deployment/web --replicas=$((5 + i % 2)) > /dev/null; c=$(now)
	ts="$ts $(echo "$b $a" | awk '{ print $1 - $2 }')"; tk="$tk $(echo "$c $b" | awk '{ print $1 - $2 }')"
done
kreq=$(curl -sf --cacert "$T/pki/ca.pem" "https://127.0.0.1:$KP/_test/log" | wc -l)

echo "| task | scalepipe | peer | peer |"
echo "|---|---|---|---|"
printf '| fetch %d points (8 requests), median of %d | promfetch %.3f s | Python urllib+json+csv %.3f s | outputs %s |\n' \
	"$rows" $REPS "$(echo $tp | tr ' ' '\n' | med)" "$(echo $tq | tr ' ' '\n' | med)" "$same"
printf '| set replicas (TLS, token), median of %d | scale %.3f s | kubectl scale %.3f s | %d requests in all |\n' \
	$REPS "$(echo $ts | tr ' ' '\n' | med)" "$(echo $tk | tr ' ' '\n' | med)" "$kreq"
