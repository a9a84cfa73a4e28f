/* Addresses, transport kinds and the RFC 3261 18.2 / RFC 3581 routing rules. */
#include "testutil.h"

#include <esip/net.h>
#include <stdio.h>
#include <string.h>

START_TEST(addresses)
{
	esip_addr a, b;
	char s[ESIP_ADDR_STRLEN];

	ck_assert_int_eq(esip_addr_parse(&a, "192.0.2.1:5070"), 0);
	ck_assert_int_eq(esip_addr_port(&a), 5070);
	ck_assert_int_eq(esip_addr_family(&a), AF_INET);
	ck_assert_int_eq(esip_addr_str(&a, s, sizeof s), 14);
	ck_assert_str_eq(s, "192.0.2.1:5070");
	ck_assert_int_eq(esip_addr_parse(&b, "[2001:db8::1]:5060"), 0);
	ck_assert_int_eq(esip_addr_family(&b), AF_INET6);
	ck_assert_int_gt(esip_addr_str(&b, s, sizeof s), 0);
	ck_assert_str_eq(s, "[2001:db8::1]:5060");
	ck_assert_int_eq(esip_addr_parse(&b, "::1"), 0);
	ck_assert_int_eq(esip_addr_port(&b), 0);
	ck_assert_int_eq(esip_addr_parse(&b, "192.0.2.1"), 0);
	ck_assert(esip_addr_eq_ip(&a, &b));
	ck_assert(!esip_addr_eq(&a, &b));
	esip_addr_set_port(&b, 5070);
	ck_assert(esip_addr_eq(&a, &b));
	ck_assert_int_eq(esip_addr_parse(&a, "example.com:5060"), ESIP_EINVAL);
	ck_assert_int_eq(esip_addr_parse(&a, "1.2.3.4:99999"), ESIP_EINVAL);
	ck_assert_int_eq(esip_addr_parse(&a, "[::1"), ESIP_EINVAL);
	ck_assert_int_eq(esip_addr_parse(&a, "1.2.3.4:"), ESIP_EINVAL);
	ck_assert_int_eq(esip_addr_from_ip(&a, ESIP_STR("10.0.0.1\0x"), 1), ESIP_EINVAL);
	ck_assert_int_eq(esip_addr_ip_str(&b, s, 4), ESIP_ENOSPC);
}
END_TEST

START_TEST(kinds)
{
	ck_assert_int_eq(esip_tp_from_name(ESIP_STR("udp")), ESIP_TP_UDP);
	ck_assert_int_eq(esip_tp_from_name(ESIP_STR("TCP")), ESIP_TP_TCP);
	ck_assert_int_eq(esip_tp_from_name(ESIP_STR("UNKNOWN")), ESIP_TP_NONE);
	ck_assert(esip_tp_reliable(ESIP_TP_TCP) && !esip_tp_reliable(ESIP_TP_UDP));
	ck_assert_int_eq(esip_tp_default_port(ESIP_TP_TLS), 5061);
	ck_assert_str_eq(esip_tp_name(ESIP_TP_UDP), "UDP");
}
END_TEST

typedef struct req {
	esip_hdr hdrs[32];
	esip_msg m;
	char buf[1024];
} req;

static void parse_via(req *r, const char *via)
{
	int n = snprintf(r->buf, sizeof r->buf,
			 "OPTIONS sip:a@b.example SIP/2.0\r\nVia: %s\r\nCall-ID: x\r\n"
			 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", via);
	esip_msg_init(&r->m, r->hdrs, 32);
	ck_assert_int_eq(esip_msg_parse(&r->m, r->buf, (size_t)n, 0, NULL), n);
}

static esip_rx_info rx_from(esip_tp tp, const char *peer, uint32_t conn)
{
	esip_rx_info rx;

	memset(&rx, 0, sizeof rx);
	rx.tp = tp;
	ck_assert_int_eq(esip_addr_parse(&rx.peer, peer), 0);
	rx.conn = conn;
	rx.listener = 3;
	return rx;
}

static void want_dest(const esip_dest *d, const char *addr)
{
	char s[ESIP_ADDR_STRLEN];

	ck_assert_int_gt(esip_addr_str(&d->addr, s, sizeof s), 0);
	ck_assert_str_eq(s, addr);
}

START_TEST(response_routing)
{
	req r;
	esip_rx_info rx;
	esip_dest d;

	/* UDP: the source address, the sent-by port (RFC 3261 18.2.2) */
	parse_via(&r, "SIP/2.0/UDP client.example.com:5070;branch=z9hG4bK1");
	rx = rx_from(ESIP_TP_UDP, "192.0.2.9:40000", 0);
	ck_assert_int_eq(esip_response_dest(&r.m, &rx, &d), 0);
	want_dest(&d, "192.0.2.9:5070");
	ck_assert_uint_eq(d.listener, 3);
	/* no port: 5060 */
	parse_via(&r, "SIP/2.0/UDP client.example.com;branch=z9hG4bK1");
	ck_assert_int_eq(esip_response_dest(&r.m, &rx, &d), 0);
	want_dest(&d, "192.0.2.9:5060");
	/* RFC 3581 4: rport -> the source port */
	parse_via(&r, "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1");
	ck_assert_int_eq(esip_response_dest(&r.m, &rx, &d), 0);
	want_dest(&d, "192.0.2.9:40000");
	/* maddr wins for unreliable transports */
	parse_via(&r, "SIP/2.0/UDP h.example.com:5080;maddr=239.255.255.1;branch=z9hG4bK1");
	ck_assert_int_eq(esip_response_dest(&r.m, &rx, &d), 0);
	want_dest(&d, "239.255.255.1:5080");
	/* TCP: the same connection */
	parse_via(&r, "SIP/2.0/TCP h.example.com:5070;branch=z9hG4bK1");
	rx = rx_from(ESIP_TP_TCP, "[2001:db8::9]:41000", 7);
	ck_assert_int_eq(esip_response_dest(&r.m, &rx, &d), 0);
	ck_assert_uint_eq(d.conn, 7);
	ck_assert_int_eq(d.tp, ESIP_TP_TCP);
	want_dest(&d, "[2001:db8::9]:5070");
}
END_TEST

START_TEST(via_stamping)
{
	req r;
	esip_rx_info rx = rx_from(ESIP_TP_UDP, "192.0.2.9:40000", 0);
	esip_via_stamp st;

	/* 18.2.1: a host name -> received */
	parse_via(&r, "SIP/2.0/UDP client.example.com;branch=z9hG4bK1");
	esip_via_stamp_compute(&r.m, &rx, &st);
	ck_assert(st.add_received && !st.add_rport);
	ck_assert_str_eq(st.received, "192.0.2.9");
	/* the same IP: nothing */
	parse_via(&r, "SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK1");
	esip_via_stamp_compute(&r.m, &rx, &st);
	ck_assert(!st.add_received && !st.add_rport);
	/* RFC 3581 4: rport -> received even if equal, rport=source port */
	parse_via(&r, "SIP/2.0/UDP 192.0.2.9:5060;rport;branch=z9hG4bK1");
	esip_via_stamp_compute(&r.m, &rx, &st);
	ck_assert(st.add_received && st.add_rport);
	ck_assert_uint_eq(st.rport, 40000);
	/* rport with a value already: not rewritten */
	parse_via(&r, "SIP/2.0/UDP 192.0.2.9:5060;rport=1234;branch=z9hG4bK1");
	esip_via_stamp_compute(&r.m, &rx, &st);
	ck_assert(st.add_received && !st.add_rport);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, addresses);
	tcase_add_test(tc, kinds);
	tcase_add_test(tc, response_routing);
	tcase_add_test(tc, via_stamping);
	suite_add_tcase(s, tc);
	return test_run(&s, 1);
}
