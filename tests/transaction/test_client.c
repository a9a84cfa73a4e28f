/*
 * test_client.c - the client transactions (RFC 3261 17.1.1, 17.1.2,
 * RFC 6026 7.2) over simnet on the virtual clock: exact retransmission
 * schedules, Timer B / F / D / K / M / C, the ACK of 17.1.1.3, CANCEL
 * (9.1), reliable transports, transport errors, stray responses.
 */
#include "txtest.h"
#include "txn_int.h"

#include <stdio.h>
#include <string.h>

#define ALICE 5060
#define BOB 5070
#define NOBODY 5999

static simnet *net;
static txnode alice, bob;

static void setup(void)
{
	net = simnet_new(1);
	txt_node_init(&alice, net, "alice", ALICE, NULL);
	txt_node_init(&bob, net, "bob", BOB, NULL);
}

static void teardown(void)
{
	txt_node_deinit(&alice);
	txt_node_deinit(&bob);
	simnet_free(net);
}

/* A node-less destination: UDP datagrams to it vanish (no ICMP). */
static txnode ghost(void)
{
	txnode g;

	memset(&g, 0, sizeof g);
	esip_addr_from_ip(&g.addr, ESIP_STR("127.0.0.1"), NOBODY);
	return g;
}

static esip_txn *start(const char *method, const txnode *to, esip_tp tp, const char *branch)
{
	char req[1024];
	size_t len = txt_request(req, sizeof req, method, &alice, to, tp, branch, 1, "call-1");
	esip_txn *t = NULL;

	ck_assert_int_eq(txt_send_request(&alice, to, tp, req, len, &t), 0);
	ck_assert_ptr_nonnull(t);
	return t;
}

static void assert_times(int from, int to, const char *prefix, const uint64_t *want, size_t n)
{
	uint64_t got[64];
	size_t k = simnet_log_times(net, from, to, prefix, got, 64), i;

	if (k != n)
		simnet_log_dump(net, stderr);
	ck_assert_uint_eq(k, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "%s #%zu sent at %llu, want %llu", prefix, i,
			      (unsigned long long)got[i], (unsigned long long)want[i]);
}

START_TEST(invite_schedule_and_timer_b)
{
	/* 17.1.1.2 with T1 = 500: Timer A doubles, Timer B = 64*T1 */
	static const uint64_t want[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
	txnode g = ghost();
	const txt_event *e;

	start("INVITE", &g, ESIP_TP_UDP, "z9hG4bKinv1");
	ck_assert_uint_eq(txt_live(&alice), 1);
	simnet_run(net, 100000);
	assert_times(alice.id, SIMNET_NOBODY, "INVITE", want, 7);
	e = txt_find(&alice, ESIP_TXE_TIMEOUT, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->now, 32000);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TERMINATED), 1);
	ck_assert_uint_eq(txt_live(&alice), 0);
}
END_TEST

START_TEST(invite_schedule_other_t1)
{
	/* every timer derives from T1: with T1 = 100, A at 0,100,300,...,
	 * B at 6400 */
	static const uint64_t want[] = {0, 100, 300, 700, 1500, 3100, 6300};
	esip_txl_config c;
	txnode g = ghost(), carol;

	esip_txl_config_init(&c);
	c.t1_ms = 100;
	txt_node_init(&carol, net, "carol", 5080, &c);
	{
		char req[1024];
		size_t len = txt_request(req, sizeof req, "INVITE", &carol, &g, ESIP_TP_UDP,
					 "z9hG4bKt1", 1, "c-t1");
		ck_assert_int_eq(txt_send_request(&carol, &g, ESIP_TP_UDP, req, len, NULL), 0);
	}
	simnet_run(net, 100000);
	assert_times(carol.id, SIMNET_NOBODY, "INVITE", want, 7);
	ck_assert_uint_eq(txt_find(&carol, ESIP_TXE_TIMEOUT, 0)->now, 6400);
	txt_node_deinit(&carol);
}
END_TEST

START_TEST(timer_b_override)
{
	esip_txl_config c;
	txnode g = ghost(), carol;
	char req[1024];
	size_t len;

	esip_txl_config_init(&c);
	c.timer_b_ms = 4000;
	txt_node_init(&carol, net, "carol", 5080, &c);
	len = txt_request(req, sizeof req, "INVITE", &carol, &g, ESIP_TP_UDP, "z9hG4bKtb", 1, "c");
	ck_assert_int_eq(txt_send_request(&carol, &g, ESIP_TP_UDP, req, len, NULL), 0);
	simnet_run(net, 100000);
	ck_assert_uint_eq(txt_find(&carol, ESIP_TXE_TIMEOUT, 0)->now, 4000);
	ck_assert_uint_eq(simnet_count_sent(net, carol.id, SIMNET_ANY, "INVITE"), 4);
	txt_node_deinit(&carol);
}
END_TEST

START_TEST(non_invite_schedule_capped_at_t2)
{
	/* 17.1.2.2: E doubles up to T2 = 4 s; F = 64*T1 = 32 s */
	static const uint64_t want[] = {0,     500,   1500,  3500,  7500, 11500,
					15500, 19500, 23500, 27500, 31500};
	txnode g = ghost();

	start("OPTIONS", &g, ESIP_TP_UDP, "z9hG4bKopt1");
	simnet_run(net, 100000);
	assert_times(alice.id, SIMNET_NOBODY, "OPTIONS", want, 11);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TIMEOUT, 0)->now, 32000);
	ck_assert_uint_eq(txt_live(&alice), 0);
}
END_TEST

START_TEST(non_invite_proceeding_retransmits_every_t2)
{
	/* bob answers 100 at once (inside the event) and nothing else: in
	 * Proceeding, Timer E is T2 */
	esip_txn *t;
	uint64_t got[32];
	size_t k, i;

	bob.answer = 100;
	t = start("OPTIONS", &bob, ESIP_TP_UDP, "z9hG4bKopt2");
	(void)t;
	simnet_run_until(net, 40000);
	k = simnet_log_times(net, alice.id, bob.id, "OPTIONS", got, 32);
	/* 17.1.2.2: every provisional in Proceeding goes up to the TU */
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_PROVISIONAL), k);
	/* 0 first; then the first E at 500 finds Proceeding: T2 from there */
	ck_assert_uint_ge(k, 8);
	ck_assert_uint_eq(got[0], 0);
	ck_assert_uint_eq(got[1], 500);
	for (i = 2; i < k; i++)
		ck_assert_uint_eq(got[i] - got[i - 1], 4000);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TIMEOUT, 0)->now, 32000);
	/* every retransmission reached bob's NIST in Proceeding: it resent
	 * its 100 each time and created no new transaction */
	{
		esip_txl_stats st;
		esip_txl_get_stats(bob.txl, &st);
		ck_assert_uint_eq(st.created[ESIP_TXN_NIST], 1);
		ck_assert_uint_eq(simnet_count_sent(net, bob.id, alice.id, "SIP/2.0 100"), k);
	}
}
END_TEST

START_TEST(non_invite_final_then_timer_k)
{
	const txt_event *e;

	bob.answer = 200;
	start("OPTIONS", &bob, ESIP_TP_UDP, "z9hG4bKopt3");
	simnet_run_until(net, 1);
	e = txt_find(&alice, ESIP_TXE_SUCCESS, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->status, 200);
	ck_assert_uint_eq(txt_live(&alice), 1); /* Completed, Timer K */
	simnet_run_until(net, 4999);
	ck_assert_uint_eq(txt_live(&alice), 1);
	simnet_run_until(net, 5000);
	ck_assert_uint_eq(txt_live(&alice), 0);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TERMINATED, 0)->now, 5000);
	/* no request was ever retransmitted */
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "OPTIONS"), 1);
}
END_TEST

START_TEST(non_invite_final_retransmission_absorbed)
{
	/* a copy of the 200 arriving in Completed is absorbed */
	simnet_link dupl = {10, 0, 0.0, 1.0, 0.0, 0};
	esip_txl_stats st;

	simnet_link_set(net, bob.id, alice.id, &dupl);
	bob.answer = 200;
	start("OPTIONS", &bob, ESIP_TP_UDP, "z9hG4bKopt4");
	simnet_run(net, 100000);
	ck_assert_uint_eq(simnet_count(net, bob.id, alice.id, "SIP/2.0 200"), 2);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 1);
	esip_txl_get_stats(alice.txl, &st);
	ck_assert_uint_ge(st.absorbed, 1);
	ck_assert_uint_eq(txt_live(&alice), 0);
}
END_TEST

START_TEST(reliable_no_retransmissions_zero_timers)
{
	/* 17.1.1.2 / 17.1.2.2: no A or E over TCP; K is zero; B and F stay */
	const txt_event *e;

	bob.answer = 404;
	start("OPTIONS", &bob, ESIP_TP_TCP, "z9hG4bKtcp1");
	simnet_run_until(net, 0);
	e = txt_find(&alice, ESIP_TXE_FAILURE, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->status, 404);
	/* Timer K = 0: terminated at once, on both sides (J = 0 too) */
	ck_assert_uint_eq(txt_live(&alice), 0);
	ck_assert_uint_eq(txt_live(&bob), 0);
}
END_TEST

static void mute_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		      uint64_t now)
{
}

START_TEST(reliable_timer_b_only)
{
	/* a peer that accepts the connection and never answers (not even
	 * 100): one INVITE over TCP, no Timer A, then Timer B */
	simnet_node_ops ops = {mute_recv, NULL, NULL, NULL};
	txnode mute;

	memset(&mute, 0, sizeof mute);
	esip_addr_from_ip(&mute.addr, ESIP_STR("127.0.0.1"), 5091);
	ck_assert_int_ge(simnet_node_add(net, "mute", &mute.addr, &ops, NULL), 0);
	start("INVITE", &mute, ESIP_TP_TCP, "z9hG4bKtcp2");
	simnet_run_until(net, 40000);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, SIMNET_ANY, "INVITE"), 1);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TIMEOUT, 0)->now, 32000);
}
END_TEST

START_TEST(invite_100_trying_from_server_stops_a)
{
	/* bob's IST sends 100 Trying at 200 ms (17.2.1): alice's INVITE is
	 * retransmitted once (A at 500 is after the 100? no: 200 < 500) -
	 * not at all, and waits in Proceeding */
	start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKtry");
	simnet_run_until(net, 40000);
	ck_assert_uint_eq(simnet_count_sent(net, bob.id, alice.id, "SIP/2.0 100"), 1);
	ck_assert_uint_eq(simnet_log_get(net, 1)->sent, 200);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "INVITE"), 1);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_PROVISIONAL), 1);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TIMEOUT), 0);
}
END_TEST

START_TEST(invite_failure_ack_and_timer_d)
{
	/* 17.1.1.3: the ACK for a 486; Timer D = 32 s; a retransmitted 486
	 * gets the same ACK again */
	size_t i, found = 0;

	bob.answer_invite = 486;
	start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKinv2");
	simnet_run_until(net, 10);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_FAILURE), 1);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "ACK sip:bob@127.0.0.1:5070"), 1);
	/* bob's Timer G retransmits the 486 until the ACK lands: here the
	 * ACK arrives first, so no retransmission; alice sits in Completed */
	ck_assert_uint_eq(txt_live(&alice), 1);
	simnet_run_until(net, 31999);
	ck_assert_uint_eq(txt_live(&alice), 1);
	simnet_run_until(net, 32010);
	ck_assert_uint_eq(txt_live(&alice), 0);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TERMINATED, 0)->now, 32000);
	/* the ACK itself: one Via (the INVITE's top Via), the response's To
	 * with its tag, CSeq 1 ACK, the Route of the INVITE */
	for (i = 0; i < simnet_log_count(net); i++) {
		const simnet_log_entry *le = simnet_log_get(net, i);
		if (!strncmp(le->first_line, "ACK ", 4))
			found++;
	}
	ck_assert_uint_eq(found, 1);
}
END_TEST

/* Captures the bytes of the first datagram from alice that starts with
 * a prefix: simnet keeps first lines only, so the test snoops with a
 * third node that is the INVITE's destination. */
static char snooped[4096];
static size_t snooped_len;
static int snoop_answer;
static txnode *snoop_self;

static void snoop_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		       uint64_t now)
{
	esip_hdr h[64];
	esip_msg m;

	if (len >= 4 && !memcmp(bytes, "ACK ", 4)) {
		memcpy(snooped, bytes, len);
		snooped_len = len;
		return;
	}
	esip_msg_init(&m, h, 64);
	if (esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) < 0)
		return;
	if (m.kind == ESIP_MSG_REQUEST && m.method_id == ESIP_METHOD_INVITE && snoop_answer) {
		char resp[2048];
		int n = snprintf(resp, sizeof resp,
				 "SIP/2.0 %d Busy Here\r\n"
				 "Via: %.*s\r\n"
				 "From: %.*s\r\n"
				 "To: %.*s;tag=bobtag\r\n"
				 "Call-ID: %.*s\r\n"
				 "CSeq: %u INVITE\r\n"
				 "Content-Length: 0\r\n\r\n",
				 snoop_answer, ESIP_STR_FMT(m.via.raw),
				 ESIP_STR_FMT(esip_msg_hdr(&m, ESIP_HDR_FROM)->value),
				 ESIP_STR_FMT(esip_msg_hdr(&m, ESIP_HDR_TO)->value),
				 ESIP_STR_FMT(m.call_id), m.cseq);
		esip_dest d;
		memset(&d, 0, sizeof d);
		d.tp = ESIP_TP_UDP;
		d.addr = rx->peer;
		simnet_send(snoop_self->net, snoop_self->id, &d, resp, (size_t)n);
	}
}

START_TEST(ack_construction_17_1_1_3)
{
	txnode s;
	simnet_node_ops ops = {snoop_recv, NULL, NULL, NULL};
	esip_hdr h[64];
	esip_msg m;

	memset(&s, 0, sizeof s);
	s.net = net;
	esip_addr_from_ip(&s.addr, ESIP_STR("127.0.0.1"), 5090);
	s.id = simnet_node_add(net, "snoop", &s.addr, &ops, &s);
	snoop_self = &s;
	snoop_answer = 486;
	snooped_len = 0;
	start("INVITE", &s, ESIP_TP_UDP, "z9hG4bKack1");
	simnet_run_until(net, 5);
	ck_assert_uint_gt(snooped_len, 0);
	esip_msg_init(&m, h, 64);
	ck_assert_int_gt(esip_msg_parse(&m, snooped, snooped_len, ESIP_PARSE_DATAGRAM, NULL), 0);
	ck_assert_int_eq(m.method_id, ESIP_METHOD_ACK);
	ck_assert(esip_str_eq_cstr(m.ruri_raw, "sip:bob@127.0.0.1:5090"));
	ck_assert_uint_eq(m.via_count, 1);
	ck_assert(esip_str_eq_cstr(m.via.branch, "z9hG4bKack1"));
	ck_assert(esip_str_eq_cstr(m.to.tag, "bobtag"));
	ck_assert(esip_str_eq_cstr(m.from.tag, "a1"));
	ck_assert(esip_str_eq_cstr(m.call_id, "call-1"));
	ck_assert_uint_eq(m.cseq, 1);
	ck_assert(esip_str_eq_cstr(m.cseq_method, "ACK"));
	ck_assert_ptr_nonnull(esip_msg_hdr(&m, ESIP_HDR_ROUTE));
	ck_assert(esip_str_eq_cstr(esip_msg_hdr(&m, ESIP_HDR_ROUTE)->value,
				   "<sip:p1.example.com;lr>"));
	ck_assert_int_eq(m.content_length, 0);
}
END_TEST

START_TEST(invite_2xx_accepted_and_timer_m)
{
	/* RFC 6026 7.2: 2xx to the TU, Accepted for 64*T1, every further
	 * 2xx to the TU too; no ACK from the transaction */
	simnet_link dupl = {10, 0, 0.0, 1.0, 0.0, 0};
	const txt_event *e;

	simnet_link_set(net, bob.id, alice.id, &dupl);
	bob.answer_invite = 200;
	start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKinv3");
	simnet_run_until(net, 100);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 2);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "ACK"), 0);
	ck_assert_uint_eq(txt_live(&alice), 1);
	simnet_run_until(net, 40000);
	/* the first 2xx arrived at 10 (the link's delay): M = 64*T1 later */
	e = txt_find(&alice, ESIP_TXE_TERMINATED, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->now, 10 + 32000);
}
END_TEST

START_TEST(stray_2xx_after_timer_m)
{
	/* a 2xx arriving after Timer M matches nothing: STRAY_RESPONSE */
	char resp[512];
	int n;

	start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKinv4");
	n = snprintf(resp, sizeof resp,
		     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKnone\r\n"
		     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c\r\n"
		     "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(txt_inject(&alice, resp, (size_t)n, &bob.addr, ESIP_TP_UDP, 0), 0);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_STRAY_RESPONSE), 1);
	ck_assert_ptr_null(txt_find(&alice, ESIP_TXE_STRAY_RESPONSE, 0)->txn);
}
END_TEST

START_TEST(response_with_two_vias_dropped)
{
	/* 8.1.3.3: more than one Via: not for us */
	char resp[512];
	int n;
	esip_txl_stats st;

	start("OPTIONS", &bob, ESIP_TP_UDP, "z9hG4bKtwo");
	n = snprintf(resp, sizeof resp,
		     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtwo\r\n"
		     "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\n"
		     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: call-1\r\n"
		     "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(txt_inject(&alice, resp, (size_t)n, &bob.addr, ESIP_TP_UDP, 0), 0);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 0);
	esip_txl_get_stats(alice.txl, &st);
	ck_assert_uint_eq(st.dropped, 1);
}
END_TEST

START_TEST(method_distinguishes_cancel_response)
{
	/* 17.1.3: same branch, CSeq method CANCEL: not the INVITE's */
	char resp[512];
	int n;

	start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKm1");
	n = snprintf(resp, sizeof resp,
		     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKm1\r\n"
		     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: call-1\r\n"
		     "CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(txt_inject(&alice, resp, (size_t)n, &bob.addr, ESIP_TP_UDP, 0), 0);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 0);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_STRAY_RESPONSE), 1);
}
END_TEST

START_TEST(timer_c_bounds_proceeding)
{
	/* bob rings (180) and never answers, nor answers the CANCEL: Timer C
	 * sends the CANCEL (16.8, 9.1) at 185 s, then the INVITE ends 64*T1
	 * later (9.1) with a TIMEOUT */
	bob.answer_invite = 180;
	start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKringing");
	simnet_run_until(net, 300000);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_PROVISIONAL), 1);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TIMEOUT, 0)->now, 185000 + 32000);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TIMEOUT), 1);
	/* no INVITE retransmission after the 180; one CANCEL (retransmitted
	 * by its own transaction only if lost) */
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "INVITE"), 1);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "CANCEL"), 1);
	ck_assert_uint_eq(txt_live(&alice), 0);
}
END_TEST

START_TEST(timer_c_sends_cancel)
{
	/* RFC 3261 16.8 (Timer C): "If the client transaction has received a
	 * provisional response, the proxy MUST generate a CANCEL request
	 * matching that transaction"; the layer sends it itself (9.1: same
	 * Request-URI, Call-ID, From, To, CSeq number, top Via, Route) and
	 * the TU sees the 487, not a timeout.  The CANCEL's own transaction
	 * is the layer's: no event of its own reaches the TU. */
	uint64_t at[2];
	esip_txn *inv;
	esip_buf b;
	char mem[2048];
	const txt_event *f;

	bob.answer_invite = 180;
	bob.answer_cancelled = 487;
	inv = start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKtimerc");
	simnet_run_until(net, 184999);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "CANCEL"), 0);
	simnet_run_until(net, 185000);
	ck_assert_uint_eq(simnet_log_times(net, alice.id, bob.id, "CANCEL sip:bob@127.0.0.1:5070 ", at,
					   2),
			  1);
	ck_assert_uint_eq(at[0], 185000);
	/* the TU cannot send a second one */
	esip_buf_init_fixed(&b, mem, sizeof mem);
	ck_assert_int_eq(esip_txn_build_cancel(inv, &b), ESIP_ESTATE);
	simnet_run_until(net, 186000);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_CANCEL), 1);
	f = txt_find(&alice, ESIP_TXE_FAILURE, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->status, 487);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TIMEOUT), 0);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 0); /* the CANCEL's 200 */
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "ACK"), 1);
	simnet_run(net, 100000);
	ck_assert_uint_eq(txt_live(&alice), 0);
	ck_assert_uint_eq(txt_live(&bob), 0);
	ck_assert_int_eq(esip__txl_check(alice.txl), 0);
}
END_TEST

START_TEST(cancel_flow_9_1_9_2)
{
	/* INVITE, 180, CANCEL: bob's owner answers 487 when told of the
	 * CANCEL; the CANCEL gets 200 with the same To tag; alice's INVITE
	 * ends with the 487 (ACKed), its CANCEL with the 200 */
	esip_txn *inv;
	esip_buf b;
	char mem[2048];
	const txt_event *f;
	esip_txl_stats st;

	bob.answer_invite = 180;
	bob.answer_cancelled = 487;
	inv = start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKcan1");
	esip_buf_init_fixed(&b, mem, sizeof mem);
	/* 9.1: no CANCEL before a provisional response */
	ck_assert_int_eq(esip_txn_build_cancel(inv, &b), ESIP_ESTATE);
	simnet_run_until(net, 10);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_PROVISIONAL), 1);
	esip_buf_reset(&b);
	ck_assert_int_eq(esip_txn_build_cancel(inv, &b), 0);
	ck_assert_int_eq(esip_txl_request(alice.txl, b.p, b.len, esip_txn_dest(inv), NULL,
					  simnet_now(net), NULL),
			 0);
	simnet_run_until(net, 100);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_CANCEL), 1);
	/* alice: 200 (CANCEL) and 487 (INVITE) */
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 1);
	f = txt_find(&alice, ESIP_TXE_FAILURE, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->status, 487);
	/* 9.2: "the To tag of the response to the CANCEL and the To tag in
	 * the response to the original request SHOULD be the same" */
	ck_assert_str_eq(txt_find(&alice, ESIP_TXE_SUCCESS, 0)->to_tag, f->to_tag);
	ck_assert_str_eq(txt_find(&alice, ESIP_TXE_PROVISIONAL, 0)->to_tag, f->to_tag);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "ACK"), 1);
	esip_txl_get_stats(bob.txl, &st);
	ck_assert_uint_eq(st.created[ESIP_TXN_NIST], 1); /* the CANCEL */
	simnet_run(net, 100000);
	ck_assert_uint_eq(txt_live(&alice), 0);
	ck_assert_uint_eq(txt_live(&bob), 0);
}
END_TEST

START_TEST(cancel_guard_64_t1)
{
	/* 9.1: bob's owner ignores the CANCEL (it stays ringing): 64*T1
	 * after the CANCEL, alice gives the INVITE up */
	esip_txn *inv;
	esip_buf b;
	char mem[2048];

	bob.answer_invite = 180;
	inv = start("INVITE", &bob, ESIP_TP_UDP, "z9hG4bKcan2");
	simnet_run_until(net, 1000);
	esip_buf_init_fixed(&b, mem, sizeof mem);
	ck_assert_int_eq(esip_txn_build_cancel(inv, &b), 0);
	ck_assert_int_eq(esip_txl_request(alice.txl, b.p, b.len, esip_txn_dest(inv), NULL,
					  simnet_now(net), NULL),
			 0);
	simnet_run_until(net, 200000);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TIMEOUT, 0)->now, 1000 + 32000);
}
END_TEST

START_TEST(cancel_without_match_gets_481)
{
	char req[1024];
	size_t len = txt_request(req, sizeof req, "CANCEL", &alice, &bob, ESIP_TP_UDP,
				 "z9hG4bKnomatch", 1, "call-x");
	const txt_event *e;

	ck_assert_int_eq(txt_send_request(&alice, &bob, ESIP_TP_UDP, req, len, NULL), 0);
	simnet_run_until(net, 10);
	e = txt_find(&alice, ESIP_TXE_FAILURE, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->status, 481);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 0); /* internal */
}
END_TEST

START_TEST(first_send_failure)
{
	/* 17.1.4: the transport refuses the request: TRANSPORT_ERROR and
	 * TERMINATED before esip_txl_request returns ETRANSPORT */
	char req[1024];
	size_t len = txt_request(req, sizeof req, "OPTIONS", &alice, &bob, ESIP_TP_UDP,
				 "z9hG4bKfail", 1, "c");
	esip_txn *t = (esip_txn *)1;

	alice.fail_sends = 1;
	ck_assert_int_eq(txt_send_request(&alice, &bob, ESIP_TP_UDP, req, len, &t), ESIP_ETRANSPORT);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TRANSPORT_ERROR), 1);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TERMINATED), 1);
	ck_assert_uint_eq(txt_live(&alice), 0);
}
END_TEST

START_TEST(retransmit_failure_is_transport_error)
{
	txnode g = ghost();

	start("INVITE", &g, ESIP_TP_UDP, "z9hG4bKfail2");
	alice.fail_sends = 1;
	simnet_run_until(net, 600);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TRANSPORT_ERROR, 0)->now, 500);
	ck_assert_uint_eq(txt_live(&alice), 0);
}
END_TEST

START_TEST(connection_failure_reaches_client)
{
	/* TCP: bob never answers; the connection breaks at 1 s */
	uint32_t conn;

	start("OPTIONS", &bob, ESIP_TP_TCP, "z9hG4bKconn");
	simnet_run_until(net, 10);
	conn = simnet_conn_find(net, alice.id, bob.id, ESIP_TP_TCP);
	ck_assert_uint_ne(conn, 0);
	simnet_run_until(net, 1000);
	ck_assert_int_eq(simnet_conn_break(net, conn), 0);
	ck_assert_uint_eq(txt_find(&alice, ESIP_TXE_TRANSPORT_ERROR, 0)->now, 1000);
	ck_assert_uint_eq(txt_live(&alice), 0);
	/* bob's server transaction survives (18.2.2: it would reconnect) */
	ck_assert_uint_eq(txt_live(&bob), 1);
}
END_TEST

START_TEST(bad_requests_refused)
{
	static const char ack[] = "ACK sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n"
				  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
				  "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
	static const char nobranch[] = "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
				       "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
				       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	static const char resp[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

	ck_assert_int_eq(txt_send_request(&alice, &bob, ESIP_TP_UDP, ack, sizeof ack - 1, NULL),
			 ESIP_EINVAL);
	ck_assert_int_eq(txt_send_request(&alice, &bob, ESIP_TP_UDP, nobranch, sizeof nobranch - 1,
					  NULL),
			 ESIP_EINVAL);
	ck_assert_int_eq(txt_send_request(&alice, &bob, ESIP_TP_UDP, resp, sizeof resp - 1, NULL),
			 ESIP_EINVAL);
	ck_assert_int_eq(txt_send_request(&alice, &bob, ESIP_TP_UDP, "garbage", 7, NULL), ESIP_EINVAL);
	ck_assert_uint_eq(txt_live(&alice), 0);
}
END_TEST

START_TEST(client_limit)
{
	esip_txl_config c;
	txnode carol, g = ghost();
	char req[1024];
	size_t len;
	int i;

	esip_txl_config_init(&c);
	c.max_transactions = 3;
	txt_node_init(&carol, net, "carol", 5080, &c);
	for (i = 0; i < 4; i++) {
		char br[32];
		snprintf(br, sizeof br, "z9hG4bKlim%d", i);
		len = txt_request(req, sizeof req, "OPTIONS", &carol, &g, ESIP_TP_UDP, br, 1, "c");
		ck_assert_int_eq(txt_send_request(&carol, &g, ESIP_TP_UDP, req, len, NULL),
				 i < 3 ? 0 : ESIP_ELIMIT);
	}
	txt_node_deinit(&carol);
}
END_TEST

START_TEST(response_to_other_sent_by_discarded)
{
	/* RFC 3261 18.1.2: "If the value of the sent-by parameter in that
	 * header field value does not match a value that the transport is
	 * configured to insert into requests, the response MUST be silently
	 * discarded" - the branch alone matches, the sent-by does not */
	static const char *const via[] = {
		"10.0.0.99:5060",   /* another host */
		"127.0.0.1:5999",   /* another port */
		"127.0.0.1",        /* no port: not the 5060 we wrote */
	};
	char resp[512];
	esip_txl_stats st;
	esip_txn *t;
	size_t i;
	int n;

	t = start("OPTIONS", &bob, ESIP_TP_UDP, "z9hG4bKsb");
	for (i = 0; i < 3; i++) {
		n = snprintf(resp, sizeof resp,
			     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKsb\r\n"
			     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: call-1\r\n"
			     "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
			     via[i]);
		ck_assert_int_eq(txt_inject(&alice, resp, (size_t)n, &bob.addr, ESIP_TP_UDP, 0), 0);
	}
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 0);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_STRAY_RESPONSE), 0);
	ck_assert_str_eq(esip_txn_state_name(t), "Trying");
	esip_txl_get_stats(alice.txl, &st);
	ck_assert_uint_eq(st.sent_by_mismatch, 3);
	/* ours, with the host in other letter case: taken */
	n = snprintf(resp, sizeof resp,
		     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsb;"
		     "received=192.0.2.1\r\n"
		     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: call-1\r\n"
		     "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(txt_inject(&alice, resp, (size_t)n, &bob.addr, ESIP_TP_UDP, 0), 0);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 1);
}
END_TEST

static Suite *suite_client(void)
{
	Suite *s = suite_create("transaction-client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, invite_schedule_and_timer_b);
	tcase_add_test(tc, invite_schedule_other_t1);
	tcase_add_test(tc, timer_b_override);
	tcase_add_test(tc, non_invite_schedule_capped_at_t2);
	tcase_add_test(tc, non_invite_proceeding_retransmits_every_t2);
	tcase_add_test(tc, non_invite_final_then_timer_k);
	tcase_add_test(tc, non_invite_final_retransmission_absorbed);
	tcase_add_test(tc, reliable_no_retransmissions_zero_timers);
	tcase_add_test(tc, reliable_timer_b_only);
	tcase_add_test(tc, invite_100_trying_from_server_stops_a);
	tcase_add_test(tc, invite_failure_ack_and_timer_d);
	tcase_add_test(tc, ack_construction_17_1_1_3);
	tcase_add_test(tc, invite_2xx_accepted_and_timer_m);
	tcase_add_test(tc, stray_2xx_after_timer_m);
	tcase_add_test(tc, response_with_two_vias_dropped);
	tcase_add_test(tc, method_distinguishes_cancel_response);
	tcase_add_test(tc, timer_c_bounds_proceeding);
	tcase_add_test(tc, timer_c_sends_cancel);
	tcase_add_test(tc, cancel_flow_9_1_9_2);
	tcase_add_test(tc, cancel_guard_64_t1);
	tcase_add_test(tc, cancel_without_match_gets_481);
	tcase_add_test(tc, first_send_failure);
	tcase_add_test(tc, retransmit_failure_is_transport_error);
	tcase_add_test(tc, connection_failure_reaches_client);
	tcase_add_test(tc, bad_requests_refused);
	tcase_add_test(tc, client_limit);
	tcase_add_test(tc, response_to_other_sent_by_discarded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_client()};
	return test_run(s, 1);
}
