#!/usr/bin/python3
"""Reference values for sp_arburst with mle = 1 (scalepipe-burst(7)):
statsmodels ARIMA(order=(2,0,0)).fit() on the z-scored window, as the
authors' code does; e* from the residuals without the constant, numpy
"linear" 99.5 % quantile.
Run: /usr/bin/python3 tests/ref/ar_burst_mle.py > tests/ref/ar_burst_mle.txt
Output lines: step upper point phi1 phi2 llf   (nasa trace, 400 points of
history, 40 steps)
"""
import warnings
import numpy as np
from statsmodels.tsa.arima.model import ARIMA

warnings.simplefilter("ignore")
series = np.loadtxt("data/nasa_http_1995_rpm.csv", delimiter=",", skiprows=1, usecols=1)
nhist, nsteps, maxw, q = 400, 40, 336, 0.995
h = series[:nhist][-maxw:]
mu, sd = h.mean(), h.std()
z = list((h - mu) / sd)
for k in range(nsteps):
    w = np.array(z[-maxw:])
    res = ARIMA(w, order=(2, 0, 0)).fit()
    phi = np.asarray(res.params)[1:3]
    r = w[2:] - (phi[0] * w[1:-1] + phi[1] * w[:-2])
    estar = np.quantile(r, q)
    zhat = phi[0] * w[-1] + phi[1] * w[-2]
    print("%d %.17g %.17g %.17g %.17g %.17g" % (k, (zhat + estar) * sd + mu, zhat * sd + mu,
                                             phi[0], phi[1], res.llf))
    z.append((series[nhist + k] - mu) / sd)
