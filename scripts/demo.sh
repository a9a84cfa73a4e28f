#!/usr/bin/env bash
# demo.sh - installs prerequisites, builds esip and runs the demo: the
# esip-responder example on loopback (UDP and TCP, free ports) sending
# OPTIONS to itself with the wire trace on, then SIPp (a real peer)
# sending it 20 OPTIONS over UDP and TCP, then esip-parse on a sample.
# Needs no configuration; everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
R=build/examples/esip-responder

echo
echo "== 1. esip talks to itself: one OPTIONS over UDP, one over TCP (wire trace)"
"$R" -l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 --self-test 1 --trace

if command -v sipp >/dev/null; then
	echo
	echo "== 2. SIPp sends 20 OPTIONS over UDP and 20 over TCP to esip-responder"
	PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	out=$(mktemp)
	"$R" -l "udp:127.0.0.1:$PORT" -l "tcp:127.0.0.1:$PORT" -d 30 >"$out" 2>&1 &
	rpid=$!
	trap 'kill $rpid 2>/dev/null || true; rm -f "$out"' EXIT
	for _ in $(seq 1 100); do grep -q "listening on TCP" "$out" && break; sleep 0.05; done
	for t in u1 t1; do
		(cd /tmp && timeout 60 sipp -sf "$OLDPWD/tests/interop/options_uac.xml" -t $t -m 20 -r 50 \
			-i 127.0.0.1 -timeout 20s -timeout_error -nostdin 127.0.0.1:"$PORT" >/dev/null 2>&1) &&
			echo "   SIPp over $([ $t = u1 ] && echo UDP || echo TCP): 20 OPTIONS, 20 x 200 OK" ||
			echo "   SIPp over $t: FAILED"
	done
	kill -INT $rpid; wait $rpid 2>/dev/null || true
	echo "   esip-responder's statistics:"
	sed -n '/^statistics:/,$p' "$out" | sed 's/^/   /'
fi

echo
echo "== 3. esip-parse on examples/invite.sip"
build/tools/esip-parse examples/invite.sip
