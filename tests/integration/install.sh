#!/bin/sh
# Issue 13: the installed tools work outside the source tree.  `make install
# PREFIX=<tmp>` (the tools, the example curve, the man pages), then the
# chain window -> arfit -> burstdetect -> plan from another directory with
# the installed tools only: no path into the tree, no $SCALEPIPE_DATADIR.
# plan announces the installed example curve it falls back to (no silent
# example default); with --wstar it says nothing.
. "$TOP/tests/cli/lib.sh"
P=$T/prefix
check "make install PREFIX=..." make -s -C "$TOP" install PREFIX="$P"
check "the example curve is installed" test -f "$P/share/scalepipe/bascaler_fft_service_curve.csv"
check "the man pages are installed" test -f "$P/share/man/man1/plan.1"
check "scalepipe-frontier, its gnuplot script and its LSTM replay are installed" sh -c "test -x '$P/bin/scalepipe-frontier' && test -f '$P/share/scalepipe/plot-frontier.gp' && test -f '$P/share/scalepipe/lstm-replay.sh'"
check "scalepipe-frontier finds the installed tools" sh -c "cd / && PATH=/usr/bin:/bin sh '$P/bin/scalepipe-frontier' --help | grep -q 'scalepipe-frontier \[options\]'"
mkdir "$T/elsewhere"
# --forecaster lstm sources the installed lstm-replay.sh (a model at row 600, another at 800)
awk 'BEGIN { print "timestamp,load"; for (i = 0; i < 900; i++) print 1700000000 + 60 * i "," 400 + 250 * sin(i / 40) }' > "$T/elsewhere/long.csv"
check "the installed scalepipe-frontier replays the LSTM from another directory" sh -c "cd '$T/elsewhere' &&
	PATH='$P/bin':/usr/bin:/bin sh '$P/bin/scalepipe-frontier' --step 60 --train-rows 100 --policies scalepipe \
	--knob scalepipe=0.4 --forecaster lstm --lstm-from 600 --lstm-every 200 \
	--lstm-args '--window 24 --hidden 4 --epochs 2' --no-plot -o fr long.csv 2>/dev/null && grep -q '^scalepipe,0.4,' fr/points.csv"
awk 'BEGIN { print "timestamp,load"; for (i = 0; i < 400; i++) print 1700000000 + 60 * i "," 400 + 250 * sin(i / 40) }' > "$T/elsewhere/load.csv"
cat > "$T/chain.sh" <<'SH'
cd "$1/elsewhere" || exit 1
unset SCALEPIPE_DATADIR
PATH=$1/prefix/bin:/usr/bin:/bin
set -e
window --resample 60 < load.csv | arfit --rolling --window 100 -H 2 | burstdetect | plan $2 > plan.csv
SH
t "the chain with the installed tools, from another directory" 0 sh "$T/chain.sh" "$T" ""
err_is <<E
plan: using the example service curve $P/share/scalepipe/bascaler_fft_service_curve.csv (w* = 80.68); give --curve, --perf or --wstar for your service
E
check "plan decided every row" sh -c 'test "$(tail -n +2 "$1" | wc -l)" -ge 290 && ! grep -q ",,\$" "$1"' sh "$T/elsewhere/plan.csv"
t "with --wstar: nothing to announce" 0 sh "$T/chain.sh" "$T" "--wstar 80"
err_empty
finish
