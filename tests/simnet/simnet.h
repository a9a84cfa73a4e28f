/*
 * simnet.h - an in-memory network on a virtual clock for tests.
 *
 * Several sans-I/O instances ("nodes") live in one process; simnet
 * carries their datagrams with seeded delay, jitter, loss, duplication and
 * reordering, and drives their timers on a virtual millisecond clock
 * (../shared/DESIGN.md "Sans-I/O core, thin I/O adapter").  A 32-second
 * Timer B scenario runs in microseconds and replays exactly from its seed.
 *
 * simnet knows nothing about SIP.  It moves opaque bytes between esip_addr
 * endpoints; the only look inside a datagram is the log's "first line"
 * (the bytes up to the first CR or LF), kept so that tests can assert
 * "INVITE sent at 0, 500, 1500, 3500 ms".
 *
 * Model
 *  - A node is an address, a name for the log and four callbacks.  Every
 *    node has one socket: rx->local is its address, rx->listener is 1 and
 *    dest->listener is ignored.
 *  - Unreliable transport (dest->tp UDP): each datagram crosses the link
 *    (from, to) with delay_ms + uniform[0, jitter_ms]; it is lost with
 *    probability `loss`; with probability `dup` a second copy is made
 *    (delayed independently, never lost); with probability `reorder` a
 *    copy gets an extra uniform[1, reorder_ms] so that later datagrams
 *    overtake it.  A datagram to an address with no node is silently lost
 *    (as UDP would be without ICMP) and logged SIMNET_UNREACHABLE.
 *  - Reliable transports (esip_tp_reliable(): TCP, TLS, ...): messages go
 *    over a connection between the two nodes, identified by a non-zero
 *    uint32 that both ends see (rx->conn) and that is never reused.  A
 *    send with dest->conn == 0 reuses the open connection of that pair and
 *    transport, or opens one.  Messages arrive in order, never lost or
 *    duplicated, with the link's delay and jitter (jitter never reorders:
 *    a message is never delivered before the one sent before it on the same
 *    connection and direction).  There is no handshake: opening costs
 *    nothing and the first message takes the normal delay.  A reliable
 *    send fails synchronously with ESIP_ETRANSPORT (connection refused)
 *    when dest->addr has no node, or when dest->conn names a connection
 *    that is broken; it is logged SIMNET_REFUSED.  No fallback to a new
 *    connection is made: that is the caller's decision (RFC 3261 18.2.2).
 *    rx->peer of a reliable message is the sender node's address (simnet
 *    has no ephemeral client ports).
 *  - simnet_conn_break() closes a connection: conn_failed is called on
 *    both ends at the current time (the opener first), messages still in
 *    flight on it are dropped (SIMNET_BROKEN), later sends on it fail.
 *
 * Running
 *  - The clock only moves inside simnet_run / simnet_run_until /
 *    simnet_step, event by event: the earliest pending delivery or the
 *    earliest next_timeout() of any node.  Datagrams due at the same time
 *    are delivered in the order they were sent; at equal times deliveries
 *    come before timers (an event loop reads its sockets, then runs its
 *    timers), and timers of several nodes run in node order.
 *  - next_timeout() is polled on every node that has one before every
 *    event (so it should be cheap, like esip_timerwheel_next_expiry), and
 *    a node may arm timers at any time, inside callbacks or between runs.
 *    A timer already in the past runs at the current time.
 *  - Callbacks may call simnet_send, simnet_conn_break, simnet_node_add and
 *    every query; they must not call simnet_run, simnet_run_until,
 *    simnet_step or simnet_free.
 *  - Each call of simnet_run / simnet_run_until processes at most the
 *    event limit (default SIMNET_EVENT_LIMIT).  Hitting it means a
 *    livelock (two nodes echoing forever, a timer that never advances):
 *    the run stops, the error is recorded (simnet_error) and the failure
 *    hook is called; the default hook prints the message and the tail of
 *    the log to stderr and fails the current Check test (ck_abort_msg).
 *
 * Determinism: one xoshiro256** generator seeded with splitmix64(seed)
 * makes every random choice, in event order.  The same seed and the same
 * sequence of calls give the same log; nothing reads a real clock, a
 * socket or a thread.
 *
 * Memory: each datagram is copied into a buffer of exactly its length (so
 * ASan catches a receiver reading past the end) and freed after delivery;
 * bytes passed to recv are valid only during the call.
 */
#ifndef ESIP_SIMNET_H
#define ESIP_SIMNET_H

#include <esip/core.h>
#include <esip/net.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct simnet simnet;

#define SIMNET_ANY (-1)    /* node wildcard in queries and simnet_link_set */
#define SIMNET_NOBODY (-2) /* "to" of a datagram whose address has no node */
#define SIMNET_NEVER UINT64_MAX /* no timer / not delivered */
#define SIMNET_EVENT_LIMIT 10000000u /* default events per run call */
#define SIMNET_LOG_CAP 200000u       /* default log entries */
#define SIMNET_FIRST_LINE 64         /* bytes kept of a first line, NUL included */

/* ---- lifecycle and clock ------------------------------------------- */

/* A network with no node, a perfect default link, the clock at 0.
 * NULL only if out of memory. */
simnet *simnet_new(uint64_t seed);
/* The same with the clock starting at start_ms. */
simnet *simnet_new_at(uint64_t seed, uint64_t start_ms);
/* Frees in-flight datagrams, the log, the nodes (never their ud). */
void simnet_free(simnet *net);
/* Virtual time in ms. */
uint64_t simnet_now(const simnet *net);
/* The network's generator, for tests that want seeded choices of their
 * own (it is the one simnet draws from: using it changes the run). */
uint64_t simnet_rand(simnet *net);

/* ---- nodes --------------------------------------------------------- */

typedef struct simnet_node_ops {
	/* Required.  A datagram arrived: rx->tp as sent, rx->peer the
	 * sender's address, rx->local this node's address, rx->conn the
	 * connection (reliable) or 0.  bytes is valid during the call only. */
	void (*recv)(void *ud, const void *bytes, size_t len, const esip_rx_info *rx,
		     uint64_t now);
	/* Optional.  Absolute ms of the node's next timer, SIMNET_NEVER if
	 * none (NULL: the node has no timers). */
	uint64_t (*next_timeout)(void *ud);
	/* Optional (required with next_timeout).  Called at the time
	 * next_timeout() returned, with now = that time (or the current time
	 * if it was in the past). */
	void (*run_timers)(void *ud, uint64_t now);
	/* Optional.  Connection conn of this node broke (simnet_conn_break). */
	void (*conn_failed)(void *ud, uint32_t conn, uint64_t now);
} simnet_node_ops;

/*
 * Adds a node (name and ops are copied; ud is the callbacks' argument).
 * Returns its id (0, 1, 2, ... in order of addition) or ESIP_EINVAL (no
 * name, unset address, no recv, run_timers missing), ESIP_EEXIST (another
 * node has that address and port) or ESIP_ENOMEM.
 */
int simnet_node_add(simnet *net, const char *name, const esip_addr *addr,
		    const simnet_node_ops *ops, void *ud);
/* Number of nodes. */
int simnet_node_count(const simnet *net);
/* Name / address of node id (NULL if no such node). */
const char *simnet_node_name(const simnet *net, int id);
const esip_addr *simnet_node_addr(const simnet *net, int id);
/* Id of the node at addr (exact address and port), or ESIP_ENOTFOUND. */
int simnet_node_find(const simnet *net, const esip_addr *addr);

/* ---- links ----------------------------------------------------------- */

typedef struct simnet_link {
	uint32_t delay_ms;   /* fixed one-way delay */
	uint32_t jitter_ms;  /* plus uniform random [0, jitter_ms] */
	double loss;         /* unreliable only: P(datagram lost) */
	double dup;          /* unreliable only: P(a second copy) */
	double reorder;      /* unreliable only: P(a copy is held back) */
	uint32_t reorder_ms; /* extra delay of a held-back copy: [1, reorder_ms] */
} simnet_link;

/* All zero: delivery at the same millisecond, nothing lost. */
#define SIMNET_LINK_PERFECT ((simnet_link){0, 0, 0.0, 0.0, 0.0, 0})

/*
 * The link used by every ordered pair without a link of its own.
 * ESIP_EINVAL if a probability is outside [0, 1] or reorder > 0 with
 * reorder_ms == 0.
 */
int simnet_link_default(simnet *net, const simnet_link *l);
/*
 * The link of the ordered pair from -> to (one direction).  SIMNET_ANY as
 * from and/or to sets it for every matching pair of the nodes that exist
 * now.  ESIP_EINVAL for a bad link or node id.
 */
int simnet_link_set(simnet *net, int from, int to, const simnet_link *l);
/* Back to the default link (same wildcards). */
int simnet_link_clear(simnet *net, int from, int to);
/* The link in effect for from -> to (the default for unknown ids). */
simnet_link simnet_link_get(const simnet *net, int from, int to);

/* ---- sending --------------------------------------------------------- */

/*
 * Sends len bytes from node `from` to dest (bytes are copied).  Returns 0
 * once the network has the datagram, whatever its fate (loss, an address
 * with no node: see the model above); ESIP_ETRANSPORT when a reliable send
 * is refused; ESIP_EINVAL for an unknown from, dest->tp NONE, an unset
 * address or a dest->conn that is not one of from's connections;
 * ESIP_ENOMEM.  The signature fits esip_txl_callbacks.send with a small
 * wrapper.
 */
int simnet_send(simnet *net, int from, const esip_dest *dest, const void *bytes, size_t len);
/* The same, and *conn (if not NULL) is the connection used (0 for UDP or
 * on failure). */
int simnet_send_conn(simnet *net, int from, const esip_dest *dest, const void *bytes,
		     size_t len, uint32_t *conn);

/* ---- connections ---------------------------------------------------- */

/* The open connection between nodes a and b over tp (either opener), or 0. */
uint32_t simnet_conn_find(const simnet *net, int a, int b, esip_tp tp);
/* True while conn is open. */
bool simnet_conn_open(const simnet *net, uint32_t conn);
/* The two ends of conn (opener first); ESIP_ENOTFOUND if it never existed. */
int simnet_conn_ends(const simnet *net, uint32_t conn, int *opener, int *acceptor);
/* Closes conn now: conn_failed on both ends, in-flight messages dropped.
 * ESIP_ENOTFOUND if conn never existed, ESIP_ECLOSED if already broken. */
int simnet_conn_break(simnet *net, uint32_t conn);

/* ---- running ---------------------------------------------------------- */

/*
 * Processes every event due at or before t, then sets the clock to t
 * (never backwards).  Returns 0, ESIP_ELIMIT (event limit hit; the clock
 * stays at the livelock's time) or ESIP_ESTATE (called from a callback).
 */
int simnet_run_until(simnet *net, uint64_t t);
/*
 * Runs until nothing is pending (no datagram in flight, no node timer)
 * or max_ms of virtual time have passed, whichever comes first; returns
 * the clock.  When the network went quiet the clock stays at the last
 * event, else it is now + max_ms.  Errors as simnet_run_until, through
 * simnet_error().
 */
uint64_t simnet_run(simnet *net, uint64_t max_ms);
/* Processes the single next event (the clock jumps to it).  Returns 1, 0
 * if nothing is pending, or ESIP_ESTATE from a callback. */
int simnet_step(simnet *net);
/* True if a datagram is in flight or a node has a timer. */
bool simnet_pending(const simnet *net);
/* Time of the next event, SIMNET_NEVER if none. */
uint64_t simnet_next_event(const simnet *net);

/* Events (deliveries + run_timers calls) allowed per run call;
 * UINT64_MAX for no limit. */
void simnet_set_event_limit(simnet *net, uint64_t max_events);
/* Called on a fatal test-harness error (event limit, run from a
 * callback) with a one-line message.  NULL restores the default, which
 * dumps the log tail to stderr and fails the Check test. */
typedef void (*simnet_fail_fn)(void *ud, const char *msg);
void simnet_set_fail_hook(simnet *net, simnet_fail_fn fn, void *ud);
/* First error seen (0 if none) and its message ("" if none). */
int simnet_error(const simnet *net);
const char *simnet_error_msg(const simnet *net);

/* ---- log and statistics --------------------------------------------- */

typedef enum simnet_fate {
	SIMNET_IN_FLIGHT = 0, /* not yet delivered */
	SIMNET_DELIVERED,     /* handed to the receiver's recv */
	SIMNET_LOST,          /* dropped by the link's loss */
	SIMNET_UNREACHABLE,   /* unreliable, no node at that address */
	SIMNET_REFUSED,       /* reliable send failed: no node / broken conn */
	SIMNET_BROKEN         /* in flight on a connection that broke */
} simnet_fate;

/* "in-flight", "delivered", "lost", "unreachable", "refused", "broken". */
const char *simnet_fate_name(simnet_fate f);

/* One copy of one datagram, in order of sending (a duplicate copy is
 * logged right after its original). */
typedef struct simnet_log_entry {
	uint64_t sent;       /* clock at simnet_send */
	uint64_t delivered;  /* delivery time, SIMNET_NEVER if not delivered */
	int from, to;        /* node ids; to is SIMNET_NOBODY if no node */
	esip_tp tp;
	uint32_t conn;       /* reliable: the connection, else 0 */
	simnet_fate fate;
	bool dup;            /* the extra copy made by the link's dup */
	bool reordered;      /* held back by the link's reorder */
	size_t len;
	esip_addr dst;       /* dest->addr as given */
	size_t first_len;    /* length of first_line (at most SIMNET_FIRST_LINE - 1) */
	char first_line[SIMNET_FIRST_LINE]; /* bytes before the first CR/LF, NUL-terminated */
} simnet_log_entry;

/* Entries kept at most (default SIMNET_LOG_CAP; 0 keeps none).  Datagrams
 * beyond the cap are still carried, counted in stats.log_dropped. */
void simnet_set_log_cap(simnet *net, size_t cap);
size_t simnet_log_count(const simnet *net);
/* Entry i (0 = first sent), NULL if out of range. */
const simnet_log_entry *simnet_log_get(const simnet *net, size_t i);

/*
 * Queries over the log.  from/to are node ids, SIMNET_ANY or (to)
 * SIMNET_NOBODY; prefix matches the start of the first line, byte-exact
 * (NULL or "" matches everything; a prefix longer than the kept first
 * line never matches).
 *  simnet_count        copies delivered (duplicates included);
 *  simnet_count_sent   datagrams sent (one per successful or refused
 *                      simnet_send, duplicates excluded, any fate);
 *  simnet_log_times    the send times of those, into out[0..max); returns
 *                      how many matched (may exceed max).
 */
size_t simnet_count(const simnet *net, int from, int to, const char *prefix);
size_t simnet_count_sent(const simnet *net, int from, int to, const char *prefix);
size_t simnet_log_times(const simnet *net, int from, int to, const char *prefix,
			uint64_t *out, size_t max);
/* The whole log, one line per entry, for a failing test. */
void simnet_log_dump(const simnet *net, FILE *f);
/* The last n entries. */
void simnet_log_dump_tail(const simnet *net, FILE *f, size_t n);

typedef struct simnet_stats {
	uint64_t sent;        /* datagrams accepted (not refused) */
	uint64_t delivered;   /* copies delivered (duplicates included) */
	uint64_t lost;        /* SIMNET_LOST */
	uint64_t duplicated;  /* extra copies made */
	uint64_t reordered;   /* copies held back */
	uint64_t unreachable; /* SIMNET_UNREACHABLE */
	uint64_t refused;     /* SIMNET_REFUSED */
	uint64_t broken;      /* SIMNET_BROKEN */
	uint64_t timer_runs;  /* run_timers calls */
	uint64_t events;      /* deliveries + timer runs */
	uint64_t conns;       /* connections opened */
	uint64_t log_dropped; /* entries not kept: log at its cap */
} simnet_stats;

void simnet_get_stats(const simnet *net, simnet_stats *out);

#endif /* ESIP_SIMNET_H */
