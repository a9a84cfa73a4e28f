/*
 * dlg_build.c - the messages a call sends.
 *
 *  - requests in a dialog (RFC 3261 12.2.1.1): To = remote URI + remote
 *    tag, From = local URI + local tag, Call-ID, CSeq (the next local
 *    number; the ACK of a 2xx takes the INVITE's, 13.2.2.4), the
 *    Request-URI and Route headers from the route set and the remote
 *    target (loose and strict routing), Contact in target refresh
 *    requests (12.2.1.1, 14.1); the initial INVITE is the same with no
 *    remote tag and the pre-loaded route set of 8.1.2;
 *  - the ACK and BYE for a 2xx of a dialog the UA does not keep (another
 *    fork's, 13.2.2.4), from the response alone;
 *  - responses to requests of the call (8.2.6, with Contact in the
 *    responses that establish or refresh a dialog, 12.1.1);
 *  - the CANCEL of our INVITE (9.1), built by the transaction layer.
 */
#include "dialog_int.h"

#include <stdio.h>
#include <string.h>

/* What a request in a dialog is made of (a call's state, or a stray 2xx's). */
typedef struct dlg_view {
	esip_str call_id;
	esip_str local_uri, local_tag, local_display;
	esip_str remote_uri, remote_tag;
	esip_str remote_target;
	const char *routes;    /* n_routes NUL-separated name-addrs */
	size_t n_routes;
	const esip_hdr_kv *headers; /* per-call custom headers */
	size_t n_headers;
} dlg_view;

static void view_of_call(const esip_call *c, dlg_view *v)
{
	memset(v, 0, sizeof *v);
	v->call_id = esip_str_cstr(c->call_id);
	v->local_uri = esip_str_cstr(c->local_uri);
	v->local_tag = esip_str_cstr(c->local_tag);
	v->local_display = esip_str_cstr(c->local_display);
	v->remote_uri = esip_str_cstr(c->remote_uri);
	v->remote_tag = esip_str_cstr(c->remote_tag);
	v->remote_target = esip_str_cstr(c->remote_target ? c->remote_target : c->remote_uri);
	v->routes = c->routes;
	v->n_routes = c->n_routes;
	v->headers = c->headers;
	v->n_headers = c->n_headers;
}

/* The URI of a route set entry (a name-addr), absent if malformed. */
static esip_str route_uri(esip_str entry)
{
	esip_nameaddr na;

	return esip_nameaddr_parse(entry, &na) < 0 ? ESIP_STR_NULL : na.uri;
}

/*
 * 12.2.1.1 (and 8.1.2 for the first request): with an empty route set the
 * Request-URI is the remote target and so is the next hop.  If the first
 * route has lr (a loose router) the Request-URI is the remote target and
 * every route is a Route header; the next hop is the first route.  Else
 * (a strict router) the Request-URI is the first route's URI, the other
 * routes and then the remote target are the Route headers, and the
 * Request-URI is the next hop.
 */
static void plan_view(const dlg_view *v, dlg_plan *p)
{
	const char *r = v->routes;
	esip_str first;
	esip_uri fu;
	size_t i;

	memset(p, 0, sizeof *p);
	p->ruri = v->remote_target;
	p->next_hop = v->remote_target;
	if (!v->n_routes)
		return;
	first = esip_str_cstr(r);
	if (esip_uri_parse(route_uri(first), &fu) == 0 && esip_uri_lr(&fu)) {
		for (i = 0; i < v->n_routes && i < UA_MAX_ROUTES; i++) {
			p->routes[p->n_routes++] = esip_str_cstr(r);
			r += strlen(r) + 1;
		}
		p->next_hop = route_uri(first);
		return;
	}
	/* strict routing: 12.2.1.1 strips the parameters a Request-URI may
	 * not carry; those of a route URI are uri-parameters, all allowed */
	p->ruri = route_uri(first);
	p->next_hop = p->ruri;
	r += strlen(r) + 1;
	for (i = 1; i < v->n_routes && i < UA_MAX_ROUTES; i++) {
		p->routes[p->n_routes++] = esip_str_cstr(r);
		r += strlen(r) + 1;
	}
	p->routes[p->n_routes++] = v->remote_target;
}

void esip__dlg_plan(const esip_call *c, dlg_plan *p)
{
	dlg_view v;

	view_of_call(c, &v);
	plan_view(&v, p);
}

static bool target_refresh(esip_method m)
{
	/* 12.2.1.1 / RFC 3311 / RFC 3515: requests that carry a Contact */
	return m == ESIP_METHOD_INVITE || m == ESIP_METHOD_UPDATE || m == ESIP_METHOD_REFER ||
	       m == ESIP_METHOD_SUBSCRIBE || m == ESIP_METHOD_NOTIFY;
}

/* The Contact we put in a message sent over tp from local (every 180 and
 * 200 of a call has one: written piece by piece, a snprintf cost 1,500
 * instructions).  Returns it, a view into out (truncated to cap). */
static esip_str our_contact(esip_ua *ua, esip_tp tp, const esip_ua_local *local, char *out,
			    size_t cap)
{
	bool v6 = strchr(local->host, ':') != NULL;
	esip_buf b;

	esip_buf_init_fixed(&b, out, cap);
	esip_buf_puts(&b, "<sip:");
	esip_buf_puts(&b, ua->user);
	esip_buf_puts(&b, v6 ? "@[" : "@");
	esip_buf_puts(&b, local->host);
	esip_buf_puts(&b, v6 ? "]:" : ":");
	esip_buf_put_u32(&b, local->port);
	if (tp == ESIP_TP_TCP)
		esip_buf_puts(&b, ";transport=tcp");
	esip_buf_putc(&b, '>');
	return esip_str_make(out, b.len);
}

static int build_view(esip_ua *ua, const dlg_view *v, esip_method method, uint32_t cseq,
		      esip_tp tp, const esip_ua_local *local, const char *branch,
		      const ua_req *r, esip_str ctype, esip_str body, esip_buf *b)
{
	esip_request_spec spec;
	esip_hdr_kv extra[UA_MAX_CUSTOM * 2 + UA_REQ_EXTRA + 8];
	char contact[352]; /* "<sip:" user(63) "@[" host(255) "]:" port ";transport=tcp>" */
	dlg_plan plan;
	size_t n, i;

	plan_view(v, &plan);
	memset(&spec, 0, sizeof spec);
	spec.method = esip_str_cstr(esip_method_name(method));
	spec.ruri = plan.ruri;
	spec.via_transport = esip_str_cstr(esip_tp_name(tp));
	spec.via_host = esip_str_cstr(local->host);
	spec.via_port = local->port;
	spec.via_branch = esip_str_cstr(branch);
	spec.via_rport = true; /* RFC 3581 3 */
	spec.from_uri = v->local_uri;
	spec.from_tag = v->local_tag;
	spec.from_display = v->local_display;
	spec.to_uri = v->remote_uri;
	spec.to_tag = v->remote_tag;
	spec.call_id = v->call_id;
	spec.cseq = cseq;
	spec.max_forwards = 70;
	spec.routes = plan.routes;
	spec.n_routes = plan.n_routes;
	if (target_refresh(method)) {
		spec.contact = our_contact(ua, tp, local, contact, sizeof contact);
	}
	n = esip__ua_common_headers(ua, false, extra, UA_MAX_CUSTOM + 1);
	if (method == ESIP_METHOD_INVITE) {
		/* 20.5 / 20.37: an INVITE SHOULD say what the UA allows and
		 * supports */
		extra[n].name = "Allow";
		extra[n++].value = esip_str_cstr(esip__ua_allow);
		extra[n].name = "Supported";
		extra[n++].value = esip_str_cstr(esip__ua_supported_of(ua));
	}
	for (i = 0; r && i < r->n_extra; i++)
		extra[n++] = r->extra[i];
	/* 22.2: the credentials a challenge asked for */
	if (r)
		n += esip__req_auth_headers(r, extra + n, 4);
	if (method == ESIP_METHOD_INVITE && r && r->data) {
		const esip_call *c = r->data;
		/* RFC 3891 4: the dialog this INVITE replaces */
		if (c->replaces_hdr && c->state != dlg_S_established) {
			extra[n].name = "Replaces";
			extra[n++].value = esip_str_cstr(c->replaces_hdr);
		}
	}
	if (method != ESIP_METHOD_ACK && method != ESIP_METHOD_CANCEL)
		for (i = 0; i < v->n_headers; i++)
			extra[n++] = v->headers[i];
	spec.extra = extra;
	spec.n_extra = n;
	if (body.p && body.len) {
		spec.content_type = ctype.len ? ctype : ESIP_STR("application/sdp");
		spec.body = body;
	}
	return esip_build_request(b, &spec);
}

/* ---- a call's requests ------------------------------------------------------------ */

int esip__dlg_build(ua_req *r, esip_tp tp, const esip_ua_local *local, const char *branch,
		    esip_buf *b)
{
	esip_call *c = r->data;
	esip_str body = r->body;
	dlg_view v;

	if (!c->ua)
		return ESIP_ECLOSED;
	view_of_call(c, &v);
	/* the offer travels in the INVITE (13.2.1); an ACK carries none here */
	if (r->method == ESIP_METHOD_INVITE && c->local_sdp && !body.len)
		body = esip_str_make(c->local_sdp, c->local_sdp_len);
	return build_view(c->ua, &v, (esip_method)r->method, r->cseq, tp, local, branch, r,
			  r->ctype, body, b);
}

uint32_t esip__dlg_next_cseq(ua_req *r)
{
	esip_call *c = r->data;

	if (!c->ua)
		return 0;
	if (r->method == ESIP_METHOD_INVITE) {
		/* issue 10: an INVITE challenged after a CANCEL is not resent */
		if (c->flags & (CF_CANCEL_SENT | CF_CANCEL_WAIT) || c->state == dlg_S_terminating)
			return 0;
		/* the ACK and CANCEL take the new number (13.2.2.4, 9.1) */
		c->invite_cseq = ++c->local_cseq;
		return c->invite_cseq;
	}
	return ++c->local_cseq;
}

int esip__dlg_request(esip_call *c, esip_method method, const ua_req_ops *ops, ua_req **slot,
		      uint64_t now)
{
	req_params rp;

	memset(&rp, 0, sizeof rp);
	rp.ops = ops;
	rp.slot = slot;
	rp.method = (uint8_t)method;
	return esip__dlg_request_with(c, &rp, now);
}

int esip__dlg_request_with(esip_call *c, req_params *rp_in, uint64_t now)
{
	static const ua_req_ops raw_ops = {esip__dlg_build, NULL, NULL, NULL};
	const ua_req_ops *ops = rp_in->ops;
	esip_method method = (esip_method)rp_in->method;
	req_params rp = *rp_in;
	dlg_plan plan;

	esip__dlg_plan(c, &plan);
	if (!plan.next_hop.p || !plan.next_hop.len)
		return ESIP_EINVAL;
	rp.ops = ops ? ops : &raw_ops;
	rp.owner = ops ? (rp.owner ? rp.owner : c) : NULL;
	rp.data = c;
	rp.conn_hint = c->conn;
	if (method == ESIP_METHOD_ACK) {
		/* 13.2.2.4: the ACK has the INVITE's CSeq number; not a
		 * transaction (17.1.1.3) */
		rp.flags = REQF_RAW;
		rp.cseq = c->invite_cseq;
	} else {
		rp.cseq = ++c->local_cseq;
		if (method == ESIP_METHOD_INVITE)
			c->invite_cseq = rp.cseq;
	}
	rp_in->cseq = rp.cseq;
	return esip__req_start(c->ua, plan.next_hop.p, plan.next_hop.len, &rp, now);
}

/* ---- the ACK and BYE of a 2xx nobody keeps (13.2.2.4) --------------------------------- */

/* The dialog of a stray 2xx: our From as it came back, their To (with
 * their tag), the Contact, the route set (Record-Route reversed). */
typedef struct stray {
	esip_ua *ua;
	unsigned refs;          /* requests that still read it */
	uint32_t cseq;
	size_t n_routes;
	esip_str call_id, from, to, target;
	const char *routes;
	char mem[];
} stray;

static int stray_build(ua_req *r, esip_tp tp, const esip_ua_local *local, const char *branch,
		       esip_buf *b)
{
	stray *s = r->data;
	esip_ua *ua = s->ua;
	esip_hdr_kv extra[UA_MAX_CUSTOM + 2];
	dlg_view v;
	dlg_plan plan;
	size_t i, n;

	memset(&v, 0, sizeof v);
	v.remote_target = s->target;
	v.routes = s->routes;
	v.n_routes = s->n_routes;
	plan_view(&v, &plan);
	/* written by hand: From and To are copied whole, as 13.2.2.4 wants
	 * them (the ACK's From and To those of the response) */
	esip_buf_puts(b, esip_method_name((esip_method)r->method));
	esip_buf_putc(b, ' ');
	esip_buf_putstr(b, plan.ruri);
	esip_buf_puts(b, " SIP/2.0\r\nVia: SIP/2.0/");
	esip_buf_puts(b, esip_tp_name(tp));
	esip_buf_putc(b, ' ');
	if (strchr(local->host, ':')) {
		esip_buf_putc(b, '[');
		esip_buf_puts(b, local->host);
		esip_buf_putc(b, ']');
	} else {
		esip_buf_puts(b, local->host);
	}
	esip_buf_putc(b, ':');
	esip_buf_put_u32(b, local->port);
	esip_buf_puts(b, ";branch=");
	esip_buf_puts(b, branch);
	esip_buf_puts(b, ";rport\r\nMax-Forwards: 70\r\n");
	for (i = 0; i < plan.n_routes; i++) {
		esip_buf_puts(b, "Route: ");
		if (!memchr(plan.routes[i].p, '<', plan.routes[i].len)) {
			esip_buf_putc(b, '<');
			esip_buf_putstr(b, plan.routes[i]);
			esip_buf_putc(b, '>');
		} else {
			esip_buf_putstr(b, plan.routes[i]);
		}
		esip_buf_puts(b, "\r\n");
	}
	esip_buf_puts(b, "From: ");
	esip_buf_putstr(b, s->from);
	esip_buf_puts(b, "\r\nTo: ");
	esip_buf_putstr(b, s->to);
	esip_buf_puts(b, "\r\nCall-ID: ");
	esip_buf_putstr(b, s->call_id);
	esip_buf_puts(b, "\r\nCSeq: ");
	esip_buf_put_u32(b, r->method == ESIP_METHOD_ACK ? s->cseq : s->cseq + 1);
	esip_buf_putc(b, ' ');
	esip_buf_puts(b, esip_method_name((esip_method)r->method));
	esip_buf_puts(b, "\r\n");
	n = esip__ua_common_headers(ua, false, extra, 1);
	for (i = 0; i < n; i++) {
		esip_buf_puts(b, extra[i].name);
		esip_buf_puts(b, ": ");
		esip_buf_putstr(b, extra[i].value);
		esip_buf_puts(b, "\r\n");
	}
	esip_buf_puts(b, "Content-Length: 0\r\n\r\n");
	return esip_buf_error(b);
}

static void stray_done(ua_req *r, uint64_t now)
{
	stray *s = r->data;

	if (--s->refs == 0)
		esip_free(s->ua->alloc, s);
}

static const ua_req_ops stray_ops = {stray_build, NULL, stray_done, NULL};

void esip__ack_bye_from_2xx(esip_ua *ua, const esip_msg *m, bool bye, uint64_t now)
{
	const esip_hdr *from = esip_msg_hdr(m, ESIP_HDR_FROM), *to = esip_msg_hdr(m, ESIP_HDR_TO);
	esip_str rr[UA_MAX_ROUTES], v;
	esip_list_iter it;
	esip_contact ct;
	size_t n = 0, total, i, off = 0;
	req_params rp;
	stray *s;
	char *p;

	/* a 2xx whose From lost our tag names no dialog of ours (8.1.1.3):
	 * an ACK or BYE copying that From would carry no tag */
	if (!from || !to || !m->to.tag.p || !m->from.tag.p ||
	    m->cseq_method_id != ESIP_METHOD_INVITE)
		return;
	esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
	if (esip_contact_next(&it, &ct) != 1 || ct.star || !ct.na.uri.len)
		return; /* no target to send to */
	esip_list_iter_init(&it, m, ESIP_HDR_RECORD_ROUTE);
	while (n < UA_MAX_ROUTES && esip_list_next(&it, &v) == 1)
		rr[n++] = v;
	total = m->call_id.len + from->value.len + to->value.len + ct.na.uri.len + 4;
	for (i = 0; i < n; i++)
		total += rr[i].len + 1;
	s = esip_calloc(ua->alloc, 1, sizeof *s + total);
	if (!s)
		return;
	s->ua = ua;
	s->cseq = m->cseq;
	p = s->mem;
#define KEEP(field, val)                                                               \
	do {                                                                           \
		memcpy(p + off, (val).p, (val).len);                                   \
		s->field = esip_str_make(p + off, (val).len);                          \
		p[off + (val).len] = 0;                                                \
		off += (val).len + 1;                                                  \
	} while (0)
	KEEP(call_id, m->call_id);
	KEEP(from, from->value);
	KEEP(to, to->value);
	KEEP(target, ct.na.uri);
#undef KEEP
	/* 12.1.2: the route set is the Record-Route list in reverse */
	s->routes = p + off;
	for (i = 0; i < n; i++) {
		esip_str e = rr[n - 1 - i];
		memcpy(p + off, e.p, e.len);
		p[off + e.len] = 0;
		off += e.len + 1;
	}
	s->n_routes = n;
	/* one reference per request, and one of ours: a request may end (and
	 * drop its own) inside esip__req_start (a raw ACK always does) */
	s->refs = 1 + (bye ? 2 : 1);
	memset(&rp, 0, sizeof rp);
	rp.ops = &stray_ops;
	rp.data = s;
	{
		dlg_view vw;
		dlg_plan plan;
		memset(&vw, 0, sizeof vw);
		vw.remote_target = s->target;
		vw.routes = s->routes;
		vw.n_routes = s->n_routes;
		plan_view(&vw, &plan);
		rp.method = ESIP_METHOD_ACK;
		rp.flags = REQF_RAW;
		if (esip__req_start(ua, plan.next_hop.p, plan.next_hop.len, &rp, now) < 0)
			s->refs--;
		if (bye) {
			rp.method = ESIP_METHOD_BYE;
			rp.flags = 0;
			if (esip__req_start(ua, plan.next_hop.p, plan.next_hop.len, &rp, now) < 0)
				s->refs--;
		}
	}
	if (--s->refs == 0)
		esip_free(ua->alloc, s);
}

/* ---- responses --------------------------------------------------------------------------- */

int esip__dlg_respond(esip_call *c, esip_txn *txn, unsigned status, const char *reason,
		      esip_str sdp, uint64_t now)
{
	esip_ua *ua = c->ua;
	esip_response_spec spec;
	esip_hdr_kv extra[4];
	esip_method m = esip_method_lookup(esip_txn_method(txn));
	esip_ua_local local;
	char contact[352]; /* "<sip:" user(63) "@[" host(255) "]:" port ";transport=tcp>" */
	size_t n;
	int rc;

	memset(&spec, 0, sizeof spec);
	spec.status = (uint16_t)status;
	spec.reason = esip_str_cstr(reason);
	/* 8.2.6.2 / 12.1.1: our tag on everything but a 100 */
	spec.to_tag = esip_str_cstr(c->local_tag);
	n = esip__ua_common_headers(ua, true, extra, 4);
	/* 12.1.1: the responses that establish a dialog carry our Contact; a
	 * 2xx to a target refresh request too (12.2.2) */
	if ((m == ESIP_METHOD_INVITE && status > 100 && status < 300) ||
	    (m == ESIP_METHOD_UPDATE && status >= 200 && status < 300)) {
		const esip_dest *d = esip_txn_dest(txn);
		rc = esip__ua_local(ua, d->tp, &d->addr, &local);
		if (rc < 0)
			return rc;
		spec.contact = our_contact(ua, d->tp, &local, contact, sizeof contact);
	}
	if (m == ESIP_METHOD_INVITE && status >= 200 && status < 300) {
		/* 13.3.1.4: a 2xx SHOULD say what the UA allows and supports */
		extra[n].name = "Allow";
		extra[n++].value = esip_str_cstr(esip__ua_allow);
	}
	if (status == 405 || status == 501) {
		extra[n].name = "Allow";
		extra[n++].value = esip_str_cstr(esip__ua_allow);
	}
	spec.extra = extra;
	spec.n_extra = n;
	if (sdp.p && sdp.len) {
		spec.content_type = ESIP_STR("application/sdp");
		spec.body = sdp;
	}
	return esip_txn_respond(txn, &spec, now);
}

int esip__dlg_cancel(esip_call *c, uint64_t now)
{
	esip_ua *ua = c->ua;
	esip_txn *inv = c->inv ? c->inv->txn : NULL;
	esip_buf *b = &ua->scratch;
	int rc;

	if (!inv)
		return ESIP_ESTATE;
	esip_buf_reset(b);
	/* 9.1: Request-URI, Call-ID, To, From, CSeq number and top Via of the
	 * INVITE, to the same destination */
	rc = esip_txn_build_cancel(inv, b);
	if (rc < 0)
		return rc;
	return esip_txl_request(ua->txl, b->p, b->len, esip_txn_dest(inv), NULL, now, NULL);
}
