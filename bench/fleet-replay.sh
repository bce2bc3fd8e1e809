#!/bin/sh
# bench/fleet-replay.sh: deploy/fleet's tick (the ConfigMap's own tick.sh)
# once a minute over the spans bench/tick-replay.sh replayed through
# scalepipe-tick, every trace a workload of one shard, with the
# single-target replay's configuration; the replicas each workload is
# given are replayed through simulate and set against the single-target
# tick's, minute by minute and in cost, violations and churn.
#
#   sh bench/fleet-replay.sh [RUNDIR...]
#
# Each argument: a run directory of bench/tick-replay.sh (KEEP/TRACE.SPAN.
# DAYS/CONF_ID, with its c.conf, log.csv, replay.csv, span and hpa.*), one
# workload each, all of one configuration.  Without one, bench/tick-replay.sh
# runs first, CONFIGS=rows5-plan (five-minute rows, as bench/decisions.md's
# tables decide) on FLEET_TRACES ["google_cluster2011_job6176858948_cpu_5m:3
# nab_elb_request_count_8c0756:3"], with KEEP [OUT/single; a KEEP that has
# them already is reused], and the fleet on its runs (about 80 minutes).  The traces are moved in time
# onto one clock (each by a multiple of 300 s, onto the latest span's
# start; the fleet's span: where all of them are); what the fleet reads is
# what the single-target tick read at the same moment of its trace: for
# promfetch --since-state the decisions' rows (dec-in.STEP.csv) up to the
# tick's minute, after the window state's newest (a workload's whole
# HISTORY when the state lacks it), for the checks' and recent_load's
# fetches the checks' rows (react-in.csv) in the last --last seconds.  The
# clock is the tick's minute (date +%s a stand-in), advanced by the checks'
# sleep; scale is the real one against the test Kubernetes API server
# (tests/kubeapi/kubeapi.py, HTTPS) through --in-cluster (a stand-in turns
# it into a kubeconfig), the targets at the counts the single-target
# replay had at the fleet's first minute, and its last check that scaled
# up before then in the fleet's checks.state (plan's --check-hold).
# Environment: BIN, STARTUPS [60 180], OUT (a directory
# kept: the fleet's log and replays) [a temporary one], MINUTES (the
# first MINUTES of the fleet's span only) [all of it].  Needs python3,
# openssl and curl (the API server), else prints "skipped".
set -u   # not -e: tests/kubeapi/netlib.sh relies on failing commands
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/bin}
PATH=$BIN:$PATH; export PATH
STARTUPS=${STARTUPS:-60 180}
die() { echo "fleet-replay: $*" >&2; exit 1; }
. "$TOP/bench/replaylib"
replay_setup fleet-replay   # T; kubeapi_serve; summ, hpa_frontier, hpa_at, pct
O=${OUT:-$T/out}
mkdir -p "$O/stub" "$O/work" "$O/state"
rm -rf "$O/state"/* "$O/work"/*
if [ $# -eq 0 ]; then
	FLEET_TRACES=${FLEET_TRACES:-google_cluster2011_job6176858948_cpu_5m:3 nab_elb_request_count_8c0756:3}
	K=${KEEP:-$O/single}
	KEEP=$K CONFIGS=rows5-plan TRACES=$FLEET_TRACES STARTUPS=$STARTUPS SPAN=test sh "$TOP/bench/tick-replay.sh" > "$O/single.out" ||
		die "bench/tick-replay.sh failed (its output: $O/single.out)"
	for td in $FLEET_TRACES; do
		# shellcheck disable=SC2012
		r=$(ls -td "$K/${td%%:*}.test.${td#*:}"/*/ 2> /dev/null | head -n 1)
		[ -n "$r" ] || die "$K: no run of ${td%%:*}"
		set -- "$@" "${r%/}"
	done
fi
for r; do
	for f in c.conf log.csv replay.csv span; do [ -s "$r/$f" ] || die "$r: no $f (not a run of bench/tick-replay.sh)"; done
	cmp -s "$r/c.conf" "$1/c.conf" || die "$r: another configuration than $1's"
done

cv() { sed -n "s/^$2=\"\\(.*\\)\"\$/\\1/p" "$1/c.conf"; }
step=$(cv "$1" STEP)
hist_s=$(cv "$1" HISTORY | awk '/^[0-9]+[smhdw]?$/ { n = $0 + 0; u = substr($0, length($0))
	print n * (u == "m" ? 60 : u == "h" ? 3600 : u == "d" ? 86400 : u == "w" ? 604800 : 1) }')
[ -n "$hist_s" ] || die "$1: HISTORY is not a duration"
case "$(cv "$1" SELECT) $(cv "$1" SEASON)" in
"true true") season=true ;; "false false"|" "|"false "|" false") season=false ;;
*) die "$1: SELECT/SEASON '$(cv "$1" SELECT) $(cv "$1" SEASON)': the fleet has the seasonal band or none, no LSTM" ;;
esac

# at_from RUN T: the count the single-target tick had before T (its
# replay's last 15-s slot before T; its initial count when none)
at_from() {
	awk -F, -v s="$2" -v init="$(awk -F, '$8 == "initial" { print $6; exit }' "$1/log.csv")" \
		'NR > 1 && $1 + 0 < s { r = $3 } END { print (r == "" ? init : r) }' "$1/replay.csv"
}
# the workloads: wK, each trace moved by a multiple of 300 s onto the
# latest span's start
k=0
for r; do k=$((k + 1)); read -r a b < "$r/span"; echo "$k $a $b $r"; done > "$T/spans"
t0=$(awk '$2 > m { m = $2 } END { print m }' "$T/spans")
awk -v t0="$t0" '{ o = 300 * int((t0 - $2 + 299) / 300); print $1, o, $2 + o, $3 + o, $4 }' "$T/spans" > "$T/ws"
from=$(awk '$3 > m { m = $3 } END { print m }' "$T/ws")
to=$(awk 'NR == 1 || $4 < m { m = $4 } END { print m }' "$T/ws")
from=$((from - from % 60 + (from % 60 > 0) * 60))
[ -z "${MINUTES:-}" ] || [ $((from + 60 * MINUTES)) -ge "$to" ] || to=$((from + 60 * MINUTES))
[ "$from" -lt "$to" ] || die "the spans do not overlap"
echo "timestamp,series,load" > "$O/dec.csv"
echo "timestamp,series,load" > "$O/react.csv"
: > "$T/objects"
while read -r k o a b r; do
	d=$(dirname "$r")
	[ -s "$d/dec-in.$step.csv" ] && [ -s "$d/react-in.csv" ] || die "$d: no dec-in.$step.csv or react-in.csv"
	awk -F, -v o="$o" -v k="$k" 'NR > 1 { print $1 + o ",\"namespace=shop,deployment=w" k "\"," $2 }' "$d/dec-in.$step.csv" >> "$O/dec.csv"
	awk -F, -v o="$o" -v k="$k" 'NR > 1 { print $1 + o ",\"namespace=shop,deployment=w" k "\"," $2 }' "$d/react-in.csv" >> "$O/react.csv"
	# the target at the count the single-target tick had at the fleet's
	# first minute (its replay's last slot before it), and its last check
	# that scaled up before then seeded as the fleet's (checks.state, for
	# plan's --check-hold): both ticks start that minute from the same
	init=$(at_from "$r" $((from - o)))
	echo "Deployment shop w$k $init" >> "$T/objects"
	awk -F, -v s=$((from - o)) -v o="$o" -v k="$k" '$8 == "react-scaled" && $2 + 0 < s {
		l = $9; sub(/^react: load /, "", l); sub(/ .*/, "", l); x = $2 + o ",\"namespace=shop,deployment=w" k "\"," $6 "," l }
		END { if (x != "") print x }' "$r/log.csv" >> "$O/state/checks.state"
done < "$T/ws"
for f in dec react; do   # in time order, as promfetch returns them
	{ echo "timestamp,series,load"; sed 1d "$O/$f.csv" | sort -t, -k1,1n; } > "$O/$f.csv.s" && mv -f "$O/$f.csv.s" "$O/$f.csv"
done

# the stand-ins: the clock (date +%s, sleep), promfetch, scale, promexport
cat > "$O/stub/date" <<'EOF'
#!/bin/sh
[ "$*" = +%s ] && exec cat "$CLOCK"
exec /bin/date "$@"
EOF
cat > "$O/stub/sleep" <<'EOF'
#!/bin/sh
c=$(cat "$CLOCK"); echo $((c + ${1%%.*})) > "$CLOCK"
EOF
cat > "$O/stub/promfetch" <<'EOF'
#!/bin/sh
# --since-state FILE: the decisions' rows up to now, after the state's
# newest (a key it lacks: the last HISTORY); else the checks' rows of the
# last --last seconds
now=$(cat "$CLOCK") st= last=
while [ $# -gt 0 ]; do
	case $1 in --since-state) st=$2; shift;; --last) last=${2%s}; shift;; esac
	shift
done
if [ -n "$st" ]; then
	awk -F, -v st="$st" -v now="$now" -v h="$HIST_S" -f "$SINCE" "$DEC"
else
	awk -F, -v now="$now" -v l="$last" 'NR == 1 { print; next } $1 + 0 > now { exit } $1 + 0 > now - l' "$REACT"
fi
EOF
# (scale's rows stamped with the clock's time, not the wall clock's)
{ echo '#!/bin/sh'; echo 'for a; do shift; [ "$a" = --in-cluster ] && set -- "$@" --kubeconfig "$KC" || set -- "$@" "$a"; done'
  echo "$BIN/scale \"\$@\" > \"\$CLOCK.scale\"; rc=\$?"
  echo 'awk -F, -v OFS=, -v now="$(cat "$CLOCK")" '"'"'NR > 1 { $1 = now } { print }'"'"' "$CLOCK.scale"; exit $rc'; } > "$O/stub/scale"
printf '#!/bin/sh\nexit 0\n' > "$O/stub/promexport"
chmod +x "$O/stub/"*
sed -n '/^  tick.sh: |$/,$p' "$TOP/deploy/fleet/configmap.yaml" | sed '1d;s/^    //' > "$O/tick.sh"

kubeapi_serve "$T/objects" || die "the test API server did not start"
echo "$from" > "$O/clock"
n=0 nf=0
: > "$O/log.csv"; : > "$O/err"
now=$from
while [ "$now" -lt "$to" ]; do
	echo "$now" > "$O/clock"
	env PATH="$O/stub:$PATH" SINCE="$TOP/tests/cli/since-state.awk" CLOCK="$O/clock" DEC="$O/dec.csv" REACT="$O/react.csv" HIST_S="$hist_s" KC="$T/kc" \
		QUERY=load BY_LABELS=namespace,deployment SHARDS=1 SHARD=0 HISTORY="$(cv "$1" HISTORY)" STEP="$step" \
		WINDOW_ARGS="$(cv "$1" WINDOW_ARGS)" ARFIT_ARGS="$(cv "$1" ARFIT_ARGS)" SEASON="$season" \
		SEASON_ARGS="$(cv "$1" SEASON_ARGS)" SELECT_ARGS="$(cv "$1" SELECT_ARGS)" \
		BURSTDETECT_ARGS="$(cv "$1" BURSTDETECT_ARGS)" \
		PLAN_ARGS="$(cv "$1" PLAN_ARGS | sed "s#--curve [^ ]*#--curve $TOP/data/bascaler_fft_service_curve.csv#")" \
		SCALE_ARGS="$(cv "$1" SCALE_ARGS)" REACT_EVERY="$(cv "$1" REACT_EVERY)" REACT_QUERY= \
		TICK_DEADLINE="$(cv "$1" TICK_DEADLINE)" MAX_AGE=36500d FORGET=1d PAUSED=false SHADOW=false \
		PROMETHEUS_URL=http://127.0.0.1:1 PUSHGATEWAY_URL=http://127.0.0.1:1 WORK_DIR="$O/work" STATE_DIR="$O/state" \
		sh "$O/tick.sh" > "$T/tick.out" 2>> "$O/err" || nf=$((nf + 1))
	sed 's/"namespace=shop,deployment=\(w[0-9]*\)"/\1/' "$T/tick.out" | awk -F, -v now="$now" '{ print now "," $0 }' >> "$O/log.csv"
	now=$((now + 60)) n=$((n + 1))
done
stop kubeapi
echo "$n $nf" > "$O/ticks"

days=$(awk -v a="$from" -v b="$to" 'BEGIN { printf "%.2f", (b - a) / 86400 }')
echo "The fleet tick (deploy/fleet/configmap.yaml's tick.sh), one shard of $# workloads, $n ticks ($nf failed), $days days, against the single-target tick (bench/tick-replay.sh) on the same minutes of each trace; $(cv "$1" STEP)-s rows, the configuration:"
echo
sed 's/^/    /' "$1/c.conf" | grep -v 'TARGET_\|MAX_AGE\|SCALE_MODE\|TICK_TIMEOUTS' | sed 's#--curve [^ "]*#--curve data/bascaler_fft_service_curve.csv#'
echo
echo "| trace, start-up | who | cost (replica-h) | violations (minutes) | churn | HPA frontier at that cost (its churn) | change | counts as the single-target tick's (15-s slots) |"
echo "|---|---|---|---|---|---|---|---|"
while read -r k o a b r; do
	tr=$(basename "$(dirname "$r")" | sed 's/\.\(test\|train\)\.[0-9]*$//')
	# the count in force every 15 s (back on the trace's clock): a
	# decision's at its tick, a check's at its time; before the first, the
	# count the target started at (above)
	init=$(at_from "$r" $((from - o)))
	awk -F, -v OFS=, -v w="w$k" -v o="$o" -v s=$((from - o)) -v e=$((to - o)) -v init="$init" '
		NR == FNR { if ($3 != w) next
			if ($10 == "react-scaled") at = $2 - o; else at = $1 - o
			if ($10 ~ /^(scaled|unchanged|react-scaled)$/) { n++; ta[n] = at; ra[n] = $9 } next }
		FNR == 1 { print "timestamp,load,replicas"; r = init; next }
		$1 >= s && $1 < e { while (j < n && ta[j + 1] <= $1) { j++; r = ra[j] } print $1, $2, r }' \
		"$O/log.csv" "$r/replay.csv" > "$O/w$k.replay.csv"
	same=$(awk -F, 'NR == FNR { if (FNR > 1) c[$1] = $3; next }
		FNR > 1 && ($1 in c) { n++; if (c[$1] == $3) s++ } END { printf "%.1f %% of %d", 100 * s / n, n }' "$O/w$k.replay.csv" "$r/replay.csv")
	awk -F, -v s=$((from - o)) -v e=$((to - o)) 'NR == 1 || ($1 >= s && $1 < e)' "$r/replay.csv" > "$O/w$k.single.csv"
	for su in $STARTUPS; do
		hpa=$r/hpa.$su
		if [ ! -s "$hpa" ] || [ "$o" != 0 ] || [ "$from" != "$a" ] || [ "$to" != "$b" ]; then
			# the HPA frontier over every target on the fleet's span of the trace
			hpa=$O/w$k.hpa.$su
			cut -d, -f1,2 "$O/w$k.single.csv" > "$O/w$k.hpa-in.csv"
			hpa_frontier "$O/w$k.hpa-in.csv" "$su" "$hpa"
		fi
		for who in fleet single; do
			f=$O/w$k.replay.csv; [ "$who" = single ] && f=$O/w$k.single.csv
			# shellcheck disable=SC2046
			set -- $(simulate --startup "$su" --summary < "$f" | summ 4)
			# shellcheck disable=SC2046
			set -- "$@" $(hpa_at "$hpa" "$1")
			if [ "$who" = fleet ]; then
				echo "| $tr, $su s | the fleet tick | $1 | $2 | $3 | $4 ($5) | $(pct "$2" "$4") | $same |"
			else
				echo "| | the single-target tick | $1 | $2 | $3 | $4 ($5) | $(pct "$2" "$4") | |"
			fi
		done
	done
done < "$T/ws"
echo
echo "The fleet's actions: $(awk -F, '$2 != "timestamp" { a[$10]++ } END { for (k in a) printf "%s %d; ", k, a[k] }' "$O/log.csv")"
