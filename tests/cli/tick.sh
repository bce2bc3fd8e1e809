#!/bin/sh
# scalepipe-tick (scripts/): options, N ticks against one continuous run on
# two shipped traces, failing and hung stages, cold start, gaps, a missing
# newest point, shadow, the kill switch, state, metrics; then scale against
# the test API server (tests/kubeapi) when python3 and openssl are there.
. "$TOP/tests/cli/lib.sh"
TICK=$TOP/scripts/scalepipe-tick
tick() { bash "$TICK" "$@"; }
unset KUBECONFIG KUBERNETES_SERVICE_HOST PROMETHEUS_URL PUSHGATEWAY_URL STATE_DIR SHADOW PAUSED REACT_QUERY \
	TEXTFILE_DIR TICK_TIMEOUTS TICK_DEADLINE QUERY HISTORY STEP WINDOW_ARGS ARFIT_ARGS MODEL \
	FORECAST_ARGS SELECT SELECT_ARGS SEASON SEASON_ARGS BURSTDETECT_ARGS PLAN_ARGS TARGET_NAMESPACE TARGET_KIND TARGET_NAME SCALE_MODE MAX_AGE
HOME=$T/home; export HOME
CURVE=$TOP/data/bascaler_fft_service_curve.csv
# generous timeouts: the tools may run under valgrind
TICK_TIMEOUTS=promfetch=100,window=100,forecast=300,alt=100,season=100,select=50,burstdetect=100,plan=100,scale=100,publish=20,current=20,react=100
TICK_DEADLINE=1100
export TICK_TIMEOUTS TICK_DEADLINE
PLAN="--policy burst --slo 16 --min 1 --max 100000 --curve $CURVE --stabilise 900 --ramp-down 2"
cat > "$T/c.conf" <<EOF
# 5-minute steps, a short AR window: cheap
HISTORY=30d
STEP=300
WINDOW_ARGS=--resample 300 --fill linear
ARFIT_ARGS="--rolling --window 48 --horizon 6"
PLAN_ARGS=$PLAN
TARGET_NAMESPACE=shop
TARGET_NAME=web
EOF

# ---- options --------------------------------------------------------------
t "--help" 0 tick --help
out_has "usage: scalepipe-tick [--config FILE]"
t "--version" 0 tick --version
out_has "scalepipe-tick (scalepipe)"
# the man page's OPTIONS are exactly the long options of --help
hopts=$(bash "$TICK" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
mopts=$(mandoc -Tascii "$TOP/man/man1/scalepipe-tick.1" 2>/dev/null | col -b |
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p; /^OPTIONS/,/^EXIT STATUS/p' | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
check "man page and --help name the same options" test "$hopts" = "$mopts"
check "mandoc -Tlint scalepipe-tick.1" sh -c "! mandoc -Tlint -W warning '$TOP/man/man1/scalepipe-tick.1' 2>&1 | grep ."
t "no target" 2 tick --from-csv "$TOP/data/nasa_http_1995_rpm.csv" --now 1 --config /dev/null
err_has "scalepipe-tick: no target: TARGET_NAME in the config, or KIND/NAME"
t "no service model" 2 tick --from-csv "$TOP/data/nasa_http_1995_rpm.csv" --now 1 deployment/web
err_has "PLAN_ARGS is empty: the service model"
t "timeouts over the deadline" 2 tick -c "$T/c.conf" --deadline 55 --timeouts promfetch=40,forecast=10 --from-csv "$TOP/data/nasa_http_1995_rpm.csv"
err_has "scalepipe-tick: the stage timeouts sum to 71s, not below the deadline 55s"
t "unknown stage in --timeouts" 2 tick -c "$T/c.conf" --timeouts fetch=3 --from-csv "$TOP/data/nasa_http_1995_rpm.csv"
err_has "--timeouts: unknown stage 'fetch'"
t "bad config line" 2 tick -c "$TICK" --from-csv "$TOP/data/nasa_http_1995_rpm.csv"
err_has "scripts/scalepipe-tick:12: not KEY=VALUE"
t "option without its value" 2 tick --state-dir
err_has "scalepipe-tick: option '--state-dir' needs a value"
t "--now without --from-csv" 2 tick -c "$T/c.conf" --now 5
err_has "--now needs --from-csv"
t "--react-from-csv without --from-csv" 2 tick -c "$T/c.conf" --react-from-csv "$TOP/data/nasa_http_1995_rpm.csv"
err_has "scalepipe-tick: --react-from-csv needs --from-csv"
t "--react-from-csv unreadable" 2 tick -c "$T/c.conf" --from-csv "$TOP/data/nasa_http_1995_rpm.csv" --react-from-csv "$T/nope.csv"
err_has "scalepipe-tick: --react-from-csv: cannot read '$T/nope.csv'"
# deploy/configmap.yaml's timeouts, with its SELECT, SEASON and REACT_EVERY,
# sum below its deadline (a short history: the fallback, exit 0), also at
# c.conf's STEP 300, where recent= counts too (57 s)
cmv() { sed -n "s/^  $1: \"\\(.*\\)\" *\\(#.*\\)\\{0,1\\}\$/\\1/p" "$TOP/deploy/configmap.yaml"; }
check "the ConfigMap's keys read" test -n "$(cmv TICK_TIMEOUTS)" -a "$(cmv REACT_EVERY)" = 15
t "the ConfigMap's timeouts fit its deadline" 0 env TICK_TIMEOUTS="$(cmv TICK_TIMEOUTS)" TICK_DEADLINE="$(cmv TICK_DEADLINE)" \
	SELECT="$(cmv SELECT)" SEASON="$(cmv SEASON)" REACT_EVERY="$(cmv REACT_EVERY)" bash "$TICK" -c "$T/c.conf" \
	--from-csv "$TOP/data/nasa_http_1995_rpm.csv" --now 804571800
out_has ",fallback: short history"
check "the ConfigMap's deadline is the CronJobs' activeDeadlineSeconds" sh -c "grep -q 'activeDeadlineSeconds: $(cmv TICK_DEADLINE) ' \
	'$TOP/deploy/cronjob.yaml' && grep -q 'activeDeadlineSeconds: $(cmv TICK_DEADLINE) ' '$TOP/deploy/lstm/cronjob.yaml'"
t "... and a deadline equal to their sum does not" 2 env TICK_TIMEOUTS="$(cmv TICK_TIMEOUTS)" TICK_DEADLINE=57 \
	SELECT="$(cmv SELECT)" SEASON="$(cmv SEASON)" REACT_EVERY="$(cmv REACT_EVERY)" bash "$TICK" -c "$T/c.conf" \
	--from-csv "$TOP/data/nasa_http_1995_rpm.csv" --now 804571800
err_has "the stage timeouts sum to 57s, not below the deadline 57s"
t "... at the ConfigMap's STEP 60 recent= does not count" 2 env TICK_TIMEOUTS="$(cmv TICK_TIMEOUTS)" TICK_DEADLINE=54 \
	SELECT="$(cmv SELECT)" SEASON="$(cmv SEASON)" REACT_EVERY="$(cmv REACT_EVERY)" STEP="$(cmv STEP)" bash "$TICK" -c "$T/c.conf" \
	--from-csv "$TOP/data/nasa_http_1995_rpm.csv" --now 804571800
err_has "the stage timeouts sum to 54s, not below the deadline 54s"

# The tick is a script: under valgrind (the tools' memory is checked by their
# own tests) one tick through every stage is enough.
if [ -n "${SP_VALGRIND:-}" ]; then
	head -n 61 "$TOP/data/worldcup98_19980530_0630_5m.csv" > "$T/vg.csv"
	t "one tick under valgrind" 0 tick -c "$T/c.conf" --state-dir "$T/vg" --from-csv "$T/vg.csv" --now 896582700
	out_has "896583000,shop,deployment,web,"
	out_has ",replay,"
	finish
	exit
fi

# ---- N ticks give exactly the decisions of one continuous run ----------------------
# The continuous run is the chain over the whole trace in one pass; each tick
# sees only the rows up to its time.  Ticks from the middle of the trace on.
ntick=4 rows=480
same_as_continuous() {  # trace
	head -n $((rows + 1)) "$1" > "$T/tr.csv"
	window --resample 300 --fill linear < "$T/tr.csv" | arfit --rolling --window 48 --horizon 6 \
		| burstdetect | plan $PLAN > "$T/cont.csv" || return 1
	rm -rf "$T/eqst"
	# consecutive ticks at the end, spaced ones before
	for tt in $(awk -F, -v n="$rows" -v k="$ntick" 'NR > 1 + n / 2 && NR % int(n / 2 / k) == 0 || NR > n - 1 { print $1 }' "$T/tr.csv"); do
		bash "$TICK" -c "$T/c.conf" --state-dir "$T/eqst" --from-csv "$T/tr.csv" --now "$tt" > "$T/one.csv" || return 1
		got=$(awk -F, 'NR == 2 { print $1 "," $5 "," $8 "," $9 }' "$T/one.csv")
		want=$(awk -F, -v t=$((tt + 300)) 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		    $1 == t { print $1 "," $(c["replicas"]) "," $(c["reason"]) ",0" }' "$T/cont.csv")
		[ -n "$want" ] && [ "$got" = "$want" ] || { echo "tick at $tt: got $got, want $want"; return 1; }
	done
	# and the decision log holds what the ticks printed, the replay matched it
	test "$(awk 'END { print NR - 1 }' "$T/eqst/decisions.csv")" -ge "$ntick" &&
		grep -qx 'replay_mismatch 0' "$T/eqst/tick.state"
}
check "N ticks = one continuous run: worldcup98 (5 min)" same_as_continuous "$TOP/data/worldcup98_19980530_0630_5m.csv"
check "N ticks = one continuous run: google cluster job (5 min)" same_as_continuous "$TOP/data/google_cluster2011_job6176858948_cpu_5m.csv"

# ---- N ticks with a sliding history: the states carry what it no longer holds ----------
# HISTORY of 100 steps, 300 rows, ticks every 50 steps from the first that
# can forecast (48 rows) to the end: each tick sees 100 rows, burstdetect and plan resume
# from burst.state and plan.state, and every tick's decision is the
# continuous run's.  A fallback tick in between (a newest point missing)
# leaves both states as they were.  Without the states the decisions drift.
# (The ticks above, with the whole trace as history, resume from the states
# too, on both traces; tests/cli/state.sh has the tools' slices.)
sed 's/^HISTORY=.*/HISTORY=500m/' "$T/c.conf" > "$T/slide.conf"
ticks_slide() {  # trace dir [no-state: stop at the first difference]
	head -n 301 "$1" > "$T/tr.csv"
	window --resample 300 --fill linear < "$T/tr.csv" | arfit --rolling --window 48 --horizon 6 \
		| burstdetect | plan $PLAN > "$T/cont.csv" || return 1
	rm -rf "$2"
	n=0 bad=0
	for tt in $(awk -F, 'NR > 48 && (NR - 49) % 50 == 0 || NR == 300 { print $1 }' "$T/tr.csv"); do
		n=$((n + 1))
		if [ "$n" = 4 ] && [ -z "${3:-}" ]; then
			# the newest point missing: a fallback, the states untouched
			cp "$2/burst.state" "$T/b0" && cp "$2/plan.state" "$T/p0" || return 1
			awk -F, -v e=$((tt - 600)) 'NR == 1 || $1 <= e' "$T/tr.csv" > "$T/hole.csv"
			bash "$TICK" -c "$T/slide.conf" --state-dir "$2" --from-csv "$T/hole.csv" --now "$tt" > "$T/one.csv" 2> "$T/one.err" || return 1
			grep -q 'fallback: newest point missing' "$T/one.csv" && cmp "$T/b0" "$2/burst.state" &&
				cmp "$T/p0" "$2/plan.state" || { echo "fallback tick at $tt touched the states"; return 1; }
		fi
		if [ -n "${3:-}" ]; then
			bash "$TICK" -c "$T/slide.conf" --from-csv "$T/tr.csv" --now "$tt" > "$T/one.csv" 2> /dev/null || return 1
		else
			bash "$TICK" -c "$T/slide.conf" --state-dir "$2" --from-csv "$T/tr.csv" --now "$tt" > "$T/one.csv" || return 1
		fi
		got=$(awk -F, 'NR == 2 { print $1 "," $5 "," $8 "," $9 }' "$T/one.csv")
		want=$(awk -F, -v t=$((tt + 300)) 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		    $1 == t { print $1 "," $(c["replicas"]) "," $(c["reason"]) ",0" }' "$T/cont.csv")
		[ -n "$want" ] && [ "$got" = "$want" ] || { bad=$((bad + 1)); echo "tick at $tt: got $got, want $want"; }
		[ "$bad" = 0 ] || [ -z "${3:-}" ] || return 1
	done
	echo "$n ticks, $bad differ"
	[ "$n" -ge 7 ] && [ "$bad" = 0 ]
}
check "N ticks, sliding history, states carried = one continuous run: worldcup98 (5 min)" \
	ticks_slide "$TOP/data/worldcup98_19980530_0630_5m.csv" "$T/sl1"
drifts() { ! ticks_slide "$@" > /dev/null; }
check "without the states the same ticks drift from the continuous run" \
	drifts "$TOP/data/worldcup98_19980530_0630_5m.csv" "$T/sl3" no-state

# ---- the daily report, from the decision log of the ticks above ---------------------------
REPORT=$TOP/scripts/scalepipe-report
t "report: --help" 0 sh "$REPORT" --help
out_has "usage: scalepipe-report [--since T]"
hopts=$(sh "$REPORT" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
mopts=$(mandoc -Tascii "$TOP/man/man1/scalepipe-report.1" 2>/dev/null | col -b |
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p; /^OPTIONS/,/^EXIT STATUS/p' | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
check "report: man page and --help name the same options" test "$hopts" = "$mopts"
t "report: CSV and summary" 0 sh "$REPORT" --since 0 --no-plot "$T/eqst" "$T/rep"
out_has "fallback ticks 0"
check "report.csv: a row per logged tick" test "$(awk 'END { print NR }' "$T/rep/report.csv")" = "$(awk 'END { print NR }' "$T/eqst/decisions.csv")"
check "report.csv header" sh -c "head -n 1 '$T/rep/report.csv' | grep -qx 'timestamp,tick,load,forecast,lower,upper,decided,cluster,diff,action,fallback,reason'"
if command -v gnuplot > /dev/null 2>&1; then
	t "report: the picture" 0 sh "$REPORT" "$T/eqst/decisions.csv" "$T/rep"
	check "report.png is a PNG" sh -c "head -c 8 '$T/rep/report.png' | grep -q PNG"
fi
t "report: not a decision log" 1 sh "$REPORT" "$CURVE" "$T/rep"
err_has "scalepipe-report: $CURVE: not a scalepipe-tick decision log (header)"

# ---- cold start, gaps, a missing newest point ----------------------------------------
head -n 21 "$TOP/data/worldcup98_19980530_0630_5m.csv" > "$T/short.csv"
t "cold start: short history falls back, reactive on the newest load" 0 tick -c "$T/c.conf" --from-csv "$T/short.csv" --now 896570700
out_is <<'EOF'
timestamp,namespace,kind,name,replicas,current,action,reason,fallback
896570700,shop,deployment,web,129,,replay,fallback: short history (20 of 48 rows); reactive ceil(load / w*) on the load at 896570700; never down,1
EOF
err_has "scalepipe-tick: fallback for deployment/web: short history (20 of 48 rows)"
mkdir -p "$T/cold"
printf 'scalepipe-tick-state 1\nlast_decision 400\nlast_decision_time 896570700\nend\n' > "$T/cold/tick.state"
# at STEP 300 the fallback reads REACT_QUERY's newest load when it is newer
# than the newest row: ceil(20000 / 80.68) = 248
printf 'timestamp,load\n896570790,20000\n' > "$T/short-recent.csv"
t "fallback at STEP 300: REACT_QUERY's newer load" 0 tick -c "$T/c.conf" --from-csv "$T/short.csv" \
	--react-from-csv "$T/short-recent.csv" --now 896570820
out_has "896570790,shop,deployment,web,248,,replay,fallback: short history (20 of 48 rows); reactive ceil(load / w*) on the load at 896570790 (REACT_QUERY); never down,1"
t "cold start never scales down from the last decision" 0 tick -c "$T/c.conf" --state-dir "$T/cold" --from-csv "$T/short.csv" --now 896570700
out_has ",400,400,replay,fallback: short history (20 of 48 rows); reactive ceil(load / w*) on the load at 896570700; never down (held at 400),1"
check "the state counts the fallback ticks" grep -qx 'fallback_ticks 1' "$T/cold/tick.state"
for i in 1 2 3 4; do
	STATE_KEEP=2 bash "$TICK" -c "$T/c.conf" --state-dir "$T/keep" --from-csv "$T/short.csv" --now $((896570700 + 300 * i)) > /dev/null 2>&1
done
check "the decision log is cut to STATE_KEEP rows" test "$(awk 'END { print NR }' "$T/keep/decisions.csv")" = 3
printf '896572200,896571900,13' >> "$T/keep/decisions.csv"
t "report: a cut last row is skipped" 0 sh "$TOP/scripts/scalepipe-report" --since 0 --no-plot "$T/keep" "$T/rep2"
out_has "ticks 2 ("
# leading gaps: empty loads before the data are not history
{ echo timestamp,load; awk -F, 'NR > 1 && NR <= 11 { print $1 "," } NR > 11 && NR <= 80 { print }' \
	"$TOP/data/worldcup98_19980530_0630_5m.csv"; } > "$T/lead.csv"
t "leading gaps are dropped, the rest forecasts" 0 tick -c "$T/c.conf" --from-csv "$T/lead.csv" --now 896588400
out_has "896588700,shop,deployment,web,142,,replay,reactive,0"
out_has ",replay,"
out_has ",0"
# STEP above 60: between two rows the decision's load rule reads the newest
# load (REACT_QUERY's; in a replay --react-from-csv's rows of the last two
# minutes): 30000 at +75..+180 needs ceil(30000 / 80.68) = 372 pods (w* at
# 16 ms); the row's own 9918 gives the stabilised 138
awk -v e=896588400 'BEGIN { print "timestamp,load"; for (i = 1; i <= 12; i++) print e + 15 * i "," (i <= 4 ? 10000 : 30000) }' > "$T/recent.csv"
t "STEP 300: the decision between rows reads the newest load" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --from-csv "$T/lead.csv" --react-from-csv "$T/recent.csv" --now 896588580
out_has "896588700,shop,deployment,web,372,,replay,reactive,0"
err_empty
t "STEP 300: without a recent load, the row's" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --from-csv "$T/lead.csv" --now 896588580
out_has "896588700,shop,deployment,web,138,,replay,stabilised,0"
err_is <<'EOF'
scalepipe-tick: warning: no recent load: REACT_QUERY has no value since 896588460: the decision reads the load at 896588400
EOF
# with the state kept, each minute decides the pending row again: the
# newest load at +60 (10000: 124 pods, stabilised 138), then at +180 (372)
mkdir -p "$T/rstate5"
t "STEP 300, a state: the first minute" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --state-dir "$T/rstate5" --from-csv "$T/lead.csv" --react-from-csv "$T/recent.csv" --now 896588460
out_has "896588700,shop,deployment,web,138,,replay,stabilised,0"
t "STEP 300, a state: three minutes on, decided again" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --state-dir "$T/rstate5" --from-csv "$T/lead.csv" --react-from-csv "$T/recent.csv" --now 896588580
out_has "896588700,shop,deployment,web,372,,replay,reactive,0"
check "... the pending row decided again is no replay mismatch" sh -c "grep -qx 'replay_mismatch 0' '$T/rstate5/tick.state' &&
	! grep -q 'replayed history' '$T/err'"
check "STEP 300, a state: what the pending row was decided with is kept" sh -c "grep -qx 'pending_t 896588700' '$T/rstate5/tick.state' &&
	grep -qx 'pending_recent 30000' '$T/rstate5/tick.state'"
check "... and the minute it was decided at" grep -qx 'pending_at 896588580' "$T/rstate5/tick.state"
# a minute later the newest load is back at 10000: plan's state remembers
# the 372 recommended at +180, within the --stabilise window (900 s), so
# the scale-down is held (before, each minute's decision was the row's and
# forgotten: 138)
cp -r "$T/rstate5" "$T/rstate7"
awk -v e=896588400 'BEGIN { print "timestamp,load"; for (i = 1; i <= 16; i++) print e + 15 * i "," (i <= 4 || i > 12 ? 10000 : 30000) }' > "$T/recent2.csv"
t "STEP 300, a state: the next minute's lower load, held" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --state-dir "$T/rstate7" --from-csv "$T/lead.csv" --react-from-csv "$T/recent2.csv" --now 896588640
out_has "896588700,shop,deployment,web,372,,replay,stabilised,0"
check "... plan's state holds the minutes' recommendations" sh -c "grep -q '^stabilise_rec 896588580 372$' '$T/rstate7/plan.state' &&
	grep -q '^stabilise_rec 896588640 ' '$T/rstate7/plan.state'"
# the next row comes in: the row decided at +180 is decided again from the
# state before it, with the newest load it had then, so the replay gives
# the 372 applied (with the row's own load it would give 138)
{ cat "$T/lead.csv"; echo 896588700,10500; } > "$T/lead2.csv"
cp -r "$T/rstate5" "$T/rstate6"
t "STEP 300, a state: the next row" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --state-dir "$T/rstate5" --from-csv "$T/lead2.csv" --now 896588700
check "... the replay gives the decision applied" grep -qx 'replay_mismatch 0' "$T/rstate5/tick.state"
check "... and keeps the new pending row's" sh -c "grep -qx 'pending_t 896589000' '$T/rstate5/tick.state' &&
	grep -qx 'pending_recent 10500' '$T/rstate5/tick.state'"
# a damaged value is not used (plan would refuse it): the row is decided
# again on its origin's load (138, not the 372 logged: one mismatch)
sed -i 's/^pending_recent .*/pending_recent 1e/' "$T/rstate6/tick.state"
t "STEP 300, a state: a damaged recent load in it is not used" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --state-dir "$T/rstate6" --from-csv "$T/lead2.csv" --now 896588700
out_has "896589000,shop,deployment,web,"
err_has "scalepipe-tick: warning: the replayed history gives 1 earlier decisions other than those logged"
printf 'timestamp,load\n896588550,-4\n' > "$T/recent-neg.csv"
t "STEP 300: a negative recent load is not read" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --from-csv "$T/lead.csv" --react-from-csv "$T/recent-neg.csv" --now 896588580
out_has "896588700,shop,deployment,web,138,,replay,stabilised,0"
err_has "scalepipe-tick: warning: no recent load: not a load >= 0 at 896588550: '-4': the decision reads the load at 896588400"
printf 'timestamp,load\n896588550,NaN\n' > "$T/recent-nan.csv"
t "STEP 300: nor a NaN" 0 env PLAN_ARGS="$PLAN --reactive load" \
	bash "$TICK" -c "$T/c.conf" --from-csv "$T/lead.csv" --react-from-csv "$T/recent-nan.csv" --now 896588580
err_has "no recent load: not a load >= 0 at 896588550: 'NaN'"
t "missing newest point: fallback on the last observed load" 0 tick -c "$T/c.conf" --from-csv "$T/lead.csv" --now 896590500
out_has "fallback: newest point missing (last observed 2100s ago); reactive ceil(load / w*) on the load at 896588400; never down,1"
t "no load at all: hold, nothing to do" 0 tick -c "$T/c.conf" --from-csv "$T/lead.csv" --now 896567000
err_has "scalepipe-tick: fallback: no load and no replica count: nothing to do"
out_is /dev/null

# ---- failing and hung stages: nothing scaled --------------------------------------------
t "a failing stage names itself, exit 1" 1 env ARFIT_ARGS="--rolling --window 48 --frob" \
	bash "$TICK" -c "$T/c.conf" --state-dir "$T/fail" --textfile-dir "$T" --from-csv "$T/lead.csv" --now 896588400
err_has "scalepipe-tick: stage forecast failed (exit 2): nothing scaled"
out_is /dev/null
check "its state says so and keeps no decision" sh -c "grep -qx 'last_exit 1' '$T/fail/tick.state' && ! test -e '$T/fail/decisions.csv'"
check "its metrics say so" grep -qx 'scalepipe_tick_stage_exit_code{namespace="shop",target="web",stage="forecast"} 2' "$T/scalepipe_tick_shop_web.prom"
mkdir -p "$T/hang"
printf '#!/bin/sh\nexec sleep 30\n' > "$T/hang/burstdetect"
chmod +x "$T/hang/burstdetect"
t "a hung stage times out, exit 3" 3 env PATH="$T/hang:$PATH" TICK_TIMEOUTS=burstdetect=1,forecast=300 \
	bash "$TICK" -c "$T/c.conf" --from-csv "$T/lead.csv" --now 896588400
err_has "scalepipe-tick: stage burstdetect timed out after 1s: nothing scaled"

# ---- state, shadow, kill switch, metrics -------------------------------------------------
mkdir -p "$T/bad"
printf 'scalepipe-tick-state 9\nend\n' > "$T/bad/tick.state"
t "corrupt state: a warning and a recompute" 0 tick -c "$T/c.conf" --state-dir "$T/bad" --from-csv "$T/lead.csv" --now 896588400
err_has "scalepipe-tick: warning: state: $T/bad/tick.state is corrupt or of another version: recomputing from history"
check "the state is rewritten" sh -c "head -n 1 '$T/bad/tick.state' | grep -qx 'scalepipe-tick-state 1'"
t "shadow: decides, never scales" 0 tick -c "$T/c.conf" --shadow --from-csv "$T/lead.csv" --now 896588400
out_has ",shadow,"
mkdir -p "$HOME/.kube"
printf 'apiVersion: v1\nkind: Config\n' > "$HOME/.kube/config"
t "a replay never uses the default kubeconfig" 0 env KUBECONFIG="$HOME/.kube/config" \
	bash "$TICK" -c "$T/c.conf" --from-csv "$T/lead.csv" --now 896588400
out_has ",replay,"
rm -r "$HOME/.kube"
t "kill switch: PAUSED=true does nothing, says so" 0 env PAUSED=true \
	bash "$TICK" -c "$T/c.conf" --textfile-dir "$T" --from-csv "$T/lead.csv" --now 896588400
err_is <<'EOF'
scalepipe-tick: paused (PAUSED=true): doing nothing for deployment/web
EOF
check "paused metric" grep -qx 'scalepipe_tick_paused{namespace="shop",target="web"} 1' "$T/scalepipe_tick_shop_web.prom"
t "metrics of a good tick" 0 tick -c "$T/c.conf" --textfile-dir "$T" --from-csv "$T/lead.csv" --now 896588400
check "last success, decision, forecast error" sh -c "grep -q '^scalepipe_tick_last_success_timestamp_seconds{namespace=\"shop\",target=\"web\"} 896588400$' '$T/scalepipe_tick_shop_web.prom' &&
	grep -q '^scalepipe_tick_decision_replicas{' '$T/scalepipe_tick_shop_web.prom' &&
	grep -q '^scalepipe_tick_forecast_relative_error{' '$T/scalepipe_tick_shop_web.prom' &&
	grep -q '^scalepipe_planned_replicas{' '$T/scalepipe_shop_web.prom'"
if command -v promtool > /dev/null 2>&1; then
	check "promtool check metrics" sh -c "promtool check metrics < '$T/scalepipe_tick_shop_web.prom'"
fi

# ---- against the test API server: scale, and the fallback never scales down -----------
PY=/usr/bin/python3
if [ -x $PY ] && command -v openssl > /dev/null && command -v curl > /dev/null; then
	. "$TOP/tests/kubeapi/netlib.sh"
	printf 'Deployment shop web 4\nDeployment shop api 3\nDeployment shop held 2 scalepipe.io/paused=true\nDeployment shop rx 7\nDeployment shop lim 3\nDeployment shop rq 7\nDeployment shop rq2 7\nDeployment shop ck 7\nDeployment shop ck2 7\n' > "$T/objects"
	kubeapi_serve "$T/objects" || { echo "0 passed, 1 failed"; exit 1; }
	# a fresh series at 60 s steps ending now: 10 rows of 100 (reactive: 2 replicas)
	nowg=$(( $(date +%s) / 60 * 60 ))
	awk -v e="$nowg" 'BEGIN { print "timestamp,load"; for (i = 9; i >= 0; i--) print e - 60 * i ",100" }' > "$T/fresh.csv"
	cat > "$T/k.conf" <<EOF
HISTORY=1h
STEP=60
WINDOW_ARGS=--resample 60 --fill linear
ARFIT_ARGS=--rolling --window 30 --horizon 3
PLAN_ARGS=--policy burst --slo 16 --min 1 --max 50 --curve $CURVE
TARGET_NAMESPACE=shop
EOF
	t "first tick on a short history against 4 replicas: held at 4" 0 tick -c "$T/k.conf" --kubeconfig "$T/kc" \
		--from-csv "$T/fresh.csv" --now "$nowg" deployment/web
	out_has ",shop,deployment,web,4,4,unchanged,fallback: short history (10 of 30 rows); reactive ceil(load / w*) on the load at $nowg; never down (held at 4),1"
	awk -v e="$nowg" 'BEGIN { print "timestamp,load"; for (i = 9; i >= 0; i--) print e - 60 * i ",900" }' > "$T/up.csv"
	t "a fallback may scale up" 0 tick -c "$T/k.conf" --kubeconfig "$T/kc" --from-csv "$T/up.csv" --now "$nowg" deployment/api
	out_has ",shop,deployment,api,12,3,scaled,fallback: short history"
	t "SCALE_ARGS: scale's limits per run reach scale" 0 env SCALE_ARGS="--max-up-pct 0 --max-up-pods 1" \
		bash "$TICK" -c "$T/k.conf" --kubeconfig "$T/kc" --from-csv "$T/up.csv" --now "$nowg" deployment/lim
	out_has ",shop,deployment,lim,12,3,scaled,fallback: short history"
	check "... one pod more on the server: 4" test "$(curl -sf --cacert "$K/ca.pem" -H 'Authorization: Bearer tok-ci-SECRET-0123456789' \
		"https://127.0.0.1:$PORT/apis/apps/v1/namespaces/shop/deployments/lim/scale" | sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p')" = 4
	t "SCALE_ARGS: only scale's limits" 2 env SCALE_ARGS="--max-up-pods 1 --force" \
		bash "$TICK" -c "$T/k.conf" --kubeconfig "$T/kc" --from-csv "$T/up.csv" --now "$nowg" deployment/lim
	err_has "scalepipe-tick: SCALE_ARGS: '--force' is not one of scale's limits (--down-stabilisation, --max-down-pct, --max-up-pct, --max-up-pods)"
	t "shadow reads the replicas, changes nothing" 0 tick -c "$T/k.conf" --kubeconfig "$T/kc" --shadow \
		--from-csv "$T/up.csv" --now "$nowg" deployment/web
	out_has ",shop,deployment,web,12,4,shadow,"
	awk -v e="$nowg" 'BEGIN { print "timestamp,load"; for (i = 39; i >= 0; i--) print e - 60 * i "," 700 + (i % 3) * 10 }' > "$T/long.csv"
	t "a forecast decision is applied" 0 tick -c "$T/k.conf" --kubeconfig "$T/kc" --from-csv "$T/long.csv" --now "$nowg" deployment/web
	out_has ",shop,deployment,web,"
	out_has ",4,scaled,"
	out_has ",0"
	t "an unreachable API: the decision is not applied, exit 4" 4 tick -c "$T/k.conf" --kubeconfig "$T/kc" \
		--from-csv "$T/long.csv" --now "$nowg" deployment/nope
	err_has "scalepipe-tick: stage scale failed"
	# the kill switch on the target itself: the annotation scalepipe.io/paused
	held_replicas() {
		curl -sf --cacert "$K/ca.pem" -H 'Authorization: Bearer tok-ci-SECRET-0123456789' \
			"https://127.0.0.1:$PORT/apis/apps/v1/namespaces/shop/deployments/held/scale" |
			sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p'
	}
	printf 'timestamp,load,replicas\n%s,100,5\n' "$nowg" > "$T/five.csv"
	t "scale: an annotated target is not moved, and it says so" 0 scale --kubeconfig "$T/kc" deployment/held "$T/five.csv"
	out_has ",shop,Deployment,held,2,5,2,paused,"
	err_is <<'EOF'
scale: deployments/held carries scalepipe.io/paused: true: not scaling it from 2 to 5
EOF
	check "the server still holds 2" test "$(held_replicas)" = 2
	t "scale: --force does not pass the kill switch, --dry-run reports it" 0 scale --kubeconfig "$T/kc" --force --dry-run deployment/held "$T/five.csv"
	out_has ",held,2,5,2,paused,"
	t "scale: no annotation, the same input scales" 0 scale --kubeconfig "$T/kc" --max-down-pct 100 deployment/api "$T/five.csv"
	out_has ",shop,Deployment,api,"
	out_has ",5,5,scaled,"
	t "the tick: paused by the annotation, exit 0" 0 tick -c "$T/k.conf" --kubeconfig "$T/kc" --textfile-dir "$T" \
		--from-csv "$T/long.csv" --now "$nowg" deployment/held
	out_has ",shop,deployment,held,"
	out_has ",2,paused,"
	err_has "scale: deployments/held carries scalepipe.io/paused: true: not scaling it from 2 to "
	check "the tick's paused metric is 1" grep -qx 'scalepipe_tick_paused{namespace="shop",target="held"} 1' "$T/scalepipe_tick_shop_held.prom"
	check "and the server still holds 2" test "$(held_replicas)" = 2

	# ---- REACT_EVERY: checks between decisions, up only -----------------------------
	# 40 minutes of about 700 (a decision of 9 pods on rx's 7), then with
	# REACT_EVERY=300 three checks in the deadline's 1100 s (at +300, +600,
	# +900; each check's 100 s inside 1095): 2000 at +300 (above what 9
	# serve: the react margin's ceil(2000 x 1.4 / w*) = 35 pods, w* 80.68 the
	# curve's at 16 ms; scale's --max-up-pct 100 sets 18), 1000 at +600 (13
	# with the 18 serving it: kept, never down), nothing new at +900
	# (kept).  In the past, within MAX_AGE.
	nowr=$(( ($(date +%s) - 1200) / 60 * 60 ))
	awk -v e="$nowr" 'BEGIN { print "timestamp,load"; for (i = 39; i >= 0; i--) print e - 60 * i "," 700 + (i % 3) * 10
	    print e + 300 ",2000"; print e + 600 ",1000" }' > "$T/react.csv"
	rx_replicas() {
		curl -sf --cacert "$K/ca.pem" -H 'Authorization: Bearer tok-ci-SECRET-0123456789' \
			"https://127.0.0.1:$PORT/apis/apps/v1/namespaces/shop/deployments/rx/scale" |
			sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p'
	}
	{ grep -v PLAN_ARGS "$T/k.conf"; echo "PLAN_ARGS=--policy scalepipe --slo 16 --min 1 --max 50 --curve $CURVE"
	  echo MAX_AGE=1h; echo REACT_EVERY=300; } > "$T/r.conf"
	mkdir -p "$T/rstate"
	t "REACT_EVERY: the decision, then checks that only scale up" 0 tick -c "$T/r.conf" --kubeconfig "$T/kc" \
		--state-dir "$T/rstate" --textfile-dir "$T" --from-csv "$T/react.csv" --now "$nowr" deployment/rx
	cp "$T/out" "$T/rx.out"
	out_has ",shop,deployment,rx,9,7,scaled,"
	out_has "$((nowr + 300)),shop,deployment,rx,18,9,react-scaled,react: load 2000 at $((nowr + 300)); the reactive rule gives 35,0"
	check "REACT_EVERY: two rows, the decision and one scale-up" test "$(grep -c ',shop,deployment,rx,' "$T/rx.out")" = 2
	err_has "check at $((nowr + 900)): no load newer than $((nowr + 600)): kept 18"
	check "REACT_EVERY: the server holds 18" test "$(rx_replicas)" = 18
	check "REACT_EVERY: the log has the check's row" grep -q "^$((nowr + 300)),$nowr,18,9,react-scaled,react: load 2000" "$T/rstate/decisions.csv"
	check "REACT_EVERY: the state's last decision is the check's" grep -qx 'last_decision 18' "$T/rstate/tick.state"
	check "REACT_EVERY: the state keeps the check that scaled up (18, load 2000, when) for --check-hold" sh -c "
		grep -qx 'check_n 18' '$T/rstate/tick.state' && grep -qx 'check_load 2000' '$T/rstate/tick.state' &&
		grep -qx 'check_at $((nowr + 300))' '$T/rstate/tick.state'"
	check "REACT_EVERY: the metric" grep -qx 'scalepipe_tick_react_scaleups{namespace="shop",target="rx"} 1' "$T/scalepipe_tick_shop_rx.prom"
	# the next decision starts from the 18 on the server: at about 1350 (17
	# pods) the plan's hysteresis keeps them (a plan from its own 9 would
	# have scaled up, never kept by hysteresis)
	awk -v e="$nowr" 'BEGIN { print "timestamp,load"; for (i = 39; i >= 0; i--) print e - 60 * i "," 700 + (i % 3) * 10
	    for (i = 1; i <= 5; i++) print e + 60 * i "," 1350 + (i % 3) * 10 }' > "$T/react2.csv"
	t "REACT_EVERY: the next decision starts from the server's count" 0 tick -c "$T/r.conf" --kubeconfig "$T/kc" \
		--state-dir "$T/rstate" --from-csv "$T/react2.csv" --now $((nowr + 300)) deployment/rx
	out_has ",shop,deployment,rx,18,18,unchanged,hysteresis,0"
	check "REACT_EVERY: the replay check skips the checks' rows" grep -qx 'replay_mismatch 0' "$T/rstate/tick.state"
	# --check-hold: a check scales 9 -> 18 at +300 for a load of 1000 (1.4 x
	# 1000 / w* = 17.4, 18); the next decision, at +600 on that load still
	# (13 pods by the load rule), keeps the check's 18 with --check-hold
	# 600 (the check 300 s before on the row's clock: the row +660, the
	# check's time moved by the row's lead of 60 s) and with --check-hold 0
	# goes down
	awk -v e="$nowr" 'BEGIN { print "timestamp,load"; for (i = 39; i >= 0; i--) print e - 60 * i "," 700 + (i % 3) * 10
	    print e + 300 ",1000"; print e + 600 ",1000" }' > "$T/react3.csv"
	awk -F, -v e="$nowr" '$1 == "timestamp" || $1 <= e' "$T/react3.csv" > "$T/react3-base.csv"
	sed 's/^PLAN_ARGS=.*/& --check-hold 600/' "$T/r.conf" > "$T/rck.conf"
	sed 's/^PLAN_ARGS=.*/& --check-hold 0/' "$T/r.conf" > "$T/rck0.conf"
	for d in ck ck2; do
		c=$T/rck.conf; [ "$d" = ck2 ] && c=$T/rck0.conf
		mkdir -p "$T/st-$d"
		t "--check-hold: the check at +300 ($d)" 0 tick -c "$c" --kubeconfig "$T/kc" --state-dir "$T/st-$d" \
			--from-csv "$T/react3-base.csv" --react-from-csv "$T/react3.csv" --now "$nowr" "deployment/$d"
		out_has "$((nowr + 300)),shop,deployment,$d,18,9,react-scaled,"
		t "--check-hold: the decision at +600 ($d)" 0 tick -c "$c" --kubeconfig "$T/kc" --state-dir "$T/st-$d" \
			--from-csv "$T/react3.csv" --now $((nowr + 600)) "deployment/$d"
		cp "$T/out" "$T/$d.out"
	done
	check "--check-hold 600: the decision keeps the check's 18 (check-held)" grep -q ",shop,deployment,ck,18,18,[a-z]*,check-held," "$T/ck.out"
	check "... without it, fewer than 18" sh -c "
		awk -F, '/,shop,deployment,ck2,/ && \$5 < 18 { ok = 1 } END { exit !ok }' '$T/ck2.out' && ! grep -q check-held '$T/ck2.out'"
	# --react-from-csv: the checks read their own file (REACT_QUERY's
	# load), the decision --from-csv's: the rise only in the checks' file
	# scales as above; only in the decision's file, nothing
	awk -F, -v e="$nowr" '$1 == "timestamp" || $1 <= e' "$T/react.csv" > "$T/react-base.csv"
	rq_replicas() {
		curl -sf --cacert "$K/ca.pem" -H 'Authorization: Bearer tok-ci-SECRET-0123456789' \
			"https://127.0.0.1:$PORT/apis/apps/v1/namespaces/shop/deployments/$1/scale" |
			sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p'
	}
	t "--react-from-csv: the checks read it" 0 tick -c "$T/r.conf" --kubeconfig "$T/kc" \
		--from-csv "$T/react-base.csv" --react-from-csv "$T/react.csv" --now "$nowr" deployment/rq
	out_has ",shop,deployment,rq,9,7,scaled,"
	out_has "$((nowr + 300)),shop,deployment,rq,18,9,react-scaled,react: load 2000 at $((nowr + 300)); the reactive rule gives 35,0"
	check "--react-from-csv: the server holds 18" test "$(rq_replicas rq)" = 18
	t "--react-from-csv: not --from-csv's rows" 0 tick -c "$T/r.conf" --kubeconfig "$T/kc" \
		--from-csv "$T/react.csv" --react-from-csv "$T/react-base.csv" --now "$nowr" deployment/rq2
	out_has ",shop,deployment,rq2,9,7,scaled,"
	check "--react-from-csv: no check scaled" sh -c "! grep -q react-scaled '$T/out'"
	err_has "check at $((nowr + 300)): no load newer than $nowr: kept 9"
	check "--react-from-csv: the server holds 9" test "$(rq_replicas rq2)" = 9
	t "REACT_EVERY: a paused target gets no checks" 0 tick -c "$T/r.conf" --kubeconfig "$T/kc" \
		--from-csv "$T/react.csv" --now "$nowr" deployment/held
	out_has ",shop,deployment,held,"
	check "REACT_EVERY: paused, one row" test "$(grep -c ',shop,deployment,held,' "$T/out")" = 1
	check "REACT_EVERY: paused, no check ran" sh -c "! grep -q 'check at' '$T/err'"
	check "and the server still holds 2 (paused)" test "$(held_replicas)" = 2
	# stale: with MAX_AGE 10m the decision (20 min old) and the check are
	# refused by scale, which says so; the tick stops checking
	sed 's/^MAX_AGE=.*/MAX_AGE=10m/' "$T/r.conf" > "$T/r10.conf"
	t "REACT_EVERY: scale refuses a stale check: no more checks" 0 tick -c "$T/r10.conf" --kubeconfig "$T/kc" \
		--from-csv "$T/react.csv" --now "$nowr" deployment/api
	err_has "check at $((nowr + 300)): scale did not scale up (held-stale): no more checks"
	check "REACT_EVERY: stale, no check's row" sh -c "! grep -q react-scaled '$T/out'"
	t "REACT_EVERY: not a number" 2 env REACT_EVERY=5s bash "$TICK" -c "$T/r.conf" --kubeconfig "$T/kc" \
		--from-csv "$T/react.csv" --now "$nowr" deployment/rx
	err_has "scalepipe-tick: REACT_EVERY: not a number of seconds: '5s'"
fi
# --now is a wall-clock time, as scale's inputs are: 1990 to 2100
t "--now before 1990" 2 tick -c "$T/c.conf" --from-csv "$TOP/data/nasa_http_1995_rpm.csv" --now 600
err_has "scalepipe-tick: --now: not a wall-clock time (1990 to 2100 in Unix seconds): '600'"
t "--now in milliseconds" 2 tick -c "$T/c.conf" --from-csv "$TOP/data/nasa_http_1995_rpm.csv" --now 804571200000
err_has "--now: not a wall-clock time"

# ---- forecast -m MODEL --adapt with forecast.state: N ticks = one continuous run -------
# The LSTM tick (deploy/lstm: FORECAST_ARGS "--long --adapt 0.1") on the
# committed tiny LSTM and its sine (160 rows, 5 min), a sliding history of
# 100 steps, ticks every 20 steps: forecast.state carries the model's window
# and the band's recalibration, so each tick's decision and band (forecast,
# lower, upper in the decision log) are the continuous run's; a fallback
# tick and a tick with no new point leave forecast.state as it was.  Without
# the state the recalibration restarts on each tick's history and drifts.
cat > "$T/m.conf" <<EOF
HISTORY=500m
STEP=300
WINDOW_ARGS=--resample 300 --fill linear
MODEL=$D/lstm-tiny.lstm
FORECAST_ARGS=--long --adapt 0.1
PLAN_ARGS=$PLAN
TARGET_NAMESPACE=shop
TARGET_NAME=web
EOF
window --resample 300 --fill linear < "$D/lstm-sine.csv" | forecast -m "$D/lstm-tiny.lstm" --long --adapt 0.1 |
	burstdetect | plan $PLAN > "$T/mcont.csv"
mticks=$(awk -F, 'NR > 30 && (NR - 31) % 20 == 0 || NR == 161 { print $1 }' "$D/lstm-sine.csv")
# the decision and band of the continuous run for the tick at $1 (window's
# grid: multiples of 300 s)
mwant() {
	awk -F, -v t=$(($1 - $1 % 300 + 300)) 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    $1 == t { print $1 "," $(c["replicas"]) "," $(c["forecast"]) "," $(c["lower"]) "," $(c["upper"]) }' "$T/mcont.csv"
}
ticks_model() {  # dir
	rm -rf "$1"
	n=0
	for tt in $mticks; do
		n=$((n + 1))
		if [ "$n" = 4 ]; then
			# a fallback tick (newest point missing), then two with no new point between them
			cp "$1/forecast.state" "$T/f0" || return 1
			awk -F, -v e=$((tt - 600)) 'NR == 1 || $1 <= e' "$D/lstm-sine.csv" > "$T/mhole.csv"
			bash "$TICK" -c "$T/m.conf" --state-dir "$1" --from-csv "$T/mhole.csv" --now "$tt" > "$T/one.csv" 2> /dev/null &&
				grep -q 'fallback: newest point missing' "$T/one.csv" && cmp "$T/f0" "$1/forecast.state" ||
				{ echo "the fallback tick at $tt touched forecast.state"; return 1; }
			last=$(awk -F, 'END { print $1 }' "$T/mhole.csv")
			bash "$TICK" -c "$T/m.conf" --state-dir "$1" --from-csv "$T/mhole.csv" --now $((last + 60)) > "$T/one.csv" &&
				cp "$1/forecast.state" "$T/f0" &&
				bash "$TICK" -c "$T/m.conf" --state-dir "$1" --from-csv "$T/mhole.csv" --now $((last + 120)) > "$T/two.csv" &&
				cmp "$T/one.csv" "$T/two.csv" && cmp "$T/f0" "$1/forecast.state" ||
				{ echo "a tick with no new point changed the decision or forecast.state"; return 1; }
		fi
		bash "$TICK" -c "$T/m.conf" --state-dir "$1" --from-csv "$D/lstm-sine.csv" --now "$tt" > "$T/one.csv" || return 1
		got=$(awk -F, 'END { print $1 "," $3 "," $9 "," $10 "," $11 }' "$1/decisions.csv")
		want=$(mwant "$tt")
		[ -n "$want" ] && [ "$got" = "$want" ] || { echo "tick at $tt: got $got, want $want"; return 1; }
	done
	[ "$n" -ge 7 ] && grep -q '^scalepipe-state forecast 1$' "$1/forecast.state"
}
check "forecast -m LSTM --adapt: N ticks, sliding history, forecast.state carried = one continuous run" \
	ticks_model "$T/ml1"
# the last three ticks, each from a new state directory: the recalibrated band drifts
ticks_band() {
	bad=0
	for tt in $(echo "$mticks" | tail -n 3); do
		rm -rf "$T/ml2"
		bash "$TICK" -c "$T/m.conf" --state-dir "$T/ml2" --from-csv "$D/lstm-sine.csv" --now "$tt" > /dev/null 2>&1 || return 1
		got=$(awk -F, 'END { print $1 "," $3 "," $9 "," $10 "," $11 }' "$T/ml2/decisions.csv")
		[ "$got" = "$(mwant "$tt")" ] || bad=$((bad + 1))
	done
	[ "$bad" -gt 0 ]
}
check "without the states (a new state directory each tick) the recalibrated band drifts" ticks_band
echo junk > "$T/ml1/forecast.state"
t "a forecast.state without its last row: a warning, the forecaster cold on the history" 0 \
	tick -c "$T/m.conf" --state-dir "$T/ml1" --from-csv "$D/lstm-sine.csv" --now "$(echo "$mticks" | tail -n 1)"
err_has "scalepipe-tick: warning: state: $T/ml1/forecast.state has no last row: recomputing the forecaster from history"
check "and a new forecast.state" grep -q '^scalepipe-state forecast 1$' "$T/ml1/forecast.state"
# ---- SELECT=true: arfit and the model's forecaster, bandselect between them ----
# The same sine and model, arfit (the mean of the last 6 loads, at the
# level of the model's band, 0.8) beside the LSTM and bandselect (a memory
# of an hour, the model after 4 errors: both bands are used on this
# trace): N ticks with forecast.state, alt.state and select.state carried =
# one continuous run of arfit, forecast, bandselect, burstdetect and plan;
# a tick with no new point leaves select.state as it was.
cat > "$T/s.conf" <<EOF
HISTORY=500m
STEP=300
WINDOW_ARGS=--resample 300 --fill linear
ARFIT_ARGS=--rolling -p 0 --window 6 --horizon 3 --level 0.8
MODEL=$D/lstm-tiny.lstm
FORECAST_ARGS=--long --adapt 0.1
SELECT=true
SELECT_ARGS=--memory 1h --min-errors 4
PLAN_ARGS=$PLAN
TARGET_NAMESPACE=shop
TARGET_NAME=web
EOF
window --resample 300 --fill linear < "$D/lstm-sine.csv" > "$T/sw.csv"
arfit --rolling -p 0 --window 6 --horizon 3 --level 0.8 < "$T/sw.csv" > "$T/sa.csv"
forecast -m "$D/lstm-tiny.lstm" --long --adapt 0.1 < "$T/sw.csv" > "$T/sb.csv"
bandselect --memory 1h --min-errors 4 --alt "$T/sb.csv" "$T/sa.csv" > "$T/ssel.csv"
burstdetect < "$T/ssel.csv" | plan $PLAN > "$T/scont.csv"
check "the continuous run takes each band at some origins" awk -F, 'NR == FNR { a[$1 "," $3] = $5; next }
	FNR > 1 && $3 == 1 { if ($5 == a[$1 "," $3]) na++; else nb++ } END { exit !(na > 10 && nb > 10) }' "$T/sa.csv" "$T/ssel.csv"
# tick_as CONF DIR T CONT: a tick at T with the states in DIR decides as
# the continuous run CONT (plan's rows) did at that step
tick_as() {
	bash "$TICK" -c "$1" --state-dir "$2" --from-csv "$D/lstm-sine.csv" --now "$3" > "$T/one.csv" || return 1
	got=$(awk -F, 'END { print $1 "," $3 "," $9 "," $10 "," $11 }' "$2/decisions.csv")
	want=$(awk -F, -v t=$(($3 - $3 % 300 + 300)) 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    $1 == t { print $1 "," $(c["replicas"]) "," $(c["forecast"]) "," $(c["lower"]) "," $(c["upper"]) }' "$4")
	[ -n "$want" ] && [ "$got" = "$want" ] || { echo "tick at $3: got $got, want $want"; return 1; }
}
ticks_select() {  # dir
	rm -rf "$1"
	n=0
	for tt in $mticks; do
		n=$((n + 1))
		tick_as "$T/s.conf" "$1" "$tt" "$T/scont.csv" || return 1
		if [ "$n" = 4 ]; then
			cp "$1/select.state" "$T/s0" &&
				bash "$TICK" -c "$T/s.conf" --state-dir "$1" --from-csv "$D/lstm-sine.csv" --now $((tt + 60)) > "$T/two.csv" &&
				cmp "$T/one.csv" "$T/two.csv" && cmp "$T/s0" "$1/select.state" ||
				{ echo "a tick with no new point changed the decision or select.state"; return 1; }
		fi
	done
	[ "$n" -ge 7 ] && grep -q '^scalepipe-state bandselect 1$' "$1/select.state" &&
		grep -q '^scalepipe-state forecast 1$' "$1/alt.state" && grep -q '^scalepipe-state arfit' "$1/forecast.state"
}
check "SELECT=true: N ticks with the three forecaster states = one continuous run" ticks_select "$T/sl1"
# a retrained model (a warm start of the same one): alt.state is of the
# old model, a warning and the model's forecaster cold on the history; the
# other states go on
lstmtrain -q --init "$D/lstm-tiny.lstm" --epochs 1 -o "$T/retrained.lstm" "$T/sw.csv"
t5=$(echo "$mticks" | sed -n 5p) t7=$(echo "$mticks" | sed -n 7p)
bash "$TICK" -c "$T/s.conf" --state-dir "$T/sl4" --from-csv "$D/lstm-sine.csv" --now "$t5" > /dev/null 2>&1
cp -r "$T/sl4" "$T/sl5"
t "SELECT=true, the model retrained: a warning, the tick decides" 0 env MODEL="$T/retrained.lstm" \
	bash "$TICK" -c "$T/s.conf" --state-dir "$T/sl4" --from-csv "$D/lstm-sine.csv" --now "$t7"
err_has "alt.state"
check "select.state and plan.state moved on" sh -c "! cmp -s '$T/sl5/select.state' '$T/sl4/select.state' &&
	! cmp -s '$T/sl5/plan.state' '$T/sl4/plan.state'"
# a corrupt model: stage alt fails, nothing scaled, no state touched
cp -r "$T/sl5" "$T/sl6"
printf 'scalepipe-model lstm 1\ncell lstm\n' > "$T/corrupt.lstm"
t "SELECT=true, a corrupt model: stage alt fails, nothing scaled" 1 env MODEL="$T/corrupt.lstm" \
	bash "$TICK" -c "$T/s.conf" --state-dir "$T/sl5" --from-csv "$D/lstm-sine.csv" --now "$t7"
err_has "scalepipe-tick: stage alt failed (exit 1): nothing scaled"
check "no state file changed" sh -c "for f in forecast alt select burst plan; do cmp '$T/sl6/'\$f.state '$T/sl5/'\$f.state || exit 1; done"
t "SELECT=true, verbose: the stages alt and select run" 0 tick -v -c "$T/s.conf" --state-dir "$T/sl2" \
	--from-csv "$D/lstm-sine.csv" --now "$(echo "$mticks" | tail -n 1)"
err_has "stage alt: exit 0"
err_has "stage select: exit 0"
# the metric says which band the newest origin had: the continuous run's
want_alt=$(awk -F, -v t="$(awk -F, 'END { print $1 }' "$T/sw.csv")" 'NR == FNR { if ($1 == t && $3 == 1) a = $5; next }
	$1 == t && $3 == 1 { print ($5 + 0 != a + 0) ? 1 : 0 }' "$T/sa.csv" "$T/ssel.csv")
mkdir -p "$T/stf"
t "SELECT=true: the band's metric" 0 tick -c "$T/s.conf" --textfile-dir "$T/stf" --from-csv "$D/lstm-sine.csv" \
	--now "$(echo "$mticks" | tail -n 1)"
check "scalepipe_tick_band_alternative is the continuous run's ($want_alt)" \
	grep -qx "scalepipe_tick_band_alternative{namespace=\"shop\",target=\"web\"} $want_alt" "$T/stf/scalepipe_tick_shop_web.prom"
t "SELECT=true without a model yet: arfit's band, its errors scored" 0 env MODEL="$T/none.lstm" \
	bash "$TICK" -v -c "$T/s.conf" --state-dir "$T/sl3" --from-csv "$D/lstm-sine.csv" --now "$(echo "$mticks" | tail -n 1)"
check "no stage alt; select.state kept" sh -c "! grep -q 'stage alt' '$T/err' && grep -q 'stage select: exit 0' '$T/err' &&
	grep -q '^errors [1-9][0-9]* 0\$' '$T/sl3/select.state'"
t "SELECT=true, bands of two levels: stage select fails, nothing scaled" 1 env ARFIT_ARGS="--rolling -p 0 --window 6 --horizon 3 --level 0.98" \
	bash "$TICK" -c "$T/s.conf" --from-csv "$D/lstm-sine.csv" --now "$(echo "$mticks" | tail -n 1)"
err_has "band level 0.8, the input's 0.98"
err_has "scalepipe-tick: stage select failed (exit 1): nothing scaled"
t "SELECT not a boolean" 2 env SELECT=maybe bash "$TICK" -c "$T/s.conf" --from-csv "$D/lstm-sine.csv" --now "$(echo "$mticks" | tail -n 1)"
err_has "SELECT must be true or false: 'maybe'"
t "SELECT=true: the alt and select timeouts count in the sum" 2 env TICK_TIMEOUTS=forecast=10,alt=20,select=20 \
	TICK_DEADLINE=55 bash "$TICK" -c "$T/s.conf" --from-csv "$D/lstm-sine.csv" --now "$(echo "$mticks" | tail -n 1)"
err_has "the stage timeouts sum to 83s, not below the deadline 55s"
t "... and not without it" 0 env TICK_TIMEOUTS=forecast=10,alt=20,select=20 TICK_DEADLINE=55 SELECT=false \
	bash "$TICK" -c "$T/s.conf" --from-csv "$D/lstm-sine.csv" --now "$(echo "$mticks" | tail -n 1)"
# ---- SEASON=true: and arfit with the period found in the data: the best of three ----
# The seasonal arfit (AR(0) on the seasonal difference, a window of 40)
# finds its period on the first 390 minutes (78 rows: a third is 26, the
# sine's period is about 25): before, its band is the plain window-40
# one.  Ticks from row 50 (the window's 40 rows before) with the four
# forecaster states = one continuous run of the three forecasters,
# bandselect --alt model --alt seasonal, burstdetect and plan; the period
# is found across ticks (season.state carries the rows until then).
cat "$T/s.conf" > "$T/se.conf"
cat >> "$T/se.conf" <<EOF
SEASON=true
SEASON_ARGS=--rolling -p 0 --window 40 --horizon 3 --level 0.8 --season auto --season-after 390m
EOF
arfit --rolling -p 0 --window 40 --horizon 3 --level 0.8 --season auto --season-after 390m < "$T/sw.csv" > "$T/sc.csv"
bandselect --memory 1h --min-errors 4 --alt "$T/sb.csv" --alt "$T/sc.csv" "$T/sa.csv" > "$T/ssel3.csv"
burstdetect < "$T/ssel3.csv" | plan $PLAN > "$T/scont3.csv"
# which band each origin has: 0 arfit's, 1 the model's, 2 the seasonal one
awk -F, 'FNR == 1 { f++; next } f < 4 { if ($3 == 1) h[f, $1] = $5; next }
	$3 == 1 { w = ($5 == h[1, $1]) ? 0 : ($5 == h[2, $1]) ? 1 : ($5 == h[3, $1]) ? 2 : "?"; print $1, w }' \
	"$T/sa.csv" "$T/sb.csv" "$T/sc.csv" "$T/ssel3.csv" > "$T/which3"
check "the continuous run takes each of the three bands at some origins" awk '{ n[$2]++ }
	END { exit !(n[0] > 5 && n[1] > 5 && n[2] > 20 && !("?" in n)) }' "$T/which3"
sticks=$(awk -F, 'NR > 50 && (NR - 51) % 20 == 0 || NR == 161 { print $1 }' "$D/lstm-sine.csv")
ticks_season() {  # dir
	rm -rf "$1"
	n=0
	for tt in $sticks; do
		n=$((n + 1))
		tick_as "$T/se.conf" "$1" "$tt" "$T/scont3.csv" || return 1
		[ "$n" = 1 ] && { grep -qx 'season_period -1' "$1/season.state" || { echo "tick 1: the period found already"; return 1; }; }
	done
	[ "$n" -ge 6 ] && grep -qx 'season_period 24' "$1/season.state" && grep -q '^alt 2$' "$1/select.state"
}
check "SEASON=true: N ticks with the four forecaster states = one continuous run" ticks_season "$T/se1"
t "SEASON=true, verbose: the stages alt, season and select run" 0 tick -v -c "$T/se.conf" --state-dir "$T/se2" \
	--from-csv "$D/lstm-sine.csv" --now "$(echo "$sticks" | tail -n 1)"
err_has "stage alt: exit 0"
err_has "stage season: exit 0"
err_has "stage select: exit 0"
want3=$(awk -v t="$(awk -F, 'END { print $1 }' "$T/sw.csv")" '$1 == t { print $2 }' "$T/which3")
mkdir -p "$T/setf"
t "SEASON=true: the band's metric" 0 tick -c "$T/se.conf" --textfile-dir "$T/setf" --from-csv "$D/lstm-sine.csv" \
	--now "$(echo "$sticks" | tail -n 1)"
check "scalepipe_tick_band_alternative is the continuous run's ($want3)" \
	grep -qx "scalepipe_tick_band_alternative{namespace=\"shop\",target=\"web\"} $want3" "$T/setf/scalepipe_tick_shop_web.prom"
t "SEASON=true with SELECT=false: a warning, the model alone" 0 env SELECT=false bash "$TICK" -v -c "$T/se.conf" \
	--from-csv "$D/lstm-sine.csv" --now "$(echo "$sticks" | tail -n 1)"
err_has "scalepipe-tick: warning: SEASON=true is ignored with SELECT=false"
check "no stage season, select or alt" sh -c "! grep -q 'stage season\|stage select\|stage alt' '$T/err'"
t "SEASON not a boolean" 2 env SEASON=maybe bash "$TICK" -c "$T/se.conf" --from-csv "$D/lstm-sine.csv" --now "$(echo "$sticks" | tail -n 1)"
err_has "SEASON must be true or false: 'maybe'"
t "SEASON=true: the season timeout counts in the sum" 2 env TICK_TIMEOUTS=forecast=10,season=20 \
	TICK_DEADLINE=55 bash "$TICK" -c "$T/se.conf" --from-csv "$D/lstm-sine.csv" --now "$(echo "$sticks" | tail -n 1)"
err_has "the stage timeouts sum to 73s, not below the deadline 55s"
# a seasonal window longer than the history: no seasonal band (a band
# without origins in its place), the decision of SELECT=true alone
tlast=$(echo "$sticks" | tail -n 1)
t "SEASON=true, the seasonal arfit's window longer than the history: without the seasonal band" 0 env \
	SEASON_ARGS="--rolling -p 0 --window 400 --horizon 3 --level 0.8 --season auto" \
	bash "$TICK" -c "$T/se.conf" --from-csv "$D/lstm-sine.csv" --now "$tlast"
err_has "scalepipe-tick: warning: no seasonal band: short history (100 of 400 rows)"
cp "$T/out" "$T/noseas.csv"
t "... the decision of SELECT=true alone" 0 bash "$TICK" -c "$T/s.conf" --from-csv "$D/lstm-sine.csv" --now "$tlast"
out_is "$T/noseas.csv"
# before a model exists: the model's place holds a band without origins,
# select.state two blocks; the model appears: the scores go on, no warning
t "SEASON=true without a model yet" 0 env MODEL="$T/none.lstm" bash "$TICK" -v -c "$T/se.conf" --state-dir "$T/se4" \
	--from-csv "$D/lstm-sine.csv" --now "$(echo "$sticks" | sed -n 3p)"
check "no stage alt, stage season ran; select.state of two blocks" sh -c "! grep -q 'stage alt' '$T/err' &&
	grep -q 'stage season: exit 0' '$T/err' && grep -qx 'alt 2' '$T/se4/select.state'"
t "SEASON=true, then the model: select.state goes on" 0 bash "$TICK" -c "$T/se.conf" --state-dir "$T/se4" \
	--from-csv "$D/lstm-sine.csv" --now "$(echo "$sticks" | sed -n 4p)"
check "no warning" sh -c "! grep -q warning '$T/err'"
finish
