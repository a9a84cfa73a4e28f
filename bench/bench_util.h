/*
 * bench_util.h - what the benchmark programs share: clocks in seconds
 * (monotonic wall time, or the process's CPU time) and the median of
 * repeated figures.
 */
#ifndef ESIP_BENCH_UTIL_H
#define ESIP_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

/* Clock id (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID) read in seconds. */
static inline double bench_clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double bench_now_s(void)
{
	return bench_clock_s(CLOCK_MONOTONIC);
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v (n values) and returns the middle one. */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
	return v[n / 2];
}

#endif
