/*
 * test_hash.c - SipHash-1-3 (esip_hash) against vectors computed with an
 * independent implementation that reproduces the SipHash paper's
 * SipHash-2-4 test vector (key 00..0f, message 00..0e ->
 * a129ca6149be45e5) with c = 1, d = 3; and the hash table of embedded
 * nodes: insert, lookup by hash, remove (backward shift, checked against
 * a model under random operations), growth up to its bound, a full table,
 * a failed growth, removal while iterating.
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

START_TEST(siphash13_streamed_equals_one_shot)
{
	esip_hash_key k = key_0_15();
	unsigned char msg[100];
	size_t n, cut1, cut2;

	for (n = 0; n < sizeof msg; n++)
		msg[n] = (unsigned char)(n * 7 + 1);
	for (n = 0; n <= sizeof msg; n += 3)
		for (cut1 = 0; cut1 <= n; cut1 += 5)
			for (cut2 = cut1; cut2 <= n; cut2 += 2) {
				esip_hash_state st;
				esip_hash_begin(&st, &k);
				esip_hash_update(&st, msg, cut1);
				esip_hash_update(&st, msg + cut1, cut2 - cut1);
				esip_hash_update(&st, msg + cut2, n - cut2);
				ck_assert(esip_hash_end(&st) == esip_hash(&k, msg, n));
			}
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
	esip_hiter hi;
	esip_hnode *n;

	for (n = esip_htab_first(t, h_of(key), &hi); n; n = esip_htab_next(&hi)) {
		item *x = ESIP_CONTAINER_OF(n, item, node);
		if (x->key == key)
			return x;
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
	ck_assert_int_eq(esip_htab_init(&t, &ta.a, 4, 8192), 0);
	for (i = 0; i < 5000; i++) {
		items[i].key = i;
		ck_assert_int_eq(esip_htab_insert(&t, &items[i].node, h_of(i)), 0);
	}
	ck_assert_uint_eq(t.count, 5000);
	/* grown at half load, but never past its bound */
	ck_assert_uint_eq(t.mask + 1, 8192);
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
	esip_hiter hi;
	int i, seen = 0;

	ck_assert_int_eq(esip_htab_init(&t, NULL, 16, 1024), 0);
	for (i = 0; i < 50; i++) {
		it[i].key = i;
		ck_assert_int_eq(esip_htab_insert(&t, &it[i].node, 42), 0);
	}
	for (n = esip_htab_first(&t, 42, &hi); n; n = esip_htab_next(&hi))
		seen++;
	ck_assert_int_eq(seen, 50);
	ck_assert_ptr_null(esip_htab_first(&t, 43, &hi));
	/* remove from the middle of the run: the others stay reachable */
	esip_htab_remove(&t, &it[20].node);
	seen = 0;
	for (n = esip_htab_first(&t, 42, &hi); n; n = esip_htab_next(&hi)) {
		ck_assert_ptr_ne(n, &it[20].node);
		seen++;
	}
	ck_assert_int_eq(seen, 49);
	esip_htab_deinit(&t);
}
END_TEST

/* An allocator that grants only its first allocation. */
static int grants;
static void *one_alloc(size_t n, void *ud) { return grants-- > 0 ? malloc(n) : NULL; }
static void *one_realloc(void *p, size_t n, void *ud) { return NULL; }
static void one_free(void *p, void *ud) { free(p); }

START_TEST(htab_failed_growth_keeps_working)
{
	esip_allocator once = {one_alloc, one_realloc, one_free, NULL};
	esip_htab t;
	item items[300];
	int i, ok = 0;

	grants = 1; /* the initial array; every growth fails */
	ck_assert_int_eq(esip_htab_init(&t, &once, 64, 4096), 0);
	for (i = 0; i < 300; i++) {
		items[i].key = i;
		if (esip_htab_insert(&t, &items[i].node, h_of(i)) == 0)
			ok++;
	}
	/* the 64 slots fill to 15/16, then inserts fail cleanly */
	ck_assert_int_eq(ok, 60);
	for (i = 0; i < 300; i++)
		ck_assert_ptr_eq(find(&t, i), i < 60 ? &items[i] : NULL);
	esip_htab_deinit(&t);
	/* no memory at all for the initial array */
	grants = 0;
	ck_assert_int_eq(esip_htab_init(&t, &once, 16, 16), ESIP_ENOMEM);
}
END_TEST

START_TEST(htab_bound_is_a_limit)
{
	esip_htab t;
	item it[64];
	int i, ok = 0;

	ck_assert_int_eq(esip_htab_init(&t, NULL, 8, 32), 0);
	for (i = 0; i < 64; i++)
		ok += esip_htab_insert(&t, &it[i].node, h_of(i)) == 0;
	ck_assert_int_eq(ok, 30); /* 15/16 of 32 */
	ck_assert_uint_eq(t.mask + 1, 32);
	esip_htab_deinit(&t);
}
END_TEST

START_TEST(htab_lookups_during_incremental_growth)
{
	/* after every insert (growth in progress or not) every node is found
	 * exactly once, and removals from either array work */
	enum { N = 20000 };
	esip_htab t;
	item *items = calloc(N, sizeof *items);
	int i, k;

	ck_assert_int_eq(esip_htab_init(&t, NULL, 8, 1 << 20), 0);
	for (i = 0; i < N; i++) {
		items[i].key = i;
		ck_assert_int_eq(esip_htab_insert(&t, &items[i].node, h_of(i)), 0);
		if (t.old && i % 7 == 0) {
			/* in the middle of a growth: look up old and new keys */
			for (k = 0; k <= i; k += 1 + i / 50)
				ck_assert_ptr_eq(find(&t, k), &items[k]);
			/* remove one that is likely still in the old array */
			esip_htab_remove(&t, &items[i / 2].node);
			ck_assert_ptr_null(find(&t, i / 2));
			ck_assert_int_eq(esip_htab_insert(&t, &items[i / 2].node, h_of(i / 2)), 0);
		}
	}
	ck_assert_uint_eq(t.count, N);
	for (i = 0; i < N; i++)
		ck_assert_ptr_eq(find(&t, i), &items[i]);
	esip_htab_deinit(&t);
	free(items);
}
END_TEST

START_TEST(htab_random_against_model)
{
	/* random inserts and removals with clustered hashes (few distinct
	 * home slots) against a presence array: every find is right */
	enum { N = 2000 };
	esip_htab t;
	item *items = calloc(N, sizeof *items);
	bool *in = calloc(N, sizeof *in);
	uint64_t x = 88172645463325252ull;
	int step, i;

	ck_assert_int_eq(esip_htab_init(&t, NULL, 8, 1 << 14), 0);
	for (i = 0; i < N; i++)
		items[i].key = i;
	for (step = 0; step < 200000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (int)(x % N);
		if (in[i])
			esip_htab_remove(&t, &items[i].node);
		else
			ck_assert_int_eq(esip_htab_insert(&t, &items[i].node, (uint64_t)(i % 97) * 7919u), 0);
		in[i] = !in[i];
		if (step % 997 == 0) {
			int k;
			size_t count = 0;
			for (k = 0; k < N; k++) {
				esip_hiter hi;
				esip_hnode *n;
				bool found = false;
				for (n = esip_htab_first(&t, (uint64_t)(k % 97) * 7919u, &hi); n;
				     n = esip_htab_next(&hi))
					found |= n == &items[k].node;
				ck_assert_int_eq(found, in[k]);
				count += in[k];
			}
			ck_assert_uint_eq(count, t.count);
		}
	}
	esip_htab_deinit(&t);
	free(items);
	free(in);
}
END_TEST

typedef struct visit {
	esip_htab *t;
	int seen[100];
} visit;

static void remove_odd(esip_hnode *n, void *ud)
{
	visit *v = ud;
	item *it = ESIP_CONTAINER_OF(n, item, node);

	v->seen[it->key]++;
	if (it->key % 2)
		esip_htab_remove(v->t, n);
}

START_TEST(htab_foreach_may_remove)
{
	esip_htab t;
	item it[100];
	int i;

	ck_assert_int_eq(esip_htab_init(&t, NULL, 8, 1024), 0);
	for (i = 0; i < 100; i++) {
		it[i].key = i;
		/* every 4th in one cluster: removals shift entries back */
		ck_assert_int_eq(esip_htab_insert(&t, &it[i].node, i % 4 ? h_of(i) : 5), 0);
	}
	{
		static visit v;
		v.t = &t;
		esip_htab_foreach(&t, remove_odd, &v);
		/* every node exactly once, even those shifted by a removal */
		for (i = 0; i < 100; i++)
			ck_assert_int_eq(v.seen[i], 1);
	}
	ck_assert_uint_eq(t.count, 50);
	for (i = 0; i < 100; i++)
		if (i % 4)
			ck_assert_ptr_eq(find(&t, i), i % 2 ? NULL : &it[i]);
	esip_htab_deinit(&t);
}
END_TEST

Suite *suite_hash(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, siphash13_vectors);
	tcase_add_test(tc, siphash13_streamed_equals_one_shot);
	tcase_add_test(tc, hash_key_from_rand);
	tcase_add_test(tc, htab_insert_find_remove_grow);
	tcase_add_test(tc, htab_same_hash_chain);
	tcase_add_test(tc, htab_failed_growth_keeps_working);
	tcase_add_test(tc, htab_bound_is_a_limit);
	tcase_add_test(tc, htab_random_against_model);
	tcase_add_test(tc, htab_lookups_during_incremental_growth);
	tcase_add_test(tc, htab_foreach_may_remove);
	suite_add_tcase(s, tc);
	return s;
}
