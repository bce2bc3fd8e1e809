#!/usr/bin/python3
"""Peer for bench/chain.sh: BAScaler's detector (scalepipe-burst(7)) the way
the reference code runs it, in Python/numpy over whole arrays, on the long
format that burstdetect reads.  Prints rows read, seconds and labels.
    /usr/bin/python3 bench/chain_peer.py LONG.csv [THETA]
"""
import sys
import time

import numpy as np

t0 = time.perf_counter()
d = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=(0, 2, 3, 4, 5, 6))
theta = float(sys.argv[2]) if len(sys.argv) > 2 else np.nan
H = int(d[:, 1].max())
T = len(d) // H
d = d[: T * H]
W = d[::H, 2]
L = d[:, 4].reshape(T, H)
M = d[:, 3].reshape(T, H)
U = d[:, 5].reshape(T, H)
t1 = time.perf_counter()
QLO, QHI = 1 - 0.99, 0.99


def rho(q, u):
    return np.where(u > 0, q * u, (q - 1) * u)


B = np.zeros(T, dtype=int)
for t in range(T):
    flags, nnew = {}, 0
    for k in range(H):
        org = t - H + k
        if org < 0:
            continue
        m = min(3, H - k)
        js = np.arange(max(t - m + 1, org + 1), t + 1)
        w = W[js]
        hs = js - org - 1
        lo, md, up = L[org, hs], M[org, hs], U[org, hs]
        n = int(np.sum((w > up) | (w < lo)))
        score = np.mean((np.maximum(0, w - up) + np.maximum(0, lo - w)) / np.maximum(np.abs(md), 1e-9))
        aw = np.mean(np.abs(w))
        ql = (np.mean(rho(QLO, w - lo)) + np.mean(rho(QHI, w - up))) / aw if aw >= 1e-9 else np.nan
        flags[k] = (n >= 2 and score > 0.01) or (ql > theta)
        if k == H - 1:
            nnew = n
    new3 = any(flags.get(k, False) for k in range(H - 3, H))
    prev = B[t - 1] if t > 0 else 0
    if prev == 0:
        B[t] = 1 if new3 and nnew > 0 else 0
    else:
        calm = sum(1 for k, f in flags.items() if f and B[t - H + k] == 0)
        B[t] = 0 if (not new3 and nnew == 0 and calm < 2) else 1
t2 = time.perf_counter()
print("rows %d origins %d read %.3f s detect %.3f s bursts %d" % (T * H, T, t1 - t0, t2 - t1, B.sum()))
