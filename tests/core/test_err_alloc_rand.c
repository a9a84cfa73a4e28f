/* Error list, allocator hooks and random tokens. */
#include "testutil.h"

#include <string.h>

START_TEST(errors)
{
	ck_assert_str_eq(esip_errname(ESIP_EBAD_VIA), "EBAD_VIA");
	ck_assert_str_eq(esip_strerror(ESIP_ENOMEM), "out of memory");
	ck_assert_str_eq(esip_strerror(12345), "unknown error");
	ck_assert_str_eq(esip_errname(12345), "UNKNOWN");
	ck_assert(esip_err_is_peer(ESIP_EBAD_CSEQ));
	ck_assert(!esip_err_is_peer(ESIP_ENOMEM));
	ck_assert(!esip_err_is_peer(ESIP_OK));
}
END_TEST

START_TEST(allocator)
{
	test_alloc ta;
	void *p, *q;

	test_alloc_init(&ta, 2);
	p = esip_malloc(&ta.a, 10);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(esip_malloc(&ta.a, 10)); /* second one fails */
	q = esip_calloc(&ta.a, 4, 4);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(((char *)q)[15], 0);
	ck_assert_int_eq(ta.live, 2);
	esip_free(&ta.a, p);
	esip_free(&ta.a, q);
	esip_free(&ta.a, NULL);
	ck_assert_int_eq(ta.live, 0);
	/* overflow is refused before calling the hook */
	ck_assert_ptr_null(esip_calloc(&ta.a, SIZE_MAX / 2, 4));
	/* NULL allocator = libc */
	p = esip_malloc(NULL, 1);
	ck_assert_ptr_nonnull(p);
	p = esip_realloc(NULL, p, 100);
	ck_assert_ptr_nonnull(p);
	esip_free(NULL, p);
}
END_TEST

START_TEST(random_tokens)
{
	esip_rand r;
	char a[600], b[600];
	size_t i;
	int seen[256] = {0};

	esip_rand_init(&r);
	ck_assert_int_eq(esip_rand_alnum(&r, a, sizeof a), 0);
	ck_assert_int_eq(esip_rand_alnum(&r, b, sizeof b), 0);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	for (i = 0; i < sizeof a; i++) {
		unsigned char c = (unsigned char)a[i];
		ck_assert((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			  (c >= 'A' && c <= 'Z'));
		seen[c] = 1;
	}
	/* 600 draws from 62 symbols: all but a handful appear */
	{
		int distinct = 0;
		for (i = 0; i < 256; i++)
			distinct += seen[i];
		ck_assert_int_gt(distinct, 50);
	}
}
END_TEST

Suite *suite_err_alloc_rand(void)
{
	Suite *s = suite_create("err_alloc_rand");
	TCase *tc = tcase_create("all");

	tcase_add_test(tc, errors);
	tcase_add_test(tc, allocator);
	tcase_add_test(tc, random_tokens);
	suite_add_tcase(s, tc);
	return s;
}
