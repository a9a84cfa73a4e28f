/*
 * timerwheel.c - hierarchical timing wheel (Varghese & Lauck), 1 ms ticks.
 *
 * Six levels of 64 slots.  A slot at level l spans 64^l ms (the level's
 * granularity); a level spans 64 of its slots, which is one slot of the
 * level above (the level's range):
 *
 *   level  granularity = slot span    range = level span
 *   -----  -------------------------  ----------------------------------
 *     0    1 ms                       64 ms
 *     1    64 ms                      4.096 s
 *     2    4.096 s                    262.144 s       (~4.4 min)
 *     3    262.144 s    (~4.4 min)    16,777.216 s    (~4.66 h)
 *     4    16,777.216 s (~4.66 h)     1,073,741.824 s (~12.4 days)
 *     5    ~12.4 days                 2^36 ms         (~795 days)
 *   beyond: the last slot of level 5, re-examined at each 2^36 ms boundary
 *
 * A timer due in d ms sits at the lowest level whose range exceeds d, or
 * one level higher when now + d crosses that level's block boundary (32 s
 * Timer B/F/H/J: level 2, sometimes 3; T1 = 500 ms: level 1 or 2).
 * Granularity is where a timer is *placed*, not how precisely it fires:
 * every timer is cascaded down to level 0 before it is due, so all levels
 * fire to the millisecond.  A timer at level l is moved at most l times
 * (a clamped one also once more per 2^36 ms period).
 *
 * Placement.  Write times in base 64, one digit per level.  A timer goes
 * to the level of the highest digit in which its expiry differs from the
 * wheel's time `now`, into the slot named by its own digit there:
 *
 *   level = floor(msb(expire ^ now) / 6),  slot = digit_level(expire)
 *
 * (expire == now goes to level 0, slot digit_0(now)).  So all timers of
 * level l share now's digits above l and have a larger digit at l: the
 * slot of now's own digit at a level >= 1 is always empty, slots below it
 * are past, slots above it are future blocks in increasing order, and
 * every timer of level l expires before every timer of level l+1.  When
 * the time enters a slot's block (now's digit at l becomes the slot's),
 * that slot's timers now share one more digit with now: they are
 * re-inserted and land lower.  The mapping is a pure function of (now,
 * expire), which is what esip__timerwheel_check() verifies for every timer.
 * This is the exact variant: no timer ever waits in a slot whose block
 * starts after its expiry, and none fires early (a level-0 slot holds
 * exactly one expiry value).
 *
 * Beyond the range (expire and now differ above bit 36): the timer is
 * clamped into the last slot of the top level.  Level 5's digit 63 is
 * the farthest block of the current 2^36 ms period; the slot is cascaded
 * when the time enters that block (the clamped timers go straight back)
 * and again when the time crosses into the next period, where they are
 * placed by the rule above or clamped again.  They still fire to the
 * millisecond.
 *
 * Runs.  esip_timerwheel_run() never steps millisecond by millisecond: it
 * looks for the lowest non-empty level, takes the first occupied slot
 * after now's digit there from the bitmap (one count-trailing-zeros), and
 * jumps straight to the start of that slot's block (level 0: the expiry
 * itself), cascading only that slot.  Every step fires or
 * moves at least one timer, so a run costs O(fired + cascaded + levels)
 * whatever the distance; a jump over an empty wheel is one step.
 *
 * next_expiry.  By the ordering above the earliest timer is in the first
 * occupied slot of the lowest non-empty level, found with one
 * count-trailing-zeros per empty level.  A level-0 slot holds a single
 * expiry, computed from its index.  Each slot above keeps its minimum in
 * w->min, lowered by every insertion, so the answer is one load, with no
 * timer memory touched.  Only a stop of a slot's minimum can lose it:
 *  - if the list is sorted the next minimum is its head.  A sorted list
 *    stays sorted as long as insertion can append (expiry >= the tail's)
 *    or prepend (< the head's); SIP timers of one duration, started in
 *    time order, are always appended.  Removal never unsorts;
 *  - if not (w->unsorted), the minimum goes stale (w->minstale): a lower
 *    bound, made exact again by a smaller insertion or by the slot
 *    emptying or cascading, and meanwhile found by scanning that one slot.
 * So next_expiry costs O(levels) bit tests and one load, or O(timers in
 * one slot) in that last case only.  We do not cache one global minimum:
 * next_expiry takes a const wheel (no lazy refresh), and the usual
 * pattern (the oldest transaction completes first) stops the minimum
 * again and again, which would invalidate such a cache on every loop
 * iteration; per slot, the sorted lists absorb exactly that pattern.
 *
 * The wheel knows nothing about clocks, threads or SIP; it allocates
 * nothing.  Callbacks must not call esip_timerwheel_run() on their own
 * wheel.
 */
#include "invariant.h"
#include "timerwheel_int.h"

#include <stddef.h>

#define BITS ESIP_TW_BITS
#define SLOTS ESIP_TW_SLOTS
#define LEVELS ESIP_TW_LEVELS
#define MASK ((uint64_t)SLOTS - 1)
/* The farthest slot: where timers beyond the range are clamped. */
#define CLAMP_INDEX (LEVELS * SLOTS - 1)

/* Occupancy and order bitmaps are one uint64_t per level; the levels must
 * leave bits above them so that "beyond the range" exists at all. */
_Static_assert(SLOTS <= 64, "one uint64_t bitmap per level");
_Static_assert(BITS * LEVELS < 64, "levels must not cover all 64 bits");

#if defined(__GNUC__) || defined(__clang__)
static inline unsigned msb64(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }
static inline unsigned lsb64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
#else
static unsigned msb64(uint64_t x)
{
	unsigned n = 0;

	while (x >>= 1)
		n++;
	return n;
}
static unsigned lsb64(uint64_t x)
{
	unsigned n = 0;

	while (!(x & 1)) {
		x >>= 1;
		n++;
	}
	return n;
}
#endif

static inline esip_timer *timer_of(esip_tlink *l) { return ESIP_CONTAINER_OF(l, esip_timer, link); }

static inline const esip_timer *ctimer_of(const esip_tlink *l)
{
	return (const esip_timer *)(const void *)((const char *)l - offsetof(esip_timer, link));
}

/* The placement rule of the top comment, as a flat index level * SLOTS + slot. */
static inline unsigned slot_of(uint64_t now, uint64_t expire)
{
	uint64_t x = expire ^ now;
	unsigned level;

	if (x <= MASK)
		return (unsigned)(expire & MASK);
	level = msb64(x) / BITS;
	if (level >= LEVELS)
		return CLAMP_INDEX;
	return level * SLOTS + (unsigned)((expire >> (level * BITS)) & MASK);
}

unsigned esip__timerwheel_slot(uint64_t now, uint64_t expire) { return slot_of(now, expire); }

void esip_timerwheel_init(esip_timerwheel *w, uint64_t now)
{
	unsigned l, s;

	w->now = now;
	w->count = 0;
	for (l = 0; l < LEVELS; l++) {
		w->occupied[l] = 0;
		w->unsorted[l] = 0;
		w->minstale[l] = 0;
		for (s = 0; s < SLOTS; s++)
			w->slots[l][s].next = w->slots[l][s].prev = &w->slots[l][s];
	}
}

void esip_timer_init(esip_timer *t, esip_timer_cb cb)
{
	t->link.next = t->link.prev = NULL;
	t->expire = 0;
	t->cb = cb;
}

/* Links t into the slot its expiry maps to at w->now (t->expire >= w->now). */
static void insert(esip_timerwheel *w, esip_timer *t)
{
	unsigned i = slot_of(w->now, t->expire);
	unsigned l = i / SLOTS, s = i % SLOTS;
	uint64_t bit = (uint64_t)1 << s, x = t->expire;
	esip_tlink *h = &w->slots[l][s];

	if (!(w->occupied[l] & bit)) {
		/* an empty slot: its other bits were cleared when it emptied */
		w->occupied[l] |= bit;
		w->min[l][s] = x;
	} else if (l > 0) {
		if (x < w->min[l][s]) {
			/* below every timer here: exact again even if stale */
			w->min[l][s] = x;
			w->minstale[l] &= ~bit;
		}
		/* an unsorted list stays so until it empties: skip the loads */
		if (!(w->unsorted[l] & bit) && x < timer_of(h->prev)->expire) {
			if (x < timer_of(h->next)->expire) {
				/* a new head keeps a sorted list sorted */
				t->link.prev = h;
				t->link.next = h->next;
				h->next->prev = &t->link;
				h->next = &t->link;
				return;
			}
			w->unsorted[l] |= bit;
		}
	}
	/* append (ties too: that keeps a sorted list sorted) */
	t->link.next = h;
	t->link.prev = h->prev;
	h->prev->next = &t->link;
	h->prev = &t->link;
}

/* Unlinks an armed t from the slot the invariant says it is in. */
static void detach(esip_timerwheel *w, esip_timer *t)
{
	unsigned i = slot_of(w->now, t->expire);
	unsigned l = i / SLOTS, s = i % SLOTS;
	uint64_t bit = (uint64_t)1 << s;
	esip_tlink *p = t->link.prev, *n = t->link.next;

	p->next = n;
	n->prev = p;
	t->link.next = t->link.prev = NULL;
	if (p == n) {
		/* only the list head is left */
		w->occupied[l] &= ~bit;
		w->unsorted[l] &= ~bit;
		w->minstale[l] &= ~bit;
	} else if (l > 0 && t->expire == w->min[l][s]) {
		/* the minimum left: a sorted list has the next one at its
		 * head; an unsorted one would need a scan, left to the next
		 * esip_timerwheel_next_expiry() that needs this slot */
		if (w->unsorted[l] & bit)
			w->minstale[l] |= bit;
		else
			w->min[l][s] = timer_of(w->slots[l][s].next)->expire;
	}
}

void esip_timer_start(esip_timerwheel *w, esip_timer *t, uint64_t expire)
{
	/* only a timer that went through esip_timer_init() may be armed: it
	 * has a callback, and its link is either unset or a whole one */
	ESIP_ASSERT(t->cb != NULL);
	ESIP_ASSERT((t->link.prev == NULL) == (t->link.next == NULL));
	if (t->link.prev)
		detach(w, t);
	else
		w->count++;
	/* a past expiry is due now: storing it as now keeps the firing order
	 * of a run non-decreasing in t->expire */
	t->expire = expire < w->now ? w->now : expire;
	insert(w, t);
}

void esip_timer_stop(esip_timerwheel *w, esip_timer *t)
{
	if (!t->link.prev)
		return;
	detach(w, t);
	w->count--;
}

static uint64_t slot_min(const esip_tlink *h)
{
	const esip_tlink *p;
	uint64_t m = UINT64_MAX;

	for (p = h->next; p != h; p = p->next)
		if (ctimer_of(p)->expire < m)
			m = ctimer_of(p)->expire;
	return m;
}

uint64_t esip_timerwheel_next_expiry(const esip_timerwheel *w)
{
	unsigned l;

	for (l = 0; l < LEVELS; l++) {
		unsigned s;

		if (!w->occupied[l])
			continue;
		/* every set bit is at or after now's digit (see the top), so
		 * the lowest one is the earliest block of the lowest level */
		s = lsb64(w->occupied[l]);
		if (l == 0)
			return (w->now & ~MASK) | s; /* one expiry per slot */
		if (!((w->minstale[l] >> s) & 1))
			return w->min[l][s];
		return slot_min(&w->slots[l][s]);
	}
	return UINT64_MAX;
}

/*
 * Re-inserts the timers of slot (l, s) relative to w->now.  The list is
 * detached first because a clamped timer goes back into the same slot.
 */
static void cascade(esip_timerwheel *w, unsigned l, unsigned s)
{
	uint64_t bit = (uint64_t)1 << s;
	esip_tlink *h = &w->slots[l][s], *p, *next;

	if (!(w->occupied[l] & bit))
		return;
	p = h->next;
	h->prev->next = NULL; /* end of the detached chain */
	h->next = h->prev = h;
	w->occupied[l] &= ~bit;
	w->unsorted[l] &= ~bit;
	w->minstale[l] &= ~bit;
	for (; p; p = next) {
		next = p->next;
		insert(w, timer_of(p));
	}
}

/*
 * The next time in (w->now, limit] at which something happens, or limit:
 * the first occupied level-0 slot (an expiry), or the start of the first
 * occupied block of the lowest non-empty level (a cascade).  Nothing is
 * due before it, which is what lets advance() jump there in one step.
 * Called with the current level-0 slot already fired (empty).
 */
static uint64_t next_event(const esip_timerwheel *w, uint64_t limit)
{
	unsigned l;

	for (l = 0; l < LEVELS; l++) {
		unsigned shift = l * BITS;
		unsigned cur = (unsigned)((w->now >> shift) & MASK);
		/* (2 << 63) is 0 for a 64-bit unsigned: no later slot at digit 63 */
		uint64_t later = w->occupied[l] & ~(((uint64_t)2 << cur) - 1);
		uint64_t ev;

		if (!w->occupied[l])
			continue;
		if (later)
			ev = (w->now >> (shift + BITS) << BITS | lsb64(later)) << shift;
		else
			/* only the clamp slot at the top level while the time is
			 * in its block: the clamped timers are all that is left
			 * and the earliest of them is the next event */
			ev = slot_min(&w->slots[l][MASK]);
		return ev < limit ? ev : limit;
	}
	return limit;
}

/*
 * Moves the time forward to `to`; nothing is pending before it.  Let l be
 * the highest digit in which the old and the new time differ.  Timers of
 * levels below l share the old time's digit at l, so they would all be
 * due before `to`: there are none.  Timers of levels above l keep their
 * place.  At level l only the slot of the new digit holds timers that now
 * share that digit and belong lower; re-inserted relative to the new
 * time, they land by the placement rule, never in a slot that needs
 * cascading too.  So one slot per jump: when `to` is an event of
 * next_event() it is that event's slot, when it is the run's limit the
 * slot is empty.  Crossing a 2^36 ms period, only clamped timers can be
 * left (every other one expires in the old period).
 */
static void advance(esip_timerwheel *w, uint64_t to)
{
	unsigned l = msb64(w->now ^ to) / BITS;

	w->now = to;
	if (l >= LEVELS)
		cascade(w, LEVELS - 1, SLOTS - 1);
	else if (l > 0)
		cascade(w, l, (unsigned)((to >> (l * BITS)) & MASK));
}

size_t esip_timerwheel_run(esip_timerwheel *w, uint64_t now)
{
	size_t fired = 0;

	if (now < w->now)
		now = w->now;
	for (;;) {
		esip_tlink *h = &w->slots[0][w->now & MASK];

		/* Every timer here expires at exactly w->now.  Take the head
		 * each time: a callback may stop the next one, or start one
		 * due now (it is appended here and fires in this loop). */
		while (h->next != h) {
			esip_timer *t = timer_of(h->next);

			detach(w, t);
			w->count--;
			fired++;
			t->cb(t, now);
		}
		if (w->now == now)
			return fired;
		advance(w, next_event(w, now));
	}
}

int esip__timerwheel_check(const esip_timerwheel *w)
{
	size_t total = 0;
	unsigned l, s;

	for (l = 0; l < LEVELS; l++) {
		for (s = 0; s < SLOTS; s++) {
			const esip_tlink *h = &w->slots[l][s], *p;
			uint64_t bit = (uint64_t)1 << s;
			uint64_t last = 0, min = UINT64_MAX;
			size_t n = 0;
			int sorted = 1;

			if (!h->next || !h->prev || h->next->prev != h || h->prev->next != h)
				return ESIP__TW_BAD_LINK;
			for (p = h->next; p != h; p = p->next) {
				const esip_timer *t = ctimer_of(p);

				if (!p->next || !p->prev || p->next->prev != p)
					return ESIP__TW_BAD_LINK;
				/* more links than armed timers: a cycle that misses
				 * the head, or a count that is wrong */
				if (total + ++n > w->count)
					return ESIP__TW_BAD_COUNT;
				if (t->expire < w->now)
					return ESIP__TW_BAD_EXPIRE;
				if (slot_of(w->now, t->expire) != l * SLOTS + s)
					return ESIP__TW_BAD_SLOT;
				if (n > 1 && t->expire < last)
					sorted = 0;
				last = t->expire;
				if (t->expire < min)
					min = t->expire;
			}
			if (((w->occupied[l] & bit) != 0) != (n > 0))
				return ESIP__TW_BAD_BITMAP;
			if ((w->unsorted[l] & bit) ? n == 0 : !sorted)
				return ESIP__TW_BAD_ORDER;
			/* a minimum is exact, or stale: a lower bound, in an
			 * unsorted slot only */
			if (w->minstale[l] & bit) {
				if (l == 0 || n == 0 || !(w->unsorted[l] & bit) || w->min[l][s] > min)
					return ESIP__TW_BAD_MIN;
			} else if (n > 0 && w->min[l][s] != min) {
				return ESIP__TW_BAD_MIN;
			}
			total += n;
		}
	}
	return total == w->count ? ESIP__TW_OK : ESIP__TW_BAD_COUNT;
}
