#!/usr/bin/python3
"""Reference values for sp_gb / gbfit from Debian's python3-xgboost (1.7.4).

Writes tests/ref/xgb_series.csv (a synthetic hourly series with an extra
column and a few missing values), tests/ref/xgb_holidays.csv, and
tests/ref/xgb_ref.csv: for each configuration below, the bands
(lower, forecast, upper) of horizons 1..H from the last 120 origins of the
series, plus the boosting rounds kept per booster (rows with origin -1).

The features, the chronological split, the normalisation, the starting
score (base_score: the mean training label), the early stopping and the
split-conformal band are built here independently of
lib/sp_feat.c and lib/sp_gb.c, following their documented definitions
(sp_feat.h, sp_gb.h), in plain Python floats with the same operations in
the same order; xgboost is driven the usual way (DMatrix, xgb.train with
early_stopping_rounds, bst[:best_iteration + 1], Booster.predict), one
thread.  Run from the top of the tree:  /usr/bin/python3 tests/ref/xgb_ref.py
"""
import math
import sys

import numpy as np
import xgboost as xgb

assert xgb.__version__ == "1.7.4", xgb.__version__
NAN = float("nan")

# ---- the data --------------------------------------------------------------
def make_series(n=600, t0=1700006400, step=3600):
    state = 12345
    rows = []
    for i in range(n):
        state = (1103515245 * state + 12345) % 2147483648
        u = state / 2147483648.0
        t = t0 + i * step
        hour = (t // 3600) % 24
        day = (t // 86400 + 3) % 7
        y = 50 + 20 * math.sin(2 * math.pi * hour / 24) + (8 if day >= 5 else 0) + 0.02 * i + 6 * (u - 0.5)
        mem = 30 + 0.5 * y + 4 * math.cos(2 * math.pi * i / 37)
        ys, ms = "%.4f" % y, "%.4f" % mem
        if i in (100, 101, 333):
            ys = ""
        if i == 250:
            ms = ""
        rows.append((t, ys, ms))
    with open("tests/ref/xgb_series.csv", "w") as f:
        f.write("timestamp,load,mem\n")
        for t, ys, ms in rows:
            f.write("%d,%s,%s\n" % (t, ys, ms))
    with open("tests/ref/xgb_holidays.csv", "w") as f:
        f.write("date,name\n2023-11-23,thanksgiving\n2023-11-24,friday\n2023-12-25,christmas\n")


def read_series():
    t, y, x = [], [], []
    with open("tests/ref/xgb_series.csv") as f:
        next(f)
        for line in f:
            a, b, c = line.rstrip("\n").split(",")
            t.append(float(a))
            y.append(float(b) if b else NAN)
            x.append(float(c) if c else NAN)
    return t, y, x


def days(s):
    # days since 1970-01-01 of YYYY-MM-DD
    import datetime
    d = datetime.date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
    return (d - datetime.date(1970, 1, 1)).days


# ---- features as sp_feat.h defines them --------------------------------------
def feature_names(spec):
    names = ["lag%d" % k for k in spec["lags"]] + ["diff%d" % k for k in spec["diffs"]]
    for w in spec["windows"]:
        names += ["win%d_%s" % (w, s) for s in spec["stats"]]
        names += ["win%d_q%s" % (w, ("%g" % q)) for q in spec["wq"]]
    if spec["calendar"]:
        names += ["hour_sin", "hour_cos", "dow_sin", "dow_cos"]
    if spec["holidays"]:
        names.append("holiday")
    names += ["x_" + e for e in spec["extra"]]
    if spec["shared"]:
        names.append("horizon")
    return names


def need(spec):
    return max([1] + spec["lags"] + spec["windows"] + [d + 1 for d in spec["diffs"]])


def features(spec, z, t, x, i, h, step):
    nd = need(spec)

    def back(k):
        return z[i - k] if (k <= i and k < nd) else NAN

    last = back(0)
    ref = last if spec["relative"] else 0.0
    row = [back(k - 1) - ref for k in spec["lags"]]
    row += [last - back(k) for k in spec["diffs"]]
    for w in spec["windows"]:
        v = [back(j) for j in range(w - 1, -1, -1)]
        v = [a for a in v if math.isfinite(a)]
        n = len(v)
        s = 0.0
        for a in v:
            s += a
        mean = s / n if n else NAN
        ss = 0.0
        mn = mx = v[0] if n else NAN
        for a in v:
            ss += (a - mean) * (a - mean)
            if a < mn:
                mn = a
            if a > mx:
                mx = a
        st = {"mean": mean - ref, "sd": math.sqrt(ss / n) if n else NAN, "min": mn - ref, "max": mx - ref}
        row += [st[k] for k in spec["stats"]]
        v.sort()
        for q in spec["wq"]:
            if not n:
                row.append(NAN)
                continue
            idx = q * (n - 1)
            lhs = int(idx)
            delta = idx - lhs
            row.append((v[lhs] if lhs == n - 1 else (1 - delta) * v[lhs] + delta * v[lhs + 1]) - ref)
    T = t[i] + h * step
    d = math.floor(T / 86400)
    fr = (T - 86400 * d) / 86400
    if spec["calendar"]:
        dow = math.fmod(d + 3, 7)
        row += [math.sin(2 * math.pi * fr), math.cos(2 * math.pi * fr),
                math.sin(2 * math.pi * (dow + fr) / 7), math.cos(2 * math.pi * (dow + fr) / 7)]
    if spec["holidays"]:
        row.append(1.0 if d in spec["holidays"] else 0.0)
    row += [x[i] for _ in spec["extra"]]
    if spec["shared"]:
        row.append(float(h))
    return row


# ---- training as sp_gb.h defines it ----------------------------------------
def train(spec, p, t, y, x):
    n = len(y)
    step = t[1] - t[0]
    s = n - int(math.floor(p["val"] * n))
    vals = [v for v in y[:s] if math.isfinite(v)]
    acc = 0.0
    for v in vals:
        acc += v
    mean = acc / len(vals)
    ss = 0.0
    for v in vals:
        ss += (v - mean) * (v - mean)
    sd = math.sqrt(ss / len(vals))
    if p["norm"] == "none":
        mean, sd = 0.0, 1.0
    z = [(v - mean) / sd for v in y]
    nd = need(spec)
    ok = [i + 1 >= nd and (p["target"] == "level" or math.isfinite(z[i])) for i in range(n)]
    H = p["horizon"]
    groups = [list(range(1, H + 1))] if spec["shared"] else [[h] for h in range(1, H + 1)]
    names = feature_names(spec)
    params = {"objective": p["objective"], "tree_method": p["tree_method"], "max_depth": p["max_depth"],
              "eta": p["eta"], "subsample": p["subsample"], "colsample_bytree": p["colsample"],
              "min_child_weight": p["min_child_weight"], "lambda": p["lambda"], "alpha": p["alpha"],
              "nthread": 1, "seed": p["seed"], "verbosity": 0}
    boosters, rounds = [], []
    resid = {h: [] for h in range(1, H + 1)}
    for hs in groups:
        Xtr, ytr, Xva, yva, vi = [], [], [], [], []
        for i in range(n):
            if not ok[i]:
                continue
            for h in hs:
                j = i + h
                if j >= n or not math.isfinite(y[j]) or (j >= s and i < s):
                    continue
                lab = z[j] if p["target"] == "level" else z[j] - z[i]
                row = features(spec, z, t, x, i, h, step)
                if j < s:
                    Xtr.append(row)
                    ytr.append(lab)
                else:
                    Xva.append(row)
                    yva.append(lab)
                    vi.append((i, h))
        base = 0.0
        for v in ytr:
            base += v
        base /= len(ytr)
        par = dict(params, base_score="%.17g" % base)
        dtr = xgb.DMatrix(np.array(Xtr, dtype=np.float32), label=np.array(ytr, dtype=np.float32),
                          missing=np.nan, feature_names=names)
        dva = xgb.DMatrix(np.array(Xva, dtype=np.float32), label=np.array(yva, dtype=np.float32),
                          missing=np.nan, feature_names=names)
        bst = xgb.train(par, dtr, num_boost_round=p["rounds"], evals=[(dva, "val")],
                        early_stopping_rounds=p["early"] or None, verbose_eval=False)
        if p["early"]:
            bst = bst[: bst.best_iteration + 1]
            rounds.append(int(bst.num_boosted_rounds()))
        else:
            rounds.append(p["rounds"])
        pred = bst.predict(dva)
        for (i, h), pv in zip(vi, pred):
            zh = float(pv) if p["target"] == "level" else z[i] + float(pv)
            resid[h].append(y[i + h] - (mean + sd * zh))
        boosters.append(bst)
    if p["band"][0] == "level":
        qlo, qhi = (1 - p["band"][1]) / 2, (1 + p["band"][1]) / 2
    else:
        qlo, qhi = p["band"][1][0], p["band"][1][-1]
    off = {}
    for h in range(1, H + 1):
        r = sorted(resid[h])
        m = len(r)
        kl, kh = math.floor((m + 1) * qlo), math.ceil((m + 1) * qhi)
        kl, kh = min(max(kl, 1), m), min(max(kh, 1), m)
        off[h] = (r[kl - 1], r[kh - 1])
    return dict(mean=mean, sd=sd, z=z, ok=ok, step=step, boosters=boosters, rounds=rounds, off=off, names=names)


def bands(spec, p, m, t, x, origins):
    """(origin, h, lo, mid, hi) for each origin and horizon."""
    out = []
    H = p["horizon"]
    z = m["z"]
    for i in origins:
        if not m["ok"][i]:
            continue
        rows = [features(spec, z, t, x, i, h, m["step"]) for h in range(1, H + 1)]
        X = np.array(rows, dtype=np.float32)
        if spec["shared"]:
            pr = m["boosters"][0].predict(xgb.DMatrix(X, missing=np.nan, feature_names=m["names"]))
        else:
            pr = [m["boosters"][h - 1].predict(xgb.DMatrix(X[h - 1:h], missing=np.nan,
                                                           feature_names=m["names"]))[0] for h in range(1, H + 1)]
        for h in range(1, H + 1):
            zh = float(pr[h - 1]) if p["target"] == "level" else z[i] + float(pr[h - 1])
            mid = m["mean"] + m["sd"] * zh
            lo, hi = m["off"][h]
            out.append((i, h, mid + (lo if lo < 0 else 0.0), mid, mid + (hi if hi > 0 else 0.0)))
    return out


# the configurations (tests/unit/test_gb.c and tests/cli/gbfit.sh use the same)
CONFIGS = {
    # gbfit -c load -x mem --horizon 3 --lags 1,2,3,6,24 --diffs 1,24 --windows 6,24
    #   --window-quantiles 0.25,0.75 --calendar --holidays tests/ref/xgb_holidays.csv
    #   --rounds 60 --early 5 --subsample 0.8 --colsample 0.9 --eta 0.2 --level 0.8
    "A": (dict(lags=[1, 2, 3, 6, 24], diffs=[1, 24], windows=[6, 24], stats=["mean", "sd", "min", "max"],
               wq=[0.25, 0.75], calendar=True, holidays=True, extra=["mem"], shared=False, relative=False),
          dict(horizon=3, target="level", norm="zscore", objective="reg:squarederror", tree_method="hist",
               max_depth=6, eta=0.2, rounds=60, early=5, subsample=0.8, colsample=0.9, min_child_weight=1,
               **{"lambda": 1}, alpha=0, seed=7, val=0.25, band=("level", 0.8))),
    # gbfit -c load --horizon 4 --shared --lags 1,2,24 --diffs none --windows 12 --window-stats mean,max
    #   --relative --target delta --norm none --max-depth 3 --eta 0.3 --rounds 25 --early 0 --lambda 2 --alpha 0.1
    #   --min-child-weight 2 --tree-method exact --quantiles 0.05,0.5,0.95
    "B": (dict(lags=[1, 2, 24], diffs=[], windows=[12], stats=["mean", "max"], wq=[], calendar=False,
               holidays=False, extra=[], shared=True, relative=True),
          dict(horizon=4, target="delta", norm="none", objective="reg:squarederror", tree_method="exact",
               max_depth=3, eta=0.3, rounds=25, early=0, subsample=1, colsample=1, min_child_weight=2,
               **{"lambda": 2}, alpha=0.1, seed=1, val=0.2, band=("quantiles", [0.05, 0.5, 0.95]))),
}


def main():
    make_series()
    t, y, x = read_series()
    hol = set()
    with open("tests/ref/xgb_holidays.csv") as f:
        next(f)
        for line in f:
            hol.add(days(line.split(",")[0]))
    with open("tests/ref/xgb_ref.csv", "w") as f:
        f.write("config,origin,horizon,lower,forecast,upper\n")
        for name, (spec, p) in CONFIGS.items():
            spec = dict(spec)
            spec["holidays"] = hol if spec["holidays"] else None
            m = train(spec, p, t, y, x)
            for k, r in enumerate(m["rounds"]):
                f.write("%s,-1,%d,%d,%d,%d\n" % (name, k + 1, r, r, r))
            for (i, h, lo, mid, hi) in bands(spec, p, m, t, x, range(len(y) - 120, len(y))):
                f.write("%s,%d,%d,%r,%r,%r\n" % (name, i, h, lo, mid, hi))
            print(name, "rounds", m["rounds"], "mean", m["mean"], "sd", m["sd"], file=sys.stderr)


if __name__ == "__main__":
    main()
