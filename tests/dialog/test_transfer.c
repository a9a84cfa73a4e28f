/*
 * test_transfer.c - REFER and Replaces between UA cores on simnet (RFC
 * 3515, RFC 3891, RFC 3892, RFC 4488): blind transfer (success, target
 * busy, target silent until the subscription expires), a REFER rejected,
 * Refer-Sub: false, two REFERs in one dialog, attended transfer, and
 * Replaces that matches or not (481, 486 early-only, 603 ending), or is
 * not supported (replaces_policy REJECT: 420 when required);
 * Target-Dialog (RFC 4538) naming a call; a REFER outside a dialog.
 */
#include "uatest.h"

#include <stdio.h>
#include <string.h>

static const char SDP[] = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

static const char *path(const uatnode *n, const esip_call *c)
{
	static char buf[8][512];
	static int k;

	return uat_path(n, c, buf[k++ & 7], sizeof buf[0]);
}

typedef struct trio {
	simnet *net;
	uatnode a, b, c;
} trio;

static void trio_init(trio *t, uint64_t seed, const esip_ua_config *cfg)
{
	simnet_link l = SIMNET_LINK_PERFECT;

	t->net = simnet_new(seed);
	l.delay_ms = 5;
	simnet_link_default(t->net, &l);
	uat_node_init(&t->a, t->net, "alice", 5060, cfg);
	uat_node_init(&t->b, t->net, "bob", 5070, cfg);
	uat_node_init(&t->c, t->net, "carol", 5080, cfg);
	t->a.policy.accept_after = 0;
	t->b.policy.accept_after = 0;
	t->c.policy.ring = 180;
	t->c.policy.accept_after = 500;
	t->a.policy.sdp = t->b.policy.sdp = t->c.policy.sdp = SDP;
}

static void trio_end(trio *t)
{
	size_t i;
	uatnode *n[3] = {&t->a, &t->b, &t->c};

	/* whatever is still up ends now */
	for (i = 0; i < 3; i++) {
		size_t k;
		for (k = 0; k < n[i]->n_calls; k++)
			esip_ua_call_hangup(n[i]->calls[k], simnet_now(t->net));
	}
	simnet_run(t->net, 3600000);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(uat_live_calls(n[i]), 0);
		ck_assert_uint_eq(uat_live_txns(n[i]), 0);
		uat_node_deinit(n[i]);
	}
	simnet_free(t->net);
}

static const uat_event *refer_status(const uatnode *n, size_t nth)
{
	return uat_find(n, ESIP_UA_REFER_STATUS, nth);
}

static char *uri_of(const uatnode *n, char *out, size_t cap)
{
	snprintf(out, cap, "sip:%s@127.0.0.1:%u", simnet_node_name(n->net, n->id), n->port);
	return out;
}

/* ---- blind transfer ----------------------------------------------------------------------- */

START_TEST(blind_success)
{
	trio t;
	esip_call *ab, *ba, *ac, *ca;
	char uri[64];
	const uat_event *e;
	size_t i;

	trio_init(&t, 1, NULL);
	/* A calls B */
	ab = uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	ck_assert_int_eq(esip_ua_call_state(ba), ESIP_CALL_ESTABLISHED);
	/* B transfers A to C */
	ck_assert_int_eq(esip_ua_call_refer(ba, uri_of(&t.c, uri, sizeof uri), NULL, NULL,
					    simnet_now(t.net)),
			 0);
	ck_assert_int_eq(esip_ua_call_state(ba), ESIP_CALL_REFERRING);
	simnet_run_until(t.net, 2000);
	/* A called C with Referred-By; C answered; B heard 100, 180, 200 */
	ac = uat_last_call(&t.a);
	ck_assert_ptr_ne(ac, ab);
	ca = uat_last_call(&t.c);
	ck_assert_ptr_nonnull(ca);
	ck_assert_int_eq(esip_ua_call_state(ac), ESIP_CALL_ESTABLISHED);
	ck_assert_int_eq(esip_ua_call_state(ca), ESIP_CALL_ESTABLISHED);
	ck_assert_str_eq(path(&t.b, ba), "idle>incoming>established>referring>established");
	ck_assert_str_eq(path(&t.a, ab), "idle>calling>established>referred>refer_pending>established");
	for (i = 0; (e = refer_status(&t.b, i)); i++)
		;
	ck_assert_uint_ge(i, 3);
	ck_assert_int_eq(refer_status(&t.b, 0)->status, 100);
	ck_assert_int_eq(refer_status(&t.b, 1)->status, 180);
	e = refer_status(&t.b, i - 1);
	ck_assert(e->final && e->ok);
	ck_assert_int_eq(e->status, 200);
	/* the INVITE to C carried Referred-By (RFC 3892 4); the REFER too */
	ck_assert_uint_eq(simnet_count_sent(t.net, t.b.id, t.a.id, "REFER"), 1);
	ck_assert_uint_ge(simnet_count_sent(t.net, t.a.id, t.b.id, "NOTIFY"), 3);
	/* the transferor ends its call */
	esip_ua_call_hangup(ba, simnet_now(t.net));
	simnet_run_until(t.net, 3000);
	ck_assert_int_eq(esip_ua_call_state(ab), ESIP_CALL_TERMINATED);
	ck_assert_int_eq(esip_ua_call_state(ac), ESIP_CALL_ESTABLISHED);
	trio_end(&t);
}
END_TEST

START_TEST(blind_target_busy)
{
	trio t;
	esip_call *ba;
	char uri[64];
	const uat_event *e;
	size_t i;

	trio_init(&t, 2, NULL);
	t.c.policy.accept_after = -1;
	t.c.policy.reject = 486;
	uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	esip_ua_call_refer(ba, uri_of(&t.c, uri, sizeof uri), NULL, NULL, simnet_now(t.net));
	simnet_run_until(t.net, 2000);
	for (i = 0; refer_status(&t.b, i); i++)
		;
	e = refer_status(&t.b, i - 1);
	ck_assert(e->final && !e->ok);
	ck_assert_int_eq(e->status, 486);
	/* referring -> established again: the call with A is still up */
	ck_assert_str_eq(path(&t.b, ba), "idle>incoming>established>referring>established");
	trio_end(&t);
}
END_TEST

START_TEST(blind_target_silent_expiry)
{
	trio t;
	esip_ua_config cfg;
	esip_call *ba;
	char uri[64];
	const uat_event *e;
	size_t i;

	/* C rings and never answers; the subscription expires first */
	esip_ua_config_init(&cfg);
	cfg.refer_expires_ms = 10000;
	trio_init(&t, 3, &cfg);
	t.c.policy.accept_after = -1;
	uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	esip_ua_call_refer(ba, uri_of(&t.c, uri, sizeof uri), NULL, NULL, simnet_now(t.net));
	simnet_run_until(t.net, 15000);
	for (i = 0; refer_status(&t.b, i); i++)
		;
	e = refer_status(&t.b, i - 1);
	ck_assert(e->final && !e->ok);
	ck_assert_int_eq(esip_ua_call_state(ba), ESIP_CALL_ESTABLISHED);
	trio_end(&t);
}
END_TEST

START_TEST(refer_rejected_by_policy)
{
	trio t;
	esip_ua_config cfg;
	esip_call *ba;
	char uri[64];
	const uat_event *e;

	esip_ua_config_init(&cfg);
	cfg.refer_policy = ESIP_POLICY_REJECT;
	trio_init(&t, 4, &cfg);
	uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	esip_ua_call_refer(ba, uri_of(&t.c, uri, sizeof uri), NULL, NULL, simnet_now(t.net));
	simnet_run_until(t.net, 2000);
	e = refer_status(&t.b, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->final && !e->ok);
	ck_assert_int_eq(e->status, 603);
	ck_assert_uint_eq(simnet_count_sent(t.net, t.a.id, t.c.id, "INVITE"), 0);
	ck_assert_str_eq(path(&t.a, uat_call_of(&t.a, 0)),
			 "idle>calling>established>referred>established");
	trio_end(&t);
}
END_TEST

START_TEST(refer_no_subscription)
{
	trio t;
	esip_call *ba;
	esip_refer_opts o;
	char uri[64];
	const uat_event *e;

	/* RFC 4488: Refer-Sub: false accepted - no NOTIFY at all */
	trio_init(&t, 5, NULL);
	uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	memset(&o, 0, sizeof o);
	o.no_subscription = true;
	esip_ua_call_refer(ba, uri_of(&t.c, uri, sizeof uri), NULL, &o, simnet_now(t.net));
	simnet_run_until(t.net, 2000);
	e = refer_status(&t.b, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->final && e->ok);
	ck_assert_int_eq(e->status, 202);
	ck_assert_uint_eq(simnet_count_sent(t.net, t.a.id, t.b.id, "NOTIFY"), 0);
	/* A still called C */
	ck_assert_int_eq(esip_ua_call_state(uat_last_call(&t.c)), ESIP_CALL_ESTABLISHED);
	trio_end(&t);
}
END_TEST

START_TEST(two_refers_one_dialog)
{
	trio t;
	esip_call *ba;
	char uri[64];
	size_t i, finals = 0;

	/* RFC 3515 2.4.6: two REFERs at once, told apart by their Event id;
	 * A takes one at a time (the second waits: 500 Retry-After) */
	trio_init(&t, 6, NULL);
	uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	ck_assert_int_eq(esip_ua_call_refer(ba, uri_of(&t.c, uri, sizeof uri), NULL, NULL,
					    simnet_now(t.net)),
			 0);
	ck_assert_int_eq(esip_ua_call_refer(ba, uri, NULL, NULL, simnet_now(t.net)), 0);
	simnet_run_until(t.net, 5000);
	for (i = 0; refer_status(&t.b, i); i++)
		finals += refer_status(&t.b, i)->final;
	ck_assert_uint_eq(finals, 2);
	ck_assert_int_eq(esip_ua_call_state(ba), ESIP_CALL_ESTABLISHED);
	trio_end(&t);
}
END_TEST

/* ---- attended transfer ----------------------------------------------------------------------- */

START_TEST(attended)
{
	trio t;
	esip_call *ba, *bc, *ab, *ac, *cb, *ca;
	const uat_event *e;
	size_t i;

	/* B calls A and C, then joins them: REFER to A with the B-C dialog's
	 * Replaces; A's INVITE with Replaces takes C's dialog with B, which C
	 * ends with BYE (RFC 3891 3); B then hangs up A */
	trio_init(&t, 7, NULL);
	t.c.policy.accept_after = 0;
	ba = uat_call_to(&t.b, &t.a, ESIP_TP_UDP, SDP);
	bc = uat_call_to(&t.b, &t.c, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 200);
	ab = uat_last_call(&t.a);
	cb = uat_last_call(&t.c);
	ck_assert_int_eq(esip_ua_call_state(ba), ESIP_CALL_ESTABLISHED);
	ck_assert_int_eq(esip_ua_call_state(bc), ESIP_CALL_ESTABLISHED);
	ck_assert_int_eq(esip_ua_call_refer(ba, NULL, bc, NULL, simnet_now(t.net)), 0);
	simnet_run_until(t.net, 3000);
	ac = uat_last_call(&t.a);
	ca = uat_last_call(&t.c);
	ck_assert_ptr_ne(ac, ab);
	ck_assert_ptr_ne(ca, cb);
	ck_assert_str_eq(path(&t.a, ac), "idle>replacing>established");
	ck_assert_str_eq(path(&t.c, ca), "idle>replacing>established");
	ck_assert_str_eq(path(&t.c, cb), "idle>incoming>alerting>established>replaced");
	/* C's BYE ended B's call with C */
	ck_assert_int_eq(esip_ua_call_state(bc), ESIP_CALL_TERMINATED);
	for (i = 0; refer_status(&t.b, i); i++)
		;
	e = refer_status(&t.b, i - 1);
	ck_assert(e->final && e->ok);
	/* the replacement named both calls */
	for (i = 0; i < t.c.n_events; i++)
		if (t.c.events[i].kind == ESIP_UA_CALL_STATE &&
		    t.c.events[i].state == ESIP_CALL_REPLACED)
			break;
	ck_assert_uint_lt(i, t.c.n_events);
	{
		esip_ua_stats st;
		esip_ua_get_stats(t.c.ua, &st);
		ck_assert_uint_eq(st.replaces, 1);
	}
	esip_ua_call_hangup(ba, simnet_now(t.net));
	simnet_run_until(t.net, 4000);
	ck_assert_int_eq(esip_ua_call_state(ac), ESIP_CALL_ESTABLISHED);
	trio_end(&t);
}
END_TEST

/* ---- Replaces matching (RFC 3891 3) ------------------------------------------------------------ */

static void replaces_case(const char *to_tag_sel, bool early_only, unsigned want,
			  bool callee_confirmed)
{
	trio t;
	esip_call *ab, *ba, *x;
	esip_call_params p;
	esip_replaces_params r;
	char uri[64], tt[64], ft[64];

	trio_init(&t, 8, NULL);
	if (!callee_confirmed)
		t.b.policy.accept_after = -1, t.b.policy.ring = 180;
	ab = uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	/* C replaces A's call at B: B's tags as B sees them */
	snprintf(tt, sizeof tt, "%s", !strcmp(to_tag_sel, "ok") ? esip_call_local_tag(ba) : "nope");
	snprintf(ft, sizeof ft, "%s", esip_call_local_tag(ab));
	memset(&p, 0, sizeof p);
	p.target = uri_of(&t.b, uri, sizeof uri);
	p.sdp = SDP;
	r.call_id = esip_call_id(ab);
	r.to_tag = tt;
	r.from_tag = ft;
	r.early_only = early_only;
	ck_assert_int_eq(esip_ua_call_make_replacing(t.c.ua, &p, &r, simnet_now(t.net), &x), 0);
	simnet_run_until(t.net, 2000);
	if (want == 200) {
		ck_assert_str_eq(path(&t.c, x), "idle>replacing>established");
		ck_assert_int_eq(esip_ua_call_state(ba), ESIP_CALL_REPLACED);
		ck_assert_int_eq(esip_ua_call_state(ab), ESIP_CALL_TERMINATED);
	} else {
		ck_assert_str_eq(path(&t.c, x), "idle>replacing>failed");
		ck_assert_uint_eq(esip_ua_call_status(x), want);
		ck_assert_int_ne(esip_ua_call_state(ba), ESIP_CALL_REPLACED);
	}
	esip_call_unref(x);
	trio_end(&t);
}

START_TEST(replaces_match) { replaces_case("ok", false, 200, true); }
END_TEST
START_TEST(replaces_no_match_481) { replaces_case("bad", false, 481, true); }
END_TEST
START_TEST(replaces_early_only_486) { replaces_case("ok", true, 486, true); }
END_TEST
/* an early dialog B did not initiate (it is ringing for A): 481 */
START_TEST(replaces_incoming_early_481) { replaces_case("ok", false, 481, false); }
END_TEST

/* ---- Target-Dialog (RFC 4538) -------------------------------------------------------------- */

/* C calls B with a Target-Dialog naming A's call with B (tags from the
 * sender's side as RFC 4538 7 writes them, swapped, or wrong): B's
 * INCOMING_CALL names that call as `other` (the application's grounds to
 * authorize it), or none. */
static void target_dialog_case(int orient)
{
	trio t;
	esip_call *ab, *ba, *x;
	esip_call_params p;
	esip_hdr_kv h;
	char uri[64], val[256];
	const uat_event *e;

	trio_init(&t, 9, NULL);
	t.b.policy.accept_after = -1;
	ab = uat_call_to(&t.a, &t.b, ESIP_TP_UDP, SDP);
	t.b.policy.accept_after = 0;
	simnet_run_until(t.net, 100);
	ba = uat_last_call(&t.b);
	(void)ab;
	esip_ua_call_accept(ba, SDP, 0, simnet_now(t.net));
	simnet_run_until(t.net, 200);
	ck_assert_int_eq(esip_ua_call_state(ba), ESIP_CALL_ESTABLISHED);
	snprintf(val, sizeof val, "%s;local-tag=%s;remote-tag=%s", esip_call_id(ba),
		 orient == 1 ? esip_call_local_tag(ba) : esip_call_local_tag(ab),
		 orient == 1 ? esip_call_local_tag(ab)
			     : orient == 0 ? esip_call_local_tag(ba) : "nope");
	h.name = "Target-Dialog";
	h.value = esip_str_cstr(val);
	memset(&p, 0, sizeof p);
	p.target = uri_of(&t.b, uri, sizeof uri);
	p.sdp = SDP;
	p.headers = &h;
	p.n_headers = 1;
	ck_assert_int_eq(esip_ua_call_make(t.c.ua, &p, simnet_now(t.net), &x), 0);
	simnet_run_until(t.net, 400);
	e = uat_find(&t.b, ESIP_UA_INCOMING_CALL, 1);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_ne(e->call, ba);
	if (orient == 2)
		ck_assert_ptr_null(e->other);
	else
		ck_assert_ptr_eq(e->other, ba);
	esip_call_unref(x);
	trio_end(&t);
}

START_TEST(target_dialog_sender_view) { target_dialog_case(0); }
END_TEST
START_TEST(target_dialog_recipient_view) { target_dialog_case(1); }
END_TEST
START_TEST(target_dialog_no_match) { target_dialog_case(2); }
END_TEST

/* RFC 3515 lets a REFER create its own dialog; this UA takes transfers
 * only inside a call: 403, and no call is placed */
START_TEST(refer_outside_dialog_403)
{
	simnet *net = simnet_new(3);
	uatnode a;
	uatraw r;

	uat_node_init(&a, net, "alice", 5060, NULL);
	uat_raw_init(&r, net, "peer", 5070);
	uat_raw_send(&r, &a.addr,
		     "REFER sip:alice@127.0.0.1:5060 SIP/2.0\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKoodr1\n"
		     "Max-Forwards: 70\nFrom: <sip:peer@127.0.0.1>;tag=p1\n"
		     "To: <sip:alice@127.0.0.1>\nCall-ID: oodr@peer\nCSeq: 1 REFER\n"
		     "Contact: <sip:peer@127.0.0.1:5070>\n"
		     "Refer-To: <sip:carol@127.0.0.1:5080>\nContent-Length: 0\n\n");
	simnet_run_until(net, 100);
	ck_assert_ptr_nonnull(uat_raw_last(&r, "SIP/2.0 403 "));
	ck_assert_uint_eq(a.n_calls, 0);
	uat_node_deinit(&a);
	simnet_free(net);
}
END_TEST

/* RFC 3891 6 / RFC 3261 8.2.2.3: with replaces_policy REJECT the UA does
 * not support Replaces: "Require: replaces" gets 420 with Unsupported
 * (not an ordinary new call), and Supported no longer names it (20.37).
 * Regression: the option tag stayed in the UA's extensions, so such an
 * INVITE was answered as a new call. */
START_TEST(replaces_rejected_by_policy_420)
{
	simnet *net = simnet_new(9);
	esip_ua_config cfg;
	uatnode b;
	uatraw r;
	const char *m;
	char v[256];

	esip_ua_config_init(&cfg);
	cfg.replaces_policy = ESIP_POLICY_REJECT;
	uat_node_init(&b, net, "bob", 5070, &cfg);
	b.policy.accept_after = 0;
	b.policy.sdp = SDP;
	uat_raw_init(&r, net, "raw", 5090);
	uat_raw_send(&r, &b.addr,
		     "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKrep1\n"
		     "Max-Forwards: 70\nFrom: <sip:raw@127.0.0.1:5090>;tag=r1\n"
		     "To: <sip:bob@127.0.0.1:5070>\nCall-ID: rep-1@raw\nCSeq: 1 INVITE\n"
		     "Contact: <sip:raw@127.0.0.1:5090>\n"
		     "Replaces: abc@raw;to-tag=x;from-tag=y\nRequire: replaces\n"
		     "Content-Length: 0\n\n");
	uat_raw_send(&r, &b.addr,
		     "OPTIONS sip:bob@127.0.0.1:5070 SIP/2.0\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKrep2\n"
		     "Max-Forwards: 70\nFrom: <sip:raw@127.0.0.1:5090>;tag=r2\n"
		     "To: <sip:bob@127.0.0.1:5070>\nCall-ID: rep-2@raw\nCSeq: 1 OPTIONS\n"
		     "Content-Length: 0\n\n");
	simnet_run_until(net, 100);
	m = uat_raw_last(&r, "SIP/2.0 420");
	ck_assert_ptr_nonnull(m);
	ck_assert(uat_raw_hdr(m, "Unsupported", v, sizeof v));
	ck_assert_str_eq(v, "replaces");
	ck_assert_uint_eq(uat_count(&b, ESIP_UA_INCOMING_CALL), 0);
	m = uat_raw_last(&r, "SIP/2.0 200");
	ck_assert_ptr_nonnull(m);
	ck_assert(uat_raw_hdr(m, "Supported", v, sizeof v));
	ck_assert_ptr_null(strstr(v, "replaces"));
	/* the 420 is retransmitted until Timer H (no ACK here) */
	simnet_run(net, 3600000);
	ck_assert_uint_eq(uat_live_txns(&b), 0);
	uat_node_deinit(&b);
	simnet_free(net);
}
END_TEST

Suite *transfer_suite(void);
Suite *transfer_suite(void)
{
	Suite *s = suite_create("dialog-transfer");
	TCase *t = tcase_create("refer");
	TCase *r = tcase_create("replaces");

	tcase_add_test(t, blind_success);
	tcase_add_test(t, blind_target_busy);
	tcase_add_test(t, blind_target_silent_expiry);
	tcase_add_test(t, refer_rejected_by_policy);
	tcase_add_test(t, refer_no_subscription);
	tcase_add_test(t, two_refers_one_dialog);
	tcase_add_test(t, attended);
	tcase_add_test(r, replaces_match);
	tcase_add_test(r, replaces_no_match_481);
	tcase_add_test(r, replaces_early_only_486);
	tcase_add_test(r, replaces_incoming_early_481);
	tcase_add_test(r, target_dialog_sender_view);
	tcase_add_test(r, target_dialog_recipient_view);
	tcase_add_test(r, target_dialog_no_match);
	tcase_add_test(t, refer_outside_dialog_403);
	tcase_add_test(r, replaces_rejected_by_policy_420);
	suite_add_tcase(s, t);
	suite_add_tcase(s, r);
	return s;
}

int main(void)
{
	Suite *s[] = {transfer_suite()};

	return test_run(s, 1);
}
