/*
 * test_simd.c - the parser's vector paths (src/parser/simd.h): every
 * line scanner against a byte loop on every span of sample bytes, and
 * whole parses on every path compared with the scalar one where the scans
 * have edges: line ends and colons on both sides of 8/16/32-byte steps,
 * CRLF split across steps, inputs shorter than a step, the tail of the
 * input (never read past the end), the size-limit clamp, and every stream
 * prefix.  Inputs end at a guard page.
 */
#include "ptest.h"

#include "simd.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef const char *(*eol_fn)(const char *p, const char *end, const char **colon);

static const char *eol_ref(const char *p, const char *end, const char **colon)
{
	if (colon)
		*colon = NULL;
	for (; p < end && *p != '\r' && *p != '\n'; p++)
		if (colon && *p == ':' && !*colon)
			*colon = p;
	return p;
}

/* The scanners this CPU can run. */
static size_t scanners(eol_fn *out)
{
	size_t n = 0;

	out[n++] = esip__eol_scalar;
#if ESIP_X86
	if (esip__scan_path_ok(ESIP__PATH_SSE2))
		out[n++] = esip__eol_sse2;
	if (esip__scan_path_ok(ESIP__PATH_AVX2))
		out[n++] = esip__eol_avx2;
#endif
	return n;
}

/* Every scanner, on every start and end inside b[0..n) (placed against
 * a guard page), with and without colon, gives the byte loop's answer. */
static void check_span(const char *b, size_t n)
{
	guard_buf g;
	const char *in = guard_copy(&g, b, n);
	eol_fn fn[4];
	size_t k = scanners(fn), i, s, e;

	for (s = 0; s <= n; s++)
		for (e = s; e <= n; e++) {
			const char *wc, *c, *w = eol_ref(in + s, in + e, &wc);
			for (i = 0; i < k; i++) {
				ck_assert_msg(fn[i](in + s, in + e, &c) == w && c == wc,
					      "scanner %zu [%zu,%zu)", i, s, e);
				ck_assert(fn[i](in + s, in + e, NULL) == w);
			}
		}
	guard_free(&g);
}

START_TEST(swar_bytes_exact)
{
	unsigned v, pos, other;

	/* every byte value at every position, next to neighbours that could
	 * borrow or carry into it */
	for (v = 0; v < 256; v++)
		for (pos = 0; pos < 8; pos++)
			for (other = 0; other < 256; other += 17) {
				uint64_t x = 0x0101010101010101ull * other, m, want = 0;
				unsigned i;
				x &= ~(0xffull << (8 * pos));
				x |= (uint64_t)v << (8 * pos);
				m = esip__bytes_eq(x, ':');
				for (i = 0; i < 8; i++)
					if ((unsigned char)(x >> (8 * i)) == ':')
						want |= 0x80ull << (8 * i);
				ck_assert_uint_eq(m, want);
			}
}
END_TEST

START_TEST(scanners_agree)
{
	static const char alpha[] = "\r\n:: \tA;,\"<>\x80\xff\0aaaaaaaaaa";
	char b[80];
	unsigned seed = 12345, i, k, round;

	/* each byte value alone, at each position of a 70-byte span */
	for (k = 0; k < 256; k += 1) {
		memset(b, 'a', 70);
		b[(k * 7) % 70] = (char)k;
		if (k == '\n' || k == '\r' || k == ':' || k == 0 || k == 0xff)
			for (i = 0; i < 70; i++) {
				memset(b, 'a', 70);
				b[i] = (char)k;
				check_span(b, 70);
			}
		else
			check_span(b, 70);
	}
	/* random spans of the interesting bytes */
	for (round = 0; round < 300; round++) {
		for (i = 0; i < 70; i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
		}
		check_span(b, 70);
	}
}
END_TEST

START_TEST(path_choice)
{
	esip__scan_path best = esip__scan_best();
	esip_hdr hdrs[8];
	esip_msg m;

	ck_assert(best != ESIP__PATH_AUTO && esip__scan_path_ok(best));
	ck_assert(esip__scan_best() == best); /* resolved once */
	ck_assert(esip__scan_path_ok(ESIP__PATH_SCALAR));
	ck_assert_str_eq(esip__scan_path_name(ESIP__PATH_AVX2), "avx2");
	ck_assert_ptr_null(esip__scan_path_name(ESIP__PATH__COUNT));
	ck_assert(!esip__scan_path_ok(ESIP__PATH__COUNT));
	esip_msg_init(&m, hdrs, 8);
	ck_assert_int_eq(esip__msg_parse_path(&m, "x", 1, 0, NULL, ESIP__PATH__COUNT),
			 ESIP_EINVAL);
	ck_assert_int_eq(m.err, ESIP_EINVAL);
	/* a forced path parses like the default one */
	ck_assert_int_eq(esip__msg_parse_path(&m, "OPTIONS sip:a SIP/2.0\r\n\r\n", 25, 0,
					      NULL, ESIP__PATH_SCALAR),
			 25);
}
END_TEST

/* All paths agree on data[0..len), placed against a guard page, as a
 * datagram and as a stream, with default and small limits. */
static void agree(const char *data, size_t len)
{
	static const esip_parse_limits small = {100, 30, 4};
	guard_buf g;
	const char *in = guard_copy(&g, data, len);
	unsigned flags;

	for (flags = 0; flags <= ESIP_PARSE_STREAM; flags++) {
		ck_assert_msg(esip__msg_paths_disagree(in, len, flags, NULL) == ESIP__PATH_AUTO,
			      "len %zu flags %u", len, flags);
		ck_assert_msg(esip__msg_paths_disagree(in, len, flags, &small) ==
				      ESIP__PATH_AUTO,
			      "small limits, len %zu flags %u", len, flags);
	}
	guard_free(&g);
}

static const char msg_tpl[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Subject: a:b:c\r\n"
	" folded: here\r\n"
	"X-Long:\tvalue\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"v=0\n";

START_TEST(block_edges_every_shift)
{
	char buf[1024];
	size_t pad, n = sizeof msg_tpl - 1;

	/* leading CRLFs and padding in the start line move every line end
	 * and colon across the step boundaries one byte at a time */
	for (pad = 0; pad < 130; pad++) {
		size_t k = 0, i;
		for (i = 0; i < pad % 3; i++)
			buf[k++] = '\n';
		memcpy(buf + k, "INVITE sip:bob", 14);
		k += 14;
		for (i = 0; i < pad; i++)
			buf[k++] = 'b';
		memcpy(buf + k, msg_tpl + 14, n - 14);
		k += n - 14;
		agree(buf, k);
	}
}
END_TEST

START_TEST(short_and_tail_inputs)
{
	static const char *msgs[] = {
		"OPTIONS sip:a SIP/2.0\r\n\r\n",
		"OPTIONS sip:a SIP/2.0\r\nA:b\r\n",
		"SIP/2.0 200 OK\nv: x\n\n",
		"SIP/2.0 200 OK\r\nno colon\r\nv:x\r",
		"\r\n\r\nBYE sip:x SIP/2.0\r",
		":::::::::::::::::::::::::::::::::::::::::::::::::::::::::::::::::::::",
		"\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r",
		"",
	};
	size_t i, len;

	for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
		for (len = 0; len <= strlen(msgs[i]); len++)
			agree(msgs[i], len);
	/* every stream prefix of the full message */
	for (len = 0; len <= sizeof msg_tpl - 1; len++)
		agree(msg_tpl, len);
}
END_TEST

START_TEST(torture_files_agree)
{
	static const char *subs[] = {"rfc4475", "rfc5118"};
	size_t i, files = 0;

	/* every RFC 4475 / RFC 5118 torture message of tests/data */
	for (i = 0; i < 2; i++) {
		DIR *d = opendir(test_path(ESIP_TEST_DATA_DIR, subs[i]));
		struct dirent *e;
		ck_assert_ptr_nonnull(d);
		while ((e = readdir(d))) {
			size_t len;
			char *b;
			if (!strstr(e->d_name, ".dat") && !strstr(e->d_name, ".sip"))
				continue;
			b = load(subs[i], e->d_name, &len);
			agree(b, len);
			free(b);
			files++;
		}
		closedir(d);
	}
	ck_assert_uint_ge(files, 60);
}
END_TEST

static Suite *suite_simd(void)
{
	Suite *s = suite_create("parser-simd");
	TCase *tc = tcase_create("paths");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, swar_bytes_exact);
	tcase_add_test(tc, scanners_agree);
	tcase_add_test(tc, path_choice);
	tcase_add_test(tc, block_edges_every_shift);
	tcase_add_test(tc, short_and_tail_inputs);
	tcase_add_test(tc, torture_files_agree);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_simd()};
	return test_run(s, 1);
}
