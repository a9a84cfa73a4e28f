/*
 * esip/stack.h - the stack: the UA core (esip/dialog.h) on real sockets,
 * with its event loop, threads, callbacks, logging and statistics.
 *
 * An esip_stack owns the transports (UDP/TCP sockets, esip/transport.h),
 * the UA core with its transaction layer, and the timer wheel, and runs
 * them from one event loop:
 *   - in its own thread: esip_stack_start() / esip_stack_stop(), or
 *   - in the application's loop: poll esip_stack_fd() for reading with
 *     esip_stack_timeout_ms() as the timeout, then call esip_stack_process().
 *
 * Threads: every public function of this header may be called from any
 * thread, also from inside a callback.  The stack keeps one lock around
 * its state; the loop holds it while it processes I/O and timers and
 * RELEASES it before calling the application, so a callback may call any
 * public function.  Callbacks run on the loop thread, one at a time, in
 * the order the events happened.
 *
 * Lifetimes:
 *   - esip_stack_free() may be called from any thread, also from a
 *     callback; it returns when the stack is gone, except from a callback,
 *     where it returns at once and the stack is freed when that callback
 *     returns (no callback runs after it).  A second esip_stack_free of the
 *     same stack, or any use of it after esip_stack_free returned, is a
 *     bug (as with free()).
 *   - esip_stack_stop() is idempotent and may be called from any thread;
 *     from a callback it asks the loop to stop after the callback and
 *     returns.
 *   - Calls (esip_call) are reference counted (esip/dialog.h): the
 *     application owns the reference esip_call_make() gives and the ones
 *     it takes with esip_call_ref(), and releases each with
 *     esip_call_unref(), from any thread, also after esip_stack_free (the
 *     memory comes from the config's allocator, which must outlive every
 *     handle).  A call given to a callback is valid during it.  A call
 *     that ended (a final state), or whose stack was freed, is detached:
 *     operations on it return ESIP_ESTATE, accessors still work; after
 *     esip_stack_free only esip_call_unref, esip_call_get_state / _status
 *     and the immutable accessors of esip/dialog.h may be used.
 *
 * What the UA does by itself (RFC 3261 8.2): OPTIONS is answered 200 with
 * Allow, Accept and Supported (11.2); requests that fail validation get
 * the response validation names (400, 416, 420, 505 ...), unknown methods
 * 501, known methods it does not handle 405 with Allow; requests for
 * dialogs it does not have 481 (12.2.2); an INVITE becomes an incoming
 * call (the incoming_call callback), answered 480 if the application
 * never decides.
 */
#ifndef ESIP_STACK_H
#define ESIP_STACK_H

#include <esip/core.h>
#include <esip/dialog.h>
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

/* A call's state change (the call_state callback). */
typedef struct esip_call_event {
	esip_call_state prev, state;
	const char *event;    /* the dialog.def event that caused it ("receive_180") */
	esip_call_dir dir;
	int status;           /* the response that caused it (received or sent), 0 if none */
	const char *reason;   /* its reason phrase ("" if none) */
	esip_call *other;     /* RFC 3891: the call this one replaces or is replaced
			       * by, valid during the callback; NULL if none */
} esip_call_event;

/* A REFER that arrived in a call (the incoming_refer callback). */
typedef struct esip_refer_info {
	const char *refer_to;    /* the Refer-To value */
	const char *referred_by; /* the Referred-By value, "" if none */
	bool replaces;           /* attended: the Refer-To URI carries Replaces */
} esip_refer_info;

/*
 * The application's callbacks (all optional), with one user pointer.
 * Each runs on the loop thread with no lock held.
 */
typedef struct esip_stack_callbacks {
	/* A log line at or below log_level. */
	void (*log)(void *ud, esip_log_level level, const char *msg);
	/* Every message sent and received, as bytes. */
	void (*trace)(void *ud, const esip_trace_msg *m);
	/* A new incoming call (state INCOMING): ring, accept or reject it now
	 * or later (esip_call_ring/accept/reject).  esip_call_ref() keeps it
	 * past the callback.  Without this callback calls are rejected 480. */
	void (*incoming_call)(void *ud, esip_call *call);
	/* Every state change of every call, in order. */
	void (*call_state)(void *ud, esip_call *call, const esip_call_event *ev);
	/* A request inside a call that did not change its state (re-INVITE,
	 * UPDATE, INFO ...): its method and the status the stack answered;
	 * also the ACK that confirms our 2xx (method "ACK", status 0). */
	void (*call_request)(void *ud, esip_call *call, const char *method, int status);
	/* A REFER arrived in the call (state REFERRED) and ua.refer_policy is
	 * ESIP_POLICY_ASK: answer with esip_call_refer_accept / _reject, now
	 * or later.  Without this callback ASK acts as ACCEPT. */
	void (*incoming_refer)(void *ud, esip_call *call, const esip_refer_info *info);
	/* A REFER this side sent: a NOTIFY's progress (status 100, 180 ...)
	 * or, final, the outcome (ok: the transfer target answered). */
	void (*refer_status)(void *ud, esip_call *call, int status, bool final, bool ok);
	/* A registration changed state (esip_stack_register): the response
	 * status that caused it, the granted expiry when registered. */
	void (*reg_state)(void *ud, esip_reg *reg, esip_reg_state state, int status,
			  uint32_t expires);
	void *ud;
} esip_stack_callbacks;

typedef struct esip_stack_config {
	const esip_listen *listen;  /* at least one */
	size_t n_listen;
	/* the UA: identity (user, domain, user_agent, public_addr), the
	 * transaction timers and limits (ua.txl: T1, T2, T4, Timer B/F,
	 * max_transactions), dialog limits, custom headers, default transport */
	esip_ua_config ua;
	/* the sockets: parse limits, TCP connection limits and timeouts, UDP
	 * queue; see esip/transport.h for each field and its default */
	esip_transport_config transport;
	esip_log_level log_level;   /* messages above it are not formatted (default INFO) */
	esip_stack_callbacks cb;
	const esip_allocator *alloc; /* for everything; NULL = libc.  Must outlive
				      * every call handle. */
} esip_stack_config;

/* Fills c with defaults (no listen addresses); ua.txl.cleanup_slot_ms is
 * 64 here (esip/transaction.h: transactions end their absorbing states
 * in 64 ms slots, so that their ends wake the loop together). */
void esip_stack_config_init(esip_stack_config *c);

/* Creates the stack: binds every listen address.  Errors: ESIP_EINVAL
 * (bad config, with a log message), ESIP_ESYS (bind failed; errno), ... */
int esip_stack_new(const esip_stack_config *c, esip_stack **out);
/* Stops the loop, ends every call (state changes reported: TERMINATED or
 * FAILED, event "terminate", after a last BYE / CANCEL / 480 on the wire),
 * answers every pending request's callback (503 "Stack Stopped"), closes
 * every socket and frees everything (see "Lifetimes" above). */
void esip_stack_free(esip_stack *s);

/* Runs the loop in a thread of the stack's own.  ESIP_ESTATE if it runs
 * already (or esip_stack_process is running), ESIP_ECLOSED once
 * esip_stack_free began, ESIP_ESYS if the thread cannot be created. */
int esip_stack_start(esip_stack *s);
/* Stops that thread: returns when it has exited (0), also when it was not
 * running or another thread is stopping it.  From a callback: the loop
 * stops after the callback (0). */
int esip_stack_stop(esip_stack *s);

/* Driving the stack from the application's own loop (no esip_stack_start):
 * poll esip_stack_fd() for POLLIN with esip_stack_timeout_ms() as the
 * timeout (-1 = no timer pending), then call esip_stack_process(), which
 * never blocks: it reads what is ready, runs due timers, sends, and runs
 * the callbacks.  esip_stack_process returns 0, or ESIP_ESTATE while the
 * stack's own thread runs or from inside a callback. */
int esip_stack_fd(esip_stack *s);
int esip_stack_timeout_ms(esip_stack *s);
int esip_stack_process(esip_stack *s);

/* The bound address of the first listener of transport tp. */
int esip_stack_local_addr(esip_stack *s, esip_tp tp, esip_addr *out);

/* ---- requests outside calls ------------------------------------------------ */

/* Final outcome of a request: the status code (408 on timeout, 503 on a
 * transport error, per RFC 3261 8.1.3.1) and its reason phrase. */
typedef void (*esip_response_cb)(void *ud, int status, const char *reason);

/*
 * Sends OPTIONS (RFC 3261 11) to uri ("sip:host:port;transport=tcp") in a
 * client transaction (esip_ua_send_request in esip/dialog.h says how).
 * Returns 0 (then cb runs exactly once, on the loop thread: the final
 * status, 408 on a timeout, 503 on a transport or resolution failure or
 * when the stack is freed first, with "Stack Stopped" - 8.1.3.1), or at
 * once ESIP_EINVAL (not a URI), ESIP_ENOTSUP (sips:, transports other
 * than UDP and TCP), ESIP_ENOTFOUND (no listener of the destination's
 * address family), ESIP_ELIMIT, ESIP_ENOMEM, ESIP_ECLOSED - and then cb
 * is never called.
 */
int esip_stack_send_options(esip_stack *s, const char *uri, esip_response_cb cb, void *ud);

/* ---- calls (esip/dialog.h describes each operation) ------------------------- */

/* Places a call (INVITE); *out gets a reference the caller owns. */
int esip_call_make(esip_stack *s, const esip_call_params *p, esip_call **out);
int esip_call_ring(esip_call *c, unsigned status, const char *sdp, size_t sdp_len);
int esip_call_accept(esip_call *c, const char *sdp, size_t sdp_len);
int esip_call_reject(esip_call *c, unsigned status, const char *reason);
int esip_call_cancel(esip_call *c);
int esip_call_hangup(esip_call *c);
/* Transfer (RFC 3515, RFC 3891): blind (replaces NULL) or attended (the
 * other call of this stack whose dialog the target takes over).  See
 * esip_ua_call_refer. */
int esip_call_refer(esip_call *c, const char *target, esip_call *replaces,
		    const esip_refer_opts *opts);
int esip_call_refer_accept(esip_call *c);
int esip_call_refer_reject(esip_call *c, unsigned status);
/* Places a call with Replaces (MakeCallWithReplaces); *out as with
 * esip_call_make. */
int esip_call_make_replacing(esip_stack *s, const esip_call_params *p,
			     const esip_replaces_params *r, esip_call **out);
/* The state and the last response status now (lock-free; also after
 * esip_stack_free, while a reference is held). */
esip_call_state esip_call_get_state(esip_call *c);
unsigned esip_call_get_status(esip_call *c);
/* Copies (NUL-terminated); the length or ESIP_ENOSPC. */
long esip_call_remote_tag(esip_call *c, char *out, size_t cap);
long esip_call_remote_target(esip_call *c, char *out, size_t cap);
long esip_call_remote_sdp(esip_call *c, char *out, size_t cap);

/* ---- registration (esip/dialog.h: esip_ua_register) ------------------------ */

/* Registers with p->registrar (RFC 3261 10.2), refreshes, answers
 * challenges with ua.credentials; the reg_state callback reports each
 * change.  *out (may be NULL) is valid until esip_stack_free, which
 * removes the binding (a last REGISTER with Expires: 0). */
int esip_stack_register(esip_stack *s, const esip_register_params *p, esip_reg **out);
int esip_stack_unregister(esip_stack *s, esip_reg *r);

/* ---- statistics ------------------------------------------------------------------ */

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
	uint64_t over_limit;         /* requests refused over max_transactions or
				      * ua.txl.max_bytes: received ones with 503, our
				      * own with ESIP_ELIMIT */
	uint64_t over_bytes;         /* of those, refused over ua.txl.max_bytes */
	uint64_t sent_by_mismatch;   /* responses whose top Via sent-by is not the
				      * one we sent (18.1.2: dropped) */
	uint64_t unreachable;        /* ICMP errors that failed transactions at once
				      * (RFC 3261 18.4) */
	uint32_t transactions_live;
	uint32_t tcp_conns;          /* open now */
	uint64_t tcp_accepted, tcp_connected, tcp_closed;
	uint64_t tcp_rejected;       /* inbound refused: max_tcp_conns or
				      * max_tcp_conns_per_ip */
	uint64_t tcp_timeouts;       /* closed: idle, or a message not complete within
				      * tcp_msg_timeout_ms (slow senders) */
	uint64_t bytes_in, bytes_out;
	/* calls (the product brief's statistics) */
	uint32_t active_dialogs;     /* calls not in a final state */
	uint64_t calls_in, calls_out;
	uint64_t calls_established;  /* successful calls */
	uint64_t calls_failed;       /* calls that never got established */
	uint64_t invites, byes, refers; /* sent and received, no retransmissions */
	uint64_t replaces;           /* RFC 3891 replacements */
	uint64_t refers_ok, refers_failed; /* REFER outcomes, both roles */
	uint64_t calls_over_limit;   /* INVITEs refused over max_dialogs */
	uint64_t call_bytes;         /* memory held by live calls */
	uint64_t callbacks_lost;     /* application callbacks dropped: no memory */
} esip_stack_stats;

void esip_stack_get_stats(esip_stack *s, esip_stack_stats *out);

/* "esip <version>" */
const char *esip_version(void);

#ifdef __cplusplus
}
#endif
#endif /* ESIP_STACK_H */
