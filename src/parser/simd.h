/*
 * simd.h - the parser's vector paths and how one is chosen (internal to
 * src/parser; tests and fuzz targets include it to force a path).
 *
 * What is vectorised:
 *  - the structural scan of the start line and header section, i.e.
 *    finding each line end (CR or LF) and, on the first line of a header
 *    field, its colon, in one pass: 8 bytes per step in the scalar path
 *    (SWAR), 16 with SSE2, 32 with AVX2;
 *  - the scans of the fast value parsers (fast.h): a run of a character
 *    class (span: 32 bytes per step with AVX2's byte shuffles, the class
 *    table elsewhere) and the search for one byte (find: 16 or 32 bytes
 *    per step, memchr on the scalar path).
 * Every path returns the same pointers, and the fast value parsers give
 * what the reference parsers give, so every path gives the same esip_msg
 * as ESIP__PATH_REF, the scalar line walk with the reference parsers
 * only: fuzz/fuzz_simd.c and fuzz/fuzz_fastval.c parse each input on
 * each path and compare the whole result with it, and
 * tests/parser/test_simd.c checks the scanners against byte loops.
 *
 * msg.c compiles its line walk once per path with that path's scanners
 * inlined (the AVX2 copy with __attribute__((target("avx2"))), so the
 * library needs no -mavx2 and runs on any x86-64).
 *
 * Choice of path, without mutable process-global state that could race:
 *  - esip__scan_best() is the best path this CPU has.  It is resolved
 *    once, lazily, with no constructor: the first call probes the CPU
 *    (cpuid, through __builtin_cpu_supports) and publishes the answer
 *    with an atomic release store; later calls are one acquire load.  Two
 *    threads racing on the first call store the same value, so the race
 *    is benign, and the value never changes afterwards.
 *  - A path is forced per call, never globally: esip__msg_parse_path()
 *    takes it as an argument.  Tests and fuzzers use that; nothing they
 *    do changes what other threads get.
 */
#ifndef ESIP_PARSER_SIMD_H
#define ESIP_PARSER_SIMD_H

#include <esip/parser.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "host.h"
#include "scan.h"

#if defined(__x86_64__) || defined(__i386__)
#define ESIP_X86 1
#include <immintrin.h>
#else
#define ESIP_X86 0
#endif

typedef enum esip__scan_path {
	ESIP__PATH_AUTO,   /* the best one this CPU has */
	ESIP__PATH_SCALAR, /* portable C, 8 bytes at a time (SWAR) */
	ESIP__PATH_SSE2,   /* x86: 4 x 16-byte compares per block */
	ESIP__PATH_AVX2,   /* x86 with AVX2 (checked at run time): 2 x 32 */
	ESIP__PATH_REF,    /* the reference: scalar, and the reference value
			    * parsers only (no fast.h) */
	ESIP__PATH__COUNT
} esip__scan_path;

/* The best path of this CPU (never AUTO); resolved once, see above. */
esip__scan_path esip__scan_best(void);
/* This build and CPU can run path (AUTO: always). */
bool esip__scan_path_ok(esip__scan_path path);
/* "auto", "scalar", "sse2", "avx2", "ref"; NULL for no path. */
const char *esip__scan_path_name(esip__scan_path path);

/* esip_msg_parse on the given path; ESIP_EINVAL (nothing parsed, m reset,
 * err set) when the path is not available here. */
int esip__msg_parse_path(esip_msg *m, const char *buf, size_t len, unsigned flags,
			 const esip_parse_limits *lim, esip__scan_path path);

/*
 * Parses buf on every path this CPU has, into scratch header arrays of
 * ESIP__CHECK_HDRS entries, and compares the results with the reference
 * path's: the return value, every field of esip_msg and every header.
 * ESIP__PATH_AUTO (0) when all agree, else the first path that differs.
 * For tests and fuzz targets (fuzz/fuzz_simd.c).
 */
#define ESIP__CHECK_HDRS 256
esip__scan_path esip__msg_paths_disagree(const char *buf, size_t len, unsigned flags,
					 const esip_parse_limits *lim);

/*
 * Vector constants: 32 copies of one byte per row (the bit row: 1 << h
 * for h = 0..7, then 0, in each 16-byte half).  Defined in simd.c on
 * purpose: a constant vector the compiler can see is rebuilt with a
 * broadcast at every inlined use, while a load from here is hoisted or
 * folds into the compare.
 */
enum {
	ESIP__VB_CR,
	ESIP__VB_LF,
	ESIP__VB_COLON,
	ESIP__VB_COMMA,
	ESIP__VB_RANGLE,
	ESIP__VB_DOT,
	ESIP__VB_DASH,
	ESIP__VB_NIBBLE, /* 0x0f */
	ESIP__VB_BITS,
	ESIP__VB__COUNT
};
extern const uint8_t esip__vbyte[ESIP__VB__COUNT][32];
#define ESIP__V128(k) _mm_load_si128((const __m128i *)(const void *)esip__vbyte[k])
#define ESIP__V256(k) _mm256_load_si256((const __m256i *)(const void *)esip__vbyte[k])

/*
 * The line scanners, one per path: the first CR or LF in [p, end), or
 * end; with colon != NULL, *colon is the first ':' before it, or NULL.
 * No load crosses end: the last bytes are done by the narrower steps.
 * Static inline so that msg.c's per-path copies inline them.
 */

/* ---- scalar: 8 bytes per step (SWAR) --------------------------------- */

/* 0x80 in each byte of x equal to c, 0 elsewhere.  Exact for every byte
 * (no borrow crosses bytes, unlike the classic has-zero trick): the high
 * bit of y is set iff the byte of t is non-zero. */
static inline uint64_t esip__bytes_eq(uint64_t x, unsigned char c)
{
	uint64_t t = x ^ (0x0101010101010101ull * c);
	uint64_t y = ((t & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | t;

	return ~y & 0x8080808080808080ull;
}

/* The byte-by-byte tail every path ends with. */
static inline const char *esip__eol_bytes(const char *q, const char *end,
					  const char **colon)
{
	while (q < end && *q != '\r' && *q != '\n') {
		if (colon && *q == ':' && !*colon)
			*colon = q;
		q++;
	}
	return q;
}

/* The first line end and colon of one chunk: eol and col are bit masks
 * of the chunk's bytes (bit i = byte i); q is the chunk.  Returns the line
 * end, or NULL when the chunk has none (the colon is still recorded). */
static inline const char *esip__eol_masks(const char *q, uint64_t eol, uint64_t col,
					  const char **colon)
{
	if (colon && !*colon) {
		if (eol)
			col &= (eol & -eol) - 1; /* only colons before the line end */
		if (col)
			*colon = q + __builtin_ctzll(col);
	}
	return eol ? q + __builtin_ctzll(eol) : NULL;
}

static inline const char *esip__eol_scalar(const char *p, const char *end,
					   const char **colon)
{
	if (colon)
		*colon = NULL;
	while (end - p >= 8) {
		uint64_t x, e, c;
		memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		x = __builtin_bswap64(x); /* byte 0 in the low bits */
#endif
		/* bit 8i+7 marks byte i: ctz / 8 is the byte */
		e = esip__bytes_eq(x, '\r') | esip__bytes_eq(x, '\n');
		c = colon && !*colon ? esip__bytes_eq(x, ':') : 0;
		if (c) {
			if (e)
				c &= (e & -e) - 1; /* only colons before the line end */
			if (c)
				*colon = p + (__builtin_ctzll(c) >> 3);
		}
		if (e)
			return p + (__builtin_ctzll(e) >> 3);
		p += 8;
	}
	return esip__eol_bytes(p, end, colon);
}

#if ESIP_X86
/* ---- SSE2: 16 bytes per step ------------------------------------------- */

__attribute__((target("sse2"), always_inline)) static inline const char *
esip__eol_sse2(const char *p, const char *end, const char **colon)
{
	const __m128i cr = ESIP__V128(ESIP__VB_CR);
	const __m128i lf = ESIP__V128(ESIP__VB_LF);
	const __m128i co = ESIP__V128(ESIP__VB_COLON);

	if (colon)
		*colon = NULL;
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned e = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		unsigned c = colon ? (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, co)) : 0;
		const char *r = esip__eol_masks(p, e, c, colon);
		if (r)
			return r;
		p += 16;
	}
	return esip__eol_bytes(p, end, colon);
}

/* ---- AVX2: 32 bytes per step, then one SSE2 step ------------------------ */

/* Bit i set: octet i of v (32 or 16 bytes) is CR or LF. */
__attribute__((target("avx2"), always_inline)) static inline uint32_t
esip__eolmask_avx2(__m256i v)
{
	return (uint32_t)_mm256_movemask_epi8(
		_mm256_or_si256(_mm256_cmpeq_epi8(v, ESIP__V256(ESIP__VB_CR)),
				_mm256_cmpeq_epi8(v, ESIP__V256(ESIP__VB_LF))));
}

__attribute__((target("avx2"), always_inline)) static inline unsigned
esip__eolmask_avx2_16(__m128i v)
{
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, ESIP__V128(ESIP__VB_CR)),
							_mm_cmpeq_epi8(v, ESIP__V128(ESIP__VB_LF))));
}

/* The line end alone, once the colon is known. */
__attribute__((target("avx2"), always_inline)) static inline const char *
esip__eol_only_avx2(const char *p, const char *end)
{
	while (end - p >= 32) {
		uint32_t e =
			esip__eolmask_avx2(_mm256_loadu_si256((const __m256i *)(const void *)p));
		if (e)
			return p + __builtin_ctz(e);
		p += 32;
	}
	if (end - p >= 16) {
		unsigned e =
			esip__eolmask_avx2_16(_mm_loadu_si128((const __m128i *)(const void *)p));
		if (e)
			return p + __builtin_ctz(e);
		p += 16;
	}
	return esip__eol_bytes(p, end, NULL);
}

/* A header's name and colon fit in the first 32 bytes: once a step has
 * found the colon, the rest looks for the line end alone. */
__attribute__((target("avx2"), always_inline)) static inline const char *
esip__eol_avx2(const char *p, const char *end, const char **colon)
{
	if (!colon)
		return esip__eol_only_avx2(p, end);
	*colon = NULL;
	while (end - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		uint32_t e = esip__eolmask_avx2(v);
		uint32_t c = (uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(v, ESIP__V256(ESIP__VB_COLON)));
		if (e) {
			c &= (e & -e) - 1; /* only colons before the line end */
			if (c)
				*colon = p + __builtin_ctz(c);
			return p + __builtin_ctz(e);
		}
		if (c) {
			*colon = p + __builtin_ctz(c);
			return esip__eol_only_avx2(p + 32, end);
		}
		p += 32;
	}
	if (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned c = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(v, ESIP__V128(ESIP__VB_COLON)));
		const char *r = esip__eol_masks(p, esip__eolmask_avx2_16(v), c, colon);
		if (r)
			return r;
		p += 16;
	}
	return esip__eol_bytes(p, end, colon);
}
#endif


/*
 * Value scans, one pair per path, for the fast value parsers (fast.h):
 *  - span(p, end, rend, cls): the first byte of [p, end) not in class cls
 *    (one CC_* bit of scan.h), or end: scan_class's answer;
 *  - find(p, end, rend, k): the first byte of esip__vbyte row k (a
 *    constant: ESIP__VB_COMMA, ESIP__VB_RANGLE) in [p, end), or end.
 * rend >= end is where the readable input ends: a vector step may look
 * at bytes in [end, rend) and ignore them, never at rend or past it.
 * The scalar path uses the table and memchr; SSE2 has no byte shuffle,
 * so its span is the scalar one and only its find is vector; AVX2 tests
 * 32 bytes of a class with two nibble shuffles (esip__vclass, generated
 * from the same definitions as esip__cc).
 */
typedef const char *(*esip__span_fn)(const char *p, const char *end, const char *rend,
				     unsigned cls);
typedef const char *(*esip__find_fn)(const char *p, const char *end, const char *rend,
				     unsigned k);
/* host(p, end, rend, type): the run of host octets at p (p < end) when
 * it is an IPv4 address or a hostname, as esip__host_scan takes it (an
 * IPv4 address when all of the run is one, else a hostname): returns
 * its end and sets *type; NULL when it is neither. */
typedef const char *(*esip__host_fn)(const char *p, const char *end, const char *rend,
				     uint8_t *type);

/* param(p, end, rend, name, val): one generic-param = token [ "="
 * gen-value ] at p (RFC 3261 25.1) with no LWS and no quoted value, as
 * esip_param_next reads such a one: sets *name and *val (p NULL without
 * '=') and returns its end; NULL when the name, or the value after '=',
 * is empty. */
typedef const char *(*esip__param_fn)(const char *p, const char *end, const char *rend,
				      esip_str *name, esip_str *val);

/* The value scans of a path. */
typedef struct esip__vscan {
	esip__span_fn span;
	esip__find_fn find;
	esip__host_fn host;
	esip__param_fn param;
} esip__vscan;

/* Row k, low nibble l: bit h set when octet (h << 4 | l) is in class
 * bit k, h = 0..7 (gen/parsergen.c). */
extern const uint8_t esip__vclass[ESIP__NCLASS][16];
/* The classes that hold every octet from 0x80 up (UTF8-NONASCII). */
#define ESIP__CC_HIGH CC_QDTEXT

static inline const char *esip__span_scalar(const char *p, const char *end, const char *rend,
					    unsigned cls)
{
	(void)rend;
	return scan_class(p, end, cls);
}

static inline const char *esip__find_scalar(const char *p, const char *end, const char *rend,
					    unsigned k)
{
	const char *q = p < end ? memchr(p, esip__vbyte[k][0], (size_t)(end - p)) : NULL;

	(void)rend;
	return q ? q : end;
}

static inline const char *esip__host_scalar(const char *p, const char *end, const char *rend,
					    uint8_t *type)
{
	const char *q = scan_class(p, end, CC_HOST);

	(void)rend;
	if ((unsigned char)(*p - '0') <= 9 && esip__scan_ipv4(p, q) == q)
		*type = ESIP_HOST_IPV4;
	else if (esip__hostname_ok(p, q))
		*type = ESIP_HOST_NAME;
	else
		return NULL;
	return q;
}

/* The generic-param of param() with two spans of the path (scalar: the
 * class table). */
static inline __attribute__((always_inline)) const char *
esip__param_spans(const char *p, const char *end, const char *rend, esip_str *name,
		  esip_str *val, esip__span_fn span)
{
	const char *q = span(p, end, rend, CC_TOKEN), *v;

	if (q == p)
		return NULL;
	*name = esip_str_make(p, (size_t)(q - p));
	*val = ESIP_STR_NULL;
	if (q < end && *q == '=') {
		v = q + 1;
		q = span(v, end, rend, CC_GENVAL);
		if (q == v)
			return NULL;
		*val = esip_str_make(v, (size_t)(q - v));
	}
	return q;
}

static inline const char *esip__param_scalar(const char *p, const char *end, const char *rend,
					     esip_str *name, esip_str *val)
{
	return esip__param_spans(p, end, rend, name, val, esip__span_scalar);
}

#if ESIP_X86
__attribute__((target("sse2"), always_inline)) static inline const char *
esip__find_sse2(const char *p, const char *end, const char *rend, unsigned k)
{
	const __m128i cv = ESIP__V128(k);
	const char c = (char)esip__vbyte[k][0];

	while (p < end && rend - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cv));
		if (m) {
			p += __builtin_ctz(m);
			return p < end ? p : end;
		}
		p += 16;
	}
	while (p < end && *p != c)
		p++;
	return p < end ? p : end;
}

__attribute__((target("avx2"), always_inline)) static inline const char *
esip__find_avx2(const char *p, const char *end, const char *rend, unsigned k)
{
	const __m256i cv = ESIP__V256(k);
	const char c = (char)esip__vbyte[k][0];

	while (p < end && rend - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, cv));
		if (m) {
			p += __builtin_ctz(m);
			return p < end ? p : end;
		}
		p += 32;
	}
	while (p < end && *p != c)
		p++;
	return p < end ? p : end;
}

/* Bit i set: octet i of v is outside class cls. */
__attribute__((target("avx2"), always_inline)) static inline uint32_t
esip__notin_avx2(__m256i v, unsigned cls)
{
	const __m256i nib = ESIP__V256(ESIP__VB_NIBBLE);
	__m256i row = _mm256_shuffle_epi8(
		_mm256_broadcastsi128_si256(_mm_loadu_si128(
			(const __m128i *)(const void *)esip__vclass[__builtin_ctz(cls)])),
		_mm256_and_si256(v, nib));
	__m256i bit = _mm256_shuffle_epi8(ESIP__V256(ESIP__VB_BITS),
					  _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
	uint32_t out = (uint32_t)_mm256_movemask_epi8(
		_mm256_cmpeq_epi8(_mm256_and_si256(row, bit), _mm256_setzero_si256()));

	if (cls & ESIP__CC_HIGH)
		out &= ~(uint32_t)_mm256_movemask_epi8(v);
	return out;
}

__attribute__((target("avx2"), always_inline)) static inline const char *
esip__span_avx2(const char *p, const char *end, const char *rend, unsigned cls)
{
	while (p < end && rend - p >= 32) {
		uint32_t out =
			esip__notin_avx2(_mm256_loadu_si256((const __m256i *)(const void *)p), cls);
		if (out) {
			p += __builtin_ctz(out);
			return p < end ? p : end;
		}
		p += 32;
	}
	return p < end ? scan_class(p, end, cls) : end;
}

/* Bit i set: octet i of v is outside class cls, from the nibble split
 * of v (lo, and bit = 1 << high nibble) shared between classes. */
__attribute__((target("avx2"), always_inline)) static inline uint32_t
esip__notin_split_avx2(__m256i lo, __m256i bit, unsigned cls)
{
	const __m256i rows = _mm256_broadcastsi128_si256(
		_mm_loadu_si128((const __m128i *)(const void *)esip__vclass[__builtin_ctz(cls)]));

	return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
		_mm256_and_si256(_mm256_shuffle_epi8(rows, lo), bit), _mm256_setzero_si256()));
}

/* One load for a whole parameter of up to 30 octets: the token and
 * gen-value classes share the nibble split; longer ones, and ones near
 * the end of the input, take two spans. */
__attribute__((target("avx2"), always_inline)) static inline const char *
esip__param_avx2(const char *p, const char *end, const char *rend, esip_str *name,
		 esip_str *val)
{
	const __m256i nib = ESIP__V256(ESIP__VB_NIBBLE);
	__m256i v, lo, bit;
	uint32_t nt, ng, n, e, lim;

	if (rend - p < 32)
		return esip__param_spans(p, end, rend, name, val, esip__span_avx2);
	v = _mm256_loadu_si256((const __m256i *)(const void *)p);
	lo = _mm256_and_si256(v, nib);
	bit = _mm256_shuffle_epi8(ESIP__V256(ESIP__VB_BITS),
				  _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
	nt = esip__notin_split_avx2(lo, bit, CC_TOKEN);
	ng = esip__notin_split_avx2(lo, bit, CC_GENVAL);
	lim = end - p < 32 ? (uint32_t)(end - p) : 32;
	if (!nt && end - p > 32)
		return esip__param_spans(p, end, rend, name, val, esip__span_avx2);
	n = nt ? (uint32_t)__builtin_ctz(nt) : 32;
	if (n > lim)
		n = lim;
	if (!n)
		return NULL;
	*name = esip_str_make(p, n);
	*val = ESIP_STR_NULL;
	if (n == lim || p[n] != '=')
		return p + n;
	if (n == 31 || !(ng >>= n + 1)) /* the value goes past the load */
		return esip__param_spans(p, end, rend, name, val, esip__span_avx2);
	e = n + 1 + (uint32_t)__builtin_ctz(ng);
	if (e > lim)
		e = lim;
	if (e == n + 1)
		return NULL;
	*val = esip_str_make(p + n + 1, e - n - 1);
	return p + e;
}

/* esip__scan_ipv4's answer for a run [p, p + n) of digits and dots (dot
 * i: bit i of dots): four parts of 1 to 3 digits, each up to 255. */
static inline bool esip__ipv4_dots(const char *p, uint32_t n, uint32_t dots)
{
	uint32_t start = 0, part, e, len;

	for (part = 0; part < 4; part++) {
		if (part < 3) {
			if (!dots)
				return false;
			e = (uint32_t)__builtin_ctz(dots);
			dots &= dots - 1;
		} else {
			if (dots)
				return false;
			e = n;
		}
		len = e - start;
		if (len - 1 > 2)
			return false;
		if (len == 3 && (unsigned)(p[start] - '0') * 100 + (unsigned)(p[start + 1] - '0') * 10 +
					(unsigned)(p[start + 2] - '0') >
				 255)
			return false;
		start = e + 1;
	}
	return true;
}

/*
 * A host of up to 31 octets from one 32-byte load: its extent, then the
 * hostname rules of esip__hostname_ok as bit masks (no empty label, no
 * '-' at either end of a label, the top label begins with a letter; the
 * RFC 1035 lengths cannot be exceeded), or, for a run of digits and dots,
 * the IPv4 rules from the dot positions.  Longer hosts and hosts near the end of the input
 * take the scalar path.
 */
__attribute__((target("avx2"), always_inline)) static inline const char *
esip__host_avx2(const char *p, const char *end, const char *rend, uint8_t *type)
{
	__m256i v;
	uint32_t out, n, k, all, dots, dash, bad;
	int top;

	if (rend - p < 32)
		return esip__host_scalar(p, end, rend, type);
	v = _mm256_loadu_si256((const __m256i *)(const void *)p);
	out = esip__notin_avx2(v, CC_HOST);
	if (!out)
		return esip__host_scalar(p, end, rend, type);
	n = (uint32_t)__builtin_ctz(out);
	if (n > (uint32_t)(end - p))
		n = (uint32_t)(end - p);
	if (!n)
		return NULL;
	all = (1u << n) - 1;
	dots = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, ESIP__V256(ESIP__VB_DOT))) & all;
	if ((unsigned char)(*p - '0') <= 9 &&
	    ((~esip__notin_avx2(v, CC_DIGIT) | dots) & all) == all) {
		if (!esip__ipv4_dots(p, n, dots))
			return NULL;
		*type = ESIP_HOST_IPV4;
		return p + n;
	}
	/* a trailing dot ends a fully qualified name */
	k = (dots >> (n - 1)) & 1 ? n - 1 : n;
	if (!k)
		return NULL;
	all = (1u << k) - 1;
	dots &= all;
	dash = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, ESIP__V256(ESIP__VB_DASH))) &
	       all;
	/* empty labels; '-' first or last in a label */
	bad = (dots & ((dots >> 1) | 1u | 1u << (k - 1))) |
	      (dash & (dots << 1 | dots >> 1 | 1u | 1u << (k - 1)));
	top = dots ? 32 - __builtin_clz(dots) : 0;
	if (bad || !cc((unsigned char)p[top], CC_ALPHA))
		return NULL;
	*type = ESIP_HOST_NAME;
	return p + n;
}
#endif

#endif
