/*
 * adapter.c - the UA core (esip/dialog.h) on real sockets: the
 * transport's received messages, closed connections and resolver results
 * go into the core; the core's sends go to the transport; its questions
 * ("our address towards this peer", "look this name up") are answered
 * from the listeners and the resolver thread; its application events go
 * to the deferred queue (deferred.c).  Everything here runs under the
 * stack lock, on the loop thread or a public call's.
 */
#include "stack_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- transport -> UA core ---------------------------------------------------------- */

static void tp_recv(void *ud, const esip_msg *m, int rc, const esip_rx_info *rx, uint64_t now)
{
	esip_stack *s = ud;

	s->now = now;
	esip_ua_recv(s->ua, m, rc, rx, now);
}

static void tp_conn_closed(void *ud, uint32_t conn, int err, uint64_t now)
{
	esip_stack *s = ud;

	esip__stack_log(s, ESIP_LOG_DEBUG, "TCP connection %u closed: %s", conn,
			esip_strerror(err));
	esip_ua_conn_failed(s->ua, conn, now);
}

static bool tp_conn_in_use(void *ud, uint32_t conn, uint64_t now)
{
	esip_stack *s = ud;

	/* issue 13: a connection a transaction or a call uses is not idle */
	return esip_ua_conn_in_use(s->ua, conn);
}

static void tp_unreachable(void *ud, esip_tp tp, const esip_addr *dst, int err, uint64_t now)
{
	esip_stack *s = ud;

	/* RFC 3261 18.4: an ICMP error fails the transactions sending there
	 * at once (8.1.3.1: a 503 to the application), not after Timer B/F */
	esip__stack_log(s, ESIP_LOG_DEBUG, "ICMP: destination unreachable: %s", esip_strerror(err));
	s->now = now;
	esip_ua_dest_unreachable(s->ua, tp, dst, now);
}

static void tp_trace(void *ud, bool outgoing, esip_tp tp, const esip_addr *local,
		     const esip_addr *peer, const void *bytes, size_t len)
{
	esip__stack_trace(ud, outgoing, tp, local, peer, bytes, len);
}

static void tp_log(void *ud, esip_log_level level, const char *msg)
{
	esip__stack_log(ud, level, "transport: %s", msg);
}

/* ---- UA core -> transport ------------------------------------------------------------ */

static int ua_send(void *ud, esip_dest *dest, const void *bytes, size_t len)
{
	esip_stack *s = ud;
	uint32_t conn = 0;
	int rc = esip_transport_send(s->tp, dest, bytes, len, s->now, &conn);

	if (rc < 0) {
		esip__stack_log(s, ESIP_LOG_DEBUG, "send failed: %s", esip_strerror(rc));
		return rc;
	}
	if (conn)
		dest->conn = conn;
	return 0;
}

static esip_tp ua_request_tp(void *ud, esip_tp tp, size_t len)
{
	esip_stack *s = ud;

	return esip_transport_request_tp(s->tp, tp, len);
}

/* A name lookup the UA core asked for: the transport's callback does not
 * name the request, so each carries its id (bounded by the transport's
 * max_resolve). */
typedef struct stk_lookup {
	struct stk_lookup *next;
	esip_stack *s;
	uint64_t id;
} stk_lookup;

static void lookup_unlink(esip_stack *s, stk_lookup *l)
{
	stk_lookup **pp;

	for (pp = &s->lookups; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	esip_free(s->alloc, l);
}

static void on_resolved(void *ud, int err, const esip_addr *addrs, size_t n)
{
	stk_lookup *l = ud;
	esip_stack *s = l->s;
	uint64_t id = l->id;

	lookup_unlink(s, l);
	esip_ua_resolved(s->ua, id, err, addrs, n, s->now);
}

static int ua_resolve(void *ud, const char *host, uint16_t port, esip_tp tp, uint64_t *id)
{
	esip_stack *s = ud;
	stk_lookup *l = esip_malloc(s->alloc, sizeof *l);
	int rc;

	if (!l)
		return ESIP_ENOMEM;
	l->s = s;
	rc = esip_transport_resolve(s->tp, host, port, tp, on_resolved, l, &l->id);
	if (rc < 0) {
		esip_free(s->alloc, l);
		return rc;
	}
	*id = l->id;
	l->next = s->lookups;
	s->lookups = l;
	return 0;
}

static void ua_resolve_cancel(void *ud, uint64_t id)
{
	esip_stack *s = ud;
	stk_lookup *l;

	for (l = s->lookups; l; l = l->next)
		if (l->id == id) {
			/* a cancelled lookup is never called back: its context goes now */
			esip_transport_resolve_cancel(s->tp, id);
			lookup_unlink(s, l);
			return;
		}
}

void esip__stack_free_lookups(esip_stack *s)
{
	while (s->lookups)
		lookup_unlink(s, s->lookups);
}

static bool is_wildcard(const esip_addr *a)
{
	static const unsigned char zero[16];

	if (a->u.sa.sa_family == AF_INET)
		return a->u.in4.sin_addr.s_addr == 0;
	return !memcmp(&a->u.in6.sin6_addr, zero, 16);
}

/* The address a wildcard listener would use towards dst (the kernel's
 * route choice, through a connected UDP socket: no packet is sent),
 * remembered for the last few destinations (a call asks for each
 * message it builds). */
static int local_towards(esip_stack *s, const esip_addr *dst, char *host, size_t cap)
{
	esip_addr out;
	socklen_t len = sizeof out.u;
	unsigned i;
	int fd, ok;

	for (i = 0; i < STK_LOCAL_CACHE; i++)
		if (s->local_cache[i].dst.len && esip_addr_eq_ip(&s->local_cache[i].dst, dst)) {
			snprintf(host, cap, "%s", s->local_cache[i].host);
			return 0;
		}
	fd = socket(dst->u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ESIP_ESYS;
	ok = connect(fd, &dst->u.sa, dst->len) == 0 && getsockname(fd, &out.u.sa, &len) == 0;
	close(fd);
	if (!ok)
		return ESIP_ESYS;
	out.len = len;
	if (esip_addr_ip_str(&out, host, cap) < 0)
		return ESIP_EINVAL;
	i = s->local_next++ % STK_LOCAL_CACHE;
	s->local_cache[i].dst = *dst;
	snprintf(s->local_cache[i].host, sizeof s->local_cache[i].host, "%s", host);
	return 0;
}

/* Our sent-by and Contact address towards dst over tp (18.1.1, 20.42):
 * the listener of that transport and family (any family's UDP or TCP one
 * if none), its port, and its address or, for a wildcard, the kernel's
 * choice towards dst. */
static int ua_local(void *ud, esip_tp tp, const esip_addr *dst, esip_ua_local *out)
{
	esip_stack *s = ud;
	int fam = esip_addr_family(dst);
	esip_addr la;
	uint32_t id = 0;

	if (esip_transport_find_listener(s->tp, tp, fam, &id) < 0 &&
	    esip_transport_find_listener(s->tp, ESIP_TP_UDP, fam, &id) < 0 &&
	    esip_transport_find_listener(s->tp, ESIP_TP_TCP, fam, &id) < 0)
		return ESIP_ENOTFOUND;
	out->listener = tp == ESIP_TP_UDP ? id : 0;
	esip_transport_local_addr(s->tp, id, &la);
	out->port = esip_addr_port(&la);
	if (is_wildcard(&la))
		return local_towards(s, dst, out->host, sizeof out->host);
	return esip_addr_ip_str(&la, out->host, sizeof out->host) < 0 ? ESIP_EINVAL : 0;
}

static void ua_log(void *ud, esip_log_level level, const char *msg)
{
	esip__stack_log(ud, level, "%s", msg);
}

static void ua_trace(void *ud, const char *machine, const void *inst, const char *from,
		     const char *event, const char *to)
{
	esip__stack_log(ud, ESIP_LOG_TRACE, "%s %p: %s --%s--> %s", machine, inst, from, event,
			to ? to : "(unhandled)");
}

int esip__stack_wire(esip_stack *s)
{
	esip_transport_callbacks tcb;
	esip_transport_config tc;
	esip_ua_callbacks ucb;
	esip_ua_config uc;
	int rc;

	memset(&tcb, 0, sizeof tcb);
	tcb.recv = tp_recv;
	tcb.conn_closed = tp_conn_closed;
	tcb.conn_in_use = tp_conn_in_use;
	tcb.unreachable = tp_unreachable;
	tcb.trace = s->cfg.cb.trace ? tp_trace : NULL;
	tcb.log = s->cfg.cb.log ? tp_log : NULL;
	tc = s->cfg.transport;
	tc.alloc = s->alloc;
	rc = esip_transport_new(&tc, &tcb, s, &s->wheel, &s->tp);
	if (rc < 0)
		return rc;

	memset(&ucb, 0, sizeof ucb);
	ucb.send = ua_send;
	ucb.local = ua_local;
	ucb.request_tp = ua_request_tp;
	ucb.resolve = ua_resolve;
	ucb.resolve_cancel = ua_resolve_cancel;
	ucb.event = esip__stack_ua_event;
	ucb.log = s->cfg.cb.log ? ua_log : NULL;
	ucb.trace = s->cfg.cb.log && s->cfg.log_level >= ESIP_LOG_TRACE ? ua_trace : NULL;
	uc = s->cfg.ua;
	uc.alloc = s->alloc;
	return esip_ua_new(&uc, &ucb, s, &s->wheel, &s->rnd, &s->ua);
}
