/*
 * digest_peer.c - esip's Digest client (esip/auth.h) against a real
 * registrar and proxy (Kamailio, started by kamailio.sh) over UDP on
 * loopback, before the UA core uses it: a blocking, single-threaded
 * test peer built from the parser (builder, parser) and the auth layer.
 *
 *   digest-peer PORT USER PASSWORD [wrong | stale]
 *
 * 1. REGISTER sip:esip.test for USER (Contact: this socket): 401, answer
 *    with esip_auth_client_respond, 200.  With "wrong", the second 401
 *    must make esip_auth_client_respond refuse (ESIP_EAUTH): the client
 *    does not loop; exit 0 then.
 * 2. REGISTER refresh with esip_auth_client_authorize (the cached nonce,
 *    nc 00000002): 200 without a challenge.  With "stale" (Kamailio
 *    started with KAMAILIO_NONCE_EXPIRE=1), the refresh waits 2.5 s so
 *    that the nonce has expired: 401 with stale=true, answered with the
 *    new nonce and the same credentials (nc 00000001), 200.
 * 3. OPTIONS sip:USER@esip.test through the proxy: 407, answer, then the
 *    proxy relays the OPTIONS to our own contact (this socket), we answer
 *    it 200, and that 200 comes back through the proxy.
 * Prints each step with the status and algorithm; exit 0 when all pass.
 * Every wait is bounded (2 s per receive, 3 tries).
 */
#include <esip/auth.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define S(lit) ESIP_STR(lit)

static int fd;
static struct sockaddr_in peer;
static esip_rand rnd;
static esip_auth_client cli;
static char call_id[64], from_tag[32], contact[128], aor[128];
static uint32_t cseq;

/* The last request sent (bytes and parse) and the last response read. */
static char sent[8192], got[8192];
static size_t sent_len;
static esip_hdr sent_hdrs[64], got_hdrs[64];
static esip_msg sent_msg, got_msg;

static int send_request(const char *method, const char *ruri, esip_str auth_lines)
{
	esip_hdr_kv extra[8];
	size_t n = 0;
	esip_request_spec sp;
	esip_buf b;
	char branch[32];
	const char *p = auth_lines.p, *end = auth_lines.p + auth_lines.len;

	/* "Name: value\r\n" lines -> extra headers */
	while (p && p < end && n < 6) {
		const char *colon = memchr(p, ':', (size_t)(end - p)), *eol = strstr(p, "\r\n");
		static char names[8][32];
		if (!colon || !eol || (size_t)(colon - p) >= sizeof names[0])
			break;
		memcpy(names[n], p, (size_t)(colon - p));
		names[n][colon - p] = '\0';
		extra[n].name = names[n];
		extra[n].value = esip_str_make(colon + 2, (size_t)(eol - colon - 2));
		n++;
		p = eol + 2;
	}
	if (!strcmp(method, "REGISTER")) {
		extra[n].name = "Expires";
		extra[n++].value = S("60");
	}
	esip_gen_branch(&rnd, branch, sizeof branch);
	memset(&sp, 0, sizeof sp);
	sp.method = esip_str_cstr(method);
	sp.ruri = esip_str_cstr(ruri);
	sp.via_host = S("127.0.0.1");
	sp.via_port = (uint16_t)atoi(strrchr(contact, ':') + 1);
	sp.via_branch = esip_str_cstr(branch);
	sp.via_rport = true;
	sp.from_uri = esip_str_cstr(aor);
	sp.from_tag = esip_str_cstr(from_tag);
	sp.to_uri = !strcmp(method, "REGISTER") ? esip_str_cstr(aor) : esip_str_cstr(ruri);
	sp.call_id = esip_str_cstr(call_id);
	sp.cseq = ++cseq;
	sp.max_forwards = -1;
	sp.contact = esip_str_cstr(contact);
	sp.extra = extra;
	sp.n_extra = n;
	esip_buf_init_fixed(&b, sent, sizeof sent);
	if (esip_build_request(&b, &sp))
		return -1;
	sent_len = b.len;
	esip_msg_init(&sent_msg, sent_hdrs, 64);
	if (esip_msg_parse(&sent_msg, sent, sent_len, ESIP_PARSE_DATAGRAM, NULL) <= 0)
		return -1;
	return sendto(fd, sent, sent_len, 0, (struct sockaddr *)&peer, sizeof peer) == (ssize_t)sent_len ? 0 : -1;
}

/* Answers a request the proxy relays to us (our contact) with 200. */
static void answer_request(const esip_msg *req, const struct sockaddr_in *from)
{
	esip_response_spec rs;
	char out[8192], tag[32];
	esip_buf b;

	esip_gen_tag(&rnd, tag, sizeof tag);
	memset(&rs, 0, sizeof rs);
	rs.status = 200;
	rs.to_tag = esip_str_cstr(tag);
	esip_buf_init_fixed(&b, out, sizeof out);
	if (esip_build_response(&b, req, &rs) == 0) {
		sendto(fd, out, b.len, 0, (const struct sockaddr *)from, sizeof *from);
		printf("  relayed to us: %.*s from the proxy, answered 200\n", (int)req->method.len, req->method.p);
	}
}

/* The final response to the last request (provisional ones and requests
 * relayed to us are handled on the way); -1 on timeout after 3 sends. */
static int wait_final(void)
{
	int tries;

	for (tries = 0; tries < 3; tries++) {
		struct pollfd pfd = {fd, POLLIN, 0};
		while (poll(&pfd, 1, 2000) == 1) {
			struct sockaddr_in from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(fd, got, sizeof got, 0, (struct sockaddr *)&from, &fl);
			if (n <= 0)
				continue;
			esip_msg_init(&got_msg, got_hdrs, 64);
			if (esip_msg_parse(&got_msg, got, (size_t)n, ESIP_PARSE_DATAGRAM, NULL) <= 0)
				continue;
			if (got_msg.kind == ESIP_MSG_REQUEST) {
				answer_request(&got_msg, &from);
				continue;
			}
			if (got_msg.cseq != cseq || got_msg.status < 200)
				continue;
			return got_msg.status;
		}
		sendto(fd, sent, sent_len, 0, (struct sockaddr *)&peer, sizeof peer);
	}
	return -1;
}

static const char *alg_of(const esip_msg *m)
{
	static char alg[32];
	const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_AUTHORIZATION);
	esip_auth_credentials cr;

	if (!h)
		h = esip_msg_hdr(m, ESIP_HDR_PROXY_AUTHORIZATION);
	if (!h || esip_auth_credentials_parse(h->value, &cr))
		return "-";
	snprintf(alg, sizeof alg, "%s nc=%08x", esip_auth_alg_name((esip_auth_alg)cr.alg), cr.nc);
	return alg;
}

/* " (stale=true)" when a challenge in m says so. */
static const char *stale_of(const esip_msg *m)
{
	const esip_hdr *h;
	esip_auth_challenge c;

	for (h = m->hdrs; h < m->hdrs + m->nhdrs; h++)
		if ((h->id == ESIP_HDR_WWW_AUTHENTICATE || h->id == ESIP_HDR_PROXY_AUTHENTICATE) &&
		    !esip_auth_challenge_parse(h->value, &c) && c.stale)
			return " (stale=true)";
	return "";
}

/* Sends method to ruri and answers challenges: the final status, or 0
 * when the client refused to answer (report printed). */
static int transaction(const char *method, const char *ruri, bool preemptive)
{
	char lines[4096];
	esip_buf b;
	int status, round, rc;

	esip_buf_init_fixed(&b, lines, sizeof lines);
	if (preemptive && esip_auth_client_authorize(&cli, ESIP_AUTH_KIND_WWW, esip_str_cstr(method),
						     esip_str_cstr(ruri), ESIP_STR_NULL, &b) < 0)
		return -1;
	if (send_request(method, ruri, esip_str_make(lines, b.len)))
		return -1;
	for (round = 0;; round++) {
		esip_auth_report rep;
		status = wait_final();
		printf("  %s %s [%s] -> %d%s\n", method, ruri, alg_of(&sent_msg), status, stale_of(&got_msg));
		if ((status != 401 && status != 407) || round == 3)
			return status;
		esip_buf_init_fixed(&b, lines, sizeof lines);
		rc = esip_auth_client_respond(&cli, &got_msg, &sent_msg, esip_str_cstr(method),
					      esip_str_cstr(ruri), ESIP_STR_NULL, &b, &rep);
		if (rc) {
			printf("  client: %s (answered %u, refused %u, no credentials %u, ignored %u)\n",
			       esip_errname(rc), rep.answered, rep.refused, rep.no_credentials, rep.ignored);
			return rc == ESIP_EAUTH ? 0 : -1;
		}
		if (send_request(method, ruri, esip_str_make(lines, b.len)))
			return -1;
	}
}

/* The three steps; 0 when all pass. */
static int run(bool wrong, bool stale)
{
	printf("1. REGISTER %s\n", aor);
	if (wrong)
		return transaction("REGISTER", "sip:esip.test", false) == 0 ? 0 : 1;
	if (transaction("REGISTER", "sip:esip.test", false) != 200)
		return 1;
	printf("2. REGISTER refresh with the cached nonce\n");
	if (stale) {
		/* the one wait of this peer: Kamailio's nonce clock is real */
		struct timespec ts = {2, 500000000};
		printf("  waiting 2.5 s for the nonce to expire\n");
		nanosleep(&ts, NULL);
	}
	if (transaction("REGISTER", "sip:esip.test", true) != 200)
		return 1;
	printf("3. OPTIONS %s through the proxy\n", aor);
	return transaction("OPTIONS", aor, false) == 200 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in me = {0};
	socklen_t ml = sizeof me;
	bool wrong, stale;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PORT USER PASSWORD [wrong | stale]\n", argv[0]);
		return 2;
	}
	wrong = argc > 4 && !strcmp(argv[4], "wrong");
	stale = argc > 4 && !strcmp(argv[4], "stale");
	esip_rand_init(&rnd);
	if (esip_auth_client_init(&cli, NULL, NULL))
		return 1;
	if (esip_auth_client_add_credentials(&cli, "esip.test", argv[2], argv[3])) {
		esip_auth_client_deinit(&cli);
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	me.sin_family = AF_INET;
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) || getsockname(fd, (struct sockaddr *)&me, &ml)) {
		esip_auth_client_deinit(&cli);
		return 1;
	}
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons((uint16_t)atoi(argv[1]));
	esip_gen_call_id(&rnd, S("127.0.0.1"), call_id, sizeof call_id);
	esip_gen_tag(&rnd, from_tag, sizeof from_tag);
	snprintf(aor, sizeof aor, "sip:%s@esip.test", argv[2]);
	snprintf(contact, sizeof contact, "sip:%s@127.0.0.1:%u", argv[2], ntohs(me.sin_port));

	rc = run(wrong, stale);
	esip_auth_client_deinit(&cli);
	close(fd);
	if (!rc)
		printf("all passed\n");
	return rc;
}
