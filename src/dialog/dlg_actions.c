/*
 * dlg_actions.c - what each row of dialog.def does, as effects for the
 * interpreter (dlg_interp.c).  No action sends, reads a clock or touches a
 * timer itself: each keeps the call's bookkeeping (dialog state from the
 * message at hand, flags, the retransmission interval) and lists effects.
 *
 * Durations (RFC 3261 13.3.1.4, 9.1, 15.1.1): the 2xx retransmission
 * starts at T1 and doubles up to T2; the ACK wait and the teardown guard
 * are 64*T1 (the guard waits twice that: the BYE's own Timer F comes
 * first).
 */
#include "dialog_int.h"

#include <string.h>

static inline esip_call *C(void *ctx) { return ctx; }
static inline const dlg_arg *A(const void *arg) { return arg; }
static inline const esip_txl_config *TCFG(const esip_call *c) { return &c->ua->cfg.txl; }

static void send_fx(esip_fsm_fx *fx, unsigned what, uint32_t value)
{
	esip_fsm_fx_push(fx, ESIP_FX_SEND, what, value);
}
static void start(esip_fsm_fx *fx, unsigned tm, uint32_t ms)
{
	esip_fsm_fx_push(fx, ESIP_FX_TIMER_START, tm, ms);
}
static void stop(esip_fsm_fx *fx, unsigned tm) { esip_fsm_fx_push(fx, ESIP_FX_TIMER_STOP, tm, 0); }
static void report(esip_fsm_fx *fx, unsigned what, uint32_t value)
{
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, what, value);
}

static uint32_t t1(const esip_call *c) { return TCFG(c)->t1_ms ? TCFG(c)->t1_ms : 500; }
static uint32_t t2(const esip_call *c) { return TCFG(c)->t2_ms ? TCFG(c)->t2_ms : 4000; }
static uint32_t t64(const esip_call *c) { return 64u * t1(c); }

/* The peer's SDP, kept for esip_ua_call_remote_sdp (bookkeeping). */
static void keep_remote_sdp(esip_call *c, const dlg_arg *a)
{
	esip_str sdp;

	if (!a || !a->msg)
		return;
	sdp = esip__dlg_sdp_of(a->msg);
	if (sdp.p)
		esip__call_setbytes(c, &c->remote_sdp, &c->remote_sdp_len, sdp);
}

/* ---- outgoing calls ---------------------------------------------------------------- */

void esip__dlga_start_invite(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	send_fx(fx, DS_INVITE, 0);
	if (c->ua->cfg.no_answer_ms)
		start(fx, DT_NO_ANSWER, c->ua->cfg.no_answer_ms);
}

/* A provisional response of the early dialog at hand (13.2.2.1): it may
 * carry early media. */
static void early(esip_call *c, const dlg_arg *a)
{
	c->flags |= CF_GOT_1XX;
	if (a && a->msg) {
		c->status = a->msg->status;
		keep_remote_sdp(c, a);
	}
}

void esip__dlga_provisional(void *ctx, const void *arg, esip_fsm_fx *fx) { early(C(ctx), A(arg)); }
void esip__dlga_ringing(void *ctx, const void *arg, esip_fsm_fx *fx) { early(C(ctx), A(arg)); }

void esip__dlga_add_early_dialog(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* 12.1.2: a provisional response with a To tag creates an early
	 * dialog; each new tag is another one (a fork, 13.2.2.4).  The latest
	 * one's state is the call's until a 2xx decides */
	if (!a || !a->msg || !a->msg->to.tag.p)
		return;
	esip__dlg_leg_add(c, a->msg->to.tag);
	esip__dlg_from_response(c, a->msg);
}

void esip__dlga_confirm_uac(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* 12.1.2 / 13.2.2.4: the 2xx makes the dialog (its tag wins over the
	 * early dialogs), ACK it */
	c->flags |= CF_ESTABLISHED | CF_GOT_1XX;
	if (a && a->msg) {
		c->status = a->msg->status;
		esip__dlg_from_response(c, a->msg);
		keep_remote_sdp(c, a);
	}
	esip__dlg_legs_free(c);
	stop(fx, DT_ALL);
	send_fx(fx, DS_ACK, 0);
}

void esip__dlga_resend_ack(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 13.2.2.4: "The UAC core MUST generate an ACK ... for each 2xx" */
	send_fx(fx, DS_ACK, 0);
}

void esip__dlga_ack_and_bye_fork(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 13.2.2.4: a 2xx of another dialog after one was confirmed: ACK it,
	 * then BYE it (the UA keeps one dialog per call) */
	send_fx(fx, DS_FORK_ACK_BYE, 0);
}

void esip__dlga_uac_rejected(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* 13.2.2.3: the transaction ACKed it (17.1.1.3); the early dialogs
	 * end with it */
	if (a && a->msg)
		c->status = a->msg->status;
	stop(fx, DT_ALL);
}

void esip__dlga_uac_failed(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* 8.1.3.1: 408 for a timeout, 503 for a transport failure */
	if (a && a->status)
		c->status = (uint16_t)a->status;
	stop(fx, DT_ALL);
}

/* ---- cancelling --------------------------------------------------------------------------- */

static void cancel(esip_call *c, esip_fsm_fx *fx)
{
	/* 9.1: "a CANCEL MUST NOT be sent" before a provisional response:
	 * it waits for the first one */
	if (c->flags & CF_GOT_1XX) {
		c->flags |= CF_CANCEL_SENT;
		send_fx(fx, DS_CANCEL, 0);
	} else {
		c->flags |= CF_CANCEL_WAIT;
	}
	stop(fx, DT_ALL);
	start(fx, DT_GUARD, 2 * t64(c));
}

void esip__dlga_send_cancel(void *ctx, const void *arg, esip_fsm_fx *fx) { cancel(C(ctx), fx); }
void esip__dlga_uac_no_answer(void *ctx, const void *arg, esip_fsm_fx *fx) { cancel(C(ctx), fx); }

void esip__dlga_cancel_on_provisional(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	c->flags |= CF_GOT_1XX;
	if (a && a->msg && a->msg->to.tag.p && a->msg->status > 100)
		esip__dlg_from_response(c, a->msg);
	if (c->flags & CF_CANCEL_WAIT) {
		c->flags = (uint16_t)((c->flags & ~CF_CANCEL_WAIT) | CF_CANCEL_SENT);
		send_fx(fx, DS_CANCEL, 0);
	}
}

void esip__dlga_cancelled_2xx(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* 9.1 / 15: the 200 won the race with the CANCEL: the dialog exists;
	 * acknowledge it, then end it */
	c->flags |= CF_ESTABLISHED;
	c->flags &= (uint16_t)~CF_CANCEL_WAIT;
	if (a && a->msg) {
		c->status = a->msg->status;
		esip__dlg_from_response(c, a->msg);
	}
	esip__dlg_legs_free(c);
	send_fx(fx, DS_ACK, 0);
	send_fx(fx, DS_BYE, 0);
}

void esip__dlga_cancel_done(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	if (a && a->msg)
		c->status = a->msg->status;
	else if (a && a->status)
		c->status = (uint16_t)a->status;
	stop(fx, DT_ALL);
}

/* ---- incoming calls ------------------------------------------------------------------------ */

void esip__dlga_incoming(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* the dialog state was taken from the INVITE when the call was made
	 * (uas.c); the application hears of it, and an unanswered call
	 * gets 480 in the end */
	keep_remote_sdp(c, A(arg));
	start(fx, DT_NO_ANSWER, c->ua->cfg.incoming_timeout_ms);
	report(fx, DR_INCOMING, 0);
}

void esip__dlga_send_ringing(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	const dlg_arg *a = A(arg);

	send_fx(fx, DS_PROVISIONAL, a && a->status ? a->status : 180);
}

void esip__dlga_accept(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* 13.3.1.4: the 2xx is retransmitted by the UAS core from T1, doubling
	 * to T2, until the ACK; 64*T1 without one ends the session */
	c->flags |= CF_ESTABLISHED;
	c->retx_ms = t1(c);
	stop(fx, DT_ALL);
	send_fx(fx, DS_FINAL, 200);
	start(fx, DT_2XX, c->retx_ms);
	start(fx, DT_ACK_WAIT, t64(c));
}

void esip__dlga_reject(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	const dlg_arg *a = A(arg);

	stop(fx, DT_ALL);
	send_fx(fx, DS_FINAL, a && a->status ? a->status : 603);
}

void esip__dlga_uas_cancelled(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 9.2: "the UAS SHOULD ... respond to the INVITE with a 487" (the
	 * transaction layer answers the CANCEL itself, after this) */
	stop(fx, DT_ALL);
	send_fx(fx, DS_FINAL, 487);
}

void esip__dlga_uas_no_answer(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 21.4.18: 480 Temporarily Unavailable - nobody answered */
	stop(fx, DT_ALL);
	send_fx(fx, DS_FINAL, 480);
}

void esip__dlga_uas_bye_early(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 15.1.2: a BYE for an early dialog gets 2xx, the INVITE 487 */
	stop(fx, DT_ALL);
	send_fx(fx, DS_ANSWER, 200);
	send_fx(fx, DS_FINAL, 487);
}

void esip__dlga_confirm_uas(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* 13.3.1.4: the ACK confirms; the offer in our 2xx (an offerless
	 * INVITE) is answered in it (13.2.1) */
	c->flags |= CF_CONFIRMED;
	keep_remote_sdp(c, A(arg));
	stop(fx, DT_2XX);
	stop(fx, DT_ACK_WAIT);
	send_fx(fx, DS_ACKED_2XX, 0);
	/* the application hears of the ACK (the request hook) */
	report(fx, DR_REQUEST, 0);
	/* 15: a callee that hung up before the ACK sends its BYE now */
	if (c->flags & CF_BYE_WAIT) {
		c->flags &= (uint16_t)~CF_BYE_WAIT;
		send_fx(fx, DS_BYE, 0);
		start(fx, DT_GUARD, 2 * t64(c));
	}
}

void esip__dlga_resend_2xx(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	uint32_t next = c->retx_ms * 2;

	/* 13.3.1.4: "an interval that starts at T1 seconds and doubles for
	 * each retransmission until it reaches T2 seconds" */
	c->retx_ms = next < t2(c) ? next : t2(c);
	send_fx(fx, DS_FINAL, 200);
	start(fx, DT_2XX, c->retx_ms);
}

void esip__dlga_no_ack(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* 13.3.1.4: "the dialog is confirmed, but the session SHOULD be
	 * terminated" with BYE */
	c->flags |= CF_CONFIRMED;
	c->flags &= (uint16_t)~CF_BYE_WAIT;
	stop(fx, DT_ALL);
	send_fx(fx, DS_BYE, 0);
	start(fx, DT_GUARD, 2 * t64(c));
}

/* ---- in the dialog ---------------------------------------------------------------------------- */

void esip__dlga_send_bye(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* 15: "The callee's UA MUST NOT send a BYE on a confirmed dialog
	 * until it has received an ACK for its 2xx response or until the
	 * server transaction times out": then it waits (confirm_uas, no_ack) */
	if (c->dir == ESIP_CALL_INCOMING_DIR && !(c->flags & CF_CONFIRMED)) {
		/* the 2xx retransmissions and the ACK wait go on; the ACK wait
		 * is the guard (no_ack sends the BYE) */
		c->flags |= CF_BYE_WAIT;
		return;
	}
	stop(fx, DT_ALL);
	send_fx(fx, DS_BYE, 0);
	start(fx, DT_GUARD, 2 * t64(c));
}

void esip__dlga_answer_bye(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 15.1.2: "the UAS MUST ... generate a 2xx response to the BYE" */
	stop(fx, DT_ALL);
	send_fx(fx, DS_ANSWER, 200);
}

void esip__dlga_bye_done(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 15.1.1: any final response to the BYE, or none, ends the session */
	stop(fx, DT_ALL);
}

void esip__dlga_answer_reinvite(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* 14.2: a re-INVITE is answered like an INVITE: our session (an
	 * answer to its offer, RFC 3264 8, or an offer when it has none) in
	 * a 2xx retransmitted until its ACK (13.3.1.4); 12.2.2 target refresh */
	if (a && a->msg)
		esip__dlg_refresh_target(c, a->msg);
	c->flags &= (uint16_t)~CF_CONFIRMED;
	c->retx_ms = t1(c);
	send_fx(fx, DS_ANSWER, 200);
	start(fx, DT_2XX, c->retx_ms);
	start(fx, DT_ACK_WAIT, t64(c));
	report(fx, DR_REQUEST, 200);
}

void esip__dlga_answer_update(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* RFC 3311 5.2: an UPDATE with an offer gets the answer in its 2xx;
	 * it refreshes the target like a re-INVITE */
	if (a && a->msg)
		esip__dlg_refresh_target(c, a->msg);
	send_fx(fx, DS_ANSWER, 200);
	report(fx, DR_REQUEST, 200);
}

void esip__dlga_answer_request(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 12.2.2: a request in the dialog the call does not act on: answered
	 * by its method (the interpreter's policy) and reported */
	send_fx(fx, DS_ANSWER, 0);
	report(fx, DR_REQUEST, 0);
}

void esip__dlga_dialog_gone(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);
	const dlg_arg *a = A(arg);

	/* 12.2.1.2: the peer has no such dialog (481) or cannot be reached
	 * (408): nothing more to send */
	if (a && a->status)
		c->status = (uint16_t)a->status;
	stop(fx, DT_ALL);
}

void esip__dlga_end_now(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* the UA goes: what can still be said on the wire, once, without
	 * waiting (BYE, CANCEL, or 480 to an unanswered INVITE) */
	stop(fx, DT_ALL);
	switch (c->state) {
	case dlg_S_calling:
	case dlg_S_proceeding:
	case dlg_S_ringing:
	case dlg_S_replacing:
		if ((c->flags & (CF_GOT_1XX | CF_CANCEL_SENT)) == CF_GOT_1XX)
			send_fx(fx, DS_CANCEL, 0);
		break;
	case dlg_S_incoming:
	case dlg_S_alerting:
		send_fx(fx, DS_FINAL, 480);
		break;
	case dlg_S_established:
	case dlg_S_referring:
	case dlg_S_referred:
	case dlg_S_refer_pending:
		send_fx(fx, DS_BYE, 0);
		break;
	default:
		break;
	}
}

/* ---- REFER: the dialog's side (the subscription, refer.def, acts) -------------- */

void esip__dlga_refer_sent(void *ctx, const void *arg, esip_fsm_fx *fx) {}
void esip__dlga_refer_done(void *ctx, const void *arg, esip_fsm_fx *fx) {}
void esip__dlga_refer_received(void *ctx, const void *arg, esip_fsm_fx *fx) {}
void esip__dlga_refer_taken(void *ctx, const void *arg, esip_fsm_fx *fx) {}
void esip__dlga_refer_declined(void *ctx, const void *arg, esip_fsm_fx *fx) {}

/* ---- Replaces ---------------------------------------------------------------------- */

void esip__dlga_accept_replacing(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* RFC 3891 3: "it accepts the new INVITE by sending a 200-class
	 * response"; then as any accepted call (13.3.1.4) */
	esip__dlga_accept(ctx, arg, fx);
}

void esip__dlga_replaced_ok(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* ours: the 2xx is the new dialog, acknowledged like any (13.2.2.4);
	 * theirs: the 200 went out already (accept_replacing) */
	if (c->dir == ESIP_CALL_OUTGOING)
		esip__dlga_confirm_uac(ctx, arg, fx);
}

void esip__dlga_replace_failed(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	const dlg_arg *a = A(arg);

	/* a final response, or (without one) 408 or 503 as for any call
	 * (8.1.3.1) */
	if (a && !a->msg && a->status)
		esip__dlga_uac_failed(ctx, arg, fx);
	else
		esip__dlga_uac_rejected(ctx, arg, fx);
}

void esip__dlga_bye_replaced(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* RFC 3891 3: "shuts down the replaced dialog by sending a BYE"; the
	 * call is over for the application (replaced), its BYE runs on */
	C(ctx)->ua->stats.replaces++;
	stop(fx, DT_ALL);
	send_fx(fx, DS_BYE, 0);
}

void esip__dlga_cancel_replaced(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_call *c = C(ctx);

	/* RFC 3891 3: an early dialog we initiated ends with CANCEL (9.1: as
	 * soon as a provisional response allows it; with none yet the
	 * INVITE's Timer B ends it unseen) */
	c->ua->stats.replaces++;
	stop(fx, DT_ALL);
	if (c->flags & CF_GOT_1XX)
		send_fx(fx, DS_CANCEL, 0);
}
