/*
 * The simnet test network itself: delivery and timing, the clock, link
 * impairments and their rates, determinism, reliable connections, the
 * event bound and the log.
 */
#include "simnet.h"
#include "testutil.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Check records the location of every ck_assert through a pipe, a system
 * call each.  Callbacks and loops over 100,000 datagrams use HOT, which
 * calls Check only when the condition fails.
 */
#define HOT(expr)                                                       \
	do {                                                            \
		if (!(expr))                                            \
			ck_abort_msg("Assertion '%s' failed", #expr);   \
	} while (0)

/* ------------------------------------------------------------------ */
/* A configurable fake node                                             */
/* ------------------------------------------------------------------ */

#define MAXREC 256

typedef struct tnode {
	simnet *net;
	int id;
	esip_addr addr;
	/* what arrived (the first MAXREC) */
	long nrecv;
	uint64_t rtime[MAXREC];
	long rseq[MAXREC];       /* the number after the first space, if any */
	esip_rx_info rx;         /* of the last datagram */
	char last[128];
	/* reply to every datagram with "<reply> <n>" (n counts up) while
	 * replies_left != 0 (negative: forever) */
	const char *reply;
	long replies_left;
	long replied;
	/* timers: at each time in timers[], send "TICK <i>" to tdest */
	uint64_t timers[16];
	int ntimers, tnext;
	esip_dest tdest;
	/* connection failures */
	int nfail;
	uint32_t fail_conn;
	uint64_t fail_at;
	/* simnet_run from a callback (must be refused) */
	bool nest;
	int nest_rc;
} tnode;

/* An event trace shared by the nodes of one test (fork mode: one test
 * per process, so a static is private to the test). */
static char trace[4096];
static bool tracing; /* off: the rate tests receive 100,000 datagrams */

static void trace_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace_add(const char *fmt, ...)
{
	size_t n = strlen(trace);
	va_list ap;

	if (!tracing)
		return;
	va_start(ap, fmt);
	vsnprintf(trace + n, sizeof trace - n, fmt, ap);
	va_end(ap);
}

static esip_dest dest_to(esip_tp tp, const esip_addr *a, uint32_t conn)
{
	esip_dest d;

	memset(&d, 0, sizeof d);
	d.tp = tp;
	d.addr = *a;
	d.conn = conn;
	return d;
}

static void t_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx, uint64_t now)
{
	tnode *n = ud;
	size_t k = len < sizeof n->last - 1 ? len : sizeof n->last - 1;
	const char *sp;

	memcpy(n->last, bytes, k);
	n->last[k] = 0;
	n->rx = *rx;
	if (n->nrecv < MAXREC) {
		n->rtime[n->nrecv] = now;
		sp = strchr(n->last, ' ');
		n->rseq[n->nrecv] = sp ? atol(sp + 1) : -1;
	}
	n->nrecv++;
	trace_add("%llu %s<%s|", (unsigned long long)now, simnet_node_name(n->net, n->id), n->last);
	if (n->nest)
		n->nest_rc = simnet_run_until(n->net, now + 1000);
	if (n->reply && n->replies_left) {
		char msg[64];
		/* answer the way a SIP stack does: to the source, on the
		 * connection it came on */
		esip_dest d = dest_to(rx->tp, &rx->peer, rx->conn);
		int m = snprintf(msg, sizeof msg, "%s %ld", n->reply, n->replied++);
		if (n->replies_left > 0)
			n->replies_left--;
		HOT(simnet_send(n->net, n->id, &d, msg, (size_t)m) == 0);
	}
}

static uint64_t t_next(void *ud)
{
	tnode *n = ud;

	return n->tnext < n->ntimers ? n->timers[n->tnext] : SIMNET_NEVER;
}

static void t_timers(void *ud, uint64_t now)
{
	tnode *n = ud;

	while (n->tnext < n->ntimers && n->timers[n->tnext] <= now) {
		char msg[32];
		int m = snprintf(msg, sizeof msg, "TICK %d", n->tnext);
		/* never early, never late */
		HOT(n->timers[n->tnext] == now);
		trace_add("%llu %s!|", (unsigned long long)now, simnet_node_name(n->net, n->id));
		n->tnext++;
		HOT(simnet_send(n->net, n->id, &n->tdest, msg, (size_t)m) == 0);
	}
}

static void t_conn_failed(void *ud, uint32_t conn, uint64_t now)
{
	tnode *n = ud;

	n->nfail++;
	n->fail_conn = conn;
	n->fail_at = now;
	trace_add("%llu %s x%lu|", (unsigned long long)now, simnet_node_name(n->net, n->id),
		  (unsigned long)conn);
}

static const simnet_node_ops t_ops = {t_recv, t_next, t_timers, t_conn_failed};

static void node_add(simnet *net, tnode *n, const char *name, const char *addr)
{
	memset(n, 0, sizeof *n);
	n->net = net;
	ck_assert_int_eq(esip_addr_parse(&n->addr, addr), 0);
	n->id = simnet_node_add(net, name, &n->addr, &t_ops, n);
	ck_assert_int_ge(n->id, 0);
}

static int sendstr(simnet *net, const tnode *from, esip_tp tp, const tnode *to, uint32_t conn,
		   const char *s)
{
	esip_dest d = dest_to(tp, &to->addr, conn);

	return simnet_send(net, from->id, &d, s, strlen(s));
}

static simnet_link link_delay(uint32_t ms)
{
	simnet_link l = SIMNET_LINK_PERFECT;

	l.delay_ms = ms;
	return l;
}

/* ------------------------------------------------------------------ */
/* Delivery and the clock                                               */
/* ------------------------------------------------------------------ */

START_TEST(fixed_delay)
{
	simnet *net = simnet_new(1);
	tnode a, b;
	simnet_link l = link_delay(50);
	const simnet_log_entry *e;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5070");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	ck_assert_uint_eq(simnet_now(net), 0);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "OPTIONS sip:b SIP/2.0\r\nX: y\r\n\r\n"), 0);
	ck_assert(simnet_pending(net));
	ck_assert_uint_eq(simnet_next_event(net), 50);
	ck_assert_uint_eq(simnet_run(net, 10000), 50); /* quiet: the clock stays */
	ck_assert(!simnet_pending(net));
	ck_assert_int_eq(b.nrecv, 1);
	ck_assert_uint_eq(b.rtime[0], 50);
	ck_assert_str_eq(b.last, "OPTIONS sip:b SIP/2.0\r\nX: y\r\n\r\n");
	ck_assert_int_eq(b.rx.tp, ESIP_TP_UDP);
	ck_assert(esip_addr_eq(&b.rx.peer, &a.addr));
	ck_assert(esip_addr_eq(&b.rx.local, &b.addr));
	ck_assert_uint_eq(b.rx.conn, 0);

	ck_assert_uint_eq(simnet_log_count(net), 1);
	e = simnet_log_get(net, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(simnet_log_get(net, 1));
	ck_assert_uint_eq(e->sent, 0);
	ck_assert_uint_eq(e->delivered, 50);
	ck_assert_int_eq(e->fate, SIMNET_DELIVERED);
	ck_assert_int_eq(e->from, a.id);
	ck_assert_int_eq(e->to, b.id);
	ck_assert_str_eq(e->first_line, "OPTIONS sip:b SIP/2.0");
	ck_assert_uint_eq(e->first_len, 21);
	ck_assert_uint_eq(simnet_count(net, a.id, b.id, "OPTIONS"), 1);
	ck_assert_uint_eq(simnet_count(net, b.id, a.id, "OPTIONS"), 0);
	ck_assert_uint_eq(simnet_count(net, SIMNET_ANY, SIMNET_ANY, NULL), 1);
	ck_assert_uint_eq(simnet_count(net, SIMNET_ANY, SIMNET_ANY, "INVITE"), 0);
	simnet_free(net);
}
END_TEST

START_TEST(ping_pong)
{
	simnet *net = simnet_new(2);
	tnode a, b;
	simnet_link l = link_delay(10);
	uint64_t t[32];
	size_t i;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	a.reply = "PING";
	a.replies_left = 9;
	b.reply = "PONG";
	b.replies_left = -1;
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "PING start"), 0);
	/* 10 PINGs, 10 PONGs, 10 ms each */
	ck_assert_uint_eq(simnet_run(net, 100000), 200);
	ck_assert_int_eq(b.nrecv, 10);
	ck_assert_int_eq(a.nrecv, 10);
	ck_assert_str_eq(a.last, "PONG 9");
	ck_assert_uint_eq(simnet_log_times(net, a.id, b.id, "PING", t, 32), 10);
	for (i = 0; i < 10; i++)
		HOT(t[i] == 20 * i);
	ck_assert_uint_eq(simnet_log_times(net, b.id, a.id, "PONG", t, 3), 10); /* more than max */
	ck_assert_uint_eq(t[0], 10);
	ck_assert_uint_eq(t[2], 50);
	ck_assert_uint_eq(simnet_count(net, b.id, a.id, "PONG"), 10);
	ck_assert_uint_eq(simnet_count_sent(net, SIMNET_ANY, a.id, NULL), 10);
	simnet_free(net);
}
END_TEST

/* Node c's timers fire at 100, 300, 700 and send to b (40 ms away), b
 * answers (40 ms back); a sends to b at 0 over a 300 ms link, so that a
 * delivery and a timer fall due at the same millisecond (300). */
START_TEST(timers_interleaved)
{
	simnet *net = simnet_new(3);
	tnode a, b, c;
	simnet_link slow = link_delay(300), fast = link_delay(40);

	tracing = true;
	trace[0] = 0;
	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	node_add(net, &c, "c", "192.0.2.3:5060");
	ck_assert_int_eq(simnet_link_default(net, &fast), 0);
	ck_assert_int_eq(simnet_link_set(net, a.id, b.id, &slow), 0);
	c.timers[0] = 100;
	c.timers[1] = 300;
	c.timers[2] = 700;
	c.ntimers = 3;
	c.tdest = dest_to(ESIP_TP_UDP, &b.addr, 0);
	b.reply = "ACK";
	b.replies_left = -1;
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "HELLO 0"), 0);
	ck_assert_uint_eq(simnet_run(net, 5000), 780);
	/* at 300 the delivery to b comes before c's timer */
	ck_assert_str_eq(trace, "100 c!|140 b<TICK 0|180 c<ACK 0|"
				"300 b<HELLO 0|300 c!|340 a<ACK 1|340 b<TICK 1|380 c<ACK 2|"
				"700 c!|740 b<TICK 2|780 c<ACK 3|");
	ck_assert_uint_eq(c.tnext, 3);
	simnet_free(net);
}
END_TEST

/* A retransmitter like Timer A (RFC 3261 17.1.1.2) over a dead link: the
 * log gives the exact schedule. */
START_TEST(retransmit_schedule)
{
	simnet *net = simnet_new(4);
	tnode a, b;
	simnet_link dead = SIMNET_LINK_PERFECT;
	uint64_t t[16], want[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
	size_t i;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	dead.loss = 1.0;
	ck_assert_int_eq(simnet_link_set(net, a.id, b.id, &dead), 0);
	for (i = 0; i < 7; i++)
		a.timers[i] = want[i];
	a.ntimers = 7;
	a.tdest = dest_to(ESIP_TP_UDP, &b.addr, 0);
	ck_assert_uint_eq(simnet_run(net, 64000), 31500);
	ck_assert_uint_eq(simnet_log_times(net, a.id, b.id, "TICK", t, 16), 7);
	for (i = 0; i < 7; i++)
		HOT(t[i] == want[i]);
	ck_assert_uint_eq(simnet_count(net, a.id, b.id, "TICK"), 0);
	ck_assert_int_eq(b.nrecv, 0);
	ck_assert_int_eq(simnet_log_get(net, 3)->fate, SIMNET_LOST);
	simnet_free(net);
}
END_TEST

START_TEST(run_until_exact)
{
	simnet *net = simnet_new_at(5, 1000);
	tnode a, b;
	simnet_link l = link_delay(150);

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	ck_assert_uint_eq(simnet_now(net), 1000);
	a.timers[0] = 1100;
	a.ntimers = 1;
	a.tdest = dest_to(ESIP_TP_UDP, &b.addr, 0);
	ck_assert_int_eq(simnet_run_until(net, 1099), 0);
	ck_assert_uint_eq(simnet_now(net), 1099);
	ck_assert_int_eq(a.tnext, 0);
	ck_assert_int_eq(simnet_run_until(net, 1100), 0); /* inclusive */
	ck_assert_int_eq(a.tnext, 1);
	ck_assert_uint_eq(simnet_now(net), 1100);
	ck_assert_int_eq(simnet_run_until(net, 1249), 0);
	ck_assert_int_eq(b.nrecv, 0);
	ck_assert_uint_eq(simnet_now(net), 1249);
	ck_assert_int_eq(simnet_run_until(net, 1200), 0); /* never backwards */
	ck_assert_uint_eq(simnet_now(net), 1249);
	ck_assert_int_eq(simnet_run_until(net, 1250), 0);
	ck_assert_int_eq(b.nrecv, 1);
	ck_assert_uint_eq(b.rtime[0], 1250);
	ck_assert_uint_eq(simnet_now(net), 1250);
	/* a bounded run with work left ends exactly at its deadline */
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "X 1"), 0);
	ck_assert_uint_eq(simnet_run(net, 100), 1350);
	ck_assert(simnet_pending(net));
	ck_assert_uint_eq(simnet_run(net, 100), 1400);
	ck_assert_int_eq(b.nrecv, 2);
	ck_assert_uint_eq(simnet_run(net, 100), 1400); /* nothing left */
	simnet_free(net);
}
END_TEST

START_TEST(step_by_step)
{
	simnet *net = simnet_new(6);
	tnode a, b;
	simnet_link l = link_delay(7);

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	a.timers[0] = 3;
	a.ntimers = 1;
	a.tdest = dest_to(ESIP_TP_UDP, &b.addr, 0);
	ck_assert_int_eq(simnet_step(net), 1); /* a's timer */
	ck_assert_uint_eq(simnet_now(net), 3);
	ck_assert_int_eq(simnet_step(net), 1); /* delivery */
	ck_assert_uint_eq(simnet_now(net), 10);
	ck_assert_int_eq(b.nrecv, 1);
	ck_assert_int_eq(simnet_step(net), 0);
	simnet_free(net);
}
END_TEST

/* Several sends from one callback at the same time arrive in send order. */
static void burst_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		       uint64_t now)
{
	tnode *n = ud;
	esip_dest d = dest_to(ESIP_TP_UDP, &rx->peer, 0);
	char msg[16];
	int i;

	for (i = 0; i < 5; i++) {
		int m = snprintf(msg, sizeof msg, "B %d", i);
		HOT(simnet_send(n->net, n->id, &d, msg, (size_t)m) == 0);
	}
}

START_TEST(same_time_order)
{
	simnet *net = simnet_new(7);
	tnode a, b;
	static const simnet_node_ops burst_ops = {burst_recv, NULL, NULL, NULL};
	int i;

	node_add(net, &a, "a", "192.0.2.1:5060");
	memset(&b, 0, sizeof b);
	b.net = net;
	ck_assert_int_eq(esip_addr_parse(&b.addr, "192.0.2.2:5060"), 0);
	b.id = simnet_node_add(net, "b", &b.addr, &burst_ops, &b);
	ck_assert_int_eq(b.id, 1);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "GO"), 0);
	ck_assert_uint_eq(simnet_run(net, 10), 0);
	ck_assert_int_eq(a.nrecv, 5);
	for (i = 0; i < 5; i++) {
		HOT(a.rseq[i] == i);
		HOT(a.rtime[i] == 0);
	}
	simnet_free(net);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Link impairments                                                     */
/* ------------------------------------------------------------------ */

#define BULK 100000

/* A receiver that only counts: the rates tests send 100,000 datagrams. */
typedef struct counter {
	long n;
	long inversions; /* datagrams that arrived after a later-sent one */
	long maxseq;
	unsigned char *seen; /* per sequence number: copies received */
} counter;

static void c_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx, uint64_t now)
{
	counter *c = ud;
	long seq;

	HOT(len == 8);
	memcpy(&seq, bytes, sizeof seq);
	if (c->seen) {
		HOT(seq >= 0 && seq < BULK);
		if (c->seen[seq] == 0 && seq < c->maxseq)
			c->inversions++;
		c->seen[seq]++;
	}
	if (seq > c->maxseq)
		c->maxseq = seq;
	c->n++;
}

static const simnet_node_ops c_ops = {c_recv, NULL, NULL, NULL};

/* Sends BULK 8-byte datagrams from `from`, one per millisecond, over a
 * link l, and runs until all have arrived. */
static void bulk(simnet *net, int from, const esip_addr *to, esip_tp tp)
{
	esip_dest d = dest_to(tp, to, 0);
	long i;

	for (i = 0; i < BULK; i++) {
		HOT(simnet_send(net, from, &d, &i, sizeof i) == 0);
		HOT(simnet_run_until(net, simnet_now(net) + 1) == 0);
	}
	simnet_run(net, 1000000);
	HOT(!simnet_pending(net));
}

static int add_counter(simnet *net, counter *c, const char *name, const char *addr)
{
	esip_addr a;

	memset(c, 0, sizeof *c);
	ck_assert_int_eq(esip_addr_parse(&a, addr), 0);
	return simnet_node_add(net, name, &a, &c_ops, c);
}

START_TEST(loss_rate)
{
	simnet *net = simnet_new(8);
	counter src, dst;
	simnet_link l = link_delay(20);
	simnet_stats st;
	size_t i, lost = 0;
	int s, d;

	l.loss = 0.1;
	s = add_counter(net, &src, "src", "192.0.2.1:5060");
	d = add_counter(net, &dst, "dst", "192.0.2.2:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	bulk(net, s, simnet_node_addr(net, d), ESIP_TP_UDP);
	simnet_get_stats(net, &st);
	ck_assert_uint_eq(st.sent, BULK);
	ck_assert_uint_eq(st.delivered + st.lost, BULK);
	/* expected 10,000; sigma about 95: 1,000 is a safe margin */
	ck_assert_msg(st.lost > 9000 && st.lost < 11000, "lost %llu of %d",
		      (unsigned long long)st.lost, BULK);
	ck_assert_int_eq(dst.n, (long)st.delivered);
	for (i = 0; i < simnet_log_count(net); i++)
		lost += simnet_log_get(net, i)->fate == SIMNET_LOST;
	ck_assert_uint_eq(lost, st.lost);
	ck_assert_uint_eq(simnet_count(net, s, d, NULL), st.delivered);
	ck_assert_uint_eq(st.duplicated + st.reordered, 0);
	simnet_free(net);
}
END_TEST

START_TEST(dup_and_reorder)
{
	simnet *net = simnet_new(9);
	counter src, dst;
	simnet_link l = link_delay(10);
	simnet_stats st;
	size_t i, dups = 0, late = 0, twice = 0;
	int s, d;

	l.dup = 0.05;
	l.reorder = 0.1;
	l.reorder_ms = 30;
	s = add_counter(net, &src, "src", "192.0.2.1:5060");
	d = add_counter(net, &dst, "dst", "192.0.2.2:5060");
	dst.seen = calloc(BULK, 1);
	ck_assert_ptr_nonnull(dst.seen);
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	bulk(net, s, simnet_node_addr(net, d), ESIP_TP_UDP);
	simnet_get_stats(net, &st);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_msg(st.duplicated > 4000 && st.duplicated < 6000, "%llu duplicates",
		      (unsigned long long)st.duplicated);
	/* 10% of the originals and of the copies */
	ck_assert_msg(st.reordered > 9000 && st.reordered < 12000, "%llu reordered",
		      (unsigned long long)st.reordered);
	ck_assert_uint_eq(st.delivered, BULK + st.duplicated);
	ck_assert_int_eq(dst.n, (long)st.delivered);
	for (i = 0; i < BULK; i++) {
		HOT(dst.seen[i] >= 1);
		twice += dst.seen[i] == 2;
	}
	ck_assert_uint_eq(twice, st.duplicated);
	/* held back 1..30 ms while one datagram leaves per ms: overtaken */
	ck_assert_msg(dst.inversions > 5000, "%ld inversions", dst.inversions);
	for (i = 0; i < simnet_log_count(net); i++) {
		const simnet_log_entry *e = simnet_log_get(net, i);
		dups += e->dup;
		late += e->reordered;
		if (e->dup) /* logged right after its original, same send time */
			HOT(e->sent == simnet_log_get(net, i - 1)->sent);
		if (e->reordered)
			HOT(e->delivered - e->sent > 10);
		else
			HOT(e->delivered - e->sent == 10);
	}
	ck_assert_uint_eq(dups, st.duplicated);
	ck_assert_uint_eq(late, st.reordered);
	/* dups are deliveries, not sends */
	ck_assert_uint_eq(simnet_count_sent(net, s, d, NULL), BULK);
	free(dst.seen);
	simnet_free(net);
}
END_TEST

START_TEST(jitter_bounds)
{
	simnet *net = simnet_new(10);
	tnode a, b;
	simnet_link l = link_delay(100);
	int i, seen[11] = {0};

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	l.jitter_ms = 10;
	ck_assert_int_eq(simnet_link_set(net, a.id, b.id, &l), 0);
	for (i = 0; i < 2000; i++)
		HOT(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "J") == 0);
	simnet_run(net, 1000);
	for (i = 0; i < 2000; i++) {
		const simnet_log_entry *e = simnet_log_get(net, (size_t)i);
		HOT(e->delivered >= 100 && e->delivered <= 110);
		seen[e->delivered - 100]++;
	}
	for (i = 0; i <= 10; i++) /* every value of [0, 10] occurs */
		HOT(seen[i] > 100);
	simnet_free(net);
}
END_TEST

START_TEST(links_per_pair)
{
	simnet *net = simnet_new(11);
	tnode a, b, c;
	simnet_link l = link_delay(5), m = link_delay(9), got, bad = SIMNET_LINK_PERFECT;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	node_add(net, &c, "c", "192.0.2.3:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	ck_assert_int_eq(simnet_link_set(net, a.id, SIMNET_ANY, &m), 0);
	got = simnet_link_get(net, a.id, c.id);
	ck_assert_uint_eq(got.delay_ms, 9);
	got = simnet_link_get(net, c.id, a.id); /* one direction only */
	ck_assert_uint_eq(got.delay_ms, 5);
	ck_assert_int_eq(simnet_link_clear(net, a.id, c.id), 0);
	ck_assert_uint_eq(simnet_link_get(net, a.id, c.id).delay_ms, 5);
	ck_assert_uint_eq(simnet_link_get(net, a.id, b.id).delay_ms, 9);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "1"), 0);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &c, 0, "2"), 0);
	simnet_run(net, 100);
	ck_assert_uint_eq(b.rtime[0], 9);
	ck_assert_uint_eq(c.rtime[0], 5);
	/* bad links and ids */
	bad.loss = 1.5;
	ck_assert_int_eq(simnet_link_default(net, &bad), ESIP_EINVAL);
	bad.loss = NAN;
	ck_assert_int_eq(simnet_link_set(net, a.id, b.id, &bad), ESIP_EINVAL);
	bad.loss = 0;
	bad.reorder = 0.5; /* without reorder_ms */
	ck_assert_int_eq(simnet_link_set(net, a.id, b.id, &bad), ESIP_EINVAL);
	ck_assert_int_eq(simnet_link_set(net, 7, b.id, &l), ESIP_EINVAL);
	ck_assert_int_eq(simnet_link_set(net, a.id, -3, &l), ESIP_EINVAL);
	simnet_free(net);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Determinism                                                          */
/* ------------------------------------------------------------------ */

/* A lossy, jittery, duplicating, reordering ping-pong with timers. */
static simnet *scenario(uint64_t seed, tnode *a, tnode *b)
{
	simnet *net = simnet_new(seed);
	simnet_link l = link_delay(20);
	int i;

	l.jitter_ms = 15;
	l.loss = 0.2;
	l.dup = 0.1;
	l.reorder = 0.2;
	l.reorder_ms = 40;
	node_add(net, a, "a", "192.0.2.1:5060");
	node_add(net, b, "b", "192.0.2.2:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	for (i = 0; i < 16; i++)
		a->timers[i] = (uint64_t)i * 37;
	a->ntimers = 16;
	a->tdest = dest_to(ESIP_TP_UDP, &b->addr, 0);
	a->reply = "PING";
	a->replies_left = 200;
	b->reply = "PONG";
	b->replies_left = -1;
	simnet_run(net, 100000);
	return net;
}

static bool same_log(const simnet *x, const simnet *y)
{
	size_t i;

	if (simnet_log_count(x) != simnet_log_count(y))
		return false;
	for (i = 0; i < simnet_log_count(x); i++) {
		const simnet_log_entry *p = simnet_log_get(x, i), *q = simnet_log_get(y, i);
		if (p->sent != q->sent || p->delivered != q->delivered || p->from != q->from ||
		    p->to != q->to || p->fate != q->fate || p->dup != q->dup ||
		    p->reordered != q->reordered || p->len != q->len ||
		    strcmp(p->first_line, q->first_line))
			return false;
	}
	return true;
}

START_TEST(deterministic)
{
	tnode a1, b1, a2, b2, a3, b3;
	simnet *x = scenario(42, &a1, &b1), *y = scenario(42, &a2, &b2), *z = scenario(43, &a3, &b3);
	simnet_stats st;

	simnet_get_stats(x, &st);
	/* the scenario does exercise every impairment */
	ck_assert_uint_gt(st.lost, 0);
	ck_assert_uint_gt(st.duplicated, 0);
	ck_assert_uint_gt(st.reordered, 0);
	ck_assert_uint_gt(simnet_log_count(x), 100);
	ck_assert(same_log(x, y));
	ck_assert_uint_eq(simnet_now(x), simnet_now(y));
	ck_assert(!same_log(x, z));
	ck_assert_uint_eq(simnet_rand(x), simnet_rand(y));
	simnet_free(x);
	simnet_free(y);
	simnet_free(z);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reliable connections                                                 */
/* ------------------------------------------------------------------ */

START_TEST(reliable_in_order)
{
	simnet *net = simnet_new(12);
	counter src, dst;
	simnet_link bad = link_delay(10);
	simnet_stats st;
	esip_dest d;
	uint32_t conn = 0, c2 = 0;
	size_t i;
	int s, t;

	/* a terrible default link: none of it may touch TCP but the delay
	 * and the jitter */
	bad.jitter_ms = 50;
	bad.loss = 0.5;
	bad.dup = 0.5;
	bad.reorder = 0.5;
	bad.reorder_ms = 100;
	s = add_counter(net, &src, "src", "192.0.2.1:5060");
	t = add_counter(net, &dst, "dst", "192.0.2.2:5060");
	dst.seen = calloc(BULK, 1);
	ck_assert_ptr_nonnull(dst.seen);
	ck_assert_int_eq(simnet_link_default(net, &bad), 0);
	d = dest_to(ESIP_TP_TCP, simnet_node_addr(net, t), 0);
	for (i = 0; i < 20000; i++) {
		long seq = (long)i;
		HOT(simnet_send_conn(net, s, &d, &seq, sizeof seq, &c2) == 0);
		if (!conn)
			conn = c2;
		HOT(c2 == conn); /* reused while open */
		if (i % 3 == 0)
			HOT(simnet_run_until(net, simnet_now(net) + 1) == 0);
	}
	ck_assert_uint_ne(conn, 0);
	ck_assert_uint_eq(simnet_conn_find(net, s, t, ESIP_TP_TCP), conn);
	ck_assert_uint_eq(simnet_conn_find(net, t, s, ESIP_TP_TCP), conn);
	ck_assert_uint_eq(simnet_conn_find(net, s, t, ESIP_TP_TLS), 0);
	simnet_run(net, 100000);
	simnet_get_stats(net, &st);
	ck_assert_uint_eq(st.delivered, 20000);
	ck_assert_uint_eq(st.lost + st.duplicated + st.reordered, 0);
	ck_assert_int_eq(dst.inversions, 0);
	ck_assert_uint_eq(st.conns, 1);
	for (i = 0; i < 20000; i++)
		HOT(dst.seen[i] == 1);
	/* the delay still applies, and jitter only ever pushes later */
	for (i = 0; i < simnet_log_count(net); i++) {
		const simnet_log_entry *e = simnet_log_get(net, i);
		HOT(e->delivered >= e->sent + 10);
		HOT(e->conn == conn);
		if (i)
			HOT(e->delivered >= simnet_log_get(net, i - 1)->delivered);
	}
	free(dst.seen);
	simnet_free(net);
}
END_TEST

/* The same id on both ends; a reply on rx->conn uses the connection. */
START_TEST(reliable_both_ends)
{
	simnet *net = simnet_new(13);
	tnode a, b;
	simnet_link l = link_delay(10);
	int opener, acceptor;
	uint32_t tcp;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	b.reply = "200";
	b.replies_left = -1;
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_TCP, &b, 0, "REGISTER 1"), 0);
	simnet_run(net, 1000);
	ck_assert_int_eq(b.rx.tp, ESIP_TP_TCP);
	ck_assert_uint_ne(b.rx.conn, 0);
	ck_assert_uint_eq(a.rx.conn, b.rx.conn);
	ck_assert(esip_addr_eq(&a.rx.peer, &b.addr));
	ck_assert(esip_addr_eq(&b.rx.peer, &a.addr));
	ck_assert_int_eq(simnet_conn_ends(net, a.rx.conn, &opener, &acceptor), 0);
	ck_assert_int_eq(opener, a.id);
	ck_assert_int_eq(acceptor, b.id);
	ck_assert(simnet_conn_open(net, a.rx.conn));
	ck_assert_int_eq(simnet_conn_ends(net, 99, NULL, NULL), ESIP_ENOTFOUND);
	/* b opening towards a reuses the pair's connection */
	ck_assert_int_eq(sendstr(net, &b, ESIP_TP_TCP, &a, 0, "OPTIONS 2"), 0);
	simnet_run(net, 1000);
	ck_assert_uint_eq(a.rx.conn, b.rx.conn);
	tcp = a.rx.conn;
	/* another transport is another connection */
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_TLS, &b, 0, "OPTIONS 3"), 0);
	simnet_run(net, 1000);
	ck_assert_int_eq(b.rx.tp, ESIP_TP_TLS);
	ck_assert_uint_ne(b.rx.conn, tcp);
	ck_assert_uint_eq(simnet_conn_find(net, a.id, b.id, ESIP_TP_TLS), b.rx.conn);
	ck_assert_uint_eq(simnet_conn_find(net, a.id, b.id, ESIP_TP_TCP), tcp);
	/* someone else's connection: a test bug */
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_TCP, &b, 12345, "X"), ESIP_EINVAL);
	simnet_free(net);
}
END_TEST

START_TEST(conn_break)
{
	simnet *net = simnet_new(14);
	tnode a, b;
	simnet_link l = link_delay(100);
	simnet_stats st;
	uint32_t conn, conn2 = 0;
	esip_dest d;
	const simnet_log_entry *e;

	tracing = true;
	trace[0] = 0;
	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_TCP, &b, 0, "M 1"), 0);
	ck_assert_int_eq(simnet_run_until(net, 100), 0);
	ck_assert_int_eq(b.nrecv, 1);
	conn = b.rx.conn;
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_TCP, &b, 0, "M 2"), 0);
	ck_assert_int_eq(simnet_run_until(net, 150), 0);
	/* M 2 is half way: the break drops it */
	ck_assert_int_eq(simnet_conn_break(net, conn), 0);
	ck_assert_str_eq(trace, "100 b<M 1|150 a x1|150 b x1|");
	ck_assert_int_eq(a.nfail, 1);
	ck_assert_int_eq(b.nfail, 1);
	ck_assert_uint_eq(a.fail_conn, conn);
	ck_assert_uint_eq(b.fail_conn, conn);
	ck_assert_uint_eq(a.fail_at, 150);
	ck_assert(!simnet_conn_open(net, conn));
	ck_assert(!simnet_pending(net));
	e = simnet_log_get(net, 1);
	ck_assert_int_eq(e->fate, SIMNET_BROKEN);
	ck_assert_int_eq(simnet_conn_break(net, conn), ESIP_ECLOSED);
	ck_assert_int_eq(simnet_conn_break(net, 77), ESIP_ENOTFOUND);
	/* sending on it fails, from either end, and is logged */
	ck_assert_int_eq(sendstr(net, &b, ESIP_TP_TCP, &a, conn, "SIP/2.0 200 OK"), ESIP_ETRANSPORT);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_TCP, &b, conn, "M 3"), ESIP_ETRANSPORT);
	e = simnet_log_get(net, 2);
	ck_assert_int_eq(e->fate, SIMNET_REFUSED);
	ck_assert_int_eq(e->to, a.id);
	ck_assert_uint_eq(simnet_count_sent(net, b.id, a.id, "SIP/2.0"), 1);
	/* a new send without conn opens a new connection */
	d = dest_to(ESIP_TP_TCP, &b.addr, 0);
	ck_assert_int_eq(simnet_send_conn(net, a.id, &d, "M 4", 3, &conn2), 0);
	ck_assert_uint_ne(conn2, 0);
	ck_assert_uint_ne(conn2, conn);
	simnet_run(net, 1000);
	ck_assert_int_eq(b.nrecv, 2);
	ck_assert_str_eq(b.last, "M 4");
	ck_assert_uint_eq(b.rx.conn, conn2);
	simnet_get_stats(net, &st);
	ck_assert_uint_eq(st.broken, 1);
	ck_assert_uint_eq(st.refused, 2);
	ck_assert_uint_eq(st.conns, 2);
	simnet_free(net);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Unknown addresses                                                    */
/* ------------------------------------------------------------------ */

START_TEST(unknown_address)
{
	simnet *net = simnet_new(15);
	tnode a;
	esip_addr nowhere;
	esip_dest d;
	const simnet_log_entry *e;
	simnet_stats st;
	uint32_t conn = 7;

	node_add(net, &a, "a", "192.0.2.1:5060");
	ck_assert_int_eq(esip_addr_parse(&nowhere, "192.0.2.99:5060"), 0);
	ck_assert_int_eq(simnet_node_find(net, &nowhere), ESIP_ENOTFOUND);
	d = dest_to(ESIP_TP_UDP, &nowhere, 0);
	ck_assert_int_eq(simnet_send(net, a.id, &d, "INVITE sip:x SIP/2.0\r\n", 22), 0);
	ck_assert(!simnet_pending(net));
	e = simnet_log_get(net, 0);
	ck_assert_int_eq(e->fate, SIMNET_UNREACHABLE);
	ck_assert_int_eq(e->to, SIMNET_NOBODY);
	ck_assert(esip_addr_eq(&e->dst, &nowhere));
	ck_assert_uint_eq(simnet_count_sent(net, a.id, SIMNET_NOBODY, "INVITE"), 1);
	ck_assert_uint_eq(simnet_count(net, a.id, SIMNET_ANY, "INVITE"), 0);
	/* a node's address with another port: nobody either */
	d.addr = a.addr;
	esip_addr_set_port(&d.addr, 5062);
	ck_assert_int_eq(simnet_send(net, a.id, &d, "X", 1), 0);
	ck_assert_int_eq(simnet_log_get(net, 1)->fate, SIMNET_UNREACHABLE);
	/* reliable: connection refused, reported by the return value */
	d = dest_to(ESIP_TP_TCP, &nowhere, 0);
	ck_assert_int_eq(simnet_send_conn(net, a.id, &d, "INVITE", 6, &conn), ESIP_ETRANSPORT);
	ck_assert_uint_eq(conn, 0);
	ck_assert_int_eq(simnet_log_get(net, 2)->fate, SIMNET_REFUSED);
	simnet_get_stats(net, &st);
	ck_assert_uint_eq(st.unreachable, 2);
	ck_assert_uint_eq(st.refused, 1);
	ck_assert_uint_eq(st.sent, 2);
	ck_assert_uint_eq(st.conns, 0);
	simnet_free(net);
}
END_TEST

START_TEST(bad_arguments)
{
	simnet *net = simnet_new(16);
	tnode a;
	esip_addr x, unset;
	esip_dest d;
	simnet_node_ops no_recv = {NULL, NULL, NULL, NULL};
	simnet_node_ops half = t_ops;

	node_add(net, &a, "a", "192.0.2.1:5060");
	memset(&unset, 0, sizeof unset);
	ck_assert_int_eq(esip_addr_parse(&x, "192.0.2.1:5060"), 0);
	ck_assert_int_eq(simnet_node_add(net, "dup", &x, &t_ops, NULL), ESIP_EEXIST);
	ck_assert_int_eq(esip_addr_parse(&x, "[2001:db8::1]:5060"), 0);
	ck_assert_int_eq(simnet_node_add(net, NULL, &x, &t_ops, NULL), ESIP_EINVAL);
	ck_assert_int_eq(simnet_node_add(net, "u", &unset, &t_ops, NULL), ESIP_EINVAL);
	ck_assert_int_eq(simnet_node_add(net, "r", &x, &no_recv, NULL), ESIP_EINVAL);
	half.run_timers = NULL;
	ck_assert_int_eq(simnet_node_add(net, "h", &x, &half, NULL), ESIP_EINVAL);
	ck_assert_int_eq(simnet_node_add(net, "v6", &x, &t_ops, NULL), 1);
	ck_assert_int_eq(simnet_node_find(net, &x), 1);
	ck_assert_int_eq(simnet_node_count(net), 2);
	ck_assert_str_eq(simnet_node_name(net, 1), "v6");
	ck_assert_ptr_null(simnet_node_name(net, 2));
	ck_assert_ptr_null(simnet_node_addr(net, -1));
	d = dest_to(ESIP_TP_NONE, &x, 0);
	ck_assert_int_eq(simnet_send(net, a.id, &d, "X", 1), ESIP_EINVAL);
	d = dest_to(ESIP_TP_UDP, &unset, 0);
	ck_assert_int_eq(simnet_send(net, a.id, &d, "X", 1), ESIP_EINVAL);
	d = dest_to(ESIP_TP_UDP, &x, 0);
	ck_assert_int_eq(simnet_send(net, 5, &d, "X", 1), ESIP_EINVAL);
	ck_assert_int_eq(simnet_send(net, a.id, &d, NULL, 1), ESIP_EINVAL);
	ck_assert_int_eq(simnet_send(net, a.id, &d, NULL, 0), 0); /* empty is fine */
	ck_assert_uint_eq(simnet_log_count(net), 1);
	simnet_free(net);
	simnet_free(NULL);
}
END_TEST

/* Sends what it got back to its source while *budget lasts, from
 * inside recv: simnet's own cost per datagram, nothing else. */
typedef struct echo {
	simnet *net;
	int id;
	long *budget;
} echo;

static void echo_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		      uint64_t now)
{
	echo *e = ud;
	esip_dest d;

	if (*e->budget <= 0)
		return;
	--*e->budget;
	memset(&d, 0, sizeof d);
	d.tp = rx->tp;
	d.addr = rx->peer;
	d.conn = rx->conn;
	HOT(simnet_send(e->net, e->id, &d, bytes, len) == 0);
}

static const simnet_node_ops echo_ops = {echo_recv, NULL, NULL, NULL};

/* ------------------------------------------------------------------ */
/* The event bound                                                      */
/* ------------------------------------------------------------------ */

static char fail_msg[256];
static int fail_calls;

static void record_fail(void *ud, const char *msg)
{
	(void)ud;
	fail_calls++;
	snprintf(fail_msg, sizeof fail_msg, "%s", msg);
}

START_TEST(livelock_same_instant)
{
	simnet *net = simnet_new(17);
	tnode a, b;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	a.reply = b.reply = "ECHO";
	a.replies_left = b.replies_left = -1;
	simnet_set_event_limit(net, 1000);
	fail_calls = 0; /* CK_FORK=no runs the tests in one process */
	simnet_set_fail_hook(net, record_fail, NULL);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "ECHO start"), 0);
	/* delay 0: the clock never moves; only the bound ends this */
	ck_assert_int_eq(simnet_run_until(net, 10), ESIP_ELIMIT);
	ck_assert_int_eq(fail_calls, 1);
	ck_assert_int_eq(simnet_error(net), ESIP_ELIMIT);
	ck_assert_ptr_nonnull(strstr(fail_msg, "event limit reached: 1000 events"));
	ck_assert_ptr_nonnull(strstr(fail_msg, "t=0 ms"));
	ck_assert_ptr_nonnull(strstr(fail_msg, "ECHO"));
	ck_assert_str_eq(simnet_error_msg(net), fail_msg);
	ck_assert_uint_eq(simnet_now(net), 0); /* not moved to 10 */
	ck_assert_int_eq(a.nrecv + b.nrecv, 1000);
	simnet_free(net);
}
END_TEST

START_TEST(livelock_moving_clock)
{
	simnet *net = simnet_new(18);
	simnet_link l = link_delay(1);
	long forever = LONG_MAX;
	echo a = {net, 0, &forever}, b = {net, 0, &forever};
	esip_addr aa, ba;
	esip_dest d;

	ck_assert_int_eq(esip_addr_parse(&aa, "192.0.2.1:5060"), 0);
	ck_assert_int_eq(esip_addr_parse(&ba, "192.0.2.2:5060"), 0);
	a.id = simnet_node_add(net, "a", &aa, &echo_ops, &a);
	b.id = simnet_node_add(net, "b", &ba, &echo_ops, &b);
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	fail_calls = 0; /* CK_FORK=no runs the tests in one process */
	simnet_set_fail_hook(net, record_fail, NULL);
	d = dest_to(ESIP_TP_UDP, &ba, 0);
	ck_assert_int_eq(simnet_send(net, a.id, &d, "ECHO", 4), 0);
	/* a bounded run just stops at its deadline... */
	ck_assert_uint_eq(simnet_run(net, 5000), 5000);
	ck_assert_int_eq(fail_calls, 0);
	ck_assert_int_eq(simnet_error(net), 0);
	ck_assert_str_eq(simnet_error_msg(net), "");
	/* ...an unbounded one only ends at the bound (lowered from the
	 * default ten million to keep the test fast) */
	simnet_set_event_limit(net, 200000);
	simnet_set_log_cap(net, 0);
	simnet_run(net, UINT64_MAX);
	ck_assert_int_eq(fail_calls, 1);
	ck_assert_int_eq(simnet_error(net), ESIP_ELIMIT);
	ck_assert_uint_eq(simnet_now(net), 5000 + 200000);
	ck_assert_ptr_nonnull(strstr(fail_msg, "(not logged)"));
	simnet_free(net);
}
END_TEST

/* A timer that never advances is a livelock too. */
static uint64_t stuck_next(void *ud) { return 30; }
static void stuck_run(void *ud, uint64_t now) { (*(int *)ud)++; }

START_TEST(livelock_stuck_timer)
{
	simnet *net = simnet_new(19);
	simnet_node_ops ops = {c_recv, stuck_next, stuck_run, NULL};
	esip_addr x;
	int runs = 0;

	ck_assert_int_eq(esip_addr_parse(&x, "192.0.2.1:5060"), 0);
	ck_assert_int_eq(simnet_node_add(net, "stuck", &x, &ops, &runs), 0);
	simnet_set_event_limit(net, 50);
	fail_calls = 0; /* CK_FORK=no runs the tests in one process */
	simnet_set_fail_hook(net, record_fail, NULL);
	ck_assert_int_eq(simnet_run_until(net, 1000), ESIP_ELIMIT);
	ck_assert_int_eq(runs, 50);
	ck_assert_uint_eq(simnet_now(net), 30);
	ck_assert_ptr_nonnull(strstr(fail_msg, "timers of node 'stuck'"));
	simnet_free(net);
}
END_TEST

START_TEST(nested_run_refused)
{
	simnet *net = simnet_new(20);
	tnode a, b;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	b.nest = true;
	fail_calls = 0; /* CK_FORK=no runs the tests in one process */
	simnet_set_fail_hook(net, record_fail, NULL);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "X"), 0);
	ck_assert_int_eq(simnet_run_until(net, 5), 0);
	ck_assert_int_eq(b.nest_rc, ESIP_ESTATE);
	ck_assert_int_eq(fail_calls, 1);
	ck_assert_ptr_nonnull(strstr(fail_msg, "from inside a simnet callback"));
	ck_assert_uint_eq(simnet_now(net), 5);
	simnet_free(net);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The log                                                              */
/* ------------------------------------------------------------------ */

START_TEST(log_cap)
{
	simnet *net = simnet_new(21);
	tnode a, b;
	simnet_stats st;
	int i;

	node_add(net, &a, "a", "192.0.2.1:5060");
	node_add(net, &b, "b", "192.0.2.2:5060");
	simnet_set_log_cap(net, 10);
	for (i = 0; i < 25; i++)
		ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "MSG"), 0);
	simnet_run(net, 10);
	ck_assert_uint_eq(simnet_log_count(net), 10);
	ck_assert_int_eq(b.nrecv, 25); /* still carried */
	simnet_get_stats(net, &st);
	ck_assert_uint_eq(st.log_dropped, 15);
	ck_assert_uint_eq(st.delivered, 25);
	ck_assert_uint_eq(simnet_count(net, a.id, b.id, "MSG"), 10);
	simnet_free(net);
}
END_TEST

START_TEST(log_first_line_and_dump)
{
	simnet *net = simnet_new(22);
	tnode a, b;
	char big[200], *out = NULL;
	size_t outlen = 0;
	FILE *f;
	esip_addr nowhere;
	esip_dest d;

	node_add(net, &a, "uac", "192.0.2.1:5060");
	node_add(net, &b, "uas", "192.0.2.2:5060");
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "SIP/2.0 180 Ringing\r\nVia: x\r\n"), 0);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "no line end"), 0);
	ck_assert_int_eq(sendstr(net, &a, ESIP_TP_UDP, &b, 0, "\r\n\r\n"), 0); /* keepalive */
	memset(big, 'A', sizeof big);
	d = dest_to(ESIP_TP_UDP, &b.addr, 0);
	ck_assert_int_eq(simnet_send(net, a.id, &d, big, sizeof big), 0);
	ck_assert_int_eq(esip_addr_parse(&nowhere, "[2001:db8::9]:5070"), 0);
	d = dest_to(ESIP_TP_UDP, &nowhere, 0);
	ck_assert_int_eq(simnet_send(net, a.id, &d, "BYE\x01 x", 6), 0);
	simnet_run(net, 10);
	ck_assert_str_eq(simnet_log_get(net, 0)->first_line, "SIP/2.0 180 Ringing");
	ck_assert_str_eq(simnet_log_get(net, 1)->first_line, "no line end");
	ck_assert_uint_eq(simnet_log_get(net, 2)->first_len, 0);
	ck_assert_uint_eq(simnet_log_get(net, 3)->first_len, SIMNET_FIRST_LINE - 1);
	ck_assert_uint_eq(simnet_log_get(net, 3)->len, sizeof big);
	ck_assert_uint_eq(simnet_count(net, SIMNET_ANY, SIMNET_ANY, "SIP/2.0 1"), 1);
	ck_assert_uint_eq(simnet_count(net, SIMNET_ANY, SIMNET_ANY, ""), 4);
	/* longer than what is kept: no match */
	memset(big, 'A', sizeof big);
	big[SIMNET_FIRST_LINE] = 0;
	ck_assert_uint_eq(simnet_count(net, SIMNET_ANY, SIMNET_ANY, big), 0);
	big[SIMNET_FIRST_LINE - 1] = 0;
	ck_assert_uint_eq(simnet_count(net, SIMNET_ANY, SIMNET_ANY, big), 1);

	f = open_memstream(&out, &outlen);
	ck_assert_ptr_nonnull(f);
	simnet_log_dump(net, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "first line"));
	ck_assert_ptr_nonnull(strstr(out, "uac        -> uas        UDP"));
	ck_assert_ptr_nonnull(strstr(out, "SIP/2.0 180 Ringing\n"));
	ck_assert_ptr_nonnull(strstr(out, "[2001:db8::9]:5070"));
	ck_assert_ptr_nonnull(strstr(out, "unreachable"));
	ck_assert_ptr_nonnull(strstr(out, "BYE. x")); /* control bytes masked */
	free(out);
	ck_assert_str_eq(simnet_fate_name(SIMNET_LOST), "lost");
	ck_assert_str_eq(simnet_fate_name((simnet_fate)42), "?");
	simnet_free(net);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Throughput                                                           */
/* ------------------------------------------------------------------ */

/* A million SIP-sized datagrams between two echoing nodes, 1 ms apart,
 * logged.  Not timed as a pass/fail criterion (benchmarks never fail on
 * time); SIMNET_BENCH=1 prints the rate in CPU time (the figure does not
 * depend on the load of a shared machine). */
START_TEST(million)
{
	static const char invite[] =
		"INVITE sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
		"Max-Forwards: 70\r\nTo: Bob <sip:bob@example.com>\r\n"
		"From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
		"CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n";
	simnet *net = simnet_new(23);
	simnet_link l = link_delay(1);
	simnet_stats st;
	struct timespec t0, t1;
	double secs;
	long budget = 1000000 - 1;
	echo a = {net, 0, &budget}, b = {net, 0, &budget};
	esip_addr aa, ba;
	esip_dest d;

	ck_assert_int_eq(esip_addr_parse(&aa, "192.0.2.1:5060"), 0);
	ck_assert_int_eq(esip_addr_parse(&ba, "192.0.2.2:5060"), 0);
	a.id = simnet_node_add(net, "a", &aa, &echo_ops, &a);
	b.id = simnet_node_add(net, "b", &ba, &echo_ops, &b);
	ck_assert_int_eq(simnet_link_default(net, &l), 0);
	simnet_set_log_cap(net, 1u << 20);
	d = dest_to(ESIP_TP_UDP, &ba, 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	ck_assert_int_eq(simnet_send(net, a.id, &d, invite, sizeof invite - 1), 0);
	ck_assert_uint_eq(simnet_run(net, UINT64_MAX), 1000000);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	simnet_get_stats(net, &st);
	ck_assert_uint_eq(st.delivered, 1000000);
	ck_assert_uint_eq(simnet_log_count(net), 1000000);
	ck_assert_uint_eq(simnet_count(net, b.id, a.id, "INVITE "), 500000);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (getenv("SIMNET_BENCH"))
		printf("simnet: 1000000 datagrams, logged, in %.3f s of CPU (%.0f/s)\n", secs,
		       1e6 / secs);
	simnet_free(net);
}
END_TEST

static Suite *suite_simnet(void)
{
	Suite *s = suite_create("simnet");
	TCase *tc = tcase_create("delivery");

	tcase_add_test(tc, fixed_delay);
	tcase_add_test(tc, ping_pong);
	tcase_add_test(tc, timers_interleaved);
	tcase_add_test(tc, retransmit_schedule);
	tcase_add_test(tc, run_until_exact);
	tcase_add_test(tc, step_by_step);
	tcase_add_test(tc, same_time_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("links");
	tcase_add_test(tc, loss_rate);
	tcase_add_test(tc, dup_and_reorder);
	tcase_add_test(tc, jitter_bounds);
	tcase_add_test(tc, links_per_pair);
	tcase_add_test(tc, deterministic);
	suite_add_tcase(s, tc);

	tc = tcase_create("reliable");
	tcase_add_test(tc, reliable_in_order);
	tcase_add_test(tc, reliable_both_ends);
	tcase_add_test(tc, conn_break);
	tcase_add_test(tc, unknown_address);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	/* a million datagrams: well under a second, but sanitizers */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, livelock_same_instant);
	tcase_add_test(tc, livelock_moving_clock);
	tcase_add_test(tc, livelock_stuck_timer);
	tcase_add_test(tc, nested_run_refused);
	tcase_add_test(tc, log_cap);
	tcase_add_test(tc, log_first_line_and_dump);
	tcase_add_test(tc, million);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_simnet()};

	return test_run(s, 1);
}
