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

# ---- --by: each key a run of its own ----
# key x: A with the alternative B (B from origin 93); key y: W (A's
# forecasts + 20) with the alternative A (A from its 12th error).  The
# input's rows interleaved origin by origin, the alternatives' key by key
# (y's first): each key's rows of the keyed run are the run of that key's
# files alone, byte for byte.
addkey() {  # KEY FILE: FILE with a column series (KEY) after horizon
	awk -F, -v OFS=, -v k="$1" '{ $3 = $3 "," (NR == 1 ? "series" : k); print }' "$2"
}
addkey x "$T/a.csv" > "$T/ax.k"; addkey y "$T/w.csv" > "$T/wy.k"
addkey x "$T/b.csv" > "$T/bx.k"; addkey y "$T/a.csv" > "$T/ay.k"
awk 'NR == FNR { x[FNR] = $0; next } FNR == 1 { print; next }
	{ y[FNR] = $0; if ((FNR - 1) % 3 == 0) { for (i = FNR - 2; i <= FNR; i++) print x[i]; for (i = FNR - 2; i <= FNR; i++) print y[i] } }' \
	"$T/ax.k" "$T/wy.k" > "$T/kin.csv"
{ cat "$T/ay.k"; tail -n +2 "$T/bx.k"; } > "$T/kalt.csv"
bandselect -c value --alt "$T/bx.k" "$T/ax.k" > "$T/onex"
bandselect -c value --alt "$T/ay.k" "$T/wy.k" > "$T/oney"
check "(the two keys' runs differ)" sh -c "! cmp -s '$T/onex' '$T/oney'"
t "--by series: a run per key" 0 bandselect --by series --alt "$T/kalt.csv" "$T/kin.csv"
check "--by: key x's rows are x's own run" sh -c "awk -F, 'NR == 1 || \$4 == \"x\"' '$T/out' | cmp - '$T/onex'"
check "--by: key y's rows are y's own run" sh -c "awk -F, 'NR == 1 || \$4 == \"y\"' '$T/out' | cmp - '$T/oney'"
check "--by: every row, each key's origins whole and in order" sh -c "[ \$(wc -l < '$T/out') = \$(wc -l < '$T/kin.csv') ]"
cp "$T/out" "$T/kone"
t "--by: the default load column is the first that is not the key" 0 bandselect --by series --alt "$T/kalt.csv" "$T/kin.csv"
out_is "$T/kone"
t "--by: the input on standard input" 0 bandselect --by series -c value --alt "$T/kalt.csv" < "$T/kin.csv"
out_is "$T/kone"
# an alternative without key y: y keeps its input's band
awk -F, 'NR == 1 || $4 != "y"' "$T/kalt.csv" > "$T/kaltx.csv"
t "--by: a key the alternative lacks keeps the input's band" 0 bandselect --by series --alt "$T/kaltx.csv" "$T/kin.csv"
check "--by: y's rows are its input's" sh -c "awk -F, 'NR == 1 || \$4 == \"y\"' '$T/out' | cmp - '$T/wy.k'"
check "--by: x's rows as before" sh -c "awk -F, 'NR == 1 || \$4 == \"x\"' '$T/out' | cmp - '$T/onex'"
t "--by without --alt: the input, every key" 0 bandselect --by series "$T/kin.csv"
check "--by without --alt: each key's rows its input's" sh -c "awk -F, 'NR == 1 || \$4 == \"x\"' '$T/out' | cmp - '$T/ax.k' &&
	awk -F, 'NR == 1 || \$4 == \"y\"' '$T/out' | cmp - '$T/wy.k'"
# --state: the first 150 origins of each key (y only from origin 50), then
# everything: the rows of the two runs are the one run's
awk -F, 'NR == 1 || (($1 - 1700000000) / 300 < 150 && ($4 == "x" || ($1 - 1700000000) / 300 >= 50))' "$T/kin.csv" > "$T/kin1.csv"
awk -F, 'NR == 1 || (($1 - 1700000000) / 300 < 150 && ($4 == "x" || ($1 - 1700000000) / 300 >= 50))' "$T/kalt.csv" > "$T/kalt1.csv"
awk -F, 'NR == 1 || $4 == "x" || ($1 - 1700000000) / 300 >= 50' "$T/kin.csv" > "$T/kin2.csv"
awk -F, 'NR == 1 || $4 == "x" || ($1 - 1700000000) / 300 >= 50' "$T/kalt.csv" > "$T/kalt2.csv"
bandselect --by series --alt "$T/kalt2.csv" "$T/kin2.csv" > "$T/kone2"
t "--by --state: first slice" 0 bandselect --by series --state "$T/k.state" --alt "$T/kalt1.csv" "$T/kin1.csv"
cp "$T/out" "$T/kp1"
check "--by --state: a block per key" sh -c "grep -qx 'keys 2' '$T/k.state' && grep -qx 'key x' '$T/k.state' && grep -qx 'key y' '$T/k.state'"
t "--by --state: the rest" 0 bandselect --by series --state "$T/k.state" --alt "$T/kalt2.csv" "$T/kin2.csv"
check "--by --state: slices = one run, key by key" sh -c "
	{ cat '$T/kp1'; tail -n +2 '$T/out'; } > '$T/kj'
	for k in x y; do awk -F, -v k=\$k 'NR == 1 || \$4 == k' '$T/kj' > '$T/kj.'\$k
		awk -F, -v k=\$k 'NR == 1 || \$4 == k' '$T/kone2' | cmp - '$T/kj.'\$k || exit 1; done"
# a key that appears in the second run only: cold, as its own run
awk -F, 'NR == 1 || $4 == "x"' "$T/kin1.csv" > "$T/kinx1.csv"
awk -F, 'NR == 1 || $4 == "x"' "$T/kalt1.csv" > "$T/kaltx1.csv"
rm -f "$T/k2.state"
t "--by --state: key x alone first" 0 bandselect --by series --state "$T/k2.state" --alt "$T/kaltx1.csv" "$T/kinx1.csv"
t "--by --state: then both, y new" 0 bandselect --by series --state "$T/k2.state" --alt "$T/kalt2.csv" "$T/kin2.csv"
check "--by --state: the new key's rows are its own run" sh -c "awk -F, 'NR == 1 || \$4 == \"y\"' '$T/out' > '$T/out.y'
	awk -F, 'NR == 1 || \$4 == \"y\"' '$T/kone2' | cmp - '$T/out.y'"
# --forget: y's last origin 149, x's 399 in the second run of x alone
awk -F, 'NR == 1 || $4 == "x"' "$T/kin.csv" > "$T/kinx.csv"
rm -f "$T/k3.state"
bandselect --by series --state "$T/k3.state" --alt "$T/kalt1.csv" "$T/kin1.csv" > /dev/null
cp "$T/k3.state" "$T/k4.state"
t "--by --forget 1d: y, silent for 250 origins (20.8 h), kept" 0 bandselect --by series --state "$T/k3.state" --forget 1d --alt "$T/kalt.csv" "$T/kinx.csv"
check "--forget 1d: y kept" grep -qx 'key y' "$T/k3.state"
t "--by --forget 20h: y forgotten, with a warning" 0 bandselect --by series --state "$T/k4.state" --forget 20h --alt "$T/kalt.csv" "$T/kinx.csv"
err_has "key 'y': no row for 20h: forgotten"
check "--forget 20h: y gone from the state" sh -c "! grep -q '^key y' '$T/k4.state' && grep -qx 'keys 1' '$T/k4.state'"
t "--forget without --by" 2 bandselect --state "$T/k5.state" --forget 1d "$T/a.csv"
err_has "--forget goes with --by and --state"
t "--forget without --state" 2 bandselect --by series --forget 1d "$T/kin.csv"
err_has "--forget goes with --by and --state"
t "--forget not a duration" 2 bandselect --by series --state "$T/k5.state" --forget soon "$T/kin.csv"
err_has "--forget: not a duration: 'soon'"
# --by's errors
t "--by: no such column in the input" 2 bandselect --by nope "$T/kin.csv"
err_has "bandselect: $T/kin.csv: no column 'nope'"
t "--by: no such column in an alternative" 2 bandselect --by series --alt "$T/b.csv" "$T/kin.csv"
err_has "bandselect: $T/b.csv: no column 'series'"
t "--by: not a data column" 2 bandselect --by horizon "$T/kin.csv"
err_has "bandselect: $T/kin.csv: --by: 'horizon' is not a data column (one between horizon and forecast)"
t "--by: -c names the key" 2 bandselect --by series -c series "$T/kin.csv"
err_has "-c: 'series' is the key column (--by)"
awk -F, 'NR == 1 || $4 == "y"' "$T/kin.csv" > "$T/kiny.csv"
addkey y "$T/a.csv" | awk -F, -v OFS=, 'NR == 1 { print; next } { sub(/,[^,]*$/, ",0.9"); print }' > "$T/ay90.k"
t "--by: an alternative's band of another level names the key" 1 bandselect --by series --alt "$T/ay90.k" "$T/kiny.csv"
err_has "bandselect: $T/ay90.k: key 'y', origin 1700000000: band level 0.9, the input's 0.98"
awk -F, 'NR == 1 || $4 != "x" || ($1 - 1700000000) / 300 != 5' "$T/kin.csv" > "$T/kgap.csv"
awk -F, 'NR == 1 { print; next } { print } $4 == "x" && ($1 - 1700000000) / 300 == 7 && $3 == 3 { print l5[1]; print l5[2]; print l5[3] }
	$4 == "x" && ($1 - 1700000000) / 300 == 5 { l5[$3] = $0 }' "$T/kin.csv" > "$T/kord.csv"
t "--by: a key's origins out of order: row and key named" 1 bandselect --by series "$T/kord.csv"
err_has "previous row of key 'x'"
err_has "row "

# ---- the input's text: passed through only where it is what formatting
# its values gives (an integer, d.ddd at 10 digits), else formatted: the
# output as it always was (an exponent, '+', superfluous zeros, more
# digits, -0; the target time origin + h * step, horizon 1.0, the origin
# row's level, fields unquoted) ----
cat > "$T/odd.csv" <<'EOF'
origin,timestamp,horizon,name,value,forecast,lower,upper,level
1700000000,1700000300,1,a,100,101.5,1e2,1.025E2,0.980
1700000000,1700000600,2.0,a,100,+101,100.50,00102,0.5
1700000300,1700000600,1,"x,""y""","100",0.00001,-0,0.0001,0.98
1700000300,1700000900,2,b,100,12345678901.5,1.23456789012,1234567890123456,
1700000600,1700000900,1,c,1e2,-0.5,-1.5,3.14159265358979,9.8e-1
1700000600,1700001201,2,c,100,999999999999999,0.1234567891,2.5,0.98
EOF
t "numbers not in the writer's form: formatted, as ever" 0 bandselect -c value "$T/odd.csv"
out_is <<'EOF'
origin,timestamp,horizon,name,value,forecast,lower,upper,level
1700000000,1700000300,1,a,100,101.5,100,102.5,0.98
1700000000,1700000600,2,a,100,101,100.5,102,0.98
1700000300,1700000600,1,"x,""y""",100,1e-05,0,0.0001,0.98
1700000300,1700000900,2,"x,""y""",100,1.23456789e+10,1.23456789,1234567890123456,0.98
1700000600,1700000900,1,c,1e2,-0.5,-1.5,3.141592654,0.98
1700000600,1700001200,2,c,1e2,999999999999999,0.1234567891,2.5,0.98
EOF

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
