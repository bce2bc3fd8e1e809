#!/usr/bin/python3
"""Independent reference for `forecast --long` (tests/cli/forecast.sh): reads an
lstmtrain model file, loads its weights into PyTorch's nn.LSTM/nn.GRU + Linear
(float64), and forecasts every origin of a CSV with the features, normalisation
and quantile head of lstmtrain(1) re-implemented here in numpy/PyTorch.

usage: torch_forecast_ref.py MODEL CSV > expected.csv
"""
import math
import sys

import numpy as np
import torch

model, csv = sys.argv[1], sys.argv[2]
kv = {}
for line in open(model):
    k, _, v = line.rstrip("\n").partition(" ")
    kv[k] = v
L, H, W, HZ, NIN = (int(kv[k]) for k in ("layers", "hidden", "window", "horizon", "inputs"))
cal = "hour" in kv["features"]
lev_on = kv["features"].endswith(",level")
mean, scale, step = float(kv["mean"]), float(kv["scale"]), float(kv["step"])
q = [float(x) for x in kv["quantiles"].split()] if kv["loss"] == "pinball" else []
rmse = [float(x) for x in kv["rmse"].split()] if not q else []
cal_lo = [float(x) for x in kv["calib_lower"].split()] if "calib_lower" in kv else [0.0] * HZ
cal_hi = [float(x) for x in kv["calib_upper"].split()] if "calib_upper" in kv else [0.0] * HZ
w = torch.tensor([float(x) for x in kv["weights"].split()], dtype=torch.float64)
rnn = (torch.nn.GRU if kv["cell"] == "gru" else torch.nn.LSTM)(NIN, H, num_layers=L).double()
nq = max(len(q), 1)
head = torch.nn.Linear(H, HZ * nq).double()
off = 0
with torch.no_grad():
    for p in list(rnn.parameters()) + list(head.parameters()):
        p.copy_(w[off:off + p.numel()].reshape(p.shape))
        off += p.numel()
assert off == len(w)

lines = open(csv).read().splitlines()
hdr = lines[0].split(",")
col = hdr.index(kv["column"])
rows = [l.split(",") for l in lines[1:]]
t = np.array([float(r[0]) for r in rows])
y = np.array([float(r[col]) for r in rows])


def feats(ts, z, lev):
    f = [z]
    if cal:
        day = math.floor(ts / 86400)
        hour = (ts - day * 86400) / 3600
        wday = ((day % 7) + 3) % 7 + hour / 24
        f += [math.sin(2 * math.pi * hour / 24), math.cos(2 * math.pi * hour / 24),
              math.sin(2 * math.pi * wday / 7), math.cos(2 * math.pi * wday / 7)]
    if lev_on:
        f.append(lev)
    return f


print("origin,timestamp,horizon," + ",".join(hdr[1:]) + ",forecast,lower,upper")
qmid = min(range(nq), key=lambda k: abs(q[k] - 0.5)) if q else 0
for o in range(W - 1, len(rows)):
    zs = [(y[s] - mean) / scale for s in range(o - W + 1, o + 1)]
    lev = sum(zs) / W if lev_on else 0.0
    x = torch.tensor([[feats(t[o - W + 1 + i], zs[i] - lev, lev)] for i in range(W)],
                     dtype=torch.float64)
    with torch.no_grad():
        seq = rnn(x)[0]
        raw = head(seq[-1, 0]).numpy()
    for h in range(HZ):
        r = raw[h * nq:(h + 1) * nq]
        if q:
            qs = [r[0]]
            for k in range(1, nq):
                qs.append(qs[-1] + np.logaddexp(0, r[k]))
            lo, mid, hi = ((v + lev) * scale + mean
                           for v in (qs[0] - cal_lo[h], qs[qmid], qs[-1] + cal_hi[h]))
            if nq > 1:
                lo, hi = min(lo, mid), max(hi, mid)
        else:
            mid = (r[0] + lev) * scale + mean
            lo, hi = mid - 1.96 * rmse[h], mid + 1.96 * rmse[h]
        print("%d,%d,%d,%s,%.12g,%.12g,%.12g" % (t[o], t[o] + (h + 1) * step, h + 1,
              ",".join(rows[o][1:]), mid, lo, hi))
