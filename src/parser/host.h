/*
 * host.h - the two host grammars every host scan ends in (internal to
 * src/parser; host.c and the fast paths of fast.h share them):
 *
 *   hostname    = *( domainlabel "." ) toplabel [ "." ]
 *   domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
 *   toplabel    = ALPHA / ALPHA *( alphanum / "-" ) alphanum
 *   IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
 *
 * (RFC 3261 25.1.)
 */
#ifndef ESIP_PARSER_HOST_H
#define ESIP_PARSER_HOST_H

#include "scan.h"

#define MAX_HOST_LEN 255  /* RFC 1035 2.3.4 */
#define MAX_LABEL_LEN 63

/* Scans dotted-quad IPv4 at p; returns the byte after it or NULL. */
static inline const char *esip__scan_ipv4(const char *p, const char *end)
{
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		if (part) {
			if (p >= end || *p != '.')
				return NULL;
			p++;
		}
		while (p < end && (unsigned char)(*p - '0') <= 9 && digits < 4) {
			v = v * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return NULL;
	}
	return p;
}

/* [p, end) is a hostname (a run of CC_HOST octets, RFC 1035 lengths). */
static inline bool esip__hostname_ok(const char *p, const char *end)
{
	const char *label = p;
	bool top_alpha = false;

	if (p == end || end - p > MAX_HOST_LEN)
		return false;
	if (end[-1] == '.')
		end--; /* trailing dot of a fully qualified name */
	while (label < end) {
		const char *q = label;
		while (q < end && *q != '.')
			q++;
		if (q == label || q - label > MAX_LABEL_LEN || *label == '-' ||
		    q[-1] == '-')
			return false;
		top_alpha = cc((unsigned char)*label, CC_ALPHA);
		label = q < end ? q + 1 : q;
		if (q < end && label == end)
			return false;
	}
	return top_alpha;
}

#endif
