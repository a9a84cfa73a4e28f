/*
 * stack_int.h - internals of the stack (esip/stack.h), the adapter that
 * runs the sans-I/O UA core (esip/dialog.h) on real sockets:
 *
 *   stack.c     lifecycle, the lock, the epoll loop, threads, statistics
 *   adapter.c   the glue: transport <-> UA core (received messages,
 *               connections, name lookups, our address, sends)
 *   deferred.c  application callbacks queued while the lock is held and
 *               run after it is released (a tagged union; calls carry a
 *               reference)
 *   api.c       the thread-safe public calls: requests and call control
 */
#ifndef ESIP_STACK_INT_H
#define ESIP_STACK_INT_H

#include <esip/dialog.h>
#include <esip/stack.h>
#include <esip/transport.h>

#include <pthread.h>
#include <stdarg.h>

/* ---- deferred callbacks ------------------------------------------------------ */

typedef enum stk_cb_kind {
	STK_CB_LOG = 1,
	STK_CB_TRACE,
	STK_CB_RESPONSE,
	STK_CB_INCOMING,
	STK_CB_STATE,
	STK_CB_REQUEST,
	STK_CB_REFER,
	STK_CB_REFER_STATUS,
	STK_CB_REG
} stk_cb_kind;

/* One application callback waiting for the lock to be released. */
typedef struct stk_cb {
	struct stk_cb *next;
	stk_cb_kind kind;
	esip_call *call;             /* INCOMING, STATE, REQUEST, REFER*: a reference */
	esip_call *other;            /* STATE: the replaced/replacing call, a reference */
	union {
		struct {
			esip_log_level level;
		} log;
		struct {
			esip_trace_msg m;
			esip_addr local, peer;
		} trace;
		struct {
			esip_response_cb fn;
			void *ud;
			int status;
		} response;
		struct {
			esip_call_event ev;
		} state;
		struct {
			int status;
		} request;
		struct {
			esip_refer_info info;
			size_t referred_by_off; /* in text, after refer_to */
		} refer;
		struct {
			int status;
			bool final, ok;
		} refer_status;
		struct {
			esip_reg *reg;
			esip_reg_state state;
			int status;
			uint32_t expires;
		} reg;
	} u;
	size_t len;
	char text[];                 /* LOG message, TRACE bytes, RESPONSE / STATE
				      * reason, REQUEST method */
} stk_cb;

/* A reason phrase kept with a RESPONSE or STATE record. */
#define STK_REASON_MAX 127

/* Most listening sockets (esip/transport.h). */
#define STK_MAX_LISTENERS ESIP_TRANSPORT_MAX_LISTENERS

/* Destinations whose local address (for a wildcard listener) is kept. */
#define STK_LOCAL_CACHE 8

struct esip_stack {
	esip_stack_config cfg;
	const esip_allocator *alloc;

	pthread_mutex_t lock;
	pthread_cond_t cond;         /* thread_running, in_process changes */
	pthread_t thread;
	bool thread_running;         /* started and not yet joined */
	bool joining;                /* a stop is joining the thread */
	bool in_process;             /* esip_stack_process runs (the lock may be off) */
	pthread_t process_thread;
	bool closing;                /* esip_stack_free began */
	bool free_pending;           /* freed from a callback: the loop frees it */
	volatile bool stop_requested;
	int epfd;                    /* esip_stack_fd: an epoll holding the transport fd */
	int wake_fd;                 /* eventfd: a public call changed something */

	uint64_t now;                /* loop time of the current iteration */
	esip_timerwheel wheel;
	esip_rand rnd;
	esip_transport *tp;
	esip_ua *ua;
	uint32_t listeners[STK_MAX_LISTENERS];
	esip_tp listener_tp[STK_MAX_LISTENERS];
	size_t n_listeners;
	struct {
		esip_addr dst;       /* IP only */
		char host[256];
	} local_cache[STK_LOCAL_CACHE];
	unsigned local_next;

	struct stk_lookup *lookups;  /* name lookups in flight (adapter.c) */
	stk_cb *cb_head, *cb_tail;   /* deferred application callbacks */
	uint64_t callbacks_lost;
};

/* ---- stack.c ------------------------------------------------------------------ */
uint64_t esip__stack_now(void);
void esip__stack_wake(esip_stack *s);
/* Takes the lock for a public call: 0, or ESIP_ECLOSED (lock not held)
 * once esip_stack_free began. */
int esip__stack_enter(esip_stack *s);
/* Flushes what the call produced, releases the lock, wakes the loop. */
void esip__stack_leave(esip_stack *s);

/* ---- deferred.c ----------------------------------------------------------------- */
/* Formats and queues a log line if level passes the configured one. */
void esip__stack_log(esip_stack *s, esip_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void esip__stack_trace(esip_stack *s, bool outgoing, esip_tp tp, const esip_addr *local,
		       const esip_addr *peer, const void *bytes, size_t len);
/* The UA core's events, turned into callback records. */
void esip__stack_ua_event(void *ud, const esip_ua_event *ev);
/* A RESPONSE record allocated up front (an outcome is never lost to a
 * failed allocation): the stack starts each request with it as the UA
 * core's fn_ud, and the core's ESIP_UA_RESPONSE event fills and queues it. */
stk_cb *esip__stack_response_cb_new(esip_stack *s, esip_response_cb fn, void *ud);
/* Takes the queue (under the lock) and runs it (without the lock). */
stk_cb *esip__stack_take_callbacks(esip_stack *s);
void esip__stack_run_callbacks(esip_stack *s, stk_cb *list);
void esip__stack_drop_callbacks(esip_stack *s);

/* ---- adapter.c ---------------------------------------------------------------------- */
/* Creates the transport and the UA core, wired to each other. */
int esip__stack_wire(esip_stack *s);
/* Frees the contexts of lookups still in flight (after the transport). */
void esip__stack_free_lookups(esip_stack *s);

#endif
