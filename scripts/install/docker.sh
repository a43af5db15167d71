#!/usr/bin/env bash
# Installs what the image tests and benchmarks need: a Docker engine and CLI, the
# distribution registry, skopeo/umoci (independent clients to check sluice's pushes)
# and htpasswd (bcrypt users for the basic-auth registry). Idempotent: runs
# `apt-get update` once, and only when a package is missing.
set -euo pipefail

packages=(docker.io docker-compose skopeo umoci docker-registry apache2-utils openssl curl busybox-static)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "docker.sh: all packages present (${packages[*]})"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

echo "docker.sh: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
