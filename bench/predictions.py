"""The Python side of bench/predictions.ts: `quality-gate --predictions` computed with pandas,
numpy and scikit-learn, as a data scientist would write it: read both Parquet files, pair them
by id, then a paired bootstrap that resamples the ids with replacement (rng.integers) and
recomputes accuracy, precision, recall, F1 (numpy, vectorised) and ROC AUC (roc_auc_score) of
both models on each resample; overall, then within each slice. McNemar's exact test by scipy.

    python bench/predictions.py BASE CAND --resamples 1000 [--measured 20]

--measured N runs N of the resamples (overall and in every slice) and times them: each
resample costs the same, so the report adds (resamples - N) x the time of one; a full run of
10 M rows x 1,000 resamples takes hours. Prints one JSON line: seconds per phase and the
point metrics (checked against sluice's by the bench).
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("cand")
parser.add_argument("--resamples", type=int, default=1000)
parser.add_argument("--measured", type=int, default=None)
parser.add_argument("--slice", default="segment")
args = parser.parse_args()
measured = min(args.resamples, args.measured or args.resamples)

started = time.perf_counter()
base = pd.read_parquet(args.base)
cand = pd.read_parquet(args.cand)
df = cand.merge(base[["id", "prediction", "score"]], on="id", suffixes=("_b", "_a"))
y = df["label"].to_numpy() == 1
pa = df["prediction_a"].to_numpy() == 1
pb = df["prediction_b"].to_numpy() == 1
sa = df["score_a"].to_numpy()
sb = df["score_b"].to_numpy()
slices = df[args.slice].astype("category")
read_s = time.perf_counter() - started


def metrics(y, p, s):
    tp = np.count_nonzero(p & y)
    predicted = np.count_nonzero(p)
    actual = np.count_nonzero(y)
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * tp / (predicted + actual) if predicted + actual else 0.0
    auc = roc_auc_score(y, s) if 0 < actual < len(y) else np.nan
    return np.array([np.mean(p == y), precision, recall, f1, auc])


def bootstrap(rows, rng, count):
    n = len(rows)
    deltas = []
    for _ in range(count):
        idx = rows[rng.integers(0, n, n)]
        deltas.append(metrics(y[idx], pb[idx], sb[idx]) - metrics(y[idx], pa[idx], sa[idx]))
    return np.array(deltas)


def interval(deltas):
    return np.nanpercentile(deltas, [2.5, 97.5], axis=0)


started = time.perf_counter()
rng = np.random.default_rng(7)
everything = np.arange(len(df))
point = {"baseline": metrics(y, pa, sa).tolist(), "candidate": metrics(y, pb, sb).tolist()}
right_a = pa == y
right_b = pb == y
worse = int(np.count_nonzero(right_a & ~right_b))
better = int(np.count_nonzero(~right_a & right_b))
p_mcnemar = binomtest(min(worse, better), worse + better, 0.5).pvalue if worse + better else 1.0
point_s = time.perf_counter() - started
started = time.perf_counter()
overall = interval(bootstrap(everything, rng, measured))
per_slice = {}
for value, rows in df.groupby(slices, observed=True).indices.items():
    per_slice[str(value)] = interval(bootstrap(rows, rng, measured)).tolist()
bootstrap_s = time.perf_counter() - started

print(json.dumps({
    "rows": len(df),
    "read_s": read_s,
    "point_s": point_s,
    "bootstrap_s": bootstrap_s,
    "measured": measured,
    "resamples": args.resamples,
    # Each resample costs the same: the full run's time, from the measured ones.
    "estimated_total_s": read_s + point_s + bootstrap_s * args.resamples / measured,
    "point": point,
    "mcnemar_p": p_mcnemar,
    "overall_interval": overall.tolist(),
    "slices": len(per_slice),
}))
