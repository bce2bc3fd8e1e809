#!/bin/sh
# burstdetect: labels against the independent batch reference
# (tests/ref/bd_ref.py), theta_acc learning and model files, alignment,
# demand rules, spikes on a shipped periodic trace, edge cases, errors.
. "$TOP/tests/cli/lib.sh"
S=$D/bd-synth.csv
REF=$TOP/tests/ref/bd_synth_labels.csv
# timestamp,is-burst of burstdetect's output
labels() { awk -F, 'NR > 1 { print $1 "," ($6 == "burst") }' "$T/out"; }

t "same-step labels equal the reference's B[t]" 0 burstdetect --same-step --train 60 "$S"
check "labels match tests/ref/bd_synth_labels.csv" sh -c "grep -v '^#' '$REF' > '$T/want'; awk -F, 'NR > 1 { print \$1 \",\" (\$6 == \"burst\") }' '$T/out' | cmp - '$T/want'"
t "causal labels are the reference shifted by one step" 0 burstdetect --train 60 "$S"
check "row t+1 carries B[t]; the last row is the open decision" sh -c "
	grep -v '^#' '$REF' | awk -F, '{ print \$1 + 60 \",\" \$2 }' > '$T/want'
	awk -F, 'NR > 1 { print \$1 \",\" (\$6 == \"burst\") }' '$T/out' | cmp - '$T/want'
	tail -n 1 '$T/out' | grep -q '^18000,,'"
t "--save writes the learnt theta_acc (reference 1.8508721302145743)" 0 burstdetect --train 60 --save "$T/th" "$S"
check "theta_acc in the model" grep -qx 'theta_acc 1.8508721302145743' "$T/th"
check "model kind and horizons" sh -c "head -n 1 '$T/th' | grep -qx 'scalepipe-model burst 1' && grep -qx 'horizons 6' '$T/th'"
t "--load reproduces the labels" 0 burstdetect --same-step --load "$T/th" "$S"
labels > "$T/loaded"
t "--theta-acc given" 0 burstdetect --same-step --theta-acc 1.8508721302145743 "$S"
check "--load and --theta-acc give the same labels from step H+train on" sh -c "
	awk -F, 'NR > 1 { print \$1 \",\" (\$6 == \"burst\") }' '$T/out' | tail -n 200 > '$T/a'
	tail -n 200 '$T/loaded' | cmp - '$T/a'"
t "no theta_acc: the score criterion alone" 0 burstdetect --same-step "$S"
out_has "burst"
t "--score-threshold huge and no theta: never a burst" 0 burstdetect --score-threshold 1e300 "$S"
check "all normal or spike" sh -c "! cut -d, -f6 '$T/out' | grep -qx burst"
t "--min-outliers 4 > --near 3: only the accuracy criterion" 0 burstdetect --min-outliers 4 "$S"
check "no burst" sh -c "! cut -d, -f6 '$T/out' | grep -qx burst"
t "--near 1" 0 burstdetect --near 1 --min-outliers 1 --train 60 "$S"
out_has "burst"
t "--level 0.5 (quantiles 0.25, 0.75)" 0 burstdetect --same-step --level 0.5 --train 60 --save "$T/l5" "$S"
check "q levels saved" grep -qx 'q_lo 0.25' "$T/l5"
t "--quantiles" 0 burstdetect --quantiles 0.1,0.9 --train 60 --save "$T/q" "$S"
check "q levels saved" grep -qx 'q_hi 0.90000000000000002' "$T/q"

# demand rules
t "normal demand is the forecast; burst demand at least the band floor" 0 burstdetect --train 60 "$S"
check "invariants" awk -F, 'NR > 1 && $2 != "" {
	if ($6 != "burst" && $7 != $3) { print "row " NR ": normal demand " $7 " != forecast " $3; exit 1 }
	if ($6 == "burst" && $7 + 0 < $5 + 0 && $7 + 0 < $4 + 0) { print "row " NR ": burst demand below the band"; exit 1 } }' "$T/out"
t "--normal-demand upper" 0 burstdetect --normal-demand upper --train 60 "$S"
check "demand = upper outside bursts" awk -F, 'NR > 2 && $2 != "" && $6 != "burst" && $7 != $5 { exit 1 }' "$T/out"
t "--normal-demand lower" 0 burstdetect --normal-demand lower --train 60 "$S"
check "demand = lower outside bursts" awk -F, 'NR > 2 && $2 != "" && $6 != "burst" && $7 != $4 { exit 1 }' "$T/out"
t "--quantile 0.99 is the upper bound (Gaussian band)" 0 burstdetect --quantile 0.99 --train 60 "$S"
check "demand = upper" awk -F, 'NR > 2 && $6 != "burst" { d = $7 - $5; if (d < 0) d = -d; if (d > 1e-6) exit 1 }' "$T/out"
t "--quantile 0.75 lies between the forecast and the upper bound" 0 burstdetect --quantile 0.75 --train 60 "$S"
check "forecast < demand < upper" awk -F, 'NR > 2 && $6 != "burst" && !($7 > $3 && $7 < $5) { exit 1 }' "$T/out"
t "--lead 3: the max over horizons 1..3" 0 burstdetect --lead 3 --train 60 "$S"
check "first decision is max of origin 0's horizons 1..3" sh -c "
	want=\$(awk -F, '\$1 == 0 && \$3 <= 3 { if (\$5 > m) m = \$5 } END { print m }' '$S')
	got=\$(awk -F, 'NR == 2 { print \$7 }' '$T/out')
	[ \"\$want\" = \"\$got\" ]"
t "--ar-window/--ar-min/--ar-quantile/--bootstrap/--seed change the burst demand only" 0 burstdetect --train 60 --ar-window 50 --ar-min 20 --ar-quantile 0.9 --bootstrap 20 --seed 3 "$S"
cut -d, -f1-6 "$T/out" > "$T/ar1"
check "labels as without them" sh -c "burstdetect --train 60 '$S' | cut -d, -f1-6 | cmp - '$T/ar1'"
check "burst demands differ" sh -c "! burstdetect --train 60 '$S' | cmp -s - '$T/out'"
# --burst-demand normal: the labels of ar, every demand the normal rule's
t "--burst-demand normal: labelled as with ar" 0 burstdetect --burst-demand normal --lead 2 --hold 3 --quantile 0.6 --train 60 "$S"
cp "$T/out" "$T/bn"
check "some bursts among the labels" sh -c "cut -d, -f6 '$T/bn' | grep -qx burst"
cut -d, -f1-6 "$T/bn" > "$T/bn.l"
check "the labels are ar's" sh -c "burstdetect --lead 2 --hold 3 --quantile 0.6 --train 60 '$S' | cut -d, -f1-6 | cmp - '$T/bn.l'"
check "the demands are those of no burst at all (thresholds never crossed)" sh -c "
	burstdetect --lead 2 --hold 3 --quantile 0.6 --score-threshold 1e300 --theta-acc 1e300 '$S' | cut -d, -f7- > '$T/nb.d'
	cut -d, -f7- '$T/bn' | cmp - '$T/nb.d'"
check "burst rows: the demand is the max of the band's quantile 0.6 over horizons 1..2" awk -F, '
	NR == FNR { if (FNR > 1 && $3 <= 2) { v = $5 + ($7 - $5) * 0.2533471031357997 / 2.3263478740408408
		if (!($1 in q) || v > q[$1]) q[$1] = v } next }
	FNR > 1 && $6 == "burst" { n++; w = q[$1 - 60]; d = $7 - w; if (d < 0) d = -d
		if (d > 1e-9 * (w < 0 ? -w : w) + 1e-9) { print "row " FNR ": demand " $7 ", want " w; bad = 1 } }
	END { exit bad || !n }' "$S" "$T/bn"
check "the burst demands differ from ar's" sh -c "! burstdetect --lead 2 --hold 3 --quantile 0.6 --train 60 '$S' | cmp -s - '$T/bn'"
t "--burst-demand normal refuses a burst AR option" 2 burstdetect --burst-demand normal --ar-quantile 0.9 "$S"
err_has "burstdetect: --ar-quantile is the burst AR's: it goes with --burst-demand ar"
t "--burst-demand: ar or normal" 2 burstdetect --burst-demand upper "$S"
err_has "burstdetect: --burst-demand: invalid choice 'upper' (one of: ar, normal)"
t "-c names the load column" 0 burstdetect -c load --train 60 "$S"
out_has "timestamp,load,forecast,lower,upper,state,demand"
t "demand_next: the next step's demand from the same origin" 0 burstdetect --lead 2 --train 60 "$S"
out_has "timestamp,load,forecast,lower,upper,state,demand,demand_next"
check "first decision's next is max of origin 0's horizons 2..3" sh -c "
	want=\$(awk -F, '\$1 == 0 && \$3 >= 2 && \$3 <= 3 { if (\$5 > m) m = \$5 } END { print m }' '$S')
	got=\$(awk -F, 'NR == 2 { print \$8 }' '$T/out')
	[ \"\$want\" = \"\$got\" ]"
check "next >= demand in bursts" awk -F, 'NR > 1 && $6 == "burst" && $8 != "" && $8 + 0 < $7 + 0 { exit 1 }' "$T/out"

# spikes on a shipped periodic trace: NYC taxi (half-hourly), seasonal AR
n=2000; [ -n "${SP_VALGRIND:-}" ] && n=1400
head -n $n "$TOP/data/nab_nyc_taxi.csv" | arfit --rolling -H 24 --season 48 --level 0.98 --window 1000 > "$T/taxi.long"
t "spikes: predicted sharp moves of the daily cycle" 0 burstdetect --spike-ratio 0.2 "$T/taxi.long"
check "some spikes, each a forecast move > 20 % from the last load" awk -F, '
	NR > 1 { if ($6 == "spike") { n++; d = $3 - prev; if (d < 0) d = -d; if (!(d > 0.2 * prev)) { print "row " NR; exit 1 }; if ($7 != $3) exit 1 } prev = $2 }
	END { if (n < 10) { print n " spikes"; exit 1 } }' "$T/out"
t "--spike-ratio high: no spike" 0 burstdetect --spike-ratio 100 "$T/taxi.long"
check "no spike" sh -c "! cut -d, -f6 '$T/out' | grep -qx spike"

# edge cases that break the reference code
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $4 = 0; print }' "$S" > "$T/zero.csv"
t "zero load throughout, with --train (no theta learnt)" 0 burstdetect --train 60 "$T/zero.csv"
t "zero load: --save has nothing to save" 1 burstdetect --train 60 --save "$T/z" "$T/zero.csv"
err_has "no theta_acc learnt"
t "--train longer than the input: criterion stays off" 0 burstdetect --train 100000 "$S"
t "stdin" 0 sh -c "burstdetect --train 60 < '$S'"
out_has "burst"

# errors
# The band's level travels in a `level` column: a band made at 80 % read as
# the 98 % band burstdetect assumes is an error, not 160 false bursts.
t "a level column that differs from --level" 1 burstdetect --level 0.98 "$D/bd-level80.csv"
err_is <<X
burstdetect: $D/bd-level80.csv: row 1, column level: band level 0.8, read as level 0.98 (the levels must agree)
X
t "without --level: the band's own level" 0 burstdetect "$D/bd-level80.csv"
check "as --level 0.8" sh -c "burstdetect --level 0.8 '$D/bd-level80.csv' | cmp - '$T/out'"
t "a level column out of (0, 1)" 1 sh -c "sed '2s/,0.8\$/,1.5/' '$D/bd-level80.csv' | burstdetect"
err_has "row 1, column level: band level 1.5 is not in (0, 1)"
t "the same level: accepted" 0 burstdetect --level 0.8 "$D/bd-level80.csv"
out_has "timestamp,load,forecast,lower,upper,state,demand"
t "--quantiles of the same level" 0 burstdetect --quantiles 0.1,0.9 "$D/bd-level80.csv"
# the chain in the README makes the band burstdetect reads (98 %)
check "README: arfit before burstdetect makes a 98 % band" sh -c "
	grep -n 'arfit --rolling' '$TOP/README.md' | grep -v 'level 0.98' | grep -v '\`' > '$T/bad' || true
	test ! -s '$T/bad'"

t "plain series: forecast columns missing" 1 burstdetect "$D/bd-plain.csv"
err_has "burstdetect: forecast columns missing: the input must be the long format"
t "no band columns" 1 burstdetect "$D/bd-nofc.csv"
err_has "forecast columns missing: need forecast, lower and upper"
t "horizon gap at a new origin" 1 burstdetect "$D/plan-long-gap.csv"
err_is <<X
burstdetect: $D/plan-long-gap.csv: row 4, column horizon: horizon gap: a new origin starts at horizon 2, not 1
X
sed 3d "$D/plan-long.csv" > "$T/gap2.csv"
t "horizon gap inside an origin" 1 burstdetect "$T/gap2.csv"
err_has "row 2, column horizon: horizon gap: 3 after 1"
head -n 9 "$S" > "$T/short.csv"
t "fewer horizons than the first origin" 1 burstdetect "$T/short.csv"
err_has "horizon gap: origin 60 has horizons 1..2, the first had 1..6"
t "lower above upper" 1 burstdetect "$D/bd-lowup.csv"
err_has "row 4, column lower: lower 12 above upper 8"
t "missing load at an origin" 1 burstdetect "$D/bd-noload.csv"
err_has "row 3, column load: missing load at an origin"
t "--load with other horizons" 1 burstdetect --load "$T/th" "$D/plan-long.csv"
err_has "the thresholds are for 6 horizons, the input has 3"
printf 'scalepipe-model burst 1\ntheta_acc 1\nend\n' > "$T/bad"
t "--load a broken model" 1 burstdetect --load "$T/bad" "$S"
err_has "$T/bad"
t "--save needs --train" 2 burstdetect --save "$T/x" "$S"
err_has "burstdetect: --save needs --train"
t "--load excludes --train" 2 burstdetect --load "$T/th" --train 5 "$S"
err_has "--load excludes --train and --theta-acc"
t "--level with --quantiles" 2 burstdetect --level 0.9 --quantiles 0.1,0.9 "$S"
err_has "--level and --quantiles exclude each other"
t "bad --quantiles" 2 burstdetect --quantiles 0.9,0.1 "$S"
err_has "--quantiles: want LO,HI with LO < HI"
t "bad --normal-demand" 2 burstdetect --normal-demand most "$S"
err_has "invalid choice 'most'"
t "unknown option" 2 burstdetect --nope "$S"
err_has "Try 'burstdetect --help'"
t "extra argument" 2 burstdetect "$S" more
err_has "unexpected argument 'more'"
t "write error" 1 sh -c "burstdetect '$S' > /dev/full"
err_has "burstdetect: write error"
t "--help" 0 burstdetect --help
out_has "usage: burstdetect"
t "--version" 0 burstdetect --version
out_has "burstdetect (scalepipe)"
# ---- --state (the slices-equal-one-run tests are in state.sh) ----
burstdetect --train 60 "$S" > "$T/whole"
t "--state: no file is a cold start, silently" 0 burstdetect --train 60 --state "$T/bd.state" "$S"
out_is "$T/whole"
err_empty
check "--state: the state file, versioned" sh -c "head -n 1 '$T/bd.state' | grep -qx 'scalepipe-state burstdetect 3' && tail -n 1 '$T/bd.state' | grep -qx end"
cp "$T/bd.state" "$T/bd.state0"
t "--state: the origins seen are skipped; the open decision again" 0 burstdetect --train 60 --state "$T/bd.state" "$S"
{ head -n 1 "$T/whole"; tail -n 1 "$T/whole"; } > "$T/want2"
out_is "$T/want2"
check "--state: unchanged by a run with nothing new" cmp "$T/bd.state" "$T/bd.state0"
head -n 20 "$T/bd.state0" > "$T/bd.state"
t "--state: a truncated state warns with file:line and recomputes" 0 burstdetect --train 60 --state "$T/bd.state" "$S"
out_is "$T/whole"
echo "burstdetect: warning: state $T/bd.state:21: 'index' missing (truncated): recomputing from the input" | err_is
check "--state: the recomputed state is the cold run's" cmp "$T/bd.state" "$T/bd.state0"
sed 's/^scalepipe-state burstdetect 3$/scalepipe-state burstdetect 9/' "$T/bd.state0" > "$T/bd.state"
t "--state: another version warns and recomputes" 0 burstdetect --train 60 --state "$T/bd.state" "$S"
err_has "burstdetect: warning: state $T/bd.state:1: state version 9, not 3: recomputing from the input"
out_is "$T/whole"
sed 's/^loads \([^ ]*\) /loads \1 x/' "$T/bd.state0" > "$T/bd.state"
t "--state: a value that is not a number" 0 burstdetect --train 60 --state "$T/bd.state" "$S"
err_has ": loads: value 2 is not a number: recomputing from the input"
cp "$T/bd.state0" "$T/bd.state"
burstdetect --train 60 --quantile 0.75 "$S" > "$T/q75"
t "--state: written with other options: a warning and a cold start" 0 burstdetect --train 60 --quantile 0.75 --state "$T/bd.state" "$S"
err_has "burstdetect: warning: state $T/bd.state:13: state written with quantile 0.5, not 0.75: recomputing from the input"
out_is "$T/q75"
burstdetect --train 60 --burst-demand normal "$S" > "$T/bn1"
cp "$T/bd.state0" "$T/bd.state"
t "--state: written with the burst AR's demand, run with normal's: a warning and a cold start" 0 \
	burstdetect --train 60 --burst-demand normal --state "$T/bd.state" "$S"
err_has "burstdetect: warning: state $T/bd.state:23: state written with burst_demand ar, not normal: recomputing from the input"
out_is "$T/bn1"
check "--state: --burst-demand normal is in the state" grep -qx 'opt_burst_demand 1' "$T/bd.state"
cp "$T/bd.state" "$T/bn.state0"
t "--state: --burst-demand normal's state, run again: the open decision" 0 burstdetect --train 60 --burst-demand normal --state "$T/bd.state" "$S"
{ head -n 1 "$T/bn1"; tail -n 1 "$T/bn1"; } > "$T/want2"
out_is "$T/want2"
t "--state: --burst-demand normal's state, run with ar's: a warning and a cold start" 0 burstdetect --train 60 --state "$T/bn.state0" "$S"
err_has "burstdetect: warning: state $T/bn.state0:23: state written with burst_demand normal, not ar: recomputing from the input"
out_is "$T/whole"
cp "$T/bd.state0" "$T/bd.state"
{ head -n 200 "$S"; sed -n 201p "$S" | awk -F, -v OFS=, '{ $4 = "inf"; print }'; } > "$T/badrow.csv"
t "--state: a failed run leaves the state as it was" 1 burstdetect --train 60 --state "$T/bd.state" "$T/badrow.csv"
check "--state: not written by the failed run" cmp "$T/bd.state" "$T/bd.state0"
awk -F, 'NR == 1 || $1 < 6000' "$S" > "$T/first.csv"
awk -F, 'NR == 1 || $1 >= 6600' "$S" > "$T/later.csv"
rm -f "$T/gap.state"
burstdetect --state "$T/gap.state" "$T/first.csv" > /dev/null
t "--state: origins missing between the state and the input: a warning" 0 burstdetect --state "$T/gap.state" "$T/later.csv"
err_has "burstdetect: warning: state $T/gap.state: the input resumes at origin 6600, the state's next step is 6000: origins missing in between"
t "--state with --bootstrap" 2 burstdetect --bootstrap 10 --state "$T/bd.state" "$S"
err_has "burstdetect: --state does not go with --bootstrap"
t "--state into a directory that does not exist" 1 burstdetect --state "$T/nodir/bd.state" "$S"
err_has "$T/nodir/bd.state"

# ---- --by: each key's rows decided as a run of their own ----
# The keyed long format as arfit --by writes it: keys interleaved row by row.
arfit -c load --rolling --window 20 -p 2 -H 3 --by series "$D/fleet-3.csv" > "$T/klong.csv"
# bykey KEYED LONG OPTS...: for each key of LONG (its column 4), KEYED's rows
# of the key (column 2) equal burstdetect OPTS on the key's rows alone, the
# last row (the open decision, data empty) carrying the key
bykey() {
	_k1=$1 _k2=$2; shift 2
	for _k in web db cache; do
		awk -F, -v k="$_k" 'NR == 1 || $4 == k' "$_k2" > "$T/kone.csv"
		burstdetect "$@" "$T/kone.csv" | awk -F, -v OFS=, -v k="$_k" 'NR > 1 && $2 == "" { $2 = k } { print }' > "$T/ksep"
		awk -F, -v k="$_k" 'NR == 1 || $2 == k' "$_k1" | cmp -s - "$T/ksep" || return 1
	done
}
t "--by series: a decision per key" 0 burstdetect -c load --train 30 --by series "$T/klong.csv"
cp "$T/out" "$T/kout"
[ -n "${SP_VALGRIND:-}" ] || check "--by: each key's rows are a run of its own, byte for byte" \
	bykey "$T/kout" "$T/klong.csv" -c load --train 30
check "--by: every row carries its key, the last of each key too" sh -c "
	[ \$(awk -F, 'NR > 1 && \$2 == \"\"' '$T/kout' | wc -l) -eq 0 ] &&
	[ \$(awk -F, 'NR > 1 && \$3 == \"\"' '$T/kout' | wc -l) -eq 3 ]"
t "--by: the load is the first data column besides the key" 0 burstdetect --train 30 --by series "$T/klong.csv"
out_is "$T/kout"
awk -F, 'NR == 1 || $4 == "db"' "$T/klong.csv" | burstdetect -c load --train 30 --save "$T/kth" > /dev/null
t "--by --same-step --load: one thresholds file for every key" 0 burstdetect -c load --same-step --load "$T/kth" --by series "$T/klong.csv"
cp "$T/out" "$T/kss"
[ -n "${SP_VALGRIND:-}" ] || check "--by --same-step --load: each key a run of its own" \
	bykey "$T/kss" "$T/klong.csv" -c load --same-step --load "$T/kth"
t "--by: the key column missing" 2 burstdetect --by nope "$T/klong.csv"
err_has "burstdetect: $T/klong.csv: no column 'nope'"
t "--by: the key is not a data column" 2 burstdetect --by horizon "$T/klong.csv"
err_has "burstdetect: --by: 'horizon' is not a data column"
t "--by with -c the key column" 2 burstdetect --by series -c series "$T/klong.csv"
err_has "burstdetect: -c: 'series' is the key column (--by)"
t "-c a band column, not a data column" 2 burstdetect -c forecast --train 30 "$T/klong.csv"
err_has "burstdetect: -c: 'forecast' is not a data column (one between horizon and forecast)"
t "--by with --save" 2 burstdetect --by series --train 30 --save "$T/x" "$T/klong.csv"
err_has "burstdetect: --save does not go with --by"
{ head -n 1 "$T/klong.csv"; awk -F, 'NR > 1 && $4 == "db"' "$T/klong.csv" | sed -n '4,6p'
  awk -F, 'NR > 1 && $4 == "web"' "$T/klong.csv" | sed -n '1,3p'; awk -F, 'NR > 1 && $4 == "db"' "$T/klong.csv" | sed -n '1,3p'; } > "$T/kback.csv"
t "--by: time goes back within a key" 1 burstdetect --by series "$T/kback.csv"
err_has "row 7, column origin: timestamp 1700001180 is before 1700001240, the previous row of key 'db'"
awk -F, 'NR == 1 || !($4 == "web" && $3 == 2 && $1 == 1700001240)' "$T/klong.csv" > "$T/kgap.csv"
t "--by: a band error names the key" 1 burstdetect --by series "$T/kgap.csv"
err_has "key 'web': "
err_has "horizon gap: 3 after 1"
# --by --state: one state file for every key; two runs = one run
awk -F, 'NR == 1 || $1 < 1700003000' "$T/klong.csv" > "$T/ka.csv"
awk -F, 'NR == 1 || $1 >= 1700003000' "$T/klong.csv" > "$T/kb.csv"
rm -f "$T/k.state"
t "--by --state: the first slice" 0 burstdetect --train 30 --by series --state "$T/k.state" "$T/ka.csv"
cp "$T/out" "$T/kouta"
check "--by --state: a key per block" sh -c "grep -qx 'keys 3' '$T/k.state' && [ \$(grep -c '^key ' '$T/k.state') -eq 3 ]"
t "--by --state: the second slice resumes each key" 0 burstdetect --train 30 --by series --state "$T/k.state" "$T/kb.csv"
err_empty
check "--by --state: the slices' rows are the one run's, per key" sh -c "
	for k in web db cache; do
		{ awk -F, -v k=\$k 'NR == 1 || (\$2 == k && \$3 != \"\")' '$T/kouta'; awk -F, -v k=\$k '\$2 == k' '$T/out'; } > '$T/kst'
		awk -F, -v k=\$k 'NR == 1 || \$2 == k' '$T/kout' | cmp -s - '$T/kst' || exit 1
	done"
cp "$T/k.state" "$T/k.state0"
awk -F, 'NR == 1 || $4 == "web"' "$T/kb.csv" > "$T/kweb.csv"
t "--by --state: keys absent from the input keep their state" 0 burstdetect --train 30 --by series --state "$T/k.state" "$T/kweb.csv"
check "--by --state: unchanged by a run with nothing new" cmp "$T/k.state" "$T/k.state0"
head -n 30 "$T/k.state0" > "$T/k.state"
t "--by --state: a truncated state warns and recomputes" 0 burstdetect --train 30 --by series --state "$T/k.state" "$T/klong.csv"
err_has "burstdetect: warning: state $T/k.state:"
err_has ": recomputing from the input"
out_is "$T/kout"
cp "$T/k.state0" "$T/k.state"
awk -F, -v OFS=, 'NR == 1 || $3 < 3 { if ($4 == "web" || NR == 1) print }' "$T/klong.csv" > "$T/kweb2.csv"
t "--by --state: a key's horizons changed: that key recomputed" 0 burstdetect --train 30 --by series --state "$T/k.state" "$T/kweb2.csv"
err_has "key 'web': made for 3 horizons (band level 0.8), the input has 2 (0.8): recomputing the key from the input"

# ---- the keyed chain, end to end ----
awk -F, 'NR == 1 || $2 != "cache"' "$D/fleet-3.csv" > "$T/k2.csv"
t "window | arfit | burstdetect | plan, all --by series, two keys" 0 sh -c "
	window --by series -c load --resample 60 --fill linear '$T/k2.csv' |
	arfit --by series -c load --rolling --window 20 -p 2 -H 3 |
	burstdetect --by series --quantile 0.75 |
	plan --by series -c load --policy scalepipe --slo 18 --curve '$D/plan-curve.csv' --min 1 --max 40"
check "a plan row for every step of both keys" sh -c "
	[ \$(awk -F, 'NR > 1 && \$2 == \"web\"' '$T/out' | wc -l) -eq 61 ] &&
	[ \$(awk -F, 'NR > 1 && \$2 == \"db\"' '$T/out' | wc -l) -eq 61 ]"
# ---- demand_hold (--hold, --hold-quantile) ----
t "--hold 3: demand_hold, the max of horizons 1..3" 0 burstdetect --hold 3 --train 60 "$S"
out_has "timestamp,load,forecast,lower,upper,state,demand,demand_next,demand_hold"
check "first row's hold is max of origin 0's forecasts 1..3" sh -c "
	want=\$(awk -F, '\$1 == 0 && \$3 <= 3 { if (\$5 > m) m = \$5 } END { print m }' '$S')
	got=\$(awk -F, 'NR == 2 { print \$9 }' '$T/out')
	[ \"\$want\" = \"\$got\" ]"
check "hold >= demand on every row" awk -F, 'NR > 1 && $9 != "" && $9 + 0 < $7 + 0 { exit 1 }' "$T/out"
cut -d, -f1-8 "$T/out" > "$T/nohold"
check "the other columns as without --hold" sh -c "burstdetect --train 60 '$S' | cmp - '$T/nohold'"
t "--hold-quantile 0.99: the max of the upper bounds" 0 burstdetect --hold 2 --hold-quantile 0.99 --train 60 "$S"
check "first row's hold is max of origin 0's upper bounds 1..2" sh -c "
	want=\$(awk -F, '\$1 == 0 && \$3 <= 2 { if (\$7 > m) m = \$7 } END { printf \"%.6f\", m }' '$S')
	got=\$(awk -F, 'NR == 2 { printf \"%.6f\", \$9 }' '$T/out')
	[ \"\$want\" = \"\$got\" ]"
t "--hold 0 is refused" 2 burstdetect --hold 0 "$S"
t "--hold-quantile 1 is refused" 2 burstdetect --hold 2 --hold-quantile 1 "$S"
t "--hold-quantile without --hold is refused" 2 burstdetect --hold-quantile 0.6 "$S"
err_has "--hold-quantile goes with --hold and --normal-demand forecast"
t "--hold-quantile with --normal-demand upper is refused" 2 burstdetect --hold 2 --hold-quantile 0.6 --normal-demand upper "$S"
err_has "--hold-quantile goes with --hold and --normal-demand forecast"

# ---- --forget: a key that stops is left out of the state ----
awk -F, 'NR == 1 || $4 != "cache"' "$T/kb.csv" > "$T/kbnocache.csv"
rm -f "$T/f1.state" "$T/f2.state"
burstdetect --train 30 --by series --state "$T/f1.state" "$T/ka.csv" > /dev/null
cp "$T/f1.state" "$T/f2.state"
cp "$T/f1.state" "$T/f3.state"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the run that forgets only
	t "--forget: without it, the key that stopped stays" 0 burstdetect --train 30 --by series --state "$T/f1.state" "$T/kbnocache.csv"
	cp "$T/out" "$T/fout1"
	check "--forget: cache kept without it" grep -qx 'key cache' "$T/f1.state"
fi
t "--forget 20m: the key silent for longer is forgotten" 0 burstdetect --train 30 --by series --state "$T/f2.state" --forget 20m "$T/kbnocache.csv"
[ -n "${SP_VALGRIND:-}" ] || out_is "$T/fout1"
err_is <<'EOF'
burstdetect: warning: key 'cache': no row for 20m: forgotten
EOF
check "--forget: cache gone from the state" sh -c "! grep -q '^key cache' '$T/f2.state' && grep -qx 'keys 2' '$T/f2.state'"
if [ -z "${SP_VALGRIND:-}" ]; then
	t "--forget 1d: nothing that old, the state as without it" 0 burstdetect --train 30 --by series --state "$T/f3.state" --forget 1d "$T/kbnocache.csv"
	err_empty
	check "--forget 1d: the same state" cmp "$T/f1.state" "$T/f3.state"
fi
for bad in 0 -5m 1x ''; do
	t "--forget '$bad': usage" 2 burstdetect --train 30 --by series --state "$T/f3.state" --forget "$bad" "$T/kbnocache.csv"
	err_has "burstdetect: --forget: not a duration: '$bad'"
done
finish
