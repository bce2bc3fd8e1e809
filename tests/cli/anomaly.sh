#!/bin/sh
# anomaly: output shape and warm-up, flagged anomalies in the fixtures
# (tests/ref/anomaly_fixtures.py), causality by prefix runs, determinism over
# threads and seeds, features, the band residual, several columns, batch
# fit/save/load, thresholds, agreement with scikit-learn on a NAB series,
# bad input and bad models.
. "$TOP/tests/cli/lib.sh"
S=$D/anomaly-series.csv
NAB=$TOP/data/nab_ec2_cpu_utilization_5f5533.csv

t "defaults on a 5-minute series" 0 anomaly "$S"
check "header, one row per input row" sh -c "
	head -n 1 '$T/out' | grep -qx 'timestamp,value,anomaly_score,anomaly' &&
	[ \$(wc -l < '$T/out') = \$(wc -l < '$S') ]"
check "rows 1..128 (the training span, one row missing) unscored, then scores in (0, 1] and 0/1 flags" awk -F, '
	NR == 1 { next }
	NR <= 129 { if ($3 != "" || $4 != "") { print "row " NR - 1 " scored"; exit 1 } next }
	$2 == "" { if ($3 != "") { print "missing value scored"; exit 1 } next }
	!($3 > 0 && $3 <= 1) || ($4 != ($3 >= 0.82)) { print "row " NR - 1 ": " $0; exit 1 }
	END { if (NR != 1001) exit 1 }' "$T/out"
check "the spike at row 700 has the top score of the second half and is flagged" sh -c "
	awk -F, 'NR > 501' '$T/out' | sort -t, -k3,3 -g | tail -n 1 | grep -q '^1700130000,.*,1\$'"
cp "$T/out" "$T/full"
check "the missing value (row 300): an empty score, no error" sh -c "sed -n 301p '$T/full' | grep -qx '1700010000,,,'"

# causality: a run on the first n rows writes the first n rows of the whole
# run (under valgrind one prefix: the comparisons are the plain build's)
prefixes="129 300 701"
[ -n "${SP_VALGRIND:-}" ] && prefixes=300
for n in $prefixes; do
	head -n $((n + 1)) "$S" > "$T/prefix.csv"
	t "prefix of $n rows" 0 anomaly "$T/prefix.csv"
	check "equals the first $n rows of the full run" sh -c "head -n $((n + 1)) '$T/full' | cmp - '$T/out'"
done
t "stdin, one thread" 0 anomaly --threads 1 < "$S"
out_is "$T/full"
t "--threads 3" 0 anomaly --threads 3 "$S"
out_is "$T/full"
t "--seed 2" 0 anomaly --seed 2 "$S"
check "another seed, other scores" sh -c "! cmp -s '$T/out' '$T/full'"
if [ -z "${SP_VALGRIND:-}" ]; then  # determinism: the plain and ASan builds'
	t "--seed 2 again" 0 anomaly --seed 2 "$S"
	check "the same seed, the same scores" sh -c "anomaly --seed 2 '$S' | cmp - '$T/out'"
fi

# schedule and forest options
t "--train 500 --refit 0" 0 anomaly --train 500 --refit 0 "$S"
check "first score on row 502 (500 complete rows, one missing)" sh -c "
	sed -n 502p '$T/out' | grep -q ',,\$' && sed -n 503p '$T/out' | grep -qv ',,\$'"
t "--reservoir 100 --refit 10 --trees 20 --subsample 64" 0 anomaly --reservoir 100 --refit 10 --trees 20 --subsample 64 "$S"
check "scores present from row 129" sh -c "sed -n 131p '$T/out' | grep -qv ',,\$'"
t "--scoring plain" 0 anomaly --scoring plain "$S"
check "plain scores differ from range scores" sh -c "! cmp -s '$T/out' '$T/full'"
check "the spike has the top score of the second half (plain)" sh -c "
	awk -F, 'NR > 501' '$T/out' | sort -t, -k3,3 -g | tail -n 1 | grep -q '^1700130000,'"

# thresholds
t "--threshold 0.9" 0 anomaly --threshold 0.9 "$S"
check "flags = score >= 0.9" awk -F, 'NR > 1 && $3 != "" && $4 != ($3 >= 0.9) { exit 1 }' "$T/out"
t "--contamination 0.01" 0 anomaly --contamination 0.01 --reservoir 1000 --refit 0 --train 500 "$S"
check "about 1 % of the scored rows flagged" awk -F, 'NR > 1 && $3 != "" { n++; f += $4 } END { if (f < 2 || f > 12) { print f " of " n; exit 1 } }' "$T/out"

# features
t "--print-features value,diff,mean:3,sd:3,p50:3,z:3,tod,dow" 0 anomaly --print-features \
	--features value,diff,mean:3,sd:3,p50:3,z:3,tod,dow "$S"
check "feature columns" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,value,value_value,value_diff1,value_mean3,value_sd3,value_p50_3,value_z3,tod,dow,anomaly_score,anomaly'"
check "row 4: hand-computed features" sh -c "sed -n 5p '$T/out' | grep -qx '1699921200,51.414,51.414,1.703,50.812,0.7796593273,51.311,1.53120316,0.3333333333,1,,'"
t "unknown feature" 2 anomaly --features value,nope "$S"
err_has "anomaly: features: unknown item 'nope' (value, diff[:K], mean:W, sd:W, pP:W, z:W, tod, dow, resid)"
t "resid without a band" 2 anomaly --features value,resid "$S"
err_has "resid needs forecast, lower and upper columns"
t "a band: resid by default" 0 anomaly --print-features "$D/anomaly-band.csv"
check "header" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,value,forecast,lower,upper,value_value,resid,anomaly_score,anomaly'"
check "resid = (value - forecast) / 6 on row 1" sh -c "sed -n 2p '$T/out' | grep -q ',102.014,0.2525,,\$'"
check "the value out of the band (row 350) has the top score" sh -c "
	sort -t, -k8,8 -g '$T/out' | tail -n 1 | grep -q '^1700025000,.*,1\$'"

# several columns
t "-c cpu,mem" 0 anomaly -c cpu,mem --print-features "$D/anomaly-two.csv"
check "header" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,cpu,mem,cpu_value,mem_value,anomaly_score,anomaly'"
check "the row where mem leaves cpu (row 500) has the top score" sh -c "
	sort -t, -k6,6 -g '$T/out' | tail -n 1 | grep -q '^1699950000,'"
t "-c mem alone does not single it out" 0 anomaly -c mem "$D/anomaly-two.csv"
check "row 500 not flagged" sh -c "! grep -q '^1699950000,.*,1\$' '$T/out'"

# batch: fit, save, load
t "--fit --save (--threshold 0.7)" 0 anomaly --fit --save "$T/m" --threshold 0.7 -c cpu,mem --features value,diff "$D/anomaly-two.csv"
cp "$T/out" "$T/batch"
check "every row scored by the one forest, the first (no diff) not" awk -F, 'NR == 1 { next }
	NR == 2 { if ($4 != "") exit 1; next } $4 == "" || $5 != ($4 >= 0.7) { exit 1 } END { if (NR != 601) exit 1 }' "$T/out"
check "model file" sh -c "head -n 1 '$T/m' | grep -qx 'scalepipe-model anomaly 1' &&
	grep -qx 'features value,diff' '$T/m' && grep -qx 'columns cpu,mem' '$T/m' && grep -qx 'scoring range' '$T/m' &&
	grep -q '^command .*anomaly --fit --save ' '$T/m' && tail -n 1 '$T/m' | grep -qx end &&
	! ls '$T' | grep -q '\\.tmp\\.'"
t "-v" 0 anomaly -v --fit -c cpu,mem "$D/anomaly-two.csv"
err_has "anomaly: 600 rows, 1 fit, threshold 0.82; --fit: fit and scores of 600 rows in "
t "-v, streaming" 0 anomaly -v "$S"
err_is <<'EOF'
anomaly: 1000 rows, 14 fits, threshold 0.82
EOF
t "--load scores every complete row with it" 0 anomaly --load "$T/m" "$D/anomaly-two.csv"
check "first row unscored (diff), then every row" awk -F, 'NR == 2 && $4 != "" { exit 1 } NR > 2 && $4 == "" { exit 1 } END { if (NR != 601) exit 1 }' "$T/out"
check "row 500 flagged" grep -q '^1699950000,.*,1$' "$T/out"
check "the loaded forest gives the --fit run's output" cmp "$T/out" "$T/batch"
cp "$T/out" "$T/loaded"
t "--load on stdin, --threshold 0.99" 0 anomaly --load "$T/m" --threshold 0.99 < "$D/anomaly-two.csv"
check "same scores, fewer flags" sh -c "cut -d, -f1-4 '$T/loaded' > '$T/loaded.cut' &&
	cut -d, -f1-4 '$T/out' | cmp - '$T/loaded.cut' &&
	[ \$(grep -c ',1\$' '$T/out') -lt \$(grep -c ',1\$' '$T/loaded') ]"
t "--load --scoring plain" 0 anomaly --load "$T/m" --scoring plain "$D/anomaly-two.csv"
check "other scores" sh -c "! cmp -s '$T/out' '$T/loaded'"
t "--fit --contamination 0.02 saves the quantile" 0 anomaly --fit --contamination 0.02 --save "$T/mc" "$S"
check "18 to 22 of 999 rows flagged" awk -F, 'NR > 1 && $4 == 1 { f++ } END { if (f < 18 || f > 22) { print f; exit 1 } }' "$T/out"
check "threshold line" sh -c "grep -q '^threshold 0\\.[0-9]' '$T/mc'"
t "--load it: about 2 % flagged" 0 anomaly --load "$T/mc" "$S"
check "18 to 22 of 999 scored rows" awk -F, 'NR > 1 && $4 == 1 { f++ } END { if (f < 18 || f > 22) { print f; exit 1 } }' "$T/out"
t "streaming --save writes the last forest" 0 anomaly --save "$T/ms" "$S"
check "it loads" sh -c "anomaly --load '$T/ms' '$S' > /dev/null"

# agreement with scikit-learn's IsolationForest (tests/ref/anomaly_sklearn.py):
# plain scores of a forest fit on a NAB series, against sklearn's seed-mean
t "plain forest on ec2_cpu_utilization_5f5533 (value,diff)" 0 anomaly --fit --save "$T/mn" --features value,diff "$NAB"
t "scored" 0 anomaly --load "$T/mn" --scoring plain "$NAB"
check "Spearman rank correlation with scikit-learn >= 0.95" sh -c "
	awk -F, 'NR > 2 { print NR - 2, \$3 }' '$T/out' > '$T/ours'
	grep -v '^#' '$TOP/tests/ref/anomaly_sklearn_5f5533.txt' | awk '{ print NR, \$1 }' > '$T/sk'
	rank() { sort -k2,2g \"\$1\" | awk '{ v[NR] = \$2; id[NR] = \$1 } END {
		i = 1; while (i <= NR) { j = i; while (j < NR && v[j + 1] == v[i]) j++
			for (k = i; k <= j; k++) print id[k], (i + j) / 2; i = j + 1 } }' | sort -k1,1n; }
	rank '$T/ours' > '$T/ro'; rank '$T/sk' > '$T/rs'
	paste '$T/ro' '$T/rs' | awk '{ n++; d = \$2 - \$4; s += d * d } END {
		r = 1 - 6 * s / (n * (n * n - 1)); print \"rho \" r; if (n != 4031 || r < 0.95) exit 1 }'"

# bad input
t "empty input" 1 anomaly < /dev/null
err_has "anomaly: "
printf 'timestamp,value\n' > "$T/h.csv"
t "header only: the header" 0 anomaly "$T/h.csv"
out_is <<'EOF'
timestamp,value,anomaly_score,anomaly
EOF
t "--fit on a header only" 1 anomaly --fit "$T/h.csv"
err_is <<'EOF'
anomaly: need at least 2 rows to fit a forest, have 0
EOF
printf 'timestamp,value\n1,1\n2,abc\n' > "$T/bad.csv"
t "not a number" 1 anomaly "$T/bad.csv"
err_is <<EOF
anomaly: $T/bad.csv: row 2, column value: not a finite number: 'abc'
EOF
printf 'timestamp,value\n1,1\n2,NaN\n3,\n4,4\n' > "$T/nan.csv"
t "NaN and empty values: rows without a score" 0 anomaly --train 2 "$T/nan.csv"
out_is <<'EOF'
timestamp,value,anomaly_score,anomaly
1,1,,
2,NaN,,
3,,,
4,4,,
EOF
printf 'timestamp,value\n1,1\n3,2\n2,3\n' > "$T/back.csv"
t "time going backwards" 1 anomaly "$T/back.csv"
err_is <<EOF
anomaly: $T/back.csv: row 3, column timestamp: timestamp 2 is before the previous row's 3
EOF
printf 'value,timestamp\n1,1\n' > "$T/nots.csv"
t "no timestamp column first" 1 anomaly "$T/nots.csv"
err_has "timestamp"
t "unknown column" 2 anomaly -c nope "$S"
err_has "no column 'nope' (have: timestamp, value)"
t "-c timestamp" 2 anomaly -c timestamp "$S"
err_has "the timestamp is not a metric"
t "-c value,value" 2 anomaly -c value,value "$S"
err_has "column 'value' given twice"
t "--threshold and --contamination" 2 anomaly --threshold 0.7 --contamination 0.1 "$S"
err_has "exclude each other"
t "--fit without --save, --print-features" 0 anomaly --fit --print-features --features value,diff "$S"
check "header, features, missing value unscored" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,value,value_value,value_diff1,anomaly_score,anomaly' &&
	sed -n 301,302p '$T/out' | grep -c ',,\$' | grep -qx 2 && [ \$(wc -l < '$T/out') = 1001 ]"
t "--fit with --refit" 2 anomaly --fit --save "$T/x" --refit 5 "$S"
err_has "do not apply"
t "--load with --features" 2 anomaly --load "$T/m" --features value "$S"
err_has "the model fixes the columns"
t "--load with --save" 2 anomaly --load "$T/m" --save "$T/x" "$S"
err_has "--load excludes --save and --fit"
t "--threshold 2" 2 anomaly --threshold 2 "$S"
err_has "--threshold"
t "--scoring nope" 2 anomaly --scoring nope "$S"
err_has "--scoring"
t "--train 1" 2 anomaly --train 1 "$S"
err_has "--train"
t "two files" 2 anomaly "$S" "$S"
err_has "unexpected argument"
t "no such file" 1 anomaly "$T/none.csv"
err_has "none.csv"
t "the model's column missing from the input" 1 anomaly --load "$T/m" "$S"
err_is <<'EOF'
anomaly: the model's column 'cpu' is not in the input
EOF

# bad models
t "no model file" 1 anomaly --load "$T/none" "$S"
err_has "$T/none"
head -c 3000 "$T/m" > "$T/trunc"
t "a truncated model" 1 anomaly --load "$T/trunc" "$D/anomaly-two.csv"
err_has "$T/trunc"
sed -E 's/^tree3 [0-9]+ /tree3 9 /' "$T/m" > "$T/bad7"
sed '/^box5 /d' "$T/m" > "$T/nobox"
sed 's/^threshold .*/threshold nan/' "$T/m" > "$T/nanthr"
sed 's/^scoring range/scoring fast/' "$T/m" > "$T/badmode"
sed 's/^features value,diff/features value/' "$T/m" > "$T/dim"
printf 'hello\n' > "$T/junk"
for f in bad7 nobox nanthr badmode dim junk; do
	t "a corrupt model ($f)" 1 anomaly --load "$T/$f" "$D/anomaly-two.csv"
	err_has "$T/$f"
done
check "saving into a missing directory fails and leaves nothing" sh -c "
	! anomaly --fit --save '$T/no/such/m' '$S' > /dev/null 2> '$T/e' && grep -q 'no/such/m' '$T/e'"
# Issue 13: --save that cannot be written fails before the forests
t "--save in a missing directory: an error before the fit" 1 anomaly --fit --save "$T/nodir/m" "$S"
err_is <<EOF
anomaly: $T/nodir/m: cannot create: No such file or directory
EOF
out_is /dev/null
finish
