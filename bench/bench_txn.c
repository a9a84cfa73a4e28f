/*
 * bench_txn.c - transaction-layer throughput and memory (a benchmark,
 * never a test).
 *
 *   bench-txn [-n TRANSACTIONS] [-r ROUNDS] [-c CASE] [-p PER_MS]
 *
 * Every transaction is the whole server-side path on one core, with no
 * socket: the request's bytes (a unique branch each) are parsed
 * (esip_msg_parse), matched (17.2.3: a miss, then a new transaction),
 * run through the machine, answered by the owner inside the request's
 * event (esip_build_response with the Via stamp), handed to the send
 * callback, and - when the virtual clock passes its Timer J / L -
 * destroyed and freed.  The clock advances 1 ms every PER_MS transactions
 * (default 2: about 64,000 live at any time, a steady state where as many
 * expire as arrive).  So a figure is the full life of a transaction:
 *
 *   NIST/UDP  OPTIONS -> 200, Completed, Timer J (64*T1) fires, freed
 *   NIST/TCP  OPTIONS -> 200, Timer J = 0: freed at once
 *   IST/UDP   INVITE -> 200, Accepted, Timer L fires, freed
 *   retrans   NIST/UDP plus one retransmission of each request absorbed
 *
 * Memory: bytes per live transaction from the layer's own count
 * (esip_txl_stats.bytes_live) and from glibc (mallinfo2 in-use bytes,
 * malloc overhead included), for answered NISTs (Completed, waiting for
 * Timer J), for ringing ISTs (180 sent inside the event: later
 * responses are built from it, no skeleton is kept) and for ISTs the TU
 * has not answered yet (skeleton kept, the layer's 100 Trying sent).
 * Prints median figures of ROUNDS runs, of wall-clock time and of the
 * process's CPU time (the steadier figure on a machine shared with other
 * work).
 */
#include "bench_util.h"

#include <esip/transaction.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char options_tpl[] =
	"OPTIONS sip:bob@192.0.2.10:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK0000000000;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 63104 OPTIONS\r\n"
	"Contact: <sip:alice@192.0.2.20:5060>\r\n"
	"Accept: application/sdp\r\n"
	"Content-Length: 0\r\n\r\n";

static const char invite_tpl[] =
	"INVITE sip:bob@192.0.2.10:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK0000000000;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@192.0.2.20:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 0\r\n\r\n";

typedef struct bench {
	esip_timerwheel wheel;
	esip_rand rnd;
	esip_txl *txl;
	unsigned status;     /* the owner's answer */
	uint64_t sent, sent_bytes;
	char req[1024];
	size_t req_len;
	size_t branch_off;   /* where the 10 digits of the branch are */
	esip_rx_info rx[2];  /* as a transport fills it: [0] UDP, [1] TCP */
} bench;

static int b_send(void *ud, esip_dest *d, const void *bytes, size_t len)
{
	bench *b = ud;

	b->sent++;
	b->sent_bytes += len;
	return 0;
}

static void b_event(void *ud, esip_txn *t, esip_txn_event ev, const esip_msg *m,
		    const esip_rx_info *rx, uint64_t now)
{
	bench *b = ud;
	esip_response_spec spec;

	if (ev != ESIP_TXE_REQUEST || !b->status)
		return;
	memset(&spec, 0, sizeof spec);
	spec.status = (uint16_t)b->status;
	esip_txn_respond(t, &spec, now);
}

static void setup(bench *b, const char *tpl, unsigned status)
{
	static const esip_txl_callbacks cb = {b_send, b_event, NULL};
	esip_txl_config c;

	memset(b, 0, sizeof *b);
	esip_timerwheel_init(&b->wheel, 0);
	esip_rand_init(&b->rnd);
	esip_txl_config_init(&c);
	c.max_transactions = 4000000;
	c.max_bytes = 16ull << 30; /* the memory figures keep 200,000 live */
	if (esip_txl_new(&c, &cb, b, &b->wheel, &b->rnd, &b->txl)) {
		fprintf(stderr, "esip_txl_new failed\n");
		exit(1);
	}
	b->status = status;
	b->req_len = strlen(tpl);
	memcpy(b->req, tpl, b->req_len);
	b->branch_off = (size_t)(strstr(b->req, "z9hG4bK") - b->req) + 7;
	for (int k = 0; k < 2; k++) {
		esip_rx_info *rx = &b->rx[k];
		rx->tp = k ? ESIP_TP_TCP : ESIP_TP_UDP;
		esip_addr_from_ip(&rx->peer, ESIP_STR("192.0.2.20"), 5060);
		esip_addr_from_ip(&rx->local, ESIP_STR("192.0.2.10"), 5060);
		rx->conn = k ? 7 : 0;
		rx->listener = 1;
	}
}

/* Writes i as the 10 digits of the branch. */
static void set_branch(bench *b, uint64_t i)
{
	char *p = b->req + b->branch_off + 10;
	int k;

	for (k = 0; k < 10; k++) {
		*--p = (char)('0' + i % 10);
		i /= 10;
	}
}

static void feed(bench *b, esip_tp tp, uint64_t now)
{
	esip_hdr hdrs[32];
	esip_msg m;
	const esip_rx_info *rx = &b->rx[esip_tp_reliable(tp)];

	esip_msg_init(&m, hdrs, 32);
	if (esip_msg_parse(&m, b->req, b->req_len, ESIP_PARSE_DATAGRAM, NULL) <= 0) {
		fprintf(stderr, "bench request does not parse\n");
		exit(1);
	}
	esip_txl_recv(b->txl, &m, rx, now);
}

static uint32_t live(const bench *b)
{
	esip_txl_stats st;
	uint32_t s = 0;
	int k;

	esip_txl_get_stats(b->txl, &st);
	for (k = 0; k < 5; k++)
		s += st.live[k];
	return s;
}

/* n transactions in steady state: the virtual clock advances 1 ms every
 * `per_ms` transactions, so about per_ms * 32000 are alive at any time
 * (Timer J / L expire as many as arrive, run inside the timing); at the
 * end the clock runs past the last expiry.  Returns ns per transaction of
 * wall-clock time, and in *cpu of the process's CPU time (on a shared
 * machine: without the time other processes held the core). */
static double run(const char *tpl, unsigned status, esip_tp tp, uint64_t n, int retrans,
		  uint64_t per_ms, double *cpu)
{
	bench b;
	uint64_t i, now = 1;
	double t0, t1, c0, c1;

	setup(&b, tpl, status);
	c0 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = bench_now_s();
	for (i = 0; i < n; i++) {
		set_branch(&b, i);
		feed(&b, tp, now);
		if (retrans)
			feed(&b, tp, now);
		if ((i + 1) % per_ms == 0) {
			now++;
			esip_timerwheel_run(&b.wheel, now);
		}
	}
	now += 64 * 500 + 1;
	esip_timerwheel_run(&b.wheel, now);
	t1 = bench_now_s();
	c1 = bench_clock_s(CLOCK_PROCESS_CPUTIME_ID);
	if (live(&b) != 0 || b.sent < n) {
		fprintf(stderr, "bench: %u transactions left, %llu sent\n", live(&b),
			(unsigned long long)b.sent);
		exit(1);
	}
	esip_txl_free(b.txl);
	*cpu = (c1 - c0) * 1e9 / (double)n;
	return (t1 - t0) * 1e9 / (double)n;
}

/* Bytes per live transaction with n of them alive. */
static void memory(const char *tpl, unsigned status, uint64_t n, double *layer, double *heap)
{
	bench b;
	uint64_t i;
	size_t before, after;
	esip_txl_stats st;

	setup(&b, tpl, status);
	before = mallinfo2().uordblks;
	for (i = 0; i < n; i++) {
		set_branch(&b, i);
		feed(&b, ESIP_TP_UDP, 1);
	}
	/* unanswered ones: past the 200 ms of 17.2.1, the 100 Trying went */
	esip_timerwheel_run(&b.wheel, 300);
	after = mallinfo2().uordblks;
	esip_txl_get_stats(b.txl, &st);
	*layer = (double)st.bytes_live / (double)live(&b);
	*heap = (double)(after - before) / (double)live(&b);
	esip_txl_free(b.txl);
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000, per_ms = 2;
	int rounds = 3, i, r, only = -1;
	struct {
		const char *name;
		const char *tpl;
		unsigned status;
		esip_tp tp;
		int retrans;
	} cases[] = {
		{"NIST/UDP OPTIONS->200, Timer J", options_tpl, 200, ESIP_TP_UDP, 0},
		{"NIST/TCP OPTIONS->200, J=0", options_tpl, 200, ESIP_TP_TCP, 0},
		{"IST/UDP  INVITE->200, Timer L", invite_tpl, 200, ESIP_TP_UDP, 0},
		{"NIST/UDP + 1 absorbed retransmission", options_tpl, 200, ESIP_TP_UDP, 1},
	};
	double layer, heap;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			only = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			per_ms = strtoull(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: bench-txn [-n TRANSACTIONS] [-r ROUNDS] [-c CASE] [-p PER_MS]\n"
					"  -c CASE: only case CASE (0-3), no memory figures (for callgrind)\n"
					"  -p PER_MS: transactions per virtual millisecond (live = PER_MS * 32000)\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 99)
		rounds = 3;
	printf("transaction layer, %llu transactions per run, median of %d runs, steady state "
	       "with about %llu live (Timer J/L = 32 s of virtual time)\n",
	       (unsigned long long)n, rounds, (unsigned long long)(per_ms * 32000));
	printf("%-40s %10s %14s %10s %14s\n", "case", "ns/tx", "tx/s per core", "cpu ns/tx",
	       "tx/s (cpu)");
	for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
		double v[99], c[99], med, cmed;
		if (only >= 0 && i != only)
			continue;
		for (r = 0; r < rounds; r++)
			v[r] = run(cases[i].tpl, cases[i].status, cases[i].tp, n, cases[i].retrans,
				   per_ms ? per_ms : 1, &c[r]);
		med = bench_median(v, rounds);
		cmed = bench_median(c, rounds);
		printf("%-40s %10.0f %14.0f %10.0f %14.0f\n", cases[i].name, med, 1e9 / med, cmed,
		       1e9 / cmed);
	}
	if (only >= 0)
		return 0;
	memory(options_tpl, 200, 200000, &layer, &heap);
	printf("memory per live NIST (answered 200, in Completed): %.0f B (layer count), "
	       "%.0f B (heap in use)\n",
	       layer, heap);
	memory(invite_tpl, 180, 200000, &layer, &heap);
	printf("memory per live IST (ringing, 180 sent and kept): %.0f B (layer count), "
	       "%.0f B (heap in use)\n",
	       layer, heap);
	memory(invite_tpl, 0, 200000, &layer, &heap);
	printf("memory per live IST (not answered: skeleton kept, 100 Trying sent): %.0f B "
	       "(layer count), %.0f B (heap in use)\n",
	       layer, heap);
	return 0;
}
