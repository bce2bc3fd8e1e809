# forecast: committed models (tests/cli/data/lstm-tiny*.lstm) against PyTorch's
# forecasts of the same weights (tests/ref/torch_forecast_ref.py), the two
# output formats, causality, and every bad input.
. "$TOP/tests/cli/lib.sh"
# the long rows without the band's level column (the references predate it)
nolevel() { if head -n 1 "$T/out" | grep -q ',level$'; then sed 's/,[^,]*$//' "$T/out"; else cat "$T/out"; fi > "$T/nolevel"; }
S=$D/lstm-sine.csv
M=$D/lstm-tiny.lstm       # LSTM, calendar features, quantiles 0.1/0.5/0.9, window 8, horizon 3
G=$D/lstm-tiny-gru.lstm   # GRU, 2 layers, MSE, window 6, horizon 2
# and lstm-tiny-level.lstm: LSTM, --norm window, calendar, quantiles 0.2/0.5/0.8

t "long format, LSTM" 0 forecast -m "$M" --long "$S"
nolevel
check "equals PyTorch (LSTM, calendar, quantile head)" csv_close "$T/nolevel" "$D/lstm-tiny-long.csv" 1e-7
check "rows: 3 horizons for each of 153 origins" sh -c "test \$(wc -l < '$T/out') -eq \$((1 + 153 * 3))"
t "long format, GRU" 0 forecast -m "$G" --long < "$S"
nolevel
check "equals PyTorch (2-layer GRU, MSE)" csv_close "$T/nolevel" "$D/lstm-tiny-gru-long.csv" 1e-7

t "long format, window-level normalisation" 0 forecast -m "$D/lstm-tiny-level.lstm" --long "$S"
nolevel
check "equals PyTorch (level feature, quantiles 0.2/0.5/0.8)" csv_close "$T/nolevel" "$D/lstm-tiny-level-long.csv" 1e-7

t "long format, first horizons only" 0 forecast -m "$M" --long --horizon 2 "$S"
check "horizons 1..2" sh -c "awk -F, 'NR > 1 && (\$3 < 1 || \$3 > 2) { exit 1 } NR > 1 && \$2 != \$1 + 300 * \$3 { exit 1 }' '$T/out' &&
    test \$(wc -l < '$T/out') -eq \$((1 + 153 * 2))"

t "one horizon" 0 forecast -m "$M" "$S"
check "header and row count" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,load,other,forecast,lower,upper' &&
    test \$(wc -l < '$T/out') -eq 161"
check "no forecast before the first window" sh -c "sed -n '2,9p' '$T/out' | grep -c ',,,\$' | grep -qx 8 &&
    sed -n '10p' '$T/out' | grep -qv ',,,\$'"
check "lower <= forecast <= upper" awk -F, 'NR > 9 && !($5 <= $4 && $4 <= $6) { exit 1 }' "$T/out"

t "one horizon 3" 0 forecast -m "$M" --horizon 3 "$S"
cp "$T/out" "$T/h3"
awk -F, 'NR > 1 && $4 != "" { print $1 "," $4 "," $5 "," $6 }' "$T/h3" > "$T/a"
awk -F, 'NR > 1 && $3 == 3 { print $2 "," $6 "," $7 "," $8 }' "$D/lstm-tiny-long.csv" | head -n "$(wc -l < "$T/a")" > "$T/b"
check "150 one-horizon forecasts" test "$(wc -l < "$T/a")" -eq 150
check "row t at --horizon 3 = origin t-3, horizon 3 of the long output" csv_close "$T/a" "$T/b" 1e-7
check "causal: a prefix of the input gives a prefix of the output" sh -c "
    head -n 60 '$S' | forecast -m '$M' --horizon 3 > '$T/p' && head -n 60 '$T/h3' | cmp - '$T/p'"

# --adapt: conformal quantile tracking of the band.  The tiny model is
# overconfident on its sine: its 0.1/0.9 band covers 52 of 150 rows at horizon 3.
cov='NR > 1 && $4 != "" { k++; c += ($5 <= $2 && $2 <= $6) } END { printf "%d/%d\n", c, k }'
t "--adapt 0 is the default" 0 forecast -m "$M" --horizon 3 --adapt 0 "$S"
check "output unchanged without --adapt" cmp "$T/out" "$T/h3"
check "coverage without --adapt: 52 of 150" sh -c "awk -F, '$cov' '$T/out' | grep -qx 52/150"
t "--adapt 0.3, one horizon" 0 forecast -m "$M" --horizon 3 --adapt 0.3 "$S"
cp "$T/out" "$T/ad3"
check "coverage moves toward the nominal 80%: over 110 of 150" sh -c "
    test \$(awk -F, '$cov' '$T/out' | cut -d/ -f1) -gt 110"
# each edge is tracked on its own: the misses split between the sides (0.1
# each nominal) instead of all falling below the biased band (72 below, 26
# above without --adapt; 34 and 0 with one widening for both edges)
sides='NR > 1 && $4 != "" { b += $2 < $5; a += $2 > $6 } END { print b, a }'
check "misses on both sides, each 8..25 of 150" sh -c "
    awk -F, '$sides' '$T/out' | { read b a; test \$b -ge 8 && test \$b -le 25 && test \$a -ge 8 && test \$a -le 25; }"
cut -d, -f1-4 "$T/h3" > "$T/f3"
check "forecast column unchanged" sh -c "cut -d, -f1-4 '$T/out' | cmp - '$T/f3'"
check "lower <= forecast <= upper" awk -F, 'NR > 1 && $4 != "" && !($5 <= $4 && $4 <= $6) { exit 1 }' "$T/out"
check "causal: a prefix of the input gives a prefix of the output" sh -c "
    head -n 60 '$S' | forecast -m '$M' --horizon 3 --adapt 0.3 > '$T/p' && head -n 60 '$T/ad3' | cmp - '$T/p'"
t "--adapt 0.3, long" 0 forecast -m "$M" --long --adapt 0.3 "$S"
cp "$T/out" "$T/adl"
awk -F, 'NR > 1 && $4 != "" { print $1 "," $4 "," $5 "," $6 }' "$T/ad3" > "$T/a"
awk -F, 'NR > 1 && $3 == 3 { print $2 "," $6 "," $7 "," $8 }' "$T/adl" | head -n "$(wc -l < "$T/a")" > "$T/b"
check "one widening per horizon: horizon 3 of --long = one-horizon --horizon 3" cmp "$T/a" "$T/b"
check "long: lower <= forecast <= upper" awk -F, 'NR > 1 && !($7 <= $6 && $6 <= $8) { exit 1 }' "$T/out"
check "long, causal: a prefix of the input gives a prefix of the output" sh -c "
    head -n 60 '$S' | forecast -m '$M' --long --adapt 0.3 > '$T/p' && head -n \$(wc -l < '$T/p') '$T/adl' | cmp - '$T/p' &&
    test \$(wc -l < '$T/p') -eq \$((1 + 52 * 3))"
t "--adapt, MSE model" 0 forecast -m "$G" --adapt 0.1 "$S"
check "lower <= forecast <= upper" awk -F, 'NR > 1 && $4 != "" && !($5 <= $4 && $4 <= $6) { exit 1 }' "$T/out"
for v in -0.1 1.5 x nan; do
	t "--adapt $v" 2 forecast -m "$M" --adapt "$v" "$S"
	err_has "forecast: --adapt: "
done

# AR models from arfit: the same rows as arfit --load --rolling
arfit -p 3 -c load --save "$T/ar3" "$S" > /dev/null
t "AR model, long" 0 forecast -m "$T/ar3" -c load --long --horizon 3 "$S"
arfit --load "$T/ar3" -c load -H 3 --rolling "$S" > "$T/want"
check "AR long = arfit --load --rolling" cmp "$T/out" "$T/want"
t "AR model, one horizon, level 0.9" 0 forecast -m "$T/ar3" --level 0.9 -c load "$S"
arfit --load "$T/ar3" -c load --level 0.9 --rolling "$S" > "$T/want"
check "AR one-horizon = arfit --load --rolling" cmp "$T/out" "$T/want"
t "AR model, --adapt, level 0.5" 0 forecast -m "$T/ar3" --level 0.5 --adapt 0.3 -c load "$S"
check "coverage moves toward 50%: 75 of 157 without --adapt, 77..81 with" sh -c "
    c=\$(awk -F, '$cov' '$T/out') && test \${c%/*} -ge 77 && test \${c%/*} -le 81 && test \${c#*/} -eq 157"
# the chain reads forecast's output as it reads arfit --rolling's
arfit --load "$T/ar3" -c load -H 3 --rolling "$S" | burstdetect --train 30 > "$T/bd-arfit"
t "AR: forecast --long | burstdetect = arfit --rolling | burstdetect" 0 sh -c "
    forecast -m '$T/ar3' -c load --long --horizon 3 '$S' | burstdetect --train 30"
check "same rows" cmp "$T/out" "$T/bd-arfit"
t "LSTM: forecast --long | burstdetect | plan --policy burst" 0 sh -c "
    forecast -m '$M' --long '$S' | burstdetect --train 30 | plan --policy burst --slo 16"
check "one plan row per origin (153)" sh -c "test \$(wc -l < '$T/out') -eq 154 && head -n 1 '$T/out' | grep -q ',state,demand,demand_next,replicas,reason\$'"
t "LSTM: forecast | plan --policy forecast" 0 sh -c "forecast -m '$M' '$S' | plan --policy forecast --slo 16"
out_has ",replicas,reason"
t "AR, default column" 0 forecast -m "$T/ar3" "$S"
out_has "timestamp,load,other,forecast,lower,upper"
t "--level with an LSTM model" 2 forecast -m "$M" --level 0.9 "$S"
err_has "forecast: --level applies to AR models"
t "AR, uneven input" 1 forecast -m "$T/ar3" <<'CSV'
timestamp,load
0,1
60,2
100,3
CSV
err_has "forecast: row 3: spacing 40 s differs from the series' step 60 s"

t "missing value: no forecast from windows that hold it" 0 forecast -m "$G" <<'CSV'
timestamp,load
1700000000,50
1700000300,55
1700000600,60
1700000900,62
1700001200,63
1700001500,60
1700001800,
1700002100,52
1700002400,48
1700002700,45
1700003000,41
1700003300,40
1700003600,39
1700003900,40
CSV
check "forecasts at rows 7 and 14 only" sh -c "awk -F, 'NR > 1 && \$3 != \"\" { print NR - 1 }' '$T/out' | tr '\n' ' ' | grep -qx '7 14 '"

t "another column with -c" 0 forecast -m "$G" -c other "$S"
t "model column missing" 1 forecast -m "$M" <<'CSV'
timestamp,cpu
0,1
CSV
err_is <<ERR
forecast: $M was trained on column 'load' (features value,hour,dow) and the input has no such column; pick one with -c
ERR
t "input step differs from the model's" 1 forecast -m "$M" <<'CSV'
timestamp,load
0,1
60,2
CSV
err_is <<ERR
forecast: row 2: spacing 60 s differs from the model's step 300 s ($M); resample with window first
ERR
t "not a number" 1 forecast -m "$M" <<'CSV'
timestamp,load
0,1
300,x
CSV
err_has "forecast: row 2, column load: "
t "empty input" 1 forecast -m "$M" < /dev/null
err_is <<'ERR'
forecast: empty input (expected a header line)
ERR
t "header only: an error, not an empty success" 1 forecast -m "$M" <<'CSV'
timestamp,load
CSV
err_is <<'OUT'
forecast: no data rows (the input has only a header)
OUT
out_is /dev/null
t "time going backwards" 1 forecast -m "$M" <<'CSV'
timestamp,load
0,1
300,2
0,3
CSV
err_is <<'ERR'
forecast: row 3, column timestamp: timestamp 0 is before the previous row's 300
ERR
t "duplicate timestamp" 1 forecast -m "$M" <<'CSV'
timestamp,load
0,1
300,2
300,3
CSV
err_is <<'ERR'
forecast: row 3, column timestamp: duplicate timestamp 300
ERR
lstmtrain --hidden 3 --window 6 --horizon 2 --epochs 1 --quantiles 0.5 -o "$T/q1.lstm" "$S" 2> /dev/null
t "--adapt with a one-quantile model" 2 forecast -m "$T/q1.lstm" --adapt 0.1 "$S"
err_has "forecast: --adapt: $T/q1.lstm has a single quantile, no band to recalibrate"
t "horizon beyond the model" 2 forecast -m "$M" --horizon 4 "$S"
err_has "forecast: --horizon 4: the model forecasts horizons 1..3"
t "no model" 2 forecast "$S"
err_has "forecast: -m MODEL is required"
t "model file missing" 1 forecast -m "$T/none.lstm" "$S"
err_is <<ERR
forecast: $T/none.lstm: No such file or directory
ERR
printf 'scalepipe-model svr 1\nend\n' > "$T/svr.model"
t "unsupported kind" 1 forecast -m "$T/svr.model" "$S"
err_is <<ERR
forecast: $T/svr.model: model kind 'svr' is not supported (forecast applies lstm, ar, gb and season models)
ERR
printf 'hello\n' > "$T/junk"
t "not a model" 1 forecast -m "$T/junk" "$S"
err_has "forecast: $T/junk:1: not a scalepipe model file"
head -n 10 "$M" > "$T/trunc.lstm"
t "truncated model" 1 forecast -m "$T/trunc.lstm" "$S"
err_has "forecast: $T/trunc.lstm:10: truncated file (no 'end' line)"
sed 's/^hidden 5$/hidden 6/' "$M" > "$T/size.lstm"
t "weights do not fit the sizes" 1 forecast -m "$T/size.lstm" "$S"
err_has "'nparams' is 294, but a lstm of 1 layer(s), hidden 6, 5 inputs and 9 outputs has 375"
sed 's/^weights \([^ ]*\) /weights nan /' "$M" > "$T/nan.lstm"
t "non-finite weight" 1 forecast -m "$T/nan.lstm" "$S"
err_has "'weights' value 1 is not a finite number"
sed 's/^features .*/features value,moon/' "$M" > "$T/feat.lstm"
t "unknown features" 1 forecast -m "$T/feat.lstm" "$S"
err_has "unknown features 'value,moon'"
t "two inputs" 2 forecast -m "$M" "$S" "$S"
err_has "forecast: unexpected argument"
if [ -w /dev/full ]; then
	t "write error" 1 sh -c "forecast -m '$M' --long '$S' > /dev/full"
	err_has "forecast: write error"
fi
t "help" 0 forecast --help
out_has "usage: forecast -m MODEL"
t "version" 0 forecast --version
out_has "forecast (scalepipe)"
# the horizons of --long without --horizon: the model's (LSTM), one (AR)
t "AR, --long without --horizon: horizon 1" 0 forecast -m "$T/ar3" -c load --long "$S"
check "158 origins, horizon 1" sh -c "[ \$(wc -l < '$T/out') -eq 159 ] && awk -F, 'NR > 1 && \$3 != 1 { exit 1 }' '$T/out'"
t "AR, --adapt with --long" 0 forecast -m "$T/ar3" -c load --long --horizon 3 --adapt 0.3 "$S"
check "long: lower <= forecast <= upper" awk -F, 'NR > 1 && !($7 <= $6 && $6 <= $8) { exit 1 }' "$T/out"
# the hybrid (lstmtrain --base): the seasonfit forecast plus the LSTM's on the residuals
seasonfit --seasonality twohour,0.0833333333333,2 --save "$T/b.season" -H 0 "$S" > /dev/null
lstmtrain -q --hidden 3 --window 6 --horizon 3 --epochs 2 --quantiles 0.1,0.5,0.9 --base "$T/b.season" \
    --no-mix -o "$T/h.lstm" "$S"
t "hybrid, long format" 0 forecast -m "$T/h.lstm" --long "$S"
check "3 horizons for each of 155 origins, lower <= forecast <= upper" sh -c "test \$(wc -l < '$T/out') -eq \$((1 + 155 * 3)) &&
    awk -F, 'NR > 1 && !(\$7 <= \$6 && \$6 <= \$8) { exit 1 }' '$T/out'"
cp "$T/out" "$T/hlong"
# the rest not under valgrind (CI time): the same paths run plain and under ASan
if [ -z "${SP_VALGRIND:-}" ]; then
	head -n 101 "$S" > "$T/s100.csv"
	t "hybrid, a prefix of the input" 0 forecast -m "$T/h.lstm" --long "$T/s100.csv"
	check "gives a prefix of the output (causal)" sh -c "head -n \$(wc -l < '$T/out') '$T/hlong' | cmp - '$T/out'"
	seasonfit --load "$T/b.season" -H 0 --precision 17 "$S" |
	    awk -F, 'NR == 1 { print "timestamp,load"; next } { printf "%s,%.17g\n", $1, $2 - $4 }' > "$T/res.csv"
	grep -v '^base' "$T/h.lstm" > "$T/r.lstm"
	forecast -m "$T/r.lstm" --long "$T/res.csv" > "$T/rlong"
	seasonfit --load "$T/b.season" -H 3 --long --precision 17 "$S" > "$T/slast"
	tail -n 3 "$T/rlong" | cut -d, -f5-7 > "$T/a"
	tail -n 3 "$T/slast" | cut -d, -f6 > "$T/b"
	tail -n 3 "$T/hlong" | cut -d, -f6-8 > "$T/c"
	grep '^base_shrink ' "$T/h.lstm" | tr ' ' '\n' | tail -n +2 > "$T/alpha"
	check "the last origin: the seasonfit forecast + the LSTM's on the residuals, moved by alpha_h - 1 times its middle" \
	    sh -c "test \$(wc -l < '$T/alpha') -eq 3 && paste -d, '$T/a' '$T/b' '$T/c' '$T/alpha' |
	    awk -F, '{ for (k = 1; k <= 3; k++) { d = \$k + (\$8 - 1) * \$1 + \$4 - \$(4 + k); if (d > 1e-6 || d < -1e-6) exit 1 } }'"
	t "hybrid, one horizon with --adapt" 0 forecast -m "$T/h.lstm" --horizon 2 --adapt 0.1 "$S"
	check "header and row count" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,load,other,forecast,lower,upper' &&
	    test \$(wc -l < '$T/out') -eq 161"
	t "hybrid, --level refused" 2 forecast -m "$T/h.lstm" --level 0.9 "$S"
	err_has "forecast: --level applies to AR models"
	mkdir "$T/moved" && cp "$T/h.lstm" "$T/b.season" "$T/moved/"
	t "hybrid, moved with its base" 0 forecast -m "$T/moved/h.lstm" --long "$S"
	check "the same forecasts" cmp "$T/out" "$T/hlong"
	rm "$T/moved/b.season"
	t "hybrid, base missing" 1 forecast -m "$T/moved/h.lstm" "$S"
	err_is <<ERR
forecast: $T/moved/h.lstm: its base seasonfit model 'b.season' cannot be read ($T/moved/b.season: No such file or directory); a hybrid needs the model it was trained on
ERR
	out_is < /dev/null
	seasonfit --seasonality twohour,0.0833333333333,3 --save "$T/moved/b.season" -H 0 "$S" > /dev/null
	t "hybrid, base changed" 1 forecast -m "$T/moved/h.lstm" "$S"
	err_has "forecast: $T/moved/h.lstm: its base seasonfit model $T/moved/b.season has changed since the LSTM was trained on it (checksum "
	err_has "); retrain with lstmtrain --base"
fi
# Issue 13: too little data for the model is an error, never an empty success.
head -n 6 "$S" > "$T/s5.csv"
t "5 rows for a window of 8" 1 forecast -m "$M" "$T/s5.csv"
err_is <<'OUT'
forecast: too little data: a forecast needs at least 9 rows (a window of 8, horizon 1), have 5
OUT
out_is /dev/null
t "5 rows for a window of 8, --long" 1 forecast -m "$M" --long "$T/s5.csv"
err_is <<'OUT'
forecast: too little data: a forecast needs at least 8 rows (a window of 8), have 5
OUT
head -n 12 "$S" | sed '4s/,[0-9.]*,/,,/; 9s/,[0-9.]*,/,,/' > "$T/s11gaps.csv"
t "11 rows, but no 8 in a row with a value" 1 forecast -m "$M" "$T/s11gaps.csv"
err_is <<'OUT'
forecast: too little data: a forecast needs 8 consecutive rows with a value (and horizon 1 after them), the input has none in its 11 rows
OUT
# Issue 20: --by NAME, a forecaster per key in one process.
# keysplit (lib.sh): keyed runs against runs of one key alone.
awk -F, 'NR == 1 { print "timestamp,series,load,other"; next }
    { printf "%s,a,%s,%s\n%s,b,%.2f,%s\n", $1, $2, $3, $1, $2 * 1.1 + 3, $3 }' "$D/lstm-sine.csv" > "$T/sine2.csv"
keysplit "--by: one LSTM model, a state per key" 2 0 "$T/sine2.csv" forecast -m "$M"
awk -F, 'NR == 1 || $2 == "web"' "$D/fleet-3.csv" > "$T/web.csv"
t "an AR model of one key" 0 arfit -c load -p 2 --save "$T/web.ar" "$T/web.csv"
keysplit "--by: one AR model for every key" 2 0 "$D/fleet-3.csv" forecast -m "$T/web.ar" -c load
{ cat "$D/fleet-3.csv"; printf '1700000040,new,5\n1700000100,new,6\n'; } > "$T/newkey.csv"
t "--by: a key too short for a forecast is skipped, the others go on" 0 forecast -m "$T/web.ar" -c load --by series "$T/newkey.csv"
err_has "forecast: warning: key 'new': too little data: "
err_has ": skipped"
check "the other keys' rows as without it" sh -c "forecast -m '$T/web.ar' -c load --by series '$D/fleet-3.csv' > '$T/nk.want' &&
	grep -v ',new,' '$T/out' | cmp - '$T/nk.want'"
printf 'timestamp,series,load\n1700000040,new,5\n1700000100,new,6\n' > "$T/newkey-only.csv"
t "--by: no key long enough: an error" 1 forecast -m "$T/web.ar" -c load --by series "$T/newkey-only.csv"
err_has "forecast: key 'new': too little data: "
t "--by --state: no key long enough: warnings, its rows kept" 0 forecast -m "$T/web.ar" -c load --by series --state "$T/nk.state" "$T/newkey-only.csv"
err_has "forecast: warning: key 'new': too little data: "
check "... the state holds the key" grep -qx 'key new' "$T/nk.state"
# more keyed runs, the layout and the error paths: the plain and sanitizer builds
if [ -z "${SP_VALGRIND:-}" ]; then
keysplit "--by --long --adapt: per key" 4 0 "$T/sine2.csv" forecast -m "$M" --long --adapt 0.1
mkdir "$T/models"
awk -F, 'NR == 1 || $2 == "db"' "$D/fleet-3.csv" > "$T/db.csv"
t "a model of its own for key db" 0 arfit -c load -p 1 --save "$T/models/db" "$T/db.csv"
KS_MODEL_DIR=$T/models
keysplit "--by --models DIR: DIR/KEY where it exists, else MODEL" 2 0 "$D/fleet-3.csv" \
    forecast -m "$T/web.ar" -c load
KS_MODEL_DIR=
t "--by: the default series is the first column that is not the key" 0 forecast -m "$T/web.ar" --by series "$D/fleet-3.csv"
check "as with -c load" sh -c "forecast -m '$T/web.ar' --by series -c load '$D/fleet-3.csv' | cmp - '$T/out'"
printf 'timestamp,series,load\n0,a,1\n60,a,2\n0,b,2\n60,b,3\n30,b,3\n' > "$T/back.csv"
t "--by: time order per key" 1 forecast -m "$T/web.ar" --by series < "$T/back.csv"
err_is <<'E'
forecast: row 5, column timestamp: timestamp 30 is before 60, the previous row of key 'b'
E
printf 'timestamp,series,load\n0,a,1\n60,a,2\n120,a,3\n0,b,2\n60,b,3\n180,b,4\n' > "$T/sp.csv"
t "--by: the spacing per key" 1 forecast -m "$T/web.ar" --by series < "$T/sp.csv"
err_has "forecast: key 'b': row 3: spacing 120 s differs"
t "--by: a key with too little data" 1 forecast -m "$M" --by series < "$T/back.csv"
err_has "forecast: key 'a': "
t "--by naming the series column" 2 forecast -m "$T/web.ar" --by load -c load "$D/fleet-3.csv"
err_has "forecast: -c: 'load' is the key column (--by)"
t "--models needs --by" 2 forecast -m "$T/web.ar" --models "$T/models" "$D/fleet-3.csv"
err_has "forecast: --models needs --by"
t "--by: no such column" 2 forecast -m "$T/web.ar" --by nope "$D/fleet-3.csv"
err_has "no column 'nope'"
fi
# (not under valgrind: CI time; test_fc_lstm runs these paths under it)
if [ -z "${SP_VALGRIND:-}" ]; then
	# the hybrid on rolling residuals: the base refits every 40 rows, so the
	# first residual is row 41's and the first forecast (window 6, horizon 1)
	# is made at row 46 for row 47; with --base-input the same
	seasonfit --seasonality twohour,0.0833333333333,2 --refit 40 --save "$T/b40.season" -H 0 "$S" > /dev/null
	lstmtrain -q --hidden 3 --window 6 --horizon 3 --epochs 2 --quantiles 0.1,0.5,0.9 --base "$T/b40.season" \
	    -o "$T/h40.lstm" "$S"
	lstmtrain -q --hidden 3 --window 6 --horizon 3 --epochs 2 --quantiles 0.1,0.5,0.9 --base "$T/b40.season" \
	    --base-input -o "$T/hx40.lstm" "$S"
	t "hybrid, a base that refits" 0 forecast -m "$T/h40.lstm" "$S"
	check "first forecast at row 47" awk -F, 'NR > 1 && (NR - 1 < 47) != ($4 == "") { exit 1 }' "$T/out"
	t "hybrid with the base input" 0 forecast -m "$T/hx40.lstm" "$S"
	check "first forecast at row 47, lower <= forecast <= upper" awk -F, 'NR > 1 && ((NR - 1 < 47) != ($4 == "") ||
	    ($4 != "" && !($5 <= $4 && $4 <= $6))) { exit 1 }' "$T/out"
	grep -v '^base_residuals' "$T/h40.lstm" > "$T/old40.lstm"
	t "a hybrid from before rolling residuals, with a base that refits" 1 forecast -m "$T/old40.lstm" "$S"
	err_is <<ERR
forecast: $T/old40.lstm: trained by an older lstmtrain on the in-sample residuals of its base $T/b40.season, which refits (refit 40); retrain it with lstmtrain --base (or --init)
ERR
fi

# ---- --forget: a key that stops is left out of the state ----
awk -F, 'NR == 1 || $1 < 1700003000' "$D/fleet-3.csv" > "$T/fg-a.csv"
awk -F, 'NR == 1 || ($1 >= 1700003000 && $2 != "cache")' "$D/fleet-3.csv" > "$T/fg-b.csv"
rm -f "$T/fg1.state"
forecast -m "$T/web.ar" -c load --by series --state "$T/fg1.state" "$T/fg-a.csv" > /dev/null
cp "$T/fg1.state" "$T/fg2.state"
cp "$T/fg1.state" "$T/fg3.state"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the run that forgets only
	t "--forget: without it, the key that stopped stays" 0 forecast -m "$T/web.ar" -c load --by series --state "$T/fg1.state" "$T/fg-b.csv"
	cp "$T/out" "$T/fgout1"
	check "--forget: cache kept without it" grep -qx 'key cache' "$T/fg1.state"
fi
t "--forget 20m: the key silent for longer is forgotten" 0 forecast -m "$T/web.ar" -c load --by series --state "$T/fg2.state" --forget 20m "$T/fg-b.csv"
[ -n "${SP_VALGRIND:-}" ] || out_is "$T/fgout1"
err_is <<'EOF'
forecast: warning: key 'cache': no row for 20m: forgotten
EOF
check "--forget: cache gone from the state" sh -c "! grep -q '^key cache' '$T/fg2.state' && grep -qx 'keys 2' '$T/fg2.state'"
if [ -z "${SP_VALGRIND:-}" ]; then
	t "--forget 1d: nothing that old, the state as without it" 0 forecast -m "$T/web.ar" -c load --by series --state "$T/fg3.state" --forget 1d "$T/fg-b.csv"
	err_empty
	check "--forget 1d: the same state" cmp "$T/fg1.state" "$T/fg3.state"
fi
for bad in 0 -5m 1x ''; do
	t "--forget '$bad': usage" 2 forecast -m "$T/web.ar" -c load --by series --state "$T/fg3.state" --forget "$bad" "$T/fg-b.csv"
	err_has "forecast: --forget: not a duration: '$bad'"
done
finish
