/*
 * simd.h - the parser's vector paths and how one is chosen (internal to
 * src/parser; tests and fuzz targets include it to force a path).
 *
 * What is vectorised: the structural scan of the start line and header
 * section.  A block classifier turns 64 input bytes into two bit masks
 * (CR/LF, ':'); msg.c walks lines and colons with count-trailing-zeros on
 * those masks instead of looking at each byte.  Every path computes the
 * same masks, so every path gives the same esip_msg: fuzz/fuzz_simd.c
 * parses each input on each path and compares the whole result, and
 * tests/parser/test_simd.c checks the classifiers against each other.
 *
 * msg.c compiles its line walk once per path with that path's classifier
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
 * The block classifiers: each reads the 64 bytes at p (all readable) and
 * sets bit i of *eol when p[i] is CR or LF, bit i of *colon when p[i] is
 * ':'.  Static inline so that msg.c's per-path copies inline them.
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

/* The high bits of the 8 bytes of m (0x80 or 0) as an 8-bit mask, byte 0
 * in bit 0: the multiply moves bit 8k+7 to bit 56+k without carries. */
static inline unsigned esip__gather8(uint64_t m)
{
	return (unsigned)(((m >> 7) * 0x0102040810204080ull) >> 56);
}

static inline void esip__block_scalar(const char *p, uint64_t *eol, uint64_t *colon)
{
	uint64_t e = 0, c = 0;
	unsigned i;

	for (i = 0; i < 8; i++) {
		uint64_t x;
		memcpy(&x, p + 8 * i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		x = __builtin_bswap64(x); /* byte 0 in the low bits */
#endif
		e |= (uint64_t)esip__gather8(esip__bytes_eq(x, '\r') | esip__bytes_eq(x, '\n'))
		     << (8 * i);
		c |= (uint64_t)esip__gather8(esip__bytes_eq(x, ':')) << (8 * i);
	}
	*eol = e;
	*colon = c;
}

#if ESIP_X86
/* ---- SSE2: 4 x 16 bytes ------------------------------------------------ */

__attribute__((target("sse2"))) static inline void
esip__block_sse2(const char *p, uint64_t *eol, uint64_t *colon)
{
	const __m128i cr = _mm_set1_epi8('\r');
	const __m128i lf = _mm_set1_epi8('\n');
	const __m128i co = _mm_set1_epi8(':');
	uint64_t e = 0, c = 0;
	unsigned i;

	for (i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		e |= (uint64_t)(unsigned)_mm_movemask_epi8(
			     _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)))
		     << (16 * i);
		c |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, co)) << (16 * i);
	}
	*eol = e;
	*colon = c;
}

/* ---- AVX2: 2 x 32 bytes ------------------------------------------------ */

__attribute__((target("avx2"))) static inline void
esip__block_avx2(const char *p, uint64_t *eol, uint64_t *colon)
{
	const __m256i cr = _mm256_set1_epi8('\r');
	const __m256i lf = _mm256_set1_epi8('\n');
	const __m256i co = _mm256_set1_epi8(':');
	__m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	uint32_t elo = (uint32_t)_mm256_movemask_epi8(
		_mm256_or_si256(_mm256_cmpeq_epi8(lo, cr), _mm256_cmpeq_epi8(lo, lf)));
	uint32_t ehi = (uint32_t)_mm256_movemask_epi8(
		_mm256_or_si256(_mm256_cmpeq_epi8(hi, cr), _mm256_cmpeq_epi8(hi, lf)));

	*eol = (uint64_t)ehi << 32 | elo;
	*colon = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, co)) << 32 |
		 (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, co));
}
#endif

#endif
