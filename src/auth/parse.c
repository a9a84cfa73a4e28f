/*
 * parse.c - Digest challenges (WWW-Authenticate, Proxy-Authenticate;
 * RFC 7616 3.3) and credentials (Authorization, Proxy-Authorization;
 * RFC 7616 3.4) into structs of views, over the parser's auth-param
 * scanner (esip_auth_parse, esip_auth_param_next).
 *
 * Each Digest parameter may appear once: a repeat is malformed (which one
 * would count?).  Unknown parameters are skipped (RFC 7616 3.3 leaves
 * room for extensions).  Flags such as stale and userhash compare
 * case-insensitively and may be quoted by lenient senders.
 */
#include "auth_int.h"

#include <string.h>

/* The Digest parameters we read, as bits for the repeat check. */
enum {
	P_REALM, P_NONCE, P_OPAQUE, P_DOMAIN, P_ALGORITHM, P_QOP, P_STALE, P_USERHASH,
	P_USERNAME, P_USERNAME_STAR, P_URI, P_RESPONSE, P_CNONCE, P_NC, P_CHARSET, P__COUNT
};

static const char *const pnames[P__COUNT] = {
	[P_REALM] = "realm", [P_NONCE] = "nonce", [P_OPAQUE] = "opaque",
	[P_DOMAIN] = "domain", [P_ALGORITHM] = "algorithm", [P_QOP] = "qop",
	[P_STALE] = "stale", [P_USERHASH] = "userhash", [P_USERNAME] = "username",
	[P_USERNAME_STAR] = "username*", [P_URI] = "uri", [P_RESPONSE] = "response",
	[P_CNONCE] = "cnonce", [P_NC] = "nc", [P_CHARSET] = "charset",
};

/* Scans a Digest value: checks the scheme, records each known parameter
 * (values as written) and refuses repeats.  0, ESIP_ENOTSUP (another
 * scheme), ESIP_EBAD_VALUE. */
static int scan_digest(esip_str value, esip_str vals[P__COUNT])
{
	esip_auth a;
	esip_str rest, n, v;
	unsigned seen = 0;
	int rc, i;

	memset(vals, 0, sizeof(esip_str) * P__COUNT);
	rc = esip_auth_parse(value, &a);
	if (rc)
		return rc;
	/* RFC 7616 3.3: auth-scheme is case-insensitive (RFC 7235 2.1) */
	if (!esip_str_ieq_cstr(a.scheme, "Digest"))
		return ESIP_ENOTSUP;
	rest = a.params;
	while ((rc = esip_auth_param_next(&rest, &n, &v)) == 1) {
		for (i = 0; i < P__COUNT; i++)
			if (esip_str_ieq_cstr(n, pnames[i]))
				break;
		if (i == P__COUNT)
			continue;
		if (seen & (1u << i))
			return ESIP_EBAD_VALUE;
		seen |= 1u << i;
		vals[i] = v;
	}
	/* a token68 after "Digest" is not Digest's syntax */
	return rc < 0 ? ESIP_EBAD_VALUE : 0;
}

static bool flag_true(esip_str v)
{
	return esip_str_quoted_eq(v, ESIP_STR("true"), true);
}

/* An algorithm as written: absent means MD5 (RFC 7616 3.3); a lenient
 * sender may quote it. */
static esip_auth_alg alg_of(esip_str v)
{
	bool q;

	if (!v.p)
		return ESIP_AUTH_MD5;
	return esip_auth_alg_lookup(esip__auth_unquote(v, &q));
}

/* One qop token -> its bit, 0 if unknown (RFC 7616 3.3: ignored). */
static unsigned qop_bit(esip_str t)
{
	if (esip_str_ieq_cstr(t, "auth"))
		return ESIP_AUTH_QOP_AUTH;
	if (esip_str_ieq_cstr(t, "auth-int"))
		return ESIP_AUTH_QOP_AUTH_INT;
	return 0;
}

/* The options of a challenge's qop: a quoted, comma-separated list of
 * tokens ("auth, auth-int"); white space around the commas allowed. */
static unsigned qop_options(esip_str v)
{
	bool q;
	unsigned bits = 0;
	const char *p, *end, *s;

	v = esip__auth_unquote(v, &q);
	p = v.p;
	end = v.p + v.len;
	while (p < end) {
		while (p < end && (*p == ',' || *p == ' ' || *p == '\t'))
			p++;
		s = p;
		while (p < end && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (p > s)
			bits |= qop_bit(esip_str_make(s, (size_t)(p - s)));
	}
	return bits;
}

int esip_auth_challenge_parse(esip_str value, esip_auth_challenge *c)
{
	esip_str v[P__COUNT];
	int rc;

	memset(c, 0, sizeof *c);
	rc = scan_digest(value, v);
	if (rc)
		return rc;
	/* RFC 7616 3.3: realm and nonce are what a response is built on */
	if (!v[P_REALM].p || !v[P_NONCE].p)
		return ESIP_EBAD_VALUE;
	c->realm = v[P_REALM];
	c->nonce = v[P_NONCE];
	c->opaque = v[P_OPAQUE];
	c->domain = v[P_DOMAIN];
	c->algorithm = v[P_ALGORITHM];
	c->alg = (uint8_t)alg_of(v[P_ALGORITHM]);
	c->has_qop = v[P_QOP].p != NULL;
	c->qop = (uint8_t)(c->has_qop ? qop_options(v[P_QOP]) : 0);
	c->stale = v[P_STALE].p && flag_true(v[P_STALE]);
	c->userhash = v[P_USERHASH].p && flag_true(v[P_USERHASH]);
	return 0;
}

/* nc: exactly 8 hex digits (RFC 7616 3.4 nc-value = 8LHEX; upper case
 * accepted). */
static int parse_nc(esip_str v, uint32_t *nc)
{
	uint32_t x = 0;
	size_t i;

	if (v.len != 8)
		return ESIP_EBAD_VALUE;
	for (i = 0; i < 8; i++) {
		int d = esip__auth_hexval(v.p[i]);
		if (d < 0)
			return ESIP_EBAD_VALUE;
		x = x << 4 | (uint32_t)d;
	}
	*nc = x;
	return 0;
}

int esip_auth_credentials_parse(esip_str value, esip_auth_credentials *cr)
{
	esip_str v[P__COUNT];
	bool q;
	int rc;

	memset(cr, 0, sizeof *cr);
	rc = scan_digest(value, v);
	if (rc)
		return rc;
	if (v[P_USERNAME_STAR].p)
		return ESIP_ENOTSUP; /* RFC 7616 3.4 username* (RFC 5987) */
	if (!v[P_USERNAME].p || !v[P_REALM].p || !v[P_NONCE].p || !v[P_URI].p ||
	    !v[P_RESPONSE].p)
		return ESIP_EBAD_VALUE;
	cr->username = v[P_USERNAME];
	cr->realm = v[P_REALM];
	cr->nonce = v[P_NONCE];
	cr->uri = v[P_URI];
	cr->response = v[P_RESPONSE];
	cr->cnonce = v[P_CNONCE];
	cr->opaque = v[P_OPAQUE];
	cr->algorithm = v[P_ALGORITHM];
	cr->alg = (uint8_t)alg_of(v[P_ALGORITHM]);
	cr->userhash = v[P_USERHASH].p && flag_true(v[P_USERHASH]);
	if (v[P_QOP].p) {
		/* a single token, not a list (RFC 7616 3.4 qop) */
		cr->qop = (uint8_t)qop_bit(esip__auth_unquote(v[P_QOP], &q));
		if (!cr->qop || !v[P_CNONCE].p || !v[P_NC].p)
			return ESIP_EBAD_VALUE;
		if (parse_nc(v[P_NC], &cr->nc))
			return ESIP_EBAD_VALUE;
	} else if (v[P_CNONCE].p || v[P_NC].p || esip_auth_alg_sess((esip_auth_alg)cr->alg)) {
		/* RFC 2617 3.2.2 / RFC 3261 22.4 item 8: cnonce and nc only
		 * with qop, and the -sess algorithms need the cnonce */
		return ESIP_EBAD_VALUE;
	}
	return 0;
}

const esip_hdr *esip__auth_find(const esip_msg *m, esip_hdr_id id, esip_str realm, bool as_written,
				esip_auth *a)
{
	const esip_hdr *h;

	for (h = esip_msg_hdr(m, id); h; h = esip_msg_hdr_next(m, h)) {
		esip_str r;
		if (esip_auth_parse(h->value, a) || !esip_str_ieq_cstr(a->scheme, "Digest") ||
		    !esip_auth_param(a, "realm", &r))
			continue;
		if (as_written ? esip_str_quoted_eq(r, realm, false) : esip__auth_unq_eq(r, realm))
			return h;
	}
	return NULL;
}
