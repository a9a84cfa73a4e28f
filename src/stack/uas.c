/*
 * uas.c - the UA core's server side until dialogs exist (RFC 3261 8.2):
 * every request that becomes a transaction is validated (8.2.1-8.2.3,
 * esip_msg_validate_request) and answered with the response validation
 * names - 400, 405 with Allow, 415 with Accept, 416, 420 with
 * Unsupported, 501, 505 - or, for OPTIONS, 200 with the capabilities of
 * 11.2.  A request that did not parse but is framed gets its 400 (or 505)
 * statelessly, with a Warning saying what was wrong (20.43).
 */
#include "stack_int.h"

#include <stdio.h>
#include <string.h>

/* What the UA core handles today (Allow), understands (Accept) and
 * supports (Supported: no extension yet). */
static const esip_method handled[] = {ESIP_METHOD_OPTIONS};
static const char *const content_types[] = {"application/sdp"};
#define ALLOW "OPTIONS"
#define ACCEPT "application/sdp"

static const esip_uas_caps caps = {NULL, 0, handled, 1, content_types, 1};

size_t esip__uas_common_headers(esip_stack *s, esip_hdr_kv *out, size_t cap)
{
	if (!cap)
		return 0;
	/* 20.35: Server identifies the UAS software */
	out[0].name = "Server";
	out[0].value = esip_str_cstr(s->user_agent);
	return 1;
}

static void put(esip_hdr_kv *h, size_t *n, const char *name, esip_str value)
{
	h[*n].name = name;
	h[*n].value = value;
	(*n)++;
}

void esip__uas_request(esip_stack *s, esip_txn *txn, const esip_msg *m, const esip_rx_info *rx,
		       uint64_t now)
{
	esip_validation v;
	esip_response_spec spec;
	esip_hdr_kv extra[8];
	char unsupported[512];
	size_t n = 0, k, off = 0;
	int rc;

	memset(&spec, 0, sizeof spec);
	n = esip__uas_common_headers(s, extra, 8);
	esip_msg_validate_request(m, &caps, &v);
	if (v.status) {
		spec.status = v.status;
		spec.reason = esip_str_cstr(v.reason);
		switch (v.status) {
		case 405: /* 8.2.1: "MUST generate an Allow header field" */
			put(extra, &n, "Allow", ESIP_STR(ALLOW));
			break;
		case 415: /* 8.2.3: list what we accept */
			put(extra, &n, "Accept", ESIP_STR(ACCEPT));
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
		esip__stack_log(s, ESIP_LOG_DEBUG, "%.*s refused with %u: %s",
				ESIP_STR_FMT(m->method), v.status, v.detail ? v.detail : "");
	} else if (m->method_id == ESIP_METHOD_OPTIONS) {
		/* 11.2: the capabilities, as a 200 to an INVITE would carry */
		spec.status = 200;
		put(extra, &n, "Allow", ESIP_STR(ALLOW));
		put(extra, &n, "Accept", ESIP_STR(ACCEPT));
		put(extra, &n, "Accept-Encoding", ESIP_STR("identity"));
		put(extra, &n, "Accept-Language", ESIP_STR("en"));
		put(extra, &n, "Supported", ESIP_STR(""));
	} else {
		/* validation accepted a method the core does not handle */
		spec.status = 500;
	}
	spec.extra = extra;
	spec.n_extra = n;
	rc = esip_txn_respond(txn, &spec, now);
	if (rc < 0)
		esip__stack_log(s, ESIP_LOG_WARN, "cannot answer %.*s: %s", ESIP_STR_FMT(m->method),
				esip_strerror(rc));
}

void esip__uas_bad_request(esip_stack *s, const esip_msg *m, int rc, const esip_rx_info *rx)
{
	esip_validation v;
	esip_response_spec spec;
	esip_hdr_kv extra[4];
	char warning[256];
	size_t n;
	int w;

	/* never answer an ACK (17.1.1.3, 17.2.3) */
	if (m->method_id == ESIP_METHOD_ACK) {
		s->stats.dropped++;
		return;
	}
	esip_msg_validate_request(m, &caps, &v);
	memset(&spec, 0, sizeof spec);
	spec.status = v.status ? v.status : 400;
	spec.reason = esip_str_cstr(v.status ? v.reason : "Bad Request");
	n = esip__uas_common_headers(s, extra, 4);
	/* 20.43: warn-code 399 (miscellaneous), the parser's reason */
	w = snprintf(warning, sizeof warning, "399 esip \"%s at byte %zu\"",
		     m->err_reason ? m->err_reason : esip_strerror(rc), m->err_off);
	if (w > 0 && (size_t)w < sizeof warning)
		put(extra, &n, "Warning", esip_str_make(warning, (size_t)w));
	spec.extra = extra;
	spec.n_extra = n;
	if (esip_txl_respond_stateless(s->txl, m, rx, &spec) < 0)
		s->stats.dropped++;
}
