/*
 * via.c - one via-parm (RFC 3261 20.42, 25.1):
 *
 *   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by       = host [ COLON port ]
 *
 * SLASH, COLON and SEMI allow LWS around them (RFC 4475 3.1.1.1).
 */
#include "parse_int.h"
#include "scan.h"

static const char *slash(const char *p, const char *end)
{
	p = skip_lws(p, end);
	if (p == end || *p != '/')
		return NULL;
	return skip_lws(p + 1, end);
}

int esip_via_parse(esip_str s, esip_via *v)
{
	const char *p = s.p, *end = str_end(s), *q;
	esip_param_iter it;
	esip_str n, val;
	int rc;

	memset(v, 0, sizeof *v);
	if (!p)
		return ESIP_EBAD_VIA;
	p = skip_lws(p, end);
	end = rtrim_lws(p, end);
	v->raw = mkstr(p, end);

	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VIA;
	v->protocol = mkstr(p, q);
	if (!(p = slash(q, end)))
		return ESIP_EBAD_VIA;
	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VIA;
	v->version = mkstr(p, q);
	if (!(p = slash(q, end)))
		return ESIP_EBAD_VIA;
	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VIA;
	v->transport = mkstr(p, q);
	/* LWS is mandatory between sent-protocol and sent-by */
	p = skip_lws(q, end);
	if (p == q)
		return ESIP_EBAD_VIA;
	q = esip__host_scan(p, end, &v->host, &v->host_type);
	if (!q)
		return ESIP_EBAD_VIA;
	p = skip_lws(q, end);
	if (p < end && *p == ':') {
		p = esip__port_scan(skip_lws(p + 1, end), end, &v->port);
		if (!p)
			return ESIP_EBAD_VIA;
		p = skip_lws(p, end);
	}
	if (p == end)
		return 0;
	if (*p != ';')
		return ESIP_EBAD_VIA;
	v->params = mkstr(p + 1, end);
	esip_param_iter_init(&it, v->params);
	while ((rc = esip_param_next(&it, &n, &val)) == 1)
		esip__via_param(v, n, val);
	if (rc < 0)
		return ESIP_EBAD_VIA;
	if (v->branch.p && (!v->branch.len || v->branch.p[0] == '"'))
		return ESIP_EBAD_VIA; /* via-branch = "branch" EQUAL token */
	return 0;
}

bool esip_via_branch_is_rfc3261(const esip_via *v)
{
	return v->branch.len >= 7 && !memcmp(v->branch.p, "z9hG4bK", 7);
}
