"""Train the churn classifier with scikit-learn and write its evaluation metrics as JSON.

    python train.py --write-data data/train.csv      # this week's customer table (seeded)
    python train.py --data data/train.csv            # train, evaluate, write metrics + model

The table is synthetic and seeded, so every run of a commit gives the same model and metrics.
It also writes the held-out examples' predictions (id, label, prediction, score, country) for
`sluice quality-gate --predictions`, which compares them with the champion's example by example.
With MLFLOW_TRACKING_URI set, the run is logged to MLflow (parameters, metrics, the model, the
predictions file as an artifact, the commit) and its id written to metrics/mlflow-run-id; without
it nothing but files is written.
"""
import argparse
import csv
import json
import math
import os
import random
import time
from pathlib import Path

COUNTRIES = ["US", "DE", "FR"]
FEATURES = ["tenure_months", "support_tickets", "monthly_spend", "country_fr"]


def write_customers(path, rows, seed, tickets_rate=0.5):
    """A seeded customer table, as data validation sees it."""
    rng = random.Random(seed)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as out:
        out.write("customer_id,country,tenure_months,support_tickets,monthly_spend,email,churned\n")
        for i in range(rows):
            country = rng.choice(COUNTRIES)
            tenure = rng.uniform(0, 60)
            tickets = rng.expovariate(tickets_rate)
            spend = max(0.0, rng.gauss(50, 15))
            logit = 1.2 - 0.06 * tenure + 0.45 * tickets - 0.02 * spend + (0.4 if country == "FR" else 0)
            churned = rng.random() < 1 / (1 + math.exp(-logit))
            out.write(
                f"{seed * 100000 + i},{country},{tenure:.1f},{round(tickets)},{spend:.2f},"
                f"user{seed}_{i}@example.com,{'true' if churned else 'false'}\n"
            )


def read_customers(path):
    import numpy as np

    ids, countries, x, y = [], [], [], []
    with open(path, newline="") as table:
        for row in csv.DictReader(table):
            ids.append(row["customer_id"])
            countries.append(row["country"])
            x.append([
                float(row["tenure_months"]) / 60,
                float(row["support_tickets"]) / 5,
                float(row["monthly_spend"]) / 100,
                1.0 if row["country"] == "FR" else 0.0,
            ])
            y.append(1 if row["churned"] == "true" else 0)
    return np.array(ids), np.array(countries), np.array(x), np.array(y)


def write_predictions(path, model, ids, countries, x, y):
    """One row per held-out example: what quality-gate --predictions pairs by id."""
    scores = model.predict_proba(x)[:, 1]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as out:
        out.write("id,label,prediction,score,country\n")
        for i in range(len(y)):
            out.write(f"{ids[i]},{y[i]},{int(scores[i] >= 0.5)},{scores[i]:.6f},{countries[i]}\n")


def evaluate(model, countries, x, y):
    from sklearn.metrics import accuracy_score, f1_score, log_loss, precision_score, recall_score, roc_auc_score

    # Latency: the fastest of 25 passes (as timeit does), so a busy machine does not fail the gate.
    timings = []
    for _ in range(25):
        started = time.perf_counter()
        scores = model.predict_proba(x)[:, 1]
        timings.append(time.perf_counter() - started)
    per_row_ms = min(timings) * 1000 / len(y)
    predicted = (scores >= 0.5).astype(int)
    slices = {}
    for country in COUNTRIES:
        mask = countries == country
        slices[country.lower()] = {
            "recall": round(float(recall_score(y[mask], predicted[mask], zero_division=0)), 4),
            "precision": round(float(precision_score(y[mask], predicted[mask], zero_division=0)), 4),
        }
    return {
        "model": "churn-logreg",
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "f1": round(float(f1_score(y, predicted)), 4),
        "roc_auc": round(float(roc_auc_score(y, scores)), 4),
        "log_loss": round(float(log_loss(y, scores)), 4),
        "eval": {"slices": slices},
        "latency_ms": {"per_row": round(per_row_ms, 5)},
    }


def log_to_mlflow(params, metrics, model, x_example, predictions):
    """One MLflow run per training, when a tracking server is configured."""
    import mlflow
    import mlflow.sklearn

    mlflow.set_experiment(os.environ.get("MLFLOW_EXPERIMENT_NAME", "churn"))
    with mlflow.start_run() as run:
        # The commit CI builds, which MLflow only finds itself from a git checkout with GitPython:
        # `sluice quality-gate --metrics mlflow:commit:<experiment>` finds the run by it.
        commit = os.environ.get("GITHUB_SHA") or os.environ.get("CI_COMMIT_SHA")
        if commit:
            mlflow.set_tag("mlflow.source.git.commit", commit)
        mlflow.log_params(params)
        flat = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
        flat.update({f"recall_{c}": s["recall"] for c, s in metrics["eval"]["slices"].items()})
        mlflow.log_metrics(flat)
        mlflow.sklearn.log_model(model, name="model", input_example=x_example[:2])
        # At the artifacts' root under its own name: where --baseline-predictions mlflow:… looks.
        mlflow.log_artifact(predictions)
        return run.info.run_id


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-data", metavar="CSV", help="write the seeded customer table and stop")
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--tickets-rate", type=float, default=0.5)
    parser.add_argument("--data", default="data/train.csv", help="the table to train on")
    parser.add_argument("--out", default="metrics/candidate.json")
    parser.add_argument("--model-dir", default="model")
    parser.add_argument("--predictions", default="metrics/predictions.csv", help="per-example predictions")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    args = parser.parse_args()
    if args.write_data:
        write_customers(args.write_data, args.rows, args.seed, args.tickets_rate)
        print(f"wrote {args.write_data}: {args.rows} customers (seed {args.seed})")
        return

    import joblib
    from sklearn.linear_model import LogisticRegression

    ids, countries, x, y = read_customers(args.data)
    split = int(len(y) * 0.8)
    model = LogisticRegression(C=args.C, max_iter=1000).fit(x[:split], y[:split])
    metrics = evaluate(model, countries[split:], x[split:], y[split:])
    write_predictions(args.predictions, model, ids[split:], countries[split:], x[split:], y[split:])
    metrics["train_rows"] = split
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(metrics, indent=2) + "\n")
    Path(args.model_dir).mkdir(parents=True, exist_ok=True)
    joblib.dump(model, Path(args.model_dir) / "model.joblib")
    (Path(args.model_dir) / "features.json").write_text(json.dumps(FEATURES) + "\n")
    print(f"wrote {args.out}: accuracy {metrics['accuracy']}, f1 {metrics['f1']}, roc_auc {metrics['roc_auc']}")
    if os.environ.get("MLFLOW_TRACKING_URI"):
        run_id = log_to_mlflow({"C": args.C, "rows": len(y)}, metrics, model, x, args.predictions)
        Path(args.out).with_name("mlflow-run-id").write_text(run_id + "\n")
        print(f"logged MLflow run {run_id}")


if __name__ == "__main__":
    main()
