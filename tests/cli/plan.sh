#!/bin/sh
# plan: policies, HPA options, long format, errors.
. "$TOP/tests/cli/lib.sh"
# curve: cpu = w %, latency = 10 + w / 10 ms; SLO 18 ms gives w* = 80
C="--curve $D/plan-curve.csv --slo 18"
# the last two fields of every data row (replicas,reason), space separated
rr_is() {
	got=$(awk -F, 'NR > 1 { printf "%s%s,%s", (NR > 2 ? " " : ""), $(NF - 1), $NF }' "$T/out")
	[ "$got" = "$1" ] || _bad "replicas,reason: got '$got', want '$1'"
}

t "hpa on CPU derived from the curve, legacy stabilisation" 0 plan $C --policy hpa --target 50 --explain "$D/plan-load.csv"
out_is <<'X'
timestamp,load,replicas,reason,explain
0,100,1,FailedGetMetrics,HPA: the metric is missing for this step; the controller does not scale (or only up with partial metrics)
60,100,2,DesiredWithinRange,HPA at 100 % CPU (target 50 %) on 1 replicas: the desired count is within the acceptable range
120,300,2,DesiredWithinRange,HPA at 50 % CPU (target 50 %) on 2 replicas: the desired count is within the acceptable range
180,300,4,DesiredWithinRange,HPA at 100 % CPU (target 50 %) on 2 replicas: the desired count is within the acceptable range
240,300,6,DesiredWithinRange,HPA at 75 % CPU (target 50 %) on 4 replicas: the desired count is within the acceptable range
300,50,6,DesiredWithinRange,HPA at 50 % CPU (target 50 %) on 6 replicas: the desired count is within the acceptable range
360,50,6,ScaleDownStabilized,"HPA at 8 % CPU (target 50 %) on 6 replicas: recent recommendations were higher than current one, applying the highest recent recommendation"
420,50,6,ScaleDownStabilized,"HPA at 8 % CPU (target 50 %) on 6 replicas: recent recommendations were higher than current one, applying the highest recent recommendation"
480,50,6,ScaleDownStabilized,"HPA at 8 % CPU (target 50 %) on 6 replicas: recent recommendations were higher than current one, applying the highest recent recommendation"
540,50,6,ScaleDownStabilized,"HPA at 8 % CPU (target 50 %) on 6 replicas: recent recommendations were higher than current one, applying the highest recent recommendation"
600,50,6,ScaleDownStabilized,"HPA at 8 % CPU (target 50 %) on 6 replicas: recent recommendations were higher than current one, applying the highest recent recommendation"
660,50,1,DesiredWithinRange,HPA at 8 % CPU (target 50 %) on 6 replicas: the desired count is within the acceptable range
X
err_empty

# measured cpu with unready and missing pods (replica_calculator cases)
t "hpa with cpu, ready, unready, missing, current columns" 0 plan $C --policy hpa --target 30 "$D/plan-pods.csv"
rr_is "3,FailedGetMetrics 4,DesiredWithinRange 5,DesiredWithinRange 5,DesiredWithinRange 2,DesiredWithinRange"
t "hpa --hpa-metric average-value" 0 plan $C --policy hpa --hpa-metric average-value --target 50 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,ScaleUpLimit 6,DesiredWithinRange 6,DesiredWithinRange 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 1,DesiredWithinRange"
t "hpa --hpa-metric value" 0 plan $C --policy hpa --hpa-metric value --target 100 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 1,DesiredWithinRange 1,DesiredWithinRange 3,DesiredWithinRange 6,ScaleUpLimit 12,ScaleUpLimit 18,ScaleDownStabilized 18,ScaleDownStabilized 18,ScaleDownStabilized 18,ScaleDownStabilized 18,ScaleDownStabilized 9,DesiredWithinRange"
t "hpa --hpa-metric without --target" 2 plan $C --policy hpa --hpa-metric value "$D/plan-load.csv"
err_has "plan: --hpa-metric value needs --target"
t "hpa behavior: scale-down Pods 1/60 s, scale-up disabled" 0 plan $C --policy hpa --target 50 --behavior --scale-down-window 0 --scale-down-policies pods:1:60 --scale-up-select disabled "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange"
t "hpa behavior: Percent scale-up, up window, Min scale-down" 0 plan $C --policy hpa --target 50 --scale-up-policies percent:50:60 --scale-up-window 60 --scale-down-select min --scale-down-policies pods:1:60,percent:50:60 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 3,ScaleUpLimit 5,ScaleUpLimit 6,DesiredWithinRange 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 5,ScaleDownLimit 4,ScaleDownLimit"
# behavior counts a recommendation only strictly inside the window (After), legacy
# also at its edge (not Before): one step earlier than the legacy run above
t "hpa --behavior defaults" 0 plan $C --policy hpa --target 50 --behavior "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 1,DesiredWithinRange 1,DesiredWithinRange"
t "hpa --tolerance-up keeps a ratio of 2" 0 plan $C --policy hpa --target 50 --tolerance-up 1.5 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange"
t "hpa --tolerance 0.95" 0 plan $C --policy hpa --target 50 --tolerance 0.95 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange 4,DesiredWithinRange"
t "hpa --tolerance-down never scales down" 0 plan $C --policy hpa --target 50 --tolerance-down 0.95 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange"
t "hpa --downscale-window 60" 0 plan $C --policy hpa --target 50 --downscale-window 60 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,ScaleDownStabilized 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange 1,DesiredWithinRange"
t "hpa --scale-up-factor/--scale-up-minimum (int32 truncation)" 0 plan $C --policy hpa --target 50 --scale-up-factor 1.5 --scale-up-minimum 1 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,ScaleUpLimit 1,DesiredWithinRange"
t "hpa --initial" 0 plan $C --policy hpa --target 50 --initial 3 "$D/plan-load.csv"
rr_is "3,FailedGetMetrics 3,ScaleDownStabilized 3,ScaleDownStabilized 6,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 1,DesiredWithinRange"
t "hpa -c picks the load column" 0 plan $C --policy hpa -c load --target 50 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 2,DesiredWithinRange 4,DesiredWithinRange 6,DesiredWithinRange 6,DesiredWithinRange 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 6,ScaleDownStabilized 1,DesiredWithinRange"

t "threshold: +1 at latency >= SLO, -1 at CPU <= 50" 0 plan $C --policy threshold "$D/plan-load.csv"
rr_is "1,threshold 2,threshold 1,threshold 2,threshold 3,threshold 4,threshold 3,threshold 2,threshold 1,threshold 1,min 1,min 1,min"
t "threshold --threshold-low" 0 plan $C --policy threshold --threshold-low 10 "$D/plan-load.csv"
rr_is "1,threshold 2,threshold 2,threshold 3,threshold 4,threshold 4,threshold 4,threshold 4,threshold 4,threshold 4,threshold 4,threshold 4,threshold"

t "forecast, reactive hpa (default): max of both, fallback on a missing forecast" 0 plan $C --explain "$D/plan-fc.csv"
out_is <<'X'
timestamp,load,forecast,lower,upper,state,demand,replicas,reason,explain
0,100,100,80,120,normal,100,2,forecast,forecast demand 100 / w* 80 = 2
60,150,160,130,190,normal,160,2,forecast,forecast demand 160 / w* 80 = 2
120,400,170,140,200,burst,420,6,forecast,forecast demand 420 / w* 80 = 6
180,420,410,380,440,burst,500,7,forecast,forecast demand 500 / w* 80 = 7
240,200,300,250,350,normal,300,6,reactive,forecast demand 300 / w* 80 = 4; the reactive rule wants more (6)
300,100,120,90,150,normal,120,6,reactive,forecast demand 120 / w* 80 = 2; the reactive rule wants more (6)
360,90,,,,normal,,6,hpa-fallback,no forecast for this step: reactive rule gives 6
420,80,80,60,100,spike,80,6,reactive,forecast demand 80 / w* 80 = 1; the reactive rule wants more (6)
X
t "forecast --reactive load" 0 plan $C --reactive load "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 6,forecast 7,forecast 6,reactive 3,reactive 2,hpa-fallback 2,reactive"
t "forecast --reactive none" 0 plan $C --reactive none "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 6,forecast 7,forecast 4,forecast 2,forecast 2,hpa-fallback 1,forecast"
t "forecast --scale-in" 0 plan $C --scale-in "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 6,forecast 7,forecast 4,forecast 2,forecast 4,hpa-fallback 1,forecast"
t "burst policy names burst rows" 0 plan $C --policy burst --reactive none "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 6,burst 7,burst 4,forecast 2,forecast 2,hpa-fallback 1,forecast"
t "--ramp-up/--ramp-down" 0 plan $C --reactive none --ramp-up 2 --ramp-down 1 "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 4,ramp 6,ramp 5,ramp 4,ramp 4,hpa-fallback 3,ramp"
t "--stabilise" 0 plan $C --reactive none --stabilise 120 "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 6,forecast 7,forecast 7,stabilised 7,stabilised 7,hpa-fallback 7,stabilised"
t "--overprov" 0 plan $C --reactive none --overprov 25 "$D/plan-fc.csv"
rr_is "2,forecast 3,forecast 7,forecast 8,forecast 5,forecast 2,forecast 2,hpa-fallback 2,forecast"
t "--min/--max" 0 plan $C --reactive none --min 3 --max 5 "$D/plan-fc.csv"
rr_is "3,min 3,min 5,max 5,max 4,forecast 3,min 3,hpa-fallback 3,min"
t "--wstar" 0 plan $C --reactive none --wstar 50 "$D/plan-fc.csv"
rr_is "2,forecast 4,forecast 9,forecast 10,forecast 6,forecast 3,forecast 3,hpa-fallback 2,forecast"
t "--cpu-cap binds w*" 0 plan $C --reactive none --cpu-cap 50 "$D/plan-fc.csv"
rr_is "2,forecast 4,forecast 9,forecast 10,forecast 6,forecast 3,forecast 3,hpa-fallback 2,forecast"
t "--quality-window/--min-coverage" 0 plan $C --reactive none --quality-window 2 --min-coverage 1 "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 6,forecast 6,hpa-fallback 6,hpa-fallback 6,hpa-fallback 6,hpa-fallback 6,hpa-fallback"
t "--quality-window/--max-error" 0 plan $C --reactive none --quality-window 2 --max-error 0.2 --explain "$D/plan-fc.csv"
out_has "300,100,120,90,150,normal,120,4,hpa-fallback,forecast error 0.345 over the last 2 steps (above 0.2): reactive rule gives 4"
t "--demand-col" 0 plan $C --reactive none --demand-col forecast "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 3,forecast 6,forecast 4,forecast 2,forecast 2,hpa-fallback 1,forecast"
t "--stale" 0 plan $C --reactive load --stale 90 --explain "$D/plan-origin.csv"
out_is <<'X'
timestamp,load,origin,forecast,replicas,reason,explain
60,100,0,100,2,forecast,forecast demand 100 / w* 80 = 2
120,100,0,300,2,hpa-fallback,forecast made 120 s before the step (stale after 90 s): reactive rule gives 2
180,100,120,300,4,forecast,forecast demand 300 / w* 80 = 4
X
t "the shipped curve by default: w* 80.68 at 16 ms" 0 plan --reactive none --wstar 80.68 "$D/plan-fc.csv"
rr_is "2,forecast 2,forecast 6,forecast 7,forecast 4,forecast 2,forecast 2,hpa-fallback 1,forecast"

# svrfit models of the shipped curve (made with svrfit -m F [-y cpu_pct]
# -k 0 -C 100 -g 10 -e 0.01 data/bascaler_fft_service_curve.csv)
t "--perf/--perf-cpu: svrfit models, w* at 16 ms" 0 plan --perf "$D/plan-lat.svr" --perf-cpu "$D/plan-cpu.svr" --reactive none --explain "$D/plan-fc.csv"
out_has "0,100,100,80,120,normal,100,2,forecast,forecast demand 100 / w* 80.68 = 2"
t "--perf-max bounds the table (saturated beyond it)" 0 plan --perf "$D/plan-lat.svr" --perf-max 50 --reactive none --explain "$D/plan-fc.csv"
out_has "w* 50 = 2"
t "--perf and --curve" 2 plan --perf "$D/plan-lat.svr" --curve "$D/plan-curve.csv" "$D/plan-fc.csv"
err_has "plan: --perf and --curve exclude each other"
t "--perf-cpu alone" 2 plan --perf-cpu "$D/plan-cpu.svr" "$D/plan-fc.csv"
err_has "plan: --perf-cpu needs --perf"
t "--perf with a two-feature model" 1 plan --perf "$D/plan-two.svr" "$D/plan-fc.csv"
err_has "plan-two.svr: the model has 2 features; the performance model needs one, the load per replica"
t "--perf with a file that is not a model" 1 plan --perf "$D/plan-fc.csv" "$D/plan-fc.csv"
err_has "plan-fc.csv"

t "long format: one decision per origin, actual from the next origin" 0 plan $C --reactive none "$D/plan-long.csv"
out_is <<'X'
timestamp,load,forecast,lower,upper,demand,replicas,reason
60,120,110,90,130,110,2,forecast
120,180,150,120,180,150,2,forecast
180,,170,150,190,170,3,forecast
X
t "long format --lead" 0 plan $C --reactive none --lead 2 "$D/plan-long.csv"
rr_is "3,forecast 4,forecast 3,forecast"
t "long format --lead --demand-col upper" 0 plan $C --reactive none --lead 3 --demand-col upper "$D/plan-long.csv"
rr_is "7,forecast 5,forecast 3,forecast"
t "stdin" 0 sh -c "plan $C --reactive none < '$D/plan-long.csv'"
rr_is "2,forecast 2,forecast 3,forecast"

# The peers, one decision per row, on the previous row's load (plan-load:
# 100, 100, 300 x 3, 50 x 7 every 60 s; w* = 80).
# kpa, target 50 % of w* = 40 per pod, starting from ceil(100 / 80) = 2
# ready pods: Knative starts such a KPA in panic mode.  0: no data.  60:
# both windows 100 -> 3 (panic since 0, not yet 60 s old: 3 is kept as the
# panic maximum).  120: the panic ends: 3.  180: 300 -> 8, 8/3 >= 2: panic.
# 240: still.  300: the panic of 180 is over 60 s old and 8/8 < 2: stable 8.
# 360: 50 -> 2, but at most halve: 4.  420: 2.
t "--policy kpa worked example" 0 plan $C --policy kpa --target 50 "$D/plan-load.csv"
cut -d, -f3,4 "$T/out" | tail -n +2 | tr '\n' ' ' > "$T/got"
check "kpa replicas" sh -c "grep -qx '2,nodata 3,panic 3,stable 8,panic 8,panic 8,stable 4,stable 2,stable 2,stable 2,stable 2,stable 2,stable ' '$T/got'"
# keda, threshold 40 per pod: ceil(value / 40) with the HPA's limits:
# 60: 3; 180: ceil(300 / 40) = 8, capped at max(2 x 3, 4) = 6; 240: 8; from
# 360 (50 -> 2) the stabilisation holds 8 while the 8 of 300 is in the
# last 300 s; 660: 2.
t "--policy keda worked example" 0 plan $C --policy keda --target 40 "$D/plan-load.csv"
cut -d, -f3 "$T/out" | tail -n +2 | tr '\n' ' ' > "$T/got"
check "keda replicas" sh -c "grep -qx '2 3 3 6 8 8 8 8 8 8 8 2 ' '$T/got'"
# crane and ahpa have no forecast on 12 minutes of history: crane is the
# HPA on the last load per pod without scale-down (ceil(2 x 300/2 / 64) =
# 5, capped at 4, then 5), ahpa ceil(last load / 64); aws scales out after
# three minutes above 64 per pod: ceil(2 x 150 / 64) = 5 at 300.
t "--policy crane" 0 plan $C --policy crane "$D/plan-load.csv"
cut -d, -f3 "$T/out" | tail -n +2 | tr '\n' ' ' > "$T/got"
check "crane replicas" sh -c "grep -qx '2 2 2 4 5 5 5 5 5 5 5 5 ' '$T/got'"
t "--policy ahpa --explain" 0 plan $C --policy ahpa --explain "$D/plan-load.csv"
out_has "300,50,5,reactive,ahpa on 5 replicas: reactive"
cut -d, -f3 "$T/out" | tail -n +2 | tr '\n' ' ' > "$T/got"
check "ahpa replicas" sh -c "grep -qx '2 2 2 5 5 5 1 1 1 1 1 1 ' '$T/got'"
t "--policy aws" 0 plan $C --policy aws "$D/plan-load.csv"
cut -d, -f3,4 "$T/out" | tail -n +2 | tr '\n' ' ' > "$T/got"
check "aws replicas" sh -c "grep -qx '2,hold 2,hold 2,hold 2,hold 2,hold 5,scale-out 5,hold 5,hold 5,hold 5,hold 5,hold 5,hold ' '$T/got'"

# errors
t "horizon gap at a new origin" 1 plan $C "$D/plan-long-gap.csv"
err_is <<X
plan: $D/plan-long-gap.csv: row 4, column horizon: horizon gap: a new origin starts at horizon 2, not 1
X
sed 3d "$D/plan-long.csv" > "$T/gap2.csv"
t "horizon gap inside an origin" 1 plan $C "$T/gap2.csv"
err_has "row 2, column horizon: horizon gap: 3 after 1"
t "forecast columns missing" 1 plan $C "$D/plan-load.csv"
err_is <<'X'
plan: forecast columns missing: no column 'demand' or 'forecast' (use --policy hpa or threshold on a plain trace, or pipe through arfit or burstdetect first)
X
t "--demand-col names a missing column" 2 plan $C --demand-col nope "$D/plan-fc.csv"
err_has "no column 'nope'"
t "min > max" 2 plan $C --min 5 --max 3 "$D/plan-fc.csv"
err_has "plan: --min (5) must not be greater than --max (3)"
t "an SLO the model can never meet" 1 plan $C --slo 5 "$D/plan-fc.csv"
err_is <<'X'
plan: SLO 5 ms cannot be met: the lowest latency on the performance curve is 10 ms (at 0 per replica)
X
t "SLO 8 on the shipped curve" 1 plan --slo 8 "$D/plan-fc.csv"
err_has "plan: SLO 8 ms cannot be met: the lowest latency on the performance curve is 9.97 ms"
t "bad number names row and column" 1 plan $C --policy hpa -c load --target 50 "$D/plan-badnum.csv"
err_is <<X
plan: $D/plan-badnum.csv: row 3, column load: not a finite number: 'abc'
X
t "negative demand counts as 0" 0 plan $C --reactive none "$D/plan-negdemand.csv"
rr_is "1,min"
t "bad curve" 1 plan --curve "$D/plan-bad-curve.csv" "$D/plan-fc.csv"
err_has "plan-bad-curve.csv: row 3: loads per replica must increase strictly"
t "missing curve" 1 plan --curve "$T/nope.csv" "$D/plan-fc.csv"
err_has "nope.csv: cannot open"
t "bad --policy" 2 plan --policy magic "$D/plan-fc.csv"
err_has "plan: --policy: invalid choice 'magic' (one of: forecast, burst, hpa, threshold, ppo, bascaler, keda, kpa, crane, aws, ahpa, scalepipe)"
t "bad --reactive" 2 plan --reactive maybe "$D/plan-fc.csv"
err_has "invalid choice 'maybe'"
t "bad policy list" 2 plan --scale-up-policies pods:x "$D/plan-fc.csv"
err_has "plan: --scale-up-policies: bad policy 'pods:x'"
t "bad --scale-down-select" 2 plan --scale-down-select most "$D/plan-fc.csv"
err_has "invalid choice 'most'"
t "bad --slo" 2 plan --slo -1 "$D/plan-fc.csv"
err_has "plan: --slo:"
t "unknown option" 2 plan --frobnicate "$D/plan-fc.csv"
err_has "Try 'plan --help'"
t "extra argument" 2 plan "$D/plan-fc.csv" extra
err_has "plan: unexpected argument 'extra'"
t "missing input file" 1 plan $C "$T/none.csv"
err_has "none.csv"
t "write error" 1 sh -c "plan $C '$D/plan-fc.csv' > /dev/full"
err_has "plan: write error"
t "keda without --target" 2 plan $C --policy keda "$D/plan-load.csv"
err_has "plan: --policy keda needs --target"
t "a peer on the long format" 1 plan $C --policy kpa "$D/plan-long.csv"
err_has "plan: --policy kpa needs per-step rows, not the long format"
t "--help" 0 plan --help
out_has "usage: plan"
t "--version" 0 plan --version
out_has "plan (scalepipe)"
# a --target given equal to the default (80) is a target given
t "hpa --hpa-metric value --target 80" 0 plan $C --policy hpa --hpa-metric value --target 80 "$D/plan-load.csv"
rr_is "1,FailedGetMetrics 2,DesiredWithinRange 3,DesiredWithinRange 6,ScaleUpLimit 12,ScaleUpLimit 24,ScaleUpLimit 45,ScaleDownStabilized 45,ScaleDownStabilized 45,ScaleDownStabilized 45,ScaleDownStabilized 45,ScaleDownStabilized 29,DesiredWithinRange"
# --hold-on-anomaly: a row's flag, like its load, informs the next decision
cat > "$T/anom.csv" <<'X'
timestamp,load,demand,anomaly,flag
0,100,400,0,0
60,400,400,1,1
120,100,100,1,0
180,100,100,0,0
240,100,100,,0
300,100,80,0,0
X
t "--hold-on-anomaly" 0 plan $C --reactive none --hold-on-anomaly --explain "$T/anom.csv"
out_is <<'X'
timestamp,load,demand,anomaly,flag,replicas,reason,explain
0,100,400,0,0,5,forecast,forecast demand 400 / w* 80 = 5
60,400,400,1,1,5,forecast,forecast demand 400 / w* 80 = 5
120,100,100,1,0,5,anomaly-hold,forecast demand 100 / w* 80 = 2; scale-down to 2 held at 5 during an anomaly
180,100,100,0,0,5,anomaly-hold,forecast demand 100 / w* 80 = 2; scale-down to 2 held at 5 during an anomaly
240,100,100,,0,2,forecast,forecast demand 100 / w* 80 = 2
300,100,80,0,0,1,forecast,forecast demand 80 / w* 80 = 1
X
t "--anomaly-col" 0 plan $C --reactive none --hold-on-anomaly --anomaly-col flag "$T/anom.csv"
rr_is "5,forecast 5,forecast 5,anomaly-hold 2,forecast 2,forecast 1,forecast"
t "--anomaly-col without --hold-on-anomaly" 2 plan $C --anomaly-col flag "$T/anom.csv"
err_has "plan: --anomaly-col goes with --hold-on-anomaly"
t "--hold-on-anomaly: no such column" 2 plan $C --hold-on-anomaly --anomaly-col nope "$T/anom.csv"
err_has "anom.csv: no column 'nope' (have: timestamp, load,"
printf 'timestamp,load,demand,anomaly\n0,100,100,0\n60,100,100,0.5\n' > "$T/anom-bad.csv"
t "--hold-on-anomaly: not 0 or 1" 1 plan $C --hold-on-anomaly "$T/anom-bad.csv"
err_has "anom-bad.csv: row 2, column anomaly: anomaly must be 0 or 1: 0.5"
t "--hold-on-anomaly: not the long format" 1 plan $C --hold-on-anomaly "$D/plan-long.csv"
err_has "plan: --hold-on-anomaly needs per-step rows, not the long format"
# scalepipe (one decision per row): the next step's demand at once (row 300:
# 400 -> 5), the previous row's load as the floor (row 900: 400 -> 5)
t "scalepipe" 0 plan --policy scalepipe "$D/sim-lead.csv"
check "replicas and reasons" sh -c "cut -d, -f9,10 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '1,forecast 5,lead 5,forecast 5,forecast '"
# --margin 10 without a dead band (the default): row 900's floor 440 -> 6;
# with a dead band of 15 %, a scale-up goes to 400 x 1.25 = 500 -> 7
t "scalepipe --margin 10" 0 plan --policy scalepipe --margin 10 "$D/sim-lead.csv"
check "the margined floor" sh -c "cut -d, -f9,10 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '1,forecast 5,lead 5,forecast 6,reactive '"
t "scalepipe --margin 10 --deadband 15" 0 plan --policy scalepipe --margin 10 --deadband 15 "$D/sim-lead.csv"
check "the dead band on the way up" sh -c "cut -d, -f9,10 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '1,forecast 5,lead 5,forecast 7,deadband '"
t "scalepipe --lead-time 0" 0 plan --policy scalepipe --lead-time 0 "$D/sim-lead.csv"
check "no lead" sh -c "cut -d, -f9 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '1 1 5 5 '"
t "bad --hysteresis" 2 plan --policy scalepipe --hysteresis x "$D/sim-lead.csv"
err_has "plan: --hysteresis:"
# --pods: the pods the HPA lists at each sync (issue 14).  60: 2 pods at
# 90 % of 1000m: 4; 120: two new pods inside the CPU initialisation period,
# c Ready for less than a metric window (unready), d never ready and
# without a metric (unready: pending CPU): 50 % on the old two, keep 4
printf 'timestamp,load,current\n0,100,2\n60,100,2\n120,100,4\n' > "$T/hpa-t.csv"
cat > "$T/hpa-pods.csv" <<'X'
timestamp,pod,phase,ready,start,ready_since,request,usage
60,a,Running,true,0,0,1000,900
60,b,Running,true,0,0,1000,900
120,a,Running,true,0,0,1000,500
120,b,Running,true,0,0,1000,500
120,c,Running,true,100,110,1000,100
120,d,Running,false,100,100,1000,
X
t "hpa --pods, --hpa-columns, --explain" 0 plan --policy hpa --wstar 1 --target 50 --pods "$T/hpa-pods.csv" --hpa-columns --explain "$T/hpa-t.csv"
out_is <<'X'
timestamp,load,current,replicas,reason,explain,proposal,utilization,raw
0,100,2,2,FailedGetMetrics,HPA: the metric is missing for this step; the controller does not scale (or only up with partial metrics),,,
60,100,2,4,DesiredWithinRange,HPA at 90 % CPU (target 50 %) on 2 replicas: the desired count is within the acceptable range,4,90,900
120,100,4,4,DesiredWithinRange,HPA at 50 % CPU (target 50 %) on 4 replicas: the desired count is within the acceptable range,4,50,500
X
# under valgrind (about a second a run) the cases above and below are
# enough for the reader and the calculator
if [ -z "${SP_VALGRIND:-}" ]; then
# no initialisation period: c counts (36 %); d, missing, is filled in at
# 100 % on the scale-down: 52 %, within the tolerance
t "hpa --pods --cpu-init 0" 0 plan --policy hpa --wstar 1 --target 50 --pods "$T/hpa-pods.csv" --hpa-columns --cpu-init 0 "$T/hpa-t.csv"
out_has "120,100,4,4,DesiredWithinRange,4,36,366"
# --readiness-delay: d (now with a sample) has been not Ready since its
# start: never ready within 30 s, set aside (36 %); with a delay of 0 its
# last change is not within the delay, so it counts (30 %)
sed 's/^120,d,Running,false,100,100,1000,$/120,d,Running,false,100,100,1000,100/' "$T/hpa-pods.csv" > "$T/hpa-pods2.csv"
t "hpa --pods, never-ready pod after the initialisation period" 0 plan --policy hpa --wstar 1 --target 50 --pods "$T/hpa-pods2.csv" --hpa-columns --cpu-init 0 "$T/hpa-t.csv"
out_has "120,100,4,4,ScaleDownStabilized,3,36,366"
t "hpa --pods --readiness-delay 0" 0 plan --policy hpa --wstar 1 --target 50 --pods "$T/hpa-pods2.csv" --hpa-columns --cpu-init 0 --readiness-delay 0 "$T/hpa-t.csv"
out_has "120,100,4,4,ScaleDownStabilized,3,30,300"
fi
# the Pods metric: the load per ready pod (300 on 2: 150 per pod, 3x 50)
t "hpa --hpa-metric pods on the load per ready pod" 0 plan $C --policy hpa --hpa-metric pods --target 50 --hpa-columns "$D/plan-load.csv"
out_has "180,300,4,ScaleUpLimit,6,150000,150000"
out_has "660,50,1,DesiredWithinRange,1,8333,8333"
if [ -z "${SP_VALGRIND:-}" ]; then
t "hpa --hpa-metric object = value" 0 sh -c "plan $C --policy hpa --hpa-metric object --target 100 '$D/plan-load.csv' > '$T/a' && plan $C --policy hpa --hpa-metric value --target 100 '$D/plan-load.csv' | cmp - '$T/a'"
t "hpa --hpa-metric object-average = average-value" 0 sh -c "plan $C --policy hpa --hpa-metric object-average --target 50 '$D/plan-load.csv' > '$T/a' && plan $C --policy hpa --hpa-metric average-value --target 50 '$D/plan-load.csv' | cmp - '$T/a'"
t "--pods with --policy forecast" 2 plan $C --pods "$T/hpa-pods.csv" "$D/plan-fc.csv"
err_has "plan: --pods is for --policy hpa"
t "--hpa-columns with --policy threshold" 2 plan $C --policy threshold --hpa-columns "$D/plan-load.csv"
err_has "plan: --hpa-columns is for --policy hpa"
t "--pods: no such file" 1 plan --policy hpa --wstar 1 --pods "$T/nope.csv" "$T/hpa-t.csv"
err_has "nope.csv: cannot open"
fi
printf 'timestamp,pod,ready\n60,a,maybe\n' > "$T/hpa-bad.csv"
t "--pods: a bad value names file, row and column" 1 plan --policy hpa --wstar 1 --pods "$T/hpa-bad.csv" "$T/hpa-t.csv"
err_has "hpa-bad.csv: row 1, column ready: ready must be true, false, 1, 0 or empty: 'maybe'"
if [ -z "${SP_VALGRIND:-}" ]; then
t "--pods: not the long format" 1 plan --policy hpa --wstar 1 --pods "$T/hpa-pods.csv" "$D/plan-long.csv"
err_has "plan: --pods needs per-step rows, not the long format"
fi

# ---- --state (the slices-equal-one-run tests are in state.sh) ----
# burstdetect's rows: the last one (the step after the newest load) has no load
burstdetect --train 60 "$D/bd-synth.csv" > "$T/bd.csv"
SP="--policy burst $C --max 1000 --stabilise 600 --ramp-down 1 --quality-window 4"
# shellcheck disable=SC2086
plan $SP "$T/bd.csv" > "$T/whole"
t "--state: no file is a cold start, silently" 0 plan $SP --state "$T/pl.state" "$T/bd.csv"
out_is "$T/whole"
err_empty
check "--state: the state file, versioned" sh -c "head -n 1 '$T/pl.state' | grep -qx 'scalepipe-state plan 5' && tail -n 1 '$T/pl.state' | grep -qx end"
cp "$T/pl.state" "$T/pl.state0"
t "--state: the rows seen are skipped; the row without a load is decided again" 0 plan $SP --state "$T/pl.state" "$T/bd.csv"
{ head -n 1 "$T/whole"; tail -n 1 "$T/whole"; } > "$T/want2"
out_is "$T/want2"
check "--state: unchanged by a run with nothing new" cmp "$T/pl.state" "$T/pl.state0"
# the open row again, now with its load: decided as before, then consumed
{ cat "$T/bd.csv"; echo '18060,100.005,100.005,85.005,115.005,normal,100.005,'; } > "$T/bd2.csv"
sed '$s/^18000,,/18000,100.005,/' "$T/bd2.csv" > "$T/bd3.csv"
# shellcheck disable=SC2086
plan $SP "$T/bd3.csv" | tail -n 2 > "$T/want3"
t "--state: the open row with its load, then a new one" 0 plan $SP --state "$T/pl.state" "$T/bd3.csv"
check "--state: as one run over all the rows" sh -c "sed 1d '$T/out' | cmp - '$T/want3'"
head -n 5 "$T/pl.state0" > "$T/pl.state"
t "--state: a truncated state warns with file:line and recomputes" 0 plan $SP --state "$T/pl.state" "$T/bd.csv"
out_is "$T/whole"
echo "plan: warning: state $T/pl.state:6: 'opt_slo' missing (truncated): recomputing from the input" | err_is
sed 's/^carry /carry 1 /' "$T/pl.state0" > "$T/pl.state"
t "--state: a wrong count of values" 0 plan $SP --state "$T/pl.state" "$T/bd.csv"
err_has "plan: warning: state $T/pl.state:"
err_has ": carry: more than 9 values: recomputing from the input"
out_is "$T/whole"
# the nowcast's lines: nan (unknown) or a number, never infinite; a fit's
# sums finite, its weight and squares not negative
for l in 'nowcast_demand inf nan nan' 'nowcast_step -inf' 'nowcast_fit 1 0 0 -1 0'; do
	k=${l%% *}
	awk -v k="$k" -v l="$l" '$1 == k && !done { print l; done = 1; next } { print }' "$T/pl.state0" > "$T/pl.state"
	t "--state: $l: a warning and a cold start" 0 plan $SP --state "$T/pl.state" "$T/bd.csv"
	err_has "plan: warning: state $T/pl.state:"
	err_has ": $k: not a"
	out_is "$T/whole"
done
cp "$T/pl.state0" "$T/pl.state"
t "--state: written with other options: a warning and a cold start" 0 plan $SP --stabilise 300 --state "$T/pl.state" "$T/bd.csv"
err_has "plan: warning: state $T/pl.state:12: state written with stabilise 600, not 300: recomputing from the input"
cp "$T/pl.state0" "$T/pl.state"
# --react-margin shapes only the checks, which run without a state: a state
# is the same with it (no spurious recompute when the default changes)
t "--state: --react-margin is not in the state" 0 plan $SP --react-margin 20 --state "$T/pl.state" "$T/bd.csv"
err_empty
check "--state: unchanged by --react-margin" cmp "$T/pl.state" "$T/pl.state0"
cp "$T/pl.state0" "$T/pl.state"
sed '$s/^18060,100.005,/18060,-5,/' "$T/bd3.csv" > "$T/bad.csv"
t "--state: a failed run leaves the state as it was" 1 plan $SP --state "$T/pl.state" "$T/bad.csv"
check "--state: not written by the failed run" cmp "$T/pl.state" "$T/pl.state0"
t "--state with a peer policy" 2 plan --policy keda --target 5 $C --state "$T/pl.state" "$T/bd.csv"
err_has "plan: --state is for --policy forecast, burst, scalepipe, hpa and threshold without --pods"
t "--state on the long format" 1 plan $C --state "$T/pl.state" "$D/bd-synth.csv"
err_has "plan: --state needs per-step rows"

# ---- --by: each key's rows planned as a run of their own ----
awk -F, -v OFS=, 'NR == 1 { print; next } { if ($4 != "") $4 = $4 * 1.7; print }' "$D/bd-synth.csv" |
	burstdetect --quantile 0.75 > "$T/bdb.csv"
{ echo "timestamp,series,$(head -n 1 "$T/bd.csv" | cut -d, -f2-)"
  { awk -F, -v OFS=, 'NR > 1 { $1 = $1 ",web"; print }' "$T/bd.csv"
    awk -F, -v OFS=, 'NR > 1 && NR % 2 == 0 { $1 = $1 ",api%1"; print }' "$T/bdb.csv"; } | sort -t, -k1,1n -s
} > "$T/keyed.csv"
# shellcheck disable=SC2086
keysplit "--by series: each key as a run of its own" 2 0 "$T/keyed.csv" plan $SP -c load
t "--by series: the load is the first column after the key" 0 plan $SP --by series "$T/keyed.csv"
out_is "$T/keyed"
t "--by with -c the key column" 2 plan $SP --by series -c series "$T/keyed.csv"
err_has "plan: -c: 'series' is the key column (--by)"
t "--by on the long format" 1 plan $C --by series "$D/bd-synth.csv"
err_has "plan: --by needs per-step rows"
t "--by with a peer policy" 2 plan --policy keda --target 5 $C --by series "$T/keyed.csv"
err_has "plan: --by is for --policy forecast"
{ head -n 1 "$T/keyed.csv"; sed -n '2,11p' "$T/keyed.csv" | sort -t, -k1,1nr; } > "$T/keyed-back.csv"
t "--by: time goes back within a key" 1 plan $SP --by series "$T/keyed-back.csv"
err_has "the previous row of key '"
# --by --state: one state file for every key; two runs = one run
head -n 200 "$T/keyed.csv" > "$T/keyed-a.csv"
rm -f "$T/k.state"
t "--by --state: a first run" 0 plan $SP --by series --state "$T/k.state" "$T/keyed-a.csv"
cp "$T/out" "$T/k1"
check "--by --state: a block per key, the key escaped" sh -c "grep -qx 'keys 2' '$T/k.state' && grep -qx 'key web' '$T/k.state' && grep -qx 'key api%251' '$T/k.state'"
t "--by --state: the next run" 0 plan $SP --by series --state "$T/k.state" "$T/keyed.csv"
check "--by --state: the two runs' rows are the one run's" sh -c "{ cat '$T/k1'; sed 1d '$T/out'; } | cmp - '$T/keyed'"
cp "$T/pl.state0" "$T/k.state"
t "--by --state: an unkeyed state warns and recomputes every key" 0 plan $SP --by series --state "$T/k.state" "$T/keyed.csv"
err_has "plan: warning: state $T/k.state:2: 'opt_policy' where 'keys' was expected: recomputing from the input"
out_is "$T/keyed"
# scalepipe's scale-down rules: burstdetect's demand_hold (a scale-down
# keeps the count for it), a dead band (--deadband 15: down no lower than
# the load x 1.15), --min-down N (a drop of fewer than N pods is kept; 1 by
# default, 2 until 2026-12-04 22:00) and a 60-s stabilisation (the rows here are
# 300 s apart: it holds nothing); the other policies ignore demand_hold
printf 'timestamp,load,demand,demand_hold\n0,80,400,400\n300,80,80,400\n600,80,80,160\n900,80,80,80\n' > "$T/hold.csv"
t "scalepipe --deadband 15: demand_hold and the dead band" 0 plan --policy scalepipe --deadband 15 "$T/hold.csv"
check "5, held at 5, 2 by the band, kept" sh -c "cut -d, -f5,6 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5,forecast 5,hold 2,deadband 2,deadband '"
t "scalepipe --min-down 2: the hold, then one pod less kept" 0 plan --policy scalepipe --min-down 2 "$T/hold.csv"
check "5, 5, held at 2, one pod less kept" sh -c "cut -d, -f5,6 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5,forecast 5,hold 2,hold 2,hysteresis '"
t "scalepipe (the defaults: no dead band, --min-down 1)" 0 plan --policy scalepipe "$T/hold.csv"
check "the last drop goes" sh -c "cut -d, -f5,6 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5,forecast 5,hold 2,hold 1,forecast '"
# the stabilisation, on rows a minute apart (scalepipe-tick's cadence): at
# 60 the reactive rule still sees the load of the row before (400: 5); from
# 120 everything wants 1, held at 5 while the 5 of 60 is within the window.
# 60 s by default (120 until 2026-12-06 08:10): held at 120 (t - 60 <= 60),
# down at 180; with 120 s held at 120 and 180, down at 240
printf 'timestamp,load,demand\n0,400,400\n60,80,80\n120,80,80\n180,80,80\n240,80,80\n' > "$T/stab.csv"
t "scalepipe: stabilised 60 s by default" 0 plan --policy scalepipe "$T/stab.csv"
check "5, held at 5 until 180" sh -c "cut -d, -f4,5 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5,forecast 5,reactive 5,stabilised 1,forecast 1,forecast '"
t "scalepipe --stabilise 120" 0 plan --policy scalepipe --stabilise 120 "$T/stab.csv"
check "5, held at 5 until 240" sh -c "cut -d, -f4,5 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5,forecast 5,reactive 5,stabilised 5,stabilised 1,forecast '"
t "scalepipe --stabilise 0" 0 plan --policy scalepipe --stabilise 0 "$T/stab.csv"
check "down when the load has fallen" sh -c "cut -d, -f4 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5 5 1 1 1 '"
t "forecast: no stabilisation by default" 0 plan --policy forecast --reactive load "$T/stab.csv"
check "down when the load has fallen" sh -c "cut -d, -f4 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5 5 1 1 1 '"
t "forecast ignores demand_hold" 0 plan --policy forecast --reactive load "$T/hold.csv"
check "straight down" sh -c "cut -d, -f5 '$T/out' | tail -n +2 | tr '\n' ' ' | grep -qx '5 1 1 1 '"
t "--min-down 0 is refused" 2 plan --policy scalepipe --min-down 0 "$T/hold.csv"
t "--deadband -1 is refused" 2 plan --policy scalepipe --deadband -1 "$T/hold.csv"
printf 'timestamp,load,demand,demand_hold\n0,80,400,x\n' > "$T/hold-bad.csv"
t "demand_hold not a number" 1 plan --policy scalepipe "$T/hold-bad.csv"
err_has "hold-bad.csv: row 1, column demand_hold: not a finite number: 'x'"

# ---- --forget: a key that stops is left out of the state ----
awk -F, 'NR == 1 || $2 == "web"' "$T/keyed.csv" > "$T/keyed-web.csv"
rm -f "$T/f1.state"
plan $SP --by series --state "$T/f1.state" "$T/keyed-a.csv" > /dev/null
cp "$T/f1.state" "$T/f2.state"
cp "$T/f1.state" "$T/f3.state"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the run that forgets only
	t "--forget: without it, the key that stopped stays" 0 plan $SP --by series --state "$T/f1.state" "$T/keyed-web.csv"
	cp "$T/out" "$T/fout1"
	check "--forget: api%1 kept without it" grep -qx 'key api%251' "$T/f1.state"
fi
t "--forget 1h: the key silent for longer is forgotten" 0 plan $SP --by series --state "$T/f2.state" --forget 1h "$T/keyed-web.csv"
[ -n "${SP_VALGRIND:-}" ] || out_is "$T/fout1"
err_is <<'EOF'
plan: warning: key 'api%1': no row for 1h: forgotten
EOF
check "--forget: api%1 gone from the state" sh -c "! grep -q '^key api' '$T/f2.state' && grep -qx 'keys 1' '$T/f2.state'"
if [ -z "${SP_VALGRIND:-}" ]; then
	t "--forget 1d: nothing that old, the state as without it" 0 plan $SP --by series --state "$T/f3.state" --forget 1d "$T/keyed-web.csv"
	err_empty
	check "--forget 1d: the same state" cmp "$T/f1.state" "$T/f3.state"
fi
for bad in 0 -5m 1x ''; do
	t "--forget '$bad': usage" 2 plan $SP --by series --state "$T/f3.state" --forget "$bad" "$T/keyed-web.csv"
	err_has "plan: --forget: not a duration: '$bad'"
done

# ---- --react: checks between decisions (scalepipe-tick's REACT_EVERY) ----------
# w* 80: 900 needs 12, 500 needs 7, 5000 needs 63; up only, within --max;
# a missing load keeps the count; a row without current takes the
# previous row's count, the first one --initial
printf 'timestamp,load,current\n0,900,8\n15,500,12\n30,5000,12\n45,,12\n60,1000,\n' > "$T/react.csv"
t "--react: up only, within --max" 0 plan --policy scalepipe $C --react --react-margin 0 --max 14 --explain "$T/react.csv"
out_is <<'X'
timestamp,load,current,replicas,reason,explain
0,900,8,12,react,between decisions: the reactive rule gives 12
15,500,12,12,keep,between decisions: keep 12 (the reactive rule gives 7)
30,5000,12,14,react,between decisions: the reactive rule gives 63; capped at --max 14
45,,12,12,keep,between decisions: keep 12 (the reactive rule gives 12)
60,1000,,13,react,between decisions: the reactive rule gives 13
X
err_empty
# above --max (scaled by hand) it never goes down; --margin is the load rule's
printf 'timestamp,load,current\n0,900,20\n15,900,8\n' > "$T/react2.csv"
t "--react: above --max kept; --margin" 0 plan --policy scalepipe $C --react --max 14 --margin 20 "$T/react2.csv"
rr_is "20,keep 14,react"
# --react-margin: headroom only where the load is above what the count
# serves (960 needs exactly 12: none); 900 x 1.3 needs 15, 1000 x 1.3 17
printf 'timestamp,load,current\n0,900,8\n15,500,12\n30,1000,12\n45,960,12\n' > "$T/reactm.csv"
t "--react --react-margin 30: at a shortfall only" 0 plan --policy scalepipe $C --react --max 40 --react-margin 30 --explain "$T/reactm.csv"
out_is <<'X'
timestamp,load,current,replicas,reason,explain
0,900,8,15,react,"between decisions: the reactive rule gives 15, with the react margin (load 900 x 1.3)"
15,500,12,12,keep,between decisions: keep 12 (the reactive rule gives 7)
30,1000,12,17,react,"between decisions: the reactive rule gives 17, with the react margin (load 1000 x 1.3)"
45,960,12,12,keep,between decisions: keep 12 (the reactive rule gives 12)
X
t "--react-margin: scalepipe's default is 40" 0 plan --policy scalepipe $C --react --max 40 "$T/reactm.csv"
check "as --react-margin 40" sh -c "plan --policy scalepipe $C --react --max 40 --react-margin 40 '$T/reactm.csv' | cmp - '$T/out'"
rr_is "16,react 12,keep 18,react 12,keep"
t "--react-margin: 0 for forecast and burst by default" 0 plan --policy burst --reactive load $C --react --max 40 "$T/reactm.csv"
rr_is "12,react 12,keep 13,react 12,keep"
t "--react-margin with --margin 10: load x 1.4" 0 plan --policy scalepipe $C --react --max 40 --margin 10 --react-margin 30 "$T/reactm.csv"
rr_is "16,react 12,keep 18,react 17,react"
t "--react-margin: not with the HPA rule (--reactive hpa)" 0 plan --policy forecast $C --reactive hpa --react --max 40 --react-margin 30 "$T/reactm.csv"
check "the HPA rule's counts, no margin" sh -c "plan --policy forecast $C --reactive hpa --react --max 40 '$T/reactm.csv' | cmp - '$T/out'"
t "--react-margin: a percentage >= 0" 2 plan --policy scalepipe $C --react --react-margin -5 "$T/reactm.csv"
err_has "plan: --react-margin"
printf 'timestamp,load\n0,900\n15,1000\n' > "$T/react3.csv"
t "--react --initial: the first count" 0 plan --policy burst $C --reactive load --react --initial 3 "$T/react3.csv"
rr_is "12,react 13,react"
t "--react without a current count" 1 plan --policy scalepipe $C --react "$T/react3.csv"
err_has "react3.csv: row 1: --react: no current count (a current column, or --initial N)"
out_is /dev/null
printf 'timestamp,load,current\n0,-5,3\n' > "$T/react4.csv"
t "--react: a negative load" 1 plan --policy scalepipe $C --react "$T/react4.csv"
err_has "row 1, column load: negative load -5"
t "--react is not for the HPA" 2 plan --policy hpa $C --react "$T/react3.csv"
err_has "plan: --react is for --policy forecast, burst and scalepipe"
t "--react without state" 2 plan --policy scalepipe $C --react --state "$T/r.state" "$T/react3.csv"
err_has "plan: --react does not go with --state"
printf 'origin,timestamp,horizon,load,forecast\n0,60,1,5,6\n' > "$T/react5.csv"
t "--react needs per-step rows" 1 plan --policy scalepipe $C --react --initial 2 "$T/react5.csv"
err_has "plan: --react needs per-step rows"
# ---- recent_load: the load measured since the previous row ---------------------
# (scalepipe-tick between rows of more than a minute).  w* 80: the previous
# row's load 319 needs 4, the demand 560 needs 7, a recent 718 needs 9
printf 'timestamp,load,demand,recent_load\n0,319,300,\n300,,560,\n' > "$T/rl1.csv"
t "recent_load empty: the previous row's load" 0 plan --policy forecast --reactive load $C --explain "$T/rl1.csv"
out_is <<'X'
timestamp,load,demand,recent_load,replicas,reason,explain
0,319,300,,4,forecast,forecast demand 300 / w* 80 = 4
300,,560,,7,forecast,forecast demand 560 / w* 80 = 7
X
printf 'timestamp,load,demand,recent_load\n0,319,300,\n300,,560,718\n' > "$T/rl2.csv"
t "recent_load: the load rule on the newest load" 0 plan --policy forecast --reactive load $C --explain "$T/rl2.csv"
out_is <<'X'
timestamp,load,demand,recent_load,replicas,reason,explain
0,319,300,,4,forecast,forecast demand 300 / w* 80 = 4
300,,560,718,9,reactive,forecast demand 560 / w* 80 = 7; the reactive rule wants more (9)
X
# the tick's pending row, decided again each minute from the state before
# it: a check's 13 pods come down to the newest load's 9, not to 7
printf 'timestamp,load,demand,current,recent_load\n0,319,300,,\n300,,560,13,718\n' > "$T/rl3.csv"
printf 'timestamp,load,demand,current,recent_load\n0,319,300,,\n300,,560,9,400\n' > "$T/rl4.csv"
rm -f "$T/rl.state"
t "recent_load with --state: the pending row" 0 plan --policy scalepipe $C --state "$T/rl.state" "$T/rl3.csv"
rr_is "4,forecast 9,reactive"
t "recent_load with --state: decided again with a newer load" 0 plan --policy scalepipe $C --state "$T/rl.state" "$T/rl4.csv"
rr_is "7,forecast"
t "recent_load with --state: and again" 0 plan --policy scalepipe $C --state "$T/rl.state" "$T/rl3.csv"
rr_is "9,reactive"
printf 'timestamp,series,load,demand,recent_load\n0,a,319,300,\n0,b,319,300,\n300,a,,560,718\n300,b,,560,\n' > "$T/rlby.csv"
t "recent_load with --by: each key's own" 0 plan --by series --policy forecast --reactive load $C "$T/rlby.csv"
rr_is "4,forecast 4,forecast 9,reactive 7,forecast"
printf 'timestamp,load,demand,recent_load\n0,319,300,\n300,,560,-1\n' > "$T/rl5.csv"
t "recent_load: negative" 1 plan --policy scalepipe $C "$T/rl5.csv"
err_has "rl5.csv: row 2, column recent_load: negative load -1"
out_is /dev/null
printf 'timestamp,load,demand,recent_load\n0,319,300,\n300,,560,inf\n' > "$T/rl6.csv"
t "recent_load: not a number" 1 plan --policy scalepipe $C "$T/rl6.csv"
err_has "rl6.csv: row 2, column recent_load: not a finite number"
out_is /dev/null
t "recent_load: not for the peers" 1 plan --policy kpa $C "$T/rl2.csv"
err_has "plan: the column 'recent_load' is read by scalepipe's own policies, not by kpa"
# ---- --check-hold: a check's scale-up kept while the load it met stays -----------
# The load rule on 800 wants 10 (w* 80) from the 12 a check set 50 s before
# for a load of 800: --check-hold 300 keeps 12 (check-held); not when the
# check is older than that, nor when the load fell below the check's, nor
# with --check-hold 0 (scalepipe's default 300); never above the current count
h=timestamp,load,demand,current,recent_load,check_replicas,check_load,check_at
ck() { printf '%s\n0,319,300,,,,,\n300,,400,%s\n' $h "$2" > "$T/$1.csv"; }
ck ck1 12,800,12,800,250
ck ck2 12,800,12,800,-100
ck ck3 12,790,12,800,250
ck ck4 13,800,14,800,250
ck ck5 12,800,,,
t "--check-hold 300: the check's 12 kept" 0 plan --policy scalepipe $C --check-hold 300 --explain "$T/ck1.csv"
out_has "300,,400,12,800,12,800,250,12,check-held,\"forecast demand 400 / w* 80 = 5; the reactive rule wants more (10); the check's 12 kept: load 800 at or above its 800, 50 s after it\""
t "--check-hold 300: a check 400 s before is not" 0 plan --policy scalepipe $C --check-hold 300 "$T/ck2.csv"
rr_is "4,forecast 10,reactive"
t "--check-hold 300: the load below the check's" 0 plan --policy scalepipe $C --check-hold 300 "$T/ck3.csv"
rr_is "4,forecast 10,reactive"
t "--check-hold 300: no more than the current count (13 of the check's 14)" 0 plan --policy scalepipe $C --check-hold 300 "$T/ck4.csv"
rr_is "4,forecast 13,check-held"
t "--check-hold 300: no check (empty)" 0 plan --policy scalepipe $C --check-hold 300 "$T/ck5.csv"
rr_is "4,forecast 10,reactive"
t "--check-hold: scalepipe's default is 300" 0 plan --policy scalepipe $C "$T/ck1.csv"
rr_is "4,forecast 12,check-held"
t "--check-hold: the forecast policy's default is 0" 0 plan --policy forecast --reactive load $C "$T/ck1.csv"
rr_is "4,forecast 10,reactive"
t "--check-hold 0: off" 0 plan --policy scalepipe $C --check-hold 0 "$T/ck1.csv"
rr_is "4,forecast 10,reactive"
t "--check-hold: the forecast policy too" 0 plan --policy forecast --reactive load $C --check-hold 300 "$T/ck1.csv"
rr_is "4,forecast 12,check-held"
t "--check-hold: not a number of seconds" 2 plan --policy scalepipe $C --check-hold x "$T/ck1.csv"
err_has "plan: --check-hold: "
t "--check-hold: above a day" 2 plan --policy scalepipe $C --check-hold 86401 "$T/ck1.csv"
printf 'timestamp,load,demand,check_replicas,check_load\n0,319,300,,\n' > "$T/ckc1.csv"
t "check columns: all three or none" 1 plan --policy scalepipe $C --check-hold 300 "$T/ckc1.csv"
err_has "plan: the columns check_replicas, check_load and check_at go together: no column 'check_at'"
ck ckr1 12,800,12,,250
t "check columns: a row with some of the three" 1 plan --policy scalepipe $C --check-hold 300 "$T/ckr1.csv"
err_has "ckr1.csv: row 2, column check_load: check_replicas, check_load and check_at are given together or left empty together"
ck ckr2 12,800,0,800,250
t "check columns: a check of 0 pods" 1 plan --policy scalepipe $C --check-hold 300 "$T/ckr2.csv"
err_has "ckr2.csv: row 2, column check_replicas: a check scales up to 1 pod or more, not 0"
ck ckr3 12,800,12,-5,250
t "check columns: a negative load" 1 plan --policy scalepipe $C --check-hold 300 "$T/ckr3.csv"
err_has "ckr3.csv: row 2, column check_load: negative load -5"
ck ckr4 12,800,12,800,nan
t "check columns: no time for a check" 1 plan --policy scalepipe $C --check-hold 300 "$T/ckr4.csv"
err_has "ckr4.csv: row 2, column check_at: check_replicas, check_load and check_at are given together or left empty together"
ck ckr5 12,800,2.5,800,250
t "check columns: not a pod count" 1 plan --policy scalepipe $C --check-hold 300 "$T/ckr5.csv"
err_has "ckr5.csv: row 2, column check_replicas: not a pod count: 2.5"
printf 'timestamp,load,check_replicas,check_load,check_at\n0,319,,,\n300,800,12,800,250\n' > "$T/ckpeer.csv"
t "check columns: not for the peers" 1 plan --policy kpa $C "$T/ckpeer.csv"
err_has "plan: the columns check_replicas, check_load and check_at are read by scalepipe's own policies, not by kpa"
printf 'timestamp,load,current,check_replicas,check_load,check_at\n0,900,9,,,\n' > "$T/ckreact.csv"
t "check columns: not for --react" 1 plan --policy scalepipe $C --react "$T/ckreact.csv"
err_has "plan: the columns check_replicas, check_load and check_at are not for --react (they are what a check did, for the decision after it)"
# --state remembers the option: another --check-hold recomputes
rm -f "$T/ck.state"
t "--check-hold with --state" 0 plan --policy scalepipe $C --check-hold 300 --state "$T/ck.state" "$T/ck1.csv"
check "... the state records it" grep -qx 'opt_check_hold 300' "$T/ck.state"
t "--check-hold: another value, the state recomputed" 0 plan --policy scalepipe $C --check-hold 600 --state "$T/ck.state" "$T/ck1.csv"
err_has "state written with check_hold 300, not 600: recomputing from the input"
# ---- decided_at: when a row is decided (again), for the --stabilise window ------
# The tick's pending row, decided again each minute, in a 120-s window (DA):
# the 9 pods decided at 300 hold the scale-down to 7 at 360 and 420, not at
# 480 (the window's recommendations are each minute's); without the column
# every minute's decision is the row's at 300 and replaces the one before
hdr=timestamp,load,demand,current,recent_load,decided_at
DA="$C --stabilise 120"
printf '%s\n0,319,300,,,\n300,,560,13,718,300\n' $hdr > "$T/da1.csv"
printf '%s\n0,319,300,,,\n300,,560,9,400,360\n' $hdr > "$T/da2.csv"
printf '%s\n0,319,300,,,\n300,,560,9,400,420\n' $hdr > "$T/da3.csv"
printf '%s\n0,319,300,,,\n300,,560,9,400,480\n' $hdr > "$T/da4.csv"
rm -f "$T/da.state"
t "decided_at: the pending row at 300" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da1.csv"
rr_is "4,forecast 9,reactive"
t "decided_at: again at 360, within 120 s of the 9" 0 plan --policy scalepipe $DA --state "$T/da.state" --explain "$T/da2.csv"
out_has "300,,560,9,400,360,9,stabilised,forecast demand 560 / w* 80 = 7; scale-down held at 9 (highest recommendation in 120 s)"
t "decided_at: again at 420" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da3.csv"
rr_is "9,stabilised"
t "decided_at: again at 480, the 9 out of the window" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da4.csv"
rr_is "7,forecast"
check "decided_at: the state holds each minute's recommendation in the window" \
	sh -c 'grep stabilise_ "$1" | grep -v opt_ | paste -sd" " | grep -qx "stabilise_n 3 stabilise_rec 360 7 stabilise_rec 420 7 stabilise_rec 480 7"' - "$T/da.state"
# the row's load in: decided again at 480 as applied (it replaces the
# recommendation of 480), the next row pending at 540
printf '%s\n0,319,300,,,\n300,400,560,9,400,480\n600,,560,7,,540\n' $hdr > "$T/da5.csv"
t "decided_at: the row with its load, the next pending" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da5.csv"
rr_is "7,forecast 7,forecast"
check "decided_at: the row decided again replaces its recommendation" \
	sh -c 'grep stabilise_ "$1" | grep -v opt_ | paste -sd" " | grep -qx "stabilise_n 3 stabilise_rec 420 7 stabilise_rec 480 7 stabilise_rec 540 7"' - "$T/da.state"
# without decided_at the minutes are the row's own time: nothing held
rm -f "$T/da.state"
cut -d, -f1-5 "$T/da1.csv" > "$T/da6.csv"; cut -d, -f1-5 "$T/da2.csv" > "$T/da7.csv"
t "no decided_at: the pending row at 300" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da6.csv"
rr_is "4,forecast 9,reactive"
t "no decided_at: again, the 9 replaced" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da7.csv"
rr_is "7,forecast"
# a time before the window's newest counts at the newest (never back)
rm -f "$T/da.state"
printf '%s\n0,319,300,,,\n300,,560,9,400,200\n' $hdr > "$T/da8.csv"
t "decided_at: the pending row at 300 again" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da1.csv"
t "decided_at: a time before the newest, held" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da8.csv"
rr_is "9,stabilised"
t "decided_at: ... and its state read again (two at one time)" 0 plan --policy scalepipe $DA --state "$T/da.state" "$T/da8.csv"
rr_is "9,stabilised"
err_empty
sed 's/^stabilise_rec 300 7$/stabilise_rec 299 7/' "$T/da.state" > "$T/da-bad.state"
t "decided_at: a state whose window goes back in time is not used" 0 plan --policy scalepipe $DA --state "$T/da-bad.state" "$T/da8.csv"
err_has "da-bad.state:"
err_has "stabilise_rec: not in time order"
awk '/^stabilise_rec / && !done { $2 = 1; done = 1 } { print }' "$T/da.state" > "$T/da-old.state"
t "decided_at: a state holding a recommendation older than its window is not used" 0 plan --policy scalepipe $DA \
	--state "$T/da-old.state" "$T/da8.csv"
err_has "da-old.state:"
err_has "stabilise_rec: older than the window (120 s) before the newest"
printf '%s\n0,319,300,,,\n300,,560,9,400,inf\n' $hdr > "$T/da9.csv"
t "decided_at: not a time" 1 plan --policy scalepipe $C "$T/da9.csv"
err_has "da9.csv: row 2, column decided_at: not a finite number"
out_is /dev/null
printf '%s\n0,319,300,,,\n300,,560,9,400,x\n' $hdr > "$T/da10.csv"
t "decided_at: not a number" 1 plan --policy scalepipe $C "$T/da10.csv"
err_has "da10.csv: row 2, column decided_at"
cut -d, -f1-4,6 "$T/da1.csv" > "$T/da13.csv"
t "decided_at: not for the peers" 1 plan --policy crane $C "$T/da13.csv"
err_has "plan: the column 'decided_at' is read by scalepipe's own policies, not by crane"
# the two columns of a row's decision are not for a check nor the long format
for c in recent_load decided_at; do
	printf 'timestamp,load,current,%s\n0,900,8,5\n' $c > "$T/col-react.csv"
	t "$c: not for --react" 1 plan --policy scalepipe $C --react "$T/col-react.csv"
	err_has "plan: the column '$c' is not for --react"
	printf 'origin,timestamp,horizon,load,forecast,%s\n0,60,1,5,6,7\n' $c > "$T/col-long.csv"
	t "$c: not in the long format" 1 plan --policy forecast $C "$T/col-long.csv"
	err_has "plan: the column '$c' needs per-step rows"
done
# the HPA has no --stabilise window: read, nothing changes
t "decided_at: the HPA policy reads its rows" 0 plan --policy hpa $C "$T/da1.csv"
# the HPA's own windows go by decided_at too, and --state keeps the
# pending row's recommendations and events: 5 pods at 300 (100 % CPU on
# 4) hold the scale-down of the minutes after (its 300-s downscale
# window) until 660; the row with its load decided again at 660 as it
# was replaces that recommendation (one at 660, not two)
printf '%s\n0,319,300,,,\n300,,560,4,1200,300\n' $hdr > "$T/dh1.csv"
printf '%s\n0,319,300,,,\n300,,560,16,300,360\n' $hdr > "$T/dh2.csv"
printf '%s\n0,319,300,,,\n300,,560,16,300,600\n' $hdr > "$T/dh3.csv"
printf '%s\n0,319,300,,,\n300,,560,16,300,660\n' $hdr > "$T/dh4.csv"
printf '%s\n0,319,300,,,\n300,300,560,16,300,660\n600,,560,4,300,720\n' $hdr > "$T/dh5.csv"
rm -f "$T/dh.state"
t "decided_at: the HPA, the pending row at 300" 0 plan --policy hpa $C --state "$T/dh.state" "$T/dh1.csv"
rr_is "1,FailedGetMetrics 5,DesiredWithinRange"
t "decided_at: the HPA again at 360 holds the 5 (its downscale window)" 0 plan --policy hpa $C --state "$T/dh.state" "$T/dh2.csv"
rr_is "5,ScaleDownStabilized"
t "decided_at: the HPA again at 600, still within 300 s" 0 plan --policy hpa $C --state "$T/dh.state" "$T/dh3.csv"
rr_is "5,ScaleDownStabilized"
t "decided_at: the HPA again at 660, the 5 out of its window" 0 plan --policy hpa $C --state "$T/dh.state" "$T/dh4.csv"
rr_is "4,DesiredWithinRange"
t "decided_at: the HPA, the row with its load, the next pending" 0 plan --policy hpa $C --state "$T/dh.state" "$T/dh5.csv"
rr_is "4,DesiredWithinRange 4,DesiredWithinRange"
check "decided_at: the HPA's recommendation of 660 replaced, not added" \
	sh -c 'grep "^hpa_recs [0-9]" "$1" | tail -n 1 | tr " " "\n" | grep -c "^660$" | grep -qx 1' - "$T/dh.state"

# ---- --nowcast: the load so far in a step moves the next step's demand ------------
# Rows every 300 s, each decided within its step (the time since the row
# before: decided_at 150 s before the row's) on the load so far
# (recent_load), 400 + e with e from -40 to 40; the
# band's middle 400 (300..500), the demands 400; each step's load is
# 410 + 2 x the step before's e.  plan fits psi 2 once 31 pairs are in
# (0.998 a step: 30 steps' weight), from the 34th row (the first row has
# no step length, so no load so far; a row's pair is the one two rows
# before with the row before's load), then plans for 400 + 2 x e: every
# such row's count is ceil((400 + 2e) / 80) (w* 80), before it
# ceil(400 / 80).
NC="--policy forecast --reactive none --wstar 80"
awk 'BEGIN { print "timestamp,load,demand,lower,upper,demand_next,recent_load,decided_at"
	for (s = 0; s < 60; s++) { e = 20 * ((s * 7) % 5 - 2); y = s ? 410 + 2 * e0 : 400
		printf "%d,%g,400,300,500,400,%g,%d\n", 300 * s, y, 400 + e, 300 * s - 150; e0 = e } }' > "$T/nc.csv"
t "--nowcast on: psi 2 fitted, then 400 + 2e" 0 plan $NC --nowcast on "$T/nc.csv"
awk -F, 'NR > 1 { e = $7 - 400; n = $10 == "nowcast" ? 400 + 2 * e : 400; w = int(n / 80); if (w * 80 < n) w++
	if ($9 != w) bad = bad " " $1 ": " $9 " not " w; c += $10 == "nowcast"; f = f || ($10 == "nowcast" && NR - 1 < 34) }
	END { if (bad != "" || c != 27 || f) { print "wrong:" bad, c, f; exit 1 } }' "$T/out" || _bad "counts"
cp "$T/out" "$T/nc-one.out"
t "--nowcast off: the demand alone" 0 plan $NC --nowcast off "$T/nc.csv"
awk -F, 'NR > 1 && ($9 != 5 || $10 == "nowcast") { exit 1 }' "$T/out" || _bad "nowcast without --nowcast on"
t "--nowcast: off by default for the forecast policy" 0 sh -c "plan $NC '$T/nc.csv' > '$T/a' && plan $NC --nowcast off '$T/nc.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--nowcast: off by default for the burst policy" 0 sh -c "plan --policy burst --reactive none --wstar 80 '$T/nc.csv' > '$T/a' &&
	plan --policy burst --reactive none --wstar 80 --nowcast off '$T/nc.csv' > '$T/b' && cmp '$T/a' '$T/b'"
t "--nowcast: scalepipe's default is on" 0 sh -c "plan --policy scalepipe --wstar 80 '$T/nc.csv' > '$T/a' &&
	plan --policy scalepipe --wstar 80 --nowcast on '$T/nc.csv' > '$T/b' && cmp '$T/a' '$T/b' && grep -q ',nowcast' '$T/a'"
# --state: two runs over the rows decide as one (the fits carried)
head -n 31 "$T/nc.csv" > "$T/nc1.csv"; { head -n 1 "$T/nc.csv"; tail -n +32 "$T/nc.csv"; } > "$T/nc2.csv"
t "--nowcast --state: two runs as one" 0 sh -c "rm -f '$T/nc.state' && plan $NC --nowcast on --state '$T/nc.state' '$T/nc1.csv' > '$T/a' &&
	plan $NC --nowcast on --state '$T/nc.state' '$T/nc2.csv' | tail -n +2 >> '$T/a' && cmp '$T/a' '$T/nc-one.out'"
# a row without its load decided at 60 s and 150 s into its step, after
# the row before (11700; a tick
# between rows): the state keeps the load so far of both (parts 2 and 5
# of ten) for when the row is decided again; at 60 s part 2 has no fit
# (the rows were decided at 150 s), at 150 s psi 2: 400 + 2 x 30 -> 6
head -n 41 "$T/nc.csv" > "$T/nc3.csv"
t "--nowcast --state: rows before the pending one" 0 sh -c "rm -f '$T/nc.state' && plan $NC --nowcast on --state '$T/nc.state' '$T/nc3.csv' > /dev/null"
printf 'timestamp,load,demand,lower,upper,demand_next,recent_load,decided_at\n12000,,400,300,500,400,%s,%s\n' 380 11760 > "$T/nc4.csv"
t "--nowcast --state: the pending row at 60 s" 0 plan $NC --nowcast on --state "$T/nc.state" "$T/nc4.csv"
out_has "12000,,400,300,500,400,380,11760,5,forecast"
printf 'timestamp,load,demand,lower,upper,demand_next,recent_load,decided_at\n12000,,400,300,500,400,%s,%s\n' 430 11850 > "$T/nc5.csv"
t "--nowcast --state: again at 150 s" 0 plan $NC --nowcast on --state "$T/nc.state" "$T/nc5.csv"
out_has "12000,,400,300,500,400,430,11850,6,nowcast"
awk '$1 == "nowcast_step" && $2 == 12000 { s = 1 } $1 == "nowcast_live" { l = $0 }
	END { split(l, v, " "); exit !(s && v[4] == -20 && v[7] == 30 && v[2] == "nan" && v[11] == "nan") }' "$T/nc.state" ||
	_bad "nowcast_live: $(grep nowcast_live "$T/nc.state")"
t "--nowcast: on or off" 2 plan $NC --nowcast maybe "$T/nc.csv"
err_has "--nowcast: want on or off, not 'maybe'"
finish
