#!/bin/sh
# The fleet tick's checks between decisions (deploy/fleet's REACT_EVERY)
# end to end: N synthetic workloads in a real Prometheus on 127.0.0.1 and
# N Deployments in the test Kubernetes API server (tests/kubeapi/kubeapi.py,
# HTTPS), through one check as deploy/fleet/configmap.yaml's tick.sh runs
# it: promfetch --last 2xREACT_EVERY s --step REACT_EVERY --by-labels
# --shard, the newest load of each workload joined with its count, plan
# --by series --react, those whose reactive rule wants more pods, scale
# --by series --in-cluster.  Wall time, CPU and peak RSS per stage, API
# calls, for three fleets: no workload short of pods (every count at
# PLAN_ARGS's --max), a tenth short (at 2 pods), all short; one shard
# holding every key, and SHARDS shards in turn (what one shard's pod does
# at each check).  See bench/fleet-checks.md.
#   sh bench/fleet-checks.sh [BIN] [SIZES] [SHARDS]
#   (default: bin/, "100 1000 10000", 4 shards)
set -u   # not -e: tests/kubeapi/netlib.sh relies on failing commands
top=${FLEET_CHECKS_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${1:-${BIN:-$top/bin}}
sizes=${2:-100 1000 10000}
SHARDS=${3:-4}
. "$top/bench/fleetlib"
fleet_setup "$top" "$bin" "${FLEET_CHECKS_OUT:-$top/bench/out/fleet-checks}"

# deploy/fleet/configmap.yaml's parameters (the rate's range 2m, not 1m:
# the synthetic samples are 60 s apart), its REACT_EVERY, SCALE_ARGS; the
# data ends before the run, so scale's --max-age is widened (as
# bench/fleet-e2e.sh's) and promfetch gets --end
REACT_EVERY=15
MINUTES=20
QUERY='sum by (namespace, deployment) (rate(http_requests_total[2m]))'
PLAN_ARGS="--policy scalepipe --slo 16 --min 2 --max 40 --curve $curve"
SCALE_ARGS="--down-stabilisation 0 --max-down-pct 100"
MAX_AGE=12h
# tick.sh's awk helpers (KEYED), as deploy/fleet/configmap.yaml has them
KEYED='function keyed(s,  i, j) {
    i = index(s, ","); F1 = substr(s, 1, i - 1); s = substr(s, i + 1)
    if (substr(s, 1, 1) == "\"") {
      for (j = 2; j <= length(s); j++) if (substr(s, j, 1) == "\"") { if (substr(s, j + 1, 1) != "\"") break; j++ }
    } else { j = index(s, ","); j = j ? j - 1 : length(s) }
    K = substr(s, 1, j); R = substr(s, j + 2)
  }
  function col(h, name,  n, a, i) { n = split(h, a, ","); for (i = 1; i <= n; i++) if (a[i] == name) return i; return 0 }'

echo "== fleet-checks: the fleet tick's checks through Prometheus and the test API server"
fleet_header
fleet_pki "$top"

# the API server with N Deployments, key k at 2 pods when k is short
# (SHORT: none, tenth: k mod 10 = 0, all), else at 40
kube_up() {  # N SHORT
	awk -v n="$1" -v s="$2" 'BEGIN { for (k = 0; k < n; k++)
		printf "Deployment ns%d app%d %d\n", k % 50, k, (s == "all" || (s == "tenth" && k % 10 == 0)) ? 2 : 40 }' > "$T/objects"
	CURL_OPTS="--cacert $T/pki/ca.pem" serve kube "https://127.0.0.1:@PORT@/readyz" python3 "$top/tests/kubeapi/kubeapi.py" \
		--port @PORT@ --cert "$T/pki/server.pem" --key "$T/pki/server.key" --client-ca "$T/pki/ca.pem" \
		--users "$T/users" --objects "$T/objects" || exit 1
	KPORT=$PORT KSRV=https://127.0.0.1:$PORT
	_pid_kube=$(pgrep -P "$_pid_kube" python3 || echo "$_pid_kube")
}

# one check of one shard, as tick.sh's loop body: END SHARD/N SHORT DIR;
# cur.csv (each workload's count, as the decision's scale left it) from
# the objects file
check() {
	_end=$1 _sh=$2 _s=$3 _d=$4
	mkdir -p "$_d"
	_a0=$(apilog) _k0=$(pcpu "$_pid_kube") _p0=$(pcpu "$_pid_prom")
	ntime "$_d/promfetch.time" promfetch -u "$PSRV" -q "$QUERY" --last "$((2 * REACT_EVERY))s" --end "$_end" \
		--step "$REACT_EVERY" -n load --by-labels namespace,deployment --shard "$_sh" --null empty \
		> "$_d/react-fetch.csv" 2> "$_d/promfetch.err" || { echo "promfetch failed" > "$_d/failed"; return 0; }
	_p1=$(pcpu "$_pid_prom")
	awk -v s="$_s" "$KEYED"' NR > 1 { keyed($0); if (!(K in seen)) { seen[K] = 1; k = K; sub(/.*deployment=app/, "", k); sub(/".*/, "", k)
		print "0," K "," ((s == "all" || (s == "tenth" && k % 10 == 0)) ? 2 : 40) } }' "$_d/react-fetch.csv" > "$_d/cur.csv"
	tc=$_end
	ntime "$_d/join.time" awk -v s=$((tc - REACT_EVERY)) "$KEYED"' FILENAME == ARGV[1] { keyed($0); cur[K] = R; next }
		FNR == 1 { print "timestamp,series,load,current"; next }
		{ keyed($0) }
		(K in cur) && R != "" && F1 + 0 > s { t[K] = F1; v[K] = R }
		END { for (K in t) print t[K] "," K "," v[K] "," cur[K] }' "$_d/cur.csv" "$_d/react-fetch.csv" > "$_d/react-in.csv"
	ntime "$_d/plan.time" plan --by series $PLAN_ARGS --react < "$_d/react-in.csv" > "$_d/react-plan.csv" 2> "$_d/plan.err" ||
		{ echo "plan failed: $(head -c 300 "$_d/plan.err")" > "$_d/failed"; return 0; }
	ntime "$_d/select.time" awk -v tc="$tc" "$KEYED"' FNR == 1 { c = col($0, "current") - 2; r = col($0, "replicas") - 2
			print "timestamp,series,replicas,observed_at"; next }
		{ keyed($0); split(R, f, ","); if (f[r] + 0 > f[c] + 0) print tc "," K "," f[r] "," F1 }' \
		"$_d/react-plan.csv" > "$_d/react-dec.csv"
	mkdir -p "$T/scale-state"
	_k1=$(pcpu "$_pid_kube")
	if [ -n "$(sed -n 2p "$_d/react-dec.csv")" ]; then
		KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$KPORT \
			ntime "$_d/scale.time" scale --in-cluster --service-account-dir "$T/sa" --by series \
			--state "$T/scale-state" --max-age "$MAX_AGE" $SCALE_ARGS "$_d/react-dec.csv" > "$_d/react-scaled.csv" 2> "$_d/scale.err" || :
	else
		echo "0 0 0 0" > "$_d/scale.time"; : > "$_d/react-scaled.csv"
	fi
	_k2=$(pcpu "$_pid_kube")
	echo "$(( $(apilog) - _a0 )) $(awk -v a="$_k1" -v b="$_k2" 'BEGIN { printf "%.2f", b - a }') $(awk -v a="$_p0" -v b="$_p1" 'BEGIN { printf "%.2f", b - a }')" > "$_d/servers"
	echo "$(($(wc -l < "$_d/react-in.csv") - 1)) $(($(wc -l < "$_d/react-dec.csv") - 1)) $(grep -c ',scaled,' "$_d/react-scaled.csv")" > "$_d/counts"
	rm -f "$_d/react-fetch.csv" "$_d/react-plan.csv"
}

STAGES="promfetch join plan select scale"
row() {  # LABEL KEYS DIR...: stages summed over the DIRs; "check wall" the largest DIR's
	_l=$1 _n=$2; shift 2
	for _d; do [ -f "$_d/failed" ] && { printf '| %s | %s | %s |\n' "$_n" "$_l" "$(cat "$_d/failed")"; return 0; }; done
	printf '| %s | %s |' "$_n" "$_l"
	for s in $STAGES; do
		printf ' %s |' "$(for _d; do cat "$_d/$s.time"; done | awk '{ w += $1; c += $2 + $3; if ($4 > m) m = $4 } END { printf "%.2f/%.2f/%.0f", w, c, m / 1024 }')"
	done
	_mx=$(for _d; do for s in $STAGES; do cat "$_d/$s.time"; done | awk '{ w += $1 } END { print w }'; done | sort -g | tail -1)
	_tot=$(for _d; do for s in $STAGES; do cat "$_d/$s.time"; done; done | awk '{ w += $1; c += $2 + $3 } END { printf "%.2f | %.2f", w, c }')
	_srv=$(for _d; do cat "$_d/servers"; done | awk '{ a += $1; k += $2; p += $3 } END { printf "%d | %.2f | %.2f", a, k, p }')
	_cnt=$(for _d; do cat "$_d/counts"; done | awk '{ a += $1; b += $2; c += $3 } END { printf "%d | %d | %d", a, b, c }')
	printf ' %s | %.2f | %s | %s |\n' "$_tot" "$_mx" "$_srv" "$_cnt"
}

for n in $sizes; do
	echo
	echo "== $n keys"
	db=$out/db$n
	END0=$(( $(date +%s) / 60 * 60 - 120 ))
	rm -rf "$db" "$out/g$n.om"
	ntime "$T/gen.time" awk -v n="$n" -v end=$((END0 + 120)) -v minutes="$MINUTES" \
		-f "$top/bench/fleet_e2e_gen.awk" $traces > "$out/g$n.om"
	ntime "$T/promtool.time" promtool tsdb create-blocks-from openmetrics "$out/g$n.om" "$db" > "$T/promtool.log"
	rm -f "$out/g$n.om"
	echo "data: $n series x $MINUTES minutes; promtool $(awk 'END { printf "%.1f", $1 }' "$T/promtool.time") s; TSDB $(du -sm "$db" | cut -f1) MiB"
	printf 'global:\n  scrape_interval: 1m\n' > "$T/prom.yml"
	serve prom "http://127.0.0.1:@PORT@/-/ready" prometheus --config.file="$T/prom.yml" \
		--storage.tsdb.path="$db" --storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:@PORT@ || exit 1
	PSRV=http://127.0.0.1:$PORT
	_pid_prom=$(pgrep -P "$_pid_prom" prometheus || echo "$_pid_prom")
	printf '\n| keys | fleet, shards | promfetch | join | plan --react | select | scale | check wall s (sum) | check CPU s (sum) | a shard'"'"'s check wall s (largest) | API calls | API server CPU s | Prometheus CPU s | workloads checked | short of pods | scaled up |\n'
	printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
	for short in none tenth all; do
		kube_up "$n" "$short"
		rm -rf "$T/scale-state"
		check "$END0" 0/1 "$short" "$out/t$n/$short.one"
		row "$short short, 1 shard" "$n" "$out/t$n/$short.one"
		curl -sf --cacert "$T/pki/ca.pem" "$KSRV/_test/log" | awk '{ sub(/\?.*/, "", $2)
			gsub(/namespaces\/[^\/]+/, "namespaces/NS", $2); gsub(/deployments\/[^\/]+/, "deployments/NAME", $2)
			print $1, $2 }' | sort | uniq -c | sort -rn | awk '{ s = s (s == "" ? "" : "; ") $1 " " $2 " " $3 }
			END { print s }' > "$out/t$n/$short.kinds"
		stop kube
		kube_up "$n" "$short"
		rm -rf "$T/scale-state"
		s=0 dirs=
		while [ $s -lt "$SHARDS" ]; do
			check "$END0" "$s/$SHARDS" "$short" "$out/t$n/$short.s$s"; dirs="$dirs $out/t$n/$short.s$s"; s=$((s + 1))
		done
		row "$short short, $SHARDS shards in turn" "$n" $dirs
		stop kube
	done
	for short in none tenth all; do
		echo "API calls of the check of $short short, 1 shard, by kind: $(cat "$out/t$n/$short.kinds")"
	done
	stop prom
	rm -rf "$db"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
