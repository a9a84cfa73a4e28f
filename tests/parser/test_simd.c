/*
 * test_simd.c - the parser's vector paths (src/parser/simd.h) and fast
 * value parsers (src/parser/fast.h): every line scanner against a byte
 * loop on every span of sample bytes; every class span and byte search
 * against scan_class and memchr, for every class, byte value and
 * position, with and without bytes readable after the span; and whole
 * parses on every path compared with the reference path (the reference
 * value parsers only) where the scans have edges: line ends and colons
 * on both sides of 8/16/32-byte steps, CRLF split across steps, inputs
 * shorter than a step, the tail of the input (never read past the end),
 * the size-limit clamp, every stream prefix, and the values the fast
 * parsers take or leave (near misses of each), also at the very end of
 * the input.  Inputs end at a guard page.
 */
#include "ptest.h"

#include "simd.h"

#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>
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

typedef const char *(*span_fn)(const char *p, const char *end, const char *rend,
				unsigned cls);
typedef const char *(*find_fn)(const char *p, const char *end, const char *rend, unsigned k);

/* The value scans this CPU can run. */
static size_t spans(span_fn *out)
{
	size_t n = 0;

	out[n++] = esip__span_scalar;
#if ESIP_X86
	if (esip__scan_path_ok(ESIP__PATH_AVX2))
		out[n++] = esip__span_avx2;
#endif
	return n;
}

static size_t finds(find_fn *out)
{
	size_t n = 0;

	out[n++] = esip__find_scalar;
#if ESIP_X86
	if (esip__scan_path_ok(ESIP__PATH_SSE2))
		out[n++] = esip__find_sse2;
	if (esip__scan_path_ok(ESIP__PATH_AVX2))
		out[n++] = esip__find_avx2;
#endif
	return n;
}

/* Span and find over in[s, e) of a 70-byte buffer against a guard page,
 * with the readable input ending at e and at the end of the buffer. */
static void check_scans(const char *in, size_t s, size_t e, unsigned cls)
{
	enum { N = 70 };
	static const unsigned rows[] = {ESIP__VB_COMMA, ESIP__VB_RANGLE, ESIP__VB_CR};
	span_fn sp[4];
	find_fn fd[4];
	size_t ns = spans(sp), nf = finds(fd), i, r, k;

	for (r = 0; r < 2; r++) {
		const char *rend = r ? in + N : in + e;
		const char *want = scan_class(in + s, in + e, cls);
		for (i = 0; i < ns; i++)
			ck_assert_msg(sp[i](in + s, in + e, rend, cls) == want,
				      "span %zu class %#x [%zu,%zu)", i, cls, s, e);
		for (k = 0; k < sizeof rows / sizeof rows[0]; k++) {
			const char *q = memchr(in + s, esip__vbyte[rows[k]][0], e - s);
			for (i = 0; i < nf; i++)
				ck_assert(fd[i](in + s, in + e, rend, rows[k]) == (q ? q : in + e));
		}
	}
}

START_TEST(spans_agree)
{
	static const size_t at[] = {0, 1, 15, 16, 17, 31, 32, 33, 40, 63, 64, 69};
	static const size_t from[] = {0, 1, 16, 33};
	enum { N = 70 };
	static const char zero[N];
	guard_buf g;
	char *b;
	unsigned k, v, seed = 777;
	size_t i, j, round;

	/* one guard-page buffer, made writable again and rewritten in place */
	b = (char *)guard_copy(&g, zero, N);
	ck_assert_int_eq(mprotect(g.map, g.maplen - (size_t)sysconf(_SC_PAGESIZE),
				  PROT_READ | PROT_WRITE),
			 0);
	for (k = 0; k < ESIP__NCLASS; k++) {
		unsigned cls = 1u << k;
		unsigned char fill = 0;
		while (!cc(fill, cls))
			fill++;
		/* each byte value at each step edge, inside a run of the class */
		for (v = 0; v < 256; v++)
			for (i = 0; i < sizeof at / sizeof at[0]; i++) {
				memset(b, fill, N);
				b[at[i]] = (char)v;
				for (j = 0; j < sizeof from / sizeof from[0]; j++) {
					check_scans(b, from[j], N, cls);
					if (at[i] >= from[j]) {
						check_scans(b, from[j], at[i], cls);
						check_scans(b, from[j], at[i] + 1, cls);
					}
				}
			}
		/* random bytes */
		for (round = 0; round < 40; round++) {
			for (i = 0; i < N; i++) {
				seed = seed * 1103515245u + 12345u;
				b[i] = (char)(seed % 7 ? fill : seed >> 16);
			}
			check_scans(b, round % 5, N - round % 3, cls);
		}
	}
	guard_free(&g);
	ck_assert_uint_eq(esip__vbyte[ESIP__VB_COMMA][31], ',');
}
END_TEST

typedef const char *(*host_fn)(const char *p, const char *end, const char *rend,
				uint8_t *type);

/* Every host scan on in[s, e) of a buffer of n bytes against a guard
 * page, with the readable input ending at e and at n, gives the scalar
 * one's answer (esip__host_scan's rules, checked in test_uri.c). */
static void check_hosts(const char *in, size_t n, size_t s, size_t e)
{
	host_fn fn[2];
	size_t k = 0, i, r;
	uint8_t t0, t;

	fn[k++] = esip__host_scalar;
#if ESIP_X86
	if (esip__scan_path_ok(ESIP__PATH_AVX2))
		fn[k++] = esip__host_avx2;
#endif
	for (r = 0; r < 2; r++) {
		const char *rend = r ? in + n : in + e;
		const char *want = esip__host_scalar(in + s, in + e, rend, &t0);
		for (i = 1; i < k; i++) {
			const char *got = fn[i](in + s, in + e, rend, &t);
			ck_assert_msg(got == want && (!got || t == t0), "host %zu '%.*s' [%zu,%zu)", i,
				      (int)(e - s), in + s, s, e);
		}
	}
}

/* A scan checked on in[s, e) of n bytes against a guard page. */
typedef void (*check_fn)(const char *in, size_t n, size_t s, size_t e);

/*
 * check on each spelling of list, followed by each delimiter of tails
 * (and by none) and 40 bytes of padding, for every end from 0 to past
 * the spelling; and on the spelling alone at the end of the input.  Then
 * on 3000 random runs of alpha with delimiters among them.
 */
static void each_spelling(const char *const *list, size_t count, const char *tails,
			  const char *alpha, check_fn check)
{
	char b[128];
	guard_buf g;
	unsigned seed = 4242, round;
	size_t i, j, n, len, e, nt = strlen(tails), na = strlen(alpha);

	for (i = 0; i < count; i++)
		for (j = 0; j <= nt; j++) {
			const char *in;
			len = strlen(list[i]);
			memcpy(b, list[i], len);
			n = len;
			if (j < nt)
				b[n++] = tails[j];
			for (; n < len + 40; n++)
				b[n] = 'z';
			in = guard_copy(&g, b, n);
			for (e = 0; e <= n; e += e < len + 2 ? 1 : 7)
				check(in, n, 0, e);
			guard_free(&g);
			in = guard_copy(&g, b, len);
			check(in, len, 0, len);
			guard_free(&g);
		}
	for (round = 0; round < 3000; round++) {
		const char *in;
		n = 40 + round % 30;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = (seed >> 16) % 41 ? alpha[(seed >> 16) % na] : tails[(seed >> 20) % nt];
		}
		in = guard_copy(&g, b, n);
		check(in, n, round % 3, n - round % 7);
		guard_free(&g);
	}
}

START_TEST(hosts_agree)
{
	static const char *const hosts[] = {
		"a", "a.b", "a.b.", "a.b..", ".", "..", ".a", "a..b", "-a", "a-", "a-.b", "a.-b",
		"a-b.c-d.example.com", "9abc", "abc.9", "abc.9a", "a.b9", "1.2.3.4", "1.2.3.4.",
		"1.2.3.4.5", "256.1.1.1", "255.255.255.255", "1.2.3", "1.2.3.4a", "1.2.3.4-",
		"01.002.3.4", "0001.2.3.4", "1..2.3", "192.0.2.128", "x", "X-Y.Z", "a_b",
		"proxy2.biloxi.example.com", "abcdefghijklmnopqrstuvwxyz01234", /* 31 */
		"abcdefghijklmnopqrstuvwxyz012345", /* 32 */
		"abcdefghijklmnopqrstuvwxyz0123456789.example.com",
	};

	each_spelling(hosts, sizeof hosts / sizeof hosts[0], ":;>, \r[", "a9.-Z0.5..--x",
		      check_hosts);
}
END_TEST

typedef const char *(*param_fn)(const char *p, const char *end, const char *rend,
				 esip_str *name, esip_str *val);

/* Every parameter scan on in[s, e) of n bytes against a guard page, with
 * the readable input ending at e and at n, gives the scalar one's
 * answer (esip_param_next's, checked by fast_values_agree). */
static void check_params(const char *in, size_t n, size_t s, size_t e)
{
	param_fn fn[2];
	size_t k = 0, i, r;

	fn[k++] = esip__param_scalar;
#if ESIP_X86
	if (esip__scan_path_ok(ESIP__PATH_AVX2))
		fn[k++] = esip__param_avx2;
#endif
	for (r = 0; r < 2; r++) {
		const char *rend = r ? in + n : in + e;
		esip_str n0 = ESIP_STR_NULL, v0 = ESIP_STR_NULL, n1, v1;
		const char *want = esip__param_scalar(in + s, in + e, rend, &n0, &v0);
		for (i = 1; i < k; i++) {
			const char *got;
			n1 = v1 = ESIP_STR_NULL;
			got = fn[i](in + s, in + e, rend, &n1, &v1);
			ck_assert_msg(got == want, "param '%.*s' [%zu,%zu)", (int)(e - s), in + s, s,
				      e);
			if (got)
				ck_assert(n1.p == n0.p && n1.len == n0.len && v1.p == v0.p &&
					  v1.len == v0.len);
		}
	}
}

START_TEST(params_agree)
{
	static const char *const params[] = {
		"branch=z9hG4bK776asdhds", "rport", "rport=5060", "received=192.0.2.9",
		"received=[2001:db8::9]", "tag=1928301774", "lr", "x=", "=x", "", "a=b=c",
		"a==b", "maddr=h.example.com", "x=\"q\"", "x=a\"b", "transport=tcp",
		"branch=z9hG4bK-a-long-branch-value-well-over-thirty-two-bytes",
		"a-long-parameter-name-of-over-thirty-two-bytes=v",
		"abcdefghijklmnopqrstuvwxyz01234=v", "abcdefghijklmnopqrstuvwxyz0123=v",
		"ab=cdefghijklmnopqrstuvwxyz01234", "ab=cdefghijklmnopqrstuvwxyz012345",
	};

	each_spelling(params, sizeof params / sizeof params[0], ";, \r\n>\"=",
		      "ab=;c:[]9-.=\"z", check_params);
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
	ck_assert_str_eq(esip__scan_path_name(ESIP__PATH_REF), "ref");
	ck_assert(esip__scan_path_ok(ESIP__PATH_REF));
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

/* The up-front values, each spelt as the fast parsers take it and in
 * near misses they must leave to the reference parsers. */
static const char *const via_vals[] = {
	"SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
	"SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport;received=192.0.2.9",
	"sip/2.0/udp host;BRANCH=abc;maddr=1.2.3.4;ttl=1;Rport=7;RECEIVED=h",
	"SIP/2.0/TLS h.example.com:5061;branch=z9hG4bKa;x=y;z",
	"SIP/2.0/UDP host;branch=x, SIP/2.0/UDP h2;branch=y",
	"SIP/2.0/UDP host;branch=x,SIP/2.0/UDP h2, SIP/2.0/TCP h3",
	"SIP/2.0/UDP host,",
	"SIP/2.0/UDP host:5060,SIP/2.0/UDP h2",
	"SIP/2.0/UDP host;branch=a;branch=b;branch",
	"SIP/2.0/UDP host;rport;rport=5",
	"SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKx",
	"SIP/2.0/UDP host;received=[2001:db8::9]",
	"SIP/2.0/UDP host:0;branch=x",
	"SIP/2.0/UDP host:65535",
	"SIP/2.0/UDP host:65536",
	"SIP/2.0/UDP host:005060",
	"SIP/2.0/UDP host:50600",
	"SIP/2.0/UDP host: 5060",
	"SIP/2.0/UDP host ;branch=x",
	"SIP/2.0/UDP host; branch=x",
	"SIP/2.0/UDP host;branch =x",
	"SIP/2.0/UDP  host",
	"SIP/2.0/UDP\thost",
	"SIP/2.0 /UDP host",
	"SIP /2.0/UDP host",
	"SIP/2.0/UDP host;branch",
	"SIP/2.0/UDP host;branch=",
	"SIP/2.0/UDP host;branch=\"q\"",
	"SIP/2.0/UDP host;;branch=x",
	"SIP/2.0/UDP host;branch=x;",
	"SIP/2.0/UDP host;branch=x\"",
	"SIP/2.0/UDP -host",
	"SIP/2.0/UDP host-.com",
	"SIP/2.0/UDP a.b-.c",
	"SIP/2.0/UDP 1.2.3.4.5",
	"SIP/2.0/UDP 256.1.1.1",
	"SIP/2.0/UDP 1.2.3",
	"SIP/2.0/UDP 1.2.3.4a",
	"SIP/2.0/UDP 1.2.3.4-",
	"SIP/2.0/UDP 1234.1.1.1",
	"SIP/2.0/UDP 01.002.3.4",
	"SIP/2.0/UDP a.b.c.",
	"SIP/2.0/UDP a.b.c..",
	"SIP/2.0/UDP a..b",
	"SIP/2.0/UDP .a",
	"SIP/2.0/UDP 9abc",
	"SIP/2.0/UDP abc.9",
	"SIP/2.0/UDP host;rport=;x",
	"SIP/2.0/UDP host\r\n ;branch=x",
	"SIP/3.0/UDP host",
	"SIP/2.0/UDP",
	"SIP/2.0/UDP h",
	"SIP/2.0/",
	"SIP/2.0/UDP hostname-that-is-rather-long-so-it-crosses.32-byte-steps.example.com:5060;branch=z9hG4bK-a-long-branch-value-over-32-bytes",
	"",
};
static const char *const na_vals[] = {
	"\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl",
	"<sip:bob@b.com>",
	"Bob <sip:bob@b.com>;tag=x",
	"Bob<sip:bob@b.com>",
	"A B C <sip:x>;tag=1;x=2",
	"A B  C <sip:x>",
	"A\tB <sip:x>",
	"Bob\t<sip:x>",
	"Bob;x <sip:x>",
	"Bob \"x\" <sip:x>",
	"Bob",
	"Bob ",
	"\"a\\\"b\" <sip:x>",
	"\"unterminated <sip:x>",
	"\"\" <sip:x>",
	"\"caf\xc3\xa9\" <sip:x>",
	"\"a\x01\" <sip:x>",
	"\"a\"<sip:x>",
	"\"a\"  <sip:x>",
	"\"a\" x <sip:x>",
	"\"a\r\n b\" <sip:x>",
	"sip:bob@b.com;tag=1",
	"sip:bob@b.com",
	"<sip:x>;tag",
	"<sip:x>;tag=",
	"<sip:x>;tag=\"q\"",
	"<sip:x>;TAG=a;tag=b",
	"<sip:x>;tag=a;tag",
	"<sip:x> ;tag=a",
	"<sip:x>; tag=a",
	"<sip:x>;tag=a;",
	"<sip:x>;tag=a b",
	"<sip:x>x",
	"<sip:x>;a=b;tag=c;d",
	"<sip:x>;tag=a,b",
	"< sip:x>",
	"<sip:x >",
	"<>",
	"<sip:x",
	"<sip:x>>",
	"<<sip:x>",
	"<sip:a-very-long-user-name@a-host-name-long-enough.example.com;transport=tcp>;tag=abcdefghijklmnopqrstuvwxyz0123456789",
	"",
};
static const char *const callid_vals[] = {
	"a84b4c76e66710@pc33.atlanta.example.com", "abc", "a@b@c", "@x", "x@", "a b",
	"()<>:\\\"/[]?{}", "a\xc3\xa9", "a;b", "a,b", "a=b",
	"01234567890123456789012345678901234567890123456789@host", "",
};
static const char *const cseq_vals[] = {
	"314159 INVITE", "1 ACK", "999999999 BYE", "1234567890 BYE", "4294967295 BYE",
	"4294967296 BYE", "0123456789 X", "1  INVITE", "1\tINVITE", "1 IN VITE", "1INVITE",
	"x INVITE", "1 ", "1 INV@ITE", "1 invite", "1 FOO", " 1 INVITE", "", "1",
};
static const char *const num_vals[] = {"0", "68", "255", "256", "00068", "1 2", "x", "", "+1",
				       "4294967296"};
static const char *const start_lines[] = {
	"INVITE sip:bob@biloxi.example.com SIP/2.0",
	"INVITE sip:bob@192.0.2.4:5060 SIP/2.0",
	"REGISTER sips:a@b;transport=tcp;lr SIP/2.0",
	"OPTIONS sip:b.com SIP/2.0",
	"OPTIONS sip:b.com:5060;lr;maddr=[2001:db8::1] SIP/2.0",
	"BYE SIP:A@B.COM sip/2.0",
	"FOO sip:a@b SIP/2.0",
	"invite sip:a@b SIP/2.0",
	"INV@TE sip:a@b SIP/2.0",
	"INVITE sip:a:pw@b.com SIP/2.0",
	"INVITE sip:%61@b.com SIP/2.0",
	"INVITE sip:a@b.com?subject=x SIP/2.0",
	"INVITE sip:a@b;p=%41 SIP/2.0",
	"INVITE tel:+1-201-555-0123 SIP/2.0",
	"INVITE sip:[2001:db8::1] SIP/2.0",
	"INVITE mailto:a@b SIP/2.0",
	"INVITE sip:a@-b SIP/2.0",
	"INVITE sip:@b SIP/2.0",
	"INVITE sip:a@b:0 SIP/2.0",
	"INVITE sip:a@b:65536 SIP/2.0",
	"INVITE sip:a@b; SIP/2.0",
	"INVITE sip:a@b;=x SIP/2.0",
	"INVITE sip:a@b;x= SIP/2.0",
	"INVITE sip:a@b@c SIP/2.0",
	"INVITE sip:a@b c SIP/2.0",
	"INVITE sip:a@b SIP/2.0 ",
	"INVITE  sip:a@b SIP/2.0",
	"INVITE sip:a@b  SIP/2.0",
	"INVITE sip:a@b SIP/2.1",
	"INVITE sip:a@b SIP/2.00",
	"INVITE sip:a@b SIP/2.0x",
	"INVITE SIP/2.0",
	"INVITE sip: SIP/2.0",
	"SIP/2.0 200 OK",
	"SIP/2.0 180 Ringing",
	"sip/2.0 100 Trying",
	"SIP/2.0 200 ",
	"SIP/2.0 200",
	"SIP/2.0 099 X",
	"SIP/2.0 700 X",
	"SIP/2.0 2000 X",
	"SIP/2.0 20",
	"SIP/2.0 20x OK",
	"SIP/2.0 200OK",
	"SIP/2.0  200 OK",
	"SIP/2.00 200 OK",
	"SIP/3.0 200 OK",
	"SIP/2.0\t200 OK",
};

/* A message with one of its lines replaced by name + value (name NULL:
 * the start line), as a whole and cut right after that value. */
static void agree_value(const char *name, const char *value)
{
	static const char *const lines[] = {
		"INVITE sip:bob@biloxi.example.com SIP/2.0",
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
		"Max-Forwards: 70",
		"To: Bob <sip:bob@biloxi.example.com>",
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
		"Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
		"CSeq: 314159 INVITE",
		"Content-Length: 0",
	};
	char buf[1024];
	size_t i, n = 0, cut = 0;
	bool done_it = false;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		const char *l = lines[i];
		size_t k = strcspn(l, ":");
		bool mine = name ? !strncmp(l, name, k) && !name[k] : i == 0;
		if (mine && !done_it) {
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s%s", name ? name : "",
					      name ? ": " : "", value);
			cut = n;
			done_it = true;
		} else {
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", l);
		}
		n += (size_t)snprintf(buf + n, sizeof buf - n, "\r\n");
	}
	if (!done_it) { /* a header the template lacks: append it */
		n -= 2;
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s: %s\r\n", name, value);
		cut = n - 2;
	}
	n += (size_t)snprintf(buf + n, sizeof buf - n, "\r\n");
	ck_assert_uint_lt(n, sizeof buf);
	agree(buf, n);
	agree(buf, cut);
}

START_TEST(fast_values_agree)
{
	static const char *const num_hdrs[] = {"Max-Forwards", "Content-Length"};
	static const char *const na_hdrs[] = {"From", "To", "f", "t"};
	size_t i, j;

	for (i = 0; i < sizeof via_vals / sizeof via_vals[0]; i++) {
		agree_value("Via", via_vals[i]);
		agree_value("v", via_vals[i]);
	}
	for (i = 0; i < sizeof na_vals / sizeof na_vals[0]; i++)
		for (j = 0; j < sizeof na_hdrs / sizeof na_hdrs[0]; j++)
			agree_value(na_hdrs[j], na_vals[i]);
	for (i = 0; i < sizeof callid_vals / sizeof callid_vals[0]; i++)
		agree_value("Call-ID", callid_vals[i]);
	for (i = 0; i < sizeof cseq_vals / sizeof cseq_vals[0]; i++)
		agree_value("CSeq", cseq_vals[i]);
	for (i = 0; i < sizeof num_vals / sizeof num_vals[0]; i++)
		for (j = 0; j < sizeof num_hdrs / sizeof num_hdrs[0]; j++)
			agree_value(num_hdrs[j], num_vals[i]);
	for (i = 0; i < sizeof start_lines / sizeof start_lines[0]; i++)
		agree_value(NULL, start_lines[i]);
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
	tcase_add_test(tc, spans_agree);
	tcase_add_test(tc, hosts_agree);
	tcase_add_test(tc, params_agree);
	tcase_add_test(tc, path_choice);
	tcase_add_test(tc, block_edges_every_shift);
	tcase_add_test(tc, short_and_tail_inputs);
	tcase_add_test(tc, fast_values_agree);
	tcase_add_test(tc, torture_files_agree);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_simd()};
	return test_run(s, 1);
}
