/* str.c - string view helpers: equality, trimming, decimal conversion. */
#include <esip/core.h>

#include <string.h>

static inline unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

esip_str esip_str_cstr(const char *s)
{
	esip_str v = {s, s ? strlen(s) : 0};
	return v;
}

bool esip_str_eq(esip_str a, esip_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool esip_str_ieq(esip_str a, esip_str b)
{
	size_t i;

	if (a.len != b.len)
		return false;
	for (i = 0; i < a.len; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return false;
	return true;
}

bool esip_str_ieq_cstr(esip_str a, const char *lit)
{
	return esip_str_ieq(a, esip_str_cstr(lit));
}

bool esip_str_eq_cstr(esip_str a, const char *lit)
{
	return esip_str_eq(a, esip_str_cstr(lit));
}

int esip_str_cmp(esip_str a, esip_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.p, b.p, n) : 0;

	if (c)
		return c;
	return (a.len > b.len) - (a.len < b.len);
}

bool esip_str_iprefix(esip_str s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.len >= n && esip_str_ieq(esip_str_make(s.p, n),
					  esip_str_make(prefix, n));
}

esip_str esip_str_sub(esip_str s, size_t off, size_t n)
{
	if (off > s.len)
		off = s.len;
	if (n > s.len - off)
		n = s.len - off;
	return esip_str_make(s.p ? s.p + off : NULL, n);
}

static inline bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

esip_str esip_str_trim(esip_str s)
{
	while (s.len && is_lws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_lws(s.p[s.len - 1]))
		s.len--;
	return s;
}

int esip_str_to_u64(esip_str s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s.len)
		return ESIP_EINVAL;
	for (i = 0; i < s.len; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9)
			return ESIP_EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return ESIP_ELIMIT;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int esip_str_to_u32(esip_str s, uint32_t *out)
{
	uint64_t v;
	int rc;

	/* longer than 20 digits cannot be a u64 unless zero-padded: check
	 * digits first so that "000...0001" (any length) still converts */
	rc = esip_str_to_u64(s, &v);
	if (rc)
		return rc;
	if (v > UINT32_MAX)
		return ESIP_ELIMIT;
	*out = (uint32_t)v;
	return 0;
}

/* Next unescaped byte of a quoted-string body or token; returns false at
 * the end.  *i indexes into s (quotes already stripped by the caller). */
static bool next_qchar(esip_str s, size_t *i, unsigned char *c)
{
	if (*i >= s.len)
		return false;
	if (s.p[*i] == '\\' && *i + 1 < s.len)
		(*i)++;
	*c = (unsigned char)s.p[(*i)++];
	return true;
}

static esip_str unquote_view(esip_str s, bool *quoted)
{
	*quoted = s.len >= 2 && s.p[0] == '"' && s.p[s.len - 1] == '"';
	if (*quoted) {
		s.p++;
		s.len -= 2;
	}
	return s;
}

bool esip_str_quoted_eq(esip_str a, esip_str b, bool ci)
{
	bool qa, qb;
	size_t i = 0, j = 0;
	unsigned char ca, cb;

	a = unquote_view(a, &qa);
	b = unquote_view(b, &qb);
	for (;;) {
		bool ha = qa ? next_qchar(a, &i, &ca)
			     : (i < a.len ? (ca = (unsigned char)a.p[i++], true) : false);
		bool hb = qb ? next_qchar(b, &j, &cb)
			     : (j < b.len ? (cb = (unsigned char)b.p[j++], true) : false);
		if (!ha || !hb)
			return ha == hb;
		if (ci ? lower(ca) != lower(cb) : ca != cb)
			return false;
	}
}
