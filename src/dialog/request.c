/*
 * request.c - requests the UA sends (req.def): the next hop's target
 * (RFC 3261 8.1.2, 18, 19.1; RFC 3263 without SRV), a lookup for a host
 * name through the owner, the request built for the transport and local
 * address chosen, its client transaction (or one send for a raw ACK), the
 * 18.1.1 UDP retry, and the outcome for its owner.
 *
 * The machine's actions list effects; this file's interpreter applies
 * them.  Re-entrancy: starting a transaction may report into the request
 * at once (a first send that fails gives TRANSPORT_ERROR and TERMINATED
 * inside esip_txl_request), so events raised while the request is busy
 * are queued and run after the current ones, in order.
 */
#include "dialog_int.h"

#include <stdlib.h>
#include <string.h>


/* effects (esip_fx.what) */
enum { RS_SEND = 1, RS_SEND_UDP, RS_LOOKUP, RS_SEND_AUTH };
enum { RR_PROVISIONAL = 1, RR_FINAL, RR_TIMEOUT, RR_FAILED };

static inline ua_req *R(void *ctx) { return ctx; }

/* ---- actions (req.def) -------------------------------------------------- */

void esip__reqa_send_now(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_fsm_fx_push(fx, ESIP_FX_SEND, RS_SEND, 0);
}

void esip__reqa_lookup(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_fsm_fx_push(fx, ESIP_FX_SEND, RS_LOOKUP, 0);
}

void esip__reqa_unreachable(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 8.1.3.1: a target that cannot be reached is a 503 for the owner */
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, RR_FAILED, 503);
	esip_fsm_fx_push(fx, ESIP_FX_DESTROY, 0, 0);
}

void esip__reqa_report_provisional(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	R(ctx)->flags |= REQF_GOT_RESP;
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, RR_PROVISIONAL, 0);
}

void esip__reqa_report_final(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	R(ctx)->flags |= REQF_GOT_RESP;
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, RR_FINAL, 0);
}

void esip__reqa_send_authorized(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 22.2: the same request with its credentials, a new transaction */
	esip_fsm_fx_push(fx, ESIP_FX_SEND, RS_SEND_AUTH, 0);
}

void esip__reqa_report_timeout(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 8.1.3.1: a timeout is a 408 for the UAC core */
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, RR_TIMEOUT, 408);
}

void esip__reqa_report_tp_error(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 8.1.3.1: a transport failure is a 503 */
	esip_fsm_fx_push(fx, ESIP_FX_REPORT, RR_FAILED, 503);
}

void esip__reqa_prepare_retry(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* 18.1.1: once the TCP transaction is gone, the same request (same
	 * identity, a new branch) goes over UDP, once */
	R(ctx)->flags |= REQF_UDP_TRIED | REQF_FORCE_UDP;
}

void esip__reqa_send_udp(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_fsm_fx_push(fx, ESIP_FX_SEND, RS_SEND_UDP, 0);
}

void esip__reqa_finish(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	esip_fsm_fx_push(fx, ESIP_FX_DESTROY, 0, 0);
}

void esip__reqa_drop(void *ctx, const void *arg, esip_fsm_fx *fx)
{
	/* the owner left: nothing more is reported; a lookup is cancelled and
	 * a transaction runs on without an owner (req_free) */
	esip_fsm_fx_push(fx, ESIP_FX_DESTROY, 0, 0);
}

/* ---- the interpreter --------------------------------------------------------- */

static void req_event(ua_req *r, unsigned ev, const esip_msg *msg, uint64_t now);

static void queue(ua_req *r, unsigned ev)
{
	/* NEVER more than fits: each effect list raises at most two (a
	 * transport error and the transaction's end) */
	if (r->pending_n >= UA_REQ_QUEUE)
		abort();
	r->pending[r->pending_n++] = (uint8_t)ev;
}

static void unlink_req(ua_req *r)
{
	esip_ua *ua = r->ua;

	if (r->prev)
		r->prev->next = r->next;
	else
		ua->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

/* Builds and sends the request towards r->dest (the transport decided
 * by the target, then 18.1.1).  A synchronous failure queues send_failed;
 * a transaction that dies inside (a first send failing) has queued its
 * own events through esip__req_txn_event. */
static void do_send(ua_req *r, bool udp_only, uint64_t now)
{
	esip_ua *ua = r->ua;
	esip_buf *b = &ua->scratch;
	esip_ua_local local;
	char branch[32];
	esip_tp tp = udp_only ? ESIP_TP_UDP : r->tp;
	int rc;

	if ((rc = esip_gen_branch(ua->rnd, branch, sizeof branch)) < 0)
		goto fail;
	for (;;) {
		if ((rc = esip__ua_local(ua, tp, &r->dest.addr, &local)) < 0)
			goto fail;
		esip_buf_reset(b);
		if ((rc = r->ops->build(r, tp, &local, branch, b)) < 0)
			goto fail;
		/* 18.1.1: a request over 1300 bytes goes over TCP when the UA
		 * can; built again with TCP in its Via and Contact */
		if (!udp_only && tp == ESIP_TP_UDP && !(r->flags & REQF_RAW) &&
		    ua->cb.request_tp && ua->cb.request_tp(ua->ud, tp, b->len) == ESIP_TP_TCP) {
			tp = ESIP_TP_TCP;
			r->flags |= REQF_UPGRADED;
			continue;
		}
		break;
	}
	r->dest.tp = tp;
	r->dest.listener = tp == ESIP_TP_UDP ? local.listener : 0;
	r->dest.conn = esip_tp_reliable(tp) ? r->conn_hint : 0;
	if (r->flags & REQF_RAW) {
		esip_dest d = r->dest;
		rc = ua->cb.send(ua->ud, &d, b->p, b->len);
		if (rc < 0)
			goto fail;
		esip__ua_count_out(ua, b->p, b->len);
		queue(r, req_E_txn_gone);
		return;
	}
	rc = esip_txl_request(ua->txl, b->p, b->len, &r->dest, r, now, &r->txn);
	if (rc == ESIP_ETRANSPORT)
		return; /* TRANSPORT_ERROR and TERMINATED came (queued) */
	if (rc < 0)
		goto fail;
	return;
fail:
	esip__ua_log(ua, ESIP_LOG_INFO, "cannot send a request to %s: %s", r->host,
		     esip_strerror(rc));
	queue(r, req_E_send_failed);
}

static void do_lookup(ua_req *r)
{
	esip_ua *ua = r->ua;
	int rc = ESIP_ENOTSUP;

	if (ua->cb.resolve)
		rc = ua->cb.resolve(ua->ud, r->host, r->port, r->tp, &r->resolve_id);
	if (rc < 0) {
		esip__ua_log(ua, ESIP_LOG_INFO, "cannot resolve %s: %s", r->host, esip_strerror(rc));
		r->resolve_id = 0;
		queue(r, req_E_resolve_failed);
	}
}

static void report(ua_req *r, unsigned what, unsigned status, const esip_msg *msg, uint64_t now)
{
	static const req_outcome map[] = {0, REQ_PROVISIONAL, REQ_FINAL, REQ_TIMEOUT, REQ_FAILED};

	if (!r->owner || !r->ops->outcome)
		return; /* ownerless, or abandoned */
	if (what == RR_FINAL && msg)
		r->status = msg->status;
	else if (status)
		r->status = (uint16_t)status;
	r->ops->outcome(r, map[what], msg, now);
}

static void apply(ua_req *r, const esip_fsm_fx *fx, const esip_msg *msg, uint64_t now)
{
	unsigned i;

	for (i = 0; i < fx->n; i++) {
		const esip_fx *e = &fx->fx[i];
		switch (e->kind) {
		case ESIP_FX_SEND:
			if (e->what == RS_LOOKUP) {
				do_lookup(r);
			} else if (e->what == RS_SEND_AUTH) {
				/* the challenged transaction finishes alone (its ACK,
				 * its absorbing); the new one is ours */
				if (r->txn)
					esip_txn_set_owner(r->txn, NULL);
				r->txn = NULL;
				do_send(r, (r->flags & REQF_FORCE_UDP) != 0, now);
			} else {
				do_send(r, e->what == RS_SEND_UDP, now);
			}
			break;
		case ESIP_FX_REPORT:
			report(r, e->what, e->value, msg, now);
			break;
		case ESIP_FX_DESTROY:
			r->pending_n = 0;
			break;
		default:
			break;
		}
	}
}

/* The end: a lookup is cancelled, a transaction runs on without an
 * owner (it still absorbs and retransmits), the owner's pointer is
 * cleared. */
static void req_free(ua_req *r, uint64_t now)
{
	esip_ua *ua = r->ua;

	if (r->resolve_id && ua->cb.resolve_cancel)
		ua->cb.resolve_cancel(ua->ud, r->resolve_id);
	if (r->txn)
		esip_txn_set_owner(r->txn, NULL);
	if (r->slot && *r->slot == r)
		*r->slot = NULL;
	unlink_req(r);
	if (r->ops->done)
		r->ops->done(r, now);
	esip_free(ua->alloc, r->auth);
	esip_free(ua->alloc, r);
}

static void req_event(ua_req *r, unsigned ev, const esip_msg *msg, uint64_t now)
{
	esip_ua *ua = r->ua;

	if (r->depth) {
		queue(r, ev); /* msg-less: only internal events come in here */
		return;
	}
	r->depth++;
	for (;;) {
		esip_fsm_fx fx;
		esip_fsm_fx_init(&fx);
		if (esip_fsm_dispatch(esip__req_machine, &r->state, ev, r, msg, &fx, &ua->tracer,
				      r) == ESIP_FSM_HANDLED)
			apply(r, &fx, msg, now);
		if (r->state == req_S_done || !r->pending_n)
			break;
		ev = r->pending[0];
		memmove(r->pending, r->pending + 1, --r->pending_n);
		msg = NULL;
	}
	r->depth--;
	if (r->state == req_S_done)
		req_free(r, now);
}

/* ---- the API of the layer ---------------------------------------------------- */

int esip__req_start(esip_ua *ua, const char *next_hop, size_t len, const req_params *p,
		    uint64_t now)
{
	esip_ua_local local;
	esip_target tg;
	esip_uri u;
	ua_req *r;
	size_t i, extra = 0, off = 0;
	int rc;

	if (p->slot)
		*p->slot = NULL;
	if (esip_uri_parse(esip_str_make(next_hop, len), &u) < 0)
		return ESIP_EINVAL;
	if ((rc = esip_target_from_uri(&u, ua->cfg.default_tp, &tg)) < 0)
		return rc;
	/* a numeric target we have no listener for is refused now, before
	 * anything starts (ESIP_ENOTFOUND) */
	if (tg.numeric && (rc = esip__ua_local(ua, tg.tp, &tg.addr, &local)) < 0)
		return rc;
	if (p->n_extra > UA_REQ_EXTRA)
		return ESIP_EINVAL;
	for (i = 0; i < p->n_extra; i++)
		extra += strlen(p->extra[i].name) + 1 + p->extra[i].value.len;
	extra += p->ctype.len + p->body.len;
	r = esip_calloc(ua->alloc, 1, sizeof *r + extra);
	if (!r)
		return ESIP_ENOMEM;
	/* the request's own headers and body live with it (a rebuild for
	 * 18.1.1 or the UDP retry needs them again) */
	for (i = 0; i < p->n_extra; i++) {
		size_t nl = strlen(p->extra[i].name) + 1;
		memcpy(r->mem + off, p->extra[i].name, nl);
		r->extra[i].name = r->mem + off;
		off += nl;
		if (p->extra[i].value.len)
			memcpy(r->mem + off, p->extra[i].value.p, p->extra[i].value.len);
		r->extra[i].value = esip_str_make(r->mem + off, p->extra[i].value.len);
		off += p->extra[i].value.len;
	}
	r->n_extra = (uint8_t)p->n_extra;
	if (p->ctype.len) {
		memcpy(r->mem + off, p->ctype.p, p->ctype.len);
		r->ctype = esip_str_make(r->mem + off, p->ctype.len);
		off += p->ctype.len;
	}
	if (p->body.len) {
		memcpy(r->mem + off, p->body.p, p->body.len);
		r->body = esip_str_make(r->mem + off, p->body.len);
	}
	r->ua = ua;
	r->ops = p->ops;
	r->owner = p->owner;
	r->data = p->data;
	r->slot = p->slot;
	r->flags = (uint8_t)p->flags;
	r->conn_hint = p->conn_hint;
	r->method = p->method;
	r->cseq = p->cseq;
	r->tp = tg.tp;
	r->port = tg.port;
	memcpy(r->host, tg.host, sizeof r->host);
	r->state = req_S_start;
	r->dest.tp = tg.tp;
	if (tg.numeric)
		r->dest.addr = tg.addr;
	r->next = ua->reqs;
	if (ua->reqs)
		ua->reqs->prev = r;
	ua->reqs = r;
	/* the owner has its pointer before any outcome can name it; a request
	 * that ends inside clears it again */
	if (r->slot)
		*r->slot = r;
	req_event(r, tg.numeric ? req_E_go_numeric : req_E_go_name, NULL, now);
	return 0;
}

void esip__req_abandon(ua_req *r, uint64_t now)
{
	if (!r)
		return;
	if (r->slot && *r->slot == r)
		*r->slot = NULL;
	r->slot = NULL;
	r->owner = NULL;
	req_event(r, req_E_abandon, NULL, now);
}

void esip__req_detach(ua_req *r)
{
	if (r->slot && *r->slot == r)
		*r->slot = NULL;
	r->slot = NULL;
	r->owner = NULL;
}

void esip__req_abandon_all(esip_ua *ua, uint64_t now)
{
	while (ua->reqs)
		esip__req_abandon(ua->reqs, now);
}

size_t esip__req_auth_headers(const ua_req *r, esip_hdr_kv *out, size_t cap)
{
	const char *p = r->auth, *colon, *eol;
	size_t n = 0;

	while (p && *p && n < cap) {
		colon = strchr(p, ':');
		eol = strstr(p, "\r\n");
		if (!colon || !eol || colon > eol)
			break;
		out[n].name = NULL;
		/* the name is "Authorization" or "Proxy-Authorization" */
		out[n].name = !strncmp(p, "Proxy-Authorization", 19) ? "Proxy-Authorization"
								      : "Authorization";
		colon++;
		while (*colon == ' ')
			colon++;
		out[n++].value = esip_str_make(colon, (size_t)(eol - colon));
		p = eol + 2;
	}
	return n;
}

/* RFC 3261 22.2 / 22.3: can this 401/407 be answered?  The request as it
 * was sent is built again (its Authorization lines tell the Digest
 * client which realms it answered already: credentials refused are
 * never sent twice), the client computes the credentials for the
 * challenges it understands, the owner gives the new CSeq.  True when the
 * request is to go again (r->auth, r->cseq updated). */
static bool authorize(ua_req *r, const esip_msg *resp)
{
	esip_ua *ua = r->ua;
	esip_buf req, out;
	esip_ua_local local;
	esip_hdr hdrs[128];
	esip_msg m;
	esip_auth_report rep;
	uint32_t cseq;
	char *lines;
	int rc;

	if (!ua->n_credentials || !r->ops->next_cseq || r->auth_rounds >= UA_AUTH_ROUNDS)
		return false;
	if (esip_buf_init_dyn(&req, ua->alloc, 2048, UA_MSG_MAX) < 0)
		return false;
	if (esip_buf_init_dyn(&out, ua->alloc, 512, 16384) < 0) {
		esip_buf_free(&req);
		return false;
	}
	rc = esip__ua_local(ua, r->dest.tp, &r->dest.addr, &local);
	if (rc == 0)
		rc = r->ops->build(r, r->dest.tp, &local, "z9hG4bKauth", &req);
	if (rc == 0) {
		esip_msg_init(&m, hdrs, 128);
		rc = esip_msg_parse(&m, req.p, req.len, ESIP_PARSE_DATAGRAM, NULL) < 0 ? ESIP_EINVAL : 0;
	}
	if (rc == 0)
		rc = esip_auth_client_respond(&ua->auth, resp, &m, m.method, m.ruri_raw, m.body, &out,
					      &rep);
	if (rc < 0) {
		/* refused, or no credentials for the realm: the owner gets the
		 * 401/407 itself (and the log says which realm) */
		esip__ua_log(ua, ESIP_LOG_WARN, "%s %s: %u challenge not answered (realm %.*s): %s",
			     esip_method_name((esip_method)r->method) ? esip_method_name((esip_method)r->method) : "request",
			     r->host, resp->status, ESIP_STR_FMT(rep.realm), esip_strerror(rc));
		goto no;
	}
	cseq = r->ops->next_cseq(r);
	if (!cseq)
		goto no;
	lines = esip_malloc(ua->alloc, out.len + 1);
	if (!lines)
		goto no;
	memcpy(lines, out.p, out.len);
	lines[out.len] = 0;
	esip_free(ua->alloc, r->auth);
	r->auth = lines;
	r->cseq = cseq;
	r->auth_rounds++;
	esip_buf_free(&req);
	esip_buf_free(&out);
	return true;
no:
	esip_buf_free(&req);
	esip_buf_free(&out);
	return false;
}

void esip__req_txn_event(ua_req *r, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
			 uint64_t now)
{
	switch (ev) {
	case ESIP_TXE_PROVISIONAL:
		req_event(r, req_E_rx_provisional, m, now);
		break;
	case ESIP_TXE_SUCCESS:
		req_event(r, req_E_rx_final, m, now);
		break;
	case ESIP_TXE_FAILURE:
		if ((m->status == 401 || m->status == 407) && txn == r->txn && authorize(r, m))
			req_event(r, req_E_rx_challenge, m, now);
		else
			req_event(r, req_E_rx_final, m, now);
		break;
	case ESIP_TXE_TIMEOUT:
		req_event(r, req_E_timeout, NULL, now);
		break;
	case ESIP_TXE_TRANSPORT_ERROR:
		/* 18.1.1: the UDP retry is for a TCP connection that could not
		 * be used at all: once a response came, the server has the
		 * request and a retry would be a second one */
		req_event(r, (r->flags & (REQF_UPGRADED | REQF_UDP_TRIED | REQF_GOT_RESP)) ==
				     REQF_UPGRADED
				     ? req_E_tp_error_retry
				     : req_E_tp_error,
			  NULL, now);
		break;
	case ESIP_TXE_TERMINATED:
		if (r->txn == txn)
			r->txn = NULL;
		req_event(r, req_E_txn_gone, NULL, now);
		break;
	default:
		break;
	}
}

void esip__req_resolved(esip_ua *ua, uint64_t id, int err, const esip_addr *addrs, size_t n,
			uint64_t now)
{
	ua_req *r;

	for (r = ua->reqs; r; r = r->next)
		if (r->resolve_id == id)
			break;
	if (!r)
		return;
	r->resolve_id = 0;
	if (err || !n) {
		esip__ua_log(ua, ESIP_LOG_INFO, "%s: %s", r->host,
			     esip_strerror(err ? err : ESIP_ERESOLVE));
		req_event(r, req_E_resolve_failed, NULL, now);
		return;
	}
	/* RFC 3263 4.3: the first address (no SRV: the order getaddrinfo
	 * gives) */
	r->dest.addr = addrs[0];
	req_event(r, req_E_resolved, NULL, now);
}
