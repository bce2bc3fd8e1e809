#!/bin/sh
# placesim: the three built-in policies on tiny clusters where the outcome is
# known (spreading avoids contention, packing causes it; a hog's node),
# --placements, --steps, stdin, bad input and bad options.
. "$TOP/tests/cli/lib.sh"
P=$D/placesim
H=policy,steps,pod_steps,degraded,pending,availability,evictions,placements,cpu_p50,cpu_p95,cpu_max,hot_minutes,imbalance,nodes_used,unplaced

t "kube spreads two busy pods, most packs them" 0 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" \
	-p random,kube,most --placements "$T/pl.csv" "$P/busy_pods.csv"
out_is <<EOF
$H
random,3,6,0,0,1,0,2,0.75,0.75,0.75,0,0,2,0
kube,3,6,0,0,1,0,2,0.75,0.75,0.75,0,0,2,0
most,3,6,6,0,0,0,2,0.75,1.5,1.5,15,0.75,1,0
EOF
check "placements of the last policy: both on one node" sh -c "
	[ \"\$(cat '$T/pl.csv')\" = \"\$(printf 'pod,node,start\np1,B,0\np2,B,0')\" ]"

t "a hog's node, pods from stdin" 0 placesim -n "$P/toy_nodes.csv" -u "$P/toy_usage.csv" -p kube,most < "$P/toy_pods.csv"
out_is <<EOF
$H
kube,60,177,78,0,0.5593220339,0,40,0.6,1.075,1.075,300,0.434375,2,0
most,60,177,158,0,0.1073446328,0,40,0.475,1.325,1.325,300,0.596875,1,0
EOF
# Under valgrind (each run costs a second of start-up) the runs above and
# one bad input are enough; the rest is checked plain and under ASan.
if [ -z "${SP_VALGRIND:-}" ]; then
t "the default policy is kube; --steps stops early" 0 placesim -n "$P/toy_nodes.csv" -u "$P/toy_usage.csv" \
	--steps 10 "$P/toy_pods.csv"
check "kube, 10 steps" sh -c "tail -n 1 '$T/out' | grep -q '^kube,10,'"
t "--seed: kube's outcome here does not depend on it" 0 placesim -n "$P/two_nodes.csv" \
	-u "$P/busy_usage.csv" -p kube --seed 7 "$P/busy_pods.csv"
out_has "kube,3,6,0,0,1,0,2,0.75,0.75,0.75,0,0,2,0"

fi

# bad input
printf 'node,cpu\nA,1\n' > "$T/nomem.csv"
t "nodes without mem" 1 placesim -n "$T/nomem.csv" -u "$P/busy_usage.csv" "$P/busy_pods.csv"
err_is <<EOF
placesim: $T/nomem.csv: no column 'mem' (have: node, cpu)
EOF
if [ -n "${SP_VALGRIND:-}" ]; then finish; exit; fi
printf 'series,timestamp,cpu,mem\nbusy,0,1,1\nbusy,0,1,1\n' > "$T/dup.csv"
t "usage time not increasing" 1 placesim -n "$P/two_nodes.csv" -u "$T/dup.csv" "$P/busy_pods.csv"
err_is <<EOF
placesim: $T/dup.csv: row 2, column timestamp: series 'busy': time not after the previous row's
EOF
printf 'arrival,pod,cpu_request,mem_request,series\n0,p,x,1,busy\n' > "$T/badpod.csv"
t "a request that is not a number" 1 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" "$T/badpod.csv"
err_has "badpod.csv: row 1, column cpu_request: not a finite number: 'x'"
printf 'arrival,pod,cpu_request,mem_request,series\n0,p,1,1,nope\n' > "$T/noseries.csv"
t "an unknown series" 1 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" "$T/noseries.csv"
err_is <<EOF
placesim: $T/noseries.csv: row 1, column series: no usage series 'nope'
EOF
t "a missing file" 1 placesim -n "$T/none.csv" -u "$P/busy_usage.csv" "$P/busy_pods.csv"
err_has "none.csv"

# bad options
t "no -n" 2 placesim -u "$P/busy_usage.csv" "$P/busy_pods.csv"
err_has "placesim: -n NODES and -u USAGE are required"
t "unknown policy" 2 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" -p kube,best "$P/busy_pods.csv"
err_has "placesim: --policy: unknown policy 'best' (have: random, kube, most, ml)"
t "ml without a model" 2 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" -p ml "$P/busy_pods.csv"
err_has "placesim: --policy ml needs -m MODEL"
t "a model without ml" 2 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" -m x "$P/busy_pods.csv"
err_has "placesim: -m MODEL is for --policy ml"
t "bad --step" 2 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" --step 0 "$P/busy_pods.csv"
err_has "placesim: --step"
t "two files" 2 placesim -n "$P/two_nodes.csv" -u "$P/busy_usage.csv" "$P/busy_pods.csv" extra
err_has "placesim: unexpected argument 'extra'"
t "--help" 0 placesim --help
out_has "usage: placesim"
finish
