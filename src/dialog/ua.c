/*
 * ua.c - the UA core object (esip/dialog.h): configuration, the receive
 * path, the glue between the transaction layer and the calls, requests
 * the application sends outside dialogs, statistics.
 *
 * Routing of the transaction layer's events:
 *   - a new request: uas.c (outside a dialog) or dlg_events.c (To tag);
 *   - events of a client transaction: the request that owns it
 *     (request.c); an INVITE's 2xx with no owner left is acknowledged
 *     from the response alone (13.2.2.4);
 *   - events of a server transaction a call owns: that call;
 *   - an ACK for a 2xx: the dialog it names (13.3.1.4);
 *   - a stray response: a live dialog's 2xx retransmission, or dropped.
 */
#include "dialog_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ESIP_VERSION_STRING
#error "meson passes ESIP_VERSION_STRING (the project version)"
#endif

/* What this UA handles (Allow, RFC 3261 20.5), its extensions (Supported,
 * 20.37) and what it understands (Accept, 20.1). */
const char esip__ua_allow[] = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, REFER, NOTIFY";
const char esip__ua_supported[] = "replaces, norefersub";
const char esip__ua_accept[] = "application/sdp";

const char *esip__ua_supported_of(const esip_ua *ua)
{
	/* RFC 3891 6: "replaces" only while INVITEs with Replaces are taken */
	return ua->cfg.replaces_policy == ESIP_POLICY_REJECT ? "norefersub"
							      : esip__ua_supported;
}

void esip_ua_config_init(esip_ua_config *c)
{
	memset(c, 0, sizeof *c);
	esip_txl_config_init(&c->txl);
	c->default_tp = ESIP_TP_UDP;
	c->max_dialogs = 100000;
	c->retry_after_s = 5;
	c->incoming_timeout_ms = 180000;
}

static void normalise(esip_ua_config *c)
{
	if (!c->max_dialogs)
		c->max_dialogs = 100000;
	if (!c->retry_after_s)
		c->retry_after_s = 5;
	if (!c->incoming_timeout_ms)
		c->incoming_timeout_ms = 180000;
	if (c->default_tp == ESIP_TP_NONE)
		c->default_tp = ESIP_TP_UDP;
}

void esip__ua_log(esip_ua *ua, esip_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!ua->cb.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	ua->cb.log(ua->ud, level, line);
}

void esip__ua_emit(esip_ua *ua, const esip_ua_event *ev) { ua->cb.event(ua->ud, ev); }

void *esip_ua_userdata(const esip_ua *ua) { return ua->ud; }

size_t esip__ua_common_headers(esip_ua *ua, bool response, esip_hdr_kv *out, size_t cap)
{
	size_t n = 0, i;

	if (!cap)
		return 0;
	/* 20.41 User-Agent in requests, 20.35 Server in responses */
	out[n].name = response ? "Server" : "User-Agent";
	out[n++].value = esip_str_cstr(ua->user_agent);
	if (response)
		return n;
	for (i = 0; i < ua->n_custom && n < cap; i++)
		out[n++] = ua->custom[i];
	return n;
}

void esip__ua_count_out(esip_ua *ua, const void *bytes, size_t len)
{
	const char *p = bytes, *sp;

	if (len > 12 && !memcmp(p, "SIP/2.0 ", 8)) {
		unsigned c = (unsigned)(p[8] - '0');
		if (c >= 1 && c <= 6)
			ua->stats.responses_out[c]++;
		return;
	}
	sp = memchr(p, ' ', len < 32 ? len : 32);
	if (sp)
		ua->stats.requests_out[esip_method_lookup(esip_str_make(p, (size_t)(sp - p)))]++;
}

int esip__ua_local(esip_ua *ua, esip_tp tp, const esip_addr *dst, esip_ua_local *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = ua->cb.local(ua->ud, tp, dst, out);
	if (rc < 0)
		return rc;
	/* a configured public address replaces what the socket says (behind a
	 * NAT, 18.1.1's sent-by is the address responses come back to) */
	if (ua->public_host[0]) {
		snprintf(out->host, sizeof out->host, "%s", ua->public_host);
		if (ua->public_port)
			out->port = ua->public_port;
	}
	return 0;
}

/* ---- configuration ------------------------------------------------------------- */

/* "host[:port]" / "[v6]:port" / bare IPv6 of public_addr. */
static int parse_public(esip_ua *ua, const char *pa)
{
	const char *end, *colon;
	size_t hl;

	if (!pa || !*pa)
		return 0;
	if (pa[0] == '[') {
		end = strchr(pa, ']');
		if (!end || (size_t)(end - pa - 1) >= sizeof ua->public_host)
			return ESIP_EINVAL;
		hl = (size_t)(end - pa - 1);
		memcpy(ua->public_host, pa + 1, hl);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return ESIP_EINVAL;
	} else {
		colon = strrchr(pa, ':');
		if (colon && strchr(pa, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		hl = colon ? (size_t)(colon - pa) : strlen(pa);
		if (hl >= sizeof ua->public_host)
			return ESIP_EINVAL;
		memcpy(ua->public_host, pa, hl);
	}
	if (colon) {
		char *e;
		unsigned long p = strtoul(colon + 1, &e, 10);
		if (*e || !p || p > 65535)
			return ESIP_EINVAL;
		ua->public_port = (uint16_t)p;
	}
	return ua->public_host[0] ? 0 : ESIP_EINVAL;
}

/* A header name is a token; a value may not break the line (it would
 * inject headers). */
static bool header_ok(const esip_hdr_kv *h)
{
	const char *n = h->name;

	if (!n || !*n || strpbrk(n, ": \t\r\n") || (!h->value.p && h->value.len))
		return false;
	return !h->value.len || (!memchr(h->value.p, '\r', h->value.len) &&
				 !memchr(h->value.p, '\n', h->value.len));
}

static int copy_custom(esip_ua *ua, const esip_hdr_kv *h, size_t n)
{
	size_t i, total = 0, off = 0;

	if (n > UA_MAX_CUSTOM)
		return ESIP_EINVAL;
	for (i = 0; i < n; i++) {
		if (!header_ok(&h[i]))
			return ESIP_EINVAL;
		total += strlen(h[i].name) + 1 + h[i].value.len;
	}
	if (!n)
		return 0;
	ua->custom_mem = esip_malloc(ua->alloc, total);
	if (!ua->custom_mem)
		return ESIP_ENOMEM;
	for (i = 0; i < n; i++) {
		size_t nl = strlen(h[i].name) + 1;
		memcpy(ua->custom_mem + off, h[i].name, nl);
		ua->custom[i].name = ua->custom_mem + off;
		off += nl;
		if (h[i].value.len)
			memcpy(ua->custom_mem + off, h[i].value.p, h[i].value.len);
		ua->custom[i].value = esip_str_make(ua->custom_mem + off, h[i].value.len);
		off += h[i].value.len;
	}
	ua->n_custom = n;
	return 0;
}

/* The Digest client with the configured credentials, and the outbound
 * proxy: its URI (the next hop) and its Route value (8.1.2). */
static int setup_auth(esip_ua *ua, const esip_ua_config *c)
{
	size_t i;
	int rc;

	rc = esip_auth_client_init(&ua->auth, NULL, ua->alloc);
	if (rc < 0)
		return rc;
	for (i = 0; i < c->n_credentials; i++) {
		const esip_credentials *cr = &c->credentials[i];
		rc = esip_auth_client_add_credentials(&ua->auth, cr->realm, cr->user, cr->password);
		if (rc < 0) {
			esip_auth_client_deinit(&ua->auth);
			return rc;
		}
	}
	ua->n_credentials = c->n_credentials;
	if (c->outbound_proxy) {
		size_t l = strlen(c->outbound_proxy);
		esip_nameaddr na;
		esip_uri u;
		/* a URI or a name-addr; its URI must parse */
		if (!l || l >= UA_MAX_STR || strpbrk(c->outbound_proxy, "\r\n") ||
		    esip_nameaddr_parse(esip_str_make(c->outbound_proxy, l), &na) < 0 ||
		    esip_uri_parse(na.uri, &u) < 0) {
			esip_auth_client_deinit(&ua->auth);
			return ESIP_EINVAL;
		}
		ua->proxy_mem = esip_malloc(ua->alloc, l + 1);
		if (!ua->proxy_mem) {
			esip_auth_client_deinit(&ua->auth);
			return ESIP_ENOMEM;
		}
		memcpy(ua->proxy_mem, c->outbound_proxy, l + 1);
		ua->proxy_route = esip_str_make(ua->proxy_mem, l);
		ua->proxy_uri = esip_str_make(ua->proxy_mem + (na.uri.p - c->outbound_proxy), na.uri.len);
	}
	return 0;
}

/* ---- the transaction layer's callbacks ------------------------------------------ */

static int tx_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	esip_ua *ua = ud;
	int rc = ua->cb.send(ua->ud, dest, bytes, len);

	if (rc == 0)
		esip__ua_count_out(ua, bytes, len);
	return rc;
}

/* 13.2.2.4: a 2xx to an INVITE whose request has gone (the call ended,
 * or this is another fork): acknowledge it from the response alone, and
 * end a dialog nobody keeps with BYE. */
static void orphan_2xx(esip_ua *ua, const esip_msg *m, uint64_t now)
{
	esip_call *c = esip__call_find(ua, m->call_id, m->from.tag);
	bool known = c && c->remote_tag && esip_str_eq_cstr(m->to.tag, c->remote_tag);

	esip__ack_bye_from_2xx(ua, m, !known, now);
}

static void tx_event(void *ud, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		     const esip_rx_info *rx, uint64_t now)
{
	esip_ua *ua = ud;
	esip_txn_kind kind;
	void *owner;

	switch (ev) {
	case ESIP_TXE_REQUEST:
		if (m->to.tag.p)
			esip__dlg_in_dialog(ua, txn, m, rx, now);
		else
			esip__uas_request(ua, txn, m, rx, now);
		return;
	case ESIP_TXE_ACK_2XX:
		if (txn && esip_txn_owner(txn)) {
			esip__dlg_txn_event(esip_txn_owner(txn), txn, ev, m, rx, now);
			return;
		}
		esip__dlg_ack(ua, m, rx, now);
		return;
	case ESIP_TXE_STRAY_RESPONSE:
		esip__dlg_stray_response(ua, m, now);
		return;
	default:
		break;
	}
	if (!txn)
		return;
	owner = esip_txn_owner(txn);
	kind = esip_txn_get_kind(txn);
	if (kind == ESIP_TXN_ICT || kind == ESIP_TXN_NICT) {
		if (owner) {
			esip__req_txn_event(owner, txn, ev, m, now);
		} else if (ev == ESIP_TXE_SUCCESS && kind == ESIP_TXN_ICT && m) {
			orphan_2xx(ua, m, now);
		}
		return;
	}
	if (owner)
		esip__dlg_txn_event(owner, txn, ev, m, rx, now);
}

static void tx_trace(void *ud, const char *machine, const esip_txn *txn, const char *from,
		     const char *event, const char *to)
{
	esip_ua *ua = ud;

	ua->cb.trace(ua->ud, machine, txn, from, event, to);
}

static void fsm_trace(void *ud, const char *machine, const void *instance, const char *from,
		      const char *event, const char *to)
{
	esip_ua *ua = ud;

	ua->cb.trace(ua->ud, machine, instance, from, event, to);
}

/* ---- lifecycle -------------------------------------------------------------------- */

static void app_stop_all(esip_ua *ua);

int esip_ua_new(const esip_ua_config *c, const esip_ua_callbacks *cb, void *ud,
		esip_timerwheel *wheel, esip_rand *rnd, esip_ua **out)
{
	const esip_allocator *a;
	esip_txl_callbacks xcb;
	esip_txl_config xc;
	esip_ua *ua;
	int rc;

	if (!out)
		return ESIP_EINVAL;
	*out = NULL;
	if (!c || !cb || !cb->send || !cb->local || !cb->event || !wheel || !rnd)
		return ESIP_EINVAL;
	a = c->alloc ? c->alloc : esip_allocator_default();
	ua = esip_calloc(a, 1, sizeof *ua);
	if (!ua)
		return ESIP_ENOMEM;
	ua->cfg = *c;
	normalise(&ua->cfg);
	ua->cb = *cb;
	ua->ud = ud;
	ua->alloc = a;
	ua->wheel = wheel;
	ua->rnd = rnd;
	ua->cseq = 1;
	snprintf(ua->user, sizeof ua->user, "%s", c->user && *c->user ? c->user : "esip");
	snprintf(ua->display, sizeof ua->display, "%s", c->display_name ? c->display_name : "");
	snprintf(ua->domain, sizeof ua->domain, "%s", c->domain ? c->domain : "");
	/* a product token (RFC 3261 20.41) */
	if (c->user_agent)
		snprintf(ua->user_agent, sizeof ua->user_agent, "%s", c->user_agent);
	else
		snprintf(ua->user_agent, sizeof ua->user_agent, "esip/%s", ESIP_VERSION_STRING);
	if (cb->trace) {
		ua->tracer.fn = fsm_trace;
		ua->tracer.ud = ua;
	}
	rc = parse_public(ua, c->public_addr);
	if (rc == 0)
		rc = copy_custom(ua, c->custom_headers, c->n_custom_headers);
	if (rc < 0)
		goto fail;
	rc = esip_hash_key_init(&ua->hkey, rnd);
	if (rc < 0)
		goto fail;
	/* the table never holds more than max_dialogs: it grows at half load */
	rc = esip_htab_init(&ua->calls, a, 64, 2 * (size_t)ua->cfg.max_dialogs);
	if (rc < 0)
		goto fail;
	rc = esip_htab_init(&ua->incoming, a, 64, 2 * (size_t)ua->cfg.max_dialogs);
	if (rc < 0) {
		esip_htab_deinit(&ua->calls);
		goto fail;
	}
	rc = esip_buf_init_dyn(&ua->scratch, a, 2048, UA_MSG_MAX);
	if (rc < 0)
		goto fail_table;
	rc = setup_auth(ua, c);
	if (rc < 0) {
		esip_buf_free(&ua->scratch);
		goto fail_table;
	}
	memset(&xcb, 0, sizeof xcb);
	xcb.send = tx_send;
	xcb.event = tx_event;
	xcb.trace = cb->trace ? tx_trace : NULL;
	xc = c->txl;
	xc.alloc = a;
	rc = esip_txl_new(&xc, &xcb, ua, wheel, rnd, &ua->txl);
	if (rc < 0)
		goto fail_scratch;
	if (c->registrar_max_bindings &&
	    (rc = esip__registrar_new(ua, c->registrar_max_bindings, &ua->registrar)) < 0) {
		esip_txl_free(ua->txl);
		goto fail_scratch;
	}
	*out = ua;
	return 0;
fail_scratch:
	esip_auth_client_deinit(&ua->auth);
	esip_free(a, ua->proxy_mem);
	esip_buf_free(&ua->scratch);
fail_table:
	esip_htab_deinit(&ua->incoming);
	esip_htab_deinit(&ua->calls);
fail:
	esip_free(a, ua->custom_mem);
	esip_free(a, ua);
	return rc;
}

void esip_ua_free(esip_ua *ua)
{
	uint64_t now;

	if (!ua)
		return;
	now = ua->wheel->now;
	ua->closing = true;
	/* every live call ends (reported); every application request hears
	 * 503 "Stack Stopped" once (so its owner can free what it passed);
	 * then every request is abandoned */
	esip__dlg_terminate_all(ua, now);
	app_stop_all(ua);
	esip__reg_free_all(ua, now);
	esip__req_abandon_all(ua, now);
	esip__registrar_free(ua->registrar);
	esip_txl_free(ua->txl);
	esip_auth_client_deinit(&ua->auth);
	esip_free(ua->alloc, ua->proxy_mem);
	esip_htab_deinit(&ua->incoming);
	esip_htab_deinit(&ua->calls);
	esip_buf_free(&ua->scratch);
	esip_free(ua->alloc, ua->custom_mem);
	esip_free(ua->alloc, ua);
}

void esip_ua_shutdown(esip_ua *ua, uint64_t now)
{
	esip_call *c, *next;

	if (!ua || ua->closing)
		return;
	for (c = ua->live; c; c = next) {
		next = c->next;
		esip_call_ref(c);
		esip_ua_call_hangup(c, now);
		next = c->next; /* the list may have changed */
		esip_call_unref(c);
	}
	/* 10.2.2: the bindings are removed */
	esip__reg_stop_all(ua, now);
	ua->closing = true;
}

/* ---- the receive path ---------------------------------------------------------------- */

static void count_in(esip_ua *ua, const esip_msg *m)
{
	if (m->kind == ESIP_MSG_REQUEST)
		ua->stats.requests_in[m->method_id < ESIP_METHOD__COUNT ? m->method_id : 0]++;
	else if (m->kind == ESIP_MSG_RESPONSE && m->status >= 100 && m->status <= 699)
		ua->stats.responses_in[m->status / 100]++;
}

void esip_ua_recv(esip_ua *ua, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now)
{
	if (!ua || !m || !rx)
		return;
	count_in(ua, m);
	if (rc < 0) {
		ua->stats.parse_errors++;
		/* 8.2 / 21.4.1: a request whose framing is known gets 400 (or
		 * 505); a malformed response or garbage is dropped */
		if (m->kind == ESIP_MSG_REQUEST && (m->flags & ESIP_MSGF_FRAMED))
			esip__uas_bad_request(ua, m, rc, rx);
		return;
	}
	esip_txl_recv(ua->txl, m, rx, now);
}

void esip_ua_conn_failed(esip_ua *ua, uint32_t conn, uint64_t now)
{
	esip_call *c;

	if (!ua || !conn)
		return;
	/* later requests of the calls that used it open a new connection
	 * (RFC 3261 18.1.1, 18.2.2) */
	for (c = ua->live; c; c = c->next)
		if (c->conn == conn)
			c->conn = 0;
	esip_txl_conn_failed(ua->txl, conn, now);
	esip__reg_conn_failed(ua, conn, now);
}

bool esip_ua_conn_in_use(const esip_ua *ua, uint32_t conn)
{
	const esip_call *c;

	if (!ua || !conn)
		return false;
	if (esip_txl_conn_in_use(ua->txl, conn))
		return true;
	for (c = ua->live; c; c = c->next)
		if (c->conn == conn)
			return true;
	return false;
}

void esip_ua_dest_unreachable(esip_ua *ua, esip_tp tp, const esip_addr *addr, uint64_t now)
{
	if (ua && addr)
		esip_txl_dest_unreachable(ua->txl, tp, addr, now);
}

void esip_ua_resolved(esip_ua *ua, uint64_t id, int err, const esip_addr *addrs, size_t n,
		      uint64_t now)
{
	if (ua)
		esip__req_resolved(ua, id, err, addrs, n, now);
}

/* ---- requests the application sends outside dialogs ----------------------------------- */

/* One esip_ua_send_request until its callback ran. */
typedef struct app_req {
	esip_ua *ua;
	ua_req *req;
	esip_ua_response_fn fn;
	void *fn_ud;
	bool answered;
	uint8_t method;
	uint32_t cseq;
	size_t n_headers;
	const char *method_name;
	const char *uri;
	char tag[24];
	char call_id[96];
	esip_hdr_kv headers[UA_MAX_CUSTOM];
	char mem[];
} app_req;

static void app_answer(app_req *a, int status, esip_str reason)
{
	esip_ua_event ev;

	if (a->answered)
		return;
	a->answered = true;
	memset(&ev, 0, sizeof ev);
	ev.kind = ESIP_UA_RESPONSE;
	ev.status = status;
	ev.reason = reason;
	ev.fn = a->fn;
	ev.fn_ud = a->fn_ud;
	esip__ua_emit(a->ua, &ev);
}

static int app_build(ua_req *r, esip_tp tp, const esip_ua_local *local, const char *branch,
		     esip_buf *b)
{
	app_req *a = r->data;
	esip_ua *ua = a->ua;
	esip_request_spec spec;
	esip_hdr_kv extra[UA_MAX_CUSTOM * 2 + 8];
	char from[600], contact[600];
	bool v6 = strchr(local->host, ':') != NULL;
	size_t n, i;

	snprintf(from, sizeof from, v6 ? "sip:%s@[%s]" : "sip:%s@%s", ua->user,
		 ua->domain[0] ? ua->domain : local->host);
	snprintf(contact, sizeof contact, v6 ? "sip:%s@[%s]:%u%s" : "sip:%s@%s:%u%s", ua->user,
		 local->host, local->port, tp == ESIP_TP_TCP ? ";transport=tcp" : "");
	memset(&spec, 0, sizeof spec);
	spec.method = esip_str_cstr(a->method_name);
	spec.ruri = esip_str_cstr(a->uri);
	spec.via_transport = esip_str_cstr(esip_tp_name(tp));
	spec.via_host = esip_str_cstr(local->host);
	spec.via_port = local->port;
	spec.via_branch = esip_str_cstr(branch);
	spec.via_rport = true; /* RFC 3581 3 */
	spec.from_uri = esip_str_cstr(from);
	spec.from_display = esip_str_cstr(ua->display);
	spec.from_tag = esip_str_cstr(a->tag);
	spec.to_uri = spec.ruri;
	spec.call_id = esip_str_cstr(a->call_id);
	spec.cseq = a->cseq;
	spec.max_forwards = 70;
	spec.contact = esip_str_cstr(contact);
	n = esip__ua_common_headers(ua, false, extra, UA_MAX_CUSTOM + 1);
	/* 11.1: an OPTIONS says what it accepts in the 200 */
	if (a->method == ESIP_METHOD_OPTIONS) {
		extra[n].name = "Accept";
		extra[n++].value = esip_str_cstr(esip__ua_accept);
	}
	for (i = 0; i < a->n_headers; i++)
		extra[n++] = a->headers[i];
	n += esip__req_auth_headers(r, extra + n, 4);
	spec.extra = extra;
	spec.n_extra = n;
	if (ua->cfg.outbound_proxy) {
		/* 8.1.2: through the outbound proxy, a pre-loaded route */
		spec.routes = &ua->proxy_route;
		spec.n_routes = 1;
	}
	return esip_build_request(b, &spec);
}

static void app_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now)
{
	app_req *a = r->owner;

	switch (what) {
	case REQ_FINAL:
		app_answer(a, m->status, m->reason);
		break;
	case REQ_TIMEOUT:
		app_answer(a, 408, ESIP_STR("Request Timeout"));
		break;
	case REQ_FAILED:
		app_answer(a, 503, ESIP_STR("Service Unavailable"));
		break;
	default:
		break;
	}
}

static void app_done(ua_req *r, uint64_t now)
{
	app_req *a = r->owner;

	if (!a)
		return; /* app_stop_all answered and freed it */
	/* a request that ended without a final outcome still answers once */
	app_answer(a, 503, ESIP_STR("Service Unavailable"));
	esip_free(a->ua->alloc, a);
}

static uint32_t app_next_cseq(ua_req *r)
{
	app_req *a = r->data;

	/* 22.2: the same request again with the next CSeq */
	return ++a->cseq;
}

static const ua_req_ops app_ops = {app_build, app_outcome, app_done, app_next_cseq};

/* Over max_transactions a request is refused at once (ESIP_ELIMIT), not
 * after it was accepted. */
static bool txl_full(const esip_ua *ua)
{
	esip_txl_stats st;
	esip_txl_config d;
	uint32_t live = 0, max = ua->cfg.txl.max_transactions;
	unsigned k;

	if (!max) {
		esip_txl_config_init(&d);
		max = d.max_transactions;
	}
	esip_txl_get_stats(ua->txl, &st);
	for (k = 0; k < sizeof st.live / sizeof st.live[0]; k++)
		live += st.live[k];
	return live >= max;
}

static void app_stop_all(esip_ua *ua)
{
	ua_req *r;

	for (r = ua->reqs; r; r = r->next) {
		app_req *a = r->owner;
		if (r->ops != &app_ops || !a)
			continue;
		app_answer(a, 503, ESIP_STR("Stack Stopped"));
		esip__req_detach(r);
		esip_free(ua->alloc, a);
	}
}

int esip_ua_send_request(esip_ua *ua, const char *method, const char *uri,
			 const esip_hdr_kv *headers, size_t n_headers, esip_ua_response_fn fn,
			 void *fn_ud, uint64_t now)
{
	size_t ml, ul, total = 0, off, i;
	esip_method mid;
	app_req *a;
	esip_uri u;
	char host[256];
	int rc;

	if (!ua || !method || !uri || n_headers > UA_MAX_CUSTOM || (n_headers && !headers))
		return ESIP_EINVAL;
	if (ua->closing)
		return ESIP_ECLOSED;
	ml = strlen(method);
	ul = strlen(uri);
	mid = esip_method_lookup(esip_str_make(method, ml));
	/* these belong to calls (13, 15, 9) or are never transactions (17) */
	if (!ml || ml > 32 || ul >= UA_MAX_STR || mid == ESIP_METHOD_INVITE ||
	    mid == ESIP_METHOD_ACK || mid == ESIP_METHOD_CANCEL || mid == ESIP_METHOD_BYE ||
	    strpbrk(method, " \t\r\n"))
		return ESIP_EINVAL;
	if (esip_uri_parse(esip_str_make(uri, ul), &u) < 0)
		return ESIP_EINVAL;
	if (txl_full(ua)) {
		ua->stats.over_limit++;
		return ESIP_ELIMIT;
	}
	for (i = 0; i < n_headers; i++) {
		if (!header_ok(&headers[i]))
			return ESIP_EINVAL;
		total += strlen(headers[i].name) + 1 + headers[i].value.len;
	}
	a = esip_calloc(ua->alloc, 1, sizeof *a + ml + 1 + ul + 1 + total);
	if (!a)
		return ESIP_ENOMEM;
	a->ua = ua;
	a->fn = fn;
	a->fn_ud = fn_ud;
	a->method = (uint8_t)mid;
	off = 0;
	memcpy(a->mem, method, ml + 1);
	a->method_name = a->mem;
	off += ml + 1;
	memcpy(a->mem + off, uri, ul + 1);
	a->uri = a->mem + off;
	off += ul + 1;
	for (i = 0; i < n_headers; i++) {
		size_t nl = strlen(headers[i].name) + 1;
		memcpy(a->mem + off, headers[i].name, nl);
		a->headers[i].name = a->mem + off;
		off += nl;
		if (headers[i].value.len)
			memcpy(a->mem + off, headers[i].value.p, headers[i].value.len);
		a->headers[i].value = esip_str_make(a->mem + off, headers[i].value.len);
		off += headers[i].value.len;
	}
	a->n_headers = n_headers;
	/* the identity is chosen once: the UDP retry of 18.1.1 is the same
	 * request (8.1.1.3-5) */
	snprintf(host, sizeof host, "%.*s", ESIP_STR_FMT(u.host));
	if ((rc = esip_gen_tag(ua->rnd, a->tag, sizeof a->tag)) < 0 ||
	    (rc = esip_gen_call_id(ua->rnd, ESIP_STR_NULL, a->call_id, sizeof a->call_id)) < 0) {
		esip_free(ua->alloc, a);
		return rc;
	}
	a->cseq = ua->cseq++;
	/* 8.1.2: without a route set the next hop is the Request-URI */
	{
		req_params rp;
		memset(&rp, 0, sizeof rp);
		rp.ops = &app_ops;
		rp.owner = a;
		rp.data = a;
		rp.slot = &a->req;
		rp.method = (uint8_t)mid;
		rp.cseq = a->cseq;
		/* 8.1.2: without a route set the next hop is the Request-URI,
		 * with an outbound proxy the proxy */
		if (ua->proxy_uri.len)
			rc = esip__req_start(ua, ua->proxy_uri.p, ua->proxy_uri.len, &rp, now);
		else
			rc = esip__req_start(ua, a->uri, ul, &rp, now);
	}
	if (rc < 0) {
		esip_free(ua->alloc, a);
		return rc;
	}
	return 0;
}

/* ---- statistics --------------------------------------------------------------------- */

void esip_ua_get_stats(const esip_ua *ua, esip_ua_stats *out)
{
	if (!ua || !out)
		return;
	*out = ua->stats;
	out->calls_live = ua->n_live;
	esip_txl_get_stats(ua->txl, &out->txl);
	/* 8.1.3.3 discards and the UA's own (unmatched ACKs, stray responses) */
	out->dropped += out->txl.dropped;
}

uint32_t esip_ua_live_calls(const esip_ua *ua) { return ua ? ua->n_live : 0; }
