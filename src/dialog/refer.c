/*
 * refer.c - REFER (RFC 3515) with Referred-By (RFC 3892) and Refer-Sub /
 * norefersub (RFC 4488): the implicit subscription of each REFER
 * (refer.def) in both roles, and what feeds it.
 *
 * Subscriber (transferor): esip_ua_call_refer() sends REFER in the
 * dialog with Refer-To (an attended transfer escapes the other call's
 * Replaces header into its URI, RFC 3891 4), Referred-By and, if asked,
 * Refer-Sub: false; each NOTIFY's message/sipfrag is parsed and reported
 * (ESIP_UA_REFER_STATUS), answered 200; the outcome brings the dialog
 * back to established.
 *
 * Notifier (transferee): a REFER in an established dialog is decided by
 * refer_policy (or the application); accepted, it gets 202, a first
 * NOTIFY (100 Trying, RFC 3515 2.4.5), and the stack places the referred
 * call (Replaces when the Refer-To URI carries one, Referred-By copied,
 * RFC 3892 4); every step of that call becomes a NOTIFY, the last with
 * Subscription-State: terminated.  One NOTIFY is in flight at a time
 * (RFC 6665 4.2.2); a newer progress status replaces a waiting one, a
 * final one is never held back.
 */
#include "dialog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline refer_sub *S(void *ctx) { return ctx; }

/* effects (esip_fx.what) */
enum {
	RF_SEND_REFER = 1,
	RF_ANSWER,        /* value: status, to the NOTIFY at hand */
	RF_ACCEPT,        /* 202 (+ NOTIFY 100 Trying) and place the call */
	RF_REJECT,        /* value: status, to the REFER */
	RF_NOTIFY,        /* value: sipfrag status */
	RF_NOTIFY_FINAL,  /* value: sipfrag status; Subscription-State: terminated */
	RF_EXPIRED        /* the expiry: whatever the role still owes */
};
enum { RR_DECIDE = 1, RR_PROGRESS, RR_OK, RR_FAIL };
#define REF_TIMER 1

static uint32_t expires_ms(const refer_sub *s)
{
	return s->call->ua && s->call->ua->cfg.refer_expires_ms ? s->call->ua->cfg.refer_expires_ms
							       : 180000;
}

/* ---- actions (refer.def) ------------------------------------------------------------ */

static void fx(esip_fsm_fx *f, esip_fx_kind k, unsigned what, uint32_t v)
{
	esip_fsm_fx_push(f, k, what, v);
}

void esip__refa_send_refer(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_SEND, RF_SEND_REFER, 0);
	fx(f, ESIP_FX_TIMER_START, REF_TIMER, expires_ms(S(ctx)));
}

void esip__refa_accepted(void *ctx, const void *arg, esip_fsm_fx *f) {}

void esip__refa_no_sub(void *ctx, const void *arg, esip_fsm_fx *f)
{
	/* RFC 4488 4: accepted without a subscription: the REFER is the last
	 * we hear of it; success as far as we can know */
	fx(f, ESIP_FX_TIMER_STOP, REF_TIMER, 0);
	fx(f, ESIP_FX_REPORT, RR_OK, 202);
}

void esip__refa_rejected(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_TIMER_STOP, REF_TIMER, 0);
	fx(f, ESIP_FX_REPORT, RR_FAIL, 0);
}

void esip__refa_notified(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_SEND, RF_ANSWER, 200);
	fx(f, ESIP_FX_REPORT, RR_PROGRESS, 0);
}

void esip__refa_notified_final(void *ctx, const void *arg, esip_fsm_fx *f)
{
	refer_sub *s = S(ctx);

	/* RFC 3515 2.4.7: the final NOTIFY's sipfrag says how the referred
	 * request ended */
	fx(f, ESIP_FX_SEND, RF_ANSWER, 200);
	fx(f, ESIP_FX_TIMER_STOP, REF_TIMER, 0);
	fx(f, ESIP_FX_REPORT, s->last_status >= 200 && s->last_status < 300 ? RR_OK : RR_FAIL, 0);
}

void esip__refa_decide(void *ctx, const void *arg, esip_fsm_fx *f)
{
	/* the application, or the policy, has until the expiry */
	fx(f, ESIP_FX_TIMER_START, REF_TIMER, expires_ms(S(ctx)));
	fx(f, ESIP_FX_REPORT, RR_DECIDE, 0);
}

void esip__refa_accept(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_SEND, RF_ACCEPT, 0);
}

void esip__refa_reject(void *ctx, const void *arg, esip_fsm_fx *f)
{
	refer_sub *s = S(ctx);

	fx(f, ESIP_FX_TIMER_STOP, REF_TIMER, 0);
	fx(f, ESIP_FX_SEND, RF_REJECT, s->last_status ? s->last_status : 603);
}

void esip__refa_notify_progress(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_SEND, RF_NOTIFY, S(ctx)->last_status);
}

void esip__refa_notify_final(void *ctx, const void *arg, esip_fsm_fx *f)
{
	refer_sub *s = S(ctx);

	fx(f, ESIP_FX_TIMER_STOP, REF_TIMER, 0);
	fx(f, ESIP_FX_SEND, RF_NOTIFY_FINAL, s->last_status);
	fx(f, ESIP_FX_REPORT, s->last_status >= 200 && s->last_status < 300 ? RR_OK : RR_FAIL, 0);
}

void esip__refa_stop_notifying(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_TIMER_STOP, REF_TIMER, 0);
	fx(f, ESIP_FX_REPORT, RR_FAIL, 0);
}

void esip__refa_expired(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_SEND, RF_EXPIRED, 0);
	fx(f, ESIP_FX_REPORT, RR_FAIL, 408);
}

void esip__refa_end(void *ctx, const void *arg, esip_fsm_fx *f)
{
	fx(f, ESIP_FX_TIMER_STOP, REF_TIMER, 0);
}

/* ---- lifetime ------------------------------------------------------------------------- */

static void on_expiry(esip_timer *t, uint64_t now)
{
	refer_sub *s = ESIP_CONTAINER_OF(t, refer_sub, t);

	esip__refer_event(s, ref_E_expire, NULL, NULL, 408, now);
}

refer_sub *esip__refer_new(esip_call *c, ref_role role)
{
	refer_sub *s = esip_calloc(c->alloc, 1, sizeof *s);
	refer_sub **pp;

	if (!s)
		return NULL;
	s->call = c;
	s->role = (uint8_t)role;
	s->state = ref_S_idle;
	esip_timer_init(&s->t, on_expiry);
	/* in order of creation (a NOTIFY without an id is the first's) */
	for (pp = &c->subs; *pp; pp = &(*pp)->next)
		;
	*pp = s;
	return s;
}

static void sub_free(refer_sub *s, uint64_t now)
{
	esip_call *c = s->call;
	refer_sub **pp;

	if (c->ua)
		esip_timer_stop(c->ua->wheel, &s->t);
	for (pp = &c->subs; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	/* requests in flight run on without an owner */
	esip__req_abandon(s->refer, now);
	esip__req_abandon(s->notify, now);
	if (s->refer_txn) {
		/* never decided: it still gets an answer (603, 3515 2.4.2) */
		esip_response_spec spec;
		memset(&spec, 0, sizeof spec);
		spec.status = 603;
		spec.to_tag = esip_str_cstr(c->local_tag);
		esip_txn_respond(s->refer_txn, &spec, now);
	}
	if (s->referred) {
		if (s->referred->notify_sub == s)
			s->referred->notify_sub = NULL;
		esip_call_unref(s->referred);
	}
	esip_free(c->alloc, s->refer_to);
	esip_free(c->alloc, s->referred_by);
	esip_free(c->alloc, s);
}

unsigned esip__refer_live(const esip_call *c, ref_role role)
{
	const refer_sub *s;
	unsigned n = 0;

	for (s = c->subs; s; s = s->next)
		if (s->role == role && s->state != ref_S_terminated)
			n++;
	return n;
}

refer_sub *esip__refer_pending(esip_call *c)
{
	refer_sub *s;

	for (s = c->subs; s; s = s->next)
		if (s->role == REF_NOTIFIER && s->state == ref_S_pending)
			return s;
	return NULL;
}

/* ---- the subscriber's REFER --------------------------------------------------------------- */

static void refer_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now)
{
	refer_sub *s = r->owner;
	bool no_sub;

	if (what == REQ_PROVISIONAL)
		return;
	if (what == REQ_FINAL && m->status >= 200 && m->status < 300) {
		/* RFC 4488 4: the recipient agreed to no subscription only if its
		 * 2xx says Refer-Sub: false */
		const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_REFER_SUB);
		no_sub = s->no_sub && h && esip_refer_sub_parse(h->value, &no_sub) == 0 && !no_sub;
		s->no_sub = no_sub;
		esip__refer_event(s, no_sub ? ref_E_rx_2xx_no_sub : ref_E_rx_2xx, m, NULL, m->status,
				  now);
		return;
	}
	{
		unsigned st = what == REQ_FINAL ? m->status : what == REQ_TIMEOUT ? 408 : 503;
		esip_call *c = s->call;
		esip_call_ref(c);
		s->last_status = (uint16_t)st;
		esip__refer_event(s, ref_E_rx_rejected, NULL, NULL, st, now); /* frees s */
		/* 12.2.1.2: a 481 or 408 to a request in the dialog ends it */
		if (st == 481 || st == 408) {
			dlg_arg a;
			memset(&a, 0, sizeof a);
			a.status = st;
			esip__dlg_event(c, dlg_E_error, &a, now);
		}
		esip_call_unref(c);
	}
}

static const ua_req_ops refer_ops = {esip__dlg_build, refer_outcome, NULL, esip__dlg_next_cseq};

/* Percent-escapes s as a URI header value (RFC 3261 19.1.1: hvalue =
 * *( hnv-unreserved / unreserved / escaped )). */
static size_t escape_hvalue(esip_str s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;

	for (i = 0; i < s.len && n + 4 < cap; i++) {
		unsigned char ch = (unsigned char)s.p[i];
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || strchr("-_.!~*'()[]/?:+$", ch);
		if (plain) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = 0;
	return n;
}

/* The REFER's own headers, into mem: Refer-To, Referred-By, Refer-Sub. */
static int send_refer(refer_sub *s, uint64_t now)
{
	esip_call *c = s->call;
	esip_hdr_kv h[UA_REQ_EXTRA];
	req_params rp;
	size_t n = 0;
	int rc;

	memset(&rp, 0, sizeof rp);
	h[n].name = "Refer-To";
	h[n++].value = esip_str_cstr(s->refer_to);
	/* RFC 3892 3: who asks (the address-of-record of this side) */
	h[n].name = "Referred-By";
	h[n++].value = esip_str_cstr(s->referred_by);
	if (s->no_sub) {
		/* RFC 4488 4 */
		h[n].name = "Refer-Sub";
		h[n++].value = ESIP_STR("false");
		h[n].name = "Supported";
		h[n++].value = ESIP_STR("norefersub");
	}
	rp.ops = &refer_ops;
	rp.owner = s;
	rp.slot = &s->refer;
	rp.method = ESIP_METHOD_REFER;
	rp.extra = h;
	rp.n_extra = n;
	rc = esip__dlg_request_with(c, &rp, now);
	/* RFC 3515 2.4.6: the NOTIFYs name it by its CSeq */
	s->id = rp.cseq;
	return rc;
}

/* ---- the notifier's answers and NOTIFYs --------------------------------------------------- */

static void respond(refer_sub *s, esip_txn *txn, unsigned status, bool refer_sub_false,
		    uint64_t now)
{
	esip_call *c = s->call;
	esip_response_spec spec;
	esip_hdr_kv h[3];
	size_t n;

	memset(&spec, 0, sizeof spec);
	spec.status = (uint16_t)status;
	spec.to_tag = esip_str_cstr(c->local_tag);
	n = esip__ua_common_headers(c->ua, true, h, 1);
	if (refer_sub_false) {
		/* RFC 4488 4: the subscription is not created */
		h[n].name = "Refer-Sub";
		h[n++].value = ESIP_STR("false");
	}
	spec.extra = h;
	spec.n_extra = n;
	if (esip_txn_respond(txn, &spec, now) < 0)
		esip__ua_log(c->ua, ESIP_LOG_WARN, "call %s: cannot answer a REFER/NOTIFY", c->call_id);
}

static void notify_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now);
static const ua_req_ops notify_ops = {esip__dlg_build, notify_outcome, NULL,
				     esip__dlg_next_cseq};

/* RFC 3515 2.4.5 / RFC 6665 4.2.2: a NOTIFY with the referred request's
 * status as a message/sipfrag body. */
static void send_notify(refer_sub *s, unsigned status, bool final, const char *reason,
			uint64_t now)
{
	esip_call *c = s->call;
	esip_hdr_kv h[3];
	char event[48], state[64], frag[128];
	req_params rp;
	int n;

	if (s->no_sub || !c->ua)
		return; /* RFC 4488: nobody wants them */
	if (s->notify && !final) {
		/* one at a time: the newest progress waits for the current one */
		s->queued_status = (uint16_t)status;
		return;
	}
	snprintf(event, sizeof event, "refer;id=%u", s->id);
	if (final)
		snprintf(state, sizeof state, "terminated;reason=%s", reason ? reason : "noresource");
	else
		snprintf(state, sizeof state, "active;expires=%u", expires_ms(s) / 1000);
	n = snprintf(frag, sizeof frag, "SIP/2.0 %u %s\r\n", status, esip_reason_phrase(status));
	h[0].name = "Event";
	h[0].value = esip_str_cstr(event);
	h[1].name = "Subscription-State";
	h[1].value = esip_str_cstr(state);
	memset(&rp, 0, sizeof rp);
	rp.ops = &notify_ops;
	rp.owner = s;
	rp.slot = &s->notify;
	rp.method = ESIP_METHOD_NOTIFY;
	rp.extra = h;
	rp.n_extra = 2;
	rp.ctype = ESIP_STR("message/sipfrag;version=2.0");
	rp.body = esip_str_make(frag, (size_t)n);
	if (final && s->notify) {
		/* the final one goes now: the one in flight runs on alone */
		esip__req_abandon(s->notify, now);
	}
	s->queued_status = 0;
	if (esip__dlg_request_with(c, &rp, now) < 0)
		esip__ua_log(c->ua, ESIP_LOG_WARN, "call %s: cannot send NOTIFY", c->call_id);
}

static void notify_outcome(ua_req *r, req_outcome what, const esip_msg *m, uint64_t now)
{
	refer_sub *s = r->owner;
	unsigned st = what == REQ_FINAL ? m->status : what == REQ_TIMEOUT ? 408 : 503;

	if (what == REQ_PROVISIONAL)
		return;
	/* this NOTIFY is answered: the next may go (the request itself runs
	 * on to its end without us) */
	esip__req_detach(r);
	/* RFC 6665 4.2.2: a 481 (or no answer) to a NOTIFY ends the
	 * subscription; other failures are the subscriber's business */
	if (st == 481 || st == 408 || what == REQ_FAILED) {
		esip__refer_event(s, ref_E_notify_refused, NULL, NULL, st, now);
		return;
	}
	if (s->queued_status && s->state == ref_S_active)
		send_notify(s, s->queued_status, false, NULL, now);
}

/* RFC 3515 2.4.2 / RFC 3892 4: call the Refer-To target, with the Replaces
 * its URI carries and the Referred-By of the REFER. */
static int place_call(refer_sub *s, uint64_t now)
{
	esip_call *c = s->call, *nc = NULL;
	esip_ua *ua = c->ua;
	esip_nameaddr na;
	esip_uri u;
	esip_call_params p;
	esip_hdr_kv h[1];
	char target[UA_MAX_STR], rep[UA_MAX_STR];
	long rl;
	size_t tl;
	int rc;

	if (esip_refer_to_parse(esip_str_cstr(s->refer_to), &na) < 0 ||
	    esip_uri_parse(na.uri, &u) < 0)
		return ESIP_EINVAL;
	/* the Request-URI is the Refer-To URI without its headers (19.1.5) */
	tl = u.headers.p ? (size_t)(u.headers.p - 1 - na.uri.p) : na.uri.len;
	if (tl >= sizeof target)
		return ESIP_EINVAL;
	memcpy(target, na.uri.p, tl);
	target[tl] = 0;
	memset(&p, 0, sizeof p);
	p.target = target;
	if (c->local_sdp) {
		/* the media of the call that is being transferred */
		p.sdp = c->local_sdp;
		p.sdp_len = c->local_sdp_len;
	}
	if (s->referred_by) {
		h[0].name = "Referred-By";
		h[0].value = esip_str_cstr(s->referred_by);
		p.headers = h;
		p.n_headers = 1;
	}
	rl = esip_uri_header(&u, "Replaces", rep, sizeof rep);
	if (rl > 0) {
		esip_replaces r;
		esip_replaces_params rpm;
		char cid[UA_MAX_STR], tt[128], ft[128];
		if (esip_replaces_parse(esip_str_make(rep, (size_t)rl), &r) < 0 ||
		    r.call_id.len >= sizeof cid || r.to_tag.len >= sizeof tt ||
		    r.from_tag.len >= sizeof ft)
			return ESIP_EINVAL;
		snprintf(cid, sizeof cid, "%.*s", ESIP_STR_FMT(r.call_id));
		snprintf(tt, sizeof tt, "%.*s", ESIP_STR_FMT(r.to_tag));
		snprintf(ft, sizeof ft, "%.*s", ESIP_STR_FMT(r.from_tag));
		rpm.call_id = cid;
		rpm.to_tag = tt;
		rpm.from_tag = ft;
		rpm.early_only = r.early_only;
		rc = esip_ua_call_make_replacing(ua, &p, &rpm, now, &nc);
	} else {
		rc = esip_ua_call_make(ua, &p, now, &nc);
	}
	if (rc < 0)
		return rc;
	if (esip_call_state_is_final((esip_call_state)nc->state)) {
		/* it failed inside (its INVITE could not be sent): no progress
		 * will ever come to report, its failure is the final NOTIFY's */
		esip_call_unref(nc);
		return ESIP_ETRANSPORT;
	}
	/* its progress becomes our NOTIFYs; the reference is ours */
	nc->notify_sub = s;
	s->referred = nc;
	return 0;
}

static void accept_refer(refer_sub *s, uint64_t now)
{
	int rc;

	if (s->refer_txn) {
		respond(s, s->refer_txn, 202, s->no_sub, now);
		s->refer_txn = NULL;
	}
	/* RFC 3515 2.4.5: a NOTIFY at once, "SIP/2.0 100 Trying" */
	s->last_status = 100;
	send_notify(s, 100, false, NULL, now);
	rc = place_call(s, now);
	if (rc < 0) {
		esip__ua_log(s->call->ua, ESIP_LOG_INFO, "call %s: cannot call the Refer-To target: %s",
			     s->call->call_id, esip_strerror(rc));
		/* the referred request failed at once: its final NOTIFY */
		esip__refer_event(s, ref_E_final, NULL, NULL, rc == ESIP_EINVAL ? 400 : 503, now);
	}
}

/* ---- reports --------------------------------------------------------------------------- */

static void report_status(refer_sub *s, unsigned status, bool final, bool ok)
{
	esip_ua_event e;

	if (s->role != REF_SUBSCRIBER || !s->call->ua)
		return;
	memset(&e, 0, sizeof e);
	e.kind = ESIP_UA_REFER_STATUS;
	e.call = s->call;
	e.state = e.prev = (esip_call_state)s->call->state;
	e.status = (int)status;
	e.final = final;
	e.ok = ok;
	esip__ua_emit(s->call->ua, &e);
}

/* The outcome: the application hears it, and the dialog leaves
 * referring / refer_pending when no other subscription of that role
 * remains (RFC 3515 2.4.6: several may run). */
static void outcome(refer_sub *s, bool ok, unsigned status, uint64_t now)
{
	esip_call *c = s->call;
	dlg_arg a;

	if (!c->ua)
		return;
	if (ok)
		c->ua->stats.refers_ok++;
	else
		c->ua->stats.refers_failed++;
	report_status(s, status, true, ok);
	if (esip__refer_live(c, (ref_role)s->role) > 1) /* this one still counts */
		return;
	memset(&a, 0, sizeof a);
	a.status = status;
	esip__dlg_event(c, ok ? dlg_E_refer_accepted : dlg_E_refer_failed, &a, now);
}

static void decide(refer_sub *s, uint64_t now)
{
	esip_call *c = s->call;
	esip_ua_event e;

	switch (c->ua->cfg.refer_policy) {
	case ESIP_POLICY_ACCEPT:
		esip_ua_call_refer_accept(c, now);
		return;
	case ESIP_POLICY_REJECT:
		esip_ua_call_refer_reject(c, 603, now);
		return;
	default:
		break;
	}
	memset(&e, 0, sizeof e);
	e.kind = ESIP_UA_CALL_REFER;
	e.call = c;
	e.state = e.prev = (esip_call_state)c->state;
	e.refer_to = esip_str_cstr(s->refer_to);
	e.referred_by = esip_str_cstr(s->referred_by);
	e.replaces = s->replaces;
	esip__ua_emit(c->ua, &e);
}

/* ---- the interpreter ---------------------------------------------------------------------- */

typedef struct ref_arg {
	const esip_msg *msg;
	esip_txn *txn;
	unsigned status;
} ref_arg;

static void apply(refer_sub *s, const esip_fsm_fx *f, const ref_arg *a, uint64_t now)
{
	esip_call *c = s->call;
	unsigned i;

	for (i = 0; i < f->n; i++) {
		const esip_fx *e = &f->fx[i];
		switch (e->kind) {
		case ESIP_FX_TIMER_START:
			if (c->ua)
				esip_timer_start(c->ua->wheel, &s->t, now + e->value);
			break;
		case ESIP_FX_TIMER_STOP:
			if (c->ua)
				esip_timer_stop(c->ua->wheel, &s->t);
			break;
		case ESIP_FX_SEND:
			switch (e->what) {
			case RF_SEND_REFER:
				if (send_refer(s, now) < 0) {
					s->last_status = 503;
					esip__refer_event(s, ref_E_rx_rejected, NULL, NULL, 503, now);
				}
				break;
			case RF_ANSWER:
				if (a->txn)
					respond(s, a->txn, e->value, false, now);
				break;
			case RF_ACCEPT:
				accept_refer(s, now);
				break;
			case RF_REJECT:
				if (s->refer_txn) {
					respond(s, s->refer_txn, e->value, false, now);
					s->refer_txn = NULL;
				}
				break;
			case RF_NOTIFY:
				send_notify(s, e->value, false, NULL, now);
				break;
			case RF_NOTIFY_FINAL:
				send_notify(s, e->value, true, NULL, now);
				break;
			case RF_EXPIRED:
				/* a REFER never decided gets 603 (sub_free); an
				 * accepted one's subscription ends with a NOTIFY */
				if (s->role == REF_NOTIFIER && !s->refer_txn)
					send_notify(s, s->last_status ? s->last_status : 100, true,
						    "timeout", now);
				break;
			}
			break;
		case ESIP_FX_REPORT:
			switch (e->what) {
			case RR_DECIDE:
				decide(s, now);
				break;
			case RR_PROGRESS:
				report_status(s, s->last_status, false, false);
				break;
			case RR_OK:
			case RR_FAIL:
				outcome(s, e->what == RR_OK, e->value ? e->value : s->last_status, now);
				break;
			}
			break;
		default:
			break;
		}
	}
}

void esip__refer_event(refer_sub *s, unsigned ev, const esip_msg *m, esip_txn *txn,
		       unsigned status, uint64_t now)
{
	esip_call *c = s->call;
	ref_arg a = {m, txn, status};

	if (s->state == ref_S_terminated)
		return;
	if (s->depth) {
		/* NEVER more than a few: each effect raises at most one */
		if (s->pending_n >= sizeof s->pending)
			abort();
		s->pending[s->pending_n] = (uint8_t)ev;
		s->pending_status[s->pending_n++] = (uint16_t)status;
		return;
	}
	s->depth++;
	for (;;) {
		esip_fsm_fx f;
		esip_fsm_fx_init(&f);
		if (status && (ev == ref_E_progress || ev == ref_E_final))
			s->last_status = (uint16_t)status;
		if (esip_fsm_dispatch(esip__ref_machine, &s->state, ev, s, &a, &f,
				      c->ua ? &c->ua->tracer : NULL, s) == ESIP_FSM_HANDLED)
			apply(s, &f, &a, now);
		if (s->state == ref_S_terminated || !s->pending_n)
			break;
		ev = s->pending[0];
		status = s->pending_status[0];
		s->pending_n--;
		memmove(s->pending, s->pending + 1, s->pending_n);
		memmove(s->pending_status, s->pending_status + 1,
			s->pending_n * sizeof s->pending_status[0]);
		a.msg = NULL;
		a.txn = NULL;
		a.status = status;
	}
	s->depth--;
	if (s->state == ref_S_terminated && !s->depth)
		sub_free(s, now);
}

/* ---- requests of the module ------------------------------------------------------------------ */

/* The subscription a NOTIFY names: its Event id (RFC 3515 2.4.6), or,
 * without one, the first of ours. */
static refer_sub *notify_target(const esip_call *c, const esip_msg *m)
{
	const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_EVENT);
	esip_event ev;
	refer_sub *s;
	uint32_t id = 0;

	if (!h || esip_event_parse(h->value, &ev) < 0 || !esip_str_ieq_cstr(ev.package, "refer"))
		return NULL;
	if (ev.id.p && esip_str_to_u32(ev.id, &id) < 0)
		return NULL;
	for (s = c->subs; s; s = s->next)
		if (s->role == REF_SUBSCRIBER && s->state != ref_S_terminated &&
		    (!ev.id.p || s->id == id))
			return s;
	return NULL;
}

bool esip__refer_is_ours(const esip_call *c, const esip_msg *m)
{
	return m->method_id == ESIP_METHOD_NOTIFY && notify_target(c, m) != NULL;
}

/* A NOTIFY for one of our subscriptions (the dialog accepted it). */
static void notify_in(esip_call *c, esip_txn *txn, const esip_msg *m, uint64_t now)
{
	refer_sub *s = notify_target(c, m);
	const esip_hdr *h = esip_msg_hdr(m, ESIP_HDR_SUBSCRIPTION_STATE);
	esip_substate st;
	unsigned status;
	esip_str reason;

	if (!s)
		return;
	/* RFC 6665 8.2.3 / RFC 3515 2.4.5: the state and a sipfrag body */
	if (!h || esip_substate_parse(h->value, &st) < 0 ||
	    esip_sipfrag_parse(m->body, &status, &reason) < 0) {
		respond(s, txn, 400, false, now);
		return;
	}
	s->last_status = (uint16_t)status;
	esip__refer_event(s, esip_str_ieq_cstr(st.state, "terminated") ? ref_E_rx_notify_final
								   : ref_E_rx_notify,
			  m, txn, status, now);
}

static char *dup_str(const esip_allocator *al, esip_str v)
{
	char *p = esip_malloc(al, v.len + 1);

	if (p) {
		if (v.len)
			memcpy(p, v.p, v.len);
		p[v.len] = 0;
	}
	return p;
}

/* A REFER the dialog accepted into referred (RFC 3515 2.4.2). */
static void refer_in(esip_call *c, esip_txn *txn, const esip_msg *m, uint64_t now)
{
	const esip_hdr *rt = esip_msg_hdr(m, ESIP_HDR_REFER_TO),
		       *rb = esip_msg_hdr(m, ESIP_HDR_REFERRED_BY),
		       *rs = esip_msg_hdr(m, ESIP_HDR_REFER_SUB);
	esip_nameaddr na;
	esip_uri u;
	refer_sub *s = esip__refer_new(c, REF_NOTIFIER);
	bool v = true;
	char tmp[8];
	dlg_arg a;

	if (s && rt) {
		s->refer_to = dup_str(c->alloc, rt->value);
		if (rb)
			s->referred_by = dup_str(c->alloc, rb->value);
	}
	if (!s || !rt || !s->refer_to || (rb && !s->referred_by)) {
		/* no memory to take it: 500, and the dialog goes back */
		if (s) {
			s->state = ref_S_terminated;
			sub_free(s, now);
		}
		esip__dlg_respond(c, txn, 500, NULL, ESIP_STR_NULL, now);
		memset(&a, 0, sizeof a);
		a.status = 500;
		esip__dlg_event(c, dlg_E_reject_refer, &a, now);
		return;
	}
	s->id = m->cseq;
	s->refer_txn = txn;
	/* RFC 4488 4: Refer-Sub: false asks for no subscription; we support it */
	s->no_sub = rs && esip_refer_sub_parse(rs->value, &v) == 0 && !v;
	s->replaces = esip_refer_to_parse(rt->value, &na) == 0 && esip_uri_parse(na.uri, &u) == 0 &&
		      esip_uri_header(&u, "Replaces", tmp, sizeof tmp) != ESIP_ENOTFOUND;
	c->ua->stats.refers++;
	esip__refer_event(s, ref_E_rx_refer, m, txn, 0, now);
}

bool esip__refer_request(esip_call *c, esip_txn *txn, const esip_msg *m,
			 const esip_rx_info *rx, uint64_t now)
{
	if (m->method_id == ESIP_METHOD_NOTIFY && notify_target(c, m)) {
		notify_in(c, txn, m, now);
		return true;
	}
	if (m->method_id == ESIP_METHOD_REFER && c->state == dlg_S_referred &&
	    !esip__refer_pending(c)) {
		refer_in(c, txn, m, now);
		return true;
	}
	return false;
}

void esip__refer_call_progress(refer_sub *s, esip_call *rc, unsigned from, unsigned to,
			       unsigned status, uint64_t now)
{
	if (to == dlg_S_established) {
		rc->notify_sub = NULL;
		esip__refer_event(s, ref_E_final, NULL, NULL, 200, now);
	} else if (esip_call_state_is_final((esip_call_state)to)) {
		rc->notify_sub = NULL;
		esip__refer_event(s, ref_E_final, NULL, NULL, status >= 300 ? status : 487, now);
	} else if (status > 100 && status < 200) {
		esip__refer_event(s, ref_E_progress, NULL, NULL, status, now);
	}
}

void esip__refer_call_ended(esip_call *c, uint64_t now)
{
	/* the dialog is gone: its subscriptions with it (RFC 6665 4.4.1) */
	while (c->subs) {
		refer_sub *s = c->subs;
		if (s->state == ref_S_terminated || s->depth) {
			/* freed by its own dispatch, or already on its way */
			c->subs = s->next;
			s->next = NULL;
			if (!s->depth) {
				sub_free(s, now);
			} else if (s->state != ref_S_terminated) {
				/* the call ends from inside its dispatch (the
				 * application hung up from a report): its timer
				 * stops now (the wheel is out of reach once the call
				 * is detached), it ends when the dispatch returns */
				esip_timer_stop(c->ua->wheel, &s->t);
				esip__refer_event(s, ref_E_terminate, NULL, NULL, 0, now);
			}
			continue;
		}
		esip__refer_event(s, ref_E_terminate, NULL, NULL, 0, now);
	}
	if (c->notify_sub) {
		refer_sub *s = c->notify_sub;
		c->notify_sub = NULL;
		esip__refer_event(s, ref_E_final, NULL, NULL, c->status >= 300 ? c->status : 487, now);
	}
}

/* ---- the application's side --------------------------------------------------------------------- */

/* The dialog's part of a decision, which comes first; true if the dialog
 * is then where it puts it, so the subscription's part may follow.  The
 * application may call the core from the state report (hang up): a call
 * that ended took its subscriptions along.  The caller holds the call
 * (a reference taken here) and releases it. */
static bool dialog_first(esip_call *c, unsigned ev, const dlg_arg *a, unsigned want,
			 uint64_t now)
{
	esip_call_ref(c);
	esip__dlg_event(c, ev, a, now);
	return c->ua && c->state == want;
}

int esip_ua_call_refer(esip_call *c, const char *target, esip_call *replaces,
		       const esip_refer_opts *opts, uint64_t now)
{
	char refer_to[UA_MAX_STR * 2], val[UA_MAX_STR], esc[UA_MAX_STR * 2];
	esip_uri u;
	refer_sub *s;
	dlg_arg a;
	int n;

	if (!c)
		return ESIP_EINVAL;
	if (!c->ua || !esip_fsm_lookup(esip__dlg_machine, c->state, dlg_E_send_refer))
		return ESIP_ESTATE;
	if (replaces && (!replaces->ua || replaces->ua != c->ua || !replaces->remote_tag ||
			 !(replaces->flags & CF_ESTABLISHED)))
		return ESIP_EINVAL;
	if (!target)
		target = replaces ? (replaces->remote_target ? replaces->remote_target
							     : replaces->remote_uri)
				  : NULL;
	if (!target || strlen(target) >= UA_MAX_STR || strpbrk(target, "<>\r\n") ||
	    esip_uri_parse(esip_str_cstr(target), &u) < 0)
		return ESIP_EINVAL;
	if (replaces) {
		/* RFC 3891 4: the dialog as the target sees it - its tag is our
		 * remote tag there, ours is its remote tag */
		n = snprintf(val, sizeof val, "%s;to-tag=%s;from-tag=%s%s", replaces->call_id,
			     replaces->remote_tag, replaces->local_tag,
			     opts && opts->early_only ? ";early-only" : "");
		if (n < 0 || (size_t)n >= sizeof val)
			return ESIP_EINVAL;
		escape_hvalue(esip_str_make(val, (size_t)n), esc, sizeof esc);
		n = snprintf(refer_to, sizeof refer_to, "<%s%sReplaces=%s>", target,
			     u.headers.p ? "&" : "?", esc);
	} else {
		n = snprintf(refer_to, sizeof refer_to, "<%s>", target);
	}
	if (n < 0 || (size_t)n >= sizeof refer_to)
		return ESIP_EINVAL;
	s = esip__refer_new(c, REF_SUBSCRIBER);
	if (!s)
		return ESIP_ENOMEM;
	s->no_sub = opts && opts->no_subscription;
	s->replaces = replaces != NULL;
	{
		char rb[UA_MAX_STR + 2];
		snprintf(rb, sizeof rb, "<%s>", c->local_uri);
		s->refer_to = esip_malloc(c->alloc, (size_t)n + 1);
		s->referred_by = esip_malloc(c->alloc, strlen(rb) + 1);
		if (!s->refer_to || !s->referred_by) {
			s->state = ref_S_terminated;
			sub_free(s, now);
			return ESIP_ENOMEM;
		}
		memcpy(s->refer_to, refer_to, (size_t)n + 1);
		memcpy(s->referred_by, rb, strlen(rb) + 1);
	}
	c->ua->stats.refers++;
	memset(&a, 0, sizeof a);
	if (!dialog_first(c, dlg_E_send_refer, &a, dlg_S_referring, now)) {
		/* hung up meanwhile: no REFER goes (a call that ended freed
		 * the subscription already) */
		if (c->ua) {
			s->state = ref_S_terminated;
			sub_free(s, now);
		}
		esip_call_unref(c);
		return ESIP_ESTATE;
	}
	esip__refer_event(s, ref_E_send_refer, NULL, NULL, 0, now);
	esip_call_unref(c);
	return 0;
}

int esip_ua_call_refer_accept(esip_call *c, uint64_t now)
{
	refer_sub *s;
	dlg_arg a;

	if (!c)
		return ESIP_EINVAL;
	if (!c->ua || !(s = esip__refer_pending(c)))
		return ESIP_ESTATE;
	memset(&a, 0, sizeof a);
	if (!dialog_first(c, dlg_E_accept_refer, &a, dlg_S_refer_pending, now)) {
		esip_call_unref(c);
		return ESIP_ESTATE; /* the REFER gets 603 when the call ends */
	}
	esip__refer_event(s, ref_E_accept, NULL, NULL, 0, now);
	esip_call_unref(c);
	return 0;
}

int esip_ua_call_refer_reject(esip_call *c, unsigned status, uint64_t now)
{
	refer_sub *s;
	dlg_arg a;

	if (!c || status < 300 || status > 699)
		return ESIP_EINVAL;
	if (!c->ua || !(s = esip__refer_pending(c)))
		return ESIP_ESTATE;
	memset(&a, 0, sizeof a);
	a.status = status;
	if (!dialog_first(c, dlg_E_reject_refer, &a, dlg_S_established, now)) {
		esip_call_unref(c);
		return ESIP_ESTATE; /* the REFER gets 603 when the call ends */
	}
	s->last_status = (uint16_t)status;
	esip__refer_event(s, ref_E_reject, NULL, NULL, status, now);
	esip_call_unref(c);
	return 0;
}
