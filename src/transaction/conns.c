/*
 * conns.c - which transactions use which TCP connection, so that a
 * connection that fails reaches exactly its transactions (17.1.4, 18.2.2)
 * without a scan of every live transaction on each close (peers that
 * open and close connections cheaply would otherwise make every close
 * cost O(live transactions)).
 *
 * One entry per connection in use (allocated with its first transaction,
 * freed with its last) holds an intrusive list of the transactions whose
 * dest.conn it is.  If an entry cannot be allocated the transaction stays
 * unlisted and counted in txl->conn_unlisted; a failure then also scans
 * the table for unlisted ones, so no transaction is ever missed.
 */
#include "txn_int.h"

#include <string.h>

typedef struct conn_entry {
	esip_hnode node;
	uint32_t conn;
	esip_tlink head; /* circular list of esip_txn.conn_link */
} conn_entry;

#define ENTRY(n) ESIP_CONTAINER_OF(n, conn_entry, node)

static uint64_t conn_hash(const esip_txl *txl, uint32_t conn)
{
	return esip_hash(&txl->hkey, &conn, sizeof conn);
}

static conn_entry *find(esip_txl *txl, uint32_t conn)
{
	uint64_t h = conn_hash(txl, conn);
	esip_hiter it;
	esip_hnode *n;

	for (n = esip_htab_first(&txl->conns, h, &it); n; n = esip_htab_next(&it))
		if (ENTRY(n)->conn == conn)
			return ENTRY(n);
	return NULL;
}

static void unlink_txn(esip_txn *t)
{
	t->conn_link.prev->next = t->conn_link.next;
	t->conn_link.next->prev = t->conn_link.prev;
	t->conn_link.next = t->conn_link.prev = NULL;
}

void esip__txn_conn_detach(esip_txn *t)
{
	esip_txl *txl = t->txl;
	conn_entry *e;

	/* a transaction in a walk is held by it: only the walk unlinks it */
	if (NEVER(t->flags2 & TXF2_IN_WALK))
		return;
	if (t->flags2 & TXF2_CONN_UNLISTED) {
		t->flags2 &= (uint8_t)~TXF2_CONN_UNLISTED;
		txl->conn_unlisted--;
	}
	if (!t->conn_link.prev)
		return;
	e = find(txl, t->listed_conn);
	unlink_txn(t);
	t->listed_conn = 0;
	if (e && e->head.next == &e->head) {
		esip_htab_remove(&txl->conns, &e->node);
		esip_free(txl->alloc, e);
	}
}

void esip__txn_conn_attach(esip_txn *t)
{
	esip_txl *txl = t->txl;
	uint32_t conn = t->dest.conn;
	conn_entry *e;

	if (t->conn_link.prev && t->listed_conn == conn)
		return;
	/* in a walk (esip_txl_conn_failed) the transaction stays in the
	 * walk's list, which holds it; the walk attaches it afterwards to
	 * whatever connection it uses by then */
	if (t->flags2 & TXF2_IN_WALK)
		return;
	esip__txn_conn_detach(t);
	if (!conn || (t->flags & TXF_DEAD))
		return;
	e = find(txl, conn);
	if (!e) {
		e = esip_malloc(txl->alloc, sizeof *e);
		if (e) {
			e->conn = conn;
			e->head.next = e->head.prev = &e->head;
			if (esip_htab_insert(&txl->conns, &e->node, conn_hash(txl, conn)) < 0) {
				esip_free(txl->alloc, e);
				e = NULL;
			}
		}
		if (!e) {
			t->flags2 |= TXF2_CONN_UNLISTED;
			txl->conn_unlisted++;
			return;
		}
	}
	t->conn_link.next = &e->head;
	t->conn_link.prev = e->head.prev;
	e->head.prev->next = &t->conn_link;
	e->head.prev = &t->conn_link;
	t->listed_conn = conn;
}

/* Puts t at the end of a walk's private list, held. */
static void walk_add(esip_tlink *work, esip_txn *t)
{
	esip__txn_hold(t);
	t->flags2 |= TXF2_IN_WALK;
	t->conn_link.next = work;
	t->conn_link.prev = work->prev;
	work->prev->next = &t->conn_link;
	work->prev = &t->conn_link;
}

/* Unlisted transactions on conn (only after failed allocations). */
typedef struct unlisted_scan {
	uint32_t conn;
	esip_tlink *list;
} unlisted_scan;

static void take_unlisted(esip_hnode *n, void *ud)
{
	unlisted_scan *s = ud;
	esip_txn *t = ESIP_CONTAINER_OF(n, esip_txn, node);

	if (!(t->flags2 & TXF2_CONN_UNLISTED) || t->dest.conn != s->conn || (t->flags & TXF_DEAD))
		return;
	t->flags2 &= (uint8_t)~TXF2_CONN_UNLISTED;
	t->txl->conn_unlisted--;
	walk_add(s->list, t);
}

/*
 * The walk has two passes.  The first moves every transaction of the
 * connection to a private list (each held and marked TXF2_IN_WALK) and
 * re-routes the server ones, with no callback: nothing the owner does can
 * disturb it.  The second reports to the client transactions one by one;
 * an owner callback may meanwhile answer a server transaction of the
 * list (it goes over a new connection: already re-routed), end any of
 * them, or start others.  A transaction of the list that sends keeps its
 * place there (esip__txn_conn_attach defers to the walk); the walk lists
 * it under its new connection when it reaches it, and its release frees
 * it if it ended meanwhile.  So none is lost, none is freed twice.
 */
void esip_txl_conn_failed(esip_txl *txl, uint32_t conn, uint64_t now)
{
	esip_tlink work, *l;
	conn_entry *e;

	if (!txl || !conn)
		return;
	work.next = work.prev = &work;
	e = find(txl, conn);
	if (e) {
		while (e->head.next != &e->head) {
			esip_txn *t = ESIP_CONTAINER_OF(e->head.next, esip_txn, conn_link);
			unlink_txn(t);
			t->listed_conn = 0;
			walk_add(&work, t);
		}
		esip_htab_remove(&txl->conns, &e->node);
		esip_free(txl->alloc, e);
	}
	if (txl->conn_unlisted) {
		unlisted_scan s = {conn, &work};
		esip_htab_foreach(&txl->table, take_unlisted, &s);
	}
	for (l = work.next; l != &work; l = l->next) {
		esip_txn *t = ESIP_CONTAINER_OF(l, esip_txn, conn_link);
		if (txn_is_server(t)) {
			/* 18.2.2: a response whose connection is gone goes over a
			 * new one to the source address and the sent-by port */
			t->dest.conn = 0;
			esip_addr_set_port(&t->dest.addr,
					   t->sent_by_port ? (uint16_t)t->sent_by_port
							   : esip_tp_default_port(t->dest.tp));
		}
	}
	while (work.next != &work) {
		esip_txn *t = ESIP_CONTAINER_OF(work.next, esip_txn, conn_link);
		unlink_txn(t);
		t->flags2 &= (uint8_t)~TXF2_IN_WALK;
		if (!txn_is_server(t)) {
			/* 17.1.4: a client transaction whose connection failed */
			t->dest.conn = 0;
			esip__txn_event(t, TXEV_tp_error, NULL, NULL, now);
		}
		if (!(t->flags & TXF_DEAD))
			esip__txn_conn_attach(t);
		esip__txn_release(t);
	}
}
