#!/usr/bin/python3
"""bench/gbfit.sh's peer: python-xgboost driven the usual way.

usage: gbfit_peer.py CSV HORIZON LAGS WINDOWS ROUNDS EARLY VAL ROWS

Trains one booster per horizon (xgb.train with early stopping on the last
VAL fraction in time, the same chronological split, normalisation,
features and parameters as `gbfit --horizon HORIZON --lags LAGS --windows
WINDOWS --calendar --rounds ROUNDS --early EARLY --val VAL --threads 1`),
with the features built by pandas (shift, diff, rolling, datetime
accessors) as a Python user would, and times:

  train_s    read_csv to the last booster trained (imports excluded)
  p50_ms, p95_ms
             per-row prediction latency over the last ROWS rows: the new row
             is appended to the history, the features of the origin are built
             with pandas on the tail the features need, and each horizon's
             booster predicts through xgb.DMatrix + Booster.predict
  inplace_p50_ms, inplace_p95_ms
             the same with Booster.inplace_predict on a numpy row (the
             fastest python path)
"""
import math
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb


def features(df, lags, windows, horizons, step):
    """Features of every row of df (value column z, time column t) for each
    horizon: a dict h -> DataFrame, columns in gbfit's order."""
    z = df["z"]
    base = {}
    for k in lags:
        base["lag%d" % k] = z.shift(k - 1)
    base["diff1"] = z.diff(1)
    for w in windows:
        r = z.rolling(w, min_periods=1)
        base["win%d_mean" % w] = r.mean()
        base["win%d_sd" % w] = r.std(ddof=0)
        base["win%d_min" % w] = r.min()
        base["win%d_max" % w] = r.max()
    base = pd.DataFrame(base)
    out = {"base": base}
    for h in horizons:
        T = pd.to_datetime(df["t"] + h * step, unit="s")
        frac = (T.dt.hour * 3600 + T.dt.minute * 60 + T.dt.second) / 86400.0
        dow = T.dt.dayofweek + frac
        f = base.copy()
        f["hour_sin"] = np.sin(2 * np.pi * frac)
        f["hour_cos"] = np.cos(2 * np.pi * frac)
        f["dow_sin"] = np.sin(2 * np.pi * dow / 7)
        f["dow_cos"] = np.cos(2 * np.pi * dow / 7)
        out[h] = f
    return out


def main():
    path, H, lags, windows, rounds, early, val, rows = sys.argv[1:9]
    H, rounds, early, val, rows = int(H), int(rounds), int(early), float(val), int(rows)
    lags = [int(v) for v in lags.split(",")]
    windows = [int(v) for v in windows.split(",")]
    need = max(lags + windows + [2])
    params = {"objective": "reg:squarederror", "tree_method": "hist", "max_depth": 6, "eta": 0.1,
              "nthread": 1, "seed": 1, "verbosity": 0}

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    df = df.rename(columns={df.columns[0]: "t", df.columns[1]: "y"})
    n = len(df)
    s = n - int(math.floor(val * n))
    mean, sd = df["y"][:s].mean(), df["y"][:s].std(ddof=0)
    df["z"] = (df["y"] - mean) / sd
    step = float(df["t"].iloc[1] - df["t"].iloc[0])
    F = features(df, lags, windows, range(1, H + 1), step)
    boosters = []
    origin = np.arange(n)
    for h in range(1, H + 1):
        target = df["z"].shift(-h)
        ok = (origin >= need - 1) & target.notna().to_numpy() & (origin + h < n)
        tr = ok & (origin + h < s)
        va = ok & (origin >= s)
        X = F[h]
        par = dict(params, base_score=float(target[tr].mean()))   # as gbfit: the mean label
        dtr = xgb.DMatrix(X[tr], label=target[tr])
        dva = xgb.DMatrix(X[va], label=target[va])
        bst = xgb.train(par, dtr, num_boost_round=rounds, evals=[(dva, "val")],
                        early_stopping_rounds=early or None, verbose_eval=False)
        if early:
            bst = bst[: bst.best_iteration + 1]
        boosters.append(bst)
    train_s = time.perf_counter() - t0

    # per-row latency: the usual loop over incoming rows: the origin's
    # features from the tail of the history, the calendar of each target
    lat, lat2 = [], []
    cols = list(F[1].columns)

    def origin_rows(tail):
        base = features(tail, lags, windows, [], step)["base"].iloc[[-1]]
        t = float(tail["t"].iloc[-1])
        rows = []
        for h in range(1, H + 1):
            T = pd.Timestamp(t + h * step, unit="s")
            frac = (T.hour * 3600 + T.minute * 60 + T.second) / 86400.0
            dow = T.dayofweek + frac
            r = base.copy()
            r["hour_sin"], r["hour_cos"] = np.sin(2 * np.pi * frac), np.cos(2 * np.pi * frac)
            r["dow_sin"], r["dow_cos"] = np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7)
            rows.append(r)
        return rows

    for i in range(n - rows, n):
        a = time.perf_counter()
        tail = df.iloc[i - need + 1: i + 1]
        X = origin_rows(tail)
        pred = [boosters[h - 1].predict(xgb.DMatrix(X[h - 1]))[0] for h in range(1, H + 1)]
        lat.append(time.perf_counter() - a)
        a = time.perf_counter()
        X = origin_rows(tail)
        pred2 = [boosters[h - 1].inplace_predict(X[h - 1][cols].to_numpy(np.float32))[0] for h in range(1, H + 1)]
        lat2.append(time.perf_counter() - a)
        assert abs(pred[0] - pred2[0]) < 1e-5
    lat, lat2 = np.array(lat) * 1e3, np.array(lat2) * 1e3
    print("train_s %.3f" % train_s)
    print("rounds %s" % ",".join(str(b.num_boosted_rounds()) for b in boosters))
    print("p50_ms %.3f\np95_ms %.3f" % (np.percentile(lat, 50), np.percentile(lat, 95)))
    print("inplace_p50_ms %.3f\ninplace_p95_ms %.3f" % (np.percentile(lat2, 50), np.percentile(lat2, 95)))


if __name__ == "__main__":
    main()
