/*
 * refer.c - REFER's headers: Refer-To (RFC 3515 2.1), Referred-By
 * (RFC 3892 3) and Refer-Sub (RFC 4488 7.2).
 *
 *   Refer-To     = ( name-addr / addr-spec ) *( SEMI generic-param )
 *   Referred-By  = referrer-uri *( SEMI ( referredby-id-param / generic-param ) )
 *   referredby-id-param = "cid" EQUAL sip-clean-msg-id
 *   sip-clean-msg-id = LDQUOT dot-atom "@" ( dot-atom / host ) RDQUOT
 *   Refer-Sub    = refer-sub-value *( SEMI exten ),  "true" / "false"
 *
 * As everywhere, a URI with ',', ';' or '?' must be in <>; without them
 * the parameters belong to the header (RFC 3892 3, RFC 3261 20.10).  The
 * Refer-To URI may carry an escaped Replaces header: esip_uri_header().
 */
#include "parse_int.h"
#include "scan.h"

/* The address, and its URI, both well-formed. */
static int refer_addr(esip_str s, esip_nameaddr *na)
{
	esip_uri u;

	if (esip_nameaddr_parse(s, na))
		return ESIP_EBAD_NAMEADDR;
	return esip_uri_parse(na->uri, &u) ? ESIP_EBAD_URI : 0;
}

int esip_refer_to_parse(esip_str s, esip_nameaddr *na)
{
	return refer_addr(s, na);
}

/* sip-clean-msg-id, quotes included (a Content-ID in quotes) */
static bool clean_msg_id_ok(esip_str v)
{
	const char *p, *end, *q;
	esip_str host;
	uint8_t type;

	if (v.len < 2 || v.p[0] != '"' || v.p[v.len - 1] != '"')
		return false;
	p = v.p + 1;
	end = v.p + v.len - 1;
	q = scan_dot_tokens(p, end);
	if (q == p || q == end || *q != '@')
		return false;
	p = q + 1;
	if (p < end && scan_dot_tokens(p, end) == end)
		return true;
	return esip__host_scan(p, end, &host, &type) == end;
}

int esip_referred_by_parse(esip_str s, esip_nameaddr *na)
{
	esip_str cid;
	int rc = refer_addr(s, na);

	if (rc)
		return rc;
	if (esip_param_find(na->params, "cid", &cid) && !clean_msg_id_ok(cid))
		return ESIP_EBAD_VALUE;
	return 0;
}

int esip_refer_sub_parse(esip_str s, bool *value)
{
	esip_str t, params;

	if (esip__item_params(s, scan_token, &t, &params))
		return ESIP_EBAD_VALUE;
	if (STR_IEQ(t, "true"))
		*value = true;
	else if (STR_IEQ(t, "false"))
		*value = false;
	else
		return ESIP_EBAD_VALUE;
	return 0;
}
