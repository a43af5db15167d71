#!/usr/bin/env bash
# Creates .venv with the pinned scientific stack used only to regenerate the drift fixtures
# (test/fixtures/data/drift/*.json). The tests read the committed numbers, not this venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  numpy==2.2.6 scipy==1.15.3 pandas==2.2.3
# Evidently is optional: the fixture script reimplements its formulas when it is absent.
if [ "${WITH_EVIDENTLY:-0}" = "1" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check evidently==0.7.11 || \
    echo "evidently did not install; scripts/fixtures/drift.py uses its own port of the formulas" >&2
fi
"$VENV/bin/python" -c 'import numpy, scipy, pandas; print("numpy", numpy.__version__, "scipy", scipy.__version__, "pandas", pandas.__version__)'
