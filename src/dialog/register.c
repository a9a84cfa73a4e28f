/*
 * register.c - registrations (reg.def): REGISTER with this UA's Contact
 * (RFC 3261 10.2), refreshed before the granted expiry, 423 Interval Too
 * Brief, retries, a lost connection, unregistering.  One Call-ID per
 * registration and CSeq up by one per REGISTER (10.2: "A UA MUST use the
 * same Call-ID for all registrations during a single boot cycle ... MUST
 * increment the CSeq value by one for each REGISTER").
 */
#include "dialog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct esip_reg {
	struct esip_reg *next;      /* ua->regs */
	esip_ua *ua;
	void *user_data;
	uint8_t state;              /* reg.def */
	uint8_t depth, pending_n;
	uint8_t pending[4];
	uint16_t status;            /* the last final status */
	uint32_t want_s;            /* the expiry asked for */
	uint32_t granted_s;         /* the expiry granted */
	uint32_t retry_s;
	uint32_t cseq;
	uint32_t conn;              /* the connection the binding uses (TCP) */
	bool unregister;            /* the REGISTER in flight says Expires: 0 */
	esip_timer t;               /* refresh or retry */
	ua_req *req;
	char contact[UA_MAX_STR];   /* the Contact URI sent last */
	const char *registrar, *aor, *call_id, *tag;
	char mem[];
};

enum { RG_SEND = 1, RG_UNREGISTER };
enum { RGT_REFRESH = 1, RGT_RETRY };
enum { RGR_STATE = 1 };

#define REG_MAX 16
#define REG_DEFAULT_EXPIRES 3600
#define REG_DEFAULT_RETRY 30

static inline esip_reg *G(void *ctx) { return ctx; }

/* ---- actions (reg.def) ------------------------------------------------------------------ */

static void fx(esip_fsm_fx *f, esip_fx_kind k, unsigned what, uint32_t v)
{
	esip_fsm_fx_push(f, k, what, v);
}

void esip__rega_send_register(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_TIMER_STOP, 0, 0);
	fx(f, ESIP_FX_SEND, RG_SEND, 0);
}

/* When to refresh a binding granted for secs seconds: early enough for a
 * REGISTER to get through with its retransmissions (Timer F is 32 s), as
 * other UAs do; never later than half the binding for short ones. */
static uint32_t refresh_after_ms(uint32_t secs)
{
	uint32_t margin = secs > 64 ? 32 : secs / 2;

	return (secs - margin) * 1000u;
}

void esip__rega_bound(void *ctx, const void *arg, esip_fsm_fx *f)
{
	esip_reg *g = G(ctx);

	fx(f, ESIP_FX_TIMER_START, RGT_REFRESH, refresh_after_ms(g->granted_s ? g->granted_s : 1));
	fx(f, ESIP_FX_REPORT, RGR_STATE, 0);
}

void esip__rega_longer(void *ctx, const void *arg, esip_fsm_fx *f)
{
	/* 10.2.8: "the UA MAY retry the registration with an expiration
	 * interval ... greater than or equal to" Min-Expires (want_s was
	 * set from it when the 423 came) */
	fx(f, ESIP_FX_SEND, RG_SEND, 0);
}

void esip__rega_wait_retry(void *ctx, const void *arg, esip_fsm_fx *f)
{
	esip_reg *g = G(ctx);

	fx(f, ESIP_FX_REPORT, RGR_STATE, 0);
	fx(f, ESIP_FX_TIMER_START, RGT_RETRY, g->retry_s * 1000u);
}

void esip__rega_send_unregister(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_TIMER_STOP, 0, 0);
	fx(f, ESIP_FX_SEND, RG_UNREGISTER, 0);
}

void esip__rega_gone(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_TIMER_STOP, 0, 0);
	fx(f, ESIP_FX_REPORT, RGR_STATE, 0);
}

void esip__rega_remove_once(void *ctx, const void *arg, esip_fsm_fx *f)
{
	/* 10.2.2: the binding is removed; the REGISTER runs on alone once the
	 * registration is gone (reg_event detaches it) */
	fx(f, ESIP_FX_TIMER_STOP, 0, 0);
	fx(f, ESIP_FX_SEND, RG_UNREGISTER, 0);
}

void esip__rega_drop(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_TIMER_STOP, 0, 0);
}

/* ---- the REGISTER ---------------------------------------------------------------------------- */

static int reg_build(ua_req *r, esip_tp tp, const esip_ua_local *local, const char *branch,
		     esip_buf *b)
{
	esip_reg *g = r->data;
	esip_ua *ua = g->ua;
	esip_request_spec spec;
	esip_hdr_kv extra[UA_MAX_CUSTOM + 8];
	char contact[UA_MAX_STR + 2], expires[16];
	bool v6 = strchr(local->host, ':') != NULL;
	size_t n;

	/* 10.2.1: our Contact, where requests for the address-of-record are
	 * to reach us (the transport it uses) */
	snprintf(g->contact, sizeof g->contact, v6 ? "sip:%s@[%s]:%u%s" : "sip:%s@%s:%u%s", ua->user,
		 local->host, local->port, tp == ESIP_TP_TCP ? ";transport=tcp" : "");
	snprintf(contact, sizeof contact, "<%s>", g->contact);
	snprintf(expires, sizeof expires, "%u", g->unregister ? 0 : g->want_s);
	memset(&spec, 0, sizeof spec);
	spec.method = ESIP_STR("REGISTER");
	spec.ruri = esip_str_cstr(g->registrar);
	spec.via_transport = esip_str_cstr(esip_tp_name(tp));
	spec.via_host = esip_str_cstr(local->host);
	spec.via_port = local->port;
	spec.via_branch = esip_str_cstr(branch);
	spec.via_rport = true;
	spec.from_uri = esip_str_cstr(g->aor);
	spec.from_tag = esip_str_cstr(g->tag);
	spec.from_display = esip_str_cstr(ua->display);
	spec.to_uri = spec.from_uri; /* 10.2: To is the address-of-record */
	spec.call_id = esip_str_cstr(g->call_id);
	spec.cseq = r->cseq;
	spec.max_forwards = 70;
	spec.contact = esip_str_cstr(contact);
	n = esip__ua_common_headers(ua, false, extra, UA_MAX_CUSTOM + 1);
	/* 10.2.1.1: the expiry asked for; 0 removes the binding (10.2.2) */
	extra[n].name = "Expires";
	extra[n++].value = esip_str_cstr(expires);
	extra[n].name = "Allow";
	extra[n++].value = esip_str_cstr(esip__ua_allow);
	n += esip__req_auth_headers(r, extra + n, 4);
	spec.extra = extra;
	spec.n_extra = n;
	if (ua->proxy_route.len) {
		spec.routes = &ua->proxy_route;
		spec.n_routes = 1;
	}
	return esip_build_request(b, &spec);
}

/* The expiry the registrar granted our Contact (10.2.4: "the expires
 * parameter of the Contact ... or the Expires header field"). */
static uint32_t granted(esip_reg *g, const esip_msg *m)
{
	esip_list_iter it;
	esip_contact ct;
	esip_uri ours, u;
	uint32_t secs;

	if (esip_uri_parse(esip_str_cstr(g->contact), &ours) == 0) {
		esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
		while (esip_contact_next(&it, &ct) == 1) {
			if (ct.star || esip_uri_parse(ct.na.uri, &u) < 0 || !esip_uri_eq(&u, &ours))
				continue;
			if (esip_contact_expires(&ct, &secs) == 0)
				return secs;
		}
	}
	if (esip_msg_expires(m, &secs) == 0)
		return secs;
	return g->want_s;
}

static void reg_event(esip_reg *g, unsigned ev, uint64_t now);

static void reg_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now)
{
	esip_reg *g = r->owner;

	if (what == REQ_PROVISIONAL)
		return;
	if (r->txn && esip_tp_reliable(r->dest.tp))
		g->conn = esip_txn_dest(r->txn)->conn;
	if (what != REQ_FINAL) {
		g->status = what == REQ_TIMEOUT ? 408 : 503;
		reg_event(g, reg_E_rx_failure, now);
		return;
	}
	g->status = m->status;
	if (m->status >= 200 && m->status < 300) {
		g->granted_s = g->unregister ? 0 : granted(g, m);
		reg_event(g, reg_E_rx_2xx, now);
	} else if (m->status == 423) {
		uint32_t min = 0;
		const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_MIN_EXPIRES);
		/* 10.3 step 7 / 20.23: a longer expiry, but no endless raise */
		if (h && esip_str_to_u32(esip_str_trim(h->value), &min) == 0 && min > g->want_s &&
		    min <= 7 * 24 * 3600) {
			g->want_s = min;
			reg_event(g, reg_E_rx_423, now);
		} else {
			reg_event(g, reg_E_rx_failure, now);
		}
	} else {
		reg_event(g, reg_E_rx_failure, now);
	}
}

static uint32_t reg_next_cseq(ua_req *r)
{
	esip_reg *g = r->data;

	return ++g->cseq;
}

static const ua_req_ops reg_ops = {reg_build, reg_outcome, NULL, reg_next_cseq};

static void send_register(esip_reg *g, bool unregister, uint64_t now)
{
	esip_ua *ua = g->ua;
	req_params rp;
	int rc;

	esip__req_abandon(g->req, now);
	g->unregister = unregister;
	memset(&rp, 0, sizeof rp);
	rp.ops = &reg_ops;
	rp.owner = g;
	rp.data = g;
	rp.slot = &g->req;
	rp.method = ESIP_METHOD_REGISTER;
	rp.cseq = ++g->cseq;
	rp.conn_hint = g->conn;
	/* 8.1.2: the registrar, or the outbound proxy */
	if (ua->proxy_uri.len)
		rc = esip__req_start(ua, ua->proxy_uri.p, ua->proxy_uri.len, &rp, now);
	else
		rc = esip__req_start(ua, g->registrar, strlen(g->registrar), &rp, now);
	if (rc < 0) {
		esip__ua_log(ua, ESIP_LOG_WARN, "REGISTER to %s: %s", g->registrar, esip_strerror(rc));
		g->status = 503;
		/* the machine hears it after this effect list */
		if (g->pending_n < sizeof g->pending)
			g->pending[g->pending_n++] = reg_E_rx_failure;
	}
}

/* ---- the interpreter -------------------------------------------------------------------------- */

static void report(esip_reg *g)
{
	esip_ua_event e;

	memset(&e, 0, sizeof e);
	e.kind = ESIP_UA_REG_STATE;
	e.reg = g;
	e.reg_state = (esip_reg_state)g->state;
	e.status = g->status;
	e.expires = g->state == reg_S_registered ? g->granted_s : 0;
	esip__ua_emit(g->ua, &e);
}

static void on_timer(esip_timer *t, uint64_t now)
{
	esip_reg *g = ESIP_CONTAINER_OF(t, esip_reg, t);

	reg_event(g, g->state == reg_S_failed ? reg_E_retry : reg_E_refresh, now);
}

static void reg_event(esip_reg *g, unsigned ev, uint64_t now)
{
	esip_ua *ua = g->ua;

	if (g->depth) {
		/* NEVER more than a few (a failed send raises one) */
		if (g->pending_n >= sizeof g->pending)
			abort();
		g->pending[g->pending_n++] = (uint8_t)ev;
		return;
	}
	g->depth++;
	for (;;) {
		esip_fsm_fx f;
		unsigned from = g->state, i;
		bool reported = false;
		esip_fsm_fx_init(&f);
		if (esip_fsm_dispatch(esip__reg_machine, &g->state, ev, g, NULL, &f, &ua->tracer, g) ==
		    ESIP_FSM_HANDLED) {
			for (i = 0; i < f.n; i++) {
				const esip_fx *e = &f.fx[i];
				if (e->kind == ESIP_FX_TIMER_START)
					esip_timer_start(ua->wheel, &g->t, now + e->value);
				else if (e->kind == ESIP_FX_TIMER_STOP)
					esip_timer_stop(ua->wheel, &g->t);
				else if (e->kind == ESIP_FX_SEND)
					send_register(g, e->what == RG_UNREGISTER, now);
				else if (e->kind == ESIP_FX_REPORT) {
					report(g);
					reported = true;
				}
			}
			/* every transition is reported once */
			if (g->state != from && !reported)
				report(g);
		}
		if (!g->pending_n)
			break;
		ev = g->pending[0];
		memmove(g->pending, g->pending + 1, --g->pending_n);
	}
	g->depth--;
	if (g->state == reg_S_unregistered) {
		esip_timer_stop(ua->wheel, &g->t);
		/* an unregister in flight runs on alone */
		if (g->req)
			esip__req_detach(g->req);
	}
}

/* ---- the API ---------------------------------------------------------------------------------- */

int esip_ua_register(esip_ua *ua, const esip_register_params *p, uint64_t now, esip_reg **out)
{
	char aor[UA_MAX_STR], call_id[128], tag[24];
	size_t rl, al, cl, tl, n = 0;
	esip_uri u;
	esip_reg *g, *x;
	int rc;

	if (out)
		*out = NULL;
	if (!ua || !p || !p->registrar)
		return ESIP_EINVAL;
	if (ua->closing)
		return ESIP_ECLOSED;
	rl = strlen(p->registrar);
	if (!rl || rl >= UA_MAX_STR || strpbrk(p->registrar, "<>\r\n") ||
	    esip_uri_parse(esip_str_make(p->registrar, rl), &u) < 0 ||
	    (u.scheme_id != ESIP_SCHEME_SIP && u.scheme_id != ESIP_SCHEME_SIPS))
		return ESIP_EINVAL;
	for (x = ua->regs; x; x = x->next)
		n++;
	if (n >= REG_MAX)
		return ESIP_ELIMIT;
	if (p->aor)
		snprintf(aor, sizeof aor, "%s", p->aor);
	else
		snprintf(aor, sizeof aor, u.host_type == ESIP_HOST_IPV6 ? "sip:%s@[%.*s]" : "sip:%s@%.*s",
			 ua->user, ESIP_STR_FMT(u.host));
	if (strpbrk(aor, "<>\r\n") || esip_uri_parse(esip_str_cstr(aor), &u) < 0)
		return ESIP_EINVAL;
	if ((rc = esip_gen_call_id(ua->rnd, ESIP_STR_NULL, call_id, sizeof call_id)) < 0 ||
	    (rc = esip_gen_tag(ua->rnd, tag, sizeof tag)) < 0)
		return rc;
	al = strlen(aor);
	cl = strlen(call_id);
	tl = strlen(tag);
	g = esip_calloc(ua->alloc, 1, sizeof *g + rl + al + cl + tl + 4);
	if (!g)
		return ESIP_ENOMEM;
	g->ua = ua;
	g->user_data = p->user_data;
	g->want_s = p->expires_s ? p->expires_s : REG_DEFAULT_EXPIRES;
	g->retry_s = p->retry_s ? p->retry_s : REG_DEFAULT_RETRY;
	g->state = reg_S_idle;
	esip_timer_init(&g->t, on_timer);
	memcpy(g->mem, p->registrar, rl + 1);
	g->registrar = g->mem;
	memcpy(g->mem + rl + 1, aor, al + 1);
	g->aor = g->mem + rl + 1;
	memcpy(g->mem + rl + al + 2, call_id, cl + 1);
	g->call_id = g->mem + rl + al + 2;
	memcpy(g->mem + rl + al + cl + 3, tag, tl + 1);
	g->tag = g->mem + rl + al + cl + 3;
	{
		uint16_t r16 = 0;
		esip_rand_bytes(ua->rnd, &r16, sizeof r16);
		g->cseq = r16; /* 8.1.1.5 */
	}
	g->next = ua->regs;
	ua->regs = g;
	if (out)
		*out = g;
	reg_event(g, reg_E_start, now);
	return 0;
}

int esip_ua_unregister(esip_reg *g, uint64_t now)
{
	if (!g)
		return ESIP_EINVAL;
	if (!esip_fsm_lookup(esip__reg_machine, g->state, reg_E_stop))
		return ESIP_ESTATE;
	reg_event(g, reg_E_stop, now);
	return 0;
}

esip_reg_state esip_reg_get_state(const esip_reg *g) { return (esip_reg_state)g->state; }
void *esip_reg_user_data(const esip_reg *g) { return g->user_data; }

const char *esip_reg_state_name(esip_reg_state st)
{
	return esip_fsm_state_name(esip__reg_machine, (unsigned)st);
}

void esip__reg_conn_failed(esip_ua *ua, uint32_t conn, uint64_t now)
{
	esip_reg *g;

	for (g = ua->regs; g; g = g->next)
		if (g->conn == conn) {
			g->conn = 0;
			reg_event(g, reg_E_conn_lost, now);
		}
}

void esip__reg_stop_all(esip_ua *ua, uint64_t now)
{
	esip_reg *g;

	for (g = ua->regs; g; g = g->next)
		if (esip_fsm_lookup(esip__reg_machine, g->state, reg_E_stop))
			reg_event(g, reg_E_stop, now);
}

void esip__reg_free_all(esip_ua *ua, uint64_t now)
{
	while (ua->regs) {
		esip_reg *g = ua->regs;
		ua->regs = g->next;
		/* a binding still there is removed, once, without waiting
		 * (reg.def: terminate) */
		reg_event(g, reg_E_terminate, now);
		esip_timer_stop(ua->wheel, &g->t);
		if (g->req)
			esip__req_detach(g->req);
		esip_free(ua->alloc, g);
	}
}

_Static_assert((int)reg_S__COUNT == (int)ESIP_REG__STATE_COUNT, "reg.def has the public states");
_Static_assert((int)reg_S_registered == (int)ESIP_REG_REGISTERED &&
		       (int)reg_S_unregistered == (int)ESIP_REG_UNREGISTERED,
	       "reg.def lists the states in the public order");
