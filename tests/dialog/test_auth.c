/*
 * test_auth.c - Digest in the UA core on simnet (RFC 3261 22, RFC 7616):
 * an INVITE challenged with 407 is sent again with Proxy-Authorization,
 * a new branch and CSeq + 1, and the server accepts the credentials; a
 * wrong password gives the 407 to the call (FAILED) after one retry, no
 * loop; an INVITE cancelled before its challenge arrives is not sent
 * again; an OPTIONS challenged with 401 answers too.  The server side is
 * a hand-written peer using esip/auth.h's server helpers.
 */
#include "uatest.h"

#include <esip/auth.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct srv {
	esip_auth_server as;
	bool proxy;          /* 407 instead of 401 */
	int challenges, accepted, refused;
	unsigned last_cseq;
	char last_branch[64];
	unsigned delay_ms;   /* (unused) */
} srv;

static void on_msg(uatraw *r, const esip_msg *m, const esip_rx_info *rx, uint64_t now)
{
	srv *s = r->ud;
	int rc;

	if (m->kind != ESIP_MSG_REQUEST || m->method_id == ESIP_METHOD_ACK)
		return;
	if (m->method_id == ESIP_METHOD_BYE || m->method_id == ESIP_METHOD_CANCEL) {
		uat_raw_reply(r, m, rx, 200, "srvtag", NULL);
		return;
	}
	rc = uat_raw_authorize(r, &s->as, m, rx, s->proxy, "alice", "alice-pw", now);
	if (rc == 0) {
		s->accepted++;
		s->last_cseq = m->cseq;
		snprintf(s->last_branch, sizeof s->last_branch, "%.*s", ESIP_STR_FMT(m->via.branch));
		uat_raw_reply(r, m, rx, m->method_id == ESIP_METHOD_INVITE ? 486 : 200, "srvtag",
			      NULL);
		return;
	}
	if (rc != ESIP_ENOTFOUND)
		s->refused++;
	s->challenges++;
}

typedef struct env {
	simnet *net;
	uatnode a;
	uatraw r;
	srv s;
	esip_credentials cred;
} env;

static void env_up(env *e, const char *password, bool proxy)
{
	esip_ua_config cfg;
	simnet_link l = SIMNET_LINK_PERFECT;

	memset(e, 0, sizeof *e);
	e->net = simnet_new(11);
	l.delay_ms = 5;
	simnet_link_default(e->net, &l);
	esip_ua_config_init(&cfg);
	e->cred.realm = "esip.test";
	e->cred.user = "alice";
	e->cred.password = password;
	cfg.credentials = &e->cred;
	cfg.n_credentials = 1;
	uat_node_init(&e->a, e->net, "alice", 5060, &cfg);
	uat_raw_init(&e->r, e->net, "server", 5070);
	ck_assert_int_eq(esip_auth_server_init(&e->s.as, NULL, NULL), 0);
	e->s.proxy = proxy;
	e->r.ud = &e->s;
	e->r.on_msg = on_msg;
}

static void env_down(env *e)
{
	simnet_run(e->net, 600000);
	ck_assert_uint_eq(uat_live_calls(&e->a), 0);
	ck_assert_uint_eq(uat_live_txns(&e->a), 0);
	uat_node_deinit(&e->a);
	esip_auth_server_deinit(&e->s.as);
	simnet_free(e->net);
}

static esip_call *call(env *e)
{
	esip_call_params p;
	esip_call *c;

	memset(&p, 0, sizeof p);
	p.target = "sip:bob@127.0.0.1:5070";
	ck_assert_int_eq(esip_ua_call_make(e->a.ua, &p, simnet_now(e->net), &c), 0);
	return c;
}

START_TEST(invite_407_answered)
{
	env e;
	esip_call *c;
	char first_cseq[32], cseq[32];
	const char *inv;

	env_up(&e, "alice-pw", true);
	c = call(&e);
	simnet_run_until(e.net, 200);
	ck_assert_int_eq(e.s.challenges, 1);
	ck_assert_int_eq(e.s.accepted, 1);
	ck_assert_int_eq(e.s.refused, 0);
	/* two INVITEs: the second with credentials, CSeq + 1, another branch */
	ck_assert_uint_eq(simnet_count_sent(e.net, e.a.id, e.r.id, "INVITE"), 2);
	ck_assert(uat_raw_hdr(e.r.msgs[0], "CSeq", first_cseq, sizeof first_cseq));
	inv = uat_raw_last(&e.r, "INVITE");
	ck_assert(uat_raw_hdr(inv, "CSeq", cseq, sizeof cseq));
	ck_assert_uint_eq((unsigned)atoi(cseq), (unsigned)atoi(first_cseq) + 1);
	ck_assert_ptr_nonnull(strstr(inv, "Proxy-Authorization: Digest"));
	ck_assert_ptr_nonnull(strstr(inv, "algorithm=SHA-256"));
	/* 17.1.1.3: the 407 was ACKed by its transaction */
	ck_assert_uint_eq(simnet_count_sent(e.net, e.a.id, e.r.id, "ACK"), 2);
	/* the call then got the server's 486 */
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_FAILED);
	ck_assert_uint_eq(esip_ua_call_status(c), 486);
	esip_call_unref(c);
	env_down(&e);
}
END_TEST

START_TEST(invite_wrong_password_no_loop)
{
	env e;
	esip_call *c;

	env_up(&e, "not-the-password", true);
	c = call(&e);
	simnet_run_until(e.net, 2000);
	/* one retry with the wrong credentials, then the 407 is the answer */
	ck_assert_uint_eq(simnet_count_sent(e.net, e.a.id, e.r.id, "INVITE"), 2);
	ck_assert_int_eq(e.s.refused, 1);
	ck_assert_int_eq(esip_ua_call_state(c), ESIP_CALL_FAILED);
	ck_assert_uint_eq(esip_ua_call_status(c), 407);
	esip_call_unref(c);
	env_down(&e);
}
END_TEST

START_TEST(invite_cancelled_not_resent)
{
	env e;
	esip_call *c;

	env_up(&e, "alice-pw", true);
	c = call(&e);
	/* cancelled before the 407 comes (no provisional: the CANCEL waits,
	 * 9.1); the challenge must not resend the INVITE */
	ck_assert_int_eq(esip_ua_call_cancel(c, simnet_now(e.net)), 0);
	simnet_run_until(e.net, 2000);
	ck_assert_uint_eq(simnet_count_sent(e.net, e.a.id, e.r.id, "INVITE"), 1);
	ck_assert(esip_call_state_is_final(esip_ua_call_state(c)));
	esip_call_unref(c);
	env_down(&e);
}
END_TEST

START_TEST(options_401_answered)
{
	env e;

	env_up(&e, "alice-pw", false);
	ck_assert_int_eq(esip_ua_send_request(e.a.ua, "OPTIONS", "sip:bob@127.0.0.1:5070", NULL, 0,
					      NULL, NULL, simnet_now(e.net)),
			 0);
	simnet_run_until(e.net, 1000);
	ck_assert_int_eq(e.s.accepted, 1);
	ck_assert_int_eq(e.a.last_response, 200);
	ck_assert_ptr_nonnull(strstr(uat_raw_last(&e.r, "OPTIONS"), "Authorization: Digest"));
	env_down(&e);
}
END_TEST

Suite *auth_suite(void);
Suite *auth_suite(void)
{
	Suite *s = suite_create("dialog-auth");
	TCase *t = tcase_create("auth");

	tcase_add_test(t, invite_407_answered);
	tcase_add_test(t, invite_wrong_password_no_loop);
	tcase_add_test(t, invite_cancelled_not_resent);
	tcase_add_test(t, options_401_answered);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	Suite *s[] = {auth_suite()};

	return test_run(s, 1);
}
