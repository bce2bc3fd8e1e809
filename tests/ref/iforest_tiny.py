#!/usr/bin/python3
"""Reference path lengths and scores of the tiny two-tree forest of
tests/unit/test_iforest.c, in both modes of lib/sp_iforest.h, computed
independently of the C code (Python 3 standard library).  Prints the values
the test uses:  /usr/bin/python3 tests/ref/iforest_tiny.py"""
import math

GAMMA = 0.5772156649015329


def c(n):
    return 0.0 if n <= 1 else 1.0 if n == 2 else 2 * (math.log(n - 1) + GAMMA) - 2 * (n - 1) / n


def box(rows):
    return [min(r[j] for r in rows) for j in range(2)], [max(r[j] for r in rows) for j in range(2)]


def grow(rows, splits, depth=0):
    """A tree from explicit splits: splits is a list consumed in preorder,
    (attribute, value) for a split, None for a leaf."""
    s = splits.pop(0)
    node = {"box": box(rows), "size": len(rows), "depth": depth}
    if s is None:
        return node
    q, p = s
    node["split"] = (q, p)
    node["left"] = grow([r for r in rows if r[q] < p], splits, depth + 1)
    node["right"] = grow([r for r in rows if r[q] >= p], splits, depth + 1)
    return node


def path(node, x, mode):
    acc, surv = 0.0, 1.0
    while True:
        lo, hi = node["box"]
        piso, k = 0.0, 0
        if mode == "range":
            for j in range(2):
                ex = max(lo[j] - x[j], x[j] - hi[j], 0.0)
                if hi[j] - lo[j] + ex > 0:
                    k += 1
                    piso += ex / (hi[j] - lo[j] + ex)
            piso = piso / k if k else 0.0
        e = node["depth"]
        if "split" not in node:
            return acc + surv * (piso * (e + 1) + (1 - piso) * (e + c(node["size"])))
        acc += surv * piso * (e + 1)
        surv *= 1 - piso
        q, p = node["split"]
        node = node["left"] if x[q] < p else node["right"]


trees = [
    grow([(0.1, 1.0), (0.6, 1.0), (0.8, 1.5), (0.9, 3.0)], [(0, 0.5), None, (1, 2.0), None, None]),
    grow([(0.2, 1.0), (0.5, 3.0), (1.0, 2.0), (0.3, 6.0)], [(1, 4.0), (0, 0.9), None, None, None]),
]
points = {"x1": (0.2, 5), "x2": (0.7, 1), "x3": (0.95, 3), "x4": (0.5, 2), "x5": (0.3, 2), "x6": (2.0, 1.0),
          "x7": (0.5, -9.0)}
for mode in ("plain", "range"):
    for name, x in points.items():
        h = [path(t, x, mode) for t in trees]
        e = sum(h) / len(h)
        print("%s %s paths %r %r  E %r  score %r" % (mode, name, h[0], h[1], e, 2 ** (-e / c(4))))
