/* The TCP transport on real loopback sockets: accept, connect, framing,
 * write queues, keep-alives, timeouts and limits. */
#include "tp_harness.h"

#include <esip/transport.h>

#include <netinet/tcp.h>
#include <sys/resource.h>

/* A plain client connected (blocking) to a; non-blocking afterwards. */
static int client(const esip_addr *a, int rcvbuf)
{
	int fd = socket(esip_addr_family(a), SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	if (rcvbuf)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
	ck_assert_int_eq(connect(fd, &a->u.sa, a->len), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	uint64_t end = h_real_ms() + 2000;

	while (n && h_real_ms() < end) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {fd, POLLOUT, 0};
			(void)poll(&pf, 1, 10);
			continue;
		}
		ck_assert_int_gt(w, 0);
		c += w;
		n -= (size_t)w;
	}
	ck_assert_uint_eq(n, 0);
}

/* Reads what is there (non-blocking) into buf at *len. */
static void read_some(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t r = recv(fd, buf + *len, cap - *len, 0);

	if (r > 0)
		*len += (size_t)r;
}

/* Pumps h while collecting bytes from fd until want bytes came. */
static bool pump_read(harness *h, int fd, char *buf, size_t cap, size_t want, int ms)
{
	size_t len = 0;
	uint64_t end = h_real_ms() + (uint64_t)ms;

	while (len < want && h_real_ms() < end) {
		harness *hs[1] = {h};
		h_round(hs, 1, 2);
		read_some(fd, buf, cap, &len);
	}
	return len == want;
}

/* True once the peer closed fd (EOF or reset). */
static bool peer_closed(harness *h, int fd, int ms)
{
	uint64_t end = h_real_ms() + (uint64_t)ms;
	char b[256];

	while (h_real_ms() < end) {
		harness *hs[1] = {h};
		ssize_t r = recv(fd, b, sizeof b, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			return true;
		h_round(hs, 1, 2);
	}
	return false;
}

static esip_dest tcp_dest(const esip_addr *a, uint32_t conn)
{
	esip_dest d;

	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_TCP;
	if (a)
		d.addr = *a;
	d.conn = conn;
	return d;
}

/* A client connected to la that has sent one request, taken by h: the
 * transport knows the connection (h->recv[0].rx.conn).  Returns its fd. */
static int client_with_request(harness *h, const esip_addr *la)
{
	char req[1024];
	int fd = client(la, 0), n = h_mkreq(req, sizeof req, 1, "");

	write_all(fd, req, (size_t)n);
	ck_assert(H_PUMP(h, h->nrecv == 1, 2000));
	return fd;
}

static void accept_in_out(const char *ip)
{
	harness h;
	esip_addr la;
	esip_dest d;
	char req[1024], buf[1024];
	int fd, n;
	uint32_t lid, cid = 0;
	esip_transport_stats st;
	static const char resp[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

	h_init(&h, NULL);
	lid = h_listen(&h, ESIP_TP_TCP, ip, &la);
	ck_assert_uint_ne(lid, 0);
	fd = client(&la, 0);
	n = h_mkreq(req, sizeof req, 3, "hello");
	write_all(fd, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	ck_assert_int_eq(h.recv[0].rc, n);
	ck_assert_uint_eq(h.recv[0].len, (size_t)n);
	ck_assert(!memcmp(h.recv[0].bytes, req, (size_t)n));
	ck_assert_int_eq(h.recv[0].rx.tp, ESIP_TP_TCP);
	ck_assert_uint_ne(h.recv[0].rx.conn, 0);
	ck_assert_uint_eq(h.recv[0].rx.listener, lid);
	ck_assert(esip_addr_eq(&h.recv[0].rx.local, &la));
	ck_assert(esip_transport_conn_alive(h.t, h.recv[0].rx.conn));

	/* the response on the same connection */
	d = tcp_dest(&h.recv[0].rx.peer, h.recv[0].rx.conn);
	ck_assert_int_eq(esip_transport_send(h.t, &d, resp, sizeof resp - 1, h.now, &cid), 0);
	ck_assert_uint_eq(cid, h.recv[0].rx.conn);
	ck_assert(pump_read(&h, fd, buf, sizeof buf, sizeof resp - 1, 2000));
	ck_assert(!memcmp(buf, resp, sizeof resp - 1));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_accepted, 1);
	ck_assert_uint_eq(st.tcp_open, 1);
	ck_assert_uint_eq(st.tcp_msgs_in, 1);
	ck_assert_uint_eq(st.tcp_msgs_out, 1);

	/* the peer goes: conn_closed, the id is dead */
	close(fd);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_uint_eq(h.closed_conn[0], cid);
	ck_assert_int_eq(h.closed_err[0], ESIP_ECLOSED);
	ck_assert(!esip_transport_conn_alive(h.t, cid));
	d = tcp_dest(NULL, cid);
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_ETRANSPORT);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_open, 0);
	ck_assert_uint_eq(st.tcp_closed, 1);
	h_fini(&h);
}

START_TEST(tcp_accept_in_out_v4)
{
	accept_in_out("127.0.0.1");
}
END_TEST

START_TEST(tcp_accept_in_out_v6)
{
	if (!net_have_ipv6())
		return;
	accept_in_out("::1");
}
END_TEST

/* Transport a connects to transport b's listener; a second send to the
 * same address reuses the connection; b answers on it. */
static void client_reuse(const char *ip)
{
	harness a, b;
	harness *hs[2] = {&a, &b};
	esip_addr lb;
	esip_dest d;
	char req[1024];
	int n;
	uint32_t c1 = 0, c2 = 0, c3 = 0;
	esip_transport_stats st;
	static const char resp[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP x;branch=z9hG4bK1\r\n"
				   "Content-Length: 0\r\n\r\n";

	h_init(&a, NULL);
	h_init(&b, NULL);
	ck_assert_uint_ne(h_listen(&b, ESIP_TP_TCP, ip, &lb), 0);
	d = tcp_dest(&lb, 0);
	n = h_mkreq(req, sizeof req, 1, "");
	ck_assert_int_eq(esip_transport_send(a.t, &d, req, (size_t)n, a.now, &c1), 0);
	ck_assert_uint_ne(c1, 0);
	/* queued while connecting, reused by address */
	n = h_mkreq(req, sizeof req, 2, "");
	ck_assert_int_eq(esip_transport_send(a.t, &d, req, (size_t)n, a.now, &c2), 0);
	ck_assert_uint_eq(c1, c2);
	ck_assert(H_PUMP_N(hs, 2, b.nrecv == 2, 2000));
	ck_assert_uint_eq(b.recv[0].cseq, 1);
	ck_assert_uint_eq(b.recv[1].cseq, 2);
	ck_assert_uint_eq(b.recv[0].rx.conn, b.recv[1].rx.conn);
	/* after the connect completed: still the same connection */
	n = h_mkreq(req, sizeof req, 3, "");
	ck_assert_int_eq(esip_transport_send(a.t, &d, req, (size_t)n, a.now, &c3), 0);
	ck_assert_uint_eq(c3, c1);
	ck_assert(H_PUMP_N(hs, 2, b.nrecv == 3, 2000));
	ck_assert_uint_eq(b.recv[2].rx.conn, b.recv[0].rx.conn);
	esip_transport_get_stats(a.t, &st);
	ck_assert_uint_eq(st.tcp_connected, 1);
	ck_assert_uint_eq(st.tcp_open, 1);

	/* b answers on its accepted connection; a sees it on c1 */
	d = tcp_dest(&b.recv[0].rx.peer, b.recv[0].rx.conn);
	ck_assert_int_eq(esip_transport_send(b.t, &d, resp, sizeof resp - 1, b.now, NULL), 0);
	ck_assert(H_PUMP_N(hs, 2, a.nrecv == 1, 2000));
	ck_assert_int_gt(a.recv[0].rc, 0);
	ck_assert_uint_eq(a.recv[0].rx.conn, c1);
	ck_assert(esip_addr_eq(&a.recv[0].rx.peer, &lb));

	/* b closes everything: a gets conn_closed and reconnects on demand */
	h_fini(&b);
	ck_assert(H_PUMP(&a, a.nclosed == 1, 2000));
	ck_assert_uint_eq(a.closed_conn[0], c1);
	ck_assert_int_eq(a.closed_err[0], ESIP_ECLOSED);
	h_fini(&a);
}

START_TEST(tcp_client_reuse_v4)
{
	client_reuse("127.0.0.1");
}
END_TEST

START_TEST(tcp_client_reuse_v6)
{
	if (!net_have_ipv6())
		return;
	client_reuse("::1");
}
END_TEST

START_TEST(tcp_many_in_one_write)
{
	harness h;
	esip_addr la;
	static char all[64 * 1024];
	size_t len = 0;
	int fd, i;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	for (i = 0; i < 100; i++)
		len += (size_t)h_mkreq(all + len, sizeof all - len, (uint32_t)i + 1, "body");
	fd = client(&la, 0);
	write_all(fd, all, len);
	ck_assert(H_PUMP(&h, h.nrecv == 100, 3000));
	for (i = 0; i < 100; i++) {
		ck_assert_int_gt(h.recv[i].rc, 0);
		ck_assert_uint_eq(h.recv[i].cseq, (uint32_t)i + 1);
		ck_assert_uint_eq(h.recv[i].rx.conn, h.recv[0].rx.conn);
	}
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(tcp_split_writes)
{
	harness h;
	esip_addr la;
	char req[1024];
	int fd, n, i;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	n = h_mkreq(req, sizeof req, 9, "0123456789");
	/* one byte per write, the transport reading in between */
	for (i = 0; i < n; i++) {
		harness *hs[1] = {&h};
		write_all(fd, req + i, 1);
		if (i % 7 == 0)
			h_round(hs, 1, 1);
	}
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	ck_assert_int_eq(h.recv[0].rc, n);
	ck_assert(!memcmp(h.recv[0].bytes, req, (size_t)n));
	close(fd);
	h_fini(&h);
}
END_TEST

/* The transport writes 2 MB to a client with a tiny receive window that
 * reads slowly: writes go partial, the queue holds the rest and drains
 * through EPOLLOUT, every byte arrives in order. */
START_TEST(tcp_partial_writes)
{
	harness h;
	esip_transport_config c;
	esip_addr la;
	esip_dest d;
	int fd, i, n;
	size_t total = 0, got = 0, cap = 48u << 20;
	int extra = 0;
	char *sent = malloc(cap), *recvd = malloc(cap);
	uint64_t end;
	esip_transport_stats st;
	uint32_t conn;
	char body[8001];

	ck_assert(sent && recvd);
	esip_transport_config_init(&c);
	c.max_tcp_buffer = 48u << 20;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 4096);
	write_all(fd, "\r\n\r\n", 4); /* a ping, so the transport learns the conn */
	ck_assert(pump_read(&h, fd, recvd, cap, 2, 2000));
	ck_assert_uint_eq(h.nrecv, 0);
	/* find the accepted connection: the only one */
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.keepalives_answered, 1);
	ck_assert_uint_eq(st.tcp_open, 1);
	memset(body, 'b', sizeof body - 1);
	body[sizeof body - 1] = 0;
	/* the client's address is what accept saw: send by address */
	{
		esip_addr ca;
		socklen_t al = sizeof ca.u;
		ck_assert_int_eq(getsockname(fd, &ca.u.sa, &al), 0);
		ca.len = al;
		d = tcp_dest(&ca, 0);
	}
	/* until the kernel stops taking it all at once, then 100 more */
	for (i = 0, st.tcp_queued_sends = 0; i < 100000 && total + 9000 < cap; i++) {
		if (st.tcp_queued_sends == 0)
			esip_transport_get_stats(h.t, &st);
		else if (extra++ == 100)
			break;
		body[0] = (char)('A' + i % 26);
		n = h_mkreq(sent + total, cap - total, (uint32_t)i, body);
		ck_assert_int_eq(esip_transport_send(h.t, &d, sent + total, (size_t)n, h.now, &conn), 0);
		total += (size_t)n;
	}
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_open, 1); /* reused, no new connection */
	ck_assert_uint_gt(st.tcp_queued_sends, 0);
	ck_assert_uint_lt(st.tcp_bytes_out, total); /* some of it is queued */
	/* slow reader: small reads, the transport pumping in between */
	end = h_real_ms() + 8000;
	while (got < total && h_real_ms() < end) {
		harness *hs[1] = {&h};
		ssize_t r = recv(fd, recvd + got, 65536, 0);
		if (r > 0)
			got += (size_t)r;
		h_round(hs, 1, 1);
	}
	ck_assert_uint_eq(got, total);
	ck_assert(!memcmp(sent, recvd, total));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_bytes_out, total + 2);
	ck_assert_int_eq(h.nclosed, 0);
	close(fd);
	h_fini(&h);
	free(sent);
	free(recvd);
}
END_TEST

/* Issue 11: what is sent to a connection between two flushes goes out
 * at the flush, in one write: a call's 180 and 200, or the responses to
 * a batch of requests, cost one send() instead of one each.  Nothing is
 * on the wire before the flush. */
START_TEST(tcp_sends_wait_for_the_flush)
{
	harness h;
	esip_addr la;
	esip_dest d;
	char buf[1024];
	int fd, n;
	static const char r1[] = "SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n";
	static const char r2[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	esip_transport_stats st;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client_with_request(&h, &la);
	d = tcp_dest(&h.recv[0].rx.peer, h.recv[0].rx.conn);
	ck_assert_int_eq(esip_transport_send(h.t, &d, r1, sizeof r1 - 1, h.now, NULL), 0);
	ck_assert_int_eq(esip_transport_send(h.t, &d, r2, sizeof r2 - 1, h.now, NULL), 0);
	ck_assert(!net_readable(fd, 0));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_out_queued, sizeof r1 - 1 + sizeof r2 - 1);
	esip_transport_flush(h.t);
	/* both, in order, already on the wire */
	ck_assert(net_readable(fd, 0));
	n = (int)recv(fd, buf, sizeof buf, 0);
	ck_assert_int_eq(n, (int)(sizeof r1 - 1 + sizeof r2 - 1));
	ck_assert(!memcmp(buf, r1, sizeof r1 - 1));
	ck_assert(!memcmp(buf + sizeof r1 - 1, r2, sizeof r2 - 1));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_out_queued, 0);
	ck_assert_uint_eq(st.tcp_queued_sends, 0);
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(tcp_peer_closes_mid_message)
{
	harness h;
	esip_addr la;
	char req[1024];
	int fd, n;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	n = h_mkreq(req, sizeof req, 1, "0123456789");
	write_all(fd, req, (size_t)n - 5); /* the body is cut */
	ck_assert(!H_PUMP(&h, h.nrecv > 0, 50));
	close(fd);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_int_eq(h.closed_err[0], ESIP_ECLOSED);
	ck_assert_int_eq(h.nrecv, 0);
	h_fini(&h);
}
END_TEST

START_TEST(tcp_connect_refused)
{
	harness h;
	esip_addr a;
	esip_dest d;
	int fd, r;
	uint32_t conn = 0;
	esip_transport_stats st;

	h_init(&h, NULL);
	/* a bound TCP socket that does not listen: connections are refused */
	fd = net_peer_sock(SOCK_STREAM, "127.0.0.1", &a);
	d = tcp_dest(&a, 0);
	r = esip_transport_send(h.t, &d, "OPTIONS", 7, h.now, &conn);
	if (r == 0) {
		ck_assert_uint_ne(conn, 0);
		ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
		ck_assert_uint_eq(h.closed_conn[0], conn);
		ck_assert_int_eq(h.closed_err[0], ESIP_ETRANSPORT);
	} else {
		ck_assert_int_eq(r, ESIP_ETRANSPORT); /* refused at once */
	}
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_connect_failed, 1);
	ck_assert_uint_eq(st.tcp_open, 0);
	close(fd);
	h_fini(&h);
}
END_TEST

/* A connect that never completes: a listener whose accept queue is full
 * drops SYNs.  The fake clock passes tcp_connect_ms: closed, ETIMEDOUT. */
START_TEST(tcp_connect_timeout)
{
	harness h;
	esip_addr a;
	esip_dest d;
	int lfd, cl[8], i;
	uint32_t conn = 0;

	h_init(&h, NULL);
	lfd = net_peer_sock(SOCK_STREAM, "127.0.0.1", &a);
	ck_assert_int_eq(listen(lfd, 0), 0);
	for (i = 0; i < 8; i++) {
		cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(cl[i], &a.u.sa, a.len);
	}
	d = tcp_dest(&a, 0);
	ck_assert_int_eq(esip_transport_send(h.t, &d, "OPTIONS", 7, h.now, &conn), 0);
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 100));
	ck_assert(esip_transport_conn_alive(h.t, conn));
	h_advance(&h, 31999);
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 20));
	h_advance(&h, 1);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_uint_eq(h.closed_conn[0], conn);
	ck_assert_int_eq(h.closed_err[0], ESIP_ETIMEDOUT);
	for (i = 0; i < 8; i++)
		close(cl[i]);
	close(lfd);
	h_fini(&h);
}
END_TEST

/* Half a header, then silence: closed at the idle timeout on the fake
 * clock; traffic pushes the deadline (lazy re-arm).  The message deadline
 * is set past the scenario (tcp_msg_timeout tests it). */
START_TEST(tcp_idle_timeout)
{
	harness h;
	esip_transport_config c;
	esip_addr la;
	int fd;
	esip_transport_stats st;

	esip_transport_config_init(&c);
	c.tcp_idle_ms = 64000;
	c.tcp_msg_timeout_ms = 1000000;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	write_all(fd, "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP", 41);
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.tcp_bytes_in == 41), 2000));
	h_advance(&h, 30000);
	write_all(fd, ";x", 2); /* activity at +30 s */
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.tcp_bytes_in == 43), 2000));
	h_advance(&h, 34001); /* 64 s after the first bytes: still active */
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 20));
	ck_assert(!peer_closed(&h, fd, 20));
	h_advance(&h, 29998); /* 1 ms before 64 s after the last bytes */
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 20));
	h_advance(&h, 1);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_int_eq(h.closed_err[0], ESIP_ETIMEDOUT);
	ck_assert(peer_closed(&h, fd, 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_idle_timeouts, 1);
	ck_assert_uint_eq(esip_timerwheel_count(&h.wheel), 0);
	close(fd);
	h_fini(&h);
}
END_TEST

/* Writes bytes from fd and pumps until the transport has read `total`
 * bytes in all. */
static void feed(harness *h, int fd, const char *p, size_t n, uint64_t total)
{
	esip_transport_stats st;

	write_all(fd, p, n);
	ck_assert(H_PUMP(h, (esip_transport_get_stats(h->t, &st), st.tcp_bytes_in == total), 2000));
}

/* Issue 11: half a header, then nothing: closed tcp_msg_timeout_ms after
 * its first byte (16 s by default), long before the idle timeout, and
 * also when the owner says the connection is in use. */
START_TEST(tcp_msg_timeout_stalled)
{
	harness h;
	esip_transport_config c;
	esip_transport_stats st;
	esip_addr la;
	int fd;

	esip_transport_config_init(&c);
	ck_assert_uint_eq(c.tcp_msg_timeout_ms, 16000);
	h_init(&h, NULL);
	h.in_use = true;
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	feed(&h, fd, "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP", 41, 41);
	h_advance(&h, 15999);
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 20));
	h_advance(&h, 1);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_int_eq(h.closed_err[0], ESIP_ETIMEDOUT);
	ck_assert(peer_closed(&h, fd, 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_msg_timeouts, 1);
	ck_assert_uint_eq(st.tcp_idle_timeouts, 0);
	ck_assert_int_eq(h.n_in_use, 0);
	close(fd);
	h_fini(&h);
}
END_TEST

/* Issue 11: a byte every 2 s keeps the idle timer away forever; the
 * message deadline still closes it 16 s after the first byte. */
START_TEST(tcp_msg_timeout_trickle)
{
	harness h;
	esip_transport_stats st;
	esip_addr la;
	char req[1024];
	int fd, n, i;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	n = h_mkreq(req, sizeof req, 1, "");
	for (i = 0; i < n && h.nclosed == 0; i++) {
		feed(&h, fd, req + i, 1, (uint64_t)i + 1);
		h_advance(&h, 2000);
		(void)H_PUMP(&h, h.nclosed > 0, 5);
	}
	ck_assert_int_eq(h.nclosed, 1);
	ck_assert_int_eq(i, 8); /* bytes at 0, 2, ... 14 s; closed at 16 s */
	ck_assert_int_eq(h.closed_err[0], ESIP_ETIMEDOUT);
	ck_assert_int_eq(h.nrecv, 0);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_msg_timeouts, 1);
	close(fd);
	h_fini(&h);
}
END_TEST

/* The deadline is per message: messages that each take 10 s (under 16)
 * go on for minutes; keep-alives between them are not messages; a new
 * message that begins in the read that completes one starts its own. */
START_TEST(tcp_msg_timeout_per_message)
{
	harness h;
	esip_transport_stats st;
	esip_addr la;
	char req[1024], two[2048];
	int fd, n, i;
	uint64_t total = 0;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	n = h_mkreq(req, sizeof req, 1, "");
	for (i = 0; i < 12; i++) {
		feed(&h, fd, req, 20, total += 20);
		h_advance(&h, 10000);
		feed(&h, fd, req + 20, (size_t)n - 20, total += (uint64_t)n - 20);
		ck_assert_int_eq(h.nrecv, i + 1);
		/* a lone CRLF (a pong) waits for its next byte: no message */
		feed(&h, fd, "\r\n", 2, total += 2);
		h_advance(&h, 10000);
	}
	ck_assert_int_eq(h.nclosed, 0);
	/* one message's end and the next one's start in one write, at 240 s;
	 * the second completes 15 s later: in time */
	memcpy(two, req, (size_t)n);
	memcpy(two + n, req, 30);
	feed(&h, fd, two, (size_t)n + 30, total += (uint64_t)n + 30);
	h_advance(&h, 15000);
	feed(&h, fd, req + 30, (size_t)n - 30, total += (uint64_t)n - 30);
	ck_assert_int_eq(h.nrecv, 14);
	/* and one more begun that never ends: 16 s */
	feed(&h, fd, req, 30, total += 30);
	h_advance(&h, 15999);
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 10));
	h_advance(&h, 1);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_msg_timeouts, 1);
	close(fd);
	h_fini(&h);
}
END_TEST

/* Issue 11, the trickle once messages have a deadline: stray CR and LF
 * octets between messages (no keep-alive, no message) are no activity,
 * so a byte every 10 s does not hold the connection past the idle
 * timeout; a CRLF CRLF ping is activity. */
START_TEST(tcp_idle_stray_crlf)
{
	harness h;
	esip_transport_config c;
	esip_transport_stats st;
	esip_addr la;
	int fd, i;
	uint64_t total = 0;

	esip_transport_config_init(&c);
	c.tcp_idle_ms = 30000;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	feed(&h, fd, "\r\n\r\n", 4, total += 4); /* a ping at 0 */
	for (i = 0; i < 5 && h.nclosed == 0; i++) {
		h_advance(&h, 10000);
		(void)H_PUMP(&h, h.nclosed > 0, 5);
		if (h.nclosed == 0)
			feed(&h, fd, "\n", 1, total += 1);
	}
	ck_assert_int_eq(h.nclosed, 1);
	ck_assert_int_eq(i, 3); /* LFs at 10 and 20 s, closed at 30 s */
	ck_assert_int_eq(h.closed_err[0], ESIP_ETIMEDOUT);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_idle_timeouts, 1);
	ck_assert_uint_eq(st.keepalives_answered, 1);
	close(fd);
	h_fini(&h);
}
END_TEST

/* A client socket bound to ip (a loopback address) connected to a. */
static int client_from(const char *ip, const esip_addr *a)
{
	esip_addr src;
	int fd = net_peer_sock(SOCK_STREAM, ip, &src);

	(void)src;
	ck_assert_int_eq(connect(fd, &a->u.sa, a->len), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

/* Issue 11: one source address may hold max_tcp_conns_per_ip accepted
 * connections (64 by default); the next is closed at once and counted,
 * another address is not affected, and a closed one makes room. */
START_TEST(tcp_conns_per_ip)
{
	harness h;
	esip_transport_config c;
	esip_transport_stats st;
	esip_addr la;
	static int fds[65];
	int i, other, again;

	esip_transport_config_init(&c);
	ck_assert_uint_eq(c.max_tcp_conns_per_ip, 64);
	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	for (i = 0; i < 64; i++) {
		fds[i] = client_from("127.0.0.1", &la);
		if (i % 16 == 15)
			h_round((harness *[]){&h}, 1, 0);
	}
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.tcp_accepted == 64), 2000));
	fds[64] = client_from("127.0.0.1", &la);
	ck_assert(peer_closed(&h, fds[64], 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_rejected_per_ip, 1);
	ck_assert_uint_eq(st.tcp_rejected, 0);
	ck_assert_uint_eq(st.tcp_open, 64);
	/* another source address */
	other = client_from("127.0.0.2", &la);
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.tcp_accepted == 65), 2000));
	ck_assert(!peer_closed(&h, other, 20));
	/* one of the 64 goes: room for one more from that address */
	close(fds[0]);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	again = client_from("127.0.0.1", &la);
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.tcp_accepted == 66), 2000));
	ck_assert(!peer_closed(&h, again, 20));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_rejected_per_ip, 1);
	close(again);
	close(other);
	for (i = 1; i <= 64; i++)
		close(fds[i]);
	h_fini(&h);
}
END_TEST

/* Outgoing connections do not count against the per-address limit. */
START_TEST(tcp_conns_per_ip_outgoing)
{
	harness a, b;
	harness *hs[2] = {&a, &b};
	esip_transport_config c;
	esip_addr lb[3];
	esip_dest d;
	esip_transport_stats st;
	char req[512];
	int n, i;

	esip_transport_config_init(&c);
	c.max_tcp_conns_per_ip = 1;
	h_init(&a, &c);
	h_init(&b, NULL);
	/* a listens too, from 127.0.0.1: its own connects leave from there */
	ck_assert_uint_ne(h_listen(&a, ESIP_TP_TCP, "127.0.0.1", NULL), 0);
	for (i = 0; i < 3; i++)
		ck_assert_uint_ne(h_listen(&b, ESIP_TP_TCP, "127.0.0.1", &lb[i]), 0);
	n = h_mkreq(req, sizeof req, 1, "");
	for (i = 0; i < 3; i++) {
		memset(&d, 0, sizeof d);
		d.tp = ESIP_TP_TCP;
		d.addr = lb[i];
		ck_assert_int_eq(esip_transport_send(a.t, &d, req, (size_t)n, a.now, NULL), 0);
	}
	ck_assert(H_PUMP_N(hs, 2, b.nrecv == 3, 2000));
	esip_transport_get_stats(a.t, &st);
	ck_assert_uint_eq(st.tcp_open, 3);
	ck_assert_uint_eq(st.tcp_rejected_per_ip, 0);
	h_fini(&a);
	h_fini(&b);
}
END_TEST

/* Issue 13 #2: the idle timer asks the owner before closing; a silent
 * connection that carries a live transaction (an INVITE ringing over TCP)
 * is kept, the timer re-armed, and closed once the owner lets it go. */
START_TEST(tcp_idle_in_use)
{
	harness h;
	esip_transport_config c;
	esip_transport_stats st;
	esip_addr la;
	int fd;
	uint32_t conn;

	esip_transport_config_init(&c);
	c.tcp_idle_ms = 10000;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client_with_request(&h, &la);
	conn = h.recv[0].rx.conn;
	h.in_use = true;
	/* 180 Ringing went out; minutes pass without a byte */
	h_advance(&h, 9999);
	ck_assert_int_eq(h.n_in_use, 0); /* not asked before the timeout */
	h_advance(&h, 1);
	ck_assert_int_eq(h.n_in_use, 1);
	ck_assert_uint_eq(h.in_use_conn, conn);
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 20));
	ck_assert(esip_transport_conn_alive(h.t, conn));
	ck_assert(!peer_closed(&h, fd, 20));
	h_advance(&h, 9999);
	ck_assert_int_eq(h.n_in_use, 1); /* re-armed for a whole period */
	h_advance(&h, 1);
	ck_assert_int_eq(h.n_in_use, 2);
	h_advance(&h, 100000);
	ck_assert_int_eq(h.n_in_use, 3);
	ck_assert(esip_transport_conn_alive(h.t, conn));
	/* the call ended: the next expiry closes it */
	h.in_use = false;
	h_advance(&h, 10000);
	ck_assert_int_eq(h.n_in_use, 4);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_uint_eq(h.closed_conn[0], conn);
	ck_assert_int_eq(h.closed_err[0], ESIP_ETIMEDOUT);
	ck_assert(peer_closed(&h, fd, 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_idle_kept, 3);
	ck_assert_uint_eq(st.tcp_idle_timeouts, 1);
	close(fd);
	h_fini(&h);
}
END_TEST

/* Issue 13 #3, RFC 5626 4.4.1: a flow's client pings every 95 to 120 s.
 * With the default idle timeout, a connection kept alive at the 120 s
 * upper bound is never closed (the old default closed it at 64 s); the
 * ping and our pong count as activity; silence closes it at the default. */
START_TEST(tcp_idle_outlives_keepalive)
{
	harness h;
	esip_transport_config c;
	esip_transport_stats st;
	esip_conn_info ci;
	esip_addr la;
	char buf[16], req[1024];
	int fd, i, n;
	uint32_t conn;

	esip_transport_config_init(&c);
	ck_assert_uint_gt(c.tcp_idle_ms, 120000);
	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	n = h_mkreq(req, sizeof req, 1, ""); /* a REGISTER would open the flow */
	write_all(fd, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	conn = h.recv[0].rx.conn;
	for (i = 0; i < 5; i++) {
		write_all(fd, "\r\n\r\n", 4);
		ck_assert(pump_read(&h, fd, buf, sizeof buf, 2, 2000));
		ck_assert(!memcmp(buf, "\r\n", 2));
		ck_assert_int_eq(esip_transport_conn_info(h.t, conn, &ci), 0);
		ck_assert_uint_eq(ci.last_active, h.now);
		h_advance(&h, 120000);
		ck_assert(!H_PUMP(&h, h.nclosed > 0, 10));
		ck_assert(!peer_closed(&h, fd, 10));
	}
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.keepalives_answered, 5);
	ck_assert_uint_eq(st.tcp_idle_timeouts, 0);
	/* the client is gone silent: closed at the default */
	h_advance(&h, c.tcp_idle_ms - 120000 - 1);
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 10));
	h_advance(&h, 1);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_int_eq(h.closed_err[0], ESIP_ETIMEDOUT);
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(tcp_ping_pong)
{
	harness h;
	esip_addr la;
	int fd;
	char buf[16];
	esip_transport_stats st;
	char req[1024];
	int n;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	/* RFC 5626 3.5.1: CRLF CRLF is answered with CRLF */
	write_all(fd, "\r\n\r\n", 4);
	ck_assert(pump_read(&h, fd, buf, sizeof buf, 2, 2000));
	ck_assert(!memcmp(buf, "\r\n", 2));
	/* a pong followed by a message: the message still arrives */
	n = h_mkreq(req, sizeof req, 4, "");
	write_all(fd, "\r\n", 2);
	write_all(fd, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	ck_assert_int_eq(h.recv[0].rc, n);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.keepalives_answered, 1);
	ck_assert_uint_eq(st.pongs_received, 1);
	ck_assert_int_eq(h.ntrace_in, 1); /* keep-alives are not traced */
	close(fd);
	h_fini(&h);
}
END_TEST

/* RFC 5626 4.4.1 between two transports: a's keep-alive, b's pong. */
START_TEST(tcp_keepalive_client)
{
	harness a, b;
	harness *hs[2] = {&a, &b};
	esip_addr lb;
	esip_dest d;
	esip_conn_info ci;
	esip_transport_stats st;
	uint32_t conn = 0;
	char req[512];
	int n;

	h_init(&a, NULL);
	h_init(&b, NULL);
	ck_assert_uint_ne(h_listen(&b, ESIP_TP_TCP, "127.0.0.1", &lb), 0);
	d = tcp_dest(&lb, 0);
	n = h_mkreq(req, sizeof req, 1, "");
	ck_assert_int_eq(esip_transport_send(a.t, &d, req, (size_t)n, a.now, &conn), 0);
	ck_assert_int_eq(esip_transport_conn_info(a.t, conn, &ci), 0);
	ck_assert(ci.outgoing);
	ck_assert(esip_addr_eq(&ci.peer, &lb));
	ck_assert(H_PUMP_N(hs, 2, b.nrecv == 1, 2000));
	ck_assert_int_eq(esip_transport_conn_info(a.t, conn, &ci), 0);
	ck_assert(!ci.connecting);
	ck_assert_int_eq(esip_addr_family(&ci.local), AF_INET);
	ck_assert_uint_eq(ci.last_pong, 0);
	a.now += 5000;
	ck_assert_int_eq(esip_transport_keepalive(a.t, conn, a.now), 0);
	ck_assert(H_PUMP_N(hs, 2, (esip_transport_get_stats(a.t, &st), st.pongs_received == 1), 2000));
	ck_assert_int_eq(esip_transport_conn_info(a.t, conn, &ci), 0);
	ck_assert_uint_eq(ci.last_pong, a.now);
	esip_transport_get_stats(b.t, &st);
	ck_assert_uint_eq(st.keepalives_answered, 1);
	ck_assert_int_eq(esip_transport_keepalive(a.t, 77, a.now), ESIP_ENOTFOUND);
	ck_assert_int_eq(esip_transport_conn_info(a.t, 77, &ci), ESIP_ENOTFOUND);
	h_fini(&a);
	h_fini(&b);
}
END_TEST

/* Suspected in issue 13, RFC 5626 4.4.1: pings that cross.  We pinged
 * and await the pong; the peer's own CRLF CRLF ping arrives first: it is
 * answered with a CRLF (a peer whose ping goes unanswered drops the
 * flow), and the pong that follows is still seen at once.  The peer's
 * pong and ping in one segment give one pong and one answer. */
START_TEST(tcp_crossing_pings)
{
	harness h;
	esip_transport_stats st;
	esip_conn_info ci;
	esip_addr la;
	char req[1024], buf[16];
	int fd, n;
	uint32_t conn;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 0);
	n = h_mkreq(req, sizeof req, 1, "");
	write_all(fd, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	conn = h.recv[0].rx.conn;

	/* our ping; the peer's crosses it */
	h.now += 1000;
	ck_assert_int_eq(esip_transport_keepalive(h.t, conn, h.now), 0);
	ck_assert(pump_read(&h, fd, buf, sizeof buf, 4, 2000));
	ck_assert(!memcmp(buf, "\r\n\r\n", 4));
	write_all(fd, "\r\n\r\n", 4);
	ck_assert(pump_read(&h, fd, buf, sizeof buf, 2, 2000));
	ck_assert(!memcmp(buf, "\r\n", 2));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.keepalives_answered, 1);
	ck_assert_uint_eq(st.pongs_received, 0);
	/* then the peer's pong to ours: seen at once, nothing after it */
	h.now += 1000;
	write_all(fd, "\r\n", 2);
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.pongs_received == 1), 2000));
	ck_assert_int_eq(esip_transport_conn_info(h.t, conn, &ci), 0);
	ck_assert_uint_eq(ci.last_pong, h.now);

	/* again, the peer's pong and its own ping in one segment */
	h.now += 1000;
	ck_assert_int_eq(esip_transport_keepalive(h.t, conn, h.now), 0);
	ck_assert(pump_read(&h, fd, buf, sizeof buf, 4, 2000));
	write_all(fd, "\r\n\r\n\r\n", 6);
	ck_assert(pump_read(&h, fd, buf, sizeof buf, 2, 2000));
	ck_assert(!memcmp(buf, "\r\n", 2));
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.pongs_received == 2), 2000));
	ck_assert_uint_eq(st.keepalives_answered, 2);
	/* no pong awaited: a lone CRLF is not taken for one before its
	 * next byte, and the stream goes on */
	write_all(fd, "\r\n", 2);
	write_all(fd, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 2, 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.pongs_received, 3);
	ck_assert_uint_eq(st.keepalives_answered, 2);
	ck_assert_int_eq(h.nclosed, 0);
	close(fd);
	h_fini(&h);
}
END_TEST

/* A message without Content-Length cannot be framed: that connection is
 * closed; another one is not disturbed.  A malformed but framed message
 * is delivered (rc < 0, framed) and its stream goes on. */
START_TEST(tcp_bad_framing)
{
	harness h;
	esip_addr la;
	int f1, f2, n;
	char req[1024];
	uint32_t c2;
	esip_transport_stats st;
	static const char noclen[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
				     "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
	static const char badcseq[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
				      "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
				      "Call-ID: x\r\nCSeq: bogus\r\nContent-Length: 0\r\n\r\n";

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	f1 = client(&la, 0);
	f2 = client(&la, 0);
	n = h_mkreq(req, sizeof req, 1, "");
	write_all(f2, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	c2 = h.recv[0].rx.conn;

	write_all(f2, badcseq, sizeof badcseq - 1);
	ck_assert(H_PUMP(&h, h.nrecv == 2, 2000));
	ck_assert_int_lt(h.recv[1].rc, 0);
	ck_assert(h.recv[1].flags & ESIP_MSGF_FRAMED);

	write_all(f1, noclen, sizeof noclen - 1);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_int_eq(h.closed_err[0], ESIP_ENO_CONTENT_LENGTH);
	ck_assert_uint_ne(h.closed_conn[0], c2);
	ck_assert(peer_closed(&h, f1, 2000));

	/* the other connection goes on */
	n = h_mkreq(req, sizeof req, 2, "");
	write_all(f2, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 3, 2000));
	ck_assert_int_gt(h.recv[2].rc, 0);
	ck_assert_uint_eq(h.recv[2].rx.conn, c2);
	ck_assert(esip_transport_conn_alive(h.t, c2));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_framing_errors, 1);
	ck_assert_uint_eq(st.tcp_open, 1);
	close(f1);
	close(f2);
	h_fini(&h);
}
END_TEST

/* 200 concurrent connections, each with a message; then the limit. */
START_TEST(tcp_many_connections)
{
	harness h;
	esip_transport_config c;
	esip_addr la;
	static int fds[201];
	char req[1024];
	int i, n, j;
	esip_transport_stats st;
	esip_dest d;

	esip_transport_config_init(&c);
	c.max_tcp_conns = 200;
	c.max_tcp_conns_per_ip = 1000; /* all from 127.0.0.1 */
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	for (i = 0; i < 200; i++) {
		fds[i] = client(&la, 0);
		n = h_mkreq(req, sizeof req, (uint32_t)i + 1, "");
		write_all(fds[i], req, (size_t)n);
		if (i % 32 == 0) {
			harness *hs[1] = {&h};
			h_round(hs, 1, 0);
		}
	}
	ck_assert(H_PUMP(&h, h.nrecv == 200, 5000));
	for (i = 0; i < 200; i++)
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(h.recv[i].rx.conn, h.recv[j].rx.conn);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_open, 200);
	ck_assert_uint_eq(st.tcp_accepted, 200);

	/* the 201st is accepted by the kernel and closed by the transport */
	fds[200] = client(&la, 0);
	ck_assert(peer_closed(&h, fds[200], 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_rejected, 1);
	ck_assert_uint_eq(st.tcp_open, 200);
	/* an outgoing connect over the limit fails too */
	d = tcp_dest(&la, 0);
	ck_assert_int_eq(esip_transport_send(h.t, &d, "x", 1, h.now, NULL), ESIP_ELIMIT);

	/* one goes away: room for a new one */
	close(fds[0]);
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_uint_eq(h.closed_conn[0], h.recv[0].rx.conn);
	fds[0] = client(&la, 0);
	n = h_mkreq(req, sizeof req, 999, "");
	write_all(fds[0], req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 201, 2000));
	ck_assert_uint_eq(h.recv[200].cseq, 999);
	/* a new id: not the one that was just closed */
	for (i = 0; i < 200; i++)
		ck_assert_uint_ne(h.recv[200].rx.conn, h.recv[i].rx.conn);
	for (i = 0; i <= 200; i++)
		close(fds[i]);
	h_fini(&h);
}
END_TEST

/* A peer that does not read: output over max_tcp_buffer fails the
 * connection (the send says ESIP_ELIMIT, conn_closed follows). */
START_TEST(tcp_buffer_limit)
{
	harness h;
	esip_transport_config c;
	esip_addr la, ca;
	socklen_t al = sizeof ca.u;
	esip_dest d;
	int fd, i, r = 0;
	uint32_t conn = 0;
	static char chunk[16384];
	esip_transport_stats st;

	esip_transport_config_init(&c);
	c.max_tcp_buffer = 64 * 1024;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 4096);
	ck_assert_int_eq(getsockname(fd, &ca.u.sa, &al), 0);
	ca.len = al;
	write_all(fd, "\r\n\r\n", 4);
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.keepalives_answered == 1), 2000));
	d = tcp_dest(&ca, 0);
	memset(chunk, 'z', sizeof chunk);
	for (i = 0; i < 1000 && r == 0; i++)
		r = esip_transport_send(h.t, &d, chunk, sizeof chunk, h.now, &conn);
	ck_assert_int_eq(r, ESIP_ELIMIT);
	ck_assert(!esip_transport_conn_alive(h.t, conn));
	ck_assert_int_eq(h.nclosed, 0); /* never inside send */
	ck_assert(H_PUMP(&h, h.nclosed == 1, 2000));
	ck_assert_uint_eq(h.closed_conn[0], conn);
	ck_assert_int_eq(h.closed_err[0], ESIP_ELIMIT);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_buffer_overflows, 1);
	close(fd);
	h_fini(&h);
}
END_TEST

/* Suspected in issue 13: output queues were bounded per connection only
 * (1024 x 1 MiB).  max_tcp_output bounds them all together: a send that
 * would pass it is refused (ESIP_ELIMIT, counted) and, as nothing of it
 * was written, its connection lives on; room comes back as peers read. */
START_TEST(tcp_output_total_limit)
{
	harness h;
	esip_transport_config c;
	esip_transport_stats st;
	esip_conn_info ca, cb;
	esip_addr la;
	esip_dest da, db;
	char req[1024];
	static char chunk[16384], sink[65536];
	int fa, fb, n, i, r = 0;
	uint32_t a, b;

	esip_transport_config_init(&c);
	c.max_tcp_buffer = 256 * 1024;
	c.max_tcp_output = 384 * 1024;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fa = client(&la, 4096);
	fb = client(&la, 4096);
	n = h_mkreq(req, sizeof req, 1, "");
	write_all(fa, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 1, 2000));
	write_all(fb, req, (size_t)n);
	ck_assert(H_PUMP(&h, h.nrecv == 2, 2000));
	a = h.recv[0].rx.conn;
	b = h.recv[1].rx.conn;
	da = tcp_dest(NULL, a);
	db = tcp_dest(NULL, b);
	memset(chunk, 'z', sizeof chunk);
	/* a's peer does not read: its queue passes half the total */
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(esip_transport_conn_info(h.t, a, &ca), 0);
		if (ca.queued >= 192 * 1024)
			break;
		ck_assert_int_eq(esip_transport_send(h.t, &da, chunk, sizeof chunk, h.now, NULL), 0);
	}
	ck_assert_uint_lt(ca.queued, c.max_tcp_buffer);
	/* b's peer neither: b is refused at the total, below its own limit */
	for (i = 0; i < 1000 && r == 0; i++)
		r = esip_transport_send(h.t, &db, chunk, sizeof chunk, h.now, NULL);
	ck_assert_int_eq(r, ESIP_ELIMIT);
	ck_assert_int_eq(esip_transport_conn_info(h.t, b, &cb), 0);
	ck_assert_uint_lt(cb.queued + sizeof chunk, c.max_tcp_buffer);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_output_full, 1);
	ck_assert_uint_eq(st.tcp_buffer_overflows, 0);
	ck_assert_uint_eq(st.tcp_out_queued, ca.queued + cb.queued);
	ck_assert_uint_le(st.tcp_out_queued, c.max_tcp_output);
	ck_assert_uint_gt(st.tcp_out_queued + sizeof chunk, c.max_tcp_output);
	/* both live on: nothing of the refused message was written */
	ck_assert(!H_PUMP(&h, h.nclosed > 0, 20));
	ck_assert(esip_transport_conn_alive(h.t, a) && esip_transport_conn_alive(h.t, b));
	/* a's peer reads it all: the room is back */
	{
		uint64_t end = h_real_ms() + 5000;
		do {
			harness *hs[1] = {&h};
			while (recv(fa, sink, sizeof sink, 0) > 0)
				;
			h_round(hs, 1, 1);
			esip_transport_get_stats(h.t, &st);
		} while (st.tcp_out_queued > cb.queued && h_real_ms() < end);
	}
	ck_assert_uint_eq(st.tcp_out_queued, cb.queued);
	ck_assert_int_eq(esip_transport_send(h.t, &db, chunk, sizeof chunk, h.now, NULL), 0);
	/* closed connections give their bytes back */
	close(fa);
	close(fb);
	ck_assert(H_PUMP(&h, h.nclosed == 2, 2000));
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.tcp_out_queued, 0);
	h_fini(&h);
}
END_TEST

/* A recv callback that answers on the connection and fails it (limit)
 * while its message is still being looked at: no use after free. */
typedef struct echo_ctx {
	harness h;
	int sends;
} echo_ctx;

static void echo_recv(void *ud, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now)
{
	echo_ctx *e = ud;
	esip_dest d;
	static char big[8192];
	int r;

	h_recv_cb(&e->h, m, rc, rx, now);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_TCP;
	d.conn = rx->conn;
	d.addr = rx->peer;
	memset(big, 'q', sizeof big);
	do {
		r = esip_transport_send(e->h.t, &d, big, sizeof big, now, NULL);
		e->sends++;
	} while (r == 0 && e->sends < 10000);
	/* the message must still be readable */
	ck_assert(m->buf[0] == 'O');
	ck_assert_uint_gt(m->len, 0);
}

START_TEST(tcp_fail_inside_callback)
{
	echo_ctx e;
	esip_transport_config c;
	esip_transport_callbacks cb = {.recv = echo_recv, .conn_closed = h_closed_cb};
	esip_addr la;
	char req[1024];
	int fd, n;
	esip_transport_stats st;

	memset(&e, 0, sizeof e);
	esip_transport_config_init(&c);
	c.max_tcp_buffer = 32 * 1024;
	esip_timerwheel_init(&e.h.wheel, 0);
	ck_assert_int_eq(esip_transport_new(&c, &cb, &e, &e.h.wheel, &e.h.t), 0);
	ck_assert_uint_ne(h_listen(&e.h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 4096);
	n = h_mkreq(req, sizeof req, 1, "");
	write_all(fd, req, (size_t)n);
	write_all(fd, req, (size_t)n); /* a second message in the same read */
	ck_assert(H_PUMP(&e.h, e.h.nclosed == 1, 2000));
	ck_assert_int_eq(e.h.closed_err[0], ESIP_ELIMIT);
	ck_assert_int_le(e.h.nrecv, 2);
	ck_assert_int_ge(e.h.nrecv, 1);
	/* process() may not be nested */
	esip_transport_get_stats(e.h.t, &st);
	ck_assert_uint_eq(st.tcp_open, 0);
	close(fd);
	h_fini(&e.h);
}
END_TEST

static void nested_recv(void *ud, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now)
{
	harness *h = ud;

	h_recv_cb(h, m, rc, rx, now);
	ck_assert_int_eq(esip_transport_process(h->t, now), ESIP_ESTATE);
}

START_TEST(process_not_reentrant)
{
	harness h;
	esip_transport_callbacks cb = {.recv = nested_recv};
	esip_addr la;
	int fd;

	memset(&h, 0, sizeof h);
	ck_assert_int_eq(esip_transport_new(NULL, &cb, &h, NULL, &h.t), 0);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client_with_request(&h, &la);
	close(fd);
	h_fini(&h);
}
END_TEST

/* accept() out of descriptors (EMFILE): the listener pauses instead of
 * spinning, retries 100 ms later on the wheel, and takes the waiting
 * connections once descriptors are back. */
START_TEST(tcp_accept_emfile)
{
	harness h;
	esip_addr la;
	struct rlimit old, low;
	struct pollfd p;
	int fds[6], i, maxfd = 0;
	esip_transport_stats st;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	for (i = 0; i < 6; i++) {
		fds[i] = client(&la, 0);
		if (fds[i] > maxfd)
			maxfd = fds[i];
	}
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)maxfd + 3; /* room for two accepted sockets */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.tcp_accepted == 2), 2000));
	h_round((harness *[]){&h}, 1, 5);
	/* paused: the epoll fd is quiet although 4 connections wait */
	p.fd = esip_transport_fd(h.t);
	p.events = POLLIN;
	ck_assert_int_eq(poll(&p, 1, 20), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	ck_assert_int_eq(poll(&p, 1, 20), 0);
	h_advance(&h, 100); /* the retry */
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st), st.tcp_accepted == 6), 2000));
	ck_assert_uint_eq(st.tcp_open, 6);
	for (i = 0; i < 6; i++)
		close(fds[i]);
	h_fini(&h);
}
END_TEST

/* Allocation failures anywhere in a TCP exchange (transport, connection,
 * framer buffer, output queue): an error or a closed connection, never a
 * crash or a leak. */
static int sweep_once(long fail_at, long *count)
{
	test_alloc ta;
	harness h;
	esip_transport_config c;
	esip_transport_callbacks cb = {.recv = h_recv_cb, .conn_closed = h_closed_cb};
	esip_addr a, la;
	esip_dest d;
	char req[512];
	int fd, n, r, i;
	uint32_t lid;

	test_alloc_init(&ta, fail_at);
	esip_transport_config_init(&c);
	c.alloc = &ta.a;
	memset(&h, 0, sizeof h);
	esip_timerwheel_init(&h.wheel, 0);
	r = esip_transport_new(&c, &cb, &h, &h.wheel, &h.t);
	if (r < 0) {
		ck_assert_int_eq(r, ESIP_ENOMEM);
		ck_assert_int_eq(ta.live, 0);
		*count = ta.count;
		return 0;
	}
	ck_assert_int_eq(esip_addr_parse(&a, "127.0.0.1:0"), 0);
	ck_assert_int_eq(esip_transport_listen(h.t, ESIP_TP_TCP, &a, &lid), 0);
	ck_assert_int_eq(esip_transport_local_addr(h.t, lid, &la), 0);
	fd = client(&la, 0);
	n = h_mkreq(req, sizeof req, 1, "x");
	write_all(fd, req, (size_t)n);
	(void)H_PUMP(&h, h.nrecv == 1 || h.nclosed == 1 ||
			 (esip_transport_get_stats(h.t, &(esip_transport_stats){0}), 0), 300);
	if (h.nrecv == 1) {
		/* answer with more than the socket takes at once: output queue */
		static char big[1 << 20];
		d = tcp_dest(&h.recv[0].rx.peer, h.recv[0].rx.conn);
		for (i = 0; i < 8; i++)
			if (esip_transport_send(h.t, &d, big, sizeof big, h.now, NULL) < 0)
				break;
		h_round((harness *[]){&h}, 1, 1);
	}
	close(fd);
	h_fini(&h);
	ck_assert_int_eq(ta.live, 0);
	*count = ta.count;
	return 1;
}

START_TEST(tcp_alloc_failures)
{
	long total = 0, i, cnt;

	(void)sweep_once(0, &total);
	ck_assert_int_gt(total, 0);
	if (getenv("ESIP_TEST_LOG"))
		fprintf(stderr, "sweep: %ld allocations\n", total);
	for (i = 1; i <= total; i++)
		(void)sweep_once(i, &cnt);
}
END_TEST

/* esip_transport_free with live, connecting and closing connections and
 * queued output: no callback, nothing left (ASan/LSan watch). */
START_TEST(tcp_free_busy)
{
	harness h;
	esip_addr la;
	esip_dest d;
	int fd, i;
	static char chunk[65536];
	int called;
	esip_transport_stats st;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_TCP, "127.0.0.1", &la), 0);
	fd = client(&la, 4096);
	write_all(fd, "\r\n\r\n", 4);
	d = tcp_dest(&la, 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(esip_transport_send(h.t, &d, chunk, sizeof chunk, h.now, NULL), 0);
	ck_assert(H_PUMP(&h, (esip_transport_get_stats(h.t, &st),
			      st.tcp_accepted == 2 && st.tcp_connected == 1), 2000));
	ck_assert_uint_eq(esip_timerwheel_count(&h.wheel), 3);
	called = h.nclosed;
	esip_transport_free(h.t);
	h.t = NULL;
	ck_assert_int_eq(h.nclosed, called);
	ck_assert_uint_eq(esip_timerwheel_count(&h.wheel), 0);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-tcp");
	TCase *tc = tcase_create("tcp");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, tcp_accept_in_out_v4);
	tcase_add_test(tc, tcp_accept_in_out_v6);
	tcase_add_test(tc, tcp_client_reuse_v4);
	tcase_add_test(tc, tcp_client_reuse_v6);
	tcase_add_test(tc, tcp_many_in_one_write);
	tcase_add_test(tc, tcp_split_writes);
	tcase_add_test(tc, tcp_partial_writes);
	tcase_add_test(tc, tcp_sends_wait_for_the_flush);
	tcase_add_test(tc, tcp_peer_closes_mid_message);
	tcase_add_test(tc, tcp_connect_refused);
	tcase_add_test(tc, tcp_connect_timeout);
	tcase_add_test(tc, tcp_idle_timeout);
	tcase_add_test(tc, tcp_idle_in_use);
	tcase_add_test(tc, tcp_idle_outlives_keepalive);
	tcase_add_test(tc, tcp_msg_timeout_stalled);
	tcase_add_test(tc, tcp_msg_timeout_trickle);
	tcase_add_test(tc, tcp_msg_timeout_per_message);
	tcase_add_test(tc, tcp_idle_stray_crlf);
	tcase_add_test(tc, tcp_conns_per_ip);
	tcase_add_test(tc, tcp_conns_per_ip_outgoing);
	tcase_add_test(tc, tcp_ping_pong);
	tcase_add_test(tc, tcp_keepalive_client);
	tcase_add_test(tc, tcp_crossing_pings);
	tcase_add_test(tc, tcp_bad_framing);
	tcase_add_test(tc, tcp_many_connections);
	tcase_add_test(tc, tcp_buffer_limit);
	tcase_add_test(tc, tcp_output_total_limit);
	tcase_add_test(tc, tcp_fail_inside_callback);
	tcase_add_test(tc, process_not_reentrant);
	tcase_add_test(tc, tcp_free_busy);
	tcase_add_test(tc, tcp_accept_emfile);
	tcase_add_test(tc, tcp_alloc_failures);
	suite_add_tcase(s, tc);
	return test_run(&s, 1);
}
