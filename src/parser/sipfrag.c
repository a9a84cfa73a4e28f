/*
 * sipfrag.c - the message/sipfrag bodies of REFER's NOTIFYs (RFC 3420,
 * RFC 3515 2.4.5): "the body of a NOTIFY MUST begin with a SIP Response
 * Status-Line" - the status of the referred request so far.
 *
 *   Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 *
 * The line may end the body without its CRLF (a fragment of one line), a
 * bare LF is tolerated; the version is "SIP/2.0" case-insensitively
 * (RFC 3261 7.1).  Header lines after it are not looked at.
 */
#include "parse_int.h"
#include "scan.h"

int esip_sipfrag_parse(esip_str body, unsigned *status, esip_str *reason)
{
	const char *p = body.p, *end = body.p + body.len, *eol, *r;
	unsigned st;

	*status = 0;
	*reason = ESIP_STR_NULL;
	if (!p || body.len < 12)
		return ESIP_EBAD_START_LINE;
	eol = memchr(p, '\n', body.len);
	if (!eol)
		eol = end;
	if (eol > p && eol[-1] == '\r')
		eol--;
	if (!esip_str_ieq_cstr(esip_str_make(p, 7), "SIP/2.0") || p[7] != ' ')
		return ESIP_EBAD_START_LINE;
	p += 8;
	if (eol - p < 3 || p[0] < '1' || p[0] > '6' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
	    p[2] > '9')
		return ESIP_EBAD_STATUS;
	st = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
	p += 3;
	/* SP Reason-Phrase; an empty phrase may lose its SP */
	if (p < eol && *p != ' ')
		return ESIP_EBAD_STATUS;
	r = p < eol ? p + 1 : p;
	for (p = r; p < eol; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return ESIP_EBAD_STATUS;
	*status = st;
	*reason = esip_str_make(r, (size_t)(eol - r));
	return 0;
}
