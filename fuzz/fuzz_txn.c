/*
 * fuzz_txn.c - one transaction layer driven by a program decoded from the
 * input: requests and responses built from fragments (methods, branches
 * with and without the magic cookie, tags, CSeq numbers, statuses, UDP or
 * TCP, our sent-by or another), raw messages, clock advances, connection
 * failures and ICMP reports (the owner answering from inside them), the
 * owner's responses (inside the request's event and later), client
 * transactions and CANCELs, a byte limit now and then.  After every step the layer's invariants are checked
 * (esip__txl_check: every live transaction in the table, none in a final
 * state, timers consistent, counts and bytes as the statistics say); at
 * the end the layer is freed and LeakSanitizer sees what was left.
 */
#include "txn_int.h"

#include <esip/transaction.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct in {
	const uint8_t *p;
	size_t n;
} in;

static unsigned take(in *s, unsigned mod)
{
	unsigned v;

	if (!s->n)
		return 0;
	v = *s->p++;
	s->n--;
	return mod ? v % mod : v;
}

#define MAX_TRACK 64

typedef struct world {
	esip_timerwheel wheel;
	esip_rand rnd;
	esip_txl *txl;
	uint64_t now;
	esip_txn *server[MAX_TRACK]; /* live server transactions (owner's view) */
	esip_txn *client[MAX_TRACK];
	unsigned respond_in_event;    /* status to answer with inside REQUEST, 0 = none */
	unsigned sends;
} world;

static void forget(esip_txn **arr, esip_txn *t)
{
	int i;

	for (i = 0; i < MAX_TRACK; i++)
		if (arr[i] == t)
			arr[i] = NULL;
}

static void track(esip_txn **arr, esip_txn *t)
{
	int i;

	for (i = 0; i < MAX_TRACK; i++)
		if (!arr[i]) {
			arr[i] = t;
			return;
		}
}

static esip_txn *pick(esip_txn **arr, unsigned k)
{
	int i;

	for (i = 0; i < MAX_TRACK; i++) {
		esip_txn *t = arr[(k + (unsigned)i) % MAX_TRACK];
		if (t)
			return t;
	}
	return NULL;
}

static int fz_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	world *w = ud;
	esip_hdr h[64];
	esip_msg m;

	/* whatever the layer sends must itself parse */
	esip_msg_init(&m, h, 64);
	assert(esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) > 0);
	w->sends++;
	if (esip_tp_reliable(dest->tp) && !dest->conn)
		dest->conn = 1 + (w->sends % 3);
	/* every 17th send fails: transport errors */
	return w->sends % 17 == 0 ? ESIP_ETRANSPORT : 0;
}

static void fz_event(void *ud, esip_txn *t, esip_txn_event ev, const esip_msg *m,
		     const esip_rx_info *rx, uint64_t now)
{
	world *w = ud;
	esip_response_spec spec;

	switch (ev) {
	case ESIP_TXE_REQUEST:
		track(w->server, t);
		if (w->respond_in_event) {
			memset(&spec, 0, sizeof spec);
			spec.status = (uint16_t)w->respond_in_event;
			(void)esip_txn_respond(t, &spec, now);
		}
		break;
	case ESIP_TXE_CANCEL:
		memset(&spec, 0, sizeof spec);
		spec.status = 487;
		(void)esip_txn_respond(t, &spec, now);
		break;
	case ESIP_TXE_TRANSPORT_ERROR:
		/* the owner answers a server transaction from inside a
		 * connection's or a destination's walk (conns.c) */
		if (w->respond_in_event && (t = pick(w->server, w->sends))) {
			memset(&spec, 0, sizeof spec);
			spec.status = (uint16_t)w->respond_in_event;
			(void)esip_txn_respond(t, &spec, now);
		}
		break;
	case ESIP_TXE_TERMINATED:
		forget(w->server, t);
		forget(w->client, t);
		break;
	default:
		break;
	}
}

static const char *const methods[] = {"INVITE", "ACK", "OPTIONS", "CANCEL", "BYE", "FOO"};
static const unsigned statuses[] = {100, 180, 183, 200, 202, 302, 404, 486, 487, 500, 603};

static void build_msg(in *s, char *out, size_t cap, size_t *len)
{
	unsigned kind = take(s, 2), meth = take(s, 6), br = take(s, 4), cookie = take(s, 2);
	unsigned totag = take(s, 3), cseq = take(s, 3), host = take(s, 2);
	unsigned st = statuses[take(s, sizeof statuses / sizeof statuses[0])];
	const char *m = methods[meth];
	const char *cm = kind ? methods[take(s, 6)] : m;
	int n;

	if (kind == 0)
		n = snprintf(out, cap,
			     "%s sip:u@127.0.0.1 SIP/2.0\r\n"
			     "Via: SIP/2.0/%s %s:5060;branch=%s%u%s\r\n"
			     "From: <sip:a@x>;tag=f1\r\nTo: <sip:u@y>%s%s\r\n"
			     "Call-ID: c%u\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n",
			     m, take(s, 2) ? "TCP" : "UDP", host ? "10.0.0.1" : "h.example",
			     cookie ? "z9hG4bK" : "x", br, take(s, 2) ? ";rport" : "",
			     totag ? ";tag=t" : "", totag == 2 ? "2" : "", br, cseq + 1, m);
	else
		/* mostly the sent-by of our client requests (18.1.2) */
		n = snprintf(out, cap,
			     "SIP/2.0 %u R\r\n"
			     "Via: SIP/2.0/UDP 127.0.0.1:%s;branch=z9hG4bK%u\r\n"
			     "From: <sip:a@x>;tag=f1\r\nTo: <sip:u@y>;tag=r\r\n"
			     "Call-ID: c%u\r\nCSeq: %u %s\r\nContent-Length: 0\r\n\r\n",
			     st, take(s, 8) ? "5070" : "5060", br, br, cseq + 1, cm);
	*len = n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void deliver(world *w, const char *bytes, size_t len, esip_tp tp)
{
	esip_hdr h[64];
	esip_msg m;
	esip_rx_info rx;

	esip_msg_init(&m, h, 64);
	if (esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) < 0)
		return;
	memset(&rx, 0, sizeof rx);
	rx.tp = tp;
	esip_addr_from_ip(&rx.peer, ESIP_STR("127.0.0.1"), 5060);
	esip_addr_from_ip(&rx.local, ESIP_STR("127.0.0.1"), 5070);
	rx.conn = esip_tp_reliable(tp) ? 1 : 0;
	rx.listener = 1;
	(void)esip_txl_recv(w->txl, &m, &rx, w->now);
}

/* esip_txl_conn_in_use against a scan of the live transactions (exact
 * while every transaction is listed). */
typedef struct conn_scan {
	uint32_t conn;
	unsigned n;
} conn_scan;

static void count_on_conn(esip_hnode *n, void *ud)
{
	conn_scan *cs = ud;
	esip_txn *t = ESIP_CONTAINER_OF(n, esip_txn, node);

	cs->n += t->dest.conn == cs->conn;
}

static void check_conn_in_use(world *w, uint32_t conn)
{
	conn_scan cs = {conn, 0};

	esip_htab_foreach(&w->txl->table, count_on_conn, &cs);
	if (!w->txl->unlisted)
		assert(esip_txl_conn_in_use(w->txl, conn) == (cs.n > 0));
	else
		assert(esip_txl_conn_in_use(w->txl, conn));
}

static void step(world *w, in *s)
{
	char buf[1024];
	size_t len;
	esip_response_spec spec;
	esip_txn *t;

	switch (take(s, 8)) {
	case 0: /* a message from the network */
	case 1:
		build_msg(s, buf, sizeof buf, &len);
		deliver(w, buf, len, take(s, 4) ? ESIP_TP_UDP : ESIP_TP_TCP);
		break;
	case 2: { /* raw bytes as a message */
		size_t k = take(s, 0);
		if (k > s->n)
			k = s->n;
		deliver(w, (const char *)s->p, k, ESIP_TP_UDP);
		s->p += k;
		s->n -= k;
		break;
	}
	case 3: /* time passes: from 1 ms to about an hour, in steps */
		w->now += (uint64_t)take(s, 0) * (take(s, 2) ? 1 : 997) + 1;
		esip_timerwheel_run(&w->wheel, w->now);
		break;
	case 4: { /* the transport reports a failure */
		unsigned c = 1 + take(s, 3);
		esip_addr a;
		if (take(s, 2)) {
			esip_txl_conn_failed(w->txl, c, w->now);
		} else {
			/* an ICMP error for the clients' destination (18.4) */
			esip_addr_from_ip(&a, ESIP_STR("127.0.0.1"), take(s, 2) ? 5060 : 5061);
			esip_txl_dest_unreachable(w->txl, take(s, 4) ? ESIP_TP_UDP : ESIP_TP_TCP, &a,
						  w->now);
		}
		check_conn_in_use(w, c);
		break;
	}
	case 5: /* the owner answers a server transaction */
		t = pick(w->server, take(s, 0));
		if (t) {
			memset(&spec, 0, sizeof spec);
			spec.status = (uint16_t)statuses[take(s, sizeof statuses / sizeof statuses[0])];
			(void)esip_txn_respond(t, &spec, w->now);
		}
		break;
	case 6: { /* a client transaction */
		esip_dest d;
		esip_txn *out = NULL;
		unsigned meth = take(s, 6);
		int n = snprintf(buf, sizeof buf,
				 "%s sip:peer@127.0.0.1 SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK%u\r\n"
				 "Route: <sip:p@x;lr>\r\n"
				 "From: <sip:me@x>;tag=m\r\nTo: <sip:peer@y>\r\n"
				 "Call-ID: k%u\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
				 methods[meth], take(s, 4), take(s, 4), methods[meth]);
		memset(&d, 0, sizeof d);
		d.tp = take(s, 2) ? ESIP_TP_UDP : ESIP_TP_TCP;
		esip_addr_from_ip(&d.addr, ESIP_STR("127.0.0.1"), 5060);
		if (esip_txl_request(w->txl, buf, (size_t)n, &d, w, w->now, &out) == 0 && out)
			track(w->client, out);
		break;
	}
	case 7: { /* CANCEL a client INVITE */
		char mem[2048];
		esip_buf b;
		t = pick(w->client, take(s, 0));
		esip_buf_init_fixed(&b, mem, sizeof mem);
		if (t && esip_txn_build_cancel(t, &b) == 0)
			(void)esip_txl_request(w->txl, b.p, b.len, esip_txn_dest(t), w, w->now, NULL);
		w->respond_in_event = statuses[take(s, sizeof statuses / sizeof statuses[0])];
		if (take(s, 3) == 0)
			w->respond_in_event = 0;
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const esip_txl_callbacks cb = {fz_send, fz_event, NULL};
	esip_txl_config c;
	world w;
	in s = {data, size};
	int steps = 0;

	memset(&w, 0, sizeof w);
	esip_timerwheel_init(&w.wheel, 0);
	esip_rand_init(&w.rnd);
	esip_txl_config_init(&c);
	c.max_transactions = 1 + take(&s, 40);
	/* now and then a byte limit that bites */
	if (take(&s, 4) == 0)
		c.max_bytes = 2000 + 500u * take(&s, 0);
	if (esip_txl_new(&c, &cb, &w, &w.wheel, &w.rnd, &w.txl) < 0)
		return 0;
	while (s.n && steps++ < 400) {
		step(&w, &s);
		assert(esip__txl_check(w.txl) == 0);
		/* a timer armed in the wheel belongs to a live transaction */
		assert(esip_timerwheel_count(&w.wheel) <= 2u * w.txl->live_total);
	}
	/* run out every timer: everything must end by itself */
	w.now += 48ull * 3600 * 1000;
	esip_timerwheel_run(&w.wheel, w.now);
	assert(esip__txl_check(w.txl) == 0);
	esip_txl_free(w.txl);
	return 0;
}
