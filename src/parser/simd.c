/*
 * simd.c - which vector path this CPU runs (simd.h): probed once, cached
 * in one atomic, read-only afterwards.
 */
#include "simd.h"

#include <stdatomic.h>
#include <string.h>

#define ROW(c)                                                                        \
	{c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c,                             \
	 c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c}
_Alignas(32) const uint8_t esip__vbyte[ESIP__VB__COUNT][32] = {
	[ESIP__VB_CR] = ROW('\r'),
	[ESIP__VB_LF] = ROW('\n'),
	[ESIP__VB_COLON] = ROW(':'),
	[ESIP__VB_COMMA] = ROW(','),
	[ESIP__VB_RANGLE] = ROW('>'),
	[ESIP__VB_DOT] = ROW('.'),
	[ESIP__VB_DASH] = ROW('-'),
	[ESIP__VB_NIBBLE] = ROW(0x0f),
	[ESIP__VB_BITS] = {1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0,
			   1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0},
};
#undef ROW

#if ESIP_X86
/* __builtin_cpu_supports reads what libgcc's (or compiler-rt's) start-up
 * constructor read with cpuid, including the OS's XSAVE state for AVX;
 * the parser never runs before constructors, so no __builtin_cpu_init. */
static bool have_sse2(void) { return __builtin_cpu_supports("sse2"); }
static bool have_avx2(void) { return __builtin_cpu_supports("avx2"); }
#endif

bool esip__scan_path_ok(esip__scan_path path)
{
	switch (path) {
	case ESIP__PATH_AUTO:
	case ESIP__PATH_SCALAR:
	case ESIP__PATH_REF:
		return true;
#if ESIP_X86
	case ESIP__PATH_SSE2:
		return have_sse2();
	case ESIP__PATH_AVX2:
		return have_avx2();
#endif
	default:
		return false;
	}
}

const char *esip__scan_path_name(esip__scan_path path)
{
	static const char *const names[ESIP__PATH__COUNT] = {"auto", "scalar", "sse2",
							     "avx2", "ref"};

	return (unsigned)path < ESIP__PATH__COUNT ? names[path] : NULL;
}

esip__scan_path esip__scan_best(void)
{
	/* 0 (AUTO) until the first call, then the same answer for the life
	 * of the process */
	static atomic_int best;
	int b = atomic_load_explicit(&best, memory_order_acquire);

	if (b == ESIP__PATH_AUTO) {
		b = esip__scan_path_ok(ESIP__PATH_AVX2)	  ? ESIP__PATH_AVX2
		    : esip__scan_path_ok(ESIP__PATH_SSE2) ? ESIP__PATH_SSE2
							  : ESIP__PATH_SCALAR;
		atomic_store_explicit(&best, b, memory_order_release);
	}
	return (esip__scan_path)b;
}

/* The two parses are of the same bytes into zeroed structures, so equal
 * results are equal byte for byte (views point into the same buffer;
 * padding stays zero), apart from the header arrays' own addresses. */
static bool same_msg(const esip_msg *a, const esip_msg *b)
{
	esip_msg x = *b;
	uint32_t i;

	x.hdrs = a->hdrs;
	if (memcmp(a, &x, sizeof x))
		return false;
	for (i = 0; i < a->nhdrs; i++) {
		const esip_hdr *p = &a->hdrs[i], *q = &b->hdrs[i];
		if (p->id != q->id || p->name.p != q->name.p || p->name.len != q->name.len ||
		    p->value.p != q->value.p || p->value.len != q->value.len)
			return false;
	}
	return true;
}

esip__scan_path esip__msg_paths_disagree(const char *buf, size_t len, unsigned flags,
					 const esip_parse_limits *lim)
{
	esip_hdr ref_hdrs[ESIP__CHECK_HDRS], hdrs[ESIP__CHECK_HDRS];
	esip_msg ref, m;
	int ref_rc, rc, path;

	memset(&ref, 0, sizeof ref);
	esip_msg_init(&ref, ref_hdrs, ESIP__CHECK_HDRS);
	ref_rc = esip__msg_parse_path(&ref, buf, len, flags, lim, ESIP__PATH_REF);
	for (path = ESIP__PATH_SCALAR; path < ESIP__PATH_REF; path++) {
		if (!esip__scan_path_ok((esip__scan_path)path))
			continue;
		memset(&m, 0, sizeof m);
		esip_msg_init(&m, hdrs, ESIP__CHECK_HDRS);
		rc = esip__msg_parse_path(&m, buf, len, flags, lim, (esip__scan_path)path);
		if (rc != ref_rc || !same_msg(&ref, &m))
			return (esip__scan_path)path;
	}
	return ESIP__PATH_AUTO;
}
