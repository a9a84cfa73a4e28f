/* atest.h - helpers of the auth suites: a parsed message that owns its
 * bytes, and the suites' constructors. */
#ifndef ESIP_ATEST_H
#define ESIP_ATEST_H

#include "testutil.h"

#include <esip/auth.h>

typedef struct amsg {
	char buf[8192];
	esip_hdr hdrs[64];
	esip_msg m;
} amsg;

/* Parses text (a whole datagram) into m; fails the test if it does not
 * parse. */
void amsg_parse(amsg *a, const char *text);
/* A 401 or 407 response carrying the given challenge lines (each
 * "Name: value\r\n"). */
void amsg_challenge(amsg *a, unsigned status, const char *lines);
/* A request (method, uri) carrying the given header lines and body. */
void amsg_request(amsg *a, const char *method, const char *uri, const char *lines,
		  const char *body);

Suite *suite_auth_parse(void);
Suite *suite_auth_vectors(void);
Suite *suite_auth_client(void);
Suite *suite_auth_server(void);

#endif

/* A server and a client on one virtual clock. */
typedef struct rig {
	esip_auth_server srv;
	esip_auth_client cli;
	uint64_t now;
	char lines[4096]; /* the last lines written */
} rig;

/* srv_cfg / cli_cfg may be NULL (defaults). */
void rig_init(rig *r, const esip_auth_server_config *srv_cfg, const esip_auth_client_config *cli_cfg);
void rig_deinit(rig *r);
/* A 401 (proxy: 407) from the server for realm into resp. */
void rig_challenge(rig *r, bool proxy, const char *realm, bool stale, amsg *resp);
/* The client's answer to resp for a method/uri/body request; prev is the
 * request that drew resp (NULL: unknown).  The answer's lines go into
 * r->lines and, when rc == 0, into the new request req (may be NULL). */
int rig_respond(rig *r, const amsg *resp, const amsg *prev, const char *method, const char *uri,
		const char *body, amsg *req, esip_auth_report *rep);
/* esip_auth_client_authorize into a new request req. */
int rig_authorize(rig *r, unsigned kinds, const char *method, const char *uri, const char *body,
		  amsg *req);
/* Finds the credentials for realm in req and verifies them. */
int rig_verify(rig *r, const amsg *req, bool proxy, const char *realm, const char *user,
	       const char *password);
/* The credentials for realm in req, parsed (fails the test if none). */
esip_auth_credentials rig_creds(const amsg *req, bool proxy, const char *realm);
/* A value as written without its quotes (quoted-pairs kept). */
esip_str unq(esip_str v);
