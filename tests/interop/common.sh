# common.sh - sourced by the interop runners: a scratch directory removed
# on exit with every process started through track(), a free loopback
# port, an esip-ua listener, waiting for a program's "listening on TCP"
# line.
#
# Programs under test run as `timeout --foreground -k 5 N prog`: without
# --foreground, timeout(1) passes a signal it gets (our SIGINT) on to its
# whole process group too, and a second SIGINT that lands while an ASan
# build's LeakSanitizer stops the world at exit hangs it for good.
WORK=$(mktemp -d /tmp/esip-interop.XXXXXX)
PIDS=""
track() { PIDS="$PIDS $1"; }
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

# a port free for both UDP and TCP on 127.0.0.1: ask the kernel (bind port 0)
free_port() {
	python3 -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: u.close(); t.close()'
}

# listener NAME ARGS...: $UA (esip-ua) in listen mode on a free port, UDP
# and TCP, -d $LISTEN_D (default 50), output in $WORK/NAME.out(.err); sets
# NAME_PID and NAME_PORT
listener() {
	local name=$1 port
	shift
	port=$(free_port)
	timeout --foreground -k 5 60 "$UA" -l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" \
		-d "${LISTEN_D:-50}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.out.err" &
	track $!
	eval "${name}_PID=$!; ${name}_PORT=$port"
	wait_listening $! "$WORK/$name.out"
}

# stop_listener NAME: SIGTERM to listener NAME; fail (the caller's) unless
# it exits 0
stop_listener() {
	local pid rc
	eval "pid=\$${1}_PID"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] || fail "$1 exited $rc"
}

# wait_listening PID FILE: until FILE has "listening on TCP" (5 s at most)
wait_listening() {
	for _ in $(seq 1 100); do
		grep -q "listening on TCP" "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	echo "the program did not start:"; cat "$2" "$2.err" 2>/dev/null
	exit 1
}
