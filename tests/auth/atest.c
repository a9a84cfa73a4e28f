/* atest.c - message helpers of the auth suites (atest.h). */
#include "atest.h"

#include <stdio.h>
#include <string.h>

void amsg_parse(amsg *a, const char *text)
{
	size_t n = strlen(text);
	long rc;

	ck_assert_uint_lt(n, sizeof a->buf);
	memcpy(a->buf, text, n);
	esip_msg_init(&a->m, a->hdrs, sizeof a->hdrs / sizeof a->hdrs[0]);
	rc = esip_msg_parse(&a->m, a->buf, n, ESIP_PARSE_DATAGRAM, NULL);
	ck_assert_msg(rc > 0, "parse: %s (%s)", esip_errname((int)rc), a->m.err_reason);
}

void amsg_challenge(amsg *a, unsigned status, const char *lines)
{
	char t[8192];

	snprintf(t, sizeof t,
		 "SIP/2.0 %u %s\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1\r\n"
		 "From: <sip:alice@example.com>;tag=f1\r\n"
		 "To: <sip:alice@example.com>;tag=t1\r\n"
		 "Call-ID: c1@192.0.2.1\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 status, status == 401 ? "Unauthorized" : "Proxy Authentication Required", lines);
	amsg_parse(a, t);
}

void amsg_request(amsg *a, const char *method, const char *uri, const char *lines,
		  const char *body)
{
	char t[8192];

	snprintf(t, sizeof t,
		 "%s %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa2\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:alice@example.com>;tag=f1\r\n"
		 "To: <sip:alice@example.com>\r\n"
		 "Call-ID: c1@192.0.2.1\r\n"
		 "CSeq: 2 %s\r\n"
		 "%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 method, uri, method, lines, strlen(body), body);
	amsg_parse(a, t);
}

void rig_init(rig *r, const esip_auth_server_config *srv_cfg, const esip_auth_client_config *cli_cfg)
{
	memset(r, 0, sizeof *r);
	r->now = 1000000;
	ck_assert_int_eq(esip_auth_server_init(&r->srv, srv_cfg, NULL), 0);
	ck_assert_int_eq(esip_auth_client_init(&r->cli, cli_cfg, NULL), 0);
}

void rig_deinit(rig *r)
{
	esip_auth_server_deinit(&r->srv);
	esip_auth_client_deinit(&r->cli);
}

void rig_challenge(rig *r, bool proxy, const char *realm, bool stale, amsg *resp)
{
	esip_buf b;

	esip_buf_init_fixed(&b, r->lines, sizeof r->lines - 1);
	ck_assert_int_eq(esip_auth_server_challenge(&r->srv, proxy, esip_str_cstr(realm), stale, r->now, &b), 0);
	r->lines[b.len] = '\0';
	amsg_challenge(resp, proxy ? 407 : 401, r->lines);
}

int rig_respond(rig *r, const amsg *resp, const amsg *prev, const char *method, const char *uri,
		const char *body, amsg *req, esip_auth_report *rep)
{
	esip_buf b;
	int rc;

	esip_buf_init_fixed(&b, r->lines, sizeof r->lines - 1);
	rc = esip_auth_client_respond(&r->cli, &resp->m, prev ? &prev->m : NULL, esip_str_cstr(method),
				      esip_str_cstr(uri), esip_str_cstr(body), &b, rep);
	r->lines[b.len] = '\0';
	if (rc == 0 && req)
		amsg_request(req, method, uri, r->lines, body);
	return rc;
}

int rig_authorize(rig *r, unsigned kinds, const char *method, const char *uri, const char *body,
		  amsg *req)
{
	esip_buf b;
	int rc;

	esip_buf_init_fixed(&b, r->lines, sizeof r->lines - 1);
	rc = esip_auth_client_authorize(&r->cli, kinds, esip_str_cstr(method), esip_str_cstr(uri),
					esip_str_cstr(body), &b);
	r->lines[b.len] = '\0';
	if (rc >= 0 && req)
		amsg_request(req, method, uri, r->lines, body);
	return rc;
}

esip_auth_credentials rig_creds(const amsg *req, bool proxy, const char *realm)
{
	esip_auth_credentials cr;

	ck_assert_int_eq(esip_auth_server_find(&req->m, proxy, esip_str_cstr(realm), &cr), 0);
	return cr;
}

int rig_verify(rig *r, const amsg *req, bool proxy, const char *realm, const char *user,
	       const char *password)
{
	esip_auth_credentials cr = rig_creds(req, proxy, realm);
	esip_auth_secret sec = {esip_str_cstr(user), esip_str_cstr(password), ESIP_STR_NULL};

	return esip_auth_server_verify(&r->srv, &req->m, &cr, &sec, r->now);
}

esip_str unq(esip_str v)
{
	if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"')
		return esip_str_make(v.p + 1, v.len - 2);
	return v;
}
