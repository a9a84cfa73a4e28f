/*
 * htab.c - the hash table of embedded nodes (esip/core.h): open
 * addressing, linear probing, backward-shift deletion, incremental growth.
 *
 * Why not chaining: the transaction layer looks up every request in a
 * table of tens of thousands of live transactions whose memory is cold;
 * a chain walk pays a cache miss per node it passes, a probe over
 * (hash, pointer) slots pays none until the hash matches.  Removal by
 * backward shift keeps probe sequences short without tombstones.
 *
 * Why incremental growth: rehashing a table of a million slots at once
 * took long enough (measured: responses 500 ms late under SIPp load) for
 * clients to retransmit.  When the array doubles, the previous one stays
 * and MIGRATE_STEP of its slots move to the new one on every insert and
 * remove; lookups look in both until it is empty.  Inserts go to the new
 * array only, so the old one only shrinks.  Moving the entry at `mig` out
 * uses the same backward shift as a removal, so the probe sequences of the
 * entries left behind stay intact; every slot below `mig` is empty, so no
 * cluster wraps into the part already moved.  The new array itself is
 * allocated ahead, at 3/8 load, and zeroed ZERO_STEP slots per operation
 * (a calloc of tens of megabytes is a memset of tens of megabytes when
 * the allocator reuses memory: 8 ms measured at a quarter million
 * entries, enough to overflow a UDP socket's receive buffer).
 */
#include <esip/core.h>

#include <string.h>

#define MIN_SLOTS 8
/* old slots moved per operation: the new array (twice the size) reaches
 * half load again only after old_slots/2 inserts, by which time all
 * old_slots must be moved - 2 per insert would do; 8 leaves a margin */
#define MIGRATE_STEP 8
/* slots of the next array zeroed per operation: from 3/8 to 1/2 load
 * there are cap/8 inserts to zero 2*cap slots in - 16 per insert would
 * do; 64 (1 KiB) leaves a margin and is still a few cache lines */
#define ZERO_STEP 64

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

	memset(t, 0, sizeof *t);
	t->alloc = a ? a : esip_allocator_default();
	t->max_slots = pow2_at_least(max_slots ? max_slots : n);
	if (n > t->max_slots)
		n = t->max_slots;
	t->slots = esip_calloc(t->alloc, n, sizeof *t->slots);
	if (!t->slots)
		return ESIP_ENOMEM;
	t->mask = n - 1;
	return 0;
}

void esip_htab_deinit(esip_htab *t)
{
	esip_free(t->alloc, t->slots);
	esip_free(t->alloc, t->old);
	esip_free(t->alloc, t->next);
	memset(t, 0, sizeof *t);
}

/* Zeroes up to `steps` more slots of the prepared next array. */
static void zero_next(esip_htab *t, size_t steps)
{
	size_t n = (t->mask + 1) * 2, k;

	if (!t->next || t->next_zeroed >= n)
		return;
	k = n - t->next_zeroed < steps ? n - t->next_zeroed : steps;
	memset(t->next + t->next_zeroed, 0, k * sizeof *t->next);
	t->next_zeroed += k;
}

/* At 3/8 load, allocates the array the next growth will use. */
static void prepare_next(esip_htab *t)
{
	size_t cap = t->mask + 1;

	if (t->next || t->old || cap * 2 > t->max_slots || t->count * 8 < cap * 3)
		return;
	t->next = esip_malloc(t->alloc, cap * 2 * sizeof *t->next);
	t->next_zeroed = 0;
}

static void place(esip_hslot *slots, size_t mask, uint64_t hash, esip_hnode *n)
{
	size_t i = (size_t)hash & mask;

	while (slots[i].node)
		i = (i + 1) & mask;
	slots[i].hash = hash;
	slots[i].node = n;
}

/* Empties slot i of an array and shifts back the entries of its cluster
 * that may move (those whose home is not cyclically in (i, j]). */
static void delete_at(esip_hslot *slots, size_t mask, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t home;
		j = (j + 1) & mask;
		if (!slots[j].node)
			break;
		home = (size_t)slots[j].hash & mask;
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		slots[i] = slots[j];
		i = j;
	}
	slots[i].node = NULL;
	slots[i].hash = 0;
}

/* Moves up to `steps` slots of the old array into the new one. */
static void migrate(esip_htab *t, size_t steps)
{
	while (t->old && steps--) {
		esip_hslot *o = &t->old[t->mig];
		if (o->node) {
			place(t->slots, t->mask, o->hash, o->node);
			delete_at(t->old, t->old_mask, t->mig);
			t->old_count--;
			/* a later entry of the cluster may have moved here */
			continue;
		}
		if (++t->mig > t->old_mask || !t->old_count) {
			esip_free(t->alloc, t->old);
			t->old = NULL;
			t->old_count = 0;
			t->mig = 0;
		}
	}
}

/* Starts doubling the array; on failure the current one stays. */
static void grow(esip_htab *t)
{
	size_t n = (t->mask + 1) * 2;
	esip_hslot *ns;

	if (n > t->max_slots)
		return;
	if (t->old)
		migrate(t, SIZE_MAX); /* finish the previous growth first */
	if (t->next) {
		zero_next(t, SIZE_MAX); /* normally done already */
		ns = t->next;
		t->next = NULL;
	} else {
		ns = esip_calloc(t->alloc, n, sizeof *ns);
	}
	if (!ns)
		return;
	t->old = t->slots;
	t->old_mask = t->mask;
	t->old_count = t->count;
	t->mig = 0;
	t->slots = ns;
	t->mask = n - 1;
	if (!t->old_count) {
		esip_free(t->alloc, t->old);
		t->old = NULL;
	}
}

int esip_htab_insert(esip_htab *t, esip_hnode *n, uint64_t hash)
{
	size_t cap = t->mask + 1;

	/* keep the load at most 1/2; past a failed growth, up to 15/16 */
	if ((t->count + 1) * 2 > cap)
		grow(t);
	migrate(t, MIGRATE_STEP);
	prepare_next(t);
	zero_next(t, ZERO_STEP);
	cap = t->mask + 1;
	if ((t->count - t->old_count + 1) * 16 > cap * 15)
		return ESIP_ENOMEM;
	n->hash = hash;
	place(t->slots, t->mask, hash, n);
	t->count++;
	return 0;
}

static bool remove_from(esip_hslot *slots, size_t mask, esip_hnode *n)
{
	size_t i = (size_t)n->hash & mask;

	while (slots[i].node) {
		if (slots[i].node == n) {
			delete_at(slots, mask, i);
			return true;
		}
		i = (i + 1) & mask;
	}
	return false;
}

void esip_htab_remove(esip_htab *t, esip_hnode *n)
{
	if (remove_from(t->slots, t->mask, n)) {
		t->count--;
	} else if (t->old && remove_from(t->old, t->old_mask, n)) {
		t->count--;
		t->old_count--;
	}
	migrate(t, MIGRATE_STEP);
	zero_next(t, ZERO_STEP);
}

/* The next slot from it->pos (included) with it->hash, in it->slots. */
static esip_hnode *scan(esip_hiter *it)
{
	while (it->slots[it->pos].node) {
		if (it->slots[it->pos].hash == it->hash)
			return it->slots[it->pos].node;
		it->pos = (it->pos + 1) & it->mask;
	}
	return NULL;
}

/* Switches the iteration from the new array to the old one, if any. */
static esip_hnode *scan_old(esip_hiter *it)
{
	if (!it->t->old || it->slots == it->t->old)
		return NULL;
	it->slots = it->t->old;
	it->mask = it->t->old_mask;
	it->pos = (size_t)it->hash & it->mask;
	return scan(it);
}

esip_hnode *esip_htab_first(const esip_htab *t, uint64_t hash, esip_hiter *it)
{
	esip_hnode *n;

	it->t = t;
	it->hash = hash;
	it->slots = t->slots;
	it->mask = t->mask;
	it->pos = (size_t)hash & t->mask;
	n = scan(it);
	return n ? n : scan_old(it);
}

esip_hnode *esip_htab_next(esip_hiter *it)
{
	esip_hnode *n;

	if (!it->slots[it->pos].node)
		return NULL;
	it->pos = (it->pos + 1) & it->mask;
	n = scan(it);
	return n ? n : scan_old(it);
}

/* Every node of one array (see esip_htab_foreach). */
static void foreach_in(esip_hslot *slots, size_t mask,
		       void (*fn)(esip_hnode *n, void *ud), void *ud)
{
	size_t cap = mask + 1, start, k, pos;

	/* start after an empty slot: no cluster wraps across it, so the
	 * backward shift of a removal never moves an entry already visited
	 * (the load is at most 15/16: an empty slot exists) */
	for (start = 0; start < cap && slots[start].node; start++)
		;
	pos = (start + 1) & mask;
	for (k = 0; k < cap; k++) {
		esip_hnode *n = slots[pos].node;
		if (n) {
			fn(n, ud);
			/* removed: a later entry of the cluster may have moved
			 * here; look at this slot again */
			if (slots[pos].node != n && slots[pos].node) {
				k--;
				continue;
			}
		}
		pos = (pos + 1) & mask;
	}
}

void esip_htab_foreach(esip_htab *t, void (*fn)(esip_hnode *n, void *ud), void *ud)
{
	if (!t->slots || !t->count)
		return;
	/* no growth may move entries under the walk: finish it first (and a
	 * removal from fn then migrates nothing) */
	migrate(t, SIZE_MAX);
	foreach_in(t->slots, t->mask, fn, ud);
}
