#!/usr/bin/env bash
# Firn's main job on the embedded default: synthesizes granules over Grand Mesa (cached after the first
# run) and processes them to a GeoParquet file on local disk. Installs what it needs; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/firn/target}"
cargo run --release --locked -p firn-worker --bin firn -- demo "$@"
