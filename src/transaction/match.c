/*
 * match.c - transaction keys and matching: responses to client
 * transactions (RFC 3261 17.1.3), requests to server transactions
 * (17.2.3, with the RFC 2543 fallback), a CANCEL to what it cancels (9.2).
 *
 * One table holds every transaction.  Server transactions of RFC 3261
 * requests hash branch and sent-by (the method is compared among the
 * nodes of one hash: a CANCEL looking for its target does not know it);
 * client transactions hash their branch; RFC 2543 transactions hash
 * Call-ID, CSeq number and From tag.  Each side has its own domain byte
 * (a stack talking to itself has both with one branch).  The hash is
 * keyed (SipHash, esip/core.h) and covers the whole key, so peers cannot
 * pick colliding keys; what they can do is repeat one key with other
 * methods or Request-URIs - the lookups count those (`same`) and the
 * layer refuses more than a few per key (server.c).
 */
#include "txn_int.h"

#include <string.h>

/* Each part goes in as its length and its bytes, so that no two
 * different keys give the same byte stream ("ab"+"c" vs "a"+"bc"), and
 * the whole key is hashed: only SipHash collisions (infeasible without the
 * key) put two different keys under one hash. */
static void put_part(esip_hash_state *st, esip_str s)
{
	uint32_t n = (uint32_t)s.len;

	esip_hash_update(st, &n, sizeof n);
	if (s.len)
		esip_hash_update(st, s.p, s.len);
}

/* Host names compare case-insensitively (19.1.4): hash them lowercased. */
static void put_part_lower(esip_hash_state *st, esip_str s)
{
	char tmp[64];
	uint32_t n = (uint32_t)s.len;
	size_t off = 0;

	esip_hash_update(st, &n, sizeof n);
	while (off < s.len) {
		size_t k = s.len - off < sizeof tmp ? s.len - off : sizeof tmp, i;
		for (i = 0; i < k; i++) {
			char c = s.p[off + i];
			tmp[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		esip_hash_update(st, tmp, k);
		off += k;
	}
}

uint64_t esip__txn_hash_client(const esip_txl *txl, esip_str branch)
{
	esip_hash_state st;

	esip_hash_begin(&st, &txl->hkey);
	esip_hash_update(&st, "C", 1);
	put_part(&st, branch);
	return esip_hash_end(&st);
}

/* 17.2.3: branch and sent-by; the method is compared among the nodes of
 * one hash (a CANCEL looking for its target does not know it). */
uint64_t esip__txn_hash_server(const esip_txl *txl, esip_str branch, esip_str host,
			       uint32_t port)
{
	esip_hash_state st;

	esip_hash_begin(&st, &txl->hkey);
	esip_hash_update(&st, "S", 1);
	put_part(&st, branch);
	put_part_lower(&st, host);
	esip_hash_update(&st, &port, sizeof port);
	return esip_hash_end(&st);
}

uint64_t esip__txn_hash_2543(const esip_txl *txl, esip_str call_id, uint32_t cseq,
			     esip_str from_tag)
{
	esip_hash_state st;

	esip_hash_begin(&st, &txl->hkey);
	esip_hash_update(&st, "R", 1);
	put_part(&st, call_id);
	esip_hash_update(&st, &cseq, sizeof cseq);
	put_part(&st, from_tag);
	return esip_hash_end(&st);
}

static uint64_t txn_hash(const esip_txl *txl, const esip_txn *t)
{
	if (t->flags & TXF_RFC2543)
		return esip__txn_hash_2543(txl, txn_key(t, TK_CALL_ID), t->cseq,
					   txn_key(t, TK_FROM_TAG));
	if (txn_is_server(t))
		return esip__txn_hash_server(txl, txn_key(t, TK_BRANCH), txn_key(t, TK_HOST),
					     t->sent_by_port);
	return esip__txn_hash_client(txl, txn_key(t, TK_BRANCH));
}

int esip__txn_table_insert(esip_txl *txl, esip_txn *t)
{
	return esip__txn_table_insert_hashed(txl, t, txn_hash(txl, t));
}

int esip__txn_table_insert_hashed(esip_txl *txl, esip_txn *t, uint64_t hash)
{
	int rc = esip_htab_insert(&txl->table, &t->node, hash);

	if (rc == 0)
		t->flags |= TXF_IN_TABLE;
	return rc;
}

void esip__txn_table_remove(esip_txl *txl, esip_txn *t)
{
	esip_htab_remove(&txl->table, &t->node);
	t->flags &= (uint8_t)~TXF_IN_TABLE;
}

#define NODE_TXN(n) ESIP_CONTAINER_OF(n, esip_txn, node)

/* ---- client side (17.1.3) --------------------------------------------------- */

esip_txn *esip__match_response(esip_txl *txl, const esip_msg *m)
{
	uint64_t h;
	esip_hnode *n;
	esip_hiter it;

	/* 17.1.3: the branch of the top Via and the CSeq method both match
	 * the request's (the method tells a CANCEL's 200 from the INVITE's) */
	if (!m->via.branch.p || !m->via.branch.len || !m->cseq_method.p)
		return NULL;
	h = esip__txn_hash_client(txl, m->via.branch);
	for (n = esip_htab_first(&txl->table, h, &it); n; n = esip_htab_next(&it)) {
		esip_txn *t = NODE_TXN(n);
		if (txn_is_server(t) || (t->flags & (TXF_DEAD | TXF_RFC2543)))
			continue;
		if (esip_str_eq(txn_key(t, TK_BRANCH), m->via.branch) &&
		    esip_str_eq(txn_key(t, TK_METHOD), m->cseq_method))
			return t;
	}
	return NULL;
}

esip_txn *esip__match_client_invite(esip_txl *txl, esip_str branch)
{
	uint64_t h = esip__txn_hash_client(txl, branch);
	esip_hnode *n;
	esip_hiter it;

	for (n = esip_htab_first(&txl->table, h, &it); n; n = esip_htab_next(&it)) {
		esip_txn *t = NODE_TXN(n);
		if (!txn_is_server(t) && !(t->flags & TXF_DEAD) && t->kind == ESIP_TXN_ICT &&
		    esip_str_eq(txn_key(t, TK_BRANCH), branch))
			return t;
	}
	return NULL;
}

/* ---- server side (17.2.3) --------------------------------------------------- */

/* 17.2.3 rule 3: the request's method, INVITE for an ACK; for a CANCEL
 * looking for its target (9.2): any method but CANCEL and ACK. */
static bool method_matches(const esip_txn *t, esip_str method_as, bool any_but_cancel)
{
	esip_str tm = txn_key(t, TK_METHOD);

	if (any_but_cancel)
		return !esip_str_eq_cstr(tm, "CANCEL") && !esip_str_eq_cstr(tm, "ACK");
	return esip_str_eq(tm, method_as);
}

/* 17.2.3 rule 2: sent-by (host compared case-insensitively, 19.1.4, and
 * the port as written: a retransmission repeats the Via). */
static bool sent_by_matches(const esip_txn *t, const esip_via *v)
{
	return esip_str_ieq(txn_key(t, TK_HOST), v->host) && t->sent_by_port == v->port;
}

static esip_txn *match_3261(esip_txl *txl, const esip_msg *m, esip_str method_as,
			    bool any_but_cancel, uint64_t *hash, unsigned *same)
{
	uint64_t h = esip__txn_hash_server(txl, m->via.branch, m->via.host, m->via.port);
	esip_hnode *n;
	esip_hiter it;

	*hash = h;
	for (n = esip_htab_first(&txl->table, h, &it); n; n = esip_htab_next(&it)) {
		esip_txn *t = NODE_TXN(n);
		if (!txn_is_server(t) || (t->flags & (TXF_DEAD | TXF_RFC2543)))
			continue;
		if (!esip_str_eq(txn_key(t, TK_BRANCH), m->via.branch) ||
		    !sent_by_matches(t, &m->via))
			continue;
		(*same)++;
		if (method_matches(t, method_as, any_but_cancel))
			return t;
	}
	return NULL;
}

/* Request-URI equality by the URI rules (19.1.4), as 17.2.3 asks. */
static bool ruri_matches(const esip_txn *t, const esip_msg *m)
{
	esip_uri u;

	if (esip_uri_parse(txn_key(t, TK_RURI), &u) < 0)
		return false;
	return esip_uri_eq(&u, &m->ruri);
}

static esip_txn *match_2543(esip_txl *txl, const esip_msg *m, esip_str method_as,
			    bool any_but_cancel, uint64_t *hash, unsigned *same)
{
	uint64_t h = esip__txn_hash_2543(txl, m->call_id, m->cseq, m->from.tag);
	bool is_ack = m->method_id == ESIP_METHOD_ACK;
	esip_hnode *n;
	esip_hiter it;

	*hash = h;
	for (n = esip_htab_first(&txl->table, h, &it); n; n = esip_htab_next(&it)) {
		esip_txn *t = NODE_TXN(n);
		if (!txn_is_server(t) || !(t->flags & TXF_RFC2543) || (t->flags & TXF_DEAD))
			continue;
		(*same)++;
		if (t->cseq != m->cseq || !esip_str_eq(txn_key(t, TK_CALL_ID), m->call_id) ||
		    !esip_str_eq(txn_key(t, TK_FROM_TAG), m->from.tag) ||
		    !esip_str_eq(txn_key(t, TK_VIA), m->via.raw) ||
		    !method_matches(t, method_as, any_but_cancel) || !ruri_matches(t, m))
			continue;
		/* the ACK's To tag is the one of the response sent (17.2.3);
		 * any other request repeats the original To tag */
		if (is_ack ? !esip_str_eq(txn_key(t, TK_RESP_TAG), m->to.tag)
			   : !esip_str_eq(txn_key(t, TK_TO_TAG), m->to.tag))
			continue;
		return t;
	}
	return NULL;
}

esip_txn *esip__match_request(esip_txl *txl, const esip_msg *m, esip_str method_as,
			      bool any_but_cancel, uint64_t *hash, unsigned *same)
{
	uint64_t h;
	unsigned sm = 0;

	if (!hash)
		hash = &h;
	if (!same)
		same = &sm;
	*same = 0;
	if (esip_via_branch_is_rfc3261(&m->via))
		return match_3261(txl, m, method_as, any_but_cancel, hash, same);
	return match_2543(txl, m, method_as, any_but_cancel, hash, same);
}
