/*
 * testutil.h - helpers shared by every esip Check suite.
 *
 *  - a counting allocator that can fail the Nth allocation (allocation-
 *    failure sweeps) and reports live blocks (leaks);
 *  - guard-page buffers: data placed so that its last byte is followed by
 *    an inaccessible page, so an over-read crashes even without ASan;
 *  - file loading and a suite runner.
 */
#ifndef ESIP_TESTUTIL_H
#define ESIP_TESTUTIL_H

#include <check.h>
#include <esip/core.h>
#include <stddef.h>

/* ---- counting / failing allocator -------------------------------- */
typedef struct test_alloc {
	esip_allocator a;    /* pass &ta.a to the code under test */
	long fail_at;        /* fail the allocation with this 1-based number; 0 = never */
	long count;          /* allocations attempted (alloc + realloc) */
	long live;           /* blocks currently allocated */
	long failed;         /* allocations refused */
} test_alloc;

void test_alloc_init(test_alloc *ta, long fail_at);

/* ---- guard-page buffers ------------------------------------------- */
typedef struct guard_buf {
	void *map;      /* whole mapping */
	size_t maplen;
	char *data;     /* copy of the input, ends right before the guard page */
	size_t len;
} guard_buf;

/* Copies len bytes so that data[len] is the first byte of a PROT_NONE page. */
char *guard_copy(guard_buf *g, const void *src, size_t len);
void guard_free(guard_buf *g);

/* ---- files --------------------------------------------------------- */
/* Reads a whole file into a malloc'd buffer (NUL appended, not counted);
 * returns NULL on error. */
char *test_read_file(const char *path, size_t *len);
/* Path join into a static rotating buffer (for test code only). */
const char *test_path(const char *dir, const char *name);

/* ---- running ------------------------------------------------------- */
/* Runs the suites in fork mode; returns the process exit status. */
int test_run(Suite **suites, int n);

#endif
