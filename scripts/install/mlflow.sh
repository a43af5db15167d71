#!/usr/bin/env bash
# Installs a pinned MLflow tracking server (and scikit-learn, for the training script the tests
# run) into a virtualenv in a version-keyed cache folder, for test/integration/mlflow/*, which
# start their own `mlflow server` on 127.0.0.1 with a SQLite backend in a temporary folder.
# Idempotent and quick when cached: the venv is complete only once its marker file exists, so an
# interrupted install is redone, never half-used. Prints the venv's folder last.
#   SLUICE_CACHE_DIR   cache root (default ~/.cache/sluice)
#   SLUICE_MLFLOW_VENV where the tests find it (they read the same default)
set -euo pipefail

# 3.18.0 is the newest mlflow on PyPI here, but its mlflow-tracing==3.18.0 is not served yet.
MLFLOW_VERSION="3.17.2"

cache="${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}"
venv="${SLUICE_MLFLOW_VENV:-$cache/mlflow-venv-$MLFLOW_VERSION}"
marker="$venv/.sluice-complete"

if [ -f "$marker" ]; then
  echo "mlflow.sh: mlflow $MLFLOW_VERSION cached in $venv"
  exit 0
fi
python="$(command -v python3 || true)"
if [ -z "$python" ]; then
  echo "mlflow.sh: python3 (3.10+) is required to install MLflow (apt-get install python3 python3-venv)" >&2
  exit 1
fi
started=$(date +%s)
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "mlflow==$MLFLOW_VERSION" scikit-learn
"$venv/bin/mlflow" --version >/dev/null
touch "$marker"
echo "mlflow.sh: installed mlflow $MLFLOW_VERSION in $venv in $(($(date +%s) - started)) s"
