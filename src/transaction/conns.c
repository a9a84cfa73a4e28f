/*
 * conns.c - which transactions send where, so that a transport failure
 * reaches exactly its transactions without a scan of every live one
 * (peers that open and close connections cheaply, or a flood of ICMP
 * errors, would otherwise make each failure cost O(live transactions)):
 *
 *  - a TCP (reliable) connection that fails or closes: every transaction
 *    on it (17.1.4, 17.2.4, 18.2.2), esip_txl_conn_failed; and whether a
 *    connection is in use at all, esip_txl_conn_in_use;
 *  - an ICMP error for a datagram (8.1.3.1, 18.4): every client
 *    transaction sending to that transport and address,
 *    esip_txl_dest_unreachable (server transactions keep their state,
 *    RFC 6026 8.8, and are not listed).
 *
 * One entry per connection or destination in use (allocated with its
 * first transaction, freed with its last) holds an intrusive list of its
 * transactions (esip_txn.conn_link); a transaction is in at most one list
 * and points to its entry.  Memory: one entry per distinct connection or
 * destination of the live transactions.  If an entry cannot be allocated
 * the transaction stays unlisted, counted in txl->unlisted; a failure
 * then also scans the table for unlisted ones, so no transaction is ever
 * missed.
 */
#include "txn_int.h"

#include <string.h>

struct txn_route {
	esip_hnode node;
	uint32_t conn; /* the connection, or 0 for a destination: */
	esip_tp tp;    /* its transport and address */
	esip_addr addr;
	esip_tlink head; /* circular list of esip_txn.conn_link */
};

#define ENTRY(n) ESIP_CONTAINER_OF(n, txn_route, node)
#define LINK_TXN(l) ESIP_CONTAINER_OF(l, esip_txn, conn_link)

/* What a transaction is listed under: its connection, or - a client over
 * an unreliable transport - its destination.  Both zero: nothing. */
typedef struct route_key {
	uint32_t conn;
	esip_tp tp;
	const esip_addr *addr;
} route_key;

static route_key key_of(const esip_txn *t)
{
	route_key k = {t->dest.conn, ESIP_TP_NONE, NULL};

	if (!k.conn && !txn_is_server(t) && t->dest.tp != ESIP_TP_NONE &&
	    !esip_tp_reliable(t->dest.tp) && t->dest.addr.len) {
		k.tp = t->dest.tp;
		k.addr = &t->dest.addr;
	}
	return k;
}

static bool key_none(const route_key *k) { return !k->conn && !k->addr; }

static uint64_t key_hash(const esip_txl *txl, const route_key *k)
{
	/* a canonical form of the address: esip_addr_eq's fields only */
	struct {
		uint32_t conn, tp;
		uint16_t family, port;
		uint8_t ip[16];
	} b;

	memset(&b, 0, sizeof b);
	b.conn = k->conn;
	if (k->addr) {
		b.tp = (uint32_t)k->tp;
		b.family = (uint16_t)k->addr->u.sa.sa_family;
		b.port = esip_addr_port(k->addr);
		if (b.family == AF_INET)
			memcpy(b.ip, &k->addr->u.in4.sin_addr, 4);
		else if (b.family == AF_INET6)
			memcpy(b.ip, &k->addr->u.in6.sin6_addr, 16);
	}
	return esip_hash(&txl->hkey, &b, sizeof b);
}

static bool key_is(const txn_route *e, const route_key *k)
{
	if (k->conn)
		return e->conn == k->conn;
	return !e->conn && e->tp == k->tp && esip_addr_eq(&e->addr, k->addr);
}

static txn_route *find(const esip_txl *txl, const route_key *k)
{
	uint64_t h = key_hash(txl, k);
	esip_hiter it;
	esip_hnode *n;

	for (n = esip_htab_first(&txl->routes, h, &it); n; n = esip_htab_next(&it))
		if (key_is(ENTRY(n), k))
			return ENTRY(n);
	return NULL;
}

static void unlink_txn(esip_txn *t)
{
	t->conn_link.prev->next = t->conn_link.next;
	t->conn_link.next->prev = t->conn_link.prev;
	t->conn_link.next = t->conn_link.prev = NULL;
	t->route = NULL;
}

static void drop_route(esip_txl *txl, txn_route *e)
{
	esip_htab_remove(&txl->routes, &e->node);
	esip_free(txl->alloc, e);
}

void esip__txn_conn_detach(esip_txn *t)
{
	txn_route *e = t->route;

	/* a transaction in a walk is held by it: only the walk unlinks it */
	if (NEVER(t->flags2 & TXF2_IN_WALK))
		return;
	if (t->flags2 & TXF2_CONN_UNLISTED) {
		t->flags2 &= (uint8_t)~TXF2_CONN_UNLISTED;
		t->txl->unlisted--;
	}
	if (!e)
		return;
	unlink_txn(t);
	if (e->head.next == &e->head)
		drop_route(t->txl, e);
}

void esip__txn_conn_attach(esip_txn *t)
{
	esip_txl *txl = t->txl;
	route_key k = key_of(t);
	txn_route *e;

	if (t->route && key_is(t->route, &k))
		return;
	/* in a walk (esip_txl_conn_failed) the transaction stays in the
	 * walk's list, which holds it; the walk attaches it afterwards to
	 * whatever it uses by then */
	if (t->flags2 & TXF2_IN_WALK)
		return;
	esip__txn_conn_detach(t);
	if (key_none(&k) || (t->flags & TXF_DEAD))
		return;
	e = find(txl, &k);
	if (!e) {
		e = esip_malloc(txl->alloc, sizeof *e);
		if (e) {
			memset(e, 0, sizeof *e);
			e->conn = k.conn;
			e->tp = k.tp;
			if (k.addr)
				e->addr = *k.addr;
			e->head.next = e->head.prev = &e->head;
			if (esip_htab_insert(&txl->routes, &e->node, key_hash(txl, &k)) < 0) {
				esip_free(txl->alloc, e);
				e = NULL;
			}
		}
		if (!e) {
			t->flags2 |= TXF2_CONN_UNLISTED;
			txl->unlisted++;
			return;
		}
	}
	t->conn_link.next = &e->head;
	t->conn_link.prev = e->head.prev;
	e->head.prev->next = &t->conn_link;
	e->head.prev = &t->conn_link;
	t->route = e;
}

bool esip__txn_route_ok(const esip_txn *t)
{
	route_key k = key_of(t);

	if (t->flags2 & TXF2_IN_WALK)
		return false;
	if (t->flags2 & TXF2_CONN_UNLISTED)
		return !t->route;
	if (key_none(&k))
		return !t->route;
	return t->route && key_is(t->route, &k) && t->conn_link.prev;
}

/* ---- the walk ------------------------------------------------------------------ */

/* Puts t at the end of a walk's private list, held. */
static void walk_add(esip_tlink *work, esip_txn *t)
{
	esip__txn_hold(t);
	t->flags2 |= TXF2_IN_WALK;
	t->route = NULL;
	t->conn_link.next = work;
	t->conn_link.prev = work->prev;
	work->prev->next = &t->conn_link;
	work->prev = &t->conn_link;
}

/* Unlisted transactions with key k (only after failed allocations). */
typedef struct unlisted_scan {
	const route_key *k;
	esip_tlink *list;
} unlisted_scan;

static void take_unlisted(esip_hnode *n, void *ud)
{
	unlisted_scan *s = ud;
	esip_txn *t = ESIP_CONTAINER_OF(n, esip_txn, node);
	route_key k;

	if (!(t->flags2 & TXF2_CONN_UNLISTED) || (t->flags & TXF_DEAD))
		return;
	k = key_of(t);
	if (s->k->conn ? k.conn != s->k->conn
		       : (!k.addr || k.tp != s->k->tp || !esip_addr_eq(k.addr, s->k->addr)))
		return;
	t->flags2 &= (uint8_t)~TXF2_CONN_UNLISTED;
	t->txl->unlisted--;
	walk_add(s->list, t);
}

/* Moves every transaction listed under k (and the unlisted ones) to the
 * private list work, each held and marked TXF2_IN_WALK. */
static void walk_collect(esip_txl *txl, const route_key *k, esip_tlink *work)
{
	txn_route *e = find(txl, k);

	work->next = work->prev = work;
	if (e) {
		while (e->head.next != &e->head) {
			esip_txn *t = LINK_TXN(e->head.next);
			unlink_txn(t);
			walk_add(work, t);
		}
		drop_route(txl, e);
	}
	if (txl->unlisted) {
		unlisted_scan s = {k, work};
		esip_htab_foreach(&txl->table, take_unlisted, &s);
	}
}

/*
 * A walk has two passes.  The first (walk_collect, and the caller's
 * re-routing of server transactions) runs no callback: nothing the owner
 * does can disturb it.  The second, here, reports to the client
 * transactions one by one; an owner callback may meanwhile answer a
 * server transaction of the list (already re-routed), end any of them,
 * or start others.  A transaction of the list that sends keeps its place
 * there (esip__txn_conn_attach defers to the walk), and is listed under
 * whatever it uses when the walk reaches it; its release frees it if it
 * ended meanwhile.  So none is lost, none is freed twice.
 */
static void walk_report(esip_tlink *work, uint64_t now)
{
	while (work->next != work) {
		esip_txn *t = LINK_TXN(work->next);
		const esip_fsm_machine *m = esip__txn_machine((esip_txn_kind)t->kind);
		unlink_txn(t);
		t->flags2 &= (uint8_t)~TXF2_IN_WALK;
		/* 17.1.4: a client transaction whose transport failed (a state
		 * without a row for it, an absorbing one, has no use for it) */
		if (!txn_is_server(t) && !(t->flags & TXF_DEAD) &&
		    esip_fsm_lookup(m, t->state, TXEV_tp_error)) {
			if (t->dest.conn)
				t->dest.conn = 0; /* gone: a new message needs a new one */
			esip__txn_event(t, TXEV_tp_error, NULL, NULL, now);
		}
		if (!(t->flags & TXF_DEAD))
			esip__txn_conn_attach(t);
		esip__txn_release(t);
	}
}

void esip_txl_conn_failed(esip_txl *txl, uint32_t conn, uint64_t now)
{
	route_key k = {conn, ESIP_TP_NONE, NULL};
	esip_tlink work, *l;

	if (!txl || !conn)
		return;
	walk_collect(txl, &k, &work);
	for (l = work.next; l != &work; l = l->next) {
		esip_txn *t = LINK_TXN(l);
		if (txn_is_server(t)) {
			/* 18.2.2: a response whose connection is gone goes over a
			 * new one to the source address and the sent-by port */
			t->dest.conn = 0;
			esip_addr_set_port(&t->dest.addr,
					   t->sent_by_port ? (uint16_t)t->sent_by_port
							   : esip_tp_default_port(t->dest.tp));
		}
	}
	walk_report(&work, now);
}

void esip_txl_dest_unreachable(esip_txl *txl, esip_tp tp, const esip_addr *addr, uint64_t now)
{
	route_key k = {0, tp, addr};
	esip_tlink work;

	/* 18.4 / 8.1.3.1: ICMP errors concern datagrams; a connection's
	 * failure comes through esip_txl_conn_failed */
	if (!txl || !addr || !addr->len || tp == ESIP_TP_NONE || esip_tp_reliable(tp))
		return;
	walk_collect(txl, &k, &work);
	walk_report(&work, now);
}

bool esip_txl_conn_in_use(const esip_txl *txl, uint32_t conn)
{
	route_key k = {conn, ESIP_TP_NONE, NULL};

	if (!txl || !conn)
		return false;
	/* after failed allocations a transaction may use it unlisted: a
	 * cautious yes (never a no for a connection in use) */
	return find(txl, &k) != NULL || txl->unlisted > 0;
}
