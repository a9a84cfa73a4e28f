/*
 * The stack as a UA core (RFC 3261 8.2, 11.2; esip/stack.h) answering raw
 * requests from plain UDP and TCP sockets on loopback, and its limits
 * (max_transactions, max_tcp_conns).  The stack runs in its own thread.
 *
 * "Nothing came back" is never a blind wait: after the message that must
 * not be answered, the peer sends an OPTIONS on the same path; the first
 * datagram back must be that OPTIONS' 200 (the stack handles a socket's
 * datagrams in order).
 */
#include "stk_harness.h"

typedef struct uas_env {
	esip_stack *s;
	esip_addr udp, tcp; /* the stack's listeners */
	int fd;             /* the plain UDP peer */
	esip_addr me;
	char sentby[64];    /* the peer's "127.0.0.1:port" */
	char ruri[96];      /* "sip:esip@127.0.0.1:port" (the stack's UDP) */
} uas_env;

static void env_up_cfg(uas_env *e, esip_stack_config *c)
{
	memset(e, 0, sizeof *e);
	e->s = stk_new(c);
	ck_assert_int_eq(esip_stack_local_addr(e->s, ESIP_TP_UDP, &e->udp), 0);
	(void)esip_stack_local_addr(e->s, ESIP_TP_TCP, &e->tcp);
	ck_assert_int_eq(esip_stack_start(e->s), 0);
	e->fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &e->me);
	snprintf(e->sentby, sizeof e->sentby, "127.0.0.1:%u", esip_addr_port(&e->me));
	snprintf(e->ruri, sizeof e->ruri, "sip:esip@127.0.0.1:%u", esip_addr_port(&e->udp));
}

static const esip_listen udp_tcp[] = {
	{ESIP_TP_UDP, "127.0.0.1:0"},
	{ESIP_TP_TCP, "127.0.0.1:0"},
};

static void env_up(uas_env *e)
{
	esip_stack_config c;

	stk_config(&c, udp_tcp, 2);
	env_up_cfg(e, &c);
}

static void env_down(uas_env *e)
{
	close(e->fd);
	ck_assert_int_eq(esip_stack_stop(e->s), 0);
	esip_stack_free(e->s);
}

/* Sends one request and returns the status of its final response (the
 * response in out), -1 if none came. */
static int exchange(uas_env *e, const char *req, size_t len, char *out, size_t cap)
{
	udp_send(e->fd, &e->udp, req, len);
	if (udp_recv_final(e->fd, out, cap, STK_WAIT_MS) < 0)
		return -1;
	return resp_status(out);
}

static int simple(uas_env *e, const char *method, const char *ruri, const char *tag,
		  const char *extra, char *out, size_t cap)
{
	char req[4096];
	int n = mkreq(req, sizeof req, method, ruri ? ruri : e->ruri, "UDP", e->sentby, tag, extra);

	return exchange(e, req, (size_t)n, out, cap);
}

/* In place: the first occurrence of from becomes to. */
static void replace(char *buf, size_t cap, const char *from, const char *to)
{
	char *p = strstr(buf, from);
	size_t fl = strlen(from), tl = strlen(to), rest;

	ck_assert_ptr_nonnull(p);
	rest = strlen(p + fl);
	ck_assert_uint_lt(strlen(buf) - fl + tl, cap);
	memmove(p + tl, p + fl, rest + 1);
	memcpy(p, to, tl);
}

/* The barrier: an OPTIONS whose 200 must be the next datagram back. */
static void expect_only_barrier(uas_env *e, const char *tag)
{
	char resp[4096], cseq[64], callid[128], want[128];

	ck_assert_int_eq(simple(e, "OPTIONS", NULL, tag, NULL, resp, sizeof resp), 200);
	ck_assert(hdr_get(resp, "CSeq", cseq, sizeof cseq));
	ck_assert_str_eq(cseq, "1 OPTIONS");
	ck_assert(hdr_get(resp, "Call-ID", callid, sizeof callid));
	snprintf(want, sizeof want, "%s@test.invalid", tag);
	ck_assert_msg(!strcmp(callid, want), "first datagram back answers %s, not the barrier %s",
		      callid, want);
}

/* Like expect_only_barrier, but one response with status `allowed` to
 * the message before may come first. */
static void expect_only_barrier_or(uas_env *e, const char *tag, int allowed, char *resp,
				   size_t cap)
{
	char req[2048], callid[128], want[128];
	int n = mkreq(req, sizeof req, "OPTIONS", e->ruri, "UDP", e->sentby, tag, NULL), k;

	udp_send(e->fd, &e->udp, req, (size_t)n);
	snprintf(want, sizeof want, "%s@test.invalid", tag);
	for (k = 0; k < 2; k++) {
		ck_assert_int_gt(udp_recv_final(e->fd, resp, cap, STK_WAIT_MS), 0);
		ck_assert(hdr_get(resp, "Call-ID", callid, sizeof callid));
		if (!strcmp(callid, want)) {
			ck_assert_int_eq(resp_status(resp), 200);
			return;
		}
		ck_assert_msg(k == 0 && resp_status(resp) == allowed, "unexpected answer %d:\n%.300s",
			      resp_status(resp), resp);
	}
}

/* ---- answers ------------------------------------------------------------ */

/* RFC 3261 11.2: OPTIONS -> 200 with Allow, Accept, Supported; 20.35
 * Server; 8.2.6.2 a To tag; RFC 3581 4 the received/rport stamp. */
START_TEST(uas_options_200)
{
	uas_env e;
	char resp[4096], v[512], want[128];
	esip_stack_stats st;

	env_up(&e);
	ck_assert_int_eq(simple(&e, "OPTIONS", NULL, "opt1", NULL, resp, sizeof resp), 200);
	ck_assert(hdr_get(resp, "Allow", v, sizeof v));
	ck_assert_ptr_nonnull(strstr(v, "OPTIONS"));
	ck_assert(hdr_get(resp, "Accept", v, sizeof v));
	ck_assert_ptr_nonnull(strstr(v, "application/sdp"));
	ck_assert_msg(hdr_count(resp, "Supported") == 1, "no Supported in:\n%s", resp);
	ck_assert(hdr_get(resp, "Server", v, sizeof v));
	ck_assert_str_eq(v, "esip-test");
	ck_assert(hdr_get(resp, "To", v, sizeof v));
	ck_assert_ptr_nonnull(strstr(v, ";tag="));
	ck_assert(hdr_get(resp, "From", v, sizeof v));
	ck_assert_str_eq(v, "<sip:peer@127.0.0.1>;tag=f-opt1");
	ck_assert(hdr_get(resp, "Call-ID", v, sizeof v));
	ck_assert_str_eq(v, "opt1@test.invalid");
	ck_assert(hdr_get(resp, "CSeq", v, sizeof v));
	ck_assert_str_eq(v, "1 OPTIONS");
	/* RFC 3581 4: a request with rport gets received= and rport= */
	ck_assert(hdr_get(resp, "Via", v, sizeof v));
	ck_assert_ptr_nonnull(strstr(v, "branch=z9hG4bK-opt1"));
	ck_assert_msg(strstr(v, "received=127.0.0.1") != NULL, "Via: %s", v);
	snprintf(want, sizeof want, "rport=%u", esip_addr_port(&e.me));
	ck_assert_msg(strstr(v, want) != NULL, "Via: %s (want %s)", v, want);
	ck_assert_int_eq(hdr_count(resp, "Via"), 1);

	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OPTIONS], 1);
	ck_assert_uint_eq(st.responses_out[2], 1);
	ck_assert_uint_eq(st.requests_out[ESIP_METHOD_OPTIONS], 0);
	ck_assert_uint_ge(st.bytes_in, 100);
	ck_assert_uint_ge(st.bytes_out, 100);
	env_down(&e);
}
END_TEST

/* RFC 3581 4: the response goes to the source port (rport) even when
 * the sent-by names another host and port, and carries received= */
START_TEST(uas_rport_to_source)
{
	uas_env e;
	char req[2048], resp[4096], v[512], want[64];
	int n;

	env_up(&e);
	/* the sent-by port 9 is not ours: without rport the answer would
	 * go to 127.0.0.1:9 and never reach the peer */
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", "127.0.0.1:9", "rp1", NULL);
	ck_assert_int_eq(exchange(&e, req, (size_t)n, resp, sizeof resp), 200);
	ck_assert(hdr_get(resp, "Via", v, sizeof v));
	snprintf(want, sizeof want, ";rport=%u", esip_addr_port(&e.me));
	ck_assert_msg(strstr(v, want) != NULL, "Via: %s", v);
	ck_assert_msg(strstr(v, "received=127.0.0.1") != NULL, "Via: %s", v);
	ck_assert_ptr_nonnull(strstr(v, "SIP/2.0/UDP 127.0.0.1:9"));

	/* a host name as sent-by (18.2.1: received= is always added then) */
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", "peer.invalid:9", "rp2", NULL);
	ck_assert_int_eq(exchange(&e, req, (size_t)n, resp, sizeof resp), 200);
	ck_assert(hdr_get(resp, "Via", v, sizeof v));
	ck_assert_msg(strstr(v, "received=127.0.0.1") != NULL, "Via: %s", v);
	ck_assert_msg(strstr(v, want) != NULL, "Via: %s", v);
	env_down(&e);
}
END_TEST

/* 13.3.1.3: an INVITE nobody takes (no incoming_call callback) is a
 * call the stack declines with 480 */
START_TEST(uas_invite_480)
{
	uas_env e;
	char req[2048], resp[4096], v[256], to[256], ack[2048];
	int n;
	esip_stack_stats st;

	env_up(&e);
	n = mkreq(req, sizeof req, "INVITE", e.ruri, "UDP", e.sentby, "inv1",
		  "Contact: <sip:peer@127.0.0.1>\r\n");
	ck_assert_int_eq(exchange(&e, req, (size_t)n, resp, sizeof resp), 480);
	ck_assert(hdr_get(resp, "Server", v, sizeof v));

	/* 17.1.1.3: the ACK for the non-2xx (same branch, To with the tag)
	 * is absorbed by the INVITE server transaction, never answered */
	ck_assert(hdr_get(resp, "To", to, sizeof to));
	n = snprintf(ack, sizeof ack,
		     "ACK %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP %s;branch=z9hG4bK-inv1;rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:peer@127.0.0.1>;tag=f-inv1\r\n"
		     "To: %s\r\n"
		     "Call-ID: inv1@test.invalid\r\n"
		     "CSeq: 1 ACK\r\n"
		     "Content-Length: 0\r\n\r\n",
		     e.ruri, e.sentby, to);
	udp_send(e.fd, &e.udp, ack, (size_t)n);
	expect_only_barrier(&e, "inv1-barrier");
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_INVITE], 1);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_ACK], 1);
	ck_assert_uint_eq(st.responses_out[4], 1);
	env_down(&e);
}
END_TEST

/* 8.2.1: an unknown method -> 501 */
START_TEST(uas_unknown_501)
{
	uas_env e;
	char resp[4096];
	esip_stack_stats st;

	env_up(&e);
	ck_assert_int_eq(simple(&e, "FOO", NULL, "foo1", NULL, resp, sizeof resp), 501);
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OTHER], 1);
	ck_assert_uint_eq(st.responses_out[5], 1);
	env_down(&e);
}
END_TEST

/* 8.2.1: a known method the UA does not handle -> 405 with Allow, which
 * lists what it does (INVITE among them) */
START_TEST(uas_subscribe_405)
{
	uas_env e;
	char resp[4096], v[256];

	env_up(&e);
	ck_assert_int_eq(simple(&e, "SUBSCRIBE", NULL, "sub1", "Event: presence\r\n", resp,
				sizeof resp),
			 405);
	ck_assert_msg(hdr_get(resp, "Allow", v, sizeof v), "no Allow in:\n%s", resp);
	ck_assert_ptr_nonnull(strstr(v, "OPTIONS"));
	ck_assert_ptr_nonnull(strstr(v, "INVITE"));
	ck_assert_ptr_null(strstr(v, "SUBSCRIBE"));
	env_down(&e);
}
END_TEST

/* 8.2.2.3: Require with an unknown option tag -> 420 with Unsupported */
START_TEST(uas_require_420)
{
	uas_env e;
	char resp[4096], v[256];

	env_up(&e);
	ck_assert_int_eq(simple(&e, "OPTIONS", NULL, "req1", "Require: foo\r\n", resp, sizeof resp),
			 420);
	ck_assert_msg(hdr_get(resp, "Unsupported", v, sizeof v), "no Unsupported in:\n%s", resp);
	ck_assert_str_eq(v, "foo");
	/* two tags, both listed */
	ck_assert_int_eq(simple(&e, "OPTIONS", NULL, "req2", "Require: foo, bar\r\n", resp,
				sizeof resp),
			 420);
	ck_assert(hdr_get(resp, "Unsupported", v, sizeof v));
	ck_assert_str_eq(v, "foo, bar");
	env_down(&e);
}
END_TEST

/* 8.2.2.1: a Request-URI scheme other than sip/sips -> 416.  (Method
 * inspection comes first, 8.2.1: the request is an OPTIONS, which the
 * core handles, so the scheme is what is refused.) */
START_TEST(uas_scheme_416)
{
	uas_env e;
	char resp[4096];
	int st1, st2;

	env_up(&e);
	st1 = simple(&e, "OPTIONS", "tel:+15551234567", "tel1", NULL, resp, sizeof resp);
	ck_assert_msg(st1 == 416, "tel: Request-URI answered %d:\n%s", st1, resp);
	st2 = simple(&e, "OPTIONS", "im:bob@example.com", "im1", NULL, resp, sizeof resp);
	ck_assert_msg(st2 == 416, "im: Request-URI answered %d:\n%s", st2, resp);
	env_down(&e);
}
END_TEST

/* 8.2 / RFC 4475 3.1.2.16: SIP/7.0 -> 505 */
START_TEST(uas_version_505)
{
	uas_env e;
	char req[2048], resp[4096];
	int n;

	env_up(&e);
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", e.sentby, "ver1", NULL);
	replace(req, sizeof req, " SIP/2.0\r\n", " SIP/7.0\r\n");
	ck_assert_int_eq(exchange(&e, req, (size_t)n, resp, sizeof resp), 505);
	env_down(&e);
}
END_TEST

/* 21.4.1 / 20.43: a framed request that does not parse (Max-Forwards
 * out of range) -> 400 with a Warning saying why */
START_TEST(uas_bad_max_forwards_400)
{
	uas_env e;
	char req[2048], resp[4096], v[512];
	esip_stack_stats st;

	env_up(&e);
	mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", e.sentby, "mf1", NULL);
	replace(req, sizeof req, "Max-Forwards: 70", "Max-Forwards: 300");
	ck_assert_int_eq(exchange(&e, req, strlen(req), resp, sizeof resp), 400);
	ck_assert_msg(hdr_get(resp, "Warning", v, sizeof v), "no Warning in:\n%s", resp);
	ck_assert_msg(!strncmp(v, "399 ", 4), "Warning: %s", v);
	ck_assert(hdr_get(resp, "Via", v, sizeof v));
	ck_assert_ptr_nonnull(strstr(v, "branch=z9hG4bK-mf1"));
	ck_assert(hdr_get(resp, "Call-ID", v, sizeof v));
	ck_assert_str_eq(v, "mf1@test.invalid");
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.parse_errors, 1);
	ck_assert_uint_eq(st.responses_out[4], 1);
	env_down(&e);
}
END_TEST

/* RFC 4475 3.3.8 / 8.1.1: two From header fields -> 400 */
START_TEST(uas_two_from_400)
{
	uas_env e;
	char resp[4096];

	env_up(&e);
	ck_assert_int_eq(simple(&e, "OPTIONS", NULL, "2from",
				"From: <sip:other@127.0.0.1>;tag=x2\r\n", resp, sizeof resp),
			 400);
	env_down(&e);
}
END_TEST

/* 17.2.2: a retransmission (same branch) gets the same response from the
 * same transaction; no second transaction */
START_TEST(uas_retransmission_absorbed)
{
	uas_env e;
	char req[2048], r1[4096], r2[4096];
	int n, n1, n2;
	esip_stack_stats st;

	env_up(&e);
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", e.sentby, "rtx1", NULL);
	udp_send(e.fd, &e.udp, req, (size_t)n);
	n1 = udp_recv_final(e.fd, r1, sizeof r1, STK_WAIT_MS);
	ck_assert_int_gt(n1, 0);
	udp_send(e.fd, &e.udp, req, (size_t)n);
	n2 = udp_recv_final(e.fd, r2, sizeof r2, STK_WAIT_MS);
	ck_assert_int_eq(n2, n1);
	ck_assert_msg(!memcmp(r1, r2, (size_t)n1), "the retransmitted response differs");
	ck_assert_int_eq(resp_status(r2), 200);
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OPTIONS], 2);
	ck_assert_uint_eq(st.absorbed, 1);
	ck_assert_uint_eq(st.transactions_live, 1); /* the NIST, Completed (Timer J) */
	ck_assert_uint_eq(st.responses_out[2], 2);
	env_down(&e);
}
END_TEST

/* 17.1.1.3 / 17.2.3: an ACK matching nothing is never answered */
START_TEST(uas_ack_not_answered)
{
	uas_env e;
	char req[2048];
	int n;
	esip_stack_stats st;

	env_up(&e);
	n = mkreq(req, sizeof req, "ACK", e.ruri, "UDP", e.sentby, "ack1", NULL);
	udp_send(e.fd, &e.udp, req, (size_t)n);
	expect_only_barrier(&e, "ack1-barrier");
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_ACK], 1);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_eq(st.responses_out[2], 1); /* the barrier's only */
	env_down(&e);
}
END_TEST

/* Garbage: no answer, counted as a parse error */
START_TEST(uas_garbage_dropped)
{
	uas_env e;
	static const char junk[] = "\x01\x02 this is not SIP at all \xff\xfe\r\n\r\n";
	esip_stack_stats st;

	env_up(&e);
	udp_send(e.fd, &e.udp, junk, sizeof junk - 1);
	udp_send(e.fd, &e.udp, "hello", 5);
	expect_only_barrier(&e, "junk-barrier");
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.parse_errors, 2);
	ck_assert_uint_eq(st.responses_out[2], 1);
	ck_assert_uint_eq(st.responses_out[4], 0);
	env_down(&e);
}
END_TEST

/* A response matching no client transaction: dropped and counted */
START_TEST(uas_stray_response_dropped)
{
	uas_env e;
	char req[2048], resp[2048];
	int n;
	esip_stack_stats st;

	env_up(&e);
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", e.sentby, "stray1", NULL);
	n = mk_reply(req, 200, "OK", resp, sizeof resp);
	udp_send(e.fd, &e.udp, resp, (size_t)n);
	expect_only_barrier(&e, "stray-barrier");
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.responses_in[2], 1);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_eq(st.requests_out[ESIP_METHOD_ACK], 0);
	env_down(&e);
}
END_TEST

/* The same answers over a plain TCP connection (18.2.2: on the
 * connection the request came on) */
START_TEST(uas_over_tcp)
{
	uas_env e;
	tcp_reader *r = calloc(1, sizeof *r);
	esip_addr me;
	socklen_t ml = sizeof me.u;
	char sentby[64], req[2048], resp[4096], v[512], want[64];
	int n;
	esip_stack_stats st;

	env_up(&e);
	r->fd = tcp_client(&e.tcp);
	ck_assert_int_eq(getsockname(r->fd, &me.u.sa, &ml), 0);
	me.len = ml;
	snprintf(sentby, sizeof sentby, "127.0.0.1:%u", esip_addr_port(&me));

	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "TCP", sentby, "tcp1", NULL);
	ck_assert_int_eq(send(r->fd, req, (size_t)n, 0), n);
	ck_assert_int_gt(tcp_read_msg(r, resp, sizeof resp, STK_WAIT_MS), 0);
	ck_assert_int_eq(resp_status(resp), 200);
	ck_assert(hdr_get(resp, "Allow", v, sizeof v));
	ck_assert(hdr_get(resp, "Via", v, sizeof v));
	ck_assert_ptr_nonnull(strstr(v, "SIP/2.0/TCP"));
	snprintf(want, sizeof want, "rport=%u", esip_addr_port(&me));
	ck_assert_msg(strstr(v, want) != NULL, "Via: %s", v);

	/* pipelined: two requests in one write, two answers in order */
	n = mkreq(req, sizeof req, "FOO", e.ruri, "TCP", sentby, "tcp2", NULL);
	n += mkreq(req + n, sizeof req - (size_t)n, "OPTIONS", e.ruri, "TCP", sentby, "tcp3",
		   "Require: 100rel\r\n");
	ck_assert_int_eq(send(r->fd, req, (size_t)n, 0), n);
	ck_assert_int_gt(tcp_read_msg(r, resp, sizeof resp, STK_WAIT_MS), 0);
	ck_assert_int_eq(resp_status(resp), 501);
	ck_assert_int_gt(tcp_read_msg(r, resp, sizeof resp, STK_WAIT_MS), 0);
	ck_assert_int_eq(resp_status(resp), 420);
	ck_assert(hdr_get(resp, "Unsupported", v, sizeof v));
	ck_assert_str_eq(v, "100rel");

	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.tcp_accepted, 1);
	ck_assert_uint_eq(st.tcp_conns, 1);
	ck_assert_uint_eq(st.tcp_connected, 0);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OPTIONS], 2);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OTHER], 1);
	close(r->fd);
	free(r);
	env_down(&e);
}
END_TEST

/* 8.2.3: a body of a type the core does not understand -> 415 with Accept */
START_TEST(uas_body_415)
{
	uas_env e;
	char req[2048], resp[4096], v[256];
	int n;

	env_up(&e);
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", e.sentby, "ct1",
		  "Content-Type: text/plain\r\n");
	replace(req, sizeof req, "Content-Length: 0\r\n\r\n", "Content-Length: 5\r\n\r\nhello");
	n = (int)strlen(req);
	ck_assert_int_eq(exchange(&e, req, (size_t)n, resp, sizeof resp), 415);
	ck_assert_msg(hdr_get(resp, "Accept", v, sizeof v), "no Accept in:\n%s", resp);
	ck_assert_ptr_nonnull(strstr(v, "application/sdp"));
	env_down(&e);
}
END_TEST

/* 9.2: a CANCEL matching no transaction -> 481 */
START_TEST(uas_cancel_481)
{
	uas_env e;
	char resp[4096];

	env_up(&e);
	ck_assert_int_eq(simple(&e, "CANCEL", NULL, "can1", NULL, resp, sizeof resp), 481);
	env_down(&e);
}
END_TEST

/* A datagram longer than the configured message size limit: counted as
 * a parse error; if it is answered at all, with 513 Message Too Large
 * (RFC 3261 21.5.11) - today the parser refuses it unframed and the
 * stack drops it.  The stack keeps serving. */
START_TEST(uas_too_large_datagram)
{
	uas_env e;
	esip_stack_config c;
	char req[4096], resp[4096], pad[1700];
	int n, st = 0;
	esip_stack_stats sst;

	stk_config(&c, udp_tcp, 1);
	c.transport.limits.max_msg_size = 1024;
	env_up_cfg(&e, &c);
	memset(pad, 'p', sizeof pad);
	memcpy(pad, "X-Pad: ", 7);
	memcpy(pad + sizeof pad - 3, "\r\n", 3);
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", e.sentby, "big1", pad);
	ck_assert_int_gt(n, 1024);
	udp_send(e.fd, &e.udp, req, (size_t)n);
	expect_only_barrier_or(&e, "big1-barrier", 513, resp, sizeof resp);
	esip_stack_get_stats(e.s, &sst);
	ck_assert_uint_eq(sst.parse_errors, 1);
	ck_assert_uint_eq(sst.responses_out[4], 0);
	(void)st;
	env_down(&e);
}
END_TEST

/* ---- limits --------------------------------------------------------------- */

/* max_transactions: over it a new request gets 503 with Retry-After
 * (RFC 3261 21.5.4, 20.33) and over_limit counts it.  With the default
 * T1 the five NISTs stay Completed (Timer J, 32 s) for the whole test. */
START_TEST(limit_max_transactions)
{
	uas_env e;
	esip_stack_config c;
	char req[2048], resp[4096], tag[32], v[64];
	int i, n, got = 0, n200 = 0, n503 = 0, bad_ra = 0;
	esip_stack_stats st;

	stk_config(&c, udp_tcp, 1);
	c.ua.txl.max_transactions = 5;
	env_up_cfg(&e, &c);
	for (i = 0; i < 30; i++) {
		snprintf(tag, sizeof tag, "lim%d", i);
		n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "UDP", e.sentby, tag, NULL);
		udp_send(e.fd, &e.udp, req, (size_t)n);
	}
	while (got < 30 && udp_recv(e.fd, resp, sizeof resp, STK_WAIT_MS) > 0) {
		got++;
		if (resp_status(resp) == 200)
			n200++;
		else if (resp_status(resp) == 503) {
			n503++;
			if (!hdr_get(resp, "Retry-After", v, sizeof v) || !isdigit((unsigned char)v[0]))
				bad_ra++;
		}
	}
	ck_assert_int_eq(got, 30);
	ck_assert_int_eq(n200, 5);
	ck_assert_int_eq(n503, 25);
	ck_assert_int_eq(bad_ra, 0);
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.over_limit, 25);
	ck_assert_uint_eq(st.transactions_live, 5);
	ck_assert_uint_eq(st.responses_out[5], 25);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OPTIONS], 30);
	env_down(&e);
}
END_TEST

/* max_tcp_conns: a connection beyond it is closed at once; the others
 * keep working */
START_TEST(limit_max_tcp_conns)
{
	uas_env e;
	esip_stack_config c;
	esip_stack_stats st;
	tcp_reader *r = calloc(1, sizeof *r);
	int c1, c2, c3, n;
	char req[2048], resp[4096], buf[64], sentby[64];
	esip_addr me;
	socklen_t ml = sizeof me.u;

	stk_config(&c, udp_tcp, 2);
	c.transport.max_tcp_conns = 2;
	env_up_cfg(&e, &c);
	c1 = tcp_client(&e.tcp);
	ck_assert(STATS_WAIT(e.s, st, st.tcp_accepted == 1, STK_WAIT_MS));
	c2 = tcp_client(&e.tcp);
	ck_assert(STATS_WAIT(e.s, st, st.tcp_accepted == 2, STK_WAIT_MS));
	ck_assert_uint_eq(st.tcp_conns, 2);
	/* the kernel completes the handshake; the stack closes it */
	c3 = tcp_client(&e.tcp);
	ck_assert(net_readable(c3, STK_WAIT_MS));
	n = (int)recv(c3, buf, sizeof buf, 0);
	ck_assert_msg(n == 0 || (n < 0 && errno == ECONNRESET), "recv on the extra connection: %d",
		      n);
	esip_stack_get_stats(e.s, &st);
	ck_assert_uint_eq(st.tcp_accepted, 2);
	ck_assert_uint_eq(st.tcp_conns, 2);
	ck_assert(STK_WAIT(log_has_nl("new one closed"), STK_WAIT_MS));

	/* the first two still work */
	r->fd = c1;
	ck_assert_int_eq(getsockname(c1, &me.u.sa, &ml), 0);
	me.len = ml;
	snprintf(sentby, sizeof sentby, "127.0.0.1:%u", esip_addr_port(&me));
	n = mkreq(req, sizeof req, "OPTIONS", e.ruri, "TCP", sentby, "tcplim", NULL);
	ck_assert_int_eq(send(c1, req, (size_t)n, 0), n);
	ck_assert_int_gt(tcp_read_msg(r, resp, sizeof resp, STK_WAIT_MS), 0);
	ck_assert_int_eq(resp_status(resp), 200);
	/* one closes: room for a new one */
	close(c2);
	ck_assert(STATS_WAIT(e.s, st, st.tcp_conns == 1, STK_WAIT_MS));
	close(c3);
	c3 = tcp_client(&e.tcp);
	ck_assert(STATS_WAIT(e.s, st, st.tcp_accepted == 3, STK_WAIT_MS));
	ck_assert_uint_eq(st.tcp_conns, 2);
	close(c3);
	close(c1);
	free(r);
	env_down(&e);
}
END_TEST

/* tcp_idle_ms: a connection with no traffic is closed after it */
START_TEST(limit_tcp_idle)
{
	uas_env e;
	esip_stack_config c;
	esip_stack_stats st;
	char buf[64];
	int fd, n;
	uint64_t t0, dt;

	stk_config(&c, udp_tcp, 2);
	c.transport.tcp_idle_ms = 300;
	env_up_cfg(&e, &c);
	t0 = stk_now_ms();
	fd = tcp_client(&e.tcp);
	ck_assert(net_readable(fd, STK_WAIT_MS));
	dt = stk_now_ms() - t0;
	n = (int)recv(fd, buf, sizeof buf, 0);
	ck_assert_int_le(n, 0);
	ck_assert_msg(dt >= 250, "closed after %llu ms, idle limit 300", (unsigned long long)dt);
	ck_assert(STATS_WAIT(e.s, st, st.tcp_conns == 0, STK_WAIT_MS));
	ck_assert_uint_eq(st.tcp_closed, 1);
	close(fd);
	env_down(&e);
}
END_TEST

/* Regression (review): stack.h: "user_agent; User-Agent and Server; NULL =
 * \"esip/<version>\"" */
START_TEST(uas_server_default)
{
	uas_env e;
	esip_stack_config c;
	char resp[4096], v[256];

	stk_config(&c, udp_tcp, 1);
	c.ua.user_agent = NULL;
	env_up_cfg(&e, &c);
	ck_assert_int_eq(simple(&e, "OPTIONS", NULL, "srv1", NULL, resp, sizeof resp), 200);
	ck_assert(hdr_get(resp, "Server", v, sizeof v));
	env_down(&e);
	ck_assert_msg(!strncmp(v, "esip/", 5),
		      "default Server is \"%s\", stack.h says \"esip/<version>\"", v);
}
END_TEST

int main(void)
{
	TCase *td = tcase_create("regressions");
	Suite *s = suite_create("stack-uas");
	TCase *tc = tcase_create("uas");
	TCase *tl = tcase_create("limits");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, uas_options_200);
	tcase_add_test(tc, uas_rport_to_source);
	tcase_add_test(tc, uas_invite_480);
	tcase_add_test(tc, uas_subscribe_405);
	tcase_add_test(tc, uas_unknown_501);
	tcase_add_test(tc, uas_require_420);
	tcase_add_test(tc, uas_scheme_416);
	tcase_add_test(tc, uas_version_505);
	tcase_add_test(tc, uas_bad_max_forwards_400);
	tcase_add_test(tc, uas_two_from_400);
	tcase_add_test(tc, uas_retransmission_absorbed);
	tcase_add_test(tc, uas_ack_not_answered);
	tcase_add_test(tc, uas_garbage_dropped);
	tcase_add_test(tc, uas_stray_response_dropped);
	tcase_add_test(tc, uas_over_tcp);
	tcase_add_test(tc, uas_body_415);
	tcase_add_test(tc, uas_cancel_481);
	tcase_add_test(tl, uas_too_large_datagram);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tl, 30);
	tcase_add_test(tl, limit_max_transactions);
	tcase_add_test(tl, limit_max_tcp_conns);
	tcase_add_test(tl, limit_tcp_idle);
	suite_add_tcase(s, tl);
	/* behaviour a review found missing, now fixed: kept as regressions */
	tcase_set_timeout(td, 60);
	tcase_add_test(td, uas_server_default);
	suite_add_tcase(s, td);
	return test_run(&s, 1);
}
