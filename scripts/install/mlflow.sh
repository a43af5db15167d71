#!/usr/bin/env bash
# Installs a pinned MLflow tracking server (with its basic-auth app, and scikit-learn for the
# training script the tests run) into a virtualenv in a version-keyed cache folder, for
# test/integration/mlflow/*, which start their own `mlflow server` on 127.0.0.1 with a SQLite
# backend in a temporary folder, and for the rollout scenarios (test/integration/rollout), which
# train examples/churn/train.py's model with it and serve it with examples/churn/serve/serve.py
# (scikit-learn, joblib and numpy: all three come with scikit-learn). Idempotent and quick when cached: the marker file holds the
# requirements it was made with, so a changed pin reinstalls and an interrupted install is redone,
# never half-used. Cold: about 90 s on a 2-core machine. Prints the venv's folder last.
#   SLUICE_CACHE_DIR   cache root (default ~/.cache/sluice)
#   SLUICE_MLFLOW_VENV the venv folder (default <cache root>/mlflow-venv-<version>)
set -euo pipefail

# 3.18.0 is the newest mlflow on PyPI here, but the mlflow-tracing==3.18.0 it pins is not served.
MLFLOW_VERSION="3.17.2"
requirements=("mlflow[auth]==$MLFLOW_VERSION" "scikit-learn")
cache="${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}"
venv="${SLUICE_MLFLOW_VENV:-$cache/mlflow-venv-$MLFLOW_VERSION}"
marker="$venv/.sluice-complete"

if [ -f "$marker" ] && [ "$(cat "$marker")" = "${requirements[*]}" ]; then
  echo "mlflow.sh: mlflow $MLFLOW_VERSION cached in $venv"
  exit 0
fi
python="$(command -v python3 || true)"
if [ -z "$python" ]; then
  echo "mlflow.sh: python3 (3.10+) is required to install MLflow (apt-get install python3 python3-venv)" >&2
  exit 1
fi
started=$(date +%s)
rm -f "$marker"
mkdir -p "$(dirname "$venv")"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
"$venv/bin/mlflow" --version >/dev/null
printf '%s' "${requirements[*]}" >"$marker"
echo "mlflow.sh: installed mlflow $MLFLOW_VERSION in $venv in $(($(date +%s) - started)) s"
