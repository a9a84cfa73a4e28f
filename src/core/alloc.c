/* alloc.c - allocator hooks; NULL means libc's malloc/realloc/free. */
#include <esip/core.h>

#include <stdlib.h>
#include <string.h>

static void *libc_alloc(size_t size, void *ud)
{
	(void)ud;
	return malloc(size);
}

static void *libc_realloc(void *ptr, size_t size, void *ud)
{
	(void)ud;
	return realloc(ptr, size);
}

static void libc_free(void *ptr, void *ud)
{
	(void)ud;
	free(ptr);
}

static const esip_allocator libc_allocator = {
	libc_alloc, libc_realloc, libc_free, NULL};

const esip_allocator *esip_allocator_default(void) { return &libc_allocator; }

void *esip_malloc(const esip_allocator *a, size_t size)
{
	if (!a)
		a = &libc_allocator;
	return a->alloc(size ? size : 1, a->ud);
}

void *esip_calloc(const esip_allocator *a, size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	p = esip_malloc(a, nmemb * size);
	if (p)
		memset(p, 0, (nmemb * size) != 0 ? nmemb * size : 1);
	return p;
}

void *esip_realloc(const esip_allocator *a, void *ptr, size_t size)
{
	if (!a)
		a = &libc_allocator;
	return a->realloc(ptr, size ? size : 1, a->ud);
}

void esip_free(const esip_allocator *a, void *ptr)
{
	if (!ptr)
		return;
	if (!a)
		a = &libc_allocator;
	a->free(ptr, a->ud);
}
