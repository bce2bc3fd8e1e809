#!/bin/sh
# The fleet tick decides as the single-target tick, minute for minute:
# bench/tick-replay.sh runs scripts/scalepipe-tick once a minute over the
# first 30 minutes of two shipped five-minute traces (the tables' policy,
# rows5-120: STEP 300, the AR(8) and seasonal bands, the checks every
# 15 s), scale against the test Kubernetes API server; bench/fleet-replay.sh
# then runs deploy/fleet's tick.sh over the same minutes, both traces as
# two workloads of one shard.  Every 15-s slot of each workload must hold
# the count the single-target tick set (bench/decisions.md, "The tick end
# to end", part 5, has three days of it).
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need python3 openssl curl
G=google_cluster2011_job6176858948_cpu_5m E=nab_elb_request_count_8c0756
t "bench/tick-replay.sh: the single-target tick, 30 minutes of each trace" 0 \
	env BIN="$BIN" KEEP="$T/k" CONFIGS=rows5-120 TRACES="$G:1 $E:1" STARTUPS=60 MINUTES=30 sh "$TOP/bench/tick-replay.sh"
out_has "| $G, test, 0.0 days, 60 s | rows5-120: the tick, STEP 300 (30 ticks, 0 failed;"
out_has "| $E, test, 0.0 days, 60 s | rows5-120: the tick, STEP 300 (30 ticks, 0 failed;"
rg=$(ls -d "$T/k/$G.test.1"/*/ | head -n 1) re=$(ls -d "$T/k/$E.test.1"/*/ | head -n 1)
t "bench/fleet-replay.sh: the fleet tick on the same minutes" 0 \
	env BIN="$BIN" STARTUPS=60 OUT="$T/f" sh "$TOP/bench/fleet-replay.sh" "${rg%/}" "${re%/}"
check "... 2 workloads, 29 or 30 ticks (the traces moved onto one clock by 300 s multiples), none failed" \
	grep -q "one shard of 2 workloads, \\(29\\|30\\) ticks (0 failed)" "$T/out"
check "... every 15-s slot as the single-target tick's, both workloads" \
	test "$(grep -c '| the fleet tick | .* | 100.0 % of 1[12][0-9] |$' "$T/out")" = 2
check "... the fleet decided (scaled or unchanged rows for both)" sh -c "
	grep -q ',w1,shop,Deployment,w1,.*,\\(scaled\\|unchanged\\),' '$T/f/log.csv' &&
	grep -q ',w2,shop,Deployment,w2,.*,\\(scaled\\|unchanged\\),' '$T/f/log.csv'"
finish
