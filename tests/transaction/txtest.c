/* txtest.c - see txtest.h. */
#include "txtest.h"

#include <stdio.h>
#include <string.h>

static int node_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	txnode *n = ud;
	uint32_t conn = 0;
	int rc;

	if (n->fail_sends > 0) {
		n->fail_sends--;
		return ESIP_ETRANSPORT;
	}
	rc = simnet_send_conn(n->net, n->id, dest, bytes, len, &conn);
	if (rc == ESIP_ETRANSPORT && n->reconnect && dest->conn) {
		esip_dest fresh = *dest;
		fresh.conn = 0;
		rc = simnet_send_conn(n->net, n->id, &fresh, bytes, len, &conn);
	}
	if (rc == 0 && conn)
		dest->conn = conn;
	return rc;
}

void txt_record(txnode *n, esip_txn *txn, esip_txn_event ev, const esip_msg *m, uint64_t now)
{
	txt_event *e;

	if (n->n_events >= TXT_MAX_EVENTS)
		return;
	e = &n->events[n->n_events++];
	memset(e, 0, sizeof *e);
	e->ev = ev;
	e->txn = txn;
	e->now = now;
	if (m) {
		e->status = m->status;
		e->method = (esip_method)m->method_id;
		if (m->to.tag.p)
			snprintf(e->to_tag, sizeof e->to_tag, "%.*s", ESIP_STR_FMT(m->to.tag));
	}
}

static void node_event(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		       const esip_rx_info *rx, uint64_t now)
{
	txnode *n = ud;
	esip_response_spec spec;

	txt_record(n, txn, ev, m, now);
	memset(&spec, 0, sizeof spec);
	if (ev == ESIP_TXE_REQUEST) {
		unsigned st = m->method_id == ESIP_METHOD_INVITE ? n->answer_invite : n->answer;
		n->last_server = txn;
		if (st) {
			spec.status = (uint16_t)st;
			if (esip_txn_respond(txn, &spec, now) < 0)
				ck_assert(n->lenient);
		}
	} else if (ev == ESIP_TXE_CANCEL && n->answer_cancelled) {
		spec.status = (uint16_t)n->answer_cancelled;
		ck_assert_int_eq(esip_txn_respond(txn, &spec, now), 0);
	} else if (ev == ESIP_TXE_TERMINATED && n->last_server == txn) {
		n->last_server = NULL;
	}
}

static void node_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		      uint64_t now)
{
	txnode *n = ud;
	esip_hdr hdrs[64];
	esip_msg m;

	esip_msg_init(&m, hdrs, 64);
	if (esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) < 0) {
		n->parse_errors++;
		return;
	}
	esip_txl_recv(n->txl, &m, rx, now);
}

static uint64_t node_next(void *ud)
{
	txnode *n = ud;
	uint64_t t = esip_timerwheel_next_expiry(&n->wheel);

	return t == UINT64_MAX ? SIMNET_NEVER : t;
}

static void node_timers(void *ud, uint64_t now) { esip_timerwheel_run(&((txnode *)ud)->wheel, now); }

static void node_conn_failed(void *ud, uint32_t conn, uint64_t now)
{
	esip_txl_conn_failed(((txnode *)ud)->txl, conn, now);
}

bool txt_node_try_init(txnode *n, simnet *net, const char *name, uint16_t port,
		       const esip_txl_config *cfg)
{
	static const esip_txl_callbacks cb = {node_send, node_event, NULL};
	simnet_node_ops ops = {node_recv, node_next, node_timers, node_conn_failed};

	memset(n, 0, sizeof *n);
	n->net = net;
	ck_assert_int_eq(esip_addr_from_ip(&n->addr, ESIP_STR("127.0.0.1"), port), 0);
	esip_timerwheel_init(&n->wheel, simnet_now(net));
	esip_rand_init(&n->rnd);
	if (cfg)
		n->cfg = *cfg;
	else
		esip_txl_config_init(&n->cfg);
	if (esip_txl_new(&n->cfg, &cb, n, &n->wheel, &n->rnd, &n->txl) < 0)
		return false;
	n->id = simnet_node_add(net, name, &n->addr, &ops, n);
	ck_assert_int_ge(n->id, 0);
	return true;
}

void txt_node_init(txnode *n, simnet *net, const char *name, uint16_t port,
		   const esip_txl_config *cfg)
{
	ck_assert(txt_node_try_init(n, net, name, port, cfg));
}

void txt_reinit_with_event(txnode *n,
			   void (*ev)(void *, esip_txn *, esip_txn_event, const esip_msg *,
				      const esip_rx_info *, uint64_t))
{
	esip_txl_callbacks cb = {node_send, ev, NULL};

	if (n->txl)
		esip_txl_free(n->txl);
	ck_assert_int_eq(esip_txl_new(&n->cfg, &cb, n, &n->wheel, &n->rnd, &n->txl), 0);
}

void txt_node_deinit(txnode *n)
{
	esip_txl_free(n->txl);
	n->txl = NULL;
}

size_t txt_request(char *out, size_t cap, const char *method, const txnode *from,
		   const txnode *to, esip_tp tp, const char *branch, uint32_t cseq,
		   const char *call_id)
{
	char fa[ESIP_ADDR_STRLEN], ta[ESIP_ADDR_STRLEN];
	int len;

	esip_addr_str(&from->addr, fa, sizeof fa);
	esip_addr_str(&to->addr, ta, sizeof ta);
	len = snprintf(out, cap,
		       "%s sip:bob@%s SIP/2.0\r\n"
		       "Via: SIP/2.0/%s %s;branch=%s\r\n"
		       "Route: <sip:p1.example.com;lr>\r\n"
		       "Max-Forwards: 70\r\n"
		       "From: Alice <sip:alice@%s>;tag=a1\r\n"
		       "To: Bob <sip:bob@%s>\r\n"
		       "Call-ID: %s\r\n"
		       "CSeq: %u %s\r\n"
		       "Content-Length: 0\r\n\r\n",
		       method, ta, esip_tp_name(tp), fa, branch, fa, ta, call_id, cseq, method);
	ck_assert(len > 0 && (size_t)len < cap);
	return (size_t)len;
}

int txt_send_request(txnode *n, const txnode *to, esip_tp tp, const char *bytes, size_t len,
		     esip_txn **out)
{
	esip_dest d;

	memset(&d, 0, sizeof d);
	d.tp = tp;
	d.addr = to->addr;
	return esip_txl_request(n->txl, bytes, len, &d, NULL, simnet_now(n->net), out);
}

size_t txt_count(const txnode *n, esip_txn_event ev)
{
	size_t i, c = 0;

	for (i = 0; i < n->n_events; i++)
		c += n->events[i].ev == ev;
	return c;
}

const txt_event *txt_find(const txnode *n, esip_txn_event ev, size_t nth)
{
	size_t i;

	for (i = 0; i < n->n_events; i++)
		if (n->events[i].ev == ev && nth-- == 0)
			return &n->events[i];
	return NULL;
}

uint32_t txt_live(const txnode *n)
{
	esip_txl_stats st;
	uint32_t sum = 0;
	int k;

	esip_txl_get_stats(n->txl, &st);
	for (k = 0; k < 5; k++)
		sum += st.live[k];
	return sum;
}

int txt_inject(txnode *n, const char *bytes, size_t len, const esip_addr *from, esip_tp tp,
	       uint32_t conn)
{
	esip_hdr hdrs[64];
	esip_msg m;
	esip_rx_info rx;
	int rc;

	memset(&rx, 0, sizeof rx);
	rx.tp = tp;
	rx.peer = *from;
	rx.local = n->addr;
	rx.conn = conn;
	rx.listener = 1;
	esip_msg_init(&m, hdrs, 64);
	rc = esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL);
	if (rc < 0)
		return rc;
	return esip_txl_recv(n->txl, &m, &rx, simnet_now(n->net));
}
