/*
 * fuzz_nameaddr.c - the header value parsers of addresses and lists.  The
 * first input byte chooses the parser, the rest is the header value:
 * parsed directly (copied to a buffer of its exact size), and, for the
 * list headers, inside a message whose header carries it, then iterated.
 *
 * Invariants: every view a parser returns lies inside its input; a
 * successful parse of a list element's URI can be compared with itself.
 */
#include <esip/parser.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bytes a parser was given: every view it returns lies inside. */
typedef struct span {
	const char *lo, *hi;
} span;

static void inside(span b, esip_str s)
{
	if (s.p)
		assert(s.p >= b.lo && s.p + s.len <= b.hi);
}

static void check_nameaddr(span b, const esip_nameaddr *na)
{
	esip_uri u;

	inside(b, na->display);
	inside(b, na->uri);
	inside(b, na->params);
	inside(b, na->tag);
	if (esip_uri_parse(na->uri, &u) == 0)
		assert(esip_uri_eq(&u, &u));
}

/* The value as the only instance of header `name` in a request. */
static void in_message(const char *name, const uint8_t *v, size_t n, int which)
{
	static const char head[] = "REGISTER sip:x.example.com SIP/2.0\r\n";
	size_t hl = strlen(head), nl = strlen(name), len = hl + nl + 2 + n + 4;
	char *m = malloc(len);
	esip_hdr hdrs[64];
	esip_msg msg;
	esip_list_iter it;
	esip_contact c;
	esip_nameaddr na;
	esip_media_range mr;
	esip_str t;
	uint32_t secs;
	unsigned q;
	int rc, guard = 0;
	span b;

	if (!m)
		return;
	memcpy(m, head, hl);
	memcpy(m + hl, name, nl);
	memcpy(m + hl + nl, ": ", 2);
	memcpy(m + hl + nl + 2, v, n);
	memcpy(m + hl + nl + 2 + n, "\r\n\r\n", 4);
	esip_msg_init(&msg, hdrs, 64);
	esip_msg_parse(&msg, m, len, ESIP_PARSE_DATAGRAM, NULL);
	if (!(msg.flags & ESIP_MSGF_FRAMED)) {
		free(m);
		return;
	}
	b.lo = m;
	b.hi = m + len;
	esip_list_iter_init(&it, &msg, esip_hdr_lookup(esip_str_cstr(name)));
	do {
		assert(guard++ < 100000); /* every call makes progress */
		switch (which) {
		case 0:
			rc = esip_contact_next(&it, &c);
			if (rc == 1 && !c.star) {
				check_nameaddr(b, &c.na);
				(void)esip_contact_expires(&c, &secs);
				if (esip_contact_q(&c, &q) == 0)
					assert(q <= 1000);
			}
			break;
		case 1:
			rc = esip_nameaddr_next(&it, &na);
			if (rc == 1)
				check_nameaddr(b, &na);
			break;
		case 2:
			rc = esip_token_next(&it, &t);
			if (rc == 1)
				inside(b, t);
			break;
		default:
			rc = esip_accept_next(&it, &mr);
			break;
		}
	} while (rc != 0);
	(void)esip_msg_expires(&msg, &secs);
	(void)esip_msg_has_token(&msg, ESIP_HDR_SUPPORTED, "replaces");
	(void)esip_msg_has_token(&msg, ESIP_HDR_ALLOW, "INVITE");
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	esip_nameaddr na;
	esip_event e;
	esip_substate st;
	esip_retry_after ra;
	esip_media_range mr;
	esip_str s;
	char *v;
	bool sub;
	span b;

	if (size < 1)
		return 0;
	v = malloc(size - 1 ? size - 1 : 1);
	if (!v)
		return 0;
	memcpy(v, data + 1, size - 1);
	s = esip_str_make(v, size - 1);
	b.lo = v;
	b.hi = v + s.len;
	switch (data[0] % 12) {
	case 0:
		if (esip_nameaddr_parse(s, &na) == 0)
			check_nameaddr(b, &na);
		break;
	case 1:
		in_message("Contact", data + 1, size - 1, 0);
		break;
	case 2:
		if (esip_refer_to_parse(s, &na) == 0)
			check_nameaddr(b, &na);
		break;
	case 3:
		if (esip_referred_by_parse(s, &na) == 0)
			check_nameaddr(b, &na);
		break;
	case 4:
		in_message(data[0] & 0x80 ? "Supported" : "Allow", data + 1, size - 1, 2);
		break;
	case 5:
		if (esip_event_parse(s, &e) == 0) {
			inside(b, e.package);
			inside(b, e.id);
			inside(b, e.params);
		}
		break;
	case 6:
		if (esip_substate_parse(s, &st) == 0) {
			inside(b, st.state);
			inside(b, st.reason);
			inside(b, st.params);
		}
		break;
	case 7:
		if (esip_retry_after_parse(s, &ra) == 0) {
			inside(b, ra.comment);
			inside(b, ra.params);
		}
		break;
	case 8:
		in_message("Accept", data + 1, size - 1, 3);
		if (esip_media_range_parse(s, &mr) == 0) {
			inside(b, mr.type);
			inside(b, mr.subtype);
			inside(b, mr.params);
		}
		break;
	case 9:
		in_message(data[0] & 0x80 ? "Record-Route" : "Route", data + 1, size - 1, 1);
		break;
	case 10:
		(void)esip_refer_sub_parse(s, &sub);
		break;
	default:
		in_message("Expires", data + 1, size - 1, 2);
		break;
	}
	free(v);
	return 0;
}
