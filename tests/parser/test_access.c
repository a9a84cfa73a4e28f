/*
 * test_access.c - the typed accessors, on real message bytes: messages
 * written here and the RFC 4475 / RFC 5118 torture messages, parsed from
 * guard-page copies, then every accessor on their headers: Contact (with
 * expires and q), Route-like lists, Expires, token lists, Event,
 * Subscription-State, Replaces (also out of a Refer-To URI), Refer-To,
 * Referred-By, Refer-Sub, challenges and credentials, Retry-After, Accept.
 * Valid and malformed forms; every prefix of every value at a guard page.
 */
#include "ptest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQ_HEAD(method)                                                   \
	method " sip:b@example.com SIP/2.0\r\n"                            \
	       "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKacc1\r\n"    \
	       "Max-Forwards: 70\r\nTo: <sip:b@example.com>\r\n"           \
	       "From: <sip:a@example.com>;tag=a1\r\nCall-ID: acc1@192.0.2.1\r\n" \
	       "CSeq: 1 " method "\r\n"
#define END "Content-Length: 0\r\n\r\n"

/* Parses a written message; it must parse (or, with bad values, at least
 * frame) so that its headers can be read. */
static void msg(parsed *p, const char *s)
{
	parse_str(p, s);
	ck_assert_msg(p->m.flags & ESIP_MSGF_FRAMED, "not framed: %s", esip_errname(p->rc));
}

/* The value of the first header id of p, which must exist. */
static esip_str hval(const parsed *p, esip_hdr_id id)
{
	const esip_hdr *h = esip_msg_hdr(&p->m, id);

	ck_assert_ptr_nonnull(h);
	return h->value;
}

/* Each value parser behind one signature, for the table-driven checks. */
typedef int value_parser(esip_str s);

static int p_event(esip_str s)
{
	esip_event e;
	return esip_event_parse(s, &e);
}

static int p_substate(esip_str s)
{
	esip_substate st;
	return esip_substate_parse(s, &st);
}

static int p_replaces(esip_str s)
{
	esip_replaces r;
	return esip_replaces_parse(s, &r);
}

static int p_auth(esip_str s)
{
	esip_auth a;
	esip_str v;
	int rc = esip_auth_parse(s, &a);

	if (!rc)
		(void)esip_auth_param(&a, "qop", &v);
	return rc;
}

static int p_retry_after(esip_str s)
{
	esip_retry_after ra;
	return esip_retry_after_parse(s, &ra);
}

static int p_media_range(esip_str s)
{
	esip_media_range mr;
	return esip_media_range_parse(s, &mr);
}

static int p_refer_sub(esip_str s)
{
	bool b;
	return esip_refer_sub_parse(s, &b);
}

static int p_refer_to(esip_str s)
{
	esip_nameaddr na;
	return esip_refer_to_parse(s, &na);
}

static int p_referred_by(esip_str s)
{
	esip_nameaddr na;
	return esip_referred_by_parse(s, &na);
}

/* A contact value: the name-addr, then its expires and q read as if the
 * whole parameter list were each value. */
static int p_contact_values(esip_str s)
{
	esip_contact c;
	esip_uri u;
	char out[64];
	unsigned q;
	uint32_t secs;
	int rc = esip_nameaddr_parse(s, &c.na);

	if (rc)
		return rc;
	if (!esip_uri_parse(c.na.uri, &u))
		(void)esip_uri_header(&u, "x", out, sizeof out);
	c.expires = c.na.params;
	c.q = c.na.params;
	(void)esip_contact_expires(&c, &secs);
	return esip_contact_q(&c, &q);
}

/* Every one of bad[] (placed at a guard page), and the absent view, is
 * ESIP_EBAD_VALUE. */
static void rejects(value_parser *parse, const char *what, const char *const *bad, size_t n)
{
	guard_buf g;
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_msg(parse(guard_str(&g, bad[i])) == ESIP_EBAD_VALUE, "%s: '%s'", what,
			      bad[i]);
		guard_free(&g);
	}
	ck_assert_msg(parse(ESIP_STR_NULL) == ESIP_EBAD_VALUE, "%s: absent", what);
}
#define REJECTS(parse, what, bad) rejects(parse, what, bad, sizeof bad / sizeof bad[0])

/* ---- Contact ----------------------------------------------------------- */

START_TEST(contact_list)
{
	parsed p;
	esip_list_iter it;
	esip_contact c;
	uint32_t secs;
	unsigned q;
	esip_uri u;

	msg(&p, REQ_HEAD("REGISTER")
		"Contact: \"Alice, at home\" <sip:alice@192.0.2.1;transport=tcp>;expires=3600;q=0.7,\r\n"
		" <sip:alice@[2001:db8::1]>;Q=1.0 , sip:alice@192.0.2.2;EXPIRES=0\r\n"
		"m: <sip:a@h.example.com>;q=0.001;expires=4294967296;x=\"a;b,c\"\r\n"
		"Contact: <tel:+1-201-555-0123>;expires=00060\r\n" END);
	ck_assert_int_gt(p.rc, 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);

	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(!c.star);
	ck_assert(str_is(c.na.display, "\"Alice, at home\""));
	ck_assert(str_is(c.na.uri, "sip:alice@192.0.2.1;transport=tcp"));
	ck_assert(str_is(c.expires, "3600"));
	ck_assert(str_is(c.q, "0.7"));
	ck_assert_int_eq(esip_contact_expires(&c, &secs), 0);
	ck_assert_uint_eq(secs, 3600);
	ck_assert_int_eq(esip_contact_q(&c, &q), 0);
	ck_assert_uint_eq(q, 700);

	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(str_is(c.na.uri, "sip:alice@[2001:db8::1]"));
	ck_assert_int_eq(esip_uri_parse(c.na.uri, &u), 0);
	ck_assert_uint_eq(u.host_type, ESIP_HOST_IPV6);
	ck_assert_int_eq(esip_contact_q(&c, &q), 0);
	ck_assert_uint_eq(q, 1000);
	ck_assert_int_eq(esip_contact_expires(&c, &secs), ESIP_ENOTFOUND);

	/* addr-spec: ;EXPIRES belongs to the header (RFC 3261 20.10) */
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(!c.na.angle);
	ck_assert(str_is(c.na.uri, "sip:alice@192.0.2.2"));
	ck_assert_int_eq(esip_contact_expires(&c, &secs), 0);
	ck_assert_uint_eq(secs, 0);
	ck_assert_int_eq(esip_contact_q(&c, &q), ESIP_ENOTFOUND);

	/* compact form; 2**32 is capped (RFC 3261 10.2.1.1) */
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert_int_eq(esip_contact_q(&c, &q), 0);
	ck_assert_uint_eq(q, 1);
	ck_assert_int_eq(esip_contact_expires(&c, &secs), 0);
	ck_assert_uint_eq(secs, UINT32_MAX);

	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(str_is(c.na.uri, "tel:+1-201-555-0123"));
	ck_assert_int_eq(esip_contact_expires(&c, &secs), 0);
	ck_assert_uint_eq(secs, 60);

	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	done(&p);
}
END_TEST

START_TEST(contact_star_and_absent)
{
	parsed p;
	esip_list_iter it;
	esip_contact c;
	uint32_t secs;

	/* RFC 3261 10.2.2: removing all bindings */
	msg(&p, REQ_HEAD("REGISTER") "Contact: *\r\nExpires: 0\r\n" END);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(c.star);
	ck_assert(!c.na.uri.p);
	ck_assert_int_eq(esip_contact_expires(&c, &secs), ESIP_ENOTFOUND);
	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	ck_assert_int_eq(esip_msg_expires(&p.m, &secs), 0);
	ck_assert_uint_eq(secs, 0);
	done(&p);
	/* no Contact header at all */
	msg(&p, REQ_HEAD("OPTIONS") END);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	ck_assert_int_eq(esip_msg_expires(&p.m, &secs), ESIP_ENOTFOUND);
	done(&p);
}
END_TEST

START_TEST(contact_malformed)
{
	parsed p;
	esip_list_iter it;
	esip_contact c;
	uint32_t secs;
	unsigned q;

	msg(&p, REQ_HEAD("REGISTER")
		"Contact: <sip:a@h.com;q=0.5\r\nContact: <sip:b@h.com>;q=0.5;Q=0.6\r\n"
		"Contact: <sip:c@h.com>;expires=abc;q=1.5, <sip:d@h.com>;expires;q\r\n"
		"Contact: <sip:e@h.com>;expires=-1;q=0.1234, <sip:f@h.com>;;q=1\r\n"
		"Contact: \"unterminated <sip:g@h.com>\r\nContact: <sip:h@h.com>;expires=\"60\"\r\n" END);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	/* an unterminated <...> swallows the rest of its line */
	ck_assert_int_eq(esip_contact_next(&it, &c), ESIP_EBAD_NAMEADDR);
	/* the iteration goes on: repeated q (names are case-insensitive) */
	ck_assert_int_eq(esip_contact_next(&it, &c), ESIP_EBAD_NAMEADDR);
	/* malformed values are the registrar's call (10.2.1.1: 3600) */
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert_int_eq(esip_contact_expires(&c, &secs), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_contact_q(&c, &q), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(c.expires.p && !c.expires.len && c.q.p && !c.q.len);
	ck_assert_int_eq(esip_contact_expires(&c, &secs), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_contact_q(&c, &q), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert_int_eq(esip_contact_expires(&c, &secs), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_contact_q(&c, &q), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_contact_next(&it, &c), ESIP_EBAD_NAMEADDR); /* ";;" */
	ck_assert_int_eq(esip_contact_next(&it, &c), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert_int_eq(esip_contact_expires(&c, &secs), ESIP_EBAD_VALUE); /* quoted */
	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	done(&p);
}
END_TEST

START_TEST(qvalue_grammar)
{
	/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
	static const struct {
		const char *q;
		int rc;
		unsigned v;
	} t[] = {
		{"0", 0, 0}, {"1", 0, 1000}, {"0.", 0, 0}, {"1.", 0, 1000},
		{"0.5", 0, 500}, {"0.05", 0, 50}, {"0.005", 0, 5}, {"0.999", 0, 999},
		{"1.0", 0, 1000}, {"1.00", 0, 1000}, {"1.000", 0, 1000}, {"0.000", 0, 0},
		{"1.001", ESIP_EBAD_VALUE, 0}, {"1.5", ESIP_EBAD_VALUE, 0},
		{"2", ESIP_EBAD_VALUE, 0}, {".5", ESIP_EBAD_VALUE, 0},
		{"0.1234", ESIP_EBAD_VALUE, 0}, {"00.5", ESIP_EBAD_VALUE, 0},
		{"0,5", ESIP_EBAD_VALUE, 0}, {"0.5a", ESIP_EBAD_VALUE, 0},
		{"0.a", ESIP_EBAD_VALUE, 0}, {"-0", ESIP_EBAD_VALUE, 0},
		{"", ESIP_EBAD_VALUE, 0},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		esip_contact c;
		guard_buf g;
		unsigned q = 12345;

		memset(&c, 0, sizeof c);
		c.q = guard_str(&g, t[i].q);
		ck_assert_msg(esip_contact_q(&c, &q) == t[i].rc, "q=%s", t[i].q);
		if (!t[i].rc)
			ck_assert_msg(q == t[i].v, "q=%s gave %u", t[i].q, q);
		guard_free(&g);
	}
}
END_TEST

/* ---- RFC 4475 messages ----------------------------------------------- */

START_TEST(rfc4475_esc01_contacts)
{
	/* 3.1.1.3: escapes in the userparts and in the Contact parameters */
	size_t len;
	char *b = load("rfc4475", "esc01.dat", &len);
	parsed p;
	esip_list_iter it;
	esip_contact c;
	esip_uri u, from;
	guri want;
	char out[64];

	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert_int_eq(esip_uri_parse(c.na.uri, &u), 0);
	ck_assert(esip_uri_lr(&u));
	guri_parse(&want, "sip:caller@host5.example.net;lr;name=value%2541");
	ck_assert(esip_uri_eq(&u, &want.u));
	guri_free(&want);
	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	/* the From user unescapes to "I have spaces" */
	ck_assert_int_eq(esip_uri_parse(p.m.from.uri, &from), 0);
	ck_assert_int_eq(esip_pct_decode(from.user, out, sizeof out), 13);
	ck_assert(!memcmp(out, "I have spaces", 13));
	/* the Request-URI user is an escaped sips URI */
	ck_assert_int_eq(esip_pct_decode(p.m.ruri.user, out, sizeof out), 21);
	ck_assert(!memcmp(out, "sips:user@example.com", 21));
	done(&p);
	free(b);
}
END_TEST

START_TEST(rfc4475_escnull_esc02)
{
	size_t len;
	char *b = load("rfc4475", "escnull.dat", &len);
	parsed p;
	esip_list_iter it;
	esip_contact c1, c2;
	esip_uri u1, u2;

	/* 3.1.1.4: two distinct contacts, %00 and %00%00 */
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c1), 1);
	ck_assert_int_eq(esip_contact_next(&it, &c2), 1);
	ck_assert_int_eq(esip_contact_next(&it, &c2), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c1), 1);
	ck_assert_int_eq(esip_contact_next(&it, &c2), 1);
	ck_assert_int_eq(esip_uri_parse(c1.na.uri, &u1), 0);
	ck_assert_int_eq(esip_uri_parse(c2.na.uri, &u2), 0);
	ck_assert(!esip_uri_eq(&u1, &u2));
	done(&p);
	free(b);
	/* 3.1.1.5: two Contact values, not three (C%6Fntact is another
	 * header) */
	b = load("rfc4475", "esc02.dat", &len);
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c1), 1);
	ck_assert(str_is(c1.na.uri, "sip:alias1@host1.example.com"));
	ck_assert_int_eq(esip_contact_next(&it, &c1), 1);
	ck_assert(str_is(c1.na.uri, "sip:alias3@host3.example.com"));
	ck_assert_int_eq(esip_contact_next(&it, &c1), 0);
	done(&p);
	free(b);
}
END_TEST

START_TEST(rfc4475_contact_params)
{
	/* 3.3.12 (cparam01): addr-spec, the parameter is the header's;
	 * 3.3.13 (cparam02): name-addr, the parameter is the URI's.  The two
	 * URIs are equivalent (an unknown parameter in one is ignored). */
	size_t l1, l2;
	char *b1 = load("rfc4475", "cparam01.dat", &l1);
	char *b2 = load("rfc4475", "cparam02.dat", &l2);
	parsed p1, p2;
	esip_list_iter it1, it2;
	esip_contact c1, c2;
	esip_uri u1, u2;
	esip_str v;

	ck_assert_int_gt(parse_guarded(&p1, b1, l1, ESIP_PARSE_DATAGRAM), 0);
	ck_assert_int_gt(parse_guarded(&p2, b2, l2, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it1, &p1.m, ESIP_HDR_CONTACT);
	esip_list_iter_init(&it2, &p2.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it1, &c1), 1);
	ck_assert_int_eq(esip_contact_next(&it2, &c2), 1);
	ck_assert(esip_param_find(c1.na.params, "unknownparam", &v) && !v.p);
	ck_assert(!c2.na.params.p);
	ck_assert_int_eq(esip_uri_parse(c1.na.uri, &u1), 0);
	ck_assert_int_eq(esip_uri_parse(c2.na.uri, &u2), 0);
	ck_assert(!esip_uri_param(&u1, "unknownparam", NULL));
	ck_assert(esip_uri_param(&u2, "unknownparam", NULL));
	ck_assert(esip_uri_eq(&u1, &u2));
	done(&p1);
	done(&p2);
	free(b1);
	free(b2);
}
END_TEST

START_TEST(rfc4475_escaped_route_header)
{
	/* 3.3.14 (regescrt): the Contact URI keeps an escaped Route header;
	 * 3.1.2.13 (regbadct): the same without <> is malformed, but esip is
	 * liberal there (RFC 4475: "could infer the angle brackets") */
	static const char *const files[] = {"regescrt.dat", "regbadct.dat"};
	size_t i;

	for (i = 0; i < 2; i++) {
		size_t len;
		char *b = load("rfc4475", files[i], &len);
		parsed p;
		esip_list_iter it;
		esip_contact c;
		esip_uri u;
		char out[64];

		ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
		esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
		ck_assert_int_eq(esip_contact_next(&it, &c), 1);
		ck_assert_int_eq(c.na.angle, i == 0);
		ck_assert_int_eq(esip_uri_parse(c.na.uri, &u), 0);
		ck_assert_int_eq(esip_uri_header(&u, "Route", out, sizeof out), 21);
		ck_assert(!memcmp(out, "<sip:sip.example.com>", 21));
		done(&p);
		free(b);
	}
}
END_TEST

START_TEST(rfc4475_overlarge_scalars)
{
	/* 3.1.2.4 (scalar02): Expires > 2**32-1 is out of range; the Contact
	 * expires parameter is capped (RFC 3261 10.2.1.1) */
	size_t len;
	char *b = load("rfc4475", "scalar02.dat", &len);
	parsed p;
	esip_list_iter it;
	esip_contact c;
	esip_retry_after ra;
	uint32_t secs;

	parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM);
	ck_assert_int_eq(p.rc, ESIP_EBAD_CSEQ);
	ck_assert(p.m.flags & ESIP_MSGF_FRAMED);
	ck_assert_int_eq(esip_msg_expires(&p.m, &secs), ESIP_EBAD_VALUE);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(str_is(c.expires, "280297596632815"));
	ck_assert_int_eq(esip_contact_expires(&c, &secs), 0);
	ck_assert_uint_eq(secs, UINT32_MAX);
	done(&p);
	free(b);
	/* 3.1.2.5 (scalarlg): an unreasonably large Retry-After */
	b = load("rfc4475", "scalarlg.dat", &len);
	parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM);
	ck_assert(p.m.flags & ESIP_MSGF_FRAMED);
	ck_assert_int_eq(esip_retry_after_parse(hval(&p, ESIP_HDR_RETRY_AFTER), &ra),
			 ESIP_EBAD_VALUE);
	done(&p);
	free(b);
}
END_TEST

START_TEST(rfc4475_wsinv_values)
{
	/* 3.1.1.1: folded Contact parameters with LWS around ';' and '=' */
	size_t len;
	char *b = load("rfc4475", "wsinv.dat", &len);
	parsed p;
	esip_list_iter it;
	esip_contact c;
	esip_nameaddr na;
	esip_uri u;
	esip_str v;
	unsigned q;

	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert(str_is(c.na.display, "\"Quoted string \\\"\\\"\""));
	ck_assert(str_is(c.na.uri, "sip:jdrosen@example.com"));
	ck_assert_int_eq(esip_contact_q(&c, &q), 0);
	ck_assert_uint_eq(q, 330);
	ck_assert(esip_param_find(c.na.params, "newparam", &v) && str_is(v, "newvalue"));
	ck_assert(esip_param_find(c.na.params, "secondparam", &v) && !v.p);
	ck_assert_int_eq(esip_contact_next(&it, &c), 0);
	/* the folded Route value */
	esip_list_iter_init(&it, &p.m, ESIP_HDR_ROUTE);
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 1);
	ck_assert_int_eq(esip_uri_parse(na.uri, &u), 0);
	ck_assert(esip_uri_lr(&u));
	ck_assert(esip_uri_param(&u, "unknownwith", &v) && str_is(v, "value"));
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 0);
	done(&p);
	free(b);
}
END_TEST

START_TEST(rfc4475_tokens_accept_auth)
{
	size_t len;
	char *b = load("rfc4475", "bext01.dat", &len);
	parsed p;
	esip_list_iter it;
	esip_str t;
	esip_media_range mr;
	esip_auth a;
	esip_str v;
	esip_nameaddr na;
	esip_uri u;
	static const char *const accept[] = {"application/sdp", "application/pkcs7-mime",
					     "multipart/mixed", "multipart/signed",
					     "message/sip", "message/sipfrag"};
	int n = 0;

	/* 3.3.1 (bext01): unknown Require and Proxy-Require option tags */
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_REQUIRE);
	ck_assert_int_eq(esip_token_next(&it, &t), 1);
	ck_assert(str_is(t, "nothingSupportsThis"));
	ck_assert_int_eq(esip_token_next(&it, &t), 1);
	ck_assert(str_is(t, "nothingSupportsThisEither"));
	ck_assert_int_eq(esip_token_next(&it, &t), 0);
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_PROXY_REQUIRE, "NORDOANYPROXIESSUPPORTTHIS"));
	ck_assert(!esip_msg_has_token(&p.m, ESIP_HDR_PROXY_REQUIRE, "nothingSupportsThis"));
	done(&p);
	free(b);

	/* 3.1.1.12 (semiuri): a folded Accept list */
	b = load("rfc4475", "semiuri.dat", &len);
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_ACCEPT);
	while (esip_accept_next(&it, &mr) == 1) {
		char full[64];
		ck_assert_int_lt(n, 6);
		snprintf(full, sizeof full, "%.*s/%.*s", ESIP_STR_FMT(mr.type),
			 ESIP_STR_FMT(mr.subtype));
		ck_assert_str_eq(full, accept[n]);
		n++;
	}
	ck_assert_int_eq(n, 6);
	done(&p);
	free(b);

	/* 3.3.7 (regaut01): an unknown authorization scheme */
	b = load("rfc4475", "regaut01.dat", &len);
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	ck_assert_int_eq(esip_auth_parse(hval(&p, ESIP_HDR_AUTHORIZATION), &a), 0);
	ck_assert(str_is(a.scheme, "NoOneKnowsThisScheme"));
	ck_assert(esip_auth_param(&a, "opaque-data", &v) && str_is(v, "here"));
	done(&p);
	free(b);

	/* 3.4.1 (inv2543): a Record-Route with maddr */
	b = load("rfc4475", "inv2543.dat", &len);
	ck_assert_int_gt(parse_guarded(&p, b, len, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_RECORD_ROUTE);
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 1);
	ck_assert_int_eq(esip_uri_parse(na.uri, &u), 0);
	ck_assert(esip_uri_param(&u, "maddr", &v) && str_is(v, "ss1.example.com"));
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 0);
	done(&p);
	free(b);
}
END_TEST

/* ---- Route-like lists, Expires, tokens --------------------------------- */

START_TEST(route_lists)
{
	parsed p;
	esip_list_iter it;
	esip_nameaddr na;
	static const struct {
		esip_hdr_id id;
		const char *first;
		int count;
	} t[] = {
		{ESIP_HDR_ROUTE, "sip:p1.example.com;lr", 3},
		{ESIP_HDR_RECORD_ROUTE, "sip:rr@[2001:db8::1];lr", 2},
		{ESIP_HDR_PATH, "sip:P3@P3.EXAMPLEHOME.COM;lr", 2},
		{ESIP_HDR_SERVICE_ROUTE, "sip:orig@scscf.home1.net;lr", 1},
	};
	size_t i;

	msg(&p, REQ_HEAD("INVITE")
		"Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>\r\n"
		"Route: \"Proxy, three\" <sip:p3.example.com;lr>;x=1\r\n"
		"Record-Route: <sip:rr@[2001:db8::1];lr>, <sips:rr2.example.com>\r\n"
		"Path: <sip:P3@P3.EXAMPLEHOME.COM;lr>,\r\n <sip:P1@P1.EXAMPLEVISITED.COM;lr>\r\n"
		"Service-Route: <sip:orig@scscf.home1.net;lr>\r\n" END);
	ck_assert_int_gt(p.rc, 0);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int n = 0, rc;
		esip_list_iter_init(&it, &p.m, t[i].id);
		while ((rc = esip_nameaddr_next(&it, &na)) == 1) {
			if (!n)
				ck_assert(str_is(na.uri, t[i].first));
			ck_assert(na.angle);
			n++;
		}
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(n, t[i].count);
	}
	done(&p);
	/* addr-spec is not a route-param: the ";lr" would not be the URI's */
	msg(&p, REQ_HEAD("INVITE") "Route: sip:p1.example.com;lr, <sip:p2>, <bad\r\n" END);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_ROUTE);
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 1);
	ck_assert(str_is(na.uri, "sip:p2"));
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), ESIP_EBAD_NAMEADDR);
	ck_assert_int_eq(esip_nameaddr_next(&it, &na), 0);
	done(&p);
}
END_TEST

START_TEST(expires_header)
{
	static const struct {
		const char *v;
		int rc;
		uint32_t secs;
	} t[] = {
		{"3600", 0, 3600}, {"0", 0, 0}, {"0003600", 0, 3600},
		{"4294967295", 0, UINT32_MAX}, {"00000000000000000004294967295", 0, UINT32_MAX},
		{"4294967296", ESIP_EBAD_VALUE, 0},
		{"99999999999999999999999999x", ESIP_EBAD_VALUE, 0},
		{"abc", ESIP_EBAD_VALUE, 0}, {"-1", ESIP_EBAD_VALUE, 0},
		{"60 s", ESIP_EBAD_VALUE, 0}, {"1.5", ESIP_EBAD_VALUE, 0},
		{"", ESIP_EBAD_VALUE, 0},
		/* RFC 1123 dates were RFC 2543's; RFC 3261 20.19 has none */
		{"Thu, 01 Dec 1994 16:00:00 GMT", ESIP_EBAD_VALUE, 0},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		char m[512];
		parsed p;
		uint32_t secs = 7;
		snprintf(m, sizeof m, REQ_HEAD("REGISTER") "Expires: %s\r\n" END, t[i].v);
		msg(&p, m);
		ck_assert_msg(esip_msg_expires(&p.m, &secs) == t[i].rc, "Expires: %s", t[i].v);
		if (!t[i].rc)
			ck_assert_uint_eq(secs, t[i].secs);
		done(&p);
	}
	{
		/* repeated: the first one counts */
		parsed p;
		uint32_t secs;
		msg(&p, REQ_HEAD("REGISTER") "Expires: 10\r\nExpires: 20\r\n" END);
		ck_assert_int_eq(esip_msg_expires(&p.m, &secs), 0);
		ck_assert_uint_eq(secs, 10);
		done(&p);
	}
}
END_TEST

START_TEST(token_lists)
{
	parsed p;
	esip_list_iter it;
	esip_str t;
	static const char *const sup[] = {"replaces", "100rel", "timer", "norefersub", "path"};
	int n = 0, rc;

	msg(&p, REQ_HEAD("INVITE")
		"Supported: replaces,100rel , timer\r\nk: norefersub,\r\n path\r\n"
		"Require: 100rel\r\nProxy-Require: sec-agree\r\nUnsupported: foo\r\n"
		"Allow: INVITE, ACK, CANCEL, BYE, REFER\r\nAllow-Events: presence, dialog.winfo, refer\r\n"
		"Require: a b, c\r\nRequire: d@e, f\r\n" END);
	ck_assert_int_gt(p.rc, 0);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_SUPPORTED);
	while ((rc = esip_token_next(&it, &t)) == 1) {
		ck_assert_int_lt(n, 5);
		ck_assert_msg(str_is(t, sup[n]), "token %d", n);
		n++;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(n, 5);
	/* option-tags are case-insensitive */
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_SUPPORTED, "Replaces"));
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_SUPPORTED, "PATH"));
	ck_assert(!esip_msg_has_token(&p.m, ESIP_HDR_SUPPORTED, "gruu"));
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_PROXY_REQUIRE, "sec-agree"));
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_UNSUPPORTED, "FOO"));
	/* methods and event types are case-sensitive */
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_ALLOW, "REFER"));
	ck_assert(!esip_msg_has_token(&p.m, ESIP_HDR_ALLOW, "refer"));
	ck_assert(!esip_msg_has_token(&p.m, ESIP_HDR_ALLOW, "UPDATE"));
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_ALLOW_EVENTS, "dialog.winfo"));
	ck_assert(!esip_msg_has_token(&p.m, ESIP_HDR_ALLOW_EVENTS, "Presence"));
	/* a malformed element is reported, and skipped by has_token */
	esip_list_iter_init(&it, &p.m, ESIP_HDR_REQUIRE);
	ck_assert_int_eq(esip_token_next(&it, &t), 1);
	ck_assert_int_eq(esip_token_next(&it, &t), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_token_next(&it, &t), 1);
	ck_assert(str_is(t, "c"));
	ck_assert_int_eq(esip_token_next(&it, &t), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_token_next(&it, &t), 1);
	ck_assert(str_is(t, "f"));
	ck_assert_int_eq(esip_token_next(&it, &t), 0);
	ck_assert(esip_msg_has_token(&p.m, ESIP_HDR_REQUIRE, "F"));
	ck_assert(!esip_msg_has_token(&p.m, ESIP_HDR_REQUIRE, "a b"));
	ck_assert(!esip_msg_has_token(&p.m, ESIP_HDR_SUBJECT, "x"));
	done(&p);
}
END_TEST

/* ---- Event, Subscription-State ----------------------------------------- */

START_TEST(event_header)
{
	parsed p;
	esip_event e;
	guard_buf g;
	static const char *const bad[] = {
		"", ".x", "x.", "x..y", "x;id=", "x;id=\"q\"", "x;id", "x;id=1;id=2",
		"x;ID=1;id=1", "x y", "x;", "x;;a", "pres@ence", "x.y;id=a b",
	};

	/* in a message, compact form, with an id */
	msg(&p, REQ_HEAD("SUBSCRIBE") "o: dialog;id=1234;call-id=\"x@y\"\r\n" END);
	ck_assert_int_eq(esip_event_parse(hval(&p, ESIP_HDR_EVENT), &e), 0);
	ck_assert(str_is(e.package, "dialog"));
	ck_assert(str_is(e.id, "1234"));
	ck_assert(str_is(e.params, "id=1234;call-id=\"x@y\""));
	done(&p);
	/* an event template (RFC 6665 8.4), no parameters */
	ck_assert_int_eq(esip_event_parse(guard_str(&g, "presence.winfo"), &e), 0);
	ck_assert(str_is(e.package, "presence.winfo"));
	ck_assert(!e.id.p && !e.params.p);
	guard_free(&g);
	/* RFC 6665 8.2.1's example; LWS around ';' and '=' */
	ck_assert_int_eq(esip_event_parse(guard_str(&g, "foo; param=abcd; id = 1234"), &e), 0);
	ck_assert(str_is(e.package, "foo"));
	ck_assert(str_is(e.id, "1234"));
	guard_free(&g);
	ck_assert_int_eq(esip_event_parse(guard_str(&g, " refer;id=93809824 "), &e), 0);
	ck_assert(str_is(e.package, "refer"));
	ck_assert(str_is(e.id, "93809824"));
	guard_free(&g);
	ck_assert_int_eq(esip_event_parse(guard_str(&g, "a.b.c-d_e!;x=\"q;v\""), &e), 0);
	ck_assert(str_is(e.package, "a.b.c-d_e!"));
	guard_free(&g);
	REJECTS(p_event, "Event", bad);
}
END_TEST

START_TEST(subscription_state)
{
	parsed p;
	esip_substate st;
	guard_buf g;
	static const char *const bad[] = {
		"", "active;expires=x", "active;expires=4294967296", "active;expires=1;expires=2",
		"active;expires", "active;expires=\"60\"", "terminated;reason=\"timeout\"",
		"terminated;reason", "terminated;reason=a;reason=b", "active;;", "active;",
		"act ive", "pending;retry-after=-1", "terminated;retry-after=1;retry-after=1",
	};

	msg(&p, REQ_HEAD("NOTIFY") "Event: refer\r\nSubscription-State: active;expires=600\r\n" END);
	ck_assert_int_eq(esip_substate_parse(hval(&p, ESIP_HDR_SUBSCRIPTION_STATE), &st), 0);
	ck_assert(str_is(st.state, "active"));
	ck_assert(st.has_expires && st.expires == 600);
	ck_assert(!st.has_retry_after && !st.reason.p);
	done(&p);
	ck_assert_int_eq(esip_substate_parse(guard_str(&g, "pending"), &st), 0);
	ck_assert(str_is(st.state, "pending"));
	ck_assert(!st.has_expires && !st.params.p);
	guard_free(&g);
	ck_assert_int_eq(esip_substate_parse(
				 guard_str(&g, "terminated;reason=noresource;retry-after=3600;x=y"), &st),
			 0);
	ck_assert(str_is(st.state, "terminated"));
	ck_assert(str_is(st.reason, "noresource"));
	ck_assert(st.has_retry_after && st.retry_after == 3600);
	ck_assert(str_is(st.params, "reason=noresource;retry-after=3600;x=y"));
	guard_free(&g);
	/* LWS and case in names; an extension state; 2**32-1 */
	ck_assert_int_eq(esip_substate_parse(guard_str(&g, "Waiting ;\r\n EXPIRES = 4294967295"),
					     &st),
			 0);
	ck_assert(str_is(st.state, "Waiting"));
	ck_assert(st.has_expires && st.expires == UINT32_MAX);
	guard_free(&g);
	REJECTS(p_substate, "Subscription-State", bad);
}
END_TEST

/* ---- REFER: Replaces, Refer-To, Referred-By, Refer-Sub ----------------- */

START_TEST(replaces_header)
{
	parsed p;
	esip_replaces r;
	guard_buf g;
	static const char *const bad[] = {
		"", "98732@sip.example.com", "a;to-tag=1", "a;from-tag=1",
		"a;to-tag=1;from-tag=2;to-tag=1", "a;to-tag=1;from-tag=2;from-tag=3",
		"a;to-tag=;from-tag=2", "a;to-tag=\"1\";from-tag=2", "a;to-tag;from-tag=2",
		"a;to-tag=1;from-tag=2;early-only=1", "a@b@c;to-tag=1;from-tag=2",
		"@b;to-tag=1;from-tag=2", "a@;to-tag=1;from-tag=2", "a b;to-tag=1;from-tag=2",
		"a;to-tag=1;from-tag=2;", "a;;to-tag=1;from-tag=2", ";to-tag=1;from-tag=2",
		"a,b;to-tag=1;from-tag=2",
	};

	/* RFC 3891 6.1's examples: folded, parameters in any order */
	msg(&p, REQ_HEAD("INVITE")
		"Replaces: 98732@sip.example.com\r\n          ;from-tag=r33th4x0r\r\n"
		"          ;to-tag=ff87ff\r\n" END);
	ck_assert_int_gt(p.rc, 0);
	ck_assert_int_eq(esip_replaces_parse(hval(&p, ESIP_HDR_REPLACES), &r), 0);
	ck_assert(str_is(r.call_id, "98732@sip.example.com"));
	ck_assert(str_is(r.from_tag, "r33th4x0r"));
	ck_assert(str_is(r.to_tag, "ff87ff"));
	ck_assert(!r.early_only);
	done(&p);
	ck_assert_int_eq(esip_replaces_parse(
				 guard_str(&g, "12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only"),
				 &r),
			 0);
	ck_assert(str_is(r.call_id, "12adf2f34456gs5"));
	ck_assert(r.early_only);
	guard_free(&g);
	ck_assert_int_eq(esip_replaces_parse(
				 guard_str(&g, "87134@171.161.34.23;to-tag=24796;from-tag=0"), &r),
			 0);
	ck_assert(str_is(r.from_tag, "0"));
	guard_free(&g);
	/* names are case-insensitive, LWS around ';' '=', other params kept */
	ck_assert_int_eq(esip_replaces_parse(
				 guard_str(&g, "a<b>:c@[x] ; TO-TAG = 1 ; From-Tag=2;x=\"y\""), &r),
			 0);
	ck_assert(str_is(r.call_id, "a<b>:c@[x]"));
	ck_assert(str_is(r.to_tag, "1"));
	ck_assert(str_is(r.from_tag, "2"));
	ck_assert(str_is(r.params, " TO-TAG = 1 ; From-Tag=2;x=\"y\""));
	guard_free(&g);
	REJECTS(p_replaces, "Replaces", bad);
}
END_TEST

START_TEST(refer_to_with_replaces)
{
	/* RFC 5589 / RFC 3891 7.1: the transfer target gets the Replaces
	 * header escaped into the Refer-To URI; decode it and parse it */
	parsed p;
	esip_nameaddr na;
	esip_uri u;
	esip_replaces r;
	char dec[256];
	long n;
	esip_str v;

	msg(&p, REQ_HEAD("REFER")
		"r: <sips:bob@biloxi.example.net;method=INVITE?Replaces=425928%40bobster.example.org"
		"%3Bto-tag%3D7743%3Bfrom-tag%3D6472%3Bearly-only>;x=1\r\n"
		"Referred-By: <sip:A.example>;\r\n    cid=\"23094202342.10123091233@A.example\"\r\n"
		"Refer-Sub: false\r\n" END);
	ck_assert_int_gt(p.rc, 0);
	ck_assert_int_eq(esip_refer_to_parse(hval(&p, ESIP_HDR_REFER_TO), &na), 0);
	ck_assert(na.angle);
	ck_assert(str_is(na.params, "x=1"));
	ck_assert_int_eq(esip_uri_parse(na.uri, &u), 0);
	ck_assert(esip_uri_param(&u, "method", &v) && str_is(v, "INVITE"));
	n = esip_uri_header(&u, "Replaces", dec, sizeof dec);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(esip_replaces_parse(esip_str_make(dec, (size_t)n), &r), 0);
	ck_assert(str_is(r.call_id, "425928@bobster.example.org"));
	ck_assert(str_is(r.to_tag, "7743"));
	ck_assert(str_is(r.from_tag, "6472"));
	ck_assert(r.early_only);
	/* Referred-By with its cid (RFC 3892 3) */
	ck_assert_int_eq(esip_referred_by_parse(hval(&p, ESIP_HDR_REFERRED_BY), &na), 0);
	ck_assert(str_is(na.uri, "sip:A.example"));
	ck_assert(esip_param_find(na.params, "cid", &v) &&
		  str_is(v, "\"23094202342.10123091233@A.example\""));
	done(&p);
}
END_TEST

START_TEST(refer_to_forms)
{
	esip_nameaddr na;
	guard_buf g;
	bool sub;
	static const char *const bad_sub[] = {"yes", "true;", "true x", "truex", "", "true,false"};
	static const struct {
		const char *v;
		int to, by;
	} t[] = {
		{"sip:carol@cleveland.example.org", 0, 0},
		{"Carol <sip:carol@cleveland.example.org>", 0, 0},
		{"<tel:+1-201-555-0123>", 0, 0},
		{"<http://www.example.com/~carol>", 0, 0},
		{"sip:r@ref.example;cid=\"2UWQFN309shb3@ref.example\"", 0, 0},
		{"<sip:r@ref.example>;cid=\"a.b@[2001:db8::1]\"", 0, 0},
		{"<sip:r@ref.example>;cid=\"a@192.0.2.1\"", 0, 0},
		{"<sip:r@ref.example>;cid=2UWQFN309shb3.ref.example", 0, ESIP_EBAD_VALUE},
		/* gen-value has no '@': unquoted, this is no parameter at all */
		{"<sip:r@ref.example>;cid=2UWQFN309shb3@ref.example", ESIP_EBAD_NAMEADDR,
		 ESIP_EBAD_NAMEADDR},
		{"<sip:r@ref.example>;cid=\"abc\"", 0, ESIP_EBAD_VALUE},
		{"<sip:r@ref.example>;cid=\"a..b@x\"", 0, ESIP_EBAD_VALUE},
		{"<sip:r@ref.example>;cid=\"a@\"", 0, ESIP_EBAD_VALUE},
		{"<sip:r@ref.example>;cid=\"@x\"", 0, ESIP_EBAD_VALUE},
		{"<sip:r@ref.example>;cid=\"a@b c\"", 0, ESIP_EBAD_VALUE},
		{"<sip:r@ref.example>;cid", 0, ESIP_EBAD_VALUE},
		{"<sip:bad uri>", ESIP_EBAD_URI, ESIP_EBAD_URI},
		{"<sip:>", ESIP_EBAD_URI, ESIP_EBAD_URI},
		{"notauri", ESIP_EBAD_URI, ESIP_EBAD_URI},
		{"<sip:a@b.com", ESIP_EBAD_NAMEADDR, ESIP_EBAD_NAMEADDR},
		{"<sip:a@b.com>, <sip:c@d.com>", ESIP_EBAD_NAMEADDR, ESIP_EBAD_NAMEADDR},
		{"", ESIP_EBAD_NAMEADDR, ESIP_EBAD_NAMEADDR},
		/* RFC 3892's example leaves '<' '>' '"' unescaped in a URI
		 * header; RFC 3261 25.1 hvalue does not allow them */
		{"<sip:C.example;method=REFER?Refer-To=\"<sip:D.example>\">", ESIP_EBAD_NAMEADDR,
		 ESIP_EBAD_NAMEADDR},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_msg(esip_refer_to_parse(guard_str(&g, t[i].v), &na) == t[i].to,
			      "Refer-To: %s", t[i].v);
		guard_free(&g);
		ck_assert_msg(esip_referred_by_parse(guard_str(&g, t[i].v), &na) == t[i].by,
			      "Referred-By: %s", t[i].v);
		guard_free(&g);
	}
	ck_assert_int_eq(esip_refer_to_parse(ESIP_STR_NULL, &na), ESIP_EBAD_NAMEADDR);

	/* Refer-Sub (RFC 4488 7.2) */
	ck_assert_int_eq(esip_refer_sub_parse(guard_str(&g, "true"), &sub), 0);
	ck_assert(sub);
	guard_free(&g);
	ck_assert_int_eq(esip_refer_sub_parse(guard_str(&g, " FALSE ; x = y "), &sub), 0);
	ck_assert(!sub);
	guard_free(&g);
	REJECTS(p_refer_sub, "Refer-Sub", bad_sub);
}
END_TEST

/* ---- challenges and credentials ---------------------------------------- */

/* Every auth-param of a, joined as "name=value|...". */
static void auth_params(const esip_auth *a, char *out, size_t cap)
{
	esip_str rest = a->params, n, v;
	size_t len = 0;

	out[0] = 0;
	while (esip_auth_param_next(&rest, &n, &v) == 1 && len < cap)
		len += (size_t)snprintf(out + len, cap - len, "%.*s=%.*s|", ESIP_STR_FMT(n),
					ESIP_STR_FMT(v));
}

START_TEST(auth_in_messages)
{
	parsed p;
	esip_auth a;
	esip_str v;
	char all[1024];
	const esip_hdr *h;

	/* RFC 3261 22.4 (folded), RFC 7616 3.9.1 (a quoted value folded
	 * inside the quotes, qop list inside quotes) */
	msg(&p, "SIP/2.0 401 Unauthorized\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKacc1\r\n"
		"To: <sip:b@example.com>;tag=b1\r\nFrom: <sip:a@example.com>;tag=a1\r\n"
		"Call-ID: acc1@192.0.2.1\r\nCSeq: 1 REGISTER\r\n"
		"WWW-Authenticate: Digest\r\n        realm=\"biloxi.com\",\r\n"
		"        qop=\"auth,auth-int\",\r\n"
		"        nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
		"        opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n"
		"WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\",\r\n"
		"   algorithm=SHA-256, response=\"753927fa0e85d155564e2e272a28d1802ca10daf449\r\n"
		"      6794697cf8db5856cb6c1\", stale=FALSE\r\n"
		"Proxy-Authenticate: Digest realm=\"atlanta.com\",domain=\"sip:ss1.carrier.com\","
		"qop=\"auth\",nonce=\"f84f1cec41e6cbe5aea9c8e88d359\",opaque=\"\",stale=FALSE,"
		"algorithm=MD5\r\n" END);
	ck_assert_int_gt(p.rc, 0);
	h = esip_msg_hdr(&p.m, ESIP_HDR_WWW_AUTHENTICATE);
	ck_assert_int_eq(esip_auth_parse(h->value, &a), 0);
	ck_assert(str_is(a.scheme, "Digest"));
	auth_params(&a, all, sizeof all);
	ck_assert_str_eq(all, "realm=\"biloxi.com\"|qop=\"auth,auth-int\"|"
			      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"|"
			      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"|");
	h = esip_msg_hdr_next(&p.m, h);
	ck_assert_int_eq(esip_auth_parse(h->value, &a), 0);
	ck_assert(esip_auth_param(&a, "QOP", &v) && str_is(v, "\"auth, auth-int\""));
	ck_assert(esip_auth_param(&a, "algorithm", &v) && str_is(v, "SHA-256"));
	ck_assert(esip_auth_param(&a, "response", &v));
	ck_assert(esip_str_quoted_eq(v, ESIP_STR("753927fa0e85d155564e2e272a28d1802ca10daf449\r\n"
						 "      6794697cf8db5856cb6c1"),
				     false));
	ck_assert(esip_auth_param(&a, "stale", &v) && str_is(v, "FALSE"));
	ck_assert(!esip_auth_param(&a, "nonce", &v));
	ck_assert_int_eq(esip_auth_parse(hval(&p, ESIP_HDR_PROXY_AUTHENTICATE), &a), 0);
	ck_assert(esip_auth_param(&a, "opaque", &v) && str_is(v, "\"\""));
	ck_assert(esip_auth_param(&a, "domain", &v) && str_is(v, "\"sip:ss1.carrier.com\""));
	done(&p);

	/* RFC 3261 22.4 credentials; RFC 7616 3.9.2's username* */
	msg(&p, REQ_HEAD("REGISTER")
		"Authorization: Digest username=\"bob\",\r\n realm=\"biloxi.com\",\r\n"
		" nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n uri=\"sip:bob@biloxi.com\",\r\n"
		" qop=auth,\r\n nc=00000001,\r\n cnonce=\"0a4f113b\",\r\n"
		" response=\"6629fae49393a05397450978507c4ef1\",\r\n"
		" opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n"
		"Proxy-Authorization: Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe,"
		"realm=\"api@example.org\",userhash=false\r\n" END);
	ck_assert_int_gt(p.rc, 0);
	ck_assert_int_eq(esip_auth_parse(hval(&p, ESIP_HDR_AUTHORIZATION), &a), 0);
	ck_assert(esip_auth_param(&a, "nc", &v) && str_is(v, "00000001"));
	ck_assert(esip_auth_param(&a, "uri", &v) && str_is(v, "\"sip:bob@biloxi.com\""));
	ck_assert(esip_auth_param(&a, "opaque", &v) &&
		  str_is(v, "\"5ccc069c403ebaf9f0171e9517f40e41\""));
	ck_assert_int_eq(esip_auth_parse(hval(&p, ESIP_HDR_PROXY_AUTHORIZATION), &a), 0);
	ck_assert(esip_auth_param(&a, "username*", &v) &&
		  str_is(v, "UTF-8''J%C3%A4s%C3%B8n%20Doe"));
	ck_assert(esip_auth_param(&a, "userhash", &v) && str_is(v, "false"));
	done(&p);
}
END_TEST

START_TEST(auth_forms)
{
	static const struct {
		const char *v, *scheme, *params;
	} ok[] = {
		/* escaped quotes and a comma inside a quoted value */
		{"Digest realm=\"a \\\"quoted\\\", realm\",nonce=\"n\"", "Digest",
		 "realm=\"a \\\"quoted\\\", realm\"|nonce=\"n\"|"},
		/* LWS around '=' and ',' and none after commas */
		{"Digest realm = \"x\" ,nonce= \"y\" , algorithm =MD5", "Digest",
		 "realm=\"x\"|nonce=\"y\"|algorithm=MD5|"},
		{"Digest realm=\"x\",nonce=\"y\",algorithm=MD5,qop=auth", "Digest",
		 "realm=\"x\"|nonce=\"y\"|algorithm=MD5|qop=auth|"},
		/* tab and folding after the scheme; empty list elements */
		{"Digest\t\r\n realm=\"x\",, nonce=\"y\",", "Digest", "realm=\"x\"|nonce=\"y\"|"},
		{"digest REALM=x", "digest", "REALM=x|"},
		/* a scheme alone, a token68 (RFC 7235 2.1) */
		{"Digest", "Digest", ""},
		{"Bearer eyJhbGciOi.eyJzdWIi.Sfl-Kx_w==", "Bearer", ""},
		{"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Basic", ""},
	};
	static const char *const bad[] = {
		"", "Digest,realm=x", "Digest realm,", "Digest realm=,x=y", "Digest realm=\"x",
		"Digest realm=\"x\" nonce=\"y\"", "Digest =x", "Digest realm=a b",
		"Digest realm=\"x\";nonce=y", "\"Digest\" realm=x", "Digest realm=<x>",
		"Digest realm=x=y=z z",
	};
	size_t i;
	guard_buf g;
	esip_auth a;
	esip_str rest, n, v;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char all[256];
		ck_assert_msg(esip_auth_parse(guard_str(&g, ok[i].v), &a) == 0, "%s", ok[i].v);
		ck_assert(str_is(a.scheme, ok[i].scheme));
		ck_assert(a.params.p);
		auth_params(&a, all, sizeof all);
		ck_assert_msg(!strcmp(all, ok[i].params), "%s: %s", ok[i].v, all);
		guard_free(&g);
	}
	REJECTS(p_auth, "auth", bad);
	/* a token68 is not an auth-param list */
	ck_assert_int_eq(esip_auth_parse(guard_str(&g, "Bearer abc.def"), &a), 0);
	rest = a.params;
	ck_assert_int_eq(esip_auth_param_next(&rest, &n, &v), ESIP_EBAD_VALUE);
	ck_assert(!esip_auth_param(&a, "abc.def", &v));
	guard_free(&g);
	/* the iterator on an absent view */
	rest = ESIP_STR_NULL;
	ck_assert_int_eq(esip_auth_param_next(&rest, &n, &v), 0);
}
END_TEST

/* ---- Retry-After, Accept ------------------------------------------------- */

START_TEST(retry_after)
{
	static const char *const bad[] = {
		"", "x", "-1", "120 (unterminated", "120 (a) (b)", "120;duration=",
		"120;duration", "120;duration=1;duration=2", "120;duration=4294967296",
		"4294967296", "120 junk", "120;", "120 (bad \\", "(c) 120", "12 0",
		"120 (ctl \x01 char)",
	};
	guard_buf g;
	esip_retry_after ra;
	parsed p;

	msg(&p, "SIP/2.0 503 Service Unavailable\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKacc1\r\n"
		"To: <sip:b@example.com>;tag=b1\r\nFrom: <sip:a@example.com>;tag=a1\r\n"
		"Call-ID: acc1@192.0.2.1\r\nCSeq: 1 INVITE\r\n"
		"Retry-After: 18000;duration=3600\r\n" END);
	ck_assert_int_eq(esip_retry_after_parse(hval(&p, ESIP_HDR_RETRY_AFTER), &ra), 0);
	ck_assert_uint_eq(ra.seconds, 18000);
	ck_assert(ra.has_duration && ra.duration == 3600);
	ck_assert(!ra.comment.p);
	done(&p);
	ck_assert_int_eq(esip_retry_after_parse(guard_str(&g, "120 (I'm in a meeting)"), &ra), 0);
	ck_assert_uint_eq(ra.seconds, 120);
	ck_assert(str_is(ra.comment, "(I'm in a meeting)"));
	ck_assert(!ra.has_duration && !ra.params.p);
	guard_free(&g);
	/* nested comments, quoted-pairs, a '"' in ctext, then parameters */
	ck_assert_int_eq(esip_retry_after_parse(
				 guard_str(&g, "0(nested (comment \\) here) \"q)\r\n ; DURATION = 1;x=y"),
				 &ra),
			 0);
	ck_assert_uint_eq(ra.seconds, 0);
	ck_assert(str_is(ra.comment, "(nested (comment \\) here) \"q)"));
	ck_assert(ra.has_duration && ra.duration == 1);
	ck_assert(str_is(ra.params, " DURATION = 1;x=y"));
	guard_free(&g);
	ck_assert_int_eq(esip_retry_after_parse(guard_str(&g, "4294967295"), &ra), 0);
	ck_assert_uint_eq(ra.seconds, UINT32_MAX);
	guard_free(&g);
	REJECTS(p_retry_after, "Retry-After", bad);
}
END_TEST

START_TEST(accept_header)
{
	static const char *const bad[] = {
		"*/sdp", "application", "application/", "/sdp", "a/b;q=2", "a/b;q",
		"a/b c", "a/b;", "a/b/c", "a//b", "a/b;q=0.5000", "",
	};
	esip_media_range mr;
	esip_list_iter it;
	parsed p;
	int n = 0, rc;

	msg(&p, REQ_HEAD("OPTIONS")
		"Accept: application/sdp;level=1, text / plain ;q=0.5,\r\n */*;q=0.1\r\n"
		"Accept: application/*, message/sipfrag;version=\"2.0\";q=1\r\n" END);
	esip_list_iter_init(&it, &p.m, ESIP_HDR_ACCEPT);
	while ((rc = esip_accept_next(&it, &mr)) == 1) {
		switch (n++) {
		case 0:
			ck_assert(str_is(mr.type, "application") && str_is(mr.subtype, "sdp"));
			ck_assert(str_is(mr.params, "level=1"));
			break;
		case 1:
			ck_assert(str_is(mr.type, "text") && str_is(mr.subtype, "plain"));
			ck_assert(str_is(mr.params, "q=0.5"));
			break;
		case 2:
			ck_assert(str_is(mr.type, "*") && str_is(mr.subtype, "*"));
			break;
		case 3:
			ck_assert(str_is(mr.subtype, "*") && !mr.params.p);
			break;
		case 4:
			ck_assert(str_is(mr.params, "version=\"2.0\";q=1"));
			break;
		}
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(n, 5);
	done(&p);
	/* RFC 3261 20.1: an empty Accept accepts no body at all */
	msg(&p, REQ_HEAD("OPTIONS") "Accept:\r\n" END);
	ck_assert_ptr_nonnull(esip_msg_hdr(&p.m, ESIP_HDR_ACCEPT));
	esip_list_iter_init(&it, &p.m, ESIP_HDR_ACCEPT);
	ck_assert_int_eq(esip_accept_next(&it, &mr), 0);
	done(&p);
	REJECTS(p_media_range, "Accept", bad);
}
END_TEST

/* ---- every prefix at a guard page ----------------------------------- */

START_TEST(prefixes_at_guard_page)
{
	/* Each value parser on every prefix of valid values, the prefix
	 * ending at a guard page: no read past the end, whatever the cut. */
	static value_parser *const parsers[] = {
		p_contact_values, p_event, p_substate, p_replaces, p_auth, p_retry_after,
		p_media_range, p_refer_sub, p_refer_to, p_referred_by,
	};
	static const char *const values[] = {
		"\"Alice\" <sip:alice@[2001:db8::1]:5060;lr?x=%41>;expires=3600;q=0.7",
		"presence.winfo;id=\"x\";id=1", "terminated;reason=timeout;retry-after=10",
		"a@b;to-tag=1;from-tag=2;early-only",
		"Digest realm=\"a \\\"b\\\"\", nonce=\"c,d\",\r\n qop=auth",
		"120 (a (b) \\) c);duration=5", "application/sdp;q=0.5;x=\"y\"",
		"true;x=y", "<sip:r@x>;cid=\"a.b@[::1]\"", "Bearer abc.def==",
	};
	size_t i, j, n;

	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		size_t len = strlen(values[i]);
		for (n = 0; n <= len; n++) {
			guard_buf g;
			esip_str s = esip_str_make(guard_copy(&g, values[i], n), n);
			esip_str rest = s, nm, v;
			for (j = 0; j < sizeof parsers / sizeof parsers[0]; j++)
				(void)parsers[j](s);
			while (esip_auth_param_next(&rest, &nm, &v) == 1)
				;
			guard_free(&g);
		}
	}
}
END_TEST

Suite *suite_access(void);
Suite *suite_access(void)
{
	Suite *s = suite_create("parser-access");
	TCase *tc = tcase_create("access");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, contact_list);
	tcase_add_test(tc, contact_star_and_absent);
	tcase_add_test(tc, contact_malformed);
	tcase_add_test(tc, qvalue_grammar);
	tcase_add_test(tc, rfc4475_esc01_contacts);
	tcase_add_test(tc, rfc4475_escnull_esc02);
	tcase_add_test(tc, rfc4475_contact_params);
	tcase_add_test(tc, rfc4475_escaped_route_header);
	tcase_add_test(tc, rfc4475_overlarge_scalars);
	tcase_add_test(tc, rfc4475_wsinv_values);
	tcase_add_test(tc, rfc4475_tokens_accept_auth);
	tcase_add_test(tc, route_lists);
	tcase_add_test(tc, expires_header);
	tcase_add_test(tc, token_lists);
	tcase_add_test(tc, event_header);
	tcase_add_test(tc, subscription_state);
	tcase_add_test(tc, replaces_header);
	tcase_add_test(tc, refer_to_with_replaces);
	tcase_add_test(tc, refer_to_forms);
	tcase_add_test(tc, auth_in_messages);
	tcase_add_test(tc, auth_forms);
	tcase_add_test(tc, retry_after);
	tcase_add_test(tc, accept_header);
	tcase_add_test(tc, prefixes_at_guard_page);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_access()};
	return test_run(s, 1);
}
