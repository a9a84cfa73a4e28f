/*
 * uri_cmp.c - URI equivalence.
 *
 * sip/sips: RFC 3261 19.1.4 as amended by RFC 5954 4.2:
 *  - sip and sips are never equivalent;
 *  - user and password are case-sensitive, both must be present or both
 *    absent; the rest is case-insensitive unless said otherwise;
 *  - characters other than the RFC 2396 "reserved" set are equivalent to
 *    their %HH escape; an escaped reserved character is NOT its literal
 *    ("%40" is not "@": the escape is what keeps it from being a
 *    delimiter), and unescaping is never recursive (RFC 4475 3.1.1.3);
 *  - host case-insensitive; IP addresses compare as binary addresses
 *    (RFC 5954 4.2), and never equal a host name (19.1.4);
 *  - port: absent never equals an explicit 5060;
 *  - uri-parameters: one that appears in both must match; user, ttl,
 *    method, maddr and transport in only one never match; any other in
 *    only one is ignored;
 *  - URI headers are never ignored: the same set on both sides.  Names are
 *    case-insensitive (compact forms equal full names, RFC 3261 7.3.3).
 *    Values compare byte-exact after unescaping: 19.1.4 leaves the rule to
 *    each header field in Section 20, where Call-ID (20.8), quoted strings
 *    and URI user parts are case-sensitive; exact comparison never calls
 *    two different values equal.
 * Parameters and headers that repeat a name compare as sets of values.
 *
 * tel: RFC 3966 4 (basics): both global ("+") or both local; the numbers
 * equal once visual separators are removed; the same parameter names on
 * both sides, values equal (phone-context numbers and ext without visual
 * separators); everything case-insensitive.
 *
 * Other schemes: case-insensitive scheme, the rest equal after unescaping
 * (with the same reserved-character rule).
 *
 * Cost: the set comparisons are quadratic, so URIs with more than
 * CMP_MAX_ITEMS parameters or headers are equal only when byte-identical.
 * Real URIs carry a handful; the bound keeps a hostile 8 KB URI from
 * costing millions of comparisons in a registrar's binding lookup.
 */
#include "parse_int.h"
#include "scan.h"

#define CMP_MAX_ITEMS 64

#define CMP_CI 0x1u    /* ASCII case-insensitive */
#define CMP_PHONE 0x2u /* skip visual separators (RFC 3966 3) */

/* RFC 3966 3: visual-separator = "-" / "." / "(" / ")" */
static bool visual_sep(int u)
{
	return u == '-' || u == '.' || u == '(' || u == ')';
}

/*
 * Next comparison unit of an escaped string, or -1 at its end: a literal
 * byte, or the byte an escape stands for.  An escaped reserved character
 * comes back as 0x100 | c so that it never equals the literal c.
 */
static int unit_next(esip_str s, size_t *i, unsigned fl)
{
	while (*i < s.len) {
		unsigned char c = (unsigned char)s.p[*i];
		char d;
		int u;

		if (c == '%' && esip_pct_decode(esip_str_sub(s, *i, 3), &d, 1) == 1) {
			*i += 3;
			c = (unsigned char)d;
			if (cc(c, CC_URIC) && !cc(c, CC_UNRES))
				return 0x100 | c; /* RFC 2396 reserved */
		} else {
			(*i)++; /* a bad escape (never after parsing) is literal */
		}
		u = (fl & CMP_CI) ? lc(c) : c;
		if ((fl & CMP_PHONE) && visual_sep(u))
			continue;
		return u;
	}
	return -1;
}

/* Present on both sides (or absent on both) and equal unit by unit. */
static bool part_eq(esip_str a, esip_str b, unsigned fl)
{
	size_t i = 0, j = 0;
	int ua, ub;

	if (!a.p || !b.p)
		return !a.p && !b.p;
	do {
		ua = unit_next(a, &i, fl);
		ub = unit_next(b, &j, fl);
		if (ua != ub)
			return false;
	} while (ua >= 0);
	return true;
}

static bool too_many(esip_str s, char sep)
{
	const char *p = s.p, *end;
	unsigned n = 0;

	if (!s.len)
		return false;
	end = p + s.len;
	while ((p = memchr(p, sep, (size_t)(end - p)))) {
		if (++n >= CMP_MAX_ITEMS)
			return true;
		p++;
	}
	return false;
}

static bool name_is(esip_str n, const char *lit)
{
	return esip_pct_eq(n, esip_str_cstr(lit), true);
}

/* ---- sip / sips ------------------------------------------------------ */

/* RFC 3261 19.1.4: in only one URI these never match (transport, from the
 * "default value" rule; user, ttl, method and maddr from the list). */
static bool sip_param_required(esip_str n)
{
	return name_is(n, "transport") || name_is(n, "user") || name_is(n, "ttl") ||
	       name_is(n, "method") || name_is(n, "maddr");
}

/* Every parameter of a that b also names matches one of b's values of
 * that name; a required parameter b lacks fails. */
static bool sip_params_covered(esip_str a, esip_str b)
{
	esip_str ra = a, na, va;

	while (esip__uri_pair_next(&ra, ';', &na, &va)) {
		esip_str rb = b, nb, vb;
		bool named = false, match = false;

		while (!match && esip__uri_pair_next(&rb, ';', &nb, &vb)) {
			if (!part_eq(na, nb, CMP_CI))
				continue;
			named = true;
			match = part_eq(va, vb, CMP_CI);
		}
		if (named ? !match : sip_param_required(na))
			return false;
	}
	return true;
}

/* Two name=value pairs are the same (a set comparison's element test). */
typedef bool pair_eq_fn(esip_str na, esip_str va, esip_str nb, esip_str vb);

/* Every pair of list a (separated by sep) has an equal pair in b. */
static bool pairs_covered(esip_str a, esip_str b, char sep, pair_eq_fn *eq)
{
	esip_str ra = a, na, va;

	while (esip__uri_pair_next(&ra, sep, &na, &va)) {
		esip_str rb = b, nb, vb;
		bool match = false;

		while (!match && esip__uri_pair_next(&rb, sep, &nb, &vb))
			match = eq(na, va, nb, vb);
		if (!match)
			return false;
	}
	return true;
}

static bool header_eq(esip_str na, esip_str va, esip_str nb, esip_str vb)
{
	return esip__uri_hname_eq(na, nb) && part_eq(va, vb, 0);
}

static bool host_eq(const esip_uri *a, const esip_uri *b)
{
	uint8_t x[16], y[16];

	if (a->host_type != b->host_type)
		return false; /* an address never equals a name (19.1.4) */
	if (a->host_type == ESIP_HOST_IPV4 && esip__ipv4_bin(a->host, x) &&
	    esip__ipv4_bin(b->host, y))
		return !memcmp(x, y, 4);
	if (a->host_type == ESIP_HOST_IPV6 && esip__ipv6_bin(a->host, x) &&
	    esip__ipv6_bin(b->host, y))
		return !memcmp(x, y, 16);
	return esip_str_ieq(a->host, b->host);
}

static bool sip_eq(const esip_uri *a, const esip_uri *b)
{
	if (!part_eq(a->user, b->user, 0) || !part_eq(a->password, b->password, 0))
		return false;
	if (!host_eq(a, b) || a->port != b->port)
		return false;
	if (too_many(a->params, ';') || too_many(b->params, ';') ||
	    too_many(a->headers, '&') || too_many(b->headers, '&'))
		return false;
	return sip_params_covered(a->params, b->params) &&
	       sip_params_covered(b->params, a->params) &&
	       pairs_covered(a->headers, b->headers, '&', header_eq) &&
	       pairs_covered(b->headers, a->headers, '&', header_eq);
}

/* ---- tel -------------------------------------------------------------- */

/* RFC 3966 4: parameters compare by name, values case-insensitively;
 * phone-context is a domain name (compared as a host) or a global number
 * (digits without visual separators), and ext is 1*phonedigit. */
static bool tel_param_eq(esip_str na, esip_str va, esip_str nb, esip_str vb)
{
	unsigned fl = CMP_CI;

	if (!part_eq(na, nb, CMP_CI))
		return false;
	if (name_is(na, "ext") ||
	    (name_is(na, "phone-context") &&
	     ((va.len && va.p[0] == '+') || (vb.len && vb.p[0] == '+'))))
		fl |= CMP_PHONE;
	return part_eq(va, vb, fl);
}

static bool tel_eq(const esip_uri *a, const esip_uri *b)
{
	bool ga = a->user.len && a->user.p[0] == '+';
	bool gb = b->user.len && b->user.p[0] == '+';

	if (ga != gb || !part_eq(a->user, b->user, CMP_CI | CMP_PHONE))
		return false;
	if (too_many(a->params, ';') || too_many(b->params, ';'))
		return false;
	/* a name found in only one URI makes them different (RFC 3966 4) */
	return pairs_covered(a->params, b->params, ';', tel_param_eq) &&
	       pairs_covered(b->params, a->params, ';', tel_param_eq);
}

bool esip_uri_eq(const esip_uri *a, const esip_uri *b)
{
	if (a->scheme_id != b->scheme_id)
		return false; /* sip vs sips never; tel vs sip never */
	/* the same bytes are the same URI (and this keeps a == a true for
	 * URIs over CMP_MAX_ITEMS) */
	if (a->raw.p && b->raw.p && esip_str_eq(a->raw, b->raw))
		return true;
	switch (a->scheme_id) {
	case ESIP_SCHEME_SIP:
	case ESIP_SCHEME_SIPS:
		return sip_eq(a, b);
	case ESIP_SCHEME_TEL:
		return tel_eq(a, b);
	default:
		return esip_str_ieq(a->scheme, b->scheme) &&
		       part_eq(a->opaque, b->opaque, 0);
	}
}
