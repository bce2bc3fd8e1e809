#!/usr/bin/python3
"""anomaly against scikit-learn's IsolationForest (Debian python3-sklearn;
not needed by make check) on the same features and data.

    anomaly_sklearn.py fixture FILE OUT
        sklearn's scores of the rows 2.. of FILE (features value,diff), the
        mean over random_state 0..4 of -score_samples, one per line: the
        reference of the agreement test in tests/cli/anomaly.sh
        (tests/ref/anomaly_sklearn_5f5533.txt from
        data/nab_ec2_cpu_utilization_5f5533.csv).

    anomaly_sklearn.py nab PREP NAB BIN [SEEDS]
        every series of a corpus prep'ed by bench/nab.py prep (PREP) with the
        windows of the NAB checkout NAB; for each feature set and seed pair
        (ours --seed s+1, sklearn random_state s): both forests (100 trees,
        psi 256) fit on every complete row of a series and score those rows.
        Prints, per feature set and mode, the Spearman rank correlation of
        the scores (mean over series and seeds) and the ROC AUC of each on
        NAB's labels (rows inside an anomaly window; mean over the series
        with windows and the seeds).  tests/ref/anomaly_sklearn.txt is its
        output on the 37-series subset.

Both sides get the same feature matrix: anomaly --print-features writes it,
and sklearn fits on exactly those numbers.
"""
import csv
import datetime
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score


def ranks(x):
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    xs = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2.0
        i = j + 1
    return r


def spearman(a, b):
    """Spearman's rho; None when either side is constant (art_flatline)."""
    ra, rb = ranks(np.asarray(a)), ranks(np.asarray(b))
    if ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def sk_scores(X, seed):
    f = IsolationForest(n_estimators=100, max_samples=min(256, len(X)), random_state=seed).fit(X)
    return -f.score_samples(X)


def features(binary, path, spec):
    """The complete rows' features (and their row numbers) from anomaly --print-features."""
    out = subprocess.run([binary, "--print-features", "--features", spec, "--train", "100000000", path],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    rows, X = [], []
    for i, line in enumerate(out[1:]):
        v = line.split(",")[2:-2]   # timestamp,value,<features>,anomaly_score,anomaly
        if all(x != "" for x in v):
            rows.append(i)
            X.append([float(x) for x in v])
    return np.array(rows), np.array(X)


def ours(binary, path, spec, seed, tmp):
    """Scores of one forest fit on every complete row: {mode: scores}."""
    model = os.path.join(tmp, "m")
    res = {}
    for mode, cmd in (("plain", [binary, "--fit", "--save", model, "--features", spec, "--seed", str(seed),
                                 "--scoring", "plain", path]),
                      ("range", [binary, "--load", model, "--scoring", "range", path])):
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
        s = [line.split(",")[-2] for line in out[1:]]
        res[mode] = np.array([float(x) if x else np.nan for x in s])
    return res


def unix(s):
    d = datetime.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S") - datetime.datetime(1970, 1, 1)
    return int(d.total_seconds())


def fixture(path, outp):
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        v = np.array([float(row[1]) for row in r])
    X = np.column_stack([v[1:], np.diff(v)])
    s = np.mean([sk_scores(X, seed) for seed in range(5)], axis=0)
    with open(outp, "w") as f:
        f.write("# scikit-learn %s IsolationForest(n_estimators=100, max_samples=256), mean over random_state 0..4\n"
                % __import__("sklearn").__version__)
        f.write("# of -score_samples on (value, diff) of rows 2..%d of %s\n" % (len(v), os.path.basename(path)))
        for x in s:
            f.write("%.6f\n" % x)


def labels(path, wins):
    with open(path) as f:
        ts = [int(r[0]) for r in list(csv.reader(f))[1:]]
    lab = np.zeros(len(ts))
    for a, b in wins:
        ta, tb = unix(a), unix(b)
        for i, t in enumerate(ts):
            if ta <= t <= tb:
                lab[i] = 1
    return lab


def mean_or_nan(v):
    return float(np.mean(v)) if len(v) else float("nan")


def nab(prep, nabdir, binary, nseeds):
    with open(os.path.join(nabdir, "labels", "combined_windows.json")) as f:
        windows = json.load(f)
    specs = ["value", "value,diff,z:12,sd:12"]
    rels = []
    for cat in sorted(os.listdir(prep)):
        for name in sorted(os.listdir(os.path.join(prep, cat))):
            rels.append(cat + "/" + name)
    print("sklearn %s, numpy %s; %d series of %s; seeds: ours 1..%d, sklearn 0..%d (and %d..%d for" % (
        __import__("sklearn").__version__, np.__version__, len(rels), os.path.basename(nabdir.rstrip("/")),
        nseeds, nseeds - 1, nseeds, 2 * nseeds - 1))
    print("sklearn against itself).  Spearman: per series, then the mean over series (and seed pairs);")
    print("series whose scores are all equal (art_flatline) are left out.  ROC AUC: rows inside")
    print("NAB's anomaly windows are the positives; series with windows only.")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            pair = {"plain": [], "range": [], "sklearn": []}   # per series and seed
            avg = {"plain": [], "range": []}                   # per series, seed-mean scores
            auc = {"plain": [], "range": [], "sklearn": []}
            for rel in rels:
                path = os.path.join(prep, rel)
                rows, X = features(binary, path, spec)
                y = labels(path, windows[rel])[rows]
                sc = {"plain": [], "range": [], "sklearn": []}
                for s in range(nseeds):
                    sk, sk2 = sk_scores(X, s), sk_scores(X, s + nseeds)
                    sc["sklearn"].append(sk)
                    r = spearman(sk2, sk)
                    if r is not None:
                        pair["sklearn"].append(r)
                    both = ours(binary, path, spec, s + 1, tmp)
                    for mode in ("plain", "range"):
                        o = both[mode][rows]
                        sc[mode].append(o)
                        r = spearman(o, sk)
                        if r is not None:
                            pair[mode].append(r)
                for mode in ("plain", "range"):
                    r = spearman(np.mean(sc[mode], axis=0), np.mean(sc["sklearn"], axis=0))
                    if r is not None:
                        avg[mode].append(r)
                if 0 < y.sum() < len(y):
                    for k in auc:
                        auc[k].append(np.mean([roc_auc_score(y, v) for v in sc[k]]))
            print()
            print("features %s" % spec)
            print("  Spearman, one seed pair at a time (mean, min over %d):" % len(pair["sklearn"]))
            print("    sklearn seed s vs sklearn seed s+%d:  %.4f, %.4f" % (
                nseeds, mean_or_nan(pair["sklearn"]), min(pair["sklearn"])))
            for mode in ("plain", "range"):
                print("    anomaly --scoring %-5s vs sklearn: %.4f, %.4f" % (mode, mean_or_nan(pair[mode]), min(pair[mode])))
            print("  Spearman of the seed-mean scores (mean, min over %d series):" % len(avg["plain"]))
            for mode in ("plain", "range"):
                print("    anomaly --scoring %-5s vs sklearn: %.4f, %.4f" % (mode, mean_or_nan(avg[mode]), min(avg[mode])))
            print("  ROC AUC on NAB labels, mean over %d series (each the mean over the seeds):" % len(auc["sklearn"]))
            for k in ("sklearn", "plain", "range"):
                d = np.array(auc[k]) - np.array(auc["sklearn"])
                print("    %-7s %.4f  (minus sklearn: mean %+.4f, largest per series %+.4f)" % (
                    k, np.mean(auc[k]), d.mean(), d[np.argmax(np.abs(d))]))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "fixture":
        fixture(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "nab":
        nab(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) == 6 else 5)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
