#!/bin/sh
# promexport without a server: textfile and backfill output, column choice,
# usage errors, bad input (nothing half-written).  Pushgateway cases are in
# tests/integration/pushgateway.sh.
. "$TOP/tests/cli/lib.sh"

cat > "$T/plan.csv" <<'EOF'
timestamp,load,forecast,lower,upper,state,demand,replicas,reason
1700000000,10,11,9,13,normal,11,2,forecast
1700000060,12,13.5,10,17,burst,17.25,3,burst
1700000120,30,,,,spike,40,6,burst
EOF

t "--help" 0 promexport --help
out_has "usage: promexport [-c COL[=METRIC],...]"
t "textfile to stdout: known columns, missing values left out" 0 promexport --textfile - --namespace shop --target web "$T/plan.csv"
out_is <<'EOF'
# HELP scalepipe_demand_load Load to provision for (burstdetect)
# TYPE scalepipe_demand_load gauge
scalepipe_demand_load{namespace="shop",target="web"} 40
# HELP scalepipe_burst_state Burst state: 0 normal, 1 burst, 2 spike
# TYPE scalepipe_burst_state gauge
scalepipe_burst_state{namespace="shop",target="web"} 2
# HELP scalepipe_planned_replicas Replicas planned by scalepipe
# TYPE scalepipe_planned_replicas gauge
scalepipe_planned_replicas{namespace="shop",target="web"} 6
EOF
t "chosen columns and names, extra labels, stdin" 0 promexport --textfile - -c load,replicas=my:replicas --label 'env=prod "eu"' < "$T/plan.csv"
out_is <<'EOF'
# HELP scalepipe_load Exported by scalepipe promexport
# TYPE scalepipe_load gauge
scalepipe_load{env="prod \"eu\""} 30
# HELP my:replicas Replicas planned by scalepipe
# TYPE my:replicas gauge
my:replicas{env="prod \"eu\""} 6
EOF
t "backfill: every row with timestamps" 0 promexport --backfill - -c forecast,state "$T/plan.csv"
out_is <<'EOF'
# HELP scalepipe_forecast_load Forecast load for the row's time
# TYPE scalepipe_forecast_load gauge
scalepipe_forecast_load 11 1700000000
scalepipe_forecast_load 13.5 1700000060
# HELP scalepipe_burst_state Burst state: 0 normal, 1 burst, 2 spike
# TYPE scalepipe_burst_state gauge
scalepipe_burst_state 0 1700000000
scalepipe_burst_state 1 1700000060
scalepipe_burst_state 2 1700000120
# EOF
EOF
t "textfile written atomically" 0 promexport --textfile "$T/x.prom" -c replicas "$T/plan.csv"
check "file content" test "$(tail -n 1 "$T/x.prom")" = "scalepipe_planned_replicas 6"
check "mode 0644" test "$(stat -c %a "$T/x.prom")" = 644
check "no temporary left" test "$(ls "$T" | grep -c 'x.prom.tmp')" = 0

# usage
t "no output mode" 2 promexport "$T/plan.csv"
err_has "promexport: choose one of --pushgateway, --textfile and --backfill"
t "two output modes" 2 promexport --textfile - --backfill - "$T/plan.csv"
err_has "choose one of"
t "--add without --pushgateway" 2 promexport --textfile - --add "$T/plan.csv"
err_has "promexport: --add and --grouping go with --pushgateway"
t "bad metric name" 2 promexport --textfile - -c replicas=9x "$T/plan.csv"
err_has "promexport: --columns: not a valid metric name: '9x'"
t "bad label name" 2 promexport --textfile - --label __x=1 "$T/plan.csv"
err_has "promexport: --label: not a valid label name: '__x'"
t "label not K=V" 2 promexport --textfile - --label env "$T/plan.csv"
err_has "promexport: --label: not K=V: 'env'"
t "label twice" 2 promexport --textfile - --namespace a --label namespace=b "$T/plan.csv"
err_has "promexport: label 'namespace' given twice"
t "metric twice" 2 promexport --textfile - -c replicas,load=scalepipe_planned_replicas "$T/plan.csv"
err_has "promexport: metric 'scalepipe_planned_replicas' named twice"
t "empty column item" 2 promexport --textfile - -c replicas, "$T/plan.csv"
err_has "promexport: --columns: not a list of COL or COL=METRIC: 'replicas,'"
t "no such column" 2 promexport --textfile - -c nope "$T/plan.csv"
err_has "plan.csv: no column 'nope' (have: timestamp, load,"
t "timestamp is not a value" 2 promexport --textfile - -c timestamp "$T/plan.csv"
err_has "the timestamp is not a value to export"
t "pushgateway URL scheme" 2 promexport --pushgateway ftp://x "$T/plan.csv"
err_has "--pushgateway: must start with http:// or https://"
t "credentials in URL" 2 promexport --pushgateway http://a:b@127.0.0.1:1 "$T/plan.csv"
err_has "credentials in the URL are not accepted"
t "unknown option" 2 promexport --frob
err_has "usage: promexport"
t "extra argument" 2 promexport --textfile - a b
err_has "promexport: unexpected argument 'b'"

# bad input
t "no known column" 1 promexport --textfile - <<'EOF'
timestamp,load
1,2
EOF
err_has "promexport: no column to export (none of forecast, lower, upper, demand, state, replicas, anomaly_score, anomaly); choose with -c"
t "header only" 1 promexport --textfile - -c load <<'EOF'
timestamp,load
EOF
err_is <<'EOF'
promexport: input: no data rows
EOF
t "bad state" 1 promexport --textfile - -c state <<'EOF'
timestamp,state
1,calm
EOF
err_is <<'EOF'
promexport: row 1, column state: state must be normal, burst or spike: 'calm'
EOF
t "last row all empty" 1 promexport --textfile - -c load <<'EOF'
timestamp,load
1,2
2,
EOF
err_has "promexport: the last row has no value in any exported column"
printf 'timestamp,replicas\n1,2\n2,x\n' > "$T/bad.csv"
t "bad value: no file written" 1 promexport --backfill "$T/b.om" "$T/bad.csv"
err_has "row 2, column replicas: not a finite number: 'x'"
check "no file, no temporary" test "$(ls "$T" | grep -c 'b.om')" = 0
t "unwritable directory" 1 promexport --textfile "$T/nodir/x.prom" -c replicas "$T/plan.csv"
err_has "promexport: $T/nodir/x.prom: cannot create: No such file or directory"
t "token variable unset" 2 promexport -v --pushgateway http://127.0.0.1:1 --retries 0 --bearer-token-env SPT "$T/plan.csv"
err_has "promexport: environment variable SPT is not set or empty"
SPT=tok-SECRET-1; export SPT
t "push to a closed port" 1 promexport -v --pushgateway http://127.0.0.1:1 --retries 0 --bearer-token-env SPT "$T/plan.csv"
err_has "promexport: PUT http://127.0.0.1:1/metrics/job/scalepipe: "
check "token never printed" sh -c "! grep -q SECRET '$T/err' '$T/out'"
# anomaly's columns
cat > "$T/an.csv" <<'EOF'
timestamp,cpu,anomaly_score,anomaly,s,f
1700000000,50,0.5,0,0.5,0
1700000060,95,0.75,1,0.875,1
EOF
t "anomaly columns exported by default" 0 promexport --textfile - --target web "$T/an.csv"
out_is <<'EOF'
# HELP scalepipe_anomaly_score Isolation Forest anomaly score, 0 to 1 (anomaly)
# TYPE scalepipe_anomaly_score gauge
scalepipe_anomaly_score{target="web"} 0.75
# HELP scalepipe_anomaly Anomaly flag: 1 anomalous, 0 not (anomaly)
# TYPE scalepipe_anomaly gauge
scalepipe_anomaly{target="web"} 1
EOF
t "anomaly columns named, with -c" 0 promexport --textfile - -c cpu --anomaly-score-col s --anomaly-col f "$T/an.csv"
out_is <<'EOF'
# HELP scalepipe_cpu Exported by scalepipe promexport
# TYPE scalepipe_cpu gauge
scalepipe_cpu 95
# HELP scalepipe_anomaly_score Isolation Forest anomaly score, 0 to 1 (anomaly)
# TYPE scalepipe_anomaly_score gauge
scalepipe_anomaly_score 0.875
# HELP scalepipe_anomaly Anomaly flag: 1 anomalous, 0 not (anomaly)
# TYPE scalepipe_anomaly gauge
scalepipe_anomaly 1
EOF
t "named anomaly column missing" 2 promexport --textfile - --anomaly-col flag "$T/an.csv"
err_has "an.csv: no column 'flag' (have: timestamp, cpu,"
t "empty --anomaly-score-col" 2 promexport --textfile - --anomaly-score-col '' "$T/an.csv"
err_has "promexport: --anomaly-score-col: empty"
# --by (scalepipe(7) "Many workloads"): each key's newest values, labelled
# by the key's labels; a key without '=' gives NAME=key
cat > "$T/fleet.csv" <<'EOF'
timestamp,series,replicas,forecast
60,"namespace=shop,deployment=web",3,10.5
60,"namespace=shop,deployment=a\,b",2,
120,"namespace=shop,deployment=web",4,11
EOF
t "--by: a sample per key" 0 promexport --textfile - --label env=prod --by series "$T/fleet.csv"
out_is <<'EOF'
# HELP scalepipe_forecast_load Forecast load for the row's time
# TYPE scalepipe_forecast_load gauge
scalepipe_forecast_load{env="prod",namespace="shop",deployment="web"} 11
# HELP scalepipe_planned_replicas Replicas planned by scalepipe
# TYPE scalepipe_planned_replicas gauge
scalepipe_planned_replicas{env="prod",namespace="shop",deployment="web"} 4
scalepipe_planned_replicas{env="prod",namespace="shop",deployment="a,b"} 2
EOF
t "--by: a plain key" 0 promexport --textfile - -c load --by series "$D/fleet-3.csv"
out_is <<'EOF'
# HELP scalepipe_load Exported by scalepipe promexport
# TYPE scalepipe_load gauge
scalepipe_load{series="web"} 117.672
scalepipe_load{series="db"} 202.16200000000001
scalepipe_load{series="cache"} 317.298
EOF
t "--by: a key label also given by --namespace" 1 promexport --textfile - --namespace shop --by series "$T/fleet.csv"
err_has "promexport: row 1: key 'namespace=shop,deployment=web': label 'namespace' is also given by the options"
t "--by: no such column" 2 promexport --textfile - --by nope "$T/fleet.csv"
err_has "no column 'nope'"
finish
