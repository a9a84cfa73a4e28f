/*
 * replaces.c - the Replaces header (RFC 3891): a new INVITE that takes the
 * place of a dialog of this UA (attended transfer, call pickup), and the
 * calls this UA places with one (the brief's MakeCallWithReplaces).
 *
 * Receiving (RFC 3891 3): the to-tag is matched against our tag and the
 * from-tag against the peer's; no match (or a match with an incoming early
 * dialog: "not initiated by this UA") gives 481, a dialog that is ending
 * 603, a confirmed one with early-only 486.  A match is accepted at once
 * (a 200 with the replaced call's session: its media is reassigned), the
 * new call goes replacing -> established, and the replaced one -> replaced
 * with a BYE (confirmed) or a CANCEL (an early dialog we initiated).  Both
 * state reports name the other call.
 */
#include "dialog_int.h"

#include <stdio.h>
#include <string.h>

static void answer(esip_ua *ua, esip_txn *txn, unsigned status, uint64_t now)
{
	esip_response_spec spec;
	esip_hdr_kv h[1];

	memset(&spec, 0, sizeof spec);
	spec.status = (uint16_t)status;
	spec.n_extra = esip__ua_common_headers(ua, true, h, 1);
	spec.extra = h;
	esip_txn_respond(txn, &spec, now);
}

/* The dialog Replaces names, as if its tags were in a request to us
 * (RFC 3891 3): to-tag = our tag, from-tag = the peer's. */
static esip_call *matched(esip_ua *ua, const esip_replaces *r)
{
	esip_call *c = esip__call_find(ua, r->call_id, r->to_tag);

	if (!c)
		return NULL;
	if (c->remote_tag && esip_str_eq_cstr(r->from_tag, c->remote_tag))
		return c;
	if (esip__dlg_leg_find(c, r->from_tag))
		return c;
	return NULL;
}

int esip__replaces_invite(esip_ua *ua, esip_txn *txn, const esip_msg *m,
			  const esip_rx_info *rx, uint64_t now)
{
	const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_REPLACES);
	esip_replaces r;
	esip_call *old, *nc;
	char tag[24];
	dlg_arg a;
	int n;

	if (!h || ua->cfg.replaces_policy == ESIP_POLICY_REJECT)
		return 0;
	/* validation (8.2) refused a malformed one already */
	if (esip_replaces_parse(h->value, &r) < 0) {
		answer(ua, txn, 400, now);
		return 1;
	}
	old = matched(ua, &r);
	if (!old || old->state == dlg_S_incoming || old->state == dlg_S_alerting) {
		/* RFC 3891 3: no match, or "an early dialog that was not
		 * initiated by this UA": 481 */
		answer(ua, txn, 481, now);
		return 1;
	}
	if (old->state == dlg_S_terminating) {
		/* "a dialog which has already terminated": 603 */
		answer(ua, txn, 603, now);
		return 1;
	}
	if (r.early_only && (old->flags & CF_ESTABLISHED)) {
		/* "If the flag is present, the UA rejects the request with a
		 * 486 Busy" */
		answer(ua, txn, 486, now);
		return 1;
	}
	if (ua->closing || ua->n_live >= ua->cfg.max_dialogs) {
		ua->stats.over_limit++;
		answer(ua, txn, 503, now);
		return 1;
	}
	n = esip_gen_tag(ua->rnd, tag, sizeof tag);
	nc = n < 0 ? NULL
		   : esip__call_new(ua, ESIP_CALL_INCOMING_DIR, m->call_id,
				    esip_str_make(tag, (size_t)n), m->to.uri, m->from.uri,
				    ESIP_STR(""));
	if (!nc) {
		answer(ua, txn, 500, now);
		return 1;
	}
	n = esip__dlg_from_request(nc, m);
	/* the replaced call's session is the new call's answer (RFC 3891 3:
	 * its resources are reassigned) */
	if (n == 0 && old->local_sdp)
		n = esip__call_setbytes(nc, &nc->local_sdp, &nc->local_sdp_len,
					esip_str_make(old->local_sdp, old->local_sdp_len));
	if (n == 0)
		n = esip__call_link(nc);
	if (n < 0) {
		answer(ua, txn, n == ESIP_ENOMEM ? 500 : 400, now);
		esip_call_unref(nc);
		return 1;
	}
	nc->tp = rx->tp;
	nc->conn = rx->conn;
	nc->ist = txn;
	esip_txn_set_owner(txn, nc);
	esip_call_ref(old);
	nc->replacing = old;
	ua->stats.invites++;
	memset(&a, 0, sizeof a);
	a.msg = m;
	a.rx = rx;
	a.txn = txn;
	a.other = old;
	/* idle -> replacing (200 sent) -> established; then the old one */
	esip__dlg_event(nc, dlg_E_receive_replaces, &a, now);
	memset(&a, 0, sizeof a);
	a.other = nc;
	esip__dlg_event(nc, dlg_E_replace_success, &a, now);
	a.other = nc;
	esip_call_ref(nc);
	esip__dlg_event(old, dlg_E_replace_success, &a, now);
	esip_call_unref(nc);
	return 1;
}

int esip_ua_call_make_replacing(esip_ua *ua, const esip_call_params *p,
				const esip_replaces_params *r, uint64_t now, esip_call **out)
{
	char val[UA_MAX_STR];
	esip_replaces chk;
	esip_call *c;
	int n, rc;

	if (out)
		*out = NULL;
	if (!ua || !r || !r->call_id || !r->to_tag || !r->from_tag)
		return ESIP_EINVAL;
	n = snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=%s%s", r->call_id, r->to_tag,
		     r->from_tag, r->early_only ? ";early-only" : "");
	if (n < 0 || (size_t)n >= sizeof val || strpbrk(val, "\r\n") ||
	    esip_replaces_parse(esip_str_make(val, (size_t)n), &chk) < 0)
		return ESIP_EINVAL;
	/* a call like any other, whose INVITE carries Replaces and whose
	 * first event is send_replaces (idle -> replacing) */
	rc = esip__call_make(ua, p, esip_str_make(val, (size_t)n), now, &c);
	if (rc < 0)
		return rc;
	*out = c;
	return 0;
}
