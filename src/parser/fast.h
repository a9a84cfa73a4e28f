/*
 * fast.h - one-pass fast paths for the values msg.c parses up front
 * (internal to src/parser): the start line with its Request-URI, the top
 * Via, From and To, CSeq and the Call-ID check.
 *
 * Each fast parser takes the common spelling of its value in one pass,
 * with the path's vector scans (simd.h: span, find), and either fills
 * exactly what the reference parser fills, or returns false having
 * decided nothing: the caller then runs the reference parser
 * (parse_start_line, esip_uri_parse, esip_via_parse, esip_nameaddr_parse,
 * esip_cseq_parse), which also decides every error.  A fast path never
 * rejects.  What it leaves to the reference: LWS other than the one SP
 * the grammar puts between elements, quoted and escaped parameter
 * values, IPv6 references, userinfo with a password or escapes, URI
 * headers, schemes other than sip and sips, versions other than 2.0.
 *
 * The structure a fast parser fills was zeroed by the caller (the message
 * reset); on false it may be partly written, and the reference parsers
 * begin with a memset of theirs.
 *
 * Identical results are proven against ESIP__PATH_REF (simd.h), the same
 * line walk with the reference parsers only: fuzz/fuzz_simd.c and
 * fuzz/fuzz_fastval.c compare every path with it, and
 * tests/parser/test_simd.c checks span and find against byte loops.
 */
#ifndef ESIP_PARSER_FAST_H
#define ESIP_PARSER_FAST_H

#include "host.h"
#include "parse_int.h"
#include "scan.h"
#include "simd.h"

#define FAST_INLINE static inline __attribute__((always_inline))

/* Little-endian words of short literals, and the masks that fold the
 * letters of "SIP" (any case, as every ABNF literal, RFC 5234 2.3). */
#define W8(a, b, c, d, e, f, g, h)                                                   \
	((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 | (uint64_t)(d) << 24 | \
	 (uint64_t)(e) << 32 | (uint64_t)(f) << 40 | (uint64_t)(g) << 48 | (uint64_t)(h) << 56)
#define FOLD_SIP 0x0000000000202020ull

/* [p, p + n), n <= 8, equals the word of a lower-case letters-only
 * literal, ignoring case (STR_IEQ_ALPHA with one load: for letters,
 * c | 0x20 is exact, and no other octet ORs into a lower-case letter);
 * 8 bytes readable. */
#define FOLD8 0x2020202020202020ull
static inline bool fast_ieq_alpha(const char *p, size_t n, uint64_t want)
{
	return ((ld64(p) | FOLD8) & (~(uint64_t)0 >> (64 - 8 * n))) == want;
}

/* ---- hosts and ports ---------------------------------------------- */

/* host = hostname / IPv4address at p (the path's host scan, simd.h):
 * NULL for an IPv6 reference or a malformed host (the reference
 * decides). */
FAST_INLINE const char *fast_host(const char *p, const char *end, const char *rend,
				  esip_str *host, uint8_t *type, esip__vscan V)
{
	const char *q;

	if (p >= end || *p == '[')
		return NULL;
	q = V.host(p, end, rend, type);
	if (q)
		*host = mkstr(p, q);
	return q;
}

/* port = 1*DIGIT, 1..65535, at most 5 digits here (esip__port_scan
 * takes leading zeros beyond that).  The byte after it, or NULL. */
FAST_INLINE const char *fast_port(const char *p, const char *end, uint16_t *port)
{
	const char *s = p;
	unsigned v = 0;

	while (p < end && (unsigned char)(*p - '0') <= 9)
		v = v * 10 + (unsigned)(*p++ - '0');
	if (p == s || p - s > 5 || v - 1 >= 65535)
		return NULL; /* (v is meaningless past 5 digits) */
	*port = (uint16_t)v;
	return p;
}

/* ---- Via ---------------------------------------------------------- */

/* esip__via_param, the names compared with one load when 8 bytes are
 * readable. */
FAST_INLINE void fast_via_param(esip_via *v, esip_str n, esip_str val, const char *rend)
{
	if (rend - n.p < 8 || n.len > 8) {
		esip__via_param(v, n, val);
		return;
	}
	switch (n.len) {
	case 3:
		if (fast_ieq_alpha(n.p, 3, W8('t', 't', 'l', 0, 0, 0, 0, 0)))
			v->ttl = val;
		break;
	case 5:
		if (fast_ieq_alpha(n.p, 5, W8('m', 'a', 'd', 'd', 'r', 0, 0, 0)))
			v->maddr = val;
		else if (fast_ieq_alpha(n.p, 5, W8('r', 'p', 'o', 'r', 't', 0, 0, 0)))
			v->rport = val.p ? val : mkstr(n.p + 5, n.p + 5);
		break;
	case 6:
		if (fast_ieq_alpha(n.p, 6, W8('b', 'r', 'a', 'n', 'c', 'h', 0, 0)))
			v->branch = val;
		break;
	case 8:
		if (fast_ieq_alpha(n.p, 8, W8('r', 'e', 'c', 'e', 'i', 'v', 'e', 'd')))
			v->received = val;
		break;
	}
}

/*
 * The top via-parm of a Via value [p, end) (LWS-trimmed), as
 * esip_via_parse fills it from the value up to the first comma:
 * "SIP/2.0/" transport SP host [":" port] *( ";" param ).  Returns where
 * the via-parm ends (end, or the ',' before the next value) or NULL.
 */
FAST_INLINE const char *fast_via(const char *p, const char *end, const char *rend, esip_via *v,
				 esip__vscan V)
{
	const char *t = p + 8, *q, *ps;
	esip_str n, val;

	if (end - p < 12 || (ld64(p) | FOLD_SIP) != W8('s', 'i', 'p', '/', '2', '.', '0', '/'))
		return NULL;
	q = V.span(t, end, rend, CC_TOKEN);
	if (q == t || end - q < 2 || *q != ' ')
		return NULL;
	v->protocol = mkstr(p, p + 3);
	v->version = mkstr(p + 4, p + 7);
	v->transport = mkstr(t, q);
	q = fast_host(q + 1, end, rend, &v->host, &v->host_type, V);
	if (!q)
		return NULL;
	if (q < end && *q == ':' && !(q = fast_port(q + 1, end, &v->port)))
		return NULL;
	if (q < end && *q == ';') {
		ps = q + 1;
		do {
			q = V.param(q + 1, end, rend, &n, &val);
			if (!q)
				return NULL;
			fast_via_param(v, n, val, rend);
		} while (q < end && *q == ';');
		v->params = mkstr(ps, q);
	}
	if (q < end && *q != ',')
		return NULL;
	v->raw = mkstr(p, q);
	return q;
}

/* Via values on a line that is not the first: a line without a comma
 * holds one (esip__list_count's answer, the value being trimmed). */
FAST_INLINE unsigned fast_list_count(esip_str v, const char *rend, esip__vscan V)
{
	const char *end = v.p + v.len;

	if (V.find(v.p, end, rend, ESIP__VB_COMMA) == end)
		return v.len != 0;
	return esip__list_count(v);
}

/* ---- name-addr ------------------------------------------------------ */

/*
 * ( name-addr / addr-spec ) *( ";" param ) as esip_nameaddr_parse fills
 * it, for the name-addr form: an optional display name (a quoted-string
 * without quoted-pairs, or tokens separated by single SPs), at most one
 * SP, "<" URI ">" and parameters.  [p, end) is LWS-trimmed.
 */
FAST_INLINE bool fast_nameaddr(const char *p, const char *end, const char *rend,
			       esip_nameaddr *na, esip__vscan V)
{
	const char *lt, *gt, *q, *ps;
	esip_str n, val;

	if (p == end)
		return false;
	if (*p == '"') {
		/* qdtext leaves out '"' and '\\': the span stops at either */
		q = V.span(p + 1, end, rend, CC_QDTEXT);
		if (q == end || *q != '"')
			return false;
		na->display = mkstr(p, ++q);
		lt = q < end && *q == ' ' ? q + 1 : q;
	} else if (*p == '<') {
		lt = p;
	} else {
		/* display-name = *( token LWS ) */
		for (q = p;;) {
			const char *t = V.span(q, end, rend, CC_TOKEN);
			if (t == q || t == end)
				return false;
			if (*t == '<') {
				lt = t;
				break;
			}
			if (*t != ' ' || end - t < 2)
				return false;
			if (t[1] == '<') {
				lt = t + 1;
				break;
			}
			q = t + 1;
		}
		na->display = mkstr(p, lt[-1] == ' ' ? lt - 1 : lt);
	}
	if (lt == end || *lt != '<')
		return false;
	/* a URI never contains '>' (RFC 3261 25.1) */
	gt = V.find(lt + 1, end, rend, ESIP__VB_RANGLE);
	if (gt == end || gt == lt + 1 || (unsigned char)lt[1] <= ' ' ||
	    (unsigned char)gt[-1] <= ' ')
		return false;
	na->uri = mkstr(lt + 1, gt);
	na->angle = true;
	q = gt + 1;
	if (q == end)
		return true;
	if (*q != ';')
		return false;
	ps = q + 1;
	do {
		q = V.param(q + 1, end, rend, &n, &val);
		if (!q)
			return false;
		/* tag-param = "tag" EQUAL token (RFC 3261 25.1) */
		if (n.len == 3 && !na->tag.p &&
		    (rend - n.p >= 8 ? fast_ieq_alpha(n.p, 3, W8('t', 'a', 'g', 0, 0, 0, 0, 0))
				     : STR_IEQ_ALPHA(n, "tag"))) {
			if (!val.p)
				return false;
			na->tag = val;
		}
	} while (q < end && *q == ';');
	if (q != end)
		return false;
	na->params = mkstr(ps, end);
	return true;
}

/* ---- URI ------------------------------------------------------------ */

/*
 * A sip or sips URI [p, end) as esip_uri_parse fills it: userinfo with a
 * user alone (no password, no escapes), a hostname or IPv4 host, a port,
 * uri-parameters without escapes, no headers.
 */
FAST_INLINE bool fast_uri(const char *p, const char *end, const char *rend, esip_uri *u,
			  esip__vscan V)
{
	const char *s = p, *q, *ps;
	uint32_t w;
	bool odd = false;

	if (end - p < 5)
		return false;
	memcpy(&w, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap32(w);
#endif
	if ((w | 0x00202020u) == (uint32_t)W8('s', 'i', 'p', ':', 0, 0, 0, 0)) {
		u->scheme_id = ESIP_SCHEME_SIP;
		u->scheme = mkstr(p, p + 3);
		p += 4;
	} else if ((w | 0x20202020u) == (uint32_t)W8('s', 'i', 'p', 's', 0, 0, 0, 0) &&
		   p[4] == ':') {
		u->scheme_id = ESIP_SCHEME_SIPS;
		u->scheme = mkstr(p, p + 4);
		p += 5;
	} else {
		return false;
	}
	/* userinfo iff an '@' ends the run of user octets, escapes and
	 * password colons (the reference's test) */
	q = V.span(p, end, rend, CC_USER);
	while (q < end && (*q == ':' || *q == '%')) {
		odd = true;
		q = V.span(q + 1, end, rend, CC_USER);
	}
	if (q < end && *q == '@') {
		if (odd || q == p)
			return false;
		u->user = mkstr(p, q);
		p = q + 1;
	}
	q = fast_host(p, end, rend, &u->host, &u->host_type, V);
	if (!q)
		return false;
	if (q < end && *q == ':' && !(q = fast_port(q + 1, end, &u->port)))
		return false;
	if (q < end && *q == ';') {
		/* uri-parameter = pname [ "=" pvalue ], 1*paramchar each */
		ps = q + 1;
		do {
			const char *nm = q + 1, *v;
			q = V.span(nm, end, rend, CC_PARAM);
			if (q == nm)
				return false;
			if (q < end && *q == '=') {
				v = q + 1;
				q = V.span(v, end, rend, CC_PARAM);
				if (q == v)
					return false;
			}
		} while (q < end && *q == ';');
		u->params = mkstr(ps, q);
	}
	if (q != end)
		return false; /* headers, escapes: the reference */
	u->raw = mkstr(s, end);
	return true;
}

/* ---- CSeq and Call-ID ------------------------------------------------ */

/* CSeq = 1*DIGIT LWS Method with up to 9 digits and one SP (the
 * reference takes any LWS and any 32-bit number).  Writes only on
 * success: the reference leaves the fields as it found them on some
 * errors. */
FAST_INLINE bool fast_cseq(const char *p, const char *end, const char *rend, uint32_t *num,
			   esip_str *method, esip__vscan V)
{
	const char *q = p, *mp;
	uint32_t v = 0;

	while (q < end && (unsigned char)(*q - '0') <= 9)
		v = v * 10 + (uint32_t)(*q++ - '0');
	if (q == p || q - p > 9 || end - q < 2 || *q != ' ')
		return false; /* (v is meaningless past 9 digits) */
	mp = q + 1;
	q = V.span(mp, end, rend, CC_TOKEN);
	if (q == mp || q != end)
		return false;
	*num = v;
	*method = mkstr(mp, end);
	return true;
}

/* callid = word [ "@" word ]: callid_ok with the path's span. */
FAST_INLINE bool fast_callid_ok(const char *p, const char *end, const char *rend,
				esip__vscan V)
{
	const char *q = V.span(p, end, rend, CC_WORD);

	if (q == p)
		return false;
	if (q < end && *q == '@') {
		const char *w = q + 1;
		q = V.span(w, end, rend, CC_WORD);
		if (q == w)
			return false;
	}
	return q == end;
}

#endif
