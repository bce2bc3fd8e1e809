#!/bin/sh
# arfit vs statsmodels (Debian's python3-statsmodels), both measured here in
# one run:
#  1. rolling one-step forecasts with a refit at every step, window 2000,
#     p = 12, on the values of data/nasa_http_1995_rpm.csv: arfit --rolling over the whole
#     trace (~80 000 refits) vs a Python loop of AutoReg(window, 12).fit() +
#     forecast(1) over STEPS origins; time per forecast, and the forecasts of
#     the common origins compared;
#  2. one-shot OLS AR(12) fit on 1 000 000 simulated points: arfit on the CSV
#     (parse + fit + forecast) vs AutoReg(y, 12).fit() (fit only, data
#     already in memory; the CSV read is reported separately).
# Beside statsmodels, the strongest plain baseline: numpy's normal equations
# (X'X b = X'y with np.linalg.solve) in the same refit loop and on the same
# one-shot fit.
# Usage: sh bench/arfit.sh [STEPS [POINTS]]   (BIN=DIR for other binaries)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$top/bin}
steps=${1:-1000}
points=${2:-1000000}
py=/usr/bin/python3
w=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT
# the NASA trace has one outage gap; restamp its values on a regular 60 s grid
trace=$w/nasa.csv
awk -F, 'NR == 1 { print; next } { printf "%d,%s\n", 804571200 + 60 * (NR - 2), $2 }' \
	"$top/data/nasa_http_1995_rpm.csv" > "$trace"
now() { date +%s.%N; }

echo "== rolling one-step, window 2000, p 12 ($(($(wc -l < "$trace") - 1)) rows)"
t0=$(now)
"$bin/arfit" --rolling --window 2000 -p 12 "$trace" > "$w/roll.csv"
t1=$(now)
nf=$(awk -F, 'NR > 1 && $3 != "" { n++ } END { print n }' "$w/roll.csv")
sp_per=$(awk -v a="$t0" -v b="$t1" -v n="$nf" 'BEGIN { printf "%.3g", (b - a) / n * 1e6 }')
echo "arfit --rolling: $nf forecasts in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s = ${sp_per} us per forecast"
$py - "$trace" "$steps" "$w/sm_roll.csv" > "$w/sm_roll.txt" <<'PY'
import sys, time, warnings
import numpy as np
from statsmodels.tsa.ar_model import AutoReg
warnings.simplefilter("ignore")
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=1)
steps = int(sys.argv[2])
out = []
t = time.perf_counter()
for i in range(2000, 2000 + steps):
    res = AutoReg(y[i - 2000:i], lags=12, trend="c").fit()
    out.append(res.forecast(1)[0])
dt = time.perf_counter() - t
print("%.6g" % (dt / steps * 1e6))
np.savetxt(sys.argv[3], out, fmt="%.10g")
PY
sm_per=$(cat "$w/sm_roll.txt")
echo "statsmodels AutoReg refit loop: $steps forecasts, ${sm_per} us per forecast"
echo "speed-up per forecast: $(awk -v a="$sm_per" -v b="$sp_per" 'BEGIN { printf "%.0fx", a / b }')"
awk -F, 'NR > 2001 { print $3 }' "$w/roll.csv" | head -n "$steps" > "$w/sp_roll.txt"
$py - "$trace" "$steps" "$w/np_roll.csv" > "$w/np_roll.txt" <<'PY'
import sys, time
import numpy as np
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=1)
steps, p, W = int(sys.argv[2]), 12, 2000
out = []
t = time.perf_counter()
for i in range(W, W + steps):
    w = y[i - W:i]
    # rows t = p..W-1: [1, y[t-1], ..., y[t-p]] -> y[t]
    X = np.column_stack([np.ones(W - p)] + [w[p - k:W - k] for k in range(1, p + 1)])
    b = np.linalg.solve(X.T @ X, X.T @ w[p:])
    out.append(b[0] + b[1:] @ w[::-1][:p])
dt = time.perf_counter() - t
print("%.6g" % (dt / steps * 1e6))
np.savetxt(sys.argv[3], out, fmt="%.10g")
PY
np_per=$(cat "$w/np_roll.txt")
echo "numpy normal-equations refit loop: $steps forecasts, ${np_per} us per forecast"
echo "speed-up per forecast vs numpy: $(awk -v a="$np_per" -v b="$sp_per" 'BEGIN { printf "%.0fx", a / b }')"
echo "forecasts of the $steps common origins: max relative difference $(paste -d' ' "$w/sp_roll.txt" "$w/sm_roll.csv" |
	awk '{ d = $1 - $2; if (d < 0) d = -d; s = $2 < 0 ? -$2 : $2; if (s < 1) s = 1; if (d / s > m) m = d / s } END { printf "%.2g", m }') (statsmodels), $(paste -d' ' "$w/sp_roll.txt" "$w/np_roll.csv" |
	awk '{ d = $1 - $2; if (d < 0) d = -d; s = $2 < 0 ? -$2 : $2; if (s < 1) s = 1; if (d / s > m) m = d / s } END { printf "%.2g", m }') (numpy)"

echo "== one-shot fit, $points points, p 12"
$py - "$points" "$w/big.csv" <<'PY'
import sys
import numpy as np
n = int(sys.argv[1])
rng = np.random.default_rng(1)
e = rng.normal(0, 10, n + 100)
y = np.zeros(n + 100)
for t in range(2, n + 100):     # AR(2) around 500 plus noise
    y[t] = 500 * (1 - 0.6 + 0.3) + 0.6 * y[t - 1] - 0.3 * y[t - 2] + e[t]
with open(sys.argv[2], "w") as f:
    f.write("timestamp,value\n")
    f.write("\n".join("%d,%.4f" % (1700000000 + 60 * i, v) for i, v in enumerate(y[100:])))
    f.write("\n")
PY
t0=$(now)
"$bin/arfit" -p 12 -v "$w/big.csv" > "$w/big.out" 2> "$w/big.err"
t1=$(now)
sp_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
$py - "$w/big.csv" > "$w/sm_big.txt" <<'PY'
import sys, time, warnings
import numpy as np
from statsmodels.tsa.ar_model import AutoReg
warnings.simplefilter("ignore")
t = time.perf_counter()
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=1)
t1 = time.perf_counter()
res = AutoReg(y, lags=12, trend="c").fit()
t2 = time.perf_counter()
print("%.3f %.3f %.10g" % (t1 - t, t2 - t1, res.params[1]))
PY
read sm_read sm_fit sm_phi1 < "$w/sm_big.txt"
sp_phi1=$(sed -n 's/^arfit: phi1 //p' "$w/big.err")
echo "arfit -p 12 (read CSV + fit + forecast): ${sp_s} s"
echo "statsmodels AutoReg(y, 12).fit(): ${sm_fit} s (fit only; np.loadtxt of the CSV: ${sm_read} s more)"
echo "speed-up vs fit only: $(awk -v a="$sm_fit" -v b="$sp_s" 'BEGIN { printf "%.1fx", a / b }')"
$py - "$w/big.csv" > "$w/np_big.txt" <<'PY'
import sys, time
import numpy as np
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=1)
p, n = 12, len(y)
t = time.perf_counter()
X = np.column_stack([np.ones(n - p)] + [y[p - k:n - k] for k in range(1, p + 1)])
b = np.linalg.solve(X.T @ X, X.T @ y[p:])
print("%.3f %.10g" % (time.perf_counter() - t, b[1]))
PY
read np_fit np_phi1 < "$w/np_big.txt"
echo "numpy normal equations (fit only): ${np_fit} s; speed-up $(awk -v a="$np_fit" -v b="$sp_s" 'BEGIN { printf "%.1fx", a / b }')"
echo "phi1: arfit $sp_phi1, statsmodels $sm_phi1, numpy $np_phi1"
