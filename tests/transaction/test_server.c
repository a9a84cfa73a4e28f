/*
 * test_server.c - the server transactions (RFC 3261 17.2.1, 17.2.2, RFC
 * 6026 7.1) and request matching (17.2.3): 100 Trying, Timer G / H / I /
 * J / L, ACK handling, absorbed retransmissions, responses built later
 * from the kept skeleton with the Via stamp of 18.2.1 / RFC 3581, RFC
 * 2543 matching, the 503 over the limit, transport errors.
 *
 * Requests are injected as real bytes from a peer address; what the
 * server sends is seen in simnet's log (to the node-less peer address).
 */
#include "txtest.h"
#include "txn_int.h" /* esip__txl_check */

#include <stdio.h>
#include <string.h>

#define BOB 5070

static simnet *net;
static txnode bob;
static esip_addr peer; /* the client: a node-less address */
static int peer_node;
static char last_rx[32768];
static size_t last_rx_len;
static size_t rx_count;
/* the To tag of every response the peer got ("" = none) */
#define MAX_TAGS 32
static char rx_tags[MAX_TAGS][400];
static uint16_t rx_status[MAX_TAGS];
static char rx_method[MAX_TAGS][16];

static void peer_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		      uint64_t now)
{
	esip_hdr h[64];
	esip_msg m;

	memcpy(last_rx, bytes, len < sizeof last_rx ? len : sizeof last_rx);
	last_rx_len = len;
	esip_msg_init(&m, h, 64);
	if (rx_count < MAX_TAGS && esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) > 0) {
		snprintf(rx_tags[rx_count], sizeof rx_tags[0], "%.*s", ESIP_STR_FMT(m.to.tag));
		rx_status[rx_count] = m.status;
		snprintf(rx_method[rx_count], sizeof rx_method[0], "%.*s",
			 ESIP_STR_FMT(m.cseq_method));
	}
	rx_count++;
}

static void setup(void)
{
	simnet_node_ops ops = {peer_recv, NULL, NULL, NULL};

	net = simnet_new(7);
	txt_node_init(&bob, net, "bob", BOB, NULL);
	esip_addr_from_ip(&peer, ESIP_STR("127.0.0.1"), 5060);
	peer_node = simnet_node_add(net, "peer", &peer, &ops, NULL);
	rx_count = 0;
	last_rx_len = 0;
}

static void teardown(void)
{
	txt_node_deinit(&bob);
	simnet_free(net);
}

static size_t make(char *out, size_t cap, const char *method, const char *branch,
		   const char *to_tag, const char *via_extra)
{
	int n = snprintf(out, cap,
			 "%s sip:bob@127.0.0.1:5070 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:5060%s%s%s\r\n"
			 "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy\r\n"
			 "Record-Route: <sip:rr.example.com;lr>\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: Alice <sip:alice@example.com>;tag=a1\r\n"
			 "To: Bob <sip:bob@example.com>%s%s\r\n"
			 "Call-ID: srv-call\r\n"
			 "CSeq: 7 %s\r\n"
			 "Timestamp: 54\r\n"
			 "Content-Length: 0\r\n\r\n",
			 method, branch ? ";branch=" : "", branch ? branch : "",
			 via_extra ? via_extra : "", to_tag ? ";tag=" : "", to_tag ? to_tag : "",
			 !strcmp(method, "ACK") ? "ACK" : method);
	ck_assert(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static int inject(const char *method, const char *branch, const char *to_tag)
{
	char req[2048];
	size_t len = make(req, sizeof req, method, branch, to_tag, NULL);

	return txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0);
}

static size_t sent(const char *prefix) { return simnet_count_sent(net, bob.id, SIMNET_ANY, prefix); }

static void assert_times(const char *prefix, const uint64_t *want, size_t n)
{
	uint64_t got[64];
	size_t k = simnet_log_times(net, bob.id, SIMNET_ANY, prefix, got, 64), i;

	if (k != n)
		simnet_log_dump(net, stderr);
	ck_assert_uint_eq(k, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "#%zu at %llu, want %llu", i,
			      (unsigned long long)got[i], (unsigned long long)want[i]);
}

static esip_txl_stats stats(void)
{
	esip_txl_stats st;
	esip_txl_get_stats(bob.txl, &st);
	return st;
}

START_TEST(trying_after_200ms)
{
	/* 17.2.1: no TU answer within 200 ms: 100 Trying */
	ck_assert_int_eq(inject("INVITE", "z9hG4bKi1", NULL), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 1);
	simnet_run_until(net, 199);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 0);
	simnet_run_until(net, 200);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 1);
}
END_TEST

START_TEST(trying_resent_without_being_kept)
{
	/* the layer's 100 answers INVITE retransmissions too (17.2.1: the
	 * most recent provisional response); it is built again from the
	 * skeleton, not kept beside it */
	esip_txl_stats st;
	uint64_t held;

	ck_assert_int_eq(inject("INVITE", "z9hG4bKi1k", NULL), 0);
	esip_txl_get_stats(bob.txl, &st);
	held = st.bytes_live;
	simnet_run_until(net, 200);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 1);
	esip_txl_get_stats(bob.txl, &st);
	ck_assert_uint_eq(st.bytes_live, held);
	ck_assert_int_eq(inject("INVITE", "z9hG4bKi1k", NULL), 0);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 2);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 1);
}
END_TEST

START_TEST(no_trying_when_tu_answers)
{
	bob.answer_invite = 180;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKi2", NULL), 0);
	simnet_run_until(net, 1000);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 0);
	ck_assert_uint_eq(sent("SIP/2.0 180"), 1);
}
END_TEST

START_TEST(invite_retransmission_gets_last_provisional)
{
	bob.answer_invite = 180;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKi3", NULL), 0);
	ck_assert_int_eq(inject("INVITE", "z9hG4bKi3", NULL), 0);
	ck_assert_int_eq(inject("INVITE", "z9hG4bKi3", NULL), 0);
	simnet_run_until(net, 1);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 1);
	ck_assert_uint_eq(sent("SIP/2.0 180"), 3);
	ck_assert_uint_eq(stats().absorbed, 2);
	ck_assert_uint_eq(stats().created[ESIP_TXN_IST], 1);
}
END_TEST

START_TEST(timer_g_and_h)
{
	/* 17.2.1: 486 retransmitted at T1, then doubling to T2; Timer H at
	 * 64*T1 gives up (no ACK) */
	static const uint64_t want[] = {0,     500,   1500,  3500,  7500, 11500,
					15500, 19500, 23500, 27500, 31500};
	const txt_event *e;

	bob.answer_invite = 486;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKg1", NULL), 0);
	simnet_run(net, 100000);
	assert_times("SIP/2.0 486", want, 11);
	e = txt_find(&bob, ESIP_TXE_TIMEOUT, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->now, 32000);
	ck_assert_uint_eq(txt_live(&bob), 0);
}
END_TEST

START_TEST(ack_confirms_then_timer_i)
{
	const txt_event *e;

	bob.answer_invite = 486;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKg2", NULL), 0);
	simnet_run_until(net, 600); /* one retransmission at 500 */
	ck_assert_uint_eq(sent("SIP/2.0 486"), 2);
	/* the ACK for the non-2xx has the INVITE's branch (17.1.1.3) */
	ck_assert_int_eq(inject("ACK", "z9hG4bKg2", "x"), 0);
	ck_assert_int_eq(inject("ACK", "z9hG4bKg2", "x"), 0); /* absorbed */
	simnet_run_until(net, 5599);
	ck_assert_uint_eq(sent("SIP/2.0 486"), 2); /* G stopped */
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_ACK_2XX), 0);
	ck_assert_uint_eq(txt_live(&bob), 1);
	simnet_run_until(net, 5600);
	/* Timer I = T4 = 5 s after the ACK */
	ck_assert_uint_eq(txt_live(&bob), 0);
	e = txt_find(&bob, ESIP_TXE_TERMINATED, 0);
	ck_assert_uint_eq(e->now, 5600);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_TIMEOUT), 0);
}
END_TEST

START_TEST(accepted_state_rfc6026)
{
	/* 2xx: Accepted; INVITE retransmissions absorbed (not to the TU,
	 * no 2xx resent by the transaction); an ACK with the same branch
	 * goes to the TU; Timer L ends it */
	bob.answer_invite = 200;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKacc", NULL), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 1);
	ck_assert_int_eq(inject("INVITE", "z9hG4bKacc", NULL), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 1);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 1);
	ck_assert_int_eq(inject("ACK", "z9hG4bKacc", "x"), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_ACK_2XX), 1);
	ck_assert_ptr_nonnull(txt_find(&bob, ESIP_TXE_ACK_2XX, 0)->txn);
	simnet_run_until(net, 31999);
	ck_assert_uint_eq(txt_live(&bob), 1);
	simnet_run_until(net, 32000);
	ck_assert_uint_eq(txt_live(&bob), 0);
}
END_TEST

START_TEST(tu_retransmits_2xx_in_accepted)
{
	/* RFC 6026 7.1: the TU's 2xx retransmissions pass through (from the
	 * saved 2xx when it answered inside the request's event, and from
	 * the skeleton when it answered later) */
	esip_response_spec spec;
	esip_txn *t;

	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	bob.answer_invite = 200;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKr1", NULL), 0);
	t = bob.last_server;
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(esip_txn_respond(t, &spec, simnet_now(net)), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 2);
	/* a 3xx-6xx now is refused */
	spec.status = 486;
	ck_assert_int_eq(esip_txn_respond(t, &spec, simnet_now(net)), ESIP_ESTATE);
	spec.status = 180;
	ck_assert_int_eq(esip_txn_respond(t, &spec, simnet_now(net)), ESIP_ESTATE);

	bob.answer_invite = 0;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKr2", NULL), 0);
	t = bob.last_server;
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(t, &spec, simnet_now(net)), 0);
	ck_assert_int_eq(esip_txn_respond(t, &spec, simnet_now(net)), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 4);
}
END_TEST

/* RFC 6026 7.1: once the TU has the ACK it sends no 2xx again, so
 * esip_txn_confirm() drops the copy; the transaction still absorbs INVITE
 * retransmissions (answering none) and Timer L still ends it.  It keeps
 * its To tag: a CANCEL that arrives late still gets the INVITE's (9.2). */
START_TEST(confirm_drops_the_2xx)
{
	esip_response_spec spec;
	esip_hdr h[64];
	esip_msg m;
	esip_txn *t;
	uint64_t before;
	char tag[64];

	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKc1", NULL), 0); /* answered later */
	t = bob.last_server;
	ck_assert_int_eq(esip_txn_respond(t, &spec, simnet_now(net)), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 1);
	simnet_run_until(net, 1);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	snprintf(tag, sizeof tag, "%.*s", ESIP_STR_FMT(m.to.tag));
	ck_assert_uint_gt(strlen(tag), 0);
	before = stats().bytes_live;
	esip_txn_confirm(t);
	ck_assert_uint_lt(stats().bytes_live + 100, before); /* the 2xx is gone */
	ck_assert_int_eq(esip__txl_check(bob.txl), 0);
	ck_assert_int_eq(esip_txn_respond(t, &spec, simnet_now(net)), ESIP_ESTATE);
	ck_assert_int_eq(inject("INVITE", "z9hG4bKc1", NULL), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 1);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 1);
	esip_txn_confirm(t); /* again: nothing more to drop */
	ck_assert_int_eq(esip__txl_check(bob.txl), 0);
	/* 9.2: a late CANCEL's 200 carries the INVITE's To tag */
	ck_assert_int_eq(inject("CANCEL", "z9hG4bKc1", NULL), 0);
	simnet_run_until(net, 2);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert(esip_str_eq_cstr(m.cseq_method, "CANCEL"));
	ck_assert(esip_str_eq_cstr(m.to.tag, tag));
	ck_assert_int_eq(esip__txl_check(bob.txl), 0);
	simnet_run_until(net, 31999);
	ck_assert_uint_eq(txt_live(&bob), 2);
	simnet_run_until(net, 32000); /* Timer L of the INVITE */
	ck_assert_uint_eq(txt_live(&bob), 1);
	simnet_run_until(net, 32002); /* Timer J of the CANCEL */
	ck_assert_uint_eq(txt_live(&bob), 0);
	/* a transaction that sent no 2xx is left alone */
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKc2", NULL), 0);
	t = bob.last_server;
	before = stats().bytes_live;
	esip_txn_confirm(t);
	ck_assert_uint_eq(stats().bytes_live, before);
}
END_TEST

START_TEST(ack_for_2xx_is_not_a_transaction)
{
	/* an ACK with a new branch (the 2xx ACK of 13.2.2.4) goes to the
	 * owner with no transaction */
	ck_assert_int_eq(inject("ACK", "z9hG4bKfresh", "x"), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_ACK_2XX), 1);
	ck_assert_ptr_null(txt_find(&bob, ESIP_TXE_ACK_2XX, 0)->txn);
	ck_assert_uint_eq(txt_live(&bob), 0);
	ck_assert_uint_eq(stats().ack_2xx, 1);
	ck_assert_uint_eq(simnet_log_count(net), 0); /* never answered */
}
END_TEST

START_TEST(late_response_from_skeleton)
{
	/* the TU answers 1 s later: the response is built from the kept
	 * skeleton - both Vias in order, received/rport stamped, From, To
	 * with a tag, Call-ID, CSeq, Record-Route (2xx to INVITE), Timestamp
	 * only in 100 */
	char req[2048];
	size_t len = make(req, sizeof req, "INVITE", "z9hG4bKlate", NULL, ";rport");
	esip_response_spec spec;
	esip_hdr h[64];
	esip_msg m;
	esip_list_iter it;
	esip_via v;
	esip_addr from;

	/* arrives from another source port than the Via says */
	esip_addr_from_ip(&from, ESIP_STR("127.0.0.1"), 5060);
	ck_assert_int_eq(txt_inject(&bob, req, len, &from, ESIP_TP_UDP, 0), 0);
	simnet_run_until(net, 1000);
	/* the 100 Trying at 200 ms was built from the skeleton too */
	ck_assert_uint_eq(rx_count, 1);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 100);
	ck_assert_ptr_nonnull(esip_msg_hdr(&m, ESIP_HDR_TIMESTAMP));
	ck_assert_ptr_null(m.to.tag.p); /* 8.2.6.2: no tag in a 100 */

	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	simnet_run_until(net, 1001);
	ck_assert_uint_eq(rx_count, 2);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 200);
	ck_assert_uint_eq(m.via_count, 2);
	esip_list_iter_init(&it, &m, ESIP_HDR_VIA);
	ck_assert_int_eq(esip_via_next(&it, &v), 1);
	ck_assert(esip_str_eq_cstr(v.branch, "z9hG4bKlate"));
	ck_assert(esip_str_eq_cstr(v.rport, "5060"));
	ck_assert_int_eq(esip_via_next(&it, &v), 1);
	ck_assert(esip_str_eq_cstr(v.branch, "z9hG4bKproxy"));
	ck_assert(esip_str_eq_cstr(m.from.tag, "a1"));
	ck_assert_ptr_nonnull(m.to.tag.p);
	ck_assert_uint_gt(m.to.tag.len, 0);
	ck_assert(esip_str_eq_cstr(m.call_id, "srv-call"));
	ck_assert_uint_eq(m.cseq, 7);
	ck_assert(esip_str_eq_cstr(m.cseq_method, "INVITE"));
	ck_assert_ptr_nonnull(esip_msg_hdr(&m, ESIP_HDR_RECORD_ROUTE));
	ck_assert_ptr_null(esip_msg_hdr(&m, ESIP_HDR_TIMESTAMP));
}
END_TEST

START_TEST(same_to_tag_for_every_response)
{
	esip_response_spec spec;
	esip_hdr h[64];
	esip_msg m;
	char tag1[64];

	ck_assert_int_eq(inject("INVITE", "z9hG4bKtags", NULL), 0);
	memset(&spec, 0, sizeof spec);
	spec.status = 180;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), 0);
	simnet_run_until(net, 1);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	snprintf(tag1, sizeof tag1, "%.*s", ESIP_STR_FMT(m.to.tag));
	ck_assert_uint_gt(strlen(tag1), 0);
	spec.status = 486;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), 0);
	simnet_run_until(net, 2);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 486);
	ck_assert(esip_str_eq_cstr(m.to.tag, tag1));
}
END_TEST

START_TEST(nist_trying_absorbs_then_completed_resends)
{
	/* 17.2.2: Trying discards retransmissions; Completed answers them
	 * with the final response; Timer J = 64*T1 */
	esip_response_spec spec;
	const txt_event *e;

	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKn1", NULL), 0);
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKn1", NULL), 0);
	ck_assert_uint_eq(simnet_log_count(net), 0);
	ck_assert_uint_eq(stats().absorbed, 1);
	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), 0);
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), ESIP_ESTATE);
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKn1", NULL), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 2);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 1);
	simnet_run(net, 100000);
	e = txt_find(&bob, ESIP_TXE_TERMINATED, 0);
	ck_assert_uint_eq(e->now, 32000);
}
END_TEST

START_TEST(nist_provisional_then_final)
{
	esip_response_spec spec;

	ck_assert_int_eq(inject("REGISTER", "z9hG4bKn2", NULL), 0);
	memset(&spec, 0, sizeof spec);
	spec.status = 100;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), 0);
	ck_assert_int_eq(inject("REGISTER", "z9hG4bKn2", NULL), 0);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 2); /* Proceeding resends */
	spec.status = 500;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), 0);
	spec.status = 100;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), ESIP_ESTATE);
	ck_assert_uint_eq(sent("SIP/2.0 500"), 1);
}
END_TEST

START_TEST(nist_over_tcp_timer_j_zero)
{
	char req[2048];
	size_t len = make(req, sizeof req, "OPTIONS", "z9hG4bKtcp", NULL, NULL);

	/* 17.2.2: over a reliable transport Timer J is zero: the NIST ends
	 * as soon as its final response is sent */
	bob.answer = 200;
	memcpy(strstr(req, "UDP"), "TCP", 3);
	ck_assert_int_eq(txt_inject(&bob, req, len, &bob.addr, ESIP_TP_TCP, 0), 0);
	ck_assert_uint_eq(txt_live(&bob), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_TERMINATED), 1);
}
END_TEST

START_TEST(transport_error_keeps_state)
{
	/* RFC 6026 7.1: an IST that fails to send stays in its state */
	bob.fail_sends = 1;
	bob.answer_invite = 180;
	ck_assert_int_eq(inject("INVITE", "z9hG4bKte", NULL), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_TRANSPORT_ERROR), 1);
	ck_assert_uint_eq(txt_live(&bob), 1);
	ck_assert_str_eq(esip_txn_state_name(bob.last_server), "Proceeding");
}
END_TEST

START_TEST(sent_by_and_method_are_part_of_the_key)
{
	/* 17.2.3: same branch, other sent-by: another transaction; same
	 * branch, other method: another transaction */
	char req[2048];
	size_t len;

	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKdup", NULL), 0);
	len = make(req, sizeof req, "OPTIONS", "z9hG4bKdup", NULL, NULL);
	memcpy(strstr(req, "127.0.0.1:5060"), "127.0.0.2:5060", 14);
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0), 0);
	ck_assert_int_eq(inject("INFO", "z9hG4bKdup", NULL), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 3);
	ck_assert_uint_eq(txt_live(&bob), 3);
}
END_TEST

START_TEST(rfc2543_matching)
{
	/* no magic cookie: matched on Request-URI, tags, Call-ID, CSeq and
	 * top Via (17.2.3); the ACK by the To tag of the response */
	esip_response_spec spec;
	char tag[64];
	char req[2048];
	size_t len;

	ck_assert_int_eq(inject("INVITE", NULL, NULL), 0);
	ck_assert_int_eq(inject("INVITE", NULL, NULL), 0); /* retransmission */
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 1);
	ck_assert_int_eq(inject("INVITE", "old-style-1", NULL), 0); /* other Via */
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 2);
	/* answer the first with 486 and a known tag */
	memset(&spec, 0, sizeof spec);
	spec.status = 486;
	spec.to_tag = ESIP_STR("t2543");
	ck_assert_int_eq(esip_txn_respond(bob.events[0].txn, &spec, 0), 0);
	snprintf(tag, sizeof tag, "t2543");
	/* an ACK with the wrong To tag matches nothing (a 2xx ACK to the
	 * owner); with the right one it confirms the transaction */
	ck_assert_int_eq(inject("ACK", NULL, "wrong"), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_ACK_2XX), 1);
	ck_assert_int_eq(inject("ACK", NULL, tag), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_ACK_2XX), 1);
	ck_assert_str_eq(esip_txn_state_name(bob.events[0].txn), "Confirmed");
	/* a different Request-URI (by URI rules) is another transaction */
	len = make(req, sizeof req, "INVITE", NULL, NULL, NULL);
	memcpy(strstr(req, "sip:bob@"), "sip:BOB@", 8); /* user part is case-sensitive */
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 3);
}
END_TEST

START_TEST(over_limit_503)
{
	esip_txl_config c;
	txnode carol;
	char req[2048];
	size_t len;
	int i;

	esip_txl_config_init(&c);
	c.max_transactions = 2;
	c.retry_after_s = 9;
	txt_node_init(&carol, net, "carol", 5080, &c);
	for (i = 0; i < 3; i++) {
		char br[32];
		snprintf(br, sizeof br, "z9hG4bKover%d", i);
		len = make(req, sizeof req, "OPTIONS", br, NULL, NULL);
		ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0),
				 i < 2 ? 0 : ESIP_ELIMIT);
	}
	ck_assert_uint_eq(txt_count(&carol, ESIP_TXE_REQUEST), 2);
	simnet_run_until(net, 1);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "SIP/2.0 503"), 1);
	ck_assert_ptr_nonnull(strstr(last_rx, "Retry-After: 9\r\n"));
	/* an ACK over the limit is never answered */
	len = make(req, sizeof req, "ACK", "z9hG4bKoverack", "x", NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	simnet_run_until(net, 2);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "SIP/2.0 503"), 1);
	txt_node_deinit(&carol);
}
END_TEST

/* cleanup_slot_ms: the end of an absorbing state (here Timer J of a NIST
 * and Timer L of an IST, 64*T1, from the queue of such ends, lifeq.c)
 * comes at the next multiple of the slot, so that many transactions
 * answered in different milliseconds end at once; retransmissions and
 * timeouts keep their times (Timer G of a 486 still doubles from T1, its
 * Timer H, in the timeouts' queue, is exact). */
START_TEST(cleanup_timers_in_slots)
{
	static const uint64_t g[] = {10, 510, 1510}; /* the 486 and two Timer G */
	esip_txl_config c;
	esip_response_spec spec;
	txnode carol;
	char req[2048];
	uint64_t got[8];
	size_t len;

	esip_txl_config_init(&c);
	c.cleanup_slot_ms = 64;
	txt_node_init(&carol, net, "carol", 5080, &c);
	simnet_run_until(net, 10);
	len = make(req, sizeof req, "OPTIONS", "z9hG4bKslot1", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	len = make(req, sizeof req, "INVITE", "z9hG4bKslot2", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	len = make(req, sizeof req, "INVITE", "z9hG4bKslot3", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(txt_find(&carol, ESIP_TXE_REQUEST, 0)->txn, &spec, 10), 0);
	ck_assert_int_eq(esip_txn_respond(txt_find(&carol, ESIP_TXE_REQUEST, 1)->txn, &spec, 10), 0);
	spec.status = 486;
	ck_assert_int_eq(esip_txn_respond(txt_find(&carol, ESIP_TXE_REQUEST, 2)->txn, &spec, 10), 0);
	/* two more OPTIONS, answered at 40 (in the same slot) and 70 (the next) */
	simnet_run_until(net, 40);
	len = make(req, sizeof req, "OPTIONS", "z9hG4bKslot4", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(txt_find(&carol, ESIP_TXE_REQUEST, 3)->txn, &spec, 40), 0);
	simnet_run_until(net, 70);
	len = make(req, sizeof req, "OPTIONS", "z9hG4bKslot5", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	ck_assert_int_eq(esip_txn_respond(txt_find(&carol, ESIP_TXE_REQUEST, 4)->txn, &spec, 70), 0);
	ck_assert_int_eq(esip__txl_check(carol.txl), 0);
	simnet_run_until(net, 1600);
	ck_assert_uint_eq(simnet_log_times(net, carol.id, SIMNET_ANY, "SIP/2.0 486", got, 8), 3);
	ck_assert_uint_eq(got[0], g[0]);
	ck_assert_uint_eq(got[1], g[1]);
	ck_assert_uint_eq(got[2], g[2]);
	/* Timer H (a timeout, no ACK) keeps its time: 10 + 64*T1 */
	simnet_run_until(net, 32010);
	ck_assert_uint_eq(txt_count(&carol, ESIP_TXE_TIMEOUT), 1);
	ck_assert_uint_eq(txt_find(&carol, ESIP_TXE_TIMEOUT, 0)->now, 32010);
	/* J and L were due at 32010, the second J at 32040: they end at
	 * 32064, together; the J due at 32070 at 32128 */
	simnet_run_until(net, 32063);
	ck_assert_uint_eq(txt_live(&carol), 4);
	simnet_run_until(net, 32064);
	ck_assert_uint_eq(txt_live(&carol), 1);
	ck_assert_uint_eq(txt_find(&carol, ESIP_TXE_TERMINATED, 1)->now, 32064);
	ck_assert_uint_eq(txt_find(&carol, ESIP_TXE_TERMINATED, 2)->now, 32064);
	ck_assert_uint_eq(txt_find(&carol, ESIP_TXE_TERMINATED, 3)->now, 32064);
	simnet_run_until(net, 32127);
	ck_assert_uint_eq(txt_live(&carol), 1);
	simnet_run_until(net, 32128);
	ck_assert_uint_eq(txt_live(&carol), 0);
	txt_node_deinit(&carol);
}
END_TEST

START_TEST(stateless_response)
{
	static const char bad[] = "OPTIONS sip:bob@h SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsl\r\n"
				  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: sl\r\n"
				  "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	esip_hdr h[32];
	esip_msg m;
	esip_rx_info rx;
	esip_response_spec spec;

	esip_msg_init(&m, h, 32);
	ck_assert_int_gt(esip_msg_parse(&m, bad, sizeof bad - 1, ESIP_PARSE_DATAGRAM, NULL), 0);
	memset(&rx, 0, sizeof rx);
	rx.tp = ESIP_TP_UDP;
	rx.peer = peer;
	rx.local = bob.addr;
	memset(&spec, 0, sizeof spec);
	spec.status = 400;
	ck_assert_int_eq(esip_txl_respond_stateless(bob.txl, &m, &rx, &spec), 0);
	simnet_run_until(net, 1);
	ck_assert_uint_eq(rx_count, 1);
	ck_assert(!strncmp(last_rx, "SIP/2.0 400 Bad Request\r\n", 25));
	ck_assert_uint_eq(txt_live(&bob), 0);
}
END_TEST

START_TEST(owner_may_leave_request_unanswered_then_free)
{
	/* live transactions are freed (no events) with the layer */
	ck_assert_int_eq(inject("INVITE", "z9hG4bKleft", NULL), 0);
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKleft2", NULL), 0);
	ck_assert_uint_eq(txt_live(&bob), 2);
	ck_assert_uint_gt(stats().bytes_live, 0);
}
END_TEST

START_TEST(same_key_flood_is_bounded)
{
	/* one branch and sent-by with ever other methods: at most
	 * TXN_SAME_KEY_MAX transactions (17.2.3 keys them apart, but a flood
	 * would make every lookup walk them) */
	char method[16];
	int i, ok = 0;

	for (i = 0; i < 20; i++) {
		snprintf(method, sizeof method, "FOO%d", i);
		ok += inject(method, "z9hG4bKflood", NULL) == 0;
	}
	ck_assert_int_eq(ok, 8);
	ck_assert_uint_eq(txt_live(&bob), 8);
	ck_assert_uint_eq(stats().dropped, 12);
	/* other ports are other keys: not limited */
	for (i = 0; i < 20; i++) {
		char req[2048], port[16];
		size_t len = make(req, sizeof req, "OPTIONS", "z9hG4bKports", NULL, NULL);
		snprintf(port, sizeof port, "%04d", 6000 + i);
		memcpy(strstr(req, ":5060;") + 1, port, 4);
		ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0), 0);
	}
	ck_assert_uint_eq(txt_live(&bob), 28);
}
END_TEST

START_TEST(long_branches_share_no_hash_prefix)
{
	/* branches longer than any hash buffer, equal but for their end:
	 * distinct transactions, each matched by its own retransmission */
	char br[700];
	int i;

	for (i = 0; i < 5; i++) {
		memset(br, 'a', sizeof br);
		memcpy(br, "z9hG4bK", 7);
		snprintf(br + 600, sizeof br - 600, "%d", i);
		ck_assert_int_eq(inject("OPTIONS", br, NULL), 0);
		ck_assert_int_eq(inject("OPTIONS", br, NULL), 0);
	}
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 5);
	ck_assert_uint_eq(stats().absorbed, 5);
}
END_TEST

START_TEST(late_response_with_many_headers)
{
	/* a request with as many Vias as the limits allow is answered late
	 * from its skeleton (which has more header fields than a small fixed
	 * array would hold) */
	char req[16384], *p = req;
	esip_response_spec spec;
	int i, n;

	p += sprintf(p, "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKmany\r\n");
	for (i = 0; i < 123; i++)
		p += sprintf(p, "Via: SIP/2.0/UDP proxy%d.example.com;branch=z9hG4bKp%d\r\n", i, i);
	n = sprintf(p, "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: many\r\n"
		       "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	p += n;
	{
		static esip_hdr hdrs[200];
		esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;
		esip_msg m;
		esip_rx_info rx;
		lim.max_headers = 200;
		esip_msg_init(&m, hdrs, 200);
		ck_assert_int_gt(esip_msg_parse(&m, req, (size_t)(p - req), ESIP_PARSE_DATAGRAM, &lim), 0);
		ck_assert_uint_eq(m.nhdrs, 129); /* 124 Via + 5: over 128 */
		memset(&rx, 0, sizeof rx);
		rx.tp = ESIP_TP_UDP;
		rx.peer = peer;
		rx.local = bob.addr;
		ck_assert_int_eq(esip_txl_recv(bob.txl, &m, &rx, simnet_now(net)), 0);
	}
	simnet_run_until(net, 300); /* the 100 Trying at 200 ms, from the skeleton */
	ck_assert_uint_eq(sent("SIP/2.0 100"), 1);
	memset(&spec, 0, sizeof spec);
	spec.status = 486;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	ck_assert_uint_eq(sent("SIP/2.0 486"), 1);
}
END_TEST

START_TEST(cancel_tag_matches_late_final)
{
	/* 9.2: the CANCEL's 200 and the INVITE's later 487 carry one To tag
	 * even when the TU answers after the CANCEL's event */
	esip_response_spec spec;
	esip_hdr h[64];
	esip_msg m;
	char tag200[64];

	ck_assert_int_eq(inject("INVITE", "z9hG4bKct", NULL), 0);
	ck_assert_int_eq(inject("CANCEL", "z9hG4bKct", NULL), 0);
	simnet_run_until(net, 1);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 200);
	ck_assert(esip_str_eq_cstr(m.cseq_method, "CANCEL"));
	snprintf(tag200, sizeof tag200, "%.*s", ESIP_STR_FMT(m.to.tag));
	ck_assert_uint_gt(strlen(tag200), 0);
	memset(&spec, 0, sizeof spec);
	spec.status = 487;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	simnet_run_until(net, 2);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 487);
	ck_assert(esip_str_eq_cstr(m.to.tag, tag200));
}
END_TEST

START_TEST(cancel_honoured_over_the_limit)
{
	/* with every transaction slot taken, a CANCEL for a live INVITE is
	 * still processed (answered statelessly), the TU hears of it */
	esip_txl_config c;
	txnode carol;
	char req[2048];
	size_t len;

	esip_txl_config_init(&c);
	c.max_transactions = 1;
	txt_node_init(&carol, net, "carol", 5080, &c);
	len = make(req, sizeof req, "INVITE", "z9hG4bKlim", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	len = make(req, sizeof req, "CANCEL", "z9hG4bKlim", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	ck_assert_uint_eq(txt_count(&carol, ESIP_TXE_CANCEL), 1);
	simnet_run_until(net, 1);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "SIP/2.0 200"), 1);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "SIP/2.0 503"), 0);
	/* an unmatched CANCEL over the limit is refused */
	len = make(req, sizeof req, "CANCEL", "z9hG4bKnone", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), ESIP_ELIMIT);
	txt_node_deinit(&carol);
}
END_TEST

START_TEST(server_connection_failure_reroutes)
{
	/* 18.2.2: the TCP connection of a request breaks before the answer:
	 * the response goes over a new connection to the sent-by port */
	char req[2048];
	size_t len = make(req, sizeof req, "OPTIONS", "z9hG4bKrr", NULL, NULL);
	esip_response_spec spec;
	esip_dest d;
	uint32_t conn = 0;

	memcpy(strstr(req, "UDP"), "TCP", 3);
	/* the request arrives over a connection peer -> bob */
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_TCP;
	d.addr = bob.addr;
	ck_assert_int_eq(simnet_send_conn(net, peer_node, &d, "x", 1, &conn), 0);
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_TCP, conn), 0);
	ck_assert_int_eq(simnet_conn_break(net, conn), 0);
	ck_assert_uint_eq(txt_live(&bob), 1); /* a server transaction survives */
	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	rx_count = 0;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	simnet_run_until(net, 5);
	ck_assert_uint_eq(rx_count, 1);
	ck_assert(!strncmp(last_rx, "SIP/2.0 200", 11));
	ck_assert_uint_ne(simnet_conn_find(net, bob.id, peer_node, ESIP_TP_TCP), 0);
}
END_TEST

START_TEST(non_invite_refuses_provisional_and_408)
{
	/* RFC 4320 4.1: no provisional response but 100 to a non-INVITE
	 * request; 4.2: a transaction-stateful element never sends 408 to
	 * one.  Refused before anything is sent; the transaction stays as
	 * it was and takes a proper response afterwards. */
	esip_response_spec spec;
	esip_txn *t;
	static const uint16_t bad[] = {101, 180, 183, 199, 408};
	size_t i;

	ck_assert_int_eq(inject("OPTIONS", "z9hG4bK4320", NULL), 0);
	t = bob.last_server;
	memset(&spec, 0, sizeof spec);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		spec.status = bad[i];
		ck_assert_int_eq(esip_txn_respond(t, &spec, 0), ESIP_EINVAL);
	}
	ck_assert_str_eq(esip_txn_state_name(t), "Trying");
	ck_assert_uint_eq(simnet_log_count(net), 0);
	spec.status = 100;
	ck_assert_int_eq(esip_txn_respond(t, &spec, 0), 0);
	spec.status = 408;
	ck_assert_int_eq(esip_txn_respond(t, &spec, 0), ESIP_EINVAL);
	spec.status = 404;
	ck_assert_int_eq(esip_txn_respond(t, &spec, 0), 0);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 1);
	ck_assert_uint_eq(sent("SIP/2.0 404"), 1);
	ck_assert_uint_eq(sent("SIP/2.0 1"), 1);
	ck_assert_uint_eq(sent("SIP/2.0 408"), 0);
	/* an INVITE may have both */
	ck_assert_int_eq(inject("INVITE", "z9hG4bK4320i", NULL), 0);
	spec.status = 180;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), 0);
	spec.status = 408;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 0), 0);
}
END_TEST

/* A tag of n characters (token characters). */
static const char *long_tag(size_t n)
{
	static char tag[400];
	size_t i;

	ck_assert_uint_lt(n, sizeof tag);
	for (i = 0; i < n; i++)
		tag[i] = (char)('a' + i % 26);
	tag[n] = 0;
	return tag;
}

START_TEST(one_to_tag_per_transaction)
{
	/* RFC 3261 8.2.6.2: every response of a server transaction to a
	 * request without a To tag carries one tag - the NIST's as the
	 * IST's (provisional responses other than 100 are refused to a
	 * non-INVITE request since RFC 4320, so a NIST has at most its final
	 * one and its copies) - whatever the length of a tag the TU chose */
	static const uint16_t nist[] = {180, 183, 200};
	esip_response_spec spec;
	size_t i, k;

	memset(&spec, 0, sizeof spec);
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKtag1", NULL), 0);
	for (i = 0; i < 3; i++) {
		spec.status = nist[i];
		esip_txn_respond(bob.last_server, &spec, simnet_now(net));
		simnet_run_until(net, simnet_now(net) + 1);
	}
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bKtag1", NULL), 0); /* gets the 200 again */
	/* an INVITE: the TU's own long tag on the 180, none on the 486 */
	ck_assert_int_eq(inject("INVITE", "z9hG4bKtag2", NULL), 0);
	spec.status = 180;
	spec.to_tag = esip_str_cstr(long_tag(300));
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	spec.to_tag = ESIP_STR_NULL;
	spec.status = 486;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	ck_assert_int_eq(inject("INVITE", "z9hG4bKtag2", NULL), 0); /* gets the 486 again */
	simnet_run_until(net, simnet_now(net) + 1);
	ck_assert_uint_ge(rx_count, 4);
	/* one tag per transaction: every response with the same CSeq method
	 * (the two transactions here) carries the same tag */
	for (i = 0; i < rx_count && i < MAX_TAGS; i++) {
		ck_assert_uint_gt(strlen(rx_tags[i]), 0);
		for (k = 0; k < i; k++)
			if (!strcmp(rx_method[k], rx_method[i]))
				ck_assert_msg(!strcmp(rx_tags[k], rx_tags[i]),
					      "%s: %u with tag %s, %u with tag %s", rx_method[i],
					      rx_status[k], rx_tags[k], rx_status[i], rx_tags[i]);
	}
	/* the INVITE's responses all carry the TU's 300-character tag */
	for (i = 0; i < rx_count && i < MAX_TAGS; i++)
		if (!strcmp(rx_method[i], "INVITE"))
			ck_assert_str_eq(rx_tags[i], long_tag(300));
}
END_TEST

/* Replaces the first Via line of req (len bytes, NUL-terminated in a
 * buffer of cap) by "Via: <via>"; returns the new length. */
static size_t set_top_via(char *req, size_t cap, const char *via)
{
	char tmp[4096];
	char *v = strstr(req, "Via: "), *e = strstr(v, "\r\n");
	int n = snprintf(tmp, sizeof tmp, "%.*sVia: %s%s", (int)(v - req), req, via, e);

	ck_assert(n > 0 && (size_t)n < cap && (size_t)n < sizeof tmp);
	memcpy(req, tmp, (size_t)n + 1);
	return (size_t)n;
}

START_TEST(rfc2543_ack_matches_by_parts)
{
	/* 17.2.3 for a request without the magic cookie: the ACK for the
	 * 486 matches by the top Via compared as 20.42 says (not by its
	 * bytes) and by the To tag of the 486, of any length.  Variants:
	 * 0 a 100-character tag; 1 other spacing and letter case of the
	 * protocol, the host and the parameter names; 2 a parameter order
	 * changed and an IPv6 address written another way; 3 a Via that
	 * really differs (another parameter value): no match */
	static const char *const inv_via[] = {
		"SIP/2.0/UDP 127.0.0.1:5060;rport",
		"SIP/2.0/UDP Client.Example.COM:5060;rport;x=Token",
		"SIP/2.0/UDP [2001:db8::1]:5060;a=1;b=2",
		"SIP/2.0/UDP 127.0.0.1:5060;x=1",
	};
	static const char *const ack_via[] = {
		"SIP/2.0/UDP 127.0.0.1:5060;rport",
		"sip / 2.0 / udp  client.example.com:5060 ; RPORT ; X=token",
		"SIP/2.0/UDP [2001:0db8:0:0::1]:5060;b=2;a=1",
		"SIP/2.0/UDP 127.0.0.1:5060;x=2",
	};
	char req[4096];
	size_t len;
	esip_response_spec spec;
	esip_txn *t;
	const char *tag = _i == 0 ? long_tag(100) : "t2543";

	len = make(req, sizeof req, "INVITE", NULL, NULL, NULL);
	len = set_top_via(req, sizeof req, inv_via[_i]);
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0), 0);
	t = bob.last_server;
	ck_assert_ptr_nonnull(t);
	memset(&spec, 0, sizeof spec);
	spec.status = 486;
	spec.to_tag = esip_str_cstr(tag);
	ck_assert_int_eq(esip_txn_respond(t, &spec, 0), 0);
	len = make(req, sizeof req, "ACK", NULL, tag, NULL);
	len = set_top_via(req, sizeof req, ack_via[_i]);
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0), 0);
	simnet_run(net, 100000);
	if (_i == 3) {
		/* another Via: not this transaction's ACK */
		ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_ACK_2XX), 1);
		ck_assert_uint_eq(sent("SIP/2.0 486"), 11);
		return;
	}
	/* matched: Confirmed, the 486 never resent, nothing to the owner */
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_ACK_2XX), 0);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_TIMEOUT), 0);
	ck_assert_uint_eq(sent("SIP/2.0 486"), 1);
	ck_assert_uint_eq(txt_live(&bob), 0);
}
END_TEST

/* Appends three header lines "name: <7000 bytes>" before the blank line
 * of the message in req (len bytes); returns the new length. */
static size_t pad_message(char *req, size_t cap, size_t len, const char *name)
{
	char pad[7001];
	int i, n;

	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = 0;
	len -= 2; /* before the blank line */
	for (i = 0; i < 3; i++) {
		n = snprintf(req + len, cap - len, "%s: <sip:%s@h;lr>\r\n", name, pad);
		ck_assert(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}
	ck_assert_uint_lt(len + 2, cap);
	memcpy(req + len, "\r\n", 3);
	return len + 2;
}

START_TEST(memory_follows_the_state)
{
	/* issue 13: a transaction keeps what its state needs.  Requests
	 * padded with 21 KB: the server's skeleton (answered late) holds its
	 * big Record-Route fields, but a NIST in Completed (Timer J) holds
	 * its key and its last response only; a client holds its request
	 * until the final response, then its key only (Timer K) */
	static char req[32000];
	size_t len;
	esip_response_spec spec;
	esip_txl_stats st;
	txnode alice;
	esip_txn *c = NULL;

	len = make(req, sizeof req, "OPTIONS", "z9hG4bKbig", NULL, NULL);
	len = pad_message(req, sizeof req, len, "Record-Route");
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0), 0);
	esip_txl_get_stats(bob.txl, &st);
	ck_assert_uint_gt(st.bytes_live, 21000); /* the skeleton */
	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 1), 0);
	esip_txl_get_stats(bob.txl, &st);
	ck_assert_uint_lt(st.bytes_live, 2000); /* key + the 200 */
	ck_assert_uint_eq(txt_live(&bob), 1);

	/* the client side: alice's big request, bob answers at once */
	txt_node_init(&alice, net, "alice", 5061, NULL);
	bob.answer = 200;
	len = txt_request(req, sizeof req, "OPTIONS", &alice, &bob, ESIP_TP_UDP, "z9hG4bKcbig", 1,
			  "c");
	len = pad_message(req, sizeof req, len, "X-Pad");
	ck_assert_int_eq(txt_send_request(&alice, &bob, ESIP_TP_UDP, req, len, &c), 0);
	esip_txl_get_stats(alice.txl, &st);
	ck_assert_uint_gt(st.bytes_live, 21000);
	simnet_run_until(net, simnet_now(net) + 1);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 1);
	ck_assert_uint_eq(txt_live(&alice), 1); /* Completed, Timer K */
	esip_txl_get_stats(alice.txl, &st);
	ck_assert_uint_lt(st.bytes_live, 1000);
	txt_node_deinit(&alice);
}
END_TEST

START_TEST(byte_limit_503)
{
	/* issue 13: the memory the transactions hold is bounded, not only
	 * their count.  max_bytes = 40 KB: big requests (21 KB of header
	 * fields, held as a skeleton until answered, then as the answer) are
	 * refused with 503 + Retry-After once the next would pass it; the
	 * owner's own big request gets ESIP_ELIMIT; both are counted */
	static char req[32000];
	esip_txl_config c;
	esip_txl_stats st;
	txnode carol;
	size_t len;
	int i, ok = 0;

	esip_txl_config_init(&c);
	ck_assert_uint_eq(c.max_bytes, 64u << 20); /* the default: 64 MiB */
	c.max_bytes = 40000;
	c.retry_after_s = 7;
	txt_node_init(&carol, net, "carol", 5080, &c);
	for (i = 0; i < 4; i++) {
		char br[32];
		snprintf(br, sizeof br, "z9hG4bKbytes%d", i);
		len = make(req, sizeof req, "OPTIONS", br, NULL, NULL);
		len = pad_message(req, sizeof req, len, "Record-Route");
		ok += txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0) == 0;
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_uint_eq(txt_count(&carol, ESIP_TXE_REQUEST), 1);
	simnet_run_until(net, 1);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "SIP/2.0 503"), 3);
	ck_assert_ptr_nonnull(strstr(last_rx, "Retry-After: 7\r\n"));
	/* small requests still fit */
	ck_assert_int_eq(txt_inject(&carol, req, make(req, sizeof req, "OPTIONS", "z9hG4bKsmall",
						      NULL, NULL),
				    &peer, ESIP_TP_UDP, 0),
			 0);
	esip_txl_get_stats(carol.txl, &st);
	ck_assert_uint_eq(st.over_limit, 3);
	ck_assert_uint_eq(st.over_bytes, 3);
	ck_assert_uint_le(st.bytes_live, c.max_bytes);
	/* the owner's own request: ESIP_ELIMIT */
	len = txt_request(req, sizeof req, "OPTIONS", &carol, &bob, ESIP_TP_UDP, "z9hG4bKcl", 1, "c");
	len = pad_message(req, sizeof req, len, "X-Pad");
	ck_assert_int_eq(txt_send_request(&carol, &bob, ESIP_TP_UDP, req, len, NULL), ESIP_ELIMIT);
	esip_txl_get_stats(carol.txl, &st);
	ck_assert_uint_eq(st.over_limit, 4);
	ck_assert_uint_eq(st.over_bytes, 4);
	txt_node_deinit(&carol);
}
END_TEST

START_TEST(ringing_invite_keeps_one_copy)
{
	/* a ringing INVITE (the state that lasts) keeps one copy of the
	 * request's fields: once its 180 went out, later responses are built
	 * from that 180, and the skeleton goes.  The 200 built so has the
	 * Vias stamped once, the 180's To tag, the Record-Route (12.1.1) */
	static char req[32000];
	size_t len;
	esip_response_spec spec;
	esip_txl_stats st;
	esip_hdr h[64];
	esip_msg m;
	esip_list_iter it;
	esip_via v;
	char tag[64];
	const esip_hdr *rr;
	int n_rr = 0;

	len = make(req, sizeof req, "INVITE", "z9hG4bKring", NULL, ";rport");
	len = pad_message(req, sizeof req, len, "Record-Route");
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_UDP, 0), 0);
	esip_txl_get_stats(bob.txl, &st);
	ck_assert_uint_gt(st.bytes_live, 21000);
	ck_assert_uint_lt(st.bytes_live, 23000); /* the skeleton */
	memset(&spec, 0, sizeof spec);
	spec.status = 180;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 1), 0);
	esip_txl_get_stats(bob.txl, &st);
	ck_assert_uint_lt(st.bytes_live, 23000); /* the 180, not the skeleton too */
	spec.status = 100; /* the peer has a 180 already */
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 1), ESIP_ESTATE);
	simnet_run_until(net, 2);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 180);
	snprintf(tag, sizeof tag, "%.*s", ESIP_STR_FMT(m.to.tag));
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, 3), 0);
	simnet_run_until(net, 4);
	ck_assert_uint_eq(rx_count, 2);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 200);
	ck_assert_str_eq(rx_tags[1], tag);
	ck_assert_uint_eq(m.via_count, 2);
	esip_list_iter_init(&it, &m, ESIP_HDR_VIA);
	ck_assert_int_eq(esip_via_next(&it, &v), 1);
	ck_assert(esip_str_eq_cstr(v.branch, "z9hG4bKring"));
	ck_assert(esip_str_eq_cstr(v.rport, "5060"));
	ck_assert_ptr_nonnull(v.received.p);
	ck_assert_ptr_null(strstr(last_rx + 10, "received=127.0.0.1;received"));
	for (rr = esip_msg_hdr(&m, ESIP_HDR_RECORD_ROUTE); rr; rr = esip_msg_hdr_next(&m, rr))
		n_rr++;
	ck_assert_int_eq(n_rr, 4); /* make()'s own and the three big ones */
	ck_assert(esip_str_eq_cstr(m.call_id, "srv-call"));
	ck_assert(esip_str_eq_cstr(m.cseq_method, "INVITE"));
	ck_assert_ptr_null(esip_msg_hdr(&m, ESIP_HDR_TIMESTAMP));
}
END_TEST

START_TEST(nist_sends_100_when_timer_e_reaches_t2)
{
	/* RFC 4320 4.1: "Without regard to transport, an SIP element MUST
	 * respond to a non-INVITE request with a Status-Code of 100 if it has
	 * not otherwise responded after the amount of time it takes a client
	 * transaction's Timer E to be reset to T2" - E fires at T1, 3*T1,
	 * 7*T1 ...: with T1 = 500 and T2 = 4000 it is reset to T2 at 3500 ms */
	esip_response_spec spec;
	esip_hdr h[64];
	esip_msg m;
	char req[2048];
	size_t len;

	ck_assert_int_eq(inject("OPTIONS", "z9hG4bK100a", NULL), 0);
	simnet_run_until(net, 3499);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 0);
	simnet_run_until(net, 3500);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 1);
	ck_assert_str_eq(esip_txn_state_name(bob.last_server), "Proceeding");
	simnet_run_until(net, 3501);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, last_rx, last_rx_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_uint_eq(m.status, 100);
	ck_assert_ptr_nonnull(esip_msg_hdr(&m, ESIP_HDR_TIMESTAMP)); /* 8.2.6.1 */
	/* Proceeding: a retransmission gets the 100 again (17.2.2) */
	simnet_run_until(net, 7500);
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bK100a", NULL), 0);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 2);
	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	ck_assert_uint_eq(sent("SIP/2.0 200"), 1);

	/* answered before: no 100 */
	ck_assert_int_eq(inject("OPTIONS", "z9hG4bK100b", NULL), 0);
	simnet_run_until(net, simnet_now(net) + 1000);
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	simnet_run_until(net, simnet_now(net) + 10000);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 2);

	/* over TCP too ("without regard to transport") */
	len = make(req, sizeof req, "OPTIONS", "z9hG4bK100c", NULL, NULL);
	memcpy(strstr(req, "UDP"), "TCP", 3);
	ck_assert_int_eq(txt_inject(&bob, req, len, &peer, ESIP_TP_TCP, 0), 0);
	simnet_run_until(net, simnet_now(net) + 3500);
	ck_assert_uint_eq(sent("SIP/2.0 100"), 3);
}
END_TEST

START_TEST(nist_100_follows_t1_and_t2)
{
	/* the delay derives from T1 and T2: T1 = 100, T2 = 400: E fires at
	 * 100 (reset to 200), 300 (reset to 400 = T2): the 100 at 300 ms;
	 * T1 = T2 = 500: reset to T2 at its first firing, 500 ms */
	static const uint32_t t1[] = {100, 500}, t2[] = {400, 500};
	static const uint64_t at[] = {300, 500};
	esip_txl_config c;
	txnode carol;
	char req[2048];
	size_t len;

	esip_txl_config_init(&c);
	c.t1_ms = t1[_i];
	c.t2_ms = t2[_i];
	txt_node_init(&carol, net, "carol", 5080, &c);
	len = make(req, sizeof req, "OPTIONS", "z9hG4bK100t", NULL, NULL);
	ck_assert_int_eq(txt_inject(&carol, req, len, &peer, ESIP_TP_UDP, 0), 0);
	simnet_run_until(net, at[_i] - 1);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "SIP/2.0 100"), 0);
	simnet_run_until(net, at[_i]);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "SIP/2.0 100"), 1);
	txt_node_deinit(&carol);
}
END_TEST

START_TEST(timer_j_exact_in_any_order)
{
	/* Timer J of 64*T1 waits in a queue of its duration (lifeq.c) unless
	 * its expiry would come before the last one queued (an owner passing
	 * an older `now`): every one still fires at its own millisecond, and
	 * a transaction leaving early (TCP: J = 0) does not disturb the
	 * others */
	static const uint64_t resp_now[] = {10, 5, 30, 30};
	esip_response_spec spec;
	esip_txn *t[4];
	char br[32];
	int i;

	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	for (i = 0; i < 4; i++) {
		snprintf(br, sizeof br, "z9hG4bKj%d", i);
		ck_assert_int_eq(inject("OPTIONS", br, NULL), 0);
		t[i] = bob.last_server;
	}
	simnet_run_until(net, 20);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(esip_txn_respond(t[i], &spec, resp_now[i]), 0);
	simnet_run(net, 100000);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_TERMINATED), 4);
	for (i = 0; i < 4; i++) {
		size_t k;
		for (k = 0; k < bob.n_events; k++)
			if (bob.events[k].ev == ESIP_TXE_TERMINATED && bob.events[k].txn == t[i])
				break;
		ck_assert_uint_lt(k, bob.n_events);
		ck_assert_uint_eq(bob.events[k].now, resp_now[i] + 32000);
	}
	ck_assert_uint_eq(esip_timerwheel_count(&bob.wheel), 0);
}
END_TEST

static Suite *suite_server(void)
{
	Suite *s = suite_create("transaction-server");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, trying_after_200ms);
	tcase_add_test(tc, trying_resent_without_being_kept);
	tcase_add_test(tc, no_trying_when_tu_answers);
	tcase_add_test(tc, invite_retransmission_gets_last_provisional);
	tcase_add_test(tc, timer_g_and_h);
	tcase_add_test(tc, ack_confirms_then_timer_i);
	tcase_add_test(tc, accepted_state_rfc6026);
	tcase_add_test(tc, tu_retransmits_2xx_in_accepted);
	tcase_add_test(tc, confirm_drops_the_2xx);
	tcase_add_test(tc, cleanup_timers_in_slots);
	tcase_add_test(tc, ack_for_2xx_is_not_a_transaction);
	tcase_add_test(tc, late_response_from_skeleton);
	tcase_add_test(tc, same_to_tag_for_every_response);
	tcase_add_test(tc, nist_trying_absorbs_then_completed_resends);
	tcase_add_test(tc, nist_provisional_then_final);
	tcase_add_test(tc, nist_over_tcp_timer_j_zero);
	tcase_add_test(tc, transport_error_keeps_state);
	tcase_add_test(tc, sent_by_and_method_are_part_of_the_key);
	tcase_add_test(tc, rfc2543_matching);
	tcase_add_test(tc, over_limit_503);
	tcase_add_test(tc, stateless_response);
	tcase_add_test(tc, owner_may_leave_request_unanswered_then_free);
	tcase_add_test(tc, same_key_flood_is_bounded);
	tcase_add_test(tc, long_branches_share_no_hash_prefix);
	tcase_add_test(tc, late_response_with_many_headers);
	tcase_add_test(tc, cancel_tag_matches_late_final);
	tcase_add_test(tc, cancel_honoured_over_the_limit);
	tcase_add_test(tc, server_connection_failure_reroutes);
	tcase_add_test(tc, non_invite_refuses_provisional_and_408);
	tcase_add_test(tc, one_to_tag_per_transaction);
	tcase_add_loop_test(tc, rfc2543_ack_matches_by_parts, 0, 4);
	tcase_add_test(tc, memory_follows_the_state);
	tcase_add_test(tc, byte_limit_503);
	tcase_add_test(tc, ringing_invite_keeps_one_copy);
	tcase_add_test(tc, nist_sends_100_when_timer_e_reaches_t2);
	tcase_add_loop_test(tc, nist_100_follows_t1_and_t2, 0, 2);
	tcase_add_test(tc, timer_j_exact_in_any_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_server()};
	return test_run(s, 1);
}
