#!/bin/sh
# End to end, all on 127.0.0.1: a real Prometheus -> promfetch -> window ->
# arfit -> burstdetect -> plan -> scale -> the test Kubernetes API server,
# and plan -> promexport -> a real Pushgateway; the stages exactly as the
# CronJob in deploy/cronjob.yaml runs them (arguments from its ConfigMap),
# by hand and then as one tick of scripts/scalepipe-tick (and the tick of
# deploy/lstm/ with the LSTM model).
# Also checks deploy/: the dashboard's and triggers' PromQL with promtool.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need prometheus promtool prometheus-pushgateway curl openssl
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
for tool in promfetch window arfit burstdetect plan promexport scale; do
	command -v $tool > /dev/null 2>&1 || { echo "FAIL: $tool is not built"; echo "0 passed, 1 failed"; exit 1; }
done

# ---- the servers ----
T0=1699999980
# 10 hours of a daily-like wave, then a burst in the last 40 minutes
awk -v t0=$T0 'BEGIN {
	print "# TYPE http_requests_per_second gauge"
	for (i = 0; i < 600; i++)
		printf "http_requests_per_second{namespace=\"shop\",job=\"web\"} %.3f %d\n",
			400 + 250 * sin(i / 40) + (i >= 560 ? 900 : 0), t0 + 60 * i
	print "# EOF" }' > "$T/load.om"
promtool tsdb create-blocks-from openmetrics "$T/load.om" "$T/tsdb" > /dev/null
serve pgw "http://127.0.0.1:@PORT@/-/ready" prometheus-pushgateway --web.listen-address=127.0.0.1:@PORT@ \
	--persistence.file= || { echo "0 passed, 1 failed"; exit 1; }
GP=$PORT
# the gauge of the STEP 300 live tick (at the end), pushed early: a query on
# a 15-s grid must find it
printf 'live_recent 2000\n' | curl -sf --data-binary @- "http://127.0.0.1:$GP/metrics/job/recent" > /dev/null
# and a live series: the Pushgateway's, scraped every second (the tick's
# checks between decisions read it as they run)
printf 'global:\n  scrape_interval: 1m\nscrape_configs:\n- job_name: pgw\n  honor_labels: true\n  scrape_interval: 1s\n  static_configs: [{targets: ["127.0.0.1:%s"]}]\n' "$GP" > "$T/prom.yml"
serve prom "http://127.0.0.1:@PORT@/-/ready" prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
	--storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:@PORT@ || { echo "0 passed, 1 failed"; exit 1; }
PP=$PORT
K=$T/pki
sh "$TOP/tests/kubeapi/mkcerts.sh" "$K"
printf 'sa tok-sa-SECRET get:deployments/scale,update:deployments/scale,patch:deployments/scale,get:deployments,list:horizontalpodautoscalers,list:scaledobjects\n' > "$T/users"
printf 'Deployment shop web 1\nDeployment shop rx 3\n' > "$T/objects"
CURL_OPTS="--cacert $K/ca.pem" serve kubeapi "https://127.0.0.1:@PORT@/readyz" $PY "$TOP/tests/kubeapi/kubeapi.py" \
	--port @PORT@ --cert "$K/server.pem" --key "$K/server.key" --client-ca "$K/ca.pem" \
	--users "$T/users" --objects "$T/objects" || { echo "0 passed, 1 failed"; exit 1; }
KP=$PORT
# the CronJob's service account, as mounted in a pod
mkdir -p "$T/sa" "$T/home"
cp "$K/ca.pem" "$T/sa/ca.crt"
echo tok-sa-SECRET > "$T/sa/token"
printf shop > "$T/sa/namespace"
replicas_of() {
	curl -sf --cacert "$K/ca.pem" -H 'Authorization: Bearer tok-sa-SECRET' \
		"https://127.0.0.1:$KP/apis/apps/v1/namespaces/shop/deployments/web/scale" |
		sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p'
}

# ---- the CronJob's script, with the ConfigMap's parameters ----
cm() {  # key [file]: a ConfigMap value
	sed -n "s/^  $1: \"\\(.*\\)\" *\\(#.*\\)\\{0,1\\}\$/\\1/p" "${2:-$TOP/deploy/configmap.yaml}"
}
WINDOW_ARGS=$(cm WINDOW_ARGS)
ARFIT_ARGS=$(cm ARFIT_ARGS)
BURSTDETECT_ARGS=$(cm BURSTDETECT_ARGS)
PLAN_ARGS=$(cm PLAN_ARGS | sed "s|/opt/scalepipe/share/scalepipe/|$TOP/data/|")
check "ConfigMap parameters read" test -n "$WINDOW_ARGS" -a -n "$ARFIT_ARGS" -a -n "$PLAN_ARGS"
cd "$T"
start=$(date +%s.%N)
t "promfetch (real Prometheus)" 0 promfetch -u "http://127.0.0.1:$PP" \
	-q 'sum(http_requests_per_second{namespace="shop",job="web"})' --start $T0 --end $((T0 + 599 * 60)) --step 60 -n load --null empty
cp "$T/out" fetch.csv
check "600 rows fetched" test "$(wc -l < fetch.csv)" = 601
t "window $WINDOW_ARGS" 0 window $WINDOW_ARGS fetch.csv
cp "$T/out" window.csv
t "arfit $ARFIT_ARGS" 0 arfit $ARFIT_ARGS window.csv
cp "$T/out" forecast.csv
t "burstdetect" 0 burstdetect $BURSTDETECT_ARGS forecast.csv
cp "$T/out" burst.csv
t "plan $PLAN_ARGS" 0 plan $PLAN_ARGS burst.csv
cp "$T/out" plan.csv
t "promexport to the Pushgateway" 0 promexport --pushgateway "http://127.0.0.1:$GP" --namespace shop --target web plan.csv
t "scale (in-cluster service account)" 0 env HOME="$T/home" KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$KP \
	scale --in-cluster --service-account-dir "$T/sa" -n shop --max-age 1000w --max-up-pods 40 deployment/web plan.csv
end=$(date +%s.%N)
cp "$T/out" scaled.csv
echo "pipeline wall time: $(echo "$end $start" | awk '{ printf "%.2f s", $1 - $2 }')"

# ---- what it did ----
last=$(tail -n 1 plan.csv)
planned=$(echo "$last" | awk -F, -v h="$(head -n 1 plan.csv)" 'BEGIN { n = split(h, c, ",") } { for (i = 1; i <= n; i++) if (c[i] == "replicas") print $i }')
state=$(echo "$last" | awk -F, -v h="$(head -n 1 plan.csv)" 'BEGIN { n = split(h, c, ",") } { for (i = 1; i <= n; i++) if (c[i] == "state") print $i }')
echo "plan's last row: $last"
check "plan asks for 2..40 replicas" test "$planned" -ge 2 -a "$planned" -le 40
check "the burst at the end was seen" sh -c "tail -n 30 burst.csv | grep -q ',burst,'"
check "scale applied the plan's last row (a history of 2023: --max-age covers it)" sh -c \
	"sed -n 2p scaled.csv | grep -q ',shop,Deployment,web,1,$planned,$planned,scaled,'"
check "the API server holds it" test "$(replicas_of)" = "$planned"
curl -sf "http://127.0.0.1:$GP/metrics" > pgw.txt
check "Pushgateway: planned replicas" grep -qx "scalepipe_planned_replicas{instance=\"\",job=\"scalepipe\",namespace=\"shop\",target=\"web\"} $planned" pgw.txt
check "Pushgateway: forecast equals plan's last forecast" awk -v f="$(echo "$last" | cut -d, -f3)" '
	/^scalepipe_forecast_load\{/ { v = $2; d = v - f; if (d < 0) d = -d; found = 1; exit !(d <= 1e-9 * (f < 0 ? -f : f)) }
	END { if (!found) exit 1 }' pgw.txt
check "Pushgateway: burst state" grep -q "^scalepipe_burst_state{.*} $(case $state in normal) echo 0;; burst) echo 1;; *) echo 2;; esac)\$" pgw.txt
# stale input: scaling down is refused
curl -sf --cacert "$K/ca.pem" -X POST "https://127.0.0.1:$KP/_test/set?kind=Deployment&ns=shop&name=web&replicas=40" > /dev/null
t "stale plan: no scale down" 0 env HOME="$T/home" KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$KP \
	scale --service-account-dir "$T/sa" deployment/web plan.csv
out_has ",shop,Deployment,web,40,$planned,40,held-stale,"
check "still 40" test "$(replicas_of)" = 40
t "with a --max-age covering the data: scale down" 0 env HOME="$T/home" KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$KP \
	scale --service-account-dir "$T/sa" --max-age 1000w --max-down-pct 100 deployment/web plan.csv
out_has ",shop,Deployment,web,40,$planned,$planned,scaled,"

# ---- deploy/lstm/: the nightly retrain and the minute job with forecast ----
LSTM_ARGS=$(cm LSTM_ARGS "$TOP/deploy/lstm/configmap.yaml")
LSTM_RETRAIN_ARGS=$(cm LSTM_RETRAIN_ARGS "$TOP/deploy/lstm/configmap.yaml")
FORECAST_ARGS=$(cm FORECAST_ARGS "$TOP/deploy/lstm/configmap.yaml")
check "LSTM ConfigMap parameters read" test -n "$LSTM_ARGS" -a -n "$LSTM_RETRAIN_ARGS" -a -n "$FORECAST_ARGS"
# night 1: no model yet, the first training on the history up to 8 hours
head -n 481 window.csv > hist1.csv
t "retrain job, first night: lstmtrain $LSTM_ARGS" 0 lstmtrain $LSTM_ARGS --epochs 3 -o model.lstm hist1.csv
# night 2: a warm start from it on the history up to 9 hours, before the
# burst (a model trained after a burst has seen it, and its band covers it)
head -n 541 window.csv > hist2.csv
t "retrain job, next night: lstmtrain --init model.lstm $LSTM_RETRAIN_ARGS" 0 \
	lstmtrain -v --init model.lstm $LSTM_RETRAIN_ARGS -o model.lstm hist2.csv
err_has "lstmtrain: epoch 0 train "
t "minute job: forecast -m model.lstm $FORECAST_ARGS" 0 forecast -m model.lstm $FORECAST_ARGS window.csv
cp "$T/out" lforecast.csv
check "horizons 1..24 for every origin with a full window" sh -c "test \$(( \$(wc -l < lforecast.csv) - 1 )) -eq \$(( (600 - 59) * 24 ))"
t "burstdetect on the LSTM band" 0 burstdetect $BURSTDETECT_ARGS lforecast.csv
cp "$T/out" lburst.csv
t "plan on it" 0 plan $PLAN_ARGS lburst.csv
cp "$T/out" lplan.csv
lplanned=$(tail -n 1 lplan.csv | awk -F, -v h="$(head -n 1 lplan.csv)" 'BEGIN { n = split(h, c, ",") } { for (i = 1; i <= n; i++) if (c[i] == "replicas") print $i }')
check "LSTM plan asks for 2..40 replicas" test "$lplanned" -ge 2 -a "$lplanned" -le 40
check "the burst at the end was seen through the LSTM band" sh -c "tail -n 30 lburst.csv | grep -q ',burst,'"

# ---- deploy/: every PromQL expression parses (promtool check rules) ----
$PY - "$TOP/deploy" > rules.yml <<'EOF'
import json, re, sys
top = sys.argv[1]
exprs = []
d = json.load(open(top + "/grafana/scalepipe-dashboard.json"))
subst = {"$namespace": "shop", "$target": "web", "${datasource}": ""}
for v in d["templating"]["list"]:
    if v["type"] == "textbox":
        subst["$" + v["name"]] = v["query"]
for p in d["panels"]:
    for t in p["targets"]:
        exprs.append(t["expr"])
for v in d["templating"]["list"]:
    if v["type"] == "query":
        q = v["query"]["query"]
        exprs.append(re.sub(r"^label_values\((.*), *\w+\)$", r"\1", q))
for f in ("keda/scaledobject.yaml", "configmap.yaml"):
    for line in open(top + "/" + f):
        m = re.match(r"\s*(query|QUERY):\s*'?(.*?)'?\s*$", line)
        if m:
            exprs.append(m.group(2))
print("groups:\n- name: deploy\n  rules:")
for i, e in enumerate(exprs):
    for k in sorted(subst, key=len, reverse=True):
        for _ in range(3):
            e = e.replace(k, subst[k])
    print("  - record: scalepipe:check_%d\n    expr: %s" % (i, json.dumps(e)))
EOF
check "dashboard + triggers: >= 12 expressions" test "$(grep -c 'expr:' rules.yml)" -ge 12
t "promtool check rules (deploy/ PromQL)" 0 promtool check rules rules.yml
out_has "SUCCESS"
t "dashboard JSON" 0 $PY -m json.tool "$TOP/deploy/grafana/scalepipe-dashboard.json"

# ---- one tick: scripts/scalepipe-tick, as deploy/cronjob.yaml runs it ----
# The ConfigMap's keys, the CronJob's service account (its token in a
# kubeconfig: the tick hands --in-cluster to scale, which would look for
# the mounted files), the real Pushgateway.  The load is the series the
# real Prometheus returned above (--from-csv, --now at its last sample): the
# tick's own promfetch asks for the HISTORY before the clock, and this
# Prometheus holds 2023.  The timeouts are generous (a loaded test machine),
# the ConfigMap's sum to its 55 s deadline.
cat > kc-sa <<EOF
apiVersion: v1
kind: Config
current-context: sa
clusters:
- name: k
  cluster: {server: "https://127.0.0.1:$KP", certificate-authority: $K/ca.pem}
contexts:
- name: sa
  context: {cluster: k, user: sa, namespace: shop}
users:
- name: sa
  user: {token: tok-sa-SECRET}
EOF
{
	for k in HISTORY STEP WINDOW_ARGS ARFIT_ARGS SELECT SELECT_ARGS SEASON SEASON_ARGS BURSTDETECT_ARGS TARGET_NAMESPACE \
	    TARGET_KIND TARGET_NAME SCALE_MODE; do
		echo "$k=$(cm $k)"
	done
	echo "PLAN_ARGS=$PLAN_ARGS"
	echo "MAX_AGE=1000w"
	echo "PUSHGATEWAY_URL=http://127.0.0.1:$GP"
	echo "TICK_TIMEOUTS=promfetch=30,window=30,forecast=120,alt=120,season=30,select=30,burstdetect=30,plan=30,scale=30,publish=30"
	echo "TICK_DEADLINE=600"
} > tick.conf
last_t=$(tail -n 1 fetch.csv | cut -d, -f1)
curl -sf --cacert "$K/ca.pem" -X POST "https://127.0.0.1:$KP/_test/set?kind=Deployment&ns=shop&name=web&replicas=$((planned - 1))" > /dev/null
TICK=$TOP/scripts/scalepipe-tick
t "one tick (scalepipe-tick, the ConfigMap's arguments)" 0 env -u KUBECONFIG bash "$TICK" -c tick.conf \
	--kubeconfig kc-sa --state-dir state --from-csv fetch.csv --now "$last_t"
cp "$T/out" tick.csv
# the ConfigMap's seasonal band needs 2500 rows, the history has 600: the
# tick says so and selects among the others (arfit's alone here), as by hand
err_has "scalepipe-tick: warning: no seasonal band: short history (600 of 2500 rows)"
check "the tick decided what the stages by hand did, and scaled to it" sh -c \
	"sed -n 2p tick.csv | grep -q ',shop,deployment,web,$planned,$((planned - 1)),scaled,'"
check "the API server holds it" test "$(replicas_of)" = "$planned"
check "the decision log has the tick" test "$(awk -F, 'NR == 2 { print $3 }' state/decisions.csv)" = "$planned"
curl -sf "http://127.0.0.1:$GP/metrics" > pgw2.txt
pgw_value() {  # metric: its value (job scalepipe_tick), as a number
	awk -v m="$1" 'index($0, m "{") == 1 && /job="scalepipe_tick"/ { printf "%.0f\n", $2 }' pgw2.txt
}
check "Pushgateway: the tick's last success" test "$(pgw_value scalepipe_tick_last_success_timestamp_seconds)" = "$last_t"
check "Pushgateway: the tick's decision" test "$(pgw_value scalepipe_tick_decision_replicas)" = "$planned"
# deploy/lstm/cronjob.yaml: the same tick with MODEL (forecast -m), in shadow
t "one tick with the LSTM model alone (MODEL, FORECAST_ARGS, SELECT=false), shadow" 0 env -u KUBECONFIG \
	MODEL="$T/model.lstm" FORECAST_ARGS="$FORECAST_ARGS" SELECT=false bash "$TICK" -c tick.conf --shadow \
	--kubeconfig kc-sa --from-csv fetch.csv --now "$last_t"
check "the LSTM tick decided what the LSTM stages by hand did" sh -c \
	"sed -n 2p '$T/out' | grep -q ',shop,deployment,web,$lplanned,$planned,shadow,'"
# ... and as deploy/lstm/configmap.yaml has it: arfit beside the model,
# bandselect between the two bands (SELECT, SELECT_ARGS; on these ten
# hours arfit's errors stay the lower: tests/cli/tick.sh has a trace where
# both bands are used)
SELECT=$(cm SELECT "$TOP/deploy/lstm/configmap.yaml")
SELECT_ARGS=$(cm SELECT_ARGS "$TOP/deploy/lstm/configmap.yaml")
check "deploy/lstm/ selects between the two bands" test "$SELECT" = true
# shellcheck disable=SC2086
t "bandselect $SELECT_ARGS between arfit's band and the LSTM's" 0 bandselect $SELECT_ARGS --alt lforecast.csv forecast.csv
cp "$T/out" sforecast.csv
splanned=$(burstdetect $BURSTDETECT_ARGS sforecast.csv | plan $PLAN_ARGS | tail -n 1 |
	awk -F, -v h="$(head -n 1 plan.csv)" 'BEGIN { n = split(h, c, ",") } { for (i = 1; i <= n; i++) if (c[i] == "replicas") print $i }')
t "one tick as deploy/lstm/ runs it (MODEL, FORECAST_ARGS, SELECT), shadow" 0 env -u KUBECONFIG \
	MODEL="$T/model.lstm" FORECAST_ARGS="$FORECAST_ARGS" SELECT="$SELECT" SELECT_ARGS="$SELECT_ARGS" \
	bash "$TICK" -v -c tick.conf --shadow --kubeconfig kc-sa --from-csv fetch.csv --now "$last_t"
err_has "stage alt: exit 0"
err_has "stage select: exit 0"
check "the selecting tick decided what the stages by hand did" sh -c \
	"sed -n 2p '$T/out' | grep -q ',shop,deployment,web,$splanned,$planned,shadow,'"
# ... and the best of three, with a seasonal window the history has: the
# ConfigMap's SEASON_ARGS with a window of 300 rows (no period in ten
# hours: the band is arfit's on that window, a third one to choose from)
SEASON=$(cm SEASON)
SEASON_ARGS="$(cm SEASON_ARGS) --window 300"
check "deploy/ runs the seasonal band" test "$SEASON" = true
# shellcheck disable=SC2086
t "arfit $SEASON_ARGS" 0 arfit $SEASON_ARGS window.csv
cp "$T/out" seas.csv
# shellcheck disable=SC2086
t "bandselect among arfit's band, the LSTM's and the seasonal one" 0 bandselect $SELECT_ARGS --alt lforecast.csv --alt seas.csv forecast.csv
cp "$T/out" s3forecast.csv
s3planned=$(burstdetect $BURSTDETECT_ARGS s3forecast.csv | plan $PLAN_ARGS | tail -n 1 |
	awk -F, -v h="$(head -n 1 plan.csv)" 'BEGIN { n = split(h, c, ",") } { for (i = 1; i <= n; i++) if (c[i] == "replicas") print $i }')
t "one tick with the three bands, shadow" 0 env -u KUBECONFIG \
	MODEL="$T/model.lstm" FORECAST_ARGS="$FORECAST_ARGS" SEASON_ARGS="$SEASON_ARGS" \
	bash "$TICK" -v -c tick.conf --shadow --kubeconfig kc-sa --from-csv fetch.csv --now "$last_t"
err_has "stage season: exit 0"
check "the tick of three bands decided what the stages by hand did" sh -c \
	"sed -n 2p '$T/out' | grep -q ',shop,deployment,web,$s3planned,$planned,shadow,'"

# ---- REACT_EVERY, live: checks between decisions read Prometheus as they run ----
# Two gauges on the Pushgateway, scraped every second: QUERY's (live_base)
# 100 throughout, REACT_QUERY's (live_load) 100 when the tick starts
# (seconds of history at STEP=1: the fallback on QUERY, which holds rx's
# 3), 2000 three seconds later; the tick's checks every 2 s (REACT_EVERY=2,
# a deadline of 30 s) read REACT_QUERY's newest value, not QUERY's, and
# scale up (scale's --max-up-pods 4 and --max-up-pct 100 per run: 3 -> 7 ->
# 14 -> 28, each check planning ceil(2000 x 1.4 / w*) = 35 with plan's
# react margin, the scalepipe policy's 40 %; at 28 the pods serve the load
# (25 would), and the checks after it keep them: the margin is for a
# shortfall only)
live_push() { printf 'live_load %s\n' "$1" | curl -sf --data-binary @- "http://127.0.0.1:$GP/metrics/job/live" > /dev/null; }
rx_of() {
	curl -sf --cacert "$K/ca.pem" -H 'Authorization: Bearer tok-sa-SECRET' \
		"https://127.0.0.1:$KP/apis/apps/v1/namespaces/shop/deployments/rx/scale" |
		sed -n 's/.*"spec": {"replicas": \([0-9]*\)}.*/\1/p'
}
printf 'live_base 100\n' | curl -sf --data-binary @- "http://127.0.0.1:$GP/metrics/job/live" > /dev/null
live_push 100
i=0
until curl -sf "http://127.0.0.1:$PP/api/v1/query?query=live_load%2Blive_base" | grep -q '"200"'; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
done
check "the live gauge is scraped" test $i -lt 100
sleep 2   # and older than the whole second the tick's query ends at
{
	echo "QUERY=sum(live_base)"
	echo "REACT_QUERY=sum(live_load)"
	echo "PROMETHEUS_URL=http://127.0.0.1:$PP"
	echo "HISTORY=5m"
	echo "STEP=1"
	echo "PLAN_ARGS=$PLAN_ARGS"
	echo "TARGET_NAMESPACE=shop"
	echo "TARGET_NAME=rx"
	echo "REACT_EVERY=2"
	echo "TICK_TIMEOUTS=promfetch=4,window=2,forecast=2,burstdetect=2,plan=2,scale=4,publish=2,current=2,react=3"
	echo "TICK_DEADLINE=30"
} > live.conf
(sleep 3; live_push 2000) &
pusher=$!
t "REACT_EVERY=2 live: the fallback, then checks on Prometheus that scale up" 0 env -u KUBECONFIG bash "$TICK" -c live.conf \
	--kubeconfig kc-sa --state-dir live-state deployment/rx
wait $pusher
cp "$T/out" live.csv
out_has ",shop,deployment,rx,3,3,unchanged,fallback: short history"
out_has ",shop,deployment,rx,7,3,react-scaled,react: load 2000 at "
out_has ",shop,deployment,rx,28,14,react-scaled,react: load 2000 at "
check "the API server holds 28" test "$(rx_of)" = 28
check "the checks' rows in the decision log" test "$(grep -c ',react-scaled,' live-state/decisions.csv)" = 3
# ---- STEP 300 live: between two rows the decision reads REACT_QUERY ----
# QUERY is a function of the clock that Prometheus evaluates (a sine about
# 700: a decision of about 10 pods), REACT_QUERY a Pushgateway gauge at
# 2000: each minute's decision between two five-minute rows is floored at
# the load rule on REACT_QUERY's newest value, ceil(2000 / w*) = 25 (w*
# 80.68 at 16 ms), not on the last row's load; without a value, a warning
# and the row's load.  Shadow, no cluster: the clock is the tick's
# (pushed at the start; scraped every second for at least 20 s, so that
# the 15-s grid of the tick's query finds it)
i=0
until curl -sf "http://127.0.0.1:$PP/api/v1/query?query=count_over_time(live_recent%5B1m%5D)%3E%3D20" | grep -q '"value"'; do
	i=$((i + 1)); [ $i -lt 400 ] || break; sleep 0.1
done
check "the recent gauge is scraped" test $i -lt 400
{
	echo "PROMETHEUS_URL=http://127.0.0.1:$PP"
	echo "QUERY=700 + 100 * sin(vector(time() / 3000))"
	echo "REACT_QUERY=sum(live_recent)"
	echo "HISTORY=1d"
	echo "STEP=300"
	echo "ARFIT_ARGS=--rolling --window 48 --horizon 6 --level 0.98"
	echo "PLAN_ARGS=$PLAN_ARGS"
	echo "TARGET_NAMESPACE=shop"
	echo "TARGET_NAME=web"
	echo "TICK_TIMEOUTS=promfetch=30,window=30,forecast=60,burstdetect=30,plan=30,recent=30,scale=30,publish=30"
	echo "TICK_DEADLINE=600"
} > live5.conf
t "STEP 300 live: the decision reads REACT_QUERY's newest load" 0 env -u KUBECONFIG HOME="$T/home" \
	bash "$TICK" -v -c live5.conf --shadow
out_has ",shop,deployment,web,25,,shadow,reactive,0"
err_has "stage recent: exit 0"
t "STEP 300 live: REACT_QUERY without a value, the row's load" 0 env -u KUBECONFIG HOME="$T/home" \
	REACT_QUERY='sum(live_nothing)' bash "$TICK" -c live5.conf --shadow
err_has "scalepipe-tick: warning: no recent load: promfetch of REACT_QUERY failed: the decision reads the load at "
check "... a decision of about 10 pods, not 25" sh -c "awk -F, 'NR == 2 { exit !(\$5 >= 7 && \$5 <= 13) }' '$T/out'"
finish
