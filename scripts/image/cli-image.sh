#!/usr/bin/env bash
# The container image of the sluice CLI, for runners without Node, built by sluice's own
# daemonless `build-image` (the dist/cli/index.js it packs) from files, on no base image:
#
#   bash scripts/image/cli-image.sh --output oci:/tmp/sluice-image:0.1.0
#   bash scripts/image/cli-image.sh --tag ghcr.io/sluice-ml/sluice:0.1.0 --push \
#     --registry-username "$USER_NAME"        # the password in SLUICE_REGISTRY_PASSWORD
#
# Every argument is passed on to build-image (where the image goes, --compression-level, ...).
# What the image holds, and why this way rather than a distribution's root filesystem:
# - the node binary (Node 20, the lowest line package.json `engines` allows; on the release
#   runner the one setup-node installed) and git (for `git:` and `auto` baselines and the
#   image labels), with exactly the shared libraries `ldd` lists for them and for DuckDB's
#   native library, copied from the machine that builds. No shell, no package manager: about
#   ten files besides sluice, each one named by ldd, so nothing else can drift into the image,
#   and no second tool (debootstrap, a mirror's package lists at some date) is needed to build
#   it again. Their Debian copyright files and Node's LICENSE go to /usr/share/doc/.
# - sluice's bundles (dist/cli, dist/chunks, dist/package.json, dist/licenses.txt) in
#   /opt/sluice, and DuckDB (@duckdb/node-api at the version sluice pins, with its native
#   binding for this platform) in /opt/sluice/node_modules, where the bundles' import() finds it:
#   validate-data and infer-schema never install anything, and run without a network.
# - /tmp (1777), HOME=/tmp, and a user `sluice` (65532:65532) the container runs as; /etc/passwd,
#   /etc/group, /etc/nsswitch.conf, and /etc/gitconfig trusting any repository folder
#   (safe.directory: the mounted workspace is owned by the runner's user, not the container's).
# - ENTRYPOINT node /opt/sluice/cli/index.js, WORKDIR /work, and the OCI labels (title, version,
#   source, licenses, revision).
# build-image writes it reproducibly (files sorted, mtime 0, owner 0, `created` from
# SOURCE_DATE_EPOCH or the commit time): the same checkout and the same node give the same digest.
#
# Environment:
#   SLUICE_IMAGE_NODE    the node binary to put in the image (default: `node` on PATH); Node 20
#   SLUICE_IMAGE_DUCKDB  a folder holding node_modules/@duckdb/node-api at the pinned version
#                        (default: installed here with npm into a temporary folder)
#   SLUICE_IMAGE_DIST    the bundles to pack, whose CLI builds the image (default: dist/)
#   SOURCE_DATE_EPOCH    the image's creation time (default: the commit time)
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_MAJOR=20
fail() {
  echo "cli-image: $*" >&2
  exit 2
}

node_bin=$(command -v "${SLUICE_IMAGE_NODE:-node}") || fail "no node binary: set SLUICE_IMAGE_NODE"
node_bin=$(realpath "$node_bin")
node_version=$("$node_bin" --version)
case "$node_version" in
  "v$NODE_MAJOR".*) ;;
  *) fail "$node_bin is Node $node_version; the image carries Node $NODE_MAJOR (set SLUICE_IMAGE_NODE)" ;;
esac
git_bin=$(realpath "$(command -v git)") || fail "git is not installed"
dist=$(realpath "${SLUICE_IMAGE_DIST:-dist}")
[ -f "$dist/cli/index.js" ] || fail "no $dist/cli/index.js: run npm run build first"
command -v ldd >/dev/null || fail "ldd is not installed"
command -v dpkg >/dev/null || fail "dpkg is needed to find the libraries' copyright files"

version=$(node -p 'require("./package.json").version')
source_url=$(node -p 'require("./package.json").repository.url.replace(/^git\+/, "").replace(/\.git$/, "")')
duckdb_version=$(sed -n "s/^export const DUCKDB_NODE_API_VERSION = '\(.*\)';/\1/p" src/clients/duckdb/load-module.ts)
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) fail "no image platform for $(uname -m)" ;;
esac

stage=$(mktemp -d "${TMPDIR:-/tmp}/sluice-cli-image-XXXXXX")
trap 'rm -rf "$stage"' EXIT
app="$stage/app"       # → /opt/sluice (build-image's model folder: what changes every release)
root="$stage/rootfs"   # → /           (its code folder: the runtime, one compressed layer)
mkdir -p "$app" "$root/usr/local/bin" "$root/usr/bin" "$root/etc" "$root/tmp" \
  "$root/opt/sluice/node_modules" "$root/usr/share/doc"
chmod 1777 "$root/tmp"

cp -R "$dist/cli" "$dist/chunks" "$app/"
cp "$dist/package.json" "$dist/licenses.txt" "$app/"

# DuckDB: the pinned client and its native binding for this platform.
duckdb=${SLUICE_IMAGE_DUCKDB:-}
if [ -z "$duckdb" ]; then
  duckdb="$stage/duckdb"
  # No install scripts: the binding comes prebuilt in its platform package, and the release
  # step holds a registry token in its environment.
  npm install --prefix "$duckdb" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    "@duckdb/node-api@$duckdb_version" >&2
fi
found=$(node -p "require('$duckdb/node_modules/@duckdb/node-api/package.json').version" 2>/dev/null) ||
  fail "no @duckdb/node-api in $duckdb/node_modules"
[ "$found" = "$duckdb_version" ] || fail "$duckdb holds @duckdb/node-api $found, not $duckdb_version"
cp -R "$duckdb/node_modules/." "$root/opt/sluice/node_modules/"
rm -f "$root/opt/sluice/node_modules/.package-lock.json" # npm's install record: paths, not code
duckdb_lib=$(find "$root/opt/sluice/node_modules/@duckdb" -name 'libduckdb.so' | head -n 1)
[ -n "$duckdb_lib" ] || fail "no native DuckDB library (libduckdb.so) for linux/$arch in $duckdb"

cp "$node_bin" "$root/usr/local/bin/node"
cp "$git_bin" "$root/usr/bin/git"

# The Debian package owning a file (merged /usr: registered under /lib or /usr/lib, as a link or
# its target).
package_of() {
  local path=$1 real candidate
  real=$(realpath "$path")
  for candidate in "$path" "$real" "/usr$path" "${path#/usr}"; do
    dpkg -S "$candidate" 2>/dev/null | sed -n '1s/:.*//p' | grep . && return 0
  done
  return 1
}

copy_copyright() {
  local package=$1
  [ -f "/usr/share/doc/$package/copyright" ] || fail "no /usr/share/doc/$package/copyright"
  mkdir -p "$root/usr/share/doc/$package"
  cp "/usr/share/doc/$package/copyright" "$root/usr/share/doc/$package/copyright"
}

# Exactly the libraries ldd lists, at the path the loader looks for them.
libraries=$(for binary in "$node_bin" "$git_bin" "$duckdb_lib"; do ldd "$binary"; done |
  sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | sort -u)
for library in $libraries; do
  mkdir -p "$root$(dirname "$library")"
  cp -L "$library" "$root$library"
  package=$(package_of "$library") || fail "no Debian package owns $library (its copyright file goes in the image)"
  copy_copyright "$package"
done
git_package=$(package_of "$git_bin") || fail "no Debian package owns $git_bin"
copy_copyright "$git_package"
mkdir -p "$root/usr/share/doc/node"
node_license=$(dirname "$node_bin")/../LICENSE # setup-node's tool cache
[ -f "$node_license" ] || node_license=/usr/share/doc/nodejs/LICENSE
[ -f "$node_license" ] || fail "no LICENSE of Node next to $node_bin or in /usr/share/doc/nodejs"
cp "$node_license" "$root/usr/share/doc/node/LICENSE"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
sluice:x:65532:65532:sluice:/tmp:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
sluice:x:65532:
EOF
cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
cat >"$root/etc/gitconfig" <<'EOF'
[safe]
	directory = *
EOF

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
node "$dist/cli/index.js" build-image \
  --model "$app" --model-path /opt/sluice \
  --code "$root" --code-path / \
  --entrypoint '["/usr/local/bin/node","/opt/sluice/cli/index.js"]' \
  --env PATH=/usr/local/bin:/usr/bin --env HOME=/tmp \
  --workdir /work --user 65532:65532 \
  --platform "linux/$arch" \
  --source-date-epoch "$epoch" \
  --cache-dir none \
  --labels org.opencontainers.image.title=sluice \
  --labels "org.opencontainers.image.description=The sluice CLI: CI/CD steps for machine-learning models" \
  --labels "org.opencontainers.image.version=$version" \
  --labels "org.opencontainers.image.source=$source_url" \
  --labels org.opencontainers.image.licenses=Apache-2.0 \
  --labels "io.sluice.node.version=$node_version" \
  --labels "io.sluice.duckdb.version=$duckdb_version" \
  "$@"
