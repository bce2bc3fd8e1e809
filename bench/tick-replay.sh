#!/bin/sh
# bench/tick-replay.sh: deploy/configmap.yaml's CronJob end to end.
# scripts/scalepipe-tick runs once a minute over a span of a per-minute
# trace, with the ConfigMap's keys, its checks every 15 s, and scale against
# the test Kubernetes API server (tests/kubeapi/kubeapi.py, HTTPS, on
# 127.0.0.1); the replicas the ticks and the checks set are then replayed
# through simulate (--policy replay, 15-s rows) and compared with the HPA
# frontier at the same cost, and with simulate's own model of the same
# policy (what bench/decisions-minute.sh measures).
#
#   sh bench/tick-replay.sh            (BIN to vary; about an hour)
#
# The load: the trace per minute, normalised as scalepipe-frontier --step 60
# does it; the span: the first DAYS days of its test span (the last 40 %),
# or the whole test span (days 0); or of the training span (SPAN).  What
# the tick reads is what Prometheus would return: for the decisions
# (--from-csv), at each multiple S of STEP the mean load over the STEP
# before S (QUERY a rate over STEP); for the checks (--react-from-csv), at
# each 15 s the mean of the last 60 s (REACT_QUERY a rate over a minute;
# the minute rows held within their minute), which at a STEP above 60 the
# decision between two rows reads too (plan's recent_load).  The
# ConfigMap's keys, but:
# --min 1 --max 100 in PLAN_ARGS (the HPA's frontier runs simulate's
# bounds), the curve from data/, MAX_AGE large (the trace is from the
# past); then the KEY="VALUE" lines of the file OVERRIDES in place of the
# ConfigMap's.  A tick is taken to act at its minute mark, a check at its
# 15 s.  simulate's model of the same policy (the bands SELECT and SEASON
# choose, BURSTDETECT_ARGS, PLAN_ARGS but --policy, SCALE_ARGS) is run when
# STEP is the trace's step.  A trace recorded every 5 minutes is held within each five
# minutes, as the tables of bench/decisions.md hold it: there rows5-plan
# is what they measure.
#
# Environment: BIN, TRACES ("TRACE:DAYS ..." [nasa_http_1995_rpm:3
# worldcup98_19980626_27_rpm:0]), STARTUPS [60 180], SPAN (test, or train:
# the training span's last DAYS days, or all of it after its first day)
# [test], OVERRIDES [none], MINUTES (the span's first MINUTES only) [all],
# KEEP (a directory: the replays are kept there, one per trace, span and
# configuration, and reused).  Needs python3, openssl and curl (the API
# server), else prints "skipped".
set -u   # not -e: tests/kubeapi/netlib.sh relies on failing commands
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$TOP/bin}
PATH=$BIN:$PATH; export PATH
TRACES=${TRACES:-nasa_http_1995_rpm:3 worldcup98_19980626_27_rpm:0}
STARTUPS=${STARTUPS:-60 180}
SPAN=${SPAN:-test}
case $SPAN in test|train) ;; *) echo "tick-replay: SPAN: test or train, not '$SPAN'" >&2; exit 1;; esac
. "$TOP/bench/replaylib"
replay_setup tick-replay   # T; kubeapi_serve; summ, hpa_frontier, hpa_at, pct
KEEP=${KEEP:-$T/keep}
mkdir -p "$KEEP"
die() { echo "tick-replay: $*" >&2; exit 1; }

# the ConfigMap's keys, as KEY="VALUE" lines, with the changes above
cm=$TOP/deploy/configmap.yaml
sed -n 's/^  \([A-Z_]*\): \("[^"]*"\|'"'"'[^'"'"']*'"'"'\).*$/\1=\2/p' "$cm" |
	grep -v '^\(PROMETHEUS_URL\|PUSHGATEWAY_URL\|QUERY\|TARGET_[A-Z]*\|MAX_AGE\)=' |
	sed "s#/opt/scalepipe/share/scalepipe/#$TOP/data/#; s#--min [0-9]* --max [0-9]*#--min 1 --max 100#" > "$T/c0.conf"
grep -q -- '--min 1 --max 100' "$T/c0.conf" || die "$cm: PLAN_ARGS has no --min N --max N"
cm_plan=$(sed -n 's/^PLAN_ARGS="\(.*\)"$/\1/p' "$T/c0.conf")
# the configurations (CONFIGS): their keys in place of the ConfigMap's
overrides() {   # NAME: its KEY="VALUE" lines
	case $1 in
	configmap) ;;
	rows5|rows5-plan|rows5-120)
		# five-minute rows, as every table of bench/decisions.md decides:
		# arfit's band an AR(8) (scalepipe-frontier's, arfit's window of
		# 500 rows), the seasonal band's window the same; rows5 with the
		# ConfigMap's PLAN_ARGS, rows5-plan with the plan's own scale-down
		# stabilisation (its default, the tables'), rows5-120 with a 120-s
		# one (the plan's default until 2026-12-06 08:10)
		echo 'STEP="300"'
		echo 'WINDOW_ARGS="--resample 300 --fill linear"'
		echo 'ARFIT_ARGS="--rolling --horizon 24 --level 0.98 -p 8"'
		echo 'SEASON_ARGS="--rolling --horizon 24 --level 0.98 --season auto"'
		case $1 in
		rows5-plan) echo "PLAN_ARGS=\"$(echo "$cm_plan" | sed 's/ *--stabilise [0-9]*//')\"" ;;
		rows5-120) echo "PLAN_ARGS=\"$(echo "$cm_plan" | sed 's/ *--stabilise [0-9]*/ --stabilise 120/')\"" ;;
		esac ;;
	custom) grep '^[A-Z_]*="' "$OVERRIDES" ;;
	*) die "CONFIGS: no configuration '$1' (configmap, rows5, rows5-plan, rows5-120; custom with OVERRIDES)" ;;
	esac
}
conf() {   # NAME: $T/c.conf, and the variables below
	overrides "$1" > "$T/ovr" || exit 1
	if [ -s "$T/ovr" ]; then
		grep -v "^\($(sed -n 's/^\([A-Z_]*\)=.*/\1/p' "$T/ovr" | paste -sd'|' | sed 's/|/\\|/g')\)=" "$T/c0.conf" > "$T/c.conf"
		cat "$T/ovr" >> "$T/c.conf"
	else
		cp "$T/c0.conf" "$T/c.conf"
	fi
	printf 'TARGET_NAMESPACE=shop\nTARGET_KIND=deployment\nTARGET_NAME=web\nMAX_AGE=36500d\n' >> "$T/c.conf"
	step=$(cv STEP)
	case $step in 60|120|300|600) ;; *) die "$1: STEP '$step': this replay takes 60, 120, 300 or 600";; esac
	conf_id=$(md5sum < "$T/c.conf" | cut -c1-8)
	plan_args=$(cv PLAN_ARGS)
	hist_s=$(cv HISTORY | awk '/^[0-9]+[smhdw]?$/ { n = $0 + 0; u = substr($0, length($0))
		print n * (u == "m" ? 60 : u == "h" ? 3600 : u == "d" ? 86400 : u == "w" ? 604800 : 1) }')
	[ -n "$hist_s" ] || die "$1: HISTORY is not a duration"
	echo "$plan_args" | grep -q -- '--policy scalepipe' || die "$1: PLAN_ARGS: not --policy scalepipe"
	# the model: simulate takes plan's options but --policy
	sim_args=$(echo "$plan_args" | sed 's/--policy scalepipe//')
	case "$(cv SELECT) $(cv SEASON)" in
	"true true") bands=select ;; "true "*|*" true") bands= ;; *) bands=arfit ;;
	esac
}
cv() { sed -n "s/^$1=\"\\(.*\\)\"\$/\\1/p" "$T/c.conf"; }
CONFIGS=${CONFIGS:-configmap rows5 rows5-plan}
[ -z "${OVERRIDES:-}" ] || CONFIGS="$CONFIGS custom"


for c in $CONFIGS; do overrides "$c" > /dev/null || exit 1; done
echo "The ConfigMap's keys as replayed (deploy/configmap.yaml, changed as the script's header says):"
echo
sed 's/^/    /' "$T/c0.conf"
for c in $CONFIGS; do
	[ "$c" = configmap ] && continue
	echo
	echo "$c: in place of the ConfigMap's"
	echo
	overrides "$c" | sed 's/^/    /'
done
echo
echo "| trace, span, start-up | who | cost (replica-h) | violations (minutes) | churn | HPA frontier at that cost (its churn) | change |"
echo "|---|---|---|---|---|---|---|"
for c in $CONFIGS; do
conf "$c"
for td in $TRACES; do
	t=${td%%:*} days=${td#*:}
	trace=$TOP/data/$t.csv
	[ -f "$trace" ] || die "$trace: no such trace"
	d=$KEEP/$t.$SPAN.$days
	mkdir -p "$d"
	# the load, normalised as scalepipe-frontier --step TS does it at the
	# trace's own step TS (60 or 300 s), per minute: a five-minute row's
	# load held for its minutes (as simulate holds it)
	ts=$(awk -F, 'NR == 2 { a = $1 } NR == 3 { print $1 - a; exit }' "$trace")
	case $ts in 60|300) ;; *) die "$t: recorded every '$ts' s, not 60 or 300";; esac
	train=$(window --resample "$ts" < "$trace" | awk -F, -v s="$ts" 'NR > 1 { n++ }
		END { wk = int(7 * 86400 / s); d = int(86400 / s); h = int(n * 0.6 / 2); t = h > d ? h : d; print (wk < t) ? wk : t }')
	# (each file written aside and renamed: runs of other configurations
	# may be reading them)
	window --resample "$ts" --fill linear --normalize robust --to 500,175 --clip 0,4000 --train-rows "$train" < "$trace" |
		awk -F, -v OFS=, -v n=$((ts / 60)) 'NR == 1 { print; next } { for (k = 0; k < n; k++) print $1 + 60 * k, $2 }' > "$d/load1.csv.$$" &&
		mv -f "$d/load1.csv.$$" "$d/load1.csv" || die "window failed on $trace"
	rows=$(($(wc -l < "$d/load1.csv") - 1))
	split=$(awk -F, -v k=$((rows * 6 / 10)) 'NR == k + 2 { print $1; exit }' "$d/load1.csv")
	tfirst=$(sed -n 2p "$d/load1.csv" | cut -d, -f1)
	tlast=$(tail -n 1 "$d/load1.csv" | cut -d, -f1)
	if [ "$SPAN" = test ]; then   # the test span's first DAYS days
		tcut=$split tend=$((tlast + 60))
		[ "$days" -gt 0 ] && [ $((split + days * 86400)) -le "$tlast" ] && tend=$((split + days * 86400))
	else                          # the training span's last DAYS days, after its first day
		tend=$split tcut=$((tfirst + 86400))
		[ "$days" -gt 0 ] && [ $((split - days * 86400)) -ge "$tcut" ] && tcut=$((split - days * 86400))
	fi
	[ -z "${MINUTES:-}" ] || [ $((tcut + 60 * MINUTES)) -ge "$tend" ] || tend=$((tcut + 60 * MINUTES))
	# from HISTORY before the span (what the ticks read): the checks' load,
	# a rate over a minute every 15 s (the mean of the last 60 s), and the
	# decisions', a rate over STEP at each multiple S of STEP (the mean of
	# the minutes in S - STEP ... S)
	awk -F, -v s=$((tcut - hist_s - 60)) -v e="$tend" 'NR == 1 { print "timestamp,load"; next }
		{ if (have) for (k = 0; k < 4; k++) { tau = pt + 60 + 15 * k; if (tau > e) exit; if (tau <= s) continue
			printf "%d,%.10g\n", tau, (k == 0 ? pv : ((4 - k) * pv + k * $2) / 4) }
		  pt = $1; pv = $2; have = 1 }' "$d/load1.csv" > "$d/react-in.csv.$$" && mv -f "$d/react-in.csv.$$" "$d/react-in.csv"
	awk -F, -v s=$((tcut - hist_s - step)) -v e="$tend" -v st="$step" 'NR == 1 { print "timestamp,load"; next }
		$1 >= s { b = $1 - $1 % st + st; if (b > e) exit
			if (b != cb) { if (n == st / 60) printf "%d,%.10g\n", cb, sum / n; cb = b; sum = 0; n = 0 }
			sum += $2; n++ }
		END { if (n == st / 60 && cb <= e) printf "%d,%.10g\n", cb, sum / n }' "$d/load1.csv" > "$d/dec-in.$step.csv.$$" &&
		mv -f "$d/dec-in.$step.csv.$$" "$d/dec-in.$step.csv"
	# ---- the ticks (kept: KEEP reuses them) ----
	r=$d/$conf_id
	mkdir -p "$r"
	cp "$T/c.conf" "$r/c.conf"
	if [ ! -s "$r/log.csv" ] || [ "$(cat "$r/span" 2>/dev/null)" != "$tcut $tend" ]; then
		rm -rf "$r/st" "$r/log.csv" "$r/err"
		first=$(awk -F, -v t="$tcut" 'NR > 1 && $1 >= t { print $2; exit }' "$d/load1.csv")
		# ceil(load / w*), plan's load rule without a margin
		# shellcheck disable=SC2086
		init=$(printf 'timestamp,load,current\n0,%s,1\n' "$first" | plan $plan_args --react --react-margin 0 |
			awk -F, 'NR == 2 { print $4 }')
		printf 'Deployment shop web %s\n' "$init" > "$T/objects"
		kubeapi_serve "$T/objects" || die "the test API server did not start"
		echo "$tcut,,,,,$init,$init,initial,,0" > "$r/log.csv"
		now=$tcut nt=0 nf=0
		while [ "$now" -lt "$tend" ]; do
			bash "$TOP/scripts/scalepipe-tick" -c "$T/c.conf" --state-dir "$r/st" --kubeconfig "$T/kc" \
				--from-csv "$d/dec-in.$step.csv" --react-from-csv "$d/react-in.csv" --now "$now" > "$T/out" 2>> "$r/err" ||
				nf=$((nf + 1))
			awk -F, -v now="$now" 'NR > 1 { print now "," $0 }' "$T/out" >> "$r/log.csv"
			now=$((now + 60)) nt=$((nt + 1))
		done
		stop kubeapi
		echo "$nt $nf" > "$r/ticks"
		echo "$tcut $tend" > "$r/span"
	fi
	read -r nt nf < "$r/ticks"
	# the count in force every 15 s: a decision's at its tick, a check's at
	# its time (the rows' first column the tick's minute, the second the
	# decision's or the check's time, the sixth the replicas set)
	awk -F, -v OFS=, -v s="$tcut" -v e="$tend" 'NR == FNR { if ($8 ~ /^react-/) at = $2; else at = $1
			if ($8 ~ /^(initial|scaled|unchanged|react-scaled)$/) { n++; ta[n] = at; ra[n] = $6 } next }
		FNR == 1 { print "timestamp,load,replicas"; next }
		$1 >= s && $1 < e { for (k = 0; k < 4; k++) { tau = $1 + 15 * k
				while (j < n && ta[j + 1] <= tau) { j++; r = ra[j] }
				print tau, $2, r } }' "$r/log.csv" "$d/load1.csv" > "$r/replay.csv"
	nchk=$(awk -F, '$8 == "react-scaled"' "$r/log.csv" | wc -l)
	nact=$(awk -F, 'NR > 1 { a[$8]++ } END { for (k in a) printf "%s %d; ", k, a[k] }' "$r/log.csv")
	# ---- simulate's model of the same policy, on the same rows (STEP = the trace's step) ----
	model=0
	[ "$step" = "$ts" ] && [ -n "$bands" ] && model=1
	if [ "$model" = 1 ]; then
		window --resample "$ts" < "$d/load1.csv" |
			awk -F, -v s=$((tcut - hist_s)) -v e="$tend" 'NR == 1 || ($1 >= s && $1 < e)' > "$r/hist.csv"
		# shellcheck disable=SC2046
		arfit $(cv ARFIT_ARGS) < "$r/hist.csv" > "$r/band.csv" || die "the model's arfit failed on $t"
		# the seasonal band once the history has its window, as the tick runs it
		sw=$(cv SEASON_ARGS | sed -n 's/.*--window[ =]\([0-9]*\).*/\1/p')
		if [ "$bands" = select ] && [ "$(($(wc -l < "$r/hist.csv") - 1))" -lt "${sw:-500}" ]; then
			echo "tick-replay: $t: the model without the seasonal band (a history shorter than its window, ${sw:-500} rows), as the tick" >&2
		elif [ "$bands" = select ]; then
			# shellcheck disable=SC2046
			arfit $(cv SEASON_ARGS) < "$r/hist.csv" > "$r/seas.csv" || die "the model's seasonal arfit failed on $t"
			# shellcheck disable=SC2046
			bandselect $(cv SELECT_ARGS) --alt "$r/seas.csv" "$r/band.csv" > "$r/sel.csv" || die "the model's bandselect failed on $t"
			mv -f "$r/sel.csv" "$r/band.csv"
		fi
		# shellcheck disable=SC2046
		burstdetect $(cv BURSTDETECT_ARGS) < "$r/band.csv" |
			awk -F, -v s="$tcut" 'NR == 1 || $1 >= s' > "$r/bd.csv" || die "the model's burstdetect failed on $t"
	fi
	days_f=$(awk -v a="$tcut" -v b="$tend" 'BEGIN { printf "%.1f", (b - a) / 86400 }')
	for su in $STARTUPS; do
		# the HPA frontier over every target, on the same 15-s rows
		cut -d, -f1,2 "$r/replay.csv" > "$r/hpa-in.csv"
		hpa_frontier "$r/hpa-in.csv" "$su" "$r/hpa.$su"
		# shellcheck disable=SC2046
		set -- $(simulate --startup "$su" --summary < "$r/replay.csv" | summ 4)
		# shellcheck disable=SC2046
		set -- "$@" $(hpa_at "$r/hpa.$su" "$1")
		echo "| $t, $SPAN, $days_f days, $su s | $c: the tick, STEP $step ($nt ticks, $nf failed; checks that scaled: $nchk) | $1 | $2 | $3 | $4 ($5) | $(pct "$2" "$4") |"
		[ "$model" = 1 ] || continue
		# shellcheck disable=SC2046,SC2086
		set -- $(simulate --startup "$su" --policy scalepipe $sim_args --scale-limits $(cv SCALE_ARGS) --summary < "$r/bd.csv" |
			summ "$(awk -v s="$ts" 'BEGIN { print 60 / s }')")
		[ $# -eq 3 ] || die "the model's simulate failed on $t"
		# shellcheck disable=SC2046
		set -- "$@" $(hpa_at "$r/hpa.$su" "$1")
		echo "| | simulate's model | $1 | $2 | $3 | $4 ($5) | $(pct "$2" "$4") |"
	done
	echo "$t, $c: the decision log's actions: $nact" >&2
done
done
