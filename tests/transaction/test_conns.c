/*
 * test_conns.c - transactions and the connections / destinations they
 * use (conns.c): a TCP connection that fails reaches exactly its
 * transactions (RFC 3261 17.1.4, 17.2.4, 18.2.2) even when the owner acts
 * from inside the walk, esip_txl_conn_in_use, and ICMP errors for UDP
 * destinations (esip_txl_dest_unreachable, 8.1.3.1, 18.4, RFC 6026 8.8).
 */
#include "txtest.h"
#include "txn_int.h"

#include <stdio.h>
#include <string.h>

#define ALICE 5060
#define BOB 5070

static simnet *net;
static txnode alice, bob;

static void setup(void)
{
	net = simnet_new(3);
	txt_node_init(&alice, net, "alice", ALICE, NULL);
	txt_node_init(&bob, net, "bob", BOB, NULL);
}

static void teardown(void)
{
	txt_node_deinit(&alice);
	txt_node_deinit(&bob);
	simnet_free(net);
}

static esip_txn *request(txnode *from, txnode *to, const char *method, esip_tp tp,
			 const char *branch)
{
	char req[1024];
	size_t len = txt_request(req, sizeof req, method, from, to, tp, branch, 1, branch);
	esip_txn *t = NULL;

	ck_assert_int_eq(txt_send_request(from, to, tp, req, len, &t), 0);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* ---- the owner answers from inside the walk of a failed connection ------ */

/* bob's owner: keeps the server transactions it is given (it does not
 * answer them in their event) and answers them all when `answer_on` comes
 * for one of its client transactions - from inside the layer's walk over
 * the failed connection. */
static esip_txn *pending[8];
static esip_txn_event answer_on;
static unsigned answer_with;

static void remember(esip_txn *t)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (!pending[i]) {
			pending[i] = t;
			return;
		}
	ck_abort_msg("too many server transactions");
}

static void answer_all(uint64_t now)
{
	esip_response_spec spec;
	size_t i;

	memset(&spec, 0, sizeof spec);
	for (i = 0; i < 8; i++) {
		if (!pending[i])
			continue;
		spec.status = (uint16_t)(esip_txn_get_kind(pending[i]) == ESIP_TXN_IST &&
						 answer_with < 200
					 ? 180
					 : answer_with);
		ck_assert_int_eq(esip_txn_respond(pending[i], &spec, now), 0);
	}
}

static void walk_owner(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		       const esip_rx_info *rx, uint64_t now)
{
	txnode *n = ud;
	size_t i;

	txt_record(n, txn, ev, m, now);
	if (ev == ESIP_TXE_REQUEST)
		remember(txn);
	if (ev == ESIP_TXE_TERMINATED)
		for (i = 0; i < 8; i++)
			if (pending[i] == txn)
				pending[i] = NULL;
	if (ev == answer_on && txn && !txn_is_server(txn))
		answer_all(now);
}

START_TEST(owner_answers_inside_the_walk)
{
	/* variants: the owner answers from inside TRANSPORT_ERROR or inside
	 * TERMINATED of a client transaction on the failed connection; with
	 * a final response (TCP: Timer J = 0, the NIST ends at once; the IST
	 * waits for its ACK under Timer H) or a provisional one (the NIST and
	 * IST stay, answered later) */
	static const esip_txn_event evs[] = {ESIP_TXE_TRANSPORT_ERROR, ESIP_TXE_TERMINATED};
	static const unsigned sts[] = {200, 100};
	uint32_t conn;
	size_t i;

	answer_on = evs[_i % 2];
	answer_with = sts[_i / 2];
	memset(pending, 0, sizeof pending);
	txt_reinit_with_event(&bob, walk_owner);
	bob.reconnect = true;
	/* bob's client transactions first on the connection, then the
	 * server transactions of alice's requests over the same one: the
	 * walk reaches the clients first */
	request(&bob, &alice, "OPTIONS", ESIP_TP_TCP, "z9hG4bKbc1");
	request(&bob, &alice, "INVITE", ESIP_TP_TCP, "z9hG4bKbc2");
	simnet_run_until(net, 5);
	conn = simnet_conn_find(net, alice.id, bob.id, ESIP_TP_TCP);
	ck_assert_uint_ne(conn, 0);
	request(&alice, &bob, "OPTIONS", ESIP_TP_TCP, "z9hG4bKas1");
	request(&alice, &bob, "INVITE", ESIP_TP_TCP, "z9hG4bKas2");
	simnet_run_until(net, 10);
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_REQUEST), 2);
	ck_assert_uint_eq(simnet_conn_find(net, alice.id, bob.id, ESIP_TP_TCP), conn);
	ck_assert_uint_eq(txt_live(&bob), 4);

	ck_assert_int_eq(simnet_conn_break(net, conn), 0);
	ck_assert_int_eq(esip__txl_check(bob.txl), 0);
	/* 17.1.4: both client transactions ended; the owner answered both
	 * server transactions from inside the walk (over a new connection,
	 * 18.2.2) */
	ck_assert_uint_eq(txt_count(&bob, ESIP_TXE_TRANSPORT_ERROR), 2);
	for (i = 0; i < 8; i++)
		if (pending[i])
			ck_assert_uint_ne(esip_txn_status(pending[i]), 0);
	if (answer_with < 200) {
		/* the final answers, later, from outside */
		answer_with = 486;
		simnet_run_until(net, 20);
		answer_all(simnet_now(net));
	}
	ck_assert_int_eq(esip__txl_check(bob.txl), 0);
	/* the ACK for the INVITE's 486 / the 2xx path: everything ends by
	 * itself, and nothing is left allocated */
	simnet_run(net, 10u * 60 * 1000);
	ck_assert_int_eq(esip__txl_check(bob.txl), 0);
	ck_assert_uint_eq(txt_live(&bob), 0);
	{
		esip_txl_stats st;
		esip_txl_get_stats(bob.txl, &st);
		ck_assert_uint_eq(st.bytes_live, 0);
	}
	ck_assert_uint_eq(esip_timerwheel_count(&bob.wheel), 0);
	/* alice got bob's answers over the new connection */
	ck_assert_uint_ge(simnet_count_sent(net, bob.id, alice.id, "SIP/2.0 "), 2);
}
END_TEST

/* ---- esip_txl_conn_in_use ---------------------------------------------- */

START_TEST(conn_in_use_while_a_transaction_uses_it)
{
	/* issue 13 item 2: an INVITE over TCP that got 180 keeps its
	 * connection in use for as long as it rings (the transport asks
	 * before closing an idle one) */
	esip_response_spec spec;
	uint32_t conn;

	bob.answer_invite = 180;
	request(&alice, &bob, "INVITE", ESIP_TP_TCP, "z9hG4bKuse");
	simnet_run_until(net, 120000); /* two minutes of ringing */
	conn = simnet_conn_find(net, alice.id, bob.id, ESIP_TP_TCP);
	ck_assert_uint_ne(conn, 0);
	ck_assert(esip_txl_conn_in_use(alice.txl, conn));
	ck_assert(esip_txl_conn_in_use(bob.txl, conn));
	ck_assert(!esip_txl_conn_in_use(alice.txl, conn + 100));
	ck_assert(!esip_txl_conn_in_use(alice.txl, 0));
	ck_assert(!esip_txl_conn_in_use(NULL, conn));
	/* the 486 ends both sides at once over TCP (Timer D, I = 0) */
	memset(&spec, 0, sizeof spec);
	spec.status = 486;
	ck_assert_int_eq(esip_txn_respond(bob.last_server, &spec, simnet_now(net)), 0);
	simnet_run_until(net, simnet_now(net) + 10);
	ck_assert_uint_eq(txt_live(&alice), 0);
	ck_assert_uint_eq(txt_live(&bob), 0);
	ck_assert(!esip_txl_conn_in_use(alice.txl, conn));
	ck_assert(!esip_txl_conn_in_use(bob.txl, conn));
	ck_assert(simnet_conn_open(net, conn));
}
END_TEST

/* ---- esip_txl_dest_unreachable ----------------------------------------- */

static txnode *again_node;
static txnode *again_to;

/* alice's owner: on a TRANSPORT_ERROR starts a new request to the same
 * place, from inside the walk */
static void again_owner(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
			const esip_rx_info *rx, uint64_t now)
{
	txnode *n = ud;

	txt_record(n, txn, ev, m, now);
	if (ev == ESIP_TXE_TRANSPORT_ERROR && again_to) {
		txnode *to = again_to;
		again_to = NULL;
		request(again_node, to, "OPTIONS", ESIP_TP_UDP, "z9hG4bKagain");
	}
}

START_TEST(icmp_error_reaches_the_clients_of_that_destination)
{
	/* RFC 3261 18.4 / 17.1.4: an ICMP error for a datagram to an address
	 * ends every client transaction sending there, at once; the others
	 * (other address, other transport, server transactions: RFC 6026
	 * 8.8) are left alone; the owner may start a new one meanwhile */
	txnode ghost;
	esip_txl_stats st;
	esip_response_spec spec;
	uint64_t unhandled;

	memset(&ghost, 0, sizeof ghost);
	esip_addr_from_ip(&ghost.addr, ESIP_STR("127.0.0.1"), 5999);
	txt_reinit_with_event(&alice, again_owner);
	again_node = &alice;
	bob.answer = 200;
	request(&alice, &ghost, "OPTIONS", ESIP_TP_UDP, "z9hG4bKg1");
	request(&alice, &ghost, "INVITE", ESIP_TP_UDP, "z9hG4bKg2");
	request(&alice, &bob, "OPTIONS", ESIP_TP_UDP, "z9hG4bKb1"); /* answered: Completed */
	request(&alice, &bob, "INVITE", ESIP_TP_UDP, "z9hG4bKb2");  /* ringing: Proceeding */
	request(&bob, &alice, "OPTIONS", ESIP_TP_UDP, "z9hG4bKs1"); /* alice's NIST -> bob */
	simnet_run_until(net, 300);
	ck_assert_uint_eq(txt_live(&alice), 5);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_SUCCESS), 1);

	/* over TCP an ICMP report means nothing here */
	esip_txl_dest_unreachable(alice.txl, ESIP_TP_TCP, &ghost.addr, simnet_now(net));
	ck_assert_uint_eq(txt_live(&alice), 5);

	again_to = &ghost;
	esip_txl_dest_unreachable(alice.txl, ESIP_TP_UDP, &ghost.addr, simnet_now(net));
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TRANSPORT_ERROR), 2);
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TERMINATED), 2);
	/* the one started from inside is alive, and not hit by this report */
	ck_assert_uint_eq(txt_live(&alice), 4);
	ck_assert_int_eq(esip__txl_check(alice.txl), 0);

	/* bob's address: the INVITE in Proceeding ends; the OPTIONS in
	 * Completed (nothing more to send) and the NIST answering bob stay */
	esip_txl_get_stats(alice.txl, &st);
	unhandled = st.unhandled_events;
	esip_txl_dest_unreachable(alice.txl, ESIP_TP_UDP, &bob.addr, simnet_now(net));
	ck_assert_uint_eq(txt_count(&alice, ESIP_TXE_TRANSPORT_ERROR), 3);
	ck_assert_uint_eq(txt_live(&alice), 3);
	esip_txl_get_stats(alice.txl, &st);
	ck_assert_uint_eq(st.unhandled_events, unhandled);
	ck_assert_int_eq(esip__txl_check(alice.txl), 0);
	/* the NIST is answered later, as usual */
	memset(&spec, 0, sizeof spec);
	spec.status = 200;
	ck_assert_int_eq(esip_txn_respond(txt_find(&alice, ESIP_TXE_REQUEST, 0)->txn, &spec,
					  simnet_now(net)),
			 0);
	simnet_run(net, 10u * 60 * 1000);
	ck_assert_uint_eq(txt_live(&alice), 0);
	esip_txl_get_stats(alice.txl, &st);
	ck_assert_uint_eq(st.bytes_live, 0);
}
END_TEST

START_TEST(unlisted_after_allocation_failure_still_reached)
{
	/* every allocation of a client request fails in turn: when only the
	 * destination's entry could not be made, the transaction is
	 * unlisted and the ICMP report still reaches it (a scan); nothing
	 * leaks; conn_in_use stays cautious */
	long k;
	bool unlisted_seen = false;

	for (k = 1; k < 40; k++) {
		test_alloc ta;
		esip_txl_config c;
		txnode carol, ghost;
		char req[1024];
		size_t len;
		int rc;

		test_alloc_init(&ta, 0);
		esip_txl_config_init(&c);
		c.alloc = &ta.a;
		txt_node_init(&carol, net, "carol", (uint16_t)(6000 + k), &c);
		memset(&ghost, 0, sizeof ghost);
		esip_addr_from_ip(&ghost.addr, ESIP_STR("127.0.0.1"), 5999);
		ta.fail_at = ta.count + k;
		len = txt_request(req, sizeof req, "OPTIONS", &carol, &ghost, ESIP_TP_UDP, "z9hG4bKal",
				  1, "c");
		rc = txt_send_request(&carol, &ghost, ESIP_TP_UDP, req, len, NULL);
		ck_assert_int_eq(esip__txl_check(carol.txl), 0);
		if (rc == 0) {
			if (carol.txl->unlisted) {
				unlisted_seen = true;
				ck_assert(esip_txl_conn_in_use(carol.txl, 77));
			}
			esip_txl_dest_unreachable(carol.txl, ESIP_TP_UDP, &ghost.addr, simnet_now(net));
			ck_assert_uint_eq(txt_count(&carol, ESIP_TXE_TRANSPORT_ERROR), 1);
			ck_assert_uint_eq(txt_live(&carol), 0);
			ck_assert_uint_eq(carol.txl->unlisted, 0);
		} else {
			ck_assert_int_eq(rc, ESIP_ENOMEM);
		}
		txt_node_deinit(&carol);
		ck_assert_msg(ta.live == 0, "fail at %ld: %ld blocks leaked", k, ta.live);
		if (ta.failed == 0)
			break;
	}
	ck_assert(unlisted_seen);
}
END_TEST

static Suite *suite_conns(void)
{
	Suite *s = suite_create("transaction-conns");
	TCase *tc = tcase_create("conns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, owner_answers_inside_the_walk, 0, 4);
	tcase_add_test(tc, conn_in_use_while_a_transaction_uses_it);
	tcase_add_test(tc, icmp_error_reaches_the_clients_of_that_destination);
	tcase_add_test(tc, unlisted_after_allocation_failure_still_reached);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_conns()};
	return test_run(s, 1);
}
