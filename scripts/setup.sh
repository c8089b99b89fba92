#!/usr/bin/env bash
# Installs everything Firn's build and tests need on a fresh Debian machine. Idempotent: a second run
# only checks. Usage: source it or run it; it exports nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need_apt=()
for pkg in libhdf5-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$root/scripts/requirements-test.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: preparing the Python test venv in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$root/scripts/requirements-test.txt"
  echo "$want" >"$stamp"
fi

# A second venv with the 4.x SlideRule client (the legacy atl06p call). It holds only sliderule
# 4.20.0; a .pth file appends .venv's site-packages after its own, so 4.x shadows the 5.x client
# while numpy, geopandas, pyarrow and requests come from .venv (both clients accept those versions).
venv4="$root/.venv-sliderule4"
stamp4="$venv4/.requirements.sha256"
want4="$(cat "$root/scripts/requirements-sliderule4.txt" "$stamp" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv4/bin/python" ] || [ "$(cat "$stamp4" 2>/dev/null)" != "$want4" ]; then
  echo "setup: preparing the SlideRule 4.x client venv in $venv4" >&2
  rm -rf "$venv4"
  python3 -m venv "$venv4"
  "$venv4/bin/pip" install -q --no-deps -r "$root/scripts/requirements-sliderule4.txt"
  own="$("$venv4/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  base="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  echo "$base" >"$own/firn-base-venv.pth"
  echo "$want4" >"$stamp4"
fi
