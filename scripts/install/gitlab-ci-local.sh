#!/usr/bin/env bash
# What gitlab-ci-local (an npm devDependency, pinned) needs from the system to run the GitLab
# component tests: git and rsync (it copies the work tree into its build folder with rsync).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib/apt.sh
source "$ROOT/scripts/install/lib/apt.sh"
ensure_apt_packages git rsync
