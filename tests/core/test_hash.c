/*
 * test_hash.c - SipHash-1-3 (esip_hash) against vectors computed with an
 * independent implementation that reproduces the SipHash paper's
 * SipHash-2-4 test vector (key 00..0f, message 00..0e ->
 * a129ca6149be45e5) with c = 1, d = 3; and the intrusive hash table:
 * insert, lookup by hash, remove, growth up to its bound, a failed growth,
 * removal while iterating.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static esip_hash_key key_0_15(void)
{
	esip_hash_key k;

	k.k0 = 0x0706050403020100ull;
	k.k1 = 0x0f0e0d0c0b0a0908ull;
	return k;
}

START_TEST(siphash13_vectors)
{
	static const struct {
		size_t n;
		uint64_t h;
	} v[] = {
		{0, 0xabac0158050fc4dcull},  {1, 0xc9f49bf37d57ca93ull}, {7, 0xd3927d989bb11140ull},
		{8, 0x369095118d299a8eull},  {9, 0x25a48eb36c063de4ull}, {15, 0xd320d86d2a519956ull},
		{16, 0xcc4fdd1a7d908b66ull}, {63, 0x9d199062b7bbb3a8ull},
	};
	esip_hash_key k = key_0_15();
	unsigned char msg[64];
	size_t i;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		ck_assert_msg(esip_hash(&k, msg, v[i].n) == v[i].h, "length %zu", v[i].n);
}
END_TEST

START_TEST(hash_key_from_rand)
{
	esip_rand r;
	esip_hash_key a, b;

	esip_rand_init(&r);
	ck_assert_int_eq(esip_hash_key_init(&a, &r), 0);
	ck_assert_int_eq(esip_hash_key_init(&b, &r), 0);
	ck_assert(a.k0 != b.k0 || a.k1 != b.k1);
	/* other keys, other hashes */
	ck_assert(esip_hash(&a, "z9hG4bK1", 8) != esip_hash(&b, "z9hG4bK1", 8));
}
END_TEST

typedef struct item {
	esip_hnode node;
	int key;
} item;

static uint64_t h_of(int key) { return (uint64_t)key * 0x9e3779b97f4a7c15ull; }

static item *find(esip_htab *t, int key)
{
	esip_hnode *n;

	for (n = esip_htab_first(t, h_of(key)); n; n = esip_htab_next(n, h_of(key))) {
		item *it = ESIP_CONTAINER_OF(n, item, node);
		if (it->key == key)
			return it;
	}
	return NULL;
}

START_TEST(htab_insert_find_remove_grow)
{
	test_alloc ta;
	esip_htab t;
	item *items = calloc(5000, sizeof *items);
	int i;

	test_alloc_init(&ta, 0);
	ck_assert_int_eq(esip_htab_init(&t, &ta.a, 4, 1024), 0);
	for (i = 0; i < 5000; i++) {
		items[i].key = i;
		esip_htab_insert(&t, &items[i].node, h_of(i));
	}
	ck_assert_uint_eq(t.count, 5000);
	/* grown, but never past its bound */
	ck_assert_uint_eq(t.mask + 1, 1024);
	for (i = 0; i < 5000; i++)
		ck_assert_ptr_eq(find(&t, i), &items[i]);
	ck_assert_ptr_null(find(&t, 5000));
	for (i = 0; i < 5000; i += 2)
		esip_htab_remove(&t, &items[i].node);
	ck_assert_uint_eq(t.count, 2500);
	for (i = 0; i < 5000; i++)
		ck_assert_ptr_eq(find(&t, i), i % 2 ? &items[i] : NULL);
	esip_htab_deinit(&t);
	ck_assert_int_eq(ta.live, 0);
	free(items);
}
END_TEST

START_TEST(htab_same_hash_chain)
{
	/* equal hashes (a flood that guessed the key) still work: the chain
	 * holds all of them and the owner's compare picks */
	esip_htab t;
	item it[50];
	esip_hnode *n;
	int i, seen = 0;

	ck_assert_int_eq(esip_htab_init(&t, NULL, 16, 16), 0);
	for (i = 0; i < 50; i++) {
		it[i].key = i;
		esip_htab_insert(&t, &it[i].node, 42);
	}
	for (n = esip_htab_first(&t, 42); n; n = esip_htab_next(n, 42))
		seen++;
	ck_assert_int_eq(seen, 50);
	ck_assert_ptr_null(esip_htab_first(&t, 43));
	esip_htab_deinit(&t);
}
END_TEST

START_TEST(htab_failed_growth_keeps_working)
{
	test_alloc ta;
	esip_htab t;
	item it[300];
	int i;

	test_alloc_init(&ta, 2); /* the first growth fails */
	ck_assert_int_eq(esip_htab_init(&t, &ta.a, 16, 4096), 0);
	for (i = 0; i < 300; i++) {
		it[i].key = i;
		esip_htab_insert(&t, &it[i].node, h_of(i));
	}
	ck_assert_uint_ge(ta.failed, 1);
	for (i = 0; i < 300; i++)
		ck_assert_ptr_eq(find(&t, i), &it[i]);
	esip_htab_deinit(&t);
	ck_assert_int_eq(ta.live, 0);
	/* no memory at all for the initial array */
	test_alloc_init(&ta, 1);
	ck_assert_int_eq(esip_htab_init(&t, &ta.a, 16, 16), ESIP_ENOMEM);
}
END_TEST

static void remove_odd(esip_hnode *n, void *ud)
{
	item *it = ESIP_CONTAINER_OF(n, item, node);

	if (it->key % 2)
		esip_htab_remove(ud, n);
}

START_TEST(htab_foreach_may_remove)
{
	esip_htab t;
	item it[100];
	int i;

	ck_assert_int_eq(esip_htab_init(&t, NULL, 8, 8), 0);
	for (i = 0; i < 100; i++) {
		it[i].key = i;
		esip_htab_insert(&t, &it[i].node, h_of(i));
	}
	esip_htab_foreach(&t, remove_odd, &t);
	ck_assert_uint_eq(t.count, 50);
	for (i = 0; i < 100; i++)
		ck_assert_ptr_eq(find(&t, i), i % 2 ? NULL : &it[i]);
	esip_htab_deinit(&t);
}
END_TEST

Suite *suite_hash(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, siphash13_vectors);
	tcase_add_test(tc, hash_key_from_rand);
	tcase_add_test(tc, htab_insert_find_remove_grow);
	tcase_add_test(tc, htab_same_hash_chain);
	tcase_add_test(tc, htab_failed_growth_keeps_working);
	tcase_add_test(tc, htab_foreach_may_remove);
	suite_add_tcase(s, tc);
	return s;
}
