# Issue 13/14 across tools: a pipe never acts on a broken input.  Each
# stage writes whole rows only, the next stage refuses a cut row, and
# arithmetic that overflows is an error, not a decision.
. "$TOP/tests/cli/lib.sh"

awk 'BEGIN { print "timestamp,load"; for (i = 1; i <= 3000; i++) print 1700000000 + 60 * i "," (i == 2500 ? "" : 80 + 10 * sin(i / 30) + 3.716) }' > "$T/series.csv"
# arfit stops at the missing value after more than a buffer of output
t "a failing arfit names the row" 1 arfit --rolling --window 100 -H 2 < "$T/series.csv"
err_is <<'E'
arfit: row 2500, column load: missing value
E
cp "$T/out" "$T/fc.csv"
check "what it wrote ends at a row boundary" sh -c \
    'test "$(wc -c < "$1")" -gt 65536 && test "$(tail -c 1 "$1" | od -An -tx1)" = " 0a"' sh "$T/fc.csv"
# a stage killed mid-row: the next stage refuses the cut row
head -c 100000 "$T/fc.csv" > "$T/cut.csv"
t "the next stage refuses a cut row" 1 burstdetect "$T/cut.csv"
err_has "incomplete last row (no newline at end of input)"
out_is /dev/null
t "plan refuses a cut row" 1 plan --policy threshold "$T/cut.csv"
err_has "incomplete last row (no newline at end of input)"
printf 'timestamp,load\n1700000000,83.716\n1700000060,8' > "$T/cut2.csv"
t "plan never reads a cut number as data" 1 plan --policy threshold < "$T/cut2.csv"
err_is <<'E'
plan: row 2: incomplete last row (no newline at end of input)
E
# millisecond timestamps are refused at the first stage
printf 'timestamp,load\n1700000000000,1\n1700000060000,2\n' > "$T/ms.csv"
t "plan refuses millisecond timestamps" 1 plan --policy threshold < "$T/ms.csv"
err_is <<'E'
plan: row 1, column timestamp: 1700000000000 is not Unix seconds (milliseconds?)
E
# issue 14: a load the performance model cannot take is an error, not 1 replica
printf 'timestamp,load\n1700000000,1.7e308\n1700000060,1.7e308\n' > "$T/huge.csv"
t "plan --policy threshold on load 1.7e308" 1 plan --policy threshold < "$T/huge.csv"
err_is <<'E'
plan: at 1700000060: load 1.7e+308 overflows the performance model (latency not finite)
E
finish
