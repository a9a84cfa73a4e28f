/*
 * tcp.c - TCP sockets: listeners, non-blocking accept and connect, one
 * esip_framer per connection (RFC 3261 18.3 framing, RFC 5626 3.5.1 CRLF
 * keep-alives), write queues with EPOLLOUT only while output waits.  The
 * connection table, lifecycle and timers are in conn.c.
 */
#include "transport_int.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define ACCEPT_PER_EVENT 64
#define READ_ROUNDS 8        /* recv() calls per readiness event */
#define READ_WANT 16384      /* bytes asked of the framer per recv() */
#define OUT_FIRST_CAP 4096   /* first output buffer: a message or two */
#define OUT_KEEP 65536       /* an empty output buffer larger than this is freed */
#define CORK_MAX 16384       /* output held for the flush: more goes at once */
#define ACCEPT_RETRY_MS 100  /* a listener paused by EMFILE tries again after */

/* ---- output ---------------------------------------------------------- */

/* EPOLLOUT only while connecting or while output is queued. */
static void conn_events(esip_transport *t, tcp_conn *c)
{
	bool want = c->state == CONN_CONNECTING || c->out_off < c->out_len;

	if (want != c->want_out &&
	    esip__tp_epoll(t, EPOLL_CTL_MOD, c->fd, EPOLLIN | (want ? EPOLLOUT : 0),
			   EV_DATA(EV_CONN, c->id)) == 0)
		c->want_out = want;
}

static int queue_append(esip_transport *t, tcp_conn *c, const char *p, size_t n)
{
	size_t live = c->out_len - c->out_off;

	if (c->out_off && c->out_len + n > c->out_cap) {
		memmove(c->out, c->out + c->out_off, live);
		c->out_off = 0;
		c->out_len = live;
	}
	/* the caller checked live + n against max_tcp_buffer: the buffer
	 * never grows past it */
	if (esip_grow(t->a, &c->out, &c->out_cap, c->out_len + n, 1, OUT_FIRST_CAP,
		      t->cfg.max_tcp_buffer) < 0)
		return ESIP_ENOMEM;
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	t->out_queued += n;
	return 0;
}

/* send() what the socket takes; returns bytes written or -1 after killing c. */
static long conn_sendsome(esip_transport *t, tcp_conn *c, const char *p, size_t n)
{
	size_t done = 0;
	int intr = 0;

	while (done < n) {
		/* MSG_NOSIGNAL: a peer that has gone gives EPIPE, not SIGPIPE */
		ssize_t r = send(c->fd, p + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR && ++intr < EINTR_RETRIES)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			esip__tp_log(t, ESIP_LOG_DEBUG, "TCP connection %u: send: %s", c->id,
				     strerror(errno));
			esip__conn_kill(t, c, ESIP_ETRANSPORT);
			return -1;
		}
		done += (size_t)r;
	}
	if (done) {
		t->st.tcp_bytes_out += done;
		c->last_active = t->now;
	}
	return (long)done;
}

static void conn_drain(esip_transport *t, tcp_conn *c);

/* Leaves c's output for the next flush; false if it cannot be noted (no
 * memory for the list: the caller writes now). */
static bool cork(esip_transport *t, tcp_conn *c)
{
	if (c->corked)
		return true;
	if (esip_grow(t->a, &t->corked, &t->corked_cap, t->n_corked + 1, sizeof *t->corked, 64,
		      SIZE_MAX) < 0)
		return false;
	t->corked[t->n_corked++] = c->id;
	c->corked = true;
	return true;
}

/*
 * Queues a message on c.  On an open connection that is not blocked it
 * goes out at the next flush (esip_transport_flush, the end of process),
 * with whatever else was sent to c meanwhile: one send() for the 180 and
 * the 200 of a call, or for every response of a batch of requests on one
 * connection; past CORK_MAX it goes at once, like a full UDP batch.
 * Connecting or blocked, it waits for EPOLLOUT.  A message that would
 * pass a limit first lets the socket take what is queued.
 */
static int conn_write(esip_transport *t, tcp_conn *c, const char *p, size_t n)
{
	int err;

	if (c->state == CONN_OPEN && c->out_off < c->out_len &&
	    (c->out_len - c->out_off + n > t->cfg.max_tcp_buffer ||
	     t->out_queued + n > t->cfg.max_tcp_output)) {
		conn_drain(t, c);
		if (c->state == CONN_DEAD)
			return ESIP_ETRANSPORT;
	}
	if (c->out_len - c->out_off + n > t->cfg.max_tcp_buffer) {
		t->st.tcp_buffer_overflows++;
		esip__tp_log(t, ESIP_LOG_WARN,
			     "TCP connection %u: output over %u bytes (peer not reading), closed",
			     c->id, t->cfg.max_tcp_buffer);
		esip__conn_kill(t, c, ESIP_ELIMIT);
		return ESIP_ELIMIT;
	}
	if (t->out_queued + n > t->cfg.max_tcp_output) {
		/* all connections together: peers that do not read must not
		 * hold max_tcp_conns * max_tcp_buffer bytes.  The message is
		 * dropped whole: its stream is intact */
		t->st.tcp_output_full++;
		esip__tp_log(t, ESIP_LOG_WARN,
			     "TCP: output queued on all connections over %u bytes, message to "
			     "connection %u dropped",
			     t->cfg.max_tcp_output, c->id);
		return ESIP_ELIMIT;
	}
	if ((err = queue_append(t, c, p, n)) < 0) {
		esip__conn_kill(t, c, err);
		return err;
	}
	if (c->state == CONN_OPEN && !c->want_out) {
		if (c->out_len - c->out_off > CORK_MAX || !cork(t, c))
			conn_drain(t, c);
		return c->state == CONN_DEAD ? ESIP_ETRANSPORT : 0;
	}
	t->st.tcp_queued_sends++;
	conn_events(t, c);
	return 0;
}

void esip__tcp_flush(esip_transport *t)
{
	size_t i;

	for (i = 0; i < t->n_corked; i++) {
		tcp_conn *c = esip__tcp_lookup(t, t->corked[i]);
		if (!c || !c->corked)
			continue;
		c->corked = false;
		conn_drain(t, c);
	}
	t->n_corked = 0;
}

static void conn_drain(esip_transport *t, tcp_conn *c)
{
	long w;

	if (c->out_off < c->out_len) {
		w = conn_sendsome(t, c, c->out + c->out_off, c->out_len - c->out_off);
		if (w < 0)
			return;
		c->out_off += (size_t)w;
		t->out_queued -= (size_t)w;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->out_cap > OUT_KEEP) {
			esip_free(t->a, c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
	}
	conn_events(t, c);
}

/* ---- input ----------------------------------------------------------- */

static void conn_rx(const tcp_conn *c, esip_rx_info *rx)
{
	memset(rx, 0, sizeof *rx);
	rx->tp = ESIP_TP_TCP;
	rx->peer = c->peer;
	rx->local = c->local;
	rx->conn = c->id;
	rx->listener = c->listener;
}

/*
 * Runs the framer over what arrived.  Returns < 0 once c is dead, else the
 * number of frames (messages and keep-alives); *msgs gets the messages'.
 *
 * RFC 5626 4.4.1 keep-alives: after our ping the pong must be seen at
 * once, though nothing may follow it for minutes, while the framer holds
 * a lone CRLF until the next bytes tell a pong from a ping.  So framing
 * runs without the framer's pong hint, and a CRLF CRLF is always a ping
 * and answered: also the peer's own ping when it crosses ours (with the
 * hint set when we pinged, its first CRLF was taken for our pong and the
 * ping went unanswered).  Only when the framer stops with exactly one
 * CRLF held (2 bytes between messages) while we await a pong is that CRLF
 * our pong: the hint is given then, and withdrawn before returning.
 */
static int conn_frames(esip_transport *t, tcp_conn *c, int *msgs)
{
	esip_rx_info rx;
	esip_msg m;
	bool hinted = false;
	int k, frames = 0;

	*msgs = 0;
	for (;;) {
		esip_msg_init(&m, t->hdrs, t->cfg.limits.max_headers);
		k = esip_framer_next(&c->fr, &m);
		if (k < 0) {
			/* no Content-Length, a bad one, an oversized header section
			 * or body: the next message cannot be found (RFC 3261 18.3) */
			if (esip_err_is_peer(k))
				t->st.tcp_framing_errors++;
			esip__tp_log(t, esip_err_is_peer(k) ? ESIP_LOG_DEBUG : ESIP_LOG_WARN,
				     "TCP connection %u: %s, closed", c->id, esip_strerror(k));
			esip__conn_kill(t, c, k);
			return -1;
		}
		switch (k) {
		case ESIP_FRAME_NONE:
			if (c->await_pong && !hinted && c->fr.len - c->fr.consumed == 2) {
				esip_framer_expect_pong(&c->fr, true);
				hinted = true;
				continue;
			}
			esip_framer_expect_pong(&c->fr, false);
			return frames;
		case ESIP_FRAME_MESSAGE:
		case ESIP_FRAME_BAD_MESSAGE:
			(*msgs)++;
			t->st.tcp_msgs_in++;
			conn_rx(c, &rx);
			if (t->cb.trace)
				t->cb.trace(t->ud, false, ESIP_TP_TCP, &rx.local, &rx.peer, m.buf,
					    m.len);
			if (k == ESIP_FRAME_MESSAGE)
				esip__tp_deliver(t, &m, m.len > INT_MAX ? INT_MAX : (int)m.len, &rx);
			else
				/* framed, so the stream goes on; the owner may answer 400 */
				esip__tp_deliver(t, &m, m.err < 0 ? m.err : ESIP_EBAD_HEADER, &rx);
			break;
		case ESIP_FRAME_PING:
			/* RFC 5626 3.5.1 / 4.4.1: a double-CRLF ping gets a CRLF pong */
			t->st.keepalives_answered++;
			if (conn_write(t, c, "\r\n", 2) < 0)
				return -1;
			break;
		case ESIP_FRAME_PONG:
			t->st.pongs_received++;
			c->last_pong = t->now;
			c->await_pong = false;
			break;
		default:
			break;
		}
		frames++;
		if (c->state == CONN_DEAD) /* a callback's send failed it */
			return -1;
	}
}

/*
 * After framing a read.  A message is open (begun, not complete) when the
 * framer holds bytes that do not start with CR or LF: it holds the
 * unfinished message from its first byte, and between messages at most
 * the CR and LF octets of a keep-alive.  Activity, for the idle timer, is
 * a frame (a message or a keep-alive) or bytes of an open message; stray
 * CR and LF octets between messages are not, or one byte a minute would
 * hold a connection forever.  The message deadline follows each message
 * from the read that brought its first byte.
 */
static void rx_progress(esip_transport *t, tcp_conn *c, int frames, int msgs)
{
	const esip_framer *f = &c->fr;
	bool open = f->len > f->consumed && f->buf[f->consumed] != '\r' &&
		    f->buf[f->consumed] != '\n';

	if (frames > 0 || open)
		c->last_active = t->now;
	/* a message framed in this read: what is held began in it */
	esip__conn_msg_state(t, c, msgs > 0, open);
}

static void conn_read(esip_transport *t, tcp_conn *c)
{
	int round, intr = 0, frames, msgs;

	for (round = 0; round < READ_ROUNDS; round++) {
		char *p;
		long sp = esip_framer_space(&c->fr, READ_WANT, &p);
		ssize_t n;

		if (sp < 0) {
			if (esip_err_is_peer((int)sp))
				t->st.tcp_framing_errors++;
			esip__tp_log(t, ESIP_LOG_DEBUG, "TCP connection %u: %s, closed", c->id,
				     esip_strerror((int)sp));
			esip__conn_kill(t, c, (int)sp);
			return;
		}
		n = recv(c->fd, p, (size_t)sp, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR && ++intr < EINTR_RETRIES) {
				round--;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			esip__tp_log(t, ESIP_LOG_DEBUG, "TCP connection %u: recv: %s", c->id,
				     strerror(errno));
			esip__conn_kill(t, c, ESIP_ETRANSPORT);
			return;
		}
		if (n == 0) {
			/* the peer closed; a message it left unfinished is lost */
			esip__conn_kill(t, c, ESIP_ECLOSED);
			return;
		}
		esip_framer_commit(&c->fr, (size_t)n);
		t->st.tcp_bytes_in += (uint64_t)n;
		if ((frames = conn_frames(t, c, &msgs)) < 0)
			return;
		rx_progress(t, c, frames, msgs);
		if (n < sp)
			return; /* the socket is drained */
	}
}

/* ---- sockets --------------------------------------------------------- */

static void sock_nodelay(int fd)
{
	int one = 1;

	/* whole messages are written at once: do not hold them back */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int esip__tcp_open(esip_transport *t, listener *l)
{
	int fam = esip_addr_family(&l->local), one = 1;
	socklen_t alen = sizeof l->local.u;

	l->fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return ESIP_ESYS;
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		return ESIP_ESYS;
	if (fam == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return ESIP_ESYS;
	if (bind(l->fd, &l->local.u.sa, l->local.len) < 0 || listen(l->fd, SOMAXCONN) < 0)
		return ESIP_ESYS;
	if (getsockname(l->fd, &l->local.u.sa, &alen) < 0)
		return ESIP_ESYS;
	l->local.len = alen;
	if (esip__tp_epoll(t, EPOLL_CTL_ADD, l->fd, EPOLLIN,
			   EV_DATA(EV_TCPL, (uint32_t)(l - t->ls) + 1)) < 0)
		return ESIP_ESYS;
	return 0;
}

static void sock_local(tcp_conn *c)
{
	socklen_t alen = sizeof c->local.u;

	if (getsockname(c->fd, &c->local.u.sa, &alen) == 0)
		c->local.len = alen;
}

void esip__tcp_acceptable(esip_transport *t, listener *l)
{
	int k, fd;

	for (k = 0; k < ACCEPT_PER_EVENT; k++) {
		esip_addr pa;
		socklen_t alen = sizeof pa.u;
		tcp_conn *c;

		memset(&pa, 0, sizeof pa);
		fd = accept4(l->fd, &pa.u.sa, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			esip__tp_log(t, ESIP_LOG_WARN, "TCP accept: %s", strerror(errno));
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* level-triggered: stop listening until a connection
				 * closes, or the loop would spin on this error */
				if (esip__tp_epoll(t, EPOLL_CTL_MOD, l->fd, 0, EV_DATA(EV_TCPL, l->id)) == 0)
					l->paused = true;
				if (t->wheel && !esip_timer_active(&t->accept_retry))
					esip_timer_start(t->wheel, &t->accept_retry, t->now + ACCEPT_RETRY_MS);
			}
			return;
		}
		pa.len = alen;
		if (t->nconns >= t->cfg.max_tcp_conns) {
			t->st.tcp_rejected++;
			esip__tp_log(t, ESIP_LOG_DEBUG, "TCP: %u connections, new one closed",
				     t->nconns);
			close(fd);
			continue;
		}
		/* one source address must not take the whole table */
		if (esip__conn_count_ip(t, &pa) >= t->cfg.max_tcp_conns_per_ip) {
			t->st.tcp_rejected_per_ip++;
			esip__tp_log(t, ESIP_LOG_DEBUG,
				     "TCP: %u connections from one address, new one closed",
				     t->cfg.max_tcp_conns_per_ip);
			close(fd);
			continue;
		}
		c = esip__conn_new(t, fd, &pa, CONN_OPEN);
		if (!c) {
			esip__tp_log(t, ESIP_LOG_WARN, "TCP: no memory for a connection");
			close(fd);
			continue;
		}
		c->listener = l->id;
		esip__conn_ip_add(t, c);
		sock_nodelay(fd);
		sock_local(c);
		t->st.tcp_accepted++;
	}
}

static int conn_connect(esip_transport *t, const esip_addr *to, tcp_conn **out)
{
	int fam = esip_addr_family(to), fd, r;
	const listener *l = esip__tp_listener_for(t, ESIP_TP_TCP, fam);
	tcp_conn *c;

	if (t->nconns >= t->cfg.max_tcp_conns)
		return ESIP_ELIMIT;
	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		esip__tp_log(t, ESIP_LOG_ERROR, "TCP socket: %s", strerror(errno));
		return ESIP_ESYS;
	}
	sock_nodelay(fd);
	/* leave from the listener's address when it has a specific one, so
	 * the peer sees the address we advertise (multi-homed hosts) */
	if (l) {
		esip_addr src = l->local;
		bool any = fam == AF_INET ? src.u.in4.sin_addr.s_addr == htonl(INADDR_ANY)
					  : !memcmp(&src.u.in6.sin6_addr, &in6addr_any, sizeof in6addr_any);
		esip_addr_set_port(&src, 0);
		if (!any && bind(fd, &src.u.sa, src.len) < 0)
			esip__tp_log(t, ESIP_LOG_DEBUG, "TCP bind before connect: %s",
				     strerror(errno));
	}
	r = connect(fd, &to->u.sa, to->len);
	if (r < 0 && errno != EINPROGRESS) {
		esip__tp_log(t, ESIP_LOG_DEBUG, "TCP connect: %s", strerror(errno));
		close(fd);
		t->st.tcp_connect_failed++;
		return ESIP_ETRANSPORT;
	}
	c = esip__conn_new(t, fd, to, r == 0 ? CONN_OPEN : CONN_CONNECTING);
	if (!c) {
		close(fd);
		return ESIP_ENOMEM;
	}
	c->outgoing = true;
	c->listener = l ? l->id : 0;
	if (r == 0) {
		sock_local(c);
		t->st.tcp_connected++;
	}
	*out = c;
	return 0;
}

static void connect_done(esip_transport *t, tcp_conn *c)
{
	int soerr = 0;
	socklen_t sl = sizeof soerr;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		char s[ESIP_ADDR_STRLEN];
		if (esip_addr_str(&c->peer, s, sizeof s) < 0)
			strcpy(s, "?");
		esip__tp_log(t, ESIP_LOG_DEBUG, "TCP connection %u to %s: %s", c->id, s,
			     strerror(soerr));
		esip__conn_kill(t, c, ESIP_ETRANSPORT);
		return;
	}
	c->state = CONN_OPEN;
	t->st.tcp_connected++;
	sock_local(c);
	c->last_active = t->now;
	if (t->wheel)
		esip_timer_start(t->wheel, &c->timer, t->now + t->cfg.tcp_idle_ms);
	conn_drain(t, c);
}

void esip__tcp_event(esip_transport *t, uint32_t id, uint32_t events)
{
	tcp_conn *c = esip__tcp_lookup(t, id);

	if (!c)
		return; /* closed earlier in this batch */
	if (c->state == CONN_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		connect_done(t, c);
		if (c->state != CONN_OPEN)
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(t, c);
	if (c->state == CONN_OPEN && (events & EPOLLOUT))
		conn_drain(t, c);
}

int esip__tcp_send(esip_transport *t, const esip_dest *dest, const void *bytes, size_t len,
		   uint32_t *conn_out)
{
	tcp_conn *c = dest->conn ? esip__tcp_lookup(t, dest->conn) : NULL;
	int fam, err;

	if (!c) {
		fam = esip_addr_family(&dest->addr);
		if (fam != AF_INET && fam != AF_INET6)
			/* RFC 3261 18.2.2: without an address a dead connection
			 * cannot be replaced */
			return dest->conn ? ESIP_ETRANSPORT : ESIP_EINVAL;
		/* RFC 3261 18.1 / 18.2.2: reuse a connection to that address */
		c = esip__conn_find_addr(t, &dest->addr);
		if (!c && (err = conn_connect(t, &dest->addr, &c)) < 0)
			return err;
	}
	if (conn_out)
		*conn_out = c->id;
	if (t->cb.trace)
		t->cb.trace(t->ud, true, ESIP_TP_TCP, &c->local, &c->peer, bytes, len);
	t->st.tcp_msgs_out++;
	if (!len)
		return 0;
	return conn_write(t, c, bytes, len);
}

int esip_transport_conn_info(const esip_transport *t, uint32_t conn, esip_conn_info *out)
{
	const tcp_conn *c = t && out ? esip__tcp_lookup(t, conn) : NULL;

	if (!c)
		return ESIP_ENOTFOUND;
	memset(out, 0, sizeof *out);
	out->peer = c->peer;
	out->local = c->local;
	out->listener = c->listener;
	out->outgoing = c->outgoing;
	out->connecting = c->state == CONN_CONNECTING;
	out->queued = c->out_len - c->out_off;
	out->last_active = c->last_active;
	out->last_pong = c->last_pong;
	return 0;
}

int esip_transport_keepalive(esip_transport *t, uint32_t conn, uint64_t now)
{
	tcp_conn *c = t ? esip__tcp_lookup(t, conn) : NULL;

	if (!c)
		return ESIP_ENOTFOUND;
	if (!t->in_process)
		t->now = now;
	/* RFC 5626 4.4.1: the pong is the next lone CRLF (see conn_frames) */
	c->await_pong = true;
	t->st.keepalives_sent++;
	return conn_write(t, c, "\r\n\r\n", 4);
}
