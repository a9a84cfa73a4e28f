/*
 * esip/stack.h - the stack runtime: configuration, the event loop, threads,
 * callbacks, logging, statistics.
 *
 * An esip_stack owns the transports (UDP/TCP sockets), the transaction
 * layer and the timer wheel, and runs them from one event loop:
 *   - in its own thread: esip_stack_start() / esip_stack_stop(), or
 *   - in the application's loop: poll esip_stack_fd() for reading with
 *     esip_stack_timeout_ms() as the timeout, then call esip_stack_process().
 *
 * Threads: every public function may be called from any thread.  The stack
 * keeps one lock around its state; the loop holds it while it processes
 * I/O and timers and RELEASES it before calling the application, so a
 * callback may call any public function (including esip_stack_stop from
 * another thread; not esip_stack_free from a callback).  Callbacks run on
 * the loop thread, one at a time, in the order the events happened.
 *
 * Behaviour as a UA core (RFC 3261 8.2) until dialogs exist: OPTIONS is
 * answered 200 with Allow, Accept and Supported (11.2); requests that fail
 * validation get the response validation names (400, 416, 420, 505 ...);
 * unknown methods 501; known methods not handled yet 405 with Allow; stray
 * responses and ACKs are dropped (and counted).
 */
#ifndef ESIP_STACK_H
#define ESIP_STACK_H

#include <esip/core.h>
#include <esip/parser.h>
#include <esip/transport.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esip_stack esip_stack;

/* One message on the wire, for the trace hook. */
typedef struct esip_trace_msg {
	bool outgoing;
	esip_tp tp;
	const esip_addr *local;
	const esip_addr *peer;
	const char *bytes;
	size_t len;
	uint64_t now_ms;
} esip_trace_msg;

/* A listening transport: "udp" or "tcp" on "0.0.0.0:5060", "[::1]:0"
 * (port 0 = any free port; esip_stack_local_addr tells which). */
typedef struct esip_listen {
	esip_tp tp;
	const char *addr;
} esip_listen;

typedef struct esip_stack_config {
	const esip_listen *listen;  /* at least one */
	size_t n_listen;
	const char *public_addr;    /* host[:port] for Via/Contact; NULL = listen address */
	const char *user_agent;     /* User-Agent and Server; NULL = "esip/<version>" */
	const char *domain;         /* our domain (From of requests we originate) */
	esip_tp default_tp;         /* for URIs without ;transport= (default UDP) */

	/* RFC 3261 timers (0 = default): T1 500, T2 4000, T4 5000 ms, Timer B
	 * and F 64*T1 */
	uint32_t t1_ms, t2_ms, t4_ms, timer_b_ms, timer_f_ms;

	/* limits (0 = default) */
	esip_parse_limits limits;   /* message size 65535, line 8192, headers 128 */
	uint32_t max_transactions;  /* 100000; over it new requests get 503 */
	uint32_t max_tcp_conns;     /* 1024 */
	uint32_t tcp_idle_ms;       /* 64 s */
	uint32_t max_tcp_buffer;    /* per connection, queued + unparsed bytes */

	/* added verbatim to every request the stack originates */
	const esip_hdr_kv *custom_headers;
	size_t n_custom_headers;

	const esip_allocator *alloc; /* NULL = libc */

	/* callbacks (all optional), with one user pointer */
	void (*log)(void *ud, esip_log_level level, const char *msg);
	esip_log_level log_level;   /* messages above it are not formatted */
	void (*trace)(void *ud, const esip_trace_msg *m);
	void *ud;
} esip_stack_config;

/* Fills c with defaults (no listen addresses). */
void esip_stack_config_init(esip_stack_config *c);

/* Creates the stack: binds every listen address.  Errors: ESIP_EINVAL
 * (bad config, with a log message), ESIP_ESYS (bind failed; errno), ... */
int esip_stack_new(const esip_stack_config *c, esip_stack **out);
/* Stops the loop thread if running, terminates in-flight transactions,
 * closes every socket and frees everything.  Every request still pending
 * gets its callback once, here, with 503 "Stack Stopped" (so its owner
 * can free what it passed as ud).  Not from a callback. */
void esip_stack_free(esip_stack *s);

/* Runs the loop in a thread of the stack's own.  ESIP_ESTATE if it runs
 * already, ESIP_ESYS if the thread cannot be created. */
int esip_stack_start(esip_stack *s);
/* Stops that thread (returns when it has exited).  ESIP_ESTATE if no
 * thread runs, or when called from the loop thread itself (a callback):
 * then the loop stops after the callback, but nobody has joined it. */
int esip_stack_stop(esip_stack *s);

/* Driving the stack from the application's own loop (no esip_stack_start):
 * poll esip_stack_fd() for POLLIN with esip_stack_timeout_ms() as the
 * timeout (-1 = no timer pending), then call esip_stack_process(), which
 * never blocks: it reads what is ready, runs due timers, sends, and runs
 * the callbacks.  esip_stack_process returns 0, or ESIP_ESTATE while the
 * stack's own thread runs. */
int esip_stack_fd(esip_stack *s);
int esip_stack_timeout_ms(esip_stack *s);
int esip_stack_process(esip_stack *s);

/* The bound address of the first listener of transport tp. */
int esip_stack_local_addr(esip_stack *s, esip_tp tp, esip_addr *out);

/* ---- requests the stack originates -------------------------------- */

/* Final outcome of a request: the status code (408 on timeout, 503 on a
 * transport error, per RFC 3261 8.1.3.1) and its reason phrase. */
typedef void (*esip_response_cb)(void *ud, int status, const char *reason);

/*
 * Sends OPTIONS (RFC 3261 11) to uri ("sip:host:port;transport=tcp") in a
 * client transaction.  The transport comes from ;transport= or
 * default_tp, the port from the URI or 5060; a host name is resolved
 * without blocking the loop (no SRV yet); a request over 1300 bytes goes
 * over TCP when the stack listens on TCP (18.1.1).  The request carries a
 * fresh branch (with rport, RFC 3581), From tag and Call-ID, the
 * User-Agent and the configured custom headers; its sent-by is
 * public_addr if set, else the listener's address.
 * Returns 0 (then cb runs exactly once, on the loop thread: the final
 * status, 408 on a timeout, 503 on a transport or resolution failure -
 * 8.1.3.1), or at once ESIP_EINVAL (not a URI), ESIP_ENOTSUP (sips:,
 * transports other than UDP and TCP), ESIP_ENOTFOUND (no listener of the
 * destination's address family), ESIP_ELIMIT, ESIP_ENOMEM - and then cb
 * is never called.
 */
int esip_stack_send_options(esip_stack *s, const char *uri, esip_response_cb cb, void *ud);

/* ---- statistics ------------------------------------------------------ */

typedef struct esip_stack_stats {
	uint64_t requests_in[ESIP_METHOD__COUNT];   /* by method (OTHER = unknown) */
	uint64_t requests_out[ESIP_METHOD__COUNT];
	uint64_t responses_in[7];                   /* by class: [1]..[6] */
	uint64_t responses_out[7];
	uint64_t parse_errors;       /* messages that failed to parse (also those over
				      * limits.max_msg_size: dropped) */
	uint64_t dropped;            /* stray responses, ACKs, undeliverable */
	uint64_t retransmissions;    /* sent by transaction timers */
	uint64_t absorbed;           /* received retransmissions */
	uint64_t over_limit;         /* requests refused over max_transactions: received
				      * ones with 503, our own with ESIP_ELIMIT */
	uint32_t transactions_live;
	uint32_t tcp_conns;          /* open now */
	uint64_t tcp_accepted, tcp_connected, tcp_closed;
	uint64_t bytes_in, bytes_out;
} esip_stack_stats;

void esip_stack_get_stats(esip_stack *s, esip_stack_stats *out);

/* "esip <version>" */
const char *esip_version(void);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_STACK_H */
