#!/bin/sh
# bandselect: the switch origin worked out by hand on constructed bands,
# whole origins, the base kept when the alternative is worse or absent,
# --memory and --min-errors, --state (slices equal one run), errors.
. "$TOP/tests/cli/lib.sh"

# A: horizon-1 forecasts off by 5 everywhere; B: off by 6 before origin
# 40, exact from it on (its lower bound 51 below, A's 50, to tell them
# apart).  B's errors: 6 at origins 1..40, 0 from 41 (origin 40's forecast
# is scored at 41, causal).  With a memory of a day at 300 s steps the past
# weighs w = 1 - 300/86400, B's mean after m exact forecasts is 6 w^m and
# falls below A's 5 at m = 53: B from origin 93 on.
awk 'BEGIN { OFS = ","; print "origin,timestamp,horizon,value,forecast,lower,upper,level"
	for (o = 0; o < 400; o++) for (h = 1; h <= 3; h++) {
		t = 1700000000 + 300 * o; y = 100 + 10 * sin(o / 7); yh = 100 + 10 * sin((o + h) / 7)
		print t, t + 300 * h, h, y, yh + 5, yh - 50, yh + 50, 0.98 } }' > "$T/a.csv"
awk -F, -v OFS=, 'NR == 1 { print; next } { o = ($1 - 1700000000) / 300; f = $5 - 5; if (o < 40) f += 6
	$5 = f; $6 = $6 - 1; print }' "$T/a.csv" > "$T/b.csv"
# the first origin taken from B, and whether every origin is whole and A's
# rows are A's: first_b OUT
first_b() {
	awk -F, 'NR == FNR { a[FNR] = $0; next }
	FNR > 1 { o = ($1 - 1700000000) / 300; split(a[FNR], x, ","); b = ($6 + 0 < x[6] - 0.5)
		if (b && first == "") first = o; if (first != "" && !b) { print "origin " o ": A after B"; exit 1 }
		if (!b && $0 != a[FNR]) { print "row " FNR ": not A"; exit 1 }
		if ($3 == 1) hb = b; else if (b != hb) { print "origin " o ": mixed"; exit 1 } }
	END { print first }' "$T/a.csv" "$1"
}

t "B from origin 93 (memory 1d)" 0 bandselect --alt "$T/b.csv" "$T/a.csv"
check "A's rows to origin 92, B's from 93, whole origins" [ "$(first_b "$T/out")" = 93 ]
check "B's rows are B's" sh -c "awk -F, 'NR == FNR { b[FNR] = \$0; next } FNR > 1 && (\$1 - 1700000000) / 300 >= 93 && \$0 != b[FNR] { exit 1 }' '$T/b.csv' '$T/out'"
cp "$T/out" "$T/one"
t "from standard input" 0 bandselect --alt "$T/b.csv" < "$T/a.csv"
out_is "$T/one"
t "the alternative on standard input" 0 bandselect --alt - "$T/a.csv" < "$T/b.csv"
out_is "$T/one"
# memory 1h: w = 1 - 300/3600, 6 w^m < 5 at m = 3: origin 43
t "--memory 1h: B from origin 43" 0 bandselect --memory 1h --alt "$T/b.csv" "$T/a.csv"
check "first B origin 43" [ "$(first_b "$T/out")" = 43 ]
t "--memory 3600 (seconds) as 1h" 0 bandselect --memory 3600 --alt "$T/b.csv" "$T/a.csv"
check "same" [ "$(first_b "$T/out")" = 43 ]
# B has 100 errors at origin 100 (scored at 1..100)
t "--memory 1h --min-errors 100: B from origin 100" 0 bandselect --memory 1h --min-errors 100 --alt "$T/b.csv" "$T/a.csv"
check "first B origin 100" [ "$(first_b "$T/out")" = 100 ]
awk -F, -v OFS=, 'NR == 1 { print; next } { $5 = $5 + 20; $6 = $6 - 1; print }' "$T/a.csv" > "$T/w.csv"
t "B always worse: A throughout, byte for byte" 0 bandselect --alt "$T/w.csv" "$T/a.csv"
out_is "$T/a.csv"
t "without --alt: the input" 0 bandselect "$T/a.csv"
out_is "$T/a.csv"
# B only from origin 200 on (a model that appears later): its 12 errors by
# 212, then exact: B from there; A's rows before
awk -F, 'NR == 1 || ($1 - 1700000000) / 300 >= 200' "$T/b.csv" > "$T/blate.csv"
t "an alternative that starts later: after its 12th error" 0 bandselect --memory 1h --alt "$T/blate.csv" "$T/a.csv"
check "first B origin 212" [ "$(first_b "$T/out")" = 212 ]
# -c: the load column; a load far from both forecasts makes them tie ...
awk -F, -v OFS=, 'NR == 1 { $4 = "value,far"; print; next } { $4 = $4 "," 1e6; print }' "$T/a.csv" > "$T/a2.csv"
awk -F, -v OFS=, 'NR == 1 { $4 = "value,far"; print; next } { $4 = $4 "," 1e6; print }' "$T/b.csv" > "$T/b2.csv"
t "-c value: the load column named" 0 bandselect -c value --alt "$T/b2.csv" "$T/a2.csv"
cut -d, -f1-4,6- "$T/out" > "$T/cut"
check "first B origin 93" [ "$(first_b "$T/cut")" = 93 ]
# ... with -c far (1e6): B's forecasts before origin 40 (A's + 1) are the
# closer: B from its 12th error, origin 12 (origin 11 still A's)
t "-c far: the errors against that column" 0 bandselect -c far --alt "$T/b2.csv" "$T/a2.csv"
check "origin 11 A's, origin 12 B's" awk -F, '$3 == 1 && $1 == 1700003300 && $7 != 59.8972 { exit 1 }
	$3 == 1 && $1 == 1700003600 && $7 != 58.5928 { exit 1 }' "$T/out"

# ---- --state: two slices equal one run ----
head -n $((1 + 3 * 150)) "$T/a.csv" > "$T/a1.csv"
head -n $((1 + 3 * 120)) "$T/b.csv" > "$T/b1.csv"
t "--state: first slice (origins 0..149, B to 119)" 0 bandselect --state "$T/s.state" --alt "$T/b1.csv" "$T/a1.csv"
cp "$T/out" "$T/part1"
check "--state: the state file, versioned" sh -c "head -n 1 '$T/s.state' | grep -qx 'scalepipe-state bandselect 1' && tail -n 1 '$T/s.state' | grep -qx end"
t "--state: the whole input again, origins seen skipped" 0 bandselect --state "$T/s.state" --alt "$T/b.csv" "$T/a.csv"
check "--state: slice 1 + slice 2 = one run (B missing at 120..149 in slice 1)" sh -c "
	{ cat '$T/part1'; tail -n +2 '$T/out'; } > '$T/joined'
	awk -F, 'NR == FNR { if (FNR > 1) { o = (\$1 - 1700000000) / 300; if (o >= 120 && o < 150) skip[FNR] = 1 } ; next }
		!(FNR in skip)' '$T/a.csv' '$T/joined' > '$T/j2'
	awk -F, 'NR == FNR { if (FNR > 1) { o = (\$1 - 1700000000) / 300; if (o >= 120 && o < 150) skip[FNR] = 1 } ; next }
		!(FNR in skip)' '$T/a.csv' '$T/one' > '$T/o2'
	cmp '$T/j2' '$T/o2'"
cp "$T/s.state" "$T/s.state0"
t "--state: nothing new: header only, the state unchanged" 0 bandselect --state "$T/s.state" --alt "$T/b.csv" "$T/a.csv"
out_is <<EOF
origin,timestamp,horizon,value,forecast,lower,upper,level
EOF
check "--state: unchanged" cmp "$T/s.state" "$T/s.state0"
head -n 6 "$T/s.state0" > "$T/s.state"
t "--state: truncated: a warning naming file:line, and a cold start" 0 bandselect --state "$T/s.state" --alt "$T/b.csv" "$T/a.csv"
err_has "bandselect: warning: state $T/s.state:7:"
err_has "recomputing from the input"
out_is "$T/one"
t "--state: written with another --memory: a warning and a cold start" 0 bandselect --memory 1h --state "$T/s.state" --alt "$T/b.csv" "$T/a.csv"
err_has "state written with memory 86400, not 3600: recomputing from the input"
t "--state in a directory that does not exist" 1 bandselect --state "$T/no/s.state" "$T/a.csv"
err_has "bandselect: "

# ---- --alt twice: the choices in a row ----
# C: A's forecasts less 3 (horizon-1 error 2), lower bound 2 below A's
awk -F, -v OFS=, 'NR == 1 { print; next } { $5 = $5 - 3; $6 = $6 - 2; print }' "$T/a.csv" > "$T/c.csv"
bandselect --alt "$T/b.csv" "$T/a.csv" | bandselect --alt "$T/c.csv" > "$T/piped"
t "--alt B --alt C: as bandselect --alt B | bandselect --alt C" 0 bandselect --alt "$T/b.csv" --alt "$T/c.csv" "$T/a.csv"
out_is "$T/piped"
cp "$T/out" "$T/two"
# which band each origin's horizon-1 row has: a, b or c (by the lower bound)
which() {
	awk -F, 'FILENAME ~ /a.csv$/ { a[FNR] = $6; next } FILENAME ~ /b.csv$/ { b[FNR] = $6; next }
		FILENAME ~ /c.csv$/ { c[FNR] = $6; next }
		FNR > 1 && $3 == 1 { printf "%d %s\n", ($1 - 1700000000) / 300, $6 == a[FNR] ? "a" : $6 == b[FNR] ? "b" : $6 == c[FNR] ? "c" : "?" }' \
		"$T/a.csv" "$T/b.csv" "$T/c.csv" "$1"
}
# C's mean is 2 from its first error; A's (the first choice's band to
# origin 92) 5; from 93 the first choice is B's, exact: its mean 5 w^m is
# below C's 2 at m = 264 (w = 1 - 300/86400), origin 93 + 264
which "$T/two" > "$T/which"
check "A to origin 11, C from its 12th error (origin 12) to 356, B from 357" awk '
	{ w = $1 < 12 ? "a" : $1 < 357 ? "c" : "b"; if ($2 != w) { print; exit 1 } } END { if (NR != 400) exit 1 }' "$T/which"
t "--state with --alt twice: first slice" 0 bandselect --state "$T/s2.state" --alt "$T/b.csv" --alt "$T/c.csv" "$T/a1.csv"
cp "$T/out" "$T/p2"
check "--state: a block per --alt" sh -c "grep -qx 'alt 2' '$T/s2.state' && [ \$(grep -c '^memory ' '$T/s2.state') = 2 ]"
cp "$T/s2.state" "$T/s2.keep"
t "--state with --alt twice: the rest" 0 bandselect --state "$T/s2.state" --alt "$T/b.csv" --alt "$T/c.csv" "$T/a.csv"
check "--alt twice: slices = one run" sh -c "{ cat '$T/p2'; tail -n +2 '$T/out'; } | cmp - '$T/two'"
cp "$T/s2.keep" "$T/s3.state"
t "--state of two --alt read with one: a warning, a cold start" 0 bandselect --state "$T/s3.state" --alt "$T/b.csv" "$T/a.csv"
err_has "state written with more than 1 --alt"
out_is "$T/one"
cp "$T/s2.keep" "$T/s4.state"
t "--state of two --alt read with three: a warning, a cold start" 0 bandselect --state "$T/s4.state" --alt "$T/b.csv" --alt "$T/c.csv" --alt "$T/c.csv" "$T/a.csv"
err_has "recomputing from the input"
t "--alt nine times" 2 bandselect --alt "$T/b.csv" --alt "$T/b.csv" --alt "$T/b.csv" --alt "$T/b.csv" --alt "$T/b.csv" \
	--alt "$T/b.csv" --alt "$T/b.csv" --alt "$T/b.csv" --alt "$T/b.csv" "$T/a.csv"
err_has "--alt: at most 8"
t "--alt - twice" 2 bandselect --alt - --alt - "$T/a.csv"
err_has "--alt -: standard input is read already"

# ---- errors ----
awk -F, -v OFS=, 'NR == 1 { print; next } { $8 = 0.9; print }' "$T/b.csv" > "$T/b90.csv"
t "the alternative's band of another level" 1 bandselect --alt "$T/b90.csv" "$T/a.csv"
err_has "bandselect: $T/b90.csv: origin 1700000000: band level 0.9, the input's 0.98"
printf 'timestamp,value\n1,2\n' > "$T/notband.csv"
t "an input that is not a band" 1 bandselect "$T/notband.csv"
err_has "bandselect: $T/notband.csv: not a band"
t "an alternative that is not a band" 1 bandselect --alt "$T/notband.csv" "$T/a.csv"
err_has "bandselect: $T/notband.csv: not a band"
awk -F, -v OFS=, '{ print $0, (NR == 1 ? "x" : 1) }' "$T/a.csv" > "$T/ax.csv"
t "a column after upper other than level" 1 bandselect "$T/ax.csv"
err_has "column 'x' after upper"
awk -F, -v OFS=, 'NR == 5 { $5 = "x" } { print }' "$T/b.csv" > "$T/bbad.csv"
t "a value that is not a number in the alternative: its row and column" 1 bandselect --alt "$T/bbad.csv" "$T/a.csv"
err_has "$T/bbad.csv"
err_has "row 4"
awk -F, -v OFS=, 'NR == 8 { $1 = 1699999000 } { print }' "$T/a.csv" > "$T/aord.csv"
t "origins out of order" 1 bandselect "$T/aord.csv"
err_has "origins out of order"
awk -F, -v OFS=, 'NR == 5 { $4 = "" } { print }' "$T/a.csv" > "$T/anol.csv"
t "a missing load at an origin" 1 bandselect "$T/anol.csv"
err_has "missing load"
t "an alternative that cannot be read" 1 bandselect --alt "$T/nope.csv" "$T/a.csv"
err_has "bandselect: $T/nope.csv:"
t "--alt - with the input on standard input" 2 bandselect --alt - < "$T/a.csv"
err_has "--alt -: standard input is read already (give the input as FILE, and - once)"
t "--memory not a duration" 2 bandselect --memory soon "$T/a.csv"
err_has "--memory: not a duration: 'soon'"
t "--min-errors negative" 2 bandselect --min-errors -1 "$T/a.csv"
t "-c not a data column" 2 bandselect -c horizon "$T/a.csv"
err_has "-c: 'horizon' is not a data column"
t "-c no such column" 2 bandselect -c nope "$T/a.csv"
printf '' > "$T/empty.csv"
t "an empty input" 1 bandselect "$T/empty.csv"
t "--help" 0 bandselect --help
out_has "usage: bandselect"
out_has "--min-errors N"
t "an unknown option" 2 bandselect --nope
finish
