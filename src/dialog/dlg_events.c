/*
 * dlg_events.c - what happens to a call, as dialog.def events: the
 * outcomes of its requests (our INVITE, BYE ...), the events of its
 * server transactions (CANCEL, ACK, transport errors), requests and ACKs
 * that name its dialog (12.2.2), and 2xx retransmissions no transaction
 * wanted (13.2.2.4).
 */
#include "dialog_int.h"

#include <string.h>

static void post(esip_call *c, unsigned ev, const esip_msg *m, const esip_rx_info *rx,
		 esip_txn *txn, unsigned status, uint64_t now)
{
	dlg_arg a;

	memset(&a, 0, sizeof a);
	a.msg = m;
	a.rx = rx;
	a.txn = txn;
	a.status = status;
	esip__dlg_event(c, ev, &a, now);
}

/* post(), telling whether the machine had a row (a REFER with none was
 * answered by the interpreter already). */
static bool post_handled(esip_call *c, unsigned ev, const esip_msg *m, const esip_rx_info *rx,
			 esip_txn *txn, uint64_t now)
{
	dlg_arg a;

	memset(&a, 0, sizeof a);
	a.msg = m;
	a.rx = rx;
	a.txn = txn;
	return esip__dlg_event(c, ev, &a, now) == ESIP_FSM_HANDLED;
}

static unsigned final_event(unsigned status)
{
	switch (status / 100) {
	case 3: return dlg_E_receive_3xx;
	case 4: return dlg_E_receive_4xx;
	case 5: return dlg_E_receive_5xx;
	default: return dlg_E_receive_6xx;
	}
}

/* ---- our INVITE ---------------------------------------------------------------------------- */

static void invite_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now)
{
	esip_call *c = r->owner;

	/* the connection the INVITE took is the dialog's (RFC 3261 18.1.1:
	 * later requests reuse it while it lives) */
	if (r->txn && esip_tp_reliable(r->dest.tp) && esip_txn_dest(r->txn)->conn)
		c->conn = esip_txn_dest(r->txn)->conn;
	c->tp = r->dest.tp;
	switch (what) {
	case REQ_PROVISIONAL:
		/* 12.1.2: a To tag not seen before is another early dialog */
		if (m->to.tag.p && m->status > 100 && !esip__dlg_leg_find(c, m->to.tag))
			post(c, dlg_E_early_dialog, m, NULL, NULL, 0, now);
		post(c, m->status == 180 ? dlg_E_receive_180 : dlg_E_receive_1xx, m, NULL, NULL, 0,
		     now);
		break;
	case REQ_FINAL:
		if (c->state == dlg_S_replacing) {
			/* RFC 3891 4: the brief's replace_success / replace_failed */
			post(c, m->status < 300 ? dlg_E_replace_success : dlg_E_replace_failed, m,
			     NULL, NULL, 0, now);
		} else if (m->status >= 300) {
			post(c, final_event(m->status), m, NULL, NULL, 0, now);
		} else if (!(c->flags & CF_ESTABLISHED)) {
			post(c, dlg_E_receive_2xx, m, NULL, NULL, 0, now);
		} else if (c->remote_tag && esip_str_eq_cstr(m->to.tag, c->remote_tag)) {
			/* 13.2.2.4: the same 2xx again: our ACK was lost */
			post(c, dlg_E_receive_2xx_retransmit, m, NULL, NULL, 0, now);
		} else {
			post(c, dlg_E_fork_2xx, m, NULL, NULL, 0, now);
		}
		break;
	case REQ_TIMEOUT:
		post(c, c->state == dlg_S_replacing ? dlg_E_replace_failed : dlg_E_transaction_timeout,
		     NULL, NULL, NULL, 408, now);
		break;
	case REQ_FAILED:
		post(c, c->state == dlg_S_replacing ? dlg_E_replace_failed : dlg_E_transaction_error,
		     NULL, NULL, NULL, 503, now);
		break;
	}
}

/* ---- our BYE -------------------------------------------------------------------------------- */

static void bye_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now)
{
	esip_call *c = r->owner;

	switch (what) {
	case REQ_FINAL:
		post(c, dlg_E_non_invite_complete, m, NULL, NULL, 0, now);
		break;
	case REQ_TIMEOUT:
		post(c, dlg_E_non_invite_timeout, NULL, NULL, NULL, 408, now);
		break;
	case REQ_FAILED:
		post(c, dlg_E_transaction_error, NULL, NULL, NULL, 503, now);
		break;
	default:
		break;
	}
}

/* ---- other requests of ours in the dialog ------------------------------------------------------ */

static void plain_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now)
{
	esip_call *c = r->owner;

	/* 12.2.1.2: "If the response for a request within a dialog is a 481
	 * (Call/Transaction Does Not Exist) or a 408 (Request Timeout), the
	 * UAC SHOULD terminate the dialog" */
	if ((what == REQ_FINAL && (m->status == 481 || m->status == 408)) || what == REQ_TIMEOUT)
		post(c, dlg_E_error, what == REQ_FINAL ? m : NULL, NULL, NULL,
		     what == REQ_FINAL ? m->status : 408, now);
}

const ua_req_ops esip__dlg_invite_ops = {esip__dlg_build, invite_outcome, NULL,
					 esip__dlg_next_cseq};
const ua_req_ops esip__dlg_bye_ops = {esip__dlg_build, bye_outcome, NULL, esip__dlg_next_cseq};
const ua_req_ops esip__dlg_plain_ops = {esip__dlg_build, plain_outcome, NULL, esip__dlg_next_cseq};

/* ---- server transactions of the call ----------------------------------------------------------- */

void esip__dlg_txn_event(esip_call *c, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
			 const esip_rx_info *rx, uint64_t now)
{
	switch (ev) {
	case ESIP_TXE_CANCEL:
		/* 9.2: only the pending INVITE is cancelled */
		if (txn == c->ist)
			post(c, dlg_E_receive_cancel, m, rx, txn, 0, now);
		break;
	case ESIP_TXE_ACK_2XX:
		/* an ACK the INVITE server transaction passed up (RFC 6026 7.1) */
		post(c, dlg_E_receive_ack, m, rx, NULL, 0, now);
		break;
	case ESIP_TXE_TRANSPORT_ERROR:
		/* RFC 6026 8.8: the response could not be sent; before the final
		 * answer the call cannot go on */
		if (txn == c->ist)
			post(c, dlg_E_transaction_error, NULL, NULL, NULL, 503, now);
		break;
	case ESIP_TXE_TERMINATED:
		if (txn == c->ist)
			c->ist = NULL;
		break;
	default:
		break;
	}
}

/* ---- requests and ACKs naming a dialog (12.2.2) ---------------------------------------------- */

/* The call of the dialog a request names (To tag = our tag, From tag =
 * the peer's; an early dialog of ours may still have several). */
static esip_call *dialog_of(esip_ua *ua, const esip_msg *m)
{
	esip_call *c = esip__call_find(ua, m->call_id, m->to.tag);

	if (!c)
		return NULL;
	if (c->remote_tag && esip_str_eq_cstr(m->from.tag, c->remote_tag))
		return c;
	if (esip__dlg_leg_find(c, m->from.tag))
		return c;
	return NULL;
}

static void reply(esip_ua *ua, esip_txn *txn, unsigned status, uint64_t now)
{
	esip_response_spec spec;
	esip_hdr_kv h[2];

	memset(&spec, 0, sizeof spec);
	spec.status = (uint16_t)status;
	spec.n_extra = esip__ua_common_headers(ua, true, h, 2);
	spec.extra = h;
	esip_txn_respond(txn, &spec, now);
}

void esip__dlg_in_dialog(esip_ua *ua, esip_txn *txn, const esip_msg *m, const esip_rx_info *rx,
			 uint64_t now)
{
	esip_call *c = dialog_of(ua, m);
	esip_validation v;
	unsigned ev;

	/* 8.2: a request inside a dialog is validated like any; an INFO's
	 * body goes to the application whatever its type (RFC 6086: the
	 * Info Package is the application's business) */
	esip_msg_validate_request(m, &esip__uas_caps, &v);
	if (v.status == 415 && m->method_id == ESIP_METHOD_INFO)
		v.status = 0;
	if (v.status) {
		esip_response_spec spec;
		esip_hdr_kv h[2];
		memset(&spec, 0, sizeof spec);
		spec.status = v.status;
		spec.reason = esip_str_cstr(v.reason);
		spec.n_extra = esip__ua_common_headers(ua, true, h, 1);
		if (v.status == 405 || v.status == 501) {
			h[spec.n_extra].name = "Allow";
			h[spec.n_extra++].value = esip_str_cstr(esip__ua_allow);
		}
		spec.extra = h;
		esip_txn_respond(txn, &spec, now);
		return;
	}
	if (!c) {
		/* 12.2.2: "If the UAS wishes to reject the request because it
		 * does not wish to recreate the dialog, it MUST respond to the
		 * request with a 481" */
		reply(ua, txn, 481, now);
		return;
	}
	if (c->depth) {
		/* the call is in the middle of an event (a request arriving from
		 * inside one of its own effects): try again later (14.2) */
		reply(ua, txn, 500, now);
		return;
	}
	/* 12.2.2: a lower CSeq than the last one is out of order */
	if (c->remote_cseq && m->cseq < c->remote_cseq) {
		reply(ua, txn, 500, now);
		return;
	}
	c->remote_cseq = m->cseq;
	switch (m->method_id) {
	case ESIP_METHOD_BYE:
		ev = dlg_E_receive_bye;
		break;
	case ESIP_METHOD_INVITE:
		/* answered at once; the call owns its transaction only once it
		 * is the one whose 2xx waits for the ACK (c->ist, dlg_interp.c):
		 * an owner pointer the call does not know of would outlive it */
		ev = dlg_E_receive_reinvite;
		break;
	case ESIP_METHOD_UPDATE:
		ev = dlg_E_receive_update;
		break;
	case ESIP_METHOD_REFER:
		ev = dlg_E_receive_refer;
		break;
	case ESIP_METHOD_NOTIFY:
		/* a NOTIFY of one of our REFER subscriptions (RFC 3515 2.4.5);
		 * any other has none (481, dialog.def's policy) */
		if (esip__refer_request(c, txn, m, rx, now))
			return;
		ev = dlg_E_receive_request;
		break;
	default:
		ev = dlg_E_receive_request;
		break;
	}
	/* the call may end in there (an application hanging up from the
	 * state report): it stays allocated for what follows */
	esip_call_ref(c);
	if (post_handled(c, ev, m, rx, txn, now) && ev == dlg_E_receive_refer &&
	    !esip__refer_request(c, txn, m, rx, now)) {
		/* it left referred before the REFER was taken (hung up from
		 * the report): the REFER still gets its answer, declined */
		reply(ua, txn, 603, now);
	}
	esip_call_unref(c);
}

void esip__dlg_ack(esip_ua *ua, const esip_msg *m, const esip_rx_info *rx, uint64_t now)
{
	esip_call *c = dialog_of(ua, m);

	/* 13.3.1.4: an ACK for a 2xx of ours; any other is dropped (17.2.3) */
	if (!c) {
		ua->stats.dropped++;
		return;
	}
	post(c, dlg_E_receive_ack, m, rx, NULL, 0, now);
}

void esip__dlg_stray_response(esip_ua *ua, const esip_msg *m, uint64_t now)
{
	esip_call *c;

	/* 13.2.2.4: a 2xx retransmission for a live dialog after its INVITE
	 * transaction ended (Timer M) is still acknowledged */
	if (m->status >= 200 && m->status < 300 && m->cseq_method_id == ESIP_METHOD_INVITE &&
	    (c = esip__call_find(ua, m->call_id, m->from.tag)) && (c->flags & CF_ESTABLISHED) &&
	    c->remote_tag && esip_str_eq_cstr(m->to.tag, c->remote_tag) &&
	    c->dir == ESIP_CALL_OUTGOING) {
		post(c, dlg_E_receive_2xx_retransmit, m, NULL, NULL, 0, now);
		return;
	}
	ua->stats.dropped++;
}
