/*
 * ipaddr.c - textual IP addresses to their binary form, for comparison.
 *
 * RFC 5954 4.2: two URIs whose hosts spell the same IP address differently
 * ("[::ffff:192.0.2.128]" and "[::ffff:c000:280]", "192.0.2.128" and
 * "192.00.02.128") have matching hosts; only the binary address counts.
 *
 * The converters accept what host.c accepts (RFC 3261 25.1 with the extra
 * colon tolerated by RFC 5118 4.10, "2001:db8:::192.0.2.1"), work on a view
 * (no NUL needed, nothing read at or past the end) and never allocate.
 */
#include "parse_int.h"
#include "scan.h"

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each
 * part decimal (RFC 3261 25.1; leading zeros are not octal). */
bool esip__ipv4_bin(esip_str h, uint8_t out[4])
{
	const char *p = h.p, *end;
	int part;

	if (!p)
		return false;
	end = p + h.len;
	for (part = 0; part < 4; part++) {
		const char *d = p;
		unsigned v = 0;

		if (part && (p == end || *p++ != '.'))
			return false;
		d = p;
		while (p < end && p - d < 3 && cc((unsigned char)*p, CC_DIGIT))
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == d || v > 255)
			return false;
		out[part] = (uint8_t)v;
	}
	return p == end;
}

/* One group of 1 to 4 hex digits; returns the byte after it or NULL. */
static const char *hex16(const char *p, const char *end, uint16_t *w)
{
	const char *s = p;
	unsigned v = 0;

	while (p < end && p - s < 4 && cc((unsigned char)*p, CC_HEX)) {
		unsigned char c = lc((unsigned char)*p++);
		v = v << 4 | (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	if (p == s)
		return NULL;
	*w = (uint16_t)v;
	return p;
}

bool esip__ipv6_bin(esip_str h, uint8_t out[16])
{
	const char *p = h.p, *end;
	uint16_t w[8];
	int n = 0, gap = -1, i;

	if (!p || h.len < 2)
		return false;
	end = p + h.len;
	while (p < end) {
		if (*p == ':') {
			const char *c = p;
			while (p < end && *p == ':')
				p++;
			if (p - c == 1) {
				/* a separator sits between two groups */
				if (c == h.p || p == end)
					return false;
			} else if (p - c <= 3 && gap < 0) {
				gap = n; /* "::", or RFC 5118 4.10's ":::" */
			} else {
				return false;
			}
			continue;
		}
		if (p > h.p && p[-1] != ':')
			return false; /* a group longer than 4 digits */
		if (n == 8)
			return false;
		{
			const char *q = hex16(p, end, &w[n]);
			if (!q)
				return false;
			if (q < end && *q == '.') {
				/* ls32 as an embedded IPv4 address: the last 32 bits */
				uint8_t v4[4];
				if (n > 6 || !esip__ipv4_bin(esip_str_make(p, (size_t)(end - p)), v4))
					return false;
				w[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
				w[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
				p = end;
				break;
			}
			n++;
			p = q;
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return false;
	/* expand the gap: groups after it move to the end, zeros between */
	memset(out, 0, 16);
	for (i = 0; i < n; i++) {
		int pos = (gap >= 0 && i >= gap) ? 8 - (n - i) : i;
		out[2 * pos] = (uint8_t)(w[i] >> 8);
		out[2 * pos + 1] = (uint8_t)w[i];
	}
	return true;
}
