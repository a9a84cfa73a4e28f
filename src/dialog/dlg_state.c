/*
 * dlg_state.c - dialog state from messages (RFC 3261 12.1.1, 12.1.2,
 * 12.2.1.2, 12.2.2): the peer's tag, the remote target from Contact, the
 * route set from Record-Route, and the early dialogs of a forked INVITE.
 */
#include "dialog_int.h"

#include <string.h>

esip_str esip__dlg_sdp_of(const esip_msg *m)
{
	esip_str ct = m->content_type, type;
	const char *semi;

	if (!m->body.p || !m->body.len || !ct.p)
		return ESIP_STR_NULL;
	/* media type without its parameters, case-insensitive (RFC 3261 20.15) */
	semi = memchr(ct.p, ';', ct.len);
	type = esip_str_trim(esip_str_make(ct.p, semi ? (size_t)(semi - ct.p) : ct.len));
	if (!esip_str_ieq_cstr(type, "application/sdp") || m->body.len > UA_MAX_SDP)
		return ESIP_STR_NULL;
	return m->body;
}

/* The first Contact's URI, absent if none or malformed. */
static esip_str contact_uri(const esip_msg *m)
{
	esip_list_iter it;
	esip_contact ct;
	esip_uri u;

	esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
	if (esip_contact_next(&it, &ct) != 1 || ct.star || !ct.na.uri.len ||
	    ct.na.uri.len >= UA_MAX_STR || esip_uri_parse(ct.na.uri, &u) < 0)
		return ESIP_STR_NULL;
	return ct.na.uri;
}

/* The route set from the Record-Route elements of m, in order or
 * reversed (12.1.1 / 12.1.2), each kept as written (a name-addr: the
 * builder writes it back verbatim).  0, or an error (a malformed element,
 * more than UA_MAX_ROUTES, no memory): the route set is then unchanged. */
static int set_routes(esip_call *c, const esip_msg *m, bool reverse)
{
	esip_str el[UA_MAX_ROUTES];
	esip_list_iter it;
	esip_nameaddr na;
	size_t n = 0, total = 0, i, off = 0;
	char *mem = NULL;
	int rc;

	esip_list_iter_init(&it, m, ESIP_HDR_RECORD_ROUTE);
	while ((rc = esip_list_next(&it, &el[n])) == 1) {
		if (esip_nameaddr_parse(el[n], &na) < 0 || !na.angle || el[n].len >= UA_MAX_STR)
			return ESIP_EBAD_NAMEADDR;
		total += el[n].len + 1;
		if (++n == UA_MAX_ROUTES && esip_list_next(&it, &na.uri) == 1)
			return ESIP_ELIMIT;
		if (n == UA_MAX_ROUTES)
			break;
	}
	if (n) {
		mem = esip_malloc(c->alloc, total);
		if (!mem)
			return ESIP_ENOMEM;
		for (i = 0; i < n; i++) {
			esip_str e = el[reverse ? n - 1 - i : i];
			memcpy(mem + off, e.p, e.len);
			mem[off + e.len] = 0;
			off += e.len + 1;
		}
	}
	if (c->routes) {
		c->bytes -= c->routes_len;
		if ((c->flags & CF_LIVE) && c->ua)
			c->ua->stats.call_bytes -= c->routes_len;
		esip_free(c->alloc, c->routes);
	}
	c->routes = mem;
	c->n_routes = (uint16_t)n;
	c->routes_len = (uint16_t)total;
	c->bytes += (uint32_t)total;
	if ((c->flags & CF_LIVE) && c->ua)
		c->ua->stats.call_bytes += total;
	return 0;
}

int esip__dlg_from_request(esip_call *c, const esip_msg *inv)
{
	esip_str target = contact_uri(inv);
	int rc;

	/* 12.1.1: a dialog needs the peer's Contact (8.1.1.8: an INVITE MUST
	 * carry exactly one SIP URI there) */
	if (!target.p)
		return ESIP_EBAD_NAMEADDR;
	if ((rc = esip__call_setstr(c, &c->remote_tag, inv->from.tag)) < 0 ||
	    (rc = esip__call_setstr(c, &c->remote_target, target)) < 0 ||
	    (rc = set_routes(c, inv, false)) < 0)
		return rc;
	c->remote_cseq = inv->cseq;
	c->invite_cseq = inv->cseq;
	return 0;
}

int esip__dlg_from_response(esip_call *c, const esip_msg *resp)
{
	esip_str target = contact_uri(resp);
	int rc;

	if (!resp->to.tag.p)
		return ESIP_EINVAL;
	if ((rc = esip__call_setstr(c, &c->remote_tag, resp->to.tag)) < 0)
		return rc;
	/* 12.1.2: the remote target is the Contact of the response; a 2xx
	 * without one keeps the Request-URI (lenient: RFC 3261 requires it) */
	if (target.p && (rc = esip__call_setstr(c, &c->remote_target, target)) < 0)
		return rc;
	/* 12.1.2: the route set is the Record-Route list reversed; a
	 * preloaded route set (8.1.2) stays when the response has none */
	if (esip_msg_hdr(resp, ESIP_HDR_RECORD_ROUTE) || resp->status >= 200)
		return set_routes(c, resp, true);
	return 0;
}

void esip__dlg_refresh_target(esip_call *c, const esip_msg *m)
{
	esip_str target = contact_uri(m);

	/* 12.2.1.2 / 12.2.2: a target refresh request or its 2xx replaces the
	 * remote target (the route set never changes, 12.2) */
	if (target.p)
		esip__call_setstr(c, &c->remote_target, target);
}

dlg_leg *esip__dlg_leg_find(esip_call *c, esip_str tag)
{
	dlg_leg *l;

	for (l = c->legs; l; l = l->next)
		if (esip_str_eq_cstr(tag, l->tag))
			return l;
	return NULL;
}

int esip__dlg_leg_add(esip_call *c, esip_str tag)
{
	dlg_leg *l;
	unsigned n = 0;

	for (l = c->legs; l; l = l->next)
		n++;
	/* a bound on what one INVITE's forks may make us keep */
	if (n >= UA_MAX_ROUTES)
		return ESIP_ELIMIT;
	l = esip_calloc(c->alloc, 1, sizeof *l + tag.len + 1);
	if (!l)
		return ESIP_ENOMEM;
	l->tag = (char *)(l + 1);
	memcpy(l->tag, tag.p, tag.len);
	l->tag[tag.len] = 0;
	l->next = c->legs;
	c->legs = l;
	return 0;
}

void esip__dlg_legs_free(esip_call *c)
{
	while (c->legs) {
		dlg_leg *l = c->legs;
		c->legs = l->next;
		esip_free(c->alloc, l);
	}
}
