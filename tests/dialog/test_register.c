/*
 * test_register.c - registration (RFC 3261 10.2) against the UA core's own
 * registrar (10.3) on simnet: a binding made, refreshed before it expires
 * and removed; 423 Interval Too Brief; several Contacts in the 2xx (our
 * own expiry is the one taken); a registrar that never answers (failed,
 * retried); Contact: * rules (10.3 step 6); a REGISTER challenged 401.
 */
#include "uatest.h"

#include <esip/auth.h>

#include <stdio.h>
#include <string.h>

typedef struct env {
	simnet *net;
	uatnode a, b, r;   /* two users and a registrar */
} env;

static void env_up(env *e, uint32_t min_expires)
{
	esip_ua_config rc;
	simnet_link l = SIMNET_LINK_PERFECT;

	memset(e, 0, sizeof *e);
	e->net = simnet_new(21);
	l.delay_ms = 5;
	simnet_link_default(e->net, &l);
	esip_ua_config_init(&rc);
	rc.registrar_max_bindings = 8;
	rc.registrar_min_expires = min_expires;
	uat_node_init(&e->r, e->net, "registrar", 5090, &rc);
	uat_node_init(&e->a, e->net, "alice", 5060, NULL);
	uat_node_init(&e->b, e->net, "bob", 5070, NULL);
}

static void env_down(env *e)
{
	simnet_run(e->net, 600000);
	ck_assert_uint_eq(uat_live_txns(&e->a), 0);
	uat_node_deinit(&e->a);
	uat_node_deinit(&e->b);
	uat_node_deinit(&e->r);
	simnet_free(e->net);
}

static esip_reg *reg(uatnode *n, uint32_t expires)
{
	esip_register_params p;
	esip_reg *g;

	memset(&p, 0, sizeof p);
	p.registrar = "sip:127.0.0.1:5090";
	p.aor = "sip:alice@esip.test";
	p.expires_s = expires;
	p.retry_s = 10;
	ck_assert_int_eq(esip_ua_register(n->ua, &p, simnet_now(n->net), &g), 0);
	return g;
}

static const uat_event *last_reg(const uatnode *n)
{
	const uat_event *e = NULL, *x;
	size_t i;

	for (i = 0; (x = uat_find(n, ESIP_UA_REG_STATE, i)); i++)
		e = x;
	return e;
}

START_TEST(register_refresh_unregister)
{
	env e;
	esip_reg *g;
	char c[4][256];
	uint64_t t[8];
	size_t n;

	env_up(&e, 0);
	g = reg(&e.a, 120);
	simnet_run_until(e.net, 100);
	ck_assert_int_eq(esip_reg_get_state(g), ESIP_REG_REGISTERED);
	ck_assert_int_eq(last_reg(&e.a)->expires, 120);
	ck_assert_int_eq(esip_ua_registrar_lookup(e.r.ua, "sip:alice@esip.test", simnet_now(e.net),
						  c, 4),
			 1);
	ck_assert_str_eq(c[0], "sip:alice@127.0.0.1:5060");
	/* refreshed 32 s before the 120 s run out, again and again */
	simnet_run_until(e.net, 300000);
	n = simnet_log_times(e.net, e.a.id, e.r.id, "REGISTER", t, 8);
	ck_assert_uint_ge(n, 4);
	/* the 2xx came 10 ms after each REGISTER */
	ck_assert_uint_eq(t[1] - t[0], 88010);
	ck_assert_uint_eq(t[2] - t[1], 88010);
	ck_assert_int_eq(esip_reg_get_state(g), ESIP_REG_REGISTERED);
	/* the binding stays in place all along */
	ck_assert_int_eq(esip_ua_registrar_lookup(e.r.ua, "sip:alice@esip.test", simnet_now(e.net),
						  c, 4),
			 1);
	ck_assert_int_eq(esip_ua_unregister(g, simnet_now(e.net)), 0);
	simnet_run_until(e.net, simnet_now(e.net) + 100);
	ck_assert_int_eq(esip_reg_get_state(g), ESIP_REG_UNREGISTERED);
	ck_assert_int_eq(esip_ua_registrar_lookup(e.r.ua, "sip:alice@esip.test", simnet_now(e.net),
						  c, 4),
			 ESIP_ENOTFOUND);
	env_down(&e);
}
END_TEST

START_TEST(register_423_min_expires)
{
	env e;
	esip_reg *g;

	env_up(&e, 300);
	g = reg(&e.a, 60);
	simnet_run_until(e.net, 100);
	/* 10.2.8: the registrar's Min-Expires, then bound */
	ck_assert_uint_eq(simnet_count_sent(e.net, e.r.id, e.a.id, "SIP/2.0 423"), 1);
	ck_assert_int_eq(esip_reg_get_state(g), ESIP_REG_REGISTERED);
	ck_assert_int_eq(last_reg(&e.a)->expires, 300);
	env_down(&e);
}
END_TEST

START_TEST(register_several_contacts)
{
	env e;
	esip_register_params p;
	esip_reg *ga, *gb;

	/* bob binds his own Contact to alice's AOR for 1000 s; alice asks
	 * 200 s: her expiry is read from her Contact in the 2xx */
	env_up(&e, 0);
	memset(&p, 0, sizeof p);
	p.registrar = "sip:127.0.0.1:5090";
	p.aor = "sip:alice@esip.test";
	p.expires_s = 1000;
	ck_assert_int_eq(esip_ua_register(e.b.ua, &p, 0, &gb), 0);
	simnet_run_until(e.net, 50);
	ga = reg(&e.a, 200);
	simnet_run_until(e.net, 100);
	ck_assert_int_eq(esip_reg_get_state(ga), ESIP_REG_REGISTERED);
	ck_assert_int_eq(last_reg(&e.a)->expires, 200);
	env_down(&e);
}
END_TEST

START_TEST(register_no_registrar_retry)
{
	simnet *net = simnet_new(22);
	uatnode a;
	esip_register_params p;
	esip_reg *g;
	uint64_t t[8];

	/* nobody at the registrar's address: Timer F (32 s), failed, retried
	 * after retry_s */
	uat_node_init(&a, net, "alice", 5060, NULL);
	memset(&p, 0, sizeof p);
	p.registrar = "sip:127.0.0.1:5999";
	p.retry_s = 10;
	ck_assert_int_eq(esip_ua_register(a.ua, &p, 0, &g), 0);
	simnet_run_until(net, 33000);
	ck_assert_int_eq(esip_reg_get_state(g), ESIP_REG_FAILED);
	ck_assert_int_eq(last_reg(&a)->status, 408);
	simnet_run_until(net, 50000);
	/* the second attempt started 10 s after the failure (32 s) */
	{
		const uat_event *x;
		size_t i, k = 0;
		for (i = 0; (x = uat_find(&a, ESIP_UA_REG_STATE, i)); i++)
			if (x->reg_state == ESIP_REG_REGISTERING && k < 8)
				t[k++] = x->now;
		ck_assert_uint_eq(k, 2);
		ck_assert_uint_eq(t[0], 0);
		ck_assert_uint_eq(t[1], 32000 + 10000);
	}
	ck_assert_int_eq(esip_ua_unregister(g, simnet_now(net)), 0);
	uat_node_deinit(&a);
	simnet_free(net);
}
END_TEST

START_TEST(register_contact_star)
{
	env e;
	uatraw raw;
	const char *resp;
	static const char *const bad[] = {
		/* 10.3 step 6: * with a non-zero Expires, * with another Contact */
		"Contact: *\nExpires: 60\n",
		"Contact: *, <sip:x@127.0.0.1>\nExpires: 0\n",
	};
	char buf[1024];
	size_t i;

	env_up(&e, 0);
	uat_raw_init(&raw, e.net, "raw", 5080);
	for (i = 0; i < 2; i++) {
		snprintf(buf, sizeof buf,
			 "REGISTER sip:127.0.0.1:5090 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKst%zu\n"
			 "Max-Forwards: 70\nFrom: <sip:alice@esip.test>;tag=s%zu\nTo: <sip:alice@esip.test>\n"
			 "Call-ID: star%zu\nCSeq: 1 REGISTER\n%sContent-Length: 0\n\n",
			 i, i, i, bad[i]);
		uat_raw_send(&raw, &e.r.addr, buf);
		simnet_run_until(e.net, simnet_now(e.net) + 20);
		resp = uat_raw_last(&raw, "SIP/2.0");
		ck_assert_msg(resp && !strncmp(resp, "SIP/2.0 400", 11), "%s", resp ? resp : "-");
	}
	/* the right one removes every binding of the AOR */
	reg(&e.a, 300);
	simnet_run_until(e.net, simnet_now(e.net) + 50);
	snprintf(buf, sizeof buf,
		 "REGISTER sip:127.0.0.1:5090 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKstok\n"
		 "Max-Forwards: 70\nFrom: <sip:alice@esip.test>;tag=ok\nTo: <sip:alice@esip.test>\n"
		 "Call-ID: starok\nCSeq: 1 REGISTER\nContact: *\nExpires: 0\nContent-Length: 0\n\n");
	uat_raw_send(&raw, &e.r.addr, buf);
	simnet_run_until(e.net, simnet_now(e.net) + 20);
	resp = uat_raw_last(&raw, "SIP/2.0");
	ck_assert_msg(resp && !strncmp(resp, "SIP/2.0 200", 11), "%s", resp ? resp : "-");
	{
		char c[2][256];
		ck_assert_int_eq(esip_ua_registrar_lookup(e.r.ua, "sip:alice@esip.test",
							  simnet_now(e.net), c, 2),
				 ESIP_ENOTFOUND);
	}
	env_down(&e);
}
END_TEST

/* ---- a REGISTER challenged 401 (RFC 3261 22.2) ------------------------------------------------ */

static void challenge_all(uatraw *r, const esip_msg *m, const esip_rx_info *rx, uint64_t now)
{
	if (uat_raw_authorize(r, r->ud, m, rx, false, "alice", "alice-pw", now) == 0)
		uat_raw_reply(r, m, rx, 200, "rtag", "Expires: 600\r\n");
}

START_TEST(register_401_answered)
{
	simnet *net = simnet_new(23);
	esip_ua_config cfg;
	esip_credentials cr = {NULL, "alice", "alice-pw"};
	esip_auth_server as;
	uatnode a;
	uatraw r;
	esip_register_params p;
	esip_reg *g;

	esip_ua_config_init(&cfg);
	cfg.credentials = &cr;
	cfg.n_credentials = 1;
	uat_node_init(&a, net, "alice", 5060, &cfg);
	uat_raw_init(&r, net, "reg", 5090);
	ck_assert_int_eq(esip_auth_server_init(&as, NULL, NULL), 0);
	r.ud = &as;
	r.on_msg = challenge_all;
	memset(&p, 0, sizeof p);
	p.registrar = "sip:127.0.0.1:5090";
	ck_assert_int_eq(esip_ua_register(a.ua, &p, 0, &g), 0);
	simnet_run_until(net, 100);
	ck_assert_int_eq(esip_reg_get_state(g), ESIP_REG_REGISTERED);
	ck_assert_int_eq(last_reg(&a)->expires, 600);
	ck_assert_uint_eq(simnet_count_sent(net, a.id, r.id, "REGISTER"), 2);
	ck_assert_ptr_nonnull(strstr(uat_raw_last(&r, "REGISTER"), "Authorization: Digest"));
	uat_node_deinit(&a);
	esip_auth_server_deinit(&as);
	simnet_free(net);
}
END_TEST

Suite *register_suite(void);
Suite *register_suite(void)
{
	Suite *s = suite_create("dialog-register");
	TCase *t = tcase_create("register");

	tcase_add_test(t, register_refresh_unregister);
	tcase_add_test(t, register_423_min_expires);
	tcase_add_test(t, register_several_contacts);
	tcase_add_test(t, register_no_registrar_retry);
	tcase_add_test(t, register_contact_star);
	tcase_add_test(t, register_401_answered);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	Suite *s[] = {register_suite()};

	return test_run(s, 1);
}
