#!/bin/sh
# deploy/alerts/anomaly.rules.yaml with Debian's promtool: the rules check,
# their unit tests (deploy/alerts/anomaly.rules.test.yaml), and the whole
# path: anomaly on a series with a level shift, promexport --backfill, the
# samples fed to `promtool test rules`, the alerts expected where anomaly's
# output says.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/kubeapi/netlib.sh"
need promtool
A=$TOP/deploy/alerts

t "promtool check rules" 0 promtool check rules "$A/anomaly.rules.yaml"
out_has "SUCCESS: 3 rules found"
t "promtool test rules (the committed tests)" 0 promtool test rules "$A/anomaly.rules.test.yaml"
out_has "SUCCESS"

# 240 rows a minute apart, the level shifted by 70 in rows 200..211
T0=1700000000
awk -v t0=$T0 'BEGIN { print "timestamp,cpu"; for (i = 0; i < 240; i++)
	printf "%d,%.3f\n", t0 + 60 * i, (i >= 200 && i < 212 ? 120 : 50) + 5 * sin(i / 7) + 3 * sin(i * 1.7) }' > "$T/cpu.csv"
t "anomaly" 0 anomaly "$T/cpu.csv"
cp "$T/out" "$T/an.csv"
t "promexport --backfill of anomaly's output" 0 promexport --backfill - --namespace shop --target web "$T/an.csv"
cp "$T/out" "$T/an.om"
out_has 'scalepipe_anomaly_score{namespace="shop",target="web"}'
out_has 'scalepipe_anomaly{namespace="shop",target="web"}'

# what the alerts must do, from anomaly's output (row i = minute i): the
# first run of 6 flagged rows starting at s -> ScalepipeAnomalySustained
# pending at s+4, firing at s+5; the first score >= 0.9 at h ->
# ScalepipeAnomalyScoreHigh from minute h
eval "$(awk -F, 'NR > 1 { i = NR - 2
	if ($4 == 1) { run++; if (run == 6 && s == "") s = i - 5 } else run = 0
	if ($3 != "" && $3 >= 0.9 && h == "") { h = i; v = sprintf("%.2f", $3) } }
	END { printf "s=%s h=%s v=%s\n", s, h, v }' "$T/an.csv")"
check "anomaly flags 6 rows in a row and a score >= 0.9 in the shift" test -n "$s" -a -n "$h"
# the OpenMetrics samples as promtool input series ('_': no sample)
awk -v t0=$T0 -v n=240 '/^#/ { next }
	{ i = ($3 - t0) / 60; if (!($1 in seen)) { seen[$1] = 1; name[++k] = $1 } val[$1, i] = $2 }
	END { for (j = 1; j <= k; j++) {
		printf "      - series: '\''%s'\''\n        values: '\''", name[j]
		for (i = 0; i < n; i++) printf "%s%s", i ? " " : "", ((name[j], i) in val) ? val[name[j], i] : "_"
		print "'\''" } }' "$T/an.om" > "$T/series.yaml"
{
	cat <<X
rule_files:
  - $A/anomaly.rules.yaml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
X
	cat "$T/series.yaml"
	cat <<X
    alert_rule_test:
      - eval_time: $((s + 4))m
        alertname: ScalepipeAnomalySustained
        exp_alerts: []
      - eval_time: $((s + 5))m
        alertname: ScalepipeAnomalySustained
        exp_alerts:
          - exp_labels: { severity: warning, namespace: shop, target: web }
            exp_annotations:
              summary: 'Anomaly on shop/web for 5 minutes'
              description: "scalepipe's anomaly detector has flagged every row of shop/web for at least 5 minutes: a crash, a leak or a change of workload; scale-down is held where plan runs with --hold-on-anomaly."
      - eval_time: $((h - 1))m
        alertname: ScalepipeAnomalyScoreHigh
        exp_alerts: []
      - eval_time: ${h}m
        alertname: ScalepipeAnomalyScoreHigh
        exp_alerts:
          - exp_labels: { severity: critical, namespace: shop, target: web }
            exp_annotations:
              summary: 'Anomaly score $v on shop/web'
              description: 'The Isolation Forest isolates the latest row of shop/web almost at once (score $v, at least 0.9): a sudden spike or drop, possibly a crash precursor.'
X
} > "$T/pipeline.test.yaml"
t "promtool test rules on promexport's samples" 0 promtool test rules "$T/pipeline.test.yaml"
out_has "SUCCESS"
finish
