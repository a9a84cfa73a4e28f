/*
 * replaces.c - the headers that name a dialog: Replaces (RFC 3891 6.1)
 * and Target-Dialog (RFC 4538 7).
 *
 * Replaces (RFC 3891 6.1):
 *
 *   Replaces       = callid *( SEMI replaces-param )
 *   replaces-param = to-tag / from-tag / early-flag / generic-param
 *   to-tag         = "to-tag" EQUAL token
 *   from-tag       = "from-tag" EQUAL token
 *   early-flag     = "early-only"
 *
 * "A Replaces header field MUST contain exactly one to-tag and exactly one
 * from-tag, as they are required for unique dialog matching": a missing
 * or repeated tag is malformed.  The parameters come in any order.  The
 * same text arrives percent-decoded from a Refer-To URI header
 * (esip_uri_header), so this parser is also fed decoded bytes.
 */
#include "parse_int.h"
#include "scan.h"

static int set_tag(esip_str *slot, esip_str v)
{
	if (slot->p || !str_is_token(v))
		return ESIP_EBAD_VALUE;
	*slot = v;
	return 0;
}

/* callid = word [ "@" word ]: a word has neither ';' nor LWS, so the
 * call-id ends at the first of them.  Returns p if it is malformed. */
static const char *scan_callid(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != ';' && !cc((unsigned char)*q, CC_LWS))
		q++;
	return callid_ok(p, q) ? q : p;
}

int esip_replaces_parse(esip_str s, esip_replaces *r)
{
	esip_param_iter it;
	esip_str n, v;
	int rc;

	memset(r, 0, sizeof *r);
	if (esip__item_params(s, scan_callid, &r->call_id, &r->params))
		return ESIP_EBAD_VALUE;
	esip_param_iter_init(&it, r->params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1) {
		if (STR_IEQ(n, "to-tag")) {
			rc = set_tag(&r->to_tag, v);
		} else if (STR_IEQ(n, "from-tag")) {
			rc = set_tag(&r->from_tag, v);
		} else if (STR_IEQ(n, "early-only")) {
			if (v.p)
				return ESIP_EBAD_VALUE; /* a flag takes no value */
			r->early_only = true;
		}
		if (rc < 0)
			return rc;
	}
	if (rc < 0 || !r->to_tag.p || !r->from_tag.p)
		return ESIP_EBAD_VALUE;
	return 0;
}

int esip_target_dialog_parse(esip_str s, esip_target_dialog *td)
{
	esip_param_iter it;
	esip_str n, v;
	int rc;

	memset(td, 0, sizeof *td);
	if (esip__item_params(s, scan_callid, &td->call_id, &td->params))
		return ESIP_EBAD_VALUE;
	esip_param_iter_init(&it, td->params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1) {
		if (STR_IEQ(n, "local-tag"))
			rc = set_tag(&td->local_tag, v);
		else if (STR_IEQ(n, "remote-tag"))
			rc = set_tag(&td->remote_tag, v);
		if (rc < 0)
			return rc;
	}
	if (rc < 0 || !td->local_tag.p || !td->remote_tag.p)
		return ESIP_EBAD_VALUE;
	return 0;
}
