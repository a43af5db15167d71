#!/usr/bin/env bash
# scripts/publish-catalog.sh <tree-dir> <version> <git-url>: makes the GitLab catalog project at
# <git-url> hold <tree-dir> (from scripts/catalog-tree.sh) on its default branch, as one commit,
# and tags it <version>; the project's pipeline for that tag publishes the catalog version.
# The project's own files outside the tree (its LICENSE, say) are kept.
#
# Re-running for a version already published is fine when the tag holds the same tree (exit 0,
# nothing pushed); a tag of that version with other contents is refused (exit 1), never moved:
# pipelines that include `component@<version>` must keep getting what they got.
#
# Credentials: GITLAB_CATALOG_TOKEN (a project access token with the Maintainer role, since the
# push goes to the protected default branch, and scope write_repository), given to git
# through a credential helper that reads the variable, so it is never in a URL, an argument or
# the log. Without it, git uses what the environment gives (a local path in the tests).
set -euo pipefail
TREE="${1:?usage: scripts/publish-catalog.sh <tree-dir> <version> <git-url>}"
VERSION="${2:?usage: scripts/publish-catalog.sh <tree-dir> <version> <git-url>}"
URL="${3:?usage: scripts/publish-catalog.sh <tree-dir> <version> <git-url>}"
say() { echo "publish-catalog: $*" >&2; }

[ -d "$TREE/templates" ] || { say "$TREE has no templates/ (make it with scripts/catalog-tree.sh)"; exit 1; }
TREE="$(cd "$TREE" && pwd)" # the steps below run inside the clone
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  say "version '$VERSION' is not a semantic version (the catalog takes 1.2.3, no v)"
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git_() {
  if [ -n "${GITLAB_CATALOG_TOKEN:-}" ]; then
    # shellcheck disable=SC2016 # expanded by the helper's shell when git asks, not here
    git -c credential.helper= \
      -c 'credential.helper=!f() { echo username=oauth2; echo "password=${GITLAB_CATALOG_TOKEN}"; }; f' \
      "$@"
  else
    git "$@"
  fi
}

git_ clone --quiet "$URL" "$work/project" 2>"$work/clone.log" || {
  sed 's/^/  /' "$work/clone.log" >&2
  say "cannot clone the catalog project $URL"
  exit 1
}
cd "$work/project"
git config user.name "sluice release"
git config user.email "release@sluice.invalid"
# An empty project has no default branch yet: make it main, as GitLab names new ones.
git rev-parse --verify --quiet HEAD >/dev/null || git symbolic-ref HEAD refs/heads/main

# The README's include lines name this project: its path is the URL's, without host and .git.
project_path="$(printf '%s' "$URL" | sed -E 's#^[a-z+]+://[^/]+/##; s#^[^/:]+@[^:]+:##; s#\.git$##')"

# What the tree would make the project hold, as a git tree id, to compare with an existing tag.
apply_tree() {
  git rm -r --quiet --ignore-unmatch templates README.md .gitlab-ci.yml
  cp -R "$TREE/." .
  if [[ "$project_path" =~ ^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+$ ]]; then
    sed -i "s#<this project's path>#$project_path#g" README.md
  fi
  git add --all
}

if git_ ls-remote --exit-code --tags origin "refs/tags/$VERSION" >/dev/null 2>&1; then
  git_ fetch --quiet origin "refs/tags/$VERSION:refs/tags/$VERSION"
  git checkout --quiet "refs/tags/$VERSION"
  apply_tree
  if git diff --cached --quiet; then
    say "$VERSION is already published with this tree: nothing to do"
    exit 0
  fi
  say "tag $VERSION already exists in the catalog project with other contents; a published version is never moved:"
  git diff --cached --stat >&2
  exit 1
fi

apply_tree
if git diff --cached --quiet && git rev-parse --verify --quiet HEAD >/dev/null; then
  say "the default branch already holds this tree"
else
  git commit --quiet -m "sluice components $VERSION"
fi
git tag -a "$VERSION" -m "sluice components $VERSION"
branch="$(git symbolic-ref --short HEAD)"
git_ push --quiet origin "HEAD:refs/heads/$branch" "refs/tags/$VERSION"
say "pushed $branch and tag $VERSION to the catalog project"
