#!/usr/bin/env bash
# esip_ua.sh - esip-ua's command-line contract (issues 8-10), esip-ua against
# esip-ua on loopback: every exit status of call mode, the listen-mode
# summary, bad arguments and an address in use.  No SIPp needed.  Every
# run is bounded (free ports, -d, timeout(1)).
#
#   esip_ua.sh ESIP_UA
set -u
UA=$(realpath "$1")
. "$(dirname "$0")/common.sh"

failed=0
# expect STATUS NAME CMD...: run CMD (30 s at most), check its exit status
expect() {
	want=$1 name=$2
	shift 2
	timeout --foreground -k 5 30 "$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		echo "ok   $name: exit $got $(grep -h '^[0-9.]* result:' "$WORK/out" | cut -d' ' -f2-)"
	else
		echo "FAIL $name: exit $got, expected $want"
		sed 's/^/     /' "$WORK/out" "$WORK/err" | tail -n 30
		failed=1
	fi
}

L="-l udp:127.0.0.1:0 -l tcp:127.0.0.1:0"

# ---- bad arguments: 2, and --help: 0
expect 2 "unknown option" "$UA" --bogus
expect 2 "--transfer-to not a URI" "$UA" call sip:a@127.0.0.1 --transfer-to "bob"
expect 2 "--transfer-after alone" "$UA" --transfer-after 100
expect 2 "--consult in listen mode" "$UA" --consult sip:c@127.0.0.1
expect 2 "--consult with --transfer-to" "$UA" call sip:a@127.0.0.1 --consult sip:c@127.0.0.1 \
	--transfer-to sip:c@127.0.0.1
expect 2 "--password without --user" "$UA" --password secret
expect 2 "--user with '@'" "$UA" --user a@b
expect 2 "--registrar not a sip URI" "$UA" --registrar http://example.com
expect 2 "--proxy not a URI" "$UA" --proxy "proxy host"
expect 2 "bad -l" "$UA" -l udp:127.0.0.1
expect 2 "bad --reject" "$UA" --reject 200
expect 2 "call without URI" "$UA" call
expect 2 "a URI that does not parse" "$UA" call "not a uri" $L
expect 2 "--answer-after in call mode" "$UA" call sip:a@127.0.0.1 --answer-after 10
expect 2 "bad -H" "$UA" call sip:a@127.0.0.1 -H "no colon"
expect 0 "--help" "$UA" --help
grep -q "^Exit status:" "$WORK/out" || { echo "FAIL --help has no exit table"; failed=1; }

listener answer --hangup-after 30000
listener reject --reject 486
listener bye --hangup-after 100
listener ring --answer-after 30000

# ---- 1: cannot listen
expect 1 "address in use" "$UA" -l "udp:127.0.0.1:$answer_PORT" -d 1
expect 1 "no listener of the URI's family" "$UA" call "sip:a@[::1]:5060" -l udp:127.0.0.1:0
expect 1 "unreadable --sdp" "$UA" call "sip:a@127.0.0.1:$answer_PORT" --sdp /nonexistent/x.sdp $L

# ---- 0: established, our BYE (UDP, TCP, an --sdp file, extra headers)
expect 0 "call over UDP" "$UA" call "sip:bob@127.0.0.1:$answer_PORT" $L --hangup-after 100
expect 0 "call over TCP" "$UA" call "sip:bob@127.0.0.1:$answer_PORT;transport=tcp" $L
printf 'v=0\no=x 1 1 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 8\n' \
	>"$WORK/offer.sdp"
expect 0 "call with --sdp and -H" "$UA" call "sip:bob@127.0.0.1:$answer_PORT" $L \
	--sdp "$WORK/offer.sdp" -H "X-Test: esip" --trace
grep -q "^X-Test: esip" "$WORK/out" || { echo "FAIL -H header not sent"; failed=1; }
grep -q "^m=audio [1-9][0-9]* RTP/AVP 8" "$WORK/out" ||
	{ echo "FAIL the answer does not pick PCMA (8)"; failed=1; }

# ---- 3: rejected, 4: no answer within -d, 5: unreachable, 6: the peer hung up
expect 3 "rejected 486" "$UA" call "sip:bob@127.0.0.1:$reject_PORT" $L
grep -q "result: rejected 486 Busy Here" "$WORK/out" || { echo "FAIL no 486 on the result line"; failed=1; }
expect 4 "no answer within -d" "$UA" call "sip:bob@127.0.0.1:$ring_PORT" $L -d 0.5
expect 5 "TCP connection refused" "$UA" call "sip:bob@127.0.0.1:$(free_port);transport=tcp" $L
expect 5 "UDP port closed (ICMP, RFC 3261 18.4)" "$UA" call "sip:bob@127.0.0.1:$(free_port)" $L -d 20
expect 6 "the peer hangs up" "$UA" call "sip:bob@127.0.0.1:$bye_PORT" $L --hangup-after 20000

# ---- 11: the registration failed (nobody at the registrar's TCP port:
# 503 at once), in both modes, with the reason on stderr and no call
reg="sip:127.0.0.1:$(free_port);transport=tcp"
expect 11 "registrar unreachable (call)" "$UA" call "sip:bob@127.0.0.1:$answer_PORT" $L --registrar "$reg"
grep -q "registration at $reg failed: 503" "$WORK/err" || { echo "FAIL no reason on stderr"; failed=1; }
grep -q "outgoing" "$WORK/out" && { echo "FAIL a call was placed"; failed=1; }
expect 11 "registrar unreachable (listen)" "$UA" $L --registrar "$reg" --user bob

# ---- 7: interrupted, while ringing and while established
for what in ring answer; do
	eval port=\$${what}_PORT
	# emptied here: the wait below must not read the last run's lines
	# before the background shell truncates the file
	: >"$WORK/out"
	timeout --foreground -k 5 30 "$UA" call "sip:bob@127.0.0.1:$port" $L --hangup-after 20000 >"$WORK/out" 2>&1 &
	pid=$!
	for _ in $(seq 1 400); do # 20 s at most (a loaded machine)
		grep -q -- "-> \(ringing\|established\)" "$WORK/out" && break
		sleep 0.05
	done
	kill -INT $pid
	wait $pid
	got=$?
	if [ $got -eq 7 ]; then
		echo "ok   SIGINT ($what): exit 7"
	else
		echo "FAIL SIGINT ($what): exit $got, expected 7"; cat "$WORK/out"; failed=1
	fi
done

# ---- the listeners end at SIGTERM with 0 and count what they saw
want_answer="4 calls, 4 answered, 0 rejected, 0 cancelled by the caller, 4 hung up by the caller, 0 hung up by us, 0 other"
want_reject="1 calls, 0 answered, 1 rejected, 0 cancelled by the caller, 0 hung up by the caller, 0 hung up by us, 0 other"
want_bye="1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 0 hung up by the caller, 1 hung up by us, 0 other"
want_ring="2 calls, 0 answered, 0 rejected, 2 cancelled by the caller, 0 hung up by the caller, 0 hung up by us, 0 other"
for what in answer reject bye ring; do
	eval pid=\$${what}_PID want=\$want_${what}
	kill -TERM "$pid"
	wait "$pid"
	got=$?
	if [ $got -eq 0 ] && grep -q "summary: $want" "$WORK/$what.out"; then
		echo "ok   listener $what: exit 0, $want"
	else
		echo "FAIL listener $what: exit $got, expected the summary $want"
		cat "$WORK/$what.out" "$WORK/$what.out.err"
		failed=1
	fi
done
exit $failed
