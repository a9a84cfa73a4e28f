#!/usr/bin/env bash
# baresip.sh - a real softphone as the peer: baresip (Debian: baresip-core),
# headless, on loopback, calls esip-ua and is called by it, and is
# transferred by it.
#
#   baresip.sh ESIP_UA udp|tcp [calls|transfer]
#
# baresip runs with a config directory of its own (no audio devices:
# aubridge plays and records into itself, G.711 only, no registration,
# answermode=auto), dials esip-ua at start (-e "/dial URI") and quits
# after 4 s (-t 4):
#   1. baresip calls esip-ua (listen mode, --answer-after 200
#      --hangup-after 700): 180, 200 with our SDP answer, ACK; esip-ua
#      hangs up and baresip answers the BYE;
#   2. esip-ua calls baresip (call mode, --hangup-after 500): baresip
#      answers by itself, esip-ua hangs up, exit status 0.
# transfer (blind, RFC 5589 6; baresip the transferee):
#   baresip calls esip-ua B (--transfer-to C --transfer-after 300), which
#   REFERs it to esip-ua C; baresip accepts (202), calls C, NOTIFYs B
#   with the outcome (200); B hangs up; baresip's call with C ends when
#   baresip quits.
# Exit 77 (meson: skipped) with a message when baresip or its modules are
# missing.
set -u
UA=$(realpath "$1")
T=$2
WHAT=${3:-calls}
MODS=/usr/lib/baresip/modules
if ! command -v baresip >/dev/null 2>&1; then
	echo "SKIP: baresip is not installed (Debian package baresip-core)"
	exit 77
fi
for m in g711 aubridge account menu; do
	if [ ! -f "$MODS/$m.so" ]; then
		echo "SKIP: baresip module $MODS/$m.so is missing"
		exit 77
	fi
done
. "$(dirname "$0")/common.sh"

fail() {
	echo "FAIL: $*"
	for f in ua.out ua.out.err call.out call.out.err C.out baresip.out; do
		[ -s "$WORK/$f" ] && { echo "--- $f"; tr -d '\r' <"$WORK/$f" | grep -v '^\[0:' | tail -n 50; }
	done
	exit 1
}

PORT=$(free_port)
BPORT=$(free_port)
mkdir -p "$WORK/baresip"
cat >"$WORK/baresip/config" <<EOF
module_path		$MODS
poll_method		epoll
sip_listen		127.0.0.1:$BPORT
audio_player		aubridge,play
audio_source		aubridge,src
audio_alert		aubridge,alert
module			g711.so
module			aubridge.so
module_tmp		account.so
module_app		menu.so
EOF
# (no ;transport= here: baresip would append it to every URI it dials)
echo "<sip:baresip@127.0.0.1:$BPORT>;regint=0;answermode=auto" >"$WORK/baresip/accounts"

if [ "$WHAT" = transfer ]; then
	listener C
	timeout --foreground -k 5 60 "$UA" -l "udp:127.0.0.1:$PORT" -l "tcp:127.0.0.1:$PORT" -d 50 \
		--transfer-to "sip:carol@127.0.0.1:$C_PORT;transport=$T" --transfer-after 300 \
		>"$WORK/ua.out" 2>"$WORK/ua.out.err" &
	UA_PID=$!
	track $UA_PID
	wait_listening $UA_PID "$WORK/ua.out"
	timeout -k 5 30 baresip -f "$WORK/baresip" -t 3 -e "/dial sip:bob@127.0.0.1:$PORT;transport=$T" \
		</dev/null >"$WORK/baresip.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || fail "baresip exited $rc"
	grep -q "refer final 200 OK: transfer succeeded" "$WORK/ua.out" ||
		fail "esip-ua B saw no successful transfer"
	grep -q "incoming established -> terminating (send_bye)" "$WORK/ua.out" ||
		fail "esip-ua B did not hang up after the transfer"
	grep -q "Call established: sip:carol@127.0.0.1:$C_PORT" "$WORK/baresip.out" ||
		fail "baresip did not reach the transfer target"
	kill -TERM "$UA_PID" "$C_PID"
	wait "$UA_PID" "$C_PID"
	for want in "ua 1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 0 hung up by the caller, 1 hung up by us, 0 other, 0 replaced, 1 transferred by us" \
		"C 1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller"; do
		grep -q "summary: ${want#* }" "$WORK/${want%% *}.out" ||
			fail "${want%% *}'s summary is not '${want#* }'"
	done
	echo "baresip -> esip-ua over $T, transferred to esip-ua C: $(grep -c 'refer progress' "$WORK/ua.out") progress NOTIFY(s), final 200, B hung up; baresip's call with C ended by baresip"
	exit 0
fi

timeout --foreground -k 5 60 "$UA" -l "udp:127.0.0.1:$PORT" -l "tcp:127.0.0.1:$PORT" -d 50 \
	--answer-after 200 --hangup-after 700 >"$WORK/ua.out" 2>"$WORK/ua.out.err" &
UA_PID=$!
track $UA_PID
wait_listening $UA_PID "$WORK/ua.out"

# 1. baresip calls esip-ua
timeout -k 5 30 baresip -f "$WORK/baresip" -t 4 -e "/dial sip:esip@127.0.0.1:$PORT;transport=$T" \
	</dev/null >"$WORK/baresip.out" 2>&1 &
BS_PID=$!
track $BS_PID
for _ in $(seq 1 100); do
	grep -q "incoming terminating -> terminated" "$WORK/ua.out" && break
	kill -0 $BS_PID 2>/dev/null || break
	sleep 0.05
done
grep -q "incoming terminating -> terminated (non_invite_complete 200" "$WORK/ua.out" ||
	fail "baresip -> esip-ua over $T: no call that esip-ua hung up"
echo "baresip -> esip-ua over $T: answered, esip-ua hung up, baresip answered the BYE 200"

# 2. esip-ua calls baresip
timeout --foreground -k 5 30 "$UA" call "sip:baresip@127.0.0.1:$BPORT;transport=$T" \
	-l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 --hangup-after 500 -d 20 \
	>"$WORK/call.out" 2>"$WORK/call.out.err"
rc=$?
[ $rc -eq 0 ] || fail "esip-ua -> baresip over $T: esip-ua exited $rc"
echo "esip-ua -> baresip over $T: $(grep 'result:' "$WORK/call.out" | cut -d' ' -f2-)"

wait $BS_PID
rc=$?
[ $rc -eq 0 ] || fail "baresip exited $rc"
# (baresip's own "Call ... terminated" line is not printed for every call
# it saw end - a display quirk: the 200s to the BYEs above are the proof)
n=$(grep -c "Call established" "$WORK/baresip.out")
[ "$n" -eq 2 ] || fail "baresip saw $n calls established, expected 2"
kill -INT $UA_PID
wait $UA_PID
want="1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 0 hung up by the caller, 1 hung up by us, 0 other"
grep -q "summary: $want" "$WORK/ua.out" || fail "esip-ua's summary is not '$want'"
echo "baresip: 2 calls established and ended; esip-ua: $want"
exit 0
