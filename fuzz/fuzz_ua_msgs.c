/*
 * fuzz_ua_msgs.c - the messages the scripted peer sends to a UA core,
 * each built from fragments the program chooses: dialog-creating INVITEs
 * (Call-IDs and tags that collide on purpose, retransmitted branches,
 * Contact variants, Record-Route sets, SDP or not, Replaces naming a
 * known dialog right or wrong, Require), requests inside a known call's
 * dialog (right or wrong Call-ID and tags, CSeq in and out of order, REFER
 * with Refer-To / Referred-By / Refer-Sub, NOTIFY with Event: refer;id and
 * a sipfrag, CANCEL and ACK matching the peer's INVITE or not), and
 * responses to what a core sent (its Vias, From, To, Call-ID and CSeq
 * copied; new To tags for forks, statuses of every class).
 */
#include "fuzz_ua.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct sb {
	char *p;
	size_t cap, n;
	bool over;
} sb;

static void put(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sb *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (b->over)
		return;
	va_start(ap, fmt);
	w = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= b->cap - b->n)
		b->over = true;
	else
		b->n += (size_t)w;
}

/* Closes the header section with Content-Length and appends the body. */
static size_t finish(sb *b, const char *ctype, const char *body)
{
	size_t bl = body ? strlen(body) : 0;

	if (ctype)
		put(b, "Content-Type: %s\r\n", ctype);
	put(b, "Content-Length: %zu\r\n\r\n%s", bl, body ? body : "");
	return b->over ? 0 : b->n;
}

static const char *const contacts[] = {
	NULL,
	"<sip:peer@127.0.0.1:5060>",
	"<sip:peer@127.0.0.1:5060;transport=tcp>",
	"<sip:peer@peer.example>",
	"*",
	"<tel:+15551234>",
	"<sip:b@127.0.0.1:5080>",
	"<sip:a@127.0.0.1:5070>",
	"<sip:peer@[::1]:5060>",
	"<sip:peer@127.0.0.1:5060>, <sip:other@127.0.0.1:5061>",
	"<sips:peer@127.0.0.1:5061>",
	"sip:peer@127.0.0.1:5060;expires=60",
	"<sip:peer@127.0.0.1:5060;transport=sctp>",
	"\"Peer\" <sip:peer@127.0.0.1:5060;ob>",
	"<sip:peer@127.0.0.1:5060",
};
#define N_CONTACTS (sizeof contacts / sizeof contacts[0])

static const char *const record_routes[] = {
	"<sip:127.0.0.1:5090;lr>",
	"<sip:proxy.example;lr>",
	"<sip:127.0.0.1:5091>",
	"<sip:127.0.0.1:5060;lr;transport=tcp>",
	"sip:bare.example;lr",
	"<sips:127.0.0.1:5061;lr>",
	"<sip:[::1]:5090;lr>",
	"<sip:127.0.0.1:5090;lr>, <sip:127.0.0.1:5092;lr>",
};
#define N_RR (sizeof record_routes / sizeof record_routes[0])

static const char *const directions[] = {"", "a=sendonly\r\n", "a=recvonly\r\n",
					 "a=inactive\r\n", "a=sendrecv\r\n"};

static void sdp(char *out, size_t cap, unsigned dir, unsigned version)
{
	snprintf(out, cap,
		 "v=0\r\no=peer 7 %u IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
		 "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n%s",
		 version, directions[dir % 5]);
}

/* A body (SDP mostly) and its type, or none. */
static void body_of(fz_in *s, char *body, size_t cap, const char **ctype)
{
	unsigned k = fz_take(s, 10);

	*ctype = NULL;
	body[0] = 0;
	if (k < 5) {
		sdp(body, cap, k, fz_take(s, 4));
		*ctype = "application/sdp";
	} else if (k == 5) {
		snprintf(body, cap, "hello");
		*ctype = "text/plain";
	} else if (k == 6) {
		snprintf(body, cap, "v=0\r\nm=\r\n");
		*ctype = "APPLICATION/SDP; charset=x";
	}
}

static void record_route_set(sb *b, fz_in *s)
{
	unsigned n = fz_take(s, 5), i;

	/* mostly none: every route makes every later request go elsewhere */
	if (n > 3)
		n = 0;
	for (i = 0; i < n; i++)
		put(b, "Record-Route: %s\r\n", record_routes[fz_take(s, N_RR)]);
}

static void contact(sb *b, fz_in *s)
{
	const char *c = contacts[fz_take(s, N_CONTACTS)];

	if (c)
		put(b, "Contact: %s\r\n", c);
}

static const char *user_of(int node) { return node ? "b" : "a"; }
static unsigned port_of(int node) { return node ? 5080u : 5070u; }

static const char *remote_tag(const esip_call *c) { return c->remote_tag ? c->remote_tag : "pt0"; }

/* A Replaces value naming a known call's dialog as its own UA sees it
 * (to-tag: that UA's tag), right or wrong; escaped for a URI header when
 * esc. */
static void replaces_of(fz_world *w, fz_in *s, char *out, size_t cap, bool esc)
{
	fz_call *fc = fz_pick_call(w, fz_take(s, 0));
	unsigned how = fz_take(s, 5);
	const char *cid = fc ? esip_call_id(fc->call) : "nocall";
	const char *lt = fc ? esip_call_local_tag(fc->call) : "x";
	const char *rt = fc ? remote_tag(fc->call) : "y";
	const char *sep = esc ? "%3B" : ";", *eq = esc ? "%3D" : "=";

	switch (how) {
	case 0: /* swapped tags */
		snprintf(out, cap, "%s%sto-tag%s%s%sfrom-tag%s%s", cid, sep, eq, rt, sep, eq, lt);
		break;
	case 1:
		snprintf(out, cap, "%s%sto-tag%s%s%sfrom-tag%s%s%searly-only", cid, sep, eq, lt, sep,
			 eq, rt, sep);
		break;
	case 2: /* malformed: one tag */
		snprintf(out, cap, "%s%sto-tag%s%s", cid, sep, eq, lt);
		break;
	default:
		snprintf(out, cap, "%s%sto-tag%s%s%sfrom-tag%s%s", cid, sep, eq, lt, sep, eq, rt);
		break;
	}
}

static void remember_invite(fz_world *w, int node, const char *cid, const char *ftag,
			    const char *branch, const char *ruri, uint32_t cseq, bool tcp)
{
	fz_pinv *p = &w->pinv[w->n_pinv++ % FZ_PEER_INVITES];

	p->node = node;
	snprintf(p->call_id, sizeof p->call_id, "%s", cid);
	snprintf(p->from_tag, sizeof p->from_tag, "%s", ftag);
	snprintf(p->branch, sizeof p->branch, "%s", branch);
	snprintf(p->ruri, sizeof p->ruri, "%s", ruri);
	p->cseq = cseq;
	p->tcp = tcp;
}

/* The last INVITE the peer sent with this Call-ID and From tag. */
static const fz_pinv *invite_of(const fz_world *w, int node, const char *cid, const char *ftag)
{
	size_t i;

	for (i = 0; i < FZ_PEER_INVITES && i < w->n_pinv; i++) {
		const fz_pinv *p = &w->pinv[(w->n_pinv - 1 - i) % FZ_PEER_INVITES];
		if (p->node == node && !strcmp(p->call_id, cid) && !strcmp(p->from_tag, ftag))
			return p;
	}
	return NULL;
}

static void new_branch(fz_world *w, char *out, size_t cap, bool cookie)
{
	snprintf(out, cap, "%spb%u", cookie ? "z9hG4bK" : "x", ++w->branch);
}

static uint32_t take_u32(fz_in *s)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 8 | fz_take(s, 0);
	return v;
}

size_t fz_msg_invite(fz_world *w, fz_in *s, int node, char *out, size_t cap, bool *tcp)
{
	char cid[48], ftag[24], branch[40], ruri[64], rep[600], body[512];
	const char *ctype;
	const fz_pinv *last;
	unsigned k, flags = fz_take(s, 0);
	uint32_t cseq;
	sb b = {out, cap, 0, false};
	fz_call *fc;

	*tcp = flags & 1;
	k = fz_take(s, 10);
	fc = k == 8 ? fz_pick_call(w, fz_take(s, 0)) : NULL;
	if (fc)
		snprintf(cid, sizeof cid, "%.40s", esip_call_id(fc->call));
	else
		snprintf(cid, sizeof cid, "pc%u@peer", k);
	k = fz_take(s, 9);
	if (k < 8)
		snprintf(ftag, sizeof ftag, "pf%u", k);
	else
		ftag[0] = 0; /* RFC 2543: no From tag */
	last = invite_of(w, node, cid, ftag);
	if (last && (flags & 6) == 0)
		snprintf(branch, sizeof branch, "%s", last->branch); /* a retransmission */
	else
		new_branch(w, branch, sizeof branch, (flags & 6) != 2);
	k = fz_take(s, 4);
	cseq = k == 0 ? 1 : k == 1 ? 2 : k == 2 ? take_u32(s) : last ? last->cseq : 1;
	snprintf(ruri, sizeof ruri, "sip:%s@127.0.0.1:%u%s", user_of(node), port_of(node),
		 *tcp ? ";transport=tcp" : "");
	put(&b, "INVITE %s SIP/2.0\r\n", ruri);
	put(&b, "Via: SIP/2.0/%s 127.0.0.1:5060;branch=%s;rport\r\n", *tcp ? "TCP" : "UDP", branch);
	put(&b, "Max-Forwards: 70\r\n");
	put(&b, "From: <sip:peer@127.0.0.1>%s%s\r\n", ftag[0] ? ";tag=" : "", ftag);
	put(&b, "To: <sip:%s@127.0.0.1:%u>%s\r\n", user_of(node), port_of(node),
	    (flags & 0x18) == 0x18 ? ";tag=pt0" : "");
	put(&b, "Call-ID: %s\r\nCSeq: %u INVITE\r\n", cid, cseq);
	contact(&b, s);
	record_route_set(&b, s);
	if ((flags & 0x60) == 0x60) {
		replaces_of(w, s, rep, sizeof rep, false);
		put(&b, "Replaces: %s\r\n", rep);
	}
	switch (fz_take(s, 6)) {
	case 0:
		put(&b, "Require: replaces\r\n");
		break;
	case 1:
		put(&b, "Require: foo\r\n");
		break;
	case 2:
		put(&b, "Supported: replaces, norefersub, tdialog\r\n");
		break;
	}
	body_of(s, body, sizeof body, &ctype);
	remember_invite(w, node, cid, ftag, branch, ruri, cseq, *tcp);
	return finish(&b, ctype, ctype ? body : NULL);
}

static const char *const in_methods[] = {"BYE",  "INVITE",  "UPDATE",  "INFO",
					 "REFER", "NOTIFY", "ACK",     "CANCEL",
					 "OPTIONS", "MESSAGE", "PRACK", "FOO"};
#define N_IN_METHODS (sizeof in_methods / sizeof in_methods[0])

static void refer_headers(fz_world *w, fz_in *s, int node, sb *b)
{
	char rep[600];
	unsigned other = node ? 5070u : 5080u;

	switch (fz_take(s, 9)) {
	case 0:
		put(b, "Refer-To: <sip:peer@127.0.0.1:5060>\r\n");
		break;
	case 1:
		put(b, "Refer-To: <sip:%s@127.0.0.1:%u>\r\n", node ? "a" : "b", other);
		break;
	case 2:
		put(b, "Refer-To: <sip:peer@peer.example>\r\n");
		break;
	case 3:
	case 4:
		replaces_of(w, s, rep, sizeof rep, true);
		put(b, "Refer-To: <sip:%s@127.0.0.1:%u?Replaces=%s>\r\n", node ? "a" : "b", other,
		    rep);
		break;
	case 5:
		put(b, "Refer-To: <>\r\n");
		break;
	case 6:
		break; /* none: 400 */
	case 7:
		put(b, "Refer-To: <sip:peer@127.0.0.1:5060>\r\nRefer-To: <sip:x@127.0.0.1>\r\n");
		break;
	default:
		put(b, "Refer-To: <tel:+15551234>\r\n");
		break;
	}
	switch (fz_take(s, 3)) {
	case 1:
		put(b, "Referred-By: <sip:peer@127.0.0.1>\r\n");
		break;
	case 2:
		put(b, "Referred-By: <\r\n");
		break;
	}
	switch (fz_take(s, 5)) {
	case 0:
		put(b, "Refer-Sub: false\r\n");
		break;
	case 1:
		put(b, "Refer-Sub: true\r\n");
		break;
	case 2:
		put(b, "Refer-Sub: maybe\r\n");
		break;
	}
}

static const unsigned frag_status[] = {100, 180, 183, 200, 202, 486, 603, 999, 0};

/* Event: refer;id=<one of the call's subscriptions>, right or wrong;
 * Subscription-State; the sipfrag. */
static void notify_parts(fz_in *s, const esip_call *c, sb *b, char *body, size_t cap,
			 const char **ctype)
{
	const refer_sub *sub = c->subs;
	unsigned k = fz_take(s, 4), st;

	while (sub && k--)
		sub = sub->next;
	switch (fz_take(s, 6)) {
	case 0:
		put(b, "Event: refer\r\n");
		break;
	case 1:
	case 2:
		put(b, "Event: refer;id=%u\r\n", sub ? sub->id : c->local_cseq);
		break;
	case 3:
		put(b, "Event: refer;id=%u\r\n", fz_take(s, 0));
		break;
	case 4:
		put(b, "Event: presence\r\n");
		break;
	}
	switch (fz_take(s, 5)) {
	case 0:
		put(b, "Subscription-State: active;expires=60\r\n");
		break;
	case 1:
	case 4:
		put(b, "Subscription-State: terminated;reason=noresource\r\n");
		break;
	case 2:
		put(b, "Subscription-State: pending\r\n");
		break;
	case 3:
		put(b, "Subscription-State: ;;\r\n");
		break;
	}
	st = frag_status[fz_take(s, sizeof frag_status / sizeof frag_status[0])];
	if (st)
		snprintf(body, cap, "SIP/2.0 %u Whatever\r\n", st);
	else
		snprintf(body, cap, "hello");
	*ctype = fz_take(s, 8) ? "message/sipfrag;version=2.0" : "text/plain";
}

size_t fz_msg_in_dialog(fz_world *w, fz_in *s, fz_call *fc, char *out, size_t cap, bool *tcp)
{
	const esip_call *c = fc->call;
	const char *method = in_methods[fz_take(s, N_IN_METHODS)];
	const char *cid = esip_call_id(c), *lt = esip_call_local_tag(c), *rt = remote_tag(c);
	const char *ctype = NULL;
	char branch[40], body[512], ruri[64];
	unsigned ids = fz_take(s, 10), k, flags = fz_take(s, 0);
	uint32_t base = c->remote_cseq ? c->remote_cseq : 100, cseq;
	const fz_pinv *inv = invite_of(w, fc->node, cid, rt);
	bool cancel = !strcmp(method, "CANCEL"), ack = !strcmp(method, "ACK");
	bool notag = ids == 3;
	sb b = {out, cap, 0, false};

	*tcp = flags & 1;
	k = fz_take(s, 8);
	cseq = k == 0 ? base : k == 1 ? base - 1 : k == 2 ? take_u32(s) : k == 3 ? c->invite_cseq
									      : base + 1;
	if ((cancel || ack) && k > 2)
		cseq = inv ? inv->cseq : c->invite_cseq;
	if (cancel && inv && (flags & 2) == 0) {
		/* 9.1: the CANCEL of the peer's INVITE: its branch, Request-URI,
		 * To without a tag */
		snprintf(branch, sizeof branch, "%s", inv->branch);
		snprintf(ruri, sizeof ruri, "%s", inv->ruri);
		notag = true;
	} else {
		if (ack && inv && (flags & 2) == 0)
			snprintf(branch, sizeof branch, "%s", inv->branch); /* non-2xx ACK */
		else if ((flags & 6) == 6)
			snprintf(branch, sizeof branch, "z9hG4bKpb%u", w->branch); /* again */
		else
			new_branch(w, branch, sizeof branch, true);
		snprintf(ruri, sizeof ruri, "sip:%s@127.0.0.1:%u", user_of(fc->node),
			 port_of(fc->node));
	}
	put(&b, "%s %s SIP/2.0\r\n", method, ruri);
	put(&b, "Via: SIP/2.0/%s 127.0.0.1:5060;branch=%s;rport\r\n", *tcp ? "TCP" : "UDP", branch);
	put(&b, "Max-Forwards: 70\r\n");
	put(&b, "From: <sip:peer@127.0.0.1>;tag=%s\r\n", ids == 2 ? "wrong" : rt);
	put(&b, "To: <sip:%s@127.0.0.1:%u>%s%s\r\n", user_of(fc->node), port_of(fc->node),
	    notag ? "" : ";tag=", notag ? "" : ids == 1 ? "wrong" : lt);
	put(&b, "Call-ID: %s\r\n", ids == 0 ? "wrong@peer" : cid);
	put(&b, "CSeq: %u %s\r\n", cseq, (flags & 0x38) == 0x38 ? "INVITE" : method);
	if (flags & 0x40)
		put(&b, "Route: <sip:127.0.0.1:5090;lr>\r\n");
	if (!strcmp(method, "INVITE") || !strcmp(method, "UPDATE") || !strcmp(method, "REFER") ||
	    (flags & 0x80))
		contact(&b, s);
	if (!strcmp(method, "REFER")) {
		refer_headers(w, s, fc->node, &b);
	} else if (!strcmp(method, "NOTIFY")) {
		notify_parts(s, c, &b, body, sizeof body, &ctype);
	} else if (!strcmp(method, "INFO") && fz_take(s, 2)) {
		snprintf(body, sizeof body, "Signal=1\r\nDuration=100\r\n");
		ctype = "application/dtmf-relay";
	} else if (!strcmp(method, "INVITE") || !strcmp(method, "UPDATE") || ack) {
		body_of(s, body, sizeof body, &ctype);
	}
	return finish(&b, ctype, ctype ? body : NULL);
}

static const unsigned statuses[] = {100, 180, 183, 181, 199, 200, 202, 204, 299, 300, 302,
				    380, 400, 401, 403, 404, 408, 415, 420, 480, 481, 486,
				    487, 491, 500, 503, 504, 600, 603, 699};
#define N_STATUSES (sizeof statuses / sizeof statuses[0])

size_t fz_msg_response(fz_world *w, fz_in *s, const fz_pkt *req, char *out, size_t cap)
{
	esip_hdr hdrs[128];
	esip_msg m;
	const esip_hdr *from, *to;
	unsigned st = statuses[fz_take(s, N_STATUSES)], k = fz_take(s, 0), i, vias = 0;
	char body[512];
	const char *ctype = NULL;
	esip_str cm;
	bool invite, tagged;
	sb b = {out, cap, 0, false};

	esip_msg_init(&m, hdrs, 128);
	if (esip_msg_parse(&m, req->bytes, req->len, ESIP_PARSE_DATAGRAM, NULL) < 0 ||
	    m.kind != ESIP_MSG_REQUEST)
		return 0;
	from = esip_msg_hdr(&m, ESIP_HDR_FROM);
	to = esip_msg_hdr(&m, ESIP_HDR_TO);
	if (!from || !to)
		return 0;
	invite = m.method_id == ESIP_METHOD_INVITE;
	put(&b, "SIP/2.0 %u Fuzz\r\n", st);
	/* 8.2.6.2: every Via in order; sometimes the top one's branch is off
	 * (a stray response) */
	for (i = 0; i < m.nhdrs; i++) {
		if (hdrs[i].id != ESIP_HDR_VIA)
			continue;
		put(&b, "Via: %.*s%s\r\n", ESIP_STR_FMT(hdrs[i].value),
		    vias++ == 0 && (k & 7) == 7 ? "x" : "");
	}
	put(&b, "From: %.*s\r\n", ESIP_STR_FMT(from->value));
	tagged = m.to.tag.p != NULL;
	if (tagged && (k & 0x18) != 0x18)
		put(&b, "To: %.*s\r\n", ESIP_STR_FMT(to->value));
	else if (st == 100 || (k & 0x18) == 0x10)
		put(&b, "To: %.*s\r\n", ESIP_STR_FMT(to->value));
	else /* a tag of the peer's: pt0..pt3 make forks of one INVITE */
		put(&b, "To: <%.*s>;tag=pt%u\r\n", ESIP_STR_FMT(m.to.uri), (k >> 5) & 3);
	put(&b, "Call-ID: %.*s\r\n", ESIP_STR_FMT(m.call_id));
	cm = fz_take(s, 16) ? m.cseq_method : ESIP_STR("BYE");
	put(&b, "CSeq: %u %.*s\r\n", m.cseq, ESIP_STR_FMT(cm));
	if (st > 100 && st < 300 && (invite || fz_take(s, 4) == 0))
		contact(&b, s);
	if (invite && st > 100 && st < 300)
		record_route_set(&b, s);
	if (m.method_id == ESIP_METHOD_REFER && st < 300 && fz_take(s, 3) == 0)
		put(&b, "Refer-Sub: false\r\n");
	if (st >= 300 && st < 400)
		put(&b, "Contact: <sip:moved@127.0.0.1:5060>\r\n");
	if (invite && st > 100 && st < 300)
		body_of(s, body, sizeof body, &ctype);
	return finish(&b, ctype, ctype ? body : NULL);
}
