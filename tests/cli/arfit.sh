# arfit: CLI tests.  Expected numbers come from statsmodels (tests/ref/ar_cli.py)
# or are worked by hand; error cases pin the exact message and exit status.
. "$TOP/tests/cli/lib.sh"
R=$TOP/tests/ref
SYN='usage: arfit [-c NAME] [-m METHOD] [-p P | --ic CRIT [--max-order P]] [--no-intercept]
             [--max-radius R] [-d D] [--season S | --season auto [--season-after T]
             [--season-max T] [--season-min-acf A] [--season-min-rise R]] [-H H]
             [--level L | --quantiles LO,HI]
             [--bootstrap B] [--seed S] [--rolling [--window N]]
             [--save MODEL | --load MODEL] [--precision N] [-v] [FILE]
Try '"'arfit --help'"' for more information.'

# ---- forecasts against statsmodels -------------------------------------------
t "one-shot OLS AR(2), 5 steps (statsmodels AutoReg)" 0 arfit -p 2 -H 5 "$D/arfit-nasa.csv"
check "matches statsmodels" csv_close "$R/ar_cli_once.csv" "$T/out" 1e-8
err_empty

t "rolling one-step, window 60, p 3, 90 % (statsmodels refit loop)" 0 \
	arfit --rolling --window 60 -p 3 -c load --level 0.9 < "$D/arfit-two.csv"
cp "$T/out" "$T/roll1.csv"
check "matches statsmodels" csv_close "$R/ar_cli_roll.csv" "$T/roll1.csv" 1e-8

t "rolling long format, no intercept, H 3" 0 \
	arfit --rolling --window 60 -p 1 --no-intercept -H 3 -c load "$D/arfit-two.csv"
cp "$T/out" "$T/rollh.csv"
check "the band's level travels with it (80 %)" sh -c "head -n 1 '$T/rollh.csv' | grep -q ',upper,level\$' && awk -F, 'NR > 1 && \$NF != 0.8 { exit 1 }' '$T/rollh.csv'"
sed 's/,[^,]*$//' "$T/rollh.csv" > "$T/rollh-nolevel.csv"
check "matches statsmodels" csv_close "$R/ar_cli_rollh.csv" "$T/rollh-nolevel.csv" 1e-8

# rolling is causal: the forecast of row 61 equals a one-shot fit on rows 1..60
head -n 61 "$D/arfit-two.csv" > "$T/first60.csv"
t "one-shot on the first 60 rows" 0 arfit -p 3 -c load --level 0.9 "$T/first60.csv"
check "rolling row 61 = one-shot on rows 1..60" sh -c \
	"[ \"\$(sed -n 2p '$T/out' | cut -d, -f6-)\" = \"\$(sed -n 62p '$T/roll1.csv' | cut -d, -f4-)\" ]"

# the same for the refit-from-scratch path (Burg, order chosen by BIC)
head -n 41 "$D/arfit-two.csv" > "$T/first40.csv"
t "rolling Burg with --ic" 0 arfit --rolling --window 40 -m burg --ic bic --max-order 3 -c load "$D/arfit-two.csv"
cp "$T/out" "$T/rollb.csv"
t "one-shot Burg with --ic on the first 40 rows" 0 arfit -m burg --ic bic --max-order 3 -c load "$T/first40.csv"
check "rolling row 41 = one-shot on rows 1..40" sh -c \
	"[ \"\$(sed -n 2p '$T/out' | cut -d, -f6-)\" = \"\$(sed -n 42p '$T/rollb.csv' | cut -d, -f4-)\" ]"

# ---- a hand-made model: worked by hand ----------------------------------------
# y = 1, 2; c 10, phi (0.5, -0.25), sigma2 4: f = 10.75, 14.875, 14.75;
# psi = 1, 0.5, 0 -> sd 2, sqrt 5, sqrt 5; z(0.9) = 1.2815515655
printf 'timestamp,value\n60,1\n120,2\n' > "$T/two.csv"
t "--load: forecast with a saved model" 0 arfit --load "$D/arfit-hand.ar" -H 3 "$T/two.csv"
out_is <<'EOF'
origin,timestamp,horizon,value,forecast,lower,upper
120,180,1,2,10.75,8.186896869,13.31310313
120,240,2,2,14.875,12.00936358,17.74063642
120,300,3,2,14.75,11.88436358,17.61563642
EOF
t "--quantiles 0.5,0.975 and --precision 4" 0 arfit --load "$D/arfit-hand.ar" --quantiles 0.5,0.975 --precision 4 "$T/two.csv"
out_is <<'EOF'
origin,timestamp,horizon,value,forecast,lower,upper
120,180,1,2,10.75,10.75,14.67
EOF
t "--load --rolling: two rows are too few for a forecast (no empty success)" 1 arfit --load "$D/arfit-hand.ar" --rolling "$T/two.csv"
err_is <<'EOF'
arfit: too little data: a forecast needs at least 3 rows (a window of 2, horizon 1), have 2
EOF
out_is /dev/null
printf 'timestamp,value\n60,1\n120,2\n180,4\n' > "$T/three.csv"
t "--load --rolling: forecast once 2 rows of history" 0 arfit --load "$D/arfit-hand.ar" --rolling "$T/three.csv"
out_is <<'EOF'
timestamp,value,forecast,lower,upper
60,1,,,
120,2,,,
180,4,10.75,8.186896869,13.31310313
EOF

# ---- save / load round trip ----------------------------------------------------
t "--save" 0 arfit -m burg -p 3 -d 1 --save "$T/m.ar" -H 4 "$D/arfit-nasa.csv"
cp "$T/out" "$T/fit.csv"
check "model file kind" sh -c "head -n 1 '$T/m.ar' | grep -qx 'scalepipe-model ar 1'"
check "model file records the command" grep -q '^command .*arfit -m burg -p 3 -d 1' "$T/m.ar"
t "--load gives the same forecasts" 0 arfit --load "$T/m.ar" -H 4 "$D/arfit-nasa.csv"
out_is "$T/fit.csv"
t "-v prints the model to stderr" 0 arfit -v -p 1 --no-intercept "$D/arfit-nasa.csv"
err_has "arfit: ols AR(1), d 0, season 0, no intercept"
err_has "arfit: phi1 "
err_has "aic "

# ---- methods, differencing, order selection ---------------------------------------
for m in ols yw yw-mle burg; do
	t "method $m runs" 0 arfit -m "$m" -p 4 -H 2 "$D/arfit-nasa.csv"
	out_has "origin,timestamp,horizon,value,forecast,lower,upper"
done
t "--ic bic selects an order" 0 arfit --ic bic --max-order 6 -v "$D/arfit-nasa.csv"
err_has "arfit: ols AR("
t "seasonal differencing" 0 arfit --season 24 -d 1 -p 1 -H 30 "$D/arfit-nasa.csv"
check "30 horizons" sh -c "[ \$(wc -l < '$T/out') -eq 31 ]"

# ---- bootstrap -----------------------------------------------------------------
t "bootstrap intervals, seeded" 0 arfit -p 2 -H 3 --bootstrap 500 --seed 7 "$D/arfit-nasa.csv"
cp "$T/out" "$T/b1.csv"
t "same seed, same intervals" 0 arfit -p 2 -H 3 --bootstrap 500 --seed 7 "$D/arfit-nasa.csv"
out_is "$T/b1.csv"
check "bootstrap forecast column = analytic forecast column" sh -c \
	"[ \"\$(arfit -p 2 -H 3 '$D/arfit-nasa.csv' | cut -d, -f1-5)\" = \"\$(cut -d, -f1-5 '$T/b1.csv')\" ]"
check "bootstrap band brackets the forecast" awk -F, 'NR > 1 && !($6 < $5 && $5 < $7) { exit 1 }' "$T/b1.csv"
t "rolling bootstrap" 0 arfit --rolling --window 40 -p 2 --bootstrap 50 -c load "$D/arfit-two.csv"
check "rows 41.. have bands" awk -F, 'NR > 41 && !($5 < $4 && $4 < $6) { exit 1 } END { if (NR != 121) exit 1 }' "$T/out"

# ---- bad input ---------------------------------------------------------------------
t "empty input" 1 arfit < /dev/null
err_is <<'EOF'
arfit: empty input (expected a header line)
EOF
printf 'timestamp,value\n' > "$T/hdr.csv"
t "header only" 1 arfit "$T/hdr.csv"
err_is <<'EOF'
arfit: no data rows
EOF
t "header only, rolling" 1 arfit --rolling < "$T/hdr.csv"
err_is <<'EOF'
arfit: no data rows
EOF
printf 'timestamp,value\n60,1\n120,"2\n' > "$T/bad.csv"
t "malformed CSV" 1 arfit < "$T/bad.csv"
err_is <<'EOF'
arfit: row 2: malformed CSV: unterminated quoted field
EOF
printf 'timestamp,value\n60,1\n120,NaN\n180,3\n' > "$T/nan.csv"
t "NaN value" 1 arfit < "$T/nan.csv"
err_is <<'EOF'
arfit: row 2, column value: missing value
EOF
printf 'timestamp,value\n60,1\n120,abc\n' > "$T/abc.csv"
t "not a number" 1 arfit "$T/abc.csv"
err_is <<EOF
arfit: $T/abc.csv: row 2, column value: not a finite number: 'abc'
EOF
t "unknown column" 2 arfit -c nope < "$D/arfit-nasa.csv"
err_is <<EOF
arfit: no column 'nope' (have: timestamp, value)
$SYN
EOF
printf 'timestamp,value\n60,1\n120,2\n100,3\n' > "$T/mono.csv"
t "non-monotonic time" 1 arfit < "$T/mono.csv"
err_is <<'EOF'
arfit: row 3, column timestamp: timestamp 100 is before the previous row's 120
EOF
printf 'timestamp,value\n60,1\n120,2\n200,3\n' > "$T/irr.csv"
t "irregular time step" 1 arfit < "$T/irr.csv"
err_is <<'EOF'
arfit: row 3: irregular time step: 80 s after 60 s (resample the series first, e.g. window --resample)
EOF
head -n 6 "$D/arfit-nasa.csv" > "$T/five.csv"
t "too few points for the order" 1 arfit -p 3 < "$T/five.csv"
err_is <<'EOF'
arfit: need at least 8 points for order 3 (d 0, season 0), have 5
EOF
t "too few points with differencing" 1 arfit -p 1 --season 4 < "$T/five.csv"
err_is <<'EOF'
arfit: need at least 8 points for order 1 (d 0, season 4), have 5
EOF
t "rolling window too short for the order" 2 arfit --rolling --window 10 -p 12 < "$T/five.csv"
err_has "arfit: window 10 too short: need at least 26 points for order 12 (d 0, season 0)"
printf 'timestamp,value\n60,5\n120,5\n180,5\n240,5\n300,5\n360,5\n' > "$T/flat.csv"
t "constant series: OLS takes the minimum-norm solution" 0 arfit -p 1 "$T/flat.csv"
out_is <<'EOF'
origin,timestamp,horizon,value,forecast,lower,upper
360,420,1,5,5,5,5
EOF
# a linear fill (window --fill linear over an outage: NASA's, falling 0.2759 a
# step from 568, 10 significant digits), then the first real values: the
# first differences are one constant up to the last digits, fitted as a
# constant, not as phi of 1e7 with a forecast that overflows
awk 'BEGIN { print "timestamp,value"; for (i = 0; i < 300; i++) printf "%d,%.10g\n", 300 * i, 567.8469425 - 0.2759129123 * i
	printf "90000,%.10g\n90300,%.10g\n", 567.8469425 - 0.2759129123 * 299 - 85, 567.8469425 - 0.2759129123 * 299 - 165
	for (i = 302; i < 330; i++) printf "%d,%.10g\n", 300 * i, 400 + 20 * sin(i) }' > "$T/fill.csv"
t "-d 1 --rolling over a linear fill: finite forecasts" 0 arfit -d 1 --rolling --window 150 -H 24 --level 0.98 "$T/fill.csv"
check "the bands to the first real values bounded (|x| < 1e4, not the 1e7 coefficients' growth)" awk -F, 'NR > 1 && $1 <= 90300 && !($5 > -1e4 && $5 < 1e4 && $6 > -1e4 && $7 < 1e4 && $6 <= $5 && $7 >= $5) { bad++ } END { exit bad > 0 || NR < 4000 }' "$T/out"
head -n 302 "$T/fill.csv" | tail -n 150 | sed '1i timestamp,value' > "$T/fill-w.csv"
t "-d 1 on the fill and the first real value: the lags are constant" 0 arfit -d 1 -v "$T/fill-w.csv"
err_has "arfit: phi1 0"
err_has "arfit: phi2 0"
# an explosive fit (growth by 10 % a row, fitted exactly: phi 1.1) is damped
# to spectral radius 1 (--max-radius): phi 1, the intercept the mean step,
# a straight line ahead instead of 1.1^h; --max-radius 0 is statsmodels' fit
awk 'BEGIN { print "timestamp,value"; v = 100; for (i = 0; i < 40; i++) { printf "%d,%.10g\n", 60 * i, v; v *= 1.1 } }' > "$T/grow.csv"
t "explosive fit: damped to radius 1" 0 arfit -p 1 -H 2 -v "$T/grow.csv"
err_has "arfit: phi1 1"
err_has "arfit: explosive fit (spectral radius 1.1): phi damped to --max-radius"
check "explosive fit: the next steps on the line of the mean step" awk -F, -v s="$(awk -F, 'NR == 2 { a = $2 } END { printf "%.10g", ($2 - a) / (NR - 2) }' "$T/grow.csv")" \
	'NR > 1 { d = $5 - ($4 + ($3) * s); if (d < -1e-4 || d > 1e-4) exit 1; n++ } END { exit n != 2 }' "$T/out"
t "--max-radius 0: the least-squares fit (statsmodels)" 0 arfit -p 1 --max-radius 0 -v "$T/grow.csv"
err_has "arfit: phi1 1.1"
check "--max-radius 0: nothing said of damping" sh -c '! grep -q explosive "$1"' sh "$T/err"
t "--max-radius 1.2: 1.1 is below it" 0 arfit -p 1 --max-radius 1.2 -v "$T/grow.csv"
err_has "arfit: phi1 1.1"
t "--rolling -v: how many fits were damped" 0 arfit -p 1 --rolling --window 20 -v "$T/grow.csv"
err_has "arfit: 20 of 20 fits explosive, damped to --max-radius 1"
t "--max-radius negative" 2 arfit --max-radius -1 "$T/grow.csv"
err_has "--max-radius"
t "--max-radius 0 --rolling -v: no count (nothing is checked)" 0 arfit -p 1 --max-radius 0 --rolling --window 20 -v "$T/grow.csv"
check "--max-radius 0: no damping line" sh -c '! grep -q explosive "$1"' sh "$T/err"
t "--rolling -v with burg: no count (stationary by construction)" 0 arfit -m burg -p 1 --rolling --window 20 -v "$T/grow.csv"
check "burg: no damping line" sh -c '! grep -q explosive "$1"' sh "$T/err"
t "--max-radius with -m yw-mle" 2 arfit -m yw-mle --max-radius 1 "$T/grow.csv"
err_has "arfit: --max-radius is for --method ols and yw (yw-mle and burg fits are stationary by construction)"
t "--max-radius with -m burg" 2 arfit -m burg --max-radius 0 "$T/grow.csv"
err_has "arfit: --max-radius is for --method ols and yw"
# the adjusted Yule-Walker equations (autocovariances over n - k) are not
# always positive definite: on half a sine wave, sin(pi t / 11) for
# t = 1..10, without intercept, phi = (10 / 9) cos(pi / 11) = 1.0661 (an
# explosive fit) and the innovation variance is negative.  Damped (the
# default): phi 1, the forecast flat at the last value, sigma2 the residuals'
# mean square; --max-radius 0 or above the radius: refused, with what to do.
# yw-mle (phi cos(pi / 11)) and burg are stationary.
awk 'BEGIN { print "timestamp,value"; for (t = 1; t <= 10; t++) printf "%d,%.17g\n", 300 * t, sin(3.14159265358979324 * t / 11) }' > "$T/half.csv"
t "yw, explosive: damped to radius 1" 0 arfit -m yw -p 1 --no-intercept -H 3 -v "$T/half.csv"
err_has "arfit: phi1 1"
err_has "arfit: explosive fit (spectral radius $(awk 'BEGIN { printf "%.10g", 10 / 9 * cos(3.14159265358979324 / 11) }')): phi damped to --max-radius"
err_has "arfit: sigma2 $(awk -F, 'NR > 2 { s += ($2 - p) ^ 2 } NR > 1 { p = $2 } END { printf "%.10g", s / 9 }' "$T/half.csv") nobs 9"
check "yw, damped: the forecasts flat at the last value" awk -F, -v l="$(tail -n 1 "$T/half.csv" | cut -d, -f2)" \
	'NR > 1 { d = $5 - l; if (d < -1e-9 || d > 1e-9) exit 1; n++ } END { exit n != 3 }' "$T/out"
t "yw, explosive, --max-radius 0: refused" 1 arfit -m yw -p 1 --no-intercept --max-radius 0 "$T/half.csv"
err_is <<'EOF'
arfit: yw AR(1): the adjusted autocovariances are not positive definite (innovation variance -0.0751169, an explosive fit): fit it with yw-mle or burg, or damp it to a max radius
EOF
check "refused: nothing written" test ! -s "$T/out"
t "yw, explosive, --max-radius 1.1 (above the radius): refused" 1 arfit -m yw -p 1 --no-intercept --max-radius 1.1 "$T/half.csv"
err_has "not positive definite"
t "yw-mle on the half wave: stationary" 0 arfit -m yw-mle -p 1 --no-intercept -v "$T/half.csv"
err_has "arfit: phi1 $(awk 'BEGIN { printf "%.10g", cos(3.14159265358979324 / 11) }')"
check "yw-mle: nothing said of damping" sh -c '! grep -q explosive "$1"' sh "$T/err"
{ cat "$T/half.csv"; echo 3300,0; } > "$T/half1.csv"
t "--rolling -v with yw: the window of the half wave damped, and counted" 0 arfit -m yw -p 1 --no-intercept --rolling --window 10 -v "$T/half1.csv"
err_has "arfit: 1 of 1 fits explosive, damped to --max-radius 1"
check "--rolling yw: the damped forecast, the last value" awk -F, -v l="$(tail -n 1 "$T/half.csv" | cut -d, -f2)" \
	'END { d = $3 - l; exit d < -1e-9 || d > 1e-9 || NR != 12 }' "$T/out"
t "--max-radius with --load" 2 arfit --max-radius 2 --load "$T/none.model" "$T/grow.csv"
err_has "--load uses the model's own specification"
t "constant series: Burg cannot fit" 1 arfit -m burg -p 1 "$T/flat.csv"
err_is <<'EOF'
arfit: cannot fit burg AR(1): the series is constant after differencing
EOF
t "text column" 1 arfit -c host "$D/arfit-two.csv"
err_has "row 1, column host: not a finite number: 'web-1'"
t "missing file" 1 arfit /nonexistent/x.csv
err_is <<'EOF'
arfit: /nonexistent/x.csv: No such file or directory
EOF

# ---- model files ----------------------------------------------------------------------
t "corrupt model file" 1 arfit --load "$D/arfit-corrupt.ar" < "$D/arfit-nasa.csv"
err_is <<EOF
arfit: $D/arfit-corrupt.ar:8: 'phi' value 2 is not a finite number: 'zz'
EOF
t "truncated model file" 1 arfit --load "$D/arfit-truncated.ar" < "$D/arfit-nasa.csv"
err_is <<EOF
arfit: $D/arfit-truncated.ar:8: truncated file (no 'end' line)
EOF
out_is /dev/null
t "missing model file" 1 arfit --load "$T/none.ar" < "$D/arfit-nasa.csv"
err_has "none.ar"
printf 'timestamp,value\n60,1\n' > "$T/one.csv"
t "history shorter than the loaded model needs" 1 arfit --load "$D/arfit-hand.ar" "$T/one.csv"
err_is <<EOF
arfit: need at least 2 rows to know the time step
EOF
head -n 4 "$D/arfit-nasa.csv" > "$T/three-rows.csv"
t "history shorter than the loaded model needs" 1 arfit --load "$T/m.ar" "$T/three-rows.csv"
err_is <<EOF
arfit: need at least 4 rows of history for the model $T/m.ar, have 3
EOF
t "--load --rolling long format: too few rows for an origin" 1 arfit --load "$T/m.ar" --rolling -H 2 "$T/three-rows.csv"
err_is <<'EOF'
arfit: too little data: a forecast needs at least 4 rows (a window of 4), have 3
EOF
head -n 5 "$D/arfit-nasa.csv" > "$T/four-rows.csv"
t "--load --rolling long format, first origin" 0 arfit --load "$T/m.ar" --rolling -H 2 "$T/four-rows.csv"
check "one origin, two horizons" sh -c "[ \$(wc -l < '$T/out') -eq 3 ] && sed -n 2p '$T/out' | grep -q '^804571380,804571440,1,71,'"
mkdir "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" != 0 ]; then
	t "--save into an unwritable directory" 1 arfit -p 1 --save "$T/ro/m.ar" "$D/arfit-nasa.csv"
	err_has "$T/ro/m.ar"
	out_is /dev/null
fi
t "--save into a missing directory" 1 arfit -p 1 --save "$T/nodir/m.ar" "$D/arfit-nasa.csv"
err_has "$T/nodir/m.ar"
out_is /dev/null
: > "$T/afile"
t "--save below a regular file" 1 arfit -p 1 --save "$T/afile/m.ar" "$D/arfit-nasa.csv"
err_has "$T/afile/m.ar"
out_is /dev/null
mkdir "$T/sv"
t "--save when the fit fails" 1 arfit -m burg -p 1 --save "$T/sv/m.ar" "$T/flat.csv"
check "no model and no temporary file" sh -c "[ -z \"\$(ls -A '$T/sv')\" ]"
check "nothing left behind" sh -c "[ -z \"\$(ls '$T/ro')\" ] && [ ! -e '$T/nodir' ]"

# ---- usage -------------------------------------------------------------------------------
t "unknown option" 2 arfit --bogus
err_has "unrecognized option '--bogus'"
err_has "Try 'arfit --help' for more information."
t "out-of-range order" 2 arfit -p 1000
err_is <<EOF
arfit: --order: 1000 is out of range [0, 256]
$SYN
EOF
t "out-of-range level" 2 arfit --level 1
err_is <<EOF
arfit: --level: must be strictly between 0 and 1
$SYN
EOF
t "bad horizon" 2 arfit -H 0
err_has "arfit: --horizon: 0 is out of range [1, 100000]"
t "bad quantiles" 2 arfit --quantiles 0.9,0.1
err_has "arfit: --quantiles: need 0 < LO < HI < 1"
t "--level with --quantiles" 2 arfit --level 0.9 --quantiles 0.1,0.9
err_has "arfit: --level and --quantiles are exclusive"
t "--order with --ic" 2 arfit -p 2 --ic aic
err_has "arfit: --order and --ic are exclusive"
t "bad method" 2 arfit -m mle
err_has "arfit: --method: invalid choice 'mle' (one of: ols, yw, yw-mle, burg)"
t "--season 1" 2 arfit --season 1
err_has "arfit: --season: must be 0 or at least 2"
t "--save with --load" 2 arfit --save a --load b
err_has "arfit: --save and --load are exclusive"
t "--save with --rolling" 2 arfit --save a --rolling
err_has "arfit: --save does not go with --rolling"
t "--load with a model option" 2 arfit --load "$D/arfit-hand.ar" -p 3
err_has "arfit: --load uses the model's own specification"
t "extra argument" 2 arfit a b
err_has "arfit: unexpected argument 'b'"
t "--help" 0 arfit --help
out_has "usage: arfit"
t "--version" 0 arfit --version
out_has "arfit (scalepipe)"

# ---- output errors ---------------------------------------------------------------------------
t "write error" 1 sh -c "arfit -p 2 -H 50 '$D/arfit-nasa.csv' > /dev/full"
err_has "arfit: write error"
t "write error, rolling" 1 sh -c "arfit --rolling --window 50 '$D/arfit-nasa.csv' > /dev/full"
err_has "arfit: write error"

# ---- rolling through the forecaster interface (sp_fc_ar, sp_fcroll) ------------------------
t "-v rolling: rows, forecasts made, the last model" 0 arfit --rolling --window 60 -p 3 -c load -v "$D/arfit-two.csv"
err_has "arfit: 120 rows, 60 forecast origins"
err_has "arfit: ols AR(3), d 0, season 0, with intercept"
t "-v rolling, long: every origin" 0 arfit --rolling --window 60 -p 3 -c load -H 4 -v "$D/arfit-two.csv"
err_has "arfit: 120 rows, 61 forecast origins"
# a loaded model that needs one value: origins from the second row (the
# step known there), the rows of forecast -m
arfit -p 1 --save "$T/ar1.ar" "$D/arfit-nasa.csv" > /dev/null
t "--load --rolling, AR(1): the rows of forecast -m" 0 arfit --load "$T/ar1.ar" --rolling "$T/three.csv"
check "first forecast at the third row" sh -c "sed -n 3p '$T/out' | grep -qx '120,2,,,' && sed -n 4p '$T/out' | grep -q '^180,4,[0-9]'"
check "= forecast -m" sh -c "forecast -m '$T/ar1.ar' '$T/three.csv' | cmp - '$T/out'"
t "--load --rolling -H 2, AR(1): the rows of forecast --long" 0 arfit --load "$T/ar1.ar" --rolling -H 2 "$T/three.csv"
check "origins at rows 2 and 3" sh -c "[ \$(wc -l < '$T/out') -eq 5 ] && sed -n 2p '$T/out' | grep -q '^120,180,1,2,'"
check "= forecast --long" sh -c "forecast -m '$T/ar1.ar' --long --horizon 2 '$T/three.csv' | cmp - '$T/out'"

# Issue 13: no empty success; issue 14: non-finite arithmetic is an error.
head -n 22 "$D/arfit-nasa.csv" > "$T/21.csv"
t "--rolling --window 336 on 21 rows is an error" 1 arfit --rolling --window 336 "$T/21.csv"
err_is <<'EOF'
arfit: too little data: a forecast needs at least 337 rows (a window of 336, horizon 1), have 21
EOF
out_is /dev/null
t "--rolling --window 21 on 21 rows: one more row needed" 1 arfit --rolling --window 21 "$T/21.csv"
err_has "needs at least 22 rows (a window of 21, horizon 1), have 21"
t "--rolling --window 20 on 21 rows: one forecast" 0 arfit --rolling --window 20 "$T/21.csv"
out_has "804572400,80,58.97328314,35.4017272,82.54483907"
awk 'BEGIN { print "timestamp,load"; for (i = 1; i <= 30; i++) print 1700000000 + 60 * i "," (i % 2 ? "-1e308" : "1e308") }' > "$T/huge.csv"
t "values near 1e308: no inf forecast" 1 arfit "$T/huge.csv"
err_is <<'EOF'
arfit: the model or its forecast is not finite (the values overflow the model's arithmetic; rescale the series)
EOF
out_is /dev/null
# (an overflow, or under valgrind's arithmetic "constant after differencing": an error either way)
t "values near 1e308 (yw): no empty forecast" 1 arfit -m yw "$T/huge.csv"
out_is /dev/null
t "values near 1e308 (bootstrap): no overflowed band" 1 arfit --bootstrap 20 -H 2 "$T/huge.csv"
err_has "is not finite"
t "values near 1e308, rolling: an error naming the row" 1 arfit --rolling --window 10 "$T/huge.csv"
err_is <<'EOF'
arfit: row 10: the forecast of horizon 1 is not finite (the values overflow the model's arithmetic; rescale the series)
EOF
# Issue 20: --by NAME, a model per key in one process.
# keysplit (lib.sh): keyed runs against runs of one key alone.
keysplit "--by --rolling: a model per key" 2 0 "$D/fleet-3.csv" arfit -c load --rolling --window 20 -p 2
keysplit "--by --rolling -H 3 --bootstrap: a generator per key" 4 0 "$D/fleet-3.csv" \
    arfit -c load --rolling --window 30 -p 1 -H 3 --bootstrap 50 --seed 7
keysplit "--by: one fit per key, long rows" 4 0 "$D/fleet-3.csv" arfit -c load -H 3 --ic aic --max-order 4
# the layout and the error paths: the plain and sanitizer builds
if [ -z "${SP_VALGRIND:-}" ]; then
t "--by: the default column is the first that is not the key" 0 arfit --by series -H 1 "$D/fleet-3.csv"
out_is <<'E'
origin,timestamp,horizon,series,load,forecast,lower,upper
1700004780,1700004840,1,web,117.672,118.2278393,111.1446679,125.3110108
1700004780,1700004840,1,db,202.162,202.6772381,194.4219744,210.9325018
1700004780,1700004840,1,cache,317.298,311.526554,304.753259,318.299849
E
printf 'timestamp,series,load\n0,a,1\n0,b,2\n60,a,2\n60,b,3\n180,a,4\n' > "$T/irr.csv"
t "--by: the step is checked per key" 1 arfit --by series --rolling --window 2 -p 0 < "$T/irr.csv"
err_is <<'E'
arfit: row 5: irregular time step: 120 s after 60 s (key 'a') (resample the series first, e.g. window --resample)
E
printf 'timestamp,series,load\n0,a,1\n60,a,2\n0,b,2\n60,b,3\n30,b,3\n' > "$T/back.csv"
t "--by: time order per key" 1 arfit --by series < "$T/back.csv"
err_is <<'E'
arfit: row 5, column timestamp: timestamp 30 is before 60, the previous row of key 'b'
E
printf 'timestamp,series,load\n0,a,1\n60,a,2\n0,b,2\n' > "$T/short.csv"
t "--by: a key with one row" 1 arfit --by series -p 0 < "$T/short.csv"
err_is <<'E'
arfit: key 'b': need at least 2 rows to know the time step
E
t "--by --rolling: a key with too few rows" 1 arfit --by series --rolling --window 5 -p 1 < "$T/short.csv"
err_has "arfit: key 'a': too little data"
# one key too short (a new workload) fails only itself: the others are
# forecast, the short one is skipped with a warning; with --state its rows
# are kept, and it is forecast once it has enough
awk -F, 'NR == 1 || $2 == "web"' "$D/fleet-3.csv" > "$T/webonly.csv"
{ cat "$T/webonly.csv"; awk -F, 'NR > 1 && $2 == "web" { print $1 ",new," $3 }' "$D/fleet-3.csv" | head -n 3; } > "$T/newkey.csv"
t "--by --rolling: a key too short is skipped, the others go on" 0 arfit --by series --rolling --window 20 -p 2 -c load "$T/newkey.csv"
err_is <<'E'
arfit: warning: key 'new': too little data: a forecast needs at least 21 rows (a window of 20, horizon 1), have 3: skipped
E
check "the other key's rows are its run alone; the short key's rows without a forecast" sh -c "
	grep -v ',new,' '$T/out' > '$T/web.out' && arfit --by series --rolling --window 20 -p 2 -c load '$T/webonly.csv' | cmp - '$T/web.out' &&
	[ \$(grep -c ',new,.*,,,\$' '$T/out') = 3 ]"
# with --state, every key too short is no error: each skipped with its
# warning, its rows without a forecast, the rows kept (a young fleet's tick)
rm -f "$T/allshort.state"
awk -F, 'NR <= 31' "$D/fleet-3.csv" > "$T/allshort1.csv"
t "--by --rolling --state: every key too short: warnings, no forecast, the rows kept" 0 \
	arfit --by series --rolling --window 20 -p 2 -c load --state "$T/allshort.state" "$T/allshort1.csv"
err_has "arfit: warning: key 'web': too little data"
check "... every row, none with a forecast" sh -c "[ \$(grep -c ',,,\$' '$T/out') = 30 ] && [ \$(wc -l < '$T/out') = 31 ]"
cp "$T/out" "$T/allshort.out1"
awk -F, 'NR == 1 || NR > 31' "$D/fleet-3.csv" > "$T/allshort2.csv"
t "--by --rolling --state: then the rest" 0 \
	arfit --by series --rolling --window 20 -p 2 -c load --state "$T/allshort.state" "$T/allshort2.csv"
check "... the two runs' rows are one run's over all" sh -c "{ cat '$T/allshort.out1'; tail -n +2 '$T/out'; } |
	cmp - \"\$(arfit --by series --rolling --window 20 -p 2 -c load '$D/fleet-3.csv' > '$T/allshort.one' && echo '$T/allshort.one')\""
rm -f "$T/allshort3.state"
t "--by --rolling -H 3 --state: every key too short: the header alone" 0 \
	arfit --by series --rolling --window 20 -p 2 -H 3 -c load --state "$T/allshort3.state" "$T/allshort1.csv"
check "... one line" [ "$(wc -l < "$T/out")" = 1 ]
t "--by --rolling without --state: every key too short is an error" 1 \
	arfit --by series --rolling --window 20 -p 2 -c load "$T/allshort1.csv"
t "--by --rolling --state: the short key's rows kept" 0 arfit --by series --rolling --window 20 -p 2 -c load --state "$T/nk.state" "$T/newkey.csv"
awk -F, 'NR == 1 || $2 == "web"' "$D/fleet-3.csv" | awk -F, 'NR == 1 { print; next } { print $1 ",new," $3 }' |
	sed -n '1p;5,$p' > "$T/newkey2.csv"
t "--by --rolling --state: forecast once it has enough rows" 0 arfit --by series --rolling --window 20 -p 2 -c load --state "$T/nk.state" "$T/newkey2.csv"
err_empty
check "the same as one run over all its rows" sh -c "awk -F, 'NR == 1 || \$2 == \"web\"' '$D/fleet-3.csv' |
	awk -F, 'NR == 1 { print; next } { print \$1 \",new,\" \$3 }' | arfit --by series --rolling --window 20 -p 2 -c load |
	awk -F, 'NR == FNR { if (FNR > 1) s[\$0] = 1; next } FNR > 1 && !(\$0 in s) { exit 1 }' - '$T/out' &&
	[ \$(wc -l < '$T/out') -gt 1 ]"
t "--by with --save" 2 arfit --by series --save "$T/m.ar" "$D/fleet-3.csv"
err_has "arfit: --save does not go with --by"
t "--by names the key as -c" 2 arfit --by series -c series "$D/fleet-3.csv"
err_has "arfit: -c: 'series' is the key column (--by)"
t "--by: no such column" 2 arfit --by nope "$D/fleet-3.csv"
err_has "no column 'nope'"
fi

# ---- --forget: a key that stops is left out of the state ----
awk -F, 'NR == 1 || $1 < 1700003000' "$D/fleet-3.csv" > "$T/fg-a.csv"
awk -F, 'NR == 1 || ($1 >= 1700003000 && $2 != "cache")' "$D/fleet-3.csv" > "$T/fg-b.csv"
rm -f "$T/fg1.state"
arfit --by series --rolling --window 20 -p 2 -c load --state "$T/fg1.state" "$T/fg-a.csv" > /dev/null
cp "$T/fg1.state" "$T/fg2.state"
cp "$T/fg1.state" "$T/fg3.state"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the run that forgets only
	t "--forget: without it, the key that stopped stays" 0 arfit --by series --rolling --window 20 -p 2 -c load --state "$T/fg1.state" "$T/fg-b.csv"
	cp "$T/out" "$T/fgout1"
	check "--forget: cache kept without it" grep -qx 'key cache' "$T/fg1.state"
fi
t "--forget 20m: the key silent for longer is forgotten" 0 arfit --by series --rolling --window 20 -p 2 -c load --state "$T/fg2.state" --forget 20m "$T/fg-b.csv"
[ -n "${SP_VALGRIND:-}" ] || out_is "$T/fgout1"
err_is <<'EOF'
arfit: warning: key 'cache': no row for 20m: forgotten
EOF
check "--forget: cache gone from the state" sh -c "! grep -q '^key cache' '$T/fg2.state' && grep -qx 'keys 2' '$T/fg2.state'"
if [ -z "${SP_VALGRIND:-}" ]; then
	t "--forget 1d: nothing that old, the state as without it" 0 arfit --by series --rolling --window 20 -p 2 -c load --state "$T/fg3.state" --forget 1d "$T/fg-b.csv"
	err_empty
	check "--forget 1d: the same state" cmp "$T/fg1.state" "$T/fg3.state"
fi
for bad in 0 -5m 1x ''; do
	t "--forget '$bad': usage" 2 arfit --by series --rolling --window 20 -p 2 -c load --state "$T/fg3.state" --forget "$bad" "$T/fg-b.csv"
	err_has "arfit: --forget: not a duration: '$bad'"
done

# ---- --season auto: the period found in the data -------------------------------
# an hourly cycle (12 rows at 5 minutes) and noise, 3 days; and noise alone
awk 'BEGIN { srand(7); print "timestamp,load"
	for (i = 0; i < 864; i++) printf "%d,%.4f\n", 1700000000 + 300 * i, 100 + 30 * sin(2 * 3.141592653589793 * i / 12) + 8 * (rand() - 0.5) }' > "$T/hourly.csv"
awk 'BEGIN { srand(9); print "timestamp,load"
	for (i = 0; i < 864; i++) printf "%d,%.4f\n", 1700000000 + 300 * i, 100 + 8 * (rand() - 0.5) }' > "$T/noise.csv"
SA="--rolling -H 3 --window 100 --season auto --season-after 1d"
t "--season auto --rolling: the period of the first day" 0 arfit $SA -v "$T/hourly.csv"
err_has "arfit: season auto: period 12 rows (autocorrelation 0."
cp "$T/out" "$T/sa.csv"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the runs of the new code paths only
arfit --rolling -H 3 --window 100 "$T/hourly.csv" > "$T/sa0.csv"
head -n 568 "$T/sa.csv" > "$T/sa-a.csv"; head -n 568 "$T/sa0.csv" > "$T/sa0-a.csv"
arfit --rolling -H 3 --window 100 --season 12 "$T/hourly.csv" > "$T/sa12.csv"
tail -n +569 "$T/sa.csv" > "$T/sa-b.csv"; tail -n +569 "$T/sa12.csv" > "$T/sa12-b.csv"
# the first day's 288 rows are origins 100..288 (row 100 the first full
# window): 189 origins x 3 rows; from row 289 on, the seasonal fit
check "before the day: as without a season" cmp "$T/sa-a.csv" "$T/sa0-a.csv"
check "the first origin after it differs" sh -c "! cmp -s '$T/sa.csv' '$T/sa0.csv'"
check "after the day: as --season 12 (to 1e-9)" csv_close "$T/sa12-b.csv" "$T/sa-b.csv" 1e-9
check "the rows after the day differ from no season" sh -c "[ \"\$(sed -n 569p '$T/sa.csv')\" != \"\$(sed -n 569p '$T/sa0.csv')\" ]"
t "--season auto --rolling: noise has no period" 0 arfit $SA -v "$T/noise.csv"
err_has "arfit: season auto: no period (no autocorrelation peak of 0.5 or more, rising 0.25 or more)"
arfit --rolling -H 3 --window 100 "$T/noise.csv" > "$T/n0.csv"
check "noise: as without a season" cmp "$T/out" "$T/n0.csv"
t "--season auto: a span longer than the input, no period yet" 0 arfit --rolling -H 3 --window 100 --season auto -v "$T/hourly.csv"
err_has "arfit: season auto: no period yet (864 rows in this run)"
t "--season-min-acf 0.99: no period" 0 arfit $SA --season-min-acf 0.99 -v "$T/hourly.csv"
err_has "no period (no autocorrelation peak of 0.99 or more"
t "--season-min-rise 1.99: no period" 0 arfit $SA --season-min-rise 1.99 -v "$T/hourly.csv"
err_has "no period (no autocorrelation peak of 0.5 or more, rising 1.99 or more)"
t "--season-min-rise 0: the period" 0 arfit $SA --season-min-rise 0 -v "$T/hourly.csv"
err_has "season auto: period 12 rows"
t "--season-min-rise out of range" 2 arfit --season auto --season-min-rise 3 "$T/hourly.csv"
t "--season-max 50m: periods up to 10 rows, none" 0 arfit $SA --season-max 50m -v "$T/hourly.csv"
err_has "no period (no autocorrelation peak"
# the period is capped by the window: N rows fit AR(2) with an intercept
# and a season of N - 6 at most (sp_ar_min_points)
t "--season auto: a window of 18 fits the period 12" 0 arfit --rolling --window 18 --season auto --season-after 1d -v "$T/hourly.csv"
err_has "season auto: period 12 rows"
t "--season auto: a window of 17 does not" 0 arfit --rolling --window 17 --season auto --season-after 1d -v "$T/hourly.csv"
err_has "season auto: no period"
fi

# --state: slices (the first before the period is found, so the state
# carries the day's values) = one run; and the period stays fixed
rm -f "$T/sa.state"
head -n 201 "$T/hourly.csv" > "$T/h200.csv"
head -n 501 "$T/hourly.csv" > "$T/h500.csv"
arfit $SA --state "$T/sa.state" "$T/h200.csv" > "$T/sl1.csv" 2> "$T/err"
check "state before the period: the values so far" sh -c "grep -qx 'season_period -1' '$T/sa.state' && grep -qx 'season_n 200' '$T/sa.state'"
arfit $SA --state "$T/sa.state" "$T/h500.csv" > "$T/sl2.csv" 2>> "$T/err"
check "state after: the period" grep -qx 'season_period 12' "$T/sa.state"
t "--season auto --state: the last slice" 0 arfit $SA --state "$T/sa.state" "$T/hourly.csv"
{ cat "$T/sl1.csv"; tail -n +2 "$T/sl2.csv"; tail -n +2 "$T/out"; } > "$T/sl.csv"
check "slices = one run" cmp "$T/sl.csv" "$T/sa.csv"
cp "$T/sa.state" "$T/sa-keep.state"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the runs of the new code paths only
t "the period is kept: a state with period 12 on noise" 0 arfit $SA --state "$T/sa.state" -v "$T/noise.csv"
err_has "season auto: period 12 rows"
cp "$T/sa-keep.state" "$T/sa2.state"
t "a state of other --season-after: warning, cold start" 0 arfit $SA --season-after 2d --state "$T/sa2.state" "$T/h500.csv"
err_has "state written with --season auto over 86400 s, periods up to 86400 s, autocorrelation 0.5, rise 0.25; not 172800 s, 86400 s, 0.5, 0.25"
err_has "recomputing from the input"
cp "$T/sa-keep.state" "$T/sa3.state"
t "a state of --season auto read without it: warning, cold start" 0 arfit --rolling -H 3 --window 100 --state "$T/sa3.state" "$T/h500.csv"
err_has "recomputing from the input"
arfit --rolling -H 3 --window 100 --state "$T/sa4.state" "$T/h200.csv" > /dev/null
t "a state without --season auto read with it: warning, cold start" 0 arfit $SA --state "$T/sa4.state" "$T/h500.csv"
err_has "recomputing from the input"
fi
arfit $SA --state "$T/sa5.state" "$T/h200.csv" > /dev/null
sed -i 's/^season_y \([^ ]*\) [^ ]*/season_y \1 nan/' "$T/sa5.state"
t "a state with a NaN value: warning, cold start" 0 arfit $SA --state "$T/sa5.state" "$T/h500.csv"
err_has "$T/sa5.state:11: season_y: value 2 is not finite"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the runs of the new code paths only
cp "$T/sa-keep.state" "$T/sa6.state"
sed -i 's/^season_period 12/season_period 1/' "$T/sa6.state"
t "a state with period 1: warning, cold start" 0 arfit $SA --state "$T/sa6.state" "$T/h500.csv"
err_has "$T/sa6.state:8: season_period: 1 is not a period"
cp "$T/sa-keep.state" "$T/sa7.state"
sed -i 's/^season_period 12/season_period 5000/' "$T/sa7.state"
t "a state with a period the window cannot fit: warning, cold start" 0 arfit $SA --state "$T/sa7.state" "$T/h500.csv"
err_has "$T/sa7.state:8: season_period: 5000 does not fit the window of 100 rows"
fi

# once: the period of every row, the fit as --season 12
t "--season auto once: the period of every row" 0 arfit -H 4 --season auto -v "$T/hourly.csv"
err_has "arfit: season auto: period 12 rows (autocorrelation 0.9"
arfit -H 4 --season 12 "$T/hourly.csv" > "$T/o12.csv"
check "once: as --season 12" cmp "$T/out" "$T/o12.csv"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the runs of the new code paths only
t "--season auto once: noise, as without a season" 0 arfit -H 4 --season auto "$T/noise.csv"
arfit -H 4 "$T/noise.csv" > "$T/o0.csv"
check "once noise: as no season" cmp "$T/out" "$T/o0.csv"
fi
awk -F, -v OFS=, 'NR == 1 { print $0, "k"; next } { print $0, "a"; print $1, 100 + (NR % 7), "b" }' "$T/hourly.csv" > "$T/keys.csv"
t "--season auto --by: a period per key" 0 arfit --by k -H 2 --season auto -v "$T/keys.csv"
err_has "key 'a': season auto: period 12 rows"
err_has "key 'b': season auto: period 7 rows"

t "--season-after without --season auto" 2 arfit --season-after 1d "$T/hourly.csv"
err_has "--season-after, --season-max, --season-min-acf and --season-min-rise need --season auto"
t "--season-max: not a duration" 2 arfit --season auto --season-max soon "$T/hourly.csv"
err_has "--season-max: not a duration: 'soon'"
t "--season-min-acf out of range" 2 arfit --season auto --season-min-acf 2 "$T/hourly.csv"
t "--season auto with --load" 2 arfit --season auto --load "$T/none.model" "$T/hourly.csv"
err_has "--load uses the model's own specification"
finish
