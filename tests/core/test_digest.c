/*
 * test_digest.c - MD5 against the RFC 1321 A.5 test suite; SHA-256 and
 * SHA-512/256 against the FIPS 180-4 example messages published by NIST
 * (the empty message, "abc", the 448-bit and 896-bit two-block messages,
 * one million 'a'); every split of a message through update gives the
 * one-shot digest (block boundaries, padding that spills into a second
 * block); the generic esip_digest interface and hex; HMAC-SHA-256 against
 * RFC 4231 test cases 1, 2 and 6 (a key longer than the block); the
 * constant-time comparison.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static const char M448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char M896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			   "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static const char *hex_of(esip_digest_alg alg, const void *data, size_t n)
{
	static char out[2 * ESIP_DIGEST_MAX_LEN + 1];
	esip_digest d;

	esip_digest_init(&d, alg);
	esip_digest_update(&d, data, n);
	esip_digest_final_hex(&d, out);
	return out;
}

#define CHECK_HEX(alg, msg, want) ck_assert_str_eq(hex_of((alg), (msg), strlen(msg)), (want))

/* RFC 1321 A.5 */
START_TEST(md5_rfc1321_suite)
{
	static const char *const v[][2] = {
		{"", "d41d8cd98f00b204e9800998ecf8427e"},
		{"a", "0cc175b9c0f1b6a831c399e269772661"},
		{"abc", "900150983cd24fb0d6963f7d28e17f72"},
		{"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
		{"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		 "d174ab98d277d9f5a5611c2c9f419d9f"},
		{"1234567890123456789012345678901234567890"
		 "1234567890123456789012345678901234567890",
		 "57edf4a22be3c955ac49da2e2107b67a"},
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		CHECK_HEX(ESIP_DIGEST_MD5, v[i][0], v[i][1]);
}
END_TEST

/* FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values"). */
START_TEST(sha256_nist_examples)
{
	CHECK_HEX(ESIP_DIGEST_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_HEX(ESIP_DIGEST_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_HEX(ESIP_DIGEST_SHA256, M448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	CHECK_HEX(ESIP_DIGEST_SHA256, M896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

START_TEST(sha512_256_nist_examples)
{
	CHECK_HEX(ESIP_DIGEST_SHA512_256, "", "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a");
	CHECK_HEX(ESIP_DIGEST_SHA512_256, "abc", "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
	CHECK_HEX(ESIP_DIGEST_SHA512_256, M448, "bde8e1f9f19bb9fd3406c90ec6bc47bd36d8ada9f11880dbc8a22a7078b6a461");
	CHECK_HEX(ESIP_DIGEST_SHA512_256, M896, "3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a");
}
END_TEST

/* One million 'a', fed in pieces of 1000 (FIPS 180-2 appendix B.3/C.3). */
START_TEST(million_a)
{
	static const char *const want[] = {
		[ESIP_DIGEST_MD5] = "7707d6ae4e027c70eea2a935c2296f21",
		[ESIP_DIGEST_SHA256] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
		[ESIP_DIGEST_SHA512_256] = "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21",
	};
	char a[1000], out[2 * ESIP_DIGEST_MAX_LEN + 1];
	int alg;

	memset(a, 'a', sizeof a);
	for (alg = ESIP_DIGEST_MD5; alg <= ESIP_DIGEST_SHA512_256; alg++) {
		esip_digest d;
		int i;
		esip_digest_init(&d, (esip_digest_alg)alg);
		for (i = 0; i < 1000; i++)
			esip_digest_update(&d, a, sizeof a);
		esip_digest_final_hex(&d, out);
		ck_assert_str_eq(out, want[alg]);
	}
}
END_TEST

/* Every split point of messages around the block and padding boundaries
 * (55, 56, 63, 64, 111, 112, 127, 128 bytes ...) gives the one-shot
 * digest of the typed functions. */
START_TEST(split_equals_one_shot)
{
	unsigned char msg[300], one[ESIP_DIGEST_MAX_LEN], two[ESIP_DIGEST_MAX_LEN];
	size_t n, cut;
	int alg;

	for (n = 0; n < sizeof msg; n++)
		msg[n] = (unsigned char)(n * 31 + 7);
	for (alg = ESIP_DIGEST_MD5; alg <= ESIP_DIGEST_SHA512_256; alg++)
		for (n = 0; n <= 260; n++) {
			switch (alg) {
			case ESIP_DIGEST_MD5:
				esip_md5(msg, n, one);
				break;
			case ESIP_DIGEST_SHA256:
				esip_sha256(msg, n, one);
				break;
			default:
				esip_sha512_256(msg, n, one);
				break;
			}
			for (cut = 0; cut <= n; cut += (n > 140 ? 7 : 1)) {
				esip_digest d;
				esip_digest_init(&d, (esip_digest_alg)alg);
				esip_digest_update(&d, msg, cut);
				esip_digest_update(&d, msg + cut, 0);
				esip_digest_update(&d, msg + cut, n - cut);
				ck_assert_uint_eq(esip_digest_final(&d, two),
						  esip_digest_len((esip_digest_alg)alg));
				ck_assert_msg(!memcmp(one, two, esip_digest_len((esip_digest_alg)alg)),
					      "alg %d len %zu cut %zu", alg, n, cut);
			}
		}
}
END_TEST

START_TEST(lengths_and_hex)
{
	char out[9];
	const unsigned char b[] = {0x00, 0x9f, 0xa0, 0xff};

	ck_assert_uint_eq(esip_digest_len(ESIP_DIGEST_MD5), 16);
	ck_assert_uint_eq(esip_digest_len(ESIP_DIGEST_SHA256), 32);
	ck_assert_uint_eq(esip_digest_len(ESIP_DIGEST_SHA512_256), 32);
	ck_assert_uint_eq(esip_digest_len((esip_digest_alg)7), 0);
	esip_hex_encode(b, sizeof b, out);
	ck_assert_str_eq(out, "009fa0ff");
}
END_TEST

static const char *hmac_hex(const void *key, size_t klen, const char *msg)
{
	static char out[2 * ESIP_SHA256_LEN + 1];
	unsigned char mac[ESIP_SHA256_LEN];
	esip_hmac_sha256 h, copy;

	esip_hmac_sha256_init(&h, key, klen);
	copy = h; /* a keyed context may be copied and reused */
	esip_hmac_sha256_update(&copy, msg, strlen(msg));
	esip_hmac_sha256_final(&copy, mac);
	esip_hex_encode(mac, sizeof mac, out);
	return out;
}

/* RFC 4231 4.2, 4.3, 4.7 */
START_TEST(hmac_sha256_rfc4231)
{
	unsigned char k1[20], k6[131];

	memset(k1, 0x0b, sizeof k1);
	memset(k6, 0xaa, sizeof k6);
	ck_assert_str_eq(hmac_hex(k1, sizeof k1, "Hi There"),
			 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	ck_assert_str_eq(hmac_hex("Jefe", 4, "what do ya want for nothing?"),
			 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	ck_assert_str_eq(hmac_hex(k6, sizeof k6, "Test Using Larger Than Block-Size Key - Hash Key First"),
			 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
END_TEST

START_TEST(ct_eq)
{
	ck_assert(esip_ct_eq("abcdef", "abcdef", 6));
	ck_assert(!esip_ct_eq("abcdef", "abcdeg", 6));
	ck_assert(!esip_ct_eq("xbcdef", "abcdef", 6));
	ck_assert(esip_ct_eq("a", "b", 0));
}
END_TEST

Suite *suite_digest(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("digest");

	tcase_add_test(tc, md5_rfc1321_suite);
	tcase_add_test(tc, sha256_nist_examples);
	tcase_add_test(tc, sha512_256_nist_examples);
	tcase_add_test(tc, million_a);
	tcase_add_test(tc, split_equals_one_shot);
	tcase_add_test(tc, lengths_and_hex);
	tcase_add_test(tc, hmac_sha256_rfc4231);
	tcase_add_test(tc, ct_eq);
	suite_add_tcase(s, tc);
	return s;
}
