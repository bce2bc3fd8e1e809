# svrfit: training, prediction, agreement with scikit-learn, model files, bad input.
. "$TOP/tests/cli/lib.sh"
CURVE=$TOP/data/bascaler_fft_service_curve.csv
REF=$TOP/tests/ref

# ---- the BAScaler curve: w* at a 16 ms SLO within 1 % of the curve's own --
t "train on the service curve" 0 svrfit -m "$T/curve.svr" "$CURVE"
out_is < /dev/null
err_empty
check "model file: kind, features, CV record" sh -c "
	head -n 1 '$T/curve.svr' | grep -qx 'scalepipe-model svr 1' &&
	grep -qx 'feature.1 load_per_replica' '$T/curve.svr' &&
	grep -qx 'target latency_ms' '$T/curve.svr' &&
	grep -qx 'cv_folds 5' '$T/curve.svr' && grep -qx 'cv_split random' '$T/curve.svr' &&
	grep -qx 'cv_seed 1' '$T/curve.svr' && tail -n 1 '$T/curve.svr' | grep -qx end"
awk 'BEGIN { print "load_per_replica"; for (i = 7000; i <= 9000; i++) printf "%.2f\n", i / 100 }' > "$T/wgrid.csv"
t "predict along the load axis" 0 svrfit --predict -m "$T/curve.svr" "$T/wgrid.csv"
check "w* within 1% of 80.68 (curve, linear interpolation at 16 ms)" awk -F, '
	NR > 1 && $2 > 16 { w = $1; exit }
	END { d = w - 80.68; if (d < 0) d = -d; print "w* = " w; exit !(w != "" && d <= 0.8068) }' "$T/out"
t "CV RMSE on the curve is small" 0 svrfit -v -m "$T/curve2.svr" "$CURVE"
check "CV rmse < 0.2 ms" awk '/^svrfit: cv rmse/ { ok = ($4 < 0.2) } END { exit !ok }' "$T/err"
err_has "svrfit: 48 rows, 1 feature, target latency_ms, kernel rbf, 5-fold random CV, 32 grid points"
err_has "cv_rmse"
check "the table has 32 rows and one winner" awk '
	$1 ~ /^[0-9.e+-]+$/ && NF >= 6 { rows++; if ($7 == "*") stars++ }
	END { exit !(rows == 32 && stars == 1) }' "$T/err"
check "same model as without -v (minus the command line)" sh -c "
	grep -v '^command' '$T/curve.svr' > '$T/a' && grep -v '^command' '$T/curve2.svr' > '$T/b' && cmp '$T/a' '$T/b'"

# ---- the shipped measured profile of examples/fftservice ------------------
t "train on data/profile_fftservice.csv (2 features)" 0 svrfit -v -x load_per_replica,replicas \
	-m "$T/prof.svr" "$TOP/data/profile_fftservice.csv"
err_has "svrfit: 32 rows, 2 features, target latency_ms"
check "latency rises with load on both replica counts" sh -c "
	printf 'load_per_replica,replicas\n20,1\n90,1\n20,2\n90,2\n' |
	svrfit --predict -m '$T/prof.svr' | awk -F, 'NR == 2 || NR == 4 { lo = \$3 } NR == 3 || NR == 5 { if (!(\$3 > lo + 5)) exit 1 }'"

# ---- agreement with scikit-learn (tests/ref/svr_sklearn.py) --------------
t "fixed hyperparameters, 2 features" 0 svrfit -x load_per_replica,replicas -y latency_ms -k 0 \
	-C 10 -g 0.5 -e 0.05 -m "$T/rbf.svr" "$REF/svr_train.csv"
t "predict the query rows" 0 svrfit --predict -m "$T/rbf.svr" "$REF/svr_query.csv"
cut -d, -f3 "$T/out" | sed 1d > "$T/got"
cut -d, -f3 "$REF/svr_sklearn.csv" | sed 1d > "$T/want"
check "equals scikit-learn's SVR to 1e-6" csv_close "$T/want" "$T/got" 1e-6
t "poly kernel" 0 svrfit -x load_per_replica,replicas -k 0 --kernel poly -C 1 -g 0.5 --coef0 1 --degree 3 \
	-e 0.1 -m "$T/poly.svr" "$REF/svr_train.csv"
t "poly predictions" 0 svrfit --predict -m "$T/poly.svr" "$REF/svr_query.csv"
cut -d, -f3 "$T/out" | sed 1d > "$T/got"
cut -d, -f6 "$REF/svr_sklearn.csv" | sed 1d > "$T/want"
check "poly equals scikit-learn to 1e-6" csv_close "$T/want" "$T/got" 1e-6
t "unscaled, as BAScaler's own models" 0 svrfit --no-scale -k 0 -C 100 -g 0.0015 -e 0.1 \
	-m "$T/raw.svr" "$REF/svr_train.csv"
t "unscaled predictions" 0 svrfit --predict -m "$T/raw.svr" "$REF/svr_query.csv"
cut -d, -f3 "$T/out" | sed 1d > "$T/got"
cut -d, -f7 "$REF/svr_sklearn.csv" | sed 1d > "$T/want"
check "unscaled equals scikit-learn to 1e-6" csv_close "$T/want" "$T/got" 1e-6

# ---- grid search invariants ----------------------------------------------
t "2 threads" 0 svrfit -x load_per_replica,replicas -C 1,10 -g 0.5,2 -e 0.05 -j 2 -m "$T/j2.svr" "$REF/svr_train.csv"
t "1 thread, no precomputed kernel" 0 svrfit -x load_per_replica,replicas -C 1,10 -g 0.5,2 -e 0.05 -j 1 \
	--precompute never -m "$T/j1.svr" "$REF/svr_train.csv"
check "same model whatever the threads and kernel sharing" sh -c "
	grep -v '^command\|^cv_rmse' '$T/j1.svr' > '$T/a' && grep -v '^command\|^cv_rmse' '$T/j2.svr' > '$T/b' && cmp '$T/a' '$T/b'"
t "blocked folds, linear kernel" 0 svrfit -v --cv blocked -k 4 --kernel linear -x load_per_replica \
	-m "$T/lin.svr" "$CURVE"
err_has "4-fold blocked CV, 8 grid points"
check "blocked recorded, gamma not searched" sh -c "grep -qx 'cv_split blocked' '$T/lin.svr' && grep -qx 'kernel linear' '$T/lin.svr' "
check "linear: 8 rows without gamma" awk '$1 ~ /^[0-9.e+-]+$/ && $2 == "-" { n++ } END { exit n != 8 }' "$T/err"
t "another seed gives other folds" 0 svrfit -v --seed 7 -C 10 -g 1 -e 0.01 -m "$T/s7.svr" "$CURVE"
check "seed recorded" grep -qx 'cv_seed 7' "$T/s7.svr"
t "--tol accepted" 0 svrfit -k 0 -C 10 -g 1 -e 0.01 --tol 1e-6 -m "$T/tol.svr" "$CURVE"

# ---- prediction on other CSVs ---------------------------------------------
t "pass-through, missing feature gives an empty prediction" 0 svrfit --predict -m "$T/curve.svr" "$D/svr-predict.csv"
check "three rows, quoted field kept, empty prediction" awk -F, '
	NR == 1 && $0 != "timestamp,load_per_replica,replicas,note,latency_ms_pred" { exit 1 }
	NR == 2 && $4 != "\"a" { exit 1 }
	NR == 3 && $0 != "1700000060,,2,gap," { exit 1 }
	NR == 4 && !($5 > 18 && $5 < 20) { exit 1 }
	END { exit NR != 4 }' "$T/out"
t "--name and -x remap, stdin" 0 svrfit --predict -m "$T/curve.svr" -x replicas --name rt < "$D/svr-predict.csv"
check "column rt" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,load_per_replica,replicas,note,rt'"

# ---- bad input --------------------------------------------------------------
t "empty input" 1 svrfit -m "$T/x.svr" < /dev/null
err_is <<'EOF'
svrfit: empty input (expected a header line)
EOF
printf 'load_per_replica,latency_ms\n' > "$T/hdr.csv"
t "header only" 1 svrfit -m "$T/x.svr" "$T/hdr.csv"
err_is <<EOF
svrfit: $T/hdr.csv: no data rows
EOF
printf 'load_per_replica,latency_ms\n1,2\n2,"x\n' > "$T/bad.csv"
t "malformed CSV" 1 svrfit -m "$T/x.svr" < "$T/bad.csv"
err_is <<'EOF'
svrfit: row 2: malformed CSV: unterminated quoted field
EOF
printf 'load_per_replica,latency_ms\n1,2\n2,NaN\n3,4\n' > "$T/nan.csv"
t "NaN in the target" 1 svrfit -m "$T/x.svr" < "$T/nan.csv"
err_is <<'EOF'
svrfit: row 2, column latency_ms: missing value
EOF
printf 'load_per_replica,latency_ms\n1,2\nx,3\n' > "$T/nn.csv"
t "not a number" 1 svrfit -m "$T/x.svr" < "$T/nn.csv"
err_is <<'EOF'
svrfit: row 2, column load_per_replica: not a finite number: 'x'
EOF
t "unknown column" 2 svrfit -m "$T/x.svr" -x load_per_replica,nope "$CURVE"
err_has "svrfit: $CURVE: no column 'nope' (have: load_per_replica, latency_ms, cpu_pct)"
t "feature given twice" 2 svrfit -m "$T/x.svr" -x load_per_replica,load_per_replica "$CURVE"
err_has "svrfit: -x: column 'load_per_replica' given twice"
t "feature is the target" 2 svrfit -m "$T/x.svr" -x latency_ms "$CURVE"
err_has "svrfit: column 'latency_ms' is both a feature and the target"
cp "$T/curve.svr" "$T/keep.svr"
t "constant target" 1 svrfit -m "$T/keep.svr" -x load_per_replica,replicas -k 2 "$D/svr-const.csv"
err_is <<'EOF'
svrfit: the target is constant (5 in all 4 rows): nothing to learn
EOF
check "a failed run leaves the old model untouched" cmp "$T/curve.svr" "$T/keep.svr"
check "no temporary files left" sh -c "! ls '$T' | grep -q 'tmp\.'"
t "more folds than rows" 1 svrfit -m "$T/x.svr" -x a -y b -k 5 "$D/svr-tiny.csv"
err_is <<'EOF'
svrfit: 5 folds need at least 5 rows, have 4
EOF
t "unknown option" 2 svrfit --bogus
err_has "svrfit: unrecognized option '--bogus'"
err_has "Try 'svrfit --help'"
t "out-of-range number" 2 svrfit -m "$T/x.svr" -k -1 "$CURVE"
err_has "svrfit: -k: -1 is out of range [0, 1000000]"
t "negative C" 2 svrfit -m "$T/x.svr" -C 1,-3 "$CURVE"
err_has "svrfit: -C:"
t "unknown kernel" 2 svrfit -m "$T/x.svr" --kernel sigmoid "$CURVE"
err_has "svrfit: --kernel:"
t "no model path" 2 svrfit "$CURVE"
err_has "svrfit: -m MODEL is required"
t "-k 0 with a grid" 2 svrfit -m "$T/x.svr" -k 0 "$CURVE"
err_has "svrfit: -k 0 (no cross-validation) needs one value each of -C, -g and -e, not a grid of 32"
t "training options with --predict" 2 svrfit --predict -m "$T/curve.svr" -C 3 "$CURVE"
t "extra argument" 2 svrfit -m "$T/x.svr" "$CURVE" "$CURVE"
err_has "svrfit: unexpected argument"
t "model over a device" 1 svrfit -k 0 -C 1 -g 1 -e 0.1 -m /dev/null "$CURVE"
err_is <<'EOF'
svrfit: /dev/null: not a regular file
EOF
t "write error on stdout" 1 sh -c "svrfit --predict -m '$T/curve.svr' '$CURVE' > /dev/full"
err_is <<'EOF'
svrfit: write error: No space left on device
EOF
t "model of another kind" 1 svrfit --predict -m "$D/svr-other-kind.model" "$CURVE"
err_is <<EOF
svrfit: $D/svr-other-kind.model:1: is a 'ar' model, expected 'svr'
EOF
head -c 300 "$T/curve.svr" > "$T/trunc.svr"
t "truncated model" 1 svrfit --predict -m "$T/trunc.svr" "$CURVE"
err_has "truncated file"
sed 's/^gamma .*/gamma -1/' "$T/curve.svr" > "$T/corrupt.svr"
t "corrupt model" 1 svrfit --predict -m "$T/corrupt.svr" "$CURVE"
err_is <<EOF
svrfit: $T/corrupt.svr: 'gamma' must be positive
EOF
t "missing model" 1 svrfit --predict -m "$T/none.svr" "$CURVE"
err_is <<EOF
svrfit: $T/none.svr: No such file or directory
EOF
t "feature count mismatch at predict time" 1 svrfit --predict -m "$T/rbf.svr" -x load_per_replica "$CURVE"
err_is <<EOF
svrfit: $T/rbf.svr: the model has 2 features (load_per_replica, replicas), -x gives 1
EOF
t "model feature missing from the input" 2 svrfit --predict -m "$T/rbf.svr" "$CURVE"
err_has "no column 'replicas'"
t "prediction column clash" 2 svrfit --predict -m "$T/curve.svr" --name cpu_pct "$CURVE"
err_has "svrfit: the input already has a column 'cpu_pct'; choose another with --name"
t "missing input file" 1 svrfit -m "$T/x.svr" "$T/nofile.csv"
err_is <<EOF
svrfit: $T/nofile.csv: No such file or directory
EOF
t "--help" 0 svrfit --help
out_has "usage: svrfit"
t "--version" 0 svrfit --version
out_has "svrfit (scalepipe)"

# ---- progress on stderr when it is a terminal (script(1) gives a pty) ------
t "progress on a terminal" 0 sh -c "script -qec \"svrfit -m '$T/tty.svr' '$CURVE'\" /dev/null > '$T/tty.out'"
check "first line: no grid point done yet" grep -q 'svrfit: grid 0/32 points (1/160 fits) (' "$T/tty.out"
check "then the training on all rows with the choice" \
	grep -q 'svrfit: training on all 48 rows with C 100, gamma 1, epsilon 0.01 (' "$T/tty.out"
check "the line is cleared at the end" sh -c "tail -c 4 '$T/tty.out' | od -c | grep -q '033   \\[   K'"
check "same model as without a terminal (minus the command line)" sh -c "
	grep -v '^command' '$T/curve.svr' > '$T/a' && grep -v '^command' '$T/tty.svr' > '$T/b' && cmp '$T/a' '$T/b'"
t "-q: no progress on a terminal" 0 sh -c "script -qec \"svrfit -q -m '$T/ttyq.svr' '$CURVE'\" /dev/null > '$T/tty.out'"
check "nothing on the terminal" test ! -s "$T/tty.out"
t "-q with -v: the table, no progress" 0 svrfit -q -v -j 1 -C 10 -g 1 -e 0.01 -m "$T/qv.svr" "$CURVE"
err_has "svrfit: 48 rows, 1 feature, target latency_ms, kernel rbf, 5-fold random CV, 1 grid points"
check "no progress line" sh -c "! grep -q 'grid 0/' '$T/err'"
t "--help lists -q" 0 svrfit --help
out_has "  -q, --quiet           no progress on stderr (shown when stderr is a terminal)"
# Issue 13: a model path that cannot be written fails before the grid search
t "-m in a missing directory: an error before training" 1 svrfit -m "$T/nodir/m.svr" "$CURVE"
err_is <<EOF
svrfit: $T/nodir/m.svr: cannot create: No such file or directory
EOF
out_is /dev/null
finish
