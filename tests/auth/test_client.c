/*
 * test_client.c - esip_auth_client against esip_auth_server and against
 * hand-written challenges: every algorithm with qop auth and auth-int;
 * the exact form of the header (RFC 7616 3.4 quoting, parameter order);
 * nonce reuse with nc counting per nonce; stale nonces (new nonce, same
 * credentials, no refusal) and the stale loop guard; refused credentials
 * never answered twice until replaced or forgotten; several challenges in
 * one response (strongest algorithm per realm, several realms, 401 and
 * 407 kinds together, challenges not understood); RFC 2069 challenges
 * without qop; userhash; escaped realms; limits; an allocation-failure
 * sweep.
 */
#include "atest.h"

#include <stdio.h>
#include <string.h>

#define S(lit) ESIP_STR(lit)
#define REALM "example.com"

static void server_cfg(esip_auth_server_config *cfg, const esip_auth_alg *algs, size_t n,
		       unsigned qop)
{
	esip_auth_server_config_init(cfg);
	cfg->algs = algs;
	cfg->n_algs = n;
	cfg->qop = qop;
	cfg->replay_slots = 64;
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

START_TEST(round_trip_every_algorithm)
{
	esip_auth_alg a;
	unsigned qop;

	for (a = ESIP_AUTH_MD5; a < ESIP_AUTH_ALG__COUNT; a++)
		for (qop = ESIP_AUTH_QOP_AUTH; qop <= ESIP_AUTH_QOP_AUTH_INT; qop++) {
			esip_auth_server_config sc;
			esip_auth_credentials cr;
			amsg resp, req;
			rig r;
			server_cfg(&sc, &a, 1, qop);
			rig_init(&r, &sc, NULL);
			ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "s3cret"), 0);
			rig_challenge(&r, false, REALM, false, &resp);
			ck_assert_int_eq(rig_respond(&r, &resp, NULL, "INVITE", "sip:bob@example.com", "v=0\r\n",
						     &req, NULL),
					 0);
			cr = rig_creds(&req, false, REALM);
			ck_assert_int_eq(cr.alg, a);
			ck_assert_uint_eq(cr.qop, qop);
			ck_assert_uint_eq(cr.nc, 1);
			ck_assert_uint_eq(unq(cr.cnonce).len, 32);
			ck_assert_uint_eq(unq(cr.response).len,
					  2 * esip_digest_len(esip_auth_alg_digest(a)));
			ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "s3cret"), 0);
			ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "wrong"), ESIP_EAUTH);
			rig_deinit(&r);
		}
}
END_TEST

/* The RFC 2617 3.5 challenge answered in the RFC 7616 3.9.1 order and
 * quoting; the response recomputed from the parsed line. */
START_TEST(header_form)
{
	static const char *const want_prefix =
		"Authorization: Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\", response=\"";
	esip_auth_credentials cr;
	esip_auth_digest_input in;
	char want[ESIP_AUTH_HEX_MAX + 1];
	amsg resp;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, NULL, "Mufasa", "Circle Of Life"), 0);
	amsg_challenge(&resp, 401,
		       "WWW-Authenticate: Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\",\r\n"
		       "  nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "INVITE", "sip:bob@biloxi.com", "", NULL, NULL), 0);
	ck_assert_msg(!strncmp(r.lines, want_prefix, strlen(want_prefix)), "%s", r.lines);
	ck_assert_msg(has(r.lines, "\", algorithm=MD5, cnonce=\""), "%s", r.lines);
	ck_assert_msg(has(r.lines, "\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001\r\n"),
		      "%s", r.lines);
	ck_assert(!has(r.lines, "userhash"));
	ck_assert_int_eq(esip_auth_credentials_parse(esip_str_make(r.lines + 15, strlen(r.lines) - 17), &cr), 0);
	memset(&in, 0, sizeof in);
	in.alg = ESIP_AUTH_MD5;
	in.username = S("Mufasa");
	in.realm = S("testrealm@host.com");
	in.password = S("Circle Of Life");
	in.nonce = S("dcd98b7102dd2f0e8b11d0f600bfb0c093");
	in.cnonce = unq(cr.cnonce);
	in.nc = 1;
	in.qop = ESIP_AUTH_QOP_AUTH;
	in.method = S("INVITE");
	in.uri = S("sip:bob@biloxi.com");
	ck_assert_int_eq(esip_auth_digest_response(&in, want), 32);
	ck_assert(esip_str_eq(unq(cr.response), esip_str_cstr(want)));
	rig_deinit(&r);
}
END_TEST

/* RFC 7616 3.4 nc: one count per nonce, incremented per request; the
 * server's replay window accepts each once. */
START_TEST(nonce_reuse_counts_nc)
{
	static const esip_auth_alg algs[] = {ESIP_AUTH_SHA256_SESS, ESIP_AUTH_SHA256};
	size_t i;

	for (i = 0; i < 2; i++) {
		esip_auth_server_config sc;
		esip_auth_credentials c1, c2, c3;
		amsg resp, req1, req2, req3;
		rig r;
		server_cfg(&sc, &algs[i], 1, ESIP_AUTH_QOP_AUTH);
		rig_init(&r, &sc, NULL);
		ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
		rig_challenge(&r, false, REALM, false, &resp);
		ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", &req1, NULL), 0);
		ck_assert_int_eq(rig_verify(&r, &req1, false, REALM, "alice", "pw"), 0);
		ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW, "REGISTER", "sip:example.com", "", &req2), 1);
		ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW | ESIP_AUTH_KIND_PROXY, "OPTIONS",
					       "sip:example.com", "", &req3),
				 1);
		c1 = rig_creds(&req1, false, REALM);
		c2 = rig_creds(&req2, false, REALM);
		c3 = rig_creds(&req3, false, REALM);
		ck_assert_uint_eq(c2.nc, 2);
		ck_assert_uint_eq(c3.nc, 3);
		ck_assert(esip_str_eq(c1.nonce, c3.nonce));
		/* a -sess key is bound to the first cnonce of the nonce */
		ck_assert(esip_str_eq(c1.cnonce, c3.cnonce) == (algs[i] == ESIP_AUTH_SHA256_SESS));
		ck_assert_int_eq(rig_verify(&r, &req3, false, REALM, "alice", "pw"), 0);
		ck_assert_int_eq(rig_verify(&r, &req2, false, REALM, "alice", "pw"), 0); /* out of order */
		ck_assert_int_eq(rig_verify(&r, &req2, false, REALM, "alice", "pw"), ESIP_ESTALE); /* replay */
		ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_PROXY, "OPTIONS", "sip:example.com", "", NULL), 0);
		ck_assert_str_eq(r.lines, "");
		rig_deinit(&r);
	}
}
END_TEST

/* RFC 7616 3.3 stale: a new nonce with the same credentials, no refusal;
 * stale=true repeating the nonce just used is a loop and refused. */
START_TEST(stale_nonce)
{
	esip_auth_report rep;
	amsg resp, req1, req2, req3;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", &req1, NULL), 0);
	ck_assert_int_eq(rig_verify(&r, &req1, false, REALM, "alice", "pw"), 0);
	r.now += 300001; /* past nonce_max_age_ms */
	ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW, "REGISTER", "sip:example.com", "", &req2), 1);
	ck_assert_int_eq(rig_verify(&r, &req2, false, REALM, "alice", "pw"), ESIP_ESTALE);
	rig_challenge(&r, false, REALM, true, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, &req2, "REGISTER", "sip:example.com", "", &req3, &rep), 0);
	ck_assert_uint_eq(rep.answered, 1);
	ck_assert_uint_eq(rep.refused, 0);
	ck_assert_uint_eq(rig_creds(&req3, false, REALM).nc, 1);
	ck_assert_int_eq(rig_verify(&r, &req3, false, REALM, "alice", "pw"), 0);

	/* stale=true again with the nonce req3 carried: a loop */
	{
		char t[1024];
		esip_auth_credentials cr = rig_creds(&req3, false, REALM);
		snprintf(t, sizeof t, "WWW-Authenticate: Digest realm=\"" REALM "\", nonce=%.*s, qop=\"auth\", stale=true\r\n",
			 (int)cr.nonce.len, cr.nonce.p);
		amsg_challenge(&resp, 401, t);
	}
	ck_assert_int_eq(rig_respond(&r, &resp, &req3, "REGISTER", "sip:example.com", "", NULL, &rep), ESIP_EAUTH);
	ck_assert_uint_eq(rep.refused, 1);
	rig_deinit(&r);
}
END_TEST

/* Refused credentials are never sent again until replaced or forgotten. */
START_TEST(refused_credentials_do_not_loop)
{
	esip_auth_report rep;
	amsg resp, req1, req2;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "typo"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", &req1, NULL), 0);
	ck_assert_int_eq(rig_verify(&r, &req1, false, REALM, "alice", "pw"), ESIP_EAUTH);
	/* the server challenges again, not stale: refused */
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, &req1, "REGISTER", "sip:example.com", "", NULL, &rep), ESIP_EAUTH);
	ck_assert_uint_eq(rep.refused, 1);
	ck_assert_uint_eq(rep.answered, 0);
	ck_assert(esip_str_eq(rep.realm, S("\"" REALM "\"")));
	ck_assert_str_eq(r.lines, "");
	/* sticky: a fresh request gets nothing from authorize, and a new
	 * challenge of it is refused too (request unknown) */
	ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW, "REGISTER", "sip:example.com", "", NULL), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", NULL, &rep), ESIP_EAUTH);
	/* even stale=true does not lift a refusal */
	rig_challenge(&r, false, REALM, true, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, &req1, "REGISTER", "sip:example.com", "", NULL, &rep), ESIP_EAUTH);
	/* the user types the right password: answered, and it works, even
	 * for the response to the request that carried the old ones */
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
	ck_assert_int_eq(rig_respond(&r, &resp, &req1, "REGISTER", "sip:example.com", "", &req2, &rep), 0);
	ck_assert_int_eq(rig_verify(&r, &req2, false, REALM, "alice", "pw"), 0);
	rig_deinit(&r);
}
END_TEST

START_TEST(forget_lifts_refusal)
{
	amsg resp, req1;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "typo"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", &req1, NULL), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, &req1, "REGISTER", "sip:example.com", "", NULL, NULL), ESIP_EAUTH);
	esip_auth_client_forget(&r.cli, "other.org");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", NULL, NULL), ESIP_EAUTH);
	esip_auth_client_forget(&r.cli, REALM);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", NULL, NULL), 0);
	esip_auth_client_forget(&r.cli, NULL);
	ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW, "REGISTER", "sip:example.com", "", NULL), 0);
	rig_deinit(&r);
}
END_TEST

/* A request that carried no credentials for the realm is answered even
 * when the client remembers an older nonce for it. */
START_TEST(unanswered_request_gets_answer)
{
	amsg resp, req0, req1;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", NULL, NULL), 0);
	amsg_request(&req0, "INVITE", "sip:bob@example.com", "", "");
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, &req0, "INVITE", "sip:bob@example.com", "", &req1, NULL), 0);
	ck_assert_uint_eq(rig_creds(&req1, false, REALM).nc, 1);
	ck_assert_int_eq(rig_verify(&r, &req1, false, REALM, "alice", "pw"), 0);
	rig_deinit(&r);
}
END_TEST

/* RFC 8760 2.4: among one realm's challenges the strongest algorithm we
 * support; those not understood are ignored. */
START_TEST(several_challenges_one_realm)
{
	esip_auth_report rep;
	esip_auth_credentials cr;
	amsg resp, req;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "alice", "pw"), 0);
	amsg_challenge(&resp, 401,
		       "WWW-Authenticate: Basic realm=\"r\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", algorithm=AKAv1-MD5, qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n3\", algorithm=SHA-512-256, qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n4\", algorithm=SHA-256, qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n5\", algorithm=SHA-512-256, qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n6\", algorithm=SHA-256, qop=\"foo\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n7\", algorithm=SHA-256-sess\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", &req, &rep), 0);
	ck_assert_uint_eq(rep.answered, 1);
	ck_assert_uint_eq(rep.ignored, 4); /* Basic, AKA, qop foo, -sess without qop */
	cr = rig_creds(&req, false, "r");
	ck_assert_int_eq(cr.alg, ESIP_AUTH_SHA512_256);
	ck_assert(esip_str_eq(cr.nonce, S("\"n3\""))); /* the topmost of the strongest */
	rig_deinit(&r);
}
END_TEST

/* RFC 3261 22.3: one answer per challenging realm, in its own kind of
 * header; realms without credentials are reported. */
START_TEST(several_realms_and_kinds)
{
	esip_auth_report rep;
	amsg resp, req, req0;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "A", "alice", "pwA"), 0);
	amsg_challenge(&resp, 407,
		       "Proxy-Authenticate: Digest realm=\"B\", nonce=\"nb\", qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"A\", nonce=\"na\", qop=\"auth\"\r\n"
		       "Proxy-Authenticate: Digest realm=\"A\", nonce=\"npa\", qop=\"auth\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "INVITE", "sip:bob@b", "", &req, &rep), 0);
	ck_assert_uint_eq(rep.answered, 2);
	ck_assert_uint_eq(rep.no_credentials, 1);
	ck_assert(esip_str_eq(rep.realm, S("\"B\"")));
	ck_assert(esip_str_eq(rig_creds(&req, false, "A").nonce, S("\"na\"")));
	ck_assert(esip_str_eq(rig_creds(&req, true, "A").nonce, S("\"npa\"")));
	/* credentials for any realm cover B (answering a request that
	 * carried none) */
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, NULL, "alice", "pwAny"), 0);
	amsg_request(&req0, "INVITE", "sip:bob@b", "", "");
	ck_assert_int_eq(rig_respond(&r, &resp, &req0, "INVITE", "sip:bob@b", "", &req, &rep), 0);
	ck_assert_uint_eq(rep.answered, 3);
	ck_assert(esip_str_eq(rig_creds(&req, true, "B").username, S("\"alice\"")));
	/* authorize by kind */
	ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_PROXY, "BYE", "sip:bob@b", "", NULL), 2);
	ck_assert(!has(r.lines, "\nAuthorization") && strncmp(r.lines, "Authorization", 13));
	ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW, "BYE", "sip:bob@b", "", NULL), 1);
	ck_assert(!strncmp(r.lines, "Authorization: Digest", 21));
	rig_deinit(&r);
}
END_TEST

START_TEST(nothing_to_answer)
{
	esip_auth_client_config cc;
	esip_auth_report rep;
	amsg resp, req;
	rig r;

	esip_auth_client_config_init(&cc);
	cc.min_alg = ESIP_AUTH_SHA256; /* RFC 8760 3: no MD5 downgrade */
	rig_init(&r, NULL, &cc);
	amsg_challenge(&resp, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", NULL, &rep), ESIP_ENOTSUP);
	ck_assert_uint_eq(rep.ignored, 1);
	amsg_challenge(&resp, 401,
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, qop=\"auth\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", NULL, &rep), ESIP_ENOCRED);
	ck_assert(esip_str_eq(rep.realm, S("\"r\"")));
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "u", "p"), 0);
	amsg_challenge(&resp, 401,
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=MD5, qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, qop=\"auth\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", &req, NULL), 0);
	ck_assert_int_eq(rig_creds(&req, false, "r").alg, ESIP_AUTH_SHA256);
	/* not a 401/407; bad arguments */
	amsg_request(&req, "REGISTER", "sip:r", "", "");
	ck_assert_int_eq(rig_respond(&r, &req, NULL, "REGISTER", "sip:r", "", NULL, NULL), ESIP_EINVAL);
	amsg_challenge(&resp, 401, "");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", NULL, &rep), ESIP_ENOTSUP);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "", "sip:r", "", NULL, NULL), ESIP_EINVAL);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r\r\nX: y", "", NULL, NULL), ESIP_EINVAL);
	ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW, "REGISTER", "", "", NULL), ESIP_EINVAL);
	rig_deinit(&r);
}
END_TEST

/* qop choices: auth-int when it is the only option; the RFC 2069 form
 * when the challenge has no qop (RFC 3261 22.4 item 8). */
START_TEST(qop_choices)
{
	esip_auth_server_config sc;
	esip_auth_alg md5 = ESIP_AUTH_MD5;
	amsg resp, req;
	char *q;
	rig r;

	server_cfg(&sc, &md5, 1, ESIP_AUTH_QOP_AUTH | ESIP_AUTH_QOP_AUTH_INT);
	rig_init(&r, &sc, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert(has(r.lines, "qop=\"auth,auth-int\""));
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "MESSAGE", "sip:bob@example.com", "hi", &req, NULL), 0);
	ck_assert_uint_eq(rig_creds(&req, false, REALM).qop, ESIP_AUTH_QOP_AUTH); /* auth preferred */
	rig_deinit(&r);

	server_cfg(&sc, &md5, 1, ESIP_AUTH_QOP_AUTH_INT);
	rig_init(&r, &sc, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "MESSAGE", "sip:bob@example.com", "hi", &req, NULL), 0);
	ck_assert(has(r.lines, ", qop=auth-int, nc=00000001"));
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), 0);
	/* the body is protected: the same credentials on another body fail */
	{
		char lines[4096];
		strcpy(lines, r.lines);
		amsg_request(&req, "MESSAGE", "sip:bob@example.com", lines, "ho");
	}
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), ESIP_EAUTH);
	rig_deinit(&r);

	/* a challenge without qop */
	server_cfg(&sc, &md5, 1, ESIP_AUTH_QOP_AUTH);
	rig_init(&r, &sc, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	q = strstr(r.lines, ", qop=\"auth\"");
	ck_assert_ptr_nonnull(q);
	memmove(q, q + 12, strlen(q + 12) + 1);
	{
		char lines[4096];
		strcpy(lines, r.lines);
		amsg_challenge(&resp, 401, lines);
	}
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", &req, NULL), 0);
	ck_assert(!has(r.lines, "qop") && !has(r.lines, "cnonce") && !has(r.lines, "nc="));
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), 0);
	/* no nc to count: with the replay window, a nonce serves once */
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), ESIP_ESTALE);
	rig_deinit(&r);
}
END_TEST

/* RFC 7616 3.4.4 */
START_TEST(userhash)
{
	esip_auth_server_config sc;
	esip_auth_alg alg = ESIP_AUTH_SHA512_256;
	esip_auth_credentials cr;
	char uh[ESIP_AUTH_HEX_MAX + 1];
	amsg resp, req;
	rig r;

	server_cfg(&sc, &alg, 1, ESIP_AUTH_QOP_AUTH);
	sc.userhash = true;
	rig_init(&r, &sc, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, REALM, "alice", "pw"), 0);
	rig_challenge(&r, false, REALM, false, &resp);
	ck_assert(has(r.lines, ", userhash=true\r\n"));
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", &req, NULL), 0);
	ck_assert(has(r.lines, ", userhash=true\r\n"));
	cr = rig_creds(&req, false, REALM);
	ck_assert(cr.userhash);
	esip_auth_digest_userhash(alg, S("alice"), S(REALM), uh);
	ck_assert(esip_str_eq(unq(cr.username), esip_str_cstr(uh)));
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "alice", "pw"), 0);
	ck_assert_int_eq(rig_verify(&r, &req, false, REALM, "bob", "pw"), ESIP_EAUTH);
	rig_deinit(&r);
}
END_TEST

/* A realm with quotes and backslashes is unescaped, kept, and written
 * back escaped. */
START_TEST(escaped_realm)
{
	static const char realm[] = "a \"q\" \\ realm";
	amsg resp, req;
	rig r;

	rig_init(&r, NULL, NULL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, realm, "alice", "p\"w"), 0);
	rig_challenge(&r, false, realm, false, &resp);
	ck_assert(has(r.lines, "realm=\"a \\\"q\\\" \\\\ realm\""));
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:example.com", "", &req, NULL), 0);
	ck_assert(has(r.lines, "realm=\"a \\\"q\\\" \\\\ realm\""));
	ck_assert_int_eq(rig_verify(&r, &req, false, realm, "alice", "p\"w"), 0);
	rig_deinit(&r);
}
END_TEST

START_TEST(limits)
{
	esip_auth_client_config cc;
	esip_auth_report rep;
	esip_buf b;
	char small[40];
	amsg resp;
	rig r;

	esip_auth_client_config_init(&cc);
	cc.max_value_len = 8;
	cc.max_credentials = 2;
	cc.max_realms = 2;
	rig_init(&r, NULL, &cc);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "", "p"), ESIP_EINVAL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "u\x01", "p"), ESIP_EINVAL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "u", "p\r\n"), 0); /* only hashed */
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r\n", "u", "p"), ESIP_EINVAL);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "u", "123456789"), ESIP_ELIMIT);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "u", "12345678"), 0);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "r", "u", "p"), 0); /* replaced */
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, NULL, "u", "p"), 0);
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, NULL, "v", "p"), 0); /* replaced */
	ck_assert_int_eq(esip_auth_client_add_credentials(&r.cli, "s", "u", "p"), ESIP_ELIMIT);
	/* fuzz_digest found this: a control character as a quoted-pair in
	 * the nonce, written back raw, made a line that did not parse; such
	 * values are ignored */
	amsg_challenge(&resp, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"a\\\x12" "b\", qop=\"auth\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", NULL, &rep), ESIP_ENOTSUP);
	ck_assert_uint_eq(rep.ignored, 1);
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r\x7f", "", NULL, NULL), ESIP_EINVAL);
	/* a nonce longer than max_value_len cannot be kept */
	amsg_challenge(&resp, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"123456789\", qop=\"auth\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", NULL, &rep), ESIP_ENOTSUP);
	ck_assert_uint_eq(rep.ignored, 1);
	/* three realms through two slots: the least recently used goes */
	amsg_challenge(&resp, 401,
		       "WWW-Authenticate: Digest realm=\"r\", nonce=\"1\", qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"x\", nonce=\"2\", qop=\"auth\"\r\n"
		       "WWW-Authenticate: Digest realm=\"y\", nonce=\"3\", qop=\"auth\"\r\n");
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", NULL, &rep), 0);
	ck_assert_uint_eq(rep.answered, 3);
	ck_assert_int_eq(rig_authorize(&r, ESIP_AUTH_KIND_WWW, "REGISTER", "sip:r", "", NULL), 2);
	ck_assert(!has(r.lines, "realm=\"r\""));
	/* too many challenges: the rest are ignored */
	{
		char lines[4096] = "";
		int i;
		for (i = 0; i < ESIP_AUTH_MAX_CHALLENGES + 3; i++)
			snprintf(lines + strlen(lines), sizeof lines - strlen(lines),
				 "WWW-Authenticate: Digest realm=\"%d\", nonce=\"n\", qop=\"auth\"\r\n", i);
		amsg_challenge(&resp, 401, lines);
	}
	ck_assert_int_eq(rig_respond(&r, &resp, NULL, "REGISTER", "sip:r", "", NULL, &rep), 0);
	ck_assert_uint_eq(rep.answered, ESIP_AUTH_MAX_CHALLENGES);
	ck_assert_uint_eq(rep.ignored, 3);
	/* a buffer too small */
	amsg_challenge(&resp, 401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\n");
	esip_buf_init_fixed(&b, small, sizeof small);
	ck_assert_int_eq(esip_auth_client_respond(&r.cli, &resp.m, NULL, S("REGISTER"), S("sip:r"),
						  ESIP_STR_NULL, &b, NULL),
			 ESIP_ENOSPC);
	rig_deinit(&r);

	ck_assert_int_eq(esip_auth_client_init(&r.cli, &(esip_auth_client_config){0, 1, 1, ESIP_AUTH_MD5}, NULL),
			 ESIP_EINVAL);
}
END_TEST

/* Every allocation failing in turn: init fails cleanly or the whole
 * exchange works, into a growable buffer on the same allocator. */
START_TEST(allocation_failure_sweep)
{
	long fail_at;
	bool finished = false;

	for (fail_at = 1; !finished && fail_at < 100; fail_at++) {
		esip_auth_server_config sc;
		esip_auth_server srv;
		esip_auth_client cli;
		esip_buf b;
		test_alloc ta;
		amsg resp, req;
		char lines[2048];
		int rc;

		test_alloc_init(&ta, fail_at);
		esip_auth_server_config_init(&sc);
		sc.replay_slots = 16;
		rc = esip_auth_server_init(&srv, &sc, &ta.a);
		if (rc) {
			ck_assert_int_eq(rc, ESIP_ENOMEM);
			ck_assert_int_eq(ta.live, 0);
			continue;
		}
		rc = esip_auth_client_init(&cli, NULL, &ta.a);
		if (rc) {
			ck_assert_int_eq(rc, ESIP_ENOMEM);
			esip_auth_server_deinit(&srv);
			ck_assert_int_eq(ta.live, 0);
			continue;
		}
		ck_assert_int_eq(esip_auth_client_add_credentials(&cli, REALM, "alice", "pw"), 0);
		esip_buf_init_fixed(&b, lines, sizeof lines - 1);
		ck_assert_int_eq(esip_auth_server_challenge(&srv, false, S(REALM), false, 5, &b), 0);
		lines[b.len] = '\0';
		amsg_challenge(&resp, 401, lines);
		rc = esip_buf_init_dyn(&b, &ta.a, 16, 4096);
		if (!rc)
			rc = esip_auth_client_respond(&cli, &resp.m, NULL, S("REGISTER"), S("sip:example.com"),
						      ESIP_STR_NULL, &b, NULL);
		if (rc) {
			ck_assert_int_eq(rc, ESIP_ENOMEM);
		} else {
			esip_auth_credentials cr;
			esip_auth_secret sec = {S("alice"), S("pw"), ESIP_STR_NULL};
			ck_assert_uint_lt(b.len, sizeof lines);
			memcpy(lines, b.p, b.len);
			lines[b.len] = '\0';
			amsg_request(&req, "REGISTER", "sip:example.com", lines, "");
			ck_assert_int_eq(esip_auth_server_find(&req.m, false, S(REALM), &cr), 0);
			ck_assert_int_eq(esip_auth_server_verify(&srv, &req.m, &cr, &sec, 6), 0);
			finished = ta.failed == 0;
		}
		esip_buf_free(&b);
		esip_auth_client_deinit(&cli);
		esip_auth_server_deinit(&srv);
		ck_assert_int_eq(ta.live, 0);
	}
	ck_assert(finished);
	ck_assert_int_gt(fail_at, 4); /* server table, client arrays, buffer growth */
}
END_TEST

Suite *suite_auth_client(void)
{
	Suite *s = suite_create("auth-client");
	TCase *tc = tcase_create("client");

	tcase_add_test(tc, round_trip_every_algorithm);
	tcase_add_test(tc, header_form);
	tcase_add_test(tc, nonce_reuse_counts_nc);
	tcase_add_test(tc, stale_nonce);
	tcase_add_test(tc, refused_credentials_do_not_loop);
	tcase_add_test(tc, forget_lifts_refusal);
	tcase_add_test(tc, unanswered_request_gets_answer);
	tcase_add_test(tc, several_challenges_one_realm);
	tcase_add_test(tc, several_realms_and_kinds);
	tcase_add_test(tc, nothing_to_answer);
	tcase_add_test(tc, qop_choices);
	tcase_add_test(tc, userhash);
	tcase_add_test(tc, escaped_realm);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, allocation_failure_sweep);
	suite_add_tcase(s, tc);
	return s;
}
