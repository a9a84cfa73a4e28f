/*
 * stk_harness.h - helpers for the stack runtime suites (esip/stack.h) on
 * real loopback sockets:
 *
 *  - response/log/trace recorders whose state lives under one mutex with
 *    a condition variable, so a test waits (bounded) for a condition
 *    instead of sleeping;
 *  - a bounded pump for the application-driven mode (poll on
 *    esip_stack_fd with esip_stack_timeout_ms, then esip_stack_process);
 *  - plain UDP/TCP peers: request text, bounded receive, header lookup;
 *  - a thread-safe wrapper around the counting allocator (testutil.h):
 *    the stack frees deferred callbacks on its loop thread without its
 *    lock while public calls allocate under it on other threads.
 *
 * Every wait is bounded in real time (STK_WAIT_MS unless told).
 */
#ifndef ESIP_STK_HARNESS_H
#define ESIP_STK_HARNESS_H

#include "netpeer.h"
#include "testutil.h"

#include <esip/stack.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Generous: the machine running the suite may be loaded (and ASan). */
#define STK_WAIT_MS 4000

static inline uint64_t stk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- shared recorder state (one per test process: Check forks) ---------- */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;

static inline void stk_signal(void)
{
	pthread_cond_broadcast(&g_cv);
}

/* Waits, g_mu held by the caller, until the deadline (absolute, ms). */
static inline void stk_wait_step(uint64_t deadline)
{
	struct timespec ts;
	uint64_t now = stk_now_ms(), until = now + 50;

	if (until > deadline)
		until = deadline;
	/* the condvar runs on CLOCK_REALTIME; wake at least every 50 ms to
	 * re-check the monotonic deadline */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(until - now) * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&g_cv, &g_mu, &ts);
}

/* Thread mode: waits until cond (evaluated under g_mu) or ms passed;
 * evaluates to cond. */
#define STK_WAIT(cond, ms)                                                     \
	({                                                                     \
		uint64_t stk_end_ = stk_now_ms() + (ms);                       \
		bool stk_ok_;                                                  \
		pthread_mutex_lock(&g_mu);                                     \
		while (!(cond) && stk_now_ms() < stk_end_)                     \
			stk_wait_step(stk_end_);                               \
		stk_ok_ = (cond);                                              \
		pthread_mutex_unlock(&g_mu);                                   \
		stk_ok_;                                                       \
	})

/* Application-driven mode: one bounded round of poll + process. */
static inline void stk_round(esip_stack *s, int max_ms)
{
	struct pollfd p;
	int t = esip_stack_timeout_ms(s);

	if (t < 0 || t > max_ms)
		t = max_ms;
	p.fd = esip_stack_fd(s);
	p.events = POLLIN;
	p.revents = 0;
	(void)poll(&p, 1, t);
	ck_assert_int_eq(esip_stack_process(s), 0);
}

/* Pumps s until cond (evaluated under g_mu) or ms passed; evaluates to cond. */
#define STK_PUMP(s, cond, ms)                                                  \
	({                                                                     \
		uint64_t stk_end_ = stk_now_ms() + (ms);                       \
		bool stk_ok_;                                                  \
		for (;;) {                                                     \
			pthread_mutex_lock(&g_mu);                             \
			stk_ok_ = (cond);                                      \
			pthread_mutex_unlock(&g_mu);                           \
			if (stk_ok_ || stk_now_ms() >= stk_end_)               \
				break;                                         \
			stk_round((s), 20);                                    \
		}                                                              \
		stk_ok_;                                                       \
	})

/* ---- response callbacks ---------------------------------------------- */

typedef struct resp_slot {
	int calls;
	int status;
	char reason[128];
	pthread_t thread;
} resp_slot;

static int g_resp_total; /* callbacks so far, every slot */

__attribute__((unused)) static void on_resp(void *ud, int status, const char *reason)
{
	resp_slot *r = ud;

	pthread_mutex_lock(&g_mu);
	r->calls++;
	r->status = status;
	snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "(null)");
	r->thread = pthread_self();
	g_resp_total++;
	stk_signal();
	pthread_mutex_unlock(&g_mu);
}

static inline int resp_total(void)
{
	int n;

	pthread_mutex_lock(&g_mu);
	n = g_resp_total;
	pthread_mutex_unlock(&g_mu);
	return n;
}

/* ---- log hook ---------------------------------------------------------- */

#define LOG_MAX 256
static char *g_log[LOG_MAX];
static int g_nlog;

__attribute__((unused)) static void on_log(void *ud, esip_log_level level, const char *msg)
{
	(void)ud;
	if (getenv("ESIP_TEST_LOG"))
		fprintf(stderr, "[stack %d] %s\n", (int)level, msg);
	pthread_mutex_lock(&g_mu);
	if (g_nlog < LOG_MAX)
		g_log[g_nlog++] = strdup(msg);
	stk_signal();
	pthread_mutex_unlock(&g_mu);
}

/* True if some log line contains needle (g_mu held: inside STK_WAIT). */
static inline bool log_has_nl(const char *needle)
{
	int i;

	for (i = 0; i < g_nlog; i++)
		if (g_log[i] && strstr(g_log[i], needle))
			return true;
	return false;
}

static inline bool log_has(const char *needle)
{
	bool found;

	pthread_mutex_lock(&g_mu);
	found = log_has_nl(needle);
	pthread_mutex_unlock(&g_mu);
	return found;
}

/* ---- trace hook -------------------------------------------------------- */

#define TRACE_MAX 512
typedef struct trace_rec {
	bool outgoing;
	esip_tp tp;
	esip_addr local, peer;
	char *bytes; /* NUL-terminated copy */
	size_t len;
} trace_rec;

static trace_rec g_trace[TRACE_MAX];
static int g_ntrace;

__attribute__((unused)) static void on_trace(void *ud, const esip_trace_msg *m)
{
	trace_rec *t;

	(void)ud;
	pthread_mutex_lock(&g_mu);
	if (g_ntrace < TRACE_MAX) {
		t = &g_trace[g_ntrace++];
		t->outgoing = m->outgoing;
		t->tp = m->tp;
		memset(&t->local, 0, sizeof t->local);
		memset(&t->peer, 0, sizeof t->peer);
		if (m->local)
			t->local = *m->local;
		if (m->peer)
			t->peer = *m->peer;
		t->bytes = malloc(m->len + 1);
		memcpy(t->bytes, m->bytes, m->len);
		t->bytes[m->len] = 0;
		t->len = m->len;
	}
	stk_signal();
	pthread_mutex_unlock(&g_mu);
}

/* ---- stack creation ------------------------------------------------------ */

/* A config with the recorders, listening on the given (tp, addr) pairs. */
static inline void stk_config(esip_stack_config *c, const esip_listen *l, size_t n)
{
	esip_stack_config_init(c);
	c->listen = l;
	c->n_listen = n;
	c->ua.user_agent = "esip-test";
	c->cb.log = on_log;
	c->log_level = ESIP_LOG_DEBUG;
}

static inline esip_stack *stk_new(const esip_stack_config *c)
{
	esip_stack *s = NULL;
	int rc = esip_stack_new(c, &s);

	ck_assert_msg(rc == 0, "esip_stack_new: %s", esip_strerror(rc));
	ck_assert_ptr_nonnull(s);
	return s;
}

static inline uint16_t stk_port(esip_stack *s, esip_tp tp)
{
	esip_addr a;

	ck_assert_int_eq(esip_stack_local_addr(s, tp, &a), 0);
	ck_assert_uint_ne(esip_addr_port(&a), 0);
	return esip_addr_port(&a);
}

/* "sip:esip@<local addr of tp>[;transport=tcp]" */
static inline void stk_self_uri(esip_stack *s, esip_tp tp, char *out, size_t cap)
{
	esip_addr a;
	char hp[ESIP_ADDR_STRLEN];

	ck_assert_int_eq(esip_stack_local_addr(s, tp, &a), 0);
	ck_assert_int_gt(esip_addr_str(&a, hp, sizeof hp), 0);
	snprintf(out, cap, "sip:esip@%s%s", hp, tp == ESIP_TP_TCP ? ";transport=tcp" : "");
}

/* ---- plain peers ----------------------------------------------------------- */

/* One datagram within ms, NUL-terminated; -1 if none. */
static inline int udp_recv(int fd, char *buf, size_t cap, int ms)
{
	ssize_t n;

	if (!net_readable(fd, ms))
		return -1;
	n = recv(fd, buf, cap - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

/* The final response (1xx skipped) within ms; -1 if none. */
static inline int udp_recv_final(int fd, char *buf, size_t cap, int ms)
{
	uint64_t end = stk_now_ms() + (uint64_t)ms;
	int n;

	for (;;) {
		uint64_t now = stk_now_ms();
		if (now >= end)
			return -1;
		n = udp_recv(fd, buf, cap, (int)(end - now));
		if (n < 0)
			return -1;
		if (strncmp(buf, "SIP/2.0 1", 9) != 0)
			return n;
	}
}

static inline void udp_send(int fd, const esip_addr *to, const char *msg, size_t len)
{
	ck_assert_int_eq(sendto(fd, msg, len, 0, &to->u.sa, to->len), (ssize_t)len);
}

/* A request from a peer at via_sentby (host:port) over tp_name ("UDP",
 * "TCP"), with ;rport, a branch made of tag, and extra header lines
 * (each ending with CRLF) before Content-Length. */
static inline int mkreq(char *buf, size_t cap, const char *method, const char *ruri,
			const char *tp_name, const char *via_sentby, const char *tag,
			const char *extra)
{
	int n = snprintf(buf, cap,
			 "%s %s SIP/2.0\r\n"
			 "Via: SIP/2.0/%s %s;branch=z9hG4bK-%s;rport\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: <sip:peer@127.0.0.1>;tag=f-%s\r\n"
			 "To: <sip:esip@127.0.0.1>\r\n"
			 "Call-ID: %s@test.invalid\r\n"
			 "CSeq: 1 %s\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 method, ruri, tp_name, via_sentby, tag, tag, tag, method,
			 extra ? extra : "");
	ck_assert(n > 0 && (size_t)n < cap);
	return n;
}

/* The status code of a response, 0 if not one. */
static inline int resp_status(const char *msg)
{
	if (strncmp(msg, "SIP/2.0 ", 8) != 0 || !isdigit((unsigned char)msg[8]))
		return 0;
	return atoi(msg + 8);
}

/* The value of the first header `name` (full name, case-insensitive) in
 * the header section of msg, trimmed, into out; false if absent. */
static inline bool hdr_get(const char *msg, const char *name, char *out, size_t cap)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = strstr(msg, "\r\n");
	size_t nl = strlen(name);

	while (p && (!end || p < end)) {
		const char *line = p + 2, *eol = strstr(line, "\r\n"), *v;
		if (!eol)
			break;
		if ((size_t)(eol - line) > nl && !strncasecmp(line, name, nl)) {
			v = line + nl;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (v < eol && *v == ':') {
				size_t vl;
				v++;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				vl = (size_t)(eol - v);
				while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
					vl--;
				if (vl >= cap)
					vl = cap - 1;
				memcpy(out, v, vl);
				out[vl] = 0;
				return true;
			}
		}
		p = eol;
	}
	return false;
}

static inline int hdr_count(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = strstr(msg, "\r\n");
	size_t nl = strlen(name);
	int n = 0;

	while (p && (!end || p < end)) {
		const char *line = p + 2;
		if (!strncasecmp(line, name, nl) && (line[nl] == ':' || line[nl] == ' '))
			n++;
		p = strstr(line, "\r\n");
	}
	return n;
}

/* A plain TCP client connected (blocking connect) to a. */
static inline int tcp_client(const esip_addr *a)
{
	int fd = socket(esip_addr_family(a), SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, &a->u.sa, a->len), 0);
	return fd;
}

/* A stream reader: one whole message (headers + Content-Length body). */
typedef struct tcp_reader {
	int fd;
	size_t len;
	char buf[65536];
} tcp_reader;

/* Content-Length of the header block ending at hdr_end (0 if absent). */
static inline size_t msg_clen(const char *msg)
{
	char v[32];

	if (hdr_get(msg, "Content-Length", v, sizeof v) || hdr_get(msg, "l", v, sizeof v))
		return (size_t)strtoul(v, NULL, 10);
	return 0;
}

/* The next message from the stream into out (NUL-terminated) within ms;
 * its length, 0 on EOF/reset, -1 on timeout. */
static inline int tcp_read_msg(tcp_reader *r, char *out, size_t cap, int ms)
{
	uint64_t end = stk_now_ms() + (uint64_t)ms;

	for (;;) {
		char *he;
		ssize_t n;
		uint64_t now;

		r->buf[r->len] = 0;
		he = strstr(r->buf, "\r\n\r\n");
		if (he) {
			size_t hl = (size_t)(he + 4 - r->buf), total;
			char save = he[2];
			he[2] = 0; /* header block only, for the lookup */
			total = hl + msg_clen(r->buf);
			he[2] = save;
			if (r->len >= total) {
				ck_assert_uint_lt(total, cap);
				memcpy(out, r->buf, total);
				out[total] = 0;
				memmove(r->buf, r->buf + total, r->len - total);
				r->len -= total;
				return (int)total;
			}
		}
		now = stk_now_ms();
		if (now >= end || !net_readable(r->fd, (int)(end - now)))
			return -1;
		ck_assert_uint_lt(r->len, sizeof r->buf - 1);
		n = recv(r->fd, r->buf + r->len, sizeof r->buf - 1 - r->len, 0);
		if (n <= 0)
			return 0;
		r->len += (size_t)n;
	}
}

/* ---- a thread-safe counting allocator ------------------------------------ */

typedef struct locked_alloc {
	esip_allocator a; /* give &la.a to the stack */
	pthread_mutex_t mu;
	test_alloc ta;
} locked_alloc;

static void *la_alloc(size_t size, void *ud)
{
	locked_alloc *la = ud;
	void *p;

	pthread_mutex_lock(&la->mu);
	p = la->ta.a.alloc(size, la->ta.a.ud);
	pthread_mutex_unlock(&la->mu);
	return p;
}

static void *la_realloc(void *ptr, size_t size, void *ud)
{
	locked_alloc *la = ud;
	void *p;

	pthread_mutex_lock(&la->mu);
	p = la->ta.a.realloc(ptr, size, la->ta.a.ud);
	pthread_mutex_unlock(&la->mu);
	return p;
}

static void la_free(void *ptr, void *ud)
{
	locked_alloc *la = ud;

	pthread_mutex_lock(&la->mu);
	la->ta.a.free(ptr, la->ta.a.ud);
	pthread_mutex_unlock(&la->mu);
}

static inline void locked_alloc_init(locked_alloc *la)
{
	test_alloc_init(&la->ta, 0);
	pthread_mutex_init(&la->mu, NULL);
	la->a.alloc = la_alloc;
	la->a.realloc = la_realloc;
	la->a.free = la_free;
	la->a.ud = la;
}

static inline long locked_alloc_live(locked_alloc *la)
{
	long n;

	pthread_mutex_lock(&la->mu);
	n = la->ta.live;
	pthread_mutex_unlock(&la->mu);
	return n;
}

/* A response to req as a plain peer UAS would build it (RFC 3261 8.2.6):
 * every Via, From, To (with a tag), Call-ID, CSeq; no body. */
static inline int mk_reply(const char *req, int status, const char *reason, char *out,
			   size_t cap)
{
	const char *end = strstr(req, "\r\n\r\n"), *p = strstr(req, "\r\n");
	int n = snprintf(out, cap, "SIP/2.0 %d %s\r\n", status, reason);

	ck_assert_ptr_nonnull(end);
	while (p && p < end) {
		const char *line = p + 2, *eol = strstr(line, "\r\n");
		static const char *const keep[] = {"Via:", "From:", "To:", "Call-ID:", "CSeq:"};
		size_t k;
		for (k = 0; k < sizeof keep / sizeof keep[0]; k++)
			if (!strncasecmp(line, keep[k], strlen(keep[k])))
				break;
		if (k < sizeof keep / sizeof keep[0]) {
			n += snprintf(out + n, cap - (size_t)n, "%.*s%s\r\n", (int)(eol - line), line,
				      k == 2 && !strstr(line, "tag=") ? ";tag=peer1" : "");
			ck_assert_uint_lt((size_t)n, cap);
		}
		p = eol;
	}
	n += snprintf(out + n, cap - (size_t)n, "Content-Length: 0\r\n\r\n");
	ck_assert_uint_lt((size_t)n, cap);
	return n;
}

/* Polls the statistics (every 5 ms, bounded) until cond; evaluates to it. */
#define STATS_WAIT(s, st, cond, ms)                                            \
	({                                                                     \
		uint64_t sw_end_ = stk_now_ms() + (ms);                        \
		esip_stack_get_stats((s), &(st));                              \
		while (!(cond) && stk_now_ms() < sw_end_) {                    \
			(void)poll(NULL, 0, 5);                                \
			esip_stack_get_stats((s), &(st));                      \
		}                                                              \
		(cond);                                                        \
	})

#endif
