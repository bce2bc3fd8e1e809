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
if [ -n "${SP_VALGRIND:-}" ]; then finish; exit; fi
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
finish
