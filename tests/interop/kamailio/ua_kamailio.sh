#!/usr/bin/env bash
# ua_kamailio.sh - esip-ua with Kamailio as registrar and proxy (issue 10),
# run by kamailio.sh on a fresh Kamailio (users alice, bob, carol; realm
# esip.test; MD5 or SHA-256):
#
#   kamailio.sh run ALG ua_kamailio.sh ESIP_UA PORT CASE
#
# CASE:
#   register-udp, register-tcp
#       alice registers (401, then REGISTER with Digest credentials of the
#       instance's algorithm, 200), is refreshed by nobody (3600 s) and
#       unregisters at SIGTERM (Expires: 0, 200); exit 0
#   call-udp, call-tcp
#       bob registers and listens; alice registers and calls
#       sip:bob@127.0.0.1:PORT through Kamailio as outbound proxy (407,
#       the INVITE again with Proxy-Authorization); Kamailio finds bob's
#       binding, the call is established, alice hangs up after 300 ms
#       (the BYE record-routed through Kamailio); both unregister; exit 0
#   transfer
#       alice calls bob, bob REFERs alice to carol (all three registered,
#       every request through Kamailio: the REFER and NOTIFYs inside the
#       record-routed dialog, alice's new INVITE through her proxy); alice
#       ends up with carol (exit 0), bob counts 1 transfer
#   wrong-password
#       alice with a wrong password: 401, REGISTER with credentials, 401
#       again; esip-ua says so and exits 10 at once with exactly two
#       REGISTERs sent (no retry loop)
set -u
UA=$(realpath "$1")
KPORT=$2
CASE=$3
. "$(dirname "$0")/../common.sh"

fail() {
	echo "FAIL: $*"
	for f in alice bob carol; do
		[ -s "$WORK/$f.out" ] &&
			{ echo "--- $f"; grep -v '^[A-Za-z-]*: \|^[a-z]=\|^$' "$WORK/$f.out" | tail -n 60; cat "$WORK/$f.out.err"; }
	done
	exit 1
}

has() {
	grep -Eq -- "$2" "$WORK/$1.out" || fail "$1 printed no line like '$2'"
}

tp=udp
case "$CASE" in *-tcp) tp=tcp ;; esac
K="sip:127.0.0.1:$KPORT;transport=$tp"
# USER [ARGS...]: the options of a registered user of this Kamailio
account() { echo "--user $1 --password $1-pw --registrar $K --proxy $K"; }

# registered NAME ARGS...: a listening esip-ua, once registered
registered() {
	local name=$1
	shift
	# shellcheck disable=SC2046
	listener "$name" $(account "$name") --trace "$@"
	for _ in $(seq 1 100); do
		grep -q "registering -> registered" "$WORK/$name.out" && return 0
		grep -q "registering -> failed" "$WORK/$name.out" && break
		sleep 0.05
	done
	fail "$name did not register"
}

# stop NAME: SIGTERM; exit 0 after unregistering
stop() {
	stop_listener "$1"
	has "$1" "registration sip:$1@127.0.0.1 unregistering -> unregistered \(200 OK\)"
}

# alice_calls URI ARGS...: registered alice calls URI through Kamailio
# (--trace), exit 0
alice_calls() {
	local uri=$1 rc
	shift
	# shellcheck disable=SC2046
	timeout --foreground -k 5 30 "$UA" call "$uri" -l udp:127.0.0.1:0 -l tcp:127.0.0.1:0 -d 20 \
		$(account alice) --trace "$@" >"$WORK/alice.out" 2>"$WORK/alice.out.err"
	rc=$?
	[ $rc -eq 0 ] || fail "alice exited $rc"
}

case "$CASE" in
register-udp | register-tcp)
	registered alice
	has alice "registration sip:alice@127.0.0.1 idle -> registering$"
	has alice "registration sip:alice@127.0.0.1 registering -> registered \(200 OK, expires [0-9]+ s\)"
	has alice "^SIP/2.0 401 Unauthorized"
	has alice "^Authorization: Digest username=\"alice\", realm=\"esip.test\""
	stop alice
	alg=$(grep -o 'algorithm=[A-Z0-9-]*' "$WORK/alice.out" | head -1)
	echo "alice registered over $tp ($alg) and unregistered"
	;;
call-udp | call-tcp)
	registered bob
	alice_calls "sip:bob@127.0.0.1:$KPORT;transport=$tp" --hangup-after 300
	has alice "^SIP/2.0 407 Proxy Authentication Required"
	has alice "^Proxy-Authorization: Digest username=\"alice\""
	has alice "outgoing established -> terminating \(send_bye\)"
	has alice "outgoing terminating -> terminated \(non_invite_complete 200 OK\)"
	has alice "registration sip:alice@127.0.0.1 unregistering -> unregistered \(200 OK\)"
	has alice "result: established, hung up by us after [0-9]+ ms \(exit 0\)"
	has bob "incoming from sip:alice@127.0.0.1 to sip:bob@127.0.0.1"
	has bob "incoming established -> terminated \(receive_bye\)"
	stop bob
	echo "alice -> Kamailio -> bob over $tp: $(grep 'result:' "$WORK/alice.out" | cut -d' ' -f2-)"
	;;
transfer)
	registered carol
	registered bob --transfer-to "sip:carol@127.0.0.1:$KPORT" --transfer-after 200
	alice_calls "sip:bob@127.0.0.1:$KPORT" --hangup-after 1500
	has alice "refer received: blind to <sip:carol@127.0.0.1:$KPORT>, referred by <sip:bob@127.0.0.1[:>]"
	has alice "result: the call placed on the REFER to sip:carol@127.0.0.1:$KPORT: established, hung up by us"
	has bob "refer final 200 OK: transfer succeeded"
	has carol "incoming from sip:alice@127.0.0.1 to sip:carol@127.0.0.1"
	has carol "incoming established -> terminated \(receive_bye\)"
	stop bob
	stop carol
	echo "alice -> bob, transferred to carol, all through Kamailio: $(grep 'result:' "$WORK/alice.out" | cut -d' ' -f2-)"
	;;
wrong-password)
	timeout --foreground -k 5 30 "$UA" call "sip:bob@127.0.0.1:$KPORT" -l udp:127.0.0.1:0 \
		-l tcp:127.0.0.1:0 -d 20 --user alice --password not-alices --registrar "$K" --trace \
		>"$WORK/alice.out" 2>"$WORK/alice.out.err"
	rc=$?
	[ $rc -eq 10 ] || fail "alice exited $rc, expected 10"
	grep -q "registration at $K refused: 401 Unauthorized: wrong user or password" \
		"$WORK/alice.out.err" || fail "no clear error on stderr"
	n=$(grep -c "^REGISTER sip:" "$WORK/alice.out")
	[ "$n" -eq 2 ] || fail "alice sent $n REGISTERs, expected 2 (one challenged, one refused)"
	has alice "registration sip:alice@127.0.0.1 registering -> failed \(401 Unauthorized\)"
	grep -q "outgoing" "$WORK/alice.out" && fail "alice placed a call without being registered"
	echo "wrong password: exit 10, $n REGISTERs, \"$(cat "$WORK/alice.out.err")\""
	;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
exit 0
