/*
 * test_vectors.c - the response computation against the RFC examples:
 * RFC 2617 3.5 (MD5, qop=auth), RFC 7616 3.9.1 (MD5 and SHA-256) and
 * 3.9.2 (SHA-512-256 with userhash; the username hash and response
 * printed in RFC 7616 are wrong and were corrected by an erratum: the
 * corrected values are used, and Python's hashlib.sha512_256 gives the
 * same).  Also auth-int with a body and with none (RFC 8760 2.6 item 7),
 * the RFC 2069 form without qop, MD5-sess, a stored HA1 instead of the
 * password, and values as written in a header (quoted, with escapes).
 * The extra vectors were computed with Python's hashlib.
 */
#include "atest.h"

#include <string.h>

#define S(lit) ESIP_STR(lit)

static const char *resp(const esip_auth_digest_input *in)
{
	static char out[ESIP_AUTH_HEX_MAX + 1];
	int n = esip_auth_digest_response(in, out);

	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(strlen(out), (size_t)n);
	return out;
}

static esip_auth_digest_input rfc2617(void)
{
	esip_auth_digest_input in;

	memset(&in, 0, sizeof in);
	in.alg = ESIP_AUTH_MD5;
	in.username = S("Mufasa");
	in.realm = S("testrealm@host.com");
	in.password = S("Circle Of Life");
	in.nonce = S("dcd98b7102dd2f0e8b11d0f600bfb0c093");
	in.cnonce = S("0a4f113b");
	in.nc = 1;
	in.qop = ESIP_AUTH_QOP_AUTH;
	in.method = S("GET");
	in.uri = S("/dir/index.html");
	return in;
}

/* RFC 2617 3.5 */
START_TEST(rfc2617_md5_auth)
{
	esip_auth_digest_input in = rfc2617();

	ck_assert_str_eq(resp(&in), "6629fae49393a05397450978507c4ef1");
}
END_TEST

static esip_auth_digest_input rfc7616_391(esip_auth_alg alg)
{
	esip_auth_digest_input in;

	memset(&in, 0, sizeof in);
	in.alg = alg;
	in.username = S("Mufasa");
	in.realm = S("http-auth@example.org");
	in.password = S("Circle of Life");
	in.nonce = S("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
	in.cnonce = S("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
	in.nc = 1;
	in.qop = ESIP_AUTH_QOP_AUTH;
	in.method = S("GET");
	in.uri = S("/dir/index.html");
	return in;
}

/* RFC 7616 3.9.1 */
START_TEST(rfc7616_md5_and_sha256)
{
	esip_auth_digest_input in = rfc7616_391(ESIP_AUTH_MD5);

	ck_assert_str_eq(resp(&in), "8ca523f5e9506fed4657c9700eebdbec");
	in = rfc7616_391(ESIP_AUTH_SHA256);
	ck_assert_str_eq(resp(&in), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}
END_TEST

/* RFC 7616 3.9.2 (corrected by the erratum) */
START_TEST(rfc7616_sha512_256_userhash)
{
	/* "Jäsøn Doe" in UTF-8 */
	static const char user[] = "J\xc3\xa4s\xc3\xb8n Doe";
	esip_auth_digest_input in;
	char uh[ESIP_AUTH_HEX_MAX + 1];

	memset(&in, 0, sizeof in);
	in.alg = ESIP_AUTH_SHA512_256;
	in.username = esip_str_make(user, sizeof user - 1);
	in.realm = S("api@example.org");
	in.password = S("Secret, or not?");
	in.nonce = S("5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK");
	in.cnonce = S("NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v");
	in.nc = 1;
	in.qop = ESIP_AUTH_QOP_AUTH;
	in.method = S("GET");
	in.uri = S("/doe.json");
	ck_assert_str_eq(resp(&in), "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5");
	ck_assert_int_eq(esip_auth_digest_userhash(ESIP_AUTH_SHA512_256, in.username, in.realm, uh), 64);
	ck_assert_str_eq(uh, "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b");
}
END_TEST

START_TEST(auth_int_and_rfc2069)
{
	esip_auth_digest_input in = rfc2617();

	/* auth-int: HA2 = H(method ":" uri ":" H(body)) */
	in.qop = ESIP_AUTH_QOP_AUTH_INT;
	in.method = S("INVITE");
	in.uri = S("sip:bob@biloxi.com");
	in.body = S("v=0\r\n");
	ck_assert_str_eq(resp(&in), "45db95e93ecd6b465210c289844d11df");
	/* no body: H("") (RFC 8760 2.6 item 7), here with SHA-256 and nc 10 */
	in.alg = ESIP_AUTH_SHA256;
	in.method = S("BYE");
	in.body = ESIP_STR_NULL;
	in.nc = 10;
	ck_assert_str_eq(resp(&in), "bc0588f551ab1426dfe4757383581e16bb6e7ab575192db170533e9f2d387db6");
	/* without qop: KD(HA1, nonce ":" HA2), no cnonce or nc */
	in = rfc2617();
	in.qop = 0;
	in.cnonce = ESIP_STR_NULL;
	ck_assert_str_eq(resp(&in), "670fd8c2df070c60b045671b8b24ff02");
}
END_TEST

START_TEST(md5_sess)
{
	esip_auth_digest_input in = rfc2617();

	in.alg = ESIP_AUTH_MD5_SESS;
	in.nc = 2;
	in.method = S("REGISTER");
	in.uri = S("sip:biloxi.com");
	ck_assert_str_eq(resp(&in), "4b5113fb46a7bb026147ab9e99334ea6");
	/* -sess needs the cnonce of a qop (RFC 3261 22.4 item 8) */
	in.qop = 0;
	ck_assert_int_eq(esip_auth_digest_response(&in, (char[ESIP_AUTH_HEX_MAX + 1]){0}), ESIP_EINVAL);
}
END_TEST

/* A stored HA1 gives the same response as the password, for every
 * algorithm (the -sess key is derived from it). */
START_TEST(stored_ha1)
{
	esip_auth_alg a;

	for (a = ESIP_AUTH_MD5; a < ESIP_AUTH_ALG__COUNT; a++) {
		esip_auth_digest_input in = rfc2617();
		char h1[ESIP_AUTH_HEX_MAX + 1], want[ESIP_AUTH_HEX_MAX + 1];
		size_t i;
		in.alg = a;
		strcpy(want, resp(&in));
		ck_assert_int_eq(esip_auth_digest_ha1(a, in.username, in.realm, in.password, h1),
				 (int)(2 * esip_digest_len(esip_auth_alg_digest(a))));
		in.password = S("wrong: ha1 wins");
		in.ha1 = esip_str_cstr(h1);
		ck_assert_str_eq(resp(&in), want);
		for (i = 0; h1[i]; i++) /* upper-case storage is fine */
			if (h1[i] >= 'a' && h1[i] <= 'f')
				h1[i] = (char)(h1[i] - 'a' + 'A');
		ck_assert_str_eq(resp(&in), want);
		in.ha1.len--;
		ck_assert_int_eq(esip_auth_digest_response(&in, want), ESIP_EINVAL);
	}
	ck_assert_str_eq(resp(&(esip_auth_digest_input){.alg = ESIP_AUTH_MD5, .ha1 = S("939e7578ed9e3c518a452acee763bce9"),
							 .nonce = S("dcd98b7102dd2f0e8b11d0f600bfb0c093"),
							 .cnonce = S("0a4f113b"), .nc = 1, .qop = ESIP_AUTH_QOP_AUTH,
							 .method = S("GET"), .uri = S("/dir/index.html")}),
			 "6629fae49393a05397450978507c4ef1");
}
END_TEST

/* Values as written in a header: quotes removed, quoted-pairs undone. */
START_TEST(as_written)
{
	esip_auth_digest_input in = rfc2617(), w;
	char want[ESIP_AUTH_HEX_MAX + 1];

	in.realm = S("a \"quoted\" \\realm");
	strcpy(want, resp(&in));
	w = in;
	w.as_written = true;
	w.username = S("\"Mufasa\"");
	w.realm = S("\"a \\\"quoted\\\" \\\\realm\"");
	w.nonce = S("\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
	w.cnonce = S("0a4f113b"); /* a token stays as it is */
	w.uri = S("\"/dir/index.html\"");
	ck_assert_str_eq(resp(&w), want);
}
END_TEST

START_TEST(invalid_input)
{
	esip_auth_digest_input in = rfc2617();
	char out[ESIP_AUTH_HEX_MAX + 1];

	in.alg = ESIP_AUTH_ALG_UNKNOWN;
	ck_assert_int_eq(esip_auth_digest_response(&in, out), ESIP_EINVAL);
	in.alg = ESIP_AUTH_ALG__COUNT;
	ck_assert_int_eq(esip_auth_digest_response(&in, out), ESIP_EINVAL);
	in = rfc2617();
	in.qop = ESIP_AUTH_QOP_AUTH | ESIP_AUTH_QOP_AUTH_INT;
	ck_assert_int_eq(esip_auth_digest_response(&in, out), ESIP_EINVAL);
	ck_assert_int_eq(esip_auth_digest_ha1(ESIP_AUTH_ALG_UNKNOWN, S("u"), S("r"), S("p"), out), ESIP_EINVAL);
	ck_assert_int_eq(esip_auth_digest_userhash(ESIP_AUTH_ALG_UNKNOWN, S("u"), S("r"), out), ESIP_EINVAL);
}
END_TEST

Suite *suite_auth_vectors(void)
{
	Suite *s = suite_create("auth-vectors");
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, rfc2617_md5_auth);
	tcase_add_test(tc, rfc7616_md5_and_sha256);
	tcase_add_test(tc, rfc7616_sha512_256_userhash);
	tcase_add_test(tc, auth_int_and_rfc2069);
	tcase_add_test(tc, md5_sess);
	tcase_add_test(tc, stored_ha1);
	tcase_add_test(tc, as_written);
	tcase_add_test(tc, invalid_input);
	suite_add_tcase(s, tc);
	return s;
}
