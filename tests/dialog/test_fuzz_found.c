/*
 * test_fuzz_found.c - defects of the UA core that the fuzz target
 * (fuzz/fuzz_ua.c) found, each replayed by hand on one core whose owner
 * can make its next sends fail:
 *
 *  - a call that fails on a transport error before answering its INVITE
 *    left the INVITE server transaction in Proceeding, where no timer
 *    ends it (RFC 6026 8.8): it now gets a 500 and ends;
 *  - the ACK and BYE for another fork's 2xx (RFC 3261 13.2.2.4) freed
 *    their shared data when the BYE ended inside its own start (its first
 *    send failed), then read it (heap use after free);
 *  - a REFER accepted whose referred call failed inside esip_ua_call_make
 *    (its INVITE could not be sent) left the subscription waiting for
 *    progress that never comes, until the expiry (RFC 3515 2.4.5): the
 *    final NOTIFY now goes at once and the dialog is back to established;
 *  - a REFER the application was asked about (refer_policy ASK) and never
 *    decided was answered 603 at its expiry, but the dialog had no row
 *    for the outcome and stayed in referred for good;
 *  - a call with Replaces whose INVITE timed out failed with status 0,
 *    not 408 (RFC 3261 8.1.3.1) as any other call;
 *  - the ACK of a call whose remote target is a host name waits for the
 *    lookup; when the call ended and was freed meanwhile, the lookup's
 *    result built the ACK from the freed call (heap use after free): the
 *    call's requests now all end with it;
 *  - a 2xx of another fork whose From had lost its tag was ACKed and ended
 *    with a BYE copying that From: requests without a From tag (RFC 3261
 *    8.1.1.3).  Such a 2xx names no dialog of ours and is now ignored;
 *  - a re-INVITE made its server transaction point at the call (its
 *    owner) though the call kept track of one INVITE transaction only:
 *    the first INVITE's (in Accepted until Timer L) or a re-INVITE
 *    refused with 500 still named a call that had ended and been freed
 *    when they ended (heap use after free).  The call now owns exactly
 *    the INVITE transaction it keeps (c->ist);
 *  - an application that hung up from the state report of a REFER
 *    (established -> referred) left the REFER without any response: its
 *    server transaction stayed in Trying for good.  It is now declined;
 *  - the same from the report of esip_ua_call_refer (established ->
 *    referring), when the call ended in there (its BYE failing at once):
 *    the subscription the call took along was then used (heap use after
 *    free).  The REFER is now not sent and the call returns ESIP_ESTATE;
 *    esip_ua_call_refer_accept / _reject likewise;
 *  - the same from the report of the acceptance of a REFER (refer_policy
 *    ACCEPT): the subscription, busy deciding when the call ended, was
 *    left out of the call with its expiry armed, which fired after the
 *    call was freed (heap use after free).  It now ends with the call.
 */
#include "testutil.h"

#include <esip/dialog.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP 32

typedef struct bare {
	esip_timerwheel wheel;
	esip_rand rnd;
	esip_ua *ua;
	uint64_t now;
	unsigned skip, fail; /* after `skip` good sends, `fail` sends fail */
	char sent[KEEP][4096];
	size_t n_sent;
	esip_call *calls[KEEP]; /* with a reference each */
	size_t n_calls;
	bool keep_calls;        /* take a reference on every call seen */
	esip_call *last;        /* the last call seen (no reference) */
	esip_call_state hangup_on; /* hang up from the report of this state */
	uint64_t lookup;        /* the last lookup started, 0 if none */
	uint64_t cancelled;     /* the last lookup cancelled */
} bare;

static int b_resolve(void *ud, const char *host, uint16_t port, esip_tp tp, uint64_t *id)
{
	bare *b = ud;

	*id = ++b->lookup;
	return 0;
}

static void b_resolve_cancel(void *ud, uint64_t id)
{
	bare *b = ud;

	b->cancelled = id;
}

static int b_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	bare *b = ud;

	if (b->skip) {
		b->skip--;
	} else if (b->fail) {
		b->fail--;
		return ESIP_ETRANSPORT;
	}
	if (len >= sizeof b->sent[0])
		len = sizeof b->sent[0] - 1;
	memcpy(b->sent[b->n_sent % KEEP], bytes, len);
	b->sent[b->n_sent++ % KEEP][len] = 0;
	return 0;
}

static int b_local(void *ud, esip_tp tp, const esip_addr *dst, esip_ua_local *out)
{
	snprintf(out->host, sizeof out->host, "127.0.0.1");
	out->port = 5070;
	out->listener = 1;
	return 0;
}

static void b_event(void *ud, const esip_ua_event *ev)
{
	bare *b = ud;
	size_t i;

	if (ev->call)
		b->last = ev->call;
	if (ev->kind == ESIP_UA_CALL_STATE && b->hangup_on && ev->state == b->hangup_on)
		ck_assert_int_eq(esip_ua_call_hangup(ev->call, b->now), 0);
	if (!ev->call || !b->keep_calls)
		return;
	for (i = 0; i < b->n_calls; i++)
		if (b->calls[i] == ev->call)
			return;
	ck_assert_uint_lt(b->n_calls, KEEP);
	esip_call_ref(ev->call);
	b->calls[b->n_calls++] = ev->call;
}

static void b_init_cfg(bare *b, const esip_ua_config *c);

static void b_init(bare *b, esip_policy refer_policy)
{
	esip_ua_config c;

	esip_ua_config_init(&c);
	c.user = "a";
	c.refer_policy = refer_policy;
	b_init_cfg(b, &c);
}

static void b_init_cfg(bare *b, const esip_ua_config *c)
{
	esip_ua_callbacks cb;

	memset(b, 0, sizeof *b);
	b->keep_calls = true;
	esip_timerwheel_init(&b->wheel, 0);
	esip_rand_init(&b->rnd);
	memset(&cb, 0, sizeof cb);
	cb.send = b_send;
	cb.local = b_local;
	cb.event = b_event;
	cb.resolve = b_resolve;
	cb.resolve_cancel = b_resolve_cancel;
	ck_assert_int_eq(esip_ua_new(c, &cb, b, &b->wheel, &b->rnd, &b->ua), 0);
}

static void b_deinit(bare *b)
{
	size_t i;

	esip_ua_free(b->ua);
	for (i = 0; i < b->n_calls; i++)
		esip_call_unref(b->calls[i]);
}

/* text (\n line ends sent as CRLF) from the peer at 127.0.0.1:5060 */
static void b_recv(bare *b, const char *text)
{
	char buf[4096];
	esip_hdr h[64];
	esip_msg m;
	esip_rx_info rx;
	size_t n = 0;
	const char *p;

	for (p = text; *p && n + 2 < sizeof buf; p++) {
		if (*p == '\n')
			buf[n++] = '\r';
		buf[n++] = *p;
	}
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, buf, n, ESIP_PARSE_DATAGRAM, NULL), 0);
	memset(&rx, 0, sizeof rx);
	rx.tp = ESIP_TP_UDP;
	esip_addr_from_ip(&rx.peer, ESIP_STR("127.0.0.1"), 5060);
	esip_addr_from_ip(&rx.local, ESIP_STR("127.0.0.1"), 5070);
	rx.listener = 1;
	esip_ua_recv(b->ua, &m, 1, &rx, b->now);
}

static void b_run(bare *b, uint64_t ms)
{
	uint64_t until = b->now + ms;

	while (esip_timerwheel_next_expiry(&b->wheel) <= until) {
		b->now = esip_timerwheel_next_expiry(&b->wheel);
		esip_timerwheel_run(&b->wheel, b->now);
	}
	b->now = until;
	esip_timerwheel_run(&b->wheel, b->now);
}

static uint32_t b_live_txns(const bare *b)
{
	esip_ua_stats st;
	uint32_t k, sum = 0;

	esip_ua_get_stats(b->ua, &st);
	for (k = 0; k < 5; k++)
		sum += st.txl.live[k];
	return sum;
}

static const char *b_last(const bare *b, const char *prefix)
{
	size_t i;

	for (i = b->n_sent; i > 0 && b->n_sent - i < KEEP; i--)
		if (!strncmp(b->sent[(i - 1) % KEEP], prefix, strlen(prefix)))
			return b->sent[(i - 1) % KEEP];
	return NULL;
}

/* the value of header name in msg, copied into out */
static const char *hdr(const char *msg, const char *name, char *out, size_t cap)
{
	const char *p = strstr(msg, name), *e;

	ck_assert_ptr_nonnull(p);
	p += strlen(name);
	e = strstr(p, "\r\n");
	snprintf(out, cap, "%.*s", (int)(e - p), p);
	return out;
}

/* What a peer answering our INVITE copies from it. */
typedef struct out_invite {
	char via[256], from[256], to[256], cid[128], cseq[64];
} out_invite;

/* A call to the peer at 127.0.0.1:5060; its INVITE's parts into o. */
static esip_call *b_call_peer(bare *b, out_invite *o)
{
	esip_call_params p;
	esip_call *c;
	const char *inv;

	memset(&p, 0, sizeof p);
	p.target = "sip:peer@127.0.0.1:5060";
	ck_assert_int_eq(esip_ua_call_make(b->ua, &p, b->now, &c), 0);
	inv = b_last(b, "INVITE");
	ck_assert_ptr_nonnull(inv);
	hdr(inv, "Via: ", o->via, sizeof o->via);
	hdr(inv, "From: ", o->from, sizeof o->from);
	hdr(inv, "To: ", o->to, sizeof o->to);
	hdr(inv, "Call-ID: ", o->cid, sizeof o->cid);
	hdr(inv, "CSeq: ", o->cseq, sizeof o->cseq);
	return c;
}

/* The peer answers our INVITE 200 with its tag and Contact (from: our
 * From as it comes back; NULL = as sent). */
static void b_answer_200(bare *b, const out_invite *o, const char *from, const char *tag,
			 const char *contact)
{
	char msg[2048];

	snprintf(msg, sizeof msg,
		 "SIP/2.0 200 OK\nVia: %s\nFrom: %s\nTo: %s;tag=%s\nCall-ID: %s\nCSeq: %s\n"
		 "Contact: <%s>\nContent-Length: 0\n\n",
		 o->via, from ? from : o->from, o->to, tag, o->cid, o->cseq, contact);
	b_recv(b, msg);
}

static const char INVITE[] = "INVITE sip:a@127.0.0.1:5070 SIP/2.0\n"
			     "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKinv1\n"
			     "Max-Forwards: 70\n"
			     "From: <sip:peer@127.0.0.1>;tag=pf1\n"
			     "To: <sip:a@127.0.0.1:5070>\n"
			     "Call-ID: fz1@peer\n"
			     "CSeq: 1 INVITE\n"
			     "Contact: <sip:peer@127.0.0.1:5060>\n"
			     "Content-Length: 0\n\n";

/* RFC 6026 8.8: the transaction stays in Proceeding after the transport
 * error; the call that gives up must still answer it. */
START_TEST(failed_before_answer_still_answers)
{
	bare b;
	esip_call *c;

	b_init(&b, ESIP_POLICY_ACCEPT);
	b_recv(&b, INVITE);
	ck_assert_uint_eq(b.n_calls, 1);
	c = b.calls[0];
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_INCOMING);
	b.fail = 1; /* the 180 cannot be sent */
	ck_assert_int_eq(esip_ua_call_ring(c, 180, NULL, 0, b.now), 0);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_FAILED);
	ck_assert_ptr_nonnull(b_last(&b, "SIP/2.0 500"));
	b_run(&b, 3600 * 1000);
	ck_assert_uint_eq(b_live_txns(&b), 0);
	b_deinit(&b);
}
END_TEST

/* 13.2.2.4: another fork's 2xx is ACKed and ended with BYE; both sends
 * fail, so both requests end inside their start. */
START_TEST(fork_2xx_ack_and_bye_fail_at_once)
{
	bare b;
	esip_call *c;
	out_invite o;
	int i;

	b_init(&b, ESIP_POLICY_ACCEPT);
	c = b_call_peer(&b, &o);
	for (i = 1; i <= 2; i++) {
		if (i == 2)
			b.fail = 2; /* the second fork's ACK and BYE */
		b_answer_200(&b, &o, NULL, i == 1 ? "fork1" : "fork2",
			     i == 1 ? "sip:peer1@127.0.0.1:5060" : "sip:peer2@127.0.0.1:5060");
		ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	}
	b_run(&b, 3600 * 1000);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	esip_call_unref(c);
	b_deinit(&b);
}
END_TEST

/* RFC 3515 2.4.5: the referred call failed before esip_ua_call_make
 * returned; its failure is reported at once. */
/* The peer's INVITE accepted and ACKed; our tag into ttag. */
static esip_call *b_established(bare *b, char *ttag, size_t cap)
{
	char msg[2048];
	const char *ok;
	esip_call *c;

	b_recv(b, INVITE);
	c = b->last;
	ck_assert_int_eq(esip_ua_call_accept(c, NULL, 0, b->now), 0);
	ok = b_last(b, "SIP/2.0 200");
	ck_assert_ptr_nonnull(ok);
	snprintf(ttag, cap, "%s", strstr(strstr(ok, "\r\nTo: "), ";tag=") + 5);
	ttag[strcspn(ttag, "\r;")] = 0;
	snprintf(msg, sizeof msg,
		 "ACK sip:a@127.0.0.1:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKack1\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=pf1\n"
		 "To: <sip:a@127.0.0.1:5070>;tag=%s\nCall-ID: fz1@peer\nCSeq: 1 ACK\n"
		 "Content-Length: 0\n\n",
		 ttag);
	b_recv(b, msg);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	return c;
}

static void b_refer(bare *b, const char *ttag)
{
	char msg[2048];

	snprintf(msg, sizeof msg,
		 "REFER sip:a@127.0.0.1:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKref1\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=pf1\n"
		 "To: <sip:a@127.0.0.1:5070>;tag=%s\nCall-ID: fz1@peer\nCSeq: 2 REFER\n"
		 "Contact: <sip:peer@127.0.0.1:5060>\nRefer-To: <sip:carol@127.0.0.1:5090>\n"
		 "Content-Length: 0\n\n",
		 ttag);
	b_recv(b, msg);
}

START_TEST(referred_call_failing_at_once)
{
	bare b;
	esip_call *c;
	char ttag[64];
	const char *notify;

	b_init(&b, ESIP_POLICY_ACCEPT);
	c = b_established(&b, ttag, sizeof ttag);
	/* the 202 and the NOTIFY 100 go; the referred INVITE does not */
	b.skip = 2;
	b.fail = 1;
	b_refer(&b, ttag);
	ck_assert_ptr_nonnull(b_last(&b, "SIP/2.0 202"));
	notify = b_last(&b, "NOTIFY");
	ck_assert_ptr_nonnull(notify);
	ck_assert_ptr_nonnull(strstr(notify, "Subscription-State: terminated"));
	ck_assert_ptr_nonnull(strstr(notify, "SIP/2.0 503"));
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	b_deinit(&b);
}
END_TEST

/* RFC 3515 2.4.2: an undecided REFER is declined at its expiry; the
 * dialog is back to established (and can take another). */
START_TEST(undecided_refer_expires)
{
	bare b;
	esip_call *c;
	char ttag[64];

	b_init(&b, ESIP_POLICY_ASK);
	c = b_established(&b, ttag, sizeof ttag);
	b_refer(&b, ttag);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_REFERRED);
	b_run(&b, 180 * 1000 + 1);
	ck_assert_ptr_nonnull(b_last(&b, "SIP/2.0 603"));
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	ck_assert_int_eq(esip_ua_call_refer_accept(c, b.now), ESIP_ESTATE);
	b_deinit(&b);
}
END_TEST

/* 8.1.3.1: a timeout is a 408, for a call with Replaces too. */
START_TEST(replacing_call_timeout_is_408)
{
	bare b;
	esip_call_params p;
	esip_replaces_params r;
	esip_call *c;

	b_init(&b, ESIP_POLICY_ACCEPT);
	memset(&p, 0, sizeof p);
	p.target = "sip:peer@127.0.0.1:5060";
	memset(&r, 0, sizeof r);
	r.call_id = "old@peer";
	r.to_tag = "t1";
	r.from_tag = "f1";
	ck_assert_int_eq(esip_ua_call_make_replacing(b.ua, &p, &r, b.now, &c), 0);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_REPLACING);
	b_run(&b, 3600 * 1000);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_FAILED);
	ck_assert_uint_eq(esip_ua_call_status(c), 408);
	esip_call_unref(c);
	b_deinit(&b);
}
END_TEST

/* A call nobody holds ends while its ACK waits for a lookup. */
START_TEST(ack_lookup_outlives_call)
{
	bare b;
	esip_call *c;
	esip_addr a;
	out_invite o;
	char msg[2048];
	size_t sent;

	b_init(&b, ESIP_POLICY_ACCEPT);
	b.keep_calls = false;
	c = b_call_peer(&b, &o);
	b_answer_200(&b, &o, NULL, "p1", "sip:peer@peer.example");
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	ck_assert_uint_eq(b.lookup, 1); /* the ACK waits for peer.example */
	esip_call_unref(c);             /* the core's reference is the last */
	snprintf(msg, sizeof msg,
		 "BYE sip:a@127.0.0.1:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKbye1\n"
		 "Max-Forwards: 70\nFrom: %s;tag=p1\nTo: %s\nCall-ID: %s\nCSeq: 1 BYE\n"
		 "Content-Length: 0\n\n",
		 o.to, o.from, o.cid);
	b_recv(&b, msg);
	ck_assert_ptr_nonnull(b_last(&b, "SIP/2.0 200"));
	ck_assert_uint_eq(esip_ua_live_calls(b.ua), 0);
	/* the ACK ended with its call: its lookup is cancelled; a result
	 * that comes anyway finds nothing */
	ck_assert_uint_eq(b.cancelled, 1);
	sent = b.n_sent;
	esip_addr_from_ip(&a, ESIP_STR("127.0.0.1"), 5060);
	esip_ua_resolved(b.ua, 1, 0, &a, 1, b.now);
	ck_assert_uint_eq(b.n_sent, sent);
	b_deinit(&b);
}
END_TEST

/* 13.2.2.4 / 8.1.1.3: no request of ours goes without our From tag. */
START_TEST(fork_2xx_without_from_tag)
{
	bare b;
	esip_call *c;
	out_invite o;
	char from[256];
	size_t sent;

	b_init(&b, ESIP_POLICY_ACCEPT);
	c = b_call_peer(&b, &o);
	b_answer_200(&b, &o, NULL, "fork1", "sip:peer@127.0.0.1:5060");
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	/* the same From without its tag parameter */
	snprintf(from, sizeof from, "%s", o.from);
	*strstr(from, ";tag=") = 0;
	sent = b.n_sent;
	b_answer_200(&b, &o, from, "fork2", "sip:peer@127.0.0.1:5060");
	ck_assert_uint_eq(b.n_sent, sent); /* no ACK, no BYE */
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_ESTABLISHED);
	esip_call_unref(c);
	b_deinit(&b);
}
END_TEST

/* RFC 6026 7.1: the first INVITE's transaction lives on in Accepted
 * (Timer L) after a re-INVITE and the BYE ended a call nobody holds. */
START_TEST(reinvite_then_bye_unheld_call)
{
	bare b;
	char ttag[64], msg[2048];
	esip_call *c;

	b_init(&b, ESIP_POLICY_ACCEPT);
	b.keep_calls = false;
	b_recv(&b, INVITE);
	c = b.last;
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(esip_ua_call_accept(c, NULL, 0, b.now), 0);
	snprintf(ttag, sizeof ttag, "%s",
		 strstr(strstr(b_last(&b, "SIP/2.0 200"), "\r\nTo: "), ";tag=") + 5);
	ttag[strcspn(ttag, "\r;")] = 0;
	/* a re-INVITE before the first INVITE's ACK, and the BYE */
	snprintf(msg, sizeof msg,
		 "INVITE sip:a@127.0.0.1:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKre1\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=pf1\n"
		 "To: <sip:a@127.0.0.1:5070>;tag=%s\nCall-ID: fz1@peer\nCSeq: 2 INVITE\n"
		 "Contact: <sip:peer@127.0.0.1:5060>\nContent-Length: 0\n\n",
		 ttag);
	b_recv(&b, msg);
	ck_assert_ptr_nonnull(b_last(&b, "SIP/2.0 200"));
	snprintf(msg, sizeof msg,
		 "BYE sip:a@127.0.0.1:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKbye2\n"
		 "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=pf1\n"
		 "To: <sip:a@127.0.0.1:5070>;tag=%s\nCall-ID: fz1@peer\nCSeq: 3 BYE\n"
		 "Content-Length: 0\n\n",
		 ttag);
	b_recv(&b, msg);
	ck_assert_uint_eq(esip_ua_live_calls(b.ua), 0); /* ended and freed */
	/* Timer L ends both INVITE transactions: nothing names the call */
	b_run(&b, 3600 * 1000);
	ck_assert_uint_eq(b_live_txns(&b), 0);
	b_deinit(&b);
}
END_TEST

/* The application may call the core from its callbacks: a REFER whose
 * report makes it hang up is still answered (RFC 3515 2.4.2). */
START_TEST(hangup_from_refer_report)
{
	bare b;
	esip_call *c;
	char ttag[64];

	b_init(&b, ESIP_POLICY_ASK);
	c = b_established(&b, ttag, sizeof ttag);
	b.hangup_on = ESIP_CALL_REFERRED;
	b_refer(&b, ttag);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_TERMINATING);
	ck_assert_ptr_nonnull(b_last(&b, "SIP/2.0 603"));
	b_run(&b, 3600 * 1000);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_TERMINATED);
	ck_assert_uint_eq(b_live_txns(&b), 0);
	b_deinit(&b);
}
END_TEST

START_TEST(hangup_from_referring_report)
{
	bare b;
	esip_call *c;
	char ttag[64];

	b_init(&b, ESIP_POLICY_ACCEPT);
	c = b_established(&b, ttag, sizeof ttag);
	b.hangup_on = ESIP_CALL_REFERRING;
	b.fail = 1; /* the BYE: the call ends inside */
	ck_assert_int_eq(esip_ua_call_refer(c, "sip:carol@127.0.0.1:5090", NULL, NULL, b.now),
			 ESIP_ESTATE);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_TERMINATED);
	ck_assert_ptr_null(b_last(&b, "REFER"));
	b_deinit(&b);
}
END_TEST

START_TEST(hangup_from_refer_accepted_report)
{
	bare b;
	char ttag[64];

	b_init(&b, ESIP_POLICY_ACCEPT);
	b.keep_calls = false;
	b_established(&b, ttag, sizeof ttag);
	b.hangup_on = ESIP_CALL_REFER_PENDING;
	b.fail = 1; /* the BYE: the call ends inside, nobody holds it */
	b_refer(&b, ttag);
	ck_assert_uint_eq(esip_ua_live_calls(b.ua), 0);
	ck_assert_ptr_nonnull(b_last(&b, "SIP/2.0 603"));
	b_run(&b, 3600 * 1000); /* past the expiry */
	ck_assert_uint_eq(b_live_txns(&b), 0);
	b_deinit(&b);
}
END_TEST

Suite *fuzz_found_suite(void)
{
	Suite *s = suite_create("dialog-fuzz-found");
	TCase *t = tcase_create("fuzz-found");

	tcase_add_test(t, failed_before_answer_still_answers);
	tcase_add_test(t, fork_2xx_ack_and_bye_fail_at_once);
	tcase_add_test(t, referred_call_failing_at_once);
	tcase_add_test(t, undecided_refer_expires);
	tcase_add_test(t, replacing_call_timeout_is_408);
	tcase_add_test(t, ack_lookup_outlives_call);
	tcase_add_test(t, fork_2xx_without_from_tag);
	tcase_add_test(t, reinvite_then_bye_unheld_call);
	tcase_add_test(t, hangup_from_refer_report);
	tcase_add_test(t, hangup_from_referring_report);
	tcase_add_test(t, hangup_from_refer_accepted_report);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	Suite *s[] = {fuzz_found_suite()};

	return test_run(s, 1);
}
