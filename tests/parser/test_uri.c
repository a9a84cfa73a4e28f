/*
 * test_uri.c - URIs: the forms of RFC 3261 19.1.1 / 25.1 (user, password,
 * escapes, IPv4, IPv6 per RFC 5118, host names, ports, every
 * uri-parameter, URI headers), tel (RFC 3966), absolute URIs, malformed
 * ones; esip_uri_param, esip_uri_header; equivalence per RFC 3261 19.1.4
 * (every example pair of the RFC), RFC 5954 4.2 and RFC 3966 4.  Every
 * URI is parsed from a copy that ends at a guard page.
 */
#include "ptest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses s, expecting success; the caller frees. */
static void must_parse(guri *x, const char *s)
{
	ck_assert_msg(guri_parse(x, s) == 0, "'%s' does not parse: %s", s,
		      esip_errname(x->rc));
}

static void bad(const char *s)
{
	guri x;

	ck_assert_msg(guri_parse(&x, s) == ESIP_EBAD_URI, "'%s' parsed", s);
	guri_free(&x);
}

/*
 * esip_uri_eq(a, b), checking on the way that equality is symmetric and
 * that each URI equals itself and a separately parsed copy of itself.
 */
static bool eq(const char *a, const char *b)
{
	guri x, y, x2;
	bool r;

	must_parse(&x, a);
	must_parse(&y, b);
	must_parse(&x2, a);
	r = esip_uri_eq(&x.u, &y.u);
	ck_assert_msg(r == esip_uri_eq(&y.u, &x.u), "asymmetric: '%s' '%s'", a, b);
	ck_assert_msg(esip_uri_eq(&x.u, &x.u) && esip_uri_eq(&x.u, &x2.u), "'%s' != itself", a);
	ck_assert_msg(esip_uri_eq(&y.u, &y.u), "'%s' != itself", b);
	guri_free(&x);
	guri_free(&y);
	guri_free(&x2);
	return r;
}

#define EQ(a, b) ck_assert_msg(eq(a, b), "should be equal:\n  %s\n  %s", a, b)
#define NE(a, b) ck_assert_msg(!eq(a, b), "should differ:\n  %s\n  %s", a, b)

/* ---- forms ------------------------------------------------------------ */

START_TEST(sip_userinfo_forms)
{
	guri x;

	must_parse(&x, "sip:alice:secretword@atlanta.com;transport=tcp");
	ck_assert(str_is(x.u.scheme, "sip"));
	ck_assert(str_is(x.u.user, "alice"));
	ck_assert(str_is(x.u.password, "secretword"));
	ck_assert(str_is(x.u.host, "atlanta.com"));
	ck_assert_uint_eq(x.u.host_type, ESIP_HOST_NAME);
	ck_assert_uint_eq(x.u.port, 0);
	guri_free(&x);
	/* password chars: unreserved and & = + $ , */
	must_parse(&x, "sips:a:p&=+$,-_.!~*'()@h.example.com");
	ck_assert_uint_eq(x.u.scheme_id, ESIP_SCHEME_SIPS);
	ck_assert(str_is(x.u.password, "p&=+$,-_.!~*'()"));
	guri_free(&x);
	/* empty password is present */
	must_parse(&x, "sip:a:@h.com");
	ck_assert(x.u.password.p && x.u.password.len == 0);
	guri_free(&x);
	/* the user part stays escaped in the view */
	must_parse(&x, "sip:%61lice@atlanta.com");
	ck_assert(str_is(x.u.user, "%61lice"));
	guri_free(&x);
	/* telephone-subscriber in the user part with user=phone */
	must_parse(&x, "sip:+1-212-555-1212:1234@gateway.com;user=phone");
	ck_assert(str_is(x.u.user, "+1-212-555-1212"));
	ck_assert(str_is(x.u.password, "1234"));
	guri_free(&x);
	/* RFC 4475 3.1.1.10 (intmeth): every user-unreserved mark */
	must_parse(&x, "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com");
	ck_assert(str_is(x.u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"));
	guri_free(&x);
	/* RFC 4475 3.1.1.3 (esc01): a sips URI escaped into the user part */
	must_parse(&x, "sip:sips%3Auser%40example.com@example.net");
	ck_assert(str_is(x.u.user, "sips%3Auser%40example.com"));
	ck_assert(str_is(x.u.host, "example.net"));
	guri_free(&x);
	/* no userinfo: SIP and SIPS scheme names are case-insensitive */
	must_parse(&x, "SIP:atlanta.com");
	ck_assert_uint_eq(x.u.scheme_id, ESIP_SCHEME_SIP);
	ck_assert(!x.u.user.p && !x.u.password.p);
	guri_free(&x);
}
END_TEST

START_TEST(hosts_and_ports)
{
	static const struct {
		const char *uri, *host;
		uint8_t type;
		uint16_t port;
	} ok[] = {
		{"sip:alice@192.0.2.4", "192.0.2.4", ESIP_HOST_IPV4, 0},
		{"sip:alice@192.0.2.4:5060", "192.0.2.4", ESIP_HOST_IPV4, 5060},
		{"sip:h.example.com:1", "h.example.com", ESIP_HOST_NAME, 1},
		{"sip:h.example.com:65535", "h.example.com", ESIP_HOST_NAME, 65535},
		{"sip:a@example.com.", "example.com.", ESIP_HOST_NAME, 0},
		{"sip:a@x-y.example.com", "x-y.example.com", ESIP_HOST_NAME, 0},
		{"sip:a@localhost", "localhost", ESIP_HOST_NAME, 0},
		/* RFC 5118 4.1, 4.3, 4.4 */
		{"sip:[2001:db8::10]", "2001:db8::10", ESIP_HOST_IPV6, 0},
		{"sip:[2001:db8::10:5070]", "2001:db8::10:5070", ESIP_HOST_IPV6, 0},
		{"sip:[2001:db8::10]:5070", "2001:db8::10", ESIP_HOST_IPV6, 5070},
		{"sip:user@[2001:DB8:0:0:0:0:0:1]", "2001:DB8:0:0:0:0:0:1", ESIP_HOST_IPV6, 0},
		{"sip:[::1]", "::1", ESIP_HOST_IPV6, 0},
		{"sip:[::]", "::", ESIP_HOST_IPV6, 0},
		/* RFC 5118 4.9 IPv4-mapped, 4.10 the tolerated extra colon */
		{"sip:ted@[::ffff:192.0.2.2]:19823", "::ffff:192.0.2.2", ESIP_HOST_IPV6, 19823},
		{"sip:user@[2001:db8:::192.0.2.1]", "2001:db8:::192.0.2.1", ESIP_HOST_IPV6, 0},
		{"sip:user@[2001:db8::192.0.2.1]", "2001:db8::192.0.2.1", ESIP_HOST_IPV6, 0},
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		guri x;
		must_parse(&x, ok[i].uri);
		ck_assert_msg(str_is(x.u.host, ok[i].host), "%s", ok[i].uri);
		ck_assert_uint_eq(x.u.host_type, ok[i].type);
		ck_assert_uint_eq(x.u.port, ok[i].port);
		guri_free(&x);
	}
	/* RFC 5118 4.2: brackets are mandatory in SIP URIs */
	bad("sip:2001:db8::10");
	bad("sip:[2001:db8::10");
	bad("sip:[2001:db8::10]5070");
	bad("sip:[1::2::3]");
	bad("sip:[12345::1]");
	bad("sip:[1:2:3:4:5:6:7:8:9]");
	bad("sip:[1:2:3:4:5:6:7]");
	bad("sip:[::1.2.3]");
	bad("sip:[g::1]");
	bad("sip:[]");
	bad("sip:[::1]:0");
	bad("sip:[::1]:65536");
	bad("sip:h:65536");
	bad("sip:h:0");
	bad("sip:h:12a");
	bad("sip:h:123456");
	bad("sip:a@x_y.com");
	bad("sip:a@-x.com");
	bad("sip:a@x-.com");
	bad("sip:a@1x.2");
	bad("sip:a@x..com");
	bad("sip:a@256.1.1.1");
}
END_TEST

START_TEST(every_uri_parameter)
{
	/* RFC 3261 19.1.1: transport, user, method, ttl, maddr, lr, other */
	guri x;
	esip_str v;

	must_parse(&x, "sip:alice@atlanta.com;transport=tcp;user=phone;method=INVITE;"
		       "ttl=15;maddr=239.255.255.1;lr;other-param=x%20y");
	ck_assert(str_is(x.u.params, "transport=tcp;user=phone;method=INVITE;ttl=15;"
				     "maddr=239.255.255.1;lr;other-param=x%20y"));
	ck_assert(esip_uri_param(&x.u, "transport", &v) && str_is(v, "tcp"));
	ck_assert(esip_uri_param(&x.u, "USER", &v) && str_is(v, "phone"));
	ck_assert(esip_uri_param(&x.u, "method", &v) && str_is(v, "INVITE"));
	ck_assert(esip_uri_param(&x.u, "ttl", &v) && str_is(v, "15"));
	ck_assert(esip_uri_param(&x.u, "maddr", &v) && str_is(v, "239.255.255.1"));
	ck_assert(esip_uri_param(&x.u, "lr", &v) && !v.p);
	ck_assert(esip_uri_lr(&x.u));
	ck_assert(esip_uri_param(&x.u, "other-param", &v) && str_is(v, "x%20y"));
	ck_assert(esip_uri_param(&x.u, "maddr", NULL));
	ck_assert(!esip_uri_param(&x.u, "transpor", &v));
	ck_assert(!esip_uri_param(&x.u, "l", &v));
	guri_free(&x);
	/* the transports of 19.1.1 and RFC 7118 */
	must_parse(&x, "sips:h.com;transport=udp;transport=sctp;transport=tls;transport=ws");
	ck_assert(esip_uri_param(&x.u, "transport", &v) && str_is(v, "udp"));
	guri_free(&x);
	/* param-unreserved chars and an IPv6 maddr */
	must_parse(&x, "sip:h.com;maddr=[2001:db8::1];x=[]/:&+$");
	ck_assert(esip_uri_param(&x.u, "maddr", &v) && str_is(v, "[2001:db8::1]"));
	ck_assert(esip_uri_param(&x.u, "x", &v) && str_is(v, "[]/:&+$"));
	guri_free(&x);
	/* no parameters at all */
	must_parse(&x, "sip:h.com");
	ck_assert(!x.u.params.p);
	ck_assert(!esip_uri_lr(&x.u));
	guri_free(&x);
	bad("sip:h.com;");
	bad("sip:h.com;;lr");
	bad("sip:h.com;x=");
	bad("sip:h.com;=x");
	bad("sip:h.com;x=a b");
	bad("sip:h.com;x=\"q\"");
	bad("sip:h.com;x=%4");
}
END_TEST

START_TEST(escaped_parameter_names)
{
	/* RFC 4475 3.1.1.3 (esc01): the Contact URI spells lr and name with
	 * escapes; "name" has the value value%41, not valueA */
	guri x;
	esip_str v;
	char out[32];
	long n;

	must_parse(&x, "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
	ck_assert(esip_uri_lr(&x.u));
	ck_assert(esip_uri_param(&x.u, "name", &v));
	ck_assert(str_is(v, "v%61lue%25%34%31"));
	n = esip_pct_decode(v, out, sizeof out);
	ck_assert_int_eq(n, 8);
	ck_assert(!memcmp(out, "value%41", 8));
	guri_free(&x);
}
END_TEST

START_TEST(uri_headers_parse)
{
	guri x;

	must_parse(&x, "sip:alice@atlanta.com?subject=project%20x&priority=urgent");
	ck_assert(str_is(x.u.headers, "subject=project%20x&priority=urgent"));
	ck_assert(!x.u.params.p);
	guri_free(&x);
	/* headers after parameters; hnv-unreserved chars */
	must_parse(&x, "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com");
	ck_assert(str_is(x.u.params, "transport=tcp;method=REGISTER"));
	ck_assert(str_is(x.u.headers, "to=sip:bob%40biloxi.com"));
	guri_free(&x);
	must_parse(&x, "sip:h.com?h=[]/?:+$&empty=");
	ck_assert(str_is(x.u.headers, "h=[]/?:+$&empty="));
	guri_free(&x);
	bad("sip:h.com?");
	bad("sip:h.com?x");
	bad("sip:h.com?=1");
	bad("sip:h.com?x=1&");
	bad("sip:h.com?x=<a>");
	bad("sip:h.com?x=1;y=2");
	bad("sip:h.com?x=%zz");
}
END_TEST

START_TEST(tel_and_absolute)
{
	guri x;

	must_parse(&x, "tel:+1-201-555-0123");
	ck_assert_uint_eq(x.u.scheme_id, ESIP_SCHEME_TEL);
	ck_assert(str_is(x.u.user, "+1-201-555-0123"));
	ck_assert(!x.u.host.p);
	guri_free(&x);
	must_parse(&x, "tel:7042;phone-context=example.com");
	ck_assert(str_is(x.u.user, "7042"));
	ck_assert(str_is(x.u.params, "phone-context=example.com"));
	guri_free(&x);
	must_parse(&x, "TEL:863-1234;phone-context=+1-914-555");
	ck_assert_uint_eq(x.u.scheme_id, ESIP_SCHEME_TEL);
	guri_free(&x);
	must_parse(&x, "tel:*21#;phone-context=example.com");
	guri_free(&x);
	bad("tel:");
	bad("tel:+");
	bad("tel:+1 234");
	bad("tel:12?x=1");
	bad("tel:12;");
	bad("tel:12@h.com");

	/* absoluteURI: any other scheme, kept opaque */
	must_parse(&x, "http://www.example.com/a?b=c#d");
	ck_assert_uint_eq(x.u.scheme_id, ESIP_SCHEME_OTHER);
	ck_assert(str_is(x.u.scheme, "http"));
	ck_assert(str_is(x.u.opaque, "//www.example.com/a?b=c#d"));
	guri_free(&x);
	must_parse(&x, "urn:service:sos");
	ck_assert(str_is(x.u.opaque, "service:sos"));
	guri_free(&x);
	must_parse(&x, "mailto:a@b.com");
	guri_free(&x);
	must_parse(&x, "x-app+v1.2:data");
	ck_assert(str_is(x.u.scheme, "x-app+v1.2"));
	guri_free(&x);
	bad("1http:x");
	bad("ht tp:x");
	bad("http:");
	bad("http:a b");
	bad("x:<a>");
	bad("x:a\"b");
	bad(":x");
	bad("");
	bad("sip");
}
END_TEST

START_TEST(malformed_sip)
{
	static const char *const b[] = {
		"sip:", "sip:@host", "sip:user@", "sip:host:", "sip:us%zzer@host",
		"sip:us%4", "sip:host name", "sip: host", "sip:host ", "sip:1.2.3",
		"sip:1.2.3.256", "sip:-host.com", "sip:[::1", "bubba@caley",
		"<sip:a@b>", "x:", "sip:a@b@c", "sip:a:b:c@h", "sip:user@host;lr?",
		"sip:a\"b@h", "sip:a<b@h", "sip:u@h\r\n", "sips:",
	};
	size_t i;
	esip_uri u;

	for (i = 0; i < sizeof b / sizeof b[0]; i++)
		bad(b[i]);
	/* absent input */
	ck_assert_int_eq(esip_uri_parse(ESIP_STR_NULL, &u), ESIP_EBAD_URI);
}
END_TEST

START_TEST(escaped_nulls)
{
	/* RFC 4475 3.1.1.4 (escnull): %00 must not shorten anything, and the
	 * two Contacts are distinct URIs */
	guri x, y;
	char out[16];

	must_parse(&x, "sip:null-%00-null@example.com");
	ck_assert_int_eq(esip_pct_decode(x.u.user, out, sizeof out), 11);
	ck_assert(!memcmp(out, "null-\0-null", 11));
	guri_free(&x);
	must_parse(&x, "sip:%00@host5.example.com");
	must_parse(&y, "sip:%00%00@host5.example.com");
	ck_assert_int_eq(esip_pct_decode(x.u.user, out, sizeof out), 1);
	ck_assert_int_eq(esip_pct_decode(y.u.user, out, sizeof out), 2);
	ck_assert(!esip_uri_eq(&x.u, &y.u));
	guri_free(&x);
	guri_free(&y);
	/* and not in URI headers either */
	must_parse(&x, "sip:h.com?x=a%00b%00");
	ck_assert_int_eq(esip_uri_header(&x.u, "x", out, sizeof out), 4);
	ck_assert(!memcmp(out, "a\0b\0", 4));
	guri_free(&x);
}
END_TEST

/* ---- esip_uri_header ------------------------------------------------- */

START_TEST(uri_header_lookup)
{
	guri x;
	char out[128];
	long n;

	/* RFC 3891 7.1 / RFC 3515: Refer-To carrying an escaped Replaces */
	must_parse(&x, "sip:bob@biloxi.example.net?Replaces=425928%40bobster.example.org%3B"
		       "to-tag%3D7743%3Bfrom-tag%3D6472&Subject=hi");
	n = esip_uri_header(&x.u, "Replaces", out, sizeof out);
	ck_assert_int_eq(n, (long)strlen("425928@bobster.example.org;to-tag=7743;from-tag=6472"));
	ck_assert(!memcmp(out, "425928@bobster.example.org;to-tag=7743;from-tag=6472", (size_t)n));
	/* names are case-insensitive; compact forms match full names */
	ck_assert_int_eq(esip_uri_header(&x.u, "replaces", out, sizeof out), n);
	ck_assert_int_eq(esip_uri_header(&x.u, "subject", out, sizeof out), 2);
	ck_assert_int_eq(esip_uri_header(&x.u, "s", out, sizeof out), 2);
	ck_assert(!memcmp(out, "hi", 2));
	ck_assert_int_eq(esip_uri_header(&x.u, "To", out, sizeof out), ESIP_ENOTFOUND);
	ck_assert_int_eq(esip_uri_header(&x.u, "Replace", out, sizeof out), ESIP_ENOTFOUND);
	/* too small a buffer, exactly enough */
	ck_assert_int_eq(esip_uri_header(&x.u, "Replaces", out, (size_t)n - 1), ESIP_ENOSPC);
	ck_assert_int_eq(esip_uri_header(&x.u, "Replaces", out, (size_t)n), n);
	guri_free(&x);
	/* an escaped name, an empty value, the first of two */
	must_parse(&x, "sip:h.com?Re%70laces=a&e=&x=1&x=2");
	ck_assert_int_eq(esip_uri_header(&x.u, "Replaces", out, sizeof out), 1);
	ck_assert_int_eq(esip_uri_header(&x.u, "e", out, sizeof out), 0);
	ck_assert_int_eq(esip_uri_header(&x.u, "x", out, sizeof out), 1);
	ck_assert_int_eq(out[0], '1');
	guri_free(&x);
	/* RFC 4475 3.3.14 (regescrt): an escaped Route header */
	must_parse(&x, "sip:user@example.com?Route=%3Csip:sip.example.com%3E");
	n = esip_uri_header(&x.u, "route", out, sizeof out);
	ck_assert_int_eq(n, 21);
	ck_assert(!memcmp(out, "<sip:sip.example.com>", 21));
	guri_free(&x);
	/* no headers at all */
	must_parse(&x, "sip:h.com");
	ck_assert_int_eq(esip_uri_header(&x.u, "x", out, sizeof out), ESIP_ENOTFOUND);
	guri_free(&x);
}
END_TEST

/* ---- equivalence: RFC 3261 19.1.4 ----------------------------------- */

START_TEST(rfc3261_equivalent_sets)
{
	/* "The URIs within each of the following sets are equivalent" */
	static const char *const sets[][3] = {
		{"sip:%61lice@atlanta.com;transport=TCP",
		 "sip:alice@AtLanTa.CoM;Transport=tcp", NULL},
		{"sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5",
		 "sip:carol@chicago.com;security=on"},
		{"sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
		 "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", NULL},
		{"sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		 "sip:alice@atlanta.com?priority=urgent&subject=project%20x", NULL},
	};
	size_t s, i, j;

	for (s = 0; s < sizeof sets / sizeof sets[0]; s++)
		for (i = 0; i < 3 && sets[s][i]; i++)
			for (j = 0; j < 3 && sets[s][j]; j++)
				EQ(sets[s][i], sets[s][j]);
}
END_TEST

START_TEST(rfc3261_non_equivalent_pairs)
{
	/* "The URIs within each of the following sets are not equivalent" */
	NE("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP");
	NE("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060");
	NE("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp");
	NE("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp");
	NE("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting");
	NE("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4");
	/* "equality is not transitive" */
	EQ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on");
	EQ("sip:carol@chicago.com", "sip:carol@chicago.com;security=off");
	NE("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off");
}
END_TEST

START_TEST(rfc3261_rules)
{
	/* a SIP and a SIPS URI are never equivalent */
	NE("sip:alice@atlanta.com", "sips:alice@atlanta.com");
	EQ("sips:alice@atlanta.com", "SIPS:alice@ATLANTA.com");
	/* userinfo is case-sensitive, password included */
	NE("sip:alice@h.com", "sip:Alice@h.com");
	NE("sip:a:pw@h.com", "sip:a:PW@h.com");
	EQ("sip:a:p%77@h.com", "sip:a:pw@h.com");
	/* a URI omitting the user (password) does not match one with it */
	NE("sip:h.com", "sip:a@h.com");
	NE("sip:a@h.com", "sip:a:@h.com");
	NE("sip:a@h.com", "sip:a:pw@h.com");
	/* unreserved characters equal their escapes, in every component */
	EQ("sip:%75se%72@example.com", "sip:user@example.com"); /* esc01 To */
	EQ("sip:a%7E%2D%5F@h.com", "sip:a~-_@h.com");
	EQ("sip:a@h.com;x=%41b", "sip:a@h.com;x=ab");           /* value ci */
	EQ("sip:a@h.com;%78=1", "sip:a@h.com;X=1");
	EQ("sip:a@h.com?h=%41", "sip:a@h.com?h=A");
	/* but an escaped reserved character is not the character */
	NE("sip:a%3Bb@h.com", "sip:a;b@h.com");
	NE("sip:a%26b@h.com", "sip:a&b@h.com");
	EQ("sip:a%3bb@h.com", "sip:a%3Bb@h.com"); /* hex digits: any case */
	NE("sip:a@h.com?x=a%26b", "sip:a@h.com?x=a&b=");
	/* unescaping is not recursive (RFC 4475 3.1.1.3) */
	EQ("sip:caller@host5.example.net;lr;name=value%2541",
	   "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
	NE("sip:caller@host5.example.net;lr;name=valueA",
	   "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
	/* host case-insensitive; ports numeric */
	EQ("sip:a@EXAMPLE.com:05060", "sip:a@example.COM:5060");
	NE("sip:a@h.com:5061", "sip:a@h.com:5060");
	NE("sip:a@h.com", "sip:a@h.com.");
	/* user, ttl, method, maddr, transport in only one never match */
	NE("sip:a@h.com", "sip:a@h.com;user=phone");
	NE("sip:a@h.com;ttl=1", "sip:a@h.com");
	NE("sip:a@h.com", "sip:a@h.com;method=INVITE");
	NE("sip:a@h.com;maddr=239.0.0.1", "sip:a@h.com");
	NE("sip:a@h.com", "sip:a@h.com;TRANSPORT=udp");
	NE("sip:a@h.com", "sip:a@h.com;%6Daddr=239.0.0.1");
	/* in both: they must match */
	EQ("sip:a@h.com;ttl=1;user=ip", "sip:a@h.com;user=IP;ttl=1");
	NE("sip:a@h.com;ttl=1", "sip:a@h.com;ttl=2");
	NE("sip:a@h.com;maddr=239.0.0.1", "sip:a@h.com;maddr=239.0.0.2");
	/* any other parameter: ignored in one, compared in both */
	EQ("sip:a@h.com;lr", "sip:a@h.com");
	EQ("sip:a@h.com;lr", "sip:a@h.com;LR");
	NE("sip:a@h.com;lr", "sip:a@h.com;lr=on");
	EQ("sip:a@h.com;x=1;y=2", "sip:a@h.com;y=2;z=3");
	/* headers: never ignored, compared as sets; names case-insensitive
	 * and compact forms equal full names (RFC 3261 7.3.3); values exact */
	EQ("sip:a@h.com?Subject=x&Call-ID=1", "sip:a@h.com?i=1&s=x");
	EQ("sip:a@h.com?SUBJECT=x", "sip:a@h.com?subject=x");
	NE("sip:a@h.com?subject=X", "sip:a@h.com?subject=x");
	NE("sip:a@h.com?x=1", "sip:a@h.com?x=1&y=2");
	NE("sip:a@h.com?x=1", "sip:a@h.com?y=1");
	NE("sip:a@h.com?x=1&x=2", "sip:a@h.com?x=1&x=3");
	EQ("sip:a@h.com?x=1&x=2", "sip:a@h.com?x=2&x=1");
	/* repeated parameter names compare as sets of values */
	EQ("sip:a@h.com;p=1;p=2", "sip:a@h.com;p=2;p=1");
	NE("sip:a@h.com;p=1;p=2", "sip:a@h.com;p=1");
	/* RFC 4475 3.1.1.10 (intmeth): odd but valid user parts */
	EQ("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com",
	   "sip:1_unusual.URI%7E(to-be!sure)&isn't+it$/crazy?,/;;%2A@EXAMPLE.com");
}
END_TEST

START_TEST(rfc5954_ip_addresses)
{
	/* RFC 5954 4.2: binary equivalence of textual IP addresses */
	EQ("sip:bob@[::ffff:192.0.2.128]", "sip:bob@[::ffff:c000:280]");
	EQ("sip:bob@[2001:db8::9:1]", "sip:bob@[2001:db8::9:01]");
	EQ("sip:bob@[0:0:0:0:0:FFFF:129.144.52.38]", "sip:bob@[::FFFF:129.144.52.38]");
	EQ("sip:bob@192.0.2.128", "sip:bob@192.00.02.128");
	/* RFC 5118 4.10: the extra colon names the same address */
	EQ("sip:user@[2001:db8:::192.0.2.1]", "sip:user@[2001:db8::192.0.2.1]");
	EQ("sip:[2001:db8:0:0:1:0:0:1]", "sip:[2001:DB8::1:0:0:1]");
	EQ("sip:[::]", "sip:[0:0:0:0:0:0:0:0]");
	EQ("sip:[1::]", "sip:[1:0:0:0:0:0:0:0]");
	EQ("sip:[::1:2:3:4:5:6:7]", "sip:[0:1:2:3:4:5:6:7]");
	NE("sip:[2001:db8::1]", "sip:[2001:db8::2]");
	NE("sip:[2001:db8::1:0]", "sip:[2001:db8::1]");
	NE("sip:bob@192.0.2.1", "sip:bob@192.0.2.10");
	/* an address is never a host name, and IPv4 is not IPv4-mapped */
	NE("sip:bob@[::ffff:192.0.2.128]", "sip:bob@192.0.2.128");
	NE("sip:bob@localhost", "sip:bob@[::1]");
	/* ports still count */
	NE("sip:[::1]:5060", "sip:[::1]");
	EQ("sip:[::1]:5060", "sip:[0::1]:5060");
}
END_TEST

START_TEST(rfc5118_messages_compare)
{
	/* the 3-colon and 2-colon messages of RFC 5118 4.10 address the same
	 * Request-URI; the ipv4-mapped Contact equals its hex spelling */
	size_t l1, l2;
	char *b1 = load("rfc5118", "ipv6-bug-abnf-3-colons.sip", &l1);
	char *b2 = load("rfc5118", "ipv6-correct-abnf-2-colons.sip", &l2);
	parsed p1, p2;
	guri hex;
	esip_list_iter it;
	esip_contact c;
	esip_uri cu;

	ck_assert_int_gt(parse_guarded(&p1, b1, l1, ESIP_PARSE_DATAGRAM), 0);
	ck_assert_int_gt(parse_guarded(&p2, b2, l2, ESIP_PARSE_DATAGRAM), 0);
	ck_assert(esip_uri_eq(&p1.m.ruri, &p2.m.ruri));
	done(&p1);
	done(&p2);
	free(b1);
	free(b2);
	b1 = load("rfc5118", "ipv4-mapped-ipv6.sip", &l1);
	ck_assert_int_gt(parse_guarded(&p1, b1, l1, ESIP_PARSE_DATAGRAM), 0);
	esip_list_iter_init(&it, &p1.m, ESIP_HDR_CONTACT);
	ck_assert_int_eq(esip_contact_next(&it, &c), 1);
	ck_assert_int_eq(esip_uri_parse(c.na.uri, &cu), 0);
	must_parse(&hex, "sip:ted@[::ffff:c000:202]");
	ck_assert(esip_uri_eq(&cu, &hex.u));
	guri_free(&hex);
	done(&p1);
	free(b1);
}
END_TEST

START_TEST(tel_equivalence)
{
	/* RFC 3966 4: visual separators do not count; global vs local */
	EQ("tel:+1-201-555-0123", "tel:+12015550123");
	EQ("tel:+1(201)555.0123", "TEL:+1-201-555-0123");
	NE("tel:+12015550123", "tel:12015550123;phone-context=+1");
	NE("tel:+12015550123", "tel:+12015550124");
	/* parameters: same names on both sides, any order, case-insensitive */
	EQ("tel:7042;phone-context=example.com", "tel:7042;PHONE-CONTEXT=Example.COM");
	EQ("tel:7042;phone-context=example.com;ext=1", "tel:7042;ext=1;phone-context=example.com");
	NE("tel:+1234;ext=1", "tel:+1234");
	NE("tel:+1234;x=1", "tel:+1234");
	NE("tel:+1234;ext=1", "tel:+1234;ext=2");
	/* phone-context numbers and ext compare without separators, a domain
	 * name keeps its dots and dashes */
	EQ("tel:863-1234;phone-context=+1-914-555", "tel:8631234;phone-context=+1914555");
	EQ("tel:+1234;ext=1-2", "tel:+1234;ext=12");
	NE("tel:7042;phone-context=ex-ample.com", "tel:7042;phone-context=example.com");
	/* local numbers: hex digits, * and # compare case-insensitively */
	EQ("tel:*21#;phone-context=example.com", "tel:*2-1#;phone-context=example.com");
	EQ("tel:ab1;phone-context=x.com", "tel:AB1;phone-context=x.com");
	/* tel is not sip */
	NE("tel:+12015550123", "sip:+12015550123@h.com;user=phone");
}
END_TEST

START_TEST(other_scheme_equivalence)
{
	EQ("http://example.com/%7Euser", "HTTP://example.com/~user");
	NE("mailto:a@b.com", "mailto:A@b.com");
	NE("urn:x:y", "urn:x:z");
	NE("urn:x:y", "urm:x:y");
	NE("http://h/a%2Fb", "http://h/a/b");
	NE("im:a@h.com", "sip:a@h.com");
}
END_TEST

static void many_params(char *out, size_t cap, unsigned n, const char *name)
{
	size_t len = (size_t)snprintf(out, cap, "sip:a@h.com");
	unsigned i;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, ";%s%u", name, i);
}

START_TEST(comparison_cost_bound)
{
	/* past 64 parameters a URI equals only its own bytes: the set
	 * comparison is quadratic and must stay cheap for hostile input */
	static char a[4096], b[4096];

	many_params(a, sizeof a, 63, "p");
	many_params(b, sizeof b, 63, "P");
	EQ(a, b);
	many_params(a, sizeof a, 70, "p");
	many_params(b, sizeof b, 70, "P");
	NE(a, b);
	EQ(a, a); /* byte-identical */
}
END_TEST

Suite *suite_uri(void);
Suite *suite_uri(void)
{
	Suite *s = suite_create("parser-uri");
	TCase *tc = tcase_create("uri");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sip_userinfo_forms);
	tcase_add_test(tc, hosts_and_ports);
	tcase_add_test(tc, every_uri_parameter);
	tcase_add_test(tc, escaped_parameter_names);
	tcase_add_test(tc, uri_headers_parse);
	tcase_add_test(tc, tel_and_absolute);
	tcase_add_test(tc, malformed_sip);
	tcase_add_test(tc, escaped_nulls);
	tcase_add_test(tc, uri_header_lookup);
	tcase_add_test(tc, rfc3261_equivalent_sets);
	tcase_add_test(tc, rfc3261_non_equivalent_pairs);
	tcase_add_test(tc, rfc3261_rules);
	tcase_add_test(tc, rfc5954_ip_addresses);
	tcase_add_test(tc, rfc5118_messages_compare);
	tcase_add_test(tc, tel_equivalence);
	tcase_add_test(tc, other_scheme_equivalence);
	tcase_add_test(tc, comparison_cost_bound);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	Suite *s[] = {suite_uri()};
	return test_run(s, 1);
}
