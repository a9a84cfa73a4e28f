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

/*
 * Each part goes in as its length and its bytes, so that no two different
 * keys give the same byte stream ("ab"+"c" vs "a"+"bc"), and the whole key
 * is hashed: only SipHash collisions (infeasible without the key) put two
 * different keys under one hash.  The stream is gathered in a small
 * buffer and hashed in one call (a handful of small esip_hash_update calls
 * cost more than the hash itself); longer keys go through in pieces.
 */
typedef struct key_hash {
	esip_hash_state st;
	size_t n;
	unsigned char b[184];
} key_hash;

static void kh_begin(key_hash *h, const esip_txl *txl, char domain)
{
	esip_hash_begin(&h->st, &txl->hkey);
	h->b[0] = (unsigned char)domain;
	h->n = 1;
}

static void kh_flush(key_hash *h)
{
	esip_hash_update(&h->st, h->b, h->n);
	h->n = 0;
}

static void kh_bytes(key_hash *h, const void *p, size_t len)
{
	if (h->n + len > sizeof h->b) {
		kh_flush(h);
		if (len > sizeof h->b) {
			esip_hash_update(&h->st, p, len);
			return;
		}
	}
	memcpy(h->b + h->n, p, len);
	h->n += len;
}

static void kh_part(key_hash *h, esip_str s)
{
	uint32_t n = (uint32_t)s.len;

	kh_bytes(h, &n, sizeof n);
	if (s.len)
		kh_bytes(h, s.p, s.len);
}

/* Host names compare case-insensitively (19.1.4): hash them lowercased. */
static void kh_part_lower(key_hash *h, esip_str s)
{
	uint32_t n = (uint32_t)s.len;
	size_t i;

	kh_bytes(h, &n, sizeof n);
	for (i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (h->n == sizeof h->b)
			kh_flush(h);
		h->b[h->n++] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
}

static uint64_t kh_end(key_hash *h)
{
	kh_flush(h);
	return esip_hash_end(&h->st);
}

uint64_t esip__txn_hash_client(const esip_txl *txl, esip_str branch)
{
	key_hash h;

	kh_begin(&h, txl, 'C');
	kh_part(&h, branch);
	return kh_end(&h);
}

/* 17.2.3: branch and sent-by; the method is compared among the nodes of
 * one hash (a CANCEL looking for its target does not know it). */
uint64_t esip__txn_hash_server(const esip_txl *txl, esip_str branch, esip_str host,
			       uint32_t port)
{
	key_hash h;

	kh_begin(&h, txl, 'S');
	kh_part(&h, branch);
	kh_part_lower(&h, host);
	kh_bytes(&h, &port, sizeof port);
	return kh_end(&h);
}

uint64_t esip__txn_hash_2543(const esip_txl *txl, esip_str call_id, uint32_t cseq,
			     esip_str from_tag)
{
	key_hash h;

	kh_begin(&h, txl, 'R');
	kh_part(&h, call_id);
	kh_bytes(&h, &cseq, sizeof cseq);
	kh_part(&h, from_tag);
	return kh_end(&h);
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

size_t esip__txn_key_size(const esip_msg *m, bool rfc2543)
{
	size_t n = m->via.branch.len + m->method.len + m->via.host.len;

	if (rfc2543)
		n += m->ruri_raw.len + m->from.tag.len + m->to.tag.len + m->call_id.len +
		     m->via.raw.len;
	return n;
}

static void put_key(esip_txn *t, size_t *pos, int k, esip_str s)
{
	if (!s.p)
		return;
	memcpy(t->kb + *pos, s.p, s.len);
	t->klen[k] = (uint16_t)s.len;
	t->kmask |= (uint8_t)(1u << k);
	*pos += s.len;
}

void esip__txn_set_key(esip_txn *t, const esip_msg *m)
{
	/* in the order of the TK_ parts (txn_key sums the lengths before) */
	size_t pos = 0;

	put_key(t, &pos, TK_BRANCH, m->via.branch);
	put_key(t, &pos, TK_METHOD, m->method);
	put_key(t, &pos, TK_HOST, m->via.host);
	if (t->flags & TXF_RFC2543) {
		put_key(t, &pos, TK_RURI, m->ruri_raw);
		put_key(t, &pos, TK_FROM_TAG, m->from.tag);
		put_key(t, &pos, TK_TO_TAG, m->to.tag);
		put_key(t, &pos, TK_CALL_ID, m->call_id);
		put_key(t, &pos, TK_VIA, m->via.raw);
	}
	t->sent_by_port = m->via.port;
	t->cseq = m->cseq;
	t->method_id = m->method_id;
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

/* More parameters than this in a Via: equal only when byte-identical (the
 * set comparison below is quadratic; real Vias carry a handful). */
#define VIA_CMP_MAX_PARAMS 32

/* A parameter value: quoted strings are case-sensitive, tokens and hosts
 * are not (7.3.1); absent equals only absent. */
static bool param_value_eq(esip_str a, esip_str b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	if ((a.len && a.p[0] == '"') || (b.len && b.p[0] == '"'))
		return esip_str_eq(a, b);
	return esip_str_ieq(a, b);
}

/* Counts the parameters of a list; -1 if malformed or too many. */
static int count_params(esip_str params)
{
	esip_param_iter it;
	esip_str n, v;
	int k = 0, rc;

	esip_param_iter_init(&it, params);
	while ((rc = esip_param_next(&it, &n, &v)) == 1)
		if (++k > VIA_CMP_MAX_PARAMS)
			return -1;
	return rc < 0 ? -1 : k;
}

/* Every parameter of a is in b (name case-insensitive) with an equal value. */
static bool params_covered(esip_str a, esip_str b)
{
	esip_param_iter ia, ib;
	esip_str na, va, nb, vb;

	esip_param_iter_init(&ia, a);
	while (esip_param_next(&ia, &na, &va) == 1) {
		bool found = false;
		esip_param_iter_init(&ib, b);
		while (!found && esip_param_next(&ib, &nb, &vb) == 1)
			found = esip_str_ieq(na, nb) && param_value_eq(va, vb);
		if (!found)
			return false;
	}
	return true;
}

/*
 * Two top Vias as 17.2.3 compares them for RFC 2543 requests, by their
 * parts as 20.42 defines equality ("sent-protocol and sent-by fields are
 * equal, both have the same set of parameters, and the values of all
 * parameters are equal"), not by their bytes: LWS and letter case of
 * tokens (7.3.1) and of the host (19.1.4) do not count; IP addresses
 * compare as addresses; an absent port is not 5060.
 */
static bool via_eq(const esip_via *a, const esip_via *b)
{
	esip_addr x, y;
	int na, nb;

	if (!esip_str_ieq(a->protocol, b->protocol) || !esip_str_ieq(a->version, b->version) ||
	    !esip_str_ieq(a->transport, b->transport) || a->port != b->port)
		return false;
	if (esip_addr_from_ip(&x, a->host, 0) == 0 && esip_addr_from_ip(&y, b->host, 0) == 0) {
		if (!esip_addr_eq_ip(&x, &y))
			return false;
	} else if (!esip_str_ieq(a->host, b->host)) {
		return false;
	}
	na = count_params(a->params);
	nb = count_params(b->params);
	if (na < 0 || nb < 0)
		return esip_str_eq(a->params, b->params);
	return na == nb && params_covered(a->params, b->params) &&
	       params_covered(b->params, a->params);
}

static bool via_matches(const esip_txn *t, const esip_via *v)
{
	esip_via kept;

	return esip_via_parse(txn_key(t, TK_VIA), &kept) == 0 && via_eq(&kept, v);
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
		    !method_matches(t, method_as, any_but_cancel) || !ruri_matches(t, m) ||
		    !via_matches(t, &m->via))
			continue;
		/* the ACK's To tag is the one of the response sent (17.2.3),
		 * whatever its length; any other request repeats the original
		 * To tag */
		if (is_ack ? !esip_str_eq(txn_resp_tag(t), m->to.tag)
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
