#!/usr/bin/env bash
# test.sh - the whole test suite: installs prerequisites, builds in build/,
# runs every Check suite, the fuzz-corpus replays, the conformance scoring
# against ../shared/conformance and the SIPp interop tests.
#   scripts/test.sh [meson test options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs "$@"
