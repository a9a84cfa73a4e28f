/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *ta_alloc(size_t size, void *ud)
{
	test_alloc *ta = ud;
	void *p;

	ta->count++;
	if (ta->fail_at && ta->count == ta->fail_at) {
		ta->failed++;
		return NULL;
	}
	p = malloc(size);
	if (p)
		ta->live++;
	return p;
}

static void *ta_realloc(void *ptr, size_t size, void *ud)
{
	test_alloc *ta = ud;
	void *p;

	if (!ptr)
		return ta_alloc(size, ud);
	ta->count++;
	if (ta->fail_at && ta->count == ta->fail_at) {
		ta->failed++;
		return NULL;
	}
	p = realloc(ptr, size);
	return p;
}

static void ta_free(void *ptr, void *ud)
{
	test_alloc *ta = ud;

	if (ptr)
		ta->live--;
	free(ptr);
}

void test_alloc_init(test_alloc *ta, long fail_at)
{
	memset(ta, 0, sizeof *ta);
	ta->a.alloc = ta_alloc;
	ta->a.realloc = ta_realloc;
	ta->a.free = ta_free;
	ta->a.ud = ta;
	ta->fail_at = fail_at;
}

char *guard_copy(guard_buf *g, const void *src, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = (len + page - 1) / page;
	char *base;

	if (data_pages == 0)
		data_pages = 1;
	g->maplen = (data_pages + 1) * page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->map, MAP_FAILED);
	base = g->map;
	ck_assert_int_eq(mprotect(base + data_pages * page, page, PROT_NONE), 0);
	g->data = base + data_pages * page - len;
	g->len = len;
	if (len)
		memcpy(g->data, src, len);
	/* the input is read-only for the code under test */
	ck_assert_int_eq(mprotect(base, data_pages * page, PROT_READ), 0);
	return g->data;
}

void guard_free(guard_buf *g)
{
	if (g->map)
		munmap(g->map, g->maplen);
	memset(g, 0, sizeof *g);
}

char *test_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return NULL;
	for (;;) {
		size_t got;
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap * 2 + 4096);
			if (!nb) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
			cap = cap * 2 + 4096;
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

const char *test_path(const char *dir, const char *name)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ & 3];

	snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
	return b;
}

int test_run(Suite **suites, int n)
{
	SRunner *sr = srunner_create(suites[0]);
	int i, failed;

	for (i = 1; i < n; i++)
		srunner_add_suite(sr, suites[i]);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
