/*
 * test_build.c - the message builder, reason phrases and generators.
 *
 * Requests are built from specs and parsed back (datagram and stream),
 * field by field.  Responses are built from requests parsed from real
 * bytes (written here, and the RFC 4475 torture requests) and parsed back:
 * Via values in order, the To tag rule, Record-Route, Timestamp, the Via
 * stamp of the server transport, reason phrases, bodies.  Fixed buffers of
 * every size short of the need end at a guard page; a growable buffer
 * fails every allocation in turn.  Parsed inputs end at guard pages too.
 */
#include "ptest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXMSG 65536

/* ---- helpers --------------------------------------------------------- */

/* s as a view (NULL: absent). */
static esip_str S(const char *s) { return esip_str_cstr(s); }

/* A growable buffer with the default allocator. */
static void dyn(esip_buf *b)
{
	ck_assert_int_eq(esip_buf_init_dyn(b, NULL, 0, MAXMSG), 0);
}

/* Parses a message the builder wrote; it must parse whole. */
static void parse_out(parsed *p, const esip_buf *b, unsigned flags)
{
	int rc = parse_guarded(p, b->p, b->len, flags);

	ck_assert_msg(rc == (int)b->len, "built message does not parse (%s at %zu):\n%.*s",
		      esip_errname(rc), p->m.err_off, (int)b->len, b->p);
}

/* A request written here, parsed from a guard-page copy. */
static void req_from(parsed *p, const char *text)
{
	ck_assert_int_gt(parse_str(p, text), 0);
	ck_assert_uint_eq(p->m.kind, ESIP_MSG_REQUEST);
}

/* Builds the response to req->m into b (growable) and parses it into out. */
static void respond(parsed *out, esip_buf *b, const parsed *req, const esip_response_spec *s)
{
	dyn(b);
	ck_assert_int_eq(esip_build_response(b, &req->m, s), 0);
	parse_out(out, b, ESIP_PARSE_DATAGRAM);
	ck_assert_uint_eq(out->m.kind, ESIP_MSG_RESPONSE);
	ck_assert_uint_eq(out->m.status, s->status);
}

/* The n-th (0-based) value of list header id, or the absent view. */
static esip_str nth_value(const esip_msg *m, esip_hdr_id id, int n)
{
	esip_list_iter it;
	esip_str v;

	esip_list_iter_init(&it, m, id);
	while (esip_list_next(&it, &v) == 1)
		if (n-- == 0)
			return v;
	return ESIP_STR_NULL;
}

static unsigned count_values(const esip_msg *m, esip_hdr_id id)
{
	esip_list_iter it;
	esip_str v;
	unsigned n = 0;

	esip_list_iter_init(&it, m, id);
	while (esip_list_next(&it, &v) == 1)
		n++;
	return n;
}

/* The value of the first header id, which must exist. */
static esip_str hval(const esip_msg *m, esip_hdr_id id)
{
	const esip_hdr *h = esip_msg_hdr(m, id);

	ck_assert_msg(h != NULL, "no %s header", esip_hdr_name(id));
	return h->value;
}

static bool has_text(const esip_buf *b, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= b->len; i++)
		if (!memcmp(b->p + i, needle, n))
			return true;
	return false;
}

/*
 * Writable memory of exactly cap bytes followed by a PROT_NONE page, so
 * that a write past the capacity crashes the test (fork mode contains it).
 */
typedef struct wguard {
	void *map;
	size_t maplen;
	char *mem;
} wguard;

static char *wguard_alloc(wguard *g, size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (cap + page - 1) / page + 1;
	char *base;

	g->maplen = (pages + 1) * page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->map, MAP_FAILED);
	base = g->map;
	ck_assert_int_eq(mprotect(base + pages * page, page, PROT_NONE), 0);
	g->mem = base + pages * page - cap;
	return g->mem;
}

static void wguard_free(wguard *g) { munmap(g->map, g->maplen); }

/* ---- requests ---------------------------------------------------------- */

static const esip_str routes3[] = {
	ESIP_STR("sip:p1.example.com;lr"),
	ESIP_STR("<sip:p2.example.com;lr>;foo=1"),
	ESIP_STR("\"Edge\" <sip:p3.example.com;lr>"),
};
static const esip_hdr_kv extra2[] = {
	{"Supported", ESIP_STR("replaces, timer")},
	{"X-Custom", ESIP_STR("a;b=\"c, d\"")},
};
#define SDP "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"

/* Every field set. */
static esip_request_spec full_spec(void)
{
	esip_request_spec s;

	memset(&s, 0, sizeof s);
	s.method = S("INVITE");
	s.ruri = S("sip:bob@biloxi.example.com;transport=tcp");
	s.via_transport = S("TCP");
	s.via_host = S("pc33.atlanta.example.com");
	s.via_port = 5062;
	s.via_branch = S("z9hG4bK776asdhds");
	s.via_rport = true;
	s.from_display = S("Alice Liddell");
	s.from_uri = S("sip:alice@atlanta.example.com");
	s.from_tag = S("1928301774");
	s.to_display = S("Bob");
	s.to_uri = S("sip:bob@biloxi.example.com");
	s.call_id = S("a84b4c76e66710@pc33.atlanta.example.com");
	s.cseq = 314159;
	s.max_forwards = 42;
	s.contact = S("sip:alice@192.0.2.1:5062;transport=tcp");
	s.routes = routes3;
	s.n_routes = 3;
	s.extra = extra2;
	s.n_extra = 2;
	s.content_type = S("application/sdp");
	s.body = S(SDP);
	return s;
}

static void check_full_request(const esip_msg *m)
{
	esip_nameaddr na;
	esip_list_iter it;
	esip_contact c;
	const esip_hdr *h;

	ck_assert(str_is(m->method, "INVITE"));
	ck_assert_uint_eq(m->method_id, ESIP_METHOD_INVITE);
	ck_assert(str_is(m->ruri_raw, "sip:bob@biloxi.example.com;transport=tcp"));
	ck_assert(str_is(m->version, "SIP/2.0"));
	ck_assert_uint_eq(m->via_count, 1);
	ck_assert(str_is(m->via.transport, "TCP"));
	ck_assert(str_is(m->via.host, "pc33.atlanta.example.com"));
	ck_assert_uint_eq(m->via.port, 5062);
	ck_assert(str_is(m->via.branch, "z9hG4bK776asdhds"));
	ck_assert(esip_via_branch_is_rfc3261(&m->via));
	ck_assert(m->via.rport.p && m->via.rport.len == 0); /* bare ;rport */
	ck_assert(str_is(m->from.display, "\"Alice Liddell\""));
	ck_assert(str_is(m->from.uri, "sip:alice@atlanta.example.com"));
	ck_assert(str_is(m->from.tag, "1928301774"));
	ck_assert(str_is(m->to.display, "\"Bob\""));
	ck_assert(str_is(m->to.uri, "sip:bob@biloxi.example.com"));
	ck_assert(str_is(m->to.tag, NULL));
	ck_assert(str_is(m->call_id, "a84b4c76e66710@pc33.atlanta.example.com"));
	ck_assert_uint_eq(m->cseq, 314159);
	ck_assert(str_is(m->cseq_method, "INVITE"));
	ck_assert_int_eq(m->max_forwards, 42);
	ck_assert_int_eq(m->content_length, (int64_t)strlen(SDP));
	ck_assert(str_is(m->body, SDP));
	ck_assert(str_is(m->content_type, "application/sdp"));
	/* a URI contact goes in <>, so its parameters stay with the URI */
	esip_list_iter_init(&it, m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(str_is(c.na.uri, "sip:alice@192.0.2.1:5062;transport=tcp"));
	ck_assert(str_is(c.na.params, NULL));
	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	/* the route set in order; verbatim name-addrs keep their params */
	esip_list_iter_init(&it, m, ESIP_HDR_ROUTE);
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 1);
	ck_assert(str_is(na.uri, "sip:p1.example.com;lr"));
	ck_assert(str_is(na.params, NULL));
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 1);
	ck_assert(str_is(na.uri, "sip:p2.example.com;lr"));
	ck_assert(str_is(na.params, "foo=1"));
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 1);
	ck_assert(str_is(na.display, "\"Edge\""));
	ck_assert(str_is(na.uri, "sip:p3.example.com;lr"));
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 0);
	ck_assert_uint_eq(esip_msg_hdr_count(m, ESIP_HDR_ROUTE), 3);
	/* extra headers verbatim, in order, after the builder's own */
	h = esip_msg_hdr(m, ESIP_HDR_SUPPORTED);
	ck_assert_ptr_nonnull(h);
	ck_assert(str_is(h->name, "Supported"));
	ck_assert(str_is(h->value, "replaces, timer"));
	h = esip_msg_hdr_by_name(m, ESIP_STR("X-Custom"));
	ck_assert_ptr_nonnull(h);
	ck_assert(str_is(h->value, "a;b=\"c, d\""));
	ck_assert(esip_msg_hdr(m, ESIP_HDR_SUPPORTED) < h);
	/* and the whole request is acceptable to a UAS */
	{
		esip_validation v;
		ck_assert_int_eq(esip_msg_validate_request(m, NULL, &v), 0);
	}
}

START_TEST(request_fields_roundtrip)
{
	esip_request_spec s = full_spec();
	esip_buf b;
	parsed p;

	dyn(&b);
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	check_full_request(&p.m);
	done(&p);
	/* a stream peer frames it by its Content-Length (RFC 3261 18.3) */
	parse_out(&p, &b, ESIP_PARSE_STREAM);
	check_full_request(&p.m);
	ck_assert(!(p.m.flags & ESIP_MSGF_NO_CLEN));
	done(&p);
	esip_buf_free(&b);
}
END_TEST

START_TEST(request_defaults_and_options)
{
	esip_request_spec s = full_spec();
	esip_buf b;
	parsed p;

	/* Max-Forwards < 0 is 70 (RFC 3261 8.1.1.6); no port, no branch, no
	 * rport, default transport; no body: Content-Length 0 and no
	 * Content-Type even though one is given; no tags, no contact */
	s.method = S("ACK");
	s.cseq_method = ESIP_STR_NULL;
	s.max_forwards = -1;
	s.via_transport = ESIP_STR_NULL;
	s.via_port = 0;
	s.via_branch = ESIP_STR_NULL;
	s.via_rport = false;
	s.from_display = ESIP_STR_NULL;
	s.from_tag = ESIP_STR_NULL;
	s.to_display = ESIP_STR_NULL;
	s.contact = ESIP_STR_NULL;
	s.n_routes = 0;
	s.n_extra = 0;
	s.body = ESIP_STR_NULL;
	dyn(&b);
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	parse_out(&p, &b, ESIP_PARSE_STREAM);
	ck_assert_int_eq(p.m.max_forwards, 70);
	ck_assert(str_is(p.m.cseq_method, "ACK"));
	ck_assert(str_is(p.m.via.transport, "UDP"));
	ck_assert_uint_eq(p.m.via.port, 0);
	ck_assert(str_is(p.m.via.branch, NULL));
	ck_assert(str_is(p.m.via.rport, NULL));
	ck_assert(str_is(p.m.from.display, NULL));
	ck_assert(str_is(p.m.from.tag, NULL));
	ck_assert(p.m.from.angle);
	ck_assert_int_eq(p.m.content_length, 0);
	ck_assert_uint_eq(p.m.body.len, 0);
	ck_assert(str_is(p.m.content_type, NULL));
	ck_assert_ptr_null(esip_msg_hdr(&p.m, ESIP_HDR_CONTACT));
	ck_assert_ptr_null(esip_msg_hdr(&p.m, ESIP_HDR_ROUTE));
	done(&p);

	/* CANCEL/ACK style: an explicit CSeq method; Max-Forwards 0 is kept
	 * (an OPTIONS to the next hop only, RFC 3261 11) */
	esip_buf_reset(&b);
	s.method = S("OPTIONS");
	s.cseq_method = S("OPTIONS");
	s.max_forwards = 0;
	s.cseq = 0;
	s.to_tag = S("tt1");
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	ck_assert_int_eq(p.m.max_forwards, 0);
	ck_assert_uint_eq(p.m.cseq, 0);
	ck_assert(str_is(p.m.to.tag, "tt1"));
	done(&p);

	/* empty means none: no ";tag=", ";branch=" or "<>" that would not
	 * parse (tag and branch are tokens, RFC 3261 25.1) */
	esip_buf_reset(&b);
	s.from_tag = S("");
	s.to_tag = S("");
	s.via_branch = S("");
	s.contact = S("");
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	ck_assert(!has_text(&b, "tag="));
	ck_assert(!has_text(&b, "branch="));
	ck_assert(!has_text(&b, "<>"));
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	done(&p);

	esip_buf_reset(&b);
	s.method = S("CANCEL");
	s.cseq_method = S("CANCEL");
	s.cseq = UINT32_MAX;
	s.max_forwards = 255;
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	ck_assert_uint_eq(p.m.cseq, UINT32_MAX);
	ck_assert_int_eq(p.m.max_forwards, 255);
	done(&p);
	esip_buf_free(&b);
}
END_TEST

START_TEST(request_ipv6_via)
{
	esip_request_spec s = full_spec();
	esip_buf b;
	parsed p;

	/* RFC 5118 4.5: an IPv6 sent-by is written as a reference */
	s.via_host = S("2001:db8::10");
	s.via_port = 5070;
	dyn(&b);
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	ck_assert(has_text(&b, "Via: SIP/2.0/TCP [2001:db8::10]:5070;branch="));
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	ck_assert(str_is(p.m.via.host, "2001:db8::10"));
	ck_assert_uint_eq(p.m.via.host_type, ESIP_HOST_IPV6);
	ck_assert_uint_eq(p.m.via.port, 5070);
	done(&p);
	/* already bracketed, no port: not bracketed twice */
	esip_buf_reset(&b);
	s.via_host = S("[2001:db8::11]");
	s.via_port = 0;
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	ck_assert(has_text(&b, "Via: SIP/2.0/TCP [2001:db8::11];branch="));
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	ck_assert(str_is(p.m.via.host, "2001:db8::11"));
	ck_assert_uint_eq(p.m.via.port, 0);
	done(&p);
	/* IPv4 stays bare */
	esip_buf_reset(&b);
	s.via_host = S("192.0.2.4");
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	ck_assert(str_is(p.m.via.host, "192.0.2.4"));
	ck_assert_uint_eq(p.m.via.host_type, ESIP_HOST_IPV4);
	done(&p);
	esip_buf_free(&b);
}
END_TEST

START_TEST(request_display_names)
{
	esip_request_spec s = full_spec();
	esip_buf b;
	parsed p;

	/* quoted here with quoted-pairs; CR/LF dropped so the line stays one */
	s.from_display = S("Al \"Big\" \\o/\r\nX-Injected: 1");
	/* a quoted-string the caller wrote is taken as is */
	s.to_display = S("\"B\\\"ob\"");
	dyn(&b);
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	ck_assert(str_is(p.m.from.display, "\"Al \\\"Big\\\" \\\\o/X-Injected: 1\""));
	ck_assert(esip_str_quoted_eq(p.m.from.display, S("\"Al \\\"Big\\\" \\\\o/X-Injected: 1\""),
				     false));
	ck_assert_ptr_null(esip_msg_hdr_by_name(&p.m, ESIP_STR("X-Injected")));
	ck_assert(str_is(p.m.to.display, "\"B\\\"ob\""));
	ck_assert(str_is(p.m.from.tag, "1928301774"));
	done(&p);
	esip_buf_free(&b);
}
END_TEST

START_TEST(request_contact_forms)
{
	static const esip_str routes[] = {ESIP_STR("<sip:p1@x;lr>;foo=1")};
	esip_request_spec s = full_spec();
	esip_list_iter it;
	esip_contact c;
	esip_nameaddr na;
	esip_buf b;
	parsed p;
	uint32_t secs;

	/* parser.h: a value with '<' is a name-addr written verbatim */
	s.contact = S("\"Bob\" <sip:b@h>;expires=60");
	s.routes = routes;
	s.n_routes = 1;
	dyn(&b);
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	ck_assert(has_text(&b, "\r\nContact: \"Bob\" <sip:b@h>;expires=60\r\n"));
	ck_assert(has_text(&b, "\r\nRoute: <sip:p1@x;lr>;foo=1\r\n"));
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(str_is(c.na.display, "\"Bob\""));
	ck_assert(str_is(c.na.uri, "sip:b@h"));
	ck_assert_int_eq(esip_contact_expires(&c, &secs), 0);
	ck_assert_uint_eq(secs, 60);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_ROUTE);
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 1);
	ck_assert(str_is(na.uri, "sip:p1@x;lr"));
	ck_assert(str_is(na.params, "foo=1"));
	done(&p);
	esip_buf_free(&b);
}
END_TEST

START_TEST(request_invalid_spec)
{
	esip_request_spec s;
	esip_buf b;
	char mem[4096];

	esip_buf_init_fixed(&b, mem, sizeof mem);
#define BAD(field, value)                                                  \
	do {                                                               \
		s = full_spec();                                           \
		s.field = value;                                           \
		ck_assert_int_eq(esip_build_request(&b, &s), ESIP_EINVAL); \
		ck_assert_uint_eq(b.len, 0);                               \
	} while (0)
	BAD(method, ESIP_STR_NULL);
	BAD(method, ESIP_STR(""));
	BAD(ruri, ESIP_STR_NULL);
	BAD(via_host, ESIP_STR_NULL);
	BAD(from_uri, ESIP_STR_NULL);
	BAD(to_uri, ESIP_STR_NULL);
	BAD(call_id, ESIP_STR_NULL);
	BAD(max_forwards, 256);
#undef BAD
	/* errors are sticky: a buffer that failed before stays failed */
	s = full_spec();
	b.err = ESIP_ENOSPC;
	ck_assert_int_eq(esip_build_request(&b, &s), ESIP_ENOSPC);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* ---- responses --------------------------------------------------------- */

#define OPTIONS_REQ                                                         \
	"OPTIONS sip:bob@example.com SIP/2.0\r\n"                           \
	"Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bKopt1;rport\r\n" \
	"Max-Forwards: 70\r\n"                                              \
	"To: <sip:bob@example.com>\r\n"                                     \
	"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"        \
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"                      \
	"CSeq: 63104 OPTIONS\r\n"                                           \
	"Contact: <sip:alice@pc33.example.com>\r\n"                         \
	"Accept: application/sdp\r\n"                                       \
	"Content-Length: 0\r\n\r\n"

/* Three Via values over two lines (one comma-separated, one compact and
 * folded), two Record-Route lines with three values, a Timestamp. */
#define INVITE_REQ                                                          \
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"                     \
	"Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2 , SIP/2.0/TCP "   \
	"p1.example.com:5061;branch=z9hG4bKp1\r\n"                          \
	"v: SIP/2.0/UDP pc33.atlanta.example.com\r\n"                       \
	"   ;branch=z9hG4bKuac;received=192.0.2.1\r\n"                      \
	"Record-Route: <sip:p2.example.com;lr>\r\n"                         \
	"Max-Forwards: 68\r\n"                                              \
	"Record-Route: <sip:p1a.example.com;lr>, <sip:p1b.example.com;lr>;x=1\r\n" \
	"To: Bob <sip:bob@biloxi.example.com>\r\n"                          \
	"From: Alice\r\n <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" \
	"Call-ID: 3848276298220188511@atlanta.example.com\r\n"              \
	"CSeq: 2 INVITE\r\n"                                                \
	"Timestamp: 54.3 0.5\r\n"                                           \
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"                 \
	"Content-Type: application/sdp\r\n"                                 \
	"Content-Length: 4\r\n\r\nv=0\n"

static esip_response_spec rspec(uint16_t status)
{
	esip_response_spec s;

	memset(&s, 0, sizeof s);
	s.status = status;
	s.to_tag = S("as83kd9bs");
	return s;
}

/* The key fields a response copies from its request (RFC 3261 8.2.6.2). */
static void check_copied(const esip_msg *req, const esip_msg *rsp)
{
	esip_list_iter a, b;
	esip_via va, vb;
	int ra, rb;

	ck_assert(esip_str_eq(req->call_id, rsp->call_id));
	ck_assert_uint_eq(req->cseq, rsp->cseq);
	ck_assert(esip_str_eq(req->cseq_method, rsp->cseq_method));
	ck_assert(esip_str_eq(req->from.uri, rsp->from.uri));
	ck_assert(esip_str_eq(req->from.tag, rsp->from.tag));
	ck_assert(esip_str_eq(req->to.uri, rsp->to.uri));
	ck_assert_uint_eq(req->via_count, rsp->via_count);
	esip_list_iter_init(&a, req, ESIP_HDR_VIA);
	esip_list_iter_init(&b, rsp, ESIP_HDR_VIA);
	for (;;) {
		ra = esip_via_next(&a, &va);
		rb = esip_via_next(&b, &vb);
		ck_assert_int_eq(ra, rb);
		if (ra != 1)
			break;
		ck_assert(esip_str_eq(va.transport, vb.transport));
		ck_assert(esip_str_eq(va.host, vb.host));
		ck_assert_uint_eq(va.port, vb.port);
		ck_assert(esip_str_eq(va.branch, vb.branch));
	}
}

START_TEST(response_options_200)
{
	esip_response_spec s = rspec(200);
	esip_buf b;
	parsed q, r;

	req_from(&q, OPTIONS_REQ);
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.reason, "OK"));
	ck_assert(str_is(r.m.version, "SIP/2.0"));
	check_copied(&q.m, &r.m);
	ck_assert(str_is(r.m.to.tag, "as83kd9bs"));
	ck_assert(str_is(r.m.from.display, "\"Alice\""));
	ck_assert(str_is(hval(&r.m, ESIP_HDR_CSEQ), "63104 OPTIONS"));
	ck_assert_int_eq(r.m.content_length, 0);
	ck_assert_uint_eq(r.m.body.len, 0);
	/* nothing the request had that a response must not carry */
	ck_assert_ptr_null(esip_msg_hdr(&r.m, ESIP_HDR_CONTACT));
	ck_assert_ptr_null(esip_msg_hdr(&r.m, ESIP_HDR_MAX_FORWARDS));
	ck_assert_ptr_null(esip_msg_hdr(&r.m, ESIP_HDR_ACCEPT));
	ck_assert(!esip_msg_response_must_drop(&r.m));
	/* the exact bytes, once */
	ck_assert_int_eq((int)b.len, (int)strlen("SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bKopt1;rport\r\n"
		"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
		"To: <sip:bob@example.com>;tag=as83kd9bs\r\n"
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
		"CSeq: 63104 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n"));
	ck_assert(!memcmp(b.p, "SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bKopt1;rport\r\n"
		"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
		"To: <sip:bob@example.com>;tag=as83kd9bs\r\n"
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
		"CSeq: 63104 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n", b.len));
	done(&r);
	done(&q);
	esip_buf_free(&b);
}
END_TEST

START_TEST(response_via_order)
{
	esip_response_spec s = rspec(180);
	esip_buf b;
	parsed q, r;

	req_from(&q, INVITE_REQ);
	ck_assert_uint_eq(q.m.via_count, 3);
	respond(&r, &b, &q, &s);
	check_copied(&q.m, &r.m);
	/* 8.2.6.2: same values, same order; the comma-separated line stays
	 * one line and the folded one is unfolded */
	ck_assert_uint_eq(esip_msg_hdr_count(&r.m, ESIP_HDR_VIA), 2);
	ck_assert(str_is(nth_value(&r.m, ESIP_HDR_VIA, 0), "SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2"));
	ck_assert(str_is(nth_value(&r.m, ESIP_HDR_VIA, 1),
			 "SIP/2.0/TCP p1.example.com:5061;branch=z9hG4bKp1"));
	ck_assert(str_is(nth_value(&r.m, ESIP_HDR_VIA, 2),
			 "SIP/2.0/UDP pc33.atlanta.example.com ;branch=z9hG4bKuac;received=192.0.2.1"));
	ck_assert(str_is(r.m.via.branch, "z9hG4bKp2"));
	/* the folded From is unfolded and still the same address */
	ck_assert(str_is(hval(&r.m, ESIP_HDR_FROM),
			 "Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl"));
	ck_assert(str_is(r.m.from.display, "Alice"));
	ck_assert(!has_text(&b, "\r\n "));
	done(&r);
	done(&q);
	esip_buf_free(&b);
}
END_TEST

START_TEST(response_to_tag_rule)
{
	static const uint16_t with_tag[] = {101, 180, 183, 200, 202, 302, 404, 486, 503, 603};
	esip_response_spec s;
	esip_buf b;
	parsed q, r;
	size_t i;

	req_from(&q, INVITE_REQ);
	/* 8.2.6.2: a tag when the request had none ... */
	for (i = 0; i < sizeof with_tag / sizeof with_tag[0]; i++) {
		s = rspec(with_tag[i]);
		respond(&r, &b, &q, &s);
		ck_assert(str_is(r.m.to.tag, "as83kd9bs"));
		ck_assert(str_is(r.m.to.display, "Bob"));
		done(&r);
		esip_buf_free(&b);
	}
	/* ... but never in a 100 (Trying) */
	s = rspec(100);
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.to.tag, NULL));
	ck_assert(str_is(hval(&r.m, ESIP_HDR_TO), "Bob <sip:bob@biloxi.example.com>"));
	done(&r);
	esip_buf_free(&b);
	/* no tag given: none added (the caller's choice) */
	s = rspec(200);
	s.to_tag = ESIP_STR_NULL;
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.to.tag, NULL));
	done(&r);
	esip_buf_free(&b);
	done(&q);

	/* a request inside a dialog keeps its To tag, no second one */
	req_from(&q, "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		     "To: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		     "Call-ID: a84b4c76e66710\r\nCSeq: 231 BYE\r\n"
		     "Content-Length: 0\r\n\r\n");
	s = rspec(200);
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.to.tag, "1928301774"));
	ck_assert(str_is(hval(&r.m, ESIP_HDR_TO),
			 "Alice <sip:alice@atlanta.example.com>;tag=1928301774"));
	check_copied(&q.m, &r.m);
	done(&r);
	esip_buf_free(&b);
	done(&q);
}
END_TEST

/* Record-Route values of a response, in order, must be the request's. */
static void check_rr(const esip_msg *rsp, bool present)
{
	if (!present) {
		ck_assert_ptr_null(esip_msg_hdr(rsp, ESIP_HDR_RECORD_ROUTE));
		return;
	}
	ck_assert_uint_eq(count_values(rsp, ESIP_HDR_RECORD_ROUTE), 3);
	ck_assert_uint_eq(esip_msg_hdr_count(rsp, ESIP_HDR_RECORD_ROUTE), 2);
	ck_assert(str_is(nth_value(rsp, ESIP_HDR_RECORD_ROUTE, 0), "<sip:p2.example.com;lr>"));
	ck_assert(str_is(nth_value(rsp, ESIP_HDR_RECORD_ROUTE, 1), "<sip:p1a.example.com;lr>"));
	ck_assert(str_is(nth_value(rsp, ESIP_HDR_RECORD_ROUTE, 2),
			 "<sip:p1b.example.com;lr>;x=1"));
}

START_TEST(response_record_route)
{
	static const struct {
		uint16_t status;
		bool rr;
	} cases[] = {{100, false}, {180, true}, {183, true}, {200, true}, {299, true},
		     {300, false}, {486, false}, {603, false}};
	esip_response_spec s;
	esip_buf b;
	parsed q, r;
	size_t i;

	/* 12.1.1: responses that can establish a dialog copy them */
	req_from(&q, INVITE_REQ);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = rspec(cases[i].status);
		respond(&r, &b, &q, &s);
		check_rr(&r.m, cases[i].rr);
		done(&r);
		esip_buf_free(&b);
	}
	done(&q);

	/* not for OPTIONS, which creates no dialog; SUBSCRIBE does
	 * (RFC 6665 4.1.2.1) */
	{
		static const char *const methods[] = {"OPTIONS", "MESSAGE", "SUBSCRIBE"};
		char text[2048];
		for (i = 0; i < 3; i++) {
			snprintf(text, sizeof text,
				 "%s sip:bob@biloxi.example.com SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2\r\n"
				 "Record-Route: <sip:p2.example.com;lr>\r\n"
				 "Record-Route: <sip:p1a.example.com;lr>, "
				 "<sip:p1b.example.com;lr>;x=1\r\n"
				 "To: <sip:bob@biloxi.example.com>\r\n"
				 "From: <sip:alice@atlanta.example.com>;tag=1\r\n"
				 "Call-ID: rr1\r\nCSeq: 1 %s\r\nEvent: dialog\r\n"
				 "Content-Length: 0\r\n\r\n",
				 methods[i], methods[i]);
			req_from(&q, text);
			s = rspec(200);
			respond(&r, &b, &q, &s);
			check_rr(&r.m, i == 2);
			done(&r);
			esip_buf_free(&b);
			done(&q);
		}
	}
}
END_TEST

START_TEST(response_timestamp)
{
	static const uint16_t others[] = {180, 200, 486};
	esip_response_spec s;
	esip_buf b;
	parsed q, r;
	size_t i;

	/* 8.2.6.1: copied into the 100 (Trying) */
	req_from(&q, INVITE_REQ);
	s = rspec(100);
	respond(&r, &b, &q, &s);
	ck_assert(str_is(hval(&r.m, ESIP_HDR_TIMESTAMP), "54.3 0.5"));
	ck_assert(str_is(r.m.reason, "Trying"));
	done(&r);
	esip_buf_free(&b);
	for (i = 0; i < 3; i++) {
		s = rspec(others[i]);
		respond(&r, &b, &q, &s);
		ck_assert_ptr_null(esip_msg_hdr(&r.m, ESIP_HDR_TIMESTAMP));
		done(&r);
		esip_buf_free(&b);
	}
	done(&q);
	/* no Timestamp in the request: none in the 100 */
	req_from(&q, OPTIONS_REQ);
	s = rspec(100);
	respond(&r, &b, &q, &s);
	ck_assert_ptr_null(esip_msg_hdr(&r.m, ESIP_HDR_TIMESTAMP));
	done(&r);
	esip_buf_free(&b);
	done(&q);
}
END_TEST

#define STAMP_REQ(top)                                                      \
	"OPTIONS sip:bob@example.com SIP/2.0\r\n"                           \
	"Via: " top "\r\n"                                                  \
	"Via: SIP/2.0/UDP second.example.com;rport;branch=z9hG4bKs2;received=10.9.9.9\r\n" \
	"Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n"                 \
	"From: <sip:alice@example.com>;tag=1\r\nCall-ID: stamp1\r\n"        \
	"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

/* The top Via of the response to STAMP_REQ(top) with the given stamp. */
static void check_stamp(const char *request, const char *received, bool rport_set,
			uint16_t rport, const char *want_top)
{
	esip_response_spec s = rspec(200);
	esip_buf b;
	parsed q, r;

	s.via_received = S(received);
	s.via_rport_set = rport_set;
	s.via_rport = rport;
	req_from(&q, request);
	respond(&r, &b, &q, &s);
	ck_assert_msg(str_is(nth_value(&r.m, ESIP_HDR_VIA, 0), want_top), "top Via: %.*s",
		      ESIP_STR_FMT(nth_value(&r.m, ESIP_HDR_VIA, 0)));
	/* only the top one is rewritten */
	ck_assert(str_is(nth_value(&r.m, ESIP_HDR_VIA, 1),
			 "SIP/2.0/UDP second.example.com;rport;branch=z9hG4bKs2;received=10.9.9.9"));
	ck_assert_uint_eq(r.m.via_count, 2);
	ck_assert(esip_str_eq(r.m.via.branch, q.m.via.branch));
	if (received && *received)
		ck_assert(str_is(r.m.via.received, received));
	done(&r);
	done(&q);
	esip_buf_free(&b);
}

START_TEST(response_via_stamp)
{
	/* 18.2.1: received added; the other params as written */
	check_stamp(STAMP_REQ("SIP/2.0/UDP host.example.com:5060;branch=z9hG4bKs1"),
		    "192.0.2.7", false, 0,
		    "SIP/2.0/UDP host.example.com:5060;branch=z9hG4bKs1;received=192.0.2.7");
	/* an old received is replaced; RFC 3581 4: a bare rport is filled */
	check_stamp(STAMP_REQ("SIP/2.0/UDP host.example.com:5060;received=10.0.0.1;"
			      "branch=z9hG4bKs1;rport;x=\"y;z\""),
		    "192.0.2.7", true, 40000,
		    "SIP/2.0/UDP host.example.com:5060;branch=z9hG4bKs1;rport=40000;x=\"y;z\""
		    ";received=192.0.2.7");
	/* received right after sent-by, in upper case, with LWS around */
	check_stamp(STAMP_REQ("SIP/2.0/UDP h.example.com ; RECEIVED = 10.0.0.1 ; "
			      "branch=z9hG4bKs1 ; rport"),
		    "192.0.2.8", true, 5,
		    "SIP/2.0/UDP h.example.com ; branch=z9hG4bKs1 ; rport=5;received=192.0.2.8");
	/* rport only: the received param stays */
	check_stamp(STAMP_REQ("SIP/2.0/UDP h.example.com;received=10.0.0.1;rport;branch=z9hG4bKs1"),
		    NULL, true, 0,
		    "SIP/2.0/UDP h.example.com;received=10.0.0.1;rport=0;branch=z9hG4bKs1");
	/* RFC 3581 4: rport is never added, and a valued one is left alone */
	check_stamp(STAMP_REQ("SIP/2.0/UDP h.example.com;branch=z9hG4bKs1"), "192.0.2.9", true,
		    7, "SIP/2.0/UDP h.example.com;branch=z9hG4bKs1;received=192.0.2.9");
	check_stamp(STAMP_REQ("SIP/2.0/UDP h.example.com;rport=1234;branch=z9hG4bKs1"), NULL, true,
		    7, "SIP/2.0/UDP h.example.com;rport=1234;branch=z9hG4bKs1");
	/* an IPv6 source (RFC 5118 4.5: the address, no brackets) */
	check_stamp(STAMP_REQ("SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKs1;rport"),
		    "2001:db8::1", true, 5061,
		    "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKs1;rport=5061;received=2001:db8::1");
	/* an empty received is no stamp either */
	check_stamp(STAMP_REQ("SIP/2.0/UDP h.example.com;received=10.0.0.1;branch=z9hG4bKs1"),
		    "", false, 0, "SIP/2.0/UDP h.example.com;received=10.0.0.1;branch=z9hG4bKs1");
	/* no stamp: the top Via is copied as written */
	check_stamp(STAMP_REQ("SIP/2.0/UDP h.example.com;received=10.0.0.1;rport;branch=z9hG4bKs1"),
		    NULL, false, 9,
		    "SIP/2.0/UDP h.example.com;received=10.0.0.1;rport;branch=z9hG4bKs1");
}
END_TEST

START_TEST(response_via_stamp_multi_value_line)
{
	/* the top value shares its line with the next: only it is stamped */
	esip_response_spec s = rspec(200);
	esip_buf b;
	parsed q, r;

	s.via_received = S("192.0.2.1");
	s.via_rport_set = true;
	s.via_rport = 6000;
	req_from(&q, "MESSAGE sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP a.example.com;rport;branch=z9hG4bKa,"
		     "SIP/2.0/UDP b.example.com;rport;branch=z9hG4bKb\r\n"
		     "To: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
		     "Call-ID: m1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n");
	respond(&r, &b, &q, &s);
	ck_assert(has_text(&b, "\r\nVia: SIP/2.0/UDP a.example.com;rport=6000;branch=z9hG4bKa"
			       ";received=192.0.2.1,SIP/2.0/UDP b.example.com;rport;branch=z9hG4bKb\r\n"));
	ck_assert_uint_eq(r.m.via_count, 2);
	ck_assert(str_is(r.m.via.rport, "6000"));
	ck_assert(str_is(r.m.via.received, "192.0.2.1"));
	done(&r);
	done(&q);
	esip_buf_free(&b);
}
END_TEST

START_TEST(response_reason_and_body)
{
	static const esip_hdr_kv extra[] = {
		{"Allow", ESIP_STR("INVITE, ACK, CANCEL, OPTIONS, BYE")},
		{NULL, ESIP_STR("skipped")},
		{"Warning", ESIP_STR("399 esip \"just testing\"")},
	};
	esip_response_spec s;
	esip_buf b;
	parsed q, r;

	req_from(&q, INVITE_REQ);
	/* default phrases */
	s = rspec(486);
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.reason, "Busy Here"));
	done(&r);
	esip_buf_free(&b);
	s = rspec(699); /* no phrase of its own */
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.reason, "Unknown"));
	done(&r);
	esip_buf_free(&b);
	/* a custom reason, and an empty one (RFC 3261 25.1 allows it) */
	s = rspec(404);
	s.reason = S("Nobody Home");
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.reason, "Nobody Home"));
	done(&r);
	esip_buf_free(&b);
	s.reason = S("");
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.reason, ""));
	ck_assert(!memcmp(b.p, "SIP/2.0 404 \r\n", 14));
	done(&r);
	esip_buf_free(&b);
	/* 200 with a body, a contact and extra headers in order */
	s = rspec(200);
	s.contact = S("sip:bob@192.0.2.4");
	s.extra = extra;
	s.n_extra = 3;
	s.content_type = S("application/sdp");
	s.body = S(SDP);
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.content_type, "application/sdp"));
	ck_assert_int_eq(r.m.content_length, (int64_t)strlen(SDP));
	ck_assert(str_is(r.m.body, SDP));
	ck_assert(str_is(nth_value(&r.m, ESIP_HDR_CONTACT, 0), "<sip:bob@192.0.2.4>"));
	ck_assert(str_is(hval(&r.m, ESIP_HDR_ALLOW), "INVITE, ACK, CANCEL, OPTIONS, BYE"));
	ck_assert(str_is(hval(&r.m, ESIP_HDR_WARNING), "399 esip \"just testing\""));
	ck_assert(esip_msg_hdr(&r.m, ESIP_HDR_ALLOW) < esip_msg_hdr(&r.m, ESIP_HDR_WARNING));
	ck_assert(!has_text(&b, "skipped"));
	check_copied(&q.m, &r.m);
	done(&r);
	esip_buf_free(&b);
	/* a Content-Type without a body is not written */
	s.body = ESIP_STR_NULL;
	respond(&r, &b, &q, &s);
	ck_assert(str_is(r.m.content_type, NULL));
	ck_assert_int_eq(r.m.content_length, 0);
	done(&r);
	esip_buf_free(&b);
	done(&q);
}
END_TEST

START_TEST(response_invalid)
{
	esip_response_spec s = rspec(200);
	esip_hdr hdrs[4];
	esip_msg none;
	char mem[1024];
	esip_buf b;
	parsed q;

	esip_buf_init_fixed(&b, mem, sizeof mem);
	/* req is a response */
	ck_assert_int_gt(parse_str(&q, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
				       "To: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: x\r\n"
				       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"), 0);
	ck_assert_int_eq(esip_build_response(&b, &q.m, &s), ESIP_EINVAL);
	done(&q);
	/* nothing parsed at all */
	esip_msg_init(&none, hdrs, 4);
	ck_assert_int_eq(esip_build_response(&b, &none, &s), ESIP_EINVAL);
	ck_assert_int_eq(esip_build_response(&b, NULL, &s), ESIP_EINVAL);
	/* status out of range */
	req_from(&q, OPTIONS_REQ);
	s.status = 99;
	ck_assert_int_eq(esip_build_response(&b, &q.m, &s), ESIP_EINVAL);
	s.status = 700;
	ck_assert_int_eq(esip_build_response(&b, &q.m, &s), ESIP_EINVAL);
	s.status = 0;
	ck_assert_int_eq(esip_build_response(&b, &q.m, &s), ESIP_EINVAL);
	ck_assert_uint_eq(b.len, 0);
	s.status = 699;
	ck_assert_int_eq(esip_build_response(&b, &q.m, &s), 0);
	done(&q);
}
END_TEST

START_TEST(response_to_unparsable_request)
{
	/* a framed request that failed to parse can still get its 400 */
	esip_response_spec s = rspec(400);
	esip_buf b;
	parsed q, r;

	parse_str(&q, "INVITE sip:bob@example.com SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKbad1\r\n"
		      "To: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
		      "Call-ID: bad1\r\nCSeq: 99999999999 INVITE\r\n"
		      "Content-Length: 0\r\n\r\n");
	ck_assert_int_lt(q.rc, 0);
	ck_assert(q.m.flags & ESIP_MSGF_FRAMED);
	s.via_received = S("192.0.2.1");
	dyn(&b);
	ck_assert_int_eq(esip_build_response(&b, &q.m, &s), 0);
	ck_assert(has_text(&b, "SIP/2.0 400 Bad Request\r\n"
			       "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKbad1;received=192.0.2.1\r\n"));
	ck_assert(has_text(&b, "\r\nCSeq: 99999999999 INVITE\r\n"));
	ck_assert(has_text(&b, "\r\nCall-ID: bad1\r\n"));
	/* the copied CSeq is as bad as the request's, but framing holds */
	parse_guarded(&r, b.p, b.len, ESIP_PARSE_STREAM);
	ck_assert(r.m.flags & ESIP_MSGF_FRAMED);
	ck_assert_uint_eq(r.m.len, b.len);
	done(&r);
	done(&q);
	esip_buf_free(&b);
}
END_TEST

/* ---- buffers ------------------------------------------------------------- */

typedef int (*builder_fn)(esip_buf *b, const void *arg);

typedef struct resp_arg {
	const esip_msg *req;
	esip_response_spec spec;
} resp_arg;

static int build_req_fn(esip_buf *b, const void *arg) { return esip_build_request(b, arg); }

static int build_resp_fn(esip_buf *b, const void *arg)
{
	const resp_arg *ra = arg;
	return esip_build_response(b, ra->req, &ra->spec);
}

/* Every fixed capacity from 0 to need-1 fails with ESIP_ENOSPC, writes
 * only a prefix of the full message and nothing past its end (a guard
 * page follows); capacity need gives the whole message. */
static void fixed_sweep(builder_fn fn, const void *arg)
{
	esip_buf ref, b;
	size_t need, cap;
	wguard g;

	dyn(&ref);
	ck_assert_int_eq(fn(&ref, arg), 0);
	need = ref.len;
	ck_assert_uint_gt(need, 100);
	for (cap = 0; cap < need; cap++) {
		char *mem = wguard_alloc(&g, cap);
		esip_buf_init_fixed(&b, mem, cap);
		ck_assert_int_eq(fn(&b, arg), ESIP_ENOSPC);
		ck_assert_int_eq(esip_buf_error(&b), ESIP_ENOSPC);
		ck_assert_uint_le(b.len, cap);
		ck_assert(!memcmp(mem, ref.p, b.len));
		wguard_free(&g);
	}
	esip_buf_init_fixed(&b, wguard_alloc(&g, need), need);
	ck_assert_int_eq(fn(&b, arg), 0);
	ck_assert_uint_eq(b.len, need);
	ck_assert(!memcmp(b.p, ref.p, need));
	wguard_free(&g);
	/* a growable buffer stops at its max */
	ck_assert_int_eq(esip_buf_init_dyn(&b, NULL, 0, need - 1), 0);
	ck_assert_int_eq(fn(&b, arg), ESIP_ENOSPC);
	ck_assert_uint_le(b.len, need - 1);
	esip_buf_free(&b);
	ck_assert_int_eq(esip_buf_init_dyn(&b, NULL, 0, need), 0);
	ck_assert_int_eq(fn(&b, arg), 0);
	ck_assert(!memcmp(b.p, ref.p, need));
	esip_buf_free(&b);
	esip_buf_free(&ref);
}

/* Fails the 1st, 2nd, ... allocation of a growable buffer until the build
 * succeeds; every failure is ESIP_ENOMEM and nothing leaks. */
static void alloc_sweep(builder_fn fn, const void *arg, size_t initial)
{
	esip_buf ref, b;
	long k;
	int rc = -1;

	dyn(&ref);
	ck_assert_int_eq(fn(&ref, arg), 0);
	for (k = 1; k < 100 && rc != 0; k++) {
		test_alloc ta;
		test_alloc_init(&ta, k);
		if (esip_buf_init_dyn(&b, &ta.a, initial, MAXMSG) == 0) {
			rc = fn(&b, arg);
			ck_assert_msg(rc == 0 || rc == ESIP_ENOMEM, "rc %d at %ld", rc, k);
			if (rc == 0) {
				ck_assert_uint_eq(b.len, ref.len);
				ck_assert(!memcmp(b.p, ref.p, ref.len));
				ck_assert_int_eq(ta.failed, 0);
			} else {
				ck_assert_int_eq(ta.failed, 1);
			}
		} else {
			ck_assert_int_eq(b.err, ESIP_ENOMEM);
		}
		esip_buf_free(&b);
		ck_assert_int_eq(ta.live, 0);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(k, 2); /* at least one allocation was failed */
	esip_buf_free(&ref);
}

START_TEST(request_fixed_buffer_sweep)
{
	esip_request_spec s = full_spec();

	fixed_sweep(build_req_fn, &s);
}
END_TEST

START_TEST(response_fixed_buffer_sweep)
{
	resp_arg ra;
	parsed q;

	req_from(&q, INVITE_REQ);
	ra.req = &q.m;
	ra.spec = rspec(200);
	ra.spec.via_received = S("192.0.2.200");
	ra.spec.contact = S("<sip:bob@192.0.2.4>;expires=30");
	ra.spec.content_type = S("application/sdp");
	ra.spec.body = S(SDP);
	fixed_sweep(build_resp_fn, &ra);
	done(&q);
}
END_TEST

START_TEST(growable_alloc_failure_sweep)
{
	esip_request_spec s = full_spec();
	resp_arg ra;
	parsed q;

	alloc_sweep(build_req_fn, &s, 0);
	alloc_sweep(build_req_fn, &s, 16);
	req_from(&q, INVITE_REQ);
	ra.req = &q.m;
	ra.spec = rspec(180);
	alloc_sweep(build_resp_fn, &ra, 0);
	alloc_sweep(build_resp_fn, &ra, 32);
	done(&q);
}
END_TEST

/* ---- RFC 4475 torture requests ------------------------------------------ */

/* Every request of tests/data/rfc4475 that parses gets a 100, a 200 with
 * a stamp and a 486, each of which parses back with the request's key
 * fields; a framed one that does not parse still gets a framed 400. */
static void respond_4475(const char *name, int *answered)
{
	static const uint16_t codes[] = {100, 200, 486};
	size_t len, i;
	char *data = load("rfc4475", name, &len);
	esip_response_spec s;
	esip_validation v;
	esip_buf b;
	parsed q, r;

	parse_guarded(&q, data, len, ESIP_PARSE_DATAGRAM);
	if (q.m.kind != ESIP_MSG_REQUEST || !(q.m.flags & ESIP_MSGF_FRAMED)) {
		done(&q);
		free(data);
		return;
	}
	if (q.rc < 0) {
		s = rspec(400);
		dyn(&b);
		ck_assert_int_eq(esip_build_response(&b, &q.m, &s), 0);
		parse_guarded(&r, b.p, b.len, ESIP_PARSE_STREAM);
		ck_assert_msg(r.m.flags & ESIP_MSGF_FRAMED, "%s: 400 not framed", name);
		ck_assert_uint_eq(r.m.len, b.len);
		done(&r);
		esip_buf_free(&b);
		done(&q);
		free(data);
		return;
	}
	for (i = 0; i < 3; i++) {
		s = rspec(codes[i]);
		s.via_received = S("192.0.2.99");
		s.via_rport_set = true;
		s.via_rport = 5555;
		dyn(&b);
		ck_assert_int_eq(esip_build_response(&b, &q.m, &s), 0);
		ck_assert_msg(parse_guarded(&r, b.p, b.len, ESIP_PARSE_STREAM) == (int)b.len,
			      "%s: %u does not parse: %s\n%.*s", name, codes[i],
			      esip_errname(r.rc), (int)b.len, b.p);
		check_copied(&q.m, &r.m);
		ck_assert(str_is(r.m.via.received, "192.0.2.99"));
		if (q.m.via.rport.p && !q.m.via.rport.len)
			ck_assert(str_is(r.m.via.rport, "5555"));
		/* insuf.dat has no To (nor From, Call-ID): nothing to copy */
		if (q.m.to.tag.p)
			ck_assert(esip_str_eq(r.m.to.tag, q.m.to.tag));
		else if (codes[i] > 100 && esip_msg_hdr(&q.m, ESIP_HDR_TO))
			ck_assert_msg(str_is(r.m.to.tag, "as83kd9bs"), "%s: %u", name, codes[i]);
		else
			ck_assert(str_is(r.m.to.tag, NULL));
		ck_assert_int_eq(r.m.content_length, 0);
		/* RFC 3261 8.1.3.3 drops a response with several Via values;
		 * one without the mandatory headers the request lacked too */
		if (q.m.via_count == 1 && !esip_msg_validate_request(&q.m, NULL, &v))
			ck_assert_msg(!esip_msg_response_must_drop(&r.m), "%s: %u dropped",
				      name, codes[i]);
		done(&r);
		esip_buf_free(&b);
	}
	(*answered)++;
	done(&q);
	free(data);
}

START_TEST(rfc4475_responses)
{
	size_t tlen;
	char *tsv = load("rfc4475", "expected.tsv", &tlen);
	char *line, *save = NULL;
	int answered = 0;

	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		respond_4475(line, &answered);
	}
	ck_assert_int_ge(answered, 30);
	free(tsv);
}
END_TEST

/* ---- generators ---------------------------------------------------------- */

static bool all_alnum(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

START_TEST(gen_branch_tag_call_id)
{
	esip_rand r;
	char out[64];
	int n;

	esip_rand_init(&r);
	/* RFC 3261 8.1.1.7: the magic cookie, then 20 random alphanumerics */
	n = esip_gen_branch(&r, out, sizeof out);
	ck_assert_int_eq(n, 27);
	ck_assert_uint_eq(strlen(out), 27);
	ck_assert(!memcmp(out, "z9hG4bK", 7));
	ck_assert(all_alnum(out + 7, 20));
	ck_assert_int_eq(esip_gen_branch(&r, out, 28), 27);
	ck_assert_int_eq(esip_gen_branch(&r, out, 27), ESIP_ENOSPC);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(esip_gen_branch(&r, out, 0), ESIP_ENOSPC);
	ck_assert_int_eq(esip_gen_branch(&r, NULL, 64), ESIP_ENOSPC);
	/* 19.3: tags */
	n = esip_gen_tag(&r, out, sizeof out);
	ck_assert_int_eq(n, 16);
	ck_assert_uint_eq(strlen(out), 16);
	ck_assert(all_alnum(out, 16));
	ck_assert_int_eq(esip_gen_tag(&r, out, 17), 16);
	ck_assert_int_eq(esip_gen_tag(&r, out, 16), ESIP_ENOSPC);
	/* Call-IDs, with and without a host */
	n = esip_gen_call_id(&r, ESIP_STR_NULL, out, sizeof out);
	ck_assert_int_eq(n, 24);
	ck_assert(all_alnum(out, 24));
	ck_assert_uint_eq(strlen(out), 24);
	ck_assert_int_eq(esip_gen_call_id(&r, ESIP_STR(""), out, sizeof out), 24);
	n = esip_gen_call_id(&r, ESIP_STR("pc33.example.com"), out, sizeof out);
	ck_assert_int_eq(n, 24 + 1 + 16);
	ck_assert(all_alnum(out, 24));
	ck_assert_str_eq(out + 24, "@pc33.example.com");
	ck_assert_int_eq(esip_gen_call_id(&r, ESIP_STR("pc33.example.com"), out, 42), 41);
	ck_assert_int_eq(esip_gen_call_id(&r, ESIP_STR("pc33.example.com"), out, 41), ESIP_ENOSPC);
}
END_TEST

START_TEST(gen_tokens_spell_no_header_name)
{
	/* regression (SIPp under load): a generated tag "...CSeq..." was
	 * taken for a CSeq header; tokens are lowercase hex now */
	esip_rand r;
	char out[64];
	int i, k;

	esip_rand_init(&r);
	for (i = 0; i < 100000; i++) {
		int n = esip_gen_tag(&r, out, sizeof out);
		ck_assert_int_eq(n, 16);
		for (k = 0; k < n; k++)
			ck_assert(strchr("0123456789abcdef", out[k]) != NULL);
	}
}
END_TEST

START_TEST(gen_branches_distinct)
{
	enum { N = 10000 };
	char (*br)[28] = malloc(sizeof *br * N);
	esip_rand r;
	int i;

	ck_assert_ptr_nonnull(br);
	esip_rand_init(&r);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(esip_gen_branch(&r, br[i], sizeof br[i]), 27);
	qsort(br, N, sizeof br[0], cmp_str);
	for (i = 1; i < N; i++)
		ck_assert_str_ne(br[i - 1], br[i]);
	free(br);
}
END_TEST

START_TEST(gen_tokens_fit_headers)
{
	/* generated values go straight into a request that parses */
	char branch[32], tag[32], cid[64];
	esip_request_spec s = full_spec();
	esip_rand r;
	esip_buf b;
	parsed p;

	esip_rand_init(&r);
	ck_assert_int_gt(esip_gen_branch(&r, branch, sizeof branch), 0);
	ck_assert_int_gt(esip_gen_tag(&r, tag, sizeof tag), 0);
	ck_assert_int_gt(esip_gen_call_id(&r, ESIP_STR("192.0.2.1"), cid, sizeof cid), 0);
	s.via_branch = S(branch);
	s.from_tag = S(tag);
	s.call_id = S(cid);
	dyn(&b);
	ck_assert_int_eq(esip_build_request(&b, &s), 0);
	parse_out(&p, &b, ESIP_PARSE_DATAGRAM);
	ck_assert(str_is(p.m.via.branch, branch));
	ck_assert(str_is(p.m.from.tag, tag));
	ck_assert(str_is(p.m.call_id, cid));
	done(&p);
	esip_buf_free(&b);
}
END_TEST

/* ---- reason phrases -------------------------------------------------------- */

START_TEST(reason_phrases_rfc3261)
{
	/* every code of RFC 3261 21, with its section's phrase */
	static const struct {
		unsigned code;
		const char *phrase;
	} t[] = {
		{100, "Trying"}, {180, "Ringing"}, {181, "Call Is Being Forwarded"},
		{182, "Queued"}, {183, "Session Progress"}, {200, "OK"},
		{300, "Multiple Choices"}, {301, "Moved Permanently"},
		{302, "Moved Temporarily"}, {305, "Use Proxy"}, {380, "Alternative Service"},
		{400, "Bad Request"}, {401, "Unauthorized"}, {402, "Payment Required"},
		{403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
		{406, "Not Acceptable"}, {407, "Proxy Authentication Required"},
		{408, "Request Timeout"}, {410, "Gone"}, {413, "Request Entity Too Large"},
		{414, "Request-URI Too Long"}, {415, "Unsupported Media Type"},
		{416, "Unsupported URI Scheme"}, {420, "Bad Extension"},
		{421, "Extension Required"}, {423, "Interval Too Brief"},
		{480, "Temporarily Unavailable"}, {481, "Call/Transaction Does Not Exist"},
		{482, "Loop Detected"}, {483, "Too Many Hops"}, {484, "Address Incomplete"},
		{485, "Ambiguous"}, {486, "Busy Here"}, {487, "Request Terminated"},
		{488, "Not Acceptable Here"}, {491, "Request Pending"}, {493, "Undecipherable"},
		{500, "Server Internal Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
		{503, "Service Unavailable"}, {504, "Server Time-out"},
		{505, "Version Not Supported"}, {513, "Message Too Large"},
		{600, "Busy Everywhere"}, {603, "Decline"}, {604, "Does Not Exist Anywhere"},
		{606, "Not Acceptable"},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(!strcmp(esip_reason_phrase(t[i].code), t[i].phrase), "%u: %s",
			      t[i].code, esip_reason_phrase(t[i].code));
}
END_TEST

START_TEST(reason_phrases_extensions)
{
	static const struct {
		unsigned code;
		const char *phrase;
	} t[] = {
		{199, "Early Dialog Terminated"}, {202, "Accepted"}, {204, "No Notification"},
		{412, "Conditional Request Failed"}, {417, "Unknown Resource-Priority"},
		{421, "Extension Required"}, {422, "Session Interval Too Small"},
		{423, "Interval Too Brief"}, {428, "Use Identity Header"},
		{429, "Provide Referrer Identity"}, {433, "Anonymity Disallowed"},
		{436, "Bad Identity Info"}, {437, "Unsupported Credential"},
		{438, "Invalid Identity Header"}, {439, "First Hop Lacks Outbound Support"},
		{440, "Max-Breadth Exceeded"}, {470, "Consent Needed"}, {489, "Bad Event"},
		{491, "Request Pending"}, {493, "Undecipherable"},
		{494, "Security Agreement Required"}, {580, "Precondition Failure"},
		{603, "Decline"}, {606, "Not Acceptable"}, {607, "Unwanted"}, {608, "Rejected"},
	};
	static const unsigned unknown[] = {0, 1, 99, 101, 150, 201, 299, 399, 409, 499,
					   599, 699, 700, 1000, 0xffffffffu};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(!strcmp(esip_reason_phrase(t[i].code), t[i].phrase), "%u: %s",
			      t[i].code, esip_reason_phrase(t[i].code));
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		ck_assert_str_eq(esip_reason_phrase(unknown[i]), "Unknown");
	/* every phrase is valid Reason-Phrase text (RFC 3261 25.1: no CR/LF) */
	for (i = 0; i < 1000; i++) {
		const char *p = esip_reason_phrase((unsigned)i);
		ck_assert(!strpbrk(p, "\r\n") && *p);
	}
}
END_TEST

Suite *suite_build(void);
Suite *suite_build(void)
{
	Suite *s = suite_create("parser-build");
	TCase *tc = tcase_create("build");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, request_fields_roundtrip);
	tcase_add_test(tc, request_defaults_and_options);
	tcase_add_test(tc, request_ipv6_via);
	tcase_add_test(tc, request_display_names);
	tcase_add_test(tc, request_contact_forms);
	tcase_add_test(tc, request_invalid_spec);
	tcase_add_test(tc, response_options_200);
	tcase_add_test(tc, response_via_order);
	tcase_add_test(tc, response_to_tag_rule);
	tcase_add_test(tc, response_record_route);
	tcase_add_test(tc, response_timestamp);
	tcase_add_test(tc, response_via_stamp);
	tcase_add_test(tc, response_via_stamp_multi_value_line);
	tcase_add_test(tc, response_reason_and_body);
	tcase_add_test(tc, response_invalid);
	tcase_add_test(tc, response_to_unparsable_request);
	tcase_add_test(tc, request_fixed_buffer_sweep);
	tcase_add_test(tc, response_fixed_buffer_sweep);
	tcase_add_test(tc, growable_alloc_failure_sweep);
	tcase_add_test(tc, rfc4475_responses);
	tcase_add_test(tc, gen_branch_tag_call_id);
	tcase_add_test(tc, gen_branches_distinct);
	tcase_add_test(tc, gen_tokens_spell_no_header_name);
	tcase_add_test(tc, gen_tokens_fit_headers);
	tcase_add_test(tc, reason_phrases_rfc3261);
	tcase_add_test(tc, reason_phrases_extensions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_build()};
	return test_run(s, 1);
}
