/*
 * test_msg.c - the message parser: RFC 4475 / RFC 5118 torture messages
 * against tests/data/<rfc>/expected.tsv, stream prefixes, print/parse
 * round trips, and the grammar corners one by one.  Every input is placed
 * so that it ends at a guard page: an over-read crashes even without ASan.
 */
#include "ptest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The UAS capabilities esip-parse assumes (tools/esip-parse.c). */
static const char *caps_ext[] = {"replaces", "norefersub"};
static const char *caps_types[] = {"application/sdp", "message/sipfrag", "text/plain",
				   "multipart/mixed"};
static const esip_uas_caps caps = {caps_ext, 2, NULL, 0, caps_types, 4};

/* ---- data-driven torture tests ------------------------------------- */

static void fmt_num(char *b, size_t n, long long v, bool present)
{
	if (present)
		snprintf(b, n, "%lld", v);
	else
		snprintf(b, n, "-");
}

static void fmt_str(char *b, size_t n, esip_str s)
{
	size_t i, k = 0;

	if (!s.p || !s.len) {
		snprintf(b, n, "-");
		return;
	}
	for (i = 0; i < s.len && k + 1 < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		b[k++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
	}
	b[k] = 0;
}

/* Renders the columns of expected.tsv for one parse. */
static void render(const parsed *p, char cols[13][1024])
{
	const esip_msg *m = &p->m;
	esip_validation v;

	snprintf(cols[0], 1024, "%s", p->rc > 0 ? "ok" : "error");
	snprintf(cols[1], 1024, "%s", p->rc > 0 ? "-" : esip_errname(p->rc));
	snprintf(cols[2], 1024, "%s", m->kind == ESIP_MSG_REQUEST ? "request"
				      : m->kind == ESIP_MSG_RESPONSE ? "response" : "-");
	if (m->kind == ESIP_MSG_REQUEST)
		fmt_str(cols[3], 1024, m->method);
	else
		fmt_num(cols[3], 1024, m->status, m->status != 0);
	fmt_str(cols[4], 1024, m->call_id);
	if (m->cseq_method.p)
		snprintf(cols[5], 1024, "%u %.*s", m->cseq, ESIP_STR_FMT(m->cseq_method));
	else
		snprintf(cols[5], 1024, "-");
	fmt_str(cols[6], 1024, m->from.tag);
	fmt_str(cols[7], 1024, m->to.tag);
	fmt_str(cols[8], 1024, m->via.branch);
	fmt_num(cols[9], 1024, m->via_count, true);
	fmt_num(cols[10], 1024, m->content_length, m->content_length >= 0);
	fmt_num(cols[11], 1024, (long long)m->body.len, m->body.p != NULL);
	if (m->kind == ESIP_MSG_REQUEST) {
		if (esip_msg_validate_request(m, &caps, &v))
			snprintf(cols[12], 1024, "%u", v.status);
		else
			snprintf(cols[12], 1024, "ok");
	} else {
		snprintf(cols[12], 1024, "%s",
			 m->kind == ESIP_MSG_RESPONSE && !esip_msg_response_must_drop(m)
				 ? "ok" : "drop");
	}
}

static void check_corpus(const char *sub)
{
	char dir[4096];
	size_t tlen;
	char *tsv, *line, *save = NULL;
	int rows = 0;

	snprintf(dir, sizeof dir, "%s/%s", ESIP_TEST_DATA_DIR, sub);
	tsv = test_read_file(test_path(dir, "expected.tsv"), &tlen);

	ck_assert_msg(tsv != NULL, "no expected.tsv in %s", dir);
	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *want[14], *f, *fsave = NULL, cols[13][1024];
		int n = 0, i;
		size_t len;
		char *msg;
		parsed p;

		if (line[0] == '#')
			continue;
		for (f = strtok_r(line, "\t", &fsave); f && n < 14; f = strtok_r(NULL, "\t", &fsave))
			want[n++] = f;
		ck_assert_int_eq(n, 14);
		msg = test_read_file(test_path(dir, want[0]), &len);
		ck_assert_msg(msg != NULL, "cannot read %s", want[0]);
		parse_guarded(&p, msg, len, ESIP_PARSE_DATAGRAM);
		render(&p, cols);
		for (i = 0; i < 13; i++)
			ck_assert_msg(!strcmp(cols[i], want[i + 1]),
				      "%s column %d: got '%s' want '%s'", want[0], i + 1,
				      cols[i], want[i + 1]);
		/* the error offset lies inside the input */
		if (p.rc < 0)
			ck_assert_uint_le(p.m.err_off, len);
		else
			ck_assert_uint_le((size_t)p.rc, len);
		done(&p);
		free(msg);
		rows++;
	}
	ck_assert_int_gt(rows, 10);
	free(tsv);
}

START_TEST(rfc4475_torture) { check_corpus("rfc4475"); }
END_TEST

START_TEST(rfc5118_ipv6_torture) { check_corpus("rfc5118"); }
END_TEST

/* ---- RFC-specific field checks -------------------------------------- */

START_TEST(wsinv_fields)
{
	/* RFC 4475 3.1.1.1: folding, compact forms, LWS everywhere */
	size_t len;
	char *b = load("rfc4475", "wsinv.dat", &len);
	parsed p;
	esip_list_iter it;
	esip_via v;
	int n = 0;

	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert_int_eq(p.m.max_forwards, 68);   /* "0068" */
	ck_assert_uint_eq(p.m.cseq, 9);           /* "0009" */
	ck_assert(str_is(p.m.via.transport, "UDP"));
	ck_assert(str_is(p.m.via.host, "192.0.2.2"));
	ck_assert(str_is(p.m.from.display, "\"J Rosenberg \\\\\\\"\""));
	ck_assert(str_is(p.m.to.uri, "sip:vivekg@chair-dnrc.example.com"));
	esip_list_iter_init(&it, &p.m, ESIP_HDR_VIA);
	while (esip_via_next(&it, &v) == 1) {
		if (n == 1) {
			ck_assert(str_is(v.transport, "TCP"));
			ck_assert(str_is(v.host, "spindle.example.com"));
			ck_assert(str_is(v.branch, "z9hG4bK9ikj8"));
		}
		n++;
	}
	ck_assert_int_eq(n, 3);
	/* the unknown header is kept verbatim */
	ck_assert_ptr_nonnull(esip_msg_hdr_by_name(&p.m, ESIP_STR("unknownheaderwithunusualvalue")));
	done(&p);
	free(b);
}
END_TEST

START_TEST(ipv6_hosts)
{
	size_t len;
	char *b = load("rfc5118", "port-ambiguous.sip", &len);
	parsed p;

	/* RFC 5118 4.3: [2001:db8::10:5070] is an address, no port */
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert(str_is(p.m.ruri.host, "2001:db8::10:5070"));
	ck_assert_uint_eq(p.m.ruri.host_type, ESIP_HOST_IPV6);
	ck_assert_uint_eq(p.m.ruri.port, 0);
	done(&p);
	free(b);
	b = load("rfc5118", "port-unambiguous.sip", &len);
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert(str_is(p.m.ruri.host, "2001:db8::10"));
	ck_assert_uint_eq(p.m.ruri.port, 5070);
	done(&p);
	free(b);
	b = load("rfc5118", "via-received-param-with-delim.sip", &len);
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert(str_is(p.m.via.received, "[2001:db8::9:255]"));
	done(&p);
	free(b);
	b = load("rfc5118", "ipv4-mapped-ipv6.sip", &len);
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert(str_is(p.m.via.host, "::ffff:192.0.2.10"));
	ck_assert_uint_eq(p.m.via.port, 19823);
	done(&p);
	free(b);
}
END_TEST

START_TEST(trailing_octets_and_no_clen)
{
	size_t len;
	char *b = load("rfc4475", "dblreq.dat", &len);
	parsed p;

	/* RFC 4475 3.1.1.8: octets after Content-Length are ignored */
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert_uint_lt((size_t)p.rc, len);
	ck_assert(p.m.flags & ESIP_MSGF_TRAILING);
	ck_assert_uint_eq(p.m.body.len, 0);
	done(&p);
	free(b);
	/* RFC 4475 3.4.1: no Content-Length: the body is the rest */
	b = load("rfc4475", "inv2543.dat", &len);
	ck_assert_int_eq(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), (int)len);
	ck_assert(p.m.flags & ESIP_MSGF_NO_CLEN);
	ck_assert_uint_eq(p.m.body.len, 105);
	/* on a stream the same message cannot be framed */
	ck_assert_int_eq(parse_guarded(&p, b, len, ESIP_PARSE_STREAM), ESIP_ENO_CONTENT_LENGTH);
	done(&p);
	free(b);
}
END_TEST

START_TEST(escnull_no_truncation)
{
	size_t len;
	char *b = load("rfc4475", "escnull.dat", &len);
	parsed p;
	esip_uri u;
	char dec[64];

	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert_int_eq(esip_uri_parse(p.m.to.uri, &u), 0);
	/* RFC 4475 3.1.1.4: null-%00-null decodes to 11 bytes, NUL inside */
	ck_assert_int_eq(esip_pct_decode(u.user, dec, sizeof dec), 11);
	ck_assert_int_eq(memcmp(dec, "null-\0-null", 11), 0);
	done(&p);
	free(b);
}
END_TEST

/* ---- stream framing: every prefix needs more ------------------------ */

static void check_prefixes(const char *sub, const char *name)
{
	size_t len, n;
	char *b = load(sub, name, &len);
	parsed full;

	ck_assert_int_gt(parse_guarded(&full, b, len, ESIP_PARSE_STREAM), 0);
	for (n = 0; n < (size_t)full.rc; n++) {
		parsed p;
		int rc = parse_guarded(&p, b, n, ESIP_PARSE_STREAM);
		ck_assert_msg(rc == ESIP_ENEEDMORE, "%s prefix %zu: %s", name, n,
			      esip_errname(rc));
		done(&p);
	}
	done(&full);
	free(b);
}

START_TEST(stream_prefixes_need_more)
{
	check_prefixes("rfc4475", "wsinv.dat");
	check_prefixes("rfc4475", "longreq.dat");
	check_prefixes("rfc4475", "mpart01.dat");
	check_prefixes("rfc4475", "unreason.dat");
	check_prefixes("rfc5118", "ipv6-good.sip");
}
END_TEST

START_TEST(stream_two_messages)
{
	const char *a = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
			"Call-ID: x\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:b@example.com>;tag=1\r\n"
			"To: <sip:a@example.com>\r\nContent-Length: 4\r\n\r\nbody";
	char two[1024];
	parsed p;
	int n1;

	snprintf(two, sizeof two, "%s%s", a, a);
	n1 = parse_guarded(&p, two, strlen(two), ESIP_PARSE_STREAM);
	ck_assert_int_eq(n1, (int)strlen(a));
	ck_assert(str_is(p.m.body, "body"));
	done(&p);
}
END_TEST

/* ---- print -> parse round trips ------------------------------------- */

static void roundtrip(const char *sub, const char *name)
{
	size_t len;
	char *b = load(sub, name, &len);
	parsed a, c;
	char out[70000];
	long n;
	char ca[13][1024], cc[13][1024];
	int i;

	if (parse_guarded(&a, b, len, ESIP_PARSE_DATAGRAM) <= 0) {
		done(&a);
		free(b);
		return; /* only messages that parse are printed */
	}
	n = esip_msg_print(&a.m, out, sizeof out);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(parse_guarded(&c, out, (size_t)n, ESIP_PARSE_STREAM), (int)n);
	render(&a, ca);
	render(&c, cc);
	for (i = 0; i < 13; i++) {
		if (i == 10) /* Content-Length is rewritten as the body length */
			continue;
		ck_assert_msg(!strcmp(ca[i], cc[i]), "%s col %d: '%s' != '%s'", name, i + 1,
			      ca[i], cc[i]);
	}
	ck_assert_uint_eq(c.m.nhdrs, a.m.nhdrs + (a.m.content_length < 0));
	done(&a);
	done(&c);
	free(b);
}

START_TEST(print_parse_roundtrip)
{
	static const char *names[] = {"wsinv.dat", "intmeth.dat", "esc01.dat", "escnull.dat",
				      "esc02.dat", "lwsdisp.dat", "longreq.dat", "dblreq.dat",
				      "semiuri.dat", "transports.dat", "mpart01.dat", "unreason.dat",
				      "noreason.dat", "inv2543.dat", "cparam01.dat", "regescrt.dat"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		roundtrip("rfc4475", names[i]);
	roundtrip("rfc5118", "ipv6-good.sip");
	roundtrip("rfc5118", "mult-ip-in-header.sip");
}
END_TEST

/* ---- start line ----------------------------------------------------- */

#define HDRS                                                                           \
	"Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKabc\r\n"                      \
	"From: <sip:a@example.com>;tag=f1\r\nTo: <sip:b@example.com>\r\n"             \
	"Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"

START_TEST(start_lines)
{
	parsed p;

	ck_assert_int_gt(parse_str(&p, "OPTIONS sip:b@example.com SIP/2.0\r\n" HDRS), 0);
	ck_assert_uint_eq(p.m.method_id, ESIP_METHOD_OPTIONS);
	ck_assert(str_is(p.m.ruri.host, "example.com"));
	done(&p);
	/* methods are case-sensitive (RFC 3261 7.1) */
	ck_assert_int_gt(parse_str(&p, "options sip:b@example.com SIP/2.0\r\n" HDRS), 0);
	ck_assert_uint_eq(p.m.method_id, ESIP_METHOD_OTHER);
	done(&p);
	/* "SIP" in the version is case-insensitive */
	ck_assert_int_gt(parse_str(&p, "OPTIONS sip:b@example.com sip/2.0\r\n" HDRS), 0);
	ck_assert(!(p.m.flags & ESIP_MSGF_VERSION_BAD));
	done(&p);
	ck_assert_int_gt(parse_str(&p, "OPTIONS sip:b@example.com SIP/2.1\r\n" HDRS), 0);
	ck_assert(p.m.flags & ESIP_MSGF_VERSION_BAD);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "OPTIONS sip:b@example.com HTTP/1.1\r\n" HDRS),
			 ESIP_EBAD_START_LINE);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "OPTIONS  sip:b@example.com SIP/2.0\r\n" HDRS),
			 ESIP_EBAD_START_LINE);
	ck_assert_uint_eq(p.m.err_off, 8);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "OPTIONS sip:b@example.com\r\n" HDRS), ESIP_EBAD_START_LINE);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "\r\n"), ESIP_EBAD_START_LINE);
	done(&p);
	ck_assert_int_eq(parse_str(&p, ""), ESIP_EBAD_START_LINE);
	done(&p);
	/* leading CRLFs are skipped (RFC 3261 7.5) */
	ck_assert_int_gt(parse_str(&p, "\r\n\r\nOPTIONS sip:b@example.com SIP/2.0\r\n" HDRS), 0);
	ck_assert_int_eq(p.m.buf[0], 'O');
	done(&p);
}
END_TEST

START_TEST(status_lines)
{
	parsed p;

	ck_assert_int_gt(parse_str(&p, "SIP/2.0 180 Ringing\r\n" HDRS), 0);
	ck_assert_uint_eq(p.m.kind, ESIP_MSG_RESPONSE);
	ck_assert_uint_eq(p.m.status, 180);
	ck_assert(str_is(p.m.reason, "Ringing"));
	done(&p);
	/* empty reason after SP (RFC 4475 3.1.1.13) and none at all */
	ck_assert_int_gt(parse_str(&p, "SIP/2.0 100 \r\n" HDRS), 0);
	ck_assert(str_is(p.m.reason, ""));
	done(&p);
	ck_assert_int_gt(parse_str(&p, "SIP/2.0 200\r\n" HDRS), 0);
	done(&p);
	/* UTF-8 reason phrase */
	ck_assert_int_gt(parse_str(&p, "SIP/2.0 200 \xd0\x9e\xd0\x9a\r\n" HDRS), 0);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "SIP/2.0 099 Low\r\n" HDRS), ESIP_EBAD_STATUS);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "SIP/2.0 700 High\r\n" HDRS), ESIP_EBAD_STATUS);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "SIP/2.0 2000 OK\r\n" HDRS), ESIP_EBAD_STATUS);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "SIP/2.0 20 OK\r\n" HDRS), ESIP_EBAD_STATUS);
	done(&p);
	ck_assert_int_eq(parse_str(&p, "SIP/2.0 2x0 OK\r\n" HDRS), ESIP_EBAD_STATUS);
	done(&p);
}
END_TEST

/* ---- header fields -------------------------------------------------- */

#define REQ "INVITE sip:b@example.com SIP/2.0\r\n"

START_TEST(compact_and_case)
{
	parsed p;
	static const char *msg =
		REQ "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:a@x.com>;tag=1\r\n"
		"t: <sip:b@x.com>\r\ni: cid\r\nCSEQ: 5 INVITE\r\nc: application/sdp\r\n"
		"m: <sip:a@h>\r\nk: replaces\r\no: refer\r\nr: <sip:c@x.com>\r\n"
		"b: <sip:a@x.com>\r\nu: refer\r\nx: 90\r\ny: abc\r\na: *;audio\r\n"
		"j: *;video\r\nd: proxy\r\ns: hi\r\ne: gzip\r\nl: 3\r\n\r\nabc";
	static const esip_hdr_id ids[] = {
		ESIP_HDR_VIA, ESIP_HDR_FROM, ESIP_HDR_TO, ESIP_HDR_CALL_ID, ESIP_HDR_CSEQ,
		ESIP_HDR_CONTENT_TYPE, ESIP_HDR_CONTACT, ESIP_HDR_SUPPORTED, ESIP_HDR_EVENT,
		ESIP_HDR_REFER_TO, ESIP_HDR_REFERRED_BY, ESIP_HDR_ALLOW_EVENTS,
		ESIP_HDR_SESSION_EXPIRES, ESIP_HDR_IDENTITY, ESIP_HDR_ACCEPT_CONTACT,
		ESIP_HDR_REJECT_CONTACT, ESIP_HDR_REQUEST_DISPOSITION, ESIP_HDR_SUBJECT,
		ESIP_HDR_CONTENT_ENCODING, ESIP_HDR_CONTENT_LENGTH};
	size_t i;

	ck_assert_int_gt(parse_str(&p, msg), 0);
	ck_assert_uint_eq(p.m.nhdrs, sizeof ids / sizeof ids[0]);
	for (i = 0; i < p.m.nhdrs; i++)
		ck_assert_uint_eq(p.m.hdrs[i].id, ids[i]);
	ck_assert(str_is(p.m.call_id, "cid"));
	ck_assert(str_is(p.m.content_type, "application/sdp"));
	ck_assert(str_is(p.m.body, "abc"));
	/* lookups by either form */
	ck_assert_ptr_eq(esip_msg_hdr_by_name(&p.m, ESIP_STR("REFER-TO")),
			 esip_msg_hdr(&p.m, ESIP_HDR_REFER_TO));
	ck_assert_ptr_eq(esip_msg_hdr_by_name(&p.m, ESIP_STR("R")),
			 esip_msg_hdr(&p.m, ESIP_HDR_REFER_TO));
	done(&p);
}
END_TEST

START_TEST(lookup_confirms_full_name)
{
	/* never decided by a hash or a prefix (cf. libre's "khd") */
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("khd")), ESIP_HDR_OTHER);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("Content-Lengthx")), ESIP_HDR_OTHER);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("Content-Lengt")), ESIP_HDR_OTHER);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("Content_Length")), ESIP_HDR_OTHER);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("cONTENT-lENGTH")), ESIP_HDR_CONTENT_LENGTH);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("Vib")), ESIP_HDR_OTHER);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("q")), ESIP_HDR_OTHER);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("")), ESIP_HDR_OTHER);
	/* 0x40 | 0x20 == 0x60: only letters fold */
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("Call\x0dID")), ESIP_HDR_OTHER);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("CALL-ID")), ESIP_HDR_CALL_ID);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("WWW-Authenticate")), ESIP_HDR_WWW_AUTHENTICATE);
	ck_assert_int_eq(esip_hdr_lookup(ESIP_STR("P-Asserted-Identity")),
			 ESIP_HDR_P_ASSERTED_IDENTITY);
	ck_assert_str_eq(esip_hdr_name(ESIP_HDR_CALL_ID), "Call-ID");
	ck_assert_int_eq(esip_hdr_compact(ESIP_HDR_CALL_ID), 'i');
	ck_assert(esip_hdr_flags(ESIP_HDR_VIA) & ESIP_HF_LIST);
	ck_assert(esip_hdr_flags(ESIP_HDR_CSEQ) & ESIP_HF_SINGLE);
}
END_TEST

START_TEST(every_known_header_name)
{
	/* every name of headers.def maps back to its id, in any case */
	int id;

	for (id = 1; id < ESIP_HDR__COUNT; id++) {
		const char *n = esip_hdr_name((esip_hdr_id)id);
		char up[64];
		size_t i;
		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(esip_hdr_lookup(esip_str_cstr(n)), id);
		for (i = 0; n[i] && i < sizeof up - 1; i++)
			up[i] = (char)((n[i] >= 'a' && n[i] <= 'z') ? n[i] - 32 : n[i]);
		up[i] = 0;
		ck_assert_int_eq(esip_hdr_lookup(esip_str_cstr(up)), id);
		if (esip_hdr_compact((esip_hdr_id)id)) {
			char c[2] = {esip_hdr_compact((esip_hdr_id)id), 0};
			ck_assert_int_eq(esip_hdr_lookup(esip_str_cstr(c)), id);
		}
	}
}
END_TEST

START_TEST(folding_and_whitespace)
{
	parsed p;
	static const char *msg =
		REQ "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom:\r\n  \"A\" <sip:a@x.com>\r\n\t;tag=77\r\n"
		"To   :   <sip:b@x.com>   \r\nCall-ID: cid\r\nCSeq: 1\r\n INVITE\r\n"
		"Subject: a\r\n b\r\n\tc\r\nContent-Length: 0\r\n\r\n";
	const esip_hdr *h;
	char out[1024];
	long n;

	ck_assert_int_gt(parse_str(&p, msg), 0);
	ck_assert(str_is(p.m.from.tag, "77"));
	ck_assert(str_is(p.m.from.display, "\"A\""));
	ck_assert(str_is(p.m.to.uri, "sip:b@x.com"));
	ck_assert(str_is(p.m.cseq_method, "INVITE"));
	h = esip_msg_hdr(&p.m, ESIP_HDR_SUBJECT);
	ck_assert(str_is(h->value, "a\r\n b\r\n\tc"));
	n = esip_msg_print(&p.m, out, sizeof out);
	ck_assert_int_gt(n, 0);
	out[n] = 0;
	ck_assert_ptr_nonnull(strstr(out, "Subject: a b c\r\n"));
	done(&p);
}
END_TEST

START_TEST(bare_lf_lines)
{
	parsed p;

	ck_assert_int_gt(parse_str(&p, "OPTIONS sip:b@x.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
				       "From: <sip:a@x.com>;tag=1\nTo: <sip:b@x.com>\nCall-ID: c\n"
				       "CSeq: 1 OPTIONS\nContent-Length: 2\n\nhi"),
			 0);
	ck_assert(str_is(p.m.body, "hi"));
	done(&p);
}
END_TEST

START_TEST(duplicates_detected)
{
	parsed p;
	esip_validation v;

	ck_assert_int_gt(parse_str(&p, REQ "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
					   "From: <sip:a@x.com>;tag=1\r\nTo: <sip:b@x.com>\r\n"
					   "Call-ID: one\r\nCall-ID: two\r\nCSeq: 1 INVITE\r\n"
					   "Max-Forwards: 1\r\nMax-Forwards: 2\r\nContent-Length: 0\r\n\r\n"),
			 0);
	ck_assert(str_is(p.m.call_id, "one")); /* not silently overwritten */
	ck_assert_int_eq(p.m.max_forwards, 1);
	ck_assert(p.m.flags & ESIP_MSGF_DUP_SINGLE);
	ck_assert(p.m.dup_mask & (1u << ESIP_DUPBIT_CALL_ID));
	ck_assert(p.m.dup_mask & (1u << ESIP_DUPBIT_MAX_FORWARDS));
	ck_assert_int_eq(esip_msg_validate_request(&p.m, NULL, &v), 400);
	done(&p);
	/* equal repeated Content-Length: framed, flagged; different: fatal */
	ck_assert_int_gt(parse_str(&p, REQ "Content-Length: 0\r\nl: 0\r\n\r\n"), 0);
	ck_assert(p.m.dup_mask & (1u << ESIP_DUPBIT_CONTENT_LENGTH));
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "Content-Length: 0\r\nl: 1\r\n\r\nx"),
			 ESIP_EBAD_CONTENT_LENGTH);
	done(&p);
}
END_TEST

START_TEST(bad_values_keep_framing)
{
	parsed p;

	/* a bad Via: error, but framed, key fields that parsed are set */
	ck_assert_int_eq(parse_str(&p, REQ "Via: SIP/2.0 h\r\nCall-ID: c9\r\nContent-Length: 1\r\n\r\nx"),
			 ESIP_EBAD_VIA);
	ck_assert(p.m.flags & ESIP_MSGF_FRAMED);
	ck_assert(str_is(p.m.call_id, "c9"));
	ck_assert(str_is(p.m.body, "x"));
	ck_assert_uint_eq(p.m.err_off, strlen(REQ "Via: "));
	done(&p);
	/* header line without a colon */
	ck_assert_int_eq(parse_str(&p, REQ "Foobar roobar\r\nContent-Length: 0\r\n\r\n"),
			 ESIP_EBAD_HEADER);
	ck_assert(p.m.flags & ESIP_MSGF_FRAMED);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "Call-ID: a b\r\n\r\n"), ESIP_EBAD_CALL_ID);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "CSeq: 4294967296 INVITE\r\n\r\n"), ESIP_EBAD_CSEQ);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "CSeq: 1INVITE\r\n\r\n"), ESIP_EBAD_CSEQ);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "Max-Forwards: 256\r\n\r\n"), ESIP_EBAD_MAX_FORWARDS);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "Content-Length: -1\r\n\r\n"), ESIP_EBAD_CONTENT_LENGTH);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "Content-Length: 99999999999999999999\r\n\r\n"),
			 ESIP_EBAD_CONTENT_LENGTH);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "To: <sip:b@x.com>;tag=\r\n\r\n"), ESIP_EBAD_NAMEADDR);
	done(&p);
	ck_assert_int_eq(parse_str(&p, REQ "From: <sip:b@x.com>;;tag=1\r\n\r\n"), ESIP_EBAD_NAMEADDR);
	done(&p);
}
END_TEST

START_TEST(limits)
{
	parsed p;
	esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;
	char big[4096];
	guard_buf g;
	const char *in;
	size_t n;
	int i;

	/* too many headers */
	n = (size_t)snprintf(big, sizeof big, "%s", REQ);
	for (i = 0; i < 10; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
	lim.max_headers = 5;
	in = guard_copy(&g, big, n);
	esip_msg_init(&p.m, p.hdrs, NHDR);
	ck_assert_int_eq(esip_msg_parse(&p.m, in, n, 0, &lim), ESIP_ETOO_MANY_HEADERS);
	/* the caller's array caps it too */
	esip_msg_init(&p.m, p.hdrs, 3);
	ck_assert_int_eq(esip_msg_parse(&p.m, in, n, 0, NULL), ESIP_ETOO_MANY_HEADERS);
	guard_free(&g);
	/* line length */
	lim = (esip_parse_limits)ESIP_PARSE_LIMITS_INIT;
	lim.max_line_len = 20;
	in = guard_copy(&g, REQ "Subject: 0123456789012345\r\n\r\n",
			strlen(REQ "Subject: 0123456789012345\r\n\r\n"));
	esip_msg_init(&p.m, p.hdrs, NHDR);
	ck_assert_int_eq(esip_msg_parse(&p.m, in, g.len, 0, &lim), ESIP_ELINE_TOO_LONG);
	guard_free(&g);
	/* message size: datagram and stream */
	lim = (esip_parse_limits)ESIP_PARSE_LIMITS_INIT;
	lim.max_msg_size = 60;
	in = guard_copy(&g, REQ "Subject: 0123456789012345678901234567890\r\n\r\n",
			strlen(REQ "Subject: 0123456789012345678901234567890\r\n\r\n"));
	esip_msg_init(&p.m, p.hdrs, NHDR);
	ck_assert_int_eq(esip_msg_parse(&p.m, in, g.len, 0, &lim), ESIP_EMSG_TOO_BIG);
	ck_assert_int_eq(esip_msg_parse(&p.m, in, g.len, ESIP_PARSE_STREAM, &lim),
			 ESIP_EMSG_TOO_BIG);
	guard_free(&g);
	lim.max_msg_size = 70; /* the header section fits, the body does not */
	in = guard_copy(&g, REQ "Content-Length: 100\r\n\r\n", strlen(REQ "Content-Length: 100\r\n\r\n"));
	ck_assert_int_eq(esip_msg_parse(&p.m, in, g.len, ESIP_PARSE_STREAM, &lim),
			 ESIP_EBODY_TOO_BIG);
	guard_free(&g);
}
END_TEST

START_TEST(body_truncated_datagram)
{
	parsed p;

	ck_assert_int_eq(parse_str(&p, REQ "Content-Length: 10\r\n\r\nshort"), ESIP_EBODY_TRUNCATED);
	ck_assert(p.m.flags & ESIP_MSGF_FRAMED);
	done(&p);
	ck_assert_int_eq(parse_guarded(&p, REQ "Content-Length: 10\r\n\r\nshort",
				       strlen(REQ "Content-Length: 10\r\n\r\nshort"), ESIP_PARSE_STREAM),
			 ESIP_ENEEDMORE);
	done(&p);
}
END_TEST

START_TEST(via_params)
{
	esip_via v;

	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bKx;"
						 "received=192.0.2.1;maddr=224.2.0.1;ttl=16"), &v), 0);
	ck_assert(str_is(v.protocol, "SIP"));
	ck_assert(str_is(v.version, "2.0"));
	ck_assert_uint_eq(v.port, 5070);
	ck_assert_uint_eq(v.host_type, ESIP_HOST_IPV4);
	ck_assert(v.rport.p && v.rport.len == 0);
	ck_assert(str_is(v.received, "192.0.2.1"));
	ck_assert(str_is(v.maddr, "224.2.0.1"));
	ck_assert(str_is(v.ttl, "16"));
	ck_assert(esip_via_branch_is_rfc3261(&v));
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/TCP [2001:db8::1]:5061;rport=1234"), &v), 0);
	ck_assert(str_is(v.host, "2001:db8::1"));
	ck_assert(str_is(v.rport, "1234"));
	ck_assert(!esip_via_branch_is_rfc3261(&v));
	/* missing transport, missing LWS, bad port, empty param */
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/64.124.66.32:9091"), &v), ESIP_EBAD_VIA);
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0"), &v), ESIP_EBAD_VIA);
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/UDPhost"), &v), ESIP_EBAD_VIA);
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/UDP h:70000"), &v), ESIP_EBAD_VIA);
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/UDP h;;branch=z9hG4bK1"), &v), ESIP_EBAD_VIA);
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/UDP h;branch="), &v), ESIP_EBAD_VIA);
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/UDP h;branch=\"x\""), &v), ESIP_EBAD_VIA);
	ck_assert_int_eq(esip_via_parse(ESIP_STR("SIP/2.0/UDP h extra"), &v), ESIP_EBAD_VIA);
}
END_TEST

START_TEST(nameaddr_forms)
{
	esip_nameaddr na;

	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("\"Bob \\\"B\\\"\" <sip:b@x.com;lr>;tag=9;x"), &na), 0);
	ck_assert(str_is(na.display, "\"Bob \\\"B\\\"\""));
	ck_assert(str_is(na.uri, "sip:b@x.com;lr"));
	ck_assert(str_is(na.tag, "9"));
	ck_assert(str_is(na.params, "tag=9;x"));
	ck_assert(na.angle);
	/* addr-spec: parameters belong to the header (RFC 4475 3.3.12) */
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("sip:+1972@gw1.example.net;unknownparam"), &na), 0);
	ck_assert(str_is(na.uri, "sip:+1972@gw1.example.net"));
	ck_assert(str_is(na.params, "unknownparam"));
	ck_assert(!na.angle);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("Bob Smith<sip:b@x.com>"), &na), 0);
	ck_assert(str_is(na.display, "Bob Smith"));
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("<sip:b@x.com>"), &na), 0);
	ck_assert(!na.display.p);
	/* malformed */
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("\"Bob <sip:b@x.com>"), &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("Bell, Alexander <sip:a@x.com>"), &na),
			 ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("<sip:b@x.com"), &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("<>"), &na), ESIP_EBAD_NAMEADDR);
	/* only LWS inside the <>: once a view that ended before it started
	 * (length SIZE_MAX), found by fuzz/fuzz_nameaddr.c */
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("k\t<\t>"), &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("<   >;tag=1"), &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("< sip:a@b >"), &na), 0);
	ck_assert(str_is(na.uri, "sip:a@b"));
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("<sip:b@x.com> junk"), &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR("<sip:b@x.com>;"), &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_parse(ESIP_STR(""), &na), ESIP_EBAD_NAMEADDR);
}
END_TEST

START_TEST(uri_basics)
{
	esip_uri u;
	esip_str v;

	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:alice:pw@atlanta.com:5061;transport=tcp;lr?subject=x&h=y"), &u), 0);
	ck_assert_uint_eq(u.scheme_id, ESIP_SCHEME_SIP);
	ck_assert(str_is(u.user, "alice"));
	ck_assert(str_is(u.password, "pw"));
	ck_assert(str_is(u.host, "atlanta.com"));
	ck_assert_uint_eq(u.port, 5061);
	ck_assert(str_is(u.params, "transport=tcp;lr"));
	ck_assert(str_is(u.headers, "subject=x&h=y"));
	ck_assert(esip_uri_param(&u, "TRANSPORT", &v) && str_is(v, "tcp"));
	ck_assert(esip_uri_lr(&u));
	ck_assert(!esip_uri_param(&u, "maddr", &v));
	/* RFC 4475 3.1.1.9: ';' in the user part */
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:user;par=u%40example.net@example.com"), &u), 0);
	ck_assert(str_is(u.user, "user;par=u%40example.net"));
	ck_assert(str_is(u.host, "example.com"));
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sips:[2001:db8::10]:5070"), &u), 0);
	ck_assert_uint_eq(u.scheme_id, ESIP_SCHEME_SIPS);
	ck_assert_uint_eq(u.host_type, ESIP_HOST_IPV6);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("tel:+1-201-555-0123;phone-context=example.com"), &u), 0);
	ck_assert_uint_eq(u.scheme_id, ESIP_SCHEME_TEL);
	ck_assert(str_is(u.user, "+1-201-555-0123"));
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("soap.beep://192.0.2.103:3002"), &u), 0);
	ck_assert_uint_eq(u.scheme_id, ESIP_SCHEME_OTHER);
	ck_assert(str_is(u.opaque, "//192.0.2.103:3002"));
	/* malformed */
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:2001:db8::10"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:@host"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:user@"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:host:"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:host;"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:us%zzer@host"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:host name"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:1.2.3"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:1.2.3.256"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:-host.com"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("sip:[::1"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("bubba@caley"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("<sip:a@b>"), &u), ESIP_EBAD_URI);
	ck_assert_int_eq(esip_uri_parse(ESIP_STR("x:"), &u), ESIP_EBAD_URI);
}
END_TEST

START_TEST(list_iteration)
{
	parsed p;
	esip_list_iter it;
	esip_str v;
	static const char *want[] = {"\"a,b\" <sip:x@y>", "<sip:q@r;p=a,b>", "sip:z@w"};
	int n = 0;

	/* commas inside quotes and <> do not split; empty elements skipped */
	ck_assert_int_gt(parse_str(&p, REQ "Route: \"a,b\" <sip:x@y>, ,<sip:q@r;p=a,b>\r\n"
					   "Route: sip:z@w\r\nContent-Length: 0\r\n\r\n"), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_ROUTE);
	while (esip_list_next(&it, &v) == 1) {
		ck_assert_int_lt(n, 3);
		ck_assert_msg(str_is(v, want[n]), "element %d", n);
		n++;
	}
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(esip_msg_hdr_count(&p.m, ESIP_HDR_ROUTE), 2);
	done(&p);
}
END_TEST

START_TEST(guard_page_truncations)
{
	/* every truncation of a message, each ending at a guard page */
	size_t len, n;
	char *b = load("rfc4475", "wsinv.dat", &len);

	for (n = 0; n <= len; n++) {
		parsed p;
		parse_guarded(&p, b, n, ESIP_PARSE_DATAGRAM);
		done(&p);
		parse_guarded(&p, b, n, ESIP_PARSE_STREAM);
		done(&p);
	}
	free(b);
}
END_TEST

Suite *suite_msg(void);
Suite *suite_msg(void)
{
	Suite *s = suite_create("parser-msg");
	TCase *tc = tcase_create("msg");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rfc4475_torture);
	tcase_add_test(tc, rfc5118_ipv6_torture);
	tcase_add_test(tc, wsinv_fields);
	tcase_add_test(tc, ipv6_hosts);
	tcase_add_test(tc, trailing_octets_and_no_clen);
	tcase_add_test(tc, escnull_no_truncation);
	tcase_add_test(tc, stream_prefixes_need_more);
	tcase_add_test(tc, stream_two_messages);
	tcase_add_test(tc, print_parse_roundtrip);
	tcase_add_test(tc, start_lines);
	tcase_add_test(tc, status_lines);
	tcase_add_test(tc, compact_and_case);
	tcase_add_test(tc, lookup_confirms_full_name);
	tcase_add_test(tc, every_known_header_name);
	tcase_add_test(tc, folding_and_whitespace);
	tcase_add_test(tc, bare_lf_lines);
	tcase_add_test(tc, duplicates_detected);
	tcase_add_test(tc, bad_values_keep_framing);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, body_truncated_datagram);
	tcase_add_test(tc, via_params);
	tcase_add_test(tc, nameaddr_forms);
	tcase_add_test(tc, uri_basics);
	tcase_add_test(tc, list_iteration);
	tcase_add_test(tc, guard_page_truncations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_msg()};
	return test_run(s, 1);
}
