/*
 * bench_uas.c - the stack answering calls with nothing else around it: a
 * load target for bench/load_calls.sh next to esip-ua (a benchmark
 * program, never a test; issue 8).
 *
 *   bench-uas [-l udp:ADDR] [-l tcp:ADDR]... [-d SECONDS] [-c MAX_CALLS]
 *             [-m MAX_TRANSACTIONS] [-b MAX_TXN_MIB]
 *
 * Every incoming call is answered at once, from the incoming-call
 * callback on the stack's own loop thread (esip_stack_start): 180, then
 * 200 with a fixed SDP answer; the caller's BYE ends it.  The program
 * keeps nothing per call and prints nothing per call (esip-ua prints a
 * line per state change, builds its SDP answer from the offer and keeps
 * its calls in a list), so its CPU and memory per call are the stack's
 * own.  It runs until SIGINT/SIGTERM or -d seconds (default 3600) and
 * then prints the stack's statistics.  Defaults: udp and tcp on
 * 127.0.0.1:5060; -c, -m and -b as the stack's defaults (100,000 calls
 * and transactions, 64 MiB held by transactions: 2,000 calls/s keep
 * about 64,000 INVITE server transactions in Accepted for Timer L and as
 * many BYE ones in Completed, near that budget, so load_calls.sh raises
 * it).
 */
#include "listen_arg.h" /* examples/: the -l argument */

#include <esip/stack.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTEN 8

/* What esip-ua answers to SIPp's offer (PCMU). */
static const char sdp_answer[] = "v=0\r\n"
				 "o=esip 1733300000 1733300000 IN IP4 127.0.0.1\r\n"
				 "s=esip-ua\r\n"
				 "c=IN IP4 127.0.0.1\r\n"
				 "t=0 0\r\n"
				 "m=audio 40000 RTP/AVP 0\r\n"
				 "a=rtpmap:0 PCMU/8000\r\n"
				 "a=sendrecv\r\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_log(void *ud, esip_log_level level, const char *msg)
{
	(void)ud;
	if (level <= ESIP_LOG_WARN)
		fprintf(stderr, "bench-uas: %s\n", msg);
}

static void on_incoming(void *ud, esip_call *c)
{
	(void)ud;
	if (esip_call_ring(c, 180, NULL, 0) == 0)
		esip_call_accept(c, sdp_answer, sizeof sdp_answer - 1);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-uas [-l udp:ADDR] [-l tcp:ADDR]... [-d SECONDS] "
			"[-c MAX_CALLS] [-m MAX_TRANSACTIONS] [-b MAX_TXN_MIB]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	esip_listen listen[MAX_LISTEN];
	esip_stack_config cfg;
	esip_stack_stats st;
	esip_stack *s;
	double duration = 3600;
	unsigned long max_calls = 0, max_txn = 0, max_mib = 0;
	struct timespec t0, now;
	int nl = 0, i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l") && i + 1 < argc && nl < MAX_LISTEN) {
			if (listen_arg_parse(argv[++i], &listen[nl++]))
				usage();
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			duration = atof(argv[++i]);
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			max_calls = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			max_txn = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "-b") && i + 1 < argc) {
			max_mib = strtoul(argv[++i], NULL, 10);
		} else {
			usage();
		}
	}
	if (!nl) {
		listen[nl++] = (esip_listen){ESIP_TP_UDP, "127.0.0.1:5060"};
		listen[nl++] = (esip_listen){ESIP_TP_TCP, "127.0.0.1:5060"};
	}
	esip_stack_config_init(&cfg);
	cfg.listen = listen;
	cfg.n_listen = (size_t)nl;
	cfg.ua.user_agent = "esip-bench-uas";
	cfg.ua.max_dialogs = (uint32_t)max_calls;
	cfg.ua.txl.max_transactions = (uint32_t)max_txn;
	cfg.ua.txl.max_bytes = (uint64_t)max_mib << 20;
	cfg.cb.log = on_log;
	cfg.log_level = ESIP_LOG_WARN;
	cfg.cb.incoming_call = on_incoming;
	rc = esip_stack_new(&cfg, &s);
	if (rc) {
		fprintf(stderr, "bench-uas: cannot start: %s\n", esip_strerror(rc));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((rc = esip_stack_start(s)) != 0) {
		fprintf(stderr, "bench-uas: %s\n", esip_strerror(rc));
		esip_stack_free(s);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (stop_flag || (double)(now.tv_sec - t0.tv_sec) >= duration)
			break;
		sleep(1); /* a signal ends it early */
	}
	esip_stack_stop(s);
	esip_stack_get_stats(s, &st);
	printf("bench-uas: calls in %llu, established %llu, failed %llu, live %llu, over limit "
	       "%llu, retransmissions %llu, absorbed %llu\n",
	       (unsigned long long)st.calls_in, (unsigned long long)st.calls_established,
	       (unsigned long long)st.calls_failed, (unsigned long long)st.active_dialogs,
	       (unsigned long long)st.calls_over_limit, (unsigned long long)st.retransmissions,
	       (unsigned long long)st.absorbed);
	esip_stack_free(s);
	return 0;
}
