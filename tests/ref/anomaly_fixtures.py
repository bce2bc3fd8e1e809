#!/usr/bin/python3
"""Writes the inputs of tests/cli/anomaly.sh (Python 3 standard library):
    /usr/bin/python3 tests/ref/anomaly_fixtures.py tests/cli/data
anomaly-series.csv  1000 rows every 5 min from 2023-11-14 00:00 UTC: a daily
                    sine around 50 with N(0, 1) noise, a spike of +60 at row
                    700 and a missing value at row 300
anomaly-two.csv     cpu and mem every minute, 600 rows, correlated (mem
                    follows cpu); at row 500 mem drops while cpu stays
anomaly-band.csv    400 rows of value with a forecast band around it, the
                    value leaving the band at row 350"""
import math
import os
import random
import sys

out = sys.argv[1]
rng = random.Random(16)
t0 = 1699920000
with open(os.path.join(out, "anomaly-series.csv"), "w") as f:
    f.write("timestamp,value\n")
    for i in range(1, 1001):
        v = 50 + 10 * math.sin(2 * math.pi * i / 288) + rng.gauss(0, 1)
        if i == 700:
            v += 60
        f.write("%d,%s\n" % (t0 + 300 * i, "" if i == 300 else "%.3f" % v))
with open(os.path.join(out, "anomaly-two.csv"), "w") as f:
    f.write("timestamp,cpu,mem\n")
    for i in range(1, 601):
        c = 40 + 20 * math.sin(2 * math.pi * i / 120) + rng.gauss(0, 1)
        m = 2 * c + 10 + rng.gauss(0, 1)
        if i == 500:
            m = c
        f.write("%d,%.3f,%.3f\n" % (t0 + 60 * i, c, m))
with open(os.path.join(out, "anomaly-band.csv"), "w") as f:
    f.write("timestamp,value,forecast,lower,upper\n")
    for i in range(1, 401):
        fc = 100 + 5 * math.sin(i / 10)
        v = fc + rng.gauss(0, 2) + (30 if i == 350 else 0)
        f.write("%d,%.3f,%.3f,%.3f,%.3f\n" % (t0 + 300 * i, v, fc, fc - 6, fc + 6))
