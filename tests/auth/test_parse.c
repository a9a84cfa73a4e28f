/*
 * test_parse.c - algorithm names; challenges (RFC 2617 3.5, RFC 7616
 * 3.9.1 and 3.9.2 as printed) and credentials into structs; what is
 * malformed (repeats, missing realm or nonce, qop without nc ...), what is
 * not Digest, and what is merely not understood (an unknown algorithm).
 */
#include "atest.h"

#include <string.h>

#define S(lit) ESIP_STR(lit)

START_TEST(alg_names)
{
	ck_assert_int_eq(esip_auth_alg_lookup(S("MD5")), ESIP_AUTH_MD5);
	ck_assert_int_eq(esip_auth_alg_lookup(S("md5-SESS")), ESIP_AUTH_MD5_SESS);
	ck_assert_int_eq(esip_auth_alg_lookup(S("SHA-256")), ESIP_AUTH_SHA256);
	ck_assert_int_eq(esip_auth_alg_lookup(S("SHA-256-sess")), ESIP_AUTH_SHA256_SESS);
	ck_assert_int_eq(esip_auth_alg_lookup(S("SHA-512-256")), ESIP_AUTH_SHA512_256);
	ck_assert_int_eq(esip_auth_alg_lookup(S("SHA-512-256-sess")), ESIP_AUTH_SHA512_256_SESS);
	ck_assert_int_eq(esip_auth_alg_lookup(S("SHA-512")), ESIP_AUTH_ALG_UNKNOWN);
	ck_assert_int_eq(esip_auth_alg_lookup(S("AKAv1-MD5")), ESIP_AUTH_ALG_UNKNOWN);
	ck_assert_str_eq(esip_auth_alg_name(ESIP_AUTH_SHA512_256_SESS), "SHA-512-256-sess");
	ck_assert_ptr_null(esip_auth_alg_name(ESIP_AUTH_ALG_UNKNOWN));
	ck_assert_ptr_null(esip_auth_alg_name(ESIP_AUTH_ALG__COUNT));
	ck_assert(esip_auth_alg_sess(ESIP_AUTH_SHA256_SESS));
	ck_assert(!esip_auth_alg_sess(ESIP_AUTH_SHA256));
	ck_assert_int_eq(esip_auth_alg_digest(ESIP_AUTH_SHA512_256_SESS), ESIP_DIGEST_SHA512_256);
	ck_assert_int_lt(esip_auth_alg_strength(ESIP_AUTH_MD5), esip_auth_alg_strength(ESIP_AUTH_SHA256));
	ck_assert_int_lt(esip_auth_alg_strength(ESIP_AUTH_SHA256_SESS),
			 esip_auth_alg_strength(ESIP_AUTH_SHA512_256));
	ck_assert_int_eq(esip_auth_alg_strength(ESIP_AUTH_MD5_SESS), esip_auth_alg_strength(ESIP_AUTH_MD5));
	ck_assert_int_eq(esip_auth_alg_strength(ESIP_AUTH_ALG_UNKNOWN), 0);
}
END_TEST

/* RFC 2617 3.5 */
START_TEST(challenge_rfc2617)
{
	esip_auth_challenge c;

	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest\r\n realm=\"testrealm@host.com\",\r\n"
						     " qop=\"auth,auth-int\",\r\n"
						     " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
						     " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""),
						   &c),
			 0);
	ck_assert(esip_str_eq(c.realm, S("\"testrealm@host.com\"")));
	ck_assert(esip_str_eq(c.nonce, S("\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"")));
	ck_assert(esip_str_eq(c.opaque, S("\"5ccc069c403ebaf9f0171e9517f40e41\"")));
	ck_assert_int_eq(c.alg, ESIP_AUTH_MD5); /* absent: MD5 (RFC 7616 3.3) */
	ck_assert_ptr_null(c.algorithm.p);
	ck_assert(c.has_qop);
	ck_assert_uint_eq(c.qop, ESIP_AUTH_QOP_AUTH | ESIP_AUTH_QOP_AUTH_INT);
	ck_assert(!c.stale);
	ck_assert(!c.userhash);
	ck_assert_ptr_null(c.domain.p);
}
END_TEST

/* RFC 7616 3.9.1 and 3.9.2 */
START_TEST(challenge_rfc7616)
{
	esip_auth_challenge c;

	ck_assert_int_eq(esip_auth_challenge_parse(
				 S("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
				   "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
				   "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""),
				 &c),
			 0);
	ck_assert_int_eq(c.alg, ESIP_AUTH_SHA256);
	ck_assert_uint_eq(c.qop, ESIP_AUTH_QOP_AUTH | ESIP_AUTH_QOP_AUTH_INT);
	ck_assert_int_eq(esip_auth_challenge_parse(
				 S("Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, "
				   "nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", "
				   "opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, "
				   "userhash=true"),
				 &c),
			 0);
	ck_assert_int_eq(c.alg, ESIP_AUTH_SHA512_256);
	ck_assert_uint_eq(c.qop, ESIP_AUTH_QOP_AUTH);
	ck_assert(c.userhash);
}
END_TEST

START_TEST(challenge_flags_and_options)
{
	esip_auth_challenge c;

	/* stale is case-insensitive; a lenient sender may quote flags */
	ck_assert_int_eq(esip_auth_challenge_parse(S("digest realm=r, nonce=n, stale=TRUE, userhash=\"true\""), &c), 0);
	ck_assert(c.stale);
	ck_assert(c.userhash);
	ck_assert(!c.has_qop);
	ck_assert_uint_eq(c.qop, 0);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=r, nonce=n, stale=false"), &c), 0);
	ck_assert(!c.stale);
	/* unknown qop options are ignored (RFC 7616 3.3) */
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=r, nonce=n, qop=\"auth-conf,auth-int\""), &c), 0);
	ck_assert(c.has_qop);
	ck_assert_uint_eq(c.qop, ESIP_AUTH_QOP_AUTH_INT);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=r, nonce=n, qop=\"foo\""), &c), 0);
	ck_assert(c.has_qop);
	ck_assert_uint_eq(c.qop, 0);
	/* an algorithm we do not know is not an error */
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=r, nonce=n, algorithm=AKAv1-MD5"), &c), 0);
	ck_assert_int_eq(c.alg, ESIP_AUTH_ALG_UNKNOWN);
	ck_assert(esip_str_eq(c.algorithm, S("AKAv1-MD5")));
	/* unknown parameters are skipped */
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest foo=bar, realm=r, nonce=n, domain=\"sip:a sip:b\""), &c), 0);
	ck_assert(esip_str_eq(c.domain, S("\"sip:a sip:b\"")));
}
END_TEST

START_TEST(challenge_errors)
{
	esip_auth_challenge c;

	ck_assert_int_eq(esip_auth_challenge_parse(S("Basic realm=\"x\""), &c), ESIP_ENOTSUP);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Bearer eyJhbGciOi.eyJzdWIi"), &c), ESIP_ENOTSUP);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest nonce=\"n\""), &c), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=\"r\""), &c), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=\"r\", nonce=a, NONCE=b"), &c), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=\"r\" nonce=a"), &c), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest realm=\"unterminated, nonce=a"), &c), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_auth_challenge_parse(S("Digest abc=="), &c), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_auth_challenge_parse(S(""), &c), ESIP_EBAD_VALUE);
}
END_TEST

/* RFC 2617 3.5 */
START_TEST(credentials_rfc2617)
{
	esip_auth_credentials cr;

	ck_assert_int_eq(esip_auth_credentials_parse(
				 S("Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\",\r\n"
				   " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n uri=\"/dir/index.html\",\r\n"
				   " qop=auth,\r\n nc=00000001,\r\n cnonce=\"0a4f113b\",\r\n"
				   " response=\"6629fae49393a05397450978507c4ef1\",\r\n"
				   " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""),
				 &cr),
			 0);
	ck_assert(esip_str_eq(cr.username, S("\"Mufasa\"")));
	ck_assert(esip_str_eq(cr.uri, S("\"/dir/index.html\"")));
	ck_assert(esip_str_eq(cr.cnonce, S("\"0a4f113b\"")));
	ck_assert(esip_str_eq(cr.response, S("\"6629fae49393a05397450978507c4ef1\"")));
	ck_assert_uint_eq(cr.qop, ESIP_AUTH_QOP_AUTH);
	ck_assert_uint_eq(cr.nc, 1);
	ck_assert_int_eq(cr.alg, ESIP_AUTH_MD5);
	ck_assert(!cr.userhash);
}
END_TEST

START_TEST(credentials_forms)
{
	esip_auth_credentials cr;

	/* the RFC 2069 form: no qop, cnonce or nc */
	ck_assert_int_eq(esip_auth_credentials_parse(S("Digest username=u, realm=r, nonce=n, uri=\"sip:a\", response=\"00\""), &cr), 0);
	ck_assert_uint_eq(cr.qop, 0);
	ck_assert_ptr_null(cr.cnonce.p);
	ck_assert_int_eq(esip_auth_credentials_parse(
				 S("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a\", response=\"0\", "
				   "algorithm=SHA-256-sess, qop=auth-int, nc=0000ABcd, cnonce=\"c\", userhash=true"),
				 &cr),
			 0);
	ck_assert_int_eq(cr.alg, ESIP_AUTH_SHA256_SESS);
	ck_assert_uint_eq(cr.qop, ESIP_AUTH_QOP_AUTH_INT);
	ck_assert_uint_eq(cr.nc, 0xabcd);
	ck_assert(cr.userhash);
}
END_TEST

START_TEST(credentials_errors)
{
	static const char *const bad[] = {
		/* a required parameter missing */
		"Digest realm=r, nonce=n, uri=\"u\", response=\"0\"",
		"Digest username=u, nonce=n, uri=\"u\", response=\"0\"",
		"Digest username=u, realm=r, uri=\"u\", response=\"0\"",
		"Digest username=u, realm=r, nonce=n, response=\"0\"",
		"Digest username=u, realm=r, nonce=n, uri=\"u\"",
		/* repeated */
		"Digest username=u, username=v, realm=r, nonce=n, uri=\"u\", response=\"0\"",
		/* qop without cnonce or nc, or an unknown qop */
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", qop=auth, nc=00000001",
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", qop=auth, cnonce=c",
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", qop=auth-conf, cnonce=c, nc=00000001",
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", qop=\"auth,auth-int\", cnonce=c, nc=00000001",
		/* nc not 8 hex digits */
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", qop=auth, cnonce=c, nc=1",
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", qop=auth, cnonce=c, nc=0000000g",
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", qop=auth, cnonce=c, nc=000000001",
		/* cnonce or nc without qop; -sess without qop */
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", cnonce=c",
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", nc=00000001",
		"Digest username=u, realm=r, nonce=n, uri=\"u\", response=\"0\", algorithm=MD5-sess",
	};
	esip_auth_credentials cr;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(esip_auth_credentials_parse(esip_str_cstr(bad[i]), &cr) == ESIP_EBAD_VALUE, "%s", bad[i]);
	ck_assert_int_eq(esip_auth_credentials_parse(S("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), &cr), ESIP_ENOTSUP);
	/* RFC 7616 3.9.2's second form: username* is not supported */
	ck_assert_int_eq(esip_auth_credentials_parse(
				 S("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"api@example.org\", "
				   "uri=\"/doe.json\", nonce=\"n\", response=\"0\""),
				 &cr),
			 ESIP_ENOTSUP);
}
END_TEST

Suite *suite_auth_parse(void)
{
	Suite *s = suite_create("auth-parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, alg_names);
	tcase_add_test(tc, challenge_rfc2617);
	tcase_add_test(tc, challenge_rfc7616);
	tcase_add_test(tc, challenge_flags_and_options);
	tcase_add_test(tc, challenge_errors);
	tcase_add_test(tc, credentials_rfc2617);
	tcase_add_test(tc, credentials_forms);
	tcase_add_test(tc, credentials_errors);
	suite_add_tcase(s, tc);
	return s;
}
