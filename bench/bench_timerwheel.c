/*
 * bench_timerwheel.c - timer wheel costs (a benchmark, never a test).
 *
 *   bench-timerwheel [N] [ROUNDS]        (default 1000000 timers, 5 rounds)
 *
 * N timers embedded in one array (as transactions embed theirs), with
 * SIP-like durations from 0 to 64 s: half T1 multiples (500 ms .. 4 s),
 * Timer K's 5 s, Timer B/F/H/J's 32 s or 64 s, half uniform 0..64 s.
 * Prints the median over ROUNDS, in process CPU time (the machines are
 * shared), of:
 *   start        ns to arm one timer while the others are armed
 *   re-arm       ns to move an armed timer (a retransmission timer)
 *   stop         ns to disarm one
 *   burst        ns per timer to arm all N at one instant and fire them
 *                all by running the clock 64 s forward in 1 ms steps
 *                (64,001 runs: every cascade and every empty step counts)
 *   burst-jump   the same with a single run of 64 s
 *   steady       ns per timer of a steady load: N/64000 timers started
 *                per ms for 64 s, one run per ms, then drained; this is
 *                start + cascades + fire + one next_expiry per ms
 *   next_expiry  ns per call during the steady load (1024 calls timed
 *                every 61 ms, so at every phase of a 64 ms level-0 block)
 * The wheel allocates nothing, so no heap calls are counted here.
 */
#include "bench_util.h"

#include <esip/core.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t fired;

static void on_fire(esip_timer *t, uint64_t now)
{
	(void)t;
	(void)now;
	fired++;
}

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double cpu_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t sip_duration(uint64_t *s)
{
	static const uint64_t fixed[] = {500, 1000, 2000, 4000, 5000, 32000, 32000, 64000};

	if (rnd(s) % 2)
		return fixed[rnd(s) % (sizeof fixed / sizeof fixed[0])];
	return rnd(s) % 64001;
}

enum { START, REARM, STOP, BURST, JUMP, STEADY, NEXT, NFIG };

int main(int argc, char **argv)
{
	static const char *names[NFIG] = {"start", "re-arm", "stop", "burst",
					  "burst-jump", "steady", "next_expiry"};
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	esip_timerwheel *w = malloc(sizeof *w);
	esip_timer *t = malloc(n * sizeof *t);
	uint64_t *d = malloc(n * sizeof *d), *d2 = malloc(n * sizeof *d2);
	double *fig[NFIG];
	uint64_t s = 1, sink = 0;
	const uint64_t t0 = 1000000;
	size_t i;
	int r, k;

	if (!w || !t || !d || !d2 || rounds < 1 || n == 0) {
		fprintf(stderr, "usage: bench-timerwheel [N] [ROUNDS]\n");
		return 2;
	}
	for (k = 0; k < NFIG; k++)
		fig[k] = calloc((size_t)rounds, sizeof(double));
	for (i = 0; i < n; i++) {
		esip_timer_init(&t[i], on_fire);
		d[i] = sip_duration(&s);
		d2[i] = sip_duration(&s);
	}

	for (r = 0; r < rounds; r++) {
		double a, b, next = 0;
		uint64_t ms, calls = 0;

		esip_timerwheel_init(w, t0);
		a = cpu_ns();
		for (i = 0; i < n; i++)
			esip_timer_start(w, &t[i], t0 + d[i]);
		b = cpu_ns();
		fig[START][r] = (b - a) / (double)n;
		for (i = 0; i < n; i++)
			esip_timer_start(w, &t[i], t0 + d2[i]);
		a = cpu_ns();
		fig[REARM][r] = (a - b) / (double)n;
		for (i = 0; i < n; i++)
			esip_timer_stop(w, &t[i]);
		b = cpu_ns();
		fig[STOP][r] = (b - a) / (double)n;

		/* burst, 1 ms steps */
		esip_timerwheel_init(w, t0);
		fired = 0;
		a = cpu_ns();
		for (i = 0; i < n; i++)
			esip_timer_start(w, &t[i], t0 + d[i]);
		for (ms = t0; ms <= t0 + 64000; ms++)
			esip_timerwheel_run(w, ms);
		b = cpu_ns();
		fig[BURST][r] = (b - a) / (double)n;
		if (fired != n)
			fprintf(stderr, "burst: fired %zu of %zu\n", fired, n);

		/* burst, one jump */
		esip_timerwheel_init(w, t0);
		fired = 0;
		a = cpu_ns();
		for (i = 0; i < n; i++)
			esip_timer_start(w, &t[i], t0 + d[i]);
		esip_timerwheel_run(w, t0 + 64000);
		b = cpu_ns();
		fig[JUMP][r] = (b - a) / (double)n;
		if (fired != n)
			fprintf(stderr, "burst-jump: fired %zu of %zu\n", fired, n);

		/* steady load: starts spread over 64 s, a run every ms */
		esip_timerwheel_init(w, t0);
		fired = 0;
		i = 0;
		a = cpu_ns();
		for (ms = t0; fired < n; ms++) {
			size_t due = ms >= t0 + 64000 ? n : (size_t)((ms - t0) * n / 64000);

			for (; i < due; i++)
				esip_timer_start(w, &t[i], ms + d[i]);
			if (ms % 61 == 0) {
				double c = cpu_ns();
				int j;

				for (j = 0; j < 1024; j++)
					sink += esip_timerwheel_next_expiry(w);
				next += cpu_ns() - c;
				calls += 1024;
			} else {
				sink += esip_timerwheel_next_expiry(w);
			}
			esip_timerwheel_run(w, ms);
		}
		b = cpu_ns();
		fig[NEXT][r] = next / (double)calls;
		/* the timed next_expiry bursts are not part of the load */
		fig[STEADY][r] = (b - a - next) / (double)n;
	}

	printf("timer wheel: %zu timers, SIP-like durations 0..64 s, median of %d rounds\n", n,
	       rounds);
	for (k = 0; k < NFIG; k++)
		printf("  %-12s %8.1f ns%s\n", names[k], bench_median(fig[k], rounds),
		       k == BURST || k == JUMP || k == STEADY ? " per timer" : "");
	return sink == 42; /* keeps the next_expiry calls */
}
