/*
 * compute.c - the Digest response (RFC 7616 3.4.1-3.4.4, RFC 2617 3.2.2):
 *
 *   HA1 = H(unq(username) ":" unq(realm) ":" passwd)
 *         -sess: H(HA1 ":" unq(nonce) ":" unq(cnonce))
 *   HA2 = H(Method ":" digest-uri)            qop=auth or none
 *         H(Method ":" digest-uri ":" H(body)) qop=auth-int
 *   response = KD(HA1, unq(nonce) ":" nc ":" unq(cnonce) ":" qop ":" HA2)
 *              KD(HA1, unq(nonce) ":" HA2)    without qop (RFC 2069)
 *   KD(secret, data) = H(secret ":" data)
 *
 * Hashes are lowercase hex where they feed another hash.  The same code
 * serves the client (plain values) and the server (values as written).
 */
#include "auth_int.h"

#include <string.h>

static void feed_lit(esip_digest *d, const char *s)
{
	esip_digest_update(d, s, strlen(s));
}

static bool is_hex(esip_str s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (esip__auth_hexval(s.p[i]) < 0)
			return false;
	return true;
}

/* HA1 as lowercase hex into out; returns its length or ESIP_EINVAL. */
static int ha1_hex(const esip_auth_digest_input *in, esip_digest_alg h, char *out)
{
	esip_digest d;
	size_t hexlen = 2 * esip_digest_len(h), i;

	if (in->ha1.len) {
		if (in->ha1.len != hexlen || !is_hex(in->ha1))
			return ESIP_EINVAL;
		/* stored HA1 values may be upper case; the hash input is lower */
		for (i = 0; i < hexlen; i++) {
			char c = in->ha1.p[i];
			out[i] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
		}
		out[hexlen] = '\0';
	} else {
		esip_digest_init(&d, h);
		esip__auth_feed(&d, in->username, in->as_written);
		feed_lit(&d, ":");
		esip__auth_feed(&d, in->realm, in->as_written);
		feed_lit(&d, ":");
		esip_digest_update(&d, in->password.p, in->password.len);
		esip_digest_final_hex(&d, out);
	}
	if (esip_auth_alg_sess(in->alg)) {
		/* RFC 7616 3.4.2: the session key */
		esip_digest_init(&d, h);
		esip_digest_update(&d, out, hexlen);
		feed_lit(&d, ":");
		esip__auth_feed(&d, in->nonce, in->as_written);
		feed_lit(&d, ":");
		esip__auth_feed(&d, in->cnonce, in->as_written);
		esip_digest_final_hex(&d, out);
	}
	return (int)hexlen;
}

int esip_auth_digest_response(const esip_auth_digest_input *in, char *out)
{
	char ha1[ESIP_AUTH_HEX_MAX + 1], ha2[ESIP_AUTH_HEX_MAX + 1], nc[9];
	esip_digest_alg h = esip_auth_alg_digest(in->alg);
	esip_digest d;
	int rc;

	if (in->alg == ESIP_AUTH_ALG_UNKNOWN || (unsigned)in->alg >= ESIP_AUTH_ALG__COUNT)
		return ESIP_EINVAL;
	if (in->qop != 0 && in->qop != ESIP_AUTH_QOP_AUTH && in->qop != ESIP_AUTH_QOP_AUTH_INT)
		return ESIP_EINVAL;
	if (!in->qop && esip_auth_alg_sess(in->alg))
		return ESIP_EINVAL; /* RFC 3261 22.4 item 8 */
	rc = ha1_hex(in, h, ha1);
	if (rc < 0)
		return rc;

	/* RFC 7616 3.4.3 */
	esip_digest_init(&d, h);
	esip_digest_update(&d, in->method.p, in->method.len);
	feed_lit(&d, ":");
	esip__auth_feed(&d, in->uri, in->as_written);
	if (in->qop == ESIP_AUTH_QOP_AUTH_INT) {
		char hbody[ESIP_AUTH_HEX_MAX + 1];
		esip_digest b;
		esip_digest_init(&b, h);
		esip_digest_update(&b, in->body.p, in->body.len);
		esip_digest_final_hex(&b, hbody);
		feed_lit(&d, ":");
		feed_lit(&d, hbody);
	}
	esip_digest_final_hex(&d, ha2);

	/* RFC 7616 3.4.1 */
	esip_digest_init(&d, h);
	esip_digest_update(&d, ha1, (size_t)rc);
	feed_lit(&d, ":");
	esip__auth_feed(&d, in->nonce, in->as_written);
	feed_lit(&d, ":");
	if (in->qop) {
		esip__auth_nc_hex(in->nc, nc);
		feed_lit(&d, nc);
		feed_lit(&d, ":");
		esip__auth_feed(&d, in->cnonce, in->as_written);
		feed_lit(&d, in->qop == ESIP_AUTH_QOP_AUTH ? ":auth:" : ":auth-int:");
	}
	feed_lit(&d, ha2);
	memset(ha1, 0, sizeof ha1);
	return (int)esip_digest_final_hex(&d, out);
}

int esip_auth_digest_ha1(esip_auth_alg alg, esip_str username, esip_str realm,
			 esip_str password, char *out)
{
	esip_auth_digest_input in;

	if (alg == ESIP_AUTH_ALG_UNKNOWN || (unsigned)alg >= ESIP_AUTH_ALG__COUNT)
		return ESIP_EINVAL;
	memset(&in, 0, sizeof in);
	/* the stored HA1 has no session part; ESIP_AUTH_ALGS lists each
	 * -sess variant right after its base algorithm */
	in.alg = esip_auth_alg_sess(alg) ? (esip_auth_alg)(alg - 1) : alg;
	in.username = username;
	in.realm = realm;
	in.password = password;
	return ha1_hex(&in, esip_auth_alg_digest(alg), out);
}

int esip_auth_digest_userhash(esip_auth_alg alg, esip_str username, esip_str realm, char *out)
{
	esip_digest d;

	if (alg == ESIP_AUTH_ALG_UNKNOWN || (unsigned)alg >= ESIP_AUTH_ALG__COUNT)
		return ESIP_EINVAL;
	/* RFC 7616 3.4.4: H(unq(username) ":" unq(realm)) */
	esip_digest_init(&d, esip_auth_alg_digest(alg));
	esip_digest_update(&d, username.p, username.len);
	feed_lit(&d, ":");
	esip_digest_update(&d, realm.p, realm.len);
	return (int)esip_digest_final_hex(&d, out);
}
