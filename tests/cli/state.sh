#!/bin/sh
# burstdetect --state and plan --state: N runs over consecutive slices of a
# trace decide exactly as one run over all of it.  The shipped chain
# (README, deploy/configmap.yaml: window --resample 60 | arfit --rolling
# --window 336 --horizon 24 --level 0.98 | burstdetect --quantile 0.6
# --lead 2 --hold 3 --burst-demand normal | plan with deploy/configmap.yaml's
# PLAN_ARGS: --policy scalepipe and its --stabilise, an hour of
# recommendations in the state), and the same with BAScaler's burst demand
# (the burst AR in the state) and plan's own stabilisation (60 s), over
# 576-row cuts of two shipped per-minute traces, with bursts
# (scaled so the counts stay inside --min 2 --max 40), run once, and run as
# 6 slices, each given the 336 rows the forecaster needs before its new
# rows, with the states carried across.  Each run's last row is the
# decision for the step after its newest load (its data empty): the
# slices' rows without those, plus the last slice's, are the continuous
# run's rows byte for byte; and every slice's last row carries the
# continuous run's decision for that step.
. "$TOP/tests/cli/lib.sh"
CURVE=$TOP/data/bascaler_fft_service_curve.csv
W=336
BD="--quantile 0.6 --lead 2 --hold 3 --burst-demand normal"
# the ConfigMap's plan options, its curve from data/
PLAN=$(sed -n 's/^  PLAN_ARGS: "\(.*\)".*/\1/p' "$TOP/deploy/configmap.yaml" | sed "s|/opt/scalepipe/share/scalepipe/|$TOP/data/|")
check "deploy/configmap.yaml's PLAN_ARGS: a stabilisation, the curve from data/" sh -c "echo '$PLAN' | grep -q -- '--stabilise [0-9].*--curve $TOP/data/'"
# chain [--state DIR] < trace
chain() {
	if [ $# -gt 0 ]; then
		window --resample 60 --fill linear | arfit --rolling --window $W --horizon 24 --level 0.98 |
			burstdetect $BD --state "$1/burst.state" |
			plan $PLAN --state "$1/plan.state"
	else
		window --resample 60 --fill linear | arfit --rolling --window $W --horizon 24 --level 0.98 |
			burstdetect $BD | plan $PLAN
	fi
}

# sliced TRACE OFFSET SCALE: 576 rows of TRACE after OFFSET, loads times SCALE
sliced() {
	awk -F, -v o="$2" -v k="$3" 'NR == 1 { print "timestamp,load"; next }
	    NR > o + 1 && NR <= o + 577 { print $1 "," $2 * k }' "$1" > "$T/tr.csv"
	chain < "$T/tr.csv" > "$T/cont.csv" || return 1
	rm -rf "$T/st" "$T"/sl.*
	mkdir "$T/st"
	from=2 k=0
	# data rows (file lines) ending each slice: one of a single new row
	for to in 377 420 421 470 530 577; do
		k=$((k + 1))
		awk -v a="$from" -v b="$to" 'NR == 1 || (NR >= a && NR <= b)' "$T/tr.csv" | chain "$T/st" > "$T/sl.$k" || return 1
		from=$((to - W - 1))
	done
	for i in $(seq 1 $k); do
		if [ "$i" = "$k" ]; then sed 1d "$T/sl.$i"; else sed '1d;$d' "$T/sl.$i"; fi
	done > "$T/joined"
	sed 1d "$T/cont.csv" | cmp - "$T/joined" || return 1
	# each slice's own decision (its last row) is the continuous run's
	for i in $(seq 1 $k); do
		tail -n 1 "$T/sl.$i" | awk -F, '{ print $1 "," $(NF - 1) "," $NF }'
	done > "$T/ticks"
	awk -F, 'NR == FNR { t[$1] = 1; next } FNR > 1 && ($1 in t) { print $1 "," $(NF - 1) "," $NF }' \
		"$T/ticks" "$T/cont.csv" | cmp - "$T/ticks" || return 1
	# not all one count, and bursts: the decisions move
	test "$(sed 1d "$T/cont.csv" | awk -F, '{ print $(NF - 1) }' | sort -u | wc -l)" -ge 3 &&
		grep -q ',burst,' "$T/cont.csv"
}
if [ -n "${SP_VALGRIND:-}" ]; then
	# the --state paths under valgrind (the comparison is the plain build's):
	# a first slice, then the next rows from its state
	awk -F, 'NR == 1 { print "timestamp,load"; next } NR <= 400 { print $1 "," $2 * 20 }' \
		"$TOP/data/nasa_http_1995_rpm.csv" > "$T/tr.csv"
	mkdir "$T/st"
	head -n 380 "$T/tr.csv" > "$T/a.csv"
	t "valgrind: a first slice" 0 sh -c "$(sed -n '/^chain() {/,/^}/p' "$0"); W=$W CURVE='$CURVE' BD='$BD' PLAN='$PLAN'; chain '$T/st' < '$T/a.csv'"
	t "valgrind: the next rows" 0 sh -c "$(sed -n '/^chain() {/,/^}/p' "$0"); W=$W CURVE='$CURVE' BD='$BD' PLAN='$PLAN'; chain '$T/st' < '$T/tr.csv'"
	finish
	exit
fi
check "6 slices = one run: NASA HTTP 1995 (x 20)" sliced "$TOP/data/nasa_http_1995_rpm.csv" 3000 20
# the ConfigMap's stabilisation acts across the slices: scale-downs held by it ...
check "NASA: scale-downs held by the ConfigMap's stabilisation" grep -q ',stabilised$' "$T/cont.csv"
# ... more of them than plan's own 60 s holds
held_more() {
	a=$(grep -c ',stabilised$' "$T/cont.csv")
	b=$(PLAN=$(echo "$PLAN" | sed 's/--stabilise [0-9]*//'); chain < "$T/tr.csv" | grep -c ',stabilised$')
	test "$a" -gt "$b"
}
check "NASA: the ConfigMap's stabilisation holds more scale-downs than plan's own 60 s" held_more
check "6 slices = one run: WorldCup98 (/ 20)" sliced "$TOP/data/worldcup98_19980626_27_rpm.csv" 600 0.05
BD="--quantile 0.55 --lead 2 --hold 3"   # bursts with the burst AR's demand
PLAN="--policy scalepipe --slo 16 --min 2 --max 40 --curve $CURVE"   # plan's own 60 s
check "6 slices = one run, the burst AR's demand: NASA HTTP 1995 (x 20)" sliced "$TOP/data/nasa_http_1995_rpm.csv" 3000 20
check "6 slices = one run, the burst AR's demand: WorldCup98 (/ 20)" sliced "$TOP/data/worldcup98_19980626_27_rpm.csv" 600 0.05
finish
