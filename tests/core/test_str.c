/* String views, decimal conversion, quoted-string and %-escape equality. */
#include "testutil.h"

#include <string.h>

START_TEST(eq_and_ieq)
{
	ck_assert(esip_str_eq(ESIP_STR("abc"), ESIP_STR("abc")));
	ck_assert(!esip_str_eq(ESIP_STR("abc"), ESIP_STR("abC")));
	ck_assert(!esip_str_eq(ESIP_STR("ab"), ESIP_STR("abc")));
	ck_assert(esip_str_ieq(ESIP_STR("Call-ID"), ESIP_STR("call-id")));
	ck_assert(!esip_str_ieq(ESIP_STR("Call-ID"), ESIP_STR("call-ie")));
	/* only ASCII letters fold: '@' (0x40) and '`' (0x60) differ */
	ck_assert(!esip_str_ieq(ESIP_STR("@"), ESIP_STR("`")));
	ck_assert(esip_str_ieq_cstr(ESIP_STR("INVITE"), "invite"));
	ck_assert(esip_str_eq(ESIP_STR_NULL, ESIP_STR("")));
	ck_assert(!esip_str_present(ESIP_STR_NULL));
	ck_assert(esip_str_present(ESIP_STR("")));
	ck_assert_int_lt(esip_str_cmp(ESIP_STR("ab"), ESIP_STR("abc")), 0);
	ck_assert_int_gt(esip_str_cmp(ESIP_STR("b"), ESIP_STR("abc")), 0);
	ck_assert_int_eq(esip_str_cmp(ESIP_STR("abc"), ESIP_STR("abc")), 0);
	ck_assert(esip_str_iprefix(ESIP_STR("SIP/2.0"), "sip/"));
	ck_assert(!esip_str_iprefix(ESIP_STR("SI"), "sip/"));
}
END_TEST

START_TEST(trim_and_sub)
{
	esip_str t = esip_str_trim(ESIP_STR(" \t\r\n x y \r\n"));
	ck_assert(esip_str_eq_cstr(t, "x y"));
	t = esip_str_trim(ESIP_STR("   "));
	ck_assert_uint_eq(t.len, 0);
	t = esip_str_sub(ESIP_STR("abcdef"), 2, 100);
	ck_assert(esip_str_eq_cstr(t, "cdef"));
	t = esip_str_sub(ESIP_STR("abc"), 5, 1);
	ck_assert_uint_eq(t.len, 0);
}
END_TEST

START_TEST(decimal)
{
	uint32_t v32;
	uint64_t v64;

	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("0009"), &v32), 0);
	ck_assert_uint_eq(v32, 9);
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("4294967295"), &v32), 0);
	ck_assert_uint_eq(v32, 4294967295u);
	/* RFC 4475 3.1.2.4: CSeq larger than 2**32-1 must be rejected */
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("4294967296"), &v32), ESIP_ELIMIT);
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("36893488147419103232"), &v32),
			 ESIP_ELIMIT);
	ck_assert_int_eq(esip_str_to_u64(ESIP_STR("18446744073709551615"), &v64), 0);
	ck_assert_int_eq(esip_str_to_u64(ESIP_STR("18446744073709551616"), &v64),
			 ESIP_ELIMIT);
	/* long zero padding still converts */
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("000000000000000000000000042"), &v32), 0);
	ck_assert_uint_eq(v32, 42);
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR(""), &v32), ESIP_EINVAL);
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("-1"), &v32), ESIP_EINVAL);
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("1 "), &v32), ESIP_EINVAL);
	ck_assert_int_eq(esip_str_to_u32(ESIP_STR("+1"), &v32), ESIP_EINVAL);
}
END_TEST

START_TEST(quoted)
{
	ck_assert(esip_str_quoted_eq(ESIP_STR("\"abc\""), ESIP_STR("abc"), false));
	ck_assert(esip_str_quoted_eq(ESIP_STR("\"a\\\"c\""), ESIP_STR("\"a\\\"c\""), false));
	ck_assert(esip_str_quoted_eq(ESIP_STR("\"a\\bc\""), ESIP_STR("abc"), false));
	ck_assert(!esip_str_quoted_eq(ESIP_STR("\"ABC\""), ESIP_STR("abc"), false));
	ck_assert(esip_str_quoted_eq(ESIP_STR("\"ABC\""), ESIP_STR("abc"), true));
	ck_assert(!esip_str_quoted_eq(ESIP_STR("\"ab\""), ESIP_STR("abc"), true));
	ck_assert(esip_str_quoted_eq(ESIP_STR("\"\""), ESIP_STR(""), false));
}
END_TEST

START_TEST(pct_decode)
{
	char out[32];
	long n;

	n = esip_pct_decode(ESIP_STR("null-%00-null"), out, sizeof out);
	/* RFC 4475 3.1.1.4: %00 is one NUL byte and truncates nothing */
	ck_assert_int_eq(n, 11);
	ck_assert_int_eq(memcmp(out, "null-\0-null", 11), 0);
	n = esip_pct_decode(ESIP_STR("%41%4a%4A"), out, sizeof out);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(memcmp(out, "AJJ", 3), 0);
	ck_assert_int_eq(esip_pct_decode(ESIP_STR("%4"), out, sizeof out), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_pct_decode(ESIP_STR("%"), out, sizeof out), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_pct_decode(ESIP_STR("%zz"), out, sizeof out), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_pct_decode(ESIP_STR("abcd"), out, 3), ESIP_ENOSPC);
}
END_TEST

START_TEST(pct_equality)
{
	/* RFC 3261 19.1.4: escaped and unescaped forms are equivalent */
	ck_assert(esip_pct_eq(ESIP_STR("sip%3Auser"), ESIP_STR("sip:user"), false));
	ck_assert(esip_pct_eq(ESIP_STR("%61lice"), ESIP_STR("alice"), false));
	ck_assert(!esip_pct_eq(ESIP_STR("%41lice"), ESIP_STR("alice"), false));
	ck_assert(esip_pct_eq(ESIP_STR("%41lice"), ESIP_STR("alice"), true));
	ck_assert(!esip_pct_eq(ESIP_STR("%00"), ESIP_STR("%00%00"), false));
	ck_assert(esip_pct_eq(ESIP_STR("%zz"), ESIP_STR("%zz"), false));
	ck_assert(!esip_pct_eq(ESIP_STR("ab"), ESIP_STR("abc"), false));
}
END_TEST

Suite *suite_str(void)
{
	Suite *s = suite_create("str");
	TCase *tc = tcase_create("str");

	tcase_add_test(tc, eq_and_ieq);
	tcase_add_test(tc, trim_and_sub);
	tcase_add_test(tc, decimal);
	tcase_add_test(tc, quoted);
	tcase_add_test(tc, pct_decode);
	tcase_add_test(tc, pct_equality);
	suite_add_tcase(s, tc);
	return s;
}
