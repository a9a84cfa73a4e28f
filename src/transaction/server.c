/*
 * server.c - server transactions: creation and matching of received
 * requests (RFC 3261 17.2.3), responses from the TU (8.2.6, with the Via
 * stamp of 18.2.1 / RFC 3581 and the destination of 18.2.2), the 100
 * Trying of 17.2.1, CANCEL (9.2), the ACK of a 2xx (not a transaction,
 * 17.2.3 / RFC 6026), the 503 over the limit, stateless responses.
 *
 * Memory: a server transaction keeps only its key bytes, its last
 * response and the To tag of its responses.  If the TU has not sent a
 * final response by the time the request's event returns (an INVITE that
 * rings, say), the transaction also keeps a skeleton of the request
 * (txn_int.h) from which later responses are built, until the final one.
 */
#include "txn_int.h"

#include <stdio.h>
#include <string.h>

#define SKEL_PARSE_HDRS 128

/* ---- keys --------------------------------------------------------------- */

/* ---- the skeleton (txn_int.h) ------------------------------------------- */

static bool skeleton_header(esip_hdr_id id)
{
	switch (id) {
	case ESIP_HDR_VIA:
	case ESIP_HDR_FROM:
	case ESIP_HDR_TO:
	case ESIP_HDR_CALL_ID:
	case ESIP_HDR_CSEQ:
	case ESIP_HDR_RECORD_ROUTE:
	case ESIP_HDR_TIMESTAMP:
		return true;
	default:
		return false;
	}
}

static int save_ctx(esip_txn *t, const esip_msg *m, const esip_rx_info *rx)
{
	esip_txl *txl = t->txl;
	esip_buf *b = &txl->scratch;
	uint32_t i, nh = 1; /* + Content-Length */

	esip_buf_reset(b);
	esip_buf_putstr(b, m->method);
	esip_buf_putc(b, ' ');
	esip_buf_putstr(b, m->ruri_raw);
	esip_buf_puts(b, " SIP/2.0\r\n");
	for (i = 0; i < m->nhdrs; i++) {
		const esip_hdr *h = &m->hdrs[i];
		if (!skeleton_header((esip_hdr_id)h->id))
			continue;
		nh++;
		esip_buf_putstr(b, h->name);
		esip_buf_puts(b, ": ");
		esip_buf_putstr(b, h->value);
		esip_buf_puts(b, "\r\n");
	}
	esip_buf_puts(b, "Content-Length: 0\r\n\r\n");
	if (esip_buf_error(b))
		return esip_buf_error(b);
	t->ctx = esip_malloc(txl->alloc, sizeof *t->ctx + b->len);
	if (!t->ctx)
		return ESIP_ENOMEM;
	t->ctx->peer = rx->peer;
	t->ctx->skel_hdrs = nh;
	t->ctx->skel_len = (uint32_t)b->len;
	memcpy(t->ctx->skel, b->p, b->len);
	esip__txn_account(t, (int64_t)(sizeof *t->ctx + b->len));
	return 0;
}

/* ---- building responses ------------------------------------------------- */

/*
 * Builds the response spec asks for to req into the scratch buffer, the
 * one way every server response is made: the Via stamp of 18.2.1 / RFC
 * 3581 (received, rport) and, for a status above 100 to a request without
 * a To tag, a tag (8.2.6.2): spec's, else `known` (the transaction's
 * remembered one), else a new one.  *used gets the To tag the response
 * carries (absent for a 100 or a request without tags).
 */
static int build_scratch(esip_txl *txl, const esip_msg *req, const esip_rx_info *rx,
			 const esip_response_spec *spec, esip_str known, char *tag, size_t cap,
			 esip_str *used)
{
	esip_response_spec s = *spec;
	esip_via_stamp st;
	int rc;

	esip_via_stamp_compute(req, rx, &st);
	if (st.add_received)
		s.via_received = esip_str_cstr(st.received);
	if (st.add_rport) {
		s.via_rport_set = true;
		s.via_rport = st.rport;
	}
	if (spec->status > 100 && !req->to.tag.p && !s.to_tag.len) {
		if (known.len) {
			s.to_tag = known;
		} else {
			rc = esip_gen_tag(txl->rnd, tag, cap);
			if (rc < 0)
				return rc;
			s.to_tag = esip_str_make(tag, (size_t)rc);
		}
	}
	*used = spec->status > 100 ? (req->to.tag.p ? req->to.tag : s.to_tag) : ESIP_STR_NULL;
	esip_buf_reset(&txl->scratch);
	return esip_build_response(&txl->scratch, req, &s);
}

int esip__server_build(esip_txn *t, const esip_msg *req, const esip_rx_info *rx,
		       const esip_response_spec *spec, bool keep)
{
	esip_txl *txl = t->txl;
	esip_str used;
	char tag[24];
	int rc;

	rc = build_scratch(txl, req, rx, spec, txn_resp_tag(t), tag, sizeof tag, &used);
	if (rc < 0)
		return rc;
	/* RFC 3261 8.2.6.2: one To tag for every response of the transaction;
	 * whatever tag this one carries is the one the next ones (and the
	 * ACK of 17.2.3, the 200 to a CANCEL of 9.2) use.  Any length: the
	 * grammar sets none.  A non-INVITE transaction has one tagged
	 * response only, its final one (RFC 4320 4.1: no other provisional
	 * than 100, which has none), so it keeps no tag. */
	if (t->kind == ESIP_TXN_NIST)
		used = ESIP_STR_NULL;
	if (!keep)
		return 0; /* the caller sends it from the scratch buffer */
	t->flags2 &= (uint8_t)~TXF2_TRYING_OUT;
	return esip__txn_store_response(t, used, txl->scratch.p, txl->scratch.len);
}

/* Lines in p[0..len): an upper bound of the header fields there. */
static size_t count_lines(const char *p, size_t len)
{
	size_t n = 0;
	const char *end = p + len;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/*
 * Builds spec for t from what it kept once the request's event is over:
 * its skeleton, or - once a provisional response other than 100 went out
 * (esip__txn_shed then drops the skeleton, so that a ringing INVITE holds
 * one copy of its fields, not two) - that provisional response.  It
 * carries every field a later response copies: the Vias with the top one
 * already stamped (18.2.1), From, To with the transaction's tag, Call-ID,
 * CSeq, and Record-Route (12.1.1: copied into 101-299 to INVITE).  Only
 * a Timestamp would be missing, which only a 100 copies (8.2.6.1), and
 * no 100 follows a provisional response (esip_txn_respond).
 */
static int build_from_kept(esip_txn *t, const esip_response_spec *spec, bool keep)
{
	esip_txl *txl = t->txl;
	esip_hdr local[SKEL_PARSE_HDRS], *hdrs = local;
	const char *src;
	size_t len, cap;
	esip_rx_info rx;
	esip_msg m;
	int rc;

	if (t->ctx) {
		src = t->ctx->skel;
		len = t->ctx->skel_len;
		cap = t->ctx->skel_hdrs;
	} else if (t->status > 100 && t->status < 200 && t->out_len) {
		src = txn_out(t);
		len = t->out_len;
		cap = count_lines(src, len);
	} else {
		return ESIP_ESTATE;
	}
	/* a header array of the source's own size: the request may have had
	 * as many header fields as the limits allow */
	if (cap > SKEL_PARSE_HDRS) {
		hdrs = esip_calloc(txl->alloc, cap, sizeof *hdrs);
		if (!hdrs)
			return ESIP_ENOMEM;
	} else {
		cap = SKEL_PARSE_HDRS;
	}
	memset(&rx, 0, sizeof rx);
	rc = esip__txn_parse_own(src, len, &m, hdrs, cap);
	if (rc == 0 && t->ctx) {
		/* the Via stamp needs only the source address */
		rx.peer = t->ctx->peer;
	} else if (rc == 0) {
		/* the response read as the request it answers: stamped
		 * already, so no source address (no stamp) */
		m.kind = ESIP_MSG_REQUEST;
		m.method_id = t->method_id;
		m.method = txn_key(t, TK_METHOD);
	}
	if (rc == 0)
		rc = esip__server_build(t, &m, &rx, spec, keep);
	if (hdrs != local)
		esip_free(txl->alloc, hdrs);
	return rc;
}

/* Builds spec for t from the request at hand (inside its event) or from
 * what it kept; keep: as its last response (else it is left in the
 * scratch buffer). */
static int build_for(esip_txn *t, const esip_response_spec *spec, bool keep)
{
	esip_txl *txl = t->txl;

	if (txl->cur_txn == t && txl->cur_req)
		return esip__server_build(t, txl->cur_req, txl->cur_rx, spec, keep);
	return build_from_kept(t, spec, keep);
}

/* The layer's 100 Trying is not kept: built from the skeleton (which the
 * transaction has anyway until the TU's first other response) each time
 * it is sent, so that an INVITE waiting for its TU holds one copy of the
 * request's fields, not two.  TXF2_TRYING_OUT says it is the last
 * response. */
int esip__server_send_trying(esip_txn *t)
{
	esip_response_spec spec;
	int rc;

	memset(&spec, 0, sizeof spec);
	spec.status = 100;
	rc = build_for(t, &spec, false);
	if (rc < 0)
		return rc;
	t->flags2 |= TXF2_TRYING_OUT;
	return esip__txn_send(t, t->txl->scratch.p, t->txl->scratch.len);
}

static unsigned tu_event(unsigned status)
{
	if (status < 200)
		return TXEV_tu_1xx;
	return status < 300 ? TXEV_tu_2xx : TXEV_tu_3xx_6xx;
}

int esip_txn_respond(esip_txn *t, const esip_response_spec *spec, uint64_t now)
{
	const esip_fsm_machine *m;
	unsigned ev;
	int rc;

	if (!t || !spec || !txn_is_server(t) || spec->status < 100 || spec->status > 699)
		return ESIP_EINVAL;
	/* RFC 4320 4.1: "A SIP element MUST NOT send any provisional response
	 * with a Status-Code other than 100 to a non-INVITE request"; 4.2: "A
	 * transaction-stateful SIP element MUST NOT send a response with
	 * Status-Code of 408 to a non-INVITE request" */
	if (t->kind == ESIP_TXN_NIST && ((spec->status > 100 && spec->status < 200) ||
					 spec->status == 408))
		return ESIP_EINVAL;
	if (t->flags & TXF_DEAD)
		return ESIP_ESTATE;
	/* a 100 only before any other provisional response: the peer has a
	 * better one already (and later responses are built from it) */
	if (spec->status == 100 && t->status > 100)
		return ESIP_ESTATE;
	m = esip__txn_machine((esip_txn_kind)t->kind);
	ev = tu_event(spec->status);
	/* a response the machine cannot take now (a second final, a 1xx
	 * after the final, a 3xx in Accepted ...) is refused before it is
	 * built */
	if (!esip_fsm_lookup(m, t->state, ev))
		return ESIP_ESTATE;
	rc = build_for(t, spec, true);
	if (rc == ESIP_ESTATE && ev == TXEV_tu_2xx && t->out_len) {
		/* RFC 6026 7.1: in Accepted the TU retransmits its 2xx through
		 * the transaction; answered inside the request's event, the
		 * transaction kept no skeleton, only that 2xx: send it again */
		rc = 0;
	}
	if (rc < 0)
		return rc;
	t->status = spec->status;
	esip__txn_event(t, ev, NULL, NULL, now);
	return 0;
}

void esip_txn_confirm(esip_txn *t)
{
	char *p;

	/* an INVITE server transaction that sent a 2xx is in Accepted (or
	 * dead): what it keeps for Timer L is its key and its To tag (9.2:
	 * the 200 to a late CANCEL carries the INVITE's tag) */
	if (!t || t->kind != ESIP_TXN_IST || t->status < 200 || t->status >= 300 || !t->out_len)
		return;
	t->out_len = 0;
	if (!t->tag_len) {
		esip__txn_account(t, -(int64_t)t->out_cap);
		esip_free(t->txl->alloc, t->out);
		t->out = NULL;
		t->out_cap = 0;
		return;
	}
	/* a shrink: should it fail, the old block stays, counted as it was */
	p = esip_realloc(t->txl->alloc, t->out, t->tag_len);
	if (!p)
		return;
	esip__txn_account(t, (int64_t)t->tag_len - (int64_t)t->out_cap);
	t->out = p;
	t->out_cap = t->tag_len;
}

/* ---- stateless responses ------------------------------------------------- */

int esip_txl_respond_stateless(esip_txl *txl, const esip_msg *req, const esip_rx_info *rx,
			       const esip_response_spec *spec)
{
	esip_dest dest;
	esip_str used;
	char tag[24];
	int rc;

	if (!req || req->kind != ESIP_MSG_REQUEST || req->method_id == ESIP_METHOD_ACK)
		return ESIP_EINVAL;
	rc = esip_response_dest(req, rx, &dest);
	if (rc < 0)
		return rc;
	rc = build_scratch(txl, req, rx, spec, ESIP_STR_NULL, tag, sizeof tag, &used);
	if (rc < 0)
		return rc;
	return txl->cb.send(txl->ud, &dest, txl->scratch.p, txl->scratch.len);
}

/* 8.2 / 17.2: over the configured number of live transactions or bytes
 * a new request is refused with 503 and Retry-After (RFC 3261 21.5.4,
 * 20.33). */
static int refuse_over_limit(esip_txl *txl, const esip_msg *m, const esip_rx_info *rx, int full)
{
	esip_response_spec spec;
	esip_hdr_kv ra;
	char secs[16];
	int n;

	esip__txl_count_refusal(txl, full);
	n = snprintf(secs, sizeof secs, "%u", txl->cfg.retry_after_s);
	ra.name = "Retry-After";
	ra.value = esip_str_make(secs, (size_t)n);
	memset(&spec, 0, sizeof spec);
	spec.status = 503;
	spec.extra = &ra;
	spec.n_extra = 1;
	esip_txl_respond_stateless(txl, m, rx, &spec);
	return ESIP_ELIMIT;
}

/* ---- creation ------------------------------------------------------------- */

static esip_txn *create(esip_txl *txl, const esip_msg *m, const esip_rx_info *rx, uint64_t hash,
		        int *err)
{
	bool rfc2543 = !esip_via_branch_is_rfc3261(&m->via);
	bool invite = m->method_id == ESIP_METHOD_INVITE;
	esip_dest dest;
	esip_txn *t;
	size_t ks = esip__txn_key_size(m, rfc2543);

	*err = esip_response_dest(m, rx, &dest);
	if (*err < 0)
		return NULL;
	if (ks > UINT16_MAX) {
		*err = ESIP_EINVAL;
		return NULL;
	}
	t = esip__txn_alloc(txl, invite ? ESIP_TXN_IST : ESIP_TXN_NIST, ks);
	if (!t) {
		*err = ESIP_ENOMEM;
		return NULL;
	}
	if (rfc2543)
		t->flags |= TXF_RFC2543;
	if (esip_tp_reliable(rx->tp))
		t->flags |= TXF_RELIABLE;
	t->dest = dest;
	esip__txn_set_key(t, m);
	esip__txn_conn_attach(t);
	if (esip__txn_table_insert_hashed(txl, t, hash) < 0) {
		esip__txn_discard(t);
		*err = ESIP_ENOMEM;
		return NULL;
	}
	return t;
}

/* ---- the request at hand ---------------------------------------------------- */

/* txl->cur_txn/cur_req/cur_rx name the request whose event is running, so
 * that a response sent inside it is built straight from it (no copy).  An
 * owner callback may receive another request meanwhile (a nested call):
 * each call saves the outer values and restores them, and holds the outer
 * transaction so that it is still there to restore. */
typedef struct cur_saved {
	esip_txn *txn;
	const esip_msg *req;
	const esip_rx_info *rx;
} cur_saved;

static void cur_enter(esip_txl *txl, cur_saved *sv, esip_txn *t, const esip_msg *m,
		      const esip_rx_info *rx)
{
	sv->txn = txl->cur_txn;
	sv->req = txl->cur_req;
	sv->rx = txl->cur_rx;
	if (sv->txn)
		esip__txn_hold(sv->txn);
	txl->cur_txn = t;
	txl->cur_req = m;
	txl->cur_rx = rx;
}

static void cur_leave(esip_txl *txl, const cur_saved *sv)
{
	txl->cur_txn = sv->txn;
	txl->cur_req = sv->req;
	txl->cur_rx = sv->rx;
	if (sv->txn)
		esip__txn_release(sv->txn);
}

/* Runs the request's event with the request at hand for esip_txn_respond,
 * then keeps what later responses need if the TU has not answered. */
static void start_server(esip_txl *txl, esip_txn *t, const esip_msg *m, const esip_rx_info *rx,
			 uint64_t now)
{
	cur_saved sv;

	cur_enter(txl, &sv, t, m, rx);
	esip__txn_event(t, TXEV_rx_request, m, rx, now);
	/* nothing but a 100 sent yet: later responses need the skeleton
	 * (after any other response they are built from that one) */
	if (!(t->flags & TXF_DEAD) && t->status <= 100 && !t->ctx && save_ctx(t, m, rx) < 0) {
		/* without the skeleton no later response could be built:
		 * answer now, while the request is still at hand */
		esip_response_spec spec;
		memset(&spec, 0, sizeof spec);
		spec.status = 500;
		esip_txn_respond(t, &spec, now);
	}
	/* no answer at all: the 100 Trying delay starts (ist.def, nist.def) */
	if (!(t->flags & TXF_DEAD) && !t->status)
		esip__txn_event(t, TXEV_tu_silent, NULL, NULL, now);
	cur_leave(txl, &sv);
}

/* The To tag the target's responses use: the remembered one, or a new
 * one kept for them (9.2: the 200 to the CANCEL and the response to the
 * INVITE SHOULD carry the same tag, even when the TU answers later). */
static esip_str target_tag(esip_txn *target, const esip_msg *cancel)
{
	char tag[24];
	int n;

	if (cancel->to.tag.p || target->kind != ESIP_TXN_IST)
		return ESIP_STR_NULL; /* the request has its tag (a dialog's) */
	if (!target->tag_len) {
		n = esip_gen_tag(target->txl->rnd, tag, sizeof tag);
		if (n > 0)
			esip__txn_store_tag(target, esip_str_make(tag, (size_t)n));
	}
	return txn_resp_tag(target);
}

/* 9.2: a CANCEL is its own (non-INVITE) transaction, answered here: 200
 * if it matched a transaction (with the To tag of that transaction's
 * responses), 481 if not.  The INVITE it cancels hears of it first
 * (ESIP_TXE_CANCEL), so its owner can send the 487 before the 200.  Over
 * the transaction limit a CANCEL that matches is still honoured (answered
 * statelessly): the INVITE it ends frees a transaction. */
static int server_cancel(esip_txl *txl, const esip_msg *m, const esip_rx_info *rx, uint64_t now,
			 bool over_limit)
{
	uint64_t hash;
	esip_txn *target = esip__match_request(txl, m, ESIP_STR_NULL, true, &hash, NULL);
	esip_txn *t = NULL;
	esip_response_spec spec;
	char tag_mem[64], *tag = tag_mem;
	cur_saved sv;
	int err = 0;

	if (over_limit && !target)
		return ESIP_ELIMIT; /* the caller answers 503 */
	if (!over_limit) {
		t = create(txl, m, rx, hash, &err);
		if (!t)
			return err;
		t->flags |= TXF_INTERNAL;
		esip__txn_hold(t);
	}
	cur_enter(txl, &sv, t, m, rx);
	memset(&spec, 0, sizeof spec);
	spec.status = target ? 200 : 481;
	if (target) {
		esip_str tg;
		esip__txn_hold(target);
		/* copied: the target may end before the 200 is built */
		tg = target_tag(target, m);
		if (tg.len > sizeof tag_mem)
			tag = esip_malloc(txl->alloc, tg.len); /* a TU's long tag */
		if (tg.p && tag) {
			memcpy(tag, tg.p, tg.len);
			spec.to_tag = esip_str_make(tag, tg.len);
		}
		esip__txn_event(target, TXEV_rx_cancel, m, rx, now);
		esip__txn_release(target);
	}
	if (t) {
		esip__txn_event(t, TXEV_rx_request, m, rx, now);
		esip_txn_respond(t, &spec, now);
		esip__txn_release(t);
	} else {
		esip_txl_respond_stateless(txl, m, rx, &spec);
	}
	cur_leave(txl, &sv);
	if (tag != tag_mem)
		esip_free(txl->alloc, tag);
	return 0;
}

int esip__server_recv(esip_txl *txl, const esip_msg *m, const esip_rx_info *rx, uint64_t now)
{
	esip_txn *t;
	uint64_t hash;
	unsigned same;
	int err, full;

	if (!m->via.host.p || !m->cseq_method.p || !m->call_id.p)
		return ESIP_EINVAL;
	if (m->method_id == ESIP_METHOD_ACK) {
		/* 17.2.3: an ACK matches the INVITE transaction it acknowledges
		 * (a non-2xx: absorbed there); otherwise it acknowledges a 2xx
		 * and is not a transaction: the owner gets it (RFC 6026 7.1) */
		t = esip__match_request(txl, m, ESIP_STR("INVITE"), false, NULL, NULL);
		if (t) {
			esip__txn_event(t, TXEV_rx_ack, m, rx, now);
			return 0;
		}
		txl->stats.ack_2xx++;
		if (txl->cb.event)
			txl->cb.event(txl->ud, NULL, ESIP_TXE_ACK_2XX, m, rx, now);
		return 0;
	}
	t = esip__match_request(txl, m, m->method, false, &hash, &same);
	if (t) {
		esip__txn_event(t, TXEV_rx_retransmit, m, rx, now);
		return 0;
	}
	if (same >= TXN_SAME_KEY_MAX) {
		/* one key repeated with ever other methods: a flood, dropped */
		txl->stats.dropped++;
		return ESIP_ELIMIT;
	}
	/* the CANCEL's own key is the one just looked up (its method is
	 * CANCEL): server_cancel looks for its target itself */
	/* what it starts with: its key, and a skeleton or a response about
	 * the size of the request's header fields */
	full = esip__txl_full(txl, sizeof(esip_txn) +
					   esip__txn_key_size(m, !esip_via_branch_is_rfc3261(&m->via)) +
					   (m->len - m->body.len));
	if (m->method_id == ESIP_METHOD_CANCEL) {
		err = server_cancel(txl, m, rx, now, full != 0);
		return err == ESIP_ELIMIT ? refuse_over_limit(txl, m, rx, full) : err;
	}
	if (full)
		return refuse_over_limit(txl, m, rx, full);
	t = create(txl, m, rx, hash, &err);
	if (!t)
		return err;
	esip__txn_hold(t);
	start_server(txl, t, m, rx, now);
	esip__txn_release(t);
	return 0;
}
