#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Tessera needs to build, run and test.
# Idempotent: packages already present are skipped, so a second run is quick.
set -euo pipefail

pkgs=(
  build-essential pkg-config          # cgo for the desktop binary
  libgtk-3-dev libwebkit2gtk-4.1-dev  # Wails v2 on Linux (webkit2_41 build tag)
  nodejs npm                          # the frontend build (Vite)
  chromium                            # browser tests (Playwright drives Debian's chromium)
  xvfb xauth imagemagick              # desktop smoke test: headless X and a screenshot
  postgresql                          # the PostgreSQL half of the store tests
  libvips-tools                       # bench/tiling compares against vips
  python3 python3-pil                 # the reference mask renderer the label tests compare with
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs may come from elsewhere (nodesource, nvm): a working node+npm is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
# Vite 8 needs Node.js 20.19 or later; Debian 12's nodejs is 18.
check_node() {
  local v
  v=$(node --version 2>/dev/null | sed 's/^v//') || v=""
  if [ -z "$v" ] || [ "$(printf '%s\n' 20.19.0 "$v" | sort -V | head -1)" != 20.19.0 ]; then
    echo "Node.js ${v:-(none)} is too old for the frontend build: install Node.js 20.19 or later (nodesource, nvm) and run this again" >&2
    exit 1
  fi
}
list=$(printf '%s\n' "${missing[@]}" | grep -v '^$' || true)
[ -z "$list" ] && { echo "system packages: all present"; check_node; exit 0; }

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: $(echo $list)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $list
check_node
