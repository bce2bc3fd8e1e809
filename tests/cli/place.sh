#!/bin/sh
# place: training on the toy cluster (a hog's node; one episode learns to
# keep light pods off it), the model in placesim, determinism, offline
# scoring of candidate nodes, weights and mode, bad input and options.
. "$TOP/tests/cli/lib.sh"
P=$D/placesim
TRAIN="--train $P/toy_pods.csv -n $P/toy_nodes.csv -u $P/toy_usage.csv --episodes 1 --trees 5 --batch 16 --horizon 3 -q"

t "train one episode on the toy cluster" 0 place $TRAIN -o "$T/m"
check "a place model" sh -c "head -n 1 '$T/m' | grep -qx 'scalepipe-model place 1'"
# Under valgrind (each run costs a second of start-up) training, the model
# in placesim, scoring and one bad input; the rest plain and under ASan.
if [ -z "${SP_VALGRIND:-}" ]; then
t "the same seed gives the same model" 0 place $TRAIN -o "$T/m2"
check "identical files (but the command line)" sh -c "cmp -s '$T/m' '$T/m2' ||
	[ \"\$(grep -v '^command' '$T/m')\" = \"\$(grep -v '^command' '$T/m2')\" ]"
fi
t "placesim --policy ml keeps every light pod off the hog's node" 0 placesim -n "$P/toy_nodes.csv" \
	-u "$P/toy_usage.csv" -p kube,ml -m "$T/m" "$P/toy_pods.csv"
check "ml: no degraded pod-step, kube: 78" sh -c "
	sed -n 2p '$T/out' | grep -q '^kube,60,177,78,0,' && sed -n 3p '$T/out' | grep -q '^ml,60,177,0,0,1,'"
if [ -z "${SP_VALGRIND:-}" ]; then
t "validation pods of their own" 0 place $TRAIN --validate "$P/toy_pods.csv" --validate-usage "$P/toy_usage.csv" \
	-o "$T/m3" -v
err_has "place: episode 1 of 1: training cost"
err_has "place: kept episode 1"
fi

t "score candidate nodes" 0 place -m "$T/m" "$P/candidates.csv"
check "header and the busy node loses for each pod" sh -c "
	head -n 1 '$T/out' | grep -qx 'pod,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used,pod_cpu_request,pod_mem_request,pred_score,dqn_score,anom_score,score,best' &&
	[ \"\$(cut -d, -f1,2,15 '$T/out' | tail -n 4 | tr '\n' ' ')\" = 'l1,A,0 l1,B,1 l2,A,1 l2,B,0 ' ]"
check "scores in 0..100" awk -F, 'NR > 1 && ($11 < 0 || $11 > 100 || $12 < 0 || $12 > 100 || $13 < 0 || $13 > 100 || $14 < 0 || $14 > 100) { exit 1 }' "$T/out"
if [ -z "${SP_VALGRIND:-}" ]; then
t "--weights 1,0,0: the prediction alone" 0 place -m "$T/m" --weights 1,0,0 "$P/candidates.csv"
check "score = pred_score" awk -F, 'NR > 1 && $11 != $14 { exit 1 }' "$T/out"
t "--mode dqn: the Q value" 0 place -m "$T/m" --mode dqn < "$P/candidates.csv"
check "best column unchanged" sh -c "[ \"\$(cut -d, -f15 '$T/out' | tail -n 4 | tr '\n' ' ')\" = '0 1 1 0 ' ]"

fi

# bad input
t "no such model" 1 place -m "$T/none" "$P/candidates.csv"
err_has "place: $T/none"
if [ -z "${SP_VALGRIND:-}" ]; then
t "a model of another kind" 1 place -m "$P/toy_nodes.csv" "$P/candidates.csv"
err_has "not a scalepipe model file"
cut -d, -f1-9 "$P/candidates.csv" > "$T/short.csv"
t "a missing column" 1 place -m "$T/m" "$T/short.csv"
err_has "short.csv: no column 'pod_mem_request' (have: pod,"
sed 's/^l1,A,4,/l1,A,0,/' "$P/candidates.csv" > "$T/zero.csv"
t "zero capacity" 1 place -m "$T/m" "$T/zero.csv"
err_has "row 1, column cpu: capacity must be positive"
t "bad training data" 1 place --train "$P/candidates.csv" -n "$P/toy_nodes.csv" -u "$P/toy_usage.csv" -o "$T/x"
err_has "no column 'arrival'"
check "no model written" test ! -e "$T/x"

# bad options
t "neither --train nor -m" 2 place "$P/candidates.csv"
err_has "place: give --train PODS (to train) or -m MODEL (to score)"
t "--train without -o" 2 place --train "$P/toy_pods.csv" -n "$P/toy_nodes.csv" -u "$P/toy_usage.csv"
err_has "place: --train needs -n NODES, -u USAGE and -o MODEL"
t "-m with a training option" 2 place -m "$T/m" --episodes 3 "$P/candidates.csv"
err_has "place: -m scores: the training options do not apply"
t "bad weights" 2 place -m "$T/m" --weights 0,0,0 "$P/candidates.csv"
err_has "place: --weights: three weights >= 0, not all 0 (P,D,A)"
t "bad mode" 2 place -m "$T/m" --mode best "$P/candidates.csv"
err_has "place: --mode"
t "--help" 0 place --help
out_has "usage: place"
fi

# --serve: the kube-scheduler extender on 127.0.0.1, a free port (0), the
# fixtures of tests/cli/data/extender (their README has the hand-computed
# answers) posted with curl.  Under valgrind one server (answers, bad
# requests, fallback, reload); shadow, staleness and bad options plain and
# under ASan.
X=$D/extender
wait_for() {  # wait_for TEXT [COUNT]: until the server's stderr has it (30 s)
	i=0
	while [ "$(grep -cF -- "$1" "$T/srv.err" 2>/dev/null)" -lt "${2:-1}" ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
start() {  # start ARGS...: place --serve in the background
	: > "$T/srv.err"
	place -m "$T/m" --serve 127.0.0.1:0 "$@" 2> "$T/srv.err" &
	SRV=$!
	wait_for "serving on"
	PORT=$(sed -n 's/^place: serving on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$T/srv.err")
	U=http://127.0.0.1:$PORT
}
stop() {
	kill -TERM "$SRV"
	wait "$SRV"
	echo $? > "$T/srv.rc"
}
post() {  # post FILE VERB: curl, the body on stdout, exit 22 on an HTTP error
	curl -sS --fail-with-body -d @"$1" "$U/$2"
}
cp "$X/state.csv" "$T/state.csv"
start --state "$T/state.csv" --weights 1,0,0 --filter-above 0.9 --max-body 2048 -v
check "serving on a port" test -n "$PORT"
t "prioritize (NodeNames)" 0 post "$X/args_names.json" prioritize
out_is <<'EOF'
[{"Host":"n1","Score":1},{"Host":"n2","Score":6},{"Host":"n3","Score":2}]
EOF
t "filter (NodeNames): n1 is predicted above 0.9" 0 post "$X/args_names.json" filter
out_is <<'EOF'
{"Nodes":null,"NodeNames":["n2","n3"],"FailedNodes":{"n1":"place: predicted CPU utilisation 0.938 with the pod is above 0.9"},"FailedAndUnresolvableNodes":{},"Error":""}
EOF
t "filter (Nodes): the passing Node objects" 0 post "$X/args_nodes.json" filter
out_has '"items":[{"metadata":{"name":"n2","labels":{"kubernetes.io/hostname":"n2"}},"status":{"allocatable":{"cpu":"4","memory":"8Gi","pods":"110"}}}]'
out_has '"NodeNames":null,"FailedNodes":{"n1":'
t "fallback: a node without data, equal scores" 0 post "$X/args_missing.json" prioritize
out_is <<'EOF'
[{"Host":"n1","Score":0},{"Host":"n9","Score":0},{"Host":"n3","Score":0}]
EOF
t "fallback: every node passes the filter" 0 post "$X/args_missing.json" filter
out_has '"NodeNames":["n1","n9","n3"],"FailedNodes":{}'
printf '{"Pod": {' > "$T/cut.json"
t "bad JSON: 400 with a message" 22 post "$T/cut.json" prioritize
out_has "place: bad ExtenderArgs: line 1, column "
printf '{"NodeNames": ["n1"]}' > "$T/nopod.json"
t "no Pod: 400" 22 post "$T/nopod.json" filter
out_is <<'EOF'
place: bad ExtenderArgs: ExtenderArgs: no Pod
EOF
awk 'BEGIN { printf "{\"Pod\": {}, \"NodeNames\": ["
	for (i = 0; i < 400; i++) printf "%s\"node-%d\"", i ? "," : "", i; print "]}" }' > "$T/big.json"
t "a body over --max-body: 413" 22 post "$T/big.json" prioritize
out_is <<'EOF'
place: request body over 2048 bytes (--max-body)
EOF
t "GET on a verb: 405" 22 curl -sS --fail-with-body "$U/prioritize"
t "an unknown path: 404" 22 curl -sS --fail-with-body "$U/bind"
out_is <<'EOF'
place: no such path: /bind
EOF
t "/healthz" 0 curl -sS --fail-with-body "$U/healthz"
out_is <<'EOF'
ok
EOF
sed '/^1700000000,n1,/d' "$X/state.csv" > "$T/state.new" && mv "$T/state.new" "$T/state.csv"
wait_for "place: state $T/state.csv: 2 nodes"
t "the state file changed: n1 is gone, so fallback" 0 post "$X/args_names.json" prioritize
out_is <<'EOF'
[{"Host":"n1","Score":0},{"Host":"n2","Score":0},{"Host":"n3","Score":0}]
EOF
echo "timestamp,node" > "$T/state.csv"
kill -HUP "$SRV"
wait_for "(keeping the previous state)"
t "/metrics" 0 curl -sS --fail-with-body "$U/metrics"
out_has 'place_extender_requests_total{verb="prioritize",code="200"} 3'
out_has 'place_extender_requests_total{verb="prioritize",code="400"} 1'
out_has 'place_extender_requests_total{verb="prioritize",code="405"} 1'
out_has 'place_extender_requests_total{verb="prioritize",code="413"} 1'
out_has 'place_extender_requests_total{verb="other",code="404"} 1'
out_has 'place_extender_errors_total{verb="filter"} 1'
out_has 'place_extender_fallbacks_total{reason="missing_node"} 3'
out_has 'place_extender_request_duration_seconds_count{verb="prioritize"} 6'
out_has 'place_extender_state_nodes 2'
out_has 'place_extender_state_loads_total 2'
out_has 'place_extender_state_load_errors_total 1'
stop
check "SIGTERM: exit 0" test "$(cat "$T/srv.rc")" = 0
check "the log (-v): decisions, a fallback and the failed reload" sh -c "
	grep -qF 'place: prioritize shop/web-7d4b9c-x2k8p: best n2 (score 56.25, priority 6) of 3 nodes' '$T/srv.err' &&
	grep -qF 'place: filter shop/web-7d4b9c-x2k8p: dropped 1 of 3 nodes' '$T/srv.err' &&
	grep -qF 'place: prioritize shop/web-7d4b9c-x2k8p: fallback missing_node (n9)' '$T/srv.err' &&
	grep -qF \"no column 'cpu' (have: timestamp, node) (keeping the previous state)\" '$T/srv.err'"

if [ -z "${SP_VALGRIND:-}" ]; then
start --state "$X/state.csv" --weights 1,0,0 --filter-above 0.9 --shadow
t "shadow: equal priorities" 0 post "$X/args_names.json" prioritize
out_is <<'EOF'
[{"Host":"n1","Score":0},{"Host":"n2","Score":0},{"Host":"n3","Score":0}]
EOF
t "shadow: every node passes" 0 post "$X/args_names.json" filter
out_has '"NodeNames":["n1","n2","n3"],"FailedNodes":{}'
t "shadow: /metrics says so" 0 curl -sS "$U/metrics"
out_has "place_extender_shadow 1"
kill -HUP "$SRV"
wait_for "place: state $X/state.csv: 3 nodes"
stop
check "shadow: exit 0, the would-be choices logged, SIGHUP reloads" sh -c "
	test \"\$(cat '$T/srv.rc')\" = 0 &&
	grep -qF 'place: serving on 127.0.0.1:$PORT (shadow)' '$T/srv.err' &&
	grep -qF 'best n2 (score 56.25, priority 0) of 3 nodes (shadow: all equal)' '$T/srv.err' &&
	grep -qF 'would drop 1 of 3 nodes (shadow: all pass)' '$T/srv.err' &&
	grep -qF 'place: state $X/state.csv: 3 nodes' '$T/srv.err'"
start --state "$X/state.csv" --max-age 60 --timeout 1
t "--max-age: rows of 2023 are stale, fallback" 0 post "$X/args_names.json" prioritize
out_is <<'EOF'
[{"Host":"n1","Score":0},{"Host":"n2","Score":0},{"Host":"n3","Score":0}]
EOF
t "--timeout 1: a client that stops sending is cut off" 52 sh -c "sleep 3 | curl -sS -T - -X POST $U/prioritize"
err_has "Empty reply from server"
stop
check "stale: logged, exit 0" sh -c "grep -qF 'fallback stale (n1)' '$T/srv.err' && test \"\$(cat '$T/srv.rc')\" = 0"

t "--serve without --state" 2 place -m "$T/m" --serve 127.0.0.1:0
err_has "place: --serve needs --state FILE"
t "--state without --serve" 2 place -m "$T/m" --state "$X/state.csv" "$P/candidates.csv"
err_has "place: --state, --shadow, --filter-above, --max-age, --max-body and --timeout need --serve"
t "--serve takes no FILE" 2 place -m "$T/m" --serve 127.0.0.1:0 --state "$X/state.csv" "$P/candidates.csv"
err_has "place: --serve takes no FILE"
t "--serve without a port" 2 place -m "$T/m" --serve 127.0.0.1 --state "$X/state.csv"
err_has "place: --serve: ADDR:PORT"
t "--serve: not an address" 1 place -m "$T/m" --serve 999.1.1.1:0 --state "$X/state.csv"
err_has "place: --serve 999.1.1.1:0: "
t "a missing state file" 1 place -m "$T/m" --serve 127.0.0.1:0 --state "$T/none.csv"
err_has "place: $T/none.csv: No such file or directory"
printf 'timestamp,node,cpu,mem,cpu_requested,mem_requested,cpu_used,mem_used\n1700000000,a,4,x,0,0,0,0\n' > "$T/bad.csv"
t "a bad state file" 1 place -m "$T/m" --serve 127.0.0.1:0 --state "$T/bad.csv"
err_has "bad.csv: row 1, column mem:"
fi
finish
