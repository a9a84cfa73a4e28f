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
#   refer-in-* SIPp calls esip-ua and REFERs it to a second SIPp, the
#              target (refer_uac.xml, uas_referred.xml): 202, NOTIFYs with
#              message/sipfrag ending terminated with 200; the INVITE that
#              reaches the target carries Referred-By; SIPp then hangs up,
#              and esip-ua hangs up its call with the target 1 s after
#   refer-out-* esip-ua ("call" --transfer-to) REFERs a SIPp UAS, which
#              answers 202 and NOTIFYs 100, then 200 (exit 0) - and again
#              with 486 (exit 9) (uas_refer.xml); esip-ua hangs up both times
#   replaces-* SIPp calls esip-ua and holds the call (uac_hold.xml, which
#              logs the dialog's Call-ID and tags); a second SIPp sends
#              INVITEs with Replaces (uac_replaces.xml): an unknown dialog
#              481, early-only against the confirmed one 486, the dialog
#              itself 200 (the held call gets esip-ua's BYE); then esip-ua
#              with --no-replaces answers "Require: replaces" 420
#   auth-*     esip-ua (--user alice --password) calls a SIPp UAS that
#              challenges the INVITE with 401 (uas_auth.xml): the INVITE
#              again with Authorization, verified by SIPp, answered, exit
#              0; a wrong password gets 403 from SIPp, exit 3
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

# sipp_bg NAME PORT ARGS...: a SIPp in the background on PORT ($NAME_PID),
# its output in NAME.out and its log in NAME.log; returns when the port
# is bound (SIPp prints nothing when it listens)
sipp_bg() {
	local name=$1 port=$2
	shift 2
	( cd "$WORK" && exec timeout -k 5 60 sipp "$@" -t $tp -i 127.0.0.1 -p "$port" -timeout 30s \
		-timeout_error -nostdin -trace_err -error_file "$WORK/${name}_errors.log" \
		-trace_logs -log_file "$WORK/$name.log" >"$WORK/$name.out" 2>&1 ) &
	eval "${name}_PID=$!"
	track $!
	for _ in $(seq 1 100); do
		[ $tp = u1 ] && ss -lun 2>/dev/null | grep -q "127.0.0.1:$port " && return 0
		[ $tp = t1 ] && ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port " && return 0
		sleep 0.05
	done
	fail "SIPp $name did not start"
}

# sipp_wait NAME: the background SIPp NAME ended with 0
sipp_wait() {
	local pid rc
	eval "pid=\$${1}_PID"
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] || fail "SIPp $1 exited $rc"
}

# has FILE PATTERN: FILE ($WORK/FILE) has a line matching PATTERN (grep -E)
has() {
	grep -Eq -- "$2" "$WORK/$1" || fail "$1 has no line like '$2'"
}

# ua_call WANT URI ARGS...: esip-ua calls URI and must exit WANT
ua_call() {
	local want=$1 uri=$2 rc
	shift 2
	timeout --foreground -k 5 30 "$UA" call "$uri" -l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 -d 20 "$@" \
		>"$WORK/ua.out" 2>"$WORK/ua.out.err"
	rc=$?
	[ $rc -eq "$want" ] || fail "esip-ua exited $rc, expected $want"
	grep "result:" "$WORK/ua.out"
}

xfer0="0 replaced, 0 transferred by us, 0 transfers failed"

# held_dialog: SIPp "hold" (uac_hold.xml) logged its dialog: cid ttag ftag
held_dialog() {
	for _ in $(seq 1 100); do
		grep -q "^dialog " "$WORK/hold.log" 2>/dev/null && break
		sleep 0.05
	done
	read -r _ cid ttag ftag < <(grep "^dialog " "$WORK/hold.log") || fail "no dialog logged"
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
	sipp_bg uas "$SPORT" -sf "$DIR/uas_call.xml" -m 3
	for _ in 1 2 3; do
		ua_call 0 "sip:sipp@127.0.0.1:$SPORT;transport=$t" --hangup-after 50
	done
	sipp_wait uas
	echo "esip-ua -> SIPp UAS over $t: 3 calls, exit 0 each"
	;;
refer-in-udp | refer-in-tcp)
	TPORT=$(free_port)
	sipp_bg target "$TPORT" -sf "$DIR/uas_referred.xml" -m 1
	start_ua --hangup-after 1000
	sipp_uac "-sf $DIR/refer_uac.xml -set target sip:target@127.0.0.1:$TPORT;transport=$t -trace_logs -log_file $WORK/refer.log" 1
	sipp_wait target
	has refer.log "^NOTIFY active sipfrag 100$"
	has refer.log "^NOTIFY terminated sipfrag 200$"
	has ua.out "refer received: blind to <sip:target@127.0.0.1:$TPORT;transport=$t>, referred by <sip:sipp@"
	has ua.out "outgoing to sip:target@127.0.0.1:$TPORT;transport=$t, placed on the REFER"
	has ua.out "incoming established -> terminated \(receive_bye\)"
	has ua.out "outgoing established -> terminating \(send_bye\)"
	stop_ua "1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller, 0 hung up by us, 0 other, $xfer0, 1 calls placed on REFER"
	grep "^NOTIFY" "$WORK/refer.log"
	;;
refer-out-udp | refer-out-tcp)
	for final in "200 OK" "486 Busy Here"; do
		SPORT=$(free_port)
		want=0
		[ "$final" = "200 OK" ] || want=9
		sipp_bg uas "$SPORT" -sf "$DIR/uas_refer.xml" -m 1 -set final "$final"
		ua_call $want "sip:sipp@127.0.0.1:$SPORT;transport=$t" \
			--transfer-to "sip:carol@127.0.0.1:$SPORT" --transfer-after 100
		sipp_wait uas
		has uas.log "^REFER Refer-To +<sip:carol@127.0.0.1:$SPORT> id [0-9]+$"
		has ua.out "refer progress 100 Trying"
		has ua.out "refer final $final: transfer $([ $want = 0 ] && echo succeeded || echo failed)"
		has ua.out "outgoing established -> terminating \(send_bye\)"
	done
	;;
replaces-udp | replaces-tcp)
	start_ua
	HPORT=$(free_port)
	sipp_bg hold "$HPORT" -sf "$DIR/uac_hold.xml" -m 1 127.0.0.1:"$PORT"
	held_dialog
	# RFC 3891 3: to-tag = esip-ua's tag, from-tag = the held call's peer's
	for c in "481 unknown-$cid;to-tag=$ttag;from-tag=$ftag" \
		"486 $cid;to-tag=$ttag;from-tag=$ftag;early-only" \
		"200 $cid;to-tag=$ttag;from-tag=$ftag"; do
		rm -f "$WORK/rep.log"
		sipp_uac "-sf $DIR/uac_replaces.xml -set replaces ${c#* } -trace_logs -log_file $WORK/rep.log" 1
		want=${c%% *}
		if [ "$want" = 200 ]; then has rep.log "^answered 200$"; else has rep.log "^refused $want$"; fi
		echo "Replaces: ${c#* }: $want"
	done
	sipp_wait hold
	has ua.out "incoming from sip:replacer@127.0.0.1:[0-9]+, replacing call "
	has ua.out "incoming established -> replaced \(replace_success\)"
	stop_ua "2 calls, 2 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller, 0 hung up by us, 0 other, 1 replaced"
	# RFC 3891 / 3261 8.2.2.3: without Replaces support, "Require: replaces" is 420
	start_ua --no-replaces
	rm -f "$WORK/hold.log"
	# (a new local port: the last TCP connection from HPORT may linger)
	sipp_bg hold "$(free_port)" -sf "$DIR/uac_hold.xml" -m 1 127.0.0.1:"$PORT"
	held_dialog
	rm -f "$WORK/rep.log"
	sipp_uac "-sf $DIR/uac_replaces.xml -set replaces $cid;to-tag=$ttag;from-tag=$ftag -trace_logs -log_file $WORK/rep.log" 1
	has rep.log "^refused 420$"
	echo "Replaces with --no-replaces: 420"
	stop_ua "1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 0 hung up by the caller, 1 hung up by us, 0 other, 0 replaced"
	sipp_wait hold
	;;
auth-udp | auth-tcp)
	for pw in secret wrong; do
		SPORT=$(free_port)
		want=0
		[ $pw = secret ] || want=3
		sipp_bg uas "$SPORT" -sf "$DIR/uas_auth.xml" -m 1 -set password secret
		ua_call $want "sip:sipp@127.0.0.1:$SPORT;transport=$t" --user alice --password $pw \
			--hangup-after 50 --trace
		sipp_wait uas
		[ "$(grep -c '^INVITE sip:' "$WORK/ua.out")" -eq 2 ] || fail "esip-ua did not send its INVITE twice"
		has ua.out '^Authorization: Digest username="alice", realm="sipp.test", '
	done
	;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
exit 0
