#!/usr/bin/python3
"""Reference values for lib/sp_ar from Debian's python3-statsmodels (0.13).

Run from the top of the tree:
    /usr/bin/python3 tests/ref/ar_statsmodels.py > tests/ref/ar_statsmodels.txt

Each case is a block of lines:
    C name trace offset n method intercept order d s ic H
    P p c sigma2 llf aic bic        (llf/aic/bic: nan where statsmodels has none)
    PHI phi_1 .. phi_p
    F fc_1 .. fc_H                  point forecasts after the series
    L lo_1 .. lo_H                  80 % analytic interval (nan: not available)
    U hi_1 .. hi_H
Methods: ols = AutoReg(trend 'c'/'n').fit() (and ar_select_order for ic
aic/bic, maxlag = order, then AutoReg on the full sample with the selected
lags); yw = yule_walker(method='adjusted'); yw-mle = yule_walker(method='mle');
burg = regression.linear_model.burg; demean = intercept.  With d/s > 0 the
model is fitted on (1-B)^d (1-B^s) y and the forecasts are integrated here.
"""
import sys
import warnings
import numpy as np
from statsmodels.tsa.ar_model import AutoReg, ar_select_order
from statsmodels.regression.linear_model import yule_walker, burg

warnings.simplefilter("ignore")
TRACES = {
    "nasa": "data/nasa_http_1995_rpm.csv",
    "ec2": "data/nab_ec2_cpu_utilization_5f5533.csv",
    "wc": "data/worldcup98_19980626_27_rpm.csv",
    "taxi": "data/nab_nyc_taxi.csv",
}
cache = {}

def trace(name):
    if name not in cache:
        cache[name] = np.loadtxt(TRACES[name], delimiter=",", skiprows=1, usecols=1)
    return cache[name]

def fmt(v):
    return " ".join("%.17g" % x for x in v)

def difference(y, d, s):
    w = y.copy()
    if s:
        w = w[s:] - w[:-s]
    for _ in range(d):
        w = np.diff(w)
    return w

def integrate(y, d, s, wf):
    """Undo (1-B)^d (1-B^s) for forecasts wf of w after the series y."""
    # levels of the intermediate series: z_s = (1-B^s) y, then d regular diffs
    levels = [y.copy()]
    z = y.copy()
    if s:
        z = z[s:] - z[:-s]
        levels.append(z.copy())
    for _ in range(d):
        z = np.diff(z)
        levels.append(z.copy())
    # go back up: levels[-1] is w
    f = np.array(wf, dtype=float)
    for k in range(len(levels) - 2, -1, -1):
        base = levels[k]
        is_seasonal = (s and k == 0)
        lag = s if is_seasonal else 1
        out = []
        hist = list(base)
        for h in range(len(f)):
            v = f[h] + hist[-lag]
            hist.append(v)
            out.append(v)
        f = np.array(out)
    return f

def case(name, tr, off, n, method, icpt, order, d=0, s=0, ic="none", H=6):
    y = trace(tr)[off:off + n].astype(float)
    w = difference(y, d, s)
    llf = aic = bic = float("nan")
    lo = hi = [float("nan")] * H
    if method == "ols":
        trend = "c" if icpt else "n"
        if ic != "none":
            sel = ar_select_order(w, maxlag=order, ic=ic, trend=trend)
            lags = sel.ar_lags
            p = 0 if lags is None or len(lags) == 0 else int(max(lags))
        else:
            p = order
        res = AutoReg(w, lags=p, trend=trend).fit()
        prm = np.asarray(res.params)
        c = prm[0] if icpt else 0.0
        phi = prm[1:] if icpt else prm
        sigma2, llf, aic, bic = res.sigma2, res.llf, res.aic, res.bic
        pr = res.get_prediction(start=len(w), end=len(w) + H - 1)
        wf = np.asarray(pr.predicted_mean)
        if d == 0 and s == 0:
            fr = pr.summary_frame(alpha=0.2)
            lo, hi = np.asarray(fr["mean_ci_lower"]), np.asarray(fr["mean_ci_upper"])
    else:
        p = order
        if method == "burg":
            phi, sigma2 = burg(w, order=p, demean=bool(icpt))
        else:
            phi, sigma = yule_walker(w, order=p, method="adjusted" if method == "yw" else "mle",
                                     demean=bool(icpt))
            sigma2 = sigma ** 2
        c = w.mean() * (1 - phi.sum()) if icpt else 0.0
        hist = list(w)
        wf = []
        for h in range(H):
            v = c + sum(phi[k] * hist[-1 - k] for k in range(p))
            hist.append(v)
            wf.append(v)
    fc = integrate(y, d, s, wf) if (d or s) else np.asarray(wf)
    print("C %s %s %d %d %s %d %d %d %d %s %d" % (name, tr, off, n, method, icpt, order, d, s, ic, H))
    print("P %d %.17g %.17g %.17g %.17g %.17g" % (p, c, sigma2, llf, aic, bic))
    print("PHI " + fmt(phi))
    print("F " + fmt(fc))
    print("L " + fmt(lo))
    print("U " + fmt(hi))

for tr, off, n in (("nasa", 0, 3000), ("ec2", 0, 4032), ("wc", 500, 2000)):
    for icpt in (1, 0):
        for p in (1, 3, 12):
            case("%s_ols_%d_%d" % (tr, icpt, p), tr, off, n, "ols", icpt, p)
        for m in ("yw", "yw-mle", "burg"):
            for p in (2, 12):
                case("%s_%s_%d_%d" % (tr, m, icpt, p), tr, off, n, m, icpt, p)
    for ic in ("aic", "bic"):
        case("%s_sel_%s" % (tr, ic), tr, off, n, "ols", 1, 12, ic=ic)
case("taxi_d1", "taxi", 0, 3000, "ols", 1, 4, d=1)
case("taxi_d2", "taxi", 0, 3000, "ols", 0, 3, d=2)
case("taxi_s48", "taxi", 0, 3000, "ols", 1, 2, s=48, H=60)
case("taxi_d1s48", "taxi", 0, 3000, "ols", 0, 3, d=1, s=48, H=60)
case("taxi_burg_d1", "taxi", 0, 3000, "burg", 1, 5, d=1)
case("taxi_sel_d1_bic", "taxi", 0, 3000, "ols", 1, 10, d=1, ic="bic")
case("nasa_ols_p0", "nasa", 0, 500, "ols", 1, 0, H=3)
