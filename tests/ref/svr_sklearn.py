#!/usr/bin/python3
"""Reference predictions for tests/unit/test_svr.c from scikit-learn's SVR.

scikit-learn's SVR runs (its copy of) libsvm, the solver behind svrfit; this
script fixes the hyperparameters and applies the scaling svrfit implements
(z-score of each feature and of the target with the population standard
deviation, i.e. StandardScaler, undone after prediction), so the C side must
reproduce these predictions to 1e-6.  The means and deviations are summed
left to right as svrfit does: numpy's pairwise sums differ in the last bit,
and even that moves the point where libsvm stops at tol=1e-3 (seen: 1e-2 ms).

Writes, next to this script:
  svr_train.csv    200 training rows: load_per_replica,replicas,latency_ms
                   (a synthetic saturating service curve with noise; seed 5)
  svr_query.csv    60 query rows: load_per_replica,replicas
  svr_sklearn.csv  query rows + one prediction column per case below
The sparse-input path of scikit-learn (libsvm's own loops, as Debian's
libsvm) is run too and its largest deviation from the dense fit printed.
Run: /usr/bin/python3 tests/ref/svr_sklearn.py   (Debian python3-sklearn 1.2.1)
"""
import os
import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.svm import SVR
import math

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(5)
n = 200
w = np.round(rng.uniform(1, 100, n), 3)
r = rng.integers(1, 9, n).astype(float)
lat = 10 + 0.03 * w + 25 / (1 + np.exp(-(w - 85) / 5)) + 0.2 * r + rng.normal(0, 0.4, n)
lat = np.round(lat, 4)
X = np.column_stack([w, r])
with open(os.path.join(HERE, "svr_train.csv"), "w") as f:
    f.write("load_per_replica,replicas,latency_ms\n")
    for a, b, c in zip(w, r, lat):
        f.write("%r,%d,%r\n" % (float(a), int(b), float(c)))
qw = np.round(np.linspace(0.5, 110, 30), 4)
Q = np.array([[a, b] for b in (1.0, 6.0) for a in qw])
with open(os.path.join(HERE, "svr_query.csv"), "w") as f:
    f.write("load_per_replica,replicas\n")
    for a, b in Q:
        f.write("%r,%d\n" % (float(a), int(b)))

def zscore(v):
    """Mean and population sd, summed left to right (as lib/sp_svr.c)."""
    m = 0.0
    for a in v:
        m += float(a)
    m /= len(v)
    s = 0.0
    for a in v:
        s += (float(a) - m) ** 2
    return m, math.sqrt(s / len(v))


# case name, features used (column indices), scale, SVR keyword arguments
cases = [
    ("rbf", [0, 1], True, dict(kernel="rbf", C=10.0, gamma=0.5, epsilon=0.05)),
    ("rbf_big_c", [0, 1], True, dict(kernel="rbf", C=100.0, gamma=2.0, epsilon=0.01)),
    ("linear", [0, 1], True, dict(kernel="linear", C=1.0, epsilon=0.1)),
    ("poly", [0, 1], True, dict(kernel="poly", C=1.0, gamma=0.5, coef0=1.0, degree=3, epsilon=0.1)),
    ("rbf_raw_1f", [0], False, dict(kernel="rbf", C=100.0, gamma=0.0015, epsilon=0.1)),
]
cols = []
for name, feats, scale, kw in cases:
    Xf, Qf, y = X[:, feats], Q[:, feats], lat.copy()
    yc, ys = 0.0, 1.0
    if scale:
        Xf, Qf = Xf.copy(), Qf.copy()
        for k in range(Xf.shape[1]):
            c, s = zscore(Xf[:, k])
            Xf[:, k] = (Xf[:, k] - c) / s
            Qf[:, k] = (Qf[:, k] - c) / s
        yc, ys = zscore(y)
        y = (y - yc) / ys
    m = SVR(tol=1e-3, shrinking=True, cache_size=200, **kw).fit(Xf, y)
    pred = yc + ys * m.predict(Qf)
    sparse = SVR(tol=1e-3, shrinking=True, cache_size=200, **kw).fit(sp.csr_matrix(Xf), y)
    sparse = yc + ys * sparse.predict(sp.csr_matrix(Qf))
    cols.append(pred)
    print("%-10s nSV %d  intercept %.10g  sparse-path max |diff| %.3g" % (name, len(m.support_),
          m.intercept_[0], np.abs(sparse - pred).max()))
with open(os.path.join(HERE, "svr_sklearn.csv"), "w") as f:
    f.write("load_per_replica,replicas," + ",".join(c[0] for c in cases) + "\n")
    for i, (a, b) in enumerate(Q):
        f.write("%r,%d,%s\n" % (float(a), int(b), ",".join("%.17g" % c[i] for c in cols)))
print("sklearn", sklearn.__version__)
