/*
 * udp.c - UDP listeners: recvmmsg batches in, one esip_msg_parse per
 * datagram (RFC 3261 18.3: a datagram is one message), sendmmsg batches
 * out.
 *
 * Send queue: esip_transport_send() appends the datagram (copied: the
 * caller's buffer is transient) to its listener's queue; flush hands the
 * queue to sendmmsg in batches of udp_batch.  On EAGAIN the rest stays
 * queued, EPOLLOUT is registered and the flush resumes when the socket is
 * writable -- no busy loop.  max_udp_queue bounds the bytes waiting for a
 * blocked socket; while the socket is writable a send that would pass it
 * flushes first, so what is queued between two flushes is at most a
 * batch (udp_batch datagrams, then it goes at once).
 */
#include "transport_int.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define UDP_READ_ROUNDS 8 /* recvmmsg calls per readiness event */
#define TXQ_FIRST_ENTS 64        /* first send queue: two batches of datagrams */
#define TXQ_FIRST_BYTES 16384    /* ... of a few typical messages */
#define ERRQ_PER_EVENT 64        /* error-queue entries read per event */
#define ERRQ_CONTROL 256         /* room for the extended error and its offender */

int esip__udp_open(esip_transport *t, listener *l)
{
	int fam = esip_addr_family(&l->local), one = 1;
	socklen_t alen = sizeof l->local.u;

	l->fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return ESIP_ESYS;
	/* one family per socket: [::] must not also take IPv4 (mapped) */
	if (fam == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return ESIP_ESYS;
	/* RFC 3261 18.4: ICMP errors for the datagrams we send come back on
	 * the socket's error queue (an unconnected UDP socket hears of them
	 * only so); best effort: without it Timer B/F still ends the wait */
	if (fam == AF_INET)
		(void)setsockopt(l->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
	else
		(void)setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
	/* best effort: a bigger receive buffer rides out bursts (the kernel
	 * caps it at net.core.rmem_max, which is not an error) */
	if (t->cfg.udp_rcvbuf) {
		int rb = (int)t->cfg.udp_rcvbuf;
		(void)setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
	}
	if (bind(l->fd, &l->local.u.sa, l->local.len) < 0)
		return ESIP_ESYS;
	if (getsockname(l->fd, &l->local.u.sa, &alen) < 0)
		return ESIP_ESYS;
	l->local.len = alen;
	if (esip__tp_epoll(t, EPOLL_CTL_ADD, l->fd, EPOLLIN,
			   EV_DATA(EV_UDP, (uint32_t)(l - t->ls) + 1)) < 0)
		return ESIP_ESYS;
	return 0;
}

void esip__udp_close(esip_transport *t, listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	esip_free(t->a, l->q.bytes);
	esip_free(t->a, l->q.ents);
	memset(&l->q, 0, sizeof l->q);
}

/* A datagram of nothing but CR/LF: a keep-alive some UAs send over UDP
 * (RFC 5626 itself uses STUN there).  Not a message: no 400 for it. */
static bool crlf_only(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static void udp_one(esip_transport *t, listener *l, const struct mmsghdr *mh, esip_addr *from,
		    const char *buf)
{
	size_t len = mh->msg_len;
	esip_rx_info rx;
	esip_msg m;
	int rc, fam;

	from->len = mh->msg_hdr.msg_namelen;
	fam = esip_addr_family(from);
	if (fam != AF_INET && fam != AF_INET6)
		return;
	t->st.udp_datagrams_in++;
	t->st.udp_bytes_in += len;
	if (mh->msg_hdr.msg_flags & MSG_TRUNC) {
		/* larger than max_udp_size: a message we would not accept */
		t->st.udp_dropped_oversized++;
		esip__tp_log(t, ESIP_LOG_DEBUG, "UDP: datagram over %u bytes dropped",
			     t->cfg.max_udp_size);
		return;
	}
	if (crlf_only(buf, len)) {
		t->st.udp_keepalives++;
		return;
	}
	memset(&rx, 0, sizeof rx);
	rx.tp = ESIP_TP_UDP;
	rx.peer = *from;
	rx.local = l->local;
	rx.listener = l->id;
	if (t->cb.trace)
		t->cb.trace(t->ud, false, ESIP_TP_UDP, &rx.local, &rx.peer, buf, len);
	esip_msg_init(&m, t->hdrs, t->cfg.limits.max_headers);
	rc = esip_msg_parse(&m, buf, len, ESIP_PARSE_DATAGRAM, &t->cfg.limits);
	esip__tp_deliver(t, &m, rc, &rx);
}

/* RFC 3261 18.4: host, network, port or protocol unreachable and
 * parameter problem are failures to tell the transport user of; source
 * quench and TTL exceeded are ignored, and so is fragmentation needed
 * (the kernel's path MTU business). */
static bool icmp_unreachable(const struct sock_extended_err *ee)
{
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP)
		return (ee->ee_type == ICMP_DEST_UNREACH && ee->ee_code != ICMP_FRAG_NEEDED) ||
		       ee->ee_type == ICMP_PARAMETERPROB;
	if (ee->ee_origin == SO_EE_ORIGIN_ICMP6)
		return ee->ee_type == ICMP6_DST_UNREACH || ee->ee_type == ICMP6_PARAM_PROB;
	return false;
}

/* The extended error of an error-queue message, if it has one. */
static bool errq_entry(struct msghdr *mh, struct sock_extended_err *ee)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
			memcpy(ee, CMSG_DATA(c), sizeof *ee);
			return true;
		}
	return false;
}

/*
 * Reads the socket's error queue (EPOLLERR, or a recvmmsg that failed for
 * a pending error): each ICMP error of 18.4 goes to the owner with the
 * destination of the datagram that caused it, which the kernel gives as
 * the message's name.  Reading the queue also clears the socket's pending
 * error.  Bounded per call; level-triggered epoll brings the rest.
 */
void esip__udp_errqueue(esip_transport *t, listener *l)
{
	int k;

	for (k = 0; k < ERRQ_PER_EVENT && l->id; k++) {
		union {
			char b[ERRQ_CONTROL];
			struct cmsghdr align;
		} ctl;
		char data[1]; /* the datagram itself is not needed: truncated */
		struct iovec iov = {data, sizeof data};
		struct sock_extended_err ee;
		struct msghdr mh;
		esip_addr dst;
		char s[ESIP_ADDR_STRLEN];
		int fam;

		memset(&mh, 0, sizeof mh);
		memset(&dst, 0, sizeof dst);
		mh.msg_name = &dst.u;
		mh.msg_namelen = sizeof dst.u;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof ctl.b;
		if (recvmsg(l->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN: the queue is empty */
		}
		dst.len = mh.msg_namelen;
		fam = esip_addr_family(&dst);
		if (!errq_entry(&mh, &ee) || !icmp_unreachable(&ee) ||
		    (fam != AF_INET && fam != AF_INET6)) {
			t->st.udp_icmp_ignored++;
			continue;
		}
		t->st.udp_unreachable++;
		if (esip_addr_str(&dst, s, sizeof s) < 0)
			strcpy(s, "?");
		esip__tp_log(t, ESIP_LOG_DEBUG, "UDP: %s unreachable (ICMP type %u code %u: %s)", s,
			     ee.ee_type, ee.ee_code, strerror((int)ee.ee_errno));
		if (t->cb.unreachable)
			t->cb.unreachable(t->ud, ESIP_TP_UDP, &dst, ESIP_ETRANSPORT, t->now);
	}
}

void esip__udp_readable(esip_transport *t, listener *l)
{
	size_t b = t->cfg.udp_batch, msz = t->cfg.max_udp_size, i;
	int round, n;

	for (round = 0; round < UDP_READ_ROUNDS && l->id; round++) {
		for (i = 0; i < b; i++) {
			struct msghdr *h = &t->rx_msgs[i].msg_hdr;
			t->rx_iov[i].iov_base = t->rx_buf + i * msz;
			t->rx_iov[i].iov_len = msz;
			memset(h, 0, sizeof *h);
			h->msg_name = &t->rx_from[i].u;
			h->msg_namelen = sizeof t->rx_from[i].u;
			h->msg_iov = &t->rx_iov[i];
			h->msg_iovlen = 1;
			t->rx_msgs[i].msg_len = 0;
		}
		n = recvmmsg(l->fd, t->rx_msgs, (unsigned)b, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* the pending error of an ICMP message (ECONNREFUSED...):
			 * it is in the error queue; read that, then the data */
			esip__tp_log(t, ESIP_LOG_DEBUG, "UDP recvmmsg: %s", strerror(errno));
			esip__udp_errqueue(t, l);
			continue;
		}
		if (n == 0)
			return;
		t->st.udp_recv_batches++;
		for (i = 0; i < (size_t)n; i++)
			udp_one(t, l, &t->rx_msgs[i], &t->rx_from[i], t->rx_buf + i * msz);
		if ((size_t)n < b)
			return;
	}
}

/* Moves the unsent datagrams to the front of the queue. */
static void txq_compact(udp_txq *q)
{
	size_t base = q->head < q->n ? q->ents[q->head].off : q->blen, i;

	if (!q->head)
		return;
	memmove(q->bytes, q->bytes + base, q->blen - base);
	q->blen -= base;
	memmove(q->ents, q->ents + q->head, (q->n - q->head) * sizeof *q->ents);
	q->n -= q->head;
	q->head = 0;
	for (i = 0; i < q->n; i++)
		q->ents[i].off -= base;
}

static size_t txq_pending(const udp_txq *q)
{
	return q->blen - (q->head < q->n ? q->ents[q->head].off : q->blen);
}

static int txq_push(esip_transport *t, listener *l, const void *bytes, size_t len,
		    const esip_addr *to)
{
	udp_txq *q = &l->q;

	/* max_udp_queue bounds the bytes waiting for a BLOCKED socket: a
	 * writable one takes what is queued first (a batch of large answers
	 * between two flushes must not be refused while nothing waits) */
	if (txq_pending(q) + len > t->cfg.max_udp_queue && !q->blocked)
		esip__udp_flush(t, l);
	if (q->blocked && txq_pending(q) + len > t->cfg.max_udp_queue) {
		t->st.udp_queue_full++;
		return ESIP_ELIMIT;
	}
	if (q->head && (q->n == q->cap || q->blen + len > q->bcap))
		txq_compact(q);
	if (esip_grow(t->a, &q->ents, &q->cap, q->n + 1, sizeof *q->ents, TXQ_FIRST_ENTS,
		      SIZE_MAX) < 0 ||
	    esip_grow(t->a, &q->bytes, &q->bcap, q->blen + len, 1, TXQ_FIRST_BYTES, SIZE_MAX) < 0)
		return ESIP_ENOMEM;
	if (len)
		memcpy(q->bytes + q->blen, bytes, len);
	q->ents[q->n].off = q->blen;
	q->ents[q->n].len = len;
	q->ents[q->n].to = *to;
	q->n++;
	q->blen += len;
	return 0;
}

int esip__udp_send(esip_transport *t, const esip_dest *dest, const void *bytes, size_t len)
{
	int fam = esip_addr_family(&dest->addr), err;
	listener *l;

	if ((fam != AF_INET && fam != AF_INET6) || !len)
		return ESIP_EINVAL;
	if (dest->listener)
		l = esip__tp_listener(t, dest->listener);
	else {
		const listener *cl = esip__tp_listener_for(t, ESIP_TP_UDP, fam);
		l = cl ? esip__tp_listener(t, cl->id) : NULL;
	}
	if (!l || l->tp != ESIP_TP_UDP)
		return ESIP_ENOTFOUND;
	if (esip_addr_family(&l->local) != fam)
		return ESIP_EINVAL;
	if (len > t->cfg.max_udp_size)
		return ESIP_ELIMIT;
	if ((err = txq_push(t, l, bytes, len, &dest->addr)) < 0)
		return err;
	if (t->cb.trace)
		t->cb.trace(t->ud, true, ESIP_TP_UDP, &l->local, &dest->addr, bytes, len);
	/* a full batch goes at once: the queue never holds more than needed */
	if (!l->q.blocked && l->q.n - l->q.head >= t->cfg.udp_batch)
		esip__udp_flush(t, l);
	return 0;
}

void esip__udp_flush(esip_transport *t, listener *l)
{
	udp_txq *q = &l->q;
	int intr = 0;
	bool retried = false;

	while (q->head < q->n && !q->blocked) {
		size_t cnt = q->n - q->head, j;
		int r;

		if (cnt > t->cfg.udp_batch)
			cnt = t->cfg.udp_batch;
		for (j = 0; j < cnt; j++) {
			udp_pending *p = &q->ents[q->head + j];
			struct msghdr *h = &t->tx_msgs[j].msg_hdr;
			t->tx_iov[j].iov_base = q->bytes + p->off;
			t->tx_iov[j].iov_len = p->len;
			memset(h, 0, sizeof *h);
			h->msg_name = &p->to.u;
			h->msg_namelen = p->to.len;
			h->msg_iov = &t->tx_iov[j];
			h->msg_iovlen = 1;
		}
		r = sendmmsg(l->fd, t->tx_msgs, (unsigned)cnt, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR && ++intr < EINTR_RETRIES)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* keep them; resume when writable */
				q->blocked = true;
				if (esip__tp_epoll(t, EPOLL_CTL_MOD, l->fd, EPOLLIN | EPOLLOUT,
						   EV_DATA(EV_UDP, l->id)) < 0)
					q->blocked = false; /* cannot wait: retried next flush */
				break;
			}
			/* the error may be an earlier datagram's: an ICMP error
			 * leaves one pending on the socket (IP_RECVERR), and the
			 * next send reports it and clears it (the error queue
			 * keeps it for the owner).  So one more try; failing
			 * again, this datagram cannot go (EMSGSIZE, ENETUNREACH,
			 * EACCES...): drop it, like the network would, go on */
			if (!retried) {
				retried = true;
				continue;
			}
			retried = false;
			t->st.udp_send_errors++;
			esip__tp_log(t, ESIP_LOG_WARN, "UDP sendmmsg: %s (datagram dropped)",
				     strerror(errno));
			q->head++;
			continue;
		}
		if (r == 0)
			break;
		retried = false;
		t->st.udp_send_batches++;
		for (j = 0; j < (size_t)r; j++)
			t->st.udp_bytes_out += q->ents[q->head + j].len;
		t->st.udp_datagrams_out += (uint64_t)r;
		q->head += (size_t)r;
	}
	if (q->head == q->n)
		q->head = q->n = q->blen = 0;
}

void esip__udp_writable(esip_transport *t, listener *l)
{
	udp_txq *q = &l->q;

	if (q->blocked) {
		q->blocked = false;
		esip__tp_epoll(t, EPOLL_CTL_MOD, l->fd, EPOLLIN, EV_DATA(EV_UDP, l->id));
	}
	esip__udp_flush(t, l);
}
