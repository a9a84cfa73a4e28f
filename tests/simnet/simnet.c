/*
 * simnet.c - the in-memory test network (see simnet.h for the model).
 *
 * Data structures:
 *  - nodes: a growable array, ids are indexes; an open-addressing table
 *    maps an address to its node so that a send costs O(1) however many
 *    nodes a test adds;
 *  - links: the default, plus per sending node an array indexed by the
 *    receiving node, allocated the first time one of its links is set;
 *  - connections: an array indexed by id - 1 (ids are never reused, so a
 *    stale id is always recognised as broken), plus per node the list of
 *    its open connections (a handful: searched linearly);
 *  - in-flight datagram copies: a binary min-heap ordered by (delivery
 *    time, sequence number); the sequence number makes equal times keep
 *    the order of sending, which is also what keeps a reliable connection
 *    in order;
 *  - the log (simnet_log.c): a growable array up to its cap.
 */
#include "simnet_impl.h"

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Generator: xoshiro256** seeded through splitmix64                    */
/* ------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t simnet_rand(simnet *net)
{
	uint64_t *s = net->rng;
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, 1) with 53 bits. */
static double rand01(simnet *net)
{
	return (double)(simnet_rand(net) >> 11) * (1.0 / 9007199254740992.0);
}

/* True with probability p; draws nothing when p is 0, so that a perfect
 * link leaves the generator alone. */
static bool chance(simnet *net, double p)
{
	return p > 0 && rand01(net) < p;
}

/* Uniform in [0, n), n >= 1, without modulo bias: values below
 * 2^64 mod n are rejected so that the rest is a whole number of n. */
static uint64_t rand_below(simnet *net, uint64_t n)
{
	uint64_t threshold = (0 - n) % n, x;

	do
		x = simnet_rand(net);
	while (x < threshold);
	return x % n;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                            */
/* ------------------------------------------------------------------ */

simnet *simnet_new_at(uint64_t seed, uint64_t start_ms)
{
	simnet *net = calloc(1, sizeof *net);
	int i;

	if (!net)
		return NULL;
	net->now = start_ms;
	for (i = 0; i < 4; i++)
		net->rng[i] = splitmix64(&seed);
	net->deflink = SIMNET_LINK_PERFECT;
	net->logcap = SIMNET_LOG_CAP;
	net->event_limit = SIMNET_EVENT_LIMIT;
	return net;
}

simnet *simnet_new(uint64_t seed) { return simnet_new_at(seed, 0); }

void simnet_free(simnet *net)
{
	size_t i;
	int n;

	if (!net)
		return;
	for (i = 0; i < net->nheap; i++)
		free(net->heap[i].bytes);
	for (n = 0; n < net->nnodes; n++) {
		free(net->nodes[n].name);
		free(net->nodes[n].links);
		free(net->nodes[n].conns);
	}
	free(net->nodes);
	free(net->timed);
	free(net->addr_tab);
	free(net->conns);
	free(net->heap);
	free(net->log);
	free(net);
}

uint64_t simnet_now(const simnet *net) { return net->now; }

/* ------------------------------------------------------------------ */
/* Failure reporting                                                    */
/* ------------------------------------------------------------------ */

void simnet_set_fail_hook(simnet *net, simnet_fail_fn fn, void *ud)
{
	net->fail_fn = fn;
	net->fail_ud = ud;
}

int simnet_error(const simnet *net) { return net->err; }
const char *simnet_error_msg(const simnet *net) { return net->errmsg; }

static void sn_fail(simnet *net, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sn_fail(simnet *net, int err, const char *fmt, ...)
{
	char msg[sizeof net->errmsg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!net->err) {
		net->err = err;
		memcpy(net->errmsg, msg, sizeof msg);
	}
	if (net->fail_fn) {
		net->fail_fn(net->fail_ud, msg);
		return;
	}
	/* The default: enough context to debug, then fail the Check test
	 * (in fork mode this ends the test process with the message). */
	fprintf(stderr, "simnet: %s\nsimnet: last log entries:\n", msg);
	simnet_log_dump_tail(net, stderr, 20);
	ck_abort_msg("simnet: %s", msg);
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */
/* ------------------------------------------------------------------ */

/* FNV-1a over family, port and address bytes: the fields esip_addr_eq
 * compares, so equal addresses hash alike. */
static size_t addr_hash(const esip_addr *a)
{
	const unsigned char *p;
	size_t n, i;
	uint64_t h = 0xcbf29ce484222325u;
	uint16_t port = esip_addr_port(a);
	int fam = esip_addr_family(a);

	if (fam == AF_INET) {
		p = (const unsigned char *)&a->u.in4.sin_addr;
		n = sizeof a->u.in4.sin_addr;
	} else {
		p = (const unsigned char *)&a->u.in6.sin6_addr;
		n = sizeof a->u.in6.sin6_addr;
	}
	h = (h ^ (unsigned)fam) * 0x100000001b3u;
	h = (h ^ port) * 0x100000001b3u;
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return (size_t)(h ^ (h >> 29));
}

static int addr_lookup(const simnet *net, const esip_addr *a)
{
	size_t mask = net->addr_cap - 1, i;

	if (!net->addr_cap || !a->len)
		return -1;
	for (i = addr_hash(a) & mask; net->addr_tab[i]; i = (i + 1) & mask)
		if (esip_addr_eq(&net->nodes[net->addr_tab[i] - 1].addr, a))
			return net->addr_tab[i] - 1;
	return -1;
}

static void addr_insert(int *tab, size_t cap, const esip_addr *a, int id)
{
	size_t i;

	for (i = addr_hash(a) & (cap - 1); tab[i]; i = (i + 1) & (cap - 1))
		;
	tab[i] = id + 1;
}

/* Keeps the table at most half full. */
static int addr_reserve(simnet *net, int nodes)
{
	size_t cap = net->addr_cap ? net->addr_cap : 16;
	int *tab, i;

	while (cap < (size_t)nodes * 2)
		cap *= 2;
	if (cap == net->addr_cap)
		return 0;
	tab = calloc(cap, sizeof *tab);
	if (!tab)
		return ESIP_ENOMEM;
	for (i = 0; i < net->nnodes; i++)
		addr_insert(tab, cap, &net->nodes[i].addr, i);
	free(net->addr_tab);
	net->addr_tab = tab;
	net->addr_cap = cap;
	return 0;
}

int simnet_node_add(simnet *net, const char *name, const esip_addr *addr,
		    const simnet_node_ops *ops, void *ud)
{
	sn_node *n;
	char *copy;
	int id = net->nnodes;

	if (!name || !addr || !esip_addr_family(addr) || !ops || !ops->recv ||
	    (ops->next_timeout && !ops->run_timers))
		return ESIP_EINVAL;
	if (addr_lookup(net, addr) >= 0)
		return ESIP_EEXIST;
	if (net->nnodes == net->capnodes) {
		int cap = net->capnodes ? net->capnodes * 2 : 8;
		sn_node *p = realloc(net->nodes, (size_t)cap * sizeof *p);
		int *t;
		if (!p)
			return ESIP_ENOMEM;
		net->nodes = p;
		/* timed[] never outgrows nodes[]: sized alike */
		t = realloc(net->timed, (size_t)cap * sizeof *t);
		if (!t)
			return ESIP_ENOMEM;
		net->timed = t;
		net->capnodes = cap;
	}
	if (addr_reserve(net, id + 1))
		return ESIP_ENOMEM;
	copy = malloc(strlen(name) + 1);
	if (!copy)
		return ESIP_ENOMEM;
	strcpy(copy, name);
	n = &net->nodes[id];
	memset(n, 0, sizeof *n);
	n->name = copy;
	n->addr = *addr;
	n->ops = *ops;
	n->ud = ud;
	net->nnodes++;
	/* Only nodes with timers are polled before each event. */
	if (ops->next_timeout)
		net->timed[net->ntimed++] = id;
	addr_insert(net->addr_tab, net->addr_cap, addr, id);
	return id;
}

int simnet_node_count(const simnet *net) { return net->nnodes; }

static bool valid_node(const simnet *net, int id) { return id >= 0 && id < net->nnodes; }

const char *simnet_node_name(const simnet *net, int id)
{
	return valid_node(net, id) ? net->nodes[id].name : NULL;
}

const esip_addr *simnet_node_addr(const simnet *net, int id)
{
	return valid_node(net, id) ? &net->nodes[id].addr : NULL;
}

int simnet_node_find(const simnet *net, const esip_addr *addr)
{
	int id = addr ? addr_lookup(net, addr) : -1;

	return id >= 0 ? id : ESIP_ENOTFOUND;
}

/* ------------------------------------------------------------------ */
/* Links                                                                */
/* ------------------------------------------------------------------ */

static bool prob_ok(double p) { return p >= 0.0 && p <= 1.0; } /* false for NaN */

static bool link_ok(const simnet_link *l)
{
	return l && prob_ok(l->loss) && prob_ok(l->dup) && prob_ok(l->reorder) &&
	       !(l->reorder > 0 && !l->reorder_ms);
}

int simnet_link_default(simnet *net, const simnet_link *l)
{
	if (!link_ok(l))
		return ESIP_EINVAL;
	net->deflink = *l;
	return 0;
}

static const simnet_link *link_for(const simnet *net, int from, int to)
{
	const sn_node *n;

	if (!valid_node(net, from))
		return &net->deflink;
	n = &net->nodes[from];
	if (to >= 0 && to < n->nlinks && n->links[to].set)
		return &n->links[to].l;
	return &net->deflink;
}

simnet_link simnet_link_get(const simnet *net, int from, int to)
{
	return *link_for(net, from, to);
}

/* Sets (l != NULL) or clears one pair. */
static int link_put(simnet *net, int from, int to, const simnet_link *l)
{
	sn_node *n = &net->nodes[from];

	if (to >= n->nlinks) {
		sn_linkslot *p;
		if (!l)
			return 0;
		p = realloc(n->links, (size_t)net->nnodes * sizeof *p);
		if (!p)
			return ESIP_ENOMEM;
		memset(p + n->nlinks, 0, (size_t)(net->nnodes - n->nlinks) * sizeof *p);
		n->links = p;
		n->nlinks = net->nnodes;
	}
	n->links[to].set = l != NULL;
	if (l)
		n->links[to].l = *l;
	return 0;
}

static int link_apply(simnet *net, int from, int to, const simnet_link *l)
{
	int f, t, f0, f1, t0, t1, r;

	if ((from != SIMNET_ANY && !valid_node(net, from)) ||
	    (to != SIMNET_ANY && !valid_node(net, to)))
		return ESIP_EINVAL;
	f0 = from == SIMNET_ANY ? 0 : from;
	f1 = from == SIMNET_ANY ? net->nnodes : from + 1;
	t0 = to == SIMNET_ANY ? 0 : to;
	t1 = to == SIMNET_ANY ? net->nnodes : to + 1;
	for (f = f0; f < f1; f++)
		for (t = t0; t < t1; t++)
			if ((r = link_put(net, f, t, l)) < 0)
				return r;
	return 0;
}

int simnet_link_set(simnet *net, int from, int to, const simnet_link *l)
{
	if (!link_ok(l))
		return ESIP_EINVAL;
	return link_apply(net, from, to, l);
}

int simnet_link_clear(simnet *net, int from, int to)
{
	return link_apply(net, from, to, NULL);
}

/* ------------------------------------------------------------------ */
/* The heap of in-flight copies                                         */
/* ------------------------------------------------------------------ */

static bool ev_before(const sn_ev *a, const sn_ev *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void heap_down(sn_ev *h, size_t n, size_t i)
{
	sn_ev e = h[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ev_before(&h[c + 1], &h[c]))
			c++;
		if (!ev_before(&h[c], &e))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

static int heap_push(simnet *net, const sn_ev *e)
{
	size_t i;

	if (net->nheap == net->capheap) {
		size_t cap = net->capheap ? net->capheap * 2 : 256;
		sn_ev *p = realloc(net->heap, cap * sizeof *p);
		if (!p)
			return ESIP_ENOMEM;
		net->heap = p;
		net->capheap = cap;
	}
	for (i = net->nheap++; i > 0; i = (i - 1) / 2) {
		size_t parent = (i - 1) / 2;
		if (!ev_before(e, &net->heap[parent]))
			break;
		net->heap[i] = net->heap[parent];
	}
	net->heap[i] = *e;
	return 0;
}

static sn_ev heap_pop(simnet *net)
{
	sn_ev top = net->heap[0];

	if (--net->nheap) {
		net->heap[0] = net->heap[net->nheap];
		heap_down(net->heap, net->nheap, 0);
	}
	return top;
}

/* ------------------------------------------------------------------ */
/* Connections                                                          */
/* ------------------------------------------------------------------ */

static sn_conn *conn_get(const simnet *net, uint32_t id)
{
	return id && id <= net->nconns ? &net->conns[id - 1] : NULL;
}

bool simnet_conn_open(const simnet *net, uint32_t conn)
{
	const sn_conn *c = conn_get(net, conn);

	return c && c->open;
}

int simnet_conn_ends(const simnet *net, uint32_t conn, int *opener, int *acceptor)
{
	const sn_conn *c = conn_get(net, conn);

	if (!c)
		return ESIP_ENOTFOUND;
	if (opener)
		*opener = c->a;
	if (acceptor)
		*acceptor = c->b;
	return 0;
}

uint32_t simnet_conn_find(const simnet *net, int a, int b, esip_tp tp)
{
	const sn_node *n;
	size_t i;

	if (!valid_node(net, a) || !valid_node(net, b))
		return 0;
	n = &net->nodes[a];
	for (i = 0; i < n->nconns; i++) {
		const sn_conn *c = &net->conns[n->conns[i] - 1];
		if (c->tp == tp && ((c->a == a && c->b == b) || (c->a == b && c->b == a)))
			return n->conns[i];
	}
	return 0;
}

static int node_conn_add(sn_node *n, uint32_t id)
{
	if (n->nconns == n->capconns) {
		size_t cap = n->capconns ? n->capconns * 2 : 4;
		uint32_t *p = realloc(n->conns, cap * sizeof *p);
		if (!p)
			return ESIP_ENOMEM;
		n->conns = p;
		n->capconns = cap;
	}
	n->conns[n->nconns++] = id;
	return 0;
}

static void node_conn_del(sn_node *n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n->nconns; i++)
		if (n->conns[i] == id) {
			n->conns[i] = n->conns[--n->nconns];
			return;
		}
}

static uint32_t conn_open(simnet *net, int a, int b, esip_tp tp)
{
	sn_conn *c;
	uint32_t id;

	if (net->nconns == UINT32_MAX)
		return 0;
	if (net->nconns == net->capconns) {
		uint32_t cap = net->capconns ? net->capconns * 2 : 16;
		sn_conn *p = realloc(net->conns, (size_t)cap * sizeof *p);
		if (!p)
			return 0;
		net->conns = p;
		net->capconns = cap;
	}
	id = net->nconns + 1;
	if (node_conn_add(&net->nodes[a], id))
		return 0;
	if (b != a && node_conn_add(&net->nodes[b], id)) {
		node_conn_del(&net->nodes[a], id);
		return 0;
	}
	c = &net->conns[id - 1];
	c->a = a;
	c->b = b;
	c->tp = tp;
	c->open = true;
	c->last[0] = c->last[1] = 0;
	net->nconns++;
	net->st.conns++;
	return id;
}

/* Drops the copies in flight on conn: they are logged broken, the rest of
 * the heap is rebuilt (its keys are unique, so the order is unchanged). */
static void purge_conn(simnet *net, uint32_t conn)
{
	size_t i, j = 0;

	for (i = 0; i < net->nheap; i++) {
		sn_ev *e = &net->heap[i];
		if (e->conn != conn) {
			net->heap[j++] = *e;
			continue;
		}
		if (e->log != SIZE_MAX)
			net->log[e->log].fate = SIMNET_BROKEN;
		net->st.broken++;
		free(e->bytes);
	}
	net->nheap = j;
	for (i = j / 2; i-- > 0;)
		heap_down(net->heap, net->nheap, i);
}

int simnet_conn_break(simnet *net, uint32_t conn)
{
	sn_conn *c = conn_get(net, conn);
	int a, b;
	void (*cb)(void *, uint32_t, uint64_t);

	if (!c)
		return ESIP_ENOTFOUND;
	if (!c->open)
		return ESIP_ECLOSED;
	c->open = false;
	a = c->a;
	b = c->b;
	node_conn_del(&net->nodes[a], conn);
	node_conn_del(&net->nodes[b], conn);
	purge_conn(net, conn);
	/* Closed before the callbacks, so a callback that sends again sees a
	 * refused conn or opens a new one.  Nodes are re-read after the first
	 * callback: it may have added nodes (a realloc). */
	cb = net->nodes[a].ops.conn_failed;
	if (cb)
		cb(net->nodes[a].ud, conn, net->now);
	cb = net->nodes[b].ops.conn_failed;
	if (b != a && cb)
		cb(net->nodes[b].ud, conn, net->now);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sending                                                              */
/* ------------------------------------------------------------------ */

/* Schedules one copy at now + delay (no earlier than *floor if given,
 * which is then advanced: in-order reliable delivery). */
static int schedule(simnet *net, int from, int to, const esip_dest *dest, uint32_t conn,
		    const void *bytes, size_t len, uint64_t delay, bool dup, bool reordered,
		    uint64_t *floor)
{
	sn_ev e;

	e.bytes = malloc(len ? len : 1);
	if (!e.bytes)
		return ESIP_ENOMEM;
	if (len)
		memcpy(e.bytes, bytes, len);
	e.time = net->now + delay;
	if (floor) {
		if (e.time < *floor)
			e.time = *floor;
		*floor = e.time;
	}
	e.seq = net->seq++;
	e.len = len;
	e.from = from;
	e.to = to;
	e.conn = conn;
	e.tp = dest->tp;
	e.log = simnet__log_add(net, from, to, dest, conn, bytes, len, SIMNET_IN_FLIGHT, dup);
	if (heap_push(net, &e)) {
		free(e.bytes);
		if (e.log == net->nlog - 1)
			net->nlog--; /* never happened */
		return ESIP_ENOMEM;
	}
	if (reordered) {
		net->st.reordered++;
		if (e.log != SIZE_MAX)
			net->log[e.log].reordered = true;
	}
	return 0;
}

static uint64_t draw_delay(simnet *net, const simnet_link *l)
{
	return (uint64_t)l->delay_ms + (l->jitter_ms ? rand_below(net, (uint64_t)l->jitter_ms + 1) : 0);
}

static int send_udp(simnet *net, int from, const esip_dest *dest, const void *bytes, size_t len)
{
	const simnet_link *l;
	int to = addr_lookup(net, &dest->addr), r;
	bool lost, dup;
	uint64_t delay;

	net->st.sent++;
	if (to < 0) {
		simnet__log_add(net, from, SIMNET_NOBODY, dest, 0, bytes, len, SIMNET_UNREACHABLE, false);
		net->st.unreachable++;
		return 0;
	}
	l = link_for(net, from, to);
	/* Drawn in a fixed order (loss, dup, then per copy jitter and
	 * reorder) so that a seed replays exactly. */
	lost = chance(net, l->loss);
	dup = chance(net, l->dup);
	if (lost) {
		simnet__log_add(net, from, to, dest, 0, bytes, len, SIMNET_LOST, false);
		net->st.lost++;
	} else {
		bool late;
		delay = draw_delay(net, l);
		late = chance(net, l->reorder);
		if (late)
			delay += 1 + rand_below(net, l->reorder_ms);
		if ((r = schedule(net, from, to, dest, 0, bytes, len, delay, false, late, NULL)) < 0) {
			net->st.sent--;
			return r;
		}
	}
	if (dup) {
		bool late;
		delay = draw_delay(net, l);
		late = chance(net, l->reorder);
		if (late)
			delay += 1 + rand_below(net, l->reorder_ms);
		/* Out of memory for the extra copy: the network simply did not
		 * duplicate this one. */
		if (!schedule(net, from, to, dest, 0, bytes, len, delay, true, late, NULL))
			net->st.duplicated++;
	}
	return 0;
}

static int refuse(simnet *net, int from, int to, const esip_dest *dest, const void *bytes,
		  size_t len)
{
	simnet__log_add(net, from, to, dest, dest->conn, bytes, len, SIMNET_REFUSED, false);
	net->st.refused++;
	return ESIP_ETRANSPORT;
}

static int send_reliable(simnet *net, int from, const esip_dest *dest, const void *bytes,
			 size_t len, uint32_t *conn_out)
{
	uint32_t id = dest->conn;
	sn_conn *c;
	int to, r;

	if (id) {
		c = conn_get(net, id);
		if (!c || (c->a != from && c->b != from))
			return ESIP_EINVAL; /* not this node's connection: a test bug */
		to = c->a == from ? c->b : c->a;
		if (!c->open)
			return refuse(net, from, to, dest, bytes, len);
	} else {
		if (!esip_addr_family(&dest->addr))
			return ESIP_EINVAL;
		to = addr_lookup(net, &dest->addr);
		if (to < 0)
			return refuse(net, from, SIMNET_NOBODY, dest, bytes, len);
		id = simnet_conn_find(net, from, to, dest->tp);
		if (!id && !(id = conn_open(net, from, to, dest->tp)))
			return ESIP_ENOMEM;
		c = conn_get(net, id);
	}
	r = schedule(net, from, to, dest, id, bytes, len, draw_delay(net, link_for(net, from, to)),
		     false, false, &c->last[c->a == from ? 0 : 1]);
	if (r < 0)
		return r;
	net->st.sent++;
	if (conn_out)
		*conn_out = id;
	return 0;
}

int simnet_send_conn(simnet *net, int from, const esip_dest *dest, const void *bytes,
		     size_t len, uint32_t *conn)
{
	if (conn)
		*conn = 0;
	if (!valid_node(net, from) || !dest || dest->tp == ESIP_TP_NONE || (!bytes && len))
		return ESIP_EINVAL;
	if (esip_tp_reliable(dest->tp))
		return send_reliable(net, from, dest, bytes, len, conn);
	if (!esip_addr_family(&dest->addr))
		return ESIP_EINVAL;
	return send_udp(net, from, dest, bytes, len);
}

int simnet_send(simnet *net, int from, const esip_dest *dest, const void *bytes, size_t len)
{
	return simnet_send_conn(net, from, dest, bytes, len, NULL);
}

/* ------------------------------------------------------------------ */
/* Running                                                              */
/* ------------------------------------------------------------------ */

enum { EV_NONE, EV_DELIVERY, EV_TIMER };

/* The next event: its kind, time and (timers) node.  Deliveries win
 * ties; among timers the lowest node id does. */
static int next_event(const simnet *net, uint64_t *t, int *node)
{
	uint64_t best = net->nheap ? net->heap[0].time : SIMNET_NEVER;
	int kind = net->nheap ? EV_DELIVERY : EV_NONE, i;

	for (i = 0; i < net->ntimed; i++) {
		const sn_node *n = &net->nodes[net->timed[i]];
		uint64_t x = n->ops.next_timeout(n->ud);
		if (x != SIMNET_NEVER && (kind == EV_NONE || x < best)) {
			best = x;
			kind = EV_TIMER;
			*node = net->timed[i];
		}
	}
	*t = best;
	return kind;
}

uint64_t simnet_next_event(const simnet *net)
{
	uint64_t t;
	int node;

	return next_event(net, &t, &node) == EV_NONE ? SIMNET_NEVER : t;
}

bool simnet_pending(const simnet *net) { return simnet_next_event(net) != SIMNET_NEVER; }

static void deliver(simnet *net)
{
	sn_ev e = heap_pop(net);
	esip_rx_info rx;
	const sn_node *to = &net->nodes[e.to];
	void (*recv)(void *, const void *, size_t, const esip_rx_info *, uint64_t) = to->ops.recv;
	void *ud = to->ud;

	if (e.time > net->now)
		net->now = e.time;
	if (e.log != SIZE_MAX) {
		net->log[e.log].fate = SIMNET_DELIVERED;
		net->log[e.log].delivered = net->now;
	}
	net->st.delivered++;
	net->last = (sn_last){EV_DELIVERY, e.from, e.to, e.log, net->now};
	memset(&rx, 0, sizeof rx);
	rx.tp = e.tp;
	rx.peer = net->nodes[e.from].addr;
	rx.local = to->addr;
	rx.conn = e.conn;
	rx.listener = 1;
	/* e is ours now: whatever recv sends goes into the heap, not here. */
	recv(ud, e.bytes, e.len, &rx, net->now);
	free(e.bytes);
}

static void fire(simnet *net, int node, uint64_t t)
{
	const sn_node *n = &net->nodes[node];

	if (t > net->now)
		net->now = t;
	net->st.timer_runs++;
	net->last = (sn_last){EV_TIMER, node, node, SIZE_MAX, net->now};
	n->ops.run_timers(n->ud, net->now);
}

static void fail_limit(simnet *net, uint64_t events)
{
	char what[160];
	const sn_last *l = &net->last;

	if (l->kind == EV_TIMER)
		snprintf(what, sizeof what, "timers of node '%s'", net->nodes[l->from].name);
	else if (l->kind == EV_DELIVERY && l->log != SIZE_MAX)
		snprintf(what, sizeof what, "delivery #%zu %s -> %s \"%s\"", l->log,
			 net->nodes[l->from].name, net->nodes[l->to].name,
			 net->log[l->log].first_line);
	else if (l->kind == EV_DELIVERY)
		snprintf(what, sizeof what, "delivery %s -> %s (not logged)",
			 net->nodes[l->from].name, net->nodes[l->to].name);
	else
		snprintf(what, sizeof what, "none");
	sn_fail(net, ESIP_ELIMIT,
	     "event limit reached: %llu events in one run, at t=%llu ms (livelock?); last event: %s",
	     (unsigned long long)events, (unsigned long long)net->now, what);
}

/* Processes events due at or before t.  Returns 0 (nothing due any more),
 * ESIP_ELIMIT. */
static int run_loop(simnet *net, uint64_t t)
{
	uint64_t events = 0, when;
	int node = 0, kind;

	while ((kind = next_event(net, &when, &node)) != EV_NONE && when <= t) {
		if (events >= net->event_limit) {
			fail_limit(net, events);
			return ESIP_ELIMIT;
		}
		events++;
		net->st.events++;
		if (kind == EV_DELIVERY)
			deliver(net);
		else
			fire(net, node, when);
	}
	return 0;
}

static int enter(simnet *net, const char *fn)
{
	if (net->running) {
		sn_fail(net, ESIP_ESTATE, "%s called from inside a simnet callback", fn);
		return ESIP_ESTATE;
	}
	net->running = true;
	return 0;
}

int simnet_run_until(simnet *net, uint64_t t)
{
	int r;

	if ((r = enter(net, "simnet_run_until")) < 0)
		return r;
	r = run_loop(net, t);
	if (!r && t > net->now)
		net->now = t;
	net->running = false;
	return r;
}

uint64_t simnet_run(simnet *net, uint64_t max_ms)
{
	uint64_t deadline = net->now + max_ms < net->now ? UINT64_MAX : net->now + max_ms;

	if (enter(net, "simnet_run") < 0)
		return net->now;
	/* Quiet before the deadline: the clock stays at the last event. */
	if (!run_loop(net, deadline) && simnet_pending(net) && deadline > net->now)
		net->now = deadline;
	net->running = false;
	return net->now;
}

int simnet_step(simnet *net)
{
	uint64_t when;
	int node = 0, kind, r;

	if ((r = enter(net, "simnet_step")) < 0)
		return r;
	kind = next_event(net, &when, &node);
	if (kind != EV_NONE) {
		net->st.events++;
		if (kind == EV_DELIVERY)
			deliver(net);
		else
			fire(net, node, when);
	}
	net->running = false;
	return kind != EV_NONE;
}

void simnet_set_event_limit(simnet *net, uint64_t max_events) { net->event_limit = max_events; }
