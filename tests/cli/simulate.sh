#!/bin/sh
# simulate: replay and closed-loop policies, the cluster model, summary, errors.
. "$TOP/tests/cli/lib.sh"
# curve: cpu = w %, latency = 10 + w / 10 ms, capacity 100 per replica; SLO 18
C="--curve $D/plan-curve.csv --slo 18"
# The tests up to the errors are of the step-level model (--tick 0) as it
# was before ticks: its decision counted as made one step (60 s) early, so
# its --startup S is --startup S-60 now that pods are ready S after the
# decision (scalepipe-simulate(7)).
S="--tick 0 --startup 0"
# fields $1 of every data row, space separated
f_is() {
	got=$(cut -d, -f"$1" "$T/out" | tail -n +2 | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$2" ] || _bad "fields $1: got '$got', want '$2'"
}

# 120: 300 on 2 pods (150 each: 30 ms, CPU 100), 2000 requests queue;
# 180: the queue drains at 4 x 100/s: +5000 ms; 240: 150 on 1; 300: no pods,
# the backlog waits out the step (latency 20 + 60000) and is dropped;
# 360: load and no pods; 420: the open decision without a load is skipped
t "replay: start-up, saturation, queueing, no pods" 0 simulate $S $C "$D/sim-replay.csv"
out_is <<'X'
timestamp,workload,replicas,ready,latency,cpu,violation,cost,ideal,backlog,state
0,100,2,2,15,50,0,120,2,0,normal
60,100,2,2,15,50,0,120,2,0,normal
120,300,2,2,30,100,1,120,4,2000,burst
180,300,4,4,5017.5,75,1,240,4,0,burst
240,150,1,1,30,100,1,60,2,1000,normal
300,0,0,0,60020,0,1,0,0,0,normal
360,80,0,0,60020,0,1,0,1,0,normal
X
err_empty
t "--tick 0 --startup 30: the new pods miss the step" 0 simulate $C --tick 0 --startup 30 "$D/sim-replay.csv"
f_is 3,4,5 "2,2,15 2,2,15 2,2,30 4,2,10030 1,1,20030 0,0,60020 0,0,60020"
t "--no-queue" 0 simulate $S $C --no-queue "$D/sim-replay.csv"
f_is 5,10 "15,0 15,0 30,0 17.5,0 30,0 10,0 60020,0"
t "--queue-timeout bounds the backlog" 0 simulate $S $C --queue-timeout 1 "$D/sim-replay.csv"
f_is 5,10 "15,0 15,0 30,200 517.5,0 30,100 60020,0 60020,0"
t "--summary with burst and non-burst splits" 0 simulate $S $C --summary --name x "$D/sim-replay.csv"
out_is <<'X'
policy,steps,violations,slo_violation_pct,violation_ms,cost,replica_steps,mean_latency,p95_latency,latency_sd,max_latency,mean_cpu,over,under,churn,scaling_actions,burst_steps,burst_violations,burst_slo_violation_pct,burst_violation_ms,burst_cost,burst_replica_steps,burst_over,burst_under,nonburst_steps,nonburst_violations,nonburst_slo_violation_pct,nonburst_violation_ms,nonburst_cost,nonburst_replica_steps,nonburst_over,nonburst_under,p99_latency,replica_changes,pods_started
x,7,5,71.42857143,125027.5,660,11,17878.21429,60020,26706.24468,60020,53.57142857,0,4,0.8571428571,3,2,2,100,5011.5,360,6,0,2,5,3,60,120016,300,5,0,2,60020,3,2
X
# invariants: the summary's cost and violations are the sums of the steps
check "summary cost and violations are the step sums" sh -c "
	simulate $C $S '$D/sim-replay.csv' | awk -F, 'NR > 1 { c += \$8; v += \$7 } END { print c \",\" v }' > '$T/sums'
	simulate $C $S --summary --no-header '$D/sim-replay.csv' | awk -F, '{ print \$6 \",\" \$3 }' | cmp - '$T/sums'"
t "--step, --wstar, -c, --replicas-col, --no-header" 0 simulate --tick 0 --startup 30 $C --step 30 --wstar 50 -c load --replicas-col replicas --summary --no-header "$D/sim-replay.csv"
out_is <<'X'
replay,7,5,71.42857143,90040,330,11,12880,30020,12778.01209,30020,57.14285714,0,12,0.8571428571,3,2,2,100,10024,180,6,0,8,5,3,60,80016,150,5,0,4,30020,3,2
X

# closed loop: the same library code as plan
t "closed-loop hpa" 0 simulate $S $C --policy hpa --target 50 "$D/plan-load.csv"
f_is 3,4,5,11 "2,2,15,FailedGetMetrics 2,2,15,DesiredWithinRange 2,2,30,DesiredWithinRange 4,4,5017.5,DesiredWithinRange 6,6,15,DesiredWithinRange 6,6,10.83333333,DesiredWithinRange 6,6,10.83333333,ScaleDownStabilized 6,6,10.83333333,ScaleDownStabilized 6,6,10.83333333,ScaleDownStabilized 6,6,10.83333333,ScaleDownStabilized 6,6,10.83333333,ScaleDownStabilized 1,1,15,DesiredWithinRange"
t "closed-loop hpa --behavior" 0 simulate $S $C --policy hpa --target 50 --behavior "$D/plan-load.csv"
f_is 3,11 "2,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 1,DesiredWithinRange 1,DesiredWithinRange"
t "closed-loop hpa --tolerance --downscale-window" 0 simulate $S $C --policy hpa --target 50 --tolerance 0.6 --downscale-window 60 "$D/plan-load.csv"
f_is 3,11 "2,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,ScaleDownStabilized 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange"
t "closed-loop hpa --hpa-metric --min --max" 0 simulate $S $C --policy hpa --hpa-metric average-value --target 50 --min 2 --max 5 "$D/plan-load.csv"
f_is 3,11 "2,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,ScaleUpLimit 5,TooManyReplicas 5,TooManyReplicas 5,TooManyReplicas 5,TooManyReplicas 5,TooManyReplicas 5,TooManyReplicas 5,TooManyReplicas 2,TooFewReplicas"
t "closed-loop threshold" 0 simulate $S $C --policy threshold "$D/plan-load.csv"
f_is 3,5 "2,15 1,20 2,30 3,6686.666667 4,5017.5 5,11 4,11.25 3,11.66666667 2,12.5 1,15 1,15 1,15"
t "closed-loop threshold --threshold-low --initial" 0 simulate $S $C --policy threshold --threshold-low 10 --initial 3 "$D/plan-load.csv"
f_is 3 "3 3 3 4 4 4 4 4 4 4 4 4"
t "closed-loop forecast --reactive none" 0 simulate $S $C --policy forecast --reactive none "$D/plan-fc.csv"
f_is 3,5,12 "2,15,forecast 2,17.5,forecast 6,16.66666667,forecast 7,16,forecast 4,15,forecast 2,15,forecast 2,14.5,hpa-fallback 1,18,forecast"
t "closed-loop burst --reactive load --overprov" 0 simulate $S $C --policy burst --reactive load --overprov 50 "$D/plan-fc.csv"
f_is 3,12 "2,forecast 3,forecast 8,burst 10,burst 6,forecast 3,forecast 2,hpa-fallback 2,forecast"
t "closed-loop forecast --scale-in (reactive hpa on simulated CPU)" 0 simulate $S $C --policy forecast --scale-in "$D/plan-fc.csv"
f_is 3,12 "2,forecast 2,forecast 6,forecast 7,forecast 4,forecast 2,forecast 4,hpa-fallback 1,forecast"
t "shipped curve by default" 0 simulate $S --summary --no-header "$D/sim-replay.csv"
out_has "replay,7,"
t "stdin" 0 sh -c "simulate $S $C --summary --no-header < '$D/sim-replay.csv'"
out_has "replay,7,5,"

t "--perf/--perf-cpu/--perf-max: svrfit models of the shipped curve" 0 simulate $S --perf "$D/plan-lat.svr" --perf-cpu "$D/plan-cpu.svr" --perf-max 100 --summary --no-header "$D/sim-replay.csv"
out_has "replay,7,5,71.42857143,125110.5385,660,11,"
t "--perf and --curve" 2 simulate $S --perf "$D/plan-lat.svr" --curve "$D/plan-curve.csv" "$D/sim-replay.csv"
err_has "simulate: --perf and --curve exclude each other"
t "--perf-cpu alone" 2 simulate $S --perf-cpu "$D/plan-cpu.svr" "$D/sim-replay.csv"
err_has "simulate: --perf-cpu needs --perf"

# errors
t "no replicas column to replay" 2 simulate $C "$D/plan-load.csv"
err_has "no column 'replicas'"
t "forecast columns missing" 1 simulate $C --policy forecast "$D/plan-load.csv"
err_is <<'X'
simulate: forecast columns missing: no column 'demand' or 'forecast' for --policy forecast
X
t "an SLO the model can never meet" 1 simulate $C --slo 9 "$D/sim-replay.csv"
err_has "simulate: SLO 9 ms cannot be met: the lowest latency on the performance curve is 10 ms"
t "min > max" 2 simulate $C --policy hpa --min 4 --max 2 "$D/plan-load.csv"
err_has "simulate: --min (4) must not be greater than --max (2)"
t "missing load inside the trace" 1 simulate $C "$D/sim-midmissing.csv"
err_is <<X
simulate: $D/sim-midmissing.csv: row 3, column load: missing load (only the last row may lack it)
X
t "not a replica count" 1 simulate $C "$D/sim-badrep.csv"
err_has "row 1, column replicas: not a replica count: 2.5"
t "negative load" 1 simulate $C "$D/sim-negload.csv"
err_has "row 1, column load: negative load -1"
t "bad --policy" 2 simulate --policy magic "$D/sim-replay.csv"
err_has "invalid choice 'magic'"
t "bad --startup" 2 simulate --startup -5 "$D/sim-replay.csv"
err_has "simulate: --startup:"
t "unknown option" 2 simulate --nope "$D/sim-replay.csv"
err_has "Try 'simulate --help'"
t "extra argument" 2 simulate "$D/sim-replay.csv" more
err_has "unexpected argument 'more'"
t "write error" 1 sh -c "simulate $C '$D/sim-replay.csv' > /dev/full"
err_has "simulate: write error"
t "--help" 0 simulate --help
out_has "usage: simulate"
t "--version" 0 simulate --version
out_has "simulate (scalepipe)"
finish
