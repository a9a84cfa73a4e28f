/*
 * scan.h - character classes and scanning primitives shared by every parser
 * module (internal to src/parser).
 *
 * All scanners take [p, end) and return a pointer in [p, end]; none reads
 * at or past `end`, none needs a NUL terminator, none writes.
 *
 * Character classes follow the RFC 3261 25.1 ABNF; the table is generated
 * at build time (gen/parsergen.c): a const array, no runtime init.
 */
#ifndef ESIP_PARSER_SCAN_H
#define ESIP_PARSER_SCAN_H

#include <esip/core.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
	CC_TOKEN = 1u << 0,  /* token: alphanum - . ! % * _ + ` ' ~ */
	CC_WORD = 1u << 1,   /* word: token ( ) < > : \ " / [ ] ? { } */
	CC_UNRES = 1u << 2,  /* unreserved: alphanum mark */
	CC_USER = 1u << 3,   /* user: unreserved user-unreserved (escaped apart) */
	CC_PASS = 1u << 4,   /* password: unreserved & = + $ , */
	CC_PARAM = 1u << 5,  /* paramchar: unreserved param-unreserved */
	CC_HNV = 1u << 6,    /* hname/hvalue: unreserved hnv-unreserved */
	CC_HOST = 1u << 7,   /* hostname: alphanum - . */
	CC_DIGIT = 1u << 8,
	CC_HEX = 1u << 9,
	CC_ALPHA = 1u << 10,
	CC_WS = 1u << 11,    /* SP HTAB */
	CC_QDTEXT = 1u << 12,/* qdtext: LWS %x21 %x23-5B %x5D-7E UTF8-NONASCII */
	CC_URIC = 1u << 13,  /* uric: reserved unreserved (escaped apart) */
	CC_SCHEME = 1u << 14,/* scheme chars after the first: alpha digit + - . */
	CC_LWS = 1u << 15,   /* SP HTAB CR LF */
	CC_GENVAL = 1u << 16 /* gen-value of a header param: token, host chars
			      * ':' '[' ']' (RFC 3261 25.1 gen-value) */
};
#define ESIP__NCLASS 17 /* class bits above */

/* The class of every octet; generated at build time by gen/parsergen.c,
 * which holds the definitions of the classes above. */
extern const uint32_t esip__cc[256];

static inline bool cc(unsigned char c, unsigned cls) { return (esip__cc[c] & cls) != 0; }

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* ---- generic scanners --------------------------------------------- */

/* First byte in [p,end) not in class cls.  Four bytes per bound check:
 * the scans of tokens, hosts and Call-IDs are this parser's hottest
 * loops, and most runs are longer than four bytes. */
static inline const char *scan_class(const char *p, const char *end, unsigned cls)
{
	while (end - p >= 4) {
		if (!cc((unsigned char)p[0], cls))
			return p;
		if (!cc((unsigned char)p[1], cls))
			return p + 1;
		if (!cc((unsigned char)p[2], cls))
			return p + 2;
		if (!cc((unsigned char)p[3], cls))
			return p + 3;
		p += 4;
	}
	while (p < end && cc((unsigned char)*p, cls))
		p++;
	return p;
}

static inline const char *scan_token(const char *p, const char *end)
{
	return scan_class(p, end, CC_TOKEN);
}

/* Skips LWS: SP, HTAB and the CR/LF of folded lines (header values handed
 * to value parsers only contain CR/LF as part of folding). */
static inline const char *skip_lws(const char *p, const char *end)
{
	return scan_class(p, end, CC_LWS);
}

/* Trims LWS from the end of [p, e). */
static inline const char *rtrim_lws(const char *p, const char *e)
{
	while (e > p && cc((unsigned char)e[-1], CC_LWS))
		e--;
	return e;
}

/*
 * p points at '"'.  Returns the byte after the closing quote, or NULL if
 * the quoted-string is unterminated (RFC 4475 3.1.2.6).  quoted-pair is
 * "\" followed by any octet but CR/LF; qdtext also admits UTF-8.
 */
static inline const char *scan_quoted(const char *p, const char *end)
{
	p++;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
				return NULL;
			p += 2;
			continue;
		}
		if (!cc(c, CC_QDTEXT))
			return NULL;
		p++;
	}
	return NULL;
}

/*
 * Scans chars of class cls or %HH escapes (RFC 3261 "escaped").  Returns
 * the first byte that is neither; sets *bad if a '%' is not followed by
 * two hex digits (the scan stops at that '%').
 */
static inline const char *scan_escaped(const char *p, const char *end, unsigned cls,
				       bool *bad)
{
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == '%') {
			if (end - p < 3 || !cc((unsigned char)p[1], CC_HEX) ||
			    !cc((unsigned char)p[2], CC_HEX)) {
				*bad = true;
				return p;
			}
			p += 3;
		} else if (cc(c, cls)) {
			p++;
		} else {
			break;
		}
	}
	return p;
}

/*
 * 1*DIGIT as an unsigned value in one pass.  Returns the first non-digit;
 * *v saturates and *over is set when the value exceeds max.  Leading zeros
 * are fine ("0068", RFC 4475 3.1.1.1); the digit count is unbounded.
 */
static inline const char *scan_uint(const char *p, const char *end, uint64_t max,
				    uint64_t *v, bool *over)
{
	uint64_t x = 0;

	*over = false;
	while (p < end && (unsigned char)(*p - '0') <= 9) {
		x = x * 10 + (uint64_t)(*p++ - '0');
		if (x > max) {
			*over = true;
			x = max;
		}
	}
	*v = x;
	return p;
}

/* The whole view is 1*DIGIT <= max. */
static inline bool str_to_uint(esip_str s, uint64_t max, uint64_t *v)
{
	bool over;

	return s.len && scan_uint(s.p, s.p + s.len, max, v, &over) == s.p + s.len && !over;
}

/* ASCII case-insensitive compare of n bytes (n known to be available). */
static inline bool ci_eq(const char *a, const char *lit, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)lit[i]))
			return false;
	return true;
}

/*
 * s equals a lower-case, letters-only literal, ignoring case.  For letters
 * (c | 0x20) == l holds exactly for c == l and c == l - 32, so one OR per
 * byte is an exact case-insensitive test; the literal MUST be lower-case
 * letters only (param and scheme names: "branch", "tag", "sip" ...).
 */
static inline bool str_ieq_alpha(esip_str s, const char *lit, size_t n)
{
	size_t i;

	if (s.len != n)
		return false;
	for (i = 0; i < n; i++)
		if (((unsigned char)s.p[i] | 0x20) != (unsigned char)lit[i])
			return false;
	return true;
}
#define STR_IEQ_ALPHA(s, lit) str_ieq_alpha((s), "" lit, sizeof(lit) - 1)

/* s equals any literal, ignoring ASCII case. */
static inline bool str_ieq_lit(esip_str s, const char *lit, size_t n)
{
	return s.len == n && ci_eq(s.p, lit, n);
}
#define STR_IEQ(s, lit) str_ieq_lit((s), "" lit, sizeof(lit) - 1)

/* One past the last byte of s; for an absent view (p == NULL) it is NULL,
 * without the undefined NULL + 0 arithmetic. */
static inline const char *str_end(esip_str s) { return s.len ? s.p + s.len : s.p; }

/* The 8 bytes at p (8 readable) as a little-endian word. */
static inline uint64_t ld64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline esip_str mkstr(const char *p, const char *e)
{
	esip_str s = {p, (size_t)(e - p)};
	return s;
}

/* ---- shared small grammars ------------------------------------------ */

/* A header value handed to a value parser, LWS-trimmed into [*p, *end);
 * false if the view is absent. */
static inline bool value_bounds(esip_str s, const char **p, const char **end)
{
	if (!s.p)
		return false;
	*p = skip_lws(s.p, s.p + s.len);
	*end = rtrim_lws(*p, s.p + s.len);
	return true;
}

/* A whole non-empty token: an unquoted value the grammar wants as token
 * (tags, option-tags, reasons). */
static inline bool str_is_token(esip_str v)
{
	return v.len && scan_token(v.p, v.p + v.len) == v.p + v.len;
}

/* callid = word [ "@" word ] (RFC 3261 25.1): true if [p, end) is one. */
static inline bool callid_ok(const char *p, const char *end)
{
	const char *q = scan_class(p, end, CC_WORD);

	if (q == p)
		return false;
	if (q < end && *q == '@') {
		const char *w = q + 1;
		q = scan_class(w, end, CC_WORD);
		if (q == w)
			return false;
	}
	return q == end;
}

/*
 * token-nodot *( "." token-nodot ): RFC 6665 8.4 event-type (a package and
 * its templates) and RFC 3892 dot-atom (atom is the same character set).
 * token chars are token-nodot plus '.', so this is a token without empty
 * dot-separated parts.  Returns the byte after it, or p if there is none.
 */
static inline const char *scan_dot_tokens(const char *p, const char *end)
{
	const char *q = scan_token(p, end), *r;

	if (q == p || *p == '.' || q[-1] == '.')
		return p;
	for (r = p + 1; r < q; r++)
		if (r[0] == '.' && r[-1] == '.')
			return p;
	return q;
}

/* ---- line ends ------------------------------------------------------ */

/*
 * First CR or LF in [p, end), or end.  SSE2 compares 16 bytes at a time
 * (baseline on x86-64); other targets use memchr-style scalar code.  Loads
 * never cross `end`: the last partial block is done byte by byte.
 */
static inline const char *find_eol(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i cr = _mm_set1_epi8('\r');
	const __m128i lf = _mm_set1_epi8('\n');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned mask = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < end && *p != '\r' && *p != '\n')
		p++;
	return p;
}

/*
 * One pass over a header line: returns the first CR or LF in [p, end) (or
 * end) and sets *colon to the first ':' before it (or NULL).  The name and
 * the colon of almost every header fit in the first 16 bytes, so the SSE2
 * path finds both with the same loads that find the line end.
 */
static inline const char *find_eol_colon(const char *p, const char *end,
					  const char **colon)
{
	const char *q = p;

	*colon = NULL;
#if defined(__SSE2__)
	{
		const __m128i cr = _mm_set1_epi8('\r');
		const __m128i lf = _mm_set1_epi8('\n');
		const __m128i co = _mm_set1_epi8(':');

		while (end - q >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
			unsigned eol = (unsigned)_mm_movemask_epi8(
				_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
			if (!*colon) {
				unsigned c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, co));
				/* only colons before the line end count */
				if (eol)
					c &= (eol & -eol) - 1;
				if (c)
					*colon = q + __builtin_ctz(c);
			}
			if (eol)
				return q + __builtin_ctz(eol);
			q += 16;
		}
	}
#endif
	while (q < end && *q != '\r' && *q != '\n') {
		if (*q == ':' && !*colon)
			*colon = q;
		q++;
	}
	return q;
}

/* Length of the line terminator at p (CRLF = 2, bare LF or CR = 1); p < end
 * and *p is CR or LF.  A CR at the very end of the input counts 1 (the
 * caller decides if that is complete). */
static inline size_t eol_len(const char *p, const char *end)
{
	return (p[0] == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
}

#endif /* ESIP_PARSER_SCAN_H */
