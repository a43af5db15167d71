"""Train a small churn classifier and write its evaluation metrics as JSON.

Pure Python (no packages), so the example runs on any runner: a logistic regression
fitted by gradient descent on a synthetic, seeded customer table.
"""
import argparse
import json
import math
import random
import time
from pathlib import Path

COUNTRIES = ["us", "de", "fr"]


def make_customers(n, seed, tickets_rate=0.5):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        country = rng.choice(COUNTRIES)
        tenure = rng.uniform(0, 60)
        tickets = rng.expovariate(tickets_rate)
        spend = rng.gauss(50, 15)
        logit = 1.2 - 0.06 * tenure + 0.45 * tickets - 0.02 * spend + (0.4 if country == "fr" else 0)
        churned = rng.random() < 1 / (1 + math.exp(-logit))
        rows.append((country, [1.0, tenure / 60, tickets / 5, spend / 100], int(churned)))
    return rows


def write_customers(rows, path, seed):
    """The table the model was evaluated on, as data validation sees it."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out:
        out.write("customer_id,country,tenure_months,support_tickets,monthly_spend,email,churned\n")
        for i, (country, x, y) in enumerate(rows):
            out.write(
                f"{seed * 100000 + i},{country.upper()},{x[1] * 60:.1f},{round(x[2] * 5)},"
                f"{x[3] * 100:.2f},user{seed}_{i}@example.com,{'true' if y else 'false'}\n"
            )


def fit(rows, epochs, lr):
    w = [0.0] * 4
    for _ in range(epochs):
        grad = [0.0] * 4
        for _, x, y in rows:
            p = 1 / (1 + math.exp(-sum(a * b for a, b in zip(w, x))))
            for i, xi in enumerate(x):
                grad[i] += (p - y) * xi
        w = [wi - lr * g / len(rows) for wi, g in zip(w, grad)]
    return w


def evaluate(w, rows):
    scored = []
    started = time.perf_counter()
    for country, x, y in rows:
        scored.append((country, 1 / (1 + math.exp(-sum(a * b for a, b in zip(w, x)))), y))
    per_row_ms = (time.perf_counter() - started) * 1000 / len(rows)

    def counts(items):
        tp = sum(1 for _, p, y in items if p >= 0.5 and y)
        fp = sum(1 for _, p, y in items if p >= 0.5 and not y)
        fn = sum(1 for _, p, y in items if p < 0.5 and y)
        return tp, fp, fn

    tp, fp, fn = counts(scored)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    positives = sorted(p for _, p, y in scored if y)
    negatives = sorted(p for _, p, y in scored if not y)
    wins = sum(sum(1 for n in negatives if n < p) + 0.5 * sum(1 for n in negatives if n == p) for p in positives)
    slices = {}
    for country in COUNTRIES:
        s_tp, s_fp, s_fn = counts([r for r in scored if r[0] == country])
        slices[country] = {
            "recall": round(s_tp / (s_tp + s_fn), 4) if s_tp + s_fn else 0.0,
            "precision": round(s_tp / (s_tp + s_fp), 4) if s_tp + s_fp else 0.0,
        }
    eps = 1e-12
    return {
        "model": "churn-logreg",
        "accuracy": round(sum(1 for _, p, y in scored if (p >= 0.5) == bool(y)) / len(scored), 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "roc_auc": round(wins / (len(positives) * len(negatives)), 4),
        "log_loss": round(-sum(y * math.log(p + eps) + (1 - y) * math.log(1 - p + eps) for _, p, y in scored) / len(scored), 4),
        "eval": {"slices": slices},
        "latency_ms": {"per_row": round(per_row_ms, 5)},
        "train_rows": len(rows),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="metrics/candidate.json")
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tickets-rate", type=float, default=0.5)
    parser.add_argument("--data-out", help="also write the customer table as CSV")
    args = parser.parse_args()
    rows = make_customers(args.rows, args.seed, args.tickets_rate)
    if args.data_out:
        write_customers(rows, args.data_out, args.seed)
    split = int(len(rows) * 0.8)
    weights = fit(rows[:split], args.epochs, lr=1.5)
    metrics = evaluate(weights, rows[split:])
    metrics["train_rows"] = split
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {args.out}: accuracy {metrics['accuracy']}, f1 {metrics['f1']}")


if __name__ == "__main__":
    main()
