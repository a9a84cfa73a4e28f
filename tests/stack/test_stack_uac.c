/*
 * The stack runtime (esip/stack.h) as a whole: configuration errors, the
 * two ways of running the loop (its own thread, the application's poll),
 * requests the stack originates (OPTIONS to itself and to plain peers,
 * timeouts, transport errors, names, unsupported and malformed URIs), the
 * log and trace hooks, custom headers, public_addr, and the RFC 3261
 * 18.1.1 switch to TCP for a large request.
 */
#include "stk_harness.h"

static const esip_listen udp4[] = {{ESIP_TP_UDP, "127.0.0.1:0"}};
static const esip_listen tcp4[] = {{ESIP_TP_TCP, "127.0.0.1:0"}};
static const esip_listen udp_tcp4[] = {
	{ESIP_TP_UDP, "127.0.0.1:0"},
	{ESIP_TP_TCP, "127.0.0.1:0"},
};
static const esip_listen udp_tcp6[] = {
	{ESIP_TP_UDP, "[::1]:0"},
	{ESIP_TP_TCP, "[::1]:0"},
};

/* ---- 1. configuration ------------------------------------------------------ */

START_TEST(cfg_defaults)
{
	esip_stack_config c;

	memset(&c, 0xa5, sizeof c);
	esip_stack_config_init(&c);
	ck_assert_ptr_null(c.listen);
	ck_assert_uint_eq(c.n_listen, 0);
	ck_assert_ptr_null(c.ua.public_addr);
	ck_assert_ptr_null(c.ua.user_agent);
	ck_assert_ptr_null(c.ua.domain);
	ck_assert_int_eq(c.ua.default_tp, ESIP_TP_UDP);
	/* each default is the lower layer's own (written once, there) */
	{
		esip_txl_config x;
		esip_transport_config t;
		esip_txl_config_init(&x);
		esip_transport_config_init(&t);
		ck_assert_uint_eq(c.ua.txl.t1_ms, x.t1_ms);
		ck_assert_uint_eq(c.ua.txl.t1_ms, 500);
		ck_assert_uint_eq(c.ua.txl.t2_ms, x.t2_ms);
		ck_assert_uint_eq(c.ua.txl.t4_ms, x.t4_ms);
		ck_assert_uint_eq(c.ua.txl.max_transactions, x.max_transactions);
		ck_assert_uint_eq(c.transport.limits.max_msg_size, t.limits.max_msg_size);
		ck_assert_uint_eq(c.transport.max_tcp_conns, t.max_tcp_conns);
		ck_assert_uint_eq(c.transport.tcp_idle_ms, t.tcp_idle_ms);
		ck_assert_uint_eq(c.transport.max_tcp_buffer, t.max_tcp_buffer);
	}
	ck_assert_ptr_null(c.ua.custom_headers);
	ck_assert_uint_eq(c.ua.n_custom_headers, 0);
	ck_assert_ptr_null(c.alloc);
	ck_assert_ptr_null(c.cb.log);
	ck_assert_ptr_null(c.cb.trace);
	ck_assert_ptr_null(c.cb.ud);
	ck_assert_int_le(c.log_level, ESIP_LOG_INFO); /* quiet below debug */
	ck_assert_msg(!strncmp(esip_version(), "esip ", 5) && isdigit((unsigned char)esip_version()[5]),
		      "esip_version() = \"%s\"", esip_version());
}
END_TEST

START_TEST(cfg_no_listen)
{
	esip_stack_config c;
	esip_stack *s = (esip_stack *)&c;

	stk_config(&c, NULL, 0);
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert_ptr_null(s);
	/* n_listen 0 with an array */
	stk_config(&c, udp4, 0);
	s = (esip_stack *)&c;
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(esip_stack_new(NULL, &s), ESIP_EINVAL);
	ck_assert_int_eq(esip_stack_new(&c, NULL), ESIP_EINVAL);
}
END_TEST

/* Regression (review): stack.h says "ESIP_EINVAL (bad config, with a log
 * message)"; a config without a listen address gets no log line. */
START_TEST(cfg_no_listen_logs)
{
	esip_stack_config c;
	esip_stack *s = NULL;

	stk_config(&c, NULL, 0);
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert_msg(g_nlog >= 1, "no log line for a config without listen "
				   "address (stack.h: \"ESIP_EINVAL (bad config, with a log message)\")");
}
END_TEST

START_TEST(cfg_bad_listen_addr)
{
	static const esip_listen bad[] = {{ESIP_TP_UDP, "not-an-address"}};
	static const esip_listen null_addr[] = {{ESIP_TP_UDP, NULL}};
	static const esip_listen second_bad[] = {
		{ESIP_TP_UDP, "127.0.0.1:0"},
		{ESIP_TP_TCP, "127.0.0.1:99999"},
	};
	esip_stack_config c;
	esip_stack *s = NULL;

	stk_config(&c, bad, 1);
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert_ptr_null(s);
	/* the log line runs before esip_stack_new returns */
	ck_assert_msg(log_has("not-an-address"), "no log line naming the bad address");

	stk_config(&c, null_addr, 1);
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert(log_has("(null)"));

	/* a bad second listener: the first one is closed again */
	stk_config(&c, second_bad, 2);
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert(log_has("127.0.0.1:99999"));
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(cfg_port_in_use)
{
	esip_stack_config c;
	esip_stack *a, *b = NULL;
	esip_listen l[1];
	char addr[64];

	stk_config(&c, udp4, 1);
	a = stk_new(&c);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", stk_port(a, ESIP_TP_UDP));
	l[0].tp = ESIP_TP_UDP;
	l[0].addr = addr;
	stk_config(&c, l, 1);
	ck_assert_int_eq(esip_stack_new(&c, &b), ESIP_ESYS);
	ck_assert_ptr_null(b);
	ck_assert_msg(log_has("cannot listen on UDP"), "no log line for the failed bind");
	/* the first stack still works */
	ck_assert_uint_ne(stk_port(a, ESIP_TP_UDP), 0);
	esip_stack_free(a);
}
END_TEST

START_TEST(cfg_unsupported_tp)
{
	static const esip_listen tls[] = {{ESIP_TP_TLS, "127.0.0.1:0"}};
	esip_stack_config c;
	esip_stack *s = NULL;
	esip_addr a;

	stk_config(&c, udp4, 1);
	c.ua.default_tp = ESIP_TP_TLS;
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_ENOTSUP);
	ck_assert_ptr_null(s);
	c.ua.default_tp = ESIP_TP_SCTP;
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_ENOTSUP);
	/* a TLS listener is refused too */
	stk_config(&c, tls, 1);
	ck_assert_int_lt(esip_stack_new(&c, &s), 0);
	ck_assert_ptr_null(s);

	/* local_addr of a transport with no listener */
	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_local_addr(s, ESIP_TP_TCP, &a), ESIP_ENOTFOUND);
	ck_assert_int_eq(esip_stack_local_addr(s, ESIP_TP_UDP, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_stack_local_addr(s, ESIP_TP_UDP, &a), 0);
	ck_assert_int_eq(esip_addr_family(&a), AF_INET);
	esip_stack_free(s);
}
END_TEST

/* ---- 2. thread mode: OPTIONS to ourselves ------------------------------------ */

/* n OPTIONS from the stack to its own tp listener; each callback once
 * with 200; the statistics count both sides. */
static void self_options(const esip_listen *l, size_t nl, esip_tp tp, int n)
{
	esip_stack_config c;
	esip_stack *s;
	esip_stack_stats st;
	resp_slot *slots = calloc((size_t)n, sizeof *slots);
	char uri[128];
	int i, k;

	stk_config(&c, l, nl);
	c.ua.txl.t1_ms = 2000; /* no Timer E retransmission within the test: exact counts */
	s = stk_new(&c);
	stk_self_uri(s, tp, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_start(s), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &slots[i]), 0);
	ck_assert_msg(STK_WAIT(g_resp_total == n, STK_WAIT_MS), "%d of %d answered", resp_total(),
		      n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(slots[i].calls, 1);
		ck_assert_int_eq(slots[i].status, 200);
		ck_assert_str_eq(slots[i].reason, "OK");
		ck_assert(!pthread_equal(slots[i].thread, pthread_self())); /* the loop thread */
	}
	esip_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.retransmissions, 0);
	ck_assert_uint_eq(st.requests_out[ESIP_METHOD_OPTIONS], (uint64_t)n);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OPTIONS], (uint64_t)n);
	ck_assert_uint_eq(st.responses_out[2], (uint64_t)n);
	ck_assert_uint_eq(st.responses_in[2], (uint64_t)n);
	for (k = 0; k < ESIP_METHOD__COUNT; k++)
		if (k != ESIP_METHOD_OPTIONS) {
			ck_assert_uint_eq(st.requests_out[k], 0);
			ck_assert_uint_eq(st.requests_in[k], 0);
		}
	for (k = 1; k <= 6; k++)
		if (k != 2) {
			ck_assert_uint_eq(st.responses_out[k], 0);
			ck_assert_uint_eq(st.responses_in[k], 0);
		}
	ck_assert_uint_eq(st.parse_errors, 0);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(st.over_limit, 0);
	ck_assert_uint_gt(st.bytes_in, 0);
	ck_assert_uint_eq(st.bytes_in, st.bytes_out); /* every byte to ourselves */
	if (tp == ESIP_TP_TCP) {
		ck_assert_uint_ge(st.tcp_connected, 1);
		ck_assert_uint_eq(st.tcp_accepted, st.tcp_connected);
		ck_assert_uint_eq(st.tcp_conns, 2 * st.tcp_connected);
		/* 17.1.2.2 / 17.2.2: Timers K and J are zero on TCP */
		ck_assert(STATS_WAIT(s, st, st.transactions_live == 0, STK_WAIT_MS));
	} else {
		/* Timer K (T4) and J (64*T1) keep both sides Completed */
		ck_assert_uint_eq(st.transactions_live, (uint32_t)(2 * n));
		ck_assert_uint_eq(st.tcp_conns, 0);
	}
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(resp_total(), n); /* free reported nothing more */
	free(slots);
}

START_TEST(thr_self_udp)
{
	self_options(udp_tcp4, 2, ESIP_TP_UDP, 3);
}
END_TEST

START_TEST(thr_self_tcp)
{
	self_options(udp_tcp4, 2, ESIP_TP_TCP, 3);
}
END_TEST

START_TEST(thr_self_tcp_only)
{
	self_options(tcp4, 1, ESIP_TP_TCP, 2);
}
END_TEST

START_TEST(thr_self_udp_v6)
{
	if (!net_have_ipv6())
		return;
	self_options(udp_tcp6, 2, ESIP_TP_UDP, 3);
}
END_TEST

START_TEST(thr_self_tcp_v6)
{
	if (!net_have_ipv6())
		return;
	self_options(udp_tcp6, 2, ESIP_TP_TCP, 2);
}
END_TEST

START_TEST(thr_start_stop_states)
{
	esip_stack_config c;
	esip_stack *s;

	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_stop(s), 0); /* never started: nothing to stop */
	ck_assert_int_eq(esip_stack_start(s), 0);
	ck_assert_int_eq(esip_stack_start(s), ESIP_ESTATE);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	ck_assert_int_eq(esip_stack_stop(s), 0); /* idempotent */
	/* a second life */
	ck_assert_int_eq(esip_stack_start(s), 0);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(esip_stack_start(NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_stack_stop(NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_stack_process(NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_stack_fd(NULL), -1);
	ck_assert_int_eq(esip_stack_timeout_ms(NULL), -1);
	ck_assert_int_eq(esip_stack_send_options(NULL, "sip:a@127.0.0.1", on_resp, NULL),
			 ESIP_EINVAL);
	esip_stack_free(NULL);
}
END_TEST

/* ---- 3. application-driven mode -------------------------------------------- */

START_TEST(app_self_udp)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r[2];
	char uri[128];
	int fd;
	esip_stack_stats st;

	memset(r, 0, sizeof r);
	stk_config(&c, udp_tcp4, 2);
	c.ua.txl.t1_ms = 2000;
	s = stk_new(&c);
	fd = esip_stack_fd(s);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(esip_stack_timeout_ms(s), -1); /* no timer pending yet */
	ck_assert_int_eq(esip_stack_process(s), 0);      /* nothing to do */
	stk_self_uri(s, ESIP_TP_UDP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r[0]), 0);
	/* Timer E (T1) and F (64*T1) are pending */
	ck_assert_int_ge(esip_stack_timeout_ms(s), 0);
	ck_assert_int_le(esip_stack_timeout_ms(s), 2000);
	ck_assert(STK_PUMP(s, r[0].calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r[0].status, 200);
	ck_assert(pthread_equal(r[0].thread, pthread_self())); /* inside process() */
	/* over TCP in the same loop */
	stk_self_uri(s, ESIP_TP_TCP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r[1]), 0);
	ck_assert(STK_PUMP(s, r[1].calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r[1].status, 200);
	esip_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.requests_out[ESIP_METHOD_OPTIONS], 2);
	ck_assert_uint_eq(st.requests_in[ESIP_METHOD_OPTIONS], 2);
	ck_assert_uint_eq(st.responses_in[2], 2);
	ck_assert_int_eq(r[0].calls, 1);
	esip_stack_free(s);
	ck_assert_int_eq(r[0].calls + r[1].calls, 2);
}
END_TEST

START_TEST(app_process_while_running)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	char uri[128];

	memset(&r, 0, sizeof r);
	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	ck_assert_int_eq(esip_stack_process(s), ESIP_ESTATE);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	/* once stopped, the application may drive it */
	stk_self_uri(s, ESIP_TP_UDP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_PUMP(s, r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 200);
	esip_stack_free(s);
}
END_TEST

static void answer_now(void *ud, esip_call *c)
{
	ck_assert_int_eq(esip_call_ring(c, 180, NULL, 0), 0);
	ck_assert_int_eq(esip_call_accept(c, NULL, 0), 0);
}

/* Issue 11: what a callback sends through public calls leaves when the
 * esip_stack_process that ran it returns (one flush for all of them), and
 * those calls, made on the loop thread, do not wake the loop: an eventfd
 * write, a flush and one more wake-up per call were the cost before.  The
 * loop still knows its next timer (the 2xx retransmission, 13.3.1.4). */
START_TEST(app_answer_from_callback)
{
	esip_stack_config c;
	esip_stack *s;
	esip_addr me, to;
	char req[2048], sentby[64], ruri[96], contact[96], resp[4096];
	struct pollfd p;
	int fd, n, t;

	stk_config(&c, udp4, 1);
	c.cb.incoming_call = answer_now;
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_local_addr(s, ESIP_TP_UDP, &to), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &me);
	snprintf(sentby, sizeof sentby, "127.0.0.1:%u", esip_addr_port(&me));
	snprintf(ruri, sizeof ruri, "sip:esip@127.0.0.1:%u", esip_addr_port(&to));
	snprintf(contact, sizeof contact, "Contact: <sip:peer@%s>\r\n", sentby);
	n = mkreq(req, sizeof req, "INVITE", ruri, "UDP", sentby, "cbans", contact);
	udp_send(fd, &to, req, (size_t)n);
	p.fd = esip_stack_fd(s);
	p.events = POLLIN;
	ck_assert_int_eq(poll(&p, 1, STK_WAIT_MS), 1);
	ck_assert_int_eq(esip_stack_process(s), 0);
	/* both answers are out already: no other process call */
	ck_assert_int_gt(udp_recv(fd, resp, sizeof resp, 0), 0);
	ck_assert_int_eq(resp_status(resp), 180);
	ck_assert_int_gt(udp_recv(fd, resp, sizeof resp, 0), 0);
	ck_assert_int_eq(resp_status(resp), 200);
	/* nothing woke the loop: its fd is quiet */
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	t = esip_stack_timeout_ms(s);
	ck_assert_int_ge(t, 0);
	ck_assert_int_le(t, 500); /* T1 */
	close(fd);
	esip_stack_free(s);
}
END_TEST

/* ---- 5. client side ----------------------------------------------------------- */

/* 17.1.2.2 / 8.1.3.1: no answer -> Timer F -> 408.  The peer is a bound
 * socket that never answers (no ICMP error either). */
START_TEST(uac_timeout_408)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	esip_addr pa;
	char uri[128], buf[4096];
	int fd, copies = 0;
	uint64_t t0, dt;
	esip_stack_stats st;

	memset(&r, 0, sizeof r);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	stk_config(&c, udp4, 1);
	c.ua.txl.t1_ms = 10; /* Timer F = 640 ms */
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:silent@127.0.0.1:%u", esip_addr_port(&pa));
	t0 = stk_now_ms();
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, 3000));
	dt = stk_now_ms() - t0;
	ck_assert_int_eq(r.status, 408);
	ck_assert_msg(dt >= 600, "408 after %llu ms, before Timer F (640 ms)",
		      (unsigned long long)dt);
	while (udp_recv(fd, buf, sizeof buf, 0) > 0)
		copies++;
	ck_assert_int_ge(copies, 3); /* the first send and Timer E's */
	esip_stack_get_stats(s, &st);
	ck_assert_uint_ge(st.retransmissions, 2);
	ck_assert_uint_eq(st.requests_out[ESIP_METHOD_OPTIONS], 1 + st.retransmissions);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(r.calls, 1);
	close(fd);
}
END_TEST

/* A UDP port where nobody listens at all: the ICMP port unreachable that
 * loopback sends back fails the transaction at once (RFC 3261 18.4) with
 * a transport error, 503 to the application (8.1.3.1), exactly once; with
 * the default T1 Timer F would take 32 s, far beyond the wait. */
START_TEST(uac_udp_closed_port)
{
	esip_stack_config c;
	esip_stack *s;
	esip_stack_stats st;
	resp_slot r;
	esip_addr pa;
	char uri[128];
	int fd;

	memset(&r, 0, sizeof r);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	close(fd); /* the port is free now: nobody listens */
	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:nobody@127.0.0.1:%u", esip_addr_port(&pa));
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, 10000));
	ck_assert_msg(r.status == 503, "closed UDP port: %d %s (ICMP: 503)", r.status, r.reason);
	esip_stack_get_stats(s, &st);
	ck_assert_uint_ge(st.unreachable, 1);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(r.calls, 1);
}
END_TEST

/* 8.1.3.1: a TCP connection refused is a transport error -> 503 */
START_TEST(uac_tcp_refused_503)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	esip_addr pa;
	char uri[128];
	int fd;
	uint64_t t0;

	memset(&r, 0, sizeof r);
	/* bound, not listening: the port stays ours and refuses connections */
	fd = net_peer_sock(SOCK_STREAM, "127.0.0.1", &pa);
	stk_config(&c, udp_tcp4, 2);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:nobody@127.0.0.1:%u;transport=tcp", esip_addr_port(&pa));
	t0 = stk_now_ms();
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 503);
	ck_assert_uint_lt(stk_now_ms() - t0, 3000); /* not a Timer F */
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(r.calls, 1);
	close(fd);
}
END_TEST

/* A host name, resolved without blocking the loop */
START_TEST(uac_hostname)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r[2];
	char uri[128];

	memset(r, 0, sizeof r);
	stk_config(&c, udp_tcp4, 2);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:esip@localhost:%u", stk_port(s, ESIP_TP_UDP));
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r[0]), 0);
	snprintf(uri, sizeof uri, "sip:esip@localhost:%u;transport=tcp", stk_port(s, ESIP_TP_TCP));
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r[1]), 0);
	ck_assert(STK_WAIT(g_resp_total == 2, STK_WAIT_MS));
	ck_assert_msg(r[0].status == 200, "localhost UDP: %d %s", r[0].status, r[0].reason);
	ck_assert_msg(r[1].status == 200, "localhost TCP: %d %s", r[1].status, r[1].reason);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(r[0].calls + r[1].calls, 2);
}
END_TEST

/* A name that does not resolve: 503 (8.1.3.1 / RFC 3263 4.3) */
START_TEST(uac_hostname_unknown)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;

	memset(&r, 0, sizeof r);
	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	ck_assert_int_eq(esip_stack_send_options(s, "sip:x@no-such-host.invalid:5060", on_resp, &r),
			 0);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 503);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(r.calls, 1);
}
END_TEST

/* sips: and ;transport=tls need TLS: refused at once, no callback ever */
START_TEST(uac_sips_enotsup)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot bad[3], ok;
	char uri[128];

	memset(bad, 0, sizeof bad);
	memset(&ok, 0, sizeof ok);
	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	ck_assert_int_eq(esip_stack_send_options(s, "sips:x@127.0.0.1", on_resp, &bad[0]),
			 ESIP_ENOTSUP);
	ck_assert_int_eq(
		esip_stack_send_options(s, "sip:x@127.0.0.1;transport=tls", on_resp, &bad[1]),
		ESIP_ENOTSUP);
	ck_assert_int_eq(
		esip_stack_send_options(s, "sip:x@127.0.0.1;transport=sctp", on_resp, &bad[2]),
		ESIP_ENOTSUP);
	/* a request that does get answered: any callback of the refused
	 * ones would have come before this one's */
	stk_self_uri(s, ESIP_TP_UDP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &ok), 0);
	ck_assert(STK_WAIT(ok.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(bad[0].calls + bad[1].calls + bad[2].calls, 0);
	ck_assert_int_eq(resp_total(), 1);
}
END_TEST

/* A URI the stack cannot use: refused at once, no callback, nothing
 * started.  (Which error: see uac_bad_uri_einval.) */
START_TEST(uac_bad_uri)
{
	static const char *const bad[] = {
		"sip:",       "not a uri", "sip:@@", "tel:+15551234567", "",
		"sip:x@[::1", "sip:x@127.0.0.1:99999",
	};
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	char longuri[700];
	size_t i;

	memset(&r, 0, sizeof r);
	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = esip_stack_send_options(s, bad[i], on_resp, &r);
		ck_assert_msg(rc < 0, "\"%s\" accepted", bad[i]);
	}
	/* not a sip: URI (esip_target_from_uri), NULL, too long */
	ck_assert_int_eq(esip_stack_send_options(s, "tel:+15551234567", on_resp, &r), ESIP_EINVAL);
	ck_assert_int_eq(esip_stack_send_options(s, NULL, on_resp, &r), ESIP_EINVAL);
	memset(longuri, 'a', sizeof longuri - 1);
	memcpy(longuri, "sip:", 4);
	longuri[sizeof longuri - 1] = 0;
	ck_assert_int_eq(esip_stack_send_options(s, longuri, on_resp, &r), ESIP_EINVAL);
	/* nothing was started: no timer, and processing calls back nothing */
	ck_assert_int_eq(esip_stack_timeout_ms(s), -1);
	ck_assert_int_eq(esip_stack_process(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(r.calls, 0);
}
END_TEST

/* Regression (review): a malformed URI is an invalid argument of the API
 * (ESIP_EINVAL, as the brief specifies; stack.h names no other code);
 * the code passes the parser's ESIP_EBAD_URI (-105, a peer-fault code)
 * through. */
START_TEST(uac_bad_uri_einval)
{
	static const char *const bad[] = {
		"sip:",       "not a uri", "sip:@@", "",
		"sip:x@[::1", "sip:x@127.0.0.1:99999",
	};
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	char got[1024] = "";
	size_t i, off = 0;
	int nbad = 0;

	memset(&r, 0, sizeof r);
	stk_config(&c, udp4, 1);
	s = stk_new(&c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = esip_stack_send_options(s, bad[i], on_resp, &r);
		if (rc != ESIP_EINVAL) {
			off += (size_t)snprintf(got + off, sizeof got - off, " \"%s\" -> %d (%s);",
						bad[i], rc, esip_strerror(rc));
			nbad++;
		}
	}
	esip_stack_free(s);
	ck_assert_msg(nbad == 0, "malformed URI not ESIP_EINVAL:%s", got);
}
END_TEST

/* ---- 6. hooks ------------------------------------------------------------------ */

static bool trace_first_line_is(const trace_rec *t, const char *prefix)
{
	return !strncmp(t->bytes, prefix, strlen(prefix));
}

START_TEST(hook_trace)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	esip_addr la;
	char uri[128];
	int i;

	memset(&r, 0, sizeof r);
	stk_config(&c, udp4, 1);
	c.cb.trace = on_trace;
	c.ua.txl.t1_ms = 2000;
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_local_addr(s, ESIP_TP_UDP, &la), 0);
	ck_assert_int_eq(esip_stack_start(s), 0);
	stk_self_uri(s, ESIP_TP_UDP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1 && g_ntrace >= 4, STK_WAIT_MS));
	ck_assert_int_eq(esip_stack_stop(s), 0);
	/* request out, request in, response out, response in */
	ck_assert_int_eq(g_ntrace, 4);
	ck_assert(g_trace[0].outgoing && trace_first_line_is(&g_trace[0], "OPTIONS "));
	ck_assert(!g_trace[1].outgoing && trace_first_line_is(&g_trace[1], "OPTIONS "));
	ck_assert(g_trace[2].outgoing && trace_first_line_is(&g_trace[2], "SIP/2.0 200"));
	ck_assert(!g_trace[3].outgoing && trace_first_line_is(&g_trace[3], "SIP/2.0 200"));
	for (i = 0; i < 4; i++) {
		char l[ESIP_ADDR_STRLEN], p[ESIP_ADDR_STRLEN];
		ck_assert_int_eq(g_trace[i].tp, ESIP_TP_UDP);
		esip_addr_str(&g_trace[i].local, l, sizeof l);
		esip_addr_str(&g_trace[i].peer, p, sizeof p);
		/* to ourselves: both ends are the listener */
		ck_assert_msg(esip_addr_eq(&g_trace[i].local, &la), "trace %d local %s", i, l);
		ck_assert_msg(esip_addr_eq(&g_trace[i].peer, &la), "trace %d peer %s", i, p);
		ck_assert_uint_gt(g_trace[i].len, 100);
	}
	/* what went out is what came in */
	ck_assert_uint_eq(g_trace[0].len, g_trace[1].len);
	ck_assert(!memcmp(g_trace[0].bytes, g_trace[1].bytes, g_trace[0].len));
	ck_assert_uint_eq(g_trace[2].len, g_trace[3].len);
	esip_stack_free(s);
	ck_assert_int_eq(g_ntrace, 4);
}
END_TEST

START_TEST(hook_log_listening)
{
	esip_stack_config c;
	esip_stack *s;
	char want[96];

	stk_config(&c, udp_tcp4, 2);
	c.log_level = ESIP_LOG_INFO;
	s = stk_new(&c);
	/* the creation logs are delivered before esip_stack_new returns */
	snprintf(want, sizeof want, "listening on UDP 127.0.0.1:%u", stk_port(s, ESIP_TP_UDP));
	ck_assert_msg(log_has(want), "no \"%s\"", want);
	snprintf(want, sizeof want, "listening on TCP 127.0.0.1:%u", stk_port(s, ESIP_TP_TCP));
	ck_assert_msg(log_has(want), "no \"%s\"", want);
	esip_stack_free(s);

	/* a level below INFO hides them */
	pthread_mutex_lock(&g_mu);
	g_nlog = 0;
	pthread_mutex_unlock(&g_mu);
	c.log_level = ESIP_LOG_WARN;
	s = stk_new(&c);
	ck_assert(!log_has("listening on"));
	esip_stack_free(s);
}
END_TEST

/* A plain UDP peer receives what the stack originates and answers it;
 * custom headers, public_addr, and 8.1.1's mandatory headers. */
static void originate_to_peer(esip_stack_config *c, const char *want_sentby, const char *want_from,
			      int n_req)
{
	esip_stack *s;
	resp_slot r[4];
	esip_addr pa, from;
	socklen_t fl;
	char uri[128], req[8192], resp[8192], v[1024], branches[4][128], callids[4][128],
		ftags[4][128];
	int fd, i, n, k;

	ck_assert_int_le(n_req, 4);
	memset(r, 0, sizeof r);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	s = stk_new(c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:peer@127.0.0.1:%u", esip_addr_port(&pa));
	for (i = 0; i < n_req; i++) {
		ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r[i]), 0);
		fl = sizeof from.u;
		ck_assert(net_readable(fd, STK_WAIT_MS));
		n = (int)recvfrom(fd, req, sizeof req - 1, 0, &from.u.sa, &fl);
		ck_assert_int_gt(n, 0);
		from.len = fl;
		req[n] = 0;
		ck_assert_msg(!strncmp(req, "OPTIONS sip:peer@127.0.0.1:", 27), "%s", req);
		ck_assert_msg(hdr_get(req, "X-Esip-Test", v, sizeof v), "no custom header:\n%s", req);
		ck_assert_str_eq(v, "one");
		ck_assert(hdr_get(req, "X-Other", v, sizeof v));
		ck_assert_str_eq(v, "two words; x=1");
		ck_assert(hdr_get(req, "Via", v, sizeof v));
		ck_assert_msg(!strncmp(v, want_sentby, strlen(want_sentby)), "Via: %s (want %s)", v,
			      want_sentby);
		ck_assert_ptr_nonnull(strstr(v, ";branch=z9hG4bK"));
		ck_assert_ptr_nonnull(strstr(v, ";rport"));
		snprintf(branches[i], sizeof branches[i], "%s", strstr(v, "branch="));
		for (k = 0; k < i; k++)
			ck_assert_str_ne(branches[k], branches[i]);
		ck_assert(hdr_get(req, "Max-Forwards", v, sizeof v));
		ck_assert_str_eq(v, "70");
		ck_assert(hdr_get(req, "From", v, sizeof v));
		ck_assert_ptr_nonnull(strstr(v, ";tag="));
		snprintf(ftags[i], sizeof ftags[i], "%s", strstr(v, ";tag="));
		if (want_from)
			ck_assert_msg(strstr(v, want_from) != NULL, "From: %s (want %s)", v, want_from);
		ck_assert(hdr_get(req, "To", v, sizeof v));
		ck_assert_ptr_null(strstr(v, ";tag="));
		/* 8.1.1.3 / 8.1.1.4: a new From tag and Call-ID per request
		 * outside a dialog */
		ck_assert(hdr_get(req, "Call-ID", v, sizeof v));
		ck_assert_uint_gt(strlen(v), 8);
		snprintf(callids[i], sizeof callids[i], "%.127s", v);
		for (k = 0; k < i; k++) {
			ck_assert_str_ne(callids[k], callids[i]);
			ck_assert_str_ne(ftags[k], ftags[i]);
		}
		ck_assert(hdr_get(req, "Content-Length", v, sizeof v));
		ck_assert_str_eq(v, "0");
		ck_assert(hdr_get(req, "Accept", v, sizeof v));
		ck_assert(hdr_get(req, "CSeq", v, sizeof v));
		ck_assert_ptr_nonnull(strstr(v, " OPTIONS"));
		ck_assert(hdr_get(req, "Contact", v, sizeof v));
		ck_assert(hdr_get(req, "User-Agent", v, sizeof v));
		ck_assert_str_eq(v, "esip-test");
		/* 18.2.2 / RFC 3581: answer the source address */
		n = mk_reply(req, 200, "Fine Thanks", resp, sizeof resp);
		udp_send(fd, &from, resp, (size_t)n);
		ck_assert(STK_WAIT(r[i].calls == 1, STK_WAIT_MS));
		ck_assert_int_eq(r[i].status, 200);
		ck_assert_str_eq(r[i].reason, "Fine Thanks");
	}
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	close(fd);
}

static const esip_hdr_kv custom[] = {
	{"X-Esip-Test", {"one", 3}},
	{"X-Other", {"two words; x=1", 14}},
};

START_TEST(hook_custom_headers)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	char uri[128], want[64];
	int i, nreq = 0;

	stk_config(&c, udp4, 1);
	c.ua.custom_headers = custom;
	c.ua.n_custom_headers = 2;
	originate_to_peer(&c, "SIP/2.0/UDP 127.0.0.1:", "<sip:esip@127.0.0.1>", 3);
	/* domain names the From (8.1.1.3) */
	c.ua.domain = "example.org";
	originate_to_peer(&c, "SIP/2.0/UDP 127.0.0.1:", "sip:esip@example.org", 2);
	c.ua.domain = NULL;

	/* the trace of a self OPTIONS: in the request, not in the response */
	memset(&r, 0, sizeof r);
	c.cb.trace = on_trace;
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	stk_self_uri(s, ESIP_TP_UDP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1 && g_ntrace >= 4, STK_WAIT_MS));
	ck_assert_int_eq(esip_stack_stop(s), 0);
	snprintf(want, sizeof want, "\r\nX-Esip-Test: one\r\n");
	for (i = 0; i < g_ntrace; i++)
		if (g_trace[i].outgoing && !strncmp(g_trace[i].bytes, "OPTIONS", 7)) {
			nreq++;
			ck_assert_ptr_nonnull(strstr(g_trace[i].bytes, want));
			ck_assert_ptr_nonnull(strstr(g_trace[i].bytes, "\r\nX-Other: two words; x=1\r\n"));
		}
	ck_assert_int_eq(nreq, 1);
	esip_stack_free(s);
}
END_TEST

START_TEST(cfg_bad_custom_header)
{
	static const esip_hdr_kv crlf[] = {{"X-Bad", {"a\r\nInjected: yes", 16}}};
	static const esip_hdr_kv colon[] = {{"X-Bad:", {"v", 1}}};
	esip_stack_config c;
	esip_stack *s = NULL;

	stk_config(&c, udp4, 1);
	c.ua.custom_headers = crlf;
	c.ua.n_custom_headers = 1;
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert_ptr_null(s);
	c.ua.custom_headers = colon;
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert(log_has("custom header"));
	c.ua.custom_headers = custom;
	c.ua.n_custom_headers = 2;
	c.ua.public_addr = "1.2.3.4:notaport";
	ck_assert_int_eq(esip_stack_new(&c, &s), ESIP_EINVAL);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(hook_public_addr)
{
	esip_stack_config c;

	stk_config(&c, udp4, 1);
	c.ua.custom_headers = custom;
	c.ua.n_custom_headers = 2;
	c.ua.public_addr = "192.0.2.50:5999";
	originate_to_peer(&c, "SIP/2.0/UDP 192.0.2.50:5999;", NULL, 1);
	/* a host without port keeps the listener's port */
	c.ua.public_addr = "sip.example.test";
	originate_to_peer(&c, "SIP/2.0/UDP sip.example.test:", NULL, 1);
	/* an IPv6 public address, bracketed in the Via */
	c.ua.public_addr = "[2001:db8::5]:5998";
	originate_to_peer(&c, "SIP/2.0/UDP [2001:db8::5]:5998;", NULL, 1);
}
END_TEST

/* public_addr in a self OPTIONS: the Via names it, the response still
 * comes back (RFC 3581: to the source port, not the sent-by) */
START_TEST(hook_public_addr_self)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	char uri[128];
	int i, nreq = 0;

	memset(&r, 0, sizeof r);
	stk_config(&c, udp4, 1);
	c.ua.public_addr = "192.0.2.50:5999";
	c.cb.trace = on_trace;
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	stk_self_uri(s, ESIP_TP_UDP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	for (i = 0; i < g_ntrace; i++)
		if (g_trace[i].outgoing && !strncmp(g_trace[i].bytes, "OPTIONS", 7)) {
			char v[512];
			nreq++;
			ck_assert(hdr_get(g_trace[i].bytes, "Via", v, sizeof v));
			ck_assert_msg(!strncmp(v, "SIP/2.0/UDP 192.0.2.50:5999;", 28), "Via: %s", v);
			ck_assert(hdr_get(g_trace[i].bytes, "Contact", v, sizeof v));
			ck_assert_msg(strstr(v, "192.0.2.50:5999") != NULL, "Contact: %s", v);
		}
	ck_assert_int_eq(nreq, 1);
	esip_stack_free(s);
}
END_TEST

/* ---- 7. RFC 3261 18.1.1: over 1300 bytes -> TCP --------------------------------- */

/* A stack listening on UDP and TCP on the same port (the kernel picks
 * it for TCP; retried if UDP has it taken). */
static esip_stack *stack_same_port(esip_stack_config *c, esip_listen l[2], char addr[64])
{
	esip_stack *s = NULL;
	int attempt;

	for (attempt = 0; attempt < 50; attempt++) {
		esip_addr a;
		int fd = net_peer_sock(SOCK_STREAM, "127.0.0.1", &a), rc;
		close(fd);
		snprintf(addr, 64, "127.0.0.1:%u", esip_addr_port(&a));
		l[0].tp = ESIP_TP_UDP;
		l[0].addr = addr;
		l[1].tp = ESIP_TP_TCP;
		l[1].addr = addr;
		c->listen = l;
		c->n_listen = 2;
		rc = esip_stack_new(c, &s);
		if (rc == 0)
			return s;
		ck_assert_int_eq(rc, ESIP_ESYS);
	}
	ck_abort_msg("no port free for both UDP and TCP");
	return NULL;
}

START_TEST(uac_large_request_tcp)
{
	esip_stack_config c;
	esip_stack *s;
	esip_listen l[2];
	char addr[64], uri[128], *big;
	esip_hdr_kv h[1];
	resp_slot r;
	int i, n_udp_req = 0, n_tcp_req = 0;
	esip_stack_stats st;

	memset(&r, 0, sizeof r);
	big = malloc(1400);
	memset(big, 'x', 1400);
	h[0].name = "X-Padding";
	h[0].value = esip_str_make(big, 1400);
	stk_config(&c, NULL, 0);
	c.ua.custom_headers = h;
	c.ua.n_custom_headers = 1;
	c.cb.trace = on_trace;
	s = stack_same_port(&c, l, addr);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:esip@%s", addr); /* UDP by default */
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	pthread_mutex_lock(&g_mu);
	for (i = 0; i < g_ntrace; i++) {
		const trace_rec *t = &g_trace[i];
		if (!t->outgoing || strncmp(t->bytes, "OPTIONS", 7))
			continue;
		ck_assert_uint_gt(t->len, 1300);
		if (t->tp == ESIP_TP_UDP)
			n_udp_req++;
		else if (t->tp == ESIP_TP_TCP) {
			char v[256];
			n_tcp_req++;
			ck_assert(hdr_get(t->bytes, "Via", v, sizeof v));
			ck_assert_msg(!strncmp(v, "SIP/2.0/TCP ", 12), "Via: %s", v);
		}
	}
	pthread_mutex_unlock(&g_mu);
	ck_assert_int_eq(n_udp_req, 0);
	ck_assert_int_eq(n_tcp_req, 1);
	esip_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.tcp_connected, 1);
	esip_stack_free(s);
	free(big);
}
END_TEST

/* The same stack sends a small request over UDP (the rule is per size) */
START_TEST(uac_small_request_udp)
{
	esip_stack_config c;
	esip_stack *s;
	esip_listen l[2];
	char addr[64], uri[128];
	resp_slot r;
	int i, n_udp = 0, n_tcp = 0;

	memset(&r, 0, sizeof r);
	stk_config(&c, NULL, 0);
	c.cb.trace = on_trace;
	s = stack_same_port(&c, l, addr);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:esip@%s", addr);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	for (i = 0; i < g_ntrace; i++)
		if (g_trace[i].outgoing && !strncmp(g_trace[i].bytes, "OPTIONS", 7)) {
			if (g_trace[i].tp == ESIP_TP_UDP)
				n_udp++;
			else
				n_tcp++;
		}
	ck_assert_int_eq(n_udp, 1);
	ck_assert_int_eq(n_tcp, 0);
	esip_stack_free(s);
}
END_TEST

/* default_tp TCP: a URI without ;transport= goes over TCP */
START_TEST(uac_default_tp_tcp)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	char uri[128];
	int i, n_tcp = 0, n_udp = 0;

	memset(&r, 0, sizeof r);
	stk_config(&c, tcp4, 1);
	c.ua.default_tp = ESIP_TP_TCP;
	c.cb.trace = on_trace;
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:esip@127.0.0.1:%u", stk_port(s, ESIP_TP_TCP));
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	for (i = 0; i < g_ntrace; i++)
		if (g_trace[i].outgoing && !strncmp(g_trace[i].bytes, "OPTIONS", 7))
			g_trace[i].tp == ESIP_TP_TCP ? n_tcp++ : n_udp++;
	ck_assert_int_eq(n_tcp, 1);
	ck_assert_int_eq(n_udp, 0);
	esip_stack_free(s);
}
END_TEST

/* timer_f_ms overrides 64*T1 */
START_TEST(uac_timer_f_override)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	esip_addr pa;
	char uri[128];
	int fd;
	uint64_t t0, dt;

	memset(&r, 0, sizeof r);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	stk_config(&c, udp4, 1);
	c.ua.txl.timer_f_ms = 300; /* T1 stays 500: one try, no retransmission */
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:silent@127.0.0.1:%u", esip_addr_port(&pa));
	t0 = stk_now_ms();
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, 3000));
	dt = stk_now_ms() - t0;
	ck_assert_int_eq(r.status, 408);
	ck_assert_msg(dt >= 280 && dt < 2500, "408 after %llu ms, Timer F is 300",
		      (unsigned long long)dt);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	close(fd);
}
END_TEST

/* The UAC side against a plain peer: a 1xx is not an outcome; a response
 * with two Via values is discarded (8.1.3.3); the final one is delivered
 * with its own status and reason. */
START_TEST(uac_peer_responses)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	esip_addr pa, from;
	socklen_t fl = sizeof from.u;
	char uri[128], req[4096], resp[4096], bad[4096], *via;
	int fd, n;
	resp_slot rb;
	esip_stack_stats st;

	memset(&r, 0, sizeof r);
	memset(&rb, 0, sizeof rb);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	stk_config(&c, udp4, 1);
	c.ua.txl.t1_ms = 2000; /* no retransmission meanwhile */
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:peer@127.0.0.1:%u", esip_addr_port(&pa));
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	ck_assert(net_readable(fd, STK_WAIT_MS));
	n = (int)recvfrom(fd, req, sizeof req - 1, 0, &from.u.sa, &fl);
	ck_assert_int_gt(n, 0);
	req[n] = 0;
	from.len = fl;

	n = mk_reply(req, 100, "Trying", resp, sizeof resp);
	udp_send(fd, &from, resp, (size_t)n);
	/* the same 486 with a second Via: not for us */
	n = mk_reply(req, 486, "Busy Here", bad, sizeof bad);
	via = strstr(bad, "\r\nVia:");
	ck_assert_ptr_nonnull(via);
	memmove(via + 45, via, strlen(via) + 1);
	memcpy(via, "\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKxx", 45);
	udp_send(fd, &from, bad, strlen(bad));
	n = mk_reply(req, 404, "Not Here", resp, sizeof resp);
	udp_send(fd, &from, resp, (size_t)n);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.reason, "Not Here");
	/* and a retransmitted final response is absorbed, no second call;
	 * the barrier (an OPTIONS to ourselves on the same socket) is
	 * handled after it */
	udp_send(fd, &from, resp, (size_t)n);
	stk_self_uri(s, ESIP_TP_UDP, uri, sizeof uri);
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &rb), 0);
	ck_assert(STK_WAIT(rb.calls == 1, STK_WAIT_MS));
	ck_assert_int_eq(r.calls, 1);
	esip_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.dropped, 1); /* the two-Via 486 */
	ck_assert_uint_eq(st.responses_in[1], 1);
	ck_assert_uint_eq(st.responses_in[4], 3);
	ck_assert_int_eq(esip_stack_stop(s), 0);
	esip_stack_free(s);
	ck_assert_int_eq(r.calls, 1);
	close(fd);
}
END_TEST

/* RFC 3261 18.1.1: "if the attempt to establish the connection generates
 * either an ICMP Protocol Not Supported, or results in a TCP reset, the
 * element SHOULD retry the request, using UDP".  The peer is a stack with
 * a UDP listener only; the large request's TCP connect is refused. */
START_TEST(uac_large_request_udp_fallback)
{
	esip_stack_config c;
	esip_stack *a, *b;
	char uri[128], *big;
	esip_hdr_kv h[1];
	resp_slot r;
	esip_addr pb;
	int tfd;

	memset(&r, 0, sizeof r);
	stk_config(&c, udp4, 1);
	b = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(b), 0);
	ck_assert_int_eq(esip_stack_local_addr(b, ESIP_TP_UDP, &pb), 0);
	/* hold the TCP port of the same number, not listening: a reset */
	tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(tfd, 0);
	if (bind(tfd, &pb.u.sa, pb.len) != 0) {
		close(tfd);
		tfd = -1; /* someone has it; a connect may still be refused */
	}
	big = malloc(1400);
	memset(big, 'x', 1400);
	h[0].name = "X-Padding";
	h[0].value = esip_str_make(big, 1400);
	stk_config(&c, udp_tcp4, 2);
	c.ua.custom_headers = h;
	c.ua.n_custom_headers = 1;
	a = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(a), 0);
	snprintf(uri, sizeof uri, "sip:esip@127.0.0.1:%u", esip_addr_port(&pb));
	ck_assert_int_eq(esip_stack_send_options(a, uri, on_resp, &r), 0);
	ck_assert(STK_WAIT(r.calls == 1, STK_WAIT_MS));
	ck_assert_msg(r.status == 200,
		      "RFC 3261 18.1.1 SHOULD: large request, TCP refused, no UDP retry: %d %s",
		      r.status, r.reason);
	esip_stack_free(a);
	esip_stack_free(b);
	if (tfd >= 0)
		close(tfd);
	free(big);
}
END_TEST

/* Regression (review): stack.h: "user_agent; User-Agent and Server; NULL =
 * \"esip/<version>\"" (RFC 3261 25.1 product = token [SLASH version]) */
START_TEST(hook_default_user_agent)
{
	esip_stack_config c;
	esip_stack *s;
	resp_slot r;
	esip_addr pa;
	char uri[128], req[4096], v[256];
	int fd, n;

	memset(&r, 0, sizeof r);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	stk_config(&c, udp4, 1);
	c.ua.user_agent = NULL;
	s = stk_new(&c);
	ck_assert_int_eq(esip_stack_start(s), 0);
	snprintf(uri, sizeof uri, "sip:peer@127.0.0.1:%u", esip_addr_port(&pa));
	ck_assert_int_eq(esip_stack_send_options(s, uri, on_resp, &r), 0);
	n = udp_recv(fd, req, sizeof req, STK_WAIT_MS);
	ck_assert_int_gt(n, 0);
	ck_assert(hdr_get(req, "User-Agent", v, sizeof v));
	esip_stack_free(s);
	close(fd);
	ck_assert_msg(!strncmp(v, "esip/", 5),
		      "default User-Agent is \"%s\", stack.h says \"esip/<version>\"", v);
}
END_TEST

int main(void)
{
	TCase *td = tcase_create("regressions");
	Suite *s = suite_create("stack-uac");
	TCase *tcfg = tcase_create("config");
	TCase *trun = tcase_create("run");
	TCase *tuac = tcase_create("uac");
	TCase *thook = tcase_create("hooks");

	tcase_set_timeout(tcfg, 30);
	tcase_add_test(tcfg, cfg_defaults);
	tcase_add_test(tcfg, cfg_no_listen);
	tcase_add_test(tcfg, cfg_bad_listen_addr);
	tcase_add_test(tcfg, cfg_port_in_use);
	tcase_add_test(tcfg, cfg_unsupported_tp);
	tcase_add_test(tcfg, cfg_bad_custom_header);
	suite_add_tcase(s, tcfg);

	tcase_set_timeout(trun, 30);
	tcase_add_test(trun, thr_self_udp);
	tcase_add_test(trun, thr_self_tcp);
	tcase_add_test(trun, thr_self_tcp_only);
	tcase_add_test(trun, thr_self_udp_v6);
	tcase_add_test(trun, thr_self_tcp_v6);
	tcase_add_test(trun, thr_start_stop_states);
	tcase_add_test(trun, app_self_udp);
	tcase_add_test(trun, app_process_while_running);
	tcase_add_test(trun, app_answer_from_callback);
	suite_add_tcase(s, trun);

	tcase_set_timeout(tuac, 30);
	tcase_add_test(tuac, uac_timeout_408);
	tcase_add_test(tuac, uac_udp_closed_port);
	tcase_add_test(tuac, uac_tcp_refused_503);
	tcase_add_test(tuac, uac_hostname);
	tcase_add_test(tuac, uac_hostname_unknown);
	tcase_add_test(tuac, uac_sips_enotsup);
	tcase_add_test(tuac, uac_bad_uri);
	tcase_add_test(tuac, uac_large_request_tcp);
	tcase_add_test(tuac, uac_small_request_udp);
	tcase_add_test(tuac, uac_default_tp_tcp);
	tcase_add_test(tuac, uac_timer_f_override);
	tcase_add_test(tuac, uac_peer_responses);
	suite_add_tcase(s, tuac);

	tcase_set_timeout(thook, 30);
	tcase_add_test(thook, hook_trace);
	tcase_add_test(thook, hook_log_listening);
	tcase_add_test(thook, hook_custom_headers);
	tcase_add_test(thook, hook_public_addr);
	tcase_add_test(thook, hook_public_addr_self);
	suite_add_tcase(s, thook);
	/* behaviour a review found missing, now fixed: kept as regressions */
	tcase_set_timeout(td, 60);
	tcase_add_test(td, cfg_no_listen_logs);
	tcase_add_test(td, uac_bad_uri_einval);
	tcase_add_test(td, uac_large_request_udp_fallback);
	tcase_add_test(td, hook_default_user_agent);
	suite_add_tcase(s, td);
	return test_run(&s, 1);
}
