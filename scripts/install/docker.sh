#!/usr/bin/env bash
# Installs what the image tests and benchmarks need: a Docker engine and CLI, the
# distribution registry, skopeo/umoci (independent clients to check sluice's pushes)
# and htpasswd (bcrypt users for the basic-auth registry). Idempotent: runs
# `apt-get update` once, and only when a package is missing.
# Then, from the Go module proxy into .tmp/bin (skipped when the pinned version is there):
# distribution v3 `registry`, `crane` (benchmark), and `referrers-registry`, the
# go-containerregistry test registry with its referrers API switched on (distribution has none),
# and Compose v2 (`docker-compose-v2`, the `docker compose` CLI plugin; Debian bookworm packages
# only v1, so build-image's compose path is tested with both).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DISTRIBUTION_VERSION=v3.0.0
GGCR_VERSION=v0.22.1
COMPOSE_VERSION=v2.40.3

packages=(docker.io docker-compose skopeo umoci docker-registry apache2-utils openssl curl busybox-static)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "docker.sh: all packages present (${packages[*]})"
else
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  echo "docker.sh: installing ${missing[*]}"
  # Installers run in parallel (scripts/test-all.sh): apt calls take turns (as lib/apt.sh's).
  lock=()
  command -v flock >/dev/null 2>&1 && lock=(flock "${SLUICE_APT_LOCK:-/tmp/sluice-apt.lock}")
  "${lock[@]}" "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive "${lock[@]}" "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null; then
  echo "docker.sh: go is not installed: the Go tools in .tmp/bin are not built" >&2
  exit 1
fi
bin="$root/.tmp/bin"
mkdir -p "$bin"
stamp() { echo "$bin/.$1.version"; }
fresh() { [ -x "$bin/$1" ] && [ "$(cat "$(stamp "$1")" 2>/dev/null)" = "$2" ]; }

if ! fresh registry "$DISTRIBUTION_VERSION"; then
  echo "docker.sh: building distribution registry $DISTRIBUTION_VERSION"
  GOBIN="$bin" go install "github.com/distribution/distribution/v3/cmd/registry@$DISTRIBUTION_VERSION"
  echo "$DISTRIBUTION_VERSION" >"$(stamp registry)"
fi

if ! fresh crane "$GGCR_VERSION"; then
  echo "docker.sh: building crane $GGCR_VERSION"
  GOBIN="$bin" go install "github.com/google/go-containerregistry/cmd/crane@$GGCR_VERSION"
  echo "$GGCR_VERSION" >"$(stamp crane)"
fi

if ! fresh referrers-registry "$GGCR_VERSION"; then
  echo "docker.sh: building referrers-registry (go-containerregistry $GGCR_VERSION)"
  src="$root/.tmp/src/referrers-registry"
  mkdir -p "$src"
  cat >"$src/main.go" <<'GO'
// The go-containerregistry registry with the OCI referrers API on, on 127.0.0.1:$PORT.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	handler := registry.New(registry.WithReferrersSupport(true))
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), handler))
}
GO
  (
    cd "$src"
    [ -f go.mod ] || go mod init sluice.test/referrers-registry >/dev/null 2>&1
    go get "github.com/google/go-containerregistry@$GGCR_VERSION" >/dev/null 2>&1
    go build -o "$bin/referrers-registry" .
  )
  echo "$GGCR_VERSION" >"$(stamp referrers-registry)"
fi

if ! fresh docker-compose-v2 "$COMPOSE_VERSION"; then
  # Its go.mod has exclude directives, which `go install pkg@version` refuses: build the
  # module's own source as the main module instead.
  echo "docker.sh: building Compose $COMPOSE_VERSION (a few minutes, once)"
  dir="$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  src="$root/.tmp/src/compose"
  rm -rf "$src"
  mkdir -p "$(dirname "$src")"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  (cd "$src" && go build -trimpath -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$bin/docker-compose-v2" ./cmd)
  rm -rf "$src"
  echo "$COMPOSE_VERSION" >"$(stamp docker-compose-v2)"
fi
echo "docker.sh: Go tools present in .tmp/bin (registry $DISTRIBUTION_VERSION, crane and referrers-registry $GGCR_VERSION, compose $COMPOSE_VERSION)"
