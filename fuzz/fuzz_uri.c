/*
 * fuzz_uri.c - URIs: parse, parameter and header lookups with decoding,
 * the binary host forms, and equivalence.  The input is two URIs split
 * at the first LF; each is copied to a buffer of its exact size so that
 * a read past either one is caught.
 *
 * Invariants: a URI equals itself, also through the full comparison (the
 * byte-identical shortcut disabled) when it is within the comparison
 * bound; equality is symmetric; an IPv4/IPv6 host has a binary form.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

static unsigned count(esip_str s, char sep)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < s.len; i++)
		n += s.p[i] == sep;
	return n;
}

static void lookups(const esip_uri *u)
{
	static const char *const names[] = {"transport", "lr", "maddr", "user", "ttl",
					    "method", "phone-context", "x"};
	static const char *const hnames[] = {"Replaces", "subject", "s", "Route", "x"};
	char out[256];
	uint8_t bin[16];
	esip_str v;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (esip_uri_param(u, names[i], &v) && v.p)
			(void)esip_pct_decode(v, out, sizeof out);
	for (i = 0; i < sizeof hnames / sizeof hnames[0]; i++) {
		long n = esip_uri_header(u, hnames[i], out, sizeof out);
		assert(n == ESIP_ENOTFOUND || n == ESIP_ENOSPC || (n >= 0 && n <= 256));
	}
	(void)esip_pct_decode(u->user, out, sizeof out);
	if (u->host_type == ESIP_HOST_IPV4)
		assert(esip__ipv4_bin(u->host, bin));
	if (u->host_type == ESIP_HOST_IPV6)
		assert(esip__ipv6_bin(u->host, bin));
}

static char *dup_exact(const uint8_t *p, size_t n)
{
	char *b = malloc(n ? n : 1);

	if (b && n)
		memcpy(b, p, n);
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *lf = memchr(data, '\n', size);
	size_t na = lf ? (size_t)(lf - data) : size;
	char *a = dup_exact(data, na);
	char *b = lf ? dup_exact(lf + 1, size - na - 1) : NULL;
	esip_uri ua, ua2, ub;

	if (!a)
		return 0;
	if (esip_uri_parse(esip_str_make(a, na), &ua) == 0) {
		lookups(&ua);
		assert(esip_uri_eq(&ua, &ua));
		/* the same URI through the full comparison */
		ua2 = ua;
		ua2.raw = ESIP_STR_NULL;
		if (count(ua.params, ';') < 63 && count(ua.headers, '&') < 63)
			assert(esip_uri_eq(&ua, &ua2) && esip_uri_eq(&ua2, &ua));
		if (b && esip_uri_parse(esip_str_make(b, size - na - 1), &ub) == 0) {
			lookups(&ub);
			assert(esip_uri_eq(&ua, &ub) == esip_uri_eq(&ub, &ua));
		}
	}
	free(a);
	free(b);
	return 0;
}
