/*
 * txl.c - the transaction layer object: configuration, the receive path,
 * transport failures, accessors and statistics (esip/transaction.h).
 */
#include "txn_int.h"

#include <string.h>

void esip_txl_config_init(esip_txl_config *c)
{
	memset(c, 0, sizeof *c);
	c->t1_ms = 500;  /* RFC 3261 17.1.1.1 */
	c->t2_ms = 4000; /* 17.1.2.2 */
	c->t4_ms = 5000; /* 17.1.2.2 */
	c->max_transactions = 100000;
	c->max_bytes = TXL_DEFAULT_MAX_BYTES;
	c->retry_after_s = 5;
}

/* Fills the zero ("default") fields and derives Timer B, C, D, F.  T1
 * is capped at 60 s (64*T1 must fit the 32-bit timer durations) and T2
 * is at least T1 (17.1.2.2 doubles E "up to T2"). */
static void normalise(esip_txl_config *c)
{
	if (!c->t1_ms)
		c->t1_ms = 500;
	if (c->t1_ms > 60000)
		c->t1_ms = 60000;
	if (!c->t2_ms)
		c->t2_ms = 4000;
	if (c->t2_ms < c->t1_ms)
		c->t2_ms = c->t1_ms;
	if (!c->t4_ms)
		c->t4_ms = 5000;
	if (!c->timer_b_ms)
		c->timer_b_ms = 64 * c->t1_ms; /* Table 4 */
	if (!c->timer_f_ms)
		c->timer_f_ms = 64 * c->t1_ms;
	/* 17.1.1.2: "at least 32 seconds"; it absorbs the server's
	 * retransmissions, which last 64*T1 (Timer H): the longer of both */
	if (!c->timer_d_ms)
		c->timer_d_ms = 64 * c->t1_ms > 32000 ? 64 * c->t1_ms : 32000;
	if (!c->timer_c_ms)
		c->timer_c_ms = 185000; /* ict.def: more than 3 minutes */
	if (!c->max_transactions)
		c->max_transactions = 100000;
	if (!c->max_bytes)
		c->max_bytes = TXL_DEFAULT_MAX_BYTES;
	if (!c->retry_after_s)
		c->retry_after_s = 5;
}

int esip__txl_full(const esip_txl *txl, size_t need)
{
	if (txl->live_total >= txl->cfg.max_transactions)
		return 1;
	if (txl->stats.bytes_live + need > txl->cfg.max_bytes)
		return 2;
	return 0;
}

void esip__txl_count_refusal(esip_txl *txl, int full)
{
	txl->stats.over_limit++;
	if (full == 2)
		txl->stats.over_bytes++;
}

static void trace_fn(void *ud, const char *machine, const void *instance, const char *from,
		     const char *event, const char *to)
{
	esip_txl *txl = ud;

	txl->cb.trace(txl->ud, machine, instance, from, event, to);
}

int esip_txl_new(const esip_txl_config *c, const esip_txl_callbacks *cb, void *ud,
		 esip_timerwheel *wheel, esip_rand *rnd, esip_txl **out)
{
	const esip_allocator *a = c && c->alloc ? c->alloc : esip_allocator_default();
	esip_txl *txl;
	size_t max_buckets;
	int rc;

	*out = NULL;
	if (!c || !cb || !cb->send || !wheel || !rnd)
		return ESIP_EINVAL;
	txl = esip_calloc(a, 1, sizeof *txl);
	if (!txl)
		return ESIP_ENOMEM;
	txl->cfg = *c;
	normalise(&txl->cfg);
	txl->cb = *cb;
	txl->ud = ud;
	txl->alloc = a;
	txl->wheel = wheel;
	txl->rnd = rnd;
	if (cb->trace) {
		txl->tracer.fn = trace_fn;
		txl->tracer.ud = txl;
	}
	rc = esip_hash_key_init(&txl->hkey, rnd);
	if (rc < 0)
		goto fail;
	/* the table never needs more than twice the transactions allowed
	 * (it grows at half load) */
	max_buckets = 2 * (size_t)txl->cfg.max_transactions;
	rc = esip_htab_init(&txl->table, a, 64, max_buckets);
	if (rc < 0)
		goto fail;
	rc = esip_htab_init(&txl->routes, a, 16, max_buckets);
	if (rc < 0) {
		esip_htab_deinit(&txl->table);
		goto fail;
	}
	/* Timer H (B, F by default); I, K; J, L, M (D by default): lifeq.c */
	esip__lifeq_init(&txl->lifeq[LQ_TIMEOUT], txl, 64 * txl->cfg.t1_ms, false, 0);
	esip__lifeq_init(&txl->lifeq[LQ_END_T4], txl, txl->cfg.t4_ms, true,
			 txl->cfg.cleanup_slot_ms);
	esip__lifeq_init(&txl->lifeq[LQ_END_64T1], txl, 64 * txl->cfg.t1_ms, true,
			 txl->cfg.cleanup_slot_ms);
	rc = esip_buf_init_dyn(&txl->scratch, a, 1024, 1u << 20);
	if (rc < 0) {
		esip_htab_deinit(&txl->routes);
		esip_htab_deinit(&txl->table);
		goto fail;
	}
	*out = txl;
	return 0;
fail:
	esip_free(a, txl);
	return rc;
}

static void free_one(esip_hnode *n, void *ud)
{
	esip_txn *t = ESIP_CONTAINER_OF(n, esip_txn, node);

	(void)ud;
	esip__txn_discard(t); /* removes it from the table: foreach allows that */
}

void esip_txl_free(esip_txl *txl)
{
	if (!txl)
		return;
	esip_htab_foreach(&txl->table, free_one, NULL);
	for (int q = 0; q < LQ__COUNT; q++)
		esip__lifeq_deinit(&txl->lifeq[q]);
	esip_htab_deinit(&txl->table);
	esip_htab_deinit(&txl->routes); /* emptied as the transactions went */
	esip_buf_free(&txl->scratch);
	esip_free(txl->alloc, txl);
}

static unsigned rx_event(unsigned status)
{
	if (status < 200)
		return TXEV_rx_1xx;
	return status < 300 ? TXEV_rx_2xx : TXEV_rx_3xx_6xx;
}

int esip_txl_recv(esip_txl *txl, const esip_msg *m, const esip_rx_info *rx, uint64_t now)
{
	esip_txn *t;

	if (!txl || !m || !rx || m->err)
		return ESIP_EINVAL;
	if (m->kind == ESIP_MSG_REQUEST)
		return esip__server_recv(txl, m, rx, now);
	if (m->kind != ESIP_MSG_RESPONSE)
		return ESIP_EINVAL;
	/* 8.1.3.3: more than one Via, or no usable mandatory headers: the
	 * response was not meant for us (RFC 4475 3.3.10) */
	if (esip_msg_response_must_drop(m)) {
		txl->stats.dropped++;
		return 0;
	}
	t = esip__match_response(txl, m);
	if (!t) {
		/* RFC 6026 7.2: "Any response received that does not match an
		 * existing client transaction state machine is simply
		 * dropped" - the owner sees it (a 2xx retransmission after
		 * Timer M still needs its ACK from the TU, 13.2.2.4) */
		txl->stats.stray_responses++;
		if (txl->cb.event)
			txl->cb.event(txl->ud, NULL, ESIP_TXE_STRAY_RESPONSE, m, rx, now);
		return 0;
	}
	/* 18.1.2: "If the value of the sent-by parameter in that header field
	 * value does not match a value that the transport is configured to
	 * insert into requests, the response MUST be silently discarded": the
	 * sent-by this transaction's request carried (host case-insensitive,
	 * 19.1.4; the port as written) */
	if (!esip_str_ieq(txn_key(t, TK_HOST), m->via.host) || t->sent_by_port != m->via.port) {
		txl->stats.sent_by_mismatch++;
		return 0;
	}
	/* the status only goes up: a late 1xx after the final response is
	 * no reason to allow a CANCEL again (9.1) */
	if (m->status > t->status)
		t->status = m->status;
	esip__txn_event(t, rx_event(m->status), m, rx, now);
	return 0;
}

/* ---- accessors ------------------------------------------------------------ */

esip_txn_kind esip_txn_get_kind(const esip_txn *t) { return (esip_txn_kind)t->kind; }
void *esip_txn_owner(const esip_txn *t) { return t->owner; }
void esip_txn_set_owner(esip_txn *t, void *owner) { t->owner = owner; }
const esip_dest *esip_txn_dest(const esip_txn *t) { return &t->dest; }
unsigned esip_txn_status(const esip_txn *t) { return t->status; }

const char *esip_txn_state_name(const esip_txn *t)
{
	return esip_fsm_state_name(esip__txn_machine((esip_txn_kind)t->kind), t->state);
}

esip_str esip_txn_method(const esip_txn *t) { return txn_key(t, TK_METHOD); }

void esip_txl_get_stats(const esip_txl *txl, esip_txl_stats *out) { *out = txl->stats; }

const esip_fsm_machine *const *esip_txl_machines(size_t *n) { return esip__txn_machines(n); }

/* ---- invariants (tests and the fuzz target) ------------------------------- */

typedef struct check_acc {
	const esip_txl *txl;
	uint32_t count;
	uint64_t bytes;
	int bad;
} check_acc;

static void check_one(esip_hnode *n, void *ud)
{
	check_acc *a = ud;
	esip_txn *t = ESIP_CONTAINER_OF(n, esip_txn, node);
	const esip_fsm_machine *m = esip__txn_machine((esip_txn_kind)t->kind);

	a->count++;
	a->bytes += esip__txn_bytes(t);
	if (t->txl != a->txl || !m || (t->flags & TXF_DEAD) || !(t->flags & TXF_IN_TABLE))
		a->bad |= 1;
	/* a transaction in the table is alive: never in its final state,
	 * never with an armed timer that is not its current one */
	if (m && esip_fsm_is_final(m, t->state))
		a->bad |= 2;
	if ((t->retx_id != TM_NONE) != esip_timer_active(&t->t_retx) ||
	    (t->life_id != TM_NONE) != esip_timer_active(&t->t_life))
		a->bad |= 4;
	if (t->pending_n)
		a->bad |= 8;
	if ((uint64_t)t->out_len + t->tag_len > t->out_cap || t->bytes != esip__txn_bytes(t))
		a->bad |= 16;
	/* conns.c: a transaction on a connection or sending datagrams is in
	 * that list (or counted as unlisted), and no walk is in progress */
	if (!esip__txn_route_ok(t))
		a->bad |= 128;
	/* memory follows the state (esip__txn_shed) */
	if ((t->req && !esip__txn_needs_req(t)) || (t->ctx && t->status > 100))
		a->bad |= 256;
}

int esip__txl_check(esip_txl *txl)
{
	check_acc a = {txl, 0, 0, 0};
	uint32_t sum = 0;
	int k;

	esip_htab_foreach(&txl->table, check_one, &a);
	for (k = 0; k < 5; k++)
		sum += txl->stats.live[k];
	if (a.bad)
		return a.bad;
	if (a.count != txl->table.count || a.count != txl->live_total || sum != a.count)
		return 32;
	if (a.bytes != txl->stats.bytes_live)
		return 64;
	return 0;
}
