/*
 * api.c - the application's decisions about calls (esip/dialog.h): place
 * one, ring, accept, reject, cancel, hang up.  Each checks its arguments,
 * keeps what the call must remember (an SDP, custom headers), and feeds
 * the call's machine one event; a decision the current state has no row
 * for is ESIP_ESTATE, so the table alone says what is allowed when.
 */
#include "dialog_int.h"

#include <stdio.h>
#include <string.h>

/* The row for ev in the call's state, or ESIP_ESTATE. */
static int allowed(const esip_call *c, unsigned ev)
{
	if (!c->ua)
		return ESIP_ESTATE; /* ended, or its UA is gone */
	return esip_fsm_lookup(esip__dlg_machine, c->state, ev) ? 0 : ESIP_ESTATE;
}

static int feed(esip_call *c, unsigned ev, unsigned status, const char *reason, uint64_t now)
{
	dlg_arg a;

	memset(&a, 0, sizeof a);
	a.status = status;
	a.reason = reason;
	esip__dlg_event(c, ev, &a, now);
	return 0;
}

static int keep_sdp(esip_call *c, const char *sdp, size_t len)
{
	if (!sdp)
		return 0;
	if (!len)
		len = strlen(sdp);
	if (len > UA_MAX_SDP)
		return ESIP_EINVAL;
	return esip__call_setbytes(c, &c->local_sdp, &c->local_sdp_len, esip_str_make(sdp, len));
}

/* ---- placing a call --------------------------------------------------------------------------- */

static bool header_ok(const esip_hdr_kv *h)
{
	const char *n = h->name;

	if (!n || !*n || strpbrk(n, ": \t\r\n") || (!h->value.p && h->value.len))
		return false;
	return !h->value.len || (!memchr(h->value.p, '\r', h->value.len) &&
				 !memchr(h->value.p, '\n', h->value.len));
}

/* The per-call custom headers, copied in one block. */
static int keep_headers(esip_call *c, const esip_hdr_kv *h, size_t n)
{
	size_t total = 0, i, off = 0;
	char *mem;

	if (!n)
		return 0;
	if (n > UA_MAX_CUSTOM || !h)
		return ESIP_EINVAL;
	for (i = 0; i < n; i++) {
		if (!header_ok(&h[i]))
			return ESIP_EINVAL;
		total += strlen(h[i].name) + 1 + h[i].value.len;
	}
	c->headers = esip_malloc(c->alloc, n * sizeof *c->headers + total);
	if (!c->headers)
		return ESIP_ENOMEM;
	mem = (char *)(c->headers + n);
	for (i = 0; i < n; i++) {
		size_t nl = strlen(h[i].name) + 1;
		memcpy(mem + off, h[i].name, nl);
		c->headers[i].name = mem + off;
		off += nl;
		if (h[i].value.len)
			memcpy(mem + off, h[i].value.p, h[i].value.len);
		c->headers[i].value = esip_str_make(mem + off, h[i].value.len);
		off += h[i].value.len;
	}
	c->n_headers = (uint8_t)n;
	return 0;
}

/* 8.1.2: a pre-loaded route set (an outbound proxy), each entry a
 * name-addr; a bare URI is put in < >. */
static int keep_routes(esip_call *c, const char *const *route, size_t n)
{
	size_t total = 0, i, off = 0;
	char *mem;

	if (!n)
		return 0;
	if (n > UA_MAX_ROUTES || !route)
		return ESIP_EINVAL;
	for (i = 0; i < n; i++) {
		esip_nameaddr na;
		size_t l = route[i] ? strlen(route[i]) : 0;
		if (!l || l >= UA_MAX_STR || strpbrk(route[i], "\r\n") ||
		    esip_nameaddr_parse(esip_str_make(route[i], l), &na) < 0)
			return ESIP_EINVAL;
		total += l + 3;
	}
	mem = esip_malloc(c->alloc, total);
	if (!mem)
		return ESIP_ENOMEM;
	for (i = 0; i < n; i++) {
		size_t l = strlen(route[i]);
		bool wrap = !strchr(route[i], '<');
		int w = snprintf(mem + off, total - off, wrap ? "<%s>" : "%s", route[i]);
		(void)l;
		off += (size_t)w + 1;
	}
	c->routes = mem;
	c->n_routes = (uint16_t)n;
	c->routes_len = (uint16_t)off;
	c->bytes += (uint32_t)off;
	return 0;
}

int esip_ua_call_make(esip_ua *ua, const esip_call_params *p, uint64_t now, esip_call **out)
{
	return esip__call_make(ua, p, ESIP_STR_NULL, now, out);
}

int esip__call_make(esip_ua *ua, const esip_call_params *p, esip_str replaces, uint64_t now,
		    esip_call **out)
{
	char tag[24], call_id[320], from[UA_MAX_STR], host[256];
	esip_target tg;
	esip_uri u;
	esip_call *c;
	size_t tl;
	int rc, n;

	if (out)
		*out = NULL;
	if (!ua || !p || !out || !p->target)
		return ESIP_EINVAL;
	if (ua->closing)
		return ESIP_ECLOSED;
	tl = strlen(p->target);
	if (!tl || tl >= UA_MAX_STR || esip_uri_parse(esip_str_make(p->target, tl), &u) < 0 ||
	    (u.scheme_id != ESIP_SCHEME_SIP && u.scheme_id != ESIP_SCHEME_SIPS))
		return ESIP_EINVAL;
	if ((rc = esip_target_from_uri(&u, ua->cfg.default_tp, &tg)) < 0)
		return rc;
	if (ua->n_live >= ua->cfg.max_dialogs) {
		ua->stats.over_limit++;
		return ESIP_ELIMIT;
	}
	/* our address-of-record: the configured domain, else the address we
	 * will send from (a name target: "invalid", RFC 2606, until the
	 * application configures a domain) */
	if (ua->domain[0]) {
		snprintf(host, sizeof host, "%s", ua->domain);
	} else if (ua->public_host[0]) {
		snprintf(host, sizeof host, "%s", ua->public_host);
	} else if (tg.numeric) {
		esip_ua_local local;
		if ((rc = esip__ua_local(ua, tg.tp, &tg.addr, &local)) < 0)
			return rc;
		snprintf(host, sizeof host, "%s", local.host);
	} else {
		snprintf(host, sizeof host, "invalid");
	}
	if (p->from) {
		if (strlen(p->from) >= sizeof from ||
		    esip_uri_parse(esip_str_cstr(p->from), &u) < 0)
			return ESIP_EINVAL;
		snprintf(from, sizeof from, "%s", p->from);
	} else {
		snprintf(from, sizeof from, strchr(host, ':') ? "sip:%s@[%s]" : "sip:%s@%s", ua->user,
			 host);
	}
	/* 8.1.1.3-4: a fresh tag and a globally unique Call-ID */
	if ((n = esip_gen_tag(ua->rnd, tag, sizeof tag)) < 0 ||
	    (rc = esip_gen_call_id(ua->rnd, ESIP_STR_NULL, call_id, sizeof call_id)) < 0)
		return n < 0 ? n : rc;
	c = esip__call_new(ua, ESIP_CALL_OUTGOING, esip_str_cstr(call_id),
			   esip_str_make(tag, (size_t)n), esip_str_cstr(from),
			   esip_str_make(p->target, tl),
			   esip_str_cstr(p->display_name ? p->display_name : ua->display));
	if (!c)
		return ESIP_ENOMEM;
	c->user_data = p->user_data;
	c->tp = tg.tp;
	{
		/* 8.1.1.5: any start below 2**31; random, so that a restarted UA
		 * does not repeat its old numbers */
		uint16_t r16 = 0;
		esip_rand_bytes(ua->rnd, &r16, sizeof r16);
		c->local_cseq = r16;
	}
	if ((rc = keep_sdp(c, p->sdp, p->sdp_len)) < 0 ||
	    (rc = keep_headers(c, p->headers, p->n_headers)) < 0 ||
	    (rc = keep_routes(c, p->route, p->n_route)) < 0 ||
	    (!p->n_route && ua->proxy_route.len &&
	     (rc = keep_routes(c, (const char *const[]){ua->proxy_mem}, 1)) < 0) ||
	    (rc = esip__call_setstr(c, &c->remote_target, esip_str_make(p->target, tl))) < 0 ||
	    (replaces.p && (rc = esip__call_setstr(c, &c->replaces_hdr, replaces)) < 0) ||
	    (rc = esip__call_link(c)) < 0) {
		esip_call_unref(c);
		return rc;
	}
	esip_call_ref(c); /* the caller's */
	*out = c;
	ua->stats.invites++;
	feed(c, replaces.p ? dlg_E_send_replaces : dlg_E_send_invite, 0, NULL, now);
	return 0;
}

/* ---- answering --------------------------------------------------------------------------------- */

int esip_ua_call_ring(esip_call *c, unsigned status, const char *sdp, size_t sdp_len,
		      uint64_t now)
{
	int rc;

	if (!c || status < 101 || status > 199)
		return ESIP_EINVAL;
	if ((rc = allowed(c, dlg_E_send_ringing)) < 0 || (rc = keep_sdp(c, sdp, sdp_len)) < 0)
		return rc;
	return feed(c, dlg_E_send_ringing, status, NULL, now);
}

int esip_ua_call_accept(esip_call *c, const char *sdp, size_t sdp_len, uint64_t now)
{
	int rc;

	if (!c)
		return ESIP_EINVAL;
	if ((rc = allowed(c, dlg_E_accept_call)) < 0 || (rc = keep_sdp(c, sdp, sdp_len)) < 0)
		return rc;
	return feed(c, dlg_E_accept_call, 200, NULL, now);
}

int esip_ua_call_reject(esip_call *c, unsigned status, const char *reason, uint64_t now)
{
	int rc;

	if (!c || status < 300 || status > 699 || (reason && strpbrk(reason, "\r\n")))
		return ESIP_EINVAL;
	if ((rc = allowed(c, dlg_E_reject_call)) < 0)
		return rc;
	return feed(c, dlg_E_reject_call, status, reason, now);
}

int esip_ua_call_cancel(esip_call *c, uint64_t now)
{
	int rc;

	if (!c)
		return ESIP_EINVAL;
	if ((rc = allowed(c, dlg_E_send_cancel)) < 0)
		return rc;
	return feed(c, dlg_E_send_cancel, 0, NULL, now);
}

int esip_ua_call_hangup(esip_call *c, uint64_t now)
{
	if (!c)
		return ESIP_EINVAL;
	/* whatever this state ends the call with: BYE, CANCEL, or 480 */
	if (allowed(c, dlg_E_send_bye) == 0) {
		c->ua->stats.byes++;
		return feed(c, dlg_E_send_bye, 0, NULL, now);
	}
	if (allowed(c, dlg_E_send_cancel) == 0)
		return feed(c, dlg_E_send_cancel, 0, NULL, now);
	if (allowed(c, dlg_E_reject_call) == 0)
		return feed(c, dlg_E_reject_call, 480, NULL, now);
	return ESIP_ESTATE;
}
