#!/usr/bin/python3
# Makes tests/cli/data/rl-trace.csv: 480 one-minute steps of a periodic load
# (period 2 h) with two bursts, a one-step forecast with small errors, its
# upper band and a burstdetect-style state column.  Deterministic (seed 7).
import math, random
random.seed(7)
print("timestamp,load,forecast,lower,upper,state")
t0 = 1615813200
prev = None
for i in range(480):
    base = 400 + 200 * math.sin(2 * math.pi * i / 120)
    burst = 150 <= i < 170 or 330 <= i < 340
    load = base * (2.5 if burst else 1) + random.gauss(0, 15)
    load = max(0.0, round(load, 1))
    if prev is None:
        fc = lo = up = ""
    else:
        f = 400 + 200 * math.sin(2 * math.pi * i / 120) + random.gauss(0, 25)
        fc, lo, up = "%.1f" % f, "%.1f" % (f * 0.85), "%.1f" % (f * 1.2)
    print("%d,%s,%s,%s,%s,%s" % (t0 + 60 * i, load, fc, lo, up, "burst" if burst else "normal"))
    prev = load
