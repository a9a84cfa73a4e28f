#!/bin/sh
# kamailio.sh - start and stop a throw-away Kamailio (registrar + proxy
# with Digest authentication) on loopback for esip's interop tests.
#
#   tests/interop/kamailio/kamailio.sh start DIR [PORT [ALGORITHM]]
#   tests/interop/kamailio/kamailio.sh stop DIR
#   tests/interop/kamailio/kamailio.sh run ALGORITHM CMD [ARG...]
#
# run: a fresh Kamailio in a temp dir on a free port for one command,
# every argument "PORT" replaced by the port; stopped and removed after,
# the log printed when CMD fails; exits with CMD's status (77: no
# kamailio).
#
# start: DIR must not exist or be empty; it receives the db_text tables
# (db/), the log (kamailio.log) and the pid (kamailio.pid).  Kamailio
# listens on UDP and TCP 127.0.0.1:PORT (PORT 0 or absent: a free port,
# found by binding both), runs in the foreground of a background job
# (-DD, log to stderr -> DIR/kamailio.log) in its own process group,
# drops to the kamailio user when started as root and that user can read
# DIR (else stays root), and the script returns once an OPTIONS to it is
# answered (UDP) and TCP is listening, printing the port on stdout.
# Exit status 77 when kamailio is not installed (meson's "skip").
#
# ALGORITHM: MD5 (default) or SHA-256, the one algorithm Kamailio 5.6's
# auth module offers per instance (run two for both).  KAMAILIO_NONCE_EXPIRE
# in the environment (seconds, default 300) shortens the nonce lifetime
# to provoke stale=true challenges.
#
# Users (realm "esip.test", also a local domain; AORs sip:USER@esip.test
# or sip:USER@127.0.0.1:PORT):
#   alice / alice-pw    bob / bob-pw    carol / carol-pw
# REGISTER gets 401, other initial requests from a local user 407;
# qop=auth; nonces expire after 300 s.  See kamailio.cfg.
#
# Example:
#   d=$(mktemp -d) && port=$(tests/interop/kamailio/kamailio.sh start $d/k)
#   sipsak -U -C sip:alice@127.0.0.1:5099 -s sip:alice@127.0.0.1:$port -a alice-pw
#   tests/interop/kamailio/kamailio.sh stop $d/k
set -eu

here=$(cd "$(dirname "$0")" && pwd)
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}

die() { echo "kamailio.sh: $*" >&2; exit 1; }

free_port() {
	python3 - <<'PY'
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        t.close()
        u.close()
    print(port)
    break
PY
}

# Listening sockets of 127.0.0.1:$1 in /proc/net/$2 (state 07 = UDP
# bound, 0A = TCP LISTEN).
listening() {
	hex=$(printf '0100007F:%04X' "$1")
	awk -v a="$hex" -v st="$3" '$2 == a && $4 == st { f = 1 } END { exit !f }' "/proc/net/$2"
}

# An OPTIONS over UDP answered with a 200, with no tool but the shell's
# python3 (sipsak may be missing).
probe() {
	python3 - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = s.getsockname()[1]
s.settimeout(0.2)
msg = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKprobe%d\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\n"
       "To: <sip:127.0.0.1:%d>\r\nCall-ID: probe-%d@127.0.0.1\r\n"
       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n") % (port, me, me, port, me)
s.sendto(msg.encode(), ("127.0.0.1", port))
try:
    data = s.recv(65535)
except OSError:
    sys.exit(1)
sys.exit(0 if data.startswith(b"SIP/2.0 200") else 1)
PY
}

start() {
	dir=$1
	port=${2:-0}
	alg=${3:-MD5}
	[ -x "$KAMAILIO" ] || { echo "kamailio.sh: $KAMAILIO not installed" >&2; exit 77; }
	case $alg in MD5|SHA-256) ;; *) die "ALGORITHM must be MD5 or SHA-256" ;; esac
	mkdir -p "$dir/db" "$dir/run"
	[ -e "$dir/kamailio.pid" ] && die "$dir is in use (kamailio.pid exists)"
	[ "$port" = 0 ] && port=$(free_port)
	[ -n "$port" ] || die "no free port"

	# db_text tables: subscriber (plain passwords: calculate_ha1 = 1)
	cat > "$dir/db/subscriber" <<'TAB'
id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)
1:alice:esip.test:alice-pw::
2:bob:esip.test:bob-pw::
3:carol:esip.test:carol-pw::
TAB
	printf 'id(int,auto) table_name(string) table_version(int)\n1:subscriber:7\n' > "$dir/db/version"

	# as root, run as the kamailio user when it can read DIR (a private
	# mktemp parent keeps it out: then stay root)
	user_opts=
	if [ "$(id -u)" = 0 ] && id kamailio >/dev/null 2>&1; then
		chown -R kamailio:kamailio "$dir/db" "$dir/run"
		if runuser -u kamailio -- test -r "$dir/db/subscriber" 2>/dev/null; then
			user_opts="-u kamailio -g kamailio"
		else
			chown -R 0:0 "$dir/db" "$dir/run"
		fi
	fi
	# its own process group (setsid), so that stop ends every child
	# shellcheck disable=SC2086
	setsid "$KAMAILIO" -DD -E -f "$here/kamailio.cfg" \
		-l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" \
		-Y "$dir/run" -m 64 -M 8 $user_opts \
		-A "DBURL=\"text://$dir/db\"" -A "ALGORITHM=\"$alg\"" \
		-A "NONCE_EXPIRE=${KAMAILIO_NONCE_EXPIRE:-300}" \
		> "$dir/kamailio.log" 2>&1 &
	pid=$!
	echo "$pid" > "$dir/kamailio.pid"
	echo "$port" > "$dir/port"

	# ready: UDP answers, TCP listens (at most 10 s)
	deadline=$(($(date +%s) + 10))
	until listening "$port" udp 07 && listening "$port" tcp 0A && probe "$port"; do
		if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
			stop "$dir"
			tail -20 "$dir/kamailio.log" >&2
			die "kamailio did not start (log: $dir/kamailio.log)"
		fi
		sleep 0.1
	done
	echo "$port"
}

stop() {
	dir=$1
	[ -f "$dir/kamailio.pid" ] || return 0
	pid=$(cat "$dir/kamailio.pid")
	# the whole process group: the main process and its children
	kill -TERM "-$pid" 2>/dev/null || true
	i=0
	while kill -0 "-$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "-$pid" 2>/dev/null || true
	rm -f "$dir/kamailio.pid"
}

run() {
	alg=$1
	shift
	[ -x "$KAMAILIO" ] || { echo "SKIP: $KAMAILIO not installed"; exit 77; }
	tmp=$(mktemp -d)
	trap 'stop "$tmp/k"; rm -rf "$tmp"' EXIT INT TERM
	port=$(start "$tmp/k" 0 "$alg") || exit 1
	for a in "$@"; do
		[ "$a" = PORT ] && a=$port
		set -- "$@" "$a"
		shift
	done
	echo "kamailio ($alg) on 127.0.0.1:$port"
	rc=0
	"$@" || rc=$?
	[ "$rc" = 0 ] || { echo "--- kamailio log:"; cat "$tmp/k/kamailio.log"; }
	return "$rc"
}

case ${1:-} in
run) [ $# -ge 3 ] || die "usage: $0 run ALGORITHM CMD [ARG...]"; shift; run "$@"; exit $? ;;
start) [ $# -ge 2 ] || die "usage: $0 start DIR [PORT [ALGORITHM]]"; shift; start "$@" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
*) die "usage: $0 start DIR [PORT [ALGORITHM]] | stop DIR | run ALGORITHM CMD [ARG...]" ;;
esac
