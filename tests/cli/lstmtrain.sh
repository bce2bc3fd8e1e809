# lstmtrain: training runs, the model file, determinism, progress on stderr
# only, and every bad input.  Tiny sizes: the numbers themselves are checked
# in tests/unit/test_nn.c and test_lstm.c and through forecast.sh.
. "$TOP/tests/cli/lib.sh"
S=$D/lstm-sine.csv
TINY="--hidden 3 --window 6 --horizon 2 --epochs 2"

t "trains a model" 0 lstmtrain $TINY -o "$T/m1" "$S"
out_is < /dev/null
err_empty
check "model header" sh -c "head -n 1 '$T/m1' | grep -qx 'scalepipe-model lstm 1'"
check "model sizes and column" sh -c "grep -qx 'hidden 3' '$T/m1' && grep -qx 'window 6' '$T/m1' &&
    grep -qx 'horizon 2' '$T/m1' && grep -qx 'column load' '$T/m1' && grep -qx 'features value' '$T/m1' &&
    grep -qx 'loss pinball' '$T/m1' && grep -qx 'quantiles 0.01 0.5 0.98999999999999999' '$T/m1' &&
    grep -qx 'nparams 96' '$T/m1' && tail -n 1 '$T/m1' | grep -qx end"
check "weights count" sh -c "test \$(grep '^weights ' '$T/m1' | wc -w) -eq 97"
check "command line recorded" grep -q '^command .*lstmtrain --hidden 3 --window 6' "$T/m1"

t "same seed, same file" 0 lstmtrain $TINY -o "$T/m2" "$S"
check "identical models (but the command line)" sh -c "grep -v ^command '$T/m1' > '$T/a' && grep -v ^command '$T/m2' > '$T/b' && cmp '$T/a' '$T/b'"
t "another seed" 0 lstmtrain $TINY --seed 9 -o "$T/m3" "$S"
check "another seed, other weights" sh -c "grep -v ^command '$T/m3' > '$T/c' && ! cmp -s '$T/a' '$T/c'"

t "stdin, verbose progress to stderr" 0 lstmtrain $TINY -v -o "$T/m4" < "$S"
out_is < /dev/null
err_has "lstmtrain: epoch 1 train "
err_has "training and"
err_has "seed 1"

t "gru, 2 layers, mse, calendar, 1 thread" 0 lstmtrain --cell gru --layers 2 --loss mse --calendar \
    --threads 1 --batch 8 --lr 0.01 --clip 0 --val 0.3 --patience 1 $TINY -o "$T/m5" "$S"
check "gru model" sh -c "grep -qx 'cell gru' '$T/m5' && grep -qx 'loss mse' '$T/m5' &&
    grep -q '^rmse ' '$T/m5' && grep -qx 'features value,hour,dow' '$T/m5' && grep -qx 'inputs 5' '$T/m5'"
t "window-level normalisation" 0 lstmtrain --norm window $TINY -o "$T/m7" "$S"
check "level feature" sh -c "grep -qx 'features value,level' '$T/m7' && grep -qx 'inputs 2' '$T/m7'"
t "bad --norm" 2 lstmtrain --norm median -o "$T/x" "$S"
err_has "lstmtrain: --norm"
check "calibrated by default" sh -c "grep -q '^calib_lower ' '$T/m1' && grep -q '^calib_upper ' '$T/m1'"
t "--no-calibrate" 0 lstmtrain --no-calibrate $TINY -o "$T/m8" "$S"
check "no calibration keys" sh -c "! grep -q '^calib_' '$T/m8'"
t "quantiles, no validation" 0 lstmtrain --quantiles 0.1,0.9 --val 0 -c other $TINY -o "$T/m6" "$S"
check "quantiles saved, no val_loss" sh -c "grep -qx 'quantiles 0.10000000000000001 0.90000000000000002' '$T/m6' &&
    ! grep -q '^val_loss' '$T/m6' && grep -qx 'column other' '$T/m6'"

# usage errors: exit 2
t "no model path" 2 lstmtrain "$S"
err_has "lstmtrain: -o MODEL is required"
t "bad cell" 2 lstmtrain --cell rnn -o "$T/x" "$S"
err_has "lstmtrain: --cell"
t "three layers" 2 lstmtrain --layers 3 -o "$T/x" "$S"
err_has "lstmtrain: --layers"
t "quantiles not ascending" 2 lstmtrain --quantiles 0.9,0.1 -o "$T/x" "$S"
err_has "lstmtrain: --quantiles: not ascending: 0.1 after 0.9"
t "quantile out of range" 2 lstmtrain --quantiles 0,0.5 -o "$T/x" "$S"
err_has "lstmtrain: --quantiles"
t "quantiles with mse" 2 lstmtrain --loss mse --quantiles 0.5 -o "$T/x" "$S"
err_has "lstmtrain: --quantiles applies to --loss pinball only"
t "bad number" 2 lstmtrain --lr fast -o "$T/x" "$S"
err_has "lstmtrain: --lr"
t "two files" 2 lstmtrain -o "$T/x" "$S" "$S"
err_has "lstmtrain: unexpected argument"
t "unknown option" 2 lstmtrain --frobnicate -o "$T/x" "$S"
check "nothing written on usage errors" sh -c "! ls '$T' | grep -q '^x'"

# bad data: exit 1, nothing written
t "too little data" 1 lstmtrain --window 120 --horizon 12 -o "$T/x" "$S"
err_is <<'ERR'
lstmtrain: too little data: 160 rows leave 128 for training before the validation part; window 120 and horizon 12 need at least 132
ERR
t "too little data, tiny input" 1 lstmtrain --window 10 --horizon 3 -o "$T/x" <<'CSV'
timestamp,load
0,1
60,2
120,3
CSV
err_is <<'ERR'
lstmtrain: too little data: 3 rows; window 10 and horizon 3 need at least 16 with a validation part
ERR
t "unknown column" 2 lstmtrain -c nope -o "$T/x" "$S"
err_has "no column 'nope' (have: timestamp, load, other)"
t "not a number" 1 lstmtrain -o "$T/x" <<'CSV'
timestamp,load
0,1
60,abc
CSV
err_has "lstmtrain: row 2, column load: "
t "uneven spacing" 1 lstmtrain $TINY -o "$T/x" <<'CSV'
timestamp,load
0,1
60,2
120,3
180,4
240,5
300,6
360,7
420,8
480,9
540,10
600,11
660,12
720,13
800,14
860,15
CSV
err_is <<'ERR'
lstmtrain: row 14: spacing 80 s differs from the series' step 60 s (resample with window first)
ERR
t "missing values everywhere" 1 lstmtrain $TINY -o "$T/x" <<'CSV'
timestamp,load
0,1
60,
120,3
180,4
240,NA
300,6
360,7
420,
480,9
540,10
600,
660,12
720,13
780,14
840,
900,15
CSV
err_is <<'ERR'
lstmtrain: no complete training window (window 6 + horizon 2 without missing values)
ERR
# --init: warm start from a saved model (daily retraining)
head -n 120 "$S" > "$T/s120"
t "a model on the first 119 rows" 0 lstmtrain $TINY -o "$T/w0" "$T/s120"
t "--init continues it on the whole series" 0 lstmtrain --init "$T/w0" --epochs 2 -v -o "$T/w1" "$S"
err_has "lstmtrain: epoch 0 train "
err_has "lstmtrain: epoch 1 train "
check "normalisation, sizes and column kept" sh -c "for k in mean scale step hidden window horizon column features quantiles; do
    test \"\$(grep \"^\$k \" '$T/w0')\" = \"\$(grep \"^\$k \" '$T/w1')\" || exit 1; done"
check "other weights" sh -c "! cmp -s '$T/w0' '$T/w1'"
check "restored epoch recorded" grep -q '^best_epoch [012]$' "$T/w1"
t "forecast applies the continued model" 0 forecast -m "$T/w1" "$S"
cp "$T/w1" "$T/w2"
t "--init and -o the same file (a nightly job)" 0 lstmtrain --init "$T/w2" --epochs 1 -o "$T/w2" "$S"
check "replaced by a whole model" sh -c "tail -n 1 '$T/w2' | grep -qx end && ! cmp -s '$T/w1' '$T/w2'"
t "--init: architecture options refused" 2 lstmtrain --init "$T/w0" --hidden 8 -o "$T/x" "$S"
err_has "lstmtrain: --hidden: with --init the architecture is the model's ($T/w0)"
t "--init: quantiles refused" 2 lstmtrain --init "$T/w0" --quantiles 0.2,0.8 -o "$T/x" "$S"
err_has "lstmtrain: --quantiles: with --init the architecture is the model's"
t "--init: model missing" 1 lstmtrain --init "$T/none" -o "$T/x" "$S"
err_has "lstmtrain: $T/none: "
t "--init: the model's column is not in the input" 1 lstmtrain --init "$T/w0" -o "$T/x" <<'CSV'
timestamp,cpu
0,1
CSV
err_is <<ERR
lstmtrain: $T/w0 was trained on column 'load' (features value) and the input has no such column; pick one with -c
ERR
awk -F, 'NR == 1 { print; next } { printf "%d,%s,%s\n", 1700000000 + 600 * (NR - 2), $2, $3 }' "$S" > "$T/s600"
t "--init: the series' step differs from the model's" 1 lstmtrain --init "$T/w0" -o "$T/x" "$T/s600"
err_is <<'ERR'
lstmtrain: the series' step 600 s differs from the model's 300 s (resample with window first)
ERR
check "nothing written on error" test ! -e "$T/x"
t "unwritable model" 1 lstmtrain $TINY -o /nonexistent/dir/m "$S"
err_has "lstmtrain: "
t "unreadable input" 1 lstmtrain -o "$T/x" "$T/nope.csv"
err_has "lstmtrain: $T/nope.csv: No such file or directory"
check "no model left behind" sh -c "! ls '$T' | grep -q '^x'"
t "help" 0 lstmtrain --help
out_has "usage: lstmtrain -o MODEL"
out_has "--threads N"
t "version" 0 lstmtrain --version
out_has "lstmtrain (scalepipe)"
# progress: a line on stderr by default when it is a terminal (script(1)
# gives the run one), -q silences it; -v keeps its lines
if command -v script > /dev/null 2>&1; then
	t "progress on a terminal by default" 0 script -qec "lstmtrain $TINY -o '$T/p1' '$S'" /dev/null
	out_has "lstmtrain: epoch 1/2, train loss "
	out_has ", val loss "
	t "-q: no progress on a terminal" 0 script -qec "lstmtrain -q $TINY -o '$T/p2' '$S'" /dev/null
	out_is < /dev/null
	check "-q: the same model" sh -c "grep -v ^command '$T/p1' > '$T/a' && grep -v ^command '$T/p2' > '$T/b' && cmp '$T/a' '$T/b'"
	t "-v on a terminal: the epoch lines, no progress line" 0 script -qec "lstmtrain -v $TINY -o '$T/p3' '$S'" /dev/null
	out_has "lstmtrain: epoch 2 train "
	check "no progress line" sh -c "! grep -q 'epoch 1/2' '$T/out'"
fi
t "--quiet: nothing on stderr" 0 lstmtrain --quiet $TINY -o "$T/p4" "$S"
err_empty
t "-q -v: the -v lines" 0 lstmtrain -q -v $TINY -o "$T/p5" "$S"
err_has "lstmtrain: epoch 2 train "
# -o is checked before the input is read and the model trained
t "unwritable model found before reading the input" 1 lstmtrain $TINY -o /nonexistent/dir/m < /dev/null
err_is <<'ERR'
lstmtrain: /nonexistent/dir/m: cannot create: No such file or directory
ERR
t "unwritable model found before training" 1 lstmtrain --epochs 100000 --patience 100000 --val 0 -o /nonexistent/dir/m "$S"
err_is <<'ERR'
lstmtrain: /nonexistent/dir/m: cannot create: No such file or directory
ERR
check "no temporary files left behind" sh -c "! ls -A '$T' | grep -q '\.tmp\.'"
# --base: the hybrid, an LSTM on the residuals y - yhat of a seasonfit model
seasonfit --seasonality twohour,0.0833333333333,2 --save "$T/b.season" -H 0 "$S" > /dev/null
t "--base: trains a hybrid" 0 lstmtrain $TINY -v --base "$T/b.season" --no-mix -o "$T/h1" "$S"
err_has "lstmtrain: training on the residuals of $T/b.season"
check "the base recorded beside the model: path and checksum" sh -c "grep -qx 'base b.season' '$T/h1' &&
    grep -q '^base_fnv1a64 [0-9a-f]\{16\}\$' '$T/h1'"
# the rest not under valgrind (CI time): the same paths run plain and under ASan
if [ -z "${SP_VALGRIND:-}" ]; then
	seasonfit --load "$T/b.season" -H 0 --precision 17 "$S" |
	    awk -F, 'NR == 1 { print "timestamp,load"; next } { printf "%s,%.17g\n", $1, $2 - $4 }' > "$T/res.csv"
	t "an LSTM on y - yhat written out" 0 lstmtrain $TINY -o "$T/r1" "$T/res.csv"
	check "--base trains on exactly y - yhat (calibrated after its shrinkage)" sh -c "grep -v '^command\|^base\|^calib' '$T/h1' > '$T/a' &&
	    grep -v '^command\|^calib' '$T/r1' > '$T/b' && cmp '$T/a' '$T/b'"
	mkdir "$T/sub"
	t "--init of a hybrid keeps its base" 0 lstmtrain --init "$T/h1" --epochs 1 -o "$T/sub/h2" "$S"
	check "the base as seen from the new model's directory" sh -c "grep -q '^base /.*/b.season\$' '$T/sub/h2' &&
	    grep '^base_fnv1a64' '$T/h1' > '$T/a' && grep '^base_fnv1a64' '$T/sub/h2' > '$T/b' && cmp '$T/a' '$T/b'"
	t "--base with --init" 2 lstmtrain --init "$T/h1" --base "$T/b.season" -o "$T/x" "$S"
	err_has "lstmtrain: --base: with --init the base is the model's ($T/h1)"
	t "--base: no such file" 1 lstmtrain $TINY --base "$T/nope.season" -o "$T/x" "$S"
	err_has "lstmtrain: $T/nope.season: "
	t "--base: not a seasonfit model" 1 lstmtrain $TINY --base "$T/m1" -o "$T/x" "$S"
	err_has "lstmtrain: $T/m1:1: "
	seasonfit --growth logistic --floor floor --save "$T/log.season" -H 0 "$D/season-logistic.csv" > /dev/null
	t "--base: a logistic model" 1 lstmtrain $TINY --base "$T/log.season" -o "$T/x" "$S"
	err_is <<ERR
lstmtrain: $T/log.season: a seasonfit model with logistic growth cannot be a base (its capacity column is not an input of the LSTM)
ERR
	seasonfit --save "$T/hourly.season" -H 0 "$D/season-add.csv" > /dev/null
	t "--base: another step" 1 lstmtrain $TINY --base "$T/hourly.season" -o "$T/x" "$S"
	err_has "lstmtrain: $T/hourly.season: the base's step is 3600 s and the series' 300 s"
	cp "$T/b.season" "$T/b2.season" && echo >> "$T/b2.season"
	cp "$T/h1" "$T/h3" && sed -i 's/^base b.season$/base b2.season/' "$T/h3"
	t "--init of a hybrid whose base changed" 1 lstmtrain --init "$T/h3" --epochs 1 -o "$T/x" "$S"
	err_has "lstmtrain: $T/h3: its base seasonfit model $T/b2.season has changed since the LSTM was trained on it"
	check "nothing written on error" test ! -e "$T/x"
fi
# rolling residuals: a base that refits every 40 rows, and --base-input
seasonfit --seasonality twohour,0.0833333333333,2 --refit 40 --save "$T/b40.season" -H 0 "$S" > /dev/null
t "--base-input: a hybrid whose LSTM also sees the base's forecast" 0 lstmtrain $TINY --base "$T/b40.season" \
    --base-input -o "$T/hx" "$S"
check "rolling residuals, the base feature and its normalisation recorded" sh -c "grep -qx 'base_residuals rolling' '$T/hx' &&
    grep -qx 'features value,base' '$T/hx' && grep -qx 'inputs 2' '$T/hx' && grep -q '^base_mean ' '$T/hx' &&
    grep -q '^base_scale ' '$T/hx'"
t "--base-input without --base" 2 lstmtrain $TINY --base-input -o "$T/x" "$S"
err_has "lstmtrain: --base-input needs --base MODEL"
# the shrinkage of a hybrid's residual forecast, fitted on the validation part
check "a hybrid records its shrinkage: one factor in [0,1] per horizon" sh -c "grep '^base_shrink ' '$T/h1' |
    awk '{ if (NF != 3) exit 1; for (k = 2; k <= NF; k++) if (!(\$k >= 0 && \$k <= 1)) exit 1 }'"
t "--no-shrink: a hybrid as trained" 0 lstmtrain $TINY --base "$T/b.season" --no-shrink --no-mix -o "$T/h4" "$S"
check "the same network, no base_shrink, calibrated on the unshrunk quantiles" sh -c "! grep -q '^base_shrink' '$T/h4' &&
    grep -v '^command\|^base_shrink\|^calib' '$T/h1' > '$T/a' && grep -v '^command\|^calib' '$T/h4' > '$T/b' && cmp '$T/a' '$T/b'"
if [ -f "$T/r1" ]; then
	check "--no-shrink: exactly the LSTM on y - yhat" sh -c "grep -v '^command\|^base' '$T/h4' > '$T/a' &&
	    grep -v '^command' '$T/r1' > '$T/b' && cmp '$T/a' '$T/b'"
fi
t "--no-shrink without --base" 2 lstmtrain $TINY --no-shrink -o "$T/x" "$S"
err_has "lstmtrain: --no-shrink needs --base MODEL"
# the mix (the default with --base and a validation part): the LSTM alone
# trained too, w_h alone + (1 - w_h) hybrid fitted on the validation part
check "--no-mix: version 1, no mix" sh -c "head -n 1 '$T/h1' | grep -qx 'scalepipe-model lstm 1' &&
    ! grep -q '^mix\|^alone' '$T/h1'"
t "--no-mix without --base" 2 lstmtrain $TINY --no-mix -o "$T/x" "$S"
err_has "lstmtrain: --no-mix needs --base MODEL"
t "--alone without --base" 2 lstmtrain $TINY --alone "$T/m1" -o "$T/x" "$S"
err_has "lstmtrain: --alone needs --base MODEL"
t "--alone with --no-mix" 2 lstmtrain $TINY --base "$T/b.season" --alone "$T/m1" --no-mix -o "$T/x" "$S"
err_has "lstmtrain: --alone: the LSTM alone of a mix, and --no-mix asks for none"
# (trainings: not under valgrind, CI time; test_lstm runs the mix under it)
if [ -z "${SP_VALGRIND:-}" ]; then
	t "--base: a mixed hybrid by default" 0 lstmtrain $TINY -v --base "$T/b.season" -o "$T/hm" "$S"
	err_has "lstmtrain: training the LSTM alone of the mix"
	check "version 2, a weight in [0,1] per horizon, the mix's calibration, the LSTM alone" sh -c "
	    head -n 1 '$T/hm' | grep -qx 'scalepipe-model lstm 2' && grep '^mix ' '$T/hm' |
	    awk '{ if (NF != 3) exit 1; for (k = 2; k <= NF; k++) if (!(\$k >= 0 && \$k <= 1)) exit 1 }' &&
	    grep -q '^mix_calib_lower ' '$T/hm' && grep -q '^mix_calib_upper ' '$T/hm' && grep -q '^alone_weights ' '$T/hm' &&
	    ! grep -q '^base_shrink' '$T/hm'"
	check "the same hybrid network as --no-mix" sh -c "grep '^weights ' '$T/h1' > '$T/a' &&
	    grep '^weights ' '$T/hm' | cmp - '$T/a'"
	check "the LSTM alone: the plain model of the same options" sh -c "grep '^weights ' '$T/m1' | cut -d' ' -f2- > '$T/a' &&
	    grep '^alone_weights ' '$T/hm' | cut -d' ' -f2- | cmp - '$T/a'"
	t "--alone MODEL: the LSTM alone not trained again" 0 lstmtrain $TINY --base "$T/b.season" --alone "$T/m1" \
	    -o "$T/hm2" "$S"
	check "the same model as trained in one go" sh -c "grep -v '^command' '$T/hm' > '$T/a' &&
	    grep -v '^command' '$T/hm2' > '$T/b' && cmp '$T/a' '$T/b'"
	t "forecast applies a mixed hybrid" 0 forecast -m "$T/hm" --long "$S"
	check "lower <= forecast <= upper at every origin" awk -F, 'NR > 1 && !($7 <= $6 && $6 <= $8) { exit 1 }' "$T/out"
	t "--init of a mixed hybrid" 0 lstmtrain --init "$T/hm" --epochs 1 -o "$T/hm3" "$S"
	check "still mixed" sh -c "head -n 1 '$T/hm3' | grep -qx 'scalepipe-model lstm 2'"
	t "--init --no-mix of a mixed hybrid" 0 lstmtrain --init "$T/hm" --no-mix --epochs 1 -o "$T/hm4" "$S"
	check "unmixed" sh -c "head -n 1 '$T/hm4' | grep -qx 'scalepipe-model lstm 1' && ! grep -q '^alone' '$T/hm4'"
	t "--val 0: nothing to fit a mix on" 0 lstmtrain $TINY --val 0 --base "$T/b.season" -o "$T/hm5" "$S"
	check "unmixed" sh -c "head -n 1 '$T/hm5' | grep -qx 'scalepipe-model lstm 1'"
	t "--alone of another architecture" 1 lstmtrain $TINY --base "$T/b.season" --alone "$T/m3" --window 5 -o "$T/x" "$S"
	err_is <<ERR
lstmtrain: $T/m3: the LSTM alone of a mix must have the hybrid's architecture without the base input: --window differs
ERR
	t "--alone: a hybrid" 1 lstmtrain $TINY --base "$T/b.season" --alone "$T/h1" -o "$T/x" "$S"
	err_has "lstmtrain: $T/h1: the LSTM alone of a mix must have the hybrid's architecture without the base input: it is itself a hybrid (a base)"
	check "nothing written on error" test ! -e "$T/x"
fi
finish
