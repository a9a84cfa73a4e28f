/*
 * fuzz_ua.c - two UA cores (esip/dialog.h) driven by a program decoded
 * from the input, on one virtual clock.
 *
 * Input: 4 configuration bytes (REFER and Replaces policies, limits,
 * short timers, TCP availability, whether the application decides inside
 * events: answers an incoming call or a REFER, hangs up on a state
 * change, taking a byte each time), then steps, each an opcode byte and its operands:
 *
 *   0-1  the peer sends a core a dialog-creating INVITE (fuzz_ua_msgs.c)
 *   2-3  the peer sends a request in a known call's dialog
 *   4-5  the peer answers a request a core sent (captured by send())
 *   6    a captured packet is delivered to a core (the two cores talk)
 *   7    the application places a call (esip_ua_call_make, _make_replacing)
 *   8    ... rings, accepts, rejects, cancels or hangs up a known call,
 *        reads it, or lets go of its reference (the core keeps a live one)
 *   9    ... transfers: _refer, _refer_accept, _refer_reject
 *   10   time passes (every timer fires at its own time)
 *   11   a connection fails
 *   12   raw bytes arrive as a message
 *   13   a name lookup is answered (addresses, none, an error)
 *   14   the next sends fail, or a request outside dialogs is sent
 *   15   a captured packet with one byte changed is delivered, or
 *        (rarely) a core starts shutting down
 *
 * After every step and every timer firing the invariants of
 * fuzz_ua_check.c are asserted; every event is checked as it comes (its
 * call known to be live, a state report continuing the last one and never
 * leaving a final state, each request's response reported once).  At the
 * end every lookup fails, the clock runs out (48 hours, timer by timer)
 * and nothing but established calls may be left; then both cores are
 * freed, every request must have had its one answer, the target drops its
 * call references, and LeakSanitizer sees what remains.
 *
 * To read an input: FZ_UA_TRACE=1 build/fuzz/replay-ua <file> prints every
 * step, message (first lines; FZ_UA_FULL=1: whole), event and machine
 * transition on stderr.
 */
#include "fuzz_ua.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_STEPS 300
#define MAX_FIRINGS 200000 /* timer runs in one advance: more is a storm */

unsigned fz_take(fz_in *s, unsigned mod)
{
	unsigned v;

	if (!s->n)
		return 0;
	v = *s->p++;
	s->n--;
	return mod ? v % mod : v;
}

/* FZ_UA_TRACE=1 in the environment: what happens, on stderr (to read a
 * corpus input or a crash). */
static bool tracing(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FZ_UA_TRACE") != NULL;
	return on;
}

static int first_line(const void *bytes, size_t len)
{
	const char *e = memchr(bytes, '\r', len);

	return (int)(e ? (size_t)(e - (const char *)bytes) : len);
}

void fz_reseed(fz_world *w)
{
	size_t i;

	/* xorshift64*: tags, branches and Call-IDs the same on every run of
	 * an input */
	if (w->rnd.pos < sizeof w->rnd.buf / 2)
		return;
	for (i = 0; i < sizeof w->rnd.buf; i++) {
		w->seed ^= w->seed >> 12;
		w->seed ^= w->seed << 25;
		w->seed ^= w->seed >> 27;
		w->rnd.buf[i] = (unsigned char)((w->seed * 2685821657736338717ull) >> 56);
	}
	w->rnd.pos = 0;
}

/* ---- the calls the application knows -------------------------------------------- */

fz_call *fz_find_call(fz_world *w, const esip_call *c)
{
	size_t i;

	for (i = 0; i < w->n_calls; i++)
		if (w->calls[i].call == c)
			return &w->calls[i];
	return NULL;
}

fz_call *fz_pick_call(fz_world *w, unsigned k)
{
	size_t i, alive = 0;

	for (i = 0; i < w->n_calls; i++)
		alive += w->calls[i].call != NULL;
	if (!alive)
		return NULL;
	k %= (unsigned)alive;
	for (i = 0; i < w->n_calls; i++)
		if (w->calls[i].call && k-- == 0)
			break;
	return &w->calls[i];
}

static fz_call *know(fz_world *w, esip_call *c, int node)
{
	fz_call *fc = fz_find_call(w, c);

	if (fc)
		return fc;
	if (w->n_calls == w->cap_calls) {
		size_t cap = w->cap_calls ? 2 * w->cap_calls : 32;
		fz_call *p = realloc(w->calls, cap * sizeof *p);
		if (!p)
			abort();
		w->calls = p;
		w->cap_calls = cap;
	}
	fc = &w->calls[w->n_calls++];
	esip_call_ref(c);
	fc->call = c;
	fc->held = true;
	fc->node = node;
	fc->state = ESIP_CALL_IDLE;
	return fc;
}

/* ---- the owner's callbacks ---------------------------------------------------------- */

static int fz_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	fz_node *n = ud;
	fz_world *w = n->w;
	esip_hdr h[128];
	esip_msg m;
	fz_pkt *p;

	/* whatever a core sends must itself parse */
	esip_msg_init(&m, h, 128);
	/* (but the stateless answer to a request that did not parse copies
	 * its malformed Via: that one may not) */
	if (esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) <= 0 && !w->bad_input) {
		fprintf(stderr, "a core sent what does not parse:\n%.*s\n", (int)len,
			(const char *)bytes);
		abort();
	}
	if (!w->bad_input)
		fz_check_sent(w, n->idx, &m);
	fz_reseed(w);
	if (w->fail_sends) {
		w->fail_sends--;
		return ESIP_ETRANSPORT;
	}
	if (esip_tp_reliable(dest->tp) && !dest->conn)
		dest->conn = w->next_conn++;
	if (tracing())
		fprintf(stderr, "  #%zu %c -> :%u %s conn %u: %.*s\n", w->n_cap, 'a' + n->idx,
			esip_addr_port(&dest->addr), esip_tp_name(dest->tp), dest->conn,
			getenv("FZ_UA_FULL") ? (int)len : first_line(bytes, len), (const char *)bytes);
	p = &w->cap[w->n_cap++ % FZ_CAPTURE];
	free(p->bytes);
	p->bytes = malloc(len);
	if (!p->bytes)
		abort();
	memcpy(p->bytes, bytes, len);
	p->len = len;
	p->src = n->idx;
	p->dest = *dest;
	p->request = m.kind == ESIP_MSG_REQUEST;
	return 0;
}

static int fz_local(void *ud, esip_tp tp, const esip_addr *dst, esip_ua_local *out)
{
	fz_node *n = ud;

	if (tp == ESIP_TP_TCP && n->w->no_tcp)
		return ESIP_ENOTFOUND;
	if (dst && dst->len && esip_addr_family(dst) != AF_INET)
		return ESIP_ENOTFOUND;
	snprintf(out->host, sizeof out->host, "127.0.0.1");
	out->port = n->port;
	out->listener = 1;
	return 0;
}

static esip_tp fz_request_tp(void *ud, esip_tp tp, size_t len)
{
	fz_node *n = ud;

	return n->w->upgrade_tcp && tp == ESIP_TP_UDP && len > 1300 ? ESIP_TP_TCP : tp;
}

static int fz_resolve(void *ud, const char *host, uint16_t port, esip_tp tp, uint64_t *id)
{
	fz_node *n = ud;
	fz_world *w = n->w;

	if (w->n_lookups == FZ_LOOKUPS)
		return ESIP_ELIMIT;
	*id = ++w->next_lookup;
	w->lookups[w->n_lookups].id = *id;
	w->lookups[w->n_lookups++].node = n->idx;
	return 0;
}

static void fz_resolve_cancel(void *ud, uint64_t id)
{
	fz_node *n = ud;
	fz_world *w = n->w;
	size_t i;

	/* only a lookup in progress is ever cancelled */
	for (i = 0; i < w->n_lookups; i++)
		if (w->lookups[i].id == id && w->lookups[i].node == n->idx)
			break;
	assert(i < w->n_lookups);
	w->lookups[i] = w->lookups[--w->n_lookups];
}

static void decide_now(fz_world *w, esip_call *c, esip_ua_event_kind kind)
{
	unsigned k = fz_take(w->in, 4);

	if (kind == ESIP_UA_INCOMING_CALL) {
		if (k == 0)
			(void)esip_ua_call_ring(c, 180, NULL, 0, w->now);
		else if (k == 1)
			(void)esip_ua_call_accept(c, NULL, 0, w->now);
		else if (k == 2)
			(void)esip_ua_call_reject(c, 486, NULL, w->now);
	} else if (kind == ESIP_UA_CALL_REFER) {
		if (k == 0)
			(void)esip_ua_call_refer_accept(c, w->now);
		else if (k == 1)
			(void)esip_ua_call_refer_reject(c, 603, w->now);
	} else if (kind == ESIP_UA_CALL_STATE && k == 0) {
		/* hang up as soon as anything changes */
		(void)esip_ua_call_hangup(c, w->now);
	}
}

static void fz_event(void *ud, const esip_ua_event *ev)
{
	fz_node *n = ud;
	fz_world *w = n->w;
	fz_call *fc;
	esip_call *c = ev->call;

	fz_reseed(w);
	if (ev->kind == ESIP_UA_RESPONSE) {
		size_t i = (size_t)(uintptr_t)ev->fn_ud - 1;
		/* exactly once per accepted request */
		assert(i < w->n_app_reqs);
		assert(w->answered[i]++ == 0);
		return;
	}
	assert(c);
	assert(esip_call_ua_userdata(c) == n);
	fc = know(w, c, n->idx);
	if (tracing())
		fprintf(stderr, "  %c call %zu: kind %d %s -> %s (%s) status %d\n", 'a' + n->idx,
			(size_t)(fc - w->calls), ev->kind, esip_call_state_name(ev->prev),
			esip_call_state_name(ev->state), ev->event ? ev->event : "", ev->status);
	if (ev->kind == ESIP_UA_CALL_STATE) {
		/* a report continues the last one and never leaves a final state */
		assert(ev->prev == fc->state);
		assert(!esip_call_state_is_final(ev->prev));
		assert(ev->prev != ev->state);
		assert(ev->state == esip_ua_call_state(c));
		/* a call that failed says why: a final failure status */
		if (ev->state == ESIP_CALL_FAILED)
			assert(esip_ua_call_status(c) >= 300 && esip_ua_call_status(c) <= 699);
		fc->state = ev->state;
		if (esip_call_state_is_final(ev->state))
			fz_dialog_ended(w, n->idx, c);
		/* the core lets go of it after this: nobody holds it any more */
		if (esip_call_state_is_final(ev->state) && !fc->held) {
			fc->call = NULL;
			return;
		}
		if (w->in_callback && !w->freed)
			decide_now(w, c, ev->kind);
		return;
	}
	if (ev->kind == ESIP_UA_INCOMING_CALL) {
		/* a call's first event, before its first state report (idle ->
		 * incoming), which follows it */
		assert(fc->state == ESIP_CALL_IDLE);
		assert(ev->state == ESIP_CALL_INCOMING);
	} else {
		/* any other event is about a live call, in the state last
		 * reported */
		assert(!esip_call_state_is_final(fc->state));
		assert(ev->state == fc->state);
	}
	if (w->in_callback && !w->freed &&
	    (ev->kind == ESIP_UA_INCOMING_CALL || ev->kind == ESIP_UA_CALL_REFER))
		decide_now(w, c, ev->kind);
}

static void fz_trace(void *ud, const char *machine, const void *instance, const char *from,
		     const char *event, const char *to)
{
	fz_node *n = ud;

	fprintf(stderr, "    %c %s %p: %s -%s-> %s\n", 'a' + n->idx, machine, instance, from, event,
		to ? to : "(unhandled)");
}

/* ---- delivery -------------------------------------------------------------------------- */

void fz_deliver(fz_world *w, int node, const char *bytes, size_t len, esip_tp tp,
		uint32_t conn, const esip_addr *peer)
{
	fz_node *n = &w->nodes[node];
	esip_hdr h[128];
	esip_msg m;
	esip_rx_info rx;
	int rc;

	esip_msg_init(&m, h, 128);
	rc = esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL);
	if (tracing())
		fprintf(stderr, "  %c <- (rc %d) %.*s\n", 'a' + node, rc,
			getenv("FZ_UA_FULL") ? (int)len : first_line(bytes, len), bytes);
	memset(&rx, 0, sizeof rx);
	/* nothing arrives over a transport the owner does not listen on */
	if (tp == ESIP_TP_TCP && w->no_tcp)
		tp = ESIP_TP_UDP;
	rx.tp = tp;
	rx.peer = *peer;
	rx.local = n->addr;
	rx.conn = esip_tp_reliable(tp) ? conn : 0;
	rx.listener = 1;
	w->bad_input = rc < 0;
	esip_ua_recv(n->ua, &m, rc, &rx, w->now);
	w->bad_input = false;
}

static void peer_addr(esip_addr *a, uint16_t port)
{
	esip_addr_from_ip(a, ESIP_STR("127.0.0.1"), port);
}

/* The node a captured packet was meant for (the other one otherwise). */
static int dest_node(fz_world *w, const fz_pkt *p, fz_in *s)
{
	uint16_t port = esip_addr_port(&p->dest.addr);
	int i;

	for (i = 0; i < FZ_NODES; i++)
		if (port == w->nodes[i].port)
			return i;
	return (int)fz_take(s, FZ_NODES);
}

/* The k-th latest captured packet (a request when asked), NULL if none. */
static const fz_pkt *pick_pkt(fz_world *w, unsigned k, bool request)
{
	size_t have = w->n_cap < FZ_CAPTURE ? w->n_cap : FZ_CAPTURE, i;

	for (i = 0; i < have; i++) {
		size_t seq = w->n_cap - 1 - (k + i) % have;
		const fz_pkt *p = &w->cap[seq % FZ_CAPTURE];
		if (!request || p->request)
			return p;
	}
	return NULL;
}

/* ---- time ------------------------------------------------------------------------------ */

/* Every timer due by `until` fires at its own expiry, in order, with the
 * invariants checked after each run. */
static void advance(fz_world *w, uint64_t until)
{
	unsigned runs = 0;

	for (;;) {
		uint64_t next = esip_timerwheel_next_expiry(&w->wheel);
		if (next > until)
			break;
		if (next > w->now)
			w->now = next;
		esip_timerwheel_run(&w->wheel, w->now);
		fz_reseed(w);
		fz_check(w, false);
		assert(++runs < MAX_FIRINGS);
	}
	w->now = until;
	esip_timerwheel_run(&w->wheel, w->now);
}

/* ---- the application ----------------------------------------------------------------- */

static const char *target_of(fz_world *w, unsigned k, int node)
{
	static const char *const t[] = {
		"sip:peer@127.0.0.1:5060",
		"sip:peer@127.0.0.1:5060;transport=tcp",
		NULL, /* the other core */
		"sip:peer@peer.example",
		"sips:peer@127.0.0.1:5061",
		"sip:peer@[::1]:5060",
		"tel:+15551234",
		"sip:peer@127.0.0.1:5060;maddr=127.0.0.2",
		"sip:self@127.0.0.1:5070",
	};

	if (k % 9 == 2)
		return node ? "sip:a@127.0.0.1:5070" : "sip:b@127.0.0.1:5080";
	return t[k % 9];
}

/* An operation on a call known to have ended is refused. */
static void check_rc(esip_call_state known, int rc, bool valid_args)
{
	assert(rc == 0 || rc == ESIP_ESTATE || rc == ESIP_EINVAL || rc == ESIP_ENOTSUP ||
	       rc == ESIP_ENOTFOUND || rc == ESIP_ELIMIT || rc == ESIP_ECLOSED);
	if (valid_args && esip_call_state_is_final(known))
		assert(rc == ESIP_ESTATE);
}

static const char offer[] = "v=0\r\no=esip 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			    "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=sendrecv\r\n";

static void app_make(fz_world *w, fz_in *s)
{
	int node = (int)fz_take(s, FZ_NODES);
	fz_node *n = &w->nodes[node];
	unsigned flags = fz_take(s, 0);
	static const char *const pre_lr[] = {"<sip:127.0.0.1:5090;lr>"};
	static const char *const pre_strict[] = {"sip:127.0.0.1:5091"};
	esip_hdr_kv h = {"X-Fuzz", ESIP_STR("1")};
	esip_call_params p;
	esip_call *c = NULL;
	int rc;

	memset(&p, 0, sizeof p);
	p.target = target_of(w, fz_take(s, 0), node);
	p.sdp = flags & 1 ? offer : NULL;
	if (flags & 2) {
		p.headers = &h;
		p.n_headers = 1;
	}
	if ((flags & 0xc) == 4) {
		p.route = pre_lr;
		p.n_route = 1;
	} else if ((flags & 0xc) == 8) {
		p.route = pre_strict;
		p.n_route = 1;
	}
	if ((flags & 0x30) == 0x30) {
		/* RFC 3891: a dialog of a known call, as its own UA sees it */
		fz_call *fc = fz_pick_call(w, fz_take(s, 0));
		esip_replaces_params r;
		char rt[128];
		memset(&r, 0, sizeof r);
		if (!fc)
			return;
		esip_ua_call_remote_tag(fc->call, rt, sizeof rt);
		r.call_id = esip_call_id(fc->call);
		r.to_tag = flags & 0x40 ? rt : esip_call_local_tag(fc->call);
		r.from_tag = flags & 0x40 ? esip_call_local_tag(fc->call) : rt;
		r.early_only = flags & 0x80;
		rc = esip_ua_call_make_replacing(n->ua, &p, &r, w->now, &c);
	} else {
		rc = esip_ua_call_make(n->ua, &p, w->now, &c);
	}
	check_rc(ESIP_CALL_IDLE, rc, false);
	assert((rc == 0) == (c != NULL));
	if (c) {
		/* its first transition was reported before the call returned */
		assert(fz_find_call(w, c));
		esip_call_unref(c);
	}
}

static void app_decide(fz_world *w, fz_in *s)
{
	static const unsigned ring[] = {180, 183, 101, 199, 200};
	static const unsigned rej[] = {486, 603, 300, 699, 200};
	fz_call *fc = fz_pick_call(w, fz_take(s, 0));
	esip_call *c;
	esip_call_state known;
	unsigned st;
	char out[16];
	int rc = 0;

	if (!fc)
		return;
	/* fc may move when events add calls: keep what is needed */
	c = fc->call;
	known = fc->state;
	switch (fz_take(s, 7)) {
	case 0:
		st = ring[fz_take(s, 5)];
		rc = esip_ua_call_ring(c, st, fz_take(s, 2) ? offer : NULL, 0, w->now);
		check_rc(known, rc, st != 200);
		break;
	case 1:
		rc = esip_ua_call_accept(c, fz_take(s, 2) ? offer : NULL, 0, w->now);
		check_rc(known, rc, true);
		break;
	case 2:
		st = rej[fz_take(s, 5)];
		rc = esip_ua_call_reject(c, st, fz_take(s, 2) ? "No Way" : NULL, w->now);
		check_rc(known, rc, st != 200);
		break;
	case 3:
		check_rc(known, esip_ua_call_cancel(c, w->now), true);
		break;
	case 4:
		check_rc(known, esip_ua_call_hangup(c, w->now), true);
		break;
	case 5:
		/* the application lets go of the call (the core keeps it while
		 * it is live) */
		if (fc->held) {
			fc->held = false;
			if (esip_call_state_is_final(known))
				fc->call = NULL;
			esip_call_unref(c);
		}
		break;
	default:
		/* the accessors, with a buffer that is sometimes too small */
		(void)esip_ua_call_remote_tag(c, out, 1 + fz_take(s, sizeof out));
		(void)esip_ua_call_remote_target(c, out, 1 + fz_take(s, sizeof out));
		(void)esip_ua_call_remote_sdp(c, out, 1 + fz_take(s, sizeof out));
		(void)esip_ua_call_status(c);
		break;
	}
}

static void app_transfer(fz_world *w, fz_in *s)
{
	static const unsigned rej[] = {603, 403, 486, 200};
	fz_call *fc = fz_pick_call(w, fz_take(s, 0)), *other;
	esip_call *c, *rep = NULL;
	esip_call_state known;
	esip_refer_opts o;
	const char *target;
	unsigned k, st;
	int rc;

	if (!fc)
		return;
	c = fc->call;
	known = fc->state;
	switch (fz_take(s, 3)) {
	case 0:
		k = fz_take(s, 0);
		target = k % 11 == 9 ? NULL : k % 11 == 10 ? "<bad>" : target_of(w, k, fc->node);
		if (fz_take(s, 3) == 0 && (other = fz_pick_call(w, fz_take(s, 0))))
			rep = other->call;
		memset(&o, 0, sizeof o);
		k = fz_take(s, 0);
		o.no_subscription = k & 1;
		o.early_only = k & 2;
		rc = esip_ua_call_refer(c, target, rep, fz_take(s, 2) ? &o : NULL, w->now);
		check_rc(known, rc, target && target[0] != '<' && !rep);
		break;
	case 1:
		check_rc(known, esip_ua_call_refer_accept(c, w->now), true);
		break;
	default:
		st = rej[fz_take(s, 4)];
		check_rc(known, esip_ua_call_refer_reject(c, st, w->now), st != 200);
		break;
	}
}

static void app_send_request(fz_world *w, fz_in *s)
{
	static const char *const methods[] = {"OPTIONS", "MESSAGE", "INFO", "INVITE", "FOO"};
	int node = (int)fz_take(s, FZ_NODES);
	const char *m = methods[fz_take(s, 5)], *uri = target_of(w, fz_take(s, 0), node);
	int rc;

	if (w->n_app_reqs == FZ_APP_REQS)
		return;
	/* the answer may come before the call returns */
	w->n_app_reqs++;
	rc = esip_ua_send_request(w->nodes[node].ua, m, uri, NULL, 0, NULL,
				  (void *)(uintptr_t)w->n_app_reqs, w->now);
	check_rc(ESIP_CALL_IDLE, rc, false);
	if (rc < 0) {
		/* refused at once: fn never runs */
		w->n_app_reqs--;
		assert(w->answered[w->n_app_reqs] == 0);
	}
}

static void answer_lookup(fz_world *w, fz_in *s)
{
	static const uint16_t ports[] = {5060, 5070, 5080};
	esip_addr a;
	fz_lookup l;
	size_t k;

	if (!w->n_lookups)
		return;
	k = fz_take(s, (unsigned)w->n_lookups);
	l = w->lookups[k];
	w->lookups[k] = w->lookups[--w->n_lookups];
	/* an older lookup of the node still pending: requests may now leave
	 * out of their CSeq order (each waits for its own) */
	for (k = 0; k < w->n_lookups; k++)
		if (w->lookups[k].node == l.node && w->lookups[k].id < l.id)
			w->reordered = true;
	switch (fz_take(s, 4)) {
	case 0:
		esip_ua_resolved(w->nodes[l.node].ua, l.id, ESIP_ERESOLVE, NULL, 0, w->now);
		break;
	case 1:
		esip_ua_resolved(w->nodes[l.node].ua, l.id, 0, NULL, 0, w->now);
		break;
	case 2:
		esip_addr_from_ip(&a, ESIP_STR("::1"), 5060);
		esip_ua_resolved(w->nodes[l.node].ua, l.id, 0, &a, 1, w->now);
		break;
	default:
		peer_addr(&a, ports[fz_take(s, 3)]);
		esip_ua_resolved(w->nodes[l.node].ua, l.id, 0, &a, 1, w->now);
		break;
	}
}

/* ---- the program ------------------------------------------------------------------------ */

static void step(fz_world *w, fz_in *s)
{
	char buf[8192];
	esip_addr peer;
	const fz_pkt *p;
	fz_call *fc;
	size_t len;
	bool tcp = false;
	int node;

	unsigned op = fz_take(s, 16);

	peer_addr(&peer, FZ_PEER_PORT);
	if (tracing())
		fprintf(stderr, "t=%llu op %u\n", (unsigned long long)w->now, op);
	switch (op) {
	case 0:
	case 1:
		node = (int)fz_take(s, FZ_NODES);
		len = fz_msg_invite(w, s, node, buf, sizeof buf, &tcp);
		if (len)
			fz_deliver(w, node, buf, len, tcp ? ESIP_TP_TCP : ESIP_TP_UDP,
				   1 + fz_take(s, 3), &peer);
		break;
	case 2:
	case 3:
		fc = fz_pick_call(w, fz_take(s, 0));
		if (!fc)
			break;
		node = fc->node;
		len = fz_msg_in_dialog(w, s, fc, buf, sizeof buf, &tcp);
		if (len)
			fz_deliver(w, node, buf, len, tcp ? ESIP_TP_TCP : ESIP_TP_UDP,
				   1 + fz_take(s, 3), &peer);
		break;
	case 4:
	case 5:
		p = pick_pkt(w, fz_take(s, 0), true);
		if (!p)
			break;
		{
			fz_pkt req = *p; /* the ring may change while it is answered */
			char copy[8192];
			if (req.len > sizeof copy)
				break;
			memcpy(copy, p->bytes, req.len);
			req.bytes = copy;
			len = fz_msg_response(w, s, &req, buf, sizeof buf);
			if (len)
				fz_deliver(w, req.src, buf, len, req.dest.tp, req.dest.conn,
					   &req.dest.addr);
		}
		break;
	case 6:
	case 15:
		if (op == 15 && fz_take(s, 16) == 0) {
			/* rarely: a graceful stop begins */
			esip_ua_shutdown(w->nodes[fz_take(s, FZ_NODES)].ua, w->now);
			break;
		}
		p = pick_pkt(w, fz_take(s, 0), false);
		if (!p || p->len > sizeof buf)
			break;
		{
			fz_pkt pk = *p;
			memcpy(buf, p->bytes, pk.len);
			node = dest_node(w, &pk, s);
			if (op == 15 && pk.len) {
				/* one byte changed on the way */
				size_t at = (fz_take(s, 0) << 8 | fz_take(s, 0)) % pk.len;
				buf[at] = (char)fz_take(s, 0);
			}
			fz_deliver(w, node, buf, pk.len, pk.dest.tp, pk.dest.conn,
				   &w->nodes[pk.src].addr);
		}
		break;
	case 7:
		app_make(w, s);
		break;
	case 8:
		app_decide(w, s);
		break;
	case 9:
		app_transfer(w, s);
		break;
	case 10: {
		static const unsigned scale[] = {1, 16, 1000, 60000};
		uint64_t d = (uint64_t)fz_take(s, 0) * scale[fz_take(s, 4)] + 1;
		advance(w, w->now + d);
		break;
	}
	case 11:
		node = (int)fz_take(s, FZ_NODES);
		{
			uint32_t conn = 1 + fz_take(s, 0) % w->next_conn;
			(void)esip_ua_conn_in_use(w->nodes[node].ua, conn);
			esip_ua_conn_failed(w->nodes[node].ua, conn, w->now);
		}
		break;
	case 12: {
		size_t k = fz_take(s, 0);
		node = (int)fz_take(s, FZ_NODES);
		tcp = fz_take(s, 2);
		if (k > s->n)
			k = s->n;
		fz_deliver(w, node, (const char *)s->p, k, tcp ? ESIP_TP_TCP : ESIP_TP_UDP, 1, &peer);
		s->p += k;
		s->n -= k;
		break;
	}
	case 13:
		answer_lookup(w, s);
		break;
	case 14:
		if (fz_take(s, 2))
			w->fail_sends = fz_take(s, 4);
		else
			app_send_request(w, s);
		break;
	}
}

static void setup(fz_world *w, fz_in *s)
{
	esip_ua_callbacks cb = {
		fz_send, fz_local, fz_request_tp, fz_resolve, fz_resolve_cancel, fz_event, NULL, NULL,
	};
	unsigned c0 = fz_take(s, 0), c1 = fz_take(s, 0), c2 = fz_take(s, 0), c3 = fz_take(s, 0);
	int i;

	if (tracing())
		cb.trace = fz_trace;
	w->in = s;
	w->seed = 0x9E3779B97F4A7C15ull;
	w->next_conn = 10;
	esip_timerwheel_init(&w->wheel, 0);
	esip_rand_init(&w->rnd);
	fz_reseed(w);
	w->in_callback = (c0 >> 3) & 1;
	w->upgrade_tcp = (c0 >> 4) & 1;
	w->no_tcp = ((c0 >> 5) & 3) == 3;
	for (i = 0; i < FZ_NODES; i++) {
		fz_node *n = &w->nodes[i];
		esip_ua_config *c = &n->cfg;
		n->w = w;
		n->idx = i;
		n->port = i ? 5080 : 5070;
		peer_addr(&n->addr, n->port);
		esip_ua_config_init(c);
		c->user = i ? "b" : "a";
		c->refer_policy = (esip_policy)(c0 % 3);
		c->replaces_policy = (c0 >> 2) & 1 ? ESIP_POLICY_REJECT : ESIP_POLICY_ACCEPT;
		if (c0 & 0x80) {
			n->custom[0].name = "X-Custom";
			n->custom[0].value = ESIP_STR("fuzz");
			c->custom_headers = n->custom;
			c->n_custom_headers = 1;
		}
		c->max_dialogs = c1 & 0x80 ? 1 + (c1 & 7) : 0;
		if (i == 0 && (c1 & 0x60) == 0x60)
			c->public_addr = "192.0.2.1:5999";
		c->no_answer_ms = (c2 & 3) == 1 ? 4000 : 0;
		c->incoming_timeout_ms = (c2 & 0xc) == 4 ? 3000 : 0;
		c->refer_expires_ms = (c2 & 0x30) == 0x10 ? 5000 : 0;
		c->txl.t1_ms = c2 & 0x40 ? 100 : 0;
		c->txl.max_transactions = c3 & 0x80 ? 1 + (c3 & 31) : 0;
		if (esip_ua_new(c, &cb, n, &w->wheel, &w->rnd, &n->ua) < 0)
			abort();
	}
}

static void teardown(fz_world *w)
{
	size_t i;

	/* every lookup fails, the clock runs out: only established calls
	 * may be left */
	while (w->n_lookups) {
		fz_lookup l = w->lookups[--w->n_lookups];
		esip_ua_resolved(w->nodes[l.node].ua, l.id, ESIP_ERESOLVE, NULL, 0, w->now);
	}
	w->fail_sends = 0;
	advance(w, w->now + 48ull * 3600 * 1000);
	fz_check(w, true);
	w->freed = true;
	for (i = 0; i < FZ_NODES; i++) {
		esip_ua_free(w->nodes[i].ua);
		w->nodes[i].ua = NULL;
	}
	for (i = 0; i < w->n_calls; i++) {
		esip_call *c = w->calls[i].call;
		assert(esip_call_state_is_final(w->calls[i].state));
		if (!c)
			continue;
		assert(w->calls[i].held);
		assert(esip_call_state_is_final(esip_call_state_now(c)));
		assert(!esip_call_ua(c));
		esip_call_unref(c);
	}
	for (i = 0; i < w->n_app_reqs; i++)
		assert(w->answered[i] == 1);
	for (i = 0; i < FZ_CAPTURE; i++)
		free(w->cap[i].bytes);
	free(w->calls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_world *w = calloc(1, sizeof *w);
	fz_in s = {data, size};
	int steps = 0;

	if (!w)
		return 0;
	setup(w, &s);
	fz_check(w, false);
	while (s.n && steps++ < MAX_STEPS) {
		fz_reseed(w);
		step(w, &s);
		fz_check(w, false);
	}
	teardown(w);
	free(w);
	return 0;
}
