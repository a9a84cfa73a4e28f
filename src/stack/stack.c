/*
 * stack.c - the stack runtime: configuration, lifecycle, the one lock, the
 * epoll loop (in the stack's own thread or driven by the application's
 * loop), statistics.
 *
 * Threads: every public function takes s->lock.  The loop holds it while
 * it processes I/O and timers and releases it before it calls the
 * application (deferred.c), so callbacks run on the loop thread with no
 * lock held and may call any public function.  A public call that starts
 * something (a request) wakes the loop through an eventfd, so it waits for
 * the new next timer.  The transport and the transaction layer are used
 * under the lock only: one thread at a time, as their contracts want.
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
	c->default_tp = ESIP_TP_UDP;
	c->log_level = ESIP_LOG_INFO;
}

/* "host[:port]" / "[v6]:port" of public_addr into s->public_host/port. */
static int parse_public(esip_stack *s, const char *pa)
{
	const char *end, *colon;
	size_t hl;

	if (!pa || !*pa)
		return 0;
	if (pa[0] == '[') {
		end = strchr(pa, ']');
		if (!end)
			return ESIP_EINVAL;
		hl = (size_t)(end - pa - 1);
		memcpy(s->public_host, pa + 1, hl < 255 ? hl : 255);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(pa, ':');
		if (colon && strchr(pa, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		hl = colon ? (size_t)(colon - pa) : strlen(pa);
		if (hl > 255)
			return ESIP_EINVAL;
		memcpy(s->public_host, pa, hl);
	}
	if (colon) {
		char *e;
		unsigned long p = strtoul(colon + 1, &e, 10);
		if (*e || !p || p > 65535)
			return ESIP_EINVAL;
		s->public_port = (uint16_t)p;
	}
	return s->public_host[0] ? 0 : ESIP_EINVAL;
}

static int copy_custom(esip_stack *s, const esip_stack_config *c)
{
	size_t i;

	if (!c->n_custom_headers)
		return 0;
	s->custom = esip_calloc(s->alloc, c->n_custom_headers, sizeof *s->custom);
	if (!s->custom)
		return ESIP_ENOMEM;
	for (i = 0; i < c->n_custom_headers; i++) {
		const esip_hdr_kv *h = &c->custom_headers[i];
		size_t nl = h->name ? strlen(h->name) : 0;
		char *mem;
		/* a header name is a token; a value may not break the line */
		if (!nl || !h->value.p || memchr(h->value.p, '\r', h->value.len) ||
		    memchr(h->value.p, '\n', h->value.len) || strpbrk(h->name, ": \t\r\n"))
			return ESIP_EINVAL;
		mem = esip_malloc(s->alloc, nl + 1 + h->value.len);
		if (!mem)
			return ESIP_ENOMEM;
		memcpy(mem, h->name, nl + 1);
		memcpy(mem + nl + 1, h->value.p, h->value.len);
		s->custom[i].name = mem;
		s->custom[i].value = esip_str_make(mem + nl + 1, h->value.len);
		s->n_custom++;
	}
	return 0;
}

static void free_custom(esip_stack *s)
{
	size_t i;

	for (i = 0; i < s->n_custom; i++)
		esip_free(s->alloc, (void *)(uintptr_t)s->custom[i].name);
	esip_free(s->alloc, s->custom);
}

static int open_listeners(esip_stack *s)
{
	size_t i;

	for (i = 0; i < s->cfg.n_listen; i++) {
		const esip_listen *l = &s->cfg.listen[i];
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
	int rc = 0;

	if (!c->listen || !c->n_listen) {
		why = "no listen address";
		rc = ESIP_EINVAL;
	} else if (c->n_listen > 16) {
		why = "more than 16 listen addresses";
		rc = ESIP_EINVAL;
	} else if (c->default_tp != ESIP_TP_NONE && c->default_tp != ESIP_TP_UDP &&
		   c->default_tp != ESIP_TP_TCP) {
		why = "default_tp must be UDP or TCP (TLS, SCTP and WS are not implemented)";
		rc = ESIP_ENOTSUP;
	}
	if (why && c->log && ESIP_LOG_ERROR <= c->log_level)
		c->log(c->ud, ESIP_LOG_ERROR, why);
	return rc;
}

static void destroy(esip_stack *s)
{
	if (s->txl)
		esip_txl_free(s->txl);
	if (s->tp)
		esip_transport_free(s->tp);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	esip__stack_drop_callbacks(s);
	free_custom(s);
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
	/* stack.h: NULL = "esip/<version>" (a product token, RFC 3261 20.41) */
	if (c->user_agent)
		snprintf(s->user_agent, sizeof s->user_agent, "%s", c->user_agent);
	else
		snprintf(s->user_agent, sizeof s->user_agent, "esip/%s", ESIP_VERSION_STRING);
	snprintf(s->domain, sizeof s->domain, "%s", c->domain ? c->domain : "");
	esip_timerwheel_init(&s->wheel, esip__stack_now());
	esip_rand_init(&s->rnd);
	s->cseq = 1;
	rc = parse_public(s, c->public_addr);
	if (rc == 0)
		rc = copy_custom(s, c);
	if (rc < 0) {
		esip__stack_log(s, ESIP_LOG_ERROR, "bad public_addr or custom header");
		goto fail;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->epfd < 0 || s->wake_fd < 0) {
		rc = ESIP_ESYS;
		goto fail;
	}
	rc = esip__stack_wire(s);
	if (rc < 0)
		goto fail;
	s->cfg.listen = c->listen;
	s->cfg.n_listen = c->n_listen;
	rc = open_listeners(s);
	s->cfg.listen = NULL;
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

/* One iteration under the lock: read what is ready, run due timers,
 * flush.  Returns the next timeout in ms (-1 = none). */
static int iterate_locked(esip_stack *s)
{
	uint64_t now = esip__stack_now(), next;

	s->now = now;
	esip_transport_process(s->tp, now);
	esip_timerwheel_run(&s->wheel, now);
	esip_transport_flush(s->tp);
	next = esip_timerwheel_next_expiry(&s->wheel);
	if (next == UINT64_MAX)
		return -1;
	now = esip__stack_now();
	if (next <= now)
		return 0;
	return next - now > 3600000 ? 3600000 : (int)(next - now);
}

/* The stack's own thread: it waits in the transport's epoll directly
 * (esip_transport_wait), so a wake-up costs one epoll_wait, not two. */
static void *loop_main(void *arg)
{
	esip_stack *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stop_requested) {
		int timeout = iterate_locked(s);
		stk_cb *cbs = esip__stack_take_callbacks(s);
		pthread_mutex_unlock(&s->lock);
		esip__stack_run_callbacks(s, cbs);
		if (cbs)
			timeout = 0; /* a callback may have started something */
		if (esip_transport_wait(s->tp, timeout) < 0) {
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
	}
	return NULL;
}

int esip_stack_start(esip_stack *s)
{
	int rc;

	if (!s)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	/* one loop at a time: not while the thread runs (or is being
	 * joined), not while the application's esip_stack_process runs
	 * callbacks, not once esip_stack_free began */
	if (s->thread_running || s->in_process || s->closing) {
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

int esip_stack_stop(esip_stack *s)
{
	pthread_t th;

	if (!s)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	if (!s->thread_running || s->joining) {
		pthread_mutex_unlock(&s->lock);
		return ESIP_ESTATE;
	}
	s->stop_requested = true;
	esip__stack_wake(s);
	/* joining from the loop thread itself would deadlock: the loop ends
	 * after this callback, a later stop (or free) joins it */
	if (pthread_equal(pthread_self(), s->thread)) {
		pthread_mutex_unlock(&s->lock);
		return ESIP_ESTATE;
	}
	/* one caller joins; a second concurrent stop gets ESIP_ESTATE */
	s->joining = true;
	th = s->thread;
	pthread_mutex_unlock(&s->lock);
	pthread_join(th, NULL);
	pthread_mutex_lock(&s->lock);
	s->thread_running = false;
	s->joining = false;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void esip_stack_free(esip_stack *s)
{
	stk_cb *cbs;

	bool running;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	/* from now on no request starts and no loop thread either */
	s->closing = true;
	running = s->thread_running;
	pthread_mutex_unlock(&s->lock);
	if (running)
		esip_stack_stop(s);
	pthread_mutex_lock(&s->lock);
	/* every request still pending hears of it, so its owner can free
	 * what it gave as ud; callbacks cannot start new ones (closing) */
	esip__uac_fail_all(s, 503, "Stack Stopped");
	cbs = esip__stack_take_callbacks(s);
	pthread_mutex_unlock(&s->lock);
	esip__stack_run_callbacks(s, cbs);
	destroy(s);
}

int esip_stack_fd(esip_stack *s) { return s ? s->epfd : -1; }

int esip_stack_timeout_ms(esip_stack *s)
{
	uint64_t next, now;
	int t;

	if (!s)
		return -1;
	pthread_mutex_lock(&s->lock);
	next = esip_timerwheel_next_expiry(&s->wheel);
	now = esip__stack_now();
	if (s->cb_head)
		t = 0;
	else if (next == UINT64_MAX)
		t = -1;
	else
		t = next <= now ? 0 : next - now > 3600000 ? 3600000 : (int)(next - now);
	pthread_mutex_unlock(&s->lock);
	return t;
}

int esip_stack_process(esip_stack *s)
{
	stk_cb *cbs;

	if (!s)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->thread_running || s->in_process) {
		pthread_mutex_unlock(&s->lock);
		return ESIP_ESTATE;
	}
	iterate_locked(s);
	cbs = esip__stack_take_callbacks(s);
	s->in_process = true; /* callbacks one at a time: no thread starts now */
	pthread_mutex_unlock(&s->lock);
	esip__stack_run_callbacks(s, cbs);
	pthread_mutex_lock(&s->lock);
	s->in_process = false;
	pthread_mutex_unlock(&s->lock);
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

void esip_stack_get_stats(esip_stack *s, esip_stack_stats *out)
{
	esip_txl_stats ts;
	esip_transport_stats ps;
	int k;

	if (!s || !out)
		return;
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	esip_txl_get_stats(s->txl, &ts);
	esip_transport_get_stats(s->tp, &ps);
	out->retransmissions = ts.retransmissions;
	out->absorbed = ts.absorbed;
	out->transactions_live = 0;
	for (k = 0; k < 5; k++)
		out->transactions_live += ts.live[k];
	out->over_limit = ts.over_limit;
	out->dropped += ts.stray_responses + ts.dropped + ts.ack_2xx;
	out->tcp_conns = ps.tcp_open;
	out->tcp_accepted = ps.tcp_accepted;
	out->tcp_connected = ps.tcp_connected;
	out->tcp_closed = ps.tcp_closed;
	out->bytes_in = ps.udp_bytes_in + ps.tcp_bytes_in;
	out->bytes_out = ps.udp_bytes_out + ps.tcp_bytes_out;
	out->parse_errors = ps.parse_errors;
	pthread_mutex_unlock(&s->lock);
}
