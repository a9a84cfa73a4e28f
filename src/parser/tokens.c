/*
 * tokens.c - lists of tokens: Require, Supported, Unsupported,
 * Proxy-Require (option-tag, RFC 3261 20.32, 20.37, 20.40, 20.29), Allow
 * (Method, 20.5) and Allow-Events (event-type, RFC 6665 8.2.2).
 */
#include "parse_int.h"
#include "scan.h"

int esip_token_next(esip_list_iter *it, esip_str *token)
{
	esip_str v;

	if (esip_list_next(it, &v) != 1)
		return 0;
	/* the iterator has moved past the bad element: a caller that wants
	 * to be liberal may go on with the next one */
	if (!str_is_token(v))
		return ESIP_EBAD_VALUE;
	*token = v;
	return 1;
}

bool esip_msg_has_token(const esip_msg *m, esip_hdr_id id, const char *token)
{
	/* option-tags are tokens, case-insensitive (RFC 3261 7.3.1); methods
	 * are case-sensitive (7.1) and so are event-types (RFC 6665 8.2.1:
	 * compared byte by byte) */
	bool exact = id == ESIP_HDR_ALLOW || id == ESIP_HDR_ALLOW_EVENTS;
	esip_str want = esip_str_cstr(token), t;
	esip_list_iter it;
	int rc;

	esip_list_iter_init(&it, m, id);
	while ((rc = esip_token_next(&it, &t)) != 0)
		if (rc == 1 && (exact ? esip_str_eq(t, want) : esip_str_ieq(t, want)))
			return true;
	return false;
}
