/*
 * nameaddr.c - ( name-addr / addr-spec ) *( SEMI param )  (RFC 3261 20).
 *
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *( token LWS ) / quoted-string
 *
 * In the addr-spec form the URI cannot contain ',', ';' or '?' (RFC 3261
 * 20.10), so it ends at the first ';' or LWS and the parameters after it
 * are header parameters (RFC 4475 3.3.12).  No LWS is required between a
 * display name and '<' (RFC 4475 3.1.1.6).
 */
#include "parse_int.h"
#include "scan.h"

/* *( token LWS ) up to '<': returns true if [p, lt) is a valid unquoted
 * display name (possibly empty). */
static bool display_tokens_ok(const char *p, const char *lt)
{
	while (p < lt) {
		const char *q = scan_token(p, lt);
		if (q == p)
			return false;
		p = skip_lws(q, lt);
	}
	return true;
}

static int parse_params(const char *p, const char *end, esip_nameaddr *na)
{
	esip_param_iter it;
	esip_str n, v;
	int rc;

	p = skip_lws(p, end);
	if (p == end)
		return 0;
	if (*p != ';' || skip_lws(p + 1, end) == end)
		return ESIP_EBAD_NAMEADDR; /* junk, or an empty trailing ";" */
	na->params = mkstr(p + 1, end);
	esip_param_iter_init(&it, na->params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1) {
		/* tag-param = "tag" EQUAL token (RFC 3261 25.1) */
		if (STR_IEQ_ALPHA(n, "tag") && !na->tag.p) {
			if (!v.p || v.p[0] == '"')
				return ESIP_EBAD_NAMEADDR;
			na->tag = v;
		}
	}
	return rc == 0 ? 0 : ESIP_EBAD_NAMEADDR;
}

int esip_nameaddr_parse(esip_str s, esip_nameaddr *na)
{
	const char *p = s.p, *end = str_end(s), *q, *lt;

	memset(na, 0, sizeof *na);
	if (!p)
		return ESIP_EBAD_NAMEADDR;
	p = skip_lws(p, end);
	end = rtrim_lws(p, end);
	if (p == end)
		return ESIP_EBAD_NAMEADDR;

	if (*p == '"') {
		q = scan_quoted(p, end);
		if (!q)
			return ESIP_EBAD_NAMEADDR; /* RFC 4475 3.1.2.6 */
		na->display = mkstr(p, q);
		lt = skip_lws(q, end);
		if (lt == end || *lt != '<')
			return ESIP_EBAD_NAMEADDR;
	} else {
		/* a '<' before any ';' means name-addr form */
		lt = p;
		while (lt < end && *lt != '<' && *lt != ';' && *lt != '"')
			lt++;
		if (lt < end && *lt == '<') {
			const char *de = rtrim_lws(p, lt);
			if (!display_tokens_ok(p, de))
				return ESIP_EBAD_NAMEADDR; /* RFC 4475 3.1.2.15 */
			if (de > p)
				na->display = mkstr(p, de);
		} else {
			/* addr-spec: the URI ends at ';' or LWS */
			const char *r;
			q = p;
			while (q < end && *q != ';' && !cc((unsigned char)*q, CC_LWS))
				q++;
			r = skip_lws(q, end);
			if (r < end && *r != ';')
				return ESIP_EBAD_NAMEADDR;
			na->uri = mkstr(p, q);
			return parse_params(r, end, na);
		}
	}
	/* lt at '<'; a URI cannot contain '>' (RFC 3261 25.1) */
	q = memchr(lt + 1, '>', (size_t)(end - lt - 1));
	if (!q)
		return ESIP_EBAD_NAMEADDR;
	/* trim from the left first: "< >" must give an empty view, not one
	 * that ends before it starts */
	p = skip_lws(lt + 1, q);
	na->uri = mkstr(p, rtrim_lws(p, q));
	if (!na->uri.len)
		return ESIP_EBAD_NAMEADDR;
	na->angle = true;
	return parse_params(q + 1, end, na);
}
