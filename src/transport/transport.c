/*
 * transport.c - the socket transports' shared object: configuration, the
 * epoll fd, listeners, dispatch of readiness events, send routing, stats.
 * UDP is in udp.c, TCP in tcp.c, the resolver in resolve.c; the epoll
 * layout is described in transport_int.h.
 */
#include "transport_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define EPOLL_ROUNDS 4 /* per process(): bounded work, the fd stays readable */
#define LOG_LINE_MAX 256 /* one log message, NUL included */

/* The defaults of esip_transport_config (esip/transport.h says why). */
#define DEF_MAX_UDP_SIZE 65535u       /* the largest UDP payload */
#define DEF_UDP_BATCH 32u
#define DEF_MAX_UDP_QUEUE (DEF_UDP_BATCH * DEF_MAX_UDP_SIZE) /* a batch of the largest */
#define DEF_MTU_THRESHOLD 1300u       /* RFC 3261 18.1.1 */
#define DEF_UDP_RCVBUF (2u << 20)
#define DEF_MAX_TCP_CONNS 1024u
#define DEF_TCP_IDLE_MS 180000u      /* past RFC 5626 4.4.1's 120 s keep-alives */
#define DEF_TCP_CONNECT_MS 32000u
#define DEF_TCP_MSG_TIMEOUT_MS 16000u
#define DEF_MAX_TCP_CONNS_PER_IP 64u
#define DEF_MAX_TCP_BUFFER (1u << 20)
#define DEF_MAX_TCP_OUTPUT (64u << 20)
#define DEF_MAX_RESOLVE 64u

/* The largest values taken: a larger one is lowered to these. */
#define MAX_UDP_SIZE 65535u           /* a UDP payload cannot be larger */
#define MAX_UDP_BATCH 1024u           /* UIO_MAXIOV, the most sendmmsg takes */
#define MAX_TCP_CONNS (1u << 20)
#define MAX_RESOLVE 4096u
#define MAX_MSG_SIZE 0x7fffffffu      /* the framer's bound (INT32_MAX) */
#define MAX_HEADERS 65535u

void esip_transport_config_init(esip_transport_config *c)
{
	esip_parse_limits lim = ESIP_PARSE_LIMITS_INIT;

	memset(c, 0, sizeof *c);
	c->limits = lim;
	c->max_udp_size = DEF_MAX_UDP_SIZE;
	c->udp_batch = DEF_UDP_BATCH;
	c->max_udp_queue = DEF_MAX_UDP_QUEUE;
	c->mtu_threshold = DEF_MTU_THRESHOLD;
	c->udp_rcvbuf = DEF_UDP_RCVBUF;
	c->max_tcp_conns = DEF_MAX_TCP_CONNS;
	c->tcp_idle_ms = DEF_TCP_IDLE_MS;
	c->tcp_connect_ms = DEF_TCP_CONNECT_MS;
	c->tcp_msg_timeout_ms = DEF_TCP_MSG_TIMEOUT_MS;
	c->max_tcp_conns_per_ip = DEF_MAX_TCP_CONNS_PER_IP;
	c->max_tcp_buffer = DEF_MAX_TCP_BUFFER;
	c->max_tcp_output = DEF_MAX_TCP_OUTPUT;
	c->max_resolve = DEF_MAX_RESOLVE;
}

/* 0 = default, field by field. */
static void config_fill(esip_transport_config *c, const esip_transport_config *in)
{
	esip_transport_config d;

	esip_transport_config_init(&d);
	if (!in) {
		*c = d;
		return;
	}
	*c = *in;
#define DEF_(f) \
	if (!c->f)  \
		c->f = d.f
	DEF_(limits.max_msg_size);
	DEF_(limits.max_line_len);
	DEF_(limits.max_headers);
	DEF_(max_udp_size);
	DEF_(udp_batch);
	DEF_(max_udp_queue);
	DEF_(mtu_threshold);
	DEF_(udp_rcvbuf);
	DEF_(max_tcp_conns);
	DEF_(tcp_idle_ms);
	DEF_(tcp_connect_ms);
	DEF_(tcp_msg_timeout_ms);
	DEF_(max_tcp_conns_per_ip);
	DEF_(max_tcp_buffer);
	DEF_(max_tcp_output);
	DEF_(max_resolve);
#undef DEF_
#define MAX_(f, m)    \
	if (c->f > (m)) \
		c->f = (m)
	MAX_(udp_batch, MAX_UDP_BATCH);
	MAX_(max_udp_size, MAX_UDP_SIZE);
	MAX_(max_tcp_conns, MAX_TCP_CONNS);
	MAX_(max_resolve, MAX_RESOLVE);
	MAX_(limits.max_msg_size, MAX_MSG_SIZE);
	MAX_(limits.max_headers, MAX_HEADERS);
#undef MAX_
}

void esip__tp_log(esip_transport *t, esip_log_level level, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;

	if (!t->cb.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->cb.log(t->ud, level, msg);
}

/* Makes the epoll fd readable so the owner calls process(): work that was
 * produced outside it (a timer closed a connection, a send failed one, a
 * resolver result). */
void esip__tp_wake(esip_transport *t)
{
	uint64_t one = 1;

	if (t->wake_pending || t->in_process) /* process() reaps before returning */
		return;
	if (write(t->evfd, &one, sizeof one) == (ssize_t)sizeof one || errno == EAGAIN)
		t->wake_pending = true;
}

int esip__tp_epoll(esip_transport *t, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = data;
	return epoll_ctl(t->epfd, op, fd, &ev);
}

/* Index of a listener by id / by kind and family; -1 if none. */
static int listener_index(const esip_transport *t, uint32_t id)
{
	if (id == 0 || id > ESIP_TRANSPORT_MAX_LISTENERS || t->ls[id - 1].id != id)
		return -1;
	return (int)id - 1;
}

static int listener_index_for(const esip_transport *t, esip_tp tp, int family)
{
	int i;

	for (i = 0; i < ESIP_TRANSPORT_MAX_LISTENERS; i++)
		if (t->ls[i].id && t->ls[i].tp == tp &&
		    (!family || esip_addr_family(&t->ls[i].local) == family))
			return i;
	return -1;
}

listener *esip__tp_listener(esip_transport *t, uint32_t id)
{
	int i = listener_index(t, id);

	return i < 0 ? NULL : &t->ls[i];
}

const listener *esip__tp_listener_for(const esip_transport *t, esip_tp tp, int family)
{
	int i = listener_index_for(t, tp, family);

	return i < 0 ? NULL : &t->ls[i];
}

void esip__tp_deliver(esip_transport *t, esip_msg *m, int rc, const esip_rx_info *rx)
{
	if (rc < 0) {
		t->st.parse_errors++;
		esip__tp_log(t, ESIP_LOG_DEBUG, "%s: unparsable message (%s at offset %zu)",
			     esip_tp_name(rx->tp), esip_errname(rc), m->err_off);
	}
	t->cb.recv(t->ud, m, rc, rx, t->now);
}

int esip_transport_new(const esip_transport_config *c, const esip_transport_callbacks *cb,
		       void *ud, esip_timerwheel *wheel, esip_transport **out)
{
	esip_transport *t;
	const esip_allocator *a;
	size_t i, b;
	int err = ESIP_ENOMEM;

	if (!out)
		return ESIP_EINVAL;
	*out = NULL;
	if (!cb || !cb->recv)
		return ESIP_EINVAL;
	a = c && c->alloc ? c->alloc : esip_allocator_default();
	t = esip_calloc(a, 1, sizeof *t);
	if (!t)
		return ESIP_ENOMEM;
	config_fill(&t->cfg, c);
	t->cfg.alloc = a;
	t->a = a;
	t->cb = *cb;
	t->ud = ud;
	t->wheel = wheel;
	t->epfd = t->evfd = -1;
	for (i = 0; i < ESIP_TRANSPORT_MAX_LISTENERS; i++)
		t->ls[i].fd = -1;

	b = t->cfg.udp_batch;
	t->rx_msgs = esip_calloc(a, b, sizeof *t->rx_msgs);
	t->rx_iov = esip_calloc(a, b, sizeof *t->rx_iov);
	t->rx_from = esip_calloc(a, b, sizeof *t->rx_from);
	t->tx_msgs = esip_calloc(a, b, sizeof *t->tx_msgs);
	t->tx_iov = esip_calloc(a, b, sizeof *t->tx_iov);
	t->hdrs = esip_calloc(a, t->cfg.limits.max_headers, sizeof *t->hdrs);
	/* not zeroed: the pages are touched only as datagrams arrive */
	t->rx_buf = esip_malloc(a, b * (size_t)t->cfg.max_udp_size);
	if (!t->rx_msgs || !t->rx_iov || !t->rx_from || !t->tx_msgs || !t->tx_iov ||
	    !t->hdrs || !t->rx_buf)
		goto fail;
	if ((err = esip__tcp_init(t)) < 0)
		goto fail;
	err = ESIP_ESYS;
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epfd < 0)
		goto fail;
	t->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->evfd < 0 || esip__tp_epoll(t, EPOLL_CTL_ADD, t->evfd, EPOLLIN, EV_DATA(EV_WAKE, 0)) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	esip_transport_free(t);
	return err;
}

void esip_transport_free(esip_transport *t)
{
	const esip_allocator *a;
	size_t i;

	if (!t)
		return;
	a = t->a;
	esip__resolve_free(t);
	esip__tcp_deinit(t);
	for (i = 0; i < ESIP_TRANSPORT_MAX_LISTENERS; i++) {
		listener *l = &t->ls[i];
		if (!l->id)
			continue;
		if (l->tp == ESIP_TP_UDP)
			esip__udp_close(t, l);
		else if (l->fd >= 0)
			close(l->fd);
	}
	if (t->evfd >= 0)
		close(t->evfd);
	if (t->epfd >= 0)
		close(t->epfd);
	esip_free(a, t->rx_msgs);
	esip_free(a, t->rx_iov);
	esip_free(a, t->rx_from);
	esip_free(a, t->tx_msgs);
	esip_free(a, t->tx_iov);
	esip_free(a, t->hdrs);
	esip_free(a, t->rx_buf);
	esip_free(a, t);
}

int esip_transport_listen(esip_transport *t, esip_tp tp, const esip_addr *addr,
			  uint32_t *listener_out)
{
	listener *l = NULL;
	size_t i;
	int fam, err;
	char s[ESIP_ADDR_STRLEN];

	if (!t || !addr)
		return ESIP_EINVAL;
	if (tp != ESIP_TP_UDP && tp != ESIP_TP_TCP)
		return tp == ESIP_TP_NONE || tp > ESIP_TP_WSS ? ESIP_EINVAL : ESIP_ENOTSUP;
	fam = esip_addr_family(addr);
	if ((fam != AF_INET || addr->len < sizeof(struct sockaddr_in)) &&
	    (fam != AF_INET6 || addr->len < sizeof(struct sockaddr_in6)))
		return ESIP_EINVAL;
	for (i = 0; i < ESIP_TRANSPORT_MAX_LISTENERS && !l; i++)
		if (!t->ls[i].id)
			l = &t->ls[i];
	if (!l)
		return ESIP_ELIMIT;
	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->tp = tp;
	l->local = *addr;
	err = tp == ESIP_TP_UDP ? esip__udp_open(t, l) : esip__tcp_open(t, l);
	if (err < 0) {
		int e = errno;
		if (esip_addr_str(addr, s, sizeof s) < 0)
			strcpy(s, "?");
		esip__tp_log(t, ESIP_LOG_ERROR, "%s listen on %s failed: %s", esip_tp_name(tp), s,
			     strerror(e));
		if (l->fd >= 0)
			close(l->fd);
		memset(l, 0, sizeof *l);
		l->fd = -1;
		errno = e;
		return err;
	}
	l->id = (uint32_t)(l - t->ls) + 1;
	t->st.listeners++;
	if (listener_out)
		*listener_out = l->id;
	return 0;
}

int esip_transport_local_addr(const esip_transport *t, uint32_t id, esip_addr *out)
{
	int i = t && out ? listener_index(t, id) : -1;

	if (i < 0)
		return ESIP_ENOTFOUND;
	*out = t->ls[i].local;
	return 0;
}

int esip_transport_find_listener(const esip_transport *t, esip_tp tp, int family, uint32_t *id)
{
	const listener *l = t ? esip__tp_listener_for(t, tp, family) : NULL;

	if (!l)
		return ESIP_ENOTFOUND;
	if (id)
		*id = l->id;
	return 0;
}

bool esip_transport_has(const esip_transport *t, esip_tp tp)
{
	return t && esip__tp_listener_for(t, tp, 0) != NULL;
}

esip_tp esip_transport_request_tp(const esip_transport *t, esip_tp tp, size_t len)
{
	/* RFC 3261 18.1.1: a request larger than 1300 bytes with the path MTU
	 * unknown MUST go over a congestion-controlled transport (TCP) */
	if (tp == ESIP_TP_UDP && t && len > t->cfg.mtu_threshold &&
	    esip_transport_has(t, ESIP_TP_TCP))
		return ESIP_TP_TCP;
	return tp;
}

int esip_transport_fd(const esip_transport *t)
{
	return t ? t->epfd : -1;
}

static void dispatch(esip_transport *t, const struct epoll_event *ev)
{
	uint32_t kind = (uint32_t)(ev->data.u64 >> 32), id = (uint32_t)ev->data.u64;
	listener *l;

	switch (kind) {
	case EV_UDP:
		if (!(l = esip__tp_listener(t, id)))
			return;
		if (ev->events & EPOLLERR)
			esip__udp_errqueue(t, l);
		if (ev->events & EPOLLOUT)
			esip__udp_writable(t, l);
		if (ev->events & EPOLLIN)
			esip__udp_readable(t, l);
		return;
	case EV_TCPL:
		if ((l = esip__tp_listener(t, id)))
			esip__tcp_acceptable(t, l);
		return;
	case EV_CONN:
		esip__tcp_event(t, id, ev->events);
		return;
	case EV_WATCH:
		if (t->watch_cb)
			t->watch_cb(t->watch_ud);
		return;
	case EV_WAKE: {
		uint64_t v;
		/* reset it: the work it signals is done below, every round */
		if (read(t->evfd, &v, sizeof v) < 0 && errno != EAGAIN)
			esip__tp_log(t, ESIP_LOG_WARN, "eventfd read: %s", strerror(errno));
		t->wake_pending = false;
		return;
	}
	default:
		return;
	}
}

int esip_transport_process(esip_transport *t, uint64_t now)
{
	struct epoll_event evs[EPOLL_BATCH];
	int n, i, round, handled = 0;

	if (!t)
		return ESIP_EINVAL;
	if (t->in_process)
		return ESIP_ESTATE;
	t->in_process = true;
	t->now = now;
	/* closes from timers or failed sends since the last call come first */
	esip__tcp_reap(t);
	for (round = 0; round < EPOLL_ROUNDS; round++) {
		if (round == 0 && t->have_waited) {
			/* what esip_transport_wait collected: no second
			 * epoll_wait, also when it timed out with nothing */
			n = t->n_waited;
			memcpy(evs, t->waited, (size_t)n * sizeof evs[0]);
			t->n_waited = 0;
			t->have_waited = false;
		} else {
			n = epoll_wait(t->epfd, evs, EPOLL_BATCH, 0);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			esip__tp_log(t, ESIP_LOG_ERROR, "epoll_wait: %s", strerror(errno));
			t->in_process = false;
			return ESIP_ESYS;
		}
		for (i = 0; i < n; i++)
			dispatch(t, &evs[i]);
		handled += n;
		esip__resolve_deliver(t);
		esip__tcp_reap(t);
		if (n < EPOLL_BATCH)
			break;
	}
	/* what the callbacks sent leaves in batches */
	esip_transport_flush(t);
	t->in_process = false;
	return handled;
}

int esip_transport_watch(esip_transport *t, int fd, void (*cb)(void *ud), void *ud)
{
	if (!t || fd < 0 || !cb || t->watch_cb)
		return ESIP_EINVAL;
	if (esip__tp_epoll(t, EPOLL_CTL_ADD, fd, EPOLLIN, EV_DATA(EV_WATCH, 0)) < 0)
		return ESIP_ESYS;
	t->watch_cb = cb;
	t->watch_ud = ud;
	return 0;
}

int esip_transport_wait(esip_transport *t, int timeout_ms)
{
	int n;

	if (!t)
		return ESIP_EINVAL;
	if (t->in_process || t->have_waited)
		return t->in_process ? ESIP_ESTATE : t->n_waited;
	n = epoll_wait(t->epfd, t->waited, (int)(sizeof t->waited / sizeof t->waited[0]),
		       timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : ESIP_ESYS;
	t->n_waited = n;
	t->have_waited = true;
	return n;
}

int esip_transport_send(esip_transport *t, const esip_dest *dest, const void *bytes,
			size_t len, uint64_t now, uint32_t *conn_out)
{
	if (conn_out)
		*conn_out = 0;
	if (!t || !dest || (!bytes && len))
		return ESIP_EINVAL;
	if (!t->in_process)
		t->now = now;
	switch (dest->tp) {
	case ESIP_TP_UDP:
		return esip__udp_send(t, dest, bytes, len);
	case ESIP_TP_TCP:
		return esip__tcp_send(t, dest, bytes, len, conn_out);
	case ESIP_TP_TLS:
	case ESIP_TP_SCTP:
	case ESIP_TP_WS:
	case ESIP_TP_WSS:
		return ESIP_ENOTSUP;
	default:
		return ESIP_EINVAL;
	}
}

void esip_transport_flush(esip_transport *t)
{
	size_t k;

	if (!t)
		return;
	for (k = 0; k < ESIP_TRANSPORT_MAX_LISTENERS; k++)
		if (t->ls[k].id && t->ls[k].tp == ESIP_TP_UDP)
			esip__udp_flush(t, &t->ls[k]);
	esip__tcp_flush(t);
}

bool esip_transport_conn_alive(const esip_transport *t, uint32_t conn)
{
	return t && esip__tcp_lookup(t, conn) != NULL;
}

void esip_transport_get_stats(const esip_transport *t, esip_transport_stats *out)
{
	if (!out)
		return;
	if (!t) {
		memset(out, 0, sizeof *out);
		return;
	}
	*out = t->st;
	out->tcp_open = t->nconns;
	out->tcp_out_queued = t->out_queued;
}
