/*
 * client.c - client transactions: creation from the TU's request, the ACK
 * a client INVITE transaction sends for a 300-699 (RFC 3261 17.1.1.3),
 * and the CANCEL a TU builds for a pending INVITE (9.1).
 *
 * A client transaction keeps the whole request while it may retransmit
 * it or build the ACK or the CANCEL from it (esip__txn_shed); its key
 * (branch, method, sent-by) is a copy of its own.
 */
#include "txn_int.h"

#include <string.h>

/* A request the layer keeps (or is given) is parsed into a header array
 * on the stack: a client request with more header fields is refused. */
#define TXN_PARSE_HDRS 128

int esip__txn_parse_own(const char *p, size_t len, esip_msg *m, esip_hdr *hdrs, size_t cap)
{
	/* bytes the layer made or accepted: only the header count is bound */
	esip_parse_limits lim = {UINT32_MAX, UINT32_MAX, (uint32_t)cap};
	int rc;

	esip_msg_init(m, hdrs, cap);
	rc = esip_msg_parse(m, p, len, ESIP_PARSE_DATAGRAM, &lim);
	return rc < 0 ? rc : 0;
}

/*
 * Creates the client transaction of request m (parsed from bytes) and
 * runs its first event.  The key is the top Via's branch and the method
 * (17.1.3) and its sent-by (18.1.2: responses to other sent-bys are not
 * ours); the request itself is copied apart, freed once no longer needed
 * (esip__txn_shed).  flags: TXF_INTERNAL for the layer's own CANCEL.
 */
static int client_start(esip_txl *txl, const esip_msg *m, const void *bytes, size_t len,
			const esip_dest *dest, void *owner, uint8_t flags, uint64_t now,
			esip_txn **out)
{
	esip_txn_kind kind = m->method_id == ESIP_METHOD_INVITE ? ESIP_TXN_ICT : ESIP_TXN_NICT;
	size_t ks = esip__txn_key_size(m, false);
	esip_txn *t;
	int dead;

	if (ks > UINT16_MAX)
		return ESIP_EINVAL;
	t = esip__txn_alloc(txl, kind, ks);
	if (!t)
		return ESIP_ENOMEM;
	t->req = esip_malloc(txl->alloc, len);
	if (!t->req) {
		esip__txn_discard(t);
		return ESIP_ENOMEM;
	}
	memcpy(t->req, bytes, len);
	t->req_len = (uint32_t)len;
	esip__txn_account(t, (int64_t)len);
	esip__txn_set_key(t, m);
	t->dest = *dest;
	t->owner = owner;
	t->flags |= flags;
	esip__txn_conn_attach(t);
	if (esip_tp_reliable(dest->tp))
		t->flags |= TXF_RELIABLE;
	if (esip__txn_table_insert(txl, t) < 0) {
		esip__txn_discard(t);
		return ESIP_ENOMEM;
	}
	/* 9.1: the TU's CANCEL for a pending INVITE starts its 64*T1 guard
	 * (the layer's own CANCEL is sent by the INVITE, which started it) */
	if (m->method_id == ESIP_METHOD_CANCEL && !(flags & TXF_INTERNAL)) {
		esip_txn *inv = esip__match_client_invite(txl, m->via.branch);
		if (inv)
			esip__txn_event(inv, TXEV_tu_cancel, NULL, NULL, now);
	}
	esip__txn_hold(t);
	esip__txn_event(t, TXEV_tu_request, NULL, NULL, now);
	dead = (t->flags & TXF_DEAD) != 0;
	if (!dead && out)
		*out = t;
	esip__txn_release(t);
	/* the first send failed: the owner has had TRANSPORT_ERROR and
	 * TERMINATED already */
	return dead ? ESIP_ETRANSPORT : 0;
}

int esip_txl_request(esip_txl *txl, const void *bytes, size_t len, const esip_dest *dest,
		     void *owner, uint64_t now, esip_txn **out)
{
	esip_hdr hdrs[TXN_PARSE_HDRS];
	esip_msg m;
	int full;

	if (out)
		*out = NULL;
	if (!bytes || !dest || len == 0 || len > UINT16_MAX)
		return ESIP_EINVAL;
	if (esip__txn_parse_own(bytes, len, &m, hdrs, TXN_PARSE_HDRS) < 0 || m.kind != ESIP_MSG_REQUEST)
		return ESIP_EINVAL;
	/* an ACK is never a client transaction (17.1.1.3, 13.2.2.4): the TU
	 * sends the ACK for a 2xx on its own */
	if (m.method_id == ESIP_METHOD_ACK || !m.via.branch.p || !m.via.branch.len ||
	    !m.cseq_method.p || !m.via.host.p)
		return ESIP_EINVAL;
	full = esip__txl_full(txl, sizeof(esip_txn) + esip__txn_key_size(&m, false) + len);
	if (full) {
		esip__txl_count_refusal(txl, full);
		return ESIP_ELIMIT;
	}
	return client_start(txl, &m, bytes, len, dest, owner, 0, now, out);
}

/* Writes every Route header line of m ("Route: value" CRLF), in order:
 * 17.1.1.3 and 9.1 carry the route set of the original request. */
static void put_routes(esip_buf *b, const esip_msg *m)
{
	const esip_hdr *h;

	for (h = esip_msg_hdr(m, ESIP_HDR_ROUTE); h; h = esip_msg_hdr_next(m, h)) {
		esip_buf_puts(b, "Route: ");
		esip_buf_putstr(b, h->value);
		esip_buf_puts(b, "\r\n");
	}
}

/* The parts an ACK (17.1.1.3) and a CANCEL (9.1) copy from the request:
 * Request-URI, exactly one Via (the top one), From, Call-ID, the CSeq
 * number with a new method; the To header comes from the caller. */
static void put_derived(esip_buf *b, const esip_msg *req, const char *method, esip_str to)
{
	const esip_hdr *from = esip_msg_hdr(req, ESIP_HDR_FROM);

	esip_buf_puts(b, method);
	esip_buf_putc(b, ' ');
	esip_buf_putstr(b, req->ruri_raw);
	esip_buf_puts(b, " SIP/2.0\r\nVia: ");
	esip_buf_putstr(b, req->via.raw);
	esip_buf_puts(b, "\r\nMax-Forwards: 70\r\nFrom: ");
	if (from)
		esip_buf_putstr(b, from->value);
	esip_buf_puts(b, "\r\nTo: ");
	esip_buf_putstr(b, to);
	esip_buf_puts(b, "\r\nCall-ID: ");
	esip_buf_putstr(b, req->call_id);
	esip_buf_puts(b, "\r\nCSeq: ");
	esip_buf_put_u32(b, req->cseq);
	esip_buf_putc(b, ' ');
	esip_buf_puts(b, method);
	esip_buf_puts(b, "\r\n");
	put_routes(b, req);
	esip_buf_puts(b, "Content-Length: 0\r\n\r\n");
}

int esip__txn_build_ack(esip_txn *t, const esip_msg *resp)
{
	esip_hdr hdrs[TXN_PARSE_HDRS];
	esip_msg req;
	const esip_hdr *to = esip_msg_hdr(resp, ESIP_HDR_TO);
	esip_buf *b = &t->txl->scratch;
	int rc;

	if (NEVER(!t->req))
		return ESIP_ESTATE; /* esip__txn_shed keeps it until the ACK exists */
	rc = esip__txn_parse_own(t->req, t->req_len, &req, hdrs, TXN_PARSE_HDRS);
	if (rc < 0 || !to)
		return rc < 0 ? rc : ESIP_EINVAL;
	esip_buf_reset(b);
	/* 17.1.1.3: "The To header field in the ACK MUST equal the To header
	 * field in the response being acknowledged" */
	put_derived(b, &req, "ACK", to->value);
	if (esip_buf_error(b))
		return esip_buf_error(b);
	return esip__txn_store_out(t, b->p, b->len);
}

/* Appends t's CANCEL to b (9.1: Request-URI, Call-ID, To, CSeq number and
 * From identical to the request's, one Via equal to its top Via, its
 * Route values, no Require or Proxy-Require). */
static int put_cancel(const esip_txn *t, esip_buf *b)
{
	esip_hdr hdrs[TXN_PARSE_HDRS];
	esip_msg req;
	const esip_hdr *to;
	int rc;

	rc = esip__txn_parse_own(t->req, t->req_len, &req, hdrs, TXN_PARSE_HDRS);
	if (rc < 0)
		return rc;
	to = esip_msg_hdr(&req, ESIP_HDR_TO);
	put_derived(b, &req, "CANCEL", to ? to->value : ESIP_STR_NULL);
	return esip_buf_error(b);
}

int esip_txn_build_cancel(const esip_txn *t, esip_buf *b)
{
	if (!t || t->kind != ESIP_TXN_ICT)
		return ESIP_EINVAL;
	/* 9.1: not before a provisional response ("the client MUST wait"),
	 * pointless after a final one, and one CANCEL per INVITE (its own
	 * transaction retransmits it): not once one went out, the TU's or
	 * the layer's on Timer C */
	if (t->state != esip__ict_S_Proceeding || !(t->flags & TXF_GOT_1XX) || t->status >= 200 ||
	    !t->req)
		return ESIP_ESTATE;
	return put_cancel(t, b);
}

int esip__client_send_cancel(esip_txn *t, uint64_t now)
{
	esip_txl *txl = t->txl;
	esip_hdr hdrs[TXN_PARSE_HDRS];
	esip_buf *b = &txl->scratch;
	esip_msg m;
	int rc;

	if (NEVER(!t->req))
		return ESIP_ESTATE;
	esip_buf_reset(b);
	rc = put_cancel(t, b);
	if (rc == 0)
		rc = esip__txn_parse_own(b->p, b->len, &m, hdrs, TXN_PARSE_HDRS);
	/* the INVITE's destination: the same place, the same connection */
	if (rc == 0)
		rc = client_start(txl, &m, b->p, b->len, &t->dest, NULL, TXF_INTERNAL, now, NULL);
	return rc;
}
