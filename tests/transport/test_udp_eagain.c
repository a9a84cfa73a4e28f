/* The UDP send queue when the kernel says EAGAIN or refuses a datagram.
 * Loopback UDP never blocks, so sendmmsg is wrapped (-Wl,--wrap=sendmmsg)
 * to play the kernel; everything else is real sockets. */
#include "tp_harness.h"

#include <esip/transport.h>

int __real_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags);
int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags);

static int fail_eagain; /* calls still to fail with EAGAIN */
static int fail_hard;   /* calls still to fail with hard_errno */
static int hard_errno = EMSGSIZE;
static int calls;

int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags)
{
	calls++;
	if (fail_eagain > 0) {
		fail_eagain--;
		errno = EAGAIN;
		return -1;
	}
	if (fail_hard > 0) {
		fail_hard--;
		errno = hard_errno;
		return -1;
	}
	return __real_sendmmsg(fd, v, n, flags);
}

static int count_datagrams(int fd, int want)
{
	char buf[2048];
	int got = 0;

	while (got < want && net_readable(fd, 1000) && recv(fd, buf, sizeof buf, 0) > 0)
		got++;
	return got;
}

START_TEST(eagain_keeps_and_retries)
{
	harness h;
	esip_addr pa;
	esip_dest d;
	esip_transport_stats st;
	struct pollfd p;
	int fd, i;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", NULL), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = pa;
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(esip_transport_send(h.t, &d, "hello", 5, h.now, NULL), 0);
	calls = 0;
	fail_eagain = 1;
	esip_transport_flush(h.t);
	ck_assert_int_eq(calls, 1); /* one try, no loop */
	esip_transport_flush(h.t);
	ck_assert_int_eq(calls, 1); /* blocked: flush waits for EPOLLOUT */
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_datagrams_out, 0);
	/* the socket is writable: the epoll fd says so, process() sends */
	p.fd = esip_transport_fd(h.t);
	p.events = POLLIN;
	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	ck_assert_int_ge(esip_transport_process(h.t, h.now), 1);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(count_datagrams(fd, 10), 10);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_datagrams_out, 10);
	/* EPOLLOUT is off again: the fd goes quiet */
	ck_assert_int_eq(esip_transport_process(h.t, h.now), 0);
	ck_assert_int_eq(poll(&p, 1, 20), 0);
	close(fd);
	h_fini(&h);
}
END_TEST

START_TEST(eagain_queue_bounded)
{
	harness h;
	esip_transport_config c;
	esip_dest d;
	esip_transport_stats st;
	static char dg[1000];
	int i, r = 0;

	esip_transport_config_init(&c);
	c.max_udp_queue = 10000;
	h_init(&h, &c);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", NULL), 0);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	ck_assert_int_eq(esip_addr_parse(&d.addr, "127.0.0.1:9"), 0);
	fail_eagain = 1000000;
	for (i = 0; i < 100 && r == 0; i++) {
		r = esip_transport_send(h.t, &d, dg, sizeof dg, h.now, NULL);
		esip_transport_flush(h.t);
	}
	ck_assert_int_eq(r, ESIP_ELIMIT);
	ck_assert_int_eq(i, 11); /* 10 x 1000 bytes fit */
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_queue_full, 1);
	fail_eagain = 0;
	h_fini(&h); /* queued datagrams are dropped, nothing leaks */
}
END_TEST

/* Five datagrams in one flush; the kernel refuses the first `fails`
 * calls with err: how many arrive, how many were counted as refused. */
static void hard_errors(int err, int fails, int calls_seen, int arrive)
{
	harness h;
	esip_addr pa;
	esip_dest d;
	esip_transport_stats st;
	int fd, i;

	h_init(&h, NULL);
	ck_assert_uint_ne(h_listen(&h, ESIP_TP_UDP, "127.0.0.1", NULL), 0);
	fd = net_peer_sock(SOCK_DGRAM, "127.0.0.1", &pa);
	memset(&d, 0, sizeof d);
	d.tp = ESIP_TP_UDP;
	d.addr = pa;
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(esip_transport_send(h.t, &d, "hello", 5, h.now, NULL), 0);
	hard_errno = err;
	fail_hard = fails;
	calls = 0;
	esip_transport_flush(h.t);
	hard_errno = EMSGSIZE;
	ck_assert_int_eq(calls, calls_seen);
	ck_assert_int_eq(count_datagrams(fd, arrive), arrive);
	esip_transport_get_stats(h.t, &st);
	ck_assert_uint_eq(st.udp_send_errors, (uint64_t)(5 - arrive));
	ck_assert_uint_eq(st.udp_datagrams_out, (uint64_t)arrive);
	close(fd);
	h_fini(&h);
}

/* A datagram the kernel refuses twice is dropped (the first refusal may
 * be an earlier datagram's ICMP error left pending: see the next test). */
START_TEST(hard_error_drops_one)
{
	hard_errors(EMSGSIZE, 2, 3, 4);
}
END_TEST

/* RFC 3261 18.4: an ICMP error for an earlier datagram is reported (once)
 * by the next send; that datagram is not to blame and goes on the retry. */
START_TEST(pending_error_not_blamed)
{
	hard_errors(ECONNREFUSED, 1, 2, 5);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-udp-eagain");
	TCase *tc = tcase_create("eagain");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, eagain_keeps_and_retries);
	tcase_add_test(tc, eagain_queue_bounded);
	tcase_add_test(tc, hard_error_drops_one);
	tcase_add_test(tc, pending_error_not_blamed);
	suite_add_tcase(s, tc);
	return test_run(&s, 1);
}
