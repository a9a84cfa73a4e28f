/* esip_grow: the one growth rule of the buffers (tcp and udp output
 * queues, the framer, esip_buf). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

typedef struct rec {
	long mallocs, reallocs, frees;
} rec;

static void *r_alloc(size_t n, void *ud)
{
	((rec *)ud)->mallocs++;
	return malloc(n);
}

/* a realloc that does not take NULL, as the hooks allow */
static void *r_realloc(void *p, size_t n, void *ud)
{
	ck_assert_ptr_nonnull(p);
	((rec *)ud)->reallocs++;
	return realloc(p, n);
}

static void r_free(void *p, void *ud)
{
	((rec *)ud)->frees++;
	free(p);
}

START_TEST(grow_doubles_from_first)
{
	rec r = {0, 0, 0};
	esip_allocator a = {r_alloc, r_realloc, r_free, &r};
	char *p = NULL;
	size_t cap = 0;

	/* nothing needed: no allocation */
	ck_assert_int_eq(esip_grow(&a, &p, &cap, 0, 1, 64, SIZE_MAX), 0);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(r.mallocs, 0);
	/* the first allocation is first_cap, by malloc */
	ck_assert_int_eq(esip_grow(&a, &p, &cap, 10, 1, 64, SIZE_MAX), 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(cap, 64);
	ck_assert_int_eq(r.mallocs, 1);
	memset(p, 'x', 64);
	/* within the capacity: unchanged */
	ck_assert_int_eq(esip_grow(&a, &p, &cap, 64, 1, 64, SIZE_MAX), 0);
	ck_assert_uint_eq(cap, 64);
	ck_assert_int_eq(r.reallocs, 0);
	/* doubles until it fits, by realloc, data kept */
	ck_assert_int_eq(esip_grow(&a, &p, &cap, 65, 1, 64, SIZE_MAX), 0);
	ck_assert_uint_eq(cap, 128);
	ck_assert_int_eq(esip_grow(&a, &p, &cap, 1000, 1, 64, SIZE_MAX), 0);
	ck_assert_uint_eq(cap, 1024);
	ck_assert_int_eq(r.reallocs, 2);
	ck_assert(p[0] == 'x' && p[63] == 'x');
	esip_free(&a, p);
}
END_TEST

START_TEST(grow_clamps_to_max)
{
	char *p = NULL;
	size_t cap = 0;

	/* doubling would pass the limit: the limit itself */
	ck_assert_int_eq(esip_grow(NULL, &p, &cap, 600, 1, 512, 1000), 0);
	ck_assert_uint_eq(cap, 1000);
	ck_assert_int_eq(esip_grow(NULL, &p, &cap, 1000, 1, 512, 1000), 0);
	ck_assert_uint_eq(cap, 1000);
	/* over the limit: refused, nothing changed */
	ck_assert_int_eq(esip_grow(NULL, &p, &cap, 1001, 1, 512, 1000), ESIP_ELIMIT);
	ck_assert_uint_eq(cap, 1000);
	esip_free(NULL, p);
	/* a first capacity above the limit is clamped too */
	p = NULL;
	cap = 0;
	ck_assert_int_eq(esip_grow(NULL, &p, &cap, 10, 1, 4096, 100), 0);
	ck_assert_uint_eq(cap, 100);
	esip_free(NULL, p);
}
END_TEST

typedef struct elem3 {
	uint32_t a, b, c;
} elem3;

START_TEST(grow_elements)
{
	elem3 *v = NULL;
	size_t cap = 0, i;

	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(esip_grow(NULL, &v, &cap, i + 1, sizeof *v, 8, SIZE_MAX), 0);
		ck_assert_uint_ge(cap, i + 1);
		v[i].a = (uint32_t)i;
		v[i].c = (uint32_t)i * 3;
	}
	ck_assert_uint_eq(cap, 1024);
	for (i = 0; i < 1000; i++)
		ck_assert(v[i].a == i && v[i].c == i * 3);
	esip_free(NULL, v);
	/* a size that overflows is refused before the allocator */
	v = NULL;
	cap = 0;
	ck_assert_int_eq(esip_grow(NULL, &v, &cap, SIZE_MAX / 4, sizeof *v, 8, SIZE_MAX),
			 ESIP_ENOMEM);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(cap, 0);
	ck_assert_int_eq(esip_grow(NULL, &v, &cap, 1, 0, 8, SIZE_MAX), ESIP_EINVAL);
}
END_TEST

START_TEST(grow_failure_keeps_data)
{
	test_alloc ta;
	char *p = NULL;
	size_t cap = 0;

	test_alloc_init(&ta, 2);
	ck_assert_int_eq(esip_grow(&ta.a, &p, &cap, 5, 1, 16, SIZE_MAX), 0);
	memcpy(p, "hello", 5);
	/* the second allocation fails: buffer and capacity as they were */
	ck_assert_int_eq(esip_grow(&ta.a, &p, &cap, 17, 1, 16, SIZE_MAX), ESIP_ENOMEM);
	ck_assert_uint_eq(cap, 16);
	ck_assert(!memcmp(p, "hello", 5));
	ck_assert_int_eq(esip_grow(&ta.a, &p, &cap, 17, 1, 16, SIZE_MAX), 0);
	ck_assert_uint_eq(cap, 32);
	ck_assert(!memcmp(p, "hello", 5));
	esip_free(&ta.a, p);
	ck_assert_int_eq(ta.live, 0);
}
END_TEST

Suite *suite_grow(void)
{
	Suite *s = suite_create("grow");
	TCase *tc = tcase_create("grow");

	tcase_add_test(tc, grow_doubles_from_first);
	tcase_add_test(tc, grow_clamps_to_max);
	tcase_add_test(tc, grow_elements);
	tcase_add_test(tc, grow_failure_keeps_data);
	suite_add_tcase(s, tc);
	return s;
}
