#!/usr/bin/env bash
# deps.sh - install what esip needs on Debian 12 (idempotent; apt only when
# something is missing).
#   scripts/deps.sh            build + test: meson, ninja, gcc, check, pkg-config,
#                              python3 and the real peers of the interop tests:
#                              SIPp, Kamailio (registrar/proxy with digest auth),
#                              baresip (a softphone, run headless), sipsak
#   scripts/deps.sh --ci       + clang and its runtime (libFuzzer, sanitizers)
#   scripts/deps.sh --bench    + the peer parsers and tools the benchmarks compare with
set -euo pipefail
pkgs="meson ninja-build gcc libc6-dev pkg-config check python3 sip-tester kamailio baresip sipsak"
for a in "$@"; do
	case "$a" in
	--ci) pkgs="$pkgs clang libclang-rt-14-dev" ;;
	--bench) pkgs="$pkgs clang valgrind libosip2-dev libsofia-sip-ua-dev libre-dev libbellesip-dev" ;;
	*) echo "deps.sh: unknown option $a" >&2; exit 2 ;;
	esac
done
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
