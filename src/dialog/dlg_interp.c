/*
 * dlg_interp.c - the one interpreter of call effects (dialog.def), the two
 * timers embedded in each call, the event queue, the state-change reports
 * and the end of a call.
 *
 * Every path that changes a call comes here: a response or a request, a
 * transaction's outcome, a timer, or the application's decision is an
 * event for the machine (esip_fsm_dispatch); the row's action lists
 * effects; this file applies them in order, then reports the transition.
 *
 * Re-entrancy: applying an effect may raise an event for the same call
 * (a request whose first send fails reports its failure at once); such an
 * event is queued and run after the current one (run to completion), so
 * a machine never sees an event in the middle of another.  Queued events
 * carry a status but no message (only internal events arise there).
 *
 * The end: entering a final state stops the timers, abandons the call's
 * requests (their transactions run on without an owner), leaves its
 * server transactions ownerless, unlinks the call from the dialog table
 * and drops the core's reference.
 */
#include "dialog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- timers ------------------------------------------------------------------------- */

static unsigned timer_event(unsigned id)
{
	switch (id) {
	case DT_2XX: return dlg_E_retransmit_2xx;
	case DT_ACK_WAIT: return dlg_E_ack_timeout;
	case DT_NO_ANSWER:
	case DT_GUARD: return dlg_E_timeout;
	}
	return dlg_E__COUNT;
}

static void fire(esip_call *c, unsigned id, uint64_t now)
{
	dlg_arg a;

	memset(&a, 0, sizeof a);
	if (timer_event(id) < dlg_E__COUNT)
		esip__dlg_event(c, timer_event(id), &a, now);
}

void esip__dlg_timer_a(esip_timer *t, uint64_t now)
{
	esip_call *c = ESIP_CONTAINER_OF(t, esip_call, t_a);
	unsigned id = c->ta_id;

	c->ta_id = DT_NONE;
	fire(c, id, now);
}

void esip__dlg_timer_b(esip_timer *t, uint64_t now)
{
	esip_call *c = ESIP_CONTAINER_OF(t, esip_call, t_b);
	unsigned id = c->tb_id;

	c->tb_id = DT_NONE;
	fire(c, id, now);
}

static void timer_start(esip_call *c, unsigned id, uint32_t ms, uint64_t now)
{
	esip_timerwheel *w = c->ua->wheel;

	if (id == DT_2XX) {
		c->ta_id = (uint8_t)id;
		esip_timer_start(w, &c->t_a, now + ms);
	} else {
		c->tb_id = (uint8_t)id;
		esip_timer_start(w, &c->t_b, now + ms);
	}
}

static void timer_stop(esip_call *c, unsigned id)
{
	esip_timerwheel *w = c->ua->wheel;

	if (id == DT_ALL || (id == c->ta_id && id != DT_NONE)) {
		esip_timer_stop(w, &c->t_a);
		c->ta_id = DT_NONE;
	}
	if (id == DT_ALL || (id == c->tb_id && id != DT_NONE)) {
		esip_timer_stop(w, &c->t_b);
		c->tb_id = DT_NONE;
	}
}

/* ---- sending ----------------------------------------------------------------------------- */

static void queue(esip_call *c, unsigned ev, unsigned status)
{
	/* NEVER more than fits: an effect list raises at most one event per
	 * request it starts */
	if (c->pending_n >= DLG_QUEUE)
		abort();
	c->pending[c->pending_n] = (uint8_t)ev;
	c->pending_status[c->pending_n++] = (uint16_t)status;
}

/* The status a request the call does not act on gets (12.2.2). */
static unsigned policy_status(esip_method m)
{
	switch (m) {
	case ESIP_METHOD_INFO:    /* RFC 6086: accepted (no package checks) */
	case ESIP_METHOD_OPTIONS: /* 11.2 */
		return 200;
	case ESIP_METHOD_NOTIFY:  /* RFC 6665 4.1.3: no such subscription */
		return 481;
	case ESIP_METHOD_OTHER:   /* 8.2.1 */
		return 501;
	default:                  /* 8.2.1: known, not allowed here */
		return 405;
	}
}

/* A response to the request at hand: for an offer (INVITE, UPDATE with
 * SDP) our answer (RFC 3264 6.1, kept as our session); for an INVITE
 * without one, our session as the offer (13.2.1). */
static void answer_request(esip_call *c, const dlg_arg *a, unsigned status, uint64_t now)
{
	esip_ua *ua = c->ua;
	esip_str body = ESIP_STR_NULL;
	esip_method m;

	if (!a || !a->txn || !a->msg)
		return;
	m = (esip_method)a->msg->method_id;
	if (!status)
		status = policy_status(m);
	if (status == 200 && (m == ESIP_METHOD_INVITE || m == ESIP_METHOD_UPDATE)) {
		esip_str offer = esip__dlg_sdp_of(a->msg);
		esip_str ours = esip_str_make(c->local_sdp, c->local_sdp_len);
		if (offer.p) {
			esip__call_setbytes(c, &c->remote_sdp, &c->remote_sdp_len, offer);
			if (c->local_sdp && esip__sdp_answer(ours, offer, &ua->scratch) == 0)
				esip__call_setbytes(c, &c->local_sdp, &c->local_sdp_len,
						    esip_str_make(ua->scratch.p, ua->scratch.len));
		}
		if (m == ESIP_METHOD_INVITE || offer.p)
			body = esip_str_make(c->local_sdp, c->local_sdp_len);
		if (m == ESIP_METHOD_INVITE) {
			/* its 2xx is retransmitted until the ACK, which finds the
			 * call through the transaction; the call owns one INVITE
			 * transaction at a time (an older one's late ACK is
			 * matched by dialog, ua.c) */
			if (c->ist && c->ist != a->txn)
				esip_txn_set_owner(c->ist, NULL);
			c->ist = a->txn;
			esip_txn_set_owner(a->txn, c);
		}
	}
	if (esip__dlg_respond(c, a->txn, status, NULL, body, now) < 0)
		esip__ua_log(ua, ESIP_LOG_WARN, "call %s: cannot answer %.*s", c->call_id,
			     ESIP_STR_FMT(a->msg->method));
}

static void final_response(esip_call *c, const dlg_arg *a, unsigned status, uint64_t now)
{
	esip_str body = ESIP_STR_NULL;
	int rc;

	if (!c->ist)
		return;
	if (status >= 200 && status < 300 && c->local_sdp)
		body = esip_str_make(c->local_sdp, c->local_sdp_len);
	c->status = (uint16_t)status;
	c->sent_status = (uint16_t)status;
	rc = esip__dlg_respond(c, c->ist, status, a ? a->reason : NULL, body, now);
	if (rc < 0 && rc != ESIP_ESTATE)
		esip__ua_log(c->ua, ESIP_LOG_WARN, "call %s: cannot send %u: %s", c->call_id, status,
			     esip_strerror(rc));
}

static void do_send(esip_call *c, unsigned what, uint32_t value, const dlg_arg *a, uint64_t now)
{
	esip_ua *ua = c->ua;
	int rc;

	switch (what) {
	case DS_INVITE:
		rc = esip__dlg_request(c, ESIP_METHOD_INVITE, &esip__dlg_invite_ops, &c->inv, now);
		if (rc < 0)
			queue(c, dlg_E_transaction_error, 503);
		break;
	case DS_ACK:
		rc = esip__dlg_request(c, ESIP_METHOD_ACK, NULL, NULL, now);
		if (rc < 0)
			esip__ua_log(ua, ESIP_LOG_WARN, "call %s: cannot send ACK: %s", c->call_id,
				     esip_strerror(rc));
		break;
	case DS_BYE:
		rc = esip__dlg_request(c, ESIP_METHOD_BYE, &esip__dlg_bye_ops, &c->bye, now);
		if (rc < 0)
			queue(c, dlg_E_transaction_error, 503);
		break;
	case DS_CANCEL:
		rc = esip__dlg_cancel(c, now);
		if (rc < 0)
			esip__ua_log(ua, ESIP_LOG_INFO, "call %s: cannot send CANCEL: %s", c->call_id,
				     esip_strerror(rc));
		break;
	case DS_FORK_ACK_BYE:
		if (a && a->msg)
			esip__ack_bye_from_2xx(ua, a->msg, true, now);
		break;
	case DS_PROVISIONAL:
		if (c->ist) {
			esip_str body = esip_str_make(c->local_sdp, c->local_sdp_len);
			c->status = (uint16_t)value;
			c->sent_status = (uint16_t)value;
			rc = esip__dlg_respond(c, c->ist, value, NULL,
					       c->local_sdp ? body : ESIP_STR_NULL, now);
			if (rc < 0)
				esip__ua_log(ua, ESIP_LOG_WARN, "call %s: cannot send %u: %s",
					     c->call_id, value, esip_strerror(rc));
		}
		break;
	case DS_FINAL:
		final_response(c, a, value, now);
		break;
	case DS_ANSWER:
		answer_request(c, a, value, now);
		break;
	case DS_ACKED_2XX:
		/* no 2xx goes out on it again: until Timer L it only absorbs
		 * INVITE retransmissions (a thousand held calls hold a
		 * thousand 2xx copies for 64*T1 otherwise) */
		if (c->ist)
			esip_txn_confirm(c->ist);
		break;
	}
}

/* ---- reports -------------------------------------------------------------------------------- */

static void report_state(esip_call *c, unsigned from, unsigned ev, const dlg_arg *a)
{
	esip_ua_event e;

	memset(&e, 0, sizeof e);
	e.kind = ESIP_UA_CALL_STATE;
	e.call = c;
	e.other = a ? a->other : NULL;
	e.prev = (esip_call_state)from;
	e.state = (esip_call_state)c->state;
	e.event = esip_fsm_event_name(esip__dlg_machine, ev);
	/* the response that caused the change: received, sent by this
	 * event's effects, or the status of a failure (408, 503); else none */
	if (a && a->msg && a->msg->kind == ESIP_MSG_RESPONSE) {
		e.status = a->msg->status;
		e.reason = a->msg->reason;
		e.msg = a->msg;
	} else {
		e.msg = a ? a->msg : NULL;
		if (c->sent_status)
			e.status = c->sent_status;
		else if (a && a->status >= 300)
			e.status = (int)a->status;
		if (e.status)
			e.reason = esip_str_cstr(c->sent_status && a && a->reason
							 ? a->reason
							 : esip_reason_phrase((unsigned)e.status));
	}
	esip__ua_emit(c->ua, &e);
}

static void report(esip_call *c, unsigned what, uint32_t value, const dlg_arg *a)
{
	esip_ua_event e;

	memset(&e, 0, sizeof e);
	e.call = c;
	e.state = e.prev = (esip_call_state)c->state;
	e.msg = a ? a->msg : NULL;
	if (what == DR_INCOMING) {
		e.kind = ESIP_UA_INCOMING_CALL;
		e.other = a && a->msg ? esip__call_target_dialog(c->ua, a->msg) : NULL;
	} else {
		e.kind = ESIP_UA_CALL_REQUEST;
		e.status = value ? (int)value
				 : (a && a->msg && a->msg->method_id != ESIP_METHOD_ACK
					    ? (int)policy_status((esip_method)a->msg->method_id)
					    : 0);
		if (a && a->msg)
			e.method = a->msg->method;
	}
	esip__ua_emit(c->ua, &e);
}

/* ---- the end of a call -------------------------------------------------------------------- */

static void finish(esip_call *c, uint64_t now)
{
	esip_ua *ua = c->ua;
	ua_req *r, *next;

	timer_stop(c, DT_ALL);
	c->pending_n = 0;
	/* its requests end; their transactions absorb and retransmit on
	 * without an owner (an INVITE's late 2xx is still ACKed, ua.c) */
	esip__req_abandon(c->inv, now);
	esip__req_abandon(c->bye, now);
	if (c->ist) {
		/* an INVITE still unanswered (the call failed on a transport
		 * error) gets its final response now: a server transaction left
		 * in Proceeding has no timer and would live on forever (RFC 6026
		 * 8.8: it "MUST remain in the current state").  ESIP_ESTATE when
		 * it was answered already. */
		(void)esip__dlg_respond(c, c->ist, 500, NULL, ESIP_STR_NULL, now);
		esip_txn_set_owner(c->ist, NULL);
		c->ist = NULL;
	}
	if (c->state == dlg_S_failed)
		ua->stats.calls_failed++;
	esip__refer_call_ended(c, now);
	/* so does every other request built from the call (a raw ACK or a
	 * detached NOTIFY still waiting for a lookup, a UDP retry): it reads
	 * the call to build itself, and the call may be freed now */
	for (r = ua->reqs; r; r = next) {
		next = r->next;
		if (r->data == c && r->ops->build == esip__dlg_build)
			esip__req_abandon(r, now);
	}
	if (c->replacing) {
		esip_call_unref(c->replacing);
		c->replacing = NULL;
	}
	esip__dlg_legs_free(c);
	esip__call_unlink(c);
	c->ua = NULL;       /* detached: operations on it now fail */
	esip_call_unref(c); /* the core's reference */
}

/* ---- the interpreter ------------------------------------------------------------------------ */

/* An event with no row: a request still needs its response.  In a
 * confirmed dialog it is a request the call cannot take now (a second
 * REFER while one is decided, an INVITE while one is answered): 500 with
 * Retry-After, "try again" (14.2 for the INVITE: "MUST return a 500 ...
 * with a Retry-After header field with a randomly chosen value of between
 * 0 and 10 seconds"); anywhere else the dialog is not there for it: 481
 * (12.2.2, 15: an early dialog's BYE from a callee). */
static void unhandled(esip_call *c, unsigned ev, const dlg_arg *a, uint64_t now)
{
	esip_response_spec spec;
	esip_hdr_kv ra[2];
	char secs[4];
	size_t n;
	uint8_t r = 0;

	c->ua->stats.unhandled_events++;
	if (!a || !a->txn || !a->msg || a->msg->kind != ESIP_MSG_REQUEST)
		return;
	if (a->msg->method_id != ESIP_METHOD_INVITE &&
	    !esip_fsm_in_group(esip__dlg_machine, dlg_G_confirmed, c->state)) {
		esip__dlg_respond(c, a->txn, 481, NULL, ESIP_STR_NULL, now);
		return;
	}
	n = esip__ua_common_headers(c->ua, true, ra, 1);
	esip_rand_bytes(c->ua->rnd, &r, 1);
	snprintf(secs, sizeof secs, "%u", r % 11u);
	ra[n].name = "Retry-After";
	ra[n++].value = esip_str_cstr(secs);
	memset(&spec, 0, sizeof spec);
	spec.status = 500;
	spec.to_tag = esip_str_cstr(c->local_tag);
	spec.extra = ra;
	spec.n_extra = n;
	esip_txn_respond(a->txn, &spec, now);
}

static void apply(esip_call *c, const esip_fsm_fx *fx, const dlg_arg *a, uint64_t now,
		  esip_fsm_fx *reports)
{
	unsigned i;

	for (i = 0; i < fx->n; i++) {
		const esip_fx *e = &fx->fx[i];
		switch (e->kind) {
		case ESIP_FX_SEND:
			do_send(c, e->what, e->value, a, now);
			break;
		case ESIP_FX_TIMER_START:
			timer_start(c, e->what, e->value, now);
			break;
		case ESIP_FX_TIMER_STOP:
			timer_stop(c, e->what);
			break;
		case ESIP_FX_REPORT:
			/* around the state report (dlg_event) */
			esip_fsm_fx_push(reports, ESIP_FX_REPORT, e->what, e->value);
			break;
		default:
			break;
		}
	}
}

int esip__dlg_event(esip_call *c, unsigned ev, const dlg_arg *arg, uint64_t now)
{
	esip_ua *ua = c->ua;
	dlg_arg qa;
	int result = ESIP_FSM_HANDLED;

	if (!ua || esip_call_state_is_final((esip_call_state)c->state))
		return ESIP_FSM_UNHANDLED;
	if (c->depth) {
		queue(c, ev, arg ? arg->status : 0);
		return ESIP_FSM_HANDLED;
	}
	esip_call_ref(c); /* the call outlives its own end in here */
	c->depth++;
	for (;;) {
		esip_fsm_fx fx, reports;
		unsigned from = c->state;
		int rc;

		esip_fsm_fx_init(&fx);
		esip_fsm_fx_init(&reports);
		c->sent_status = 0;
		rc = esip_fsm_dispatch(esip__dlg_machine, &c->state, ev, c, arg, &fx, &ua->tracer, c);
		if (rc == ESIP_FSM_HANDLED) {
			apply(c, &fx, arg, now, &reports);
			/* a new call is announced before its first state report,
			 * so the application can set its user data first */
			for (unsigned i = 0; i < reports.n; i++)
				if (reports.fx[i].what == DR_INCOMING)
					report(c, DR_INCOMING, 0, arg);
			if (c->state != from) {
				if (c->state == dlg_S_established && !(c->flags & CF_COUNTED)) {
					c->flags |= CF_COUNTED;
					ua->stats.calls_established++;
				}
				report_state(c, from, ev, arg);
				/* a call placed for a REFER: its steps are NOTIFYs */
				if (c->notify_sub)
					esip__refer_call_progress(c->notify_sub, c, from, c->state,
								  arg && arg->msg ? arg->msg->status
										  : c->status,
								  now);
			}
			for (unsigned i = 0; i < reports.n; i++)
				if (reports.fx[i].what != DR_INCOMING)
					report(c, reports.fx[i].what, reports.fx[i].value, arg);
		} else {
			unhandled(c, ev, arg, now);
			result = ESIP_FSM_UNHANDLED;
		}
		atomic_store_explicit(&c->pub, (unsigned)c->state | (unsigned)c->status << 8,
				      memory_order_release);
		if (esip_call_state_is_final((esip_call_state)c->state)) {
			finish(c, now);
			break;
		}
		if (!c->pending_n)
			break;
		memset(&qa, 0, sizeof qa);
		ev = c->pending[0];
		qa.status = c->pending_status[0];
		c->pending_n--;
		memmove(c->pending, c->pending + 1, c->pending_n);
		memmove(c->pending_status, c->pending_status + 1,
			c->pending_n * sizeof c->pending_status[0]);
		arg = &qa;
	}
	c->depth--;
	esip_call_unref(c);
	return result;
}

void esip__dlg_terminate_all(esip_ua *ua, uint64_t now)
{
	dlg_arg a;

	memset(&a, 0, sizeof a);
	while (ua->live) {
		esip_call *c = ua->live;
		esip__dlg_event(c, dlg_E_terminate, &a, now);
		/* every live state has a terminate row; NEVER still live */
		if (ua->live == c)
			abort();
	}
}
