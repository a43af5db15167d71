# Sourced by installers: `ensure_apt_packages pkg...` installs the Debian packages that are missing.
# `apt-get update` runs at most once per test-all run (and not at all when nothing is missing).
ensure_apt_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  # Installers run in parallel (scripts/test-all.sh): their apt calls take turns.
  local lock=()
  command -v flock >/dev/null 2>&1 && lock=(flock "${SLUICE_APT_LOCK:-/tmp/sluice-apt.lock}")
  local stamp="${SLUICE_APT_STAMP:-/tmp/sluice-apt-updated}"
  if [ ! -e "$stamp" ]; then
    "${lock[@]}" "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
    touch "$stamp"
  fi
  echo "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${lock[@]}" "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
}
