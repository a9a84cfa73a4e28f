/* parse_int.h - declarations shared between src/parser files (internal). */
#ifndef ESIP_PARSER_INT_H
#define ESIP_PARSER_INT_H

#include <esip/parser.h>

#include "scan.h"

/*
 * host = hostname / IPv4address / IPv6reference (RFC 3261 25.1, RFC 5118).
 * Scans a host starting at p; returns the byte after it, or NULL if the
 * host is malformed.  *host excludes IPv6 brackets.
 */
const char *esip__host_scan(const char *p, const char *end, esip_str *host,
			    uint8_t *type);
/* port = 1*DIGIT, 1..65535.  Returns the byte after it or NULL. */
const char *esip__port_scan(const char *p, const char *end, uint16_t *port);
/* Classifies a bare host string (no brackets): IPv4, IPv6 or name;
 * ESIP_HOST_NONE if it is none of them. */
uint8_t esip__host_classify(esip_str h);
/* Checks a whole header parameter list; 0 or ESIP_EBAD_VALUE. */
int esip__params_check(esip_str params);
/* One via-param (RFC 3261 20.42) name=value into the fields of v it
 * sets; a later one replaces an earlier one.  value.p NULL: no '='. */
static inline void esip__via_param(esip_via *v, esip_str n, esip_str val)
{
	switch (n.len) {
	case 3:
		if (STR_IEQ_ALPHA(n, "ttl"))
			v->ttl = val;
		break;
	case 5:
		if (STR_IEQ_ALPHA(n, "maddr"))
			v->maddr = val;
		else if (STR_IEQ_ALPHA(n, "rport"))
			/* bare ";rport" asks for the port (RFC 3581 3): present,
			 * empty, right after the name */
			v->rport = val.p ? val : mkstr(n.p + n.len, n.p + n.len);
		break;
	case 6:
		if (STR_IEQ_ALPHA(n, "branch"))
			v->branch = val;
		break;
	case 8:
		if (STR_IEQ_ALPHA(n, "received"))
			v->received = val;
		break;
	}
}

/* The first ',' of [p, end) outside quotes and <...>, or end. */
const char *esip__list_split(const char *p, const char *end);
/* Number of non-empty elements of a comma-separated list value. */
unsigned esip__list_count(esip_str v);

/* Binary form of an IPv4address / IPv6address view (no brackets, no NUL
 * needed), for comparing addresses rather than spellings (RFC 5954 4.2).
 * Accepts exactly what esip__host_classify accepts, including the extra
 * colon of RFC 5118 4.10.  false if the view is not such an address. */
bool esip__ipv4_bin(esip_str h, uint8_t out[4]);
bool esip__ipv6_bin(esip_str h, uint8_t out[16]);

/*
 * Next "name[=value]" pair of a URI parameter list (sep ';') or URI header
 * list (sep '&'), as validated by esip_uri_parse: no LWS, no quotes.
 * value.p == NULL without '='.  false at the end of *rest.
 */
bool esip__uri_pair_next(esip_str *rest, char sep, esip_str *name, esip_str *value);
/* URI header names (hname, escaped) compare case-insensitively after
 * unescaping; a compact form equals its full name (RFC 3261 7.3.3). */
bool esip__uri_hname_eq(esip_str a, esip_str b);

/*
 * The header parameters after a leading item (Event's event-type, a
 * Replaces call-id, a media-range...): p is right after that item.
 * Accepts end of input (params absent) or SWS ";" generic-param list
 * (RFC 3261 25.1), which it checks whole.  0 or ESIP_EBAD_VALUE.
 */
int esip__params_after(const char *p, const char *end, esip_str *params);
/* A whole value "item *( SEMI generic-param )": LWS-trimmed, the item
 * delimited by scan (which returns its first argument if there is none),
 * then esip__params_after.  0 or ESIP_EBAD_VALUE (also for an absent s). */
int esip__item_params(esip_str s, const char *(*scan)(const char *, const char *),
		      esip_str *item, esip_str *params);

/*
 * delta-seconds = 1*DIGIT (RFC 3261 25.1).  A value above 2**32-1 is
 * ESIP_EBAD_VALUE, or UINT32_MAX when cap is set (only where an RFC says
 * so: RFC 3261 10.2.1.1 for the Contact "expires" parameter).
 */
int esip__delta_seconds(esip_str v, bool cap, uint32_t *out);
/* qvalue (RFC 3261 25.1) in thousandths; 0 or ESIP_EBAD_VALUE. */
int esip__qvalue(esip_str v, unsigned *q1000);

#endif
