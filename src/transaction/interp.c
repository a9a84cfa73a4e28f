/*
 * interp.c - the one interpreter of transaction effects, the two embedded
 * timers of each transaction (its life timer in a queue of its duration
 * when there is one, lifeq.c), what it keeps (esip__txn_shed), and its
 * destruction.
 *
 * Every path that changes a transaction comes here: a received message,
 * a timer, a transport error or the TU's response is an event for the
 * machine (esip_fsm_dispatch); the machine's action lists effects; this
 * file applies them in order.  A zero-length timer (Timer D, I, J, K over
 * reliable transports) and a failed send become events queued on the
 * transaction and fed in right after the current effects, so the table
 * still says what happens (Completed --timer_j--> Terminated) without a
 * trip through the wheel.
 *
 * Re-entrancy: a REPORT effect calls the owner, who may respond (another
 * event on the same transaction) before this list is finished.  depth
 * counts the nested calls; after each REPORT the rest of the list is
 * dropped if the transaction died meanwhile, and the memory is freed when
 * the outermost call returns.
 */
#include "txn_int.h"

#include <stdlib.h>
#include <string.h>

unsigned esip__txn_timer_event(unsigned tm)
{
	switch (tm) {
	case TM_A: return TXEV_timer_a;
	case TM_B: return TXEV_timer_b;
	case TM_C: return TXEV_timer_c;
	case TM_D: return TXEV_timer_d;
	case TM_E: return TXEV_timer_e;
	case TM_F: return TXEV_timer_f;
	case TM_G: return TXEV_timer_g;
	case TM_H: return TXEV_timer_h;
	case TM_I: return TXEV_timer_i;
	case TM_J: return TXEV_timer_j;
	case TM_K: return TXEV_timer_k;
	case TM_L: return TXEV_timer_l;
	case TM_M: return TXEV_timer_m;
	case TM_TRYING: return TXEV_timer_trying;
	}
	return TXEV__COUNT;
}

static void on_retx(esip_timer *tm, uint64_t now)
{
	esip_txn *t = ESIP_CONTAINER_OF(tm, esip_txn, t_retx);
	unsigned id = t->retx_id;

	t->retx_id = TM_NONE;
	esip__txn_event(t, esip__txn_timer_event(id), NULL, NULL, now);
}

static void on_life(esip_timer *tm, uint64_t now)
{
	esip_txn *t = ESIP_CONTAINER_OF(tm, esip_txn, t_life);
	unsigned id = t->life_id;

	t->life_id = TM_NONE;
	esip__txn_event(t, esip__txn_timer_event(id), NULL, NULL, now);
}

esip_txn *esip__txn_alloc(esip_txl *txl, esip_txn_kind kind, size_t extra)
{
	size_t size = sizeof(esip_txn) + extra;
	esip_txn *t;

	if (extra > UINT32_MAX - sizeof(esip_txn))
		return NULL;
	t = esip_malloc(txl->alloc, size);
	if (!t)
		return NULL;
	memset(t, 0, sizeof *t);
	t->txl = txl;
	t->kind = (uint8_t)kind;
	if (kind == ESIP_TXN_IST || kind == ESIP_TXN_NIST)
		t->flags |= TXF_SERVER;
	esip_timer_init(&t->t_retx, on_retx);
	esip_timer_init(&t->t_life, on_life);
	txl->stats.live[kind]++;
	txl->stats.created[kind]++;
	esip__txn_account(t, (int64_t)size);
	txl->live_total++;
	return t;
}

static void life_stop(esip_txn *t)
{
	esip_txl *txl = t->txl;

	if (t->flags2 & TXF2_LIFE_QUEUED)
		esip__lifeq_stop(&txl->lifeq[(t->flags2 & TXF2_LIFE_QMASK) >> TXF2_LIFE_QSHIFT], t);
	else
		esip_timer_stop(txl->wheel, &t->t_life);
}

/* The ids say which timers are armed (esip__txl_check): a timer that is
 * not is not touched (t_retx lies outside the lines an ending transaction
 * touches). */
static void timer_stop(esip_txn *t, unsigned tm)
{
	if (t->retx_id != TM_NONE && (tm == TM_ALL || t->retx_id == tm)) {
		esip_timer_stop(t->txl->wheel, &t->t_retx);
		t->retx_id = TM_NONE;
	}
	if (t->life_id != TM_NONE && (tm == TM_ALL || t->life_id == tm)) {
		life_stop(t);
		t->life_id = TM_NONE;
	}
}

size_t esip__txn_bytes(const esip_txn *t)
{
	size_t n = sizeof *t + t->out_cap + t->req_len;
	int k;

	for (k = 0; k < TK__COUNT; k++)
		n += t->klen[k];
	if (t->ctx)
		n += sizeof *t->ctx + t->ctx->skel_len;
	return n;
}

void esip__txn_account(esip_txn *t, int64_t delta)
{
	t->bytes = (uint32_t)((int64_t)t->bytes + delta);
	t->txl->stats.bytes_live = (uint64_t)((int64_t)t->txl->stats.bytes_live + delta);
}

static void free_req(esip_txn *t)
{
	esip__txn_account(t, -(int64_t)t->req_len);
	esip_free(t->txl->alloc, t->req);
	t->req = NULL;
	t->req_len = 0;
}

static void free_ctx(esip_txn *t)
{
	esip__txn_account(t, -(int64_t)(sizeof *t->ctx + t->ctx->skel_len));
	esip_free(t->txl->alloc, t->ctx);
	t->ctx = NULL;
}

static void txn_free(esip_txn *t)
{
	esip_txl *txl = t->txl;

	/* only the outermost call frees: a nested one (an owner callback, a
	 * hold) still has the transaction in hand */
	ESIP_ASSERT(t->depth == 0);
	timer_stop(t, TM_ALL);
	if (t->flags & TXF_IN_TABLE)
		esip__txn_table_remove(txl, t);
	esip__txn_conn_detach(t);
	if (txl->cur_txn == t)
		txl->cur_txn = NULL;
	txl->stats.live[t->kind]--;
	txl->stats.bytes_live -= t->bytes;
	txl->live_total--;
	esip_free(txl->alloc, t->out);
	esip_free(txl->alloc, t->req);
	esip_free(txl->alloc, t->ctx);
	esip_free(txl->alloc, t);
}

void esip__txn_discard(esip_txn *t) { txn_free(t); }

void esip__txn_hold(esip_txn *t) { t->depth++; }

void esip__txn_release(esip_txn *t)
{
	if (--t->depth == 0 && (t->flags & TXF_DEAD))
		txn_free(t);
}

/* Makes out at least `need` bytes long (its bytes stay). */
static int out_reserve(esip_txn *t, size_t need)
{
	char *p;

	if (need <= t->out_cap)
		return 0;
	if (need > UINT32_MAX)
		return ESIP_ENOMEM;
	p = esip_realloc(t->txl->alloc, t->out, need);
	if (!p)
		return ESIP_ENOMEM;
	esip__txn_account(t, (int64_t)(need - t->out_cap));
	t->out = p;
	t->out_cap = (uint32_t)need;
	return 0;
}

int esip__txn_store_out(esip_txn *t, const void *bytes, size_t len)
{
	if (len > UINT32_MAX - t->tag_len || out_reserve(t, t->tag_len + len) < 0)
		return ESIP_ENOMEM;
	memcpy(t->out + t->tag_len, bytes, len);
	t->out_len = (uint32_t)len;
	return 0;
}

int esip__txn_store_response(esip_txn *t, esip_str tag, const void *bytes, size_t len)
{
	/* one allocation for both (the common case: the first response, with
	 * a new tag) */
	bool keep = !tag.p || (tag.len == t->tag_len && (!tag.len || !memcmp(t->out, tag.p, tag.len)));
	size_t tl = keep ? t->tag_len : tag.len;

	if (len > UINT32_MAX - tl || out_reserve(t, tl + len) < 0)
		return ESIP_ENOMEM;
	if (!keep) {
		/* a different tag never points into out (see esip__txn_store_tag) */
		memcpy(t->out, tag.p, tag.len);
		t->tag_len = (uint32_t)tag.len;
	}
	memcpy(t->out + tl, bytes, len);
	t->out_len = (uint32_t)len;
	return 0;
}

int esip__txn_store_tag(esip_txn *t, esip_str tag)
{
	if (tag.len == t->tag_len && (!tag.len || !memcmp(t->out, tag.p, tag.len)))
		return 0;
	/* a different tag never points into out (the kept one returned
	 * above): it comes from a request, a spec or a generator */
	ESIP_ASSERT(!t->out || (uintptr_t)tag.p < (uintptr_t)t->out ||
		    (uintptr_t)tag.p >= (uintptr_t)t->out + t->out_cap);
	if (tag.len > UINT32_MAX - t->out_len || out_reserve(t, tag.len + t->out_len) < 0)
		return ESIP_ENOMEM;
	memmove(t->out + tag.len, t->out + t->tag_len, t->out_len);
	if (tag.len)
		memcpy(t->out, tag.p, tag.len);
	t->tag_len = (uint32_t)tag.len;
	return 0;
}

/*
 * What each state keeps (struct esip_txn): a client's request only while
 * it may be sent again or an ACK or CANCEL be built from it (up to
 * Cancelling; Completed keeps the ACK it built, one that could not be
 * built is tried again from the request); a server's skeleton only until
 * a response other than 100 (a final one, or a provisional one from which
 * the later ones are built, server.c).
 */
bool esip__txn_needs_req(const esip_txn *t)
{
	switch (t->kind) {
	case ESIP_TXN_ICT:
		return t->state == esip__ict_S_Calling || t->state == esip__ict_S_Proceeding ||
		       t->state == esip__ict_S_Cancelling ||
		       (t->state == esip__ict_S_Completed && !t->out_len);
	case ESIP_TXN_NICT:
		return t->state == esip__nict_S_Trying || t->state == esip__nict_S_Proceeding;
	default:
		return false;
	}
}

void esip__txn_shed(esip_txn *t)
{
	if (t->req && !esip__txn_needs_req(t))
		free_req(t);
	if (t->ctx && t->status > 100)
		free_ctx(t);
}

static void queue_event(esip_txn *t, unsigned ev)
{
	/* at most a send error and a zero timer per effect list; the queue
	 * is drained before the next list runs.  NEVER more than fits: a
	 * dropped zero-length Timer J/K/I would leave a live transaction
	 * with no timer, so an overflow is a bug and aborts. */
	if (t->pending_n >= sizeof t->pending)
		abort();
	t->pending[t->pending_n++] = (uint8_t)ev;
}

int esip__txn_send(esip_txn *t, const void *bytes, size_t len)
{
	esip_txl *txl = t->txl;
	uint32_t conn = t->dest.conn;
	int rc = txl->cb.send(txl->ud, &t->dest, bytes, len);

	/* the transport chose a connection (even for a send that then
	 * failed): the transaction is listed under it (conns.c) */
	if (t->dest.conn != conn)
		esip__txn_conn_attach(t);
	if (rc < 0)
		queue_event(t, TXEV_tp_error);
	return rc;
}

static void do_send(esip_txn *t, unsigned what, const esip_msg *msg, uint64_t now)
{
	switch (what) {
	case TXS_REQUEST:
		if (ALWAYS(t->req))
			esip__txn_send(t, t->req, t->req_len);
		break;
	case TXS_ACK:
		/* the ACK for this 300-699 (its To tag); a retransmission of
		 * the same response reuses the one built */
		if (!t->out_len && msg && esip__txn_build_ack(t, msg) < 0)
			break;
		if (t->out_len)
			esip__txn_send(t, txn_out(t), t->out_len);
		break;
	case TXS_TRYING:
		/* built by the layer, it becomes the last response */
		esip__server_send_trying(t);
		break;
	case TXS_RESPONSE:
		if (t->flags2 & TXF2_TRYING_OUT)
			esip__server_send_trying(t);
		else if (t->out_len)
			esip__txn_send(t, txn_out(t), t->out_len);
		break;
	case TXS_CANCEL:
		/* its own transaction: its failure is its own, not this one's */
		esip__client_send_cancel(t, now);
		break;
	}
}

static void timer_start(esip_txn *t, unsigned tm, uint32_t ms, uint64_t now)
{
	esip_timerwheel *w = t->txl->wheel;
	bool cleanup = TM_IS_CLEANUP(tm);
	int q;

	if (ms == 0) {
		/* zero-length timers of reliable transports fire at once */
		queue_event(t, esip__txn_timer_event(tm));
		return;
	}
	if (TM_IS_RETX(tm)) {
		t->retx_id = (uint8_t)tm;
		esip_timer_start(w, &t->t_retx, now + ms);
		return;
	}
	/* a life timer: in the queue of its duration and kind if there is
	 * one (lifeq.c); an end of absorbing may come a little later, in
	 * cleanup_slot_ms slots, so that many end (and wake the owner)
	 * together */
	timer_stop(t, t->life_id);
	t->life_id = (uint8_t)tm;
	for (q = 0; q < LQ__COUNT; q++) {
		txn_lifeq *lq = &t->txl->lifeq[q];
		if (ms == lq->ms && cleanup == lq->cleanup && esip__lifeq_start(lq, t, now)) {
			t->flags2 = (uint8_t)((t->flags2 & ~TXF2_LIFE_QMASK) |
					      ((unsigned)q << TXF2_LIFE_QSHIFT));
			return;
		}
	}
	esip_timer_start(w, &t->t_life,
			 txn_slot_round(now + ms, cleanup ? t->txl->cfg.cleanup_slot_ms : 0));
}

static void destroy(esip_txn *t)
{
	timer_stop(t, TM_ALL);
	if (t->flags & TXF_IN_TABLE)
		esip__txn_table_remove(t->txl, t);
	t->flags |= TXF_DEAD;
	t->pending_n = 0;
}

/* The message an owner's event carries: the one that caused it, except
 * for timer- and error-driven events. */
static const esip_msg *report_msg(unsigned ev, const esip_msg *msg)
{
	switch (ev) {
	case ESIP_TXE_TIMEOUT:
	case ESIP_TXE_TRANSPORT_ERROR:
	case ESIP_TXE_TERMINATED:
		return NULL;
	}
	return msg;
}

static void apply(esip_txn *t, const esip_fsm_fx *fx, const esip_msg *msg,
		  const esip_rx_info *rx, uint64_t now)
{
	esip_txl *txl = t->txl;
	unsigned i;

	for (i = 0; i < fx->n && !(t->flags & TXF_DEAD); i++) {
		const esip_fx *e = &fx->fx[i];
		switch (e->kind) {
		case ESIP_FX_SEND:
			do_send(t, e->what, msg, now);
			break;
		case ESIP_FX_TIMER_START:
			timer_start(t, e->what, e->value, now);
			break;
		case ESIP_FX_TIMER_STOP:
			timer_stop(t, e->what);
			break;
		case ESIP_FX_REPORT:
			if (!(t->flags & TXF_INTERNAL) && txl->cb.event) {
				const esip_msg *m = report_msg(e->what, msg);
				txl->cb.event(txl->ud, t, (esip_txn_event)e->what, m,
					      m ? rx : NULL, now);
			}
			break;
		case ESIP_FX_DESTROY:
			destroy(t);
			break;
		}
	}
}

void esip__txn_event(esip_txn *t, unsigned ev, const esip_msg *msg, const esip_rx_info *rx,
		     uint64_t now)
{
	const esip_fsm_machine *m = esip__txn_machine((esip_txn_kind)t->kind);
	esip_txl *txl = t->txl;

	if (t->flags & TXF_DEAD)
		return;
	/* the dispatch indexes [state][event]: both in the machine's range */
	ESIP_ASSERT(t->state < m->n_states && ev < m->n_events);
	t->depth++;
	for (;;) {
		esip_fsm_fx fx;
		int rc;

		esip_fsm_fx_init(&fx);
		rc = esip_fsm_dispatch(m, &t->state, ev, t, msg, &fx, &txl->tracer, t);
		if (rc == ESIP_FSM_HANDLED)
			apply(t, &fx, msg, rx, now);
		else
			txl->stats.unhandled_events++;
		if (t->flags & TXF_DEAD)
			break;
		esip__txn_shed(t);
		if (!t->pending_n)
			break;
		/* queued events are internal: no message goes with them */
		ev = t->pending[0];
		memmove(t->pending, t->pending + 1, --t->pending_n);
		msg = NULL;
		rx = NULL;
	}
	if (--t->depth == 0 && (t->flags & TXF_DEAD))
		txn_free(t);
}
