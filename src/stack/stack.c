/*
 * stack.c - the stack runtime: configuration, lifecycle, the one lock, the
 * epoll loop (in the stack's own thread or driven by the application's
 * loop), statistics.
 *
 * Threads: every public function takes s->lock.  The loop holds it while
 * it processes I/O and timers and releases it before it calls the
 * application (deferred.c), so callbacks run on the loop thread with no
 * lock held and may call any public function.  A public call that starts
 * something wakes the loop through an eventfd, so it waits for the new
 * next timer.  The transport and the UA core are used under the lock
 * only: one thread at a time, as their contracts want.
 *
 * Ending (esip/stack.h "Lifetimes"): s->cond signals every change of
 * thread_running, joining and in_process.  esip_stack_free waits until
 * no loop runs anywhere (the stack's thread joined, no esip_stack_process
 * in progress) before it destroys anything; from a callback it only marks
 * the stack, and the loop that ran the callback destroys it when it is
 * done with it.
 *
 * Time: CLOCK_MONOTONIC in ms, read once per loop iteration and passed
 * to every layer (they never read a clock).
 */
#include "stack_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#ifndef ESIP_VERSION_STRING
#error "meson passes ESIP_VERSION_STRING (the project version)"
#endif

/* Longest wait the loop makes when no timer is due (a timeout above it
 * would not fit an int of ms either). */
#define STK_MAX_WAIT_MS 3600000

const char *esip_version(void) { return "esip " ESIP_VERSION_STRING; }

uint64_t esip__stack_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void esip__stack_wake(esip_stack *s)
{
	uint64_t one = 1;
	ssize_t n = write(s->wake_fd, &one, sizeof one);

	(void)n; /* EAGAIN: the counter is already non-zero, the loop wakes */
}

/* The wake eventfd sits in the transport's epoll (esip_transport_watch):
 * drained only when it fired, not on every iteration (a system call). */
static void drain_wake(void *ud)
{
	esip_stack *s = ud;
	uint64_t v;
	ssize_t n = read(s->wake_fd, &v, sizeof v);

	(void)n;
}

void esip_stack_config_init(esip_stack_config *c)
{
	memset(c, 0, sizeof *c);
	esip_ua_config_init(&c->ua);
	/* a transaction's end of absorbing (Timer D, I, J, K, L, M) in 64 ms
	 * slots: at 1,000 calls/s their expiries (two a call, 32 s later)
	 * woke the loop up to every millisecond; now 16 times a second */
	c->ua.txl.cleanup_slot_ms = 64;
	esip_transport_config_init(&c->transport);
	c->log_level = ESIP_LOG_INFO;
}

static int open_listeners(esip_stack *s, const esip_listen *ls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const esip_listen *l = &ls[i];
		esip_addr a, bound;
		char txt[ESIP_ADDR_STRLEN];
		uint32_t id;
		int rc;

		if (!l->addr || esip_addr_parse(&a, l->addr) < 0) {
			esip__stack_log(s, ESIP_LOG_ERROR, "listen address \"%s\" is not IP:port",
					l->addr ? l->addr : "(null)");
			return ESIP_EINVAL;
		}
		rc = esip_transport_listen(s->tp, l->tp, &a, &id);
		if (rc < 0) {
			esip__stack_log(s, ESIP_LOG_ERROR, "cannot listen on %s %s: %s%s%s",
					esip_tp_name(l->tp), l->addr, esip_strerror(rc),
					rc == ESIP_ESYS ? ": " : "",
					rc == ESIP_ESYS ? strerror(errno) : "");
			return rc;
		}
		s->listeners[s->n_listeners] = id;
		s->listener_tp[s->n_listeners++] = l->tp;
		esip_transport_local_addr(s->tp, id, &bound);
		esip_addr_str(&bound, txt, sizeof txt);
		esip__stack_log(s, ESIP_LOG_INFO, "listening on %s %s", esip_tp_name(l->tp), txt);
	}
	return 0;
}

/* Checks what esip_stack_new needs before it allocates; the problem goes
 * to the log callback directly (no stack exists yet to queue it; the
 * caller's thread, no lock held). */
static int validate_config(const esip_stack_config *c)
{
	const char *why = NULL;
	esip_tp dt = c->ua.default_tp;
	int rc = 0;

	if (!c->listen || !c->n_listen) {
		why = "no listen address";
		rc = ESIP_EINVAL;
	} else if (c->n_listen > STK_MAX_LISTENERS) {
		why = "too many listen addresses";
		rc = ESIP_EINVAL;
	} else if (dt != ESIP_TP_NONE && dt != ESIP_TP_UDP && dt != ESIP_TP_TCP) {
		why = "default_tp must be UDP or TCP (TLS, SCTP and WS are not implemented)";
		rc = ESIP_ENOTSUP;
	}
	if (why && c->cb.log && ESIP_LOG_ERROR <= c->log_level)
		c->cb.log(c->cb.ud, ESIP_LOG_ERROR, why);
	return rc;
}

/* Frees everything; no loop runs, no callback will. */
static void destroy(esip_stack *s)
{
	stk_cb *cbs;

	/* the UA's last words (calls ended, requests answered) still go to
	 * the application, then the rest */
	if (s->ua) {
		pthread_mutex_lock(&s->lock);
		esip_ua_free(s->ua);
		s->ua = NULL;
		if (s->tp)
			esip_transport_flush(s->tp);
		cbs = esip__stack_take_callbacks(s);
		pthread_mutex_unlock(&s->lock);
		esip__stack_run_callbacks(s, cbs);
	}
	if (s->tp)
		esip_transport_free(s->tp);
	esip__stack_free_lookups(s);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	esip__stack_drop_callbacks(s);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	esip_free(s->alloc, s);
}

int esip_stack_new(const esip_stack_config *c, esip_stack **out)
{
	const esip_allocator *a;
	struct epoll_event ev;
	esip_stack *s;
	int rc;
	stk_cb *early;

	if (!out)
		return ESIP_EINVAL;
	*out = NULL;
	if (!c)
		return ESIP_EINVAL;
	rc = validate_config(c);
	if (rc < 0)
		return rc;
	a = c->alloc ? c->alloc : esip_allocator_default();
	s = esip_calloc(a, 1, sizeof *s);
	if (!s)
		return ESIP_ENOMEM;
	s->cfg = *c;
	s->cfg.listen = NULL; /* not kept: copied into the transport */
	s->alloc = a;
	s->epfd = s->wake_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	esip_timerwheel_init(&s->wheel, esip__stack_now());
	esip_rand_init(&s->rnd);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->epfd < 0 || s->wake_fd < 0) {
		rc = ESIP_ESYS;
		goto fail;
	}
	rc = esip__stack_wire(s);
	if (rc < 0) {
		esip__stack_log(s, ESIP_LOG_ERROR, "bad configuration: %s (public_addr, custom "
				"headers?)", esip_strerror(rc));
		goto fail;
	}
	rc = open_listeners(s, c->listen, c->n_listen);
	if (rc < 0)
		goto fail;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u32 = 1;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, esip_transport_fd(s->tp), &ev) < 0) {
		rc = ESIP_ESYS;
		goto fail;
	}
	rc = esip_transport_watch(s->tp, s->wake_fd, drain_wake, s);
	if (rc < 0)
		goto fail;
	/* the logs of creation (listening on ...) go out now */
	early = esip__stack_take_callbacks(s);
	esip__stack_run_callbacks(s, early);
	*out = s;
	return 0;
fail:
	early = esip__stack_take_callbacks(s);
	esip__stack_run_callbacks(s, early);
	destroy(s);
	return rc;
}

/* How long the loop may wait for I/O: until the next timer (-1 = none),
 * 0 while callbacks wait to run.  Under the lock. */
static int wait_ms_locked(esip_stack *s)
{
	uint64_t next = esip_timerwheel_next_expiry(&s->wheel), now;

	if (s->cb_head)
		return 0;
	if (next == UINT64_MAX)
		return -1;
	now = esip__stack_now();
	if (next <= now)
		return 0;
	return next - now > STK_MAX_WAIT_MS ? STK_MAX_WAIT_MS : (int)(next - now);
}

/* One iteration under the lock: read what is ready, run due timers,
 * flush. */
static void iterate_locked(esip_stack *s)
{
	uint64_t now = esip__stack_now();

	s->now = now;
	esip_transport_process(s->tp, now);
	esip_timerwheel_run(&s->wheel, now);
	esip_transport_flush(s->tp);
}

/* Rounds of callbacks one iteration runs before it polls again (a
 * callback's public call may queue more callbacks). */
#define STK_CB_ROUNDS 4

/*
 * Runs the queued callbacks with the lock released, then flushes what
 * they sent: their public calls, made on the loop thread, neither flush
 * nor wake the loop (esip__stack_leave), so the answers of all the
 * callbacks of an iteration leave in one batch and the loop wakes no
 * extra time.  The callbacks' calls may queue more callbacks: a few
 * rounds here, the rest with the next iteration.  Called and returns with
 * the lock held.
 */
static void run_callbacks_locked(esip_stack *s)
{
	int round;

	for (round = 0; round < STK_CB_ROUNDS && s->cb_head; round++) {
		stk_cb *cbs = esip__stack_take_callbacks(s);
		pthread_mutex_unlock(&s->lock);
		esip__stack_run_callbacks(s, cbs);
		pthread_mutex_lock(&s->lock);
		if (s->tp)
			esip_transport_flush(s->tp);
	}
}

/* The stack's own thread: it waits in the transport's epoll directly
 * (esip_transport_wait), so a wake-up costs one epoll_wait, not two. */
static void *loop_main(void *arg)
{
	esip_stack *s = arg;
	bool destroy_here;

	pthread_mutex_lock(&s->lock);
	while (!s->stop_requested) {
		int timeout;

		iterate_locked(s);
		run_callbacks_locked(s);
		timeout = wait_ms_locked(s);
		pthread_mutex_unlock(&s->lock);
		if (!s->stop_requested && esip_transport_wait(s->tp, timeout) < 0) {
			int e = errno;
			pthread_mutex_lock(&s->lock);
			esip__stack_log(s, ESIP_LOG_ERROR, "epoll_wait: %s; the loop stops",
					strerror(e));
			break;
		}
		pthread_mutex_lock(&s->lock);
	}
	/* whatever the loop queued last (a log line of its end) still goes */
	{
		stk_cb *cbs = esip__stack_take_callbacks(s);
		pthread_mutex_unlock(&s->lock);
		esip__stack_run_callbacks(s, cbs);
		pthread_mutex_lock(&s->lock);
	}
	/* freed from one of its callbacks and nobody joins: the thread ends
	 * the stack itself (detached); a joiner does it otherwise */
	destroy_here = s->free_pending && !s->joining;
	if (destroy_here) {
		s->thread_running = false;
		pthread_detach(pthread_self());
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (destroy_here)
		destroy(s);
	return NULL;
}

static bool on_loop_thread(const esip_stack *s)
{
	return (s->thread_running && pthread_equal(pthread_self(), s->thread)) ||
	       (s->in_process && pthread_equal(pthread_self(), s->process_thread));
}

int esip_stack_start(esip_stack *s)
{
	int rc;

	if (!s)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->closing) {
		pthread_mutex_unlock(&s->lock);
		return ESIP_ECLOSED;
	}
	/* one loop at a time: not while the thread runs (or is being
	 * joined), not while the application's esip_stack_process runs */
	if (s->thread_running || s->in_process) {
		pthread_mutex_unlock(&s->lock);
		return ESIP_ESTATE;
	}
	s->stop_requested = false;
	rc = pthread_create(&s->thread, NULL, loop_main, s);
	if (rc == 0)
		s->thread_running = true;
	pthread_mutex_unlock(&s->lock);
	return rc ? ESIP_ESYS : 0;
}

/* With the lock held: asks the thread to stop and waits until it has been
 * joined (by this caller or another).  Returns with the lock held; true
 * if the stack must be destroyed by the caller (freed from a callback
 * while we joined). */
static bool stop_locked(esip_stack *s)
{
	pthread_t th;
	bool destroy_it;

	for (;;) {
		if (!s->thread_running)
			return false;
		s->stop_requested = true;
		esip__stack_wake(s);
		if (!s->joining)
			break;
		/* another thread joins: wait for it */
		pthread_cond_wait(&s->cond, &s->lock);
	}
	s->joining = true;
	th = s->thread;
	pthread_mutex_unlock(&s->lock);
	pthread_join(th, NULL);
	pthread_mutex_lock(&s->lock);
	s->thread_running = false;
	s->joining = false;
	destroy_it = s->free_pending;
	pthread_cond_broadcast(&s->cond);
	return destroy_it;
}

int esip_stack_stop(esip_stack *s)
{
	bool destroy_it;

	if (!s)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	if (on_loop_thread(s)) {
		/* from a callback: the loop stops when the callback returns;
		 * joining here would wait for ourselves */
		if (s->thread_running)
			s->stop_requested = true;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	destroy_it = stop_locked(s);
	pthread_mutex_unlock(&s->lock);
	if (destroy_it)
		destroy(s);
	return 0;
}

void esip_stack_free(esip_stack *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->closing) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	/* from now on no request or call starts and no loop thread either */
	s->closing = true;
	if (on_loop_thread(s)) {
		/* from a callback: the loop that runs it ends the stack when the
		 * callback returned (loop_main / esip_stack_process) */
		s->free_pending = true;
		s->stop_requested = true;
		esip__stack_wake(s);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (stop_locked(s)) {
		/* the thread was freed from a callback meanwhile: ours now */
		pthread_mutex_unlock(&s->lock);
		destroy(s);
		return;
	}
	/* the application's own loop may be inside esip_stack_process on
	 * another thread: wait until it is out */
	while (s->in_process)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	destroy(s);
}

int esip_stack_fd(esip_stack *s) { return s ? s->epfd : -1; }

int esip_stack_timeout_ms(esip_stack *s)
{
	int t;

	if (!s)
		return -1;
	pthread_mutex_lock(&s->lock);
	t = wait_ms_locked(s);
	pthread_mutex_unlock(&s->lock);
	return t;
}

int esip_stack_process(esip_stack *s)
{
	bool destroy_it;

	if (!s)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->thread_running || s->in_process || s->closing) {
		pthread_mutex_unlock(&s->lock);
		return s->closing ? ESIP_ECLOSED : ESIP_ESTATE;
	}
	s->in_process = true; /* callbacks one at a time: no thread starts now */
	s->process_thread = pthread_self();
	iterate_locked(s);
	run_callbacks_locked(s);
	s->in_process = false;
	destroy_it = s->free_pending;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	/* freed from one of its callbacks: now that they are done */
	if (destroy_it)
		destroy(s);
	return 0;
}

int esip_stack_local_addr(esip_stack *s, esip_tp tp, esip_addr *out)
{
	size_t i;
	int rc = ESIP_ENOTFOUND;

	if (!s || !out)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n_listeners; i++)
		if (s->listener_tp[i] == tp) {
			rc = esip_transport_local_addr(s->tp, s->listeners[i], out);
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int esip__stack_enter(esip_stack *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->closing || !s->ua) {
		pthread_mutex_unlock(&s->lock);
		return ESIP_ECLOSED;
	}
	s->now = esip__stack_now();
	return 0;
}

void esip__stack_leave(esip_stack *s)
{
	/* from a callback: the loop flushes when its callbacks are done and
	 * computes its next wait then (run_callbacks_locked); a flush and an
	 * eventfd write per call here would cost two system calls and a
	 * wake-up each */
	if (on_loop_thread(s)) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	esip_transport_flush(s->tp);
	/* wake the loop before the unlock, never after: once unlocked, what
	 * this call started may already have made the loop run a callback
	 * that frees the stack (the write never blocks: a full eventfd
	 * counter wakes the loop all the same) */
	esip__stack_wake(s);
	pthread_mutex_unlock(&s->lock);
}

void esip_stack_get_stats(esip_stack *s, esip_stack_stats *out)
{
	esip_ua_stats us;
	esip_transport_stats ps;
	int k;

	if (!s || !out)
		return;
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&s->lock);
	if (!s->ua) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	esip_ua_get_stats(s->ua, &us);
	esip_transport_get_stats(s->tp, &ps);
	memcpy(out->requests_in, us.requests_in, sizeof out->requests_in);
	memcpy(out->requests_out, us.requests_out, sizeof out->requests_out);
	memcpy(out->responses_in, us.responses_in, sizeof out->responses_in);
	memcpy(out->responses_out, us.responses_out, sizeof out->responses_out);
	out->dropped = us.dropped;
	out->retransmissions = us.txl.retransmissions;
	out->absorbed = us.txl.absorbed;
	for (k = 0; k < (int)(sizeof us.txl.live / sizeof us.txl.live[0]); k++)
		out->transactions_live += us.txl.live[k];
	out->over_limit = us.txl.over_limit;
	out->over_bytes = us.txl.over_bytes;
	out->sent_by_mismatch = us.txl.sent_by_mismatch;
	out->unreachable = ps.udp_unreachable;
	out->tcp_rejected = ps.tcp_rejected + ps.tcp_rejected_per_ip;
	out->tcp_timeouts = ps.tcp_idle_timeouts + ps.tcp_msg_timeouts;
	out->tcp_conns = ps.tcp_open;
	out->tcp_accepted = ps.tcp_accepted;
	out->tcp_connected = ps.tcp_connected;
	out->tcp_closed = ps.tcp_closed;
	out->bytes_in = ps.udp_bytes_in + ps.tcp_bytes_in;
	out->bytes_out = ps.udp_bytes_out + ps.tcp_bytes_out;
	/* a message that failed to parse: the transport's count (the UA core
	 * sees the framed ones too) */
	out->parse_errors = ps.parse_errors;
	out->active_dialogs = us.calls_live;
	out->calls_in = us.calls_in;
	out->calls_out = us.calls_out;
	out->calls_established = us.calls_established;
	out->calls_failed = us.calls_failed;
	out->invites = us.invites;
	out->byes = us.byes;
	out->refers = us.refers;
	out->replaces = us.replaces;
	out->refers_ok = us.refers_ok;
	out->refers_failed = us.refers_failed;
	out->calls_over_limit = us.over_limit;
	out->call_bytes = us.call_bytes;
	out->callbacks_lost = s->callbacks_lost;
	pthread_mutex_unlock(&s->lock);
}
