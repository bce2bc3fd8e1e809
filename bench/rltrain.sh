#!/bin/sh
# rltrain benchmark and BAScaler comparison (issue 7).
#   sh bench/rltrain.sh [BIN]      (make bench runs it; not part of make check)
# Environment: OUT (output directory), STEPS, PATIENCE, SEED (rltrain's),
# RLOPTS (more rltrain options, e.g. the reference network), TRACES (a
# space-separated subset of worldcup98-rpm nasa-rpm), REF=0 and PEER=0 to
# skip the reference-size timing and the PyTorch peer.
#
# 1. The chain of `make demo` on the shipped bursty trace (WorldCup98 per
#    minute, 2 days) and periodic trace (NASA HTTP per minute, 2 months):
#    window (BAScaler's normalisation) | arfit --rolling | burstdetect.
# 2. rltrain on the first 60 % of the rows (training), model selection on the
#    next 20 % (validation); the last 20 % (test) is never seen by training.
# 3. On the test span, simulate (same simulator) every policy: the exact
#    Kubernetes HPA, BAScaler's threshold rule, the AR forecast, burst-aware
#    without PPO, BAScaler (burst-aware + PPO outside bursts) and PPO alone;
#    the metrics of scalepipe-simulate(7) over all, burst and non-burst
#    steps, plus the total reward (scalepipe-ppo(7)) and the share of PPO
#    actions that are anchored (ids >= 21).  Decisions of every policy are
#    made on the whole trace (history), then cut to the test span.
# 4. Training time for the default network, and PPO decisions per second
#    (plan --policy bascaler, which loads the policy and runs the actor per
#    non-burst row), against plan --policy burst on the same rows.
# Prints the tables; figures go into bench/rltrain.md by hand.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
PATH=$bin:$PATH
C=$top/data/bascaler_fft_service_curve.csv
out=${OUT:-$top/out/bench-rltrain}
mkdir -p "$out"
STEPS=${STEPS:-200000}
PATIENCE=${PATIENCE:-20}
SEED=${SEED:-0}

now() { date +%s.%N; }

# reward of scalepipe-ppo(7) (SLO 16, alpha 0.1, theta 90, P 8) per simulated row
reward_awk='function rw(u, r,   c, a, q) {
	if (u > 100) u = 100; if (r <= 0) r = 1e-3
	if (u <= 90) c = u / 90
	else { a = (u - 90) / (100 * (1 - 0.9 + 1e-6)); c = 2 - 1 / (1 - a); if (c < 0) { c *= 8; if (c < -8) c = -8 } }
	q = r <= 16 ? 1 : -8 * (2 - 16 / r)
	return 0.1 * q + 0.9 * c }'

table=$out/table.csv
echo "trace,policy,steps,violations,violation_pct,violation_ms,replica_steps,mean_cpu,over,under,churn,latency_sd,burst_steps,burst_violations,nonburst_steps,nonburst_violations,reward,ppo_anchored_pct" > "$table"

run_trace() { # name file train-rows
	name=$1 f=$2 trows=$3
	d=$out/$name
	mkdir -p "$d"
	window --resample 60 --fill linear --normalize robust --to 500,175 --clip 0,4000 \
		--train-rows "$trows" < "$top/data/$f" \
		| arfit --rolling -H 24 --level 0.98 \
		| burstdetect --train "$trows" --quantile 0.75 > "$d/bd.csv"
	# rows with a load (the open forecast row at the end has none)
	n=$(awk -F, 'NR > 1 && $2 != "" { n++ } END { print n }' "$d/bd.csv")
	ntr=$(awk -v n="$n" 'BEGIN { printf "%d", n * 0.6 }')
	nva=$(awk -v n="$n" 'BEGIN { printf "%d", n * 0.2 }')
	from=$((ntr + nva + 1))
	slice() { awk -F, -v a="$from" -v b="$n" 'NR == 1 || (NR - 1 >= a && NR - 1 <= b)' "$1"; }

	t0=$(now)
	# shellcheck disable=SC2086
	rltrain --curve "$C" -o "$d/agent.ppo" --patience "$PATIENCE" --steps "$STEPS" --seed "$SEED" \
		${RLOPTS:-} "$d/bd.csv" > "$d/train.csv"
	t1=$(now)
	upd=$(($(wc -l < "$d/train.csv") - 1))
	best=$(awk -F, '$7 == 1 { b = $5; u = $1 } END { printf "%.4f/step at update %d", b, u }' "$d/train.csv")
	echo "$name: $n rows, test rows $from-$n; rltrain (${RLOPTS:-2x64, default options}): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s wall, $upd updates, best validation $best" >> "$out/timing.txt"

	slice "$d/bd.csv" > "$d/test-bd.csv"
	simulate --curve "$C" --policy hpa < "$d/test-bd.csv" > "$d/hpa.sim"
	simulate --curve "$C" --policy threshold < "$d/test-bd.csv" > "$d/threshold.sim"
	plan --curve "$C" --policy forecast --demand-col forecast < "$d/bd.csv" > "$d/forecast.plan"
	plan --curve "$C" --policy burst < "$d/bd.csv" > "$d/burst.plan"
	plan --curve "$C" --policy bascaler -m "$d/agent.ppo" --explain < "$d/bd.csv" > "$d/bascaler.plan"
	plan --curve "$C" --policy ppo -m "$d/agent.ppo" --explain < "$d/bd.csv" > "$d/ppo.plan"
	for p in forecast burst bascaler ppo; do
		slice "$d/$p.plan" | simulate --curve "$C" > "$d/$p.sim"
	done
	for p in hpa threshold forecast burst bascaler ppo; do
		case $p in
		hpa) src=$d/test-bd.csv; args="--policy hpa" ;;
		threshold) src=$d/test-bd.csv; args="--policy threshold" ;;
		*) src=$d/$p.plan.test; slice "$d/$p.plan" > "$src"; args= ;;
		esac
		# shellcheck disable=SC2086
		simulate --curve "$C" $args --summary --name "$p" < "$src" > "$d/$p.summary"
		rew=$(awk -F, "$reward_awk"' NR > 1 { s += rw($6, $5) } END { printf "%.1f", s }' "$d/$p.sim")
		anch=$(if [ -f "$d/$p.plan.test" ]; then awk -F, 'NR > 1 && $NF ~ /^PPO action/ { split($NF, w, " "); k++; if (w[3] >= 21) a++ }
			END { if (k) printf "%.1f", 100 * a / k; else printf "" }' "$d/$p.plan.test"; fi)
		label=$p
		case $p in hpa) label="hpa-exact(80%)" ;; forecast) label="ar-forecast" ;; burst) label="burst-aware(no PPO)" ;;
			bascaler) label="bascaler(burst+PPO)" ;; ppo) label="ppo-only" ;; esac
		awk -F, -v t="$name" -v p="$label" -v r="$rew" -v a="$anch" 'NR == 2 {
			printf "%s,%s,%d,%d,%.2f,%.1f,%d,%.2f,%d,%d,%.3f,%.2f,%d,%d,%d,%d,%s,%s\n",
			    t, p, $2, $3, $4, $5, $7, $12, $13, $14, $15, $10, $17, $18, $25, $26, r, a }' "$d/$p.summary" >> "$table"
	done

	# decisions per second: plan --policy bascaler vs --policy burst on the whole trace
	for p in burst bascaler; do
		a=$(now)
		for i in 1 2 3; do
			if [ $p = burst ]; then plan --curve "$C" --policy burst < "$d/bd.csv" > /dev/null
			else plan --curve "$C" --policy bascaler -m "$d/agent.ppo" < "$d/bd.csv" > /dev/null; fi
		done
		b=$(now)
		echo "$name: plan --policy $p: $(awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.0f rows/s (%.3f s per run of %d rows)", 3 * n / (b - a), (b - a) / 3, n }')" >> "$out/timing.txt"
	done
}

: > "$out/timing.txt"
TRACES=${TRACES:-worldcup98-rpm nasa-rpm}
case " $TRACES " in *" worldcup98-rpm "*) run_trace worldcup98-rpm worldcup98_19980626_27_rpm.csv 1440 ;; esac
case " $TRACES " in *" nasa-rpm "*) run_trace nasa-rpm nasa_http_1995_rpm.csv 10080 ;; esac

# the reference network on the bursty trace: 3 x 512, lr 2^-14, batch 1024, rollout 6000
if [ "${REF:-1}" = 1 ]; then
	d=$out/worldcup98-rpm
	a=$(now)
	rltrain --curve "$C" -o "$d/agent512.ppo" --hidden 512,512,512 --lr 0.00006103515625 --batch 1024 \
		--rollout 6000 --steps "${REF_STEPS:-24000}" --patience 1000 "$d/bd.csv" > "$d/train512.csv"
	b=$(now)
	echo "worldcup98-rpm: rltrain 3x512 reference sizes, $(($(wc -l < "$d/train512.csv") - 1)) updates of 6000 steps: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b - a }') s wall, best validation $(awk -F, '$7 == 1 { b = $5 } END { printf "%.4f/step", b }' "$d/train512.csv")" >> "$out/timing.txt"
fi

# peer: the same PPO update in PyTorch (one thread, float64), and ours
# (rltrain: environment steps + update) on the bursty trace, in one run
if [ "${PEER:-1}" = 1 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	d=$out/worldcup98-rpm
	a=$(now)
	rltrain --curve "$C" -o "$d/speed.ppo" --steps 10240 --patience 1000 "$d/bd.csv" > /dev/null
	b=$(now)
	echo "ours 64,64: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", (b - a) / 5 }') s per update (2048 environment steps + 64 minibatches of 256, one validation pass)" >> "$out/timing.txt"
	/usr/bin/python3 "$top/bench/rltrain_peer.py" 64,64 2048 256 8 5 >> "$out/timing.txt"
	if [ "${REF:-1}" = 1 ]; then
		a=$(now)
		rltrain --curve "$C" -o "$d/speed512.ppo" --hidden 512,512,512 --batch 1024 --rollout 6000 \
			--steps 6000 "$d/bd.csv" > /dev/null
		b=$(now)
		echo "ours 512,512,512: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b - a }') s per update (6000 environment steps + 46 minibatches of 1024, one validation pass)" >> "$out/timing.txt"
		/usr/bin/python3 "$top/bench/rltrain_peer.py" 512,512,512 6000 1024 8 1 >> "$out/timing.txt"
	fi
fi

cat "$out/timing.txt"
echo
column -s, -t < "$table" 2>/dev/null || cat "$table"
