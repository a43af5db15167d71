"""Trains the churn example's classifier with scikit-learn and records it in MLflow the way a
team would: one run per training, its evaluation metrics logged on the run and on MLflow 3's
logged model, each model registered as a version of `churn`, and the alias `champion` set.

Usage: python train_and_register.py <tracking uri> <plan json>
plan: {"model": "churn", "versions": [{"C": 1.0, "noise": 0.0, "commit": "<sha>"}, ...],
       "champion": 1, "plain_run": true, "plain_run_commit": "<sha>", "predictions_dir": "<folder>"}
With "predictions_dir", each run also logs its per-example predictions on the test set as the
artifact `eval/predictions.csv` (id, label, prediction, score), and the same file is written to
<folder>/v<version>.csv. A version's "commit" is set as the run's `mlflow.source.git.commit`. A version with
"register": "run" is registered from `runs:/<run_id>/model` as an MLflow 2 client (or a
registration by artifact URI) does: the version has the run and no `model_id`, though the run
logged an MLflow 3 model named `model`.
Prints a JSON summary: run ids, versions, model ids (and a run without a registered model).
"""
import json
import os
import sys

import mlflow
import numpy as np
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score


def customers(n, seed):
    rng = np.random.default_rng(seed)
    tenure = rng.uniform(0, 60, n)
    tickets = rng.exponential(2.0, n)
    spend = rng.normal(50, 15, n)
    logit = 1.2 - 0.06 * tenure + 0.45 * tickets - 0.02 * spend
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return np.column_stack([tenure / 60, tickets / 5, spend / 100]), churned.astype(int)


def main():
    uri, plan = sys.argv[1], json.loads(sys.argv[2])
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("churn")
    client = MlflowClient()
    name = plan["model"]
    x_train, y_train = customers(600, 1)
    x_test, y_test = customers(300, 2)
    out = {"versions": []}
    for spec in plan["versions"]:
        rng = np.random.default_rng(7)
        noisy = x_train + rng.normal(0, spec.get("noise", 0.0), x_train.shape)
        model = LogisticRegression(C=spec.get("C", 1.0), max_iter=200).fit(noisy, y_train)
        scores = model.predict_proba(x_test)[:, 1]
        predicted = (scores >= 0.5).astype(int)
        metrics = {
            "accuracy": float(accuracy_score(y_test, predicted)),
            "f1": float(f1_score(y_test, predicted)),
            "auc": float(roc_auc_score(y_test, scores)),
        }
        with mlflow.start_run() as run:
            mlflow.log_param("C", spec.get("C", 1.0))
            # A training curve: the history of one metric over steps.
            for step in range(3):
                mlflow.log_metric("accuracy", metrics["accuracy"] - 0.01 * (2 - step), step=step)
            logged = mlflow.sklearn.log_model(model, name="model", input_example=x_test[:2])
            mlflow.log_metrics(metrics, step=3, model_id=logged.model_id)
            if spec.get("commit"):
                mlflow.set_tag("mlflow.source.git.commit", spec["commit"])
            table = None
            if plan.get("predictions_dir"):
                rows = ["id,label,prediction,score"] + [
                    f"c{i:04d},{y},{p},{s:.6f}"
                    for i, (y, p, s) in enumerate(zip(y_test, predicted, scores))
                ]
                table = "\n".join(rows) + "\n"
                os.makedirs("eval", exist_ok=True)
                with open("eval/predictions.csv", "w") as f:
                    f.write(table)
                mlflow.log_artifact("eval/predictions.csv", artifact_path="eval")
            if spec.get("register") == "run":
                try:
                    client.create_registered_model(name)
                except mlflow.exceptions.MlflowException:
                    pass
                version = client.create_model_version(
                    name, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id
                )
            else:
                version = mlflow.register_model(f"models:/{logged.model_id}", name)
        if table is not None:
            with open(os.path.join(plan["predictions_dir"], f"v{version.version}.csv"), "w") as f:
                f.write(table)
        out["versions"].append(
            {
                "version": version.version,
                "run_id": run.info.run_id,
                "model_id": logged.model_id,
                "registered_model_id": version.model_id,
                "experiment_id": run.info.experiment_id,
                "metrics": metrics,
            }
        )
    if plan.get("champion"):
        client.set_registered_model_alias(name, "champion", str(plan["champion"]))
    if plan.get("plain_run"):
        with mlflow.start_run() as run:
            mlflow.log_metrics({"accuracy": 0.5, "f1": 0.4})
            if plan.get("plain_run_commit"):
                mlflow.set_tag("mlflow.source.git.commit", plan["plain_run_commit"])
        out["plain_run"] = run.info.run_id
    print(json.dumps(out))


if __name__ == "__main__":
    main()
