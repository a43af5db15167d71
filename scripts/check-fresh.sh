#!/usr/bin/env bash
# Regenerates (src/inputs → action.yml, actions/, gitlab-templates/, README tables) and rebuilds dist/
# into the tree, then fails if any of those files changed: they are committed and must match the
# sources. In CI (CI=true) it also fails on any uncommitted or untracked change under those paths.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PATHS=(dist actions action.yml gitlab-templates README.md)

snapshot() {
  local existing=()
  local path
  for path in "${PATHS[@]}"; do [ -e "$path" ] && existing+=("$path"); done
  [ "${#existing[@]}" -eq 0 ] || find "${existing[@]}" -type f -print0 | sort -z | xargs -0 -r sha256sum
}

before="$(snapshot)"
npx --no-install tsx scripts/generate.ts >/dev/null
node scripts/build.mjs >/dev/null
after="$(snapshot)"

status=0
if [ "$before" != "$after" ]; then
  echo "check-fresh: generated files or bundles were stale and have been rewritten:" >&2
  diff <(echo "$before") <(echo "$after") | sed -n 's/^[<>] [0-9a-f]*  /  /p' | sort -u >&2
  status=1
fi
if [ "${CI:-}" = "true" ] && git rev-parse --verify -q HEAD >/dev/null; then
  changes="$(git status --porcelain -- "${PATHS[@]}")"
  if [ -n "$changes" ]; then
    echo "check-fresh: these differ from the commit:" >&2
    echo "$changes" >&2
    git --no-pager diff --stat -- "${PATHS[@]}" >&2 || true
    status=1
  fi
fi
if [ "$status" -ne 0 ]; then
  echo 'Run `npm run generate && npm run build` and commit the result.' >&2
  exit 1
fi
echo "check-fresh: dist/ and generated files match the sources"
