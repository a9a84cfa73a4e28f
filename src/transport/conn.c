/*
 * conn.c - the TCP connection table and connection lifecycle: ids, the
 * remote-address index, the dead list, the connect/idle timer.  The
 * socket I/O is in tcp.c.
 *
 * Connection table: id = (generation << slot_bits) | slot.  Lookup is one
 * array index plus an id compare (O(1)); free slots are reused in FIFO
 * order and each reuse bumps the slot's generation, so an id comes back
 * only after 2^(32 - slot_bits) reuses of its slot.  A second table hashes
 * live connections by remote address for reuse (RFC 3261 18.1, 18.2.2),
 * with a keyed hash (esip__conn_bucket).
 *
 * Closing: esip__conn_kill() closes the socket and removes the connection
 * from both tables at once (a connection that saw EOF or an error is never
 * found again), then parks it on the dead list.  The list is reaped inside
 * esip_transport_process(): conn_closed is called and the memory freed
 * there, never inside a send or a timer callback, and never while a recv
 * callback may still look at a message in the connection's framer.
 *
 * Timers: one esip_timer per connection.  While connecting it is the
 * connect timeout; then the idle timeout and the message deadline,
 * re-armed lazily: traffic only stores last_active, a message's first
 * byte stores msg_start (and pulls the timer in if it is set later), and
 * on expiry the timer closes a connection whose open message has passed
 * tcp_msg_timeout_ms, else re-arms itself at the earlier of the two
 * deadlines, keeps a silent connection the owner says is in use
 * (conn_in_use: a live transaction or dialog) for another tcp_idle_ms,
 * or closes it.
 */
#include "transport_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Smallest connection table: 2^4 slots. */
#define MIN_SLOT_BITS 4

static void accept_retry(esip_timer *tm, uint64_t now);

/* ---- tables ---------------------------------------------------------- */

int esip__tcp_init(esip_transport *t)
{
	uint32_t bits = MIN_SLOT_BITS, n = 1u << MIN_SLOT_BITS, i;
	esip_rand rnd;

	esip_rand_init(&rnd);
	if (esip_hash_key_init(&t->hkey, &rnd) < 0)
		return ESIP_ESYS;

	while (n < t->cfg.max_tcp_conns) {
		n <<= 1;
		bits++;
	}
	t->nslots = n;
	t->slot_bits = bits;
	t->slots = esip_calloc(t->a, n, sizeof *t->slots);
	t->slot_gen = esip_calloc(t->a, n, sizeof *t->slot_gen);
	t->free_ring = esip_calloc(t->a, n, sizeof *t->free_ring);
	t->buckets = esip_calloc(t->a, n, sizeof *t->buckets);
	t->ip_buckets = esip_calloc(t->a, n, sizeof *t->ip_buckets);
	if (!t->slots || !t->slot_gen || !t->free_ring || !t->buckets || !t->ip_buckets)
		return ESIP_ENOMEM;
	for (i = 0; i < n; i++) {
		t->free_ring[i] = i;
		t->slot_gen[i] = 1; /* so that no id is 0 */
	}
	t->free_head = 0;
	t->free_count = n;
	esip_timer_init(&t->accept_retry, accept_retry);
	return 0;
}

tcp_conn *esip__tcp_lookup(const esip_transport *t, uint32_t id)
{
	tcp_conn *c;

	if (!id || !t->slots)
		return NULL;
	c = t->slots[id & (t->nslots - 1)];
	return c && c->id == id ? c : NULL;
}

static uint32_t slot_take(esip_transport *t)
{
	uint32_t s = t->free_ring[t->free_head], gmask = (uint32_t)(0xffffffffu >> t->slot_bits);

	t->free_head = (t->free_head + 1) & (t->nslots - 1);
	t->free_count--;
	return (t->slot_gen[s] & gmask) << t->slot_bits | s;
}

static void slot_release(esip_transport *t, uint32_t id)
{
	uint32_t s = id & (t->nslots - 1), gmask = (uint32_t)(0xffffffffu >> t->slot_bits);

	t->slots[s] = NULL;
	t->slot_gen[s] = (t->slot_gen[s] + 1) & gmask;
	if (!t->slot_gen[s])
		t->slot_gen[s] = 1;
	t->free_ring[(t->free_head + t->free_count) & (t->nslots - 1)] = s;
	t->free_count++;
}

/* The bucket of a remote address (with its port, or of the IP address
 * alone): SipHash with the transport's own random key, so a peer who
 * picks its addresses and ports cannot aim its connections at one chain
 * (hash flooding); an unkeyed hash let it make every lookup walk all of
 * them. */
static uint32_t bucket(const esip_transport *t, const esip_addr *a, bool with_port)
{
	unsigned char k[sizeof a->u.in6.sin6_addr + 2];
	size_t n;
	uint16_t port = esip_addr_port(a);

	if (esip_addr_family(a) == AF_INET) {
		n = sizeof a->u.in4.sin_addr;
		memcpy(k, &a->u.in4.sin_addr, n);
	} else {
		n = sizeof a->u.in6.sin6_addr;
		memcpy(k, &a->u.in6.sin6_addr, n);
	}
	if (with_port) {
		k[n++] = (unsigned char)(port >> 8);
		k[n++] = (unsigned char)port;
	}
	return (uint32_t)esip_hash(&t->hkey, k, n) & (t->nslots - 1);
}

uint32_t esip__conn_bucket(const esip_transport *t, const esip_addr *a)
{
	return bucket(t, a, true);
}

/* Same IP address, any port. */
static bool same_ip(const esip_addr *a, const esip_addr *b)
{
	int fam = esip_addr_family(a);

	if (fam != esip_addr_family(b))
		return false;
	if (fam == AF_INET)
		return a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
	return !memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, sizeof a->u.in6.sin6_addr);
}

/* The per-source-address index of accepted connections: a chain per
 * bucket of the IP address, walked only by an accept (at most about
 * max_tcp_conns_per_ip entries of that address, and the keyed hash keeps
 * other addresses' out). */
uint32_t esip__conn_count_ip(const esip_transport *t, const esip_addr *a)
{
	const tcp_conn *c;
	uint32_t n = 0;

	for (c = t->ip_buckets[bucket(t, a, false)]; c; c = c->inext)
		n += same_ip(&c->peer, a);
	return n;
}

void esip__conn_ip_add(esip_transport *t, tcp_conn *c)
{
	uint32_t b = bucket(t, &c->peer, false);

	c->inext = t->ip_buckets[b];
	t->ip_buckets[b] = c;
	c->ip_indexed = true;
}

static void ip_remove(esip_transport *t, tcp_conn *c)
{
	tcp_conn **pp = &t->ip_buckets[bucket(t, &c->peer, false)];

	if (!c->ip_indexed)
		return;
	for (; *pp; pp = &(*pp)->inext)
		if (*pp == c) {
			*pp = c->inext;
			break;
		}
	c->inext = NULL;
	c->ip_indexed = false;
}

static void hash_remove(esip_transport *t, tcp_conn *c)
{
	tcp_conn **pp = &t->buckets[esip__conn_bucket(t, &c->peer)];

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			c->hnext = NULL;
			return;
		}
}

tcp_conn *esip__conn_find_addr(const esip_transport *t, const esip_addr *a)
{
	tcp_conn *c;

	for (c = t->buckets[esip__conn_bucket(t, a)]; c; c = c->hnext)
		if (esip_addr_eq(&c->peer, a))
			return c;
	return NULL;
}

/* ---- lifecycle ------------------------------------------------------- */

static void conn_timer(esip_timer *tm, uint64_t now);

void esip__tcp_resume_listeners(esip_transport *t)
{
	size_t i;

	for (i = 0; i < ESIP_TRANSPORT_MAX_LISTENERS; i++) {
		listener *l = &t->ls[i];
		if (l->id && l->paused &&
		    esip__tp_epoll(t, EPOLL_CTL_MOD, l->fd, EPOLLIN, EV_DATA(EV_TCPL, l->id)) == 0)
			l->paused = false;
	}
}

/* 100 ms after accept() ran out of descriptors: try again (the epoll fd
 * turns readable if connections are still waiting). */
static void accept_retry(esip_timer *tm, uint64_t now)
{
	(void)now;
	esip__tcp_resume_listeners(ESIP_CONTAINER_OF(tm, esip_transport, accept_retry));
}

static void conn_destroy(esip_transport *t, tcp_conn *c)
{
	esip_framer_deinit(&c->fr);
	esip_free(t->a, c->out);
	esip_free(t->a, c);
}

/* A new connection in both tables and the epoll set; NULL (fd left open)
 * on failure. */
tcp_conn *esip__conn_new(esip_transport *t, int fd, const esip_addr *peer, uint8_t state)
{
	tcp_conn *c;
	uint32_t b;

	if (t->nconns >= t->cfg.max_tcp_conns || !t->free_count)
		return NULL;
	c = esip_calloc(t->a, 1, sizeof *c);
	if (!c)
		return NULL;
	if (esip_framer_init(&c->fr, t->a, &t->cfg.limits) < 0) {
		esip_free(t->a, c);
		return NULL;
	}
	c->fd = fd;
	c->t = t;
	c->state = state;
	c->peer = *peer;
	c->last_active = t->now;
	c->want_out = state == CONN_CONNECTING;
	c->id = slot_take(t);
	if (esip__tp_epoll(t, EPOLL_CTL_ADD, fd, EPOLLIN | (c->want_out ? EPOLLOUT : 0),
			   EV_DATA(EV_CONN, c->id)) < 0) {
		esip__tp_log(t, ESIP_LOG_WARN, "TCP epoll_ctl: %s", strerror(errno));
		slot_release(t, c->id);
		conn_destroy(t, c);
		return NULL;
	}
	t->slots[c->id & (t->nslots - 1)] = c;
	b = esip__conn_bucket(t, peer);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	t->nconns++;
	esip_timer_init(&c->timer, conn_timer);
	if (t->wheel)
		esip_timer_start(t->wheel, &c->timer,
				 t->now + (state == CONN_CONNECTING ? t->cfg.tcp_connect_ms
								    : t->cfg.tcp_idle_ms));
	return c;
}

/* Closes c now and queues its conn_closed for the next reap. */
void esip__conn_kill(esip_transport *t, tcp_conn *c, int err)
{
	if (c->state == CONN_DEAD)
		return;
	if (c->state == CONN_CONNECTING)
		t->st.tcp_connect_failed++;
	c->state = CONN_DEAD;
	c->close_err = err;
	t->out_queued -= c->out_len - c->out_off; /* dropped */
	c->out_off = c->out_len = 0;
	if (t->wheel)
		esip_timer_stop(t->wheel, &c->timer);
	hash_remove(t, c);
	ip_remove(t, c);
	slot_release(t, c->id);
	t->nconns--;
	t->st.tcp_closed++;
	/* close() also removes it from the epoll set */
	close(c->fd);
	c->fd = -1;
	c->dnext = NULL;
	if (t->dead_tail)
		t->dead_tail->dnext = c;
	else
		t->dead_head = c;
	t->dead_tail = c;
	/* a descriptor is free again: listeners paused by EMFILE resume */
	esip__tcp_resume_listeners(t);
	esip__tp_wake(t);
}

void esip__tcp_reap(esip_transport *t)
{
	tcp_conn *c;

	/* conn_closed may send and so kill more: the loop takes those too;
	 * each kill needs a live connection, so it ends */
	while ((c = t->dead_head)) {
		t->dead_head = c->dnext;
		if (!t->dead_head)
			t->dead_tail = NULL;
		if (t->cb.conn_closed)
			t->cb.conn_closed(t->ud, c->id, c->close_err, t->now);
		conn_destroy(t, c);
	}
}

void esip__tcp_deinit(esip_transport *t)
{
	tcp_conn *c;
	uint32_t i;

	if (t->wheel)
		esip_timer_stop(t->wheel, &t->accept_retry);
	if (t->slots)
		for (i = 0; i < t->nslots; i++) {
			if (!(c = t->slots[i]))
				continue;
			if (t->wheel)
				esip_timer_stop(t->wheel, &c->timer);
			close(c->fd);
			conn_destroy(t, c);
		}
	while ((c = t->dead_head)) {
		t->dead_head = c->dnext;
		conn_destroy(t, c);
	}
	t->dead_tail = NULL;
	esip_free(t->a, t->slots);
	esip_free(t->a, t->slot_gen);
	esip_free(t->a, t->free_ring);
	esip_free(t->a, t->buckets);
	esip_free(t->a, t->ip_buckets);
	esip_free(t->a, t->corked);
	t->corked = NULL;
	t->n_corked = t->corked_cap = 0;
	t->slots = NULL;
}

/* An open connection's next deadline from `idle_from`: the idle one, or
 * the open message's when it is earlier. */
static uint64_t open_due(const esip_transport *t, const tcp_conn *c, uint64_t idle_from)
{
	uint64_t due = idle_from + t->cfg.tcp_idle_ms;

	if (c->msg_open && c->msg_start + t->cfg.tcp_msg_timeout_ms < due)
		due = c->msg_start + t->cfg.tcp_msg_timeout_ms;
	return due;
}

void esip__conn_msg_state(esip_transport *t, tcp_conn *c, bool begun, bool open)
{
	uint64_t deadline;

	if (!open) {
		c->msg_open = false; /* the timer finds out lazily */
		return;
	}
	if (c->msg_open && !begun)
		return; /* the same message, still coming */
	c->msg_open = true;
	c->msg_start = t->now;
	deadline = t->now + t->cfg.tcp_msg_timeout_ms;
	if (t->wheel && (!esip_timer_active(&c->timer) || c->timer.expire > deadline))
		esip_timer_start(t->wheel, &c->timer, deadline);
}

static void conn_timer(esip_timer *tm, uint64_t now)
{
	tcp_conn *c = ESIP_CONTAINER_OF(tm, tcp_conn, timer);
	esip_transport *t = c->t;
	uint64_t due;

	if (c->state == CONN_CONNECTING) {
		esip__tp_log(t, ESIP_LOG_DEBUG, "TCP connection %u: connect timed out", c->id);
		esip__conn_kill(t, c, ESIP_ETIMEDOUT);
		return;
	}
	if (c->state != CONN_OPEN)
		return;
	/* a message that began tcp_msg_timeout_ms ago and is not complete: a
	 * stalled or trickling sender, whose bytes also keep the idle timer
	 * from ever firing; a live transaction does not excuse it */
	if (c->msg_open && now >= c->msg_start + t->cfg.tcp_msg_timeout_ms) {
		t->st.tcp_msg_timeouts++;
		esip__tp_log(t, ESIP_LOG_DEBUG,
			     "TCP connection %u: a message incomplete %u ms after its first byte, "
			     "closed", c->id, t->cfg.tcp_msg_timeout_ms);
		esip__conn_kill(t, c, ESIP_ETIMEDOUT);
		return;
	}
	due = open_due(t, c, c->last_active);
	if (now < due) {
		esip_timer_start(t->wheel, tm, due);
		return;
	}
	/* a connection with a live transaction or dialog is not idle, however
	 * long it has been silent (an INVITE ringing over TCP) */
	if (t->cb.conn_in_use && t->cb.conn_in_use(t->ud, c->id, now)) {
		t->st.tcp_idle_kept++;
		esip_timer_start(t->wheel, tm, open_due(t, c, now));
		return;
	}
	t->st.tcp_idle_timeouts++;
	esip__tp_log(t, ESIP_LOG_DEBUG, "TCP connection %u: idle for %u ms, closed", c->id,
		     t->cfg.tcp_idle_ms);
	esip__conn_kill(t, c, ESIP_ETIMEDOUT);
}
