/*
 * test_server.c - the server helpers: the challenge lines (one per
 * algorithm, most preferred first, one nonce; RFC 7616 3.3 quoting);
 * verification (right, wrong, an algorithm, qop or userhash not offered,
 * a stored HA1); stateless nonces (another key, a tampered nonce, a nonce
 * of another realm, the age limit: stale only when the password was
 * right); two servers sharing a key; the nc replay window (in order, out
 * of order, replays, too far behind, an evicted nonce); finding the
 * credentials of a realm.
 */
#include "atest.h"

#include <stdio.h>
#include <string.h>

#define S(lit) ESIP_STR(lit)
#define REALM "example.com"

START_TEST(challenge_lines)
{
	static const esip_auth_alg algs[] = {ESIP_AUTH_SHA512_256, ESIP_AUTH_SHA256, ESIP_AUTH_MD5};
	esip_auth_server_config sc;
	esip_auth_server s;
	esip_auth_challenge c[3];
	char out[2048], *line[3], *e;
	esip_buf b;
	int i;

	esip_auth_server_config_init(&sc);
	sc.algs = algs;
	sc.n_algs = 3;
	sc.userhash = true;
	ck_assert_int_eq(esip_auth_server_init(&s, &sc, NULL), 0);
	esip_buf_init_fixed(&b, out, sizeof out - 1);
	ck_assert_int_eq(esip_auth_server_challenge(&s, true, S(REALM), true, 42, &b), 0);
	out[b.len] = '\0';
	for (i = 0, e = out; i < 3; i++) {
		ck_assert(!strncmp(e, "Proxy-Authenticate: ", 20));
		line[i] = e + 20;
		e = strstr(e, "\r\n");
		ck_assert_ptr_nonnull(e);
		*e = '\0';
		e += 2;
		ck_assert_int_eq(esip_auth_challenge_parse(esip_str_cstr(line[i]), &c[i]), 0);
		ck_assert_int_eq(c[i].alg, algs[i]);
		ck_assert(c[i].stale && c[i].userhash);
		ck_assert_uint_eq(c[i].qop, ESIP_AUTH_QOP_AUTH);
		ck_assert_uint_eq(c[i].nonce.len, 66);
		ck_assert(esip_str_eq(c[i].nonce, c[0].nonce));
	}
	ck_assert_str_eq(e, "");
	ck_assert_msg(!strncmp(line[2], "Digest realm=\"" REALM "\", nonce=\"", 27), "%s", line[2]);
	ck_assert_msg(strstr(line[2], "\", algorithm=MD5, qop=\"auth\", stale=true, userhash=true"), "%s", line[2]);
	/* a new nonce per challenge */
	esip_buf_init_fixed(&b, out, sizeof out - 1);
	ck_assert_int_eq(esip_auth_server_challenge(&s, false, S(REALM), false, 42, &b), 0);
	out[b.len] = '\0';
	ck_assert(!strncmp(out, "WWW-Authenticate: Digest", 24));
	ck_assert(!strstr(out, "stale"));
	ck_assert_int_eq(esip_auth_challenge_parse(esip_str_make(out + 18, strcspn(out, "\r") - 18), &c[1]), 0);
	ck_assert(!esip_str_eq(c[1].nonce, c[0].nonce));
	ck_assert_int_eq(esip_auth_server_challenge(&s, false, S(""), false, 42, &b), ESIP_EINVAL);
	ck_assert_int_eq(esip_auth_server_challenge(&s, false, S("a\r\nb"), false, 42, &b), ESIP_EINVAL);
	esip_auth_server_deinit(&s);
}
END_TEST

START_TEST(bad_config)
{
	static const esip_auth_alg unknown[] = {ESIP_AUTH_ALG_UNKNOWN};
	esip_auth_server_config sc;
	esip_auth_server s;

	esip_auth_server_config_init(&sc);
	sc.algs = unknown;
	sc.n_algs = 1;
	ck_assert_int_eq(esip_auth_server_init(&s, &sc, NULL), ESIP_EINVAL);
	sc.n_algs = 0;
	ck_assert_int_eq(esip_auth_server_init(&s, &sc, NULL), ESIP_EINVAL);
	esip_auth_server_config_init(&sc);
	sc.qop = 4;
	ck_assert_int_eq(esip_auth_server_init(&s, &sc, NULL), ESIP_EINVAL);
	sc.qop = 0;
	ck_assert_int_eq(esip_auth_server_init(&s, &sc, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_auth_server_init(&s, NULL, NULL), 0);
	esip_auth_server_deinit(&s);
}
END_TEST

/* Credentials made by hand (any algorithm or qop) for a server nonce. */
static void forge(amsg *req, esip_auth_alg alg, unsigned qop, const char *realm, esip_str nonce,
		  const char *password, uint32_t nc)
{
	esip_auth_digest_input in;
	char resp[ESIP_AUTH_HEX_MAX + 1], line[1024];

	memset(&in, 0, sizeof in);
	in.alg = alg;
	in.username = S("alice");
	in.realm = esip_str_cstr(realm);
	in.password = esip_str_cstr(password);
	in.nonce = unq(nonce);
	in.cnonce = S("c0ffee");
	in.nc = nc;
	in.qop = qop;
	in.method = S("REGISTER");
	in.uri = S("sip:example.com");
	ck_assert_int_gt(esip_auth_digest_response(&in, resp), 0);
	snprintf(line, sizeof line,
		 "Authorization: Digest username=\"alice\", realm=\"%s\", nonce=\"%.*s\", uri=\"sip:example.com\", "
		 "response=\"%s\", algorithm=%s%s%s%s, nc=%08x\r\n",
		 realm, (int)in.nonce.len, in.nonce.p, resp, esip_auth_alg_name(alg),
		 qop ? ", cnonce=\"c0ffee\", qop=" : "", qop == ESIP_AUTH_QOP_AUTH ? "auth" : "",
		 qop == ESIP_AUTH_QOP_AUTH_INT ? "auth-int" : "", (unsigned)nc);
	if (!qop)
		*strstr(line, ", nc=") = '\0', strcat(line, "\r\n");
	amsg_request(req, "REGISTER", "sip:example.com", line, "");
}

static esip_str nonce_of(rig *r, const char *realm, uint64_t now)
{
	static char keep[128];
	esip_auth_challenge c;
	amsg resp;

	r->now = now;
	rig_challenge(r, false, realm, false, &resp);
	ck_assert_int_eq(esip_auth_challenge_parse(esip_msg_hdr(&resp.m, ESIP_HDR_WWW_AUTHENTICATE)->value, &c), 0);
	ck_assert_uint_lt(c.nonce.len, sizeof keep);
	memcpy(keep, c.nonce.p, c.nonce.len);
	return esip_str_make(keep, c.nonce.len);
}

START_TEST(verify_outcomes)
{
	static const esip_auth_alg sha[] = {ESIP_AUTH_SHA256};
	esip_auth_server_config sc;
	esip_auth_credentials cr;
	esip_auth_secret sec = {S("alice"), S("pw"), ESIP_STR_NULL};
	char ha1[ESIP_AUTH_HEX_MAX + 1], other[128];
	esip_str n;
	amsg req;
	rig r;

	esip_auth_server_config_init(&sc);
	sc.algs = sha;
	sc.n_algs = 1;
	rig_init(&r, &sc, NULL);
	n = nonce_of(&r, REALM, 5000);
	forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH, REALM, n, "pw", 1);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), 0);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pW"), ESIP_EAUTH);
	/* a stored HA1 */
	cr = rig_creds(&req, false, REALM);
	esip_auth_digest_ha1(ESIP_AUTH_SHA256, S("alice"), S(REALM), S("pw"), ha1);
	sec.password = ESIP_STR_NULL;
	sec.ha1 = esip_str_cstr(ha1);
	ck_assert_int_eq(esip_auth_server_verify(&r.srv, &req.m, &cr, &sec, r.now), 0);
	sec.ha1.len = 10;
	ck_assert_int_eq(esip_auth_server_verify(&r.srv, &req.m, &cr, &sec, r.now), ESIP_EINVAL);
	sec.ha1 = ESIP_STR_NULL;
	ck_assert_int_eq(esip_auth_server_verify(&r.srv, &req.m, &cr, &sec, r.now), ESIP_EINVAL);
	/* RFC 8760 3: MD5 was not offered; neither was auth-int */
	forge(&req, ESIP_AUTH_MD5, ESIP_AUTH_QOP_AUTH, REALM, n, "pw", 1);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), ESIP_EAUTH);
	forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH_INT, REALM, n, "pw", 1);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), ESIP_EAUTH);
	/* the RFC 2069 form is accepted (RFC 3261 22.4 item 8) */
	forge(&req, ESIP_AUTH_SHA256, 0, REALM, n, "pw", 0);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), 0);
	/* age: nonce_max_age_ms is still fresh, one more ms is stale */
	forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH, REALM, n, "pw", 1);
	r.now = 5000 + 300000;
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), 0);
	r.now++;
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), ESIP_ESTALE);
	/* stale only for the right password (RFC 2617 3.2.1) */
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "nope"), ESIP_EAUTH);
	/* a tampered nonce, a foreign one, one issued for another realm:
	 * right digest, not our nonce */
	r.now = 6000;
	memcpy(other, n.p, n.len);
	other[5] = other[5] == '0' ? '1' : '0';
	forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH, REALM, esip_str_make(other, n.len), "pw", 1);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), ESIP_ESTALE);
	forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH, REALM, S("\"somebody-elses\""), "pw", 1);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), ESIP_ESTALE);
	forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH, "other.org", n, "pw", 1);
	ck_assert_int_eq(rig_verify(&r, &req, false, "other.org", "alice", "pw"), ESIP_ESTALE);
	/* not a request */
	{
		amsg resp;
		amsg_challenge(&resp, 401, "");
		sec.password = S("pw");
		ck_assert_int_eq(esip_auth_server_verify(&r.srv, &resp.m, &cr, &sec, r.now), ESIP_EINVAL);
	}
	rig_deinit(&r);
}
END_TEST

/* Servers that share a key accept each other's nonces; a restarted
 * server with a random key does not (stale, not refused). */
START_TEST(shared_key)
{
	static const char key[] = "cluster secret";
	esip_auth_server_config sc;
	esip_auth_server other;
	esip_auth_credentials cr;
	esip_auth_secret sec = {S("alice"), S("pw"), ESIP_STR_NULL};
	amsg req;
	rig r;

	esip_auth_server_config_init(&sc);
	sc.key = key;
	sc.key_len = sizeof key - 1;
	rig_init(&r, &sc, NULL);
	forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH, REALM, nonce_of(&r, REALM, 100), "pw", 1);
	cr = rig_creds(&req, false, REALM);
	ck_assert_int_eq(esip_auth_server_init(&other, &sc, NULL), 0);
	ck_assert_int_eq(esip_auth_server_verify(&other, &req.m, &cr, &sec, 200), 0);
	esip_auth_server_deinit(&other);
	ck_assert_int_eq(esip_auth_server_init(&other, NULL, NULL), 0);
	ck_assert_int_eq(esip_auth_server_verify(&other, &req.m, &cr, &sec, 200), ESIP_ESTALE);
	esip_auth_server_deinit(&other);
	rig_deinit(&r);
}
END_TEST

/* RFC 7616 5.5: each nc of a nonce once, out of order within 64. */
START_TEST(replay_window)
{
	esip_auth_server_config sc;
	esip_str n;
	amsg req;
	rig r;
	uint32_t nc;

	esip_auth_server_config_init(&sc);
	sc.replay_slots = 4; /* one set of four */
	rig_init(&r, &sc, NULL);
	n = nonce_of(&r, REALM, 100);
#define TRY(nc_, want)                                                                 \
	do {                                                                           \
		forge(&req, ESIP_AUTH_SHA256, ESIP_AUTH_QOP_AUTH, REALM, n, "pw", (nc_)); \
		ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), (want)); \
	} while (0)
	TRY(1, 0);
	TRY(1, ESIP_ESTALE);
	TRY(3, 0);
	TRY(2, 0);
	TRY(2, ESIP_ESTALE);
	TRY(70, 0);
	TRY(6, ESIP_ESTALE); /* 64 behind: too far to tell */
	TRY(7, 0);           /* 63 behind: not seen yet */
	TRY(7, ESIP_ESTALE);
	TRY(500, 0);
	TRY(70, ESIP_ESTALE);
	/* four more nonces, issued later, evict the first from its set */
	{
		esip_str first = n;
		char keep[128];
		int i;
		memcpy(keep, first.p, first.len);
		first.p = keep;
		for (i = 0; i < 4; i++) {
			n = nonce_of(&r, REALM, 200 + (uint64_t)i);
			for (nc = 1; nc <= 2; nc++)
				TRY(nc, 0);
		}
		n = first;
		TRY(501, ESIP_ESTALE); /* perhaps evicted: a new nonce is due */
	}
#undef TRY
	rig_deinit(&r);
}
END_TEST

START_TEST(find_credentials)
{
	esip_auth_credentials cr;
	amsg req;

	amsg_request(&req, "REGISTER", "sip:a",
		     "Authorization: Digest username=\"x\", realm=\"other\", nonce=\"n\", uri=\"sip:a\", response=\"0\"\r\n"
		     "Authorization: Digest username=\"y\", realm=\"a\\\"b\", nonce=\"n\", uri=\"sip:a\", response=\"0\"\r\n"
		     "Proxy-Authorization: Digest username=\"z\", realm=\"p\", nonce=\"n\", uri=\"sip:a\"\r\n",
		     "");
	ck_assert_int_eq(esip_auth_server_find(&req.m, false, S("a\"b"), &cr), 0);
	ck_assert(esip_str_eq(cr.username, S("\"y\"")));
	ck_assert_int_eq(esip_auth_server_find(&req.m, false, S("p"), &cr), ESIP_ENOTFOUND);
	ck_assert_int_eq(esip_auth_server_find(&req.m, true, S("p"), &cr), ESIP_EBAD_VALUE);
	ck_assert_int_eq(esip_auth_server_find(&req.m, true, S("other"), &cr), ESIP_ENOTFOUND);
}
END_TEST

Suite *suite_auth_server(void)
{
	Suite *s = suite_create("auth-server");
	TCase *tc = tcase_create("server");

	tcase_add_test(tc, challenge_lines);
	tcase_add_test(tc, bad_config);
	tcase_add_test(tc, verify_outcomes);
	tcase_add_test(tc, shared_key);
	tcase_add_test(tc, replay_window);
	tcase_add_test(tc, find_credentials);
	suite_add_tcase(s, tc);
	return s;
}
