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

# Sub-step ticks (the default, --tick 15).  Curve: w* = 80 at SLO 18.
t "--interp linear: the load moves within the step; violations are the fraction of the step's time" 0 simulate $C --interp linear "$D/sim-linear.csv"
# the load moves between the rows' middles (30 s: 100, 90 s: 300, 150 s:
# 300): the ticks of step 0 read it at 7.5, 22.5, 37.5, 52.5 s: 100, 100
# (held: no row before), 125, 175 on 2 pods: 50, 50, 62.5 (16.25 ms), 87.5
# (18.75 ms > 18): 1 of 4 ticks violates; step 1 at 67.5, 82.5, 97.5,
# 112.5 s: 225, 275, 300, 300, all saturated; held, step 0 is 100 (15 ms)
# throughout
f_is 3,7,8 "2,0.25,120 2,1,120 2,1,120"
t "--interp hold (default)" 0 simulate $C "$D/sim-linear.csv"
f_is 3,7,8 "2,0,120 2,1,120 2,1,120"
# The HPA every tick on a 60-s metric window, with the CPU initialisation
# period (rows every 15 s: one decision per row; target 50 % CPU, CPU = load
# per pod %, start-up 30 s).  0: no metric yet, keep ceil(80 / 80) = 1.
# 15: window (-45, 15] = 80 % -> ceil(1 x 80/50) = 2 (ready at 45).
# 30-90: the new pod is unready (starting, then inside the 300-s
# initialisation period until a whole window after its readiness, 45 + 60
# = 105): a scale-up counts it at 0 %: 60: (0, 60] = 80,80,80,40 -> 70,
# (70 + 0) / 2 = 35 < 50, the direction flips: keep 2; 75: 75 -> 37.5;
# 90: 80 -> 40.  105: both count, (45, 105] = 40,100,100,100 -> 85 ->
# ceil(2 x 1.7) = 4 (ready at 135).  120: 100 on 2 of 4 -> 50: within
# tolerance; 135, 150, 165, 180: 100, 90, 80, 70 with the two new pods at 0
# -> 50, 45, 40, 35: keep 4.  195: the new pods count (195 = 135 + 60), (135,
# 195] = 60 % -> ceil(4 x 1.2) = 5.
t "hpa: metric window and CPU initialisation period, worked example" 0 simulate $C --policy hpa --target 50 --startup 30 "$D/sim-tick-hpa.csv"
f_is 3,4 "1,1 2,1 2,1 2,2 2,2 2,2 2,2 4,2 4,2 4,4 4,4 4,4 4,4 5,4"
# --cpu-init 0: a ready pod counts at once: 45: (-15, 45] = 80 on 2 ready ->
# ceil(2 x 1.6) = 4; 60: 70 with two starting pods at 0 -> 35: keep 4; 75:
# all 4 ready, 80,80,40,100 -> 75 -> ceil(4 x 1.5) = 6; 105: 100 on 4 (6
# set) -> ...
t "hpa --cpu-init 0" 0 simulate $C --policy hpa --target 50 --startup 30 --cpu-init 0 "$D/sim-tick-hpa.csv"
f_is 3 "1 2 2 4 4 6 6 8 8 8 8 8 8 8"
t "hpa --metric-window 15: only the last tick" 0 simulate $C --policy hpa --target 50 --startup 30 --cpu-init 0 --metric-window 15 "$D/sim-tick-hpa.csv"
f_is 3 "1 2 2 4 4 8 8 10 10 10 10 10 10 10"
# --tick 0: one decision per row on the row before, every ready pod
# counted: 15: 80 -> 2; 30, 45: 80 on 1 ready, the starting one at 0 -> 40:
# keep; 60: 2 ready at 40 % -> keep; 75: 100 -> 4; ...
t "--tick 0 is the step-level model" 0 simulate $C --tick 0 --policy hpa --target 50 --startup 30 "$D/sim-tick-hpa.csv"
f_is 3 "1 2 2 2 2 4 4 4 5 5 5 5 5 5"

# The peers (rows every 15 s, one decision per row, start-up 60 s).
# keda, threshold 40 per pod (AverageValue), --min 0: the HPA on
# ceil(value / 40), value = the load over the last 60 s; the operator polls
# every 30 s.  0: no sample: keep 2.  15: 100 -> 3.  60-105: the value
# falls (75, 50, 25, 0) but the downscale stabilisation holds the highest
# recommendation of the last 300 s (3, last made at 60) until 360; 375: 2
# (made at 75, 90).  The trigger was last active at the 90 poll (value 50
# > 0); the 390 poll is cooldown 300 s later: deactivate to 0; the HPA is
# off at 0.  The load is back at 420; the 450 poll sees 50: activate to 1;
# 465: the HPA, (405, 465] = 75 -> 2.
t "keda worked example: AverageValue, stabilisation, cooldown to 0, activation" 0 simulate $C --policy keda --target 40 --min 0 "$D/sim-tick-keda.csv"
f_is 3,11 "2,FailedGetMetrics 3,DesiredWithinRange 3,DesiredWithinRange 3,DesiredWithinRange 3,DesiredWithinRange 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 3,ScaleDownStabilized 2,ScaleDownStabilized 0,deactivate 0,inactive 0,inactive 0,inactive 1,activate 2,DesiredWithinRange"
# kpa, target 50 % of w* = 40 per pod: 0: no data; 15-90: 40 in both
# windows -> 1.  105: the stable window (46, 105] averages 45 s of 40 and
# 15 s of 200 = 80 -> 2, the panic window (99, 105] 200 -> 5 = 5 x the ready
# pod >= 2: panic, max(2, 5) = 5.  The load is 200 until 150 (panic time
# 150), 40 after; the new pods are ready at 165; the count never falls while
# panicking; 210 = 150 + 60 is not after the panic time plus the stable
# window, 225 is: panic ends, the stable 40 -> 1, but at most halve the 5
# ready pods -> 2; 240: 1.
t "kpa worked example: panic at 2x the ready pods, no scale-down in panic, max scale-down rate" 0 simulate $C --policy kpa --target 50 "$D/sim-tick-kpa.csv"
f_is 3,11 "1,nodata 1,stable 1,stable 1,stable 1,stable 1,stable 1,stable 5,panic 5,panic 5,panic 5,panic 5,panic 5,panic 5,panic 5,panic 2,stable 1,stable"
# crane (too little history for its DSP predictor: the prediction metric
# is invalid), target 80 % of w* = 64 per pod: the HPA on the last load per
# ready pod.  15: 100/2 = 50 -> ceil(2 x 0.78) = 2.  45: 300/2 = 150 ->
# ceil(2 x 2.34) = 5, capped at max(2 x 2, 4) = 4.  60: 4 set, 2 ready: the
# two without a metric count 0 on a scale-up: (150 + 150) / 4 = 75 ->
# ceil(4 x 1.17) = 5.  90-: the load falls to 50, but with the prediction
# metric invalid the HPA does not scale down.
t "crane worked example: the HPA on the actual metric, no scale-down without a prediction" 0 simulate $C --policy crane "$D/sim-tick-crane.csv"
f_is 3,11 "2,no-metrics 2,no-prediction 2,no-prediction 4,no-prediction 5,no-prediction 5,no-prediction 5,no-prediction 5,no-prediction 5,no-prediction 5,no-prediction"
# ahpa (no forecast before 2 days of history): the reactive count
# ceil(last load / 64): 45: 300 -> 5; 105: 50 -> 1.
t "ahpa worked example: the reactive count" 0 simulate $C --policy ahpa "$D/sim-tick-crane.csv"
f_is 3,11 "2,hold 2,reactive 2,reactive 5,reactive 5,reactive 5,reactive 5,reactive 1,reactive 1,reactive 1,reactive"
# aws (no forecast before 24 h), one tick a minute (rows every 60 s):
# target tracking at 64 per pod.  The minutes 60, 120, 180 give 300 / 2 =
# 150 each: three datapoints above the target: at 240 scale out to
# ceil(2 x 150 / 64) = 5.  From 300 the load is 20: 20 / 5 = 4 < 0.9 x 64;
# the 15th such minute ends at 1200: scale in to ceil(5 x 4 / 64) = 1.
t "aws worked example: target tracking, 3 datapoints out, 15 in" 0 simulate $C --policy aws --tick 60 "$D/sim-tick-aws.csv"
f_is 3,11 "2,hold 2,hold 2,hold 2,hold 5,scale-out 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold 1,scale-in 1,hold"
t "--summary: p99, replica changes, pods started" 0 simulate $C --policy kpa --target 50 --summary "$D/sim-tick-kpa.csv"
# the count changes three times (1 -> 5, 5 -> 2, 2 -> 1) and starts four pods
out_has "kpa,17,"
check "kpa: 3 replica changes, 4 pods started" sh -c "awk -F, 'NR == 2 { print \$(NF - 1), \$NF }' '$T/out' | grep -qx '3 4'"

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
t "keda without --target" 2 simulate --policy keda "$D/plan-load.csv"
err_has "simulate: --policy keda needs --target"
t "bad --interp" 2 simulate --interp cubic "$D/plan-load.csv"
err_has "invalid choice 'cubic'"
t "bad --tick" 2 simulate --tick -1 "$D/plan-load.csv"
err_has "simulate: --tick:"
t "--help" 0 simulate --help
out_has "usage: simulate"
t "--version" 0 simulate --version
out_has "simulate (scalepipe)"
# scalepipe: the next step's demand (demand_next 400 at 300) is planned for
# from 600 - (60 + 15) on, so its 5 pods are ready when the load arrives at
# 600 (no violation); without the lead the pods start at 600 and the first
# 60 s of 5 ticks violate; the load floor: ceil(80 / w*) = 1
t "scalepipe: lead" 0 simulate --policy scalepipe "$D/sim-lead.csv"
f_is 3 "1 5 5 5"
f_is 7 "0 0 0 0"
f_is 12 "forecast lead forecast forecast"
t "scalepipe: --lead-time 0" 0 simulate --policy scalepipe --lead-time 0 "$D/sim-lead.csv"
f_is 3 "1 1 5 5"
f_is 7 "0 0 0.25 0"
# its defaults are the burst planner's with these options (and demand_hold,
# which this input has not)
t "scalepipe = burst with its defaults" 0 sh -c "simulate --policy scalepipe --summary --no-header '$D/sim-lead.csv' | cut -d, -f2- > '$T/a' &&
	simulate --policy burst --reactive load --margin 0 --hysteresis 10 --deadband 0 --min-down 1 --stabilise 120 --lead-time auto --summary --no-header '$D/sim-lead.csv' | cut -d, -f2- > '$T/b' && cmp '$T/a' '$T/b'"
# These decide every tick (--interval 0), as a controller in a loop would,
# with a dead band and hysteresis of 15 % (DB).
DB="--deadband 15 --hysteresis 15"
# --stabilise 600: the scale-down from 5 waits until no tick of the last
# 600 s wanted more (the load fell at 600: down at 1200, not at 600), then
# to the dead band's ceil(80 x 1.15 / w*) = 2 at once (--min-down 1)
t "--stabilise holds a scale-down" 0 simulate --policy scalepipe $DB --interval 0 --stabilise 600 "$D/sim-down.csv"
f_is 3 "5 5 5 5 2"
# without it the count follows the load down as the metric window does,
# 5, 4, 3, to the dead band's 2 for 80
t "--stabilise 0: the count follows the load" 0 simulate --policy scalepipe $DB --interval 0 --stabilise 0 "$D/sim-down.csv"
f_is 3 "5 5 2 2 2"
f_is 12 "forecast forecast deadband deadband deadband"
# --min-down 2 (the default until 2026-12-04 22:00): 5, 4 (one pod: kept), 3;
# then the dead band's 2, one pod below 3: kept
t "--min-down 2: one pod less kept" 0 simulate --policy scalepipe $DB --interval 0 --stabilise 0 --min-down 2 "$D/sim-down.csv"
f_is 3 "5 5 3 3 3"
f_is 12 "forecast forecast deadband hysteresis hysteresis"
t "--min-down 1 --deadband 0: down to 1" 0 simulate --policy scalepipe --interval 0 --min-down 1 --deadband 0 "$D/sim-down.csv"
f_is 3 "5 5 1 1 1"
# the defaults (no dead band, hysteresis 10 %, 60-s stabilisation): 80
# wants ceil(80 / w*) = 1, within the step (60 s after the last tick that
# still saw 400 in its window)
t "the defaults: down to 1 within the step" 0 simulate --policy scalepipe --interval 0 "$D/sim-down.csv"
f_is 3 "5 5 1 1 1"
# Once a minute (the default --interval 60, scalepipe-tick's cadence): at
# 600 the window still holds 400 (5 kept), at 660 only 80: the dead band's
# ceil(80 x 1.15 / w*) = 2, held at 5 while the 5 of 600 is within 120 s
# (660, 720), straight to 2 at 780
t "--interval 60 (default): one decision a minute" 0 simulate --policy scalepipe $DB "$D/sim-down.csv"
f_is 3 "5 5 2 2 2"
f_is 12 "forecast forecast deadband deadband deadband"
# a jump the forecast missed (400 from 300 on, forecast 80; w* 80.68):
# every tick, the load rule climbs as the 60-s window fills (2, 3, ..., 5
# pods, each ready 60 s later); once a minute it sees 80 at 300 and the
# whole window of 400 at 360: ceil(400 x 1.15 / w*) = 6 at once; once a
# step (--interval 300) nothing moves until 600: the step at 300 violates
# throughout, and the one at 600 for its first minute (5 of 20 ticks)
t "--interval 0: every tick" 0 simulate --policy scalepipe $DB --interval 0 "$D/sim-jump.csv"
f_is 3,7 "1,0 5,0.45 5,0"
t "--interval 60: once a minute" 0 simulate --policy scalepipe $DB --interval 60 --react-margin 0 "$D/sim-jump.csv"
f_is 3,7 "1,0 6,0.45 6,0"
t "--interval 300: once a step" 0 simulate --policy scalepipe $DB --interval 300 --react 0 "$D/sim-jump.csv"
f_is 3,7 "1,0 1,1 6,0.25"
f_is 12 "forecast forecast deadband"
# --react 15 (scalepipe's default, scalepipe-tick's REACT_EVERY): between
# those decisions the load rule alone, up only, every 15 s: at 315 the
# window holds (45 x 80 + 15 x 400) / 60 = 160 (2 pods), then 240 (3), 320
# (4), 400 (5) at 360: the step violates for half its ticks, not all; at
# 600 the decision keeps the 5 (the dead band applies to a change only)
t "--interval 300 --react 15: up between the decisions" 0 simulate --policy scalepipe $DB --interval 300 --react 15 --react-margin 0 "$D/sim-jump.csv"
f_is 3,7 "1,0 5,0.5 5,0"
f_is 12 "forecast react reactive"
# --react-margin 50: a check that finds the load above the count plans for
# 1.5 x the load: 3 pods at 315 (160 x 1.5 = 240), none at 330 (240 needs
# the 3), 6 at 345 (320 x 1.5 = 480): the 5 the step needs are ready a
# tick sooner, and the step violates in 0.4 of its ticks, not 0.5
t "--react-margin 50: headroom at the checks" 0 simulate --policy scalepipe $DB --interval 300 --react 15 --react-margin 50 "$D/sim-jump.csv"
f_is 3,7 "1,0 6,0.4 6,0"
# (40 and 50 give the same counts here: tests/cli/plan.sh tells them apart)
t "--react-margin: scalepipe's default is 40" 0 sh -c "simulate --policy scalepipe $DB --interval 300 '$D/sim-jump.csv' > '$T/a' &&
	simulate --policy scalepipe $DB --interval 300 --react-margin 40 '$D/sim-jump.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--react: scalepipe's default is 15" 0 sh -c "simulate --policy scalepipe $DB --interval 300 '$D/sim-jump.csv' > '$T/a' &&
	simulate --policy scalepipe $DB --interval 300 --react 15 '$D/sim-jump.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--react 30: at 330 and 360" 0 simulate --policy scalepipe $DB --interval 300 --react 30 --react-margin 0 "$D/sim-jump.csv"
f_is 3,7,8 "1,0,300 5,0.5,1320 5,0,1500"
# never down: the load falls to 80 at 600 (1 pod), the decision at 600 keeps 5 (hold
# for the next step's demand); the checks at 615 ... 885 keep them until 900's decision
t "--react never scales down" 0 sh -c "simulate --policy scalepipe --interval 300 --react 0 '$D/sim-down.csv' > '$T/a' &&
	simulate --policy scalepipe --interval 300 --react 15 '$D/sim-down.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--react leaves the HPA alone" 0 sh -c "simulate --policy hpa '$D/sim-jump.csv' > '$T/a' &&
	simulate --policy hpa --react 15 '$D/sim-jump.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--react 0 for forecast and burst by default" 0 sh -c "simulate --policy burst --interval 300 '$D/sim-jump.csv' > '$T/a' &&
	simulate --policy burst --interval 300 --react 0 '$D/sim-jump.csv' > '$T/b' && cmp '$T/a' '$T/b'"
# --scale-limits: each count the plan sets goes through scale's limits per
# run, as scalepipe-tick's scale applies them.  The fall of sim-down.csv
# (400 to 80 at 600; once a minute): the plan wants 1 from 660 on, but the
# 5 decided at 600 holds it for 300 s (down-stabilisation 300); at 960 the
# rate, 25 % and never half: 5 -> 4, then 3 at 1020, 2 at 1080, where it
# stays (2 never goes to 1 below 50 %); rates alone: the plan's
# stabilisation at 120 s (--stabilise 120; its default is 60) holds 5
# to 720; from 780 it wants 1, which the rate makes 4 at 780, 3 at 840
# (the step's last decision), 2 at 900; --max-down-pct 100 as well: no
# limit at all
t "--scale-limits: the fall held 300 s, then 25 % a minute" 0 simulate --policy scalepipe --scale-limits "$D/sim-down.csv"
f_is 3 "5 5 5 2 2"
t "--down-stabilisation 0: the rates alone" 0 simulate --policy scalepipe --stabilise 120 --down-stabilisation 0 "$D/sim-down.csv"
f_is 3 "5 5 3 2 2"
t "--down-stabilisation 0 --max-down-pct 100: no limit" 0 sh -c "simulate --policy scalepipe '$D/sim-down.csv' > '$T/a' &&
	simulate --policy scalepipe --down-stabilisation 0 --max-down-pct 100 '$D/sim-down.csv' > '$T/b' && cmp '$T/a' '$T/b'"
# up: the jump of sim-jump.csv (no checks): 1 -> 5 at 360 is within
# max(100 % of 1, 4 pods); with --max-up-pods 1, one pod a minute, ready a
# minute later: the step violates for 18 of its 20 ticks, not 9
t "--scale-limits: 1 -> 5 within max(100 %, 4 pods)" 0 sh -c "simulate --policy scalepipe --react 0 '$D/sim-jump.csv' > '$T/a' &&
	simulate --policy scalepipe --react 0 --scale-limits '$D/sim-jump.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--max-up-pods 1: a pod a minute" 0 simulate --policy scalepipe --react 0 --max-up-pods 1 "$D/sim-jump.csv"
f_is 3,7 "1,0 5,0.9 5,0"
t "--scale-limits with --policy hpa" 2 simulate --policy hpa --scale-limits "$D/sim-jump.csv"
err_has "simulate: --scale-limits and scale's limits are for --policy forecast, burst or scalepipe setting the count"
t "--max-up-pods with --publish" 2 simulate --policy scalepipe --publish --max-up-pods 2 "$D/sim-jump.csv"
err_has "(not --publish: the HPA's own behavior applies there)"
t "--max-down-pct out of range" 2 simulate --policy scalepipe --max-down-pct 101 "$D/sim-jump.csv"
err_has "simulate: --max-down-pct: 101 is out of range [0, 100]"
t "bad --react" 2 simulate --policy scalepipe --react -1 "$D/sim-jump.csv"
err_has "simulate: --react:"
t "--react with --publish" 2 simulate --policy scalepipe --publish --react 15 "$D/sim-jump.csv"
err_has "--react does not go with --publish"
# the lead time auto is the start-up plus the interval: once a step, the
# next step's demand is planned for a whole step ahead (at 300 for 600)
t "--interval 300: the lead time auto covers it" 0 simulate --policy scalepipe --interval 300 "$D/sim-lead.csv"
f_is 3,7 "1,0 5,0 5,0 5,0"
# a lead of the start-up plus one tick (75 s) misses it: the decision at
# 300 is too early for it, the next one is at 600, and the new pods are
# ready a minute into the step
t "--interval 300 --lead-time 75: too short" 0 simulate --policy scalepipe --interval 300 --lead-time 75 "$D/sim-lead.csv"
f_is 3,7 "1,0 1,0 5,0.25 5,0"
# the reactive policies and the peers decide every tick whatever --interval says
t "--interval leaves the HPA alone" 0 sh -c "simulate --policy hpa '$D/sim-jump.csv' > '$T/a' &&
	simulate --policy hpa --interval 300 '$D/sim-jump.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--interval leaves the peers alone" 0 sh -c "simulate --policy kpa '$D/sim-jump.csv' > '$T/a' &&
	simulate --policy kpa --interval 300 '$D/sim-jump.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "bad --interval" 2 simulate --policy scalepipe --interval -5 "$D/sim-jump.csv"
err_has "simulate: --interval:"
# --publish (SCALE_MODE=publish with deploy/hpa/hpa-external.yaml): the
# planner publishes, an HPA sets max(CPU proposal, published count) every
# tick.  On the curve C (w* 80, CPU = load per pod %): 1560 starts 20 pods
# (78 % CPU); the demand 1680 wants 21, set at once in direct mode; as
# an External averageValue 21 on 20 pods is a ratio of 1.05, inside the
# HPA's tolerance, so the HPA keeps 20.  The lead to 1800 (23 pods) is
# taken by both.  When the load falls to 800 at 900, direct mode goes to
# 10 within the step (after the plan's 60-s stabilisation), the HPA after its 300-s scale-down stabilisation (at 1200).
# (The plan's own stabilisation is off here, to show the HPA's.)
t "direct: the demand's count" 0 simulate --policy scalepipe $C "$D/sim-publish.csv"
f_is 3 "21 23 23 10 10 10"
t "--publish: tolerance and stabilisation" 0 simulate --policy scalepipe $C --publish --stabilise 0 "$D/sim-publish.csv"
f_is 3 "20 23 23 23 10 10"
f_is 8 "6000 6360 6900 6900 3600 3000"
f_is 12 "DesiredWithinRange DesiredWithinRange DesiredWithinRange ScaleDownStabilized DesiredWithinRange DesiredWithinRange"
# behavior.scaleUp.tolerance 0 (deploy/hpa/hpa-external.yaml): the 21 goes through
t "--publish --tolerance-up 0: the plan's 21 on 20" 0 simulate --policy scalepipe $C --publish --tolerance-up 0 "$D/sim-publish.csv"
f_is 3 "21 23 23 23 10 10"
# the HPA's CPU metric acts every tick: on the jump (DB) with a planner
# deciding once a step, 4 pods in the step at 300 where direct mode has 1
# without its checks between decisions (--react 0)
t "--publish: the CPU metric between the planner's decisions" 0 simulate --policy scalepipe $DB --interval 300 --publish "$D/sim-jump.csv"
f_is 3,4,7 "1,1,0 4,3,1 6,6,0.25"
t "--interval 300, direct: nothing until 600" 0 simulate --policy scalepipe $DB --interval 300 --react 0 "$D/sim-jump.csv"
f_is 3,4,7 "1,1,0 1,1,1 6,6,0.25"
# --target is the HPA's CPU target: at 95 % the CPU metric wants fewer
# pods than the planner, which then decides alone; at 20 % it wants more:
# 78 pods for 1560 (20 each) within the first step, 39 for 800
t "--publish --target 95" 0 simulate --policy scalepipe $C --publish --target 95 "$D/sim-publish.csv"
f_is 3 "20 23 23 23 10 10"
t "--publish --target 20" 0 simulate --policy scalepipe $C --publish --target 20 "$D/sim-publish.csv"
f_is 3 "78 78 78 78 39 39"
t "--publish needs a predictive policy" 2 simulate --policy hpa --publish "$D/sim-jump.csv"
err_has "simulate: --publish needs --policy forecast, burst or scalepipe"
# burstdetect's demand_hold (400 until 900): scalepipe keeps 5 pods for it,
# then goes down; burst ignores it
awk -F, -v OFS=, 'NR == 1 { print $0, "demand_hold"; next } { print $0, NR <= 5 ? 400 : 80 }' "$D/sim-down.csv" > "$T/hold.csv"
t "scalepipe: demand_hold holds the scale-down" 0 simulate --policy scalepipe --min-down 1 --deadband 0 "$T/hold.csv"
f_is 3 "5 5 5 5 1"
f_is 12 "forecast forecast reactive hold forecast"
t "burst ignores demand_hold" 0 simulate --policy burst --reactive load --min-down 1 "$T/hold.csv"
f_is 3 "5 5 1 1 1"
t "bad --margin" 2 simulate --policy scalepipe --margin -1 "$D/sim-lead.csv"
err_has "simulate: --margin:"
t "bad --lead-time" 2 simulate --policy scalepipe --lead-time soon "$D/sim-lead.csv"
err_has "simulate: --lead-time:"
t "bad --hysteresis" 2 simulate --policy scalepipe --hysteresis 100 "$D/sim-lead.csv"
err_has "simulate: --hysteresis:"
# issue 14: a load whose replica count is not an int (1.7e308 / w*) is an
# error naming the row, not a float-to-int overflow (UB)
printf 'timestamp,load\n0,1.7e308\n60,1\n' > "$T/huge.csv"
t "load 1.7e308, hpa: an error naming the row" 1 simulate $C --policy hpa < "$T/huge.csv"
err_is <<'EOF'
simulate: row 1, column load: load 1.7e+308 needs more than 10000000 replicas at w* 80
EOF
out_is < /dev/null
if [ -z "${SP_VALGRIND:-}" ]; then
printf 'timestamp,load,replicas\n0,5,1\n60,1.7e308,3\n' > "$T/huge.csv"
t "load 1.7e308, replay: an error naming the row" 1 simulate $C < "$T/huge.csv"
err_has "simulate: row 2, column load: load 1.7e+308 needs more than 10000000 replicas"
fi
# the HPA option group of plan (sp_cli_hpa): per-direction tolerance,
# behavior policies and select
t "hpa: scale-down Pods 1/60 s, no window, tolerance-up 0.5" 0 simulate $C --policy hpa --target 50 --scale-down-policies pods:1:60 --scale-down-window 0 --tolerance-up 0.5 "$D/plan-load.csv"
f_is 3 "2 2 4 4 4 3 2 1 1 1 1 1"
out_has "360,50,2,2,11.875,18.75,0,165,1,0,ScaleDownLimit"
if [ -z "${SP_VALGRIND:-}" ]; then
t "hpa: --scale-up-select disabled" 0 simulate $C --policy hpa --target 50 --scale-up-select disabled "$D/plan-load.csv"
f_is 3 "2 2 2 2 2 2 2 2 2 2 1 1"
t "hpa: --hpa-metric pods (load per pod against --target)" 0 simulate $C --policy hpa --hpa-metric pods --target 50 --tick 0 "$D/plan-load.csv"
# 300 on 2 pods: 150 per pod, 3x the target: 6 (the starting pods count 0)
f_is 3 "2 2 2 4 6 6 6 6 6 6 6 1"
t "bad --scale-up-policies" 2 simulate $C --policy hpa --scale-up-policies pods:0:15 "$D/plan-load.csv"
err_has "simulate: --scale-up-policies: bad policy"
fi
# --by (scalepipe(7) "Many workloads"): a cluster and a policy per key;
# keysplit (lib.sh) compares each key with a run of its rows alone
keysplit "--by: hpa closed loop per key, steps" 2 1 "$D/fleet-3.csv" simulate $C -c load --policy hpa
keysplit "--by --summary: a row per key" 2 1 "$D/fleet-3.csv" simulate $C -c load --policy hpa --summary
# the total row (empty key): sums, and the percentage over all 240 steps
out_has "hpa,,240,20,8.333333333,2.06285,43200,720,"
# replay of a keyed plan: the replicas column per key (plain build only:
# the valgrind run has the keyed engine's paths above)
if [ -z "${SP_VALGRIND:-}" ]; then
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "replicas"; next } { print $0, ($3 > 250 ? 4 : 3) }' \
    "$D/fleet-3.csv" > "$T/fleet-replay.csv"
keysplit "--by: replay per key" 2 1 "$T/fleet-replay.csv" simulate $C -c load
t "--by --summary --no-header: rows only" 0 simulate $C --policy hpa --summary --no-header --by series "$D/fleet-3.csv"
out_has "hpa,cache,80,20,25,"
fi
printf 'timestamp,series,load\n0,a,5\n0,b,5\n60,a,\n60,b,5\n120,a,5\n' > "$T/open.csv"
t "--by: only a key's last row may lack its load" 1 simulate $C --policy hpa --by series < "$T/open.csv"
err_is <<'EOF'
simulate: row 5, column load: missing load at row 3 of key 'a' (only a key's last row may lack it)
EOF
printf 'timestamp,series,load\n0,a,5\n60,a,\n0,b,5\n60,b,5\n' > "$T/open.csv"
t "--by: the open row at a key's end is skipped" 0 simulate $C --policy hpa --by series --summary --no-header "$T/open.csv"
out_is <<'EOF'
hpa,a,1,0,0,0,60,1,10.5,10.5,0,10.5,5,0,0,0,0,0,0,,0,0,0,0,0,1,0,0,0,60,1,0,0,10.5,0,0
hpa,b,2,0,0,0,120,2,10.5,10.5,0,10.5,5,0,0,0,0,0,0,,0,0,0,0,0,2,0,0,0,120,2,0,0,10.5,0,0
hpa,,3,0,0,0,180,3,10.5,10.5,0,10.5,5,0,0,0,0,0,0,,0,0,0,0,0,3,0,0,0,180,3,0,0,10.5,0,0
EOF
printf 'timestamp,series,load\n60,a,5\n0,b,5\n0,a,5\n' > "$T/order.csv"
t "--by: time order within a key" 1 simulate $C --policy hpa --by series "$T/order.csv"
err_has "row 3, column timestamp: timestamp 0 is before 60, the previous row of key 'a'"
t "--by: the key is not the load" 2 simulate $C --policy hpa --by series -c series "$D/fleet-3.csv"
err_has "simulate: -c: 'series' is the key column (--by)"
# --nowcast: five-minute steps of a load 400 + e, e_s = 0.6 e_(s-1) + a
# wave, the band's middle and the demands 400; once a minute the decision
# within a step knows the step's load (held) and, once a fit is in (31
# pairs), plans for the next step's demand + psi x e: reason nowcast
awk 'BEGIN { print "timestamp,load,forecast,lower,upper,state,demand,demand_next"
	for (s = 0; s < 80; s++) { e = 0.6 * e + 60 * sin(1.7 * s); printf "%d,%.3f,400,300,500,normal,400,400\n", 300 * s, 400 + e } }' > "$T/nc.csv"
t "--nowcast on: the load so far moves the next step's demand" 0 simulate --policy scalepipe --nowcast on "$T/nc.csv"
awk -F, 'NR > 1 && $12 == "nowcast" { n++; if (NR - 1 < 33) early = 1 } END { exit !(n >= 10 && !early) }' "$T/out" ||
	_bad "steps with reason nowcast: $(grep -c nowcast "$T/out")"
t "--nowcast: scalepipe's default is on" 0 sh -c "simulate --policy scalepipe '$T/nc.csv' > '$T/a' &&
	simulate --policy scalepipe --nowcast on '$T/nc.csv' > '$T/b' && cmp '$T/a' '$T/b' && grep -q nowcast '$T/a'"
# --check-hold: a load rising 60 a step for 30 five-minute steps, ramped
# inside them, the forecast a step behind: the checks scale up between
# the decisions, and with --check-hold 300 a decision keeps a check's
# count while the load is still at or above the load it met
awk 'BEGIN { print "timestamp,load,forecast,lower,upper,state,demand,demand_next"
	for (s = 0; s < 30; s++) { l = 300 + 60 * s; d = s ? l - 60 : 300; printf "%d,%d,%d,%d,%d,normal,%d,%d\n", 300 * s, l, d, d - 50, d + 50, d, d }
	for (s = 30; s < 40; s++) printf "%d,2040,2040,1990,2090,normal,2040,2040\n", 300 * s }' > "$T/rise.csv"
t "--check-hold 300: decisions keep the checks' counts" 0 simulate --policy scalepipe --interp linear --check-hold 300 "$T/rise.csv"
check "... steps with reason check-held" grep -q ',check-held$' "$T/out"
t "--check-hold: scalepipe's default is 300" 0 sh -c "simulate --policy scalepipe --interp linear '$T/rise.csv' > '$T/a' &&
	simulate --policy scalepipe --interp linear --check-hold 300 '$T/rise.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--check-hold 0: no step check-held" 0 simulate --policy scalepipe --interp linear --check-hold 0 "$T/rise.csv"
grep -q check-held "$T/out" && _bad "reason check-held with --check-hold 0"
t "--check-hold: off by default for the burst policy" 0 sh -c "simulate --policy burst --interp linear --react 15 '$T/rise.csv' > '$T/a' &&
	simulate --policy burst --interp linear --react 15 --check-hold 0 '$T/rise.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--check-hold: more replica-hours than without" 0 sh -c "
	a=\$(simulate --policy scalepipe --interp linear --check-hold 0 --summary --no-header '$T/rise.csv' | cut -d, -f6) &&
	b=\$(simulate --policy scalepipe --interp linear --check-hold 300 --summary --no-header '$T/rise.csv' | cut -d, -f6) &&
	test \$b -gt \$a"
t "--check-hold: not a number" 2 simulate --policy scalepipe --check-hold -1 "$T/rise.csv"
err_has "simulate: --check-hold: "
t "--nowcast off: no step planned on the load so far" 0 simulate --policy scalepipe --nowcast off "$T/nc.csv"
grep -q nowcast "$T/out" && _bad "reason nowcast with --nowcast off"
t "--nowcast: off by default for the burst policy" 0 sh -c "simulate --policy burst '$T/nc.csv' > '$T/a' &&
	simulate --policy burst --nowcast off '$T/nc.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--nowcast: on or off" 2 simulate --policy scalepipe --nowcast yes "$T/nc.csv"
err_has "--nowcast: want on or off, not 'yes'"
finish
