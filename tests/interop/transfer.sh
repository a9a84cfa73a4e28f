#!/usr/bin/env bash
# transfer.sh - transfers among three esip-ua programs on loopback (issue
# 9): A, the transferee; B, the transferor; C, the transfer target.  No
# SIPp needed.  Every run is bounded (free ports, -d, timeout(1)).
#
#   transfer.sh ESIP_UA CASE
#
# CASE:
#   blind-udp, blind-tcp
#       A calls B ("call", --hangup-after 1500); B (--transfer-to C
#       --transfer-after 200) REFERs A to C; A accepts, calls C, NOTIFYs
#       B 100 then 200; B hangs up (RFC 5589 6.1).  A exits 0 for its call
#       with C (it hung that one up), B counts 1 transfer, C 1 call.
#   attended-udp, attended-tcp
#       B calls A, then C (--consult C --transfer-after 200), then REFERs A
#       to C with Replaces naming its call with C (RFC 3891 4, RFC 5589 7);
#       A's INVITE with Replaces takes that call's place at C, which ends
#       it (BYE to B); B hangs up A.  B exits 0 ("transferred"), C counts
#       2 calls and 1 replaced, A 1 call placed on the REFER.
#   refused
#       A listens with --no-refer: B's REFER gets 603, B ("call" A
#       --transfer-to C) exits 9 and hangs up; C sees nothing.
#   target-busy
#       C rejects (--reject 486): A's call to C fails, A's final NOTIFY
#       says 486, B ("call" A --transfer-to C) exits 9; A keeps the call
#       with B until B hangs up.
set -u
UA=$(realpath "$1")
CASE=$2
export LISTEN_D=30 # (common.sh listener)
. "$(dirname "$0")/common.sh"

fail() {
	echo "FAIL: $*"
	for f in A B C; do
		[ -s "$WORK/$f.out" ] && { echo "--- $f"; cat "$WORK/$f.out" "$WORK/$f.out.err" 2>/dev/null; }
	done
	exit 1
}

# caller NAME WANT URI ARGS...: esip-ua NAME calls URI, must exit WANT
caller() {
	local name=$1 want=$2 uri=$3 rc
	shift 3
	timeout --foreground -k 5 30 "$UA" call "$uri" -l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 -d 20 "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.out.err"
	rc=$?
	[ $rc -eq "$want" ] || fail "$name exited $rc, expected $want"
	echo "$name: $(grep 'result:' "$WORK/$name.out" | cut -d' ' -f2-)"
}

# stop NAME SUMMARY: SIGTERM, exit 0, and its summary line holds SUMMARY
stop() {
	stop_listener "$1"
	grep -q "summary: $2" "$WORK/$1.out" || fail "$1's summary is not '$2'"
	echo "$1: $(grep 'summary:' "$WORK/$1.out" | cut -d' ' -f3-)"
}

# has NAME PATTERN: NAME printed a line matching PATTERN (grep -E)
has() {
	grep -Eq -- "$2" "$WORK/$1.out" || fail "$1 printed no line like '$2'"
}

tp=udp
case "$CASE" in *-tcp) tp=tcp ;; esac
# the summary's counters after "N other"
xfer() { echo "$1 replaced, $2 transferred by us, $3 transfers failed, $4 calls placed on REFER"; }

case "$CASE" in
blind-udp | blind-tcp)
	listener C
	listener B --transfer-to "sip:carol@127.0.0.1:$C_PORT;transport=$tp" --transfer-after 200
	caller A 0 "sip:bob@127.0.0.1:$B_PORT;transport=$tp" --hangup-after 1500
	has A "refer received: blind to <sip:carol@127.0.0.1:$C_PORT;transport=$tp>, referred by <sip:"
	has A "outgoing established -> referred \(receive_refer\)"
	has A "outgoing referred -> refer_pending \(accept_refer\)"
	has A "outgoing to sip:carol@127.0.0.1:$C_PORT;transport=$tp, placed on the REFER"
	has A "outgoing refer_pending -> established \(refer_accepted\)"
	has A "outgoing established -> terminated \(receive_bye\)"
	has A "result: the call placed on the REFER to sip:carol@.*: established, hung up by us after 1[0-9]{3} ms \(exit 0\)"
	has B "refer sent: blind, to sip:carol@127.0.0.1:$C_PORT;transport=$tp"
	has B "refer progress 100 Trying"
	has B "refer final 200 OK: transfer succeeded"
	has B "incoming referring -> established \(refer_accepted\)"
	has B "incoming established -> terminating \(send_bye\)"
	stop B "1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 0 hung up by the caller, 1 hung up by us, 0 other, $(xfer 0 1 0 0)"
	stop C "1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller, 0 hung up by us, 0 other, $(xfer 0 0 0 0)"
	;;
attended-udp | attended-tcp)
	listener A --hangup-after 2000
	listener C
	caller B 0 "sip:alice@127.0.0.1:$A_PORT;transport=$tp" \
		--consult "sip:carol@127.0.0.1:$C_PORT;transport=$tp" --transfer-after 200
	has B "refer sent: attended, to sip:[^ ]*127.0.0.1:${C_PORT}[^ ]* replacing call "
	has B "refer final 200 OK: transfer succeeded"
	has B "result: transferred to sip:carol@127.0.0.1:$C_PORT;transport=$tp \(200 OK\), then hung up by us \(exit 0\)"
	# the second call was ended by C (RFC 3891 3), the first by us
	[ "$(grep -c 'outgoing established -> terminated (receive_bye)' "$WORK/B.out")" -eq 1 ] ||
		fail "B's call with C did not end with C's BYE"
	has A "refer received: attended \(Replaces\) to <sip:[^ ]*\?Replaces=[^ ]*%3Bto-tag%3D[^ ]*%3Bfrom-tag%3D"
	has A "outgoing idle -> replacing \(send_replaces\)"
	has A "outgoing replacing -> established \(replace_success 200 OK\)"
	has C "incoming from sip:[^ ]*, replacing call "
	has C "incoming established -> replaced \(replace_success\)"
	has C "incoming replacing -> established \(replace_success\)"
	# A hangs up its call with C 2 s after it began
	for _ in $(seq 1 60); do
		grep -q "outgoing terminating -> terminated" "$WORK/A.out" && break
		sleep 0.05
	done
	stop A "1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller, 0 hung up by us, 0 other, $(xfer 0 0 0 1)"
	stop C "2 calls, 2 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller, 0 hung up by us, 0 other, $(xfer 1 0 0 0)"
	;;
refused)
	listener A --no-refer
	listener C
	caller B 9 "sip:alice@127.0.0.1:$A_PORT" --transfer-to "sip:carol@127.0.0.1:$C_PORT"
	has B "refer final 603 Decline: transfer failed"
	has B "result: transfer to sip:carol@127.0.0.1:$C_PORT failed: 603 Decline \(exit 9\)"
	has A "incoming established -> referred \(receive_refer\)"
	has A "incoming referred -> established \(reject_refer 603"
	stop A "1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller, 0 hung up by us, 0 other, $(xfer 0 0 0 0)"
	stop C "0 calls"
	;;
target-busy)
	listener A
	listener C --reject 486
	caller B 9 "sip:alice@127.0.0.1:$A_PORT" --transfer-to "sip:carol@127.0.0.1:$C_PORT"
	has B "refer progress 100 Trying"
	has B "refer final 486 Busy Here: transfer failed"
	has B "result: transfer to sip:carol@127.0.0.1:$C_PORT failed: 486 Busy Here \(exit 9\)"
	has A "outgoing calling -> failed \(receive_4xx 486 Busy Here\)"
	has A "incoming refer_pending -> established \(refer_failed"
	stop A "1 calls, 1 answered, 0 rejected, 0 cancelled by the caller, 1 hung up by the caller, 0 hung up by us, 0 other, $(xfer 0 0 0 1)"
	stop C "1 calls, 0 answered, 1 rejected"
	;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
echo "$CASE: ok"
exit 0
