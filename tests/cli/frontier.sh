#!/bin/sh
# scalepipe-frontier (scripts/): points, Pareto frontiers and the matched-cost
# table on a small synthetic trace; usage errors.  A shell script over the
# tools (each tested on its own, under valgrind too): under valgrind only the
# usage errors run.
. "$TOP/tests/cli/lib.sh"
F=$TOP/scripts/scalepipe-frontier
fr() { sh "$F" --bin "$BIN" "$@"; }

t "no trace" 2 fr
err_has "scalepipe-frontier: give one trace CSV"
t "bad --span" 2 fr --span middle x.csv
err_has "scalepipe-frontier: --span: train or test, not 'middle'"
t "bad --split" 2 fr --split 1.5 x.csv
err_has "scalepipe-frontier: --split: a fraction in (0,1), not '1.5'"
t "unknown option" 2 fr --nope x.csv
err_has "scalepipe-frontier: unknown option '--nope'"
t "unreadable trace" 1 fr "$T/none.csv"
err_has "scalepipe-frontier: $T/none.csv: cannot read"
t "bad --forecaster" 2 fr --forecaster prophet x.csv
err_has "scalepipe-frontier: --forecaster: arfit, lstm, select, seasonal or select3, not 'prophet'"
t "bad --default-knob" 2 fr --default-knob 1.5 x.csv
err_has "scalepipe-frontier: --default-knob: a quantile in (0,1), not '1.5'"
t "bad --lstm-every" 2 fr --forecaster lstm --lstm-every 0 x.csv
err_has "scalepipe-frontier: --lstm-from, --lstm-every: a number of rows > 0, not '0'"
t "--help" 0 fr --help
out_has "scalepipe-frontier [options] TRACE.csv"
if [ -n "${SP_VALGRIND:-}" ]; then finish; exit; fi

# four days of 5-minute rows: a daily cycle, noise and two bursts
awk 'BEGIN { srand(7); print "timestamp,load"
	for (i = 0; i < 1152; i++) { x = 300 + 200 * sin(2 * 3.14159265 * i / 288) + 40 * (rand() - 0.5)
		if (i % 500 > 480) x += 400; printf "%d,%.3f\n", 1700000000 + 300 * i, x } }' > "$T/trace.csv"
t "four policies, two knob values each" 0 fr --no-plot --train-rows 288 -o "$T/o" \
	--knob hpa=60:80 --knob scalepipe=0.4:0.6:0.75 --knob burst=0.5:0.75 --knob forecast=0:20 "$T/trace.csv"
err_has "scalepipe-frontier: trace: 9 points"
check "points.csv: header and 9 points" sh -c "
	head -n 1 '$T/o/points.csv' | grep -qx 'policy,knob,cost,violations,violation_pct,p95_ms,p99_ms,churn,pods_started,default' &&
	test \$(tail -n +2 '$T/o/points.csv' | wc -l) -eq 9"
check "the defaults marked: hpa 80, scalepipe 0.6, burst 0.75, forecast 0" sh -c "
	awk -F, 'NR > 1 && \$10 == 1 { print \$1 \":\" \$2 }' '$T/o/points.csv' | sort | tr '\n' ' ' |
	grep -qx 'burst:0.75 forecast:0 hpa:80 scalepipe:0.6 '"
# the default forecaster is the seasonal selection (deploy/configmap.yaml's):
# four days, shorter than the week the period is found on: no period yet,
# arfit's band
check "the default forecaster: seasonal, no period in four days" test "$(cat "$T/o/period")" = 0
check "costs and violations are numbers >= 0" awk -F, 'NR > 1 && !($3 > 0 && $4 >= 0 && $8 >= 0) { exit 1 }' "$T/o/points.csv"
check "frontier: per policy, cost up and violations down" awk -F, '
	NR > 1 { if ($1 == p && !($3 >= c && $4 < v)) exit 1; p = $1; c = $3; v = $4 }' "$T/o/frontier.csv"
check "frontier points are points" sh -c "tail -n +2 '$T/o/frontier.csv' | while read -r l; do grep -qxF \"\$l\" '$T/o/points.csv' || exit 1; done"
# matched cost, recomputed: every point against the hpa frontier, linear
# interpolation by cost between its neighbours; outside, the cheapest
# (dearest) setting when the point is cheaper (dearer) and no worse (no
# better) in violations, else n/a
check "matched.csv: scalepipe against hpa, recomputed" sh -c "
	awk -F, -v OFS=, 'NR == FNR { if (FNR > 1 && \$1 == \"hpa\") { n++; c[n] = \$3; v[n] = \$4 } next }
		FNR > 1 && \$1 == \"scalepipe\" { r = \"n/a\"; h = \"n/a\"
			for (j = 1; j < n; j++) if (c[j] <= \$3 && \$3 <= c[j + 1]) {
				r = sprintf(\"%.1f\", v[j] + (\$3 - c[j]) / (c[j + 1] - c[j]) * (v[j + 1] - v[j])); h = \"matched\"; break }
			if (h == \"n/a\" && \$3 < c[1] && \$4 <= v[1]) { r = sprintf(\"%.1f\", v[1]); h = \"cheaper\" }
			if (h == \"n/a\" && \$3 > c[n] && \$4 >= v[n]) { r = sprintf(\"%.1f\", v[n]); h = \"dearer\" }
			print \$2, r, h }' '$T/o/frontier.csv' '$T/o/points.csv' > '$T/want' &&
	awk -F, -v OFS=, '\$1 == \"scalepipe\" && \$7 == \"hpa\" { print \$2, \$8, \$11 }' '$T/o/matched.csv' > '$T/got' &&
	cmp '$T/want' '$T/got'"
# the reference's churn and pods started at the point's cost, interpolated
# as its violations; the point's own pods started beside them
check "matched.csv: the HPA's churn and pods started at scalepipe's cost, recomputed" sh -c "
	awk -F, -v OFS=, 'NR == FNR { if (FNR > 1 && \$1 == \"hpa\") { n++; c[n] = \$3; ch[n] = \$8; ps[n] = \$9 } next }
		FNR > 1 && \$1 == \"scalepipe\" { rc = rp = \"n/a\"
			for (j = 1; j < n; j++) if (c[j] <= \$3 && \$3 <= c[j + 1]) { x = (\$3 - c[j]) / (c[j + 1] - c[j])
				rc = sprintf(\"%.0f\", ch[j] + x * (ch[j + 1] - ch[j])); rp = sprintf(\"%.0f\", ps[j] + x * (ps[j + 1] - ps[j])); break }
			if (rc != \"n/a\") print \$2, \$8, rc, \$9, rp }' '$T/o/frontier.csv' '$T/o/points.csv' > '$T/want' &&
	awk -F, -v OFS=, 'NR == 1 && \$12 != \"pods_started\" { exit 1 } NR == 1 && \$13 != \"reference_pods_started\" { exit 1 }
		\$1 == \"scalepipe\" && \$7 == \"hpa\" && \$11 == \"matched\" { print \$2, \$6, \$10, \$12, \$13 }' '$T/o/matched.csv' > '$T/got' &&
	test -s '$T/want' && cmp '$T/want' '$T/got'"
# outside a cost range: the crane costs more than the others; every pair
# recomputed, and each kind of match met
t "hpa, scalepipe and crane: dominances outside a cost range" 0 fr --no-plot --train-rows 288 -o "$T/d" \
	--policies hpa,scalepipe,crane --knob hpa=60:80:95 --knob scalepipe=0.75 --knob crane=80:95 "$T/trace.csv"
check "matched.csv: every pair recomputed, matched, cheaper, dearer and n/a met" sh -c "
	awk -F, -v OFS=, 'NR == FNR { if (FNR > 1) { n[\$1]++; c[\$1, n[\$1]] = \$3; v[\$1, n[\$1]] = \$4 } next }
		FNR > 1 { m[FNR] = \$0 }
		END { for (i = 2; i <= FNR; i++) { split(m[i], a, \",\"); for (p in n) { if (p == a[1]) continue
			r = \"n/a\"; h = \"n/a\"; k = n[p]
			for (j = 1; j < k; j++) if (c[p, j] <= a[3] && a[3] <= c[p, j + 1]) {
				r = sprintf(\"%.1f\", v[p, j] + (a[3] - c[p, j]) / (c[p, j + 1] - c[p, j]) * (v[p, j + 1] - v[p, j])); h = \"matched\"; break }
			if (h == \"n/a\" && a[3] < c[p, 1] && a[4] <= v[p, 1]) { r = sprintf(\"%.1f\", v[p, 1]); h = \"cheaper\" }
			if (h == \"n/a\" && a[3] > c[p, k] && a[4] >= v[p, k]) { r = sprintf(\"%.1f\", v[p, k]); h = \"dearer\" }
			print a[1], a[2], p, r, h } } }' '$T/d/frontier.csv' '$T/d/points.csv' | sort > '$T/want' &&
	awk -F, -v OFS=, 'NR > 1 { print \$1, \$2, \$7, \$8, \$11 }' '$T/d/matched.csv' | sort > '$T/got' &&
	cmp '$T/want' '$T/got' &&
	for h in matched cheaper dearer n/a; do cut -d, -f5 '$T/got' | grep -qx \"\$h\" || exit 1; done"
# --points: the earlier points of policies not run now join this run's;
# --burstdetect-opts: scalepipe's burstdetect options
t "--points: hpa and burst from the first run, scalepipe now" 0 fr --no-plot --train-rows 288 -o "$T/p" \
	--policies scalepipe --knob scalepipe=0.4:0.6:0.75 --points "$T/o/points.csv" "$T/trace.csv"
check "the same points as the first run, hpa, burst and forecast taken over" sh -c "
	sort '$T/o/points.csv' > '$T/pa' && sort '$T/p/points.csv' > '$T/pb' && cmp '$T/pa' '$T/pb'"
check "the same matched-cost table" sh -c "sort '$T/o/matched.csv' > '$T/ma' && sort '$T/p/matched.csv' > '$T/mb' && cmp '$T/ma' '$T/mb'"
# the scalepipe 0.4 point of run DIR against the first run's: same or differs
pt04() { grep '^scalepipe,0.4,' "$1/points.csv"; }
same04() { [ "$(pt04 "$1")" = "$(pt04 "$T/o")" ]; }
differs04() { [ "$(pt04 "$1")" != "$(pt04 "$T/o")" ]; }
p04() { _d=$1; shift; fr --no-plot --train-rows 288 -o "$_d" --policies scalepipe --knob scalepipe=0.4 "$@" "$T/trace.csv"; }
t "--burstdetect-opts: another scalepipe point" 0 p04 "$T/b" --burstdetect-opts "--hold 24 --hold-quantile 0.99"
check "the point differs from the default's" differs04 "$T/b"
t "--burstdetect-opts: the default written out" 0 p04 "$T/b2" --burstdetect-opts "--lead 2 --hold 3 --burst-demand normal"
check "the default's point: --lead 2 --hold 3 --burst-demand normal" same04 "$T/b2"
t "--burstdetect-opts: the burst AR's demand in bursts" 0 p04 "$T/b3" --burstdetect-opts "--lead 2 --hold 3"
check "the point differs from the default's (the trace has bursts)" differs04 "$T/b3"
# --arfit-opts: arfit's band is an AR(8) by default; "" is arfit's own AR(2)
t "--arfit-opts: the default written out" 0 p04 "$T/a8" --arfit-opts "-p 8"
check "the default's point: -p 8" same04 "$T/a8"
t "--arfit-opts '': arfit's AR(2)" 0 p04 "$T/a2" --arfit-opts ""
check "AR(2)'s point differs from the default's" differs04 "$T/a2"
t "--arfit-opts: arfit refuses them" 1 p04 "$T/ax" --arfit-opts "-p x"
err_has "scalepipe-frontier: arfit failed (--arfit-opts '-p x'?)"
# --policies none: the first run's frontiers and table from its points alone
t "--policies none --points" 0 fr --no-plot --train-rows 288 -o "$T/n" --policies none --points "$T/o/points.csv" "$T/trace.csv"
check "the first run's frontier and matched-cost table" sh -c "
	sort '$T/o/points.csv' > '$T/pa' && sort '$T/n/points.csv' > '$T/pb' && cmp '$T/pa' '$T/pb' &&
	cmp '$T/o/frontier.csv' '$T/n/frontier.csv' && cmp '$T/o/matched.csv' '$T/n/matched.csv'"
t "--policies none needs --points" 2 fr --no-plot --policies none "$T/trace.csv"
err_has "scalepipe-frontier: --policies none needs --points"
t "--points: not a points file" 1 fr --no-plot --points "$T/trace.csv" "$T/trace.csv"
err_has "scalepipe-frontier: --points $T/trace.csv: not a points.csv of scalepipe-frontier"
t "--span train scores the other span" 0 fr --no-plot --train-rows 288 -o "$T/tr" --span train \
	--policies hpa --knob hpa=80 "$T/trace.csv"
check "a different point" sh -c "! cmp -s '$T/tr/points.csv' '$T/o/points.csv'"
# --forecaster lstm: deploy/lstm's forecaster replayed (a first training at
# row 576, a retrain at 864, small models to be quick); the band-driven
# policy's points change, the reactive one's do not, and the run repeats
# exactly (training is deterministic for its seed)
lf() { fr --no-plot --train-rows 288 --policies hpa,scalepipe --knob hpa=60:80 --knob scalepipe=0.4:0.75 \
	--forecaster lstm --lstm-from 576 --lstm-every 288 --lstm-args "--window 24 --hidden 4 --epochs 3" "$@" "$T/trace.csv"; }
t "--forecaster lstm" 0 lf -o "$T/l1"
check "hpa's points as arfit's run, scalepipe's not" sh -c "
	grep '^hpa,' '$T/l1/points.csv' > '$T/la' && grep '^hpa,' '$T/o/points.csv' > '$T/lb' && cmp '$T/la' '$T/lb' &&
	grep '^scalepipe,' '$T/l1/points.csv' > '$T/la' && grep '^scalepipe,' '$T/o/points.csv' > '$T/lb' && ! cmp -s '$T/la' '$T/lb'"
t "--forecaster lstm again" 0 lf -o "$T/l2"
check "the same points" cmp "$T/l1/points.csv" "$T/l2/points.csv"
t "--forecaster select" 0 lf -o "$T/l4" --forecaster select
check "hpa's points as arfit's run again" sh -c "
	grep '^hpa,' '$T/l4/points.csv' > '$T/la' && grep '^hpa,' '$T/o/points.csv' > '$T/lb' && cmp '$T/la' '$T/lb'"
# --forecaster seasonal: on the daily cycle with two days (--season-after)
# before the seasonal band, the lags searched stop at a third of those rows (192):
# no period, arfit's band; on a cycle of 12 steps (an hour) and noise the
# period is 12 and scalepipe's points move
t "--forecaster seasonal, no period" 0 fr --no-plot --train-rows 288 --policies hpa,scalepipe --knob hpa=60:80 \
	--knob scalepipe=0.4:0.75 --forecaster seasonal --season-after 2d -o "$T/s1" "$T/trace.csv"
check "period 0" test "$(cat "$T/s1/period")" = 0
check "every point as arfit's run" sh -c "grep -E '^(hpa|scalepipe),' '$T/s1/points.csv' | sort > '$T/sa' &&
	grep -E '^(hpa,(60|80)|scalepipe,(0.4|0.75)),' '$T/o/points.csv' | sort > '$T/sb' && cmp '$T/sa' '$T/sb'"
awk 'BEGIN { srand(3); print "timestamp,load"
	for (i = 0; i < 1152; i++) { x = 300 + 40 * (rand() - 0.5) + ((i % 12) == 5 ? 900 : 0) + ((i % 12) == 6 ? 1500 : 0)
		printf "%d,%.3f\n", 1700000000 + 300 * i, x } }' > "$T/hourly.csv"
t "--forecaster seasonal, --season-after past the last row" 0 fr --no-plot --train-rows 288 --policies scalepipe \
	--knob scalepipe=0.4 --forecaster seasonal --season-after 30d -o "$T/s5" "$T/hourly.csv"
check "period 0 (no period read from rows it would be used at)" test "$(cat "$T/s5/period")" = 0
t "--season-after not a duration" 1 fr --no-plot --train-rows 288 --policies scalepipe --knob scalepipe=0.4 \
	--forecaster seasonal --season-after soon -o "$T/s6" "$T/hourly.csv"
err_has "arfit: --season-after: not a duration: 'soon'"
err_has "scalepipe-frontier: the seasonal band failed"
t "--forecaster seasonal, an hourly cycle" 0 fr --no-plot --train-rows 288 --policies scalepipe --knob scalepipe=0.6 \
	--default-knob 0.6 --forecaster seasonal --season-after 2d -o "$T/s2" "$T/hourly.csv"
check "period 12" test "$(cat "$T/s2/period")" = 12
check "--default-knob 0.6 marks 0.6" grep -q '^scalepipe,0.6,.*,1$' "$T/s2/points.csv"
t "the same with arfit's band" 0 fr --no-plot --train-rows 288 --policies scalepipe --knob scalepipe=0.6 \
	--default-knob 0.6 --forecaster arfit -o "$T/s3" "$T/hourly.csv"
check "the seasonal selection dominates: cheaper, fewer violations" awk -F, 'NR == FNR { if (FNR == 2) { c = $3; v = $4 } next }
	FNR == 2 { exit !($3 + 0 < c + 0 && $4 + 0 < v + 0) }' "$T/s3/points.csv" "$T/s2/points.csv"
# select3 (select's band or the seasonal one) runs both: the period found
# on the hourly cycle, and a point
t "--forecaster select3" 0 fr --no-plot --train-rows 288 --policies scalepipe --knob scalepipe=0.6 --default-knob 0.6 \
	--forecaster select3 --season-after 2d --lstm-from 576 --lstm-every 288 --lstm-args "--window 24 --hidden 4 --epochs 3" -o "$T/s4" "$T/hourly.csv"
check "period 12 and a point" sh -c "[ \"\$(cat '$T/s4/period')\" = 12 ] && grep -q '^scalepipe,0.6,.*,1\$' '$T/s4/points.csv'"
t "--forecaster lstm, a bad first training" 1 fr --no-plot --train-rows 288 --policies scalepipe --knob scalepipe=0.4 \
	--forecaster lstm --lstm-from 576 --lstm-args "--hidden 0" -o "$T/l3" "$T/trace.csv"
err_has "scalepipe-frontier: lstmtrain failed (row 576)"
t "a training span no longer than --train-rows" 1 fr --no-plot --train-rows 1000 -o "$T/x" --policies hpa "$T/trace.csv"
err_has "is not longer than --train-rows 1000"
finish
