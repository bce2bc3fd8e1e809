#!/bin/sh
# promfetch against a real Prometheus (Debian's prometheus + promtool): a TSDB
# built from OpenMetrics with known values, served on a free 127.0.0.1 port.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need prometheus promtool curl

T0=1699999980       # on the minute; samples every 60 s for 1200 minutes
# sp_load{job="web"} = 10 + 0.5 i, with samples 600..619 missing (a 20-minute gap)
# sp_req{job="web",pod="a"} = i, sp_req{...,pod="b"} = 1000 - i
awk -v t0=$T0 'BEGIN {
	print "# TYPE sp_load gauge"
	for (i = 0; i < 1200; i++) if (i < 600 || i >= 620)
		printf "sp_load{job=\"web\"} %g %d\n", 10 + 0.5 * i, t0 + 60 * i
	print "# TYPE sp_req gauge"
	for (i = 0; i < 1200; i++) {
		printf "sp_req{job=\"web\",pod=\"a\"} %d %d\n", i, t0 + 60 * i
		printf "sp_req{job=\"web\",pod=\"b\"} %d %d\n", 1000 - i, t0 + 60 * i
	}
	# issue 20: a fleet, one label value with a comma
	print "# TYPE sp_fleet gauge"
	for (i = 0; i < 10; i++) {
		printf "sp_fleet{namespace=\"shop\",deployment=\"web\",pod=\"p1\"} %d %d\n", i, t0 + 60 * i
		printf "sp_fleet{namespace=\"shop\",deployment=\"web\",pod=\"p2\"} %d %d\n", 2 * i, t0 + 60 * i
		printf "sp_fleet{namespace=\"shop\",deployment=\"db\",pod=\"p3\"} 5 %d\n", t0 + 60 * i
		printf "sp_fleet{namespace=\"x,y\",deployment=\"web\",pod=\"p4\"} 7 %d\n", t0 + 60 * i
	}
	print "# EOF" }' > "$T/in.om"
promtool tsdb create-blocks-from openmetrics "$T/in.om" "$T/tsdb" > "$T/promtool.log" 2>&1 ||
	{ cat "$T/promtool.log"; echo "0 passed, 1 failed"; exit 1; }
printf 'global:\n  scrape_interval: 1m\n' > "$T/prom.yml"
serve prom "http://127.0.0.1:@PORT@/-/ready" prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:@PORT@ || { echo "0 passed, 1 failed"; exit 1; }
URL=http://127.0.0.1:$PORT

# 1. a range on the minute grid, value by value
END=$((T0 + 599 * 60))
awk -v t0=$T0 'BEGIN { print "timestamp,load"; for (i = 0; i < 600; i++) printf "%d,%s\n", t0 + 60 * i, 10 + 0.5 * i }' \
	> "$T/want600.csv"
t "range, 600 points" 0 promfetch -u "$URL" -q 'sp_load' --start $T0 --end $END --step 60 -n load
out_is "$T/want600.csv"
err_empty

# 2. the same range split into 86 requests of at most 7 points: identical output
t "range split into 86 requests, compressed" 0 promfetch -v --compressed -u "$URL/" -q 'sp_load' --start $T0 --end $END --step 1m -n load --max-points 7
out_is "$T/want600.csv"
check "86 requests made" test "$(grep -c 'promfetch: GET ' "$T/err")" = 86
t "--last with --end, RFC 3339 end" 0 promfetch -u "$URL" -q 'sp_load' --end 2023-11-15T08:12:00Z --last 599m -n load
out_is "$T/want600.csv"

# 3. more than Prometheus' 11,000 points per series: the server refuses the
# whole range, promfetch splits it (2 requests) and joins it without a
# duplicate or missing boundary point.  Every value follows the 5-minute
# lookback rule over the gap.
curl -s "$URL/api/v1/query_range?query=sp_load&start=$T0&end=$((T0 + 72000))&step=5" > "$T/refused.json"
check "server refuses 14401 points" grep -q 'exceeded maximum resolution of 11,000 points' "$T/refused.json"
t "14401 points at step 5 (split)" 0 promfetch -v -u "$URL" -q 'sp_load' --start $T0 --end $((T0 + 72000)) --step 5 --null empty
check "2 requests made" test "$(grep -c 'promfetch: GET ' "$T/err")" = 2
cp "$T/out" "$T/fine.csv"
check "every point of the 5 s grid, values by the lookback rule" awk -F, -v t0=$T0 '
	NR == 1 { if ($0 != "timestamp,value") { print "header " $0; exit 1 } next }
	{
		k = NR - 2; t = t0 + 5 * k
		if ($1 != t) { print "row " k ": time " $1 " want " t; exit 1 }
		i = int((t - t0) / 60)
		if (i >= 600 && i < 620) i = 599
		if (i > 1199) i = 1199
		age = t - (t0 + 60 * i)
		want = (age <= 300) ? 10 + 0.5 * i : ""
		if (age == 300 && $2 == "") want = ""   # left-open lookback (Prometheus 3)
		if (($2 == "" && want != "") || ($2 != "" && $2 + 0 != want + 0)) {
			print "row " k " t " t ": " $2 " want " want; exit 1 }
		if ($2 == "") gap++
		n++
	}
	END { if (n != 14401 || gap < 170) { print "rows " n ", missing " gap; exit 1 } }' "$T/fine.csv"

# 4. the gap under each --null policy
S=$((T0 + 595 * 60)) E=$((T0 + 625 * 60))
t "gap: --null error (default)" 1 promfetch -u "$URL" -q 'sp_load' --start $S --end $E
err_is <<EOF
promfetch: no value for value at $((T0 + 605 * 60)) (choose --null skip, zero or empty)
EOF
out_is /dev/null
t "gap: --null skip" 0 promfetch -u "$URL" -q 'sp_load' --start $S --end $E --null skip
check "skip drops the 15 missing rows" test "$(wc -l < "$T/out")" = $((1 + 31 - 15))
out_has "$((T0 + 620 * 60)),320"
t "gap: --null zero" 0 promfetch -u "$URL" -q 'sp_load' --start $S --end $E --null zero
out_has "$((T0 + 610 * 60)),0"
check "zero keeps 31 rows" test "$(wc -l < "$T/out")" = 32
t "gap: --null empty" 0 promfetch -u "$URL" -q 'sp_load' --start $S --end $E --null empty
out_has "$((T0 + 604 * 60)),309.5"
out_has "$((T0 + 610 * 60)),"
check "empty keeps 31 rows, 15 empty" test "$(grep -c ',$' "$T/out")" = 15

# 5. several series
t "two series without --wide" 1 promfetch -u "$URL" -q 'sp_req' --start $T0 --last 4m
err_is <<'EOF'
promfetch: query returned 2 series; aggregate them in the query or name columns with --wide LABEL[,LABEL...]
EOF
t "--wide pod" 0 promfetch -u "$URL" -q 'sp_req' --start $((T0 + 60)) --last 3m --wide pod
out_is <<EOF
timestamp,a,b
$((T0 + 60)),1,999
$((T0 + 120)),2,998
$((T0 + 180)),3,997
$((T0 + 240)),4,996
EOF
t "--wide job,pod" 0 promfetch -u "$URL" -q 'sp_req' --start $T0 --last 1m --wide job,pod
out_is <<EOF
timestamp,web_a,web_b
$T0,0,1000
$((T0 + 60)),1,999
EOF
t "--wide with a label giving one name twice" 1 promfetch -u "$URL" -q 'sp_req' --start $T0 --last 1m --wide job
err_has "two series give the column 'web'"
t "aggregation in the query" 0 promfetch -u "$URL" -q 'sum(sp_req)' --start $T0 --last 2m -n total
out_is <<EOF
timestamp,total
$T0,1000
$((T0 + 60)),1000
$((T0 + 120)),1000
EOF

# 6. instant queries
t "instant vector" 0 promfetch -u "$URL" -q 'sp_load' --instant --end $((T0 + 600))
out_is <<EOF
timestamp,value
$((T0 + 600)),15
EOF
t "instant scalar" 0 promfetch -u "$URL" -q 'scalar(sp_load) * 2' --instant --end $((T0 + 600)) -n twice
out_is <<EOF
timestamp,twice
$((T0 + 600)),30
EOF

# 7. errors from the server
t "bad PromQL: the server's 400 and message" 1 promfetch -u "$URL" -q 'sum(rate(sp_load[5m]' --start $T0 --last 5m
err_has "promfetch: Prometheus error (HTTP 400, bad_data): "
err_has "unclosed left parenthesis"
out_is /dev/null
t "no such series" 1 promfetch -u "$URL" -q 'nope_metric' --start $T0 --last 5m
err_is <<'EOF'
promfetch: query returned no series in this range
EOF
t "unknown API path (404, not Prometheus JSON)" 1 promfetch -u "$URL/nope" -q 'up' --start $T0 --last 5m --retries 0
err_has "HTTP 404 (not a Prometheus API answer)"
# 7b. the long format with a key column (issue 20, scalepipe(7) "Many workloads")
t "--by-labels: one row per series and time, sorted by key" 0 promfetch -u "$URL" \
    -q 'sum by (namespace, deployment) (sp_fleet)' --start $T0 --last 2m --by-labels namespace,deployment -n load
out_is <<EOF
timestamp,series,load
$T0,"namespace=shop,deployment=db",5
$((T0 + 60)),"namespace=shop,deployment=db",5
$((T0 + 120)),"namespace=shop,deployment=db",5
$T0,"namespace=shop,deployment=web",0
$((T0 + 60)),"namespace=shop,deployment=web",3
$((T0 + 120)),"namespace=shop,deployment=web",6
$T0,"namespace=x\\,y,deployment=web",7
$((T0 + 60)),"namespace=x\\,y,deployment=web",7
$((T0 + 120)),"namespace=x\\,y,deployment=web",7
EOF
t "--by-labels, instant" 0 promfetch -u "$URL" -q 'sum by (deployment) (sp_fleet{namespace="shop"})' \
    --instant --end $((T0 + 60)) --by-labels deployment
out_is <<EOF
timestamp,series,value
$((T0 + 60)),deployment=db,5
$((T0 + 60)),deployment=web,3
EOF
t "--by-labels: two series with one key" 1 promfetch -u "$URL" -q 'sp_fleet' --start $T0 --last 1m --by-labels deployment
err_is <<'EOF'
promfetch: --by-labels deployment: two series give the key 'deployment=web'; add labels
EOF
t "--by-labels: into window --by series" 0 sh -c "promfetch -u '$URL' -q 'sum by (namespace, deployment) (sp_fleet)' \
    --start $T0 --last 4m --by-labels namespace,deployment | window --by series --resample 120"
# a key's last bin is final at the end of input: the keys' last rows come last
out_is <<EOF
timestamp,series,value
$((T0 - 60)),"namespace=shop,deployment=db",5
$((T0 + 60)),"namespace=shop,deployment=db",5
$((T0 - 60)),"namespace=shop,deployment=web",0
$((T0 + 60)),"namespace=shop,deployment=web",4.5
$((T0 - 60)),"namespace=x\\,y,deployment=web",7
$((T0 + 60)),"namespace=x\\,y,deployment=web",7
$((T0 + 180)),"namespace=shop,deployment=db",5
$((T0 + 180)),"namespace=shop,deployment=web",10.5
$((T0 + 180)),"namespace=x\\,y,deployment=web",7
EOF
# --shard I/N: the keys whose FNV-1a hash mod N is I (the hashes of these
# three keys mod 3: db 0, web 0, x\,y 2; mod 2: 1, 1, 0)
t "--shard 0/3: two keys" 0 promfetch -u "$URL" -q 'sum by (namespace, deployment) (sp_fleet)' \
    --instant --end $((T0 + 60)) --by-labels namespace,deployment --shard 0/3
out_is <<EOF
timestamp,series,value
$((T0 + 60)),"namespace=shop,deployment=db",5
$((T0 + 60)),"namespace=shop,deployment=web",3
EOF
t "--shard 1/3: none" 0 promfetch -u "$URL" -q 'sum by (namespace, deployment) (sp_fleet)' \
    --instant --end $((T0 + 60)) --by-labels namespace,deployment --shard 1/3
out_is <<EOF
timestamp,series,value
EOF
t "--shard 0/2: the other key" 0 promfetch -u "$URL" -q 'sum by (namespace, deployment) (sp_fleet)' \
    --instant --end $((T0 + 60)) --by-labels namespace,deployment --shard 0/2
out_is <<EOF
timestamp,series,value
$((T0 + 60)),"namespace=x\\,y,deployment=web",7
EOF
# 7c. --since-state: an incremental tick's fetch (scalepipe(7), "Many
# workloads: incremental ticks"): after window's state, only the newer
# points, and the whole --last range for the keys the state does not hold
Q='sum by (namespace, deployment) (sp_fleet)'
t "--since-state, no state yet: the whole --last range" 0 promfetch -u "$URL" -q "$Q" --end $((T0 + 240)) --last 4m \
    --by-labels namespace,deployment -n load --since-state "$T/w.state"
cp "$T/out" "$T/full.csv"
t "... as without it" 0 promfetch -u "$URL" -q "$Q" --end $((T0 + 240)) --last 4m --by-labels namespace,deployment -n load
out_is "$T/full.csv"
grep -v deployment=db "$T/full.csv" | window --by series --resample 60 --input-step 60 --state "$T/w.state" > /dev/null
t "--since-state: the new points, and every point of the key the state does not hold" 0 promfetch -v -u "$URL" -q "$Q" \
    --end $((T0 + 420)) --last 7m --by-labels namespace,deployment -n load --since-state "$T/w.state"
out_is <<EOF
timestamp,series,load
$((T0 + 300)),"namespace=shop,deployment=web",15
$((T0 + 360)),"namespace=shop,deployment=web",18
$((T0 + 420)),"namespace=shop,deployment=web",21
$((T0 + 300)),"namespace=x\\,y,deployment=web",7
$((T0 + 360)),"namespace=x\\,y,deployment=web",7
$((T0 + 420)),"namespace=x\\,y,deployment=web",7
$T0,"namespace=shop,deployment=db",5
$((T0 + 60)),"namespace=shop,deployment=db",5
$((T0 + 120)),"namespace=shop,deployment=db",5
$((T0 + 180)),"namespace=shop,deployment=db",5
$((T0 + 240)),"namespace=shop,deployment=db",5
$((T0 + 300)),"namespace=shop,deployment=db",5
$((T0 + 360)),"namespace=shop,deployment=db",5
$((T0 + 420)),"namespace=shop,deployment=db",5
EOF
check "two requests: the new points, then the whole range" test "$(grep -c 'promfetch: GET ' "$T/err")" = 2
err_has "promfetch: $T/w.state: 2 keys, the newest row at $((T0 + 240)): fetching from $((T0 + 300))"
err_has "promfetch: 1 keys without state: fetching the whole range for them"
t "--since-state: nothing new: the header only" 0 promfetch -u "$URL" -q "$Q" --end $((T0 + 240)) --last 4m \
    --by-labels namespace,deployment -n load --since-state "$T/w.state"
out_is <<EOF
timestamp,series,load
EOF
echo junk > "$T/bad.state"
t "--since-state: an unreadable state: a warning, the whole range" 0 promfetch -u "$URL" -q "$Q" --end $((T0 + 240)) \
    --last 4m --by-labels namespace,deployment -n load --since-state "$T/bad.state"
out_is "$T/full.csv"
err_is <<EOF
promfetch: warning: state $T/bad.state:1: not a scalepipe state file (want 'scalepipe-state window 1'): fetching the whole range (--last)
EOF
# 7d. an answer too large for one request (issue 20: a fleet's many
# series): Prometheus refuses it (HTTP 422, too many samples: series x
# points over --query.max-samples); promfetch halves its chunks until one
# fits, and the output is the same
t "two series, 600 points" 0 promfetch -u "$URL" -q 'sp_req' --start $T0 --end $END --step 60 --wide pod
cp "$T/out" "$T/req600.csv"
stop prom
serve prom2 "http://127.0.0.1:@PORT@/-/ready" prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--storage.tsdb.retention.time=100y --query.max-samples=500 --web.listen-address=127.0.0.1:@PORT@ ||
	{ echo "0 passed, 1 failed"; exit 1; }
curl -s "http://127.0.0.1:$PORT/api/v1/query_range?query=sp_req&start=$T0&end=$END&step=60" > "$T/toomany.json"
check "the server refuses 2 x 600 samples" grep -q 'too many samples' "$T/toomany.json"
t "too many samples: chunks halved until they fit, the same output" 0 promfetch -v -u "http://127.0.0.1:$PORT" \
	-q 'sp_req' --start $T0 --end $END --step 60 --wide pod
out_is "$T/req600.csv"
err_has "promfetch: the answer for 600 points is too large: asking for 300 at a time"
check "then in chunks of at most 150 points" sh -c "grep 'HTTP 200' '$T/err' | wc -l | grep -qx 4"
stop prom2
t "server down: connection refused after retries" 1 promfetch -u "$URL" -q 'sp_load' --start $T0 --last 5m --retries 2 --retry-wait 0.05 -v
err_has "Couldn't connect to server (after 3 attempts)"
check "two retries announced" test "$(grep -c 'retrying in' "$T/err")" = 2

# 8. a misbehaving stand-in (tests/kubeapi/promfake.py): a server that takes
# the request and never answers, duplicate series, an error echoing the token
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
serve fake "http://127.0.0.1:@PORT@/_test/log" $PY "$TOP/tests/kubeapi/promfake.py" --port @PORT@ --token tok-SECRET-5 ||
	{ echo "0 passed, 1 failed"; exit 1; }
FAKE=http://127.0.0.1:$PORT
echo tok-SECRET-5 > "$T/tok"
knob() { curl -sf -X POST "$FAKE/_test/$1" > /dev/null; }
t "a healthy answer" 0 promfetch -u "$FAKE" --bearer-token-file "$T/tok" -q x --start 600 --end 660
out_is <<'EOF'
timestamp,value
600,10
660,11
EOF
knob "slow?seconds=60&n=1"
t0=$(date +%s)
t "a hung server: --deadline ends every try, with a message" 1 promfetch -u "$FAKE" --bearer-token-file "$T/tok" -q x --start 600 --end 660 --deadline 2 --retry-wait 0.1
err_has "promfetch: GET $FAKE/api/v1/query_range?query=x&start=600&end=660&step=60: no answer within the deadline of 2s (after 1 attempt; last: "
check "ended in time (2 s deadline)" test $(($(date +%s) - t0)) -le 5
out_is /dev/null
knob "dup?n=1"
t "one answer, one label set twice: an error" 1 promfetch -u "$FAKE" --bearer-token-file "$T/tok" -q x --start 600 --end 660
err_is <<'EOF'
promfetch: the answer holds two series with the same labels
EOF
knob "echo?n=1"
t "an error text echoing the token: redacted" 1 promfetch -u "$FAKE" --bearer-token-file "$T/tok" -q x --start 600 --end 660
err_is <<'EOF'
promfetch: Prometheus error (HTTP 400, bad_data): bad request; got headers: Authorization: [redacted]
EOF
finish
