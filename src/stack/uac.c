/*
 * uac.c - requests the stack originates (OPTIONS today, RFC 3261 11.1):
 * the target from the URI (18, 19.1; RFC 3263 4 without SRV), the
 * resolver for host names (never blocking the loop), the request itself
 * (8.1.1: Via with a fresh branch and rport, From with a tag, To, Call-ID,
 * CSeq, Max-Forwards, Contact, User-Agent, the configured custom
 * headers), the 18.1.1 size rule, a client transaction, and the outcome
 * for the application: the final status, 408 on a timeout and 503 on a
 * transport error (8.1.3.1).
 *
 * Contract: once esip_stack_send_options() returned 0, the callback runs
 * exactly once (also when the stack is freed first: 503 "Stack Stopped").
 */
#include "stack_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void req_unlink(esip_stack *s, stk_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		s->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

static void req_free(esip_stack *s, stk_req *r)
{
	req_unlink(s, r);
	if (r->outcome)
		esip_free(s->alloc, r->outcome);
	esip_free(s->alloc, r);
}

static void outcome(esip_stack *s, stk_req *r, int status, const char *reason, size_t len)
{
	if (r->done)
		return;
	r->done = true;
	esip__stack_queue_response(s, r->outcome, r->cb, r->ud, status, reason, len);
	r->outcome = NULL;
}

/* The address a wildcard listener would use towards dst (the kernel's
 * route choice, via a connected UDP socket: no packet is sent). */
static int local_towards(const esip_addr *dst, esip_addr *out)
{
	int fd = socket(dst->u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof out->u;
	int ok;

	if (fd < 0)
		return ESIP_ESYS;
	ok = connect(fd, &dst->u.sa, dst->len) == 0 && getsockname(fd, &out->u.sa, &len) == 0;
	close(fd);
	if (!ok)
		return ESIP_ESYS;
	out->len = len;
	return 0;
}

static bool is_wildcard(const esip_addr *a)
{
	static const unsigned char zero[16];

	if (a->u.sa.sa_family == AF_INET)
		return a->u.in4.sin_addr.s_addr == 0;
	return !memcmp(&a->u.in6.sin6_addr, zero, 16);
}

/* The sent-by of our Via and the host:port of our Contact (18.1.1,
 * 20.42): the configured public address, else the listener's. */
static int our_address(esip_stack *s, esip_tp tp, const esip_addr *dst, char *host,
		       size_t cap, uint16_t *port, uint32_t *listener)
{
	esip_addr la, tow;
	uint32_t id = 0;
	int fam = esip_addr_family(dst);

	if (esip_transport_find_listener(s->tp, tp, fam, &id) < 0 &&
	    esip_transport_find_listener(s->tp, ESIP_TP_UDP, fam, &id) < 0 &&
	    esip_transport_find_listener(s->tp, ESIP_TP_TCP, fam, &id) < 0)
		return ESIP_ENOTFOUND;
	*listener = tp == ESIP_TP_UDP ? id : 0;
	esip_transport_local_addr(s->tp, id, &la);
	*port = s->public_port ? s->public_port : esip_addr_port(&la);
	if (s->public_host[0]) {
		snprintf(host, cap, "%s", s->public_host);
		return 0;
	}
	if (is_wildcard(&la)) {
		if (local_towards(dst, &tow) < 0)
			return ESIP_ESYS;
		la = tow;
	}
	return esip_addr_ip_str(&la, host, cap) < 0 ? ESIP_EINVAL : 0;
}

static int build(esip_stack *s, stk_req *r, esip_tp tp, const char *host, uint16_t port,
		 esip_buf *b)
{
	char branch[32], from[300], contact[320];
	esip_hdr_kv extra[40];
	esip_request_spec spec;
	size_t n = 0, i;
	bool v6 = strchr(host, ':') != NULL;
	int rc;

	/* a new branch for every transaction (8.1.1.7); the request's identity
	 * (From tag, Call-ID, CSeq) is chosen once: the UDP retry of 18.1.1 is
	 * the same request, so that the server can recognise it */
	if ((rc = esip_gen_branch(&s->rnd, branch, sizeof branch)) < 0)
		return rc;
	if (!r->have_ident) {
		if ((rc = esip_gen_tag(&s->rnd, r->tag, sizeof r->tag)) < 0 ||
		    (rc = esip_gen_call_id(&s->rnd, esip_str_cstr(host), r->call_id,
					   sizeof r->call_id)) < 0)
			return rc;
		r->cseq = s->cseq++;
		r->have_ident = true;
	}
	snprintf(from, sizeof from, v6 ? "sip:esip@[%s]" : "sip:esip@%s",
		 s->domain[0] ? s->domain : host);
	snprintf(contact, sizeof contact, v6 ? "sip:esip@[%s]:%u%s" : "sip:esip@%s:%u%s", host,
		 port, tp == ESIP_TP_TCP ? ";transport=tcp" : "");
	memset(&spec, 0, sizeof spec);
	spec.method = esip_str_cstr(r->method);
	spec.ruri = esip_str_cstr(r->uri);
	spec.via_transport = esip_str_cstr(esip_tp_name(tp));
	spec.via_host = esip_str_cstr(host);
	spec.via_port = port;
	spec.via_branch = esip_str_cstr(branch);
	spec.via_rport = true; /* RFC 3581 3: ask for the source port */
	spec.from_uri = esip_str_cstr(from);
	spec.from_tag = esip_str_cstr(r->tag);
	spec.to_uri = spec.ruri;
	spec.call_id = esip_str_cstr(r->call_id);
	spec.cseq = r->cseq;
	spec.max_forwards = 70;
	spec.contact = esip_str_cstr(contact);
	extra[n].name = "User-Agent";
	extra[n++].value = esip_str_cstr(s->user_agent);
	/* 11.1: an OPTIONS says what it accepts in the 200 */
	extra[n].name = "Accept";
	extra[n++].value = ESIP_STR("application/sdp");
	for (i = 0; i < s->n_custom && n < sizeof extra / sizeof extra[0]; i++)
		extra[n++] = s->custom[i];
	spec.extra = extra;
	spec.n_extra = n;
	esip_buf_reset(b);
	return esip_build_request(b, &spec);
}

/* Builds and starts the client transaction towards dst.  On a sync error
 * before a transaction exists, returns it (no outcome queued).  The
 * transaction may end inside (a first send that fails): then r->txn is
 * NULL again when this returns, and req_settle() decides.  no_upgrade:
 * the UDP retry of 18.1.1, which must not move to TCP again. */
static int send_to(esip_stack *s, stk_req *r, esip_tp tp, const esip_addr *dst, bool no_upgrade)
{
	char mem[8192], host[256];
	esip_buf b;
	esip_dest d;
	uint16_t port;
	uint32_t listener;
	int rc;

	rc = our_address(s, tp, dst, host, sizeof host, &port, &listener);
	if (rc < 0)
		return rc;
	esip_buf_init_fixed(&b, mem, sizeof mem);
	rc = build(s, r, tp, host, port, &b);
	if (rc < 0)
		return rc;
	/* 18.1.1: a request over 1300 bytes goes over TCP when we have it */
	if (!no_upgrade && esip_transport_request_tp(s->tp, tp, b.len) != tp) {
		tp = esip_transport_request_tp(s->tp, tp, b.len);
		r->upgraded = true;
		if ((rc = our_address(s, tp, dst, host, sizeof host, &port, &listener)) < 0 ||
		    (rc = build(s, r, tp, host, port, &b)) < 0)
			return rc;
	}
	memset(&d, 0, sizeof d);
	d.tp = tp;
	d.addr = *dst;
	d.listener = listener;
	r->dst = *dst;
	rc = esip_txl_request(s->txl, b.p, b.len, &d, r, s->now, &r->txn);
	if (rc == ESIP_ETRANSPORT)
		return 0; /* it ended inside: TRANSPORT_ERROR and TERMINATED came */
	return rc;
}

/* After a call that may have ended the request's transaction: a request
 * with neither a transaction nor a lookup in flight is finished. */
static void req_settle(esip_stack *s, stk_req *r)
{
	if (r->busy || r->txn || r->resolve_id)
		return;
	if (r->retry_udp) {
		/* 18.1.1: "If ... a TCP connection ... fails, the element
		 * SHOULD retry the request, using UDP" (once) */
		int rc;
		r->retry_udp = false;
		r->udp_retried = true;
		r->busy++;
		rc = send_to(s, r, ESIP_TP_UDP, &r->dst, true);
		r->busy--;
		if (rc < 0)
			outcome(s, r, 503, "Service Unavailable", 19);
		if (r->txn)
			return;
	}
	if (!r->done)
		outcome(s, r, 408, "Request Timeout", 15);
	req_free(s, r);
}

static void on_resolved(void *ud, int err, const esip_addr *addrs, size_t n)
{
	stk_req *r = ud;
	esip_stack *s = r->s;
	int rc = err;

	r->resolve_id = 0;
	r->busy++;
	if (!err && n)
		rc = send_to(s, r, r->target.tp, &addrs[0], false);
	r->busy--;
	if (rc < 0 || !n) {
		/* 8.1.3.1 treats a failed target like a transport failure */
		esip__stack_log(s, ESIP_LOG_INFO, "%s %s: %s", r->method, r->uri,
				esip_strerror(rc ? rc : ESIP_ERESOLVE));
		outcome(s, r, 503, "Service Unavailable", 19);
	}
	req_settle(s, r);
}

static int start_request(esip_stack *s, const char *method, const char *uri,
			 esip_response_cb cb, void *ud)
{
	esip_uri u;
	stk_req *r;
	int rc;

	if (!uri || strlen(uri) >= sizeof r->uri)
		return ESIP_EINVAL;
	r = esip_calloc(s->alloc, 1, sizeof *r);
	if (!r)
		return ESIP_ENOMEM;
	r->outcome = esip__stack_response_cb_new(s);
	if (!r->outcome) {
		esip_free(s->alloc, r);
		return ESIP_ENOMEM;
	}
	r->s = s;
	r->cb = cb;
	r->ud = ud;
	snprintf(r->method, sizeof r->method, "%s", method);
	snprintf(r->uri, sizeof r->uri, "%s", uri);
	r->next = s->reqs;
	if (s->reqs)
		s->reqs->prev = r;
	s->reqs = r;
	/* the URI is the caller's argument: a malformed one is EINVAL */
	rc = esip_uri_parse(esip_str_cstr(r->uri), &u) < 0 ? ESIP_EINVAL : 0;
	if (rc == 0)
		rc = esip_target_from_uri(&u, s->cfg.default_tp, &r->target);
	r->busy++;
	if (rc == 0) {
		if (r->target.numeric)
			rc = send_to(s, r, r->target.tp, &r->target.addr, false);
		else
			rc = esip_transport_resolve(s->tp, r->target.host, r->target.port,
						    r->target.tp, on_resolved, r, &r->resolve_id);
	}
	r->busy--;
	if (rc < 0 && !r->done && !r->txn) {
		/* refused before anything started: no callback will come */
		req_free(s, r);
		return rc;
	}
	/* a transaction that ended at once (its first send failed) has
	 * queued its outcome, or left a UDP retry to start */
	req_settle(s, r);
	return 0;
}

int esip_stack_send_options(esip_stack *s, const char *uri, esip_response_cb cb, void *ud)
{
	int rc;

	if (!s)
		return ESIP_EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->closing) {
		/* a callback run by esip_stack_free: nothing starts any more */
		pthread_mutex_unlock(&s->lock);
		return ESIP_ECLOSED;
	}
	s->now = esip__stack_now();
	rc = start_request(s, "OPTIONS", uri, cb, ud);
	esip_transport_flush(s->tp);
	pthread_mutex_unlock(&s->lock);
	esip__stack_wake(s);
	return rc;
}

void esip__uac_event(esip_stack *s, esip_txn *txn, esip_txn_event ev, const esip_msg *m,
		     uint64_t now)
{
	stk_req *r = esip_txn_owner(txn);

	switch (ev) {
	case ESIP_TXE_PROVISIONAL:
		r->got_response = true;
		break;
	case ESIP_TXE_SUCCESS:
	case ESIP_TXE_FAILURE:
		r->got_response = true;
		outcome(s, r, m->status, m->reason.p ? m->reason.p : "", m->reason.len);
		break;
	case ESIP_TXE_TIMEOUT:
		/* 8.1.3.1: a timeout is a 408 for the UAC core */
		outcome(s, r, 408, "Request Timeout", 15);
		break;
	case ESIP_TXE_TRANSPORT_ERROR:
		/* 18.1.1: the UDP retry is for a TCP connection that could not
		 * be used at all; once a response came over it, the server has
		 * the request and a retry would be a second one */
		if (r->upgraded && !r->udp_retried && !r->done && !r->got_response) {
			r->retry_udp = true; /* after TERMINATED: req_settle */
			break;
		}
		/* 8.1.3.1: a transport failure is a 503 */
		outcome(s, r, 503, "Service Unavailable", 19);
		break;
	case ESIP_TXE_TERMINATED:
		/* the request may be inside send_to (busy): it settles there */
		r->txn = NULL;
		req_settle(s, r);
		break;
	default:
		break;
	}
}

void esip__uac_fail_all(esip_stack *s, int status, const char *reason)
{
	while (s->reqs) {
		stk_req *r = s->reqs;
		if (r->resolve_id)
			esip_transport_resolve_cancel(s->tp, r->resolve_id);
		if (r->txn)
			esip_txn_set_owner(r->txn, NULL);
		outcome(s, r, status, reason, strlen(reason));
		req_free(s, r);
	}
}
