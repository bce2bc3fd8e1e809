#!/usr/bin/python3
"""NAB scoring (the Numenta Anomaly Benchmark, Lavin and Ahmad 2015), written
from its paper and README for scalepipe; Python 3 standard library only.

    nab.py check NAB                 reproduce the Random Cut Forest results of a NAB
                                     checkout: every S(t) column, each file's raw
                                     score, TP, TN, FP and FN, for every profile
    nab.py prep NAB DIR              write each data file as scalepipe CSV to DIR/<category>/
                                     <file>.csv: Unix seconds, and a time that does not
                                     increase (NAB has repeated and backward local
                                     times) moved to the previous one + 1 s
    nab.py collect PREP IN OUT KIND  scores of scalepipe outputs IN/<category>/<file>.csv
                                     for the rows of the prep'ed PREP/...: KIND score =
                                     the anomaly_score of the row with the same timestamp;
                                     burst = 1 where the state of the output row whose
                                     time step holds the row's time (the last output
                                     timestamp <= it: a resampled bin) is burst; 0 for
                                     rows IN lacks or leaves empty; written as
                                     OUT/<category>/<file>.csv
    nab.py score NAB NAME=DIR ...    score detectors: DIR/<category>/<file>.csv holds
                                     a column anomaly_score (one row per data row);
                                     DIR rcf takes NAB's Random Cut Forest results,
                                     null a detector that never detects, gauss the
                                     windowed Gaussian below; NAME=DIR@TH scores at the
                                     threshold TH instead of the corpus optimum.  Prints
                                     a Markdown table per profile.

NAB is a NAB checkout (data/, labels/combined_windows.json, config/profiles.json,
results/randomCutForest/); the corpus is every data file listed in the windows
file that exists under data/ (58 in a full checkout), or only those listed in
the file $NAB_FILES names (data/nab/files.txt: the 37-file subset that
data/nab/README.md describes).

The windowed Gaussian baseline (as NAB's): the score of row t is 1 - Q(|z|),
z = (x(t) - m) / s with m and s the mean and standard deviation (s = 1e-6 when
0) of the previous min(t, 1000) values, Q the Gaussian upper tail; 0 for the
first row.

The rules, as implemented here:
- Probation: the first min(floor(0.15 n), 0.15 * 5000) rows of a file count for
  nothing, detections or not.
- A row is a detection when anomaly_score >= threshold.
- Window k = rows whose timestamps lie in [start, end], W rows.  A window with
  no row after probation is not scored.  Its first detection at row i earns
  tpWeight * sigma(-(end - i + 1) / W) / sigma(-1), where
  sigma(x) = 2 / (1 + exp(5 x)) - 1 (the scaled sigmoid; -1 when x >= 3);
  so a detection at the window's first row earns exactly tpWeight.  A window
  without detection costs fnWeight.  Later detections in it count nothing.
- A detection outside every window costs fpWeight * sigma(|end_p - i| / (W_p - 1))
  (a negative number) where end_p, W_p belong to the closest preceding window,
  or fpWeight * sigma(3) = -fpWeight when no window precedes it.
- S(t) (the per-row column of NAB's results files) holds each scored window's
  score at the window's first row, each false positive's at its row, 0 elsewhere.
- TP, FP, FN, TN count rows after probation (inside/outside windows, detected or
  not).
- The threshold is one per profile for the whole corpus: the value, among all
  scores of the corpus, that maximises the summed raw score (highest threshold
  on a tie).
- Normalised score = 100 (raw - null) / (perfect - null), with null the raw
  score of a detector that never detects (-fnWeight per scored window) and
  perfect = tpWeight times the number of windows.
"""
import bisect
import csv
import datetime
import json
import math
import os
import sys

PROBATION = 0.15
PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


def scaled_sigmoid(x):
    if x >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


MAX_TP = scaled_sigmoid(-1.0)


def probation_rows(n):
    return min(math.floor(PROBATION * n), PROBATION * 5000)


def ts_key(s):
    """'2014-04-10 07:15:00.000000' and '2014-04-10 07:15:00' -> the second."""
    return s.strip()[:19]


class Corpus:
    def __init__(self, nab):
        self.nab = nab
        with open(os.path.join(nab, "labels", "combined_windows.json")) as f:
            windows = json.load(f)
        with open(os.path.join(nab, "config", "profiles.json")) as f:
            prof = json.load(f)
        self.profiles = {p: prof[p]["CostMatrix"] for p in PROFILES}
        only = None
        if os.environ.get("NAB_FILES"):
            with open(os.environ["NAB_FILES"]) as f:
                only = set(line.strip() for line in f if line.strip())
        self.files = []      # relative paths, sorted
        self.ts = {}         # rel -> timestamps (str)
        self.values = {}     # rel -> values
        self.windows = {}    # rel -> [(first_row, last_row)]
        for rel in sorted(windows):
            path = os.path.join(nab, "data", rel)
            if not os.path.exists(path) or (only is not None and rel not in only):
                continue
            ts, vals = [], []
            with open(path, newline="") as f:
                r = csv.reader(f)
                next(r)
                for row in r:
                    ts.append(ts_key(row[0]))
                    vals.append(float(row[1]))
            index = {t: i for i, t in enumerate(ts)}
            wins = []
            for a, b in windows[rel]:
                ia, ib = index.get(ts_key(a)), index.get(ts_key(b))
                if ia is None or ib is None:   # a limit between rows: the rows inside
                    ia = next(i for i, t in enumerate(ts) if t >= ts_key(a))
                    ib = max(i for i, t in enumerate(ts) if t <= ts_key(b))
                wins.append((ia, ib))
            self.files.append(rel)
            self.ts[rel], self.values[rel], self.windows[rel] = ts, vals, wins
        if not self.files:
            raise SystemExit("nab.py: no data files of labels/combined_windows.json under %s/data" % nab)

    def n_windows(self):
        return sum(len(self.windows[f]) for f in self.files)


def row_parts(n, wins, cost):
    """Per row: (kind, key, value) with kind 'p' probation, 'w' in window key,
    'f' outside windows; value = what a detection there is worth.  Also the
    scored windows (key -> first row)."""
    prob = probation_rows(n)
    parts = [None] * n
    scored = {}
    k = 0
    prev = None   # (end, width) of the last window that ended
    for i in range(n):
        while k < len(wins) and wins[k][1] < i:
            prev = (wins[k][1], wins[k][1] - wins[k][0] + 1)
            k += 1
        inwin = k < len(wins) and wins[k][0] <= i <= wins[k][1]
        if i < prob:
            parts[i] = ("p", None, 0.0)
            continue
        if inwin:
            a, b = wins[k]
            scored.setdefault(k, a)
            v = scaled_sigmoid(-(b - i + 1) / float(b - a + 1)) * cost["tpWeight"] / MAX_TP
            parts[i] = ("w", k, v)
        else:
            pos = 3.0 if prev is None else abs(prev[0] - i) / float(prev[1] - 1)
            parts[i] = ("f", None, scaled_sigmoid(pos) * cost["fpWeight"])
    return parts, scored


def score_file(n, wins, scores, threshold, cost):
    """Raw score, counts and the S(t) column of one file at a threshold."""
    parts, scored = row_parts(n, wins, cost)
    st = [0.0] * n
    best = {k: None for k in scored}
    tp = tn = fp = fn = 0
    fpsum = 0.0
    for i, (kind, key, v) in enumerate(parts):
        if kind == "p":
            continue
        det = scores[i] >= threshold
        if kind == "w":
            if det:
                tp += 1
                if best[key] is None:
                    best[key] = v
            else:
                fn += 1
        else:
            if det:
                fp += 1
                st[i] = v
                fpsum += v
            else:
                tn += 1
    total = fpsum
    for k, a in scored.items():
        w = best[k] if best[k] is not None else -cost["fnWeight"]
        st[a] = w
        total += w
    return total, tp, tn, fp, fn, st


def sweep(corpus, scores, cost):
    """The corpus-wide threshold search: [(threshold, raw score)] for every
    distinct score value, descending; the first entry (threshold inf) is no
    detection at all."""
    events = []   # (score, file index, kind, key, value)
    base = 0.0
    for fi, rel in enumerate(corpus.files):
        n = len(corpus.ts[rel])
        parts, scored = row_parts(n, corpus.windows[rel], cost)
        base -= cost["fnWeight"] * len(scored)
        s = scores[rel]
        for i, (kind, key, v) in enumerate(parts):
            if kind != "p":
                events.append((s[i], fi, kind, key, v))
    events.sort(key=lambda e: -e[0])
    fnw = cost["fnWeight"]
    best = {}
    total = base
    out = [(math.inf, total)]
    j = 0
    while j < len(events):
        th = events[j][0]
        while j < len(events) and events[j][0] == th:
            _, fi, kind, key, v = events[j]
            if kind == "f":
                total += v
            else:
                old = best.get((fi, key))
                if old is None:
                    total += v + fnw
                    best[(fi, key)] = v
                elif v > old:
                    total += v - old
                    best[(fi, key)] = v
            j += 1
        out.append((th, total))
    return out


def best_threshold(corpus, scores, cost):
    sw = sweep(corpus, scores, cost)
    th, raw = sw[0]
    for t, s in sw[1:]:
        if s > raw:
            th, raw = t, s
    return th, raw


def null_score(corpus, cost):
    s = 0.0
    for rel in corpus.files:
        _, scored = row_parts(len(corpus.ts[rel]), corpus.windows[rel], cost)
        s -= cost["fnWeight"] * len(scored)
    return s


def normalised(corpus, raw, cost):
    null = null_score(corpus, cost)
    perfect = corpus.n_windows() * cost["tpWeight"]
    return 100.0 * (raw - null) / (perfect - null)


# ---- detectors' results -------------------------------------------------------

def read_scores(path, n):
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        col = head.index("anomaly_score")
        s = []
        for row in r:
            v = row[col].strip()
            s.append(float(v) if v not in ("", "NaN", "nan") else 0.0)
    if len(s) != n:
        raise SystemExit("nab.py: %s: %d rows, the data file has %d" % (path, len(s), n))
    return s


def gauss_scores(values, window=1000):
    out = []
    for t, x in enumerate(values):
        if t == 0:
            out.append(0.0)
            continue
        w = values[max(0, t - window):t]
        m = sum(w) / len(w)
        sd = math.sqrt(sum((v - m) ** 2 for v in w) / len(w)) or 1e-6
        out.append(1.0 - 0.5 * math.erfc(abs(x - m) / sd / math.sqrt(2)))
    return out


def rcf_path(nab, rel):
    cat, name = rel.split("/")
    return os.path.join(nab, "results", "randomCutForest", cat, "randomCutForest_" + name)


def load_detector(corpus, name, d):
    scores = {}
    for rel in corpus.files:
        n = len(corpus.ts[rel])
        if d == "null":
            scores[rel] = [0.0] * n
        elif d == "gauss":
            scores[rel] = gauss_scores(corpus.values[rel])
        else:
            path = rcf_path(corpus.nab, rel) if d == "rcf" else os.path.join(d, rel)
            scores[rel] = read_scores(path, n)
    return scores


def rcf_thresholds(nab):
    th, rows = {}, {}
    for p in PROFILES:
        with open(os.path.join(nab, "results", "randomCutForest", "randomCutForest_%s_scores.csv" % p),
                  newline="") as f:
            for row in csv.DictReader(f):
                if row["File"] == "Totals" or not row["File"]:
                    continue
                th[p] = float(row["Threshold"])
                rows[(p, row["File"])] = row
    return th, rows


# ---- check against NAB's own results -----------------------------------------

def same(want, got):
    """NAB's files print floats with 12 significant digits (Python 2's str):
    ours, rounded the same way, must be the very number printed."""
    return float("%.12g" % got) == want


def check(nab):
    corpus = Corpus(nab)
    th, table = rcf_thresholds(nab)
    nrows = nst = nbad = nfiles = 0
    for rel in corpus.files:
        with open(rcf_path(nab, rel), newline="") as f:
            rows = list(csv.DictReader(f))
        n = len(corpus.ts[rel])
        scores = [float(r["anomaly_score"]) for r in rows]
        for p in PROFILES:
            cost = corpus.profiles[p]
            total, tp, tn, fp, fn, st = score_file(n, corpus.windows[rel], scores, th[p], cost)
            for i, r in enumerate(rows):
                want = float(r["S(t)_" + p])
                nst += 1
                if not same(want, st[i]):
                    nbad += 1
                    if nbad <= 20:
                        print("%s %s row %d: S(t) %r, want %r" % (rel, p, i + 1, st[i], want))
            t = table.get((p, rel))
            if t is None:
                print("%s: no row in the %s scores table" % (rel, p))
                nbad += 1
                continue
            got = (tp, tn, fp, fn)
            want = tuple(int(t[k]) for k in ("TP", "TN", "FP", "FN"))
            if got != want or not same(float(t["Score"]), total):
                nbad += 1
                print("%s %s: score %.12g TP/TN/FP/FN %s, want %s %s" % (rel, p, total, got, t["Score"], want))
            nfiles += 1
        nrows += n
    print("check: %d files x %d profiles, %d S(t) values, raw scores and TP/TN/FP/FN: %d mismatches"
          % (len(corpus.files), len(PROFILES), nst, nbad))
    # the corpus: NAB's thresholds, and the normalised score they give here
    for p in PROFILES:
        cost = corpus.profiles[p]
        raw = sum(float(table[(p, rel)]["Score"]) for rel in corpus.files)
        print("  %-20s threshold %.12g  raw %.6f  normalised %.2f" % (p, th[p], raw, normalised(corpus, raw, cost)))
    return nbad == 0


# ---- the table ------------------------------------------------------------------

def evaluate(corpus, scores, cost, threshold=None):
    """Totals at a threshold (the corpus optimum when None)."""
    if threshold is None:
        threshold, _ = best_threshold(corpus, scores, cost)
    raw = 0.0
    tp = tn = fp = fn = 0
    wdet = wtot = 0
    for rel in corpus.files:
        n = len(corpus.ts[rel])
        s, a, b, c, d, _ = score_file(n, corpus.windows[rel], scores[rel], threshold, cost)
        raw += s
        tp, tn, fp, fn = tp + a, tn + b, fp + c, fn + d
        parts, scored = row_parts(n, corpus.windows[rel], cost)
        for k in scored:
            wtot += 1
            lo, hi = corpus.windows[rel][k]
            if any(scores[rel][i] >= threshold and parts[i][0] == "w" for i in range(lo, hi + 1)):
                wdet += 1
    return {"threshold": threshold, "raw": raw, "score": normalised(corpus, raw, cost),
            "tp": tp, "tn": tn, "fp": fp, "fn": fn, "wdet": wdet, "wtot": wtot}


def fmt_th(t):
    return "never" if t == math.inf else "%.6g" % t


def score_cmd(nab, specs):
    corpus = Corpus(nab)
    dets = []
    for spec in specs:
        name, _, d = spec.partition("=")
        d, _, th = d.partition("@")
        dets.append((name, load_detector(corpus, name, d or name), float(th) if th else None))
    rcf_th = None
    print("Corpus: %d files, %d rows, %d anomaly windows (%s)." % (
        len(corpus.files), sum(len(corpus.ts[f]) for f in corpus.files), corpus.n_windows(), nab.rstrip("/").split("/")[-1]))
    print()
    print("Each detector's threshold is the corpus-wide optimum for the profile (NAB's rule).")
    print("Precision = TP / (TP + FP) and false-positive rate = FP / (FP + TN), in rows after")
    print("probation (NAB's row counts); windows = anomaly windows with at least one detection.")
    for p in PROFILES:
        cost = corpus.profiles[p]
        print()
        print("### %s (tp %g, fp %g, fn %g)" % (p, cost["tpWeight"], cost["fpWeight"], cost["fnWeight"]))
        print()
        print("| detector | score | raw | threshold | windows | TP | FP | FN | precision | FP rate |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        rows = []
        for name, sc, th in dets:
            rows.append((name, evaluate(corpus, sc, cost, th)))
            if name == "rcf":
                if rcf_th is None:
                    rcf_th, _ = rcf_thresholds(nab)
                rows.append(("rcf (NAB's threshold)", evaluate(corpus, sc, cost, rcf_th[p])))
        for name, e in rows:
            prec = e["tp"] / (e["tp"] + e["fp"]) if e["tp"] + e["fp"] else float("nan")
            fpr = e["fp"] / (e["fp"] + e["tn"]) if e["fp"] + e["tn"] else float("nan")
            print("| %s | %.1f | %.2f | %s | %d/%d | %d | %d | %d | %s | %.2f %% |" % (
                name, e["score"], e["raw"], fmt_th(e["threshold"]), e["wdet"], e["wtot"], e["tp"], e["fp"],
                e["fn"], "-" if prec != prec else "%.1f %%" % (100 * prec), 100 * fpr))


def prep(nab, outdir):
    corpus = Corpus(nab)
    epoch = datetime.datetime(1970, 1, 1)
    moved = 0
    for rel in corpus.files:
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        prev = None
        with open(path, "w") as f:
            f.write("timestamp,value\n")
            for t, v in zip(corpus.ts[rel], corpus.values[rel]):
                u = int((datetime.datetime.strptime(t, "%Y-%m-%d %H:%M:%S") - epoch).total_seconds())
                if prev is not None and u <= prev:
                    u = prev + 1
                    moved += 1
                prev = u
                f.write("%d,%s\n" % (u, repr(v)))
    print("prep: %d files into %s, %d timestamps moved forward" % (len(corpus.files), outdir, moved))


def collect(prep, indir, outdir, kind):
    nfiles = 0
    for cat in sorted(os.listdir(prep)):
        for name in sorted(os.listdir(os.path.join(prep, cat))):
            rel = os.path.join(cat, name)
            with open(os.path.join(prep, rel), newline="") as f:
                ts = [row[0] for row in list(csv.reader(f))[1:]]
            got = {}
            src = os.path.join(indir, rel)
            if os.path.exists(src):
                with open(src, newline="") as f:
                    for row in csv.DictReader(f):
                        if kind == "burst":
                            got[float(row["timestamp"])] = 1.0 if row["state"] == "burst" else 0.0
                        elif row["anomaly_score"] != "":
                            got[float(row["timestamp"])] = float(row["anomaly_score"])
            keys = sorted(got)
            os.makedirs(os.path.join(outdir, cat), exist_ok=True)
            with open(os.path.join(outdir, rel), "w") as f:
                f.write("timestamp,anomaly_score\n")
                for t in ts:
                    u = float(t)
                    if kind == "burst":
                        k = bisect.bisect_right(keys, u) - 1
                        v = got[keys[k]] if k >= 0 else 0.0
                    else:
                        v = got.get(u, 0.0)
                    f.write("%s,%r\n" % (t, v))
            nfiles += 1
    print("collect: %d files into %s" % (nfiles, outdir))


def main(argv):
    if len(argv) >= 6 and argv[1] == "collect":
        collect(argv[2], argv[3], argv[4], argv[5])
        return 0
    if len(argv) >= 4 and argv[1] == "prep":
        prep(argv[2], argv[3])
        return 0
    if len(argv) >= 3 and argv[1] == "check":
        return 0 if check(argv[2]) else 1
    if len(argv) >= 4 and argv[1] == "score":
        score_cmd(argv[2], argv[3:])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
