#!/usr/bin/env bash
# profile_parser.sh - callgrind profile of esip inside the shared harness's
# timed loop (instructions, deterministic).  Needs a build in ./build.
#   bench/profile_parser.sh [ANNOTATE_ARGS...]
#   ESIP_PATH=scalar|sse2|avx2|ref bench/profile_parser.sh   one path forced
#   KEEP=FILE                                                keep cg.out
set -euo pipefail
P=$(cd "$(dirname "$0")/.." && pwd)
H=${HARNESS:-$P/../shared/bench/parsers}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ninja -C "$P/build" >/dev/null
FORCE=()
if [ -n "${ESIP_PATH:-}" ]; then
	FORCE=(-I"$P/src/parser" -DESIP_BENCH_PATH="ESIP__PATH_${ESIP_PATH^^}")
fi
gcc -O2 -g -I"$H" -I"$P/include" "${FORCE[@]}" -DBENCH_LIB_VERSION='"profile"' \
	-o "$T/bench_esip" "$P/bench/bench_esip.c" "$H/bench_main.c" "$P/build/libesip.a"
(cd "$H" && valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" \
	--collect-atstart=no --toggle-collect=bench_timed_loop "$T/bench_esip" -n 300 >/dev/null 2>&1)
total=$(sed -n 's/^summary: *//p' "$T/cg.out")
echo "instructions per message: $((total / (300 * 13)))"
[ -n "${KEEP:-}" ] && cp "$T/cg.out" "$KEEP"
callgrind_annotate "$@" "$T/cg.out" | sed -n '/^Ir/,$p' | head -${LINES_SHOWN:-40}
