#!/usr/bin/env bash
# sipp_calls.sh - calls between esip-ua and SIPp (Debian: sip-tester) on
# loopback, every run bounded in count and time (free ports, -m calls,
# SIPp's -timeout and a timeout(1) around each program).
#
#   sipp_calls.sh ESIP_UA SCENARIO_DIR CASE
#
# CASE (one meson test each, -udp or -tcp):
#   calls-*    SIPp's built-in uac calls esip-ua 5 times: INVITE, 180,
#              200 with an SDP answer, ACK, SIPp's BYE, 200; all succeed
#   cancel-*   SIPp calls esip-ua (--answer-after 30000) and CANCELs while
#              it rings (uac_cancel.xml): 200 for the CANCEL, 487 for the
#              INVITE, ACK (RFC 3261 9.2); 3 calls
#   bye-*      SIPp calls esip-ua (--hangup-after 0), which hangs up: SIPp
#              gets the BYE only after its ACK (sent 300 ms late), and
#              answers 200 (uac_remote_bye.xml); 3 calls
#   reinvite-* SIPp calls esip-ua with no SDP in the INVITE (esip-ua offers
#              in the 200, SIPp answers in the ACK), holds it with a
#              re-INVITE (sendonly offered, recvonly answered), sends INFO,
#              hangs up (uac_reinvite.xml); 3 calls
#   uas-*      esip-ua calls a SIPp UAS 3 times (uas_call.xml): established,
#              esip-ua hangs up, exit status 0 each time
# Exit 77 (meson: skipped) with a clear message when sipp is missing.
set -u
UA=$(realpath "$1")
DIR=$(realpath "$2")
CASE=$3
if ! command -v sipp >/dev/null 2>&1; then
	echo "SKIP: sipp is not installed (Debian package sip-tester; scripts/deps.sh installs it)"
	exit 77
fi
. "$(dirname "$0")/common.sh"

tp=u1
t=udp
case "$CASE" in *-tcp) tp=t1 t=tcp ;; esac

fail() {
	echo "FAIL: $*"
	for f in "$WORK"/sipp.out "$WORK"/*errors.log "$WORK"/ua.out "$WORK"/ua.out.err; do
		[ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 60 "$f"; }
	done
	exit 1
}

# start_ua ARGS...: esip-ua listening on a free port, UDP and TCP
start_ua() {
	PORT=$(free_port)
	timeout --foreground -k 5 90 "$UA" -l "udp:127.0.0.1:$PORT" -l "tcp:127.0.0.1:$PORT" -d 60 "$@" \
		>"$WORK/ua.out" 2>"$WORK/ua.out.err" &
	UA_PID=$!
	track $UA_PID
	wait_listening $UA_PID "$WORK/ua.out"
}

# stop_ua EXPECTED_SUMMARY: SIGINT, exit 0, and its summary line holds it
stop_ua() {
	kill -INT $UA_PID
	wait $UA_PID
	rc=$?
	[ $rc -eq 0 ] || fail "esip-ua exited $rc"
	grep -q "summary: $1" "$WORK/ua.out" || fail "esip-ua's summary is not '$1'"
	grep "summary:" "$WORK/ua.out"
}

# sipp_uac SCENARIO_ARGS CALLS: SIPp calls esip-ua CALLS times, 10 a second
sipp_uac() {
	( cd "$WORK" && timeout -k 5 60 sipp $1 -t $tp -m "$2" -r 10 -i 127.0.0.1 -p "$(free_port)" \
		-timeout 30s -timeout_error -max_recv_loops 1000 -nostdin \
		-trace_err -error_file "$WORK/sipp_errors.log" \
		127.0.0.1:"$PORT" >"$WORK/sipp.out" 2>&1 )
	rc=$?
	[ $rc -eq 0 ] || fail "sipp $1 over $t exited $rc"
	echo "sipp $1 over $t: $2 calls passed"
}

case "$CASE" in
calls-udp | calls-tcp)
	start_ua
	sipp_uac "-sn uac" 5
	stop_ua "5 calls, 5 answered, 0 rejected, 0 cancelled by the caller, 5 hung up by the caller, 0 hung up by us, 0 other"
	;;
cancel-udp | cancel-tcp)
	start_ua --answer-after 30000
	sipp_uac "-sf $DIR/uac_cancel.xml" 3
	stop_ua "3 calls, 0 answered, 0 rejected, 3 cancelled by the caller, 0 hung up by the caller, 0 hung up by us, 0 other"
	;;
bye-udp | bye-tcp)
	start_ua --hangup-after 0
	sipp_uac "-sf $DIR/uac_remote_bye.xml" 3
	stop_ua "3 calls, 3 answered, 0 rejected, 0 cancelled by the caller, 0 hung up by the caller, 3 hung up by us, 0 other"
	;;
reinvite-udp | reinvite-tcp)
	start_ua
	sipp_uac "-sf $DIR/uac_reinvite.xml" 3
	stop_ua "3 calls, 3 answered, 0 rejected, 0 cancelled by the caller, 3 hung up by the caller, 0 hung up by us, 0 other"
	for m in INVITE INFO; do
		n=$(grep -c "request $m answered 200" "$WORK/ua.out")
		[ "$n" -eq 3 ] || fail "esip-ua reported $n in-dialog ${m}s answered 200, expected 3"
	done
	;;
uas-udp | uas-tcp)
	SPORT=$(free_port)
	( cd "$WORK" && exec timeout -k 5 60 sipp -sf "$DIR/uas_call.xml" -t $tp -m 3 -i 127.0.0.1 \
		-p "$SPORT" -timeout 30s -timeout_error -nostdin \
		-trace_err -error_file "$WORK/sipp_errors.log" >"$WORK/sipp.out" 2>&1 ) &
	SPID=$!
	track $SPID
	# SIPp prints nothing when it listens: wait until its port is bound
	for _ in $(seq 1 100); do
		ss -lun 2>/dev/null | grep -q "127.0.0.1:$SPORT " && [ $tp = u1 ] && break
		ss -ltn 2>/dev/null | grep -q "127.0.0.1:$SPORT " && [ $tp = t1 ] && break
		sleep 0.05
	done
	for i in 1 2 3; do
		timeout --foreground -k 5 30 "$UA" call "sip:sipp@127.0.0.1:$SPORT;transport=$t" \
			-l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 --hangup-after 50 -d 20 \
			>"$WORK/ua.out" 2>"$WORK/ua.out.err"
		rc=$?
		[ $rc -eq 0 ] || fail "call $i: esip-ua exited $rc"
		grep "result:" "$WORK/ua.out"
	done
	wait $SPID
	rc=$?
	[ $rc -eq 0 ] || fail "the SIPp UAS exited $rc"
	echo "esip-ua -> SIPp UAS over $t: 3 calls, exit 0 each"
	;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
exit 0
