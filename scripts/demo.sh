#!/usr/bin/env bash
# demo.sh - installs prerequisites, builds esip and runs the main program.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
echo "== esip-parse examples/invite.sip"
build/tools/esip-parse examples/invite.sip
