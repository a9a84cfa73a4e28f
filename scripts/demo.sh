#!/usr/bin/env bash
# demo.sh - installs prerequisites (scripts/deps.sh), builds esip and shows
# it working, on 127.0.0.1 only, with no configuration, in about 15 s:
#   1. a call between two esip-ua programs, every state change printed
#      (the callee rings 1 s, the caller hangs up 2 s after the answer);
#   2. SIPp, a real peer, places 10 calls over UDP and 10 over TCP to
#      esip-ua (its built-in uac scenario: INVITE, 180, 200, ACK, BYE);
#   3. SIPp sends 20 OPTIONS over UDP and 20 over TCP to esip-responder;
#   4. a blind transfer among three esip-ua programs: A calls B, B
#      transfers A to C (REFER; A calls C, NOTIFYs B; B hangs up);
#   5. an attended transfer: B calls A, then C, and joins them (REFER
#      with Replaces; A's new call takes the place of B's call at C);
#   6. esip-parse on a sample INVITE;
# then prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
UA=build/examples/esip-ua
R=build/examples/esip-responder
# $WORK (removed at exit with every process given to track), free_port,
# wait_listening PID FILE
. tests/interop/common.sh
summary=()

echo
echo "== 1. esip-ua calls esip-ua over UDP (every call state change; seconds since each one's start)"
P=$(free_port)
"$UA" -l udp:127.0.0.1:$P -l tcp:127.0.0.1:$P --answer-after 1000 -d 30 >"$WORK/callee.out" 2>&1 &
callee=$!
track $callee
wait_listening $callee "$WORK/callee.out"
# the callee's lines as they come (tail ends with the callee)
tail -f -n +1 --pid=$callee "$WORK/callee.out" | sed -u 's/^/   callee | /' &
sleep 0.1
set +o pipefail
"$UA" call "sip:bob@127.0.0.1:$P" -l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 --hangup-after 2000 -d 20 \
	2>&1 | sed -u 's/^/   caller | /'
rc=${PIPESTATUS[0]}
set -o pipefail
sleep 0.2
kill -INT $callee; wait $callee 2>/dev/null || true
sleep 0.1
summary+=("esip-ua -> esip-ua over UDP: exit $rc ($([ $rc -eq 0 ] && echo "established, rang 1 s, hung up by the caller after 2 s" || echo FAILED))")

if command -v sipp >/dev/null; then
	echo
	echo "== 2. SIPp calls esip-ua: 10 calls over UDP, 10 over TCP (SIPp's uac scenario)"
	P=$(free_port)
	"$UA" -l udp:127.0.0.1:$P -l tcp:127.0.0.1:$P -d 60 >"$WORK/ua.out" 2>&1 &
	ua=$!
	track $ua
	wait_listening $ua "$WORK/ua.out"
	for t in u1 t1; do
		name=$([ $t = u1 ] && echo UDP || echo TCP)
		if (cd "$WORK" && timeout 60 sipp -sn uac -t $t -m 10 -r 10 -i 127.0.0.1 -p "$(free_port)" \
			-timeout 30s -timeout_error -nostdin 127.0.0.1:"$P" >"$WORK/sipp.out" 2>&1); then
			echo "   SIPp over $name: 10 calls, all successful"
			summary+=("SIPp -> esip-ua over $name: 10 calls, all successful")
		else
			echo "   SIPp over $name: FAILED"; tail -n 20 "$WORK/sipp.out"
			summary+=("SIPp -> esip-ua over $name: FAILED")
		fi
	done
	kill -INT $ua; wait $ua 2>/dev/null || true
	echo "   esip-ua's last lines:"
	tail -n 6 "$WORK/ua.out" | sed 's/^/   | /'
	summary+=("esip-ua $(grep 'summary:' "$WORK/ua.out" | cut -d' ' -f2-)")

	echo
	echo "== 3. SIPp sends 20 OPTIONS over UDP and 20 over TCP to esip-responder"
	P=$(free_port)
	"$R" -l "udp:127.0.0.1:$P" -l "tcp:127.0.0.1:$P" -d 30 >"$WORK/r.out" 2>&1 &
	rpid=$!
	track $rpid
	wait_listening $rpid "$WORK/r.out"
	for t in u1 t1; do
		name=$([ $t = u1 ] && echo UDP || echo TCP)
		if (cd "$WORK" && timeout 60 sipp -sf "$OLDPWD/tests/interop/options_uac.xml" -t $t -m 20 -r 50 \
			-i 127.0.0.1 -p "$(free_port)" -timeout 20s -timeout_error -nostdin \
			127.0.0.1:"$P" >/dev/null 2>&1); then
			echo "   SIPp over $name: 20 OPTIONS, 20 x 200 OK"
			summary+=("SIPp -> esip-responder over $name: 20 OPTIONS, 20 x 200 OK")
		else
			echo "   SIPp over $name: FAILED"
			summary+=("SIPp -> esip-responder over $name: FAILED")
		fi
	done
	kill -INT $rpid; wait $rpid 2>/dev/null || true
else
	summary+=("SIPp parts skipped: sipp is not installed (scripts/deps.sh installs sip-tester)")
fi

# show NAME PID FILE: FILE's lines as they come, prefixed with NAME (until PID ends)
show() {
	tail -f -n +1 --pid="$2" "$3" | sed -u "s/^/   $1 | /" &
}
# listen NAME ARGS...: an esip-ua listening on a free port ($NAME_P), shown;
# its output in $NAME_OUT (a new file each time: an old tail may linger)
listen() {
	local name=$1 port pid out
	shift
	port=$(free_port)
	out=$(mktemp "$WORK/$name.XXXXXX")
	"$UA" -l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" -d 30 "$@" >"$out" 2>&1 &
	pid=$!
	track $pid
	wait_listening $pid "$out"
	show "$name" $pid "$out"
	eval "${name}_P=$port ${name}_PID=$pid ${name}_OUT=$out"
}
# finish NAME...: stop the listeners, let their last lines show
finish() {
	local n pid
	sleep 0.2
	for n in "$@"; do
		eval "pid=\$${n}_PID"
		kill -INT "$pid"
		wait "$pid" 2>/dev/null || true
	done
	sleep 0.1
}

echo
echo "== 4. blind transfer: A calls B, B transfers A to C (REFER, RFC 3515); every state change,"
echo "   seconds since each one's start"
listen C
listen B --transfer-to "sip:carol@127.0.0.1:$C_P" --transfer-after 300
set +o pipefail
"$UA" call "sip:bob@127.0.0.1:$B_P" -l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 --hangup-after 1200 -d 20 \
	2>&1 | sed -u 's/^/   A | /'
rc=${PIPESTATUS[0]}
set -o pipefail
finish B C
ok=$(grep -q "transfer succeeded" "$B_OUT" && [ $rc -eq 0 ] && echo yes)
summary+=("blind transfer (A -> B, B refers A to C): A exit $rc, $([ "$ok" = yes ] && echo "A ended up with C, B hung up after the final NOTIFY" || echo FAILED)")

echo
echo "== 5. attended transfer: B calls A, then C, and joins them (REFER with Replaces, RFC 3891);"
echo "   every state change, seconds since each one's start"
listen A --hangup-after 1200
listen C
set +o pipefail
"$UA" call "sip:alice@127.0.0.1:$A_P" --consult "sip:carol@127.0.0.1:$C_P" --transfer-after 300 \
	-l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 -d 20 2>&1 | sed -u 's/^/   B | /'
rc=${PIPESTATUS[0]}
set -o pipefail
for _ in $(seq 1 40); do
	grep -q "outgoing terminating -> terminated" "$A_OUT" && break
	sleep 0.05
done
finish A C
ok=$(grep -q "established -> replaced" "$C_OUT" && [ $rc -eq 0 ] && echo yes)
summary+=("attended transfer (B joins A and C): B exit $rc, $([ "$ok" = yes ] && echo "A's call replaced B's at C" || echo FAILED)")

echo
echo "== 6. esip-parse on examples/invite.sip"
build/tools/esip-parse examples/invite.sip | sed 's/^/   /'
summary+=("esip-parse examples/invite.sip: $(build/tools/esip-parse examples/invite.sip | grep '^verdict:' | cut -d' ' -f2-)")

echo
echo "== summary"
for l in "${summary[@]}"; do echo "   $l"; done
