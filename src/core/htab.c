/*
 * htab.c - the hash table of embedded nodes (esip/core.h): open
 * addressing, linear probing, backward-shift deletion.
 *
 * Why not chaining: the transaction layer looks up every request in a
 * table of tens of thousands of live transactions whose memory is cold;
 * a chain walk pays a cache miss per node it passes, a probe over
 * (hash, pointer) slots pays none until the hash matches.  Removal by
 * backward shift keeps probe sequences short without tombstones.
 */
#include <esip/core.h>

#include <string.h>

#define MIN_SLOTS 8

static size_t pow2_at_least(size_t n)
{
	size_t p = MIN_SLOTS;

	while (p < n && p < ((size_t)1 << (sizeof(size_t) * 8 - 6)))
		p <<= 1;
	return p;
}

int esip_htab_init(esip_htab *t, const esip_allocator *a, size_t initial, size_t max_slots)
{
	size_t n = pow2_at_least(initial);

	t->alloc = a ? a : esip_allocator_default();
	t->max_slots = pow2_at_least(max_slots ? max_slots : n);
	if (n > t->max_slots)
		n = t->max_slots;
	t->slots = esip_calloc(t->alloc, n, sizeof *t->slots);
	if (!t->slots)
		return ESIP_ENOMEM;
	t->mask = n - 1;
	t->count = 0;
	return 0;
}

void esip_htab_deinit(esip_htab *t)
{
	esip_free(t->alloc, t->slots);
	t->slots = NULL;
	t->mask = 0;
	t->count = 0;
}

static void place(esip_hslot *slots, size_t mask, uint64_t hash, esip_hnode *n)
{
	size_t i = (size_t)hash & mask;

	while (slots[i].node)
		i = (i + 1) & mask;
	slots[i].hash = hash;
	slots[i].node = n;
}

/* Doubles the slot array; on failure the old one stays. */
static void grow(esip_htab *t)
{
	size_t n = (t->mask + 1) * 2, i;
	esip_hslot *ns;

	if (n > t->max_slots)
		return;
	ns = esip_calloc(t->alloc, n, sizeof *ns);
	if (!ns)
		return;
	for (i = 0; i <= t->mask; i++)
		if (t->slots[i].node)
			place(ns, n - 1, t->slots[i].hash, t->slots[i].node);
	esip_free(t->alloc, t->slots);
	t->slots = ns;
	t->mask = n - 1;
}

int esip_htab_insert(esip_htab *t, esip_hnode *n, uint64_t hash)
{
	size_t cap = t->mask + 1;

	/* keep the load at most 1/2; past a failed growth, up to 15/16 */
	if ((t->count + 1) * 2 > cap)
		grow(t);
	cap = t->mask + 1;
	if ((t->count + 1) * 16 > cap * 15)
		return ESIP_ENOMEM;
	n->hash = hash;
	place(t->slots, t->mask, hash, n);
	t->count++;
	return 0;
}

/* Empties slot i and shifts back the entries of its cluster that may
 * move (those whose home is not between i and their position). */
static void delete_at(esip_htab *t, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t home;
		j = (j + 1) & t->mask;
		if (!t->slots[j].node)
			break;
		home = (size_t)t->slots[j].hash & t->mask;
		/* the entry at j may fill the hole at i unless its home lies
		 * cyclically in (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i].node = NULL;
	t->slots[i].hash = 0;
	t->count--;
}

void esip_htab_remove(esip_htab *t, esip_hnode *n)
{
	size_t i = (size_t)n->hash & t->mask;

	while (t->slots[i].node) {
		if (t->slots[i].node == n) {
			delete_at(t, i);
			return;
		}
		i = (i + 1) & t->mask;
	}
}

esip_hnode *esip_htab_first(const esip_htab *t, uint64_t hash, esip_hiter *it)
{
	it->t = t;
	it->hash = hash;
	it->pos = (size_t)hash & t->mask;
	while (t->slots[it->pos].node) {
		if (t->slots[it->pos].hash == hash)
			return t->slots[it->pos].node;
		it->pos = (it->pos + 1) & t->mask;
	}
	return NULL;
}

esip_hnode *esip_htab_next(esip_hiter *it)
{
	const esip_htab *t = it->t;

	if (!t->slots[it->pos].node)
		return NULL;
	it->pos = (it->pos + 1) & t->mask;
	while (t->slots[it->pos].node) {
		if (t->slots[it->pos].hash == it->hash)
			return t->slots[it->pos].node;
		it->pos = (it->pos + 1) & t->mask;
	}
	return NULL;
}

void esip_htab_foreach(esip_htab *t, void (*fn)(esip_hnode *n, void *ud), void *ud)
{
	size_t cap, start, k, pos;

	if (!t->slots || !t->count)
		return;
	cap = t->mask + 1;
	/* start after an empty slot: no cluster wraps across it, so the
	 * backward shift of a removal never moves an entry already visited
	 * (the load is at most 15/16: an empty slot exists) */
	for (start = 0; start < cap && t->slots[start].node; start++)
		;
	pos = (start + 1) & t->mask;
	for (k = 0; k < cap; k++) {
		esip_hnode *n = t->slots[pos].node;
		if (n) {
			fn(n, ud);
			/* removed: a later entry of the cluster may have moved
			 * here; look at this slot again */
			if (t->slots[pos].node != n && t->slots[pos].node) {
				k--;
				continue;
			}
		}
		pos = (pos + 1) & t->mask;
	}
}
