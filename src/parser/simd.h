/*
 * simd.h - the parser's vector paths and how one is chosen (internal to
 * src/parser; tests and fuzz targets include it to force a path).
 *
 * What is vectorised: the structural scan of the start line and header
 * section, i.e. finding each line end (CR or LF) and, on the first line
 * of a header field, its colon, in one pass: 8 bytes per step in the
 * scalar path (SWAR), 16 with SSE2, 32 with AVX2.  Every path returns the
 * same pointers, so every path gives the same esip_msg: fuzz/fuzz_simd.c
 * parses each input on each path and compares the whole result, and
 * tests/parser/test_simd.c checks the scanners against a byte loop.
 *
 * msg.c compiles its line walk once per path with that path's scanner
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
	ESIP__PATH__COUNT
} esip__scan_path;

/* The best path of this CPU (never AUTO); resolved once, see above. */
esip__scan_path esip__scan_best(void);
/* This build and CPU can run path (AUTO: always). */
bool esip__scan_path_ok(esip__scan_path path);
/* "auto", "scalar", "sse2", "avx2"; NULL for no path. */
const char *esip__scan_path_name(esip__scan_path path);

/* esip_msg_parse on the given path; ESIP_EINVAL (nothing parsed, m reset,
 * err set) when the path is not available here. */
int esip__msg_parse_path(esip_msg *m, const char *buf, size_t len, unsigned flags,
			 const esip_parse_limits *lim, esip__scan_path path);

/*
 * Parses buf on every path this CPU has, into scratch header arrays of
 * ESIP__CHECK_HDRS entries, and compares the results with the scalar
 * path's: the return value, every field of esip_msg and every header.
 * ESIP__PATH_AUTO (0) when all agree, else the first path that differs.
 * For tests and fuzz targets (fuzz/fuzz_simd.c).
 */
#define ESIP__CHECK_HDRS 256
esip__scan_path esip__msg_paths_disagree(const char *buf, size_t len, unsigned flags,
					 const esip_parse_limits *lim);

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

__attribute__((target("sse2"))) static inline const char *
esip__eol_sse2(const char *p, const char *end, const char **colon)
{
	const __m128i cr = _mm_set1_epi8('\r');
	const __m128i lf = _mm_set1_epi8('\n');
	const __m128i co = _mm_set1_epi8(':');

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

__attribute__((target("avx2"))) static inline const char *
esip__eol_avx2(const char *p, const char *end, const char **colon)
{
	const __m256i cr = _mm256_set1_epi8('\r');
	const __m256i lf = _mm256_set1_epi8('\n');
	const __m256i co = _mm256_set1_epi8(':');

	if (colon)
		*colon = NULL;
	while (end - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		uint32_t e = (uint32_t)_mm256_movemask_epi8(
			_mm256_or_si256(_mm256_cmpeq_epi8(v, cr), _mm256_cmpeq_epi8(v, lf)));
		uint32_t c = colon ? (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, co)) : 0;
		const char *r = esip__eol_masks(p, e, c, colon);
		if (r)
			return r;
		p += 32;
	}
	if (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned e = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
		unsigned c = colon ? (unsigned)_mm_movemask_epi8(
					     _mm_cmpeq_epi8(v, _mm_set1_epi8(':')))
				   : 0;
		const char *r = esip__eol_masks(p, e, c, colon);
		if (r)
			return r;
		p += 16;
	}
	return esip__eol_bytes(p, end, colon);
}
#endif

#endif
