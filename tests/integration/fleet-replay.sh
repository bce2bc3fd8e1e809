#!/bin/sh
# The fleet tick decides as the single-target tick, minute for minute:
# bench/tick-replay.sh runs scripts/scalepipe-tick once a minute over the
# first 30 minutes of two shipped traces, scale against the test
# Kubernetes API server; bench/fleet-replay.sh then runs deploy/fleet's
# tick.sh over the same minutes, both traces as two workloads of one shard.
# Every 15-s slot of each workload must hold the count the single-target
# tick set.  Twice: the ConfigMaps' own keys (STEP 60, the hour's
# stabilisation) on the per-minute NASA and WorldCup98 traces, and the
# tables' policy (rows5-plan: STEP 300, the AR(8) and seasonal bands, the
# plan's own stabilisation) on two five-minute ones (bench/decisions.md, "The tick end
# to end", part 5, has three days of it).  The checks every 15 s in both.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need python3 openssl curl
same() {  # CONFIG STEP TRACE1 TRACE2
	t "$1: bench/tick-replay.sh, the single-target tick, 30 minutes of each trace" 0 \
		env BIN="$BIN" KEEP="$T/k$1" CONFIGS="$1" TRACES="$3:1 $4:1" STARTUPS=60 MINUTES=30 sh "$TOP/bench/tick-replay.sh"
	out_has "| $3, test, 0.0 days, 60 s | $1: the tick, STEP $2 (30 ticks, 0 failed;"
	out_has "| $4, test, 0.0 days, 60 s | $1: the tick, STEP $2 (30 ticks, 0 failed;"
	r1=$(ls -d "$T/k$1/$3.test.1"/*/ | head -n 1) r2=$(ls -d "$T/k$1/$4.test.1"/*/ | head -n 1)
	t "$1: bench/fleet-replay.sh, the fleet tick on the same minutes" 0 \
		env BIN="$BIN" STARTUPS=60 OUT="$T/f$1" sh "$TOP/bench/fleet-replay.sh" "${r1%/}" "${r2%/}"
	check "... 2 workloads, 29 or 30 ticks (the traces moved onto one clock by 300 s multiples), none failed" \
		grep -q "one shard of 2 workloads, \\(29\\|30\\) ticks (0 failed)" "$T/out"
	check "... every 15-s slot as the single-target tick's, both workloads" sh -c "
		grep -q '^| $3, 60 s | the fleet tick | .* | 100.0 % of 1[12][0-9] |\$' '$T/out' &&
		grep -q '^| $4, 60 s | the fleet tick | .* | 100.0 % of 1[12][0-9] |\$' '$T/out'"
	check "... the fleet decided for both" sh -c "
		grep -q ',w1,shop,Deployment,w1,.*,\\(scaled\\|unchanged\\),' '$T/f$1/log.csv' &&
		grep -q ',w2,shop,Deployment,w2,.*,\\(scaled\\|unchanged\\),' '$T/f$1/log.csv'"
}
same configmap 60 nasa_http_1995_rpm worldcup98_19980626_27_rpm
check "... a check scaled up (NASA)" grep -q ',react-scaled,' "$T/fconfigmap/log.csv"
same rows5-plan 300 google_cluster2011_job6176858948_cpu_5m nab_elb_request_count_8c0756
finish
