#!/usr/bin/env bash
# load_options.sh - SIPp as the load generator against esip-responder:
# OPTIONS transactions over UDP and TCP at increasing rates (the shared
# ../shared/bench/load/find_max.sh: x2 steps, then bisection), reporting
# the highest rate sustained for DURATION s with 0 failures, 0 unexpected
# messages and 0 retransmissions, the stack's CPU microseconds per
# transaction (from /proc/<pid>/task/*/schedstat) and its memory (RSS).
# A benchmark, not a test: it prints figures and never fails on time.
#
#   bench/load_options.sh [udp|tcp|both]     (default both)
#   DURATION=20 START=2000 MAX=64000 bench/load_options.sh udp
#
# Needs sip-tester (SIPp) and python3.  Loopback only.
set -euo pipefail
P=$(cd "$(dirname "$0")/.." && pwd)
LOAD=${LOAD_DIR:-$P/../shared/bench/load}
[ -x "$LOAD/find_max.sh" ] || { echo "no $LOAD/find_max.sh" >&2; exit 2; }
which sipp >/dev/null || { echo "sipp is not installed (scripts/deps.sh)" >&2; exit 2; }
WHICH=${1:-both}
export DURATION=${DURATION:-20} START=${START:-2000} MAX=${MAX:-64000}
PORT=${PORT:-25060}

if [ ! -d "$P/build-bench" ]; then
	meson setup "$P/build-bench" "$P" --buildtype=release -Doptimization=2 \
		-Db_ndebug=true -Dtests=false >/dev/null
fi
ninja -C "$P/build-bench" examples/esip-responder >/dev/null
OUT=$(mktemp -d /tmp/esip-load.XXXXXX)
echo "results in $OUT"

"$P/build-bench/examples/esip-responder" -l "udp:127.0.0.1:$PORT" -l "tcp:127.0.0.1:$PORT" \
	-m "${MAX_TXN:-4000000}" > "$OUT/responder.log" 2>&1 &
RPID=$!
trap 'kill $RPID 2>/dev/null; wait $RPID 2>/dev/null || true' EXIT
sleep 1
kill -0 $RPID || { cat "$OUT/responder.log"; exit 1; }
rss0=$(awk '/^VmRSS/{print $2}' /proc/$RPID/status)

run() {
	local tp=$1
	echo "== OPTIONS over $tp"
	RESP_PIDS=$RPID SCENARIO=$P/bench/options_load.xml OUTBASE=$OUT/$tp \
		UAC_PORT=$((PORT + 100)) "$LOAD/find_max.sh" 127.0.0.1 "$PORT" "$tp" | tail -n 20
	python3 - "$OUT/$tp/findmax.tsv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter='\t')]
ok = [r for r in rows if r['pass'] in ('1', 'True', 'true')]
if ok:
    best = max(ok, key=lambda r: float(r['rate']))
    print('best passing run: %s tx/s, stack CPU %s us/tx (%s%% of a core), SIPp CPU %s us/tx'
          % (best['rate'], best['resp_us_per_call'], best['resp_cpu_pct'], best['uac_us_per_call']))
PY
}
case "$WHICH" in
udp|tcp) run "$WHICH" ;;
both) run udp; run tcp ;;
*) echo "usage: $0 [udp|tcp|both]" >&2; exit 2 ;;
esac
rss1=$(awk '/^VmRSS/{print $2}' /proc/$RPID/status)
echo "responder RSS: ${rss0} kB at start, ${rss1} kB after the runs"
