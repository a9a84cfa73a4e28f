#!/bin/sh
# selftest.sh - proves the Kamailio set-up with sipsak, no esip client
# involved: a fresh Kamailio (kamailio.sh) in a temp dir on a free port;
#  1. REGISTER alice with her password over UDP: 401, then 200;
#  2. REGISTER alice with a wrong password: 401 again (sipsak exit 2);
#  3. REGISTER bob with esip-responder as his contact, then an OPTIONS
#     to sip:bob@127.0.0.1 through the proxy: 407, then the proxy relays
#     it (with Proxy-Authorization consumed) and esip-responder's 200
#     comes back.
# With ALGORITHM=SHA-256 in the environment, only the challenges change
# (sipsak answers MD5 only, so 1-3 are run with MD5).
#
#   tests/interop/kamailio/selftest.sh build/examples/esip-responder
#
# Exit 77 (skip) when kamailio, sipsak or python3 is missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
responder=$1
for t in /usr/sbin/kamailio sipsak python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
done

tmp=$(mktemp -d)
rpid=
cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	"$here/kamailio.sh" stop "$tmp/k"
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$("$here/kamailio.sh" start "$tmp/k") || exit 1
echo "kamailio on 127.0.0.1:$port (log $tmp/k/kamailio.log)"
fail=0
check() { # name, expected exit status, command...
	name=$1 want=$2
	shift 2
	timeout 20 "$@" > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then
		echo "ok: $name"
	else
		echo "FAIL: $name (exit $rc, wanted $want)"
		cat "$tmp/out"
		fail=1
	fi
}

check "REGISTER alice, right password -> 200" 0 \
	sipsak -U -C "sip:alice@127.0.0.1:5099" -x 60 -s sip:alice@127.0.0.1 -r "$port" -u alice -a alice-pw -i -vvv
grep -q "^SIP/2.0 401" "$tmp/out" || { echo "FAIL: no 401 before the 200"; fail=1; }
check "REGISTER alice, wrong password -> 401 again" 2 \
	sipsak -U -C "sip:alice@127.0.0.1:5099" -x 60 -s sip:alice@127.0.0.1 -r "$port" -u alice -a wrong -i -vvv

"$responder" -l udp:127.0.0.1:0 -d 60 > "$tmp/responder.log" 2>&1 &
rpid=$!
i=0
until rport=$(grep -o 'listening on UDP 127.0.0.1:[0-9]*' "$tmp/responder.log" | head -1 | sed 's/.*://') &&
	[ -n "$rport" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "FAIL: esip-responder did not start"; exit 1; }
	sleep 0.05
done
check "REGISTER bob at esip-responder (127.0.0.1:$rport)" 0 \
	sipsak -U -C "sip:bob@127.0.0.1:$rport" -x 120 -s sip:bob@127.0.0.1 -r "$port" -u bob -a bob-pw -i -vvv
check "OPTIONS sip:bob@127.0.0.1 through the proxy -> 407, then esip-responder's 200" 0 \
	sipsak -s sip:bob@127.0.0.1 -r "$port" -u alice -a alice-pw -vvv
grep -q "^SIP/2.0 407" "$tmp/out" || { echo "FAIL: no 407 before the 200"; fail=1; }
grep -q "^SIP/2.0 200" "$tmp/out" || { echo "FAIL: no 200"; fail=1; }

[ "$fail" = 0 ] && echo "kamailio selftest: all passed"
exit "$fail"
