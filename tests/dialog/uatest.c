/* uatest.c - see uatest.h. */
#include "uatest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uat_trace_fn g_trace;
static bool g_resolve_hang;

void uat_set_trace(uat_trace_fn fn) { g_trace = fn; }
void uat_set_resolve_hang(bool on) { g_resolve_hang = on; }

static void node_trace(void *ud, const char *machine, const void *inst, const char *from,
		       const char *event, const char *to)
{
	if (g_trace)
		g_trace(machine, from, event, to);
}

static int node_resolve(void *ud, const char *host, uint16_t port, esip_tp tp, uint64_t *id)
{
	static uint64_t next = 1;
	uatnode *n = ud;

	if (n->resolve_hang) {
		*id = next++; /* never answered */
		return 0;
	}
	if (!n->resolve_to.len && !n->resolve_err)
		return ESIP_ERESOLVE;
	/* answered at the next run, never inside the core's own call */
	ck_assert_uint_lt(n->n_lookups, UAT_MAX_LOOKUPS);
	*id = next++;
	n->lookups[n->n_lookups].id = *id;
	n->lookups[n->n_lookups++].port = port;
	return 0;
}

static void node_resolve_cancel(void *ud, uint64_t id)
{
	uatnode *n = ud;
	size_t i;

	for (i = 0; i < n->n_lookups; i++)
		if (n->lookups[i].id == id) {
			n->lookups[i] = n->lookups[--n->n_lookups];
			return;
		}
}

static void answer_lookups(uatnode *n, uint64_t now)
{
	while (n->n_lookups) {
		esip_addr a = n->resolve_to;
		n->n_lookups--;
		/* RFC 3263 4.2 without SRV: the host's address, the port the
		 * lookup was for */
		esip_addr_set_port(&a, n->lookups[n->n_lookups].port);
		esip_ua_resolved(n->ua, n->lookups[n->n_lookups].id, n->resolve_err,
				 n->resolve_err ? NULL : &a, n->resolve_err ? 0 : 1, now);
	}
}

/* RFC 3261 18.1.1: a UDP request over the MTU threshold goes over TCP */
static esip_tp node_request_tp(void *ud, esip_tp tp, size_t len)
{
	uatnode *n = ud;

	return tp == ESIP_TP_UDP && n->tcp_over && len > n->tcp_over ? ESIP_TP_TCP : tp;
}

/* ---- the node's callbacks -------------------------------------------------------- */

static int node_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	uatnode *n = ud;
	uint32_t conn = 0;
	int rc = simnet_send_conn(n->net, n->id, dest, bytes, len, &conn);

	if (rc == 0 && conn)
		dest->conn = conn;
	return rc;
}

static int node_local(void *ud, esip_tp tp, const esip_addr *dst, esip_ua_local *out)
{
	uatnode *n = ud;

	if (dst && dst->len && esip_addr_family(dst) != esip_addr_family(&n->addr))
		return ESIP_ENOTFOUND;
	snprintf(out->host, sizeof out->host, "%s", n->host);
	out->port = n->port;
	out->listener = 1;
	return 0;
}

static void keep_call(uatnode *n, esip_call *c)
{
	size_t i;

	for (i = 0; i < n->n_calls; i++)
		if (n->calls[i] == c)
			return;
	ck_assert_uint_lt(n->n_calls, UAT_MAX_CALLS);
	esip_call_ref(c);
	n->calls[n->n_calls++] = c;
}

void uat_schedule(uatnode *n, esip_call *c, uat_act act, uint64_t after, unsigned status)
{
	ck_assert_uint_lt(n->n_actions, UAT_MAX_ACTIONS);
	n->actions[n->n_actions].at = simnet_now(n->net) + after;
	n->actions[n->n_actions].act = act;
	n->actions[n->n_actions].call = c;
	n->actions[n->n_actions].status = status;
	n->n_actions++;
}

static void node_event(void *ud, const esip_ua_event *ev)
{
	uatnode *n = ud;
	uat_event *e;

	if (ev->kind == ESIP_UA_RESPONSE) {
		n->responses++;
		n->last_response = ev->status;
	}
	if (ev->call)
		keep_call(n, ev->call);
	if (n->n_events < UAT_MAX_EVENTS) {
		e = &n->events[n->n_events++];
		memset(e, 0, sizeof *e);
		e->kind = ev->kind;
		e->call = ev->call;
		e->other = ev->other;
		e->prev = ev->prev;
		e->state = ev->state;
		e->status = ev->status;
		e->final = ev->final;
		e->ok = ev->ok;
		e->reg_state = ev->reg_state;
		e->expires = ev->expires;
		e->now = simnet_now(n->net);
		if (ev->event)
			snprintf(e->event, sizeof e->event, "%s", ev->event);
		if (ev->method.p)
			snprintf(e->method, sizeof e->method, "%.*s", ESIP_STR_FMT(ev->method));
	}
	/* the application decides later, never inside the core's call */
	if (ev->kind == ESIP_UA_INCOMING_CALL) {
		const uat_policy *p = &n->policy;
		if (p->ring)
			uat_schedule(n, ev->call, UAT_RING, 0, p->ring);
		if (p->reject)
			uat_schedule(n, ev->call, UAT_REJECT, p->reject_after > 0 ? p->reject_after : 0,
				     p->reject);
		else if (p->accept_after >= 0)
			uat_schedule(n, ev->call, UAT_ACCEPT, (uint64_t)p->accept_after, 0);
	}
	if (ev->kind == ESIP_UA_CALL_STATE && ev->state == ESIP_CALL_ESTABLISHED &&
	    ev->prev != ESIP_CALL_ESTABLISHED && n->policy.hangup_after >= 0 &&
	    esip_call_direction(ev->call) == ESIP_CALL_INCOMING_DIR)
		uat_schedule(n, ev->call, UAT_HANGUP, (uint64_t)n->policy.hangup_after, 0);
}

static void run_actions(uatnode *n, uint64_t now)
{
	size_t i = 0;

	while (i < n->n_actions) {
		int rc = 0;
		esip_call *c;
		uat_act act;
		unsigned st;
		if (n->actions[i].at > now) {
			i++;
			continue;
		}
		c = n->actions[i].call;
		act = n->actions[i].act;
		st = n->actions[i].status;
		n->actions[i] = n->actions[--n->n_actions];
		switch (act) {
		case UAT_RING:
			rc = esip_ua_call_ring(c, st, NULL, 0, now);
			break;
		case UAT_ACCEPT:
			rc = esip_ua_call_accept(c, n->policy.sdp, 0, now);
			break;
		case UAT_REJECT:
			rc = esip_ua_call_reject(c, st, NULL, now);
			break;
		case UAT_HANGUP:
			rc = esip_ua_call_hangup(c, now);
			break;
		case UAT_CANCEL:
			rc = esip_ua_call_cancel(c, now);
			break;
		}
		/* a call may have ended meanwhile (CANCEL, BYE): ESIP_ESTATE */
		ck_assert_msg(rc == 0 || rc == ESIP_ESTATE || n->lenient, "action %d: %s", act,
			      esip_strerror(rc));
	}
}

static uint64_t node_next(void *ud)
{
	uatnode *n = ud;
	uint64_t t = esip_timerwheel_next_expiry(&n->wheel);
	size_t i;

	for (i = 0; i < n->n_actions; i++)
		if (n->actions[i].at < t)
			t = n->actions[i].at;
	if (n->n_lookups)
		t = simnet_now(n->net);
	return t == UINT64_MAX ? SIMNET_NEVER : t;
}

static void node_run(void *ud, uint64_t now)
{
	uatnode *n = ud;

	answer_lookups(n, now);
	run_actions(n, now);
	esip_timerwheel_run(&n->wheel, now);
}

static void node_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		      uint64_t now)
{
	uatnode *n = ud;
	esip_hdr hdrs[128];
	esip_msg m;
	int rc;

	esip_msg_init(&m, hdrs, 128);
	rc = esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL);
	if (rc < 0)
		n->parse_errors++;
	esip_ua_recv(n->ua, &m, rc, rx, now);
}

static void node_conn_failed(void *ud, uint32_t conn, uint64_t now)
{
	uatnode *n = ud;

	esip_ua_conn_failed(n->ua, conn, now);
}

bool uat_node_try_init(uatnode *n, simnet *net, const char *name, uint16_t port,
		       const esip_ua_config *cfg)
{
	simnet_node_ops ops = {node_recv, node_next, node_run, node_conn_failed};
	esip_ua_callbacks cb;

	memset(n, 0, sizeof *n);
	n->net = net;
	n->port = port;
	snprintf(n->host, sizeof n->host, "127.0.0.1");
	ck_assert_int_eq(esip_addr_from_ip(&n->addr, esip_str_cstr(n->host), port), 0);
	esip_timerwheel_init(&n->wheel, simnet_now(net));
	esip_rand_init(&n->rnd);
	if (cfg)
		n->cfg = *cfg;
	else
		esip_ua_config_init(&n->cfg);
	n->cfg.user = n->cfg.user ? n->cfg.user : name;
	n->policy.accept_after = -1;
	n->policy.hangup_after = -1;
	memset(&cb, 0, sizeof cb);
	cb.send = node_send;
	cb.local = node_local;
	cb.event = node_event;
	cb.resolve = node_resolve;
	cb.resolve_cancel = node_resolve_cancel;
	cb.request_tp = node_request_tp;
	n->resolve_hang = g_resolve_hang;
	if (g_trace)
		cb.trace = node_trace;
	if (esip_ua_new(&n->cfg, &cb, n, &n->wheel, &n->rnd, &n->ua) < 0)
		return false;
	n->id = simnet_node_add(net, name, &n->addr, &ops, n);
	ck_assert_int_ge(n->id, 0);
	return true;
}

void uat_node_init(uatnode *n, simnet *net, const char *name, uint16_t port,
		   const esip_ua_config *cfg)
{
	ck_assert(uat_node_try_init(n, net, name, port, cfg));
}

void uat_node_deinit(uatnode *n)
{
	size_t i;

	esip_ua_free(n->ua);
	n->ua = NULL;
	for (i = 0; i < n->n_calls; i++)
		esip_call_unref(n->calls[i]);
	n->n_calls = 0;
}

esip_call *uat_call_to(uatnode *n, const uatnode *to, esip_tp tp, const char *sdp)
{
	esip_call_params p;
	char uri[128];
	esip_call *c = NULL;
	int rc;

	snprintf(uri, sizeof uri, "sip:%s@%s:%u%s", simnet_node_name(to->net, to->id), to->host,
		 to->port, tp == ESIP_TP_TCP ? ";transport=tcp" : "");
	memset(&p, 0, sizeof p);
	p.target = uri;
	p.sdp = sdp;
	rc = esip_ua_call_make(n->ua, &p, simnet_now(n->net), &c);
	ck_assert_msg(rc == 0 || n->lenient, "call_make: %s", esip_strerror(rc));
	if (!c)
		return NULL;
	keep_call(n, c);
	esip_call_unref(c); /* the node's copy is enough */
	return c;
}

size_t uat_count(const uatnode *n, esip_ua_event_kind kind)
{
	size_t i, k = 0;

	for (i = 0; i < n->n_events; i++)
		if (n->events[i].kind == kind)
			k++;
	return k;
}

const uat_event *uat_find(const uatnode *n, esip_ua_event_kind kind, size_t nth)
{
	size_t i;

	for (i = 0; i < n->n_events; i++)
		if (n->events[i].kind == kind && nth-- == 0)
			return &n->events[i];
	return NULL;
}

const char *uat_path(const uatnode *n, const esip_call *c, char *out, size_t cap)
{
	size_t i, off = 0;
	bool first = true;

	out[0] = 0;
	for (i = 0; i < n->n_events; i++) {
		const uat_event *e = &n->events[i];
		int w;
		if (e->kind != ESIP_UA_CALL_STATE || e->call != c)
			continue;
		if (first) {
			w = snprintf(out + off, cap - off, "%s", esip_call_state_name(e->prev));
			off += (size_t)w < cap - off ? (size_t)w : cap - off - 1;
			first = false;
		}
		w = snprintf(out + off, cap - off, ">%s", esip_call_state_name(e->state));
		off += (size_t)w < cap - off ? (size_t)w : cap - off - 1;
	}
	return out;
}

esip_call *uat_last_call(const uatnode *n) { return n->n_calls ? n->calls[n->n_calls - 1] : NULL; }

uint32_t uat_live_calls(const uatnode *n) { return esip_ua_live_calls(n->ua); }

uint32_t uat_live_txns(const uatnode *n)
{
	esip_ua_stats st;
	uint32_t k, sum = 0;

	esip_ua_get_stats(n->ua, &st);
	for (k = 0; k < 5; k++)
		sum += st.txl.live[k];
	return sum;
}

/* ---- the forking proxy --------------------------------------------------------------- */

static void proxy_forward_request(uatproxy *p, const char *bytes, size_t len,
				  const esip_msg *m)
{
	const char *via = NULL;
	size_t i;

	/* the first Via line: ours goes above it */
	for (i = 0; i + 4 < len; i++)
		if ((i == 0 || bytes[i - 1] == '\n') && !strncmp(bytes + i, "Via:", 4)) {
			via = bytes + i;
			break;
		}
	if (!via)
		return;
	for (i = 0; i < p->n_targets; i++) {
		char out[8192];
		esip_dest d;
		int n;
		/* a stateless proxy's branch: the same for a CANCEL or an ACK
		 * as for the INVITE it goes with (16.11) */
		n = snprintf(out, sizeof out, "%.*sVia: SIP/2.0/UDP %s:%u;branch=z9hG4bKpx%.*s.%zu\r\n%s",
			     (int)(via - bytes), bytes, p->host, p->port, ESIP_STR_FMT(m->via.branch),
			     i, p->record_route ? "Record-Route: <sip:" : "");
		if (p->record_route)
			n += snprintf(out + n, sizeof out - (size_t)n, "%s:%u;lr>\r\n", p->host, p->port);
		if ((size_t)n + (len - (size_t)(via - bytes)) >= sizeof out)
			return;
		memcpy(out + n, via, len - (size_t)(via - bytes));
		n += (int)(len - (size_t)(via - bytes));
		memset(&d, 0, sizeof d);
		d.tp = ESIP_TP_UDP;
		d.addr = p->targets[i]->addr;
		simnet_send(p->net, p->id, &d, out, (size_t)n);
		p->forwarded++;
	}
}

static void proxy_forward_response(uatproxy *p, const char *bytes, size_t len)
{
	char out[8192];
	const char *via = NULL, *end;
	esip_hdr hdrs[64];
	esip_msg m;
	esip_dest d;
	size_t i, n;

	for (i = 0; i + 4 < len; i++)
		if (i > 0 && bytes[i - 1] == '\n' && !strncmp(bytes + i, "Via:", 4)) {
			via = bytes + i;
			break;
		}
	if (!via || !(end = memchr(via, '\n', len - (size_t)(via - bytes))))
		return;
	end++;
	n = (size_t)(via - bytes);
	memcpy(out, bytes, n);
	memcpy(out + n, end, len - (size_t)(end - bytes));
	n += len - (size_t)(end - bytes);
	esip_msg_init(&m, hdrs, 64);
	if (esip_msg_parse(&m, out, n, ESIP_PARSE_DATAGRAM, NULL) < 0)
		return;
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	if (esip_addr_from_ip(&d.addr, m.via.host, m.via.port ? m.via.port : 5060) < 0)
		return;
	simnet_send(p->net, p->id, &d, out, n);
}

static void proxy_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		       uint64_t now)
{
	uatproxy *p = ud;
	esip_hdr hdrs[64];
	esip_msg m;

	esip_msg_init(&m, hdrs, 64);
	if (esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) < 0)
		return;
	if (m.kind == ESIP_MSG_REQUEST)
		proxy_forward_request(p, bytes, len, &m);
	else
		proxy_forward_response(p, bytes, len);
}

void uat_proxy_init(uatproxy *p, simnet *net, const char *name, uint16_t port)
{
	simnet_node_ops ops = {proxy_recv, NULL, NULL, NULL};

	memset(p, 0, sizeof *p);
	p->net = net;
	p->port = port;
	snprintf(p->host, sizeof p->host, "127.0.0.1");
	ck_assert_int_eq(esip_addr_from_ip(&p->addr, esip_str_cstr(p->host), port), 0);
	p->id = simnet_node_add(net, name, &p->addr, &ops, p);
	ck_assert_int_ge(p->id, 0);
}

void uat_proxy_add(uatproxy *p, const uatnode *target)
{
	ck_assert_uint_lt(p->n_targets, 4);
	p->targets[p->n_targets++] = target;
}

/* ---- the raw peer ------------------------------------------------------------------------ */

static void raw_recv(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		     uint64_t now)
{
	uatraw *r = ud;
	size_t k = r->n % UAT_RAW_KEEP;

	if (len >= sizeof r->msgs[0])
		len = sizeof r->msgs[0] - 1;
	memcpy(r->msgs[k], bytes, len);
	r->msgs[k][len] = 0;
	r->n++;
	if (r->on_msg) {
		esip_hdr hdrs[64];
		esip_msg m;
		esip_msg_init(&m, hdrs, 64);
		if (esip_msg_parse(&m, bytes, len, ESIP_PARSE_DATAGRAM, NULL) > 0)
			r->on_msg(r, &m, rx, now);
	}
}

void uat_raw_reply(uatraw *r, const esip_msg *m, const esip_rx_info *rx, unsigned status,
		   const char *to_tag, const char *extra)
{
	char out[8192];
	size_t n = 0, i;
	int w;

	w = snprintf(out, sizeof out, "SIP/2.0 %u %s\r\n", status, esip_reason_phrase(status));
	n += (size_t)w;
	for (i = 0; i < m->nhdrs; i++) {
		const esip_hdr *h = &m->hdrs[i];
		switch (h->id) {
		case ESIP_HDR_VIA:
		case ESIP_HDR_FROM:
		case ESIP_HDR_CALL_ID:
		case ESIP_HDR_CSEQ:
			w = snprintf(out + n, sizeof out - n, "%.*s: %.*s\r\n", ESIP_STR_FMT(h->name),
				     ESIP_STR_FMT(h->value));
			n += (size_t)w;
			break;
		case ESIP_HDR_TO:
			w = snprintf(out + n, sizeof out - n, "To: %.*s%s%s\r\n", ESIP_STR_FMT(h->value),
				     !m->to.tag.p && to_tag ? ";tag=" : "",
				     !m->to.tag.p && to_tag ? to_tag : "");
			n += (size_t)w;
			break;
		default:
			break;
		}
	}
	/* our Contact unless extra brings its own */
	if (!extra || !strstr(extra, "Contact:")) {
		w = snprintf(out + n, sizeof out - n, "Contact: <sip:raw@127.0.0.1:%u>\r\n", r->port);
		n += (size_t)w;
	}
	w = snprintf(out + n, sizeof out - n, "%sContent-Length: 0\r\n\r\n", extra ? extra : "");
	n += (size_t)w;
	{
		esip_dest d;
		memset(&d, 0, sizeof d);
		d.tp = rx->tp ? rx->tp : ESIP_TP_UDP;
		d.addr = rx->peer;
		d.conn = rx->conn;
		simnet_send(r->net, r->id, &d, out, n);
	}
}

void uat_raw_init(uatraw *r, simnet *net, const char *name, uint16_t port)
{
	simnet_node_ops ops = {raw_recv, NULL, NULL, NULL};

	memset(r, 0, sizeof *r);
	r->net = net;
	r->port = port;
	ck_assert_int_eq(esip_addr_from_ip(&r->addr, ESIP_STR("127.0.0.1"), port), 0);
	r->id = simnet_node_add(net, name, &r->addr, &ops, r);
	ck_assert_int_ge(r->id, 0);
}

void uat_raw_send(uatraw *r, const esip_addr *to, const char *text)
{
	uat_raw_send_tp(r, to, ESIP_TP_UDP, text);
}

void uat_raw_send_tp(uatraw *r, const esip_addr *to, esip_tp tp, const char *text)
{
	char out[8192];
	size_t n = 0;
	const char *p;
	esip_dest d;

	for (p = text; *p && n + 2 < sizeof out; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			out[n++] = '\r';
		out[n++] = *p;
	}
	memset(&d, 0, sizeof d);
	d.tp = tp;
	d.addr = *to;
	ck_assert_int_eq(simnet_send(r->net, r->id, &d, out, n), 0);
}

const char *uat_raw_last(const uatraw *r, const char *prefix)
{
	size_t i;

	for (i = r->n; i > 0 && r->n - i < UAT_RAW_KEEP; i--) {
		const char *m = r->msgs[(i - 1) % UAT_RAW_KEEP];
		if (!strncmp(m, prefix, strlen(prefix)))
			return m;
	}
	return NULL;
}

const char *uat_raw_last_response(const uatraw *r, const char *method)
{
	char cseq[64];
	size_t i;

	for (i = r->n; i > 0 && r->n - i < UAT_RAW_KEEP; i--) {
		const char *m = r->msgs[(i - 1) % UAT_RAW_KEEP], *sp;
		if (strncmp(m, "SIP/2.0 ", 8) || !uat_raw_hdr(m, "CSeq", cseq, sizeof cseq))
			continue;
		sp = strrchr(cseq, ' ');
		if (sp && !strcmp(sp + 1, method))
			return m;
	}
	return NULL;
}

bool uat_raw_hdr(const char *msg, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = msg;

	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1, *e;
			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			if (!e)
				return false;
			snprintf(out, cap, "%.*s", (int)(e - v), v);
			return true;
		}
	}
	return false;
}

int uat_raw_authorize(uatraw *r, esip_auth_server *as, const esip_msg *m,
		      const esip_rx_info *rx, bool proxy, const char *user, const char *password,
		      uint64_t now)
{
	esip_auth_credentials cr;
	esip_auth_secret sec;
	char line[1024];
	esip_buf b;
	int rc;

	memset(&sec, 0, sizeof sec);
	sec.username = esip_str_cstr(user);
	sec.password = esip_str_cstr(password);
	rc = esip_auth_server_find(m, proxy, ESIP_STR("esip.test"), &cr);
	if (rc == 0)
		rc = esip_auth_server_verify(as, m, &cr, &sec, now);
	if (rc == 0)
		return 0;
	esip_buf_init_fixed(&b, line, sizeof line);
	ck_assert_int_eq(esip_auth_server_challenge(as, proxy, ESIP_STR("esip.test"),
						    rc == ESIP_ESTALE, now, &b),
			 0);
	line[b.len] = 0;
	uat_raw_reply(r, m, rx, proxy ? 407 : 401, "authtag", line);
	return rc;
}

esip_call *uat_call_of(const uatnode *n, size_t nth) { return nth < n->n_calls ? n->calls[nth] : NULL; }
