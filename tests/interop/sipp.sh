#!/usr/bin/env bash
# sipp.sh - interop with a real SIP peer, SIPp (Debian: sip-tester), on
# loopback only, every run bounded in count and time.
#
#   sipp.sh RESPONDER SCENARIO_DIR CASE
#
# CASE (one meson test each):
#   options-udp / options-tcp  SIPp sends 50 OPTIONS, expects 200 with
#                              Allow, Accept, Supported (RFC 3261 11.2)
#   malformed-udp / -tcp       SIPp sends requests validation must refuse
#                              and expects 400 / 420 / 416 / 505 / 501
#   uac-udp / uac-tcp          the stack sends OPTIONS to a SIPp UAS and
#                              must get its 200 (client transactions over
#                              real sockets)
# Exit 77 (meson: skipped) with a clear message when sipp is missing.
set -u
RESPONDER=$1
DIR=$2
CASE=$3
if ! command -v sipp >/dev/null 2>&1; then
	echo "SKIP: sipp is not installed (Debian package sip-tester; scripts/deps.sh installs it)"
	exit 77
fi
. "$(dirname "$0")/common.sh"

start_responder() {
	PORT=$(free_port)
	"$RESPONDER" -l "udp:127.0.0.1:$PORT" -l "tcp:127.0.0.1:$PORT" -d 60 \
		>"$WORK/responder.out" 2>"$WORK/responder.out.err" &
	track $!
	wait_listening $! "$WORK/responder.out"
}

run_sipp_uac() { # scenario transport calls rate
	( cd "$WORK" && timeout 60 sipp -sf "$DIR/$1" -t "$2" -m "$3" -r "$4" -i 127.0.0.1 \
		-timeout 30s -timeout_error -max_recv_loops 1000 -nostdin \
		-trace_err -error_file "$WORK/sipp_errors.log" \
		127.0.0.1:"$PORT" >"$WORK/sipp.out" 2>&1 )
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "sipp $1 over $2 failed (exit $rc)"
		tail -n 30 "$WORK/sipp.out"; cat "$WORK/sipp_errors.log" 2>/dev/null | tail -n 40
		echo "--- responder"; cat "$WORK/responder.out" "$WORK/responder.out.err"
		exit 1
	fi
	echo "sipp $1 over $2: $3 calls passed"
}

case "$CASE" in
options-udp) start_responder; run_sipp_uac options_uac.xml u1 50 100 ;;
options-tcp) start_responder; run_sipp_uac options_uac.xml t1 50 100 ;;
malformed-udp) start_responder; run_sipp_uac malformed_uac.xml u1 1 1 ;;
malformed-tcp) start_responder; run_sipp_uac malformed_uac.xml t1 1 1 ;;
uac-udp|uac-tcp)
	tp=u1; t=udp
	[ "$CASE" = uac-tcp ] && tp=t1 && t=tcp
	SPORT=$(free_port)
	( cd "$WORK" && timeout 60 sipp -sf "$DIR/options_uas.xml" -t "$tp" -m 3 -i 127.0.0.1 \
		-p "$SPORT" -timeout 30s -nostdin >"$WORK/sipp_uas.out" 2>&1 ) &
	SPID=$!
	track $SPID
	sleep 0.5
	timeout 60 "$RESPONDER" -l "udp:127.0.0.1:0" -l "tcp:127.0.0.1:0" \
		--ping "sip:sipp@127.0.0.1:$SPORT;transport=$t" -n 3 >"$WORK/ping.out" 2>&1
	rc=$?
	cat "$WORK/ping.out"
	wait "$SPID"; src=$?
	if [ $rc -ne 0 ] || [ $src -ne 0 ]; then
		echo "esip -> SIPp UAS over $t failed (esip $rc, sipp $src)"
		tail -n 30 "$WORK/sipp_uas.out"
		exit 1
	fi
	;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
exit 0
