/*
 * scalar.c - numbers in header values: delta-seconds, qvalue, the Expires
 * and Retry-After headers (RFC 3261 25.1, 20.19, 20.33).
 *
 * Values above 2**32-1: RFC 3261 gives Expires the range 0..2**32-1
 * (20.19) and RFC 4475 3.1.2.4 calls a larger one out of range (the
 * element may then apply its default), so Expires, Retry-After and the
 * Subscription-State delta-seconds report ESIP_EBAD_VALUE.  Only the
 * Contact "expires" parameter is capped to 2**32-1, because RFC 3261
 * 10.2.1.1 says implementations MAY treat larger values so.
 */
#include "parse_int.h"
#include "scan.h"

int esip__delta_seconds(esip_str v, bool cap, uint32_t *out)
{
	int rc;

	/* digits only: esip_str_to_u32 may stop at the overflow before it
	 * has seen a non-digit further on */
	if (!v.len || scan_class(v.p, v.p + v.len, CC_DIGIT) != v.p + v.len)
		return ESIP_EBAD_VALUE;
	rc = esip_str_to_u32(v, out);
	if (rc == ESIP_ELIMIT && cap) {
		*out = UINT32_MAX;
		return 0;
	}
	return rc ? ESIP_EBAD_VALUE : 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
int esip__qvalue(esip_str v, unsigned *q1000)
{
	const char *p = v.p, *end;
	unsigned q, scale = 100;

	if (!v.len || (*p != '0' && *p != '1'))
		return ESIP_EBAD_VALUE;
	end = p + v.len;
	q = (unsigned)(*p++ - '0') * 1000;
	if (p < end) {
		if (*p++ != '.' || end - p > 3)
			return ESIP_EBAD_VALUE;
		for (; p < end; p++, scale /= 10) {
			if (!cc((unsigned char)*p, CC_DIGIT))
				return ESIP_EBAD_VALUE;
			q += (unsigned)(*p - '0') * scale;
		}
	}
	if (q > 1000)
		return ESIP_EBAD_VALUE; /* "1.5": only zeros may follow a 1 */
	*q1000 = q;
	return 0;
}

/* Expires = "Expires" HCOLON delta-seconds.  The header is not a list;
 * should a message carry two, the first one counts. */
int esip_msg_expires(const esip_msg *m, uint32_t *secs)
{
	const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_EXPIRES);

	if (!h)
		return ESIP_ENOTFOUND;
	return esip__delta_seconds(h->value, false, secs);
}

/*
 * comment = LPAREN *( ctext / quoted-pair / comment ) RPAREN, p at '('.
 * ctext is qdtext with '"' and without the parentheses.  Nesting is
 * counted, not recursed, so a deep comment costs no stack.  Returns the
 * byte after the matching ')' or NULL.
 */
static const char *scan_comment(const char *p, const char *end)
{
	size_t depth = 0;

	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0)
				return p + 1;
		} else if (c == '\\') {
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
				return NULL;
			p++;
		} else if (c != '"' && !cc(c, CC_QDTEXT)) {
			return NULL;
		}
	}
	return NULL;
}

/* Retry-After = delta-seconds [ comment ] *( SEMI retry-param ),
 * retry-param = ( "duration" EQUAL delta-seconds ) / generic-param */
int esip_retry_after_parse(esip_str s, esip_retry_after *ra)
{
	const char *p, *end, *q;
	esip_param_iter it;
	esip_str n, v;
	int rc;

	memset(ra, 0, sizeof *ra);
	if (!value_bounds(s, &p, &end))
		return ESIP_EBAD_VALUE;
	q = scan_class(p, end, CC_DIGIT);
	/* RFC 4475 3.1.2.5 (scalarlg): a value past 2**32-1 is an error */
	if (esip__delta_seconds(mkstr(p, q), false, &ra->seconds))
		return ESIP_EBAD_VALUE;
	p = skip_lws(q, end);
	if (p < end && *p == '(') {
		q = scan_comment(p, end);
		if (!q)
			return ESIP_EBAD_VALUE;
		ra->comment = mkstr(p, q);
		p = q;
	}
	if (esip__params_after(p, end, &ra->params))
		return ESIP_EBAD_VALUE;
	esip_param_iter_init(&it, ra->params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1) {
		if (!STR_IEQ(n, "duration"))
			continue;
		/* two durations would be ambiguous */
		if (ra->has_duration || !v.p || esip__delta_seconds(v, false, &ra->duration))
			return ESIP_EBAD_VALUE;
		ra->has_duration = true;
	}
	return rc;
}
