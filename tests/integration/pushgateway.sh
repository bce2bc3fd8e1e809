#!/bin/sh
# promexport against a real Pushgateway (Debian's prometheus-pushgateway),
# read back from its /metrics; the node_exporter textfile; a backfill file
# loaded by promtool into a real Prometheus and read back with promfetch;
# and the HTTP failure paths against tests/kubeapi/promfake.py.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need prometheus-pushgateway prometheus promtool curl openssl
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

cat > "$T/plan.csv" <<'EOF'
timestamp,load,forecast,lower,upper,state,demand,replicas,reason
1700000000,10,11,9,13,normal,11,2,forecast
1700000060,12,13.5,10,17,burst,17.25,3,burst
1700000120,30,,,,spike,40,6,burst
EOF

serve pgw "http://127.0.0.1:@PORT@/-/ready" prometheus-pushgateway --web.listen-address=127.0.0.1:@PORT@ \
	--persistence.file= || { echo "0 passed, 1 failed"; exit 1; }
PGW=http://127.0.0.1:$PORT
scrape() { curl -sf "$PGW/metrics" | grep '^scalepipe_' | sort; }

# 1. the last row; an empty field (forecast) is not published
t "push the last row (PUT)" 0 promexport --pushgateway "$PGW" --namespace shop --target web "$T/plan.csv"
out_is /dev/null
err_empty
check "Pushgateway /metrics has the values" test "$(scrape)" = 'scalepipe_burst_state{instance="",job="scalepipe",namespace="shop",target="web"} 2
scalepipe_demand_load{instance="",job="scalepipe",namespace="shop",target="web"} 40
scalepipe_planned_replicas{instance="",job="scalepipe",namespace="shop",target="web"} 6'
check "HELP and TYPE" sh -c "curl -sf '$PGW/metrics' | grep -qx '# TYPE scalepipe_planned_replicas gauge'"

# 2. PUT replaces the group, POST (--add) only the metrics pushed
head -n 3 "$T/plan.csv" > "$T/plan2.csv"
t "--add keeps the group's other metrics" 0 promexport --pushgateway "$PGW" --namespace shop --target web --add -c forecast "$T/plan2.csv"
check "forecast added, replicas kept" test "$(scrape | grep -c 'target="web"')" = 4
check "forecast value" sh -c "curl -sf '$PGW/metrics' | grep -qx 'scalepipe_forecast_load{instance=\"\",job=\"scalepipe\",namespace=\"shop\",target=\"web\"} 13.5'"
t "PUT replaces the whole group" 0 promexport --pushgateway "$PGW" --namespace shop --target web -c replicas "$T/plan2.csv"
check "only replicas left" test "$(scrape | grep 'target="web"')" = 'scalepipe_planned_replicas{instance="",job="scalepipe",namespace="shop",target="web"} 3'

# 3. groups are per target; job, extra labels, a grouping value with '/'
t "another target, job, --label, --grouping with a slash" 0 promexport --pushgateway "$PGW/" --job plan \
	--namespace shop --target api --label tier=be --grouping 'route=/v1/x' -c replicas=app_replicas "$T/plan.csv"
check "pushed with the @base64 grouping value" sh -c "curl -sf '$PGW/metrics' | grep -qx 'app_replicas{instance=\"\",job=\"plan\",namespace=\"shop\",route=\"/v1/x\",target=\"api\",tier=\"be\"} 6'"
check "web's group untouched" test "$(scrape | grep -c 'target="web"')" = 1
printf 'timestamp,replicas\n1,2\n' > "$T/odd.csv"
t "label value escaping" 0 promexport --pushgateway "$PGW" --target 'a"b\c' "$T/odd.csv"
cat > "$T/esc.want" <<'EOF'
scalepipe_planned_replicas{instance="",job="scalepipe",target="a\"b\\c"} 2
EOF
curl -sf "$PGW/metrics" > "$T/esc.got"
check "escaped value read back" grep -qxFf "$T/esc.want" "$T/esc.got"

# 4. the Pushgateway's own 4xx, server down
printf 'timestamp,replicas\n1,2\n' > "$T/r.csv"
t "the server's 400 is reported" 1 promexport --pushgateway "$PGW" --label "x=$(printf '\377')" "$T/r.csv"
err_has "promexport: PUT $PGW/metrics/job/scalepipe: HTTP 400"
t "wrong path: 404" 1 promexport --pushgateway "$PGW/nope" --retries 0 "$T/r.csv"
err_is <<EOF
promexport: PUT $PGW/nope/metrics/job/scalepipe: HTTP 404: 404 page not found
EOF
stop pgw
t "Pushgateway down" 1 promexport --pushgateway "$PGW" --retries 1 --retry-wait 0.01 "$T/r.csv"
err_has "Couldn't connect to server (after 2 attempts)"

# 5. node_exporter textfile, written atomically
mkdir "$T/tf"
t "textfile" 0 promexport --textfile "$T/tf/scalepipe.prom" --namespace shop --target web -c forecast,replicas "$T/plan2.csv"
out_is /dev/null
check "textfile content" test "$(cat "$T/tf/scalepipe.prom")" = '# HELP scalepipe_forecast_load Forecast load for the row'"'"'s time
# TYPE scalepipe_forecast_load gauge
scalepipe_forecast_load{namespace="shop",target="web"} 13.5
# HELP scalepipe_planned_replicas Replicas planned by scalepipe
# TYPE scalepipe_planned_replicas gauge
scalepipe_planned_replicas{namespace="shop",target="web"} 3'
check "no temporary file left" test "$(ls "$T/tf")" = scalepipe.prom
check "promtool accepts the textfile" sh -c "promtool check metrics < '$T/tf/scalepipe.prom'"
cp "$T/tf/scalepipe.prom" "$T/before.prom"
t "bad input leaves the old textfile" 2 promexport --textfile "$T/tf/scalepipe.prom" -c replicas "$T/odd.csv" -c nope
check "old file intact, no temporary" sh -c "cmp -s '$T/before.prom' '$T/tf/scalepipe.prom' && test \"\$(ls '$T/tf')\" = scalepipe.prom"
printf 'timestamp,replicas\n1,2\n2,x\n' > "$T/bad.csv"
t "bad value mid-file: old textfile kept" 1 promexport --textfile "$T/tf/scalepipe.prom" "$T/bad.csv"
err_is <<EOF
promexport: $T/bad.csv: row 2, column replicas: not a finite number: 'x'
EOF
check "old file intact" cmp -s "$T/before.prom" "$T/tf/scalepipe.prom"

# 6. backfill: every row as OpenMetrics with timestamps -> promtool -> a real
# Prometheus -> promfetch gives the values back on their grid
awk -v t0=1699999980 'BEGIN { print "timestamp,forecast,state,replicas"
	for (i = 0; i < 240; i++) printf "%d,%s,%s,%d\n", t0 + 60 * i, (i % 7 == 3) ? "" : 100 + i / 4,
		(i >= 100 && i < 110) ? "burst" : "normal", 2 + int(i / 60) }' > "$T/hist.csv"
t "backfill" 0 promexport --backfill "$T/hist.om" --namespace shop --target web "$T/hist.csv"
check "OpenMetrics ends with # EOF" test "$(tail -n 1 "$T/hist.om")" = "# EOF"
check "missing values skipped" test "$(grep -c '^scalepipe_forecast_load{' "$T/hist.om")" = $((240 - 34))
check "promtool builds blocks" promtool tsdb create-blocks-from openmetrics "$T/hist.om" "$T/tsdb"
printf 'global:\n  scrape_interval: 1m\n' > "$T/prom.yml"
serve prom "http://127.0.0.1:@PORT@/-/ready" prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:@PORT@
PP=$PORT
t "promfetch reads the backfilled replicas" 0 promfetch -u "http://127.0.0.1:$PP" \
	-q 'scalepipe_planned_replicas{namespace="shop",target="web"}' --start 1699999980 --last 239m -n replicas
check "replicas round trip" sh -c "cut -d, -f1,4 '$T/hist.csv' | sed 1s/.*/timestamp,replicas/ | cmp -s - '$T/out'"
t "promfetch reads the backfilled burst state" 0 promfetch -u "http://127.0.0.1:$PP" \
	-q 'sum(scalepipe_burst_state)' --start 1699999980 --last 239m
check "10 burst minutes" test "$(grep -c ',1$' "$T/out")" = 10
stop prom

# 7. HTTP failure paths (a misbehaving stand-in): 5xx then success, timeout,
# TLS with a private CA, wrong CA, bearer token, basic auth
sh "$TOP/tests/kubeapi/mkcerts.sh" "$T/pki"
CURL_OPTS="--cacert $T/pki/ca.pem" serve fake "https://127.0.0.1:@PORT@/_test/log" \
	$PY "$TOP/tests/kubeapi/promfake.py" --port @PORT@ --cert "$T/pki/server.pem" --key "$T/pki/server.key" --token tok-SECRET-42
FP=$PORT
FAKE=https://127.0.0.1:$FP
echo tok-SECRET-42 > "$T/tok"
knob() { curl -sf --cacert "$T/pki/ca.pem" -X POST "$FAKE/_test/$1" > /dev/null; }
knob "fail?code=503&n=2"
t "503 twice, then pushed" 0 promexport -v --pushgateway "$FAKE" --cacert "$T/pki/ca.pem" --bearer-token-file "$T/tok" --retry-wait 0.01 --target web "$T/r.csv"
err_has "promexport: attempt 2 failed (HTTP 503); retrying in 0.02s"
check "pushed once it succeeded" sh -c "curl -sf --cacert '$T/pki/ca.pem' '$FAKE/_test/pushes' | grep -qx 'scalepipe_planned_replicas{target=\"web\"} 2'"
check "token not printed" sh -c "! grep -q SECRET '$T/err'"
t "wrong CA" 1 promexport --pushgateway "$FAKE" --cacert "$T/pki/other-ca.pem" --bearer-token-file "$T/tok" "$T/r.csv"
err_has "SSL certificate problem"
t "system CAs do not know the test CA" 1 promexport --pushgateway "$FAKE" --bearer-token-file "$T/tok" "$T/r.csv"
err_has "SSL certificate problem"
t "--insecure only on request" 0 promexport --pushgateway "$FAKE" --insecure --bearer-token-file "$T/tok" "$T/r.csv"
t "no token: 401" 1 promexport --pushgateway "$FAKE" --cacert "$T/pki/ca.pem" "$T/r.csv"
err_has "HTTP 401: Unauthorized"
knob "slow?seconds=3&n=1"
t "timeout" 1 promexport --pushgateway "$FAKE" --cacert "$T/pki/ca.pem" --bearer-token-file "$T/tok" --timeout 0.5 --retries 0 "$T/r.csv"
check "says it timed out" grep -qiE 'timed out|timeout' "$T/err"

# the same failure paths for promfetch
knob "fail?code=502&n=1"
t "promfetch: 502 then success" 0 promfetch -v -u "$FAKE" --cacert "$T/pki/ca.pem" --bearer-token-file "$T/tok" --retry-wait 0.01 -q x --start 600 --end 780
out_is <<'EOF'
timestamp,value
600,10
660,11
720,12
780,13
EOF
err_has "promfetch: attempt 1 failed (HTTP 502); retrying in 0.01s"
knob "fail?code=500&n=3"
t "promfetch: 5xx beyond the retries, the server's message" 1 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" --bearer-token-file "$T/tok" --retries 2 --retry-wait 0.01 -q x --start 600 --end 780
err_is <<'EOF'
promfetch: Prometheus error (HTTP 500, internal): injected failure 500
EOF
knob "slow?seconds=3&n=1"
t "promfetch: timeout, then a retry in time" 0 promfetch -v -u "$FAKE" --cacert "$T/pki/ca.pem" --bearer-token-file "$T/tok" --timeout 1 --retries 1 --retry-wait 0.01 -q x --instant --end 600
out_is <<'EOF'
timestamp,value
600,10
EOF
err_has "promfetch: attempt 1 failed ("
knob "slow?seconds=3&n=1"
t "promfetch: slow server, no retries" 1 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" --bearer-token-file "$T/tok" --timeout 0.5 --retries 0 -q x --instant --end 600
check "says it timed out" grep -qiE 'timed out|timeout' "$T/err"
t "promfetch: wrong CA" 1 promfetch -u "$FAKE" --cacert "$T/pki/other-ca.pem" --bearer-token-file "$T/tok" -q x --instant --end 600
err_has "SSL certificate problem"
t "promfetch: missing token: 401" 1 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" -q x --instant --end 600
err_is <<'EOF'
promfetch: HTTP 401 (not a Prometheus API answer)
EOF
echo tok-WRONG > "$T/badtok"
t "promfetch: wrong token: 401" 1 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" --bearer-token-file "$T/badtok" -q x --instant --end 600
err_has "HTTP 401"
stop fake
# TLS client certificates (mutual TLS)
CURL_OPTS="--cacert $T/pki/ca.pem --cert $T/pki/admin.pem --key $T/pki/admin.key" serve fakem "https://127.0.0.1:@PORT@/_test/log" \
	$PY "$TOP/tests/kubeapi/promfake.py" --port @PORT@ --cert "$T/pki/server.pem" --key "$T/pki/server.key" --client-ca "$T/pki/ca.pem"
FP=$PORT
FAKE=https://127.0.0.1:$FP
t "promfetch: client certificate" 0 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" --cert "$T/pki/admin.pem" --key "$T/pki/admin.key" -q x --instant --end 120
out_is <<'EOF'
timestamp,value
120,2
EOF
t "promexport: client certificate" 0 promexport --pushgateway "$FAKE" --cacert "$T/pki/ca.pem" --cert "$T/pki/admin.pem" --key "$T/pki/admin.key" "$T/r.csv"
t "promfetch: no client certificate" 1 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" --retries 0 -q x --instant --end 120
err_has "promfetch: GET $FAKE/api/v1/query?query=x&time=120: "
t "promfetch: certificate from another CA" 1 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" --cert "$T/pki/rogue.pem" --key "$T/pki/rogue.key" --retries 0 -q x --instant --end 120
err_has "promfetch: GET $FAKE/api/v1/query?query=x&time=120: "
t "promfetch: key file missing" 1 promfetch -u "$FAKE" --cacert "$T/pki/ca.pem" --cert "$T/pki/admin.pem" --key "$T/nokey.pem" --retries 0 -q x --instant --end 120
err_has "promfetch: GET $FAKE/api/v1/query?query=x&time=120: "
check "private key never printed" sh -c "! grep -q PRIVATE '$T/err'"
stop fakem
serve fake2 "http://127.0.0.1:@PORT@/_test/log" $PY "$TOP/tests/kubeapi/promfake.py" --port @PORT@ --basic 'ops:pa ss'
FP=$PORT
printf 'pa ss\n' > "$T/pw"
t "promfetch: basic auth" 0 promfetch -u "http://127.0.0.1:$FP" --user ops --password-file "$T/pw" -q x --instant --end 60
out_is <<'EOF'
timestamp,value
60,1
EOF
t "promexport: basic auth" 0 promexport --pushgateway "http://127.0.0.1:$FP" --user ops --password-file "$T/pw" "$T/r.csv"
t "basic auth, wrong password" 1 promfetch -u "http://127.0.0.1:$FP" --user ops --password-file "$T/tok" -q x --instant --end 60
err_has "HTTP 401"
check "log: auth-ok, auth-ok, auth-bad" test "$(curl -sf "http://127.0.0.1:$FP/_test/log" | cut -d' ' -f2 | tr '\n' ' ')" = "auth-ok auth-ok auth-bad "

# 8. many workloads (--by): one PUT for every key, each key's samples
# labelled by the key's labels (promfetch --by-labels' format, '\' escapes)
serve pgw2 "http://127.0.0.1:@PORT@/-/ready" prometheus-pushgateway --web.listen-address=127.0.0.1:@PORT@ \
	--persistence.file=
PGW=http://127.0.0.1:$PORT
cat > "$T/fleet.csv" <<'EOF'
timestamp,series,replicas
60,"namespace=shop,deployment=web",3
60,"namespace=shop,deployment=a\,b\\c",2
120,"namespace=shop,deployment=web",4
60,"namespace=pay,deployment=api",7
EOF
t "--by: every key in one push" 0 promexport --pushgateway "$PGW" --grouping shard=0 --by series "$T/fleet.csv"
cat > "$T/fleet.want" <<'EOF'
scalepipe_planned_replicas{deployment="a,b\\c",instance="",job="scalepipe",namespace="shop",shard="0"} 2
scalepipe_planned_replicas{deployment="api",instance="",job="scalepipe",namespace="pay",shard="0"} 7
scalepipe_planned_replicas{deployment="web",instance="",job="scalepipe",namespace="shop",shard="0"} 4
EOF
scrape > "$T/fleet.got"
check "--by: the Pushgateway has each key's labels and newest value" cmp "$T/fleet.want" "$T/fleet.got"
head -n 3 "$T/fleet.csv" > "$T/fleet2.csv"
t "--by: PUT replaces the shard's group (keys gone drop out)" 0 promexport --pushgateway "$PGW" --grouping shard=0 --by series "$T/fleet2.csv"
check "--by: two keys left" test "$(scrape | wc -l)" = 2
stop pgw2
finish
