#!/bin/sh
# The fleet tick end to end (issue 20): N synthetic workloads in a real
# Prometheus on 127.0.0.1 (OpenMetrics backfilled with promtool, 8 days at
# 60 s) and N Deployments in the test Kubernetes API server
# (tests/kubeapi/kubeapi.py, HTTPS), through the chain of deploy/fleet's
# tick.sh: promfetch --by-labels --shard | window --by | arfit --by --rolling
# | burstdetect --by | plan --by | scale --by --in-cluster.  Wall time, CPU
# and peak RSS per stage, API calls made by scale, the servers' CPU, for a
# cold tick (no scale state, every Deployment at 2 replicas) and steady
# ticks (the next minutes), one shard and SHARDS shards one after another
# and 2 at a time.  See bench/fleet-e2e.md.
#   sh bench/fleet-e2e.sh [BIN] [SIZES] [STEADY] [SHARDS]
#   (default: bin/, "100 1000 10000", 2 steady ticks, 4 shards)
# Sizes above DECIDE_MAX (default 100) run promfetch, window and scale
# only: arfit, burstdetect and plan are extrapolated (marked ~) from the
# largest size that ran them, and scale gets that size's plan copied to
# the other keys (see bench/fleet-e2e.md).  Mind the disk: a full tick's
# forecast.csv (arfit --horizon 24) is about 29 MB a key (29 GB at 1,000),
# the 10,000-key data 8.7 GB while it is made, the full fetch 6.6 GB; and
# the time: a full tick at 10,000 keys fetches for 20 minutes on a loaded
# 2-core machine, so run that size with "1 1" (one steady tick, 1 shard).
# INC=1 also runs the incremental tick (cold, then STEADY ticks; its cold
# tick fetches INC_HISTORY, 8d by default; INC_COLD_SCALE=0 leaves its scale
# out), FULL=0 leaves the full tick out.
# Environment: FETCH=batched (default; one promfetch per namespace batch)
# or FETCH=one (the single query of tick.sh only); KEEP=1 keeps the data
# (the TSDB), REUSE=1 uses the kept one (its end time in bench/out), GEN_ONLY=1
# makes the data and stops, MINUTES the data's length (11520, 8 days).
set -u   # not -e: tests/kubeapi/netlib.sh relies on failing commands
top=${FLEET_E2E_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${1:-$top/bin}
sizes=${2:-100 1000 10000}
STEADY=${3:-2}
SHARDS=${4:-4}
FETCH=${FETCH:-batched}
. "$top/bench/fleetlib"
fleet_setup "$top" "$bin" "${FLEET_E2E_OUT:-$top/bench/out/fleet-e2e}"

# deploy/fleet/configmap.yaml's parameters; the rate's range is 2m, not 1m:
# the synthetic samples are 60 s apart (a live scrape every 15 s has 4 in 1m)
MINUTES=${MINUTES:-11520}   # 8 days at 60 s (HISTORY 8d, STEP 60); fewer do for INC_HISTORY=1d
EXTRA=$((STEADY + 1))  # minutes after the cold tick's end, for the steady ticks
METRIC=http_requests_total
Q() { echo "sum by (namespace, deployment) (rate($METRIC$1[2m]))"; }
WINDOW_ARGS="--resample 60 --fill linear"
ARFIT_ARGS="--rolling --window 336 --horizon 24 --level 0.98"
BURSTDETECT_ARGS="--quantile 0.4 --hold 3"
PLAN_ARGS="--policy scalepipe --slo 16 --min 2 --max 40 --curve $curve"
# the data ends when it is made; a tick of 10,000 keys runs long after:
# --max-age is widened so the decisions are applied (the default 10m
# would hold every key as stale, and scale would then write nothing)
MAX_AGE=${MAX_AGE:-12h}
DECIDE_MAX=${DECIDE_MAX:-100}
FULL=${FULL:-1}                 # the full tick (tick.sh before the incremental ticks)
INC=${INC:-0}                   # the incremental tick (needs promfetch --since-state)
INC_HISTORY=${INC_HISTORY:-8d}  # what its cold tick fetches (deploy/fleet: HISTORY)
NF=${NF:-}   # the size whose plan and per-key costs stand in above DECIDE_MAX

NICE="nice -n 10"   # every stage niced (ntime)
f2() { awk 'END { printf "%.2f", $1 }' "$1"; }   # last line: time -o writes "Command exited..." first
cpu() { awk 'END { printf "%.2f", $2 + $3 }' "$1"; }
rss() { awk 'END { printf "%.0f", $4 / 1024 }' "$1"; }

echo "== fleet-e2e: the fleet tick through Prometheus and the test API server"
fleet_header

# ---- the test API server's PKI, user, and in-cluster service account ----
fleet_pki "$top"

# one shard's tick: END SHARD/N DIR; per-stage times in DIR/<stage>.time
shard_tick() {
	_end=$1 _sh=$2 _d=$3
	mkdir -p "$_d"
	_a0=$(apilog) _k0=$(pcpu "$_pid_kube") _p0=$(pcpu "$_pid_prom")
	if [ "$FETCH" = one ]; then
		ntime "$_d/promfetch.time" promfetch -u "$PSRV" -q "$(Q '')" --last 8d --end "$_end" --step 60 \
			-n load --by-labels namespace,deployment --shard "$_sh" --null empty > "$_d/fetched.csv" \
			2> "$_d/promfetch.err" || { echo "promfetch failed: $(head -c 300 "$_d/promfetch.err")" > "$_d/failed"; return 0; }
	else
		# one promfetch per namespace batch (see bench/fleet-e2e.md)
		cat > "$_d/fetch.sh" <<EOS
b=0
while IFS= read -r q; do
	promfetch -u "$PSRV" -q "\$q" --last 8d --end "$_end" --step 60 --max-points $MAXP --max-answer 256 \\
		--deadline 600 -n load --by-labels namespace,deployment --shard "$_sh" --null empty > "$_d/f\$b.csv" || exit 1
	b=\$((b + 1))
done < "$T/queries"
EOS
		ntime "$_d/promfetch.time" sh "$_d/fetch.sh" 2> "$_d/promfetch.err" ||
			{ echo "promfetch failed: $(head -c 300 "$_d/promfetch.err")" > "$_d/failed"; return 0; }
		awk 'FNR > 1 || NR == 1' "$_d"/f[0-9]*.csv > "$_d/fetched.csv"
		rm -f "$_d"/f[0-9]*.csv
	fi
	_p1=$(pcpu "$_pid_prom")
	ntime "$_d/window.time" window --by series $WINDOW_ARGS < "$_d/fetched.csv" > "$_d/load.csv"
	[ "${KEEP:-}" = 1 ] || rm -f "$_d/fetched.csv"
	if [ "$n" -le "$DECIDE_MAX" ]; then
		ntime "$_d/arfit.time" arfit --by series -c load $ARFIT_ARGS < "$_d/load.csv" > "$_d/forecast.csv"
		ntime "$_d/burstdetect.time" burstdetect --by series $BURSTDETECT_ARGS < "$_d/forecast.csv" > "$_d/demand.csv"
		ntime "$_d/plan.time" plan --by series $PLAN_ARGS < "$_d/demand.csv" > "$_d/plan.csv"
	else
		# not run (see bench/fleet-e2e.md): CPU and wall per key of the
		# last size that ran them, times n; scale gets that size's plan
		# (its last 5 rows a key) with key k copied to k + m*NF (the same
		# namespace: NF is a multiple of 50)
		for s in arfit burstdetect plan; do
			awk -v n="$n" -v nf="$NF" '{ printf "%.2f %.2f 0 %d\n", $1 * n / nf, ($2 + $3) * n / nf, $4 }' \
				"$out/t$NF/cold/$s.time" > "$_d/$s.time"
			touch "$_d/$s.extrap"
		done
		awk -F, -v n="$n" -v nf="$NF" 'NR == 1 { print; next }
			{ split($0, a, "\""); key = a[2]; rows[key, ++c[key]] = $0; if (c[key] == 1) keys[++nk] = key }
			END {
				for (m = 0; m < n / nf; m++)
					for (i = 1; i <= nk; i++) {
						key = keys[i]; k = key; sub(/.*deployment=app/, "", k)
						nkey = key; sub(/deployment=app[0-9]+/, "deployment=app" (k + m * nf), nkey)
						for (j = (c[key] > 5 ? c[key] - 4 : 1); j <= c[key]; j++) {
							r = rows[key, j]; sub(/"[^"]*"/, "\"" nkey "\"", r); print r
						}
					}
			}' "$out/t$NF/cold/plan.csv" > "$_d/plan.csv"
	fi
	mkdir -p "$T/scale-state"
	_k1=$(pcpu "$_pid_kube")
	KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$KPORT \
		ntime "$_d/scale.time" scale --in-cluster --service-account-dir "$T/sa" --by series \
		--state "$T/scale-state" --max-age "$MAX_AGE" "$_d/plan.csv" > "$_d/scale.csv" 2> "$_d/scale.err" || :
	_k2=$(pcpu "$_pid_kube")
	echo "$(( $(apilog) - _a0 )) $(awk -v a="$_k1" -v b="$_k2" 'BEGIN { printf "%.2f", b - a }') $(awk -v a="$_p0" -v b="$_p1" 'BEGIN { printf "%.2f", b - a }')" > "$_d/servers"
	grep -o ',\(unchanged\|held-stale\|dry-run\|scaled\|paused\|failed\),' "$_d/scale.csv" | tr -d , |
		sort | uniq -c | awk '{ s = s (s == "" ? "" : " ") $2 "=" $1 } END { print s }' > "$_d/actions"
	rm -f "$_d/load.csv" "$_d/forecast.csv" "$_d/demand.csv"
}

# deploy/fleet's incremental tick (tick.sh of the incremental ticks):
# promfetch --since-state, window/arfit/burstdetect/plan --state, the
# states of a shard in $T/inc.<shard>, replaced when every stage succeeded
inc_tick() {  # END SHARD/N DIR
	_end=$1 _sh=$2 _d=$3 _S=$T/inc.${2%/*}
	mkdir -p "$_d" "$_S"
	for s in window arfit burst plan; do rm -f "$_S/$s.new"; [ ! -f "$_S/$s.state" ] || cp "$_S/$s.state" "$_S/$s.new"; done
	_a0=$(apilog) _k0=$(pcpu "$_pid_kube") _p0=$(pcpu "$_pid_prom")
	ntime "$_d/promfetch.time" promfetch -u "$PSRV" -q "$(Q '')" --last "$INC_HISTORY" --end "$_end" --step 60 \
		--since-state "$_S/window.state" -n load --by-labels namespace,deployment --shard "$_sh" --null empty \
		--max-points 360 --max-answer 256 --deadline 900 > "$_d/fetched.csv" 2> "$_d/promfetch.err" ||
		{ echo "promfetch failed: $(head -c 300 "$_d/promfetch.err")" > "$_d/failed"; return 0; }
	_p1=$(pcpu "$_pid_prom")
	ntime "$_d/window.time" window --by series $WINDOW_ARGS --input-step 60 --state "$_S/window.new" \
		< "$_d/fetched.csv" > "$_d/load.csv"
	echo "$(($(wc -l < "$_d/fetched.csv") - 1)) $(($(wc -l < "$_d/load.csv") - 1))" > "$_d/rows"
	ntime "$_d/arfit.time" arfit --by series -c load $ARFIT_ARGS --state "$_S/arfit.new" < "$_d/load.csv" > "$_d/forecast.csv"
	ntime "$_d/burstdetect.time" burstdetect --by series $BURSTDETECT_ARGS --state "$_S/burst.new" \
		< "$_d/forecast.csv" > "$_d/demand.csv"
	ntime "$_d/plan.time" plan --by series $PLAN_ARGS --state "$_S/plan.new" < "$_d/demand.csv" > "$_d/plan.csv"
	for s in window arfit burst plan; do mv -f "$_S/$s.new" "$_S/$s.state"; done
	du -k "$_S"/*.state | awk '{ printf "%s %d KiB; ", $2, $1; t += $1 } END { printf "total %d KiB\n", t }' |
		sed "s|$_S/||g" > "$_d/states"
	mkdir -p "$T/scale-state-inc"
	_k1=$(pcpu "$_pid_kube")
	if [ "${4:-}" = noscale ]; then   # INC_COLD_SCALE=0: the cold tick's scale left out (as the full cold tick's)
		echo "0 0 0 0" > "$_d/scale.time"; : > "$_d/scale.csv"
	else
	KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$KPORT \
		ntime "$_d/scale.time" scale --in-cluster --service-account-dir "$T/sa" --by series \
		--state "$T/scale-state-inc" --max-age "$MAX_AGE" "$_d/plan.csv" > "$_d/scale.csv" 2> "$_d/scale.err"
	fi
	_k2=$(pcpu "$_pid_kube")
	echo "$(( $(apilog) - _a0 )) $(awk -v a="$_k1" -v b="$_k2" 'BEGIN { printf "%.2f", b - a }') $(awk -v a="$_p0" -v b="$_p1" 'BEGIN { printf "%.2f", b - a }')" > "$_d/servers"
	grep -o ',\(unchanged\|held-stale\|dry-run\|scaled\|paused\|failed\),' "$_d/scale.csv" | tr -d , |
		sort | uniq -c | awk '{ s = s (s == "" ? "" : " ") $2 "=" $1 } END { print s }' > "$_d/actions"
	rm -f "$_d/load.csv" "$_d/forecast.csv" "$_d/demand.csv" "$_d/fetched.csv"
}

STAGES="promfetch window arfit burstdetect plan scale"
row() {  # LABEL KEYS DIR...: one table row, stages summed over the DIRs (shards)
	_l=$1 _n=$2; shift 2
	for _d; do [ -f "$_d/failed" ] && { printf '| %s | %s | %s |\n' "$_n" "$_l" "$(cat "$_d/failed")"; return 0; }; done
	_cells=
	for s in $STAGES; do
		_x=; [ -f "$1/$s.extrap" ] && _x="~"
		_cells="$_cells $(for _d; do cat "$_d/$s.time"; done | awk -v x="$_x" '{ w += $1; c += $2 + $3; if ($4 > m) m = $4 }
			END { if (x != "") printf "~%.0f/~%.0f/-", w, c; else printf "%.1f/%.1f/%.0f", w, c, m / 1024 }')"
	done
	_tot=$(for _d; do for s in $STAGES; do cat "$_d/$s.time"; done; done | awk '{ w += $1; c += $2 + $3; if ($4 > m) m = $4 } END { printf "%.1f | %.1f | %.0f", w, c, m / 1024 }')
	_srv=$(for _d; do cat "$_d/servers"; done | awk '{ a += $1; k += $2; p += $3 } END { printf "%d | %.1f | %.1f", a, k, p }')
	_act=$(for _d; do cat "$_d/actions"; done | tr ' ' '\n' | awk -F= 'NF == 2 { n[$1] += $2 } END { for (a in n) s = s (s == "" ? "" : " ") a "=" n[a]; print s }')
	printf '| %s | %s |' "$_n" "$_l"
	for c in $_cells; do printf ' %s |' "$c"; done
	printf ' %s | %s | %s |\n' "$_tot" "$_srv" "$_act"
}

table_head() {
	printf '\n| keys | tick | promfetch | window | arfit | burstdetect | plan | scale | tick wall s | tick CPU s | peak RSS MiB | API calls | API server CPU s | Prometheus CPU s | scale actions |\n'
	printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
}

for n in $sizes; do
	echo
	echo "== $n keys"
	NB=$(( (n + 999) / 1000 * 5 )); [ $NB -gt 50 ] && NB=50     # namespace batches
	MAXP=${MAXP:-2880}
	b=0
	while [ $b -lt $NB ]; do
		Q "{namespace=~\"$(awk -v b=$b -v nb=$NB 'BEGIN { for (i = b; i < 50; i += nb) s = s (s == "" ? "" : "|") "ns" i; print s }')\"}"
		b=$((b + 1))
	done > "$T/queries"
	db=$out/db$n
	if [ "${REUSE:-}" = 1 ] && [ -s "$db.end" ]; then   # data made by an earlier run (KEEP=1)
		END0=$(cat "$db.end")
		echo "data: reused from $(date -u -d @"$END0" +%H:%MZ), TSDB $(du -sm "$db" | cut -f1) MiB"
	else
	END0=$(( $(date +%s) / 60 * 60 - 60 * EXTRA ))
	rm -rf "$db" "$out/g$n.om"
	ntime "$T/gen.time" awk -v n="$n" -v end=$((END0 + 60 * EXTRA)) -v minutes=$((MINUTES + 1 + EXTRA + 2)) \
		-f "$top/bench/fleet_e2e_gen.awk" $traces > "$out/g$n.om"
	ntime "$T/promtool.time" promtool tsdb create-blocks-from openmetrics --max-block-duration=486h \
		"$out/g$n.om" "$db" > "$T/promtool.log"
	echo "data: $n series x $((MINUTES + 3 + EXTRA)) minutes, $(du -m "$out/g$n.om" | cut -f1) MiB OpenMetrics, generated in $(f2 "$T/gen.time") s; promtool: $(f2 "$T/promtool.time") s wall, $(cpu "$T/promtool.time") s CPU, $(rss "$T/promtool.time") MiB; TSDB $(du -sm "$db" | cut -f1) MiB"
	rm -f "$out/g$n.om"
	echo "$END0" > "$db.end"
	fi
	[ "${GEN_ONLY:-}" = 1 ] && continue
	printf 'global:\n  scrape_interval: 1m\n' > "$T/prom.yml"
	serve prom "http://127.0.0.1:@PORT@/-/ready" nice -n 10 prometheus --config.file="$T/prom.yml" \
		--storage.tsdb.path="$db" --storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:@PORT@  || exit 1
	PSRV=http://127.0.0.1:$PORT
	_pid_prom=$(pgrep -P "$_pid_prom" prometheus || echo "$_pid_prom")
	awk -v n="$n" 'BEGIN { for (k = 0; k < n; k++) printf "Deployment ns%d app%d 2\n", k % 50, k }' > "$T/objects"
	CURL_OPTS="--cacert $T/pki/ca.pem" serve kube "https://127.0.0.1:@PORT@/readyz" nice -n 10 python3 "$top/tests/kubeapi/kubeapi.py" \
		--port @PORT@ --cert "$T/pki/server.pem" --key "$T/pki/server.key" --client-ca "$T/pki/ca.pem" \
		--users "$T/users" --objects "$T/objects" || exit 1
	KPORT=$PORT KSRV=https://127.0.0.1:$PORT
	_pid_kube=$(pgrep -P "$_pid_kube" python3 || echo "$_pid_kube")

	# the tick's single query (tick.sh as deployed): does it pass Prometheus' limits?
	/usr/bin/time -f "%e %U %S %M" -o "$T/one.time" promfetch -v -u "$PSRV" -q "$(Q '')" --last 8d --end "$END0" --step 60 \
		-n load --by-labels namespace,deployment --null empty > /dev/null 2> "$T/one.err" && rc=0 || rc=$?
	echo "tick.sh's single query, all keys: exit $rc in $(f2 "$T/one.time") s, $(grep -c 'promfetch: GET' "$T/one.err") requests; $(grep -v 'promfetch: GET' "$T/one.err" | tail -1 | cut -c1-300)"

	rm -rf "$T/scale-state" "$out/t$n"
	table_head
	if [ "$INC" = 1 ]; then
		# the incremental tick: cold (no states: INC_HISTORY fetched and
		# fitted), then STEADY ticks a minute apart
		_ns=; [ "${INC_COLD_SCALE:-1}" = 0 ] && _ns=noscale
		inc_tick "$END0" 0/1 "$out/t$n/inc0" $_ns
		row "incremental, cold ($INC_HISTORY${_ns:+, no scale}), 1 shard" "$n" "$out/t$n/inc0"
		i=1
		while [ $i -le "$STEADY" ]; do
			inc_tick $((END0 + 60 * i)) 0/1 "$out/t$n/inc$i"
			row "incremental $i, 1 shard" "$n" "$out/t$n/inc$i"
			i=$((i + 1))
		done
		for d in "$out/t$n"/inc*; do echo "$(basename "$d"): rows fetched, resampled: $(cat "$d/rows"); states: $(cat "$d/states")"; done
	fi
	if [ "$FULL" = 1 ]; then
	# one shard: cold, then STEADY steady ticks (a minute later each)
	shard_tick "$END0" 0/1 "$out/t$n/cold"
	row "cold, 1 shard" "$n" "$out/t$n/cold"
	i=1
	while [ $i -le "$STEADY" ]; do
		shard_tick $((END0 + 60 * i)) 0/1 "$out/t$n/steady$i"
		row "steady $i, 1 shard" "$n" "$out/t$n/steady$i"
		i=$((i + 1))
	done
	# SHARDS shards one after another (steady: the state exists)
	e=$((END0 + 60 * STEADY))
	s=0 dirs=
	[ "$SHARDS" -gt 1 ] || s=$SHARDS
	while [ $s -lt "$SHARDS" ]; do
		shard_tick "$e" "$s/$SHARDS" "$out/t$n/seq$s"; dirs="$dirs $out/t$n/seq$s"; s=$((s + 1))
	done
	[ -n "$dirs" ] && row "steady, $SHARDS shards in turn (sum)" "$n" $dirs
	# two at a time: the pair's wall time
	s=0 pw=0
	[ "$SHARDS" -gt 1 ] || s=$SHARDS
	while [ $s -lt "$SHARDS" ]; do
		t0=$(date +%s.%N)
		shard_tick "$e" "$s/$SHARDS" "$out/t$n/par$s" &
		bp=$!
		shard_tick "$e" "$((s + 1))/$SHARDS" "$out/t$n/par$((s + 1))"
		wait $bp     # not a bare wait: the servers are background jobs too
		pw=$(awk -v a="$pw" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", a + t1 - t0 }')
		s=$((s + 2))
	done
	[ "$SHARDS" -gt 1 ] && echo "$SHARDS shards 2 at a time: wall $pw s for the tick (pairs one after another)"
	echo "scale per cold key: $(awk 'END { printf "%.1f ms wall", 1000 * $1 / '"$n"' }' "$out/t$n/cold/scale.time"), $(awk '{ printf "%.2f API calls", $1 / '"$n"' }' "$out/t$n/cold/servers")"
	fi
	echo "kubeapi peak RSS: $(awk '/VmHWM/ { printf "%d MiB", $2 / 1024 }' "/proc/$_pid_kube/status"); Prometheus peak RSS: $(awk '/VmHWM/ { printf "%d MiB", $2 / 1024 }' "/proc/$_pid_prom/status")"
	echo "API calls of every tick above, by kind:"
	curl -sf --cacert "$T/pki/ca.pem" "$KSRV/_test/log" | awk '{ sub(/\?.*/, "", $2)
		gsub(/namespaces\/[^\/]+/, "namespaces/NS", $2); gsub(/deployments\/[^\/]+/, "deployments/NAME", $2)
		print $1, $2 }' | sort | uniq -c | sort -rn | sed 's/^/    /'
	stop kube
	stop prom
	[ "${KEEP:-}" = 1 ] || rm -rf "$db" "$db.end"
	[ "$n" -le "$DECIDE_MAX" ] && NF=$n
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
