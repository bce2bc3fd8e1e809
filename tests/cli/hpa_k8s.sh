#!/bin/sh
# hpa_k8s: the Kubernetes HPA controller's own test cases through plan
# --policy hpa: the replica calculator (tests/hpa/replica_calculator.txt,
# with --pods and --hpa-columns) and the behavior stabilisation
# (tests/hpa/normalize.txt).  Each case is one plan run; under valgrind a
# one of each (SP_VALGRIND: the engine is the same for all, and each
# run costs about a second there).
. "$TOP/tests/cli/lib.sh"
H=$TOP/tests/hpa
NOW=1000000000
n=0

# the pods file of one case from its pod tokens
pods_csv() {
	echo "timestamp,pod,phase,ready,start,ready_since,request,usage,metric_time"
	i=0
	for p in "$@"; do
		code=${p%%:*}
		rest=${p#"$code"}; rest=${rest#:}
		req=${rest%%:*}
		use=${rest#"$req"}; use=${use#:}
		case $code in
		R) st="Running,true,0" ;;
		r) st="Running,false,0" ;;
		C) st="Running,true,$((NOW - 180))" ;;
		H) st="Running,true,$((NOW - 60))" ;;
		h) st="Running,false,$((NOW - 60))" ;;
		P) st="Pending,false,0" ;;
		F) st="Failed,false,0" ;;
		d) st="Terminating,false,0" ;;
		X) st="Unlisted,,0" ;;
		*) echo "bad pod code $code" >&2; return 1 ;;
		esac
		echo "$NOW,p$i,$st,0,$req,$use,0"
		i=$((i + 1))
	done
}

# the row of the sync: proposal,utilization,raw against the expectation
rc_check() {
	got=$(sed -n 3p "$T/out" | cut -d, -f6-8)
	if [ "$1" = error ]; then
		want=",,"
	else
		want="$1,$2,$3"
		[ "$3" = - ] && got=${got%,*},-
	fi
	[ "$got" = "$want" ] || _bad "proposal,utilization,raw: got '$got', want '$want'"
}

while read -r name metric target current value rep usage raw pods; do
	case $name in ''|'#'*) continue ;; esac
	n=$((n + 1))
	if [ -n "${SP_VALGRIND:-}" ]; then
		case $n in 5) ;; *) continue ;; esac
	fi
	# shellcheck disable=SC2086
	pods_csv $pods > "$T/pods.csv"
	v=0
	[ "$value" != - ] && v=$(awk -v x="$value" 'BEGIN { printf "%.3f", x / 1000 }')
	printf 'timestamp,load,current\n%s,%s,%s\n%s,0,%s\n' $((NOW - 60)) "$v" "$current" "$NOW" "$current" > "$T/trace.csv"
	t "$name" 0 plan --policy hpa --wstar 1 --hpa-metric "$metric" --target "$target" --pods "$T/pods.csv" \
	    --hpa-columns --cpu-init 120 --readiness-delay 10 --max 1000000 "$T/trace.csv"
	rc_check "$rep" "$usage" "$raw"
done < "$H/replica_calculator.txt"

# a stored-recommendation case as a trace: rows oldest first, each row's
# load what the next sync proposes (a sync at each recommendation's time),
# a first sync 10000 s before whose recommendation is long obsolete, and
# the last sync now.  recs_trace CURRENT DESIRED VALUE@SECONDS_AGO...
recs_trace() {
	cur=$1 des=$2
	shift 2
	printf '%s\n' "$@" | awk -F@ -v now=$NOW -v cur="$cur" -v des="$des" '
	    NF == 0 { next }
	    { k++; t[k] = now - $2; v[k] = $1 }
	    END {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
			if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x; x = v[i]; v[i] = v[j]; v[j] = x }
		print "timestamp,load,current"
		printf "%d,%d,%d\n", now - 10000, k ? v[1] : des, cur
		for (i = 1; i <= k; i++) printf "%d,%d,%d\n", t[i], i < k ? v[i + 1] : des, cur
		printf "%d,0,%d\n", now, cur
	    }'
}

m=0
while read -r name current desired upw downw expect recs; do
	case $name in ''|'#'*) continue ;; esac
	m=$((m + 1))
	if [ -n "${SP_VALGRIND:-}" ]; then
		case $m in 8) ;; *) continue ;; esac
	fi
	# rows oldest first: each row's load is what the next sync proposes
	# shellcheck disable=SC2086
	recs_trace "$current" "$desired" $recs > "$T/trace.csv"
	t "TestNormalizeDesiredReplicasWithBehavior/$name" 0 plan --policy hpa --wstar 1 --hpa-metric average-value \
	    --target 1 --tolerance 0 --scale-up-window "$upw" --scale-down-window "$downw" \
	    --scale-up-policies percent:100000:1 --scale-down-policies percent:100:1 --max 1000000 "$T/trace.csv"
	got=$(tail -n 1 "$T/out" | cut -d, -f4)
	[ "$got" = "$expect" ] || _bad "replicas: got '$got', want '$expect'"
done < "$H/normalize.txt"
# the legacy normalisation (no behavior): the 5-minute downscale window
l=0
while read -r name current desired expect recs; do
	case $name in ''|'#'*) continue ;; esac
	l=$((l + 1))
	if [ -n "${SP_VALGRIND:-}" ]; then
		case $l in 5) ;; *) continue ;; esac
	fi
	# shellcheck disable=SC2086
	recs_trace "$current" "$desired" $recs > "$T/trace.csv"
	t "TestNormalizeDesiredReplicas/$name" 0 plan --policy hpa --wstar 1 --hpa-metric average-value \
	    --target 1 --tolerance 0 --max 1000000 "$T/trace.csv"
	got=$(tail -n 1 "$T/out" | cut -d, -f4)
	[ "$got" = "$expect" ] || _bad "replicas: got '$got', want '$expect'"
done < "$H/normalize_legacy.txt"
# the behavior rate limits (TestScalingWithRules without previous events)
policies() {   # PODS:PODS_PERIOD:PERCENT:PERCENT_PERIOD:WINDOW -> --scale-*-policies list
	echo "$1" | awk -F: '{ p = ""; if ($1 != 0) p = "pods:" $1 ":" $2
		if ($3 != 0) p = p (p == "" ? "" : ",") "percent:" $3 ":" $4; print p }'
}
r=0
while read -r name current desired min max up down expect cond; do
	case $name in ''|'#'*) continue ;; esac
	r=$((r + 1))
	if [ -n "${SP_VALGRIND:-}" ]; then
		case $r in 15) ;; *) continue ;; esac
	fi
	set --
	[ "$up" = - ] || set -- "$@" --scale-up-policies "$(policies "$up")" --scale-up-window "${up##*:}"
	[ "$down" = - ] || set -- "$@" --scale-down-policies "$(policies "$down")" --scale-down-window "${down##*:}"
	printf 'timestamp,load,current\n%s,%s,%s\n%s,%s,%s\n%s,0,%s\n' $((NOW - 10000)) "$desired" "$current" \
	    $((NOW - 60)) "$desired" "$current" "$NOW" "$current" > "$T/trace.csv"
	t "TestScalingWithRules/$name" 0 plan --policy hpa --wstar 1 --hpa-metric average-value --target 1 \
	    --tolerance 0 --behavior --min "$min" --max "$max" "$@" "$T/trace.csv"
	got=$(tail -n 1 "$T/out" | cut -d, -f4,5)
	[ "$got" = "$expect,$cond" ] || _bad "replicas,condition: got '$got', want '$expect,$cond'"
done < "$H/scaling_rules.txt"
[ -n "${SP_VALGRIND:-}" ] || echo "hpa_k8s: $n replica-calculator, $m behavior and $l legacy normalisation, $r scaling-rules cases transcribed"
finish
