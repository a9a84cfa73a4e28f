#!/usr/bin/env bash
# load_calls.sh - SIPp as the load generator against esip and its peers,
# all in ONE invocation, loopback only (issues 8 and 11).  A benchmark,
# not a test: it prints figures and never fails on time.
#
#   bench/load_calls.sh [calls|conc|options|all] ...   (default: calls)
#
# calls    SIPp's built-in uac (INVITE, 100/180/200, ACK, BYE, 200) at
#          fixed rates over UDP and TCP against
#            esip-ua --answer-after 0   (examples/esip-ua.c)
#            bench-uas                  the stack alone answering (bench/bench_uas.c:
#                                       esip-ua without its per-call printing,
#                                       SDP making and call list)
#            sipp-uas                   SIPp's built-in uas
#            kam-stateful               Kamailio, tm (../shared/bench/load)
#          every responder running for the whole invocation, the runs
#          interleaved (repeat r: every transport, rate and responder), so
#          each figure is a median over REPEAT runs taken side by side.
#          Per run: CPU microseconds per call of the responder (utime +
#          stime of its whole process tree, /proc/*/task/*/schedstat, with
#          the deferred work after the run: esip's Timer L/J = 64*T1 fire
#          32 s later, Kamailio's wait timer 5 s), failed calls, the CPU
#          others used meanwhile (the noise monitor) and, for esip-ua, the
#          system calls per call (perf stat raw_syscalls:sys_enter).
# conc     CONC_CALLS (10000 then 100000) calls at CONC_RATE held at once
#          (SIPp -d) over UDP against a fresh responder each: esip-ua,
#          bench-uas (-c/-m/-b: room for 150,000 calls), sipp-uas, kam-dialog
#          (Kamailio with the dialog module); the
#          responder's RSS (PSS and shm for Kamailio) sampled every second,
#          bytes per held dialog = (peak - base) / calls.  Each call is held
#          long enough that every call is up at once and, for esip, the
#          INVITE server transactions of the last calls have ended.
# options  OPTIONS (bench/options_load.xml) at fixed rates against
#          esip-responder and Kamailio (sl_send_reply), UDP and TCP: CPU
#          microseconds and system calls per transaction.
#
# Environment (defaults):
#   RATES="500 1500"  calls/s per run     TRANSPORTS="udp tcp"
#   DURATION=10 (s per run)  REPEAT=3     RESPONDERS="esip-ua bench-uas sipp-uas kam-stateful"
#   ESIP_SETTLE_S=34  KAM_SETTLE_S=6      (deferred work measured after a run)
#   CONC_CALLS="10000 100000" CONC_RATE=2000 CONC_EXTRA_S=40
#   CONC_RESPONDERS="esip-ua bench-uas sipp-uas kam-dialog"
#   OPT_RATES="4000 12000" OPT_RESPONDERS="esip-responder kamailio"
#   WARMUP=1 (an unrecorded run per responder and transport first)
#   BASE_PORT=26000  OUT=/tmp/esip-calls.<random>  BUILD=build-bench
#   ESIP_UA_OUT=/dev/null  (esip-ua prints a line per state change)
#   BASE_BUILD=dir  a build of another commit: responders esip-ua-base and
#                   esip-responder-base run its binaries (before/after runs)
#
# Needs sip-tester (SIPp), kamailio (skipped with a note if missing),
# python3, and perf for the system-call counts (skipped if missing).
# Every loop is bounded in count and time: each SIPp run by
# run_uas_load.sh (-m, -timeout, coreutils timeout), each responder by its
# own lifetime limit and stopped here by its PID.
set -uo pipefail
P=$(cd "$(dirname "$0")/.." && pwd)
LOAD=${LOAD_DIR:-$P/../shared/bench/load}
[ -x "$LOAD/run_uas_load.sh" ] || { echo "no $LOAD/run_uas_load.sh" >&2; exit 2; }
which sipp >/dev/null || { echo "sipp is not installed (scripts/deps.sh)" >&2; exit 2; }
# shellcheck source=/dev/null
. "$LOAD/lib.sh"

MODE=${1:-calls}
RATES=${RATES:-500 1500}
TRANSPORTS=${TRANSPORTS:-udp tcp}
DURATION=${DURATION:-10}
REPEAT=${REPEAT:-3}
RESPONDERS=${RESPONDERS:-esip-ua bench-uas sipp-uas kam-stateful}
ESIP_SETTLE_S=${ESIP_SETTLE_S:-34}
KAM_SETTLE_S=${KAM_SETTLE_S:-6}
CONC_CALLS=${CONC_CALLS:-10000 100000}
CONC_RATE=${CONC_RATE:-2000}
CONC_EXTRA_S=${CONC_EXTRA_S:-40}
CONC_RESPONDERS=${CONC_RESPONDERS:-esip-ua bench-uas sipp-uas kam-dialog}
OPT_RATES=${OPT_RATES:-4000 12000}
OPT_RESPONDERS=${OPT_RESPONDERS:-esip-responder kamailio}
BASE_PORT=${BASE_PORT:-26000}
WARMUP=${WARMUP:-1}
BUILD=${BUILD:-build-bench}
BASE_BUILD=${BASE_BUILD:-}
ESIP_UA_OUT=${ESIP_UA_OUT:-/dev/null}
OUT=${OUT:-$(mktemp -d /tmp/esip-calls.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
MAX_LIFE_S=${MAX_LIFE_S:-7200}  # no responder outlives this

have_kam=0
which kamailio >/dev/null 2>&1 && have_kam=1
have_perf=0
perf stat -e raw_syscalls:sys_enter -o /dev/null true >/dev/null 2>&1 && have_perf=1

# file descriptors: TCP connections and SIPp's sockets at 100,000 calls
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ ! -d "$P/$BUILD" ]; then
	meson setup "$P/$BUILD" "$P" --buildtype=release -Doptimization=2 \
		-Db_ndebug=true -Dtests=false >/dev/null || exit 2
fi
ninja -C "$P/$BUILD" examples/esip-ua examples/esip-responder bench/bench-uas >/dev/null || exit 2
UA_BIN=$P/$BUILD/examples/esip-ua
RESP_BIN=$P/$BUILD/examples/esip-responder
BUAS_BIN=$P/$BUILD/bench/bench-uas

STARTED=()
cleanup() {
	local p
	for p in "${STARTED[@]}"; do stop_pid "$p" 5; done
	STARTED=()
}
trap cleanup EXIT
trap 'echo interrupted >&2; cleanup; exit 130' INT TERM

log() { echo "$*" | tee -a "$OUT/log.txt"; }

forget() { # PID: no longer ours to stop
	local keep=() p
	for p in "${STARTED[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
	STARTED=("${keep[@]}")
}

env_info() {
	{
		echo "date: $(date -Is)"
		echo "uname: $(uname -r)"
		echo "debian: $(cat /etc/debian_version 2>/dev/null)"
		lscpu | grep -E 'Model name|^CPU\(s\)|Hypervisor' | sed 's/  */ /g'
		echo "mem: $(free -g | awk '/Mem/{print $2" GiB"}')"
		echo "sipp: $(sipp -v 2>&1 | grep -m1 SIPp)"
		[ $have_kam = 1 ] && echo "kamailio: $(kamailio -v | head -1)"
		echo "esip: $(git -C "$P" describe --always --dirty 2>/dev/null) ($BUILD)"
		echo "loadavg at start: $(cat /proc/loadavg)"
		echo "MODE=$MODE RATES=$RATES TRANSPORTS=$TRANSPORTS DURATION=$DURATION REPEAT=$REPEAT"
		echo "RESPONDERS=$RESPONDERS CONC_CALLS=$CONC_CALLS CONC_RATE=$CONC_RATE"
	} > "$OUT/env.txt"
}

# ---- responders: start_X PORT OUTDIR -> sets RPID (the process tree root) ----

start_esip_ua() { # PORT OUTDIR [BINARY]
	local port=$1 out=$2 bin=${3:-$UA_BIN}
	mkdir -p "$out"
	"$bin" -l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" --answer-after 0 \
		-d "$MAX_LIFE_S" > "$ESIP_UA_OUT" 2> "$out/esip-ua.err" &
	RPID=$!
	STARTED+=("$RPID")
	wait_listen "$port" udp 10 && wait_listen "$port" tcp 5 || { cat "$out/esip-ua.err" >&2; return 1; }
}

start_bench_uas() { # PORT OUTDIR
	local port=$1 out=$2
	mkdir -p "$out"
	"$BUAS_BIN" -l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" -d "$MAX_LIFE_S" \
		-c 150000 -m 400000 -b 1024 > "$out/bench-uas.log" 2>&1 &
	RPID=$!
	STARTED+=("$RPID")
	wait_listen "$port" udp 10 && wait_listen "$port" tcp 5 || { cat "$out/bench-uas.log" >&2; return 1; }
}

start_esip_responder() { # PORT OUTDIR [BINARY]
	local port=$1 out=$2 bin=${3:-$RESP_BIN}
	mkdir -p "$out"
	"$bin" -l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" -d "$MAX_LIFE_S" \
		-m "${MAX_TXN:-4000000}" > "$out/esip-responder.log" 2>&1 &
	RPID=$!
	STARTED+=("$RPID")
	wait_listen "$port" udp 10 && wait_listen "$port" tcp 5 || { cat "$out/esip-responder.log" >&2; return 1; }
}

start_sipp() { # PORT OUTDIR TRANSPORT
	start_sipp_uas "$1" "$3" "$2" "$MAX_LIFE_S"
	RPID=$UAS_PID
	STARTED+=("$RPID")
}

start_kam() { # MODE PORT OUTDIR
	start_kamailio "$1" "$2" "$3" 2 2 1024
	RPID=$KAM_PID
	STARTED+=("$RPID")
}

# The pid of the process that does the work (for perf): the tree's leaf.
work_pid() {
	local p=$1 kids
	while kids=$(cat /proc/"$p"/task/*/children 2>/dev/null) && [ -n "$kids" ]; do
		p=${kids%% *}
	done
	echo "$p"
}

# ---- one SIPp run: label responder-pid port transport rate outdir [scenario] ----
# appends a row to $OUT/<mode>.tsv

run_one() {
	local mode=$1 label=$2 rpid=$3 port=$4 tp=$5 rate=$6 dir=$7 scen=${8:-uac} settle=0
	local perf_pid="" sc=nan
	case "$label" in esip-*|bench-uas) settle=$ESIP_SETTLE_S ;; kam*) settle=$KAM_SETTLE_S ;; esac
	[ "$mode" = options ] && [ "$label" = esip-responder ] && settle=$ESIP_SETTLE_S
	if [ $have_perf = 1 ] && [[ $label == esip-* || $label == bench-uas ]]; then
		perf stat -x, -e raw_syscalls:sys_enter -p "$(work_pid "$rpid")" -o "$dir.perf" \
			>/dev/null 2>&1 &
		perf_pid=$!
	fi
	read -r st0 tot0 < <(steal_jiffies)
	SCENARIO=$scen RESP_PIDS=$rpid RESP_SETTLE_S=$settle OUTDIR=$dir UAC_PORT=$((port + 500)) \
		LABEL="$label/$tp/$rate" "$LOAD/run_uas_load.sh" 127.0.0.1 "$port" "$tp" "$rate" \
		"$DURATION" 2>&1 | tail -n 1 | tee -a "$OUT/log.txt"
	read -r st1 tot1 < <(steal_jiffies)
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid" 2>/dev/null
		sc=$(awk -F, '/raw_syscalls/{print $1}' "$dir.perf" 2>/dev/null)
	fi
	python3 - "$dir/summary.json" "$mode" "$label" "$tp" "$rate" "${sc:-nan}" \
		"$((st1 - st0))" "$((tot1 - tot0))" >> "$OUT/$mode.tsv" <<'PY'
import json, sys
f, mode, label, tp, rate, sc, steal, total = sys.argv[1:]
try:
    r = json.load(open(f))
except (OSError, ValueError):
    r = {}
calls = r.get("expected_calls") or float("nan")
try:
    scpc = float(sc) / float(calls)
except (ValueError, ZeroDivisionError):
    scpc = float("nan")
def g(k):
    v = r.get(k, float("nan"))
    return "nan" if v is None else v
print("\t".join(str(x) for x in (
    label, tp, rate, g("achieved_cps"), g("ok"), g("failed"), g("retrans"),
    g("resp_cpu_us_per_call"), g("resp_cpu_us_per_call_incl_settle"),
    g("uac_cpu_us_per_call"), "%.2f" % scpc, g("others_pct_of_all_cores"),
    "%.1f" % (100.0 * int(steal) / int(total)) if int(total) > 0 else "nan",
    "PASS" if r.get("pass") else "FAIL")))
PY
	sleep 2
}

TSV_HEAD='responder\ttp\trate\tachieved\tok\tfailed\tretrans\tus_per_call\tus_per_call_settle\tsipp_uac_us\tsyscalls_per_call\tothers_pct\tsteal_pct\tresult'

# stolen and total jiffies of all CPUs (/proc/stat): the hypervisor's
# share, which the CPU times measured inside this VM do not show
steal_jiffies() {
	awk '/^cpu /{t=0; for (i = 2; i <= NF; i++) t += $i; print $9, t}' /proc/stat
}

summarise() { # TSV TITLE
	python3 - "$1" "$2" <<'PY' | tee -a "$OUT/summary.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("\n### %s (%s)\n" % (sys.argv[2], sys.argv[1]))
print("| responder | tp | rate/s | runs | CPU us/call median (min-max) | syscalls/call | failed calls | others' CPU % median | steal % median | all passed |")
print("|---|---|---:|---:|---|---:|---:|---:|---:|---|")
groups = {}
for r in rows:
    groups.setdefault((r["responder"], r["tp"], int(r["rate"])), []).append(r)
def fl(x):
    try:
        return float(x)
    except ValueError:
        return float("nan")
for k in sorted(groups, key=lambda k: (k[1], k[2], k[0])):
    g = groups[k]
    us = [fl(r["us_per_call_settle"]) for r in g]
    us = [u for u in us if u == u]
    sc = [fl(r["syscalls_per_call"]) for r in g]
    sc = [s for s in sc if s == s]
    oth = [fl(r["others_pct"]) for r in g]
    oth = [o for o in oth if o == o]
    stl = [fl(r["steal_pct"]) for r in g]
    stl = [x for x in stl if x == x]
    failed = sum(int(fl(r["failed"])) if fl(r["failed"]) == fl(r["failed"]) else 0 for r in g)
    print("| %s | %s | %d | %d | %s | %s | %d | %s | %s | %s |" % (
        k[0], k[1], k[2], len(g),
        "%.1f (%.1f-%.1f)" % (statistics.median(us), min(us), max(us)) if us else "-",
        "%.1f" % statistics.median(sc) if sc else "-", failed,
        "%.0f" % statistics.median(oth) if oth else "-",
        "%.1f" % statistics.median(stl) if stl else "-",
        "yes" if all(r["result"] == "PASS" for r in g) else "no"))
PY
}

# ---- fixed rates: every responder up for the whole mode, runs interleaved ----

declare -A PID PORT

# matrix MODE "RATES" "RESPONDERS" SCENARIO: REPEAT x transports x rates x
# responders runs against the responders PID/PORT hold (by name/tp); with
# WARMUP=1 first one unrecorded run per responder and transport at the
# highest rate (its heap grows to the steady state: page faults and, in a
# thread's malloc arena, an mprotect per new page are not the calls')
matrix() {
	local mode=$1 rates=$2 names=$3 scen=$4 rep tp rate name top=0
	printf "$TSV_HEAD\n" > "$OUT/$mode.tsv"
	for rate in $rates; do [ "$rate" -gt "$top" ] && top=$rate; done
	if [ "$WARMUP" = 1 ]; then
		for tp in $TRANSPORTS; do
			for name in $names; do
				[ -n "${PID[$name/$tp]:-}" ] || continue
				log "== $mode: warm-up, $name over $tp at $top/s ($(date +%T))"
				run_one "$mode-warmup" "$name" "${PID[$name/$tp]}" "${PORT[$name/$tp]}" "$tp" \
					"$top" "$OUT/$mode/warmup-$name-$tp" "$scen"
			done
		done
	fi
	for ((rep = 1; rep <= REPEAT; rep++)); do
		for tp in $TRANSPORTS; do
			for rate in $rates; do
				for name in $names; do
					[ -n "${PID[$name/$tp]:-}" ] || continue
					log "== $mode: repeat $rep, $name over $tp at $rate/s ($(date +%T))"
					run_one "$mode" "$name" "${PID[$name/$tp]}" "${PORT[$name/$tp]}" "$tp" \
						"$rate" "$OUT/$mode/$name-$tp-$rate-r$rep" "$scen"
				done
			done
		done
	done
	cleanup
}

# both NAME PORT: the responder just started (RPID) answers both transports
both() { PID[$1/udp]=$RPID PID[$1/tcp]=$RPID PORT[$1/udp]=$2 PORT[$1/tcp]=$2; }

calls_mode() {
	local name tp p=$BASE_PORT
	for name in $RESPONDERS; do
		case "$name" in
		esip-ua) start_esip_ua "$p" "$OUT/$name" || return 1; both "$name" "$p" ;;
		esip-ua-base)
			start_esip_ua "$p" "$OUT/$name" "$BASE_BUILD/examples/esip-ua" || return 1
			both "$name" "$p" ;;
		bench-uas) start_bench_uas "$p" "$OUT/$name" || return 1; both "$name" "$p" ;;
		sipp-uas)
			for tp in $TRANSPORTS; do
				p=$((p + 1))
				start_sipp "$p" "$OUT/sipp-uas-$tp" "$tp" || return 1
				PID[$name/$tp]=$RPID PORT[$name/$tp]=$p
			done ;;
		kam-stateful)
			[ $have_kam = 1 ] || { log "kamailio not installed: kam-stateful skipped"; continue; }
			p=$((p + 1))
			start_kam stateful "$p" "$OUT/kam-stateful" || return 1
			both "$name" "$p" ;;
		*) log "unknown responder $name"; return 1 ;;
		esac
		p=$((p + 10))
	done
	matrix calls "$RATES" "$RESPONDERS" uac
	summarise "$OUT/calls.tsv" "Full calls at fixed rates, $DURATION s per run"
}

options_mode() {
	local name p=$((BASE_PORT + 200))
	for name in $OPT_RESPONDERS; do
		case "$name" in
		esip-responder) start_esip_responder "$p" "$OUT/$name" || return 1 ;;
		esip-responder-base)
			start_esip_responder "$p" "$OUT/$name" "$BASE_BUILD/examples/esip-responder" ||
				return 1 ;;
		kamailio)
			[ $have_kam = 1 ] || { log "kamailio not installed: skipped"; continue; }
			start_kam stateful "$p" "$OUT/kam-options" || return 1 ;;
		*) log "unknown responder $name"; return 1 ;;
		esac
		both "$name" "$p"
		p=$((p + 10))
	done
	matrix options "$OPT_RATES" "$OPT_RESPONDERS" "$P/bench/options_load.xml"
	summarise "$OUT/options.tsv" "OPTIONS transactions at fixed rates, $DURATION s per run"
}

# ---- concurrency ------------------------------------------------------------------------

# sampler PID OUT SECONDS KAMCTL|- : RSS/PSS of the tree (and Kamailio shm), 1/s
sampler() {
	local pid=$1 out=$2 n=$3 ctl=$4 i shm
	printf 'ts\trss_kb\tpss_kb\tshm_real_used\n' > "$out"
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		shm=-
		[ "$ctl" != - ] && shm=$(kamcmd -s "unix:$ctl" core.shmmem 2>/dev/null |
			awk '/real_used:/{print $2}')
		printf '%s\t%s\t%s\n' "$(date +%s)" "$(mem_kb "$pid" | tr ' ' '\t')" "${shm:--}" >> "$out"
		sleep 1
	done
}

conc_mode() {
	local name calls hold dur out spid ctl n p=$((BASE_PORT + 300))
	printf 'responder\tcalls\tok\tfailed\tretrans\tbase_rss_kb\tpeak_rss_kb\tbytes_per_call_rss\tbytes_per_call_pss\tbytes_per_call_shm\tothers_pct\n' > "$OUT/conc.tsv"
	for calls in $CONC_CALLS; do
		dur=$(((calls + CONC_RATE - 1) / CONC_RATE))
		hold=$(((dur + CONC_EXTRA_S) * 1000))
		for name in $CONC_RESPONDERS; do
			out=$OUT/conc/$name-$calls
			mkdir -p "$out"
			ctl=-
			case "$name" in
			esip-ua) start_esip_ua "$p" "$out" || return 1 ;;
			bench-uas) start_bench_uas "$p" "$out" || return 1 ;;
			sipp-uas) start_sipp "$p" "$out" udp || return 1 ;;
			kam-dialog)
				[ $have_kam = 1 ] || { log "kamailio not installed: kam-dialog skipped"; continue; }
				start_kam dialog "$p" "$out"
				ctl=$KAM_CTL ;;
			*) log "unknown responder $name"; return 1 ;;
			esac
			log "== concurrency: $name, $calls calls at $CONC_RATE/s held $hold ms ($(date +%T))"
			sleep 2
			n=$((dur + hold / 1000 + 20))
			sampler "$RPID" "$out/mem.tsv" "$n" "$ctl" &
			spid=$!
			sleep 3 # baseline samples
			SIPP_EXTRA="${CONC_SIPP_EXTRA:-}" HOLD_MS=$hold RESP_PIDS=$RPID OUTDIR=$out/run \
				UAC_PORT=$((p + 500)) LABEL="conc-$name-$calls" \
				"$LOAD/run_uas_load.sh" 127.0.0.1 "$p" udp "$CONC_RATE" "$dur" 2>&1 |
				tail -n 1 | tee -a "$OUT/log.txt"
			kill "$spid" 2>/dev/null
			wait "$spid" 2>/dev/null
			stop_pid "$RPID" 10
			forget "$RPID"
			python3 - "$out/mem.tsv" "$out/run/summary.json" "$name" "$calls" >> "$OUT/conc.tsv" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
try:
    r = json.load(open(sys.argv[2]))
except (OSError, ValueError):
    r = {}
calls = int(sys.argv[4])
def col(i):
    out = []
    for x in rows:
        try:
            out.append(float(x[i]))
        except (ValueError, IndexError):
            pass
    return out
def per(v):
    return "%.0f" % ((max(v) - min(v[:2])) * 1024 / calls) if len(v) > 2 else "nan"
rss, pss, shm = col(1), col(2), col(3)
shm_per = "%.0f" % ((max(shm) - min(shm[:2])) / calls) if len(shm) > 2 else "-"
print("\t".join(str(x) for x in (
    sys.argv[3], calls, r.get("ok", "nan"), r.get("failed", "nan"), r.get("retrans", "nan"),
    "%.0f" % min(rss[:2]) if rss else "nan", "%.0f" % max(rss) if rss else "nan",
    per(rss), per(pss), shm_per, r.get("others_pct_of_all_cores", "nan"))))
PY
			tail -n 1 "$OUT/conc.tsv" | tee -a "$OUT/log.txt"
			p=$((p + 10))
			sleep 2
		done
	done
	python3 - "$OUT/conc.tsv" <<'PY' | tee -a "$OUT/summary.md"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("\n### Calls held at once (%s)\n" % sys.argv[1])
print("| responder | calls held | ok / failed / retrans | RSS base -> peak (kB) | bytes per call (RSS) | PSS | Kamailio shm |")
print("|---|---:|---|---|---:|---:|---:|")
for r in rows:
    print("| %s | %s | %s / %s / %s | %s -> %s | %s | %s | %s |" % (
        r["responder"], r["calls"], r["ok"], r["failed"], r["retrans"], r["base_rss_kb"],
        r["peak_rss_kb"], r["bytes_per_call_rss"], r["bytes_per_call_pss"], r["bytes_per_call_shm"]))
PY
}

env_info
log "results in $OUT"
case "$MODE" in
calls) calls_mode ;;
conc) conc_mode ;;
options) options_mode ;;
all) calls_mode; options_mode; conc_mode ;;
*) echo "usage: $0 [calls|conc|options|all]" >&2; exit 2 ;;
esac
log "summary: $OUT/summary.md"
