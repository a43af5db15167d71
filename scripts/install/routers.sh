#!/usr/bin/env bash
# Installs what the rollout router tests and benchmarks need: nginx (weighted upstream,
# `nginx -t` / `-s reload`), HAProxy (runtime API weights, its Prometheus exporter), wrk (load generator) and socat
# (to talk to HAProxy's runtime socket by hand). Idempotent: `apt-get update` runs at most once
# per test-all run, and only when a package is missing. The tests start their own nginx and
# HAProxy on 127.0.0.1 with temporary prefixes: the Debian services are stopped and disabled
# here, so a package install does not leave a server holding port 80.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib/apt.sh
source "$root/scripts/install/lib/apt.sh"

packages=(nginx-light haproxy wrk socat)
ensure_apt_packages "${packages[@]}"

# The packages' own services (started by their postinst where systemd/init runs them) are not
# ours: stop them so port 80 and /run/haproxy are free. Harmless when nothing runs.
if command -v service >/dev/null 2>&1; then
  service nginx stop >/dev/null 2>&1 || true
  service haproxy stop >/dev/null 2>&1 || true
fi

for program in nginx haproxy wrk socat; do
  if ! command -v "$program" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$program" ]; then
    echo "routers.sh: $program is missing after the install" >&2
    exit 1
  fi
done
# The rollout's HAProxy recipe reads HAProxy's built-in Prometheus exporter (Debian builds it in).
if ! /usr/sbin/haproxy -vv 2>/dev/null | grep -q '+PROMEX'; then
  echo "routers.sh: this HAProxy has no Prometheus exporter (+PROMEX in haproxy -vv); the rollout tests need it" >&2
  exit 1
fi
echo "routers.sh: present: $(/usr/sbin/nginx -v 2>&1 | tr -d '\n'), $(/usr/sbin/haproxy -v 2>/dev/null | head -n 1), $(wrk --version 2>&1 | head -n 1 | cut -c1-40)"
