# gbfit: training runs, the model file, determinism, --importance, progress
# on stderr only, and every bad input.  The numbers themselves (against
# python-xgboost) are checked in tests/unit/test_gb.c; the features by hand
# in tests/unit/test_feat.c.
. "$TOP/tests/cli/lib.sh"
S=$TOP/tests/ref/xgb_series.csv
HOL=$TOP/tests/ref/xgb_holidays.csv
FAST="-c load --rounds 10 --early 3"

t "trains a model" 0 gbfit $FAST --horizon 2 -o "$T/m1" "$S"
out_is < /dev/null
err_empty
check "model header and end" sh -c "head -n 1 '$T/m1' | grep -qx 'scalepipe-model gb 1' && tail -n 1 '$T/m1' | grep -qx end"
check "model keys" sh -c "grep -qx 'column load' '$T/m1' && grep -qx 'step 3600' '$T/m1' &&
    grep -qx 'horizon 2' '$T/m1' && grep -qx 'strategy per-horizon' '$T/m1' && grep -qx 'target level' '$T/m1' &&
    grep -qx 'norm zscore' '$T/m1' && grep -qx 'lags 1 2 3 4 5 6 12 24' '$T/m1' &&
    grep -qx 'features lag1 lag2 lag3 lag4 lag5 lag6 lag12 lag24 diff1 win12_mean win12_sd win12_min win12_max' '$T/m1' &&
    grep -qx 'objective reg:squarederror' '$T/m1' && grep -qx 'band level' '$T/m1' &&
    grep -q '^resid2 ' '$T/m1' && grep -q '^booster2 <<< ' '$T/m1' && grep -q '^booster1_check ' '$T/m1'"
check "command line recorded" grep -q '^command .*gbfit -c load --rounds 10' "$T/m1"

if [ -z "${SP_VALGRIND:-}" ]; then   # determinism: the code paths of m1 and m3 again
	t "same seed, same file" 0 gbfit $FAST --horizon 2 -o "$T/m2" "$S"
	check "identical models (but the command line)" sh -c "grep -v ^command '$T/m1' > '$T/a' && grep -v ^command '$T/m2' > '$T/b' && cmp '$T/a' '$T/b'"
fi
t "another seed with subsampling" 0 gbfit $FAST --horizon 2 --subsample 0.7 --seed 9 -o "$T/m3" "$S"
if [ -z "${SP_VALGRIND:-}" ]; then
	t "same subsampling, seed 1" 0 gbfit $FAST --horizon 2 --subsample 0.7 -o "$T/m4" "$S"
	check "another seed, other trees" sh -c "grep -v ^command '$T/m3' > '$T/c' && grep -v ^command '$T/m4' > '$T/d' && ! cmp -s '$T/c' '$T/d'"
fi

t "stdin, verbose progress to stderr" 0 gbfit $FAST --horizon 2 -v -o "$T/m5" < "$S"
out_is < /dev/null
err_has "gbfit: scalepipe "
err_has "seed 1"
err_has "gbfit: horizon 1 of 2: "
err_has "gbfit: horizon 2 of 2: "

t "every feature, holidays, an extra column" 0 gbfit $FAST -x mem --horizon 3 --lags 1,2,3,6,24 \
    --diffs 1,24 --windows 6,24 --window-quantiles 0.25,0.75 --calendar --holidays "$HOL" -o "$T/m6" "$S"
check "feature list" grep -qx 'features lag1 lag2 lag3 lag6 lag24 diff1 diff24 win6_mean win6_sd win6_min win6_max win6_q0.25 win6_q0.75 win24_mean win24_sd win24_min win24_max win24_q0.25 win24_q0.75 hour_sin hour_cos dow_sin dow_cos holiday x_mem' "$T/m6"
check "holidays and extra saved" sh -c "grep -qx 'holidays 19684 19685 19716' '$T/m6' && grep -qx 'extra mem' '$T/m6'"

t "shared model, delta target, quantile band" 0 gbfit $FAST --horizon 4 --shared --target delta --relative \
    --norm none --lags 1,2 --diffs none --windows none --quantiles 0.05,0.5,0.95 --tree-method exact \
    --max-depth 3 --eta 0.3 --lambda 2 --alpha 0.1 --min-child-weight 2 --colsample 0.8 --threads 2 -o "$T/m7" "$S"
check "shared keys" sh -c "grep -qx 'strategy shared' '$T/m7' && grep -qx 'horizon_feature 1' '$T/m7' &&
    grep -qx 'features lag1 lag2 horizon' '$T/m7' && grep -qx 'target delta' '$T/m7' && grep -qx 'relative 1' '$T/m7' &&
    grep -qx 'band quantiles' '$T/m7' && grep -qx 'mean 0' '$T/m7' && grep -qx 'sd 1' '$T/m7' &&
    grep -qx 'tree_method exact' '$T/m7' && grep -qx 'max_depth 3' '$T/m7' && grep -c '^booster' '$T/m7' | grep -qx 2"
t "poisson objective on the level" 0 gbfit $FAST --objective count:poisson --norm none -o "$T/m8" "$S"
check "objective saved" grep -qx 'objective count:poisson' "$T/m8"
t "no early stopping keeps every round" 0 gbfit -c load --rounds 7 --early 0 --level 0.9 -o "$T/m9" "$S"
check "rounds 7" sh -c "grep -qx 'rounds 7' '$T/m9' && grep -qx 'early 0' '$T/m9' && grep -qx 'level 0.90000000000000002' '$T/m9'"

t "importance" 0 gbfit $FAST --lags 1,2 --diffs none --windows none -x mem --importance -o "$T/m10" "$S"
check "importance header and rows" sh -c "head -n 1 '$T/out' | grep -qx 'feature,gain,total_gain,splits' &&
    test \$(wc -l < '$T/out') -eq 4 && grep -q '^lag1,' '$T/out' && grep -q '^x_mem,' '$T/out'"
check "importance sorted by total gain" sh -c "tail -n +2 '$T/out' | cut -d, -f3 | sort -g -r -c"
check "gain = total_gain / splits" sh -c "tail -n +2 '$T/out' | awk -F, '\$4 > 0 { d = \$2 - \$3 / \$4; if (d < 0) d = -d; if (d > 1e-6 * \$2) exit 1 }'"

# usage errors: exit 2, nothing written
t "no model path" 2 gbfit "$S"
err_has "gbfit: -o MODEL is required"
t "bad lag list" 2 gbfit -o "$T/x" --lags 1,x "$S"
err_has "gbfit: --lags: not an integer: 'x'"
t "lag 0" 2 gbfit -o "$T/x" --lags 0 "$S"
err_has "gbfit: --lags: 0 is out of range [1, 100000]"
t "lag twice" 2 gbfit -o "$T/x" --lags 2,2 "$S"
err_has "gbfit: --lags: 2 given twice"
t "bad statistic" 2 gbfit -o "$T/x" --window-stats mean,median "$S"
err_has "gbfit: --window-stats: unknown statistic 'median' (mean, sd, min, max or none)"
t "windows without statistics" 2 gbfit -o "$T/x" --window-stats none "$S"
err_has "gbfit: --windows: no statistic to compute"
t "no features at all" 2 gbfit -o "$T/x" --lags none --diffs none --windows none "$S"
err_has "gbfit: features: none asked for"
t "level and quantiles" 2 gbfit -o "$T/x" --level 0.9 --quantiles 0.1,0.9 "$S"
err_has "gbfit: --level and --quantiles exclude each other"
t "quantiles not ascending" 2 gbfit -o "$T/x" --quantiles 0.9,0.1 "$S"
err_has "gbfit: --quantiles: must be ascending in (0, 1)"
t "one quantile" 2 gbfit -o "$T/x" --quantiles 0.5 "$S"
err_has "gbfit: --quantiles: give 2 to 16 quantiles"
t "bad objective" 2 gbfit -o "$T/x" --objective reg:linear "$S"
err_has "gbfit: --objective: invalid choice 'reg:linear'"
t "poisson on normalised labels" 2 gbfit -o "$T/x" --objective count:poisson "$S"
err_has "gbfit: --objective count:poisson needs labels >= 0: use --norm none --target level"
t "bad eta" 2 gbfit -o "$T/x" --eta 0 "$S"
err_has "gbfit: --eta"
t "bad val" 2 gbfit -o "$T/x" --val 0.95 "$S"
err_has "gbfit: --val"
t "bad depth" 2 gbfit -o "$T/x" --max-depth 31 "$S"
err_has "gbfit: --max-depth"
t "unknown column" 2 gbfit -o "$T/x" -c nope "$S"
err_has "gbfit: $S: no column 'nope' (have: timestamp, load, mem)"
t "unknown extra column" 2 gbfit -o "$T/x" -c load -x cpu "$S"
err_has "gbfit: $S: no column 'cpu' (have: timestamp, load, mem)"
t "extra column twice" 2 gbfit -o "$T/x" -x mem -x mem "$S"
err_has "gbfit: -x: column 'mem' given twice"
t "the timestamp as the series" 2 gbfit -o "$T/x" -c timestamp "$S"
err_has "gbfit: -c: the timestamp column is not a series"
t "two files" 2 gbfit -o "$T/x" "$S" "$S"
err_has "gbfit: unexpected argument"
t "unknown option" 2 gbfit --frobnicate -o "$T/x" "$S"
check "nothing written on usage errors" sh -c "! ls '$T' | grep -q '^x'"

# bad data: exit 1, nothing written
t "empty input" 1 gbfit -o "$T/x" < /dev/null
err_is <<'ERR'
gbfit: empty input (expected a header line)
ERR
t "header only" 1 gbfit -o "$T/x" <<'CSV'
timestamp,load
CSV
err_is <<'ERR'
gbfit: too few rows (0) to train on
ERR
t "not a number" 1 gbfit -o "$T/x" <<'CSV'
timestamp,load
0,1
60,abc
CSV
err_is <<'ERR'
gbfit: row 2, column load: not a finite number: 'abc'
ERR
t "infinity" 1 gbfit -o "$T/x" <<'CSV'
timestamp,load
0,1
60,inf
CSV
err_has "gbfit: row 2, column load: not a finite number: 'inf'"
t "malformed row" 1 gbfit -o "$T/x" <<'CSV'
timestamp,load
0,1
60,2,3
CSV
err_is <<'ERR'
gbfit: row 2: 3 fields, but the header has 2
ERR
t "time going back" 1 gbfit -o "$T/x" <<'CSV'
timestamp,load
0,1
60,2
30,3
CSV
err_is <<'ERR'
gbfit: row 3, column timestamp: timestamp 30 is before the previous row's 60
ERR
awk -F, 'NR == 1 || NR != 100' "$S" > "$T/gap.csv"
t "uneven spacing" 1 gbfit -o "$T/x" -c load "$T/gap.csv"
err_is <<'ERR'
gbfit: row 99: spacing 7200 s differs from the series' step 3600 s; resample with window first
ERR
awk -F, 'NR == 1 { print; next } { print $1 ",NaN," $3 }' "$S" > "$T/nan.csv"
t "only missing values (NaN)" 1 gbfit -o "$T/x" -c load "$T/nan.csv"
err_is <<'ERR'
gbfit: no values in the training part (rows 1..480)
ERR
head -n 30 "$S" > "$T/short.csv"
t "too short for the lags" 1 gbfit -o "$T/x" -c load "$T/short.csv"
err_is <<'ERR'
gbfit: horizon 1: no training examples (29 rows, 24 needed before the first origin, validation from row 25): more data, a smaller --val or fewer lags/windows
ERR
printf 'date\n2024-01-01\n2023-02-30\n' > "$T/hol.csv"
t "bad holiday date" 1 gbfit -o "$T/x" --holidays "$T/hol.csv" "$S"
err_is <<ERR
gbfit: $T/hol.csv: row 2, column date: not a date YYYY-MM-DD: '2023-02-30'
ERR
t "missing holiday file" 1 gbfit -o "$T/x" --holidays "$T/nohol.csv" "$S"
err_is <<ERR
gbfit: $T/nohol.csv: No such file or directory
ERR
t "missing input file" 1 gbfit -o "$T/x" "$T/none.csv"
err_has "gbfit: $T/none.csv: "
t "model directory missing" 1 gbfit -o "$T/no/such/m" "$S"
err_is <<ERR
gbfit: $T/no/such/m: cannot create: No such file or directory
ERR
check "nothing written on data errors" sh -c "! ls '$T' | grep -q '^x'"

# forecast -m applies the model through the forecaster interface; the
# forecasts equal python-xgboost's (tests/ref/xgb_ref.py, configurations A
# and B: the same options as test_gb.c) to 1e-6
REFCMP='NR == FNR { if ($1 == cfg && $2 >= 0) { k = $2 "," $3; lo[k] = $4; mid[k] = $5; hi[k] = $6; n++ } next }
FNR == 1 { next }
{ k = ($1 - 1700006400) / 3600 "," $3
  if (k in mid) { m++; for (c = 6; c <= 8; c++) { w = c == 6 ? mid[k] : c == 7 ? lo[k] : hi[k]
      d = $c - w; if (d < 0) d = -d; if (d > md) md = d } } }
END { printf "%d of %d, largest difference %g\n", m, n, md; exit !(n > 0 && m == n && md <= 1e-6) }'
t "config A as python-xgboost trained it" 0 gbfit -c load -x mem --horizon 3 --lags 1,2,3,6,24 --diffs 1,24 \
    --windows 6,24 --window-quantiles 0.25,0.75 --calendar --holidays "$HOL" --rounds 60 --early 5 \
    --subsample 0.8 --colsample 0.9 --eta 0.2 --level 0.8 --seed 7 --val 0.25 -o "$T/A.gb" "$S"
t "forecast -m: config A" 0 forecast -m "$T/A.gb" --long "$S"
check "A: bands equal python-xgboost's" awk -F, -v cfg=A "$REFCMP" "$TOP/tests/ref/xgb_ref.csv" "$T/out"
check "A: the first origin has 25 rows of history (diff 24)" sh -c "sed -n 2p '$T/out' | grep -q '^1700092800,1700096400,1,'"
t "config B as python-xgboost trained it" 0 gbfit -c load --horizon 4 --shared --lags 1,2,24 --diffs none \
    --windows 12 --window-stats mean,max --relative --target delta --norm none --max-depth 3 --eta 0.3 --rounds 25 \
    --early 0 --lambda 2 --alpha 0.1 --min-child-weight 2 --tree-method exact --quantiles 0.05,0.5,0.95 \
    -o "$T/B.gb" "$S"
t "forecast -m: config B" 0 forecast -m "$T/B.gb" --long "$S"
check "B: bands equal python-xgboost's" awk -F, -v cfg=B "$REFCMP" "$TOP/tests/ref/xgb_ref.csv" "$T/out"
cp "$T/out" "$T/B.long"

t "forecast one horizon" 0 forecast -m "$T/A.gb" --horizon 2 "$S"
check "one-horizon header, first forecast at row 27" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,load,mem,forecast,lower,upper' &&
    sed -n 27p '$T/out' | grep -q ',$' && sed -n 28p '$T/out' | grep -q '^1700100000,61.7704,59.7139,[0-9]'"
cp "$T/out" "$T/A.h2"
head -n 401 "$S" > "$T/prefix.csv"
t "causal: a prefix of the input" 0 forecast -m "$T/A.gb" --horizon 2 "$T/prefix.csv"
check "the prefix's rows are the whole input's" sh -c "head -n 401 '$T/A.h2' | cmp -s - '$T/out'"
awk -F, 'NR > 1 && NR <= 401 { print; next } NR > 401 { $2 = $2 * 3; print; next } { print }' OFS=, "$S" > "$T/future.csv"
t "causal: other future values" 0 forecast -m "$T/B.gb" --long "$T/future.csv"
check "bands of origins before the change are unchanged" sh -c "awk -F, '\$1 < 1701446400' '$T/out' > '$T/f1' &&
    awk -F, '\$1 < 1701446400' '$T/B.long' > '$T/f2' && test \$(wc -l < '$T/f1') -gt 1000 && cmp -s '$T/f1' '$T/f2'"
t "--level from the same residuals" 0 forecast -m "$T/A.gb" --level 0.5 "$S"
check "a 50% band is narrower than the 80% one" sh -c "tail -n 1 '$T/out' > '$T/l5' && forecast -m '$T/A.gb' '$S' | tail -n 1 > '$T/l8' &&
    paste -d, '$T/l5' '$T/l8' | awk -F, '{ exit !(\$6 - \$5 < \$12 - \$11 && \$4 == \$10) }'"
t "--adapt recalibrates the band" 0 forecast -m "$T/B.gb" --horizon 1 --adapt 0.1 "$S"
check "adapted bands differ, forecasts equal" sh -c "forecast -m '$T/B.gb' --horizon 1 '$S' > '$T/noad' &&
    ! cmp -s '$T/noad' '$T/out' && cut -d, -f1-4 '$T/noad' > '$T/c1' && cut -d, -f1-4 '$T/out' > '$T/c2' &&
    cmp -s '$T/c1' '$T/c2'"
t "burstdetect reads the long rows" 0 sh -c "forecast -m '$T/B.gb' --long '$S' | burstdetect"
out_has "state"
cut -d, -f1,2 "$S" > "$T/nomem.csv"
t "a model whose feature list the input lacks" 1 forecast -m "$T/A.gb" "$T/nomem.csv"
err_is <<ERR
forecast: $T/A.gb reads column 'mem' and the input has no such column
ERR
awk -F, 'NR == 1 || NR != 100' "$S" > "$T/gap2.csv"
t "forecast: uneven spacing" 1 forecast -m "$T/A.gb" "$T/gap2.csv"
err_has "forecast: row 99: spacing 7200 s differs from the model's step 3600 s"
sed 's/^booster1_check \([0-9]*\) /booster1_check 1\1 /' "$T/A.gb" > "$T/bad1.gb"
t "a damaged model" 1 forecast -m "$T/bad1.gb" "$S"
err_has "forecast: $T/bad1.gb: 'booster1' is damaged ("
err_has "bytes, hash differs from its check line)"
head -c 100000 "$T/A.gb" > "$T/bad2.gb"
t "a truncated model" 1 forecast -m "$T/bad2.gb" "$S"
err_has "forecast: $T/bad2.gb:"
err_has "truncated"
sed 's/^features lag1 lag2 lag3/features lag1 lag3 lag2/' "$T/A.gb" > "$T/bad3.gb"
t "a model whose feature list does not match its spec" 1 forecast -m "$T/bad3.gb" "$S"
err_is <<ERR
forecast: $T/bad3.gb: 'features' does not match the feature spec (feature 2 should be 'lag2')
ERR

t "help" 0 gbfit --help
out_has "usage: gbfit -o MODEL"
t "version" 0 gbfit --version
out_has "gbfit (scalepipe) "
finish
