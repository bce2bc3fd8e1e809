#!/usr/bin/python3
"""Reference values for lib/sp_ahpa's STL from Debian's python3-statsmodels
(0.13, statsmodels.tsa.seasonal.STL: a port of the netlib stl.f of
Cleveland et al. 1990 with the fixed median).

Run from the top of the tree:
    /usr/bin/python3 tests/ref/stl_ref.py > tests/ref/stl_ref.txt

Each case is a block of lines:
    C name np ns nt nl sdeg tdeg ldeg sjump tjump ljump inner outer n
    Y y_1 .. y_n
    S season_1 .. season_n
    T trend_1 .. trend_n
    W robustness weights
The series: 10 + 0.05 i + 3 sin(2 pi i / 12) + 0.5 cos(2 pi i / 6) + N(0, 0.3)
(numpy default_rng(12)), with outliers +30 at i = 20 and -25 at i = 45.
"""
import numpy as np
from statsmodels.tsa.seasonal import STL

n, np_ = 72, 12
i = np.arange(n)
rng = np.random.default_rng(12)
y = 10 + 0.05 * i + 3 * np.sin(2 * np.pi * i / 12) + 0.5 * np.cos(2 * np.pi * i / 6) + rng.normal(0, 0.3, n)
y[20] += 30
y[45] -= 25

cases = [
    # name, ns, sdeg, tdeg, ldeg, sjump, tjump, ljump, robust, inner, outer
    ("robust", 7, 1, 1, 1, 1, 1, 1, True, 2, 15),
    ("plain", 7, 1, 1, 1, 1, 1, 1, False, 5, 0),
    ("jumps", 7, 1, 1, 1, 2, 3, 2, True, 2, 15),
    ("deg0", 9, 0, 1, 0, 1, 1, 1, True, 2, 15),
]
fmt = lambda a: " ".join("%.17g" % v for v in a)
for name, ns, sd, td, ld, sj, tj, lj, robust, inner, outer in cases:
    stl = STL(y, period=np_, seasonal=ns, seasonal_deg=sd, trend_deg=td, low_pass_deg=ld,
              robust=robust, seasonal_jump=sj, trend_jump=tj, low_pass_jump=lj)
    cfg = stl.config
    r = stl.fit(inner_iter=inner, outer_iter=outer)
    print("C", name, np_, ns, cfg["trend"], cfg["low_pass"], sd, td, ld, sj, tj, lj, inner, outer, n)
    print("Y", fmt(y))
    print("S", fmt(r.seasonal))
    print("T", fmt(r.trend))
    print("W", fmt(r.weights))
