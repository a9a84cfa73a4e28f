/*
 * actions.c - what each row of ict.def, nict.def, ist.def and nist.def
 * does, as effects for the interpreter (interp.c).  No action sends,
 * reads a clock or touches a timer itself; each only looks at its
 * transaction, keeps its bookkeeping (the doubling intervals, flags,
 * counters) and lists effects.  Reports to the owner come last in each
 * action, so that an owner who answers from inside its callback finds the
 * timers already as the RFC wants them.
 *
 * Durations (RFC 3261 17.1.1.1, Table 4): T1, T2, T4 from the config;
 * B, F, H, J(unreliable), L, M = 64*T1 (B and F overridable); D = 32 s
 * (unreliable) or 0; I, K = T4 (unreliable) or 0.
 */
#include "txn_int.h"

static inline esip_txn *TX(void *ctx) { return ctx; }
static inline const esip_txl_config *CFG(const esip_txn *t) { return &t->txl->cfg; }
static inline bool reliable(const esip_txn *t) { return (t->flags & TXF_RELIABLE) != 0; }

static void start(esip_fsm_fx *fx, unsigned tm, uint32_t ms)
{
	esip_fsm_fx_push(fx, ESIP_FX_TIMER_START, tm, ms);
}

static void stop(esip_fsm_fx *fx, unsigned tm) { esip_fsm_fx_push(fx, ESIP_FX_TIMER_STOP, tm, 0); }
static void send_msg(esip_fsm_fx *fx, unsigned what) { esip_fsm_fx_push(fx, ESIP_FX_SEND, what, 0); }
static void report(esip_fsm_fx *fx, esip_txn_event ev)
{
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, (unsigned)ev, 0);
}

static uint32_t t64(const esip_txn *t) { return 64u * CFG(t)->t1_ms; }

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Entering Terminated: every timer off, the owner told, the object freed
 * ("Once the transaction is in the Terminated state, it MUST be destroyed
 * immediately", RFC 6026 7.1, 7.2; 17.1.1.2, 17.2.1). */
static void terminate(esip_fsm_fx *fx)
{
	stop(fx, TM_ALL);
	report(fx, ESIP_TXE_TERMINATED);
	esip_fsm_fx_push(fx, ESIP_FX_DESTROY, 0, 0);
}

/* ---- client, INVITE (17.1.1.2, RFC 6026 7.2) -------------------------- */

void esip__txa_start_invite(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	send_msg(fx, TXS_REQUEST);
	/* Timer A only for unreliable transports, starting at T1 */
	if (!reliable(t)) {
		t->retx_ms = CFG(t)->t1_ms;
		start(fx, TM_A, t->retx_ms);
	}
	start(fx, TM_B, CFG(t)->timer_b_ms);
}

void esip__txa_retransmit_a(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.1.1.2: "the client transaction MUST retransmit the request by
	 * passing it to the transport layer, and MUST reset the timer with a
	 * value of 2*T1" - doubling without a cap, until Timer B */
	t->retx_ms = t->retx_ms > UINT32_MAX / 2 ? UINT32_MAX : t->retx_ms * 2;
	t->txl->stats.retransmissions++;
	send_msg(fx, TXS_REQUEST);
	start(fx, TM_A, t->retx_ms);
}

void esip__txa_invite_provisional(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.1.1.2: no more retransmissions in Proceeding; Timer B belongs
	 * to Calling.  Timer C (ict.def) is restarted by every provisional. */
	t->flags |= TXF_GOT_1XX;
	stop(fx, TM_A);
	stop(fx, TM_B);
	start(fx, TM_C, CFG(t)->timer_c_ms);
	report(fx, ESIP_TXE_PROVISIONAL);
}

void esip__txa_invite_accepted(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* RFC 6026 7.2: Accepted, Timer M = 64*T1, the 2xx to the TU (which
	 * sends the ACK itself) */
	stop(fx, TM_ALL);
	start(fx, TM_M, t64(t));
	report(fx, ESIP_TXE_SUCCESS);
}

void esip__txa_invite_rejected(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.1.1.2: ACK (17.1.1.3), Completed, Timer D "at least 32 seconds
	 * for unreliable transports, and ... zero seconds for reliable" */
	stop(fx, TM_ALL);
	send_msg(fx, TXS_ACK);
	start(fx, TM_D, reliable(t) ? 0 : CFG(t)->timer_d_ms);
	report(fx, ESIP_TXE_FAILURE);
}

void esip__txa_cancel_guard(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 9.1: "If there is no final response for the original request in
	 * 64*T1 seconds ..., the client SHOULD then consider the original
	 * transaction cancelled and SHOULD destroy the client transaction":
	 * Timer C becomes that guard (provisional responses no longer
	 * restart it) */
	start(fx, TM_C, t64(TX(ctx)));
}

void esip__txa_cancel_on_timer_c(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 16.8: Timer C fired after a provisional response: CANCEL it (the
	 * layer's own CANCEL, ict.def), then the guard of 9.1 */
	send_msg(fx, TXS_CANCEL);
	esip__txa_cancel_guard(ctx, arg, fx);
}

void esip__txa_resend_ack(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 17.1.1.2: a retransmitted final response in Completed gets the
	 * ACK again, and is not passed up */
	TX(ctx)->txl->stats.absorbed++;
	send_msg(fx, TXS_ACK);
}

void esip__txa_report_success(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* RFC 6026 7.2: every 2xx in Accepted goes to the TU */
	report(fx, ESIP_TXE_SUCCESS);
}

/* ---- client, non-INVITE (17.1.2.2) ----------------------------------- */

void esip__txa_start_non_invite(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	send_msg(fx, TXS_REQUEST);
	if (!reliable(t)) {
		t->retx_ms = CFG(t)->t1_ms;
		start(fx, TM_E, t->retx_ms);
	}
	start(fx, TM_F, CFG(t)->timer_f_ms);
}

void esip__txa_retransmit_e(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.1.2.2 Trying: "reset with a value of MIN(2*T1, T2)", doubling
	 * up to T2 */
	t->retx_ms = min_u32(t->retx_ms > UINT32_MAX / 2 ? UINT32_MAX : t->retx_ms * 2,
			     CFG(t)->t2_ms);
	t->txl->stats.retransmissions++;
	send_msg(fx, TXS_REQUEST);
	start(fx, TM_E, t->retx_ms);
}

void esip__txa_retransmit_e_t2(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.1.2.2 Proceeding: "Timer E MUST be reset with a value of T2" */
	t->retx_ms = CFG(t)->t2_ms;
	t->txl->stats.retransmissions++;
	send_msg(fx, TXS_REQUEST);
	start(fx, TM_E, t->retx_ms);
}

void esip__txa_report_provisional(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	TX(ctx)->flags |= TXF_GOT_1XX;
	report(fx, ESIP_TXE_PROVISIONAL);
}

static void non_invite_final(esip_txn *t, esip_fsm_fx *fx, esip_txn_event ev)
{
	/* 17.1.2.2: Completed, Timer K = T4 (unreliable) or zero */
	stop(fx, TM_ALL);
	start(fx, TM_K, reliable(t) ? 0 : CFG(t)->t4_ms);
	report(fx, ev);
}

void esip__txa_non_invite_success(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	non_invite_final(TX(ctx), fx, ESIP_TXE_SUCCESS);
}

void esip__txa_non_invite_failure(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	non_invite_final(TX(ctx), fx, ESIP_TXE_FAILURE);
}

/* ---- both clients and servers ----------------------------------------- */

void esip__txa_absorb(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	TX(ctx)->txl->stats.absorbed++;
}

void esip__txa_timeout(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* Timer B / F (client, 17.1.1.2, 17.1.2.2: "inform the TU that a
	 * timeout has occurred"), the 9.1 guard after a CANCEL, or H (server,
	 * 17.2.1: no ACK came) */
	TX(ctx)->txl->stats.timeouts++;
	stop(fx, TM_ALL);
	report(fx, ESIP_TXE_TIMEOUT);
	terminate(fx);
}

void esip__txa_transport_error(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 17.1.4: a client transaction informs the TU and terminates */
	TX(ctx)->txl->stats.transport_errors++;
	stop(fx, TM_ALL);
	report(fx, ESIP_TXE_TRANSPORT_ERROR);
	terminate(fx);
}

void esip__txa_terminate(void *ctx, const void *arg, esip_fsm_fx *fx) { terminate(fx); }

/* ---- server, INVITE (17.2.1, RFC 6026 7.1) ---------------------------- */

void esip__txa_report_request(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 17.2.1 / 17.2.2: the request goes to the TU, which may answer
	 * inside the event (then no 100 Trying timer is ever needed) */
	report(fx, ESIP_TXE_REQUEST);
}

void esip__txa_trying_delay_invite(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 17.2.1: "MUST generate a 100 (Trying) response unless it knows
	 * that the TU will generate a provisional or final response within
	 * 200 ms" - started when the request's event returned unanswered, at
	 * that event's time */
	start(fx, TM_TRYING, 200);
}

void esip__txa_send_trying(void *ctx, const void *arg, esip_fsm_fx *fx) { send_msg(fx, TXS_TRYING); }

void esip__txa_resend_response(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 17.2.1 / 17.2.2: a retransmitted request gets the most recent
	 * response again (none yet: it is only absorbed) */
	esip_txn *t = TX(ctx);

	t->txl->stats.absorbed++;
	if (t->out_len || (t->flags2 & TXF2_TRYING_OUT))
		send_msg(fx, TXS_RESPONSE);
}

void esip__txa_report_cancel(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 9.2: the TU decides (a UAS answers the INVITE with 487) */
	report(fx, ESIP_TXE_CANCEL);
}

void esip__txa_send_provisional(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* the TU answered: no 100 from the layer (17.2.1, RFC 4320 4.1) */
	stop(fx, TM_TRYING);
	send_msg(fx, TXS_RESPONSE);
}

void esip__txa_invite_send_2xx(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* RFC 6026 7.1: Accepted, Timer L = 64*T1 for all transports */
	stop(fx, TM_ALL);
	send_msg(fx, TXS_RESPONSE);
	start(fx, TM_L, t64(TX(ctx)));
}

void esip__txa_invite_send_final(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.2.1: Completed; Timer G = T1 for unreliable transports, Timer
	 * H = 64*T1 for all */
	stop(fx, TM_ALL);
	send_msg(fx, TXS_RESPONSE);
	if (!reliable(t)) {
		t->retx_ms = CFG(t)->t1_ms;
		start(fx, TM_G, t->retx_ms);
	}
	start(fx, TM_H, t64(t));
}

void esip__txa_send_response(void *ctx, const void *arg, esip_fsm_fx *fx) { send_msg(fx, TXS_RESPONSE); }

void esip__txa_retransmit_g(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.2.1: MIN(2*T1, T2), then doubling up to T2 */
	t->retx_ms = min_u32(t->retx_ms > UINT32_MAX / 2 ? UINT32_MAX : t->retx_ms * 2,
			     CFG(t)->t2_ms);
	t->txl->stats.retransmissions++;
	send_msg(fx, TXS_RESPONSE);
	start(fx, TM_G, t->retx_ms);
}

void esip__txa_confirm(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.2.1: the ACK ends the retransmissions; Confirmed absorbs ACK
	 * retransmissions for Timer I = T4 (unreliable) or zero.  The ACK
	 * for a non-2xx is not passed to the TU. */
	stop(fx, TM_ALL);
	start(fx, TM_I, reliable(t) ? 0 : CFG(t)->t4_ms);
}

void esip__txa_report_ack(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* RFC 6026 7.1: "Any ACKs received ... in the Accepted state MUST be
	 * passed directly to the TU" */
	report(fx, ESIP_TXE_ACK_2XX);
}

void esip__txa_report_transport_error(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* RFC 6026 7.1, 8.8: inform the TU, keep the state */
	TX(ctx)->txl->stats.transport_errors++;
	report(fx, ESIP_TXE_TRANSPORT_ERROR);
}

/* ---- server, non-INVITE (17.2.2) --------------------------------------- */

/* RFC 4320 4.1: the time "it takes a client transaction's Timer E to be
 * reset to T2": E fires at T1, then at intervals doubling up to T2
 * (17.1.2.2); the firing that resets it to T2 is the one. */
static uint32_t timer_e_reaches_t2(const esip_txl_config *c)
{
	uint64_t at = 0, iv = c->t1_ms ? c->t1_ms : 1;

	for (;;) {
		at += iv;
		iv = 2 * iv < c->t2_ms ? 2 * iv : c->t2_ms;
		if (iv >= c->t2_ms || at >= UINT32_MAX)
			return at < UINT32_MAX ? (uint32_t)at : UINT32_MAX;
	}
}

void esip__txa_trying_delay_non_invite(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* RFC 4320 4.1: a 100 unless the TU answers first (nist.def) */
	start(fx, TM_TRYING, timer_e_reaches_t2(CFG(TX(ctx))));
}

void esip__txa_non_invite_send_final(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_txn *t = TX(ctx);

	/* 17.2.2: Completed, Timer J = 64*T1 (unreliable) or zero; no 100
	 * any more (RFC 4320 4.1) */
	stop(fx, TM_TRYING);
	send_msg(fx, TXS_RESPONSE);
	start(fx, TM_J, reliable(t) ? 0 : t64(t));
}
