/*
 * auth.c - challenges and credentials: WWW-Authenticate,
 * Proxy-Authenticate, Authorization, Proxy-Authorization (RFC 3261 25.1,
 * RFC 7616 3.3-3.4, RFC 8760):
 *
 *   challenge   = auth-scheme LWS auth-param *( COMMA auth-param )
 *   auth-param  = auth-param-name EQUAL ( token / quoted-string )
 *
 * (Digest's realm, nonce, qop... are all auth-params of that shape.)
 * COMMA and EQUAL allow LWS on both sides, including folding; values may
 * be quoted-strings with escaped quotes and commas inside.  Empty list
 * elements (",,") are skipped as HTTP lists allow (RFC 7230 7), since
 * the Digest syntax is shared with HTTP.
 *
 * A scheme followed by a token68 instead of parameters (RFC 7235 2.1,
 * e.g. "Bearer <token>" of RFC 8898) is accepted: params is then that
 * token, and esip_auth_param_next reports it as ESIP_EBAD_VALUE.
 */
#include "parse_int.h"
#include "scan.h"

/* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool token68_ok(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && (cc((unsigned char)*p, CC_ALPHA | CC_DIGIT) || *p == '-' ||
			   *p == '.' || *p == '_' || *p == '~' || *p == '+' || *p == '/'))
		p++;
	if (p == s)
		return false;
	while (p < end && *p == '=')
		p++;
	return p == end;
}

int esip_auth_param_next(esip_str *rest, esip_str *name, esip_str *value)
{
	const char *p = rest->p, *end, *q;

	if (!p)
		return 0;
	end = p + rest->len;
	while (p < end && (*p == ',' || cc((unsigned char)*p, CC_LWS)))
		p++;
	if (p == end) {
		*rest = mkstr(end, end);
		return 0;
	}
	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VALUE;
	*name = mkstr(p, q);
	p = skip_lws(q, end);
	if (p == end || *p != '=')
		return ESIP_EBAD_VALUE;
	p = skip_lws(p + 1, end);
	if (p < end && *p == '"')
		q = scan_quoted(p, end); /* NULL if unterminated */
	else
		q = scan_token(p, end);
	if (!q || q == p)
		return ESIP_EBAD_VALUE;
	*value = mkstr(p, q);
	p = skip_lws(q, end);
	if (p < end && *p != ',')
		return ESIP_EBAD_VALUE; /* "realm=a b" or junk after a value */
	*rest = mkstr(p, end);
	return 1;
}

int esip_auth_parse(esip_str s, esip_auth *a)
{
	const char *p, *end, *q;
	esip_str rest, n, v;
	int rc;

	memset(a, 0, sizeof *a);
	if (!value_bounds(s, &p, &end))
		return ESIP_EBAD_VALUE;
	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VALUE;
	a->scheme = mkstr(p, q);
	p = skip_lws(q, end);
	if (p == q && p < end)
		return ESIP_EBAD_VALUE; /* auth-scheme LWS: "Digest,realm=..." */
	a->params = mkstr(p, end);
	rest = a->params;
	while ((rc = esip_auth_param_next(&rest, &n, &v)) == 1)
		;
	if (rc < 0 && token68_ok(p, end))
		return 0;
	return rc;
}

bool esip_auth_param(const esip_auth *a, const char *name, esip_str *value)
{
	esip_str rest = a->params, n, v, want = esip_str_cstr(name);

	while (esip_auth_param_next(&rest, &n, &v) == 1) {
		if (esip_str_ieq(n, want)) {
			if (value)
				*value = v;
			return true;
		}
	}
	return false;
}
