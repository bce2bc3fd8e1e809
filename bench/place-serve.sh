#!/bin/sh
# bench/place-serve: latency of the place extender's prioritize call
# (place --serve, a kube-scheduler extender) for 100 and 1,000 candidate
# nodes, against a trivial baseline: the same server and the same HTTP and
# JSON path with a node state that has none of the candidates, so that every
# answer is the fallback (equal scores) and nothing is scored.  A third
# column is --shadow (all the scoring, a neutral answer).  The model is
# place's defaults (two ReLU layers of 32 units, a 50-tree Isolation Forest,
# weights 30/40/30), trained briefly on the toy cluster of the tests: the
# latency depends on the model's size, not on how well it is trained.  Each
# node has 12 rows of state.  One curl process sends REQ requests (default
# 2000, after 100 for warm-up) over one keep-alive connection, one at a
# time, and reports each one's total time (time_total: the request sent,
# the answer received); p50 and p99 by nearest rank.  The server's own
# mean time per prioritize (from its /metrics histogram) is shown too.
#   sh bench/place-serve.sh [BIN]       (REQ=N for another count)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
out=$top/bench/out/place-serve
mkdir -p "$out"
REQ=${REQ:-2000}
P=$top/tests/cli/data/placesim
echo "machine: $(uname -m), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
nice -n 10 "$bin/place" --train "$P/toy_pods.csv" -n "$P/toy_nodes.csv" -u "$P/toy_usage.csv" --episodes 2 -q -o "$out/m"

state() {  # state N: N nodes x 12 rows, deterministic mixed loads
	awk -v n="$1" 'BEGIN {
		print "timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used,pods"
		for (i = 0; i < n; i++) for (h = 0; h < 12; h++) {
			u = (i * 37 % 100) / 100; w = 0.1 * sin(i + h)
			printf "%d,node-%04d,16,65536,%.2f,%d,%.3f,%d,%d\n", 1700000000 + 300 * h, i,
			    4 + 8 * u, 8192 + 32768 * u, 16 * (0.15 + 0.7 * u + w), 4096 + 40000 * u, 3 + i % 20
		} }'
}
args() {  # args N: ExtenderArgs with NodeNames node-0000 .. N-1
	awk -v n="$1" 'BEGIN {
		printf "{\"Pod\":{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\"},\"spec\":{\"containers\":"
		printf "[{\"name\":\"web\",\"resources\":{\"requests\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"}}}]}},"
		printf "\"Nodes\":null,\"NodeNames\":["
		for (i = 0; i < n; i++) printf "%s\"node-%04d\"", i ? "," : "", i
		print "]}" }'
}
run() {  # run NAME STATE ARGS [place options]: prints "p50 p99 mean_server" in ms
	name=$1 st=$2 a=$3; shift 3
	: > "$out/$name.err"
	nice -n 10 "$bin/place" -m "$out/m" --serve 127.0.0.1:0 --state "$st" "$@" 2> "$out/$name.err" &
	pid=$!
	i=0
	while ! grep -q "serving on" "$out/$name.err" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(sed -n 's/^place: serving on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/$name.err")
	u=http://127.0.0.1:$port/prioritize
	awk -v u="$u" -v n=100 'BEGIN { for (i = 0; i < n; i++) print "url = \"" u "\"\noutput = \"/dev/null\"" }' > "$out/warm.cfg"
	awk -v u="$u" -v n="$REQ" 'BEGIN { for (i = 0; i < n; i++) print "url = \"" u "\"\noutput = \"/dev/null\"" }' > "$out/urls.cfg"
	curl -s -H 'Content-Type: application/json' --data-binary @"$a" -K "$out/warm.cfg"
	curl -s -w '%{time_total}\n' -H 'Content-Type: application/json' --data-binary @"$a" \
	    -K "$out/urls.cfg" > "$out/$name.times"
	curl -s "http://127.0.0.1:$port/metrics" > "$out/$name.metrics"
	kill "$pid"
	wait "$pid" || :
	srv=$(awk '/^place_extender_request_duration_seconds_sum\{verb="prioritize"\}/ { s = $2 }
	    /^place_extender_request_duration_seconds_count\{verb="prioritize"\}/ { c = $2 }
	    END { printf "%.3f", c ? 1000 * s / c : 0 }' "$out/$name.metrics")
	sort -g "$out/$name.times" | awk -v srv="$srv" '{ t[NR] = $1 * 1000 }
	    END { p50 = t[int(0.5 * NR + 0.999999)]; p99 = t[int(0.99 * NR + 0.999999)]
		printf "%.3f %.3f %s %d\n", p50, p99, srv, NR }'
}

printf 'timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used\n1700000000,elsewhere,1,1,0,0,0,0\n' > "$out/none.csv"
echo
echo "| nodes | body bytes | requests | baseline p50 / p99 ms | place p50 / p99 ms | ratio p50 / p99 | shadow p50 / p99 ms | server mean ms: baseline, place |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in 100 1000; do
	state "$n" > "$out/state$n.csv"
	args "$n" > "$out/args$n.json"
	set -- $(run base$n "$out/none.csv" "$out/args$n.json")
	b50=$1 b99=$2 bs=$3 cnt=$4
	set -- $(run place$n "$out/state$n.csv" "$out/args$n.json")
	p50=$1 p99=$2 ps=$3
	set -- $(run shadow$n "$out/state$n.csv" "$out/args$n.json" --shadow)
	s50=$1 s99=$2
	grep -q 'fallback' "$out/place$n.err" && { echo "place-serve: the place run fell back" >&2; exit 1; }
	printf '| %d | %d | %d | %s / %s | %s / %s | %.1f / %.1f | %s / %s | %s, %s |\n' "$n" \
	    "$(wc -c < "$out/args$n.json")" "$cnt" "$b50" "$b99" "$p50" "$p99" \
	    "$(echo "$p50 $b50" | awk '{ print $1 / $2 }')" "$(echo "$p99 $b99" | awk '{ print $1 / $2 }')" \
	    "$s50" "$s99" "$bs" "$ps"
done
