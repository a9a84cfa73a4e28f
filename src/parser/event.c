/*
 * event.c - SIP-specific event notification headers (RFC 6665 8.4):
 *
 *   Event          = event-type *( SEMI event-param )
 *   event-type     = event-package *( "." event-template )
 *   event-param    = generic-param / ( "id" EQUAL token )
 *   Subscription-State = substate-value *( SEMI subexp-params )
 *   subexp-params  = ( "reason" EQUAL event-reason-value )
 *                  / ( "expires" EQUAL delta-seconds )
 *                  / ( "retry-after" EQUAL delta-seconds ) / generic-param
 */
#include "parse_int.h"
#include "scan.h"

int esip_event_parse(esip_str s, esip_event *e)
{
	esip_param_iter it;
	esip_str n, v;
	int rc;

	memset(e, 0, sizeof *e);
	/* "presence", "presence.winfo", "dialog.winfo.x": no empty parts */
	if (esip__item_params(s, scan_dot_tokens, &e->package, &e->params))
		return ESIP_EBAD_VALUE;
	esip_param_iter_init(&it, e->params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1) {
		if (!STR_IEQ(n, "id"))
			continue;
		/* 8.2.1: the id takes part in matching NOTIFY to SUBSCRIBE, so
		 * two of them would make the subscription ambiguous */
		if (e->id.p || !str_is_token(v))
			return ESIP_EBAD_VALUE;
		e->id = v;
	}
	return rc;
}

/* expires / retry-after: delta-seconds, at most once each. */
static int substate_secs(esip_str v, bool *has, uint32_t *out)
{
	if (*has || !v.p || esip__delta_seconds(v, false, out))
		return ESIP_EBAD_VALUE;
	*has = true;
	return 0;
}

int esip_substate_parse(esip_str s, esip_substate *st)
{
	esip_param_iter it;
	esip_str n, v;
	int rc;

	memset(st, 0, sizeof *st);
	/* substate-value: the three states or extension-substate = token */
	if (esip__item_params(s, scan_token, &st->state, &st->params))
		return ESIP_EBAD_VALUE;
	esip_param_iter_init(&it, st->params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1) {
		if (STR_IEQ(n, "reason")) {
			if (st->reason.p || !str_is_token(v))
				return ESIP_EBAD_VALUE;
			st->reason = v;
		} else if (STR_IEQ(n, "expires")) {
			rc = substate_secs(v, &st->has_expires, &st->expires);
		} else if (STR_IEQ(n, "retry-after")) {
			rc = substate_secs(v, &st->has_retry_after, &st->retry_after);
		}
		if (rc < 0)
			return rc;
	}
	return rc;
}
