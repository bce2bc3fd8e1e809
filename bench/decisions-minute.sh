#!/bin/sh
# bench/decisions-minute.sh: scalepipe's default on per-minute rows, as
# deploy/configmap.yaml's tick decides (STEP 60), against the HPA frontier
# at the same cost (bench/decisions.md, "How the load moves inside a
# step"); and a probe: the default on 5-minute forecasts (the rows every
# other table of bench/decisions.md decides on) while the load moves per
# minute.
#
#   sh bench/decisions-minute.sh         (BIN to vary; about a minute)
#
# 1. scripts/scalepipe-frontier --step 60 (no resampling) on the two traces
#    recorded per minute, policies hpa, scalepipe, burst and aws, pod
#    start-up 60 and 180 s, test span: scalepipe's default against each
#    frontier at its cost; then scalepipe again with the scale-down
#    stabilisation of deploy/configmap.yaml's PLAN_ARGS (simulate
#    --stabilise; the plan's default is 120 s).  arfit's band with the
#    ConfigMap's AR order (ARFIT_ARGS -p, none: arfit's AR(2);
#    scalepipe-frontier --arfit-opts).
# 2. NASA per minute, normalised as scalepipe-frontier --step 60 does it;
#    its 5-minute means; the seasonal band on those (arfit -p 8's, or
#    arfit --season auto's, by bandselect: the frontier's default
#    forecaster);
#    burstdetect --quantile Q --lead 2 --hold 3 --burst-demand normal on
#    them.  Each minute of the test span gets its 5-minute row's demand and
#    hold, and its next row's demand in the last start-up + 60 s of the row
#    (what simulate's automatic lead time does on 5-minute rows); simulate
#    --policy scalepipe at --step 60 then decides once a minute, checks
#    every 15 s, on the per-minute load.  Quantiles 0.5, 0.6, 0.7, with
#    plan's --overprov 0, 10 and 20 %, at 60 s start-up, against the HPA
#    frontier of part 1 at the same cost.  A probe on the test span of one
#    trace: it chooses nothing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
PATH=$BIN:$PATH; export PATH
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-minute.XXXXXX")
trap 'rm -rf "$w"' EXIT

# the ConfigMap's plan stabilisation (PLAN_ARGS --stabilise)
stab=$(sed -n 's/^  PLAN_ARGS: ".*--stabilise \([0-9]*\).*/\1/p' "$top/deploy/configmap.yaml")
[ -n "$stab" ] || { echo "decisions-minute: no --stabilise in deploy/configmap.yaml's PLAN_ARGS" >&2; exit 1; }
# and its AR order (ARFIT_ARGS -p N or --order N; none: arfit's own)
order=$(sed -n 's/^  ARFIT_ARGS: ".*\(-p [0-9]*\|--order [0-9]*\).*/\1/p' "$top/deploy/configmap.yaml")
echo "== 1. per-minute rows (scalepipe-frontier --step 60), test spans: scalepipe's default"
echo "   (plan --stabilise 120), and with the ConfigMap's --stabilise $stab; arfit's band with the ConfigMap's order (${order:-AR(2)})"
echo
echo "| trace, start-up, stabilisation | cost (replica-h) | violations | churn | vs hpa (frontier's violations, change, its churn) | vs burst | vs aws |"
echo "|---|---|---|---|---|---|---|"
row() {   # trace start-up label matched.csv
	awk -F, -v t="$1" -v su="$2" -v l="$3" 'NR > 1 && $1 == "scalepipe" && $3 == 1 {
		c = $4; v = $5; ch = $6
		r[$7] = ($8 == "n/a" ? "n/a" : $7 == "hpa" ? sprintf("%s, %s %%, %s", $8, $9, $10) : $9 " %") }
		END { printf "| %s, %s s, %s | %.1f | %s | %s | %s | %s | %s |\n", t, su, l, c, v, ch, r["hpa"], r["burst"], r["aws"] }' "$4"
}
for t in nasa_http_1995_rpm worldcup98_19980626_27_rpm; do
	for su in 60 180; do
		sh "$top/scripts/scalepipe-frontier" --bin "$BIN" --step 60 --startup "$su" --policies hpa,scalepipe,burst,aws \
			--arfit-opts "$order" --no-plot -o "$w/$t.$su" "$top/data/$t.csv" 2> "$w/err" || { cat "$w/err" >&2; exit 1; }
		row "$t" "$su" "120 s" "$w/$t.$su/matched.csv"
		sh "$top/scripts/scalepipe-frontier" --bin "$BIN" --step 60 --startup "$su" --policies scalepipe \
			--arfit-opts "$order" --simulate-opts "--stabilise $stab" --points "$w/$t.$su/points.csv" \
			--no-plot -o "$w/$t.$su.cm" "$top/data/$t.csv" 2> "$w/err" || { cat "$w/err" >&2; exit 1; }
		row "$t" "$su" "$stab s" "$w/$t.$su.cm/matched.csv"
	done
done

echo
echo "== 2. NASA: 5-minute forecasts, the load per minute, 60 s start-up, test span"
echo
tr=$top/data/nasa_http_1995_rpm.csv
. "$top/scripts/lstm-replay.sh"   # season_band
train1=$(window --resample 60 < "$tr" | awk -F, -v s=60 -v f=0.6 'NR > 1 { n++ }
	END { wk = int(7 * 86400 / s); d = int(86400 / s); h = int(n * f / 2); t = h > d ? h : d; print (wk < t) ? wk : t }')
window --resample 60 --fill linear --normalize robust --to 500,175 --clip 0,4000 --train-rows "$train1" < "$tr" > "$w/l1.csv"
window --resample 300 < "$w/l1.csv" > "$w/l5.csv"
arfit --rolling -H 24 --level 0.98 -p 8 < "$w/l5.csv" > "$w/band.csv"
season_band "$w/l5.csv" --season-after 7d > "$w/seas.csv" 2> "$w/period"
bandselect --alt "$w/seas.csv" "$w/band.csv" > "$w/sband.csv"
rows=$(($(wc -l < "$w/l1.csv") - 1))
tcut=$(awk -F, -v k="$(awk -v n="$rows" 'BEGIN { printf "%d", n * 0.6 }')" 'NR == k + 2 { print $1; exit }' "$w/l1.csv")
su=60
hpa_at() {   # cost: the per-minute HPA frontier's violations there (part 1's points)
	awk -F, '$1 == "hpa" { print $3, $4 }' "$w/nasa_http_1995_rpm.$su/points.csv" | sort -k1,1g |
		awk -v c="$1" '{ if (best == "" || $2 < best) { best = $2; n++; fc[n] = $1; fv[n] = $2 } }
		END { for (i = 1; i < n; i++) if (c >= fc[i] && c <= fc[i + 1]) {
			f = (c - fc[i]) / (fc[i + 1] - fc[i]); printf "%.1f\n", fv[i] + f * (fv[i + 1] - fv[i]); exit }
		print "n/a" }'
}
echo "| quantile | plan --overprov | cost (replica-h) | violations | churn | HPA frontier at that cost | change |"
echo "|---|---|---|---|---|---|---|"
for q in 0.5 0.6 0.7; do
	burstdetect --train $((train1 / 5)) --quantile "$q" --lead 2 --hold 3 --burst-demand normal < "$w/sband.csv" > "$w/bd5.csv"
	awk -F, -v OFS=, -v L=$((su + 60)) -v t="$tcut" '
	FNR == 1 { f++ }
	f == 1 && FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	f == 1 { b = $1; fc[b] = $c["forecast"]; lo[b] = $c["lower"]; up[b] = $c["upper"]; st[b] = $c["state"]
		d[b] = $c["demand"]; dn[b] = $c["demand_next"]; dh[b] = $c["demand_hold"]; next }
	f == 2 && FNR == 1 { print "timestamp,value,forecast,lower,upper,state,demand,demand_next,demand_hold"; next }
	f == 2 { m = $1; if (m < t) next
		b = m - m % 300; if (!(b in d) || d[b] == "") next
		print m, $2, fc[b], lo[b], up[b], st[b], d[b], (m + L >= b + 300) ? dn[b] : d[b], dh[b] }' \
		"$w/bd5.csv" "$w/l1.csv" > "$w/in.csv"
	for op in 0 10 20; do
		simulate --startup "$su" --policy scalepipe --overprov "$op" --summary < "$w/in.csv" | awk -F, '
			NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			{ printf "%.1f %s %d\n", $c["cost"] / 3600, $c["violations"], $c["replica_changes"] }' > "$w/s"
		read -r cost viol churn < "$w/s"
		h=$(hpa_at "$cost")
		echo "| $q | $op % | $cost | $viol | $churn | $h | $(awk -v a="$viol" -v b="$h" 'BEGIN { if (b == "n/a") print "n/a"; else printf "%+.1f %%", 100 * (a / b - 1) }') |"
	done
done
