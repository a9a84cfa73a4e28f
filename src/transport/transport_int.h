/*
 * transport_int.h - the socket transports' shared object, internal to
 * src/transport (transport.c: epoll, listeners, dispatch; udp.c; tcp.c;
 * resolve.c).
 *
 * epoll layout: one epoll fd per transport (esip_transport_fd), level-
 * triggered.  Each registration's data.u64 is (kind << 32) | id:
 *   EV_UDP  listener id   EPOLLIN, + EPOLLOUT while datagrams wait (EAGAIN)
 *   EV_TCPL listener id   EPOLLIN (dropped while accept() says EMFILE)
 *   EV_CONN connection id EPOLLIN, + EPOLLOUT while connecting or queued
 *   EV_WAKE 0             the eventfd: deferred conn_closed, resolver results
 * Ids, not pointers, so an event for a connection closed earlier in the
 * same batch finds nothing instead of freed memory.
 */
#ifndef ESIP_TRANSPORT_INT_H
#define ESIP_TRANSPORT_INT_H

#include <esip/transport.h>

#include <sys/epoll.h>

#include <stdarg.h>
#include <sys/socket.h>

enum { EV_UDP = 1, EV_TCPL, EV_CONN, EV_WAKE, EV_WATCH };

#define EV_DATA(kind, id) (((uint64_t)(kind) << 32) | (uint32_t)(id))

/* Readiness events taken per epoll_wait. */
#define EPOLL_BATCH 64

/* A system call interrupted by a signal is retried this many times. */
#define EINTR_RETRIES 8

/* ---- UDP send queue (per UDP listener) --------------------------- */

typedef struct udp_pending {
	size_t off;    /* into udp_txq.bytes */
	size_t len;
	esip_addr to;
} udp_pending;

typedef struct udp_txq {
	char *bytes;        /* pending datagrams back to back */
	size_t blen, bcap;
	udp_pending *ents;  /* [head, n) wait to be sent */
	size_t head, n, cap;
	bool blocked;       /* EAGAIN seen: EPOLLOUT registered */
} udp_txq;

typedef struct listener {
	uint32_t id;        /* index + 1; 0 = free entry */
	esip_tp tp;
	int fd;
	esip_addr local;
	bool paused;        /* TCP: EPOLLIN off after EMFILE/ENFILE */
	udp_txq q;          /* UDP */
} listener;

/* ---- TCP connections ----------------------------------------------- */

enum { CONN_CONNECTING = 1, CONN_OPEN, CONN_DEAD };

typedef struct tcp_conn {
	uint32_t id;
	int fd;
	uint8_t state;
	bool outgoing;
	bool want_out;      /* EPOLLOUT registered */
	bool await_pong;    /* RFC 5626 4.4.1: we pinged, no pong yet */
	bool corked;        /* output waits in t->corked for the next flush */
	uint32_t listener;
	esip_addr peer, local;
	esip_framer fr;
	char *out;          /* output queue [out_off, out_len) */
	size_t out_off, out_len, out_cap;
	esip_timer timer;   /* connect timeout, then idle (re-armed lazily) */
	uint64_t last_active;
	uint64_t last_pong;
	int close_err;
	struct esip_transport *t;
	struct tcp_conn *hnext;  /* remote-address hash chain */
	struct tcp_conn *inext;  /* accepted: source IP address chain */
	bool ip_indexed;         /* in that chain */
	bool msg_open;           /* a message has begun and is not complete */
	uint64_t msg_start;      /* `now` of its first byte */
	struct tcp_conn *dnext;  /* closed, conn_closed pending */
} tcp_conn;

typedef struct resolver resolver;

struct esip_transport {
	esip_transport_config cfg;
	esip_transport_callbacks cb;
	void *ud;
	const esip_allocator *a;
	esip_timerwheel *wheel;
	int epfd, evfd;
	bool in_process, wake_pending;
	/* esip_transport_wait: events it collected, handled by the next
	 * process(); esip_transport_watch: the owner's fd and callback */
	struct epoll_event waited[EPOLL_BATCH];
	int n_waited;
	bool have_waited;   /* waited[0, n_waited) is a wait's result, maybe
			     * empty (a timeout: nothing is ready, no second
			     * epoll_wait either) */
	void (*watch_cb)(void *ud);
	void *watch_ud;
	uint64_t now;

	listener ls[ESIP_TRANSPORT_MAX_LISTENERS];

	/* UDP receive batch: udp_batch buffers of max_udp_size bytes */
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	esip_addr *rx_from;
	char *rx_buf;
	struct mmsghdr *tx_msgs;
	struct iovec *tx_iov;
	esip_hdr *hdrs;      /* limits.max_headers entries, one message at a time */

	/* connection table: slot = id & slot_mask, the rest of the id a
	 * per-slot generation, so ids are not reused quickly and lookup is O(1) */
	tcp_conn **slots;
	uint32_t *slot_gen;
	uint32_t *free_ring; /* FIFO of free slots: reuse spreads over all of them */
	uint32_t nslots, slot_bits, free_head, free_count;
	tcp_conn **buckets;  /* remote address -> live connections */
	tcp_conn **ip_buckets; /* source IP address -> accepted connections */
	esip_hash_key hkey;  /* random: the buckets' SipHash key */
	uint32_t nconns;
	uint64_t out_queued; /* output bytes queued on all connections */
	tcp_conn *dead_head, *dead_tail;
	/* connections whose output waits for the next flush (ids: one that
	 * dies meanwhile is not found again) */
	uint32_t *corked;
	size_t n_corked, corked_cap;
	esip_timer accept_retry; /* resumes listeners paused by EMFILE */

	resolver *res;
	esip_transport_stats st;
};

/* transport.c */
void esip__tp_log(esip_transport *t, esip_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void esip__tp_wake(esip_transport *t);
int esip__tp_epoll(esip_transport *t, int op, int fd, uint32_t events, uint64_t data);
listener *esip__tp_listener(esip_transport *t, uint32_t id);
const listener *esip__tp_listener_for(const esip_transport *t, esip_tp tp, int family);
void esip__tp_deliver(esip_transport *t, esip_msg *m, int rc, const esip_rx_info *rx);

/* udp.c */
int esip__udp_open(esip_transport *t, listener *l);
void esip__udp_readable(esip_transport *t, listener *l);
void esip__udp_errqueue(esip_transport *t, listener *l);
void esip__udp_writable(esip_transport *t, listener *l);
int esip__udp_send(esip_transport *t, const esip_dest *dest, const void *bytes, size_t len);
void esip__udp_flush(esip_transport *t, listener *l);
void esip__udp_close(esip_transport *t, listener *l);

/* conn.c: the connection table and lifecycle */
int esip__tcp_init(esip_transport *t);
void esip__tcp_deinit(esip_transport *t);
tcp_conn *esip__tcp_lookup(const esip_transport *t, uint32_t id);
tcp_conn *esip__conn_find_addr(const esip_transport *t, const esip_addr *a);
/* The address table's bucket of a (keyed: see conn.c). */
uint32_t esip__conn_bucket(const esip_transport *t, const esip_addr *a);
/* Accepted connections from a's IP address (any port); adding one. */
uint32_t esip__conn_count_ip(const esip_transport *t, const esip_addr *a);
void esip__conn_ip_add(esip_transport *t, tcp_conn *c);
/* A message began on c (its first byte arrived now), or none is open:
 * the deadline of tcp_msg_timeout_ms follows it. */
void esip__conn_msg_state(esip_transport *t, tcp_conn *c, bool begun, bool open);
/* A new connection in both tables and the epoll set, its timer armed;
 * NULL (fd left open) over max_tcp_conns or out of memory. */
tcp_conn *esip__conn_new(esip_transport *t, int fd, const esip_addr *peer, uint8_t state);
/* Closes c now; its conn_closed comes at the next reap. */
void esip__conn_kill(esip_transport *t, tcp_conn *c, int err);
void esip__tcp_reap(esip_transport *t);
void esip__tcp_resume_listeners(esip_transport *t);

/* tcp.c: sockets and I/O */
int esip__tcp_open(esip_transport *t, listener *l);
void esip__tcp_acceptable(esip_transport *t, listener *l);
void esip__tcp_event(esip_transport *t, uint32_t id, uint32_t events);
int esip__tcp_send(esip_transport *t, const esip_dest *dest, const void *bytes, size_t len,
		   uint32_t *conn_out);
/* Writes what the sends since the last flush queued on open connections
 * (one send() per connection for all of them). */
void esip__tcp_flush(esip_transport *t);

/* resolve.c */
void esip__resolve_deliver(esip_transport *t);
void esip__resolve_free(esip_transport *t);

#endif
