/*
 * test_calls.c - whole calls between UA cores on simnet's virtual clock:
 * both directions, reject, CANCEL (and the CANCEL/200 race), either side
 * hanging up, a lost ACK, a lost BYE, forking, loss; after each test no
 * call and no transaction is left behind.
 */
#include "uatest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SDP_A[] = "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			    "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
static const char SDP_B[] = "v=0\r\no=b 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			    "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

typedef struct pair {
	simnet *net;
	uatnode a, b;
} pair;

static void pair_init(pair *p, uint64_t seed, const esip_ua_config *cfg)
{
	p->net = simnet_new(seed);
	ck_assert_ptr_nonnull(p->net);
	uat_node_init(&p->a, p->net, "alice", 5060, cfg);
	uat_node_init(&p->b, p->net, "bob", 5070, cfg);
	p->b.policy.sdp = SDP_B;
}

/* Runs until quiet, checks nothing is left, frees. */
static void pair_end(pair *p)
{
	simnet_run(p->net, 600000);
	ck_assert_uint_eq(uat_live_calls(&p->a), 0);
	ck_assert_uint_eq(uat_live_calls(&p->b), 0);
	ck_assert_uint_eq(uat_live_txns(&p->a), 0);
	ck_assert_uint_eq(uat_live_txns(&p->b), 0);
	uat_node_deinit(&p->a);
	uat_node_deinit(&p->b);
	simnet_free(p->net);
}

static const char *path(const uatnode *n, const esip_call *c)
{
	static char buf[4][256];
	static int k;

	return uat_path(n, c, buf[k++ & 3], sizeof buf[0]);
}

/* ---- a whole call ------------------------------------------------------------------------ */

static void basic_call(esip_tp tp)
{
	pair p;
	esip_call *ca, *cb;
	char sdp[512];

	pair_init(&p, 1, NULL);
	p.b.policy.ring = 180;
	p.b.policy.accept_after = 1000;
	ca = uat_call_to(&p.a, &p.b, tp, SDP_A);
	simnet_run_until(p.net, 2000);
	cb = uat_last_call(&p.b);
	ck_assert_ptr_nonnull(cb);
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_ESTABLISHED);
	ck_assert_int_eq(esip_ua_call_state(cb), ESIP_CALL_ESTABLISHED);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>ringing>established");
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>alerting>established");
	/* the dialog IDs agree (12.1): their tags crosswise, one Call-ID */
	ck_assert_str_eq(esip_call_id(ca), esip_call_id(cb));
	{
		char t[64];
		esip_ua_call_remote_tag(ca, t, sizeof t);
		ck_assert_str_eq(t, esip_call_local_tag(cb));
		esip_ua_call_remote_tag(cb, t, sizeof t);
		ck_assert_str_eq(t, esip_call_local_tag(ca));
	}
	/* each has the other's SDP */
	ck_assert_int_gt(esip_ua_call_remote_sdp(ca, sdp, sizeof sdp), 0);
	ck_assert_str_eq(sdp, SDP_B);
	ck_assert_int_gt(esip_ua_call_remote_sdp(cb, sdp, sizeof sdp), 0);
	ck_assert_str_eq(sdp, SDP_A);
	/* an ACK came: no 2xx retransmission */
	ck_assert_uint_eq(simnet_count_sent(p.net, p.b.id, p.a.id, "SIP/2.0 200"), 1);
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "ACK"), 1);
	/* caller hangs up */
	ck_assert_int_eq(esip_ua_call_hangup(ca, simnet_now(p.net)), 0);
	simnet_run_until(p.net, 3000);
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_TERMINATED);
	ck_assert_int_eq(esip_ua_call_state(cb), ESIP_CALL_TERMINATED);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>ringing>established>terminating>terminated");
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>alerting>established>terminated");
	ck_assert_uint_eq(uat_count(&p.b, ESIP_UA_INCOMING_CALL), 1);
	pair_end(&p);
}

START_TEST(call_udp) { basic_call(ESIP_TP_UDP); }
END_TEST

START_TEST(call_tcp) { basic_call(ESIP_TP_TCP); }
END_TEST

START_TEST(callee_hangs_up)
{
	pair p;
	esip_call *ca, *cb;

	pair_init(&p, 2, NULL);
	p.b.policy.accept_after = 0;
	p.b.policy.hangup_after = 5000;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	simnet_run_until(p.net, 10000);
	cb = uat_last_call(&p.b);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>established>terminated");
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>established>terminating>terminated");
	pair_end(&p);
}
END_TEST

START_TEST(reject_busy)
{
	pair p;
	esip_call *ca, *cb;
	const uat_event *e;

	pair_init(&p, 3, NULL);
	p.b.policy.ring = 180;
	p.b.policy.reject = 486;
	p.b.policy.reject_after = 500;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	simnet_run_until(p.net, 2000);
	cb = uat_last_call(&p.b);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>ringing>failed");
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>alerting>failed");
	ck_assert_uint_eq(esip_ua_call_status(ca), 486);
	e = uat_find(&p.a, ESIP_UA_CALL_STATE, 2);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->event, "receive_4xx");
	ck_assert_int_eq(e->status, 486);
	/* 17.1.1.3: the transaction ACKed the 486 */
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "ACK"), 1);
	pair_end(&p);
}
END_TEST

/* ---- cancelling ------------------------------------------------------------------------------ */

START_TEST(cancel_while_ringing)
{
	pair p;
	esip_call *ca, *cb;

	pair_init(&p, 4, NULL);
	p.b.policy.ring = 180;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	simnet_run_until(p.net, 1000);
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_RINGING);
	ck_assert_int_eq(esip_ua_call_cancel(ca, simnet_now(p.net)), 0);
	simnet_run_until(p.net, 3000);
	cb = uat_last_call(&p.b);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>ringing>terminating>terminated");
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>alerting>terminated");
	ck_assert_uint_eq(esip_ua_call_status(ca), 487);
	ck_assert_uint_eq(simnet_count_sent(p.net, p.b.id, p.a.id, "SIP/2.0 487"), 1);
	pair_end(&p);
}
END_TEST

START_TEST(cancel_before_provisional)
{
	pair p;
	esip_call *ca;
	simnet_link slow = SIMNET_LINK_PERFECT;

	/* 9.1: no CANCEL before a provisional response: it waits for the
	 * 100 Trying (sent 200 ms after the INVITE arrives) */
	pair_init(&p, 5, NULL);
	slow.delay_ms = 50;
	simnet_link_default(p.net, &slow);
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	ck_assert_int_eq(esip_ua_call_cancel(ca, simnet_now(p.net)), 0);
	simnet_run_until(p.net, 200);
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "CANCEL"), 0);
	simnet_run_until(p.net, 5000);
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "CANCEL"), 1);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>terminating>terminated");
	pair_end(&p);
}
END_TEST

START_TEST(cancel_200_race)
{
	pair p;
	esip_call *ca, *cb;
	simnet_link slow = SIMNET_LINK_PERFECT;

	/* B accepts at 1000; A cancels at 1000 too: the 200 and the CANCEL
	 * cross (100 ms each way).  A ACKs the 200, then BYEs (9.1, 15) */
	pair_init(&p, 6, NULL);
	slow.delay_ms = 100;
	simnet_link_default(p.net, &slow);
	p.b.policy.ring = 180;
	p.b.policy.accept_after = 900;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	uat_schedule(&p.a, ca, UAT_CANCEL, 1000, 0);
	simnet_run_until(p.net, 10000);
	cb = uat_last_call(&p.b);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>ringing>terminating>terminated");
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>alerting>established>terminated");
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "ACK"), 1);
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "BYE"), 1);
	pair_end(&p);
}
END_TEST

/* ---- lost messages --------------------------------------------------------------------------- */

static uint64_t txn_bytes(const uatnode *n)
{
	esip_ua_stats st;

	esip_ua_get_stats(n->ua, &st);
	return st.txl.bytes_live;
}

/* RFC 6026 7.1: the ACK ends the callee's 2xx retransmissions, so its
 * INVITE server transaction (in Accepted until Timer L, 64*T1) no longer
 * keeps the 2xx (esip_txn_confirm): a held call costs its dialog and the
 * transaction's key, not a copy of the 200 with its SDP as well. */
START_TEST(ack_drops_the_2xx_copy)
{
	pair p;
	esip_call *ca;
	simnet_link slow = SIMNET_LINK_PERFECT;
	uint64_t before;
	esip_ua_stats st;

	pair_init(&p, 3, NULL);
	slow.delay_ms = 10;
	simnet_link_default(p.net, &slow);
	p.b.policy.ring = 180;
	p.b.policy.accept_after = 100;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	simnet_run_until(p.net, 115); /* the 200 is sent, the ACK not back yet */
	ck_assert_uint_eq(simnet_count_sent(p.net, p.b.id, p.a.id, "SIP/2.0 200"), 1);
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "ACK"), 0);
	before = txn_bytes(&p.b);
	simnet_run_until(p.net, 200);
	ck_assert_uint_eq(simnet_count_sent(p.net, p.a.id, p.b.id, "ACK"), 1);
	esip_ua_get_stats(p.b.ua, &st);
	ck_assert_uint_eq(st.txl.live[ESIP_TXN_IST], 1); /* still absorbing */
	ck_assert_uint_lt(txn_bytes(&p.b) + sizeof SDP_B, before);
	/* nothing else changes: the call is up, and ends as usual */
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_ESTABLISHED);
	ck_assert_int_eq(esip_ua_call_hangup(ca, simnet_now(p.net)), 0);
	pair_end(&p);
}
END_TEST

START_TEST(lost_ack)
{
	pair p;
	esip_call *ca, *cb;
	simnet_link dead = SIMNET_LINK_PERFECT;
	uint64_t t[16];
	size_t n;

	/* every ACK lost: B retransmits its 2xx at T1, 2T1, 4T1 ... capped at
	 * T2, A ACKs each, and B ends the session after 64*T1 (13.3.1.4) */
	pair_init(&p, 7, NULL);
	dead.delay_ms = 10;
	simnet_link_default(p.net, &dead);
	p.b.policy.accept_after = 0;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	simnet_run_until(p.net, 15); /* the INVITE is there, the 200 on its way */
	dead.loss = 1.0;
	simnet_link_set(p.net, p.a.id, p.b.id, &dead);
	simnet_run_until(p.net, 40000);
	cb = uat_last_call(&p.b);
	n = simnet_log_times(p.net, p.b.id, p.a.id, "SIP/2.0 200", t, 16);
	ck_assert_uint_ge(n, 8);
	ck_assert_uint_eq(t[1] - t[0], 500);
	ck_assert_uint_eq(t[2] - t[1], 1000);
	ck_assert_uint_eq(t[3] - t[2], 2000);
	ck_assert_uint_eq(t[4] - t[3], 4000);
	ck_assert_uint_eq(t[5] - t[4], 4000);
	/* each 2xx got its ACK (lost on the way) */
	ck_assert_uint_ge(simnet_count_sent(p.net, p.a.id, p.b.id, "ACK"), n - 1);
	/* B's BYE went out at 64*T1 after the 2xx; A answered it, but the
	 * answer is lost too: B waits for its BYE's Timer F */
	ck_assert_uint_eq(uat_find(&p.b, ESIP_UA_CALL_STATE, 2)->now, 10 + 32000);
	ck_assert_str_eq(uat_find(&p.b, ESIP_UA_CALL_STATE, 2)->event, "ack_timeout");
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>established>terminating");
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>established>terminated");
	simnet_link_clear(p.net, p.a.id, p.b.id);
	simnet_run_until(p.net, 80000);
	ck_assert_str_eq(path(&p.b, cb), "idle>incoming>established>terminating>terminated");
	pair_end(&p);
}
END_TEST

START_TEST(lost_bye)
{
	pair p;
	esip_call *ca;
	simnet_link dead = SIMNET_LINK_PERFECT;

	/* every BYE lost: Timer F (64*T1) ends it for the caller anyway */
	pair_init(&p, 8, NULL);
	p.b.policy.accept_after = 0;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	simnet_run_until(p.net, 100);
	dead.loss = 1.0;
	simnet_link_set(p.net, p.a.id, p.b.id, &dead);
	esip_ua_call_hangup(ca, simnet_now(p.net));
	simnet_run_until(p.net, 40000);
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_TERMINATED);
	ck_assert_uint_eq(uat_find(&p.a, ESIP_UA_CALL_STATE, 3)->now, 100 + 32000);
	ck_assert_str_eq(uat_find(&p.a, ESIP_UA_CALL_STATE, 3)->event, "non_invite_timeout");
	simnet_link_clear(p.net, p.a.id, p.b.id);
	/* B still thinks the call is up: it hangs up itself */
	esip_ua_call_hangup(uat_last_call(&p.b), simnet_now(p.net));
	pair_end(&p);
}
END_TEST

/* ---- unanswered ------------------------------------------------------------------------------- */

START_TEST(no_answer_480)
{
	pair p;
	esip_ua_config cfg;
	esip_call *ca;

	esip_ua_config_init(&cfg);
	cfg.incoming_timeout_ms = 3000;
	pair_init(&p, 9, &cfg);
	p.b.policy.ring = 180;
	ca = uat_call_to(&p.a, &p.b, ESIP_TP_UDP, SDP_A);
	simnet_run_until(p.net, 10000);
	ck_assert_str_eq(path(&p.a, ca), "idle>calling>ringing>failed");
	ck_assert_uint_eq(esip_ua_call_status(ca), 480);
	pair_end(&p);
}
END_TEST


Suite *calls_suite(void);
Suite *calls_suite(void)
{
	Suite *s = suite_create("dialog-calls");
	TCase *t = tcase_create("calls");

	tcase_add_test(t, call_udp);
	tcase_add_test(t, call_tcp);
	tcase_add_test(t, callee_hangs_up);
	tcase_add_test(t, reject_busy);
	tcase_add_test(t, cancel_while_ringing);
	tcase_add_test(t, cancel_before_provisional);
	tcase_add_test(t, cancel_200_race);
	tcase_add_test(t, ack_drops_the_2xx_copy);
	tcase_add_test(t, lost_ack);
	tcase_add_test(t, lost_bye);
	tcase_add_test(t, no_answer_480);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	Suite *s[] = {calls_suite()};

	return test_run(s, 1);
}
