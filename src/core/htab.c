/*
 * htab.c - chained hash table of embedded nodes (esip/core.h).
 *
 * Nodes carry their full 64-bit hash, so growing rehashes without calling
 * back into the owner and a chain walk skips most mismatches with one
 * integer compare before the owner compares real keys.
 */
#include <esip/core.h>

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n && p < ((size_t)1 << (sizeof(size_t) * 8 - 2)))
		p <<= 1;
	return p;
}

int esip_htab_init(esip_htab *t, const esip_allocator *a, size_t initial, size_t max_buckets)
{
	size_t n = pow2_at_least(initial ? initial : 16);

	t->alloc = a ? a : esip_allocator_default();
	t->max_buckets = pow2_at_least(max_buckets ? max_buckets : n);
	if (n > t->max_buckets)
		n = t->max_buckets;
	t->b = esip_calloc(t->alloc, n, sizeof *t->b);
	if (!t->b)
		return ESIP_ENOMEM;
	t->mask = n - 1;
	t->count = 0;
	return 0;
}

void esip_htab_deinit(esip_htab *t)
{
	esip_free(t->alloc, t->b);
	t->b = NULL;
	t->mask = 0;
	t->count = 0;
}

/* Doubles the bucket array; on allocation failure keeps the old one (the
 * table still works, with longer chains). */
static void grow(esip_htab *t)
{
	size_t n = (t->mask + 1) * 2, i;
	esip_hnode **nb;

	if (n > t->max_buckets)
		return;
	nb = esip_calloc(t->alloc, n, sizeof *nb);
	if (!nb)
		return;
	for (i = 0; i <= t->mask; i++) {
		esip_hnode *e = t->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	}
	esip_free(t->alloc, t->b);
	t->b = nb;
	t->mask = n - 1;
}

void esip_htab_insert(esip_htab *t, esip_hnode *n, uint64_t hash)
{
	esip_hnode **slot;

	if (t->count >= t->mask + 1)
		grow(t);
	slot = &t->b[hash & t->mask];
	n->hash = hash;
	n->next = *slot;
	*slot = n;
	t->count++;
}

void esip_htab_remove(esip_htab *t, esip_hnode *n)
{
	esip_hnode **pp = &t->b[n->hash & t->mask];

	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = n->next;
		n->next = NULL;
		t->count--;
	}
}

esip_hnode *esip_htab_first(const esip_htab *t, uint64_t hash)
{
	esip_hnode *e = t->b[hash & t->mask];

	while (e && e->hash != hash)
		e = e->next;
	return e;
}

esip_hnode *esip_htab_next(const esip_hnode *n, uint64_t hash)
{
	esip_hnode *e = n->next;

	while (e && e->hash != hash)
		e = e->next;
	return e;
}

void esip_htab_foreach(esip_htab *t, void (*fn)(esip_hnode *n, void *ud), void *ud)
{
	size_t i;

	for (i = 0; i <= t->mask && t->b; i++) {
		esip_hnode *e = t->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			fn(e, ud);
		}
	}
}
