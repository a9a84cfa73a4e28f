/*
 * host.c - hosts and ports shared by URIs and Via (RFC 3261 25.1):
 *
 *   host         = hostname / IPv4address / IPv6reference
 *   hostname     = *( domainlabel "." ) toplabel [ "." ]
 *   domainlabel  = alphanum / alphanum *( alphanum / "-" ) alphanum
 *   toplabel     = ALPHA / ALPHA *( alphanum / "-" ) alphanum
 *   IPv6reference = "[" IPv6address "]"
 *
 * RFC 5118 4.10 notes that RFC 3261's IPv6address ABNF admits an extra
 * colon ("2001:db8:::192.0.2.1"); elements should tolerate it, so we do.
 */
#include "host.h"
#include "parse_int.h"
#include "scan.h"

static bool ipv4_ok(const char *p, const char *end)
{
	return esip__scan_ipv4(p, end) == end;
}

static bool ipv6_ok(const char *p, const char *end)
{
	const char *start = p;
	int groups = 0, gaps = 0;

	if (end - p < 2 || end - p > 47)
		return false;
	while (p < end) {
		const char *g = p;
		if (*p == ':') {
			size_t run;
			while (p < end && *p == ':')
				p++;
			run = (size_t)(p - g);
			if (run == 1) {
				/* a plain separator sits between two groups */
				if (g == start || p == end)
					return false;
			} else if (run <= 3) {
				gaps++; /* "::" (or the tolerated ":::") */
			} else {
				return false;
			}
			continue;
		}
		while (p < end && cc((unsigned char)*p, CC_HEX))
			p++;
		if (p < end && *p == '.') {
			/* embedded IPv4 address in the last 32 bits */
			if (!ipv4_ok(g, end))
				return false;
			groups += 2;
			break;
		}
		if (p == g || p - g > 4 || (p < end && *p != ':'))
			return false;
		groups++;
	}
	if (gaps > 1)
		return false;
	return gaps ? groups <= 7 : groups == 8;
}

uint8_t esip__host_classify(esip_str h)
{
	const char *p = h.p, *end = str_end(h);

	if (!h.len)
		return ESIP_HOST_NONE;
	if (ipv4_ok(p, end))
		return ESIP_HOST_IPV4;
	if (scan_class(p, end, CC_HOST) == end && esip__hostname_ok(p, end))
		return ESIP_HOST_NAME;
	return ipv6_ok(p, end) ? ESIP_HOST_IPV6 : ESIP_HOST_NONE;
}

const char *esip__host_scan(const char *p, const char *end, esip_str *host,
			    uint8_t *type)
{
	const char *q;

	if (p >= end)
		return NULL;
	if (*p == '[') {
		q = p + 1;
		while (q < end && (cc((unsigned char)*q, CC_HEX) || *q == ':' || *q == '.'))
			q++;
		if (q >= end || *q != ']' || !ipv6_ok(p + 1, q))
			return NULL;
		*host = mkstr(p + 1, q);
		*type = ESIP_HOST_IPV6;
		return q + 1;
	}
	/* IPv4address: tried first when the host starts with a digit, and
	 * taken when no other host character follows it */
	if (cc((unsigned char)*p, CC_DIGIT)) {
		q = esip__scan_ipv4(p, end);
		if (q && (q == end || !cc((unsigned char)*q, CC_HOST))) {
			*type = ESIP_HOST_IPV4;
			*host = mkstr(p, q);
			return q;
		}
	}
	q = scan_class(p, end, CC_HOST);
	if (!esip__hostname_ok(p, q))
		return NULL;
	*type = ESIP_HOST_NAME;
	*host = mkstr(p, q);
	return q;
}

const char *esip__port_scan(const char *p, const char *end, uint16_t *port)
{
	uint64_t v;
	bool over;
	const char *q = scan_uint(p, end, 65535, &v, &over);

	if (q == p || over || v == 0)
		return NULL;
	*port = (uint16_t)v;
	return q;
}
