/*
 * Timer wheel: the contract of include/esip/core.h ("Timer wheel") and
 * the internal invariant (src/core/timerwheel_int.h).
 *
 *  - basic arming, re-arming, expiry now / in the past / on a backwards run;
 *  - slot placement across every level boundary, for wheel times on and
 *    around the boundaries and near the top of the 64-bit range: a timer
 *    fires in the first run whose now >= its expiry, stepping or jumping;
 *  - next_expiry against a brute-force minimum;
 *  - callbacks that stop, start and re-arm timers inside a run;
 *  - long jumps (2 hours, 2^40 ms, to UINT64_MAX) that must not step per ms;
 *  - a seeded random model check (1,000,000 operations in two tests) against
 *    an indexed binary heap: the exact set fired by each run, each firing
 *    in the first run whose now >= its expiry, in non-decreasing order.
 */
#include "testutil.h"
#include "timerwheel_int.h"

#include <string.h>

/*
 * Check's assertions report every *passing* check through a pipe to the
 * runner (mark_point), a system call each; the model tests make millions.
 * These call into Check only when they fail.
 */
#define REQ(c)                                                              \
	do {                                                                \
		if (!(c))                                                   \
			ck_abort_msg("failed: %s", #c);                     \
	} while (0)
#define REQ_MSG(c, ...)                                                     \
	do {                                                                \
		if (!(c))                                                   \
			ck_abort_msg(__VA_ARGS__);                          \
	} while (0)
#define REQ_CMP(a, op, b)                                                   \
	do {                                                                \
		unsigned long long a_ = (unsigned long long)(a);            \
		unsigned long long b_ = (unsigned long long)(b);            \
		if (!(a_ op b_))                                            \
			ck_abort_msg("failed: %s %s %s (%llu, %llu)", #a, #op, \
				     #b, a_, b_);                           \
	} while (0)
#define REQ_EQ(a, b) REQ_CMP(a, ==, b)
#define REQ_LE(a, b) REQ_CMP(a, <=, b)
#define REQ_GE(a, b) REQ_CMP(a, >=, b)
#define REQ_GT(a, b) REQ_CMP(a, >, b)

#define MS_H (3600ull * 1000)
#define P2(n) ((uint64_t)1 << (n))

/* ---- a timer that records its firings ------------------------------ */

typedef struct probe probe;
struct probe {
	esip_timer t;
	esip_timerwheel *w;
	int fired;
	uint64_t now;        /* the run's now at the last firing */
	uint64_t cursor;     /* w->now at the last firing */
	uint64_t expire;     /* t->expire at the last firing */
	int checks;          /* run the invariant checker inside the callback */
	void (*act)(probe *p, uint64_t now);
	probe *other;
	uint64_t arg;
	int budget;
};

/* The order of firings across one run, for the order assertions. */
static uint64_t fire_log[4096];
static size_t fire_n;

static void on_fire(esip_timer *t, uint64_t now)
{
	probe *p = ESIP_CONTAINER_OF(t, probe, t);

	REQ(!esip_timer_active(t));
	/* in wheel time a timer fires at exactly its expiry, never later */
	REQ_EQ(t->expire, p->w->now);
	REQ_LE(t->expire, now);
	p->fired++;
	p->now = now;
	p->cursor = p->w->now;
	p->expire = t->expire;
	if (fire_n < sizeof fire_log / sizeof fire_log[0])
		fire_log[fire_n++] = t->expire;
	if (p->checks)
		REQ_EQ(esip__timerwheel_check(p->w), 0);
	if (p->act)
		p->act(p, now);
}

static void probe_init(probe *p, esip_timerwheel *w)
{
	memset(p, 0, sizeof *p);
	p->w = w;
	p->checks = 1;
	esip_timer_init(&p->t, on_fire);
}

#define CHECK(w) REQ_EQ(esip__timerwheel_check(w), 0)

/* ---- basics -------------------------------------------------------- */

START_TEST(basic)
{
	esip_timerwheel w;
	probe a, b;

	esip_timerwheel_init(&w, 1000);
	probe_init(&a, &w);
	probe_init(&b, &w);
	REQ_EQ(esip_timerwheel_count(&w), 0);
	REQ_EQ(esip_timerwheel_next_expiry(&w), UINT64_MAX);
	REQ(!esip_timer_active(&a.t));
	CHECK(&w);

	/* stop of a timer that was never armed is a no-op */
	esip_timer_stop(&w, &a.t);
	REQ_EQ(esip_timerwheel_count(&w), 0);
	CHECK(&w);

	esip_timer_start(&w, &a.t, 1500);
	REQ(esip_timer_active(&a.t));
	REQ_EQ(esip_timerwheel_count(&w), 1);
	REQ_EQ(esip_timerwheel_next_expiry(&w), 1500);
	CHECK(&w);
	/* re-arm while armed: moves, does not count twice */
	esip_timer_start(&w, &a.t, 1200);
	REQ_EQ(esip_timerwheel_count(&w), 1);
	REQ_EQ(a.t.expire, 1200);
	REQ_EQ(esip_timerwheel_next_expiry(&w), 1200);
	CHECK(&w);
	esip_timer_stop(&w, &a.t);
	REQ(!esip_timer_active(&a.t));
	REQ_EQ(esip_timerwheel_count(&w), 0);
	REQ_EQ(esip_timerwheel_next_expiry(&w), UINT64_MAX);
	esip_timer_stop(&w, &a.t); /* twice: still a no-op */
	REQ_EQ(esip_timerwheel_count(&w), 0);
	CHECK(&w);
	/* a stopped timer does not fire */
	REQ_EQ(esip_timerwheel_run(&w, 2000), 0);
	REQ_EQ(a.fired, 0);

	/* fires in the first run whose now >= expiry, with that now */
	esip_timer_start(&w, &a.t, 2300);
	REQ_EQ(esip_timerwheel_run(&w, 2299), 0);
	REQ(esip_timer_active(&a.t));
	REQ_EQ(esip_timerwheel_run(&w, 2300), 1);
	REQ_EQ(a.fired, 1);
	REQ_EQ(a.now, 2300);
	REQ(!esip_timer_active(&a.t));
	REQ_EQ(esip_timerwheel_count(&w), 0);
	CHECK(&w);

	/* a run backwards is a run at the wheel's time */
	REQ_EQ(esip_timerwheel_run(&w, 100), 0);
	REQ_EQ(w.now, 2300);

	/* expire == now (0 ms after now): the next run, even at the same now */
	esip_timer_start(&w, &a.t, 2300);
	REQ_EQ(esip_timerwheel_next_expiry(&w), 2300);
	CHECK(&w);
	REQ_EQ(esip_timerwheel_run(&w, 2300), 1);
	REQ_EQ(a.fired, 2);

	/* in the past: stored as now, fires at the next run */
	esip_timer_start(&w, &b.t, 5);
	REQ_EQ(b.t.expire, 2300);
	REQ_EQ(esip_timerwheel_next_expiry(&w), 2300);
	CHECK(&w);
	REQ_EQ(esip_timerwheel_run(&w, 9000), 1);
	REQ_EQ(b.fired, 1);
	REQ_EQ(b.now, 9000);
	REQ_EQ(b.cursor, 2300);

	/* due at the wheel's time and run backwards: still fires */
	esip_timer_start(&w, &a.t, 9000);
	REQ_EQ(esip_timerwheel_run(&w, 10), 1);
	REQ_EQ(a.now, 9000);
	REQ_EQ(w.now, 9000);

	/* expire 0 on a wheel at 0 */
	esip_timerwheel_init(&w, 0);
	esip_timer_start(&w, &a.t, 0);
	CHECK(&w);
	REQ_EQ(esip_timerwheel_run(&w, 0), 1);

	/* many timers at one expiry all fire, in one run */
	{
		probe p[50];
		int i;

		esip_timerwheel_init(&w, 77);
		for (i = 0; i < 50; i++) {
			probe_init(&p[i], &w);
			esip_timer_start(&w, &p[i].t, 5000);
		}
		REQ_EQ(esip_timerwheel_count(&w), 50);
		CHECK(&w);
		REQ_EQ(esip_timerwheel_run(&w, 4999), 0);
		REQ_EQ(esip_timerwheel_run(&w, 5000), 50);
		for (i = 0; i < 50; i++)
			REQ_EQ(p[i].fired, 1);
	}
}
END_TEST

START_TEST(slot_mapping)
{
	/* level 0: the expiry's own digit; expire == now is slot digit_0(now) */
	REQ_EQ(esip__timerwheel_slot(0, 0), 0);
	REQ_EQ(esip__timerwheel_slot(0, 63), 63);
	REQ_EQ(esip__timerwheel_slot(5, 5), 5);
	/* placement is by the highest differing digit, not by the delta:
	 * 63 -> 64 is 1 ms but crosses a level-1 block */
	REQ_EQ(esip__timerwheel_slot(63, 64), ESIP_TW_SLOTS + 1);
	REQ_EQ(esip__timerwheel_slot(0, 64), ESIP_TW_SLOTS + 1);
	REQ_EQ(esip__timerwheel_slot(64, 127), 63);
	REQ_EQ(esip__timerwheel_slot(0, 4095), ESIP_TW_SLOTS + 63);
	REQ_EQ(esip__timerwheel_slot(0, 4096), 2 * ESIP_TW_SLOTS + 1);
	REQ_EQ(esip__timerwheel_slot(0, P2(36) - 1), 6 * ESIP_TW_SLOTS - 1);
	REQ_EQ(esip__timerwheel_slot(0, P2(30) * 5 + 7), 5 * ESIP_TW_SLOTS + 5);
	/* beyond the range: the farthest slot */
	REQ_EQ(esip__timerwheel_slot(0, P2(36)), 6 * ESIP_TW_SLOTS - 1);
	REQ_EQ(esip__timerwheel_slot(0, UINT64_MAX), 6 * ESIP_TW_SLOTS - 1);
	REQ_EQ(esip__timerwheel_slot(P2(36), P2(36) + 1), 1);
}
END_TEST

/* The checker is only worth something if it catches each kind of damage. */
START_TEST(checker_detects)
{
	esip_timerwheel w;
	probe a, b;

	esip_timerwheel_init(&w, 1000);
	probe_init(&a, &w);
	probe_init(&b, &w);
	/* two timers in one level-1 slot (block 1024..1087) */
	esip_timer_start(&w, &a.t, 1030);
	esip_timer_start(&w, &b.t, 1040);
	CHECK(&w);

	a.t.expire = 1100; /* another slot's expiry */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_SLOT);
	a.t.expire = 999; /* before the wheel's time */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_EXPIRE);
	a.t.expire = 1050; /* same slot, out of order: the slot claims sorted */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_ORDER);
	a.t.expire = 1030;
	CHECK(&w);

	w.unsorted[0] |= 1; /* marked but empty */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_ORDER);
	w.unsorted[0] = 0;
	w.occupied[3] |= 2; /* bit without a timer */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_BITMAP);
	w.occupied[3] = 0;
	w.count++;
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_COUNT);
	w.count -= 2;
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_COUNT);
	w.count++;
	CHECK(&w);

	w.min[1][16] = 1031; /* a cached minimum that is not the minimum */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_MIN);
	w.minstale[1] |= P2(16); /* stale needs an unsorted slot */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_MIN);
	w.minstale[1] = 0;
	w.min[1][16] = 1030;
	CHECK(&w);

	b.t.link.prev = &b.t.link; /* a broken back link */
	REQ_EQ(esip__timerwheel_check(&w), ESIP__TW_BAD_LINK);
	b.t.link.prev = &a.t.link;
	CHECK(&w);
}
END_TEST

/* ---- exhaustive placement across level boundaries ------------------ */

static const uint64_t bases[] = {
	0, 1, 63, 64, 65, 4095, 4096, P2(18) - 1, P2(18), P2(18) + 1,
	P2(24) - 1, P2(24), P2(30) - 1, P2(30), P2(36) - 1, P2(36), P2(36) + 1,
	P2(40) + 123, P2(36) * 63 + P2(30) * 63 + 4000, P2(63) + 12345,
	UINT64_MAX - P2(44),
};

static size_t make_deltas(uint64_t *d)
{
	size_t n = 0;
	uint64_t i;
	unsigned k;

	for (i = 0; i <= 200; i++)
		d[n++] = i;
	for (k = 2; k <= 7; k++) /* k = 1 (64 +- 2) is inside 0..200 */
		for (i = 0; i <= 4; i++)
			d[n++] = P2(6 * k) - 2 + i;
	/* the farthest slot of each level, and a few periods beyond */
	for (k = 1; k <= 6; k++) {
		d[n++] = P2(6 * k) - P2(6 * (k - 1)) - 1;
		d[n++] = P2(6 * k) - P2(6 * (k - 1));
		d[n++] = P2(6 * k) - P2(6 * (k - 1)) + 1;
	}
	d[n++] = P2(37) + 3;
	d[n++] = P2(41) + 7;
	d[n++] = 32000;
	d[n++] = 64000;
	d[n++] = 2 * MS_H;
	return n;
}

static void sort_u64(uint64_t *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t v = a[i];
		for (j = i; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* One timer at base + delta; every way of reaching it fires it exactly. */
static void one_timer(uint64_t base, uint64_t delta)
{
	esip_timerwheel w;
	probe p;
	uint64_t e = base + delta, steps[64];
	size_t n = 0, i;
	unsigned l;
	int mode;

	for (mode = 0; mode < 3; mode++) {
		esip_timerwheel_init(&w, base);
		probe_init(&p, &w);
		esip_timer_start(&w, &p.t, e);
		CHECK(&w);
		REQ_EQ(esip_timerwheel_next_expiry(&w), e);
		if (mode == 0) {
			/* one big jump to just before, then to it */
			if (delta > 0) {
				REQ_EQ(esip_timerwheel_run(&w, e - 1), 0);
				CHECK(&w);
				REQ_EQ(esip_timerwheel_next_expiry(&w), e);
			}
			REQ_EQ(esip_timerwheel_run(&w, e), 1);
			REQ_EQ(p.now, e);
		} else if (mode == 1) {
			/* one big jump past it */
			REQ_EQ(esip_timerwheel_run(&w, e + 7), 1);
			REQ_EQ(p.now, e + 7);
			REQ_EQ(p.cursor, e);
		} else {
			/* steps: fractions of the way, every block start of the
			 * expiry and the ms before it, then 1 ms steps */
			n = 0;
			for (i = 1; i < 8; i++)
				steps[n++] = base + delta / 8 * i;
			for (l = 1; l <= 7; l++) {
				uint64_t b = e >> (6 * l) << (6 * l);
				steps[n++] = b;
				steps[n++] = b - 1;
			}
			for (i = 1; i <= 3; i++)
				steps[n++] = e - i;
			steps[n++] = e;
			sort_u64(steps, n);
			for (i = 0; i < n; i++) {
				size_t got;

				/* each distinct time in [base, e] once, in order */
				if (steps[i] < base || steps[i] > e || (i > 0 && steps[i] == steps[i - 1]))
					continue;
				got = esip_timerwheel_run(&w, steps[i]);
				CHECK(&w);
				if (steps[i] < e) {
					REQ_MSG(got == 0 && p.fired == 0,
						      "base %llu delta %llu fired early at %llu",
						      (unsigned long long)base, (unsigned long long)delta,
						      (unsigned long long)steps[i]);
					REQ_EQ(esip_timerwheel_next_expiry(&w), e);
				}
			}
			REQ_EQ(w.now, e);
		}
		REQ_MSG(p.fired == 1, "base %llu delta %llu mode %d: fired %d",
			      (unsigned long long)base, (unsigned long long)delta, mode, p.fired);
		REQ_EQ(p.expire, e);
		REQ_EQ(esip_timerwheel_count(&w), 0);
		REQ_EQ(esip_timerwheel_next_expiry(&w), UINT64_MAX);
		CHECK(&w);
	}
}

START_TEST(boundaries_one_timer)
{
	uint64_t d[400];
	size_t nd = make_deltas(d), b, i;

	for (b = 0; b < sizeof bases / sizeof bases[0]; b++)
		for (i = 0; i < nd; i++)
			if (bases[b] <= UINT64_MAX - d[i] - 16)
				one_timer(bases[b], d[i]);
}
END_TEST

/* Every delta armed at once on one wheel; runs at each expiry - 1 and
 * expiry: each timer fires in the first run whose now >= its expiry. */
static uint64_t prev_run;
static int have_prev;

static void first_run_check(probe *p, uint64_t now)
{
	if (have_prev)
		REQ_GT(p->t.expire, prev_run);
	REQ_LE(p->t.expire, now);
}

START_TEST(boundaries_all_at_once)
{
	static uint64_t d[400], times[800];
	static probe p[400];
	esip_timerwheel w;
	size_t nd = make_deltas(d), b, i, j, nt;

	for (b = 0; b < sizeof bases / sizeof bases[0]; b++) {
		uint64_t base = bases[b];

		esip_timerwheel_init(&w, base);
		nt = 0;
		for (i = 0; i < nd; i++) {
			probe_init(&p[i], &w);
			p[i].checks = 0;
			p[i].act = first_run_check;
			esip_timer_start(&w, &p[i].t, base + d[i]);
			if (d[i] > 0)
				times[nt++] = base + d[i] - 1;
			times[nt++] = base + d[i];
		}
		CHECK(&w);
		sort_u64(times, nt);
		/* due-now timers (delta 0) first */
		have_prev = 0;
		REQ_EQ(esip_timerwheel_run(&w, base), 1);
		have_prev = 1;
		prev_run = base;
		for (j = 0; j < nt; j++) {
			uint64_t min = UINT64_MAX;

			if (times[j] <= prev_run)
				continue;
			fire_n = 0;
			esip_timerwheel_run(&w, times[j]);
			CHECK(&w);
			for (i = 1; i < fire_n; i++)
				REQ_LE(fire_log[i - 1], fire_log[i]);
			for (i = 0; i < nd; i++) {
				if (base + d[i] <= times[j]) {
					REQ_EQ(p[i].fired, 1);
				} else {
					REQ_EQ(p[i].fired, 0);
					if (base + d[i] < min)
						min = base + d[i];
				}
			}
			REQ_EQ(esip_timerwheel_next_expiry(&w), min);
			prev_run = times[j];
		}
		REQ_EQ(esip_timerwheel_count(&w), 0);
	}
}
END_TEST

/* ---- deterministic random numbers ---------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64: good enough, and the same on every platform */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* Durations a SIP stack arms: T1 multiples, 32 s / 64 s timeouts, anything
 * up to 64 s, some hours (registrations, session timers), a few days and
 * a few beyond the wheel's range. */
static uint64_t sip_duration(uint64_t *s)
{
	static const uint64_t fixed[] = {0, 1, 500, 1000, 2000, 4000, 5000, 32000, 64000};
	uint64_t r = rnd(s) % 1000;

	if (r < 300)
		return fixed[rnd(s) % (sizeof fixed / sizeof fixed[0])];
	if (r < 800)
		return rnd(s) % 64001;
	if (r < 950)
		return rnd(s) % (3 * MS_H);
	if (r < 990)
		return rnd(s) % P2(33);
	return P2(36) + rnd(s) % P2(38);
}

/* Clock advances: mostly small, sometimes a Timer B's 32 s, 2 hours, days. */
static uint64_t advance(uint64_t *s)
{
	uint64_t r = rnd(s) % 1000;

	if (r < 700)
		return rnd(s) % 50;
	if (r < 900)
		return rnd(s) % 5000;
	if (r < 980)
		return (r & 1) ? 32000 : rnd(s) % 70000;
	if (r < 998)
		return 2 * MS_H + rnd(s) % 1000;
	return rnd(s) % P2(34);
}

/* ---- next_expiry against a brute-force minimum ---------------------- */

START_TEST(next_expiry_exact)
{
	static probe p[512];
	esip_timerwheel w;
	uint64_t s = 42, now = P2(30) - 100000;
	int op, i;

	esip_timerwheel_init(&w, now);
	for (i = 0; i < 512; i++) {
		probe_init(&p[i], &w);
		p[i].checks = 0;
	}
	for (op = 0; op < 40000; op++) {
		uint64_t r = rnd(&s) % 100, min = UINT64_MAX;
		probe *q = &p[rnd(&s) % 512];

		if (r < 55) {
			esip_timer_start(&w, &q->t, now + sip_duration(&s));
		} else if (r < 60) {
			esip_timer_start(&w, &q->t, now - rnd(&s) % 100);
		} else if (r < 85) {
			esip_timer_stop(&w, &q->t);
		} else {
			now += advance(&s) / 8;
			esip_timerwheel_run(&w, now);
		}
		for (i = 0; i < 512; i++)
			if (esip_timer_active(&p[i].t) && p[i].t.expire < min)
				min = p[i].t.expire;
		REQ_MSG(esip_timerwheel_next_expiry(&w) == min, "op %d: %llu != %llu", op,
			      (unsigned long long)esip_timerwheel_next_expiry(&w),
			      (unsigned long long)min);
		if (op % 512 == 0)
			CHECK(&w);
	}
	CHECK(&w);
}
END_TEST

/* ---- callbacks ------------------------------------------------------ */

static void act_stop_other(probe *p, uint64_t now) { esip_timer_stop(p->w, &p->other->t); }

static void act_rearm_future(probe *p, uint64_t now)
{
	esip_timer_start(p->w, &p->t, now + p->arg);
}

static void act_rearm_due(probe *p, uint64_t now)
{
	/* re-arm from the expiry, not from now: due again in this run */
	if (p->budget-- > 0)
		esip_timer_start(p->w, &p->t, p->t.expire + p->arg);
}

static void act_start_other(probe *p, uint64_t now)
{
	esip_timer_start(p->w, &p->other->t, p->arg == UINT64_MAX ? now : p->arg);
}

static void act_move_other(probe *p, uint64_t now) { esip_timer_start(p->w, &p->other->t, now + 100); }

static void act_stop_self(probe *p, uint64_t now)
{
	REQ(!esip_timer_active(&p->t));
	esip_timer_stop(p->w, &p->t);
}

START_TEST(callback_stops_due)
{
	esip_timerwheel w;
	probe a, b, c;

	/* a (10) stops b (11), which is due in the same run: b must not fire */
	esip_timerwheel_init(&w, 0);
	probe_init(&a, &w);
	probe_init(&b, &w);
	probe_init(&c, &w);
	a.act = act_stop_other;
	a.other = &b;
	esip_timer_start(&w, &a.t, 10);
	esip_timer_start(&w, &b.t, 11);
	esip_timer_start(&w, &c.t, 12);
	REQ_EQ(esip_timerwheel_run(&w, 20), 2);
	REQ_EQ(a.fired, 1);
	REQ_EQ(b.fired, 0);
	REQ_EQ(c.fired, 1);
	CHECK(&w);

	/* two at the same expiry, each stopping the other: exactly one fires */
	a.other = &b;
	b.act = act_stop_other;
	b.other = &a;
	a.fired = b.fired = 0;
	esip_timer_start(&w, &a.t, 30);
	esip_timer_start(&w, &b.t, 30);
	REQ_EQ(esip_timerwheel_run(&w, 40), 1);
	REQ_EQ(a.fired + b.fired, 1);
	REQ_EQ(esip_timerwheel_count(&w), 0);
	CHECK(&w);

	/* stopping a due timer at a higher level (crossing a block) */
	esip_timerwheel_init(&w, 4000);
	a.fired = b.fired = 0;
	b.act = NULL;
	a.other = &b;
	esip_timer_start(&w, &a.t, 4095);
	esip_timer_start(&w, &b.t, 5000);
	REQ_EQ(esip_timerwheel_run(&w, 9000), 1);
	REQ_EQ(b.fired, 0);
	CHECK(&w);

	/* a callback stopping itself: it is already disarmed */
	a.act = act_stop_self;
	esip_timer_start(&w, &a.t, 9000);
	REQ_EQ(esip_timerwheel_run(&w, 9000), 1);
	REQ_EQ(esip_timerwheel_count(&w), 0);
	CHECK(&w);
}
END_TEST

START_TEST(callback_rearms)
{
	esip_timerwheel w;
	probe a, b;

	/* re-armed into the future (after the run's now): once per run */
	esip_timerwheel_init(&w, 0);
	probe_init(&a, &w);
	a.act = act_rearm_future;
	a.arg = 5;
	esip_timer_start(&w, &a.t, 10);
	REQ_EQ(esip_timerwheel_run(&w, 12), 1);
	REQ(esip_timer_active(&a.t));
	REQ_EQ(a.t.expire, 17);
	REQ_EQ(esip_timerwheel_next_expiry(&w), 17);
	REQ_EQ(esip_timerwheel_run(&w, 16), 0);
	REQ_EQ(esip_timerwheel_run(&w, 100), 1);
	REQ_EQ(a.t.expire, 105);
	CHECK(&w);
	/* Timer A style: 500 ms, across the level-1 and level-2 blocks */
	a.arg = 500;
	REQ_EQ(esip_timerwheel_run(&w, 105), 1);
	REQ_EQ(esip_timerwheel_run(&w, 604), 0);
	REQ_EQ(esip_timerwheel_run(&w, 605), 1);
	esip_timer_stop(&w, &a.t);

	/* re-armed at or before now: fires again in the same run, in order */
	probe_init(&b, &w);
	b.act = act_rearm_due;
	b.arg = 3;
	b.budget = 100;
	esip_timer_start(&w, &b.t, 1000);
	fire_n = 0;
	REQ_EQ(esip_timerwheel_run(&w, 1010), 4); /* 1000 1003 1006 1009 */
	REQ_EQ(fire_n, 4);
	REQ_EQ(fire_log[0], 1000);
	REQ_EQ(fire_log[3], 1009);
	REQ_EQ(b.t.expire, 1012);
	REQ_EQ(esip_timerwheel_next_expiry(&w), 1012);
	CHECK(&w);
	/* and across a long jump: 20 firings, every 3 ms, then budget out */
	b.budget = 19;
	fire_n = 0;
	REQ_EQ(esip_timerwheel_run(&w, 5000000), 20);
	REQ_EQ(fire_log[19], 1012 + 19 * 3);
	REQ(!esip_timer_active(&b.t));
	CHECK(&w);
}
END_TEST

START_TEST(callback_starts_due)
{
	esip_timerwheel w;
	probe a, b, c, d;

	esip_timerwheel_init(&w, 0);
	probe_init(&a, &w);
	probe_init(&b, &w);
	probe_init(&c, &w);
	probe_init(&d, &w);
	/* a (10) starts b at the run's now and c in the past */
	a.act = act_start_other;
	a.other = &b;
	a.arg = UINT64_MAX; /* now */
	b.act = act_start_other;
	b.other = &c;
	b.arg = 3;
	esip_timer_start(&w, &a.t, 10);
	esip_timer_start(&w, &d.t, 15);
	fire_n = 0;
	REQ_EQ(esip_timerwheel_run(&w, 20), 4);
	REQ_EQ(a.fired, 1);
	REQ_EQ(b.fired, 1);
	REQ_EQ(c.fired, 1);
	REQ_EQ(d.fired, 1);
	REQ_EQ(b.expire, 20);
	/* c was started from b at wheel time 20 with expiry 3: stored as 20 */
	REQ_EQ(c.expire, 20);
	REQ_EQ(fire_n, 4);
	REQ_EQ(fire_log[0], 10);
	REQ_EQ(fire_log[1], 15);
	REQ_EQ(fire_log[2], 20);
	REQ_EQ(fire_log[3], 20);
	CHECK(&w);

	/* a callback starting a timer in between (due later in this run) */
	a.fired = b.fired = 0;
	a.arg = 4500;
	b.act = NULL;
	esip_timer_start(&w, &a.t, 100);
	REQ_EQ(esip_timerwheel_run(&w, 5000), 2);
	REQ_EQ(b.expire, 4500);
	REQ_EQ(b.now, 5000);
	CHECK(&w);

	/* a callback moving another due timer into the future */
	esip_timerwheel_init(&w, 0);
	a.act = act_move_other;
	a.other = &b;
	a.fired = b.fired = 0;
	esip_timer_start(&w, &a.t, 10);
	esip_timer_start(&w, &b.t, 12);
	REQ_EQ(esip_timerwheel_run(&w, 20), 1);
	REQ_EQ(b.fired, 0);
	REQ_EQ(b.t.expire, 120);
	REQ_EQ(esip_timerwheel_run(&w, 120), 1);
	REQ_EQ(b.fired, 1);
	CHECK(&w);
}
END_TEST

START_TEST(order_in_one_run)
{
	static probe p[3000];
	esip_timerwheel w;
	uint64_t s = 7;
	size_t i;

	esip_timerwheel_init(&w, 1000);
	for (i = 0; i < 3000; i++) {
		probe_init(&p[i], &w);
		p[i].checks = 0;
		esip_timer_start(&w, &p[i].t, 1000 + sip_duration(&s) % 200000);
	}
	CHECK(&w);
	fire_n = 0;
	REQ_EQ(esip_timerwheel_run(&w, 1000 + 200000), 3000);
	REQ_EQ(fire_n, 3000);
	for (i = 1; i < fire_n; i++)
		REQ_LE(fire_log[i - 1], fire_log[i]);
	for (i = 0; i < 3000; i++)
		REQ_EQ(p[i].now, 201000);
}
END_TEST

/* ---- long jumps ----------------------------------------------------- */

START_TEST(long_jumps)
{
	static probe p[20000];
	esip_timerwheel w;
	uint64_t s = 99;
	size_t i;
	probe a;

	/* an empty wheel jumps to the end of time in one step */
	esip_timerwheel_init(&w, 0);
	REQ_EQ(esip_timerwheel_run(&w, UINT64_MAX), 0);
	REQ_EQ(w.now, UINT64_MAX);
	CHECK(&w);

	/* beyond the range, near the top of the 64-bit range: 2^28 periods
	 * of 2^36 ms must not be stepped through one by one */
	esip_timerwheel_init(&w, 5);
	probe_init(&a, &w);
	esip_timer_start(&w, &a.t, UINT64_MAX - 1);
	CHECK(&w);
	REQ_EQ(esip_timerwheel_run(&w, UINT64_MAX - 2), 0);
	CHECK(&w);
	REQ_EQ(esip_timerwheel_next_expiry(&w), UINT64_MAX - 1);
	REQ_EQ(esip_timerwheel_run(&w, UINT64_MAX), 1);
	REQ_EQ(a.cursor, UINT64_MAX - 1);
	/* and an expiry of UINT64_MAX itself */
	esip_timer_start(&w, &a.t, UINT64_MAX);
	REQ_EQ(esip_timerwheel_run(&w, UINT64_MAX), 1);

	/* several clamped timers, in steps of periods */
	esip_timerwheel_init(&w, 1000);
	for (i = 0; i < 64; i++) {
		probe_init(&p[i], &w);
		esip_timer_start(&w, &p[i].t, 1000 + P2(36) * (i + 1) + i * 7);
	}
	CHECK(&w);
	for (i = 0; i < 64; i++) {
		uint64_t e = 1000 + P2(36) * (i + 1) + i * 7;

		REQ_EQ(esip_timerwheel_next_expiry(&w), e);
		REQ_EQ(esip_timerwheel_run(&w, e - 1), 0);
		CHECK(&w);
		REQ_EQ(esip_timerwheel_run(&w, e), 1);
		REQ_EQ(p[i].fired, 1);
	}

	/* 20,000 SIP timers over two hours, one jump of two hours */
	esip_timerwheel_init(&w, 123456789);
	for (i = 0; i < 20000; i++) {
		probe_init(&p[i], &w);
		p[i].checks = 0;
		esip_timer_start(&w, &p[i].t, 123456789 + rnd(&s) % (2 * MS_H));
	}
	CHECK(&w);
	REQ_EQ(esip_timerwheel_run(&w, 123456789 + 2 * MS_H), 20000);
	REQ_EQ(esip_timerwheel_count(&w), 0);

	/* a virtual clock that jumps 32 s at a time through Timer B's */
	esip_timerwheel_init(&w, 0);
	for (i = 0; i < 1000; i++) {
		probe_init(&p[i], &w);
		p[i].checks = 0;
		esip_timer_start(&w, &p[i].t, i * 64 + 32000);
	}
	for (i = 1; i <= 4; i++) {
		esip_timerwheel_run(&w, i * 32000);
		CHECK(&w);
	}
	for (i = 0; i < 1000; i++) {
		uint64_t e = i * 64 + 32000;
		REQ_EQ(p[i].now, (e + 31999) / 32000 * 32000);
	}
}
END_TEST

/* ---- random model check --------------------------------------------- */

#define NP 4096

typedef struct model {
	esip_timerwheel w;
	uint64_t rng;
	uint64_t cursor;      /* the wheel's time as the model sees it */
	uint64_t run_now;     /* now of the run in progress */
	uint64_t last_fired;  /* expiry of the last firing of this run */
	size_t fired;         /* firings in this run */
	int in_run;
	/* reference: indexed binary heap ordered by (expiry, index) */
	int heap[NP];
	int hn;
} model;

typedef struct mtimer {
	esip_timer t;
	model *m;
	int idx;
	int hpos;             /* -1: not armed in the reference */
	uint64_t rexp;        /* the reference's expiry */
} mtimer;

static mtimer mt[NP];

static int mless(int a, int b)
{
	return mt[a].rexp < mt[b].rexp || (mt[a].rexp == mt[b].rexp && a < b);
}

static void hswap(model *m, int i, int j)
{
	int t = m->heap[i];

	m->heap[i] = m->heap[j];
	m->heap[j] = t;
	mt[m->heap[i]].hpos = i;
	mt[m->heap[j]].hpos = j;
}

static void hfix(model *m, int i)
{
	while (i > 0 && mless(m->heap[i], m->heap[(i - 1) / 2])) {
		hswap(m, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		int l = 2 * i + 1, r = l + 1, k = i;

		if (l < m->hn && mless(m->heap[l], m->heap[k]))
			k = l;
		if (r < m->hn && mless(m->heap[r], m->heap[k]))
			k = r;
		if (k == i)
			return;
		hswap(m, i, k);
		i = k;
	}
}

static void href_remove(model *m, mtimer *x)
{
	int i = x->hpos;

	if (i < 0)
		return;
	m->hn--;
	if (i != m->hn) {
		hswap(m, i, m->hn);
		hfix(m, i);
	}
	x->hpos = -1;
}

static void href_set(model *m, mtimer *x, uint64_t e)
{
	href_remove(m, x);
	x->rexp = e;
	x->hpos = m->hn;
	m->heap[m->hn++] = x->idx;
	hfix(m, x->hpos);
}

static void model_start(model *m, mtimer *x, uint64_t e)
{
	/* the contract: an expiry before the wheel's time means its time */
	uint64_t eff = e < m->cursor ? m->cursor : e;

	esip_timer_start(&m->w, &x->t, e);
	href_set(m, x, eff);
	REQ_EQ(x->t.expire, eff);
}

static void model_stop(model *m, mtimer *x)
{
	esip_timer_stop(&m->w, &x->t);
	href_remove(m, x);
	REQ(!esip_timer_active(&x->t));
}

static void model_fire(esip_timer *t, uint64_t now)
{
	mtimer *x = ESIP_CONTAINER_OF(t, mtimer, t);
	model *m = x->m;
	uint64_t r;

	REQ(m->in_run);
	REQ_EQ(now, m->run_now);
	REQ_MSG(x->hpos >= 0, "timer %d fired but not armed", x->idx);
	/* never early; non-decreasing within the run */
	REQ_LE(x->rexp, now);
	REQ_EQ(t->expire, x->rexp);
	REQ_GE(t->expire, m->last_fired);
	/* the reference's minimum is the one firing (ties in any order) */
	REQ_EQ(mt[m->heap[0]].rexp, x->rexp);
	m->last_fired = t->expire;
	m->cursor = t->expire;
	href_remove(m, x);
	m->fired++;

	/* sometimes act like a transaction does */
	r = rnd(&m->rng) % 100;
	if (r < 4) {
		/* retransmission: re-arm itself into the future */
		model_start(m, x, sat_add(now, 1 + sip_duration(&m->rng) % 4000));
	} else if (r < 6) {
		/* re-arm due within this run (terminates: strictly later) */
		model_start(m, x, sat_add(m->cursor, 1 + rnd(&m->rng) % 64));
	} else if (r < 9) {
		model_stop(m, &mt[rnd(&m->rng) % NP]);
	} else if (r < 12) {
		mtimer *y = &mt[rnd(&m->rng) % NP];
		uint64_t k = rnd(&m->rng) % 3;
		uint64_t e = k == 0 ? now : k == 1 ? m->cursor - rnd(&m->rng) % 10
						   : sat_add(now, sip_duration(&m->rng));
		model_start(m, y, e);
	}
}

static void model_check_idle(model *m)
{
	REQ_EQ(esip_timerwheel_count(&m->w), (size_t)m->hn);
	REQ_EQ(esip_timerwheel_next_expiry(&m->w),
			  m->hn ? mt[m->heap[0]].rexp : UINT64_MAX);
}

static void model_run(uint64_t seed, uint64_t base, long ops)
{
	static model m;
	long op;
	int i;

	memset(&m, 0, sizeof m);
	esip_timerwheel_init(&m.w, base);
	m.rng = seed;
	m.cursor = base;
	for (i = 0; i < NP; i++) {
		esip_timer_init(&mt[i].t, model_fire);
		mt[i].m = &m;
		mt[i].idx = i;
		mt[i].hpos = -1;
	}
	for (op = 0; op < ops; op++) {
		uint64_t r = rnd(&m.rng) % 100;
		mtimer *x = &mt[rnd(&m.rng) % NP];

		if (r < 42) {
			model_start(&m, x, sat_add(m.cursor, sip_duration(&m.rng)));
		} else if (r < 45) {
			model_start(&m, x, m.cursor - rnd(&m.rng) % 2000);
		} else if (r < 65) {
			model_stop(&m, x);
		} else {
			uint64_t arg = sat_add(m.cursor, advance(&m.rng)), to;
			size_t n;

			if (rnd(&m.rng) % 50 == 0)
				arg = m.cursor - rnd(&m.rng) % 100; /* backwards: a run at cursor */
			to = arg < m.cursor ? m.cursor : arg;
			m.in_run = 1;
			m.run_now = to;
			m.last_fired = 0;
			m.fired = 0;
			n = esip_timerwheel_run(&m.w, arg);
			m.in_run = 0;
			m.cursor = to;
			REQ_EQ(n, m.fired);
			REQ_EQ(m.w.now, to);
			/* everything due has fired: nothing <= to is left */
			REQ_MSG(m.hn == 0 || mt[m.heap[0]].rexp > to,
				      "seed %llu op %ld: timer %d due at %llu not fired by %llu",
				      (unsigned long long)seed, op, m.heap[0],
				      (unsigned long long)mt[m.heap[0]].rexp, (unsigned long long)to);
		}
		model_check_idle(&m);
		if (op % 8192 == 0)
			REQ_EQ(esip__timerwheel_check(&m.w), 0);
	}
	REQ_EQ(esip__timerwheel_check(&m.w), 0);
	/* drain: the end of time fires everything */
	m.in_run = 1;
	m.run_now = UINT64_MAX;
	m.last_fired = 0;
	esip_timerwheel_run(&m.w, UINT64_MAX);
	m.in_run = 0;
	REQ_EQ(esip_timerwheel_count(&m.w), 0);
}

START_TEST(random_model)
{
	/* starts just before a 2^36 ms period ends, so the run crosses it
	 * with clamped timers armed; day-long jumps cross many more */
	model_run(0x5eed0001, P2(36) - P2(31) + 12345, 600000);
}
END_TEST

START_TEST(random_model_top)
{
	/* near the top of the 64-bit range: saturating expiries */
	model_run(0x5eed0002, UINT64_MAX - P2(43), 400000);
}
END_TEST

Suite *suite_timerwheel(void)
{
	Suite *s = suite_create("timerwheel");
	TCase *tc = tcase_create("all");

	/* generous for sanitizer builds; the -O2 suite takes well under 1 s */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, basic);
	tcase_add_test(tc, slot_mapping);
	tcase_add_test(tc, checker_detects);
	tcase_add_test(tc, boundaries_one_timer);
	tcase_add_test(tc, boundaries_all_at_once);
	tcase_add_test(tc, next_expiry_exact);
	tcase_add_test(tc, callback_stops_due);
	tcase_add_test(tc, callback_rearms);
	tcase_add_test(tc, callback_starts_due);
	tcase_add_test(tc, order_in_one_run);
	tcase_add_test(tc, long_jumps);
	tcase_add_test(tc, random_model);
	tcase_add_test(tc, random_model_top);
	suite_add_tcase(s, tc);
	return s;
}
