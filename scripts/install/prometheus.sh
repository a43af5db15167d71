#!/usr/bin/env bash
# Installs Prometheus (Debian's `prometheus` package) for the rollout's metrics-provider tests
# (test/integration/rollout/metrics-prometheus.test.ts), which start their own server on
# 127.0.0.1 with a temporary TSDB folder. Idempotent: nothing happens when it is installed.
# The package's own service is not used (and is stopped where the package started it: the tests
# pick a free port and would otherwise share a machine with a second scraper).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=lib/apt.sh
source scripts/install/lib/apt.sh

if command -v prometheus >/dev/null 2>&1; then
  echo "prometheus.sh: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi
ensure_apt_packages prometheus
# Debian starts the packaged service where an init system runs; the tests do not need it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" systemctl stop prometheus || true
fi
echo "prometheus.sh: installed $(prometheus --version 2>&1 | head -n 1)"
