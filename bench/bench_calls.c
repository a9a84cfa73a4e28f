/*
 * bench_calls.c - full calls through the UA core (esip/dialog.h) with no
 * socket: calls per second, and heap bytes per established dialog (a
 * benchmark, never a test; issue 8).
 *
 *   bench-calls [-n CALLS] [-r ROUNDS] [-c CASE] [-p PER_MS] [-m HELD]
 *
 * Every call is the whole life of a dialog, bytes in and bytes out, on
 * one core and a virtual clock (1 ms every PER_MS calls, default 2):
 *
 *   0 uas/UDP  a scripted caller sends what SIPp's built-in uac scenario
 *              sends (INVITE with SDP, ACK with the callee's tag, BYE; a
 *              fresh Call-ID, tag and branches per call) to one UA core,
 *              which rings (180) and accepts (200 with an SDP answer) from
 *              its application event, and answers the BYE.  Its INVITE
 *              server transaction stays in Accepted for Timer L and its
 *              BYE's for Timer J, both 64*T1, fired in the steady state
 *              (about PER_MS * 32,000 of each alive);
 *   1 uas/TCP  the same over a connection (Timer J = 0; Timer L stays);
 *   2 uac+uas/UDP  two UA cores: A places the call (esip_ua_call_make
 *              with an SDP offer), B rings and accepts, A sends the ACK
 *              and hangs up at once, B answers the BYE; both sides' cost;
 *   3 uac+uas/TCP  the same over a connection.
 *
 * Each message the cores send is parsed by its receiver (esip_msg_parse)
 * as a transport would, so a figure is the whole UA side of a call: parse,
 * transaction matching and machines, the dialog machine, building every
 * response and request, timers, frees.  The scripted caller's own work is
 * a template patched in place and a scan for the To tag.
 *
 * Memory (-m HELD, default 100,000): HELD calls of case 0 established
 * (INVITE, 180, 200, ACK) and held, with a counting allocator under the
 * UA core: heap bytes per established dialog while the INVITE server
 * transactions are in Accepted (until Timer L), and once they are gone
 * (only the dialogs); requested bytes and with malloc's chunk overhead
 * (malloc_usable_size + 8), and the core's own counts (call_bytes,
 * bytes_live).
 *
 * Deterministic figure: instructions per call with callgrind, e.g.
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
 *       build/bench/bench-calls -c 0 -n 20000 -r 1
 * and divide the total by 20,000 (setup is a few hundred thousand).
 */
#include "bench_util.h"

#include <esip/dialog.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a counting allocator ------------------------------------------------------- */

typedef struct counter {
	size_t bytes;       /* requested, in use */
	size_t chunk;       /* malloc_usable_size + 8 (glibc's chunk header), in use */
	uint64_t allocs;    /* calls to alloc and realloc */
} counter;

static void *c_alloc(size_t size, void *ud)
{
	counter *c = ud;
	size_t *p = malloc(size + 16);

	if (!p)
		return NULL;
	p[0] = size;
	c->bytes += size;
	c->chunk += malloc_usable_size(p) + 8;
	c->allocs++;
	return p + 2;
}

static void c_free(void *ptr, void *ud)
{
	counter *c = ud;
	size_t *p;

	if (!ptr)
		return;
	p = (size_t *)ptr - 2;
	c->bytes -= p[0];
	c->chunk -= malloc_usable_size(p) + 8;
	free(p);
}

static void *c_realloc(void *ptr, size_t size, void *ud)
{
	counter *c = ud;
	size_t *p, *q, old;

	if (!ptr)
		return c_alloc(size, ud);
	p = (size_t *)ptr - 2;
	old = p[0];
	c->chunk -= malloc_usable_size(p) + 8;
	q = realloc(p, size + 16);
	if (!q) {
		c->chunk += malloc_usable_size(p) + 8;
		return NULL;
	}
	q[0] = size;
	c->bytes = c->bytes - old + size;
	c->chunk += malloc_usable_size(q) + 8;
	c->allocs++;
	return q + 2;
}

/* ---- the scripted caller's messages (SIPp 3.6's built-in uac) --------------- */

/* NNNNNNNNNN: the call number (Call-ID, From tag, branch), patched in place;
 * TTTT...: the callee's To tag (ACK, BYE), patched from its 200. */
static const char invite_tpl[] =
	"INVITE sip:service@192.0.2.10:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/$TP 192.0.2.20:5060;branch=z9hG4bK-1-NNNNNNNNNN\r\n"
	"From: sipp <sip:sipp@192.0.2.20:5060>;tag=4242SIPpTag00NNNNNNNNNN\r\n"
	"To: service <sip:service@192.0.2.10:5060>\r\n"
	"Call-ID: NNNNNNNNNN-4242@192.0.2.20\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: sip:sipp@192.0.2.20:5060\r\n"
	"Max-Forwards: 70\r\n"
	"Subject: Performance Test\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: $LEN\r\n"
	"\r\n"
	"$BODY";

static const char sipp_sdp[] =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 192.0.2.20\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.20\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

#define TAGW 32 /* room for the callee's tag: padded with a parameter */

static const char ack_tpl[] =
	"ACK sip:service@192.0.2.10:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/$TP 192.0.2.20:5060;branch=z9hG4bK-2-NNNNNNNNNN\r\n"
	"From: sipp <sip:sipp@192.0.2.20:5060>;tag=4242SIPpTag00NNNNNNNNNN\r\n"
	"To: service <sip:service@192.0.2.10:5060>;tag=TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT\r\n"
	"Call-ID: NNNNNNNNNN-4242@192.0.2.20\r\n"
	"CSeq: 1 ACK\r\n"
	"Contact: sip:sipp@192.0.2.20:5060\r\n"
	"Max-Forwards: 70\r\n"
	"Subject: Performance Test\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char bye_tpl[] =
	"BYE sip:service@192.0.2.10:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/$TP 192.0.2.20:5060;branch=z9hG4bK-3-NNNNNNNNNN\r\n"
	"From: sipp <sip:sipp@192.0.2.20:5060>;tag=4242SIPpTag00NNNNNNNNNN\r\n"
	"To: service <sip:service@192.0.2.10:5060>;tag=TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT\r\n"
	"Call-ID: NNNNNNNNNN-4242@192.0.2.20\r\n"
	"CSeq: 2 BYE\r\n"
	"Contact: sip:sipp@192.0.2.20:5060\r\n"
	"Max-Forwards: 70\r\n"
	"Subject: Performance Test\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char sdp_offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.20\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.20\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=sendrecv\r\n";

/* what esip-ua answers to SIPp's offer (PCMU) */
static const char sdp_answer[] =
	"v=0\r\n"
	"o=esip 1733300000 1733300000 IN IP4 192.0.2.10\r\n"
	"s=esip-ua\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=sendrecv\r\n";

typedef struct msgtpl {
	char text[1024];
	size_t len;
	size_t num[4];  /* offsets of the NNNNNNNNNN fields */
	size_t n_num;
	size_t tag;     /* offset of the TTTT field, 0 if none */
} msgtpl;

/* Writes s into t at *n (bounded). */
static void put(msgtpl *t, size_t *n, const char *s, size_t len)
{
	if (*n + len >= sizeof t->text)
		len = sizeof t->text - 1 - *n;
	memcpy(t->text + *n, s, len);
	*n += len;
}

/* The template with $TP (the transport's name), $LEN (the body's length)
 * and $BODY replaced. */
static void tpl_init(msgtpl *t, const char *tpl, const char *tp, const char *body)
{
	char len[24];
	const char *p, *q;
	size_t n = 0;

	memset(t, 0, sizeof *t);
	snprintf(len, sizeof len, "%zu", strlen(body));
	for (p = tpl; (q = strchr(p, '$')); ) {
		put(t, &n, p, (size_t)(q - p));
		if (!strncmp(q, "$TP", 3)) {
			put(t, &n, tp, strlen(tp));
			p = q + 3;
		} else if (!strncmp(q, "$LEN", 4)) {
			put(t, &n, len, strlen(len));
			p = q + 4;
		} else if (!strncmp(q, "$BODY", 5)) {
			put(t, &n, body, strlen(body));
			p = q + 5;
		} else {
			put(t, &n, q, 1);
			p = q + 1;
		}
	}
	put(t, &n, p, strlen(p));
	t->text[n] = 0;
	t->len = n;
	for (p = t->text; (p = strstr(p, "NNNNNNNNNN")) && t->n_num < 4; p += 10)
		t->num[t->n_num++] = (size_t)(p - t->text);
	p = strstr(t->text, "TTTT");
	t->tag = p ? (size_t)(p - t->text) : 0;
}

static void tpl_number(msgtpl *t, uint64_t n)
{
	size_t k;
	int d;

	for (k = 0; k < t->n_num; k++) {
		char *q = t->text + t->num[k] + 10;
		uint64_t v = n;
		for (d = 0; d < 10; d++) {
			*--q = (char)('0' + v % 10);
			v /= 10;
		}
	}
}

/* The callee's tag, padded to TAGW with a parameter (";x=yyy") so that
 * the template keeps its length. */
static void tpl_tag(msgtpl *t, const char *tag, size_t len)
{
	char *q = t->text + t->tag;

	if (len + 3 > TAGW)
		len = TAGW - 3;
	memcpy(q, tag, len);
	if (len < TAGW) {
		q[len] = ';';
		q[len + 1] = 'x';
		q[len + 2] = '=';
		memset(q + len + 3, 'y', TAGW - len - 3);
	}
}

/* ---- the bench -------------------------------------------------------------------- */

#define NODES 2
#define MAX_PENDING 64
#define NET_MAX 64

typedef struct node node;

typedef struct bench {
	esip_timerwheel wheel;
	esip_rand rnd;
	uint64_t now;
	esip_tp tp;
	node *nodes[NODES];
	/* the scripted caller: templates, the last To tag it saw */
	msgtpl invite, ack, bye;
	char tag[64];
	size_t tag_len;
	uint64_t msgs;      /* messages the cores sent */
	uint64_t ended;     /* calls that reached a final state */
	uint64_t established;
	uint64_t failed;
	/* the in-memory network between the cores (uac+uas) */
	struct {
		int to;
		esip_tp tp;
		size_t len;
		char bytes[2048];
	} net[NET_MAX];
	size_t net_head, net_n;
} bench;

struct node {
	bench *b;
	int id;
	esip_ua *ua;
	esip_allocator alloc;
	counter cnt;
	esip_addr addr;
	const char *host;
	bool scripted_peer;  /* the other side is the scripted caller */
	bool hangup;         /* hang up our outgoing calls once established */
	struct {
		esip_call *call;
		int act;         /* 1 = answer, 2 = hang up */
	} pending[MAX_PENDING];
	size_t n_pending;
};

static void die(const char *what)
{
	fprintf(stderr, "bench-calls: %s\n", what);
	exit(1);
}

/* The callee's tag from the 200 to the INVITE: the scripted caller needs
 * it for the ACK and the BYE (SIPp's [peer_tag_param]). */
static void note_tag(bench *b, const char *p, size_t len)
{
	const char *to, *t, *e;

	/* the first 200 of the call is the INVITE's (then the BYE's) */
	if (b->tag_len || len < 12 || memcmp(p, "SIP/2.0 200", 11))
		return;
	to = memmem(p, len, "\r\nTo: ", 6);
	if (!to)
		return;
	e = memchr(to + 2, '\r', len - (size_t)(to + 2 - p));
	t = e ? memmem(to, (size_t)(e - to), ";tag=", 5) : NULL;
	if (!t)
		return;
	t += 5;
	b->tag_len = (size_t)(e - t) < sizeof b->tag ? (size_t)(e - t) : sizeof b->tag - 1;
	memcpy(b->tag, t, b->tag_len);
}

static int n_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	node *n = ud;
	bench *b = n->b;

	b->msgs++;
	if (esip_tp_reliable(dest->tp))
		dest->conn = 7;
	if (n->scripted_peer) {
		note_tag(b, bytes, len);
		return 0;
	}
	if (b->net_n == NET_MAX || len > sizeof b->net[0].bytes)
		die("in-memory network full");
	{
		size_t i = (b->net_head + b->net_n++) % NET_MAX;
		b->net[i].to = 1 - n->id;
		b->net[i].tp = dest->tp;
		b->net[i].len = len;
		memcpy(b->net[i].bytes, bytes, len);
	}
	return 0;
}

static int n_local(void *ud, esip_tp tp, const esip_addr *dst, esip_ua_local *out)
{
	node *n = ud;

	memcpy(out->host, n->host, strlen(n->host) + 1);
	out->port = 5060;
	out->listener = 1;
	return 0;
}

static void n_event(void *ud, const esip_ua_event *ev)
{
	node *n = ud;
	bench *b = n->b;

	switch (ev->kind) {
	case ESIP_UA_INCOMING_CALL:
		/* the application answers outside the core's own call, as the
		 * stack's deferred callbacks do */
		if (n->n_pending == MAX_PENDING)
			die("too many pending actions");
		esip_call_ref(ev->call);
		n->pending[n->n_pending].call = ev->call;
		n->pending[n->n_pending++].act = 1;
		break;
	case ESIP_UA_CALL_STATE:
		if (ev->state == ESIP_CALL_ESTABLISHED && ev->prev != ESIP_CALL_ESTABLISHED) {
			b->established++;
			if (n->hangup && esip_call_direction(ev->call) == ESIP_CALL_OUTGOING) {
				if (n->n_pending == MAX_PENDING)
					die("too many pending actions");
				esip_call_ref(ev->call);
				n->pending[n->n_pending].call = ev->call;
				n->pending[n->n_pending++].act = 2;
			}
		}
		if (esip_call_state_is_final(ev->state)) {
			b->ended++;
			if (ev->state == ESIP_CALL_FAILED)
				b->failed++;
			/* the incoming call's reference taken at INCOMING_CALL */
			if (esip_call_direction(ev->call) == ESIP_CALL_INCOMING_DIR)
				esip_call_unref(ev->call);
		}
		break;
	default:
		break;
	}
}

static void run_pending(node *n)
{
	bench *b = n->b;
	size_t i;

	for (i = 0; i < n->n_pending; i++) {
		esip_call *c = n->pending[i].call;
		if (n->pending[i].act == 1) {
			/* esip-ua --answer-after 0: 180, then 200 with the answer */
			if (esip_ua_call_ring(c, 180, NULL, 0, b->now) < 0 ||
			    esip_ua_call_accept(c, sdp_answer, sizeof sdp_answer - 1, b->now) < 0)
				die("cannot answer");
		} else if (esip_ua_call_hangup(c, b->now) < 0) {
			die("cannot hang up");
		}
		esip_call_unref(c);
	}
	n->n_pending = 0;
}

static void node_init(bench *b, node *n, int id, const char *host, bool scripted_peer)
{
	static const esip_ua_callbacks cb = {n_send, n_local, NULL, NULL, NULL, n_event,
					     NULL, NULL};
	esip_ua_config c;

	memset(n, 0, sizeof *n);
	n->b = b;
	n->id = id;
	n->host = host;
	n->scripted_peer = scripted_peer;
	n->alloc.alloc = c_alloc;
	n->alloc.realloc = c_realloc;
	n->alloc.free = c_free;
	n->alloc.ud = &n->cnt;
	esip_addr_from_ip(&n->addr, esip_str_cstr(host), 5060);
	esip_ua_config_init(&c);
	c.user_agent = "esip-ua";
	c.max_dialogs = 4000000;
	c.txl.max_transactions = 8000000;
	/* the steady state holds PER_MS * 32,000 ISTs in Accepted (with
	 * their 200s) and as many NISTs: over the default 64 MiB budget */
	c.txl.max_bytes = (uint64_t)16 << 30;
	c.alloc = &n->alloc;
	if (esip_ua_new(&c, &cb, n, &b->wheel, &b->rnd, &n->ua) < 0)
		die("esip_ua_new failed");
	b->nodes[id] = n;
}

static void bench_init(bench *b, esip_tp tp)
{
	const char *tpn = tp == ESIP_TP_TCP ? "TCP" : "UDP";

	memset(b, 0, sizeof *b);
	b->now = 1;
	b->tp = tp;
	esip_timerwheel_init(&b->wheel, b->now);
	esip_rand_init(&b->rnd);
	tpl_init(&b->invite, invite_tpl, tpn, sipp_sdp);
	tpl_init(&b->ack, ack_tpl, tpn, "");
	tpl_init(&b->bye, bye_tpl, tpn, "");
}

static void rx_of(esip_rx_info *rx, esip_tp tp, const esip_addr *from, const esip_addr *to)
{
	memset(rx, 0, sizeof *rx);
	rx->tp = tp;
	rx->peer = *from;
	rx->local = *to;
	rx->conn = esip_tp_reliable(tp) ? 7 : 0;
	rx->listener = 1;
}

/* Parses bytes as a transport would and hands them to node n. */
static void deliver(bench *b, node *n, const esip_addr *from, esip_tp tp, const char *bytes,
		    size_t len)
{
	esip_hdr hdrs[64];
	esip_rx_info rx;
	esip_msg m;
	int rc;

	esip_msg_init(&m, hdrs, 64);
	rc = esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL);
	if (rc <= 0)
		die("a message does not parse");
	rx_of(&rx, tp, from, &n->addr);
	esip_ua_recv(n->ua, &m, rc, &rx, b->now);
	run_pending(n);
}

static const esip_addr *caller_addr(void)
{
	static esip_addr a;

	if (!a.len)
		esip_addr_from_ip(&a, ESIP_STR("192.0.2.20"), 5060);
	return &a;
}

/* One call of the scripted caller to node 0: INVITE, ACK, BYE (held: no BYE). */
static void scripted_call(bench *b, uint64_t i, bool bye)
{
	node *n = b->nodes[0];

	tpl_number(&b->invite, i);
	b->tag_len = 0;
	deliver(b, n, caller_addr(), b->tp, b->invite.text, b->invite.len);
	if (!b->tag_len)
		die("no 200 with a tag to the INVITE");
	tpl_number(&b->ack, i);
	tpl_tag(&b->ack, b->tag, b->tag_len);
	deliver(b, n, caller_addr(), b->tp, b->ack.text, b->ack.len);
	if (!bye)
		return;
	tpl_number(&b->bye, i);
	tpl_tag(&b->bye, b->tag, b->tag_len);
	deliver(b, n, caller_addr(), b->tp, b->bye.text, b->bye.len);
}

/* Delivers what the two cores send each other until they are quiet. */
static void pump(bench *b)
{
	while (b->net_n) {
		size_t i = b->net_head;
		node *to = b->nodes[b->net[i].to], *from = b->nodes[1 - b->net[i].to];
		b->net_head = (b->net_head + 1) % NET_MAX;
		b->net_n--;
		deliver(b, to, &from->addr, b->net[i].tp, b->net[i].bytes, b->net[i].len);
		run_pending(from);
	}
}

/* One call from node 0 (A) to node 1 (B), hung up by A once established. */
static void core_call(bench *b)
{
	node *a = b->nodes[0];
	esip_call_params p;
	esip_call *c;

	memset(&p, 0, sizeof p);
	p.target = b->tp == ESIP_TP_TCP ? "sip:bob@192.0.2.10:5060;transport=tcp"
					: "sip:bob@192.0.2.10:5060";
	p.sdp = sdp_offer;
	p.sdp_len = sizeof sdp_offer - 1;
	if (esip_ua_call_make(a->ua, &p, b->now, &c) < 0)
		die("esip_ua_call_make failed");
	esip_call_unref(c); /* the core keeps it while it lives */
	pump(b);
}

static void tick(bench *b, uint64_t to)
{
	b->now = to;
	esip_timerwheel_run(&b->wheel, b->now);
	for (int k = 0; k < NODES; k++)
		if (b->nodes[k]) {
			run_pending(b->nodes[k]);
		}
	pump(b);
}

static uint32_t live_txns(const node *n)
{
	esip_ua_stats st;
	uint32_t s = 0;

	esip_ua_get_stats(n->ua, &st);
	for (int k = 0; k < 5; k++)
		s += st.txl.live[k];
	return s;
}

typedef struct result {
	double ns;          /* per call */
	uint64_t msgs;      /* messages sent by the cores */
} result;

/* n calls of case k in steady state: the virtual clock advances 1 ms
 * every per_ms calls; at the end it runs past every timer. */
static result run_case(int k, uint64_t n, uint64_t per_ms)
{
	bench b;
	node a, z;
	uint64_t i;
	double t0, t1;
	result r;
	bool two = k >= 2;

	bench_init(&b, k % 2 ? ESIP_TP_TCP : ESIP_TP_UDP);
	node_init(&b, &a, 0, two ? "192.0.2.20" : "192.0.2.10", !two);
	if (two) {
		node_init(&b, &z, 1, "192.0.2.10", false);
		a.hangup = true;
	}
	t0 = bench_now_s();
	for (i = 0; i < n; i++) {
		if (two)
			core_call(&b);
		else
			scripted_call(&b, i, true);
		if ((i + 1) % per_ms == 0)
			tick(&b, b.now + 1);
	}
	tick(&b, b.now + 200000); /* past Timer L, J, D, K ... */
	t1 = bench_now_s();
	if (b.ended != (two ? 2 : 1) * n || b.failed || live_txns(&a) ||
	    (two && live_txns(&z)) || esip_ua_live_calls(a.ua) ||
	    (two && esip_ua_live_calls(z.ua))) {
		fprintf(stderr, "bench-calls: %llu calls ended (%llu failed) of %llu; %u/%u "
				"transactions and %u/%u calls left\n",
			(unsigned long long)b.ended, (unsigned long long)b.failed,
			(unsigned long long)n, live_txns(&a), two ? live_txns(&z) : 0,
			esip_ua_live_calls(a.ua), two ? esip_ua_live_calls(z.ua) : 0);
		exit(1);
	}
	r.ns = (t1 - t0) * 1e9 / (double)n;
	r.msgs = b.msgs;
	esip_ua_free(a.ua);
	if (two)
		esip_ua_free(z.ua);
	return r;
}

/* Memory of held dialogs at the UA core answering the scripted caller. */
static void memory(uint64_t held)
{
	bench b;
	node a;
	counter c0;
	esip_ua_stats st;
	uint64_t i;
	double per_b, per_c;

	bench_init(&b, ESIP_TP_UDP);
	node_init(&b, &a, 0, "192.0.2.10", true);
	c0 = a.cnt;
	for (i = 0; i < held; i++) {
		scripted_call(&b, i, false);
		if ((i + 1) % 1000 == 0)
			tick(&b, b.now + 1); /* 100,000 in 100 virtual seconds */
	}
	/* still within Timer L of the last thousands: count now, then again
	 * once every INVITE server transaction has ended */
	tick(&b, b.now + 1);
	esip_ua_get_stats(a.ua, &st);
	printf("%llu dialogs established and held (UDP; %u INVITE server transactions still "
	       "in Accepted, Timer L):\n",
	       (unsigned long long)held, st.txl.live[ESIP_TXN_IST]);
	per_b = (double)(a.cnt.bytes - c0.bytes) / (double)held;
	per_c = (double)(a.cnt.chunk - c0.chunk) / (double)held;
	printf("  heap per dialog: %.0f B requested, %.0f B with malloc overhead; "
	       "core's counts: calls %.0f B, transactions %.0f B per live transaction\n",
	       per_b, per_c, (double)st.call_bytes / (double)st.calls_live,
	       st.txl.live[ESIP_TXN_IST] ? (double)st.txl.bytes_live / (double)live_txns(&a) : 0.0);
	tick(&b, b.now + 40000);
	esip_ua_get_stats(a.ua, &st);
	if (st.calls_live != held)
		die("held calls were lost");
	per_b = (double)(a.cnt.bytes - c0.bytes) / (double)held;
	per_c = (double)(a.cnt.chunk - c0.chunk) / (double)held;
	printf("after Timer L (%u transactions live), only the dialogs:\n", live_txns(&a));
	printf("  heap per dialog: %.0f B requested, %.0f B with malloc overhead; "
	       "core's count: %.0f B per call\n",
	       per_b, per_c, (double)st.call_bytes / (double)st.calls_live);
	printf("  allocations per call (setup to established, incl. ended transactions): %.1f\n",
	       (double)(a.cnt.allocs - c0.allocs) / (double)held);
	esip_ua_free(a.ua);
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"uas/UDP: SIPp-uac flow -> one UA core",
		"uas/TCP: SIPp-uac flow -> one UA core",
		"uac+uas/UDP: two UA cores, both sides",
		"uac+uas/TCP: two UA cores, both sides",
	};
	uint64_t n = 200000, per_ms = 2, held = 100000;
	int rounds = 3, only = -1, i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			only = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			per_ms = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			held = strtoull(argv[++i], NULL, 10);
		else {
			fprintf(stderr,
				"usage: bench-calls [-n CALLS] [-r ROUNDS] [-c CASE] [-p PER_MS] [-m HELD]\n"
				"  -c CASE: only case CASE (0-3), no memory figures (for callgrind)\n"
				"  -p PER_MS: calls per virtual millisecond\n"
				"  -m HELD: dialogs held for the memory figures (0 = none)\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 99)
		rounds = 3;
	if (!n || !per_ms)
		die("-n and -p must be positive");
	printf("UA core, full calls (INVITE/180/200/ACK/BYE/200), %llu calls per run, median of "
	       "%d runs, %llu calls per virtual ms\n",
	       (unsigned long long)n, rounds, (unsigned long long)per_ms);
	printf("%-40s %10s %14s %10s\n", "case", "ns/call", "calls/s", "msgs/call");
	for (i = 0; i < 4; i++) {
		double v[99];
		result res = {0, 0};
		if (only >= 0 && i != only)
			continue;
		for (r = 0; r < rounds; r++) {
			res = run_case(i, n, per_ms);
			v[r] = res.ns;
		}
		double med = bench_median(v, rounds);
		printf("%-40s %10.0f %14.0f %10.1f\n", names[i], med, 1e9 / med,
		       (double)res.msgs / (double)n);
	}
	if (only < 0 && held)
		memory(held);
	return 0;
}
