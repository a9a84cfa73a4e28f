/* The asynchronous resolver: results inside esip_transport_process(),
 * cancel, free with requests in flight.  Only names that never reach a
 * DNS server are used: "localhost" (from /etc/hosts) and a name with a
 * 64-character label, which no DNS query can carry (RFC 1035 2.3.4), so
 * the lookup fails locally. */
#include "tp_harness.h"

#include <esip/transport.h>

typedef struct res_rec {
	int calls;
	int err;
	size_t n;
	esip_addr addrs[ESIP_RESOLVE_MAX_ADDRS];
} res_rec;

static void res_cb(void *ud, int err, const esip_addr *addrs, size_t n)
{
	res_rec *r = ud;

	r->calls++;
	r->err = err;
	r->n = n;
	if (n)
		memcpy(r->addrs, addrs, n * sizeof *addrs);
}

static const char *bogus_name(void)
{
	static char name[128];

	memset(name, 'q', 64);
	strcpy(name + 64, ".invalid");
	return name;
}

START_TEST(resolve_localhost)
{
	harness h;
	res_rec r;
	uint64_t id = 0;
	size_t i;

	h_init(&h, NULL);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(esip_transport_resolve(h.t, "localhost", 5070, ESIP_TP_TCP, res_cb, &r, &id), 0);
	ck_assert(id != 0);
	ck_assert_int_eq(r.calls, 0); /* never from the call itself */
	ck_assert(H_PUMP(&h, r.calls == 1, 3000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_ge(r.n, 1);
	for (i = 0; i < r.n; i++) {
		esip_addr lo4, lo6;
		ck_assert_int_eq(esip_addr_parse(&lo4, "127.0.0.1:5070"), 0);
		ck_assert_int_eq(esip_addr_parse(&lo6, "[::1]:5070"), 0);
		ck_assert(esip_addr_eq(&r.addrs[i], &lo4) || esip_addr_eq(&r.addrs[i], &lo6));
	}
	/* delivered once: cancelling now finds nothing */
	ck_assert_int_eq(esip_transport_resolve_cancel(h.t, id), ESIP_ENOTFOUND);
	ck_assert(!H_PUMP(&h, r.calls > 1, 50));
	h_fini(&h);
}
END_TEST

START_TEST(resolve_udp_needs_listener_family)
{
	harness h;
	res_rec r;

	h_init(&h, NULL);
	memset(&r, 0, sizeof r);
	/* no UDP listener: no address could be used for UDP */
	ck_assert_int_eq(esip_transport_resolve(h.t, "localhost", 5060, ESIP_TP_UDP, res_cb, &r, NULL), 0);
	ck_assert(H_PUMP(&h, r.calls == 1, 3000));
	ck_assert_int_eq(r.err, ESIP_ERESOLVE);
	ck_assert_uint_eq(r.n, 0);
	/* with an IPv4 UDP listener: IPv4 only */
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", NULL), 0);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(esip_transport_resolve(h.t, "localhost", 5060, ESIP_TP_UDP, res_cb, &r, NULL), 0);
	ck_assert(H_PUMP(&h, r.calls == 1, 3000));
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_ge(r.n, 1);
	ck_assert_int_eq(esip_addr_family(&r.addrs[0]), AF_INET);
	h_fini(&h);
}
END_TEST

START_TEST(resolve_numeric)
{
	harness h;
	res_rec r4, r6;
	char s[ESIP_ADDR_STRLEN];

	h_init(&h, NULL);
	memset(&r4, 0, sizeof r4);
	memset(&r6, 0, sizeof r6);
	ck_assert_int_eq(esip_transport_resolve(h.t, "192.0.2.5", 5060, ESIP_TP_TCP, res_cb, &r4, NULL), 0);
	ck_assert_int_eq(esip_transport_resolve(h.t, "[2001:db8::5]", 5061, ESIP_TP_TCP, res_cb, &r6, NULL), 0);
	ck_assert_int_eq(r4.calls + r6.calls, 0);
	ck_assert(H_PUMP(&h, r4.calls == 1 && r6.calls == 1, 2000));
	ck_assert_int_eq(r4.err, 0);
	ck_assert_uint_eq(r4.n, 1);
	esip_addr_str(&r4.addrs[0], s, sizeof s);
	ck_assert_str_eq(s, "192.0.2.5:5060");
	esip_addr_str(&r6.addrs[0], s, sizeof s);
	ck_assert_str_eq(s, "[2001:db8::5]:5061");
	h_fini(&h);
}
END_TEST

START_TEST(resolve_bogus)
{
	harness h;
	res_rec r;
	esip_transport_stats st;

	h_init(&h, NULL);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(esip_transport_resolve(h.t, bogus_name(), 5060, ESIP_TP_TCP, res_cb, &r, NULL), 0);
	ck_assert(H_PUMP(&h, r.calls == 1, 3000));
	ck_assert_int_eq(r.err, ESIP_ERESOLVE);
	ck_assert_uint_eq(r.n, 0);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.resolve_failed, 1);
	h_fini(&h);
}
END_TEST

START_TEST(resolve_cancel)
{
	harness h;
	res_rec r[8], keep;
	uint64_t ids[8];
	int i;

	h_init(&h, NULL);
	memset(r, 0, sizeof r);
	memset(&keep, 0, sizeof keep);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(esip_transport_resolve(h.t, i % 2 ? "localhost" : "127.0.0.1", 5060,
							ESIP_TP_TCP, res_cb, &r[i], &ids[i]), 0);
	ck_assert_int_eq(esip_transport_resolve(h.t, "localhost", 5060, ESIP_TP_TCP, res_cb, &keep, NULL), 0);
	/* queued, running or done-but-undelivered: none may call back */
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(esip_transport_resolve_cancel(h.t, ids[i]), 0);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(esip_transport_resolve_cancel(h.t, ids[i]), ESIP_ENOTFOUND);
	ck_assert_int_eq(esip_transport_resolve_cancel(h.t, 12345), ESIP_ENOTFOUND);
	ck_assert(H_PUMP(&h, keep.calls == 1, 3000));
	ck_assert(!H_PUMP(&h, r[0].calls + r[1].calls + r[2].calls + r[3].calls + r[4].calls +
				      r[5].calls + r[6].calls + r[7].calls > 0, 100));
	h_fini(&h);
}
END_TEST

START_TEST(resolve_limits)
{
	harness h;
	esip_transport_config c;
	res_rec r;
	int i;

	esip_transport_config_init(&c);
	c.max_resolve = 4;
	h_init(&h, &c);
	memset(&r, 0, sizeof r);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(esip_transport_resolve(h.t, "127.0.0.1", 1, ESIP_TP_TCP, res_cb, &r, NULL), 0);
	ck_assert_int_eq(esip_transport_resolve(h.t, "127.0.0.1", 1, ESIP_TP_TCP, res_cb, &r, NULL), ESIP_ELIMIT);
	ck_assert(H_PUMP(&h, r.calls == 4, 2000));
	ck_assert_int_eq(esip_transport_resolve(h.t, "127.0.0.1", 1, ESIP_TP_TCP, res_cb, &r, NULL), 0);
	ck_assert_int_eq(esip_transport_resolve(h.t, "", 1, ESIP_TP_TCP, res_cb, &r, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_transport_resolve(h.t, NULL, 1, ESIP_TP_TCP, res_cb, &r, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_transport_resolve(h.t, "x", 1, ESIP_TP_TCP, NULL, &r, NULL), ESIP_EINVAL);
	{
		char longname[300];
		memset(longname, 'a', sizeof longname - 1);
		longname[sizeof longname - 1] = 0;
		ck_assert_int_eq(esip_transport_resolve(h.t, longname, 1, ESIP_TP_TCP, res_cb, &r, NULL),
				 ESIP_EINVAL);
	}
	h_fini(&h);
}
END_TEST

/* Free with lookups queued and running: clean (ASan/LSan), no callback. */
START_TEST(resolve_free_in_flight)
{
	harness h;
	res_rec r;
	int i;

	for (i = 0; i < 20; i++) {
		h_init(&h, NULL);
		memset(&r, 0, sizeof r);
		ck_assert_int_eq(esip_transport_resolve(h.t, "localhost", 1, ESIP_TP_TCP, res_cb, &r, NULL), 0);
		ck_assert_int_eq(esip_transport_resolve(h.t, bogus_name(), 1, ESIP_TP_TCP, res_cb, &r, NULL), 0);
		ck_assert_int_eq(esip_transport_resolve(h.t, "127.0.0.1", 1, ESIP_TP_TCP, res_cb, &r, NULL), 0);
		if (i % 2) {
			/* let the worker get going */
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
		}
		h_fini(&h);
		ck_assert_int_eq(r.calls, 0);
	}
}
END_TEST

/* A callback that resolves again and cancels another request. */
typedef struct chain {
	harness *h;
	res_rec first, second, victim;
	uint64_t victim_id;
} chain;

static void chain_cb(void *ud, int err, const esip_addr *addrs, size_t n)
{
	chain *c = ud;

	res_cb(&c->first, err, addrs, n);
	esip_transport_resolve_cancel(c->h->t, c->victim_id);
	ck_assert_int_eq(esip_transport_resolve(c->h->t, "localhost", 2, ESIP_TP_TCP, res_cb,
						&c->second, NULL), 0);
}

START_TEST(resolve_from_callback)
{
	harness h;
	chain c;

	h_init(&h, NULL);
	memset(&c, 0, sizeof c);
	c.h = &h;
	ck_assert_int_eq(esip_transport_resolve(h.t, "127.0.0.1", 1, ESIP_TP_TCP, chain_cb, &c, NULL), 0);
	ck_assert_int_eq(esip_transport_resolve(h.t, "127.0.0.2", 1, ESIP_TP_TCP, res_cb, &c.victim,
						&c.victim_id), 0);
	ck_assert(H_PUMP(&h, c.second.calls == 1, 3000));
	ck_assert_int_eq(c.first.calls, 1);
	ck_assert_int_eq(c.victim.calls, 0);
	ck_assert_int_eq(c.second.err, 0);
	h_fini(&h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-resolve");
	TCase *tc = tcase_create("resolve");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, resolve_localhost);
	tcase_add_test(tc, resolve_udp_needs_listener_family);
	tcase_add_test(tc, resolve_numeric);
	tcase_add_test(tc, resolve_bogus);
	tcase_add_test(tc, resolve_cancel);
	tcase_add_test(tc, resolve_limits);
	tcase_add_test(tc, resolve_free_in_flight);
	tcase_add_test(tc, resolve_from_callback);
	suite_add_tcase(s, tc);
	return test_run(&s, 1);
}
