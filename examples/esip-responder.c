/*
 * esip-responder - a SIP endpoint on the esip stack that answers OPTIONS
 * (and refuses what a UA core must refuse), optionally pinging peers.
 *
 *   esip-responder [-l udp:ADDR] [-l tcp:ADDR] ... [options]
 *     -l tp:ADDR      listen (udp or tcp) on ADDR, e.g. udp:127.0.0.1:5060,
 *                     tcp:[::1]:5070; port 0 picks a free port
 *                     (default: udp and tcp on 127.0.0.1:5060)
 *     -d SECONDS      run that long, then print statistics and exit
 *                     (default: until SIGINT/SIGTERM)
 *     -p URI          send OPTIONS to URI once a second and print the result
 *     --ping URI      send OPTIONS to URI (-n times, default once), print
 *                     each result, exit 0 if every one got a 2xx
 *     -n COUNT        how many OPTIONS --ping sends
 *     -m MAX          live transactions allowed (default 100000; over it new
 *                     requests get 503).  A UDP server transaction lives
 *                     64*T1 = 32 s after its answer (Timer J, RFC 3261
 *                     17.2.2), so R requests/s need about 32*R of them
 *     --self-test N   send N OPTIONS to ourselves over every listener,
 *                     print each result and exit (the README demo)
 *     --trace         print every SIP message sent and received
 *     -v              log at debug level
 *
 * Example with SIPp as the client:
 *   esip-responder -l udp:127.0.0.1:5060 &
 *   sipp -sf tests/interop/options_uac.xml -m 10 127.0.0.1:5060
 */
#include "listen_arg.h"

#include <esip/stack.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTEN 8

static volatile sig_atomic_t stop_flag;
static atomic_int pending, ok_count, fail_count;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_log(void *ud, esip_log_level level, const char *msg)
{
	static const char *names[] = {"error", "warn", "info", "debug", "trace"};

	(void)ud;
	fprintf(stderr, "[%s] %s\n", names[level], msg);
}

static void on_trace(void *ud, const esip_trace_msg *t)
{
	char local[ESIP_ADDR_STRLEN], peer[ESIP_ADDR_STRLEN];

	(void)ud;
	esip_addr_str(t->local, local, sizeof local);
	esip_addr_str(t->peer, peer, sizeof peer);
	printf("---- %s %s %s %s %s (%zu bytes)\n%.*s\n", t->outgoing ? "sent" : "received",
	       esip_tp_name(t->tp), local, t->outgoing ? "->" : "<-", peer, t->len,
	       (int)t->len, t->bytes);
	fflush(stdout);
}

typedef struct ping {
	char uri[256];
} ping;

static void on_response(void *ud, int status, const char *reason)
{
	ping *p = ud;

	printf("OPTIONS %s -> %d %s\n", p->uri, status, reason);
	fflush(stdout);
	if (status >= 200 && status < 300)
		atomic_fetch_add(&ok_count, 1);
	else
		atomic_fetch_add(&fail_count, 1);
	atomic_fetch_sub(&pending, 1);
	free(p);
}

static int send_ping(esip_stack *s, const char *uri)
{
	ping *p = malloc(sizeof *p);
	int rc;

	if (!p)
		return ESIP_ENOMEM;
	snprintf(p->uri, sizeof p->uri, "%s", uri);
	atomic_fetch_add(&pending, 1);
	rc = esip_stack_send_options(s, p->uri, on_response, p);
	if (rc) {
		fprintf(stderr, "OPTIONS %s: %s\n", uri, esip_strerror(rc));
		atomic_fetch_sub(&pending, 1);
		free(p);
	}
	return rc;
}

static void print_stats(esip_stack *s)
{
	esip_stack_stats st;
	int m;

	esip_stack_get_stats(s, &st);
	printf("statistics:\n");
	for (m = 0; m < ESIP_METHOD__COUNT; m++)
		if (st.requests_in[m] || st.requests_out[m])
			printf("  %-10s requests in %llu, out %llu\n",
			       m ? esip_method_name((esip_method)m) : "(other)",
			       (unsigned long long)st.requests_in[m],
			       (unsigned long long)st.requests_out[m]);
	for (m = 1; m <= 6; m++)
		if (st.responses_in[m] || st.responses_out[m])
			printf("  %dxx        responses in %llu, out %llu\n", m,
			       (unsigned long long)st.responses_in[m],
			       (unsigned long long)st.responses_out[m]);
	printf("  parse errors %llu, dropped %llu, retransmissions %llu, absorbed %llu\n",
	       (unsigned long long)st.parse_errors, (unsigned long long)st.dropped,
	       (unsigned long long)st.retransmissions, (unsigned long long)st.absorbed);
	printf("  transactions live %u, tcp connections %u (accepted %llu, connected %llu)\n",
	       st.transactions_live, st.tcp_conns, (unsigned long long)st.tcp_accepted,
	       (unsigned long long)st.tcp_connected);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: esip-responder [-l udp:ADDR|tcp:ADDR]... [-d SECONDS] "
			"[-p URI] [--ping URI [-n COUNT]] [-m MAX_TRANSACTIONS] [--self-test N] "
			"[--trace] [-v]\n");
	exit(2);
}

/* Sleeps in small steps until *flag-like condition or the deadline. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	esip_listen listen[MAX_LISTEN];
	esip_stack_config cfg;
	esip_stack *s;
	const char *ping_uri = NULL, *once_uri = NULL;
	double duration = -1, start, next_ping;
	int self_test = 0, nl = 0, i, rc, count = 1;
	unsigned long max_txn = 0;
	bool trace = false, verbose = false;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l") && i + 1 < argc && nl < MAX_LISTEN) {
			if (listen_arg_parse(argv[++i], &listen[nl++]))
				usage();
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			duration = atof(argv[++i]);
		} else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			ping_uri = argv[++i];
		} else if (!strcmp(argv[i], "--ping") && i + 1 < argc) {
			once_uri = argv[++i];
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			count = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			max_txn = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--self-test") && i + 1 < argc) {
			self_test = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--trace")) {
			trace = true;
		} else if (!strcmp(argv[i], "-v")) {
			verbose = true;
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
	cfg.ua.user_agent = "esip-responder";
	cfg.ua.txl.max_transactions = (uint32_t)max_txn;
	cfg.cb.log = on_log;
	cfg.log_level = verbose ? ESIP_LOG_DEBUG : ESIP_LOG_INFO;
	if (trace)
		cfg.cb.trace = on_trace;
	rc = esip_stack_new(&cfg, &s);
	if (rc) {
		fprintf(stderr, "esip-responder: cannot start: %s\n", esip_strerror(rc));
		return 1;
	}
	for (i = 0; i < nl; i++) {
		esip_addr a;
		char txt[ESIP_ADDR_STRLEN];
		if (esip_stack_local_addr(s, listen[i].tp, &a) == 0) {
			esip_addr_str(&a, txt, sizeof txt);
			printf("listening on %s %s\n", esip_tp_name(listen[i].tp), txt);
		}
	}
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = esip_stack_start(s);
	if (rc) {
		fprintf(stderr, "esip-responder: %s\n", esip_strerror(rc));
		esip_stack_free(s);
		return 1;
	}

	if (once_uri) {
		int k;
		for (k = 0; k < count; k++)
			send_ping(s, once_uri);
		start = now_s();
		while (atomic_load(&pending) > 0 && !stop_flag && now_s() - start < 40)
			usleep(10000);
		esip_stack_stop(s);
		print_stats(s);
		esip_stack_free(s);
		printf("ping: %d ok, %d failed\n", atomic_load(&ok_count), atomic_load(&fail_count));
		return atomic_load(&fail_count) || atomic_load(&ok_count) != count ? 1 : 0;
	}

	if (self_test > 0) {
		/* OPTIONS to ourselves over each listener, over the wire */
		for (i = 0; i < nl; i++) {
			esip_addr a;
			char hp[ESIP_ADDR_STRLEN], uri[300];
			int k;
			if (esip_stack_local_addr(s, listen[i].tp, &a))
				continue;
			esip_addr_str(&a, hp, sizeof hp);
			snprintf(uri, sizeof uri, "sip:esip@%s;transport=%s", hp,
				 listen[i].tp == ESIP_TP_TCP ? "tcp" : "udp");
			for (k = 0; k < self_test; k++)
				send_ping(s, uri);
		}
		start = now_s();
		while (atomic_load(&pending) > 0 && !stop_flag && now_s() - start < 40)
			usleep(10000);
		print_stats(s);
		esip_stack_stop(s);
		esip_stack_free(s);
		printf("self-test: %d ok, %d failed\n", atomic_load(&ok_count),
		       atomic_load(&fail_count));
		return atomic_load(&fail_count) || atomic_load(&pending) ? 1 : 0;
	}

	start = now_s();
	next_ping = start;
	while (!stop_flag && (duration < 0 || now_s() - start < duration)) {
		if (ping_uri && now_s() >= next_ping) {
			send_ping(s, ping_uri);
			next_ping += 1.0;
		}
		usleep(20000);
	}
	esip_stack_stop(s);
	print_stats(s);
	esip_stack_free(s);
	return 0;
}
