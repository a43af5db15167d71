#!/usr/bin/env bash
# Installs a real Kubernetes control plane for the Kubernetes routers' integration tests
# (test/integration/kubernetes/): etcd (Debian's etcd-server), kube-apiserver,
# kube-controller-manager and kube-scheduler v1.37.2 built from the Go module proxy through the
# wrapper module in scripts/install/kubernetes/, kwok v0.8.0, and the CRDs the routers drive
# (Gateway API standard channel, Argo Rollouts, KServe's InferenceService, each from its module).
#
# Everything lands in a folder keyed by version:
#   ${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/kubernetes-v1.37.2/{bin,crds,kwok-stages}
# A second run is instant. The Go build takes up to ~20 minutes on a cold 2-core machine, so it
# runs in the BACKGROUND (detached) and this script returns at once: the test support
# (test/integration/kubernetes/cluster.ts) waits for the `build.done` marker (or fails with the
# tail of build.log when `build.failed` appears). SLUICE_K8S_BUILD_WAIT=1 makes this script wait.
#
# Files in the cache folder:
#   build.pid     the background build's process id while it runs (flock-ed: one build at a time)
#   build.log     its output
#   build.done    written when every binary is in bin/
#   build.failed  written (with the exit status) when the build failed; the next run retries
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

K8S_VERSION=v1.37.2
KWOK_VERSION=v0.8.0
GATEWAY_API_VERSION=v1.6.3
# v1.10.0 is the newest whose go.mod the machine's Go 1.26.8 accepts (only its manifests are used).
ARGO_ROLLOUTS_VERSION=v1.10.0
# The module's version list is refused by the proxy (403), but this version's zip is served.
KSERVE_VERSION=v0.16.0
CACHE="${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/kubernetes-${K8S_VERSION}"
BIN="$CACHE/bin"
CRDS="$CACHE/crds"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kwok)
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

all_binaries_present() {
  local b
  for b in "${BINARIES[@]}"; do
    [ -x "$BIN/$b" ] || return 1
  done
}

# --- the background build (this script re-runs itself with --build) -----------------------------
build() {
  exec 9>"$CACHE/build.lock"
  if ! flock -n 9; then
    echo "kubernetes.sh: another build holds $CACHE/build.lock"
    return 0
  fi
  echo $$ >"$CACHE/build.pid"
  rm -f "$CACHE/build.failed"
  local start
  start="$(date +%s)"
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION}"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37"
  local cmd
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    if [ -x "$BIN/$cmd" ]; then
      echo "kubernetes.sh: $cmd already built"
      continue
    fi
    echo "kubernetes.sh: building $cmd ${K8S_VERSION} ($(date -u +%H:%M:%S))"
    (cd "$ROOT/scripts/install/kubernetes" &&
      go build -trimpath -ldflags "$ldflags" -o "$BIN/.$cmd.partial" "k8s.io/kubernetes/cmd/$cmd")
    mv "$BIN/.$cmd.partial" "$BIN/$cmd"
  done
  if [ ! -x "$BIN/kwok" ]; then
    echo "kubernetes.sh: go install sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
    GOBIN="$BIN" go install "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
  fi
  # kwok's stage files (nodes and pods that become Ready without a kubelet), from its module.
  local kwok_dir
  kwok_dir="$(cd /tmp && go mod download -json "sigs.k8s.io/kwok@${KWOK_VERSION}" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  rm -rf "$CACHE/kwok-stages"
  mkdir -p "$CACHE/kwok-stages"
  local stage
  for stage in "$kwok_dir"/kustomize/stage/node/fast/*.yaml "$kwok_dir"/kustomize/stage/pod/fast/*.yaml; do
    case "$(basename "$stage")" in kustomization.yaml) continue ;; esac
    cp "$stage" "$CACHE/kwok-stages/"
  done
  chmod -R u+w "$CACHE/kwok-stages"
  "$BIN/kube-apiserver" --version
  echo "kubernetes.sh: build finished in $(($(date +%s) - start)) s"
  touch "$CACHE/build.done"
  rm -f "$CACHE/build.pid"
}

if [ "${1:-}" = "--build" ]; then
  mkdir -p "$BIN"
  trap 'status=$?; if [ $status -ne 0 ]; then echo "exit $status" >"$CACHE/build.failed"; rm -f "$CACHE/build.pid"; fi' EXIT
  build
  exit 0
fi

# --- the foreground part: etcd, CRDs, and starting (or finding) the build -------------------------
# shellcheck source=lib/apt.sh
source scripts/install/lib/apt.sh
ensure_apt_packages etcd-server

# go mod download -json prints the module's extracted folder ("Dir"); it needs no go.mod of ours.
module_dir() {
  local dir
  dir="$(cd /tmp && go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] && [ -d "$dir" ] || {
    echo "kubernetes.sh: go mod download $1 gave no folder" >&2
    return 1
  }
  echo "$dir"
}

if ! command -v go >/dev/null 2>&1; then
  echo "kubernetes.sh: Go is required (apt-get install golang-go, Go >= 1.26)" >&2
  exit 1
fi

mkdir -p "$BIN"
# The marker names the CRDs' versions: a cache filled with other ones is filled again.
CRDS_MARKER="$CRDS/.complete-${GATEWAY_API_VERSION}-${ARGO_ROLLOUTS_VERSION}-kserve-${KSERVE_VERSION}"
if [ ! -e "$CRDS_MARKER" ]; then
  rm -rf "$CRDS.partial"
  mkdir -p "$CRDS.partial"
  gw="$(module_dir "sigs.k8s.io/gateway-api@${GATEWAY_API_VERSION}")"
  # The standard channel's CRDs (the ValidatingAdmissionPolicy file is not a CRD: left out).
  for f in "$gw"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
    case "$f" in *vap_*) continue ;; esac
    cp "$f" "$CRDS.partial/gateway-api-$(basename "$f")"
  done
  argo="$(module_dir "github.com/argoproj/argo-rollouts@${ARGO_ROLLOUTS_VERSION}")"
  for f in "$argo"/manifests/crds/*-crd.yaml; do
    cp "$f" "$CRDS.partial/argo-rollouts-$(basename "$f")"
  done
  # KServe's release CRD (the full schema: about 1 MB, so it is applied server-side).
  kserve="$(module_dir "github.com/kserve/kserve@${KSERVE_VERSION}")"
  cp "$kserve/config/crd/full/serving.kserve.io_inferenceservices.yaml" \
    "$CRDS.partial/kserve-serving.kserve.io_inferenceservices.yaml"
  chmod -R u+w "$CRDS.partial"
  rm -rf "$CRDS"
  mv "$CRDS.partial" "$CRDS"
  touch "$CRDS_MARKER"
  echo "kubernetes.sh: CRDs in $CRDS"
fi

if [ -e "$CACHE/build.done" ] && all_binaries_present; then
  echo "kubernetes.sh: ${K8S_VERSION} cached in $BIN"
  exit 0
fi
if [ -e "$CACHE/build.pid" ] && kill -0 "$(cat "$CACHE/build.pid")" 2>/dev/null; then
  echo "kubernetes.sh: build already running (pid $(cat "$CACHE/build.pid"), log $CACHE/build.log)"
else
  rm -f "$CACHE/build.failed" "$CACHE/build.done"
  # Detached, so this installer (and test-all's sequential installer loop) goes on at once.
  setsid nohup bash "$ROOT/scripts/install/kubernetes.sh" --build >"$CACHE/build.log" 2>&1 </dev/null &
  echo $! >"$CACHE/build.pid"
  echo "kubernetes.sh: started the ${K8S_VERSION} build in the background (pid $!, log $CACHE/build.log);"
  echo "  the Kubernetes integration tests wait for $CACHE/build.done"
fi
if [ "${SLUICE_K8S_BUILD_WAIT:-}" = "1" ]; then
  while [ ! -e "$CACHE/build.done" ]; do
    if [ -e "$CACHE/build.failed" ]; then
      tail -n 30 "$CACHE/build.log" >&2
      exit 1
    fi
    sleep 5
  done
  echo "kubernetes.sh: ${K8S_VERSION} built in $BIN"
fi
