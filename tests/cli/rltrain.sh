# rltrain: CLI tests.  The trace is tests/cli/data/rl-trace.csv (made by
# tests/ref/ppo_trace.py): 480 one-minute steps, periodic, bursts at rows
# 151-170 and 331-340.  The learning check: the greedy policy must beat 0.6
# per step on the validation span (84 steps).  Fixed actions score there:
# always keep the count -3.24, ceil(forecast / w*) 0.736, ceil(upper / w*)
# 0.765; the first update's policy about 0.43.
. "$TOP/tests/cli/lib.sh"
C=$TOP/data/bascaler_fft_service_curve.csv
TR=$D/rl-trace.csv
SYN='usage: rltrain [-c NAME] -o POLICY [--curve FILE] [--slo MS] [--hidden N,N,...] [--seed N] [options] [FILE]
Try '"'rltrain --help'"' for more information.'
steps=20000 ro=2048 es_steps=40960 es_rollout=1024
[ -n "${SP_VALGRIND:-}" ] && steps=512 ro=256 es_steps=1280 es_rollout=128
# the runs that test something other than the network train a small one
# (the default 64,64 costs about four times as much, most under valgrind)
small="--hidden 16"

# ---- training ----------------------------------------------------------------
t "train $steps steps, seed 1" 0 rltrain --curve "$C" -o "$T/a.ppo" --steps $steps --rollout $ro --seed 1 "$TR"
err_empty
cp "$T/out" "$T/log1.csv"
check "log header" sh -c "head -n 1 '$T/log1.csv' | grep -qx 'update,steps,train_reward,valid_return,valid_reward,best_return,checkpoint,actor_loss,critic_loss,entropy,clip_fraction'"
check "one row per update of $ro steps" sh -c "[ \$(tail -n +2 '$T/log1.csv' | wc -l) -le $(( (steps + ro - 1) / ro )) ]"
check "policy file kind and sizes" sh -c "head -n 1 '$T/a.ppo' | grep -qx 'scalepipe-model ppo 1' &&
	grep -qx 'actor-sizes 32 64 64 63' '$T/a.ppo' && grep -qx 'actor-activations relu,hardswish,linear' '$T/a.ppo' &&
	grep -qx 'state-features 32' '$T/a.ppo' && grep -q '^wstar 80.6' '$T/a.ppo' && grep -q '^command .*rltrain .*--seed 1' '$T/a.ppo'"
check "the best return is the max of the validation returns" awk -F, 'NR > 1 { if ($4 > m || NR == 2) m = $4; b = $6 } END { exit !(b == m) }' "$T/log1.csv"
if [ -z "${SP_VALGRIND:-}" ]; then
	check "learns: best validation reward above 0.6 per step" awk -F, 'NR > 1 && $7 == 1 { r = $5 } END { exit !(r > 0.6) }' "$T/log1.csv"
	check "improves on its first policy" awk -F, 'NR == 2 { f = $5 } NR > 1 && $7 == 1 { r = $5 } END { exit !(r > f) }' "$T/log1.csv"
fi

if [ -z "${SP_VALGRIND:-}" ]; then  # determinism: the same code path as above
	t "same seed, same policy" 0 rltrain --curve "$C" -o "$T/b.ppo" --steps $steps --rollout $ro --seed 1 "$TR"
	check "identical log" cmp "$T/out" "$T/log1.csv"
	check "identical weights" sh -c "[ \"\$(grep '^actor ' '$T/a.ppo')\" = \"\$(grep '^actor ' '$T/b.ppo')\" ]"
fi

if [ -z "${SP_VALGRIND:-}" ]; then  # the code path of the first run again
	t "another seed, another policy" 0 rltrain --curve "$C" -o "$T/c.ppo" --steps $ro --rollout $ro --seed 2 "$TR"
	check "different weights" sh -c "[ \"\$(grep '^actor ' '$T/a.ppo')\" != \"\$(grep '^actor ' '$T/c.ppo')\" ]"
fi

t "early stopping with --patience 0" 0 rltrain --curve "$C" -o "$T/d.ppo" --steps $es_steps --patience 0 --rollout $es_rollout "$TR"
check "stopped at the first update without a new best" awk -F, 'NR > 1 { n++; last = $7 } END { exit !(n < 10 && last == 0) }' "$T/out"
check "the checkpoint is the best" sh -c "test -s '$T/d.ppo'"

if [ -z "${SP_VALGRIND:-}" ]; then  # 30 CPU-s under valgrind; the layers' code is the one above
	t "reference sizes reachable: 3 x 512, reference step size and batch" 0 \
		rltrain --curve "$C" -o "$T/e.ppo" --hidden 512,512,512 --lr 0.00006103515625 --batch 64 \
		--rollout 64 --repeat 1 --steps 64 "$TR"
	check "3 x 512 policy" grep -qx 'actor-sizes 32 512 512 512 63' "$T/e.ppo"
fi

t "all the environment and PPO options" 0 rltrain -c load --forecast-col forecast --upper-col upper \
	--state-col state --train 0.5 --valid 0.3 --curve "$C" --slo 18 --cpu-cap 85 --alpha 0.3 \
	--cpu-target 85 --penalty 6 --illegal -2 --action-max 5 --min 2 --max 40 --max-latency 60 \
	--load-scale 4000 --startup 0 --no-queue --hidden 16 --lr 0.002 --lr-critic 0.001 --gamma 0.9 \
	--lambda 0.95 --clip 0.1 --entropy 0.01 --entropy-quirk --rollout 256 --batch 64 --repeat 2 \
	--max-grad 0 --steps 512 --patience 3 --seed 9 --threads 1 -o "$T/f.ppo" "$TR"
check "options recorded" sh -c "grep -qx 'action-max 5' '$T/f.ppo' && grep -qx 'slo 18' '$T/f.ppo' &&
	grep -qx 'alpha 0.29999999999999999' '$T/f.ppo' && grep -qx 'min 2' '$T/f.ppo' && grep -qx 'max 40' '$T/f.ppo' &&
	grep -qx 'load-scale 4000' '$T/f.ppo' && grep -qx 'actor-sizes 32 16 33' '$T/f.ppo' &&
	grep -qx 'actor-activations hardswish,linear' '$T/f.ppo' && grep -qx 'penalty 6' '$T/f.ppo'"
check "two updates of 256 steps" sh -c "[ \$(tail -n +2 '$T/out' | wc -l) -eq 2 ]"

t "wstar given" 0 rltrain --curve "$C" --wstar 50 -o "$T/g.ppo" $small --steps 256 --rollout 256 < "$TR"
check "w* recorded" grep -qx 'wstar 50' "$T/g.ppo"

t "svrfit models instead of the curve" 0 rltrain --perf "$D/plan-lat.svr" --perf-cpu "$D/plan-cpu.svr" \
	--perf-max 100 -o "$T/svr.ppo" $small --steps 256 --rollout 256 "$TR"
check "w* from the SVR models near the curve's 80.68" awk '$1 == "wstar" { exit !($2 > 78 && $2 < 83) }' "$T/svr.ppo"
t "--perf without --perf-cpu" 2 rltrain --perf "$D/plan-lat.svr" -o "$T/x.ppo" "$TR"
err_has "rltrain: --perf needs --perf-cpu (the reward needs CPU)"
t "--perf and --curve" 2 rltrain --perf "$D/plan-lat.svr" --perf-cpu "$D/plan-cpu.svr" --curve "$C" -o "$T/x.ppo" "$TR"
err_has "rltrain: --perf and --curve exclude each other"
t "--perf-cpu alone" 2 rltrain --perf-cpu "$D/plan-cpu.svr" -o "$T/x.ppo" "$TR"
err_has "rltrain: --perf-cpu needs --perf"

t "verbose" 0 rltrain --curve "$C" -o "$T/h.ppo" $small --steps 256 --rollout 256 -v "$TR"
err_has "480 rows: training 1-288 (2 segments, 268 steps), validation 289-384 (2 segments, 86 steps); w* 80.68"
err_has "update 1, 256 steps"

{ cat "$TR"; echo "1615842000,,500.1,425.1,600.1,normal"; } > "$T/open.csv"
t "the open forecast row after the trace is skipped" 0 rltrain --curve "$C" -o "$T/o.ppo" $small --steps 256 --rollout 256 -v "$T/open.csv"
err_has "480 rows: training 1-288"

t "help" 0 rltrain --help
out_has "--entropy-quirk"
t "version" 0 rltrain --version
out_has "rltrain (scalepipe)"

# ---- errors --------------------------------------------------------------------
t "no -o" 2 rltrain --curve "$C" "$TR"
err_is <<EOF
rltrain: -o POLICY is required
$SYN
EOF
t "bad --hidden" 2 rltrain -o "$T/x.ppo" --hidden 64,0 "$TR"
err_has "rltrain: --hidden:"
t "too many hidden layers" 2 rltrain -o "$T/x.ppo" --hidden 1,2,3,4,5,6,7,8 "$TR"
err_has "rltrain: --hidden:"
t "split leaves nothing" 2 rltrain -o "$T/x.ppo" --train 0.7 --valid 0.4 "$TR"
err_has "rltrain: --train (0.7) and --valid (0.4) leave nothing: they must sum to at most 1"
t "min above max" 2 rltrain -o "$T/x.ppo" --min 5 --max 4 "$TR"
err_has "rltrain: --min (5) must not be greater than --max (4)"
t "unknown option" 2 rltrain --bogus "$TR"
t "extra argument" 2 rltrain -o "$T/x.ppo" "$TR" more
err_has "rltrain: unexpected argument 'more'"
t "bad seed" 2 rltrain -o "$T/x.ppo" --seed -1 "$TR"
err_has "rltrain: --seed:"

head -n 6 "$TR" > "$T/short.csv"
t "trace too short for the split" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/short.csv"
err_is <<'EOF'
rltrain: trace too short for the split: 5 rows give 3 training and 1 validation rows (need at least 2 each)
EOF
check "nothing written" test ! -e "$T/x.ppo"

awk -F, 'BEGIN { OFS = "," } NR > 289 && NR <= 385 { $6 = "burst" } { print }' "$TR" > "$T/vburst.csv"
t "validation span all burst" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/vburst.csv"
err_is <<'EOF'
rltrain: validation span (rows 289-384): no non-burst segment of at least 2 steps in the span
EOF

cut -d, -f1,2 "$TR" > "$T/noforecast.csv"
t "no forecast column" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/noforecast.csv"
err_has "rltrain: no column 'forecast' (the one-step forecast"

sed '4s/^\([0-9]*\),[0-9.]*,/\1,abc,/' "$TR" > "$T/badnum.csv"
t "bad load" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/badnum.csv"
err_is <<EOF
rltrain: $T/badnum.csv: row 3, column load: not a finite number: 'abc'
EOF
sed '4s/^\([0-9]*\),[0-9.]*,/\1,,/' "$TR" > "$T/missing.csv"
t "missing load" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/missing.csv"
err_has "row 3, column load: missing value"
sed '4s/^\([0-9]*\),[0-9.]*,/\1,-5,/' "$TR" > "$T/neg.csv"
t "negative load" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/neg.csv"
err_has "row 3, column load: negative load -5"
sed '4s/^[0-9]*,/1615813200,/' "$TR" > "$T/order.csv"
t "time not increasing" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/order.csv"
err_has "row 3"
printf 'load_per_replica,latency_ms\n0,10\n100,20\n' > "$T/nocpu.csv"
t "curve without CPU" 1 rltrain --curve "$T/nocpu.csv" -o "$T/x.ppo" "$TR"
err_is <<EOF
rltrain: $T/nocpu.csv: the curve has no cpu_pct column (the reward needs CPU)
EOF
t "SLO the curve cannot meet" 1 rltrain --curve "$C" --slo 5 -o "$T/x.ppo" "$TR"
err_has "SLO 5 ms cannot be met"
t "no such file" 1 rltrain --curve "$C" -o "$T/x.ppo" "$T/nope.csv"
err_has "rltrain: $T/nope.csv: No such file or directory"
t "unwritable policy" 1 rltrain --curve "$C" -o "$T/nodir/x.ppo" --steps 256 --rollout 256 "$TR"
err_has "$T/nodir/x.ppo"
check "no policy after any error" test ! -e "$T/x.ppo"

# ---- plan --policy ppo | bascaler -m POLICY -------------------------------------
t "plan --policy bascaler" 0 plan --curve "$C" --policy bascaler -m "$T/a.ppo" "$TR"
err_empty
cp "$T/out" "$T/bas.csv"
check "header" sh -c "head -n 1 '$T/bas.csv' | grep -qx 'timestamp,load,forecast,lower,upper,state,replicas,reason'"
check "the agent decides every non-burst row after the first, never a burst row" awk -F, '
	NR > 2 && $6 != "burst" && $8 != "ppo" { exit 1 }
	NR > 1 && $6 == "burst" && $8 == "ppo" { exit 1 }
	NR > 1 && ($7 < 1 || $7 > 100) { exit 1 }' "$T/bas.csv"
t "plan --policy bascaler is deterministic" 0 plan --curve "$C" --policy bascaler --model "$T/a.ppo" < "$TR"
check "same decisions" cmp "$T/out" "$T/bas.csv"
t "plan --policy ppo" 0 plan --curve "$C" --policy ppo -m "$T/a.ppo" --explain "$TR"
check "the agent decides every row after the first" awk -F, 'NR > 2 && $8 != "ppo" { exit 1 }' "$T/out"
out_has ",ppo,PPO action "
check "same as bascaler before the first burst" sh -c "head -n 151 '$T/out' | cut -d, -f1-8 | cmp - '$T/bas.csv' 2>&1 | grep -q 'EOF on -'"
t "plan: ppo needs -m" 2 plan --curve "$C" --policy ppo "$TR"
err_has "plan: --policy ppo needs -m POLICY (a policy file from rltrain)"
t "plan: -m needs ppo or bascaler" 2 plan --curve "$C" --policy burst -m "$T/a.ppo" "$TR"
err_has "plan: -m is for --policy ppo or bascaler"
sed 's/^state-features 32$/state-features 30/' "$T/a.ppo" > "$T/s30.ppo"
t "plan: a policy for another state size" 1 plan --curve "$C" --policy bascaler -m "$T/s30.ppo" "$TR"
err_has "plan: $T/s30.ppo: policy is for 30 state features (24 loads of history), this version has 32 (24)"
sed 's/^actor-sizes 32 /actor-sizes 31 /' "$T/a.ppo" > "$T/a31.ppo"
t "plan: an actor for another state size" 1 plan --curve "$C" --policy ppo -m "$T/a31.ppo" "$TR"
err_has "plan: $T/a31.ppo: policy is for 31 state features, this environment has 32"
sed 's/^wstar .*/wstar 0/' "$T/a.ppo" > "$T/w0.ppo"
t "plan: a policy file with w* 0" 1 plan --curve "$C" --policy ppo -m "$T/w0.ppo" "$TR"
err_has "plan: $T/w0.ppo: w* must be > 0"
head -n 10 "$T/a.ppo" > "$T/trunc.ppo"
t "plan: a truncated policy file" 1 plan --curve "$C" --policy ppo -m "$T/trunc.ppo" "$TR"
err_has "plan: $T/trunc.ppo:"
t "plan: no policy file" 1 plan --curve "$C" --policy ppo -m "$T/none.ppo" "$TR"
err_has "$T/none.ppo"
t "plan: ppo without a forecast column" 1 plan --curve "$C" --policy ppo -m "$T/a.ppo" --demand-col load "$T/noforecast.csv"
err_has "plan: --policy ppo needs the one-step forecast: no column 'forecast'"
printf 'origin,timestamp,horizon,load,forecast,lower,upper\n0,60,1,5,5,4,6\n' > "$T/long.csv"
t "plan: ppo on the long format" 1 plan --curve "$C" --policy ppo -m "$T/a.ppo" "$T/long.csv"
err_has "plan: --policy ppo needs per-step rows (burstdetect's output), not the long format"
# progress: a line on stderr rewritten in place when it is a terminal, -q
# to silence it; nothing when stderr is a file
t "no progress line when stderr is not a terminal" 0 rltrain --curve "$C" -o "$T/p.ppo" $small --steps 512 --rollout 256 "$TR"
err_empty
t "-q" 0 rltrain --curve "$C" -o "$T/q.ppo" $small --steps 512 --rollout 256 -q "$TR"
err_empty
check "-q changes nothing else" sh -c "tail -n +3 '$T/p.ppo' > '$T/p.tail'; tail -n +3 '$T/q.ppo' | cmp - '$T/p.tail'"
if command -v script > /dev/null 2>&1; then
	t "progress on a terminal" 0 script -qec "rltrain --curve '$C' -o '$T/p.ppo' $small --steps 512 --rollout 256 '$TR' > /dev/null" /dev/null
	out_has "rltrain: update 1, 256 of 512 steps (50 %), validation "
	t "-q on a terminal" 0 script -qec "rltrain --curve '$C' -o '$T/p.ppo' $small --steps 512 --rollout 256 -q '$TR' > /dev/null" /dev/null
	check "no progress" sh -c "! grep -q update '$T/out'"
fi
# Issue 14: -o is replaced once, atomically, at the end; the checkpoints go
# to --checkpoint (kept) or to a sibling FILE.ckpt (removed at the end).
check "no checkpoint left next to -o" sh -c "! ls '$T'/a.ppo.ckpt* > /dev/null 2>&1"
check "no temporary file left next to -o" sh -c "! ls '$T'/a.ppo.tmp.* > /dev/null 2>&1"
t "--checkpoint PATH is kept" 0 rltrain --curve "$C" -o "$T/k.ppo" --checkpoint "$T/k.ckpt" $small --steps 512 --rollout 256 "$TR"
check "-o holds the best policy, as the checkpoint does" cmp "$T/k.ppo" "$T/k.ckpt"
t "--checkpoint must differ from -o" 2 rltrain --curve "$C" -o "$T/k.ppo" --checkpoint "$T/k.ppo" "$TR"
err_has "rltrain: --checkpoint must differ from -o (-o is replaced once, at the end)"
t "-o that cannot be written: an error before training" 1 rltrain --curve "$C" -o "$T/nodir/x.ppo" --steps 512 --rollout 256 "$TR"
err_is <<EOF
rltrain: $T/nodir/x.ppo: cannot create: No such file or directory
EOF
out_is /dev/null
t "--checkpoint that cannot be written: an error before training" 1 rltrain --curve "$C" -o "$T/y.ppo" --checkpoint "$T/nodir/y.ckpt" "$TR"
err_has "rltrain: $T/nodir/y.ckpt: cannot create"
out_is /dev/null
if [ -z "${SP_VALGRIND:-}" ]; then
	# killed while training: the old -o stays, the best so far is in the checkpoint
	cp "$T/k.ppo" "$T/old.ppo"
	cp "$T/k.ppo" "$T/kill.ppo"
	rltrain --curve "$C" -o "$T/kill.ppo" --steps 100000000 --rollout 256 --patience 1000000 "$TR" > /dev/null 2>&1 &
	pid=$!
	i=0
	while [ ! -s "$T/kill.ppo.ckpt" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 $pid 2> /dev/null
	wait $pid 2> /dev/null
	check "killed while training: -o is the old policy" cmp "$T/kill.ppo" "$T/old.ppo"
	check "killed while training: the checkpoint holds a policy" grep -q '^scalepipe-model ppo 1' "$T/kill.ppo.ckpt"
fi
finish
