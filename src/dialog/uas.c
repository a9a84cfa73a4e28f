/*
 * uas.c - requests outside any dialog (RFC 3261 8.2): validation
 * (8.2.1-8.2.3: 400, 405 with Allow, 415 with Accept, 416, 420 with
 * Unsupported, 501, 505), OPTIONS (11.2), a new INVITE (13.3: a call, or
 * 503 over max_dialogs, 482 for a merged request, 8.2.2.2), 481 for the
 * methods that need a dialog (12.2.2; RFC 6086 for INFO, RFC 6665 for
 * NOTIFY, RFC 3311 for UPDATE), and the stateless 400 for a framed
 * request that did not parse (with a Warning saying why, 20.43).
 */
#include "dialog_int.h"

#include <stdio.h>
#include <string.h>

/* What this UA handles (8.2.1: the others known get 405, the unknown
 * 501), understands (8.2.3) and supports (8.2.2.3: none yet). */
static const esip_method handled[] = {
	ESIP_METHOD_INVITE,  ESIP_METHOD_ACK,    ESIP_METHOD_BYE,   ESIP_METHOD_CANCEL,
	ESIP_METHOD_OPTIONS, ESIP_METHOD_UPDATE, ESIP_METHOD_INFO,  ESIP_METHOD_REFER,
	ESIP_METHOD_NOTIFY,
};
static const char *const content_types[] = {"application/sdp", "message/sipfrag"};
/* RFC 3891 6, RFC 4488 7.  Not tdialog (RFC 4538): its point is the
 * REFER sent outside a dialog, which this UA does not take (403); the
 * Target-Dialog of an INVITE is still read (INCOMING_CALL's other). */
static const char *const extensions[] = {"replaces", "norefersub"};
#define N_EXTENSIONS (sizeof extensions / sizeof extensions[0])
/* replaces_policy REJECT: Replaces unsupported ("Require: replaces" gets
 * 420, 8.2.2.3) */
static const char *const extensions_no_replaces[] = {"norefersub"};
#define N_EXTENSIONS_NO_REPLACES (sizeof extensions_no_replaces / sizeof extensions_no_replaces[0])

const esip_uas_caps esip__uas_caps = {extensions, N_EXTENSIONS, handled,
				      sizeof handled / sizeof handled[0], content_types, 2};

const esip_uas_caps *esip_ua_caps(void) { return &esip__uas_caps; }

static void put(esip_hdr_kv *h, size_t *n, const char *name, esip_str value)
{
	h[*n].name = name;
	h[*n].value = value;
	(*n)++;
}

static int respond(esip_ua *ua, esip_txn *txn, unsigned status, const char *reason,
		   esip_hdr_kv *extra, size_t n, uint64_t now)
{
	esip_response_spec spec;

	memset(&spec, 0, sizeof spec);
	spec.status = (uint16_t)status;
	spec.reason = esip_str_cstr(reason);
	spec.extra = extra;
	spec.n_extra = n;
	return esip_txn_respond(txn, &spec, now);
}

/* 8.2.1-8.2.3: the response validation names, with the header it wants. */
static bool refused(esip_ua *ua, esip_txn *txn, const esip_msg *m, const esip_uas_caps *caps,
		    uint64_t now)
{
	esip_validation v;
	esip_hdr_kv extra[4];
	char unsupported[512];
	size_t n, k, off = 0;

	esip_msg_validate_request(m, caps, &v);
	if (!v.status)
		return false;
	n = esip__ua_common_headers(ua, true, extra, 1);
	switch (v.status) {
	case 405: /* 8.2.1: "MUST generate an Allow header field" */
		put(extra, &n, "Allow", esip_str_cstr(esip__ua_allow));
		break;
	case 415: /* 8.2.3: what we accept */
		put(extra, &n, "Accept", esip_str_cstr(esip__ua_accept));
		break;
	case 420: /* 8.2.2.3: the Unsupported header lists the tags */
		for (k = 0; k < v.n_unsupported; k++) {
			int w = snprintf(unsupported + off, sizeof unsupported - off, "%s%.*s",
					 k ? ", " : "", ESIP_STR_FMT(v.unsupported[k]));
			if (w < 0 || (size_t)w >= sizeof unsupported - off)
				break;
			off += (size_t)w;
		}
		put(extra, &n, "Unsupported", esip_str_make(unsupported, off));
		break;
	}
	esip__ua_log(ua, ESIP_LOG_DEBUG, "%.*s refused with %u: %s", ESIP_STR_FMT(m->method),
		     v.status, v.detail ? v.detail : "");
	respond(ua, txn, v.status, v.reason, extra, n, now);
	return true;
}

static void options(esip_ua *ua, esip_txn *txn, uint64_t now)
{
	esip_hdr_kv extra[6];
	size_t n = esip__ua_common_headers(ua, true, extra, 1);

	/* 11.2: the capabilities, as a 200 to an INVITE would carry them */
	put(extra, &n, "Allow", esip_str_cstr(esip__ua_allow));
	put(extra, &n, "Accept", esip_str_cstr(esip__ua_accept));
	put(extra, &n, "Accept-Encoding", ESIP_STR("identity"));
	put(extra, &n, "Accept-Language", ESIP_STR("en"));
	put(extra, &n, "Supported", esip_str_cstr(esip__ua_supported_of(ua)));
	respond(ua, txn, 200, NULL, extra, n, now);
}

/* 21.5.4 / 20.33: over the limit, try again later. */
static void unavailable(esip_ua *ua, esip_txn *txn, uint64_t now)
{
	esip_hdr_kv extra[2];
	char secs[16];
	size_t n = esip__ua_common_headers(ua, true, extra, 1);

	snprintf(secs, sizeof secs, "%u", ua->cfg.retry_after_s);
	put(extra, &n, "Retry-After", esip_str_cstr(secs));
	respond(ua, txn, 503, NULL, extra, n, now);
}

/* 8.2.2.2: the same request (From tag, Call-ID, CSeq) arriving by another
 * path while the first is still being handled: 482 Loop Detected. */
static bool merged(esip_ua *ua, const esip_msg *m)
{
	const esip_call *c = esip__call_find_incoming(ua, m->call_id, m->from.tag);

	return c && c->ist && c->invite_cseq == m->cseq &&
	       (c->state == dlg_S_incoming || c->state == dlg_S_alerting);
}

static void invite(esip_ua *ua, esip_txn *txn, const esip_msg *m, const esip_rx_info *rx,
		   uint64_t now)
{
	char tag[24];
	esip_call *c;
	dlg_arg a;
	int n;

	if (ua->closing || ua->n_live >= ua->cfg.max_dialogs) {
		ua->stats.over_limit++;
		unavailable(ua, txn, now);
		return;
	}
	if (m->from.tag.p && merged(ua, m)) {
		respond(ua, txn, 482, NULL, NULL, 0, now);
		return;
	}
	/* RFC 3891: an INVITE that replaces a dialog of ours */
	if (esip__replaces_invite(ua, txn, m, rx, now))
		return;
	/* 12.1.1: our tag for the dialog, in every response but the 100 */
	n = esip_gen_tag(ua->rnd, tag, sizeof tag);
	if (n < 0) {
		respond(ua, txn, 500, NULL, NULL, 0, now);
		return;
	}
	c = esip__call_new(ua, ESIP_CALL_INCOMING_DIR, m->call_id, esip_str_make(tag, (size_t)n),
			   m->to.uri, m->from.uri, ESIP_STR(""));
	if (!c) {
		respond(ua, txn, 500, NULL, NULL, 0, now);
		return;
	}
	/* 8.1.1.8: an INVITE without a usable Contact cannot make a dialog */
	n = esip__dlg_from_request(c, m);
	if (n == 0)
		n = esip__call_link(c);
	if (n < 0) {
		respond(ua, txn, n == ESIP_ENOMEM ? 500 : 400,
			n == ESIP_ENOMEM ? NULL : "Bad Contact or Record-Route", NULL, 0, now);
		esip_call_unref(c);
		return;
	}
	c->tp = rx->tp;
	c->conn = rx->conn;
	c->ist = txn;
	esip_txn_set_owner(txn, c);
	memset(&a, 0, sizeof a);
	a.msg = m;
	a.rx = rx;
	a.txn = txn;
	esip__dlg_event(c, dlg_E_receive_invite, &a, now);
}

static const esip_method handled_reg[] = {
	ESIP_METHOD_INVITE,  ESIP_METHOD_ACK,    ESIP_METHOD_BYE,   ESIP_METHOD_CANCEL,
	ESIP_METHOD_OPTIONS, ESIP_METHOD_UPDATE, ESIP_METHOD_INFO,  ESIP_METHOD_REFER,
	ESIP_METHOD_NOTIFY,  ESIP_METHOD_REGISTER,
};
/* The same with REGISTER, for a UA that is a registrar too. */
static const esip_uas_caps caps_registrar = {extensions, N_EXTENSIONS, handled_reg,
					     sizeof handled_reg / sizeof handled_reg[0],
					     content_types, 2};
static const esip_uas_caps caps_no_replaces = {extensions_no_replaces, N_EXTENSIONS_NO_REPLACES, handled,
					       sizeof handled / sizeof handled[0],
					       content_types, 2};
static const esip_uas_caps caps_registrar_no_replaces = {
	extensions_no_replaces, N_EXTENSIONS_NO_REPLACES, handled_reg, sizeof handled_reg / sizeof handled_reg[0],
	content_types, 2};

static const esip_uas_caps *caps_of(const esip_ua *ua)
{
	bool replaces = ua->cfg.replaces_policy != ESIP_POLICY_REJECT;

	if (ua->registrar)
		return replaces ? &caps_registrar : &caps_registrar_no_replaces;
	return replaces ? &esip__uas_caps : &caps_no_replaces;
}

void esip__uas_request(esip_ua *ua, esip_txn *txn, const esip_msg *m, const esip_rx_info *rx,
		       uint64_t now)
{
	if (refused(ua, txn, m, caps_of(ua), now))
		return;
	switch (m->method_id) {
	case ESIP_METHOD_OPTIONS:
		options(ua, txn, now);
		break;
	case ESIP_METHOD_INVITE:
		ua->stats.invites++;
		invite(ua, txn, m, rx, now);
		break;
	case ESIP_METHOD_REGISTER:
		/* 10.3: only when configured as a registrar (else 405 above) */
		esip__registrar_request(ua, txn, m, now);
		break;
	case ESIP_METHOD_REFER:
		/* RFC 3515 allows a REFER outside a dialog (it makes its own);
		 * this UA takes transfers only from a peer it has a call with */
		respond(ua, txn, 403, "REFER outside a dialog not accepted", NULL, 0, now);
		break;
	default:
		/* 12.2.2 (BYE), RFC 6086 4.2.2 (INFO), RFC 3311 5.2 (UPDATE):
		 * these need a dialog, and a request without a To tag names
		 * none */
		respond(ua, txn, 481, NULL, NULL, 0, now);
		break;
	}
}

void esip__uas_bad_request(esip_ua *ua, const esip_msg *m, int rc, const esip_rx_info *rx)
{
	esip_validation v;
	esip_response_spec spec;
	esip_hdr_kv extra[4];
	char warning[256];
	size_t n;
	int w;

	/* never answer an ACK (17.1.1.3, 17.2.3) */
	if (m->method_id == ESIP_METHOD_ACK) {
		ua->stats.dropped++;
		return;
	}
	esip_msg_validate_request(m, &esip__uas_caps, &v);
	memset(&spec, 0, sizeof spec);
	spec.status = v.status ? v.status : 400;
	spec.reason = esip_str_cstr(v.status ? v.reason : "Bad Request");
	n = esip__ua_common_headers(ua, true, extra, 1);
	/* 20.43: warn-code 399 (miscellaneous), the parser's reason */
	w = snprintf(warning, sizeof warning, "399 esip \"%s at byte %zu\"",
		     m->err_reason ? m->err_reason : esip_strerror(rc), m->err_off);
	if (w > 0 && (size_t)w < sizeof warning)
		put(extra, &n, "Warning", esip_str_make(warning, (size_t)w));
	spec.extra = extra;
	spec.n_extra = n;
	if (esip_txl_respond_stateless(ua->txl, m, rx, &spec) < 0)
		ua->stats.dropped++;
}
