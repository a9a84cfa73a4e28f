/*
 * match.c - transaction keys and matching: responses to client
 * transactions (RFC 3261 17.1.3), requests to server transactions
 * (17.2.3, with the RFC 2543 fallback), a CANCEL to what it cancels (9.2).
 *
 * One table holds every transaction.  RFC 3261 transactions hash their
 * branch (unique per client by 8.1.1.7), with a different seed bit for
 * the client and the server side (a stack talking to itself has both
 * with one branch); the rest of the key (sent-by, method, side) is
 * compared among the nodes with that hash.  RFC 2543 transactions hash Call-ID, CSeq number
 * and From tag.  The hash is keyed (SipHash, esip/core.h), so peers
 * cannot pick colliding branches.
 */
#include "txn_int.h"

#include <string.h>

#define HASH_INPUT_MAX 512 /* longer keys are hashed by prefix + length */

static uint64_t hash_parts(const esip_txl *txl, unsigned char domain, const esip_str *parts,
			   size_t n)
{
	unsigned char buf[HASH_INPUT_MAX];
	size_t len = 0, i;

	buf[len++] = domain;
	for (i = 0; i < n; i++) {
		size_t k = parts[i].len;
		if (k > sizeof buf - len - 1)
			k = sizeof buf - len - 1;
		if (k)
			memcpy(buf + len, parts[i].p, k);
		len += k;
		buf[len++] = 0; /* separator: "ab"+"c" differs from "a"+"bc" */
		if (len >= sizeof buf - 1)
			break;
	}
	return esip_hash(&txl->hkey, buf, len);
}

uint64_t esip__txn_hash_branch(const esip_txl *txl, esip_str branch)
{
	return hash_parts(txl, 'B', &branch, 1);
}

uint64_t esip__txn_hash_2543(const esip_txl *txl, esip_str call_id, uint32_t cseq,
			     esip_str from_tag)
{
	char num[4] = {(char)(cseq >> 24), (char)(cseq >> 16), (char)(cseq >> 8), (char)cseq};
	esip_str parts[3] = {call_id, {num, 4}, from_tag};

	return hash_parts(txl, 'R', parts, 3);
}

/* The client and the server transaction of one branch must not share a
 * hash value only by accident of the side: flip a bit for servers. */
static uint64_t side_hash(uint64_t h, bool server) { return server ? h ^ 0x5bd1e9955bd1e995ull : h; }

static uint64_t txn_hash(const esip_txl *txl, const esip_txn *t)
{
	if (t->flags & TXF_RFC2543)
		return esip__txn_hash_2543(txl, txn_key(t, TK_CALL_ID), t->cseq,
					   txn_key(t, TK_FROM_TAG));
	return side_hash(esip__txn_hash_branch(txl, txn_key(t, TK_BRANCH)), txn_is_server(t));
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
	h = side_hash(esip__txn_hash_branch(txl, m->via.branch), false);
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
	uint64_t h = side_hash(esip__txn_hash_branch(txl, branch), false);
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
			    bool any_but_cancel, uint64_t *hash)
{
	uint64_t h = side_hash(esip__txn_hash_branch(txl, m->via.branch), true);
	esip_hnode *n;
	esip_hiter it;

	*hash = h;
	for (n = esip_htab_first(&txl->table, h, &it); n; n = esip_htab_next(&it)) {
		esip_txn *t = NODE_TXN(n);
		if (!txn_is_server(t) || (t->flags & (TXF_DEAD | TXF_RFC2543)))
			continue;
		if (esip_str_eq(txn_key(t, TK_BRANCH), m->via.branch) &&
		    sent_by_matches(t, &m->via) && method_matches(t, method_as, any_but_cancel))
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
			    bool any_but_cancel, uint64_t *hash)
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
			      bool any_but_cancel, uint64_t *hash)
{
	uint64_t h;

	if (!hash)
		hash = &h;
	if (esip_via_branch_is_rfc3261(&m->via))
		return match_3261(txl, m, method_as, any_but_cancel, hash);
	return match_2543(txl, m, method_as, any_but_cancel, hash);
}
