/*
 * wire.c - the glue between the stack's layers: the transport's received
 * messages go to the transaction layer (or, unparseable, to the UA core's
 * stateless 400); the transaction layer's bytes go to the transport; its
 * events go to the UA core (server side) or to the request that owns the
 * transaction (client side).  Per-method and per-class counters live here.
 */
#include "stack_int.h"

#include <string.h>

static void count_in(esip_stack *s, const esip_msg *m)
{
	if (m->kind == ESIP_MSG_REQUEST)
		s->stats.requests_in[m->method_id < ESIP_METHOD__COUNT ? m->method_id : 0]++;
	else if (m->kind == ESIP_MSG_RESPONSE && m->status >= 100 && m->status <= 699)
		s->stats.responses_in[m->status / 100]++;
}

/* Counts a message the stack sends from its first line. */
void esip__count_out(esip_stack *s, const void *bytes, size_t len)
{
	const char *p = bytes, *sp;

	if (len > 12 && !memcmp(p, "SIP/2.0 ", 8)) {
		unsigned c = (unsigned)(p[8] - '0');
		if (c >= 1 && c <= 6)
			s->stats.responses_out[c]++;
		return;
	}
	sp = memchr(p, ' ', len < 32 ? len : 32);
	if (sp)
		s->stats.requests_out[esip_method_lookup(esip_str_make(p, (size_t)(sp - p)))]++;
}

/* ---- transport -> up ------------------------------------------------------ */

static void tp_recv(void *ud, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now)
{
	esip_stack *s = ud;

	s->now = now;
	count_in(s, m);
	if (rc < 0) {
		/* 8.2 / 21.4.1: a request whose framing is known gets 400 (or
		 * 505); a malformed response or garbage is dropped */
		if (m->kind == ESIP_MSG_REQUEST && (m->flags & ESIP_MSGF_FRAMED))
			esip__uas_bad_request(s, m, rc, rx);
		/* else counted in parse_errors (the transport's count) */
		return;
	}
	esip_txl_recv(s->txl, m, rx, now);
}

static void tp_conn_closed(void *ud, uint32_t conn, int err, uint64_t now)
{
	esip_stack *s = ud;

	esip__stack_log(s, ESIP_LOG_DEBUG, "TCP connection %u closed: %s", conn,
			esip_strerror(err));
	esip_txl_conn_failed(s->txl, conn, now);
}

static void tp_trace(void *ud, bool outgoing, esip_tp tp, const esip_addr *local,
		     const esip_addr *peer, const void *bytes, size_t len)
{
	esip__stack_trace(ud, outgoing, tp, local, peer, bytes, len);
}

static void tp_log(void *ud, esip_log_level level, const char *msg)
{
	esip__stack_log(ud, level, "transport: %s", msg);
}

/* ---- transaction layer -> down / up -------------------------------------- */

static int tx_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	esip_stack *s = ud;
	uint32_t conn = 0;
	int rc = esip_transport_send(s->tp, dest, bytes, len, s->now, &conn);

	if (rc < 0) {
		esip__stack_log(s, ESIP_LOG_DEBUG, "send failed: %s", esip_strerror(rc));
		return rc;
	}
	if (conn)
		dest->conn = conn;
	esip__count_out(s, bytes, len);
	return 0;
}

static void tx_event(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		     const esip_rx_info *rx, uint64_t now)
{
	esip_stack *s = ud;

	s->now = now;
	switch (ev) {
	case ESIP_TXE_REQUEST:
		esip__uas_request(s, txn, m, rx, now);
		break;
	case ESIP_TXE_ACK_2XX:
	case ESIP_TXE_STRAY_RESPONSE:
	case ESIP_TXE_CANCEL:
		/* no dialogs yet: nothing to acknowledge or cancel (the layer
		 * counted them) */
		break;
	default:
		if (txn && esip_txn_owner(txn))
			esip__uac_event(s, txn, ev, m, now);
		break;
	}
}

static void tx_trace(void *ud, const char *machine, const esip_txn *txn, const char *from,
		     const char *event, const char *to)
{
	esip__stack_log(ud, ESIP_LOG_TRACE, "%s %p: %s --%s--> %s", machine, (const void *)txn,
			from, event, to ? to : "(unhandled)");
}

int esip__stack_wire(esip_stack *s)
{
	esip_transport_callbacks tcb;
	esip_transport_config tc;
	esip_txl_callbacks xcb;
	esip_txl_config xc;
	int rc;

	memset(&tcb, 0, sizeof tcb);
	tcb.recv = tp_recv;
	tcb.conn_closed = tp_conn_closed;
	tcb.trace = s->cfg.trace ? tp_trace : NULL;
	tcb.log = s->cfg.log ? tp_log : NULL;
	esip_transport_config_init(&tc);
	tc.limits = s->cfg.limits;
	tc.max_tcp_conns = s->cfg.max_tcp_conns;
	tc.tcp_idle_ms = s->cfg.tcp_idle_ms;
	tc.max_tcp_buffer = s->cfg.max_tcp_buffer;
	tc.alloc = s->cfg.alloc;
	rc = esip_transport_new(&tc, &tcb, s, &s->wheel, &s->tp);
	if (rc < 0)
		return rc;

	memset(&xcb, 0, sizeof xcb);
	xcb.send = tx_send;
	xcb.event = tx_event;
	xcb.trace = s->cfg.log && s->cfg.log_level >= ESIP_LOG_TRACE ? tx_trace : NULL;
	esip_txl_config_init(&xc);
	xc.t1_ms = s->cfg.t1_ms;
	xc.t2_ms = s->cfg.t2_ms;
	xc.t4_ms = s->cfg.t4_ms;
	xc.timer_b_ms = s->cfg.timer_b_ms;
	xc.timer_f_ms = s->cfg.timer_f_ms;
	if (s->cfg.max_transactions)
		xc.max_transactions = s->cfg.max_transactions;
	xc.alloc = s->cfg.alloc;
	return esip_txl_new(&xc, &xcb, s, &s->wheel, &s->rnd, &s->txl);
}
