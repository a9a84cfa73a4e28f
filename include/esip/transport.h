/*
 * esip/transport.h - the socket transports: UDP and TCP listeners and
 * connections on one epoll fd, and the asynchronous resolver.
 *
 * The pure half (transport kinds, addresses, esip_rx_info, esip_dest, the
 * 18.2.2 routing rules, the Via stamp, target selection) is esip/net.h,
 * included here; the sans-I/O layers use that one alone.
 */
#ifndef ESIP_TRANSPORT_H
#define ESIP_TRANSPORT_H

#include <esip/core.h>
#include <esip/net.h>
#include <esip/parser.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * These open sockets.  One esip_transport is one set of listening sockets,
 * TCP connections and an epoll fd, used from ONE thread (the owner's loop;
 * only the resolver's own worker thread runs beside it).  It knows nothing
 * about transactions: messages come out through the callbacks, bytes go in
 * through esip_transport_send().  No process-global state: a process may
 * hold several transports.
 *
 * Callbacks: every callback (recv, conn_closed, unreachable, resolver
 * results) runs inside esip_transport_process(), never inside
 * esip_transport_send() or a timer.  A callback may call
 * esip_transport_send, _flush, _resolve, _resolve_cancel and the getters;
 * it must not call esip_transport_process (ESIP_ESTATE) or
 * esip_transport_free.  The one exception is the query conn_in_use, asked
 * by the idle timer (see there).
 *
 * Time: `now` is the owner's monotonic clock in ms, the same one that runs
 * the timer wheel given to esip_transport_new().  The TCP connect and idle
 * timeouts are timers in that wheel, which the owner runs
 * (esip_timerwheel_run); an expiry closes the connection at once and its
 * conn_closed callback follows in the next esip_transport_process() (the
 * epoll fd is made readable for it).
 */

typedef struct esip_transport esip_transport;

/* Most listening sockets one transport holds. */
#define ESIP_TRANSPORT_MAX_LISTENERS 16

/* Every field: 0 = the default (so a zeroed struct is a valid config). */
typedef struct esip_transport_config {
	esip_parse_limits limits; /* per message, UDP and TCP (ESIP_PARSE_LIMITS_INIT;
				   * each 0 field takes its default) */
	uint32_t max_udp_size;    /* largest datagram read or sent: 65535; a larger
				   * one received is dropped and counted */
	uint32_t udp_batch;       /* datagrams per recvmmsg/sendmmsg call: 32 (max 1024) */
	uint32_t max_udp_queue;   /* per UDP listener: bytes of datagrams waiting
				   * for a blocked socket (EAGAIN): one batch of
				   * the largest, 32 * 65535 (about 2 MiB); over it
				   * a send fails with ESIP_ELIMIT.  While the
				   * socket is writable it binds nothing: a send
				   * that would pass it flushes the queue first */
	uint32_t mtu_threshold;   /* RFC 3261 18.1.1 "larger than 1300 bytes": 1300 */
	uint32_t udp_rcvbuf;      /* SO_RCVBUF asked for each UDP socket: 2 MiB (the
				   * kernel caps it at net.core.rmem_max); room for
				   * a burst while the loop is busy */
	uint32_t max_tcp_conns;   /* open TCP connections, both directions: 1024
				   * (max 1048576); an accept() beyond it closes
				   * the new connection, a connect beyond it is
				   * ESIP_ELIMIT */
	uint32_t tcp_idle_ms;     /* close a connection with no traffic for that
				   * long (unless conn_in_use says it is in use):
				   * 180000.  Traffic: bytes written; a message, a
				   * keep-alive or bytes of an unfinished message
				   * read (stray CR and LF octets between messages
				   * are none).  Why 180 s: RFC 5626 4.4.1 has a
				   * flow's client ping every 95 to 120 s by
				   * default, and the server wait longer than that
				   * for transport delay (5.4); 180 s outlives the
				   * 120 s bound with a minute to spare, so a flow
				   * kept alive is never closed (the old 64 s
				   * closed it).  Clients on battery ping every 672
				   * to 840 s (4.4.1): raise it for them */
	uint32_t tcp_connect_ms;  /* a connect() not completed by then fails: 32000 */
	uint32_t tcp_msg_timeout_ms; /* a message must be complete this long after
				   * its first byte: 16000; else the connection
				   * is closed (ESIP_ETIMEDOUT, tcp_msg_timeouts).
				   * A sender that stalls mid-message, or trickles
				   * a byte every few seconds (which the idle
				   * timeout never catches), holds a connection,
				   * a framer buffer and a slot; a whole message
				   * takes milliseconds on any link SIP runs on.
				   * Keep-alives between messages are not
				   * messages; conn_in_use does not excuse it */
	uint32_t max_tcp_conns_per_ip; /* accepted connections open at once from
				   * one source IP address (any port; IPv6: the
				   * whole address): 64.  An accept() beyond it
				   * closes the new connection at once
				   * (tcp_rejected_per_ip), so one address cannot
				   * hold the table of max_tcp_conns.  Outgoing
				   * connections do not count */
	uint32_t max_tcp_buffer;  /* per connection: output bytes queued (handed to
				   * esip_transport_send, not yet taken by the
				   * socket; the queue's memory never exceeds it):
				   * 1 MiB.  A send that would pass it fails the
				   * connection (ESIP_ELIMIT; a peer that does not
				   * read).  Output only: unparsed input is bounded
				   * by limits.max_msg_size through the framer,
				   * which holds at most one unfinished message
				   * plus one read of 16 KiB per connection */
	uint32_t max_tcp_output;  /* transport-wide: output bytes queued on all
				   * TCP connections together: 64 MiB (without it
				   * max_tcp_conns * max_tcp_buffer, 1 GiB).  A
				   * send that would pass it is refused with
				   * ESIP_ELIMIT and counted (tcp_output_full);
				   * its connection lives on unless part of that
				   * message was already written */
	uint32_t max_resolve;     /* resolver requests pending or undelivered: 64 */
	const esip_allocator *alloc; /* NULL = libc */
} esip_transport_config;

/* Fills c with the defaults above. */
void esip_transport_config_init(esip_transport_config *c);

typedef struct esip_transport_callbacks {
	/*
	 * One received message (UDP: one datagram; TCP: one framed message).
	 * rc > 0: it parsed (the bytes it spans).  rc < 0: the esip_err of a
	 * parse failure; if m->flags has ESIP_MSGF_FRAMED its boundaries and
	 * the up-front fields that did parse are known, so the owner may
	 * answer 400 statelessly (on TCP the stream goes on); without it the
	 * bytes were garbage (UDP only: a stream that cannot be framed is
	 * closed instead).  m, its views and rx are valid only during the call.
	 * Required.
	 */
	void (*recv)(void *ud, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now);
	/*
	 * A TCP connection closed or failed; the id is dead from now on (a
	 * send naming it opens a new connection to dest->addr, or fails).
	 * err: ESIP_ECLOSED (the peer closed, possibly mid-message),
	 * ESIP_ETRANSPORT (reset, refused, unreachable, any socket error),
	 * ESIP_ETIMEDOUT (connect timeout, idle timeout, or a message not
	 * complete within tcp_msg_timeout_ms), ESIP_ELIMIT (output over
	 * max_tcp_buffer or max_tcp_output), ESIP_ENOMEM, or the framer's
	 * error for a stream that cannot be framed (ESIP_ENO_CONTENT_LENGTH,
	 * ESIP_EBAD_CONTENT_LENGTH, ESIP_EMSG_TOO_BIG, ... esip_err_is_peer()).
	 * Not called for connections closed by esip_transport_free().
	 * Optional.
	 */
	void (*conn_closed)(void *ud, uint32_t conn, int err, uint64_t now);
	/*
	 * Every message as bytes, both directions: received as delivered to
	 * recv (also those that failed to parse), sent as handed to
	 * esip_transport_send (before it reaches the socket).  CRLF keep-alives
	 * are not traced.  local is the listener address for UDP and the
	 * socket address for TCP (unset while a connect is in progress).
	 * Optional.
	 */
	void (*trace)(void *ud, bool outgoing, esip_tp tp, const esip_addr *local,
		      const esip_addr *peer, const void *bytes, size_t len);
	/* Local failures (esip_log_level, esip/core.h); the peer's bad input
	 * is logged at ESIP_LOG_DEBUG at most.  msg is NUL-terminated.
	 * Optional. */
	void (*log)(void *ud, esip_log_level level, const char *msg);
	/*
	 * Asked when a TCP connection's idle timer expires (tcp_idle_ms with
	 * no traffic): true keeps the connection and re-arms the timer
	 * for another tcp_idle_ms, after which it is asked again; false (or no
	 * callback) closes it with ESIP_ETIMEDOUT.  A connection that carries
	 * a live transaction or dialog is not idle: an INVITE that got its 180
	 * may ring for minutes without a byte on its connection, and the final
	 * response must still find the connection (RFC 3261 18.2.2, 17.1.1).
	 * Runs in the owner's esip_timerwheel_run(), not in process(): a pure
	 * query, which must not call any esip_transport function.  Not asked
	 * while connecting, nor for the message deadline (tcp_msg_timeout_ms).
	 * Optional.
	 */
	bool (*conn_in_use)(void *ud, uint32_t conn, uint64_t now);
	/*
	 * RFC 3261 18.4: an ICMP host, network, port or protocol unreachable
	 * or parameter problem error came back for a datagram sent to dst
	 * (the address it was sent to, read from the UDP socket's error
	 * queue: IP_RECVERR / IPV6_RECVERR).  tp: ESIP_TP_UDP; err:
	 * ESIP_ETRANSPORT.  The owner fails what is waiting for dst instead
	 * of waiting for Timer B or F (8.1.3.1: a fatal transport error is
	 * treated as a 503).  TTL exceeded and source quench are ignored
	 * (18.4), and so is fragmentation needed (path MTU); they count in
	 * udp_icmp_ignored.  Runs inside esip_transport_process(), like recv.
	 * Optional (the errors are read and counted either way).
	 */
	void (*unreachable)(void *ud, esip_tp tp, const esip_addr *dst, int err, uint64_t now);
} esip_transport_callbacks;

/*
 * Creates a transport: an epoll fd and an eventfd, no socket yet.  c and cb
 * are copied (c may be NULL: defaults).  wheel is the owner's and must
 * outlive the transport; NULL disables the TCP connect and idle timeouts.
 * Returns 0, ESIP_EINVAL (cb or cb->recv NULL, out NULL), ESIP_ENOMEM or
 * ESIP_ESYS (epoll_create1, eventfd or getrandom failed; errno says why).
 */
int esip_transport_new(const esip_transport_config *c, const esip_transport_callbacks *cb,
		       void *ud, esip_timerwheel *wheel, esip_transport **out);

/*
 * Closes every socket and frees everything; no callback is called,
 * queued datagrams and TCP output are dropped, resolver requests are
 * cancelled.  Waits for the resolver thread unless a getaddrinfo() call
 * is in progress: then the thread is detached, finishes that call on its
 * own and frees its block (libc memory, see esip_transport_resolve).
 * NULL is a no-op.  Not from a callback.
 */
void esip_transport_free(esip_transport *t);

/*
 * Opens a listening socket: UDP (bound, non-blocking) or TCP (bound,
 * SO_REUSEADDR, listening; while accept() fails for want of descriptors
 * the listener pauses and retries after 100 ms on the wheel, or when a
 * connection closes).  IPv6 sockets are IPV6_V6ONLY: listen on
 * 0.0.0.0 and :: separately for both families.  Port 0 binds any free
 * port (esip_transport_local_addr tells which).  *listener (optional)
 * receives the listener id (1..ESIP_TRANSPORT_MAX_LISTENERS, never 0).
 * Returns 0, ESIP_ENOTSUP (TLS, SCTP, WS, WSS), ESIP_EINVAL (addr unset or
 * not IPv4/IPv6, tp NONE), ESIP_ELIMIT (ESIP_TRANSPORT_MAX_LISTENERS),
 * ESIP_ESYS (socket/bind/listen failed: errno, e.g. EADDRINUSE; logged).
 */
int esip_transport_listen(esip_transport *t, esip_tp tp, const esip_addr *addr,
			  uint32_t *listener);

/* The bound address of a listener (with the port chosen for port 0).
 * Returns 0 or ESIP_ENOTFOUND. */
int esip_transport_local_addr(const esip_transport *t, uint32_t listener, esip_addr *out);

/* The first listener of transport tp and address family (AF_INET,
 * AF_INET6, or 0 for any).  Returns 0 or ESIP_ENOTFOUND. */
int esip_transport_find_listener(const esip_transport *t, esip_tp tp, int family,
				 uint32_t *listener);

/* True if the transport has a listener of kind tp. */
bool esip_transport_has(const esip_transport *t, esip_tp tp);

/*
 * RFC 3261 18.1.1 for a REQUEST of len bytes meant for tp: UDP becomes TCP
 * when len > mtu_threshold and this transport has a TCP listener (the
 * caller then rewrites the Via transport before sending).  Any other tp is
 * returned unchanged.  Responses keep the transport of their request.
 */
esip_tp esip_transport_request_tp(const esip_transport *t, esip_tp tp, size_t len);

/*
 * The epoll fd to wait on for reading (poll/epoll/select): it is readable
 * whenever esip_transport_process() has work (a datagram, a connection, a
 * writable socket with queued output, a closed connection to report, a
 * resolver result).  Never close it.
 */
int esip_transport_fd(const esip_transport *t);

/*
 * Non-blocking: handles what is ready (bounded work per call: the epoll fd
 * stays readable if more is left), runs the callbacks, reports closed
 * connections and resolver results, then flushes queued datagrams.
 * Returns the number of readiness events handled (>= 0), ESIP_ESTATE when
 * called from one of its own callbacks, or ESIP_ESYS (epoll_wait failed).
 */
int esip_transport_process(esip_transport *t, uint64_t now);

/*
 * For a loop built on the transport alone (the stack's own thread): adds
 * the owner's fd (e.g. an eventfd it writes to wake the loop) to the
 * transport's epoll; cb runs inside esip_transport_process when fd is
 * readable (the owner drains it there).  One per transport.  Returns 0,
 * ESIP_EINVAL (a second one, bad arguments) or ESIP_ESYS.
 */
int esip_transport_watch(esip_transport *t, int fd, void (*cb)(void *ud), void *ud);

/*
 * Blocks up to timeout_ms (-1: no limit, 0: poll) until the transport has
 * work, and keeps the readiness it saw - also none, on a timeout - for
 * the next esip_transport_process(), which then needs no epoll_wait of
 * its own: one system call per wake-up instead of two (what becomes
 * ready in between is the next wait's).  Returns the number of events
 * seen (0 on timeout or EINTR), ESIP_ESTATE inside process, or ESIP_ESYS.
 */
int esip_transport_wait(esip_transport *t, int timeout_ms);

/*
 * Sends one message (bytes are copied or written before it returns).
 *  - UDP: from dest->listener, or when 0 from the first UDP listener of
 *    dest->addr's family; queued and sent in batches with sendmmsg at
 *    esip_transport_flush() (process() flushes at its end, a full batch
 *    flushes at once, and so does a send that would pass max_udp_queue).
 *    A socket that says EAGAIN keeps its datagrams and retries when
 *    writable (up to max_udp_queue bytes wait for it).
 *  - TCP: on dest->conn if it is open, else on an open connection to
 *    dest->addr (RFC 3261 18.1, 18.2.2: reused by remote address), else
 *    on a new non-blocking connection to dest->addr.  Queued, and written
 *    at esip_transport_flush() with whatever else went to that connection
 *    since (one send() for them all; process() flushes at its end); what
 *    the socket does not take waits until writable, or connected.
 * *conn_out (optional) receives the connection id (0 for UDP).
 * Returns 0 or:
 *   ESIP_EINVAL     bytes NULL with len > 0, dest NULL, no usable address,
 *                   UDP: len 0 or a destination of the other family;
 *   ESIP_ENOTSUP    TLS, SCTP, WS, WSS;
 *   ESIP_ENOTFOUND  UDP: no UDP listener of that family (or that id);
 *   ESIP_ELIMIT     UDP: len > max_udp_size, or the socket is blocked
 *                   and max_udp_queue bytes wait for it; TCP:
 *                   max_tcp_conns reached, the connection's output over
 *                   max_tcp_buffer (the connection is failed:
 *                   conn_closed follows), or all connections' output
 *                   over max_tcp_output (the message is dropped; the
 *                   connection is failed only if part of it was written);
 *   ESIP_ETRANSPORT TCP: dest->conn is dead and dest->addr is unset, or
 *                   the connect() failed at once (a write that fails
 *                   at the flush fails its connection: conn_closed);
 *   ESIP_ENOMEM, ESIP_ESYS (socket() failed, e.g. EMFILE).
 * A failure after this returns (refused, reset, timeout) comes as
 * conn_closed.
 */
int esip_transport_send(esip_transport *t, const esip_dest *dest, const void *bytes,
			size_t len, uint64_t now, uint32_t *conn_out);

/* Hands what is queued to the kernel now: the datagrams (sendmmsg per
 * listener) and each connection's output (a send() each).  Call it after
 * sends made outside esip_transport_process(). */
void esip_transport_flush(esip_transport *t);

/* True if connection id is open or connecting (not closed or failed). */
bool esip_transport_conn_alive(const esip_transport *t, uint32_t conn);

/* A live TCP connection, for the owner's bookkeeping and diagnostics. */
typedef struct esip_conn_info {
	esip_addr peer;
	esip_addr local;       /* unset while connecting */
	uint32_t listener;     /* accepted on it; outgoing: a TCP listener of
				* the family, or 0 */
	bool outgoing;
	bool connecting;
	size_t queued;         /* output bytes waiting for the socket */
	uint64_t last_active;  /* `now` of the last traffic (see tcp_idle_ms) */
	uint64_t last_pong;    /* `now` of the last RFC 5626 pong, 0 if none */
} esip_conn_info;

/* Returns 0 or ESIP_ENOTFOUND (not a live connection). */
int esip_transport_conn_info(const esip_transport *t, uint32_t conn, esip_conn_info *out);

/*
 * RFC 5626 4.4.1 client keep-alive: sends a CRLF CRLF ping on conn; the
 * next lone CRLF from the peer is the pong, seen at once although nothing
 * may follow it, and shows in last_pong and the stats.  A CRLF CRLF that
 * arrives meanwhile is the peer's own ping crossing ours: it is answered
 * with a CRLF and the pong is still awaited.  Whether and when to ping
 * (and what a missing pong means) is the owner's decision.
 * Returns 0, ESIP_ENOTFOUND (not a live connection) or a send error
 * (ESIP_ETRANSPORT, ESIP_ELIMIT: the connection is failed).
 */
int esip_transport_keepalive(esip_transport *t, uint32_t conn, uint64_t now);

/* Counters since esip_transport_new. */
typedef struct esip_transport_stats {
	uint64_t udp_datagrams_in, udp_bytes_in;
	uint64_t udp_datagrams_out, udp_bytes_out;
	uint64_t udp_recv_batches;     /* recvmmsg calls that returned datagrams */
	uint64_t udp_send_batches;     /* sendmmsg calls that sent datagrams */
	uint64_t udp_dropped_oversized;/* received datagrams over max_udp_size */
	uint64_t udp_keepalives;       /* CRLF-only datagrams ignored */
	uint64_t udp_send_errors;      /* datagrams the kernel refused (dropped) */
	uint64_t udp_unreachable;      /* ICMP errors of 18.4 (the unreachable callback) */
	uint64_t udp_icmp_ignored;     /* other ICMP or local errors read and ignored */
	uint64_t udp_queue_full;       /* sends refused with ESIP_ELIMIT: the socket
					* blocked and max_udp_queue full (dropped) */
	uint64_t tcp_accepted;         /* inbound connections accepted */
	uint64_t tcp_rejected;         /* inbound closed at once: max_tcp_conns */
	uint64_t tcp_rejected_per_ip;  /* inbound closed at once: max_tcp_conns_per_ip */
	uint64_t tcp_connected;        /* outbound connects completed */
	uint64_t tcp_connect_failed;   /* outbound that never connected */
	uint64_t tcp_closed;           /* connections closed, any reason */
	uint64_t tcp_idle_timeouts;    /* closed by the idle timer */
	uint64_t tcp_idle_kept;        /* idle expiries that conn_in_use kept open */
	uint64_t tcp_msg_timeouts;     /* closed: a message over tcp_msg_timeout_ms */
	uint64_t tcp_framing_errors;   /* streams closed for bad framing */
	uint64_t tcp_buffer_overflows; /* output over max_tcp_buffer */
	uint64_t tcp_output_full;      /* sends refused: max_tcp_output */
	uint64_t tcp_queued_sends;     /* sends that found their connection
				        * connecting or its output blocked */
	uint64_t tcp_msgs_in, tcp_msgs_out;
	uint64_t tcp_bytes_in, tcp_bytes_out;
	uint64_t keepalives_answered;  /* RFC 5626 CRLFCRLF pings answered */
	uint64_t keepalives_sent;      /* pings sent (esip_transport_keepalive) */
	uint64_t pongs_received;       /* RFC 5626 CRLF pongs */
	uint64_t parse_errors;         /* messages delivered with rc < 0 */
	uint64_t resolved, resolve_failed;
	uint64_t tcp_out_queued;       /* output bytes queued now, all connections */
	uint32_t tcp_open;             /* open or connecting now */
	uint32_t listeners;
} esip_transport_stats;

void esip_transport_get_stats(const esip_transport *t, esip_transport_stats *out);

/* Most addresses one resolver result carries. */
#define ESIP_RESOLVE_MAX_ADDRS 8

/*
 * A resolver result, on the loop thread inside esip_transport_process().
 * err 0: addrs[0..n) (n >= 1, each with the requested port, in
 * getaddrinfo's preference order, only families usable for tp: for UDP
 * those of a UDP listener); else ESIP_ERESOLVE (no such name, no usable
 * address, lookup failure) or ESIP_ENOMEM, with n == 0.  The array is
 * valid only during the call.
 */
typedef void (*esip_resolve_cb)(void *ud, int err, const esip_addr *addrs, size_t n);

/*
 * Resolves host (a name or a numeric IPv4/IPv6 literal, brackets allowed,
 * NUL-terminated) for port and tp without ever blocking the loop: names go
 * to a resolver thread (started on first use) that runs getaddrinfo();
 * numeric hosts are answered without it.  The result always comes later,
 * through cb inside esip_transport_process() (never from this call).
 * *req_id (optional) receives the request id (non-zero) for cancelling.
 * Returns 0, ESIP_EINVAL (host NULL, empty or longer than 255, cb NULL),
 * ESIP_ELIMIT (max_resolve requests outstanding), ESIP_ENOMEM or ESIP_ESYS
 * (the thread could not be started).
 * The queue shared with the thread is allocated with libc malloc, not
 * the transport's allocator, because an in-progress lookup may outlive
 * esip_transport_free().
 */
int esip_transport_resolve(esip_transport *t, const char *host, uint16_t port, esip_tp tp,
			   esip_resolve_cb cb, void *ud, uint64_t *req_id);

/* Cancels a request: its callback will not be called (also when its
 * lookup already finished but was not delivered).  Returns 0 or
 * ESIP_ENOTFOUND (unknown id, already delivered or cancelled). */
int esip_transport_resolve_cancel(esip_transport *t, uint64_t req_id);


#ifdef __cplusplus
}
#endif
#endif /* ESIP_TRANSPORT_H */
