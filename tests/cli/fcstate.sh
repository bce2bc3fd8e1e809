#!/bin/sh
# arfit --rolling --state and forecast --state: runs over consecutive slices
# of a series, each with the state the one before left, write exactly the
# rows of one run over all of it (each slice repeats the last rows of the
# one before, which the state skips); a missing state is a cold start, a
# corrupt or truncated one, or one written with other options, a warning
# and a cold start; a failed run leaves the state as it was.
. "$TOP/tests/cli/lib.sh"
M=$D/lstm-tiny.lstm       # LSTM, quantiles 0.1/0.5/0.9, window 8, horizon 3, step 300
G=$D/lstm-tiny-gru.lstm   # GRU, MSE head, window 6, horizon 2
# 300 rows of a per-minute trace, and two keys of it interleaved
awk -F, 'NR == 1 { print "timestamp,load"; next } NR > 1001 && NR <= 1301 { print $1 "," $2 }' \
	"$TOP/data/nasa_http_1995_rpm.csv" > "$T/tr.csv"
awk -F, 'NR == 1 { print "timestamp,series,load"; next } { print $1 ",a," $2; print $1 ",b," $2 * 2 + NR % 7 }' \
	"$T/tr.csv" > "$T/by.csv"

# slices INPUT "LAST ROWS" TOOL ARGS...: TOOL ARGS over all of INPUT, then
# over slices ending at the given data rows (each from 5 rows before the
# last one's end) with --state: the slices' rows are the one run's.
slices() {
	_in=$1 _cuts=$2; shift 2
	"$@" < "$_in" > "$T/cont.csv" || return 1
	rm -f "$T/st" "$T"/sl.*
	_from=1 _k=0
	for _to in $_cuts; do
		_k=$((_k + 1))
		awk -v a="$_from" -v b="$_to" 'NR == 1 || (NR > a && NR <= b + 1)' "$_in" |
			"$@" --state "$T/st" > "$T/sl.$_k" || return 1
		_from=$((_to - 5))
	done
	for _i in $(seq 1 $_k); do sed 1d "$T/sl.$_i"; done > "$T/joined"
	sed 1d "$T/cont.csv" | cmp - "$T/joined" || return 1
	# forecasts were made
	test "$(wc -l < "$T/joined")" -gt 20
}

if [ -n "${SP_VALGRIND:-}" ]; then
	# the --state paths under valgrind (the comparisons are the plain build's)
	head -n 120 "$T/tr.csv" > "$T/a.csv"
	t "valgrind: arfit, a first slice" 0 arfit --rolling --window 40 --horizon 3 --state "$T/vs" "$T/a.csv"
	t "valgrind: arfit, the next rows" 0 arfit --rolling --window 40 --horizon 3 --state "$T/vs" "$T/tr.csv"
	head -n 60 "$D/lstm-sine.csv" > "$T/s.csv"
	t "valgrind: forecast --adapt, a first slice" 0 forecast -m "$M" --long --adapt 0.1 --state "$T/vl" "$T/s.csv"
	t "valgrind: forecast --adapt, the next rows" 0 forecast -m "$M" --long --adapt 0.1 --state "$T/vl" "$D/lstm-sine.csv"
	echo junk > "$T/vl"
	t "valgrind: a corrupt state" 0 forecast -m "$M" --state "$T/vl" "$T/s.csv"
	err_has "recomputing from the input"
	finish
	exit
fi

# ---- N runs = one run ---------------------------------------------------------
check "arfit --rolling, long rows: 5 slices = one run" \
	slices "$T/tr.csv" "70 71 150 220 300" arfit --rolling --window 60 --horizon 4
check "arfit --rolling, one horizon: 5 slices = one run" \
	slices "$T/tr.csv" "65 66 120 250 300" arfit --rolling --window 60 -p 3
check "arfit --rolling, Yule-Walker, differenced, seasonal: 5 slices = one run" \
	slices "$T/tr.csv" "70 71 150 220 300" arfit --rolling --window 60 -m yw -d 1 --season 12 -p 1 --horizon 2
check "arfit --rolling --by, two keys: 5 slices = one run" \
	slices "$T/by.csv" "130 131 300 450 600" arfit --rolling --window 50 --horizon 3 --by series
check "arfit --rolling --by, one horizon: 5 slices = one run" \
	slices "$T/by.csv" "130 131 300 450 600" arfit --rolling --window 50 --by series
arfit -p 3 --save "$T/m.ar" "$T/tr.csv" > /dev/null
check "arfit --rolling --load: 5 slices = one run" \
	slices "$T/tr.csv" "10 11 150 220 300" arfit --rolling --load "$T/m.ar" --horizon 2
check "forecast, AR model, --adapt: 5 slices = one run" \
	slices "$T/tr.csv" "10 11 100 200 300" forecast -m "$T/m.ar" --adapt 0.05
check "forecast, AR model, --long --adapt: 5 slices = one run" \
	slices "$T/tr.csv" "10 11 100 200 300" forecast -m "$T/m.ar" --long --horizon 5 --adapt 0.05
check "forecast, LSTM: 5 slices = one run" \
	slices "$D/lstm-sine.csv" "30 31 60 100 160" forecast -m "$M"
check "forecast, LSTM, --horizon 3 --adapt: 5 slices = one run" \
	slices "$D/lstm-sine.csv" "30 31 60 100 160" forecast -m "$M" --horizon 3 --adapt 0.1
check "forecast, LSTM, --long --adapt: 5 slices = one run" \
	slices "$D/lstm-sine.csv" "30 31 60 100 160" forecast -m "$M" --long --adapt 0.1
check "forecast, GRU (MSE band), --long --adapt: 5 slices = one run" \
	slices "$D/lstm-sine.csv" "12 13 60 100 160" forecast -m "$G" --long --adapt 0.2
awk -F, 'NR == 1 { print "timestamp,series,load"; next } { print $1 ",x," $2; print $1 ",y," $2 + 3 }' \
	"$D/lstm-sine.csv" > "$T/sine2.csv"
check "forecast --by, LSTM, --long --adapt: 5 slices = one run" \
	slices "$T/sine2.csv" "60 61 120 200 320" forecast -m "$M" --long --adapt 0.1 --by series

# ---- cold starts, warnings, rows seen ---------------------------------------------
head -n 101 "$T/tr.csv" > "$T/a.csv"
arfit --rolling --window 60 --horizon 2 "$T/a.csv" > "$T/cold.csv"
rm -f "$T/s1"
t "missing state: a cold start" 0 arfit --rolling --window 60 --horizon 2 --state "$T/s1" "$T/a.csv"
out_is "$T/cold.csv"
err_empty
check "the state is written" grep -q '^scalepipe-state arfit 1$' "$T/s1"
t "rows the state has seen are skipped" 0 arfit --rolling --window 60 --horizon 2 --state "$T/s1" "$T/a.csv"
out_is <<'EOF'
origin,timestamp,horizon,load,forecast,lower,upper,level
EOF
cp "$T/s1" "$T/s1.good"
sed -i 's/^ar_window 60$/ar_window 60 60/' "$T/s1"
t "corrupt state: a warning, recomputed" 0 arfit --rolling --window 60 --horizon 2 --state "$T/s1" "$T/a.csv"
out_is "$T/cold.csv"
err_is <<EOF
arfit: warning: state $T/s1:13: ar_window: more than 1 values: recomputing from the input
EOF
grep -v '^end$' "$T/s1.good" > "$T/s1"
t "truncated state: a warning" 0 arfit --rolling --window 60 --horizon 2 --state "$T/s1" "$T/a.csv"
out_is "$T/cold.csv"
err_has "'end' missing (truncated): recomputing from the input"
arfit --rolling --window 61 --horizon 2 "$T/a.csv" > "$T/cold61.csv"
cp "$T/s1.good" "$T/s1"
t "state of another window: a warning" 0 arfit --rolling --window 61 --horizon 2 --state "$T/s1" "$T/a.csv"
out_is "$T/cold61.csv"
err_is <<EOF
arfit: warning: state $T/s1:13: state written with ar window 60, not 61: recomputing from the input
EOF
cp "$T/s1.good" "$T/s1"
t "state of another horizon: a warning" 0 arfit --rolling --window 60 --horizon 3 --state "$T/s1" "$T/a.csv"
err_is <<EOF
arfit: warning: state $T/s1:2: state written with --long --horizon 2, not --long --horizon 3: recomputing from the input
EOF
cp "$T/s1.good" "$T/s1"
t "state of another level: a warning" 0 arfit --rolling --window 60 --horizon 2 --level 0.9 --state "$T/s1" "$T/a.csv"
err_has "state written with the band's quantiles 0.099999999999999978, 0.90000000000000002, not 0.049999999999999989, 0.94999999999999996"
cp "$T/s1.good" "$T/s1"
t "a one-series state with --by: a warning" 0 arfit --rolling --window 60 --horizon 2 --by series --state "$T/s1" "$T/by.csv"
err_has "'roll' where 'keys' was expected: recomputing from the input"
cp "$T/s1.good" "$T/s1"
t "a forecast state for arfit: a warning" 0 forecast -m "$T/m.ar" --state "$T/s1" "$T/a.csv"
err_has "state of kind arfit, not forecast: recomputing from the input"
# a failed run leaves the state as it was
cp "$T/s1.good" "$T/s1"
{ cat "$T/tr.csv"; echo "1,2"; } > "$T/bad.csv"
t "a failed run" 1 arfit --rolling --window 60 --horizon 2 --state "$T/s1" "$T/bad.csv"
check "the failed run left the state as it was" cmp "$T/s1" "$T/s1.good"
t "the next rows of the state" 0 arfit --rolling --window 60 --horizon 2 --state "$T/s1" "$T/tr.csv"
check "from the row after the state's last" test "$(sed -n 2p "$T/out" | cut -d, -f1)" = "$(sed -n 102p "$T/tr.csv" | cut -d, -f1)"
# forecast -m LSTM: a state of another model
rm -f "$T/s2"
t "forecast: a first state" 0 forecast -m "$M" --state "$T/s2" "$D/lstm-sine.csv"
t "forecast: a state of another model" 0 forecast -m "$G" --state "$T/s2" "$D/lstm-sine.csv"
err_has "state $T/s2:6: state written with model fnv1a "

# ---- refused ---------------------------------------------------------------------
t "--state without --rolling" 2 arfit --state "$T/s3" "$T/tr.csv"
err_has "arfit: --state needs --rolling"
t "--state with --bootstrap" 2 arfit --rolling --window 60 --bootstrap 20 --state "$T/s3" "$T/tr.csv"
err_has "arfit: no state with --bootstrap (its random stream is not saved)"
check "nothing written" test ! -e "$T/s3"
seasonfit --changepoints 2 --save "$T/m.season" "$D/lstm-sine.csv" > /dev/null 2>&1
if [ -f "$T/m.season" ]; then
	t "a seasonfit model keeps no state" 2 forecast -m "$T/m.season" --state "$T/s3" "$D/lstm-sine.csv"
	err_has "a season model keeps no state between runs"
fi
t "a state it could not write" 1 forecast -m "$M" --state "$T/nodir/st" "$D/lstm-sine.csv"
out_is < /dev/null
finish
