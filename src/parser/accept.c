/*
 * accept.c - Accept (RFC 3261 20.1, 25.1):
 *
 *   accept-range = media-range *( SEMI accept-param )
 *   media-range  = ( "*" "/" "*" / m-type SLASH "*" / m-type SLASH m-subtype )
 *                  *( SEMI m-parameter )
 *   accept-param = ( "q" EQUAL qvalue ) / generic-param
 *
 * An empty Accept header is legal (it accepts no body): the iteration then
 * simply yields nothing.
 */
#include "parse_int.h"
#include "scan.h"

int esip_media_range_parse(esip_str s, esip_media_range *mr)
{
	const char *p, *end, *q;
	esip_str qv;
	unsigned q1000;

	memset(mr, 0, sizeof *mr);
	if (!value_bounds(s, &p, &end))
		return ESIP_EBAD_VALUE;
	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VALUE;
	mr->type = mkstr(p, q);
	p = skip_lws(q, end); /* SLASH = SWS "/" SWS */
	if (p == end || *p != '/')
		return ESIP_EBAD_VALUE;
	p = skip_lws(p + 1, end);
	q = scan_token(p, end);
	if (q == p)
		return ESIP_EBAD_VALUE;
	mr->subtype = mkstr(p, q);
	/* "*" as the type only in "*" "/" "*" */
	if (STR_IEQ(mr->type, "*") && !STR_IEQ(mr->subtype, "*"))
		return ESIP_EBAD_VALUE;
	if (esip__params_after(q, end, &mr->params))
		return ESIP_EBAD_VALUE;
	if (esip_param_find(mr->params, "q", &qv) && esip__qvalue(qv, &q1000))
		return ESIP_EBAD_VALUE;
	return 0;
}

int esip_accept_next(esip_list_iter *it, esip_media_range *mr)
{
	esip_str v;

	memset(mr, 0, sizeof *mr);
	if (esip_list_next(it, &v) != 1)
		return 0;
	return esip_media_range_parse(v, mr) ? ESIP_EBAD_VALUE : 1;
}
