#!/bin/sh
# The incremental fleet tick (deploy/fleet/configmap.yaml tick.sh, scalepipe(7)
# "Many workloads: incremental ticks"): the ConfigMap's own script, with its
# parameters, run as N ticks over three workloads made from two shipped
# per-minute traces (576-row cuts, as tests/cli/state.sh does; missing points
# and missing values, one a trailing gap at a tick's end), each tick given
# what promfetch --since-state fetches (a stand-in below: the points after
# window.state's newest row, every point of a key the state does not hold,
# every point of every key without a readable state), with the four states
# on the shard's volume.  Every tick's decisions are those of one run of
# the chain over all the rows, byte for byte; a workload that appears in a
# later tick (cold: its whole history) too; a damaged state or changed
# parameters make the shard cold (the whole history again), with the same
# decisions.  Then window --state's own cases: slices of the raw input =
# one run, a corrupt state or one of other options (a warning, a cold
# start), the options it refuses.  (promfetch --since-state against a real
# Prometheus: tests/integration/prometheus.sh.)  Those ticks run with the
# checks between decisions off (REACT_EVERY unset); the checks, at the end,
# against the test API server with the real scale.
. "$TOP/tests/cli/lib.sh"

cm() {  # KEY: the fleet ConfigMap's value
	sed -n "s/^  $1: \"\\(.*\\)\" *\\(#.*\\)\\{0,1\\}\$/\\1/p" "$TOP/deploy/fleet/configmap.yaml"
}
sed -n '/^  tick.sh: |$/,$p' "$TOP/deploy/fleet/configmap.yaml" | sed '1d;s/^    //' > "$T/tick.sh"
QUERY=$(cm QUERY) BY_LABELS=$(cm BY_LABELS) SHARDS=$(cm SHARDS) HISTORY=$(cm HISTORY) STEP=$(cm STEP)
WINDOW_ARGS=$(cm WINDOW_ARGS) ARFIT_ARGS=$(cm ARFIT_ARGS) BURSTDETECT_ARGS=$(cm BURSTDETECT_ARGS)
SEASON=$(cm SEASON) SELECT_ARGS=$(cm SELECT_ARGS)
# the ConfigMap's seasonal window (2500 rows) is longer than these cuts
# (576): here a shorter one, the period looked for on the first 4 hours
# (the ConfigMap's own: the young fleet's ticks at the end)
SEASON_ARGS="--rolling --window 240 --horizon 24 --level 0.98 --season auto --season-after 4h --season-max 2h"
PLAN_ARGS=$(cm PLAN_ARGS | sed "s#/opt/scalepipe/share/scalepipe/#$TOP/data/#")
MAX_AGE=$(cm MAX_AGE) FORGET=$(cm FORGET) PAUSED=false SHADOW=false SHARD=0 PROMETHEUS_URL=http://127.0.0.1:1 PUSHGATEWAY_URL=http://127.0.0.1:1
WORK_DIR=$T/work STATE_DIR=$T/state
check "the ConfigMap ships SEASON=true" [ "$SEASON" = true ]
export QUERY BY_LABELS SHARDS HISTORY STEP WINDOW_ARGS ARFIT_ARGS SEASON SEASON_ARGS SELECT_ARGS BURSTDETECT_ARGS PLAN_ARGS \
	MAX_AGE FORGET PAUSED SHADOW SHARD \
	PROMETHEUS_URL PUSHGATEWAY_URL WORK_DIR STATE_DIR
mkdir "$T/work" "$T/state" "$T/stub"
# the stand-ins: promfetch --since-state over $T/now.csv (every point of
# every workload up to the tick's time), promexport, and scale (keeps the
# decisions it was given)
{ echo '#!/bin/sh'
  echo 'while [ $# -gt 0 ]; do [ "$1" = --since-state ] && st=$2; shift; done'
  echo "awk -F, -v st=\"\$st\" -f '$TOP/tests/cli/since-state.awk' \"\$NOW\""; } > "$T/stub/promfetch"
printf '#!/bin/sh\nexit 0\n' > "$T/stub/promexport"
printf '#!/bin/sh\nfor a; do f=$a; done\ncp "$f" "$DECIDED"\n' > "$T/stub/scale"
chmod +x "$T/stub/promfetch" "$T/stub/promexport" "$T/stub/scale"

# chain: one run of the ConfigMap's chain over everything (no state):
# arfit's band and the seasonal one, the better per key (SEASON=false:
# arfit's alone)
chain() {
	window --by series $WINDOW_ARGS --input-step "$STEP" > "$T/c.load"
	arfit --by series -c load $ARFIT_ARGS < "$T/c.load" > "$T/c.ar"
	if [ "$SEASON" = true ]; then
		arfit --by series -c load $SEASON_ARGS < "$T/c.load" > "$T/c.seas"
		bandselect --by series $SELECT_ARGS --alt "$T/c.seas" "$T/c.ar"
	else
		cat "$T/c.ar"
	fi | burstdetect --by series $BURSTDETECT_ARGS | plan --by series $PLAN_ARGS
}
# tick N END: the ConfigMap's tick at END (the points up to END), its
# decisions into $T/dec.N
tick() {
	awk -F, -v e="$2" 'NR == 1 || $1 <= e' "$T/all.csv" > "$T/now.csv"
	NOW=$T/now.csv DECIDED=$T/dec.$1 PATH=$T/stub:$PATH sh "$T/tick.sh"
}
# decided [--all] N...: every row of those ticks' decisions is one run's,
# byte for byte, but each key's last one (the decision for the step after
# its newest data, the data empty), whose decision is one run's for that
# step; --all: and every step of one run is decided by one of them
decided() {
	all=0
	[ "$1" = --all ] && { all=1; shift; }
	for n; do
		test -f "$T/dec.$n" || { echo "tick $n decided nothing"; return 1; }
		awk -F, -v n="$n" 'FNR > 1 { last[$2] = FNR; row[FNR] = $0 } END { for (i = 2; i <= FNR; i++) {
			split(row[i], f, ","); print (last[f[2]] == i ? "last" : "row") "\t" n "\t" row[i] } }' "$T/dec.$n"
	done > "$T/ticks"
	awk -F'\t' 'FNR == NR { if (FNR > 1) { one[$0] = 1; split($0, f, ","); key = f[1] "," f[2];
			f[3] = ""; s = f[1]; for (i = 2; i in f; i++) s = s "," f[i]; blank[key] = s; steps[key] = 1 } next }
		{ split($3, f, ","); key = f[1] "," f[2]; seen[key] = 1 }
		$1 == "row" && !($3 in one) { print "tick " $2 ": not one run'"'"'s row: " $3; bad = 1 }
		$1 == "last" && blank[key] != $3 && !($3 in one) { print "tick " $2 ": not one run'"'"'s decision: " $3; bad = 1 }
		END { if (all) for (k in steps) if (!(k in seen)) { print "no tick decided " k; bad = 1 }
			exit bad }' all=$all "$T/one.csv" "$T/ticks"
}
# three workloads on one minute grid: NASA HTTP 1995 (x 20), WorldCup98
# (/ 20), and NASA again later in the trace (x 10) appearing from minute
# 100 on (a new workload); points missing (nasa 500, 501), values missing
# (wc 450..452, and 455..462 across the tick at 460: a trailing gap)
cut() {  # FILE OFFSET SCALE KEY FROM ROWS
	awk -F, -v o="$2" -v k="$3" -v key="$4" -v from="$5" -v n="$6" 'NR > o + 1 + from && NR <= o + 1 + n {
		i = NR - o - 2; printf "%d,%s,%s\n", 804751200 + 60 * i, key, $2 * k }' "$1"
}
make_all() {  # ROWS
	{ echo timestamp,series,load
	  cut "$TOP/data/nasa_http_1995_rpm.csv" 3000 20 deployment=nasa 0 "$1" | awk -F, '$1 != 804781200 && $1 != 804781260'
	  cut "$TOP/data/worldcup98_19980626_27_rpm.csv" 600 0.05 deployment=wc 0 "$1" |
		awk -F, -v OFS=, '{ i = ($1 - 804751200) / 60 } (i >= 450 && i <= 452) || (i >= 455 && i <= 462) { $3 = "" } 1'
	  cut "$TOP/data/nasa_http_1995_rpm.csv" 20000 10 deployment=new 100 "$1"; } > "$T/all.csv"
}
at() { echo $((804751200 + 60 * $1)); }

if [ -n "${SP_VALGRIND:-}" ]; then
	# the tick's state paths under valgrind (the comparisons are the plain
	# build's): a cold tick, then one new row
	make_all 380
	awk -F, '$2 != "deployment=new"' "$T/all.csv" > "$T/old.csv"
	mv "$T/old.csv" "$T/all.csv"
	t "valgrind: a cold tick" 0 tick 1 "$(at 370)"
	t "valgrind: the next tick, one new row" 0 tick 2 "$(at 371)"
	check "valgrind: the states" test -s "$T/state/window.state" -a -s "$T/state/plan.state"
	finish
	exit
fi

make_all 576
chain < "$T/all.csv" > "$T/one.csv"
check "one run: decisions for the three workloads, moving, with bursts" sh -c \
	"test \$(cut -d, -f2 '$T/one.csv' | sort -u | wc -l) = 4 && test \$(cut -d, -f10 '$T/one.csv' | sort -u | wc -l) -ge 5 &&
	grep -q ',burst,' '$T/one.csv'"
i=0
# the first tick is cold (no state, every point); "new" is cold in tick 4,
# its first (the points of the others up to 459 only: it joins later)
for m in 400 401 402; do
	i=$((i + 1))
	awk -F, '$2 != "deployment=new"' "$T/all.csv" > "$T/old.csv"
	awk -F, -v e="$(at $m)" 'NR == 1 || $1 <= e' "$T/old.csv" > "$T/now.csv"
	t "tick $i at minute $m" 0 env NOW="$T/now.csv" DECIDED="$T/dec.$i" PATH="$T/stub:$PATH" sh "$T/tick.sh"
done
check "ticks 1-3 (one cold, two of one new point): one run's decisions" decided 1 2 3
check "the states and the stamp" test -s "$T/state/window.state" -a -s "$T/state/arfit.state" -a \
	-s "$T/state/season.state" -a -s "$T/state/select.state" -a \
	-s "$T/state/burst.state" -a -s "$T/state/plan.state" -a -s "$T/state/tick.stamp"
check "the seasonal band chosen for some steps, arfit's for others" sh -c "
	arfit --by series -c load \$SEASON_ARGS < '$T/c.load' > '$T/c.seas2' &&
	bandselect --by series --alt '$T/c.seas2' '$T/c.ar' > '$T/c.band' &&
	! cmp -s '$T/c.band' '$T/c.ar' && awk -F, 'NR == FNR { a[\$0] = 1; next } FNR > 1 && (\$0 in a) { n++ } END { exit !(n > 0) }' '$T/c.ar' '$T/c.band'"
t "tick 4 at 460: a new workload (its whole history), a trailing gap (wc)" 0 tick 4 "$(at 460)"
check "... one run's decisions" decided 4
check "... the new workload decided" grep -q deployment=new "$T/dec.4"
t "tick 5 at 460 again: no new points" 0 tick 5 "$(at 460)"
err_has "no new points: nothing to decide"
check "... no decisions (scale not run)" test ! -e "$T/dec.5"
t "tick 6 at 461" 0 tick 6 "$(at 461)"
echo junk >> "$T/state/burst.state"
t "tick 7 at 520, burst.state damaged: a cold start" 0 tick 7 "$(at 520)"
err_has "fleet tick, shard 0/4: states missing, damaged or made with other parameters: a cold start"
check "... every step again, one run's decisions" decided 7
t "tick 8 at 521" 0 tick 8 "$(at 521)"
rm "$T/state/window.state"
t "tick 9 at 540, window.state missing: a cold start" 0 tick 9 "$(at 540)"
err_has "a cold start"
t "tick 10 at 574" 0 tick 10 "$(at 574)"
cp -R "$T/state" "$T/statex"   # (a failed tick leaves the shard cold)
t "tick 11 at 574, SEASON_ARGS at another level: the bands disagree, select fails" 1 env STATE_DIR="$T/statex" \
	SEASON_ARGS="$(echo "$SEASON_ARGS" | sed 's/--level 0.98/--level 0.95/')" NOW="$T/now.csv" DECIDED="$T/dec.11" \
	PATH="$T/stub:$PATH" sh "$T/tick.sh"
err_has "the bands must be of one level"
err_has "fleet tick, shard 0/4: select failed"
check "... nothing decided" test ! -e "$T/dec.11"
t "tick 11 at 574 with other parameters (--level 0.95): a cold start" 0 env \
	ARFIT_ARGS="$(echo "$ARFIT_ARGS" | sed 's/--level 0.98/--level 0.95/')" \
	SEASON_ARGS="$(echo "$SEASON_ARGS" | sed 's/--level 0.98/--level 0.95/')" NOW="$T/now.csv" DECIDED="$T/dec.11" \
	PATH="$T/stub:$PATH" sh "$T/tick.sh"
err_has "a cold start"
check "... other decisions (--level 0.95)" sh -c "! cmp -s '$T/dec.10' '$T/dec.11'"
t "tick 12 at 574, the parameters back: a cold start" 0 tick 12 "$(at 574)"
err_has "a cold start"
t "tick 13 at 575" 0 tick 13 "$(at 575)"
check "ticks 6, 8-10, 12, 13: one run's decisions, every step" decided --all 6 8 9 10 12 13

# ---- window --state alone ----
# slices of the raw input (overlapping, one of a single row) = one run,
# but for what the last state holds (here: each key's open 5-minute bin)
window --by series --resample 300 --fill linear < "$T/all.csv" > "$T/w1.csv"
rm -f "$T/w.state"
from=2
for to in 300 301 302 900 5000; do
	awk -v a="$from" -v b="$to" 'NR == 1 || (NR >= a && NR <= b)' "$T/all.csv" |
		window --by series --resample 300 --fill linear --state "$T/w.state" | sed 1d
	from=$((to - 30))
done > "$T/w2.csv"
check "window --state: 5 overlapping slices = one run" sh -c \
	"sed 1d '$T/w1.csv' | sort > '$T/a'; sort '$T/w2.csv' > '$T/b'; comm -13 '$T/a' '$T/b' | grep -q . && exit 1; test \$(comm -23 '$T/a' '$T/b' | wc -l) -le 3"
t "window --state: header only: nothing written, the state kept" 0 window --by series --resample 300 --fill linear \
	--state "$T/w.state" <<EOF
timestamp,series,load
EOF
out_is <<EOF
timestamp,series,load
EOF
echo junk > "$T/bad.state"
t "window --state: a corrupt state: a warning, a cold start" 0 window --resample 60 --input-step 60 --state "$T/bad.state" <<EOF
timestamp,load
60,1
EOF
err_is <<EOF
window: warning: state $T/bad.state:1: not a scalepipe state file (want 'scalepipe-state window 1'): recomputing from the input
EOF
out_is <<EOF
timestamp,load
60,1
EOF
t "window --state: a state of other options: a warning, a cold start" 0 window --resample 120 --input-step 60 --state "$T/bad.state" <<EOF
timestamp,load
120,2
EOF
err_is <<EOF
window: warning: state $T/bad.state: made with --resample 60, not 120: recomputing from the input
EOF
t "window --state: a keyed state without --by: a warning" 0 window --resample 300 --fill linear --state "$T/w.state" <<EOF
timestamp,load
120,2
EOF
err_has "window: warning: state $T/w.state:8: 'keys' where 'last' was expected: recomputing from the input"
t "window --state with --sort" 2 window --resample 60 --sort --state "$T/x.state" < /dev/null
err_has "window: --state does not go with --sort, --dupes, --normalize, --train-*, --split or --lags"
t "window --input-step without --resample" 2 window --input-step 60 < /dev/null
err_has "window: --input-step needs --resample"
t "window --input-step: rows closer than it" 1 window --resample 60 --input-step 60 <<EOF
timestamp,load
60,1
90,2
EOF
err_has "window: row 2, column timestamp: timestamp 90 is less than the input step 60 after the previous row's 60 (see --input-step)"
t "window --state in a directory it cannot write" 1 window --resample 60 --state /nonexistent/dir/w.state < /dev/null
err_has "/nonexistent/dir/w.state"
t "promfetch --since-state without --last" 2 promfetch -q up --start 0 --end 100 --since-state "$T/w.state"
err_has "promfetch: --since-state needs --last (the range of a cold start), and no --start, --instant or --wide"

# FORGET: a workload without a point for longer leaves the four states (a
# new FORGET is a new stamp: a cold start); the others keep theirs
awk -F, -v e="$(at 575)" '!($2 == "deployment=new" && $1 == e)' "$T/all.csv" > "$T/all2.csv"
mv "$T/all2.csv" "$T/all.csv"
t "tick 13 at 575, FORGET=30s, 'new' silent since 574: forgotten" 0 env FORGET=30s sh -c \
	'awk -F, -v e="$1" "NR == 1 || \$1 <= e" "$2/all.csv" > "$2/now.csv" && NOW=$2/now.csv DECIDED=$2/dec.13 PATH=$2/stub:$PATH sh "$2/tick.sh"' \
	sh "$(at 575)" "$T"
for s in window arfit bandselect burstdetect plan; do err_has "$s: warning: key 'deployment=new': no row for 30s: forgotten"; done
check "'new' in none of the states, the others in all" sh -c "! grep -q '^key deployment=new' '$T/state/window.state' \
	'$T/state/arfit.state' '$T/state/season.state' '$T/state/select.state' '$T/state/burst.state' '$T/state/plan.state' &&
	test \$(cat '$T/state/window.state' '$T/state/arfit.state' '$T/state/season.state' '$T/state/select.state' \
	'$T/state/burst.state' '$T/state/plan.state' | grep -c '^key deployment=') = 12"

# A young fleet: the ConfigMap's own seasonal window (2500 rows), longer
# than any workload's history: no seasonal band (a warning per workload),
# the decisions arfit's band's alone; and shorter than arfit's window too
# (the first 200 minutes, 336 rows): no forecast yet, the load rule on
# each workload's newest load, the rows kept, and the next tick decides as
# one run over all the rows
mkdir "$T/state2"
awk -F, '$2 != "deployment=new"' "$T/all.csv" > "$T/young.csv"
SEASON_ARGS=$(cm SEASON_ARGS)
SEASON=false chain < "$T/young.csv" > "$T/one.csv"
young() {  # N END: a tick of the young fleet
	awk -F, -v e="$2" 'NR == 1 || $1 <= e' "$T/young.csv" > "$T/now.csv"
	env STATE_DIR="$T/state2" SEASON_ARGS="$SEASON_ARGS" NOW="$T/now.csv" DECIDED="$T/dec.$1" PATH="$T/stub:$PATH" sh "$T/tick.sh"
}
t "a young fleet at minute 200: no forecast yet" 0 young 20 "$(at 200)"
err_has "fleet tick, shard 0/4: no forecast yet (no workload has arfit's window of rows)"
err_has "arfit: warning: key 'deployment=nasa': too little data: a forecast needs at least 2500 rows"
# (each workload decided by plan's load rule on its newest load, never
# down, as scalepipe-tick falls back: ceil(load / w*), w* 80.68, within
# --min 2 --max 40; the stand-in scale reads no replicas)
err_has "fleet tick, shard 0/4: 2 workloads without a forecast yet (fewer rows than arfit's window): plan's load rule on their newest load, never down"
awk -F, 'NR > 1 && $3 != "" { t[$2] = $1; l[$2] = $3 }
	END { for (k in t) { n = int(l[k] / 80.68); if (n < l[k] / 80.68) n++; if (n < 2) n = 2; if (n > 40) n = 40
		print t[k] "," k "," n "," t[k] } }' "$T/now.csv" | sort > "$T/young.want"
check "... the load rule's counts to scale, each at its newest point; the rows kept" sh -c "
	sed 1d '$T/dec.20' | sort | cmp -s - '$T/young.want' && head -n 1 '$T/dec.20' | grep -qx 'timestamp,series,replicas,observed_at' &&
	test \$(wc -l < '$T/young.want') = 2 && grep -q '^key deployment=nasa' '$T/state2/arfit.state'"
t "SEASON neither true nor false: an error, nothing done" 1 env SEASON=yes STATE_DIR="$T/state2" sh "$T/tick.sh"
err_has "fleet tick: SEASON must be true or false: 'yes'"
t "the young fleet at minute 401: no seasonal band yet" 0 young 21 "$(at 401)"
err_has "arfit: warning: key 'deployment=wc': too little data: a forecast needs at least 2500 rows"
check "... one run's decisions on arfit's band alone, every step after 200" decided 21

# ---- the checks between decisions (REACT_EVERY), against the test API server ----
# The ConfigMap ships them every 15 s, its deadline the CronJob's.  Here
# every 2 s within a deadline of 22 s (checks at +2, +4, ..., +10: two are
# enough, the tick may be slow to decide under the sanitizers), on three
# workloads of fresh data keyed as the ConfigMap keys them
# (namespace=shop,deployment=web: quoted in the CSV), with the real scale
# against the test API server (a stand-in turns --in-cluster into our
# kubeconfig); the checks' promfetch answers 900, 800 and 900 (web, api,
# held), 12, 10 and 12 pods by the reactive rule (the react margin off,
# --react-margin 0: these are the checks' mechanics; plan.sh and tick.sh
# test the margin)
check "the ConfigMap ships REACT_EVERY=15" [ "$(cm REACT_EVERY)" = 15 ]
check "TICK_DEADLINE = the CronJob's activeDeadlineSeconds" [ "$(cm TICK_DEADLINE)" = \
	"$(sed -n 's/^ *activeDeadlineSeconds: \([0-9]*\).*/\1/p' "$TOP/deploy/fleet/cronjob.yaml")" ]
# the three check columns (plan's check_replicas, check_load, check_at), filled or empty
T3='\(,[0-9.]*\)\{3\}'
PY=/usr/bin/python3
if [ -x $PY ] && command -v openssl > /dev/null && command -v curl > /dev/null; then
	. "$TOP/tests/kubeapi/netlib.sh"
	printf 'Deployment shop web 4\nDeployment shop api 3\nDeployment shop held 2 scalepipe.io/paused=true\nDeployment shop late 4\nDeployment shop slow 4\nDeployment shop five 4\nDeployment shop six 4\nDeployment shop seven 4\nDeployment shop eight 4\nDeployment shop nine 4\nDeployment shop ten 4\n' > "$T/objects"
	kubeapi_serve "$T/objects" || { echo "0 passed, 1 failed"; exit 1; }
	replicas() {  # NAME: the server's count
		curl -sf --cacert "$K/ca.pem" -H 'Authorization: Bearer tok-ci-SECRET-0123456789' \
			"https://127.0.0.1:$PORT/apis/apps/v1/namespaces/shop/deployments/$1/scale" |
			sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p'
	}
	mkdir "$T/rstub" "$T/rwork" "$T/rstate"
	cat > "$T/rstub/promfetch" <<'EOF'
#!/bin/sh
# the tick's fetch (--since-state): $NOW; a check's: each workload's load
# now, its query (-q) appended to $QLOG
q=; p=
for a; do [ "$p" = -q ] && q=$a; p=$a; [ "$a" = --since-state ] && exec cat "$NOW"; done
[ -z "${QLOG:-}" ] || printf '%s\n' "$q" >> "$QLOG"
echo timestamp,series,load
t=$(($(date +%s) - 1))
for w in ${CHECKS:-web:900 api:800 held:900}; do echo "$t,\"namespace=shop,deployment=${w%:*}\",${w#*:}"; done
EOF
	{ echo '#!/bin/sh'; echo 'for a; do shift; [ "$a" = --in-cluster ] && set -- "$@" --kubeconfig "$KC" || set -- "$@" "$a"; done'
	  echo "exec $(command -v scale) \"\$@\""; } > "$T/rstub/scale"
	# promexport: SLOW, a slow tick; what the checks push into $T/pushed
	printf '#!/bin/sh\n[ -z "${SLOW:-}" ] || sleep "$SLOW"\ncase "$*" in *checks*) { echo "$*"; cat "%s/react.csv"; } > "%s";; esac\n' \
		"$T/rwork" "$T/pushed" > "$T/rstub/promexport"
	chmod +x "$T/rstub/promfetch" "$T/rstub/scale" "$T/rstub/promexport"
	# 60 minutes ending a minute ago (the first tick) and the minute now
	# (the second): web about 250 (4 pods), api 150, held 100
	nowm=$(( $(date +%s) / 60 * 60 ))
	awk -v e="$nowm" 'BEGIN { print "timestamp,series,load"
		for (i = 60; i >= 0; i--) { t = e - 60 * i; d = (i % 3) * 5
			print t ",\"namespace=shop,deployment=web\"," 250 + d; print t ",\"namespace=shop,deployment=api\"," 150 + d
			print t ",\"namespace=shop,deployment=held\"," 100 + d } }' > "$T/all2.csv"
	awk -F, -v e="$nowm" '$1 != e' "$T/all2.csv" > "$T/fresh.csv"
	rtick() {  # the tick on $T/fresh.csv, checks every 2 s
		env NOW="$T/fresh.csv" KC="$T/kc" PATH="$T/rstub:$PATH" WORK_DIR="$T/rwork" STATE_DIR="$T/rstate" \
			SEASON=false ARFIT_ARGS="--rolling --window 30 --horizon 6 --level 0.98" REACT_EVERY=2 \
			PLAN_ARGS="$PLAN_ARGS --react-margin 0" \
			SCALE_ARGS="$(cm SCALE_ARGS)" "$@" sh "$T/tick.sh"
	}
	# another workload, "late", whose decisions take 3 s: they overrun the
	# check at +2, which runs at once (at +3 or later; within a deadline
	# of 18 s, late up to +8, then the next ones while they fit)
	mkdir "$T/rstate0"
	sed -n '1p;/deployment=web/s/deployment=web/deployment=late/p' "$T/fresh.csv" > "$T/late.csv"
	s0=$(date +%s)
	t "REACT_EVERY: a check the decisions overran runs late" 0 rtick TICK_DEADLINE=18 SLOW=3 STATE_DIR="$T/rstate0" \
		NOW="$T/late.csv" CHECKS=late:900
	check "... late 4 -> 8 first (scale's limits), at 3 s or later" sh -c "
		grep react-scaled '$T/out' | head -n 1 | grep -q ',\"namespace=shop,deployment=late\",shop,Deployment,late,4,12,8,react-scaled,' &&
		awk -F, -v s=$((s0 + 3)) '/react-scaled/ && \$1 < s { bad = 1 } END { exit bad }' '$T/out'"
	# SCALE_ARGS reaches scale: one pod a run (the first check 4 -> 5)
	mkdir "$T/rstate1"
	sed -n '1p;/deployment=web/s/deployment=web/deployment=slow/p' "$T/fresh.csv" > "$T/slow.csv"
	# and REACT_QUERY is the checks' query (QUERY's otherwise, below)
	t "SCALE_ARGS: scale's limits per run, for the checks too" 0 rtick TICK_DEADLINE=16 STATE_DIR="$T/rstate1" \
		NOW="$T/slow.csv" CHECKS=slow:900 SCALE_ARGS="--max-up-pct 0 --max-up-pods 1" \
		REACT_QUERY='sum by (namespace, deployment) (rate(checks_total[1m]))' QLOG="$T/q1"
	out_has ',"namespace=shop,deployment=slow",shop,Deployment,slow,4,12,5,react-scaled,'
	check "REACT_QUERY: the checks' query" sh -c "test -s '$T/q1' &&
		! grep -vxF 'sum by (namespace, deployment) (rate(checks_total[1m]))' '$T/q1'"
	check "... the ConfigMaps' SCALE_ARGS agree" test "$(cm SCALE_ARGS)" = \
		"$(sed -n 's/^  SCALE_ARGS: "\(.*\)".*/\1/p' "$TOP/deploy/configmap.yaml")"
	t "REACT_EVERY: the decisions, then checks that scale up" 0 rtick TICK_DEADLINE=22 QLOG="$T/q2"
	check "... without REACT_QUERY the checks read QUERY" sh -c "test -s '$T/q2' && ! grep -vxF \"\$QUERY\" '$T/q2'"
	cp "$T/out" "$T/r1.out"
	check "... a row for each workload's decision" test "$(grep -c '^[0-9]*,"namespace=shop,deployment=[a-z]*",shop,Deployment,[a-z]*,[0-9]*,[0-9]*,[0-9]*,[a-z-]*,' "$T/r1.out")" -ge 5
	out_has ',"namespace=shop,deployment=web",shop,Deployment,web,'
	check "... web scaled up by the checks, to 12" test "$(replicas web)" = 12
	check "... api too, to 10" test "$(replicas api)" = 10
	check "... each within scale's limits per run (100 %, 4 pods), rows react-scaled" sh -c "
		grep -q ',\"namespace=shop,deployment=web\",shop,Deployment,web,[0-9]*,12,[0-9]*,react-scaled,' '$T/r1.out' &&
		grep -q ',\"namespace=shop,deployment=api\",shop,Deployment,api,[0-9]*,10,10,react-scaled,' '$T/r1.out'"
	check "... never above the reactive rule's count" sh -c "! grep -q ',react-scaled,' '$T/r1.out' ||
		! awk -F, '/react-scaled/ && \$9 > \$8 { bad = 1 } END { exit !bad }' '$T/r1.out'"
	check "... held is paused: 2 still, never scaled" test "$(replicas held)" = 2
	check "... held: no react-scaled row" sh -c "! grep -q 'deployment=held.*react-scaled' '$T/r1.out'"
	# each workload's last check that scaled up, for the next decisions'
	# --check-hold: when, its count, the load it met; none for held
	check "... checks.state: web's last check (12 at 900), api's (10 at 800), none for held" sh -c "
		grep -q '^[0-9]*,\"namespace=shop,deployment=web\",12,900\$' '$T/rstate/checks.state' &&
		grep -q '^[0-9]*,\"namespace=shop,deployment=api\",10,800\$' '$T/rstate/checks.state' &&
		! grep -q deployment=held '$T/rstate/checks.state' && test \$(wc -l < '$T/rstate/checks.state') = 2"
	wchk=$(sed -n 's/^\([0-9]*\),"namespace=shop,deployment=web",.*/\1/p' "$T/rstate/checks.state")
	err_has "fleet tick, shard 0/4: the checks scaled up"
	check "... their count pushed: scalepipe_fleet_react_scaleups{shard=0}" sh -c "
		grep -q -- '--job scalepipe-fleet-checks --grouping shard=0 -c react_scaleups=scalepipe_fleet_react_scaleups' '$T/pushed' &&
		test \"\$(tail -n 1 '$T/pushed' | cut -d, -f2)\" = \$(grep -c react-scaled '$T/r1.out')"
	awk -F, -v e="$nowm" 'NR == 1 || $1 == e' "$T/all2.csv" > "$T/fresh.csv"   # (what --since-state fetches)
	ts0=$(date +%s)
	t "REACT_EVERY: the next tick, no room for a check" 0 rtick TICK_DEADLINE=6
	ts1=$(date +%s)
	check "... its decisions start from the server's counts (current 12, 10, on each newest row)" sh -c "
		grep -q ',\"namespace=shop,deployment=web\",.*,12$T3\$' '$T/rwork/demand.csv' &&
		grep -q ',\"namespace=shop,deployment=api\",.*,10$T3\$' '$T/rwork/demand.csv' &&
		test \$(grep -c ',1[02]$T3\$' '$T/rwork/demand.csv') = 2 && head -n 1 '$T/rwork/demand.csv' | grep -q ',current,check_replicas,check_load,check_at\$'"
	check "... no check ran" sh -c "! grep -q react- '$T/out'"
	# the newest rows carry the last check (plan's check_replicas,
	# check_load, check_at): its time moved by the row's lead over the
	# tick's clock (the decision timed by its row, STEP 60), so that
	# plan's age of it is the clock's; held has none
	check "... the newest rows: web's check (12, 900, its time + the row's lead), held none" sh -c "
		awk -F, -v c=$wchk -v s0=$ts0 -v s1=$ts1 'FNR == 1 { next } /deployment=web/ { w = \$0; t = \$1 } END {
			n = split(w, f, \",\"); if (!(f[n - 2] == 12 && f[n - 1] == 900 && f[n] >= c + t - s1 && f[n] <= c + t - s0)) exit 1 }' \
			'$T/rwork/demand.csv' &&
		grep 'deployment=held' '$T/rwork/demand.csv' | tail -n 1 | grep -q ',,,\$'"
	# the same minute again (rows further apart than the CronJob's
	# minute): no new points, no decision, but the checks run on the
	# workloads decided last, from the server's counts (the tick before
	# set web 4 and api 2): web at 1600 needs 20 pods, 4 -> 8 at the first
	# check (scale's 100 % a run), api at 800 10, 2 -> 6; held is paused
	t "REACT_EVERY: no new points, the checks still run" 0 rtick TICK_DEADLINE=18 CHECKS="web:1600 api:800 held:900"
	err_has "no new points: nothing to decide"
	out_has ',"namespace=shop,deployment=web",shop,Deployment,web,4,20,8,react-scaled,'
	out_has ',"namespace=shop,deployment=api",shop,Deployment,api,2,10,6,react-scaled,'
	check "... web at least 8 on the server" test "$(replicas web)" -ge 8
	check "... held still 2" test "$(replicas held)" = 2
	check "... no decision rows" sh -c "! grep -v react- '$T/out' | grep -q ',shop,Deployment,'"
	# without a decision before (no state): nothing at all
	mkdir "$T/rstate3"
	echo timestamp,series,load > "$T/empty.csv"
	t "REACT_EVERY: no new points and no decision before: nothing" 0 rtick TICK_DEADLINE=18 STATE_DIR="$T/rstate3" NOW="$T/empty.csv"
	check "... no check ran" sh -c "! grep -q react- '$T/out'"
	mkdir "$T/rstate2"
	cp "$T/all2.csv" "$T/fresh.csv"
	t "SHADOW: no checks, no current" 0 rtick TICK_DEADLINE=16 SHADOW=true STATE_DIR="$T/rstate2"
	check "... nothing react-" sh -c "! grep -q react- '$T/out' && ! head -n 1 '$T/rwork/demand.csv' | grep -q current"
	# STEP 300 (rows five minutes apart): the minutes between two rows
	# decide each workload's pending row again, on REACT_QUERY's newest
	# value (recent_load) at the tick's time (decided_at), from its
	# target's replicas (current); the row pending until then, once its
	# load is in, is decided again with what it was decided with
	# (pending.state).  Workload "five", about 250 (4 pods).
	now5=$(( $(date +%s) / 300 * 300 ))
	awk -v e="$now5" 'BEGIN { print "timestamp,series,load"
		for (i = 41; i >= 1; i--) print e - 300 * i ",\"namespace=shop,deployment=five\"," 250 + (i % 3) * 5 }' > "$T/five.csv"
	mkdir "$T/rstate5"
	ftick() {  # the tick at STEP 300 on $T/five.csv (MAX_AGE 1h: the newest point 5-10 minutes old by the clock)
		rtick STEP=300 WINDOW_ARGS="--resample 300 --fill linear" STATE_DIR="$T/rstate5" NOW="$T/five.csv" TICK_DEADLINE=6 MAX_AGE=1h "$@"
	}
	t "STEP 300: the newest row's recent load, time and count" 0 ftick CHECKS=five:250
	check "... plan's input: current, recent_load, decided_at on the pending row" sh -c "
		head -n 1 '$T/rwork/demand.csv' | grep -q ',current,recent_load,decided_at,check_replicas,check_load,check_at\$' &&
		tail -n 1 '$T/rwork/demand.csv' | grep -q '^$now5,\"namespace=shop,deployment=five\",.*,4,250,[0-9]*$T3\$'"
	check "... pending.state: the row, what it was decided with, its count" sh -c "
		test \$(wc -l < '$T/rstate5/pending.state') = 2 &&
		head -n 1 '$T/rstate5/pending.state' | grep -q ',current,recent_load,decided_at,check_replicas,check_load,check_at,replicas\$' &&
		grep -q '^$now5,\"namespace=shop,deployment=five\",.*,4,250,[0-9]*$T3,4\$' '$T/rstate5/pending.state'"
	at1=$(awk -F, 'NR == 2 { print $(NF - 4) }' "$T/rstate5/pending.state")
	# a minute on, no new point, the load now 1600: ceil(1600 / 80.68) = 20,
	# 4 -> 8 (scale's 100 % a run) by the decision itself
	sleep 1
	t "STEP 300: no new point, the pending row decided again" 0 ftick CHECKS=five:1600
	err_has "no new points: each workload's pending row decided again"
	out_has ',"namespace=shop,deployment=five",shop,Deployment,five,4,20,8,scaled,'
	check "... five at 8 on the server" test "$(replicas five)" = 8
	check "... pending.state: decided again at 1600, 20 pods" grep -q "^$now5,\"namespace=shop,deployment=five\",.*,4,1600,[0-9]*$T3,20\$" "$T/rstate5/pending.state"
	at2=$(awk -F, 'NR == 2 { print $(NF - 4) }' "$T/rstate5/pending.state")
	# (each minute's by its time: a count of the window's recommendations
	# stays level when the clock crosses a five-minute mark between the
	# ticks, the oldest row leaving the window as the minute comes in)
	check "... plan's state remembers both minutes' recommendations" sh -c "
		test '$at1' != '$at2' && grep -q '^stabilise_rec $at1 ' '$T/rstate5/plan.state' &&
		grep -q '^stabilise_rec $at2 20\$' '$T/rstate5/plan.state'"
	# without the checks: from the count the row was given (20), the load
	# back at 250: the scale-down held by the stabilisation window (3600 s;
	# a second on: a decision at the same second replaces the one before)
	sleep 1
	t "STEP 300, no checks: from the count it set, held" 0 ftick CHECKS=five:250 REACT_EVERY=0
	check "... plan's input: current 20 (its own count), recent 250" grep -q ",20,250,[0-9]*\$" "$T/rwork/pending-in.csv"
	out_has ',"namespace=shop,deployment=five",shop,Deployment,five,8,20,'
	# the pending row's point comes in: plan decides it again with what it
	# was decided with last (kept above), and the next row is pending
	cp "$T/rstate5/pending.state" "$T/pend5.before"
	{ cat "$T/five.csv"; echo "$now5,\"namespace=shop,deployment=five\",260"; } > "$T/five2.csv"
	t "STEP 300: the row's load in" 0 ftick CHECKS=five:250 NOW="$T/five2.csv"
	# (kept by name: the row was decided without the checks, so without the
	# check columns, which the row decided again has empty; the key has a
	# comma: a row's fields one more than the header's)
	kept5=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i + 1; next }
		NR == 2 { print $c["current"] "," $c["recent_load"] "," $c["decided_at"] }' "$T/pend5.before")
	check "... decided again with the values kept" grep -q "^$now5,\"namespace=shop,deployment=five\",260,.*,$kept5,,,\$" "$T/rwork/demand.csv"
	check "... the next row pending" grep -q "^$((now5 + 300)),\"namespace=shop,deployment=five\"," "$T/rstate5/pending.state"
	# two workloads, a point in for one only ("five"): the other's ("six")
	# pending row is decided again in the same tick, at 1600 20 pods, 4 ->
	# 8 by scale's limit (before, it waited for a tick without new points);
	# a third ("seven"), whose points end two steps earlier, has no
	# pending row (its step ended a step ago or more): decided again no more;
	# two young ones, fewer rows than arfit's window (30): plan's load rule
	# on the newest load, never down: "eight" at 1600, 20 pods, 4 -> 8 by
	# scale's limit, "nine" at 100, 2 pods, held at its 4
	awk -v e="$now5" 'BEGIN { print "timestamp,series,load"
		for (i = 41; i >= 1; i--) { print e - 300 * i ",\"namespace=shop,deployment=five\"," 250 + (i % 3) * 5
			print e - 300 * i ",\"namespace=shop,deployment=six\"," 250 + (i % 3) * 5
			if (i >= 3) print e - 300 * i ",\"namespace=shop,deployment=seven\"," 250 + (i % 3) * 5
			if (i <= 10) { print e - 300 * i ",\"namespace=shop,deployment=eight\",1600"
				print e - 300 * i ",\"namespace=shop,deployment=nine\",100" }
			if (i <= 29) print e - 300 * i ",\"namespace=shop,deployment=ten\"," 800 + (i % 3) * 5 } }' > "$T/six.csv"
	mkdir "$T/rstate6"
	t "STEP 300, five workloads: two rows pending, two young" 0 ftick STATE_DIR="$T/rstate6" NOW="$T/six.csv" \
		CHECKS="five:250 six:250 seven:250 eight:1600 nine:100 ten:800"
	err_has "3 workloads without a forecast yet (fewer rows than arfit's window): plan's load rule on their newest load, never down"
	out_has ',"namespace=shop,deployment=eight",shop,Deployment,eight,4,20,8,scaled,'
	out_has ',"namespace=shop,deployment=nine",shop,Deployment,nine,4,4,4,unchanged,'
	check "... eight at 8, nine at 4 on the server" test "$(replicas eight) $(replicas nine)" = "8 4"
	check "... scale's input: eight at its newest point; the others' rows as plan's" sh -c "
		grep -q '^$((now5 - 300)),\"namespace=shop,deployment=eight\",20,$((now5 - 300))\$' '$T/rwork/scale-in.csv' &&
		grep -q '^$now5,\"namespace=shop,deployment=five\",[0-9]*,\$' '$T/rwork/scale-in.csv'"
	check "... the young ones among the workloads checked" sh -c "grep -q 'deployment=eight' '$T/rstate6/decided.keys' &&
		grep -q 'deployment=five' '$T/rstate6/decided.keys'"
	check "... pending.state: one row each, none for seven" sh -c "test \$(wc -l < '$T/rstate6/pending.state') = 3 &&
		grep -q '^$now5,\"namespace=shop,deployment=six\",.*,4,250,[0-9]*$T3,4\$' '$T/rstate6/pending.state' &&
		! grep -q 'deployment=seven' '$T/rstate6/pending.state' &&
		grep -q '^$((now5 - 600)),\"namespace=shop,deployment=seven\",' '$T/rwork/plan.csv'"
	{ cat "$T/six.csv"; echo "$now5,\"namespace=shop,deployment=five\",260"
	  echo "$now5,\"namespace=shop,deployment=eight\",1600"; echo "$now5,\"namespace=shop,deployment=nine\",100"
	  echo "$now5,\"namespace=shop,deployment=ten\",805"; } > "$T/six2.csv"
	sleep 1
	t "STEP 300: a new point for one workload, the other's pending row decided again" 0 ftick STATE_DIR="$T/rstate6" \
		NOW="$T/six2.csv" CHECKS="five:250 six:1600 seven:1600 eight:1600 nine:100 ten:800"
	out_has ',"namespace=shop,deployment=six",shop,Deployment,six,4,20,8,scaled,'
	check "... six at 8 on the server" test "$(replicas six)" = 8
	check "... plan's input: six's pending row, current 4, recent 1600, after five's rows" sh -c "
		tail -n 1 '$T/rwork/demand.csv' | grep -q '^$now5,\"namespace=shop,deployment=six\",,.*,4,1600,[0-9]*$T3\$' &&
		grep -q '^$now5,\"namespace=shop,deployment=five\",260,' '$T/rwork/demand.csv' &&
		! grep -q 'deployment=seven' '$T/rwork/demand.csv'"
	check "... seven not decided: 4 on the server" test "$(replicas seven)" = 4
	out_has ',"namespace=shop,deployment=eight",shop,Deployment,eight,8,20,16,scaled,'
	# "ten", young at 29 rows (its load rule, 800: 10 pods, 4 -> 8), has
	# its 30th: its first forecast, a pending row alone, given to scale
	# at its newest point (before: held as stale, no point to date it)
	out_has ',"namespace=shop,deployment=ten",shop,Deployment,ten,8,10,10,scaled,'
	check "... ten's row at its newest point in scale's input" \
		grep -q "^$now5,\"namespace=shop,deployment=ten\",10,$now5\$" "$T/rwork/scale-in.csv"
	check "... scale's input: six's row at its newest point, that point the freshness of both" sh -c "
		grep -q '^$((now5 - 300)),\"namespace=shop,deployment=six\",20,$((now5 - 300))\$' '$T/rwork/scale-in.csv' &&
		grep -q '^$now5,\"namespace=shop,deployment=six\",20,$((now5 - 300))\$' '$T/rwork/scale-in.csv' &&
		grep -q '^$now5,\"namespace=shop,deployment=five\",[0-9]*,$now5\$' '$T/rwork/scale-in.csv'"
	check "... pending.state: six decided again at 1600 (20 pods), five's next row, ten's first" sh -c "
		grep -q '^$now5,\"namespace=shop,deployment=six\",.*,4,1600,[0-9]*$T3,20\$' '$T/rstate6/pending.state' &&
		grep -q '^$((now5 + 300)),\"namespace=shop,deployment=five\",' '$T/rstate6/pending.state' &&
		grep -q '^$((now5 + 300)),\"namespace=shop,deployment=ten\",' '$T/rstate6/pending.state' &&
		test \$(wc -l < '$T/rstate6/pending.state') = 4"
	# a minute on, no new point: the pending rows decided again, and the
	# checks (every 2 s here) cover the young workloads too, which have
	# none (eight and nine, young still, had a point in the tick before:
	# eight 8 -> 16 by its load rule): eight at 3200, 40 pods, 16 -> 32 at
	# the first check
	sleep 1
	t "STEP 300, no new point: the checks cover the young workloads too" 0 ftick STATE_DIR="$T/rstate6" NOW="$T/six2.csv" \
		TICK_DEADLINE=16 CHECKS="five:250 six:1600 seven:1600 eight:3200 nine:100"
	err_has "no new points: each workload's pending row decided again"
	out_has ',"namespace=shop,deployment=eight",shop,Deployment,eight,16,40,32,react-scaled,'
	check "... its decisions, the pending rows' (five, six, ten) alone" sh -c "
		test \$(grep -c ',shop,Deployment,[a-z]*,[0-9]*,[0-9]*,[0-9]*,\(scaled\|unchanged\),' '$T/out') = 3"
	t "STEP not a number" 1 rtick STEP=5m
	err_has "fleet tick: STEP must be a number of seconds: '5m'"
	t "REACT_EVERY not a number" 1 rtick REACT_EVERY=15s
	err_has "fleet tick: REACT_EVERY must be a number of seconds: '15s'"
	mkdir "$T/nostate"
	t "SCALE_ARGS: only scale's limits, refused before anything" 1 rtick SCALE_ARGS="--max-up-pods 1 --force" STATE_DIR="$T/nostate"
	err_has "fleet tick: SCALE_ARGS: '--force' is not one of scale's limits"
	check "... nothing done (no state written)" test -z "$(ls -A "$T/nostate")"
	t "TICK_DEADLINE not a number" 1 rtick TICK_DEADLINE=1m
	err_has "fleet tick: TICK_DEADLINE must be a number of seconds: '1m'"
fi
finish
