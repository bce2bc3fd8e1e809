#!/usr/bin/python3
"""Reference values for lib/sp_arburst (AR(2) burst demand, scalepipe-burst(7)).

Independent re-implementation with numpy: OLS by numpy.linalg.lstsq (no
intercept) on the z-scored window, fresh coefficients for the forecast and
the residuals, e* = numpy.quantile(residuals, 0.995) ("linear").
Run: /usr/bin/python3 tests/ref/ar_burst.py > tests/ref/ar_burst.txt
Cases: nasa (400 points of history, 120 steps), wc (200, 200), small (max_window 20,
quantile 0.9, 200 steps: exercises the sliding buffer).
Output lines: case step upper point phi1 phi2 estar
"""
import numpy as np

def load(path):
    v = np.loadtxt(path, delimiter=",", skiprows=1, usecols=1)
    return v

def run(name, series, nhist, nsteps, maxw=336, q=0.995):
    h = np.nan_to_num(series[:nhist], nan=0.0)[-maxw:]
    mu, sd = h.mean(), h.std()
    if not (sd > 0):
        sd = 1.0
    z = list((h - mu) / sd)
    for k in range(nsteps):
        w = np.array(z[-maxw:])
        X = np.column_stack([w[1:-1], w[:-2]])
        y = w[2:]
        XtX = X.T @ X
        det = XtX[0, 0] * XtX[1, 1] - XtX[0, 1] ** 2
        if det < 1e-12:
            phi = np.array([2.0, -1.0])
        else:
            phi = np.linalg.lstsq(X, y, rcond=None)[0]
        res = y - X @ phi
        estar = np.quantile(res, q)
        zhat = phi[0] * w[-1] + phi[1] * w[-2]
        print("%s %d %.17g %.17g %.17g %.17g %.17g" % (
            name, k, (zhat + estar) * sd + mu, zhat * sd + mu, phi[0], phi[1], estar))
        obs = series[nhist + k]
        obs = 0.0 if np.isnan(obs) else obs
        z.append((obs - mu) / sd)

nasa = load("data/nasa_http_1995_rpm.csv")
wc = load("data/worldcup98_19980626_27_rpm.csv")
run("nasa", nasa, 400, 120)
run("wc", wc, 200, 200)
run("small", nasa[5000:], 30, 200, maxw=20, q=0.9)
