/*
 * fuzz_auth.c - challenges and credentials: esip_auth_parse on the input
 * (copied to a buffer of its exact size), the full parameter iteration,
 * the lookups a Digest client and server make, and the iterator on the
 * raw input.
 *
 * Invariants: the views lie inside the input; iteration ends; a parameter
 * the iteration saw is found by name.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void inside(const char *lo, const char *hi, esip_str s)
{
	if (s.p)
		assert(s.p >= lo && s.p + s.len <= hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"realm", "nonce", "opaque", "qop", "algorithm",
					    "stale", "username", "uri", "response", "nc",
					    "cnonce", "domain", "userhash", "username*"};
	char *in = malloc(size ? size : 1);
	esip_str s, rest, n, v, found;
	esip_auth a;
	size_t i, steps = 0;

	if (!in)
		return 0;
	memcpy(in, data, size);
	s = esip_str_make(in, size);
	if (esip_auth_parse(s, &a) == 0) {
		inside(in, in + size, a.scheme);
		inside(in, in + size, a.params);
		rest = a.params;
		while (esip_auth_param_next(&rest, &n, &v) == 1) {
			assert(steps++ <= size);
			inside(in, in + size, n);
			inside(in, in + size, v);
			assert(n.len && v.len);
			/* the first parameter of that name is found */
			{
				char name[64];
				if (n.len < sizeof name) {
					memcpy(name, n.p, n.len);
					name[n.len] = 0;
					assert(esip_auth_param(&a, name, &found));
				}
			}
			(void)esip_str_quoted_eq(v, ESIP_STR("auth"), true);
		}
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (esip_auth_param(&a, names[i], &found))
				inside(in, in + size, found);
	}
	/* the iterator alone on the whole input */
	rest = s;
	steps = 0;
	while (esip_auth_param_next(&rest, &n, &v) == 1)
		assert(steps++ <= size);
	free(in);
	return 0;
}
