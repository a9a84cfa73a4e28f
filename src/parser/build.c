/*
 * build.c - the message builder: a request from a spec (RFC 3261 8.1.1)
 * and a response from the request it answers (RFC 3261 8.2.6).
 *
 * Everything is appended to an esip_buf, whose errors are sticky: the
 * builders write unconditionally and read the buffer's error once at the
 * end, and a fixed buffer that is too small never gets a byte past its
 * capacity.  The transaction layer builds one response per transaction,
 * so this is a hot path: no snprintf, an inline put for what fits,
 * literals with their length known at compile time, and one pass over
 * the request's headers per response.
 */
#include "parse_int.h"
#include "scan.h"

/* ---- output ---------------------------------------------------------- */

/*
 * The builders' put: inline while the bytes fit, which is nearly always
 * (a response is a few hundred bytes), so that literals become a few
 * moves; esip_buf_put otherwise, which grows a growable buffer or
 * records ESIP_ENOSPC without writing.  A failed buffer stays failed.
 */
static inline void put(esip_buf *b, const void *data, size_t n)
{
	if (n && !b->err && n <= b->cap - b->len) {
		memcpy(b->p + b->len, data, n);
		b->len += n;
		return;
	}
	esip_buf_put(b, data, n);
}

static inline void putc1(esip_buf *b, char c) { put(b, &c, 1); }
static inline void putstr(esip_buf *b, esip_str s) { put(b, s.p, s.len); }
#define PUT_LIT(b, lit) put((b), "" lit, sizeof(lit) - 1)
#define CRLF(b) PUT_LIT(b, "\r\n")

/* ---- shared pieces -------------------------------------------------- */

/*
 * A header value copied from a parsed message.  A folded value keeps its
 * CRLF + WSP (esip_hdr); each such run of LWS becomes one SP (RFC 3261
 * 7.3.1 makes them equivalent), so every copied header is one line.
 */
static void put_value(esip_buf *b, const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	if (p >= end)
		return;
	/* almost no value is folded, and libc's vectorised memchr proves it
	 * quicker than a scan for either byte */
	if (!memchr(p, '\n', n) && !memchr(p, '\r', n)) {
		put(b, p, n);
		return;
	}
	while (p < end) {
		const char *e = find_eol(p, end);
		put(b, p, (size_t)(e - p));
		if (e == end)
			return;
		p = skip_lws(e, end);
		putc1(b, ' ');
	}
}

/* "Name: " + copied value + CRLF.  name includes the ": ". */
static void put_copied(esip_buf *b, const char *name, size_t nlen, esip_str v)
{
	put(b, name, nlen);
	put_value(b, v.p, str_end(v));
	CRLF(b);
}
#define PUT_COPIED(b, lit, v) put_copied((b), "" lit ": ", sizeof(lit ": ") - 1, (v))

/*
 * display-name (RFC 3261 25.1) followed by its SP.  A value that starts
 * with '"' is the caller's quoted-string, written as is.  Anything else is
 * quoted here, so that spaces, commas and the like are safe: '"' and '\'
 * become quoted-pairs; CR and LF cannot be quoted-pairs and are dropped,
 * so a display name never ends the header line.
 */
static void put_display(esip_buf *b, esip_str d)
{
	const char *p, *run, *end;

	if (!d.len)
		return;
	if (d.p[0] == '"') {
		put(b, d.p, d.len);
		putc1(b, ' ');
		return;
	}
	putc1(b, '"');
	end = d.p + d.len;
	for (p = run = d.p; p < end; p++) {
		char c = *p;
		if (c != '"' && c != '\\' && c != '\r' && c != '\n')
			continue;
		put(b, run, (size_t)(p - run));
		if (c == '"' || c == '\\') {
			putc1(b, '\\');
			run = p; /* the character itself starts the next run */
		} else {
			run = p + 1;
		}
	}
	put(b, run, (size_t)(end - run));
	PUT_LIT(b, "\" ");
}

/*
 * Contact and Route values (parser.h "Addresses in the specs"): with a
 * '<' it is a name-addr written verbatim; otherwise a URI, put in < > so
 * that its parameters stay with the URI (RFC 3261 20.10).
 */
static void put_addr(esip_buf *b, esip_str a)
{
	if (a.len && memchr(a.p, '<', a.len)) {
		put(b, a.p, a.len);
		return;
	}
	putc1(b, '<');
	putstr(b, a);
	putc1(b, '>');
}

static void put_addr_hdr(esip_buf *b, const char *name, size_t nlen, esip_str a)
{
	put(b, name, nlen);
	put_addr(b, a);
	CRLF(b);
}
#define PUT_ADDR_HDR(b, lit, a) put_addr_hdr((b), "" lit ": ", sizeof(lit ": ") - 1, (a))

/*
 * What requests and responses end with: the extra headers in order, then
 * Content-Type when there is a body, Content-Length (always the real body
 * length, so a stream peer can frame the message, RFC 3261 18.3 / 20.14),
 * the empty line and the body.
 */
static void put_tail(esip_buf *b, const esip_hdr_kv *extra, size_t n_extra,
		     esip_str ctype, esip_str body)
{
	size_t i;

	for (i = 0; i < n_extra; i++) {
		if (!extra[i].name)
			continue;
		put(b, extra[i].name, strlen(extra[i].name));
		PUT_LIT(b, ": ");
		putstr(b, extra[i].value);
		CRLF(b);
	}
	if (body.len && ctype.len) {
		PUT_LIT(b, "Content-Type: ");
		put(b, ctype.p, ctype.len);
		CRLF(b);
	}
	PUT_LIT(b, "Content-Length: ");
	esip_buf_put_u32(b, (uint32_t)body.len);
	PUT_LIT(b, "\r\n\r\n");
	putstr(b, body);
}

/* ---- requests (RFC 3261 8.1.1) -------------------------------------- */

/*
 * Via (RFC 3261 8.1.1.7, 20.42): SIP/2.0/transport sent-by;branch.  An
 * IPv6 sent-by host is an IPv6reference, in brackets (RFC 3261 25.1,
 * RFC 5118 4.5); ";rport" asks for the source port (RFC 3581 3).
 */
static void put_request_via(esip_buf *b, const esip_request_spec *s)
{
	bool v6 = s->via_host.p[0] != '[' && memchr(s->via_host.p, ':', s->via_host.len);

	PUT_LIT(b, "Via: SIP/2.0/");
	if (s->via_transport.len)
		put(b, s->via_transport.p, s->via_transport.len);
	else
		PUT_LIT(b, "UDP");
	putc1(b, ' ');
	if (v6)
		putc1(b, '[');
	put(b, s->via_host.p, s->via_host.len);
	if (v6)
		putc1(b, ']');
	if (s->via_port) {
		putc1(b, ':');
		esip_buf_put_u32(b, s->via_port);
	}
	if (s->via_branch.len) {
		PUT_LIT(b, ";branch=");
		put(b, s->via_branch.p, s->via_branch.len);
	}
	if (s->via_rport)
		PUT_LIT(b, ";rport");
	CRLF(b);
}

/* From / To (RFC 3261 8.1.1.2, 8.1.1.3): always name-addr, so that a URI
 * with parameters is not mistaken for header parameters (20.10). */
static void put_party(esip_buf *b, const char *name, size_t nlen, esip_str display,
		      esip_str uri, esip_str tag)
{
	put(b, name, nlen);
	put_display(b, display);
	putc1(b, '<');
	put(b, uri.p, uri.len);
	putc1(b, '>');
	if (tag.len) {
		PUT_LIT(b, ";tag=");
		put(b, tag.p, tag.len);
	}
	CRLF(b);
}
#define PUT_PARTY(b, lit, d, u, t) put_party((b), "" lit ": ", sizeof(lit ": ") - 1, d, u, t)

static bool request_spec_ok(const esip_request_spec *s)
{
	/* the mandatory header fields of RFC 3261 8.1.1 need these */
	return s->method.len && s->ruri.len && s->via_host.len && s->from_uri.len &&
	       s->to_uri.len && s->call_id.len && s->max_forwards <= 255 &&
	       s->body.len <= UINT32_MAX;
}

int esip_build_request(esip_buf *b, const esip_request_spec *s)
{
	esip_str cseq_method = s->cseq_method.len ? s->cseq_method : s->method;
	size_t i;

	if (!request_spec_ok(s))
		return ESIP_EINVAL;
	/* Request-Line (RFC 3261 7.1) */
	put(b, s->method.p, s->method.len);
	putc1(b, ' ');
	put(b, s->ruri.p, s->ruri.len);
	PUT_LIT(b, " SIP/2.0\r\n");
	/* 7.3.1: what proxies read goes first */
	put_request_via(b, s);
	/* 8.1.1.6: Max-Forwards SHOULD start at 70 */
	PUT_LIT(b, "Max-Forwards: ");
	esip_buf_put_u32(b, s->max_forwards < 0 ? 70u : (uint32_t)s->max_forwards);
	CRLF(b);
	/* 8.1.2 / 12.2.1.1: the route set, in order */
	for (i = 0; i < s->n_routes; i++)
		PUT_ADDR_HDR(b, "Route", s->routes[i]);
	PUT_PARTY(b, "From", s->from_display, s->from_uri, s->from_tag);
	PUT_PARTY(b, "To", s->to_display, s->to_uri, s->to_tag);
	PUT_LIT(b, "Call-ID: ");
	put(b, s->call_id.p, s->call_id.len);
	/* 8.1.1.5: CSeq number and the method (ACK and CANCEL keep the
	 * INVITE's number but carry their own method, 17.1.1.3, 9.1) */
	PUT_LIT(b, "\r\nCSeq: ");
	esip_buf_put_u32(b, s->cseq);
	putc1(b, ' ');
	put(b, cseq_method.p, cseq_method.len);
	CRLF(b);
	if (s->contact.len)
		PUT_ADDR_HDR(b, "Contact", s->contact);
	put_tail(b, s->extra, s->n_extra, s->content_type, s->body);
	return b->err;
}

/* ---- responses (RFC 3261 8.2.6) ------------------------------------- */

/* The request's headers a response copies, found in one pass. */
typedef struct req_hdrs {
	const esip_hdr *from, *to, *call_id, *cseq, *timestamp;
	uint32_t rr_first; /* index of the first Record-Route, nhdrs if none */
} req_hdrs;

static bool has_stamp(const esip_response_spec *s)
{
	return s->via_received.len || s->via_rport_set;
}

/* Start of the "LWS ; LWS name..." segment whose name begins at name:
 * the ';' before it and the LWS before that (SEMI = SWS ";" SWS, RFC 3261
 * 25.1), so that dropping the segment leaves no stray white space. */
static const char *param_start(const char *from, const char *name)
{
	const char *p = name;

	while (p > from && p[-1] != ';')
		p--;
	if (p == from)
		return from;
	p--;
	while (p > from && cc((unsigned char)p[-1], CC_LWS))
		p--;
	return p;
}

/*
 * The top via-parm with the server transport's stamp (RFC 3261 18.2.1,
 * RFC 3581 4): without received params when the spec has a received
 * address (appended at the end), a bare rport filled in; everything else
 * as written, segment by segment.
 */
static void put_stamped_via(esip_buf *b, const esip_via *v, const esip_response_spec *s)
{
	const char *cur = v->raw.p, *end = str_end(v->raw);
	esip_param_iter it;
	esip_str n, val;

	esip_param_iter_init(&it, v->params);
	while (esip_param_next(&it, &n, &val) == 1) {
		const char *pend = val.p ? str_end(val) : n.p + n.len;
		if (s->via_received.len && STR_IEQ_ALPHA(n, "received")) {
			put_value(b, cur, param_start(cur, n.p));
			cur = pend;
		} else if (s->via_rport_set && !val.p && STR_IEQ_ALPHA(n, "rport")) {
			put_value(b, cur, pend);
			putc1(b, '=');
			esip_buf_put_u32(b, s->via_rport);
			cur = pend;
		}
	}
	put_value(b, cur, end);
	if (s->via_received.len) {
		PUT_LIT(b, ";received=");
		put(b, s->via_received.p, s->via_received.len);
	}
}

/* True if view x lies inside view v (the parser's top Via inside the
 * first Via line). */
static bool view_within(esip_str x, esip_str v)
{
	uintptr_t xp = (uintptr_t)x.p, vp = (uintptr_t)v.p;

	return x.p && v.p && xp >= vp && xp + x.len <= vp + v.len;
}

/* The top Via parsed (always so when the whole request did).  A request
 * answered with 400 may have a malformed one: it is copied unstamped. */
static bool top_via_ok(const esip_msg *req)
{
	esip_via v;

	return req->err == 0 || esip_via_parse(req->via.raw, &v) == 0;
}

/*
 * A Via line of the request (8.2.6.2: the same values in the same order).
 * The parser took the top value from the first Via line, so that is the
 * one stamped: its line is written as prefix, stamped value, the rest.
 */
static void put_via_line(esip_buf *b, const esip_msg *req, const esip_hdr *h, bool top,
			 const esip_response_spec *s)
{
	const esip_str v = h->value, raw = req->via.raw;

	if (!top || !has_stamp(s) || !view_within(raw, v) || !top_via_ok(req)) {
		PUT_COPIED(b, "Via", v);
		return;
	}
	PUT_LIT(b, "Via: ");
	put_value(b, v.p, raw.p);
	put_stamped_via(b, &req->via, s);
	put_value(b, str_end(raw), str_end(v));
	CRLF(b);
}

/* One pass over the request: writes the Via lines (they come first in the
 * response) and notes the other headers to copy.  The first of a repeated
 * single-instance header is used, as by the parser. */
static void put_vias_collect(esip_buf *b, const esip_msg *req, const esip_response_spec *s,
			     req_hdrs *rh)
{
	bool top = true;
	uint32_t i;

	memset(rh, 0, sizeof *rh);
	rh->rr_first = req->nhdrs;
	for (i = 0; i < req->nhdrs; i++) {
		const esip_hdr *h = &req->hdrs[i];
		switch (h->id) {
		case ESIP_HDR_VIA:
			put_via_line(b, req, h, top, s);
			top = false;
			break;
		case ESIP_HDR_FROM:
			if (!rh->from)
				rh->from = h;
			break;
		case ESIP_HDR_TO:
			if (!rh->to)
				rh->to = h;
			break;
		case ESIP_HDR_CALL_ID:
			if (!rh->call_id)
				rh->call_id = h;
			break;
		case ESIP_HDR_CSEQ:
			if (!rh->cseq)
				rh->cseq = h;
			break;
		case ESIP_HDR_TIMESTAMP:
			if (!rh->timestamp)
				rh->timestamp = h;
			break;
		case ESIP_HDR_RECORD_ROUTE:
			if (rh->rr_first == req->nhdrs)
				rh->rr_first = i;
			break;
		default:
			break;
		}
	}
}

/* 8.2.6.2: the UAS adds a To tag when the request had none, except in a
 * 100 (Trying), where one MAY be present: it creates no dialog. */
static void put_response_to(esip_buf *b, const esip_msg *req, const esip_hdr *to,
			    const esip_response_spec *s)
{
	PUT_LIT(b, "To: ");
	put_value(b, to->value.p, str_end(to->value));
	if (!req->to.tag.p && s->status > 100 && s->to_tag.len) {
		PUT_LIT(b, ";tag=");
		put(b, s->to_tag.p, s->to_tag.len);
	}
	CRLF(b);
}

/* 12.1.1: a response that can establish a dialog copies the Record-Route
 * values in order: 101-299 to INVITE (12.1: 2xx, and 101-199 with a To
 * tag), and to the other dialog-creating methods, SUBSCRIBE (RFC 6665
 * 4.1.2.1) and REFER (RFC 3515 2; its table lists Record-Route in 18x
 * and 2xx).  A 100 never creates a dialog. */
static bool copies_record_route(const esip_msg *req, uint16_t status)
{
	switch (req->method_id) {
	case ESIP_METHOD_INVITE:
	case ESIP_METHOD_SUBSCRIBE:
	case ESIP_METHOD_REFER:
		return status > 100 && status < 300;
	default:
		return false;
	}
}

static void put_record_routes(esip_buf *b, const esip_msg *req, uint32_t first)
{
	uint32_t i;

	for (i = first; i < req->nhdrs; i++)
		if (req->hdrs[i].id == ESIP_HDR_RECORD_ROUTE)
			PUT_COPIED(b, "Record-Route", req->hdrs[i].value);
}

/* Status-Line (RFC 3261 7.2): the code is three digits by the check in
 * esip_build_response. */
static void put_status_line(esip_buf *b, const esip_response_spec *s)
{
	char code[5] = {' ', (char)('0' + s->status / 100), (char)('0' + s->status / 10 % 10),
			(char)('0' + s->status % 10), ' '};

	PUT_LIT(b, "SIP/2.0");
	put(b, code, sizeof code);
	if (s->reason.p) {
		put(b, s->reason.p, s->reason.len);
	} else {
		const char *r = esip_reason_phrase(s->status);
		put(b, r, strlen(r));
	}
	CRLF(b);
}

int esip_build_response(esip_buf *b, const esip_msg *req, const esip_response_spec *s)
{
	req_hdrs rh;

	if (!req || req->kind != ESIP_MSG_REQUEST || s->status < 100 || s->status > 699 ||
	    s->body.len > UINT32_MAX)
		return ESIP_EINVAL;
	put_status_line(b, s);
	put_vias_collect(b, req, s, &rh);
	/* 8.2.6.2: From, Call-ID and CSeq equal the request's */
	if (rh.from)
		PUT_COPIED(b, "From", rh.from->value);
	if (rh.to)
		put_response_to(b, req, rh.to, s);
	if (rh.call_id)
		PUT_COPIED(b, "Call-ID", rh.call_id->value);
	if (rh.cseq)
		PUT_COPIED(b, "CSeq", rh.cseq->value);
	if (copies_record_route(req, s->status))
		put_record_routes(b, req, rh.rr_first);
	/* 8.2.6.1: a Timestamp is copied into the 100 (Trying) */
	if (s->status == 100 && rh.timestamp)
		PUT_COPIED(b, "Timestamp", rh.timestamp->value);
	if (s->contact.len)
		PUT_ADDR_HDR(b, "Contact", s->contact);
	put_tail(b, s->extra, s->n_extra, s->content_type, s->body);
	return b->err;
}
