/*
 * deferred.c - application callbacks, queued while the stack lock is held
 * and run, in order, after the loop releases it (esip/stack.h: "callbacks
 * run on the loop thread with no lock held").  Each record is one member
 * of a tagged union (stk_cb); a record about a call holds a reference to
 * it from the moment it is queued until its callback returned, so the
 * call outlives any state change it reports.  Log lines are formatted only
 * when their level passes the configured one; trace copies the bytes only
 * when a trace hook is set.
 */
#include "stack_int.h"

#include <stdio.h>
#include <string.h>

static void push(esip_stack *s, stk_cb *c)
{
	c->next = NULL;
	if (s->cb_tail)
		s->cb_tail->next = c;
	else
		s->cb_head = c;
	s->cb_tail = c;
}

static stk_cb *make(esip_stack *s, stk_cb_kind kind, size_t len)
{
	stk_cb *c = esip_malloc(s->alloc, sizeof *c + len + 1);

	if (!c) {
		s->callbacks_lost++;
		return NULL;
	}
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->len = len;
	c->text[len] = 0;
	return c;
}

/* A copy of t (truncated to max) into the record's text. */
static void put_text(stk_cb *c, esip_str t, size_t max)
{
	size_t n = t.len < max ? t.len : max;

	if (n)
		memcpy(c->text, t.p, n);
	c->text[n] = 0;
	c->len = n;
}

void esip__stack_log(esip_stack *s, esip_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	stk_cb *c;
	int n;

	if (!s->cfg.cb.log || level > s->cfg.log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	c = make(s, STK_CB_LOG, (size_t)n);
	if (!c)
		return;
	c->u.log.level = level;
	memcpy(c->text, line, (size_t)n);
	push(s, c);
}

void esip__stack_trace(esip_stack *s, bool outgoing, esip_tp tp, const esip_addr *local,
		       const esip_addr *peer, const void *bytes, size_t len)
{
	stk_cb *c;

	if (!s->cfg.cb.trace)
		return;
	c = make(s, STK_CB_TRACE, len);
	if (!c)
		return;
	memcpy(c->text, bytes, len);
	if (local)
		c->u.trace.local = *local;
	if (peer)
		c->u.trace.peer = *peer;
	c->u.trace.m.outgoing = outgoing;
	c->u.trace.m.tp = tp;
	c->u.trace.m.bytes = c->text;
	c->u.trace.m.len = len;
	c->u.trace.m.now_ms = esip__stack_now();
	push(s, c);
}

/* ---- requests' outcomes ------------------------------------------------------------- */

stk_cb *esip__stack_response_cb_new(esip_stack *s, esip_response_cb fn, void *ud)
{
	stk_cb *c = esip_malloc(s->alloc, sizeof *c + STK_REASON_MAX + 1);

	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	c->kind = STK_CB_RESPONSE;
	c->u.response.fn = fn;
	c->u.response.ud = ud;
	return c;
}

/* ---- the UA core's events ------------------------------------------------------------ */

void esip__stack_ua_event(void *ud, const esip_ua_event *ev)
{
	esip_stack *s = ud;
	stk_cb *c;

	switch (ev->kind) {
	case ESIP_UA_RESPONSE:
		/* the stack starts every request with its record as fn_ud */
		c = ev->fn_ud;
		c->u.response.status = ev->status;
		put_text(c, ev->reason, STK_REASON_MAX);
		if (c->u.response.fn)
			push(s, c);
		else
			esip_free(s->alloc, c);
		return;
	case ESIP_UA_INCOMING_CALL:
		c = make(s, STK_CB_INCOMING, 0);
		break;
	case ESIP_UA_CALL_STATE:
		if (!s->cfg.cb.call_state)
			return;
		c = make(s, STK_CB_STATE, STK_REASON_MAX);
		if (!c)
			return;
		c->u.state.ev.prev = ev->prev;
		c->u.state.ev.state = ev->state;
		c->u.state.ev.event = ev->event; /* a static name */
		c->u.state.ev.dir = esip_call_direction(ev->call);
		c->u.state.ev.status = ev->status;
		put_text(c, ev->reason, STK_REASON_MAX);
		if (ev->other) {
			c->other = ev->other;
			esip_call_ref(c->other);
		}
		break;
	case ESIP_UA_CALL_REQUEST:
		if (!s->cfg.cb.call_request)
			return;
		c = make(s, STK_CB_REQUEST, 32);
		if (!c)
			return;
		c->u.request.status = ev->status;
		put_text(c, ev->method, 32);
		break;
	case ESIP_UA_CALL_REFER:
		/* the REFER's two values, one after the other in text */
		c = make(s, STK_CB_REFER, ev->refer_to.len + ev->referred_by.len + 1);
		if (!c)
			return;
		if (ev->refer_to.len)
			memcpy(c->text, ev->refer_to.p, ev->refer_to.len);
		c->text[ev->refer_to.len] = 0;
		c->u.refer.referred_by_off = ev->refer_to.len + 1;
		if (ev->referred_by.len)
			memcpy(c->text + ev->refer_to.len + 1, ev->referred_by.p, ev->referred_by.len);
		c->text[ev->refer_to.len + 1 + ev->referred_by.len] = 0;
		c->u.refer.info.replaces = ev->replaces;
		break;
	case ESIP_UA_REG_STATE:
		if (!s->cfg.cb.reg_state)
			return;
		c = make(s, STK_CB_REG, 0);
		if (!c)
			return;
		c->u.reg.reg = ev->reg;
		c->u.reg.state = ev->reg_state;
		c->u.reg.status = ev->status;
		c->u.reg.expires = ev->expires;
		push(s, c);
		return;
	case ESIP_UA_REFER_STATUS:
		if (!s->cfg.cb.refer_status)
			return;
		c = make(s, STK_CB_REFER_STATUS, 0);
		if (!c)
			return;
		c->u.refer_status.status = ev->status;
		c->u.refer_status.final = ev->final;
		c->u.refer_status.ok = ev->ok;
		break;
	default:
		return;
	}
	if (!c)
		return;
	c->call = ev->call;
	esip_call_ref(c->call);
	push(s, c);
}

/* ---- running -------------------------------------------------------------------------- */

stk_cb *esip__stack_take_callbacks(esip_stack *s)
{
	stk_cb *head = s->cb_head;

	s->cb_head = s->cb_tail = NULL;
	return head;
}

static void run_one(esip_stack *s, stk_cb *c)
{
	const esip_stack_callbacks *cb = &s->cfg.cb;

	switch (c->kind) {
	case STK_CB_LOG:
		if (cb->log)
			cb->log(cb->ud, c->u.log.level, c->text);
		break;
	case STK_CB_TRACE:
		c->u.trace.m.local = &c->u.trace.local;
		c->u.trace.m.peer = &c->u.trace.peer;
		if (cb->trace)
			cb->trace(cb->ud, &c->u.trace.m);
		break;
	case STK_CB_RESPONSE:
		c->u.response.fn(c->u.response.ud, c->u.response.status, c->text);
		break;
	case STK_CB_INCOMING:
		if (cb->incoming_call)
			cb->incoming_call(cb->ud, c->call);
		else
			/* nobody takes calls: 480 (21.4.18) */
			esip_call_reject(c->call, 480, NULL);
		break;
	case STK_CB_STATE:
		c->u.state.ev.reason = c->text;
		c->u.state.ev.other = c->other;
		if (cb->call_state)
			cb->call_state(cb->ud, c->call, &c->u.state.ev);
		break;
	case STK_CB_REFER:
		c->u.refer.info.refer_to = c->text;
		c->u.refer.info.referred_by = c->text + c->u.refer.referred_by_off;
		if (cb->incoming_refer)
			cb->incoming_refer(cb->ud, c->call, &c->u.refer.info);
		else
			/* ASK without anyone to ask: as ACCEPT */
			esip_call_refer_accept(c->call);
		break;
	case STK_CB_REG:
		if (cb->reg_state)
			cb->reg_state(cb->ud, c->u.reg.reg, c->u.reg.state, c->u.reg.status,
				      c->u.reg.expires);
		break;
	case STK_CB_REFER_STATUS:
		if (cb->refer_status)
			cb->refer_status(cb->ud, c->call, c->u.refer_status.status,
					 c->u.refer_status.final, c->u.refer_status.ok);
		break;
	case STK_CB_REQUEST:
		if (cb->call_request)
			cb->call_request(cb->ud, c->call, c->text, c->u.request.status);
		break;
	}
}

void esip__stack_run_callbacks(esip_stack *s, stk_cb *c)
{
	while (c) {
		stk_cb *next = c->next;
		run_one(s, c);
		esip_call_unref(c->call);
		esip_call_unref(c->other);
		esip_free(s->alloc, c);
		c = next;
	}
}

void esip__stack_drop_callbacks(esip_stack *s)
{
	stk_cb *c = esip__stack_take_callbacks(s);

	while (c) {
		stk_cb *next = c->next;
		esip_call_unref(c->call);
		esip_call_unref(c->other);
		esip_free(s->alloc, c);
		c = next;
	}
}
