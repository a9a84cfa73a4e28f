/*
 * fuzz_digest.c - Digest challenges and credentials (esip/auth.h): the
 * input is parsed as a challenge and as credentials (copied to a buffer
 * of its exact size), then put after "WWW-Authenticate: " in a 401 that a
 * client answers (the input may add lines, e.g. more challenges or a
 * Proxy-Authenticate), and after "Authorization: " in a REGISTER that a
 * server verifies.
 *
 * Invariants: views lie inside the input; a credentials value that
 * parses has a consistent qop / cnonce / nc; every line the client
 * writes is a credentials value that parses again, for a realm it was
 * challenged with; verification returns one of its documented codes.
 */
#include <esip/auth.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void inside(const char *lo, const char *hi, esip_str s)
{
	if (s.p)
		assert(s.p >= lo && s.p + s.len <= hi);
}

static void parse_value(const char *in, size_t size)
{
	esip_str s = esip_str_make(in, size);
	esip_auth_challenge c;
	esip_auth_credentials cr;

	if (esip_auth_challenge_parse(s, &c) == 0) {
		inside(in, in + size, c.realm);
		inside(in, in + size, c.nonce);
		inside(in, in + size, c.opaque);
		inside(in, in + size, c.domain);
		inside(in, in + size, c.algorithm);
		assert(c.realm.p && c.nonce.p);
		assert(c.alg < ESIP_AUTH_ALG__COUNT);
		assert(!(c.qop & ~(ESIP_AUTH_QOP_AUTH | ESIP_AUTH_QOP_AUTH_INT)));
	}
	if (esip_auth_credentials_parse(s, &cr) == 0) {
		inside(in, in + size, cr.username);
		inside(in, in + size, cr.response);
		inside(in, in + size, cr.cnonce);
		assert(cr.username.p && cr.realm.p && cr.nonce.p && cr.uri.p && cr.response.p);
		assert(cr.qop == 0 || cr.qop == ESIP_AUTH_QOP_AUTH || cr.qop == ESIP_AUTH_QOP_AUTH_INT);
		assert(!cr.qop == !cr.cnonce.p);
	}
}

/* Builds head + input + tail into a message and parses it; NULL if it
 * does not parse. */
static esip_msg *message(esip_msg *m, esip_hdr *hdrs, size_t cap, char *buf, const char *head,
			 const uint8_t *data, size_t size, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);

	memcpy(buf, head, hl);
	memcpy(buf + hl, data, size);
	memcpy(buf + hl + size, tail, tl);
	esip_msg_init(m, hdrs, cap);
	return esip_msg_parse(m, buf, hl + size + tl, ESIP_PARSE_DATAGRAM, NULL) > 0 ? m : NULL;
}

static void client(const uint8_t *data, size_t size, char *buf)
{
	static const char head[] = "SIP/2.0 401 Unauthorized\r\n"
				   "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
				   "To: <sip:a@h>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n"
				   "WWW-Authenticate: ";
	esip_auth_client_config cfg;
	esip_auth_client c;
	esip_hdr hdrs[32];
	esip_msg m;
	char out[4096];
	esip_buf b;
	int rc;

	if (!message(&m, hdrs, 32, buf, head, data, size, "\r\nContent-Length: 0\r\n\r\n"))
		return;
	esip_auth_client_config_init(&cfg);
	cfg.max_realms = 3;
	cfg.max_value_len = 64;
	if (esip_auth_client_init(&c, &cfg, NULL))
		return;
	esip_auth_client_add_credentials(&c, NULL, "alice", "pw");
	esip_auth_client_add_credentials(&c, "r", "bob", "pw2");
	esip_buf_init_fixed(&b, out, sizeof out);
	rc = esip_auth_client_respond(&c, &m, NULL, ESIP_STR("REGISTER"), ESIP_STR("sip:h"),
				      ESIP_STR("body"), &b, NULL);
	assert(rc == 0 || rc == ESIP_EAUTH || rc == ESIP_ENOCRED || rc == ESIP_ENOTSUP ||
	       rc == ESIP_ENOSPC || rc == ESIP_ESYS);
	/* a second round answers from memory: refusals and stale rules */
	esip_auth_client_respond(&c, &m, NULL, ESIP_STR("REGISTER"), ESIP_STR("sip:h"), ESIP_STR_NULL,
				 &b, NULL);
	esip_auth_client_authorize(&c, ESIP_AUTH_KIND_WWW | ESIP_AUTH_KIND_PROXY, ESIP_STR("OPTIONS"),
				   ESIP_STR("sip:h"), ESIP_STR_NULL, &b);
	if (!esip_buf_error(&b)) {
		/* every line written parses back as credentials */
		const char *p = out, *end = out + b.len;
		while (p < end) {
			const char *e = memchr(p, '\r', (size_t)(end - p)), *v;
			esip_auth_credentials cr;
			assert(e && e + 1 < end && e[1] == '\n');
			v = memchr(p, ':', (size_t)(e - p));
			assert(v && v[1] == ' ');
			assert(esip_auth_credentials_parse(esip_str_make(v + 2, (size_t)(e - v - 2)), &cr) == 0);
			p = e + 2;
		}
	}
	esip_auth_client_deinit(&c);
}

static void server(const uint8_t *data, size_t size, char *buf)
{
	static const char head[] = "REGISTER sip:h SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
				   "To: <sip:a@h>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
				   "Authorization: ";
	static const char key[] = "fuzz";
	esip_auth_server_config cfg;
	esip_auth_server s;
	esip_auth_credentials cr;
	esip_auth_secret sec = {ESIP_STR("alice"), ESIP_STR("pw"), ESIP_STR_NULL};
	esip_hdr hdrs[32];
	esip_msg m;
	int rc;

	if (!message(&m, hdrs, 32, buf, head, data, size, "\r\nContent-Length: 0\r\n\r\n"))
		return;
	if (esip_auth_server_find(&m, false, ESIP_STR("r"), &cr))
		return;
	esip_auth_server_config_init(&cfg);
	cfg.key = key;
	cfg.key_len = sizeof key - 1;
	cfg.replay_slots = 8;
	cfg.userhash = true;
	if (esip_auth_server_init(&s, &cfg, NULL))
		return;
	rc = esip_auth_server_verify(&s, &m, &cr, &sec, 1000);
	assert(rc == 0 || rc == ESIP_EAUTH || rc == ESIP_ESTALE || rc == ESIP_EINVAL);
	esip_auth_server_deinit(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *buf;

	if (size > 4096)
		return 0;
	in = malloc(size ? size : 1);
	buf = malloc(size + 512);
	if (in && buf) {
		memcpy(in, data, size);
		parse_value(in, size);
		client(data, size, buf);
		server(data, size, buf);
	}
	free(in);
	free(buf);
	return 0;
}
