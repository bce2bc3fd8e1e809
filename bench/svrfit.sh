#!/bin/sh
# svrfit grid search vs scikit-learn's GridSearchCV (same libsvm solver),
# measured in one run on the same 2,000 rows: 4 C x 4 gamma x 2 epsilon,
# 5-fold CV, refit of the winner.  Needs Debian python3-sklearn (peer only).
#   sh bench/svrfit.sh [--rt PRIO] [ROWS]
# --rt PRIO runs every measured command under SCHED_FIFO (chrt -f; root), so
# that on a shared machine the figures measure the tools, not the other load
# (it starves that load while the benchmark runs).
set -eu
LC_ALL=C; export LC_ALL
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
prio=
if [ "${1:-}" = --rt ]; then prio="chrt -f $2"; shift 2; $prio true || exit 1; fi
n=${1:-2000}
py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin/svrfit" ] || { echo "build first: make" >&2; exit 1; }
$py -c 'import sklearn' 2>/dev/null || { echo "needs Debian python3-sklearn" >&2; exit 1; }

# 2,000 rows of a noisy saturating service curve over (load, replicas)
$py - "$n" "$tmp/data.csv" <<'EOF'
import sys, numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(2026)
w = rng.uniform(1, 110, n); r = rng.integers(1, 9, n)
lat = 10 + 0.03 * w + 25 / (1 + np.exp(-(w - 85) / 5)) + 0.2 * r + rng.normal(0, 0.5, n)
with open(path, "w") as f:
    f.write("load_per_replica,replicas,latency_ms\n")
    for a, b, c in zip(w, r, lat):
        f.write("%.4f,%d,%.4f\n" % (a, b, c))
EOF

GRID="-C 0.1,1,10,100 -g 0.01,0.1,1,10 -e 0.01,0.1 -k 5"
run() { # label, svrfit options...
	label=$1; shift
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" $prio "$bin/svrfit" -x load_per_replica,replicas $GRID "$@" \
		-v -m "$tmp/m.svr" "$tmp/data.csv" 2> "$tmp/err"
	best=$(grep '  \*$' "$tmp/err" | awk '{ print "C=" $1 " gamma=" $2 " eps=" $3 " rmse=" $4 }')
	fits=$(awk '$1 ~ /^[0-9.e+-]+$/ && NF >= 6 { s += $6 } END { printf "%.2f", s }' "$tmp/err")
	printf '| svrfit %s | %.2f | %.2f | %s | %s |\n' "$label" "$(cut -d' ' -f1 "$tmp/time")" \
		"$(awk '{ print $2 + $3 }' "$tmp/time")" "$fits" "$best"
}

echo "svrfit grid search benchmark: $n rows, 2 features, 32 grid points, 5 folds (160 fits + refit)"
echo "machine: $(uname -n), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores, $(uname -m); load before: $(cut -d' ' -f1-3 /proc/loadavg)${prio:+; under $prio}"
echo
echo "| run | wall s | CPU s | summed fit s | chosen |"
echo "|---|---|---|---|---|"
run "-j 2, defaults (--precompute auto: precomputes here)" -j 2
run "-j 2, precomputed kernel per gamma" -j 2 --precompute always
run "-j 2, libsvm kernel + cache" -j 2 --precompute never
run "-j 1, precomputed kernel per gamma" -j 1 --precompute always
run "-j 1, libsvm kernel + cache" -j 1 --precompute never

$prio $py - "$tmp/data.csv" <<'EOF'
import sys, time, resource, numpy as np, math
from sklearn.svm import SVR
from sklearn.model_selection import GridSearchCV, KFold
d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
X, y = d[:, :2], d[:, 2]
# the same z-scores svrfit fits once on all rows
X = (X - X.mean(0)) / X.std(0)
yc, ys = y.mean(), y.std()
yz = (y - yc) / ys
grid = {"C": [0.1, 1, 10, 100], "gamma": [0.01, 0.1, 1, 10], "epsilon": [0.01, 0.1]}
for jobs in (2, 1):
    t = time.time()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    g = GridSearchCV(SVR(tol=1e-3, cache_size=200), grid, cv=KFold(5, shuffle=True, random_state=1),
                     scoring="neg_root_mean_squared_error", n_jobs=jobs, refit=True).fit(X, yz)
    t = time.time() - t
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    p = g.best_params_
    fit = g.cv_results_["mean_fit_time"].sum() * 5 + g.refit_time_
    # CPU: this process only (joblib's worker processes are not counted)
    print("| scikit-learn GridSearchCV n_jobs=%d | %.2f | %s | %.2f | C=%g gamma=%g eps=%g rmse=%.6g |"
          % (jobs, t, "%.2f" % cpu if jobs == 1 else "-", fit, p["C"], p["gamma"], p["epsilon"],
             -g.best_score_ * ys))
EOF
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
