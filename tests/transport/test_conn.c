/* The TCP connection table: the remote-address index is keyed, so a peer
 * cannot choose addresses that share one chain. */
#include "tp_harness.h"
#include "transport_int.h"

/* FNV-1a over address and port, modulo the table: the unkeyed hash the
 * index used, which anyone can compute. */
static uint32_t fnv_bucket(const esip_addr *a, uint32_t nslots)
{
	const unsigned char *p = (const unsigned char *)&a->u.in4.sin_addr;
	uint16_t port = esip_addr_port(a);
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < 4; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h & (nslots - 1);
}

/* Suspected in issue 13: a peer picks source ports that an unkeyed hash
 * puts in one bucket.  With the keyed one they spread as random ones do,
 * and another transport puts them elsewhere. */
START_TEST(conn_index_keyed)
{
	harness h, h2;
	esip_addr a, picked[128];
	uint32_t port, n = 0, i, same = 0, worst = 0;
	uint32_t *count;

	h_init(&h, NULL);
	h_init(&h2, NULL);
	ck_assert_uint_eq(h.t->nslots, 1024);
	ck_assert_int_eq(esip_addr_parse(&a, "203.0.113.9:0"), 0);
	for (port = 1; port < 65536 && n < 128; port++) {
		esip_addr_set_port(&a, (uint16_t)port);
		if (fnv_bucket(&a, h.t->nslots) == 7)
			picked[n++] = a;
	}
	ck_assert_uint_ge(n, 32);
	count = calloc(h.t->nslots, sizeof *count);
	ck_assert_ptr_nonnull(count);
	for (i = 0; i < n; i++) {
		uint32_t b = esip__conn_bucket(h.t, &picked[i]);
		ck_assert_uint_lt(b, h.t->nslots);
		if (++count[b] > worst)
			worst = count[b];
		if (b == esip__conn_bucket(h2.t, &picked[i]))
			same++;
	}
	/* n random balls in 1024 bins: more than 6 in one is ~1e-7 */
	ck_assert_uint_le(worst, 6);
	ck_assert_uint_lt(same, n / 4);
	free(count);
	h_fini(&h);
	h_fini(&h2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-conn");
	TCase *tc = tcase_create("conn");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, conn_index_keyed);
	suite_add_tcase(s, tc);
	return test_run(&s, 1);
}
