/*
 * pct.c - percent-encoding (RFC 3986 2.1; RFC 3261 19.1.2 "escaped").
 *
 * Decoded data is returned as a length, never as a C string: %00 is a
 * legal escape and must not truncate anything (RFC 4475 3.1.1.4).
 */
#include <esip/core.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode the byte at s[*i]; advances *i.  Returns -1 for a bad escape
 * (the '%' itself is then returned by the caller literally if lenient). */
static int decode_at(esip_str s, size_t *i)
{
	unsigned char c = (unsigned char)s.p[*i];

	if (c == '%') {
		int hi, lo;
		if (s.len - *i < 3) /* need '%' and two hex digits */
			return -1;
		hi = hexval((unsigned char)s.p[*i + 1]);
		lo = hexval((unsigned char)s.p[*i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		*i += 3;
		return hi << 4 | lo;
	}
	(*i)++;
	return c;
}

long esip_pct_decode(esip_str s, char *out, size_t cap)
{
	size_t i = 0, n = 0;

	while (i < s.len) {
		int c = decode_at(s, &i);
		if (c < 0)
			return ESIP_EBAD_VALUE;
		if (n >= cap)
			return ESIP_ENOSPC;
		out[n++] = (char)c;
	}
	return (long)n;
}

static inline int fold(int c, bool ci)
{
	return (ci && c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

bool esip_pct_eq(esip_str s, esip_str t, bool ci)
{
	size_t i = 0, j = 0;

	while (i < s.len && j < t.len) {
		size_t i0 = i, j0 = j;
		int a = decode_at(s, &i), b = decode_at(t, &j);
		/* a malformed escape compares as the literal '%' */
		if (a < 0) {
			a = '%';
			i = i0 + 1;
		}
		if (b < 0) {
			b = '%';
			j = j0 + 1;
		}
		if (fold(a, ci) != fold(b, ci))
			return false;
	}
	return i == s.len && j == t.len;
}
