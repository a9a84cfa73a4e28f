/*
 * tp_harness.h - helpers for the socket transport suites: a transport
 * with recording callbacks, a bounded pump (poll on the epoll fd, then
 * esip_transport_process) and plain-socket peers.  Every wait is bounded
 * in real time; the timer wheel runs on a fake clock the test controls.
 */
#ifndef ESIP_TP_HARNESS_H
#define ESIP_TP_HARNESS_H

#include "netpeer.h"
#include "testutil.h"

#include <esip/transport.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define H_MAX_REC 1024

typedef struct h_rec {
	int rc;
	uint32_t flags;
	esip_rx_info rx;
	uint32_t cseq;
	char *bytes; /* copy of the message (m->buf, m->len or the parse input) */
	size_t len;
} h_rec;

typedef struct harness {
	esip_transport *t;
	esip_timerwheel wheel;
	uint64_t now; /* the fake clock */
	int nrecv;
	h_rec recv[H_MAX_REC];
	int nclosed;
	uint32_t closed_conn[H_MAX_REC];
	int closed_err[H_MAX_REC];
	int ntrace_in, ntrace_out;
	/* the owner's answer to conn_in_use, and what it was asked */
	bool in_use;
	int n_in_use;
	uint32_t in_use_conn;
	/* unreachable reports */
	int nunreach;
	esip_tp unreach_tp;
	esip_addr unreach_dst;
	int unreach_err;
} harness;

static inline uint64_t h_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void h_recv_cb(void *ud, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now)
{
	harness *h = ud;
	h_rec *r;

	(void)now;
	if (h->nrecv >= H_MAX_REC)
		return;
	r = &h->recv[h->nrecv++];
	r->rc = rc;
	r->flags = m->flags;
	r->rx = *rx;
	r->cseq = m->cseq;
	r->len = m->buf ? m->len : 0;
	r->bytes = malloc(r->len + 1);
	if (r->len)
		memcpy(r->bytes, m->buf, r->len);
	r->bytes[r->len] = 0;
}

static void h_closed_cb(void *ud, uint32_t conn, int err, uint64_t now)
{
	harness *h = ud;

	(void)now;
	if (h->nclosed >= H_MAX_REC)
		return;
	h->closed_conn[h->nclosed] = conn;
	h->closed_err[h->nclosed++] = err;
}

static void h_trace_cb(void *ud, bool out, esip_tp tp, const esip_addr *local,
		       const esip_addr *peer, const void *bytes, size_t len)
{
	harness *h = ud;

	(void)tp, (void)local, (void)peer, (void)bytes, (void)len;
	if (out)
		h->ntrace_out++;
	else
		h->ntrace_in++;
}

static void h_log_cb(void *ud, esip_log_level level, const char *msg)
{
	(void)ud;
	if (getenv("ESIP_TEST_LOG"))
		fprintf(stderr, "[%d] %s\n", level, msg);
}

static bool h_in_use_cb(void *ud, uint32_t conn, uint64_t now)
{
	harness *h = ud;

	(void)now;
	h->n_in_use++;
	h->in_use_conn = conn;
	return h->in_use;
}

static void h_unreach_cb(void *ud, esip_tp tp, const esip_addr *dst, int err, uint64_t now)
{
	harness *h = ud;

	(void)now;
	h->nunreach++;
	h->unreach_tp = tp;
	h->unreach_dst = *dst;
	h->unreach_err = err;
}

static inline void h_init(harness *h, const esip_transport_config *cfg)
{
	esip_transport_callbacks cb = {.recv = h_recv_cb,
				       .conn_closed = h_closed_cb,
				       .trace = h_trace_cb,
				       .log = h_log_cb,
				       .conn_in_use = h_in_use_cb,
				       .unreachable = h_unreach_cb};

	memset(h, 0, sizeof *h);
	h->now = 1000;
	esip_timerwheel_init(&h->wheel, h->now);
	ck_assert_int_eq(esip_transport_new(cfg, &cb, h, &h->wheel, &h->t), 0);
}

static inline void h_fini(harness *h)
{
	int i;

	esip_transport_free(h->t);
	for (i = 0; i < h->nrecv; i++)
		free(h->recv[i].bytes);
	h->t = NULL;
}

/* Listens on ip:0; returns the listener id, 0 when the address cannot be
 * bound (e.g. no ::1), *bound gets the address with its port. */
static inline uint32_t h_listen(harness *h, esip_tp tp, const char *ip, esip_addr *bound)
{
	esip_addr a;
	uint32_t id = 0;

	ck_assert_int_eq(esip_addr_parse(&a, ip), 0);
	if (esip_transport_listen(h->t, tp, &a, &id) < 0)
		return 0;
	if (bound)
		ck_assert_int_eq(esip_transport_local_addr(h->t, id, bound), 0);
	return id;
}

/* One round: poll the transports' fds (and an extra fd, -1 = none) for at
 * most wait_ms, then process each. */
static inline void h_round(harness **hs, int n, int wait_ms)
{
	struct pollfd p[8];
	int i;

	for (i = 0; i < n; i++) {
		p[i].fd = esip_transport_fd(hs[i]->t);
		p[i].events = POLLIN;
		p[i].revents = 0;
	}
	(void)poll(p, (nfds_t)n, wait_ms);
	for (i = 0; i < n; i++)
		ck_assert_int_ge(esip_transport_process(hs[i]->t, hs[i]->now), 0);
}

/* Pumps until cond holds or ms of real time have passed; evaluates to cond. */
#define H_PUMP_N(hs, n, cond, ms)                                              \
	({                                                                     \
		uint64_t h_end_ = h_real_ms() + (ms);                          \
		while (!(cond) && h_real_ms() < h_end_)                        \
			h_round((hs), (n), 5);                                 \
		(cond);                                                        \
	})
#define H_PUMP(h, cond, ms)                                                    \
	({                                                                     \
		harness *h_one_[1] = {(h)};                                    \
		H_PUMP_N(h_one_, 1, cond, ms);                                 \
	})

/* Advances the fake clock and runs the wheel. */
static inline void h_advance(harness *h, uint64_t ms)
{
	h->now += ms;
	esip_timerwheel_run(&h->wheel, h->now);
}

/* A request with a Content-Length body; returns its length. */
static inline int h_mkreq(char *buf, size_t cap, uint32_t cseq, const char *body)
{
	int n = snprintf(buf, cap,
			 "OPTIONS sip:bob@example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK%u\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: <sip:alice@example.com>;tag=a%u\r\n"
			 "To: <sip:bob@example.com>\r\n"
			 "Call-ID: call%u@example.com\r\n"
			 "CSeq: %u OPTIONS\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 cseq, cseq, cseq, cseq, strlen(body), body);
	ck_assert(n > 0 && (size_t)n < cap);
	return n;
}

#endif
