#!/usr/bin/python3
"""Independent batch reference for burstdetect's detector (scalepipe-burst(7)):
generates a synthetic rolling-forecast input in the long format
(tests/cli/data/bd-synth.csv) and the labels B[t] the detector must give
(tests/ref/bd_synth_labels.csv, same-step alignment: B[t] uses W_t).

Written from the specification (scalepipe-burst(7)) with whole arrays, the
way the authors label offline, not from the C code.  Edge cases on purpose: a
burst inside the first H steps, a run of zero load, a negative median.

    /usr/bin/python3 tests/ref/bd_ref.py
"""
import numpy as np

H, T, TRAIN = 6, 300, 60
QLO, QHI = 1 - 0.99, 0.99
rng = np.random.default_rng(7)
t = np.arange(T)
W = 100 + 30 * np.sin(2 * np.pi * t / 48) + rng.normal(0, 4, T)
W[2:6] *= 3.0            # burst in the first H steps
W[90:100] = 0.0          # zero load
W[150:165] *= 2.5        # a burst
W[200:203] *= 1.8        # a short one
W[240:260] += 120 * (np.arange(20) % 2)  # a ragged one
W = np.round(W, 3)

# forecast issued at origin s for s+h: a seasonal-naive band around the
# value one period earlier (known at s), so the seasonal rise is predicted
def med(s, h):
    j = s + h - 48
    return W[j] if j >= 0 and j <= s else W[s]

M = np.array([[med(s, h) for h in range(1, H + 1)] for s in range(T)])
M[120, :] = -5.0         # a negative median
L = M - 15.0
U = M + 15.0

def rho(q, u):
    return np.where(u > 0, q * u, (q - 1) * u)

# theta_acc on the first TRAIN origins, usable once all of them are realised
qr = []
for i in range(TRAIN):
    for h in range(1, H + 1):
        j = i + h
        if j < T and W[j] != 0:
            qr.append((rho(QLO, W[j] - L[i, h - 1]) + rho(QHI, W[j] - U[i, h - 1])) / abs(W[j]))
qr = np.array(qr)
theta = qr.mean() + 3 * qr.std()

B = np.zeros(T, dtype=int)
for tt in range(T):
    th = theta if tt >= TRAIN - 1 + H else np.nan
    flags, nnew = {}, 0
    for k in range(H):
        org = tt - H + k
        if org < 0:
            continue
        pts = [j for j in range(tt - min(3, H - k) + 1, tt + 1) if j > org]
        w = W[pts]
        lo = np.array([L[org, j - org - 1] for j in pts])
        md = np.array([M[org, j - org - 1] for j in pts])
        up = np.array([U[org, j - org - 1] for j in pts])
        n = int(np.sum((w > up) | (w < lo)))
        score = np.mean((np.maximum(0, w - up) + np.maximum(0, lo - w)) / np.maximum(np.abs(md), 1e-9))
        aw = np.mean(np.abs(w))
        ql = (np.mean(rho(QLO, w - lo)) + np.mean(rho(QHI, w - up))) / aw if aw >= 1e-9 else np.nan
        flags[k] = (n >= 2 and score > 0.01) or (not np.isnan(th) and not np.isnan(ql) and ql > th)
        if k == H - 1:
            nnew = n
    new3 = any(flags.get(k, False) for k in range(H - 3, H))
    prev = B[tt - 1] if tt > 0 else 0
    if prev == 0:
        B[tt] = 1 if (new3 and nnew > 0) else 0
    else:
        calm = sum(1 for k, f in flags.items() if f and tt - H + k >= 0 and B[tt - H + k] == 0)
        B[tt] = 0 if (not new3 and nnew == 0 and calm < 2) else 1

with open("tests/cli/data/bd-synth.csv", "w") as f:
    f.write("origin,timestamp,horizon,load,forecast,lower,upper\n")
    for s in range(T):
        for h in range(1, H + 1):
            f.write("%d,%d,%d,%.10g,%.10g,%.10g,%.10g\n" % (60 * s, 60 * (s + h), h, W[s], M[s, h - 1], L[s, h - 1], U[s, h - 1]))
with open("tests/ref/bd_synth_labels.csv", "w") as f:
    f.write("# theta_acc %.17g\n" % theta)
    for tt in range(T):
        f.write("%d,%d\n" % (60 * tt, B[tt]))
print("theta_acc", theta, "bursts", B.sum(), "entries", int(np.sum(np.diff(B) == 1)) + B[0])
