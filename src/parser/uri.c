/*
 * uri.c - URI parsing (RFC 3261 19.1.1 and 25.1, RFC 3966, RFC 3986).
 *
 *   SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 *   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *   uri-parameter = pname [ "=" pvalue ]     (1*paramchar each)
 *   headers  = "?" header *( "&" header ),  header = hname "=" hvalue
 *
 * The whole view must be the URI: no LWS anywhere (RFC 4475 3.1.2.8).
 */
#include "parse_int.h"
#include "scan.h"

/* uri-parameters: *( ";" pname [ "=" pvalue ] ); p at ';' or end.
 * Returns the first byte after them or NULL. */
static const char *scan_uri_params(const char *p, const char *end)
{
	bool bad = false;

	while (p < end && *p == ';') {
		const char *n = p + 1, *q = scan_escaped(n, end, CC_PARAM, &bad);
		if (bad || q == n)
			return NULL;
		if (q < end && *q == '=') {
			const char *v = q + 1;
			q = scan_escaped(v, end, CC_PARAM, &bad);
			if (bad || q == v)
				return NULL;
		}
		p = q;
	}
	return p;
}

/* headers after '?': hname "=" hvalue *( "&" hname "=" hvalue ) */
static const char *scan_uri_headers(const char *p, const char *end)
{
	bool bad = false;

	for (;;) {
		const char *n = p, *q = scan_escaped(n, end, CC_HNV, &bad);
		if (bad || q == n || q >= end || *q != '=')
			return NULL;
		q = scan_escaped(q + 1, end, CC_HNV, &bad);
		if (bad)
			return NULL;
		if (q < end && *q == '&') {
			p = q + 1;
			continue;
		}
		return q;
	}
}

static int parse_sip(const char *p, const char *end, esip_uri *u)
{
	const char *q = p;
	bool bad = false;

	/* userinfo is present iff an '@' comes before anything that cannot be
	 * in userinfo (user chars, escapes and the ':' of a password) */
	while (q < end && (cc((unsigned char)*q, CC_USER) || *q == ':' || *q == '%'))
		q++;
	if (q < end && *q == '@') {
		const char *at = q, *colon = p, *ue;
		while (colon < at && *colon != ':')
			colon++;
		ue = scan_escaped(p, colon, CC_USER, &bad);
		if (bad || ue != colon || ue == p)
			return ESIP_EBAD_URI; /* user = 1*( ... ): "sip:@host" is bad */
		u->user = mkstr(p, colon);
		if (colon < at) {
			const char *pe = scan_escaped(colon + 1, at, CC_PASS, &bad);
			if (bad || pe != at)
				return ESIP_EBAD_URI;
			u->password = mkstr(colon + 1, at);
		}
		p = at + 1;
	}
	q = esip__host_scan(p, end, &u->host, &u->host_type);
	if (!q)
		return ESIP_EBAD_URI;
	p = q;
	if (p < end && *p == ':') {
		p = esip__port_scan(p + 1, end, &u->port);
		if (!p)
			return ESIP_EBAD_URI;
	}
	q = scan_uri_params(p, end);
	if (!q)
		return ESIP_EBAD_URI;
	if (q > p)
		u->params = mkstr(p + 1, q);
	p = q;
	if (p < end && *p == '?') {
		q = scan_uri_headers(p + 1, end);
		if (!q)
			return ESIP_EBAD_URI;
		u->headers = mkstr(p + 1, q);
		p = q;
	}
	return p == end ? 0 : ESIP_EBAD_URI;
}

/* RFC 3966 3: telephone-subscriber = global-number / local-number.
 * Basics: the number (digits, hex digits for local numbers, visual
 * separators "-.()", "*", "#", a leading "+"), then ;params. */
static int parse_tel(const char *p, const char *end, esip_uri *u)
{
	const char *q = p;

	if (q < end && *q == '+')
		q++;
	while (q < end && (cc((unsigned char)*q, CC_HEX) || *q == '-' || *q == '.' ||
			   *q == '(' || *q == ')' || *q == '*' || *q == '#'))
		q++;
	if (q == p || (q == p + 1 && *p == '+'))
		return ESIP_EBAD_URI;
	u->user = mkstr(p, q);
	p = q;
	q = scan_uri_params(p, end);
	if (!q || q != end)
		return ESIP_EBAD_URI;
	if (q > p)
		u->params = mkstr(p + 1, q);
	return 0;
}

/* absoluteURI = scheme ":" ( hier-part / opaque-part ): any visible
 * characters but the delimiters of header fields. */
static int parse_other(const char *p, const char *end, esip_uri *u)
{
	const char *q = p;

	while (q < end) {
		unsigned char c = (unsigned char)*q;
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"')
			return ESIP_EBAD_URI;
		q++;
	}
	if (q == p)
		return ESIP_EBAD_URI;
	u->opaque = mkstr(p, end);
	return 0;
}

int esip_uri_parse(esip_str s, esip_uri *u)
{
	const char *p = s.p, *end = str_end(s), *q;

	memset(u, 0, sizeof *u);
	if (!p)
		return ESIP_EBAD_URI;
	u->raw = s;
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (p == end || !cc((unsigned char)*p, CC_ALPHA))
		return ESIP_EBAD_URI;
	q = scan_class(p + 1, end, CC_SCHEME);
	if (q == end || *q != ':')
		return ESIP_EBAD_URI;
	u->scheme = mkstr(p, q);
	p = q + 1;
	if (STR_IEQ_ALPHA(u->scheme, "sip")) {
		u->scheme_id = ESIP_SCHEME_SIP;
		return parse_sip(p, end, u);
	}
	if (STR_IEQ_ALPHA(u->scheme, "sips")) {
		u->scheme_id = ESIP_SCHEME_SIPS;
		return parse_sip(p, end, u);
	}
	if (STR_IEQ_ALPHA(u->scheme, "tel")) {
		u->scheme_id = ESIP_SCHEME_TEL;
		return parse_tel(p, end, u);
	}
	u->scheme_id = ESIP_SCHEME_OTHER;
	return parse_other(p, end, u);
}

/* uri-parameters and URI headers have no LWS and no quoted values: split
 * on the separator and '='. */
bool esip__uri_pair_next(esip_str *rest, char sep, esip_str *name, esip_str *value)
{
	const char *p = rest->p, *end, *e, *eq;

	if (!p || !rest->len)
		return false;
	end = p + rest->len;
	e = memchr(p, sep, rest->len);
	if (!e)
		e = end;
	eq = memchr(p, '=', (size_t)(e - p));
	*name = mkstr(p, eq ? eq : e);
	*value = eq ? mkstr(eq + 1, e) : ESIP_STR_NULL;
	*rest = mkstr(e < end ? e + 1 : e, end);
	return true;
}

/* Names compare after unescaping: RFC 4475 3.1.1.3's Contact writes "lr"
 * as "%6C%72" and the application must treat it as "lr". */
bool esip_uri_param(const esip_uri *u, const char *name, esip_str *value)
{
	esip_str rest = u->params, n, v, want = esip_str_cstr(name);

	while (esip__uri_pair_next(&rest, ';', &n, &v)) {
		if (esip_pct_eq(n, want, true)) {
			if (value)
				*value = v;
			return true;
		}
	}
	return false;
}
