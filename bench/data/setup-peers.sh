#!/usr/bin/env bash
# Installs the Python tools validate-data is compared with, one venv each (their pins clash),
# under .tmp/bench-peers/<tool>. A tool that does not install within PEER_TIMEOUT seconds is
# skipped (bench/data/run.ts reports it as missing); the others still run.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT="${PEERS_DIR:-.tmp/bench-peers}"
TIMEOUT="${PEER_TIMEOUT:-600}"
mkdir -p "$ROOT"
install_peer() {
  local name="$1" module="$2"; shift 2
  local venv="$ROOT/$name"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $module" 2>/dev/null; then
    echo "$name: ready"; return 0
  fi
  python3 -m venv "$venv" || return 1
  if timeout "$TIMEOUT" "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"; then
    "$venv/bin/python" -c "import $module; print('$name', getattr($module, '__version__', '?'))"
  else
    echo "$name: did not install within ${TIMEOUT}s; skipped" >&2
    rm -rf "$venv"
  fi
}
install_peer great_expectations great_expectations great_expectations==1.24.1 &
install_peer pandera pandera 'pandera==0.35.0' pandas==2.2.3 pyarrow==21.0.0 &
install_peer evidently evidently evidently==0.7.11 pandas==2.2.3 pyarrow==21.0.0 &
wait
