/* esip_target_from_uri: RFC 3261 18 / 19.1.1 and RFC 3263 4 (no SRV). */
#include "testutil.h"

#include <esip/net.h>
#include <string.h>

static int target(const char *uri, esip_tp def, esip_target *t)
{
	esip_uri u;

	ck_assert_int_eq(esip_uri_parse(esip_str_cstr(uri), &u), 0);
	return esip_target_from_uri(&u, def, t);
}

static void want_addr(const esip_target *t, const char *addr)
{
	char s[ESIP_ADDR_STRLEN];

	ck_assert(t->numeric);
	ck_assert_int_gt(esip_addr_str(&t->addr, s, sizeof s), 0);
	ck_assert_str_eq(s, addr);
}

START_TEST(numeric_hosts)
{
	esip_target t;

	ck_assert_int_eq(target("sip:alice@192.0.2.1", ESIP_TP_UDP, &t), 0);
	ck_assert_int_eq(t.tp, ESIP_TP_UDP);
	ck_assert_uint_eq(t.port, 5060);
	ck_assert(!t.port_explicit && !t.tp_explicit);
	want_addr(&t, "192.0.2.1:5060");
	ck_assert_str_eq(t.host, "192.0.2.1");

	ck_assert_int_eq(target("sip:alice@192.0.2.1:5070", ESIP_TP_UDP, &t), 0);
	ck_assert(t.port_explicit);
	want_addr(&t, "192.0.2.1:5070");

	/* RFC 5118: IPv6 references in brackets */
	ck_assert_int_eq(target("sip:[2001:db8::10]:5080;transport=tcp", ESIP_TP_UDP, &t), 0);
	ck_assert_int_eq(t.tp, ESIP_TP_TCP);
	want_addr(&t, "[2001:db8::10]:5080");
	ck_assert_str_eq(t.host, "2001:db8::10");
	ck_assert_int_eq(target("sip:bob@[::1]", ESIP_TP_UDP, &t), 0);
	want_addr(&t, "[::1]:5060");
}
END_TEST

START_TEST(transport_param)
{
	esip_target t;
	esip_uri u;

	ck_assert_int_eq(target("sip:h.example.com;transport=TCP", ESIP_TP_UDP, &t), 0);
	ck_assert_int_eq(t.tp, ESIP_TP_TCP);
	ck_assert(t.tp_explicit);
	ck_assert(!t.numeric);
	ck_assert_str_eq(t.host, "h.example.com");
	ck_assert_uint_eq(t.port, 5060);
	ck_assert_int_eq(target("sip:h.example.com;transport=udp", ESIP_TP_TCP, &t), 0);
	ck_assert_int_eq(t.tp, ESIP_TP_UDP);
	/* the default when absent (NONE = UDP) */
	ck_assert_int_eq(target("sip:h.example.com", ESIP_TP_TCP, &t), 0);
	ck_assert_int_eq(t.tp, ESIP_TP_TCP);
	ck_assert_int_eq(target("sip:h.example.com", ESIP_TP_NONE, &t), 0);
	ck_assert_int_eq(t.tp, ESIP_TP_UDP);
	/* not implemented: a clear ENOTSUP, not a silent fallback */
	ck_assert_int_eq(target("sip:h.example.com;transport=tls", ESIP_TP_UDP, &t), ESIP_ENOTSUP);
	ck_assert_int_eq(target("sip:h.example.com;transport=sctp", ESIP_TP_UDP, &t), ESIP_ENOTSUP);
	ck_assert_int_eq(target("sip:h.example.com;transport=ws", ESIP_TP_UDP, &t), ESIP_ENOTSUP);
	ck_assert_int_eq(target("sip:h.example.com;transport=wss", ESIP_TP_UDP, &t), ESIP_ENOTSUP);
	ck_assert_int_eq(target("sip:h.example.com;transport=foo", ESIP_TP_UDP, &t), ESIP_ENOTSUP);
	ck_assert_int_eq(target("sip:h.example.com", ESIP_TP_TLS, &t), ESIP_ENOTSUP);
	/* the URI parser rejects an empty value; built by hand here */
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:h.example.com"), &u), 0);
	u.params = ESIP_STR("transport=");
	ck_assert_int_eq(esip_target_from_uri(&u, ESIP_TP_UDP, &t), ESIP_EINVAL);
	u.params = ESIP_STR("maddr=");
	ck_assert_int_eq(esip_target_from_uri(&u, ESIP_TP_UDP, &t), ESIP_EINVAL);
	u.params = ESIP_STR("maddr");
	ck_assert_int_eq(esip_target_from_uri(&u, ESIP_TP_UDP, &t), ESIP_EINVAL);
}
END_TEST

START_TEST(maddr_wins)
{
	esip_target t;

	/* RFC 3261 19.1.1: maddr overrides the host; the port stays */
	ck_assert_int_eq(target("sip:bob@h.example.com:5070;maddr=192.0.2.7", ESIP_TP_UDP, &t), 0);
	want_addr(&t, "192.0.2.7:5070");
	ck_assert_str_eq(t.host, "192.0.2.7");
	ck_assert_int_eq(target("sip:bob@192.0.2.1;maddr=proxy.example.net;transport=tcp",
				ESIP_TP_UDP, &t), 0);
	ck_assert(!t.numeric);
	ck_assert_str_eq(t.host, "proxy.example.net");
	ck_assert_int_eq(t.tp, ESIP_TP_TCP);
	ck_assert_int_eq(target("sip:bob@h.example.com;maddr=[2001:db8::1]", ESIP_TP_UDP, &t), 0);
	want_addr(&t, "[2001:db8::1]:5060");
	ck_assert_int_eq(target("sip:bob@h.example.com;maddr=[192.0.2.1]", ESIP_TP_UDP, &t),
			 ESIP_EINVAL);
	ck_assert_int_eq(target("sip:bob@h.example.com;maddr=a%20b", ESIP_TP_UDP, &t), ESIP_EINVAL);
}
END_TEST

START_TEST(names_and_schemes)
{
	esip_target t;
	esip_uri u;

	ck_assert_int_eq(target("sip:alice@atlanta.example.com", ESIP_TP_UDP, &t), 0);
	ck_assert(!t.numeric);
	ck_assert_int_eq(esip_addr_family(&t.addr), 0);
	ck_assert_str_eq(t.host, "atlanta.example.com");
	ck_assert_int_eq(target("sip:localhost:5099", ESIP_TP_UDP, &t), 0);
	ck_assert_str_eq(t.host, "localhost");
	ck_assert_uint_eq(t.port, 5099);
	/* sips needs TLS, which esip does not have yet */
	ck_assert_int_eq(target("sips:alice@atlanta.example.com", ESIP_TP_UDP, &t), ESIP_ENOTSUP);
	ck_assert_int_eq(target("tel:+1-201-555-0123", ESIP_TP_UDP, &t), ESIP_EINVAL);
	ck_assert_int_eq(target("mailto:a@b.example", ESIP_TP_UDP, &t), ESIP_EINVAL);
	ck_assert_int_eq(esip_target_from_uri(NULL, ESIP_TP_UDP, &t), ESIP_EINVAL);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:a@b"), &u), 0);
	ck_assert_int_eq(esip_target_from_uri(&u, ESIP_TP_UDP, NULL), ESIP_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-target");
	TCase *tc = tcase_create("target");

	tcase_add_test(tc, numeric_hosts);
	tcase_add_test(tc, transport_param);
	tcase_add_test(tc, maddr_wins);
	tcase_add_test(tc, names_and_schemes);
	suite_add_tcase(s, tc);
	return test_run(&s, 1);
}
