/*
 * value.c - Digest parameter values between their two forms: as written
 * in a header (a quoted-string with quotes and quoted-pairs, or a token)
 * and plain (what RFC 7616 calls unq(X), what the hashes see).  Hashing
 * and comparing work on the written form directly, so verifying a
 * request copies nothing.
 */
#include "auth_int.h"

#include <string.h>

esip_str esip__auth_unquote(esip_str v, bool *quoted)
{
	*quoted = v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"';
	if (*quoted) {
		v.p++;
		v.len -= 2;
	}
	return v;
}

void esip__auth_feed_fn(void (*update)(void *ctx, const void *p, size_t n), void *ctx,
			esip_str v, bool as_written)
{
	const char *p, *run, *end;
	bool quoted = false;

	if (as_written)
		v = esip__auth_unquote(v, &quoted);
	if (!quoted) {
		update(ctx, v.p, v.len);
		return;
	}
	/* RFC 3261 25.1 quoted-pair: '\' and the character after it stand
	 * for that character */
	end = v.p + v.len;
	for (p = run = v.p; p < end; p++) {
		if (*p != '\\' || p + 1 == end)
			continue;
		update(ctx, run, (size_t)(p - run));
		run = ++p; /* the escaped character starts the next run */
	}
	update(ctx, run, (size_t)(end - run));
}

static void digest_update(void *d, const void *p, size_t n) { esip_digest_update(d, p, n); }

void esip__auth_feed(esip_digest *d, esip_str v, bool as_written)
{
	esip__auth_feed_fn(digest_update, d, v, as_written);
}

/* The next byte of unq(v); false at the end. */
static bool next_unq(esip_str v, bool quoted, size_t *i, char *c)
{
	if (*i >= v.len)
		return false;
	if (quoted && v.p[*i] == '\\' && *i + 1 < v.len)
		(*i)++;
	*c = v.p[(*i)++];
	return true;
}

long esip__auth_unq_copy(esip_str v, char *out, size_t cap)
{
	bool quoted;
	size_t i = 0, n = 0;
	char c;

	v = esip__auth_unquote(v, &quoted);
	while (next_unq(v, quoted, &i, &c)) {
		if (n == cap)
			return ESIP_ELIMIT;
		out[n++] = c;
	}
	return (long)n;
}

bool esip__auth_unq_eq(esip_str a, esip_str b)
{
	bool quoted;
	size_t i = 0, j = 0;
	char c;

	a = esip__auth_unquote(a, &quoted);
	while (next_unq(a, quoted, &i, &c))
		if (j == b.len || b.p[j++] != c)
			return false;
	return j == b.len;
}

void esip__auth_put_quoted(esip_buf *b, esip_str v)
{
	const char *p, *run, *end = v.p + v.len;

	esip_buf_putc(b, '"');
	for (p = run = v.p; p < end; p++) {
		if (*p != '"' && *p != '\\')
			continue;
		esip_buf_put(b, run, (size_t)(p - run));
		esip_buf_putc(b, '\\');
		run = p; /* the character itself starts the next run */
	}
	esip_buf_put(b, run, (size_t)(end - run));
	esip_buf_putc(b, '"');
}

bool esip__auth_unquotable(esip_str s)
{
	size_t i;

	/* RFC 3261 25.1: qdtext has no control characters but HT, and a
	 * quoted-pair cannot carry CR or LF: refuse them all rather than
	 * escape some */
	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

int esip__auth_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void esip__auth_nc_hex(uint32_t nc, char out[9])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 8; i++)
		out[i] = hex[(nc >> (28 - 4 * i)) & 15];
	out[8] = '\0';
}
