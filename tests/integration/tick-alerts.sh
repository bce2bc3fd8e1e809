#!/bin/sh
# scalepipe-tick's alerts: the rules under promtool (check and unit tests),
# then the tick against tests/kubeapi/promfake.py standing for Prometheus and
# the Pushgateway: the metrics it pushes, a hung Prometheus against the job's
# deadline, an unreachable one.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need promtool curl
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
need $PY
TICK=$TOP/scripts/scalepipe-tick
unset KUBECONFIG KUBERNETES_SERVICE_HOST STATE_DIR SHADOW PAUSED TEXTFILE_DIR TICK_TIMEOUTS TICK_DEADLINE MODEL
HOME=$T/home; export HOME

t "promtool check rules" 0 promtool check rules "$TOP/deploy/alerts/tick.rules.yaml"
out_has "SUCCESS: 4 rules found"
t "promtool test rules" 0 promtool test rules "$TOP/deploy/alerts/tick.rules.test.yaml"
out_has "SUCCESS"

serve fake "http://127.0.0.1:@PORT@/_test/log" $PY "$TOP/tests/kubeapi/promfake.py" --port @PORT@ ||
	{ echo "0 passed, 1 failed"; exit 1; }
FAKE=http://127.0.0.1:$PORT
knob() { curl -sf -X POST "$FAKE/_test/$1" > /dev/null; }
cat > "$T/c.conf" <<EOF
PROMETHEUS_URL=$FAKE
PUSHGATEWAY_URL=$FAKE
QUERY=sum(rate(http_requests_total[1m]))
HISTORY=1h
STEP=60
ARFIT_ARGS=--rolling --window 30 --horizon 3
PLAN_ARGS=--policy burst --slo 16 --min 2 --max 40 --curve $TOP/data/bascaler_fft_service_curve.csv
SCALE_MODE=publish
TARGET_NAMESPACE=shop
TARGET_NAME=web
EOF
t "a tick from Prometheus, published" 0 bash "$TICK" -c "$T/c.conf" --state-dir "$T/st"
out_has ",shop,deployment,web,40,,publish,max,0"
curl -sf "$FAKE/_test/pushes" > "$T/pushes"
check "the tick's metrics were pushed" grep -q "PUT /metrics/job/scalepipe_tick/namespace/shop/target/web" "$T/pushes"
check "... with Prometheus up and the decision" sh -c "grep -q '^scalepipe_tick_prometheus_up{namespace=\"shop\",target=\"web\"} 1' '$T/pushes' &&
	grep -q '^scalepipe_tick_decision_replicas{namespace=\"shop\",target=\"web\"} 40' '$T/pushes'"
check "the plan was pushed through promexport" grep -q '^scalepipe_planned_replicas{' "$T/pushes"

# a hung Prometheus: its answer comes 60 s late.  The tick gives up at the
# promfetch stage's timeout, well inside the job's deadline, and says so.
knob "slow?seconds=60&n=1"
hung() {
	s=$(date +%s)
	bash "$TICK" -c "$T/c.conf" --timeouts promfetch=4 --deadline 45 > "$T/hung.out" 2> "$T/hung.err"
	rc=$?
	e=$(( $(date +%s) - s ))
	cat "$T/hung.err"
	echo "exit $rc after ${e}s"
	{ [ $rc = 3 ] && grep -q "stage promfetch timed out after 4s: nothing scaled" "$T/hung.err"; } ||
		{ [ $rc = 1 ] && grep -q "stage promfetch failed" "$T/hung.err"; } || return 1
	[ $e -lt 45 ] && [ ! -s "$T/hung.out" ]
}
check "a hung Prometheus: no decision, inside the deadline" hung
curl -sf "$FAKE/_test/pushes" > "$T/pushes"
check "... and Prometheus is reported down" grep -q '^scalepipe_tick_prometheus_up{namespace="shop",target="web"} 0' "$T/pushes"

P2=$(free_port)
t "an unreachable Prometheus" 1 env PROMETHEUS_URL=http://127.0.0.1:$P2 PUSHGATEWAY_URL= \
	bash "$TICK" -c "$T/c.conf" --textfile-dir "$T"
err_has "scalepipe-tick: stage promfetch failed"
check "... the textfile says so" grep -q '^scalepipe_tick_prometheus_up{namespace="shop",target="web"} 0' "$T/scalepipe_tick_shop_web.prom"
finish
