/*
 * uri_hdr.c - URI headers (RFC 3261 19.1.1 "headers"):
 *
 *   headers = "?" header *( "&" header ),  header = hname "=" hvalue
 *
 * Both hname and hvalue may be escaped.  The typical reader is REFER:
 * Refer-To: <sip:bob@example.org?Replaces=12345%40host%3Bto-tag%3D1...>
 * carries a whole Replaces header value (RFC 3891 3, RFC 3515 2.1), which
 * must be percent-decoded before esip_replaces_parse can read it.
 */
#include "parse_int.h"
#include "scan.h"

/* Longer than any name in headers.def: a longer hname is not a known
 * header, so it is never a compact form either. */
#define HNAME_MAX 32

/* The header id of an escaped hname (ESIP_HDR_OTHER if unknown). */
static esip_hdr_id hname_id(esip_str n)
{
	char buf[HNAME_MAX];
	long len = esip_pct_decode(n, buf, sizeof buf);

	if (len <= 0)
		return ESIP_HDR_OTHER;
	return esip_hdr_lookup(esip_str_make(buf, (size_t)len));
}

bool esip__uri_hname_eq(esip_str a, esip_str b)
{
	esip_hdr_id ia = hname_id(a), ib = hname_id(b);

	/* RFC 3261 7.3.3: a compact form is equivalent to its full name */
	if (ia != ESIP_HDR_OTHER || ib != ESIP_HDR_OTHER)
		return ia == ib;
	/* RFC 3261 7.3.1: header names are case-insensitive */
	return esip_pct_eq(a, b, true);
}

long esip_uri_header(const esip_uri *u, const char *name, char *out, size_t cap)
{
	esip_str rest = u->headers, want = esip_str_cstr(name), n, v;

	while (esip__uri_pair_next(&rest, '&', &n, &v)) {
		if (!esip__uri_hname_eq(n, want))
			continue;
		/* header = hname "=" hvalue: esip_uri_parse guarantees the '=';
		 * a hand-made esip_uri without it reads as an empty value */
		if (!v.p)
			return 0;
		/* RFC 4475 3.1.1.4: %00 decodes to a NUL byte and ends nothing,
		 * so the result is a length, never a C string */
		return esip_pct_decode(v, out, cap);
	}
	return ESIP_ENOTFOUND;
}
