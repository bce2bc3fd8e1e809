# CLI tests of window: every option, and every bad input.
. "$TOP/tests/cli/lib.sh"

# ---- resampling: every aggregation (bins at the epoch, stamped with their start)
t "resample mean, empty bin missing" 0 window --resample 60 < "$D/win-basic.csv"
out_is <<'E'
timestamp,load
0,3
60,7
120,9
180,
240,11
E
err_empty
for a in "sum 9 7" "min 1 7" "max 5 7" "count 3 1" "first 1 7" "last 5 7" "median 3 7"; do
	set -- $a
	t "resample $1" 0 window --resample 60 --agg "$1" < "$D/win-basic.csv"
	out_has "0,$2
60,$3"
done
t "count of an empty bin is 0" 0 window --resample 60 --agg count < "$D/win-basic.csv"
out_has "180,0"
t "quantile 0.25 (linear interpolation)" 0 window --resample 60 --agg quantile --quantile 0.25 < "$D/win-basic.csv"
out_has "0,2
60,7"
t "resample 120 s" 0 window --resample 120 < "$D/win-basic.csv"
out_is <<'E'
timestamp,load
0,4
120,9
240,11
E
t "RFC 3339 in, Unix seconds out" 0 window < "$D/win-rfc3339.csv"
out_is <<'E'
timestamp,load
1704067200,1
1704067230,3
1704067260,5
1704067290,7
E
t "RFC 3339 resampled" 0 window --resample 60 < "$D/win-rfc3339.csv"
out_is <<'E'
timestamp,load
1704067200,2
1704067260,6
E
t "pass-through keeps other columns and quoting" 0 window < "$D/win-basic.csv"
out_is "$D/win-basic.csv"
t "file argument" 0 window "$D/win-basic.csv"
out_is "$D/win-basic.csv"
t "-c picks the column; others pass through" 0 window -c load --normalize minmax < "$D/win-basic.csv"
out_is <<'E'
timestamp,load,host
0,0,a
20,0.2,a
50,0.4,b
60,0.6,"c,d"
130,0.8,e
250,1,f
E

# ---- gaps
t "fill linear, per column, by time" 0 window -a --fill linear < "$D/win-gaps.csv"
out_is <<'E'
timestamp,load,cpu
0,1,10
60,2,20
120,3,30
180,4,40
240,5,42.85714286
600,6,60
E
t "fill linear with --max-gap" 0 window -a --fill linear --max-gap 200 < "$D/win-gaps.csv"
out_has "240,5,
600"
t "fill previous with --max-gap" 0 window -a --fill previous --max-gap 60 < "$D/win-gaps.csv"
out_is <<'E'
timestamp,load,cpu
0,1,10
60,1,20
120,,20
180,4,40
240,5,40
600,6,60
E
t "fill zero" 0 window -a --fill zero < "$D/win-gaps.csv"
out_is <<'E'
timestamp,load,cpu
0,1,10
60,0,20
120,0,0
180,4,40
240,5,0
600,6,60
E
t "resample then fill linear across empty bins" 0 window --resample 60 --fill linear < "$D/win-gaps.csv"
out_is <<'E'
timestamp,load
0,1
60,2
120,3
180,4
240,5
300,5.166666667
360,5.333333333
420,5.5
480,5.666666667
540,5.833333333
600,6
E
t "--precision" 0 window --resample 60 --fill linear --precision 3 < "$D/win-gaps.csv"
out_has "300,5.17"

# ---- normalisation
t "robust (BAScaler recipe: --to 500,175 --clip 0,4000)" 0 window --normalize robust --to 500,175 --clip 0,4000 < "$D/win-norm.csv"
out_is <<'E'
timestamp,load
0,237.5
60,325
120,412.5
180,500
240,4000
300,587.5
360,675
420,762.5
E
t "zscore" 0 window --normalize zscore < "$D/win-norm.csv"
out_has "0,-0.4716374857"
t "minmax to a range" 0 window --normalize minmax --to -1,1 < "$D/win-norm.csv"
out_has "0,-1
60,-0.9797979798"
t "fit on --train-rows, output --split test" 0 window --normalize robust --train-rows 4 --split test < "$D/win-norm.csv"
out_is <<'E'
timestamp,load
240,87.20665112
300,2.236067977
360,3.130495168
420,4.024922359
E
t "--split train" 0 window --normalize robust --train-rows 4 --split train < "$D/win-norm.csv"
out_is <<'E'
timestamp,load
0,-1.341640786
60,-0.4472135955
120,0.4472135955
180,1.341640786
E
t "--train-until (RFC 3339 or seconds) and --split" 0 window --train-until 1970-01-01T00:02:00Z --split train < "$D/win-norm.csv"
out_is <<'E'
timestamp,load
0,1
60,2
120,3
E
t "--train-fraction" 0 window --train-fraction 0.25 --split test < "$D/win-norm.csv"
out_has "timestamp,load
120,3"
t "--save writes the parameters" 0 window --normalize robust --train-rows 4 --save "$T/p.scaler" < "$D/win-norm.csv"
check "saved file is a scaler model" grep -q '^scalepipe-model scaler 1$' "$T/p.scaler"
t "--load applies them to other data" 0 window --load "$T/p.scaler" < "$D/win-norm.csv"
out_has "240,87.20665112"
t "--load --inverse maps back (any column with a 1-column scaler)" 0 sh -c 'window --load "$1" --precision 17 < "$2" | window --load "$1" --inverse' sh "$T/p.scaler" "$D/win-norm.csv"
out_is "$D/win-norm.csv"

# ---- windows for training
t "--lags --horizon" 0 window -c load --lags 3 --horizon 2 < "$D/win-norm.csv"
out_is <<'E'
timestamp,lag2,lag1,lag0,h1,h2
120,1,2,3,4,100
180,2,3,4,100,5
240,3,4,100,5,6
300,4,100,5,6,7
E
t "windows do not straddle the split" 0 window --lags 2 --horizon 1 --train-rows 4 --split train < "$D/win-norm.csv"
out_is <<'E'
timestamp,lag1,lag0,h1
60,1,2,3
120,2,3,4
E
t "test windows start after the training span" 0 window --lags 2 --horizon 1 --train-rows 4 --split test < "$D/win-norm.csv"
out_is <<'E'
timestamp,lag1,lag0,h1
300,100,5,6
360,5,6,7
E
t "windows skip missing values" 0 window --lags 2 < "$D/win-gaps.csv"
out_is <<'E'
timestamp,lag1,lag0
240,4,5
600,5,6
E

# ---- order and duplicates
t "--sort" 0 window --sort < "$D/win-unsorted.csv"
out_is <<'E'
timestamp,load
0,1
60,2
120,3
E
t "--dupes mean" 0 window --dupes mean < "$D/win-dup.csv"
out_has "60,25"
t "--dupes first" 0 window --dupes first < "$D/win-dup.csv"
out_has "60,20
120"
t "--dupes last" 0 window --dupes last < "$D/win-dup.csv"
out_has "60,30
120"

# ---- bad input: message, exit status, nothing half-written
t "empty input" 1 window < /dev/null
err_is <<'E'
window: empty input (expected a header line)
E
printf 'timestamp,load\n' > "$T/h.csv"
t "header only" 1 window < "$T/h.csv"
err_is <<'E'
window: no data rows (header only)
E
out_is /dev/null
printf 'timestamp,load\n1,"abc\n' > "$T/m.csv"
t "malformed CSV" 1 window < "$T/m.csv"
err_is <<'E'
window: row 1: malformed CSV: unterminated quoted field
E
printf 'timestamp,load\n1,2\n2,3,4\n' > "$T/f.csv"
t "wrong field count" 1 window "$T/f.csv"
err_is <<EOF2
window: $T/f.csv: row 2: 3 fields, but the header has 2
EOF2
printf 'timestamp,load\n1,2\n2,abc\n' > "$T/n.csv"
t "not a number" 1 window < "$T/n.csv"
err_is <<'E'
window: row 2, column load: not a finite number: 'abc'
E
printf 'timestamp,load\n1,2\n2,inf\n' > "$T/i.csv"
t "infinity" 1 window --resample 1 < "$T/i.csv"
err_has "row 2, column load: not a finite number: 'inf'"
printf 'timestamp,load\n1,NaN\n2,\n3,5\n' > "$T/nan.csv"
t "NaN and empty are missing values" 0 window --fill previous < "$T/nan.csv"
out_is <<'E'
timestamp,load
1,
2,
3,5
E
printf 'time,load\n1,2\n' > "$T/nt.csv"
t "no timestamp column" 1 window < "$T/nt.csv"
err_is <<'E'
window: header: first column must be 'timestamp', not 'time'
E
printf 'timestamp,load\nyesterday,2\n' > "$T/bt.csv"
t "bad timestamp" 1 window < "$T/bt.csv"
err_is <<'E'
window: row 1, column timestamp: not a timestamp (Unix seconds or RFC 3339): 'yesterday'
E
t "unknown column" 2 window -c nope < "$D/win-basic.csv"
err_has "window: no column 'nope' (have: timestamp, load, host)"
err_has "Try 'window --help' for more information."
t "non-numeric column chosen" 1 window -c host --resample 60 < "$D/win-basic.csv"
err_is <<'E'
window: row 1, column host: not a finite number: 'a'
E
t "non-monotonic time" 1 window < "$D/win-unsorted.csv"
err_is <<'E'
window: row 2, column timestamp: timestamp 0 is before the previous row's 120
E
t "duplicate time" 1 window < "$D/win-dup.csv"
err_is <<'E'
window: row 3, column timestamp: duplicate timestamp 60
E
t "unknown option" 2 window --bogus < "$D/win-basic.csv"
err_has "unrecognized option '--bogus'"
err_has "usage: window"
t "out-of-range number" 2 window --resample 0 < "$D/win-basic.csv"
err_has "window: --resample: 0 is out of range"
t "not a number option" 2 window --resample 6O < "$D/win-basic.csv"
err_has "window: --resample: not a number: '6O'"
t "bad choice" 2 window --agg average < "$D/win-basic.csv"
err_has "window: --agg: invalid choice 'average' (one of: mean, sum, min, max, count, first, last, median, quantile)"
t "option conflict" 2 window --normalize zscore --load x < "$D/win-basic.csv"
err_has "not both"
t "--split without span" 2 window --split test < "$D/win-basic.csv"
err_has "--split needs a training span"
t "--lags with two columns" 2 window -a --lags 2 < "$D/win-gaps.csv"
err_has "--lags works on one column"
t "extra argument" 2 window a b
err_has "unexpected argument 'b'"
t "missing file" 1 window "$T/none.csv"
err_is <<EOF2
window: $T/none.csv: No such file or directory
EOF2
printf 'timestamp,load\n0,5\n60,5\n' > "$T/c.csv"
t "constant column cannot be normalised" 1 window --normalize zscore < "$T/c.csv"
err_is <<'E'
window: column load: constant over the training span, cannot zscore-normalise
E
t "write error (/dev/full)" 1 sh -c 'window --resample 60 < "$1" > /dev/full' sh "$D/win-basic.csv"
err_is <<'E'
window: write error: No space left on device
E
t "--save into a missing directory: nothing written" 1 window --normalize zscore --save "$T/no/dir/p" < "$D/win-norm.csv"
err_has "window: $T/no/dir/p: cannot create: No such file or directory"
out_is /dev/null
printf 'scalepipe-model scaler 1\nmethod zscore\ncolumns 1\nname0 load\ncenter 1\nscale 0\nto_center 0\nto_scale 1\nclip 0\nend\n' > "$T/bad1"
t "model with zero scale" 1 window --load "$T/bad1" < "$D/win-norm.csv"
err_is <<EOF2
window: $T/bad1: scale of column load is not positive
EOF2
head -c 60 "$T/p.scaler" > "$T/trunc"
t "truncated model file" 1 window --load "$T/trunc" < "$D/win-norm.csv"
err_has "window: $T/trunc:"
err_has "truncated file"
sed 's/^scale /scael /' "$T/p.scaler" > "$T/bad2"
t "unknown key in model file" 1 window --load "$T/bad2" < "$D/win-norm.csv"
err_has "missing key 'scale'"
printf 'scalepipe-model ar 1\nend\n' > "$T/bad3"
t "model of another kind" 1 window --load "$T/bad3" < "$D/win-norm.csv"
err_is <<EOF2
window: $T/bad3:1: is a 'ar' model, expected 'scaler'
EOF2
t "a two-column scaler" 0 window -a --normalize zscore --save "$T/p2.scaler" < "$D/win-gaps.csv"
printf 'timestamp,x\n0,1\n' > "$T/x.csv"
t "--load for a column it has no parameters for" 1 window --load "$T/p2.scaler" < "$T/x.csv"
err_is <<EOF2
window: $T/p2.scaler: has no parameters for column 'x'
EOF2

# ---- help and version
t "--help" 0 window --help
out_has "usage: window"
t "--version" 0 window --version
out_has "window (scalepipe)"
# ---- added with sp_window (after the original tests, so captures stay aligned)
t "--dupes mean: over the values present ({NaN, 2, 4} is 3)" 0 window --dupes mean -c load,cpu < "$D/window-dupes-nan.csv"
out_is <<'E'
timestamp,load,cpu,host
0,1,10,a
60,3,30,b
120,5,50,e
180,,,f
E
t "--dupes first keeps the first row whole" 0 window --dupes first -c load,cpu < "$D/window-dupes-nan.csv"
out_is <<'E'
timestamp,load,cpu,host
0,1,10,a
60,,20,b
120,5,50,e
180,,,f
E
t "--dupes last keeps the last row whole" 0 window --dupes last -c load,cpu < "$D/window-dupes-nan.csv"
out_is <<'E'
timestamp,load,cpu,host
0,1,10,a
60,4,40,d
120,5,50,e
180,,,g
E
t "--dupes mean, then --resample" 0 window --dupes mean --resample 60 -c load,cpu < "$D/window-dupes-nan.csv"
out_is <<'E'
timestamp,load,cpu
0,1,10
60,3,30
120,5,50
180,,
E
t "--sort is stable: ties keep input order (--dupes last)" 0 window --sort --dupes last < "$D/window-unsorted-dupes.csv"
out_is <<'E'
timestamp,load,host
0,4,d
60,3,c
120,1,a
E
t "--sort --dupes first" 0 window --sort --dupes first < "$D/window-unsorted-dupes.csv"
out_has "0,2,b"
t "--sort, then a duplicate (rows counted in sorted order)" 1 window --sort < "$D/window-unsorted-dupes.csv"
err_is <<'E'
window: row 2, column timestamp: duplicate timestamp 0 (see --dupes)
E
t "--dupes without --sort: time must not go backwards" 1 window --dupes first < "$D/win-unsorted.csv"
err_is <<'E'
window: row 2, column timestamp: timestamp 0 is before the previous row's 120 (see --sort)
E
t "--resample: a duplicate time" 1 window --resample 60 < "$D/win-dup.csv"
err_is <<'E'
window: row 3, column timestamp: duplicate timestamp 60
E
# Issue 13: whole rows only.  A tool that fails after more than a buffer
# of output leaves whole rows; a row cut short at end of input (a writer
# killed mid-row) is refused, never read as data ("83.716" cut to "8").
awk 'BEGIN { print "timestamp,load"; for (i = 1; i <= 20000; i++) print 1700000000 + i * 60 "," (i == 15000 ? "x" : i + 0.716) }' > "$T/big-bad.csv"
t "a failing tool leaves only whole rows" 1 window --resample 60 < "$T/big-bad.csv"
err_is <<'E'
window: row 15000, column load: not a finite number: 'x'
E
check "its output (over 64 KiB) ends with a newline" sh -c \
    'test "$(wc -c < "$1")" -gt 65536 && test "$(tail -c 1 "$1" | od -An -tx1)" = " 0a"' sh "$T/out"
head -c 70000 "$T/big-bad.csv" > "$T/cut.csv"
t "a row cut at end of input is an error, not data" 1 window < "$T/cut.csv"
err_is <<'E'
window: row 3690: incomplete last row (no newline at end of input)
E
printf 'timestamp,load\n1700000000,83.716\n1700000060,8' > "$T/cut2.csv"
t "a cut last number is not read as a number" 1 window --resample 60 < "$T/cut2.csv"
err_is <<'E'
window: row 2: incomplete last row (no newline at end of input)
E
printf 'timestamp,load' > "$T/cut3.csv"
t "a header without its newline" 1 window < "$T/cut3.csv"
err_is <<'E'
window: header: incomplete line (no newline at end of input)
E
# Issue 13: timestamps that cannot be Unix seconds name the likely unit.
printf 'timestamp,load\n1700000000000,1\n1700000060000,2\n' > "$T/ms.csv"
t "millisecond timestamps are refused" 1 window --resample 60 < "$T/ms.csv"
err_is <<'E'
window: row 1, column timestamp: 1700000000000 is not Unix seconds (milliseconds?)
E
printf 'timestamp,load\n1700000000,1\n1700000060000000000,2\n' > "$T/ns.csv"
t "nanosecond timestamps are refused" 1 window < "$T/ns.csv"
err_is <<'E'
window: row 2, column timestamp: 1700000060000000000 is not Unix seconds (nanoseconds?)
E
printf 'timestamp,load\n1e300,1\n' > "$T/huge.csv"
t "a time after 2100 is refused (no float-to-integer overflow)" 1 window --resample 60 < "$T/huge.csv"
err_is <<'E'
window: row 1, column timestamp: 1e300 is not Unix seconds (after 2100)
E
printf 'timestamp,load\n-60,1\n' > "$T/neg.csv"
t "a time before 1970 is refused" 1 window < "$T/neg.csv"
err_is <<'E'
window: row 1, column timestamp: -60 is not Unix seconds (before 1970)
E
# Issue 14: --resample refuses an unbounded gap instead of writing it.
printf 'timestamp,load\n0,1\n1000000000,2\n' > "$T/far.csv"
t "--resample: a gap over the default limit" 1 window --resample 60 < "$T/far.csv"
err_is <<'E'
window: a gap of 16666666 steps of 60 s after 0 is over the limit of 1000000 rows (see --max-gap-rows)
E
out_is /dev/null
printf 'timestamp,load\n0,1\n600,2\n' > "$T/gap10.csv"
t "--max-gap-rows 9: a gap of 10 steps refused" 1 window --resample 60 --max-gap-rows 9 < "$T/gap10.csv"
err_is <<'E'
window: a gap of 10 steps of 60 s after 0 is over the limit of 9 rows (see --max-gap-rows)
E
t "--max-gap-rows 10: a gap of 10 steps written" 0 window --resample 60 --max-gap-rows 10 < "$T/gap10.csv"
check "11 rows and the header" sh -c 'test "$(wc -l < "$1")" -eq 12' sh "$T/out"
t "--max-gap-rows needs --resample" 2 window --max-gap-rows 5 < "$T/gap10.csv"
err_has "window: --max-gap-rows needs --resample"
# Issue 20: --by NAME, one engine per key in one process.
# keysplit (lib.sh): keyed runs against runs of one key alone.
awk -F, 'NR == 1 || (NR % 7 != 0) { if (NR > 1) $1 += (NR * 13) % 50; print }' OFS=, \
    "$D/fleet-3.csv" > "$T/fleet-irr.csv"
keysplit "--by: resample, fill, normalise per key" 2 1 "$T/fleet-irr.csv" \
    window -c load --resample 120 --fill linear --normalize zscore --train-rows 20
keysplit "--by: pass-through rows keep the key" 2 0 "$D/fleet-3.csv" window -c load --normalize minmax
keysplit "--by: lags per key" 2 1 "$D/fleet-3.csv" window -c load --lags 3 --horizon 2
keysplit "--by with --sort: each key sorted" 2 1 "$D/win-unsorted-keyed.csv" window -c load --sort --resample 60
# error paths and the layout: the plain and sanitizer builds
if [ -z "${SP_VALGRIND:-}" ]; then
t "--by: the key is the second column of resampled rows" 0 window --by series --resample 120 "$T/fleet-irr.csv"
check "three keys, 40 rows each" sh -c "head -n 1 '$T/out' | grep -qx 'timestamp,series,load' &&
    test \$(wc -l < '$T/out') -eq 121 && test \$(cut -d, -f2 '$T/out' | sort -u | wc -l) -eq 4"
printf 'timestamp,series,load\n0,a,1\n0,b,2\n60,a,2\n30,a,3\n' > "$T/back.csv"
t "--by: time goes back within a key" 1 window --by series < "$T/back.csv"
err_is <<'E'
window: row 4, column timestamp: timestamp 30 is before 60, the previous row of key 'a'
E
t "--by: a duplicate time within a key" 1 window --by series --resample 60 "$D/win-keyed-dup.csv"
err_has "the previous row of key 'b'"
t "--by: no such column" 2 window --by nope "$D/fleet-3.csv"
err_has "no column 'nope'"
t "--by with -c naming the key" 2 window --by series -c series "$D/fleet-3.csv"
err_has "window: -c: 'series' is the key column (--by)"
t "--by does not go with --save" 2 window --by series --normalize zscore --save "$T/p"
err_has "window: --save does not go with --by"
printf 'timestamp,series,load\n' > "$T/hdr.csv"
t "--by: header only" 1 window --by series "$T/hdr.csv"
err_is <<'E'
window: no data rows (header only)
E
fi
printf 'timestamp,series,load\n0,"namespace=shop,deployment=web",1\n30,"namespace=shop,deployment=web",3\n0,b,5\n' > "$T/q.csv"
t "--by: a key with a comma stays one quoted field" 0 window --by series --resample 60 < "$T/q.csv"
out_is <<'E'
timestamp,series,load
0,"namespace=shop,deployment=web",2
0,b,5
E

# ---- --forget: a key that stops is left out of the state ----
awk -F, 'NR == 1 || $1 < 1700003000' "$D/fleet-3.csv" > "$T/fg-a.csv"
awk -F, 'NR == 1 || ($1 >= 1700003000 && $2 != "cache")' "$D/fleet-3.csv" > "$T/fg-b.csv"
rm -f "$T/fg1.state"
window --by series -c load --resample 60 --state "$T/fg1.state" "$T/fg-a.csv" > /dev/null
cp "$T/fg1.state" "$T/fg2.state"
cp "$T/fg1.state" "$T/fg3.state"
if [ -z "${SP_VALGRIND:-}" ]; then   # under valgrind: the run that forgets only
	t "--forget: without it, the key that stopped stays" 0 window --by series -c load --resample 60 --state "$T/fg1.state" "$T/fg-b.csv"
	cp "$T/out" "$T/fgout1"
	check "--forget: cache kept without it" grep -qx 'key cache' "$T/fg1.state"
fi
t "--forget 20m: the key silent for longer is forgotten" 0 window --by series -c load --resample 60 --state "$T/fg2.state" --forget 20m "$T/fg-b.csv"
[ -n "${SP_VALGRIND:-}" ] || out_is "$T/fgout1"
err_is <<'EOF'
window: warning: key 'cache': no row for 20m: forgotten
EOF
check "--forget: cache gone from the state" sh -c "! grep -q '^key cache' '$T/fg2.state' && grep -qx 'keys 2' '$T/fg2.state'"
if [ -z "${SP_VALGRIND:-}" ]; then
	t "--forget 1d: nothing that old, the state as without it" 0 window --by series -c load --resample 60 --state "$T/fg3.state" --forget 1d "$T/fg-b.csv"
	err_empty
	check "--forget 1d: the same state" cmp "$T/fg1.state" "$T/fg3.state"
fi
for bad in 0 -5m 1x ''; do
	t "--forget '$bad': usage" 2 window --by series -c load --state "$T/fg3.state" --forget "$bad" "$T/fg-b.csv"
	err_has "window: --forget: not a duration: '$bad'"
done

# the chain's tools that make no HTTP call do not link libcurl (its 30
# shared libraries cost each start a quarter of a second under valgrind;
# HACKING.md): not under valgrind, whose $BIN holds wrapper scripts
if [ -z "${SP_VALGRIND:-}" ] && command -v ldd > /dev/null; then
	for tool in window arfit burstdetect plan simulate; do
		check "$tool links no libcurl" sh -c "! ldd '$BIN/$tool' | grep -q libcurl"
	done
	check "promfetch does (the check can fail)" sh -c "ldd '$BIN/promfetch' | grep -q libcurl"
fi
finish
