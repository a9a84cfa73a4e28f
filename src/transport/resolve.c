/*
 * resolve.c - an asynchronous host name resolver that never blocks the
 * loop: one worker thread per transport (started on first use) runs
 * getaddrinfo(); results are delivered on the loop thread inside
 * esip_transport_process(), woken through the transport's eventfd.
 *
 * The request table is a fixed array of max_resolve entries shared with
 * the worker under one mutex.  States: FREE -> QUEUED (loop) -> RUNNING
 * (worker) -> DONE (worker) -> FREE (loop, after the callback).  Cancel
 * (loop) frees a QUEUED or DONE entry at once and marks a RUNNING one so
 * that its result is thrown away: since both delivery and cancel run on
 * the loop thread, a cancelled request can never call back.
 *
 * Shutdown: the block is reference counted (loop + worker).  If the
 * worker is idle, esip_transport_free joins it; if it is inside
 * getaddrinfo (which can take the resolver's full timeout), the thread is
 * detached and frees the block itself when the call returns.  That is why
 * the block is libc memory and not the transport allocator's.
 */
#include "transport_int.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { RQ_FREE = 0, RQ_QUEUED, RQ_RUNNING, RQ_DONE };

/* Longest host name taken (RFC 1035 2.3.4: 255 octets), without its NUL. */
#define HOST_MAX 255

typedef struct rreq {
	uint64_t id;
	uint64_t seq;        /* FIFO order of the queue */
	uint8_t state;
	bool cancelled;      /* RUNNING: drop the result */
	esip_tp tp;
	uint16_t port;
	int err;
	size_t naddrs;
	esip_resolve_cb cb;  /* loop side only */
	void *ud;
	char host[HOST_MAX + 1];
	esip_addr addrs[ESIP_RESOLVE_MAX_ADDRS];
} rreq;

struct resolver {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, shutdown, busy;
	int refs;
	int evfd;            /* -1 once the transport is gone */
	uint64_t next_id, next_seq;
	size_t cap, used;
	size_t ndone;        /* DONE entries (also numeric ones) */
	rreq reqs[];
};

static void res_unref_locked_and_unlock(resolver *r)
{
	bool last = --r->refs == 0;

	pthread_mutex_unlock(&r->mu);
	if (last) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
	}
}

static void res_signal(resolver *r)
{
	uint64_t one = 1;

	if (r->evfd >= 0 && write(r->evfd, &one, sizeof one) < 0 && errno != EAGAIN) {
		/* nothing to do: the result is picked up by the next process() */
	}
}

static int gai_err(int e)
{
	return e == EAI_MEMORY ? ESIP_ENOMEM : ESIP_ERESOLVE;
}

/* getaddrinfo for one request, outside the lock. */
static int lookup(const char *host, uint16_t port, esip_tp tp, esip_addr *out, size_t *n)
{
	struct addrinfo hints, *res = NULL, *ai;
	int e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = tp == ESIP_TP_UDP ? SOCK_DGRAM : SOCK_STREAM;
	/* no AI_ADDRCONFIG: it hides the loopback addresses of "localhost"
	 * on a host whose only interface is lo */
	*n = 0;
	e = getaddrinfo(host, NULL, &hints, &res);
	if (e)
		return gai_err(e);
	for (ai = res; ai && *n < ESIP_RESOLVE_MAX_ADDRS; ai = ai->ai_next) {
		esip_addr *a = &out[*n];
		size_t k;
		bool dup = false;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof a->u)
			continue;
		memset(a, 0, sizeof *a);
		memcpy(&a->u, ai->ai_addr, ai->ai_addrlen);
		a->len = (socklen_t)ai->ai_addrlen;
		esip_addr_set_port(a, port);
		for (k = 0; k < *n && !dup; k++)
			dup = esip_addr_eq(&out[k], a);
		if (!dup)
			(*n)++;
	}
	freeaddrinfo(res);
	return *n ? 0 : ESIP_ERESOLVE;
}

static rreq *next_queued(resolver *r)
{
	rreq *best = NULL;
	size_t i;

	for (i = 0; i < r->cap; i++)
		if (r->reqs[i].state == RQ_QUEUED && (!best || r->reqs[i].seq < best->seq))
			best = &r->reqs[i];
	return best;
}

static void *worker(void *arg)
{
	resolver *r = arg;
	char host[HOST_MAX + 1];
	esip_addr addrs[ESIP_RESOLVE_MAX_ADDRS];
	size_t n;
	uint16_t port;
	esip_tp tp;
	rreq *q = NULL;
	int err;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->shutdown && !(q = next_queued(r)))
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->shutdown)
			break;
		q->state = RQ_RUNNING;
		memcpy(host, q->host, sizeof host);
		port = q->port;
		tp = q->tp;
		r->busy = true;
		pthread_mutex_unlock(&r->mu);

		err = lookup(host, port, tp, addrs, &n);

		pthread_mutex_lock(&r->mu);
		r->busy = false;
		if (r->shutdown)
			break;
		/* q still points at our entry: only the loop frees a RUNNING
		 * entry, and it does not (cancel only marks it) */
		q->err = err;
		q->naddrs = n;
		memcpy(q->addrs, addrs, n * sizeof *addrs);
		q->state = RQ_DONE;
		r->ndone++;
		res_signal(r);
	}
	res_unref_locked_and_unlock(r);
	return NULL;
}

static int res_start(esip_transport *t)
{
	resolver *r = t->res;
	sigset_t all, old;
	int e;

	/* the worker takes no signals: they stay with the owner's threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		esip__tp_log(t, ESIP_LOG_ERROR, "resolver thread: %s", strerror(e));
		errno = e;
		return ESIP_ESYS;
	}
	r->started = true;
	r->refs++;
	return 0;
}

static resolver *res_get(esip_transport *t)
{
	resolver *r;

	if (t->res)
		return t->res;
	r = calloc(1, sizeof *r + t->cfg.max_resolve * sizeof r->reqs[0]);
	if (!r)
		return NULL;
	if (pthread_mutex_init(&r->mu, NULL)) {
		free(r);
		return NULL;
	}
	if (pthread_cond_init(&r->cv, NULL)) {
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	r->cap = t->cfg.max_resolve;
	r->refs = 1;
	r->evfd = t->evfd;
	r->next_id = 1;
	t->res = r;
	return r;
}

/* A numeric host (brackets allowed) as an address, without the thread. */
static bool numeric(const char *host, uint16_t port, esip_addr *a)
{
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		return esip_addr_from_ip(a, esip_str_make(host + 1, n - 2), port) == 0;
	return esip_addr_from_ip(a, esip_str_make(host, n), port) == 0;
}

int esip_transport_resolve(esip_transport *t, const char *host, uint16_t port, esip_tp tp,
			   esip_resolve_cb cb, void *ud, uint64_t *req_id)
{
	resolver *r;
	rreq *q = NULL;
	size_t i, n;
	int err = 0;

	if (req_id)
		*req_id = 0;
	if (!t || !host || !cb)
		return ESIP_EINVAL;
	n = strlen(host);
	if (!n || n > HOST_MAX)
		return ESIP_EINVAL;
	if (!(r = res_get(t)))
		return ESIP_ENOMEM;
	pthread_mutex_lock(&r->mu);
	if (r->used < r->cap)
		for (i = 0; i < r->cap && !q; i++)
			if (r->reqs[i].state == RQ_FREE)
				q = &r->reqs[i];
	if (!q) {
		pthread_mutex_unlock(&r->mu);
		return ESIP_ELIMIT;
	}
	memset(q, 0, sizeof *q);
	q->id = r->next_id++;
	q->seq = r->next_seq++;
	q->tp = tp;
	q->port = port;
	q->cb = cb;
	q->ud = ud;
	memcpy(q->host, host, n + 1);
	if (numeric(host, port, &q->addrs[0])) {
		/* no lookup needed; still delivered later, never from here */
		q->naddrs = 1;
		q->state = RQ_DONE;
		r->ndone++;
		res_signal(r);
	} else {
		q->state = RQ_QUEUED;
		if (!r->started)
			err = res_start(t);
		if (err) {
			q->state = RQ_FREE;
			pthread_mutex_unlock(&r->mu);
			return err;
		}
		pthread_cond_signal(&r->cv);
	}
	r->used++;
	if (req_id)
		*req_id = q->id;
	pthread_mutex_unlock(&r->mu);
	return 0;
}

int esip_transport_resolve_cancel(esip_transport *t, uint64_t req_id)
{
	resolver *r = t ? t->res : NULL;
	size_t i;
	int err = ESIP_ENOTFOUND;

	if (!r || !req_id)
		return ESIP_ENOTFOUND;
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->cap; i++) {
		rreq *q = &r->reqs[i];
		if (q->id != req_id || q->state == RQ_FREE || q->cancelled)
			continue;
		if (q->state == RQ_RUNNING) {
			q->cancelled = true; /* the worker owns it until DONE */
		} else {
			if (q->state == RQ_DONE)
				r->ndone--;
			q->state = RQ_FREE;
			r->used--;
		}
		err = 0;
		break;
	}
	pthread_mutex_unlock(&r->mu);
	return err;
}

/* Keeps the addresses a send over tp can use: UDP needs a UDP listener
 * of the family to send from; TCP connects from any family. */
static size_t usable(const esip_transport *t, esip_tp tp, esip_addr *a, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (tp != ESIP_TP_UDP ||
		    esip__tp_listener_for(t, ESIP_TP_UDP, esip_addr_family(&a[i])))
			a[k++] = a[i];
	return k;
}

void esip__resolve_deliver(esip_transport *t)
{
	resolver *r = t->res;
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->cap; i++) {
		esip_addr addrs[ESIP_RESOLVE_MAX_ADDRS];
		esip_resolve_cb cb;
		void *ud;
		size_t n;
		int err;
		bool cancelled;
		esip_tp tp;

		pthread_mutex_lock(&r->mu);
		if (!r->ndone) {
			pthread_mutex_unlock(&r->mu);
			return;
		}
		if (r->reqs[i].state != RQ_DONE) {
			pthread_mutex_unlock(&r->mu);
			continue;
		}
		/* copy out: the callback runs without the lock and may resolve
		 * or cancel (and so reuse this entry) */
		cb = r->reqs[i].cb;
		ud = r->reqs[i].ud;
		err = r->reqs[i].err;
		n = r->reqs[i].naddrs;
		tp = r->reqs[i].tp;
		cancelled = r->reqs[i].cancelled;
		memcpy(addrs, r->reqs[i].addrs, n * sizeof addrs[0]);
		r->reqs[i].state = RQ_FREE;
		r->ndone--;
		r->used--;
		pthread_mutex_unlock(&r->mu);
		if (cancelled)
			continue;
		if (!err) {
			n = usable(t, tp, addrs, n);
			if (!n)
				err = ESIP_ERESOLVE;
		} else {
			n = 0;
		}
		if (err)
			t->st.resolve_failed++;
		else
			t->st.resolved++;
		cb(ud, err, err ? NULL : addrs, err ? 0 : n);
	}
}

void esip__resolve_free(esip_transport *t)
{
	resolver *r = t->res;
	bool join;

	if (!r)
		return;
	t->res = NULL;
	pthread_mutex_lock(&r->mu);
	r->shutdown = true;
	r->evfd = -1;
	join = r->started && !r->busy;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (join)
		pthread_join(r->thread, NULL);
	else if (r->started)
		pthread_detach(r->thread);
	pthread_mutex_lock(&r->mu);
	res_unref_locked_and_unlock(r);
}
