/* grow.c - esip_grow, the one growth rule of esip's buffers and arrays
 * (see esip/core.h): doubling from a first capacity, clamped to a limit. */
#include <esip/core.h>

#include <string.h>

int esip_grow(const esip_allocator *a, void *pp, size_t *cap, size_t need, size_t elem,
	      size_t first_cap, size_t max_cap)
{
	void *p, *np;
	size_t ncap;

	if (!elem)
		return ESIP_EINVAL;
	if (need <= *cap)
		return 0;
	if (need > max_cap)
		return ESIP_ELIMIT;
	ncap = *cap ? *cap : first_cap;
	if (!ncap)
		ncap = 1;
	while (ncap < need)
		ncap = ncap > max_cap / 2 ? max_cap : ncap * 2;
	if (ncap > max_cap)
		ncap = max_cap; /* first_cap above the limit */
	if (ncap > SIZE_MAX / elem)
		return ESIP_ENOMEM;
	/* the caller's pointer is read and written through its bytes: T * and
	 * void * share one representation on every platform esip runs on */
	memcpy(&p, pp, sizeof p);
	np = p ? esip_realloc(a, p, ncap * elem) : esip_malloc(a, ncap * elem);
	if (!np)
		return ESIP_ENOMEM;
	memcpy(pp, &np, sizeof np);
	*cap = ncap;
	return 0;
}
