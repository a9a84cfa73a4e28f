/*
 * test_forks.c - an INVITE forked by a proxy to two and three UAs (RFC
 * 3261 12.1.2, 13.2.2.4): early dialogs, the first 2xx wins, every other
 * 2xx is ACKed and BYEd; and calls under 30% loss both ways, every one
 * ending in the right final state with nothing left behind.
 */
#include "uatest.h"

#include <stdio.h>
#include <string.h>

static const char SDP[] = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

static const char *path(const uatnode *n, const esip_call *c)
{
	static char buf[4][256];
	static int k;

	return uat_path(n, c, buf[k++ & 3], sizeof buf[0]);
}

/* A calls the proxy, which forks to n UAs; UA i rings at once and
 * accepts after accept_ms[i] (< 0: never). */
static void forked(size_t n, const int64_t *accept_ms, bool record_route)
{
	simnet *net = simnet_new(42);
	uatnode a, u[3];
	uatproxy px;
	esip_call *ca;
	esip_call_params p;
	char uri[128];
	size_t i, winners = 0;
	simnet_link l = SIMNET_LINK_PERFECT;

	l.delay_ms = 5;
	simnet_link_default(net, &l);
	uat_node_init(&a, net, "alice", 5060, NULL);
	uat_proxy_init(&px, net, "proxy", 5080);
	px.record_route = record_route;
	for (i = 0; i < n; i++) {
		char name[24]; /* "ua" and any size_t: -Wformat-truncation */
		snprintf(name, sizeof name, "ua%zu", i);
		uat_node_init(&u[i], net, name, (uint16_t)(5090 + i), NULL);
		u[i].policy.ring = 180;
		u[i].policy.accept_after = accept_ms[i];
		u[i].policy.sdp = SDP;
		uat_proxy_add(&px, &u[i]);
	}
	snprintf(uri, sizeof uri, "sip:bob@127.0.0.1:%u", px.port);
	memset(&p, 0, sizeof p);
	p.target = uri;
	p.sdp = SDP;
	ck_assert_int_eq(esip_ua_call_make(a.ua, &p, 0, &ca), 0);
	simnet_run_until(net, 5000);
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_ESTABLISHED);
	/* one early dialog per fork was seen ... */
	ck_assert_str_eq(path(&a, ca), "idle>calling>ringing>established");
	/* ... the first 2xx won; every other 2xx was ACKed and ended with BYE */
	for (i = 0; i < n; i++) {
		esip_call *ci = uat_last_call(&u[i]);
		ck_assert_ptr_nonnull(ci);
		if (accept_ms[i] < 0) {
			/* never answered: ringing until the caller's call is over */
			continue;
		}
		if (esip_ua_call_state(ci) == ESIP_CALL_ESTABLISHED)
			winners++;
		else
			ck_assert_str_eq(path(&u[i], ci),
					 "idle>incoming>alerting>established>terminated");
	}
	ck_assert_uint_eq(winners, 1);
	ck_assert_uint_eq(simnet_count_sent(net, a.id, SIMNET_ANY, "BYE"),
			  (size_t)(n - 1 - (size_t)(accept_ms[n - 1] < 0)));
	/* the winner's call ends normally; the unanswered forks end with the
	 * caller's CANCEL... there is none: a 2xx ended the INVITE (a proxy
	 * would CANCEL them, 16.7; ours is stateless): they time out */
	esip_ua_call_hangup(ca, simnet_now(net));
	simnet_run(net, 600000);
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_TERMINATED);
	ck_assert_uint_eq(uat_live_calls(&a), 0);
	ck_assert_uint_eq(uat_live_txns(&a), 0);
	esip_call_unref(ca);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(uat_live_txns(&u[i]), 0);
		uat_node_deinit(&u[i]);
	}
	uat_node_deinit(&a);
	simnet_free(net);
}

START_TEST(fork_two)
{
	int64_t acc[] = {100, 300};
	forked(2, acc, false);
}
END_TEST

START_TEST(fork_three)
{
	int64_t acc[] = {300, 100, 200};
	forked(3, acc, false);
}
END_TEST

START_TEST(fork_three_record_route)
{
	int64_t acc[] = {200, 100, -1};
	forked(3, acc, true);
}
END_TEST

/* ---- loss ------------------------------------------------------------------------------------- */

/* 20 calls from A to B with 30% loss both ways: each is established and
 * hung up, or fails (timeout) - and every one ends in a final state, the
 * same final state on both sides when both saw it, nothing left behind. */
static void lossy(esip_tp tp, uint64_t seed)
{
	simnet *net = simnet_new(seed);
	uatnode a, b;
	simnet_link l = SIMNET_LINK_PERFECT;
	esip_call *calls[20];
	size_t i, established = 0;

	l.delay_ms = 20;
	l.jitter_ms = 30;
	l.loss = 0.3;
	simnet_link_default(net, &l);
	uat_node_init(&a, net, "alice", 5060, NULL);
	uat_node_init(&b, net, "bob", 5070, NULL);
	b.policy.ring = 180;
	b.policy.accept_after = 300;
	b.policy.hangup_after = -1;
	b.policy.sdp = SDP;
	for (i = 0; i < 20; i++) {
		calls[i] = uat_call_to(&a, &b, tp, SDP);
		uat_schedule(&a, calls[i], UAT_HANGUP, 5000 + 100 * i, 0);
		simnet_run_until(net, simnet_now(net) + 50);
	}
	simnet_run(net, 3600000);
	for (i = 0; i < 20; i++) {
		esip_call_state st = esip_ua_call_state(calls[i]);
		char p[256];
		uat_path(&a, calls[i], p, sizeof p);
		ck_assert_msg(esip_call_state_is_final(st), "call %zu: %s", i, p);
		if (strstr(p, "established"))
			established++;
	}
	/* with 30% loss retransmissions still get most calls through */
	ck_assert_uint_ge(established, 10);
	for (i = 0; i < b.n_calls; i++)
		ck_assert(esip_call_state_is_final(esip_ua_call_state(b.calls[i])));
	ck_assert_uint_eq(uat_live_calls(&a), 0);
	ck_assert_uint_eq(uat_live_calls(&b), 0);
	ck_assert_uint_eq(uat_live_txns(&a), 0);
	ck_assert_uint_eq(uat_live_txns(&b), 0);
	uat_node_deinit(&a);
	uat_node_deinit(&b);
	simnet_free(net);
}

START_TEST(loss_udp)
{
	uint64_t seed;

	for (seed = 1; seed <= 6; seed++)
		lossy(ESIP_TP_UDP, seed);
}
END_TEST

Suite *forks_suite(void);
Suite *forks_suite(void)
{
	Suite *s = suite_create("dialog-forks");
	TCase *t = tcase_create("forks");
	TCase *l = tcase_create("loss");

	tcase_add_test(t, fork_two);
	tcase_add_test(t, fork_three);
	tcase_add_test(t, fork_three_record_route);
	tcase_add_test(l, loss_udp);
	tcase_set_timeout(l, 120);
	suite_add_tcase(s, t);
	suite_add_tcase(s, l);
	return s;
}

int main(void)
{
	Suite *s[] = {forks_suite()};

	return test_run(s, 1);
}
