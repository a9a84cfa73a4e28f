#!/usr/bin/env bash
# run_parser_peers.sh - esip and the packaged peer parsers (Sofia-SIP, oSIP,
# libre, belle-sip) on the same corpus, same fields, in one run, with the
# shared harness ../shared/bench/parsers (see its README).  The harness is
# copied to a temporary folder so nothing is written into ../shared.
#
#   bench/run_parser_peers.sh [run.sh options]      e.g. --quick, --no-callgrind
#   LIBS="memchr sofia esip" bench/run_parser_peers.sh
#
# Needs: the peers' -dev packages (scripts/deps.sh --bench installs them),
# valgrind for the instruction counts.  esip is built here with -O2 like
# the peers (build-bench/).
set -euo pipefail
P=$(cd "$(dirname "$0")/.." && pwd)
H=${HARNESS:-$P/../shared/bench/parsers}
[ -d "$H" ] || { echo "no harness at $H (set HARNESS=)" >&2; exit 2; }
if [ ! -d "$P/build-bench" ]; then
	meson setup "$P/build-bench" "$P" --buildtype=release -Doptimization=2 \
		-Db_ndebug=true -Dtests=false >/dev/null
fi
ninja -C "$P/build-bench" libesip.a >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp -r "$H/." "$T/"
rm -rf "$T/build" "$T"/results/2*
cd "$T"
export EXTRA_SRC=$P/bench/bench_esip.c
export CFLAGS_esip="-I$P/include"
export LIBS_esip="$P/build-bench/libesip.a"
export VERSION_esip=$(git -C "$P" rev-parse --short HEAD)
export LIBS=${LIBS:-"memchr sofia osip re bellesip esip"}
./run.sh "$@"
mkdir -p "$P/bench/results"
cp results/latest.txt "$P/bench/results/parser-peers-latest.txt"
echo "table saved: bench/results/parser-peers-latest.txt"
