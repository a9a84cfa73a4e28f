/*
 * fuzz_replaces.c - Replaces (RFC 3891) as a header value, and the way a
 * transfer target receives it: escaped into the Refer-To URI.  The input
 * is (1) parsed as a Replaces value, (2) parsed as a Refer-To value whose
 * URI's Replaces header is decoded and parsed, and (3) percent-encoded
 * into "<sip:t@example.com?Replaces=...>", which must decode back to the
 * input and parse exactly as (1) did.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void decode_and_parse(const esip_nameaddr *na)
{
	esip_uri u;
	esip_replaces r;
	char dec[4096];
	long n;

	if (esip_uri_parse(na->uri, &u))
		return;
	n = esip_uri_header(&u, "Replaces", dec, sizeof dec);
	if (n >= 0)
		(void)esip_replaces_parse(esip_str_make(dec, (size_t)n), &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pre[] = "<sip:t@example.com?Replaces=", hex[] = "0123456789ABCDEF";
	char *in = malloc(size ? size : 1), *enc = malloc(sizeof pre + 3 * size + 1), *dec;
	esip_replaces r1, r2;
	esip_nameaddr na;
	esip_uri u;
	size_t i, len;
	int rc1, rc2;
	long n;

	if (!in || !enc)
		goto out;
	memcpy(in, data, size);
	rc1 = esip_replaces_parse(esip_str_make(in, size), &r1);
	if (esip_refer_to_parse(esip_str_make(in, size), &na) == 0)
		decode_and_parse(&na);

	/* escape everything but unreserved characters */
	memcpy(enc, pre, sizeof pre - 1);
	len = sizeof pre - 1;
	for (i = 0; i < size; i++) {
		unsigned char c = data[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' ||
		    c == '\'' || c == '(' || c == ')') {
			enc[len++] = (char)c;
		} else {
			enc[len++] = '%';
			enc[len++] = hex[c >> 4];
			enc[len++] = hex[c & 15];
		}
	}
	enc[len++] = '>';
	/* any bytes, escaped, make a valid URI header value */
	assert(esip_refer_to_parse(esip_str_make(enc, len), &na) == 0);
	assert(esip_uri_parse(na.uri, &u) == 0);
	dec = malloc(size ? size : 1);
	if (!dec)
		goto out;
	n = esip_uri_header(&u, "Replaces", dec, size);
	assert(n == (long)size && !memcmp(dec, data, size));
	rc2 = esip_replaces_parse(esip_str_make(dec, size), &r2);
	assert(rc1 == rc2);
	if (!rc1) {
		assert(r1.call_id.len == r2.call_id.len && r1.to_tag.len == r2.to_tag.len &&
		       r1.from_tag.len == r2.from_tag.len && r1.early_only == r2.early_only);
		assert(!memcmp(r1.call_id.p, r2.call_id.p, r1.call_id.len));
	}
	free(dec);
out:
	free(in);
	free(enc);
	return 0;
}
