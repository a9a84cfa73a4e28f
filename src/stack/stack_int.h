/*
 * stack_int.h - internals of the stack runtime (esip/stack.h), shared by:
 *
 *   stack.c     lifecycle, the lock, the epoll loop, threads, statistics
 *   deferred.c  application callbacks queued while the lock is held and
 *               run after it is released (log, trace, responses)
 *   uas.c       the UA core's answers to requests (RFC 3261 8.2, 11.2)
 *   uac.c       requests the stack originates (OPTIONS): target, resolver,
 *               building, client transaction, outcome
 *   wire.c      the glue: transport <-> transaction layer, counters
 */
#ifndef ESIP_STACK_INT_H
#define ESIP_STACK_INT_H

#include <esip/stack.h>
#include <esip/transaction.h>
#include <esip/transport.h>

#include <pthread.h>
#include <stdarg.h>

/* One application callback waiting for the lock to be released. */
typedef enum stk_cb_kind { STK_CB_LOG = 1, STK_CB_TRACE, STK_CB_RESPONSE } stk_cb_kind;

typedef struct stk_cb {
	struct stk_cb *next;
	stk_cb_kind kind;
	int level;               /* LOG */
	int status;              /* RESPONSE */
	esip_response_cb fn;     /* RESPONSE */
	void *ud;                /* RESPONSE */
	esip_trace_msg trace;    /* TRACE (bytes point into text) */
	esip_addr local, peer;   /* TRACE */
	size_t len;
	char text[];             /* LOG message / TRACE bytes / RESPONSE reason */
} stk_cb;

/* A request the stack originates, until its outcome is delivered. */
typedef struct stk_req {
	struct stk_req *next, *prev; /* s->reqs: every pending request */
	esip_stack *s;
	esip_response_cb cb;
	void *ud;
	stk_cb *outcome;             /* allocated up front (deferred.c) */
	esip_txn *txn;               /* NULL while resolving */
	uint64_t resolve_id;         /* non-zero while resolving */
	esip_target target;
	esip_addr dst;               /* where the last transaction went */
	char method[16];
	char uri[512];
	unsigned busy;               /* inside a call that may end its txn */
	bool done;                   /* the outcome was queued */
	bool upgraded;               /* moved from UDP to TCP by size (18.1.1) */
	bool got_response;           /* some response arrived (no UDP retry then) */
	bool have_ident;             /* tag/call_id/cseq chosen (a retry keeps them) */
	char tag[24];
	char call_id[300];
	uint32_t cseq;
	bool retry_udp;              /* ... and that TCP failed: retry over UDP */
	bool udp_retried;
} stk_req;

struct esip_stack {
	esip_stack_config cfg;
	const esip_allocator *alloc;
	char user_agent[128];
	char domain[256];
	char public_host[256];       /* from cfg.public_addr, "" if none */
	uint16_t public_port;
	esip_hdr_kv *custom;         /* copies of cfg.custom_headers */
	size_t n_custom;

	pthread_mutex_t lock;
	pthread_t thread;
	bool thread_running;
	bool joining;                /* a stop is joining the thread */
	bool in_process;             /* esip_stack_process runs callbacks */
	bool closing;                /* esip_stack_free began */
	volatile bool stop_requested;
	int epfd;                    /* esip_stack_fd: an epoll holding the transport fd */
	int wake_fd;                 /* eventfd: a public call changed something */

	uint64_t now;                /* loop time of the current iteration */
	esip_timerwheel wheel;
	esip_rand rnd;
	esip_transport *tp;
	esip_txl *txl;
	uint32_t listeners[16];
	esip_tp listener_tp[16];
	size_t n_listeners;

	stk_cb *cb_head, *cb_tail;   /* deferred application callbacks */
	stk_req *reqs;               /* pending originated requests */
	uint32_t cseq;

	esip_stack_stats stats;
};

/* ---- stack.c ------------------------------------------------------------- */
uint64_t esip__stack_now(void);
void esip__stack_wake(esip_stack *s);

/* ---- deferred.c ----------------------------------------------------------- */
/* Formats and queues a log line if level passes the configured one. */
void esip__stack_log(esip_stack *s, esip_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void esip__stack_trace(esip_stack *s, bool outgoing, esip_tp tp, const esip_addr *local,
		       const esip_addr *peer, const void *bytes, size_t len);
/* The record a request's outcome is delivered with, allocated up front. */
#define STK_REASON_MAX 127
stk_cb *esip__stack_response_cb_new(esip_stack *s);
/* Queues it (takes c; the reason is truncated to STK_REASON_MAX). */
void esip__stack_queue_response(esip_stack *s, stk_cb *c, esip_response_cb fn, void *ud,
				int status, const char *reason, size_t reason_len);
/* Takes the queue (under the lock) and runs it (without the lock). */
stk_cb *esip__stack_take_callbacks(esip_stack *s);
void esip__stack_run_callbacks(esip_stack *s, stk_cb *list);
void esip__stack_drop_callbacks(esip_stack *s);

/* ---- wire.c --------------------------------------------------------------- */
int esip__stack_wire(esip_stack *s);   /* creates transport + txl with the glue */
void esip__count_out(esip_stack *s, const void *bytes, size_t len);

/* ---- uas.c ---------------------------------------------------------------- */
void esip__uas_request(esip_stack *s, esip_txn *txn, const esip_msg *m, const esip_rx_info *rx,
		       uint64_t now);
void esip__uas_bad_request(esip_stack *s, const esip_msg *m, int rc, const esip_rx_info *rx);
/* The headers every response of the UA core carries (Server). */
size_t esip__uas_common_headers(esip_stack *s, esip_hdr_kv *out, size_t cap);

/* ---- uac.c ---------------------------------------------------------------- */
void esip__uac_event(esip_stack *s, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		     uint64_t now);
void esip__uac_fail_all(esip_stack *s, int status, const char *reason);

#endif
