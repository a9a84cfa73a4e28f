/* The UDP transport on real loopback sockets (127.0.0.1, ::1). */
#include "tp_harness.h"

#include <esip/transport.h>

static void udp_roundtrip(const char *ip)
{
	harness h;
	esip_addr la, pa, from;
	socklen_t fl = sizeof from.u;
	char req[1024], buf[2048];
	int fd, n;
	uint32_t lid;
	esip_dest d;
	esip_transport_stats st;

	h_init(&h, NULL);
	lid = h_listen(&h, ESIP_TP_UDP, ip, &la);
	ck_assert_uint_ne(lid, 0);
	ck_assert(esip_transport_has(h.t, ESIP_TP_UDP));
	ck_assert(!esip_transport_has(h.t, ESIP_TP_TCP));
	ck_assert_uint_ne(esip_addr_port(&la), 0);
	fd = net_peer_sock(SOCK_DGRAM, ip, &pa);

	n = h_mkreq(req, sizeof req, 7, "");
	ck_assert_int_eq(sendto(fd, req, (size_t)n, 0, &la.u.sa, la.len), n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	ck_assert_int_eq(h.recv[0].rc, n);
	ck_assert_uint_eq(h.recv[0].cseq, 7);
	ck_assert_int_eq(h.recv[0].rx.tp, ESIP_TP_UDP);
	ck_assert(esip_addr_eq(&h.recv[0].rx.peer, &pa));
	ck_assert(esip_addr_eq(&h.recv[0].rx.local, &la));
	ck_assert_uint_eq(h.recv[0].rx.listener, lid);
	ck_assert_uint_eq(h.recv[0].rx.conn, 0);
	ck_assert_int_eq(h.ntrace_in, 1);

	/* the answer goes back from the same socket */
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = h.recv[0].rx.peer;
	d.listener = h.recv[0].rx.listener;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "SIP/2.0 200 OK\r\n\r\n", 18, h.now, NULL), 0);
	esip_transport_flush(h.t);
	ck_assert(net_readable(fd, 2000));
	n = (int)recvfrom(fd, buf, sizeof buf, 0, &from.u.sa, &fl);
	from.len = fl;
	ck_assert_int_eq(n, 18);
	ck_assert(!memcmp(buf, "SIP/2.0 200 OK\r\n\r\n", 18));
	ck_assert(esip_addr_eq(&from, &la));
	ck_assert_int_eq(h.ntrace_out, 1);

	/* listener 0 = any of the family */
	d.listener = 0;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), 0);
	ck_assert_int_ge(esip_transport_process(h.t, h.now), 0); /* process() flushes */
	ck_assert(net_readable(fd, 2000));
	ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), 1);

	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_datagrams_in, 1);
	ck_assert_uint_eq(st.udp_datagrams_out, 2);
	ck_assert_uint_eq(st.udp_bytes_out, 19);
	ck_assert_uint_eq(st.listeners, 1);
	close(fd);
	h_fini(&h);
}

/* Issue 11: process() takes what esip_transport_wait() saw, also when
 * it saw nothing (a timeout: the loop woke for a timer), and makes no
 * epoll_wait of its own then - one system call per timer wake-up, not
 * two.  A datagram that arrives after the wait is the next wait's. */
START_TEST(udp_wait_timeout_is_the_process_round)
{
	harness h;
	esip_addr la, pa;
	char req[1024];
	int fd, n;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", &la), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	ck_assert_int_eq(esip_transport_wait(h.t, 0), 0);
	n = h_mkreq(req, sizeof req, 1, "");
	ck_assert_int_eq(sendto(fd, req, (size_t)n, 0, &la.u.sa, la.len), n);
	ck_assert(net_readable(esip_transport_fd(h.t), 2000));
	ck_assert_int_eq(esip_transport_process(h.t, h.now), 0);
	ck_assert_int_eq(h.nrecv, 0);
	/* the next round sees it */
	ck_assert_int_eq(esip_transport_wait(h.t, 2000), 1);
	ck_assert_int_eq(esip_transport_process(h.t, h.now), 1);
	ck_assert_int_eq(h.nrecv, 1);
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(udp_roundtrip_v4)
{
	udp_roundtrip("127.0.0.1");
}
END_TEST

START_TEST(udp_roundtrip_v6)
{
	if (!net_have_ipv6())
		return;
	udp_roundtrip("::1");
}
END_TEST

START_TEST(udp_both_families)
{
	harness h;
	esip_addr a4, a6, dst;
	uint32_t l4, l6, id;
	esip_dest d;

	if (!net_have_ipv6())
		return;
	h_init(&h, NULL);
	l4 = h_listen(&h, ESIP_TP_UDP, "127.0.0.1", &a4);
	l6 = h_listen(&h, ESIP_TP_UDP, "::1", &a6);
	ck_assert(l4 && l6 && l4 != l6);
	ck_assert_int_eq(esip_transport_find_listener(h.t, ESIP_TP_UDP, AF_INET6, &id), 0);
	ck_assert_uint_eq(id, l6);
	ck_assert_int_eq(esip_transport_find_listener(h.t, ESIP_TP_UDP, AF_INET, &id), 0);
	ck_assert_uint_eq(id, l4);
	ck_assert_int_eq(esip_transport_find_listener(h.t, ESIP_TP_TCP, 0, &id), ESIP_ENOTFOUND);
	/* a family mismatch between listener and destination */
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	ck_assert_int_eq(esip_addr_parse(&dst, "[::1]:9"), 0);
	d.addr = dst;
	d.listener = l4;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_EINVAL);
	h_fini(&h);
}
END_TEST

START_TEST(udp_many_datagrams)
{
	harness h;
	esip_addr la, pa;
	char req[512];
	int fd, i, n, got = 0;
	esip_transport_stats st;
	esip_dest d;
	int rcv = 1 << 20;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", &la), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	/* 100 at once, before the transport reads any: recvmmsg batches */
	for (i = 0; i < 100; i++) {
		n = h_mkreq(req, sizeof req, (uint32_t)i + 1, "");
		ck_assert_int_eq(sendto(fd, req, (size_t)n, 0, &la.u.sa, la.len), n);
	}
	ck_assert(H_PUMP(&h, h.nrecv == 100, 3000));
	for (i = 0; i < 100; i++) {
		ck_assert_int_gt(h.recv[i].rc, 0);
		ck_assert_uint_eq(h.recv[i].cseq, (uint32_t)i + 1);
	}
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_datagrams_in, 100);
	/* 32 per call: at least 4 calls, far fewer than 100 */
	ck_assert_uint_ge(st.udp_recv_batches, 4);
	ck_assert_uint_le(st.udp_recv_batches, 20);

	/* 100 out between flushes: sendmmsg batches of 32 (3 full ones go
	 * at once, the last 4 at the flush) */
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = pa;
	for (i = 0; i < 100; i++) {
		n = h_mkreq(req, sizeof req, (uint32_t)i + 1, "");
		ck_assert_int_eq(esip_transport_send(h.t, &d, req, (size_t)n, h.now, NULL), 0);
	}
	esip_transport_flush(h.t);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_datagrams_out, 100);
	ck_assert_uint_eq(st.udp_send_batches, 4);
	while (got < 100 && net_readable(fd, 2000)) {
		char buf[1024];
		n = (int)recv(fd, buf, sizeof buf, 0);
		ck_assert_int_gt(n, 0);
		ck_assert(strstr(buf, "OPTIONS sip:") == buf);
		got++;
	}
	ck_assert_int_eq(got, 100);
	close(fd);
	h_fini(&h);
}
END_TEST

/* Issue 13 #5: one batch of large responses, sent between two flushes
 * while the socket is writable, is never refused: the queue limit is
 * about bytes waiting for a blocked socket (14 of 32 answers of 56 KB
 * were refused by a 1 MiB queue that never blocked). */
START_TEST(udp_batch_of_large_datagrams)
{
	harness h;
	esip_addr pa;
	esip_dest d;
	esip_transport_stats st;
	static char dg[56 * 1024], in[65536];
	int fd, i, got = 0, rcv = 4 << 20;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", NULL), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = pa;
	memset(dg, 'r', sizeof dg);
	for (i = 0; i < 32; i++) {
		dg[0] = (char)i;
		ck_assert_int_eq(esip_transport_send(h.t, &d, dg, sizeof dg, h.now, NULL), 0);
	}
	esip_transport_flush(h.t);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_queue_full, 0);
	ck_assert_uint_eq(st.udp_datagrams_out, 32);
	ck_assert_uint_eq(st.udp_bytes_out, 32 * sizeof dg);
	while (got < 32 && net_readable(fd, 1000)) {
		ck_assert_int_eq(recv(fd, in, sizeof in, 0), (int)sizeof dg);
		ck_assert_int_eq(in[0], got);
		got++;
	}
	ck_assert_int_eq(got, 32);
	close(fd);
	h_fini(&h);
}
END_TEST

/* The same with max_udp_queue far below one datagram: a writable socket
 * takes them all (the limit binds only while it is blocked: see
 * test_udp_eagain.c). */
START_TEST(udp_queue_limit_only_when_blocked)
{
	harness h;
	esip_transport_config c;
	esip_addr pa;
	esip_dest d;
	esip_transport_stats st;
	static char dg[8000];
	int fd, i;

	esip_transport_config_init(&c);
	c.max_udp_queue = 1000;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", NULL), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = pa;
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(esip_transport_send(h.t, &d, dg, sizeof dg, h.now, NULL), 0);
	esip_transport_flush(h.t);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_queue_full, 0);
	ck_assert_uint_eq(st.udp_datagrams_out, 100);
	close(fd);
	h_fini(&h);
}
END_TEST

/* A UDP port on ip that nobody listens on (bound, then closed). */
static esip_addr closed_port(const char *ip)
{
	esip_addr a;
	int fd = net_peer_sock(SOCK_DGRAM, ip, &a);

	close(fd);
	return a;
}

/* Issue 11, RFC 3261 18.4 and 8.1.3.1: a datagram to a closed port
 * brings back an ICMP port unreachable; the owner hears of it, with the
 * destination, within one process() call (no waiting for Timer B/F). */
static void icmp_unreachable(const char *ip)
{
	harness h;
	esip_addr dead, pa;
	esip_dest d;
	esip_transport_stats st;
	struct pollfd p;
	char buf[64];
	int fd;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, ip, NULL), 0);
	dead = closed_port(ip);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = dead;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "OPTIONS", 7, h.now, NULL), 0);
	esip_transport_flush(h.t);
	ck_assert_int_eq(h.nunreach, 0); /* never outside process() */
	p.fd = esip_transport_fd(h.t);
	p.events = POLLIN;
	ck_assert_int_eq(poll(&p, 1, 2000), 1);
	ck_assert_int_ge(esip_transport_process(h.t, h.now), 1);
	ck_assert_int_eq(h.nunreach, 1);
	ck_assert_int_eq(h.unreach_tp, ESIP_TP_UDP);
	ck_assert_int_eq(h.unreach_err, ESIP_ETRANSPORT);
	ck_assert(esip_addr_eq(&h.unreach_dst, &dead));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_unreachable, 1);
	/* the error is read: the fd goes quiet (no busy loop) */
	ck_assert_int_eq(esip_transport_process(h.t, h.now), 0);
	ck_assert_int_eq(poll(&p, 1, 20), 0);

	/* an error pending on the socket is not blamed on the next datagram:
	 * both sends in one flush, the live peer gets its own */
	fd = net_peer_sock(SOCK_DGRAM, ip, &pa);
	ck_assert_int_eq(esip_transport_send(h.t, &d, "OPTIONS", 7, h.now, NULL), 0);
	esip_transport_flush(h.t);
	d.addr = pa;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "hello", 5, h.now, NULL), 0);
	esip_transport_flush(h.t);
	ck_assert(net_readable(fd, 2000));
	ck_assert_int_eq(recv(fd, buf, sizeof buf, 0), 5);
	ck_assert(H_PUMP(&h, h.nunreach == 2, 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_send_errors, 0);
	ck_assert_uint_eq(st.udp_datagrams_out, 3);
	/* and one received datagram still arrives with the error pending */
	d.addr = dead;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "OPTIONS", 7, h.now, NULL), 0);
	esip_transport_flush(h.t);
	{
		esip_addr la;
		char req[512];
		int n = h_mkreq(req, sizeof req, 3, "");
		ck_assert_int_eq(esip_transport_local_addr(h.t, 1, &la), 0);
		ck_assert_int_eq(sendto(fd, req, (size_t)n, 0, &la.u.sa, la.len), n);
	}
	ck_assert(H_PUMP(&h, h.nrecv == 1 && h.nunreach == 3, 2000));
	ck_assert_uint_eq(h.recv[0].cseq, 3);
	close(fd);
	h_fini(&h);
}

START_TEST(udp_icmp_unreachable_v4)
{
	icmp_unreachable("127.0.0.1");
}
END_TEST

START_TEST(udp_icmp_unreachable_v6)
{
	if (!net_have_ipv6())
		return;
	icmp_unreachable("::1");
}
END_TEST

START_TEST(udp_oversized_dropped)
{
	harness h;
	esip_transport_config c;
	esip_addr la;
	char big[3000], req[512];
	int fd, n;
	esip_transport_stats st;
	esip_dest d;

	esip_transport_config_init(&c);
	c.max_udp_size = 1000;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", &la), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", NULL);
	n = h_mkreq(big, sizeof big, 1, "");
	memset(big + n, 'x', sizeof big - (size_t)n); /* trailing octets, 3000 in all */
	ck_assert_int_eq(sendto(fd, big, sizeof big, 0, &la.u.sa, la.len), (int)sizeof big);
	n = h_mkreq(req, sizeof req, 2, "");
	ck_assert_int_eq(sendto(fd, req, (size_t)n, 0, &la.u.sa, la.len), n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	ck_assert_uint_eq(h.recv[0].cseq, 2);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_dropped_oversized, 1);
	ck_assert_uint_eq(st.udp_datagrams_in, 2);

	/* and nothing over the limit leaves */
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = la;
	ck_assert_int_eq(esip_transport_send(h.t, &d, big, 1001, h.now, NULL), ESIP_ELIMIT);
	ck_assert_int_eq(esip_transport_send(h.t, &d, big, 1000, h.now, NULL), 0);
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(udp_garbage)
{
	harness h;
	esip_addr la;
	int fd;
	esip_transport_stats st;
	static const char junk[] = "\x16\x03\x01 this is not SIP at all";

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", &la), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", NULL);
	/* a CRLF keep-alive is ignored, not reported as garbage */
	ck_assert_int_eq(sendto(fd, "\r\n\r\n", 4, 0, &la.u.sa, la.len), 4);
	ck_assert_int_eq(sendto(fd, junk, sizeof junk - 1, 0, &la.u.sa, la.len),
			 (int)sizeof junk - 1);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	ck_assert_int_lt(h.recv[0].rc, 0);
	ck_assert(esip_err_is_peer(h.recv[0].rc));
	ck_assert(!(h.recv[0].flags & ESIP_MSGF_FRAMED));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_keepalives, 1);
	ck_assert_uint_eq(st.parse_errors, 1);
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(udp_framed_bad_message)
{
	harness h;
	esip_addr la;
	int fd;
	/* a well-framed request with a broken CSeq: the owner may answer 400 */
	static const char bad[] = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
				  "From: <sip:a@example.com>;tag=1\r\n"
				  "To: <sip:bob@example.com>\r\n"
				  "Call-ID: c1\r\n"
				  "CSeq: nonsense\r\n"
				  "Content-Length: 0\r\n\r\n";

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", &la), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", NULL);
	ck_assert_int_eq(sendto(fd, bad, sizeof bad - 1, 0, &la.u.sa, la.len), (int)sizeof bad - 1);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	ck_assert_int_lt(h.recv[0].rc, 0);
	ck_assert(h.recv[0].flags & ESIP_MSGF_FRAMED);
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(udp_errors)
{
	harness h;
	esip_addr a;
	esip_dest d;
	uint32_t id;

	h_init(&h, NULL);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	ck_assert_int_eq(esip_addr_parse(&d.addr, "127.0.0.1:9"), 0);
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_ENOTFOUND);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", &a), 0);
	d.listener = 99;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_ENOTFOUND);
	d.listener = 0;
	memset(&d.addr, 0, sizeof d.addr);
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_transport_send(h.t, &d, NULL, 1, h.now, NULL), ESIP_EINVAL);
	ck_assert_int_eq(esip_addr_parse(&d.addr, "127.0.0.1:9"), 0);
	ck_assert_int_eq(esip_transport_send(h.t, &d, "", 0, h.now, NULL), ESIP_EINVAL);
	memset(&d.addr, 0, sizeof d.addr);
	d.tp = ESIP_TP_TLS;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_ENOTSUP);
	d.tp = ESIP_TP_WS;
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_ENOTSUP);
	/* listening */
	ck_assert_int_eq(esip_transport_listen(h.t, ESIP_TP_TLS, &a, &id), ESIP_ENOTSUP);
	ck_assert_int_eq(esip_transport_listen(h.t, ESIP_TP_SCTP, &a, &id), ESIP_ENOTSUP);
	ck_assert_int_eq(esip_transport_listen(h.t, ESIP_TP_NONE, &a, &id), ESIP_EINVAL);
	/* the same port twice: EADDRINUSE */
	ck_assert_int_eq(esip_transport_listen(h.t, ESIP_TP_UDP, &a, &id), ESIP_ESYS);
	ck_assert_int_eq(errno, EADDRINUSE);
	memset(&a, 0, sizeof a);
	ck_assert_int_eq(esip_transport_listen(h.t, ESIP_TP_UDP, &a, &id), ESIP_EINVAL);
	ck_assert_int_eq(esip_transport_local_addr(h.t, 42, &a), ESIP_ENOTFOUND);
	/* the 18.1.1 size rule needs a TCP listener */
	ck_assert_int_eq(esip_transport_request_tp(h.t, ESIP_TP_UDP, 5000), ESIP_TP_UDP);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", NULL), 0);
	ck_assert_int_eq(esip_transport_request_tp(h.t, ESIP_TP_UDP, 1300), ESIP_TP_UDP);
	ck_assert_int_eq(esip_transport_request_tp(h.t, ESIP_TP_UDP, 1301), ESIP_TP_TCP);
	ck_assert_int_eq(esip_transport_request_tp(h.t, ESIP_TP_TCP, 10), ESIP_TP_TCP);
	h_fini(&h);
}
END_TEST

START_TEST(new_and_free)
{
	test_alloc ta;
	esip_transport_config c;
	esip_transport_callbacks cb = {.recv = h_recv_cb};
	esip_transport *t = NULL;
	long i, total;
	int r;

	ck_assert_int_eq(esip_transport_new(NULL, NULL, NULL, NULL, &t), ESIP_EINVAL);
	ck_assert_ptr_null(t);
	esip_transport_free(NULL);
	/* allocation-failure sweep over esip_transport_new */
	test_alloc_init(&ta, 0);
	esip_transport_config_init(&c);
	c.alloc = &ta.a;
	ck_assert_int_eq(esip_transport_new(&c, &cb, NULL, NULL, &t), 0);
	esip_transport_free(t);
	ck_assert_int_eq(ta.live, 0);
	total = ta.count;
	for (i = 1; i <= total; i++) {
		test_alloc_init(&ta, i);
		c.alloc = &ta.a;
		r = esip_transport_new(&c, &cb, NULL, NULL, &t);
		ck_assert_int_eq(r, ESIP_ENOMEM);
		ck_assert_ptr_null(t);
		ck_assert_int_eq(ta.live, 0);
	}
	/* a zeroed config takes the defaults */
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(esip_transport_new(&c, &cb, NULL, NULL, &t), 0);
	ck_assert_int_ge(esip_transport_fd(t), 0);
	ck_assert_int_eq(esip_transport_process(t, 0), 0);
	esip_transport_free(t);
}
END_TEST

/* Several transports in one process, each with its own sockets. */
START_TEST(two_transports)
{
	harness a, b;
	harness *hs[2] = {&a, &b};
	esip_addr la, lb;
	esip_dest d;
	char req[512];
	int n;

	h_init(&a, NULL);
	h_init(&b, NULL);
	ck_assert_uint_ne(h_listen(&a, ESIP_TP_UDP, "127.0.0.1", &la), 0);
	ck_assert_uint_ne(h_listen(&b, ESIP_TP_UDP, "127.0.0.1", &lb), 0);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = lb;
	n = h_mkreq(req, sizeof req, 5, "v=0\r\n");
	ck_assert_int_eq(esip_transport_send(a.t, &d, req, (size_t)n, a.now, NULL), 0);
	esip_transport_flush(a.t);
	ck_assert(H_PUMP_N(hs, 2, b.nrecv == 1, 2000));
	ck_assert_int_eq(b.recv[0].rc, n);
	ck_assert(esip_addr_eq(&b.recv[0].rx.peer, &la));
	ck_assert_int_eq(a.nrecv, 0);
	h_fini(&a);
	h_fini(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-udp");
	TCase *tc = tcase_create("udp");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, udp_roundtrip_v4);
	tcase_add_test(tc, udp_wait_timeout_is_the_process_round);
	tcase_add_test(tc, udp_roundtrip_v6);
	tcase_add_test(tc, udp_both_families);
	tcase_add_test(tc, udp_many_datagrams);
	tcase_add_test(tc, udp_batch_of_large_datagrams);
	tcase_add_test(tc, udp_queue_limit_only_when_blocked);
	tcase_add_test(tc, udp_icmp_unreachable_v4);
	tcase_add_test(tc, udp_icmp_unreachable_v6);
	tcase_add_test(tc, udp_oversized_dropped);
	tcase_add_test(tc, udp_garbage);
	tcase_add_test(tc, udp_framed_bad_message);
	tcase_add_test(tc, udp_errors);
	tcase_add_test(tc, new_and_free);
	tcase_add_test(tc, two_transports);
	suite_add_tcase(s, tc);
	return test_run(&s, 1);
}
