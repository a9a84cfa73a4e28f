/*
 * test_net.c - transactions over a hostile simnet: 30% loss in both
 * directions, duplication, reordering, TCP; checked against an exact
 * oracle read from simnet's log (a client transaction succeeds if and
 * only if one of its responses was delivered before its timeout; the
 * server creates exactly one transaction per request that arrived at
 * all).  And an allocation-failure sweep: every allocation of a layer
 * fails in turn, with no crash and no leak.
 */
#include "txtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_NICT 60
#define N_ICT 20

static simnet *net;
static txnode alice, bob;

/* bob answers with a reason phrase naming the request's user part, so
 * the log's first line says which transaction a response belongs to */
static void bob_event(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		      const esip_rx_info *rx, uint64_t now);

static void answer_named(esip_txn *txn, const esip_msg *m, uint64_t now)
{
	esip_response_spec spec;
	char reason[64];

	memset(&spec, 0, sizeof spec);
	spec.status = m->method_id == ESIP_METHOD_INVITE ? 486 : 200;
	snprintf(reason, sizeof reason, "R %.*s", ESIP_STR_FMT(m->ruri.user));
	spec.reason = esip_str_cstr(reason);
	ck_assert_int_eq(esip_txn_respond(txn, &spec, now), 0);
}

static size_t start_one(const char *method, int k, esip_tp tp)
{
	char req[1024], br[40], cid[40];
	size_t len;

	snprintf(br, sizeof br, "z9hG4bK%s%d", method, k);
	snprintf(cid, sizeof cid, "cid-%s-%d", method, k);
	len = txt_request(req, sizeof req, method, &alice, &bob, tp, br, (uint32_t)k + 1, cid);
	/* a Request-URI user per transaction: sip:u<k>-<method>@... */
	{
		char tmp[1024];
		int n = snprintf(tmp, sizeof tmp, "%s sip:u%d-%s@%s", method, k, method,
				 strstr(req, "@") + 1);
		ck_assert(n > 0 && (size_t)n < sizeof tmp);
		memcpy(req, tmp, (size_t)n + 1);
		len = (size_t)n;
	}
	ck_assert_int_eq(txt_send_request(&alice, &bob, tp, req, len, NULL), 0);
	return len;
}

/* Was a copy whose first line starts with prefix delivered from -> to
 * at or before t? */
static bool delivered_by(int from, int to, const char *prefix, uint64_t t)
{
	size_t i, pl = strlen(prefix);

	for (i = 0; i < simnet_log_count(net); i++) {
		const simnet_log_entry *e = simnet_log_get(net, i);
		if (e->from == from && e->to == to && e->fate == SIMNET_DELIVERED &&
		    e->delivered <= t && !strncmp(e->first_line, prefix, pl))
			return true;
	}
	return false;
}

static void setup_net(uint64_t seed, const simnet_link *l)
{
	net = simnet_new(seed);
	txt_node_init(&alice, net, "alice", 5060, NULL);
	txt_node_init(&bob, net, "bob", 5070, NULL);
	ck_assert_int_eq(simnet_link_set(net, SIMNET_ANY, SIMNET_ANY, l), 0);
	/* bob's owner answers every request by name (answer_named) */
	txt_reinit_with_event(&bob, bob_event);
}

static void bob_event(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		      const esip_rx_info *rx, uint64_t now)
{
	txnode *n = ud;

	if (n->n_events < TXT_MAX_EVENTS) {
		n->events[n->n_events].ev = ev;
		n->events[n->n_events].txn = txn;
		n->events[n->n_events].now = now;
		n->n_events++;
	}
	if (ev == ESIP_TXE_REQUEST)
		answer_named(txn, m, now);
}

static void teardown_net(void)
{
	txt_node_deinit(&alice);
	txt_node_deinit(&bob);
	simnet_free(net);
}

/* The oracle over the whole run. */
static void check_oracle(uint64_t stagger)
{
	esip_txl_stats as, bs;
	size_t ok = 0, to = 0, arrived = 0;
	int k;

	esip_txl_get_stats(alice.txl, &as);
	esip_txl_get_stats(bob.txl, &bs);
	for (k = 0; k < N_NICT; k++) {
		char resp[64], req[64];
		uint64_t t0 = (uint64_t)k * stagger;
		snprintf(resp, sizeof resp, "SIP/2.0 200 R u%d-OPTIONS", k);
		snprintf(req, sizeof req, "OPTIONS sip:u%d-OPTIONS@", k);
		/* a response that arrived in time means success, else Timer F */
		if (delivered_by(bob.id, alice.id, resp, t0 + 32000))
			ok++;
		else
			to++;
		arrived += delivered_by(alice.id, bob.id, req, SIMNET_NEVER - 1);
	}
	for (k = 0; k < N_ICT; k++) {
		char resp[64], req[64];
		uint64_t t0 = (uint64_t)(N_NICT + k) * stagger;
		snprintf(resp, sizeof resp, "SIP/2.0 486 R u%d-INVITE", k);
		snprintf(req, sizeof req, "INVITE sip:u%d-INVITE@", k);
		if (delivered_by(bob.id, alice.id, resp, t0 + 32000))
			ok++;
		else
			to++;
		arrived += delivered_by(alice.id, bob.id, req, SIMNET_NEVER - 1);
	}
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS) + txt_count(&alice, ESIP_TXE_FAILURE),
			  ok);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TIMEOUT), to);
	/* duplicates and retransmissions never create transactions */
	ck_assert_uint_eq(bs.created[ESIP_TXN_NIST] + bs.created[ESIP_TXN_IST], arrived);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), arrived);
	/* everything ended and was freed */
	ck_assert_uint_eq(txt_live(&alice), 0);
	ck_assert_uint_eq(txt_live(&bob), 0);
	ck_assert_uint_eq(as.bytes_live, 0);
	ck_assert_uint_eq(bs.bytes_live, 0);
	/* nothing left in any timer wheel */
	ck_assert_uint_eq(esip_timerwheel_count(&alice.wheel), 0);
	ck_assert_uint_eq(esip_timerwheel_count(&bob.wheel), 0);
}

static void run_mix(esip_tp tp, uint64_t stagger)
{
	int k;

	for (k = 0; k < N_NICT + N_ICT; k++) {
		simnet_run_until(net, (uint64_t)k * stagger);
		if (k < N_NICT)
			start_one("OPTIONS", k, tp);
		else
			start_one("INVITE", k - N_NICT, tp);
	}
	simnet_run(net, 10u * 60 * 1000);
	ck_assert_int_eq(simnet_error(net), 0);
}

START_TEST(loss_30_percent_both_ways)
{
	simnet_link l = {5, 45, 0.30, 0.0, 0.0, 0};
	size_t before;

	setup_net(1000 + (uint64_t)_i, &l);
	run_mix(ESIP_TP_UDP, 37);
	check_oracle(37);
	{
		simnet_stats ns;
		esip_txl_stats as;
		simnet_get_stats(net, &ns);
		esip_txl_get_stats(alice.txl, &as);
		/* the network really was lossy and the layer really worked */
		ck_assert_uint_gt(ns.lost, ns.sent / 5);
		ck_assert_uint_gt(as.retransmissions, 50);
		if (getenv("TXN_NET_VERBOSE"))
			fprintf(stderr, "seed %d: sent %llu lost %llu, alice retx %llu timeouts %zu\n", _i,
				(unsigned long long)ns.sent, (unsigned long long)ns.lost,
				(unsigned long long)as.retransmissions,
				txt_count(&alice, ESIP_TXE_TIMEOUT));
	}
	/* with 30% loss nearly everything still completes: at least 95% */
	before = txt_count(&alice, ESIP_TXE_SUCCESS) + txt_count(&alice, ESIP_TXE_FAILURE);
	ck_assert_uint_ge(before * 100, (N_NICT + N_ICT) * 95);
	teardown_net();
}
END_TEST

START_TEST(duplication_and_reordering)
{
	/* nothing lost: every transaction succeeds, exactly one server
	 * transaction each, the copies absorbed */
	simnet_link l = {5, 20, 0.0, 0.5, 0.3, 300};
	esip_txl_stats bs, as;

	setup_net(77 + (uint64_t)_i, &l);
	run_mix(ESIP_TP_UDP, 11);
	check_oracle(11);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), N_NICT);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_FAILURE), N_ICT);
	esip_txl_get_stats(bob.txl, &bs);
	esip_txl_get_stats(alice.txl, &as);
	ck_assert_uint_eq(bs.created[ESIP_TXN_NIST], N_NICT);
	ck_assert_uint_eq(bs.created[ESIP_TXN_IST], N_ICT);
	ck_assert_uint_gt(bs.absorbed + as.absorbed, 0);
	teardown_net();
}
END_TEST

START_TEST(tcp_no_retransmissions)
{
	simnet_link l = {5, 20, 0.0, 0.0, 0.0, 0};
	esip_txl_stats as, bs;

	setup_net(5, &l);
	run_mix(ESIP_TP_TCP, 3);
	check_oracle(3);
	esip_txl_get_stats(alice.txl, &as);
	esip_txl_get_stats(bob.txl, &bs);
	ck_assert_uint_eq(as.retransmissions, 0);
	ck_assert_uint_eq(bs.retransmissions, 0);
	ck_assert_uint_eq(simnet_count_sent(net, alice.id, bob.id, "OPTIONS"), N_NICT);
	teardown_net();
}
END_TEST

START_TEST(same_seed_same_log)
{
	simnet_link l = {5, 45, 0.30, 0.1, 0.1, 100};
	size_t n1, i;
	simnet_log_entry *copy;

	setup_net(4242, &l);
	run_mix(ESIP_TP_UDP, 37);
	n1 = simnet_log_count(net);
	copy = malloc(n1 * sizeof *copy);
	for (i = 0; i < n1; i++)
		copy[i] = *simnet_log_get(net, i);
	teardown_net();
	setup_net(4242, &l);
	run_mix(ESIP_TP_UDP, 37);
	ck_assert_uint_eq(simnet_log_count(net), n1);
	for (i = 0; i < n1; i++) {
		const simnet_log_entry *e = simnet_log_get(net, i);
		ck_assert_uint_eq(e->sent, copy[i].sent);
		ck_assert_uint_eq(e->delivered, copy[i].delivered);
		ck_assert_str_eq(e->first_line, copy[i].first_line);
	}
	free(copy);
	teardown_net();
}
END_TEST

/* ---- allocation failures ------------------------------------------------ */

START_TEST(allocation_failure_sweep)
{
	long k;
	bool completed = false;

	for (k = 1; k < 400 && !completed; k++) {
		test_alloc ta;
		esip_txl_config c;
		simnet_link l = {5, 0, 0.0, 0.0, 0.0, 0};
		int j;

		net = simnet_new(9);
		simnet_link_default(net, &l);
		test_alloc_init(&ta, k);
		esip_txl_config_init(&c);
		c.alloc = &ta.a;
		txt_node_init(&alice, net, "alice", 5060, NULL);
		/* bob's layer allocates through the failing allocator */
		memset(&bob, 0, sizeof bob);
		if (!txt_node_try_init(&bob, net, "bob", 5070, &c)) {
			ck_assert_int_eq(ta.live, 0);
			txt_node_deinit(&alice);
			simnet_free(net);
			continue;
		}
		bob.answer = 200;
		bob.answer_invite = 0;
		bob.lenient = true;
		for (j = 0; j < 6; j++)
			start_one(j % 2 ? "INVITE" : "OPTIONS", j, ESIP_TP_UDP);
		simnet_run_until(net, 1000);
		/* late answers from the skeletons (if they could be kept) */
		while (bob.last_server) {
			esip_response_spec spec;
			memset(&spec, 0, sizeof spec);
			spec.status = 486;
			esip_txn_respond(bob.last_server, &spec, simnet_now(net));
			bob.last_server = NULL;
		}
		simnet_run(net, 10u * 60 * 1000);
		completed = ta.failed == 0;
		txt_node_deinit(&bob);
		ck_assert_msg(ta.live == 0, "fail_at %ld: %ld blocks leaked", k, ta.live);
		txt_node_deinit(&alice);
		simnet_free(net);
	}
	ck_assert(completed);
}
END_TEST

static Suite *suite_net(void)
{
	Suite *s = suite_create("transaction-net");
	TCase *tc = tcase_create("net");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, loss_30_percent_both_ways, 0, 8);
	tcase_add_loop_test(tc, duplication_and_reordering, 0, 4);
	tcase_add_test(tc, tcp_no_retransmissions);
	tcase_add_test(tc, same_seed_same_log);
	tcase_add_test(tc, allocation_failure_sweep);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_net()};
	return test_run(s, 1);
}
